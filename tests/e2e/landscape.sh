# The energy landscape, end to end: Dense Associative Memory capacity (Krotov &
# Hopfield 2016), the classical 3-mixture spurious states (Amit, Gutfreund &
# Sompolinsky 1985) as attractors with basins, and the diffusion energy's
# memorized and blended attractors and their curvature.
. "$(dirname "$0")/lib.sh"

# 1. Capacity grows like N^{n−1}. At N = 100 the no-error capacity
# N^{n−1}/(2 (2n−3)!! ln N) is 10.9 for n = 2 and 362 for n = 3; the full recipe
# measures the retrieval rate falling through ½ at about twice that (K ≈ 20, 750,
# 14000 for n = 2, 3, 4). Here: n = 2 retrieves at K = 10 and fails at K = 50, where
# n = 3 still retrieves everything; n = 3 fails at K = 2000.
"$BASIN" run "$R/dense-capacity.toml" --out "$T/dc" --quiet --threads 2 \
    --set 'dataset.count=[10, 50, 2000]' --set 'model.n=[2, 3]'
S=$T/dc/summary.csv
rate() { awk -F, -v k="$2" -v n="$3" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["dataset.count"] == k && $h["model.n"] == n { print $h["memorized_rate"] }' "$1"; }
check "n = 2, K = 10: retrieval rate $(rate "$S" 10 2) >= 0.95" num "$(rate "$S" 10 2)" '>=' 0.95
check "n = 2, K = 50: retrieval rate $(rate "$S" 50 2) <= 0.05" num "$(rate "$S" 50 2)" '<=' 0.05
check "n = 3, K = 50: retrieval rate $(rate "$S" 50 3) >= 0.99" num "$(rate "$S" 50 3)" '>=' 0.99
check "n = 3, K = 2000: retrieval rate $(rate "$S" 2000 3) <= 0.05" num "$(rate "$S" 2000 3)" '<=' 0.05

# 2. Symmetric 3-mixtures of the classical Hopfield network: K = 9 patterns,
# probes start near sgn(ξ_a + ξ_b + ξ_c) for three disjoint triples. They end in
# exactly three attractors, all spurious, each with overlap ½ with its components
# at N → ∞ (AGS; at N = 1000 the largest overlap is within 0.1 of it), each with a
# basin: a radius of at least 0.05 (5% of the spins flipped still come back).
cat >"$T/mix.toml" <<'TOML'
name = "mix"
seed = 2
[dataset]
plugin = "datasets/binary-patterns"
dim = 1000
count = 9
[model]
plugin = "energies/hopfield"
[sampler]
plugin = "samplers/hopfield"
[init]
kind = "mixture"
order = 3
count = 60
flip = 0.05
[landscape]
attractors = true
tol = 0.01
radius = true
radius_max = 0.3
radius_levels = 6
TOML
"$BASIN" run "$T/mix.toml" --out "$T/mix" --quiet --threads 2
A=$T/mix/attractors.csv
check "three mixture attractors" [ "$(first "$T/mix/summary.csv" attractors)" = 3 ]
check "all three spurious" [ "$(first "$T/mix/summary.csv" attractors_spurious)" = 3 ]
worst=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { d = $h["match"] - 0.5; d = d < 0 ? -d : d; if (d > w) w = d } END { print w + 0 }' "$A")
check "largest overlaps within 0.1 of 1/2 (worst deviation $worst)" num "$worst" '<' 0.1
small=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { if (m == "" || $h["radius"] < m) m = $h["radius"] } END { print m }' "$A")
check "every mixture has a basin (smallest radius $small >= 0.05)" num "$small" '>=' 0.05
occ=$(awk -F, 'NR > 1 { n++ } END { print n }' "$A")
check "attractors.csv lists them ($occ rows)" [ "$occ" -eq 3 ]

# 3. The diffusion energy at σ = 3 on a linear hidden manifold: at K = 5 every
# probe ends on a training point; at K = 40 none does, and the blended attractors
# that take them are flatter than a memorized one: smallest Hessian eigenvalue
# below 0.5, where memorized attractors have 1 − (α²/σ²)·Var_w(ξ) ≈ 0.7–0.96.
"$BASIN" run "$R/modern-spurious.toml" --out "$T/ms" --quiet --threads 2 \
    --set 'dataset.count=[5, 40]' --set landscape.radius=false
S=$T/ms/summary.csv
m5=$(col "$S" dataset.count 5 memorized_rate)
m40=$(col "$S" dataset.count 40 memorized_rate)
check "K = 5: memorized rate $m5 = 1" num "$m5" '==' 1
check "K = 40: memorized rate $m40 = 0" num "$m40" '==' 0
lmem=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["class"] == "memorized" { if (m == "" || $h["lambda_min"] < m) m = $h["lambda_min"] }
    END { print m }' "$T/ms/attractors.csv")
lblend=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["class"] != "memorized" { if ($h["lambda_min"] > m) m = $h["lambda_min"] }
    END { print m + 0 }' "$T/ms/attractors.csv")
check "memorized attractors are sharp (smallest lambda_min $lmem > 0.6)" num "${lmem:-0}" '>' 0.6
check "blended attractors are flat (largest lambda_min $lblend < 0.5)" num "$lblend" '<' 0.5

# 4. Pham et al.'s circle: at K = 2 both training points are attractors, each
# sharp (smallest Hessian eigenvalue 1 − (1/σ²)·Var_w(ξ) ≈ 1); at K = 1000 no
# attractor is a training point: all lie on the circle (generalized), at the modes
# of the smoothed empirical density, flat along it.
"$BASIN" run "$R/circle-attractors.toml" --out "$T/circle" --quiet --threads 2 \
    --set 'dataset.count=[2, 1000]' --set landscape.radius=false
S=$T/circle/summary.csv
check "K = 2: two attractors, both memorized" \
    [ "$(col "$S" dataset.count 2 attractors_memorized)" = 2 ]
a=$(col "$S" dataset.count 1000 attractors)
g=$(col "$S" dataset.count 1000 attractors_generalized)
all_on_circle() { [ "$1" = "$2" ] && [ "$2" -ge 3 ]; }
check "K = 1000: $g of $a attractors generalized (on the circle), at least 3" \
    all_on_circle "$a" "$g"
flat=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["dataset.count"] == 1000 { if ($h["lambda_min"] > m) m = $h["lambda_min"] }
    END { print m + 0 }' "$T/circle/attractors.csv")
check "K = 1000: the attractors are flat along the circle (largest lambda_min $flat < 0.5)" \
    num "$flat" '<' 0.5
finish
