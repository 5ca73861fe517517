/*
 * npy_diff A.npy B.npy TOL — compare two float32 C-order matrices of one shape:
 * prints "ROWS MAX_ABS_DIFF ROWS_OVER_TOL" (rows whose largest entry difference
 * exceeds TOL). Exit 1 on unreadable or mismatched files. For end-to-end checks
 * of samples.npy without NumPy.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open a float32 matrix and read its shape; NULL (with a message) on failure. */
static FILE *open_matrix(const char *path, unsigned long long *rows,
                         unsigned long long *cols)
{
    FILE *f = fopen(path, "rb");
    unsigned char pre[10];
    char header[65536];
    if (!f || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0
        || pre[6] != 1) {
        fprintf(stderr, "%s: not a version-1 .npy file\n", path);
        return NULL;
    }
    const size_t hlen = pre[8] | (size_t)pre[9] << 8;
    if (hlen >= sizeof header || fread(header, 1, hlen, f) != hlen) {
        fprintf(stderr, "%s: unsupported header\n", path);
        return NULL;
    }
    header[hlen] = '\0';
    const char *shape = strstr(header, "'shape': (");
    if (!strstr(header, "'<f4'") || !shape
        || sscanf(shape, "'shape': (%llu, %llu)", rows, cols) != 2 || *cols == 0) {
        fprintf(stderr, "%s: expected a float32 matrix\n", path);
        return NULL;
    }
    return f;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: npy_diff A.npy B.npy TOL\n");
        return 2;
    }
    unsigned long long ra, ca, rb, cb;
    FILE *a = open_matrix(argv[1], &ra, &ca);
    FILE *b = open_matrix(argv[2], &rb, &cb);
    if (!a || !b)
        return 1;
    if (ra != rb || ca != cb) {
        fprintf(stderr, "shapes differ: %llux%llu and %llux%llu\n", ra, ca, rb, cb);
        return 1;
    }
    const double tol = atof(argv[3]);
    float *x = malloc(ca * sizeof *x), *y = malloc(ca * sizeof *y);
    double worst = 0;
    unsigned long long over = 0;
    for (unsigned long long r = 0; r < ra; r++) {
        if (fread(x, sizeof *x, ca, a) != ca || fread(y, sizeof *y, ca, b) != ca) {
            fprintf(stderr, "truncated\n");
            return 1;
        }
        double row = 0;
        for (unsigned long long c = 0; c < ca; c++)
            row = fmax(row, fabs((double)x[c] - y[c]));
        worst = fmax(worst, row);
        over += row > tol;
    }
    printf("%llu %.3g %llu\n", ra, worst, over);
    free(x);
    free(y);
    fclose(a);
    fclose(b);
    return 0;
}
