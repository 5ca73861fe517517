/*
 * test_softmax — softmax_average (core/kernels/softmax.c) against a brute-force double
 * reference: out = Σ_μ w_μ ξ_μ with w = softmax(a x·ξ + b ‖ξ‖²) and
 * lse = log Σ_μ exp(a x·ξ_μ + b ‖ξ_μ‖²) (core/kernels/softmax.h; the empirical denoiser
 * of docs/science.md, Empirical score, at a = α/σ², b = −α²/2σ²).
 *
 * Tolerance (a rigorous float32 bound, from Higham, "Accuracy and Stability of
 * Numerical Algorithms", 2nd ed., eq. 3.5: a length-m dot product in precision u
 * has |error| ≤ γ_m Σ|terms|, γ_m = m u / (1 − m u)):
 *   - the logits' float SGEMM: |δℓ_μ| ≤ Δ = |a| γ_N Σ_i |x_i ξ_μi| (max over μ);
 *     every weight then has relative error ≤ e^{2Δ} − 1 (numerator and
 *     normalizer each move by at most e^{±Δ});
 *   - the float weights: exp of an argument t ∈ [−100, 0] rounded to float
 *     (relative error ≤ |t| u ≤ 87 u on weights that are not flushed to 0),
 *     the exp polynomial (≤ 2 u), the flushed weights (< e^−87 each);
 *   - the float weighted sum: a dot of length ≤ 1024 inside a chunk, K/1024 + 1
 *     chunk additions, the rescales and the final 1/S scaling: γ_{1024 + K/1024 + 4}.
 * So |out_i − ref_i| ≤ [(e^{2Δ} − 1) + 90 u + γ_{1024 + K/1024 + 4}] · max|ξ| · 2
 * (the 2 covering the second-order cross terms with room), and
 * |lse − ref| ≤ Δ + 90 u + 1e-12 |lse|. A wrong rescale, a lost chunk or an
 * off-by-one in the tail makes errors of order max|ξ| or more: far outside.
 */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "basin/plugin.h"
#include "kernels/softmax.h"

#define U32 0x1p-24 /* float32 unit roundoff */

static uint64_t rng_state;

/*
 * Each case starts its stream where it stood when one main() ran every case in
 * order from seed 12345 (the state after `draws` calls of uniform(): splitmix64's
 * state only adds its increment), so a case sees the same data alone as in the
 * suite. One BLAS thread: the bounds are for the serial SGEMM.
 */
static void setup(uint64_t draws)
{
    openblas_set_num_threads(1);
    rng_state = 12345 + draws * 0x9e3779b97f4a7c15ull;
}

