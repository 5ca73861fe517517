/*
 * scores/gaussian — the Gaussian model of the training set and its exact denoiser.
 *
 * encode fits the mean μ = (1/K) Σ_μ ξ_μ and the maximum-likelihood covariance
 * C = (1/K) Σ_μ (ξ_μ − μ)(ξ_μ − μ)ᵀ (sums in double; K = 1 gives C = 0), restricted
 * by `covariance` to its diagonal or to (tr C / N) I, and eigendecomposes it,
 * C = U diag(λ) Uᵀ (LAPACK dsyev). If x_0 ~ N(μ, C) and x_t = α x_0 + σ ε, then
 * (x_0, x_t) are jointly Gaussian and the posterior mean is linear:
 *
 *   x̂0(x) = μ + C α (α² C + σ² I)⁻¹ (x − α μ)
 *         = μ + U diag(g) Uᵀ (x − α μ),   g_j = α λ_j / (α² λ_j + σ²).
 *
 * (the posterior of a linear-Gaussian model, Bishop 2006, PRML eqs. 2.116–2.117,
 * with A = α I, L = σ⁻² I). This is the denoiser that generalizes perfectly on
 * Gaussian data: it is the optimal denoiser of the law itself, not of its samples
 * (the linear score that trained diffusion models approach, Wang & Vastola 2023,
 * arXiv:2311.10892, and Li, Dai & Qu 2024, arXiv:2410.24060;
 * docs/science.md, Linear Gaussian denoiser). Limits: σ → ∞ gives μ; σ → 0 gives
 * μ + P (x/α − μ) with P the projector on the range of C, i.e. x/α when C has
 * full rank. A direction with λ_j = 0 has g_j = 0 at every σ (σ = 0 included).
 *
 * Eigenvalues of the full covariance below N · 2⁻⁵² · λ_max are rounding of a
 * zero eigenvalue (C has rank ≤ K − 1) and are set to 0, so the σ → 0 limit is the
 * projector on the data's span and not a random amplification of round-off.
 *
 * The denoiser applies U by two SGEMMs in blocks of states (full), or
 * elementwise (diagonal, isotropic: U = I). [thread-safe after encode]
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "denoise_args.h"
#include "eigen.h"
#include "linalg.h"

/* Training rows per DSYRK while fitting C; states per block while denoising. */
#define FIT_BLOCK   256
#define STATE_BLOCK 256
/* eigen_symmetric (dsyev) indexes N × N with 32-bit integers. */
#define MAX_FULL_DIM 46340

enum { COVARIANCE_FULL, COVARIANCE_DIAGONAL, COVARIANCE_ISOTROPIC };

enum { P_COVARIANCE, N_PARAMS };

