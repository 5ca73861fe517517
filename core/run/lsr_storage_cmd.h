/*
 * lsr_storage_cmd — `basin lsr-storage`: measure/lsr_storage.h on a .npy (or
 * .npz, or standard input) matrix of stored patterns, for a list of β, as CSV
 * on standard output or in a file.
 */
#ifndef BASIN_LSR_STORAGE_CMD_H
#define BASIN_LSR_STORAGE_CMD_H

#include <stddef.h>

extern const char lsr_storage_usage[];

/* `basin lsr-storage` (argv[0] = "lsr-storage"). BASIN_OK, or BASIN_EINVAL /
   BASIN_EIO / BASIN_ENOMEM with a one-line message in err. */
int cmd_lsr_storage(int argc, char **argv, char *err, size_t n_err);

#endif
