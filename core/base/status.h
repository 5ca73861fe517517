/*
 * status — the one error convention of the host.
 *
 * Every core function that can fail returns BASIN_OK (0) or a negative status and
 * leaves a one-line message (what is wrong and where: file, line, key, job) in the
 * caller's buffer. The statuses are the ABI's BASIN_E* codes (basin/plugin.h) and
 * the two below, which the host alone uses and never hands to a plugin. Only the
 * command line (cli/) turns a status into an exit code:
 *   0  BASIN_OK
 *   2  the user's input is at fault: BASIN_EINVAL, BASIN_EUNSUPPORTED, BASIN_EIO
 *      (a file that cannot be read, a folder that cannot be created)
 *   1  everything else: a run that failed (BASIN_ENOMEM, BASIN_ENUMERIC,
 *      BASIN_ECANCELED, BASIN_EINTERNAL, BASIN_EWRITE) or a verdict of failure
 *      (BASIN_EFAILED)
 */
#ifndef BASIN_STATUS_H
#define BASIN_STATUS_H

#include "basin/plugin.h"

/* A result could not be written after the run began (disk full, a folder removed
   under a running job): the run failed, not its input. */
#define BASIN_EWRITE (-64)
/* The command ran to its end and its verdict is failure (a conformance check did
   not pass). The message, if any, is already printed. */
#define BASIN_EFAILED (-65)

/* A short name of a status ("invalid input", "out of memory", ...). [thread-safe] */
const char *status_name(int status);

#endif
