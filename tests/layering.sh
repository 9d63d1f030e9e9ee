#!/usr/bin/env bash
# The rooms' rules (docs/design.md): core/ includes no libbpf and no
# ncurses header, and in tui/ only screen.c includes ncurses. Each source
# file is run through the preprocessor (cc -M, system headers included), so
# a header that pulls one in through another header is caught too.
#
# usage: tests/layering.sh    prints PASS/FAIL lines and "N passed, N failed"
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CC=${CC:-cc}
flags=(-std=gnu11 -D_GNU_SOURCE -Icore -Itracer -Itui -Iscenarios "-I$BUILD/tracer")
libbpf='(^|/)(bpf/[^ ]*\.h|libbpf[^ /]*\.h)$'
ncurses='(^|/)(ncursesw?/[^ ]*\.h|n?curses[^ /]*\.h|term\.h|termcap\.h|panel\.h|menu\.h|form\.h)$'
passed=0 failed=0

# Writes the headers source file $1 includes, one a line, to $2.ok (exit 1,
# and no $2.ok, when it does not preprocess). LAYER_CC (split at spaces, as
# make splits CC) and LAYER_FLAGS (one flag a line: a build directory's path
# may hold spaces) say how, exported: preprocess_all runs it in other shells.
preprocess_one() {
	local -a fl
	mapfile -t fl <<<"$LAYER_FLAGS"
	$LAYER_CC "${fl[@]}" -M -MG "$1" >"$2.m" 2>/dev/null || return 1
	tr -d '\\' <"$2.m" | tr ' ' '\n' | grep -v -e '^$' -e ':$' >"$2.ok"
}
export -f preprocess_one
LAYER_FLAGS=$(printf '%s\n' "${flags[@]}")
export LAYER_CC="$CC" LAYER_FLAGS

# Preprocesses the files given, a job per CPU (one after another, the
# preprocessing and the pipes around it took 9 s of make test).
preprocess_all() {
	printf '%s\0' "$@" | xargs -0 -r -n 8 -P "$(nproc 2>/dev/null || echo 1)" bash -c '
		for f in "${@:2}"; do preprocess_one "$f" "$1/${f//\//_}"; done' bash "$tmp/pre"
}

# Sets REPLY to the file that lists the headers file $1 includes, one a
# line (made now unless preprocess_all made it); exit 1 if it does not
# preprocess.
headers() {
	REPLY="$tmp/pre/${1//\//_}.ok"
	[ -f "$REPLY" ] || preprocess_one "$1" "${REPLY%.ok}"
}

# check NAME PATTERN FILE...: every file preprocesses and includes no header
# matching PATTERN; one PASS or FAIL line for the lot.
check() {
	local name=$1 pattern=$2 bad="" f hits
	shift 2
	for f in "$@"; do
		headers "$f" || {
			bad+=" $f (does not preprocess)"
			continue
		}
		grep -qE "$pattern" "$REPLY" || continue
		hits=$(grep -E "$pattern" "$REPLY" | sort -u | tr "\n" " ")
		bad+=" $f (${hits% })"
	done
	if [ -z "$bad" ]; then
		echo "PASS $name ($# files)"
		passed=$((passed + 1))
	else
		echo "FAIL $name:$bad"
		failed=$((failed + 1))
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/pre"

# The check itself must catch what it looks for: a core file that includes
# ncurses through a header of its own, and one that includes libbpf.
printf '#include <curses.h>\n' >"$tmp/draw.h"
printf '#include "draw.h"\nint f(void);\n' >"$tmp/planted_ncurses.c"
printf '#include <bpf/libbpf.h>\nint g(void);\n' >"$tmp/planted_libbpf.c"
detected=0 # (check runs in a subshell here: the counts stay untouched)
check "planted" "$ncurses" "$tmp/planted_ncurses.c" | grep -q '^FAIL' && detected=$((detected + 1))
check "planted" "$libbpf" "$tmp/planted_libbpf.c" | grep -q '^FAIL' && detected=$((detected + 1))
if [ "$detected" = 2 ]; then
	echo "PASS the check catches planted ncurses (through a header) and libbpf includes"
	passed=$((passed + 1))
else
	echo "FAIL the check missed a planted include ($detected of 2 caught)"
	failed=$((failed + 1))
fi

shopt -s nullglob
core=(core/*.c core/*.h)
tui=()
for f in tui/*.c tui/*.h; do
	[ "$f" = tui/screen.c ] || tui+=("$f")
done
preprocess_all "${core[@]}" "${tui[@]}"
check "core/ includes no libbpf header" "$libbpf" "${core[@]}"
check "core/ includes no ncurses header" "$ncurses" "${core[@]}"
check "tui/ includes ncurses only in screen.c" "$ncurses" "${tui[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
