# scores/patch end to end on Fashion-MNIST (Kamb & Ganguli 2025's creativity
# claim; recipes/els-fashion-mnist.toml): at K = 10 training images the exact
# empirical score's samples are copies (the referee: memorized), the ELS
# machine's (patch 5) are not. Two seeds, 8 samples each, Heun with 10 steps;
# measured memorized 8/8 and 8/8 for the empirical score, 0/8 and 0/8 for ELS
# (its samples are generalized or off the support: patch mosaics). The recipe
# runs without its [compare] section here (it would double ELS's cost), and
# the image shape reaches the plugin from the dataset (height/width/channels 0).
. "$SOURCE_ROOT/tests/e2e/lib.sh"
cd "$T"
FM=${BASIN_TEST_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ ! -r "$FM/train-images-idx3-ubyte.gz" ]; then
    echo "skip: no Fashion-MNIST in $FM (install dataset-fashion-mnist)"
    exit 77
fi
sed '/^\[compare\]/,/^$/d; s/^repeats = 3/repeats = 1/' "$R/els-fashion-mnist.toml" |
    sed "s|^plugin = \"datasets/fashion-mnist\"|&\npath = \"$FM\"|" >els.toml
sed '/^mode = /d; /^patch = /d; s|scores/patch|scores/empirical|' els.toml >emp.toml
check "the ELS recipe has no [compare] section here" bash -c '! grep -q "^\\[compare\\]" els.toml'
for seed in 1 2; do
    for m in els emp; do
        "$BASIN" run $m.toml --out $m$seed --quiet --threads 2 --set seed=$seed \
            --set init.count=8 --set sampler.steps=10 --set output.report=false
    done
    me=$(first emp$seed/summary.csv memorized_rate)
    ml=$(first els$seed/summary.csv memorized_rate)
    # 8 samples each: the measured gap (1 against 0) is 8 samples either side;
    # the thresholds leave room for 2 samples of drift each.
    check "seed $seed: the empirical score copies (memorized $me)" num "$me" '>=' 0.75
    check "seed $seed: ELS does not (memorized $ml)" num "$ml" '<=' 0.25
done
finish
