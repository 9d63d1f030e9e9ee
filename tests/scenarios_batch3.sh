#!/usr/bin/env bash
# Self-checks of the lock scenarios (rwlock, philosophers, inversion,
# falseshare, spin) with short parameters, and their command lines.
#
# usage: tests/scenarios_batch3.sh DIR   (DIR holds the scenario programs,
#                                         e.g. build/scenarios)
# Prints "PASS name", "FAIL name: why" or "SKIPPED name: why" per check,
# then "N passed, N failed, N skipped"; exits 1 if any check failed.
#
# Exit statuses the scenarios use besides 0/1/2: philosophers exits 3 when
# its watchdog caught the deadlock (what the buggy variant must do);
# inversion exits 77 when it may not use SCHED_FIFO (skipped, never a pass).

set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 DIR   (the directory holding the scenario programs)" >&2
	exit 2
fi
dir=$1
passed=0
failed=0
skipped=0
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

skip() {
	echo "SKIPPED $1: $2"
	skipped=$((skipped + 1))
}

# Runs one self-check: it must exit with the status wanted (0 unless told)
# within 20 s and print exactly one line on stdout, starting with "NAME: ";
# with a pattern, that line must also match it (grep -E).
#   selfcheck LABEL WANT PATTERN NAME ARGS...
# A scenario that exits 77 is reported as skipped with its line.
selfcheck() {
	local label=$1 want=$2 pattern=$3 name=$4
	shift 4
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
	elif [ $status -eq 77 ] && [ "$want" != 77 ]; then
		skip "$label" "$out"
	elif [ $status -ne "$want" ]; then
		fail "$label" "exit $status (want $want): $out${err:+ (stderr: $err)}"
	elif [ "$lines" -ne 1 ] || [ "${out#"$name: "}" = "$out" ]; then
		fail "$label" "expected one line starting '$name: ', got: $out"
	elif [ -n "$pattern" ] && ! printf '%s' "$out" | grep -Eq -- "$pattern"; then
		fail "$label" "expected a line matching /$pattern/, got: $out"
	else
		pass "$label ($out)"
	fi
}

# Checks the command line: --help exits 0 with usage on stdout; an unknown
# option, a bad number and a bad word exit 2 with a message naming them.
cmdline() {
	local name=$1 wordopt=$2 prog=$dir/$1 out status
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

	if [ -n "$wordopt" ]; then
		out=$(timeout 20 "$prog" "$wordopt" no-such-word 2>&1 >/dev/null)
		status=$?
		if [ $status -eq 2 ] && printf '%s' "$out" | grep -q -- "$wordopt" &&
			printf '%s' "$out" | grep -q -- 'no-such-word'; then
			pass "$name bad $wordopt"
		else
			fail "$name bad $wordopt" "exit $status (want 2), stderr: $out"
		fi
	fi
}

# rwlock: the writer starves to the end under reader preference, gets in
# early under writer preference.
selfcheck "rwlock" 0 'starved by overlapping readers' \
	rwlock --threads 3 --iterations 8
selfcheck "rwlock --variant writer-pref" 0 'queued behind it' \
	rwlock --threads 3 --iterations 8 --variant writer-pref
selfcheck "rwlock --pace" 0 "" rwlock --threads 3 --iterations 6 --pace 4

# philosophers: without a fix the watchdog catches a full cycle (exit 3);
# each fix eats every meal.
selfcheck "philosophers (deadlock caught)" 3 \
	'deadlock .*philosopher-1 holds fork_1 and waits for fork_2.*philosopher-4 holds fork_4 and waits for fork_1 .*watchdog' \
	philosophers --threads 4 --delay 20 --watchdog 150
selfcheck "philosophers --fix order" 0 'ate all 8 of 8 meals' \
	philosophers --threads 4 --iterations 2 --delay 10 --fix order
selfcheck "philosophers --fix footman" 0 'ate all 8 of 8 meals' \
	philosophers --threads 4 --iterations 2 --delay 10 --fix footman
selfcheck "philosophers --fix trylock" 0 'ate all 8 of 8 meals' \
	philosophers --threads 4 --iterations 2 --delay 10 --fix trylock
selfcheck "philosophers --fix=order --threads 2" 0 'ate all 4 of 4 meals' \
	philosophers --threads 2 --iterations 2 --delay 5 --fix=order

# inversion: needs CAP_SYS_NICE; skipped (77) without it, never passed.
selfcheck "inversion" 0 '2 of 2 rounds.*priority inversion' \
	inversion --iterations 2 --hog 15
selfcheck "inversion --fixed" 0 '--fixed: 2 of 2 rounds.*inherited' \
	inversion --iterations 2 --hog 15 --fixed
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# without the privilege: exit 77 and a message saying what is missing
	nobody=$(id -u nobody 2>/dev/null || echo 65534)
	out=$(timeout 20 setpriv --reuid="$nobody" --regid="$nobody" --clear-groups \
		"$dir/inversion" --iterations 1 2>&1)
	status=$?
	if [ $status -eq 77 ] && printf '%s' "$out" | grep -q 'CAP_SYS_NICE' &&
		printf '%s' "$out" | grep -q 'sudo'; then
		pass "inversion without CAP_SYS_NICE says why and exits 77"
	else
		fail "inversion without CAP_SYS_NICE says why and exits 77" "exit $status: $out"
	fi
fi

# falseshare: counts exact, both speeds printed (not judged: hardware).
selfcheck "falseshare" 0 'one cache line [0-9.]+ M/s, padded [0-9.]+ M/s \(counts exact' \
	falseshare --iterations 2000000
selfcheck "falseshare --padded" 0 'padded [0-9.]+ M/s \(counts exact' \
	falseshare --iterations 2000000 --padded --threads 3
selfcheck "falseshare --packed" 0 'one cache line [0-9.]+ M/s \(counts exact' \
	falseshare --iterations 2000000 --packed

# spin: spinners burn CPU waiting, mutex waiters do not.
selfcheck "spin" 0 'spinlock .*spinning, as expected' spin --iterations 100
selfcheck "spin --variant mutex" 0 'mutex .*asleep while waiting' \
	spin --iterations 100 --variant mutex
selfcheck "spin --threads 1" 0 'nothing to check' spin --threads 1 --iterations 50

cmdline rwlock --variant
cmdline philosophers --fix
cmdline inversion ""
cmdline falseshare ""
cmdline spin --variant

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
