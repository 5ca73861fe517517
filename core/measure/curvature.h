/*
 * curvature — the extreme eigenvalues of the Hessian H = ∇²E(x*) of an energy at
 * a state, from Hessian-vector products only. At a minimum (a stable attractor)
 * λ_min > 0; a negative λ_min marks a saddle, the signature of a metastable or
 * spurious stationary point (Ramsauer et al. 2020 §metastable states; Pham et al.
 * 2025 compare the curvature of memorized and spurious attractors).
 *
 *   dim ≤ dense_max_dim: the full matrix from dim products H e_j, symmetrized
 *       (H + Hᵀ)/2, all eigenvalues by LAPACK dsyev. Exact up to the products'
 *       float rounding; also counts negative and zero eigenvalues.
 *   dim >  dense_max_dim: Lanczos with full reorthogonalization (Golub & Van Loan,
 *       Matrix Computations, 4th ed., §10.1), m = min(dim, lanczos_steps) products
 *       from a fixed pseudo-random unit start vector; the extreme Ritz values of
 *       the tridiagonal T_m (LAPACK dstev). Ritz values lie inside the spectrum
 *       (Cauchy interlacing): λ_min ≤ θ_min and θ_max ≤ λ_max. The error of an
 *       isolated extreme eigenvalue decays like T_{m−1}(1 + 2γ)^{−2}, γ the
 *       relative gap to its neighbour (Kaniel–Paige, §10.1.5); clustered extremes
 *       converge more slowly.
 */
#ifndef BASIN_CURVATURE_H
#define BASIN_CURVATURE_H

#include <stddef.h>
#include <stdint.h>

/* Default size limit of the dense path and Lanczos steps. */
#define CURVATURE_DENSE_MAX_DIM 400u
#define CURVATURE_LANCZOS_STEPS 80u

/*
 * out = H v for one vector v (dim floats each). Returns 0 or a negative BASIN_E*
 * code (after reporting its own message wherever the caller's context says).
 * Typically wraps energy->hessian_vector at x*, or the gradient difference
 * (∇E(x* + h v) − ∇E(x* − h v)) / 2h.
 */
typedef int (*curvature_hv_fn)(void *ctx, const float *v, float *out);

typedef struct curvature_options {
    uint32_t dense_max_dim; /* 0: CURVATURE_DENSE_MAX_DIM */
    uint32_t lanczos_steps; /* 0: CURVATURE_LANCZOS_STEPS */
    double zero_tol;        /* dense: |λ| ≤ zero_tol · max|λ| counts as zero
                                 (flat directions); 0: 1e-5, above float rounding */
} curvature_options;

typedef struct curvature_result {
    double lambda_min, lambda_max; /* extreme eigenvalues (Ritz values: Lanczos) */
    int64_t n_negative;  /* dense: eigenvalues < −zero_tol·max|λ|; −1: Lanczos */
    int64_t n_zero;      /* dense: |λ| ≤ zero_tol·max|λ|; −1: Lanczos */
    double asymmetry;    /* dense: max|H − Hᵀ| / max|H| before symmetrizing
                                 (large: the products are not a Hessian's); NaN:
                                 Lanczos */
    uint32_t n_products; /* Hessian-vector products used */
    int dense;           /* 1: dense path, 0: Lanczos */
} curvature_result;

/*
 * Extreme eigenvalues of the dim × dim operator hv(ctx, ·), assumed symmetric.
 * options may be NULL (all defaults). Returns 0; the callback's own code when it
 * fails; BASIN_ENUMERIC when a product has a non-finite entry or LAPACK fails;
 * BASIN_EINVAL for dim = 0; BASIN_ENOMEM. A one-line message goes to err (n_err
 * bytes; err may be NULL). Memory O(dim²) on the dense path, O(m · dim) for
 * Lanczos. [thread-safe if hv is] [deterministic]
 */
int curvature_extremes(uint32_t dim, curvature_hv_fn hv, void *ctx,
                       const curvature_options *options, curvature_result *out, char *err,
                       size_t n_err);

#endif
