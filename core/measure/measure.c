#include "measure/measure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/linalg.h"
#include "kernels/nearest.h"

const char *measure_class_name(measure_class c)
{
    static const char *const NAMES[] = {"memorized", "spurious", "generalized",
                                        "off_support", "unconverged"};
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
                                        double ratio, int on_support)
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
    return on_support == 0 ? MEASURE_OFF_SUPPORT : MEASURE_GENERALIZED;
}

double measure_normal_quantile(double p)
{
    /* Solve Φ(z) = erfc(−z/√2)/2 = p by Newton from 0; Φ is convex-concave and
       monotone, so the steps are damped to stay within ±8. */
    double z = 0;
    for (int k = 0; k < 100; k++) {
        double f = 0.5 * erfc(-z / sqrt(2.0)) - p;
        double density = exp(-0.5 * z * z) / sqrt(2 * M_PI);
        double step = f / density;
        if (step > 1)
            step = 1;
        if (step < -1)
            step = -1;
        z -= step;
        if (fabs(step) < 1e-12)
            break;
    }
    return z;
}

void measure_rate_interval(uint64_t hits, uint64_t n, double confidence, double *lo,
                           double *hi)
{
    if (n == 0) {
        *lo = *hi = NAN;
        return;
    }
    double z = measure_normal_quantile(1 - (1 - confidence) / 2), z2 = z * z;
    double nn = (double)n, p = (double)hits / nn;
    double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
    *lo = hits == 0 ? 0 : fmax(0, centre - half);
    *hi = hits == n ? 1 : fmin(1, centre + half);
}
