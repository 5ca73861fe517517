/*
 * datasets/TEMPLATE_NAME — isotropic Gaussian points, written by
 * `basin new dataset TEMPLATE_NAME`: a small but complete basin dataset plugin.
 *
 * K training and H held-out points x ~ N(0, s² I_N). Point k of a split is drawn
 * from the host's stream (role DATASET, index k, step 0 for train, 1 for
 * held-out), so it does not depend on K, H or the order of reads. The law's
 * covariance spectrum (s², N times) is exposed for the measures.
 *
 * Build:  cc -std=c11 -O2 -shared -fPIC -fvisibility=hidden \
 *            $(pkg-config --cflags basin) TEMPLATE_NAME.c -o TEMPLATE_NAME.so
 */
#include <basin/plugin.h>

#include <stdlib.h>

enum { P_COUNT, P_HELDOUT, P_DIM, P_SCALE };

/* name, type, default, string default, min, max, choices, flags, doc */
static const basin_param_def TEMPLATE_NAME_params[] = {
    {"count", BASIN_PARAM_INT, 100, NULL, 1, 1e9, NULL, 0, "K: training points"},
    {"heldout", BASIN_PARAM_INT, 100, NULL, 0, 1e9, NULL, 0,
     "held-out points from the same law"},
    {"dim", BASIN_PARAM_INT, 16, NULL, 1, 1e6, NULL, 0, "N: the dimension"},
    {"scale", BASIN_PARAM_REAL, 1.0, NULL, 0, 1e6, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
     "s: the standard deviation of each coordinate"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct points {
    uint64_t count, heldout;
    uint32_t dim;
    double scale;
} points;

/* Nothing is drawn here: read() draws each row from its own stream. */
static int points_create(const basin_host *host, const basin_value *values, void **self)
{
    points *p = malloc(sizeof *p);
    if (!p) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    p->count = (uint64_t)values[P_COUNT].number;
    p->heldout = (uint64_t)values[P_HELDOUT].number;
    p->dim = (uint32_t)values[P_DIM].number;
    p->scale = values[P_SCALE].number;
    *self = p;
    return BASIN_OK;
}

static void points_destroy(void *self)
{
    free(self);
}

static int points_info(void *self, basin_dataset_info *out)
{
    const points *p = self;
    out->n_train = p->count;
    out->n_heldout = p->heldout;
    out->dim = p->dim;
    return BASIN_OK;
}

/* [deterministic given rng: role DATASET] */
static int points_read(void *self, const basin_host *host, int split, uint64_t first,
                       uint64_t count, float *rows)
{
    const points *p = self;
    uint64_t n = split == BASIN_SPLIT_HELDOUT ? p->heldout : p->count;
    if (first > n || count > n - first) {
        host->error(host, "rows [%llu, %llu) are past the split's %llu",
                    (unsigned long long)first, (unsigned long long)(first + count),
                    (unsigned long long)n);
        return BASIN_EINVAL;
    }
    for (uint64_t k = 0; k < count; k++) {
        float *x = rows + k * p->dim;
        host->random_normal(host, BASIN_ROLE_DATASET, first + k,
                            split == BASIN_SPLIT_HELDOUT, x, p->dim);
        for (uint32_t i = 0; i < p->dim; i++)
            x[i] = (float)(p->scale * x[i]);
    }
    return BASIN_OK;
}

static int points_spectrum(void *self, const basin_host *host, double *eigenvalues)
{
    const points *p = self;
    (void)host;
    for (uint32_t i = 0; i < p->dim; i++)
        eigenvalues[i] = p->scale * p->scale;
    return BASIN_OK;
}

static const basin_dataset_iface TEMPLATE_NAME_iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = points_create,
    .destroy = points_destroy,
    .info = points_info,
    .read = points_read,
    .spectrum = points_spectrum,
};

static const basin_descriptor TEMPLATE_NAME_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "datasets/TEMPLATE_NAME",
    .interface = BASIN_IFACE_DATASET,
    .version = "0.1.0",
    .summary = "isotropic Gaussian points N(0, s^2 I)",
    .params = TEMPLATE_NAME_params,
    .iface = &TEMPLATE_NAME_iface,
};

static const basin_descriptor *const TEMPLATE_NAME_plugins[] = {&TEMPLATE_NAME_descriptor,
                                                                NULL};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER, "TEMPLATE_NAME", TEMPLATE_NAME_plugins};
