/*
 * test_score_plugins — unit tests of scores/empirical and scores/gaussian, loaded as
 * the host loads them (dlopen RTLD_NOW|RTLD_LOCAL) and driven through the fake
 * basin_host of tests/fake_host.h.
 *
 * Every denoiser output is compared with a brute-force double formula written
 * independently of the plugin's algebra:
 *   - empirical: x̂0 = Σ_μ w_μ ξ_μ, w = softmax(−‖x − α ξ_μ‖²/2σ²) from the
 *     distances themselves (SCIENCE.md §6.1), not from a x·ξ + b‖ξ‖²;
 *   - gaussian: x̂0 = μ + α C y with (α² C + σ² I) y = x − α μ solved by Gaussian
 *     elimination (Bishop 2006, PRML eq. 2.116), no eigendecomposition.
 * Tolerances are float32 bounds derived in each check (u = 2⁻²⁴, γ_m = m u/(1 − m u),
 * Higham 2002 eq. 3.5 for a length-m dot product).
 *
 * Usage: test_score_plugins EMPIRICAL.so GAUSSIAN.so
 */
#include <basin/plugin.h>

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake_host.h"

#define U32 0x1p-24

static double gamma_u(double m)
{
    return m * U32 / (1 - m * U32);
}

/* --------------------------------------------------------------- fake host */

/* tests/fake_host.h's host with the splitmix stream of seed 2026 (set up in main). */
static fake_host fake;
static const basin_host *const host = &fake.host;

/* Test data: uniform in [-scale, scale), or standard normal, keyed by a stream. */
static void uniform_fill(float *v, size_t count, double scale, uint64_t stream)
{
    double *u = malloc(count * sizeof *u);
    host->random_uniform(host, BASIN_ROLE_USER, stream, 0, u, count);
    for (size_t i = 0; i < count; i++)
        v[i] = (float)(scale * (2 * u[i] - 1));
    free(u);
}

/* ----------------------------------------------------------- plugin loading */

/* A score plugin, loaded and checked by fake_host's load_plugin. */
static const basin_descriptor *load_score(const char *path, const char *id)
{
    const basin_descriptor *d = load_plugin(path, id);
    CHECK(d != NULL && strcmp(d->interface, BASIN_IFACE_SCORE) == 0,
          "%s holds %s implementing %s", path, id, BASIN_IFACE_SCORE);
    return d;
}

static const basin_score_iface *iface_of(const basin_descriptor *d)
{
    return d->iface;
}

/* Create with one CHOICE/STRING parameter value (or the defaults if value is NULL). */
static void *create(const basin_descriptor *d, uint32_t dim, const char *value)
{
    basin_value values[4] = {{0, ""}, {0, ""}, {0, ""}, {0, ""}};
    for (int i = 0; d->params[i].name != NULL && i < 4; i++) {
        values[i].number = d->params[i].default_number;
        values[i].string = d->params[i].default_string ? d->params[i].default_string : "";
    }
    if (value != NULL)
        values[0].string = value;
    void *self = NULL;
    int rc = iface_of(d)->create(host, values, dim, &self);
    CHECK(rc == BASIN_OK && self != NULL, "%s: create(dim %u, %s) returned %d (%s)",
          d->id, dim, value ? value : "defaults", rc, fake_last_error);
    return self;
}

/* ------------------------------------------------------------- empirical */

/* The empirical denoiser in double from distances; *margin = the smallest
   logit gap to the winner (for the σ → 0 check); *spread = max − min logit. */
static void empirical_reference(const float *train, uint64_t k, uint32_t dim,
                                const float *x, double alpha, double sigma, double *out,
                                double *spread)
{
    double *logit = malloc(k * sizeof *logit);
    double max = -INFINITY, min = INFINITY;
    for (uint64_t mu = 0; mu < k; mu++) {
        double d2 = 0;
        for (uint32_t i = 0; i < dim; i++) {
            const double e = (double)x[i] - alpha * train[mu * dim + i];
            d2 += e * e;
        }
        logit[mu] = -d2 / (2 * sigma * sigma);
        max = fmax(max, logit[mu]);
        min = fmin(min, logit[mu]);
    }
    double sum = 0;
    memset(out, 0, dim * sizeof *out);
    for (uint64_t mu = 0; mu < k; mu++) {
        const double w = exp(logit[mu] - max);
        sum += w;
        for (uint32_t i = 0; i < dim; i++)
            out[i] += w * train[mu * dim + i];
    }
    for (uint32_t i = 0; i < dim; i++)
        out[i] /= sum;
    *spread = max - min;
    free(logit);
}

