# Every bad input gets a one-line message naming what and where, exit status 2,
# and nothing already written is lost.
. "$(dirname "$0")/lib.sh"

base() {
    cat <<TOML
[dataset]
plugin = "datasets/binary-patterns"
dim = 200
count = 10
[model]
plugin = "energies/hopfield"
[sampler]
plugin = "samplers/hopfield"
[init]
count = 20
TOML
}
recipe() { { base; printf '%b' "$1"; } >"$T/r.toml"; echo "$T/r.toml"; }
# Failing runs go to a folder of their own: one that holds another recipe's
# results refuses any other run first (durable.sh).
run() { "$BASIN" run "$@" --out "$T/fail" --quiet; }

printf '[dataset\nplugin = 1\n' >"$T/malformed.toml"
expect_fail 2 "malformed.toml:1:" "malformed TOML" -- run "$T/malformed.toml"
expect_fail 2 "r.toml:11: init.beta: unknown key" "unknown key" -- run "$(recipe 'beta = 1\n')"
expect_fail 2 "r.toml:10: init.cont: unknown key (did you mean 'count'?)" \
    "unknown key with a suggestion" \
    -- run "$(base | sed 's/^count = 20/cont = 20/' >"$T/r.toml"; echo "$T/r.toml")"
expect_fail 2 "init.count: expected an int, found string" "wrong type" \
    -- run "$(recipe '')" --set 'init.count="many"'
expect_fail 2 "r.toml:4: dataset.count: 0 is out of range [1, 10000000]" "out of range" \
    -- run "$(base | sed 's/^count = 10/count = 0/' >"$T/r.toml"; echo "$T/r.toml")"
expect_fail 2 "unknown plugin 'energies/hopfeild' (did you mean 'energies/hopfield'?)" \
    "unknown plugin" -- run "$(base | sed 's/energies\/hopfield/energies\/hopfeild/' >"$T/r.toml"; echo "$T/r.toml")"
{ echo 'plugin_path = "missing/lib.so"'; base; } >"$T/r.toml"
expect_fail 2 "r.toml:1: plugin_path: $T/missing/lib.so: No such file or directory" \
    "missing plugin library" -- run "$T/r.toml"
expect_fail 2 "$T/none.toml: cannot read" "missing recipe" -- run "$T/none.toml"
expect_fail 2 "$T: cannot read: Is a directory" "a folder as the recipe" -- run "$T"
expect_fail 2 "/dev/zero:1: control character U+0000" "an endless recipe" -- run /dev/zero

base >"$T/r.toml"
touch "$T/file"
expect_fail 2 "cannot create output folder $T/file/sub" "output folder under a file" \
    -- "$BASIN" run "$T/r.toml" --out "$T/file/sub" --quiet
# A folder the user cannot write in, where the new set is built beside the
# results folder (root writes anywhere but /proc; tests/e2e/results-faults.sh
# has a read-only file system).
if [ "$(id -u)" -eq 0 ]; then ro=/proc; else ro=$T/ro; mkdir -p "$ro"; chmod 555 "$ro"; fi
expect_fail 2 "cannot create output folder $ro/basin-out: " "unwritable output folder" \
    -- "$BASIN" run "$T/r.toml" --out "$ro/basin-out" --quiet
expect_fail 2 "init.order = 20 mixes more patterns than the 10 stored" \
    "a plugin-level impossibility names the job" \
    -- run "$T/r.toml" --set init.kind=mixture --set init.order=20
# Refused before anything is allocated, with the estimate and the limit (the
# limit is the machine's: only its source is checked).
expect_fail 2 "job 0: memory: this job needs at least 36.4 TiB (points 36.4 TiB, probes 76.3 MiB, clone snapshots 0 B), more than the " \
    "a dataset too large for memory is refused up front" \
    -- run "$T/r.toml" --set dataset.dim=1000000 --set dataset.count=10000000
expect_fail 2 "clone snapshots 0 B), more than the " \
    "... naming the limit" \
    -- run "$T/r.toml" --set dataset.dim=1000000 --set dataset.count=10000000
out=$(run "$T/r.toml" --set dataset.dim=1000000 --set dataset.count=10000000 2>&1)
check "... and where it comes from: $out" \
    grep -qE "available \((MemAvailable in /proc/meminfo|the cgroup limit in /sys/fs/cgroup/.*)\)$" <<<"$out"
# The probes' arrays count too: 10^8 probes of 10^5 floats.
expect_fail 2 "job 0: memory: this job needs at least 36.4 TiB (points 3.8 MiB, probes 36.4 TiB, clone snapshots 0 B)" \
    "too many probes are refused up front" \
    -- run "$T/r.toml" --set dataset.dim=100000 --set init.count=100000000
expect_fail 2 "run: --threads needs an integer in [1, 1024], not 'x'" "bad --threads" \
    -- "$BASIN" run "$T/r.toml" --threads x
expect_fail 2 "run: unknown option '--thread' (did you mean '--threads'?)" "unknown option" \
    -- "$BASIN" run "$T/r.toml" --thread 2
expect_fail 2 "run: needs a recipe file" "no recipe" -- "$BASIN" run
expect_fail 2 "unknown command 'rnu' (did you mean 'run'?)" "unknown command" -- "$BASIN" rnu

# A failed run leaves the previous results exactly as they were, and no
# temporary files: refused as another run's folder, or with --fresh moved aside
# and put back when the run fails before its first job ends.
"$BASIN" run "$T/r.toml" --out "$T/out" --quiet >/dev/null
cp -r "$T/out" "$T/before"
"$BASIN" run "$T/r.toml" --out "$T/out" --quiet --set init.kind=mixture --set init.order=20 2>/dev/null
check "a failed run keeps the earlier results" diff -r "$T/before" "$T/out"
"$BASIN" run "$T/r.toml" --out "$T/out" --quiet --fresh --set init.kind=mixture \
    --set init.order=20 2>/dev/null
check "a failed --fresh run puts the earlier results back" diff -r "$T/before" "$T/out"
check "a failed run leaves no temporary files" no_temporaries "$T/out"
check "... and no dated folder" [ -z "$(ls -d "$T"/out.2* 2>/dev/null)" ]

# Ctrl-C (SIGINT) mid-run: exit 1, a message, the earlier results untouched.
"$BASIN" run "$R/hopfield-finite-size.toml" --out "$T/out" --quiet --fresh 2>"$T/int.err" &
pid=$!
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
check "an interrupted run exits 1 ($rc)" [ "$rc" -eq 1 ]
check "... saying so: $(cat "$T/int.err")" grep -q "interrupted during job" "$T/int.err"
aside=$(ls -d "$T"/out.2* 2>/dev/null | head -1)
if [ -e "$T/out/jobs/0.part" ]; then
    check "... and keeps the earlier results aside" diff -r "$T/before" "$aside"
else
    check "... and leaves the earlier results as they were" diff -r "$T/before" "$T/out"
fi
check "... and no temporary files" no_temporaries "$T/out"
finish
