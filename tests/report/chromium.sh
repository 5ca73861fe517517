#!/bin/bash
# Load a report's images in headless Chromium (Debian's chromium): every <img> of
# report.html must load and decode (naturalWidth > 0). The page itself has no
# script, so a small harness page beside it, listing report.html's image sources,
# loads them and writes the outcome into its DOM, which --dump-dom prints.
set -u
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: $CHROMIUM is not installed (Debian package chromium)"
    exit 77
fi
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
$PY -c "
import numpy as np
np.save('$T/train.npy', np.random.default_rng(1).uniform(-1, 1, (5, 6, 6)).astype(np.float32))
"
cat > "$T/r.toml" <<TOML
name = "chromium"
[dataset]
plugin = "datasets/npy"
path = "$T/train.npy"
[model]
plugin = "scores/empirical"
[sampler]
plugin = "samplers/ddim"
steps = 10
eta = 1
[schedule]
t_min = [0.001, 0.5]
[init]
kind = "noise"
count = 8
[measure]
collapse = true
clones = 2
[output]
report = true
TOML
"$BASIN" run "$T/r.toml" --out "$T/out" --quiet || fail "run"
n=$($PY "$SOURCE_ROOT/tests/report/check_report.py" harness "$T/out" \
    "$T/out/check.html" | head -1) || fail "harness"
# The page itself parses and shows n images.
shown=$(timeout 120 "$CHROMIUM" --headless --disable-gpu --no-sandbox \
    --user-data-dir="$T/profile" --dump-dom "file://$T/out/report.html" \
    2>/dev/null | grep -o '<img ' | wc -l)
[ "$shown" = "$n" ] || fail "chromium sees $shown images on report.html, expected $n"
result=$(timeout 120 "$CHROMIUM" --headless --disable-gpu --no-sandbox \
    --user-data-dir="$T/profile" --virtual-time-budget=10000 --dump-dom \
    "file://$T/out/check.html" 2>/dev/null | grep -o 'RESULT [^<]*END' | head -1)
[ -n "$result" ] || fail "the harness did not finish"
echo "$result"
ok=$(printf '%s' "$result" | grep -o ':ok' | wc -l)
[ "$ok" = "$n" ] || fail "$ok of $n images loaded: $result"
echo "chromium: all $n images of report.html loaded"