static const basin_param_def gaussian_params[N_PARAMS + 1] = {
    [P_COVARIANCE] =
        {"covariance", BASIN_PARAM_CHOICE, 0, "full", 0, 0, "full|diagonal|isotropic", 0,
         "covariance model fitted to the training set: full C, its diagonal, or "
         "(tr C / N) I"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct gaussian {
    uint32_t dim;   /* N */
    int covariance; /* COVARIANCE_* */
    int encoded;
    uint64_t n_train;    /* K */
    double *mean;        /* μ, N */
    double *eigenvalues; /* λ_j ≥ 0, N (the variances when U = I) */
    float *eigenvectors; /* full: N × N, row j = eigenvector j; else NULL */
} gaussian;

static void gaussian_free_fit(gaussian *g)
{
    free(g->mean);
    free(g->eigenvalues);
    free(g->eigenvectors);
    g->mean = NULL;
    g->eigenvalues = NULL;
    g->eigenvectors = NULL;
    g->encoded = 0;
}

static void gaussian_destroy(void *self)
{
    gaussian *g = self;
    if (g == NULL)
        return;
    gaussian_free_fit(g);
    free(g);
}

/* An unfitted Gaussian score on dim coordinates. params: `covariance`.
   BASIN_EINVAL (bad choice, dim too large for a full covariance), BASIN_ENOMEM. */
static int gaussian_create(const basin_host *host, const basin_value *params,
                           uint32_t dim, void **self)
{
    *self = NULL;
    const char *choice = params[P_COVARIANCE].string;
    int covariance;
    if (strcmp(choice, "full") == 0) {
        covariance = COVARIANCE_FULL;
    } else if (strcmp(choice, "diagonal") == 0) {
        covariance = COVARIANCE_DIAGONAL;
    } else if (strcmp(choice, "isotropic") == 0) {
        covariance = COVARIANCE_ISOTROPIC;
    } else {
        host->error(host, "covariance = \"%s\" is not one of full|diagonal|isotropic",
                    choice);
        return BASIN_EINVAL;
    }
    if (dim == 0 || dim > INT_MAX ||
        (covariance == COVARIANCE_FULL && dim > MAX_FULL_DIM)) {
        host->error(host, "dim = %u is not in [1, %d] (covariance = %s)", dim,
                    covariance == COVARIANCE_FULL ? MAX_FULL_DIM : INT_MAX, choice);
        return BASIN_EINVAL;
    }
    gaussian *g = calloc(1, sizeof *g);
    if (g == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    g->dim = dim;
    g->covariance = covariance;
    *self = g;
    return BASIN_OK;
}

/*
 * cov (N × N, upper triangle, column-major = row-major lower) = Σ (ξ − μ)(ξ − μ)ᵀ
 * over the n rows, by DSYRK on blocks of centred rows in double. Reports progress;
 * BASIN_ECANCELED when asked to stop.
 */
static int scatter_full(const basin_host *host, const float *train, uint64_t n,
                        size_t dim, const double *mean, double *centred, double *cov)
{
    memset(cov, 0, dim * dim * sizeof *cov);
    for (uint64_t first = 0; first < n; first += FIT_BLOCK) {
        if (host->cancelled != NULL && host->cancelled(host)) {
            host->error(host, "encode: cancelled");
            return BASIN_ECANCELED;
        }
        const size_t rows = n - first < FIT_BLOCK ? (size_t)(n - first) : FIT_BLOCK;
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < dim; i++)
                centred[r * dim + i] = (double)train[(first + r) * dim + i] - mean[i];
        /* column-major N × N: C += Aᵀ A with A the rows × N row-major block, which
           column-major sees as N × rows */
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)dim, (int)rows, 1.0,
                    centred, (int)dim, 1.0, cov, (int)dim);
        if (host->progress != NULL)
            host->progress(host, first + rows, n);
    }
    return BASIN_OK;
}

/* λ, U of the full covariance cov/K (overwritten); see the header for the
   round-off threshold. BASIN_ENOMEM, BASIN_ENUMERIC (dsyev failed). */
static int eigen_full(const basin_host *host, double *cov, size_t dim, uint64_t n,
                      double *eigenvalues, float *eigenvectors)
{
    for (size_t i = 0; i < dim * dim; i++)
        cov[i] /= (double)n;
    int rc = eigen_symmetric(cov, (uint32_t)dim, eigenvalues, EIGEN_VECTORS);
    if (rc == BASIN_ENOMEM) {
        host->error(host, "encode: out of memory for the eigendecomposition");
        return rc;
    }
    if (rc != BASIN_OK) {
        host->error(host, "encode: the eigendecomposition of the covariance failed "
                          "(dsyev)");
        return BASIN_ENUMERIC;
    }
    const double largest = eigenvalues[dim - 1] > 0 ? eigenvalues[dim - 1] : 0;
    const double cutoff = (double)dim * DBL_EPSILON * largest;
    for (size_t j = 0; j < dim; j++)
        if (!(eigenvalues[j] > cutoff))
            eigenvalues[j] = 0;
    /* column j of the column-major result is eigenvector j: row j row-major */
    for (size_t i = 0; i < dim * dim; i++)
        eigenvectors[i] = (float)cov[i];
    return BASIN_OK;
}

