# A third-party plugin at a path a recipe names: the plugin guide's example
# (docs/examples/steepest.c), built against plugin.h alone.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/my-plugins"
cp "$GUIDE_EXAMPLE" "$T/my-plugins/"
cat >"$T/steepest.toml" <<TOML
plugin_path = ["my-plugins"]
[dataset]
plugin = "datasets/binary-patterns"
dim = 200
count = 10
[model]
plugin = "energies/hopfield"
[sampler]
plugin = "samplers/steepest"
[init]
kind = "pattern"
count = 50
flip = 0.1
TOML
"$BASIN" run "$T/steepest.toml" --out "$T/out" --quiet --threads 2
mem=$(awk -F, 'NR == 2 { print $1 }' "$T/out/summary.csv")
check "steepest descent retrieves every pattern at load 0.05 from 10% corruption ($mem)" \
    num "$mem" '==' 1
# At load 0.05 every corrupted bit has a field against it and every other bit a
# field for it, so steepest descent flips exactly the 20 corrupted bits.
steps=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["steps"] != 20 { bad++ } END { print bad + 0 }' "$T/out/records.csv")
check "steepest descent took exactly 20 flips in every probe ($steps exceptions)" [ "$steps" -eq 0 ]
check "the recipe's library is listed by basin plugins --path" \
    bash -c "'$BASIN' plugins --path '$T/my-plugins' | grep -q '^samplers/steepest '"
check "run.toml names the library the plugin came from" \
    grep -q "my-plugins/steepest.so" "$T/out/run.toml"
finish
