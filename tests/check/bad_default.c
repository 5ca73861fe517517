/*
 * A dataset whose parameter table is broken for tests/check: `count` defaults to
 * 0 but its range is [1, 100]. The host's registry refuses the library; `basin
 * check` must say "FAIL datasets/bad-default params" with the reason.
 */
#include <basin/plugin.h>

static const basin_param_def params[] = {
    {"count", BASIN_PARAM_INT, 0, NULL, 1, 100, NULL, 0, "the number of points"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static int create(const basin_host *h, const basin_value *v, void **self)
{
    (void)h, (void)v, (void)self;
    return BASIN_EINTERNAL;
}

static void destroy(void *self)
{
    (void)self;
}

static int info(void *self, basin_dataset_info *out)
{
    (void)self, (void)out;
    return BASIN_EINTERNAL;
}

static int read_rows(void *self, const basin_host *h, int split, uint64_t first,
                     uint64_t count, float *rows)
{
    (void)self, (void)h, (void)split, (void)first, (void)count, (void)rows;
    return BASIN_EINTERNAL;
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
    .id = "datasets/bad-default",
    .interface = BASIN_IFACE_DATASET,
    .version = "0.0.1",
    .summary = "a default outside its own range (checker test)",
    .params = params,
    .iface = &iface,
};

static const basin_descriptor *const plugins[] = {&descriptor, NULL};
BASIN_EXPORT const basin_library basin_library_entry = {BASIN_LIBRARY_HEADER,
                                                        "bad-default", plugins};
