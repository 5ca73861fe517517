#!/bin/sh
# man.sh HELP2MAN BASIN OUT: basin.1 from the help texts, by help2man: `basin
# --help` and `--version` make NAME, SYNOPSIS and DESCRIPTION; every command's
# `basin help COMMAND` follows under COMMANDS (as preformatted text). Run by
# dist/meson.build at build time where help2man is found.
set -eu
help2man=$1 basin=$2 out=$3
inc=$out.include
{
    echo '[COMMANDS]'
    for c in $("$basin" help | awk '/^commands:/ { on = 1; next }
                                   on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'); do
        [ "$c" = help ] && continue
        echo ".SS $c"
        echo '.nf'
        # roff: a backslash is \e; a line starting with . or ' is protected by \&.
        "$basin" help "$c" | sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
        echo '.fi'
    done
    echo '[FILES]'
    echo 'Plugins are searched in BASIN_PLUGIN_PATH, beside the executable and in the'
    echo 'install'"'"'s lib/basin/plugins; results go to results/<name>/ (docs/ of the'
    echo 'source tree describe every file).'
    echo '[SEE ALSO]'
    echo 'The README and docs/ of the basin source tree (recipes, science, plugin guide).'
} >"$inc"
"$help2man" --no-info --no-discard-stderr --section=1 \
    --name='measure how associative memories and generative models remember' \
    --include="$inc" --output="$out" "$basin"
rm -f "$inc"
