/*
 * results — the output folder and its files, each written under a temporary name
 * in the same folder and renamed into place only when complete (fsync, then
 * rename(2)), so an interrupted or failed run never leaves a half file and never
 * clobbers the previous run's results.
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
} results_file;

/* Create dir and its parents (like mkdir -p). BASIN_EIO with a message on error. */
int results_make_dir(const char *dir, char *err, size_t n_err);

/* Open dir/.name.XXXXXX for writing. BASIN_EIO with a message on error. */
int results_open(results_file *rf, const char *dir, const char *name, char *err,
                 size_t n_err);

/* Flush, fsync and close, then rename into place. On a write error the temporary
   file is removed and BASIN_EIO returned with a message. */
int results_commit(results_file *rf, char *err, size_t n_err);

/* Close and remove the temporary file (nothing is renamed). Safe to call twice. */
void results_abandon(results_file *rf);

#endif
