/* basin_radius with toy dynamics whose basin is known exactly:
 *   binary: return to x* iff fewer than r·dim spins differ, else go to −x*;
 *   real:   snap to x* iff ‖x − x*‖/√dim < R, else stay.
 * The radius must be the largest grid level inside the basin (Pham et al. 2025,
 * `find_opt_time`: the last level recovered with probability ≥ p). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "fake_host.h"
#include "basin/plugin.h"
#include "measure/basin_radius.h"
#include "base/rng.h"

#define SEED 4242u

/* ---------------------------------------------------------- a fake host */

/* tests/fake_host.h's host; every case starts with setup(). */
static fake_host fake;
static const basin_host *const HOST = &fake.host;

/* Every case starts from a fresh fake host: core's Philox streams of SEED, quiet. */
static void setup(void)
{
    fake_host_init(&fake, SEED, FAKE_PHILOX);
    fake.quiet = 1;
}

/* ------------------------------------------------------------ toy dynamics */

typedef struct toy {
    const float *target; /* x* */
    uint32_t dim;
    const double *levels;
    int binary;
    double r;      /* binary: basin edge, fraction of spins */
    double r_most; /* binary: a wider edge for rows r ≥ n_weak */
    int n_weak;
    double radius;   /* real: basin edge, normalized distance */
    int fail_level;  /* ≥ 0: every run fails at this level only */
    int error_level; /* ≥ 0: the callback fails at this level */
    int calls;
    int bad_corruption;   /* a copy whose corruption is not as specified */
    int identical_trials; /* two trials of one level got the same copy */
    uint64_t first_run;
    double checksum; /* Σ of the corrupted copies, all levels */
} toy;

static int dynamics(void *ctx, float *x, uint64_t n, uint32_t level, uint64_t first_run)
{
    toy *t = ctx;
    t->calls++;
    t->first_run = first_run;
    if ((int)level == t->error_level) {
        HOST->error(HOST, "toy dynamics failed");
        return BASIN_ENUMERIC;
    }
    uint32_t dim = t->dim;
    double c = t->levels[level];
    for (uint64_t r = 1; r < n && c > 0; r++)
        if (memcmp(x + r * dim, x, dim * sizeof *x) == 0)
            t->identical_trials = 1;
    for (uint64_t r = 0; r < n; r++) {
        float *y = x + r * dim;
        double d2 = 0;
        uint32_t differ = 0;
        for (uint32_t i = 0; i < dim; i++) {
            double e = (double)y[i] - t->target[i];
            d2 += e * e;
            differ += y[i] != t->target[i];
            t->checksum += y[i] * (double)(i + 1) * (double)(r + 1);
        }
        int back;
        if (t->binary) {
            /* Exactly round(c·dim) spins flipped, nothing else changed. */
            if (differ != (uint32_t)llround(c * dim) || d2 != 4.0 * differ)
                t->bad_corruption = 1;
            back =
                differ < t->r * dim || ((int)r >= t->n_weak && differ < t->r_most * dim);
        } else {
            /* ‖c ε‖/√dim = c·(1 ± 1/√(2 dim)); 10% is > 6 standard deviations
               at dim = 2000 (SD 1.6%). */
            double dist = sqrt(d2 / dim);
            if (fabs(dist - c) > 0.1 * c + 1e-12)
                t->bad_corruption = 1;
            back = dist < t->radius;
        }
        if ((int)level == t->fail_level)
            back = 0;
        for (uint32_t i = 0; i < dim; i++)
            y[i] = back ? t->target[i] : t->binary ? -t->target[i] : y[i];
    }
    return 0;
}

static const double BINARY_LEVELS[] = {0.0,  0.05, 0.10, 0.15, 0.20, 0.25,
                                       0.30, 0.35, 0.40, 0.45, 0.50};
#define N_BINARY 11

static toy binary_toy(const float *target, uint32_t dim)
{
    toy t = {target, dim, BINARY_LEVELS, 1, 0.23, 0.23, 1, 0, -1, -1, 0, 0, 0, 0, 0};
    return t;
}

