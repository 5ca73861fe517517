/*
 * training — training.csv: a row per training-curve point a plugin reported
 * through basin_host.metric: the job's fields, then role ("model", or "disjoint"
 * for the disjoint-sets test's second model; a column named model before the
 * model axis of [[model]] took that name), name, step and value.
 */
#ifndef BASIN_TRAINING_H
#define BASIN_TRAINING_H

#include <stddef.h>
#include <stdio.h>

#include "base/host.h"
#include "recipe/recipe.h"
#include "results/csv.h"

void training_header(FILE *f, const recipe *r);

/* A row per point of m[0, n), in order; coords: scratch of r->n_axes + 1. */
void training_write(FILE *f, const csv_job *j, const host_metric *m, size_t n,
                    size_t *coords);

#endif
