# Models compared in one recipe (docs/recipes.md, "Comparing models"): [[model]]
# makes a sweep axis named model. A run of scores/empirical and scores/gaussian
# on Gaussian data equals, number for number, the two runs of each model alone
# (jobs that differ only in their model share their seed); labels; a bad entry
# gets one line naming it; the model axis survives a resume, shards and `basin
# merge`; trained models keep their own checkpoints.
. "$(dirname "$0")/lib.sh"
cd "$T"

# recipe FILE MODELS: the Gaussian recipe with MODELS (TOML text) as its model
# part. K = 20 and 50 points of N(0, diag(1, 1/2, 1/3, 1/4)), 2 repeats (two seeds
# per point), 40 DDIM samples per job.
recipe() {
    cat >"$1" <<TOML
name = "models"
seed = 11
repeats = 2
[dataset]
plugin = "datasets/gaussian"
dim = 4
count = [20, 50]
heldout = 200
$2
[sampler]
plugin = "samplers/ddim"
steps = 20
[schedule]
name = "ddpm-linear"
[init]
kind = "noise"
count = 40
[measure]
rule = "pham"
TOML
}
TWO='[[model]]
plugin = "scores/empirical"
[[model]]
plugin = "scores/gaussian"
label = "gaussian fit"'
recipe two.toml "$TWO"
recipe empirical.toml '[model]
plugin = "scores/empirical"'
recipe gaussian.toml '[model]
plugin = "scores/gaussian"'
"$BASIN" run two.toml --out two --quiet --threads 2
"$BASIN" run empirical.toml --out empirical --quiet --threads 1
"$BASIN" run gaussian.toml --out gaussian --quiet --threads 1

check "summary.csv's sweep columns are dataset.count, model" \
    grep -q '^dataset.count,model,memorized_rate,' two/summary.csv
labels=$(awk -F, 'NR > 1 { print $1 "/" $2 }' two/summary.csv | tr '\n' ' ')
check "a row per count and model, the model axis faster: $labels" \
    [ "$labels" = "20/scores/empirical 20/gaussian fit 50/scores/empirical 50/gaussian fit " ]
check "records.csv carries the model" \
    grep -q '^job,point,repeat,dataset.count,model,sample,' two/records.csv
check "8 jobs of 40 records" [ "$(grep -c ',scores/empirical,\|,gaussian fit,' two/records.csv)" -eq 320 ]

# only FOLDER LABEL: records.csv without job, point and model, the rows of LABEL
# (every row for a single-model folder).
only() {
    awk -F, -v m="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == "model") c = i; next }
        !c || $c == m { s = ""; for (i = 3; i <= NF; i++) if (i != c) s = s $i ","
                        print s }' "$1/records.csv"
}
# rates FOLDER LABEL: summary.csv's rate and distance columns of LABEL's rows.
rates() {
    awk -F, -v m="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) { h[i] = $i; if ($i == "model") c = i }; next }
        !c || $c == m { s = ""; for (i = 1; i <= NF; i++)
                            if (h[i] ~ /_rate|^d_m_mean$|^delta_/) s = s $i ","
                        print s }' "$1/summary.csv"
}
for m in empirical gaussian; do
    label=scores/empirical
    [ $m = gaussian ] && label="gaussian fit"
    check "[[model]] $label: records.csv equals the run of $m alone" \
        cmp -s <(only two "$label") <(only $m x)
    check "[[model]] $label: summary.csv's rates equal the run of $m alone" \
        cmp -s <(rates two "$label") <(rates $m x)
done
# The two models are really different (the check above would hold for a run
# that ignored the model): the empirical score memorizes every sample (its
# samples are training points), the fitted Gaussian almost none. 80 samples per
# point, so a rate of 0.9 or 0.1 is 7 binomial SE from 1 or 0.
for k in 20 50; do
    e=$(awk -F, -v k=$k '$1 == k && $2 == "scores/empirical" { print $3 }' two/summary.csv)
    g=$(awk -F, -v k=$k '$1 == k && $2 == "gaussian fit" { print $3 }' two/summary.csv)
    check "K = $k: memorized $e (empirical) > 0.9 > 0.1 > $g (gaussian fit)" \
        num "$e" '>' 0.9 && num "$g" '<' 0.1
done

# run.toml writes the entries back, labels included, and reruns to the same numbers.
check "run.toml has both [[model]] entries" [ "$(grep -c '^\[\[model\]\]$' two/run.toml)" -eq 2 ]
check "... with their labels" grep -q '^label = "gaussian fit"$' two/run.toml
"$BASIN" run two/run.toml --out again --quiet
check "run.toml reruns to the same records" cmp -s two/records.csv again/records.csv

# --- labels: the plugin id, made unique; an explicit label as given
recipe labels.toml '[[model]]
plugin = "scores/gaussian"
[[model]]
plugin = "scores/gaussian"
covariance = "diagonal"
[[model]]
plugin = "scores/empirical"
label = "K-point mixture"'
got=$("$BASIN" run labels.toml --dry-run | grep '^label = ' | tr '\n' ' ')
check "default labels are the plugin id made unique: $got" [ "$got" = \
    'label = "scores/gaussian" label = "scores/gaussian-2" label = "K-point mixture" ' ]

# --- a bad entry: one line that names it
entries() { recipe "$1.toml" "$2"; }
entries unknown '[[model]]
plugin = "scores/empirical"
[[model]]
plugin = "scores/gausian"'
expect_fail 2 "unknown.toml:12: [[model]] 2 of 2: model.plugin: unknown plugin 'scores/gausian' (did you mean 'scores/gaussian'?)" \
    "an unknown plugin in the second entry" -- "$BASIN" run unknown.toml --dry-run
