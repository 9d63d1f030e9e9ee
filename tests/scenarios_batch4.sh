#!/usr/bin/env bash
# Self-checks of the scenarios rlock, daemon and shutdown with short
# parameters, and their command lines.
#
# usage: tests/scenarios_batch4.sh DIR   (DIR holds the scenario programs,
#                                         e.g. build/scenarios)
# Prints "PASS name", "FAIL name: why" or "SKIPPED name: why" per check,
# then "N passed, N failed, N skipped"; exits 1 if any check failed.
#
# Exit statuses the scenarios use besides 0/1/2: rlock --variant plain exits
# 3 when its watchdog has caught the self-deadlock; shutdown --variant
# killed dies of its own SIGINT, which timeout (and a shell) report as 130.

set -u

. "$(dirname "$0")/scenario_checks.sh" "$@"

# rlock: the holder re-takes the recursive lock (depth 2) every update; the
# plain mutex deadlocks on its holder, caught by the watchdog (exit 3).
run_check "rlock" 0 'all 40 updates, each taking registry_lock twice \(depth 2\) without waiting for itself' \
	rlock --iterations 20
run_check "rlock --threads 4 --pace" 0 'all 12 updates.*depth 2' \
	rlock --threads 4 --iterations 3 --pace 2
run_check "rlock --variant plain (self-deadlock caught)" 3 \
	'self-deadlock after 0 updates: task-[12] holds registry_lock and waits for it again, for itself; 1 other task waits behind it.*watchdog, as expected' \
	rlock --variant plain --watchdog 150
run_check "rlock --variant plain --threads 1" 3 \
	'task-1 holds registry_lock and waits for it again, for itself; 0 other tasks' \
	rlock --variant plain --threads 1 --watchdog 100

# daemon: main returns with jobs in progress (cut off); non-daemon: main
# joins, every job finished.
run_check "daemon" 0 'main returned after [0-9]+ ms with [1-3] jobs? in progress.*cut off mid-job' \
	daemon --jobs 10 --work 20 --main 10
run_check "daemon --variant non-daemon" 0 'waited for its 3 workers until all 6 jobs were finished' \
	daemon --variant non-daemon --jobs 2 --work 5 --main 5
run_check "daemon --pace" 0 "cut off mid-job" daemon --threads 2 --jobs 20 --pace 5

# shutdown: the handler's flag lets every worker finish its job; without a
# handler SIGINT ends the process (130).
run_check "shutdown" 0 'SIGINT set shutdown_requested after 40 ms; [0-9] of 3 workers were mid-job and finished it, none was cut off' \
	shutdown --work 10 --after 40
run_check "shutdown --threads 1 --pace" 0 'of 1 workers were mid-job.*none was cut off' \
	shutdown --threads 1 --pace 5
run_check "shutdown --variant killed (dies of SIGINT)" 130 \
	'killed: SIGINT with no handler after 40 ms, [0-9] of 3 workers mid-job' \
	shutdown --variant killed --work 10 --after 40

cmdline rlock --variant
cmdline daemon --variant
cmdline shutdown --variant

summary
