#!/usr/bin/env bash
# Certified candidate-set path (scores/empirical streams, core/kernels/softmax.h)
# against the exact empirical denoiser, both sides in one run (not a test).
#   bench/candidate.sh BUILD_DIR [--small]
# 1. (after 2) build/bench/candidate: the same DDIM trajectories through both denoisers, per
#    step, on single-threaded OpenBLAS: speed-up over all steps and over the steps
#    after collapse (median largest posterior weight > 1/2), for a table of
#    schedules, K and data (where the path helps and where not).
# 2. The full sampling run (bench/sampling-60k.toml: Fashion-MNIST K = 60 000, 256
#    samples, 100 DDIM steps, ddpm-linear) with exact = true and with the default,
#    timed, and the nearest training point and verdict of every sample compared.
# 3. The same with collapse tracking on (measure.collapse: the host's posterior at
#    every step through softmax_stream_lse_nearest), at K = 10 000.
# 4. energies/diffusion under the energy samplers (one stream per state):
#    fixed-point at σ = 0.2, gradient descent at σ = 0.05, 0.2, 0.5 and 1 (where
#    the posterior of a converged state narrows to a few points, and where it never
#    does: the σ column of where the path helps).
# --small: K = 5000 / 2000 and fewer states, to check that it works.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: bench/candidate.sh BUILD_DIR [--small]}
SMALL=${2:-}
B=$BUILD/bench/candidate BASIN=$BUILD/basin
FM=/usr/share/datasets/fashion-mnist
[ -x "$B" ] && [ -x "$BASIN" ] || { echo "build first (ninja -C $BUILD)" >&2; exit 2; }
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
if [ "$SMALL" = --small ]; then
    rows=("$FM 5000 32 100 ddpm-linear" "$FM 5000 32 100 cosine" "gaussian 2000 32 100 ddpm-linear")
    K=5000 N=32
else
    # the table at 64 states (the per-step comparison computes the posterior of
    # every state at every step besides both denoisers: 64 keeps it to minutes)
    rows=("$FM 10000 64 100 ddpm-linear" "$FM 60000 64 100 ddpm-linear"
          "$FM 10000 64 100 cosine" "$FM 10000 64 100 edm" "$FM 10000 64 20 ddpm-linear"
          "gaussian 10000 64 100 ddpm-linear")
    K=60000 N=256
fi
run_rows() {
    for r in "${rows[@]}"; do
        # shellcheck disable=SC2086
        "$B" $r
    done
}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sed "s/count = 10000/count = $K/; s/^count = 256/count = $N/; s/name = \"bench-sampling\"/name = \"bench-candidate\"/" \
    bench/sampling.toml >"$out/r.toml"
declare -A secs
for side in exact candidate; do
    set_exact=$([ $side = exact ] && echo true || echo false)
    start=$(date +%s.%N)
    "$BASIN" run "$out/r.toml" --out "$out/$side" --quiet --threads 1 --set "model.exact=$set_exact"
    end=$(date +%s.%N)
    secs[$side]=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
done
# records.csv: class (6th column) and nearest (10th) of every sample
if cmp -s <(cut -d, -f1-6,10 "$out/exact/records.csv") <(cut -d, -f1-6,10 "$out/candidate/records.csv"); then
    same="identical nearest training point and verdict for every sample"
else
    same="NEAREST POINTS OR VERDICTS DIFFER"
fi
awk -v e="${secs[exact]}" -v c="${secs[candidate]}" -v k="$K" -v n="$N" -v same="$same" 'BEGIN {
    printf "full sampling run (fashion-mnist K=%d, %d samples, ddim 100 steps, ddpm-linear, 1 thread): exact %.2f s, candidate %.2f s, x%.2f; %s\n", k, n, e, c, e / c, same }'
# 3. Collapse tracking (measure.collapse = true) on the full run at K = 10 000 (the
#    host's posterior every step, softmax_stream_lse_nearest): all exact
#    (model.exact = true, measure.collapse_eps = 0) against both candidate paths,
#    timed; and the tracking's path alone (model exact, collapse_eps = 1e-7), whose
#    records.csv must equal the all-exact one whole (collapse times included).
K2=10000
[ "$SMALL" = --small ] && K2=2000
sed "s/^count = 256/count = $N/; s/count = 10000/count = $K2/; s/name = \"bench-sampling\"/name = \"bench-collapse\"/; s/^rule = \"ratio\"/rule = \"ratio\"\ncollapse = true/" \
    bench/sampling.toml >"$out/c.toml"
