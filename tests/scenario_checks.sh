# Shared by the scenario self-check scripts (tests/scenarios*.sh), which
# source it with their arguments: the scenario directory, the PASS / FAIL /
# SKIPPED lines and their count, running one self-check, and checking a
# scenario's command line.
#
# usage (from a script): . "$(dirname "$0")/scenario_checks.sh" "$@"

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

# One passed check.
pass() {
	echo "PASS $1${2:+ ($2)}"
	passed=$((passed + 1))
}

# One failed check, and why.
fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

# One check that could not run, and why (never a pass).
skip() {
	echo "SKIPPED $1: $2"
	skipped=$((skipped + 1))
}

# Runs one self-check: it must exit with the status wanted within 20 s and
# print exactly one line on stdout, starting with "NAME: "; with a pattern,
# that line must also match it (grep -E). A scenario that exits 77 (it may
# not run here, e.g. no SCHED_FIFO) is reported as skipped with its line.
# A self-check measures a real program on a machine others use too, so a
# failure (but not a time-out) is run again, up to three attempts; every
# failed attempt is printed.
#   run_check LABEL WANT PATTERN NAME ARGS...
run_check() {
	local label=$1 attempt verdict why
	for attempt in 1 2 3; do
		check_once "$@"
		[ "$verdict" = fail ] && [ "$attempt" -lt 3 ] && [ "${why#timed out}" = "$why" ] || break
		echo "  $label: attempt $attempt of 3 failed: $why; once more (the machine may be busy)"
	done
	[ "$attempt" -gt 1 ] && echo "  $label: this result is from attempt $attempt of 3"
	"$verdict" "$label" "$why"
}

# One attempt of run_check: sets verdict (pass, fail or skip) and why.
#   check_once LABEL WANT PATTERN NAME ARGS...
check_once() {
	local want=$2 pattern=$3 name=$4
	shift 4
	local prog=$dir/$name out err status lines
	verdict=fail
	if [ ! -x "$prog" ]; then
		why="no program $prog"
		return
	fi
	out=$(timeout 20 "$prog" "$@" 2>"$errfile")
	status=$?
	err=$(head -c 300 "$errfile")
	lines=$(printf '%s' "$out" | grep -c '')
	if [ $status -eq 124 ]; then
		why="timed out after 20 s: $out"
	elif [ $status -eq 77 ] && [ "$want" != 77 ]; then
		verdict=skip why=$out
	elif [ $status -ne "$want" ]; then
		why="exit $status (want $want): $out${err:+ (stderr: $err)}"
	elif [ "$lines" -ne 1 ] || [ "${out#"$name: "}" = "$out" ]; then
		why="expected one line starting '$name: ', got: $out"
	elif [ -n "$pattern" ] && ! printf '%s' "$out" | grep -Eq -- "$pattern"; then
		why="expected a line matching /$pattern/, got: $out"
	else
		verdict=pass why=$out
	fi
}

# Checks the command line: --help exits 0 with usage on stdout; an unknown
# option and a bad number exit 2 with a message naming them; with a word
# option (--variant, --fix...), an unknown word too.
#   cmdline NAME [WORDOPT]
cmdline() {
	local name=$1 wordopt=${2:-} prog=$dir/$1 out status
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

# Prints the closing count and exits 1 if any check failed.
summary() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}
