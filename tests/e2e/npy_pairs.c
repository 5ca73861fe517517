/*
 * npy_pairs A.npy B.npy [TOL] — two float32 matrices of one shape (read by the
 * core's .npy reader, npy.h), compared row by row independently of basin's
 * measures:
 *   without TOL  "row d cos" for each row pair: d = ‖a − b‖/√N and
 *                cos = a·b/(‖a‖ ‖b‖), the disjoint-sets test's d_pair and
 *                cos_pair (core/run/disjoint.h);
 *   with TOL     one line "ROWS MAX_ABS_DIFF ROWS_OVER_TOL" (rows whose largest
 *                entry difference exceeds TOL), for end-to-end checks of
 *                samples.npy without NumPy (tests/plugins/ffi calls it NPY_DIFF).
 * Exit 1 on unreadable or mismatched files, 2 on a usage error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernels/npy.h"

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: npy_pairs A.npy B.npy [TOL]\n");
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
        fprintf(stderr, "npy_pairs: shapes differ: %llux%u and %llux%u\n",
                (unsigned long long)a.rows, a.dim, (unsigned long long)b.rows, b.dim);
        return 1;
    }
    const int summary = argc == 4;
    const double tol = summary ? atof(argv[3]) : 0;
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
        double d2 = 0, xy = 0, xx = 0, yy = 0, largest = 0;
        for (uint32_t c = 0; c < a.dim; c++) {
            d2 += ((double)x[c] - y[c]) * ((double)x[c] - y[c]);
            xy += (double)x[c] * y[c];
            xx += (double)x[c] * x[c];
            yy += (double)y[c] * y[c];
            largest = fmax(largest, fabs((double)x[c] - y[c]));
        }
        worst = fmax(worst, largest);
        over += largest > tol;
        if (!summary)
            printf("%llu %.9g %.9g\n", (unsigned long long)r, sqrt(d2 / a.dim),
                   xy / sqrt(xx * yy));
    }
    if (summary)
        printf("%llu %.3g %llu\n", (unsigned long long)a.rows, worst, over);
    free(x);
    free(y);
    npy_close(&a);
    npy_close(&b);
    return 0;
}
