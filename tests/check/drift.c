/*
 * A deliberately broken sampler for tests/check: it moves every state by +0.1
 * per coordinate, so it leaves no fixed point in place. It runs energy models
 * only. `basin check` must say "FAIL samplers/drift fixed-point-quadratic".
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

static int run(void *self, const basin_host *h, const basin_model *model, float *states,
               uint64_t n, uint64_t first, basin_outcome *outcome)
{
    (void)self, (void)first;
    if (!model->energy || (model->energy->flags & BASIN_ENERGY_BINARY)) {
        h->error(h, "needs a continuous energy");
        return BASIN_EUNSUPPORTED;
    }
    for (uint64_t k = 0; k < n * model->dim; k++)
        states[k] += 0.1f;
    for (uint64_t s = 0; s < n; s++)
        outcome[s] = (basin_outcome){1, 1};
    return BASIN_OK;
}

static const basin_sampler_iface iface = {
    .struct_size = sizeof(basin_sampler_iface),
    .create = create,
    .destroy = destroy,
    .run = run,
};

static const basin_descriptor descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/drift",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "0.0.1",
    .summary = "moves every state by 0.1 (checker test)",
    .params = params,
    .iface = &iface,
};

static const basin_descriptor *const plugins[] = {&descriptor, NULL};
BASIN_EXPORT const basin_library basin_library_entry = {BASIN_LIBRARY_HEADER, "drift",
                                                        plugins};
