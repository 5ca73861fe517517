# The torchscript test: make the tiny models with PyTorch, then check basin's plugin
# against them. Skipped (exit 77, meson's code) when libtorch was not found at
# configure time or the Python interpreter has no torch.
# Environment: PLUGIN (the built torchscript.so, empty if not built), TEST (the
# test_torchscript program), PYTHON (default /usr/bin/python3, Debian's, with torch).
# Arguments: case names of the test program (meson test torchscript --test-args
# CASE); with them, only those cases run, not the basin check and basin run below.
set -u
PYTHON=${PYTHON:-/usr/bin/python3}
if [ -z "${PLUGIN:-}" ]; then
    echo "skipped: libtorch was not found when the build was configured"
    exit 77
fi
if ! "$PYTHON" -c 'import torch, numpy' 2>/dev/null; then
    echo "skipped: $PYTHON cannot import torch and numpy (Debian: python3-torch)"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$PYTHON" "$(dirname "$0")/make_models.py" "$T" || { echo "make_models.py failed"; exit 1; }
BASIN_TEST_TORCHSCRIPT="$PLUGIN" BASIN_TEST_TORCH_MODELS="$T" "$TEST" "$@"
rc=$?
[ "$rc" -eq 0 ] && [ "$#" -eq 0 ] && [ -n "${BASIN:-}" ] || exit "$rc"

# `basin check` on the plugin bound to gauss.pt, the exact denoiser of
# N(0, diag(1, 1/2, 1/3, 1/4)): a pretrained model of dimension 4 whose law is not
# the checker's training set. With --pretrained, large-sigma asks that x0_hat be
# the same for every x (the law's mean); small-sigma holds since the Gaussian's
# support is all of R^4. Without it, large-sigma fails and names --pretrained.
GAUSS=(--dim 4 --set "scores/torchscript.file=$T/gauss.pt"
       --set scores/torchscript.input=ve-sigma)
out=$("$BASIN" check "$PLUGIN" "${GAUSS[@]}" --pretrained 2>&1)
if ! [ $? -eq 0 ] || ! grep -qE '^[0-9]+ passed, 0 failed, 0 skipped$' <<<"$out"; then
    echo "FAIL: basin check --pretrained on gauss.pt: $(grep -v '^PASS' <<<"$out")"
    exit 1
fi
echo "ok: basin check --pretrained on gauss.pt: $(tail -1 <<<"$out")"
out=$("$BASIN" check "$PLUGIN" "${GAUSS[@]}" 2>&1)
if [ $? -ne 1 ] || ! grep -q '^FAIL scores/torchscript large-sigma: .*use --pretrained$' \
        <<<"$out"; then
    echo "FAIL: basin check without --pretrained on gauss.pt: $out"
    exit 1
fi
echo "ok: without --pretrained, large-sigma fails and points to --pretrained"
# A model whose x0_hat grows with x (mlp.pt: + 0.1 x) fails --pretrained's check.
out=$("$BASIN" check "$PLUGIN" --dim 6 --pretrained \
      --set "scores/torchscript.file=$T/mlp.pt" 2>&1)
if ! grep -q '^FAIL scores/torchscript large-sigma: expected x0_hat independent of x' \
        <<<"$out"; then
    echo "FAIL: basin check --pretrained on mlp.pt: $out"
    exit 1
fi
echo "ok: --pretrained large-sigma fails on a model that depends on x"

