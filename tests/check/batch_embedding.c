/*
 * A deliberately broken embedding for tests/check: its features are the rows
 * minus the mean of the batch they arrive in, so a row's features depend on its
 * neighbours (a network that normalizes over its batch does the same). `basin
 * check` must say "FAIL embeddings/batch-mean rows-alone". With -DBROKEN_DIM it
 * instead accepts rows of any dim: "FAIL embeddings/any-dim dim-mismatch".
 */
#include <basin/plugin.h>

#include <stddef.h>

static const basin_param_def params[] = {{NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL}};

typedef struct fixture {
    uint32_t dim;
} fixture;

static fixture instances[8];
static unsigned n_instances;

static int create(const basin_host *h, const basin_value *v, void **self)
{
    (void)v;
    if (n_instances == 8) {
        h->error(h, "too many instances");
        return BASIN_ENOMEM;
    }
    *self = &instances[n_instances++];
    return BASIN_OK;
}

static void destroy(void *self)
{
    (void)self;
}

static int encode(void *self, const basin_host *h, const float *train, uint64_t n,
                  uint32_t dim)
{
    (void)h, (void)train, (void)n;
    ((fixture *)self)->dim = dim;
    return BASIN_OK;
}

static uint32_t dimension(void *self)
{
    return ((fixture *)self)->dim;
}

static int features(void *self, const basin_host *h, const float *x, uint64_t n,
                    uint32_t dim, float *out)
{
    const fixture *f = self;
#ifndef BROKEN_DIM
    if (dim != f->dim) {
        h->error(h, "rows of dim %u, encode saw %u", dim, f->dim);
        return BASIN_EINVAL;
    }
    for (uint32_t i = 0; i < dim; i++) {
        double mean = 0;
        for (uint64_t r = 0; r < n; r++)
            mean += x[r * dim + i];
        mean /= (double)(n ? n : 1);
        for (uint64_t r = 0; r < n; r++)
            out[r * dim + i] = (float)(x[r * dim + i] - mean);
    }
#else
    (void)h;
    for (uint64_t r = 0; r < n; r++)
        for (uint32_t i = 0; i < f->dim; i++)
            out[r * f->dim + i] = x[r * dim + i % dim];
#endif
    return BASIN_OK;
}

static const basin_embedding_iface iface = {
    .struct_size = sizeof(basin_embedding_iface),
    .create = create,
    .destroy = destroy,
    .encode = encode,
    .dimension = dimension,
    .features = features,
};

static const basin_descriptor descriptor = {
    .struct_size = sizeof(basin_descriptor),
#ifndef BROKEN_DIM
    .id = "embeddings/batch-mean",
#else
    .id = "embeddings/any-dim",
#endif
    .interface = BASIN_IFACE_EMBEDDING,
    .version = "0.0.1",
    .summary = "a broken embedding for tests/check",
    .params = params,
    .iface = &iface,
};

static const basin_descriptor *const plugins[] = {&descriptor, NULL};

BASIN_EXPORT const basin_library basin_library_entry = {BASIN_LIBRARY_HEADER, "broken",
                                                        plugins};
