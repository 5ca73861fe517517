/*
 * npy_diff A.npy B.npy TOL — compare two matrices of one shape (read by the core's
 * .npy reader, npy.h): prints "ROWS MAX_ABS_DIFF ROWS_OVER_TOL" (rows whose
 * largest entry difference exceeds TOL). Exit 1 on unreadable or mismatched
 * files. For end-to-end checks of samples.npy without NumPy.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernels/npy.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: npy_diff A.npy B.npy TOL\n");
        return 2;
    }
    char err[1024];
    npy_reader a, b;
    if (npy_open(&a, argv[1], err, sizeof err) ||
        npy_open(&b, argv[2], err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (a.rows != b.rows || a.dim != b.dim) {
        fprintf(stderr, "shapes differ: %llux%u and %llux%u\n",
                (unsigned long long)a.rows, a.dim, (unsigned long long)b.rows, b.dim);
        return 1;
    }
    const double tol = atof(argv[3]);
    float *x = malloc(a.dim * sizeof *x), *y = malloc(a.dim * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    double worst = 0;
    unsigned long long over = 0;
    for (uint64_t r = 0; r < a.rows; r++) {
        if (npy_read_rows(&a, r, 1, x, err, sizeof err) ||
            npy_read_rows(&b, r, 1, y, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        double row = 0;
        for (uint32_t c = 0; c < a.dim; c++)
            row = fmax(row, fabs((double)x[c] - y[c]));
        worst = fmax(worst, row);
        over += row > tol;
    }
    printf("%llu %.3g %llu\n", (unsigned long long)a.rows, worst, over);
    free(x);
    free(y);
    npy_close(&a);
    npy_close(&b);
    return 0;
}
