#include "report/csv_table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basin/plugin.h"

void csv_table_free(csv_table *t)
{
    free(t->header);
    free(t->cells);
    free(t->text);
    memset(t, 0, sizeof *t);
}

/* -------------------------------------------------------------------- parsing */

/* The one pass over the text: a cursor, the line it is on, and every field found
   so far (the header's first, then the rows'), as pointers into the text. */
typedef struct csv_parser {
    const char *name;
    char *p, *end; /* the text left; *end is the NUL after it */
    size_t line;   /* 1-based, of *p */
    char **fields;
    size_t n_fields, cap;
} csv_parser;

static int push_field(csv_parser *P, char *field)
{
    if (P->n_fields == P->cap) {
        size_t cap = P->cap ? 2 * P->cap : 64;
        char **grown = realloc(P->fields, cap * sizeof *grown);
        if (!grown)
            return -1;
        P->fields = grown;
        P->cap = cap;
    }
    P->fields[P->n_fields++] = field;
    return 0;
}

/* Split the record at P->p (P->p < P->end) in place: every field NUL-terminated,
   quotes undone, its pointer pushed; *count receives the record's field count and
   P->p moves past its line break. 0, or BASIN_EINVAL / BASIN_ENOMEM with a
   message. Decoding never writes past what it has read: out <= P->p. */
static int split_record(csv_parser *P, size_t *count, char *err, size_t n_err)
{
    char *out = P->p;
    *count = 0;
    for (;;) {
        char *start = out;
        if (P->p < P->end && *P->p == '"') {
            const size_t opened = P->line;
            P->p++;
            for (;;) {
                if (P->p == P->end) {
                    snprintf(err, n_err, "%s:%zu: a quoted field is not closed", P->name,
                             opened);
                    return BASIN_EINVAL;
                }
                const char c = *P->p;
                if (c == '"' && P->p + 1 < P->end && P->p[1] == '"') {
                    *out++ = '"';
                    P->p += 2;
                    continue;
                }
                if (c == '"') {
                    P->p++;
                    break;
                }
                if (c == '\n' || (c == '\r' && (P->p + 1 == P->end || P->p[1] != '\n')))
                    P->line++;
                *out++ = c;
                P->p++;
            }
            if (P->p < P->end && *P->p != ',' && *P->p != '\n' && *P->p != '\r') {
                snprintf(err, n_err, "%s:%zu: text after the closing quote of a field",
                         P->name, P->line);
                return BASIN_EINVAL;
            }
        } else {
            while (P->p < P->end && *P->p != ',' && *P->p != '\n' && *P->p != '\r') {
                if (*P->p == '"') {
                    snprintf(err, n_err,
                             "%s:%zu: a quote inside an unquoted field (a field with "
                             "quotes is quoted whole)",
                             P->name, P->line);
                    return BASIN_EINVAL;
                }
                *out++ = *P->p++;
            }
        }
        /* The separator is read before the terminator may overwrite it. */
        const char sep = P->p < P->end ? *P->p : '\0';
        *out = '\0';
        if (push_field(P, start)) {
            snprintf(err, n_err, "%s: out of memory", P->name);
            return BASIN_ENOMEM;
        }
        ++*count;
        if (sep == ',') {
            out = ++P->p;
            continue;
        }
        if (sep == '\r' || sep == '\n') {
            P->p++;
            if (sep == '\r' && P->p < P->end && *P->p == '\n')
                P->p++;
            P->line++;
        }
        return BASIN_OK;
    }
}

/* csv_table_parse on text (len bytes, then a NUL), which the table takes over
   (freed on error). */
static int parse_owned(const char *name, char *text, size_t len, csv_table *t, char *err,
                       size_t n_err)
{
    t->text = text;
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        size_t line = 1;
        for (const char *c = text; c < nul; c++)
            line += *c == '\n' || (*c == '\r' && (c + 1 == nul || c[1] != '\n'));
        snprintf(err, n_err, "%s:%zu: a NUL byte: not a CSV file", name, line);
        csv_table_free(t);
        return BASIN_EINVAL;
    }
    if (len == 0 || text[0] == '\n' || text[0] == '\r') {
        snprintf(err, n_err, "%s: empty, or no header row", name);
        csv_table_free(t);
        return BASIN_EINVAL;
    }
    csv_parser P = {name, text, text + len, 1, NULL, 0, 0};
    size_t count;
    int rc = split_record(&P, &count, err, n_err);
    t->n_cols = count;
    while (rc == BASIN_OK && P.p < P.end) {
        const size_t line = P.line;
        rc = split_record(&P, &count, err, n_err);
        if (rc == BASIN_OK && count != t->n_cols) {
            snprintf(err, n_err, "%s:%zu: %zu field%s, but the header has %zu", name,
                     line, count, count == 1 ? "" : "s", t->n_cols);
            rc = BASIN_EINVAL;
        }
        t->n_rows++;
    }
    /* The header's pointers are copied out; the rows' move to the front. */
    if (rc == BASIN_OK && !(t->header = malloc(t->n_cols * sizeof *t->header))) {
        snprintf(err, n_err, "%s: out of memory", name);
        rc = BASIN_ENOMEM;
    }
    if (rc != BASIN_OK) {
        free(P.fields);
        csv_table_free(t);
        return rc;
    }
    memcpy(t->header, P.fields, t->n_cols * sizeof *t->header);
    memmove(P.fields, P.fields + t->n_cols, t->n_rows * t->n_cols * sizeof *P.fields);
    t->cells = P.fields;
    return BASIN_OK;
}

int csv_table_parse(const char *name, const char *data, size_t len, csv_table *t,
                    char *err, size_t n_err)
{
    memset(t, 0, sizeof *t);
    if (len > CSV_TABLE_MAX_BYTES) {
        snprintf(err, n_err, "%s: over %zu GiB: not a results file", name,
                 CSV_TABLE_MAX_BYTES >> 30);
        return BASIN_EINVAL;
    }
    char *text = malloc(len + 1);
    if (!text) {
        snprintf(err, n_err, "%s: out of memory", name);
        return BASIN_ENOMEM;
    }
    if (len)
        memcpy(text, data, len);
    text[len] = '\0';
    return parse_owned(name, text, len, t, err, n_err);
}

/* -------------------------------------------------------------------- files */

int csv_table_read(const char *path, csv_table *t, char *err, size_t n_err)
{
    memset(t, 0, sizeof *t);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, n_err, "%s: cannot read: %s", path, strerror(errno));
        return BASIN_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (uintmax_t)st.st_size > CSV_TABLE_MAX_BYTES) {
        close(fd);
        snprintf(err, n_err, "%s: cannot read (not a regular file, or over %zu GiB)",
                 path, CSV_TABLE_MAX_BYTES >> 30);
        return BASIN_EIO;
    }
    /* The size at open; a file that grows meanwhile is read that far. */
    const size_t size = (size_t)st.st_size;
    char *data = malloc(size + 1);
    size_t got = 0;
    while (data && got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    const int saved = errno;
    close(fd);
    if (!data) {
        snprintf(err, n_err, "%s: out of memory", path);
        return BASIN_ENOMEM;
    }
    if (got < size) {
        free(data);
        snprintf(err, n_err, "%s: cannot read: %s", path,
                 saved ? strerror(saved) : "the file shrank while it was read");
        return BASIN_EIO;
    }
    data[size] = '\0';
    return parse_owned(path, data, size, t, err, n_err);
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
