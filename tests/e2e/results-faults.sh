# Faults while a result set is written (results/folder.h, docs/reliability.md):
# a kill -9 during a run and at every step of the final commit, with and without
# renameat2's exchange, a read-only and a full file system. After each, the
# results folder holds one whole run (the old or the new), and the next run
# into the same parent removes what the killed one left.
. "$(dirname "$0")/lib.sh"

Q=$R/quickstart.toml
# old/new DIR: a run, and a rerun of the same recipe, which builds its set anew
# from the job parts and swaps it in over the old one (another recipe is refused
# or, with --fresh, moves the old folder aside: durable.sh).
NEW=(--quiet --set init.count=20 --set seed=1)
old() { "$BASIN" run "$Q" --out "$1" --quiet --set init.count=20 --set seed=1; }
new() { "$BASIN" run "$Q" --out "$1" "${NEW[@]}"; }
old "$T/ref-old" && new "$T/ref-new"
# A run that fails in its first job, after it began its folder: it cleans up
# what dead runs left in the parent and changes nothing else.
failing() { "$BASIN" run "$Q" --out "$1" --quiet --set init.kind=mixture \
    --set init.order=20 2>/dev/null; }

# whole DIR: DIR holds exactly the set its marker lists, and that set is the
# old run's or the new run's, file for file.
whole() {
    local d=$1 ref
    [ -f "$d/.basin-results" ] || return 1
    for ref in "$T/ref-old" "$T/ref-new"; do
        if diff -q <(ls -A "$d") <(ls -A "$ref") >/dev/null &&
            cmp -s "$d/.basin-results" "$ref/.basin-results" &&
            cmp -s "$d/records.csv" "$ref/records.csv"; then
            return 0
        fi
    done
    return 1
}

# --- kill -9 at each step of the commit. BASIN_TEST_COMMIT=pause prints
# "basin: test: commit step N: WHAT" once step N is done (WHAT is the state it
# reached) and stops itself (SIGSTOP); the test continues it (SIGCONT) up to step
# N and kills it there, so no timing decides where the kill lands.
# stopped_at PID N: wait until PID has printed N steps and is stopped (0), or has
# ended (1).
stopped_at() {
    local i state
    for ((i = 0; i < 6000; i++)); do
        state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
        case $state in
        T | t)
            [ "$(grep -c 'commit step' "$T/k.err")" -ge "$2" ] && return 0 ;;
        Z | X | '') return 1 ;;
        esac
        sleep 0.01
    done
    return 1
}
# kill_at MODE N: an old set in $T/k, then a new run into it killed at step N.
# Returns 1 when the run ended before step N.
kill_at() {
    rm -rf "$T/k" "$T"/.k.basin-*
    old "$T/k"
    # basin itself in the background (not a function's subshell): $! is its PID
    BASIN_TEST_COMMIT=$1 "$BASIN" run "$Q" --out "$T/k" "${NEW[@]}" 2>"$T/k.err" &
    local pid=$! step
    for ((step = 1; step <= $2; step++)); do
        if ! stopped_at "$pid" "$step"; then
            wait "$pid"
            return 1
        fi
        [ "$step" -lt "$2" ] && kill -CONT "$pid"
    done
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    return 0
}
for mode in pause pause,rename; do
    steps=0
    for n in 1 2 3 4 5 6 7 8 9 10; do
        kill_at "$mode" "$n" || break
        steps=$n
        what=$(grep "commit step $n:" "$T/k.err" | sed 's/.*: //')
        if [ -e "$T/k" ]; then
            check "$mode: killed once $what: the folder holds one whole run" whole "$T/k"
        else
            # Only the two-rename swap has a moment without the folder: the old
            # set is then aside, whole, and the next run puts it back.
            aside=$(ls -d "$T"/.k.basin-old-* 2>/dev/null | head -1)
            check "$mode: killed once $what: the old set is aside, whole" \
                whole "${aside:-/nonexistent}"
        fi
        failing "$T/k2"
        check "$mode: ... and after the next run into the parent, one whole run" whole "$T/k"
        check "$mode: ... and no temporaries" no_temporaries "$T/k"
    done
    check "$mode: the commit has at least 3 steps, each killed ($steps)" [ "$steps" -ge 3 ]
    check "$mode: an unkilled run commits the new set" whole "$T/k"
    check "$mode: ... the new one" cmp -s "$T/k/records.csv" "$T/ref-new/records.csv"
