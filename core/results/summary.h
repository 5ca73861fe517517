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

/* summary.csv from the points' tallies (r->n_points of them). distance adds the
   distance rules' columns, landscape the attractor counts; coords: scratch of
   r->n_axes + 1 entries. */
void summary_write(FILE *f, const recipe *r, const point_stats *stats, double confidence,
                   size_t *coords, int distance, int landscape);

/* The table printed at the end of a run, on stdout. */
void summary_print(const recipe *r, const point_stats *stats, double confidence,
                   const char *out_dir, double seconds);

#endif
