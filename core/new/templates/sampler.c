/*
 * samplers/TEMPLATE_NAME — plain gradient descent on an energy, written by
 * `basin new sampler TEMPLATE_NAME`: a small but complete basin sampler plugin.
 *
 *     x ← x − η ∇E(x)   until ‖∇E(x)‖/√N ≤ tol (converged) or max_steps.
 *
 * The batch moves in lock step; a state that has converged stops moving, so each
 * state's path depends on itself alone, never on its batch. Every step is
 * reported to the host's observers (time = steps done, α = 1, σ = 0). Nothing is
 * random; a stochastic sampler would draw its noise with
 * host->random_normal(host, BASIN_ROLE_SAMPLER, first_index + r, step, ...).
 *
 * Build:  cc -std=c11 -O2 -shared -fPIC -fvisibility=hidden \
 *            $(pkg-config --cflags basin) TEMPLATE_NAME.c -o TEMPLATE_NAME.so -lm
 */
#include <basin/plugin.h>

#include <math.h>
#include <stdlib.h>

enum { P_STEP, P_TOL, P_MAX_STEPS };

/* name, type, default, string default, min, max, choices, flags, doc */
static const basin_param_def TEMPLATE_NAME_params[] = {
    {"step", BASIN_PARAM_REAL, 0.1, NULL, 0, 1e308, NULL, BASIN_PARAM_MIN_EXCLUSIVE,
     "the step eta of x <- x - eta grad E(x)"},
    {"tol", BASIN_PARAM_REAL, 1e-5, NULL, 0, 1e308, NULL, 0,
     "converged once |grad E|/sqrt(N) is at most this"},
    {"max_steps", BASIN_PARAM_INT, 10000, NULL, 1, 1e9, NULL, 0,
     "the most steps before a state is reported unconverged"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct descent {
    double step, tol;
    uint32_t max_steps;
} descent;

static int descent_create(const basin_host *host, const basin_value *values, void **self)
{
    descent *d = malloc(sizeof *d);
    if (!d) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    d->step = values[P_STEP].number;
    d->tol = values[P_TOL].number;
    d->max_steps = (uint32_t)values[P_MAX_STEPS].number;
    *self = d;
    return BASIN_OK;
}

static void descent_destroy(void *self)
{
    free(self);
}

/* [thread-safe]: the gradient buffer belongs to this call. */
static int descent_run(void *self, const basin_host *host, const basin_model *model,
                       float *states, uint64_t n, uint64_t first_index,
                       basin_outcome *outcome)
{
    const descent *d = self;
    const basin_energy_iface *e = model->energy;
    if (!e || !e->gradient) {
        host->error(host, "needs an energy with a gradient");
        return BASIN_EUNSUPPORTED;
    }
    uint32_t dim = model->dim;
    float *grad = malloc((size_t)n * dim * sizeof *grad);
    if (!grad) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    for (uint64_t r = 0; r < n; r++)
        outcome[r].steps = outcome[r].converged = 0;
    int rc = BASIN_OK;
    uint64_t moving = n;
    for (uint32_t step = 0; moving && step <= d->max_steps; step++) {
        if (host->cancelled(host)) {
            rc = BASIN_ECANCELED;
            break;
        }
        rc = e->gradient(model->energy_self, host, states, n, grad);
        if (rc != BASIN_OK)
            break; /* the energy has put its message */
        moving = 0;
        for (uint64_t r = 0; r < n; r++) {
            if (outcome[r].converged)
                continue;
            float *x = states + r * dim;
            const float *g = grad + r * dim;
            double g2 = 0;
            for (uint32_t i = 0; i < dim; i++)
                g2 += (double)g[i] * g[i];
            if (!isfinite(g2)) {
                host->error(host, "the gradient is not finite at sample %llu",
                            (unsigned long long)(first_index + r));
                rc = BASIN_ENUMERIC;
                break;
            }
            if (sqrt(g2 / dim) <= d->tol) {
                outcome[r].converged = 1;
                continue;
            }
            if (step == d->max_steps)
                continue; /* out of steps: unconverged */
            for (uint32_t i = 0; i < dim; i++)
                x[i] -= (float)(d->step * g[i]);
            outcome[r].steps++;
            moving++;
        }
        if (rc != BASIN_OK || !moving)
            break;
        basin_step s = {sizeof s, step + 1u, step + 1.0, 1, 0, states, n, first_index};
        if (host->observe(host, &s)) {
            rc = BASIN_ECANCELED;
            break;
        }
    }
    free(grad);
    return rc;
}

static const basin_sampler_iface TEMPLATE_NAME_iface = {
    .struct_size = sizeof(basin_sampler_iface),
    .create = descent_create,
    .destroy = descent_destroy,
    .run = descent_run,
};

static const basin_descriptor TEMPLATE_NAME_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/TEMPLATE_NAME",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "0.1.0",
    .summary = "gradient descent x <- x - eta grad E(x) to a minimum of an energy",
    .params = TEMPLATE_NAME_params,
    .iface = &TEMPLATE_NAME_iface,
};

static const basin_descriptor *const TEMPLATE_NAME_plugins[] = {&TEMPLATE_NAME_descriptor,
                                                                NULL};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER, "TEMPLATE_NAME", TEMPLATE_NAME_plugins};
