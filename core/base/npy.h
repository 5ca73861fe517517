/*
 * npy — NumPy's .npy format (version 1.0): a magic string, a little-endian header
 * length, a Python-literal header dict padded to a multiple of 64 bytes, then the
 * data in C order. https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
#ifndef BASIN_NPY_H
#define BASIN_NPY_H

#include <stdint.h>
#include <stdio.h>

/* Every header basin writes is this long, so a file can be written before its
   row count is known and the header rewritten in place at the end. */
#define NPY_HEADER_BYTES 128

/* Write the NPY_HEADER_BYTES header of a rows × cols float32 ('<f4') C-order
   matrix at the file's current position; the data (rows·cols little-endian floats)
   follows it. 0 on success, -1 on a write error. */
int npy_write_header_f32(FILE *f, uint64_t rows, uint64_t cols);

/*
 * A .npy matrix read a block of rows at a time, so a file larger than memory can
 * be streamed. Accepted: versions 1.0, 2.0 and 3.0; dtypes '<f4' and '<f8'
 * (float64 converted to float32, and it must fit); C order; shape (K, d1, ...)
 * of rank >= 2 read as K rows of d1·d2·… floats. Refused with a message naming
 * the file: a missing file, bad magic or version, a malformed header, Fortran
 * order, another dtype, zero rows or columns, a row over 2^32 - 1 floats, and a
 * file whose size differs from what the shape says (truncated or padded).
 */
typedef struct npy_reader {
    FILE *f;
    const char *path; /* borrowed from the caller */
    uint64_t rows;
    uint32_t dim;         /* floats per row */
    unsigned item;        /* 4 (<f4) or 8 (<f8) */
    uint64_t data_offset; /* bytes before the data */
} npy_reader;

/* Open and check path. 0, or -1 with "PATH: what is wrong" in err. */
int npy_open(npy_reader *r, const char *path, char *err, size_t n_err);

/* Rows [first, first + count) into out (count × dim float32). A NaN or ±Inf is an
   error naming the file, row and column. 0, or -1 with a message in err. */
int npy_read_rows(npy_reader *r, uint64_t first, uint64_t count, float *out, char *err,
                  size_t n_err);

/* Close (safe on a reader that failed to open, and twice). */
void npy_close(npy_reader *r);

#endif
