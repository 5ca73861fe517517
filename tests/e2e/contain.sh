# Plugins contained as far as one process allows (core/base/fatal.h,
# docs/reliability.md, Plugins run inside basin): a plugin that exits, crashes or hangs leaves one
# line naming the job, the plugin and the call, the process ends with a non-zero
# status (128 + N for signal N), and an earlier run's results stay as they were.
# The plugin is tests/e2e/fault.c (samplers/fault), loaded through plugin_path.
. "$(dirname "$0")/lib.sh"

ulimit -c 0 # the crashes leave no core files
# Under AddressSanitizer its own handlers would take the crash signals first (and
# end with status 1): leave them to basin's, whose lines and statuses are tested.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0"

mkdir -p "$T/plugins"
cp "$FAULT_PLUGIN" "$T/plugins/"
cat >"$T/fault.toml" <<TOML
name = "fault"
plugin_path = ["plugins"]
[dataset]
plugin = "datasets/binary-patterns"
dim = 32
count = 4
[model]
plugin = "energies/hopfield"
[sampler]
plugin = "samplers/fault"
[init]
kind = "pattern"
count = 8
flip = [0.1]
TOML

# An earlier run's results in the same place, which no fault may touch.
check "the fixture runs cleanly with fault = none" \
    "$BASIN" run "$T/fault.toml" --out "$T/out" --quiet
cp -r "$T/out" "$T/before"

JOB="basin: $T/fault.toml: job 0 (init.flip=0.1)"
RUN="samplers/fault: run (model energies/hopfield)"
STOPPED="the run stopped and wrote no results"

# The earlier results: every file basin committed, byte for byte. (A killed run
# leaves its temporary .NAME.XXXXXX files, which the next run removes.)
intact() {
    check "... and the earlier results are intact" diff -r -x '.*' "$T/before" "$T/out"
}

# fault CODE LINE DESCRIPTION -- --set ARGUMENTS...: the run exits with CODE and
# writes exactly LINE on stderr.
fault() {
    local code=$1 want=$2 what=$3
    shift 4
    local out rc
    # (into a folder of its own: one of another recipe's results refuses any
    # other run before its first job, durable.sh)
    "$BASIN" run "$T/fault.toml" --out "$T/fail" --fresh --quiet "$@" 2>"$T/fault.err" >/dev/null
    rc=$?
    out=$(grep -v "^basin: --fresh: " "$T/fault.err")
    out=$(grep -v "^==[0-9]*==WARNING" <<<"$out")
    if [ "$rc" -ne "$code" ]; then
        bad "$what: exit $rc, want $code ($out)"
    elif [ "$out" != "$want" ]; then
        bad "$what: the message is '$out', not '$want'"
    else
        ok "$what: exit $rc: $out"
    fi
    intact
}

# Exits: status 1 whatever the code the plugin gave.
fault 1 "$JOB: $RUN: the plugin called exit(0); $STOPPED" "exit(0) in run" -- \
    --set 'sampler.fault="exit"'
fault 1 "$JOB: samplers/fault: create: the plugin called exit(0); $STOPPED" \
    "exit(0) in create" -- --set 'sampler.fault="exit"' --set 'sampler.in="create"'
fault 1 "$JOB: samplers/fault: destroy: the plugin called exit(0); $STOPPED" \
    "exit(0) in destroy" -- --set 'sampler.fault="exit"' --set 'sampler.in="destroy"'
fault 1 "$JOB: $RUN: the plugin called _exit(3); $STOPPED" "_exit(3) in run" -- \
    --set 'sampler.fault="_exit"' --set sampler.status=3
fault 1 "$JOB: $RUN: the plugin called _exit(0); $STOPPED" "_exit(0) in run" -- \
    --set 'sampler.fault="_exit"'
fault 1 "$JOB: $RUN: the plugin called quick_exit(); $STOPPED" "quick_exit(0) in run" -- \
    --set 'sampler.fault="quick_exit"'

