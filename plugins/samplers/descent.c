/*
 * descent.c — the shared part of the continuous-state energy samplers; see
 * descent.h for the contracts.
 */
#include "descent.h"
#include "linalg.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The energy table holds `field` (a table built for an older minor may be shorter). */
#define HAS_FIELD(table, field)                                                          \
    ((table)->struct_size >=                                                             \
         offsetof(basin_energy_iface, field) + sizeof((table)->field) &&                 \
     (table)->field != NULL)

int descent_check_model(const basin_host *host, const basin_model *model, unsigned needs,
                        const char *what)
{
    const basin_energy_iface *energy = model->energy;
    if (energy == NULL) {
        host->error(host, "%s needs an energy model; this model is a score model", what);
        return BASIN_EUNSUPPORTED;
    }
    if ((needs & DESCENT_CONTINUOUS) && (energy->flags & BASIN_ENERGY_BINARY)) {
        host->error(host,
                    "%s needs continuous states; this energy is binary (±1 "
                    "states): use samplers/hopfield",
                    what);
        return BASIN_EUNSUPPORTED;
    }
    if ((needs & DESCENT_NEEDS_UPDATE) && !HAS_FIELD(energy, update)) {
        host->error(host,
                    "%s needs the energy's native update map x -> T(x); this "
                    "energy has none: use samplers/gradient-descent",
                    what);
        return BASIN_EUNSUPPORTED;
    }
    if ((needs & DESCENT_NEEDS_GRADIENT) && !HAS_FIELD(energy, gradient)) {
        host->error(host, "%s needs the energy's gradient; this energy has none", what);
        return BASIN_EUNSUPPORTED;
    }
    if ((needs & DESCENT_NEEDS_ENERGY) && !HAS_FIELD(energy, energy)) {
        host->error(host, "%s needs the energy's values E(x); this energy has none",
                    what);
        return BASIN_EUNSUPPORTED;
    }
    if (model->dim == 0) {
        host->error(host, "the model has dimension 0");
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

int descent_check_states(const basin_host *host, const float *states, uint64_t n,
                         uint32_t dim, uint64_t first_index)
{
    const size_t n_entries = (size_t)n * dim;
    for (size_t k = 0; k < n_entries; k++) {
        if (!isfinite(states[k])) {
            host->error(host, "sample %llu entry %u of the initial state is %g",
                        (unsigned long long)(first_index + k / dim), (unsigned)(k % dim),
                        (double)states[k]);
            return BASIN_EINVAL;
        }
    }
    return BASIN_OK;
}

int descent_check_finite(const descent_ctx *c, const float *v, const char *what,
                         uint64_t step)
{
    for (uint32_t i = 0; i < c->dim; i++) {
        if (!isfinite(v[i])) {
            c->host->error(c->host,
                           "sample %llu: %s entry %u is %g at step %llu "
                           "(the dynamics diverged)",
                           (unsigned long long)c->index, what, i, (double)v[i],
                           (unsigned long long)step);
            return BASIN_ENUMERIC;
        }
    }
    return BASIN_OK;
}

double descent_rms(const float *v, uint32_t dim)
{
    return sqrt(linalg_dot(v, v, dim) / dim);
}

double descent_rms_distance(const float *a, const float *b, uint32_t dim)
{
    double sum = 0;
    for (uint32_t i = 0; i < dim; i++) {
        const double d = (double)a[i] - b[i];
        sum += d * d;
    }
    return sqrt(sum / dim);
}

int descent_cancelled(const descent_ctx *c, uint64_t step)
{
    const basin_host *host = c->host;
    if (host->cancelled != NULL && host->cancelled(host)) {
        host->error(host, "cancelled at step %llu of sample %llu",
                    (unsigned long long)step, (unsigned long long)c->index);
        return BASIN_ECANCELED;
    }
    return BASIN_OK;
}

int descent_observe(const descent_ctx *c, const float *x, uint64_t step)
{
    const basin_host *host = c->host;
    if (host->observe == NULL)
        return BASIN_OK;
    const basin_step s = {
        .struct_size = sizeof(basin_step),
        .step = step,
        .time = (double)step, /* iterations done */
        .alpha = 1.0,
        .sigma = 0.0,
        .states = x,
        .n = 1,
        .first_index = c->index,
    };
    if (host->observe(host, &s) != 0) {
        host->error(host, "stopped by an observer at step %llu of sample %llu",
                    (unsigned long long)step, (unsigned long long)c->index);
        return BASIN_ECANCELED;
    }
    return BASIN_OK;
}

/* The energy's streams (ABI 1.5), when it has them. */
static int has_streams(const basin_energy_iface *energy)
{
    return energy->struct_size >=
               offsetof(basin_energy_iface, stream_close) + sizeof energy->stream_close &&
           energy->stream_open != NULL && energy->stream_close != NULL;
}

int descent_energy(const descent_ctx *c, const float *x, double *e)
{
    if (c->stream != NULL && c->energy->energy_stream != NULL)
        return c->energy->energy_stream(c->energy_self, c->stream, c->host, x, 1, e);
    return c->energy->energy(c->energy_self, c->host, x, 1, e);
}

int descent_gradient(const descent_ctx *c, const float *x, float *gradient)
{
    if (c->stream != NULL && c->energy->gradient_stream != NULL)
        return c->energy->gradient_stream(c->energy_self, c->stream, c->host, x, 1,
                                          gradient);
    return c->energy->gradient(c->energy_self, c->host, x, 1, gradient);
}

int descent_update(const descent_ctx *c, const float *x, float *out)
{
    if (c->stream != NULL && c->energy->update_stream != NULL)
        return c->energy->update_stream(c->energy_self, c->stream, c->host, x, 1, out);
    return c->energy->update(c->energy_self, c->host, x, 1, out);
}

descent_scratch *descent_scratch_new(uint32_t dim)
{
    descent_scratch *s = malloc(sizeof *s);
    if (s == NULL)
        return NULL;
    s->gradient = malloc(dim * sizeof *s->gradient);
    s->trial = malloc(dim * sizeof *s->trial);
    s->position = malloc(dim * sizeof *s->position);
    s->trial_position = malloc(dim * sizeof *s->trial_position);
    if (s->gradient == NULL || s->trial == NULL || s->position == NULL ||
        s->trial_position == NULL) {
        descent_scratch_free(s);
        return NULL;
    }
    return s;
}

void descent_scratch_free(descent_scratch *s)
{
    if (s == NULL)
        return;
    free(s->gradient);
    free(s->trial);
    free(s->position);
    free(s->trial_position);
    free(s);
}

int descent_minimize(const descent_ctx *c, const descent_params *p, float *x,
                     const descent_scratch *scratch, basin_outcome *outcome)
{
    const uint32_t dim = c->dim;
    float *gradient = scratch->gradient, *trial = scratch->trial;
    double *position = scratch->position, *trial_position = scratch->trial_position;
    double eta = p->step;
    double e_x = 0;
    int rc;
    for (uint32_t i = 0; i < dim; i++)
        position[i] = x[i];
    if (p->backtracking) {
        rc = descent_energy(c, x, &e_x);
        if (rc != BASIN_OK)
            return rc;
        if (!isfinite(e_x)) {
            c->host->error(c->host, "sample %llu: the energy is %g at step %llu",
                           (unsigned long long)c->index, e_x,
                           (unsigned long long)outcome->steps);
            return BASIN_ENUMERIC;
        }
    }
    outcome->converged = 0;
    for (uint32_t iter = 0;; iter++) {
        rc = descent_cancelled(c, outcome->steps);
        if (rc != BASIN_OK)
            return rc;
        rc = descent_gradient(c, x, gradient);
        if (rc != BASIN_OK)
            return rc;
        rc = descent_check_finite(c, gradient, "gradient", outcome->steps);
        if (rc != BASIN_OK)
            return rc;
        if (descent_rms(gradient, dim) <= p->tol) {
            outcome->converged = 1;
            return BASIN_OK;
        }
        if (iter == p->max_iter)
            return BASIN_OK;

        /* Try x − η ∇E; with backtracking halve η until E does not rise. */
        double e_trial = 0;
        for (;;) {
            int moved = 0;
            for (uint32_t i = 0; i < dim; i++) {
                trial_position[i] = position[i] - eta * gradient[i];
                trial[i] = (float)trial_position[i];
                moved |= trial_position[i] != position[i];
            }
            if (!moved)
                return BASIN_OK; /* stalled: η ∇E is below double resolution */
            if (!p->backtracking)
                break;
            rc = descent_energy(c, trial, &e_trial);
            if (rc != BASIN_OK)
                return rc;
            if (e_trial <= e_x) /* false for NaN: halve */
                break;
            eta *= 0.5;
        }
        memcpy(position, trial_position, dim * sizeof *position);
        memcpy(x, trial, dim * sizeof *x);
        e_x = e_trial;
        outcome->steps++;
        rc = descent_check_finite(c, x, "state", outcome->steps);
        if (rc != BASIN_OK)
            return rc;
        rc = descent_observe(c, x, outcome->steps);
        if (rc != BASIN_OK)
            return rc;
    }
}

int descent_check_tol(const basin_host *host, const char *name, double tol)
{
    if (!(tol >= 0 && tol <= 1e308)) {
        host->error(host, "%s = %g must be >= 0", name, tol);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

int descent_check_max_iter(const basin_host *host, const char *name, double max_iter)
{
    if (!(max_iter >= 1 && max_iter <= 1e9)) {
        host->error(host, "%s = %g is not in [1, 1000000000]", name, max_iter);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

int descent_run(const basin_host *host, const basin_model *model, unsigned needs,
                const char *what, float *states, uint64_t n, uint64_t first_index,
                basin_outcome *outcome, descent_state_fn state, const void *self)
{
    int rc = descent_check_model(host, model, needs, what);
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
        host->error(host, "out of memory for the scratch of a state of %u floats", dim);
        return BASIN_ENOMEM;
    }
    const int streams = has_streams(model->energy);
    for (uint64_t r = 0; r < n && rc == BASIN_OK; r++) {
        descent_ctx c = {
            .host = host,
            .energy = model->energy,
            .energy_self = model->energy_self,
            .dim = dim,
            .index = first_index + r,
            .stream = NULL,
        };
        if (streams) {
            rc = model->energy->stream_open(model->energy_self, host, 1, &c.stream);
            if (rc != BASIN_OK)
                break;
        }
        rc = state(self, &c, states + r * dim, scratch, &outcome[r]);
        if (c.stream != NULL)
            model->energy->stream_close(model->energy_self, c.stream);
    }
    descent_scratch_free(scratch);
    return rc;
}
