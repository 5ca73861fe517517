/* measure: the top five overlaps against a direct computation, the mixture labels
 * of constructed states (symmetric 3-, 5- and 7-mixtures of random patterns,
 * random states, memories), and the cosine rule on constructed states.
 * One case by name: build/tests/measure/test-labels mixture_labels (--list names
 * them). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "base/host.h"
#include "measure/measure.h"
#include "measure/referee.h"
#include "recipe/sections.h"
#include "registry/param.h"

enum { N = 1000, K = 20 };

/* K random ±1 patterns of N (seed 4242) into xi. */
static void random_patterns(host_job *job, float *xi, uint64_t seed, int n_patterns)
{
    host_job_init(job, seed, NULL, "test", 0);
    uint32_t *bits = malloc(sizeof *bits * (size_t)n_patterns * N);
    job->table.random_bits(&job->table, BASIN_ROLE_DATASET, 0, 0, bits,
                           (size_t)n_patterns * N);
    for (int i = 0; i < n_patterns * N; i++)
        xi[i] = (bits[i] & 1) ? 1.0f : -1.0f;
    free(bits);
}

/* x = sgn(Σ_k sign_k ξ_{mu_k}) over n patterns (n odd: no ties). */
static void mixture(const float *xi, const int *mu, const int *sign, int n, float *x)
{
    for (int i = 0; i < N; i++) {
        float s = 0;
        for (int k = 0; k < n; k++)
            s += (float)sign[k] * xi[mu[k] * N + i];
        x[i] = s > 0 ? 1.0f : -1.0f;
    }
}

/* Direct overlaps of x with the n_patterns rows of xi, sorted by |m|, largest
   first (ties: lower index first), into m and their indices into idx. */
static void direct_sorted(const float *xi, int n_patterns, const float *x, double *m,
                          int *idx)
{
    for (int mu = 0; mu < n_patterns; mu++) {
        double s = 0;
        for (int i = 0; i < N; i++)
            s += (double)xi[mu * N + i] * x[i];
        m[mu] = s / N;
        idx[mu] = mu;
    }
    for (int a = 1; a < n_patterns; a++) /* insertion sort, stable */
        for (int b = a; b > 0 && fabs(m[b]) > fabs(m[b - 1]); b--) {
            double t = m[b];
            m[b] = m[b - 1];
            m[b - 1] = t;
            int u = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = u;
        }
}

TEST_IMPL(overlap_top_five)
{
    host_job job;
    float *xi = malloc(sizeof(float) * K * N), *x = malloc(sizeof(float) * 30 * N);
    ASSERT(xi && x);
    random_patterns(&job, xi, 4242, K);
    /* 10 random states, 10 3-mixtures, 10 5-mixtures. */
    uint32_t bits[10 * N];
    job.table.random_bits(&job.table, BASIN_ROLE_INIT, 0, 0, bits, 10 * N);
    for (int i = 0; i < 10 * N; i++)
        x[i] = (bits[i] & 1) ? 1.0f : -1.0f;
    for (int r = 0; r < 10; r++) {
        int mu[5] = {r, r + 1, r + 2, r + 3, r + 4}, sign[5] = {1, -1, 1, 1, -1};
        mixture(xi, mu, sign, 3, x + (10 + r) * N);
        mixture(xi, mu, sign, 5, x + (20 + r) * N);
    }
    measure_overlap o[30];
    ASSERT_EQ(measure_overlaps(x, 30, xi, K, N, o), 0);
    /* Against the direct computation: the five largest by magnitude, signed, and
       the sixth. For ±1 vectors every dot product is an integer below 2^24, exact
       in float, so the values agree exactly. */
    int exact = 1;
    for (int r = 0; r < 30; r++) {
        double m[K];
        int idx[K];
        direct_sorted(xi, K, x + r * N, m, idx);
        for (int k = 0; k < MEASURE_TOP; k++)
            exact &= fabs(o[r].top[k]) == fabs(m[k]);
        exact &= fabs(o[r].next) == fabs(m[MEASURE_TOP]);
        exact &= o[r].top[0] == m[0] && o[r].pattern == idx[0] && o[r].dim == N;
    }
    EXPECT_MSG(exact, "the top five and the sixth differ from the direct overlaps");
    /* Merging: the top six of two halves of the patterns, merged, are the whole's. */
    measure_overlap a[30], b[30];
    ASSERT_EQ(measure_overlaps(x, 30, xi, K / 2, N, a), 0);
    ASSERT_EQ(measure_overlaps(x, 30, xi + (K / 2) * N, K - K / 2, N, b), 0);
    int merged = 1;
    for (int r = 0; r < 30; r++) {
        for (int k = 0; k < MEASURE_TOP; k++)
            measure_overlap_keep(&a[r], b[r].top[k], b[r].pattern + K / 2);
        measure_overlap_keep(&a[r], b[r].next, b[r].pattern + K / 2);
        for (int k = 0; k < MEASURE_TOP; k++)
            merged &= fabs(a[r].top[k]) == fabs(o[r].top[k]);
        merged &= fabs(a[r].next) == fabs(o[r].next) && a[r].pattern == o[r].pattern;
    }
    EXPECT_MSG(merged, "merged halves differ from the whole");
    /* Fewer than six patterns: the missing ones are NaN. */
    measure_overlap few;
    ASSERT_EQ(measure_overlaps(x, 1, xi, 4, N, &few), 0);
    EXPECT(!isnan(few.top[3]) && isnan(few.top[4]) && isnan(few.next));
    host_job_destroy(&job);
    free(xi);
    free(x);
}

