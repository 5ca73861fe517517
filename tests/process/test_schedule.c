/*
 * test_schedule — core/process/schedule.c: closed forms, derivatives, grids, OU times and
 * the [schedule] validation messages.
 */
#include "process/schedule.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const double pi = 3.14159265358979323846;

static int close_rel(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fabs(b);
}

static schedule make(const char *name, double t_min, double t_max)
{
    schedule s;
    char err[256];
    int rc = schedule_init(&s, name, t_min, t_max, err, sizeof err);
    EXPECT_MSG(rc == BASIN_OK, "schedule_init(%s): %s", name, err);
    return s;
}

/* α, σ at a few times against the formulas of schedule.h, in their textbook form
   (where that form is accurate: σ not small). Tolerance 1e-13 relative: a few ulps
   of exp/cos/sqrt. */
TEST_IMPL(schedule_closed_forms)
{
    double a, sg;
    schedule ou = make("ou", -1, -1);
    for (double t = 0.1; t < 5; t += 0.7) {
        ou.table.at(&ou.table, t, &a, &sg, NULL, NULL);
        EXPECT_MSG(close_rel(a, exp(-t), 1e-13), "ou α(%g) = %.17g", t, a);
        EXPECT_MSG(close_rel(sg, sqrt(1 - exp(-2 * t)), 1e-13), "ou σ(%g) = %.17g", t,
                   sg);
    }
    schedule ddpm = make("ddpm-linear", -1, -1);
    for (double t = 0.1; t <= 1; t += 0.3) {
        /* log ᾱ = −T (β0 t + ½ (β1 − β0) t²), Ho et al. 2020 in continuous time */
        const double abar = exp(-1000 * (1e-4 * t + 0.5 * (0.02 - 1e-4) * t * t));
        ddpm.table.at(&ddpm.table, t, &a, &sg, NULL, NULL);
        EXPECT_MSG(close_rel(a, sqrt(abar), 1e-13), "ddpm α(%g) = %.17g", t, a);
        EXPECT_MSG(close_rel(sg, sqrt(1 - abar), 1e-13), "ddpm σ(%g) = %.17g", t, sg);
    }
    /* ddpm-linear at t = 0.5: −log ᾱ = 0.05 + 2.4875 = 2.5375 (by hand) */
    ddpm.table.at(&ddpm.table, 0.5, &a, NULL, NULL, NULL);
    EXPECT_MSG(close_rel(a, exp(-0.5 * 2.5375), 1e-13), "ddpm α(0.5) = %.17g", a);

    schedule cosine = make("cosine", -1, -1);
    const double s = 0.008;
    for (double t = 0.1; t < 0.99; t += 0.2) {
        /* Nichol & Dhariwal 2021, Eq. 17: ᾱ = f(t)/f(0), f = cos²(π/2 (t+s)/(1+s)) */
        const double f0 = cos(pi / 2 * s / (1 + s)), ft = cos(pi / 2 * (t + s) / (1 + s));
        const double abar = ft * ft / (f0 * f0);
        cosine.table.at(&cosine.table, t, &a, &sg, NULL, NULL);
        EXPECT_MSG(close_rel(a, sqrt(abar), 1e-13), "cosine α(%g) = %.17g", t, a);
        EXPECT_MSG(close_rel(sg, sqrt(1 - abar), 1e-12), "cosine σ(%g) = %.17g", t, sg);
    }
    /* σ/α at the default t_max = 0.99: cos θ(0.99)/cos θ0 = 0.015588, σ/α = 64.16
       (by hand; the schedule's noisiest point, about EDM's σ_max = 80). */
    cosine.table.at(&cosine.table, 0.99, &a, &sg, NULL, NULL);
    EXPECT_MSG(fabs(sg / a - 64.16) < 0.01, "cosine σ/α at 0.99 is %g", sg / a);

    schedule edm = make("edm", -1, -1);
    edm.table.at(&edm.table, 3.5, &a, &sg, NULL, NULL);
    EXPECT_MSG(a == 1 && sg == 3.5, "edm α, σ at 3.5: %g %g", a, sg);

    /* Small t: σ keeps its relative precision (1 − α² in double would lose 9 of
       its 16 digits). Second-order Taylor forms; their relative error is O(t²). */
    const double t = 1e-9;
    ou.table.at(&ou.table, t, NULL, &sg, NULL, NULL);
    EXPECT_MSG(close_rel(sg * sg, 2 * t - 2 * t * t, 1e-12), "ou σ²(1e-9) = %.17g",
               sg * sg);
    ddpm.table.at(&ddpm.table, t, NULL, &sg, NULL, NULL);
    const double L = 1000 * (1e-4 * t + 0.5 * (0.02 - 1e-4) * t * t);
    EXPECT_MSG(close_rel(sg * sg, L - 0.5 * L * L, 1e-12), "ddpm σ²(1e-9) = %.17g",
               sg * sg);
    cosine.table.at(&cosine.table, t, NULL, &sg, NULL, NULL);
    /* σ² = (cos² θ0 − cos² (θ0 + δ))/cos² θ0 ≈ (sin 2θ0 δ + cos 2θ0 δ²)/cos² θ0 */
    const double theta0 = pi / 2 * s / (1 + s), delta = pi / 2 / (1 + s) * t;
    const double want = (sin(2 * theta0) * delta + cos(2 * theta0) * delta * delta) /
                        (cos(theta0) * cos(theta0));
    EXPECT_MSG(close_rel(sg * sg, want, 1e-12), "cosine σ²(1e-9) = %.17g vs %.17g",
               sg * sg, want);
}

