/*
 * clones — collapse.csv: φ_C(t), the fraction of trajectories cloned at time t
 * whose copy ends on the same training point as the original, and φ_S(t), the
 * fraction whose copy ends on a training point of the original's class (Biroli,
 * Bonnaire, de Bortoli & Mézard 2024, arXiv:2402.18491), a row per sweep point
 * and clone time. Columns: clone, t, t_ou, phi, phi_lo, phi_hi, phi_s, phi_s_lo,
 * phi_s_hi, pairs; the intervals are measure_rate_interval's (Wilson) at the
 * run's confidence; phi_s and its interval are nan when the data set gives no
 * labels (datasets' labels(), ABI 1.2).
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
