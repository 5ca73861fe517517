#!/usr/bin/env bash
# Every benchmark in one run (not a test; builds nothing), for the README's Speed
# section: the machine, OPENBLAS_CORETYPE and the date once, then hopfield.sh,
# denoiser.sh, candidate.sh, mlp.sh (with the torch peer and the machine's
# parallel ceiling), patch.sh and bench-dense, in that order, each under a
# "== name ==" heading. Run it on a quiet machine: each script times both of its
# sides in the same run, but the seconds themselves need idle cores.
#   bench/all.sh BUILD_DIR [LOG]      (LOG default: bench-all-DATE.log)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: bench/all.sh BUILD_DIR [LOG]}
LOG=${2:-bench-all-$(date -u +%Y%m%d-%H%M).log}
{
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
    echo "openblas: $(dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null || echo unknown)"
    for b in hopfield denoiser candidate mlp patch; do
        echo "== $b =="
        start=$(date +%s)
        bash "bench/$b.sh" "$BUILD"
        echo "($b: $(($(date +%s) - start)) s)"
    done
    echo "== dense =="
    OPENBLAS_NUM_THREADS=1 "$BUILD/bench/bench-dense" "$BUILD/plugins"
    echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee "$LOG"
