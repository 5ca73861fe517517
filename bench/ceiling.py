"""The machine's own parallel ceiling for bench/mlp.sh: the throughput of T
independent single-threaded SGEMM streams (one process each, nothing shared)
against one, at the shapes of a training shard of the N = 784, 3 x 512 network
(64 rows x 785 -> 512 forward, and its weight gradient 512 x 64 -> 785). No
program can run its GEMMs on T threads faster than this ratio, whatever it
synchronizes: on a machine whose cores share caches, memory bandwidth or a
hypervisor's time slices it sits below T.
Usage: /usr/bin/python3 bench/ceiling.py [T] [SECONDS]   (default 2, 10)
Prints: ceiling threads=T sgemm_streams_T/1 RATIO
"""
import multiprocessing as mp
import os
import sys
import time

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
import numpy as np  # noqa: E402  (after the thread settings)


def work(seconds, out):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((64, 785), dtype=np.float32)
    w = rng.standard_normal((785, 512), dtype=np.float32)
    g = rng.standard_normal((64, 512), dtype=np.float32)
    flops, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            z = a @ w            # forward
            dw = a.T @ g         # weight gradient
        flops += 20 * 2 * (2 * 64 * 785 * 512)
        del z, dw
    out.put(flops / (time.perf_counter() - start))


def rate(streams, seconds):
    q = mp.Queue()
    ps = [mp.Process(target=work, args=(seconds, q)) for _ in range(streams)]
    for p in ps:
        p.start()
    total = sum(q.get() for _ in ps)
    for p in ps:
        p.join()
    return total


if __name__ == "__main__":
    t = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    one = rate(1, secs)
    many = rate(t, secs)
    print(f"ceiling threads={t} sgemm_1={one / 1e9:.1f}GFLOP/s sgemm_{t}={many / 1e9:.1f}GFLOP/s "
          f"sgemm_streams_{t}/1 {many / one:.2f}")
