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
