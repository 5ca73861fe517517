/*
 * figures — the plots of a report, drawn by gnuplot from a run's CSV files. Each
 * figure NAME leaves, in the folder it is drawn in, NAME.dat (the numbers, one
 * gnuplot data block per panel or curve), NAME.gp (the script: `gnuplot NAME.gp`
 * in that folder redraws both images) and, when gnuplot ran, NAME.svg and
 * NAME.png of the size recorded in the figure, and NAME.pdf (at 100 pixels to
 * the inch). Swept parameters are named by their labels (report/labels.h).
 *
 *   rates      memorized / spurious / generalized rates against the swept
 *              parameter, with their bootstrap bands; a panel per value of the
 *              other swept parameters (summary.csv)
 *   collapse   measured collapse time (± standard error) against P, beside the
 *              closed form t_C = ½ log(1 + σ²/(P^{2/d} − 1)) (summary.csv)
 *   phi        φ_C(t), the fraction of clones ending on the same training point,
 *              with bands, a curve per sweep point (collapse.csv)
 *   landscape  attractors per job, mean basin radius and mean smallest Hessian
 *              eigenvalue, by class (summary.csv, attractors.csv)
 *   pairs      the disjoint-sets test: mean d_pair and cos_pair against the swept
 *              parameter, with the median and quartiles over the samples
 *              (summary.csv, records.csv)
 *   distances  histograms of d_m and d_m/d_2 per sweep point (records.csv)
 *   scatter    for 2-D data, one job's samples by class over the training points
 *   training   the training metrics plugins reported (loss) against the step, a
 *              curve per job (training.csv)
 *   compare    [compare]'s r² against the model's outputs against time, along the
 *              trajectories and from noised held-out and training points, a curve
 *              per job and kind (compare.csv)
 *   memorization  with a train_step axis ([model] snapshots): the memorized
 *              fraction against the step and the step / n, the generalized rate
 *              against the step, a curve per other sweep point; writes
 *              memorization.csv (τ_mem, τ_gen per curve) and memorization_fit.csv
 *              (their power laws in dataset.count) beside it (summary.csv)
 */
#ifndef BASIN_FIGURES_H
#define BASIN_FIGURES_H

#include <stddef.h>
#include <stdint.h>

#include "report/csv_table.h"
#include "report/labels.h"

typedef struct report_figure {
    int present;            /* the run has this figure: its files were written */
    const char *name;       /* file stem: "rates" */
    const char *title;      /* a heading for the page */
    char caption[1400];     /* what it shows, for the page */
    uint32_t width, height; /* pixels of NAME.svg and NAME.png */
    int svg;                /* NAME.svg is drawn as well as NAME.png */
    int drawn;              /* the images exist */
    char skipped[512];      /* why not, when not drawn */
} report_figure;

/* The gnuplot to run, in buf: $BASIN_GNUPLOT when set (empty: none), else gnuplot
   on PATH, else the one found at build time. Returns buf, or NULL when none is an
   executable file; *why then says where it looked. */
const char *figures_gnuplot(char *buf, size_t n, char *why, size_t n_why);

/*
 * Each writes its figure's files into dir, and runs gnuplot there when gnuplot is
 * not NULL. Returns BASIN_OK with fig->present 0 when the run has no such figure
 * (nothing written) or 1 when the figure was written (fig->drawn, or fig->skipped
 * saying why gnuplot failed), or a negative status with a message: BASIN_EWRITE
 * when a file cannot be written, BASIN_ENOMEM.
 */
/* models: with a model axis ([[model]]) and a numeric one, a curve per model. */
int figures_models(const csv_table *summary, const axis_labels *labels, const char *dir,
                   const char *gnuplot, report_figure *fig, char *err, size_t n_err);
int figures_rates(const csv_table *summary, const axis_labels *labels, const char *dir,
                  const char *gnuplot, report_figure *fig, char *err, size_t n_err);
int figures_collapse(const csv_table *summary, const axis_labels *labels, const char *dir,
                     const char *gnuplot, report_figure *fig, char *err, size_t n_err);
int figures_phi(const csv_table *collapse, const axis_labels *labels, const char *dir,
                const char *gnuplot, report_figure *fig, char *err, size_t n_err);
int figures_landscape(const csv_table *summary, const csv_table *attractors,
                      const axis_labels *labels, const char *dir, const char *gnuplot,
                      report_figure *fig, char *err, size_t n_err);
int figures_pairs(const csv_table *summary, const csv_table *records,
                  const axis_labels *labels, const char *dir, const char *gnuplot,
                  report_figure *fig, char *err, size_t n_err);
/* training: a checked training.csv (job, point, repeat, the n_axes swept
   parameters, name, step, value; numbers where numbers belong). */
int figures_training(const csv_table *training, size_t n_axes, const axis_labels *labels,
                     const char *dir, const char *gnuplot, report_figure *fig, char *err,
                     size_t n_err);

/* distances: histograms of d_m and d_m/d_2 over each sweep point's samples
   (records.csv; the first 8 points), summary.csv's delta_m marked. */
int figures_distances(const csv_table *summary, const csv_table *records,
                      const axis_labels *labels, const char *dir, const char *gnuplot,
                      report_figure *fig, char *err, size_t n_err);

/* scatter: for 2-D data, one job's samples coloured by class (cls: measure_class,
   0 memorized ... 4 unconverged) over the training points. */
typedef struct scatter_data {
    const float *train; /* n_train points (x, y) */
    size_t n_train;
    size_t n_train_all;   /* the training set's size (n_train may show fewer) */
    const float *samples; /* n_samples points */
    const int *cls;
    size_t n_samples;
    const char *job_words; /* "Job 3 (training set size K = 100)" */
} scatter_data;
int figures_scatter(const scatter_data *S, const char *dir, const char *gnuplot,
                    report_figure *fig, char *err, size_t n_err);

/* compare: compare.csv (run/compare.h): job, kind, t, r2, r2_lo, r2_hi. */
int figures_compare(const csv_table *compare, const char *dir, const char *gnuplot,
                    report_figure *fig, char *err, size_t n_err);

/* memorization: τ_mem is the first snapshot whose memorized rate exceeds
   MEMORIZATION_LEVEL, τ_gen the first whose generalized rate exceeds
   GENERALIZATION_LEVEL (the referee's classes, measure/memorization.h). */
#define MEMORIZATION_LEVEL   0.1
#define GENERALIZATION_LEVEL 0.9
int figures_memorization(const csv_table *summary, const char *dir, const char *gnuplot,
                         report_figure *fig, char *err, size_t n_err);

/* The number of leading sweep-axis columns of a summary (those before
   memorized_rate). */
size_t figures_axis_columns(const csv_table *summary);

#endif
