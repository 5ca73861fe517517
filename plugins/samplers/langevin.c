/*
 * samplers/langevin — overdamped Langevin dynamics at temperature T, the
 * Euler–Maruyama discretization of dx = −∇E(x) dt + √(2T) dW:
 *
 *     x ← x − η ∇E(x) + √(2ηT) z,      z ~ N(0, I)
 *
 * whose stationary law tends to the Boltzmann law p(x) ∝ exp(−E(x)/T) as η → 0
 * (Roberts & Tweedie 1996, Bernoulli 2(4), Eq. 1.2, the unadjusted Langevin
 * algorithm). The discretization biases it by O(η): for E = ½ a x² the chain is
 * x ← (1 − ηa) x + √(2ηT) z, with stationary variance T / (a (1 − ηa/2)) instead
 * of T / a (stable for ηa < 2). T = 0 is plain gradient descent with a fixed step.
 *
 * `steps` steps are taken; without a quench the states are samples, not
 * attractors, and outcome.converged is 0. With quench the run ends with gradient
 * descent (step η, backtracking, see descent_minimize) to the nearest local
 * minimum, so the measures see an attractor; converged then says whether the
 * quench met ‖∇E‖/√dim <= quench_tol within quench_max_iter steps. outcome.steps
 * counts all steps, Langevin and quench; every one is reported to the host's
 * observers (time = steps done, α = 1, σ = 0).
 *
 * Random numbers (host, role SAMPLER): the noise of Langevin step s (0 first) of
 * sample k is random_normal(index = k, step = s), dim numbers, so it does not
 * depend on the batch, the thread or the other samples. Each state runs alone
 * (one gradient call per step, n = 1).
 */
#include "descent.h"

#include <math.h>
#include <stdlib.h>

#define PLUGIN_ID "samplers/langevin"

enum {
    P_STEP,
    P_TEMPERATURE,
    P_STEPS,
    P_QUENCH,
    P_QUENCH_TOL,
    P_QUENCH_MAX_ITER,
    N_PARAMS
};

