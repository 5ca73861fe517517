/* curvature_extremes on operators with a chosen spectrum: H = P Λ Pᵀ, P a product
 * of three Householder reflections (I − 2uuᵀ, u random unit), which is orthogonal
 * and mixes every coordinate, applied in O(dim) per product.
 *
 * Tolerance. The callback hands back H v rounded to float (and receives v rounded
 * to float): relative rounding u = 2⁻²⁴ ≈ 6e-8 per entry. The dense path then
 * decomposes H + E with |E_ij| ≤ u·max|H_ij|, so by Weyl |Δλ| ≤ ‖E‖₂ ≤ ‖E‖_F ≤
 * dim·u·max|λ| = 60 · 6e-8 · 5 ≈ 2e-5 for the dense cases. Lanczos sees each
 * product perturbed by ≤ u(‖Hv‖ + ‖H‖‖v‖) ≈ 2u·‖H‖ ≈ 6e-7, and its convergence
 * error for an isolated extreme (Kaniel–Paige, Golub & Van Loan §10.1.5) is below
 * (λ_max − λ_min)·tan²θ₀ / T_{m−1}(1 + 2γ)² with γ ≥ 1/6 and m = 80:
 * T_79(4/3) ≈ e^62, negligible. Both are ≥ 5× below the 1e-4 asserted. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "basin/plugin.h"
#include "measure/curvature.h"
#include "base/rng.h"

#define SEED 777u
#define TOL  1e-4

typedef struct op {
    uint32_t dim;
    double *lambda; /* the spectrum, dim of them */
    double *u[3];   /* Householder vectors */
    double *t;      /* scratch */
    double skew;    /* adds skew·(e_0 e_1ᵀ): a non-symmetric operator */
    int nan_at;     /* ≥ 0: product number that returns a NaN */
    int fail_at;    /* ≥ 0: product number that fails */
    int calls;
} op;

static void reflect(double *x, const double *u, uint32_t dim)
{
    double c = 0;
    for (uint32_t i = 0; i < dim; i++)
        c += u[i] * x[i];
    for (uint32_t i = 0; i < dim; i++)
        x[i] -= 2 * c * u[i];
}

/* out = P Λ Pᵀ v, P = R_0 R_1 R_2. */
static int apply(void *ctx, const float *v, float *out)
{
    op *o = ctx;
    int call = o->calls++;
    if (call == o->fail_at)
        return BASIN_EUNSUPPORTED;
    for (uint32_t i = 0; i < o->dim; i++)
        o->t[i] = v[i];
    for (int r = 0; r < 3; r++)
        reflect(o->t, o->u[r], o->dim);
    for (uint32_t i = 0; i < o->dim; i++)
        o->t[i] *= o->lambda[i];
    for (int r = 2; r >= 0; r--)
        reflect(o->t, o->u[r], o->dim);
    for (uint32_t i = 0; i < o->dim; i++)
        out[i] = (float)o->t[i];
    out[0] += (float)(o->skew * v[1]);
    if (call == o->nan_at)
        out[o->dim / 2] = NAN;
    return 0;
}

static op make_op(uint32_t dim, uint64_t stream)
{
    op o = {dim,
            calloc(dim, sizeof(double)),
            {NULL, NULL, NULL},
            calloc(dim, sizeof(double)),
            0,
            -1,
            -1,
            0};
    float *g = malloc(dim * sizeof *g);
    for (int r = 0; r < 3; r++) {
        o.u[r] = malloc(dim * sizeof(double));
        rng_normal(SEED, 1, stream, (uint64_t)r, g, dim);
        double n = 0;
        for (uint32_t i = 0; i < dim; i++)
            n += (double)g[i] * g[i];
        for (uint32_t i = 0; i < dim; i++)
            o.u[r][i] = g[i] / sqrt(n);
    }
    free(g);
    return o;
}

static void free_op(op *o)
{
    free(o->lambda);
    free(o->t);
    for (int r = 0; r < 3; r++)
        free(o->u[r]);
}

