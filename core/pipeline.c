#include "pipeline.h"

#include <cblas.h>
#include <dirent.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collapse.h"
#include "host.h"
#include "init.h"
#include "landscape.h"
#include "measure.h"
#include "nearest.h"
#include "npy.h"
#include "param.h"
#include "results.h"
#include "rng.h"
#include "schedule.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

/* Probes per sampler call: fixed, so results never depend on the thread count.
   Score models get larger blocks: their denoiser is a GEMM over the batch. */
#define PROBE_BLOCK 16
#define SCORE_BLOCK 64

#define MAX_CLONES 100

/* What a run accumulates per sweep point. */
typedef struct point_stats {
    uint64_t counts[MEASURE_N_CLASSES];
    uint64_t samples;
    uint64_t ratio_memorized;         /* distance layout: memorized by d_m/d_2 */
    double d_m_sum;
    double t_col_sum, t_col_sum2;     /* collapse times (OU), over tracked samples */
    uint64_t t_col_n;
    double t_theory_sum, t_speciation_sum; /* closed forms, summed over jobs */
    uint64_t theory_n;
    uint64_t clone_same[MAX_CLONES], clone_n[MAX_CLONES];
    double clone_time[MAX_CLONES], clone_time_ou[MAX_CLONES];
    uint64_t attractors, attractors_by_class[MEASURE_N_CLASSES], landscape_jobs;
    double seconds;
} point_stats;

/* Everything one job owns. */
typedef struct job {
    const recipe *r;
    size_t point;
    uint32_t repeat;
    uint64_t index;                   /* point · repeats + repeat */
    host_job host;
    const basin_dataset_iface *ds;
    const basin_energy_iface *en;
    const basin_score_iface *sc;
    const basin_sampler_iface *sa;
    void *ds_self, *en_self, *sc_self, *sa_self;
    basin_dataset_info info;
    float *train, *heldout, *states;
    int64_t *start;
    basin_outcome *outcome;
    double *energy;
    measure_rule rule;
    measure_overlap *overlap;         /* overlap rule */
    measure_distance *dist;           /* pham and ratio rules */
    double *d_law;                    /* distance to the data law's support, or NaN */
    uint64_t count;                   /* probes */
    uint64_t block;                   /* probes per sampler call */
    basin_value *values;              /* scratch: one section's resolved values */

    /* Score models: the schedule and the trajectory measures. */
    schedule sched;
    int64_t *track;                   /* nearest training point at the last step */
    double *t_col, *t_col_ou;         /* start of the current stretch, per sample */
    uint32_t n_clones;
    double clone_target[MAX_CLONES];  /* OU times to clone at */
    float *snap;                      /* n_clones × count × dim states */
    double *snap_time;                /* n_clones × count: schedule time taken */
    double clone_time[MAX_CLONES];
    uint64_t clone_same[MAX_CLONES], clone_n[MAX_CLONES];
    double t_speciation, t_theory;    /* closed forms, NaN without a known law */

    /* The energy landscape at the final states ([landscape]). */
    landscape_result land;
    unsigned threads;
} job;

/* Shared state of the sampler workers of one job. */
typedef struct work {
    job *j;
    basin_model model;
    float *states;                    /* count × dim, evolved in place */
    uint64_t count;
    uint64_t index_base;              /* global sample index of states' first row */
    basin_outcome *outcome;
    uint64_t n_blocks;
    atomic_uint_fast64_t next;
    atomic_int failed;
    int rc;                           /* status of the lowest failing block */
    uint64_t failed_block;
    pthread_mutex_t lock;
} work;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *sampler_worker(void *arg)
{
    work *w = arg;
    job *j = w->j;
    uint32_t dim = j->info.dim;
    for (;;) {
        uint64_t b = atomic_fetch_add(&w->next, 1);
        if (b >= w->n_blocks || atomic_load(&w->failed))
            break;
        uint64_t first = b * j->block;
        uint64_t n = w->count - first < j->block ? w->count - first : j->block;
        int rc = host_cancel_requested()
                     ? BASIN_ECANCELED
                     : j->sa->run(j->sa_self, &j->host.table, &w->model,
                                  w->states + first * dim, n, w->index_base + first,
                                  w->outcome + first);
        if (rc) {
            pthread_mutex_lock(&w->lock);
            if (!atomic_load(&w->failed) || b < w->failed_block) {
                w->rc = rc;
                w->failed_block = b;
            }
            atomic_store(&w->failed, 1);
            pthread_mutex_unlock(&w->lock);
            break;
        }
        progress_add(j->host.progress, n);
    }
    return NULL;
}

/* Run the sampler over count states (global indices index_base, ...) on `threads`
   threads, under `sched` (score models) or the job's energy. */
static int run_sampler(job *j, unsigned threads, float *states, uint64_t count,
                       uint64_t index_base, basin_outcome *outcome,
                       const basin_schedule *sched)
{
    work w;
    memset(&w, 0, sizeof w);
    w.j = j;
    w.states = states;
    w.count = count;
    w.index_base = index_base;
    w.outcome = outcome;
    w.model.struct_size = sizeof w.model;
    w.model.dim = j->info.dim;
    w.model.energy = j->en;
    w.model.energy_self = j->en_self;
    w.model.score = j->sc;
    w.model.score_self = j->sc_self;
    w.model.schedule = sched;
    w.n_blocks = (count + j->block - 1) / j->block;
    atomic_init(&w.next, 0);
    atomic_init(&w.failed, 0);
    pthread_mutex_init(&w.lock, NULL);
    if (threads > w.n_blocks)
        threads = (unsigned)w.n_blocks;
    pthread_t *tids = threads > 1 ? calloc(threads - 1, sizeof *tids) : NULL;
    unsigned started = 0;
    for (unsigned t = 1; tids && t < threads; t++)
        if (pthread_create(&tids[started], NULL, sampler_worker, &w) == 0)
            started++;
    sampler_worker(&w);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
    pthread_mutex_destroy(&w.lock);
    return atomic_load(&w.failed) ? w.rc : BASIN_OK;
}

/* ------------------------------------------------------------- plugin calls */

