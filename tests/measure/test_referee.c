/* measure/referee: each state's class under each rule, and a point's tally.
   One case by name: build/tests/measure/test-referee referee_attractors (--list
   names them). */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "measure/referee.h"
#include "registry/param.h"
#include "recipe/sections.h"

static void defaults(basin_value *v)
{
    for (int k = 0; k < MEASURE_N_PARAMS; k++)
        v[k] = param_default(&measure_params[k]);
    v[MEASURE_THRESHOLD].number = 0.9;
    v[MEASURE_DELTA_M].number = 0.1;
    v[MEASURE_DELTA_S].number = 0.1;
    v[MEASURE_RATIO].number = 1.0 / 3;
}

TEST_IMPL(referee_overlap_rule)
{
    basin_value v[MEASURE_N_PARAMS];
    defaults(v);
    /* On a pattern (a mirror image counts), on a held-out pattern, neither. */
    measure_overlap m[4] = {{3, {-0.95, 0.1, 0.0, NAN, NAN}, NAN, NAN, 0},
                            {0, {0.2, 0.1, 0.0, NAN, NAN}, 0.92, NAN, 0},
                            {1, {0.5, 0.4, 0.3, NAN, NAN}, 0.1, NAN, 0},
                            {1, {0.5, 0.4, 0.3, NAN, NAN}, 0.1, NAN, 0}};
    basin_outcome out[4] = {{10, 0}, {10, 1}, {10, 1}, {10, 0}};
    referee_batch b = {.n = 4, .rule = MEASURE_OVERLAP, .overlap = m, .outcome = out};
    measure_class cls[4];
    referee_classify(&b, v, cls);
    EXPECT_EQ(cls[0], MEASURE_MEMORIZED);   /* |m| = 0.95 >= 0.9, unconverged */
    EXPECT_EQ(cls[1], MEASURE_GENERALIZED); /* held-out m = 0.92 */
    EXPECT_EQ(cls[2], MEASURE_SPURIOUS);    /* a fixed point on no pattern */
    EXPECT_EQ(cls[3], MEASURE_UNCONVERGED); /* no fixed point */

    point_stats st;
    memset(&st, 0, sizeof st);
    referee_count(&b, cls, v, &st);
    /* One of each class counted. */
    EXPECT_EQ(st.samples, 4);
    EXPECT_EQ(st.counts[MEASURE_MEMORIZED], 1);
    EXPECT_EQ(st.counts[MEASURE_SPURIOUS], 1);
    EXPECT_EQ(st.counts[MEASURE_GENERALIZED], 1);
    EXPECT_EQ(st.counts[MEASURE_UNCONVERGED], 1);
    /* The overlap rule counts no distances. */
    EXPECT_NEAR(st.d_m_sum, 0, 0);
    EXPECT_EQ(st.ratio_memorized, 0);
    /* One job's record, with its counts. */
    EXPECT_EQ(st.jobs_n, 1);
    EXPECT_EQ(st.jobs[0].samples, 4);
    referee_stats_free(&st);
}

