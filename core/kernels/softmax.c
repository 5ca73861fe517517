/*
 * softmax — softmax-weighted averages of stored patterns (contract in softmax.h).
 *
 * Per block of states and chunk of patterns Ξ_c (PATTERN_CHUNK rows):
 *
 *   1. L = X_b Ξ_cᵀ                                   one SGEMM (logits' dot part)
 *   2. per state row: ℓ_μ = a L_μ + b ‖ξ_μ‖² in double; the chunk's max m;
 *      the running max M ← max(M, m), and when it grows the running sum S and the
 *      accumulated output row are rescaled by exp(M_old − M_new) (the online
 *      softmax of Milakov & Gimelshein 2018, "Online normalizer calculation for
 *      softmax", arXiv:1805.02867, Alg. 3); then L_μ ← exp(ℓ_μ − M) in float and
 *      S += Σ_μ L_μ in double
 *   3. out_b += L Ξ_c                                  one SGEMM (weighted sum)
 *
 * and at the end out_i /= S_i, lse_i = M_i + log S_i. The two SGEMMs carry
 * 4·K·N·n flops; steps 2 and the final scaling touch n·K and n·N numbers, so the
 * kernel runs near the machine's SGEMM rate (bench/denoiser.c measures it).
 *
 * Accuracy. The logit is formed in double from the float dot product L, so the
 * large, cancelling terms a x·ξ and b ‖ξ‖² of the empirical denoiser (a = α/σ²,
 * b = −α²/2σ²) add without float rounding; the error left is the SGEMM's,
 * |δℓ| ≲ |a| · N · 2⁻²⁴ · Σ_i |x_i ξ_i| (usually √N times smaller). Weights and
 * the weighted sum are float: relative error ~1e-6 per output entry against the
 * output's scale max|ξ|. Weights below e^−87 of the largest are dropped (an
 * error below K · 1e-38).
 */
#include "softmax.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "basin/plugin.h"
#include "linalg.h"

/* Patterns per chunk: L is STATE_BLOCK × PATTERN_CHUNK floats (1 MiB at 256 × 1024),
   and both SGEMMs have a dimension of PATTERN_CHUNK, long enough for full speed. */
#define PATTERN_CHUNK 1024
/* States per block: bounds the scratch whatever n is. */
#define STATE_BLOCK 256
/* Lanes of the hand-blocked loops below (written so that GCC's SLP vectorizer turns
   each block into vector instructions at -O2 without -ffast-math). */
#define LANES 8
/* exp(t) for t below this is taken as 0: e^-87 ≈ 1.6e-38 is the smallest normal
   float's neighbourhood. */
#define EXP_FLOOR (-87.0f)

int softmax_memory_init(softmax_memory *m, const float *patterns, uint64_t k,
                        uint32_t dim)
{
    memset(m, 0, sizeof *m);
    if (patterns == NULL || k == 0 || dim == 0 || dim > INT_MAX ||
        k > SIZE_MAX / sizeof(float) / dim)
        return BASIN_EINVAL;
    const size_t count = (size_t)k * dim;
    float *copy = malloc(count * sizeof *copy);
    double *norm2 = malloc((size_t)k * sizeof *norm2);
    if (copy == NULL || norm2 == NULL) {
        free(copy);
        free(norm2);
        return BASIN_ENOMEM;
    }
    for (uint64_t mu = 0; mu < k; mu++) {
        const float *row = patterns + (size_t)mu * dim;
        double s = 0;
        for (uint32_t i = 0; i < dim; i++) {
            if (!isfinite(row[i])) {
                free(copy);
                free(norm2);
                return BASIN_EINVAL;
            }
            s += (double)row[i] * (double)row[i];
        }
        norm2[mu] = s;
    }
    memcpy(copy, patterns, count * sizeof *copy);
    m->patterns = copy;
    m->norm2 = norm2;
    m->k = k;
    m->dim = dim;
    return BASIN_OK;
}

void softmax_memory_free(softmax_memory *m)
{
    if (m == NULL)
        return;
    free(m->patterns);
    free(m->norm2);
    memset(m, 0, sizeof *m);
}

