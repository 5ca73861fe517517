/* measure: overlaps, the overlap rule and the Wilson score interval. */
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "measure/measure.h"

TEST_IMPL(measure_normal_quantile)
{
    /* Φ⁻¹(0.975) = 1.959963984540054, Φ⁻¹(0.5) = 0, Φ⁻¹(0.005) = −2.5758293035489. */
    EXPECT_NEAR(measure_normal_quantile(0.975), 1.959963984540054, 1e-10);
    EXPECT_NEAR(measure_normal_quantile(0.5), 0, 1e-12);
    EXPECT_NEAR(measure_normal_quantile(0.005), -2.5758293035489, 1e-10);
}

TEST_IMPL(measure_rate_interval)
{
    double lo, hi;
    /* Wilson (1927) at 95 %, z = 1.959964, z² = 3.841459, computed by hand from
       (p + z²/2n ± z √(p(1 − p)/n + z²/4n²)) / (1 + z²/n):
       50/100: centre 0.5, half 0.0998627/1.0384146 = 0.096168. */
    measure_rate_interval(50, 100, 0.95, &lo, &hi);
    EXPECT_NEAR(lo, 0.403832, 1e-6);
    EXPECT_NEAR(hi, 0.596168, 1e-6);
    /* 2/20: centre 0.164450, half 0.136584. */
    measure_rate_interval(2, 20, 0.95, &lo, &hi);
    EXPECT_NEAR(lo, 0.027866, 1e-6);
    EXPECT_NEAR(hi, 0.301034, 1e-6);
    /* 0/30: [0, z²/(n + z²)] = [0, 0.113513]: nonzero width at a rate of 0
       (the binomial bootstrap gave [0, 0]). */
    measure_rate_interval(0, 30, 0.95, &lo, &hi);
    EXPECT_NEAR(lo, 0, 0);
    EXPECT_NEAR(hi, 0.113513, 1e-6);
    /* 30/30: [n/(n + z²), 1] = [0.886487, 1]. */
    measure_rate_interval(30, 30, 0.95, &lo, &hi);
    EXPECT_NEAR(lo, 0.886487, 1e-6);
    EXPECT_NEAR(hi, 1, 0);
    /* Large n: close to the normal approximation p ± 1.96 sqrt(p(1-p)/n). */
    measure_rate_interval(3000, 10000, 0.95, &lo, &hi);
    double half = 1.96 * sqrt(0.3 * 0.7 / 10000);
    EXPECT_NEAR(lo, 0.3 - half, 2e-4);
    EXPECT_NEAR(hi, 0.3 + half, 2e-4);
    /* No samples gives NaN bounds. */
    measure_rate_interval(0, 0, 0.95, &lo, &hi);
    EXPECT(isnan(lo));
    EXPECT(isnan(hi));
}

TEST_IMPL(measure_overlaps)
{
    /* Three orthogonal-ish patterns in N = 8 and the states: ξ1, -ξ2 and a mix. */
    enum { N = 8, K = 3 };
    const float xi[K][N] = {
        {1, 1, 1, 1, 1, 1, 1, 1},
        {1, 1, 1, 1, -1, -1, -1, -1},
        {1, 1, -1, -1, 1, 1, -1, -1},
    };
    float states[3][N];
    for (int i = 0; i < N; i++) {
        states[0][i] = xi[0][i];
        states[1][i] = -xi[1][i];
        float s = xi[0][i] + xi[1][i] + xi[2][i];
        states[2][i] = s > 0 ? 1.0f : -1.0f;
    }
    measure_overlap m[3];
    ASSERT_EQ(measure_overlaps(&states[0][0], 3, &xi[0][0], K, N, m), 0);
    /* Pattern 1 retrieved. */
    EXPECT_EQ(m[0].pattern, 0);
    EXPECT_NEAR(m[0].top[0], 1.0, 0);
    EXPECT_NEAR(m[0].top[1], 0.0, 0);
    /* The mirror of pattern 2. */
    EXPECT_EQ(m[1].pattern, 1);
    EXPECT_NEAR(m[1].top[0], -1.0, 0);
    /* sign(ξ1+ξ2+ξ3) has overlap 1/2 with each of three orthogonal patterns. */
    EXPECT_NEAR(fabs(m[2].top[0]), 0.5, 0);
    EXPECT_NEAR(fabs(m[2].top[1]), 0.5, 0);
    EXPECT_NEAR(fabs(m[2].top[2]), 0.5, 0);
    EXPECT_EQ(measure_classify_overlap(&m[0], 1, 0.95), MEASURE_MEMORIZED);
    /* A mirror state is the memory. */
    EXPECT_EQ(measure_classify_overlap(&m[1], 1, 0.95), MEASURE_MEMORIZED);
    EXPECT_EQ(measure_classify_overlap(&m[2], 1, 0.95), MEASURE_SPURIOUS);
    /* Not a fixed point. */
    EXPECT_EQ(measure_classify_overlap(&m[2], 0, 0.95), MEASURE_UNCONVERGED);
    /* Held-out: the mixture is close to a held-out copy of itself: generalized. */
    ASSERT_EQ(measure_heldout_overlaps(&states[0][0], 3, &states[2][0], 1, N, m), 0);
    EXPECT_NEAR(m[2].heldout, 1.0, 0);
    EXPECT_EQ(measure_classify_overlap(&m[2], 1, 0.95), MEASURE_GENERALIZED);
}

