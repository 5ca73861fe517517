/*
 * datasets/gaussian — points from a centred Gaussian N(0, Σ) in N dimensions, the
 * simplest law whose covariance spectrum a diffusion model must learn (Biroli et
 * al. 2024, docs/science.md, Speciation time: t_S = ½ log Λ with Λ the top eigenvalue of
 * Σ).
 *
 * The law. Σ is diagonal (axis-aligned; a rotation would change nothing that the
 * measures see except which coordinates carry the variance):
 *   isotropic: λ_i = σ²                          (`variance`)
 *   power:     λ_i = σ² · i^(−decay), i = 1..N   (descending, λ_1 = σ²)
 *   file:      λ_i read from `spectrum_file`: N non-negative numbers separated by
 *              white space or commas ('#' starts a comment), axis i gets the i-th
 * and x_i = √λ_i g_i with g_i standard normal.
 *
 * Random numbers (host, role DATASET): one normal per entry,
 *   train point μ: index μ, step 0      held-out point ν: index ν, step 1,
 * so a point never depends on K or on the held-out count: growing `count` in a
 * sweep keeps the first points.
 */
#include <basin/plugin.h>

#include "rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID "datasets/gaussian"

enum {
    P_DIM,
    P_COUNT,
    P_HELDOUT,
    P_VARIANCE,
    P_SPECTRUM,
    P_DECAY,
    P_SPECTRUM_FILE,
    N_PARAMS
};

