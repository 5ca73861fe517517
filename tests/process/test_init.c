/* init: exact corruption counts, mixtures, random starts, independence from the
 * batch a probe is drawn in, and the corruption model of real-valued starts
 * (sign-flip, resample, gaussian, renormalize). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "base/host.h"
#include "process/init.h"
#include "recipe/sections.h"

enum { N = 101, K = 7 };

/* The [init] values (init_params order). */
static void values(basin_value *v, const char *kind, double count, double flip,
                   double order, const char *corruption, int renormalize)
{
    v[INIT_KIND] = (basin_value){0, kind};
    v[INIT_COUNT] = (basin_value){count, ""};
    v[INIT_FLIP] = (basin_value){flip, ""};
    v[INIT_ORDER] = (basin_value){order, ""};
    v[INIT_CORRUPTION] = (basin_value){0, corruption};
    v[INIT_RENORMALIZE] = (basin_value){renormalize, ""};
}

static int draw(host_job *job, const float *train, const char *kind, double flip,
                double order, int binary, uint64_t first, uint64_t count, float *out,
                int64_t *start, char *err)
{
    basin_value v[INIT_N_PARAMS];
    values(v, kind, (double)count, flip, order, "auto", 0);
    return init_states(v, train, K, N, binary, &job->table, first, count, out, start, err,
                       256);
}

/* A job of seed 12345 and K random ±1 training patterns drawn from it. */
typedef struct fixture {
    host_job job;
    float train[K * N];
} fixture;

static void setup(fixture *f)
{
    host_job_init(&f->job, 12345, NULL, "test", 0);
    uint32_t bits[K * N];
    f->job.table.random_bits(&f->job.table, BASIN_ROLE_DATASET, 0, 0, bits, K * N);
    for (int i = 0; i < K * N; i++)
        f->train[i] = (bits[i] & 1) ? 1.0f : -1.0f;
}

TEST_IMPL(init_pattern)
{
    fixture f;
    setup(&f);
    float x[20 * N], y[N];
    int64_t start[20], start1;
    char err[256];
    /* pattern with flip: exactly round(0.1·101) = 10 bits differ from the start. */
    EXPECT_MSG(draw(&f.job, f.train, "pattern", 0.1, 3, 1, 0, 20, x, start, err) == 0,
               "%s", err);
    int exact = 1;
    for (int r = 0; r < 20; r++) {
        int differ = 0;
        for (int i = 0; i < N; i++)
            differ += x[r * N + i] != f.train[(r % K) * N + i];
        exact &= differ == 10 && start[r] == r % K;
    }
    EXPECT_MSG(exact,
               "each pattern probe has exactly 10 flipped bits and start = r mod K");
    /* Probe 13 drawn alone equals probe 13 drawn in a batch. */
    draw(&f.job, f.train, "pattern", 0.1, 3, 1, 13, 1, y, &start1, err);
    EXPECT_MSG(memcmp(y, x + 13 * N, sizeof y) == 0, "a probe depends on its batch");
    EXPECT_EQ(start1, 13 % K);
    /* Different probes at the same pattern are corrupted differently. */
    EXPECT_MSG(memcmp(x, x + K * N, sizeof y) != 0, "probes 0 and K are the same");
    host_job_destroy(&f.job);
}

TEST_IMPL(init_pattern_real)
{
    /* Real-valued data: corrupted coordinates are replaced (auto: gaussian). */
    fixture f;
    setup(&f);
    float y[N];
    int64_t start1;
    char err[256];
    draw(&f.job, f.train, "pattern", 0.5, 3, 0, 0, 1, y, &start1, err);
    int replaced = 0;
    for (int i = 0; i < N; i++)
        replaced += y[i] != f.train[i];
    EXPECT_MSG(replaced == 50 || replaced == 51, "real data: %d of 101 replaced",
               replaced);
    host_job_destroy(&f.job);
}

TEST_IMPL(init_mixture)
{
    fixture f;
    setup(&f);
    float y[N];
    int64_t start1;
    char err[256];
    /* mixture: sign of the sum of 3 consecutive patterns, overlap 1/2 each on
       average (exactly computed here against the patterns used): patterns 6, 0, 1
       for probe 2. */
    draw(&f.job, f.train, "mixture", 0, 3, 1, 2, 1, y, &start1, err);
    int sign_ok = 1;
    for (int i = 0; i < N; i++) {
        float s = f.train[6 * N + i] + f.train[0 * N + i] + f.train[1 * N + i];
        sign_ok &= y[i] == (s > 0 ? 1.0f : -1.0f);
    }
    EXPECT_MSG(sign_ok, "mixture of patterns 6, 0, 1 for probe 2");
    EXPECT_EQ(start1, -1);
    /* Mixing more patterns than stored. */
    EXPECT_EQ(draw(&f.job, f.train, "mixture", 0, 9, 1, 0, 1, y, &start1, err),
              BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "init.order = 9 mixes more patterns than the 7 stored");
    host_job_destroy(&f.job);
}

