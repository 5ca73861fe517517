/*
 * test_ffi — scores/ffi and energies/ffi, loaded as the host loads them and driven
 * through the fake basin_host (tests/fake_host.h), calling the plain C functions
 * of foreign_model.so (a library that knows nothing of basin).
 *
 *  1. The ffi score bound to ref_denoise (the empirical denoiser in double)
 *     returns exactly what a direct C call of ref_denoise returns, and matches
 *     scores/empirical within the float bound of its SGEMM logits, at several α, σ.
 *  2. Other argument orders and types (float α/σ, uint8_t n: batches split in
 *     calls of 255), a constant argument, one call per state, alternative
 *     spellings of the same types.
 *  3. Failures of the foreign call: a nonzero status, an output left unwritten,
 *     an infinite output; a non-thread-safe function is serialized.
 *  4. energies/ffi: a quadratic energy and its gradient against their closed form,
 *     an energy returned per state, no gradient → BASIN_EUNSUPPORTED.
 *  5. Bad prototypes, bindings, libraries and symbols: a one-line error at create
 *     (or encode) naming the offending token and its column or argument.
 *
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder;
 * BASIN_TEST_FOREIGN_MODEL, tests/plugins/ffi/foreign_model.c built.
 */
#include <basin/plugin.h>

#include "fake_host.h"
#include "harness.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fake_host fake;
static const basin_host *host = &fake.host;
static const basin_descriptor *score_desc, *energy_desc, *empirical_desc;
static const basin_score_iface *score_if, *empirical_if;
static const basin_energy_iface *energy_if;
static const char *model_path;

typedef int (*ref_denoise_fn)(const float *, uint64_t, uint32_t, double, double,
                              const float *, uint64_t, float *);
static ref_denoise_fn ref_denoise;

#define U32 0x1p-24

#define REF_PROTOTYPE                                                                    \
    "int ref_denoise(const float *x, uint64_t n, uint32_t dim, double alpha, "           \
    "double sigma, const float *train, uint64_t k, float *out)"

/* A case's set-up: the fake host (splitmix, seed 42) afresh, scores/ffi and
   energies/ffi of ffi/ffi.so, scores/empirical, and ref_denoise of the foreign
   model; 0 (with a line saying why) when one is missing. */
static int setup(void)
{
    fake_host_init(&fake, 42, FAKE_SPLITMIX);
    score_desc = load_built_plugin("ffi/ffi.so", "scores/ffi", BASIN_IFACE_SCORE);
    energy_desc = load_built_plugin("ffi/ffi.so", "energies/ffi", BASIN_IFACE_ENERGY);
    empirical_desc = load_built_plugin(NULL, "scores/empirical", BASIN_IFACE_SCORE);
    model_path = test_env("BASIN_TEST_FOREIGN_MODEL");
    if (!score_desc || !energy_desc || !empirical_desc || !model_path)
        return 0;
    score_if = score_desc->iface;
    energy_if = energy_desc->iface;
    empirical_if = empirical_desc->iface;
    void *model = dlopen(model_path, RTLD_NOW | RTLD_LOCAL); /* stays loaded */
    void *sym = model ? dlsym(model, "ref_denoise") : NULL;
    if (sym == NULL) {
        printf("# %s: no ref_denoise: %s\n", model_path, dlerror());
        return 0;
    }
    memcpy(&ref_denoise, &sym, sizeof ref_denoise);
    return 1;
}

#define SETUP()                                                                          \
    ASSERT_MSG(setup(), "scores/ffi, energies/ffi, scores/empirical and the foreign "    \
                        "model load")

/* ----------------------------------------------------------------- helpers */

/* n × dim standard normal floats, stream `stream` of the fake host. */
static float *normal(uint64_t n, uint32_t dim, uint64_t stream, double scale)
{
    float *v = malloc((size_t)n * dim * sizeof *v);
    for (uint64_t r = 0; r < n; r++) {
        host->random_normal(host, BASIN_ROLE_USER, stream, r, v + r * dim, dim);
        for (uint32_t i = 0; i < dim; i++)
            v[r * dim + i] *= (float)scale;
    }
    return v;
}