# End to end: `basin run` sampling with the exact denoiser of
# N(0, diag(1, 1/2, 1/3, 1/4)) written in PyTorch (gauss.pt, input = ve-sigma) and
# DDIM on ddpm-linear reproduces the law's variances. 4000 samples give a variance
# a relative standard error of √(2/4000) = 2.2%; 100 DDIM steps add about 1%
# (tests/e2e/diffusion.sh): 4 SE + 2% ≈ 12% relative.
cat >"$T/gauss.toml" <<TOML
name = "torchscript-gauss"
seed = 3
[dataset]
plugin = "datasets/gaussian"
dim = 4
count = 100
heldout = 0
spectrum = "power"
decay = 1
[model]
plugin = "scores/torchscript"
file = "$T/gauss.pt"
input = "ve-sigma"
[sampler]
plugin = "samplers/ddim"
steps = 100
[schedule]
name = "ddpm-linear"
[init]
kind = "noise"
count = 4000
[measure]
rule = "ratio"
TOML
if ! "$BASIN" run "$T/gauss.toml" --out "$T/gauss" --quiet --threads 2; then
    echo "FAIL: basin run with scores/torchscript"
    exit 1
fi
"$PYTHON" - "$T/gauss/samples.npy" <<'PY'
import sys
import numpy as np
v = np.load(sys.argv[1]).var(0)
worst = max(abs(v * np.arange(1, 5) - 1))
print("%s: sample variances %s, worst relative error %.4f (bound 0.12)"
      % ("ok" if worst < 0.12 else "FAIL", np.round(v, 4), worst))
sys.exit(0 if worst < 0.12 else 1)
PY
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"

# [schedule] from: a diffusers config whose prediction_type disagrees with the
# model's output is a warning naming both (basin keeps model.output); one that
# agrees is silent.
printf '{"beta_schedule": "linear", "prediction_type": "v_prediction"}' >"$T/vcfg.json"
printf '{"beta_schedule": "linear", "prediction_type": "sample"}' >"$T/xcfg.json"
sed 's|^name = "ddpm-linear"$|from = "vcfg.json"|' "$T/gauss.toml" >"$T/vfrom.toml"
out=$("$BASIN" run "$T/vfrom.toml" --dry-run 2>&1 >/dev/null)
if [ $? -ne 0 ] || ! grep -q 'warning: .*schedule.from: .*vcfg.json has prediction_type = "v_prediction" (output = "v"), but the model scores/torchscript has output = "denoiser": basin keeps the model.s output$' <<<"$out"; then
    echo "FAIL: schedule.from with prediction_type = v_prediction: '$out'"
    exit 1
fi
echo "ok: prediction_type v_prediction against output = denoiser warns: $out"
sed 's|^name = "ddpm-linear"$|from = "xcfg.json"|' "$T/gauss.toml" >"$T/xfrom.toml"
out=$("$BASIN" run "$T/xfrom.toml" --dry-run 2>&1 >/dev/null)
if [ $? -ne 0 ] || [ -n "$out" ]; then
    echo "FAIL: schedule.from with prediction_type = sample: '$out'"
    exit 1
fi
echo "ok: prediction_type sample with output = denoiser is silent"

# [[model]] (docs/recipes.md, "Comparing models"): the network of gauss.pt beside
# scores/empirical and scores/gaussian in one run. Its rows are those of the run
# above (jobs that differ only in their model share their seed); on the same
# 100 training points the empirical score memorizes (ratio rule: d_m/d_2 < 1/3)
# and the exact denoiser of the law does not: a fresh draw has d_m/d_2 < 1/3 with
# probability about (1/3)^4 = 0.012 in 4 dimensions, so 0.1 and 0.9 are 30
# binomial SE away at 4000 samples.
sed -e 's/^\[model\]$/[[model]]/' -e 's/^\[sampler\]$/[[model]]\nplugin = "scores\/empirical"\n[[model]]\nplugin = "scores\/gaussian"\n[sampler]/' \
    "$T/gauss.toml" >"$T/models.toml"
if ! "$BASIN" run "$T/models.toml" --out "$T/models" --quiet --threads 2; then
    echo "FAIL: basin run with [[model]] scores/torchscript, empirical, gaussian"
    exit 1
