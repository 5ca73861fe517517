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
    double *norm = malloc((size_t)k * sizeof *norm);
    if (copy == NULL || norm2 == NULL || norm == NULL) {
        free(copy);
        free(norm2);
        free(norm);
        return BASIN_ENOMEM;
    }
    for (uint64_t mu = 0; mu < k; mu++) {
        const float *row = patterns + (size_t)mu * dim;
        double s = 0;
        for (uint32_t i = 0; i < dim; i++) {
            if (!isfinite(row[i])) {
                free(copy);
                free(norm2);
                free(norm);
                return BASIN_EINVAL;
            }
            s += (double)row[i] * (double)row[i];
        }
        norm2[mu] = s;
        norm[mu] = sqrt(s);
    }
    memcpy(copy, patterns, count * sizeof *copy);
    m->patterns = copy;
    m->norm2 = norm2;
    m->norm = norm;
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
    free(m->norm);
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

/* What the fallback of softmax_stream_average records besides the output (NULL in
   softmax_average): per row, lower bounds on the distances ‖x/α − ξ_μ‖ (see
   record_bounds) and the index of the nearest. */
typedef struct bound_out {
    double alpha;
    const double *norm;    /* ‖ξ_μ‖, k */
    const double *xnorm;   /* ‖x_r‖ of the block's rows */
    float *dist_lo;        /* row r's k bounds at dist_lo + rows[r] · stride */
    const uint64_t *rows;  /* the block's rows in the stream */
    const uint8_t *record; /* per stream row: 0 = record nothing for it */
    size_t stride;
    int64_t *best; /* per row */
    double *best_d2;
} bound_out;

static void record_bounds(const softmax_memory *m, const bound_out *bo, size_t r,
                          const float *dot, uint64_t first, size_t count);

/* softmax_average for one block of `rows` ≤ STATE_BLOCK states; scratch as below. */
static int softmax_block(const softmax_memory *m, const float *x, size_t rows, double a,
                         double b, float *out, double *lse, float *logits, double *bias,
                         double *max_logit, double *sum, const bound_out *bo)
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
            if (bo != NULL && bo->record[bo->rows[r]])
                record_bounds(m, bo, r, logits + r * count, first, count);
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
                             double *sum, const bound_out *bo)
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
            if (bo != NULL && bo->record[bo->rows[r]])
                record_bounds(m, bo, r, row, first, count);
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
                                   sum, NULL);
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
                               sum, NULL);
        }
    }
    free(logits);
    free(bias);
    free(max_logit);
    free(sum);
    return rc;
}

/* ------------------------------------------------------------------ streams */

/*
 * The certified candidate-set path (softmax.h, softmax_stream_average).
 *
 * Bounds. The fallback's SGEMM gives the float dot products p ≈ x·ξ_μ with
 * |p − x·ξ_μ| ≤ γ_N Σ_i |x_i ξ_μi| ≤ γ_N ‖x‖ ‖ξ_μ‖, γ_N = N u / (1 − N u),
 * u = 2⁻²⁴, whatever the summation order (Higham 2002, "Accuracy and Stability of
 * Numerical Algorithms", §3.1, eq. 3.5). So with y = x/α,
 *   ‖y − ξ_μ‖² ≥ (‖x‖² − 2α p + α²‖ξ_μ‖²)/α² − 2γ_N ‖x‖ ‖ξ_μ‖/α − (double rounding),
 * and that, shrunk by 1e-7 relative before it is rounded to float (no square root:
 * the loop stays cheap beside the SGEMM), is a lower bound D²_μ on the squared
 * distance at the anchor y_a (record_bounds). At a later call at y,
 * ‖y − ξ_μ‖ ≥ D_μ − ‖y − y_a‖ (triangle inequality).
 */

/* Candidates at most k / CAND_DIVISOR: a candidate's direct double distance and
   weighted sum cost about 10 × the SGEMM's per pattern, so this keeps a certified
   row below about a third of the exact path; a row with more falls back, and the
   fallback's fresh anchor makes the next sets small again (on the EDM grid, K =
   10 000, k/8 gave 318 candidates a row and no gain after collapse, k/32 37 and
   7 × in one run of bench/candidate). */
#define CAND_DIVISOR 32

