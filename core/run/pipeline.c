#include "run/pipeline.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/errmsg.h"
#include "base/host.h"
#include "base/progress.h"
#include "base/rng.h"
#include "base/status.h"
#include "measure/referee.h"
#include "recipe/sections.h"
#include "results/atomic_file.h"
#include "results/attractors.h"
#include "results/minima.h"
#include "results/clones.h"
#include "results/clusters.h"
#include "results/folder.h"
#include "results/job_part.h"
#include "results/records.h"
#include "results/run_toml.h"
#include "results/run_dir.h"
#include "results/samples.h"
#include "results/summary.h"
#include "results/training.h"
#include "run/compare.h"
#include "run/job.h"

/* The files of a results folder, in commit order; the last four when asked
   (spurious.csv: rule pham). */
enum {
    F_RECORDS,
    F_SUMMARY,
    F_RUN,
    F_COLLAPSE,
    F_ATTRACTORS,
    F_TRAINING,
    F_SPURIOUS,
    F_COMPARE,
    F_MINIMA,
    N_FILES
};
static const char *const FILE_NAMES[N_FILES] = {
    "records.csv",  "summary.csv",  "run.toml",    "collapse.csv", "attractors.csv",
    "training.csv", "spurious.csv", "compare.csv", "minima.csv"};

/* One run: its plan, its open files and what its jobs leave. */
typedef struct run {
    const recipe *r;
    const pipeline_options *o;
    results_folder folder; /* the new set is built in folder.tmp */

    uint64_t n_jobs;
    uint64_t total_probes; /* sampler runs of every state: the progress bar */
    uint32_t most_clones;  /* collapse.csv when any point clones */
    int landscape;         /* attractors.csv when any point groups attractors */
    int enumerate;         /* summary.csv's minima when any point enumerates them */
    int write_samples;     /* output.samples */
    size_t most_values;    /* the longest parameter table: a job's scratch */

    results_file files[N_FILES];
    int open[N_FILES];
    samples_out *samples;
    point_stats *stats;     /* per sweep point */
    summary_minima *minima; /* per sweep point: landscape.enumerate's counts */
    double *compare_r2;     /* per job: [compare]'s median r² (NaN: none yet) */
    size_t *coords;
    int layout;    /* records.csv: 1 overlap, 0 distance; -1 before the first job */
    int diffusion; /* a score model: records.csv and summary.csv add its columns */
    int cosine;    /* the cosine rule: records.csv adds its columns */
    progress *bar;

    char dir[PATH_MAX];      /* the results (or shard) folder */
    char jobs[PATH_MAX + 8]; /* its jobs folder of parts */
    int assemble;            /* build the run-level files (not a shard) */
    basin_value *values;     /* scratch: the [measure] values of a point */
    uint64_t ran, resumed;   /* jobs run now, jobs whose part was there */
    int created;             /* this run created the folder */
    uint64_t n_mine;         /* this run's jobs (a shard's share) */
    char aside[PATH_MAX];    /* where --fresh moved an earlier folder ("": nowhere) */
} run;

void pipeline_out_dir(const recipe *r, const pipeline_options *o, char *dir, size_t n)
{
    char base[PATH_MAX];
    if (o->out_dir)
        snprintf(base, sizeof base, "%s", o->out_dir);
    else
        snprintf(base, sizeof base, "results/%s", r->name);
    size_t len = strlen(base);
    while (len > 1 && base[len - 1] == '/')
        base[--len] = '\0';
    if (o->shards)
        snprintf(dir, n, "%s.shards/%u-of-%u", base, o->shard, o->shards);
    else
        snprintf(dir, n, "%s", base);
}

/* Whether job j is this run's: every job, or a shard's share (round robin). */
static int mine(const run *u, uint64_t j)
{
    return u->o->shards == 0 || j % u->o->shards == u->o->shard;
}

