#!/usr/bin/env bash
# scores/patch benchmark (not a test): one LS and one ELS denoise call at
# Fashion-MNIST size with the SGEMM time of the same shapes (the GEMM share),
# then the NumPy peer of the same computation, in the same run.
#   bench/patch.sh BUILD_DIR      (needs BUILD_DIR/bench/bench-patch)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:?usage: bench/patch.sh BUILD_DIR}
[ -x "$B/bench/bench-patch" ] || { echo "no $B/bench/bench-patch: build first" >&2; exit 2; }
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
"$B/bench/bench-patch" "$B/plugins/scores/patch.so"
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    /usr/bin/python3 bench/peer_patch.py
else
    echo "numpy peer skipped: /usr/bin/python3 has no numpy (python3-numpy)"
fi
