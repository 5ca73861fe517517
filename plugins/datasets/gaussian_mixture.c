/*
 * datasets/gaussian-mixture — an equal-weight mixture of C isotropic Gaussians,
 * the model of Biroli, Bonnaire, de Bortoli & Mézard 2024 ("Dynamical regimes of
 * diffusion models", arXiv:2402.18491; docs/science.md, Two-class Gaussian mixture) in
 * which speciation and collapse are exact.
 *
 * The law. Component means m_c have i.i.d. entries ±m̃ (`mean_scale`), each sign a
 * fair coin; for C = 2 the means are exactly +m and −m (Biroli et al.'s two
 * classes, ‖m‖² = N m̃²). A point picks its component uniformly and is
 *   x = m_c + σ g,  g ~ N(0, I_N),  σ² = `variance`.
 * Its covariance is
 *   Σ = σ² I + (1/C) Σ_c (m_c − m̄)(m_c − m̄)ᵀ,   m̄ = (1/C) Σ_c m_c,
 * so for C = 2 the top eigenvalue is Λ = σ² + N m̃² and t_S = ½ log Λ ≈ ½ log N for
 * m̃ = σ = 1 (docs/science.md, Two-class Gaussian mixture). spectrum() gives these
 * eigenvalues; the host's collapse time for this data set is the mixture formula
 * ½ log(1 + σ²/((K/C)^{2/N} − 1)) from `variance` and `components`, not the
 * Gaussian criterion on this spectrum (measure/collapse.h).
 *
 * Random numbers (host, role DATASET):
 *   mean signs:     index c (index 0 for C = 2), step 2, uniforms: + if u < ½
 *   train point μ:  component from index μ, step 3 (c = ⌊u C⌋); noise index μ, step 0
 *   held-out ν:     component from index ν, step 4;             noise index ν, step 1
 * so points never depend on K or on the held-out count.
 *
 * labels(): each point's component c ∈ [0, C), its class (φ_S, the class
 * agreement of cloned trajectories: docs/science.md, Speciation time).
 */
#include <basin/plugin.h>

#include "eigen.h"
#include "rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID "datasets/gaussian-mixture"

enum { P_COMPONENTS, P_DIM, P_COUNT, P_HELDOUT, P_VARIANCE, P_MEAN_SCALE, N_PARAMS };