# As the library is loaded (its constructor), while the recipe is.
LOADING="basin: $T/fault.toml: loading the recipe and its plugins"
BASIN_FAULT_AT_LOAD=exit fault 1 \
    "$LOADING: code outside basin called exit(0); $STOPPED" "exit(0) as the library loads" --
BASIN_FAULT_AT_LOAD=segv fault 139 \
    "$LOADING: crashed (SIGSEGV: segmentation fault); $STOPPED" "a crash as the library loads" --

# Crashes: the process dies of the signal (the shell's status 128 + N).
crash() {
    local name=$1 sig=$2 what=$3 how=$4
    shift 4
    fault $((128 + $(kill -l "$sig"))) "$JOB: $RUN: crashed (SIG$sig: $what); $STOPPED" \
        "$how" -- --set "sampler.fault=\"$name\"" "$@"
}
crash segv SEGV "segmentation fault" "a segmentation fault in run"
crash bus BUS "bus error" "a bus error in run"
crash fpe FPE "arithmetic exception" "a division by zero in run"
crash ill ILL "illegal instruction" "an illegal instruction in run"
crash abort ABRT "aborted" "abort() in run"
crash stack SEGV "segmentation fault" "a stack overflow in run"
crash stack SEGV "segmentation fault" "a stack overflow in run, in a worker thread" \
    --threads 4 --set init.count=256 --set sampler.from=100

# A plugin that hangs, ignoring cancellation: signals.
now() { date +%s.%N; }

# start_hung: start a run whose sampler hangs, and wait until it does; sets pid.
start_hung() {
    rm -f "$T/hanging"
    BASIN_FAULT_HANGING="$T/hanging" "$BASIN" run "$T/fault.toml" --out "$T/fail" \
        --quiet --set 'sampler.fault="hang"' 2>"$T/hang.err" &
    pid=$!
    local tries=0
    while [ ! -e "$T/hanging" ] && [ $tries -lt 600 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
}

# hang SIGNAL...: start a hung run, send it the signals 0.5 s apart (the last
# must end it); sets rc, took (seconds from the last signal to the end) and
# $T/hang.err.
hang() {
    local s t0
    start_hung
    for s in "$@"; do
        [ -z "${t0:-}" ] || sleep 0.5
        kill -0 "$pid" 2>/dev/null || break
        t0=$(now)
        kill -"$s" "$pid"
    done
    wait "$pid"
    rc=$?
    took=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
}

INT_NOTE="basin: interrupted: stopping (Ctrl-C again stops at once)"

start_hung
kill -INT "$pid"
sleep 1
check "a hung run outlives the first SIGINT" kill -0 "$pid"
t0=$(now)
kill -INT "$pid"
wait "$pid"
rc=$?
took=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
check "a second SIGINT ends it at once (exit $rc, in $took s)" \
    bash -c "[ $rc -eq 130 ] && awk 'BEGIN { exit !($took < 1) }'"
check "... saying so: $(tr '\n' '|' <"$T/hang.err")" \
    diff - "$T/hang.err" <<<"$INT_NOTE
$JOB: $RUN: interrupted again: stopping now"
intact

hang TERM
check "one SIGTERM ends a hung run after 2 s (exit $rc, in $took s)" \
    bash -c "[ $rc -eq 143 ] && awk 'BEGIN { exit !($took > 1.4 && $took < 4) }'"
check "... saying so: $(tr '\n' '|' <"$T/hang.err")" \
    diff - "$T/hang.err" <<<"basin: terminated: stopping (at once if still running in 2 s)
$JOB: $RUN: still running 2 s after SIGTERM: stopping now"
intact

hang INT TERM
check "a SIGTERM after a SIGINT ends a hung run at once (exit $rc, in $took s)" \
    bash -c "[ $rc -eq 143 ] && awk 'BEGIN { exit !($took < 1) }'"
check "... saying so: $(tr '\n' '|' <"$T/hang.err")" \
    diff - "$T/hang.err" <<<"$INT_NOTE
$JOB: $RUN: terminated again: stopping now"
intact
finish
