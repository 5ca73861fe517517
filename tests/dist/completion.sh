# dist/basin.bash: source it in bash and complete words as a user would, against
# the built basin (its help texts and its plugins): commands, a command's options,
# plugin ids for describe, embedding ids for --space, kinds for new, recipes for
# run, rules for --rule.
. "$SOURCE_ROOT/tests/e2e/lib.sh"
. "$SOURCE_ROOT/dist/basin.bash"

# complete WORD...: COMPREPLY, sorted, one line, for the last word being typed.
complete_words() {
    COMP_WORDS=("$BASIN" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _basin
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
# expect DESCRIPTION WANT WORD...
expect() {
    local what=$1 want=$2
    shift 2
    local got
    got=$(complete_words "$@")
    if [ "$got" = "$want" ]; then ok "$what: $got"; else bad "$what: got '$got', want '$want'"; fi
}

expect "commands" "--help --version check describe help lsr-storage measure merge new plugins report run submit" ""
expect "commands starting with r" "report run" r
expect "run's options starting with --th" "--threads" run --th
expect "run's options starting with --s" "--set --shard --shards" run --s
expect "measure's --rule values" "pham" measure --rule p
expect "new's kinds" "dataset embedding energy sampler score" new ""
expect "describe: plugin ids starting with scores/e" "scores/empirical" describe scores/e
expect "describe: core sections" "schedule" describe sch
expect "help's commands starting with m" "measure merge" help m
expect "submit's schedulers" "parallel slurm" submit ""
# Every first-party plugin id is offered to describe.
n_ids=$(complete_words describe "" | tr ' ' '\n' | grep -c /)
n_plugins=$("$BASIN" plugins | awk 'NR > 1 && $1 ~ /\//' | wc -l)
check "describe offers every plugin id ($n_ids of $n_plugins)" [ "$n_ids" -eq "$n_plugins" -a "$n_ids" -ge 15 ]
spaces=$(complete_words measure --space "")
check "measure --space offers raw and the embeddings ($spaces)" \
    bash -c "[[ '$spaces' == *'embeddings/pca'* && '$spaces' == *raw* && '$spaces' != *scores/* ]]"
# Files: run completes recipes (and folders), measure --train .npy/.npz files.
mkdir -p "$T/w/sub" && cd "$T/w" && touch a.toml b.txt x.npy y.npz
expect "run completes .toml files and folders" "a.toml sub" run ""
expect "measure --train completes .npy, .npz and folders" "sub x.npy y.npz" measure --train ""
finish