/* Sampler runs of job j (the progress bar's units). */
static uint64_t job_probes(const run *u, uint64_t j)
{
    size_t p = (size_t)(j / u->r->repeats);
    uint64_t count = (uint64_t)recipe_core_value(u->r, RECIPE_INIT, p, "count").number;
    uint64_t c = (uint64_t)recipe_core_value(u->r, RECIPE_MEASURE, p, "clones").number;
    int disjoint = recipe_core_value(u->r, RECIPE_MEASURE, p, "disjoint").number != 0;
    return count * (1 + c + (uint64_t)disjoint);
}

/* What the recipe asks for: jobs, probes, clones, landscape, samples. */
static void plan(run *u)
{
    const recipe *r = u->r;
    u->n_jobs = (uint64_t)r->n_points * r->repeats;
    u->assemble = u->o->shards == 0;
    u->write_samples = recipe_core_value(r, RECIPE_OUTPUT, 0, "samples").number != 0;
    for (size_t p = 0; p < r->n_points; p++) {
        uint32_t c = (uint32_t)recipe_core_value(r, RECIPE_MEASURE, p, "clones").number;
        u->most_clones = c > u->most_clones ? c : u->most_clones;
        u->landscape |=
            recipe_core_value(r, RECIPE_LANDSCAPE, p, "attractors").number != 0;
        u->enumerate |=
            recipe_core_value(r, RECIPE_LANDSCAPE, p, "enumerate").number != 0;
    }
    u->most_values = recipe_most_params(r);
    if (u->most_values < 1)
        u->most_values = 1;
    u->layout = -1;
    for (uint64_t j = 0; j < u->n_jobs; j++)
        if (mine(u, j)) {
            u->total_probes += job_probes(u, j);
            u->n_mine++;
        }
}

static int open_file(run *u, int k, char *err, size_t n_err)
{
    if (results_open_as(&u->files[k], u->folder.tmp, FILE_NAMES[k], u->folder.final, err,
                        n_err))
        return BASIN_EIO;
    u->open[k] = 1;
    return BASIN_OK;
}

/* The folder the new set is built in (beside the results folder, which must be
   one basin may replace), its files, the points' tallies. */
