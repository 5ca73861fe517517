/*
 * samplers/fixed-point — iterate an energy's native update map to a fixed point:
 *
 *     x ← T(x)      (energy->update: sign(W x) for Hopfield, X softmax(β Xᵀ x) for
 *                    the modern Hopfield energy, Ramsauer et al. 2021, Eq. 3)
 *
 * until the normalized step ‖T(x) − x‖/√dim <= tol (outcome.converged = 1) or
 * max_iter iterations (converged = 0). outcome.steps counts the iterations, the
 * last included: a state already at a fixed point takes 1. The state after the
 * last iteration is T(x), the better estimate. For a contraction with factor q,
 * the fixed point then lies within q/(1 − q) · tol · √dim of it (Banach). A tol
 * below float resolution (about 6e-8 |x|) is met only at an exact float fixed
 * point.
 *
 * Each state is iterated alone (one update call per iteration, n = 1), so it never
 * depends on the batch; the map draws no random numbers. Every iteration is
 * reported to the host's observers (time = iterations done, α = 1, σ = 0).
 */
#include "descent.h"

#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID "samplers/fixed-point"

enum { P_TOL, P_MAX_ITER, N_PARAMS };

static const basin_param_def fixed_point_params[N_PARAMS + 1] = {
    [P_TOL] = {"tol", BASIN_PARAM_REAL, 1e-6, NULL, 0, 1e308, NULL, 0,
               "converged once the step ‖T(x) − x‖/√dim is at most this (state units)"},
    [P_MAX_ITER] =
        {"max_iter", BASIN_PARAM_INT, 1000, NULL, 1, 1000000000, NULL, 0,
         "the most iterations of the update map per state before it is reported "
         "unconverged"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct fixed_point {
    double tol;
    uint32_t max_iter;
} fixed_point;

/* Release a sampler; NULL is ignored. */
static void fixed_point_destroy(void *self)
{
    free(self);
}

/* A sampler with params `tol` and `max_iter`. BASIN_EINVAL, BASIN_ENOMEM. */
static int fixed_point_create(const basin_host *host, const basin_value *params,
                              void **self)
{
    *self = NULL;
    const double tol = params[P_TOL].number, max_iter = params[P_MAX_ITER].number;
    int rc = descent_check_tol(host, "tol", tol);
    if (rc == BASIN_OK)
        rc = descent_check_max_iter(host, "max_iter", max_iter);
    if (rc != BASIN_OK)
        return rc;
    fixed_point *s = malloc(sizeof *s);
    if (s == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->tol = tol;
    s->max_iter = (uint32_t)max_iter;
    *self = s;
    return BASIN_OK;
}

/* Iterate one state x (dim), with scratch->trial as T(x). Fills *outcome; a
   descent_state_fn. */
static int iterate(const void *self, const descent_ctx *c, float *x,
                   const descent_scratch *scratch, basin_outcome *outcome)
{
    const fixed_point *s = self;
    float *next = scratch->trial;
    for (uint32_t iter = 0; iter < s->max_iter; iter++) {
        int rc = descent_cancelled(c, iter);
        if (rc != BASIN_OK)
            return rc;
        rc = descent_update(c, x, next);
        if (rc != BASIN_OK)
            return rc;
        rc = descent_check_finite(c, next, "update", (uint64_t)iter + 1);
        if (rc != BASIN_OK)
            return rc;
        const double step = descent_rms_distance(next, x, c->dim);
        memcpy(x, next, c->dim * sizeof *x);
        outcome->steps = iter + 1;
        rc = descent_observe(c, x, (uint64_t)iter + 1);
        if (rc != BASIN_OK)
            return rc;
        if (step <= s->tol) {
            outcome->converged = 1;
            return BASIN_OK;
        }
    }
    return BASIN_OK;
}

/*
 * Iterate n states (n × dim, in place; row r is sample first_index + r) to fixed
 * points of the energy's update map; outcome[r] gets the iterations and
 * convergence. Returns BASIN_EUNSUPPORTED for a model without an update map,
 * BASIN_EINVAL for a non-finite initial state, BASIN_ENUMERIC when an iterate is
 * not finite, BASIN_ENOMEM, BASIN_ECANCELED (states then hold where each run
 * stopped), or the energy's error.
 * [thread-safe: all state is per call] [deterministic]
 */
static int fixed_point_run(void *self, const basin_host *host, const basin_model *model,
                           float *states, uint64_t n, uint64_t first_index,
                           basin_outcome *outcome)
{
    return descent_run(host, model, DESCENT_NEEDS_UPDATE, "fixed-point iteration", states,
                       n, first_index, outcome, iterate, self);
}

static const basin_sampler_iface fixed_point_iface = {
    .struct_size = sizeof(basin_sampler_iface),
    .flags = 0,
    .create = fixed_point_create,
    .destroy = fixed_point_destroy,
    .run = fixed_point_run,
};

static const basin_descriptor fixed_point_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "iterate an energy's native update map x <- T(x) to a fixed point",
    .params = fixed_point_params,
    .iface = &fixed_point_iface,
};

static const basin_descriptor *const fixed_point_plugins[] = {
    &fixed_point_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "fixed-point-sampler",
    fixed_point_plugins,
};