/* Dense path, dim 60: a saddle with one negative and one zero eigenvalue. */
TEST_IMPL(curvature_dense)
{
    op o = make_op(60, 0);
    /* λ: −1.5, 0, and 58 values evenly in [0.5, 5]; placed out of order. */
    for (uint32_t i = 0; i < 58; i++)
        o.lambda[(i * 7 + 3) % 60] = 0.5 + 4.5 * i / 57.0;
    uint32_t neg = 0, zero = 0;
    for (uint32_t i = 0; i < 60; i++) {
        int used = 0;
        for (uint32_t k = 0; k < 58; k++)
            if ((k * 7 + 3) % 60 == i)
                used = 1;
        if (!used) {
            if (!neg)
                neg = i + 1;
            else
                zero = i + 1;
        }
    }
    o.lambda[neg - 1] = -1.5;
    o.lambda[zero - 1] = 0.0;
    curvature_result r;
    char err[256] = "";
    int rc = curvature_extremes(60, apply, &o, NULL, &r, err, sizeof err);
    EXPECT_MSG(rc == 0 && r.dense == 1, "dense: rc %d %s", rc, err);
    EXPECT_MSG(fabs(r.lambda_min + 1.5) < TOL, "dense λ_min %.9g, want -1.5",
               r.lambda_min);
    EXPECT_MSG(fabs(r.lambda_max - 5.0) < TOL, "dense λ_max %.9g, want 5", r.lambda_max);
    EXPECT_MSG(r.n_negative == 1 && r.n_zero == 1, "negative %lld zero %lld",
               (long long)r.n_negative, (long long)r.n_zero);
    EXPECT_MSG(r.n_products == 60, "%u products", r.n_products);
    /* Float products of a symmetric matrix: asymmetry at rounding level. */
    EXPECT_MSG(r.asymmetry < 1e-6, "asymmetry %g", r.asymmetry);

    /* The same operator by Lanczos (dense path off): m = dim = 60 steps span the
       whole space, so the Ritz values are the eigenvalues. */
    curvature_options opt = {1, 0, 0};
    o.calls = 0;
    curvature_result l;
    rc = curvature_extremes(60, apply, &o, &opt, &l, err, sizeof err);
    EXPECT_MSG(rc == 0 && l.dense == 0 && l.n_negative == -1 && isnan(l.asymmetry),
               "lanczos 60: rc %d", rc);
    EXPECT_MSG(fabs(l.lambda_min + 1.5) < TOL && fabs(l.lambda_max - 5.0) < TOL,
               "lanczos 60: %.9g %.9g", l.lambda_min, l.lambda_max);
    EXPECT_MSG(l.n_products == 60, "%u products", l.n_products);

    /* A non-symmetric operator is reported: skew 0.5 against max|H| ≈ 5. */
    o.skew = 0.5;
    rc = curvature_extremes(60, apply, &o, NULL, &r, err, sizeof err);
    EXPECT_MSG(rc == 0 && r.asymmetry > 0.05, "asymmetry %g", r.asymmetry);
    free_op(&o);
}

/* Lanczos path, dim 1000 > 400: isolated extremes −2 (a saddle) and 5, the rest
 * evenly in [−1, 3]. */
