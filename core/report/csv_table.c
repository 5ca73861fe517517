#include "report/csv_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basin/plugin.h"

/* Results files are at most this large (records.csv of a big run is ~100 MB). */
#define CSV_MAX_BYTES ((long)1 << 31)

void csv_table_free(csv_table *t)
{
    free(t->header);
    free(t->cells);
    free(t->text);
    memset(t, 0, sizeof *t);
}

/* Split the fields of the line starting at *pos in place; fields[] gets up to cap
   pointers. Returns the field count, or -1 for an unclosed quote. *pos moves past
   the line's newline. */
static long split_line(char **pos, char **fields, size_t cap)
{
    char *p = *pos, *out = p;
    long n = 0;
    for (;;) {
        char *start = out;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p++;
                }
            }
        }
        while (*p && *p != ',' && *p != '\n' && *p != '\r')
            *out++ = *p++;
        char end = *p;
        *out = '\0';
        if ((size_t)n < cap)
            fields[n] = start;
        n++;
        if (end == ',') {
            p++; /* *p was not overwritten: out < p, or out == p held the comma */
            out = p;
            continue;
        }
        if (end == '\r') {
            p++;
            if (*p == '\n')
                p++;
        } else if (end == '\n') {
            p++;
        }
        *pos = p;
        return n;
    }
}

/* The fields of the first line, read without changing it; -1 for an unclosed
   quote. */
static long count_fields(const char *p)
{
    long n = 1;
    int quoted = 0;
    for (; *p && (quoted || (*p != '\n' && *p != '\r')); p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted)
            n++;
    }
    return quoted ? -1 : n;
}

int csv_table_read(const char *path, csv_table *t, char *err, size_t n_err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, n_err, "%s: cannot read: %s", path, strerror(errno));
        return BASIN_EIO;
    }
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || size > CSV_MAX_BYTES || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        snprintf(err, n_err, "%s: cannot read (not a regular file, or over 2 GiB)", path);
        return BASIN_EIO;
    }
    t->text = malloc((size_t)size + 1);
    if (!t->text || fread(t->text, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        csv_table_free(t);
        snprintf(err, n_err, "%s: cannot read", path);
        return BASIN_EIO;
    }
    fclose(f);
    t->text[size] = '\0';
    if (memchr(t->text, '\0', (size_t)size)) {
        csv_table_free(t);
        snprintf(err, n_err, "%s: not a CSV file (it holds NUL bytes)", path);
        return BASIN_EINVAL;
    }
    size_t lines = 1;
    for (long i = 0; i < size; i++)
        lines += t->text[i] == '\n';
    long n = t->text[0] && t->text[0] != '\n' ? count_fields(t->text) : 0;
    if (n <= 0) {
        csv_table_free(t);
        snprintf(err, n_err, "%s: empty, or no header row", path);
        return BASIN_EINVAL;
    }
    t->n_cols = (size_t)n;
    t->header = calloc(t->n_cols, sizeof *t->header);
    t->cells = calloc(lines * t->n_cols + 1, sizeof *t->cells);
    if (!t->header || !t->cells) {
        csv_table_free(t);
        snprintf(err, n_err, "%s: out of memory", path);
        return BASIN_ENOMEM;
    }
    char *pos = t->text;
    split_line(&pos, t->header, t->n_cols);
    size_t line = 1;
    while (*pos) {
        line++;
        char **row = t->cells + t->n_rows * t->n_cols;
        long m = split_line(&pos, row, t->n_cols);
        if (m < 0) {
            snprintf(err, n_err, "%s:%zu: a quoted field is not closed", path, line);
            csv_table_free(t);
            return BASIN_EINVAL;
        }
        if ((size_t)m != t->n_cols) {
            snprintf(err, n_err, "%s:%zu: %ld field%s, but the header has %zu", path,
                     line, m, m == 1 ? "" : "s", t->n_cols);
            csv_table_free(t);
            return BASIN_EINVAL;
        }
        t->n_rows++;
    }
    return BASIN_OK;
}

long csv_table_column(const csv_table *t, const char *name)
{
    for (size_t c = 0; c < t->n_cols; c++)
        if (strcmp(t->header[c], name) == 0)
            return (long)c;
    return -1;
}

int csv_table_number(const csv_table *t, size_t row, size_t col, double *out)
{
    const char *s = csv_table_cell(t, row, col);
    char *end;
    if (!*s)
        return -1;
    *out = strtod(s, &end);
    return *end ? -1 : 0;
}
