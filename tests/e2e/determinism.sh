# Same recipe and seed: byte-identical records, samples and summary (but for the
# wall-clock seconds column), whatever the thread count.
. "$(dirname "$0")/lib.sh"

run() {
    "$BASIN" run "$R/hopfield-spurious.toml" --out "$T/$1" --quiet --threads "$2" \
        --set dataset.dim=300 --set init.count=150 "${@:3}"
}
run a 1 && run b 2 && run c 2 && run d 2 --set seed=2
check "records.csv identical with 1 and 2 threads" cmp -s "$T/a/records.csv" "$T/b/records.csv"
check "samples.npy identical with 1 and 2 threads" cmp -s "$T/a/samples.npy" "$T/b/samples.npy"
check "records.csv identical on a rerun" cmp -s "$T/b/records.csv" "$T/c/records.csv"
strip() { awk -F, '{ $NF = ""; print }' "$1"; }
check "summary.csv identical but for seconds" \
    cmp -s <(strip "$T/a/summary.csv") <(strip "$T/b/summary.csv")
check "another seed gives other records" \
    bash -c "! cmp -s '$T/a/records.csv' '$T/d/records.csv'"
# samples.npy is a float32 matrix with one row per probe (3 points x 150 x 300).
size=$(stat -c %s "$T/a/samples.npy")
header=$(head -c 128 "$T/a/samples.npy" | tr -d '\000' | grep -ao "'shape': ([0-9]*, [0-9]*)")
check "samples.npy header $header" [ "$header" = "'shape': (450, 300)" ]
check "samples.npy size $size = 128 + 4 x 450 x 300" [ "$size" -eq $((128 + 4 * 450 * 300)) ]
check "run.toml records the seed and the resolved values" \
    grep -q '^count = \[5, 10, 20\]' "$T/a/run.toml"
# run.toml is itself a recipe that reproduces the run.
"$BASIN" run "$T/a/run.toml" --out "$T/e" --quiet --threads 2
check "rerunning run.toml gives the same records" cmp -s "$T/a/records.csv" "$T/e/records.csv"

# A sweep over the dimension writes one samples file per dimension, rows in record
# order, and removes the previous run's samples.npy from the folder.
"$BASIN" run "$R/hopfield-spurious.toml" --out "$T/a" --quiet --threads 2 --fresh \
    --set 'dataset.dim=[50, 60, 50]' --set dataset.count=5 --set init.count=7
shape() { head -c 128 "$1" | tr -d '\000' | grep -ao "'shape': ([0-9]*, [0-9]*)"; }
check "samples-dim50.npy holds the two N = 50 jobs" [ "$(shape "$T/a/samples-dim50.npy")" = "'shape': (14, 50)" ]
check "samples-dim60.npy holds the N = 60 job" [ "$(shape "$T/a/samples-dim60.npy")" = "'shape': (7, 60)" ]
check "the earlier samples.npy is not among them" [ ! -e "$T/a/samples.npy" ]
finish