TEST_IMPL(referee_distance_rules)
{
    basin_value v[MEASURE_N_PARAMS];
    defaults(v);
    /* d_m ≤ δ_m; d_s ≤ δ_s; far from everything; d_m/d_2 = 0.25 < 1/3 but
       d_m > δ_m. */
    measure_distance d[4] = {{0, 0.05, 1.0, 1.0, NAN},
                             {1, 0.5, 0.6, 0.05, NAN},
                             {2, 0.5, 0.6, 0.5, NAN},
                             {3, 0.2, 0.8, 0.5, NAN}};
    double d_pair[4] = {0.1, 0.2, 0.3, 0.4}, cos_pair[4] = {0.9, NAN, 0.7, 0.5};
    double t_col_ou[4] = {1.0, NAN, 3.0, NAN};
    referee_batch b = {.n = 4,
                       .rule = MEASURE_PHAM,
                       .dist = d,
                       .d_pair = d_pair,
                       .cos_pair = cos_pair,
                       .t_col_ou = t_col_ou};
    measure_class cls[4];
    referee_classify(&b, v, cls);
    /* pham: memorized, spurious, generalized, generalized. */
    EXPECT_EQ(cls[0], MEASURE_MEMORIZED);
    EXPECT_EQ(cls[1], MEASURE_SPURIOUS);
    EXPECT_EQ(cls[2], MEASURE_GENERALIZED);
    EXPECT_EQ(cls[3], MEASURE_GENERALIZED);
    point_stats st;
    memset(&st, 0, sizeof st);
    referee_count(&b, cls, v, &st);
    EXPECT_EQ(st.ratio_memorized, 2); /* the ratio rule's count beside pham */
    EXPECT_NEAR(st.d_m_sum, 1.25, 1e-12);
    /* Pairs with a NaN cosine are skipped. */
    EXPECT_EQ(st.pair_n, 3);
    EXPECT_NEAR(st.pair_d_sum, 0.8, 1e-12);
    EXPECT_NEAR(st.pair_cos_sum, 2.1, 1e-12);
    /* Every tracked trajectory is kept, NaN (never reached) included. */
    EXPECT_EQ(st.traj_n, 4);
    EXPECT_NEAR(st.traj[2].t_ou[REFEREE_COLLAPSE], 3.0, 0);
    referee_time_stats ts;
    referee_time_stats_of(&st, REFEREE_COLLAPSE, &ts);
    EXPECT_EQ(ts.never, 2);
    EXPECT(isnan(ts.mean)); /* no estimate with trajectories missing */
    referee_stats_free(&st);

    b.rule = MEASURE_RATIO_RULE;
    referee_classify(&b, v, cls);
    /* ratio: memorized by d_m/d_2 only. */
    EXPECT_EQ(cls[0], MEASURE_MEMORIZED);
    EXPECT_EQ(cls[1], MEASURE_GENERALIZED);
    EXPECT_EQ(cls[3], MEASURE_MEMORIZED);
}

TEST_IMPL(referee_attractors)
{
    basin_value v[MEASURE_N_PARAMS];
    defaults(v);
    /* On a training point; on a held-out point; on the law's support; neither.
       d_s ≤ δ_s would make a final state spurious: attractors ignore it. */
    measure_distance d[4] = {{0, 0.05, 1.0, 0.0, NAN},
                             {1, 0.5, 0.6, 0.0, 0.05},
                             {2, 0.5, 0.6, 0.0, 0.5},
                             {3, 0.5, 0.6, 0.0, 0.5}};
    double law[4] = {NAN, NAN, 0.01, 0.5};
    referee_batch b = {.n = 4, .rule = MEASURE_PHAM, .dist = d};
    measure_class cls[4];
    referee_classify_attractors(&b, law, v, cls);
    EXPECT_EQ(cls[0], MEASURE_MEMORIZED);
    EXPECT_EQ(cls[1], MEASURE_GENERALIZED); /* held-out */
    EXPECT_EQ(cls[2], MEASURE_GENERALIZED); /* on the law's support */
    EXPECT_EQ(cls[3], MEASURE_SPURIOUS);
    referee_classify_attractors(&b, NULL, v, cls);
    EXPECT_EQ(cls[2], MEASURE_SPURIOUS); /* without a law distance */
}

