#include "run/trajectory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/errmsg.h"
#include "measure/collapse.h"
#include "process/schedule.h"
#include "recipe/sections.h"
#include "registry/param.h"

/*
 * The step observer of score-model jobs, for the probes (indices < count):
 *  - collapse tracking: the nearest training point of x_t among α_t ξ_μ; the time
 *    at which it last changed starts the final stretch, the collapse time
 *    (Biroli et al. 2024, "t̂_C per trajectory");
 *  - snapshots for cloning: the first step at or below each clone time.
 */
int trajectory_observe(void *ctx, const basin_step *st)
{
    trajectory *t = ctx;
    if (st->first_index >= t->count || st->n == 0)
        return 0; /* a clone's continuation */
    uint32_t dim = t->dim;
    uint64_t first = st->first_index;
    double t_ou = collapse_ou_time(st->alpha, st->sigma);
    if (t->track) {
        nearest2 *nn = t->track_nn + first; /* this block's own rows */
        int rc =
            nearest_two(st->states, st->n, t->train, t->n_train, dim, st->alpha, -1, nn);
        if (rc)
            return rc;
        for (uint64_t r = 0; r < st->n; r++)
            if (nn[r].index[0] != t->track[first + r]) {
                t->track[first + r] = nn[r].index[0];
                t->t_col[first + r] = st->time;
                t->t_col_ou[first + r] = t_ou;
            }
    }
    for (uint32_t c = 0; c < t->n_clones; c++) {
        double *taken = &t->snap_time[(uint64_t)c * t->count + first];
        if (!isnan(taken[0]) || t_ou > t->clone_target[c] || st->sigma <= 0)
            continue;
        memcpy(t->snap + ((uint64_t)c * t->count + first) * dim, st->states,
               (size_t)(st->n * dim) * sizeof(float));
        for (uint64_t r = 0; r < st->n; r++)
            taken[r] = st->time;
    }
    return 0;
}

int trajectory_observing(const trajectory *t)
{
    return t->track || t->n_clones;
}

int trajectory_clones(trajectory *t, const dynamics *d, host_job *host,
                      const char *sampler_id, const measure_distance *dist, char *err,
                      size_t n_err)
{
    uint64_t n = t->count;
    basin_outcome *outcome = alloc_array(n, sizeof *outcome);
    nearest2 *nn = alloc_array(n, sizeof *nn);
    int rc = outcome && nn ? BASIN_OK : BASIN_ENOMEM;
    for (uint32_t c = 0; !rc && c < t->n_clones; c++) {
        float *states = t->snap + (uint64_t)c * n * t->dim;
        double time = t->snap_time[(uint64_t)c * n];
        t->clone_time[c] = time;
        t->clone_time_ou[c] =
            isnan(time) ? NAN : schedule_ou_time(d->model.schedule, time);
        if (isnan(time))
            continue; /* the run never got this far back in time */
        basin_schedule from = *d->model.schedule;
        from.t_start = time;
        dynamics clone = *d;
        clone.model.schedule = &from;
        host_job_clear_error(host);
        rc = dynamics_run(&clone, states, n, n * (c + 1), outcome);
        if (rc) {
            errmsg(err, n_err, "%s: %s", sampler_id, host_job_error(host, rc));
            break;
        }
        if ((rc = nearest_two(states, n, t->train, t->n_train, t->dim, 1.0, -1, nn)))
            break;
        for (uint64_t r = 0; r < n; r++)
            t->clone_same[c] += nn[r].index[0] == dist[r].nearest;
        t->clone_n[c] = n;
    }
    if (rc == BASIN_ENOMEM)
        errmsg(err, n_err, "measure: out of memory");
    free(outcome);
    free(nn);
    return rc;
}

/* Clone times evenly spread in OU time over the schedule, below clone_t_max. */
static void clone_targets(trajectory *t, const basin_value *measure,
                          const basin_schedule *s)
{
    double t_hi = schedule_ou_time(s, s->t_max);
    double t_lo = schedule_ou_time(s, s->t_min);
    double t_max = measure[MEASURE_CLONE_T_MAX].number;
    if (t_max >= 0 && t_max < t_hi)
        t_hi = t_max;
    for (uint32_t c = 0; c < t->n_clones; c++)
        t->clone_target[c] = t_lo + (t_hi - t_lo) * (c + 1) / (t->n_clones + 1);
}