/* States α ξ_ν + σ ε, ν cycling through the k training rows. */
static float *noisy_states(const float *train, uint64_t k, uint32_t dim, uint64_t n,
                           double alpha, double sigma, uint64_t stream)
{
    float *x = normal(n, dim, stream, sigma);
    for (uint64_t s = 0; s < n; s++)
        for (uint32_t i = 0; i < dim; i++)
            x[s * dim + i] += (float)(alpha * train[(s % k) * dim + i]);
    return x;
}

/* A scores/ffi instance, or NULL with the rc in *rc and the message kept. */
static void *make_score(const char *library, const char *symbol, const char *prototype,
                        const char *bindings, int thread_safe, uint32_t dim, int *rc)
{
    params p = param_defaults(score_desc);
    set_string(&p, "library", library);
    set_string(&p, "symbol", symbol);
    set_string(&p, "prototype", prototype);
    set_string(&p, "bindings", bindings);
    set_number(&p, "thread_safe", thread_safe);
    void *self = NULL;
    fake_last_error[0] = '\0';
    *rc = score_if->create(host, p.values, dim, &self);
    return self;
}

/* A scores/ffi instance that must build and encode, or NULL with a '#' line. */
static void *good_score(const char *prototype, const char *bindings, uint32_t dim,
                        const float *train, uint64_t k, int thread_safe)
{
    int rc;
    void *self = make_score(model_path, "", prototype, bindings, thread_safe, dim, &rc);
    if (self != NULL && (rc = score_if->encode(self, host, train, k)) != BASIN_OK) {
        score_if->destroy(self);
        self = NULL;
    }
    if (self == NULL)
        printf("# scores/ffi set-up failed: %d %s\n", rc, fake_last_error);
    return self;
}

static float max_abs_diff(const float *a, const float *b, size_t count)
{
    float worst = 0;
    for (size_t i = 0; i < count; i++)
        worst = fmaxf(worst, fabsf(a[i] - b[i]));
    return worst;
}

/* ------------------------------------------- 1. the reference denoiser */

