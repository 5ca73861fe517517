"""Reading a results folder of ``basin run`` or ``basin measure`` (docs/python.md).

The files are read as basin wrote them; nothing is recomputed here."""

import csv
import glob
import os
import re

import numpy as np

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

__all__ = ["Result", "load", "read_csv"]

# The CSV files of a results folder (README, Results): attribute name -> file.
TABLES = ("summary", "records", "training", "spurious", "collapse", "attractors")


def _use_pandas(pandas):
    """pandas=None: pandas when it imports and BASIN_PYTHON_NO_PANDAS is unset."""
    if pandas is None and os.environ.get("BASIN_PYTHON_NO_PANDAS"):
        return None
    if pandas is False:
        return None
    try:
        import pandas as pd
    except ImportError:
        if pandas is True:  # asked for by name: say it is missing
            raise
        return None
    return pd


def _column(values):
    """One CSV column as an array: int64 when every cell is an integer, float64 when
    every cell is a number (nan, inf included), else unicode strings."""
    try:
        return np.array([int(v) for v in values], dtype=np.int64)
    except ValueError:
        pass
    try:
        return np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        return np.array(values, dtype=str)


def _structured(path):
    """A CSV file as a NumPy structured array whose field names are the header's
    (dotted names such as dataset.load included)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError("%s: empty file (no header)" % path)
    header, body = rows[0], rows[1:]
    for i, row in enumerate(body):
        if len(row) != len(header):
            raise ValueError("%s:%d: %d fields, the header has %d"
                             % (path, i + 2, len(row), len(header)))
    columns = [_column([row[c] for row in body]) for c in range(len(header))]
    dtype = []
    for name, col in zip(header, columns):
        if col.dtype.kind == "U":
            dtype.append((name, "U%d" % max(1, col.dtype.itemsize // 4)))
        else:
            dtype.append((name, col.dtype))
    out = np.empty(len(body), dtype=dtype)
    for name, col in zip(header, columns):
        if len(body):
            out[name] = col
    return out


def read_csv(path, pandas=None):
    """One of basin's CSV files: a pandas DataFrame (pandas installed, pandas not
    False, BASIN_PYTHON_NO_PANDAS unset) or a NumPy structured array. ``nan`` cells
    are NaN in both; an empty string cell stays an empty string."""
    pd = _use_pandas(pandas)
    if pd is not None:
        return pd.read_csv(path, keep_default_na=False, na_values=["nan"])
    return _structured(path)


class Result:
    """A results folder, loaded.

    path        the folder
    summary     summary.csv: one row per sweep point (None when absent)
    records     records.csv: one row per final state
    training    training.csv, spurious, collapse, attractors: their CSV files, or None
    samples     samples.npy (float32, one row per record) as an array; a run that
                sweeps the dimension has samples-dim<N>.npy, given as {N: array};
                None when absent (`basin measure` does not copy its inputs)
    recipe      run.toml parsed with tomllib: the resolved recipe (or, for a
                `basin measure` folder, its inputs and [measure] table)
    kind        "run" or "measure"
    """

    def __init__(self, path):
        self.path = path

    def __repr__(self):
        have = [t for t in TABLES if getattr(self, t) is not None]
        return "<basin.Result %s %s: %s>" % (self.kind, self.path, ", ".join(have))


def _samples(path):
    one = os.path.join(path, "samples.npy")
    if os.path.exists(one):
        return np.load(one)
    per_dim = {}
    for f in glob.glob(os.path.join(path, "samples-dim*.npy")):
        m = re.match(r"samples-dim(\d+)\.npy$", os.path.basename(f))
        if m:
            per_dim[int(m.group(1))] = np.load(f)
    return dict(sorted(per_dim.items())) or None


def load(path, pandas=None):
    """Load the results folder ``path`` written by ``basin run`` or ``basin
    measure``: a Result. Tables are pandas DataFrames when pandas is installed
    (``pandas=False`` or the environment variable BASIN_PYTHON_NO_PANDAS=1 force
    NumPy structured arrays; ``pandas=True`` requires pandas). Raises
    FileNotFoundError when the folder has no summary.csv."""
    path = os.fspath(path)
    if not os.path.isfile(os.path.join(path, "summary.csv")):
        raise FileNotFoundError("%s: not a basin results folder (no summary.csv)" % path)
    r = Result(path)
    for t in TABLES:
        f = os.path.join(path, t + ".csv")
        setattr(r, t, read_csv(f, pandas) if os.path.isfile(f) else None)
    r.samples = _samples(path)
    r.recipe = None
    toml = os.path.join(path, "run.toml")
    if os.path.isfile(toml) and tomllib is not None:
        with open(toml, "rb") as f:
            r.recipe = tomllib.load(f)
    r.kind = "measure" if r.recipe is not None and "inputs" in r.recipe else "run"
    return r
