/*
 * merge — `basin merge OUT SHARD_DIR...`: the shards of a run (`basin run
 * --shard I/N`, pipeline.h) joined into the folder a one-machine run writes.
 *
 * Every check comes first, and nothing is written when one fails: each folder is
 * a finished shard (its shard.toml, results/run_dir.h), all hold the same run
 * (the same recipe hash; the message names the first line of jobs/recipe.toml
 * that differs), every job of the run is in exactly one of them, and each job's
 * part is there. Then the parts go into OUT/jobs/ (hard links where the file
 * system allows, copies otherwise) and the run-level files are built from them
 * as `basin run` builds them (pipeline_run with merge set), run.toml copied from
 * the first shard: the same bytes as a one-machine run's, but for `seconds`.
 */
#ifndef BASIN_MERGE_H
#define BASIN_MERGE_H

#include <stddef.h>

#include "run/pipeline.h"

/*
 * Merge the n shard folders dirs into out (o: quiet, fresh; its out_dir is
 * ignored). BASIN_OK, or with a one-line message: BASIN_EINVAL for shards that
 * do not make one run, or a folder that is not a finished shard; BASIN_EIO /
 * BASIN_EWRITE / BASIN_ENOMEM.
 */
int merge_run(const char *out, const char *const *dirs, size_t n,
              const pipeline_options *o, char *err, size_t n_err);

#endif