static int start(run *u, char *err, size_t n_err)
{
    pipeline_out_dir(u->r, u->o, u->dir, sizeof u->dir);
    char *identity = u->o->identity ? strdup(u->o->identity) : run_dir_identity(u->r);
    u->values = calloc(u->most_values, sizeof *u->values);
    u->coords = calloc(u->r->n_axes + 1, sizeof *u->coords);
    if (!identity || !u->values || !u->coords) {
        free(identity);
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    int rc = run_dir_open(u->dir, identity, u->o->fresh, u->jobs, sizeof u->jobs,
                          &u->created, u->aside, err, n_err);
    free(identity);
    if (rc || !u->assemble)
        return rc;
    if ((rc = results_folder_begin(&u->folder, u->dir, err, n_err)))
        return rc;
    u->samples = calloc(1, sizeof *u->samples);
    if (!u->samples) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    for (int k = F_RECORDS; k <= F_RUN; k++)
        if ((rc = open_file(u, k, err, n_err)))
            return rc;
    u->stats = calloc(u->r->n_points, sizeof *u->stats);
    u->minima = calloc(u->r->n_points, sizeof *u->minima);
    u->compare_r2 = calloc(u->n_jobs ? u->n_jobs : 1, sizeof *u->compare_r2);
    for (uint64_t j = 0; u->compare_r2 && j < u->n_jobs; j++)
        u->compare_r2[j] = NAN;
    if (!u->stats || !u->minima || !u->compare_r2) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    if (u->most_clones && (rc = open_file(u, F_COLLAPSE, err, n_err)))
        return rc;
    if (u->landscape) {
        if ((rc = open_file(u, F_ATTRACTORS, err, n_err)))
            return rc;
        attractors_header(u->files[F_ATTRACTORS].f, u->r);
    }
    return BASIN_OK;
}

/* ------------------------------------------------------------ job parts */

/* The text a writer prints into FILE, as a part's text (owned: free t->text).
   open_memstream's buffer; -1 when out of memory. */
typedef struct text_sink {
    FILE *f;
    char *text;
    size_t n;
} text_sink;

static int sink_open(text_sink *s)
{
    s->text = NULL;
    s->n = 0;
    s->f = open_memstream(&s->text, &s->n);
    return s->f ? 0 : -1;
}

static int sink_close(text_sink *s, job_part_text *t)
{
    int bad = fclose(s->f) != 0;
    t->text = s->text;
    t->n = s->n;
    return bad ? -1 : 0;
}

/* The part of a finished job: its rows as text, the referee's input and its
   states (arrays borrowed from j; the texts owned: free them). */
static int part_of_job(run *u, const job *j, double seconds, job_part *p)
{
    memset(p, 0, sizeof *p);
    const trajectory *t = &j->traj;
    p->index = j->index;
    p->point = j->point;
    p->repeat = j->repeat;
    p->layout = (j->overlap ? RECORDS_OVERLAP : 0) | (j->sc ? RECORDS_DIFFUSION : 0) |
                (j->cosine ? RECORDS_COSINE : 0);
    p->seconds = seconds;
    referee_batch b = job_batch(j);
    p->n = b.n;
    p->rule = (uint32_t)b.rule;
    p->cls = j->cls;
    p->overlap = (measure_overlap *)b.overlap;
    p->dist = (measure_distance *)b.dist;
    p->outcome = (basin_outcome *)b.outcome;
    p->d_pair = (double *)b.d_pair;
    p->cos_pair = (double *)b.cos_pair;
    p->t_col_ou = (double *)b.t_col_ou;
    p->t_near_ou = (double *)b.t_near_ou;
    p->t_first_ou = (double *)b.t_first_ou;
    p->t_start_ou = (double *)b.t_start_ou;
    p->winner = (int64_t *)b.winner;
    p->deterministic = b.deterministic != 0;
    p->lost = b.lost;
    p->clones_skipped = b.clones_skipped != 0;
    p->before = (measure_distance *)b.before;
    p->cosine = (measure_cosine *)b.cosine;
    p->has_cal = b.cal != NULL;
    if (b.cal)
        p->cal = *b.cal;
    p->d_law = (double *)b.d_law;
    p->has_spurious = b.spurious != NULL;
    if (b.spurious)
        p->spurious = *b.spurious;
    p->t_theory = j->theory.t_collapse;
    p->t_speciation = j->theory.t_speciation;
    p->theory_basis = (uint32_t)j->theory.basis;
    p->n_clones = t->n_clones < REFEREE_MAX_CLONES ? t->n_clones : REFEREE_MAX_CLONES;
    if (p->n_clones) {
        p->clone_same = (uint64_t *)t->clone_same;
        p->clone_n = (uint64_t *)t->clone_n;
        p->clone_time = (double *)t->clone_time;
        p->clone_time_ou = (double *)t->clone_time_ou;
        p->clone_same_class = (uint64_t *)t->clone_same_class;
        p->clone_labeled = (uint64_t *)t->clone_labeled;
    }
    p->land_attractors = j->land.n_attractors;
    p->land_grouped = j->land.n_grouped;
    for (int k = 0; k < MEASURE_N_CLASSES; k++)
        p->land_by_class[k] = j->land.by_class[k];
    p->minima_patterns = j->minima_patterns;
    p->minima = j->minima;
    p->minima_stored = j->minima_stored;
    p->minima_novel = j->minima_novel;
    p->minima_examined = j->minima_examined;
    p->covered = j->covered;
    p->covered_se = j->covered_se;
    p->dim = j->info.dim;
    p->states = u->write_samples ? j->states : NULL;

    csv_job id = {.r = u->r, .index = j->index, .point = j->point, .repeat = j->repeat};
    records_batch rb = {.job = id,
                        .n = j->count,
                        .first_sample = 0,
                        .cls = j->cls,
                        .start = j->start,
                        .outcome = j->outcome,
                        .energy = j->energy,
                        .overlap = j->overlap,
                        .dist = j->dist,
                        .d_law = j->d_law,
                        .t_col = t->t_col,
                        .t_col_ou = t->t_col_ou,
                        .d_pair = j->d_pair,
                        .cos_pair = j->cos_pair,
                        .diffusion = j->sc != NULL,
                        .before = t->before,
                        .t_near = t->t_near,
                        .t_near_ou = t->t_near_ou,
                        .t_first = t->t_first,
                        .t_first_ou = t->t_first_ou,
                        .cosine = j->cosine,
                        .cluster = j->spurious.cluster};
    text_sink s;
    int bad = 0;
    if (sink_open(&s) != 0)
        return BASIN_ENOMEM;
    records_write(s.f, &rb, u->coords);
    bad |= sink_close(&s, &p->records);
    if (u->landscape) {
        if (sink_open(&s) != 0)
            return BASIN_ENOMEM;
        attractors_write(s.f, &id, &j->land, u->coords);
        bad |= sink_close(&s, &p->attractors);
    }
    if (p->has_spurious) { /* rule pham: its spurious clusters' rows */
        if (sink_open(&s) != 0)
            return BASIN_ENOMEM;
        clusters_write(s.f, &id, &j->spurious, j->dist, u->coords);
        bad |= sink_close(&s, &p->spurious_rows);
    }
    if (j->minima_patterns) { /* landscape.enumerate: minima.csv's rows */
        if (sink_open(&s) != 0)
            return BASIN_ENOMEM;
        minima_write(s.f, &id, &j->found, j->minima_cls, j->novel_distance, u->coords);
        bad |= sink_close(&s, &p->minima_rows);
    }
    if (j->host.n_metrics) {
        if (sink_open(&s) != 0)
            return BASIN_ENOMEM;
        training_write(s.f, &id, j->host.metrics, j->host.n_metrics, u->coords);
        bad |= sink_close(&s, &p->training);
    }
    p->compare_r2 = NAN;
    if (j->cmp_sc) { /* [compare] (run/compare.h) */
        p->compare_r2 = j->cmp.r2_median;
        if (sink_open(&s) != 0)
            return BASIN_ENOMEM;
        compare_write(s.f, &id, u->coords, &j->cmp);
        bad |= sink_close(&s, &p->compare);
    }
    return bad ? BASIN_ENOMEM : BASIN_OK;
}

static void free_part_texts(job_part *p)
{
    free(p->records.text);
    free(p->attractors.text);
    free(p->training.text);
    free(p->spurious_rows.text);
    free(p->compare.text);
    free(p->minima_rows.text);
}

/* Open file k the first time, with its header. */
static int open_with_header(run *u, int k, char *err, size_t n_err)
{
    if (u->open[k])
        return BASIN_OK;
    int rc = open_file(u, k, err, n_err);
    if (!rc && k == F_TRAINING)
        training_header(u->files[k].f, u->r);
    if (!rc && k == F_SPURIOUS)
        clusters_header(u->files[k].f, u->r);
    if (!rc && k == F_COMPARE)
        compare_header(u->files[k].f, u->r);
    if (!rc && k == F_MINIMA)
        minima_header(u->files[k].f, u->r);
    return rc;
}

/* Add a part to the run-level files and its point's tally, as the job left it:
   its rows, the referee's counts (measure/referee.h), its samples. */
static int keep_part(run *u, const job_part *p, char *err, size_t n_err)
{
    const recipe *r = u->r;
    int overlap = (p->layout & RECORDS_OVERLAP) != 0;
    if (p->point >= r->n_points || p->index != p->point * r->repeats + p->repeat) {
        errmsg(err, n_err, "%s/%llu.part: job %llu is not point %llu, repeat %u", u->jobs,
               (unsigned long long)p->index, (unsigned long long)p->index,
               (unsigned long long)p->point, p->repeat);
        return BASIN_EINVAL;
    }
    if (u->layout >= 0 && u->layout != overlap) {
        errmsg(err, n_err,
               "%s: job %llu: measure.rule = \"auto\" resolves to overlap for some jobs "
               "and to pham for others; name the rule",
               r->name, (unsigned long long)p->index + 1);
        return BASIN_EINVAL;
    }
    FILE *rec = u->files[F_RECORDS].f;
    if (u->layout < 0) {
        u->layout = overlap;
        u->diffusion = (p->layout & RECORDS_DIFFUSION) != 0;
        u->cosine = (p->layout & RECORDS_COSINE) != 0;
        records_header(rec, r,
                       (u->layout ? RECORDS_OVERLAP : 0) |
                           (u->diffusion ? RECORDS_DIFFUSION : 0) |
                           (u->cosine ? RECORDS_COSINE : 0));
    } else if (u->cosine != ((p->layout & RECORDS_COSINE) != 0)) {
        errmsg(err, n_err,
               "%s: job %llu: measure.rule sweeps the cosine rule with another: "
               "records.csv has one set of columns; run them separately",
               r->name, (unsigned long long)p->index + 1);
        return BASIN_EINVAL;
    }
    fwrite(p->records.text, 1, (size_t)p->records.n, rec);
    point_stats *st = &u->stats[p->point];
    recipe_values(r, RECIPE_MEASURE, (size_t)p->point, u->values);
    referee_batch b = job_part_batch(p);
    if (referee_count(&b, p->cls, u->values, st)) {
        errmsg(err, n_err, "%s: job %llu: out of memory for the collapse times", r->name,
               (unsigned long long)p->index + 1);
        return BASIN_ENOMEM;
    }
    referee_count_theory(st, p->t_theory, p->t_speciation,
                         (collapse_basis)p->theory_basis);
    referee_count_clones(st, p->n_clones, p->clone_same, p->clone_n, p->clone_time,
                         p->clone_time_ou);
    referee_count_clone_classes(st, p->n_clones, p->clone_same_class, p->clone_labeled);
    if (u->landscape) {
        landscape_result land = job_part_landscape(p);
        referee_count_landscape(st, &land);
        fwrite(p->attractors.text, 1, (size_t)p->attractors.n, u->files[F_ATTRACTORS].f);
    }
    if (p->minima_patterns) { /* landscape.enumerate */
        summary_minima *m = &u->minima[p->point];
        m->jobs++;
        m->minima += p->minima;
        m->stored += p->minima_stored;
        m->novel += p->minima_novel;
        m->examined += p->minima_examined;
        m->subsets += ldexp(1.0, (int)p->minima_patterns);
        m->stored_fraction += (double)p->minima_stored / (double)p->minima_patterns;
        if (!isnan(p->covered)) {
            m->covered_jobs++;
            m->covered += p->covered;
            m->covered_var += p->covered_se * p->covered_se;
        }
        int rc = open_with_header(u, F_MINIMA, err, n_err);
        if (rc)
            return rc;
        fwrite(p->minima_rows.text, 1, (size_t)p->minima_rows.n, u->files[F_MINIMA].f);
    }
    if (p->has_spurious) { /* spurious.csv: every job of rule pham, clusters or not */
        int rc = open_with_header(u, F_SPURIOUS, err, n_err);
        if (rc)
            return rc;
        fwrite(p->spurious_rows.text, 1, (size_t)p->spurious_rows.n,
               u->files[F_SPURIOUS].f);
    }
    if (p->training.n) {
        int rc = open_with_header(u, F_TRAINING, err, n_err);
        if (rc)
            return rc;
        fwrite(p->training.text, 1, (size_t)p->training.n, u->files[F_TRAINING].f);
    }
    if (p->compare.n) {
        int rc = open_with_header(u, F_COMPARE, err, n_err);
        if (rc)
            return rc;
        fwrite(p->compare.text, 1, (size_t)p->compare.n, u->files[F_COMPARE].f);
        u->compare_r2[p->index] = p->compare_r2;
    }
    st->seconds += p->seconds;
    if (u->write_samples) {
        char why[1024];
        int rc = samples_append(u->samples, &u->folder, p->states, p->states ? p->n : 0,
                                p->dim, why, sizeof why);
        if (rc == BASIN_EINVAL)
            errmsg(err, n_err, "%s: job %llu: output: %s", r->name,
                   (unsigned long long)p->index + 1, why);
        else if (rc)
            errmsg(err, n_err, "%s", why);
        if (rc)
            return rc;
    }
    if (ferror(rec)) {
        /* Flushing again brings back the cause (a full disk: ENOSPC). */
        int cause = fflush(rec) != 0 ? errno : EIO;
        errmsg(err, n_err, "cannot write %s: %s", results_shown(&u->files[F_RECORDS]),
               strerror(cause));
        return BASIN_EWRITE;
    }
    return BASIN_OK;
}

/* Commit a finished job's part and hand it back decoded (*out, owned), as a
   resumed run reads it. */
static int commit_job(run *u, job *j, double started, job_part *out, char *err,
                      size_t n_err)
{
    if (u->layout >= 0 && u->layout != (j->overlap != NULL)) {
        job_error(j, "measure",
                  "measure.rule = \"auto\" resolves to overlap "
                  "for some jobs and to pham for others; name the rule",
                  err, n_err);
        return BASIN_EINVAL;
    }
    if (j->host.metrics_lost)
        fprintf(stderr,
                "basin: %s: job %llu: out of memory for training "
                "metrics; training.csv misses some points\n",
                u->r->name, (unsigned long long)j->index + 1);
    job_part p;
    int rc = part_of_job(u, j, clock_seconds() - started, &p);
    uint8_t *bytes = NULL;
    size_t n = 0;
    if (rc)
        errmsg(err, n_err, "out of memory");
    else
        rc = job_part_encode(&p, &bytes, &n, err, n_err);
    free_part_texts(&p);
    if (!rc)
        rc = job_part_write(u->jobs, j->index, bytes, n, err, n_err);
    if (!rc && u->assemble)
        rc = job_part_decode(bytes, n, out, err, n_err);
    free(bytes);
    return rc;
}

/* Run job `index` and commit its part (*out: decoded, when assembling). */
static int run_job(run *u, uint64_t index, job_part *out, char *err, size_t n_err)
{
    const recipe *r = u->r;
    job j;
    memset(&j, 0, sizeof j);
    j.r = r;
    j.point = (size_t)(index / r->repeats);
    j.repeat = (uint32_t)(index % r->repeats);
    j.index = index;
    char label[48];
    snprintf(label, sizeof label, "job %llu/%llu", (unsigned long long)index + 1,
             (unsigned long long)u->n_jobs);
    host_job_init(&j.host, recipe_job_seed(r, index), u->bar, label, u->o->verbose);
    double started = clock_seconds();
    int rc;
    j.values = calloc(u->most_values, sizeof *j.values);
    if (!j.values) {
        errmsg(err, n_err, "out of memory");
        rc = BASIN_ENOMEM;
    } else {
        rc = job_run(&j, u->o->threads, err, n_err);
    }
    if (rc && host_cancel_requested()) {
        errmsg(err, n_err,
               "interrupted during job %llu of %llu; %s keeps the %llu finished "
               "job%s (rerun to resume)",
               (unsigned long long)index + 1, (unsigned long long)u->n_jobs, u->dir,
               (unsigned long long)(u->ran + u->resumed),
               u->ran + u->resumed == 1 ? "" : "s");
        rc = BASIN_ECANCELED;
    }
    if (!rc)
        rc = commit_job(u, &j, started, out, err, n_err);
    job_free(&j);
    host_job_destroy(&j.host);
    return rc;
}

/* Job `index`: its part when the folder holds it, else run it; then, when
   assembling, add it to the run-level files. */
static int do_job(run *u, uint64_t index, char *err, size_t n_err)
{
    char path[PATH_MAX + 40], why[1024];
    job_part_path(u->jobs, index, path, sizeof path);
    job_part p;
    memset(&p, 0, sizeof p);
    int rc = job_part_read(path, index, &p, why, sizeof why);
    int missing = rc == BASIN_EIO && errno == ENOENT;
    if (rc == BASIN_OK) {
        u->resumed++;
        progress_add(u->bar, job_probes(u, index));
    } else if (u->o->merge || rc == BASIN_ENOMEM) {
        errmsg(err, n_err, "%s", why);
        return rc;
    } else {
        if (!missing)
            fprintf(stderr, "basin: %s; running job %llu again\n", why,
                    (unsigned long long)index + 1);
        rc = run_job(u, index, &p, err, n_err);
        if (rc)
            return rc;
        u->ran++;
    }
    if (u->assemble)
        rc = keep_part(u, &p, err, n_err);
    job_part_free(&p);
    if (!rc)
        progress_job_done(u->bar, u->ran + u->resumed, u->n_mine);
    return rc;
}

/* A shard's end: its run.toml (which `basin merge` copies) and its manifest. */
static int finish_shard(run *u, char *err, size_t n_err)
{
    run_manifest m = {.of = u->o->shards,
                      .shard = u->o->shard,
                      .n_total = u->n_jobs,
                      .threads = u->o->threads};
    char *identity = run_dir_identity(u->r);
    results_file f;
    memset(&f, 0, sizeof f);
    int rc = identity ? BASIN_OK : BASIN_ENOMEM;
    if (!rc) {
        m.hash = run_dir_hash(identity);
        rc = results_open(&f, u->dir, "run.toml", err, n_err) ? BASIN_EWRITE : BASIN_OK;
    }
    if (!rc && run_toml_write(f.f, u->r, u->o->threads, NULL)) {
        results_abandon(&f);
        rc = BASIN_ENOMEM;
    }
    if (!rc && results_commit(&f, err, n_err))
        rc = BASIN_EWRITE;
    uint64_t n = u->n_jobs / u->o->shards + 1;
    if (!rc && !(m.jobs = calloc(n, sizeof *m.jobs)))
        rc = BASIN_ENOMEM;
    for (uint64_t j = 0; !rc && j < u->n_jobs; j++)
        if (mine(u, j))
            m.jobs[m.n_jobs++] = j;
    if (!rc)
        rc = run_manifest_write(u->dir, &m, err, n_err);
    if (rc == BASIN_ENOMEM)
        errmsg(err, n_err, "out of memory");
    free(m.jobs);
    free(identity);
    if (!rc && !u->o->quiet)
        printf("basin: shard %u/%u of %s: %llu job%s in %s (%llu run now); join the "
               "shards with `basin merge`\n",
               u->o->shard, u->o->shards, u->r->name, (unsigned long long)m.n_jobs,
               m.n_jobs == 1 ? "" : "s", u->dir, (unsigned long long)u->ran);
    return rc;
}

/* The per-point files, then every file into the new set and the set swapped in
   for the old one; the printed summary. */
static int finish(run *u, double run_started, char *err, size_t n_err)
{
    const recipe *r = u->r;
    double confidence = recipe_core_value(r, RECIPE_MEASURE, 0, "confidence").number;
    int columns = u->layout == 0 ? SUMMARY_DISTANCE : 0;
    if (columns && u->diffusion)
        columns |= SUMMARY_DIFFUSION;
    /* [compare]: per point, the median over its jobs of their median r². */
    double *r2 = NULL;
    if (r->sections[RECIPE_COMPARE].plugin_id &&
        (r2 = calloc(r->n_points, sizeof *r2)) != NULL)
        for (size_t pt = 0; pt < r->n_points; pt++)
            r2[pt] =
                compare_median(u->compare_r2 + pt * r->repeats, r->repeats, NULL, NULL);
    summary_write(u->files[F_SUMMARY].f, r, u->stats, confidence, u->coords, columns,
                  u->landscape, u->enumerate ? u->minima : NULL, r2);
    free(r2);
    int rc = u->o->run_toml
                 ? run_toml_merged(u->files[F_RUN].f, u->o->run_toml, r, u->stats)
                 : run_toml_write(u->files[F_RUN].f, r, u->o->threads, u->stats);
    if (rc) {
        errmsg(err, n_err, "out of memory while writing run.toml");
        return BASIN_ENOMEM;
    }
    if (u->most_clones)
        clones_write(u->files[F_COLLAPSE].f, r, u->stats, u->most_clones, confidence,
                     u->coords);
    for (int k = 0; k < N_FILES; k++)
        if (u->open[k] && results_commit(&u->files[k], err, n_err))
            return BASIN_EWRITE;
    rc = samples_commit(u->samples, &u->folder, err, n_err);
    /* The new set takes the parts too (hard links), so that the folder holds
       them at every moment of the swap. */
    char into[PATH_MAX + 8];
    snprintf(into, sizeof into, "%s/%s", u->folder.tmp, RUN_DIR_JOBS);
    if (!rc)
        rc = run_dir_link_jobs(u->jobs, into, err, n_err);
    if (!rc)
        rc = results_folder_commit(&u->folder, err, n_err);
    if (!rc)
        summary_warn(r, u->stats);
    if (!rc && !u->o->quiet && u->o->json)
        summary_print_json(r, u->stats, confidence, u->folder.final,
                           clock_seconds() - run_started);
    else if (!rc && !u->o->quiet)
        summary_print(r, u->stats, confidence, u->folder.final,
                      clock_seconds() - run_started);
    return rc;
}

/* Abandon what was not committed: the new set's folder goes, the old one stays. */
static void close_run(run *u)
{
    for (int k = 0; k < N_FILES; k++)
        results_abandon(&u->files[k]);
    if (u->samples)
        samples_abandon(u->samples);
    free(u->samples);
    results_folder_abandon(&u->folder);
    for (size_t p = 0; u->stats && p < u->r->n_points; p++)
        referee_stats_free(&u->stats[p]);
    free(u->stats);
    free(u->minima);
    free(u->compare_r2);
    free(u->coords);
    free(u->values);
}

/* "basin: DIR: resuming with K of N jobs already done" when the folder holds
   some of this run's parts. */
static void say_resumed(const run *u)
{
    uint64_t kept = 0, total = 0;
    for (uint64_t j = 0; j < u->n_jobs; j++) {
        if (!mine(u, j))
            continue;
        char path[PATH_MAX + 40];
        struct stat st;
        job_part_path(u->jobs, j, path, sizeof path);
        total++;
        kept += lstat(path, &st) == 0;
    }
    if (kept)
        fprintf(stderr, "basin: %s: resuming with %llu of %llu jobs already done\n",
                u->dir, (unsigned long long)kept, (unsigned long long)total);
}

int pipeline_run(const recipe *r, const pipeline_options *o, char *err, size_t n_err)
{
    run u;
    memset(&u, 0, sizeof u);
    u.r = r;
    u.o = o;
    plan(&u);
    int rc = start(&u, err, n_err);
    if (!rc && !o->quiet && !o->merge)
        say_resumed(&u);
    if (!rc) {
        u.bar = progress_new(u.total_probes, o->progress);
        double run_started = clock_seconds();
        for (uint64_t index = 0; index < u.n_jobs && !rc; index++)
            if (mine(&u, index))
                rc = do_job(&u, index, err, n_err);
        progress_free(u.bar);
        if (!rc && u.assemble)
            rc = finish(&u, run_started, err, n_err);
        else if (!rc)
            rc = finish_shard(&u, err, n_err);
    }
    if (rc && u.jobs[0])
        run_dir_abandon(u.dir, u.created, u.aside);
    close_run(&u);
    return rc;
}
