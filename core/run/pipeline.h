/*
 * pipeline — running a validated recipe: for each sweep point and repeat, one job
 *
 *   dataset ──train──► model.encode ──► init states ──► sampler.run (threads)
 *                                                          │ final states
 *   measures (overlaps or distances, classes, trajectories, landscape) ◄──┘
 *
 * (job.c runs one job, dynamics.c its sampler, trajectory.c follows score-model
 * trajectories, measure/referee.c judges the final states, results/ writes the
 * files) and the results folder: run.toml, summary.csv, records.csv,
 * samples.npy, collapse.csv and attractors.csv when asked for, built beside the
 * old folder and swapped in as one set when the whole run has succeeded
 * (results/folder.h).
 *
 * Durability: each finished job is committed at once as its part,
 * DIR/jobs/INDEX.part (results/job_part.h), and every run-level file is built
 * from the parts in job order, read back, whether the jobs ran now, in an
 * earlier run that was killed (resume: a job whose part is there does not run
 * again), or on other machines as shards (`basin merge`). The folder's
 * jobs/recipe.toml names the run the parts belong to (results/run_dir.h).
 *
 * Determinism: a job's random numbers are keyed by (job seed, role, probe, step)
 * and probes are cut into fixed blocks whatever the thread count, so the same
 * recipe and seed give byte-identical records.csv and summary.csv (but for the
 * wall-clock `seconds` column) with any --threads.
 */
#ifndef BASIN_PIPELINE_H
#define BASIN_PIPELINE_H

#include <stdint.h>

#include "recipe/recipe.h"

typedef struct pipeline_options {
    const char *out_dir; /* NULL: results/<recipe name> */
    unsigned threads;    /* worker threads, >= 1 */
    int progress;        /* PROGRESS_* (base/progress.h): a bar, log lines, none */
    int quiet;           /* do not print the summary table */
    int json;            /* print it as JSON (summary_print_json) */
    int verbose;         /* 0 warnings, 1 info, 2 debug logs */
    int fresh;           /* move a folder of another run aside (results/run_dir.h) */
    /* shards > 0: run only the jobs j with j mod shards = shard, into a shard
       folder (parts and shard.toml, no run-level files) */
    uint32_t shard, shards;
    /* `basin merge`: every part is there already (a missing one is an error, no
       job runs), and run.toml is this text as it is */
    int merge;
    const char *run_toml;
    const char *identity; /* merge: the shards' jobs/recipe.toml (NULL: the recipe's) */
} pipeline_options;

/*
 * Run every job of r. Returns BASIN_OK, or a status with a one-line message in
 * err: BASIN_EINVAL when the results folder's place takes no results (a
 * symbolic link, a folder basin did not write), BASIN_EIO when the output
 * folder cannot be created or written, the
 * status of a job (a plugin's own status, BASIN_EINVAL for a recipe a job cannot
 * run, BASIN_ENOMEM), BASIN_ECANCELED when interrupted, BASIN_EWRITE when a
 * result cannot be written after the run began. BASIN_EINVAL too when the folder
 * holds another run's jobs (run_dir_open), or, merging, a part is missing or
 * does not read.
 */
int pipeline_run(const recipe *r, const pipeline_options *o, char *err, size_t n_err);

/* The results folder of a run: o->out_dir, or results/<recipe name>; a shard's
   is that folder's name + ".shards/I-of-N" (I from 0). */
void pipeline_out_dir(const recipe *r, const pipeline_options *o, char *dir, size_t n);

#endif