/* The label of state x against patterns xi (n_patterns), class cls. */
static measure_mixture label(const float *xi, int n_patterns, const float *x,
                             measure_class cls)
{
    measure_overlap o;
    if (measure_overlaps(x, 1, xi, (uint64_t)n_patterns, N, &o))
        return MEASURE_N_MIXTURES;
    return measure_mixture_of(&o, cls);
}

TEST_IMPL(mixture_labels)
{
    host_job job;
    float *xi = malloc(sizeof(float) * K * N), x[N];
    ASSERT(xi);
    random_patterns(&job, xi, 99, K);
    /* At N = 1000 the tolerance is min(4/√1000, 1/8) = 1/8. */
    EXPECT_NEAR(measure_mixture_tolerance(N), 0.125, 0);
    EXPECT_NEAR(measure_mixture_tolerance(1u << 20), 4.0 / 1024, 1e-15);
    /* 50 symmetric mixtures of each order, of patterns μ, μ+1, ... (mod K) with
       signs varying. A true mixture's overlaps lie within 1/8 of c_n except with
       probability ≈ 8·10⁻⁵ per non-component pattern (1/8 is 3.95 standard
       deviations 1/√1000) and less per component (4.3 sd): a state is missed
       with probability about 0.15%, so 2 or more misses of 50 have probability
       0.3%; we allow one. */
    int n3 = 0, n5 = 0, n7_other = 0, as3 = 0, as5 = 0;
    for (int r = 0; r < 50; r++) {
        int mu[7], sign[7];
        for (int k = 0; k < 7; k++) {
            mu[k] = (r + 3 * k) % K;
            sign[k] = ((r >> k) & 1) ? -1 : 1;
        }
        mixture(xi, mu, sign, 3, x);
        measure_mixture l = label(xi, K, x, MEASURE_SPURIOUS);
        n3 += l == MEASURE_MIX_3;
        as5 += l == MEASURE_MIX_5;
        mixture(xi, mu, sign, 5, x);
        l = label(xi, K, x, MEASURE_SPURIOUS);
        n5 += l == MEASURE_MIX_5;
        as3 += l == MEASURE_MIX_3;
        /* A 7-mixture (overlaps 5/16 with seven patterns) is neither: its sixth
           overlap is far from 0. */
        mixture(xi, mu, sign, 7, x);
        n7_other += label(xi, K, x, MEASURE_SPURIOUS) == MEASURE_MIX_OTHER;
    }
    EXPECT_GE(n3, 49);
    EXPECT_GE(n5, 49);
    EXPECT_EQ(as3, 0);
    EXPECT_EQ(as5, 0);
    EXPECT_EQ(n7_other, 50);
    /* Random states: overlaps ≈ N(0, 1/N), the largest of 20 about 0.07: other. */
    uint32_t bits[N];
    int random_other = 0;
    for (int r = 0; r < 50; r++) {
        job.table.random_bits(&job.table, BASIN_ROLE_INIT, (uint64_t)r, 0, bits, N);
        for (int i = 0; i < N; i++)
            x[i] = (bits[i] & 1) ? 1.0f : -1.0f;
        random_other += label(xi, K, x, MEASURE_SPURIOUS) == MEASURE_MIX_OTHER;
    }
    EXPECT_EQ(random_other, 50);
    /* A memorized state is a pattern whatever its overlaps; its mirror too. */
    EXPECT_EQ(label(xi, K, xi + 3 * N, MEASURE_MEMORIZED), MEASURE_MIX_PATTERN);
    /* A pattern called anything else (a threshold above 1) is no mixture. */
    EXPECT_EQ(label(xi, K, xi + 3 * N, MEASURE_SPURIOUS), MEASURE_MIX_OTHER);
    /* Only the mixed patterns stored (K = 3, K = 5): nothing else to be ≈ 0. */
    int mu[5] = {0, 1, 2, 3, 4}, sign[5] = {1, 1, -1, 1, 1};
    mixture(xi, mu, sign, 3, x);
    EXPECT_EQ(label(xi, 3, x, MEASURE_SPURIOUS), MEASURE_MIX_3);
    mixture(xi, mu, sign, 5, x);
    EXPECT_EQ(label(xi, 5, x, MEASURE_SPURIOUS), MEASURE_MIX_5);
    /* No overlaps taken (dim 0): other. */
    measure_overlap none;
    measure_overlap_clear(&none);
    EXPECT_EQ(measure_mixture_of(&none, MEASURE_SPURIOUS), MEASURE_MIX_OTHER);
    EXPECT_STR_EQ(measure_mixture_name(MEASURE_MIX_3), "3-mixture");
    EXPECT_STR_EQ(measure_mixture_name(MEASURE_MIX_5), "5-mixture");
    host_job_destroy(&job);
    free(xi);
}

