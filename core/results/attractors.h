/*
 * attractors — attractors.csv: the analyzed attractors of every job
 * (measure/landscape.h), a row each after the job's fields.
 */
#ifndef BASIN_ATTRACTORS_H
#define BASIN_ATTRACTORS_H

#include <stddef.h>
#include <stdio.h>

#include "measure/landscape.h"
#include "recipe/recipe.h"
#include "results/csv.h"

void attractors_header(FILE *f, const recipe *r);

/* A row per analyzed attractor of a job's landscape; coords: scratch of
   r->n_axes + 1 entries. */
void attractors_write(FILE *f, const csv_job *j, const landscape_result *land,
                      size_t *coords);

#endif
