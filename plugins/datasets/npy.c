/*
 * datasets/npy — points from NumPy .npy files: a training file (`path`) and an
 * optional held-out file (`heldout_path`) of the same row shape.
 *
 * Format (numpy.lib.format): the magic "\x93NUMPY", a version byte pair (1.0, 2.0
 * or 3.0), the header length (uint16 little-endian for 1.0, uint32 for 2.0 and
 * 3.0), a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}
 * padded with spaces and '\n', then the data in C order.
 *
 * Accepted: dtypes '<f4', '<f8', '|u1', '|i1', '<i8' (little-endian; '|' and '<'
 * both accepted for one-byte types); C order; shape (K, N) (points), (K, h, w)
 * (grey images) or (K, h, w, c) (images, channels last; rows are h·w·c floats
 * and info() reports the image shape).
 * Values: floats as they are (float64 must fit float32); int8 and int64 as they
 * are; uint8 by `uint8_scale`: p/127.5 − 1 ∈ [−1, 1] (default, so image files
 * match datasets/fashion-mnist), p/255 ∈ [0, 1], or p.
 * Rows: `count` = 0 takes every row of the training file, otherwise its FIRST
 * count rows (so a larger K keeps the first K points, as the drawn data sets do;
 * shuffle the file beforehand for a random subset). `heldout` likewise for the
 * held-out file. No random numbers are used.
 * If every entry of both splits is −1 or +1, info() sets BASIN_DATA_BINARY, so
 * binary energies (Hopfield) accept the data.
 *
 * Rejected, with a message naming the file: a missing file, bad magic, an unknown
 * version, a malformed header dict, fortran_order True, other dtypes, big-endian
 * data, shapes of other ranks, zero rows, shape products that overflow, data
 * shorter than the shape says (truncated), NaN or ±Inf (named by row and column),
 * count larger than the file, and a held-out file whose row shape differs.
 */
#include <basin/plugin.h>

#include "rows.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID      "datasets/npy"
#define NPY_MAX_HEADER (1u << 20) /* numpy itself refuses headers over 10 kB */

enum { P_PATH, P_HELDOUT_PATH, P_COUNT, P_HELDOUT, P_UINT8_SCALE };