done

# --- kill -9 during a --fresh run: the old set stays whole under its dated
# name; the next run into the parent removes the dead run's temporary folder
rm -rf "$T/k" "$T"/k.2* && old "$T/k"
"$BASIN" run "$R/hopfield-finite-size.toml" --out "$T/k" --quiet --fresh 2>/dev/null &
pid=$!
for _ in $(seq 1 200); do ls -A "$T" | grep -q '^\.k\.basin-new-' && break; sleep 0.02; done
kill -9 "$pid"
wait "$pid" 2>/dev/null
aside=$(ls -d "$T"/k.2* 2>/dev/null | head -1)
check "a run killed mid-way leaves the old set whole" whole "${aside:-/nonexistent}"
check "... the old one" cmp -s "$aside/records.csv" "$T/ref-old/records.csv"
check "... and its unfinished set beside it" bash -c "ls -A '$T' | grep -q '^\.k\.basin-new-'"
failing "$T/k2"
check "the next run into the parent removes it" no_temporaries "$T/k"
check "... and leaves the old set" whole "$aside"
# A folder of a live process (this shell's) or of another host is not touched.
mkdir "$T/.k.basin-new-$(hostname | tr -c 'A-Za-z0-9\n' _ | cut -c1-32)-$$-AbC123" \
    "$T/.k.basin-new-otherhost-1-AbC123"
failing "$T/k2"
check "a live run's folder is left alone" [ -d "$T/.k.basin-new-$(hostname | tr -c 'A-Za-z0-9\n' _ | cut -c1-32)-$$-AbC123" ]
check "another host's run's folder is left alone" [ -d "$T/.k.basin-new-otherhost-1-AbC123" ]
rm -rf "$T"/.k.basin-*

# --- a read-only and a full file system (a small tmpfs: needs root)
mkdir -p "$T/fs"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=1m basin-test "$T/fs" 2>/dev/null; then
    trap 'umount "$T/fs" 2>/dev/null; rm -rf "$T"' EXIT
    new "$T/fs/out"
    cp -r "$T/fs/out" "$T/fs-before"
    # Full: the new run (1.2 MB of samples) does not fit beside the old one, which
    # --fresh keeps under a dated name (or puts back when no job ended).
    "$BASIN" run "$Q" --out "$T/fs/out" --quiet --set init.count=200 --fresh 2>"$T/full.err"
    rc=$?
    sed -i '/^basin: --fresh: /d; /^basin: the run failed before its first job ended/d' "$T/full.err"
    kept=$T/fs/out
    [ -e "$kept/records.csv" ] || kept=$(ls -d "$T"/fs/out.2* 2>/dev/null | head -1)
    check "a full disk fails the run with exit 1 ($rc)" [ "$rc" -eq 1 ]
    check "... saying so in one line: $(cat "$T/full.err")" \
        bash -c "[ \$(wc -l <'$T/full.err') -eq 1 ] && grep -q 'No space left on device' '$T/full.err'"
    check "... naming the results folder" grep -qF "$T/fs/out" "$T/full.err"
    check "... the earlier results intact" diff -r "$T/fs-before" "$kept"
    check "... and no temporaries" no_temporaries "$T/fs/out"
    [ "$kept" = "$T/fs/out" ] || { rm -rf "$T/fs/out" && mv "$kept" "$T/fs/out"; }
    mount -o remount,ro "$T/fs"
    expect_fail 2 "cannot write in $T/fs: Read-only file system" "a read-only file system" \
        -- new "$T/fs/out"
    check "... the earlier results intact" diff -r "$T/fs-before" "$T/fs/out"
    umount "$T/fs"
elif [ "$(id -u)" -ne 0 ]; then
    # Without root: a folder without write permission stands in for read-only.
    new "$T/fs/out"
    cp -r "$T/fs/out" "$T/fs-before"
    chmod 555 "$T/fs"
    expect_fail 2 "cannot write in $T/fs: Permission denied" "a read-only folder" \
        -- new "$T/fs/out"
    check "... the earlier results intact" diff -r "$T/fs-before" "$T/fs/out"
    chmod 755 "$T/fs"
    echo "skip: the disk-full test mounts a small tmpfs, which needs root"
else
    echo "skip: cannot mount a tmpfs here: no disk-full or read-only test"
fi
finish
