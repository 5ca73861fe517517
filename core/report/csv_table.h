/*
 * csv_table — a CSV file read back whole (the results files of a run), checked:
 * a header row, then rows with exactly as many fields as the header. Fields may be
 * quoted ("a,b", "" for a quote), as param_write_csv writes them.
 */
#ifndef BASIN_CSV_TABLE_H
#define BASIN_CSV_TABLE_H

#include <stddef.h>

typedef struct csv_table {
    size_t n_cols, n_rows;
    char **header; /* n_cols names */
    char **cells;  /* n_rows × n_cols, row-major, never NULL */
    char *text;    /* owns every string */
} csv_table;

/* Read and check path. 0, or BASIN_EIO (cannot read) / BASIN_EINVAL (malformed:
   no header, a row with the wrong field count, an unclosed quote) with a one-line
   message naming the file and line. On error *t is left empty (safe to free). */
int csv_table_read(const char *path, csv_table *t, char *err, size_t n_err);
void csv_table_free(csv_table *t);

/* The column named name, or -1. */
long csv_table_column(const csv_table *t, const char *name);

static inline const char *csv_table_cell(const csv_table *t, size_t row, size_t col)
{
    return t->cells[row * t->n_cols + col];
}

/* The cell as a number ("nan" and "inf" included). 0, or -1 if it is not one. */
int csv_table_number(const csv_table *t, size_t row, size_t col, double *out);

#endif
