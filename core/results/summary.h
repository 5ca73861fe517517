/*
 * summary — summary.csv, a row per sweep point (the rates of each class with
 * their intervals, measure.h), and the same table printed at the end of a run.
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

/* summary.csv from the points' tallies (r->n_points of them). columns: the
   SUMMARY_* groups; landscape adds the attractor counts; coords: scratch of
   r->n_axes + 1 entries. */
void summary_write(FILE *f, const recipe *r, const point_stats *stats, double confidence,
                   size_t *coords, int columns, int landscape);

/* One line on stderr for each collapse time that is censored or missing at some
   point ("basin: warning: measure.collapse: ..."), naming what the summary left
   out; nothing when every time is measured. */
void summary_warn(const recipe *r, const point_stats *stats);

/* The table printed at the end of a run, on stdout. */
void summary_print(const recipe *r, const point_stats *stats, double confidence,
                   const char *out_dir, double seconds);

#endif
