"""The Python package (python/basin) against the basin command's own files.

Run by meson test (suite python) under /usr/bin/python3 with PYTHONPATH=build/python;
SOURCE_ROOT names the source tree. Every value the package returns is compared with
what the CLI wrote (summary.csv, records.csv, samples.npy, run.toml) or printed, so a
package that parsed, typed or ordered a column wrongly fails here."""

import csv
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import basin

SOURCE_ROOT = os.environ["SOURCE_ROOT"]
QUICKSTART = os.path.join(SOURCE_ROOT, "recipes", "quickstart.toml")
# A small quickstart: two loads, N = 100, 40 probes each (well under a second).
SMALL = {"dataset.dim": 100, "dataset.load": [0.05, 0.2], "init.count": 40}

try:
    import pandas  # noqa: F401
    HAVE_PANDAS = True
except ImportError:
    HAVE_PANDAS = False


def csv_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def same(a, b):
    """One cell read by the package (a) against the CSV's text (b)."""
    try:
        x = float(b)
    except ValueError:
        return str(a) == b
    return (math.isnan(x) and math.isnan(float(a))) or float(a) == x


def column(table, name):
    """A column of a DataFrame or a structured array as a list."""
    return list(table[name])


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="basin-python-test-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def assertTableIs(self, table, path):
        """Every cell of table equals the CSV file's, column by column, in order."""
        rows = csv_rows(path)
        header = list(rows[0].keys()) if rows else []
        names = list(table.columns) if hasattr(table, "columns") else list(
            table.dtype.names)
        self.assertEqual(names, header)
        self.assertEqual(len(table), len(rows))
        for name in header:
            got = column(table, name)
            for i, row in enumerate(rows):
                self.assertTrue(same(got[i], row[name]),
                                "%s row %d: package %r, file %r" % (name, i, got[i],
                                                                     row[name]))


