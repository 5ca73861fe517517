/*
 * denoiser — benchmark of softmax_average (core/kernels/softmax.c), the kernel of the
 * empirical denoiser scores/empirical, beside the machine's SGEMM rate measured in
 * the same run. Not a test: run it by hand (bench/denoiser.sh).
 *
 * For each shape (K patterns, N = dim, n states) it times
 *   softmax_average  — 4·K·N·n flops per call (two SGEMMs' worth), and
 *   cblas_sgemm      — the logits of all K patterns at once, n × N · N × K,
 *                      2·K·N·n flops,
 * best of REPEATS calls each, single-threaded OpenBLAS as in the basin process,
 * and prints GFLOP/s and their ratio.
 *
 * Usage: denoiser [K N n]...   (default: 10000 784 256  60000 784 256)
 */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "basin/plugin.h"
#include "softmax.h"
#include "base/clock.h"

#define REPEATS 5

/* Uniform floats in [-1, 1) from a fixed xorshift stream. */
static void fill(float *v, size_t count, uint64_t seed)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < count; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v[i] = (float)((double)(s >> 11) * 0x1p-52 - 1.0);
    }
}

static int bench_shape(uint64_t k, uint32_t dim, uint64_t n)
{
    float *patterns = malloc((size_t)k * dim * sizeof *patterns);
    float *x = malloc((size_t)n * dim * sizeof *x);
    float *out = malloc((size_t)n * dim * sizeof *out);
    float *logits = malloc((size_t)n * k * sizeof *logits);
    double *lse = malloc((size_t)n * sizeof *lse);
    if (!patterns || !x || !out || !logits || !lse) {
        fprintf(stderr, "out of memory at K = %llu\n", (unsigned long long)k);
        return 1;
    }
    fill(patterns, (size_t)k * dim, 1);
    fill(x, (size_t)n * dim, 2);
    softmax_memory m;
    if (softmax_memory_init(&m, patterns, k, dim) != BASIN_OK) {
        fprintf(stderr, "softmax_memory_init failed\n");
        return 1;
    }
    /* The empirical denoiser at alpha = 1, sigma = 1: logits spread over tens of
       units, so the online max rescales now and then. */
    const double alpha = 1.0, sigma = 1.0;
    const double a = alpha / (sigma * sigma), b = -alpha * alpha / (2 * sigma * sigma);
    const double flops_softmax = 4.0 * (double)k * dim * (double)n;
    const double flops_gemm = 2.0 * (double)k * dim * (double)n;

    double best_softmax = INFINITY, best_gemm = INFINITY;
    for (int rep = 0; rep < REPEATS; rep++) {
        double t0 = clock_seconds();
        int rc = softmax_average(&m, x, n, a, b, out, lse);
        double t1 = clock_seconds();
        if (rc != BASIN_OK) {
            fprintf(stderr, "softmax_average returned %d\n", rc);
            return 1;
        }
        if (t1 - t0 < best_softmax)
            best_softmax = t1 - t0;
        t0 = clock_seconds();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)dim,
                    1.0f, x, (int)dim, patterns, (int)dim, 0.0f, logits, (int)k);
        t1 = clock_seconds();
        if (t1 - t0 < best_gemm)
            best_gemm = t1 - t0;
    }
    const double rate_softmax = flops_softmax / best_softmax * 1e-9;
    const double rate_gemm = flops_gemm / best_gemm * 1e-9;
    double check = 0;
    for (size_t i = 0; i < (size_t)n * dim; i++)
        check += out[i];
    printf("K=%llu N=%u n=%llu  softmax_average %.4f s %.1f GFLOP/s   "
           "sgemm %.4f s %.1f GFLOP/s   ratio %.3f   (checksum %.6g)\n",
           (unsigned long long)k, dim, (unsigned long long)n, best_softmax, rate_softmax,
           best_gemm, rate_gemm, rate_softmax / rate_gemm, check);
    softmax_memory_free(&m);
    free(patterns);
    free(x);
    free(out);
    free(logits);
    free(lse);
    return 0;
}

int main(int argc, char **argv)
{
    openblas_set_num_threads(1);
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    printf("openblas: %s; core %s; OPENBLAS_CORETYPE=%s; threads 1\n",
           openblas_get_config(), openblas_get_corename(),
           coretype != NULL ? coretype : "unset");
    if (argc > 1 && (argc - 1) % 3 != 0) {
        fprintf(stderr, "usage: %s [K N n]...\n", argv[0]);
        return 2;
    }
    if (argc == 1) {
        int rc = bench_shape(10000, 784, 256);
        return rc != 0 ? rc : bench_shape(60000, 784, 256);
    }
    for (int i = 1; i + 2 < argc; i += 3) {
        const unsigned long long k = strtoull(argv[i], NULL, 10);
        const unsigned long dim = strtoul(argv[i + 1], NULL, 10);
        const unsigned long long n = strtoull(argv[i + 2], NULL, 10);
        if (k == 0 || dim == 0 || dim > 65536 || n == 0) {
            fprintf(stderr, "bad shape %s %s %s\n", argv[i], argv[i + 1], argv[i + 2]);
            return 2;
        }
        if (bench_shape(k, (uint32_t)dim, n) != 0)
            return 1;
    }
    return 0;
}
