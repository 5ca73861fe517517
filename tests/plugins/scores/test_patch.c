/*
 * test_patch — unit tests of scores/patch, the LS and ELS machines of Kamb &
 * Ganguli 2025 (arXiv:2412.20292; docs/analytic-denoisers.md), loaded by path
 * through the fake basin_host of tests/fake_host.h beside scores/empirical:
 *   - a patch that covers the whole image from every pixel makes LS (and ELS)
 *     the empirical denoiser, at several noise levels, σ = 0 and σ = ∞;
 *   - ELS is translation equivariant away from the border (and LS is not);
 *   - 1 × 4 images by hand: the LS and ELS posteriors written out with exp();
 *   - a patch schedule picks the side by σ/α;
 *   - bad parameters are refused.
 */
#include <basin/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"
#include "harness.h"

static fake_host fake;
static const basin_host *const host = &fake.host;
static const basin_descriptor *emp_desc, *patch_desc;

static int setup(void)
{
    fake_host_init(&fake, 2026, FAKE_SPLITMIX);
    if (!emp_desc)
        emp_desc = load_built_plugin(NULL, "scores/empirical", BASIN_IFACE_SCORE);
    if (!patch_desc)
        patch_desc = load_built_plugin(NULL, "scores/patch", BASIN_IFACE_SCORE);
    return emp_desc && patch_desc;
}

/* A patch machine on h × w × c images (mode "ls" or "els", side P, schedule). */
static void *make_patch(const char *mode, double side, const char *schedule, double h,
                        double w, double c, const float *train, uint64_t k)
{
    params p = param_defaults(patch_desc);
    set_string(&p, "mode", mode);
    set_number(&p, "patch", side);
    set_string(&p, "patch_schedule", schedule);
    set_number(&p, "height", h);
    set_number(&p, "width", w);
    set_number(&p, "channels", c);
    const basin_score_iface *f = patch_desc->iface;
    void *self = NULL;
    int rc = f->create(host, p.values, (uint32_t)(h * w * c), &self);
    EXPECT_MSG(rc == BASIN_OK, "create: %d %s", rc, fake_last_error);
    if (rc != BASIN_OK)
        return NULL;
    rc = f->encode(self, host, train, k);
    EXPECT_MSG(rc == BASIN_OK, "encode: %d %s", rc, fake_last_error);
    return self;
}

static double max_diff(const float *a, const float *b, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs((double)a[i] - b[i]));
    return worst;
}

TEST_IMPL(patch_whole_image_is_empirical)
{
    ASSERT(setup());
    enum { H = 5, W = 4, C = 2, N = H * W * C, K = 20, NS = 12 };
    static float train[K * N], x[NS * N], a[NS * N], b[NS * N];
    host->random_normal(host, BASIN_ROLE_USER, 1, 0, train, K * N);
    host->random_normal(host, BASIN_ROLE_USER, 2, 0, x, NS * N);
    const basin_score_iface *fe = emp_desc->iface, *fp = patch_desc->iface;
    params pe = param_defaults(emp_desc);
    void *e = NULL;
    ASSERT_EQ(fe->create(host, pe.values, N, &e), BASIN_OK);
    ASSERT_EQ(fe->encode(e, host, train, K), BASIN_OK);
    /* Side 2·max(h, w) − 1 = 9: from every pixel the patch holds the whole image. */
    const char *modes[2] = {"ls", "els"};
    const double sigmas[] = {0, 0.3, 1, 5, INFINITY};
    for (int mo = 0; mo < 2; mo++) {
        void *s = make_patch(modes[mo], 9, "", H, W, C, train, K);
        ASSERT(s);
        for (size_t i = 0; i < sizeof sigmas / sizeof *sigmas; i++) {
            EXPECT_EQ(fe->denoise(e, host, x, NS, 0.8, sigmas[i], a), BASIN_OK);
            EXPECT_EQ(fp->denoise(s, host, x, NS, 0.8, sigmas[i], b), BASIN_OK);
            /* The same logits up to the order of a 40-term float dot product (the
               padded zeros add exact zeros): at σ = 0.3 a logit error of ~1e-6·|x||ξ|/σ²
               ≈ 4e-4 moves the weights by that fraction of entries of size ≲ 3; a
               wrong patch or centre moves entries by O(1). */
            const double worst = max_diff(a, b, NS * N);
            EXPECT_MSG(worst <= 2e-3, "%s, sigma %g: max |patch - empirical| = %.2e",
                       modes[mo], sigmas[i], worst);
        }
        fp->destroy(s);
    }
    fe->destroy(e);
}