/*
 * p[t] = exp(t[t]) for LANES arguments t ≤ 0 (0 below EXP_FLOOR): Cephes expf
 * (range reduction by n = round(t/ln 2) with ln 2 split in two, a degree-5
 * minimax polynomial on |r| ≤ ln2/2, then ·2ⁿ through the exponent bits);
 * relative error ≤ 2 ulp. Branch-free so that it vectorizes.
 */
static inline void exp_lanes(const float *restrict t, float *restrict p)
{
    /* Three loops of their own: with one, GCC sinks the polynomial into a branch
       and nothing vectorizes. */
    float x[LANES], y[LANES];
    for (int l = 0; l < LANES; l++)
        x[l] = t[l] < EXP_FLOOR ? EXP_FLOOR : t[l];
    for (int l = 0; l < LANES; l++) {
        /* round to nearest by the 1.5·2²³ trick (no -ffast-math: not reassociated) */
        const float n = (x[l] * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
        float r = x[l] - n * 0.693359375f;
        r = r - n * -2.12194440e-4f;
        const float z = r * r;
        float q = 1.9875691500e-4f;
        q = q * r + 1.3981999507e-3f;
        q = q * r + 8.3334519073e-3f;
        q = q * r + 4.1665795894e-2f;
        q = q * r + 1.6666665459e-1f;
        q = q * r + 5.0000001201e-1f;
        q = q * z + r + 1.0f;
        const int32_t bits = ((int32_t)n + 127) << 23;
        float scale;
        memcpy(&scale, &bits, sizeof scale);
        y[l] = q * scale;
    }
    for (int l = 0; l < LANES; l++)
        p[l] = t[l] < EXP_FLOOR ? 0.0f : y[l];
}

/*
 * One row of logits, in place: dot (count floats) holds x·ξ_μ; bias[μ] = b ‖ξ_μ‖².
 * With ℓ_μ = a dot_μ + bias_μ, updates the running max *max_logit and returns
 * through *rescale the factor exp(old max − new max) by which the sums so far
 * shrink (1 if the max did not grow), then overwrites dot_μ with exp(ℓ_μ − max)
 * and returns their sum in double. Returns -1 if some ℓ_μ is not finite, else 0.
 */
static int softmax_row(float *restrict dot, const double *restrict bias, size_t count,
                       double a, double *max_logit, double *rescale, double *sum)
{
    /* Pass 1: the chunk's max; nonfinite stays ±0 unless some ℓ is ±Inf or NaN
       (then ℓ·0 is NaN). */
    double mx[LANES], nonfinite[LANES];
    for (int l = 0; l < LANES; l++) {
        mx[l] = -INFINITY;
        nonfinite[l] = 0;
    }
    size_t j = 0;
    for (; j + LANES <= count; j += LANES) {
        double v[LANES];
        for (size_t l = 0; l < LANES; l++) {
            v[l] = a * (double)dot[j + l] + bias[j + l];
            mx[l] = v[l] > mx[l] ? v[l] : mx[l];
            nonfinite[l] += v[l] * 0.0;
        }
    }
    for (; j < count; j++) {
        const double v = a * (double)dot[j] + bias[j];
        mx[0] = v > mx[0] ? v : mx[0];
        nonfinite[0] += v * 0.0;
    }
    double chunk_max = mx[0], check = nonfinite[0];
    for (int l = 1; l < LANES; l++) {
        chunk_max = mx[l] > chunk_max ? mx[l] : chunk_max;
        check += nonfinite[l];
    }
    if (check != 0.0 || !isfinite(chunk_max))
        return -1;

    *rescale = 1.0;
    if (chunk_max > *max_logit) {
        *rescale = exp(*max_logit - chunk_max); /* 0 on the first chunk (−Inf) */
        *max_logit = chunk_max;
    }
    const double shift = *max_logit;

    /* Pass 2: weights exp(ℓ − M) ≤ 1 in float, summed in double. The argument is
       clamped in double first so the float conversion cannot overflow. */
    double s[LANES] = {0};
    j = 0;
    for (; j + LANES <= count; j += LANES) {
        double d[LANES];
        float t[LANES], p[LANES];
        for (size_t l = 0; l < LANES; l++) {
            const double v = a * (double)dot[j + l] + bias[j + l] - shift;
            d[l] = v < -100.0 ? -100.0 : v;
        }
        for (int l = 0; l < LANES; l++) /* a loop of its own, or GCC won't vectorize */
            t[l] = (float)d[l];
        exp_lanes(t, p);
        for (size_t l = 0; l < LANES; l++) {
            dot[j + l] = p[l];
            s[l] += (double)p[l];
        }
    }
    if (j < count) {
        float t[LANES] = {0}, p[LANES];
        const size_t rest = count - j;
        for (size_t l = 0; l < rest; l++) {
            const double v = a * (double)dot[j + l] + bias[j + l] - shift;
            t[l] = (float)(v < -100.0 ? -100.0 : v);
        }
        exp_lanes(t, p);
        for (size_t l = 0; l < rest; l++) {
            dot[j + l] = p[l];
            s[l] += (double)p[l];
        }
    }
    double total = 0;
    for (int l = 0; l < LANES; l++)
        total += s[l];
    *sum = total;
    return 0;
}

/* softmax_average for one block of `rows` ≤ STATE_BLOCK states; scratch as below. */
static int softmax_block(const softmax_memory *m, const float *x, size_t rows, double a,
                         double b, float *out, double *lse, float *logits, double *bias,
                         double *max_logit, double *sum)
{
    const size_t dim = m->dim;
    for (size_t r = 0; r < rows; r++) {
        max_logit[r] = -INFINITY;
        sum[r] = 0;
    }
    for (uint64_t first = 0; first < m->k; first += PATTERN_CHUNK) {
        const size_t count =
            m->k - first < PATTERN_CHUNK ? (size_t)(m->k - first) : PATTERN_CHUNK;
        const float *chunk = m->patterns + (size_t)first * dim;
        for (size_t j = 0; j < count; j++)
            bias[j] = b * m->norm2[first + j];
        linalg_gemm_nt(x, chunk, logits, rows, count, dim, 1.0f, 0.0f);
        for (size_t r = 0; r < rows; r++) {
            double rescale, chunk_sum;
            if (softmax_row(logits + r * count, bias, count, a, &max_logit[r], &rescale,
                            &chunk_sum) != 0)
                return BASIN_ENUMERIC;
            sum[r] = sum[r] * rescale + chunk_sum;
            if (out != NULL && first > 0 && rescale != 1.0) {
                const float f = (float)rescale;
                float *row = out + r * dim;
                for (size_t i = 0; i < dim; i++)
                    row[i] *= f;
            }
        }
        if (out != NULL)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)dim,
                        (int)count, 1.0f, logits, (int)count, chunk, (int)dim,
                        first == 0 ? 0.0f : 1.0f, out, (int)dim);
    }
    for (size_t r = 0; r < rows; r++) {
        /* sum ≥ 1: the max's own weight is exp(0) */
        if (lse != NULL)
            lse[r] = max_logit[r] + log(sum[r]);
        if (out != NULL) {
            const float inv = (float)(1.0 / sum[r]);
            float *row = out + r * dim;
            for (size_t i = 0; i < dim; i++)
                row[i] *= inv;
        }
    }
    return BASIN_OK;
}

