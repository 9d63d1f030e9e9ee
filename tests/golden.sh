#!/usr/bin/env bash
# Golden tests of `conctop lanes` (and of `conctop log`, the narration, in
# the cases whose arguments start with "log"): each case runs conctop lanes on a trace
# file of tests/data/ at a pinned locale and width and compares what it
# printed (stdout, then stderr and the exit status when there are any) with
# tests/golden/CASE.txt.
#
# usage: tests/golden.sh            compare; prints PASS/FAIL per case, then
#                                   "N passed, N failed"; exits 1 on a failure
#        tests/golden.sh --regen    rewrite the expected files from what
#                                   conctop prints now; review with
#                                   `git diff tests/golden/`
#
# BUILD names the build tree holding conctop (default build). The synthetic
# traces come from build/tests/progs/mktrace (see tests/progs/mktrace.c for
# their timelines), the many-* cases' from build/tests/progs/manytrace,
# written into a temporary directory each run; the recorded ones from
# `conctop record` (docs/lanes.md).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
conctop=$BUILD/conctop
golden=tests/golden
data=tests/data
regen=false
case ${1:-} in
--regen) regen=true ;;
"") ;;
*)
	echo "usage: $0 [--regen]" >&2
	exit 2
	;;
esac

if [ ! -x "$conctop" ]; then
	echo "FAIL golden: no $conctop (run make first)"
	echo "0 passed, 1 failed"
	exit 1
fi

# The cases: name, environment (VAR=value ... or -), then the arguments of
# conctop lanes. The locale is C.UTF-8 unless a case sets LC_ALL itself;
# NO_COLOR is unset unless a case sets it.
cases=(
	"pingpong-w80|-|$data/pingpong.ctrace --width 80"
	"pingpong-w100|-|$data/pingpong.ctrace --width 100"
	"pingpong-w40|-|$data/pingpong.ctrace --width 40"
	"pingpong-2ms-6ms|-|$data/pingpong.ctrace --width 120 --from 2ms --to 6ms"
	"pingpong-ascii|LC_ALL=C|$data/pingpong.ctrace --width 80"
	"preempt-w80|-|$data/preempt.ctrace --width 80"
	"lifecycle-w80|-|$data/lifecycle.ctrace --width 80"
	"lifecycle-zoom|-|$data/lifecycle.ctrace --width 100 --from 1.5ms --to 4.5ms"
	"lifecycle-color|-|$data/lifecycle.ctrace --width 80 --color"
	"lifecycle-no-color|NO_COLOR=1|$data/lifecycle.ctrace --width 80 --color"
	"lost-w80|-|$data/lost.ctrace --width 80"
	"glyphs-w100|-|$data/glyphs.ctrace --width 100"
	"glyphs-color|-|$data/glyphs.ctrace --width 100 --color"
	"wide-w80|-|$data/wide.ctrace --width 80"
	"cutoff-w80|-|$data/cutoff.ctrace --width 80"
	"prodcons-w100|-|$data/prodcons.ctrace --width 100"
	"prodcons-threads|-|$data/prodcons.ctrace --width 100 --from 153ms --to 164ms"
	"prodcons-1ms|-|$data/prodcons.ctrace --width 120 --from 155ms --to 156ms"
	"barrier-w100|-|$data/barrier.ctrace --width 100"
	"barrier-phases|-|$data/barrier.ctrace --width 100 --from 147ms --to 169ms"
	"error-narrow|-|$data/pingpong.ctrace --width 39"
	"error-bad-time|-|$data/pingpong.ctrace --from soon"
	"error-backwards|-|$data/pingpong.ctrace --from 5ms --to 2ms"
	"error-no-file|-|$data/no-such.ctrace"
	"error-not-a-trace|-|tests/golden.sh"
	"error-two-files|-|$data/pingpong.ctrace $data/lost.ctrace"
	"log-prodcons|-|log $data/prodcons.ctrace"
	# each lesson recorded at its classroom pace (record --classroom, see
	# docs/testing.md), its lesson on the lanes: the markers row, the
	# key lanes, prodcons' buffer strip, race's outcome at the end
	"class-race|-|$data/class-race.ctrace --width 140"
	"class-race-end|-|$data/class-race.ctrace --width 120 --from 3.2s"
	"class-condvar|-|$data/class-condvar.ctrace --width 140"
	"class-condvar-signal|-|$data/class-condvar.ctrace --width 160 --from 0.1s --to 0.9s"
	"class-prodcons|-|$data/class-prodcons.ctrace --width 140"
	"class-barrier|-|$data/class-barrier.ctrace --width 140"
	"class-semaphore|-|$data/class-semaphore.ctrace --width 140"
	"class-semaphore-free|-|$data/class-semaphore.ctrace --width 160 --from 0.3s --to 0.9s"
	"class-event|-|$data/class-event.ctrace --width 140"
	"class-event-timer|-|$data/class-event.ctrace --width 140 --from 2.19s --to 2.25s"
	"class-gil|-|$data/class-gil.ctrace --width 140"
	"class-processes|-|$data/class-processes.ctrace --width 160"
	"class-processes-element|-|$data/class-processes.ctrace --width 120 --from 0.5s --to 0.53s"
	"class-rlock|-|$data/class-rlock.ctrace --width 140"
	"class-rlock-depth|-|$data/class-rlock.ctrace --width 140 --from 0.55s --to 0.7s"
	"class-daemon|-|$data/class-daemon.ctrace --width 140"
	"class-shutdown|-|$data/class-shutdown.ctrace --width 140"
	"class-pool|-|$data/class-pool.ctrace --width 140"
	"class-contention|-|$data/class-contention.ctrace --width 140"
	"class-iobound|-|$data/class-iobound.ctrace --width 140"
	"class-oversub|-|$data/class-oversub.ctrace --width 140"
	"class-rwlock|-|$data/class-rwlock.ctrace --width 140"
	"class-philosophers|-|$data/class-philosophers.ctrace --width 140"
	"class-inversion|-|$data/class-inversion.ctrace --width 140"
	"class-falseshare|-|$data/class-falseshare.ctrace --width 140"
	"class-spin|-|$data/class-spin.ctrace --width 140"
	"log-prodcons-ascii|LC_ALL=C|log $data/prodcons.ctrace --from 155ms --to 156ms"
	"log-lifecycle|-|log $data/lifecycle.ctrace"
	# many lanes (issue 11): @MANY@ is the trace build/tests/progs/manytrace
	# writes (1 000 threads in 20 processes, 64 CPUs), written afresh
	"many-fold|-|@MANY@ --width 100 --fold --cpu-strip 16 --from 0.2s --to 0.4s"
	"many-group-filter|-|@MANY@ --width 100 --group --filter ntp --cpu-strip 16 --from 0.2s --to 0.3s"
	"many-ascii|LC_ALL=C|@MANY@ --width 100 --fold --filter stuck --cpu-strip 32 --to 0.1s"
)

