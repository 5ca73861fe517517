/*
 * report_samples — samples.png of a report: for image data (the dataset gives
 * height × width × channels, or a datasets/npy row is a square), generated
 * samples of one job beside the training image nearest to each, re-read by
 * recreating the job's dataset from run.toml (same plugin, parameters and job
 * seed). Spurious samples are grouped by attractor: samples of the job within
 * measure.delta_s of each other (‖x − y‖/√N, the distance the pham rule uses)
 * share a group. samples-grid.csv beside the image gives every tile's position,
 * record, class, group, nearest training index and d_m, and the value map.
 */
#ifndef BASIN_REPORT_SAMPLES_H
#define BASIN_REPORT_SAMPLES_H

#include <stddef.h>

#include "report/csv_table.h"
#include "report/figures.h"
#include "recipe/recipe.h"

/* Samples in samples.npy: a rows × dim float32 matrix (report_samples_open). */
typedef struct sample_rows {
    const char *path;
    unsigned long long rows, dim;
    unsigned long long data_offset; /* bytes before the data */
} sample_rows;

/* Check path's .npy header with npy_open (npy.h: C order, a size matching the
   shape) and that it holds float32. 0, or BASIN_EINVAL with a one-line message
   naming the file. */
int report_samples_open(const char *path, sample_rows *s, char *err, size_t n_err);

/*
 * Draw samples.png and samples-grid.csv into dir: job `job` of records.csv (a job
 * it has), or with job < 0 the job with the most classes, then the most spurious
 * samples. Returns BASIN_OK with
 * fig->present 0 when the run has no image samples (nothing written) or 1 when the
 * figure was made or skipped (reason in fig->skipped), or a negative status with a
 * message: BASIN_EWRITE when a file cannot be written, BASIN_ENOMEM.
 */
int report_samples_grid(const recipe *r, const csv_table *records,
                        const sample_rows *samples, const axis_labels *labels, double job,
                        const char *dir, report_figure *fig, char *err, size_t n_err);

/* scatter.svg/.png/.pdf (figures_scatter) when samples.npy rows have 2 values:
   job `job` (as report_samples_grid picks it), its samples by class over the
   training points of its recreated dataset (the first 20000). fig->present 0
   when the data are not 2-D; fig->skipped when the dataset cannot be recreated
   or gnuplot failed; a negative status on a write error or BASIN_ENOMEM. */
int report_samples_scatter(const recipe *r, const csv_table *records,
                           const sample_rows *samples, const axis_labels *labels,
                           double job, const char *dir, const char *gnuplot,
                           report_figure *fig, char *err, size_t n_err);

/* The words a caption names job `job` of records.csv by: "Job 7 (training set
   size K = 100, end time t_min = 0.3)", the repeat too when the run has several;
   into buf (n bytes). */
void report_job_words(const recipe *r, const axis_labels *labels, const csv_table *rec,
                      double job, char *buf, size_t n);

#endif