TEST_IMPL(ffi_reference)
{
    SETUP();
    const uint32_t dim = 16;
    const uint64_t k = 50, n = 37;
    float *train = normal(k, dim, 1, 1.0);
    void *ffi = good_score(REF_PROTOTYPE, "x, n, dim, alpha, sigma, train, k, out", dim,
                           train, k, 0);
    ASSERT_NOT_NULL(ffi);
    void *emp = NULL;
    basin_value defaults[2] = {{0, ""}, {1e-7, ""}}; /* exact = false, candidate_eps */
    ASSERT_EQ(empirical_if->create(host, defaults, dim, &emp), BASIN_OK);
    ASSERT_EQ(empirical_if->encode(emp, host, train, k), BASIN_OK);
    float *out = malloc(n * dim * sizeof *out);
    float *direct = malloc(n * dim * sizeof *direct);
    float *empirical = malloc(n * dim * sizeof *empirical);
    const double alphas[] = {1.0, 0.6};
    const double sigmas[] = {0.1, 0.3, 1.0, 3.0};
    double max_train = 0;
    for (size_t i = 0; i < k * dim; i++)
        max_train = fmax(max_train, fabs(train[i]));
    for (int ia = 0; ia < 2; ia++)
        for (int is = 0; is < 4; is++) {
            const double alpha = alphas[ia], sigma = sigmas[is];
            float *x = noisy_states(train, k, dim, n, alpha, sigma, (uint64_t)(10 + is));
            int rc = score_if->denoise(ffi, host, x, n, alpha, sigma, out);
            ref_denoise(x, n, dim, alpha, sigma, train, k, direct);
            EXPECT_MSG(rc == BASIN_OK, "alpha %g sigma %g: status %d, \"%s\"", alpha,
                       sigma, rc, fake_last_error);
            EXPECT_MSG(memcmp(out, direct, n * dim * sizeof *out) == 0,
                       "alpha %g sigma %g: scores/ffi returns exactly a direct call of "
                       "ref_denoise",
                       alpha, sigma);
            empirical_if->denoise(emp, host, x, n, alpha, sigma, empirical);
            /*
             * Bound (as tests/plugins/scores for scores/empirical, whose error this is; the
             * double reference's own is ~1e-16): the logits a x·ξ + b‖ξ‖²
             * (a = α/σ²) take the float SGEMM's error |δℓ| ≤ Δ = a γ_N Σ|x_i ξ_i|
             * ≤ a γ_N N max|x| max|ξ|, each weight moves within e^{±2Δ}, so the
             * average by at most (e^{2Δ} − 1) max|ξ|; float weights (≤ 90 u) and
             * the float weighted sum (γ_{K+4}) add (90 u + γ_{K+4}) max|ξ|. Twice
             * that.
             */
            double max_x = 0;
            for (size_t i = 0; i < n * dim; i++)
                max_x = fmax(max_x, fabs(x[i]));
            const double gamma_n = dim * U32 / (1 - dim * U32);
            const double delta =
                alpha / (sigma * sigma) * gamma_n * dim * max_x * max_train;
            const double gamma_k = (double)(k + 4) * U32 / (1 - (double)(k + 4) * U32);
            const double tol = 2 * (expm1(2 * delta) + 90 * U32 + gamma_k) * max_train;
            const float worst = max_abs_diff(out, empirical, n * dim);
            EXPECT_MSG(worst <= tol,
                       "alpha %g sigma %g: scores/ffi matches "
                       "scores/empirical (max error %.2e, bound %.2e)",
                       alpha, sigma, (double)worst, tol);
            free(x);
        }
    empirical_if->destroy(emp);
    score_if->destroy(ffi);
    free(train);
    free(out);
    free(direct);
    free(empirical);
}

/* ------------------------------------ 2. other shapes of the same function */

TEST_IMPL(ffi_shapes)
{
    SETUP();
    const uint32_t dim = 6;
    const uint64_t k = 9, n = 600;
    /* α and σ exact in float, so float arguments give the same numbers. */
    const double alpha = 0.75, sigma = 0.5;
    float *train = normal(k, dim, 2, 1.0);
    float *x = noisy_states(train, k, dim, n, alpha, sigma, 3);
    float *out = malloc(n * dim * sizeof *out);
    float *direct = malloc(n * dim * sizeof *direct);
    ref_denoise(x, n, dim, alpha, sigma, train, k, direct);

    void *s = good_score("void ref_denoise_narrow(float sigma, uint8_t n, "
                         "const float *train, int16_t k, uint16_t dim, float alpha, "
                         "float *out, const float *x)",
                         "sigma, n, train, k, dim, alpha, out, x", dim, train, k, 1);
    ASSERT_NOT_NULL(s);
    int rc = score_if->denoise(s, host, x, n, alpha, sigma, out);
    EXPECT_MSG(rc == BASIN_OK, "status %d, \"%s\"", rc, fake_last_error);
    EXPECT_MSG(memcmp(out, direct, n * dim * sizeof *out) == 0,
               "permuted arguments, float alpha/sigma, uint8_t n: 600 states in calls "
               "of at most 255 give the reference exactly");
    score_if->destroy(s);

    s = good_score("int ref_denoise_scaled(const float *x, long n, unsigned dim, "
                   "double alpha, double sigma, const float *train, size_t k, "
                   "double scale, float *out);",
                   "x, n, dim, alpha, sigma, train, k, const:2.5, out", dim, train, k, 0);
    ASSERT_NOT_NULL(s);
    rc = score_if->denoise(s, host, x, n, alpha, sigma, out);
    /* scale·acc/sum rounded once vs 2.5 · (acc/sum rounded): within 2 float ulps of
       the output, |out| ≤ 2.5 max|ξ| < 2.5 · 6. */
    float worst = 0;
    for (size_t i = 0; i < n * dim; i++)
        worst = fmaxf(worst, fabsf(out[i] - 2.5f * direct[i]));
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_MSG(worst <= 2 * U32 * 2.5 * 6,
               "const:2.5 reaches a double argument: out = 2.5 x0_hat (max error %.1e, "
               "bound %.1e)",
               (double)worst, 2 * U32 * 2.5 * 6);
    score_if->destroy(s);

    s = good_score("void ref_denoise_one(const float *x, int dim, double alpha, "
                   "double sigma, const float *train, int k, float *out)",
                   "x, dim, alpha, sigma, train, k, out", dim, train, k, 0);
    ASSERT_NOT_NULL(s);
    rc = score_if->denoise(s, host, x, n, alpha, sigma, out);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_MSG(memcmp(out, direct, n * dim * sizeof *out) == 0,
               "no n argument: called once per state, the reference exactly");
    score_if->destroy(s);

    s = good_score("int ref_denoise(const float * const x, unsigned long n, "
                   "unsigned int dim, double, double sigma, float const *train, "
                   "size_t, float *restrict out)",
                   "x, n, dim, alpha, sigma, train, k, out", dim, train, k, 0);
    ASSERT_NOT_NULL(s);
    rc = score_if->denoise(s, host, x, n, alpha, sigma, out);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_MSG(memcmp(out, direct, n * dim * sizeof *out) == 0,
               "other spellings (float const *, unsigned long, unnamed parameters, "
               "restrict) of the same types call the same function");
    score_if->destroy(s);

    free(train);
    free(x);
    free(out);
    free(direct);
}

