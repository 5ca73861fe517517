/*
 * clones — collapse.csv: φ_C(t), the fraction of trajectories cloned at time t
 * whose copy ends on the same training point as the original (Biroli et al.
 * 2024), a row per sweep point and clone time.
 */
#ifndef BASIN_CLONES_H
#define BASIN_CLONES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "measure/referee.h"
#include "recipe/recipe.h"

/* collapse.csv from the points' tallies (r->n_points of them), clone times
   0 ... n_clones-1; a clone time without pairs has no row. coords: scratch of
   r->n_axes + 1 entries. */
void clones_write(FILE *f, const recipe *r, const point_stats *stats, uint32_t n_clones,
                  double confidence, size_t *coords);

#endif
