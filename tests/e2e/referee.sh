# The referee on cases whose answer is known (issue 13): noise is never
# generalized, held-out points are, training points plus small noise are
# memorized, the fitted scores/gaussian on Gaussian data generalizes; the
# thresholds are calibrated from the held-out split (docs/science.md, "The
# referee") and recorded in summary.csv, run.toml and spurious.csv.
. "$SOURCE_ROOT/tests/e2e/lib.sh"

PY=/usr/bin/python3
if ! $PY -c 'import numpy' 2>/dev/null; then
    echo "SKIP: /usr/bin/python3 has no numpy"
    exit 77
fi
cd "$T"

# Data on a 3-dimensional plane of R^32 (plus noise 0.05 per coordinate), five
# seeds: a training set of 500, held-out 2000, fresh draws 1000, pure Gaussian
# noise 500 (per-coordinate RMS the data's), training points + noise 0.01.
for seed in 1 2 3 4 5; do
    $PY - "$seed" <<'PY'
import sys
import numpy as np
seed = int(sys.argv[1])
rng = np.random.default_rng(seed)
basis = np.linalg.qr(rng.standard_normal((32, 3)))[0].T * np.sqrt(32 / 3)
def draw(n):
    return (rng.standard_normal((n, 3)) @ basis + 0.05 * rng.standard_normal((n, 32))).astype(np.float32)
train = draw(500)
np.save(f"train{seed}.npy", train)
np.save(f"held{seed}.npy", draw(2000))
np.save(f"fresh{seed}.npy", draw(1000))
rms = np.sqrt((train ** 2).mean())
np.save(f"noise{seed}.npy", (rms * rng.standard_normal((500, 32))).astype(np.float32))
np.save(f"near{seed}.npy", (train[:200] + 0.01 * rng.standard_normal((200, 32))).astype(np.float32))
PY
    "$BASIN" measure --train train$seed.npy --heldout held$seed.npy \
        --samples fresh$seed.npy --out fresh$seed --quiet
    "$BASIN" measure --train train$seed.npy --heldout held$seed.npy \
        --samples noise$seed.npy --out noise$seed --quiet
    "$BASIN" measure --train train$seed.npy --heldout held$seed.npy \
        --samples near$seed.npy --out near$seed --quiet
    # Held-out points are fresh draws: each of memorized, spurious and off_support
    # is called at about q = 1 % (the calibration's quantile), so generalized ≈ 0.97;
    # 0.95 is ~4 standard deviations of a rate over 1000 below it.
    g=$(first fresh$seed/summary.csv generalized_rate)
    m=$(first fresh$seed/summary.csv memorized_rate)
    check "seed $seed: held-out draws >= 95 % generalized ($g)" num "$g" '>=' 0.95
    check "seed $seed: held-out draws <= 5 % memorized ($m)" num "$m" '<=' 0.05
    # Noise lies off the plane: d_h ≈ 1 against δ_h ≈ 0.4 (the held-out set's own
    # nearest-neighbour distances): none generalized, all off the support.
    g=$(first noise$seed/summary.csv generalized_rate)
    o=$(first noise$seed/summary.csv off_support_rate)
    check "seed $seed: noise 0 % generalized ($g)" num "$g" '==' 0
    check "seed $seed: noise >= 95 % off_support ($o)" num "$o" '>=' 0.95
    m=$(first near$seed/summary.csv memorized_rate)
    check "seed $seed: training points + noise 0.01 all memorized ($m)" num "$m" '==' 1
done
check "summary.csv records the support test and the calibration" \
    [ "$(first fresh1/summary.csv support),$(first fresh1/summary.csv quantile)" = heldout,0.01 ]
check "run.toml records the thresholds used" grep -q '^# delta_m .*quantile 0.01, support heldout' fresh1/run.toml

# samples of scores/gaussian fitted to K = 2000 draws of datasets/gaussian (N = 8),
# three repeats. A sample of the fitted law is a fresh draw but for the fitted
# covariance's error (K/N = 250) and the sampler's steps: generalized ≈ 0.97
# (1 − 3q), measured 0.97 at seed 3; at least 0.93 asserted (over 1500 samples a
# standard deviation is 0.004; the calibration's own noise is about as large).
cat >gauss.toml <<TOML
name = "gauss"
seed = 3
repeats = 3
[dataset]
plugin = "datasets/gaussian"
dim = 8
count = 2000
heldout = 2000
[model]
plugin = "scores/gaussian"
[sampler]
plugin = "samplers/euler-maruyama"
steps = 200
[schedule]
name = "ou"
t_min = 1e-3
t_max = 6
[init]
kind = "noise"
count = 500
TOML
"$BASIN" run gauss.toml --out gauss --quiet --threads 2 2>gauss.err
g=$(first gauss/summary.csv generalized_rate)
check "scores/gaussian on Gaussian data: >= 93 % generalized ($g)" num "$g" '>=' 0.93
check "scores/gaussian on Gaussian data: <= 3 % memorized" \
    num "$(first gauss/summary.csv memorized_rate)" '<=' 0.03
check "the rates sum to 1 with off_support and unconverged" \
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        { s = $h["memorized_rate"] + $h["spurious_rate"] + $h["generalized_rate"]
          s += $h["off_support_rate"] + $h["unconverged_rate"]
          if (s < 0.999999 || s > 1.000001) bad++ }
        END { exit bad + 0 }' gauss/summary.csv
check "three repeats: the run.toml lists each job's thresholds" \
    [ "$(grep -c '^# job [0-2]: .*delta_m .*delta_s .*delta_h .*quantile 0.01' gauss/run.toml)" -eq 3 ]
check "spurious.csv has a row per cluster" \
    [ "$(head -1 gauss/spurious.csv)" = "job,point,repeat,cluster,size,representative,d_m,d_h" ]
check "spurious.csv's cluster sizes sum to the spurious samples" \
    [ "$(awk -F, 'NR > 1 { s += $5 } END { print s + 0 }' gauss/spurious.csv)" -eq \
      "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                  $h["class"] == "spurious" { n++ } END { print n + 0 }' gauss/records.csv)" ]
# "auto" δ_s with fewer held-out points than samples: refused, naming the fix.
expect_fail 2 'but the held-out split (dataset.heldout) has 100: give at least 500' \
    "auto delta_s needs n held-out points" -- \
    "$BASIN" run gauss.toml --out bad --quiet --set dataset.heldout=100
finish
