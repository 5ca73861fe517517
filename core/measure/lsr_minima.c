/* lsr_minima — see lsr_minima.h. */
#include "measure/lsr_minima.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "basin/plugin.h"
#include "base/errmsg.h"
#include "base/rng.h"

/* The search's fixed inputs and its growing output. */
typedef struct search {
    const float *xi;
    uint32_t k, dim;
    double beta, epsilon, r2;
    const uint64_t *adjacent; /* k masks: bit b of adjacent[a] ⇔ ‖ξ_a − ξ_b‖² < 4r² */
    double *scratch;          /* dim doubles per level for the running sums, + 2 dim */
    lsr_minima *out;
    uint64_t capacity;
    int rc;
} search;

static double distance2(const double *c, const float *x, uint32_t dim)
{
    double s = 0;
    for (uint32_t i = 0; i < dim; i++) {
        const double d = c[i] - x[i];
        s += d * d;
    }
    return s;
}

/* Check the complete subset `members` (sum of its patterns in sum) exactly and
   record it when it is a minimum. */
static void check_subset(search *s, uint64_t members, uint32_t size, const double *sum)
{
    s->out->examined++;
    double *c = s->scratch + (size_t)(s->k + 1) * s->dim;
    for (uint32_t i = 0; i < s->dim; i++)
        c[i] = sum[i] / size;
    double z = s->epsilon, margin = INFINITY, nearest2 = INFINITY;
    uint32_t nearest = 0;
    for (uint32_t mu = 0; mu < s->k; mu++) {
        const double d2 = distance2(c, s->xi + (size_t)mu * s->dim, s->dim);
        if (d2 < nearest2) {
            nearest2 = d2;
            nearest = mu;
        }
        const int inside = d2 < s->r2;
        if (inside != (int)(members >> mu & 1))
            return;
        if (inside)
            z += 1 - 0.5 * s->beta * d2;
        margin = fmin(margin, fabs(d2 - s->r2) / s->r2);
    }
    lsr_minima *o = s->out;
    if (o->n_minima == s->capacity) {
        const uint64_t cap = s->capacity ? 2 * s->capacity : 64;
        lsr_minimum *m = realloc(o->minima, cap * sizeof *m);
        if (m != NULL)
            o->minima = m;
        float *cs = realloc(o->centroids, cap * s->dim * sizeof *cs);
        if (cs != NULL)
            o->centroids = cs;
        if (m == NULL || cs == NULL) {
            s->rc = BASIN_ENOMEM;
            return;
        }
        s->capacity = cap;
    }
    o->minima[o->n_minima] =
        (lsr_minimum){members, size, -log(z) / s->beta, margin, sqrt(nearest2), nearest};
    for (uint32_t i = 0; i < s->dim; i++)
        o->centroids[o->n_minima * s->dim + i] = (float)c[i];
    o->n_minima++;
    if (size == 1)
        o->n_stored++;
    else
        o->n_novel++;
}

/*
 * The exclusion test: can a subset I ∪ T (T ⊆ candidates, I = members with sum
 * `sum`) still leave every pattern of `excluded` outside its support? False when
 * some excluded ξ_ν is within r of every vertex of the hull holding c_S.
 */
static int exclusion_possible(const search *s, uint32_t size, const double *sum,
                              uint64_t candidates, uint64_t excluded)
{
    if (excluded == 0)
        return 1;
    const uint32_t dim = s->dim;
    uint32_t n_candidates = 0;
    for (uint64_t m = candidates; m; m &= m - 1)
        n_candidates++;
    const double lambda = (double)size / (size + n_candidates);
    double *c = s->scratch + (size_t)(s->k + 2) * dim; /* c_I, then a vertex */
    double *v = c + dim;
    for (uint32_t i = 0; i < dim && size > 0; i++)
        c[i] = sum[i] / size;
    /* Slightly inside r² so that a rounding tie never prunes a valid subset. */
    const double bound = s->r2 * (1 - 1e-12);
    for (uint64_t ex = excluded; ex; ex &= ex - 1) {
        const float *xn = s->xi + (size_t)__builtin_ctzll(ex) * dim;
        int all_inside = size == 0 || distance2(c, xn, dim) < bound;
        for (uint64_t u = candidates; u && all_inside; u &= u - 1) {
            const float *xu = s->xi + (size_t)__builtin_ctzll(u) * dim;
            for (uint32_t i = 0; i < dim; i++)
                v[i] = (size > 0 ? lambda * c[i] : 0) + (1 - lambda) * xu[i];
            all_inside = distance2(v, xn, dim) < bound;
        }
        if (all_inside)
            return 0;
    }
    return 1;
}

/*
 * Decide pattern `next` onwards. members/size/sum: the patterns taken so far;
 * common: the patterns adjacent to every member (all when none); excluded: those
 * left out while adjacent to every member then.
 */
