# measure.space: distances in an embedding's feature space. `basin run` and
# `basin measure` with space = "embeddings/pca" report d_m, d_2, d_s and d_h that
# NumPy computes independently from the same files (whitened principal components
# of the training set, distances normalized by sqrt(m)); the states stay in data
# space; bad spaces fail with one line.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
if ! $PY -c 'import numpy' 2>/dev/null; then
    echo "SKIP: /usr/bin/python3 has no numpy"
    exit 77
fi
cd "$T"
# Correlated Gaussian points in N = 6 (a random mixing matrix), so that whitening
# changes the distances: raw and feature-space d_m differ.
$PY - <<'PY'
import numpy as np
r = np.random.default_rng(1)
A = r.normal(size=(6, 6))
np.save("train.npy", (r.normal(size=(40, 6)) @ A).astype(np.float32))
np.save("held.npy", (r.normal(size=(30, 6)) @ A).astype(np.float32))
PY
cat >space.toml <<'TOML'
name = "space"
seed = 5
[dataset]
plugin = "datasets/npy"
path = "train.npy"
heldout_path = "held.npy"
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddpm"
steps = 40
[init]
kind = "noise"
count = 30
[measure]
rule = "pham"
space = "embeddings/pca"
[space]
components = 6
TOML

# reference.py SAMPLES RECORDS R WHITEN: the worst |basin - numpy| over d_m, d_2,
# d_s, d_h and the nearest index mismatches. NumPy: mean and covariance (1/K) of
# the training set, eigh, top R components, each eigenvector's largest entry made
# positive, divided by sqrt(lambda) when whitened; distances ||f(x) - f(y)||/sqrt(R).
cat >reference.py <<'PY'
import csv, sys
import numpy as np
samples, records, r, whiten = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
X = np.load("train.npy").astype(np.float64)
H = np.load("held.npy").astype(np.float64)
S = np.load(samples).astype(np.float64)
mu = X.mean(0)
lam, V = np.linalg.eigh((X - mu).T @ (X - mu) / len(X))
lam, V = lam[::-1][:r], V[:, ::-1][:, :r]
for k in range(r):
    if V[np.argmax(np.abs(V[:, k])), k] < 0:
        V[:, k] *= -1
W = V / np.sqrt(lam) if whiten else V
f = lambda Z: (Z - mu) @ W
fx, fs, fh = f(X), f(S), f(H)
def dists(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) / r)
dt, ds, dh = dists(fs, fx), dists(fs, fs), dists(fs, fh)
np.fill_diagonal(ds, np.inf)
srt = np.sort(dt, 1)
rows = list(csv.DictReader(open(records)))
worst, wrong = 0.0, 0
for i, row in enumerate(rows):
    want = [srt[i, 0], srt[i, 1], ds[i].min(), dh[i].min()]
    got = [float(row[k]) for k in ("d_m", "d_2", "d_s", "d_h")]
    worst = max(worst, max(abs(a - b) for a, b in zip(got, want)))
    wrong += int(row["nearest"]) != int(np.argmin(dt[i]))
print(f"{worst:.3g} {wrong} {len(rows)}")
PY

# 1. basin run: every distance within 1e-5 of NumPy's (float32 features and
# states, distances of order 1: float rounding ~1e-6), the nearest index equal.
"$BASIN" run space.toml --out run --quiet --threads 2 || bad "run with a space"
read -r worst wrong n < <($PY reference.py run/samples.npy run/records.csv 6 1)
check "run: 30 records ($n)" [ "$n" = 30 ]
check "run: d_m, d_2, d_s, d_h in whitened PCA space match NumPy (worst $worst)" \
    num "$worst" '<' 1e-5
check "run: the nearest training point matches NumPy ($wrong wrong)" [ "$wrong" = 0 ]
check "run.toml records measure.space and its [space] parameters" \
    bash -c "grep -q '^space = \"embeddings/pca\"' run/run.toml &&
             sed -n '/^\\[space\\]/,/^\\[/p' run/run.toml | grep -q '^components = 6'"

