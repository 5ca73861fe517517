#include "measure/measure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/linalg.h"
#include "kernels/nearest.h"

const char *measure_class_name(measure_class c)
{
    static const char *const NAMES[] = {"memorized", "spurious", "generalized",
                                        "unconverged"};
    return c < MEASURE_N_CLASSES ? NAMES[c] : "unknown";
}

/* Block sizes: states × patterns per SGEMM, 256 × 1024 floats = 1 MiB. */
#define STATE_BLOCK   256
#define PATTERN_BLOCK 1024

void measure_overlap_keep(measure_overlap *o, double m, int64_t mu)
{
    double a = fabs(m);
    if (isnan(o->top[0]) || a > fabs(o->top[0])) {
        o->top[2] = o->top[1];
        o->top[1] = o->top[0];
        o->top[0] = m;
        o->pattern = mu;
    } else if (isnan(o->top[1]) || a > fabs(o->top[1])) {
        o->top[2] = o->top[1];
        o->top[1] = m;
    } else if (isnan(o->top[2]) || a > fabs(o->top[2])) {
        o->top[2] = m;
    }
}

/* Run fn over blocks of state × pattern overlaps m = x·ξ / dim. */
static int for_overlap_blocks(const float *states, uint64_t n, const float *patterns,
                              uint64_t n_patterns, uint32_t dim, measure_overlap *out,
                              int heldout)
{
    size_t pb = n_patterns < PATTERN_BLOCK ? (size_t)n_patterns : PATTERN_BLOCK;
    float *block = malloc((size_t)STATE_BLOCK * (pb ? pb : 1) * sizeof *block);
    if (!block)
        return BASIN_ENOMEM;
    for (uint64_t s0 = 0; s0 < n; s0 += STATE_BLOCK) {
        size_t ns = (size_t)(n - s0 < STATE_BLOCK ? n - s0 : STATE_BLOCK);
        for (uint64_t p0 = 0; p0 < n_patterns; p0 += pb) {
            size_t np = (size_t)(n_patterns - p0 < pb ? n_patterns - p0 : pb);
            /* Unscaled: for ±1 states the dot products are exact integers. */
            linalg_gemm_nt(states + s0 * dim, patterns + p0 * dim, block, ns, np, dim,
                           1.0f, 0.0f);
            for (size_t i = 0; i < ns; i++) {
                measure_overlap *o = &out[s0 + i];
                for (size_t j = 0; j < np; j++) {
                    double m = (double)block[i * np + j] / dim;
                    if (heldout) {
                        if (isnan(o->heldout) || fabs(m) > o->heldout)
                            o->heldout = fabs(m);
                    } else {
                        measure_overlap_keep(o, m, (int64_t)(p0 + j));
                    }
                }
            }
        }
    }
    free(block);
    return BASIN_OK;
}

int measure_overlaps(const float *states, uint64_t n, const float *patterns,
                     uint64_t n_patterns, uint32_t dim, measure_overlap *out)
{
    for (uint64_t i = 0; i < n; i++) {
        out[i].pattern = -1;
        out[i].top[0] = out[i].top[1] = out[i].top[2] = NAN;
        out[i].heldout = NAN;
    }
    return for_overlap_blocks(states, n, patterns, n_patterns, dim, out, 0);
}

int measure_heldout_overlaps(const float *states, uint64_t n, const float *heldout,
                             uint64_t n_heldout, uint32_t dim, measure_overlap *out)
{
    return for_overlap_blocks(states, n, heldout, n_heldout, dim, out, 1);
}

measure_class measure_classify_overlap(const measure_overlap *m, int converged,
                                       double threshold)
{
    if (!isnan(m->top[0]) && fabs(m->top[0]) >= threshold)
        return MEASURE_MEMORIZED;
    if (!isnan(m->heldout) && m->heldout >= threshold)
        return MEASURE_GENERALIZED;
    return converged ? MEASURE_SPURIOUS : MEASURE_UNCONVERGED;
}

