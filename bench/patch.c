/*
 * bench-patch — speed of scores/patch (Kamb & Ganguli 2025's LS and ELS machines;
 * a benchmark, not a test: it asserts nothing and prints `key value` lines for
 * bench/patch.sh).
 *
 * At Fashion-MNIST size (28 × 28 × 1), K = 10 training images, n = 8 states, patch
 * 5 (r = 2), α = 0.8, σ = 0.5: the best of 3 wall times of one denoise call of
 * each machine, and beside it the time of the SGEMMs the shared softmax kernel
 * makes for the same shapes (per class of locations: logits, rows × D · D × pool,
 * then the weighted average, rows × pool · pool × D; in blocks of 256 rows), so
 * the GEMM share of a call is gemm / call. The data are deterministic
 * (train[i] = cos(0.11 i), x[i] = sin(0.37 i)), the same as bench/peer_patch.py's,
 * so the two print the same checksum (the sum of x̂0) up to float rounding.
 *
 * Usage: bench-patch PATCH.so    (OpenBLAS single-threaded: OPENBLAS_NUM_THREADS=1)
 */
#include <basin/plugin.h>

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "fake_host.h"

enum { H = 28, W = 28, K = 10, NS = 8, SIDE = 5, R = SIDE / 2, REPEATS = 3 };
#define DIM (H * W)
#define D   (SIDE * SIDE)

static fake_host fake;
static const basin_host *const host = &fake.host;

static unsigned clip(unsigned v)
{
    return v < R ? v : R;
}

/* The SGEMMs of one call: per class (m locations; LS: every location alone),
   rows = NS·m queries against pool = K·m patches. */
static double gemm_seconds(int equivariant, float *buf)
{
    size_t sizes[(R + 1) * (R + 1) * (R + 1) * (R + 1)] = {0};
    size_t n_classes = 0;
    if (equivariant) {
        for (unsigned i = 0; i < H; i++)
            for (unsigned j = 0; j < W; j++) {
                unsigned ri = clip(i) * (R + 1) + clip(H - 1 - i),
                         cj = clip(j) * (R + 1) + clip(W - 1 - j);
                sizes[ri * (R + 1) * (R + 1) + cj]++;
            }
        n_classes = sizeof sizes / sizeof *sizes;
    }
    double total = 0;
    for (size_t c = 0; c < (equivariant ? n_classes : DIM); c++) {
        const size_t m = equivariant ? sizes[c] : 1;
        if (m == 0)
            continue;
        const size_t rows = NS * m, pool = K * m;
        float *q = buf, *p = q + rows * D, *logits = p + pool * D,
              *out = logits + 256 * pool;
        for (size_t i = 0; i < rows * D + pool * D; i++)
            buf[i] = (float)sin(0.01 * (double)i);
        const double t0 = clock_seconds();
        for (size_t first = 0; first < rows; first += 256) {
            const size_t b = rows - first < 256 ? rows - first : 256;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)pool, D,
                        1.0f, q + first * D, D, p, D, 0.0f, logits, (int)pool);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, D, (int)pool,
                        1.0f, logits, (int)pool, p, D, 0.0f, out, D);
        }
        total += clock_seconds() - t0;
    }
    return total;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench-patch PATCH.so\n");
        return 2;
    }
    fake_host_init(&fake, 1, FAKE_PHILOX);
    fake.quiet = 1;
    const basin_descriptor *desc = load_plugin(argv[1], "scores/patch");
    if (desc == NULL)
        return 1;
    const basin_score_iface *sc = desc->iface;
    static float train[K * DIM], x[NS * DIM], out[NS * DIM];
    for (size_t i = 0; i < K * DIM; i++)
        train[i] = (float)cos(0.11 * (double)i);
    for (size_t i = 0; i < NS * DIM; i++)
        x[i] = (float)sin(0.37 * (double)i);
    /* The largest class: all but the border, (H − 2r)(W − 2r) locations. */
    const size_t big = (H - 2 * R) * (W - 2 * R);
    float *buf =
        malloc((NS * big * D + K * big * D + 256 * K * big + 256 * D) * sizeof *buf);
    if (!buf)
        return 1;
    const char *modes[2] = {"ls", "els"};
    for (int mo = 0; mo < 2; mo++) {
        params p = param_defaults(desc);
        set_string(&p, "mode", modes[mo]);
        set_number(&p, "patch", SIDE);
        set_number(&p, "height", H);
        set_number(&p, "width", W);
        set_number(&p, "channels", 1);
        void *self = NULL;
        if (sc->create(host, p.values, DIM, &self) || sc->encode(self, host, train, K)) {
            fprintf(stderr, "bench-patch: %s: %s\n", modes[mo], fake_last_error);
            return 1;
        }
        double best = INFINITY, best_gemm = INFINITY;
        for (int rep = 0; rep < REPEATS; rep++) {
            const double t0 = clock_seconds();
            if (sc->denoise(self, host, x, NS, 0.8, 0.5, out)) {
                fprintf(stderr, "bench-patch: %s: %s\n", modes[mo], fake_last_error);
                return 1;
            }
            best = fmin(best, clock_seconds() - t0);
            best_gemm = fmin(best_gemm, gemm_seconds(mo == 1, buf));
        }
        double check = 0;
        for (size_t i = 0; i < NS * DIM; i++)
            check += out[i];
        /* Flops of the two GEMMs: LS 4·n·K·h·w·D; ELS 4·n·K·Σ m²·D. */
        printf("%s 28x28 K=%d n=%d patch=%d call %.4f s  sgemm %.4f s  gemm_share %.2f"
               "  (checksum %.6g)\n",
               modes[mo], K, NS, SIDE, best, best_gemm, best_gemm / best, check);
        sc->destroy(self);
    }
    free(buf);
    return 0;
}
