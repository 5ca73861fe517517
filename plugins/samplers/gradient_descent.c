/*
 * samplers/gradient-descent — gradient descent to a local minimum of a
 * continuous energy:
 *
 *     x ← x − η ∇E(x)
 *
 * until ‖∇E(x)‖/√dim <= tol (outcome.converged = 1) or max_iter steps
 * (converged = 0). outcome.steps counts the steps taken: a state that starts at a
 * minimum takes 0. Near a minimum with Hessian eigenvalues >= λ_min > 0, the
 * converged state lies within tol/λ_min (normalized by √dim) of it.
 *
 * With backtracking (the default) a step that would raise E is not taken: η is
 * halved for the rest of that state's run and the step retried, so a too-large η
 * still reaches a local minimum (see descent_minimize in descent.h); this costs
 * one energy evaluation per step. Without it η must be below 2/L (L the largest
 * Hessian eigenvalue on the path) or the state diverges (BASIN_ENUMERIC).
 *
 * Each state runs alone (one gradient call per step, n = 1), so it never depends
 * on the batch; nothing is random. Every step is reported to the host's observers
 * (time = steps done, α = 1, σ = 0).
 */
#include "descent.h"

#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID "samplers/gradient-descent"

enum { P_STEP, P_TOL, P_MAX_ITER, P_BACKTRACKING };

static const basin_param_def gradient_descent_params[] = {
    {"step", BASIN_PARAM_REAL, 0.1, NULL, 0, 1e308, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
     "the step η of x <- x - η ∇E(x) (state units per unit of gradient)"},
    {"tol", BASIN_PARAM_REAL, 1e-6, NULL, 0, 1e308, NULL, 0,
     "converged once the gradient norm ‖∇E‖/√dim is at most this"},
    {"max_iter", BASIN_PARAM_INT, 10000, NULL, 1, 1000000000, NULL, 0,
     "the most steps per state before it is reported unconverged"},
    {"backtracking", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
     "halve the step of a state whenever a step would raise its energy"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

/* Release a sampler; NULL is ignored. */
static void gradient_descent_destroy(void *self)
{
    free(self);
}

/* A sampler with params step, tol, max_iter, backtracking. BASIN_EINVAL,
   BASIN_ENOMEM. */
static int gradient_descent_create(const basin_host *host, const basin_value *params,
                                   void **self)
{
    *self = NULL;
    const double step = params[P_STEP].number, tol = params[P_TOL].number;
    const double max_iter = params[P_MAX_ITER].number;
    if (!(step > 0 && step <= 1e308)) {
        host->error(host, "step = %g must be > 0", step);
        return BASIN_EINVAL;
    }
    if (!(tol >= 0 && tol <= 1e308)) {
        host->error(host, "tol = %g must be >= 0", tol);
        return BASIN_EINVAL;
    }
    if (!(max_iter >= 1 && max_iter <= 1e9)) {
        host->error(host, "max_iter = %g is not in [1, 1000000000]", max_iter);
        return BASIN_EINVAL;
    }
    descent_params *s = malloc(sizeof *s);
    if (s == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->step = step;
    s->tol = tol;
    s->max_iter = (uint32_t)max_iter;
    s->backtracking = params[P_BACKTRACKING].number != 0;
    *self = s;
    return BASIN_OK;
}

/*
 * Descend n states (n × dim, in place; row r is sample first_index + r) to local
 * minima of the model's energy; outcome[r] gets the steps and convergence.
 * Returns BASIN_EUNSUPPORTED for a model without a gradient (or without E(x) when
 * backtracking) or with binary states, BASIN_EINVAL for a non-finite initial
 * state, BASIN_ENUMERIC when a state or gradient is not finite, BASIN_ENOMEM,
 * BASIN_ECANCELED (states then hold where each run stopped), or the energy's
 * error. [thread-safe: all state is per call] [deterministic]
 */
static int gradient_descent_run(void *self, const basin_host *host,
                                const basin_model *model, float *states, uint64_t n,
                                uint64_t first_index, basin_outcome *outcome)
{
    const descent_params *s = self;
    const unsigned needs = DESCENT_NEEDS_GRADIENT | DESCENT_CONTINUOUS
                           | (s->backtracking ? DESCENT_NEEDS_ENERGY : 0u);
    int rc = descent_check_model(host, model, needs, "gradient descent");
    if (rc != BASIN_OK || n == 0)
        return rc;
    if (states == NULL || outcome == NULL) {
        host->error(host, "states or outcome is NULL");
        return BASIN_EINVAL;
    }
    memset(outcome, 0, n * sizeof *outcome);
    const uint32_t dim = model->dim;
    rc = descent_check_states(host, states, n, dim, first_index);
    if (rc != BASIN_OK)
        return rc;
    descent_scratch *scratch = descent_scratch_new(dim);
    if (scratch == NULL) {
        host->error(host, "out of memory for the scratch of a state of %u floats",
                    dim);
        return BASIN_ENOMEM;
    }
    for (uint64_t r = 0; r < n && rc == BASIN_OK; r++) {
        const descent_ctx c = {
            .host = host,
            .energy = model->energy,
            .energy_self = model->energy_self,
            .dim = dim,
            .index = first_index + r,
        };
        rc = descent_minimize(&c, s, states + r * dim, scratch, &outcome[r]);
    }
    descent_scratch_free(scratch);
    return rc;
}

static const basin_sampler_iface gradient_descent_iface = {
    .struct_size = sizeof(basin_sampler_iface),
    .flags = 0,
    .create = gradient_descent_create,
    .destroy = gradient_descent_destroy,
    .run = gradient_descent_run,
};

static const basin_descriptor gradient_descent_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "gradient descent with backtracking to a local minimum of a "
               "continuous energy",
    .params = gradient_descent_params,
    .iface = &gradient_descent_iface,
};

static const basin_descriptor *const gradient_descent_plugins[] = {
    &gradient_descent_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "gradient-descent-sampler",
    gradient_descent_plugins,
};
