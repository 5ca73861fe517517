#include "measure/collapse.h"

#include <math.h>

double collapse_speciation_time(const double *eigenvalues, uint32_t dim)
{
    double top = 0;
    for (uint32_t i = 0; i < dim; i++)
        if (eigenvalues[i] > top)
            top = eigenvalues[i];
    return top > 0 ? 0.5 * log(top) : NAN;
}

/* (1/2N) Σ log(1 + λ_i e^{−2t}/Δ_t): decreasing in t, from +∞ at 0 to 0 at ∞. */
static double entropy_gap(const double *lambda, uint32_t dim, double t)
{
    double ratio = exp(-2 * t) / -expm1(-2 * t), sum = 0;
    for (uint32_t i = 0; i < dim; i++)
        if (lambda[i] > 0)
            sum += log1p(lambda[i] * ratio);
    return sum / (2.0 * dim);
}

double collapse_time_gaussian(const double *eigenvalues, uint32_t dim, uint64_t n_points)
{
    int any = 0;
    for (uint32_t i = 0; i < dim; i++)
        any |= eigenvalues[i] > 0;
    if (!any)
        return NAN;
    if (n_points <= 1)
        return INFINITY;
    double target = log((double)n_points) / dim;
    double lo = 1e-300, hi = 1;
    while (entropy_gap(eigenvalues, dim, hi) > target && hi < 1e6)
        hi *= 2;
    for (int k = 0; k < 200 && hi - lo > 1e-12 * hi; k++) {
        double mid = 0.5 * (lo + hi);
        if (entropy_gap(eigenvalues, dim, mid) > target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

double collapse_time_mixture(double variance, uint32_t dim, uint64_t n_points,
                             uint32_t components)
{
    if (!(variance > 0) || dim == 0 || components == 0 || n_points <= components)
        return NAN;
    const double per_class = (double)n_points / components;
    return 0.5 * log1p(variance / expm1(2 * log(per_class) / dim));
}

const char *collapse_basis_name(collapse_basis basis)
{
    switch (basis) {
    case COLLAPSE_BASIS_LAW:
        return "law";
    case COLLAPSE_BASIS_MIXTURE:
        return "mixture";
    case COLLAPSE_BASIS_EMPIRICAL:
        return "gaussian-approx";
    case COLLAPSE_BASIS_NONE:
        break;
    }
    return "";
}

double collapse_ou_time(double alpha, double sigma)
{
    if (sigma <= 0)
        return 0;
    double r = sigma / alpha;
    return 0.5 * log1p(r * r);
}