/*
 * Fit μ and C to the n training points (n × dim, borrowed) and decompose C.
 * Replaces an earlier fit. Returns BASIN_EINVAL (n = 0), BASIN_ENUMERIC (a
 * non-finite entry, named; dsyev failing), BASIN_ENOMEM, BASIN_ECANCELED.
 */
static int gaussian_encode(void *self, const basin_host *host, const float *train,
                           uint64_t n)
{
    gaussian *g = self;
    const size_t dim = g->dim;
    if (n == 0 || train == NULL) {
        host->error(host, "encode: the training set is empty");
        return BASIN_EINVAL;
    }
    if (n > SIZE_MAX / sizeof(float) / dim) {
        host->error(host, "encode: %llu training points of dim %zu overflow memory",
                    (unsigned long long)n, dim);
        return BASIN_EINVAL;
    }
    const int full = g->covariance == COVARIANCE_FULL;
    double *mean = calloc(dim, sizeof *mean);
    double *eigenvalues = calloc(dim, sizeof *eigenvalues);
    double *cov = full ? malloc(dim * dim * sizeof *cov) : NULL;
    double *centred = full ? malloc(FIT_BLOCK * dim * sizeof *centred) : NULL;
    float *eigenvectors = full ? malloc(dim * dim * sizeof *eigenvectors) : NULL;
    int rc = BASIN_OK;
    if (mean == NULL || eigenvalues == NULL ||
        (full && (cov == NULL || centred == NULL || eigenvectors == NULL))) {
        host->error(host, "encode: out of memory for the %zu × %zu covariance", dim,
                    full ? dim : 1);
        rc = BASIN_ENOMEM;
        goto done;
    }

    /* μ, in double; refuse non-finite entries */
    for (uint64_t mu = 0; mu < n; mu++) {
        const float *row = train + (size_t)mu * dim;
        for (size_t i = 0; i < dim; i++) {
            if (!isfinite(row[i])) {
                host->error(host, "encode: training point %llu entry %zu is %g",
                            (unsigned long long)mu, i, (double)row[i]);
                rc = BASIN_ENUMERIC;
                goto done;
            }
            mean[i] += row[i];
        }
    }
    for (size_t i = 0; i < dim; i++)
        mean[i] /= (double)n;

    if (full) {
        rc = scatter_full(host, train, n, dim, mean, centred, cov);
        if (rc == BASIN_OK)
            rc = eigen_full(host, cov, dim, n, eigenvalues, eigenvectors);
        if (rc != BASIN_OK)
            goto done;
    } else {
        /* variances, two-pass in double */
        for (uint64_t mu = 0; mu < n; mu++) {
            const float *row = train + (size_t)mu * dim;
            for (size_t i = 0; i < dim; i++) {
                const double d = (double)row[i] - mean[i];
                eigenvalues[i] += d * d;
            }
        }
        double trace = 0;
        for (size_t i = 0; i < dim; i++) {
            eigenvalues[i] /= (double)n;
            trace += eigenvalues[i];
        }
        if (g->covariance == COVARIANCE_ISOTROPIC)
            for (size_t i = 0; i < dim; i++)
                eigenvalues[i] = trace / (double)dim;
        if (host->progress != NULL)
            host->progress(host, n, n);
    }

    gaussian_free_fit(g);
    g->mean = mean;
    g->eigenvalues = eigenvalues;
    g->eigenvectors = eigenvectors;
    g->n_train = n;
    g->encoded = 1;
    mean = NULL;
    eigenvalues = NULL;
    eigenvectors = NULL;
done:
    free(mean);
    free(eigenvalues);
    free(eigenvectors);
    free(cov);
    free(centred);
    return rc;
}

/* g_j = α λ_j / (α² λ_j + σ²), written λ/(αλ + σ²/α) so that neither α² nor σ²
   overflows to Inf/Inf; 0 where λ_j = 0 (every σ, including σ = 0). */
