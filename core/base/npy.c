#include "base/npy.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/errmsg.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "basin writes .npy data as native floats and declares them little-endian"
#endif

int npy_write_header_f32(FILE *f, uint64_t rows, uint64_t cols)
{
    char dict[128];
    int n = snprintf(dict, sizeof dict,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (%llu, %llu), }",
                     (unsigned long long)rows, (unsigned long long)cols);
    /* magic(6) + version(2) + length(2) + dict + padding + '\n' = 128 bytes, a
       multiple of 64 as the format asks; the dict is at most 104 characters. */
    size_t pad = NPY_HEADER_BYTES - 10 - (size_t)n - 1;
    uint16_t header_len = (uint16_t)(n + pad + 1);
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

/* ------------------------------------------------------------- the reader */

#define NPY_MAX_HEADER (1u << 20)

/* The quoted value or the bare word after 'key': in a header dict, into out. */
static int dict_value(const char *dict, const char *key, char *out, size_t n)
{
    char quoted[32];
    snprintf(quoted, sizeof quoted, "'%s'", key);
    const char *p = strstr(dict, quoted);
    if (!p)
        return -1;
    p += strlen(quoted);
    while (*p == ' ')
        p++;
    if (*p++ != ':')
        return -1;
    while (*p == ' ')
        p++;
    size_t len = 0;
    if (*p == '\'' || *p == '"') {
        char q = *p++;
        while (*p && *p != q && len + 1 < n)
            out[len++] = *p++;
        if (*p != q)
            return -1;
    } else if (*p == '(') {
        while (*p && *p != ')' && len + 1 < n)
            out[len++] = *p++;
        if (*p != ')')
            return -1;
        out[len++] = ')';
    } else {
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
            if (len + 1 < n)
                out[len++] = *p++;
            else
                return -1;
    }
    out[len] = 0;
    return 0;
}

int npy_open(npy_reader *r, const char *path, char *err, size_t n_err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = fopen(path, "rb");
    if (!r->f) {
        errmsg(err, n_err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    unsigned char pre[12];
    if (fread(pre, 1, 10, r->f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        errmsg(err, n_err, "%s: not a .npy file (bad magic)", path);
        goto fail;
    }
    uint64_t header_len;
    unsigned major = pre[6];
    if (major == 1) {
        header_len = pre[8] | (unsigned)pre[9] << 8;
        r->data_offset = 10 + header_len;
    } else if (major == 2 || major == 3) {
        if (fread(pre + 10, 1, 2, r->f) != 2) {
            errmsg(err, n_err, "%s: truncated header", path);
            goto fail;
        }
        header_len = pre[8] | (uint32_t)pre[9] << 8 | (uint32_t)pre[10] << 16 |
                     (uint32_t)pre[11] << 24;
        r->data_offset = 12 + header_len;
    } else {
        errmsg(err, n_err, "%s: unsupported .npy version %u.%u", path, major, pre[7]);
        goto fail;
    }
    if (header_len > NPY_MAX_HEADER) {
        errmsg(err, n_err, "%s: header of %llu bytes is implausibly long", path,
               (unsigned long long)header_len);
        goto fail;
    }
    char *dict = malloc((size_t)header_len + 1);
    if (!dict) {
        errmsg(err, n_err, "%s: out of memory for the header", path);
        goto fail;
    }
    if (fread(dict, 1, (size_t)header_len, r->f) != header_len) {
        free(dict);
        errmsg(err, n_err, "%s: truncated header", path);
        goto fail;
    }
    dict[header_len] = 0;
    char descr[32], fortran[16], shape[256];
    int bad = dict_value(dict, "descr", descr, sizeof descr) ||
              dict_value(dict, "fortran_order", fortran, sizeof fortran) ||
              dict_value(dict, "shape", shape, sizeof shape);
    free(dict);
    if (bad) {
        errmsg(err, n_err, "%s: malformed header (needs descr, fortran_order, shape)",
               path);
        goto fail;
    }
    if (strcmp(descr, "<f4") == 0) {
        r->item = 4;
    } else if (strcmp(descr, "<f8") == 0) {
        r->item = 8;
    } else {
        errmsg(err, n_err,
               "%s: dtype '%s' is not supported (use float32 '<f4' or "
               "float64 '<f8')",
               path, descr);
        goto fail;
    }
    if (strcmp(fortran, "False") != 0) {
        errmsg(err, n_err, "%s: Fortran order is not supported (save a C-order array)",
               path);
        goto fail;
    }
    /* (K, d1, d2, ...) */
    uint64_t dims[8];
    int rank = 0;
    const char *p = shape + 1;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == ')')
            break;
        if (*p < '0' || *p > '9' || rank == 8) {
            errmsg(err, n_err, "%s: malformed shape %s", path, shape);
            goto fail;
        }
        errno = 0;
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno) {
            errmsg(err, n_err, "%s: shape entry overflows in %s", path, shape);
            goto fail;
        }
        dims[rank++] = v;
        p = end;
        while (*p == ' ' || *p == 'L')
            p++;
        if (*p == ',')
            p++;
    }
    if (rank < 2) {
        errmsg(err, n_err, "%s: shape %s has rank %d; need (rows, columns...)", path,
               shape, rank);
        goto fail;
    }
    uint64_t dim = 1;
    for (int i = 1; i < rank; i++) {
        if (dims[i] && dim > UINT32_MAX / dims[i]) {
            errmsg(err, n_err, "%s: rows of shape %s hold over 2^32 - 1 values", path,
                   shape);
            goto fail;
        }
        dim *= dims[i];
    }
    if (dims[0] == 0 || dim == 0) {
        errmsg(err, n_err, "%s: shape %s holds no data", path, shape);
        goto fail;
    }
    r->rows = dims[0];
    r->dim = (uint32_t)dim;
    if (r->rows > UINT64_MAX / r->item / dim) {
        errmsg(err, n_err, "%s: shape %s overflows", path, shape);
        goto fail;
    }
    uint64_t want = r->data_offset + r->rows * dim * r->item;
    if (fseeko(r->f, 0, SEEK_END) != 0) {
        errmsg(err, n_err, "%s: cannot seek: %s", path, strerror(errno));
        goto fail;
    }
    uint64_t size = (uint64_t)ftello(r->f);
    if (size != want) {
        errmsg(err, n_err, "%s: %s for shape %s (%llu bytes of data, %llu expected)",
               path, size < want ? "truncated" : "trailing bytes", shape,
               (unsigned long long)(size > r->data_offset ? size - r->data_offset : 0),
               (unsigned long long)(want - r->data_offset));
        goto fail;
    }
    return 0;
fail:
    npy_close(r);
    return -1;
}

