/* run/trajectory: the collapse times along observed steps (condensation-aware,
   nearest point, first passage), the state before the final denoise, and a
   deterministic sampler's collapse (docs/science.md, Measured collapse time).
   One case by name: build/tests/run/test-trajectory trajectory_times (--list
   names them). */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "measure/collapse.h"
#include "process/schedule.h"
#include "recipe/sections.h"
#include "registry/param.h"
#include "run/trajectory.h"

/* Three training points on a line, one probe. */
static const float TRAIN[3] = {-1, 0, 1};

static void setup(trajectory *t, schedule *s)
{
    basin_value v[MEASURE_N_PARAMS];
    for (int k = 0; k < MEASURE_N_PARAMS; k++)
        v[k] = param_default(&measure_params[k]);
    v[MEASURE_COLLAPSE].number = 1;
    char err[256];
    EXPECT_EQ(schedule_init(s, "ou", 1e-3, 3, err, sizeof err), BASIN_OK);
    EXPECT_EQ(trajectory_setup(t, v, &s->table, TRAIN, 3, 1, 1, err, sizeof err),
              BASIN_OK);
}

/* Observe the probe at x after a step to time `time` with (α, σ). */
static void observe(trajectory *t, double time, double alpha, double sigma, float x)
{
    basin_step st = {.struct_size = sizeof st,
                     .time = time,
                     .alpha = alpha,
                     .sigma = sigma,
                     .states = &x,
                     .n = 1};
    EXPECT_EQ(trajectory_observe(t, &st), 0);
}

/* The largest posterior weight at x over TRAIN, directly (α = 1). */
static double top_weight(double x, double sigma)
{
    double w[3], sum = 0, top = 0;
    for (int m = 0; m < 3; m++) {
        w[m] = exp(-(x - TRAIN[m]) * (x - TRAIN[m]) / (2 * sigma * sigma));
        sum += w[m];
        top = w[m] > top ? w[m] : top;
    }
    return top / sum;
}

/*
 * One trajectory through five steps (α = 1; training points named by value, the
 * largest weight w, computed directly, beside each):
 *   t = 3,   σ = 2,   x = 0.9:  nearest 1, w = 0.39: spread
 *   t = 2,   σ = 0.5, x = 0.9:  nearest 1, w = 0.83: condensed (first passage)
 *   t = 1,   σ = 0.5, x = 0.45: nearest 0, w = 0.54: condensed on another point
 *   t = 0.5, σ = 1,   x = 0.45: nearest 0, w = 0.43: spread again
 *   t = 0,   σ = 0,   x = 0.02: the final denoise, a point mass on 0
 * so the condensation-aware collapse is the final denoise (t = 0), the nearest
 * point last changed at t = 1, and the first passage is t = 2.
 */
TEST_IMPL(trajectory_times)
{
    EXPECT(top_weight(0.9, 2) < 0.5 && top_weight(0.9, 0.5) > 0.5);
    EXPECT(top_weight(0.45, 0.5) > 0.5 && top_weight(0.45, 1) < 0.5);
    trajectory t;
    schedule s;
    setup(&t, &s);
    observe(&t, 3, 1, 2, 0.9f);
    EXPECT_MSG(isnan(t.t_col[0]) && isnan(t.t_first[0]), "spread: t_col %g", t.t_col[0]);
    EXPECT_NEAR(t.t_near[0], 3, 0);
    observe(&t, 2, 1, 0.5, 0.9f);
    EXPECT_NEAR(t.t_col[0], 2, 0);
    EXPECT_NEAR(t.t_first[0], 2, 0);
    observe(&t, 1, 1, 0.5, 0.45f);
    EXPECT_NEAR(t.t_col[0], 1, 0); /* another point: a new stretch */
    EXPECT_NEAR(t.t_near[0], 1, 0);
    observe(&t, 0.5, 1, 1, 0.45f);
    EXPECT_MSG(isnan(t.t_col[0]), "spread again: t_col %g", t.t_col[0]);
    observe(&t, 0, 1, 0, 0.02f);
    EXPECT_NEAR(t.t_col[0], 0, 0);
    EXPECT_NEAR(t.t_col_ou[0], 0, 0);
    EXPECT_NEAR(t.t_near[0], 1, 0);
    EXPECT_NEAR(t.t_near_ou[0], collapse_ou_time(1, 0.5), 1e-15);
    EXPECT_NEAR(t.t_first[0], 2, 0);
    EXPECT_NEAR(t.start_ou[0], collapse_ou_time(1, 2), 1e-15);
    EXPECT_EQ(t.track[0], 1); /* index 1, the point 0 */

    /* Before the final denoise: x = 0.45, 0.45 from the point 0 (index 1) and
       0.55 from the point 1. */
    EXPECT_EQ(trajectory_before_denoise(&t), BASIN_OK);
    EXPECT_EQ(t.before[0].nearest, 1);
    EXPECT_NEAR(t.before[0].d_m, 0.45, 1e-6);
    EXPECT_NEAR(t.before[0].d_2, 0.55, 1e-6);
    trajectory_free(&t);
}

static int draws;
static void count_normal(const basin_host *h, uint32_t role, uint64_t index,
                         uint64_t step, float *out, size_t n)
{
    (void)h, (void)role, (void)index, (void)step;
    memset(out, 0, n * sizeof *out);
    draws++;
}

/* A sampler that draws no noise is deterministic: its collapse is the first
   passage, and a trajectory that lost its condensation after it is counted. */
TEST_IMPL(trajectory_deterministic)
{
    basin_host base = {.struct_size = sizeof base, .random_normal = count_normal};
    trajectory t;
    schedule s;
    setup(&t, &s);
    const basin_host *h = trajectory_host(&t, &base);
    observe(&t, 2, 1, 0.5, 0.9f);   /* condensed on 1 */
    observe(&t, 1, 1, 1, 0.45f);    /* spread */
    observe(&t, 0.5, 1, 0.5, 0.9f); /* condensed on 1 again */
    trajectory_finish(&t);
    EXPECT_EQ(t.deterministic, 1);
    EXPECT_EQ(t.lost, 1);
    EXPECT_NEAR(t.t_col[0], 2, 0); /* the first passage, not 0.5 */
    trajectory_free(&t);

    setup(&t, &s);
    h = trajectory_host(&t, &base);
    float z;
    h->random_normal(h, BASIN_ROLE_SAMPLER, 0, 1, &z, 1);
    EXPECT_EQ(draws, 1); /* passed on to the job's host */
    observe(&t, 2, 1, 0.5, 0.9f);
    observe(&t, 1, 1, 1, 0.45f);
    observe(&t, 0.5, 1, 0.5, 0.9f);
    trajectory_finish(&t);
    EXPECT_EQ(t.deterministic, 0);
    EXPECT_NEAR(t.t_col[0], 0.5, 0); /* a stochastic sampler's final stretch */
    trajectory_free(&t);
}

TEST_LIST_BEGIN
TEST_ENTRY(trajectory_times)
TEST_ENTRY(trajectory_deterministic)
TEST_LIST_END
