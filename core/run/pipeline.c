#include "run/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/host.h"
#include "run/job.h"
#include "base/progress.h"
#include "results/tables.h"
#include "results/atomic_file.h"
#include "base/rng.h"
#include "base/clock.h"

/* ------------------------------------------------------------- the run */

enum { FILE_RECORDS, FILE_SUMMARY, FILE_RUN, N_FILES };
static const char *const FILE_NAMES[N_FILES] = {"records.csv", "summary.csv", "run.toml"};

void pipeline_out_dir(const recipe *r, const pipeline_options *o, char *dir, size_t n)
{
    if (o->out_dir)
        snprintf(dir, n, "%s", o->out_dir);
    else
        snprintf(dir, n, "results/%s", r->name);
}

int pipeline_run(const recipe *r, const pipeline_options *o, char *err, size_t n_err)
{
    char dir[4096];
    pipeline_out_dir(r, o, dir, sizeof dir);
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
        total_probes +=
            (uint64_t)recipe_core_value(r, RECIPE_INIT, p, "count").number * r->repeats;

    /* collapse.csv when any point clones trajectories. */
    uint32_t most_clones = 0;
    for (size_t p = 0; p < r->n_points; p++) {
        uint32_t c = (uint32_t)recipe_core_value(r, RECIPE_MEASURE, p, "clones").number;
        most_clones = c > most_clones ? c : most_clones;
        total_probes += (uint64_t)recipe_core_value(r, RECIPE_INIT, p, "count").number *
                        r->repeats * c;
        if (recipe_core_value(r, RECIPE_MEASURE, p, "disjoint").number)
            total_probes +=
                (uint64_t)recipe_core_value(r, RECIPE_INIT, p, "count").number *
                r->repeats;
    }
    results_file clones_file;
    memset(&clones_file, 0, sizeof clones_file);
    if (!status && most_clones &&
        results_open(&clones_file, dir, "collapse.csv", err, n_err))
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
            report_attractors_header(attractors_file.f, r);
    }

    /* training.csv, opened when the first job reports training metrics. */
    results_file training_file;
    memset(&training_file, 0, sizeof training_file);
    int training = 0;

    FILE *rec = files[FILE_RECORDS].f;
    int layout = -1; /* records.csv: 1 overlap, 0 distance; set by the first job */
    progress *bar = status ? NULL : progress_new(total_probes, o->progress);
    double run_started = clock_seconds();
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
        double started = clock_seconds();
        j.values = calloc(most, sizeof *j.values);
        if (!j.values) {
            snprintf(err, n_err, "out of memory");
            status = 1;
        } else {
            status = job_run(&j, o, err, n_err);
        }
        if (status && host_cancel_requested()) {
            snprintf(err, n_err,
                     "interrupted during job %llu of %llu; %s was left as "
                     "it was",
                     (unsigned long long)index + 1, (unsigned long long)n_jobs, dir);
            status = 1;
        }
        if (!status && layout >= 0 && layout != (j.overlap != NULL)) {
            job_error(&j, "measure",
                      "measure.rule = \"auto\" resolves to overlap "
                      "for some jobs and to pham for others; name the rule",
                      err, n_err);
            status = 2;
        }
        if (!status) {
            if (layout < 0)
                report_records_header(rec, r, layout = j.overlap != NULL);
            recipe_values(r, RECIPE_MEASURE, j.point, j.values);
            report_records(rec, &j, j.values, coords, &stats[j.point]);
            if (landscape)
                report_attractors(attractors_file.f, &j, coords, &stats[j.point]);
            if (j.host.n_metrics && !training) {
                if (results_open(&training_file, dir, "training.csv", err, n_err))
                    status = 2;
                else
                    report_training_header(training_file.f, r);
                training = !status;
            }
            if (!status && j.host.n_metrics)
                report_training(training_file.f, &j, coords);
            if (!status && j.host.metrics_lost)
                fprintf(stderr,
                        "basin: %s: job %llu: out of memory for training "
                        "metrics; training.csv misses some points\n",
                        r->name, (unsigned long long)index + 1);
            stats[j.point].seconds += clock_seconds() - started;
            if (write_samples)
                status = report_samples_append(samples, dir, &j, err, n_err);
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
        report_summary(files[FILE_SUMMARY].f, r, stats, confidence, coords, layout == 0,
                       landscape);
        report_run_toml(files[FILE_RUN].f, r, o);
        if (most_clones)
            report_clones(clones_file.f, r, stats, most_clones, confidence, coords);
        for (int i = 0; i < N_FILES && !status; i++)
            if (results_commit(&files[i], err, n_err))
                status = 1;
        if (!status && most_clones && results_commit(&clones_file, err, n_err))
            status = 1;
        if (!status && landscape && results_commit(&attractors_file, err, n_err))
            status = 1;
        if (!status && training && results_commit(&training_file, err, n_err))
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
        if (!status && !training) {
            snprintf(stale, sizeof stale, "%s/training.csv", dir);
            unlink(stale);
        }
        if (!status)
            status = report_samples_commit(samples, dir, err, n_err);
        if (!status && !o->quiet)
            report_print(r, stats, confidence, dir, clock_seconds() - run_started);
    }
    for (int i = 0; i < N_FILES; i++)
        results_abandon(&files[i]);
    results_abandon(&clones_file);
    results_abandon(&attractors_file);
    results_abandon(&training_file);
    for (size_t k = 0; samples && k < samples->n; k++)
        results_abandon(&samples->file[k]);
    free(samples);
    if (status && !dir_existed)
        rmdir(dir); /* only succeeds while it is empty */
    free(stats);
    free(coords);
    return status;
}
