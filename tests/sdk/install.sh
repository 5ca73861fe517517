# The SDK as a plugin author meets it: `meson install --destdir` the built tree,
# then for every kind `basin new` a project and build it with pkg-config alone
# (PKG_CONFIG_PATH and PKG_CONFIG_SYSROOT_DIR into the destdir, no source tree),
# list it with `basin plugins --path`, and run two of them in recipes.
. "$SOURCE_ROOT/tests/e2e/lib.sh"

D=$T/dest
"$MESON" install -C "$BUILD_ROOT" --destdir "$D" --no-rebuild --quiet >/dev/null 2>&1
basin=$(find "$D" -path '*/bin/basin' -type f | head -1)
pc=$(find "$D" -name basin.pc | head -1)
check "meson install puts the basin command in the destdir ($basin)" [ -x "$basin" ]
check "meson install puts basin/plugin.h in include/basin" \
    test -n "$(find "$D" -path '*/include/basin/plugin.h')"
check "meson install puts basin.pc in the destdir ($pc)" [ -f "$pc" ]
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$D
export PKG_CONFIG_LIBDIR=$(dirname "$pc")
plugindir=$(pkg-config --variable=plugindir basin)
check "basin.pc's plugindir holds the installed first-party plugins ($plugindir)" \
    [ -f "$plugindir/scores/empirical.so" -a -f "$plugindir/energies/hopfield.so" ]
check "basin.pc has no Libs: a plugin links nothing from the host" \
    [ -z "$(pkg-config --libs basin)" ]
# The installed command finds the plugins relative to itself, so the destdir copy
# (a tree moved from its prefix) works without BASIN_PLUGIN_PATH.
n_first=$(env -u BASIN_PLUGIN_PATH "$basin" plugins 2>/dev/null | grep -c '^[a-z]*/')
check "the installed basin finds the installed plugins beside itself ($n_first)" \
    [ "$n_first" -ge 15 ]
check "the installed basin searches the prefix's plugindir (${plugindir#$D})" \
    bash -c "'$basin' help | grep -qF '${plugindir#$D}'"

cd "$T"
for kind in energy score sampler dataset embedding; do
    name=my_$kind
    "$basin" new $kind $name >/dev/null 2>"$T/new.err"
    check "basin new $kind $name writes the project" \
        [ -f $name/$name.c -a -f $name/meson.build -a -f $name/README.md ]
    # The README's one-line command, run as written but for the compiler.
    line=$(grep -m1 '^    cc ' $name/README.md | sed "s/^    cc /$CC -Werror -Wall /")
    (cd $name && eval "$line") 2>"$T/cc.err"
    check "$name builds with pkg-config alone: $(head -c 300 "$T/cc.err")" [ -f $name/$name.so ]
    case $kind in energy) dir=energies ;; *) dir=${kind}s ;; esac
    check "basin plugins --path $name lists $dir/$name" \
        bash -c "'$basin' plugins --path $name 2>/dev/null | grep -q '^$dir/$name '"
done
# The build line `basin new` prints works as printed, without pkg-config's
# environment: it names the installed headers with -I.
"$basin" new energy printed_e >"$T/new.out" 2>&1
line=$(sed -n 's/^build:  //p' "$T/new.out")
check "the installed basin new prints -I its include folder ($line)" \
    grep -qF -- "-I$(dirname "$(find "$D" -path '*/include/basin/plugin.h')" | xargs dirname)" \
    "$T/new.out"
(unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR; eval "$line") 2>"$T/cc.err"
check "the printed build line builds the plugin: $(head -c 300 "$T/cc.err")" \
    [ -f printed_e/printed_e.so ]
check "basin plugins --path printed_e lists it" \
    bash -c "'$basin' plugins --path printed_e 2>/dev/null | grep -q '^energies/printed_e '"
# The generated meson.build too, where meson can configure it offline.
if (cd my_score && "$MESON" setup build >/dev/null 2>&1 && ninja -C build >/dev/null 2>&1); then
    check "the generated meson.build builds the plugin" [ -f my_score/build/my_score.so ]
else
    bad "the generated meson.build does not configure or build"
fi

expect_fail 2 "unknown kind 'widget'" "basin new refuses an unknown kind" -- \
    "$basin" new widget w
expect_fail 2 "bad name 'my-plugin'" "basin new refuses a name that is no C identifier" -- \
    "$basin" new energy my-plugin
expect_fail 2 "my_energy exists and is not empty" "basin new refuses a non-empty folder" -- \
    "$basin" new energy other my_energy
