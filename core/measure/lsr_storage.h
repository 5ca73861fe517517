/*
 * lsr_storage — how many of K stored patterns the log-sum-ReLU (Epanechnikov)
 * energy of Hoover et al. 2025 ("Dense Associative Memory with Epanechnikov
 * energy", arXiv:2506.10801; plugins/energies/lsr.c) keeps as exact fixed
 * points, for many β at once: their MNIST storage experiment, run here on
 * Fashion-MNIST (docs/science.md, "LSR storage").
 *
 * The exact update sends x to the centroid of S(x) = {ν : ‖x − ξ_ν‖² < r²},
 * r² = 2/β. A stored ξ_μ is a fixed point iff that centroid is ξ_μ, which for
 * the support of a stored pattern means every member of S(ξ_μ) equals ξ_μ
 * (itself and exact duplicates): no other pattern lies within r. Being a fixed
 * point is being retrievable in the strongest sense (the iteration started at
 * ξ_μ never leaves it; Hoover et al.'s exact retrieval) and, by lsr_minima.h,
 * being a strict local minimum. |S(ξ_μ)| counts the memories a stored
 * pattern's support interacts with (itself included).
 *
 * One pass over the K² pairwise distances serves every β: the distances come
 * from chunked SGEMM (‖a‖² + ‖b‖² − 2 a·b, kernels/linalg.h), and a pair whose
 * GEMM distance lies within 1e-4 (‖a‖² + ‖b‖²) of a threshold r_b² or of 0 is
 * recomputed exactly in double (linalg_dist2), so float rounding decides no
 * membership and no duplicate.
 */
#ifndef BASIN_LSR_STORAGE_H
#define BASIN_LSR_STORAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct lsr_storage_row {
    double beta;
    uint64_t fixed;        /* stored patterns that are fixed points */
    double fixed_fraction; /* fixed / K */
    double mean_support;   /* mean over μ of |S(ξ_μ)|, itself included */
    uint64_t max_support;  /* the largest |S(ξ_μ)| */
} lsr_storage_row;

/*
 * For k patterns (k × dim, row-major) and n_beta values beta[b] (any order, each
 * > 0 and finite), fill out[b]. Memory: k × (n_beta + 2) counters and a 256 ×
 * 4096 block of distances. Returns 0; BASIN_EINVAL (k or dim or n_beta of 0, a
 * β not positive and finite, k over 2^32) with a one-line message;
 * BASIN_ENOMEM. [deterministic] [thread-safe]
 */
int lsr_storage(const float *patterns, uint64_t k, uint32_t dim, const double *beta,
                size_t n_beta, lsr_storage_row *out, char *err, size_t n_err);

#endif
