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

/* ½: a point holds more than half of the posterior weight (log w > −log 2). */
#define LOG_HALF (-0.69314718055994530942)

/* The scratch of a stream of n rows over k points of dim coordinates (softmax.c,
   softmax_stream_open). */
static size_t stream_bytes(uint64_t n, uint64_t k, uint32_t dim)
{
    return (size_t)(n * k * sizeof(float) +
                    n * dim * (sizeof(double) + 2 * sizeof(float)) +
                    k * (sizeof(double) + sizeof(size_t)) +
                    n * (48 + sizeof(double) + sizeof(nearest2)));
}

/* Close the stream of the block at row first (if any), adding its counts. */
static void close_stream(trajectory *t, uint64_t first)
{
    if (t->streams == NULL || first >= t->count || t->streams[first] == NULL)
        return;
    softmax_stream *s = t->streams[first];
    softmax_stream_stats st;
    softmax_stream_get_stats(s, &st);
    atomic_fetch_add(&t->stream_calls, st.calls);
    atomic_fetch_add(&t->stream_certified, st.certified);
    atomic_fetch_add(&t->stream_candidates, st.candidates);
    atomic_fetch_sub(&t->stream_bytes,
                     stream_bytes(softmax_stream_rows(s), t->n_train, t->dim));
    softmax_stream_close(s);
    t->streams[first] = NULL;
}

/* The candidate-set stream for step st's block (opened at its first step), or
   NULL for the exact path: collapse_eps = 0, σ not in (0, ∞), a block whose rows
   changed, or no room left under TRAJECTORY_STREAM_BYTES. */
static softmax_stream *block_stream(trajectory *t, const basin_step *st)
{
    if (t->streams == NULL || !(st->sigma > 0) || !isfinite(st->sigma) ||
        !(st->alpha > 0) || !isfinite(st->alpha))
        return NULL;
    softmax_stream **slot = &t->streams[st->first_index];
    if (*slot != NULL)
        return softmax_stream_rows(*slot) == st->n ? *slot : NULL;
    const size_t bytes = stream_bytes(st->n, t->n_train, t->dim);
    if (atomic_fetch_add(&t->stream_bytes, bytes) + bytes > TRAJECTORY_STREAM_BYTES ||
        softmax_stream_open(&t->memory, st->n, t->collapse_eps, slot) != BASIN_OK) {
        atomic_fetch_sub(&t->stream_bytes, bytes);
        *slot = NULL;
    }
    return *slot;
}

/*
 * Collapse tracking of one block of probes (rows first ... first + n − 1) at
 * step st: the nearest α ξ_μ of each state (nearest_two, in double), the
 * posterior's normalizer log Σ_μ exp ℓ_μ with ℓ_μ = (‖x‖² − ‖x − α ξ_μ‖²)/2σ²
 * (softmax_average with a = α/σ², b = −α²/2σ²: the ‖x‖² term is common to every
 * μ), both from one SGEMM pass (softmax_lse_nearest), and so the largest weight
 * w = exp(ℓ_max − lse), held by the nearest point. With measure.collapse_eps > 0
 * both come from the block's certified candidate sets instead
 * (softmax_stream_lse_nearest: the nearest two proved exact, lse within ε/2, so a
 * decision w > ½ could differ from the exact path's only when |log w + log 2| <
 * ε/2). At σ = 0 (the final denoise) the posterior is a point mass on the nearest.
 */
static int track_collapse(trajectory *t, const basin_step *st, double t_ou)
{
    uint64_t first = st->first_index;
    uint32_t dim = t->dim;
    nearest2 *nn = t->track_nn + first; /* this block's own rows */
    double *lse = t->lse + first;
    /* One pass over the training set for both (softmax_lse_nearest), the
       training points' norms computed once per job (t->memory). */
    int rc;
    softmax_stream *stream = block_stream(t, st);
    if (stream != NULL) {
        rc = softmax_stream_lse_nearest(stream, st->states, st->n, st->alpha, st->sigma,
                                        lse, nn);
    } else if (st->sigma > 0) {
        double s2 = st->sigma * st->sigma;
        rc = softmax_lse_nearest(&t->memory, st->states, st->n, st->alpha / s2,
                                 -st->alpha * st->alpha / (2 * s2), st->alpha, lse, nn);
    } else {
        rc = nearest_two_normed(st->states, st->n, t->train, t->memory.norm2, t->n_train,
                                dim, st->alpha, -1, nn);
    }
    if (st->sigma <= 0) /* the final denoise: the block's trajectories end */
        close_stream(t, st->first_index);
    if (rc)
        return rc;
    for (uint64_t r = 0; r < st->n; r++) {
        uint64_t i = first + r;
        int64_t near = nn[r].index[0];
        if (isnan(t->start_ou[i]))
            t->start_ou[i] = t_ou;
        if (near != t->track[i]) {
            t->track[i] = near;
            t->t_near[i] = st->time;
            t->t_near_ou[i] = t_ou;
        }
        int condensed = 1;
        if (st->sigma > 0) {
            const float *x = st->states + r * dim;
            double x2 = 0;
            for (uint32_t k = 0; k < dim; k++)
                x2 += (double)x[k] * x[k];
            double l_max = (x2 - nn[r].dist2[0]) / (2 * st->sigma * st->sigma);
            condensed = l_max - lse[r] > LOG_HALF;
        }
        if (!condensed) {
            t->holder[i] = -1;
            t->t_col[i] = t->t_col_ou[i] = NAN;
            continue;
        }
        if (near != t->holder[i]) { /* a new stretch begins */
            t->holder[i] = near;
            t->t_col[i] = st->time;
            t->t_col_ou[i] = t_ou;
        }
        if (isnan(t->t_first[i])) {
            t->t_first[i] = st->time;
            t->t_first_ou[i] = t_ou;
        }
    }
    return 0;
}