/* Error context: "job 3 (dataset.load=0.3, repeat 1): plugin-id: message". */
static void job_error(const job *j, const char *who, const char *msg, char *err,
                      size_t n_err)
{
    char where[512];
    int n = snprintf(where, sizeof where, "%s: job %llu", j->r->path,
                     (unsigned long long)j->index);
    size_t *coords = calloc(j->r->n_axes + 1, sizeof *coords);
    if (coords && j->r->n_axes) {
        recipe_coords(j->r, j->point, coords);
        n += snprintf(where + n, sizeof where - (size_t)n, " (");
        for (size_t a = 0; a < j->r->n_axes && n < (int)sizeof where; a++) {
            const recipe_axis *ax = &j->r->axes[a];
            const basin_param_def *def = &j->r->sections[ax->section].params[ax->param];
            basin_value v = ax->values[coords[a]];
            char num[32];
            if (def->type == BASIN_PARAM_STRING || def->type == BASIN_PARAM_CHOICE)
                n += snprintf(where + n, sizeof where - (size_t)n, "%s%s=%s",
                              a ? ", " : "", ax->dotted, v.string);
            else
                n += snprintf(where + n, sizeof where - (size_t)n, "%s%s=%s",
                              a ? ", " : "", ax->dotted, param_format_real(v.number, num));
        }
        if (n < (int)sizeof where)
            snprintf(where + n, sizeof where - (size_t)n, ")");
    }
    free(coords);
    snprintf(err, n_err, "%s: %s: %s", where, who, msg);
}

/* Exit status for a plugin's status code: its complaint about input is a 2 (a
   plugin's BASIN_EIO is a data file it could not read: the user's input too). */
static int exit_for(int rc)
{
    return rc == BASIN_EINVAL || rc == BASIN_EUNSUPPORTED || rc == BASIN_EIO ? 2 : 1;
}

static void *alloc_array(uint64_t n, size_t elem)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / elem)
        return NULL;
    return malloc((size_t)n * elem);
}

static void job_free(job *j)
{
    if (j->sa_self)
        j->sa->destroy(j->sa_self);
    if (j->en_self)
        j->en->destroy(j->en_self);
    if (j->sc_self)
        j->sc->destroy(j->sc_self);
    if (j->ds_self)
        j->ds->destroy(j->ds_self);
    free(j->train);
    free(j->heldout);
    free(j->states);
    free(j->start);
    free(j->outcome);
    free(j->energy);
    free(j->overlap);
    free(j->dist);
    free(j->d_law);
    free(j->values);
    free(j->track);
    free(j->t_col);
    free(j->t_col_ou);
    free(j->snap);
    free(j->snap_time);
    landscape_result_free(&j->land);
}

/* Call a plugin function; on failure format the error and return the exit code. */
#define CALL(who, expr)                                                         \
    do {                                                                        \
        host_job_clear_error(&j->host);                                         \
        int rc_ = (expr);                                                       \
        if (rc_) {                                                              \
            job_error(j, (who), host_job_error(&j->host, rc_), err, n_err);     \
            return rc_ == BASIN_ECANCELED ? 1 : exit_for(rc_);                  \
        }                                                                       \
    } while (0)

/* A plugin's create() succeeded but gave no instance: the plugin's bug. */
#define CHECK_INSTANCE(who, self)                                               \
    do {                                                                        \
        if (!(self)) {                                                          \
            job_error(j, (who), "create() returned no instance", err, n_err);   \
            return 1;                                                           \
        }                                                                       \
    } while (0)

/* ------------------------------------------------------------- trajectories */

/*
 * The step observer of score-model jobs (host->observe, from the sampler's
 * threads, on disjoint samples). For the main trajectories (indices < count):
 *  - collapse tracking: the nearest training point of x_t among α_t ξ_μ; the time
 *    at which it last changed starts the final stretch, the collapse time
 *    (Biroli et al. 2024, SCIENCE.md §3.3 "t̂_C per trajectory");
 *  - snapshots for cloning: the first step at or below each clone time.
 */
