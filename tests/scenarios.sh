#!/usr/bin/env bash
# Runs every scenario's self-check with short parameters, and checks each
# scenario's command line (--help exits 0, a bad option exits 2).
#
# usage: tests/scenarios.sh DIR     (DIR holds the scenario programs,
#                                    e.g. build/scenarios)
# Prints "PASS name" or "FAIL name: why" per check, then "N passed, N failed";
# exits 1 if any check failed.

set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 DIR   (the directory holding the scenario programs)" >&2
	exit 2
fi
dir=$1
passed=0
failed=0
errfile=$(mktemp) || exit 1
trap 'rm -f "$errfile"' EXIT

pass() {
	echo "PASS $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

# Runs one scenario's self-check: it must exit 0 within the time limit and
# print exactly one line on stdout, starting with "NAME:".
selfcheck() {
	local label=$1 name=$2
	shift 2
	local prog=$dir/$name out err status lines
	if [ ! -x "$prog" ]; then
		fail "$label" "no program $prog"
		return
	fi
	out=$(timeout 20 "$prog" "$@" 2>"$errfile")
	status=$?
	err=$(head -c 300 "$errfile")
	lines=$(printf '%s' "$out" | grep -c '')
	if [ $status -eq 124 ]; then
		fail "$label" "timed out after 20 s: $out"
	elif [ $status -ne 0 ]; then
		fail "$label" "exit $status: $out${err:+ (stderr: $err)}"
	elif [ "$lines" -ne 1 ] || [ "${out#"$name: "}" = "$out" ]; then
		fail "$label" "expected one line starting '$name: ', got: $out"
	else
		pass "$label ($out)"
	fi
}

# Checks the command line: --help exits 0 with usage on stdout, and an
# unknown option or a bad value exits 2 with a message naming it.
cmdline() {
	local name=$1 prog=$dir/$1 out status
	[ -x "$prog" ] || return # selfcheck already reported it missing

	out=$(timeout 20 "$prog" --help 2>&1)
	status=$?
	if [ $status -eq 0 ] && printf '%s' "$out" | grep -q "usage: $name"; then
		pass "$name --help"
	else
		fail "$name --help" "exit $status, output: $(printf '%s' "$out" | head -n 2)"
	fi

	out=$(timeout 20 "$prog" --no-such-option 2>&1 >/dev/null)
	status=$?
	if [ $status -eq 2 ] && printf '%s' "$out" | grep -q -- '--no-such-option' &&
		printf '%s' "$out" | grep -q -- '--help'; then
		pass "$name bad option"
	else
		fail "$name bad option" "exit $status (want 2), stderr: $out"
	fi

	out=$(timeout 20 "$prog" --threads zero 2>&1 >/dev/null)
	status=$?
	if [ $status -eq 2 ] && printf '%s' "$out" | grep -q -- '--threads'; then
		pass "$name bad value"
	else
		fail "$name bad value" "exit $status (want 2), stderr: $out"
	fi
}

selfcheck "race" race --threads 2
selfcheck "race --fixed" race --threads 2 --iterations 20000 --fixed
selfcheck "condvar" condvar --threads 3 --rounds 50
selfcheck "condvar --broadcast" condvar --threads 3 --rounds 50 --broadcast
selfcheck "barrier" barrier --threads 3 --phases 5 --straggle 1
selfcheck "prodcons" prodcons --producers 2 --consumers 2 --items 1000 --size 4
selfcheck "prodcons --size 1" prodcons --producers 3 --consumers 1 --items 300 --size 1
selfcheck "race --fixed --pace" race --threads 2 --iterations 3 --pace 1 --fixed
selfcheck "barrier --pace" barrier --threads 2 --phases 2 --pace 1

for name in race condvar barrier prodcons; do
	cmdline "$name"
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
