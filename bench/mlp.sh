#!/usr/bin/env bash
# scores/mlp benchmark (not a test; builds nothing): training throughput
# (samples/s) and sampling throughput (denoiser rows/s) of the same network in
# basin (build/bench/bench-mlp, OpenBLAS) and in PyTorch on the CPU
# (bench/peer_mlp.py, Debian's python3-torch), with the same thread count, in
# the same run, and the ratio basin / torch.
#   bench/mlp.sh BUILD_DIR [THREADS]      (default 1 thread)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: bench/mlp.sh BUILD_DIR [THREADS]}
THREADS=${2:-1}
B=$BUILD/bench/bench-mlp
SO=$BUILD/plugins/scores/mlp.so
[ -x "$B" ] && [ -f "$SO" ] || { echo "no $B or $SO: build first" >&2; exit 2; }

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}  threads=$THREADS"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS "$B" "$SO" | tee "$out"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
    OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS \
        /usr/bin/python3 bench/peer_mlp.py "$THREADS" | tee -a "$out"
    # basin / torch for each configuration and measure.
    awk '{ key = $2; for (i = 7; i < NF; i += 2) v[$1, key, $i] = $(i + 1); k[key] = 1 }
         END { for (key in k) for (m = 0; m < 2; m++) {
                   what = m ? "denoise_rows_per_s" : "train_samples_per_s"
                   if (v["torch", key, what] > 0)
                       printf "ratio %s %s basin/torch %.2f\n", key, what,
                              v["basin", key, what] / v["torch", key, what] } }' "$out"
else
    echo "torch peer skipped: /usr/bin/python3 has no torch (python3-torch)"
fi
