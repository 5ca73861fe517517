#!/usr/bin/env bash
# ELS against the trained convolution-only UNet with the patch size calibrated per
# noise level, as Kamb & Ganguli 2025 (arXiv:2412.20292) calibrate one locality
# scale per time step (not a test; needs checkpoints/els-unet.pt from
# bench/conv_unet.py, libtorch and dataset-fashion-mnist).
#   bench/els_calibrate.sh BUILD_DIR [SIDES...]      (default sides 3 5 9 15 27)
# 1. recipes/els-unet-fashion-mnist.toml once per fixed patch side (4 samples, 10 Heun
#    steps: the network's trajectories and noised held-out and training images).
# 2. Per step, the side with the largest median r² on the *held-out* rows: the
#    calibration, written as a patch_schedule (side per σ/α, boundaries halfway
#    between the grid's σ/α in log scale).
# 3. The recipe again with that schedule: its trajectory r² (states the
#    calibration never saw), median over steps and samples in summary.csv
#    (compare_r2), is the number to set beside the paper's 0.94.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: bench/els_calibrate.sh BUILD_DIR [SIDES...]}
shift
SIDES=("$@")
[ ${#SIDES[@]} -gt 0 ] || SIDES=(3 5 9 15 27)
BASIN=$BUILD/basin
R=recipes/els-unet-fashion-mnist.toml
[ -f checkpoints/els-unet.pt ] || { echo "no checkpoints/els-unet.pt: run bench/conv_unet.py first" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
common=(--quiet --set init.count=4 --set sampler.steps=10)
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
for p in "${SIDES[@]}"; do
    start=$(date +%s)
    "$BASIN" run "$R" --out "$T/p$p" "${common[@]}" --set compare.patch="$p" \
        --set "compare.patch_schedule=\"\"" 2>/dev/null
    echo "patch $p: compare_r2 (trajectories) $(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "compare_r2") c = i; next } { print $c }' "$T/p$p/summary.csv") ($(($(date +%s) - start)) s)"
done
# step, sigma/alpha, then the held-out median r² of each side
for p in "${SIDES[@]}"; do
    awk -F, -v p="$p" '$4 == "heldout" { printf "%s %s %s %s\n", $5, $8 / $7, p, $13 }' "$T/p$p/compare.csv"
done | sort -k1,1n -k4,4gr | awk '!seen[$1]++' >"$T/best"
echo "per step (held-out rows): step sigma/alpha best-side r2"
cat "$T/best"
# The schedule: side of each step, boundaries at the geometric midpoints of σ/α.
schedule=$(sort -k2,2g "$T/best" | awk '{ r[NR] = $2; s[NR] = $3 } END {
    out = ""
    for (i = 1; i < NR; i++) {
        if (s[i] == s[i + 1]) continue
        out = out sprintf("%s%d:%.6g", out == "" ? "" : ", ", s[i], sqrt(r[i] * r[i + 1]))
    }
    out = out sprintf("%s%d:1e300", out == "" ? "" : ", ", s[NR])
    print out }')
echo "patch_schedule = \"$schedule\""
"$BASIN" run "$R" --out "$T/cal" "${common[@]}" --set "compare.patch_schedule=\"$schedule\"" 2>/dev/null
echo "calibrated: compare_r2 (trajectories, median over steps and samples) $(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "compare_r2") c = i; next } { print $c }' "$T/cal/summary.csv")"
echo "calibrated, per step: kind step sigma/alpha median-r2"
awk -F, 'NR > 1 && $4 != "train" { printf "%s %s %.4g %s\n", $4, $5, $8 / $7, $13 }' "$T/cal/compare.csv"