static int job_observe(void *ctx, const basin_step *st)
{
    job *j = ctx;
    if (st->first_index >= j->count || st->n == 0)
        return 0; /* a clone's continuation */
    uint32_t dim = j->info.dim;
    uint64_t first = st->first_index;
    double t_ou = collapse_ou_time(st->alpha, st->sigma);
    if (j->track) {
        nearest2 *nn = malloc((size_t)st->n * sizeof *nn);
        if (!nn || nearest_two(st->states, st->n, j->train, j->info.n_train, dim,
                               st->alpha, -1, nn)) {
            free(nn);
            return 1;
        }
        for (uint64_t r = 0; r < st->n; r++)
            if (nn[r].index[0] != j->track[first + r]) {
                j->track[first + r] = nn[r].index[0];
                j->t_col[first + r] = st->time;
                j->t_col_ou[first + r] = t_ou;
            }
        free(nn);
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
static int run_clones(job *j, unsigned threads, char *err, size_t n_err)
{
    uint32_t dim = j->info.dim;
    const char *sa_id = j->r->sections[RECIPE_SAMPLER].plugin->descriptor->id;
    basin_outcome *outcome = alloc_array(j->count, sizeof *outcome);
    nearest2 *nn = alloc_array(j->count, sizeof *nn);
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
        rc = run_sampler(j, threads, states, j->count, j->count * (c + 1), outcome,
                         &from.table);
        if (rc) {
            job_error(j, sa_id, host_job_error(&j->host, rc), err, n_err);
            break;
        }
        if ((rc = nearest_two(states, j->count, j->train, j->info.n_train, dim, 1.0,
                              -1, nn)))
            break;
        for (uint64_t r = 0; r < j->count; r++)
            j->clone_same[c] += nn[r].index[0] == j->dist[r].nearest;
        j->clone_n[c] = j->count;
    }
    if (rc == BASIN_ENOMEM)
        job_error(j, "measure", "out of memory", err, n_err);
    free(outcome);
    free(nn);
    return rc ? (rc == BASIN_ECANCELED ? 1 : exit_for(rc)) : 0;
}

/* Set up a score model's schedule, initial states and trajectory measures. */
static int score_setup(job *j, char *err, size_t n_err)
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
        j->track = alloc_array(n, sizeof *j->track);
        j->t_col = alloc_array(n, sizeof *j->t_col);
        j->t_col_ou = alloc_array(n, sizeof *j->t_col_ou);
        if (!j->track || !j->t_col || !j->t_col_ou)
            goto nomem;
        for (uint64_t i = 0; i < n; i++) {
            j->track[i] = -1;
            j->t_col[i] = j->t_col_ou[i] = NAN;
        }
    }
    if (j->n_clones) {
        if (n > UINT64_MAX / dim / j->n_clones)
            goto nomem;
        j->snap = alloc_array(j->n_clones * n * dim, sizeof *j->snap);
        j->snap_time = alloc_array(j->n_clones * n, sizeof *j->snap_time);
        if (!j->snap || !j->snap_time)
            goto nomem;
        for (uint64_t i = 0; i < j->n_clones * n; i++)
            j->snap_time[i] = NAN;
    }
    if (collapse || j->n_clones) {
        j->host.observer = job_observe;
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
    float *eps = pure ? NULL : alloc_array(dim, sizeof *eps);
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
static int law_theory(job *j, char *err, size_t n_err)
{
    j->t_speciation = j->t_theory = NAN;
    if (!j->ds->spectrum)
        return 0;
    double *lambda = alloc_array(j->info.dim, sizeof *lambda);
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
    return rc && rc != BASIN_EUNSUPPORTED ? exit_for(rc) : 0;
}

/* ------------------------------------------------------------- landscape */

/* Classify attractor representatives: memorized when they sit on a training point
   (the recipe's rule), generalized when on a held-out point or on the data law's
   support (overlap ≥ threshold, or distance ≤ delta_m), spurious otherwise. */
static int classify_attractors(void *ctx, const float *x, uint64_t n,
                               measure_class *cls, int64_t *nearest, double *match)
{
    job *j = ctx;
    uint32_t dim = j->info.dim;
    basin_value v[16];
    recipe_values(j->r, RECIPE_MEASURE, j->point, v);
    int rc = 0;
    if (j->rule == MEASURE_OVERLAP) {
        measure_overlap *m = alloc_array(n, sizeof *m);
        rc = !m || measure_overlaps(x, n, j->train, j->info.n_train, dim, m) ||
             (j->info.n_heldout && measure_heldout_overlaps(x, n, j->heldout,
                                                            j->info.n_heldout, dim, m));
        for (uint64_t i = 0; !rc && i < n; i++) {
            cls[i] = measure_classify_overlap(&m[i], 1, v[MEASURE_THRESHOLD].number);
            nearest[i] = m[i].pattern;
            match[i] = fabs(m[i].top[0]);
        }
        free(m);
        return rc ? BASIN_ENOMEM : 0;
    }
    measure_distance *d = alloc_array(n, sizeof *d);
    double *law = alloc_array(n, sizeof *law);
    rc = !d || !law || measure_distances(x, n, j->train, j->info.n_train, j->heldout,
                                         j->info.n_heldout, dim, d);
    if (!rc && j->ds->law_distance &&
        j->ds->law_distance(j->ds_self, &j->host.table, x, n, law) != 0)
        for (uint64_t i = 0; i < n; i++)
            law[i] = NAN;
    double delta = v[MEASURE_DELTA_M].number;
    for (uint64_t i = 0; !rc && i < n; i++) {
        d[i].d_s = INFINITY; /* attractors are distinct by construction */
        cls[i] = measure_classify_distance(&d[i], 1, j->rule, delta, 0,
                                           v[MEASURE_RATIO].number);
        if (cls[i] != MEASURE_MEMORIZED)
            cls[i] = d[i].d_h <= delta || (j->ds->law_distance && law[i] <= delta)
                         ? MEASURE_GENERALIZED
                         : MEASURE_SPURIOUS;
        nearest[i] = d[i].nearest;
        match[i] = d[i].d_m;
    }
    free(d);
    free(law);
    return rc ? BASIN_ENOMEM : 0;
}

/* The job's own dynamics on re-noised attractors (basin radii), their sample
   indices past the probes and clones so their noise is their own. */
static int landscape_dynamics(void *ctx, float *states, uint64_t n, uint64_t first_run)
{
    job *j = ctx;
    basin_outcome *outcome = alloc_array(n, sizeof *outcome);
    if (!outcome)
        return BASIN_ENOMEM;
    uint64_t base = j->count * (1 + (uint64_t)j->n_clones) + first_run;
    int rc = run_sampler(j, j->threads, states, n, base, outcome,
                         j->sc ? &j->sched.table : NULL);
    free(outcome);
    return rc;
}

static int run_landscape(job *j, char *err, size_t n_err)
{
    basin_value v[16];
    recipe_values(j->r, RECIPE_LANDSCAPE, j->point, v);
    if (!v[LANDSCAPE_ATTRACTORS].number)
        return 0;
    if (j->sc && v[LANDSCAPE_RADIUS].number) {
        job_error(j, "landscape", "landscape.radius re-runs an energy's dynamics from "
                  "corrupted attractors; score models have none", err, n_err);
        return 2;
    }
    uint8_t *converged = alloc_array(j->count, 1);
    if (!converged) {
        job_error(j, "landscape", "out of memory", err, n_err);
        return 1;
    }
    for (uint64_t i = 0; i < j->count; i++)
        converged[i] = j->outcome[i].converged != 0;
    landscape_input in = {
        .states = j->states, .n = j->count, .dim = j->info.dim,
        .binary = (j->info.flags & BASIN_DATA_BINARY) != 0, .converged = converged,
        .host = &j->host.table, .energy = j->en, .energy_self = j->en_self,
        .classify = classify_attractors, .dynamics = landscape_dynamics, .ctx = j};
    char why[512];
    host_job_clear_error(&j->host);
    int rc = landscape_run(v, &in, &j->land, why, sizeof why);
    free(converged);
    if (rc) {
        const char *plugin_said = host_job_error(&j->host, rc);
        char msg[1100];
        snprintf(msg, sizeof msg, "%s%s%s", why, j->host.has_error ? ": " : "",
                 j->host.has_error ? plugin_said : "");
        job_error(j, "landscape", msg, err, n_err);
        return rc == BASIN_ECANCELED ? 1 : exit_for(rc);
    }
    return 0;
}

/* ------------------------------------------------------------- one job */

static int job_run(job *j, const pipeline_options *o, char *err, size_t n_err)
{
    const recipe *r = j->r;
    const recipe_section *S = r->sections;
    basin_value *values = j->values;
    const char *ds_id = S[RECIPE_DATASET].plugin->descriptor->id;
    const char *model_id = S[RECIPE_MODEL].plugin->descriptor->id;
    const char *sa_id = S[RECIPE_SAMPLER].plugin->descriptor->id;
    const basin_host *host = &j->host.table;

    /* Dataset. */
    host_job_phase(&j->host, "dataset");
    j->ds = S[RECIPE_DATASET].plugin->descriptor->iface;
    recipe_values(r, RECIPE_DATASET, j->point, values);
    CALL(ds_id, j->ds->create(host, values, &j->ds_self));
    CHECK_INSTANCE(ds_id, j->ds_self);
    CALL(ds_id, j->ds->info(j->ds_self, &j->info));
    uint32_t dim = j->info.dim;
    if (dim == 0 || j->info.n_train == 0) {
        job_error(j, ds_id, "the dataset is empty (dim or n_train is 0)", err, n_err);
        return 2;
    }
    j->train = alloc_array(j->info.n_train * dim, sizeof(float));
    j->heldout = alloc_array(j->info.n_heldout * dim, sizeof(float));
    if (j->info.n_train > UINT64_MAX / dim || j->info.n_heldout > UINT64_MAX / dim ||
        !j->train || !j->heldout) {
        job_error(j, ds_id, "the dataset is too large for memory", err, n_err);
        return 1;
    }
    CALL(ds_id, j->ds->read(j->ds_self, host, BASIN_SPLIT_TRAIN, 0, j->info.n_train,
                            j->train));
    if (j->info.n_heldout)
        CALL(ds_id, j->ds->read(j->ds_self, host, BASIN_SPLIT_HELDOUT, 0,
                                j->info.n_heldout, j->heldout));
    int binary = (j->info.flags & BASIN_DATA_BINARY) != 0;
    recipe_values(r, RECIPE_MEASURE, j->point, values);
    j->rule = measure_rule_of(values[MEASURE_RULE].string, binary);
    if (j->rule == MEASURE_OVERLAP && !binary) {
        job_error(j, "measure", "measure.rule = \"overlap\" needs ±1 data; use pham "
                  "or ratio for real-valued data", err, n_err);
        return 2;
    }

    /* Model: store the training set. */
    int score = strcmp(S[RECIPE_MODEL].plugin->descriptor->interface,
                       BASIN_IFACE_SCORE) == 0;
    recipe_values(r, RECIPE_MODEL, j->point, values);
    host_job_phase(&j->host, "encode");
    if (score) {
        j->sc = S[RECIPE_MODEL].plugin->descriptor->iface;
        CALL(model_id, j->sc->create(host, values, dim, &j->sc_self));
        CHECK_INSTANCE(model_id, j->sc_self);
        CALL(model_id, j->sc->encode(j->sc_self, host, j->train, j->info.n_train));
    } else {
        j->en = S[RECIPE_MODEL].plugin->descriptor->iface;
        if ((j->en->flags & BASIN_ENERGY_BINARY) && !binary) {
            job_error(j, model_id, "this energy stores ±1 states, but the dataset is "
                      "real-valued", err, n_err);
            return 2;
        }
        CALL(model_id, j->en->create(host, values, dim, &j->en_self));
        CHECK_INSTANCE(model_id, j->en_self);
        CALL(model_id, j->en->encode(j->en_self, host, j->train, j->info.n_train));
    }

    /* Initial states. */
    recipe_values(r, RECIPE_INIT, j->point, values);
    j->count = (uint64_t)values[INIT_COUNT].number;
    j->block = score ? SCORE_BLOCK : PROBE_BLOCK;
    if (!score && strcmp(values[INIT_KIND].string, "noise") == 0) {
        job_error(j, "init", "init.kind = \"noise\" starts a diffusion from its "
                  "schedule; an energy's dynamics start at pattern, mixture or random",
                  err, n_err);
        return 2;
    }
    j->states = alloc_array(j->count * dim, sizeof(float));
    j->start = alloc_array(j->count, sizeof(int64_t));
    j->outcome = alloc_array(j->count, sizeof(basin_outcome));
    j->energy = alloc_array(j->count, sizeof(double));
    if (j->rule == MEASURE_OVERLAP)
        j->overlap = alloc_array(j->count, sizeof(measure_overlap));
    else
        j->dist = alloc_array(j->count, sizeof(measure_distance));
    j->d_law = alloc_array(j->count, sizeof(double));
    if (j->count > UINT64_MAX / dim || !j->states || !j->start || !j->outcome ||
        !j->energy || !(j->overlap || j->dist) || !j->d_law) {
        job_error(j, "init", "init.count probes do not fit in memory", err, n_err);
        return 1;
    }
    char why[512];
    int rc = init_states(values, j->train, j->info.n_train, dim, binary, host, 0,
                         j->count, j->states, j->start, why, sizeof why);
    if (rc) {
        job_error(j, "init", rc == BASIN_ENOMEM ? "out of memory" : why, err, n_err);
        return exit_for(rc);
    }
    if (score && (rc = score_setup(j, err, n_err)))
        return rc;

    /* Dynamics. */
    j->sa = S[RECIPE_SAMPLER].plugin->descriptor->iface;
    recipe_values(r, RECIPE_SAMPLER, j->point, values);
    host_job_phase(&j->host, "dynamics");
    CALL(sa_id, j->sa->create(host, values, &j->sa_self));
    CHECK_INSTANCE(sa_id, j->sa_self);
    CALL(sa_id, run_sampler(j, o->threads, j->states, j->count, 0, j->outcome,
                            score ? &j->sched.table : NULL));
    j->host.observer = NULL;

    /* Measures. */
    host_job_phase(&j->host, "measures");
    if (score)
        for (uint64_t i = 0; i < j->count; i++)
            j->energy[i] = NAN;
    else
        CALL(model_id, j->en->energy(j->en_self, host, j->states, j->count, j->energy));
    rc = j->rule == MEASURE_OVERLAP
             ? measure_overlaps(j->states, j->count, j->train, j->info.n_train, dim,
                                j->overlap) ||
                   (j->info.n_heldout &&
                    measure_heldout_overlaps(j->states, j->count, j->heldout,
                                             j->info.n_heldout, dim, j->overlap))
             : measure_distances(j->states, j->count, j->train, j->info.n_train,
                                 j->heldout, j->info.n_heldout, dim, j->dist);
    if (rc) {
        job_error(j, "measure", "out of memory", err, n_err);
        return 1;
    }
    for (uint64_t i = 0; i < j->count; i++)
        j->d_law[i] = NAN;
    if (j->ds->law_distance) {
        host_job_clear_error(&j->host);
        rc = j->ds->law_distance(j->ds_self, host, j->states, j->count, j->d_law);
        if (rc && rc != BASIN_EUNSUPPORTED) {
            job_error(j, ds_id, host_job_error(&j->host, rc), err, n_err);
            return exit_for(rc);
        }
        if (rc)
            for (uint64_t i = 0; i < j->count; i++)
                j->d_law[i] = NAN;
    }
    if ((rc = law_theory(j, err, n_err)))
        return rc;
    host_job_phase(&j->host, "landscape");
    j->threads = o->threads;
    if ((rc = run_landscape(j, err, n_err)))
        return rc;
    if (j->n_clones) {
        host_job_phase(&j->host, "clones");
        if (!j->dist) {
            job_error(j, "measure", "measure.clones needs real-valued data (the "
                      "pham or ratio rule)", err, n_err);
            return 2;
        }
        return run_clones(j, o->threads, err, n_err);
    }
    return 0;
}

/* ------------------------------------------------------------- output */

static void csv_real(FILE *f, double x)
{
    if (isnan(x))
        fputs("nan", f);
    else
        fprintf(f, "%.9g", x);
}

/* The swept values of a point as CSV fields (each followed by a comma). */
static void write_axes(FILE *f, const recipe *r, size_t point, size_t *coords)
{
    recipe_coords(r, point, coords);
    for (size_t a = 0; a < r->n_axes; a++) {
        const recipe_axis *ax = &r->axes[a];
        param_write_csv(f, &r->sections[ax->section].params[ax->param],
                        ax->values[coords[a]]);
        fputc(',', f);
    }
}

/* The records.csv header: the overlap layout for ±1 memories, the distance
   layout for real-valued states. */
static void write_records_header(FILE *f, const recipe *r, int overlap)
{
    fprintf(f, "job,point,repeat,");
    for (size_t a = 0; a < r->n_axes; a++)
        fprintf(f, "%s,", r->axes[a].dotted);
    if (overlap)
        fprintf(f, "sample,start,class,converged,steps,energy,pattern,m1,m2,m3,"
                   "m_heldout\n");
    else
        fprintf(f, "sample,start,class,converged,steps,energy,nearest,d_m,d_2,d_s,"
                   "d_h,d_law,t_collapse,t_collapse_ou\n");
}

static void write_records(FILE *f, const job *j, const basin_value *measure,
                          size_t *coords, point_stats *stats)
{
    double threshold = measure[MEASURE_THRESHOLD].number;
    for (uint64_t s = 0; s < j->count; s++) {
        measure_class c;
        if (j->overlap) {
            c = measure_classify_overlap(&j->overlap[s], (int)j->outcome[s].converged,
                                         threshold);
        } else {
            const measure_distance *d = &j->dist[s];
            c = measure_classify_distance(d, (int)j->outcome[s].converged, j->rule,
                                          measure[MEASURE_DELTA_M].number,
                                          measure[MEASURE_DELTA_S].number,
                                          measure[MEASURE_RATIO].number);
            stats->ratio_memorized +=
                measure_classify_distance(d, 1, MEASURE_RATIO_RULE, 0, 0,
                                          measure[MEASURE_RATIO].number) ==
                MEASURE_MEMORIZED;
            stats->d_m_sum += d->d_m;
            if (j->t_col_ou && !isnan(j->t_col_ou[s])) {
                stats->t_col_sum += j->t_col_ou[s];
                stats->t_col_sum2 += j->t_col_ou[s] * j->t_col_ou[s];
                stats->t_col_n++;
            }
        }
        stats->counts[c]++;
        stats->samples++;
        fprintf(f, "%llu,%zu,%u,", (unsigned long long)j->index, j->point, j->repeat);
        write_axes(f, j->r, j->point, coords);
        fprintf(f, "%llu,%lld,%s,%u,%u,", (unsigned long long)s,
                (long long)j->start[s], measure_class_name(c),
                j->outcome[s].converged, j->outcome[s].steps);
        csv_real(f, j->energy[s]);
        if (j->overlap) {
            const measure_overlap *m = &j->overlap[s];
            fprintf(f, ",%lld,", (long long)m->pattern);
            for (int k = 0; k < 3; k++) {
                csv_real(f, m->top[k]);
                fputc(',', f);
            }
            csv_real(f, m->heldout);
        } else {
            const measure_distance *d = &j->dist[s];
            double fields[] = {d->d_m, d->d_2, d->d_s, d->d_h, j->d_law[s],
                               j->t_col ? j->t_col[s] : NAN,
                               j->t_col_ou ? j->t_col_ou[s] : NAN};
            fprintf(f, ",%lld", (long long)d->nearest);
            for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
                fputc(',', f);
                csv_real(f, fields[k]);
            }
        }
        fputc('\n', f);
    }
    if (!isnan(j->t_theory) || !isnan(j->t_speciation)) {
        stats->t_theory_sum += j->t_theory;
        stats->t_speciation_sum += j->t_speciation;
        stats->theory_n++;
    }
    for (uint32_t c = 0; c < j->n_clones; c++) {
        stats->clone_same[c] += j->clone_same[c];
        stats->clone_n[c] += j->clone_n[c];
        stats->clone_time[c] = j->clone_time[c];
        stats->clone_time_ou[c] = isnan(j->clone_time[c])
                                      ? NAN
                                      : schedule_ou_time(&j->sched.table,
                                                         j->clone_time[c]);
    }
}