TEST_IMPL(init_random)
{
    fixture f;
    setup(&f);
    float x[20 * N];
    int64_t start[20];
    char err[256];
    /* random: ±1, balanced within 5 standard errors over 20 × 101 entries. */
    draw(&f.job, f.train, "random", 0, 3, 1, 0, 20, x, start, err);
    double sum = 0;
    int pm1 = 1;
    for (int i = 0; i < 20 * N; i++) {
        sum += x[i];
        pm1 &= x[i] == 1.0f || x[i] == -1.0f;
    }
    EXPECT_MSG(pm1, "random starts are ±1");
    EXPECT_MSG(fabs(sum) < 5 * sqrt(20.0 * N), "random starts sum to %g", sum);
    /* Random starts have no start pattern. */
    EXPECT_EQ(start[0], -1);
    host_job_destroy(&f.job);
}

/* ------------------------------------------------------------- real-valued data */

enum { RN = 1000, RK = 50, PROBES = 100 };

/* RK unit-norm Gaussian patterns in RN dimensions (uniform on the sphere), seed
   777, into train (RK × RN). */
static void unit_patterns(host_job *job, float *train)
{
    host_job_init(job, 777, NULL, "test", 0);
    job->table.random_normal(&job->table, BASIN_ROLE_DATASET, 0, 0, train, RK * RN);
    for (int mu = 0; mu < RK; mu++) {
        double n2 = 0;
        for (int i = 0; i < RN; i++)
            n2 += (double)train[mu * RN + i] * train[mu * RN + i];
        for (int i = 0; i < RN; i++)
            train[mu * RN + i] = (float)(train[mu * RN + i] / sqrt(n2));
    }
}

