#!/usr/bin/env bash
# The full minima sweep of recipes/lsr-minima.toml (Hoover et al. 2025,
# arXiv:2506.10801, Fig. 3: M = 5, 15, 25, d = 8, 32, 50 beta, 3 draws; every
# minimum enumerated exactly, the supports' coverage by Monte Carlo), timed: the
# wall time, and the subsets the search examined against the sum of 2^M over the
# jobs (the brute force's count). The paper's sweep took about 48 h on 8 GPUs.
# Run by hand, once (not a test). summary.csv is kept in ${KEEP:-/tmp}/lsr-sweep/.
#   bench/lsr-sweep.sh [BUILD_DIR] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}/basin
THREADS=${2:-$(nproc)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}"
echo "basin: $("$B" --version | head -1), --threads $THREADS"
t0=$(date +%s.%N)
"$B" run recipes/lsr-minima.toml --out "$T/lm" --quiet --threads "$THREADS"
t1=$(date +%s.%N)
echo "wall: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
mkdir -p "${KEEP:-/tmp}/lsr-sweep" && cp "$T/lm/summary.csv" "${KEEP:-/tmp}/lsr-sweep/"
# summary.csv holds means over a point's 3 draws: times 3 for the totals.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { ex += 3 * $h["subsets_examined"]; all += 3 * $h["subsets_total"];
      mins += 3 * $h["minima"]; sec += $h["seconds"] }
    END { printf "seconds in jobs: %.1f\nsubsets examined: %.4g of sum 2^M = %.4g (%.2g)\nminima: %d\n",
          sec, ex, all, ex / all, mins }' "$T/lm/summary.csv"
echo "minima.csv: $(($(wc -l < "$T/lm/minima.csv") - 1)) rows, $(du -h "$T/lm/minima.csv" | cut -f1)"
# The window (d = 32, M = 25): novel minima per stored pattern, stored fraction
# and coverage per beta.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; print "beta,novel/M,stored_fraction,covered,covered_se"; next }
    $h["dataset.dim"] == 32 && $h["dataset.count"] == 25 {
      printf "%s,%.1f,%.3f,%.4f,%.4f\n", $h["model.beta"], $h["minima_novel"] / 25,
             $h["stored_fraction"], $h["covered"], $h["covered_se"] }' "$T/lm/summary.csv"
