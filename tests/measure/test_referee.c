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
    measure_overlap m[4] = {{3, {-0.95, 0.1, 0.0}, NAN},
                            {0, {0.2, 0.1, 0.0}, 0.92},
                            {1, {0.5, 0.4, 0.3}, 0.1},
                            {1, {0.5, 0.4, 0.3}, 0.1}};
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
    /* Collapse times without NaN: their count, sum, sum of squares. */
    EXPECT_EQ(st.t_col_n, 2);
    EXPECT_NEAR(st.t_col_sum, 4, 0);
    EXPECT_NEAR(st.t_col_sum2, 10, 0);

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

TEST_LIST_BEGIN
TEST_ENTRY(referee_overlap_rule)
TEST_ENTRY(referee_distance_rules)
TEST_ENTRY(referee_attractors)
TEST_ENTRY(referee_per_job)
TEST_LIST_END
