/*
 * datasets/uniform — points uniform in the cube [low, high]^N: the patterns of
 * Hoover, Shi, Balasubramanian, Krotov & Ram 2025 ("Dense Associative Memory with
 * Epanechnikov energy", arXiv:2506.10801, App. D: M patterns uniform in [0, 1]^d),
 * whose emergent minima recipes/lsr-minima.toml counts.
 *
 * The law. x_i = low + (high − low) u_i, u_i uniform in [0, 1), independent: its
 * covariance is (high − low)²/12 on every axis; its support is the cube, so
 * `law_distance` (the distance to the cube) is 0 on it.
 *
 * Random numbers (host, role DATASET): N uniforms per point,
 *   train point μ: index μ, step 0      held-out point ν: index ν, step 1,
 * so growing `count` in a sweep keeps the first points.
 */
#include <basin/plugin.h>

#include "rows.h"

#include <math.h>
#include <stdlib.h>

enum { P_DIM, P_COUNT, P_HELDOUT, P_LOW, P_HIGH, N_PARAMS };

static const basin_param_def uniform_params[N_PARAMS + 1] = {
    [P_DIM] = {"dim", BASIN_PARAM_INT, 8, NULL, 1, 1000000, NULL, 0,
               "N, the dimension of each point"},
    [P_COUNT] = {"count", BASIN_PARAM_INT, 100, NULL, 1, 10000000, NULL, 0,
                 "K, the number of training points the model stores"},
    [P_HELDOUT] = {"heldout", BASIN_PARAM_INT, 1000, NULL, 0, 10000000, NULL, 0,
                   "the number of held-out points drawn from the same law"},
    [P_LOW] = {"low", BASIN_PARAM_REAL, 0, NULL, -1e6, 1e6, NULL, 0,
               "the cube's lower corner, on every axis"},
    [P_HIGH] = {"high", BASIN_PARAM_REAL, 1, NULL, -1e6, 1e6, NULL, 0,
                "the cube's upper corner, on every axis (above low)"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct uniform {
    rows r; /* first: rows_dataset_info / rows_dataset_read take the instance */
    double low, high;
    double *u; /* dim: one point's uniforms (rows_draw_points fills rows in turn) */
} uniform;

static void uniform_destroy(void *self)
{
    uniform *c = self;
    if (c == NULL)
        return;
    rows_free(&c->r);
    free(c->u);
    free(c);
}

/* Row `row`: point `index` of its split (rows_point_fn). */
static void draw_point(void *ctx, const basin_host *host, uint64_t row, uint64_t index,
                       int heldout)
{
    const uniform *c = ctx;
    float *x = rows_at(&c->r, row);
    host->random_uniform(host, BASIN_ROLE_DATASET, index, heldout ? 1 : 0, c->u,
                         c->r.dim);
    for (uint32_t i = 0; i < c->r.dim; i++)
        x[i] = (float)(c->low + (c->high - c->low) * c->u[i]);
}

static int uniform_create(const basin_host *host, const basin_value *v, void **self)
{
    *self = NULL;
    rows r = {0};
    int rc = rows_check_sizes(host, v[P_DIM].number, v[P_COUNT].number,
                              v[P_HELDOUT].number, &r);
    const double low = v[P_LOW].number, high = v[P_HIGH].number;
    if (rc == BASIN_OK && !(low >= -1e6 && high <= 1e6 && low < high)) {
        host->error(host, "low = %g and high = %g: need -1e6 <= low < high <= 1e6", low,
                    high);
        rc = BASIN_EINVAL;
    }
    if (rc != BASIN_OK)
        return rc;
    uniform *c = calloc(1, sizeof *c);
    if (c == NULL || !(c->u = malloc(r.dim * sizeof *c->u))) {
        free(c);
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    c->r = r;
    c->low = low;
    c->high = high;
    rc = rows_alloc(&c->r, host);
    if (rc == BASIN_OK)
        rc =
            rows_draw_points(host, c->r.n_train, c->r.n_heldout, "points", draw_point, c);
    if (rc != BASIN_OK) {
        uniform_destroy(c);
        return rc;
    }
    *self = c;
    return BASIN_OK;
}

/* (high − low)²/12 on every axis. [thread-safe] */
static int uniform_spectrum(void *self, const basin_host *host, double *eigenvalues)
{
    (void)host;
    const uniform *c = self;
    const double w = c->high - c->low;
    for (uint32_t i = 0; i < c->r.dim; i++)
        eigenvalues[i] = w * w / 12;
    return BASIN_OK;
}

/* The distance to the cube, ‖x − clamp(x, low, high)‖ / √N. [thread-safe] */
static int uniform_law_distance(void *self, const basin_host *host, const float *x,
                                uint64_t n, double *distance)
{
    (void)host;
    const uniform *c = self;
    const uint32_t dim = c->r.dim;
    for (uint64_t k = 0; k < n; k++) {
        const float *y = x + k * dim;
        double out = 0;
        for (uint32_t i = 0; i < dim; i++) {
            double e = y[i] < c->low    ? c->low - y[i]
                       : y[i] > c->high ? y[i] - c->high
                                        : 0;
            out += e * e;
        }
        distance[k] = sqrt(out / dim);
    }
    return BASIN_OK;
}

static const basin_dataset_iface uniform_iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = uniform_create,
    .destroy = uniform_destroy,
    .info = rows_dataset_info,
    .read = rows_dataset_read,
    .spectrum = uniform_spectrum,
    .law_distance = uniform_law_distance,
};

static const basin_descriptor uniform_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "datasets/uniform",
    .interface = BASIN_IFACE_DATASET,
    .version = "1.0.0",
    .summary = "points uniform in the cube [low, high]^N (the patterns of Hoover et "
               "al. 2025's minima count)",
    .params = uniform_params,
    .iface = &uniform_iface,
};

static const basin_descriptor *const uniform_plugins[] = {
    &uniform_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "uniform",
    uniform_plugins,
};
