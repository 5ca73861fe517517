#!/usr/bin/env python3
"""Write the binary seed inputs of tests/fuzz/corpus/ (npy, npz, idx, checkpoint,
measure): valid files and a few near-misses each, small so that a fuzzer starts
from them quickly. The text seeds (csv, recipe, prototype, run-toml) are plain
files written by hand. Python's standard library only; the output is the same on
every run, so the committed files are what this script writes:

    python3 tests/fuzz/make_corpus.py        # from the repository root
"""
import gzip
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SEPARATOR = b"\n--basin-fuzz-part--\n"  # fuzz.h's FUZZ_SEPARATOR


def write(name, folder, data):
    path = os.path.join(HERE, "corpus", folder)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- .npy

def npy(descr, shape, data, version=1, fortran="False", dict_text=None):
    """A .npy file: magic, version, header length, the dict padded to 16 bytes."""
    if dict_text is None:
        dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
        dict_text = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
            descr, fortran, dims)
    prefix = 10 if version == 1 else 12
    text = dict_text.encode()
    pad = (16 - (prefix + len(text) + 1) % 16) % 16
    text += b" " * pad + b"\n"
    if version == 1:
        head = b"\x93NUMPY" + bytes([1, 0]) + struct.pack("<H", len(text))
    else:
        head = b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(text))
    return head + text + data


def f4(*values):
    return struct.pack("<%df" % len(values), *values)


def f8(*values):
    return struct.pack("<%dd" % len(values), *values)


def npy_corpus():
    write("f4-3x2.npy", "npy", npy("<f4", (3, 2), f4(0.5, -1, 2, 3.25, -0.125, 7)))
    write("f8-2x3.npy", "npy", npy("<f8", (2, 3), f8(1, 2, 3, -4, 5.5, 1e-3)))
    write("f4-v2.npy", "npy", npy("<f4", (2, 2), f4(1, -1, -1, 1), version=2))
    write("f4-v3.npy", "npy", npy("<f4", (1, 3), f4(0, 0, 1), version=3))
    write("u1-images-2x2x2.npy", "npy", npy("|u1", (2, 2, 2), bytes(range(0, 255, 32))))
    write("u1-rgb-1x2x2x3.npy", "npy", npy("|u1", (1, 2, 2, 3), bytes(range(12))))
    write("i1-2x4.npy", "npy", npy("|i1", (2, 4), struct.pack("<8b", -1, 1, -1, 1, 1, 1, -1, -1)))
    write("i8-2x2.npy", "npy", npy("<i8", (2, 2), struct.pack("<4q", 1, -1, 3, 4)))
    write("rank8.npy", "npy", npy("<f4", (1, 1, 1, 1, 1, 1, 1, 2), f4(1, 2)))
    # Near-misses.
    write("trailing-bytes.npy", "npy", npy("<f4", (1, 2), f4(1, 2) + b"xyz"))
    write("truncated.npy", "npy", npy("<f4", (3, 2), f4(1, 2, 3)))
    write("nan.npy", "npy", npy("<f4", (2, 1), f4(1, float("nan"))))
    write("f8-beyond-f4.npy", "npy", npy("<f8", (1, 1), f8(1e300)))
    write("fortran.npy", "npy", npy("<f4", (1, 2), f4(1, 2), fortran="True"))
    write("big-endian.npy", "npy", npy(">f4", (1, 2), struct.pack(">2f", 1, 2)))
    write("rank1.npy", "npy", npy("<f4", (2,), f4(1, 2)))
    write("zero-rows.npy", "npy", npy("<f4", (0, 2), b""))
    write("huge-shape.npy", "npy", npy("<f4", (4294967295, 4294967295, 3), f4(1)))
    write("no-shape-key.npy", "npy",
          npy("<f4", (), f4(1), dict_text="{'descr': '<f4', 'fortran_order': False}"))
    write("repeated-key.npy", "npy",
          npy("<f4", (), f4(1), dict_text="{'descr': '<f4', 'descr': '<f4', "
              "'fortran_order': False, 'shape': (1, 1)}"))
    write("version-4.npy", "npy", npy("<f4", (1, 1), f4(1), version=4))
    write("bad-magic.npy", "npy", b"\x93NUMPX" + npy("<f4", (1, 1), f4(1))[6:])
    write("header-past-end.npy", "npy", b"\x93NUMPY\x01\x00\xff\x7f{'descr'")


