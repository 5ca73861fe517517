/*
 * test_smoothed — unit tests of scores/smoothed (Scarvelis et al. 2023,
 * arXiv:2310.12395; docs/analytic-denoisers.md), loaded by path through the fake
 * basin_host of tests/fake_host.h beside scores/empirical:
 *   - smoothing 0 equals scores/empirical exactly (the plugin then makes
 *     empirical's one softmax_average call on the same rows), at several noise
 *     levels, σ = 0 and σ = ∞;
 *   - smoothing s > 0 equals (1/M) Σ_m D(x + s ε_m), D computed by
 *     scores/empirical on rows perturbed here with the host's own draws
 *     (role ENCODE, index m), to float tolerance;
 *   - a state's output does not depend on its batch or on the thread running it.
 */
#include <basin/plugin.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"
#include "harness.h"

static fake_host fake;
static const basin_host *const host = &fake.host;
static const basin_descriptor *emp_desc, *sm_desc;

enum { K = 60, N = 10, NS = 50 };

static float train[K * N], x[NS * N];

static int setup(void)
{
    fake_host_init(&fake, 2026, FAKE_SPLITMIX);
    if (!emp_desc)
        emp_desc = load_built_plugin(NULL, "scores/empirical", BASIN_IFACE_SCORE);
    if (!sm_desc)
        sm_desc = load_built_plugin(NULL, "scores/smoothed", BASIN_IFACE_SCORE);
    if (!emp_desc || !sm_desc)
        return 0;
    host->random_normal(host, BASIN_ROLE_USER, 1, 0, train, K * N);
    host->random_normal(host, BASIN_ROLE_USER, 2, 0, x, NS * N);
    return 1;
}

static void *make(const basin_descriptor *d, double smoothing, double draws)
{
    params p = param_defaults(d);
    if (d == sm_desc) {
        set_number(&p, "smoothing", smoothing);
        set_number(&p, "draws", draws);
    }
    const basin_score_iface *f = d->iface;
    void *self = NULL;
    int rc = f->create(host, p.values, N, &self);
    EXPECT_MSG(rc == BASIN_OK, "%s: create: %d %s", d->id, rc, fake_last_error);
    if (rc != BASIN_OK)
        return NULL;
    rc = f->encode(self, host, train, K);
    EXPECT_MSG(rc == BASIN_OK, "%s: encode: %d %s", d->id, rc, fake_last_error);
    return self;
}

static const double sigmas[] = {0, 0.05, 0.3, 1, 5, INFINITY};

TEST_IMPL(smoothed_zero_is_empirical)
{
    ASSERT(setup());
    const basin_score_iface *fe = emp_desc->iface, *fs = sm_desc->iface;
    void *e = make(emp_desc, 0, 0), *s = make(sm_desc, 0, 7);
    ASSERT(e && s);
    float a[NS * N], b[NS * N];
    for (size_t i = 0; i < sizeof sigmas / sizeof *sigmas; i++) {
        EXPECT_EQ(fe->denoise(e, host, x, NS, 0.8, sigmas[i], a), BASIN_OK);
        EXPECT_EQ(fs->denoise(s, host, x, NS, 0.8, sigmas[i], b), BASIN_OK);
        /* Tolerance 0: the same kernel call on the same rows (one draw, its
           double average the row itself). */
        EXPECT_MSG(memcmp(a, b, sizeof a) == 0,
                   "smoothing 0, sigma %g: not the empirical bits", sigmas[i]);
    }
    fe->destroy(e);
    fs->destroy(s);
}