TEST_IMPL(curvature_lanczos)
{
    const uint32_t dim = 1000;
    op o = make_op(dim, 1);
    for (uint32_t i = 0; i < dim; i++)
        o.lambda[i] = -1.0 + 4.0 * ((i * 389) % dim) / (double)(dim - 1);
    o.lambda[17] = -2.0;
    o.lambda[901] = 5.0;
    curvature_result r, r2;
    char err[256] = "";
    int rc = curvature_extremes(dim, apply, &o, NULL, &r, err, sizeof err);
    EXPECT_MSG(rc == 0 && r.dense == 0, "lanczos: rc %d %s", rc, err);
    EXPECT_MSG(r.n_products == CURVATURE_LANCZOS_STEPS, "%u products", r.n_products);
    EXPECT_MSG(fabs(r.lambda_min + 2.0) < TOL, "λ_min %.9g, want -2", r.lambda_min);
    EXPECT_MSG(fabs(r.lambda_max - 5.0) < TOL, "λ_max %.9g, want 5", r.lambda_max);
    EXPECT_MSG(r.lambda_min < 0, "saddle not detected");
    rc = curvature_extremes(dim, apply, &o, NULL, &r2, err, sizeof err);
    EXPECT_MSG(rc == 0 && r2.lambda_min == r.lambda_min && r2.lambda_max == r.lambda_max,
               "not deterministic");

    /* No gap: 1000 eigenvalues evenly in [−1, 1]. Ritz values interlace, so they
       stay inside the spectrum (up to the 6e-7 rounding), and 80 steps bring the
       extremes within a few spacings: the Chebyshev estimate for an even spectrum
       puts the error near (π/2m)²·width/2 ≈ 4e-4; 0.01 leaves room. */
    for (uint32_t i = 0; i < dim; i++)
        o.lambda[i] = -1.0 + 2.0 * ((i * 389) % dim) / (double)(dim - 1);
    rc = curvature_extremes(dim, apply, &o, NULL, &r, err, sizeof err);
    EXPECT_MSG(rc == 0, "even: rc %d", rc);
    EXPECT_MSG(r.lambda_min >= -1.0 - 1e-5 && r.lambda_max <= 1.0 + 1e-5,
               "Ritz values outside the spectrum: %.9g %.9g", r.lambda_min, r.lambda_max);
    EXPECT_MSG(r.lambda_min < -0.99 && r.lambda_max > 0.99, "even: %.6g %.6g",
               r.lambda_min, r.lambda_max);
    printf("# even spectrum [-1, 1], 80 Lanczos steps: %.6g %.6g\n", r.lambda_min,
           r.lambda_max);

    /* Rank 2 (λ = 3, −1, zeros elsewhere): the Krylov space is invariant after
       three steps; the restarts keep going and the extremes are exact. */
    for (uint32_t i = 0; i < dim; i++)
        o.lambda[i] = 0;
    o.lambda[5] = 3.0;
    o.lambda[600] = -1.0;
    rc = curvature_extremes(dim, apply, &o, NULL, &r, err, sizeof err);
    EXPECT_MSG(rc == 0 && fabs(r.lambda_min + 1.0) < TOL &&
                   fabs(r.lambda_max - 3.0) < TOL,
               "rank 2: rc %d %.9g %.9g", rc, r.lambda_min, r.lambda_max);
    free_op(&o);
}

TEST_IMPL(curvature_errors)
{
    op o = make_op(500, 2);
    for (uint32_t i = 0; i < 500; i++)
        o.lambda[i] = 1.0;
    curvature_result r;
    char err[256] = "";
    for (int dense = 0; dense < 2; dense++) {
        curvature_options opt = {dense ? 1000 : 0, 0, 0};
        o.calls = 0;
        o.nan_at = 7;
        int rc = curvature_extremes(500, apply, &o, &opt, &r, err, sizeof err);
        EXPECT_MSG(rc == BASIN_ENUMERIC && strstr(err, "non-finite") != NULL &&
                       isnan(r.lambda_min),
                   "NaN product (dense %d): %d %s", dense, rc, err);
        o.calls = 0;
        o.nan_at = -1;
        o.fail_at = 3;
        rc = curvature_extremes(500, apply, &o, &opt, &r, err, sizeof err);
        EXPECT_MSG(rc == BASIN_EUNSUPPORTED, "failing product (dense %d): %d", dense, rc);
        o.fail_at = -1;
    }
    int rc = curvature_extremes(0, apply, &o, NULL, &r, err, sizeof err);
    EXPECT_MSG(rc == BASIN_EINVAL, "dim 0: %d", rc);
    rc = curvature_extremes(5, NULL, &o, NULL, &r, NULL, 0);
    EXPECT_MSG(rc == BASIN_EINVAL, "no callback: %d", rc);
    free_op(&o);
}

TEST_LIST_BEGIN
TEST_ENTRY(curvature_dense)
TEST_ENTRY(curvature_lanczos)
TEST_ENTRY(curvature_errors)
TEST_LIST_END
