#include "measure/curvature.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basin/plugin.h"
#include "kernels/eigen.h"
#include "base/errmsg.h"

/* One product out = H v, checked for non-finite entries. */
static int product(curvature_hv_fn hv, void *ctx, uint32_t dim, const float *v,
                   float *out, curvature_result *r, char *err, size_t n_err)
{
    int rc = hv(ctx, v, out);
    r->n_products++;
    if (rc) {
        errmsg(err, n_err, "Hessian-vector product %u failed", r->n_products);
        return rc;
    }
    for (uint32_t i = 0; i < dim; i++)
        if (!isfinite(out[i])) {
            errmsg(err, n_err, "Hessian-vector product %u has a non-finite entry %u",
                   r->n_products, i);
            return BASIN_ENUMERIC;
        }
    return 0;
}

/* ------------------------------------------------------------- dense path */

static int dense(uint32_t dim, curvature_hv_fn hv, void *ctx, double zero_tol,
                 curvature_result *r, char *err, size_t n_err)
{
    size_t nn = (size_t)dim * dim;
    double *a = malloc(nn * sizeof *a);
    double *w = malloc(dim * sizeof *w);
    float *e = calloc(dim, sizeof *e);
    float *col = malloc(dim * sizeof *col);
    int rc = 0;
    if (!a || !w || !e || !col) {
        errmsg(err, n_err, "out of memory for a %u × %u Hessian", dim, dim);
        rc = BASIN_ENOMEM;
        goto done;
    }
    /* Column j of H is H e_j: a[i·dim + j] = H_ij. */
    for (uint32_t j = 0; j < dim; j++) {
        e[j] = 1.0f;
        rc = product(hv, ctx, dim, e, col, r, err, n_err);
        e[j] = 0.0f;
        if (rc)
            goto done;
        for (uint32_t i = 0; i < dim; i++)
            a[(size_t)i * dim + j] = col[i];
    }
    double amax = 0, skew = 0;
    for (uint32_t i = 0; i < dim; i++)
        for (uint32_t j = 0; j <= i; j++) {
            double hij = a[(size_t)i * dim + j], hji = a[(size_t)j * dim + i];
            amax = fmax(amax, fmax(fabs(hij), fabs(hji)));
            skew = fmax(skew, fabs(hij - hji));
            a[(size_t)i * dim + j] = a[(size_t)j * dim + i] = 0.5 * (hij + hji);
        }
    r->asymmetry = amax > 0 ? skew / amax : 0;

    rc = eigen_symmetric(a, dim, w, EIGEN_ASCENDING);
    if (rc) {
        errmsg(err, n_err,
               rc == BASIN_ENOMEM ? "out of memory for the eigenvalue workspace"
                                  : "the dense eigenvalue solver (dsyev) failed");
        goto done;
    }
    r->lambda_min = w[0];
    r->lambda_max = w[dim - 1];
    double zero = zero_tol * fmax(fabs(w[0]), fabs(w[dim - 1]));
    r->n_negative = r->n_zero = 0;
    for (uint32_t i = 0; i < dim; i++) {
        if (w[i] < -zero)
            r->n_negative++;
        else if (w[i] <= zero)
            r->n_zero++;
    }
done:
    free(a);
    free(w);
    free(e);
    free(col);
    return rc;
}

/* ----------------------------------------------------------------- Lanczos */

/* A fixed pseudo-random vector (SplitMix64 of seed and index), entries in
   [−1, 1): generic, so no eigenvector is missed for symmetry reasons. */
static void start_vector(double *v, uint32_t dim, uint64_t seed)
{
    for (uint32_t i = 0; i < dim; i++) {
        uint64_t z = seed * 0x9E3779B97F4A7C15ull + i + 1;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        v[i] = (double)(z >> 11) * 0x1.0p-52 - 1.0;
    }
}

static double dot(const double *x, const double *y, uint32_t dim)
{
    double s = 0;
    for (uint32_t i = 0; i < dim; i++)
        s += x[i] * y[i];
    return s;
}

/* w ← w − Σ_{i<k} (q_i·w) q_i, twice ("twice is enough": Parlett). */
static void orthogonalize(double *w, const double *q, uint32_t k, uint32_t dim)
{
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < k; i++) {
            double c = dot(q + (size_t)i * dim, w, dim);
            for (uint32_t t = 0; t < dim; t++)
                w[t] -= c * q[(size_t)i * dim + t];
        }
}

