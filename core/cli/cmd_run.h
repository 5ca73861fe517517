/*
 * cmd_run — `basin run RECIPE`: load and validate a recipe (with --set
 * overrides), run every job (run/pipeline.h), then write the report when
 * output.report asks for it (report/report.h). --dry-run prints the resolved
 * recipe and the number of jobs instead of running.
 */
#ifndef BASIN_CLI_CMD_RUN_H
#define BASIN_CLI_CMD_RUN_H

#include <stddef.h>

extern const char run_usage[];

/* The command (argv[0] "run"). BASIN_OK, or a status with a one-line message in
   err: BASIN_EINVAL for a usage error or a bad recipe. */
int cmd_run(int argc, char **argv, char *err, size_t n_err);

#endif
