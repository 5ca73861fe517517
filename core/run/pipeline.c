#include "run/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "results/clones.h"
#include "results/clusters.h"
#include "results/folder.h"
#include "results/records.h"
#include "results/run_toml.h"
#include "results/samples.h"
#include "results/summary.h"
#include "results/training.h"
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
    N_FILES
};
static const char *const FILE_NAMES[N_FILES] = {
    "records.csv",    "summary.csv",  "run.toml",    "collapse.csv",
    "attractors.csv", "training.csv", "spurious.csv"};

/* One run: its plan, its open files and what its jobs leave. */
typedef struct run {
    const recipe *r;
    const pipeline_options *o;
    results_folder folder; /* the new set is built in folder.tmp */

    uint64_t n_jobs;
    uint64_t total_probes; /* sampler runs of every state: the progress bar */
    uint32_t most_clones;  /* collapse.csv when any point clones */
    int landscape;         /* attractors.csv when any point groups attractors */
    int write_samples;     /* output.samples */
    size_t most_values;    /* the longest parameter table: a job's scratch */

    results_file files[N_FILES];
    int open[N_FILES];
    samples_out *samples;
    point_stats *stats; /* per sweep point */
    size_t *coords;
    int layout;    /* records.csv: 1 overlap, 0 distance; -1 before the first job */
    int diffusion; /* a score model: records.csv and summary.csv add its columns */
    progress *bar;
} run;

void pipeline_out_dir(const recipe *r, const pipeline_options *o, char *dir, size_t n)
{
    if (o->out_dir)
        snprintf(dir, n, "%s", o->out_dir);
    else
        snprintf(dir, n, "results/%s", r->name);
}