/* A row's pause after a try that failed from a fresh anchor: the calls it then
   takes the exact path without trying. A failed try (the scan of K bounds) and
   the bounds its fallback records cost about 2.5 ns a pattern here (perf): a tenth
   of the exact path's at N = 784 (its SGEMMs) and half at N = 32 (its exp). Before
   collapse every try fails; pausing 3 calls cuts that cost by 4 and delays the
   first certified call after collapse by at most 3 calls. build/bench/candidate,
   Fashion-MNIST K = 60 000, ddpm-linear, 100 steps, all steps: 1.30 × without a
   pause, 1.35 × with 2, 1.37 × with 3; energies/diffusion at N = 32, σ = 1, where
   nothing is ever certified: 1.54 × the exact path's time without, 1.09 × with 3. */
#define PAUSE_CALLS 3

struct softmax_stream {
    const softmax_memory *m;
    uint64_t n;
    double eps;
    float *dist_lo;     /* n × k: D²_μ at the row's anchor */
    double *anchor;     /* n × dim: y_a = x/α at the row's last exact call */
    int64_t *best;      /* n: nearest ξ at the anchor (softmax_stream_lse_nearest:
                           at the last call), −1 = no anchor yet */
    int64_t *best2;     /* n: the second nearest at the last call of
                           softmax_stream_lse_nearest, −1 = none */
    double *best_d2;    /* n: scratch of the fallback */
    size_t *cand;       /* k scratch: candidate indices */
    double *cand_l;     /* k scratch: their logits */
    double *y, *acc;    /* dim scratch */
    float *gx, *gout;   /* n × dim: fallback rows gathered */
    double *glse;       /* n: their lse (softmax_stream_lse_nearest) */
    nearest2 *gnn;      /* n: their nearest two */
    uint64_t *fb;       /* n: the rows that fall back */
    uint8_t *certified; /* n: 1 if the row's last call was certified */
    uint8_t *record;    /* n: 1 if the row's fallback at this call records bounds */
    uint8_t *fresh;     /* n: 1 if the row's anchor is from its previous call */
    uint32_t *wait;     /* n: calls left in the row's pause */
    double *xnorm;      /* n */
    softmax_stream_stats stats;
};

static void record_bounds(const softmax_memory *m, const bound_out *bo, size_t r,
                          const float *dot, uint64_t first, size_t count)
{
    const double u = 0x1p-24, nu = (double)m->dim * u;
    const double gamma = nu < 0.5 ? nu / (1 - nu) : INFINITY;
    const double alpha = bo->alpha, xn = bo->xnorm[r], xn2 = xn * xn;
    const double inv_a2 = 1.0 / (alpha * alpha);
    float *dl = bo->dist_lo + (size_t)bo->rows[r] * bo->stride + first;
    double best = bo->best_d2[r];
    int64_t best_j = bo->best[r];
    for (size_t j = 0; j < count; j++) {
        const double nx = bo->norm[first + j], p = (double)dot[j];
        const double cross = 2 * alpha * xn * nx;
        const double d2 = (xn2 - 2 * alpha * p + alpha * alpha * nx * nx) * inv_a2;
        const double lo =
            d2 -
            (gamma * cross + 1e-14 * (xn2 + alpha * alpha * nx * nx + cross)) * inv_a2;
        dl[j] = (float)((lo > 0 ? lo : 0.0) * (1 - 1e-7));
        if (d2 < best) {
            best = d2;
            best_j = (int64_t)(first + j);
        }
    }
    bo->best_d2[r] = best;
    bo->best[r] = best_j;
}

