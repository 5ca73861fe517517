#include "npy.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "basin/plugin.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "basin reads and writes .npy float32 data as native floats, declared little-endian"
#endif

/* numpy itself refuses headers over 10 kB. */
#define NPY_MAX_HEADER (1u << 20)

/* printf into err (n_err bytes; err may be NULL). */
static void say(char *err, size_t n_err, const char *fmt, ...)
{
    if (err == NULL || n_err == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n_err, fmt, ap);
    va_end(ap);
}

int npy_write_header_f32(FILE *f, uint64_t rows, uint64_t cols)
{
    char dict[128];
    int n = snprintf(dict, sizeof dict,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (%llu, %llu), }",
                     (unsigned long long)rows, (unsigned long long)cols);
    /* magic(6) + version(2) + length(2) + dict + padding + '\n' = 128 bytes, a
       multiple of 64 as the format asks; the dict is at most 104 characters. */
    size_t pad = NPY_HEADER_BYTES - 10 - (size_t)n - 1;
    uint16_t header_len = (uint16_t)((size_t)n + pad + 1);
    unsigned char prefix[10] = {0x93,
                                'N',
                                'U',
                                'M',
                                'P',
                                'Y',
                                1,
                                0,
                                (unsigned char)(header_len & 0xff),
                                (unsigned char)(header_len >> 8)};
    if (fwrite(prefix, 1, 10, f) != 10 || fwrite(dict, 1, (size_t)n, f) != (size_t)n)
        return -1;
    for (size_t i = 0; i < pad; i++)
        if (fputc(' ', f) == EOF)
            return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
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

/* A non-negative decimal integer (Python 2 may write a trailing 'L'). */
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

/* (a, b, ...), with an optional trailing comma; *rank counts every entry, the
   first NPY_MAX_RANK are kept. */