for side in exact tracking candidate; do
    case $side in
    exact) sets=(--set model.exact=true --set measure.collapse_eps=0) ;;
    tracking) sets=(--set model.exact=true --set measure.collapse_eps=1e-7) ;;
    candidate) sets=(--set model.exact=false --set measure.collapse_eps=1e-7) ;;
    esac
    start=$(date +%s.%N)
    "$BASIN" run "$out/c.toml" --out "$out/c-$side" --quiet --threads 1 "${sets[@]}" 2>"$out/c-$side.err"
    end=$(date +%s.%N)
    secs[c-$side]=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
done
same="tracking alone: records.csv identical to exact (collapse times included)"
cmp -s "$out/c-exact/records.csv" "$out/c-tracking/records.csv" ||
    same="TRACKING ALONE CHANGED records.csv ($(diff "$out/c-exact/records.csv" "$out/c-tracking/records.csv" | grep -c '^<' || true) rows)"
if cmp -s <(cut -d, -f1-6,10 "$out/c-exact/records.csv") <(cut -d, -f1-6,10 "$out/c-candidate/records.csv"); then
    same="$same; both: nearest training point and verdict identical"
else
    same="$same; both: NEAREST POINTS OR VERDICTS DIFFER"
fi
awk -v e="${secs[c-exact]}" -v t="${secs[c-tracking]}" -v c="${secs[c-candidate]}" -v k="$K2" -v n="$N" -v same="$same" 'BEGIN {
    printf "full run with collapse tracking (fashion-mnist K=%d, %d samples, ddim 100 steps, measure.collapse, 1 thread): all exact %.2f s, tracking candidate %.2f s (x%.2f), both candidate %.2f s (x%.2f); %s\n", k, n, e, t, e / t, c, e / c, same }'
# 4. energies/diffusion (ABI 1.5 energy streams, one per state) under
#    samplers/fixed-point and samplers/gradient-descent: 40 tight clusters in
#    N = 32, K = 20 000 (2000 with --small), 200 states from random starts;
#    exact = true against the default: the nearest training point and verdict of
#    every state compared, how many converged on each side, the verdicts counted.
K3=20000
[ "$SMALL" = --small ] && K3=2000
cat >"$out/e.toml" <<TOML
name = "bench-energy"
seed = 5
[dataset]
plugin = "datasets/gaussian-mixture"
components = 40
dim = 32
variance = 0.05
count = $K3
heldout = 200
[model]
plugin = "energies/diffusion"
sigma = 0.2
[sampler]
plugin = "samplers/fixed-point"
max_iter = 200
[init]
kind = "random"
count = 200
[measure]
rule = "ratio"
TOML
verdicts() { # class counts of a records.csv, "memorized 200" style
    awk -F, 'NR > 1 { c[$6]++ } END { n = 0; for (k in c) { printf "%s%s %d", n++ ? ", " : "", k, c[k] } }' "$1"
}
for case in "fixed-point 0.2" "gradient-descent 0.05" "gradient-descent 0.2" \
    "gradient-descent 0.5" "gradient-descent 1"; do
    read -r sampler sigma <<<"$case"
    for side in exact candidate; do
        set_exact=$([ $side = exact ] && echo true || echo false)
        rm -rf "$out/e-$side"
        start=$(date +%s.%N)
        "$BASIN" run "$out/e.toml" --out "$out/e-$side" --quiet --threads 1 \
            --set "sampler.plugin=\"samplers/$sampler\"" --set "model.sigma=$sigma" \
            --set "model.exact=$set_exact" 2>/dev/null
        end=$(date +%s.%N)
        secs[e-$side]=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
    done
    # Per state: the nearest training point (10th column) and verdict (6th)
    # compared, and how many converged (7th) on each side. (The exact path's
    # float32 gradient stalls above gradient descent's tol, 1e-6, so its states
    # stop unconverged wherever the descent stalled.)
    cmpinfo=$(awk -F, 'NR == FNR { if (FNR > 1) { nn[$4] = $10; cl[$4] = $6; c[$4] = $7 } next }
        FNR > 1 { n++; sn += nn[$4] == $10; sv += cl[$4] == $6; ce += c[$4]; cc += $7 }
        END { printf "the same nearest training point for %d/%d states, the same verdict for %d/%d; converged: exact %d, candidate %d",
                     sn, n, sv, n, ce, cc }' \
        "$out/e-exact/records.csv" "$out/e-candidate/records.csv")
    verdict="exact $(verdicts "$out/e-exact/records.csv"); candidate $(verdicts "$out/e-candidate/records.csv")"
    awk -v e="${secs[e-exact]}" -v c="${secs[e-candidate]}" -v k="$K3" -v s="$sampler" \
        -v sg="$sigma" -v info="$cmpinfo" -v v="$verdict" 'BEGIN {
        printf "energies/diffusion, samplers/%s (K=%d, N=32, sigma=%s, 200 states, 1 thread): exact %.2f s, candidate %.2f s, x%.2f; %s (%s)\n", s, k, sg, e, c, e / c, info, v }'
done
run_rows
