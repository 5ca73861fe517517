# The memorization → generalization transition of a trained denoiser
# (recipes/transition-hidden-manifold.toml at reduced size: a 2-layer width-64
# MLP, 1500 steps, K = 3 and 300, 200 samples). Kadkhodaie et al. 2024 and
# Bonnaire et al. 2025: a network that can fit its K points copies them; with
# many more points than it can fit, it generates new ones, and two networks
# trained on disjoint sets agree.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1
"$BASIN" run "$R/transition-hidden-manifold.toml" --out "$T/tr" --quiet --threads 2 \
    --set 'dataset.count=[3,300]' --set dataset.heldout=300 --set model.width=64 \
    --set model.depth=2 --set model.steps=1500 --set init.count=200 \
    --set sampler.steps=20 --set 'model.checkpoint=""' --set measure.delta_m=0.1 \
    --set measure.delta_s=0.1 || bad "the reduced transition run"
S=$T/tr/summary.csv
# 200 samples: a rate's binomial SE is at most 0.035, so margins of 0.5 are more
# than 10 SE (measured: ratio rule 0.99 vs 0, pham 0.75 vs 0).
r3=$(col "$S" dataset.count 3 ratio_memorized_rate)
r300=$(col "$S" dataset.count 300 ratio_memorized_rate)
check "ratio rule: memorized at K=3 ($r3) above K=300 ($r300) by 0.5" \
    num "$r3" '>' "$r300 + 0.5"
p3=$(col "$S" dataset.count 3 memorized_rate)
p300=$(col "$S" dataset.count 300 memorized_rate)
check "pham rule: memorized at K=3 ($p3) above K=300 ($p300) by 0.5" \
    num "$p3" '>' "$p300 + 0.5"
g300=$(col "$S" dataset.count 300 generalized_rate)
check "K=300: generalized ($g300 ≥ 0.9)" num "$g300" '>=' 0.9
# The disjoint-sets test: at K = 3 each network copies its own 3 points (paired
# samples unrelated: measured cos −0.21); at K = 300 both learn the law (0.95).
c3=$(col "$S" dataset.count 3 pair_cosine)
c300=$(col "$S" dataset.count 300 pair_cosine)
check "disjoint sets: pair cosine rises from K=3 ($c3) to K=300 ($c300 > 0.9)" \
    bash -c "awk -v a='$c3' -v b='$c300' 'BEGIN { exit !(b > 0.9 && b > a + 0.5) }'"
check "training.csv holds a loss curve per K and network (model, disjoint)" \
    test "$(awk -F, 'NR > 1 && $6 == "loss" { print $1, $5 }' "$T/tr/training.csv" |
            sort -u | wc -l)" -eq 4
finish