TEST_IMPL(mixture_counts)
{
    /* The referee counts the labels of an overlap batch per point. */
    measure_overlap o[4];
    for (int i = 0; i < 4; i++)
        measure_overlap_clear(&o[i]);
    const double m3[5] = {0.52, -0.48, 0.5, 0.03, -0.02},
                 m5[5] = {0.4, 0.37, -0.36, 0.39, -0.35};
    for (int k = 0; k < 5; k++) {
        o[0].top[k] = m3[k];
        o[1].top[k] = m5[k];
        o[2].top[k] = k ? 0.01 : 1.0;
    }
    o[0].next = o[1].next = 0.01;
    for (int i = 0; i < 4; i++)
        o[i].dim = 1000;
    basin_value v[MEASURE_N_PARAMS];
    for (int k = 0; k < MEASURE_N_PARAMS; k++)
        v[k] = param_default(&measure_params[k]);
    referee_batch b = {.n = 4, .rule = MEASURE_OVERLAP, .overlap = o};
    measure_class cls[4];
    referee_classify(&b, v, cls);
    point_stats st;
    memset(&st, 0, sizeof st);
    ASSERT_EQ(referee_count(&b, cls, v, &st), 0);
    EXPECT_EQ(st.mixtures[MEASURE_MIX_3], 1);
    EXPECT_EQ(st.mixtures[MEASURE_MIX_5], 1);
    EXPECT_EQ(st.mixtures[MEASURE_MIX_PATTERN], 1);
    EXPECT_EQ(st.mixtures[MEASURE_MIX_OTHER], 1);
    referee_stats_free(&st);
}

