/*
 * embeddings/pca — whitened principal components of the training set
 * (basin.embedding/1). encode computes the mean μ and the covariance
 *
 *     C = (1/K) Σ_μ (ξ_μ − μ)(ξ_μ − μ)ᵀ
 *
 * of the K training rows and its eigenpairs (λ_k, v_k), λ_1 ≥ λ_2 ≥ … (LAPACK's
 * dsyev through kernels/eigen.h). The features of x are its coordinates on the
 * top r components, each divided by its standard deviation when whiten is true:
 *
 *     f_k(x) = v_kᵀ (x − μ) / √λ_k,        k = 1 … r,
 *
 * so that the training set has unit variance along every feature and a distance
 * in feature space, ‖f(x) − f(y)‖/√r, is a Mahalanobis distance in the top-r
 * subspace (Jolliffe, Principal Component Analysis, 2nd ed., 2002, sec. 1.1 and
 * 10.1). whiten = false keeps the projections v_kᵀ(x − μ).
 *
 * r is `components` (0: every component the data have). Components whose
 * eigenvalue is below `floor` · λ_1 carry no variance of the training set (K ≤ N
 * leaves N − K + 1 of them at zero): whitening would blow up rounding noise, so r
 * stops before the first of them and encode logs that it did. m = dimension() is
 * that r.
 *
 * Sign convention: each eigenvector is flipped so that its entry of largest
 * magnitude (the first such, on a tie) is positive; LAPACK's own sign is
 * arbitrary, this makes the features a function of the training set alone.
 *
 * features computes each feature as a double dot product over the coordinates in
 * a fixed order, row by row: a row's features never depend on the other rows of
 * the call. [thread-safe] [deterministic]
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include "eigen.h"

#include <cblas.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { P_COMPONENTS, P_WHITEN, P_FLOOR, N_PARAMS };

/* The largest dimension whose dim × dim covariance is computed (8 GiB of doubles
   at 32768). */
#define PCA_MAX_DIM 32768u
/* Rows per dsyrk update of the covariance. */
#define PCA_BLOCK 256u

static const basin_param_def pca_params[N_PARAMS + 1] = {
    [P_COMPONENTS] = {"components", BASIN_PARAM_INT, 0, NULL, 0, PCA_MAX_DIM, NULL, 0,
                      "r, the number of principal components kept, largest variance "
                      "first (0: all that carry variance)"},
    [P_WHITEN] = {"whiten", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
                  "divide each component by its standard deviation in the training "
                  "set (unit variance per feature)"},
    [P_FLOOR] = {"floor", BASIN_PARAM_REAL, 1e-9, NULL, 0, 1, NULL,
                 BASIN_PARAM_MIN_EXCLUSIVE | BASIN_PARAM_MAX_EXCLUSIVE,
                 "components whose variance is below floor times the largest are "
                 "dropped (they carry none of the training set's variance)"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct pca {
    uint32_t components; /* as asked; 0: all */
    int whiten;
    double floor;
    uint32_t dim; /* N, after encode; 0 before */
    uint32_t m;   /* r, the features kept */
    double *mean; /* dim */
    double *w;    /* m × dim, row k = v_k (/ √λ_k when whitened) */
} pca;

static int pca_create(const basin_host *host, const basin_value *params, void **self)
{
    *self = NULL;
    pca *p = calloc(1, sizeof *p);
    if (!p) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    p->components = (uint32_t)params[P_COMPONENTS].number;
    p->whiten = params[P_WHITEN].number != 0;
    p->floor = params[P_FLOOR].number;
    *self = p;
    return BASIN_OK;
}

static void pca_destroy(void *self)
{
    pca *p = self;
    if (!p)
        return;
    free(p->mean);
    free(p->w);
    free(p);
}

/* cov += blockᵀ block for `rows` centred rows (upper triangle, row-major). */
static void accumulate(double *cov, const double *block, uint32_t rows, uint32_t dim)
{
    if (rows)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)dim, (int)rows, 1.0,
                    block, (int)dim, 1.0, cov, (int)dim);
}

/* Flip v (dim entries) so that its largest-magnitude entry is positive. */
static void fix_sign(double *v, uint32_t dim)
{
    uint32_t at = 0;
    for (uint32_t i = 1; i < dim; i++)
        if (fabs(v[i]) > fabs(v[at]))
            at = i;
    if (v[at] < 0)
        for (uint32_t i = 0; i < dim; i++)
            v[i] = -v[i];
}

/* The mean, the covariance's eigenpairs and the kept components. BASIN_EINVAL
   (fewer than 2 rows, a dimension over PCA_MAX_DIM, a training set without
   variance), BASIN_ENUMERIC (a non-finite entry, dsyev failing), BASIN_ENOMEM. */
