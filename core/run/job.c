#include "run/job.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "run/disjoint.h"
#include "process/init.h"
#include "base/progress.h"
#include "run/trajectory.h"
#include "recipe/sections.h"

/* ------------------------------------------------------------- the sampler */

/* Shared state of the sampler workers of one job. */
typedef struct work {
    job *j;
    basin_model model;
    float *states; /* count × dim, evolved in place */
    uint64_t count;
    uint64_t index_base; /* global sample index of states' first row */
    basin_outcome *outcome;
    uint64_t n_blocks;
    atomic_uint_fast64_t next;
    atomic_int failed;
    int rc; /* status of the lowest failing block */
    uint64_t failed_block;
    pthread_mutex_t lock;
} work;

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

int job_run_sampler(job *j, float *states, uint64_t count, uint64_t index_base,
                    basin_outcome *outcome, const basin_schedule *sched)
{
    unsigned threads = j->threads;
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

/* ------------------------------------------------------------- errors */

void job_error(const job *j, const char *who, const char *msg, char *err, size_t n_err)
{
    char where[512];
    int n = snprintf(where, sizeof where, "%s: job %llu", j->r->path,
                     (unsigned long long)j->index);
    size_t *coords = calloc(j->r->n_axes + 1, sizeof *coords);
    if (coords && j->r->n_axes) {
        recipe_coords(j->r, j->point, coords);
        n += snprintf(where + n, sizeof where - (size_t)n, " (");
        for (size_t a = 0; a < j->r->n_axes && n < (int)sizeof where; a++) {
            char num[32];
            n +=
                snprintf(where + n, sizeof where - (size_t)n, "%s%s=%s", a ? ", " : "",
                         j->r->axes[a].dotted, recipe_axis_text(j->r, a, coords[a], num));
        }
        if (n < (int)sizeof where)
            snprintf(where + n, sizeof where - (size_t)n, ")");
    }
    free(coords);
    snprintf(err, n_err, "%s: %s: %s", where, who, msg);
}

int job_exit_status(int rc)
{
    return rc == BASIN_EINVAL || rc == BASIN_EUNSUPPORTED || rc == BASIN_EIO ? 2 : 1;
}

void *job_alloc(uint64_t n, size_t elem)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / elem)
        return NULL;
    return malloc((size_t)n * elem);
}

void job_free(job *j)
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
    free(j->track_nn);
    free(j->snap);
    free(j->snap_time);
    free(j->d_pair);
    free(j->cos_pair);
    landscape_result_free(&j->land);
}

/* Call a plugin function; on failure format the error and return the exit code. */
#define CALL(who, expr)                                                                  \
    do {                                                                                 \
        host_job_clear_error(&j->host);                                                  \
        int rc_ = (expr);                                                                \
        if (rc_) {                                                                       \
            job_error(j, (who), host_job_error(&j->host, rc_), err, n_err);              \
            return rc_ == BASIN_ECANCELED ? 1 : job_exit_status(rc_);                    \
        }                                                                                \
    } while (0)

/* A plugin's create() succeeded but gave no instance: the plugin's bug. */
#define CHECK_INSTANCE(who, self)                                                        \
    do {                                                                                 \
        if (!(self)) {                                                                   \
            job_error(j, (who), "create() returned no instance", err, n_err);            \
            return 1;                                                                    \
        }                                                                                \
    } while (0)

/* ------------------------------------------------------------- landscape */

/* Classify attractor representatives: memorized when they sit on a training point
   (the recipe's rule), generalized when on a held-out point or on the data law's
   support (overlap ≥ threshold, or distance ≤ delta_m), spurious otherwise. */
