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

void measure_overlap_clear(measure_overlap *o)
{
    o->pattern = -1;
    for (int k = 0; k < MEASURE_TOP; k++)
        o->top[k] = NAN;
    o->heldout = o->next = NAN;
    o->dim = 0;
}

void measure_overlap_keep(measure_overlap *o, double m, int64_t mu)
{
    /* The six kept, largest |m| first: top[0..MEASURE_TOP), then next. */
    double *kept[MEASURE_TOP + 1];
    for (int k = 0; k < MEASURE_TOP; k++)
        kept[k] = &o->top[k];
    kept[MEASURE_TOP] = &o->next;
    double a = fabs(m);
    int at = 0;
    while (at <= MEASURE_TOP && !isnan(*kept[at]) && !(a > fabs(*kept[at])))
        at++;
    if (at > MEASURE_TOP)
        return;
    for (int k = MEASURE_TOP; k > at; k--)
        *kept[k] = *kept[k - 1];
    *kept[at] = m;
    if (at == 0)
        o->pattern = mu;
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
        measure_overlap_clear(&out[i]);
        out[i].dim = dim;
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

const char *measure_mixture_name(measure_mixture m)
{
    static const char *const NAMES[] = {"pattern", "3-mixture", "5-mixture", "other"};
    return m < MEASURE_N_MIXTURES ? NAMES[m] : "other";
}

double measure_mixture_tolerance(uint32_t dim)
{
    return dim ? fmin(4 / sqrt((double)dim), 0.125) : 0;
}

/* Whether the n largest |overlaps| are within tol of c and the next is within
   tol of 0 (or absent: K = n). */
static int symmetric_mixture(const measure_overlap *o, int n, double c, double tol)
{
    for (int k = 0; k < n; k++)
        if (isnan(o->top[k]) || fabs(fabs(o->top[k]) - c) > tol)
            return 0;
    double rest = n < MEASURE_TOP ? o->top[n] : o->next;
    return isnan(rest) || fabs(rest) <= tol;
}

measure_mixture measure_mixture_of(const measure_overlap *o, measure_class cls)
{
    if (cls == MEASURE_MEMORIZED)
        return MEASURE_MIX_PATTERN;
    double tol = measure_mixture_tolerance(o->dim);
    if (o->dim && symmetric_mixture(o, 3, 0.5, tol))
        return MEASURE_MIX_3;
    if (o->dim && symmetric_mixture(o, 5, 0.375, tol))
        return MEASURE_MIX_5;
    return MEASURE_MIX_OTHER;
}

measure_rule measure_rule_of(const char *name, int binary)
{
    if (strcmp(name, "cosine") == 0)
        return MEASURE_COSINE;
    if (strcmp(name, "pham") == 0)
        return MEASURE_PHAM;
    if (strcmp(name, "ratio") == 0)
        return MEASURE_RATIO_RULE;
    if (strcmp(name, "overlap") == 0)
        return MEASURE_OVERLAP;
    return binary ? MEASURE_OVERLAP : MEASURE_PHAM;
}

/* Euclidean norms of n rows of dim floats, in double. */
static void row_norms(const float *x, uint64_t n, uint32_t dim, double *norm)
{
    for (uint64_t i = 0; i < n; i++) {
        double s = 0;
        for (uint32_t d = 0; d < dim; d++)
            s += (double)x[i * dim + d] * x[i * dim + d];
        norm[i] = sqrt(s);
    }
}

/* cos(x, y) from x·y and the norms; NaN for a zero norm. */
static double cosine_of(double dot, double nx, double ny)
{
    return nx > 0 && ny > 0 ? dot / (nx * ny) : NAN;
}

/* Max cosine of each state over the n_ref rows of ref into best[i] (and its
   index into arg[i] when arg is not NULL), or, for a state whose start[i] ≥ 0,
   also its cosine with row start[i] into at[i]. Blocks as for_overlap_blocks. */
static int cosine_blocks(const float *states, const double *norm_x, uint64_t n,
                         const float *ref, uint64_t n_ref, uint32_t dim,
                         const int64_t *start, double *best, int64_t *arg, double *at)
{
    size_t pb = n_ref < PATTERN_BLOCK ? (size_t)n_ref : PATTERN_BLOCK;
    float *block = malloc((size_t)STATE_BLOCK * (pb ? pb : 1) * sizeof *block);
    double *norm_r = malloc((size_t)(pb ? pb : 1) * sizeof *norm_r);
    if (!block || !norm_r) {
        free(block);
        free(norm_r);
        return BASIN_ENOMEM;
    }
    for (uint64_t p0 = 0; p0 < n_ref; p0 += pb) {
        size_t np = (size_t)(n_ref - p0 < pb ? n_ref - p0 : pb);
        row_norms(ref + p0 * dim, np, dim, norm_r);
        for (uint64_t s0 = 0; s0 < n; s0 += STATE_BLOCK) {
            size_t ns = (size_t)(n - s0 < STATE_BLOCK ? n - s0 : STATE_BLOCK);
            linalg_gemm_nt(states + s0 * dim, ref + p0 * dim, block, ns, np, dim, 1.0f,
                           0.0f);
            for (size_t i = 0; i < ns; i++) {
                uint64_t s = s0 + i;
                for (size_t j = 0; j < np; j++) {
                    double c = cosine_of(block[i * np + j], norm_x[s], norm_r[j]);
                    if (!isnan(c) && (isnan(best[s]) || c > best[s])) {
                        best[s] = c;
                        if (arg)
                            arg[s] = (int64_t)(p0 + j);
                    }
                    if (start && start[s] == (int64_t)(p0 + j))
                        at[s] = c;
                }
            }
        }
    }
    free(block);
    free(norm_r);
    return BASIN_OK;
}

int measure_cosines(const float *states, uint64_t n, const int64_t *start,
                    const float *train, uint64_t n_train, const float *heldout,
                    uint64_t n_heldout, uint32_t dim, measure_cosine *out)
{
    size_t rows = (size_t)(n ? n : 1);
    double *norm_x = calloc(rows, sizeof *norm_x);
    double *best = calloc(rows, sizeof *best);
    double *at = calloc(rows, sizeof *at);
    int64_t *arg = calloc(rows, sizeof *arg);
    int rc = !norm_x || !best || !at || !arg ? BASIN_ENOMEM : BASIN_OK;
    if (!rc) {
        row_norms(states, n, dim, norm_x);
        for (uint64_t i = 0; i < n; i++) {
            best[i] = at[i] = NAN;
            arg[i] = -1;
        }
        rc = cosine_blocks(states, norm_x, n, train, n_train, dim, start, best, arg, at);
    }
    for (uint64_t i = 0; !rc && i < n; i++) {
        int started = start && start[i] >= 0 && (uint64_t)start[i] < n_train;
        out[i].target = started ? start[i] : arg[i];
        out[i].cos = started ? at[i] : best[i];
        out[i].best = best[i];
        out[i].heldout = NAN;
        best[i] = NAN;
    }
    if (!rc && n_heldout)
        rc = cosine_blocks(states, norm_x, n, heldout, n_heldout, dim, NULL, best, NULL,
                           NULL);
    for (uint64_t i = 0; !rc && n_heldout && i < n; i++)
        out[i].heldout = best[i];
    free(norm_x);
    free(best);
    free(at);
    free(arg);
    return rc;
}

measure_class measure_classify_cosine(const measure_cosine *c, int converged,
                                      double threshold)
{
    if (!isnan(c->cos) && c->cos >= threshold)
        return MEASURE_MEMORIZED;
    if (!isnan(c->heldout) && c->heldout >= threshold)
        return MEASURE_GENERALIZED;
    return converged ? MEASURE_SPURIOUS : MEASURE_UNCONVERGED;
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
