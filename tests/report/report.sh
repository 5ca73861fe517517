#!/bin/bash
# `basin report` on a small Hopfield run, an energy landscape (the circle toy), a
# small diffusion run on 8×8 images with
# the disjoint-sets test, and a tiny scores/mlp run (training.csv): every promised
# figure is a valid SVG/PNG of the expected size, the sample grid's
# pixels are the samples and their nearest training images, a missing gnuplot
# still gives the page and the data, and broken results folders give one clear
# line, exit 2 and write nothing.
set -u
PY=/usr/bin/python3
CHECK="$SOURCE_ROOT/tests/report/check_report.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# --- a Hopfield run: rates only (binary patterns are not images)
"$BASIN" run "$SOURCE_ROOT/recipes/quickstart.toml" --out "$T/hop" --quiet \
    --set init.count=20 --set output.report=true || fail "hopfield run"
# One swept parameter (dataset.load): one 560×400 panel.
$PY "$CHECK" figures "$T/hop" rates=560x400 || fail "hopfield figures"
[ -f "$T/hop/report.html" ] || fail "no report.html"
for f in collapse.svg phi.svg samples.png landscape.svg pairs.svg training.svg; do
    [ ! -e "$T/hop/$f" ] || fail "hopfield report has $f, which it does not promise"
done
grep -q '<img src="rates.svg" width="560" height="400"' "$T/hop/report.html" ||
    fail "report.html does not show rates.svg"
grep -q 'name = &quot;quickstart&quot;' "$T/hop/report.html" || fail "no recipe on the page"
grep -q 'energies/hopfield' "$T/hop/report.html" || fail "no plugin versions"
if grep -qi '<script\|http://\|https://' "$T/hop/report.html"; then
    fail "report.html has a script or a network address"
fi

# --- an energy landscape (recipes/circle-attractors.toml at K = 2 and 1000):
# attractor counts, basin radii and curvature by class, three 560×400 panels
"$BASIN" run "$SOURCE_ROOT/recipes/circle-attractors.toml" --out "$T/land" --quiet \
    --set 'dataset.count=[2,1000]' --set init.count=100 --set output.report=true ||
    fail "landscape run"
$PY "$CHECK" figures "$T/land" rates=560x400 landscape=1680x400 ||
    fail "landscape figures"
grep -q '<img src="landscape.svg" width="1680" height="400"' "$T/land/report.html" ||
    fail "report.html does not show landscape.svg"
# The plotted counts per class are summary.csv's means per job.
want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { print $1, $h["attractors_memorized"] + 0, $h["attractors_spurious"] + 0,
            $h["attractors_generalized"] + 0 }' "$T/land/summary.csv")
have=$(awk '!/^#/ && NF >= 4 { print $1, $2 + 0, $3 + 0, $4 + 0 }' "$T/land/landscape.dat")
[ -n "$want" ] && [ "$want" = "$have" ] ||
    fail "landscape.dat counts '$have' are not summary.csv's '$want'"

# --- a diffusion run on 8×8 images (datasets/npy), with collapse times and clones
$PY -c "
import numpy as np
rng = np.random.default_rng(0)
np.save('$T/train.npy', rng.uniform(-1, 1, (6, 8, 8)).astype(np.float32))
np.save('$T/held.npy', rng.uniform(-1, 1, (6, 8, 8)).astype(np.float32))
"
cat > "$T/diff.toml" <<TOML
name = "tiny-diffusion"
seed = 3
[dataset]
plugin = "datasets/npy"
path = "$T/train.npy"
heldout_path = "$T/held.npy"
heldout = 6
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddim"
steps = 20
eta = 1          # clones need noise: a deterministic sampler's are not run
[schedule]
name = "ddpm-linear"
t_min = [0.001, 0.3, 0.6]
[init]
kind = "noise"
count = 16
[measure]
rule = "pham"
delta_m = 0.1    # absolute: 6 held-out images are too few to calibrate 16 samples
delta_s = 0.1
collapse = true
clones = 4
disjoint = true
[output]
report = true
TOML
"$BASIN" run "$T/diff.toml" --out "$T/diff" --quiet || fail "diffusion run"
# rates: one panel; collapse and phi: one panel and room for the key below it;
# pairs: two panels (distance, cosine) and their keys above; distances: two
# histograms and one key above both.
$PY "$CHECK" figures "$T/diff" rates=560x400 collapse=660x432 phi=660x454 \
    pairs=1120x432 distances=1120x432 || fail "diffusion figures"
$PY "$CHECK" pairs "$T/diff" || fail "pairs.dat"
$PY "$CHECK" distances "$T/diff" || fail "distances.dat"
$PY "$CHECK" table "$T/diff" || fail "summary table"
# The swept parameter by its name: schedule.t_min is "end time t_min".
grep -q "^set xlabel 'end time t_min'" "$T/diff/rates.gp" || fail "rates x label"
[ ! -e "$T/diff/scatter.svg" ] || fail "a scatter of 64-dimensional data"
grep -q '<img src="pairs.svg" width="1120" height="432"' "$T/diff/report.html" ||
    fail "report.html does not show pairs.svg"