TEST_IMPL(smoothed_formula)
{
    ASSERT(setup());
    enum { M = 5 };
    const double scale = 0.7;
    const basin_score_iface *fe = emp_desc->iface, *fs = sm_desc->iface;
    void *e = make(emp_desc, 0, 0), *s = make(sm_desc, scale, M);
    ASSERT(e && s);
    float eps[M * N], y[NS * N], d[NS * N], out[NS * N];
    for (int m = 0; m < M; m++)
        host->random_normal(host, BASIN_ROLE_ENCODE, (uint64_t)m, 0, eps + m * N, N);
    const double sig[] = {0.1, 0.5, 2};
    for (int si = 0; si < 3; si++) {
        double ref[NS * N] = {0};
        for (int m = 0; m < M; m++) {
            for (int r = 0; r < NS; r++)
                for (int j = 0; j < N; j++)
                    y[r * N + j] = x[r * N + j] + (float)scale * eps[m * N + j];
            EXPECT_EQ(fe->denoise(e, host, y, NS, 0.9, sig[si], d), BASIN_OK);
            for (int i = 0; i < NS * N; i++)
                ref[i] += d[i] / (double)M;
        }
        EXPECT_EQ(fs->denoise(s, host, x, NS, 0.9, sig[si], out), BASIN_OK);
        /* Both sides average the same empirical denoiser on the same perturbed
           rows; they differ by the rows' GEMM blocking and the rounding of the
           average: a few float ulps of entries of size ≲ 3 (standard normal
           training points), far below 1e-5. A wrong draw or a missing α would
           move entries by O(0.1). */
        double worst = 0;
        for (int i = 0; i < NS * N; i++)
            worst = fmax(worst, fabs(out[i] - ref[i]));
        EXPECT_MSG(worst <= 1e-5, "sigma %g: max |smoothed - mean of empirical| = %.2e",
                   sig[si], worst);
        /* And the smoothing matters: far from the unsmoothed output at σ = 0.1. */
        if (si == 0) {
            EXPECT_EQ(fe->denoise(e, host, x, NS, 0.9, sig[si], d), BASIN_OK);
            double gap = 0;
            for (int i = 0; i < NS * N; i++)
                gap = fmax(gap, fabs(out[i] - d[i]));
            EXPECT_MSG(gap > 0.1, "smoothing 0.7 changes the output (max gap %.2e)", gap);
        }
    }
    fe->destroy(e);
    fs->destroy(s);
}

typedef struct half {
    const basin_score_iface *f;
    void *self;
    const float *x;
    float *out;
    uint64_t n;
    int rc;
} half;

static void *run_half(void *arg)
{
    half *h = arg;
    h->rc = h->f->denoise(h->self, host, h->x, h->n, 0.9, 0.4, h->out);
    return NULL;
}

TEST_IMPL(smoothed_batch_and_threads)
{
    ASSERT(setup());
    const basin_score_iface *fs = sm_desc->iface;
    void *s = make(sm_desc, 0.5, 9);
    ASSERT(s);
    float all[NS * N], one[NS * N], two[NS * N];
    EXPECT_EQ(fs->denoise(s, host, x, NS, 0.9, 0.4, all), BASIN_OK);
    for (int r = 0; r < NS; r++)
        EXPECT_EQ(fs->denoise(s, host, x + r * N, 1, 0.9, 0.4, one + r * N), BASIN_OK);
    /* Tolerance: a state's rows are its own; GEMM blocking may move a few ulps. */
    double worst = 0;
    for (int i = 0; i < NS * N; i++)
        worst = fmax(worst, fabs(all[i] - one[i]));
    EXPECT_MSG(worst <= 1e-6, "one at a time vs one batch: max diff %.2e", worst);
    half h[2] = {{fs, s, x, two, 20, -1}, {fs, s, x + 20 * N, two + 20 * N, NS - 20, -1}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, run_half, &h[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    EXPECT_EQ(h[0].rc, BASIN_OK);
    EXPECT_EQ(h[1].rc, BASIN_OK);
    worst = 0;
    for (int i = 0; i < NS * N; i++)
        worst = fmax(worst, fabs(all[i] - two[i]));
    EXPECT_MSG(worst <= 1e-6, "two threads vs one batch: max diff %.2e", worst);
    fs->destroy(s);
}

TEST_IMPL(smoothed_errors)
{
    ASSERT(setup());
    const basin_score_iface *fs = sm_desc->iface;
    params p = param_defaults(sm_desc);
    set_number(&p, "draws", 2.5);
    void *self = NULL;
    EXPECT_EQ(fs->create(host, p.values, N, &self), BASIN_EINVAL);
    p = param_defaults(sm_desc);
    set_number(&p, "smoothing", NAN);
    EXPECT_EQ(fs->create(host, p.values, N, &self), BASIN_EINVAL);
    void *s = make(sm_desc, 0.5, 3);
    ASSERT(s);
    float out[N];
    EXPECT_EQ(fs->denoise(s, host, x, 1, 0, 1, out), BASIN_EINVAL);
    float bad[N];
    memcpy(bad, x, sizeof bad);
    bad[3] = NAN;
    EXPECT_EQ(fs->denoise(s, host, bad, 1, 1, 1, out), BASIN_ENUMERIC);
    fs->destroy(s);
}

TEST_LIST_BEGIN
TEST_ENTRY(smoothed_zero_is_empirical)
TEST_ENTRY(smoothed_formula)
TEST_ENTRY(smoothed_batch_and_threads)
TEST_ENTRY(smoothed_errors)
TEST_LIST_END
