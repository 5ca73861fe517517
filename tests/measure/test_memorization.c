/*
 * test_memorization — measure/memorization.h: the first crossing of a level with
 * its interval, and the power-law fit of τ against n on synthetic times.
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
TEST_ENTRY(memorization_power_law_synthetic)
TEST_LIST_END
