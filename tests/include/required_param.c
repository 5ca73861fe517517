/* A dataset whose parameter table has a required parameter: the recipe loader must
 * refuse a recipe that does not set it, before any plugin code runs. Its functions
 * are never called by the tests. */
#include "basin/plugin.h"

static int create(const basin_host *host, const basin_value *values, void **self)
{
    (void)values;
    host->error(host, "the fixture is not meant to run");
    *self = 0;
    return BASIN_EINVAL;
}
static void destroy(void *self)
{
    (void)self;
}
static int info(void *self, basin_dataset_info *out)
{
    (void)self;
    (void)out;
    return BASIN_EINVAL;
}
static int read_rows(void *self, const basin_host *host, int split, uint64_t first,
                     uint64_t count, float *rows)
{
    (void)self, (void)host, (void)split, (void)first, (void)count, (void)rows;
    return BASIN_EINVAL;
}

static const basin_dataset_iface iface = {.struct_size = sizeof(basin_dataset_iface),
                                          .create = create,
                                          .destroy = destroy,
                                          .info = info,
                                          .read = read_rows};
static const basin_param_def params[] = {
    {"path", BASIN_PARAM_STRING, 0, "data.npy", 0, 0, 0, BASIN_PARAM_REQUIRED,
     "the file to read"},
    {0, BASIN_PARAM_INT, 0, 0, 0, 0, 0, 0, 0},
};
static const basin_descriptor descriptor = {sizeof(basin_descriptor),
                                            "datasets/required-fixture",
                                            BASIN_IFACE_DATASET,
                                            "1.0.0",
                                            "a test fixture with a required parameter",
                                            params,
                                            &iface};
static const basin_descriptor *const plugins[] = {&descriptor, 0};

BASIN_EXPORT const basin_library basin_library_entry = {BASIN_LIBRARY_HEADER,
                                                        "required-fixture", plugins};