int softmax_stream_open(const softmax_memory *m, uint64_t n, double eps,
                        softmax_stream **out)
{
    *out = NULL;
    if (m == NULL || m->patterns == NULL || n == 0 || !(eps > 0 && eps < 1))
        return BASIN_EINVAL;
    const size_t k = (size_t)m->k, dim = m->dim;
    if (n > SOFTMAX_STREAM_MAX_BYTES / sizeof(float) / k ||
        n > SOFTMAX_STREAM_MAX_BYTES / sizeof(double) / dim)
        return BASIN_EINVAL;
    softmax_stream *s = calloc(1, sizeof *s);
    if (s == NULL)
        return BASIN_ENOMEM;
    s->m = m;
    s->n = n;
    s->eps = eps;
    s->dist_lo = malloc((size_t)n * k * sizeof *s->dist_lo);
    s->anchor = malloc((size_t)n * dim * sizeof *s->anchor);
    s->best = malloc((size_t)n * sizeof *s->best);
    s->best2 = malloc((size_t)n * sizeof *s->best2);
    s->best_d2 = malloc((size_t)n * sizeof *s->best_d2);
    s->cand = malloc(k * sizeof *s->cand);
    s->cand_l = malloc(k * sizeof *s->cand_l);
    s->y = malloc(dim * sizeof *s->y);
    s->acc = malloc(dim * sizeof *s->acc);
    s->gx = malloc((size_t)n * dim * sizeof *s->gx);
    s->gout = malloc((size_t)n * dim * sizeof *s->gout);
    s->glse = malloc((size_t)n * sizeof *s->glse);
    s->gnn = malloc((size_t)n * sizeof *s->gnn);
    s->fb = malloc((size_t)n * sizeof *s->fb);
    s->xnorm = malloc((size_t)n * sizeof *s->xnorm);
    s->certified = calloc((size_t)n, 1);
    s->record = calloc((size_t)n, 1);
    s->fresh = calloc((size_t)n, 1);
    s->wait = calloc((size_t)n, sizeof *s->wait);
    if (!s->dist_lo || !s->anchor || !s->best || !s->best2 || !s->best_d2 || !s->cand ||
        !s->cand_l || !s->y || !s->acc || !s->gx || !s->gout || !s->glse || !s->gnn ||
        !s->fb || !s->xnorm || !s->certified || !s->record || !s->fresh || !s->wait) {
        softmax_stream_close(s);
        return BASIN_ENOMEM;
    }
    for (uint64_t r = 0; r < n; r++)
        s->best[r] = s->best2[r] = -1;
    *out = s;
    return BASIN_OK;
}

void softmax_stream_close(softmax_stream *s)
{
    if (s == NULL)
        return;
    free(s->dist_lo);
    free(s->anchor);
    free(s->best);
    free(s->best2);
    free(s->best_d2);
    free(s->cand);
    free(s->cand_l);
    free(s->y);
    free(s->acc);
    free(s->gx);
    free(s->gout);
    free(s->glse);
    free(s->gnn);
    free(s->fb);
    free(s->xnorm);
    free(s->certified);
    free(s->record);
    free(s->fresh);
    free(s->wait);
    free(s);
}

uint64_t softmax_stream_rows(const softmax_stream *s)
{
    return s->n;
}

void softmax_stream_get_stats(const softmax_stream *s, softmax_stream_stats *out)
{
    *out = s->stats;
}

int softmax_stream_row_certified(const softmax_stream *s, uint64_t r)
{
    return r < s->n && s->certified[r];
}

/* Row r's plan at a call: 1 = try its candidate set; 0 = take the exact path,
   s->record[r] saying whether that records fresh bounds (no anchor yet, or the
   last call of a pause). */
static int plan_row(softmax_stream *s, uint64_t r)
{
    if (s->best[r] < 0) {
        s->record[r] = 1;
        return 0;
    }
    if (s->wait[r] > 0) {
        s->wait[r]--;
        s->record[r] = s->wait[r] == 0;
        return 0;
    }
    s->stats.tried++;
    return 1;
}

/* Row r's outcome at a call: certified (ok: its anchor now older than the call
   before), else it joins the fallback rows s->fb[0 … *nfb). A try that failed
   from a fresh anchor pauses the row (recording nothing now); any other failed
   try refreshes the anchor, and the row tries again at the next call. */
static void settle_row(softmax_stream *s, uint64_t r, int tried, int ok, uint64_t *nfb)
{
    if (ok) {
        s->certified[r] = 1;
        s->fresh[r] = 0;
        return;
    }
    if (tried) {
        s->wait[r] = s->fresh[r] ? PAUSE_CALLS : 0;
        s->record[r] = s->wait[r] == 0;
    }
    s->fresh[r] = s->record[r];
    s->fb[(*nfb)++] = r;
}

/* ‖y − ξ‖² in double with LANES partial sums (a fixed order: deterministic) so that
   it vectorizes without reassociation. */
static double dist2_double(const double *restrict y, const float *restrict xi, size_t dim)
{
    double part[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= dim; i += LANES)
        for (size_t l = 0; l < LANES; l++) {
            const double d = y[i + l] - (double)xi[i + l];
            part[l] += d * d;
        }
    for (; i < dim; i++) {
        const double d = y[i] - (double)xi[i];
        part[0] += d * d;
    }
    double total = 0;
    for (int l = 0; l < LANES; l++)
        total += part[l];
    return total;
}

