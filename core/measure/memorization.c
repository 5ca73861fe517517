/* memorization — see memorization.h. */
#include "measure/memorization.h"

#include <math.h>

memorization_time memorization_crossing(const double *steps, const double *rate,
                                        const double *rate_lo, const double *rate_hi,
                                        size_t n, double level)
{
    memorization_time t = {NAN, NAN, NAN, NAN, 0};
    for (size_t k = 0; k < n; k++) {
        const double lo = rate_lo ? rate_lo[k] : rate[k];
        const double hi = rate_hi ? rate_hi[k] : rate[k];
        if (isnan(t.tau) && rate[k] > level) {
            t.tau = steps[k];
            /* the last snapshot before with a rate (a NaN rate is skipped) */
            size_t j = k;
            while (j > 0 && isnan(rate[j - 1]))
                j--;
            if (j == 0) {
                t.censored = 1;
            } else if (steps[j - 1] > 0 && steps[k] > steps[j - 1]) {
                const double f = (level - rate[j - 1]) / (rate[k] - rate[j - 1]);
                t.tau_interp =
                    exp(log(steps[j - 1]) + f * (log(steps[k]) - log(steps[j - 1])));
            }
        }
        if (isnan(t.tau_lo) && hi > level)
            t.tau_lo = steps[k];
        if (isnan(t.tau_hi) && lo > level)
            t.tau_hi = steps[k];
    }
    return t;
}

memorization_affine memorization_affine_fit(const double *n, const double *tau, size_t m)
{
    memorization_affine f = {0, NAN, NAN, NAN};
    double sx = 0, sy = 0;
    for (size_t k = 0; k < m; k++)
        if (isfinite(n[k]) && isfinite(tau[k])) {
            sx += n[k];
            sy += tau[k];
            f.used++;
        }
    if (f.used < 2)
        return f;
    const double mx = sx / (double)f.used, my = sy / (double)f.used;
    double sxx = 0, sxy = 0;
    for (size_t k = 0; k < m; k++)
        if (isfinite(n[k]) && isfinite(tau[k])) {
            sxx += (n[k] - mx) * (n[k] - mx);
            sxy += (n[k] - mx) * (tau[k] - my);
        }
    if (!(sxx > 0))
        return f;
    f.slope = sxy / sxx;
    f.offset = my - f.slope * mx;
    f.max_residual = 0;
    for (size_t k = 0; k < m; k++)
        if (isfinite(n[k]) && isfinite(tau[k])) {
            const double r = fabs(tau[k] - f.offset - f.slope * n[k]) / fabs(tau[k]);
            f.max_residual = r > f.max_residual ? r : f.max_residual;
        }
    return f;
}

memorization_fit memorization_power_law(const double *n, const double *tau, size_t m)
{
    memorization_fit f = {0, NAN, NAN, NAN};
    double sx = 0, sy = 0;
    for (size_t k = 0; k < m; k++)
        if (isfinite(n[k]) && n[k] > 0 && isfinite(tau[k]) && tau[k] > 0) {
            sx += log(n[k]);
            sy += log(tau[k]);
            f.used++;
        }
    if (f.used < 2)
        return f;
    const double mx = sx / (double)f.used, my = sy / (double)f.used;
    double sxx = 0, sxy = 0;
    for (size_t k = 0; k < m; k++)
        if (isfinite(n[k]) && n[k] > 0 && isfinite(tau[k]) && tau[k] > 0) {
            const double dx = log(n[k]) - mx, dy = log(tau[k]) - my;
            sxx += dx * dx;
            sxy += dx * dy;
        }
    if (!(sxx > 0))
        return f;
    f.exponent = sxy / sxx;
    f.prefactor = exp(my - f.exponent * mx);
    if (f.used > 2) {
        double rss = 0;
        for (size_t k = 0; k < m; k++)
            if (isfinite(n[k]) && n[k] > 0 && isfinite(tau[k]) && tau[k] > 0) {
                const double r = log(tau[k]) - my - f.exponent * (log(n[k]) - mx);
                rss += r * r;
            }
        f.se = sqrt(rss / (double)(f.used - 2) / sxx);
    }
    return f;
}
