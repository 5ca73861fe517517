# scores/mlp end to end: a small transition run on hidden-manifold data (K = 4 and
# K = 400, a 2-layer width-64 network, 600 steps), training.csv, the checkpoint
# cache and its reuse, training on 1 and 2 threads writing the same checkpoints
# byte for byte, and a corrupt checkpoint refused with one line.
. "$SOURCE_ROOT/tests/e2e/lib.sh"

cat > "$T/t.toml" <<TOML
name = "mlp-e2e"
seed = 3

[dataset]
plugin = "datasets/hidden-manifold"
dim = 16
alpha_d = 0.25
nonlinearity = "tanh"
count = [4, 400]
heldout = 0

[model]
plugin = "scores/mlp"
width = 64
depth = 2
steps = 600
batch = 128
lr = 3e-3
checkpoint = "$T/ckpt/{hash}-K{K}.ckpt"

[sampler]
plugin = "samplers/heun"
steps = 20

[schedule]
name = "edm"

[init]
kind = "noise"
count = 100

[measure]
rule = "ratio"
TOML

check "the run succeeds" "$BASIN" run "$T/t.toml" --out "$T/out" --quiet --threads 2
S=$T/out/summary.csv
m4=$(col "$S" dataset.count 4 memorized_rate)
m400=$(col "$S" dataset.count 400 memorized_rate)
# K = 4 points in 16 dimensions: 600 steps fit them (memorized rate ~1); K = 400:
# the network cannot (rate ~0). 100 samples each: a binomial SE below 0.05.
check "memorized at K=4 ($m4) above K=400 ($m400) by 0.5" num "$m4" '>' "$m400 + 0.5"
check "training.csv has its header" \
    grep -qx "job,point,repeat,dataset.count,role,name,step,value" "$T/out/training.csv"
rows=$(awk -F, '$6 == "loss"' "$T/out/training.csv" | wc -l)
check "training.csv has a loss curve per job ($rows rows)" num "$rows" '>=' 400
last=$(awk -F, '$1 == 1 && $6 == "loss" { v = $8 } END { print v }' "$T/out/training.csv")
check "the K=400 loss ends below 1 ($last)" num "$last" '<' 1
n=$(ls "$T/ckpt" | grep -cE '^[0-9a-f]{16}-K(4|400)\.ckpt$')
check "a checkpoint per K ($n)" test "$n" -eq 2

# A second run loads both checkpoints: the same samples, one loss point per job.
cp "$T/out/samples.npy" "$T/first.npy"
check "the rerun succeeds" "$BASIN" run "$T/t.toml" --out "$T/out" --quiet --threads 2 --fresh
check "the rerun reproduces the samples" cmp -s "$T/out/samples.npy" "$T/first.npy"
rows=$(awk -F, 'NR > 1' "$T/out/training.csv" | wc -l)
check "the rerun records the stored final losses ($rows rows)" test "$rows" -eq 2

# Training on one thread writes the same checkpoints, byte for byte (batch 128:
# two shards, computed on two threads above), and the same samples.
sed "s|$T/ckpt/|$T/ckpt1/|" "$T/t.toml" > "$T/t1.toml"
check "the one-thread run succeeds" "$BASIN" run "$T/t1.toml" --out "$T/out1" --quiet \
    --threads 1
for f in "$T"/ckpt/*.ckpt; do
    check "$(basename "$f") is the same trained on 1 thread" \
        cmp -s "$f" "$T/ckpt1/$(basename "$f")"
done
check "the one-thread run's samples are the same" \
    cmp -s "$T/out1/samples.npy" "$T/first.npy"

# A corrupt checkpoint is refused with the file and the field.
f=$(ls "$T"/ckpt/*-K4.ckpt)
printf '\x01' | dd of="$f" bs=1 seek=300 conv=notrunc status=none
expect_fail 2 "crc" "a corrupt checkpoint is refused" -- \
    "$BASIN" run "$T/t.toml" --out "$T/out2" --quiet
finish
