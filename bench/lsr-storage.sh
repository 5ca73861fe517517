#!/usr/bin/env bash
# The storage experiment of Hoover et al. 2025 (arXiv:2506.10801; MNIST there) on
# Fashion-MNIST: all 60 000 training images stored in the log-sum-ReLU energy;
# per beta, the share of stored images that are fixed points of the exact update
# and the mean number of images in a stored image's support (basin lsr-storage,
# one chunked-GEMM pass over the 60 000² distances). Run by hand, once: it takes
# a few minutes on two cores.
#   bench/lsr-storage.sh [BUILD_DIR] [SCALE]
# SCALE: 01 (default) pixels p/255 in [0, 1], the paper's MNIST scale; pm1 pixels
# p/127.5 - 1 in [-1, 1], datasets/fashion-mnist's (distances twice as long:
# beta / 4 there is beta here).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}/basin
SCALE=${2:-01}
DATA=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}"
/usr/bin/python3 - "$DATA/train-images-idx3-ubyte.gz" "$T/train.npy" "$SCALE" <<'PY'
import gzip, sys, numpy as np
raw = gzip.open(sys.argv[1]).read()
n, rows, cols = (int.from_bytes(raw[i:i + 4], 'big') for i in (4, 8, 12))
x = np.frombuffer(raw, np.uint8, n * rows * cols, 16).reshape(n, rows * cols)
x = x / 255.0 if sys.argv[3] == '01' else x / 127.5 - 1
np.save(sys.argv[2], x.astype(np.float32))
print(f"images: {n} of {rows}x{cols}, scale {sys.argv[3]}")
PY
t0=$(date +%s.%N)
"$B" lsr-storage --beta "${BETAS:-0.01:1:21}" "$T/train.npy"
t1=$(date +%s.%N)
echo "wall: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