TEST_IMPL(basin_radius_binary)
{
    setup();
    const uint32_t dim = 100;
    float target[100];
    uint32_t bits[100];
    rng_bits(SEED, 9, 0, 0, bits, dim);
    for (uint32_t i = 0; i < dim; i++)
        target[i] = (bits[i] & 1) ? 1.0f : -1.0f;
    basin_radius_options o = {BINARY_LEVELS, N_BINARY, 10, 0.9, 0.01, 1};
    basin_radius_result res;
    double back[N_BINARY];

    /* Edge 0.23·dim = 23 spins: 20 flipped return, 25 do not → radius 0.20. */
    toy t = binary_toy(target, dim);
    int rc = basin_radius(HOST, target, dim, 3, &o, dynamics, &t, &res, back);
    EXPECT_MSG(rc == 0, "binary: rc %d %s", rc, fake_last_error);
    EXPECT_MSG(res.radius == 0.20 && res.last_passed == 4 && res.first_failed == 5,
               "binary: radius %g last %d failed %d", res.radius, res.last_passed,
               res.first_failed);
    EXPECT_MSG(back[4] == 1.0 && back[5] == 0.0 && isnan(back[6]) && isnan(back[10]),
               "returned fractions %g %g %g", back[4], back[5], back[6]);
    EXPECT_MSG(t.calls == 6, "the scan went on past the failing level: %d calls",
               t.calls);
    EXPECT_MSG(!t.bad_corruption, "a copy did not have round(level·dim) spins flipped");
    EXPECT_MSG(!t.identical_trials, "two trials got the same corruption");
    EXPECT_MSG(t.first_run == 30, "first_run %llu, want attractor·trials = 30",
               (unsigned long long)t.first_run);

    /* Deterministic, and keyed by the attractor index. */
    toy t2 = binary_toy(target, dim);
    basin_radius(HOST, target, dim, 3, &o, dynamics, &t2, &res, NULL);
    EXPECT_MSG(t2.checksum == t.checksum, "not deterministic");
    toy t3 = binary_toy(target, dim);
    basin_radius(HOST, target, dim, 4, &o, dynamics, &t3, &res, NULL);
    EXPECT_MSG(t3.checksum != t.checksum, "attractor index does not key the noise");

    /* The fraction rule: 9 of 10 runs reach 0.33·dim, one only 0.23·dim. With
       p = 0.9 levels 0.25 and 0.30 pass (9/10) and 0.35 fails → 0.30; with
       p = 0.95 level 0.25 fails → 0.20. */
    t = binary_toy(target, dim);
    t.r_most = 0.33;
    rc = basin_radius(HOST, target, dim, 0, &o, dynamics, &t, &res, back);
    EXPECT_MSG(rc == 0 && res.radius == 0.30 && res.first_failed == 7 && back[6] == 0.9,
               "p = 0.9: radius %g returned %g", res.radius, back[6]);
    o.p = 0.95;
    t = binary_toy(target, dim);
    t.r_most = 0.33;
    rc = basin_radius(HOST, target, dim, 0, &o, dynamics, &t, &res, back);
    EXPECT_MSG(rc == 0 && res.radius == 0.20 && res.first_failed == 5 && back[5] == 0.9,
               "p = 0.95: radius %g", res.radius);
    /* p = 0.56 of 25 trials with 14 runs wide: p · trials = 14.000000000000002 in
       floating point, yet 14 returns pass. */
    o.p = 0.56;
    o.trials = 25;
    t = binary_toy(target, dim);
    t.r_most = 0.33;
    t.n_weak = 11;
    rc = basin_radius(HOST, target, dim, 0, &o, dynamics, &t, &res, back);
    EXPECT_MSG(rc == 0 && res.radius == 0.30 && back[6] == 0.56, "p = 0.56: radius %g",
               res.radius);
    o.p = 0.9;
    o.trials = 10;

    /* Stop at the first failure even if a later level would pass. */
    t = binary_toy(target, dim);
    t.fail_level = 2;
    rc = basin_radius(HOST, target, dim, 0, &o, dynamics, &t, &res, back);
    EXPECT_MSG(rc == 0 && res.radius == 0.05 && res.last_passed == 1 &&
                   res.first_failed == 2 && t.calls == 3 && isnan(back[3]),
               "first failure: radius %g, %d calls", res.radius, t.calls);

    /* The first level fails: no radius. */
    t = binary_toy(target, dim);
    t.fail_level = 0;
    rc = basin_radius(HOST, target, dim, 0, &o, dynamics, &t, &res, back);
    EXPECT_MSG(rc == 0 && res.radius == 0 && res.last_passed == -1 &&
                   res.first_failed == 0,
               "level 0 fails: %d %d", res.last_passed, res.first_failed);

    /* Every level passes: first_failed −1, radius the top level. */
    t = binary_toy(target, dim);
    t.r = 0.6;
    rc = basin_radius(HOST, target, dim, 0, &o, dynamics, &t, &res, back);
    EXPECT_MSG(rc == 0 && res.radius == 0.5 && res.first_failed == -1 &&
                   res.last_passed == 10,
               "all pass: %g %d", res.radius, res.first_failed);

    /* The dynamics' error comes back unchanged, with its message. */
    t = binary_toy(target, dim);
    t.error_level = 1;
    rc = basin_radius(HOST, target, dim, 0, &o, dynamics, &t, &res, back);
    EXPECT_MSG(rc == BASIN_ENUMERIC && strstr(fake_last_error, "toy") != NULL,
               "dynamics error: %d", rc);

    /* Cancellation between levels. */
    t = binary_toy(target, dim);
    fake.cancel = 1;
    rc = basin_radius(HOST, target, dim, 0, &o, dynamics, &t, &res, back);
    EXPECT_MSG(rc == BASIN_ECANCELED && t.calls == 0, "cancel: %d", rc);
    fake.cancel = 0;
}