/* A row's certified candidate set (candidate_set): the candidates' indices in
   s->cand and weights exp(−c (d²_μ − dmin2)) in s->cand_l, their sum z, and the
   nearest two candidates (positions in s->cand; near1 = nc when nc = 1). */
typedef struct cand_set {
    size_t nc, near0, near1;
    double dmin2, d2_second; /* squared distances ‖y − ξ‖², y = x/α */
    double z;
    double lb2; /* every omitted ξ has ‖y − ξ‖² ≥ lb2 (INFINITY: none omitted) */
} cand_set;

/*
 * Row r's candidate set at x, if it can be certified: 1 (*cs filled), else 0.
 * Candidates are the ξ_μ whose bound can come within √(d²_b + log(2K/ε)/c) of y
 * (d_b the distance to the row's last nearest point, an upper bound on the
 * nearest's), widened to reach ξ_cover when that lies farther (cover: an index the
 * set must also reach, as any point's distance bounds the second nearest's; −1
 * for none).
 */
static int candidate_set(softmax_stream *s, uint64_t r, const float *x, double alpha,
                         double c, double log_ratio, int64_t cover, cand_set *cs)
{
    const softmax_memory *m = s->m;
    const size_t dim = m->dim, k = (size_t)m->k;
    const double *anchor = s->anchor + (size_t)r * dim;
    double *y = s->y;
    double delta2 = 0;
    for (size_t i = 0; i < dim; i++) {
        y[i] = (double)x[i] / alpha;
        const double d = y[i] - anchor[i];
        delta2 += d * d;
    }
    /* δ ≥ ‖y − y_a‖ and db2 ≈ ‖y − ξ_b‖² ≥ min_μ ‖y − ξ_μ‖², both to ~N·2⁻⁵³ */
    const double delta = sqrt(delta2) * (1 + 1e-12);
    const double db2 = dist2_double(y, m->patterns + (size_t)s->best[r] * dim, dim);
    /* Every μ whose bound D_μ − δ is within √(db2 + log(2K/ε)/c) can hold mass;
       the rest are certified below with their actual bound. */
    const double cover2 =
        cover >= 0 ? dist2_double(y, m->patterns + (size_t)cover * dim, dim) * (1 + 1e-12)
                   : 0;
    const double reach2 = db2 + log_ratio / c > cover2 ? db2 + log_ratio / c : cover2;
    const double radius = delta + sqrt(reach2) * (1 + 1e-12);
    const double radius2 = radius * radius * (1 + 1e-12);
    float rf = (float)radius2; /* compared with D²_μ */
    if ((double)rf < radius2)
        rf = nextafterf(rf, INFINITY);
    const float *dl = s->dist_lo + (size_t)r * k;
    size_t nc = 0;
    const size_t limit = k / CAND_DIVISOR;
    float min_out = INFINITY;
    for (size_t j = 0; j < k; j++) {
        if (dl[j] <= rf) {
            if (nc == limit)
                return 0;
            s->cand[nc++] = j;
        } else if (dl[j] < min_out) {
            min_out = dl[j];
        }
    }
    if (nc == 0) /* cannot happen (ξ_b is a candidate), but never divide by 0 */
        return 0;
    /* The candidates' exact squared distances (double, directly: no cancellation),
       the nearest two, then their weights. */
    double dmax2 = 0, d0 = INFINITY, d1 = INFINITY;
    size_t near0 = nc, near1 = nc;
    for (size_t q = 0; q < nc; q++) {
        const double d2 = dist2_double(y, m->patterns + s->cand[q] * dim, dim);
        s->cand_l[q] = d2;
        dmax2 = d2 > dmax2 ? d2 : dmax2;
        if (d2 < d0) {
            d1 = d0;
            near1 = near0;
            d0 = d2;
            near0 = q;
        } else if (d2 < d1) {
            d1 = d2;
            near1 = q;
        }
    }
    double z = 0;
    for (size_t q = 0; q < nc; q++) {
        s->cand_l[q] = exp(-c * (s->cand_l[q] - d0));
        z += s->cand_l[q];
    }
    /* Certificate: Σ_omitted exp(ℓ_μ − max ℓ)/Z_C ≤ (K − |C|) exp(−c (lb² − dmin2))/Z_C
       ≤ ε/2, lb = min omitted D_μ − δ; the rounding of the double distances
       (relative ~N·2⁻⁵³, times c) enters as a factor exp(2·slack). */
    double lb2 = INFINITY;
    if (nc < k) {
        const double d_out = sqrt((double)min_out) * (1 - 1e-15);
        const double lb = d_out - delta > 0 ? d_out - delta : 0;
        const double slack = c * (dmax2 + lb * lb + 1) * (double)(dim + 4) * 0x1p-52;
        const double bound = (double)(k - nc) * exp(-c * (lb * lb - d0) + 2 * slack) / z;
        if (!(bound <= 0.5 * s->eps))
            return 0;
        lb2 = lb * lb;
    }
    cs->nc = nc;
    cs->near0 = near0;
    cs->near1 = near1;
    cs->dmin2 = d0;
    cs->d2_second = d1;
    cs->z = z;
    cs->lb2 = lb2;
    return 1;
}

