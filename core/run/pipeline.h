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
 * Determinism: a job's random numbers are keyed by (job seed, role, probe, step)
 * and probes are cut into fixed blocks whatever the thread count, so the same
 * recipe and seed give byte-identical records.csv and summary.csv (but for the
 * wall-clock `seconds` column) with any --threads.
 */
#ifndef BASIN_PIPELINE_H
#define BASIN_PIPELINE_H

#include "recipe/recipe.h"

typedef struct pipeline_options {
    const char *out_dir; /* NULL: results/<recipe name> */
    unsigned threads;    /* worker threads, >= 1 */
    int progress;        /* draw a progress bar on stderr */
    int quiet;           /* do not print the summary table */
    int verbose;         /* 0 warnings, 1 info, 2 debug logs */
} pipeline_options;

/*
 * Run every job of r. Returns BASIN_OK, or a status with a one-line message in
 * err: BASIN_EINVAL when the results folder's place takes no results (a
 * symbolic link, a folder basin did not write), BASIN_EIO when the output
 * folder cannot be created or written, the
 * status of a job (a plugin's own status, BASIN_EINVAL for a recipe a job cannot
 * run, BASIN_ENOMEM), BASIN_ECANCELED when interrupted, BASIN_EWRITE when a
 * result cannot be written after the run began.
 */
int pipeline_run(const recipe *r, const pipeline_options *o, char *err, size_t n_err);

/* The results folder of a run: o->out_dir, or results/<recipe name>. */
void pipeline_out_dir(const recipe *r, const pipeline_options *o, char *dir, size_t n);

#endif
