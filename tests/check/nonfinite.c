/*
 * A deliberately broken score for tests/check: its denoiser is x/α (right at
 * small σ) but NaN once σ > 1. `basin check` must say "FAIL scores/nonfinite
 * finite".
 */
#include <basin/plugin.h>

#include <math.h>
#include <stdlib.h>

static const basin_param_def params[] = {{NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL}};

static int create(const basin_host *h, const basin_value *v, uint32_t dim, void **self)
{
    (void)h, (void)v;
    uint32_t *d = malloc(sizeof *d);
    if (!d)
        return BASIN_ENOMEM;
    *d = dim;
    *self = d;
    return BASIN_OK;
}

static void destroy(void *self)
{
    free(self);
}

static int encode(void *self, const basin_host *h, const float *t, uint64_t n)
{
    (void)self, (void)h, (void)t, (void)n;
    return BASIN_OK;
}

static int denoise(void *self, const basin_host *h, const float *x, uint64_t n,
                   double alpha, double sigma, float *out)
{
    (void)h;
    uint32_t dim = *(uint32_t *)self;
    for (uint64_t k = 0; k < n * dim; k++)
        out[k] = sigma > 1 ? NAN : (float)(x[k] / alpha);
    return BASIN_OK;
}

static const basin_score_iface iface = {
    .struct_size = sizeof(basin_score_iface),
    .create = create,
    .destroy = destroy,
    .encode = encode,
    .denoise = denoise,
};

static const basin_descriptor descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "scores/nonfinite",
    .interface = BASIN_IFACE_SCORE,
    .version = "0.0.1",
    .summary = "a denoiser that returns NaN at large sigma (checker test)",
    .params = params,
    .iface = &iface,
};

static const basin_descriptor *const plugins[] = {&descriptor, NULL};
BASIN_EXPORT const basin_library basin_library_entry = {BASIN_LIBRARY_HEADER, "nonfinite",
                                                        plugins};
