/* measure/referee: each state's class under each rule, and a point's tally. */
#include <math.h>
#include <string.h>

#include "check.h"
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

static void overlap_rule(void)
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
    CHECK(cls[0] == MEASURE_MEMORIZED, "|m| = 0.95 >= 0.9, unconverged: memorized (%d)",
          cls[0]);
    CHECK(cls[1] == MEASURE_GENERALIZED, "held-out m = 0.92: generalized (%d)", cls[1]);
    CHECK(cls[2] == MEASURE_SPURIOUS, "a fixed point on no pattern: spurious (%d)",
          cls[2]);
    CHECK(cls[3] == MEASURE_UNCONVERGED, "no fixed point: unconverged (%d)", cls[3]);

    point_stats st;
    memset(&st, 0, sizeof st);
    referee_count(&b, cls, v, &st);
    CHECK(st.samples == 4 && st.counts[MEASURE_MEMORIZED] == 1 &&
              st.counts[MEASURE_SPURIOUS] == 1 && st.counts[MEASURE_GENERALIZED] == 1 &&
              st.counts[MEASURE_UNCONVERGED] == 1,
          "one of each class counted (%llu samples)", (unsigned long long)st.samples);
    CHECK(st.d_m_sum == 0 && st.ratio_memorized == 0,
          "the overlap rule counts no distances");
}

static void distance_rules(void)
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
    CHECK(cls[0] == MEASURE_MEMORIZED && cls[1] == MEASURE_SPURIOUS &&
              cls[2] == MEASURE_GENERALIZED && cls[3] == MEASURE_GENERALIZED,
          "pham: memorized, spurious, generalized, generalized (%d %d %d %d)", cls[0],
          cls[1], cls[2], cls[3]);
    point_stats st;
    memset(&st, 0, sizeof st);
    referee_count(&b, cls, v, &st);
    CHECK(st.ratio_memorized == 2, "the ratio rule's count beside pham: 2 (%llu)",
          (unsigned long long)st.ratio_memorized);
    CHECK(fabs(st.d_m_sum - 1.25) < 1e-12, "d_m summed: %g", st.d_m_sum);
    CHECK(st.pair_n == 3 && fabs(st.pair_d_sum - 0.8) < 1e-12 &&
              fabs(st.pair_cos_sum - 2.1) < 1e-12,
          "pairs with a NaN cosine are skipped (%llu, %g, %g)",
          (unsigned long long)st.pair_n, st.pair_d_sum, st.pair_cos_sum);
    CHECK(st.t_col_n == 2 && st.t_col_sum == 4 && st.t_col_sum2 == 10,
          "collapse times without NaN: n %llu, sum %g, sum of squares %g",
          (unsigned long long)st.t_col_n, st.t_col_sum, st.t_col_sum2);

    b.rule = MEASURE_RATIO_RULE;
    referee_classify(&b, v, cls);
    CHECK(cls[0] == MEASURE_MEMORIZED && cls[1] == MEASURE_GENERALIZED &&
              cls[3] == MEASURE_MEMORIZED,
          "ratio: memorized by d_m/d_2 only (%d %d %d)", cls[0], cls[1], cls[3]);
}

static void attractors(void)
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
    CHECK(cls[0] == MEASURE_MEMORIZED && cls[1] == MEASURE_GENERALIZED &&
              cls[2] == MEASURE_GENERALIZED && cls[3] == MEASURE_SPURIOUS,
          "attractors: memorized, generalized (held-out), generalized (law), "
          "spurious (%d %d %d %d)",
          cls[0], cls[1], cls[2], cls[3]);
    referee_classify_attractors(&b, NULL, v, cls);
    CHECK(cls[2] == MEASURE_SPURIOUS, "without a law distance: spurious (%d)", cls[2]);
}

static void per_job(void)
{
    point_stats st;
    memset(&st, 0, sizeof st);
    referee_count_theory(&st, NAN, NAN);
    CHECK(st.theory_n == 0, "no known law: not counted");
    referee_count_theory(&st, 2.0, 1.0);
    referee_count_theory(&st, 4.0, 3.0);
    CHECK(st.theory_n == 2 && st.t_theory_sum == 6 && st.t_speciation_sum == 4,
          "closed forms summed over jobs");

    uint64_t same[2] = {3, 5}, n[2] = {10, 10};
    double time[2] = {0.5, NAN}, time_ou[2] = {0.25, NAN};
    referee_count_clones(&st, 2, same, n, time, time_ou);
    referee_count_clones(&st, 2, same, n, time, time_ou);
    CHECK(st.clone_same[0] == 6 && st.clone_n[1] == 20 && st.clone_time[0] == 0.5 &&
              st.clone_time_ou[0] == 0.25 && isnan(st.clone_time[1]),
          "clones summed over jobs, their times kept");

    landscape_result land;
    memset(&land, 0, sizeof land);
    referee_count_landscape(&st, &land);
    CHECK(st.landscape_jobs == 0, "a job that grouped nothing counts for nothing");
    land.n_grouped = 10;
    land.n_attractors = 3;
    land.by_class[MEASURE_SPURIOUS] = 2;
    referee_count_landscape(&st, &land);
    CHECK(st.landscape_jobs == 1 && st.attractors == 3 &&
              st.attractors_by_class[MEASURE_SPURIOUS] == 2,
          "a job's attractors counted");
}

int main(void)
{
    overlap_rule();
    distance_rules();
    attractors();
    per_job();
    return check_done("referee");
}