TEST_IMPL(patch_els_equivariant)
{
    ASSERT(setup());
    enum { H = 12, W = 11, N = H * W, K = 5, DI = 2, DJ = 3 };
    static float train[K * N], x[N], y[N], ox[N], oy[N];
    host->random_normal(host, BASIN_ROLE_USER, 3, 0, train, K * N);
    host->random_normal(host, BASIN_ROLE_USER, 4, 0, x, N);
    host->random_normal(host, BASIN_ROLE_USER, 5, 0, y, N);
    /* y is x shifted by (DI, DJ); what moves in from outside stays random. */
    for (int i = DI; i < H; i++)
        for (int j = DJ; j < W; j++)
            y[i * W + j] = x[(i - DI) * W + (j - DJ)];
    const basin_score_iface *fp = patch_desc->iface;
    const char *modes[2] = {"els", "ls"};
    for (int mo = 0; mo < 2; mo++) {
        void *s = make_patch(modes[mo], 3, "", H, W, 1, train, K);
        ASSERT(s);
        double worst = 0;
        for (int si = 0; si < 2; si++) {
            const double sigma = si ? 1.5 : 0.4;
            EXPECT_EQ(fp->denoise(s, host, x, 1, 0.9, sigma, ox), BASIN_OK);
            EXPECT_EQ(fp->denoise(s, host, y, 1, 0.9, sigma, oy), BASIN_OK);
            /* Pixels whose patch is interior (r = 1 from every edge) in both. */
            for (int i = 1; i + DI < H - 1; i++)
                for (int j = 1; j + DJ < W - 1; j++)
                    worst = fmax(
                        worst, fabs((double)ox[i * W + j] - oy[(i + DI) * W + (j + DJ)]));
        }
        if (mo == 0)
            /* The same query patch against the same pool: only the GEMM row
               position differs, a few float ulps. */
            EXPECT_MSG(worst <= 1e-5, "ELS: shifted output differs by %.2e", worst);
        else
            /* LS uses each location's own patches: the shift changes the
               output by O(0.1) (this is what gives the ELS check its power). */
            EXPECT_MSG(worst > 0.05, "LS: shifted output differs only by %.2e", worst);
        fp->destroy(s);
    }
}

TEST_IMPL(patch_by_hand)
{
    ASSERT(setup());
    /* 1 × 4 images, one channel, patch 3 (r = 1), α = 1, σ = 1, x = 0: a
       training patch p gets weight ∝ exp(−‖p‖²/2). */
    const float train[8] = {1, 2, 0, 0, /* ξ¹ */ 0, 0, 1, 0 /* ξ² */};
    const float x[4] = {0, 0, 0, 0};
    float out[4];
    const basin_score_iface *fp = patch_desc->iface;
    /* LS at pixel 1: ξ¹ patch (1, 2, 0), ‖‖² = 5, centre 2; ξ² (0, 0, 1), 1, 0.
       Pixel 0: ξ¹ (0, 1, 2) 5, centre 1; ξ² (0, 0, 0) 0, centre 0. Pixel 2: ξ¹
       (2, 0, 0) 4, centre 0; ξ² (0, 1, 0) 1, centre 1. Pixel 3: ξ¹ (0, 0, 0) 0,
       centre 0; ξ² (1, 0, 0) 1, centre 0. */
    const double e = exp(1);
    const double ls[4] = {pow(e, -2.5) / (pow(e, -2.5) + 1),
                          2 * pow(e, -2.5) / (pow(e, -2.5) + pow(e, -0.5)),
                          pow(e, -0.5) / (pow(e, -2) + pow(e, -0.5)), 0};
    /* ELS: pixels 1 and 2 share the interior pool of the four patches above
       (both have query 0); pixels 0 and 3 are their own classes (= LS). */
    const double mid = (2 * pow(e, -2.5) + pow(e, -0.5)) /
                       (pow(e, -2.5) + pow(e, -0.5) + pow(e, -2) + pow(e, -0.5));
    const double els[4] = {ls[0], mid, mid, 0};
    const char *modes[2] = {"ls", "els"};
    for (int mo = 0; mo < 2; mo++) {
        void *s = make_patch(modes[mo], 3, "", 1, 4, 1, train, 2);
        ASSERT(s);
        EXPECT_EQ(fp->denoise(s, host, x, 1, 1, 1, out), BASIN_OK);
        const double *want = mo ? els : ls;
        /* Float logits and weights: 1e-6 of entries ≤ 2. */
        for (int p = 0; p < 4; p++)
            EXPECT_MSG(fabs(out[p] - want[p]) <= 1e-6, "%s pixel %d: %.7f, want %.7f",
                       modes[mo], p, (double)out[p], want[p]);
        fp->destroy(s);
    }
}

