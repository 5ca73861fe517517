/*
 * samples — samples.npy: the final states, one row per record. Each dimension a
 * run meets gets its own file (a sweep over the dimension writes
 * samples-dim<N>.npy, one per N, rows in record order); with one dimension it is
 * samples.npy. Each is written under a temporary name (atomic_file.h) in the
 * folder a run's set is built in (folder.h), with a placeholder header rewritten
 * with the row count when the run commits.
 */
#ifndef BASIN_SAMPLES_H
#define BASIN_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "results/atomic_file.h"
#include "results/folder.h"

#define SAMPLES_MAX_FILES 64

typedef struct samples_out {
    results_file file[SAMPLES_MAX_FILES];
    uint32_t dim[SAMPLES_MAX_FILES];
    uint64_t rows[SAMPLES_MAX_FILES];
    size_t n;
} samples_out;

/* Append rows states of dim values (float32) to the file of their dimension in
   the folder's new set, opening it the first time. Returns BASIN_OK; BASIN_EINVAL
   at a 65th dimension (the message, "more than 64 dimensions ...", says what but
   not where); BASIN_EWRITE when a file cannot be opened or written. */
int samples_append(samples_out *s, const results_folder *folder, const float *states,
                   uint64_t rows, uint32_t dim, char *err, size_t n_err);

/* Write the final headers (a single file is named samples.npy) and commit each
   file into the folder's new set. BASIN_EWRITE or BASIN_ENOMEM with a message on
   failure. */
int samples_commit(samples_out *s, const results_folder *folder, char *err, size_t n_err);

/* Remove the files not committed. */
void samples_abandon(samples_out *s);

#endif
