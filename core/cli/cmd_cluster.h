/*
 * cmd_cluster — spreading a run over machines: `basin merge OUT SHARD_DIR...`
 * joins the shard folders of `basin run --shard I/N` (run/merge.h), and `basin
 * submit slurm|parallel RECIPE --shards N` writes the scheduler's scripts (a
 * Slurm job array and a merge job after it; a GNU parallel command line) for a
 * user to read, edit and submit (or submits them with --now). basin invents no
 * scheduler: the array tasks and the merge are plain `basin run` and `basin
 * merge` calls.
 */
#ifndef BASIN_CLI_CMD_CLUSTER_H
#define BASIN_CLI_CMD_CLUSTER_H

#include <stddef.h>

extern const char merge_usage[];
extern const char submit_usage[];

/* `basin merge`. BASIN_OK, or a status with a one-line message (BASIN_EINVAL for
   a usage error or shards that do not make one run: nothing is written). */
int cmd_merge(int argc, char **argv, char *err, size_t n_err);

/* `basin submit`. BASIN_OK, or a status with a one-line message (BASIN_EINVAL for
   a usage error, BASIN_EFAILED when sbatch fails). */
int cmd_submit(int argc, char **argv, char *err, size_t n_err);

#endif