/* dα/dt, dσ/dt against central differences (h = 1e-5 t): truncation O(h²) ≈ 1e-10
   relative, rounding ≈ 1e-16/1e-5 = 1e-11; tolerance 1e-7. */
TEST_IMPL(schedule_derivatives)
{
    const char *names[] = {"ddpm-linear", "cosine", "ou", "edm"};
    const double times[][4] = {{0.002, 0.1, 0.5, 0.95},
                               {0.002, 0.1, 0.5, 0.95},
                               {0.002, 0.1, 1.0, 4.5},
                               {0.003, 0.5, 7.0, 70.0}};
    for (int k = 0; k < 4; k++) {
        schedule s = make(names[k], -1, -1);
        for (int j = 0; j < 4; j++) {
            const double t = times[k][j], h = 1e-5 * t;
            double a, sg, da, ds, ap, sp, am, sm;
            s.table.at(&s.table, t, &a, &sg, &da, &ds);
            s.table.at(&s.table, t + h, &ap, &sp, NULL, NULL);
            s.table.at(&s.table, t - h, &am, &sm, NULL, NULL);
            const double fa = (ap - am) / (2 * h), fs = (sp - sm) / (2 * h);
            EXPECT_MSG(fabs(da - fa) <= 1e-7 * (fabs(fa) + 1e-12),
                       "%s dα/dt(%g) = %.12g vs "
                       "finite difference %.12g",
                       names[k], t, da, fa);
            EXPECT_MSG(fabs(ds - fs) <= 1e-7 * fabs(fs),
                       "%s dσ/dt(%g) = %.12g vs finite "
                       "difference %.12g",
                       names[k], t, ds, fs);
        }
    }
}