# ---------------------------------------------------------------- IDX

def idx_images(images, rows, cols, magic=0x803, count=None):
    n = len(images) if count is None else count
    return struct.pack(">IIII", magic, n, rows, cols) + b"".join(images)


def idx_labels(labels, magic=0x801, count=None):
    n = len(labels) if count is None else count
    return struct.pack(">II", magic, n) + bytes(labels)


def gz(data):
    return gzip.compress(data, mtime=0)


def idx_corpus():
    imgs = [bytes([(17 * i + k) % 256 for k in range(4)]) for i in range(3)]
    train = idx_images(imgs, 2, 2)
    labels = idx_labels([0, 1, 0])
    test = idx_images(imgs[:2], 2, 2)
    test_labels = idx_labels([1, 0])
    parts = SEPARATOR.join
    write("train-only", "idx", train)
    write("train-only-gz", "idx", gz(train))
    write("with-labels", "idx", parts([train, labels]))
    write("all-four", "idx", parts([train, labels, test, test_labels]))
    write("all-four-gz", "idx", parts([gz(train), gz(labels), gz(test), gz(test_labels)]))
    write("28x28", "idx", idx_images([bytes(784)], 28, 28))
    # Near-misses.
    write("bad-magic", "idx", idx_images(imgs, 2, 2, magic=0x801))
    write("truncated-pixels", "idx", train[:-3])
    write("truncated-gz", "idx", gz(train)[:-6])
    write("zero-height", "idx", idx_images([], 0, 2))
    write("count-beyond-data", "idx", idx_images(imgs, 2, 2, count=1000))
    write("label-count-mismatch", "idx", parts([train, idx_labels([0, 1])]))
    write("test-size-mismatch", "idx", parts([train, labels, idx_images([bytes(9)], 3, 3),
                                              idx_labels([0])]))
    write("no-class-0", "idx", parts([train, idx_labels([2, 2, 2])]))


# ---------------------------------------------------------------- checkpoints

def layout_params(dim, width, depth, embed, resnet=0):
    """mlp_net.h: depth hidden layers of width, input dim + embed, output dim; or
    (resnet) an input layer, depth residual blocks and a final LayerNorm."""
    if resnet:
        return ((dim + embed) * width + width + depth * (2 * width + 2 * (width * width + width))
                + 2 * width + width * dim + dim)
    total = 0
    for layer in range(depth + 1):
        fan_in = dim + embed if layer == 0 else width
        fan_out = dim if layer == depth else width
        total += fan_in * fan_out + fan_out
    return total


def checkpoint(dim=2, width=3, depth=1, embed=2, n_params=None, version=3, header=216,
               weights=None, crc_delta=0, extra=b"", architecture=0):
    """mlp_checkpoint.h, format version 3."""
    p = layout_params(dim, width, depth, embed, architecture)
    n = p if n_params is None else n_params
    h = bytearray(216)
    h[0:8] = b"BASINMLP"
    struct.pack_into("<III", h, 8, version, header, dim)
    struct.pack_into("<III", h, 20, width, depth, embed)
    struct.pack_into("<QQQQ", h, 32, 16, 0x1234, 0x5678, 0x9abc)
    struct.pack_into("<9d", h, 64, 0.5, 1e-3, 0.9, 0.999, 1e-8, 0.0, -1.2, 1.2, 0.0)
    struct.pack_into("<QQQQ", h, 136, 8, 100, 100, n)
    struct.pack_into("<4d", h, 168, 0.25, 0.0, 0.002, 80.0)
    struct.pack_into("<QQ", h, 200, 1, architecture)
    if weights is None:
        weights = [((7 * k) % 11 - 5) / 10 for k in range(p)]
    body = bytes(h) + struct.pack("<%df" % len(weights), *weights)
    crc = (zlib.crc32(body) + crc_delta) & 0xFFFFFFFF
    return body + struct.pack("<I", crc) + extra


