/*
 * datasets/sphere — points uniform on a sphere of radius r: S^{d−1} in the first
 * d coordinates of R^N (d = 2: a circle). The toy of Pham et al. 2025 (docs/science.md,
 * Pham et al. experiments: 2-D data uniform on the unit circle, training sizes 2, 9,
 * 1000): at small K each training point is an attractor of the empirical energy; at
 * large K its smoothed density is a ring of minima just inside the circle, so dynamics
 * end anywhere on it — new points of the data manifold, which is what `law_distance`
 * (the distance to the sphere) lets the measures call generalized.
 *
 * The law. x_{1..d} = r g/‖g‖ with g ~ N(0, I_d), x_{d+1..N} = 0. Its covariance
 * has eigenvalue r²/d on d axes and 0 on the others.
 *
 * Random numbers (host, role DATASET): d normals per point,
 *   train point μ: index μ, step 0      held-out point ν: index ν, step 1,
 * so growing `count` in a sweep keeps the first points.
 */
#include <basin/plugin.h>

#include "rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { P_DIM, P_SPHERE_DIM, P_RADIUS, P_COUNT, P_HELDOUT, N_PARAMS };

static const basin_param_def sphere_params[N_PARAMS + 1] = {
    [P_DIM] = {"dim", BASIN_PARAM_INT, 2, NULL, 1, 1000000, NULL, 0,
               "N, the dimension of each point"},
    [P_SPHERE_DIM] = {"sphere_dim", BASIN_PARAM_INT, 2, NULL, 1, 1000000, NULL, 0,
                      "d <= N, the coordinates the sphere S^(d-1) spans (2: a circle)"},
    [P_RADIUS] = {"radius", BASIN_PARAM_REAL, 1, NULL, 0, 1e6, NULL,
                  BASIN_PARAM_MIN_EXCLUSIVE, "r, the radius of the sphere"},
    [P_COUNT] = {"count", BASIN_PARAM_INT, 100, NULL, 1, 10000000, NULL, 0,
                 "K, the number of training points the model stores"},
    [P_HELDOUT] = {"heldout", BASIN_PARAM_INT, 1000, NULL, 0, 10000000, NULL, 0,
                   "the number of held-out points drawn from the same law"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct sphere {
    rows r; /* first: rows_dataset_info / rows_dataset_read take the instance */
    uint32_t d;
    double radius;
} sphere;

static void sphere_destroy(void *self)
{
    sphere *s = self;
    if (s == NULL)
        return;
    rows_free(&s->r);
    free(s);
}

/* Row `row`: point `index` of its split (rows_point_fn). A zero draw (probability
   0 in exact arithmetic) lands on the sphere's first axis. */
static void draw_point(void *ctx, const basin_host *host, uint64_t row, uint64_t index,
                       int heldout)
{
    const sphere *s = ctx;
    float *x = rows_at(&s->r, row);
    memset(x, 0, s->r.dim * sizeof *x);
    host->random_normal(host, BASIN_ROLE_DATASET, index, heldout ? 1 : 0, x, s->d);
    double norm = 0;
    for (uint32_t i = 0; i < s->d; i++)
        norm += (double)x[i] * x[i];
    norm = sqrt(norm);
    if (norm == 0) {
        x[0] = 1;
        norm = 1;
    }
    for (uint32_t i = 0; i < s->d; i++)
        x[i] = (float)(s->radius * x[i] / norm);
}

static int sphere_create(const basin_host *host, const basin_value *v, void **self)
{
    *self = NULL;
    rows r = {0};
    int rc = rows_check_sizes(host, v[P_DIM].number, v[P_COUNT].number,
                              v[P_HELDOUT].number, &r);
    if (rc == BASIN_OK)
        rc = rows_check_int(host, "sphere_dim", v[P_SPHERE_DIM].number, 1, r.dim);
    if (rc == BASIN_OK && !(v[P_RADIUS].number > 0 && v[P_RADIUS].number <= 1e6)) {
        host->error(host, "radius = %g is not in (0, 1e6]", v[P_RADIUS].number);
        rc = BASIN_EINVAL;
    }
    if (rc != BASIN_OK)
        return rc;
    sphere *s = calloc(1, sizeof *s);
    if (s == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->r = r;
    s->d = (uint32_t)v[P_SPHERE_DIM].number;
    s->radius = v[P_RADIUS].number;
    rc = rows_alloc(&s->r, host);
    if (rc == BASIN_OK)
        rc =
            rows_draw_points(host, s->r.n_train, s->r.n_heldout, "points", draw_point, s);
    if (rc != BASIN_OK) {
        sphere_destroy(s);
        return rc;
    }
    *self = s;
    return BASIN_OK;
}

/* r²/d on the sphere's d axes, 0 on the rest, descending. [thread-safe] */
static int sphere_spectrum(void *self, const basin_host *host, double *eigenvalues)
{
    (void)host;
    const sphere *s = self;
    for (uint32_t i = 0; i < s->r.dim; i++)
        eigenvalues[i] = i < s->d ? s->radius * s->radius / s->d : 0;
    return BASIN_OK;
}

/* The distance to the sphere, √((‖x_{1..d}‖ − r)² + ‖x_{d+1..N}‖²) / √N.
   [thread-safe] */
static int sphere_law_distance(void *self, const basin_host *host, const float *x,
                               uint64_t n, double *distance)
{
    (void)host;
    const sphere *s = self;
    const uint32_t dim = s->r.dim;
    for (uint64_t k = 0; k < n; k++) {
        const float *y = x + k * dim;
        double in = 0, out = 0;
        for (uint32_t i = 0; i < dim; i++)
            *(i < s->d ? &in : &out) += (double)y[i] * y[i];
        double radial = sqrt(in) - s->radius;
        distance[k] = sqrt((radial * radial + out) / dim);
    }
    return BASIN_OK;
}

static const basin_dataset_iface sphere_iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = sphere_create,
    .destroy = sphere_destroy,
    .info = rows_dataset_info,
    .read = rows_dataset_read,
    .spectrum = sphere_spectrum,
    .law_distance = sphere_law_distance,
};

static const basin_descriptor sphere_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "datasets/sphere",
    .interface = BASIN_IFACE_DATASET,
    .version = "1.0.0",
    .summary = "points uniform on a sphere S^(d-1) of radius r in R^N (d = 2: the "
               "circle of Pham et al. 2025)",
    .params = sphere_params,
    .iface = &sphere_iface,
};

static const basin_descriptor *const sphere_plugins[] = {
    &sphere_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "sphere",
    sphere_plugins,
};