/*
 * The step observer of score-model jobs, for the probes (indices < count):
 * collapse tracking (above), the last state with σ > 0 (the state before the
 * final denoise), and snapshots for cloning: the first step at or below each
 * clone time.
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
        int rc = track_collapse(t, st, t_ou);
        if (rc)
            return rc;
    }
    if (st->sigma > 0) {
        memcpy(t->noisy + first * dim, st->states, (size_t)(st->n * dim) * sizeof(float));
        memset(t->seen_noisy + first, 1, (size_t)st->n);
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

/* The trajectory whose host table h is. */
static trajectory *of_host(const basin_host *h)
{
    return (trajectory *)(void *)((char *)(uintptr_t)h - offsetof(trajectory, host));
}

static void watched_bits(const basin_host *h, uint32_t role, uint64_t index,
                         uint64_t step, uint32_t *out, size_t n)
{
    trajectory *t = of_host(h);
    atomic_store_explicit(&t->drew, 1, memory_order_relaxed);
    t->base->random_bits(t->base, role, index, step, out, n);
}

static void watched_uniform(const basin_host *h, uint32_t role, uint64_t index,
                            uint64_t step, double *out, size_t n)
{
    trajectory *t = of_host(h);
    atomic_store_explicit(&t->drew, 1, memory_order_relaxed);
    t->base->random_uniform(t->base, role, index, step, out, n);
}

static void watched_normal(const basin_host *h, uint32_t role, uint64_t index,
                           uint64_t step, float *out, size_t n)
{
    trajectory *t = of_host(h);
    atomic_store_explicit(&t->drew, 1, memory_order_relaxed);
    t->base->random_normal(t->base, role, index, step, out, n);
}

const basin_host *trajectory_host(trajectory *t, const basin_host *base)
{
    t->base = base;
    t->host = *base;
    t->host.random_bits = watched_bits;
    t->host.random_uniform = watched_uniform;
    t->host.random_normal = watched_normal;
    atomic_store(&t->drew, 0);
    return &t->host;
}

void trajectory_finish(trajectory *t)
{
    for (uint64_t i = 0; t->streams != NULL && i < t->count; i++)
        close_stream(t, i);
    const uint64_t calls = atomic_load(&t->stream_calls);
    if (calls > 0 && t->base != NULL && t->base->log != NULL) {
        const uint64_t cert = atomic_load(&t->stream_certified);
        t->base->log(t->base, BASIN_LOG_INFO,
                     "collapse tracking: candidate sets: %llu of %llu evaluations "
                     "certified, mean %.1f of %llu training points",
                     (unsigned long long)cert, (unsigned long long)calls,
                     cert ? (double)atomic_load(&t->stream_candidates) / (double)cert
                          : 0.0,
                     (unsigned long long)t->n_train);
    }
    t->deterministic = t->base && !atomic_load(&t->drew);
    t->lost = 0;
    if (!t->deterministic || !t->track)
        return;
    for (uint64_t i = 0; i < t->count; i++) {
        /* NaN ≠ NaN: a trajectory never condensed has no first passage either */
        int same =
            t->t_col[i] == t->t_first[i] || (isnan(t->t_col[i]) && isnan(t->t_first[i]));
        t->lost += !same;
        t->t_col[i] = t->t_first[i];
        t->t_col_ou[i] = t->t_first_ou[i];
    }
}

