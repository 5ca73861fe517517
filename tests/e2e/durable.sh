# Runs that survive and spread (docs/reliability.md, "Job parts"): a run killed
# with SIGKILL and run again equals the uninterrupted run; another recipe never
# mixes with a folder's jobs; shards joined by `basin merge` (by hand and through
# GNU parallel) equal the one-machine run; a merge of shards that do not make one
# run fails with one line and writes nothing.
. "$(dirname "$0")/lib.sh"

# A sweep of 3 points x 4 repeats: 12 jobs, each a moment long.
run() {
    "$BASIN" run "$R/hopfield-spurious.toml" --threads 1 --set repeats=4 \
        --set dataset.dim=300 --set init.count=150 "$@"
}
# same A B: the run-level files of two folders are the same bytes, but for the
# seconds column of summary.csv.
strip() { awk -F, '{ $NF = ""; print }' "$1"; }
same() {
    cmp -s "$1/records.csv" "$2/records.csv" && cmp -s "$1/samples.npy" "$2/samples.npy" &&
        cmp -s "$1/run.toml" "$2/run.toml" &&
        cmp -s <(strip "$1/summary.csv") <(strip "$2/summary.csv") &&
        cmp -s "$1/.basin-results" "$2/.basin-results"
}

run --out "$T/whole" --quiet
check "the whole run keeps a part per job" [ "$(ls "$T/whole/jobs" | grep -c '\.part$')" -eq 12 ]

# --- killed, then resumed
"$BASIN" run "$R/hopfield-spurious.toml" --threads 1 --set repeats=4 \
    --set dataset.dim=300 --set init.count=150 --out "$T/killed" --quiet &
pid=$! # basin itself, not a subshell
for _ in $(seq 1 600); do
    [ -e "$T/killed/jobs/2.part" ] && break
    sleep 0.05
done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
kept=$(ls "$T/killed/jobs" 2>/dev/null | grep -c '\.part$')
check "the killed run kept its finished jobs ($kept of 12)" [ "$kept" -ge 3 ]
[ "$kept" -lt 12 ] || echo "# (the run had finished before the kill: resume reruns nothing)"
check "the killed run wrote no run-level file" [ ! -e "$T/killed/records.csv" ]
out=$(run --out "$T/killed" 2>&1 >/dev/null)
check "the rerun says it resumes ($out)" grep -q "resuming with $kept of 12 jobs" <<<"$out"
check "killed then resumed = uninterrupted" same "$T/whole" "$T/killed"
check "... with no temporary folder left" no_temporaries "$T/killed"

# A rerun of a finished run runs nothing and writes the same files.
run --out "$T/whole" --quiet
check "a rerun of a finished run gives the same files" same "$T/whole" "$T/killed"

# --- another recipe: refused, or --fresh keeps the earlier results aside
before=$(cat "$T/whole/records.csv" | md5sum)
expect_fail 2 "holds the results of another run (jobs/recipe.toml line 10 in [dataset] is 'dim = 300' there, 'dim = 200' in this run)" \
    "another recipe into a folder of jobs" -- run --out "$T/whole" --quiet --set dataset.dim=200
check "... the folder is as it was" [ "$before" = "$(md5sum <"$T/whole/records.csv")" ]
run --out "$T/whole" --quiet --set dataset.dim=200 --fresh 2>"$T/fresh.err"
aside=$(ls -d "$T"/whole.2* 2>/dev/null | head -1)
check "--fresh keeps the earlier results under a dated name ($(basename "$aside"))" \
    [ -n "$aside" ] && [ "$before" = "$(md5sum <"$aside/records.csv")" ]
check "... and says where" grep -q "earlier results of $T/whole are in $aside" "$T/fresh.err"
check "... the new run is in place" grep -q '^dim = 200' "$T/whole/run.toml"

# --- shards by hand, then merged
for i in 0 1 2; do run --out "$T/m" --quiet --shard $i/3; done
check "a shard folder holds its manifest" grep -qx 'jobs = \[1, 4, 7, 10\]' "$T/m.shards/1-of-3/shard.toml"
"$BASIN" merge "$T/m" "$T/m.shards/2-of-3" "$T/m.shards/0-of-3" "$T/m.shards/1-of-3" --quiet
check "merged shards = the one-machine run" same "$T/killed" "$T/m"

# --- merges that must fail, writing nothing
expect_fail 2 "job 2 is in none of the shards given (4 of 12 jobs missing; is shard 2/3 missing?)" \
    "a missing shard" -- "$BASIN" merge "$T/bad" "$T/m.shards/0-of-3" "$T/m.shards/1-of-3"
expect_fail 2 "job 1 is in two shards: $T/m.shards/1-of-3 and $T/m.shards/1-of-3" \
    "a duplicated shard" -- "$BASIN" merge "$T/bad" "$T/m.shards/0-of-3" \
    "$T/m.shards/1-of-3" "$T/m.shards/1-of-3" "$T/m.shards/2-of-3"
run --out "$T/other" --quiet --shard 2/3 --set seed=7
expect_fail 2 "$T/m.shards/0-of-3 and $T/other.shards/2-of-3 are shards of different runs (jobs/recipe.toml line 4 is 'seed = 1' in $T/m.shards/0-of-3, 'seed = 7' in $T/other.shards/2-of-3)" \
    "shards of two recipes" -- "$BASIN" merge "$T/bad" "$T/m.shards/0-of-3" \
    "$T/m.shards/1-of-3" "$T/other.shards/2-of-3"
expect_fail 2 "$T/nothing is no finished shard" "a folder that is no shard" \
    -- "$BASIN" merge "$T/bad" "$T/m.shards/0-of-3" "$T/nothing"
check "the failed merges wrote nothing" [ ! -e "$T/bad" ]

# --- a shard from a scheduler's array variables
SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_COUNT=3 run --out "$T/s" --quiet
check "SLURM_ARRAY_TASK_ID - MIN of COUNT names the shard" [ -e "$T/s.shards/1-of-3/shard.toml" ]
SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_COUNT=3 run --out "$T/s-whole" --quiet --no-shard
check "--no-shard runs every job in an array task" [ -e "$T/s-whole/records.csv" ]
LSB_JOBINDEX=3 run --out "$T/s" --quiet --shards 3
check "LSB_JOBINDEX (from 1) with --shards" [ -e "$T/s.shards/2-of-3/shard.toml" ]
expect_fail 2 "run: --shards 3 needs a scheduler's array index" "--shards without a scheduler" \
    -- run --out "$T/s" --quiet --shards 3

# --- GNU parallel: the command line `basin submit parallel` prints
if parallel --version 2>/dev/null | grep -q "GNU parallel"; then
    line=$("$BASIN" submit parallel "$R/hopfield-spurious.toml" --shards 4 --jobs 2 \
        --out "$T/p" --threads 1 --set repeats=4 --set dataset.dim=300 --set init.count=150)
    check "submit parallel prints one command line" [ "$(wc -l <<<"$line")" -eq 1 ]
    (cd "$T" && bash -c "$line" >/dev/null 2>&1)
    check "GNU parallel shards + merge = the one-machine run" same "$T/killed" "$T/p"
else
    echo "# skipped the GNU parallel case: no GNU parallel here (./setup installs it)"
fi
finish