static double uniform(void) /* [0, 1) */
{
    rng_state += 0x9e3779b97f4a7c15ull;
    uint64_t z = rng_state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

static void fill(float *v, size_t count, double scale)
{
    for (size_t i = 0; i < count; i++)
        v[i] = (float)(scale * (2 * uniform() - 1));
}

static double gamma_u(double m)
{
    return m * U32 / (1 - m * U32);
}

/* Brute-force reference in double for state x: out_ref (dim), *lse_ref, and the
   logit error bound Δ. */
static void reference(const float *patterns, uint64_t k, uint32_t dim, const float *x,
                      double a, double b, double *out_ref, double *lse_ref, double *delta)
{
    double *logit = malloc(k * sizeof *logit);
    double max = -INFINITY, worst = 0;
    for (uint64_t mu = 0; mu < k; mu++) {
        const float *xi = patterns + mu * dim;
        double dot = 0, norm2 = 0, abs_terms = 0;
        for (uint32_t i = 0; i < dim; i++) {
            dot += (double)x[i] * xi[i];
            norm2 += (double)xi[i] * xi[i];
            abs_terms += fabs((double)x[i] * xi[i]);
        }
        logit[mu] = a * dot + b * norm2;
        if (logit[mu] > max)
            max = logit[mu];
        if (abs_terms > worst)
            worst = abs_terms;
    }
    double sum = 0;
    memset(out_ref, 0, dim * sizeof *out_ref);
    for (uint64_t mu = 0; mu < k; mu++) {
        const double w = exp(logit[mu] - max);
        sum += w;
        for (uint32_t i = 0; i < dim; i++)
            out_ref[i] += w * patterns[mu * dim + i];
    }
    for (uint32_t i = 0; i < dim; i++)
        out_ref[i] /= sum;
    *lse_ref = max + log(sum);
    *delta = fabs(a) * gamma_u(dim) * worst;
    free(logit);
}

/* softmax_average on n random states against the reference; returns the spread
   of the logits over patterns (max − min, averaged over states) for the log. */
static void check_case(const char *name, uint64_t k, uint32_t dim, uint64_t n,
                       double pattern_scale, double state_scale, double a, double b)
{
    float *patterns = malloc(k * dim * sizeof *patterns);
    float *x = malloc(n * dim * sizeof *x);
    float *out = malloc(n * dim * sizeof *out);
    double *lse = malloc(n * sizeof *lse);
    double *out_ref = malloc(dim * sizeof *out_ref);
    fill(patterns, k * dim, pattern_scale);
    fill(x, n * dim, state_scale);
    double max_abs = 0;
    for (size_t i = 0; i < k * dim; i++)
        max_abs = fmax(max_abs, fabs(patterns[i]));

    softmax_memory m;
    EXPECT_MSG(softmax_memory_init(&m, patterns, k, dim) == BASIN_OK, "%s: init", name);
    int rc = softmax_average(&m, x, n, a, b, out, lse);
    EXPECT_MSG(rc == BASIN_OK, "%s: softmax_average returned %d", name, rc);

    const double accumulation = gamma_u(1024.0 + (double)k / 1024 + 4);
    double worst_ratio = 0, worst_lse_ratio = 0, max_delta = 0;
    int bad_out = 0, bad_lse = 0;
    for (uint64_t s = 0; s < n; s++) {
        double lse_ref, delta;
        reference(patterns, k, dim, x + s * dim, a, b, out_ref, &lse_ref, &delta);
        max_delta = fmax(max_delta, delta);
        const double tol = 2 * (expm1(2 * delta) + 90 * U32 + accumulation) * max_abs;
        for (uint32_t i = 0; i < dim; i++) {
            const double err = fabs(out[s * dim + i] - out_ref[i]);
            worst_ratio = fmax(worst_ratio, err / tol);
            bad_out += !(err <= tol);
        }
        const double tol_lse = delta + 90 * U32 + 1e-12 * fabs(lse_ref);
        const double err_lse = fabs(lse[s] - lse_ref);
        worst_lse_ratio = fmax(worst_lse_ratio, err_lse / tol_lse);
        bad_lse += !(err_lse <= tol_lse);
    }
    EXPECT_MSG(bad_out == 0, "%s: %d output entries outside the float32 bound", name,
               bad_out);
    EXPECT_MSG(bad_lse == 0, "%s: %d lse values outside the bound", name, bad_lse);
    printf("# %-28s K=%-5llu N=%-3u n=%-3llu  max err/bound: out %.2e, lse %.2e "
           "(logit bound %.1e)\n",
           name, (unsigned long long)k, dim, (unsigned long long)n, worst_ratio,
           worst_lse_ratio, max_delta);

    /* out or lse alone give the same numbers; repeated calls the same bits */
    float *out2 = malloc(n * dim * sizeof *out2);
    double *lse2 = malloc(n * sizeof *lse2);
    EXPECT_MSG(softmax_average(&m, x, n, a, b, out2, NULL) == BASIN_OK &&
                   memcmp(out, out2, n * dim * sizeof *out) == 0,
               "%s: out without lse is bit-identical", name);
    EXPECT_MSG(softmax_average(&m, x, n, a, b, NULL, lse2) == BASIN_OK &&
                   memcmp(lse, lse2, n * sizeof *lse) == 0,
               "%s: lse without out is bit-identical", name);
    free(out2);
    free(lse2);
    softmax_memory_free(&m);
    free(patterns);
    free(x);
    free(out);
    free(lse);
    free(out_ref);
}

/* Logits spanning hundreds of units: exp of a logit would overflow a double for
   the largest ones (ℓ ≈ 900 > 709), so only a max-subtracted softmax works. */
TEST_IMPL(softmax_overflow_range)
{
    setup(244658); /* after the reference cases' patterns and states */
    const uint64_t k = 2500;
    const uint32_t dim = 16;
    float *patterns = malloc(k * dim * sizeof *patterns);
    float x[16];
    fill(patterns, k * dim, 1.0);
    for (uint32_t i = 0; i < dim; i++)
        x[i] = 1.0f;
    /* the first pattern, in chunk 0, is far from the winner in the last chunk */
    softmax_memory m;
    softmax_memory_init(&m, patterns, k, dim);
    double lse, lse_ref, delta, out_ref[16];
    float out[16];
    const double a = 120.0; /* a x·ξ spans ±120·16 */
    EXPECT_MSG(softmax_average(&m, x, 1, a, 0.0, out, &lse) == BASIN_OK,
               "large logits: returns 0");
    reference(patterns, k, dim, x, a, 0.0, out_ref, &lse_ref, &delta);
    EXPECT_MSG(lse_ref > 709 && isfinite(lse), "large logits: lse %.1f > 709 is finite",
               lse);
    EXPECT_MSG(fabs(lse - lse_ref) <= delta + 90 * U32 + 1e-12 * lse_ref,
               "large logits: lse %.9g vs %.9g", lse, lse_ref);
    double err = 0;
    for (uint32_t i = 0; i < dim; i++)
        err = fmax(err, fabs(out[i] - out_ref[i]));
    EXPECT_MSG(err <= 2 * (expm1(2 * delta) + 90 * U32 + gamma_u(1030)),
               "large logits: out error %.2e", err);
    softmax_memory_free(&m);
    free(patterns);
}

TEST_IMPL(softmax_errors)
{
    setup(0);
    float patterns[6] = {1, 2, 3, 4, 5, 6};
    softmax_memory m;
    EXPECT_MSG(softmax_memory_init(&m, patterns, 0, 3) == BASIN_EINVAL, "init: k = 0");
    EXPECT_MSG(softmax_memory_init(&m, patterns, 2, 0) == BASIN_EINVAL, "init: dim = 0");
    EXPECT_MSG(softmax_memory_init(&m, patterns, UINT64_MAX / 2, 3) == BASIN_EINVAL,
               "init: k·dim overflows");
    patterns[4] = NAN;
    EXPECT_MSG(softmax_memory_init(&m, patterns, 2, 3) == BASIN_EINVAL,
               "init: NaN pattern");
    patterns[4] = 5;
    EXPECT_MSG(softmax_memory_init(&m, patterns, 2, 3) == BASIN_OK, "init: ok");
    EXPECT_MSG(m.norm2[1] == 16 + 25 + 36, "init: ‖ξ‖² = %g", m.norm2[1]);
    float x[6] = {1, 0, 0, 0, NAN, 0}, out[6];
    double lse[2];
    EXPECT_MSG(softmax_average(&m, x, 2, 1.0, -0.5, out, lse) == BASIN_ENUMERIC,
               "NaN state: BASIN_ENUMERIC");
    x[4] = INFINITY;
    EXPECT_MSG(softmax_average(&m, x, 2, 1.0, -0.5, out, lse) == BASIN_ENUMERIC,
               "Inf state: BASIN_ENUMERIC");
    x[4] = 0;
    EXPECT_MSG(softmax_average(&m, x, 2, NAN, -0.5, out, lse) == BASIN_ENUMERIC,
               "a = NaN: BASIN_ENUMERIC");
    EXPECT_MSG(softmax_average(&m, x, 2, 1e308, 1e308, out, lse) == BASIN_ENUMERIC,
               "overflowing logits: BASIN_ENUMERIC");
    EXPECT_MSG(softmax_average(&m, x, 0, 1.0, -0.5, out, lse) == BASIN_OK, "n = 0");
    softmax_memory_free(&m);
    softmax_memory_free(&m); /* idempotent */
}

/* Two threads on one memory give the serial bits ([thread-safe: m is read]). */
typedef struct job {
    const softmax_memory *m;
    const float *x;
    uint64_t n;
    float *out;
    int rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->rc = softmax_average(j->m, j->x, j->n, 0.7, -0.35, j->out, NULL);
    return NULL;
}

TEST_IMPL(softmax_threads)
{
    setup(284658); /* after softmax_overflow_range's 2500 × 16 patterns */
    const uint64_t k = 3000, n = 40;
    const uint32_t dim = 24;
    float *patterns = malloc(k * dim * sizeof *patterns);
    float *x = malloc(n * dim * sizeof *x);
    float *serial = malloc(n * dim * sizeof *serial);
    float *par = malloc(n * dim * sizeof *par);
    fill(patterns, k * dim, 1.0);
    fill(x, n * dim, 1.0);
    softmax_memory m;
    softmax_memory_init(&m, patterns, k, dim);
    softmax_average(&m, x, n, 0.7, -0.35, serial, NULL);
    job jobs[2] = {{&m, x, n / 2, par, -1},
                   {&m, x + n / 2 * dim, n / 2, par + n / 2 * dim, -1}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, run_job, &jobs[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    double diff = 0;
    for (size_t i = 0; i < n * dim; i++)
        diff = fmax(diff, fabs(serial[i] - par[i]));
    /* Batches of 20 and 40 states may take different SGEMM edge kernels, so the
       bits may differ; the numbers may not by more than the float bound. */
    EXPECT_MSG(jobs[0].rc == 0 && jobs[1].rc == 0 && diff <= 1e-5,
               "two threads agree with the serial run (max diff %.1e)", diff);
    softmax_memory_free(&m);
    free(patterns);
    free(x);
    free(serial);
    free(par);
}

/* The rows against the reference, in one stream. */
TEST_IMPL(softmax_reference)
{
    setup(0);
    /* a = α/σ², b = −α²/2σ² of the empirical denoiser at α = 0.8, σ = 0.5 */
    const double alpha = 0.8, sigma = 0.5;
    const double a = alpha / (sigma * sigma), b = -alpha * alpha / (2 * sigma * sigma);
    check_case("one pattern", 1, 7, 5, 1.0, 1.0, a, b);
    check_case("K < chunk", 300, 17, 9, 1.0, 1.0, a, b);
    check_case("K = chunk", 1024, 8, 3, 1.0, 1.0, a, b);
    check_case("K = 2 chunks + 452", 2500, 33, 300, 1.0, 1.0, a, b);
    check_case("K = chunk + 1, odd N", 1025, 13, 4, 1.0, 1.0, a, b);
    /* logits a x·ξ + b‖ξ‖² spanning hundreds of units within each state */
    check_case("logits span hundreds", 2100, 40, 6, 3.0, 3.0, 2.0, -0.3);
    check_case("Hopfield (b = 0)", 1500, 20, 5, 1.0, 1.0, 8.0, 0.0);
    check_case("uniform weights (a = b = 0)", 1100, 10, 3, 1.0, 1.0, 0.0, 0.0);
}

/* softmax_lse_nearest against the two calls it merges (nearest_two_normed, then
   softmax_average with no output): the same lse and the same nearest two
   (indices and double distances), bit for bit, for state blocks and pattern chunks
   with remainders; states halfway between two scaled patterns (exact ties in the
   ranking), on a scaled pattern (a memorized sample) and random ones. */
static void check_merged(const char *name, uint64_t k, uint32_t dim, uint64_t n,
                         double alpha, double sigma)
{
    float *pat = malloc((size_t)k * dim * sizeof *pat);
    float *x = malloc((size_t)n * dim * sizeof *x);
    double *lse1 = malloc(n * sizeof *lse1), *lse2 = malloc(n * sizeof *lse2);
    nearest2 *nn1 = malloc(n * sizeof *nn1), *nn2 = malloc(n * sizeof *nn2);
    fill(pat, (size_t)k * dim, 1.0);
    fill(x, (size_t)n * dim, alpha);
    for (uint64_t i = 0; i < n; i += 3) { /* halfway between patterns i and i + 1 */
        const float *p = pat + (i % (k - 1)) * dim, *q = p + dim;
        for (uint32_t d = 0; d < dim; d++)
            x[i * dim + d] = (float)(alpha * 0.5 * ((double)p[d] + (double)q[d]));
    }
    for (uint64_t i = 1; i < n; i += 3) /* on pattern i */
        for (uint32_t d = 0; d < dim; d++)
            x[i * dim + d] = (float)(alpha * pat[(i % k) * dim + d]);
    softmax_memory m;
    ASSERT_EQ(softmax_memory_init(&m, pat, k, dim), 0);
    const double a = alpha / (sigma * sigma), b = -alpha * alpha / (2 * sigma * sigma);
    EXPECT_EQ(nearest_two_normed(x, n, pat, m.norm2, k, dim, alpha, -1, nn1), 0);
    EXPECT_EQ(softmax_average(&m, x, n, a, b, NULL, lse1), 0);
    EXPECT_EQ(softmax_lse_nearest(&m, x, n, a, b, alpha, lse2, nn2), 0);
    uint64_t same_lse = 0, same_nn = 0;
    for (uint64_t i = 0; i < n; i++) {
        same_lse += memcmp(&lse1[i], &lse2[i], sizeof *lse1) == 0;
        same_nn += nn1[i].index[0] == nn2[i].index[0] &&
                   nn1[i].index[1] == nn2[i].index[1] &&
                   memcmp(nn1[i].dist2, nn2[i].dist2, sizeof nn1[i].dist2) == 0;
    }
    EXPECT_MSG(same_lse == n, "%s: lse the same bits in %llu of %llu states", name,
               (unsigned long long)same_lse, (unsigned long long)n);
    EXPECT_MSG(same_nn == n, "%s: nearest two the same in %llu of %llu states", name,
               (unsigned long long)same_nn, (unsigned long long)n);
    softmax_memory_free(&m);
    free(pat);
    free(x);
    free(lse1);
    free(lse2);
    free(nn1);
    free(nn2);
}

TEST_IMPL(softmax_lse_nearest_same)
{
    setup(0);
    check_merged("K < chunk", 300, 17, 9, 0.8, 0.5);
    check_merged("K = 2 chunks + 452, 2 state blocks + 44", 2500, 33, 556, 0.9, 0.3);
    check_merged("K = chunk + 1, odd N", 1025, 13, 40, 0.5, 1.5);
    check_merged("collapsed (small sigma)", 1500, 64, 70, 0.99, 0.05);
}

TEST_LIST_BEGIN
TEST_ENTRY(softmax_lse_nearest_same)
TEST_ENTRY(softmax_reference)
TEST_ENTRY(softmax_overflow_range)
TEST_ENTRY(softmax_errors)
TEST_ENTRY(softmax_threads)
TEST_LIST_END