/* --------------------------------------------- 3. failures of the call */

typedef struct hammer {
    void *score;
    const float *x;
    uint32_t dim;
    int failures;
} hammer;

static void *hammer_run(void *arg)
{
    hammer *h = arg;
    float out[4 * 8];
    for (int i = 0; i < 200; i++)
        if (score_if->denoise(h->score, host, h->x, 4, 1.0, 0.5, out) != BASIN_OK)
            h->failures++;
    return NULL;
}

/* Failures (calls returning 99: another call was inside) of 4 threads × 200
   calls of ref_exclusive, serialized or not; -1 when it cannot be set up. */
static int exclusive_failures(const float *train, uint64_t k, int thread_safe)
{
    void *s =
        good_score("int ref_exclusive(const float *x, uint64_t n, uint32_t dim, "
                   "double alpha, double sigma, const float *train, uint64_t k, "
                   "float *out)",
                   "x, n, dim, alpha, sigma, train, k, out", 8, train, k, thread_safe);
    if (s == NULL)
        return -1;
    float *x = normal(4, 8, 7, 1.0);
    hammer h[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        h[i] = (hammer){.score = s, .x = x, .dim = 8};
        pthread_create(&t[i], NULL, hammer_run, &h[i]);
    }
    int failures = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        failures += h[i].failures;
    }
    score_if->destroy(s);
    free(x);
    return failures;
}