static int classify_attractors(void *ctx, const float *x, uint64_t n, measure_class *cls,
                               int64_t *nearest, double *match)
{
    job *j = ctx;
    uint32_t dim = j->info.dim;
    basin_value v[MEASURE_N_PARAMS];
    recipe_values(j->r, RECIPE_MEASURE, j->point, v);
    int rc = 0;
    if (j->rule == MEASURE_OVERLAP) {
        measure_overlap *m = job_alloc(n, sizeof *m);
        rc = !m || measure_overlaps(x, n, j->train, j->info.n_train, dim, m) ||
             (j->info.n_heldout &&
              measure_heldout_overlaps(x, n, j->heldout, j->info.n_heldout, dim, m));
        for (uint64_t i = 0; !rc && i < n; i++) {
            cls[i] = measure_classify_overlap(&m[i], 1, v[MEASURE_THRESHOLD].number);
            nearest[i] = m[i].pattern;
            match[i] = fabs(m[i].top[0]);
        }
        free(m);
        return rc ? BASIN_ENOMEM : 0;
    }
    measure_distance *d = job_alloc(n, sizeof *d);
    double *law = job_alloc(n, sizeof *law);
    rc = !d || !law ||
         measure_distances(x, n, j->train, j->info.n_train, j->heldout, j->info.n_heldout,
                           dim, d);
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

/*
 * The job's own dynamics on re-noised attractors (basin radii), their sample
 * indices past the probes and clones so their noise is their own. An energy's
 * dynamics run as they ran for the probes. A score model re-enters its schedule
 * where the noise-to-signal ratio σ/α equals the corruption level c: the states
 * x* + c ε are scaled by α(t) to α x* + σ ε and generated from t on (Pham et al.
 * 2025's critical-time procedure, with any sampler and schedule).
 */
static int landscape_dynamics(void *ctx, float *states, uint64_t n, double level,
                              uint64_t first_run)
{
    job *j = ctx;
    basin_outcome *outcome = job_alloc(n, sizeof *outcome);
    if (!outcome)
        return BASIN_ENOMEM;
    uint64_t base = j->count * (1 + (uint64_t)j->n_clones) + first_run;
    schedule from = j->sched;
    if (j->sc) {
        const basin_schedule *s = &j->sched.table;
        from.table.t_start = schedule_from_ou_time(s, 0.5 * log1p(level * level));
        double alpha, sigma;
        s->at(s, from.table.t_start, &alpha, &sigma, NULL, NULL);
        for (uint64_t i = 0; i < n * j->info.dim; i++)
            states[i] = (float)(alpha * states[i]);
    }
    int rc = job_run_sampler(j, states, n, base, outcome, j->sc ? &from.table : NULL);
    free(outcome);
    return rc;
}

static int run_landscape(job *j, char *err, size_t n_err)
{
    basin_value v[LANDSCAPE_N_PARAMS];
    recipe_values(j->r, RECIPE_LANDSCAPE, j->point, v);
    if (!v[LANDSCAPE_ATTRACTORS].number) {
        if (!v[LANDSCAPE_RADIUS].number && !v[LANDSCAPE_CURVATURE].number)
            return 0;
        job_error(j, "landscape",
                  "landscape.radius and landscape.curvature are "
                  "measured at attractors: set landscape.attractors = true",
                  err, n_err);
        return 2;
    }
    uint8_t *converged = job_alloc(j->count, 1);
    if (!converged) {
        job_error(j, "landscape", "out of memory", err, n_err);
        return 1;
    }
    for (uint64_t i = 0; i < j->count; i++)
        converged[i] = j->outcome[i].converged != 0;
    landscape_input in = {
        .states = j->states,
        .n = j->count,
        .dim = j->info.dim,
        /* ±1 end states: an energy's dynamics on ±1 data (a score model's
           denoised samples are real-valued whatever the data). */
        .binary = !j->sc && (j->info.flags & BASIN_DATA_BINARY) != 0,
        .converged = converged,
        .host = &j->host.table,
        .energy = j->en,
        .energy_self = j->en_self,
        .classify = classify_attractors,
        .dynamics = landscape_dynamics,
        .ctx = j};
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
        return rc == BASIN_ECANCELED ? 1 : job_exit_status(rc);
    }
    return 0;
}

/* ------------------------------------------------------------- one job */

