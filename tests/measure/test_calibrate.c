/* measure/calibrate and measure/spurious, and the referee with them: the
   quantile's definition, calibrated thresholds on hand-computed cases, the support
   test, spurious clusters, a spurious rate that does not drift with the sample
   count, and the cluster bootstrap. One case by name:
   build/tests/measure/test-calibrate calibrate_n_independent (--list names them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "harness.h"
#include "measure/calibrate.h"
#include "measure/referee.h"
#include "measure/spurious.h"
#include "recipe/sections.h"
#include "registry/param.h"

TEST_IMPL(calibrate_quantile_definition)
{
    /* Q(p) = x_(⌈p·m⌉) (Hyndman & Fan 1996, definition 1), x_(1) below 1/m. */
    double v[5] = {5, 1, 4, 2, 3};
    EXPECT_NEAR(calibrate_quantile(v, 5, 0.01), 1, 0);
    EXPECT_NEAR(calibrate_quantile(v, 5, 0.2), 1, 0);  /* ⌈1⌉ = 1 */
    EXPECT_NEAR(calibrate_quantile(v, 5, 0.21), 2, 0); /* ⌈1.05⌉ = 2 */
    EXPECT_NEAR(calibrate_quantile(v, 5, 0.5), 3, 0);  /* ⌈2.5⌉ = 3 */
    EXPECT_NEAR(calibrate_quantile(v, 5, 0.99), 5, 0);
    EXPECT(isnan(calibrate_quantile(v, 0, 0.5)));
}

TEST_IMPL(calibrate_hand_computed)
{
    /* dim 1: training points 0 and 10; held-out points 1, 2, 4, 7. */
    const float train[2] = {0, 10}, held[4] = {1, 2, 4, 7};
    double d;
    /* d_m of the held-out points: 1, 2, 4, 3 → Q(0.25) = 1, Q(0.5) = 2. */
    ASSERT_EQ(calibrate_delta_m(held, 4, train, 2, 1, 0.25, &d), BASIN_OK);
    EXPECT_NEAR(d, 1, 1e-12);
    ASSERT_EQ(calibrate_delta_m(held, 4, train, 2, 1, 0.5, &d), BASIN_OK);
    EXPECT_NEAR(d, 2, 1e-12);
    /* Leave-one-out nearest neighbours within the held-out set: 1, 1, 2, 3;
       δ_h = Q(1 − q): q = 0.25 → Q(0.75) = 2; q = 0.01 → 3. */
    ASSERT_EQ(calibrate_delta_h(held, 4, 1, 0.25, &d), BASIN_OK);
    EXPECT_NEAR(d, 2, 1e-12);
    ASSERT_EQ(calibrate_delta_h(held, 4, 1, 0.01, &d), BASIN_OK);
    EXPECT_NEAR(d, 3, 1e-12);
    /* δ_s for n = 2: subsets {1, 2} and {4, 7}: NN distances 1, 1, 3, 3 →
       Q(0.5) = 1, Q(0.75) = 3. n = 4: one subset, as δ_h's distances. */
    ASSERT_EQ(calibrate_delta_s(held, 4, 2, 1, 0.5, &d), BASIN_OK);
    EXPECT_NEAR(d, 1, 1e-12);
    ASSERT_EQ(calibrate_delta_s(held, 4, 2, 1, 0.75, &d), BASIN_OK);
    EXPECT_NEAR(d, 3, 1e-12);
    /* Fewer held-out points than samples: refused. */
    EXPECT_EQ(calibrate_delta_s(held, 4, 5, 1, 0.5, &d), BASIN_EINVAL);
    /* Distances are normalized by √N: the same points in dim 4 (each value in
       every coordinate) give the same thresholds. */
    float train4[8], held4[16];
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < 2; i++)
            train4[i * 4 + k] = train[i];
        for (int i = 0; i < 4; i++)
            held4[i * 4 + k] = held[i];
    }
    ASSERT_EQ(calibrate_delta_m(held4, 4, train4, 2, 4, 0.5, &d), BASIN_OK);
    EXPECT_NEAR(d, 2, 1e-6);
}

