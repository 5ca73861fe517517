# The disjoint-sets test (Kadkhodaie, Guth, Simoncelli & Mallat, ICLR 2024,
# arXiv:2310.02557): measure.disjoint trains a second model on the first K held-out
# points and runs it from the same initial noise.
. "$(dirname "$0")/lib.sh"

# Two small data sets A and B: fresh draws from a Gaussian law (the Gaussian score
# samples its fitted law), one per seed.
cat >"$T/draw.toml" <<'TOML'
name = "draw"
[dataset]
plugin = "datasets/gaussian"
dim = 8
count = 2000
heldout = 0
[model]
plugin = "scores/gaussian"
[sampler]
plugin = "samplers/ddim"
steps = 20
[init]
kind = "noise"
count = 6
TOML
"$BASIN" run "$T/draw.toml" --out "$T/a" --quiet --set seed=1 &&
    "$BASIN" run "$T/draw.toml" --out "$T/b" --quiet --set seed=2 ||
    bad "drawing the data sets"

cat >"$T/pair.toml" <<'TOML'
name = "pair"
seed = 5
[dataset]
plugin = "datasets/npy"
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddpm"
steps = 100
[init]
kind = "noise"
count = 40
[measure]
rule = "ratio"
TOML

# 1. The second model is exactly "the same recipe trained on B": run A with B held
# out and the test on, then B alone under the same seed (the same job seed, hence
# the same starts and sampler noise). d_pair and cos_pair must equal the distances
# between the two runs' samples to the 9 digits records.csv prints (1e-6 relative
# covers the last printed digit).
"$BASIN" run "$T/pair.toml" --out "$T/ab" --quiet --threads 2 \
    --set dataset.path="$T/a/samples.npy" --set dataset.heldout_path="$T/b/samples.npy" \
    --set measure.disjoint=true || bad "disjoint run"
"$BASIN" run "$T/pair.toml" --out "$T/ba" --quiet --threads 1 \
    --set dataset.path="$T/b/samples.npy" || bad "run on B"
"$NPY_PAIRS" "$T/ab/samples.npy" "$T/ba/samples.npy" >"$T/pairs.txt" ||
    bad "npy_pairs"
worst=$(awk -F, 'NR == FNR { d[$1] = $2; c[$1] = $3; next }
    FNR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { s = $h["sample"]
      e = ($h["d_pair"] - d[s]) / (d[s] > 1e-3 ? d[s] : 1e-3); e = e < 0 ? -e : e
      f = $h["cos_pair"] - c[s]; f = f < 0 ? -f : f
      if (e > w) w = e; if (f > w) w = f; n++ }
    END { print (n == 40 ? w + 0 : "rows:" n) }' \
    <(tr ' ' , <"$T/pairs.txt") "$T/ab/records.csv")
check "d_pair and cos_pair are the distances to the model trained on the held-out set (worst $worst)" \
    num "$worst" '<' 1e-6

# 2. The exact empirical score memorizes (Biroli et al. 2024): each model returns
# one of its own 6 training points, so no pair can be closer than the closest
# A-B point pair. For two draws of N(0, I_8), d² = ‖a − b‖²/8 ~ χ²_8/4, and
# P(d < 0.3) = P(χ²_8 < 0.36) ≈ 1e-5 per pair: 36 pairs stay above 0.3.
min_ab=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { v = $h["d_pair"]; if (m == "" || v < m) m = v } END { print m }' "$T/ab/records.csv")
mem=$(first "$T/ab/summary.csv" memorized_rate)
check "memorized samples of disjoint sets stay apart (min d_pair $min_ab, memorized $mem)" \
    num "$min_ab" '>' 0.3
check "summary's pair_cosine is the mean of cos_pair" \
    num "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        { s += $h["cos_pair"]; n++ } END { printf "%.6f", s / n }' "$T/ab/records.csv")" \
        '==' "$(printf '%.6f' "$(first "$T/ab/summary.csv" pair_cosine)")"

# 3. Bad input: too few held-out points, and starts drawn from the training set.
expect_fail 2 "raise dataset.heldout" "too few held-out points" -- \
    "$BASIN" run "$T/pair.toml" --out "$T/bad" --quiet \
    --set dataset.path="$T/a/samples.npy" --set dataset.heldout_path="$T/b/samples.npy" \
    --set dataset.heldout=3 --set measure.disjoint=true
expect_fail 2 "init.kind must be noise or random" "pattern starts" -- \
    "$BASIN" run "$T/pair.toml" --out "$T/bad" --quiet \
    --set dataset.path="$T/a/samples.npy" --set dataset.heldout_path="$T/b/samples.npy" \
    --set init.kind=pattern --set measure.disjoint=true
check "a failed run leaves no results folder" test ! -e "$T/bad"
finish