TEST_IMPL(ffi_call_failures)
{
    SETUP();
    const uint32_t dim = 8;
    const uint64_t k = 200, n = 5;
    float *train = normal(k, dim, 4, 1.0);
    float *x = normal(n, dim, 5, 1.0);
    float out[5 * 8];

    void *s = good_score("int ref_fail(const float *x, uint64_t n, uint32_t dim, "
                         "float *out)",
                         "x, n, dim, out", dim, train, k, 0);
    ASSERT_NOT_NULL(s);
    /* a nonzero status is an error with its value */
    int rc = score_if->denoise(s, host, x, n, 1, 1, out);
    EXPECT_EQ(rc, BASIN_EIO);
    EXPECT_STR_CONTAINS(fake_last_error, "ref_fail returned 7");
    score_if->destroy(s);

    s = good_score("void ref_skip_last(const float *x, uint64_t n, uint32_t dim, "
                   "float *out)",
                   "x, n, dim, out", dim, train, k, 0);
    ASSERT_NOT_NULL(s);
    /* an output entry left unwritten is named */
    rc = score_if->denoise(s, host, x, n, 1, 1, out);
    EXPECT_EQ(rc, BASIN_ENUMERIC);
    EXPECT_STR_CONTAINS(fake_last_error, "state 4 entry 7");
    score_if->destroy(s);

    s = good_score("void ref_inf(const float *x, uint64_t n, uint32_t dim, "
                   "float *out)",
                   "x, n, dim, out", dim, train, k, 0);
    ASSERT_NOT_NULL(s);
    /* an infinite output is named */
    rc = score_if->denoise(s, host, x, n, 1, 1, out);
    EXPECT_EQ(rc, BASIN_ENUMERIC);
    EXPECT_STR_CONTAINS(fake_last_error, "inf at state 1 entry 2");
    score_if->destroy(s);

    void *unencoded = make_score(model_path, "", REF_PROTOTYPE,
                                 "x, n, dim, alpha, sigma, train, k, out", 0, dim, &rc);
    ASSERT_NOT_NULL(unencoded);
    /* denoise before encode */
    rc = score_if->denoise(unencoded, host, x, n, 1, 1, out);
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "before encode");
    score_if->destroy(unencoded);

    const int serialized = exclusive_failures(train, k, 0);
    /* thread_safe = false: 4 threads x 200 calls of a function that detects
       overlapping calls never overlap */
    EXPECT_EQ(serialized, 0);
    /* Not asserted (timing-dependent): how often they overlap when allowed to. */
    printf("# thread_safe = true: %d of 800 calls overlapped\n",
           exclusive_failures(train, k, 1));
    free(train);
    free(x);
}

/* ---------------------------------------------------------- 4. energies */

static void *make_energy(const char *energy_prototype, const char *energy_bindings,
                         const char *gradient_prototype, const char *gradient_bindings,
                         uint32_t dim, int *rc)
{
    params p = param_defaults(energy_desc);
    set_string(&p, "library", model_path);
    set_string(&p, "energy_prototype", energy_prototype);
    set_string(&p, "energy_bindings", energy_bindings);
    set_string(&p, "gradient_prototype", gradient_prototype);
    set_string(&p, "gradient_bindings", gradient_bindings);
    void *self = NULL;
    fake_last_error[0] = '\0';
    *rc = energy_if->create(host, p.values, dim, &self);
    return self;
}

#define QUAD_ENERGY                                                                      \
    "void quad_energy(const float *x, size_t n, int dim, const float *train, "           \
    "long k, double shift, double *out)"
#define QUAD_GRADIENT                                                                    \
    "int quad_gradient(const float *x, int n, int dim, const float *train, int k, "      \
    "double shift, float *out)"
#define QUAD_BINDINGS "x, n, dim, train, k, const:0.25, out"

