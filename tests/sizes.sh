#!/usr/bin/env bash
# The rooms' size rules (docs/design.md): in tracer/, core/, tui/ and cli/
# no source file is over 900 lines and no function over 120 (scenarios/ is
# left out: students read each scenario as one file). A function is what
# lies between a line that is just "{" and the next line that starts with
# "}", the kernel style every file here follows.
#
# usage: tests/sizes.sh    prints PASS/FAIL lines and "N passed, N failed"
set -u
cd "$(dirname "$0")/.."
FILE_MAX=900
FUNC_MAX=120
passed=0 failed=0

# Prints "file:line: N lines" for each function of the files longer than max.
long_functions() {
	local max=$1
	shift
	awk -v max="$max" '
		FNR == 1 { start = 0 }
		/^\{/ { start = FNR; next }
		/^\}/ && start { n = FNR - start + 1; if (n > max) printf "%s:%d: %d lines\n", FILENAME, start, n; start = 0 }
	' "$@"
}

# Prints "file: N lines" for each file longer than max.
long_files() {
	local max=$1 f n
	shift
	for f in "$@"; do
		n=$(wc -l <"$f")
		[ "$n" -gt "$max" ] && echo "$f: $n lines"
	done
	return 0
}

# One PASS or FAIL line: name, then what was found (empty: pass).
verdict() {
	if [ -z "$2" ]; then
		echo "PASS $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1: $(tr '\n' ' ' <<<"$2")"
		failed=$((failed + 1))
	fi
}

# The check must catch what it looks for: a planted long function and file.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
	printf '/* planted */\nint f(void)\n{\n'
	for i in $(seq 1 $FUNC_MAX); do printf '\tx();\n'; done
	printf '}\n'
} >"$tmp/planted.c"
if [ -n "$(long_functions $FUNC_MAX "$tmp/planted.c")" ] && [ -n "$(long_files $FUNC_MAX "$tmp/planted.c")" ]; then
	verdict "the check catches a planted function of $((FUNC_MAX + 2)) lines and a long file" ""
else
	verdict "the check catches a planted function and file" "missed"
fi

shopt -s nullglob
files=(tracer/*.c tracer/*.h core/*.c core/*.h tui/*.c tui/*.h cli/*.c cli/*.h)
verdict "no source file in tracer/ core/ tui/ cli/ is over $FILE_MAX lines (${#files[@]} files)" \
	"$(long_files $FILE_MAX "${files[@]}")"
verdict "no function in tracer/ core/ tui/ cli/ is over $FUNC_MAX lines" \
	"$(long_functions $FUNC_MAX "${files[@]}")"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
