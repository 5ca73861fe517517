/*
 * datasets/hidden-manifold — the hidden manifold model of Goldt, Mézard, Krzakala &
 * Zdeborová 2020, as used by Achilli, Ambrogioni, Lucibello, Mézard & Ventura 2025
 * ("Memorization and generalization in generative diffusion under the manifold
 * hypothesis", arXiv:2502.09578; docs/science.md, Hidden manifold model): points in N
 * dimensions on a D-dimensional latent manifold, D = α_D N.
 *
 * The law (Goldt et al. 2020, arXiv:1909.11500; docs/science.md, Hidden manifold model):
 *   z ~ N(0, I_D),   x = f(F z / √D),
 * F an N × D matrix of i.i.d. N(0, 1) entries drawn once per job, f applied
 * entrywise: linear (identity: the manifold is the D-dim column span of F), tanh,
 * relu = max(0, ·) or sign (±1 points, sign(0) = +1). D = max(1, round(α_D N)).
 *
 * Random numbers (host, role DATASET), normals:
 *   row i of F: index i, step 2      z of train point μ: index μ, step 0
 *                                    z of held-out ν:    index ν, step 1
 * so points never depend on K or on the held-out count.
 */
#include <basin/plugin.h>

#include "eigen.h"
#include "linalg.h"
#include "qr.h"
#include "rows.h"

#include <cblas.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID "datasets/hidden-manifold"

enum { P_DIM, P_ALPHA_D, P_NONLINEARITY, P_COUNT, P_HELDOUT, N_PARAMS };