class Run(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.out = os.path.join(cls.tmp, "q")
        cls.result = basin.run(QUICKSTART, set=SMALL, out=cls.out)

    def test_summary_and_records_equal_the_files(self):
        for pandas in ([True, False] if HAVE_PANDAS else [False]):
            r = basin.load(self.out, pandas=pandas)
            self.assertEqual(r.kind, "run")
            self.assertTableIs(r.summary, os.path.join(self.out, "summary.csv"))
            self.assertTableIs(r.records, os.path.join(self.out, "records.csv"))

    def test_the_set_values_reached_the_run(self):
        r = self.result
        self.assertEqual(column(r.summary, "dataset.load"), [0.05, 0.2])
        self.assertEqual(r.recipe["dataset"]["dim"], 100)
        self.assertEqual(r.recipe["dataset"]["load"], [0.05, 0.2])
        self.assertEqual(r.recipe["init"]["count"], 40)
        # 40 probes a point: the samples column and the records agree.
        self.assertEqual(column(r.summary, "samples"), [40, 40])
        self.assertEqual(len(r.records), 80)

    def test_samples_are_samples_npy_in_record_order(self):
        r = self.result
        self.assertEqual(r.samples.shape, (80, 100))
        self.assertEqual(r.samples.dtype, np.float32)
        # Hopfield states are +-1, and a memorized probe started at pattern `start`
        # ends on it: its overlap m1 (the largest, signed) is 1 within float32.
        self.assertTrue(np.all(np.abs(r.samples) == 1))
        m1 = np.array(column(r.records, "m1"), dtype=float)
        cls = column(r.records, "class")
        memorized = [i for i, c in enumerate(cls) if c == "memorized"]
        self.assertGreater(len(memorized), 40)
        self.assertTrue(np.all(np.abs(m1[memorized]) >= 0.95))

    def test_rates_are_the_classes_of_the_records(self):
        # summary.csv's memorized_rate is the memorized fraction of each point's
        # records: the two tables the package returns agree with each other.
        r = self.result
        cls = np.array(column(r.records, "class"))
        point = np.array(column(r.records, "point"))
        for p, rate in enumerate(column(r.summary, "memorized_rate")):
            self.assertAlmostEqual(float(np.mean(cls[point == p] == "memorized")),
                                   rate, places=9)

    def test_fallback_structured_arrays(self):
        env = dict(os.environ, BASIN_PYTHON_NO_PANDAS="1")
        code = ("import basin, numpy as np, sys; r = basin.load(sys.argv[1]); "
                "assert isinstance(r.summary, np.ndarray), type(r.summary); "
                "assert r.summary.dtype['dataset.load'] == np.float64; "
                "assert r.records.dtype['job'] == np.int64; "
                "assert r.records.dtype['class'].kind == 'U'; "
                "print(repr(r.summary['memorized_rate'].tolist()))")
        out = subprocess.run([sys.executable, "-c", code, self.out], env=env,
                             stdout=subprocess.PIPE, check=True).stdout.decode()
        rates = [float(row["memorized_rate"])
                 for row in csv_rows(os.path.join(self.out, "summary.csv"))]
        self.assertEqual(eval(out), rates)

    @unittest.skipUnless(HAVE_PANDAS, "python3-pandas is not installed")
    def test_pandas_dataframes(self):
        import pandas as pd
        r = basin.load(self.out)
        self.assertIsInstance(r.summary, pd.DataFrame)
        self.assertIsInstance(r.records, pd.DataFrame)

    def test_absent_files_are_none(self):
        self.assertIsNone(self.result.training)
        self.assertIsNone(self.result.attractors)


class Training(Base):
    """A trained denoiser (scores/mlp, 30 steps) swept over two dimensions: training.csv
    and the per-dimension samples-dim<N>.npy files."""

    RECIPE = """name = "py-training"
seed = 4
[dataset]
plugin = "datasets/gaussian"
dim = [3, 4]
count = 12
heldout = 20
[model]
plugin = "scores/mlp"
width = 16
depth = 2
steps = 30
batch = 8
[sampler]
plugin = "samplers/ddpm"
steps = 10
[init]
kind = "noise"
count = 8
[measure]
rule = "ratio"
[output]
samples = true
"""

    def test_training_and_samples_per_dimension(self):
        recipe = os.path.join(self.tmp, "t.toml")
        with open(recipe, "w") as f:
            f.write(self.RECIPE)
        out = os.path.join(self.tmp, "t")
        for pandas in (None, False):  # None: pandas when it imports
            r = basin.run(recipe, out=out, pandas=pandas) if pandas is None else \
                basin.load(out, pandas=False)
            self.assertTableIs(r.training, os.path.join(out, "training.csv"))
            self.assertTableIs(r.summary, os.path.join(out, "summary.csv"))
        self.assertEqual(sorted(r.samples), [3, 4])
        for n in (3, 4):
            a = np.load(os.path.join(out, "samples-dim%d.npy" % n))
            self.assertEqual(r.samples[n].shape, (8, n))
            self.assertTrue(np.array_equal(r.samples[n], a))
        # The loss curve: 30 steps a job, two jobs (one per dimension).
        loss = [row for row in csv_rows(os.path.join(out, "training.csv"))
                if row["name"] == "loss"]
        self.assertGreaterEqual(len(loss), 2)


class Measure(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rng = np.random.default_rng(7)
        cls.train = rng.standard_normal((60, 6)).astype(np.float32)
        cls.heldout = rng.standard_normal((200, 6))
        # 15 copies of training points, then 15 fresh draws of the same law.
        cls.samples = np.vstack([cls.train[:15], rng.standard_normal((15, 6))])

    def test_equals_the_cli_on_the_same_files(self):
        out = os.path.join(self.tmp, "m")
        r = basin.measure(self.train, self.samples, heldout=self.heldout, out=out)
        self.assertEqual(r.kind, "measure")
        self.assertEqual(r.recipe["inputs"]["samples_rows"], 30)
        self.assertTableIs(r.records, os.path.join(out, "records.csv"))
        # The CLI by hand on the same arrays: the same summary but for seconds.
        for name, a in (("t", self.train), ("s", self.samples), ("h", self.heldout)):
            np.save(os.path.join(self.tmp, name + ".npy"), a)
        cli = os.path.join(self.tmp, "m-cli")
        subprocess.run([basin.find_basin(), "measure", "--quiet", "--train",
                        os.path.join(self.tmp, "t.npy"), "--samples",
                        os.path.join(self.tmp, "s.npy"), "--heldout",
                        os.path.join(self.tmp, "h.npy"), "--out", cli], check=True)
        mine, theirs = csv_rows(os.path.join(out, "summary.csv")), csv_rows(
            os.path.join(cli, "summary.csv"))
        for k in theirs[0]:
            if k != "seconds":
                self.assertEqual(mine[0][k], theirs[0][k], k)
        # The copies are memorized at distance 0.
        cls = column(r.records, "class")
        self.assertEqual(cls[:15], ["memorized"] * 15)
        self.assertEqual([float(x) for x in column(r.records, "d_m")[:15]], [0.0] * 15)

    def test_temporary_folder_removed(self):
        r = basin.measure(self.train, self.samples, rule="ratio", pandas=False)
        self.assertIsNone(r.path)
        self.assertEqual(r.recipe["measure"]["rule"], "ratio")
        self.assertEqual(len(r.records), 30)

    def test_dtypes_and_files(self):
        # int8 ±1 patterns go through as they are (overlap rule); a long double
        # array (not read by basin) is converted; a path is handed to basin as is.
        rng = np.random.default_rng(3)
        pats = np.where(rng.random((20, 50)) < 0.5, -1, 1).astype(np.int8)
        r = basin.measure(pats, pats[:5].astype(np.longdouble), pandas=False)
        self.assertEqual(r.recipe["measure"]["rule"], "overlap")
        self.assertEqual(list(r.records["class"]), ["memorized"] * 5)
        path = os.path.join(self.tmp, "pats.npy")
        np.save(path, pats)
        r = basin.measure(path, pats[5:8], pandas=False)
        self.assertEqual(r.recipe["inputs"]["train"], path)

    def test_set_reaches_the_measure_table(self):
        r = basin.measure(self.train, self.samples, heldout=self.heldout,
                          set={"measure.delta_m": 0.25, "measure.delta_s": 0.1},
                          pandas=False)
        self.assertEqual(r.recipe["measure"]["delta_m"], 0.25)
        self.assertEqual(float(r.summary["delta_m"][0]), 0.25)


class Errors(Base):
    def test_run_error_carries_message_and_status(self):
        with self.assertRaises(basin.BasinError) as c:
            basin.run(os.path.join(self.tmp, "missing.toml"))
        self.assertEqual(c.exception.returncode, 2)
        self.assertIn("missing.toml: cannot read", c.exception.message)
        self.assertFalse(c.exception.message.startswith("basin: "))

    def test_bad_set_key_names_the_key(self):
        with self.assertRaises(basin.BasinError) as c:
            basin.run(QUICKSTART, set={"dataset.dimm": 10},
                      out=os.path.join(self.tmp, "x"))
        self.assertEqual(c.exception.returncode, 2)
        self.assertIn("dataset.dimm", c.exception.message)
        self.assertIn("did you mean 'dim'", c.exception.message)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x")))

    def test_measure_error(self):
        with self.assertRaises(basin.BasinError) as c:
            basin.measure(np.zeros((4, 3)), np.zeros((2, 5)))
        self.assertEqual(c.exception.returncode, 2)
        self.assertIn("rows of 5 values", c.exception.message)
        with self.assertRaises(ValueError):
            basin.measure(np.zeros(4), np.zeros((2, 4)))

    def test_load_refuses_other_folders(self):
        with self.assertRaises(FileNotFoundError):
            basin.load(self.tmp)


class Finding(Base):
    def test_order_explicit_env_build_tree(self):
        build_basin = basin.find_basin()
        self.assertTrue(os.access(build_basin, os.X_OK))
        saved = os.environ.pop("BASIN", None)
        try:
            # Without BASIN: the build tree's basin (_where.py), not one on PATH.
            self.assertEqual(basin.find_basin(), build_basin)
            os.environ["BASIN"] = os.path.join(self.tmp, "no-such-basin")
            with self.assertRaises(basin.BasinError) as c:
                basin.find_basin()
            self.assertIn("no-such-basin", c.exception.message)
            # An explicit argument wins over BASIN.
            self.assertEqual(basin.find_basin(build_basin), build_basin)
            r = basin.run(QUICKSTART, set=SMALL, out=os.path.join(self.tmp, "e"),
                          basin=build_basin)
            self.assertEqual(len(r.records), 80)
        finally:
            os.environ.pop("BASIN", None)
            if saved is not None:
                os.environ["BASIN"] = saved

    def test_toml_values(self):
        self.assertEqual(basin.toml_value([0.1, 2, True, 'a"b']),
                         '[0.1, 2, true, "a\\"b"]')
        self.assertEqual(basin.toml_value(np.float32(0.5)), "0.5")


if __name__ == "__main__":
    unittest.main(verbosity=2)
