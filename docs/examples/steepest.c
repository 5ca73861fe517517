/*
 * samplers/steepest — the worked example of docs/plugin-guide.md: a complete basin
 * plugin in one file, built against basin/plugin.h alone.
 *
 * Steepest-descent dynamics for any binary energy: at each step flip the one spin
 * whose flip lowers the energy most, until no flip lowers it (a fixed point of
 * the zero-temperature dynamics), or max_steps. Deterministic: it draws no random
 * numbers, so it needs nothing from the host but the error sink and cancellation.
 *
 * Build:  cc -std=c11 -O2 -shared -fPIC -fvisibility=hidden \
 *            -I/path/to/include steepest.c -o steepest.so
 */
#include <basin/plugin.h>

#include <stdlib.h>

/* The parameter table: name, type, default, string default, min, max, choices,
   flags, doc. The host checks recipes against it before calling create(). */
static const basin_param_def steepest_params[] = {
    {"max_steps", BASIN_PARAM_INT, 100000, NULL, 1, 1e9, NULL, 0,
     "the most single-spin flips per state before it is reported unconverged"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct steepest {
    uint64_t max_steps;
} steepest;

/* values[i] belongs to steepest_params[i]; they are already validated. */
static int steepest_create(const basin_host *host, const basin_value *values, void **self)
{
    steepest *s = malloc(sizeof *s);
    if (!s) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->max_steps = (uint64_t)values[0].number;
    *self = s;
    return BASIN_OK;
}

static void steepest_destroy(void *self)
{
    free(self);
}

/* [thread-safe]: everything mutable lives in this call's allocations. */
static int steepest_run(void *self, const basin_host *host, const basin_model *model,
                        float *states, uint64_t n, uint64_t first_index,
                        basin_outcome *outcome)
{
    const steepest *s = self;
    const basin_energy_iface *e = model->energy;
    (void)first_index; /* no random numbers: nothing to key */
    if (!e || !(e->flags & BASIN_ENERGY_BINARY)) {
        host->error(host, "needs a binary energy (an energy with spin_* functions)");
        return BASIN_EUNSUPPORTED;
    }
    uint32_t dim = model->dim;
    uint64_t cache_size = e->spin_cache_size(model->energy_self);
    float *cache = malloc((size_t)cache_size * sizeof *cache);
    if (!cache) {
        host->error(host, "out of memory for a %llu-float cache",
                    (unsigned long long)cache_size);
        return BASIN_ENOMEM;
    }
    int rc = BASIN_OK;
    for (uint64_t r = 0; r < n && rc == BASIN_OK; r++) {
        float *x = states + r * dim;
        rc = e->spin_init(model->energy_self, host, x, 1, cache);
        outcome[r].steps = 0;
        outcome[r].converged = 0;
        for (uint64_t step = 0; rc == BASIN_OK && step < s->max_steps; step++) {
            uint32_t best = 0;
            double best_delta = 0;
            for (uint32_t i = 0; i < dim; i++) {
                double delta = e->spin_delta(model->energy_self, x, cache, i);
                if (delta < best_delta) {
                    best_delta = delta;
                    best = i;
                }
            }
            if (best_delta >= 0) {
                outcome[r].converged = 1;
                break;
            }
            e->spin_flip(model->energy_self, x, cache, best);
            outcome[r].steps++;
            if (host->cancelled(host)) {
                host->error(host, "cancelled");
                rc = BASIN_ECANCELED;
            }
        }
    }
    free(cache);
    return rc;
}

static const basin_sampler_iface steepest_iface = {
    .struct_size = sizeof(basin_sampler_iface),
    .create = steepest_create,
    .destroy = steepest_destroy,
    .run = steepest_run,
};

static const basin_descriptor steepest_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/steepest",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "steepest descent: flip the spin that lowers a binary energy most",
    .params = steepest_params,
    .iface = &steepest_iface,
};

static const basin_descriptor *const plugins[] = {&steepest_descriptor, NULL};

BASIN_EXPORT const basin_library basin_library_entry = {BASIN_LIBRARY_HEADER,
                                                        "steepest-example", plugins};
