/* measure: overlaps, the overlap rule and the exact bootstrap interval. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "measure/measure.h"

static void intervals(void)
{
    double lo, hi;
    /* Binomial(100, 0.5): P(X <= 39) = 0.0176, P(X <= 40) = 0.0284, and
       P(X <= 59) = 0.9716, P(X <= 60) = 0.9824, so the 95% percentile interval
       of the resampled rate is [0.40, 0.60]. */
    measure_rate_interval(50, 100, 0.95, &lo, &hi);
    CHECK(lo == 0.40 && hi == 0.60, "50/100: [%g, %g], want [0.40, 0.60]", lo, hi);
    /* Binomial(20, 0.1): P(X=0) = 0.1216 > 0.025, P(X <= 4) = 0.9568,
       P(X <= 5) = 0.9887: interval [0, 0.25]. */
    measure_rate_interval(2, 20, 0.95, &lo, &hi);
    CHECK(lo == 0.0 && hi == 0.25, "2/20: [%g, %g], want [0, 0.25]", lo, hi);
    measure_rate_interval(0, 30, 0.95, &lo, &hi);
    CHECK(lo == 0 && hi == 0, "0/30 degenerate: [%g, %g]", lo, hi);
    measure_rate_interval(30, 30, 0.95, &lo, &hi);
    CHECK(lo == 1 && hi == 1, "30/30 degenerate: [%g, %g]", lo, hi);
    /* Large n: close to the normal approximation p ± 1.96 sqrt(p(1-p)/n). */
    measure_rate_interval(3000, 10000, 0.95, &lo, &hi);
    double half = 1.96 * sqrt(0.3 * 0.7 / 10000);
    CHECK(fabs(lo - (0.3 - half)) < 2e-4 && fabs(hi - (0.3 + half)) < 2e-4,
          "3000/10000: [%g, %g], want about [%g, %g]", lo, hi, 0.3 - half, 0.3 + half);
    measure_rate_interval(0, 0, 0.95, &lo, &hi);
    CHECK(isnan(lo) && isnan(hi), "no samples gives NaN bounds");
}

static void overlaps(void)
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
    CHECK(measure_overlaps(&states[0][0], 3, &xi[0][0], K, N, m) == 0, "overlaps");
    CHECK(m[0].pattern == 0 && m[0].top[0] == 1.0 && m[0].top[1] == 0.0,
          "pattern 1 retrieved: pattern %lld m1 %g", (long long)m[0].pattern,
          m[0].top[0]);
    CHECK(m[1].pattern == 1 && m[1].top[0] == -1.0, "mirror of pattern 2: %lld %g",
          (long long)m[1].pattern, m[1].top[0]);
    /* sign(ξ1+ξ2+ξ3) has overlap 1/2 with each of three orthogonal patterns. */
    CHECK(fabs(m[2].top[0]) == 0.5 && fabs(m[2].top[1]) == 0.5 &&
              fabs(m[2].top[2]) == 0.5,
          "3-mixture overlaps %g %g %g", m[2].top[0], m[2].top[1], m[2].top[2]);
    CHECK(measure_classify_overlap(&m[0], 1, 0.95) == MEASURE_MEMORIZED, "memorized");
    CHECK(measure_classify_overlap(&m[1], 1, 0.95) == MEASURE_MEMORIZED,
          "a mirror state is the memory");
    CHECK(measure_classify_overlap(&m[2], 1, 0.95) == MEASURE_SPURIOUS, "spurious");
    CHECK(measure_classify_overlap(&m[2], 0, 0.95) == MEASURE_UNCONVERGED,
          "not a fixed point");
    /* Held-out: the mixture is close to a held-out copy of itself. */
    CHECK(measure_heldout_overlaps(&states[0][0], 3, &states[2][0], 1, N, m) == 0,
          "held-out overlaps");
    CHECK(m[2].heldout == 1.0 &&
              measure_classify_overlap(&m[2], 1, 0.95) == MEASURE_GENERALIZED,
          "generalized: held-out overlap %g", m[2].heldout);

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
    CHECK(agree, "blocked overlaps match the direct maximum");
    free(pat);
    free(st);
    free(mo);
}

/* d_m, d_2, d_s, d_h (measure.h: d = ‖x − y‖/√N) on points placed by hand, and
   the pham and ratio rules on them. Tolerance 1e-6 relative: the inputs are
   floats (0.2f, 1.9f carry ~1e-8 rounding); the distances are summed in double. */
static int near(double got, double want)
{
    return fabs(got - want) <= 1e-6 * fmax(1, fabs(want));
}