/* attractors.csv: the analyzed attractors of every job (landscape.h). */
static void write_attractors_header(FILE *f, const recipe *r)
{
    fprintf(f, "job,point,repeat,");
    for (size_t a = 0; a < r->n_axes; a++)
        fprintf(f, "%s,", r->axes[a].dotted);
    fprintf(f, "attractor,first,members,occupancy,class,nearest,match,energy,radius,"
               "radius_bound,lambda_min,lambda_max,negative\n");
}

static void write_attractors(FILE *f, const job *j, size_t *coords, point_stats *st)
{
    const landscape_result *L = &j->land;
    if (!L->n_grouped && !L->n_attractors)
        return;
    st->attractors += L->n_attractors;
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        st->attractors_by_class[c] += L->by_class[c];
    st->landscape_jobs++;
    for (uint64_t k = 0; k < L->n_analyzed; k++) {
        const landscape_attractor *a = &L->analyzed[k];
        fprintf(f, "%llu,%zu,%u,", (unsigned long long)j->index, j->point, j->repeat);
        write_axes(f, j->r, j->point, coords);
        fprintf(f, "%llu,%llu,%llu,", (unsigned long long)a->id,
                (unsigned long long)a->first, (unsigned long long)a->members);
        csv_real(f, a->occupancy);
        fprintf(f, ",%s,%lld,", measure_class_name(a->cls), (long long)a->nearest);
        double fields[] = {a->match, a->energy, a->radius};
        for (size_t i = 0; i < 3; i++) {
            csv_real(f, fields[i]);
            fputc(',', f);
        }
        fprintf(f, "%d,", a->radius_bound);
        csv_real(f, a->lambda_min);
        fputc(',', f);
        csv_real(f, a->lambda_max);
        fprintf(f, ",%lld\n", (long long)a->n_negative);
    }
}

