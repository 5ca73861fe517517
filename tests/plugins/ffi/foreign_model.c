/*
 * foreign_model — a shared library that was not written for basin: plain C
 * functions with their own argument orders and types, which scores/ffi and
 * energies/ffi call through libffi in tests/plugins/ffi. It includes no basin header.
 *
 * Denoisers: the empirical (optimal) denoiser of the k training rows ξ_μ
 * (docs/science.md, Empirical score; Pham et al. 2025),
 *     x̂0(x) = Σ_μ w_μ ξ_μ,   w = softmax_μ(−‖x − α ξ_μ‖² / 2σ²),
 * in double with a max-subtracted softmax; σ = 0 gives the nearest α ξ_μ.
 * Energies: E(x) = ½ Σ_i (i + 1) (x_i − m_i − shift)², m the mean training row,
 * and its gradient (i + 1)(x_i − m_i − shift).
 */
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define EXPORT __attribute__((visibility("default")))

/* What the library exports, as its own header would declare it. */
EXPORT int ref_denoise(const float *x, uint64_t n, uint32_t dim, double alpha,
                       double sigma, const float *train, uint64_t k, float *out);
EXPORT void ref_denoise_narrow(float sigma, uint8_t n, const float *train, int16_t k,
                               uint16_t dim, float alpha, float *out, const float *x);
EXPORT int ref_denoise_scaled(const float *x, long n, unsigned dim, double alpha,
                              double sigma, const float *train, size_t k, double scale,
                              float *out);
EXPORT void ref_denoise_one(const float *x, int dim, double alpha, double sigma,
                            const float *train, int k, float *out);
EXPORT int ref_fail(const float *x, uint64_t n, uint32_t dim, float *out);
EXPORT void ref_skip_last(const float *x, uint64_t n, uint32_t dim, float *out);
EXPORT void ref_inf(const float *x, uint64_t n, uint32_t dim, float *out);
EXPORT int ref_exclusive(const float *x, uint64_t n, uint32_t dim, double alpha,
                         double sigma, const float *train, uint64_t k, float *out);
EXPORT void quad_energy(const float *x, size_t n, int dim, const float *train, long k,
                        double shift, double *out);
EXPORT int quad_gradient(const float *x, int n, int dim, const float *train, int k,
                         double shift, float *out);
EXPORT double quad_energy_one(const float *x, unsigned dim, const float *train,
                              unsigned k, float shift);
EXPORT float quad_energy_one_f(const float *x, uint32_t dim, const float *train,
                               uint32_t k, float shift);
EXPORT int features(const float *x, uint64_t n, uint32_t dim, uint32_t m,
                    const float *train, uint64_t k, float *out);

/* x̂0 of one state x (dim) into out, in double. Returns 0, or -1 (no memory). */
static int denoise_one(const float *x, size_t dim, double alpha, double sigma,
                       const float *train, size_t k, double scale, float *out)
{
    double *logit = malloc(k * sizeof *logit);
    double *acc = calloc(dim, sizeof *acc);
    if (logit == NULL || acc == NULL) {
        free(logit);
        free(acc);
        return -1;
    }
    double max = -INFINITY;
    size_t best = 0;
    for (size_t mu = 0; mu < k; mu++) {
        double d2 = 0;
        for (size_t i = 0; i < dim; i++) {
            const double e = (double)x[i] - alpha * train[mu * dim + i];
            d2 += e * e;
        }
        logit[mu] = sigma > 0 ? -d2 / (2 * sigma * sigma) : -d2;
        if (logit[mu] > max) {
            max = logit[mu];
            best = mu;
        }
    }
    double sum = 0;
    for (size_t mu = 0; mu < k; mu++) {
        const double w = sigma > 0 ? exp(logit[mu] - max) : (double)(mu == best);
        sum += w;
        for (size_t i = 0; i < dim; i++)
            acc[i] += w * train[mu * dim + i];
    }
    for (size_t i = 0; i < dim; i++)
        out[i] = (float)(scale * acc[i] / sum);
    free(logit);
    free(acc);
    return 0;
}

/* The reference shape: every argument basin can bind, in the order of the
   default bindings. Returns 0, 1 (a NULL array), -1 (no memory). */
EXPORT int ref_denoise(const float *x, uint64_t n, uint32_t dim, double alpha,
                       double sigma, const float *train, uint64_t k, float *out)
{
    if (x == NULL || train == NULL || out == NULL)
        return 1;
    for (uint64_t s = 0; s < n; s++)
        if (denoise_one(x + s * dim, dim, alpha, sigma, train, k, 1, out + s * dim))
            return -1;
    return 0;
}

/* Another order, float α and σ, narrow integers: n ≤ 255 per call. */
EXPORT void ref_denoise_narrow(float sigma, uint8_t n, const float *train, int16_t k,
                               uint16_t dim, float alpha, float *out, const float *x)
{
    for (unsigned s = 0; s < n; s++)
        denoise_one(x + (size_t)s * dim, dim, alpha, sigma, train, (size_t)k, 1,
                    out + (size_t)s * dim);
}

