/*
 * minima — minima.csv: every local minimum that landscape.enumerate found
 * (measure/lsr_minima.h), a row each after the job's fields:
 *
 *   minimum     its index in the job (the enumeration's order)
 *   size        |S|, the stored patterns whose supports hold it
 *   members     S, training indices separated by spaces ("3 7 12")
 *   energy      E(c_S) of energies/lsr
 *   d_nearest   Euclidean distance from c_S to the nearest stored pattern
 *   nearest     that pattern's training index
 *   novel       1 when d_nearest ≥ landscape.novel_distance (Hoover et al. 2025,
 *               arXiv:2506.10801: a novel memory lies at least ε from every
 *               stored pattern), else 0
 *   class       the referee's class of c_S (measure/referee.h), as for any
 *               attractor of the dynamics
 */
#ifndef BASIN_MINIMA_H
#define BASIN_MINIMA_H

#include <stddef.h>
#include <stdio.h>

#include "measure/lsr_minima.h"
#include "measure/measure.h"
#include "recipe/recipe.h"
#include "results/csv.h"

void minima_header(FILE *f, const recipe *r);

/* A row per minimum of m, of classes cls (m->n_minima); coords: scratch of
   r->n_axes + 1 entries. */
void minima_write(FILE *f, const csv_job *j, const lsr_minima *m,
                  const measure_class *cls, double novel_distance, size_t *coords);

#endif
