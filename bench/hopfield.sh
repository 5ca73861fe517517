#!/usr/bin/env bash
# Hopfield benchmarks (not tests): retrieval at N = 2000, K = 200, 1000 probes,
# async and sync, beside a NumPy peer of the sync dynamics and the machine's SGEMM
# rate measured in the same run; then the full capacity recipe.
#   bench/hopfield.sh [BUILD_DIR]      (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}/basin
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
THREADS=${THREADS:-$(nproc)}

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
echo "basin: $("$B" --version), --threads $THREADS"

# Best of three wall-clock times of a command, in seconds.
best_of_3() {
    local best=
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null
        t1=$(date +%s.%N)
        best=$(awk -v a="$best" -v b="$(awk -v x="$t0" -v y="$t1" 'BEGIN { print y - x }')" \
            'BEGIN { print (a == "" || b < a) ? b : a }')
    done
    echo "$best"
}

for mode in async sync; do
    # --fresh: a run into a folder that holds the same recipe's jobs resumes them
    # (nothing to do), so each timed run starts again (the old one is moved aside)
    t=$(best_of_3 "$B" run bench/hopfield-retrieval.toml --out "$T/r" --quiet --fresh \
        --threads "$THREADS" --set sampler.mode=$mode)
    mem=$(awk -F, 'NR == 2 { print $1 }' "$T/r/summary.csv")
    job=$(awk -F, 'NR == 2 { print $NF }' "$T/r/summary.csv")
    echo "basin_${mode}_retrieval_seconds $t (whole command; the job itself ${job} s; memorized rate $mem)"
    eval "job_$mode=$job"
done
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    /usr/bin/python3 bench/peer_hopfield.py | tee "$T/peer"
    np=$(awk '/numpy_sync_retrieval_seconds/ { print $2 }' "$T/peer")
    awk -v b="$job_sync" -v p="$np" -v a="$job_async" 'BEGIN {
        printf "ratio basin sync job / numpy sync: %.2f\n", b / p
        printf "ratio basin async job / numpy sync: %.2f\n", a / p }'
else
    echo "numpy peer skipped: /usr/bin/python3 has no numpy (apt-get install python3-numpy)"
fi
t=$(best_of_3 "$B" run recipes/hopfield-capacity.toml --out "$T/c" --quiet --fresh \
    --threads "$THREADS")
echo "basin_capacity_recipe_seconds $t (15 loads x 200 probes at N = 1000)"
