# One convention for paths in a recipe (docs/recipes.md, Paths): relative to the
# recipe's folder, whatever the working directory. A project folder holds the
# recipe, its data (datasets/npy path and heldout_path) and its checkpoint cache
# (scores/mlp checkpoint); the recipe runs from another folder holding decoy files
# of the same names with other row counts (12 training rows in the project, 5 in
# the decoy: the checkpoint's {K} says which was read). A --set value stays
# relative to the working directory, and run.toml reruns from anywhere.
. "$SOURCE_ROOT/tests/e2e/lib.sh"
PY=/usr/bin/python3
if ! $PY -c 'import numpy' 2>/dev/null; then
    echo "SKIP: /usr/bin/python3 has no numpy"
    exit 77
fi

P=$(cd "$T" && pwd -P)/project
W=$T/elsewhere
mkdir -p "$P/data" "$W/data"
$PY - "$P/data" "$W/data" <<'PY'
import sys, numpy as np
r = np.random.default_rng(4)
for folder, k, h in ((sys.argv[1], 12, 30), (sys.argv[2], 5, 7)):
    np.save(folder + "/train.npy", r.normal(size=(k, 4)).astype(np.float32))
    np.save(folder + "/held.npy", r.normal(size=(h, 4)).astype(np.float32))
PY
cat >"$P/r.toml" <<'TOML'
name = "paths"
seed = 2
[dataset]
plugin = "datasets/npy"
path = "data/train.npy"
heldout_path = "data/held.npy"
[model]
plugin = "scores/mlp"
width = 16
depth = 2
steps = 30
batch = 8
checkpoint = "ck/m-{hash}-K{K}.ckpt"
[sampler]
plugin = "samplers/ddpm"
steps = 10
[init]
kind = "noise"
count = 8
[measure]
rule = "ratio"
TOML

cd "$W"
check "the recipe runs from another folder (a relative recipe path)" \
    "$BASIN" run ../project/r.toml --out out --quiet --threads 1
check "datasets/npy read the recipe's data/train.npy (K = 12: ck/m-*-K12.ckpt)" \
    test -n "$(ls "$P"/ck/m-*-K12.ckpt 2>/dev/null)"
check "the checkpoint went beside the recipe, not into the working folder" \
    test ! -e "$W/ck"
check "run.toml names the data file absolutely" \
    grep -qx "path = \"$P/data/train.npy\"" out/run.toml
check "run.toml names the held-out file absolutely" \
    grep -qx "heldout_path = \"$P/data/held.npy\"" out/run.toml
check "run.toml names the checkpoint absolutely" \
    grep -qx "checkpoint = \"$P/ck/m-{hash}-K{K}.ckpt\"" out/run.toml

# The same recipe by its absolute path, and run.toml from a third folder: the same
# files (the checkpoint is loaded, not retrained: no new file), the same records.
check "the recipe runs by its absolute path" \
    "$BASIN" run "$P/r.toml" --out out-abs --quiet --threads 1
mkdir -p "$T/third" && cd "$T/third"
check "out/run.toml reruns from a third folder" \
    "$BASIN" run "$W/out/run.toml" --out rerun --quiet --threads 1
check "the rerun's records equal the first run's" cmp -s rerun/records.csv "$W/out/records.csv"
check "the rerun loaded the one checkpoint ($(ls "$P/ck" | wc -l) files)" \
    test "$(ls "$P/ck" | wc -l)" -eq 1

# --set: relative to the working directory (the decoy, K = 5).
cd "$W"
check "--set dataset.path=data/train.npy runs" \
    "$BASIN" run ../project/r.toml --set dataset.path=data/train.npy --out out-set \
    --quiet --threads 1
check "--set read the working folder's data/train.npy (K = 5)" \
    test -n "$(ls "$P"/ck/m-*-K5.ckpt 2>/dev/null)"
check "--set's value is relative to the working directory in run.toml" \
    grep -qx 'path = "data/train.npy"' out-set/run.toml

# A missing file is named with the path it was looked up at.
sed 's|^path = .*|path = "data/none.npy"|' "$P/r.toml" >"$P/missing.toml"
expect_fail 2 "$P/data/none.npy" "a missing data file is named where it was sought" -- \
    "$BASIN" run ../project/missing.toml --out out-missing --quiet

# scores/ffi's library: a relative path with a '/' is the recipe's; a bare name is
# left to the dynamic loader (so the message names it bare).
ffi_recipe() { # LIBRARY
    sed -e 's|^plugin = "scores/mlp"|plugin = "scores/ffi"\
library = "'"$1"'"\
prototype = "int f(const float *x, uint64_t n, uint32_t dim, double alpha, double sigma, const float *train, uint64_t k, float *out)"|' \
        -e '/^width\|^depth\|^steps\|^batch\|^checkpoint/d' "$P/r.toml"
}
ffi_recipe lib/libnone.so >"$P/ffi-path.toml"
expect_fail 2 "$P/lib/libnone.so" "ffi: library lib/libnone.so is looked up beside the recipe" -- \
    "$BASIN" run ../project/ffi-path.toml --out out-ffi --quiet
ffi_recipe libbasin_none.so >"$P/ffi-bare.toml"
out=$("$BASIN" run ../project/ffi-bare.toml --out out-ffi --quiet 2>&1)
check "ffi: a bare library name stays bare for dlopen ($out)" \
    bash -c "[[ \"\$1\" == *libbasin_none.so* && \"\$1\" != *'$P/libbasin_none.so'* ]]" _ "$out"
finish
