# `basin check` on deliberately broken plugins (tests/check/*.c): each exits 1
# with the FAIL line of its bug; and the command's usage errors exit 2.
. "$SOURCE_ROOT/tests/e2e/lib.sh"

# expect_check LIBRARY PATTERN DESCRIPTION: exit 1 and a stdout line matching
# the regular expression PATTERN.
expect_check() {
    local out rc
    out=$("$BASIN" check "$1" 2>&1)
    rc=$?
    if [ "$rc" -ne 1 ]; then
        bad "$3: exit $rc, want 1: $out"
    elif ! grep -qE -- "$2" <<<"$out"; then
        bad "$3: no line matching '$2' in: $out"
    else
        ok "$3: $(grep -E -- "$2" <<<"$out" | head -1)"
    fi
}

expect_check "$FIXTURE_NONFINITE" '^FAIL scores/nonfinite finite: expected finite' \
    "NaN from a denoiser"
expect_check "$FIXTURE_WRONG_GRADIENT" \
    '^FAIL energies/wrong-gradient gradient: expected dE/dx = ' "a wrong gradient"
expect_check "$FIXTURE_COUNTER" \
    '^FAIL energies/counter deterministic: expected identical' \
    "an energy with a static call counter"
expect_check "$FIXTURE_BATCH_MEAN" '^FAIL embeddings/batch-mean rows-alone: expected' \
    "an embedding whose features depend on the batch"
expect_check "$FIXTURE_ANY_DIM" '^FAIL embeddings/any-dim dim-mismatch: expected BASIN_EINVAL' \
    "an embedding that takes rows of any dim"
expect_check "$FIXTURE_BAD_DEFAULT" \
    "^FAIL datasets/bad-default params: expected sane rows, saw parameter 'count'" \
    "a default outside its range"
expect_check "$FIXTURE_BAD_DEFAULT" \
    '^FAIL library registry: expected the host to accept' \
    "the registry refuses the bad default"
expect_check "$FIXTURE_DRIFT" \
    '^FAIL samplers/drift fixed-point-quadratic: expected the states to stay' \
    "a sampler that moves a fixed point"
expect_check "$FIXTURE_NO_RANGE" \
    '^FAIL datasets/no-range read-range: expected an error' \
    "a dataset that reads past its end"

# Each broken plugin fails only where it is broken: the counter energy's
# gradient and the NaN denoiser's sigma -> 0 limit still pass.
out=$("$BASIN" check "$FIXTURE_COUNTER")
check "the counter energy passes its gradient check" \
    grep -q '^PASS energies/counter gradient$' <<<"$out"
out=$("$BASIN" check "$FIXTURE_NONFINITE")
check "the NaN denoiser passes at sigma -> 0" \
    grep -q '^PASS scores/nonfinite small-sigma$' <<<"$out"

# Usage: help, and exit 2 with one line for what cannot be checked.
check "basin help check" eval '"$BASIN" help check | grep -q "usage: basin check"'
check "basin check --help" eval '"$BASIN" check --help | grep -q "usage: basin check"'
check "basin help lists check" eval '"$BASIN" help | grep -q "check LIBRARY"'
expect_fail 2 "check needs a plugin library" "no library" -- "$BASIN" check
expect_fail 2 "cannot be loaded" "a missing library" -- "$BASIN" check "$T/none.so"
echo "not a library" >"$T/text.so"
expect_fail 2 "cannot be loaded" "a file that is not a library" -- \
    "$BASIN" check "$T/text.so"
expect_fail 2 "unknown option '--bogus'" "an unknown option" -- \
    "$BASIN" check "$FIXTURE_DRIFT" --bogus
expect_fail 2 "names no parameter" "--set of an unknown key" -- \
    "$BASIN" check "$PLUGIN_DIR/energies/modern.so" --set energies/modern.bta=2
expect_fail 2 "0 is out of range" "--set out of range" -- \
    "$BASIN" check "$PLUGIN_DIR/datasets/sphere.so" --set datasets/sphere.count=0
expect_fail 2 "is not ID.KEY=VALUE" "--set without a key" -- \
    "$BASIN" check "$PLUGIN_DIR/datasets/sphere.so" --set count
expect_fail 2 "--dim '0' is not a whole number from 1 to 100000" "--dim 0" -- \
    "$BASIN" check "$PLUGIN_DIR/energies/modern.so" --dim 0
expect_fail 2 "--dim 'abc' is not a whole number" "--dim abc" -- \
    "$BASIN" check "$PLUGIN_DIR/energies/modern.so" --dim abc
expect_fail 2 "--dim '100001' is not a whole number" "--dim above 100000" -- \
    "$BASIN" check "$PLUGIN_DIR/energies/modern.so" --dim 100001
expect_fail 2 "option '--dim' needs a value" "--dim without N" -- \
    "$BASIN" check "$PLUGIN_DIR/energies/modern.so" --dim
expect_fail 2 "unknown option '--pretrain' (did you mean '--pretrained'?)" \
    "an abbreviated option, with the option it may mean" -- \
    "$BASIN" check "$PLUGIN_DIR/energies/modern.so" --pretrain
expect_fail 2 "check takes one library; 'extra.so' is a second" "two libraries" -- \
    "$BASIN" check "$PLUGIN_DIR/energies/modern.so" extra.so
# GNU forms: --opt=value, options after the operand, clustered flags, --.
out=$("$BASIN" check --set=energies/modern.beta=2 --dim=3 -vv -- \
    "$PLUGIN_DIR/energies/modern.so")
check "--set=..., --dim=N, -vv and -- are accepted" \
    grep -q '^PASS energies/modern gradient$' <<<"$out"
# The broken plugins stay broken at another dimension.
out=$("$BASIN" check "$FIXTURE_WRONG_GRADIENT" --dim 40)
check "a wrong gradient fails at --dim 40" \
    grep -q '^FAIL energies/wrong-gradient gradient: expected dE/dx' <<<"$out"
out=$("$BASIN" check "$FIXTURE_DRIFT" --dim 3)
check "a drifting sampler fails at --dim 3" \
    grep -q '^FAIL samplers/drift fixed-point-quadratic: expected' <<<"$out"
finish