TEST_IMPL(calibrate_job_rules)
{
    const float train[2] = {0, 10}, held[4] = {1, 2, 4, 7};
    calibration c;
    char err[512];
    /* pham, auto: all three calibrated at q. */
    ASSERT_EQ(calibrate_job(&c, NAN, NAN, 0.5, 1, 0, train, 2, held, 4, 2, 1,
                            "dataset.heldout", err, sizeof err),
              BASIN_OK);
    EXPECT_NEAR(c.delta_m, 2, 1e-12);
    EXPECT_NEAR(c.delta_s, 1, 1e-12);
    EXPECT_NEAR(c.delta_h, 1, 1e-12); /* Q(1 − 0.5) of 1, 1, 2, 3: x_(2) */
    EXPECT_NEAR(c.quantile, 0.5, 0);
    EXPECT_EQ(c.support, CALIBRATE_SUPPORT_HELDOUT);
    EXPECT_EQ(c.fallback_m + c.fallback_s, 0);
    /* Absolute numbers stand. */
    ASSERT_EQ(calibrate_job(&c, 0.3, 0.4, 0.5, 1, 0, train, 2, held, 4, 2, 1,
                            "dataset.heldout", err, sizeof err),
              BASIN_OK);
    EXPECT_NEAR(c.delta_m, 0.3, 0);
    EXPECT_NEAR(c.delta_s, 0.4, 0);
    /* n > held-out points: refused, naming measure.delta_s, n and the key. */
    EXPECT_EQ(calibrate_job(&c, NAN, NAN, 0.5, 1, 0, train, 2, held, 4, 8, 1,
                            "dataset.heldout", err, sizeof err),
              BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "measure.delta_s");
    EXPECT_STR_CONTAINS(err, "n = 8");
    EXPECT_STR_CONTAINS(err, "dataset.heldout");
    /* No held-out split: the fallback, the support not judged. */
    ASSERT_EQ(calibrate_job(&c, NAN, NAN, 0.5, 1, 0, train, 2, NULL, 0, 8, 1,
                            "dataset.heldout", err, sizeof err),
              BASIN_OK);
    EXPECT_NEAR(c.delta_m, CALIBRATE_FALLBACK, 0);
    EXPECT_NEAR(c.delta_s, CALIBRATE_FALLBACK, 0);
    EXPECT(c.fallback_m && c.fallback_s);
    EXPECT_EQ(c.support, CALIBRATE_SUPPORT_NONE);
    EXPECT(isnan(c.quantile));
    EXPECT_EQ(calibrate_on_support(&c, 0.5, NAN), -1);
    /* A law: d_law ≤ δ_m; the ratio rule without a law needs no δ_m. */
    ASSERT_EQ(calibrate_job(&c, 0.05, NAN, 0.5, 0, 1, train, 2, NULL, 0, 8, 1,
                            "dataset.heldout", err, sizeof err),
              BASIN_OK);
    EXPECT_EQ(c.support, CALIBRATE_SUPPORT_LAW);
    EXPECT_EQ(calibrate_on_support(&c, NAN, 0.04), 1);
    EXPECT_EQ(calibrate_on_support(&c, NAN, 0.06), 0);
    ASSERT_EQ(calibrate_job(&c, NAN, NAN, 0.5, 0, 0, train, 2, NULL, 0, 8, 1,
                            "dataset.heldout", err, sizeof err),
              BASIN_OK);
    EXPECT(isnan(c.delta_m) && !c.fallback_m);
}

TEST_IMPL(spurious_clusters)
{
    /* dim 1, δ_s = 1 (normalized = raw in dim 1): spurious states at 0, 0.8, 1.6
       (a chain: one cluster by single linkage, though 0 and 1.6 are 1.6 apart),
       5 and 5.5 (another), 9 (alone); a generalized state at 0.4 between them
       does not join anything. */
    const float x[7] = {0, 0.4f, 0.8f, 5, 1.6f, 9, 5.5f};
    measure_class cls[7] = {MEASURE_SPURIOUS, MEASURE_GENERALIZED, MEASURE_SPURIOUS,
                            MEASURE_SPURIOUS, MEASURE_SPURIOUS,    MEASURE_SPURIOUS,
                            MEASURE_SPURIOUS};
    spurious_result s;
    ASSERT_EQ(spurious_group(x, 7, 1, cls, 1.0, &s), BASIN_OK);
    ASSERT_EQ(s.n_clusters, 3);
    /* In the order of their lowest sample: {0, 2, 4}, {3, 6}, {5}. */
    EXPECT_EQ(s.clusters[0].size, 3);
    EXPECT_EQ(s.clusters[0].representative, 0);
    EXPECT_EQ(s.clusters[1].size, 2);
    EXPECT_EQ(s.clusters[1].representative, 3);
    EXPECT_EQ(s.clusters[2].size, 1);
    EXPECT_EQ(s.clusters[2].representative, 5);
    const int64_t want[7] = {0, -1, 0, 1, 0, 2, 1};
    for (int i = 0; i < 7; i++)
        EXPECT_EQ(s.cluster[i], want[i]);
    spurious_free(&s);
    /* Many states across SGEMM blocks (256): pairs 1e-3 apart, pairs far from
       each other, give n/2 clusters of 2. */
    enum { M = 600, D = 8 };
    float *y = malloc(sizeof(float) * M * D);
    measure_class *all = malloc(sizeof *all * M);
    ASSERT_NOT_NULL(y);
    ASSERT_NOT_NULL(all);
    for (int i = 0; i < M; i++) {
        all[i] = MEASURE_SPURIOUS;
        for (int k = 0; k < D; k++)
            y[i * D + k] = (float)(10 * (i / 2) + (k == 0 && i % 2 ? 1e-3 : 0));
    }
    ASSERT_EQ(spurious_group(y, M, D, all, 0.01, &s), BASIN_OK);
    EXPECT_EQ(s.n_clusters, M / 2);
    EXPECT_EQ(s.cluster[M - 1], M / 2 - 1);
    spurious_free(&s);
    free(y);
    free(all);
}

