# The certified candidate-set path of scores/empirical (core/kernels/softmax.h,
# softmax_stream_average; issue 17): a sampler's batch goes through a stream whose
# rows are certified within candidate_eps · max|ξ| of the exact denoiser or
# computed exactly. Records are the same for 1 and 2 threads; every sample keeps
# the nearest training point and the verdict of exact = true; the path runs.
# 160 samples: three sampler blocks of 64 (core/run/job.h), so threads matter.
. "$(dirname "$0")/lib.sh"

cat >"$T/c.toml" <<'TOML'
name = "cand"
seed = 3
[dataset]
plugin = "datasets/gaussian"
dim = 64
count = 3000
heldout = 100
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddim"
steps = 40
[schedule]
name = "ddpm-linear"
[init]
kind = "noise"
count = 160
[measure]
rule = "ratio"
[output]
samples = true
report = false
TOML
for sampler in ddim dpm-2; do
    for threads in 1 2; do
        "$BASIN" run "$T/c.toml" --out "$T/$sampler-$threads" --quiet --threads "$threads" \
            --set "sampler.plugin=\"samplers/$sampler\"" -vv 2>"$T/$sampler-$threads.log"
    done
    "$BASIN" run "$T/c.toml" --out "$T/$sampler-exact" --quiet --threads 2 \
        --set "sampler.plugin=\"samplers/$sampler\"" --set model.exact=true
    check "$sampler: records.csv identical with 1 and 2 threads" \
        cmp -s "$T/$sampler-1/records.csv" "$T/$sampler-2/records.csv"
    check "$sampler: samples.npy identical with 1 and 2 threads" \
        cmp -s "$T/$sampler-1/samples.npy" "$T/$sampler-2/samples.npy"
    check "$sampler: the nearest training point and verdict of every sample as exact = true" \
        cmp -s <(cut -d, -f1-6,10 "$T/$sampler-exact/records.csv") \
        <(cut -d, -f1-6,10 "$T/$sampler-1/records.csv")
    certified=$(awk '/candidate sets:/ { s += $(NF - 7) } END { print s + 0 }' "$T/$sampler-1.log")
    check "$sampler: the candidate path certified evaluations ($certified)" num "$certified" '>' 0
done
# energies/diffusion (ABI 1.5 energy streams, one per state): fixed-point and
# gradient-descent on 40 tight clusters, K = 3000, σ = 0.2. Every state keeps its
# nearest training point and verdict of exact = true (fixed-point: whether it
# converged too). Iteration counts are not compared: the candidate path's sums
# are double, the exact path's logits float32 from whichever SGEMM kernel
# OpenBLAS picks for the CPU, so a state whose step size crosses tol near the
# end can stop one iteration earlier or later (seen for 1 state of 150 on an
# AVX-512 machine); gradient descent at this σ even converges in fewer steps on
# the candidate path, its float32 gradient's norm staying above tol. Records are
# the same for 1 and 2 threads; the path ran.
cat >"$T/e.toml" <<'TOML'
name = "cand-energy"
seed = 5
[dataset]
plugin = "datasets/gaussian-mixture"
components = 40
dim = 16
variance = 0.05
count = 3000
heldout = 200
[model]
plugin = "energies/diffusion"
sigma = 0.2
[sampler]
plugin = "samplers/fixed-point"
max_iter = 200
[init]
kind = "random"
count = 150
[measure]
rule = "ratio"
[output]
samples = true
report = false
TOML
for sampler in fixed-point gradient-descent; do
    set_sampler="sampler.plugin=\"samplers/$sampler\""
    for threads in 1 2; do
        "$BASIN" run "$T/e.toml" --out "$T/e-$sampler-$threads" --quiet --threads "$threads" \
            --set "$set_sampler" -vv 2>"$T/e-$sampler-$threads.log"
    done
    "$BASIN" run "$T/e.toml" --out "$T/e-$sampler-exact" --quiet --threads 2 \
        --set "$set_sampler" --set model.exact=true
    check "energies/diffusion, $sampler: records.csv identical with 1 and 2 threads" \
        cmp -s "$T/e-$sampler-1/records.csv" "$T/e-$sampler-2/records.csv"
    cols=4,6,10
    [ "$sampler" = fixed-point ] && cols=4,6,7,10
    check "energies/diffusion, $sampler: verdict and nearest point (columns $cols) as exact = true" \
        cmp -s <(cut -d, -f"$cols" "$T/e-$sampler-exact/records.csv") \
        <(cut -d, -f"$cols" "$T/e-$sampler-1/records.csv")
    certified=$(grep "candidate sets (" "$T/e-$sampler-1.log" | tail -1 | awk '{ print $(NF - 7) }')
    check "energies/diffusion, $sampler: the candidate path certified evaluations ($certified)" \
        num "${certified:-0}" '>' 0
done
expect_fail 2 "candidate_eps" "candidate_eps above 0.5 is refused" -- \
    "$BASIN" run "$T/c.toml" --out "$T/bad" --quiet --set model.candidate_eps=0.6
finish
