/*
 * npy — NumPy's .npy format, the one reader and writer of basin (the host's
 * outputs and `basin measure`, the datasets/npy plugin): the magic "\x93NUMPY", a
 * version byte pair (1.0, 2.0 or 3.0), the header length (uint16 little-endian for
 * 1.0, uint32 for 2.0 and 3.0), a Python dict literal {'descr': ..., 'fortran_order':
 * ..., 'shape': (...)} padded with spaces and '\n', then the data in C order.
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
#ifndef BASIN_NPY_H
#define BASIN_NPY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Every header basin writes is this long, so a file can be written before its
   row count is known and the header rewritten in place at the end. */
#define NPY_HEADER_BYTES 128

/* Write the NPY_HEADER_BYTES header of a rows × cols float32 ('<f4') C-order
   matrix at the file's current position; the data (rows·cols little-endian floats)
   follows it. 0 on success, -1 on a write error. */
int npy_write_header_f32(FILE *f, uint64_t rows, uint64_t cols);

/* The element types read; every one is converted to float32. */
typedef enum npy_dtype {
    NPY_F4, /* '<f4' */
    NPY_F8, /* '<f8': must fit float32 */
    NPY_U1, /* '|u1' or '<u1': scaled as the NPY_U8_* flag says */
    NPY_I1, /* '|i1' or '<i1' */
    NPY_I8, /* '<i8' */
    NPY_I4, /* '<i4' */
    NPY_F2  /* '<f2': IEEE half, converted exactly */
} npy_dtype;

/* npy_open_as flags. Without any, a reader takes what npy_open takes. */
enum {
    NPY_INTEGERS = 1u << 0,     /* also accept the integer dtypes U1, I1, I4, I8 */
    NPY_TRAILING = 1u << 1,     /* accept bytes after the data (counted in trailing) */
    NPY_U8_UNIT = 1u << 2,      /* uint8 p reads as p/255 ∈ [0, 1] */
    NPY_U8_SYMMETRIC = 1u << 3, /* uint8 p reads as p/127.5 − 1 ∈ [−1, 1]; neither: p */
    NPY_VECTOR = 1u << 4,       /* also accept rank 1: shape (K,) is K rows of 1 */
};

/* At most this many dimensions in a shape. */
#define NPY_MAX_RANK 8

/*
 * A .npy matrix read a block of rows at a time, so a file larger than memory can
 * be streamed. Shape (K, d1, d2, ...) of rank 2 to NPY_MAX_RANK is read as K rows
 * of d1·d2·… values. Refused with a message naming the file: a missing file (BASIN_EIO),
 * bad magic, a version other than 1.0, 2.0, 3.0, a header over 1 MiB or cut short,
 * a malformed header dict (exactly the keys descr, fortran_order and shape, each
 * once), Fortran order, a dtype not accepted (big-endian ones named as such), a
 * rank outside 2..NPY_MAX_RANK, zero rows or a zero dimension, a row over 2^32 − 1
 * values, a size over 2^62 bytes (BASIN_EINVAL); data shorter than the shape says
 * (BASIN_EIO), or longer unless NPY_TRAILING (BASIN_EINVAL).
 */
typedef struct npy_reader {
    FILE *f;
    const char *path; /* borrowed from the caller */
    unsigned flags;   /* the NPY_* flags it was opened with */
    npy_dtype dtype;
    unsigned item; /* bytes per value: 1, 2, 4 or 8 */
    int rank;
    uint64_t shape[NPY_MAX_RANK];
    uint64_t rows;        /* shape[0] */
    uint32_t dim;         /* values per row: shape[1]·shape[2]·… */
    uint64_t data_offset; /* bytes before the data */
    uint64_t trailing;    /* bytes after the data (0 unless NPY_TRAILING) */
    void *buffer;         /* memory behind f that npy_close frees (npy_open_input) */
} npy_reader;

/* Open and check path for float32 rows: dtypes '<f4', '<f8' and '<f2', no trailing
   bytes. 0, or BASIN_EIO / BASIN_EINVAL / BASIN_ENOMEM with "PATH: what is wrong"
   in err (n_err bytes; err may be NULL). On failure r holds no open file. */
int npy_open(npy_reader *r, const char *path, char *err, size_t n_err);

/* npy_open accepting what the NPY_* flags add. Only a regular file is opened (a
   FIFO or a device is refused, not waited on). */
int npy_open_as(npy_reader *r, const char *path, unsigned flags, char *err, size_t n_err);

/* npy_open_as on a seekable stream f already open at its start (a file, or a
   buffer through fmemopen), named path in messages. The reader takes f over:
   npy_close closes it, and a failure already has. */
int npy_open_stream(npy_reader *r, FILE *f, const char *path, unsigned flags, char *err,
                    size_t n_err);

/* Rows [first, first + count) into out (count × dim float32), converted from the
   file's dtype. A NaN, ±Inf or a float64 beyond float32 is an error naming the file,
   row and column (BASIN_EINVAL); a short read BASIN_EIO; rows past the end
   BASIN_EINVAL. 0, or the status with a message in err. */
int npy_read_rows(npy_reader *r, uint64_t first, uint64_t count, float *out, char *err,
                  size_t n_err);

/* Entries [first, first + count) of a file of one value a row (shape (K,) under
   NPY_VECTOR, or (K, 1)) into out as class labels: integer dtypes only (uint8
   unscaled), each in [0, 2^31 − 1]. A float dtype, rows of more than one value,
   or a label out of range (named by row) is BASIN_EINVAL; a short read
   BASIN_EIO; 0, or the status with "PATH: what is wrong" in err. */
int npy_read_labels(npy_reader *r, uint64_t first, uint64_t count, int32_t *out,
                    char *err, size_t n_err);

/* Close (safe on a reader that failed to open, and twice). */
void npy_close(npy_reader *r);

#endif