expect_fail 2 "cannot create a folder beside" "basin new fails cleanly under a missing parent" -- \
    "$basin" new energy other "$T/missing/parent/x"
check "a refused basin new leaves no temporary folder behind" \
    [ -z "$(ls -d "$T"/*.new-* "$T"/missing 2>/dev/null)" ]

# The generated dataset, energy and sampler together: gradient descent on the
# Gaussian-well energy (beta = 20) from memories moved by 5% returns to them.
cat >wells.toml <<TOML
plugin_path = ["my_dataset", "my_energy", "my_sampler"]
seed = 3
[dataset]
plugin = "datasets/my_dataset"
dim = 8
count = 20
[model]
plugin = "energies/my_energy"
beta = 20
[sampler]
plugin = "samplers/my_sampler"
step = 0.05
[init]
kind = "pattern"
count = 40
flip = 0.05
TOML
BASIN_PLUGIN_PATH=$plugindir "$basin" run wells.toml --out wells --quiet --threads 2
mem=$(first wells/summary.csv memorized_rate)
check "generated sampler + energy + dataset retrieve every memory ($mem)" num "$mem" '==' 1
# The generated score under a first-party diffusion sampler: the Gaussian
# denoiser is the law's, never its samples'. The thresholds are calibrated from
# the held-out split at quantile 0.01 (docs/science.md), so a draw from the law
# is memorized, spurious or off_support each at about 1 %; the fitted mean and
# variance (K = 500 in N = 8) move the law a little: at least 90 % generalized,
# at most 5 % memorized.
cat >gauss.toml <<TOML
plugin_path = ["my_dataset", "my_score"]
seed = 3
[dataset]
plugin = "datasets/my_dataset"
dim = 8
count = 500
heldout = 500
[model]
plugin = "scores/my_score"
[sampler]
plugin = "samplers/euler-maruyama"
steps = 200
[schedule]
name = "ou"
t_min = 1e-3
t_max = 6
[init]
kind = "noise"
count = 100
[measure]
rule = "pham"
TOML
BASIN_PLUGIN_PATH=$plugindir "$basin" run gauss.toml --out gauss --quiet --threads 2
gen=$(first gauss/summary.csv generalized_rate)
check "the generated Gaussian denoiser generalizes >= 90 % of the samples ($gen)" \
    num "$gen" '>=' 0.9
check "the generated Gaussian denoiser memorizes <= 5 %" \
    num "$(first gauss/summary.csv memorized_rate)" '<=' 0.05
# The generated embedding passes the conformance battery, and serves as a run's
# space: standardized coordinates of N(0, I)-like data change the distances only
# by the sample spread's scale, and the thresholds are calibrated in the same
# space, so the samples stay generalized as in data space.
out=$("$basin" check my_embedding/my_embedding.so 2>&1)
check "basin check passes on the generated embedding: $(tail -1 <<<"$out")" \
    bash -c "! grep -q '^FAIL' <<<\"\$1\" && grep -q '^PASS embeddings/my_embedding informative' <<<\"\$1\"" _ "$out"
sed -e 's|^plugin_path = .*|plugin_path = ["my_dataset", "my_score", "my_embedding"]|' \
    -e 's|^rule = "pham"|rule = "pham"\nspace = "embeddings/my_embedding"\n[space]\nscale = 1|' \
    gauss.toml >space.toml
BASIN_PLUGIN_PATH=$plugindir "$basin" run space.toml --out space --quiet --threads 2
gen=$(first space/summary.csv generalized_rate)
check "the generated embedding as measure.space: >= 90 % generalized ($gen)" \
    num "$gen" '>=' 0.9
# The Python package: installed into a folder of /usr/bin/python3 (under the
# destdir here), and it drives the installed command.
pydir=$(dirname "$(find "$D" -path '*/basin/_where.py' | head -1)")
check "meson install puts the Python package beside its _where.py ($pydir)" \
    [ -f "$pydir/__init__.py" -a -f "$pydir/_load.py" ]
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    rates=$(cd "$T" && PYTHONPATH=$(dirname "$pydir") BASIN=$basin /usr/bin/python3 -c '
import basin, sys
r = basin.run(sys.argv[1], set={"dataset.dim": 100, "dataset.load": 0.05}, out="py-q",
              pandas=False)
print(basin.find_basin(), [float(x) for x in r.summary["memorized_rate"]])' "$R/quickstart.toml" 2>&1)
    check "the installed package runs the installed basin ($rates)" \
        [ "$rates" = "$basin [1.0]" ]
fi
finish