# 2. Fewer components, not whitened (a sweep over [space] values is a sweep like
# any other): r = 3.
"$BASIN" run space.toml --out run3 --quiet --set space.components=3 \
    --set space.whiten=false || bad "run with r = 3, not whitened"
read -r worst wrong n < <($PY reference.py run3/samples.npy run3/records.csv 3 0)
check "run: r = 3 unwhitened projections match NumPy (worst $worst)" \
    num "$worst" '<' 1e-5

# 3. basin measure on the run's own samples: the same distances as the run (the
# same features, the same files), to the digits records.csv prints.
"$BASIN" measure --train train.npy --heldout held.npy --samples run/samples.npy \
    --rule pham --space embeddings/pca --set space.components=6 --out meas --quiet ||
    bad "measure with --space"
same() { diff <(cut -d, -f10-14 run/records.csv) <(cut -d, -f10-14 meas/records.csv); }
check "measure --space gives the run's nearest, d_m, d_2, d_s, d_h" same
read -r worst wrong n < <($PY reference.py run/samples.npy meas/records.csv 6 1)
check "measure: distances match NumPy (worst $worst)" num "$worst" '<' 1e-5

# 4. The states stay in data space: the same run without a space writes the same
# samples.npy (same seed), while its distances differ.
sed '/^space = /,$d' space.toml >raw.toml
"$BASIN" run raw.toml --out raw --quiet || bad "raw run"
check "samples.npy does not depend on the space" cmp -s run/samples.npy raw/samples.npy
check "raw distances differ from feature-space ones" \
    bash -c "! diff -q <(cut -d, -f14 run/records.csv) <(cut -d, -f14 raw/records.csv) >/dev/null"

# 5. Bad spaces: one line, exit 2.
expect_fail 2 "unknown plugin 'embeddings/pcaa' (did you mean 'embeddings/pca'?)" \
    "a misspelt space is refused with a suggestion" -- \
    "$BASIN" run space.toml --out bad --set measure.space=embeddings/pcaa
expect_fail 2 "'scores/empirical' is a score plugin (basin.score/1), but measure.space needs an embedding" \
    "a plugin of another kind is refused" -- \
    "$BASIN" run space.toml --out bad --set measure.space=scores/empirical
expect_fail 2 "space.componets: unknown key (did you mean 'components'?)" \
    "a misspelt [space] key is refused with a suggestion" -- \
    "$BASIN" run space.toml --out bad --set space.componets=2
expect_fail 2 "[space] sets components, but measure.space is \"raw\"" \
    "[space] without a space is refused" -- \
    "$BASIN" run space.toml --out bad --set measure.space=raw --set space.components=2
expect_fail 2 "name the embedding with [measure] space" \
    "[space] names no plugin of its own" -- \
    "$BASIN" run space.toml --out bad --set space.plugin=embeddings/pca
expect_fail 2 "measure.space: one space per recipe" "measure.space is not swept" -- \
    "$BASIN" run space.toml --out bad --set 'measure.space=["raw", "embeddings/pca"]'
expect_fail 2 "unknown plugin 'embeddings/pcaa' (did you mean 'embeddings/pca'?)" \
    "measure --space: a misspelt space is refused with a suggestion" -- \
    "$BASIN" measure --train train.npy --samples run/samples.npy --space embeddings/pcaa
expect_fail 2 "--set space.compnents: embeddings/pca has no such parameter (did you mean 'components'?)" \
    "measure: a misspelt space parameter is refused with a suggestion" -- \
    "$BASIN" measure --train train.npy --samples run/samples.npy --space embeddings/pca \
    --set space.compnents=3
cat >binary.toml <<'TOML'
[dataset]
plugin = "datasets/binary-patterns"
dim = 50
count = 3
[model]
plugin = "energies/hopfield"
[sampler]
plugin = "samplers/hopfield"
[init]
count = 4
[measure]
space = "embeddings/pca"
TOML
expect_fail 2 "a space needs the pham or ratio rule" \
    "the overlap rule of binary data refuses a space" -- \
    "$BASIN" run binary.toml --out bad
finish