/* What the recipe asks for: jobs, probes, clones, landscape, samples. */
static void plan(run *u)
{
    const recipe *r = u->r;
    u->n_jobs = (uint64_t)r->n_points * r->repeats;
    u->write_samples = recipe_core_value(r, RECIPE_OUTPUT, 0, "samples").number != 0;
    for (size_t p = 0; p < r->n_points; p++) {
        uint64_t count =
            (uint64_t)recipe_core_value(r, RECIPE_INIT, p, "count").number * r->repeats;
        uint32_t c = (uint32_t)recipe_core_value(r, RECIPE_MEASURE, p, "clones").number;
        u->most_clones = c > u->most_clones ? c : u->most_clones;
        int disjoint = recipe_core_value(r, RECIPE_MEASURE, p, "disjoint").number != 0;
        u->total_probes += count * (1 + c + (uint64_t)disjoint);
        u->landscape |=
            recipe_core_value(r, RECIPE_LANDSCAPE, p, "attractors").number != 0;
    }
    u->most_values = 1;
    for (int s = 0; s < RECIPE_N_SECTIONS; s++)
        if (r->sections[s].n_params > u->most_values)
            u->most_values = r->sections[s].n_params;
    u->layout = -1;
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
    char dir[4096];
    pipeline_out_dir(u->r, u->o, dir, sizeof dir);
    int rc = results_folder_begin(&u->folder, dir, err, n_err);
    if (rc)
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
    u->coords = calloc(u->r->n_axes + 1, sizeof *u->coords);
    if (!u->stats || !u->coords) {
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

/* training.csv, opened when the first job reports training metrics. */
static int write_training(run *u, const job *j, const csv_job *id, char *err,
                          size_t n_err)
{
    if (!j->host.n_metrics)
        return BASIN_OK;
    if (!u->open[F_TRAINING]) {
        int rc = open_file(u, F_TRAINING, err, n_err);
        if (rc)
            return rc;
        training_header(u->files[F_TRAINING].f, u->r);
    }
    training_write(u->files[F_TRAINING].f, id, j->host.metrics, j->host.n_metrics,
                   u->coords);
    if (j->host.metrics_lost)
        fprintf(stderr,
                "basin: %s: job %llu: out of memory for training "
                "metrics; training.csv misses some points\n",
                u->r->name, (unsigned long long)j->index + 1);
    return BASIN_OK;
}

/* A job's spurious clusters in spurious.csv, opened at the first job of rule
   pham. */
static int write_clusters(run *u, const job *j, const csv_job *id, char *err,
                          size_t n_err)
{
    if (j->rule != MEASURE_PHAM)
        return BASIN_OK;
    if (!u->open[F_SPURIOUS]) {
        int rc = open_file(u, F_SPURIOUS, err, n_err);
        if (rc)
            return rc;
        clusters_header(u->files[F_SPURIOUS].f, u->r);
    }
    clusters_write(u->files[F_SPURIOUS].f, id, &j->spurious, j->dist, u->coords);
    return BASIN_OK;
}

/* A job's final states in records.csv. */
static void write_records(run *u, const job *j, const csv_job *id)
{
    records_batch b = {.job = *id,
                       .n = j->count,
                       .first_sample = 0,
                       .cls = j->cls,
                       .start = j->start,
                       .outcome = j->outcome,
                       .energy = j->energy,
                       .overlap = j->overlap,
                       .dist = j->dist,
                       .d_law = j->d_law,
                       .t_col = j->traj.t_col,
                       .t_col_ou = j->traj.t_col_ou,
                       .d_pair = j->d_pair,
                       .cos_pair = j->cos_pair,
                       .diffusion = j->sc != NULL,
                       .before = j->traj.before,
                       .t_near = j->traj.t_near,
                       .t_near_ou = j->traj.t_near_ou,
                       .t_first = j->traj.t_first,
                       .t_first_ou = j->traj.t_first_ou,
                       .cluster = j->spurious.cluster};
    FILE *rec = u->files[F_RECORDS].f;
    if (u->layout < 0) {
        u->layout = j->overlap != NULL;
        u->diffusion = j->sc != NULL;
        records_header(rec, u->r,
                       (u->layout ? RECORDS_OVERLAP : 0) |
                           (u->diffusion ? RECORDS_DIFFUSION : 0));
    }
    records_write(rec, &b, u->coords);
}

/* Keep what a finished job leaves: its point's tally (the referee's counts), its
   rows and its samples. */
static int keep_job(run *u, job *j, double started, char *err, size_t n_err)
{
    if (u->layout >= 0 && u->layout != (j->overlap != NULL)) {
        job_error(j, "measure",
                  "measure.rule = \"auto\" resolves to overlap "
                  "for some jobs and to pham for others; name the rule",
                  err, n_err);
        return BASIN_EINVAL;
    }
    point_stats *st = &u->stats[j->point];
    csv_job id = {.r = u->r, .index = j->index, .point = j->point, .repeat = j->repeat};
    write_records(u, j, &id);
    recipe_values(u->r, RECIPE_MEASURE, j->point, j->values);
    referee_batch b = job_batch(j);
    if (referee_count(&b, j->cls, j->values, st)) {
        job_error(j, "measure", "out of memory for the collapse times", err, n_err);
        return BASIN_ENOMEM;
    }
    referee_count_theory(st, j->theory.t_collapse, j->theory.t_speciation,
                         j->theory.basis);
    referee_count_clones(st, j->traj.n_clones, j->traj.clone_same, j->traj.clone_n,
                         j->traj.clone_time, j->traj.clone_time_ou);
    if (u->landscape) {
        referee_count_landscape(st, &j->land);
        attractors_write(u->files[F_ATTRACTORS].f, &id, &j->land, u->coords);
    }
    int rc = write_training(u, j, &id, err, n_err);
    if (!rc)
        rc = write_clusters(u, j, &id, err, n_err);
    if (rc)
        return rc;
    st->seconds += clock_seconds() - started;
    if (u->write_samples) {
        char why[1024];
        rc = samples_append(u->samples, &u->folder, j->states, j->count, j->info.dim, why,
                            sizeof why);
        if (rc == BASIN_EINVAL)
            job_error(j, "output", why, err, n_err);
        else if (rc)
            errmsg(err, n_err, "%s", why);
        if (rc)
            return rc;
    }
    if (ferror(u->files[F_RECORDS].f)) {
        /* Flushing again brings back the cause (a full disk: ENOSPC). */
        int cause = fflush(u->files[F_RECORDS].f) != 0 ? errno : EIO;
        errmsg(err, n_err, "cannot write %s: %s", results_shown(&u->files[F_RECORDS]),
               strerror(cause));
        return BASIN_EWRITE;
    }
    return BASIN_OK;
}

/* Run job `index` and keep what it leaves. */
static int run_job(run *u, uint64_t index, char *err, size_t n_err)
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
    host_job_init(&j.host, rng_job_seed(r->seed, index), u->bar, label, u->o->verbose);
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
        errmsg(err, n_err, "interrupted during job %llu of %llu; %s was left as it was",
               (unsigned long long)index + 1, (unsigned long long)u->n_jobs,
               u->folder.final);
        rc = BASIN_ECANCELED;
    }
    if (!rc)
        rc = keep_job(u, &j, started, err, n_err);
    job_free(&j);
    host_job_destroy(&j.host);
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
    summary_write(u->files[F_SUMMARY].f, r, u->stats, confidence, u->coords, columns,
                  u->landscape);
    if (run_toml_write(u->files[F_RUN].f, r, u->o->threads, u->stats)) {
        errmsg(err, n_err, "out of memory while writing run.toml");
        return BASIN_ENOMEM;
    }
    if (u->most_clones)
        clones_write(u->files[F_COLLAPSE].f, r, u->stats, u->most_clones, confidence,
                     u->coords);
    for (int k = 0; k < N_FILES; k++)
        if (u->open[k] && results_commit(&u->files[k], err, n_err))
            return BASIN_EWRITE;
    int rc = samples_commit(u->samples, &u->folder, err, n_err);
    if (!rc)
        rc = results_folder_commit(&u->folder, err, n_err);
    if (!rc)
        summary_warn(r, u->stats);
    if (!rc && !u->o->quiet)
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
    free(u->coords);
}

int pipeline_run(const recipe *r, const pipeline_options *o, char *err, size_t n_err)
{
    run u;
    memset(&u, 0, sizeof u);
    u.r = r;
    u.o = o;
    plan(&u);
    int rc = start(&u, err, n_err);
    if (!rc) {
        u.bar = progress_new(u.total_probes, o->progress);
        double run_started = clock_seconds();
        for (uint64_t index = 0; index < u.n_jobs && !rc; index++)
            rc = run_job(&u, index, err, n_err);
        progress_free(u.bar);
        if (!rc)
            rc = finish(&u, run_started, err, n_err);
    }
    close_run(&u);
    return rc;
}
