#include "run/trajectory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "measure/collapse.h"
#include "process/init.h"
#include "kernels/nearest.h"
#include "recipe/sections.h"

/*
 * The step observer of score-model jobs (host->observe, from the sampler's
 * threads, on disjoint samples). For the main trajectories (indices < count):
 *  - collapse tracking: the nearest training point of x_t among α_t ξ_μ; the time
 *    at which it last changed starts the final stretch, the collapse time
 *    (Biroli et al. 2024, SCIENCE.md §3.3 "t̂_C per trajectory");
 *  - snapshots for cloning: the first step at or below each clone time.
 */
static int observe_step(void *ctx, const basin_step *st)
{
    job *j = ctx;
    if (st->first_index >= j->count || st->n == 0)
        return 0; /* a clone's continuation */
    uint32_t dim = j->info.dim;
    uint64_t first = st->first_index;
    double t_ou = collapse_ou_time(st->alpha, st->sigma);
    if (j->track) {
        nearest2 *nn = j->track_nn + first; /* this block's own rows */
        if (nearest_two(st->states, st->n, j->train, j->info.n_train, dim, st->alpha, -1,
                        nn))
            return 1;
        for (uint64_t r = 0; r < st->n; r++)
            if (nn[r].index[0] != j->track[first + r]) {
                j->track[first + r] = nn[r].index[0];
                j->t_col[first + r] = st->time;
                j->t_col_ou[first + r] = t_ou;
            }
    }
    for (uint32_t c = 0; c < j->n_clones; c++) {
        double *taken = &j->snap_time[(uint64_t)c * j->count + first];
        if (!isnan(taken[0]) || t_ou > j->clone_target[c] || st->sigma <= 0)
            continue;
        memcpy(j->snap + ((uint64_t)c * j->count + first) * dim, st->states,
               (size_t)(st->n * dim) * sizeof(float));
        for (uint64_t r = 0; r < st->n; r++)
            taken[r] = st->time;
    }
    return 0;
}

/* Continue each clone snapshot with fresh noise (sample indices count·(c+1) + r)
   and count the copies that end on the same training point as the original. */
int trajectory_clones(job *j, char *err, size_t n_err)
{
    uint32_t dim = j->info.dim;
    const char *sa_id = j->r->sections[RECIPE_SAMPLER].plugin->descriptor->id;
    basin_outcome *outcome = job_alloc(j->count, sizeof *outcome);
    nearest2 *nn = job_alloc(j->count, sizeof *nn);
    int rc = outcome && nn ? 0 : BASIN_ENOMEM;
    for (uint32_t c = 0; !rc && c < j->n_clones; c++) {
        float *states = j->snap + (uint64_t)c * j->count * dim;
        double t = j->snap_time[(uint64_t)c * j->count];
        j->clone_time[c] = t;
        if (isnan(t))
            continue; /* the run never got this far back in time */
        schedule from = j->sched;
        from.table.t_start = t;
        host_job_clear_error(&j->host);
        rc = job_run_sampler(j, states, j->count, j->count * (c + 1), outcome,
                             &from.table);
        if (rc) {
            job_error(j, sa_id, host_job_error(&j->host, rc), err, n_err);
            break;
        }
        if ((rc = nearest_two(states, j->count, j->train, j->info.n_train, dim, 1.0, -1,
                              nn)))
            break;
        for (uint64_t r = 0; r < j->count; r++)
            j->clone_same[c] += nn[r].index[0] == j->dist[r].nearest;
        j->clone_n[c] = j->count;
    }
    if (rc == BASIN_ENOMEM)
        job_error(j, "measure", "out of memory", err, n_err);
    free(outcome);
    free(nn);
    return rc ? (rc == BASIN_ECANCELED ? 1 : job_exit_status(rc)) : 0;
}