/* Row r of softmax_stream_average by its candidate set, if it can be certified:
   1 (out written), else 0. */
static int candidate_row(softmax_stream *s, uint64_t r, const float *x, double alpha,
                         double c, double log_ratio, float *out)
{
    const softmax_memory *m = s->m;
    const size_t dim = m->dim;
    cand_set cs;
    if (!candidate_set(s, r, x, alpha, c, log_ratio, -1, &cs))
        return 0;
    double *acc = s->acc;
    for (size_t i = 0; i < dim; i++)
        acc[i] = 0;
    for (size_t q = 0; q < cs.nc; q++) {
        const float *xi = m->patterns + s->cand[q] * dim;
        const double w = s->cand_l[q];
        for (size_t i = 0; i < dim; i++)
            acc[i] += w * (double)xi[i];
    }
    const double inv = 1.0 / cs.z;
    for (size_t i = 0; i < dim; i++)
        out[i] = (float)(acc[i] * inv);
    s->stats.certified++;
    s->stats.candidates += cs.nc;
    return 1;
}

/*
 * The exact path on the nfb rows s->fb[0 … nfb) of a call, their states gathered
 * in gx (nfb × dim): with out, softmax_block's average (nfb × dim), else
 * lse_nearest_block's lse and nn (nfb each), recording the bounds (record_bounds)
 * and anchor y_a = x/α of each row with s->record set, so those rows become
 * anchors; best (and for nn best2) from the row's nearest. On failure the rows lose
 * their anchors (their bounds are half written) until an exact call succeeds.
 */
static int exact_rows(softmax_stream *s, const float *gx, uint64_t nfb, double alpha,
                      double a, double b, float *out, double *lse, nearest2 *nn)
{
    const softmax_memory *m = s->m;
    const size_t dim = m->dim, k = (size_t)m->k;
    const size_t block = nfb < STATE_BLOCK ? (size_t)nfb : STATE_BLOCK;
    const size_t chunk = k < PATTERN_CHUNK ? k : PATTERN_CHUNK;
    float *logits = malloc(block * chunk * sizeof *logits);
    double *bias = malloc(chunk * sizeof *bias);
    double *rn = nn != NULL ? malloc(chunk * sizeof *rn) : NULL;
    double *max_logit = malloc(block * sizeof *max_logit);
    double *sum = malloc(block * sizeof *sum);
    int64_t *best = malloc(block * sizeof *best);
    int rc = BASIN_ENOMEM;
    if (logits != NULL && bias != NULL && (nn == NULL || rn != NULL) &&
        max_logit != NULL && sum != NULL && best != NULL) {
        rc = BASIN_OK;
        for (uint64_t first = 0; first < nfb && rc == BASIN_OK; first += block) {
            const size_t rows = nfb - first < block ? (size_t)(nfb - first) : block;
            const float *bx = gx + (size_t)first * dim;
            for (size_t q = 0; q < rows; q++) {
                s->xnorm[q] = sqrt(linalg_dot(bx + q * dim, bx + q * dim, dim));
                s->best_d2[q] = INFINITY;
                best[q] = -1;
            }
            const bound_out bo = {alpha,     m->norm, s->xnorm, s->dist_lo, s->fb + first,
                                  s->record, k,       best,     s->best_d2};
            if (nn == NULL)
                rc = softmax_block(
                    m, bx, rows, a, b, out != NULL ? out + (size_t)first * dim : NULL,
                    out != NULL ? NULL : lse + first, logits, bias, max_logit, sum, &bo);
            else
                rc = lse_nearest_block(m, bx, rows, a, b, alpha, lse + first, nn + first,
                                       logits, bias, rn, max_logit, sum, &bo);
            for (size_t q = 0; rc == BASIN_OK && q < rows; q++) {
                const uint64_t r = s->fb[first + q];
                if (!s->record[r])
                    continue; /* paused: its anchor and bounds stay as they were */
                double *an = s->anchor + (size_t)r * dim;
                for (size_t i = 0; i < dim; i++)
                    an[i] = (double)bx[q * dim + i] / alpha;
                s->best[r] = nn == NULL ? best[q] : nn[first + q].index[0];
                if (nn != NULL)
                    s->best2[r] = nn[first + q].index[1];
            }
        }
    }
    if (rc != BASIN_OK)
        for (uint64_t q = 0; q < nfb; q++)
            s->best[s->fb[q]] = -1;
    free(logits);
    free(bias);
    free(rn);
    free(max_logit);
    free(sum);
    free(best);
    return rc;
}