fi
rows() { # rows FOLDER [LABEL]: records.csv without job, point (and model), LABEL's
    awk -F, -v m="${2:-}" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "model") c = i; next }
        !c || $c == m { s = ""; for (i = 3; i <= NF; i++) if (i != c) s = s $i ","
                        print s }' "$1/records.csv"
}
if ! cmp -s <(rows "$T/gauss") <(rows "$T/models" scores/torchscript); then
    echo "FAIL: [[model]]: the network's records differ from its run alone"
    exit 1
fi
echo "ok: [[model]]: the network's 4000 records equal its run alone"
rates=$(awk -F, 'NR > 1 { printf "%s %s ", $1, $2 }' "$T/models/summary.csv")
if ! awk -v r="$rates" 'BEGIN { n = split(r, a, " ")
        for (i = 1; i < n; i += 2) m[a[i]] = a[i + 1]
        exit !(m["scores/torchscript"] < 0.1 && m["scores/gaussian"] < 0.1 &&
               m["scores/empirical"] > 0.9) }'; then
    echo "FAIL: [[model]]: memorized rates (model rate ...) $rates"
    exit 1
fi
echo "ok: [[model]]: memorized rates $rates(network and fitted Gaussian < 0.1 < 0.9 < empirical)"
[ -n "${EMBEDDING_PLUGIN:-}" ] || exit 0

# embeddings/torchscript: a traced feature network (tanh of a linear map, 6 -> 5)
# passes `basin check` (determinism across calls, instances and threads, rows
# independent of their batch), and as a run's measure.space its d_m equals the
# distances NumPy computes from PyTorch's own features of the same files.
"$PYTHON" - "$T" <<'PY'
import sys
import numpy as np
import torch
torch.manual_seed(0)
class Features(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(6, 5)
    def forward(self, x):
        return torch.tanh(self.linear(x))
torch.jit.trace(Features().eval(), torch.zeros(2, 6)).save(sys.argv[1] + "/features.pt")
r = np.random.default_rng(2)
np.save(sys.argv[1] + "/train.npy", r.normal(size=(30, 6)).astype(np.float32))
PY
out=$("$BASIN" check "$EMBEDDING_PLUGIN" --dim 6 \
      --set "embeddings/torchscript.file=$T/features.pt" 2>&1)
if ! [ $? -eq 0 ] || ! grep -qE '^[0-9]+ passed, 0 failed, 0 skipped$' <<<"$out"; then
    echo "FAIL: basin check on embeddings/torchscript: $(grep -v '^PASS' <<<"$out")"
    exit 1
fi
echo "ok: basin check on embeddings/torchscript: $(tail -1 <<<"$out")"
cat >"$T/space.toml" <<TOML
seed = 4
[dataset]
plugin = "datasets/npy"
path = "$T/train.npy"
[model]
plugin = "scores/gaussian"
[sampler]
plugin = "samplers/ddim"
steps = 20
[init]
kind = "noise"
count = 20
[measure]
rule = "pham"
space = "embeddings/torchscript"
[space]
file = "$T/features.pt"
TOML
if ! "$BASIN" run "$T/space.toml" --out "$T/space" --quiet; then
    echo "FAIL: basin run with measure.space = embeddings/torchscript"
    exit 1
fi
"$PYTHON" - "$T" <<'PY'
import csv, sys
import numpy as np
import torch
t = sys.argv[1]
f = torch.jit.load(t + "/features.pt")
with torch.no_grad():
    tr = f(torch.from_numpy(np.load(t + "/train.npy"))).double().numpy()
    s = f(torch.from_numpy(np.load(t + "/space/samples.npy"))).double().numpy()
d = np.sqrt(((s[:, None, :] - tr[None, :, :]) ** 2).sum(-1) / tr.shape[1]).min(1)
got = np.array([float(r["d_m"]) for r in csv.DictReader(open(t + "/space/records.csv"))])
worst = abs(got - d).max()
print("%s: d_m in the traced network's space against PyTorch + NumPy, worst %.2g "
      "(bound 1e-5)" % ("ok" if worst < 1e-5 else "FAIL", worst))
sys.exit(0 if worst < 1e-5 else 1)
PY