/* softmax_block's lse (no output) and the nearest two of each row (softmax.h,
   softmax_lse_nearest). rn: CHUNK doubles of scratch. */
static int lse_nearest_block(const softmax_memory *m, const float *x, size_t rows,
                             double a, double b, double scale, double *lse, nearest2 *nn,
                             float *logits, double *bias, double *rn, double *max_logit,
                             double *sum)
{
    const size_t dim = m->dim;
    const float alpha = (float)(2 * scale); /* nearest_two's GEMM factor */
    for (size_t r = 0; r < rows; r++) {
        max_logit[r] = -INFINITY;
        sum[r] = 0;
        nn[r].index[0] = nn[r].index[1] = -1;
        nn[r].dist2[0] = nn[r].dist2[1] = INFINITY;
    }
    for (uint64_t first = 0; first < m->k; first += PATTERN_CHUNK) {
        const size_t count =
            m->k - first < PATTERN_CHUNK ? (size_t)(m->k - first) : PATTERN_CHUNK;
        const float *chunk = m->patterns + (size_t)first * dim;
        for (size_t j = 0; j < count; j++) {
            bias[j] = b * m->norm2[first + j];
            rn[j] = scale * scale * m->norm2[first + j];
        }
        linalg_gemm_nt(x, chunk, logits, rows, count, dim, 1.0f, 0.0f);
        for (size_t r = 0; r < rows; r++) {
            const float *row = logits + r * count;
            for (size_t j = 0; j < count; j++) {
                const float d = alpha * row[j];
                nearest_keep(&nn[r], rn[j] - (double)d, (int64_t)(first + j));
            }
            double rescale, chunk_sum;
            if (softmax_row(logits + r * count, bias, count, a, &max_logit[r], &rescale,
                            &chunk_sum) != 0)
                return BASIN_ENUMERIC;
            sum[r] = sum[r] * rescale + chunk_sum;
        }
    }
    for (size_t r = 0; r < rows; r++)
        lse[r] = max_logit[r] + log(sum[r]);
    nearest_finish(x, rows, m->patterns, m->dim, scale, nn);
    return BASIN_OK;
}

