/*
 * npy_pairs A.npy B.npy — for two float32 C-order matrices of the same shape,
 * print "row d cos" for each row pair: d = ‖a − b‖/√N and cos = a·b/(‖a‖ ‖b‖),
 * the disjoint-sets test's d_pair and cos_pair (core/disjoint.h), computed
 * independently of basin for end-to-end checks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open a .npy float32 matrix; its shape in rows × cols. NULL on failure. */
static FILE *open_matrix(const char *path, unsigned long long *rows,
                         unsigned long long *cols)
{
    FILE *f = fopen(path, "rb");
    unsigned char pre[10];
    char header[65536];
    if (!f || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 ||
        pre[6] != 1) {
        fprintf(stderr, "%s: not a version 1 .npy file\n", path);
        if (f)
            fclose(f);
        return NULL;
    }
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    const char *shape;
    if (hlen >= sizeof header || fread(header, 1, hlen, f) != hlen ||
        (header[hlen] = '\0', !strstr(header, "'<f4'")) ||
        !(shape = strstr(header, "'shape': (")) ||
        sscanf(shape, "'shape': (%llu, %llu)", rows, cols) != 2 || *cols == 0) {
        fprintf(stderr, "%s: expected a float32 matrix\n", path);
        fclose(f);
        return NULL;
    }
    return f;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: npy_pairs A.npy B.npy\n");
        return 2;
    }
    unsigned long long ra, ca, rb, cb;
    FILE *a = open_matrix(argv[1], &ra, &ca), *b = open_matrix(argv[2], &rb, &cb);
    if (!a || !b || ra != rb || ca != cb) {
        if (a && b)
            fprintf(stderr, "npy_pairs: the shapes differ\n");
        return 1;
    }
    float *x = malloc(ca * sizeof *x), *y = malloc(ca * sizeof *y);
    for (unsigned long long r = 0; x && y && r < ra; r++) {
        if (fread(x, sizeof *x, ca, a) != ca || fread(y, sizeof *y, ca, b) != ca) {
            fprintf(stderr, "npy_pairs: truncated\n");
            return 1;
        }
        double d2 = 0, xy = 0, xx = 0, yy = 0;
        for (unsigned long long c = 0; c < ca; c++) {
            d2 += ((double)x[c] - y[c]) * ((double)x[c] - y[c]);
            xy += (double)x[c] * y[c];
            xx += (double)x[c] * x[c];
            yy += (double)y[c] * y[c];
        }
        printf("%llu %.9g %.9g\n", r, sqrt(d2 / (double)ca), xy / sqrt(xx * yy));
    }
    free(x);
    free(y);
    fclose(a);
    fclose(b);
    return 0;
}
