# The command line: help, version, plugins, describe.
. "$(dirname "$0")/lib.sh"

check "--version names the ABI" bash -c "'$BASIN' --version | grep -q 'plugin ABI 1.1'"
for c in run plugins describe; do
    check "basin $c --help" bash -c "'$BASIN' $c --help | grep -q 'usage: basin $c'"
    check "basin help $c" bash -c "'$BASIN' help $c | grep -q 'usage: basin $c'"
done
check "basin help" bash -c "'$BASIN' help | grep -q 'commands:'"
expect_fail 2 "usage: basin COMMAND" "no command is a usage error" -- "$BASIN"
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
finish
