/*
 * run_toml — run.toml: the resolved recipe of a run (`basin run` on it repeats
 * the run), the versions of basin, the plugin ABI and the BLAS, and every job's
 * seed.
 */
#ifndef BASIN_RUN_TOML_H
#define BASIN_RUN_TOML_H

#include <stdio.h>

#include "measure/referee.h"
#include "recipe/recipe.h"

/* run.toml of a run of r on `threads` sampler threads, always valid UTF-8 (a
   byte that is not, in a file name or a plugin's string, is written as U+FFFD).
   stats (the points' tallies, or NULL) adds each job's thresholds to its
   comment line: delta_m, delta_s, delta_h as the referee used them (calibrated
   where the recipe says "auto", measure/calibrate.h) and the quantile.
   BASIN_OK, or BASIN_ENOMEM (nothing written). */
int run_toml_write(FILE *f, const recipe *r, unsigned threads, const point_stats *stats);

/* run.toml of a merged run (`basin merge`): a shard's run.toml (shard_toml, as
   run_toml_write wrote it there) up to its jobs' section, which is written anew
   from the merged tallies, so that the file equals a one-machine run's.
   BASIN_OK, or BASIN_EWRITE. */
int run_toml_merged(FILE *f, const char *shard_toml, const recipe *r,
                    const point_stats *stats);

#endif
