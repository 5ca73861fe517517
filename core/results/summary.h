/*
 * summary — summary.csv, a row per sweep point (the rates of each class with
 * their intervals, referee_class_intervals: Wilson, hulled with a cluster
 * bootstrap over the point's jobs when it has several; off_support_rate nan
 * where the support is not judged), and the same table printed at the end of a
 * run. The distance layout adds the referee's calibration: support, quantile,
 * delta_m, delta_s, delta_h (means over the point's jobs), spurious_clusters
 * (per job) and spurious_cluster_size (mean members per cluster).
 * Without SUMMARY_DISTANCE (the overlap layout, binary memories) a row also has
 * the fractions of its samples labelled 3-mixture and 5-mixture
 * (measure_mixture_of), mixture3_rate and mixture5_rate with their intervals,
 * before the attractor counts.
 */
#ifndef BASIN_SUMMARY_H
#define BASIN_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "measure/referee.h"
#include "recipe/recipe.h"

/* The column groups of summary.csv past the rates (flags). */
enum {
    SUMMARY_DISTANCE = 1, /* the distance rules' columns (pham, ratio) */
    SUMMARY_DIFFUSION = 2 /* with them, a score model's: the collapse times'
                             medians, the nearest-point time and the first
                             passage, the memorized rates before the final
                             denoise */
};

/* A point's tally of landscape.enumerate's exact minima of energies/lsr
   (measure/lsr_minima.h), summed over its jobs. */
typedef struct summary_minima {
    uint64_t jobs;
    uint64_t minima, stored, novel, examined;
    double subsets;         /* Σ 2^M */
    double stored_fraction; /* Σ n_stored / M */
    /* The share of the domain inside some support (lsr_coverage): jobs that
       estimated it, Σ estimate, Σ squared standard error. */
    uint64_t covered_jobs;
    double covered, covered_var;
} summary_minima;

/* summary.csv from the points' tallies (r->n_points of them). columns: the
   SUMMARY_* groups; landscape adds the attractor counts; minima (r->n_points,
   or NULL: none) adds, as means over each point's jobs, minima, minima_stored
   (stored patterns that are minima: retrievable), minima_novel (minima of two
   or more patterns: emergent), stored_fraction (minima_stored / M),
   subsets_examined, subsets_total (2^M), covered (the mean over jobs of the
   Monte Carlo share of the domain cube inside some support) and covered_se
   (its Monte Carlo standard error, √(Σ se²)/jobs: the error of the estimate of
   those jobs' mean, not the spread between pattern draws); compare_r2
   (r->n_points, or NULL: none) adds compare_r2, [compare]'s median r²
   (run/compare.h: the median over the point's jobs of each job's median over its
   trajectories' states and steps); coords: scratch of r->n_axes + 1 entries. */
void summary_write(FILE *f, const recipe *r, const point_stats *stats, double confidence,
                   size_t *coords, int columns, int landscape,
                   const summary_minima *minima, const double *compare_r2);

/* One line on stderr ("basin: warning: measure.collapse: ...") for each thing
   that makes the measures read otherwise than they look: "auto" thresholds
   that fell back for want of a held-out split, a support not judged, a collapse
   time censored at the start or never reached at some point (the summary leaves
   its mean out), a sampler that drew no noise (its collapse is the first passage;
   its clones did not run; condensation it lost shows too coarse a step), a point
   of one job (its standard error is given that training set). Nothing when none
   applies. */
void summary_warn(const recipe *r, const point_stats *stats);

/* The table printed at the end of a run, on stdout. */
void summary_print(const recipe *r, const point_stats *stats, double confidence,
                   const char *out_dir, double seconds);

/* The same as one JSON object on stdout: name, out, points, repeats, samples,
   seconds, confidence, axes (the swept keys) and rows, one per point: point,
   values (swept key → value), one object per class (memorized, spurious,
   generalized, off_support, unconverged: rate, lo, hi, count; off_support null
   where the support is not judged), samples and, with collapse times,
   t_collapse {mean, median, theory}. NaN prints as null. */
void summary_print_json(const recipe *r, const point_stats *stats, double confidence,
                        const char *out_dir, double seconds);

#endif
