# basin measure on .npy files made by numpy: copies of training points are all
# memorized, fresh draws from the data law all generalized, block size changes
# nothing, and every bad input is one line, exit 2, and no output.
. "$SOURCE_ROOT/tests/e2e/lib.sh"

PY=/usr/bin/python3
if ! $PY -c 'import numpy' 2>/dev/null; then
    echo "SKIP: /usr/bin/python3 has no numpy"
    exit 77
fi
cd "$T"
$PY - <<'PY'
import numpy as np
rng = np.random.default_rng(7)
train = rng.standard_normal((300, 16)).astype(np.float32)
np.save("train.npy", train)
np.save("copies.npy", train[::2].astype(np.float64))          # 150 training points
np.save("fresh.npy", rng.standard_normal((400, 16)).astype(np.float32))
np.save("heldout.npy", rng.standard_normal((1000, 16)).astype(np.float32))
np.save("short.npy", rng.standard_normal((100, 16)).astype(np.float32))
near = train[:60] + 0.01 * rng.standard_normal((60, 16)).astype(np.float32)
np.save("near.npy", near.astype(np.float32))
np.save("images.npy", rng.standard_normal((5, 4, 4)).astype(np.float32))
np.save("wrong_dim.npy", rng.standard_normal((10, 15)).astype(np.float32))
x = train[:10].copy(); x[3, 5] = np.nan; np.save("nan.npy", x)
np.save("complex.npy", np.zeros((4, 16), dtype=np.complex64))
np.save("fortran.npy", np.asfortranarray(train[:8]))
pat = np.sign(rng.standard_normal((40, 200))).astype(np.float32)
np.save("patterns.npy", pat)
flip = pat[:20].copy(); flip[:, :4] *= -1                    # m = 1 - 2*4/200 = 0.96
np.save("retrieved.npy", flip)
PY
head -c 200 train.npy >truncated.npy
printf 'not a numpy file at all' >garbage.npy

"$BASIN" measure --train train.npy --samples copies.npy --out copies --quiet
check "copies of training points: all memorized" \
    num "$(first copies/summary.csv memorized_rate)" '==' 1
check "copies of training points: d_m = 0 exactly (recomputed in double)" \
    num "$(first copies/summary.csv d_m_mean)" '==' 0
check "copies: sample i is training point 2i" \
    [ "$(awk -F, 'NR > 1 && $10 != 2 * $4 { bad++ } END { print bad + 0 }' copies/records.csv)" -eq 0 ]

# Fresh draws: in N = 16 the nearest of K = 300 standard normal points lies at
# d_m ≈ 0.8. The thresholds are calibrated from the 1000 held-out draws at
# quantile 0.01 (docs/science.md), so a fresh draw is called memorized,
# spurious and off_support each at about 1 %: generalized ≈ 0.97 (0.955 to 0.98
# over seeds 1-8 when this test was written), memorized ≈ 0.01.
"$BASIN" measure --train train.npy --samples fresh.npy --heldout heldout.npy \
    --out fresh --quiet
check "fresh draws from the law: >= 95 % generalized" \
    num "$(first fresh/summary.csv generalized_rate)" '>=' 0.95
check "fresh draws from the law: <= 5 % memorized" \
    num "$(first fresh/summary.csv memorized_rate)" '<=' 0.05
mindm=$(awk -F, 'NR > 1 && (m == "" || $11 < m) { m = $11 } END { print m }' fresh/records.csv)
check "fresh draws: smallest d_m ($mindm) far above zero" num "$mindm" '>' 0.3
check "fresh draws: delta_m calibrated near the held-out d_m's 1 % quantile" \
    num "$(first fresh/summary.csv delta_m)" '>' 0.3
check "fresh draws: the support judged from the held-out set" \
    [ "$(first fresh/summary.csv support)" = heldout ]
check "fresh draws: d_h is reported with a held-out set" \
    [ "$(awk -F, 'NR == 2 { print $14 }' fresh/records.csv)" != nan ]
check "records.csv has the run's distance layout" \
    [ "$(head -1 fresh/records.csv)" = "job,point,repeat,sample,start,class,converged,steps,energy,nearest,d_m,d_2,d_s,d_h,d_law,t_collapse,t_collapse_ou,d_pair,cos_pair,cluster" ]
check "summary.csv has the run's distance columns" \
    grep -q '^memorized_rate,.*,d_m_mean,t_collapse,t_collapse_se,t_collapse_theory,t_speciation,theory,pair_distance,pair_cosine,support,quantile,delta_m,delta_s,delta_h,spurious_clusters,spurious_cluster_size,samples,seconds$' fresh/summary.csv
check "run.toml names the inputs and the rule" \
    bash -c "grep -q 'train = \".*train.npy\"' fresh/run.toml && grep -q 'rule = \"pham\"' fresh/run.toml"

# Streaming: blocks of 7 rows (many partial blocks, d_s across blocks) give the
# same records as one block.
"$BASIN" measure --train train.npy --samples fresh.npy --heldout heldout.npy \
    --out fresh7 --chunk 7 --quiet
