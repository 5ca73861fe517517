/*
 * A deliberately broken dataset for tests/check: 5 training rows of dimension 3
 * (row r is r, r + 1, r + 2) whose read() never checks the range and returns 0
 * for rows past the end (writing nothing). `basin check` must say "FAIL
 * datasets/no-range read-range".
 */
#include <basin/plugin.h>

#include <stddef.h>

static const basin_param_def params[] = {{NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL}};

static int create(const basin_host *h, const basin_value *v, void **self)
{
    (void)h, (void)v;
    static int instance;
    *self = &instance;
    return BASIN_OK;
}

static void destroy(void *self)
{
    (void)self;
}

static int info(void *self, basin_dataset_info *out)
{
    (void)self;
    out->n_train = 5;
    out->dim = 3;
    return BASIN_OK;
}

static int read_rows(void *self, const basin_host *h, int split, uint64_t first,
                     uint64_t count, float *rows)
{
    (void)self, (void)h, (void)split;
    for (uint64_t r = 0; r < count && first + r < 5; r++)
        for (uint64_t i = 0; i < 3; i++)
            rows[r * 3 + i] = (float)(first + r + i);
    return BASIN_OK;
}

static const basin_dataset_iface iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = create,
    .destroy = destroy,
    .info = info,
    .read = read_rows,
};

static const basin_descriptor descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "datasets/no-range",
    .interface = BASIN_IFACE_DATASET,
    .version = "0.0.1",
    .summary = "reads past its end without an error (checker test)",
    .params = params,
    .iface = &iface,
};

static const basin_descriptor *const plugins[] = {&descriptor, NULL};
BASIN_EXPORT const basin_library basin_library_entry = {BASIN_LIBRARY_HEADER, "no-range",
                                                        plugins};