static const basin_param_def mixture_params[N_PARAMS + 1] = {
    [P_COMPONENTS] = {"components", BASIN_PARAM_INT, 2, NULL, 1, 1000, NULL, 0,
                      "C, the number of equally weighted Gaussian components"},
    [P_DIM] = {"dim", BASIN_PARAM_INT, 100, NULL, 1, 1000000, NULL, 0,
               "N, the dimension of each point"},
    [P_COUNT] = {"count", BASIN_PARAM_INT, 1000, NULL, 1, 10000000, NULL, 0,
                 "K, the number of training points the model stores"},
    [P_HELDOUT] = {"heldout", BASIN_PARAM_INT, 1000, NULL, 0, 10000000, NULL, 0,
                   "the number of held-out points drawn from the same law"},
    [P_VARIANCE] = {"variance", BASIN_PARAM_REAL, 1, NULL, 0, 1e12, NULL,
                    BASIN_PARAM_MIN_EXCLUSIVE,
                    "sigma^2, the variance of each coordinate within a component"},
    [P_MEAN_SCALE] =
        {"mean_scale", BASIN_PARAM_REAL, 1, NULL, 0, 1e6, NULL, 0,
         "m~, the magnitude of every entry of a component mean (entries are +-m~)"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct mixture {
    rows r; /* first: rows_dataset_info / rows_dataset_read take the instance */
    uint32_t components;
    double variance, mean_scale;
    int8_t *signs;      /* components × dim: m_c = mean_scale · signs[c] */
    int32_t *component; /* per row (train, then held-out): its component c */
} mixture;

static void mixture_destroy(void *self)
{
    mixture *g = self;
    if (g == NULL)
        return;
    rows_free(&g->r);
    free(g->signs);
    free(g->component);
    free(g);
}

/* Validate the parameters (guarding a host that did not check the table). */
static int mixture_setup(const basin_host *host, const basin_value *v, mixture *g)
{
    const double c = v[P_COMPONENTS].number;
    const double variance = v[P_VARIANCE].number, scale = v[P_MEAN_SCALE].number;
    int rc = rows_check_int(host, "components", c, 1, 1000);
    if (rc == BASIN_OK)
        rc = rows_check_sizes(host, v[P_DIM].number, v[P_COUNT].number,
                              v[P_HELDOUT].number, &g->r);
    if (rc != BASIN_OK)
        return rc;
    if (!(variance > 0 && variance <= 1e12)) {
        host->error(host, "variance = %g is not in (0, 1e12]", variance);
        return BASIN_EINVAL;
    }
    if (!(scale >= 0 && scale <= 1e6)) {
        host->error(host, "mean_scale = %g is not in [0, 1e6]", scale);
        return BASIN_EINVAL;
    }
    g->components = (uint32_t)c;
    g->variance = variance;
    g->mean_scale = scale;
    return BASIN_OK;
}

/* Draw the component mean signs (see the stream table at the top). */
static int draw_means(const basin_host *host, mixture *g)
{
    const uint32_t n = g->r.dim, nc = g->components;
    g->signs = malloc((size_t)nc * n);
    double *u = malloc(n * sizeof *u);
    if (g->signs == NULL || u == NULL) {
        free(u);
        host->error(host, "out of memory for %u component means of dim %u", nc, n);
        return BASIN_ENOMEM;
    }
    if (nc == 2) {
        host->random_uniform(host, BASIN_ROLE_DATASET, 0, 2, u, n);
        for (uint32_t i = 0; i < n; i++) {
            g->signs[i] = u[i] < 0.5 ? 1 : -1;
            g->signs[n + i] = (int8_t)-g->signs[i];
        }
    } else {
        for (uint32_t c = 0; c < nc; c++) {
            host->random_uniform(host, BASIN_ROLE_DATASET, c, 2, u, n);
            for (uint32_t i = 0; i < n; i++)
                g->signs[(size_t)c * n + i] = u[i] < 0.5 ? 1 : -1;
        }
    }
    free(u);
    return BASIN_OK;
}

/* Draw row `row`: point `index` of its split, x = m_c + σ g (rows_point_fn). */
static void draw_point(void *ctx, const basin_host *host, uint64_t row, uint64_t index,
                       int heldout)
{
    mixture *g = ctx;
    const double sigma = sqrt(g->variance), scale = g->mean_scale;
    double u;
    host->random_uniform(host, BASIN_ROLE_DATASET, index, heldout ? 4 : 3, &u, 1);
    uint32_t c = (uint32_t)(u * g->components);
    if (c >= g->components)
        c = g->components - 1;
    g->component[row] = (int32_t)c;
    const int8_t *sign = g->signs + (size_t)c * g->r.dim;
    float *x = rows_at(&g->r, row);
    host->random_normal(host, BASIN_ROLE_DATASET, index, heldout ? 1 : 0, x, g->r.dim);
    for (uint32_t i = 0; i < g->r.dim; i++)
        x[i] = (float)(scale * sign[i] + sigma * x[i]);
}

/*
 * Draw the means, K training and the held-out points (see the law at the top).
 * Returns BASIN_EINVAL, BASIN_ENOMEM or BASIN_ECANCELED on failure.
 * [deterministic given rng: role DATASET]
 */
static int mixture_create(const basin_host *host, const basin_value *params, void **self)
{
    *self = NULL;
    mixture *g = calloc(1, sizeof *g);
    if (g == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    int rc = mixture_setup(host, params, g);
    if (rc == BASIN_OK)
        rc = rows_alloc(&g->r, host);
    if (rc == BASIN_OK)
        rc = draw_means(host, g);
    if (rc == BASIN_OK && (g->component = malloc((size_t)(g->r.n_train + g->r.n_heldout) *
                                                 sizeof *g->component)) == NULL) {
        host->error(host, "out of memory for the components of %llu points",
                    (unsigned long long)(g->r.n_train + g->r.n_heldout));
        rc = BASIN_ENOMEM;
    }
    if (rc != BASIN_OK) {
        mixture_destroy(g);
        return rc;
    }
    rc = rows_draw_points(host, g->r.n_train, g->r.n_heldout, "points", draw_point, g);
    if (rc != BASIN_OK) {
        mixture_destroy(g);
        return rc;
    }
    *self = g;
    return BASIN_OK;
}

/*
 * The exact eigenvalues of Σ = σ² I + (1/C) Σ_c (m_c − m̄)(m_c − m̄)ᵀ, descending.
 * The second term is M Mᵀ with M the N × C matrix of columns (m_c − m̄)/√C; its
 * nonzero eigenvalues are those of the C × C Gram matrix Mᵀ M, found by dsyev.
 * So λ_i = σ² + γ_i for i < min(C, N) (γ the Gram eigenvalues, round-off below
 * zero clipped to 0) and σ² for the rest. Cost O(C² N + C³). [thread-safe]
 */
static int mixture_spectrum(void *self, const basin_host *host, double *eigenvalues)
{
    const mixture *g = self;
    const uint32_t n = g->r.dim, nc = g->components;
    double *gram = calloc((size_t)nc * nc, sizeof *gram);
    double *gamma = malloc(nc * sizeof *gamma);
    double *centre = calloc(n, sizeof *centre);
    if (gram == NULL || gamma == NULL || centre == NULL) {
        free(gram);
        free(gamma);
        free(centre);
        host->error(host, "out of memory for the %u × %u Gram matrix", nc, nc);
        return BASIN_ENOMEM;
    }
    /* m̄_i / m̃ and then the Gram matrix of the centred means, in units of m̃². */
    for (uint32_t c = 0; c < nc; c++)
        for (uint32_t i = 0; i < n; i++)
            centre[i] += g->signs[(size_t)c * n + i];
    for (uint32_t i = 0; i < n; i++)
        centre[i] /= nc;
    for (uint32_t a = 0; a < nc; a++)
        for (uint32_t b = a; b < nc; b++) {
            const int8_t *sa = g->signs + (size_t)a * n, *sb = g->signs + (size_t)b * n;
            double s = 0;
            for (uint32_t i = 0; i < n; i++)
                s += (sa[i] - centre[i]) * (sb[i] - centre[i]);
            s *= g->mean_scale * g->mean_scale / nc;
            gram[(size_t)a * nc + b] = gram[(size_t)b * nc + a] = s;
        }
    free(centre);
    int rc = eigen_symmetric(gram, nc, gamma, EIGEN_DESCENDING);
    free(gram);
    if (rc != BASIN_OK)
        host->error(host, "the eigenvalues of the %u × %u Gram matrix: %s", nc, nc,
                    rc == BASIN_ENOMEM   ? "out of memory"
                    : rc == BASIN_EINVAL ? "too large for LAPACK"
                                         : "dsyev failed");
    if (rc == BASIN_OK)
        for (uint32_t i = 0; i < n; i++)
            eigenvalues[i] = g->variance + (i < nc && gamma[i] > 0 ? gamma[i] : 0);
    free(gamma);
    return rc;
}

/* The component c ∈ [0, C) each point of rows [first, first + count) of a split
   was drawn from: its class. [thread-safe] */
static int mixture_labels(void *self, const basin_host *host, int split, uint64_t first,
                          uint64_t count, int32_t *labels)
{
    const mixture *g = self;
    return rows_labels(host, g->component, g->r.n_train, g->r.n_heldout, split, first,
                       count, labels);
}

static const basin_dataset_iface mixture_iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = mixture_create,
    .destroy = mixture_destroy,
    .info = rows_dataset_info, /* K, the held-out count and N; real-valued */
    .read = rows_dataset_read,
    .spectrum = mixture_spectrum,
    .law_distance = NULL,
    .labels = mixture_labels,
};

static const basin_descriptor mixture_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_DATASET,
    .version = "1.0.0",
    .summary = "an equal-weight mixture of C isotropic Gaussians with +-m~ means "
               "(+m and -m for C = 2: Biroli et al. 2024)",
    .params = mixture_params,
    .iface = &mixture_iface,
};

static const basin_descriptor *const mixture_plugins[] = {
    &mixture_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "gaussian-mixture",
    mixture_plugins,
};