static void distances(void)
{
    enum { N = 4 };
    const float train[3][N] = {{0, 0, 0, 0}, {2, 0, 0, 0}, {0, 0, 4, 0}};
    const float heldout[1][N] = {{0, 2, 0, 0}};
    const float states[3][N] = {{0, 0, 0, 0.2f}, {1.9f, 0, 0, 0}, {0, 1, 0, 0}};
    measure_distance d[3];
    CHECK(measure_distances(&states[0][0], 3, &train[0][0], 3, &heldout[0][0], 1, N, d) ==
              0,
          "distances");
    /* Squared distances: s0–t0 0.04, s0–t1 4.04; s1–t1 0.01, s1–t0 3.61;
       s2–t0 1, s2–t1 5, s2–h0 1; s0–s2 1.04, s0–s1 3.65, s1–s2 4.61. */
    CHECK(d[0].nearest == 0 && near(d[0].d_m, sqrt(0.04 / N)) &&
              near(d[0].d_2, sqrt(4.04 / N)) && near(d[0].d_s, sqrt(1.04 / N)),
          "s0: %lld %g %g %g", (long long)d[0].nearest, d[0].d_m, d[0].d_2, d[0].d_s);
    CHECK(d[1].nearest == 1 && near(d[1].d_m, sqrt(0.01 / N)) &&
              near(d[1].d_2, sqrt(3.61 / N)) && near(d[1].d_s, sqrt(3.65 / N)),
          "s1: %lld %g %g %g", (long long)d[1].nearest, d[1].d_m, d[1].d_2, d[1].d_s);
    CHECK(d[2].nearest == 0 && near(d[2].d_m, sqrt(1.0 / N)) &&
              near(d[2].d_2, sqrt(5.0 / N)) && near(d[2].d_s, sqrt(1.04 / N)) &&
              near(d[2].d_h, sqrt(1.0 / N)),
          "s2: %lld %g %g %g %g", (long long)d[2].nearest, d[2].d_m, d[2].d_2, d[2].d_s,
          d[2].d_h);

    /* pham (δ_m = 0.2): s0 (0.1) and s1 (0.05) are memorized; s2 (0.5) is spurious
       when its d_s (0.51) is within δ_s, generalized otherwise. */
    CHECK(measure_classify_distance(&d[0], 1, MEASURE_PHAM, 0.2, 0.3, 0) ==
              MEASURE_MEMORIZED,
          "pham: s0 memorized");
    CHECK(measure_classify_distance(&d[1], 0, MEASURE_PHAM, 0.2, 0.3, 0) ==
              MEASURE_MEMORIZED,
          "pham: s1 memorized even unconverged");
    CHECK(measure_classify_distance(&d[2], 1, MEASURE_PHAM, 0.2, 0.6, 0) ==
              MEASURE_SPURIOUS,
          "pham: s2 spurious at delta_s 0.6");
    CHECK(measure_classify_distance(&d[2], 1, MEASURE_PHAM, 0.2, 0.3, 0) ==
              MEASURE_GENERALIZED,
          "pham: s2 generalized at delta_s 0.3");
    CHECK(measure_classify_distance(&d[2], 0, MEASURE_PHAM, 0.2, 0.6, 0) ==
              MEASURE_UNCONVERGED,
          "pham: s2 unconverged");
    /* ratio 1/3: d_m/d_2 = 0.0995 (s0), 0.447 (s2); never spurious. */
    CHECK(measure_classify_distance(&d[0], 1, MEASURE_RATIO_RULE, 0, 0, 1.0 / 3) ==
              MEASURE_MEMORIZED,
          "ratio: s0 memorized");
    CHECK(measure_classify_distance(&d[2], 1, MEASURE_RATIO_RULE, 0, 1, 1.0 / 3) ==
              MEASURE_GENERALIZED,
          "ratio: s2 generalized");

    /* One training point: no d_2 (NaN), so the ratio rule memorizes nothing; one
       state: no d_s; no held-out data: no d_h. */
    CHECK(measure_distances(&states[0][0], 1, &train[0][0], 1, NULL, 0, N, d) == 0 &&
              d[0].nearest == 0 && isnan(d[0].d_2) && isnan(d[0].d_s) && isnan(d[0].d_h),
          "one point: %g %g %g", d[0].d_2, d[0].d_s, d[0].d_h);
    CHECK(measure_classify_distance(&d[0], 1, MEASURE_RATIO_RULE, 0, 0, 1.0 / 3) ==
              MEASURE_GENERALIZED,
          "ratio without d_2");
}

int main(void)
{
    intervals();
    overlaps();
    distances();
    return check_done("measure");
}