static double gain(double lambda, double alpha, double sigma)
{
    if (lambda <= 0)
        return 0;
    return lambda / (alpha * lambda + sigma * (sigma / alpha));
}

/*
 * x̂0 = μ + U diag(g) Uᵀ (x − α μ) for n states (n × dim) into x0_hat (n × dim, not
 * overlapping x). α > 0 finite and σ ≥ 0 (+Inf allowed), else BASIN_EINVAL; a
 * non-finite state entry gives BASIN_ENUMERIC; BASIN_ENOMEM. [thread-safe]
 * [deterministic]
 */
static int gaussian_denoise(void *self, const basin_host *host, const float *x,
                            uint64_t n, double alpha, double sigma, float *x0_hat)
{
    const gaussian *g = self;
    const size_t dim = g->dim;
    const int go = denoise_args(host, g->encoded, x, n, alpha, sigma, x0_hat, dim, dim);
    if (go <= 0)
        return go;

    const size_t block = n < STATE_BLOCK ? (size_t)n : STATE_BLOCK;
    double *gains = malloc(dim * sizeof *gains);
    float *shifted = malloc(block * dim * sizeof *shifted);
    float *projected =
        g->eigenvectors != NULL ? malloc(block * dim * sizeof *projected) : NULL;
    if (gains == NULL || shifted == NULL ||
        (g->eigenvectors != NULL && projected == NULL)) {
        host->error(host, "denoise: out of memory");
        free(gains);
        free(shifted);
        free(projected);
        return BASIN_ENOMEM;
    }
    for (size_t j = 0; j < dim; j++)
        gains[j] = gain(g->eigenvalues[j], alpha, sigma);

    for (uint64_t first = 0; first < n; first += block) {
        const size_t rows = n - first < block ? (size_t)(n - first) : block;
        const float *xb = x + (size_t)first * dim;
        float *ob = x0_hat + (size_t)first * dim;
        if (g->eigenvectors == NULL) {
            /* U = I: elementwise, in double */
            for (size_t r = 0; r < rows; r++)
                for (size_t i = 0; i < dim; i++) {
                    const double y = (double)xb[r * dim + i] - alpha * g->mean[i];
                    ob[r * dim + i] = (float)(g->mean[i] + gains[i] * y);
                }
            continue;
        }
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < dim; i++)
                shifted[r * dim + i] =
                    (float)((double)xb[r * dim + i] - alpha * g->mean[i]);
        /* projected = (x − αμ) U, scaled by g per column */
        linalg_gemm_nt(shifted, g->eigenvectors, projected, rows, dim, dim, 1.0f, 0.0f);
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < dim; j++)
                projected[r * dim + j] = (float)(gains[j] * projected[r * dim + j]);
        /* out = projected Uᵀ, then + μ */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)dim,
                    (int)dim, 1.0f, projected, (int)dim, g->eigenvectors, (int)dim, 0.0f,
                    ob, (int)dim);
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < dim; i++)
                ob[r * dim + i] = (float)((double)ob[r * dim + i] + g->mean[i]);
    }
    free(gains);
    free(shifted);
    free(projected);
    return BASIN_OK;
}

static const basin_score_iface gaussian_iface = {
    .struct_size = sizeof(basin_score_iface),
    .flags = 0,
    .create = gaussian_create,
    .destroy = gaussian_destroy,
    .encode = gaussian_encode,
    .denoise = gaussian_denoise,
};

static const basin_descriptor gaussian_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "scores/gaussian",
    .interface = BASIN_IFACE_SCORE,
    .version = "1.0.0",
    .summary = "Gaussian fit of the training set and its exact posterior-mean denoiser",
    .params = gaussian_params,
    .iface = &gaussian_iface,
};

static const basin_descriptor *const gaussian_plugins[] = {
    &gaussian_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "gaussian-score",
    gaussian_plugins,
};