static double dot(const float *a, const float *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* PROBES pattern starts of RK unit-norm patterns corrupted by `corruption` at flip
   0.2 (renormalized or not), into x (PROBES × RN), start. */
static int draw_real(host_job *job, const float *train, const char *corruption,
                     int renormalize, uint64_t first, uint64_t count, float *x,
                     int64_t *start, char *err)
{
    basin_value v[INIT_N_PARAMS];
    values(v, "pattern", (double)count, 0.2, 3, corruption, renormalize);
    return init_states(v, train, RK, RN, 0, &job->table, first, count, x, start, err,
                       256);
}

TEST_IMPL(init_corruption_sign_flip)
{
    host_job job;
    float *train = malloc(sizeof(float) * RK * RN),
          *x = malloc(sizeof(float) * PROBES * RN);
    int64_t start[PROBES];
    char err[256];
    ASSERT(train && x);
    unit_patterns(&job, train);
    ASSERT_EQ(draw_real(&job, train, "sign-flip", 0, 0, PROBES, x, start, err), 0);
    /* Exactly round(0.2·1000) = 200 coordinates negated, none otherwise changed:
       the norm is kept exactly (1 within float rounding), and the cosine with the
       start's pattern is 1 − 2 Σ_{negated} ξ_i², computed here from the coordinates
       that differ. */
    int exact = 1;
    double worst_norm = 0, worst_cos = 0, mean_cos = 0;
    for (int r = 0; r < PROBES; r++) {
        const float *xi = train + start[r] * RN, *y = x + r * RN;
        int negated = 0, other = 0;
        double flipped2 = 0;
        for (int i = 0; i < RN; i++) {
            if (y[i] == -xi[i] && y[i] != xi[i]) {
                negated++;
                flipped2 += (double)xi[i] * xi[i];
            } else {
                other += y[i] != xi[i];
            }
        }
        exact &= negated == 200 && other == 0 && start[r] == r % RK;
        double c = dot(y, xi, RN) / sqrt(dot(y, y, RN));
        worst_norm = fmax(worst_norm, fabs(sqrt(dot(y, y, RN)) - 1));
        worst_cos = fmax(worst_cos, fabs(c - (1 - 2 * flipped2)));
        mean_cos += c / PROBES;
    }
    EXPECT_MSG(exact, "every probe has exactly 200 negated coordinates");
    EXPECT_NEAR(worst_norm, 0, 1e-6);
    EXPECT_NEAR(worst_cos, 0, 1e-6);
    /* E cos = 1 − 2·0.2 = 0.6 for isotropic patterns; per probe the negated
       part Σ ξ_i² has sd ≈ √(2·200)/1000 = 0.02, so cos has sd 0.04 and the mean
       over 100 probes 0.004: within 0.02 (5 standard errors). */
    EXPECT_NEAR(mean_cos, 0.6, 0.02);
    host_job_destroy(&job);
    free(train);
    free(x);
}

TEST_IMPL(init_corruption_gaussian)
{
    host_job job;
    float *train = malloc(sizeof(float) * RK * RN),
          *x = malloc(sizeof(float) * PROBES * RN),
          *y = malloc(sizeof(float) * PROBES * RN);
    int64_t start[PROBES];
    char err[256];
    ASSERT(train && x && y);
    unit_patterns(&job, train);
    ASSERT_EQ(draw_real(&job, train, "gaussian", 0, 0, PROBES, x, start, err), 0);
    /* The per-coordinate RMS over the training set, as the model defines it. */
    double rms2[RN];
    for (int i = 0; i < RN; i++) {
        rms2[i] = 0;
        for (int mu = 0; mu < RK; mu++)
            rms2[i] += (double)train[mu * RN + i] * train[mu * RN + i] / RK;
    }
    /* x' keeps 800 coordinates of the unit-norm ξ and replaces 200 by rms_i g_i.
       The mean of rms_i² over coordinates is Σ_μ ‖ξ_μ‖²/(K N) = 1/N exactly, so
       E‖x'‖² = 0.8 + 0.2 = 1, and x'·ξ = Σ_kept ξ_i² + Σ_repl ξ_i rms_i g_i has
       mean 0.8: cos ≈ 0.8 / 1 = 1 − flip. Per probe it varies by about 0.03 (the
       kept share of ‖ξ‖² by 0.02, the cross term by √200/1000 = 0.014, ‖x'‖ by
       less): the mean over 100 probes is within 0.015 of 0.8 (5 standard errors).
       N(0, 1) draws, as before, would give 0.8/√(0.8 + 200) ≈ 0.056. */
    double mean_cos = 0, z2 = 0;
    int count_ok = 1;
    for (int r = 0; r < PROBES; r++) {
        const float *xi = train + start[r] * RN, *v = x + r * RN;
        int replaced = 0;
        for (int i = 0; i < RN; i++)
            if (v[i] != xi[i]) {
                replaced++;
                z2 += (double)v[i] * v[i] / rms2[i];
            }
        count_ok &= replaced == 200;
        mean_cos += dot(v, xi, RN) / sqrt(dot(v, v, RN)) / PROBES;
    }
    EXPECT_MSG(count_ok, "every probe has exactly 200 replaced coordinates");
    EXPECT_NEAR(mean_cos, 0.8, 0.015);
    /* The replaced values divided by their coordinate's RMS are standard normal:
       the mean of their squares over 20000 draws is 1 within 5·√(2/20000) = 0.05. */
    EXPECT_NEAR(z2 / (200.0 * PROBES), 1, 0.05);
    /* Renormalized: the same directions, each of norm exactly 1 (the pattern's). */
    ASSERT_EQ(draw_real(&job, train, "gaussian", 1, 0, PROBES, y, start, err), 0);
    double worst_norm = 0, worst_dir = 0;
    for (int r = 0; r < PROBES; r++) {
        const float *a = x + r * RN, *b = y + r * RN;
        worst_norm = fmax(worst_norm, fabs(sqrt(dot(b, b, RN)) - 1));
        worst_dir = fmax(worst_dir,
                         fabs(dot(a, b, RN) / sqrt(dot(a, a, RN) * dot(b, b, RN)) - 1));
    }
    EXPECT_NEAR(worst_norm, 0, 1e-5);
    EXPECT_NEAR(worst_dir, 0, 1e-6);
    /* A probe drawn alone equals the same probe drawn in the batch. */
    float one[RN];
    int64_t s1;
    draw_real(&job, train, "gaussian", 0, 37, 1, one, &s1, err);
    EXPECT_MSG(memcmp(one, x + 37 * RN, sizeof one) == 0, "a probe depends on its batch");
    host_job_destroy(&job);
    free(train);
    free(x);
    free(y);
}

TEST_IMPL(init_corruption_resample)
{
    host_job job;
    float *train = malloc(sizeof(float) * RK * RN),
          *x = malloc(sizeof(float) * PROBES * RN);
    int64_t start[PROBES];
    char err[256];
    ASSERT(train && x);
    unit_patterns(&job, train);
    ASSERT_EQ(draw_real(&job, train, "resample", 0, 0, PROBES, x, start, err), 0);
    /* Each replaced value is the same coordinate of another training point (the
       continuous draws make every value identify its row), never of the start's
       own, and the rows are drawn uniformly among the others: each row is drawn
       by the 98 probes that did not start from it, 200 · 98 / 49 = 400 times on
       average with sd ≈ √400 = 20; all 50 within 400 ± 120 (6 sd). */
    int from_coordinate = 1, own = 0, changed_ok = 1;
    int hits[RK] = {0};
    for (int r = 0; r < PROBES; r++) {
        const float *xi = train + start[r] * RN, *v = x + r * RN;
        int changed = 0;
        for (int i = 0; i < RN; i++) {
            if (v[i] == xi[i])
                continue;
            changed++;
            int row = -1;
            for (int mu = 0; mu < RK; mu++)
                if (train[mu * RN + i] == v[i])
                    row = mu;
            from_coordinate &= row >= 0;
            own += row == start[r];
            if (row >= 0)
                hits[row]++;
        }
        changed_ok &= changed == 200;
    }
    EXPECT_MSG(from_coordinate, "a replaced value is not its coordinate's");
    EXPECT_EQ(own, 0);
    EXPECT_MSG(changed_ok, "every probe has exactly 200 replaced coordinates");
    int lo = 20000, hi = 0;
    for (int mu = 0; mu < RK; mu++) {
        lo = hits[mu] < lo ? hits[mu] : lo;
        hi = hits[mu] > hi ? hits[mu] : hi;
    }
    EXPECT_MSG(lo > 400 - 120 && hi < 400 + 120, "rows hit %d to %d times", lo, hi);
    host_job_destroy(&job);
    free(train);
    free(x);
}

TEST_IMPL(init_corruption_binary)
{
    fixture f;
    setup(&f);
    float a[20 * N], b[20 * N];
    int64_t start[20];
    char err[256];
    basin_value v[INIT_N_PARAMS];
    /* ±1 data: auto is sign-flip, the same draws as before init.corruption. */
    values(v, "pattern", 20, 0.1, 3, "auto", 0);
    ASSERT_EQ(init_states(v, f.train, K, N, 1, &f.job.table, 0, 20, a, start, err, 256),
              0);
    values(v, "pattern", 20, 0.1, 3, "sign-flip", 1);
    ASSERT_EQ(init_states(v, f.train, K, N, 1, &f.job.table, 0, 20, b, start, err, 256),
              0);
    EXPECT_MSG(memcmp(a, b, sizeof a) == 0, "auto differs from sign-flip on ±1 data");
    /* resample keeps ±1 states. */
    values(v, "pattern", 20, 0.5, 3, "resample", 0);
    ASSERT_EQ(init_states(v, f.train, K, N, 1, &f.job.table, 0, 20, b, start, err, 256),
              0);
    int pm1 = 1;
    for (int i = 0; i < 20 * N; i++)
        pm1 &= b[i] == 1.0f || b[i] == -1.0f;
    EXPECT_MSG(pm1, "resampled ±1 starts are ±1");
    /* gaussian on ±1 data is refused; resample from a lone pattern too. */
    values(v, "pattern", 20, 0.1, 3, "gaussian", 0);
    EXPECT_EQ(init_states(v, f.train, K, N, 1, &f.job.table, 0, 20, b, start, err, 256),
              BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "init.corruption = \"gaussian\" draws real values");
    values(v, "pattern", 20, 0.1, 3, "resample", 0);
    EXPECT_EQ(init_states(v, f.train, 1, N, 0, &f.job.table, 0, 20, b, start, err, 256),
              BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "there is only one");
    host_job_destroy(&f.job);
}

TEST_LIST_BEGIN
TEST_ENTRY(init_pattern)
TEST_ENTRY(init_pattern_real)
TEST_ENTRY(init_mixture)
TEST_ENTRY(init_random)
TEST_ENTRY(init_corruption_sign_flip)
TEST_ENTRY(init_corruption_gaussian)
TEST_ENTRY(init_corruption_resample)
TEST_ENTRY(init_corruption_binary)
TEST_LIST_END