static const basin_param_def manifold_params[N_PARAMS + 1] = {
    [P_DIM] = {"dim", BASIN_PARAM_INT, 100, NULL, 1, 1000000, NULL, 0,
               "N, the dimension of each point"},
    [P_ALPHA_D] = {"alpha_d", BASIN_PARAM_REAL, 0.25, NULL, 0, 1, NULL,
                   BASIN_PARAM_MIN_EXCLUSIVE,
                   "alpha_D = D/N, the latent dimension per ambient dimension: "
                   "D = max(1, round(alpha_d * dim))"},
    [P_NONLINEARITY] = {"nonlinearity", BASIN_PARAM_CHOICE, 0, "linear", 0, 0,
                        "linear|tanh|relu|sign", 0,
                        "f, applied entrywise to F z / sqrt(D)"},
    [P_COUNT] = {"count", BASIN_PARAM_INT, 1000, NULL, 1, 10000000, NULL, 0,
                 "K, the number of training points the model stores"},
    [P_HELDOUT] = {"heldout", BASIN_PARAM_INT, 1000, NULL, 0, 10000000, NULL, 0,
                   "the number of held-out points drawn from the same law"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef enum { F_LINEAR, F_TANH, F_RELU, F_SIGN } nonlinearity;
static const char *const nonlinearity_names[] = {"linear", "tanh", "relu", "sign"};

typedef struct manifold {
    rows r;          /* first: rows_dataset_* take the instance */
    uint32_t latent; /* D */
    nonlinearity f;
    float *features; /* F, dim × latent, row-major */
    double *basis;   /* linear only: orthonormal basis of span F, column-major
                             dim × latent (column j at basis + j·dim); else NULL */
} manifold;

static void manifold_destroy(void *self)
{
    manifold *h = self;
    if (h == NULL)
        return;
    rows_free(&h->r);
    free(h->features);
    free(h->basis);
    free(h);
}

/*
 * The Gaussian-equivalence constants of f for g ~ N(0, 1) (Goldt et al. 2020, 2021;
 * docs/science.md, Hidden manifold model):
 *   μ₀ = E f(g),  μ₁ = E g f(g),  μ*² = E f(g)² − μ₀² − μ₁².
 * Only μ₁ and μ*² enter the covariance (μ₀ shifts the mean), so only they are
 * returned. Closed forms (μ₀, μ₁, μ*²): linear 0, 1, 0; relu 1/√(2π), ½,
 * ¼ − 1/(2π); sign 0, √(2/π), 1 − 2/π. tanh (odd, so μ₀ = 0) by the trapezoid
 * rule on [−12, 12] with step 1/64: the integrands are analytic in the strip |Im g| < π/2 and decay like
 * e^(−g²/2), so the rule converges geometrically (error far below 1e-15).
 */
static void equivalence_constants(nonlinearity f, double *mu1, double *mu_star2)
{
    const double pi = 3.14159265358979323846;
    switch (f) {
    case F_LINEAR:
        *mu1 = 1, *mu_star2 = 0;
        return;
    case F_RELU:
        *mu1 = 0.5, *mu_star2 = 0.25 - 1 / (2 * pi);
        return;
    case F_SIGN:
        *mu1 = sqrt(2 / pi), *mu_star2 = 1 - 2 / pi;
        return;
    case F_TANH:
        break;
    }
    const double h = 1.0 / 64;
    double e_gf = 0, e_f2 = 0;
    for (int k = -12 * 64; k <= 12 * 64; k++) {
        const double g = k * h, w = h * exp(-0.5 * g * g) / sqrt(2 * pi);
        const double t = tanh(g);
        e_gf += w * g * t;
        e_f2 += w * t * t;
    }
    *mu1 = e_gf;
    *mu_star2 = e_f2 - e_gf * e_gf;
}

/* Validate the parameters (guarding a host that did not check the table). */
static int manifold_setup(const basin_host *host, const basin_value *v, manifold *h)
{
    const double alpha_d = v[P_ALPHA_D].number;
    const char *f = v[P_NONLINEARITY].string;
    const int rc = rows_check_sizes(host, v[P_DIM].number, v[P_COUNT].number,
                                    v[P_HELDOUT].number, &h->r);
    if (rc != BASIN_OK)
        return rc;
    if (!(alpha_d > 0 && alpha_d <= 1)) {
        host->error(host, "alpha_d = %g is not in (0, 1]", alpha_d);
        return BASIN_EINVAL;
    }
    int found = -1;
    for (int k = 0; k < 4 && f != NULL; k++)
        if (strcmp(f, nonlinearity_names[k]) == 0)
            found = k;
    if (found < 0) {
        host->error(host, "nonlinearity = \"%s\" is not linear, tanh, relu or sign",
                    f ? f : "(null)");
        return BASIN_EINVAL;
    }
    h->f = (nonlinearity)found;
    const double latent = floor(alpha_d * h->r.dim + 0.5);
    h->latent = latent < 1 ? 1 : (uint32_t)latent;
    if (h->latent > h->r.dim)
        h->latent = h->r.dim;
    return BASIN_OK;
}

/* Draw F and, for linear f, the orthonormal basis of its column span. */
static int draw_features(const basin_host *host, manifold *h)
{
    const uint32_t n = h->r.dim, d = h->latent;
    if ((size_t)n > SIZE_MAX / sizeof(double) / d) {
        host->error(host, "the %u × %u feature matrix overflows the address space", n, d);
        return BASIN_EINVAL;
    }
    h->features = malloc((size_t)n * d * sizeof *h->features);
    if (h->features == NULL) {
        host->error(host, "cannot allocate the %u × %u feature matrix F", n, d);
        return BASIN_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++)
        host->random_normal(host, BASIN_ROLE_DATASET, i, 2, h->features + (size_t)i * d,
                            d);
    if (h->f != F_LINEAR)
        return BASIN_OK;
    h->basis = malloc((size_t)n * d * sizeof *h->basis);
    if (h->basis == NULL) {
        host->error(host, "cannot allocate the %u × %u manifold basis", n, d);
        return BASIN_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < d; j++)
            h->basis[(size_t)j * n + i] = h->features[(size_t)i * d + j];
    int rc = qr_orthonormal_columns(h->basis, n, d);
    if (rc != BASIN_OK)
        host->error(host, "the QR factorization of the %u × %u features: %s", n, d,
                    rc == BASIN_ENOMEM   ? "out of memory"
                    : rc == BASIN_EINVAL ? "bad shape"
                                         : "LAPACK failed");
    return rc;
}

/* f applied in place to n entries. */
static void apply(nonlinearity f, float *x, size_t n)
{
    switch (f) {
    case F_LINEAR:
        return;
    case F_TANH:
        for (size_t k = 0; k < n; k++)
            x[k] = tanhf(x[k]);
        return;
    case F_RELU:
        for (size_t k = 0; k < n; k++)
            x[k] = x[k] > 0 ? x[k] : 0.0f;
        return;
    case F_SIGN:
        for (size_t k = 0; k < n; k++)
            x[k] = x[k] >= 0 ? 1.0f : -1.0f;
        return;
    }
}

/* What draw_block needs: the instance and a ROWS_BLOCK × D latent scratch. */
typedef struct draw {
    manifold *h;
    float *latent;
} draw;

/* Draw rows [first, first + n): Z (n × D), then X = f(Z Fᵀ / √D) (rows_block_fn). */
static void draw_block(void *ctx, const basin_host *host, uint64_t first, uint64_t n)
{
    const draw *d = ctx;
    manifold *h = d->h;
    for (uint64_t k = 0; k < n; k++) {
        const uint64_t r = first + k;
        const int heldout = r >= h->r.n_train;
        host->random_normal(host, BASIN_ROLE_DATASET, heldout ? r - h->r.n_train : r,
                            heldout ? 1 : 0, d->latent + (size_t)k * h->latent,
                            h->latent);
    }
    const float scale = (float)(1 / sqrt((double)h->latent));
    float *x = rows_at(&h->r, first);
    linalg_gemm_nt(d->latent, h->features, x, (size_t)n, h->r.dim, h->latent, scale,
                   0.0f);
    apply(h->f, x, (size_t)n * h->r.dim);
}

/*
 * Draw F, then K training and the held-out points, ROWS_BLOCK at a time: the latent
 * block Z (rows × D) and X = f(Z Fᵀ / √D) by one SGEMM. Returns BASIN_EINVAL,
 * BASIN_ENOMEM, BASIN_ENUMERIC (QR) or BASIN_ECANCELED.
 * [deterministic given rng: role DATASET]
 */
static int manifold_create(const basin_host *host, const basin_value *params, void **self)
{
    *self = NULL;
    manifold *h = calloc(1, sizeof *h);
    if (h == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    int rc = manifold_setup(host, params, h);
    if (rc == BASIN_OK)
        rc = rows_alloc(&h->r, host);
    if (rc == BASIN_OK)
        rc = draw_features(host, h);
    float *latent = NULL;
    if (rc == BASIN_OK) {
        latent = malloc((size_t)ROWS_BLOCK * h->latent * sizeof *latent);
        if (latent == NULL) {
            host->error(host, "out of memory for %u latent vectors of dim %u", ROWS_BLOCK,
                        h->latent);
            rc = BASIN_ENOMEM;
        }
    }
    if (rc == BASIN_OK) {
        draw d = {h, latent};
        rc = rows_draw_blocks(host, h->r.n_train, h->r.n_heldout, "points", draw_block,
                              &d);
    }
    free(latent);
    if (rc != BASIN_OK) {
        manifold_destroy(h);
        return rc;
    }
    *self = h;
    return BASIN_OK;
}

/* K, the held-out count, N; BASIN_DATA_BINARY for f = sign. [thread-safe] */
static int manifold_info(void *self, basin_dataset_info *out)
{
    const manifold *h = self;
    rows_dataset_info(self, out);
    out->flags = h->f == F_SIGN ? BASIN_DATA_BINARY : 0;
    return BASIN_OK;
}

/*
 * The covariance eigenvalues of the Gaussian-equivalent law (docs/science.md, Hidden
 * manifold model),
 *   x ≈ μ₀ + μ₁ F z/√D + μ* η:   Cov = μ₁² F Fᵀ/D + μ*² I,
 * descending: μ₁² γ_i + μ*² for the D eigenvalues γ_i of the Gram matrix FᵀF/D
 * (which are the nonzero eigenvalues of F Fᵀ/D), then μ*² on the other N − D
 * directions. Exact for linear f; for the others the equivalence holds to leading
 * order in 1/D (each coordinate's pre-activation has variance ‖F_i‖²/D = 1 +
 * O(1/√D), not exactly 1). Cost O(N D² + D³) (DSYRK + DSYEV), memory 8 N D
 * bytes. [thread-safe]
 */
static int manifold_spectrum(void *self, const basin_host *host, double *eigenvalues)
{
    const manifold *h = self;
    const uint32_t n = h->r.dim, d = h->latent;
    double *gram = malloc((size_t)d * d * sizeof *gram);
    double *gamma = malloc(d * sizeof *gamma);
    double *f = malloc((size_t)n * d * sizeof *f);
    if (gram == NULL || gamma == NULL || f == NULL) {
        free(gram);
        free(gamma);
        free(f);
        host->error(host, "out of memory for the %u × %u Gram matrix", d, d);
        return BASIN_ENOMEM;
    }
    /* FᵀF/D in double by one DSYRK (upper triangle), then mirrored. */
    for (size_t e = 0; e < (size_t)n * d; e++)
        f[e] = h->features[e];
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0 / d, f, (int)d,
                0.0, gram, (int)d);
    free(f);
    for (uint32_t a = 0; a < d; a++)
        for (uint32_t b = a + 1; b < d; b++)
            gram[(size_t)b * d + a] = gram[(size_t)a * d + b];
    int rc = eigen_symmetric(gram, d, gamma, EIGEN_DESCENDING);
    free(gram);
    if (rc != BASIN_OK)
        host->error(host, "the eigenvalues of the %u × %u Gram matrix: %s", d, d,
                    rc == BASIN_ENOMEM   ? "out of memory"
                    : rc == BASIN_EINVAL ? "too large for LAPACK"
                                         : "dsyev failed");
    if (rc == BASIN_OK) {
        double mu1, mu_star2;
        equivalence_constants(h->f, &mu1, &mu_star2);
        for (uint32_t i = 0; i < n; i++)
            eigenvalues[i] =
                mu_star2 + (i < d && gamma[i] > 0 ? mu1 * mu1 * gamma[i] : 0);
    }
    free(gamma);
    return rc;
}

/*
 * For linear f: the Euclidean distance of each of n points x (n × dim) to the
 * manifold, the column span of F, divided by √N:
 *   dist(x) = ‖x − Q Qᵀ x‖ / √N,  Q an orthonormal basis of span F (from QR),
 * computed in double. Points of the law give ≈ 0 (float32 round-off, ~1e-7 ‖x‖/√N).
 * For tanh, relu and sign the support is a curved (or discrete) image of R^D
 * whose distance has no closed form: BASIN_EUNSUPPORTED. [thread-safe]
 */
static int manifold_law_distance(void *self, const basin_host *host, const float *x,
                                 uint64_t n, double *distance)
{
    const manifold *h = self;
    if (h->f != F_LINEAR || h->basis == NULL) {
        host->error(host,
                    "law_distance is known only for nonlinearity = linear (this data "
                    "set uses %s, whose manifold has no closed-form distance)",
                    nonlinearity_names[h->f]);
        return BASIN_EUNSUPPORTED;
    }
    const uint32_t dim = h->r.dim, d = h->latent;
    double *residual = malloc(dim * sizeof *residual);
    if (residual == NULL) {
        host->error(host, "out of memory for a residual of dim %u", dim);
        return BASIN_ENOMEM;
    }
    for (uint64_t p = 0; p < n; p++) {
        const float *xp = x + (size_t)p * dim;
        for (uint32_t i = 0; i < dim; i++)
            residual[i] = xp[i];
        /* Twice (re-orthogonalization) so round-off in a large component along the
           manifold does not leave a spurious residual. */
        for (int pass = 0; pass < 2; pass++)
            for (uint32_t j = 0; j < d; j++) {
                const double *q = h->basis + (size_t)j * dim;
                double c = 0;
                for (uint32_t i = 0; i < dim; i++)
                    c += q[i] * residual[i];
                for (uint32_t i = 0; i < dim; i++)
                    residual[i] -= c * q[i];
            }
        double s = 0;
        for (uint32_t i = 0; i < dim; i++)
            s += residual[i] * residual[i];
        if (!isfinite(s)) {
            free(residual);
            host->error(host, "law_distance: point %llu is not finite",
                        (unsigned long long)p);
            return BASIN_ENUMERIC;
        }
        distance[p] = sqrt(s / dim);
    }
    free(residual);
    return BASIN_OK;
}

static const basin_dataset_iface manifold_iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = manifold_create,
    .destroy = manifold_destroy,
    .info = manifold_info,
    .read = rows_dataset_read,
    .spectrum = manifold_spectrum,
    .law_distance = manifold_law_distance,
};

static const basin_descriptor manifold_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_DATASET,
    .version = "1.0.0",
    .summary = "the hidden manifold model x = f(F z / sqrt(D)), D = alpha_d N "
               "(Goldt et al. 2020; Achilli et al. 2025)",
    .params = manifold_params,
    .iface = &manifold_iface,
};

static const basin_descriptor *const manifold_plugins[] = {
    &manifold_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "hidden-manifold",
    manifold_plugins,
};