check "--chunk 7 gives byte-identical records.csv" cmp -s fresh/records.csv fresh7/records.csv

# Near copies (noise 0.01 per coordinate: d_m ≈ 0.01) under the ratio rule.
"$BASIN" measure --train train.npy --samples near.npy --rule ratio --out near --quiet
check "near copies: memorized by the ratio rule" \
    num "$(first near/summary.csv memorized_rate)" '==' 1
"$BASIN" measure --train train.npy --samples near.npy --set measure.delta_m=0.001 \
    --out strict --quiet
check "near copies: not memorized with delta_m = 0.001" \
    num "$(first strict/summary.csv memorized_rate)" '==' 0

# ±1 data: auto picks the overlap rule; 4 of 200 spins flipped gives m = 0.96.
"$BASIN" measure --train patterns.npy --samples retrieved.npy --out bin --quiet
check "±1 training data: rule auto is overlap" grep -q 'rule = "overlap"' bin/run.toml
check "retrieved patterns (m = 0.96 >= 0.95): all memorized" \
    num "$(first bin/summary.csv memorized_rate)" '==' 1
check "overlap m1 is 0.96" num "$(first bin/records.csv m1)" '==' 0.96
for f in fresh/records.csv fresh/summary.csv bin/records.csv bin/summary.csv; do
    check "$f: every row has the header's field count" \
        [ "$(awk -F, 'NR == 1 { n = NF } NF != n { bad++ } END { print bad + 0 }' "$f")" -eq 0 ]
done

# Bad input: one line naming the file, exit 2, nothing written.
expect_fail 2 "missing.npy: cannot open" "missing file" -- \
    "$BASIN" measure --train missing.npy --samples fresh.npy --out bad
expect_fail 2 "wrong_dim.npy: rows of 15 values, but the training set train.npy has 16" \
    "dimension mismatch" -- "$BASIN" measure --train train.npy --samples wrong_dim.npy --out bad
expect_fail 2 "wrong_dim.npy: rows of 15 values" \
    "4x4 image samples are rows of 16; a held-out set of 15 is refused" -- \
    "$BASIN" measure --train train.npy --samples images.npy --heldout wrong_dim.npy --out bad
expect_fail 2 "nan.npy: row 3, column 5 is NaN" "NaN in the samples" -- \
    "$BASIN" measure --train train.npy --samples nan.npy --out bad
expect_fail 2 "nan.npy: row 3, column 5 is NaN" "NaN in the training set" -- \
    "$BASIN" measure --train nan.npy --samples fresh.npy --out bad
expect_fail 2 "truncated.npy: truncated" "truncated file" -- \
    "$BASIN" measure --train truncated.npy --samples fresh.npy --out bad
expect_fail 2 "garbage.npy: not a .npy file" "not an npy file" -- \
    "$BASIN" measure --train train.npy --samples garbage.npy --out bad
expect_fail 2 "complex.npy: unsupported dtype '<c8'" "a complex dtype" -- \
    "$BASIN" measure --train train.npy --samples complex.npy --out bad
expect_fail 2 "fortran.npy: Fortran order" "Fortran order" -- \
    "$BASIN" measure --train train.npy --samples fortran.npy --out bad
expect_fail 2 "needs --train and --samples" "missing --samples" -- \
    "$BASIN" measure --train train.npy --out bad
expect_fail 2 "measure.clones: needs trajectories" "a trajectory measure" -- \
    "$BASIN" measure --train train.npy --samples fresh.npy --set measure.clones=3 --out bad
expect_fail 2 "measure.delta_s = \"auto\" calibrates from held-out subsets of as many points as samples (n = 400), but the held-out split (--heldout) has 100" \
    "auto delta_s with fewer held-out points than samples" -- \
    "$BASIN" measure --train train.npy --samples fresh.npy --heldout short.npy --out bad
check "no bad input left an output folder" [ ! -e bad ]
# No held-out points: "auto" falls back to 0.1 with a warning, and the support
# is not judged (summary.csv says so).
"$BASIN" measure --train train.npy --samples fresh.npy --out nohold --quiet 2>warn.txt
check "no --heldout: the fallback is announced" grep -q 'no held-out points were given (--heldout)' warn.txt
check "no --heldout: support = none" [ "$(first nohold/summary.csv support)" = none ]
check "no --heldout: off_support_rate is nan" [ "$(first nohold/summary.csv off_support_rate)" = nan ]
check "no --heldout: delta_m falls back to 0.1" num "$(first nohold/summary.csv delta_m)" '==' 0.1
# A failure over an earlier result keeps the earlier files as they were.
cp fresh/records.csv before.csv
"$BASIN" measure --train train.npy --samples nan.npy --out fresh 2>/dev/null
check "a failed measure leaves the previous results untouched" cmp -s before.csv fresh/records.csv
check "and leaves no temporary file" \
    [ -z "$(ls -A fresh | grep '^\.' | grep -vx '\.basin-results'; ls -A | grep -F .fresh.basin-)" ]
finish