TEST_IMPL(measure_overlaps_blocked)
{
    /* Blocked GEMM over more patterns than one block agrees with a direct sum. */
    enum { BN = 64, BK = 2500, BS = 300 };
    float *pat = malloc(sizeof(float) * BK * BN), *st = malloc(sizeof(float) * BS * BN);
    measure_overlap *mo = malloc(sizeof *mo * BS);
    unsigned seed = 12345;
    for (int i = 0; i < BK * BN; i++)
        pat[i] = ((seed = seed * 1103515245u + 12345u) >> 16) & 1 ? 1.0f : -1.0f;
    for (int i = 0; i < BS * BN; i++)
        st[i] = ((seed = seed * 1103515245u + 12345u) >> 16) & 1 ? 1.0f : -1.0f;
    measure_overlaps(st, BS, pat, BK, BN, mo);
    int agree = 1;
    for (int s = 0; s < BS; s++) {
        double best = 0;
        for (int k = 0; k < BK; k++) {
            double d = 0;
            for (int i = 0; i < BN; i++)
                d += st[s * BN + i] * pat[k * BN + i];
            if (fabs(d / BN) > best)
                best = fabs(d / BN);
        }
        agree &= fabs(fabs(mo[s].top[0]) - best) < 1e-12;
    }
    EXPECT_MSG(agree, "blocked overlaps match the direct maximum");
    free(pat);
    free(st);
    free(mo);
}

/* d_m, d_2, d_s, d_h (measure.h: d = ‖x − y‖/√N) on points placed by hand, and
   the pham and ratio rules on them. Tolerance 1e-6 relative: the inputs are
   floats (0.2f, 1.9f carry ~1e-8 rounding); the distances are summed in double. */
#define EXPECT_CLOSE(got, want) EXPECT_NEAR(got, want, 1e-6 * fmax(1, fabs(want)))