static void write_rate(FILE *f, uint64_t hits, uint64_t n, double confidence)
{
    double lo, hi;
    measure_rate_interval(hits, n, confidence, &lo, &hi);
    csv_real(f, n > 0 ? (double)hits / (double)n : NAN);
    fputc(',', f);
    csv_real(f, lo);
    fputc(',', f);
    csv_real(f, hi);
    fputc(',', f);
}

/* summary.csv: a row per sweep point. The distance layout adds the ratio rule's
   memorized rate (whatever the rule), the mean d_m, the measured collapse time
   (mean and standard error over trajectories, OU time) and the closed forms. */
static void write_summary(FILE *f, const recipe *r, const point_stats *stats,
                          double confidence, size_t *coords, int distance,
                          int landscape)
{
    static const char *const RATES[] = {"memorized_rate", "spurious_rate",
                                        "generalized_rate", "unconverged_rate"};
    for (size_t a = 0; a < r->n_axes; a++)
        fprintf(f, "%s,", r->axes[a].dotted);
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        fprintf(f, "%s,%s_lo,%s_hi,", RATES[c], RATES[c], RATES[c]);
    if (distance)
        fprintf(f, "ratio_memorized_rate,ratio_memorized_rate_lo,"
                   "ratio_memorized_rate_hi,d_m_mean,t_collapse,t_collapse_se,"
                   "t_collapse_theory,t_speciation,");
    if (landscape)
        fprintf(f, "attractors,attractors_memorized,attractors_spurious,"
                   "attractors_generalized,");
    fprintf(f, "samples,seconds\n");
    for (size_t p = 0; p < r->n_points; p++) {
        const point_stats *st = &stats[p];
        write_axes(f, r, p, coords);
        for (int c = 0; c < MEASURE_N_CLASSES; c++)
            write_rate(f, st->counts[c], st->samples, confidence);
        if (distance) {
            write_rate(f, st->ratio_memorized, st->samples, confidence);
            double n = (double)st->t_col_n, mean = st->t_col_sum / n;
            double var = n > 1 ? (st->t_col_sum2 - n * mean * mean) / (n - 1) : NAN;
            double theory_n = (double)st->theory_n;
            double fields[] = {st->samples ? st->d_m_sum / (double)st->samples : NAN,
                               n > 0 ? mean : NAN,
                               n > 1 ? sqrt(fmax(var, 0) / n) : NAN,
                               theory_n > 0 ? st->t_theory_sum / theory_n : NAN,
                               theory_n > 0 ? st->t_speciation_sum / theory_n : NAN};
            for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
                csv_real(f, fields[k]);
                fputc(',', f);
            }
        }
        if (landscape) {
            /* Means over the point's jobs. */
            double n = (double)st->landscape_jobs;
            csv_real(f, n > 0 ? (double)st->attractors / n : NAN);
            for (int c = 0; c < 3; c++) {
                fputc(',', f);
                csv_real(f, n > 0 ? (double)st->attractors_by_class[c] / n : NAN);
            }
            fputc(',', f);
        }
        fprintf(f, "%llu,%.3f\n", (unsigned long long)st->samples, st->seconds);
    }
}