/* Index of the training point nearest x/α (double). */
static uint64_t nearest_reference(const float *train, uint64_t k, uint32_t dim,
                                  const float *x, double alpha, double *gap)
{
    double best = INFINITY, second = INFINITY;
    uint64_t arg = 0;
    for (uint64_t mu = 0; mu < k; mu++) {
        double d2 = 0;
        for (uint32_t i = 0; i < dim; i++) {
            const double e = (double)x[i] / alpha - train[mu * dim + i];
            d2 += e * e;
        }
        if (d2 < best) {
            second = best;
            best = d2;
            arg = mu;
        } else if (d2 < second) {
            second = d2;
        }
    }
    *gap = second - best;
    return arg;
}

/* States x = α ξ_ν + σ_state · uniform noise, ν spread over the training set. */
static void noisy_states(const float *train, uint64_t k, uint32_t dim, uint64_t n,
                         double alpha, double noise, float *x, uint64_t stream)
{
    uniform_fill(x, n * dim, noise, stream);
    for (uint64_t s = 0; s < n; s++) {
        const uint64_t nu = (s * 7919) % k;
        for (uint32_t i = 0; i < dim; i++)
            x[s * dim + i] += (float)(alpha * train[nu * dim + i]);
    }
}

static void check_empirical_case(const basin_score_iface *f, uint64_t k, uint32_t dim,
                                 uint64_t n, double alpha, double sigma)
{
    float *train = malloc(k * dim * sizeof *train);
    float *x = malloc(n * dim * sizeof *x);
    float *out = malloc(n * dim * sizeof *out);
    double *ref = malloc(dim * sizeof *ref);
    uniform_fill(train, k * dim, 1.0, k);
    noisy_states(train, k, dim, n, alpha, 2 * sigma, x, k + 1);
    void *self = NULL;
    basin_value none = {0, ""};
    f->create(host, &none, dim, &self);
    CHECK(f->encode(self, host, train, k) == BASIN_OK, "empirical: encode K = %llu",
          (unsigned long long)k);
    int rc = f->denoise(self, host, x, n, alpha, sigma, out);
    CHECK(rc == BASIN_OK, "empirical: denoise returned %d (%s)", rc, fake_last_error);
    /*
     * Bound: the plugin forms a x·ξ + b‖ξ‖² (a = α/σ², b = −α²/2σ²) with the dot
     * by float SGEMM, |δℓ| ≤ Δ = a γ_N Σ_i |x_i ξ_i| ≤ a γ_N N max|x| max|ξ|; each
     * weight moves by a factor within e^{±2Δ}; float weights (≤ 90 u) and the
     * float weighted sum (γ_{1024 + K/1024 + 4}) add the rest; |ξ| ≤ 1.
     */
    double max_x = 0;
    for (size_t i = 0; i < n * dim; i++)
        max_x = fmax(max_x, fabs(x[i]));
    const double a = alpha / (sigma * sigma);
    const double delta = a * gamma_u(dim) * dim * max_x;
    const double tol =
        2 * (expm1(2 * delta) + 90 * U32 + gamma_u(1024.0 + (double)k / 1024 + 4));
    double worst = 0, spread_mean = 0;
    for (uint64_t s = 0; s < n; s++) {
        double spread;
        empirical_reference(train, k, dim, x + s * dim, alpha, sigma, ref, &spread);
        spread_mean += spread / (double)n;
        for (uint32_t i = 0; i < dim; i++)
            worst = fmax(worst, fabs(out[s * dim + i] - ref[i]));
    }
    CHECK(worst <= tol,
          "empirical K=%llu N=%u alpha=%g sigma=%g: max error %.2e "
          "(bound %.2e; logits span %.0f)",
          (unsigned long long)k, dim, alpha, sigma, worst, tol, spread_mean);
    printf("empirical K=%-5llu N=%-3u n=%-3llu alpha=%-4g sigma=%-5g max error %.2e, "
           "bound %.2e, mean logit span %.1f\n",
           (unsigned long long)k, dim, (unsigned long long)n, alpha, sigma, worst, tol,
           spread_mean);
    f->destroy(self);
    free(train);
    free(x);
    free(out);
    free(ref);
}