static const basin_param_def langevin_params[N_PARAMS + 1] = {
    [P_STEP] =
        {"step", BASIN_PARAM_REAL, 0.01, NULL, 0, 1e308, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
         "the time step η of x <- x - η ∇E(x) + √(2ηT) z (also the quench's first step)"},
    [P_TEMPERATURE] =
        {"temperature", BASIN_PARAM_REAL, 0.1, NULL, 0, 1e308, NULL, 0,
         "the temperature T of the Boltzmann law exp(-E/T) sampled (energy units)"},
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 1000, NULL, 0, 1000000000, NULL, 0,
                 "the number of Langevin steps per state"},
    [P_QUENCH] = {"quench", BASIN_PARAM_BOOL, 0, NULL, 0, 1, NULL, 0,
                  "finish with gradient descent to the nearest local minimum"},
    [P_QUENCH_TOL] = {"quench_tol", BASIN_PARAM_REAL, 1e-6, NULL, 0, 1e308, NULL, 0,
                      "the quench has converged once ‖∇E‖/√dim is at most this"},
    [P_QUENCH_MAX_ITER] =
        {"quench_max_iter", BASIN_PARAM_INT, 10000, NULL, 1, 1000000000, NULL, 0,
         "the most quench steps per state before it is reported unconverged"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct langevin {
    double step;  /* η */
    double noise; /* √(2ηT) */
    uint32_t steps;
    int quench;
    descent_params descent; /* the quench */
} langevin;

/* Release a sampler; NULL is ignored. */
static void langevin_destroy(void *self)
{
    free(self);
}

/* A sampler with the params of the table. BASIN_EINVAL, BASIN_ENOMEM. */
static int langevin_create(const basin_host *host, const basin_value *params, void **self)
{
    *self = NULL;
    const double step = params[P_STEP].number;
    const double temperature = params[P_TEMPERATURE].number;
    const double steps = params[P_STEPS].number;
    const double tol = params[P_QUENCH_TOL].number;
    const double max_iter = params[P_QUENCH_MAX_ITER].number;
    if (!(step > 0 && step <= 1e308)) {
        host->error(host, "step = %g must be > 0", step);
        return BASIN_EINVAL;
    }
    if (!(temperature >= 0 && temperature <= 1e308)) {
        host->error(host, "temperature = %g must be >= 0", temperature);
        return BASIN_EINVAL;
    }
    const double noise = sqrt(2 * step * temperature);
    if (!isfinite(noise)) {
        host->error(host,
                    "the noise scale √(2 step temperature) overflows "
                    "(step = %g, temperature = %g)",
                    step, temperature);
        return BASIN_EINVAL;
    }
    if (!(steps >= 0 && steps <= 1e9)) {
        host->error(host, "steps = %g is not in [0, 1000000000]", steps);
        return BASIN_EINVAL;
    }
    int rc = descent_check_tol(host, "quench_tol", tol);
    if (rc == BASIN_OK)
        rc = descent_check_max_iter(host, "quench_max_iter", max_iter);
    if (rc != BASIN_OK)
        return rc;
    langevin *s = malloc(sizeof *s);
    if (s == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->step = step;
    s->noise = noise;
    s->steps = (uint32_t)steps;
    s->quench = params[P_QUENCH].number != 0;
    s->descent = (descent_params){
        .step = step,
        .tol = tol,
        .max_iter = (uint32_t)max_iter,
        .backtracking = 1,
    };
    *self = s;
    return BASIN_OK;
}

/*
 * The Langevin steps of one state x (dim), kept in double in scratch->position
 * between steps (x is its float rounding, what the energy and the observers see).
 * Sets outcome->steps. [deterministic given rng]
 */
static int diffuse(const langevin *s, const descent_ctx *c, float *x,
                   const descent_scratch *scratch, basin_outcome *outcome)
{
    const uint32_t dim = c->dim;
    float *gradient = scratch->gradient, *z = scratch->trial;
    double *position = scratch->position;
    for (uint32_t i = 0; i < dim; i++)
        position[i] = x[i];
    for (uint32_t step = 0; step < s->steps; step++) {
        int rc = descent_cancelled(c, step);
        if (rc != BASIN_OK)
            return rc;
        rc = descent_gradient(c, x, gradient);
        if (rc != BASIN_OK)
            return rc;
        rc = descent_check_finite(c, gradient, "gradient", step);
        if (rc != BASIN_OK)
            return rc;
        if (s->noise > 0) {
            c->host->random_normal(c->host, BASIN_ROLE_SAMPLER, c->index, step, z, dim);
            for (uint32_t i = 0; i < dim; i++)
                position[i] += -s->step * gradient[i] + s->noise * z[i];
        } else {
            for (uint32_t i = 0; i < dim; i++)
                position[i] -= s->step * gradient[i];
        }
        for (uint32_t i = 0; i < dim; i++)
            x[i] = (float)position[i];
        outcome->steps = step + 1;
        rc = descent_check_finite(c, x, "state", (uint64_t)step + 1);
        if (rc != BASIN_OK)
            return rc;
        rc = descent_observe(c, x, (uint64_t)step + 1);
        if (rc != BASIN_OK)
            return rc;
    }
    return BASIN_OK;
}

/* One state: the Langevin steps, then (quench) the descent; a descent_state_fn. */
static int run_state(const void *self, const descent_ctx *c, float *x,
                     const descent_scratch *scratch, basin_outcome *outcome)
{
    const langevin *s = self;
    int rc = diffuse(s, c, x, scratch, outcome);
    if (rc == BASIN_OK && s->quench)
        rc = descent_minimize(c, &s->descent, x, scratch, outcome);
    return rc;
}

/*
 * Run n states (n × dim, in place; row r is sample first_index + r) through
 * `steps` Langevin steps and, with quench, a gradient descent to a local minimum;
 * outcome[r] gets the steps and (quench only) convergence. Returns
 * BASIN_EUNSUPPORTED for a model without a gradient (or without E(x) when
 * quenching) or with binary states, BASIN_EINVAL for a non-finite initial state,
 * BASIN_ENUMERIC when a state or gradient is not finite, BASIN_ENOMEM,
 * BASIN_ECANCELED (states then hold where each run stopped), or the energy's
 * error. [thread-safe: all state is per call]
 * [deterministic given rng: role SAMPLER, index = sample, step = Langevin step]
 */
static int langevin_run(void *self, const basin_host *host, const basin_model *model,
                        float *states, uint64_t n, uint64_t first_index,
                        basin_outcome *outcome)
{
    const langevin *s = self;
    const unsigned needs = DESCENT_NEEDS_GRADIENT | DESCENT_CONTINUOUS |
                           (s->quench ? DESCENT_NEEDS_ENERGY : 0u);
    return descent_run(host, model, needs, "Langevin dynamics", states, n, first_index,
                       outcome, run_state, s);
}

static const basin_sampler_iface langevin_iface = {
    .struct_size = sizeof(basin_sampler_iface),
    .flags = 0,
    .create = langevin_create,
    .destroy = langevin_destroy,
    .run = langevin_run,
};

static const basin_descriptor langevin_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "overdamped Langevin dynamics at temperature T, optionally quenched "
               "to a minimum",
    .params = langevin_params,
    .iface = &langevin_iface,
};

static const basin_descriptor *const langevin_plugins[] = {
    &langevin_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "langevin-sampler",
    langevin_plugins,
};
