"""What the Python peers of the benchmarks share: the best wall time of a few
calls."""
import time


def best_of(fn, repeats=3):
    """The shortest of `repeats` wall times of fn(), in seconds."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best
