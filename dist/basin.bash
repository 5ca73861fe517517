# bash completion for basin: commands, their options, plugin ids, kinds, rules
# and files. Installed to share/bash-completion/completions/basin (loaded on
# demand by bash-completion); from a build tree: source dist/basin.bash.
# The commands and options are read from basin's own help texts, and plugin ids
# from `basin plugins`, so they follow the basin being completed (the word typed
# as the command: basin, build/basin, ...).

_basin_commands() {
    "$1" help 2>/dev/null | awk '/^commands:/ { on = 1; next }
        on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'
}

_basin_options() { # BASIN COMMAND: the long options of the command's help text
    "$1" help "$2" 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

_basin_plugins() { # BASIN [PREFIX]: plugin ids (datasets/npy, ...)
    "$1" plugins 2>/dev/null | awk -v p="${2:-}" \
        'NR > 1 && $1 ~ /\// && index($1, p) == 1 { print $1 }'
}

_basin() {
    local cur prev words cword basin cmd i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    basin=${COMP_WORDS[0]}
    basin=${basin/#\~/$HOME}
    COMPREPLY=()
    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    if [ -z "$cmd" ]; then
        COMPREPLY=($(compgen -W "$(_basin_commands "$basin") --version --help" -- "$cur"))
        return
    fi
    # The value of an option.
    case $prev in
    --out | --path | -o) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --train | --samples | --heldout)
        COMPREPLY=($(compgen -f -X '!*.npy' -- "$cur") $(compgen -f -X '!*.npz' -- "$cur")
            $(compgen -d -- "$cur"))
        [ "$cur" = - ] && COMPREPLY+=(-)
        return ;;
    --rule) COMPREPLY=($(compgen -W "auto pham ratio overlap cosine" -- "$cur")); return ;;
    --space) COMPREPLY=($(compgen -W "raw $(_basin_plugins "$basin" embeddings/)" -- "$cur")); return ;;
    --threads | --shard | --shards | --chunk | --dim | --jobs | --throttle | --set | --ssh | --job)
        return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_basin_options "$basin" "$cmd")" -- "$cur"))
        return
    fi
    # An operand.
    case $cmd in
    run) COMPREPLY=($(compgen -f -X '!*.toml' -- "$cur") $(compgen -d -- "$cur")) ;;
    describe)
        COMPREPLY=($(compgen -W "$(_basin_plugins "$basin") schedule init measure landscape output" -- "$cur")) ;;
    check) COMPREPLY=($(compgen -f -X '!*.so' -- "$cur") $(compgen -d -- "$cur")) ;;
    new)
        if [ "$prev" = new ]; then
            COMPREPLY=($(compgen -W "energy score sampler dataset embedding" -- "$cur"))
        else
            COMPREPLY=($(compgen -d -- "$cur"))
        fi ;;
    submit)
        if [ "$prev" = submit ]; then
            COMPREPLY=($(compgen -W "slurm parallel" -- "$cur"))
        else
            COMPREPLY=($(compgen -f -X '!*.toml' -- "$cur") $(compgen -d -- "$cur"))
        fi ;;
    help) COMPREPLY=($(compgen -W "$(_basin_commands "$basin")" -- "$cur")) ;;
    report | merge) COMPREPLY=($(compgen -d -- "$cur")) ;;
    esac
}
complete -F _basin basin