/* collapse.csv: φ_C(t), the fraction of trajectories cloned at t whose copy ends
   on the same training point (Biroli et al. 2024), a row per point and clone. */
static void write_clones(FILE *f, const recipe *r, const point_stats *stats,
                         uint32_t n_clones, double confidence, size_t *coords)
{
    for (size_t a = 0; a < r->n_axes; a++)
        fprintf(f, "%s,", r->axes[a].dotted);
    fprintf(f, "clone,t,t_ou,phi,phi_lo,phi_hi,pairs\n");
    for (size_t p = 0; p < r->n_points; p++)
        for (uint32_t c = 0; c < n_clones; c++) {
            const point_stats *st = &stats[p];
            if (!st->clone_n[c])
                continue;
            write_axes(f, r, p, coords);
            fprintf(f, "%u,", c);
            csv_real(f, st->clone_time[c]);
            fputc(',', f);
            csv_real(f, st->clone_time_ou[c]);
            fputc(',', f);
            write_rate(f, st->clone_same[c], st->clone_n[c], confidence);
            fprintf(f, "%llu\n", (unsigned long long)st->clone_n[c]);
        }
}

static void print_summary(const recipe *r, const point_stats *stats, double confidence,
                          const char *out_dir, double seconds)
{
    uint64_t total = 0; /* final states measured (clones are not among them) */
    for (size_t p = 0; p < r->n_points; p++)
        total += stats[p].samples;
    printf("%s: %zu point%s x %u repeat%s, %llu final states in %.2f s -> %s\n",
           r->name, r->n_points, r->n_points == 1 ? "" : "s", r->repeats,
           r->repeats == 1 ? "" : "s", (unsigned long long)total, seconds, out_dir);
    for (size_t a = 0; a < r->n_axes; a++)
        printf("%-16s", r->axes[a].dotted);
    int collapse = 0;
    for (size_t p = 0; p < r->n_points; p++)
        collapse |= stats[p].t_col_n > 0;
    printf("%-22s%-22s%-22s%-9s%s\n", "memorized", "spurious", "generalized", "samples",
           collapse ? "t_collapse (theory), OU time" : "");
    size_t *coords = calloc(r->n_axes + 1, sizeof *coords);
    for (size_t p = 0; coords && p < r->n_points; p++) {
        recipe_coords(r, p, coords);
        for (size_t a = 0; a < r->n_axes; a++) {
            const recipe_axis *ax = &r->axes[a];
            const basin_param_def *def = &r->sections[ax->section].params[ax->param];
            char buf[64];
            basin_value v = ax->values[coords[a]];
            if (def->type == BASIN_PARAM_STRING || def->type == BASIN_PARAM_CHOICE)
                snprintf(buf, sizeof buf, "%s", v.string);
            else
                param_format_real(v.number, buf);
            printf("%-16s", buf);
        }
        for (int c = 0; c < 3; c++) {
            double lo, hi, n = (double)stats[p].samples;
            measure_rate_interval(stats[p].counts[c], stats[p].samples, confidence,
                                  &lo, &hi);
            char cell[64];
            snprintf(cell, sizeof cell, "%.3f [%.3f,%.3f]",
                     (double)stats[p].counts[c] / n, lo, hi);
            printf("%-22s", cell);
        }
        printf("%-9llu", (unsigned long long)stats[p].samples);
        const point_stats *st = &stats[p];
        if (st->t_col_n) {
            double n = (double)st->t_col_n, mean = st->t_col_sum / n;
            printf("%.3f", mean);
            if (st->theory_n)
                printf(" (%.3f)", st->t_theory_sum / (double)st->theory_n);
        }
        putchar('\n');
    }
    free(coords);
}

