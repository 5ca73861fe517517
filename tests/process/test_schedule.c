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
    /* ddpm-scaled-linear, Stable Diffusion's β range (diffusers' scaled_linear:
       √β linear from √0.00085 to √0.012): −log ᾱ(t) = T ∫₀ᵗ β, and at t = 1
       T (b0² + b0 (b1 − b0) + ⅓ (b1 − b0)²) = T (b0² + b0 b1 + b1²)/3 = 4.5159… */
    schedule sd;
    char why[256];
    EXPECT_EQ(schedule_init_betas(&sd, "ddpm-scaled-linear", -1, -1, NULL, -1, 0.00085,
                                  0.012, why, sizeof why),
              BASIN_OK);
    const double b0 = sqrt(0.00085), b1 = sqrt(0.012);
    const double L1 = 1000 * (b0 * b0 + b0 * b1 + b1 * b1) / 3;
    sd.table.at(&sd.table, 1, &a, &sg, NULL, NULL);
    EXPECT_MSG(close_rel(a, exp(-0.5 * L1), 1e-13) &&
                   close_rel(sg, sqrt(-expm1(-L1)), 1e-13),
               "ddpm-scaled-linear α(1) = %.17g, want %.17g", a, exp(-0.5 * L1));
    /* the discrete ᾱ of diffusers, Π (1 − β_k) over its 1000 β's, is the same to
       about ½ Σ β_k² ≈ 0.02 in log: check it to 0.05 */
    double log_abar = 0;
    for (int k = 0; k < 1000; k++) {
        const double b = b0 + (b1 - b0) * k / 999.0;
        log_abar += log1p(-b * b);
    }
    EXPECT_MSG(fabs(-2 * log(a) + log_abar) < 0.05,
               "ddpm-scaled-linear −log ᾱ(1) %.5f vs diffusers' discrete %.5f",
               -2 * log(a), -log_abar);
    /* explicit default β's give the default schedule's bytes */
    schedule d1 = make("ddpm-linear", -1, -1), d2;
    EXPECT_EQ(schedule_init_betas(&d2, "ddpm-linear", -1, -1, NULL, -1, 1e-4, 0.02, why,
                                  sizeof why),
              BASIN_OK);
    double t1[51], t2[51];
    d1.table.grid(&d1.table, 50, t1);
    d2.table.grid(&d2.table, 50, t2);
    EXPECT_MSG(memcmp(t1, t2, sizeof t1) == 0, "beta_start = 1e-4, beta_end = 0.02 is "
                                               "the default ddpm-linear");

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
    const char *names[] = {"ddpm-linear", "cosine", "ou", "edm", "ddpm-scaled-linear"};
    const double times[][4] = {{0.002, 0.1, 0.5, 0.95},
                               {0.002, 0.1, 0.5, 0.95},
                               {0.002, 0.1, 1.0, 4.5},
                               {0.003, 0.5, 7.0, 70.0},
                               {0.002, 0.1, 0.5, 0.95}};
    for (int k = 0; k < 5; k++) {
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

static schedule make_grid(const char *name, double t_min, double t_max, const char *grid,
                          double rho)
{
    schedule s;
    char err[256];
    int rc = schedule_init_grid(&s, name, t_min, t_max, grid, rho, err, sizeof err);
    EXPECT_MSG(rc == BASIN_OK, "schedule_init_grid(%s, %s, %g): %s", name, grid, rho,
               err);
    return s;
}

/* λ = σ/α at time t of s. */
static double ratio(const schedule *s, double t)
{
    double a, sg;
    s->table.at(&s->table, t, &a, &sg, NULL, NULL);
    return sg / a;
}

/* The uniform grid: equal steps in t; for ddpm-linear 999 steps on [1e-3, 1] are the
   DDPM steps t = k/1000. */
TEST_IMPL(schedule_grid_uniform)
{
    const char *names[] = {"ddpm-linear", "cosine", "ou", "edm", "ddpm-scaled-linear"};
    double times[1001];
    for (int k = 0; k < 5; k++) {
        schedule s = make_grid(names[k], -1, -1, "uniform", -1);
        const uint32_t counts[] = {1, 2, 7, 18, 1000};
        for (int c = 0; c < 5; c++) {
            const uint32_t n = counts[c];
            s.table.grid(&s.table, n, times);
            int uniform = 1;
            const double step = (s.table.t_max - s.table.t_min) / n;
            for (uint32_t i = 0; i < n; i++)
                uniform &= fabs(times[i] - times[i + 1] - step) < 1e-12 * s.table.t_max;
            EXPECT_MSG(uniform, "%s uniform grid(%u) has equal steps", names[k], n);
        }
    }
    schedule ddpm = make_grid("ddpm-linear", -1, -1, "uniform", -1);
    ddpm.table.grid(&ddpm.table, 999, times);
    int steps_ok = 1;
    for (int i = 0; i <= 999; i++)
        steps_ok &= fabs(times[i] - (1000 - i) / 1000.0) < 1e-14;
    EXPECT_MSG(steps_ok, "ddpm-linear uniform grid(999) is k/1000, k = 1000 … 1");
}

/*
 * Every schedule × grid × ρ × step count: the ends exact (t_max, t_min), strictly
 * decreasing, and the spacing the grid promises, read back through λ = σ/α of the
 * times themselves (so the closed-form inverse t(λ) is checked too): log — equal
 * steps in log λ; karras — equal steps in λ^{1/ρ}. Tolerance 1e-9 of the step:
 * t(λ) and λ(t) are each accurate to a few ulps, times a condition number d log λ /
 * d log t ≤ about 1e3 at the ends of these ranges.
 */
TEST_IMPL(schedule_grid_spacing)
{
    const char *names[] = {"ddpm-linear", "cosine", "ou", "edm", "ddpm-scaled-linear"};
    const char *grids[] = {"uniform", "log", "karras"};
    const double rhos[] = {1, 3, 7, 50, 1000};
    const uint32_t counts[] = {1, 2, 7, 50, 1000};
    static double times[1001];
    for (int k = 0; k < 5; k++)
        for (int g = 0; g < 3; g++)
            for (int r = 0; r < (g == 2 ? 5 : 1); r++) {
                const double rho = g == 2 ? rhos[r] : -1;
                schedule s = make_grid(names[k], -1, -1, grids[g], rho);
                for (int c = 0; c < 5; c++) {
                    const uint32_t n = counts[c];
                    s.table.grid(&s.table, n, times);
                    EXPECT_MSG(times[0] == s.table.t_max && times[n] == s.table.t_min,
                               "%s %s ρ %g grid(%u) ends %.17g %.17g", names[k], grids[g],
                               rho, n, times[0], times[n]);
                    int decreasing = 1, spaced = 1;
                    double worst = 0;
                    for (uint32_t i = 0; i < n; i++)
                        decreasing &= times[i + 1] < times[i];
                    const double l_max = ratio(&s, s.table.t_max);
                    const double l_min = ratio(&s, s.table.t_min);
                    for (uint32_t i = 0; g > 0 && i < n; i++) {
                        const double a = ratio(&s, times[i]), b = ratio(&s, times[i + 1]);
                        double got, want;
                        if (g == 1) {
                            got = log(a) - log(b);
                            want = (log(l_max) - log(l_min)) / n;
                        } else {
                            got = pow(a, 1 / rho) - pow(b, 1 / rho);
                            want = (pow(l_max, 1 / rho) - pow(l_min, 1 / rho)) / n;
                        }
                        const double e = fabs(got / want - 1);
                        worst = e > worst ? e : worst;
                        spaced &= e < 1e-9;
                    }
                    EXPECT_MSG(decreasing, "%s %s ρ %g grid(%u) decreases", names[k],
                               grids[g], rho, n);
                    EXPECT_MSG(spaced,
                               "%s %s ρ %g grid(%u): worst relative step error %.3g",
                               names[k], grids[g], rho, n, worst);
                }
            }
}

/* The karras grid by hand, and what the default grid is for. */
TEST_IMPL(schedule_grid_karras)
{
    double times[51];
    /* edm: Karras et al. 2022, Eq. 5 with ρ = 7, σ_min = 0.002, σ_max = 80, here
       with 18 steps (19 times). */
    schedule edm = make("edm", -1, -1);
    EXPECT_MSG(edm.grid == SCHEDULE_GRID_KARRAS && edm.rho == 7,
               "the default grid is karras, ρ = 7");
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

    /* ou on [1e-3, 5], 50 steps: λ_min = √expm1(0.002) = 0.0447437, λ_max =
       √expm1(10) = 148.410; λ_49 = (r_max + 49/50 (r_min − r_max))^7 = 0.0603530
       (r = λ^{1/7}: 2.04301, 0.641419), so t_49 = ½ log1p(λ_49²) = 0.00181793 and
       the last step divides λ by 1.34886. */
    schedule ou = make("ou", -1, -1);
    ou.table.grid(&ou.table, 50, times);
    EXPECT_MSG(close_rel(times[49], 0.0018179325946809, 1e-9), "ou karras t_49 = %.17g",
               times[49]);
    EXPECT_MSG(
        close_rel(ratio(&ou, times[49]) / ratio(&ou, times[50]), 1.3488590913085, 1e-9),
        "ou karras last step");
    /* log grid, 2 steps: the midpoint is √(λ_min λ_max) = 2.57690, t = 1.01673 */
    schedule ou_log = make_grid("ou", -1, -1, "log", -1);
    ou_log.table.grid(&ou_log.table, 2, times);
    EXPECT_MSG(close_rel(times[1], 1.016725470401862, 1e-12), "ou log midpoint %.17g",
               times[1]);
    /* The closed-form inverses t(λ) at λ = 1 (α² = ½), by hand: ddpm-linear solves
       0.1 t + 9.95 t² = log 2, t = (−0.1 + √27.5955)/19.9 = 0.258960; cosine has
       cos θ = cos θ0/√2, θ = 0.785453, t = θ · 2.016/π − 0.008 = 0.496050. On a range
       from λ = 1/4 to λ = 4 (its ends by the same closed forms) the log grid of 2
       steps puts its midpoint at λ = 1. */
    schedule dd =
        make_grid("ddpm-linear", 0.07319366177808728, 0.5286136207084806, "log", -1);
    dd.table.grid(&dd.table, 2, times);
    EXPECT_MSG(close_rel(times[1], 0.2589602624327966, 1e-12),
               "ddpm-linear t(λ = 1) = %.17g", times[1]);
    schedule cs = make_grid("cosine", 0.14940526661619843, 0.8428065396050057, "log", -1);
    cs.table.grid(&cs.table, 2, times);
    EXPECT_MSG(close_rel(times[1], 0.4960498639669405, 1e-12), "cosine t(λ = 1) = %.17g",
               times[1]);
    double a;
    cs.table.at(&cs.table, times[1], &a, NULL, NULL, NULL);
    EXPECT_MSG(close_rel(a * a, 0.5, 1e-12), "cosine α²(t(λ = 1)) = %.17g", a * a);

    /* The default grid keeps the last step small against σ on every schedule's
       default range at 50 steps (heun's and ddim's default; λ_{49}/λ_{50} by
       hand: ou 1.349, edm 1.615, ddpm-linear 1.490, cosine 1.450), where the
       uniform grid's is 10.6, 801, 7.69 and 6.71. */
    const char *names[] = {"ddpm-linear", "cosine", "ou", "edm"};
    const double want_karras[] = {1.4900, 1.4502, 1.3489, 1.6150};
    const double want_uniform[] = {7.6878, 6.7091, 10.573, 800.98};
    for (int k = 0; k < 4; k++) {
        schedule s = make(names[k], -1, -1),
                 u = make_grid(names[k], -1, -1, "uniform", -1);
        s.table.grid(&s.table, 50, times);
        const double last = ratio(&s, times[49]) / ratio(&s, times[50]);
        u.table.grid(&u.table, 50, times);
        const double last_u = ratio(&u, times[49]) / ratio(&u, times[50]);
        EXPECT_MSG(fabs(last - want_karras[k]) < 1e-4 &&
                       fabs(last_u / want_uniform[k] - 1) < 1e-4,
                   "%s: last step divides λ by %.5g (karras), %.5g (uniform)", names[k],
                   last, last_u);
    }

    /* λ beyond 1e154 (λ² overflows): ou up to t = 400, every grid time finite. */
    schedule far = make_grid("ou", -1, 400, "log", -1);
    static double many[101];
    far.table.grid(&far.table, 100, many);
    int finite = 1;
    for (int i = 0; i < 100; i++)
        finite &= isfinite(many[i + 1]) && many[i + 1] < many[i];
    EXPECT_MSG(finite &&
                   close_rel(many[1], 400 - 0.01 * (400 - 0.5 * log(expm1(2e-3))), 1e-9),
               "ou log grid to t = 400: t_1 = %.17g", many[1]);
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
    const char *names[] = {"ddpm-linear", "cosine", "ou", "edm", "ddpm-scaled-linear"};
    for (int k = 0; k < 5; k++) {
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
                 "unknown schedule 'karras' (k-diffusion's name; in basin: [schedule] "
                 "name = \"edm\", grid = \"karras\"");
    expect_error("scaled_linear", -1, -1,
                 "(diffusers' name; in basin: [schedule] name = \"ddpm-scaled-linear\")");
    expect_error("fancy", -1, -1,
                 "unknown schedule 'fancy' (one of "
                 "ddpm-linear|cosine|ou|edm|ddpm-scaled-linear)");
    expect_error("ou", 0, -1, "t_min = 0 must be > 0");
    expect_error("ou", 2, 1, "t_min = 2 must be below t_max = 1");
    expect_error("edm", 100, -1, "t_min = 100 must be below t_max = 80");
    expect_error("cosine", -1, 1, "t_max = 1 must be below 1");
    expect_error("ou", -1, 1e6, "α(t_max) = 0 underflows");
    expect_error("ddpm-linear", -1, 100, "α(t_max) = 0 underflows");
    expect_error("ou", NAN, -1, "not a number");
    expect_error("edm", -1, INFINITY, "must be finite");

    char err[256] = "";
    EXPECT_MSG(
        schedule_init_grid(&s, "ou", -1, -1, "karas", -1, err, sizeof err) ==
                BASIN_EINVAL &&
            strcmp(err, "unknown schedule grid 'karas' (did you mean 'karras'?)") == 0,
        "grid typo: %s", err);
    EXPECT_MSG(schedule_init_grid(&s, "ou", -1, -1, "geometric", -1, err, sizeof err) ==
                       BASIN_EINVAL &&
                   strcmp(err, "unknown schedule grid 'geometric' (one of "
                               "uniform|log|karras)") == 0,
               "unknown grid: %s", err);
    EXPECT_MSG(schedule_init_grid(&s, "ou", -1, -1, "karras", 0.5, err, sizeof err) ==
                       BASIN_EINVAL &&
                   strcmp(err, "schedule rho = 0.5 must be in [1, 1000]") == 0,
               "rho below 1: %s", err);
    EXPECT_MSG(schedule_init_grid(&s, "ou", -1, -1, "karras", NAN, err, sizeof err) ==
                       BASIN_EINVAL &&
                   strstr(err, "not a number") != NULL,
               "rho NaN: %s", err);
    EXPECT_MSG(schedule_init_betas(&s, "ou", -1, -1, NULL, -1, 1e-3, -1, err,
                                   sizeof err) == BASIN_EINVAL &&
                   strstr(err, "apply to ddpm-linear and ddpm-scaled-linear, not ou"),
               "beta_start on ou: %s", err);
    EXPECT_MSG(schedule_init_betas(&s, "ddpm-linear", -1, -1, NULL, -1, 0.02, 0.01, err,
                                   sizeof err) == BASIN_EINVAL &&
                   strstr(err, "need 0 < beta_start < beta_end < 1"),
               "beta_start > beta_end: %s", err);
    EXPECT_MSG(schedule_init_grid(&s, "ou", -1, -1, "exponential", -1, err, sizeof err) ==
                       BASIN_EINVAL &&
                   strstr(err, "in basin: [schedule] grid = \"log\""),
               "k-diffusion's exponential grid: %s", err);
    /* A copy of the whole schedule (not only its table) keeps its grid. */
    schedule a = make_grid("ou", -1, -1, "log", -1), b = a;
    double ta[3], tb[3];
    a.table.grid(&a.table, 2, ta);
    b.table.grid(&b.table, 2, tb);
    EXPECT_MSG(memcmp(ta, tb, sizeof ta) == 0 && b.grid == SCHEDULE_GRID_LOG,
               "a copied schedule keeps its grid");
}

TEST_LIST_BEGIN
TEST_ENTRY(schedule_closed_forms)
TEST_ENTRY(schedule_derivatives)
TEST_ENTRY(schedule_grid_uniform)
TEST_ENTRY(schedule_grid_spacing)
TEST_ENTRY(schedule_grid_karras)
TEST_ENTRY(schedule_ou_time)
TEST_ENTRY(schedule_init)
TEST_LIST_END
