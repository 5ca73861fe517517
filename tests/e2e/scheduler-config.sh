# [schedule] from = "scheduler_config.json" (docs/recipes.md, "Schedules from
# diffusers"): a diffusers scheduler config of each beta_schedule gives the run
# of the recipe written by hand, bit for bit; keys beside `from` win; bad files
# are one line and exit 2.
. "$(dirname "$0")/lib.sh"

# recipe SCHEDULE_LINES: a small diffusion run (the empirical score of 20 Gaussian
# points in 4 dimensions, DDPM with fresh noise, so the β range matters).
recipe() {
    cat <<TOML
name = "s"
seed = 5
[dataset]
plugin = "datasets/gaussian"
dim = 4
count = 20
heldout = 0
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddpm"
steps = 20
[init]
kind = "noise"
count = 16
[schedule]
$1
TOML
}
mkdir "$T/cfg"
cat >"$T/cfg/linear.json" <<'JSON'
{"_class_name": "DDPMScheduler", "_diffusers_version": "0.21.0", "beta_end": 0.015,
 "beta_schedule": "linear", "beta_start": 0.0002, "clip_sample": true,
 "num_train_timesteps": 1000, "prediction_type": "epsilon", "trained_betas": null,
 "variance_type": "fixed_small", "timestep_spacing": "leading"}
JSON
cat >"$T/cfg/scaled.json" <<'JSON'
{"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
 "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
 "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1,
 "trained_betas": null, "clip_sample": false}
JSON
cat >"$T/cfg/cosine.json" <<'JSON'
{"_class_name": "DDIMScheduler", "beta_schedule": "squaredcos_cap_v2",
 "beta_start": 0.0001, "beta_end": 0.02, "prediction_type": "v_prediction"}
JSON
# Same CASE FROM_LINES HAND_LINES: the run with `from` (a path relative to the
# recipe's folder, run from elsewhere) equals the hand-written one.
same() {
    recipe "$2" >"$T/cfg/$1-from.toml"
    recipe "$3" >"$T/$1-hand.toml"
    (cd / && "$BASIN" run "$T/cfg/$1-from.toml" --out "$T/$1-from" --quiet) &&
        "$BASIN" run "$T/$1-hand.toml" --out "$T/$1-hand" --quiet
    check "$1: the run from the config equals the recipe by hand" \
        cmp -s "$T/$1-from/samples.npy" "$T/$1-hand/samples.npy"
}
same linear 'from = "linear.json"' \
    $'name = "ddpm-linear"\nbeta_start = 0.0002\nbeta_end = 0.015'
same scaled 'from = "scaled.json"' \
    $'name = "ddpm-scaled-linear"\nbeta_start = 0.00085\nbeta_end = 0.012'
same cosine 'from = "cosine.json"' 'name = "cosine"'
same override $'from = "scaled.json"\nbeta_end = 0.02' \
    $'name = "ddpm-scaled-linear"\nbeta_start = 0.00085\nbeta_end = 0.02'
# The three schedules differ, so equal samples above say which one ran.
check "linear, scaled_linear and cosine give different samples" \
    eval '! cmp -s "$T/linear-hand/samples.npy" "$T/scaled-hand/samples.npy" &&
          ! cmp -s "$T/scaled-hand/samples.npy" "$T/cosine-hand/samples.npy"'
check "run.toml records the file and the values it gave" \
    grep -qx "from = \"$T/cfg/scaled.json\"" "$T/scaled-from/run.toml"
check "run.toml: name from the file" \
    grep -qx 'name = "ddpm-scaled-linear"' "$T/scaled-from/run.toml"

# Bad files: one line naming the recipe line, the key and the file; exit 2.
bad_cfg() { # bad_cfg NAME TEXT PATTERN
    printf '%s' "$2" >"$T/cfg/$1.json"
    recipe "from = \"$1.json\"" >"$T/cfg/$1.toml"
    expect_fail 2 "$3" "$1" -- "$BASIN" run "$T/cfg/$1.toml" --out "$T/fail" --quiet
}
bad_cfg notjson 'beta_schedule: linear' \
    "notjson.toml:17: schedule.from: $T/cfg/notjson.json: not a JSON scheduler config: expected '{'"
bad_cfg sigmoid '{"beta_schedule": "sigmoid"}' \
    "sigmoid.json: beta_schedule = \"sigmoid\" is not linear, scaled_linear or squaredcos_cap_v2"
bad_cfg steps '{"num_train_timesteps": 4000}' \
    "steps.json: num_train_timesteps = 4000: basin's ddpm schedules have 1000 steps"
bad_cfg prediction '{"prediction_type": "flow"}' \
    "prediction.json: prediction_type = \"flow\" is not epsilon, v_prediction or sample"
bad_cfg betas '{"trained_betas": [0.1, 0.2]}' \
    "betas.json: trained_betas is an array: basin takes no table of betas"
bad_cfg range '{"beta_start": 0.02, "beta_end": 0.01}' \
    "range.json: beta_start = 0.02, beta_end = 0.01: want 0 < beta_start < beta_end < 1"
bad_cfg truncated '{"beta_schedule": "linear", "beta_start": 0.' \
    "truncated.json: not a JSON scheduler config: a number with no digit after the point"
bad_cfg huge "{\"a\": \"$(head -c 70000 /dev/zero | tr '\0' x)\"}" \
    "huge.json: larger than 64 KiB"
recipe 'from = "missing.json"' >"$T/cfg/missing.toml"
expect_fail 2 "missing.toml:17: schedule.from: $T/cfg/missing.json: No such file" \
    "missing file" -- "$BASIN" run "$T/cfg/missing.toml" --out "$T/fail" --quiet
recipe 'from = ["linear.json", "scaled.json"]' >"$T/cfg/list.toml"
expect_fail 2 "schedule.from: one file (a string), found array" "a list of files" \
    -- "$BASIN" run "$T/cfg/list.toml" --out "$T/fail" --quiet
check "no failed run left a results folder" [ ! -e "$T/fail" ]
finish