int trajectory_setup(trajectory *t, const basin_value *measure, const basin_schedule *s,
                     const float *train, uint64_t n_train, uint32_t dim, uint64_t count,
                     char *err, size_t n_err)
{
    memset(t, 0, sizeof *t);
    t->train = train;
    t->n_train = n_train;
    t->dim = dim;
    t->count = count;
    t->n_clones = (uint32_t)measure[MEASURE_CLONES].number;
    clone_targets(t, measure, s);
    uint64_t n = count;
    if (measure[MEASURE_COLLAPSE].number) {
        t->track = alloc_array(n, sizeof *t->track);
        t->t_col = alloc_array(n, sizeof *t->t_col);
        t->t_col_ou = alloc_array(n, sizeof *t->t_col_ou);
        t->track_nn = alloc_array(n, sizeof *t->track_nn);
        if (!t->track || !t->t_col || !t->t_col_ou || !t->track_nn)
            goto nomem;
        for (uint64_t i = 0; i < n; i++) {
            t->track[i] = -1;
            t->t_col[i] = t->t_col_ou[i] = NAN;
        }
    }
    if (t->n_clones) {
        if (n > UINT64_MAX / dim / t->n_clones)
            goto nomem;
        t->snap = alloc_array(t->n_clones * n * dim, sizeof *t->snap);
        t->snap_time = alloc_array(t->n_clones * n, sizeof *t->snap_time);
        if (!t->snap || !t->snap_time)
            goto nomem;
        for (uint64_t i = 0; i < t->n_clones * n; i++)
            t->snap_time[i] = NAN;
    }
    return BASIN_OK;
nomem:
    errmsg(err, n_err, "measure: the trajectory measures do not fit in memory");
    return BASIN_ENOMEM;
}

/*
 * How the closed forms of a dataset are computed, by its id: Biroli et al.'s
 * mixture formula for datasets/gaussian-mixture; the Gaussian criterion on the
 * empirical covariance spectrum of the full training split (the Gaussian
 * approximation) for the data sets without a known law, whose spectrum() computes
 * that (datasets/fashion-mnist, datasets/npy); the law's spectrum otherwise.
 */
static collapse_basis basis_of(const char *ds_id)
{
    if (strcmp(ds_id, "datasets/gaussian-mixture") == 0)
        return COLLAPSE_BASIS_MIXTURE;
    if (strcmp(ds_id, "datasets/fashion-mnist") == 0 ||
        strcmp(ds_id, "datasets/npy") == 0)
        return COLLAPSE_BASIS_EMPIRICAL;
    return COLLAPSE_BASIS_LAW;
}

int trajectory_theory(const basin_dataset_iface *ds, void *ds_self, host_job *host,
                      const char *ds_id, const basin_param_def *ds_params,
                      const basin_value *ds_values, uint32_t dim, uint64_t n_train,
                      trajectory_law *out, char *err, size_t n_err)
{
    *out = (trajectory_law){NAN, NAN, COLLAPSE_BASIS_NONE};
    if (!ds->spectrum)
        return BASIN_OK;
    double *lambda = alloc_array(dim, sizeof *lambda);
    if (!lambda) {
        errmsg(err, n_err, "measure: out of memory");
        return BASIN_ENOMEM;
    }
    host_job_clear_error(host);
    int rc = ds->spectrum(ds_self, &host->table, lambda);
    if (rc == BASIN_OK) {
        out->basis = basis_of(ds_id);
        out->t_speciation = collapse_speciation_time(lambda, dim);
        /* The mixture's within-class variance σ² and its C: its parameters
           `variance` and `components`. */
        const int mixture = out->basis == COLLAPSE_BASIS_MIXTURE;
        const long v = mixture ? param_find(ds_params, "variance") : -1;
        const long c = mixture ? param_find(ds_params, "components") : -1;
        if (v >= 0 && c >= 0)
            out->t_collapse = collapse_time_mixture(ds_values[v].number, dim, n_train,
                                                    (uint32_t)ds_values[c].number);
        else {
            if (out->basis == COLLAPSE_BASIS_MIXTURE)
                out->basis = COLLAPSE_BASIS_LAW;
            out->t_collapse = collapse_time_gaussian(lambda, dim, n_train);
        }
    } else if (rc != BASIN_EUNSUPPORTED) {
        errmsg(err, n_err, "%s: %s", ds_id, host_job_error(host, rc));
    }
    free(lambda);
    return rc && rc != BASIN_EUNSUPPORTED ? rc : BASIN_OK;
}

void trajectory_free(trajectory *t)
{
    free(t->track);
    free(t->t_col);
    free(t->t_col_ou);
    free(t->track_nn);
    free(t->snap);
    free(t->snap_time);
    memset(t, 0, sizeof *t);
}
