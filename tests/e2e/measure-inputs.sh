# basin measure's inputs: standard input ("-"), .npz archives (np.savez stored,
# np.savez_compressed deflated; A.npz with one array, A.npz:NAME), float16 and
# int32 arrays. Each gives the records.csv of the same values given as a float32
# .npy (float16 and int32 values are exact in float32); a damaged archive is a
# one-line error naming it and the member, exit 2.
. "$SOURCE_ROOT/tests/e2e/lib.sh"

PY=/usr/bin/python3
if ! $PY -c 'import numpy' 2>/dev/null; then
    echo "SKIP: /usr/bin/python3 has no numpy"
    exit 77
fi
cd "$T"
$PY - <<'PY'
import numpy as np, zipfile
rng = np.random.default_rng(7)
# values on a 1/64 grid of [-4, 4]: exact in float16 and, times 64, in int32
t = np.round(rng.normal(size=(60, 5)) * 64).clip(-256, 256) / 64
g = np.concatenate([t[:20] + 1 / 64, np.round(rng.normal(size=(30, 5)) * 64) / 64])
np.save("t.npy", t.astype(np.float32))
np.save("g.npy", g.astype(np.float32))
np.save("t64.npy", (t * 64).astype(np.float32))
np.save("g64.npy", (g * 64).astype(np.float32))
np.savez("both.npz", train=t.astype(np.float32), samples=g.astype(np.float32))
np.savez_compressed("g16.npz", g.astype(np.float16))
np.save("g16.npy", g.astype(np.float16))
np.save("ti.npy", (t * 64).astype(np.int32))
np.save("gi.npy", (g * 64).astype(np.int32))
# damaged copies: a stored member's byte flipped (CRC), the archive cut short
b = bytearray(open("both.npz", "rb").read())
b[200] ^= 0x55
open("crc.npz", "wb").write(b)
open("cut.npz", "wb").write(open("g16.npz", "rb").read()[:-30])
PY
M() { "$BASIN" measure --quiet --set measure.delta_m=0.05 --set measure.delta_s=0.05 "$@" \
    2>/dev/null; }
M --train t.npy --samples g.npy --out ref
check "reference run" test -s ref/records.csv
M --train both.npz:train --samples both.npz:samples --out npz
check "A.npz:NAME (np.savez, stored) gives the .npy's records" cmp ref/records.csv npz/records.csv
M --train t.npy --samples - --out stdin <g.npy
check "--samples - reads standard input" cmp ref/records.csv stdin/records.csv
M --train - --samples g.npy --out stdin2 <t.npy
check "--train - reads standard input" cmp ref/records.csv stdin2/records.csv
M --train t.npy --samples g16.npz --out f16z
check "a float16 array of np.savez_compressed (deflate), alone in A.npz" \
    cmp ref/records.csv f16z/records.csv
M --train t.npy --samples - --out f16s <g16.npy
check "float16 from standard input" cmp ref/records.csv f16s/records.csv
"$BASIN" measure --quiet --set measure.delta_m=3.2 --set measure.delta_s=3.2 \
    --train t64.npy --samples g64.npy --out ref64 2>/dev/null
"$BASIN" measure --quiet --set measure.delta_m=3.2 --set measure.delta_s=3.2 \
    --train ti.npy --samples gi.npy --out int 2>/dev/null
check "int32 arrays give the float32 records" cmp ref64/records.csv int/records.csv
check "the summary counts memorized samples" test "$(first ref/summary.csv memorized_rate)" != ""

expect_fail 2 "both.npz: holds 2 arrays (train.npy, samples.npy): name one as both.npz:NAME" \
    "an archive of two arrays without a name" -- "$BASIN" measure --train both.npz --samples g.npy --out x
expect_fail 2 "both.npz: no array 'heldout' (it holds: train.npy, samples.npy)" \
    "an array the archive lacks" -- "$BASIN" measure --train t.npy --samples both.npz:heldout --out x
expect_fail 2 "crc.npz:train.npy: CRC-32" "a damaged member" \
    -- "$BASIN" measure --train crc.npz:train --samples g.npy --out x
expect_fail 2 "cut.npz: not a zip archive" "a truncated archive" \
    -- "$BASIN" measure --train t.npy --samples cut.npz --out x
expect_fail 2 "only one input can be read from stdin ('-')" "two inputs from stdin" \
    -- "$BASIN" measure --train - --samples - --out x
expect_fail 2 "stdin: empty" "empty standard input" \
    -- "$BASIN" measure --train t.npy --samples - --out x </dev/null
finish
