# The emergent minima of the log-sum-ReLU energy (Hoover et al. 2025,
# arXiv:2506.10801, Fig. 3), counted exactly by landscape.enumerate on a reduced
# grid of recipes/lsr-minima.toml: d = 32, M = 15 patterns uniform in [0, 1]^32,
# one draw, β ∈ {2/d, 0.75, 0.84, 16}.
. "$(dirname "$0")/lib.sh"

"$BASIN" run "$R/lsr-minima.toml" --out "$T/lm" --quiet --threads 2 \
    --set dataset.dim=32 --set dataset.count=15 --set repeats=1 \
    --set 'model.beta=[0.0625, 0.75, 0.84, 16]'
S=$T/lm/summary.csv
col() { awk -F, -v b="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["model.beta"] == b { print $h[c] }' "$1"; }

# β = 2/d: one support covers every pattern: one minimum, the centroid of all.
check "beta = 2/d: $(col "$S" 0.0625 minima) minimum" num "$(col "$S" 0.0625 minima)" '==' 1
check "beta = 2/d: no stored pattern is one" num "$(col "$S" 0.0625 minima_stored)" '==' 0
# β = 16: radius 0.35, far below the closest pair at d = 32 (about 1.8): exactly
# the M stored patterns.
check "beta = 16: $(col "$S" 16 minima) minima" num "$(col "$S" 16 minima)" '==' 15
check "beta = 16: all stored" num "$(col "$S" 16 minima_stored)" '==' 15
# The window: some β where the novel minima outnumber the stored patterns by at
# least 10 M (the full sweep finds about 100 M) while at least 60 % of the stored
# patterns remain minima (the paper: more than 60 %).
best=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["minima_novel"] >= 150 && $h["stored_fraction"] >= 0.6 { n++ } END { print n + 0 }' "$S")
check "a beta with novel >= 10 M and stored_fraction >= 0.6 ($best points)" num "$best" '>=' 1
# The search prunes: it examines fewer subsets than the 2^M there are.
check "subsets examined $(col "$S" 0.84 subsets_examined) < 2^15" num "$(col "$S" 0.84 subsets_examined)" "<" 32768
finish