static int lanczos(uint32_t dim, curvature_hv_fn hv, void *ctx, uint32_t steps,
                   curvature_result *r, char *err, size_t n_err)
{
    uint32_t m = dim < steps ? dim : steps;
    double *q = malloc((size_t)m * dim * sizeof *q); /* rows q_0 … q_{m−1} */
    double *w = malloc(dim * sizeof *w);
    float *vf = malloc(dim * sizeof *vf);
    float *wf = malloc(dim * sizeof *wf);
    double *alpha = malloc(m * sizeof *alpha);
    double *beta = calloc(m, sizeof *beta);
    int rc = 0;
    if (!q || !w || !vf || !wf || !alpha || !beta) {
        errmsg(err, n_err, "out of memory for %u Lanczos vectors of dimension %u", m,
               dim);
        rc = BASIN_ENOMEM;
        goto done;
    }
    start_vector(q, dim, 0);
    double norm = sqrt(dot(q, q, dim));
    for (uint32_t t = 0; t < dim; t++)
        q[t] /= norm;

    uint32_t k = 0;   /* steps done: T_k is k × k */
    double scale = 0; /* running estimate of ‖H‖ */
    for (uint32_t j = 0; j < m; j++) {
        double *qj = q + (size_t)j * dim;
        for (uint32_t t = 0; t < dim; t++)
            vf[t] = (float)qj[t];
        rc = product(hv, ctx, dim, vf, wf, r, err, n_err);
        if (rc)
            goto done;
        for (uint32_t t = 0; t < dim; t++)
            w[t] = wf[t];
        alpha[j] = dot(qj, w, dim);
        /* Three-term recurrence, then full reorthogonalization against q_0..q_j. */
        for (uint32_t t = 0; t < dim; t++)
            w[t] -= alpha[j] * qj[t];
        if (j)
            for (uint32_t t = 0; t < dim; t++)
                w[t] -= beta[j - 1] * q[(size_t)(j - 1) * dim + t];
        orthogonalize(w, q, j + 1, dim);
        beta[j] = sqrt(dot(w, w, dim));
        scale = fmax(scale, fabs(alpha[j]) + beta[j]);
        k = j + 1;
        if (k == m)
            break;
        double *next = q + (size_t)k * dim;
        if (beta[j] > 1e-6 * scale) {
            for (uint32_t t = 0; t < dim; t++)
                next[t] = w[t] / beta[j];
            continue;
        }
        /* Breakdown: span(q_0..q_j) is invariant up to the products' rounding.
           Continue from a fresh vector orthogonal to it; T decouples (β_j = 0), each
           block being the exact projection of H on its Krylov space. */
        beta[j] = 0;
        start_vector(next, dim, k);
        orthogonalize(next, q, k, dim);
        norm = sqrt(dot(next, next, dim));
        if (!(norm > 1e-8))
            break;
        for (uint32_t t = 0; t < dim; t++)
            next[t] /= norm;
    }

    /* The Ritz values: the eigenvalues of T_k (alpha on its diagonal, beta beside
       it), ascending in alpha. */
    rc = eigen_tridiagonal(alpha, beta, k);
    if (rc) {
        errmsg(err, n_err,
               rc == BASIN_ENOMEM ? "out of memory for the tridiagonal eigenvalues"
                                  : "the tridiagonal eigenvalue solver (dstev) failed");
        goto done;
    }
    r->lambda_min = alpha[0];
    r->lambda_max = alpha[k - 1];
done:
    free(q);
    free(w);
    free(vf);
    free(wf);
    free(alpha);
    free(beta);
    return rc;
}

int curvature_extremes(uint32_t dim, curvature_hv_fn hv, void *ctx,
                       const curvature_options *options, curvature_result *out, char *err,
                       size_t n_err)
{
    curvature_options o = {0, 0, 0};
    if (options)
        o = *options;
    if (!o.dense_max_dim)
        o.dense_max_dim = CURVATURE_DENSE_MAX_DIM;
    if (!o.lanczos_steps)
        o.lanczos_steps = CURVATURE_LANCZOS_STEPS;
    if (!(o.zero_tol > 0))
        o.zero_tol = 1e-5;
    memset(out, 0, sizeof *out);
    out->lambda_min = out->lambda_max = NAN;
    out->n_negative = out->n_zero = -1;
    out->asymmetry = NAN;
    if (dim == 0 || !hv) {
        errmsg(err, n_err,
               dim == 0 ? "the Hessian of a 0-dimensional state"
                        : "no Hessian-vector product given");
        return BASIN_EINVAL;
    }
    /* eigen_symmetric takes n ≤ 46340 (n² fits LAPACK's int). */
    if (dim <= o.dense_max_dim && dim <= 46340u) {
        out->dense = 1;
        return dense(dim, hv, ctx, o.zero_tol, out, err, n_err);
    }
    return lanczos(dim, hv, ctx, o.lanczos_steps, out, err, n_err);
}
