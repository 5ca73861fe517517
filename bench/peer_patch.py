"""NumPy peer of bench/patch.c: one denoise call of Kamb & Ganguli's LS and ELS
machines (arXiv:2412.20292; plugins/scores/patch.c) at 28 x 28 x 1, K = 10,
n = 8 states, patch 5, alpha = 0.8, sigma = 0.5, on the same deterministic data,
written the plain NumPy way: per class of locations the zero-padded patches
(np.lib.stride_tricks), then per state the logits as one GEMM, a max-subtracted
softmax and the weighted centre pixels (pool x 1: cheaper than the C kernel's
average of whole patches). Single-threaded (OPENBLAS_NUM_THREADS=1, set by
bench/patch.sh). Prints `key value` lines."""
import numpy as np

from peer_timing import best_of

H, W, K, NS, SIDE = 28, 28, 10, 8, 5
R = SIDE // 2
alpha, sigma = 0.8, 0.5
a, b = alpha / sigma**2, -alpha**2 / (2 * sigma**2)
train = np.cos(0.11 * np.arange(K * H * W)).astype(np.float32).reshape(K, H, W)
x = np.sin(0.37 * np.arange(NS * H * W)).astype(np.float32).reshape(NS, H, W)


def patches(imgs):
    """(n, H, W, SIDE*SIDE): every location's zero-padded patch."""
    pad = np.pad(imgs, ((0, 0), (R, R), (R, R)))
    v = np.lib.stride_tricks.sliding_window_view(pad, (SIDE, SIDE), axis=(1, 2))
    return v.reshape(imgs.shape[0], H, W, SIDE * SIDE)


def classes(equivariant):
    """Lists of (i, j): one per location (LS), or by clipped edge distances (ELS)."""
    if not equivariant:
        return [[(i, j)] for i in range(H) for j in range(W)]
    groups = {}
    for i in range(H):
        for j in range(W):
            key = (min(i, R), min(H - 1 - i, R), min(j, R), min(W - 1 - j, R))
            groups.setdefault(key, []).append((i, j))
    return list(groups.values())


def denoise(equivariant):
    pt, px = patches(train), patches(x)
    out = np.empty_like(x)
    for locs in classes(equivariant):
        ii, jj = np.array(locs).T
        pool = pt[:, ii, jj].reshape(-1, SIDE * SIDE)          # K*m x D
        centres = pool[:, (SIDE * SIDE) // 2]
        norm2 = (pool.astype(np.float64) ** 2).sum(axis=1).astype(np.float32)
        for s in range(NS):
            q = px[s, ii, jj]                                    # m x D
            logits = a * (q @ pool.T) + b * norm2
            logits -= logits.max(axis=1, keepdims=True)
            np.exp(logits, out=logits)
            out[s, ii, jj] = (logits @ centres) / logits.sum(axis=1)
    return out


for name, eq in (("ls", False), ("els", True)):
    result = denoise(eq)
    t = best_of(lambda: denoise(eq))
    print(f"numpy_{name} 28x28 K={K} n={NS} patch={SIDE} call {t:.4f} s  "
          f"(checksum {result.sum(dtype=np.float64):.6g})")