/* The states of the nfb rows that fall back: x itself when every row does (the
   exact path then runs in place, so its numbers are the plain kernel's), else
   gathered into s->gx. */
static const float *gather_rows(softmax_stream *s, const float *x, uint64_t n,
                                uint64_t nfb)
{
    const size_t dim = s->m->dim;
    if (nfb == n)
        return x;
    for (uint64_t q = 0; q < nfb; q++)
        memcpy(s->gx + (size_t)q * dim, x + (size_t)s->fb[q] * dim, dim * sizeof *x);
    return s->gx;
}

int softmax_stream_average(softmax_stream *s, const float *x, uint64_t n, double alpha,
                           double sigma, float *out)
{
    if (s == NULL || x == NULL || out == NULL || n != s->n)
        return BASIN_EINVAL;
    const softmax_memory *m = s->m;
    const double a = alpha / (sigma * sigma);
    const double b = -alpha * alpha / (2 * sigma * sigma);
    if (!(alpha > 0) || !isfinite(alpha) || !(sigma > 0) || !isfinite(a) || !isfinite(b))
        return BASIN_EINVAL;
    s->stats.calls += n;
    memset(s->certified, 0, (size_t)n);
    if (isinf(sigma)) { /* uniform weights: nothing to bound */
        s->stats.exact += n;
        return softmax_average(m, x, n, a, b, out, NULL);
    }
    const size_t dim = m->dim, k = (size_t)m->k;
    const double c = -b, log_ratio = log(2.0 * (double)k / s->eps);
    uint64_t nfb = 0;
    for (uint64_t r = 0; r < n; r++) {
        const int tried = plan_row(s, r);
        settle_row(s, r, tried,
                   tried && candidate_row(s, r, x + (size_t)r * dim, alpha, c, log_ratio,
                                          out + (size_t)r * dim),
                   &nfb);
    }
    if (nfb == 0)
        return BASIN_OK;
    s->stats.exact += nfb;

    /* The exact path on the rows that fall back (all rows: in place, so the bytes
       are softmax_average's): they become anchors. */
    const float *gx = gather_rows(s, x, n, nfb);
    float *gout = nfb == n ? out : s->gout;
    const int rc = exact_rows(s, gx, nfb, alpha, a, b, gout, NULL, NULL);
    if (rc == BASIN_OK && nfb < n)
        for (uint64_t q = 0; q < nfb; q++)
            memcpy(out + (size_t)s->fb[q] * dim, gout + (size_t)q * dim,
                   dim * sizeof *out);
    return rc;
}

/* Row r of softmax_stream_lse_nearest (nn not NULL) by its candidate set, if both
   the mass and the nearest two can be certified: 1 (lse, nn written), else 0; of
   softmax_stream_lse (nn NULL), if the mass can: 1 (lse written), else 0. */
