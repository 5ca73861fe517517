# Bad input to diffusion recipes: each a one-line message naming what and where,
# exit status 2, and nothing already written is lost.
. "$(dirname "$0")/lib.sh"

diffusion() {
    cat <<TOML
name = "d"
[dataset]
plugin = "datasets/npy"
path = "$T/data.npy"
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddim"
steps = 10
[schedule]
name = "$1"
[init]
kind = "noise"
count = 8
TOML
}
# Failing runs go to a folder of their own (one of another recipe's results
# refuses them first: durable.sh).
run() { "$BASIN" run "$@" --out "$T/fail" --quiet; }

# npy FILE SHAPE BYTES: a float32 .npy with the given shape text and raw data.
npy() {
    local header="{'descr': '<f4', 'fortran_order': False, 'shape': $2, }"
    while [ $(((10 + ${#header} + 1) % 64)) -ne 0 ]; do header="$header "; done
    { printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $(((${#header} + 1) % 256)))"
      printf "\\x$(printf %02x $(((${#header} + 1) / 256)))"; printf '%s\n' "$header"
      printf '%b' "$3"; } >"$1"
}
# Two points in two dimensions: (1, 0) and (0, 1).
npy "$T/data.npy" "(2, 2)" '\x00\x00\x80\x3f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x3f'
diffusion ou >"$T/good.toml"
"$BASIN" run "$T/good.toml" --out "$T/out" --quiet
check "a good run writes its results" [ -s "$T/out/records.csv" ]
before=$(cat "$T/out/records.csv" "$T/out/summary.csv" "$T/out/samples.npy" | cksum)

diffusion cosin >"$T/r.toml"
expect_fail 2 "r.toml:11: schedule.name: 'cosin' is not one of" "unknown schedule" \
    -- run "$T/r.toml"
expect_fail 2 "did you mean 'cosine'" "unknown schedule suggests" -- run "$T/r.toml"
expect_fail 2 "t_min" "t_min above t_max" \
    -- run "$T/good.toml" --set schedule.t_min=5 --set schedule.t_max=1
sed 's|datasets/npy|datasets/binary-patterns|; s|^path = .*|dim = 50|; s|scores/empirical|energies/hopfield|; s|samplers/ddim|samplers/hopfield|; /^steps/d' \
    "$T/good.toml" >"$T/energy.toml"
expect_fail 2 "schedule: a noise schedule drives a score model" "[schedule] with an energy" \
    -- run "$T/energy.toml"
sed '/^\[schedule\]/,/^name/d' "$T/energy.toml" >"$T/energy2.toml"
expect_fail 2 "init.kind = \"noise\" starts a diffusion" "noise start for an energy" \
    -- run "$T/energy2.toml"
expect_fail 2 "measure.collapse and measure.clones follow the trajectories" \
    "collapse times for an energy" -- run "$T/energy2.toml" --set init.kind=random \
    --set measure.collapse=true
expect_fail 2 "set landscape.attractors = true" "a radius without attractors" \
    -- run "$T/good.toml" --set landscape.radius=true
expect_fail 2 "measure.rule = \"overlap\" needs ±1 data" "overlap rule on real data" \
    -- run "$T/good.toml" --set measure.rule=overlap

npy "$T/trunc.npy" "(2, 2)" '\x00\x00\x80\x3f'
expect_fail 2 "trunc.npy" "truncated .npy" -- run "$T/good.toml" --set "dataset.path=\"$T/trunc.npy\""
npy "$T/nan.npy" "(2, 2)" '\x00\x00\xc0\x7f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x3f'
expect_fail 2 "nan.npy" "NaN in data" -- run "$T/good.toml" --set "dataset.path=\"$T/nan.npy\""
npy "$T/huge.npy" "(4294967296, 4294967296)" ''
expect_fail 2 "huge.npy" "dimensions that overflow" \
    -- run "$T/good.toml" --set "dataset.path=\"$T/huge.npy\""
printf 'not a numpy file at all' >"$T/junk.npy"
expect_fail 2 "junk.npy" "malformed .npy" -- run "$T/good.toml" --set "dataset.path=\"$T/junk.npy\""
sed 's|datasets/npy|datasets/fashion-mnist|; s|^path = .*|path = "'"$T"'/nowhere"\ncount = 5|' \
    "$T/good.toml" >"$T/fm.toml"
expect_fail 2 "nowhere" "missing IDX files" -- run "$T/fm.toml"
mkdir -p "$T/idx"
printf '\x1f\x8b' >"$T/idx/train-images-idx3-ubyte.gz"
cp "$T/idx/train-images-idx3-ubyte.gz" "$T/idx/t10k-images-idx3-ubyte.gz"
sed -i "s|$T/nowhere|$T/idx|" "$T/fm.toml"
expect_fail 2 "train-images-idx3-ubyte.gz" "truncated IDX gzip" -- run "$T/fm.toml"

sed 's|datasets/npy|datasets/gaussian|; s|^path = .*|dim = 3\nspectrum = "file"\nspectrum_file = "'"$T"'/spec.txt"|' \
    "$T/good.toml" >"$T/spec.toml"
printf '1 2\n' >"$T/spec.txt"
expect_fail 2 "spec.txt: 2 eigenvalues for dim = 3" "a spectrum file too short" \
    -- run "$T/spec.toml"
printf '1 -2 3\n' >"$T/spec.txt"
expect_fail 2 "spec.txt: eigenvalue 2 = -2 must be finite and >= 0" "a negative eigenvalue" \
    -- run "$T/spec.toml"
printf '1 x 3\n' >"$T/spec.txt"
expect_fail 2 "spec.txt: value 2 is not a number" "a word in a spectrum file" \
    -- run "$T/spec.toml"
rm "$T/spec.txt"
expect_fail 2 "spec.txt\" cannot be read" "a missing spectrum file" -- run "$T/spec.toml"

after=$(cat "$T/out/records.csv" "$T/out/summary.csv" "$T/out/samples.npy" | cksum)
check "the earlier results are untouched after every failed run" [ "$before" = "$after" ]
check "no temporary files left behind" no_temporaries "$T/out"
finish
