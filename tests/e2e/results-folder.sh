# The results folder (results/folder.h, docs/reliability.md): basin replaces only a
# folder it wrote (its marker, .basin-results), never writes through a planted
# symbolic link, never deletes a file it did not write, and `basin report` reads
# only a whole result set.
. "$(dirname "$0")/lib.sh"

Q=$R/quickstart.toml
# quick [ARGS...]: a one-second Hopfield run, 20 probes per point.
quick() { "$BASIN" run "$Q" --quiet --set init.count=20 "$@"; }
# sums DIR: every file's name and checksum, hidden ones included.
sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 cksum); }

# --- a run writes the marker: its format, then the files of the set
quick --out "$T/out"
check "the marker lists the run's files" \
    diff <(printf 'basin-results 1\nrecords.csv\nrun.toml\nsamples.npy\nsummary.csv\n') \
    "$T/out/.basin-results"
check "a results folder holds the set, the marker and the job parts, nothing else" \
    diff <(ls -A "$T/out") <(printf '.basin-results\njobs\nrecords.csv\nrun.toml\nsamples.npy\nsummary.csv\n')
check "no temporary folder is left beside it" no_temporaries "$T/out"

# --- a user's folder is never replaced or cleaned
mkdir -p "$T/mine"
for f in training.csv collapse.csv attractors.csv rates.svg notes.txt; do
    echo "mine: $f" >"$T/mine/$f"
done
before=$(sums "$T/mine")
expect_fail 2 "$T/mine exists and is not a basin results folder" "a user's folder as --out" \
    -- quick --out "$T/mine"
check "... is left exactly as it was" [ "$before" = "$(sums "$T/mine")" ]
check "... and nothing is left beside it" no_temporaries "$T/mine"
echo "a file" >"$T/afile"
expect_fail 2 "$T/afile exists and is not a basin results folder" "a file as --out" \
    -- quick --out "$T/afile"
check "... is left as it was" grep -qx "a file" "$T/afile"
mkdir "$T/empty"
check "an empty folder may take the results" quick --out "$T/empty"
check "... and becomes a results folder" [ -f "$T/empty/.basin-results" ]
expect_fail 2 "'$T/out/..' is not a results folder name" "'..' as --out" \
    -- quick --out "$T/out/.."

# --- planted symbolic links: at results/<name> and at --out
mkdir -p "$T/cwd/results" "$T/target"
for f in records.csv summary.csv run.toml keep.txt; do echo "target: $f" >"$T/target/$f"; done
before=$(sums "$T/target")
ln -s "$T/target" "$T/cwd/results/quickstart"
expect_fail 2 "results/quickstart is a symbolic link" "a link at results/<name>" \
    -- bash -c "cd '$T/cwd' && '$BASIN' run '$Q' --quiet --set init.count=20"
check "... its target is untouched" [ "$before" = "$(sums "$T/target")" ]
check "... the link is still there" [ -L "$T/cwd/results/quickstart" ]
# A link to a genuine results folder is refused just the same.
ln -s "$T/out" "$T/link"
before=$(sums "$T/out")
expect_fail 2 "$T/link is a symbolic link" "a link at --out" -- quick --out "$T/link"
expect_fail 2 "$T/link is a symbolic link" "a link at --out, with a trailing /" \
    -- quick --out "$T/link/"
check "... the linked results are untouched" [ "$before" = "$(sums "$T/out")" ]

# --- a rerun replaces the set: files of the old run go, files basin did not
# write stay (a rerun of the same recipe; another one is refused: durable.sh)
quick --out "$T/re"
echo "my notes" >"$T/re/notes.txt"
mkdir "$T/re/plots" && echo "my plot" >"$T/re/plots/p.txt"
: >"$T/re/rates.svg" # a report's file: basin's, it goes with its set
rm "$T/re/samples.npy" && sed -i '/samples.npy/d' "$T/re/.basin-results"
quick --out "$T/re"
check "the new set has samples.npy" [ -f "$T/re/samples.npy" ]
check "the old set's report file went with it" [ ! -e "$T/re/rates.svg" ]
check "a user's file in a results folder survives a rerun" grep -qx "my notes" "$T/re/notes.txt"
check "... and a user's folder" grep -qx "my plot" "$T/re/plots/p.txt"
check "... and the marker lists only the run's files" \
    diff <(tail -n +2 "$T/re/.basin-results") <(printf 'records.csv\nrun.toml\nsamples.npy\nsummary.csv\n')
quick --out "$T/re" --set output.samples=false --fresh 2>/dev/null
check "a fresh run without samples leaves no samples.npy of the run before" [ ! -e "$T/re/samples.npy" ]
check "... and keeps the run before under a dated name" [ -f "$(ls -d "$T"/re.2* | head -1)/samples.npy" ]
check "... and no temporaries" no_temporaries "$T/re"

# --- `basin measure` writes its folder the same way
/usr/bin/python3 -c "
import numpy as np
rng = np.random.default_rng(0)
np.save('$T/train.npy', rng.standard_normal((20, 8)).astype(np.float32))
np.save('$T/gen.npy', rng.standard_normal((10, 8)).astype(np.float32))"
before=$(sums "$T/mine")
expect_fail 2 "$T/mine exists and is not a basin results folder" "basin measure into a user's folder" \
    -- "$BASIN" measure --train "$T/train.npy" --samples "$T/gen.npy" --out "$T/mine" --quiet
check "... is left as it was" [ "$before" = "$(sums "$T/mine")" ]
check "basin measure writes a results folder" \
    "$BASIN" measure --train "$T/train.npy" --samples "$T/gen.npy" --out "$T/m" --quiet
check "... with its marker" \
    diff <(printf 'basin-results 1\nrecords.csv\nrun.toml\nsummary.csv\n') "$T/m/.basin-results"

# --- `basin report` reads only a whole basin result set, and writes nothing
# into a folder it refuses
report_refuses() { # DIR WORDS DESCRIPTION
    local before
    before=$(sums "$1")
    expect_fail 2 "$2" "$3" -- "$BASIN" report "$1" --quiet
    check "... and writes nothing there" [ "$before" = "$(sums "$1")" ]
}
cp -r "$T/out" "$T/nomark" && rm "$T/nomark/.basin-results"
report_refuses "$T/nomark" "$T/nomark is not a basin results folder (it has no .basin-results)" \
    "report on a folder without the marker"
cp -r "$T/out" "$T/half" && rm "$T/half/samples.npy"
report_refuses "$T/half" "$T/half: incomplete results folder: samples.npy is missing" \
    "report on a half set"
cp -r "$T/out" "$T/newer" && sed -i '1s/.*/basin-results 2/' "$T/newer/.basin-results"
report_refuses "$T/newer" "format 2, written by a newer basin" "report on a newer format"
cp -r "$T/out" "$T/badname" && echo "../etc/passwd" >>"$T/badname/.basin-results"
report_refuses "$T/badname" ".basin-results:6: not a file name of a results folder" \
    "a marker naming a path"
cp -r "$T/out" "$T/fifo" && rm "$T/fifo/.basin-results" && mkfifo "$T/fifo/.basin-results"
report_refuses "$T/fifo" "not basin's marker (not a plain file)" "a FIFO as the marker"
cp -r "$T/out" "$T/linked" && rm "$T/linked/records.csv" && ln -s /dev/zero "$T/linked/records.csv"
report_refuses "$T/linked" "records.csv is not a plain file" "a listed file that is a link"
check "report reads a whole set" "$BASIN" report "$T/out" --quiet
finish