TEST_IMPL(schedule_grids)
{
    const char *names[] = {"ddpm-linear", "cosine", "ou", "edm"};
    double times[1001];
    for (int k = 0; k < 4; k++) {
        schedule s = make(names[k], -1, -1);
        const uint32_t counts[] = {1, 2, 7, 18, 1000};
        for (int c = 0; c < 5; c++) {
            const uint32_t n = counts[c];
            s.table.grid(&s.table, n, times);
            EXPECT_MSG(times[0] == s.table.t_max && times[n] == s.table.t_min,
                       "%s grid(%u) ends %.17g %.17g", names[k], n, times[0], times[n]);
            int decreasing = 1, uniform = 1;
            for (uint32_t i = 0; i < n; i++) {
                decreasing &= times[i + 1] < times[i];
                const double step = (s.table.t_max - s.table.t_min) / n;
                uniform &= fabs(times[i] - times[i + 1] - step) < 1e-12 * s.table.t_max;
            }
            EXPECT_MSG(decreasing, "%s grid(%u) decreases", names[k], n);
            EXPECT_MSG(uniform == (k != 3 || n == 1), "%s grid(%u) uniform: %d", names[k],
                       n, uniform);
        }
    }
    /* ddpm-linear: 999 steps on [1e-3, 1] are the DDPM steps t = k/1000. */
    schedule ddpm = make("ddpm-linear", -1, -1);
    ddpm.table.grid(&ddpm.table, 999, times);
    int steps_ok = 1;
    for (int i = 0; i <= 999; i++)
        steps_ok &= fabs(times[i] - (1000 - i) / 1000.0) < 1e-14;
    EXPECT_MSG(steps_ok, "ddpm-linear grid(999) is k/1000, k = 1000 … 1");

    /* edm: Karras et al. 2022, Eq. 5 with ρ = 7, σ_min = 0.002, σ_max = 80, here
       with 18 steps (19 times). */
    schedule edm = make("edm", -1, -1);
    edm.table.grid(&edm.table, 18, times);
    int karras = 1;
    for (int i = 0; i <= 18; i++) {
        const double r =
            pow(80, 1 / 7.0) + i / 18.0 * (pow(0.002, 1 / 7.0) - pow(80, 1 / 7.0));
        karras &= close_rel(times[i], pow(r, 7), 1e-13);
    }
    EXPECT_MSG(karras, "edm grid(18) is the ρ = 7 σ grid");
    /* Its midpoint by hand: ((1.86930 + 0.41166)/2)^7 = 1.14048^7 ≈ 2.515 */
    edm.table.grid(&edm.table, 2, times);
    EXPECT_MSG(fabs(times[1] - pow(0.5 * (pow(80, 1 / 7.0) + pow(0.002, 1 / 7.0)), 7)) <
                       1e-12 &&
                   fabs(times[1] - 2.515) < 0.001,
               "edm grid(2) midpoint %.6g", times[1]);
}

TEST_IMPL(schedule_ou_time)
{
    /* ddpm-linear at t = k/1000: t_OU = −½ log ᾱ(t) (Biroli et al. 2024,
       transform_time), with ᾱ = α² from the schedule itself. */
    schedule ddpm = make("ddpm-linear", -1, -1);
    int ok = 1;
    double worst = 0;
    for (int k = 1; k <= 1000; k++) {
        const double t = k / 1000.0;
        double a;
        ddpm.table.at(&ddpm.table, t, &a, NULL, NULL, NULL);
        const double want = -0.5 * log(a * a);
        const double got = ddpm.table.ou_time(&ddpm.table, t);
        const double err = fabs(got - want) / want;
        worst = err > worst ? err : worst;
        ok &= err < 1e-12;
    }
    EXPECT_MSG(ok, "ddpm-linear ou_time(k/1000) = −½ log ᾱ (worst relative error %.3g)",
               worst);
    /* at t = 1: ½ · 1000 (1e-4 + ½ 0.0199) = 5.025 */
    EXPECT_MSG(close_rel(ddpm.table.ou_time(&ddpm.table, 1.0), 5.025, 1e-13),
               "ddpm-linear ou_time(1) = %.17g", ddpm.table.ou_time(&ddpm.table, 1.0));

    schedule ou = make("ou", -1, -1), edm = make("edm", -1, -1);
    schedule cosine = make("cosine", -1, -1);
    EXPECT_MSG(ou.table.ou_time(&ou.table, 1.25) == 1.25, "ou ou_time is t");
    EXPECT_MSG(close_rel(edm.table.ou_time(&edm.table, 80), 0.5 * log(6401), 1e-14),
               "edm ou_time(80) = ½ log(1 + 80²)");
    double a;
    cosine.table.at(&cosine.table, 0.7, &a, NULL, NULL, NULL);
    EXPECT_MSG(close_rel(cosine.table.ou_time(&cosine.table, 0.7), -log(a), 1e-12),
               "cosine ou_time = −log α");

    /* Round trip through from_ou_time; clamped outside the range. */
    const char *names[] = {"ddpm-linear", "cosine", "ou", "edm"};
    for (int k = 0; k < 4; k++) {
        schedule s = make(names[k], -1, -1);
        const basin_schedule *b = &s.table;
        double worst_rt = 0;
        for (int j = 0; j <= 20; j++) {
            const double t = b->t_min + j / 20.0 * (b->t_max - b->t_min);
            const double back = schedule_from_ou_time(b, b->ou_time(b, t));
            const double err = fabs(back - t) / t;
            worst_rt = err > worst_rt ? err : worst_rt;
        }
        EXPECT_MSG(worst_rt < 1e-12, "%s from_ou_time round trip (worst %.3g)", names[k],
                   worst_rt);
        EXPECT_MSG(schedule_from_ou_time(b, 0) == b->t_min &&
                       schedule_from_ou_time(b, 1e3) == b->t_max,
                   "%s from_ou_time clamps to [t_min, t_max]", names[k]);
    }
}

