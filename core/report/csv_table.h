/*
 * csv_table — a CSV file read back whole (the results files of a run), checked:
 * a header row, then rows with exactly as many fields as the header. Fields may be
 * quoted ("a,b", "" for a quote, line breaks inside), as param_write_csv writes
 * them; a quote elsewhere in a field, or text after a field's closing quote, is
 * malformed. Rows end at "\n", "\r\n" or a lone "\r"; a last row may lack one.
 */
#ifndef BASIN_CSV_TABLE_H
#define BASIN_CSV_TABLE_H

#include <stddef.h>

/* The largest file or buffer read: 2 GiB (records.csv of a big run is ~100 MB).
   Reading one takes its size once more for the text and at most 8 bytes a field
   (a field takes at least one byte) for the cell pointers. */
#define CSV_TABLE_MAX_BYTES ((size_t)1 << 31)

typedef struct csv_table {
    size_t n_cols, n_rows;
    char **header; /* n_cols names */
    char **cells;  /* n_rows × n_cols, row-major, never NULL */
    char *text;    /* owns every string */
} csv_table;

/* Read and check path. 0, or BASIN_EIO (cannot read, not a regular file, over
   CSV_TABLE_MAX_BYTES) / BASIN_EINVAL (malformed, see csv_table_parse) /
   BASIN_ENOMEM with a one-line message naming the file (and the line, for a
   malformed one). On error *t is left empty (safe to free). */
int csv_table_read(const char *path, csv_table *t, char *err, size_t n_err);

/* Check and split the len bytes at data (any bytes; no NUL terminator needed; the
   table keeps its own copy) as if they were the file `name` (used in messages
   only). 0, or BASIN_EINVAL with "NAME:LINE: what is wrong" (NUL bytes, no
   header, a row with the wrong field count, an unclosed quote, a stray quote) or
   "NAME: ..." for a size over CSV_TABLE_MAX_BYTES; BASIN_ENOMEM. In one pass: the
   rows counted are the rows split. On error *t is left empty (safe to free). */
int csv_table_parse(const char *name, const char *data, size_t len, csv_table *t,
                    char *err, size_t n_err);

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
