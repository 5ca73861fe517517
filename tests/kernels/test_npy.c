/* Tests for kernels/npy.h, the one .npy reader: crafted headers (the stack
 * overflow of the old core/npy.c in issue 16 among them), every prefix of a valid
 * file, and the stream entry point. Run under ASan/UBSan: nothing here may read or
 * write out of bounds. */
#include "npy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basin/plugin.h"
#include "harness.h"

/* A version 1.0 file in buf (cap bytes): the dict text padded with spaces and a
   '\n' to a multiple of 64, then n data bytes. Returns its length. */
static size_t make_npy(unsigned char *buf, size_t cap, const char *dict, const void *data,
                       size_t n)
{
    size_t d = strlen(dict), h = d + 1;
    while ((10 + h) % 64)
        h++;
    if (10 + h + n > cap)
        return 0;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(h & 0xff);
    buf[9] = (unsigned char)(h >> 8);
    memcpy(buf + 10, dict, d);
    memset(buf + 10 + d, ' ', h - d - 1);
    buf[10 + h - 1] = '\n';
    if (n)
        memcpy(buf + 10 + h, data, n);
    return 10 + h + n;
}

/* Open the n bytes at buf through npy_open_stream (fmemopen) as "m.npy". */
static int open_buffer(npy_reader *r, unsigned char *buf, size_t n, unsigned flags,
                       char *err, size_t n_err)
{
    err[0] = '\0';
    FILE *f = fmemopen(buf, n ? n : 1, "rb");
    if (f == NULL)
        return -1000;
    if (n == 0) { /* fmemopen wants a size of at least 1: read it past its end */
        fseek(f, 1, SEEK_SET);
        fgetc(f);
    }
    return npy_open_stream(r, f, "m.npy", flags, err, n_err);
}

static unsigned char buf[1 << 16];

/* Issue 16, item 3: the old reader copied a shape text of 255 characters and its
   ')' into a 256-byte stack buffer, then its NUL one byte past the end. The
   reader now parses the header with a bounded cursor; the same header reads as
   shape (2, 3). */