static int pca_encode(void *self, const basin_host *host, const float *train, uint64_t n,
                      uint32_t dim)
{
    pca *p = self;
    if (n < 2 || dim == 0) {
        host->error(host,
                    "a principal-component fit needs 2 training rows or more of "
                    "at least one coordinate, got %llu of %u",
                    (unsigned long long)n, dim);
        return BASIN_EINVAL;
    }
    if (dim > PCA_MAX_DIM) {
        host->error(host,
                    "dim = %u: the covariance of rows of over %u coordinates is "
                    "not computed",
                    dim, PCA_MAX_DIM);
        return BASIN_EINVAL;
    }
    for (uint64_t k = 0; k < n * dim; k++)
        if (!isfinite(train[k])) {
            host->error(host, "training row %llu coordinate %llu is %g",
                        (unsigned long long)(k / dim), (unsigned long long)(k % dim),
                        (double)train[k]);
            return BASIN_ENUMERIC;
        }
    double *mean = calloc(dim, sizeof *mean);
    double *cov = calloc((size_t)dim * dim, sizeof *cov);
    double *block = malloc((size_t)PCA_BLOCK * dim * sizeof *block);
    double *lambda = malloc((size_t)dim * sizeof *lambda);
    double *w = NULL;
    int rc = BASIN_ENOMEM;
    if (!mean || !cov || !block || !lambda) {
        host->error(host, "out of memory for a %u x %u covariance", dim, dim);
        goto out;
    }
    for (uint64_t r = 0; r < n; r++)
        for (uint32_t i = 0; i < dim; i++)
            mean[i] += train[r * dim + i];
    for (uint32_t i = 0; i < dim; i++)
        mean[i] /= (double)n;
    uint32_t held = 0;
    for (uint64_t r = 0; r < n; r++) {
        for (uint32_t i = 0; i < dim; i++)
            block[(size_t)held * dim + i] = train[r * dim + i] - mean[i];
        if (++held == PCA_BLOCK) {
            accumulate(cov, block, held, dim);
            held = 0;
        }
        if (host->cancelled && host->cancelled(host)) {
            rc = BASIN_ECANCELED;
            host->error(host, "cancelled");
            goto out;
        }
    }
    accumulate(cov, block, held, dim);
    for (uint32_t i = 0; i < dim; i++)
        for (uint32_t j = i; j < dim; j++)
            cov[(size_t)j * dim + i] = cov[(size_t)i * dim + j] /= (double)n;
    /* Ascending eigenvalues; eigenvector j is row j of cov (eigen.h). */
    if ((rc = eigen_symmetric(cov, dim, lambda, EIGEN_VECTORS)) != BASIN_OK) {
        host->error(host, "the covariance's eigendecomposition failed");
        goto out;
    }
    const double top = lambda[dim - 1];
    if (!(top > 0)) {
        rc = BASIN_EINVAL;
        host->error(host,
                    "the %llu training rows are all equal: no component has "
                    "variance",
                    (unsigned long long)n);
        goto out;
    }
    uint32_t carry = 0; /* components with variance above floor · λ_1 */
    while (carry < dim && lambda[dim - 1 - carry] > p->floor * top)
        carry++;
    uint32_t m = p->components ? p->components : carry;
    if (m > carry) {
        if (host->log)
            host->log(host, BASIN_LOG_WARN,
                      "components = %u, but only %u components carry variance "
                      "(%llu training rows of %u coordinates): keeping %u",
                      m, carry, (unsigned long long)n, dim, carry);
        m = carry;
    }
    if (!(w = malloc((size_t)m * dim * sizeof *w))) {
        rc = BASIN_ENOMEM;
        host->error(host, "out of memory for %u components", m);
        goto out;
    }
    for (uint32_t k = 0; k < m; k++) {
        double *v = w + (size_t)k * dim;
        memcpy(v, cov + (size_t)(dim - 1 - k) * dim, dim * sizeof *v);
        fix_sign(v, dim);
        const double scale = p->whiten ? 1 / sqrt(lambda[dim - 1 - k]) : 1;
        for (uint32_t i = 0; i < dim; i++)
            v[i] *= scale;
    }
    free(p->mean);
    free(p->w);
    p->mean = mean;
    p->w = w;
    p->dim = dim;
    p->m = m;
    mean = NULL;
    rc = BASIN_OK;
    if (host->progress)
        host->progress(host, n, n);
out:
    free(mean);
    free(cov);
    free(block);
    free(lambda);
    return rc;
}

static uint32_t pca_dimension(void *self)
{
    return ((const pca *)self)->m;
}

/* f(x) for n rows into out (n × m). BASIN_EINVAL before encode or for another dim.
   [thread-safe] [deterministic] */
static int pca_features(void *self, const basin_host *host, const float *x, uint64_t n,
                        uint32_t dim, float *out)
{
    const pca *p = self;
    if (p->dim == 0) {
        host->error(host, "features called before encode");
        return BASIN_EINVAL;
    }
    if (dim != p->dim) {
        host->error(host, "rows of dim %u, but the components were fitted at dim %u", dim,
                    p->dim);
        return BASIN_EINVAL;
    }
    if (n == 0)
        return BASIN_OK;
    double *y = malloc((size_t)dim * sizeof *y);
    if (!y) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    for (uint64_t r = 0; r < n; r++) {
        const float *row = x + r * dim;
        for (uint32_t i = 0; i < dim; i++)
            y[i] = row[i] - p->mean[i];
        for (uint32_t k = 0; k < p->m; k++) {
            /* Four partial sums in a fixed order: the same bytes for a row
               wherever it sits. */
            const double *v = p->w + (size_t)k * dim;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            uint32_t i = 0;
            for (; i + 4 <= dim; i += 4) {
                s0 += v[i] * y[i];
                s1 += v[i + 1] * y[i + 1];
                s2 += v[i + 2] * y[i + 2];
                s3 += v[i + 3] * y[i + 3];
            }
            for (; i < dim; i++)
                s0 += v[i] * y[i];
            out[r * p->m + k] = (float)((s0 + s1) + (s2 + s3));
        }
    }
    free(y);
    return BASIN_OK;
}

static const basin_embedding_iface pca_iface = {
    .struct_size = sizeof(basin_embedding_iface),
    .create = pca_create,
    .destroy = pca_destroy,
    .encode = pca_encode,
    .dimension = pca_dimension,
    .features = pca_features,
};

static const basin_descriptor pca_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "embeddings/pca",
    .interface = BASIN_IFACE_EMBEDDING,
    .version = "1.0.0",
    .summary = "whitened top-r principal components of the training set",
    .params = pca_params,
    .iface = &pca_iface,
};

static const basin_descriptor *const pca_plugins[] = {&pca_descriptor, NULL};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "pca",
    pca_plugins,
};
