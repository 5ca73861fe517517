/*
 * test_score_plugins — unit tests of scores/empirical and scores/gaussian, loaded as
 * the host loads them (dlopen RTLD_NOW|RTLD_LOCAL) and driven through the fake
 * basin_host of tests/fake_host.h.
 *
 * Every denoiser output is compared with a brute-force double formula written
 * independently of the plugin's algebra:
 *   - empirical: x̂0 = Σ_μ w_μ ξ_μ, w = softmax(−‖x − α ξ_μ‖²/2σ²) from the
 *     distances themselves (docs/science.md, Empirical score), not from a x·ξ + b‖ξ‖²;
 *   - gaussian: x̂0 = μ + α C y with (α² C + σ² I) y = x − α μ solved by Gaussian
 *     elimination (Bishop 2006, PRML eq. 2.116), no eigendecomposition.
 * Tolerances are float32 bounds derived in each check (u = 2⁻²⁴, γ_m = m u/(1 − m u),
 * Higham 2002 eq. 3.5 for a length-m dot product).
 *
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder
 * (scores/empirical.so and scores/gaussian.so are read from it). One case by name
 * (--list names them):
 *   BASIN_TEST_PLUGIN_DIR=build/plugins \
 *       build/tests/plugins/scores/test-score-plugins scores_gaussian_limits
 */
#include <basin/plugin.h>

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"
#include "harness.h"

#define U32 0x1p-24

static double gamma_u(double m)
{
    return m * U32 / (1 - m * U32);
}

/* --------------------------------------------------------------- fake host */

/* tests/fake_host.h's host with the splitmix stream of seed 2026 (set up by
   setup()). */
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

/* Score plugin id from DIR/FILE, loaded and checked by fake_host's load_plugin;
   NULL (with a failed check) if not. */
static const basin_descriptor *load_score(const char *dir, const char *file,
                                          const char *id)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    const basin_descriptor *d = load_plugin(path, id);
    const int ok = d != NULL && strcmp(d->interface, BASIN_IFACE_SCORE) == 0;
    EXPECT_MSG(ok, "%s holds %s implementing %s", path, id, BASIN_IFACE_SCORE);
    return ok ? d : NULL;
}

static const basin_descriptor *empirical_desc, *gaussian_desc;

/* What every case needs: both plugins loaded (once) from $BASIN_TEST_PLUGIN_DIR,
   one BLAS thread, a fresh fake host (seed 2026). 0 (with a failed check, or a
   note when the variable is unset) if a plugin is missing. */
