/* init: exact corruption counts, mixtures, random starts, and independence from
 * the batch a probe is drawn in. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "base/host.h"
#include "process/init.h"

enum { N = 101, K = 7 };

static basin_value values(const char *kind, double count, double flip, double order,
                          int field)
{
    basin_value v[4] = {{0, kind}, {count, ""}, {flip, ""}, {order, ""}};
    return v[field];
}

static int draw(host_job *job, const float *train, const char *kind, double flip,
                double order, int binary, uint64_t first, uint64_t count, float *out,
                int64_t *start, char *err)
{
    basin_value v[4];
    for (int f = 0; f < 4; f++)
        v[f] = values(kind, (double)count, flip, order, f);
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
    /* Real-valued data: corrupted coordinates are replaced by normal draws. */
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

TEST_LIST_BEGIN
TEST_ENTRY(init_pattern)
TEST_ENTRY(init_pattern_real)
TEST_ENTRY(init_mixture)
TEST_ENTRY(init_random)
TEST_LIST_END
