#include "measure/calibrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernels/nearest.h"

const char *calibrate_support_name(calibrate_support s)
{
    switch (s) {
    case CALIBRATE_SUPPORT_LAW:
        return "law";
    case CALIBRATE_SUPPORT_HELDOUT:
        return "heldout";
    default:
        return "none";
    }
}

static int by_value(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

double calibrate_quantile(double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, by_value);
    double rank = ceil(p * (double)n - 1e-9); /* ⌈p·n⌉, robust to p·n rounding */
    size_t k = rank < 1 ? 1 : rank > (double)n ? n : (size_t)rank;
    return v[k - 1];
}

/* Q(p) of the nearest-reference distances of n queries (skip: leave-one-out
   within q itself when r == q), appended at v + *m. */
static int nearest_distances(const float *q, uint64_t n, const float *r, uint64_t k,
                             uint32_t dim, int64_t skip, double *v, size_t *m)
{
    nearest2 *nn = malloc((size_t)(n ? n : 1) * sizeof *nn);
    if (!nn)
        return BASIN_ENOMEM;
    int rc = nearest_two(q, n, r, k, dim, 1.0, skip, nn);
    for (uint64_t i = 0; !rc && i < n; i++)
        if (nn[i].index[0] >= 0)
            v[(*m)++] = sqrt(nn[i].dist2[0] / dim);
    free(nn);
    return rc;
}

int calibrate_delta_m(const float *heldout, uint64_t n_heldout, const float *train,
                      uint64_t n_train, uint32_t dim, double q, double *out)
{
    double *v = malloc((size_t)(n_heldout ? n_heldout : 1) * sizeof *v);
    size_t m = 0;
    int rc = v ? nearest_distances(heldout, n_heldout, train, n_train, dim, -1, v, &m)
               : BASIN_ENOMEM;
    *out = rc ? NAN : calibrate_quantile(v, m, q);
    free(v);
    return rc;
}

int calibrate_delta_s(const float *heldout, uint64_t n_heldout, uint64_t n, uint32_t dim,
                      double q, double *out)
{
    *out = NAN;
    if (n < 2 || n_heldout < n)
        return BASIN_EINVAL;
    uint64_t subsets = n_heldout / n;
    double *v = malloc((size_t)(subsets * n) * sizeof *v);
    if (!v)
        return BASIN_ENOMEM;
    size_t m = 0;
    int rc = BASIN_OK;
    for (uint64_t s = 0; !rc && s < subsets; s++) {
        const float *sub = heldout + s * n * dim;
        rc = nearest_distances(sub, n, sub, n, dim, 0, v, &m);
    }
    if (!rc)
        *out = calibrate_quantile(v, m, q);
    free(v);
    return rc;
}

int calibrate_delta_h(const float *heldout, uint64_t n_heldout, uint32_t dim, double q,
                      double *out)
{
    *out = NAN;
    if (n_heldout < 2)
        return BASIN_EINVAL;
    double *v = malloc((size_t)n_heldout * sizeof *v);
    if (!v)
        return BASIN_ENOMEM;
    size_t m = 0;
    int rc = nearest_distances(heldout, n_heldout, heldout, n_heldout, dim, 0, v, &m);
    if (!rc)
        *out = calibrate_quantile(v, m, 1 - q);
    free(v);
    return rc;
}

int calibrate_job(calibration *c, double delta_m, double delta_s, double q, int pham,
                  int law, const float *train, uint64_t n_train, const float *heldout,
                  uint64_t n_heldout, uint64_t n, uint32_t dim, const char *heldout_key,
                  char *err, size_t n_err)
{
    *c = (calibration){.delta_m = delta_m,
                       .delta_s = pham ? delta_s : NAN,
                       .delta_h = NAN,
                       .quantile = NAN,
                       .auto_m = isnan(delta_m),
                       .auto_s = pham && isnan(delta_s)};
    int held = n_heldout >= 2;
    c->support = law    ? CALIBRATE_SUPPORT_LAW
                 : held ? CALIBRATE_SUPPORT_HELDOUT
                        : CALIBRATE_SUPPORT_NONE;
    int rc = BASIN_OK;
    if (c->auto_s && held && n_heldout < n) {
        snprintf(err, n_err,
                 "measure.delta_s = \"auto\" calibrates from held-out subsets of as "
                 "many points as samples (n = %llu), but the held-out split (%s) has "
                 "%llu: give at least %llu held-out points, draw fewer samples, or give "
                 "measure.delta_s as a number",
                 (unsigned long long)n, heldout_key, (unsigned long long)n_heldout,
                 (unsigned long long)n);
        return BASIN_EINVAL;
    }
    /* δ_m is read by rule pham, and by the support test with a law; the ratio
       rule without one leaves it unresolved (NaN), and no fallback is needed. */
    if (c->auto_m && (pham || law)) {
        if (held && n_train)
            rc = calibrate_delta_m(heldout, n_heldout, train, n_train, dim, q,
                                   &c->delta_m);
        else
            c->fallback_m = 1, c->delta_m = CALIBRATE_FALLBACK;
    }
    if (!rc && c->auto_s) {
        if (held && n >= 2)
            rc = calibrate_delta_s(heldout, n_heldout, n, dim, q, &c->delta_s);
        else
            c->fallback_s = 1, c->delta_s = CALIBRATE_FALLBACK;
    }
    if (!rc && c->support == CALIBRATE_SUPPORT_HELDOUT)
        rc = calibrate_delta_h(heldout, n_heldout, dim, q, &c->delta_h);
    if ((c->auto_m && !c->fallback_m) || (c->auto_s && !c->fallback_s) ||
        c->support == CALIBRATE_SUPPORT_HELDOUT)
        c->quantile = q;
    if (rc)
        snprintf(err, n_err, "out of memory for the calibration of the thresholds");
    return rc;
}

int calibrate_on_support(const calibration *c, double d_h, double d_law)
{
    switch (c->support) {
    case CALIBRATE_SUPPORT_LAW:
        return isnan(d_law) ? -1 : d_law <= c->delta_m;
    case CALIBRATE_SUPPORT_HELDOUT:
        return isnan(d_h) ? -1 : d_h <= c->delta_h;
    default:
        return -1;
    }
}