TEST_IMPL(referee_per_job)
{
    point_stats st;
    memset(&st, 0, sizeof st);
    referee_count_theory(&st, NAN, NAN, COLLAPSE_BASIS_NONE);
    EXPECT_EQ(st.theory_n, 0); /* no known law: not counted */
    referee_count_theory(&st, 2.0, 1.0, COLLAPSE_BASIS_EMPIRICAL);
    referee_count_theory(&st, 4.0, 3.0, COLLAPSE_BASIS_EMPIRICAL);
    /* Closed forms summed over jobs, with what they rest on. */
    EXPECT_EQ(st.theory_n, 2);
    EXPECT_EQ(st.theory_basis, COLLAPSE_BASIS_EMPIRICAL);
    EXPECT_STR_EQ(collapse_basis_name(st.theory_basis), "gaussian-approx");
    EXPECT_NEAR(st.t_theory_sum, 6, 0);
    EXPECT_NEAR(st.t_speciation_sum, 4, 0);

    uint64_t same[2] = {3, 5}, n[2] = {10, 10};
    double time[2] = {0.5, NAN}, time_ou[2] = {0.25, NAN};
    referee_count_clones(&st, 2, same, n, time, time_ou);
    referee_count_clones(&st, 2, same, n, time, time_ou);
    /* Clones summed over jobs, their times kept. */
    EXPECT_EQ(st.clone_same[0], 6);
    EXPECT_EQ(st.clone_n[1], 20);
    EXPECT_NEAR(st.clone_time[0], 0.5, 0);
    EXPECT_NEAR(st.clone_time_ou[0], 0.25, 0);
    EXPECT_MSG(isnan(st.clone_time[1]), "clone_time[1] = %g", st.clone_time[1]);

    landscape_result land;
    memset(&land, 0, sizeof land);
    referee_count_landscape(&st, &land);
    EXPECT_EQ(st.landscape_jobs, 0); /* a job that grouped nothing counts for nothing */
    land.n_grouped = 10;
    land.n_attractors = 3;
    land.by_class[MEASURE_SPURIOUS] = 2;
    referee_count_landscape(&st, &land);
    /* A job's attractors counted. */
    EXPECT_EQ(st.landscape_jobs, 1);
    EXPECT_EQ(st.attractors, 3);
    EXPECT_EQ(st.attractors_by_class[MEASURE_SPURIOUS], 2);
}

/* Count one job of four trajectories (times t, all started at OU time 5) into st. */
static void count_times(point_stats *st, uint64_t job, const double *t,
                        const int64_t *winner)
{
    basin_value v[MEASURE_N_PARAMS];
    defaults(v);
    measure_distance d[4] = {{0, 0.5, 1, 1, NAN},
                             {0, 0.5, 1, 1, NAN},
                             {1, 0.5, 1, 1, NAN},
                             {1, 0.5, 1, 1, NAN}};
    double start[4] = {5, 5, 5, 5};
    measure_class cls[4] = {MEASURE_GENERALIZED, MEASURE_GENERALIZED, MEASURE_GENERALIZED,
                            MEASURE_GENERALIZED};
    referee_batch b = {.n = 4,
                       .rule = MEASURE_PHAM,
                       .dist = d,
                       .t_col_ou = t,
                       .t_near_ou = t,
                       .t_first_ou = t,
                       .t_start_ou = start,
                       .winner = winner,
                       .job = job};
    EXPECT_EQ(referee_count(&b, cls, v, st), BASIN_OK);
}

