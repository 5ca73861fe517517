#!/usr/bin/env bash
# Empirical-denoiser benchmark (not a test; builds nothing): softmax_average at
# (K, N, n) = (10000, 784, 256) and (60000, 784, 256) beside single-threaded
# OpenBLAS SGEMM of the same shapes, measured in the same run, then a NumPy peer.
#   bench/denoiser.sh BUILD_DIR      (e.g. build; needs BUILD_DIR/bench/denoiser)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:?usage: bench/denoiser.sh BUILD_DIR}/bench/denoiser
[ -x "$B" ] || { echo "no $B: build first (ninja -C BUILD_DIR)" >&2; exit 2; }

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
"$B"
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/peer_denoiser.py
else
    echo "numpy peer skipped: /usr/bin/python3 has no numpy (python3-numpy)"
fi

# A full sampling run: 101 denoiser evaluations of 256 states against K = 10 000
# images (4·K·N·B flops each), plus reading the data and the measures.
BASIN=${1}/basin
if [ -x "$BASIN" ] && [ -d /usr/share/datasets/fashion-mnist ]; then
    out=$(mktemp -d)
    for threads in 1 2; do
        start=$(date +%s.%N)
        # the exact path (exact = true): the flops below are the exact kernel's;
        # bench/candidate.sh times the default, candidate-set path
        "$BASIN" run bench/sampling.toml --out "$out/t$threads" --quiet --threads "$threads" \
            --set model.exact=true
        end=$(date +%s.%N)
        awk -v s="$start" -v e="$end" -v t="$threads" 'BEGIN {
            secs = e - s; flops = 101 * 4 * 10000 * 784 * 256
            printf "full sampling run (fashion-mnist K=10000, 256 samples, ddim 100 steps), %d thread%s: %.2f s, %.1f GFLOP/s in the denoiser\n",
                   t, (t > 1 ? "s" : ""), secs, flops / secs / 1e9 }'
    done
    rm -rf "$out"
else
    echo "full sampling run skipped: no $BASIN or no /usr/share/datasets/fashion-mnist"
fi
