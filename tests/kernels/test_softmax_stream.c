/*
 * test_softmax_stream — the certified candidate-set path (softmax_stream_average,
 * core/kernels/softmax.h) along DDIM trajectories that it drives itself, against a
 * brute-force double reference of the empirical denoiser; and
 * softmax_stream_lse_nearest (collapse tracking) against a double reference of the
 * posterior's normalizer and the nearest two (run_lse_case).
 *
 * Tolerances. A certified row's omitted posterior mass is ≤ ε/2, which moves each
 * output entry by at most ε · max|ξ|; its candidates are summed in double and the
 * output rounded to float (≤ u · max|ξ|, u = 2⁻²⁴), so
 *   |out − ref| ≤ ε · max|ξ| + 4u · max|ξ|        (certified rows).
 * A row that falls back is softmax_average's float computation, whose bound is
 * test_softmax's: [(e^{2Δ} − 1) + 90u + γ_{1024 + K/1024 + 4}] · 2 · max|ξ| with
 * Δ = |a| γ_N max_μ Σ_i |x_i ξ_μi|. ε is chosen well above 4u so that a certified
 * row that dropped too much mass (a wrong bound) fails the first tolerance. The
 * counts check that both paths ran (certified rows, and fallbacks after the
 * first call), so the test cannot pass by always taking the exact path.
 */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "basin/plugin.h"
#include "kernels/softmax.h"

#define U32 0x1p-24

static uint64_t rng_state;