TEST_IMPL(referee_collapse_times)
{
    point_stats st;
    memset(&st, 0, sizeof st);
    referee_time_stats t;
    /* Two clusters of two (winners 0 and 1): mean 2.5, and the cluster sums of
       the deviations are −2 and +2, so SE = √((4 + 4) · 2/1) / 4 = 1 (the plain
       sd/√n would be 0.645). */
    double t1[4] = {1, 2, 3, 4};
    int64_t w[4] = {0, 0, 1, 1};
    count_times(&st, 0, t1, w);
    referee_time_stats_of(&st, REFEREE_COLLAPSE, &t);
    EXPECT_EQ(t.n, 4);
    EXPECT_NEAR(t.mean, 2.5, 1e-15);
    EXPECT_NEAR(t.se, 1.0, 1e-15);
    EXPECT_NEAR(t.median, 2.5, 0);
    /* A second job with the same times: the jobs' means agree (no spread), so
       the variance is the jobs' own cluster sums, 16 + 16, over n² = 64. */
    count_times(&st, 1, t1, w);
    referee_time_stats_of(&st, REFEREE_NEAREST, &t);
    EXPECT_NEAR(t.se, sqrt(32.0) / 8, 1e-15);
    referee_stats_free(&st);
    /* Two jobs 10 apart (means 2.5 and 12.5): the spread of the jobs' means
       dominates, SE = sd(2.5, 12.5)/√2 = 5. */
    double t10[4] = {11, 12, 13, 14};
    count_times(&st, 0, t1, w);
    count_times(&st, 1, t10, w);
    referee_time_stats_of(&st, REFEREE_COLLAPSE, &t);
    EXPECT_NEAR(t.mean, 7.5, 1e-15);
    EXPECT_NEAR(t.se, 5, 1e-14);
    referee_stats_free(&st);

    /* One time at the start (5) is censored: no mean, the median is still the
       middle of the others (the censored one is above them all). */
    double t2[4] = {1, 2, 3, 5};
    count_times(&st, 0, t2, w);
    referee_time_stats_of(&st, REFEREE_FIRST_PASSAGE, &t);
    EXPECT_EQ(t.censored, 1);
    EXPECT_MSG(isnan(t.mean) && isnan(t.se), "mean %g, se %g", t.mean, t.se);
    EXPECT_NEAR(t.median, 2.5, 0);
    referee_stats_free(&st);
    /* Half censored: no median either. */
    double t3[4] = {1, 2, 5, 5};
    count_times(&st, 0, t3, w);
    referee_time_stats_of(&st, REFEREE_COLLAPSE, &t);
    EXPECT_EQ(t.censored, 2);
    EXPECT_MSG(isnan(t.median), "median %g", t.median);
    referee_stats_free(&st);
    /* Never reached (NaN): below every time; one of four leaves the median. */
    double t4[4] = {NAN, 2, 3, 4};
    count_times(&st, 0, t4, w);
    referee_time_stats_of(&st, REFEREE_COLLAPSE, &t);
    EXPECT_EQ(t.never, 1);
    EXPECT_MSG(isnan(t.mean), "mean %g", t.mean);
    EXPECT_NEAR(t.median, 2.5, 0);
    referee_stats_free(&st);
    EXPECT_EQ(st.traj_n, 0);
}

TEST_IMPL(referee_before_denoise)
{
    basin_value v[MEASURE_N_PARAMS];
    defaults(v);
    /* After the denoise all three sit on training points; before it, one is
       within δ_m = 0.1, one only passes the ratio rule (0.2/0.8 < 1/3), one
       passes neither, and one has no state before a denoise (NaN). */
    measure_distance d[4] = {
        {0, 0, 1, 1, NAN}, {1, 0, 1, 1, NAN}, {2, 0, 1, 1, NAN}, {3, 0, 1, 1, NAN}};
    measure_distance before[4] = {{0, 0.05, 1, NAN, NAN},
                                  {1, 0.2, 0.8, NAN, NAN},
                                  {2, 0.5, 0.6, NAN, NAN},
                                  {-1, NAN, NAN, NAN, NAN}};
    referee_batch b = {.n = 4, .rule = MEASURE_PHAM, .dist = d, .before = before};
    measure_class cls[4];
    referee_classify(&b, v, cls);
    point_stats st;
    memset(&st, 0, sizeof st);
    EXPECT_EQ(referee_count(&b, cls, v, &st), BASIN_OK);
    EXPECT_EQ(st.counts[MEASURE_MEMORIZED], 4); /* the verdict after the denoise */
    EXPECT_EQ(st.before_n, 3);
    EXPECT_EQ(st.before_memorized, 1);       /* pham: d_m ≤ 0.1 */
    EXPECT_EQ(st.before_ratio_memorized, 2); /* ratio: d_m/d_2 < 1/3 */
    b.rule = MEASURE_RATIO_RULE;
    referee_stats_free(&st);
    memset(&st, 0, sizeof st);
    EXPECT_EQ(referee_count(&b, cls, v, &st), BASIN_OK);
    EXPECT_EQ(st.before_memorized, 2); /* the recipe's rule is the ratio rule */
    referee_stats_free(&st);
}

TEST_LIST_BEGIN
TEST_ENTRY(referee_overlap_rule)
TEST_ENTRY(referee_distance_rules)
TEST_ENTRY(referee_attractors)
TEST_ENTRY(referee_per_job)
TEST_ENTRY(referee_collapse_times)
TEST_ENTRY(referee_before_denoise)
TEST_LIST_END