TEST_IMPL(npy_old_shape_overflow)
{
    char dict[512], shape[300];
    snprintf(shape, sizeof shape, "(2, 3%*s)", 250, "");
    ASSERT_EQ(strlen(shape), 256); /* '(' + 254 characters + ')' */
    snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
             shape);
    float data[6] = {1, 2, 3, 4, 5, 6};
    size_t n = make_npy(buf, sizeof buf, dict, data, sizeof data);
    npy_reader r;
    char err[512];
    ASSERT_EQ(open_buffer(&r, buf, n, 0, err, sizeof err), BASIN_OK);
    EXPECT_EQ(r.rows, 2);
    EXPECT_EQ(r.dim, 3);
    float out[6] = {0};
    EXPECT_EQ(npy_read_rows(&r, 0, 2, out, err, sizeof err), BASIN_OK);
    EXPECT_NEAR(out[5], 6, 0);
    npy_close(&r);

    /* The same length in entries: 85 dimensions, refused by rank. */
    size_t k = (size_t)snprintf(shape, sizeof shape, "(");
    for (int i = 0; i < 84; i++)
        k += (size_t)snprintf(shape + k, sizeof shape - k, "1, ");
    snprintf(shape + k, sizeof shape - k, "1)");
    snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
             shape);
    n = make_npy(buf, sizeof buf, dict, data, 4);
    EXPECT_EQ(open_buffer(&r, buf, n, 0, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_EQ(err,
                  "m.npy: shape has 85 dimensions; expected (K, N) or (K, d1, ..., d7)");

    /* A shape far longer than any buffer (a 60000-character tuple). */
    static char long_dict[70000];
    k = (size_t)snprintf(long_dict, sizeof long_dict,
                         "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    while (k < 60000)
        k += (size_t)snprintf(long_dict + k, sizeof long_dict - k, "%s", "7, ");
    snprintf(long_dict + k, sizeof long_dict - k, "7), }");
    static unsigned char big[1 << 17];
    n = make_npy(big, sizeof big, long_dict, NULL, 0);
    ASSERT_GT(n, 0);
    /* A 1.0 header holds at most 65535 bytes: write it as 2.0. */
    size_t h = n - 10;
    memmove(big + 12, big + 10, h);
    memcpy(big, "\x93NUMPY\x02\x00", 8);
    big[8] = (unsigned char)h;
    big[9] = (unsigned char)(h >> 8);
    big[10] = (unsigned char)(h >> 16);
    big[11] = 0;
    EXPECT_EQ(open_buffer(&r, big, n + 2, 0, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_EQ(
        err, "m.npy: shape has 19984 dimensions; expected (K, N) or (K, d1, ..., d7)");
}

/* Strings at and past the parser's 32-byte buffers, and other crafted dicts. */
TEST_IMPL(npy_crafted_headers)
{
    static const struct {
        const char *dict;
        const char *message;
    } cases[] = {
        /* 31 characters fit the 32-byte buffers, 32 do not. */
        {"{'descr': '%s', 'fortran_order': False, 'shape': (1, 1), }",
         "m.npy: dtype '%s' is not supported (use float32 '<f4', float64 '<f8' or "
         "float16 '<f2')"},
        {"{'descr': '%s', 'fortran_order': False, 'shape': (1, 1), }",
         "m.npy: malformed header dict: descr is not a dtype string (structured dtypes "
         "are not supported)"},
        {"{'%s': '<f4', 'fortran_order': False, 'shape': (1, 1), }",
         "m.npy: malformed header dict: a string is too long or has escapes"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), 'shape': (1, 1)}",
         "m.npy: malformed header dict: unknown or repeated key in the header dict"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (18446744073709551616, 1)}",
         "m.npy: malformed header dict: a shape entry overflows 64 bits"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}",
         "m.npy: the shape's row size overflows (more than 4294967295 entries a row)"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000000, 1000000)}",
         "m.npy: the shape's size overflows (2000000000000 rows of 1000000 entries)"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2)}",
         "m.npy: truncated for shape (3, 2): 0 of 24 data bytes"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1)}",
         "m.npy: malformed header dict: a shape entry is not a non-negative integer"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1 1)}",
         "m.npy: malformed header dict: shape tuple entries must be separated by commas"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1",
         "m.npy: malformed header dict: shape tuple entries must be separated by commas"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1)} x",
         "m.npy: malformed header dict: text after the header dict"},
        {"{'descr': '\\x3cf4', 'fortran_order': False, 'shape': (1, 1)}",
         "m.npy: malformed header dict: descr is not a dtype string (structured dtypes "
         "are not supported)"},
        {"{'descr': '<f4, 'fortran_order': False, 'shape': (1, 1)}",
         "m.npy: malformed header dict: expected ',' or '}' in the header dict"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1, 1)}",
         "m.npy: malformed header dict: descr is not a dtype string (structured dtypes "
         "are not supported)"},
        {"", "m.npy: malformed header dict: the header is not a dict (no '{')"},
    };
    static const char *const names[3] = {
        "<f4____________________________",  /* 31 characters */
        "<f4_____________________________", /* 32 */
        "descr___________________________", /* 32 */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char dict[256], message[256];
        const char *name = c < 3 ? names[c] : "";
        snprintf(dict, sizeof dict, cases[c].dict, name);
        snprintf(message, sizeof message, cases[c].message, name);
        size_t n = make_npy(buf, sizeof buf, dict, NULL, 0);
        npy_reader r;
        char err[512];
        EXPECT_LT(open_buffer(&r, buf, n, 0, err, sizeof err), 0);
        EXPECT_STR_EQ(err, message);
        EXPECT_NULL(r.f);
    }
}