TEST_IMPL(basin_radius_real)
{
    setup();
    const uint32_t dim = 2000;
    float *target = malloc(dim * sizeof *target);
    rng_normal(SEED, 9, 1, 0, target, dim);
    static const double levels[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
    basin_radius_options o = {levels, 10, 10, 0.9, 0.01, 0};
    /* Snap iff within R = 0.45: level 0.4 lands at 0.4 ± 0.0063 (8 SD inside),
       level 0.5 at 0.5 ± 0.0079 (6 SD outside): radius 0.4 on this grid. */
    toy t = {target, dim, levels, 0, 0, 0, 0, 0.45, -1, -1, 0, 0, 0, 0, 0};
    basin_radius_result res;
    double back[10];
    int rc = basin_radius(HOST, target, dim, 7, &o, dynamics, &t, &res, back);
    EXPECT_MSG(rc == 0, "real: rc %d %s", rc, fake_last_error);
    EXPECT_MSG(res.radius == 0.4 && res.last_passed == 3 && res.first_failed == 4,
               "real: radius %g", res.radius);
    EXPECT_MSG(back[3] == 1.0 && back[4] == 0.0, "real: returned %g %g", back[3],
               back[4]);
    EXPECT_MSG(!t.bad_corruption, "noise norm not level·√dim");
    EXPECT_MSG(!t.identical_trials, "two trials got the same noise");
    free(target);
}

TEST_IMPL(basin_radius_bad_options)
{
    setup();
    float x[4] = {1, -1, 1, 1};
    double up[] = {0.1, 0.2}, down[] = {0.2, 0.1}, big[] = {0.1, 0.7};
    basin_radius_result res;
    toy t = binary_toy(x, 4);
    struct {
        basin_radius_options o;
        const char *what;
    } bad[] = {
        {{down, 2, 10, 0.9, 0.01, 1}, "increase"},
        {{big, 2, 10, 0.9, 0.01, 1}, "level 1"},
        {{up, 2, 0, 0.9, 0.01, 1}, "one trial"},
        {{up, 0, 10, 0.9, 0.01, 1}, "one level"},
        {{up, 2, 10, 0.0, 0.01, 1}, "p = 0"},
        {{up, 2, 10, 1.5, 0.01, 1}, "p = 1.5"},
        {{up, 2, 10, 0.9, -1.0, 1}, "delta"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fake_last_error[0] = 0;
        int rc = basin_radius(HOST, x, 4, 0, &bad[i].o, dynamics, &t, &res, NULL);
        EXPECT_MSG(rc == BASIN_EINVAL && strstr(fake_last_error, bad[i].what) != NULL,
                   "case %zu: rc %d, message '%s'", i, rc, fake_last_error);
    }
    EXPECT_MSG(t.calls == 0, "dynamics ran on bad options");
    /* Real states take levels above 0.5. */
    basin_radius_options o = {big, 2, 10, 0.9, 0.01, 0};
    int rc = basin_radius(HOST, x, 4, UINT64_MAX, &o, dynamics, &t, &res, NULL);
    EXPECT_MSG(rc == BASIN_EINVAL && strstr(fake_last_error, "too large"),
               "index overflow");
    rc = basin_radius(HOST, x, 0, 0, &o, dynamics, &t, &res, NULL);
    EXPECT_MSG(rc == BASIN_EINVAL, "dim 0: %d", rc);
}

TEST_LIST_BEGIN
TEST_ENTRY(basin_radius_binary)
TEST_ENTRY(basin_radius_real)
TEST_ENTRY(basin_radius_bad_options)
TEST_LIST_END
