"""NumPy peer of bench/denoiser.c: the empirical denoiser
x0_hat = softmax(a X Xi^T + b |xi|^2) Xi (docs/science.md, Empirical score;
a = alpha/sigma^2, b = -alpha^2/(2 sigma^2)) for n = 256 states of dim 784
against K = 10000 and 60000 stored patterns, written the plain NumPy way (whole n x K logits, float32,
max-subtracted). Run single-threaded (OPENBLAS_NUM_THREADS=1, set by
bench/denoiser.sh). Prints `key value` lines."""
import numpy as np

from peer_timing import best_of

N, n = 784, 256
alpha, sigma = 1.0, 1.0
a, b = alpha / sigma**2, -alpha**2 / (2 * sigma**2)
rng = np.random.default_rng(1)


for K in (10000, 60000):
    xi = rng.uniform(-1, 1, size=(K, N)).astype(np.float32)
    x = rng.uniform(-1, 1, size=(n, N)).astype(np.float32)
    norm2 = (xi.astype(np.float64) ** 2).sum(axis=1).astype(np.float32)

    def denoise():
        logits = a * (x @ xi.T) + b * norm2
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits @ xi

    t = best_of(denoise)
    t_gemm = best_of(lambda: x @ xi.T)
    flops = 4.0 * K * N * n
    print(f"numpy_denoiser K={K} seconds {t:.4f} GFLOP/s {flops / t * 1e-9:.1f} "
          f"(sgemm {2.0 * K * N * n / t_gemm * 1e-9:.1f} GFLOP/s)")