static int setup(void)
{
    fake_host_init(&fake, 2026, FAKE_SPLITMIX);
    if (empirical_desc && gaussian_desc)
        return 1;
    const char *plugins = test_env("BASIN_TEST_PLUGIN_DIR");
    if (!plugins)
        return 0;
    openblas_set_num_threads(1);
    empirical_desc = load_score(plugins, "scores/empirical.so", "scores/empirical");
    gaussian_desc = load_score(plugins, "scores/gaussian.so", "scores/gaussian");
    return empirical_desc && gaussian_desc;
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
    EXPECT_MSG(rc == BASIN_OK && self != NULL, "%s: create(dim %u, %s) returned %d (%s)",
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
    void *self = create(empirical_desc, dim, NULL);
    int rc = f->encode(self, host, train, k);
    EXPECT_MSG(rc == BASIN_OK, "empirical: encode K = %llu: status %d, %s",
               (unsigned long long)k, rc, fake_last_error);
    rc = f->denoise(self, host, x, n, alpha, sigma, out);
    EXPECT_MSG(rc == BASIN_OK, "empirical: denoise returned %d (%s)", rc,
               fake_last_error);
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
    EXPECT_MSG(worst <= tol,
               "empirical K=%llu N=%u alpha=%g sigma=%g: max error %.2e "
               "(bound %.2e; logits span %.0f)",
               (unsigned long long)k, dim, alpha, sigma, worst, tol, spread_mean);
    printf("# empirical K=%-5llu N=%-3u n=%-3llu alpha=%-4g sigma=%-5g max error %.2e, "
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
    EXPECT_MSG(jobs[0].rc == 0 && jobs[1].rc == 0,
               "%s: concurrent denoise: status %d, %d", name, jobs[0].rc, jobs[1].rc);
    EXPECT_MSG(memcmp(serial, par, 2 * half * dim * sizeof *par) == 0,
               "%s: concurrent denoise calls do not give the serial bits", name);
    free(serial);
    free(par);
}

/* docs/science.md, Empirical score: against the distance form; chunks of 1024 patterns.
 * */
TEST_IMPL(scores_empirical_formula)
{
    ASSERT(setup());
    const basin_score_iface *f = iface_of(empirical_desc);
    EXPECT_EQ(f->struct_size, sizeof(basin_score_iface));
    check_empirical_case(f, 1, 9, 4, 0.7, 0.5);
    check_empirical_case(f, 300, 12, 9, 0.9, 0.3);
    check_empirical_case(f, 3000, 20, 7, 0.5, 1.0);
    check_empirical_case(f, 2049, 16, 300, 1.0, 0.08); /* weights nearly one-hot */
}

/* The data of a plugin's cases after its formula check: k training points, n
   states, out for n results, an instance encoded on train. */
typedef struct fixture {
    const basin_score_iface *f;
    uint64_t k, n;
    uint32_t dim;
    float *train, *x, *out;
    void *self;
} fixture;

static void fixture_free(fixture *t)
{
    if (t->self)
        t->f->destroy(t->self);
    free(t->train);
    free(t->x);
    free(t->out);
}

static fixture fixture_alloc(const basin_descriptor *d, uint64_t k, uint32_t dim,
                             uint64_t n)
{
    fixture t = {iface_of(d),
                 k,
                 n,
                 dim,
                 malloc(k * dim * sizeof(float)),
                 malloc(n * dim * sizeof(float)),
                 malloc(n * dim * sizeof(float)),
                 NULL};
    return t;
}

/* K = 1500 uniform points in dimension 16 (stream 77) and 40 states
   x = 0.6 ξ + noise 0.4 (stream 78); 0 (with a failed check) if create or encode
   fails. */
static int empirical_fixture(fixture *t)
{
    *t = fixture_alloc(empirical_desc, 1500, 16, 40);
    uniform_fill(t->train, t->k * t->dim, 1.0, 77);
    noisy_states(t->train, t->k, t->dim, t->n, 0.6, 0.4, t->x, 78);
    t->self = create(empirical_desc, t->dim, NULL);
    if (!t->self)
        return 0;
    const int rc = t->f->encode(t->self, host, t->train, t->k);
    EXPECT_MSG(rc == BASIN_OK, "empirical: encode: status %d, %s", rc, fake_last_error);
    return rc == BASIN_OK;
}

/* σ = 0, σ → 0, σ → ∞. */
TEST_IMPL(scores_empirical_limits)
{
    ASSERT(setup());
    fixture t;
    if (!empirical_fixture(&t)) { /* a failed check already */
        fixture_free(&t);
        return;
    }
    const basin_score_iface *f = t.f;
    const uint64_t k = t.k, n = t.n;
    const uint32_t dim = t.dim;
    const float *train = t.train, *x = t.x;
    float *out = t.out;
    void *self = t.self;

    /* σ = 0: the nearest training point to x/α, exactly (a stored row) */
    const double alpha = 0.6;
    EXPECT_EQ(f->denoise(self, host, x, n, alpha, 0.0, out), BASIN_OK);
    int wrong = 0;
    double min_gap = INFINITY;
    for (uint64_t s = 0; s < n; s++) {
        double gap;
        const uint64_t mu = nearest_reference(train, k, dim, x + s * dim, alpha, &gap);
        min_gap = fmin(min_gap, gap);
        wrong += memcmp(out + s * dim, train + mu * dim, dim * sizeof *out) != 0;
    }
    EXPECT_EQ(wrong, 0); /* states whose σ = 0 result is not the nearest point */
    /*
     * σ → 0 (σ = 1e-3): every other weight is ≤ exp(−α² gap/2σ² + 2Δ) with
     * gap = the squared-distance margin of x/α; here α² gap/2σ² ≥ 1e3 or so, so
     * the result is the nearest point to float rounding (≤ 4u, |ξ| ≤ 1).
     */
    const double sigma_small = 1e-3;
    const double exponent = alpha * alpha * min_gap / (2 * sigma_small * sigma_small);
    EXPECT_MSG(exponent > 100, "empirical: sigma -> 0 test states have a margin (%.0f)",
               exponent);
    f->denoise(self, host, x, n, alpha, sigma_small, out);
    double worst = 0;
    for (uint64_t s = 0; s < n; s++) {
        double gap;
        const uint64_t mu = nearest_reference(train, k, dim, x + s * dim, alpha, &gap);
        for (uint32_t i = 0; i < dim; i++)
            worst = fmax(worst, fabs(out[s * dim + i] - train[mu * dim + i]));
    }
    EXPECT_NEAR(worst, 0, 4 * U32); /* max error at sigma = 1e-3 */

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
    for (int s_i = 0; s_i < 2; s_i++) {
        int rc = f->denoise(self, host, x, n, alpha, sigmas[s_i], out);
        EXPECT_MSG(rc == BASIN_OK, "empirical: sigma = %g: status %d, %s", sigmas[s_i],
                   rc, fake_last_error);
        worst = 0;
        for (uint64_t s = 0; s < n; s++)
            for (uint32_t i = 0; i < dim; i++)
                worst = fmax(worst, fabs(out[s * dim + i] - mean[i]));
        const double tol = 2 * (4e-7 + gamma_u(1024.0 + (double)k / 1024 + 4));
        EXPECT_MSG(worst <= tol,
                   "empirical: sigma = %g gives the training mean (max error "
                   "%.1e, bound %.1e)",
                   sigmas[s_i], worst, tol);
    }
    fixture_free(&t);
}

/* Two threads on one instance give the serial bits. */
TEST_IMPL(scores_empirical_threads)
{
    ASSERT(setup());
    fixture t;
    if (empirical_fixture(&t))
        check_threads(t.f, t.self, t.x, t.n, t.dim, "empirical");
    fixture_free(&t);
}

/* Bad noise levels, NaN states, denoise before encode, an empty or non-finite
   training set. */
TEST_IMPL(scores_empirical_errors)
{
    ASSERT(setup());
    fixture t;
    if (!empirical_fixture(&t)) { /* a failed check already */
        fixture_free(&t);
        return;
    }
    const basin_score_iface *f = t.f;
    const uint64_t k = t.k, n = t.n;
    const uint32_t dim = t.dim;
    float *train = t.train, *x = t.x, *out = t.out;

    const double bad[][2] = {{0, 1}, {-1, 1}, {NAN, 1}, {INFINITY, 1}, {1, -1}, {1, NAN}};
    for (int b = 0; b < 6; b++) {
        fake_last_error[0] = 0;
        const int rc = f->denoise(t.self, host, x, n, bad[b][0], bad[b][1], out);
        EXPECT_MSG(rc == BASIN_EINVAL && fake_last_error[0] != 0,
                   "empirical: alpha = %g, sigma = %g: status %d (want BASIN_EINVAL), "
                   "message \"%s\"",
                   bad[b][0], bad[b][1], rc, fake_last_error);
    }
    x[5 * dim + 3] = NAN;
    /* A NaN state is BASIN_ENUMERIC, at sigma = 0.5 and at sigma = 0. */
    EXPECT_EQ(f->denoise(t.self, host, x, n, 0.5, 0.5, out), BASIN_ENUMERIC);
    EXPECT_STR_CONTAINS(fake_last_error, "state 5 entry 3");
    EXPECT_EQ(f->denoise(t.self, host, x, n, 0.5, 0.0, out), BASIN_ENUMERIC);
    noisy_states(train, k, dim, n, 0.6, 0.4, x, 78);

    void *self = create(empirical_desc, dim, NULL);
    if (self) {
        EXPECT_EQ(f->denoise(self, host, x, 1, 0.5, 0.5, out),
                  BASIN_EINVAL);                                  /* unencoded */
        EXPECT_EQ(f->encode(self, host, train, 0), BASIN_EINVAL); /* empty training set */
        train[3] = INFINITY;
        EXPECT_EQ(f->encode(self, host, train, k), BASIN_ENUMERIC); /* non-finite entry */
        EXPECT_STR_CONTAINS(fake_last_error, "point 0 entry 3");
        f->destroy(self);
    }
    fixture_free(&t);
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
    EXPECT_MSG(f->encode(self, host, train, k) == BASIN_OK, "gaussian %s: encode: %s",
               mode_names[mode], fake_last_error);
    int rc = f->denoise(self, host, x, n, alpha, sigma, out);
    EXPECT_MSG(rc == BASIN_OK, "gaussian: denoise returned %d (%s)", rc, fake_last_error);
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
    EXPECT_MSG(bad == 0,
               "gaussian %s K=%llu N=%u alpha=%g sigma=%g: %d entries outside "
               "the float bound (worst error/bound %.2e)",
               mode_names[mode], (unsigned long long)k, dim, alpha, sigma, bad, worst);
    printf("# gaussian %-9s K=%-4llu N=%-2u alpha=%-4g sigma=%-5g max error/bound %.2e\n",
           mode_names[mode], (unsigned long long)k, dim, alpha, sigma, worst);
    f->destroy(self);
    free(train);
    free(x);
    free(out);
    free(mean);
    free(cov);
    free(ref);
}

/* Against the brute-force formula: every covariance mode at four noise levels, a
   larger problem, and σ = 0 with full-rank C, where the reference
   (α² C)⁻¹ α C (x − αμ) + μ is x/α. */
TEST_IMPL(scores_gaussian_formula)
{
    ASSERT(setup());
    const basin_descriptor *d = gaussian_desc;
    EXPECT_EQ(iface_of(d)->struct_size, sizeof(basin_score_iface));
    const double levels[][2] = {{0.8, 0.5}, {0.3, 2.0}, {1.0, 0.01}, {0.05, 0.1}};
    for (int mode = FULL; mode <= ISOTROPIC; mode++)
        for (int l = 0; l < 4; l++)
            check_gaussian_case(d, mode, 400, 10, levels[l][0], levels[l][1]);
    check_gaussian_case(d, FULL, 3000, 50, 0.7, 0.3);
    check_gaussian_case(d, FULL, 400, 10, 0.6, 0.0);
}

/* K = 400 correlated points in dimension 10 (streams 31, 32), 8 states uniform in
   [-3, 3) (stream 32), mean and covariance of the points (FULL); 0 (with a
   failed check) if create (defaults) or encode fails. */
static int gaussian_fixture(fixture *t, double *mean, double *cov)
{
    *t = fixture_alloc(gaussian_desc, 400, 10, 8);
    gaussian_data(t->train, t->k, t->dim, 31);
    fit_reference(t->train, t->k, t->dim, FULL, mean, cov);
    uniform_fill(t->x, t->n * t->dim, 3.0, 32);
    t->self = create(gaussian_desc, t->dim, NULL);
    if (!t->self)
        return 0;
    const int rc = t->f->encode(t->self, host, t->train, t->k);
    EXPECT_MSG(rc == BASIN_OK, "gaussian: encode (defaults): status %d, %s", rc,
               fake_last_error);
    return rc == BASIN_OK;
}

/* σ → 0 with full-rank C gives x/α, σ → ∞ gives μ. */
TEST_IMPL(scores_gaussian_limits)
{
    ASSERT(setup());
    fixture t;
    double mean[10], cov[100];
    if (!gaussian_fixture(&t, mean, cov)) { /* a failed check already */
        fixture_free(&t);
        return;
    }
    const basin_score_iface *f = t.f;
    const uint64_t n = t.n;
    const uint32_t dim = t.dim;
    const float *x = t.x;
    float *out = t.out;

    /* σ → 0, full rank: x/α, within the float bound with g_max = 1/α */
    const double alpha = 0.6;
    f->denoise(t.self, host, x, n, alpha, 0.0, out);
    int bad = 0;
    for (uint64_t s = 0; s < n; s++) {
        const double tol = gaussian_bound(mean, dim, x + s * dim, alpha, 1 / alpha);
        for (uint32_t i = 0; i < dim; i++)
            bad += !(fabs(out[s * dim + i] - x[s * dim + i] / alpha) <= tol);
    }
    EXPECT_EQ(bad, 0); /* entries of the σ = 0 result off x/α */

    /* σ → ∞: μ; g ≤ αλ_max/σ² ~ 1e-15 at σ = 1e8, so only μ's rounding is left */
    const double sigmas[2] = {1e8, INFINITY};
    for (int l = 0; l < 2; l++) {
        f->denoise(t.self, host, x, n, alpha, sigmas[l], out);
        double worst = 0;
        for (uint64_t s = 0; s < n; s++)
            for (uint32_t i = 0; i < dim; i++)
                worst = fmax(worst, fabs(out[s * dim + i] - mean[i]) /
                                        (2 * U32 * fabs(mean[i]) + 1e-12));
        EXPECT_MSG(worst <= 1, "gaussian: sigma = %g gives the mean (error/bound %.2f)",
                   sigmas[l], worst);
    }
    fixture_free(&t);
}

/* Two threads on one instance give the serial bits. */
TEST_IMPL(scores_gaussian_threads)
{
    ASSERT(setup());
    fixture t;
    double mean[10], cov[100];
    if (gaussian_fixture(&t, mean, cov))
        check_threads(t.f, t.self, t.x, t.n, t.dim, "gaussian");
    fixture_free(&t);
}

/* K = 1: C = 0, every σ (0 included) returns the one training point. */
TEST_IMPL(scores_gaussian_one_point)
{
    ASSERT(setup());
    fixture t;
    double mean[10], cov[100];
    gaussian_fixture(&t, mean, cov);
    const basin_score_iface *f = t.f;
    const uint32_t dim = t.dim;
    const uint64_t n = t.n;
    for (int mode = FULL; mode <= ISOTROPIC; mode++) {
        void *self = create(gaussian_desc, dim, mode_names[mode]);
        if (!self)
            continue;
        EXPECT_MSG(f->encode(self, host, t.train, 1) == BASIN_OK,
                   "gaussian %s: K = 1: %s", mode_names[mode], fake_last_error);
        int same = 1;
        const double sigma_k1[3] = {0.0, 0.5, 50.0};
        for (int l = 0; l < 3; l++) {
            same &= f->denoise(self, host, t.x, n, 0.7, sigma_k1[l], t.out) == BASIN_OK;
            for (uint64_t s = 0; s < n; s++)
                same &= memcmp(t.out + s * dim, t.train, dim * sizeof *t.out) == 0;
        }
        EXPECT_MSG(same, "gaussian %s: K = 1 returns the training point at every sigma",
                   mode_names[mode]);
        f->destroy(self);
    }
    fixture_free(&t);
}

/*
 * K = 4 < N: C has rank 3; σ = 0 gives μ + P (x/α − μ), P the orthogonal
 * projector on the span of the centred points (Gram–Schmidt here). Eigenvalues
 * that are round-off of 0 must not amplify x: same float bound with g = 1/α.
 */
TEST_IMPL(scores_gaussian_rank_deficient)
{
    ASSERT(setup());
    fixture t;
    double mean[10], cov[100];
    gaussian_fixture(&t, mean, cov);
    const basin_score_iface *f = t.f;
    const uint32_t dim = t.dim;
    const uint64_t n = t.n;
    const float *train = t.train, *x = t.x;
    float *out = t.out;
    const double alpha = 0.6;
    void *self = create(gaussian_desc, dim, "full");
    if (!self) {
        fixture_free(&t);
        return;
    }
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
    EXPECT_EQ(rank, 3); /* the dimension 4 centred points span */
    int bad = f->denoise(self, host, x, n, alpha, 0.0, out) != BASIN_OK;
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
    /* σ = 0 with K < N projects x/α on the data span: the entries off (and 1 if
       denoise failed). */
    EXPECT_EQ(bad, 0);
    f->destroy(self);
    fixture_free(&t);
}

/* Bad noise levels, a NaN state, an unknown covariance, denoise before encode, an
   empty training set, a NaN training entry. */
TEST_IMPL(scores_gaussian_errors)
{
    ASSERT(setup());
    fixture t;
    double mean[10], cov[100];
    if (!gaussian_fixture(&t, mean, cov)) { /* a failed check already */
        fixture_free(&t);
        return;
    }
    const basin_score_iface *f = t.f;
    const uint64_t k = t.k, n = t.n;
    const uint32_t dim = t.dim;
    float *train = t.train, *x = t.x, *out = t.out;

    const double bad_levels[][2] = {{0, 1}, {-1, 1}, {NAN, 1}, {1, -1}, {1, NAN}};
    for (int l = 0; l < 5; l++) {
        const int rc =
            f->denoise(t.self, host, x, n, bad_levels[l][0], bad_levels[l][1], out);
        EXPECT_MSG(rc == BASIN_EINVAL,
                   "gaussian: alpha = %g, sigma = %g: status %d, want BASIN_EINVAL",
                   bad_levels[l][0], bad_levels[l][1], rc);
    }
    x[2 * dim + 7] = NAN;
    EXPECT_EQ(f->denoise(t.self, host, x, n, 0.5, 0.5, out), BASIN_ENUMERIC); /* NaN */
    EXPECT_STR_CONTAINS(fake_last_error, "state 2 entry 7");
    uniform_fill(x, n * dim, 3.0, 32);

    basin_value v = {0, "spherical"};
    void *none = NULL;
    EXPECT_EQ(f->create(host, &v, dim, &none), BASIN_EINVAL); /* covariance = spherical */
    EXPECT_NULL(none);
    void *self = create(gaussian_desc, dim, NULL);
    if (self) {
        EXPECT_EQ(f->denoise(self, host, x, 1, 0.5, 0.5, out),
                  BASIN_EINVAL);                                  /* unencoded */
        EXPECT_EQ(f->encode(self, host, train, 0), BASIN_EINVAL); /* empty training set */
        train[13] = NAN;
        EXPECT_EQ(f->encode(self, host, train, k), BASIN_ENUMERIC); /* a NaN entry */
        EXPECT_STR_CONTAINS(fake_last_error, "point 1 entry 3");
        f->destroy(self);
    }
    fixture_free(&t);
}

TEST_LIST_BEGIN
TEST_ENTRY(scores_empirical_formula)
TEST_ENTRY(scores_empirical_limits)
TEST_ENTRY(scores_empirical_threads)
TEST_ENTRY(scores_empirical_errors)
TEST_ENTRY(scores_gaussian_formula)
TEST_ENTRY(scores_gaussian_limits)
TEST_ENTRY(scores_gaussian_threads)
TEST_ENTRY(scores_gaussian_one_point)
TEST_ENTRY(scores_gaussian_rank_deficient)
TEST_ENTRY(scores_gaussian_errors)
TEST_LIST_END