entries key '[[model]]
plugin = "scores/gaussian"
covarance = "full"'
expect_fail 2 "key.toml:11: [[model]] 1 of 1: model.covarance: unknown key (did you mean 'covariance'?)" \
    "an unknown key" -- "$BASIN" run key.toml --dry-run
entries sweep '[[model]]
plugin = "scores/empirical"
[[model]]
plugin = "scores/gaussian"
covariance = ["full", "diagonal"]'
expect_fail 2 "[[model]] 2 of 2: model.covariance: a [[model]] entry takes one value per key" \
    "a sweep inside an entry" -- "$BASIN" run sweep.toml --dry-run
entries same '[[model]]
plugin = "scores/empirical"
label = "a"
[[model]]
plugin = "scores/gaussian"
label = "a"'
expect_fail 2 "[[model]] 2 of 2: model.label: 'a' labels [[model]] 1 already" \
    "a label twice" -- "$BASIN" run same.toml --dry-run
entries mixed '[[model]]
plugin = "scores/empirical"
[[model]]
plugin = "energies/hopfield"'
expect_fail 2 "[[model]] 2 of 2: model.plugin: energies/hopfield is an energy model, but [[model]] 1 (scores/empirical) is a score model" \
    "an energy beside a score model" -- "$BASIN" run mixed.toml --dry-run
entries number '[[model]]
plugin = "scores/empirical"
label = 3'
expect_fail 2 "[[model]] 1 of 1: model.label: expected a string, found integer" \
    "a label that is no string" -- "$BASIN" run number.toml --dry-run
recipe empty.toml ''
sed -i '1i model = []' empty.toml
expect_fail 2 "empty.toml:1: model: an empty list of models" \
    "an empty list" -- "$BASIN" run empty.toml --dry-run
sed -i '1s/.*/model = [{ plugin = "scores\/empirical" }, 7]/' empty.toml
expect_fail 2 "empty.toml:1: [[model]] 2 of 2: model: expected a model table, found integer" \
    "an entry that is no table" -- "$BASIN" run empty.toml --dry-run
expect_fail 2 "--set model.covariance: the recipe compares several models ([[model]])" \
    "--set into [[model]]" -- "$BASIN" run two.toml --dry-run --set model.covariance=full

# --- resume, shards and merge keep the model axis
strip() { awk -F, '{ $NF = ""; print }' "$1"; }
same() {
    cmp -s "$1/records.csv" "$2/records.csv" && cmp -s "$1/samples.npy" "$2/samples.npy" &&
        cmp -s <(strip "$1/summary.csv") <(strip "$2/summary.csv")
}
cp -r two resumed
rm resumed/jobs/1.part resumed/jobs/3.part resumed/jobs/6.part # 2 gaussian, 1 empirical
out=$("$BASIN" run two.toml --out resumed 2>&1 >/dev/null)
check "the rerun resumes with 5 of 8 jobs ($(head -1 <<<"$out"))" \
    grep -q "resuming with 5 of 8 jobs" <<<"$out"
check "... and gives the files of the whole run" same two resumed
"$BASIN" run two.toml --out sharded --shard 0/3 --quiet
"$BASIN" run two.toml --out sharded --shard 1/3 --quiet
"$BASIN" run two.toml --out sharded --shard 2/3 --quiet
"$BASIN" merge merged sharded.shards/0-of-3 sharded.shards/1-of-3 \
    sharded.shards/2-of-3 --quiet
check "3 shards merged give the files of the whole run" same two merged

# --- the report: one rates figure, a panel per model
"$BASIN" report two >/dev/null 2>report.err
check "basin report draws the comparison ($(cat report.err))" [ -s two/rates.svg ]
check "... with both models in its data" grep -q 'scores/empirical' two/rates.dat &&
    grep -q 'gaussian fit' two/rates.dat
check "... and the models figure, a curve per model" [ -s two/models.svg ] &&
    [ "$(grep -c '^# curve [01]: model = ' two/models.dat)" -eq 2 ]
# Its data are summary.csv's: the gaussian fit's curve (block 1) has, at K = 20
# and 50, the memorized rates of its rows.
want=$(awk -F, '$2 == "gaussian fit" { print $1, $3 }' two/summary.csv | tr '\n' ' ')
got=$(awk '/^# curve 1:/ { on = 1; next } /^# curve/ { on = 0 }
           on && NF > 2 { print $1, $2 }' two/models.dat | tr '\n' ' ')
check "... whose gaussian-fit curve is summary.csv's memorized rate ($got)" \
    [ -n "$got" ] && [ "$got" = "$want" ]

# --- trained models: every job trains its own, checkpoints never collide
recipe mlp.toml '[[model]]
plugin = "scores/mlp"
width = 16
steps = 20
batch = 16
checkpoint = "nets/{hash}.mlp"
[[model]]
plugin = "scores/mlp"
width = 24
steps = 20
batch = 16
checkpoint = "nets/{hash}.mlp"'
sed -i 's/^count = \[20, 50\]/count = 20/; s/^repeats = 2/repeats = 1/' mlp.toml
"$BASIN" run mlp.toml --out mlp --quiet
check "two trained models, two checkpoints" [ "$(ls nets | wc -l)" -eq 2 ]
check "training.csv: model then role columns" \
    grep -q '^job,point,repeat,model,role,name,step,value$' mlp/training.csv
curves=$(awk -F, 'NR > 1 { print $4 }' mlp/training.csv | sort -u | tr '\n' ' ')
check "a training curve per model ($curves)" [ "$curves" = "scores/mlp scores/mlp-2 " ]
"$BASIN" run mlp.toml --out mlp2 --quiet
check "a second run loads each model's own checkpoint: the same records" \
    cmp -s <(cut -d, -f4- mlp/records.csv) <(cut -d, -f4- mlp2/records.csv)
finish