/* ---------------------------------------------------- n-independence */

enum { N = 16, LATENT = 2, K = 50, HELD = 2048, JOBS = 20 };

/* A draw from the law: a standard normal on a LATENT-dimensional subspace (the
   first coordinates) of R^N, scaled by √N so normalized distances are O(1). */
static void law_draw(uint64_t seed, uint64_t index, uint64_t step, float *x)
{
    float z[LATENT];
    rng_normal(seed, BASIN_ROLE_DATASET, index, step, z, LATENT);
    memset(x, 0, sizeof(float) * N);
    for (int k = 0; k < LATENT; k++)
        x[k] = z[k] * 4.0f;
}

/* One job of the fixed model at n samples: a fraction 0.3 of its samples fall
   into one of three non-training attractors (off the law's plane), the rest are
   fresh draws from the law. Counts the job into st twice: the calibrated rule
   (st_auto) and the old fixed rule δ_s = fixed (st_fixed). */
static void model_job(uint64_t seed, uint64_t job, uint64_t n, double fixed,
                      point_stats *st_auto, point_stats *st_fixed)
{
    float *train = malloc(sizeof(float) * K * N);
    float *held = malloc(sizeof(float) * HELD * N);
    float *x = malloc(sizeof(float) * n * N);
    measure_distance *d = malloc(sizeof *d * n);
    measure_class *cls = malloc(sizeof *cls * n);
    ASSERT_MSG(train && held && x && d && cls, "out of memory");
    for (uint64_t i = 0; i < K; i++)
        law_draw(seed, i, 0, train + i * N);
    for (uint64_t i = 0; i < HELD; i++)
        law_draw(seed, i, 1, held + i * N);
    for (uint64_t i = 0; i < n; i++) {
        double u;
        rng_uniform(seed, BASIN_ROLE_SAMPLER, i, 0, &u, 1);
        if (u < 0.3) {
            float jitter[N];
            rng_normal(seed, BASIN_ROLE_SAMPLER, i, 1, jitter, N);
            int a = (int)(u / 0.1); /* attractor a sits at 2 + a on coordinate N-1 */
            for (size_t k = 0; k < N; k++)
                x[i * N + k] = 1e-3f * jitter[k] + (k == N - 1 ? (float)(2 + a) * 4 : 0);
        } else {
            law_draw(seed, i, 2, x + i * N);
        }
    }
    ASSERT_EQ(measure_distances(x, n, train, K, held, HELD, N, d), BASIN_OK);
    basin_value v[MEASURE_N_PARAMS];
    for (int k = 0; k < MEASURE_N_PARAMS; k++)
        v[k] = param_default(&measure_params[k]);
    calibration c;
    char err[512];
    ASSERT_EQ(calibrate_job(&c, NAN, NAN, 0.01, 1, 0, train, K, held, HELD, n, N,
                            "dataset.heldout", err, sizeof err),
              BASIN_OK);
    referee_batch b = {.n = n, .rule = MEASURE_PHAM, .dist = d, .cal = &c, .job = job};
    referee_classify(&b, v, cls);
    referee_count(&b, cls, v, st_auto);
    c.delta_s = fixed;
    referee_classify(&b, v, cls);
    referee_count(&b, cls, v, st_fixed);
    free(train);
    free(held);
    free(x);
    free(d);
    free(cls);
}