static void write_run_toml(FILE *f, const recipe *r, const pipeline_options *o)
{
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    fprintf(f, "# The resolved recipe of this run: `basin run` on this file repeats it.\n");
    fprintf(f, "# basin %s, plugin ABI %d.%d, %u thread%s\n", BASIN_VERSION,
            BASIN_ABI_MAJOR, BASIN_ABI_MINOR, o->threads, o->threads == 1 ? "" : "s");
    fprintf(f, "# BLAS: %s (core %s, OPENBLAS_CORETYPE=%s)\n", openblas_get_config(),
            openblas_get_corename(), coretype ? coretype : "unset");
    fprintf(f, "# source recipe: %s\n", r->path);
    recipe_write_toml(r, f);
    fprintf(f, "\n# Jobs: one per sweep point and repeat, its random streams keyed by "
               "its seed\n# (rng_job_seed(seed, job)).\n");
    for (size_t p = 0; p < r->n_points; p++)
        for (uint32_t k = 0; k < r->repeats; k++) {
            uint64_t index = (uint64_t)p * r->repeats + k;
            fprintf(f, "# job %llu: point %zu, repeat %u, seed %llu\n",
                    (unsigned long long)index, p, k,
                    (unsigned long long)rng_job_seed(r->seed, index));
        }
}

/* ------------------------------------------------------------- the run */

enum { FILE_RECORDS, FILE_SUMMARY, FILE_RUN, N_FILES };
static const char *const FILE_NAMES[N_FILES] = {"records.csv", "summary.csv",
                                                "run.toml"};

/*
 * samples.npy: the final states, one row per record. Each dimension the run meets
 * gets its own file (a sweep over the dimension writes samples-dim<N>.npy, one per
 * N, rows in record order); with one dimension it is samples.npy. Each is written
 * with a placeholder header that is rewritten with the row count at the end.
 */
#define MAX_SAMPLE_FILES 64

typedef struct sample_files {
    results_file file[MAX_SAMPLE_FILES];
    uint32_t dim[MAX_SAMPLE_FILES];
    uint64_t rows[MAX_SAMPLE_FILES];
    size_t n;
} sample_files;

static int samples_append(sample_files *sf, const char *dir, const job *j, char *err,
                          size_t n_err)
{
    size_t k = 0;
    while (k < sf->n && sf->dim[k] != j->info.dim)
        k++;
    if (k == sf->n) {
        char name[64];
        if (sf->n == MAX_SAMPLE_FILES) {
            job_error(j, "output", "more than 64 dimensions in one run; set "
                      "output.samples = false", err, n_err);
            return 2;
        }
        snprintf(name, sizeof name, "samples-dim%u.npy", j->info.dim);
        if (results_open(&sf->file[k], dir, name, err, n_err))
            return 1;
        sf->dim[k] = j->info.dim;
        sf->rows[k] = 0;
        sf->n++;
        npy_write_header_f32(sf->file[k].f, 0, j->info.dim);
    }
    size_t n = (size_t)(j->count * j->info.dim);
    if (fwrite(j->states, sizeof(float), n, sf->file[k].f) != n) {
        snprintf(err, n_err, "%s: write error", sf->file[k].tmp_path);
        return 1;
    }
    sf->rows[k] += j->count;
    return 0;
}

/* Remove samples files of an earlier run in the same folder that this run did
   not replace, so the folder never mixes two runs. */