TEST_IMPL(ffi_energies)
{
    SETUP();
    const uint32_t dim = 5;
    const uint64_t k = 7, n = 11;
    float *train = normal(k, dim, 20, 1.0);
    float *x = normal(n, dim, 21, 2.0);
    double m[5] = {0};
    for (uint64_t mu = 0; mu < k; mu++)
        for (uint32_t i = 0; i < dim; i++)
            m[i] += train[mu * dim + i] / (double)k;
    int rc;
    void *e =
        make_energy(QUAD_ENERGY, QUAD_BINDINGS, QUAD_GRADIENT, QUAD_BINDINGS, dim, &rc);
    ASSERT_MSG(e, "energies/ffi: quad_energy and quad_gradient bind: \"%s\"",
               fake_last_error);
    EXPECT_EQ(energy_if->encode(e, host, train, k), BASIN_OK);
    double energy[11], worst_e = 0;
    float gradient[11 * 5];
    double worst_g = 0;
    int rc_e = energy_if->energy(e, host, x, n, energy);
    int rc_g = energy_if->gradient(e, host, x, n, gradient);
    for (uint64_t s = 0; s < n; s++) {
        double expect = 0;
        for (uint32_t i = 0; i < dim; i++) {
            const double d = x[s * dim + i] - m[i] - 0.25;
            expect += 0.5 * (i + 1) * d * d;
            worst_g = fmax(worst_g, fabs(gradient[s * dim + i] - (i + 1) * d) /
                                        (fabs((i + 1) * d) + 1));
        }
        worst_e = fmax(worst_e, fabs(energy[s] - expect) / (fabs(expect) + 1));
    }
    /* The energy is the same double arithmetic in another order (the mean's sum):
       a few ulps of 1e-16; the gradient is rounded once to float: u = 6e-8. */
    EXPECT_EQ(rc_e, BASIN_OK);
    EXPECT_MSG(worst_e < 1e-13,
               "E(x) = 1/2 sum (i+1)(x_i - m_i - 0.25)^2 (relative error %.1e)", worst_e);
    EXPECT_EQ(rc_g, BASIN_OK);
    EXPECT_MSG(worst_g < 2 * U32,
               "its gradient (i+1)(x_i - m_i - 0.25) (relative error %.1e)", worst_g);

    void *one = make_energy("double quad_energy_one(const float *x, unsigned dim, "
                            "const float *train, unsigned k, float shift)",
                            "x, dim, train, k, const:0.25", "", "", dim, &rc);
    double energy_one[11];
    rc = one ? energy_if->encode(one, host, train, k) : rc;
    rc = rc == BASIN_OK ? energy_if->energy(one, host, x, n, energy_one) : rc;
    EXPECT_MSG(rc == BASIN_OK, "quad_energy_one: status %d, \"%s\"", rc, fake_last_error);
    EXPECT_MSG(memcmp(energy, energy_one, sizeof energy) == 0,
               "an energy returned as double, one state per call, equals the batch "
               "function's");
    /* no gradient_prototype: gradient() is unsupported */
    rc = one ? energy_if->gradient(one, host, x, n, gradient) : 0;
    EXPECT_EQ(rc, BASIN_EUNSUPPORTED);
    EXPECT_STR_CONTAINS(fake_last_error, "gradient_prototype");
    energy_if->destroy(one);

    one = make_energy("float quad_energy_one_f(const float *x, uint32_t dim, "
                      "const float *train, uint32_t k, float shift)",
                      "x, dim, train, k, const:0.25", "", "", dim, &rc);
    rc = one ? energy_if->encode(one, host, train, k) : rc;
    rc = rc == BASIN_OK ? energy_if->energy(one, host, x, n, energy_one) : rc;
    /* an energy returned as float is the double one rounded to float */
    EXPECT_MSG(rc == BASIN_OK, "quad_energy_one_f: status %d, \"%s\"", rc,
               fake_last_error);
    for (uint64_t s = 0; s < n && rc == BASIN_OK; s++)
        EXPECT_NEAR(energy_one[s], (double)(float)energy[s], 0);
    energy_if->destroy(one);
    energy_if->destroy(e);
    free(train);
    free(x);
}

/* ----------------------------------------------------- 5. bad input */

/* create fails with BASIN_EINVAL and a one-line message containing `want`. */
static void expect_score_error(const char *what, const char *library, const char *symbol,
                               const char *prototype, const char *bindings, uint32_t dim,
                               const char *want)
{
    int rc;
    void *s = make_score(library, symbol, prototype, bindings, 0, dim, &rc);
    EXPECT_MSG(s == NULL && rc == BASIN_EINVAL,
               "%s: refused with BASIN_EINVAL (status %d)", what, rc);
    EXPECT_STR_CONTAINS(fake_last_error, want);
    EXPECT_MSG(strchr(fake_last_error, '\n') == NULL, "%s: a one-line message", what);
    if (s != NULL)
        score_if->destroy(s);
}

#define B8 "x, n, dim, alpha, sigma, train, k, out"

