/*
 * text_file — a text file `basin report` writes (report.html, the figures' data
 * and gnuplot scripts, samples-grid.csv): opened and closed with every write
 * checked, the message naming the file.
 */
#ifndef BASIN_REPORT_TEXT_FILE_H
#define BASIN_REPORT_TEXT_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Open path for writing, truncated. NULL with "PATH: cannot write: REASON" in
   err. */
FILE *text_file_open(const char *path, char *err, size_t n_err);

/* Close f, opened on path by text_file_open. BASIN_OK, or BASIN_EWRITE with
   "PATH: write error" when a write or the close failed. */
int text_file_close(FILE *f, const char *path, char *err, size_t n_err);

#endif