int trajectory_before_denoise(trajectory *t)
{
    measure_distance *out = t->before;
    nearest2 *nn = alloc_array(t->count, sizeof *nn);
    if (!nn)
        return BASIN_ENOMEM;
    int rc = nearest_two_normed(t->noisy, t->count, t->train, t->memory.norm2, t->n_train,
                                t->dim, 1.0, -1, nn);
    double norm = 1.0 / t->dim;
    for (uint64_t i = 0; !rc && i < t->count; i++) {
        measure_distance *d = &out[i];
        d->d_s = d->d_h = NAN;
        if (!t->seen_noisy[i]) {
            d->nearest = -1;
            d->d_m = d->d_2 = NAN;
            continue;
        }
        d->nearest = nn[i].index[0];
        d->d_m = sqrt(nn[i].dist2[0] * norm);
        d->d_2 = nn[i].index[1] >= 0 ? sqrt(nn[i].dist2[1] * norm) : NAN;
    }
    free(nn);
    return rc;
}

int trajectory_observing(const trajectory *t)
{
    return t->track || t->noisy || t->n_clones;
}

/* Whether training points a and b (indices below n_train) have one label; an
   index out of range (none: -1) has no class. */
static int same_class(const int32_t *labels, uint64_t n_train, int64_t a, int64_t b)
{
    return a >= 0 && b >= 0 && (uint64_t)a < n_train && (uint64_t)b < n_train &&
           labels[a] == labels[b];
}

int trajectory_clones(trajectory *t, const dynamics *d, host_job *host,
                      const char *sampler_id, const measure_distance *dist,
                      const int32_t *labels, char *err, size_t n_err)
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
        if ((rc = nearest_two_normed(states, n, t->train, t->memory.norm2, t->n_train,
                                     t->dim, 1.0, -1, nn)))
            break;
        for (uint64_t r = 0; r < n; r++)
            t->clone_same[c] += nn[r].index[0] == dist[r].nearest;
        t->clone_n[c] = n;
        for (uint64_t r = 0; labels && r < n; r++)
            t->clone_same_class[c] +=
                (uint64_t)same_class(labels, t->n_train, nn[r].index[0], dist[r].nearest);
        t->clone_labeled[c] = labels ? n : 0;
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
    atomic_init(&t->drew, 0);
    t->train = train;
    t->n_train = n_train;
    t->dim = dim;
    t->count = count;
    t->n_clones = (uint32_t)measure[MEASURE_CLONES].number;
    clone_targets(t, measure, s);
    uint64_t n = count;
    if (n > UINT64_MAX / dim)
        goto nomem;
    t->noisy = alloc_array(n * dim, sizeof *t->noisy);
    t->seen_noisy = calloc(n ? n : 1, 1);
    t->before = alloc_array(n, sizeof *t->before);
    if (!t->noisy || !t->seen_noisy || !t->before)
        goto nomem;
    if (measure[MEASURE_COLLAPSE].number) {
        double **times[] = {&t->t_col,   &t->t_col_ou,   &t->t_near,  &t->t_near_ou,
                            &t->t_first, &t->t_first_ou, &t->start_ou};
        for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
            if (!(*times[k] = alloc_array(n, sizeof(double))))
                goto nomem;
            for (uint64_t i = 0; i < n; i++)
                (*times[k])[i] = NAN;
        }
        t->track = alloc_array(n, sizeof *t->track);
        t->holder = alloc_array(n, sizeof *t->holder);
        t->track_nn = alloc_array(n, sizeof *t->track_nn);
        t->lse = alloc_array(n, sizeof *t->lse);
        if (!t->track || !t->holder || !t->track_nn || !t->lse)
            goto nomem;
        for (uint64_t i = 0; i < n; i++)
            t->track[i] = t->holder[i] = -1;
        t->collapse_eps = measure[MEASURE_COLLAPSE_EPS].number;
        if (t->collapse_eps > 0 && !(t->streams = calloc(n ? n : 1, sizeof *t->streams)))
            goto nomem;
        int rc = softmax_memory_init(&t->memory, train, n_train, dim);
        if (rc == BASIN_EINVAL) {
            errmsg(err, n_err,
                   "measure: measure.collapse needs finite training points (the "
                   "posterior weights are computed from them)");
            return rc;
        }
        if (rc)
            goto nomem;
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
    for (uint64_t i = 0; t->streams != NULL && i < t->count; i++)
        close_stream(t, i);
    free(t->streams);
    softmax_memory_free(&t->memory);
    free(t->track_nn);
    free(t->lse);
    free(t->track);
    free(t->holder);
    free(t->t_col);
    free(t->t_col_ou);
    free(t->t_near);
    free(t->t_near_ou);
    free(t->t_first);
    free(t->t_first_ou);
    free(t->start_ou);
    free(t->noisy);
    free(t->seen_noisy);
    free(t->before);
    free(t->snap);
    free(t->snap_time);
    memset(t, 0, sizeof *t);
}