TEST_IMPL(ffi_bad_prototypes)
{
    SETUP();
    const char *lib = model_path;
    expect_score_error("unsupported type", lib, "ref_denoise",
                       "int f(const char *x, uint64_t n)", "x, n", 4,
                       "prototype: unsupported type 'char' at column 13");
    expect_score_error("a struct", lib, "ref_denoise",
                       "int f(struct model *m, float *out)", "x, out", 4,
                       "prototype: unsupported type 'struct' at column 7");
    expect_score_error("varargs", lib, "ref_denoise", "int f(const float *x, ...)",
                       "x, out", 4,
                       "prototype: varargs are not supported: '...' at column 23");
    expect_score_error("garbage after the prototype", lib, "ref_denoise",
                       "int f(const float *x, float *out) $", "x, out", 4,
                       "prototype: unexpected '$' at column 35");
    expect_score_error("words that are no type", lib, "ref_denoise", "hello world", "x",
                       4, "prototype: unknown type 'hello' at column 1");
    expect_score_error("an array", lib, "ref_denoise",
                       "int f(const float x[], float *out)", "x, out", 4,
                       "prototype: arrays are not supported (write a pointer): '[' at "
                       "column 20");
    expect_score_error("a function pointer", lib, "ref_denoise",
                       "int f(int (*cb)(int), float *out)", "x, out", 4,
                       "prototype: function pointers are not supported: '(' at "
                       "column 11");
    expect_score_error("a pointer to a pointer", lib, "ref_denoise",
                       "int f(const float **x, float *out)", "x, out", 4,
                       "prototype: pointers to pointers are not supported: '*' at "
                       "column 20");
    expect_score_error("long double", lib, "ref_denoise", "long double f(const float *x)",
                       "x", 4,
                       "prototype: unsupported type combination 'double' at column 6");
    expect_score_error("void *", lib, "ref_denoise", "int f(void *x, float *out)",
                       "x, out", 4,
                       "prototype: void pointers are not supported: '*' at column 12");
    expect_score_error("a truncated prototype", lib, "", "int f(const float *x", "x", 4,
                       "prototype: expected ',' or ')', found end of text at "
                       "column 21");
    expect_score_error("an empty prototype", lib, "", "", B8, 4,
                       "prototype: no prototype given");
    expect_score_error("arity", lib, "", REF_PROTOTYPE,
                       "x, n, dim, alpha, sigma, train, out", 4,
                       "bindings: 7 bindings for the 8 parameters of ref_denoise");
    expect_score_error("a binding's type", lib, "", REF_PROTOTYPE,
                       "x, n, alpha, dim, sigma, train, k, out", 4,
                       "bindings: argument 3 'uint32_t dim' binds alpha, which needs "
                       "float or double");
    expect_score_error("x not const", lib, "",
                       "int ref_denoise(float *x, uint64_t n, uint32_t dim, "
                       "double alpha, double sigma, const float *train, uint64_t k, "
                       "float *out)",
                       B8, 4,
                       "bindings: argument 1 'float *x' binds x, which needs const "
                       "float *");
    expect_score_error("a double output for a denoiser", lib, "",
                       "int ref_denoise(const float *x, uint64_t n, uint32_t dim, "
                       "double alpha, double sigma, const float *train, uint64_t k, "
                       "double *out)",
                       B8, 4,
                       "argument 8 'double *out' binds out, which for a denoiser "
                       "needs float *");
    expect_score_error("an unknown binding", lib, "", REF_PROTOTYPE,
                       "x, n, y, alpha, sigma, train, k, out", 4,
                       "bindings: binding 3 'y' at column 7 is not one of");
    expect_score_error("a constant out of its type's range", lib, "ref_denoise_narrow",
                       "void ref_denoise_narrow(float sigma, uint8_t n, "
                       "const float *train, int16_t k, uint16_t dim, float alpha, "
                       "float *out, const float *x)",
                       "sigma, const:300, train, k, dim, alpha, out, x", 4,
                       "binds const:300, not an integer in the range of uint8_t");
    expect_score_error("a repeated binding", lib, "", REF_PROTOTYPE,
                       "x, n, dim, alpha, alpha, train, k, out", 4,
                       "binding 5 'alpha' repeats binding 4");
    expect_score_error("dim too large for its type", lib, "ref_denoise_narrow",
                       "void ref_denoise_narrow(float sigma, uint8_t n, "
                       "const float *train, int16_t k, uint16_t dim, float alpha, "
                       "float *out, const float *x)",
                       "sigma, n, train, k, dim, alpha, out, x", 70000,
                       "bindings: dim = 70000 does not fit argument 5 (uint16_t)");
    expect_score_error("a missing library", "/nonexistent/libnothing.so", "",
                       REF_PROTOTYPE, B8, 4,
                       "cannot load library: /nonexistent/libnothing.so");
    expect_score_error("a missing symbol", lib, "no_such_function", REF_PROTOTYPE, B8, 4,
                       "symbol: 'no_such_function' not found");
}

