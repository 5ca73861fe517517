/* init: exact corruption counts, mixtures, random starts, and independence from
 * the batch a probe is drawn in. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
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

int main(void)
{
    host_job job;
    host_job_init(&job, 12345, NULL, "test", 0);
    float train[K * N];
    uint32_t bits[K * N];
    job.table.random_bits(&job.table, BASIN_ROLE_DATASET, 0, 0, bits, K * N);
    for (int i = 0; i < K * N; i++)
        train[i] = (bits[i] & 1) ? 1.0f : -1.0f;
    float x[20 * N], y[N];
    int64_t start[20], start1;
    char err[256];

    /* pattern with flip: exactly round(0.1·101) = 10 bits differ from the start. */
    CHECK(draw(&job, train, "pattern", 0.1, 3, 1, 0, 20, x, start, err) == 0, "%s", err);
    int exact = 1;
    for (int r = 0; r < 20; r++) {
        int differ = 0;
        for (int i = 0; i < N; i++)
            differ += x[r * N + i] != train[(r % K) * N + i];
        exact &= differ == 10 && start[r] == r % K;
    }
    CHECK(exact, "each pattern probe has exactly 10 flipped bits and start = r mod K");
    /* Probe 13 drawn alone equals probe 13 drawn in a batch. */
    draw(&job, train, "pattern", 0.1, 3, 1, 13, 1, y, &start1, err);
    CHECK(memcmp(y, x + 13 * N, sizeof y) == 0 && start1 == 13 % K,
          "a probe does not depend on its batch");
    /* Different probes at the same pattern are corrupted differently. */
    CHECK(memcmp(x, x + K * N, sizeof y) != 0, "probes 0 and K differ");

    /* Real-valued data: corrupted coordinates are replaced by normal draws. */
    draw(&job, train, "pattern", 0.5, 3, 0, 0, 1, y, &start1, err);
    int replaced = 0;
    for (int i = 0; i < N; i++)
        replaced += y[i] != train[i];
    CHECK(replaced == 50 || replaced == 51, "real data: %d of 101 replaced", replaced);

    /* mixture: sign of the sum of 3 consecutive patterns, overlap 1/2 each on
       average (exactly computed here against the patterns used). */
    draw(&job, train, "mixture", 0, 3, 1, 2, 1, y, &start1, err);
    int sign_ok = 1;
    for (int i = 0; i < N; i++) {
        float s = train[6 * N + i] + train[0 * N + i] + train[1 * N + i];
        sign_ok &= y[i] == (s > 0 ? 1.0f : -1.0f);
    }
    CHECK(sign_ok && start1 == -1, "mixture of patterns 6, 0, 1 for probe 2");
    CHECK(draw(&job, train, "mixture", 0, 9, 1, 0, 1, y, &start1, err) == BASIN_EINVAL &&
              strstr(err, "init.order = 9 mixes more patterns than the 7 stored"),
          "mixing more patterns than stored: %s", err);

    /* random: ±1, balanced within 5 standard errors over 20 × 101 entries. */
    draw(&job, train, "random", 0, 3, 1, 0, 20, x, start, err);
    double sum = 0;
    int pm1 = 1;
    for (int i = 0; i < 20 * N; i++) {
        sum += x[i];
        pm1 &= x[i] == 1.0f || x[i] == -1.0f;
    }
    CHECK(pm1 && fabs(sum) < 5 * sqrt(20.0 * N), "random ±1 starts, sum %g", sum);
    CHECK(start[0] == -1, "random starts have no start pattern");
    host_job_destroy(&job);
    return check_done("init");
}
