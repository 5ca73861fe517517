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

#define PLUGIN_ID "samplers/gradient-descent"

enum { P_STEP, P_TOL, P_MAX_ITER, P_BACKTRACKING, N_PARAMS };

static const basin_param_def gradient_descent_params[N_PARAMS + 1] = {
    [P_STEP] = {"step", BASIN_PARAM_REAL, 0.1, NULL, 0, 1e308, NULL,
                BASIN_PARAM_MIN_EXCLUSIVE,
                "the step η of x <- x - η ∇E(x) (state units per unit of gradient)"},
    [P_TOL] = {"tol", BASIN_PARAM_REAL, 1e-6, NULL, 0, 1e308, NULL, 0,
               "converged once the gradient norm ‖∇E‖/√dim is at most this"},
    [P_MAX_ITER] = {"max_iter", BASIN_PARAM_INT, 10000, NULL, 1, 1000000000, NULL, 0,
                    "the most steps per state before it is reported unconverged"},
    [P_BACKTRACKING] =
        {"backtracking", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
         "halve the step of a state whenever a step would raise its energy"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
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
    int rc = descent_check_tol(host, "tol", tol);
    if (rc == BASIN_OK)
        rc = descent_check_max_iter(host, "max_iter", max_iter);
    if (rc != BASIN_OK)
        return rc;
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

/* descent_minimize as a descent_state_fn. */
static int minimize(const void *self, const descent_ctx *c, float *x,
                    const descent_scratch *scratch, basin_outcome *outcome)
{
    return descent_minimize(c, self, x, scratch, outcome);
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
    const unsigned needs = DESCENT_NEEDS_GRADIENT | DESCENT_CONTINUOUS |
                           (s->backtracking ? DESCENT_NEEDS_ENERGY : 0u);
    return descent_run(host, model, needs, "gradient descent", states, n, first_index,
                       outcome, minimize, s);
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