TEST_IMPL(calibrate_n_independent)
{
    /* The same model at n = 64, 256, 1024 samples, 20 jobs (seeds) each. The
       calibrated δ_s follows n (n i.i.d. law draws are spurious at ≈ q = 1 %), so
       the spurious rate is ≈ 0.3 + 0.7·0.01 at every n: the intervals (Wilson
       hulled with the cluster bootstrap over the jobs) must overlap pairwise.
       The old rule keeps δ_s fixed (here: the calibrated value at n = 64, where
       both rules agree); the chance that a law draw has another within it grows
       about as n, to ≈ 15 % of the law draws at n = 1024 (a rise of ≈ 0.1 in the
       rate): its interval at 1024 must lie wholly above its interval at 64. */
    static const uint64_t NS[3] = {64, 256, 1024};
    point_stats st_auto[3], st_fixed[3];
    memset(st_auto, 0, sizeof st_auto);
    memset(st_fixed, 0, sizeof st_fixed);
    /* The fixed δ_s: the mean calibrated δ_s at n = 64 over the jobs. */
    double fixed = 0;
    for (uint64_t j = 0; j < JOBS; j++) {
        double ds;
        float *held = malloc(sizeof(float) * HELD * N);
        ASSERT_NOT_NULL(held);
        for (uint64_t i = 0; i < HELD; i++)
            law_draw(rng_job_seed(1, j), i, 1, held + i * N);
        ASSERT_EQ(calibrate_delta_s(held, HELD, 64, N, 0.01, &ds), BASIN_OK);
        fixed += ds / JOBS;
        free(held);
    }
    for (int s = 0; s < 3; s++)
        for (uint64_t j = 0; j < JOBS; j++)
            model_job(rng_job_seed(1 + (uint64_t)s * 100, j), j, NS[s], fixed,
                      &st_auto[s], &st_fixed[s]);
    double lo_a[3][MEASURE_N_CLASSES], hi_a[3][MEASURE_N_CLASSES];
    double lo_f[3][MEASURE_N_CLASSES], hi_f[3][MEASURE_N_CLASSES];
    double rate_a[3], rate_f[3];
    for (int s = 0; s < 3; s++) {
        referee_class_intervals(&st_auto[s], 0.95, 1, (size_t)s, lo_a[s], hi_a[s]);
        referee_class_intervals(&st_fixed[s], 0.95, 1, (size_t)s, lo_f[s], hi_f[s]);
        rate_a[s] =
            (double)st_auto[s].counts[MEASURE_SPURIOUS] / (double)st_auto[s].samples;
        rate_f[s] =
            (double)st_fixed[s].counts[MEASURE_SPURIOUS] / (double)st_fixed[s].samples;
        printf("# n = %llu: calibrated %.3f [%.3f, %.3f], fixed %.3f [%.3f, %.3f]\n",
               (unsigned long long)NS[s], rate_a[s], lo_a[s][MEASURE_SPURIOUS],
               hi_a[s][MEASURE_SPURIOUS], rate_f[s], lo_f[s][MEASURE_SPURIOUS],
               hi_f[s][MEASURE_SPURIOUS]);
        /* The calibrated rate near the model's 0.307. */
        EXPECT_NEAR(rate_a[s], 0.307, 0.06);
    }
    for (int s = 0; s < 3; s++)
        for (int t = s + 1; t < 3; t++) {
            EXPECT_MSG(lo_a[s][MEASURE_SPURIOUS] <= hi_a[t][MEASURE_SPURIOUS] &&
                           lo_a[t][MEASURE_SPURIOUS] <= hi_a[s][MEASURE_SPURIOUS],
                       "calibrated intervals at n = %llu and %llu do not overlap",
                       (unsigned long long)NS[s], (unsigned long long)NS[t]);
        }
    EXPECT_MSG(lo_f[2][MEASURE_SPURIOUS] > hi_f[0][MEASURE_SPURIOUS],
               "the fixed rule did not drift: %.3f at n = 1024 vs %.3f at 64", rate_f[2],
               rate_f[0]);
    for (int s = 0; s < 3; s++) {
        referee_stats_free(&st_auto[s]);
        referee_stats_free(&st_fixed[s]);
    }
}

/* ---------------------------------------------------- the cluster bootstrap */

