# Memorization along training time, reduced (Bonnaire, Urfin, Biroli & Mézard
# 2025, arXiv:2505.17638; recipes/memorization-time.toml is the full run): two
# Gaussians at ±1 in d = 8, n = 32, 64, 128 training points, a residual network
# trained once per n with 15 snapshots from 200 to 5084 steps (ratio 1.26), 150
# samples per snapshot. tau_mem (the first snapshot with a memorized fraction
# above 0.1, `basin report`'s memorization.csv) must grow with n; a tau not
# reached by the last snapshot (nan) lies beyond it. Over seeds 1-3 (this test
# runs 3): tau_mem = 2017, 2542, >5084; 1601, 3202, >5084; 2017, 3202, 5084
# (the first crossing moves by one to three snapshots per doubling of n, each
# crossing's Wilson interval spans about one snapshot either side). Also: the
# train_step axis, the seed shared by the snapshots of one run, and one training
# run per n.
. "$SOURCE_ROOT/tests/e2e/lib.sh"

cat > "$T/m.toml" <<TOML
name = "memorization-reduced"
seed = 3

[dataset]
plugin = "datasets/gaussian-mixture"
components = 2
dim = 8
variance = 1.0
mean_scale = 1.0
count = [32, 64, 128]
heldout = 300

[model]
plugin = "scores/mlp"
architecture = "resnet"
width = 64
depth = 2
lr = 6e-3
batch = 0
snapshots = { from = 200, to = 6400, times = 1.26 }
checkpoint = "$T/ckpt/{hash}-K{K}.ckpt"

[sampler]
plugin = "samplers/heun"
steps = 8

[schedule]
name = "edm"

[init]
kind = "noise"
count = 150

[measure]
rule = "ratio"
TOML

check "the run succeeds" "$BASIN" run "$T/m.toml" --out "$T/out" --quiet --threads 2
check "the report succeeds" "$BASIN" report "$T/out"
S=$T/out/summary.csv
check "summary.csv has the train_step axis" grep -q "^dataset.count,train_step," "$S"
rows=$(($(wc -l < "$S") - 1))
check "a row per n and snapshot ($rows = 3 x 15)" test "$rows" -eq 45
n=$(ls "$T/ckpt" | wc -l)
check "a checkpoint per n and snapshot ($n)" test "$n" -eq 45
# One training curve per n (the first job of each), one loaded point elsewhere.
curves=$(awk -F, 'NR > 1 { c[$1]++ } END { for (j in c) if (c[j] > 1) k++; print k }' \
    "$T/out/training.csv")
check "one training curve per n ($curves)" test "$curves" -eq 3
seeds=$(grep -c "^# job .*seed" "$T/out/run.toml")
distinct=$(grep "^# job .*seed" "$T/out/run.toml" | sed 's/.*seed \([0-9]*\).*/\1/' |
    sort -u | wc -l)
check "the snapshots of one n share a seed ($distinct seeds, $seeds jobs)" \
    test "$distinct" -eq 3
M=$T/out/memorization.csv
check "memorization.csv is written" test -s "$M"
tau() { v=$(col "$M" dataset.count "$1" tau_mem); [ "$v" = nan ] && v=1e300; echo "$v"; }
t32=$(tau 32); t64=$(tau 64); t128=$(tau 128)
check "tau_mem(32) = $t32 is reached" num "$t32" '<' 1e300
check "tau_mem(32) = $t32 < tau_mem(64) = $t64" num "$t32" '<' "$t64"
check "tau_mem(64) = $t64 < tau_mem(128) = $t128" num "$t64" '<' "$t128"
check "memorization_fit.csv is written" grep -q "^tau_mem,dataset.count," \
    "$T/out/memorization_fit.csv"
finish
