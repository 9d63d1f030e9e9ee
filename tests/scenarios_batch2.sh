#!/usr/bin/env bash
# Self-checks of the second batch of scenarios (gil, iobound, pool, oversub,
# processes) and their variants, with short parameters, plus each one's
# command line (--help exits 0, a bad option or value exits 2).
#
# usage: tests/scenarios_batch2.sh DIR     (DIR holds the scenario programs,
#                                           e.g. build/scenarios)
# Prints "PASS name" or "FAIL name: why" per check, then "N passed, N failed";
# exits 1 if any check failed. Every run is limited to 20 s (timeout 20).

set -u

. "$(dirname "$0")/scenario_checks.sh" "$@"

# A self-check with the exit status wanted and what its line must say
# (see run_check).
#   expect LABEL WANT_STATUS GREP NAME ARGS...
expect() {
	run_check "$@"
}

# A self-check that must hold (exit 0).
selfcheck() {
	local label=$1
	shift
	run_check "$label" 0 "" "$@"
}

# A --variant that does not exist is a usage error naming the option.
badvariant() {
	local name=$1 prog=$dir/$1 out status
	[ -x "$prog" ] || return
	out=$(timeout 20 "$prog" --variant no-such-variant 2>&1 >/dev/null)
	status=$?
	if [ $status -eq 2 ] && printf '%s' "$out" | grep -q -- '--variant' &&
		printf '%s' "$out" | grep -q -- 'no-such-variant'; then
		pass "$name bad --variant"
	else
		fail "$name bad --variant" "exit $status (want 2), stderr: $out"
	fi
}

# gil: threads take turns on the GIL (forced switches, never two at once);
# processes run together; the I/O thread waits to get back in.
selfcheck "gil" gil --threads 3 --work 20
selfcheck "gil --processes" gil --threads 3 --work 20 --processes
selfcheck "gil --io" gil --threads 2 --work 30 --io
selfcheck "gil --processes --io" gil --threads 2 --work 30 --processes --io
selfcheck "gil --threads 1" gil --threads 1 --work 10
selfcheck "gil --interval 1 --check 10" gil --threads 2 --work 10 --interval 1 --check 10
selfcheck "gil --pace" gil --threads 2 --pace 4
# iobound: waits overlap in threads; computing under the GIL does not.
selfcheck "iobound" iobound --threads 6 --wait 40
selfcheck "iobound --variant cpu" iobound --threads 6 --work 5 --variant cpu
selfcheck "iobound --serial" iobound --threads 4 --wait 5 --serial
selfcheck "iobound --threaded" iobound --threads 6 --wait 40 --threaded
selfcheck "iobound --variant cpu --threaded" iobound --threads 4 --work 5 --variant=cpu --threaded
selfcheck "iobound --pace" iobound --threads 6 --pace 10
# pool: join, task_done, sentinels; the forgotten task_done is caught.
selfcheck "pool" pool --threads 3 --jobs 6 --rounds 2 --work 200
selfcheck "pool --threads 1" pool --threads 1 --jobs 3 --rounds 2 --work 100
expect "pool --variant forgot-task-done (caught)" 1 "join\(\) hung.*caught by the watchdog" \
	pool --threads 3 --jobs 6 --work 200 --variant forgot-task-done --watchdog 50
selfcheck "pool --pace" pool --threads 2 --jobs 2 --rounds 2 --pace 2
# oversub: every thread preempted when they outnumber the CPUs (pinned to
# one CPU, so the same on any machine); a pool as large as the CPUs.
selfcheck "oversub --cpus 1" oversub --cpus 1 --threads 3 --work 15
selfcheck "oversub" oversub --work 10
selfcheck "oversub --pool" oversub --work 10 --pool
selfcheck "oversub --pace" oversub --cpus 1 --threads 2 --pace 3
# processes: fork, job queue, result pipes, shared memory under a lock.
selfcheck "processes" processes --threads 2
selfcheck "processes --variant element" processes --threads 3 --chunks 3 --iterations 20000 --variant element
selfcheck "processes --variant local" processes --threads 3 --chunks 3 --iterations 20000 --variant local
selfcheck "processes --pace" processes --threads 2 --chunks 4 --pace 2

for name in gil iobound pool oversub processes; do
	cmdline "$name"
done
for name in iobound pool processes; do
	badvariant "$name"
done

summary
