/* A plugin library that needs a function nobody defines: loading it with
 * RTLD_NOW fails, and the host must say so instead of crashing later. */
#include "basin/plugin.h"

void basin_function_nobody_defines(void);

static void destroy(void *self)
{
    (void)self;
    basin_function_nobody_defines();
}

static const basin_sampler_iface iface = {sizeof(basin_sampler_iface), 0, 0, destroy, 0};
static const basin_param_def params[] = {{0, BASIN_PARAM_INT, 0, 0, 0, 0, 0, 0, 0}};
static const basin_descriptor descriptor = {sizeof(basin_descriptor),
                                            "samplers/unlinked",
                                            BASIN_IFACE_SAMPLER,
                                            "1.0.0",
                                            "a sampler with an unresolved symbol",
                                            params,
                                            &iface};
static const basin_descriptor *const plugins[] = {&descriptor, 0};

BASIN_EXPORT const basin_library basin_library_entry = {BASIN_LIBRARY_HEADER,
                                                        "missing-symbol", plugins};