static void samples_remove_stale(const sample_files *sf, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        unsigned dim;
        char tail[8];
        int is_samples = strcmp(e->d_name, "samples.npy") == 0 ||
                         sscanf(e->d_name, "samples-dim%u.np%1s", &dim, tail) == 2;
        if (!is_samples)
            continue;
        int ours = 0;
        for (size_t k = 0; k < sf->n; k++) {
            const char *slash = strrchr(sf->file[k].final_path, '/');
            ours |= strcmp(slash ? slash + 1 : sf->file[k].final_path, e->d_name) == 0;
        }
        if (!ours) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

/* Final headers; a single file is named samples.npy. */
static int samples_commit(sample_files *sf, const char *dir, char *err, size_t n_err)
{
    for (size_t k = 0; k < sf->n; k++) {
        FILE *f = sf->file[k].f;
        if (fseek(f, 0, SEEK_SET) != 0 ||
            npy_write_header_f32(f, sf->rows[k], sf->dim[k]) != 0) {
            snprintf(err, n_err, "%s: write error", sf->file[k].tmp_path);
            return 1;
        }
        if (sf->n == 1) {
            size_t n = strlen(dir) + 16;
            char *name = realloc(sf->file[k].final_path, n);
            if (!name) {
                snprintf(err, n_err, "out of memory");
                return 1;
            }
            snprintf(name, n, "%s/samples.npy", dir);
            sf->file[k].final_path = name;
        }
    }
    samples_remove_stale(sf, dir);
    for (size_t k = 0; k < sf->n; k++)
        if (results_commit(&sf->file[k], err, n_err))
            return 1;
    return 0;
}

int pipeline_run(const recipe *r, const pipeline_options *o, char *err, size_t n_err)
{
    char dir[4096];
    if (o->out_dir)
        snprintf(dir, sizeof dir, "%s", o->out_dir);
    else
        snprintf(dir, sizeof dir, "results/%s", r->name);
    /* A folder this run creates is removed again if the run fails while it is
       still empty. */
    struct stat st;
    int dir_existed = stat(dir, &st) == 0;
    if (results_make_dir(dir, err, n_err))
        return 2;

    int write_samples = recipe_core_value(r, RECIPE_OUTPUT, 0, "samples").number != 0;
    results_file files[N_FILES];
    memset(files, 0, sizeof files);
    sample_files *samples = calloc(1, sizeof *samples);
    int status = 0;
    if (!samples) {
        snprintf(err, n_err, "out of memory");
        status = 1;
    }
    for (int i = 0; i < N_FILES && !status; i++)
        if (results_open(&files[i], dir, FILE_NAMES[i], err, n_err))
            status = 2;

    uint64_t n_jobs = (uint64_t)r->n_points * r->repeats;
    point_stats *stats = calloc(r->n_points, sizeof *stats);
    size_t *coords = calloc(r->n_axes + 1, sizeof *coords);
    if (!status && (!stats || !coords)) {
        snprintf(err, n_err, "out of memory");
        status = 1;
    }
    uint64_t total_probes = 0;
    for (size_t p = 0; p < r->n_points; p++)
        total_probes += (uint64_t)recipe_core_value(r, RECIPE_INIT, p, "count").number *
                        r->repeats;

    /* collapse.csv when any point clones trajectories. */
    uint32_t most_clones = 0;
    for (size_t p = 0; p < r->n_points; p++) {
        uint32_t c = (uint32_t)recipe_core_value(r, RECIPE_MEASURE, p, "clones").number;
        most_clones = c > most_clones ? c : most_clones;
        total_probes += (uint64_t)recipe_core_value(r, RECIPE_INIT, p, "count").number *
                        r->repeats * c;
    }
    results_file clones_file;
    memset(&clones_file, 0, sizeof clones_file);
    if (!status && most_clones && results_open(&clones_file, dir, "collapse.csv", err,
                                               n_err))
        status = 2;

    /* attractors.csv when any point groups attractors. */
    int landscape = 0;
    for (size_t p = 0; p < r->n_points; p++)
        landscape |= recipe_core_value(r, RECIPE_LANDSCAPE, p, "attractors").number != 0;
    results_file attractors_file;
    memset(&attractors_file, 0, sizeof attractors_file);
    if (!status && landscape) {
        if (results_open(&attractors_file, dir, "attractors.csv", err, n_err))
            status = 2;
        else
            write_attractors_header(attractors_file.f, r);
    }

    FILE *rec = files[FILE_RECORDS].f;
    int layout = -1; /* records.csv: 1 overlap, 0 distance; set by the first job */
    progress *bar = status ? NULL : progress_new(total_probes, o->progress);
    double run_started = now();
    size_t most = 1; /* the longest parameter table: one job's scratch values */
    for (int s = 0; s < RECIPE_N_SECTIONS; s++)
        if (r->sections[s].n_params > most)
            most = r->sections[s].n_params;

    for (uint64_t index = 0; index < n_jobs && !status; index++) {
        job j;
        memset(&j, 0, sizeof j);
        j.r = r;
        j.point = (size_t)(index / r->repeats);
        j.repeat = (uint32_t)(index % r->repeats);
        j.index = index;
        char label[48];
        snprintf(label, sizeof label, "job %llu/%llu", (unsigned long long)index + 1,
                 (unsigned long long)n_jobs);
        host_job_init(&j.host, rng_job_seed(r->seed, index), bar, label, o->verbose);
        double started = now();
        j.values = calloc(most, sizeof *j.values);
        if (!j.values) {
            snprintf(err, n_err, "out of memory");
            status = 1;
        } else {
            status = job_run(&j, o, err, n_err);
        }
        if (status && host_cancel_requested()) {
            snprintf(err, n_err, "interrupted during job %llu of %llu; %s was left as "
                     "it was", (unsigned long long)index + 1,
                     (unsigned long long)n_jobs, dir);
            status = 1;
        }
        if (!status && layout >= 0 && layout != (j.overlap != NULL)) {
            job_error(&j, "measure", "measure.rule = \"auto\" resolves to overlap "
                      "for some jobs and to pham for others; name the rule", err,
                      n_err);
            status = 2;
        }
        if (!status) {
            if (layout < 0)
                write_records_header(rec, r, layout = j.overlap != NULL);
            recipe_values(r, RECIPE_MEASURE, j.point, j.values);
            write_records(rec, &j, j.values, coords, &stats[j.point]);
            if (landscape)
                write_attractors(attractors_file.f, &j, coords, &stats[j.point]);
            stats[j.point].seconds += now() - started;
            if (write_samples)
                status = samples_append(samples, dir, &j, err, n_err);
            if (!status && ferror(rec)) {
                snprintf(err, n_err, "%s: write error", files[FILE_RECORDS].tmp_path);
                status = 1;
            }
        }
        job_free(&j);
        host_job_destroy(&j.host);
    }
    progress_free(bar);

    if (!status) {
        double confidence = recipe_core_value(r, RECIPE_MEASURE, 0, "confidence").number;
        write_summary(files[FILE_SUMMARY].f, r, stats, confidence, coords, layout == 0,
                      landscape);
        write_run_toml(files[FILE_RUN].f, r, o);
        if (most_clones)
            write_clones(clones_file.f, r, stats, most_clones, confidence, coords);
        for (int i = 0; i < N_FILES && !status; i++)
            if (results_commit(&files[i], err, n_err))
                status = 1;
        if (!status && most_clones && results_commit(&clones_file, err, n_err))
            status = 1;
        if (!status && landscape && results_commit(&attractors_file, err, n_err))
            status = 1;
        /* An earlier run's optional files in the same folder no longer belong. */
        char stale[4200];
        if (!status && !most_clones) {
            snprintf(stale, sizeof stale, "%s/collapse.csv", dir);
            unlink(stale);
        }
        if (!status && !landscape) {
            snprintf(stale, sizeof stale, "%s/attractors.csv", dir);
            unlink(stale);
        }
        if (!status)
            status = samples_commit(samples, dir, err, n_err);
        if (!status && !o->quiet)
            print_summary(r, stats, confidence, dir, now() - run_started);
    }
    for (int i = 0; i < N_FILES; i++)
        results_abandon(&files[i]);
    results_abandon(&clones_file);
    results_abandon(&attractors_file);
    for (size_t k = 0; samples && k < samples->n; k++)
        results_abandon(&samples->file[k]);
    free(samples);
    if (status && !dir_existed)
        rmdir(dir); /* only succeeds while it is empty */
    free(stats);
    free(coords);
    return status;
}
