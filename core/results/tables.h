/*
 * report — the files of a results folder and the summary printed at the end
 * (README.md, "Results"): records.csv (a row per final state), summary.csv (a row
 * per sweep point), collapse.csv (φ_C), attractors.csv, training.csv (training
 * curves), run.toml and samples.npy.
 * The pipeline opens and commits the files atomically (results.h); these write
 * their contents.
 */
#ifndef BASIN_REPORT_H
#define BASIN_REPORT_H

#include <stdio.h>

#include "run/job.h"
#include "results/atomic_file.h"

/* records.csv: the overlap layout for ±1 memories, the distance layout for
   real-valued states. */
/* A real as a CSV field: "%.9g" (enough for a float), "nan" for NaN. */
void report_csv_real(FILE *f, double x);

void report_records_header(FILE *f, const recipe *r, int overlap);
/* A job's rows; accumulates its point's statistics. measure: the [measure] values. */
void report_records(FILE *f, const job *j, const basin_value *measure, size_t *coords,
                    point_stats *stats);
/* attractors.csv: the analyzed attractors of every job. */
void report_attractors_header(FILE *f, const recipe *r);
void report_attractors(FILE *f, const job *j, size_t *coords, point_stats *st);
/* training.csv: a row per training-curve point a plugin reported through
   basin_host.metric (job, point, repeat, the swept values, name, step, value). */
void report_training_header(FILE *f, const recipe *r);
void report_training(FILE *f, const job *j, size_t *coords);
/* summary.csv: a row per sweep point. */
void report_summary(FILE *f, const recipe *r, const point_stats *stats, double confidence,
                    size_t *coords, int distance, int landscape);
/* collapse.csv: φ_C(t) per sweep point and clone time. */
void report_clones(FILE *f, const recipe *r, const point_stats *stats, uint32_t n_clones,
                   double confidence, size_t *coords);
/* The table printed at the end of a run. */
void report_print(const recipe *r, const point_stats *stats, double confidence,
                  const char *out_dir, double seconds);
/* run.toml: the resolved recipe, versions and every job's seed. */
void report_run_toml(FILE *f, const recipe *r, const pipeline_options *o);

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

/* Append a job's final states to the file of its dimension. Returns 0 or an exit
   status. */
int report_samples_append(sample_files *sf, const char *dir, const job *j, char *err,
                          size_t n_err);
/* Write the final headers (a single file is named samples.npy), remove an earlier
   run's samples files that this run did not replace, and commit. */
int report_samples_commit(sample_files *sf, const char *dir, char *err, size_t n_err);

#endif
