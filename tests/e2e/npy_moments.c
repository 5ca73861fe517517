/*
 * npy_moments FILE.npy — print the mean and variance of each column of a float32
 * C-order matrix, one "column mean variance" line each (for end-to-end checks of
 * samples.npy without NumPy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: npy_moments FILE.npy\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    unsigned char pre[10];
    if (!f || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        fprintf(stderr, "%s: not a .npy file\n", argv[1]);
        return 1;
    }
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    char header[65536];
    unsigned long long rows, cols;
    if (pre[6] != 1 || hlen >= sizeof header || fread(header, 1, hlen, f) != hlen) {
        fprintf(stderr, "%s: unsupported header\n", argv[1]);
        return 1;
    }
    header[hlen] = '\0';
    const char *shape = strstr(header, "'shape': (");
    if (!strstr(header, "'<f4'") || !shape ||
        sscanf(shape, "'shape': (%llu, %llu)", &rows, &cols) != 2 || cols == 0) {
        fprintf(stderr, "%s: expected a float32 matrix\n", argv[1]);
        return 1;
    }
    double *sum = calloc(cols, sizeof *sum), *sum2 = calloc(cols, sizeof *sum2);
    float *row = malloc(cols * sizeof *row);
    for (unsigned long long r = 0; r < rows; r++) {
        if (fread(row, sizeof *row, cols, f) != cols) {
            fprintf(stderr, "%s: truncated\n", argv[1]);
            return 1;
        }
        for (unsigned long long c = 0; c < cols; c++) {
            sum[c] += row[c];
            sum2[c] += (double)row[c] * row[c];
        }
    }
    for (unsigned long long c = 0; c < cols; c++) {
        double mean = sum[c] / rows;
        printf("%llu %.6f %.6f\n", c, mean, sum2[c] / rows - mean * mean);
    }
    free(sum);
    free(sum2);
    free(row);
    fclose(f);
    return 0;
}