measure_rule measure_rule_of(const char *name, int binary)
{
    if (strcmp(name, "pham") == 0)
        return MEASURE_PHAM;
    if (strcmp(name, "ratio") == 0)
        return MEASURE_RATIO_RULE;
    if (strcmp(name, "overlap") == 0)
        return MEASURE_OVERLAP;
    return binary ? MEASURE_OVERLAP : MEASURE_PHAM;
}

int measure_distances(const float *states, uint64_t n, const float *train,
                      uint64_t n_train, const float *heldout, uint64_t n_heldout,
                      uint32_t dim, measure_distance *out)
{
    nearest2 *nn = malloc((size_t)(n ? n : 1) * sizeof *nn);
    if (!nn)
        return BASIN_ENOMEM;
    double norm = 1.0 / dim;
    int rc = nearest_two(states, n, train, n_train, dim, 1.0, -1, nn);
    for (uint64_t i = 0; !rc && i < n; i++) {
        out[i].nearest = nn[i].index[0];
        out[i].d_m = sqrt(nn[i].dist2[0] * norm);
        out[i].d_2 = nn[i].index[1] >= 0 ? sqrt(nn[i].dist2[1] * norm) : NAN;
        out[i].d_s = out[i].d_h = NAN;
    }
    if (!rc && n > 1)
        rc = nearest_two(states, n, states, n, dim, 1.0, 0, nn);
    for (uint64_t i = 0; !rc && n > 1 && i < n; i++)
        out[i].d_s = sqrt(nn[i].dist2[0] * norm);
    if (!rc && n_heldout)
        rc = nearest_two(states, n, heldout, n_heldout, dim, 1.0, -1, nn);
    for (uint64_t i = 0; !rc && n_heldout && i < n; i++)
        out[i].d_h = sqrt(nn[i].dist2[0] * norm);
    free(nn);
    return rc;
}

measure_class measure_classify_distance(const measure_distance *d, int converged,
                                        measure_rule rule, double delta_m, double delta_s,
                                        double ratio)
{
    /* As with overlaps, a state on a training point is memorized even if the
       dynamics had not settled. d_2 is NaN with one training point: the ratio
       test then has nothing to compare and does not call it memorized. */
    int memorized =
        rule == MEASURE_RATIO_RULE ? d->d_m < ratio * d->d_2 : d->d_m <= delta_m;
    if (memorized)
        return MEASURE_MEMORIZED;
    if (!converged)
        return MEASURE_UNCONVERGED;
    if (rule != MEASURE_RATIO_RULE && d->d_s <= delta_s)
        return MEASURE_SPURIOUS;
    return MEASURE_GENERALIZED;
}

/* Smallest k with P(Binomial(n, p) <= k) >= q. */
static uint64_t binomial_quantile(uint64_t n, double p, double q)
{
    if (p <= 0)
        return 0;
    if (p >= 1)
        return n;
    double log_p = log(p), log_q = log1p(-p), lg_n = lgamma((double)n + 1);
    double cdf = 0;
    for (uint64_t k = 0; k <= n; k++) {
        double log_pmf = lg_n - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) +
                         (double)k * log_p + (double)(n - k) * log_q;
        cdf += exp(log_pmf);
        /* A relative tolerance keeps rounding in the sum from skipping the
           exact quantile when the CDF lands on q. */
        if (cdf >= q * (1 - 1e-12))
            return k;
    }
    return n;
}

void measure_rate_interval(uint64_t hits, uint64_t n, double confidence, double *lo,
                           double *hi)
{
    if (n == 0) {
        *lo = *hi = NAN;
        return;
    }
    double p = (double)hits / (double)n, tail = (1 - confidence) / 2;
    *lo = (double)binomial_quantile(n, p, tail) / (double)n;
    *hi = (double)binomial_quantile(n, p, 1 - tail) / (double)n;
}