static int candidate_lse_row(softmax_stream *s, uint64_t r, const float *x, double alpha,
                             double sigma, double c, double log_ratio, double *lse,
                             nearest2 *nn)
{
    const softmax_memory *m = s->m;
    const size_t dim = m->dim;
    /* For the nearest two the set must reach the second nearest of the previous
       call. */
    cand_set cs;
    if (!candidate_set(s, r, x, alpha, c, log_ratio, nn != NULL ? s->best2[r] : -1, &cs))
        return 0;
    /* The nearest two are candidates when every omitted point is farther than the
       second candidate (with the distances' relative rounding ~N·2⁻⁵³). */
    if (nn != NULL &&
        (cs.near1 == cs.nc
             ? cs.nc < m->k
             : !(cs.d2_second * (1 + (double)(dim + 4) * 0x1p-50) < cs.lb2)))
        return 0;
    double x2 = 0;
    for (size_t i = 0; i < dim; i++)
        x2 += (double)x[i] * x[i];
    /* ℓ_μ = ‖x‖²/2σ² − c ‖y − ξ_μ‖² (softmax.h), so lse = ‖x‖²/2σ² − c d²_min + log z
       + log(1 + ω), ω ≤ ε/2 the omitted share. */
    *lse = x2 / (2 * sigma * sigma) - c * cs.dmin2 + log(cs.z);
    s->stats.certified++;
    s->stats.candidates += cs.nc;
    if (nn == NULL)
        return 1;
    nn->index[0] = (int64_t)s->cand[cs.near0];
    nn->index[1] = cs.near1 < cs.nc ? (int64_t)s->cand[cs.near1] : -1;
    nn->dist2[0] = nn->dist2[1] = INFINITY;
    nearest_finish(x, 1, m->patterns, m->dim, alpha, nn);
    s->best[r] = nn->index[0];
    s->best2[r] = nn->index[1];
    return 1;
}

/* softmax_stream_lse_nearest (nn not NULL) and softmax_stream_lse (nn NULL). */
static int stream_lse(softmax_stream *s, const float *x, uint64_t n, double alpha,
                      double sigma, double *lse, nearest2 *nn)
{
    if (s == NULL || x == NULL || lse == NULL || n != s->n)
        return BASIN_EINVAL;
    const softmax_memory *m = s->m;
    const double a = alpha / (sigma * sigma);
    const double b = -alpha * alpha / (2 * sigma * sigma);
    if (!(alpha > 0) || !isfinite(alpha) || !(sigma > 0) || !isfinite(sigma) ||
        !isfinite(a) || !isfinite(b))
        return BASIN_EINVAL;
    s->stats.calls += n;
    memset(s->certified, 0, (size_t)n);
    const size_t dim = m->dim, k = (size_t)m->k;
    const double c = -b, log_ratio = log(2.0 * (double)k / s->eps);
    uint64_t nfb = 0;
    for (uint64_t r = 0; r < n; r++) {
        const int tried = plan_row(s, r);
        settle_row(s, r, tried,
                   tried &&
                       candidate_lse_row(s, r, x + (size_t)r * dim, alpha, sigma, c,
                                         log_ratio, lse + r, nn != NULL ? nn + r : NULL),
                   &nfb);
    }
    if (nfb == 0)
        return BASIN_OK;
    s->stats.exact += nfb;

    /* The exact path on the rows that fall back (all rows: in place, so the numbers
       are softmax_lse_nearest's, or softmax_average's lse): they become anchors. */
    const float *gx = gather_rows(s, x, n, nfb);
    double *glse = nfb == n ? lse : s->glse;
    nearest2 *gnn = nn == NULL ? NULL : nfb == n ? nn : s->gnn;
    const int rc = exact_rows(s, gx, nfb, alpha, a, b, NULL, glse, gnn);
    if (rc == BASIN_OK && nfb < n)
        for (uint64_t q = 0; q < nfb; q++) {
            lse[s->fb[q]] = glse[q];
            if (nn != NULL)
                nn[s->fb[q]] = gnn[q];
        }
    return rc;
}

int softmax_stream_lse_nearest(softmax_stream *s, const float *x, uint64_t n,
                               double alpha, double sigma, double *lse, nearest2 *nn)
{
    if (nn == NULL)
        return BASIN_EINVAL;
    return stream_lse(s, x, n, alpha, sigma, lse, nn);
}

int softmax_stream_lse(softmax_stream *s, const float *x, uint64_t n, double alpha,
                       double sigma, double *lse)
{
    return stream_lse(s, x, n, alpha, sigma, lse, NULL);
}