/* Every prefix of a valid file is refused with a message; none reads past it. */
TEST_IMPL(npy_every_prefix)
{
    float data[12];
    for (int i = 0; i < 12; i++)
        data[i] = (float)i;
    const size_t n = make_npy(
        buf, sizeof buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
        data, sizeof data);
    ASSERT_EQ(n, 128 + sizeof data);
    static unsigned char copy[256];
    for (size_t len = 0; len < n; len++) {
        memcpy(copy, buf, len);
        npy_reader r;
        char err[512];
        int rc = open_buffer(&r, copy, len, 0, err, sizeof err);
        EXPECT_MSG(rc == BASIN_EINVAL || rc == BASIN_EIO, "prefix %zu: %d", len, rc);
        EXPECT_MSG(strncmp(err, "m.npy: ", 7) == 0, "prefix %zu: '%s'", len, err);
    }
    npy_reader r;
    char err[512];
    memcpy(copy, buf, n);
    ASSERT_EQ(open_buffer(&r, copy, n, 0, err, sizeof err), BASIN_OK);
    float out[12];
    EXPECT_EQ(npy_read_rows(&r, 1, 3, out, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_EQ(err, "m.npy: rows past the end");
    EXPECT_EQ(npy_read_rows(&r, 1, 2, out, err, sizeof err), BASIN_OK);
    EXPECT_NEAR(out[7], 11, 0);
    npy_close(&r);
    npy_close(&r);
}

/* Only regular files are opened: a FIFO without a writer is refused at once. */
TEST_IMPL(npy_not_regular_files)
{
    char dir[] = "/tmp/basin-npy-XXXXXX";
    ASSERT_NOT_NULL(mkdtemp(dir));
    char path[256], err[512], want[512];
    npy_reader r;
    snprintf(path, sizeof path, "%s/fifo.npy", dir);
    ASSERT_EQ(mkfifo(path, 0600), 0);
    EXPECT_EQ(npy_open(&r, path, err, sizeof err), BASIN_EIO);
    snprintf(want, sizeof want, "%s: cannot open: not a regular file", path);
    EXPECT_STR_EQ(err, want);
    unlink(path);
    EXPECT_EQ(npy_open(&r, dir, err, sizeof err), BASIN_EIO);
    snprintf(want, sizeof want, "%s: cannot open: Is a directory", dir);
    EXPECT_STR_EQ(err, want);
    EXPECT_EQ(npy_open(&r, path, err, sizeof err), BASIN_EIO);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    EXPECT_STR_EQ(err, want);
    rmdir(dir);
}

/* Labels: a rank-1 file only under NPY_VECTOR; '<i4' among NPY_INTEGERS;
   npy_read_labels reads integers exactly (uint8 unscaled whatever the flags) and
   refuses floats, wide rows and labels outside [0, 2^31 − 1], naming the row. */
TEST_IMPL(npy_labels)
{
    npy_reader r;
    char err[256];
    int32_t out[4];
    const int32_t i4[3] = {2, 0, 2147483647};
    size_t n = make_npy(buf, sizeof buf,
                        "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", i4,
                        sizeof i4);
    EXPECT_EQ(open_buffer(&r, buf, n, NPY_INTEGERS, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "m.npy: shape has 1 dimensions");
    ASSERT_EQ(open_buffer(&r, buf, n, NPY_INTEGERS | NPY_VECTOR, err, sizeof err),
              BASIN_OK);
    EXPECT_EQ(r.rows, 3);
    EXPECT_EQ(r.dim, 1);
    ASSERT_EQ(npy_read_labels(&r, 1, 2, out, err, sizeof err), BASIN_OK);
    EXPECT_EQ(out[0], 0);
    EXPECT_EQ(out[1], 2147483647);
    EXPECT_EQ(npy_read_labels(&r, 2, 2, out, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "m.npy: rows past the end");
    npy_close(&r);

    const uint8_t u1[2] = {9, 255};
    n = make_npy(buf, sizeof buf,
                 "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", u1,
                 sizeof u1);
    ASSERT_EQ(open_buffer(&r, buf, n, NPY_INTEGERS | NPY_VECTOR | NPY_U8_SYMMETRIC, err,
                          sizeof err),
              BASIN_OK);
    ASSERT_EQ(npy_read_labels(&r, 0, 2, out, err, sizeof err), BASIN_OK);
    EXPECT_EQ(out[0], 9);
    EXPECT_EQ(out[1], 255);
    npy_close(&r);

    const int64_t i8[2] = {1, (int64_t)1 << 31};
    n = make_npy(buf, sizeof buf,
                 "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i8,
                 sizeof i8);
    ASSERT_EQ(open_buffer(&r, buf, n, NPY_INTEGERS | NPY_VECTOR, err, sizeof err),
              BASIN_OK);
    EXPECT_EQ(npy_read_labels(&r, 0, 2, out, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_EQ(err, "m.npy: row 1: label 2147483648 is not in [0, 2147483647]");
    npy_close(&r);

    const float f4[2] = {0, 1};
    n = make_npy(buf, sizeof buf,
                 "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f4,
                 sizeof f4);
    ASSERT_EQ(open_buffer(&r, buf, n, NPY_INTEGERS | NPY_VECTOR, err, sizeof err),
              BASIN_OK);
    EXPECT_EQ(npy_read_labels(&r, 0, 2, out, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "m.npy: labels must be integers");
    npy_close(&r);

    n = make_npy(buf, sizeof buf,
                 "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }", i4,
                 2 * sizeof *i4);
    ASSERT_EQ(open_buffer(&r, buf, n, NPY_INTEGERS, err, sizeof err), BASIN_OK);
    EXPECT_EQ(npy_read_labels(&r, 0, 1, out, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "m.npy: labels are one value a row");
    npy_close(&r);
}

/* float16 ('<f2') converts exactly: 1, −2, the smallest subnormal 2^−24, the
   largest subnormal 1023·2^−24, the smallest normal 2^−14, the largest 65504,
   0.333251953125 (0x3555), −0; +inf and NaN are refused by row and column. */
TEST_IMPL(npy_float16)
{
    const uint16_t halves[8] = {0x3C00, 0xC000, 0x0001, 0x03FF,
                                0x0400, 0x7BFF, 0x3555, 0x8000};
    const float want[8] = {1.0f,     -2.0f,    0x1p-24f,        1023 * 0x1p-24f,
                           0x1p-14f, 65504.0f, 0.333251953125f, -0.0f};
    uint8_t raw[16];
    for (int k = 0; k < 8; k++) {
        raw[2 * k] = (uint8_t)(halves[k] & 0xff);
        raw[2 * k + 1] = (uint8_t)(halves[k] >> 8);
    }
    size_t n = make_npy(buf, sizeof buf,
                        "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 4), }",
                        raw, sizeof raw);
    npy_reader r;
    char err[256];
    ASSERT_EQ(open_buffer(&r, buf, n, 0, err, sizeof err), BASIN_OK);
    EXPECT_EQ(r.item, 2);
    float got[8];
    ASSERT_EQ(npy_read_rows(&r, 0, 2, got, err, sizeof err), BASIN_OK);
    for (int k = 0; k < 8; k++)
        EXPECT_MSG(got[k] == want[k] && signbit(got[k]) == signbit(want[k]),
                   "half 0x%04x read as %.9g, want %.9g", halves[k], got[k], want[k]);
    npy_close(&r);
    const uint16_t bad[2] = {0x3C00, 0x7C00};
    n = make_npy(buf, sizeof buf,
                 "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2), }", bad,
                 sizeof bad);
    ASSERT_EQ(open_buffer(&r, buf, n, 0, err, sizeof err), BASIN_OK);
    EXPECT_EQ(npy_read_rows(&r, 0, 1, got, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_EQ(err, "m.npy: row 0, column 1 is +Inf");
    npy_close(&r);
}

TEST_LIST_BEGIN
TEST_ENTRY(npy_old_shape_overflow)
TEST_ENTRY(npy_crafted_headers)
TEST_ENTRY(npy_every_prefix)
TEST_ENTRY(npy_not_regular_files)
TEST_ENTRY(npy_labels)
TEST_ENTRY(npy_float16)
TEST_LIST_END
