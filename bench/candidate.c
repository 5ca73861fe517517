/*
 * candidate — benchmark of the certified candidate-set path (softmax_stream_average,
 * core/kernels/softmax.h) against the exact empirical denoiser (softmax_average) in
 * the same run, on the same trajectories: deterministic DDIM (η = 0) from pure noise
 * on a basin schedule's default grid, n states driven by the exact path, each step's
 * states also given to a stream (so both sides see identical inputs, and the
 * stream's outputs are compared with the exact ones). Not a test: run by hand
 * (bench/candidate.sh).
 *
 * Per step it times both denoisers (single-threaded OpenBLAS, as inside a basin
 * worker), and marks the step collapsed when the median state's largest posterior
 * weight exceeds 1/2 (w_max = exp(ℓ_nearest − lse), from softmax_lse_nearest, not
 * timed). It prints the speed-up over all steps and over the collapsed ones, the
 * certified fraction, the largest |stream − exact| over every output entry, and
 * whether the nearest training point of every final state agrees.
 *
 * Usage: candidate IDX_FOLDER|gaussian K N_STATES STEPS SCHEDULE [EPS]
 *   (IDX_FOLDER: train-images-idx3-ubyte.gz of Fashion-MNIST, pixels → [−1, 1] as
 *   datasets/fashion-mnist; `gaussian`: K standard normal points in N = 784.)
 */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "basin/plugin.h"
#include "nearest.h"
#include "process/schedule.h"
#include "softmax.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 7;
static double uniform(void)
{
    rng += 0x9e3779b97f4a7c15ull;
    uint64_t z = rng;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1p-53;
}
static double normal(void)
{
    return sqrt(-2 * log(1 - uniform())) * cos(2 * M_PI * uniform());
}