/* A point of jobs with spurious counts hits[k] of n each. */
static void point_of(point_stats *st, const uint64_t *hits, int jobs, uint64_t n)
{
    memset(st, 0, sizeof *st);
    basin_value v[MEASURE_N_PARAMS];
    for (int k = 0; k < MEASURE_N_PARAMS; k++)
        v[k] = param_default(&measure_params[k]);
    measure_overlap *o = malloc(sizeof *o * n);
    measure_class *cls = malloc(sizeof *cls * n);
    ASSERT_MSG(o && cls, "out of memory");
    for (int j = 0; j < jobs; j++) {
        for (uint64_t i = 0; i < n; i++)
            cls[i] = i < hits[j] ? MEASURE_SPURIOUS : MEASURE_GENERALIZED;
        referee_batch b = {
            .n = n, .rule = MEASURE_OVERLAP, .overlap = o, .job = (uint64_t)j};
        referee_count(&b, cls, v, st);
    }
    free(o);
    free(cls);
}

TEST_IMPL(referee_cluster_bootstrap)
{
    double lo[MEASURE_N_CLASSES], hi[MEASURE_N_CLASSES], lo2[MEASURE_N_CLASSES],
        hi2[MEASURE_N_CLASSES], wl, wh;
    point_stats st;
    /* Two jobs, 0 and 100 of 100 spurious: a resample holds both (rate 0.5,
       probability 1/2), or one twice (0 or 1, 1/4 each): the 2.5 % and 97.5 %
       percentiles are 0 and 1, far wider than Wilson's [0.431, 0.569] for
       100/200 (which treats the 200 states as independent). */
    const uint64_t split[2] = {0, 100};
    point_of(&st, split, 2, 100);
    ASSERT_EQ(st.jobs_n, 2);
    referee_class_intervals(&st, 0.95, 7, 3, lo, hi);
    EXPECT_NEAR(lo[MEASURE_SPURIOUS], 0, 0);
    EXPECT_NEAR(hi[MEASURE_SPURIOUS], 1, 0);
    /* Deterministic: the same seed and point give the same interval. */
    referee_class_intervals(&st, 0.95, 7, 3, lo2, hi2);
    for (int c = 0; c < MEASURE_N_CLASSES; c++) {
        EXPECT(lo[c] == lo2[c] || (isnan(lo[c]) && isnan(lo2[c])));
        EXPECT(hi[c] == hi2[c] || (isnan(hi[c]) && isnan(hi2[c])));
    }
    referee_stats_free(&st);
    /* Identical jobs: every resample has the pooled rate, so the hull is
       Wilson's interval of the pooled counts, exactly. */
    const uint64_t same[4] = {10, 10, 10, 10};
    point_of(&st, same, 4, 50);
    referee_class_intervals(&st, 0.95, 7, 0, lo, hi);
    measure_rate_interval(40, 200, 0.95, &wl, &wh);
    EXPECT_NEAR(lo[MEASURE_SPURIOUS], wl, 0);
    EXPECT_NEAR(hi[MEASURE_SPURIOUS], wh, 0);
    referee_stats_free(&st);
    /* Spread jobs: never narrower than Wilson, and deterministic across calls
       with other points in between. */
    const uint64_t spread[6] = {2, 30, 5, 21, 9, 14};
    point_of(&st, spread, 6, 40);
    referee_class_intervals(&st, 0.95, 11, 4, lo, hi);
    referee_class_intervals(&st, 0.95, 11, 5, lo2, hi2);
    referee_class_intervals(&st, 0.95, 11, 4, lo2, hi2);
    measure_rate_interval(81, 240, 0.95, &wl, &wh);
    EXPECT(lo[MEASURE_SPURIOUS] <= wl && hi[MEASURE_SPURIOUS] >= wh);
    EXPECT(hi[MEASURE_SPURIOUS] - lo[MEASURE_SPURIOUS] > wh - wl);
    EXPECT_NEAR(lo[MEASURE_SPURIOUS], lo2[MEASURE_SPURIOUS], 0);
    EXPECT_NEAR(hi[MEASURE_SPURIOUS], hi2[MEASURE_SPURIOUS], 0);
    referee_stats_free(&st);
}

TEST_LIST_BEGIN
TEST_ENTRY(calibrate_quantile_definition)
TEST_ENTRY(calibrate_hand_computed)
TEST_ENTRY(calibrate_job_rules)
TEST_ENTRY(spurious_clusters)
TEST_ENTRY(calibrate_n_independent)
TEST_ENTRY(referee_cluster_bootstrap)
TEST_LIST_END