static double uniform(void) /* [0, 1) */
{
    rng_state += 0x9e3779b97f4a7c15ull;
    uint64_t z = rng_state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

static double normal(void)
{
    const double u1 = uniform(), u2 = uniform();
    return sqrt(-2 * log(1 - u1)) * cos(2 * M_PI * u2);
}

static double gamma_u(double m)
{
    return m * U32 / (1 - m * U32);
}

/* The denoiser in double at (α, σ) for state x: ref (dim); *delta the float
   logits' error bound Δ of softmax_average. */
static void reference(const float *pat, uint64_t k, uint32_t dim, const float *x,
                      double alpha, double sigma, double *ref, double *delta)
{
    double *l = malloc(k * sizeof *l);
    double mx = -INFINITY, worst = 0;
    for (uint64_t mu = 0; mu < k; mu++) {
        double d2 = 0, abs_terms = 0;
        for (uint32_t i = 0; i < dim; i++) {
            const double d = (double)x[i] - alpha * pat[mu * dim + i];
            d2 += d * d;
            abs_terms += fabs((double)x[i] * pat[mu * dim + i]);
        }
        l[mu] = -d2 / (2 * sigma * sigma);
        mx = l[mu] > mx ? l[mu] : mx;
        worst = abs_terms > worst ? abs_terms : worst;
    }
    double z = 0;
    memset(ref, 0, dim * sizeof *ref);
    for (uint64_t mu = 0; mu < k; mu++) {
        const double w = exp(l[mu] - mx);
        z += w;
        for (uint32_t i = 0; i < dim; i++)
            ref[i] += w * pat[mu * dim + i];
    }
    for (uint32_t i = 0; i < dim; i++)
        ref[i] /= z;
    *delta = alpha / (sigma * sigma) * gamma_u(dim) * worst;
    free(l);
}

/* The path's (α, σ) at step t of `steps`: λ = σ/α geometric from lambda_max down
   to lambda_min, α = 1/√(1 + λ²) (variance preserving). */
static void path_point(double lambda_max, double lambda_min, uint32_t t, uint32_t steps,
                       double *alpha, double *sigma)
{
    const double lam =
        lambda_max * pow(lambda_min / lambda_max, (double)t / (double)steps);
    *alpha = 1 / sqrt(1 + lam * lam);
    *sigma = lam * *alpha;
}

/* n states α ξ_μ + σ z at random patterns μ. */
static void start_states(float *x, uint64_t n, const float *pat, uint64_t k, uint32_t dim,
                         double alpha, double sigma)
{
    for (uint64_t r = 0; r < n; r++) {
        const uint64_t mu = (uint64_t)(uniform() * (double)k);
        for (uint32_t i = 0; i < dim; i++)
            x[r * dim + i] = (float)(alpha * pat[mu * dim + i] + sigma * normal());
    }
}

/* Row r takes row r + 1's state (the last the first's): every anchor is far off. */
static void rotate_rows(float *x, uint64_t n, uint32_t dim)
{
    float *first = malloc(dim * sizeof *first);
    memcpy(first, x, dim * sizeof *x);
    memmove(x, x + dim, (n - 1) * dim * sizeof *x);
    memcpy(x + (n - 1) * dim, first, dim * sizeof *x);
    free(first);
}

/* One DDIM step (η = 0) of the states x (entries floats) with denoised out from
   (α, σ) to step t + 1 of the path. */
static void ddim_step(float *x, const float *out, uint64_t entries, double alpha,
                      double sigma, double lambda_max, double lambda_min, uint32_t t,
                      uint32_t steps)
{
    double aj, sj;
    path_point(lambda_max, lambda_min, t + 1, steps, &aj, &sj);
    for (uint64_t e = 0; e < entries; e++) {
        const double eps_hat = ((double)x[e] - alpha * out[e]) / sigma;
        x[e] = (float)(aj * out[e] + sj * eps_hat);
    }
}

/*
 * n trajectories of `steps` deterministic DDIM steps on the ddpm-linear-like path
 * λ = σ/α from lambda_max down to lambda_min (geometric), each started at α ξ_μ0 +
 * σ z; the stream's own output drives them. At step `jump` (if < steps) the rows
 * are rotated by one (row r gets row r + 1's state), so every anchor is far off:
 * the certificate must fail and the rows fall back.
 */
static void run_case(const char *name, uint64_t k, uint32_t dim, uint64_t n,
                     const float *pat, double eps, uint32_t steps, double lambda_max,
                     double lambda_min, uint32_t jump)
{
    openblas_set_num_threads(1);
    softmax_memory m;
    ASSERT_EQ(softmax_memory_init(&m, pat, k, dim), BASIN_OK);
    softmax_stream *s = NULL;
    ASSERT_EQ(softmax_stream_open(&m, n, eps, &s), BASIN_OK);
    float *x = malloc(n * dim * sizeof *x), *out = malloc(n * dim * sizeof *out);
    float *plain = malloc(n * dim * sizeof *plain);
    double *ref = malloc(dim * sizeof *ref);
    double maxabs = 0;
    for (uint64_t e = 0; e < k * dim; e++)
        maxabs = fabs(pat[e]) > maxabs ? fabs(pat[e]) : maxabs;
    double worst_cert = 0, worst_exact_ratio = 0;
    uint64_t cert_rows = 0;
    for (uint32_t t = 0; t <= steps; t++) {
        double alpha, sigma;
        path_point(lambda_max, lambda_min, t, steps, &alpha, &sigma);
        if (t == 0)
            start_states(x, n, pat, k, dim, alpha, sigma);
        if (t == jump)
            rotate_rows(x, n, dim);
        softmax_stream_stats before;
        softmax_stream_get_stats(s, &before);
        ASSERT_EQ(softmax_stream_average(s, x, n, alpha, sigma, out), BASIN_OK);
        softmax_stream_stats after;
        softmax_stream_get_stats(s, &after);
        if (t == 0 || t == jump) {
            /* nothing certified: every row exact, the bytes softmax_average's */
            EXPECT_EQ(after.certified - before.certified, 0);
            ASSERT_EQ(softmax_average(&m, x, n, alpha / (sigma * sigma),
                                      -alpha * alpha / (2 * sigma * sigma), plain, NULL),
                      BASIN_OK);
            EXPECT_MSG(memcmp(plain, out, n * dim * sizeof *out) == 0,
                       "%s step %u: an all-exact call is softmax_average's bytes", name,
                       t);
        }
        /* A certified row within the certified tolerance, the others within the
           exact path's. */
        uint64_t cert_now = 0;
        for (uint64_t r = 0; r < n; r++) {
            double delta;
            reference(pat, k, dim, x + r * dim, alpha, sigma, ref, &delta);
            double err = 0;
            for (uint32_t i = 0; i < dim; i++) {
                const double d = fabs((double)out[r * dim + i] - ref[i]);
                err = d > err ? d : err;
            }
            if (softmax_stream_row_certified(s, r)) {
                cert_now++;
                const double cert_tol = (eps + 4 * U32) * maxabs;
                EXPECT_MSG(err <= cert_tol,
                           "%s step %u row %llu (certified): error %.3g above %.3g", name,
                           t, (unsigned long long)r, err, cert_tol);
                worst_cert = err > worst_cert ? err : worst_cert;
            } else {
                const double exact_tol = (expm1(2 * delta) + 90 * U32 +
                                          gamma_u(1024.0 + (double)k / 1024 + 4)) *
                                         2 * maxabs;
                EXPECT_MSG(err <= exact_tol,
                           "%s step %u row %llu (exact): error %.3g above %.3g", name, t,
                           (unsigned long long)r, err, exact_tol);
                const double ratio = err / exact_tol;
                worst_exact_ratio = ratio > worst_exact_ratio ? ratio : worst_exact_ratio;
            }
        }
        EXPECT_EQ(cert_now, after.certified - before.certified);
        cert_rows += after.certified - before.certified;
        if (t < steps) /* DDIM (η = 0) to the next level */
            ddim_step(x, out, n * dim, alpha, sigma, lambda_max, lambda_min, t, steps);
    }
    softmax_stream_stats st;
    softmax_stream_get_stats(s, &st);
    printf("# %s: %llu of %llu evaluations certified (mean %.1f of %llu candidates), "
           "worst certified error %.3g of eps*max|xi| = %.3g, worst exact error %.2g "
           "of its bound\n",
           name, (unsigned long long)st.certified, (unsigned long long)st.calls,
           st.certified ? (double)st.candidates / (double)st.certified : 0.0,
           (unsigned long long)k, worst_cert, eps * maxabs, worst_exact_ratio);
    EXPECT_EQ(st.calls, (uint64_t)(steps + 1) * n);
    EXPECT_EQ(st.certified + st.exact, st.calls);
    EXPECT_EQ(cert_rows, st.certified);
    EXPECT_MSG(st.certified >= st.calls / 4, "%s: the candidate path ran (%llu)", name,
               (unsigned long long)st.certified);
    EXPECT_MSG(st.exact > 2 * n, "%s: fallbacks after the first call (%llu)", name,
               (unsigned long long)st.exact);
    softmax_stream_close(s);
    softmax_memory_free(&m);
    free(x);
    free(out);
    free(plain);
    free(ref);
}

/* The posterior's normalizer log Σ_μ exp ℓ_μ, ℓ_μ = (‖x‖² − ‖x − α ξ_μ‖²)/2σ², and
   the nearest two α ξ_μ, in double; *delta: the exact path's logit error bound Δ. */
static void reference_lse(const float *pat, uint64_t k, uint32_t dim, const float *x,
                          double alpha, double sigma, double *lse, int64_t near[2],
                          double *delta)
{
    double x2 = 0, mx = -INFINITY, worst = 0, d0 = INFINITY, d1 = INFINITY;
    for (uint32_t i = 0; i < dim; i++)
        x2 += (double)x[i] * x[i];
    double *l = malloc(k * sizeof *l);
    near[0] = near[1] = -1;
    for (uint64_t mu = 0; mu < k; mu++) {
        double d2 = 0, abs_terms = 0;
        for (uint32_t i = 0; i < dim; i++) {
            const double d = (double)x[i] - alpha * pat[mu * dim + i];
            d2 += d * d;
            abs_terms += fabs((double)x[i] * pat[mu * dim + i]);
        }
        if (d2 < d0) {
            d1 = d0, near[1] = near[0];
            d0 = d2, near[0] = (int64_t)mu;
        } else if (d2 < d1) {
            d1 = d2, near[1] = (int64_t)mu;
        }
        l[mu] = (x2 - d2) / (2 * sigma * sigma);
        mx = l[mu] > mx ? l[mu] : mx;
        worst = abs_terms > worst ? abs_terms : worst;
    }
    double z = 0;
    for (uint64_t mu = 0; mu < k; mu++)
        z += exp(l[mu] - mx);
    *lse = mx + log(z);
    *delta = alpha / (sigma * sigma) * gamma_u(dim) * worst;
    free(l);
}

/*
 * softmax_stream_lse_nearest (collapse tracking) along n DDIM trajectories driven
 * by the exact denoiser, on the path of run_case, with the same rotation at step
 * `jump`. Certified rows: lse within ε/2 of the double reference (plus its own
 * rounding, relative 1e-12 of ‖x‖²/2σ²) and the reference's nearest two, with
 * nearest_finish's distances (those of softmax_lse_nearest on the same index).
 * Other rows: the reference's nearest, lse within the exact path's 2Δ + 1e-6.
 * Beside it, a second stream through softmax_stream_lse (the diffusion energy's
 * lse, no nearest two): certified rows within ε/2 (plus the same rounding) of the
 * reference, other rows within 2Δ + 1e-6, an all-exact call softmax_average's
 * bytes.
 */
static void run_lse_case(const char *name, uint64_t k, uint32_t dim, uint64_t n,
                         const float *pat, double eps, uint32_t steps, double lambda_max,
                         double lambda_min, uint32_t jump)
{
    openblas_set_num_threads(1);
    softmax_memory m;
    ASSERT_EQ(softmax_memory_init(&m, pat, k, dim), BASIN_OK);
    softmax_stream *s = NULL;
    ASSERT_EQ(softmax_stream_open(&m, n, eps, &s), BASIN_OK);
    softmax_stream *s2 = NULL; /* softmax_stream_lse */
    ASSERT_EQ(softmax_stream_open(&m, n, eps, &s2), BASIN_OK);
    float *x = malloc(n * dim * sizeof *x), *out = malloc(n * dim * sizeof *out);
    double *lse = malloc(n * sizeof *lse), *plain_lse = malloc(n * sizeof *plain_lse);
    double *lse2 = malloc(n * sizeof *lse2), *avg_lse = malloc(n * sizeof *avg_lse);
    nearest2 *nn = malloc(n * sizeof *nn), *plain_nn = malloc(n * sizeof *plain_nn);
    double worst_cert = 0;
    for (uint32_t t = 0; t <= steps; t++) {
        double alpha, sigma;
        path_point(lambda_max, lambda_min, t, steps, &alpha, &sigma);
        const double a = alpha / (sigma * sigma),
                     b = -alpha * alpha / (2 * sigma * sigma);
        if (t == 0)
            start_states(x, n, pat, k, dim, alpha, sigma);
        if (t == jump)
            rotate_rows(x, n, dim);
        softmax_stream_stats before, after;
        softmax_stream_get_stats(s, &before);
        ASSERT_EQ(softmax_stream_lse_nearest(s, x, n, alpha, sigma, lse, nn), BASIN_OK);
        softmax_stream_get_stats(s, &after);
        ASSERT_EQ(softmax_lse_nearest(&m, x, n, a, b, alpha, plain_lse, plain_nn),
                  BASIN_OK);
        softmax_stream_get_stats(s2, &before);
        ASSERT_EQ(softmax_stream_lse(s2, x, n, alpha, sigma, lse2), BASIN_OK);
        softmax_stream_get_stats(s2, &after);
        ASSERT_EQ(softmax_average(&m, x, n, a, b, NULL, avg_lse), BASIN_OK);
        if (t == 0 || t == jump) {
            EXPECT_EQ(after.certified - before.certified, 0);
            EXPECT_MSG(memcmp(avg_lse, lse2, n * sizeof *lse2) == 0,
                       "%s step %u: an all-exact softmax_stream_lse is softmax_average's",
                       name, t);
        }
        if (t == 0 || t == jump) {
            EXPECT_EQ(after.certified - before.certified, 0);
            EXPECT_MSG(memcmp(plain_lse, lse, n * sizeof *lse) == 0 &&
                           memcmp(plain_nn, nn, n * sizeof *nn) == 0,
                       "%s step %u: an all-exact call is softmax_lse_nearest's bytes",
                       name, t);
        }
        for (uint64_t r = 0; r < n; r++) {
            double ref, delta, x2 = 0;
            int64_t near[2];
            reference_lse(pat, k, dim, x + r * dim, alpha, sigma, &ref, near, &delta);
            for (uint32_t i = 0; i < dim; i++)
                x2 += (double)x[r * dim + i] * x[r * dim + i];
            const double err = fabs(lse[r] - ref), err2 = fabs(lse2[r] - ref);
            const double tol2 = softmax_stream_row_certified(s2, r)
                                    ? 0.5 * eps + 1e-12 * (1 + x2 / (2 * sigma * sigma))
                                    : 2 * delta + 1e-6;
            EXPECT_MSG(err2 <= tol2,
                       "%s step %u row %llu (softmax_stream_lse): error %.3g > %.3g",
                       name, t, (unsigned long long)r, err2, tol2);
            EXPECT_MSG(nn[r].index[0] == near[0],
                       "%s step %u row %llu: nearest %lld, reference %lld", name, t,
                       (unsigned long long)r, (long long)nn[r].index[0],
                       (long long)near[0]);
            if (softmax_stream_row_certified(s, r)) {
                const double tol = 0.5 * eps + 1e-12 * (1 + x2 / (2 * sigma * sigma));
                EXPECT_MSG(err <= tol,
                           "%s step %u row %llu (certified): lse error %.3g > %.3g", name,
                           t, (unsigned long long)r, err, tol);
                EXPECT_MSG(nn[r].index[1] == near[1],
                           "%s step %u row %llu (certified): second %lld, reference %lld",
                           name, t, (unsigned long long)r, (long long)nn[r].index[1],
                           (long long)near[1]);
                if (plain_nn[r].index[0] == nn[r].index[0])
                    EXPECT_MSG(plain_nn[r].dist2[0] == nn[r].dist2[0],
                               "%s step %u row %llu: the nearest's distance is "
                               "nearest_finish's",
                               name, t, (unsigned long long)r);
                worst_cert = err > worst_cert ? err : worst_cert;
            } else {
                const double tol = 2 * delta + 1e-6;
                EXPECT_MSG(err <= tol,
                           "%s step %u row %llu (exact): lse error %.3g > %.3g", name, t,
                           (unsigned long long)r, err, tol);
            }
        }
        ASSERT_EQ(softmax_average(&m, x, n, a, b, out, NULL), BASIN_OK);
        if (t < steps)
            ddim_step(x, out, n * dim, alpha, sigma, lambda_max, lambda_min, t, steps);
    }
    softmax_stream_stats st;
    softmax_stream_get_stats(s, &st);
    printf("# %s (lse, nearest two): %llu of %llu evaluations certified (mean %.1f of "
           "%llu candidates), worst certified lse error %.3g (eps/2 = %.3g)\n",
           name, (unsigned long long)st.certified, (unsigned long long)st.calls,
           st.certified ? (double)st.candidates / (double)st.certified : 0.0,
           (unsigned long long)k, worst_cert, 0.5 * eps);
    EXPECT_EQ(st.certified + st.exact, st.calls);
    EXPECT_MSG(st.certified >= st.calls / 4, "%s: the candidate path ran (%llu)", name,
               (unsigned long long)st.certified);
    EXPECT_MSG(st.exact > 2 * n, "%s: fallbacks after the first call (%llu)", name,
               (unsigned long long)st.exact);
    softmax_stream_get_stats(s2, &st);
    EXPECT_EQ(st.certified + st.exact, st.calls);
    EXPECT_MSG(st.certified >= st.calls / 4, "%s: softmax_stream_lse certified (%llu)",
               name, (unsigned long long)st.certified);
    softmax_stream_close(s);
    softmax_stream_close(s2);
    softmax_memory_free(&m);
    free(x);
    free(out);
    free(lse);
    free(plain_lse);
    free(lse2);
    free(avg_lse);
    free(nn);
    free(plain_nn);
}

/* K points of a standard Gaussian in N = 32. */
TEST_IMPL(stream_gaussian)
{
    rng_state = 1;
    const uint64_t k = 2000;
    const uint32_t dim = 32;
    float *pat = malloc(k * dim * sizeof *pat);
    for (uint64_t e = 0; e < k * dim; e++)
        pat[e] = (float)normal();
    run_case("gaussian K=2000 N=32", k, dim, 24, pat, 1e-4, 60, 20, 0.02, 45);
    run_case("gaussian, eps = 1e-7", k, dim, 24, pat, 1e-7, 60, 20, 0.02, 1000);
    run_lse_case("gaussian K=2000 N=32", k, dim, 24, pat, 1e-4, 60, 20, 0.02, 45);
    run_lse_case("gaussian, eps = 1e-7", k, dim, 24, pat, 1e-7, 60, 20, 0.02, 1000);
    free(pat);
}

/* Fashion-MNIST-sized points (N = 784, entries in [0, 1], about half of them 0,
   in 20 prototypes with pixel noise: clustered like images), K = 1500. */
TEST_IMPL(stream_image_sized)
{
    rng_state = 2;
    const uint64_t k = 1500, protos = 20;
    const uint32_t dim = 784;
    float *proto = malloc(protos * dim * sizeof *proto);
    for (uint64_t e = 0; e < protos * dim; e++)
        proto[e] = uniform() < 0.5 ? 0.0f : (float)uniform();
    float *pat = malloc(k * dim * sizeof *pat);
    for (uint64_t mu = 0; mu < k; mu++)
        for (uint32_t i = 0; i < dim; i++) {
            double v = proto[(mu % protos) * dim + i] + 0.15 * normal();
            pat[mu * dim + i] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
        }
    run_case("image-sized K=1500 N=784", k, dim, 12, pat, 1e-4, 40, 20, 0.01, 30);
    run_lse_case("image-sized K=1500 N=784", k, dim, 12, pat, 1e-4, 40, 20, 0.01, 30);
    free(proto);
    free(pat);
}

/* A posterior that never narrows (σ = 100 on a standard Gaussian K = 500: every
   pattern holds mass, no row can be certified): each row tries a candidate set at
   its second call, and after each failed try from a fresh anchor pauses 3 calls,
   so over 40 calls it tries at calls 2, 6, 10, … 38 (10 tries) whatever N; all
   rows fall back, so the outputs are softmax_average's bytes. */
static void run_pause_case(uint32_t dim, uint64_t want_tries)
{
    rng_state = 3;
    const uint64_t k = 500, n = 4, calls = 40;
    float *pat = malloc(k * dim * sizeof *pat), *x = malloc(n * dim * sizeof *x);
    float *out = malloc(n * dim * sizeof *out), *ref = malloc(n * dim * sizeof *ref);
    for (uint64_t e = 0; e < k * dim; e++)
        pat[e] = (float)normal();
    softmax_memory m;
    ASSERT_EQ(softmax_memory_init(&m, pat, k, dim), BASIN_OK);
    softmax_stream *s = NULL;
    ASSERT_EQ(softmax_stream_open(&m, n, 1e-7, &s), BASIN_OK);
    const double alpha = 1, sigma = 100;
    int same = 1;
    for (uint64_t t = 0; t < calls; t++) {
        for (uint64_t e = 0; e < n * dim; e++)
            x[e] = (float)(3 * normal());
        ASSERT_EQ(softmax_stream_average(s, x, n, alpha, sigma, out), BASIN_OK);
        ASSERT_EQ(softmax_average(&m, x, n, alpha / (sigma * sigma),
                                  -alpha * alpha / (2 * sigma * sigma), ref, NULL),
                  BASIN_OK);
        same = same && memcmp(out, ref, n * dim * sizeof *out) == 0;
    }
    softmax_stream_stats st;
    softmax_stream_get_stats(s, &st);
    EXPECT_EQ(st.calls, n * calls);
    EXPECT_EQ(st.certified, 0);
    EXPECT_MSG(st.tried == n * want_tries, "N = %u: %llu tries, want %llu", dim,
               (unsigned long long)st.tried, (unsigned long long)(n * want_tries));
    EXPECT_MSG(same, "N = %u: the fallback differs from softmax_average", dim);
    softmax_stream_close(s);
    softmax_memory_free(&m);
    free(pat);
    free(x);
    free(out);
    free(ref);
}

TEST_IMPL(stream_pause)
{
    run_pause_case(32, 10);
    run_pause_case(784, 10);
}

/* Arguments refused; a stream too large for SOFTMAX_STREAM_MAX_BYTES. */
TEST_IMPL(stream_errors)
{
    float pat[6] = {1, 0, 0, 1, 1, 1};
    softmax_memory m;
    ASSERT_EQ(softmax_memory_init(&m, pat, 3, 2), BASIN_OK);
    softmax_stream *s = NULL;
    EXPECT_EQ(softmax_stream_open(&m, 0, 1e-7, &s), BASIN_EINVAL);
    EXPECT_EQ(softmax_stream_open(&m, 2, 0, &s), BASIN_EINVAL);
    EXPECT_EQ(softmax_stream_open(&m, 2, 1, &s), BASIN_EINVAL);
    EXPECT_EQ(softmax_stream_open(&m, SOFTMAX_STREAM_MAX_BYTES, 1e-7, &s), BASIN_EINVAL);
    ASSERT_EQ(softmax_stream_open(&m, 2, 1e-7, &s), BASIN_OK);
    float x[4] = {0.5f, 0.5f, 1, 0}, out[4];
    EXPECT_EQ(softmax_stream_average(s, x, 1, 1, 1, out), BASIN_EINVAL);
    EXPECT_EQ(softmax_stream_average(s, x, 2, 0, 1, out), BASIN_EINVAL);
    EXPECT_EQ(softmax_stream_average(s, x, 2, 1, 0, out), BASIN_EINVAL);
    EXPECT_EQ(softmax_stream_average(s, x, 2, 1, INFINITY, out), BASIN_OK);
    EXPECT_NEAR(out[0], 2.0 / 3, 1e-6); /* σ = ∞: the mean */
    softmax_stream_close(s);
    softmax_memory_free(&m);
}

TEST_LIST_BEGIN
TEST_ENTRY(stream_gaussian)
TEST_ENTRY(stream_image_sized)
TEST_ENTRY(stream_pause)
TEST_ENTRY(stream_errors)
TEST_LIST_END
