# Libraries built for another ABI are refused, with the library and both versions.
. "$(dirname "$0")/lib.sh"

expect_fail 2 "built for basin ABI 2.0 but this host speaks ABI 1.5" \
    "a wrong ABI major is refused" -- "$BASIN" plugins --path "$WRONG_MAJOR"
expect_fail 2 "wrong-major.so" "the refusal names the library" -- \
    "$BASIN" plugins --path "$WRONG_MAJOR"
expect_fail 2 "built for basin ABI 1.6 but this host speaks ABI 1.5" \
    "a newer ABI minor is refused" -- "$BASIN" plugins --path "$NEWER_MINOR"
expect_fail 2 "no-entry.so: is not a basin plugin library (no basin_library_entry symbol)" \
    "a library without the entry symbol is refused" -- "$BASIN" plugins --path "$NO_ENTRY"
expect_fail 2 "missing-symbol.so: cannot be loaded:" "a library with an unresolved symbol is refused" \
    -- "$BASIN" plugins --path "$MISSING_SYMBOL"
expect_fail 2 "undefined symbol: basin_function_nobody_defines" "... naming the symbol" \
    -- "$BASIN" plugins --path "$MISSING_SYMBOL"
echo "not an ELF file" >"$T/garbage.so"
expect_fail 2 "garbage.so: cannot be loaded:" "a file that is not a library is refused" \
    -- "$BASIN" plugins --path "$T/garbage.so"

mkdir -p "$T/lib"
cp "$WRONG_MAJOR" "$T/lib/"
out=$(BASIN_PLUGIN_PATH=$T/lib "$BASIN" plugins 2>"$T/err")
check "found through BASIN_PLUGIN_PATH, listed as refused" grep -q "refused .*wrong-major.so" "$T/err"
not_listed() { ! grep -q from-the-future <<<"$out"; }
check "the refused plugin is not listed" not_listed
check "the first-party plugins are still listed" grep -q "energies/hopfield" <<<"$out"

# Search order: BASIN_PLUGIN_PATH comes before the build's plugins; the id found
# first wins and the other is reported as shadowed.
mkdir -p "$T/mine"
cp "$(dirname "$BASIN")/plugins/samplers/hopfield.so" "$T/mine/"
d=$(BASIN_PLUGIN_PATH=$T/mine "$BASIN" describe samplers/hopfield)
check "BASIN_PLUGIN_PATH wins over the build folder" grep -q "library: $T/mine/hopfield.so" <<<"$d"
BASIN_PLUGIN_PATH=$T/mine "$BASIN" plugins 2>"$T/err" >/dev/null
check "the shadowed copy is reported" grep -q "note: samplers/hopfield in .*/plugins/samplers/hopfield.so is shadowed by $T/mine/hopfield.so" "$T/err"

cat >"$T/recipe.toml" <<TOML
plugin_path = ["lib/wrong-major.so"]
[dataset]
plugin = "datasets/binary-patterns"
[model]
plugin = "energies/hopfield"
[sampler]
plugin = "samplers/from-the-future"
TOML
expect_fail 2 "recipe.toml:1: plugin_path:" "a recipe naming a refused library fails" \
    -- "$BASIN" run "$T/recipe.toml" --out "$T/out"
sed -i 's/^plugin_path.*//' "$T/recipe.toml"
expect_fail 2 "unknown plugin 'samplers/from-the-future'" \
    "a recipe whose plugin only a refused library holds fails" \
    -- env BASIN_PLUGIN_PATH="$T/lib" "$BASIN" run "$T/recipe.toml" --out "$T/out"
expect_fail 2 "built for basin ABI 2.0" "... and says which library was refused" \
    -- env BASIN_PLUGIN_PATH="$T/lib" "$BASIN" run "$T/recipe.toml" --out "$T/out"
finish
