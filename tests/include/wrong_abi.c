/* A plugin library built for another ABI: the host must refuse it with a message
 * naming the library and both versions. WRONG_MAJOR / WRONG_MINOR are set by
 * tests/meson.build. */
#include "basin/plugin.h"

static int create(const basin_host *host, const basin_value *params, void **self)
{
    (void)host;
    (void)params;
    *self = 0;
    return BASIN_OK;
}
static void destroy(void *self)
{
    (void)self;
}
static int run(void *self, const basin_host *host, const basin_model *model,
               float *states, uint64_t n, uint64_t first, basin_outcome *outcome)
{
    (void)self, (void)host, (void)model, (void)states, (void)n, (void)first,
        (void)outcome;
    return BASIN_OK;
}

static const basin_sampler_iface iface = {sizeof(basin_sampler_iface), 0, create, destroy,
                                          run};
static const basin_param_def params[] = {{0, BASIN_PARAM_INT, 0, 0, 0, 0, 0, 0, 0}};
static const basin_descriptor descriptor = {sizeof(basin_descriptor),
                                            "samplers/from-the-future",
                                            BASIN_IFACE_SAMPLER,
                                            "9.0.0",
                                            "a sampler built for another ABI",
                                            params,
                                            &iface};
static const basin_descriptor *const plugins[] = {&descriptor, 0};

BASIN_EXPORT const basin_library basin_library_entry = {
    WRONG_MAJOR, WRONG_MINOR, sizeof(basin_library), "wrong-abi", plugins};