TEST_IMPL(patch_schedule)
{
    ASSERT(setup());
    enum { H = 4, W = 4, N = 16, K = 7, NS = 3 };
    static float train[K * N], x[NS * N], a[NS * N], b[NS * N];
    host->random_normal(host, BASIN_ROLE_USER, 6, 0, train, K * N);
    host->random_normal(host, BASIN_ROLE_USER, 7, 0, x, NS * N);
    const basin_score_iface *fp = patch_desc->iface;
    void *small = make_patch("ls", 1, "", H, W, 1, train, K);
    void *whole = make_patch("ls", 7, "", H, W, 1, train, K);
    void *sched = make_patch("ls", 3, "1:0.5, 7:2", H, W, 1, train, K);
    ASSERT(small && whole && sched);
    /* σ/α = 0.25 → side 1; 1.25 → 7; 5 (above the last ratio) → 7. */
    const double sigmas[3] = {0.2, 1, 4};
    for (int i = 0; i < 3; i++) {
        void *ref = i == 0 ? small : whole;
        EXPECT_EQ(fp->denoise(ref, host, x, NS, 0.8, sigmas[i], a), BASIN_OK);
        EXPECT_EQ(fp->denoise(sched, host, x, NS, 0.8, sigmas[i], b), BASIN_OK);
        EXPECT_MSG(memcmp(a, b, sizeof a) == 0, "sigma %g: not the scheduled side",
                   sigmas[i]);
    }
    fp->destroy(small);
    fp->destroy(whole);
    fp->destroy(sched);
}

TEST_IMPL(patch_errors)
{
    ASSERT(setup());
    const basin_score_iface *fp = patch_desc->iface;
    void *self = NULL;
    params p = param_defaults(patch_desc);
    set_number(&p, "patch", 4);
    EXPECT_EQ(fp->create(host, p.values, 16, &self), BASIN_EINVAL);
    p = param_defaults(patch_desc);
    set_number(&p, "height", 3);
    set_number(&p, "width", 5);
    EXPECT_EQ(fp->create(host, p.values, 16, &self), BASIN_EINVAL);
    EXPECT(strstr(fake_last_error, "not dim = 16") != NULL);
    const char *bad[] = {"3", "3:1, 5:0.5", "2:1", "3:x", "3:1 5:2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        p = param_defaults(patch_desc);
        set_string(&p, "patch_schedule", bad[i]);
        EXPECT_MSG(fp->create(host, p.values, 16, &self) == BASIN_EINVAL,
                   "schedule '%s' accepted", bad[i]);
    }
    EXPECT(self == NULL);
    /* No shape given: a square when dim is one, else a row. */
    p = param_defaults(patch_desc);
    EXPECT_EQ(fp->create(host, p.values, 16, &self), BASIN_OK);
    fp->destroy(self);
    EXPECT_EQ(fp->create(host, p.values, 15, &self), BASIN_OK);
    float out[15];
    EXPECT_EQ(fp->denoise(self, host, out, 1, 1, 1, out), BASIN_EINVAL); /* no encode */
    fp->destroy(self);
}

TEST_LIST_BEGIN
TEST_ENTRY(patch_whole_image_is_empirical)
TEST_ENTRY(patch_els_equivariant)
TEST_ENTRY(patch_by_hand)
TEST_ENTRY(patch_schedule)
TEST_ENTRY(patch_errors)
TEST_LIST_END
