# A results folder is data: `basin report` loads no library the folder names
# (run.toml's plugin_path) unless the user passes it with --path. run.toml
# records the absolute libraries a recipe's plugin_path found, so a run of a
# third-party plugin reruns from its run.toml anywhere, and it is always valid
# UTF-8.
. "$(dirname "$0")/lib.sh"

Q=$R/quickstart.toml
export CTOR_MARKER_FILE=$T/constructor-ran
# utf8 FILE: the file is valid UTF-8.
utf8() { /usr/bin/python3 -c "import sys; open(sys.argv[1], 'rb').read().decode('utf-8')" "$1"; }

# --- a run.toml that names a library with a constructor, as a path and as a
# folder: the report reads the folder and never loads it
"$BASIN" run "$Q" --out "$T/out" --quiet --set init.count=20
mkdir "$T/libs" && cp "$CTOR_MARKER" "$T/libs/"
sed -i "s#^repeats = 1\$#repeats = 1\nplugin_path = [\"$CTOR_MARKER\", \"$T/libs\"]#" \
    "$T/out/run.toml"
check "the planted run.toml names the library" grep -q "^plugin_path = \[\"$CTOR_MARKER\"" \
    "$T/out/run.toml"
check "basin report on the folder succeeds" "$BASIN" report "$T/out" --quiet
check "... and never loaded the library the folder names" [ ! -e "$CTOR_MARKER_FILE" ]
check "... nor does basin report --help" "$BASIN" report --help >/dev/null
# The control: the same library named by the user on the command line is loaded
# (its constructor runs; it is then refused as no basin plugin).
"$BASIN" report "$T/out" --quiet --path "$CTOR_MARKER" 2>/dev/null
check "--path loads what the user names (the control)" [ -e "$CTOR_MARKER_FILE" ]
rm -f "$CTOR_MARKER_FILE"
expect_fail 2 "report: --path $T/nothing.so: No such file or directory" "--path of a missing library" \
    -- "$BASIN" report "$T/out" --path "$T/nothing.so"

# --- a third-party plugin through plugin_path: run.toml records its absolute
# library, a rerun from run.toml elsewhere gives identical records
mkdir -p "$T/proj/my-plugins" "$T/elsewhere"
cp "$GUIDE_EXAMPLE" "$T/proj/my-plugins/"
cat >"$T/proj/steepest.toml" <<TOML
name = "steepest"
seed = 4
plugin_path = ["my-plugins"]
[dataset]
plugin = "datasets/binary-patterns"
dim = 100
load = [0.05, 0.2]
[model]
plugin = "energies/hopfield"
[sampler]
plugin = "samplers/steepest"
[init]
kind = "pattern"
count = 20
flip = 0.1
TOML
(cd "$T/proj" && "$BASIN" run steepest.toml --out run1 --quiet)
lib=$(realpath "$T/proj/my-plugins/steepest.so")
check "run.toml records the library plugin_path found, as an absolute path" \
    grep -qx "plugin_path = \[\"$lib\"\]" "$T/proj/run1/run.toml"
(cd "$T/elsewhere" && "$BASIN" run "$T/proj/run1/run.toml" --out again --quiet)
check "a rerun of run.toml from another folder gives identical records.csv" \
    cmp -s "$T/proj/run1/records.csv" "$T/elsewhere/again/records.csv"
check "... and the same run.toml but its source line" \
    diff <(grep -v '^# source recipe' "$T/proj/run1/run.toml") \
    <(grep -v '^# source recipe' "$T/elsewhere/again/run.toml")
"$BASIN" run "$Q" --out "$T/plain" --quiet --set init.count=20
check "a recipe without plugin_path writes none into run.toml" \
    bash -c "! grep -q '^plugin_path' '$T/plain/run.toml'"
# The report of a third-party run needs none of its plugins: the sampler is
# not loaded and every figure of the run is drawn.
check "basin report reads a third-party run without loading its plugin" \
    "$BASIN" report "$T/proj/run1" --quiet
check "... and writes its page" [ -s "$T/proj/run1/report.html" ]

# --- samples.png re-reads the training set through the dataset plugin: when the
# folder's dataset plugin is not loaded, that one figure is skipped with the
# reason, and the rest of the report is written
/usr/bin/python3 -c "
import numpy as np
np.save('$T/train.npy', np.random.default_rng(0).uniform(-1, 1, (6, 8, 8)).astype(np.float32))"
cat >"$T/img.toml" <<TOML
name = "img"
seed = 3
[dataset]
plugin = "datasets/npy"
path = "$T/train.npy"
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddim"
steps = 10
[schedule]
name = "ddpm-linear"
[init]
kind = "noise"
count = 8
[measure]
rule = "pham"
TOML
"$BASIN" run "$T/img.toml" --out "$T/img" --quiet
sed -i 's#^plugin = "datasets/npy"$#plugin = "datasets/somewhere-else"#' "$T/img/run.toml"
BASIN_GNUPLOT=/nonexistent "$BASIN" report "$T/img" 2>"$T/img.err" >/dev/null
check "a report whose dataset plugin is not loaded still succeeds" [ $? -eq 0 ]
check "... and says why samples.png was skipped: $(grep samples "$T/img.err")" \
    grep -q "skipped samples: the dataset plugin datasets/somewhere-else is not loaded" "$T/img.err"
check "... and writes no samples.png" [ ! -e "$T/img/samples.png" ]

# --- run.toml is always valid UTF-8
expect_fail 2 "--set name=: not valid UTF-8 (byte 0xFF after that)" "--set with invalid UTF-8" \
    -- "$BASIN" run "$Q" --out "$T/u" --quiet --set $'name=\xff\xfe'
check "... and nothing was written" [ ! -e "$T/u" ]
check "--set with valid UTF-8 is written as it is" \
    "$BASIN" run "$Q" --out "$T/u" --quiet --set init.count=20 --set 'description=Größe α'
check "... into a valid UTF-8 run.toml" utf8 "$T/u/run.toml"
check "... that holds the text" grep -q '^description = "Größe α"$' "$T/u/run.toml"
# A recipe file whose name is not UTF-8 (Latin-1 é): the name goes into a comment.
latin=$T/$'r\xe9sum\xe9.toml'
cp "$Q" "$latin"
"$BASIN" run "$latin" --out "$T/latin" --quiet --set init.count=20
check "a recipe whose file name is not UTF-8 gives a valid UTF-8 run.toml" utf8 "$T/latin/run.toml"
check "... and run.toml reruns" "$BASIN" run "$T/latin/run.toml" --out "$T/latin2" --quiet
check "... with identical records" cmp -s "$T/latin/records.csv" "$T/latin2/records.csv"
finish