static const basin_param_def npy_params[] = {
    {"path", BASIN_PARAM_STRING, 0, "train.npy", 0, 0, NULL, BASIN_PARAM_REQUIRED,
     "the .npy file of training points: shape (K, N), (K, h, w) or (K, h, w, c)"},
    {"heldout_path", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, 0,
     "an optional .npy file of held-out points with the same row shape; empty: none"},
    {"count", BASIN_PARAM_INT, 0, NULL, 0, 4294967295.0, NULL, 0,
     "K: use the first count rows of path; 0 uses them all"},
    {"heldout", BASIN_PARAM_INT, 0, NULL, 0, 4294967295.0, NULL, 0,
     "use the first heldout rows of heldout_path; 0 uses them all"},
    {"uint8_scale", BASIN_PARAM_CHOICE, 0, "minus-one-one", 0, 0,
     "minus-one-one|zero-one|none", 0,
     "how uint8 entries p become floats: p/127.5 - 1, p/255, or p"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef enum { T_F4, T_F8, T_U1, T_I1, T_I8 } npy_dtype;

typedef enum { U8_SYMMETRIC, U8_UNIT, U8_RAW } uint8_scale;

/* A parsed .npy header. */
typedef struct npy_header {
    npy_dtype dtype;
    size_t item; /* bytes per entry */
    int ndim;
    uint64_t shape[4];
    uint64_t n_rows;
    uint32_t dim; /* product of shape[1..] */
    uint32_t height, width, channels;
    uint64_t data_offset; /* bytes before the data */
    uint64_t data_bytes;  /* n_rows · dim · item */
} npy_header;

typedef struct npy_data {
    rows r; /* first: rows_dataset_read takes the instance */
    uint32_t flags;
    uint32_t height, width, channels;
} npy_data;

static void npy_destroy(void *self)
{
    npy_data *d = self;
    if (d == NULL)
        return;
    rows_free(&d->r);
    free(d);
}

/* --------------------------------------------------------- header dict parser */

/* A cursor over the header text; `bad` records the first complaint. */
typedef struct cursor {
    const char *p, *end;
    const char *bad;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end &&
           (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int accept(cursor *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted string ('...' or "...", no escapes) into out (size n). */
static int parse_string(cursor *c, char *out, size_t n)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) {
        c->bad = "expected a quoted string";
        return 0;
    }
    const char quote = *c->p++;
    size_t len = 0;
    while (c->p < c->end && *c->p != quote) {
        if (*c->p == '\\' || len + 1 >= n) {
            c->bad = "a string is too long or has escapes";
            return 0;
        }
        out[len++] = *c->p++;
    }
    if (c->p >= c->end) {
        c->bad = "an unterminated string";
        return 0;
    }
    c->p++;
    out[len] = 0;
    return 1;
}

static int parse_word(cursor *c, const char *word)
{
    skip_space(c);
    const size_t n = strlen(word);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
        c->p += n;
        return 1;
    }
    return 0;
}

/* A non-negative decimal integer (Python may write a trailing 'L' in 2.x). */
static int parse_uint(cursor *c, uint64_t *v)
{
    skip_space(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') {
        c->bad = "a shape entry is not a non-negative integer";
        return 0;
    }
    uint64_t x = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        const unsigned digit = (unsigned)(*c->p - '0');
        if (x > (UINT64_MAX - digit) / 10) {
            c->bad = "a shape entry overflows 64 bits";
            return 0;
        }
        x = 10 * x + digit;
        c->p++;
    }
    if (c->p < c->end && *c->p == 'L')
        c->p++;
    *v = x;
    return 1;
}

/* (a, b, ...), with an optional trailing comma; at most 8 entries kept. */
static int parse_shape(cursor *c, uint64_t *shape, int *ndim)
{
    *ndim = 0;
    if (!accept(c, '(')) {
        c->bad = "shape is not a tuple";
        return 0;
    }
    if (accept(c, ')'))
        return 1;
    for (;;) {
        uint64_t v;
        if (!parse_uint(c, &v))
            return 0;
        if (*ndim < 8)
            shape[*ndim] = v;
        (*ndim)++;
        if (accept(c, ')'))
            return 1;
        if (!accept(c, ',')) {
            c->bad = "shape tuple entries must be separated by commas";
            return 0;
        }
        if (accept(c, ')'))
            return 1;
    }
}

/*
 * Parse the dict text (n bytes) into descr, fortran and shape. Returns 0 and sets
 * *why on a malformed dict.
 */
static int parse_dict(const char *text, size_t n, char *descr, size_t descr_size,
                      int *fortran, uint64_t *shape, int *ndim, const char **why)
{
    cursor c = {text, text + n, NULL};
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    if (!accept(&c, '{')) {
        *why = "the header is not a dict (no '{')";
        return 0;
    }
    while (!accept(&c, '}')) {
        char key[32];
        if (!parse_string(&c, key, sizeof key)) {
            *why = c.bad;
            return 0;
        }
        if (!accept(&c, ':')) {
            *why = "expected ':' after a key";
            return 0;
        }
        if (strcmp(key, "descr") == 0 && !have_descr) {
            have_descr = 1;
            if (!parse_string(&c, descr, descr_size)) {
                *why = "descr is not a dtype string (structured dtypes are not "
                       "supported)";
                return 0;
            }
        } else if (strcmp(key, "fortran_order") == 0 && !have_fortran) {
            have_fortran = 1;
            if (parse_word(&c, "True"))
                *fortran = 1;
            else if (parse_word(&c, "False"))
                *fortran = 0;
            else {
                *why = "fortran_order is neither True nor False";
                return 0;
            }
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            have_shape = 1;
            if (!parse_shape(&c, shape, ndim)) {
                *why = c.bad;
                return 0;
            }
        } else {
            *why = "unknown or repeated key in the header dict";
            return 0;
        }
        if (accept(&c, ','))
            continue;
        if (!accept(&c, '}')) {
            *why = "expected ',' or '}' in the header dict";
            return 0;
        }
        break;
    }
    skip_space(&c);
    if (c.p != c.end) {
        *why = "text after the header dict";
        return 0;
    }
    if (!have_descr || !have_fortran || !have_shape) {
        *why = !have_descr   ? "the header dict has no 'descr'"
               : !have_shape ? "the header dict has no 'shape'"
                             : "the header dict has no 'fortran_order'";
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------- file reading */

static uint32_t little_endian32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static uint64_t little_endian64(const uint8_t *b)
{
    return (uint64_t)little_endian32(b) | (uint64_t)little_endian32(b + 4) << 32;
}

/* Map a descr to a dtype; 0 with a message when unsupported. */
static int parse_dtype(const basin_host *host, const char *path, const char *descr,
                       npy_header *h)
{
    static const struct {
        const char *descr;
        npy_dtype dtype;
        size_t item;
    } known[] = {
        {"<f4", T_F4, 4}, {"<f8", T_F8, 8}, {"|u1", T_U1, 1}, {"<u1", T_U1, 1},
        {"|i1", T_I1, 1}, {"<i1", T_I1, 1}, {"<i8", T_I8, 8},
    };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        if (strcmp(descr, known[k].descr) == 0) {
            h->dtype = known[k].dtype;
            h->item = known[k].item;
            return 1;
        }
    if (descr[0] == '>')
        host->error(host,
                    "%s: big-endian dtype '%s' is not supported (save it with "
                    "a.astype('<%s'))",
                    path, descr, descr + 1);
    else
        host->error(host,
                    "%s: unsupported dtype '%s' (use '<f4', '<f8', '|u1', '|i1' or "
                    "'<i8')",
                    path, descr);
    return 0;
}

/* Read and check the header of an open file; on success the file is positioned
   at the data. */
static int read_header(const basin_host *host, const char *path, FILE *fp, npy_header *h)
{
    uint8_t pre[12];
    size_t got = fread(pre, 1, 10, fp);
    if (got < 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        host->error(host, "%s: not a .npy file (bad magic; expected \\x93NUMPY)", path);
        return BASIN_EINVAL;
    }
    const int major = pre[6], minor = pre[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
        host->error(host, "%s: unsupported .npy version %d.%d (1.0, 2.0, 3.0 are read)",
                    path, major, minor);
        return BASIN_EINVAL;
    }
    uint64_t header_len;
    size_t prefix = 10;
    if (major == 1) {
        header_len = (uint64_t)pre[8] | (uint64_t)pre[9] << 8;
    } else {
        if (fread(pre + 10, 1, 2, fp) < 2) {
            host->error(host, "%s: truncated header", path);
            return BASIN_EINVAL;
        }
        header_len = little_endian32(pre + 8);
        prefix = 12;
    }
    if (header_len > NPY_MAX_HEADER) {
        host->error(host, "%s: header length %llu is implausible (malformed header)",
                    path, (unsigned long long)header_len);
        return BASIN_EINVAL;
    }
    char *text = malloc(header_len + 1);
    if (text == NULL) {
        host->error(host, "%s: out of memory for the header", path);
        return BASIN_ENOMEM;
    }
    if (fread(text, 1, header_len, fp) < header_len) {
        free(text);
        host->error(host, "%s: truncated header (%llu bytes promised)", path,
                    (unsigned long long)header_len);
        return BASIN_EINVAL;
    }
    text[header_len] = 0;
    char descr[32];
    int fortran = 0, ndim = 0;
    const char *why = NULL;
    uint64_t shape[8];
    int ok =
        parse_dict(text, header_len, descr, sizeof descr, &fortran, shape, &ndim, &why);
    free(text);
    if (!ok) {
        host->error(host, "%s: malformed header dict: %s", path, why);
        return BASIN_EINVAL;
    }
    if (fortran) {
        host->error(host,
                    "%s: fortran_order True is not supported (save a C-order array: "
                    "np.ascontiguousarray)",
                    path);
        return BASIN_EINVAL;
    }
    if (!parse_dtype(host, path, descr, h))
        return BASIN_EINVAL;
    if (ndim < 2 || ndim > 4) {
        host->error(host,
                    "%s: shape has %d dimensions; expected (K, N), (K, h, w) or "
                    "(K, h, w, c)",
                    path, ndim);
        return BASIN_EINVAL;
    }
    h->ndim = ndim;
    memcpy(h->shape, shape, (size_t)ndim * sizeof *shape);
    h->n_rows = shape[0];
    uint64_t dim = 1;
    for (int k = 1; k < ndim; k++) {
        if (shape[k] == 0) {
            host->error(host, "%s: shape entry %d is 0: rows would be empty", path, k);
            return BASIN_EINVAL;
        }
        if (dim > UINT32_MAX / shape[k]) {
            host->error(host,
                        "%s: the shape's row size overflows (more than %u "
                        "entries a row)",
                        path, UINT32_MAX);
            return BASIN_EINVAL;
        }
        dim *= shape[k];
    }
    if (h->n_rows == 0) {
        host->error(host, "%s: the array has no rows (shape[0] = 0)", path);
        return BASIN_EINVAL;
    }
    if (h->n_rows > (uint64_t)(INT64_MAX / 2) / dim / h->item) {
        host->error(host, "%s: the shape's size overflows (%llu rows of %llu entries)",
                    path, (unsigned long long)h->n_rows, (unsigned long long)dim);
        return BASIN_EINVAL;
    }
    h->dim = (uint32_t)dim;
    h->height = ndim >= 3 ? (uint32_t)shape[1] : 0;
    h->width = ndim >= 3 ? (uint32_t)shape[2] : 0;
    h->channels = ndim == 4 ? (uint32_t)shape[3] : ndim == 3 ? 1 : 0;
    h->data_offset = prefix + header_len;
    h->data_bytes = h->n_rows * dim * h->item;
    return BASIN_OK;
}

/* The file's size, or -1. Leaves the position at offset. */
static int64_t file_size(FILE *fp, uint64_t offset)
{
    if (fseeko(fp, 0, SEEK_END) != 0)
        return -1;
    const off_t size = ftello(fp);
    if (fseeko(fp, (off_t)offset, SEEK_SET) != 0)
        return -1;
    return (int64_t)size;
}

/* Convert one row of raw little-endian entries to floats; returns the column of
   the first non-finite value, or -1. */
static int64_t convert_row(const npy_header *h, uint8_scale scale, const uint8_t *raw,
                           float *out, double *bad_value)
{
    for (uint32_t i = 0; i < h->dim; i++) {
        double v;
        switch (h->dtype) {
        case T_F4: {
            const uint32_t bits = little_endian32(raw + 4 * (size_t)i);
            float f;
            memcpy(&f, &bits, sizeof f);
            v = f;
            break;
        }
        case T_F8: {
            const uint64_t bits = little_endian64(raw + 8 * (size_t)i);
            memcpy(&v, &bits, sizeof v);
            break;
        }
        case T_U1:
            v = raw[i];
            v = scale == U8_SYMMETRIC ? v / 127.5 - 1.0
                : scale == U8_UNIT    ? v / 255.0
                                      : v;
            break;
        case T_I1:
            v = (int8_t)raw[i];
            break;
        case T_I8:
        default:
            v = (double)(int64_t)little_endian64(raw + 8 * (size_t)i);
            break;
        }
        const float f = (float)v;
        if (!isfinite(f)) {
            *bad_value = v;
            return i;
        }
        out[i] = f;
    }
    return -1;
}

/*
 * Open path and check its header and that the file holds all the data the shape
 * promises (a truncated file is refused even when only its first rows are used).
 * On success *fp is positioned at the data; the caller closes it.
 */
static int open_npy(const basin_host *host, const char *path, FILE **fp, npy_header *h)
{
    *fp = fopen(path, "rb");
    if (*fp == NULL) {
        host->error(host, "%s: cannot open: %s", path, strerror(errno));
        return BASIN_EIO;
    }
    int rc = read_header(host, path, *fp, h);
    if (rc == BASIN_OK) {
        const int64_t size = file_size(*fp, h->data_offset);
        if (size < 0) {
            host->error(host, "%s: cannot seek: %s", path, strerror(errno));
            rc = BASIN_EIO;
        } else if ((uint64_t)size < h->data_offset + h->data_bytes) {
            const uint64_t have =
                (uint64_t)size > h->data_offset ? (uint64_t)size - h->data_offset : 0;
            host->error(host, "%s: truncated: %llu of %llu data bytes", path,
                        (unsigned long long)have, (unsigned long long)h->data_bytes);
            rc = BASIN_EIO;
        } else if ((uint64_t)size > h->data_offset + h->data_bytes && host->log) {
            host->log(
                host, BASIN_LOG_WARN, "%s: %llu bytes after the array ignored", path,
                (unsigned long long)((uint64_t)size - h->data_offset - h->data_bytes));
        }
    }
    if (rc != BASIN_OK) {
        fclose(*fp);
        *fp = NULL;
    }
    return rc;
}

/* Read n rows of an open file (positioned at the data) into out (n × dim). */
static int read_rows(const basin_host *host, const char *path, FILE *fp,
                     const npy_header *h, uint8_scale scale, uint64_t n, float *out)
{
    const size_t row_bytes = (size_t)h->dim * h->item;
    uint8_t *raw = malloc(row_bytes);
    if (raw == NULL) {
        host->error(host, "%s: out of memory for a row of %zu bytes", path, row_bytes);
        return BASIN_ENOMEM;
    }
    int rc = BASIN_OK;
    for (uint64_t r = 0; r < n; r++) {
        if ((r & 4095u) == 0 && host->cancelled != NULL && host->cancelled(host)) {
            host->error(host, "%s: cancelled after %llu rows", path,
                        (unsigned long long)r);
            rc = BASIN_ECANCELED;
            break;
        }
        if (fread(raw, 1, row_bytes, fp) < row_bytes) {
            host->error(host, "%s: truncated: row %llu could not be read", path,
                        (unsigned long long)r);
            rc = BASIN_EIO;
            break;
        }
        double bad = 0;
        const int64_t col = convert_row(h, scale, raw, out + (size_t)r * h->dim, &bad);
        if (col >= 0) {
            host->error(host, "%s: row %llu column %lld is %s", path,
                        (unsigned long long)r, (long long)col,
                        isnan(bad)   ? "NaN"
                        : isinf(bad) ? (bad > 0 ? "+Inf" : "-Inf")
                                     : "too large for float32 (overflow)");
            rc = BASIN_EINVAL;
            break;
        }
    }
    free(raw);
    return rc;
}

/* Describe a row shape ("784" or "28 × 28 × 1") for mismatch messages. */
static void shape_text(const npy_header *h, char *out, size_t n)
{
    if (h->ndim == 2)
        snprintf(out, n, "%u", h->dim);
    else
        snprintf(out, n, "%u × %u × %u", h->height, h->width, h->channels);
}

/*
 * Read the training file and the optional held-out file (see the top). Returns
 * BASIN_EIO (missing, unreadable, truncated), BASIN_EINVAL (format, dtype, shape,
 * NaN/Inf, count, mismatch), BASIN_ENOMEM or BASIN_ECANCELED.
 * [deterministic: no random numbers]
 */
static int npy_create(const basin_host *host, const basin_value *params, void **self)
{
    *self = NULL;
    const char *path = params[P_PATH].string;
    const char *held_path = params[P_HELDOUT_PATH].string;
    const double count = params[P_COUNT].number, heldout = params[P_HELDOUT].number;
    const char *scale_name = params[P_UINT8_SCALE].string;
    if (path == NULL || path[0] == 0) {
        host->error(host, "path is empty: name the .npy file of training points");
        return BASIN_EINVAL;
    }
    int rc = rows_check_int(host, "count", count, 0, UINT32_MAX);
    if (rc == BASIN_OK)
        rc = rows_check_int(host, "heldout", heldout, 0, UINT32_MAX);
    if (rc != BASIN_OK)
        return rc;
    uint8_scale scale;
    if (scale_name != NULL && strcmp(scale_name, "minus-one-one") == 0)
        scale = U8_SYMMETRIC;
    else if (scale_name != NULL && strcmp(scale_name, "zero-one") == 0)
        scale = U8_UNIT;
    else if (scale_name != NULL && strcmp(scale_name, "none") == 0)
        scale = U8_RAW;
    else {
        host->error(host, "uint8_scale = \"%s\" is not minus-one-one, zero-one or none",
                    scale_name ? scale_name : "(null)");
        return BASIN_EINVAL;
    }
    const int has_heldout = held_path != NULL && held_path[0] != 0;

    npy_header train = {0}, held = {0};
    FILE *train_fp = NULL, *held_fp = NULL;
    rc = open_npy(host, path, &train_fp, &train);
    if (rc == BASIN_OK && count > (double)train.n_rows) {
        host->error(host, "count = %.0f exceeds the %llu rows of %s", count,
                    (unsigned long long)train.n_rows, path);
        rc = BASIN_EINVAL;
    }
    if (rc == BASIN_OK && has_heldout) {
        rc = open_npy(host, held_path, &held_fp, &held);
        if (rc == BASIN_OK &&
            (held.dim != train.dim || held.height != train.height ||
             held.width != train.width || held.channels != train.channels)) {
            char a[64], b[64];
            shape_text(&train, a, sizeof a);
            shape_text(&held, b, sizeof b);
            host->error(host,
                        "%s: rows of %s entries do not match the training file's "
                        "rows of %s (%s)",
                        held_path, b, a, path);
            rc = BASIN_EINVAL;
        }
        if (rc == BASIN_OK && heldout > (double)held.n_rows) {
            host->error(host, "heldout = %.0f exceeds the %llu rows of %s", heldout,
                        (unsigned long long)held.n_rows, held_path);
            rc = BASIN_EINVAL;
        }
    } else if (rc == BASIN_OK && heldout > 0) {
        host->error(host, "heldout = %.0f needs a heldout_path", heldout);
        rc = BASIN_EINVAL;
    }

    npy_data *d = NULL;
    if (rc == BASIN_OK && (d = calloc(1, sizeof *d)) == NULL) {
        host->error(host, "out of memory");
        rc = BASIN_ENOMEM;
    }
    if (rc == BASIN_OK) {
        d->r.dim = train.dim;
        d->r.n_train = count > 0 ? (uint64_t)count : train.n_rows;
        d->r.n_heldout = !has_heldout ? 0 : heldout > 0 ? (uint64_t)heldout : held.n_rows;
        d->height = train.height;
        d->width = train.width;
        d->channels = train.channels;
        rc = rows_alloc(&d->r, host);
    }
    if (rc == BASIN_OK)
        rc = read_rows(host, path, train_fp, &train, scale, d->r.n_train, d->r.data);
    if (rc == BASIN_OK && d->r.n_heldout > 0)
        rc = read_rows(host, held_path, held_fp, &held, scale, d->r.n_heldout,
                       rows_at(&d->r, d->r.n_train));
    if (train_fp != NULL)
        fclose(train_fp);
    if (held_fp != NULL)
        fclose(held_fp);
    if (rc != BASIN_OK) {
        npy_destroy(d);
        return rc;
    }
    /* ±1 everywhere: binary data. */
    const size_t n_entries = (size_t)(d->r.n_train + d->r.n_heldout) * d->r.dim;
    int binary = 1;
    for (size_t k = 0; k < n_entries && binary; k++)
        binary = d->r.data[k] == 1.0f || d->r.data[k] == -1.0f;
    d->flags = binary ? BASIN_DATA_BINARY : 0;
    *self = d;
    return BASIN_OK;
}

/* K, the held-out count, N, BASIN_DATA_BINARY when every entry is ±1, and the
   image shape of 3- and 4-dimensional arrays. [thread-safe] */
static int npy_info(void *self, basin_dataset_info *out)
{
    const npy_data *d = self;
    rows_dataset_info(self, out);
    out->flags = d->flags;
    out->height = d->height;
    out->width = d->width;
    out->channels = d->channels;
    return BASIN_OK;
}

static const basin_dataset_iface npy_iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = npy_create,
    .destroy = npy_destroy,
    .info = npy_info,
    .read = rows_dataset_read,
    .spectrum = NULL,
    .law_distance = NULL,
};

static const basin_descriptor npy_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_DATASET,
    .version = "1.0.0",
    .summary = "points or images from NumPy .npy files (f4, f8, u1, i1, i8; C order)",
    .params = npy_params,
    .iface = &npy_iface,
};

static const basin_descriptor *const npy_plugins[] = {
    &npy_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "npy",
    npy_plugins,
};