TEST_IMPL(measure_distances)
{
    enum { N = 4 };
    const float train[3][N] = {{0, 0, 0, 0}, {2, 0, 0, 0}, {0, 0, 4, 0}};
    const float heldout[1][N] = {{0, 2, 0, 0}};
    const float states[3][N] = {{0, 0, 0, 0.2f}, {1.9f, 0, 0, 0}, {0, 1, 0, 0}};
    measure_distance d[3];
    ASSERT_EQ(
        measure_distances(&states[0][0], 3, &train[0][0], 3, &heldout[0][0], 1, N, d), 0);
    /* Squared distances: s0–t0 0.04, s0–t1 4.04; s1–t1 0.01, s1–t0 3.61;
       s2–t0 1, s2–t1 5, s2–h0 1; s0–s2 1.04, s0–s1 3.65, s1–s2 4.61. */
    EXPECT_EQ(d[0].nearest, 0);
    EXPECT_CLOSE(d[0].d_m, sqrt(0.04 / N));
    EXPECT_CLOSE(d[0].d_2, sqrt(4.04 / N));
    EXPECT_CLOSE(d[0].d_s, sqrt(1.04 / N));
    EXPECT_EQ(d[1].nearest, 1);
    EXPECT_CLOSE(d[1].d_m, sqrt(0.01 / N));
    EXPECT_CLOSE(d[1].d_2, sqrt(3.61 / N));
    EXPECT_CLOSE(d[1].d_s, sqrt(3.65 / N));
    EXPECT_EQ(d[2].nearest, 0);
    EXPECT_CLOSE(d[2].d_m, sqrt(1.0 / N));
    EXPECT_CLOSE(d[2].d_2, sqrt(5.0 / N));
    EXPECT_CLOSE(d[2].d_s, sqrt(1.04 / N));
    EXPECT_CLOSE(d[2].d_h, sqrt(1.0 / N));

    /* pham (δ_m = 0.2): s0 (0.1) and s1 (0.05) are memorized (s1 even
       unconverged); s2 (0.5) is spurious when its d_s (0.51) is within δ_s,
       generalized otherwise, unconverged when it did not converge. */
    EXPECT_EQ(measure_classify_distance(&d[0], 1, MEASURE_PHAM, 0.2, 0.3, 0, 0),
              MEASURE_MEMORIZED);
    EXPECT_EQ(measure_classify_distance(&d[1], 0, MEASURE_PHAM, 0.2, 0.3, 0, 0),
              MEASURE_MEMORIZED);
    EXPECT_EQ(measure_classify_distance(&d[2], 1, MEASURE_PHAM, 0.2, 0.6, 0, 0),
              MEASURE_SPURIOUS);
    EXPECT_EQ(measure_classify_distance(&d[2], 1, MEASURE_PHAM, 0.2, 0.3, 0, -1),
              MEASURE_GENERALIZED);
    EXPECT_EQ(measure_classify_distance(&d[2], 1, MEASURE_PHAM, 0.2, 0.3, 0, 1),
              MEASURE_GENERALIZED);
    EXPECT_EQ(measure_classify_distance(&d[2], 0, MEASURE_PHAM, 0.2, 0.6, 0, 0),
              MEASURE_UNCONVERGED);
    /* Off the support: off_support, after memorized, unconverged and spurious. */
    EXPECT_EQ(measure_classify_distance(&d[2], 1, MEASURE_PHAM, 0.2, 0.3, 0, 0),
              MEASURE_OFF_SUPPORT);
    /* ratio 1/3: d_m/d_2 = 0.0995 (s0: memorized), 0.447 (s2: generalized, or
       off_support off the support); never spurious. */
    EXPECT_EQ(measure_classify_distance(&d[0], 1, MEASURE_RATIO_RULE, 0, 0, 1.0 / 3, 0),
              MEASURE_MEMORIZED);
    EXPECT_EQ(measure_classify_distance(&d[2], 1, MEASURE_RATIO_RULE, 0, 1, 1.0 / 3, -1),
              MEASURE_GENERALIZED);
    EXPECT_EQ(measure_classify_distance(&d[2], 1, MEASURE_RATIO_RULE, 0, 1, 1.0 / 3, 0),
              MEASURE_OFF_SUPPORT);

    /* One training point: no d_2 (NaN), so the ratio rule memorizes nothing; one
       state: no d_s; no held-out data: no d_h. */
    ASSERT_EQ(measure_distances(&states[0][0], 1, &train[0][0], 1, NULL, 0, N, d), 0);
    EXPECT_EQ(d[0].nearest, 0);
    EXPECT(isnan(d[0].d_2));
    EXPECT(isnan(d[0].d_s));
    EXPECT(isnan(d[0].d_h));
    EXPECT_EQ(measure_classify_distance(&d[0], 1, MEASURE_RATIO_RULE, 0, 0, 1.0 / 3, -1),
              MEASURE_GENERALIZED);
}

TEST_LIST_BEGIN
TEST_ENTRY(measure_normal_quantile)
TEST_ENTRY(measure_rate_interval)
TEST_ENTRY(measure_overlaps)
TEST_ENTRY(measure_overlaps_blocked)
TEST_ENTRY(measure_distances)
TEST_LIST_END