static void descend(search *s, uint32_t next, uint64_t members, uint32_t size,
                    const double *sum, uint64_t common, uint64_t excluded)
{
    if (s->rc != BASIN_OK)
        return;
    s->out->nodes++;
    if (next == s->k) {
        if (size > 0)
            check_subset(s, members, size, sum);
        return;
    }
    const uint64_t later =
        s->k - next >= 64 ? ~0ull : ((1ull << (s->k - next)) - 1) << next;
    const uint64_t candidates = common & later;
    if (!exclusion_possible(s, size, sum, candidates, excluded & common))
        return;
    if (!(candidates >> next & 1)) { /* not within 2r of every member: out */
        descend(s, next + 1, members, size, sum, common, excluded);
        return;
    }
    double *with = s->scratch + (size_t)next * s->dim;
    const float *x = s->xi + (size_t)next * s->dim;
    for (uint32_t i = 0; i < s->dim; i++)
        with[i] = sum[i] + x[i];
    descend(s, next + 1, members | 1ull << next, size + 1, with,
            common & s->adjacent[next], excluded);
    descend(s, next + 1, members, size, sum, common, excluded | 1ull << next);
}

int lsr_minima_enumerate(const float *patterns, uint64_t k, uint32_t dim, double beta,
                         double epsilon, lsr_minima *out, char *err, size_t n_err)
{
    memset(out, 0, sizeof *out);
    if (k == 0 || k > LSR_MINIMA_MAX_PATTERNS || patterns == NULL || dim == 0) {
        errmsg(err, n_err, "LSR minima: %llu patterns of dimension %u (need 1 to %u)",
               (unsigned long long)k, dim, LSR_MINIMA_MAX_PATTERNS);
        return BASIN_EINVAL;
    }
    if (!(beta > 0 && isfinite(beta)) || !(epsilon > 0 && isfinite(epsilon))) {
        errmsg(err, n_err, "LSR minima: beta = %g and epsilon = %g must be > 0", beta,
               epsilon);
        return BASIN_EINVAL;
    }
    for (size_t t = 0; t < (size_t)k * dim; t++)
        if (!isfinite(patterns[t])) {
            errmsg(err, n_err, "LSR minima: pattern %zu entry %zu is not finite", t / dim,
                   t % dim);
            return BASIN_EINVAL;
        }
    uint64_t *adjacent = calloc(k, sizeof *adjacent);
    double *scratch = calloc(((size_t)k + 4) * dim, sizeof *scratch);
    search s = {patterns, (uint32_t)k, dim, beta, epsilon, 2 / beta,
                adjacent, scratch,     out, 0,    BASIN_OK};
    if (adjacent == NULL || scratch == NULL)
        s.rc = BASIN_ENOMEM;
    for (uint32_t a = 0; a < k && s.rc == BASIN_OK; a++) {
        for (uint32_t b = 0; b < k; b++) {
            double d2 = 0;
            for (uint32_t i = 0; i < dim; i++) {
                const double d =
                    (double)patterns[(size_t)a * dim + i] - patterns[(size_t)b * dim + i];
                d2 += d * d;
            }
            if (d2 < 4 * s.r2 * (1 + 1e-12))
                adjacent[a] |= 1ull << b;
        }
    }
    if (s.rc == BASIN_OK) {
        double *zero = scratch + (size_t)k * dim; /* the empty sum */
        memset(zero, 0, dim * sizeof *zero);
        const uint64_t all = k == 64 ? ~0ull : (1ull << k) - 1;
        descend(&s, 0, 0, 0, zero, all, 0);
    }
    free(adjacent);
    free(scratch);
    if (s.rc != BASIN_OK) {
        lsr_minima_free(out);
        errmsg(err, n_err, "LSR minima: out of memory");
    }
    return s.rc;
}

void lsr_minima_free(lsr_minima *m)
{
    free(m->minima);
    free(m->centroids);
    memset(m, 0, sizeof *m);
}

int lsr_coverage(const float *patterns, uint64_t k, uint32_t dim, double beta, double low,
                 double high, uint64_t n, uint64_t seed, double *fraction, double *se,
                 char *err, size_t n_err)
{
    *fraction = *se = NAN;
    if (k == 0 || dim == 0 || n == 0 || patterns == NULL) {
        errmsg(err, n_err, "LSR coverage: %llu patterns of dimension %u, %llu points",
               (unsigned long long)k, dim, (unsigned long long)n);
        return BASIN_EINVAL;
    }
    if (!(beta > 0 && isfinite(beta)) || !(high > low) || !isfinite(high - low)) {
        errmsg(err, n_err, "LSR coverage: beta = %g must be > 0 and [%g, %g] a cube",
               beta, low, high);
        return BASIN_EINVAL;
    }
    double *u = malloc(dim * sizeof *u);
    if (u == NULL) {
        errmsg(err, n_err, "LSR coverage: out of memory");
        return BASIN_ENOMEM;
    }
    const double r2 = 2 / beta, width = high - low;
    uint64_t hits = 0;
    for (uint64_t t = 0; t < n; t++) {
        rng_uniform(seed, BASIN_ROLE_MEASURE, LSR_COVERAGE_INDEX, t, u, dim);
        for (uint32_t i = 0; i < dim; i++)
            u[i] = low + width * u[i];
        for (uint64_t mu = 0; mu < k; mu++)
            if (distance2(u, patterns + mu * dim, dim) < r2) {
                hits++;
                break;
            }
    }
    free(u);
    *fraction = (double)hits / (double)n;
    *se = sqrt(*fraction * (1 - *fraction) / (double)n);
    return BASIN_OK;
}
