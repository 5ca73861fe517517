"""NumPy peer of bench/hopfield-retrieval.toml: the same workload with synchronous
updates x <- sign(W x) over the whole batch (one SGEMM per step), and the
machine's SGEMM rate. Prints `key value` lines for bench/hopfield.sh."""
import sys

import numpy as np

from peer_timing import best_of

n, k, probes, flip = 2000, 200, 1000, 0.1
rng = np.random.default_rng(1)
xi = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(k, n))


# Starts: probe r at pattern r mod K with 10% of its bits flipped (untimed).
starts = xi[np.arange(probes) % k].T.copy()
for col in range(probes):
    starts[rng.choice(n, int(flip * n), replace=False), col] *= -1


def retrieval():
    """Synchronous dynamics like basin's `sync` mode: a probe stops at a fixed
    point or a 2-cycle; only the probes still moving take part in each SGEMM."""
    w = (xi.T @ xi) / n
    np.fill_diagonal(w, 0)
    x = starts.copy()
    prev = np.full_like(x, np.nan)
    active = np.arange(probes)
    for step in range(100):
        xa = x[:, active]
        h = w @ xa
        new = np.where(h > 0, 1.0, np.where(h < 0, -1.0, xa)).astype(np.float32)
        still = ~((new == xa).all(axis=0) | (new == prev[:, active]).all(axis=0))
        prev[:, active] = xa
        x[:, active] = new
        active = active[still]
        if active.size == 0:
            break
    m = np.abs(xi @ x / n).max(axis=0)
    return (m >= 0.95).mean()


t = best_of(retrieval)
a = rng.standard_normal((n, n), dtype=np.float32)
b = rng.standard_normal((n, probes), dtype=np.float32)
g = best_of(lambda: a @ b, 5)
print("numpy_version", np.__version__)
print("numpy_sync_retrieval_seconds %.4f" % t)
print("numpy_sgemm_gflops %.2f" % (2.0 * n * n * probes / g / 1e9))
sys.stdout.flush()
