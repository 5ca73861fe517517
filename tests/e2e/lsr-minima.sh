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

# The share of [0, 1]^32 inside some support (Monte Carlo, landscape.coverage =
# 10 000 points): at β = 2/d the radius √32 is the cube's diagonal, so every
# support holds the whole cube (exactly 1, standard error 0); at β = 16 the
# radius 0.35 ball is 1e-20 of the cube (0 of 10 000 points); between, a share
# strictly inside (0, 1) with a standard error √(f(1 − f)/10⁴).
check "beta = 2/d: covered $(col "$S" 0.0625 covered)" num "$(col "$S" 0.0625 covered)" '==' 1
check "beta = 2/d: covered_se 0" num "$(col "$S" 0.0625 covered_se)" '==' 0
check "beta = 16: covered 0" num "$(col "$S" 16 covered)" '==' 0
f=$(col "$S" 0.75 covered); se=$(col "$S" 0.75 covered_se)
check "beta = 0.75: covered $f in (0, 1)" num "$f" '>' 0
check "beta = 0.75: covered_se $se = sqrt(f(1-f)/1e4)" num \
    "$(awk -v f="$f" -v s="$se" 'BEGIN { d = s - sqrt(f * (1 - f) / 10000); print (d < 0 ? -d : d) }')" '<' 1e-9

# minima.csv: a row per minimum, as many per β as summary.csv's minima; the
# stored ones (size 1) at distance 0 from their own pattern and not novel, the
# novel ones (d_nearest ≥ landscape.novel_distance) as many as minima_novel;
# every row a referee class.
M=$T/lm/minima.csv
check "minima.csv header" grep -q '^job,point,repeat,model.beta,minimum,size,members,energy,d_nearest,nearest,novel,class$' "$M"
rows() { awk -F, -v b="$1" 'NR > 1 && $4 == b { n++ } END { print n + 0 }' "$M"; }
for b in 0.0625 0.75 0.84 16; do
    check "beta = $b: $(rows "$b") rows = minima" num "$(rows "$b")" '==' "$(col "$S" "$b" minima)"
    nov=$(awk -F, -v b="$b" 'NR > 1 && $4 == b && $11 == 1 { n++ } END { print n + 0 }' "$M")
    check "beta = $b: $nov novel rows = minima_novel" num "$nov" '==' "$(col "$S" "$b" minima_novel)"
done
bad=$(awk -F, 'NR > 1 && $6 == 1 && ($9 != 0 || $11 != 0 || $7 != $10) { n++ } END { print n + 0 }' "$M")
check "stored minima: d_nearest 0, not novel, nearest = member ($bad bad)" num "$bad" '==' 0
bad=$(awk -F, 'NR > 1 && $12 !~ /^(memorized|spurious|generalized|off_support|unconverged)$/ { n++ } END { print n + 0 }' "$M")
check "every minimum has a referee class ($bad without)" num "$bad" '==' 0
# Energies: the centroid of all at β = 2/d is the deepest (E = −β⁻¹ log(ε + Σ k)).
e=$(awk -F, 'NR > 1 && $4 == 0.0625 { print $8 }' "$M")
check "beta = 2/d: energy $e < 0" num "$e" '<' 0

# --threads 1: the same counts, coverage and minima.csv.
"$BASIN" run "$R/lsr-minima.toml" --out "$T/lm1" --quiet --threads 1 \
    --set dataset.dim=32 --set dataset.count=15 --set repeats=1 \
    --set 'model.beta=[0.0625, 0.75, 0.84, 16]'
check "minima.csv independent of --threads" cmp -s "$M" "$T/lm1/minima.csv"
check "covered independent of --threads" test \
    "$(cut -d, -f-$(($(head -1 "$S" | tr , '\n' | grep -n '^samples$' | cut -d: -f1) - 1)) "$S")" = \
    "$(cut -d, -f-$(($(head -1 "$S" | tr , '\n' | grep -n '^samples$' | cut -d: -f1) - 1)) "$T/lm1/summary.csv")"

# basin lsr-storage on three 1-d patterns 0, 1, 3 (squared distances 1, 4, 9),
# a .npy written by hand: at β = 3 (r² = 2/3) all three are fixed points; at
# β = 1.5 (r² = 4/3) 0 and 1 share a support: one fixed point (3), mean |S| 5/3;
# at β = 0.5 (r² = 4, the pair 1-3 exactly on the boundary, outside) the same;
# at β = 0.2 (r² = 10) none, every support holds all three.
h="{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1), }"
h=$(printf '%-117s' "$h")
{ printf '\x93NUMPY\x01\x00\x76\x00%s\n' "$h"
  printf '\x00\x00\x00\x00\x00\x00\x80\x3f\x00\x00\x40\x40'; } > "$T/three.npy"
"$BASIN" lsr-storage --quiet --beta 3,1.5,0.5,0.2 "$T/three.npy" > "$T/storage.csv"
check "lsr-storage header" grep -q '^beta,radius,fixed,fixed_fraction,mean_support,max_support,patterns$' "$T/storage.csv"
for want in '3 3 1' '1.5 1 1.66666667' '0.5 1 1.66666667' '0.2 0 3'; do
    set -- $want
    got=$(awk -F, -v b="$1" 'NR > 1 && $1 == b { print $3, $5 }' "$T/storage.csv")
    check "lsr-storage beta $1: fixed, mean |S| = $2 $3 (got $got)" test "$got" = "$2 $3"
done
expect_fail 2 "domain_high = 0 must be above" "an empty coverage domain is refused" -- \
    "$BASIN" run "$R/lsr-minima.toml" --out "$T/bad" --quiet --set dataset.dim=8 \
    --set dataset.count=5 --set repeats=1 --set model.beta=1 --set landscape.domain_high=0
expect_fail 2 "positive number" "lsr-storage refuses beta 0" -- \
    "$BASIN" lsr-storage --beta 0 "$T/three.npy"
finish