static int parse_shape(cursor *c, uint64_t *shape, int *rank)
{
    *rank = 0;
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
        if (*rank < NPY_MAX_RANK)
            shape[*rank] = v;
        (*rank)++;
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

/* The header dict's three entries. */
typedef struct npy_dict {
    char descr[32];
    int fortran;
    uint64_t shape[NPY_MAX_RANK];
    int rank;
} npy_dict;

/* Parse the dict text (n bytes) into d. Returns 0 and sets *why on a malformed
   dict: not exactly the keys descr, fortran_order and shape, each once. */
static int parse_dict(const char *text, size_t n, npy_dict *d, const char **why)
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
            if (!parse_string(&c, d->descr, sizeof d->descr)) {
                *why = "descr is not a dtype string (structured dtypes are not "
                       "supported)";
                return 0;
            }
        } else if (strcmp(key, "fortran_order") == 0 && !have_fortran) {
            have_fortran = 1;
            if (parse_word(&c, "True"))
                d->fortran = 1;
            else if (parse_word(&c, "False"))
                d->fortran = 0;
            else {
                *why = "fortran_order is neither True nor False";
                return 0;
            }
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            have_shape = 1;
            if (!parse_shape(&c, d->shape, &d->rank)) {
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

/* ------------------------------------------------------------- the reader */

static uint32_t little_endian32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static uint64_t little_endian64(const uint8_t *b)
{
    return (uint64_t)little_endian32(b) | (uint64_t)little_endian32(b + 4) << 32;
}

/* Map a descr to r->dtype and r->item; 0 with a message when not accepted. */
static int parse_dtype(npy_reader *r, const char *descr, char *err, size_t n_err)
{
    static const struct {
        const char *descr;
        npy_dtype dtype;
        unsigned item;
    } known[] = {
        {"<f4", NPY_F4, 4}, {"<f8", NPY_F8, 8}, {"|u1", NPY_U1, 1},
        {"<u1", NPY_U1, 1}, {"|i1", NPY_I1, 1}, {"<i1", NPY_I1, 1},
        {"<i8", NPY_I8, 8}, {"<i4", NPY_I4, 4}, {"<f2", NPY_F2, 2},
    };
    const int integers = (r->flags & NPY_INTEGERS) != 0;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        if (strcmp(descr, known[k].descr) == 0 &&
            (integers || known[k].dtype == NPY_F4 || known[k].dtype == NPY_F8 ||
             known[k].dtype == NPY_F2)) {
            r->dtype = known[k].dtype;
            r->item = known[k].item;
            return 1;
        }
    if (descr[0] == '>')
        say(err, n_err,
            "%s: big-endian dtype '%s' is not supported (save it with "
            "a.astype('<%s'))",
            r->path, descr, descr + 1);
    else if (integers)
        say(err, n_err,
            "%s: unsupported dtype '%s' (use '<f4', '<f8', '<f2', '|u1', '|i1', '<i4' "
            "or '<i8')",
            r->path, descr);
    else
        say(err, n_err,
            "%s: dtype '%s' is not supported (use float32 '<f4', float64 '<f8' or "
            "float16 '<f2')",
            r->path, descr);
    return 0;
}

/* Read and check the header of the open r->f into r. */
static int read_header(npy_reader *r, char *err, size_t n_err)
{
    const char *path = r->path;
    uint8_t pre[12];
    if (fread(pre, 1, 10, r->f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        say(err, n_err, "%s: not a .npy file (bad magic; expected \\x93NUMPY)", path);
        return BASIN_EINVAL;
    }
    const int major = pre[6], minor = pre[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
        say(err, n_err, "%s: unsupported .npy version %d.%d (1.0, 2.0, 3.0 are read)",
            path, major, minor);
        return BASIN_EINVAL;
    }
    uint64_t header_len;
    uint64_t prefix = 10;
    if (major == 1) {
        header_len = (uint64_t)pre[8] | (uint64_t)pre[9] << 8;
    } else {
        if (fread(pre + 10, 1, 2, r->f) != 2) {
            say(err, n_err, "%s: truncated header", path);
            return BASIN_EINVAL;
        }
        header_len = little_endian32(pre + 8);
        prefix = 12;
    }
    if (header_len > NPY_MAX_HEADER) {
        say(err, n_err, "%s: header length %llu is implausible (malformed header)", path,
            (unsigned long long)header_len);
        return BASIN_EINVAL;
    }
    char *text = malloc((size_t)header_len + 1);
    if (text == NULL) {
        say(err, n_err, "%s: out of memory for the header", path);
        return BASIN_ENOMEM;
    }
    if (fread(text, 1, (size_t)header_len, r->f) != header_len) {
        free(text);
        say(err, n_err, "%s: truncated header (%llu bytes promised)", path,
            (unsigned long long)header_len);
        return BASIN_EINVAL;
    }
    text[header_len] = 0;
    npy_dict d = {{0}, 0, {0}, 0};
    const char *why = NULL;
    const int ok = parse_dict(text, (size_t)header_len, &d, &why);
    free(text);
    if (!ok) {
        say(err, n_err, "%s: malformed header dict: %s", path, why);
        return BASIN_EINVAL;
    }
    if (d.fortran) {
        say(err, n_err,
            "%s: Fortran order (fortran_order True) is not supported (save a C-order "
            "array: np.ascontiguousarray)",
            path);
        return BASIN_EINVAL;
    }
    if (!parse_dtype(r, d.descr, err, n_err))
        return BASIN_EINVAL;
    const int vector = (r->flags & NPY_VECTOR) != 0 && d.rank == 1;
    if ((d.rank < 2 && !vector) || d.rank > NPY_MAX_RANK) {
        say(err, n_err,
            "%s: shape has %d dimensions; expected (K, N) or (K, d1, ..., d%d)", path,
            d.rank, NPY_MAX_RANK - 1);
        return BASIN_EINVAL;
    }
    r->rank = d.rank;
    memcpy(r->shape, d.shape, sizeof r->shape);
    r->rows = d.shape[0];
    uint64_t dim = 1;
    for (int k = 1; k < d.rank; k++) {
        if (d.shape[k] == 0) {
            say(err, n_err, "%s: shape entry %d is 0: rows would be empty", path, k);
            return BASIN_EINVAL;
        }
        if (dim > UINT32_MAX / d.shape[k]) {
            say(err, n_err,
                "%s: the shape's row size overflows (more than %u entries a row)", path,
                UINT32_MAX);
            return BASIN_EINVAL;
        }
        dim *= d.shape[k];
    }
    if (r->rows == 0) {
        say(err, n_err, "%s: the array has no rows (shape[0] = 0)", path);
        return BASIN_EINVAL;
    }
    /* rows · dim · item ≤ 2^62: every offset fits off_t with room to spare. */
    if (r->rows > (uint64_t)(INT64_MAX / 2) / dim / r->item) {
        say(err, n_err, "%s: the shape's size overflows (%llu rows of %llu entries)",
            path, (unsigned long long)r->rows, (unsigned long long)dim);
        return BASIN_EINVAL;
    }
    r->dim = (uint32_t)dim;
    r->data_offset = prefix + header_len;
    return BASIN_OK;
}

/* The shape as Python writes it: "(5, 3)". */
static void shape_text(const npy_reader *r, char *out, size_t n)
{
    size_t len = 0;
    for (int k = 0; k < r->rank && len < n; k++)
        len += (size_t)snprintf(out + len, n - len, "%s%llu", k ? ", " : "(",
                                (unsigned long long)r->shape[k]);
    if (len < n)
        snprintf(out + len, n - len, ")");
}

int npy_open_stream(npy_reader *r, FILE *f, const char *path, unsigned flags, char *err,
                    size_t n_err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->flags = flags;
    r->f = f;
    if (r->f == NULL) {
        say(err, n_err, "%s: cannot open: no stream", path);
        return BASIN_EINVAL;
    }
    int rc = read_header(r, err, n_err);
    if (rc != BASIN_OK)
        goto fail;
    /* The file must hold all the data the shape promises, even when only its first
       rows are read. */
    const uint64_t data_bytes = r->rows * r->dim * r->item;
    if (fseeko(r->f, 0, SEEK_END) != 0) {
        say(err, n_err, "%s: cannot seek: %s", path, strerror(errno));
        rc = BASIN_EIO;
        goto fail;
    }
    const off_t end = ftello(r->f);
    if (end < 0) {
        say(err, n_err, "%s: cannot tell the size: %s", path, strerror(errno));
        rc = BASIN_EIO;
        goto fail;
    }
    const uint64_t size = (uint64_t)end;
    const uint64_t have = size > r->data_offset ? size - r->data_offset : 0;
    if (have < data_bytes || (have > data_bytes && !(flags & NPY_TRAILING))) {
        char shape[NPY_MAX_RANK * 22 + 4];
        shape_text(r, shape, sizeof shape);
        say(err, n_err, "%s: %s for shape %s: %llu of %llu data bytes", path,
            have < data_bytes ? "truncated" : "trailing bytes", shape,
            (unsigned long long)have, (unsigned long long)data_bytes);
        rc = have < data_bytes ? BASIN_EIO : BASIN_EINVAL;
        goto fail;
    }
    r->trailing = have - data_bytes;
    return BASIN_OK;
fail:
    npy_close(r);
    return rc;
}

int npy_open_as(npy_reader *r, const char *path, unsigned flags, char *err, size_t n_err)
{
    memset(r, 0, sizeof *r);
    /* O_NONBLOCK: a FIFO without a writer is refused, not waited on. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        say(err, n_err, "%s: cannot open: %s", path, strerror(errno));
        return BASIN_EIO;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (S_ISDIR(st.st_mode))
        why = strerror(EISDIR);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    if (why != NULL) {
        say(err, n_err, "%s: cannot open: %s", path, why);
        close(fd);
        return BASIN_EIO;
    }
    FILE *f = NULL;
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
        (f = fdopen(fd, "rb")) == NULL) {
        say(err, n_err, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return BASIN_EIO;
    }
    return npy_open_stream(r, f, path, flags, err, n_err);
}

int npy_open(npy_reader *r, const char *path, char *err, size_t n_err)
{
    return npy_open_as(r, path, 0, err, n_err);
}

/* An IEEE 754 binary16 value, exactly (every one is a float32): sign, 5 exponent
   bits (bias 15; 0 subnormal, 31 inf/NaN), 10 fraction bits. */
static double half_value(uint16_t h)
{
    const int sign = h >> 15, exponent = (h >> 10) & 0x1f, fraction = h & 0x3ff;
    double v;
    if (exponent == 0)
        v = ldexp(fraction, -24);
    else if (exponent == 31)
        v = fraction ? NAN : INFINITY;
    else
        v = ldexp(fraction + 1024, exponent - 25);
    return sign ? -v : v;
}

/* Value i of raw (n little-endian entries of r->dtype) as a double. */
static double value_at(const npy_reader *r, const uint8_t *raw, size_t i)
{
    switch (r->dtype) {
    case NPY_F2:
        return half_value((uint16_t)(raw[2 * i] | raw[2 * i + 1] << 8));
    case NPY_F4: {
        const uint32_t bits = little_endian32(raw + 4 * i);
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    case NPY_F8: {
        const uint64_t bits = little_endian64(raw + 8 * i);
        double v;
        memcpy(&v, &bits, sizeof v);
        return v;
    }
    case NPY_U1: {
        const double p = raw[i];
        return (r->flags & NPY_U8_SYMMETRIC) ? p / 127.5 - 1.0
               : (r->flags & NPY_U8_UNIT)    ? p / 255.0
                                             : p;
    }
    case NPY_I1:
        return (int8_t)raw[i];
    case NPY_I4:
        return (int32_t)little_endian32(raw + 4 * i);
    case NPY_I8:
    default:
        return (double)(int64_t)little_endian64(raw + 8 * i);
    }
}

/* The message for a value v that is not a finite float32, at value `at` of a read
   that began at row `first`. */
static void say_not_finite(const npy_reader *r, uint64_t first, size_t at, double v,
                           char *err, size_t n_err)
{
    const unsigned long long row = (unsigned long long)(first + at / r->dim);
    const unsigned column = (unsigned)(at % r->dim);
    if (isnan(v) || isinf(v))
        say(err, n_err, "%s: row %llu, column %u is %s", r->path, row, column,
            isnan(v) ? "NaN"
            : v > 0  ? "+Inf"
                     : "-Inf");
    else
        say(err, n_err, "%s: row %llu, column %u: %g is too large for float32 (overflow)",
            r->path, row, column, v);
}

int npy_read_rows(npy_reader *r, uint64_t first, uint64_t count, float *out, char *err,
                  size_t n_err)
{
    if (r->f == NULL || first > r->rows || count > r->rows - first) {
        say(err, n_err, "%s: rows past the end", r->path);
        return BASIN_EINVAL;
    }
    const size_t n = (size_t)(count * r->dim);
    if (fseeko(r->f, (off_t)(r->data_offset + first * r->dim * r->item), SEEK_SET) != 0) {
        say(err, n_err, "%s: cannot seek: %s", r->path, strerror(errno));
        return BASIN_EIO;
    }
    if (r->dtype == NPY_F4) {
        /* Native little-endian floats (checked above): straight into out. */
        if (fread(out, 4, n, r->f) != n) {
            say(err, n_err, "%s: read error in rows %llu to %llu", r->path,
                (unsigned long long)first, (unsigned long long)(first + count - 1));
            return BASIN_EIO;
        }
        for (size_t i = 0; i < n; i++)
            if (!isfinite(out[i])) {
                say_not_finite(r, first, i, out[i], err, n_err);
                return BASIN_EINVAL;
            }
        return BASIN_OK;
    }
    /* Other dtypes in pieces through a small buffer. */
    uint8_t raw[4096];
    const size_t per = sizeof raw / r->item;
    for (size_t done = 0; done < n;) {
        const size_t m = n - done < per ? n - done : per;
        if (fread(raw, r->item, m, r->f) != m) {
            say(err, n_err, "%s: read error in rows %llu to %llu", r->path,
                (unsigned long long)first, (unsigned long long)(first + count - 1));
            return BASIN_EIO;
        }
        for (size_t i = 0; i < m; i++) {
            const double v = value_at(r, raw, i);
            if (!isfinite(v) || fabs(v) > FLT_MAX) {
                say_not_finite(r, first, done + i, v, err, n_err);
                return BASIN_EINVAL;
            }
            out[done + i] = (float)v;
        }
        done += m;
    }
    return BASIN_OK;
}

int npy_read_labels(npy_reader *r, uint64_t first, uint64_t count, int32_t *out,
                    char *err, size_t n_err)
{
    if (r->f == NULL || first > r->rows || count > r->rows - first) {
        say(err, n_err, "%s: rows past the end", r->path);
        return BASIN_EINVAL;
    }
    if (r->dtype == NPY_F4 || r->dtype == NPY_F8 || r->dtype == NPY_F2) {
        say(err, n_err,
            "%s: labels must be integers ('<i4', '<i8', '|u1' or '|i1'), not %s", r->path,
            r->dtype == NPY_F4   ? "float32 '<f4'"
            : r->dtype == NPY_F8 ? "float64 '<f8'"
                                 : "float16 '<f2'");
        return BASIN_EINVAL;
    }
    if (r->dim != 1) {
        say(err, n_err, "%s: labels are one value a row (shape (K,)), not %u", r->path,
            r->dim);
        return BASIN_EINVAL;
    }
    if (fseeko(r->f, (off_t)(r->data_offset + first * r->item), SEEK_SET) != 0) {
        say(err, n_err, "%s: cannot seek: %s", r->path, strerror(errno));
        return BASIN_EIO;
    }
    uint8_t raw[4096];
    const size_t per = sizeof raw / r->item;
    for (uint64_t done = 0; done < count;) {
        const size_t m = count - done < per ? (size_t)(count - done) : per;
        if (fread(raw, r->item, m, r->f) != m) {
            say(err, n_err, "%s: read error in rows %llu to %llu", r->path,
                (unsigned long long)first, (unsigned long long)(first + count - 1));
            return BASIN_EIO;
        }
        for (size_t i = 0; i < m; i++) {
            /* U1 unscaled: the flags' scale is for pixels, not classes */
            const int64_t v = r->dtype == NPY_U1   ? (int64_t)raw[i]
                              : r->dtype == NPY_I1 ? (int64_t)(int8_t)raw[i]
                              : r->dtype == NPY_I4
                                  ? (int64_t)(int32_t)little_endian32(raw + 4 * i)
                                  : (int64_t)little_endian64(raw + 8 * i);
            if (v < 0 || v > INT32_MAX) {
                say(err, n_err, "%s: row %llu: label %lld is not in [0, %d]", r->path,
                    (unsigned long long)(first + done + i), (long long)v, INT32_MAX);
                return BASIN_EINVAL;
            }
            out[done + i] = (int32_t)v;
        }
        done += m;
    }
    return BASIN_OK;
}

void npy_close(npy_reader *r)
{
    if (r->f != NULL)
        fclose(r->f);
    r->f = NULL;
    free(r->buffer);
    r->buffer = NULL;
}
