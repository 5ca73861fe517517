/*
 * npy_moments FILE.npy — print the mean and variance of each column of a float32
 * matrix (read by the core's .npy reader, npy.h), one "column mean variance" line
 * each (for end-to-end checks of samples.npy without NumPy).
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernels/npy.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: npy_moments FILE.npy\n");
        return 2;
    }
    char err[1024];
    npy_reader r;
    if (npy_open(&r, argv[1], err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double *sum = calloc(r.dim, sizeof *sum), *sum2 = calloc(r.dim, sizeof *sum2);
    float *row = malloc(r.dim * sizeof *row);
    if (!sum || !sum2 || !row) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (uint64_t i = 0; i < r.rows; i++) {
        if (npy_read_rows(&r, i, 1, row, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        for (uint32_t c = 0; c < r.dim; c++) {
            sum[c] += row[c];
            sum2[c] += (double)row[c] * row[c];
        }
    }
    for (uint32_t c = 0; c < r.dim; c++) {
        double mean = sum[c] / (double)r.rows;
        printf("%u %.6f %.6f\n", c, mean, sum2[c] / (double)r.rows - mean * mean);
    }
    free(sum);
    free(sum2);
    free(row);
    npy_close(&r);
    return 0;
}