/* Set up a score model's schedule, initial states and trajectory measures. */
int trajectory_setup(job *j, char *err, size_t n_err)
{
    const recipe *r = j->r;
    basin_value *v = j->values;
    recipe_values(r, RECIPE_SCHEDULE, j->point, v);
    char why[400];
    if (schedule_init(&j->sched, v[SCHEDULE_NAME].string, v[SCHEDULE_T_MIN].number,
                      v[SCHEDULE_T_MAX].number, why, sizeof why)) {
        job_error(j, "schedule", why, err, n_err);
        return 2;
    }
    recipe_values(r, RECIPE_MEASURE, j->point, v);
    int collapse = v[MEASURE_COLLAPSE].number != 0;
    j->n_clones = (uint32_t)v[MEASURE_CLONES].number;
    double t_hi = schedule_ou_time(&j->sched.table, j->sched.table.t_max);
    double t_lo = schedule_ou_time(&j->sched.table, j->sched.table.t_min);
    if (v[MEASURE_CLONE_T_MAX].number >= 0 && v[MEASURE_CLONE_T_MAX].number < t_hi)
        t_hi = v[MEASURE_CLONE_T_MAX].number;
    for (uint32_t c = 0; c < j->n_clones; c++)
        j->clone_target[c] = t_lo + (t_hi - t_lo) * (c + 1) / (j->n_clones + 1);
    uint64_t n = j->count, dim = j->info.dim;
    if (collapse) {
        j->track = job_alloc(n, sizeof *j->track);
        j->t_col = job_alloc(n, sizeof *j->t_col);
        j->t_col_ou = job_alloc(n, sizeof *j->t_col_ou);
        j->track_nn = job_alloc(n, sizeof *j->track_nn);
        if (!j->track || !j->t_col || !j->t_col_ou || !j->track_nn)
            goto nomem;
        for (uint64_t i = 0; i < n; i++) {
            j->track[i] = -1;
            j->t_col[i] = j->t_col_ou[i] = NAN;
        }
    }
    if (j->n_clones) {
        if (n > UINT64_MAX / dim / j->n_clones)
            goto nomem;
        j->snap = job_alloc(j->n_clones * n * dim, sizeof *j->snap);
        j->snap_time = job_alloc(j->n_clones * n, sizeof *j->snap_time);
        if (!j->snap || !j->snap_time)
            goto nomem;
        for (uint64_t i = 0; i < j->n_clones * n; i++)
            j->snap_time[i] = NAN;
    }
    if (collapse || j->n_clones) {
        j->host.observer = observe_step;
        j->host.observer_ctx = j;
    }

    /* Start where the schedule starts: pure noise from the forward process's
       marginal for unit-variance data, √(α² + σ²) ε (N(0, I) for the variance-
       preserving schedules, ≈ σ_max ε for edm), or a start point noised to it,
       α x + σ ε. */
    double alpha, sigma;
    j->sched.table.at(&j->sched.table, j->sched.table.t_max, &alpha, &sigma, NULL, NULL);
    recipe_values(r, RECIPE_INIT, j->point, v);
    const char *kind = v[INIT_KIND].string;
    int pure = strcmp(kind, "noise") == 0 || strcmp(kind, "random") == 0;
    float *eps = pure ? NULL : job_alloc(dim, sizeof *eps);
    if (!pure && !eps)
        goto nomem;
    for (uint64_t i = 0; i < n; i++) {
        float *x = j->states + i * dim;
        if (pure) {
            float scale = (float)sqrt(alpha * alpha + sigma * sigma);
            for (uint64_t d = 0; d < dim; d++)
                x[d] *= scale;
        } else {
            j->host.table.random_normal(&j->host.table, BASIN_ROLE_INIT, i, 1, eps, dim);
            for (uint64_t d = 0; d < dim; d++)
                x[d] = (float)(alpha * x[d] + sigma * eps[d]);
        }
    }
    free(eps);
    return 0;
nomem:
    job_error(j, "measure", "the trajectory measures do not fit in memory", err, n_err);
    return 1;
}

/* The closed-form times where the dataset knows its law. */
int trajectory_theory(job *j, char *err, size_t n_err)
{
    j->t_speciation = j->t_theory = NAN;
    if (!j->ds->spectrum)
        return 0;
    double *lambda = job_alloc(j->info.dim, sizeof *lambda);
    if (!lambda) {
        job_error(j, "measure", "out of memory", err, n_err);
        return 1;
    }
    const char *ds_id = j->r->sections[RECIPE_DATASET].plugin->descriptor->id;
    host_job_clear_error(&j->host);
    int rc = j->ds->spectrum(j->ds_self, &j->host.table, lambda);
    if (rc == 0) {
        j->t_speciation = collapse_speciation_time(lambda, j->info.dim);
        j->t_theory = collapse_time_gaussian(lambda, j->info.dim, j->info.n_train);
    } else if (rc != BASIN_EUNSUPPORTED) {
        job_error(j, ds_id, host_job_error(&j->host, rc), err, n_err);
    }
    free(lambda);
    return rc && rc != BASIN_EUNSUPPORTED ? job_exit_status(rc) : 0;
}