static const basin_param_def gaussian_params[N_PARAMS + 1] = {
    [P_DIM] = {"dim", BASIN_PARAM_INT, 100, NULL, 1, 1000000, NULL, 0,
               "N, the dimension of each point"},
    [P_COUNT] = {"count", BASIN_PARAM_INT, 1000, NULL, 1, 10000000, NULL, 0,
                 "K, the number of training points the model stores"},
    [P_HELDOUT] = {"heldout", BASIN_PARAM_INT, 1000, NULL, 0, 10000000, NULL, 0,
                   "the number of held-out points drawn from the same law"},
    [P_VARIANCE] =
        {"variance", BASIN_PARAM_REAL, 1, NULL, 0, 1e12, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
         "sigma^2, the variance of every coordinate (isotropic) or of the first (power)"},
    [P_SPECTRUM] =
        {"spectrum", BASIN_PARAM_CHOICE, 0, "isotropic", 0, 0, "isotropic|power|file", 0,
         "the covariance eigenvalues: all sigma^2, sigma^2 * i^(-decay) for axis i, or "
         "the N values in spectrum_file"},
    [P_DECAY] = {"decay", BASIN_PARAM_REAL, 1, NULL, 0, 16, NULL, 0,
                 "the power-law exponent of the spectrum (spectrum = power only)"},
    [P_SPECTRUM_FILE] =
        {"spectrum_file", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, BASIN_PARAM_PATH,
         "spectrum = file: a text file of N non-negative eigenvalues, axis by axis"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct gaussian {
    rows r; /* first: rows_dataset_info / rows_dataset_read take the instance */
    double *eigenvalues; /* dim: the diagonal of Σ, axis by axis */
} gaussian;

/* Read exactly dim non-negative finite numbers from a text file into out. */
static int read_spectrum(const basin_host *host, const char *path, uint32_t dim,
                         double *out)
{
    FILE *f = path[0] ? fopen(path, "r") : NULL;
    if (f == NULL) {
        host->error(host,
                    "spectrum_file \"%s\" cannot be read (spectrum = file needs "
                    "a text file of %u eigenvalues)",
                    path, dim);
        return BASIN_EIO;
    }
    uint32_t n = 0;
    int c, rc = BASIN_OK;
    while (rc == BASIN_OK && (c = fgetc(f)) != EOF) {
        if (c == '#') {
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
        } else if (!(c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            ungetc(c, f);
            double v;
            if (fscanf(f, "%lf", &v) != 1) {
                host->error(host, "%s: value %u is not a number", path, n + 1);
                rc = BASIN_EINVAL;
            } else if (!(v >= 0) || !isfinite(v)) {
                host->error(host, "%s: eigenvalue %u = %g must be finite and >= 0", path,
                            n + 1, v);
                rc = BASIN_EINVAL;
            } else if (n == dim) {
                host->error(host, "%s: more than dim = %u eigenvalues", path, dim);
                rc = BASIN_EINVAL;
            } else {
                out[n++] = v;
            }
        }
    }
    fclose(f);
    if (rc == BASIN_OK && n != dim) {
        host->error(host, "%s: %u eigenvalues for dim = %u", path, n, dim);
        rc = BASIN_EINVAL;
    }
    return rc;
}

static void gaussian_destroy(void *self)
{
    gaussian *g = self;
    if (g == NULL)
        return;
    rows_free(&g->r);
    free(g->eigenvalues);
    free(g);
}

/* Validate the parameters (the host checked the table; this guards a host that did
   not) and fill dim, counts and the spectrum. Returns 0 or BASIN_EINVAL/ENOMEM. */
static int gaussian_setup(const basin_host *host, const basin_value *v, gaussian *g)
{
    const double variance = v[P_VARIANCE].number, decay = v[P_DECAY].number;
    const char *spectrum = v[P_SPECTRUM].string;
    const int rc = rows_check_sizes(host, v[P_DIM].number, v[P_COUNT].number,
                                    v[P_HELDOUT].number, &g->r);
    if (rc != BASIN_OK)
        return rc;
    if (!(variance > 0 && variance <= 1e12)) {
        host->error(host, "variance = %g is not in (0, 1e12]", variance);
        return BASIN_EINVAL;
    }
    int power, file = 0;
    if (spectrum != NULL && strcmp(spectrum, "isotropic") == 0) {
        power = 0;
    } else if (spectrum != NULL && strcmp(spectrum, "power") == 0) {
        power = 1;
    } else if (spectrum != NULL && strcmp(spectrum, "file") == 0) {
        power = 0;
        file = 1;
    } else {
        host->error(host, "spectrum = \"%s\" is not isotropic, power or file",
                    spectrum ? spectrum : "(null)");
        return BASIN_EINVAL;
    }
    if (!(decay >= 0 && decay <= 16)) {
        host->error(host, "decay = %g is not in [0, 16]", decay);
        return BASIN_EINVAL;
    }
    g->eigenvalues = malloc(g->r.dim * sizeof *g->eigenvalues);
    if (g->eigenvalues == NULL) {
        host->error(host, "out of memory for %u eigenvalues", g->r.dim);
        return BASIN_ENOMEM;
    }
    if (file)
        return read_spectrum(host,
                             v[P_SPECTRUM_FILE].string ? v[P_SPECTRUM_FILE].string : "",
                             g->r.dim, g->eigenvalues);
    for (uint32_t i = 0; i < g->r.dim; i++)
        g->eigenvalues[i] = power ? variance * pow((double)(i + 1), -decay) : variance;
    return BASIN_OK;
}

/* What draw_point needs: the instance and the scales √λ_i. */
typedef struct draw {
    gaussian *g;
    const double *scale;
} draw;

/* Draw row `row`: point `index` of its split, x_i = √λ_i g_i (rows_point_fn). */
static void draw_point(void *ctx, const basin_host *host, uint64_t row, uint64_t index,
                       int heldout)
{
    const draw *d = ctx;
    float *x = rows_at(&d->g->r, row);
    host->random_normal(host, BASIN_ROLE_DATASET, index, heldout ? 1 : 0, x, d->g->r.dim);
    for (uint32_t i = 0; i < d->g->r.dim; i++)
        x[i] = (float)(d->scale[i] * x[i]);
}

/*
 * Draw K training and the held-out points (see the law at the top). *self receives
 * the instance, freed with destroy. Returns BASIN_EINVAL (parameters, overflow),
 * BASIN_ENOMEM or BASIN_ECANCELED. [deterministic given rng: role DATASET]
 */
static int gaussian_create(const basin_host *host, const basin_value *params, void **self)
{
    *self = NULL;
    gaussian *g = calloc(1, sizeof *g);
    if (g == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    int rc = gaussian_setup(host, params, g);
    if (rc == BASIN_OK)
        rc = rows_alloc(&g->r, host);
    double *scale = NULL;
    if (rc == BASIN_OK) {
        scale = malloc(g->r.dim * sizeof *scale);
        if (scale == NULL) {
            host->error(host, "out of memory for %u scales", g->r.dim);
            rc = BASIN_ENOMEM;
        }
    }
    if (rc != BASIN_OK) {
        gaussian_destroy(g);
        return rc;
    }
    for (uint32_t i = 0; i < g->r.dim; i++)
        scale[i] = sqrt(g->eigenvalues[i]);
    draw d = {g, scale};
    rc = rows_draw_points(host, g->r.n_train, g->r.n_heldout, "points", draw_point, &d);
    free(scale);
    if (rc != BASIN_OK) {
        gaussian_destroy(g);
        return rc;
    }
    *self = g;
    return BASIN_OK;
}

static int descending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* The eigenvalues of Σ, descending. [thread-safe] */
static int gaussian_spectrum(void *self, const basin_host *host, double *eigenvalues)
{
    (void)host;
    const gaussian *g = self;
    memcpy(eigenvalues, g->eigenvalues, g->r.dim * sizeof *eigenvalues);
    qsort(eigenvalues, g->r.dim, sizeof *eigenvalues, descending);
    return BASIN_OK;
}

static const basin_dataset_iface gaussian_iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = gaussian_create,
    .destroy = gaussian_destroy,
    .info = rows_dataset_info, /* K, the held-out count and N; real-valued */
    .read = rows_dataset_read,
    .spectrum = gaussian_spectrum,
    .law_distance = NULL,
};

static const basin_descriptor gaussian_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_DATASET,
    .version = "1.0.0",
    .summary = "centred Gaussian points with an isotropic, power-law or given "
               "axis-aligned covariance",
    .params = gaussian_params,
    .iface = &gaussian_iface,
};

static const basin_descriptor *const gaussian_plugins[] = {
    &gaussian_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "gaussian",
    gaussian_plugins,
};