/* k images of 784 pixels from the IDX file, or NULL. */
static float *read_idx(const char *folder, uint64_t k)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", folder);
    gzFile f = gzopen(path, "rb");
    if (f == NULL)
        return NULL;
    unsigned char head[16];
    float *v = malloc(k * 784 * sizeof *v);
    unsigned char *px = malloc(784);
    int ok = gzread(f, head, 16) == 16 && v != NULL && px != NULL;
    for (uint64_t i = 0; ok && i < k; i++) {
        ok = gzread(f, px, 784) == 784;
        for (int j = 0; ok && j < 784; j++)
            v[i * 784 + (size_t)j] = (float)(px[j] / 127.5 - 1.0);
    }
    gzclose(f);
    free(px);
    if (!ok) {
        free(v);
        return NULL;
    }
    return v;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: candidate IDX_FOLDER|gaussian K N_STATES STEPS SCHEDULE "
                        "[EPS]\n");
        return 2;
    }
    openblas_set_num_threads(1);
    const uint64_t k = strtoull(argv[2], NULL, 10), n = strtoull(argv[3], NULL, 10);
    const uint32_t steps = (uint32_t)strtoul(argv[4], NULL, 10), dim = 784;
    const double eps = argc > 6 ? strtod(argv[6], NULL) : 1e-7;
    float *pat;
    if (strcmp(argv[1], "gaussian") == 0) {
        pat = malloc(k * dim * sizeof *pat);
        for (uint64_t e = 0; pat && e < k * dim; e++)
            pat[e] = (float)normal();
    } else {
        pat = read_idx(argv[1], k);
    }
    schedule sch;
    char err[256];
    if (pat == NULL || schedule_init(&sch, argv[5], -1, -1, err, sizeof err) != 0) {
        fprintf(stderr, "candidate: no data or bad schedule\n");
        return 2;
    }
    const basin_schedule *bs = &sch.table;
    softmax_memory m;
    softmax_stream *s;
    if (softmax_memory_init(&m, pat, k, dim) || softmax_stream_open(&m, n, eps, &s))
        return 1;
    double *times = malloc((steps + 1) * sizeof *times);
    bs->grid(bs, steps, times);
    float *x = malloc(n * dim * sizeof *x), *d_ex = malloc(n * dim * sizeof *x);
    float *d_st = malloc(n * dim * sizeof *x);
    double *lse = malloc(n * sizeof *lse), *wmax = malloc(n * sizeof *wmax);
    nearest2 *nn = malloc(n * sizeof *nn), *nn_st = malloc(n * sizeof *nn);
    for (uint64_t e = 0; e < n * dim; e++)
        x[e] = (float)normal();
    double t_ex = 0, t_st = 0, t_ex_c = 0, t_st_c = 0, worst = 0;
    uint32_t collapsed_steps = 0, first_collapsed = steps;
    softmax_stream_stats before, after;
    uint64_t cert_collapsed = 0;
    for (uint32_t i = 0; i < steps; i++) {
        double a, sg, aj, sj;
        bs->at(bs, times[i], &a, &sg, NULL, NULL);
        bs->at(bs, times[i + 1], &aj, &sj, NULL, NULL);
        const double t0 = now();
        softmax_average(&m, x, n, a / (sg * sg), -a * a / (2 * sg * sg), d_ex, NULL);
        const double t1 = now();
        softmax_stream_get_stats(s, &before);
        softmax_stream_average(s, x, n, a, sg, d_st);
        softmax_stream_get_stats(s, &after);
        const double t2 = now();
        for (uint64_t e = 0; e < n * dim; e++) {
            const double d = fabs((double)d_ex[e] - d_st[e]);
            worst = d > worst ? d : worst;
        }
        /* collapsed: the median state's largest weight above 1/2 */
        softmax_lse_nearest(&m, x, n, a / (sg * sg), -a * a / (2 * sg * sg), a, lse, nn);
        for (uint64_t r = 0; r < n; r++) {
            const double xn2 =
                (double)cblas_sdot((int)dim, x + r * dim, 1, x + r * dim, 1);
            wmax[r] = exp((xn2 - nn[r].dist2[0]) / (2 * sg * sg) - lse[r]);
        }
        qsort(wmax, n, sizeof *wmax, cmp_double);
        const int collapsed = wmax[n / 2] > 0.5;
        t_ex += t1 - t0;
        t_st += t2 - t1;
        if (collapsed) {
            if (first_collapsed == steps)
                first_collapsed = i;
            collapsed_steps++;
            t_ex_c += t1 - t0;
            t_st_c += t2 - t1;
            cert_collapsed += after.certified - before.certified;
        }
        for (uint64_t e = 0; e < n * dim; e++) /* DDIM η = 0 on the exact output */
            x[e] = (float)(aj * d_ex[e] + sj * ((double)x[e] - a * d_ex[e]) / sg);
    }
    nearest_two(d_ex, n, pat, k, dim, 1.0, -1, nn); /* the last step's outputs */
    nearest_two(d_st, n, pat, k, dim, 1.0, -1, nn_st);
    uint64_t same = 0;
    for (uint64_t r = 0; r < n; r++)
        same += nn[r].index[0] == nn_st[r].index[0];
    softmax_stream_stats st;
    softmax_stream_get_stats(s, &st);
    printf(
        "%s K=%llu n=%llu steps=%u %s eps=%g: all steps exact %.2f s, candidate %.2f s, "
        "x%.2f; collapsed steps (%u, from step %u) exact %.2f s, candidate %.2f s, "
        "x%.2f; certified %.1f%% of evaluations (%.1f%% after collapse), mean %.1f "
        "candidates; max |candidate - exact| %.2g; final nearest point same for "
        "%llu/%llu\n",
        argv[1], (unsigned long long)k, (unsigned long long)n, steps, argv[5], eps, t_ex,
        t_st, t_ex / t_st, collapsed_steps, first_collapsed, t_ex_c, t_st_c,
        t_st_c > 0 ? t_ex_c / t_st_c : 0.0,
        100.0 * (double)st.certified / (double)st.calls,
        collapsed_steps ? 100.0 * (double)cert_collapsed / (double)(collapsed_steps * n)
                        : 0.0,
        st.certified ? (double)st.candidates / (double)st.certified : 0.0, worst,
        (unsigned long long)same, (unsigned long long)n);
    return 0;
}