def checkpoint_corpus():
    write("valid-2x3x1", "checkpoint", checkpoint())
    write("valid-deep", "checkpoint", checkpoint(dim=3, width=2, depth=3, embed=4))
    write("valid-resnet", "checkpoint",
          checkpoint(dim=3, width=4, depth=2, embed=2, architecture=1))
    write("architecture-2", "checkpoint", checkpoint(architecture=2))
    write("version-2", "checkpoint", checkpoint(version=2, header=208))
    # Near-misses.
    write("bad-crc", "checkpoint", checkpoint(crc_delta=1))
    write("truncated", "checkpoint", checkpoint()[:-9])
    write("byte-after-crc", "checkpoint", checkpoint(extra=b"\0"))
    write("n-params-wrong", "checkpoint", checkpoint(n_params=5))
    write("version-1", "checkpoint", checkpoint(version=1))
    write("header-size", "checkpoint", checkpoint(header=200))
    write("depth-0", "checkpoint", checkpoint(depth=0, weights=[]))
    write("odd-embed", "checkpoint", checkpoint(embed=3, weights=[]))
    write("nan-weight", "checkpoint",
          checkpoint(weights=[float("nan")] + [0.0] * (layout_params(2, 3, 1, 2) - 1)))
    write("magic-only", "checkpoint", b"BASINMLP")


# ---------------------------------------------------------------- basin measure

def measure_corpus():
    train = npy("<f4", (3, 2), f4(1, 0, 0, 1, -1, -1))
    samples = npy("<f4", (4, 2), f4(1, 0.01, 0.5, 0.5, 3, 3, 0, 1))
    heldout = npy("<f8", (2, 2), f8(0.2, 0.1, -0.5, 0.4))
    binary = npy("<f4", (2, 3), f4(1, -1, 1, -1, -1, 1))
    binary_samples = npy("<f4", (2, 3), f4(1, -1, 1, 1, 1, 1))
    parts = SEPARATOR.join
    write("train-samples", "measure", parts([train, samples]))
    write("with-heldout", "measure", parts([train, samples, heldout]))
    write("options", "measure", parts([train, samples, heldout,
                                       b"--rule=ratio\n--set=measure.ratio=0.5\n"
                                       b"--chunk=16"]))
    write("binary-overlap", "measure", parts([binary, binary_samples, b"",
                                              b"--rule=auto"]))
    write("pham-options", "measure", parts([train, samples, b"",
                                            b"--rule=pham\n--set=measure.delta_m=0.5\n"
                                            b"--set=delta_s=0.25"]))
    # Near-misses.
    write("dim-mismatch", "measure", parts([train, binary_samples]))
    write("nan-sample", "measure", parts([train, npy("<f4", (1, 2), f4(float("nan"), 0))]))
    write("u1-train", "measure", parts([npy("|u1", (1, 2), b"\1\2"), samples]))
    write("bad-rule", "measure", parts([train, samples, b"", b"--rule=nearest"]))
    write("bad-set", "measure", parts([train, samples, b"", b"--set=measure.collapse=1"]))
    write("one-part", "measure", train)


# ---------------------------------------------------------------- .npz

def npz(members, method):
    """A zip of (name, bytes) members as np.savez (stored) or
    np.savez_compressed (deflated) writes them, with fixed dates."""
    out, central = b"", b""
    for name, data in members:
        raw = name.encode()
        body = data
        if method == 8:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            body = c.compress(data) + c.flush()
        crc = zlib.crc32(data)
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc,
                            len(body), len(data), len(raw), 0)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0,
                               0x21, crc, len(body), len(data), len(raw), 0, 0, 0, 0, 0,
                               len(out))
        central += raw
        out += local + raw + body
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                      len(central), len(out), 0)
    return out + central + end


def npz_corpus():
    a = npy("<f4", (3, 2), f4(0, 1, 2, 3, 4, 5))
    half = npy("<f2", (2, 2), struct.pack("<4H", 0x3C00, 0xC000, 0x0001, 0x7BFF))
    ints = npy("<i4", (2, 3), struct.pack("<6i", 1, -2, 3, 2**31 - 1, -(2**31), 0))
    write("stored-one.npz", "npz", npz([("arr_0.npy", a)], 0))
    write("stored-a-b.npz", "npz", npz([("a.npy", a), ("b.npy", half)], 0))
    deflated = npz([("a.npy", ints)], 8)
    write("deflate-a.npz", "npz", deflated)
    bad = bytearray(deflated)
    bad[40] ^= 0xFF  # inside the deflate stream
    write("deflate-bad.npz", "npz", bytes(bad))
    write("truncated.npz", "npz", npz([("arr_0.npy", a)], 0)[:100])


if __name__ == "__main__":
    npy_corpus()
    npz_corpus()
    idx_corpus()
    checkpoint_corpus()
    measure_corpus()
