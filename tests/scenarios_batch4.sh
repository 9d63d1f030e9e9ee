#!/usr/bin/env bash
# Self-checks of the scenario rlock with short
# parameters, and their command lines.
#
# usage: tests/scenarios_batch4.sh DIR   (DIR holds the scenario programs,
#                                         e.g. build/scenarios)
# Prints "PASS name", "FAIL name: why" or "SKIPPED name: why" per check,
# then "N passed, N failed, N skipped"; exits 1 if any check failed.
#
# Exit statuses the scenarios use besides 0/1/2: rlock --variant plain exits
# 3 when its watchdog has caught the self-deadlock.

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

cmdline rlock --variant

summary
