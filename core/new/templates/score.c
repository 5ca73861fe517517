/*
 * scores/TEMPLATE_NAME — the isotropic Gaussian denoiser, written by
 * `basin new score TEMPLATE_NAME`: a small but complete basin score plugin.
 *
 * encode fits the training set's mean μ and its variance per coordinate,
 * v = (1/(K N)) Σ ‖ξ_μ − μ‖² (or takes `variance` when it is set). If
 * x_0 ~ N(μ, v I) and x_t = α x_0 + σ ε, the posterior mean is linear
 * (Bishop 2006, PRML eq. 2.116):
 *
 *     x̂_0(x) = μ + g (x − α μ),   g = α v / (α² v + σ²).
 *
 * σ → 0 gives x/α; σ → ∞ gives μ. It never memorizes: it is the denoiser of the
 * law, not of its samples.
 *
 * Build:  cc -std=c11 -O2 -shared -fPIC -fvisibility=hidden \
 *            $(pkg-config --cflags basin) TEMPLATE_NAME.c -o TEMPLATE_NAME.so
 */
#include <basin/plugin.h>

#include <math.h>
#include <stdlib.h>

enum { P_VARIANCE };

/* name, type, default, string default, min, max, choices, flags, doc */
static const basin_param_def TEMPLATE_NAME_params[] = {
    {"variance", BASIN_PARAM_REAL, 0, NULL, 0, 1e308, NULL, 0,
     "the data variance per coordinate; 0 fits it to the training set"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct gauss {
    double variance; /* as given; 0: fit */
    double v;        /* the variance in use after encode */
    uint32_t dim;
    double *mean; /* dim, owned */
} gauss;

static int gauss_create(const basin_host *host, const basin_value *values, uint32_t dim,
                        void **self)
{
    gauss *g = calloc(1, sizeof *g);
    if (g)
        g->mean = calloc(dim, sizeof *g->mean);
    if (!g || !g->mean) {
        free(g);
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    g->variance = values[P_VARIANCE].number;
    g->dim = dim;
    *self = g;
    return BASIN_OK;
}

static void gauss_destroy(void *self)
{
    gauss *g = self;
    free(g->mean);
    free(g);
}

/* Mean and variance in double, two passes. */
static int gauss_encode(void *self, const basin_host *host, const float *train,
                        uint64_t n)
{
    gauss *g = self;
    if (n == 0) {
        host->error(host, "needs at least one training point");
        return BASIN_EINVAL;
    }
    for (uint32_t i = 0; i < g->dim; i++)
        g->mean[i] = 0;
    for (uint64_t k = 0; k < n; k++)
        for (uint32_t i = 0; i < g->dim; i++)
            g->mean[i] += train[k * g->dim + i];
    for (uint32_t i = 0; i < g->dim; i++)
        g->mean[i] /= (double)n;
    double ss = 0;
    for (uint64_t k = 0; k < n; k++)
        for (uint32_t i = 0; i < g->dim; i++) {
            double e = train[k * g->dim + i] - g->mean[i];
            ss += e * e;
        }
    g->v = g->variance > 0 ? g->variance : ss / ((double)n * g->dim);
    if (!isfinite(g->v)) {
        host->error(host, "the training set's variance is not finite");
        return BASIN_ENUMERIC;
    }
    return BASIN_OK;
}

/* [thread-safe]: reads the instance only. */
static int gauss_denoise(void *self, const basin_host *host, const float *x, uint64_t n,
                         double alpha, double sigma, float *x0_hat)
{
    const gauss *g = self;
    (void)host;
    double denom = alpha * alpha * g->v + sigma * sigma;
    /* σ = 0 and v = 0 together: no noise and no spread, x̂_0 = x/α. */
    double gain = denom > 0 ? alpha * g->v / denom : 1 / alpha;
    for (uint64_t r = 0; r < n; r++)
        for (uint32_t i = 0; i < g->dim; i++) {
            size_t at = (size_t)r * g->dim + i;
            x0_hat[at] = (float)(g->mean[i] + gain * (x[at] - alpha * g->mean[i]));
        }
    return BASIN_OK;
}

static const basin_score_iface TEMPLATE_NAME_iface = {
    .struct_size = sizeof(basin_score_iface),
    .create = gauss_create,
    .destroy = gauss_destroy,
    .encode = gauss_encode,
    .denoise = gauss_denoise,
};

static const basin_descriptor TEMPLATE_NAME_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "scores/TEMPLATE_NAME",
    .interface = BASIN_IFACE_SCORE,
    .version = "0.1.0",
    .summary = "isotropic Gaussian denoiser: "
               "x0 = mu + alpha v / (alpha^2 v + sigma^2) (x - alpha mu)",
    .params = TEMPLATE_NAME_params,
    .iface = &TEMPLATE_NAME_iface,
};

static const basin_descriptor *const TEMPLATE_NAME_plugins[] = {&TEMPLATE_NAME_descriptor,
                                                                NULL};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER, "TEMPLATE_NAME", TEMPLATE_NAME_plugins};