passed=0
failed=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Runs one case; its whole output (stdout, then "--- stderr" and stderr,
# then "--- exit N" when not 0) goes to $2.
run_case() {
	local spec=$1 out=$2 env args status
	env=$(cut -d'|' -f2 <<<"$spec")
	args=$(cut -d'|' -f3 <<<"$spec")
	args=${args//@MANY@/$tmp/many.ctrace}
	[ "$env" = - ] && env=
	local sub=lanes
	if [ "${args%% *}" = log ]; then
		sub=log
		args=${args#log }
	fi
	# shellcheck disable=SC2086 # args and env are word lists
	env -u NO_COLOR LC_ALL=C.UTF-8 $env "$conctop" $sub $args >"$tmp/stdout" 2>"$tmp/stderr"
	status=$?
	{
		cat "$tmp/stdout"
		if [ -s "$tmp/stderr" ]; then
			echo "--- stderr"
			cat "$tmp/stderr"
		fi
		[ "$status" != 0 ] && echo "--- exit $status"
	} >"$out"
	return 0
}

mkdir -p "$golden"
if [ -x "$BUILD/tests/progs/manytrace" ]; then
	"$BUILD/tests/progs/manytrace" "$tmp/many.ctrace" || echo "golden: manytrace failed: the many-* cases will fail"
fi
for spec in "${cases[@]}"; do
	name=${spec%%|*}
	expected=$golden/$name.txt
	run_case "$spec" "$tmp/out"
	if $regen; then
		if [ -f "$expected" ] && cmp -s "$tmp/out" "$expected"; then
			echo "PASS $name (unchanged)"
		else
			cp "$tmp/out" "$expected"
			echo "PASS $name (rewrote $expected)"
		fi
		passed=$((passed + 1))
	elif [ ! -f "$expected" ]; then
		echo "FAIL $name: no $expected (tests/golden.sh --regen writes it)"
		failed=$((failed + 1))
	elif cmp -s "$tmp/out" "$expected"; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: conctop $(cut -d'|' -f3 <<<"$spec" | sed 's/^log /log /; t; s/^/lanes /') differs from $expected:"
		diff -u "$expected" "$tmp/out" | head -n 40 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
# expected files no case writes any more
for f in "$golden"/*.txt; do
	[ -e "$f" ] || continue
	base=$(basename "$f" .txt)
	found=false
	for spec in "${cases[@]}"; do
		[ "${spec%%|*}" = "$base" ] && found=true
	done
	if ! $found; then
		echo "FAIL $base: $f belongs to no case (remove it)"
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
