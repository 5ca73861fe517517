/*
 * atomic_file — a file written under a temporary name (mkstemp) in its folder and
 * renamed into place only when complete (fsync, then rename(2)), so a failed
 * write never leaves a half file under the final name. A run's results folder is
 * itself built beside the old one and swapped in as a whole (folder.h).
 */
#ifndef BASIN_RESULTS_H
#define BASIN_RESULTS_H

#include <stddef.h>
#include <stdio.h>

#include "basin/plugin.h"

typedef struct results_file {
    FILE *f;
    char *tmp_path;   /* where it is written */
    char *final_path; /* where it goes on commit */
    char *shown_path; /* what messages call it (NULL: final_path) */
} results_file;

/* Create dir and its parents (like mkdir -p). BASIN_EIO with a message on error. */
int results_make_dir(const char *dir, char *err, size_t n_err);

/* Open dir/.name.XXXXXX for writing. BASIN_EIO with a message on error. */
int results_open(results_file *rf, const char *dir, const char *name, char *err,
                 size_t n_err);

/* results_open, but messages call the file shown_dir/name (a results folder's
   name while its set is built in a temporary folder, folder.h). */
int results_open_as(results_file *rf, const char *dir, const char *name,
                    const char *shown_dir, char *err, size_t n_err);

/* The file's name for messages. */
const char *results_shown(const results_file *rf);

/* Flush, fsync and close, then rename into place. On a write error the temporary
   file is removed and BASIN_EIO returned with a message. */
int results_commit(results_file *rf, char *err, size_t n_err);

/* Close and remove the temporary file (nothing is renamed). Safe to call twice. */
void results_abandon(results_file *rf);

#endif
