/*
 * clusters — spurious.csv: the spurious clusters of every job (rule pham,
 * measure/spurious.h), a row each after the job's fields:
 *   cluster,size,representative,d_m,d_h
 * cluster: its index within the job (in the order of the representatives);
 * size: its spurious samples; representative: its lowest sample index (the
 * `sample` of records.csv); d_m, d_h: the representative's distances to the
 * nearest training and held-out point (measure/measure.h).
 */
#ifndef BASIN_CLUSTERS_H
#define BASIN_CLUSTERS_H

#include <stddef.h>
#include <stdio.h>

#include "measure/measure.h"
#include "measure/spurious.h"
#include "recipe/recipe.h"
#include "results/csv.h"

void clusters_header(FILE *f, const recipe *r);

/* A row per cluster of a job; dist: the job's distances (per sample); coords:
   scratch of r->n_axes + 1 entries. */
void clusters_write(FILE *f, const csv_job *j, const spurious_result *s,
                    const measure_distance *dist, size_t *coords);

#endif