typedef struct job {
    const basin_score_iface *f;
    void *self;
    const float *x;
    uint64_t n;
    double alpha, sigma;
    float *out;
    int rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    for (int rep = 0; rep < 3; rep++)
        j->rc |= j->f->denoise(j->self, host, j->x, j->n, j->alpha, j->sigma, j->out);
    return NULL;
}

/* Two threads denoising disjoint halves at once give the bits of serial calls of
   the same halves. */
static void check_threads(const basin_score_iface *f, void *self, const float *x,
                          uint64_t n, uint32_t dim, const char *name)
{
    const uint64_t half = n / 2;
    float *serial = malloc(n * dim * sizeof *serial);
    float *par = malloc(n * dim * sizeof *par);
    f->denoise(self, host, x, half, 0.9, 0.4, serial);
    f->denoise(self, host, x + half * dim, half, 0.9, 0.4, serial + half * dim);
    job jobs[2] = {{f, self, x, half, 0.9, 0.4, par, 0},
                   {f, self, x + half * dim, half, 0.9, 0.4, par + half * dim, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, run_job, &jobs[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK(jobs[0].rc == 0 && jobs[1].rc == 0 &&
              memcmp(serial, par, 2 * half * dim * sizeof *par) == 0,
          "%s: concurrent denoise calls give the serial bits", name);
    free(serial);
    free(par);
}

static void test_empirical(const basin_descriptor *d)
{
    const basin_score_iface *f = iface_of(d);
    CHECK(f->struct_size == sizeof(basin_score_iface), "empirical: iface size");

    /* SCIENCE.md §6.1 against the distance form; chunks of 1024 patterns */
    check_empirical_case(f, 1, 9, 4, 0.7, 0.5);
    check_empirical_case(f, 300, 12, 9, 0.9, 0.3);
    check_empirical_case(f, 3000, 20, 7, 0.5, 1.0);
    check_empirical_case(f, 2049, 16, 300, 1.0, 0.08); /* weights nearly one-hot */

    const uint64_t k = 1500;
    const uint32_t dim = 16;
    const uint64_t n = 40;
    float *train = malloc(k * dim * sizeof *train);
    float *x = malloc(n * dim * sizeof *x);
    float *out = malloc(n * dim * sizeof *out);
    uniform_fill(train, k * dim, 1.0, 77);
    void *self = create(d, dim, NULL);
    CHECK(f->encode(self, host, train, k) == BASIN_OK, "empirical: encode");

    /* σ = 0: the nearest training point to x/α, exactly (a stored row) */
    const double alpha = 0.6;
    noisy_states(train, k, dim, n, alpha, 0.4, x, 78);
    CHECK(f->denoise(self, host, x, n, alpha, 0.0, out) == BASIN_OK,
          "empirical: sigma = 0");
    int wrong = 0;
    double min_gap = INFINITY;
    for (uint64_t s = 0; s < n; s++) {
        double gap;
        const uint64_t mu = nearest_reference(train, k, dim, x + s * dim, alpha, &gap);
        min_gap = fmin(min_gap, gap);
        wrong += memcmp(out + s * dim, train + mu * dim, dim * sizeof *out) != 0;
    }
    CHECK(wrong == 0,
          "empirical: sigma = 0 gives the nearest training point to x/alpha"
          " (%d of %llu wrong)",
          wrong, (unsigned long long)n);
    /*
     * σ → 0 (σ = 1e-3): every other weight is ≤ exp(−α² gap/2σ² + 2Δ) with
     * gap = the squared-distance margin of x/α; here α² gap/2σ² ≥ 1e3 or so, so
     * the result is the nearest point to float rounding (≤ 4u, |ξ| ≤ 1).
     */
    const double sigma_small = 1e-3;
    const double exponent = alpha * alpha * min_gap / (2 * sigma_small * sigma_small);
    CHECK(exponent > 100, "empirical: sigma -> 0 test states have a margin (%.0f)",
          exponent);
    f->denoise(self, host, x, n, alpha, sigma_small, out);
    double worst = 0;
    for (uint64_t s = 0; s < n; s++) {
        double gap;
        const uint64_t mu = nearest_reference(train, k, dim, x + s * dim, alpha, &gap);
        for (uint32_t i = 0; i < dim; i++)
            worst = fmax(worst, fabs(out[s * dim + i] - train[mu * dim + i]));
    }
    CHECK(worst <= 4 * U32,
          "empirical: sigma = 1e-3 gives the nearest point (max "
          "error %.1e)",
          worst);

    /*
     * σ → ∞: the mean of the training points. At σ = 1e4 the logits
     * −‖x − αξ‖²/2σ² differ by at most max‖x − αξ‖²/2σ² ≈ 1e-7, so the weights
     * are uniform within 2e-7 relative; the float sum adds γ_{1024+K/1024+4}.
     */
    double mean[16] = {0};
    for (uint64_t mu = 0; mu < k; mu++)
        for (uint32_t i = 0; i < dim; i++)
            mean[i] += train[mu * dim + i] / (double)k;
    const double sigmas[2] = {1e4, INFINITY};
    for (int t = 0; t < 2; t++) {
        CHECK(f->denoise(self, host, x, n, alpha, sigmas[t], out) == BASIN_OK,
              "empirical: sigma = %g", sigmas[t]);
        worst = 0;
        for (uint64_t s = 0; s < n; s++)
            for (uint32_t i = 0; i < dim; i++)
                worst = fmax(worst, fabs(out[s * dim + i] - mean[i]));
        const double tol = 2 * (4e-7 + gamma_u(1024.0 + (double)k / 1024 + 4));
        CHECK(worst <= tol,
              "empirical: sigma = %g gives the training mean (max error "
              "%.1e, bound %.1e)",
              sigmas[t], worst, tol);
    }

    /* bad input */
    const double bad[][2] = {{0, 1}, {-1, 1}, {NAN, 1}, {INFINITY, 1}, {1, -1}, {1, NAN}};
    for (int t = 0; t < 6; t++) {
        fake_last_error[0] = 0;
        CHECK(f->denoise(self, host, x, n, bad[t][0], bad[t][1], out) == BASIN_EINVAL &&
                  fake_last_error[0] != 0,
              "empirical: alpha = %g, sigma = %g is BASIN_EINVAL (%s)", bad[t][0],
              bad[t][1], fake_last_error);
    }
    x[5 * dim + 3] = NAN;
    CHECK(f->denoise(self, host, x, n, 0.5, 0.5, out) == BASIN_ENUMERIC &&
              strstr(fake_last_error, "state 5 entry 3") != NULL,
          "empirical: a NaN state is BASIN_ENUMERIC (%s)", fake_last_error);
    CHECK(f->denoise(self, host, x, n, 0.5, 0.0, out) == BASIN_ENUMERIC,
          "empirical: a NaN state at sigma = 0 is BASIN_ENUMERIC");
    noisy_states(train, k, dim, n, alpha, 0.4, x, 78);
    check_threads(f, self, x, n, dim, "empirical");
    f->destroy(self);

    self = create(d, dim, NULL);
    CHECK(f->denoise(self, host, x, 1, 0.5, 0.5, out) == BASIN_EINVAL,
          "empirical: denoise before encode is BASIN_EINVAL");
    CHECK(f->encode(self, host, train, 0) == BASIN_EINVAL,
          "empirical: an empty training set is BASIN_EINVAL");
    train[3] = INFINITY;
    CHECK(f->encode(self, host, train, k) == BASIN_ENUMERIC &&
              strstr(fake_last_error, "point 0 entry 3") != NULL,
          "empirical: a non-finite training entry is BASIN_ENUMERIC (%s)",
          fake_last_error);
    f->destroy(self);
    free(train);
    free(x);
    free(out);
}

/* -------------------------------------------------------------- gaussian */

enum { FULL, DIAGONAL, ISOTROPIC };

/* Mean and covariance (1/K, double, two-pass) of k points, restricted by mode. */
static void fit_reference(const float *train, uint64_t k, uint32_t dim, int mode,
                          double *mean, double *cov)
{
    memset(mean, 0, dim * sizeof *mean);
    memset(cov, 0, (size_t)dim * dim * sizeof *cov);
    for (uint64_t mu = 0; mu < k; mu++)
        for (uint32_t i = 0; i < dim; i++)
            mean[i] += train[mu * dim + i];
    for (uint32_t i = 0; i < dim; i++)
        mean[i] /= (double)k;
    for (uint64_t mu = 0; mu < k; mu++)
        for (uint32_t i = 0; i < dim; i++)
            for (uint32_t j = 0; j < dim; j++)
                cov[i * dim + j] += (train[mu * dim + i] - mean[i]) *
                                    (train[mu * dim + j] - mean[j]) / (double)k;
    double trace = 0;
    for (uint32_t i = 0; i < dim; i++)
        trace += cov[i * dim + i];
    if (mode == FULL)
        return;
    for (uint32_t i = 0; i < dim; i++)
        for (uint32_t j = 0; j < dim; j++)
            if (i != j)
                cov[i * dim + j] = 0;
            else if (mode == ISOTROPIC)
                cov[i * dim + j] = trace / dim;
}

/* Solve A y = r (A: dim × dim, destroyed) by Gaussian elimination with partial
   pivoting, in double. */
static void solve(double *a, double *r, double *y, uint32_t dim)
{
    for (uint32_t c = 0; c < dim; c++) {
        uint32_t p = c;
        for (uint32_t i = c + 1; i < dim; i++)
            if (fabs(a[i * dim + c]) > fabs(a[p * dim + c]))
                p = i;
        if (p != c) {
            for (uint32_t j = 0; j < dim; j++) {
                double t = a[c * dim + j];
                a[c * dim + j] = a[p * dim + j];
                a[p * dim + j] = t;
            }
            double t = r[c];
            r[c] = r[p];
            r[p] = t;
        }
        for (uint32_t i = c + 1; i < dim; i++) {
            const double f = a[i * dim + c] / a[c * dim + c];
            for (uint32_t j = c; j < dim; j++)
                a[i * dim + j] -= f * a[c * dim + j];
            r[i] -= f * r[c];
        }
    }
    for (uint32_t c = dim; c-- > 0;) {
        double s = r[c];
        for (uint32_t j = c + 1; j < dim; j++)
            s -= a[c * dim + j] * y[j];
        y[c] = s / a[c * dim + c];
    }
}

/* x̂0 = μ + α C (α² C + σ² I)⁻¹ (x − α μ) for one state, in double. */
static void gaussian_reference(const double *mean, const double *cov, uint32_t dim,
                               const float *x, double alpha, double sigma, double *out)
{
    double *a = malloc((size_t)dim * dim * sizeof *a);
    double *r = malloc(dim * sizeof *r);
    double *y = malloc(dim * sizeof *y);
    for (uint32_t i = 0; i < dim; i++) {
        for (uint32_t j = 0; j < dim; j++)
            a[i * dim + j] = alpha * alpha * cov[i * dim + j] + (i == j) * sigma * sigma;
        r[i] = (double)x[i] - alpha * mean[i];
    }
    solve(a, r, y, dim);
    for (uint32_t i = 0; i < dim; i++) {
        double s = 0;
        for (uint32_t j = 0; j < dim; j++)
            s += cov[i * dim + j] * y[j];
        out[i] = mean[i] + alpha * s;
    }
    free(a);
    free(r);
    free(y);
}

/* Correlated Gaussian data: ξ = m + A z, A a fixed random dim × dim matrix. */
static void gaussian_data(float *train, uint64_t k, uint32_t dim, uint64_t stream)
{
    float *mix = malloc((size_t)dim * dim * sizeof *mix);
    float *z = malloc(dim * sizeof *z);
    uniform_fill(mix, (size_t)dim * dim, 1.0, stream);
    for (uint64_t mu = 0; mu < k; mu++) {
        host->random_normal(host, BASIN_ROLE_USER, stream + 1, mu, z, dim);
        for (uint32_t i = 0; i < dim; i++) {
            double s = 0.5 * i - 1.0;
            for (uint32_t j = 0; j < dim; j++)
                s += mix[i * dim + j] * z[j];
            train[mu * dim + i] = (float)s;
        }
    }
    free(mix);
    free(z);
}

/*
 * Bound for the plugin's float path x̂0 = μ + U diag(g) Uᵀ y, y = x − αμ: each term
 * U_ij g_j U_kj y_k passes through float U (u each), float y (u), two SGEMMs of
 * length N (γ_N each), float g (u) and the final rounding; Σ_jk |U_ij| g_j |U_kj||y_k|
 * ≤ g_max √N ‖y‖₂ for orthogonal U. So |error_i| ≤ γ_{2N+8} g_max √N ‖y‖₂ + 2u |μ_i|
 * (+ dsyev's double-precision error, ~1e-14 relative, negligible).
 */
static double gaussian_bound(const double *mean, uint32_t dim, const float *x,
                             double alpha, double gain_max)
{
    double y2 = 0, mu_max = 0;
    for (uint32_t i = 0; i < dim; i++) {
        const double y = (double)x[i] - alpha * mean[i];
        y2 += y * y;
        mu_max = fmax(mu_max, fabs(mean[i]));
    }
    return gamma_u(2.0 * dim + 8) * gain_max * sqrt((double)dim) * sqrt(y2) +
           2 * U32 * mu_max;
}

static const char *const mode_names[] = {"full", "diagonal", "isotropic"};

static void check_gaussian_case(const basin_descriptor *d, int mode, uint64_t k,
                                uint32_t dim, double alpha, double sigma)
{
    const basin_score_iface *f = iface_of(d);
    const uint64_t n = 8;
    float *train = malloc(k * dim * sizeof *train);
    float *x = malloc(n * dim * sizeof *x);
    float *out = malloc(n * dim * sizeof *out);
    double *mean = malloc(dim * sizeof *mean);
    double *cov = malloc((size_t)dim * dim * sizeof *cov);
    double *ref = malloc(dim * sizeof *ref);
    gaussian_data(train, k, dim, 1000 + k);
    fit_reference(train, k, dim, mode, mean, cov);
    uniform_fill(x, n * dim, 3.0, 2000 + k);
    void *self = create(d, dim, mode_names[mode]);
    CHECK(f->encode(self, host, train, k) == BASIN_OK, "gaussian: encode");
    int rc = f->denoise(self, host, x, n, alpha, sigma, out);
    CHECK(rc == BASIN_OK, "gaussian: denoise returned %d (%s)", rc, fake_last_error);
    /* g_max ≤ 1/α always (and ≤ 1/2σ) */
    const double gain_max = fmin(1 / alpha, sigma > 0 ? 1 / (2 * sigma) : INFINITY);
    double worst = 0;
    int bad = 0;
    for (uint64_t s = 0; s < n; s++) {
        gaussian_reference(mean, cov, dim, x + s * dim, alpha, sigma, ref);
        const double tol = gaussian_bound(mean, dim, x + s * dim, alpha, gain_max);
        for (uint32_t i = 0; i < dim; i++) {
            const double err = fabs(out[s * dim + i] - ref[i]);
            worst = fmax(worst, err / tol);
            bad += !(err <= tol);
        }
    }
    CHECK(bad == 0,
          "gaussian %s K=%llu N=%u alpha=%g sigma=%g: %d entries outside "
          "the float bound",
          mode_names[mode], (unsigned long long)k, dim, alpha, sigma, bad);
    printf("gaussian %-9s K=%-4llu N=%-2u alpha=%-4g sigma=%-5g max error/bound %.2e\n",
           mode_names[mode], (unsigned long long)k, dim, alpha, sigma, worst);
    f->destroy(self);
    free(train);
    free(x);
    free(out);
    free(mean);
    free(cov);
    free(ref);
}

static void test_gaussian(const basin_descriptor *d)
{
    const basin_score_iface *f = iface_of(d);
    CHECK(f->struct_size == sizeof(basin_score_iface), "gaussian: iface size");
    const double levels[][2] = {{0.8, 0.5}, {0.3, 2.0}, {1.0, 0.01}, {0.05, 0.1}};
    for (int mode = FULL; mode <= ISOTROPIC; mode++)
        for (int t = 0; t < 4; t++)
            check_gaussian_case(d, mode, 400, 10, levels[t][0], levels[t][1]);
    check_gaussian_case(d, FULL, 3000, 50, 0.7, 0.3);
    /* σ = 0 with full-rank C: the reference (α² C)⁻¹ α C (x − αμ) + μ = x/α */
    check_gaussian_case(d, FULL, 400, 10, 0.6, 0.0);

    const uint32_t dim = 10;
    const uint64_t k = 400, n = 8;
    float *train = malloc(k * dim * sizeof *train);
    float *x = malloc(n * dim * sizeof *x);
    float *out = malloc(n * dim * sizeof *out);
    double mean[10], cov[100];
    gaussian_data(train, k, dim, 31);
    fit_reference(train, k, dim, FULL, mean, cov);
    uniform_fill(x, n * dim, 3.0, 32);
    void *self = create(d, dim, NULL);
    CHECK(f->encode(self, host, train, k) == BASIN_OK, "gaussian: encode (defaults)");

    /* σ → 0, full rank: x/α, within the float bound with g_max = 1/α */
    const double alpha = 0.6;
    f->denoise(self, host, x, n, alpha, 0.0, out);
    int bad = 0;
    for (uint64_t s = 0; s < n; s++) {
        const double tol = gaussian_bound(mean, dim, x + s * dim, alpha, 1 / alpha);
        for (uint32_t i = 0; i < dim; i++)
            bad += !(fabs(out[s * dim + i] - x[s * dim + i] / alpha) <= tol);
    }
    CHECK(bad == 0, "gaussian: sigma = 0 with full-rank C gives x/alpha (%d off)", bad);

    /* σ → ∞: μ; g ≤ αλ_max/σ² ~ 1e-15 at σ = 1e8, so only μ's rounding is left */
    const double sigmas[2] = {1e8, INFINITY};
    for (int t = 0; t < 2; t++) {
        f->denoise(self, host, x, n, alpha, sigmas[t], out);
        double worst = 0;
        for (uint64_t s = 0; s < n; s++)
            for (uint32_t i = 0; i < dim; i++)
                worst = fmax(worst, fabs(out[s * dim + i] - mean[i]) /
                                        (2 * U32 * fabs(mean[i]) + 1e-12));
        CHECK(worst <= 1, "gaussian: sigma = %g gives the mean (error/bound %.2f)",
              sigmas[t], worst);
    }
    check_threads(f, self, x, n, dim, "gaussian");

    /* bad input */
    const double bad_levels[][2] = {{0, 1}, {-1, 1}, {NAN, 1}, {1, -1}, {1, NAN}};
    for (int t = 0; t < 5; t++)
        CHECK(f->denoise(self, host, x, n, bad_levels[t][0], bad_levels[t][1], out) ==
                  BASIN_EINVAL,
              "gaussian: alpha = %g, sigma = %g is BASIN_EINVAL", bad_levels[t][0],
              bad_levels[t][1]);
    x[2 * dim + 7] = NAN;
    CHECK(f->denoise(self, host, x, n, 0.5, 0.5, out) == BASIN_ENUMERIC &&
              strstr(fake_last_error, "state 2 entry 7") != NULL,
          "gaussian: a NaN state is BASIN_ENUMERIC (%s)", fake_last_error);
    f->destroy(self);
    uniform_fill(x, n * dim, 3.0, 32);

    /* K = 1: C = 0, every σ (0 included) returns the one training point */
    for (int mode = FULL; mode <= ISOTROPIC; mode++) {
        self = create(d, dim, mode_names[mode]);
        CHECK(f->encode(self, host, train, 1) == BASIN_OK, "gaussian %s: K = 1",
              mode_names[mode]);
        int same = 1;
        const double sigma_k1[3] = {0.0, 0.5, 50.0};
        for (int t = 0; t < 3; t++) {
            same &= f->denoise(self, host, x, n, 0.7, sigma_k1[t], out) == BASIN_OK;
            for (uint64_t s = 0; s < n; s++)
                same &= memcmp(out + s * dim, train, dim * sizeof *out) == 0;
        }
        CHECK(same, "gaussian %s: K = 1 returns the training point at every sigma",
              mode_names[mode]);
        f->destroy(self);
    }

    /*
     * K = 4 < N: C has rank 3; σ = 0 gives μ + P (x/α − μ), P the orthogonal
     * projector on the span of the centred points (Gram–Schmidt here). Eigenvalues
     * that are round-off of 0 must not amplify x: same float bound with g = 1/α.
     */
    self = create(d, dim, "full");
    f->encode(self, host, train, 4);
    fit_reference(train, 4, dim, FULL, mean, cov);
    double basis[4][10];
    int rank = 0;
    for (uint32_t mu = 0; mu < 4; mu++) {
        double v[10];
        for (uint32_t i = 0; i < dim; i++)
            v[i] = train[mu * dim + i] - mean[i];
        for (int b = 0; b < rank; b++) {
            double dot = 0;
            for (uint32_t i = 0; i < dim; i++)
                dot += v[i] * basis[b][i];
            for (uint32_t i = 0; i < dim; i++)
                v[i] -= dot * basis[b][i];
        }
        double norm = 0;
        for (uint32_t i = 0; i < dim; i++)
            norm += v[i] * v[i];
        if (sqrt(norm) < 1e-9)
            continue;
        for (uint32_t i = 0; i < dim; i++)
            basis[rank][i] = v[i] / sqrt(norm);
        rank++;
    }
    CHECK(rank == 3, "gaussian: 4 centred points span %d dimensions", rank);
    bad = f->denoise(self, host, x, n, alpha, 0.0, out) != BASIN_OK;
    for (uint64_t s = 0; s < n; s++) {
        double r[10], expect[10];
        for (uint32_t i = 0; i < dim; i++) {
            r[i] = x[s * dim + i] / alpha - mean[i];
            expect[i] = mean[i];
        }
        for (int b = 0; b < rank; b++) {
            double dot = 0;
            for (uint32_t i = 0; i < dim; i++)
                dot += r[i] * basis[b][i];
            for (uint32_t i = 0; i < dim; i++)
                expect[i] += dot * basis[b][i];
        }
        const double tol = gaussian_bound(mean, dim, x + s * dim, alpha, 1 / alpha);
        for (uint32_t i = 0; i < dim; i++)
            bad += !(fabs(out[s * dim + i] - expect[i]) <= tol);
    }
    CHECK(bad == 0,
          "gaussian: sigma = 0 with K < N projects x/alpha on the data span "
          "(%d entries off)",
          bad);
    f->destroy(self);

    /* bad create / encode */
    basin_value v = {0, "spherical"};
    void *none = NULL;
    CHECK(f->create(host, &v, dim, &none) == BASIN_EINVAL && none == NULL,
          "gaussian: covariance = spherical is BASIN_EINVAL");
    self = create(d, dim, NULL);
    CHECK(f->denoise(self, host, x, 1, 0.5, 0.5, out) == BASIN_EINVAL,
          "gaussian: denoise before encode is BASIN_EINVAL");
    CHECK(f->encode(self, host, train, 0) == BASIN_EINVAL,
          "gaussian: an empty training set is BASIN_EINVAL");
    train[13] = NAN;
    CHECK(f->encode(self, host, train, k) == BASIN_ENUMERIC &&
              strstr(fake_last_error, "point 1 entry 3") != NULL,
          "gaussian: a NaN training entry is BASIN_ENUMERIC (%s)", fake_last_error);
    f->destroy(self);
    free(train);
    free(x);
    free(out);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s EMPIRICAL.so GAUSSIAN.so\n", argv[0]);
        return 2;
    }
    openblas_set_num_threads(1);
    fake_host_init(&fake, 2026, FAKE_SPLITMIX);
    const basin_descriptor *empirical = load_score(argv[1], "scores/empirical");
    const basin_descriptor *gaussian = load_score(argv[2], "scores/gaussian");
    if (empirical == NULL || gaussian == NULL)
        return check_done("score plugins");
    test_empirical(empirical);
    test_gaussian(gaussian);
    return check_done("score plugins");
}