int softmax_lse_nearest(const softmax_memory *m, const float *x, uint64_t n, double a,
                        double b, double scale, double *lse, nearest2 *nn)
{
    if (m == NULL || m->patterns == NULL ||
        (n > 0 && (x == NULL || lse == NULL || nn == NULL)))
        return BASIN_EINVAL;
    if (n == 0)
        return BASIN_OK;
    if (!isfinite(a) || !isfinite(b))
        return BASIN_ENUMERIC;
    const size_t block = n < STATE_BLOCK ? (size_t)n : STATE_BLOCK;
    const size_t chunk = m->k < PATTERN_CHUNK ? (size_t)m->k : PATTERN_CHUNK;
    float *logits = malloc(block * chunk * sizeof *logits);
    double *bias = malloc(chunk * sizeof *bias);
    double *rn = malloc(chunk * sizeof *rn);
    double *max_logit = malloc(block * sizeof *max_logit);
    double *sum = malloc(block * sizeof *sum);
    int rc = BASIN_ENOMEM;
    if (logits != NULL && bias != NULL && rn != NULL && max_logit != NULL &&
        sum != NULL) {
        rc = BASIN_OK;
        for (uint64_t first = 0; first < n && rc == BASIN_OK; first += block) {
            const size_t rows = n - first < block ? (size_t)(n - first) : block;
            rc = lse_nearest_block(m, x + (size_t)first * m->dim, rows, a, b, scale,
                                   lse + first, nn + first, logits, bias, rn, max_logit,
                                   sum);
        }
    }
    free(logits);
    free(bias);
    free(rn);
    free(max_logit);
    free(sum);
    return rc;
}

int softmax_average(const softmax_memory *m, const float *x, uint64_t n, double a,
                    double b, float *out, double *lse)
{
    if (m == NULL || m->patterns == NULL || (n > 0 && x == NULL))
        return BASIN_EINVAL;
    if (n == 0)
        return BASIN_OK;
    if (!isfinite(a) || !isfinite(b))
        return BASIN_ENUMERIC;
    const size_t block = n < STATE_BLOCK ? (size_t)n : STATE_BLOCK;
    const size_t chunk = m->k < PATTERN_CHUNK ? (size_t)m->k : PATTERN_CHUNK;
    float *logits = malloc(block * chunk * sizeof *logits);
    double *bias = malloc(chunk * sizeof *bias);
    double *max_logit = malloc(block * sizeof *max_logit);
    double *sum = malloc(block * sizeof *sum);
    int rc = BASIN_ENOMEM;
    if (logits != NULL && bias != NULL && max_logit != NULL && sum != NULL) {
        rc = BASIN_OK;
        const size_t dim = m->dim;
        for (uint64_t first = 0; first < n && rc == BASIN_OK; first += block) {
            const size_t rows = n - first < block ? (size_t)(n - first) : block;
            rc = softmax_block(m, x + (size_t)first * dim, rows, a, b,
                               out != NULL ? out + (size_t)first * dim : NULL,
                               lse != NULL ? lse + first : NULL, logits, bias, max_logit,
                               sum);
        }
    }
    free(logits);
    free(bias);
    free(max_logit);
    free(sum);
    return rc;
}
