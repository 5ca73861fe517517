/*
 * embeddings/TEMPLATE_NAME — standardized coordinates, written by
 * `basin new embedding TEMPLATE_NAME`: a small but complete basin embedding plugin
 * (basin.embedding/1). A recipe measures its distances in this space with
 *
 *     [measure]
 *     space = "embeddings/TEMPLATE_NAME"
 *     [space]
 *     scale = 1
 *
 * encode fits the training set's mean μ_i and standard deviation s_i per
 * coordinate; the features of x are
 *
 *     f_i(x) = scale · (x_i − μ_i) / s_i,        i = 1 … N   (m = N),
 *
 * so no coordinate dominates the distances because of its units. Replace the
 * body of encode and features with your own map: a projection, a hand-made
 * descriptor, or a call into a library. The contract (docs/plugin-guide.md):
 * features is [thread-safe] and [deterministic], and a row's features depend on
 * that row alone.
 *
 * Build:  cc -std=c11 -O2 -shared -fPIC -fvisibility=hidden \
 *            $(pkg-config --cflags basin) TEMPLATE_NAME.c -o TEMPLATE_NAME.so -lm
 */
#include <basin/plugin.h>

#include <math.h>
#include <stdlib.h>

enum { P_SCALE };

/* name, type, default, string default, min, max, choices, flags, doc */
static const basin_param_def TEMPLATE_NAME_params[] = {
    {"scale", BASIN_PARAM_REAL, 1, NULL, 0, 1e308, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
     "a factor on every feature"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct standard {
    double scale;
    uint32_t dim;   /* N after encode; 0 before */
    double *mean;   /* dim, owned */
    double *factor; /* dim: scale / s_i, owned */
} standard;

static int standard_create(const basin_host *host, const basin_value *values, void **self)
{
    standard *s = calloc(1, sizeof *s);
    if (!s) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->scale = values[P_SCALE].number;
    *self = s;
    return BASIN_OK;
}

static void standard_destroy(void *self)
{
    standard *s = self;
    free(s->mean);
    free(s->factor);
    free(s);
}

/* Mean and standard deviation per coordinate, in double, two passes. A coordinate
   without spread keeps a factor of scale (it adds nothing to distances between
   training points, and measures others in the data's units). */
static int standard_encode(void *self, const basin_host *host, const float *train,
                           uint64_t n, uint32_t dim)
{
    standard *s = self;
    if (n == 0 || dim == 0) {
        host->error(host, "needs at least one training point of one coordinate");
        return BASIN_EINVAL;
    }
    double *mean = calloc(dim, sizeof *mean), *factor = calloc(dim, sizeof *factor);
    if (!mean || !factor) {
        free(mean);
        free(factor);
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    for (uint64_t k = 0; k < n; k++)
        for (uint32_t i = 0; i < dim; i++)
            mean[i] += train[k * dim + i];
    for (uint32_t i = 0; i < dim; i++)
        mean[i] /= (double)n;
    for (uint64_t k = 0; k < n; k++)
        for (uint32_t i = 0; i < dim; i++) {
            double e = train[k * dim + i] - mean[i];
            factor[i] += e * e;
        }
    for (uint32_t i = 0; i < dim; i++) {
        double sd = sqrt(factor[i] / (double)n);
        factor[i] = sd > 0 ? s->scale / sd : s->scale;
        if (!isfinite(mean[i]) || !isfinite(factor[i])) {
            free(mean);
            free(factor);
            host->error(host, "coordinate %u of the training set is not finite", i);
            return BASIN_ENUMERIC;
        }
    }
    free(s->mean);
    free(s->factor);
    s->mean = mean;
    s->factor = factor;
    s->dim = dim;
    return BASIN_OK;
}

/* m = N. */
static uint32_t standard_dimension(void *self)
{
    return ((const standard *)self)->dim;
}

/* [thread-safe] [deterministic]: reads the instance only, row by row. */
static int standard_features(void *self, const basin_host *host, const float *x,
                             uint64_t n, uint32_t dim, float *out)
{
    const standard *s = self;
    if (dim != s->dim) {
        host->error(host, "rows of dim %u, but encode saw dim %u", dim, s->dim);
        return BASIN_EINVAL;
    }
    for (uint64_t r = 0; r < n; r++)
        for (uint32_t i = 0; i < dim; i++) {
            size_t at = (size_t)r * dim + i;
            out[at] = (float)((x[at] - s->mean[i]) * s->factor[i]);
        }
    return BASIN_OK;
}

static const basin_embedding_iface TEMPLATE_NAME_iface = {
    .struct_size = sizeof(basin_embedding_iface),
    .create = standard_create,
    .destroy = standard_destroy,
    .encode = standard_encode,
    .dimension = standard_dimension,
    .features = standard_features,
};

static const basin_descriptor TEMPLATE_NAME_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "embeddings/TEMPLATE_NAME",
    .interface = BASIN_IFACE_EMBEDDING,
    .version = "0.1.0",
    .summary = "standardized coordinates: (x - mean) / sd per coordinate",
    .params = TEMPLATE_NAME_params,
    .iface = &TEMPLATE_NAME_iface,
};

static const basin_descriptor *const TEMPLATE_NAME_plugins[] = {&TEMPLATE_NAME_descriptor,
                                                                NULL};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER, "TEMPLATE_NAME", TEMPLATE_NAME_plugins};
