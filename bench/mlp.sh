#!/usr/bin/env bash
# scores/mlp benchmark (not a test; builds nothing): training throughput
# (samples/s) and sampling throughput (denoiser rows/s) of the same network in
# basin (build/bench/bench-mlp) on 1 and on THREADS threads, and in PyTorch on the
# CPU (bench/peer_mlp.py, Debian's python3-torch) on the same thread counts, all in
# one run; then basin's training speed-up from 1 to THREADS threads (target for the
# N = 784, 3 x 512 network: >= 1.6 on 2 threads, issue 17) and basin / torch.
# Training throughput is the steady state (see bench/mlp.c); the whole encode,
# one-time work included, is printed beside it (encode_s). Then a whole run:
# recipes/transition-fashion-mnist.toml cut to one K (1000 images, 14 x 14, the
# disjoint-sets pair: two trainings of 1000 steps, sampling, measures) with
# `basin run --threads 1` and `--threads THREADS`, wall times and their ratio,
# and whether records.csv is the same bytes.
# basin trains its fixed minibatch shards on the host's threads with
# single-threaded OpenBLAS GEMMs (as `basin run --threads N` does: the checkpoints
# are the same bytes for any N); torch uses its own intra-op threads. Last, the
# machine's own ceiling: THREADS independent single-threaded SGEMM streams
# against one (bench/ceiling.py).
#   bench/mlp.sh BUILD_DIR [THREADS]      (default 2 threads)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: bench/mlp.sh BUILD_DIR [THREADS]}
THREADS=${2:-2}
B=$BUILD/bench/bench-mlp
SO=$BUILD/plugins/scores/mlp.so
[ -x "$B" ] && [ -f "$SO" ] || { echo "no $B or $SO: build first" >&2; exit 2; }

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}  threads=1,$THREADS"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in 1 "$THREADS"; do
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$B" "$SO" "$t" | tee -a "$out"
done
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
    for t in 1 "$THREADS"; do
        OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t \
            /usr/bin/python3 bench/peer_mlp.py "$t" | tee -a "$out"
    done
else
    echo "torch peer skipped: /usr/bin/python3 has no torch (python3-torch)"
fi
# The machine's parallel ceiling: independent single-threaded SGEMM streams at a
# shard's shapes (bench/ceiling.py); basin's training speed-up cannot exceed it.
/usr/bin/python3 bench/ceiling.py "$THREADS" 10 || echo "ceiling skipped: no numpy"
# Fields: who config N= width= depth= batch= threads= train_samples_per_s V
# denoise_rows_per_s V.
awk -v T="$THREADS" '
    { split($7, th, "="); v[$1, $2, th[2], "train"] = $9; v[$1, $2, th[2], "denoise"] = $11
      k[$2] = 1 }
    END { for (key in k) {
              if (v["basin", key, 1, "train"] > 0)
                  printf "speedup %s basin train %s/1 threads %.2f\n", key, T,
                         v["basin", key, T, "train"] / v["basin", key, 1, "train"]
              if (v["torch", key, 1, "train"] > 0)
                  printf "speedup %s torch train %s/1 threads %.2f\n", key, T,
                         v["torch", key, T, "train"] / v["torch", key, 1, "train"]
              for (t = 1; t <= T; t += T - 1) {
                  for (m = 0; m < 2; m++) {
                      what = m ? "denoise" : "train"
                      if (v["torch", key, t, what] > 0)
                          printf "ratio %s %s threads=%d basin/torch %.2f\n", key, what, t,
                                 v["basin", key, t, what] / v["torch", key, t, what]
                  }
                  if (T == 1) break
              }
          } }' "$out"
# A whole recipe run, training included, on 1 and THREADS threads.
BASIN=$BUILD/basin
run_dir=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$run_dir"' EXIT
declare -A wall
for t in 1 "$THREADS"; do
    start=$(date +%s.%N)
    if ! "$BASIN" run recipes/transition-fashion-mnist.toml --out "$run_dir/t$t" --quiet \
        --threads "$t" --set 'dataset.count=[1000]' --set model.steps=1000 \
        --set 'model.checkpoint=""' 2>"$run_dir/err"; then
        echo "recipe run skipped: $(head -1 "$run_dir/err")"
        exit 0
    fi
    wall[$t]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    printf 'recipe transition-fashion-mnist K=1000 steps=1000 threads=%s wall_s %.2f\n' \
        "$t" "${wall[$t]}"
done
same=no
cmp -s "$run_dir/t1/records.csv" "$run_dir/t$THREADS/records.csv" && same=yes
printf 'speedup recipe transition-fashion-mnist %s/1 threads %.2f records_identical %s\n' \
    "$THREADS" "$(awk -v a="${wall[1]}" -v b="${wall[$THREADS]}" 'BEGIN { print a / b }')" "$same"
