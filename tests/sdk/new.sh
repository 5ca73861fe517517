# `basin new` in a build tree (nothing installed, no basin.pc anywhere): the build
# line it prints names the source tree's headers and builds the plugin as printed,
# and the plugin loads. (tests/sdk/install.sh does the same for an install.)
. "$SOURCE_ROOT/tests/e2e/lib.sh"

cd "$T"
for kind in energy sampler; do
    name=bt_$kind
    "$BASIN" new $kind $name >new.out 2>&1
    line=$(sed -n 's/^build:  //p' new.out)
    check "basin new $kind prints -I$SOURCE_ROOT/core/include ($line)" \
        grep -qF -- "-I$(cd "$SOURCE_ROOT/core/include" && pwd -P)" new.out
    # Without pkg-config's help: an empty search path, so basin.pc cannot be found.
    (export PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=/nonexistent; eval "$line") 2>cc.err
    check "the printed line builds $name.so: $(head -c 300 cc.err)" [ -f $name/$name.so ]
    case $kind in energy) dir=energies ;; *) dir=${kind}s ;; esac
    check "basin plugins --path $name lists $dir/$name" \
        bash -c "'$BASIN' plugins --path $name 2>/dev/null | grep -q '^$dir/$name '"
done
# A folder name with a space is quoted in the printed line.
"$BASIN" new energy sp "with space" >new.out 2>&1
line=$(sed -n 's/^build:  //p' new.out)
(eval "$line") 2>cc.err
check "a folder with a space: the printed line still builds ($line)" \
    [ -f "with space/sp.so" ]
finish