TEST_IMPL(cosine_rule)
{
    /* Orthogonal patterns in 4 dimensions (scaled: the cosine ignores norms) and
       a held-out point. */
    enum { D = 4 };
    const float train[3][D] = {{2, 0, 0, 0}, {0, 3, 0, 0}, {0, 0, 1, 0}};
    const float heldout[1][D] = {{0, 0, 0, 5}};
    const float c96 = 0.96f, s96 = (float)sqrt(1 - 0.96 * 0.96);
    const float c94 = 0.94f, s94 = (float)sqrt(1 - 0.94 * 0.94);
    const float states[8][D] = {
        {c96, s96, 0, 0}, /* started at 0: cos 0.96, retrieved */
        {c94, s94, 0, 0}, /* started at 0: cos 0.94, not retrieved */
        {0, 7, 0, 0},     /* started at 0, ended on pattern 1: not retrieved */
        {0, 7, 0, 0},     /* no start: its target is pattern 1 */
        {-1, 0, 0, 0},    /* started at 0, the mirror: cos −1 */
        {0, 0, 0.1f, 1},  /* started at 2, near the held-out point */
        {0, 0, 0, 0},     /* zero state: cosine NaN */
        {c94, s94, 0, 0}, /* as state 1, but unconverged */
    };
    const int64_t start[8] = {0, 0, 0, -1, 0, 2, 0, 0};
    measure_cosine c[8];
    ASSERT_EQ(measure_cosines(&states[0][0], 8, start, &train[0][0], 3, &heldout[0][0], 1,
                              D, c),
              0);
    EXPECT_EQ(c[0].target, 0);
    EXPECT_NEAR(c[0].cos, 0.96, 1e-6);
    EXPECT_NEAR(c[2].cos, 0, 0);
    EXPECT_NEAR(c[2].best, 1, 1e-6);
    EXPECT_EQ(c[3].target, 1);
    EXPECT_NEAR(c[3].cos, 1, 1e-6);
    EXPECT_NEAR(c[4].cos, -1, 1e-6);
    EXPECT_NEAR(c[5].heldout, 1 / sqrt(1.01), 1e-6);
    EXPECT(isnan(c[6].cos) && isnan(c[6].best));
    basin_outcome out[8] = {{5, 1}, {5, 1}, {5, 1}, {5, 1},
                            {5, 1}, {5, 1}, {5, 1}, {5, 0}};
    basin_value v[MEASURE_N_PARAMS];
    for (int k = 0; k < MEASURE_N_PARAMS; k++)
        v[k] = param_default(&measure_params[k]); /* threshold 0.95 */
    measure_distance d[8];
    ASSERT_EQ(
        measure_distances(&states[0][0], 8, &train[0][0], 3, &heldout[0][0], 1, D, d), 0);
    referee_batch b = {
        .n = 8, .rule = MEASURE_COSINE, .dist = d, .outcome = out, .cosine = c};
    measure_class cls[8];
    referee_classify(&b, v, cls);
    const measure_class want[8] = {
        MEASURE_MEMORIZED, MEASURE_SPURIOUS,    MEASURE_SPURIOUS, MEASURE_MEMORIZED,
        MEASURE_SPURIOUS,  MEASURE_GENERALIZED, MEASURE_SPURIOUS, MEASURE_UNCONVERGED};
    for (int i = 0; i < 8; i++)
        EXPECT_MSG(cls[i] == want[i], "state %d: %s, want %s", i,
                   measure_class_name(cls[i]), measure_class_name(want[i]));
    EXPECT_EQ(measure_rule_of("cosine", 0), MEASURE_COSINE);
    EXPECT_EQ(measure_rule_of("cosine", 1), MEASURE_COSINE);
}

TEST_IMPL(cosine_blocked)
{
    /* More states than a block (256) and patterns than a block (1024): the
       blocked cosines equal the direct ones (float products, double sums: within
       1e-5). */
    enum { S = 300, P = 1500, D = 16 };
    host_job job;
    host_job_init(&job, 5, NULL, "test", 0);
    float *x = malloc(sizeof(float) * S * D), *y = malloc(sizeof(float) * P * D);
    measure_cosine *c = malloc(sizeof *c * S);
    int64_t *start = malloc(sizeof *start * S);
    ASSERT(x && y && c && start);
    job.table.random_normal(&job.table, BASIN_ROLE_INIT, 0, 0, x, S * D);
    job.table.random_normal(&job.table, BASIN_ROLE_DATASET, 0, 0, y, P * D);
    for (int i = 0; i < S; i++)
        start[i] = i % 3 ? (int64_t)((i * 7) % P) : -1;
    ASSERT_EQ(measure_cosines(x, S, start, y, P, y, P, D, c), 0);
    double worst = 0;
    int arg_ok = 1;
    for (int i = 0; i < S; i++) {
        double nx = 0, best = -2, at = NAN;
        int64_t arg = -1;
        for (int d = 0; d < D; d++)
            nx += (double)x[i * D + d] * x[i * D + d];
        for (int mu = 0; mu < P; mu++) {
            double dot = 0, ny = 0;
            for (int d = 0; d < D; d++) {
                dot += (double)x[i * D + d] * y[mu * D + d];
                ny += (double)y[mu * D + d] * y[mu * D + d];
            }
            double cs = dot / sqrt(nx * ny);
            if (cs > best) {
                best = cs;
                arg = mu;
            }
            if (mu == start[i])
                at = cs;
        }
        worst = fmax(worst, fabs(c[i].best - best));
        worst = fmax(worst, fabs(c[i].heldout - best));
        worst = fmax(worst, fabs(c[i].cos - (start[i] >= 0 ? at : best)));
        arg_ok &= c[i].target == (start[i] >= 0 ? start[i] : arg);
    }
    EXPECT_NEAR(worst, 0, 1e-5);
    EXPECT_MSG(arg_ok, "a target differs from the direct computation");
    host_job_destroy(&job);
    free(x);
    free(y);
    free(c);
    free(start);
}

TEST_LIST_BEGIN
TEST_ENTRY(overlap_top_five)
TEST_ENTRY(mixture_labels)
TEST_ENTRY(mixture_counts)
TEST_ENTRY(cosine_rule)
TEST_ENTRY(cosine_blocked)
TEST_LIST_END