/* k is checked at encode, before any sampling; so are the training points. */
TEST_IMPL(ffi_encode_checks)
{
    SETUP();
    const char *lib = model_path;
    int rc;
    void *s = make_score(lib, "",
                         "void ref_denoise_narrow(float sigma, uint8_t n, "
                         "const float *train, int16_t k, uint16_t dim, float alpha, "
                         "float *out, const float *x)",
                         "sigma, n, train, k, dim, alpha, out, x", 0, 1, &rc);
    ASSERT_NOT_NULL(s);
    float *many = calloc(40000, sizeof *many);
    /* k too large for its type, at encode */
    EXPECT_EQ(score_if->encode(s, host, many, 40000), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error,
                        "k = 40000 training points do not fit argument 4 (int16_t)");
    /* a NaN training entry */
    many[3] = NAN;
    EXPECT_EQ(score_if->encode(s, host, many, 10), BASIN_ENUMERIC);
    EXPECT_STR_CONTAINS(fake_last_error, "point 3 entry 0 is nan");
    free(many);
    score_if->destroy(s);
}

/* energies/ffi: the key at fault leads the message. */
TEST_IMPL(ffi_energy_bad_input)
{
    SETUP();
    int rc;
    void *e = make_energy(QUAD_ENERGY, QUAD_BINDINGS,
                          "int quad_gradient(const float *x, int n, int dim, "
                          "struct t *train, int k, double shift, float *out)",
                          QUAD_BINDINGS, 4, &rc);
    EXPECT_NULL(e);
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error,
                        "gradient_prototype: unsupported type 'struct' at column 51");
    e = make_energy(QUAD_ENERGY, "x, n, dim, alpha, k, const:0.25, out", "", "", 4, &rc);
    /* alpha is no energy's binding */
    EXPECT_NULL(e);
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_STR_CONTAINS(
        fake_last_error,
        "energy_bindings: binding 4 'alpha' is not available to an energy");
    e = make_energy("double quad_energy_one(const float *x, unsigned dim, "
                    "const float *train, unsigned k, double *out)",
                    "x, dim, train, k, out", "", "", 4, &rc);
    /* a value return and an out binding */
    EXPECT_NULL(e);
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "returns double and binds out");
    e = make_energy(QUAD_ENERGY, QUAD_BINDINGS, QUAD_GRADIENT,
                    "x, n, dim, train, k, const:0.25, const:1", 4, &rc);
    /* a constant bound to a pointer */
    EXPECT_NULL(e);
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "gradient_bindings: argument 7 'float *out' "
                                         "binds const:1, which needs a number type");
}

TEST_LIST_BEGIN
TEST_ENTRY(ffi_reference)
TEST_ENTRY(ffi_shapes)
TEST_ENTRY(ffi_call_failures)
TEST_ENTRY(ffi_energies)
TEST_ENTRY(ffi_bad_prototypes)
TEST_ENTRY(ffi_encode_checks)
TEST_ENTRY(ffi_energy_bad_input)
TEST_LIST_END
