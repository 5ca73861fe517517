# Grids and closed forms end to end (issue 14): on the default grid (karras, ρ = 7)
# deterministic samplers bring Fashion-MNIST samples onto the training images before
# the final denoise; the closed forms of real images (the Gaussian approximation)
# and of the two-class mixture (Biroli, Bonnaire, de Bortoli & Mézard 2024).
. "$(dirname "$0")/lib.sh"
FM=${BASIN_TEST_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}

# 1. K = 10 Fashion-MNIST images in the exact empirical score, 32 samples, the
# final denoise switched off (denoise_last = false): what the summary measures is
# the state at t_min itself. A sample that has collapsed onto ξ follows
# x − α ξ ∝ σ from then on, so it ends at d_m ≈ σ(t_min) · |z|/√N with |z|/√N of
# order one: σ(t_min) = 0.0447 on ou (t_min = 1e-3), 0.0100 on ddpm-linear. Heun
# (50 steps) and Euler (100 steps) on both, on the default grid: every sample
# memorized (d_m ≤ δ_m = 0.1) and the mean d_m below 2 σ(t_min) (measured: Heun
# 0.89 and 0.99 σ, Euler 1.23 and 1.16 σ). On the old uniform ou grid Heun's last
# step (σ from 0.43 to 0.045) overshoots and no sample is memorized.
cat >"$T/fm.toml" <<TOML
name = "fm-grid"
seed = 1
[dataset]
plugin = "datasets/fashion-mnist"
path = "$FM"
count = 10
heldout = 0
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/heun"
denoise_last = false
[schedule]
name = ["ou", "ddpm-linear"]
[init]
kind = "noise"
count = 32
[measure]
rule = "pham"
[output]
samples = false
report = false
TOML
if [ ! -r "$FM/train-images-idx3-ubyte.gz" ]; then
    echo "skip: no Fashion-MNIST in $FM (install dataset-fashion-mnist)"
    exit 77
fi
for s in heun euler; do
    "$BASIN" run "$T/fm.toml" --out "$T/fm-$s" --quiet --threads 2 \
        --set sampler.plugin="samplers/$s"
    S=$T/fm-$s/summary.csv
    for sched in "ou 0.0447" "ddpm-linear 0.0100"; do
        set -- $sched
        m=$(col "$S" schedule.name "$1" memorized_rate)
        dm=$(col "$S" schedule.name "$1" d_m_mean)
        check "$s on $1, default grid, before the final denoise: memorized rate $m = 1" \
            num "${m:-0}" '==' 1
        check "$s on $1: mean d_m $dm < 2 sigma(t_min) = 2 x $2" num "${dm:-1}" '<' "2 * $2"
    done
done
"$BASIN" run "$T/fm.toml" --out "$T/fm-uniform" --quiet --threads 2 \
    --set schedule.name=ou --set schedule.grid=uniform
m=$(first "$T/fm-uniform/summary.csv" memorized_rate)
check "heun on the uniform ou grid: no sample reaches a training image ($m)" \
    num "${m:-1}" '==' 0

# 2. The Gaussian approximation for real images: t_S and t_C from the empirical
# covariance of all 60000 train images, whatever K (numpy on the raw file:
# np.cov(X, bias=True) of p/127.5 − 1, top eigenvalue 79.2379, so t_S =
# ½ log 79.2379 = 2.186227; the Gaussian criterion at P = 10 gives t_C = 1.938559).
S=$T/fm-heun/summary.csv
check "Fashion-MNIST: theory = gaussian-approx" \
    [ "$(first "$S" theory)" = gaussian-approx ]
ts=$(first "$S" t_speciation)
tc=$(first "$S" t_collapse_theory)
check "Fashion-MNIST: t_S = $ts = 2.186227" num "$ts" '>' 2.186226
check "Fashion-MNIST: t_S = $ts = 2.186227" num "$ts" '<' 2.186228
check "Fashion-MNIST, K = 10: t_C = $tc = 1.938559" num "$tc" '>' 1.938558
check "Fashion-MNIST, K = 10: t_C = $tc = 1.938559" num "$tc" '<' 1.938560

# 3. The two-class mixture (N = 16, P = 100, m̃ = σ = 1): t_C is the mixture
# formula, the collapse of P/2 points a class, ½ log(1 + σ²/((P/2)^{2/N} − 1)) =
# 0.474972, not the Gaussian criterion on the full covariance (0.502863) nor the
# large-N form (0.413158); t_S = ½ log(σ² + N m̃²) = ½ log 17 = 1.416607.
cat >"$T/mix.toml" <<'TOML'
name = "mix"
seed = 1
[dataset]
plugin = "datasets/gaussian-mixture"
dim = 16
count = 100
heldout = 0
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddim"
steps = 20
[init]
kind = "noise"
count = 8
[measure]
rule = "ratio"
[output]
samples = false
report = false
TOML
"$BASIN" run "$T/mix.toml" --out "$T/mix" --quiet --threads 2
S=$T/mix/summary.csv
check "mixture: theory = mixture" [ "$(first "$S" theory)" = mixture ]
check "mixture: t_C $(first "$S" t_collapse_theory) = 0.474972" \
    num "$(first "$S" t_collapse_theory)" '==' 0.474972317
check "mixture: t_S $(first "$S" t_speciation) = ½ log 17" \
    num "$(first "$S" t_speciation)" '==' 1.41660667
"$BASIN" run "$T/mix.toml" --out "$T/gauss" --quiet --threads 2 \
    --set dataset.plugin=datasets/gaussian --set dataset.dim=16 --set dataset.count=100
check "gaussian: theory = law" [ "$(first "$T/gauss/summary.csv" theory)" = law ]
finish
