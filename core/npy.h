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

#endif