grep -q 'generalizing models agree' "$T/diff/report.html" || fail "no pairs caption"
[ ! -e "$T/diff/training.svg" ] || fail "training.svg without training.csv"
$PY "$CHECK" grid "$T/diff" "$T/train.npy" || fail "sample grid"
read -r W H < <($PY -c "
import struct; d = open('$T/diff/samples.png', 'rb').read(24)
print(*struct.unpack('>II', d[16:24]))")
grep -q "<img src=\"samples.png\" width=\"$W\" height=\"$H\"" "$T/diff/report.html" ||
    fail "report.html does not show samples.png at its size ${W}x$H"
# --job picks the grid's job: every tile from job 2, its values in the caption.
cp -r "$T/diff" "$T/diff-job"
"$BASIN" report "$T/diff-job" --job schedule.t_min=0.6 --quiet || fail "report --job"
jobs=$(awk -F, 'NR > 1 { print $3 }' "$T/diff-job/samples-grid.csv" | sort -u)
[ "$jobs" = 2 ] || fail "samples-grid.csv shows jobs '$jobs', expected 2"
grep -q 'Job 2 (end time t_min = 0.6): each generated sample' "$T/diff-job/report.html" ||
    fail "the grid's caption does not name job 2's values"
$PY "$CHECK" grid "$T/diff-job" "$T/train.npy" || fail "sample grid of job 2"

# --- a tiny scores/mlp run (training.csv), with the disjoint-sets test: a loss
# curve per job and a second, dashed one for the model trained on held-out points
cat > "$T/mlp.toml" <<TOML
name = "tiny-mlp"
seed = 3
[dataset]
plugin = "datasets/hidden-manifold"
dim = 16
alpha_d = 0.25
count = [4, 40]
heldout = 40
[model]
plugin = "scores/mlp"
width = 16
depth = 1
steps = 50
batch = 32
[sampler]
plugin = "samplers/heun"
steps = 10
[schedule]
name = "edm"
[init]
kind = "noise"
count = 20
[measure]
rule = "ratio"
disjoint = true
[output]
report = true
TOML
"$BASIN" run "$T/mlp.toml" --out "$T/mlp" --quiet --threads 1 || fail "mlp run"
# training: one panel and room for the legend (2 jobs).
$PY "$CHECK" figures "$T/mlp" rates=560x400 pairs=1120x432 training=820x400 distances=1120x432 ||
    fail "mlp figures"
$PY "$CHECK" pairs "$T/mlp" || fail "mlp pairs.dat"
$PY "$CHECK" training "$T/mlp" || fail "training.dat"
grep -q '<img src="training.svg" width="820" height="400"' "$T/mlp/report.html" ||
    fail "report.html does not show training.svg"
grep -q 'The training loss reported' "$T/mlp/report.html" || fail "no training caption"
: the page, data and scripts, and a note of what was skipped
cp -r "$T/diff" "$T/nognu"
BASIN_GNUPLOT=/nonexistent/gnuplot "$BASIN" report "$T/nognu" > "$T/out" 2> "$T/err" ||
    fail "report without gnuplot failed"
# The count says what was drawn and what was skipped.
grep -qx "report: $T/nognu/report.html (1 figure; skipped: rates, distances, pairs, collapse, phi)" \
    "$T/out" || fail "figure count: $(cat "$T/out")"
grep -q "skipped rates: gnuplot not found" "$T/err" || fail "no skip message: $(cat "$T/err")"
grep -q "gnuplot not found" "$T/nognu/report.html" || fail "page does not say why"
for f in rates.gp rates.dat collapse.gp phi.dat pairs.gp pairs.dat samples.png \
    report.html; do
    [ -s "$T/nognu/$f" ] || fail "without gnuplot, $f is missing"
done
for f in rates.svg rates.png rates.pdf collapse.svg phi.png pairs.svg pairs.png \
    distances.pdf; do
    [ ! -e "$T/nognu/$f" ] || fail "without gnuplot, a stale $f was kept"
done

# --- 2-D data: a scatter of one job's samples by class over the training
# points, chosen by --job; labels from the recipe's [labels] and basin's names
cat > "$T/mix.toml" <<TOML
name = "mixture-2d"
seed = 3
[dataset]
plugin = "datasets/gaussian-mixture"
dim = 2
count = [10, 100]
heldout = 50
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddim"
steps = 10
eta = 1
[schedule]
name = "ddpm-linear"
t_min = [0.001, 0.3]
[init]
kind = "noise"
count = 30
[output]
report = false
[labels]
"schedule.t_min" = "stopping time"
TOML
"$BASIN" run "$T/mix.toml" --out "$T/mix" --quiet || fail "mixture run"
"$BASIN" report "$T/mix" --job dataset.count=100,schedule.t_min=0.3 > "$T/out" ||
    fail "report --job by values"
grep -qx "report: $T/mix/report.html (3 figures)" "$T/out" || fail "count: $(cat "$T/out")"
# Two panels (K = 10 and 100); scatter: one panel and its key.
$PY "$CHECK" figures "$T/mix" rates=1120x400 distances=1120x454 scatter=640x520 ||
    fail "mixture figures"
# Point 3 (K = 100, t_min = 0.3) is job 3: one job per point.
$PY "$CHECK" scatter "$T/mix" 3 || fail "scatter.dat"
$PY "$CHECK" distances "$T/mix" || fail "mixture distances.dat"
$PY "$CHECK" table "$T/mix" || fail "mixture summary table"
grep -q 'Job 3 (training set size K = 100, stopping time = 0.3)' "$T/mix/report.html" ||
    fail "the scatter's caption does not name job 3's values"
# x: the later of two axes of as many values; a panel per training set size.
grep -q "^set xlabel 'stopping time'" "$T/mix/rates.gp" || fail "mixture rates x label"
grep -q "^set title 'training set size K = 100'" "$T/mix/rates.gp" || fail "panel title"
grep -q '^"schedule.t_min" = "stopping time"' "$T/mix/run.toml" || fail "run.toml labels"
"$BASIN" report "$T/mix" --job 0 --quiet || fail "report --job 0"
$PY "$CHECK" scatter "$T/mix" 0 || fail "scatter.dat of job 0"
# Labels as a nested table, written back flat; a parameter without a name of
# basin's or the recipe's is named by its plugin doc's symbol ("m~, the ...").
cat > "$T/nested.toml" <<TOML
name = "nested-labels"
[dataset]
plugin = "datasets/gaussian-mixture"
dim = 2
count = 10
heldout = 20
mean_scale = [1, 2]
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddim"
steps = 5
[init]
kind = "noise"
count = 5
[output]
report = true
[labels.dataset]
count = "K (points)"
TOML
"$BASIN" run "$T/nested.toml" --out "$T/nested" --quiet || fail "nested labels run"
grep -q '^"dataset.count" = "K (points)"' "$T/nested/run.toml" || fail "nested labels"
grep -q "^set xlabel 'mean scale m~'" "$T/nested/rates.gp" ||
    fail "the doc symbol label: $(grep xlabel "$T/nested/rates.gp")"
# A label for a parameter the recipe does not have: one line, exit 2.
sed 's/^"schedule.t_min"/"schedule.tmin"/' "$T/mix.toml" > "$T/bad-label.toml"
out=$("$BASIN" run "$T/bad-label.toml" --out "$T/nolabel" 2>&1); rc=$?
[ "$rc" = 2 ] && printf '%s' "$out" | grep -q "labels.schedule.tmin: not a parameter" ||
    fail "bad label: exit $rc, '$out'"
# --job errors: one line, exit 2, the folder unchanged.
jobfail() { # WORDS ARGS...: basin report on $T/mix with ARGS
    local words=$1 before after out rc
    shift
    before=$(ls -l --time-style=+%s.%N "$T/mix" | md5sum)
    out=$("$BASIN" report "$T/mix" "$@" 2>&1); rc=$?
    after=$(ls -l --time-style=+%s.%N "$T/mix" | md5sum)
    [ "$rc" = 2 ] || fail "$*: exit $rc, expected 2 ($out)"
    [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "$*: not one line: $out"
    printf '%s' "$out" | grep -qF -e "$words" || fail "$*: '$out' does not say '$words'"
    [ "$before" = "$after" ] || fail "$*: the folder changed"
}
jobfail "--job 4: no such job (records.csv has jobs 0 to 3)" --job 4
jobfail "'dataset.dim' is not a swept parameter (the run sweeps dataset.count, schedule.t_min)" \
    --job dataset.dim=2
jobfail "no sweep point has dataset.count = 50 (dataset.count takes 10, 100)" \
    --job dataset.count=50
jobfail "expected a job number or swept values" --job dataset.count
jobfail "option '--job' needs a value" --job

# --- a folder `basin measure` wrote: rates and distances, no sweep
$PY -c "
import numpy as np
rng = np.random.default_rng(2)
np.save('$T/m-train.npy', rng.normal(size=(40, 3)).astype(np.float32))
np.save('$T/m-samples.npy', rng.normal(size=(25, 3)).astype(np.float32))
"
"$BASIN" measure --train "$T/m-train.npy" --samples "$T/m-samples.npy" --out "$T/meas" \
    --quiet || fail "basin measure"
"$BASIN" report "$T/meas" > "$T/out" || fail "report on a basin measure folder"
grep -qx "report: $T/meas/report.html (2 figures)" "$T/out" || fail "count: $(cat "$T/out")"
$PY "$CHECK" figures "$T/meas" rates=560x400 distances=1120x400 || fail "measure figures"
$PY "$CHECK" distances "$T/meas" || fail "measure distances.dat"
$PY "$CHECK" table "$T/meas" || fail "measure summary table"
grep -q 'classified against the training set' "$T/meas/report.html" ||
    fail "the page does not say where the samples came from"

# --- broken results folders: one line, exit 2, nothing written
broken() { # NAME EXPECTED-WORDS: run the report on $T/$1 and check
    local before after out rc
    before=$(ls -a "$T/$1" | md5sum)
    out=$("$BASIN" report "$T/$1" 2>&1); rc=$?
    after=$(ls -a "$T/$1" | md5sum)
    [ "$rc" = 2 ] || fail "$1: exit $rc, expected 2 ($out)"
    [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "$1: not one line: $out"
    printf '%s' "$out" | grep -q "$2" || fail "$1: '$out' does not say '$2'"
    [ "$before" = "$after" ] || fail "$1: the folder changed"
}
mk() { rm -rf "$T/$1"; mkdir "$T/$1"; cp "$T/diff"/{.basin-results,run.toml,summary.csv,records.csv,collapse.csv,spurious.csv,samples.npy} "$T/$1"; }
mk_mlp() {
    rm -rf "$T/$1"; mkdir "$T/$1"
    cp "$T/mlp"/{.basin-results,run.toml,summary.csv,records.csv,training.csv,spurious.csv,samples.npy} "$T/$1"
}
mk no-summary; rm "$T/no-summary/summary.csv"
broken no-summary "incomplete results folder: summary.csv is missing"
mk no-run; rm "$T/no-run/run.toml"
broken no-run "incomplete results folder: run.toml is missing"
mk short-summary; sed -i '$d' "$T/short-summary/summary.csv"
broken short-summary "summary.csv: 2 rows"
mk bad-rate; sed -i '2s/^0.001,1,/0.001,x,/' "$T/bad-rate/summary.csv"
broken bad-rate "memorized_rate is not a number"
mk ragged; sed -i '3s/,[^,]*$//' "$T/ragged/records.csv"
nf=$(head -1 "$T/ragged/records.csv" | awk -F, '{ print NF }')
broken ragged "records.csv:3: $((nf - 1)) fields, but the header has $nf"
mk truncated-records; sed -i '$d' "$T/truncated-records/records.csv"
broken truncated-records "records.csv: 47 rows"
mk truncated-npy; truncate -s -4 "$T/truncated-npy/samples.npy"
broken truncated-npy "samples.npy: truncated for shape"
mk f64-npy
$PY -c "import numpy as np; p = '$T/f64-npy/samples.npy'; np.save(p, np.load(p).astype('<f8'))"
broken f64-npy "samples.npy: float64, but a run writes float32"
mk bad-toml; echo "[dataset" >> "$T/bad-toml/run.toml"
broken bad-toml "run.toml"
mk no-columns; printf 'a,b\n1,2\n' > "$T/no-columns/collapse.csv"
broken no-columns "collapse.csv: no column 'clone'"
mk_mlp bad-step; sed -i '5s/,loss,[0-9]*,/,loss,x,/' "$T/bad-step/training.csv"
broken bad-step "training.csv:5: step is not a whole number"
mk_mlp bad-value; sed -i '7s/,[^,]*$/,abc/' "$T/bad-value/training.csv"
broken bad-value "training.csv:7: value is not a number"
mk_mlp bad-header; sed -i '1s/dataset.count/dataset.dim/' "$T/bad-header/training.csv"
broken bad-header "training.csv: the header is not job,point,repeat"
mk_mlp ragged-training; sed -i '9s/,[^,]*$//' "$T/ragged-training/training.csv"
broken ragged-training "training.csv:9: 7 fields, but the header has 8"
mk_mlp bad-model; sed -i '3s/,model,loss,/,other,loss,/' "$T/bad-model/training.csv"
broken bad-model "training.csv:3: role is 'other', not model or disjoint"
mk_mlp bad-pair; sed -i '3s/,[^,]*,\([^,]*\)$/,zz,\1/' "$T/bad-pair/records.csv"
broken bad-pair "records.csv:3: cos_pair is not a number"
out=$("$BASIN" report "$T/nowhere" 2>&1); rc=$?
[ "$rc" = 2 ] && printf '%s' "$out" | grep -q "not a results folder" ||
    fail "missing folder: exit $rc, '$out'"
[ ! -e "$T/nowhere" ] || fail "missing folder was created"
echo "report: all checks passed"
