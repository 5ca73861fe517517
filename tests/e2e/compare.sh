# [compare] (run/compare.h, docs/analytic-denoisers.md "Agreement"): a second
# score model evaluated on the recipe model's states, per time, into compare.csv.
#  1. scores/gaussian against scores/empirical on datasets/gaussian (N = 8, K = 40),
#     one step from noised held-out points: the Gaussian part dominates the score
#     at high noise (Wang & Vastola 2024), so r² → 1 as σ/α grows, and it falls as
#     σ shrinks, where the empirical denoiser snaps to single training points.
#     Three seeds; measured r² 0.99999 at the top of the grid (σ/α ≈ 300) and
#     0.03-0.3 at the bottom.
#  2. A model against itself: r² exactly 1 and mse exactly 0 in every row.
#  3. compare.csv and summary.csv's compare_r2 do not depend on --threads, and a
#     resumed run (every job's part already there) assembles the same files.
#  4. Fashion-MNIST (K = 200): the same fall, r² ≈ 1 at the top, below 0.9 at the
#     bottom (measured 0.73).
#  5. Bad input: [compare] beside an energy model, or naming a non-score plugin.
. "$SOURCE_ROOT/tests/e2e/lib.sh"
cd "$T"

recipe() { # recipe MODEL COMPARE SEED
    cat <<TOML
name = "cmp"
seed = $3
[dataset]
plugin = "datasets/gaussian"
dim = 8
count = 40
heldout = 100
[model]
plugin = "scores/$1"
[compare]
plugin = "scores/$2"
[sampler]
plugin = "samplers/euler-maruyama"
steps = 20
[schedule]
name = "ou"
t_min = 1e-3
t_max = 6
[init]
kind = "noise"
count = 50
[output]
report = false
TOML
}

# r2 FILE KIND first|last: r² of the first or last row of KIND in compare.csv.
r2() {
    awk -F, -v kind="$2" -v which="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $c["kind"] == kind { v = $c["r2"]; if (which == "first" && !seen++) print v }
        END { if (which == "last") print v }' "$1"
}

for seed in 1 2 3; do
    recipe empirical gaussian $seed >g$seed.toml
    "$BASIN" run g$seed.toml --out g$seed --quiet --threads 1
    top=$(r2 g$seed/compare.csv heldout first)
    bottom=$(r2 g$seed/compare.csv heldout last)
    # 64 held-out points: the median's interval at the top is 1e-5 wide; at the
    # bottom the measured medians (0.03-0.3) sit far below 0.6.
    check "seed $seed: r²(gaussian, empirical) at the largest sigma is ~1 ($top)" \
        num "$top" '>=' 0.999
    check "seed $seed: r² at the smallest sigma has fallen ($bottom)" \
        num "$bottom" '<=' 0.6
    t_top=$(r2 g$seed/compare.csv trajectory first)
    check "seed $seed: along the trajectories r² starts at ~1 ($t_top)" \
        num "$t_top" '>=' 0.999
    s=$(first g$seed/summary.csv compare_r2)
    check "seed $seed: summary.csv carries the median r² ($s)" num "$s" '>' 0
done
rows=$(grep -c ',heldout,' g1/compare.csv)
check "one heldout row per grid time (20 steps + the final denoise: $rows)" \
    [ "$rows" -ge 20 ]

recipe empirical empirical 1 >self.toml
"$BASIN" run self.toml --out self --quiet
check "a model against itself: r² = 1 and mse = 0 in every row" \
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
             $c["r2"] != 1 || $c["mse"] != 0 || $c["r2_lo"] != 1 { bad = 1 }
             END { exit bad || NR < 40 }' self/compare.csv
check "summary.csv: compare_r2 = 1" [ "$(first self/summary.csv compare_r2)" = 1 ]

"$BASIN" run g1.toml --out g1t2 --quiet --threads 2
check "compare.csv identical with 1 and 2 threads" cmp -s g1/compare.csv g1t2/compare.csv
"$BASIN" run g1.toml --out g1 --quiet --threads 1
check "a resumed run assembles the same compare.csv" cmp -s g1/compare.csv g1t2/compare.csv
# (but for seconds, the jobs' wall-clock time, the last column)
check "and the same summary.csv" cmp -s <(sed 's/,[^,]*$//' g1/summary.csv) \
    <(sed 's/,[^,]*$//' g1t2/summary.csv)
check "resuming keeps no stray file aside" [ ! -e g1.kept-1 ]

# basin report draws r² against time from compare.csv (compare.dat: a block per
# job and kind, 3 here).
"$BASIN" report g1 >/dev/null 2>&1
check "basin report writes the compare figure's data" [ -s g1/compare.dat ]
check "with a block per kind" [ "$(grep -c '^# job' g1/compare.dat)" -eq 3 ]

FM=${BASIN_TEST_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ -r "$FM/train-images-idx3-ubyte.gz" ]; then
    cat >fm.toml <<TOML
name = "fm"
seed = 1
[dataset]
plugin = "datasets/fashion-mnist"
path = "$FM"
count = 200
heldout = 64
[model]
plugin = "scores/empirical"
[compare]
plugin = "scores/gaussian"
[sampler]
plugin = "samplers/heun"
steps = 12
[schedule]
name = "ou"
[init]
kind = "noise"
count = 8
[output]
report = false
TOML
    "$BASIN" run fm.toml --out fm --quiet --threads 2
    top=$(r2 fm/compare.csv heldout first)
    bottom=$(r2 fm/compare.csv heldout last)
    check "Fashion-MNIST: r²(gaussian, empirical) ~1 at the largest sigma ($top)" \
        num "$top" '>=' 0.999
    check "Fashion-MNIST: r² falls as sigma shrinks ($bottom)" num "$bottom" '<=' 0.9
else
    echo "skip: no Fashion-MNIST in $FM"
fi

cat >energy.toml <<TOML
name = "energy"
[dataset]
plugin = "datasets/binary-patterns"
dim = 50
count = 3
[model]
plugin = "energies/hopfield"
[compare]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/hopfield"
[init]
kind = "pattern"
count = 4
TOML
expect_fail 2 "[compare] compares two score models" "compare beside an energy" -- \
    "$BASIN" run energy.toml --out energy --quiet
awk '/^\[compare\]/ { print; getline; print "plugin = \"samplers/heun\""; next } { print }' \
    self.toml >notscore.toml
expect_fail 2 "[compare] needs score" "compare names a sampler" -- \
    "$BASIN" run notscore.toml --out notscore --quiet
finish
