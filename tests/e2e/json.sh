# --json: `basin plugins`, `basin describe` and a run's summary print one JSON
# document on stdout that Python's json module reads, with the values of the
# human output and of summary.csv; and the k-diffusion / diffusers names give
# their basin equivalent in the error.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

"$BASIN" plugins --json >"$T/plugins.json"
check "plugins --json lists every plugin of the table, with its library" \
    "$PY" -c '
import json, sys, subprocess
d = json.load(open(sys.argv[1]))
table = [l.split()[0] for l in subprocess.run([sys.argv[2], "plugins"],
         capture_output=True, text=True).stdout.splitlines()[1:]]
ids = [p["id"] for p in d["plugins"]]
assert ids == table, (ids, table)
assert "samplers/dpmpp-2m-sde" in ids
assert all(p["library"].endswith(".so") for p in d["plugins"])
assert d["refused"] == [] and isinstance(d["shadowed"], list)
' "$T/plugins.json" "$BASIN"

"$BASIN" describe samplers/euler-ancestral --json >"$T/describe.json"
check "describe --json: the parameter table with types, defaults and ranges" \
    "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["id"] == "samplers/euler-ancestral" and d["interface"] == "basin.sampler/1"
p = {q["name"]: q for q in d["parameters"]}
assert p["steps"]["type"] == "int" and p["steps"]["default"] == 100
assert p["steps"]["min"] == 1 and p["steps"]["max"] == 1000000
assert p["denoise_last"]["default"] is True
assert p["eta"]["default"] == 1 and p["eta"]["doc"]
' "$T/describe.json"

"$BASIN" describe schedule --json >"$T/schedule.json"
check "describe schedule --json: choices as a list, beta_start, rho" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = {q["name"]: q for q in d["parameters"]}
assert d["interface"] == "core"
assert p["name"]["choices"] == ["ddpm-linear", "cosine", "ou", "edm", "ddpm-scaled-linear"]
assert p["grid"]["default"] == "karras" and p["rho"]["default"] == 7
assert p["beta_start"]["default"] == -1 and p["beta_end"]["max"] == 1
' "$T/schedule.json"
"$BASIN" describe measure --json >"$T/measure.json"
check "describe measure --json: \"auto\" defaults as strings" "$PY" -c '
import json, sys
p = {q["name"]: q for q in json.load(open(sys.argv[1]))["parameters"]}
assert p["delta_m"]["default"] == "auto" and p["delta_m"]["auto"] is True
assert abs(p["ratio"]["default"] - 1 / 3) < 1e-16
' "$T/measure.json"

cat >"$T/r.toml" <<'TOML'
name = "json"
seed = 3
[dataset]
plugin = "datasets/gaussian"
dim = 4
count = [10, 40]
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/dpmpp-2m"
steps = 20
[schedule]
name = "edm"
[init]
kind = "noise"
count = 30
TOML
"$BASIN" run "$T/r.toml" --out "$T/run" --json --threads 2 >"$T/run.json" 2>"$T/run.err"
check "run --json: one JSON object on stdout whose rates are summary.csv's" "$PY" -c '
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert d["name"] == "json" and d["points"] == 2 and d["samples"] == 60
assert d["axes"] == ["dataset.count"]
assert len(d["rows"]) == len(rows) == 2
for j, c in zip(d["rows"], rows):
    assert j["values"]["dataset.count"] == float(c["dataset.count"])
    for k in ("memorized", "spurious", "generalized"):
        assert abs(j[k]["rate"] - float(c[k + "_rate"])) < 1e-6, (k, j[k], c)
    assert j["samples"] == 30
' "$T/run.json" "$T/run/summary.csv"
"$BASIN" run "$T/r.toml" --out "$T/run2" --threads 1 >"$T/run2.txt" 2>/dev/null
check "without --json the human table stays the default" \
    grep -q "^dataset.count   memorized" "$T/run2.txt"

# The names users bring: a one-line error with basin's setting.
expect_fail 2 "unknown plugin 'euler_ancestral' (k-diffusion's name; in basin: plugin = \"samplers/euler-ancestral\")" \
    "k-diffusion's euler_ancestral" -- "$BASIN" run "$T/r.toml" --out "$T/x" \
    --set sampler.plugin=euler_ancestral
expect_fail 2 "'karras' is not one of ddpm-linear|cosine|ou|edm|ddpm-scaled-linear (k-diffusion's name; in basin: [schedule] name = \"edm\"" \
    "k-diffusion's karras schedule" -- "$BASIN" run "$T/r.toml" --out "$T/x" \
    --set schedule.name=karras
expect_fail 2 "unknown plugin 'DPMSolverMultistepScheduler' (diffusers' name; in basin: plugin = \"samplers/dpmpp-2m\"" \
    "diffusers' DPMSolverMultistepScheduler" -- "$BASIN" describe DPMSolverMultistepScheduler
finish
