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

. "$(dirname "$0")/scenario_checks.sh" "$@"

# A self-check (see run_check in scenario_checks.sh; 77 is a skip).
#   selfcheck LABEL WANT PATTERN NAME ARGS...
selfcheck() {
	run_check "$@"
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

summary
