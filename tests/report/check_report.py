"""Checks of a `basin report` folder, for tests/report/report.sh.

  check_report.py figures DIR NAME=WxH ...   each NAME.svg parses as SVG of W×H,
                                             NAME.png is a PNG of W×H and NAME.pdf
                                             a whole PDF of one W/100 × H/100 in page
  check_report.py distances DIR              distances.dat: per sweep point the
                                             histograms of records.csv's d_m and
                                             d_m/d_2, counts summing to its samples
  check_report.py scatter DIR JOB [TRAIN]    scatter.dat: job JOB's samples.npy rows
                                             by records.csv's class (and TRAIN.npy's
                                             points first)
  check_report.py table DIR                  report.html's summary table: no column
                                             without a value, every other column of
                                             summary.csv shown or listed
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
        pdf = open(f"{folder}/{name}.pdf", "rb").read()
        if not pdf.startswith(b"%PDF-1.") or not pdf.rstrip().endswith(b"%%EOF"):
            fail(f"{name}.pdf: not a whole PDF (header or %%EOF missing)")
        import re
        boxes = re.findall(rb"/MediaBox \[ *0 0 ([0-9.]+) ([0-9.]+) *\]", pdf)
        # 100 pixels to the inch: 0.72 pt a pixel; cairo rounds to a point.
        if len(boxes) != 1 or any(abs(float(v) - 0.72 * want) > 1
                                  for v, want in zip(boxes[0], (w, h))):
            fail(f"{name}.pdf: pages {boxes}, expected one of {0.72 * w} x {0.72 * h} pt")


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


def distances(folder):
    records = list(csv.DictReader(open(f"{folder}/records.csv")))
    n_points = len(list(csv.DictReader(open(f"{folder}/summary.csv"))))
    blocks = dat_blocks(f"{folder}/distances.dat")
    if len(blocks) != min(n_points, 8):
        fail(f"distances.dat has {len(blocks)} blocks, expected {min(n_points, 8)}")
    heads = [l for l in open(f"{folder}/distances.dat") if l.startswith("# point ")]
    total = 0
    for p, b in enumerate(blocks):
        rows = [r for r in records if int(r["point"]) == p]
        dm = np.array([float(r["d_m"]) for r in rows])
        d2 = np.array([float(r["d_2"]) for r in rows])
        b = np.array(b)
        nan_dm = int(heads[p].split("without d_m ")[1].split(",")[0])
        nan_ratio = int(heads[p].split("without d_m/d_2 ")[1])
        # Every sample is in a bin or counted as without a value.
        if b[:, 2].sum() + nan_dm != len(rows) or b[:, 6].sum() + nan_ratio != len(rows):
            fail(f"distances.dat point {p}: counts {b[:, 2].sum()} + {nan_dm} and "
                 f"{b[:, 6].sum()} + {nan_ratio}, but records.csv has {len(rows)}")
        # The counts are numpy's histogram over the same edges (the top edge in
        # the last bin, as numpy does).
        edges = np.append(b[:, 0], b[-1, 1])
        want = np.histogram(dm[np.isfinite(dm)], edges)[0]
        if not np.array_equal(want, b[:, 2]):
            fail(f"distances.dat point {p}: d_m counts {b[:, 2]}, expected {want}")
        ratio = dm / d2
        ratio = ratio[np.isfinite(ratio) & (d2 > 0)]
        want = np.histogram(ratio, np.append(b[:, 4], b[-1, 5]))[0]
        if not np.array_equal(want, b[:, 6]):
            fail(f"distances.dat point {p}: d_m/d_2 counts {b[:, 6]}, expected {want}")
        if not np.allclose(b[:, 3], b[:, 2] / len(rows), rtol=1e-7):
            fail(f"distances.dat point {p}: fractions are not counts / {len(rows)}")
        total += len(rows)
    print(f"distances: {len(blocks)} points, {total} samples match records.csv")


def scatter(folder, job, train_path=None):
    records = list(csv.DictReader(open(f"{folder}/records.csv")))
    samples = np.load(f"{folder}/samples.npy")
    blocks = dat_blocks(f"{folder}/scatter.dat")
    if len(blocks) != 6:
        fail(f"scatter.dat has {len(blocks)} blocks, expected 6")
    if train_path:
        train = np.load(train_path)
        if not np.allclose(np.array(blocks[0]), train[:len(blocks[0])], rtol=1e-7):
            fail("scatter.dat's training points are not TRAIN.npy's")
    names = ["memorized", "spurious", "generalized", "off_support", "unconverged"]
    for c, name in enumerate(names):
        want = samples[[i for i, r in enumerate(records)
                        if r["job"] == job and r["class"] == name]]
        got = np.array([r for r in blocks[c + 1] if not np.isnan(r[0])]).reshape(-1, 2)
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-7):
            fail(f"scatter.dat {name}: {got.shape[0]} points, expected "
                 f"{want.shape[0]} (job {job})")
    print(f"scatter: job {job}'s samples by class match")


def table(folder):
    import re
    page = open(f"{folder}/report.html").read()
    m = re.search(r'<table id="summary">(.*?)</table>', page, re.S)
    if not m:
        fail("report.html has no summary table")
    shown = re.findall(r'<th title="([^"]+)"', m.group(1))
    summary = list(csv.DictReader(open(f"{folder}/summary.csv")))
    cols = list(summary[0].keys())
    empty = {c for c in cols if all(r[c] in ("", "nan") for r in summary)}
    if empty & set(shown):
        fail(f"the table shows columns without a value: {sorted(empty & set(shown))}")
    if 'href="summary.csv"' not in page:
        fail("the page does not link summary.csv")
    for c in empty:
        if not (c[-3:] in ("_lo", "_hi") and c[:-3] in cols) and \
                c not in page[:m.start()]:
            fail(f"the page does not say that {c} is hidden")
    for c in cols:
        bound = c[-3:] in ("_lo", "_hi") and c[:-3] in cols
        if c not in shown and c not in empty and not bound and c != "seconds" and \
                f"{c} = " not in page:
            fail(f"summary.csv's {c} is neither shown nor listed as the same everywhere")
    rows = m.group(1).count("<tr>") - 1
    if rows != len(summary):
        fail(f"the table has {rows} rows, summary.csv {len(summary)}")
    print(f"table: {len(shown)} of {len(cols)} columns shown, {len(empty)} empty hidden")


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
    elif cmd == "distances":
        distances(sys.argv[2])
    elif cmd == "scatter":
        scatter(sys.argv[2], *sys.argv[3:])
    elif cmd == "table":
        table(sys.argv[2])
    elif cmd == "harness":
        harness(sys.argv[2], sys.argv[3])
    print("ok")