/* A constant argument: scale · x̂0. */
EXPORT int ref_denoise_scaled(const float *x, long n, unsigned dim, double alpha,
                              double sigma, const float *train, size_t k, double scale,
                              float *out)
{
    for (long s = 0; s < n; s++)
        if (denoise_one(x + (size_t)s * dim, dim, alpha, sigma, train, k, scale,
                        out + (size_t)s * dim))
            return -1;
    return 0;
}

/* One state per call (no n argument). */
EXPORT void ref_denoise_one(const float *x, int dim, double alpha, double sigma,
                            const float *train, int k, float *out)
{
    denoise_one(x, (size_t)dim, alpha, sigma, train, (size_t)k, 1, out);
}

/* Always fails with status 7. */
EXPORT int ref_fail(const float *x, uint64_t n, uint32_t dim, float *out)
{
    (void)x, (void)n, (void)dim, (void)out;
    return 7;
}

/* Writes zeros but leaves the last entry of the last state unwritten. */
EXPORT void ref_skip_last(const float *x, uint64_t n, uint32_t dim, float *out)
{
    (void)x;
    for (uint64_t i = 0; i + 1 < n * dim; i++)
        out[i] = 0;
}

/* Writes an infinity at state 1, entry 2 (needs n ≥ 2, dim ≥ 3). */
EXPORT void ref_inf(const float *x, uint64_t n, uint32_t dim, float *out)
{
    (void)x;
    for (uint64_t i = 0; i < n * dim; i++)
        out[i] = 0;
    out[1 * dim + 2] = INFINITY;
}

/* The reference denoiser, returning 99 if another call is inside it at the same
   time (it yields inside, to give one the chance): a function that is not
   thread-safe and says so. */
static atomic_int inside;
EXPORT int ref_exclusive(const float *x, uint64_t n, uint32_t dim, double alpha,
                         double sigma, const float *train, uint64_t k, float *out)
{
    if (atomic_exchange(&inside, 1))
        return 99;
    const int rc = ref_denoise(x, n, dim, alpha, sigma, train, k, out);
    for (int i = 0; i < 20; i++) /* let another thread in, if nothing stops it */
        sched_yield();
    atomic_store(&inside, 0);
    return rc;
}

/* ---------------------------------------------------------------- energies */

/* m_i − shift + ... : the quadratic's centre, coordinate i. */
static double centre(const float *train, size_t k, size_t dim, size_t i, double shift)
{
    double m = 0;
    for (size_t mu = 0; mu < k; mu++)
        m += train[mu * dim + i];
    return m / (double)k + shift;
}

static double quad_one(const float *x, size_t dim, const float *train, size_t k,
                       double shift)
{
    double e = 0;
    for (size_t i = 0; i < dim; i++) {
        const double d = x[i] - centre(train, k, dim, i, shift);
        e += 0.5 * (double)(i + 1) * d * d;
    }
    return e;
}

EXPORT void quad_energy(const float *x, size_t n, int dim, const float *train, long k,
                        double shift, double *out)
{
    for (size_t s = 0; s < n; s++)
        out[s] = quad_one(x + s * (size_t)dim, (size_t)dim, train, (size_t)k, shift);
}

EXPORT int quad_gradient(const float *x, int n, int dim, const float *train, int k,
                         double shift, float *out)
{
    for (int s = 0; s < n; s++)
        for (int i = 0; i < dim; i++) {
            const double c = centre(train, (size_t)k, (size_t)dim, (size_t)i, shift);
            const size_t at = (size_t)s * (size_t)dim + (size_t)i;
            out[at] = (float)((i + 1) * (x[at] - c));
        }
    return 0;
}

/* One state's energy as the return value, float shift. */
EXPORT double quad_energy_one(const float *x, unsigned dim, const float *train,
                              unsigned k, float shift)
{
    return quad_one(x, dim, train, k, shift);
}

/* The same as a float. */
EXPORT float quad_energy_one_f(const float *x, uint32_t dim, const float *train,
                               uint32_t k, float shift)
{
    return (float)quad_one(x, dim, train, k, shift);
}

/* A feature map for embeddings/ffi: m features per state, feature j =
   tanh(x_(j mod dim)) + 0.5 x_((j + 1) mod dim), centred on the training set's
   first row (train, k bound: a map that reads what encode kept). */
EXPORT int features(const float *x, uint64_t n, uint32_t dim, uint32_t m,
                    const float *train, uint64_t k, float *out)
{
    if (k == 0)
        return 1;
    for (uint64_t s = 0; s < n; s++)
        for (uint32_t j = 0; j < m; j++) {
            const uint32_t a = j % dim, b = (j + 1) % dim;
            out[s * m + j] = (float)(tanh(x[s * dim + a] - train[a]) +
                                     0.5 * (x[s * dim + b] - train[b]));
        }
    return 0;
}
