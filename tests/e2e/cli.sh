# The command line: help, version, plugins, describe.
. "$(dirname "$0")/lib.sh"

check "--version names the ABI" bash -c "'$BASIN' --version | grep -q 'plugin ABI 1.5'"
# Every command of the table has its usage, as `basin help CMD` and `CMD --help`.
for c in run report plugins describe new measure check help --version; do
    check "basin $c --help" bash -c "'$BASIN' $c --help | grep -q -- 'usage: basin $c'"
    check "basin help $c" bash -c "'$BASIN' help $c | grep -q -- 'usage: basin $c'"
done
check "basin -h is basin help" bash -c "'$BASIN' -h | grep -q 'commands:'"
check "basin help" bash -c "'$BASIN' help | grep -q 'commands:'"
check "basin help lists every command" bash -c "'$BASIN' help | grep -q '^  new KIND NAME '"
expect_fail 2 "usage: basin COMMAND" "no command is a usage error" -- "$BASIN"
expect_fail 2 "unknown command 'hlep' (did you mean 'help'?)" \
    "an unknown command with a suggestion" -- "$BASIN" hlep
expect_fail 2 "unknown command 'frobnicate' (see \`basin help\`)" \
    "an unknown command far from any" -- "$BASIN" frobnicate
expect_fail 2 "help: no command 'repotr' (did you mean 'report'?)" \
    "help on an unknown command" -- "$BASIN" help repotr

# Options: GNU forms, clustered flags, --, no abbreviations.
expect_fail 2 "plugins: unknown option '--pat' (did you mean '--path'?)" \
    "an abbreviated option is refused" -- "$BASIN" plugins --pat "$T"
expect_fail 2 "plugins: option '--path' needs a value" "an option without its value" \
    -- "$BASIN" plugins --path
expect_fail 2 "report: option '--quiet' takes no value" "a flag given a value" \
    -- "$BASIN" report "$T" --quiet=yes
expect_fail 2 "run: unknown option '-x'" "an unknown flag in a cluster" \
    -- "$BASIN" run "$R/quickstart.toml" -vx
# 70 operands: one message, no crash (the operands once overflowed a fixed array).
expect_fail 2 "plugins: takes no operand ('o1'" "plugins with 70 operands" \
    -- "$BASIN" plugins $(seq -f 'o%g' 70)
expect_fail 2 "describe: needs exactly one ID" "describe with 70 operands" \
    -- "$BASIN" describe $(seq -f 'o%g' 70)
expect_fail 2 "run: takes one recipe; 'o2' is a second" "run with 70 operands" \
    -- "$BASIN" run $(seq -f 'o%g' 70)
list=$("$BASIN" plugins)
for id in datasets/binary-patterns energies/hopfield samplers/hopfield; do
    check "plugins lists $id" grep -q "^$id " <<<"$list"
done
check "plugins shows interfaces" grep -q "basin.energy/1" <<<"$list"
d=$("$BASIN" describe samplers/hopfield)
check "describe shows a choice with its default" grep -q 'mode .*choice.*default "async".*one of async|sync' <<<"$d"
check "describe shows a range" grep -q 'max_sweeps .*int.*default 100.*range \[1, 1000000\]' <<<"$d"
check "describe shows core tables" bash -c "'$BASIN' describe measure | grep -q 'threshold'"
expect_fail 2 "unknown plugin 'samplers/hopfeld' (did you mean 'samplers/hopfield'?)" \
    "describe an unknown id" -- "$BASIN" describe samplers/hopfeld
dry=$("$BASIN" run "$R/hopfield-finite-size.toml" --dry-run --out "$T/never")
check "--dry-run prints the resolved recipe" grep -q '^dim = \[250, 500, 1000, 2000\]' <<<"$dry"
check "--dry-run counts the jobs (4 x 15 points x 4 repeats)" grep -q '= 240 jobs' <<<"$dry"
check "--dry-run writes nothing" [ ! -e "$T/never" ]
dry=$("$BASIN" run --set=init.count=7 --out="$T/never" -qvv --dry-run "$R/quickstart.toml")
check "--opt=value sets a key, -qvv is taken" grep -q '^count = 7$' <<<"$dry"
check "options and the recipe in any order" \
    bash -c "'$BASIN' run --dry-run '$R/quickstart.toml' --out '$T/never' -v | grep -q ' jobs\?$'"
cp "$R/quickstart.toml" "$T/-recipe.toml"
dry=$(cd "$T" && "$BASIN" run --dry-run -- -recipe.toml)
check "-- before a recipe whose name starts with '-'" grep -q '= 5 jobs' <<<"$dry"
expect_fail 2 "run: unknown option '-r'" "... which without -- reads as options" \
    -- bash -c "cd '$T' && '$BASIN' run --dry-run -recipe.toml"
finish