static void expect_error(const char *name, double t_min, double t_max, const char *needle)
{
    schedule s;
    char err[256] = "";
    int rc = schedule_init(&s, name, t_min, t_max, err, sizeof err);
    EXPECT_MSG(rc == BASIN_EINVAL && strstr(err, needle) != NULL &&
                   strchr(err, '\n') == NULL,
               "schedule_init(%s, %g, %g) = %d \"%s\" (want \"%s\")", name, t_min, t_max,
               rc, err, needle);
}

TEST_IMPL(schedule_init)
{
    schedule s = make("ou", -1, -1);
    EXPECT_MSG(strcmp(s.table.name, "ou") == 0 && s.kind == SCHEDULE_OU &&
                   s.table.t_min == 1e-3 && s.table.t_max == 5 && s.table.t_start == 5 &&
                   s.table.struct_size == sizeof(basin_schedule),
               "ou defaults");
    s = make("edm", -1, 100);
    EXPECT_MSG(s.table.t_min == 0.002 && s.table.t_max == 100 && s.kind == SCHEDULE_EDM,
               "edm with t_max = 100");
    s = make("cosine", -1, -1);
    EXPECT_MSG(s.table.t_min == 1e-3 && s.table.t_max == 0.99, "cosine defaults");
    s = make("ddpm-linear", 0.01, -1);
    EXPECT_MSG(s.table.t_min == 0.01 && s.table.t_max == 1, "ddpm-linear t_min = 0.01");

    /* A copy of the table (the host copies it to set t_start) still works. */
    basin_schedule copy = s.table;
    copy.t_start = 0.5;
    double a1, a2;
    copy.at(&copy, 0.5, &a1, NULL, NULL, NULL);
    s.table.at(&s.table, 0.5, &a2, NULL, NULL, NULL);
    EXPECT_MSG(a1 == a2 && copy.ou_time(&copy, 0.5) == s.table.ou_time(&s.table, 0.5),
               "a copied table gives the same α and OU time");

    expect_error("cosin", -1, -1, "unknown schedule 'cosin' (did you mean 'cosine'?)");
    expect_error("ddpm", -1, -1, "did you mean 'ddpm-linear'?");
    expect_error("karras", -1, -1,
                 "unknown schedule 'karras' (one of "
                 "ddpm-linear|cosine|ou|edm)");
    expect_error("ou", 0, -1, "t_min = 0 must be > 0");
    expect_error("ou", 2, 1, "t_min = 2 must be below t_max = 1");
    expect_error("edm", 100, -1, "t_min = 100 must be below t_max = 80");
    expect_error("cosine", -1, 1, "t_max = 1 must be below 1");
    expect_error("ou", -1, 1e6, "α(t_max) = 0 underflows");
    expect_error("ddpm-linear", -1, 100, "α(t_max) = 0 underflows");
    expect_error("ou", NAN, -1, "not a number");
    expect_error("edm", -1, INFINITY, "must be finite");
}

TEST_LIST_BEGIN
TEST_ENTRY(schedule_closed_forms)
TEST_ENTRY(schedule_derivatives)
TEST_ENTRY(schedule_grids)
TEST_ENTRY(schedule_ou_time)
TEST_ENTRY(schedule_init)
TEST_LIST_END