int job_run(job *j, const pipeline_options *o, char *err, size_t n_err)
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
    j->train = job_alloc(j->info.n_train * dim, sizeof(float));
    j->heldout = job_alloc(j->info.n_heldout * dim, sizeof(float));
    if (j->info.n_train > UINT64_MAX / dim || j->info.n_heldout > UINT64_MAX / dim ||
        !j->train || !j->heldout) {
        job_error(j, ds_id, "the dataset is too large for memory", err, n_err);
        return 1;
    }
    CALL(ds_id,
         j->ds->read(j->ds_self, host, BASIN_SPLIT_TRAIN, 0, j->info.n_train, j->train));
    if (j->info.n_heldout)
        CALL(ds_id, j->ds->read(j->ds_self, host, BASIN_SPLIT_HELDOUT, 0,
                                j->info.n_heldout, j->heldout));
    int binary = (j->info.flags & BASIN_DATA_BINARY) != 0;
    recipe_values(r, RECIPE_MEASURE, j->point, values);
    j->rule = measure_rule_of(values[MEASURE_RULE].string, binary);
    if (strcmp(S[RECIPE_MODEL].plugin->descriptor->interface, BASIN_IFACE_SCORE) != 0 &&
        (values[MEASURE_COLLAPSE].number || values[MEASURE_CLONES].number)) {
        job_error(j, "measure",
                  "measure.collapse and measure.clones follow the "
                  "trajectories of a diffusion (a score model); an energy's dynamics "
                  "have no noise schedule",
                  err, n_err);
        return 2;
    }
    if (j->rule == MEASURE_OVERLAP && values[MEASURE_CLONES].number) {
        job_error(j, "measure",
                  "measure.clones needs real-valued data (the "
                  "pham or ratio rule)",
                  err, n_err);
        return 2;
    }
    if (j->rule == MEASURE_OVERLAP && !binary) {
        job_error(j, "measure",
                  "measure.rule = \"overlap\" needs ±1 data; use pham "
                  "or ratio for real-valued data",
                  err, n_err);
        return 2;
    }

    /* Model: store the training set. */
    int score =
        strcmp(S[RECIPE_MODEL].plugin->descriptor->interface, BASIN_IFACE_SCORE) == 0;
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
            job_error(j, model_id,
                      "this energy stores ±1 states, but the dataset is "
                      "real-valued",
                      err, n_err);
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
        job_error(j, "init",
                  "init.kind = \"noise\" starts a diffusion from its "
                  "schedule; an energy's dynamics start at pattern, mixture or random",
                  err, n_err);
        return 2;
    }
    j->states = job_alloc(j->count * dim, sizeof(float));
    j->start = job_alloc(j->count, sizeof(int64_t));
    j->outcome = job_alloc(j->count, sizeof(basin_outcome));
    j->energy = job_alloc(j->count, sizeof(double));
    if (j->rule == MEASURE_OVERLAP)
        j->overlap = job_alloc(j->count, sizeof(measure_overlap));
    else
        j->dist = job_alloc(j->count, sizeof(measure_distance));
    j->d_law = job_alloc(j->count, sizeof(double));
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
        return job_exit_status(rc);
    }
    if (score && (rc = trajectory_setup(j, err, n_err)))
        return rc;
    recipe_values(r, RECIPE_MEASURE, j->point, values);
    int disjoint = values[MEASURE_DISJOINT].number != 0;
    recipe_values(r, RECIPE_INIT, j->point, values);
    if (disjoint && strcmp(values[INIT_KIND].string, "noise") != 0 &&
        strcmp(values[INIT_KIND].string, "random") != 0) {
        job_error(j, "measure",
                  "measure.disjoint compares two models from the same "
                  "starts; init.kind must be noise or random, not training patterns",
                  err, n_err);
        return 2;
    }

    /* Dynamics. */
    j->sa = S[RECIPE_SAMPLER].plugin->descriptor->iface;
    recipe_values(r, RECIPE_SAMPLER, j->point, values);
    host_job_phase(&j->host, "dynamics");
    CALL(sa_id, j->sa->create(host, values, &j->sa_self));
    CHECK_INSTANCE(sa_id, j->sa_self);
    /* The disjoint-sets test reruns these starts under a second model. */
    float *init = disjoint ? job_alloc(j->count * dim, sizeof(float)) : NULL;
    if (disjoint && !init) {
        job_error(j, "measure", "out of memory", err, n_err);
        return 1;
    }
    if (init)
        memcpy(init, j->states, (size_t)(j->count * dim) * sizeof(float));
    j->threads = o->threads;
    host_job_clear_error(&j->host);
    rc = job_run_sampler(j, j->states, j->count, 0, j->outcome,
                         score ? &j->sched.table : NULL);
    j->host.observer = NULL;
    if (rc) {
        free(init);
        job_error(j, sa_id, host_job_error(&j->host, rc), err, n_err);
        return rc == BASIN_ECANCELED ? 1 : job_exit_status(rc);
    }
    if (init) {
        rc = disjoint_run(j, init, err, n_err);
        free(init);
        if (rc)
            return rc;
    }

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
            return job_exit_status(rc);
        }
        if (rc)
            for (uint64_t i = 0; i < j->count; i++)
                j->d_law[i] = NAN;
    }
    if ((rc = trajectory_theory(j, err, n_err)))
        return rc;
    host_job_phase(&j->host, "landscape");
    if ((rc = run_landscape(j, err, n_err)))
        return rc;
    if (j->n_clones) {
        host_job_phase(&j->host, "clones");
        return trajectory_clones(j, err, n_err);
    }
    return 0;
}
