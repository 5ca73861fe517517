/*
 * npy — NumPy's .npy format (version 1.0): a magic string, a little-endian header
 * length, a Python-literal header dict padded to a multiple of 64 bytes, then the
 * data in C order. https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
#ifndef BASIN_NPY_H
#define BASIN_NPY_H

#include <stdint.h>
#include <stdio.h>

/* Write the header of a rows × cols float32 ('<f4') C-order matrix; the caller
   then writes rows·cols little-endian floats. 0 on success, -1 on a write error. */
int npy_write_header_f32(FILE *f, uint64_t rows, uint64_t cols);

#endif
