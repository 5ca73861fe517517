"""Checks of a `basin report` folder, for tests/report/report.sh.

  check_report.py figures DIR NAME=WxH ...   each NAME.svg parses as SVG of W×H
                                             and NAME.png is a PNG of W×H
  check_report.py grid DIR TRAIN.npy         samples.png tiles equal samples.npy
                                             rows and their nearest training rows
  check_report.py pairs DIR                  pairs.dat holds summary.csv's means and
                                             the quartiles of records.csv's d_pair,
                                             cos_pair per sweep point
  check_report.py training DIR               training.dat: a block per job and
                                             training (steps restart), training.csv's
                                             values
  check_report.py harness DIR OUT.html       a page that loads report.html's images
Exit 1 with a message on the first failure.
"""
import csv
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

import numpy as np


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def png_decode(path):
    """Width, height and an H×W×3 uint8 array of an 8-bit RGB PNG (the filters of
    the PNG specification, section 9)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: no PNG signature")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            fail(f"{path}: bad CRC in chunk {kind}")
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if ihdr is None:
        fail(f"{path}: no IHDR")
    return ihdr, idat


def png_size(path):
    ihdr, _ = png_decode(path)
    return ihdr[0], ihdr[1]


def png_pixels(path):
    ihdr, idat = png_decode(path)
    w, h, depth, colour = ihdr[:4]
    if depth != 8 or colour != 2:
        fail(f"{path}: expected 8-bit RGB, got depth {depth} colour type {colour}")
    raw = zlib.decompress(idat)
    stride, bpp = w * 3, 3
    out = np.zeros((h, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, dtype=np.int32)
        for x in range(stride):
            a = cur[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 0:
                p = 0
            elif f == 1:
                p = a
            elif f == 2:
                p = b
            elif f == 3:
                p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[x] = (line[x] + p) & 0xff
        out[y] = cur
        prev = cur
    return out.reshape(h, w, 3)


def figures(folder, specs):
    for spec in specs:
        name, size = spec.split("=")
        w, h = (int(v) for v in size.split("x"))
        root = ET.parse(f"{folder}/{name}.svg").getroot()
        if not root.tag.endswith("svg"):
            fail(f"{name}.svg: root element is {root.tag}")
        sw, sh = root.get("width"), root.get("height")
        if (int(float(sw)), int(float(sh))) != (w, h):
            fail(f"{name}.svg is {sw}x{sh}, expected {w}x{h}")
        if png_size(f"{folder}/{name}.png") != (w, h):
            fail(f"{name}.png is {png_size(f'{folder}/{name}.png')}, expected {w}x{h}")
        for ext in ("gp", "dat"):
            if not open(f"{folder}/{name}.{ext}").read().strip():
                fail(f"{name}.{ext} is empty")


def grid(folder, train_path):
    samples = np.load(f"{folder}/samples.npy")
    train = np.load(train_path).reshape(np.load(train_path).shape[0], -1)
    px = png_pixels(f"{folder}/samples.png")
    rows = list(csv.DictReader(open(f"{folder}/samples-grid.csv")))
    if not rows:
        fail("samples-grid.csv lists no tiles")
    records = list(csv.DictReader(open(f"{folder}/records.csv")))
    classes = set()
    for t in rows:
        rec = records[int(t["record"])]
        if rec["class"] != t["class"] or rec["nearest"] != t["nearest"]:
            fail(f"tile {t['tile']}: class/nearest differ from records.csv")
        classes.add(t["class"])
        s, h, w = int(t["scale"]), int(t["height"]), int(t["width"])
        lo, hi = float(t["lo"]), float(t["hi"])
        for image, x0, y0 in ((samples[int(t["record"])], "x_sample", "y_sample"),
                              (train[int(t["nearest"])], "x_nearest", "y_nearest")):
            x0, y0 = int(t[x0]), int(t[y0])
            want = np.clip(np.rint(255 * (image.reshape(h, w).astype(np.float64) - lo)
                                   / (hi - lo)), 0, 255)
            want = np.kron(want, np.ones((s, s)))          # each pixel s × s
            got = px[y0:y0 + h * s, x0:x0 + w * s, :]
            # Grey: the three channels equal. Off by at most one level: lo and hi
            # are printed to 9 digits, so a value at a rounding edge may differ.
            if got.shape[:2] != want.shape:
                fail(f"tile {t['tile']}: outside the image")
            for k in range(3):
                err = np.abs(got[:, :, k] - want).max()
                if err > 1:
                    fail(f"tile {t['tile']} ({x0},{y0}): pixels differ by {err}")
    print(f"grid: {len(rows)} tiles match ({', '.join(sorted(classes))})")


def dat_blocks(path):
    """The data blocks of a gnuplot .dat file (separated by blank lines), each a
    list of rows of fields; a quoted last field is kept as one string."""
    blocks, cur = [], []
    for line in open(path):
        line = line.strip()
        if line.startswith("#"):
            continue
        if not line:
            if cur:
                blocks.append(cur)
            cur = []
            continue
        label = None
        if line.endswith('"'):
            line, label = line[:line.index('"')], line[line.index('"') + 1:-1]
        row = [float(v) for v in line.split()]
        cur.append(row + ([label] if label is not None else []))
    if cur:
        blocks.append(cur)
    return blocks


def close(a, b):
    # Both sides are printed to 9 significant digits (%.9g): a relative 1e-7 holds.
    return (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-7 * max(1, abs(b))


def pairs(folder):
    summary = list(csv.DictReader(open(f"{folder}/summary.csv")))
    records = list(csv.DictReader(open(f"{folder}/records.csv")))
    axis = list(summary[0].keys())[0]
    rows = [r for b in dat_blocks(f"{folder}/pairs.dat") for r in b]
    if len(rows) != len(summary):
        fail(f"pairs.dat has {len(rows)} rows, summary.csv {len(summary)}")
    for row in rows:
        p = [i for i, s in enumerate(summary) if s[axis] == row[-1]]
        if len(p) != 1:
            fail(f"pairs.dat: x label {row[-1]} is not one sweep point")
        p = p[0]
        for m, (mean, col) in enumerate((("pair_distance", "d_pair"),
                                         ("pair_cosine", "cos_pair"))):
            v = np.array([float(r[col]) for r in records if int(r["point"]) == p])
            v = v[np.isfinite(v)]
            # numpy's default percentile is Hyndman & Fan's definition 7.
            want = [float(summary[p][mean])] + list(np.percentile(v, [25, 50, 75]))
            got = row[1 + 4 * m:5 + 4 * m]
            for g, w in zip(got, want):
                if not close(g, w):
                    fail(f"pairs.dat point {p} {col}: {got}, expected {want}")
    print(f"pairs: {len(rows)} points match summary.csv and records.csv")


def training(folder):
    rows = list(csv.DictReader(open(f"{folder}/training.csv")))
    # Curves: per job, runs of increasing steps (file order).
    curves = {}
    for r in rows:
        c = curves.setdefault(int(r["job"]), [[]])
        step = float(r["step"])
        if c[-1] and step <= c[-1][-1][0]:
            c.append([])
        c[-1].append((step, float(r["value"])))
    want = [seg for job in sorted(curves) for seg in curves[job]]
    blocks = dat_blocks(f"{folder}/training.dat")
    if len(blocks) != len(want):
        fail(f"training.dat has {len(blocks)} curves, expected {len(want)}")
    for k, (b, w) in enumerate(zip(blocks, want)):
        if len(b) != len(w):
            fail(f"training.dat curve {k}: {len(b)} points, expected {len(w)}")
        for (s, v, _), (ws, wv) in zip(b, w):
            if not (close(s, ws) and close(v, wv)):
                fail(f"training.dat curve {k}: ({s}, {v}), expected ({ws}, {wv})")
    print(f"training: {len(blocks)} curves match training.csv")


def harness(folder, out):
    page = open(f"{folder}/report.html").read()
    import re
    srcs = re.findall(r'<img src="([^"]+)"', page)
    if not srcs:
        fail("report.html has no images")
    js = ",".join(f'"{s}"' for s in srcs)
    open(out, "w").write(
        "<!DOCTYPE html><html><body><div id=out>pending</div><script>"
        f"var srcs=[{js}],res=[],left=srcs.length;"
        "srcs.forEach(function(s){var i=new Image();"
        "i.onload=function(){res.push(s+(i.naturalWidth>0?':ok':':empty'));"
        "if(--left==0)done()};"
        "i.onerror=function(){res.push(s+':error');if(--left==0)done()};i.src=s;});"
        "function done(){document.getElementById('out').textContent="
        "'RESULT '+res.sort().join(' ')+' END';}</script></body></html>\n")
    print(len(srcs))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "figures":
        figures(sys.argv[2], sys.argv[3:])
    elif cmd == "grid":
        grid(sys.argv[2], sys.argv[3])
    elif cmd == "pairs":
        pairs(sys.argv[2])
    elif cmd == "training":
        training(sys.argv[2])
    elif cmd == "harness":
        harness(sys.argv[2], sys.argv[3])
    print("ok")
