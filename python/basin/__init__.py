"""basin from Python: run recipes, classify NumPy samples, load results.

    import basin
    r = basin.run("recipes/quickstart.toml", set={"dataset.dim": 200}, out="q")
    r.summary                      # summary.csv as a DataFrame (or structured array)
    m = basin.measure(train, samples, heldout=heldout)
    m.summary["memorized_rate"]

Everything is computed by the ``basin`` command (found as find_basin says) and read
back from the files it writes; this package implements no measure of its own.
docs/python.md is the guide.
"""

import os
import shutil
import tempfile

import numpy as np

from ._cli import BasinError, call, find_basin
from ._load import Result, load, read_csv

__all__ = ["BasinError", "Result", "find_basin", "load", "measure", "read_csv", "run",
           "toml_value"]
__version__ = "0.1.0"


def toml_value(v):
    """A Python value as the TOML text ``--set KEY=VALUE`` takes: bool, int, float,
    str, or a list of them (a sweep)."""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if x != x:
            return "nan"
        if x in (float("inf"), float("-inf")):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, os.PathLike):
        return toml_value(os.fspath(v))
    raise TypeError("cannot write %r as a TOML value" % (v,))


def _sets(set):
    args = []
    for key, value in (set or {}).items():
        args += ["--set", "%s=%s" % (key, toml_value(value))]
    return args


def run(recipe, set=None, out=None, threads=None, fresh=False, basin=None,
        pandas=None):
    """``basin run RECIPE [--set KEY=VALUE]... [--out OUT]``, then load(OUT).

    set: {"dataset.dim": 200, "dataset.load": [0.1, 0.2]}: recipe overrides (relative
    paths among them are taken relative to the working directory, as on
    the command line). out: the results folder (default: basin's, results/<name>).
    threads: --threads. fresh: --fresh. Returns a Result; raises BasinError with
    basin's message and exit status when the run fails."""
    import json
    args = ["run", os.fspath(recipe), "--json"] + _sets(set)
    if out is not None:
        args += ["--out", os.fspath(out)]
    if threads is not None:
        args += ["--threads", str(int(threads))]
    if fresh:
        args.append("--fresh")
    doc = json.loads(call(args, basin))
    return load(out if out is not None else doc["out"], pandas=pandas)


# The element types `basin measure` reads (its usage text).
_READ_DTYPES = [np.dtype(t) for t in ("float32", "float64", "float16", "int32", "int64",
                                      "int8", "uint8")]


def _save(directory, name, a):
    if isinstance(a, (str, os.PathLike)):
        return os.fspath(a)  # a file basin reads itself: .npy, A.npz[:NAME]
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError("%s: expected a 2-D array (rows x dim), got shape %s"
                         % (name, a.shape))
    if a.dtype.newbyteorder("=") not in _READ_DTYPES:
        a = a.astype(np.float64)  # what basin measure does not read: bool, uint16, ...
    a = a.astype(a.dtype.newbyteorder("="), copy=False)
    path = os.path.join(directory, name + ".npy")
    np.save(path, np.ascontiguousarray(a))
    return path


def measure(train, samples, heldout=None, rule=None, set=None, space=None, out=None,
            basin=None, pandas=None):
    """``basin measure``: classify ``samples`` against ``train`` (and ``heldout``)
    with basin's own referee. Each is a 2-D NumPy array (float16/32/64, int8/32/64,
    uint8; others are converted to float64) or the path of a .npy file or an
    ``A.npz[:NAME]`` array. rule: measure.rule (auto, pham, ratio, overlap);
    set: {"measure.delta_m": 0.1, "space.components": 10}; space: an embedding id
    (measure.space). out: keep the results folder there (default: a temporary
    folder, removed once loaded). Returns a Result (summary, records, recipe);
    raises BasinError with basin's message and exit status."""
    tmp = tempfile.mkdtemp(prefix="basin-measure-")
    try:
        args = ["measure", "--quiet",
                "--train", _save(tmp, "train", train),
                "--samples", _save(tmp, "samples", samples)]
        if heldout is not None:
            args += ["--heldout", _save(tmp, "heldout", heldout)]
        if rule is not None:
            args += ["--rule", rule]
        if space is not None:
            args += ["--space", space]
        args += _sets(set)
        where = os.fspath(out) if out is not None else os.path.join(tmp, "results")
        call(args + ["--out", where], basin)
        result = load(where, pandas=pandas)
        if out is None:
            result.path = None  # the temporary folder is gone
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