int npy_read_rows(npy_reader *r, uint64_t first, uint64_t count, float *out, char *err,
                  size_t n_err)
{
    if (first > r->rows || count > r->rows - first) {
        errmsg(err, n_err, "%s: rows past the end", r->path);
        return -1;
    }
    size_t n = (size_t)(count * r->dim);
    if (fseeko(r->f, (off_t)(r->data_offset + first * r->dim * r->item), SEEK_SET) != 0) {
        errmsg(err, n_err, "%s: cannot seek: %s", r->path, strerror(errno));
        return -1;
    }
    if (r->item == 4) {
        if (fread(out, 4, n, r->f) != n) {
            errmsg(err, n_err, "%s: read error", r->path);
            return -1;
        }
    } else {
        /* float64 in pieces through a small buffer, converted in place. */
        double buf[512];
        for (size_t done = 0; done < n;) {
            size_t m = n - done < 512 ? n - done : 512;
            if (fread(buf, 8, m, r->f) != m) {
                errmsg(err, n_err, "%s: read error", r->path);
                return -1;
            }
            for (size_t i = 0; i < m; i++) {
                if (isfinite(buf[i]) && fabs(buf[i]) > FLT_MAX) {
                    size_t at = done + i;
                    errmsg(err, n_err, "%s: row %llu, column %u: %g does not fit float32",
                           r->path, (unsigned long long)(first + at / r->dim),
                           (unsigned)(at % r->dim), buf[i]);
                    return -1;
                }
                out[done + i] = (float)buf[i];
            }
            done += m;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(out[i])) {
            errmsg(err, n_err, "%s: row %llu, column %u is %s", r->path,
                   (unsigned long long)(first + i / r->dim), (unsigned)(i % r->dim),
                   isnan(out[i]) ? "NaN" : "infinite");
            return -1;
        }
    return 0;
}

void npy_close(npy_reader *r)
{
    if (r->f)
        fclose(r->f);
    r->f = NULL;
}
