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

# Runs a scenario and checks its self-check: it must end with status
# `want` within 20 s and print exactly one line on stdout, starting with
# "NAME:" and, if `grep` is not empty, matching that extended regex.
#   expect LABEL WANT_STATUS GREP NAME ARGS...
expect() {
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
	elif [ $status -ne "$want" ]; then
		fail "$label" "exit $status (want $want): $out${err:+ (stderr: $err)}"
	elif [ "$lines" -ne 1 ] || [ "${out#"$name: "}" = "$out" ]; then
		fail "$label" "expected one line starting '$name: ', got: $out"
	elif [ -n "$pattern" ] && ! printf '%s' "$out" | grep -qE -- "$pattern"; then
		fail "$label" "line does not say /$pattern/: $out"
	else
		pass "$label ($out)"
	fi
}

# A self-check that must hold (exit 0).
selfcheck() {
	local label=$1
	shift
	expect "$label" 0 "" "$@"
}

# Checks the command line: --help exits 0 with usage on stdout, an unknown
# option or a bad value exits 2 with a message naming it.
cmdline() {
	local name=$1 prog=$dir/$1 out status
	[ -x "$prog" ] || return # the self-checks already reported it missing

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

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
