#!/usr/bin/env bash
# Runs every scenario's self-check with short parameters, and checks each
# scenario's command line (--help exits 0, a bad option exits 2).
#
# usage: tests/scenarios.sh DIR     (DIR holds the scenario programs,
#                                    e.g. build/scenarios)
# Prints "PASS name" or "FAIL name: why" per check, then "N passed, N failed";
# exits 1 if any check failed.

set -u

. "$(dirname "$0")/scenario_checks.sh" "$@"

# Runs one scenario's self-check: it must exit 0 (see run_check).
#   selfcheck LABEL NAME ARGS...
selfcheck() {
	local label=$1
	shift
	run_check "$label" 0 "" "$@"
}

# A choice option (--variant, --split) takes one of its words, and a word
# it does not know is a usage error that lists the right ones.
badchoice() {
	local name=$1 opt=$2 prog=$dir/$1 out status
	[ -x "$prog" ] || return
	out=$(timeout 20 "$prog" "$opt" no-such-word 2>&1 >/dev/null)
	status=$?
	if [ $status -eq 2 ] && printf '%s' "$out" | grep -q -- "$opt needs one of"; then
		pass "$name $opt no-such-word"
	else
		fail "$name $opt no-such-word" "exit $status (want 2), stderr: $out"
	fi
}

# The catalogue (conctop list, one "NAME  LESSON" line each): every lesson
# is at most 71 characters, and every scenario listed has its program.
catalogue() {
	local conctop=$dir/../conctop out line name lesson bad=""
	if [ ! -x "$conctop" ]; then
		fail "catalogue" "no $conctop to list the catalogue"
		return
	fi
	out=$("$conctop" list) || { fail "catalogue" "conctop list failed"; return; }
	while IFS= read -r line; do
		name=${line%% *}
		lesson=$(sed -E 's/^[^ ]+ +//' <<<"$line")
		[ ${#lesson} -le 71 ] || bad="$bad; '$name' lesson is ${#lesson} characters"
		[ -x "$dir/$name" ] || bad="$bad; no program $dir/$name"
	done <<<"$out"
	if [ -z "$bad" ]; then
		pass "catalogue: $(grep -c '' <<<"$out") scenarios, lessons of at most 71 characters, programs exist"
	else
		fail "catalogue" "${bad#; }"
	fi
}

# race: racy loses updates; mutex (also --fixed), atomic and local none
selfcheck "race" race --threads 2
selfcheck "race --fixed" race --threads 2 --iterations 20000 --fixed
selfcheck "race --variant mutex" race --threads 3 --iterations 20000 --variant mutex
selfcheck "race --variant atomic" race --threads 2 --iterations 100000 --variant atomic
selfcheck "race --variant local" race --threads 4 --iterations 100000 --variant local
selfcheck "race --yield 1 --threads 1" race --threads 1 --iterations 1000 --yield 1
selfcheck "race --fixed --pace" race --threads 2 --iterations 3 --pace 1 --fixed
# contention: hot holds table_lock most of the time; no update lost in any
selfcheck "contention" contention --threads 4 --requests 300
selfcheck "contention --variant short" contention --threads 4 --requests 300 --variant short
selfcheck "contention --variant striped" contention --threads 4 --requests 300 --variant striped
selfcheck "contention --pace" contention --threads 2 --requests 10 --pace 1
# condvar: signal wakes one; broadcast's herd counted; if and the lost
# wakeup show their bug
selfcheck "condvar" condvar --threads 3 --rounds 50
selfcheck "condvar --broadcast" condvar --threads 3 --rounds 50 --broadcast
selfcheck "condvar --variant if" condvar --threads 3 --rounds 20 --variant if
selfcheck "condvar --variant lost-wakeup" condvar --threads 3 --rounds 5 --variant lost-wakeup --timeout 100
selfcheck "condvar --pace" condvar --threads 2 --rounds 2 --pace 1 --broadcast
# barrier: no early starts, static and dynamic; a wrong count is caught
selfcheck "barrier" barrier --threads 3 --phases 5 --straggle 1
selfcheck "barrier --split dynamic" barrier --threads 3 --phases 5 --straggle 1 --split dynamic
selfcheck "barrier --variant wrong-count" barrier --threads 3 --variant wrong-count --timeout 100
selfcheck "barrier --pace" barrier --threads 2 --phases 2 --pace 1
# prodcons: condvars and semaphores; the LBoS deadlock is caught
selfcheck "prodcons" prodcons --producers 2 --consumers 2 --items 1000 --size 4
selfcheck "prodcons --size 1" prodcons --producers 3 --consumers 1 --items 300 --size 1
selfcheck "prodcons --variant semaphores" prodcons --producers 2 --consumers 2 --items 1000 --variant semaphores
selfcheck "prodcons --variant semaphores --size 1" prodcons --producers 1 --consumers 3 --items 300 --size 1 --variant semaphores
selfcheck "prodcons --variant lbos-deadlock" prodcons --variant lbos-deadlock --timeout 100
# semaphore: never more than K inside
selfcheck "semaphore" semaphore --clients 6 --connections 2 --requests 3 --query 2
selfcheck "semaphore --connections 1" semaphore --clients 3 --connections 1 --requests 2 --query 1
selfcheck "semaphore --pace" semaphore --clients 3 --connections 2 --requests 1 --pace 2
# event: the gun releases all; the timer fires, or is cancelled
selfcheck "event" event --threads 3 --laps 2 --limit 60
selfcheck "event --cancel" event --threads 3 --laps 2 --cancel
selfcheck "event --pace --cancel" event --threads 2 --laps 1 --pace 2 --cancel

for name in race contention condvar barrier prodcons semaphore event; do
	cmdline "$name"
done
badchoice race --variant
badchoice contention --variant
badchoice condvar --variant
badchoice barrier --split
badchoice prodcons --variant
catalogue

summary
