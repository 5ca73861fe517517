/*
 * test_memorization — measure/memorization.h: the first crossing of a level with
 * its interval, its interpolation and censoring, and the power-law and affine fits
 * of τ against n on synthetic times.
 */
#include <math.h>

#include "harness.h"
#include "measure/memorization.h"

/* Steps 100, 200, 400, 800; the rate crosses 0.5 at 400, its upper bound at 200,
   its lower bound at 800. */
TEST_IMPL(memorization_crossing_interval)
{
    const double steps[] = {100, 200, 400, 800};
    const double rate[] = {0.0, 0.3, 0.6, 0.9}, lo[] = {0, 0.1, 0.45, 0.8},
                 hi[] = {0.1, 0.55, 0.75, 0.97};
    memorization_time t = memorization_crossing(steps, rate, lo, hi, 4, 0.5);
    EXPECT_NEAR(t.tau, 400, 0);
    EXPECT_NEAR(t.tau_lo, 200, 0);
    EXPECT_NEAR(t.tau_hi, 800, 0);
    /* never crossed: NaN; the bound that does cross still says so */
    t = memorization_crossing(steps, rate, lo, hi, 4, 0.95);
    EXPECT(isnan(t.tau) && isnan(t.tau_hi));
    EXPECT_NEAR(t.tau_lo, 800, 0);
    /* strictly above: a rate equal to the level does not cross; NaN never does */
    const double flat[] = {NAN, 0.5, 0.5, 0.51};
    t = memorization_crossing(steps, flat, NULL, NULL, 4, 0.5);
    EXPECT_NEAR(t.tau, 800, 0);
    EXPECT_NEAR(t.tau_lo, 800, 0);
}

/* The interpolated crossing: rate 0.3 at 200 and 0.6 at 400 cross 0.5 two thirds
   of the way in ln step, at 200 · 2^(2/3); a rate above the level at the first
   snapshot is censored (no interpolation); a NaN rate before the crossing is
   skipped back to the last real one. */
TEST_IMPL(memorization_crossing_interpolated)
{
    const double steps[] = {100, 200, 400, 800};
    const double rate[] = {0.0, 0.3, 0.6, 0.9};
    memorization_time t = memorization_crossing(steps, rate, NULL, NULL, 4, 0.5);
    EXPECT_NEAR(t.tau_interp, 200 * pow(2, 2.0 / 3), 1e-9);
    EXPECT_EQ(t.censored, 0);
    t = memorization_crossing(steps, rate, NULL, NULL, 4, 0.0);
    EXPECT_EQ(t.censored, 0); /* 0 > 0 fails at 100: the crossing is at 200 */
    EXPECT_NEAR(t.tau_interp, 100 * pow(2, 0), 1e-9);
    const double high[] = {0.95, 0.97, 0.98, 0.99};
    t = memorization_crossing(steps, high, NULL, NULL, 4, 0.9);
    EXPECT_NEAR(t.tau, 100, 0);
    EXPECT_EQ(t.censored, 1);
    EXPECT(isnan(t.tau_interp));
    const double gap[] = {0.2, NAN, 0.8, 0.9};
    t = memorization_crossing(steps, gap, NULL, NULL, 4, 0.5);
    EXPECT_NEAR(t.tau_interp, 100 * pow(4, 0.5), 1e-9);
}

/* τ = 1000 + 6 n exactly: offset and slope back, residual 0; one non-finite point
   left out; fewer than two points or equal n: NaN. */
TEST_IMPL(memorization_affine_synthetic)
{
    double n[5] = {64, 128, 256, 512, 1024}, tau[5];
    for (int k = 0; k < 5; k++)
        tau[k] = 1000 + 6 * n[k];
    memorization_affine f = memorization_affine_fit(n, tau, 5);
    EXPECT_EQ(f.used, 5);
    EXPECT_NEAR(f.offset, 1000, 1e-9);
    EXPECT_NEAR(f.slope, 6, 1e-12);
    EXPECT_NEAR(f.max_residual, 0, 1e-12);
    tau[4] = NAN;
    tau[0] *= 1.1; /* a residual now */
    f = memorization_affine_fit(n, tau, 5);
    EXPECT_EQ(f.used, 4);
    EXPECT_MSG(f.max_residual > 0.01 && f.max_residual < 0.1, "residual %g",
               f.max_residual);
    f = memorization_affine_fit(n, tau, 1);
    EXPECT(isnan(f.slope));
    const double same[2] = {64, 64}, two[2] = {1, 2};
    f = memorization_affine_fit(same, two, 2);
    EXPECT(isnan(f.slope));
}

/* τ = 37 n exactly: a = 1, c = 37, SE 0 (to rounding); with the multiplicative
   noise exp(±0.1) alternating over n = 2^k the slope moves by less than its SE
   times 3 from the true 0.8 and the SE matches the closed form. */
TEST_IMPL(memorization_power_law_synthetic)
{
    double n[6], tau[6];
    for (int k = 0; k < 6; k++) {
        n[k] = 32.0 * pow(2, k);
        tau[k] = 37 * n[k];
    }
    memorization_fit f = memorization_power_law(n, tau, 6);
    EXPECT_EQ(f.used, 6);
    EXPECT_NEAR(f.exponent, 1, 1e-12);
    EXPECT_NEAR(f.prefactor, 37, 1e-9);
    EXPECT_NEAR(f.se, 0, 1e-7);
    for (int k = 0; k < 6; k++)
        tau[k] = 5 * pow(n[k], 0.8) * exp(k % 2 ? 0.1 : -0.1);
    f = memorization_power_law(n, tau, 6);
    EXPECT_MSG(fabs(f.exponent - 0.8) < 3 * f.se, "a = %g ± %g", f.exponent, f.se);
    /* the residuals ±0.1 about the fit are nearly all the noise: SE ≈
       √(Σr²/4 / Σ(ln n − mean)²) with Σ(ln n − mean)² = 17.5 (ln 2)² */
    const double sxx = 17.5 * log(2) * log(2);
    EXPECT_MSG(f.se > 0.5 * sqrt(6 * 0.01 / 4 / sxx) && f.se < sqrt(6 * 0.01 / 4 / sxx),
               "se %g", f.se);
    /* non-finite or non-positive points are left out; two points fit exactly */
    tau[2] = NAN;
    tau[3] = 0;
    tau[4] = INFINITY;
    tau[5] = -1;
    f = memorization_power_law(n, tau, 6);
    EXPECT_EQ(f.used, 2);
    EXPECT(isnan(f.se));
    EXPECT_NEAR(f.exponent, log(tau[1] / tau[0]) / log(2), 1e-12);
    f = memorization_power_law(n, tau, 1);
    EXPECT(isnan(f.exponent));
}

TEST_LIST_BEGIN
TEST_ENTRY(memorization_crossing_interval)
TEST_ENTRY(memorization_crossing_interpolated)
TEST_ENTRY(memorization_affine_synthetic)
TEST_ENTRY(memorization_power_law_synthetic)
TEST_LIST_END
