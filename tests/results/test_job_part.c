/* A job part (results/job_part.h) round-trips every field exactly, and a part
   that is cut, of another format or out of range is refused with a message. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "harness.h"
#include "results/job_part.h"

enum { N = 5, CLONES = 3, DIM = 4 };

/* Fill every field, arrays included, with values a wrong byte order, a lost
   field or a shifted array would change: distinct per element, a NaN with a
   payload and a negative zero among them. */
static void populate(job_part *p)
{
    static measure_class cls[N] = {MEASURE_MEMORIZED, MEASURE_SPURIOUS,
                                   MEASURE_GENERALIZED, MEASURE_UNCONVERGED,
                                   MEASURE_SPURIOUS};
    static measure_overlap ov[N];
    static measure_distance dist[N], before[N];
    static measure_cosine cosine[N];
    static double d_law[N];
    static int64_t cluster[N] = {-1, 0, -1, -1, 0};
    static spurious_cluster clusters[1] = {{2, 1}};
    static char sp_rows[] = "0,5,1,0,0,2,1,0.25,0.5\n";
    static uint64_t same_class[CLONES] = {3, 4, 5}, labeled[CLONES] = {6, 7, 8};
    static basin_outcome out[N];
    static double arr[8][N];
    static int64_t winner[N];
    static uint64_t same[CLONES] = {1, 2, 3}, cn[CLONES] = {4, 5, 6};
    static double ct[CLONES] = {0.1, 0.2, 0.3}, cto[CLONES] = {1.5, NAN, 2.5};
    static float states[N * DIM];
    static char rec[] = "1,2,3\n4,5,6\n", att[] = "a,b\n", tr[] = "t,1\n",
                cmp[] = "0,1,trajectory,1,0.5,0.9,0.4,8,0.1,0.05,0.2,0.9,0.8,0.95\n";
    static char min_rows[] = "0,0,2,0 3,-1.5,0.25,0,1,spurious\n";
    uint64_t payload = 0x7ff8000000001234ull;
    double nan_payload;
    memcpy(&nan_payload, &payload, 8);
    for (int i = 0; i < N; i++) {
        ov[i] = (measure_overlap){
            .pattern = -i - 1,
            .top = {0.5 + i, -0.25 * i, nan_payload, 0.125 * i, -1.0 / (i + 1)},
            .heldout = -0.0,
            .next = 0.0625 * i,
            .dim = (uint32_t)(1000 + i)};
        cosine[i] = (measure_cosine){i - 1, 0.95 - 0.1 * i, 0.97, nan_payload};
        d_law[i] = i == 2 ? nan_payload : 0.01 * i;
        dist[i] = (measure_distance){i * 7, 0.1 * i, 0.2 * i, 1e-300 * i, -3.5 * i};
        before[i] = (measure_distance){-i, NAN, INFINITY, -INFINITY, 1.0 / 3 + i};
        out[i] = (basin_outcome){(uint32_t)(100 + i), (uint32_t)(i & 1)};
        for (int k = 0; k < 8; k++)
            arr[k][i] = k * 10.0 + i + 0.125;
        winner[i] = (int64_t)i * 1000000007ll - 3;
    }
    for (int i = 0; i < N * DIM; i++)
        states[i] = (float)i * 0.5f - 3.0f;
    memset(p, 0, sizeof *p);
    *p = (job_part){
        .index = 11,
        .point = 5,
        .repeat = 1,
        .layout = 3,
        .seconds = 1.25,
        .n = N,
        .rule = MEASURE_RATIO_RULE,
        .cls = cls,
        .overlap = ov,
        .dist = dist,
        .outcome = out,
        .d_pair = arr[0],
        .cos_pair = arr[1],
        .t_col_ou = arr[2],
        .t_near_ou = arr[3],
        .t_first_ou = arr[4],
        .t_start_ou = arr[5],
        .winner = winner,
        .deterministic = 1,
        .lost = 7,
        .clones_skipped = 1,
        .before = before,
        .cosine = cosine,
        .has_cal = 1,
        .cal = {.delta_m = 0.05,
                .delta_s = nan_payload,
                .delta_h = 0.75,
                .quantile = 0.01,
                .support = CALIBRATE_SUPPORT_HELDOUT,
                .auto_m = 1,
                .auto_s = 0,
                .fallback_m = 0,
                .fallback_s = 1},
        .d_law = d_law,
        .has_spurious = 1,
        .spurious = {.cluster = cluster, .clusters = clusters, .n_clusters = 1},
        .spurious_rows = {sp_rows, sizeof sp_rows - 1},
        .t_theory = 0.75,
        .t_speciation = nan_payload,
        .theory_basis = 3,
        .n_clones = CLONES,
        .clone_same = same,
        .clone_n = cn,
        .clone_time = ct,
        .clone_time_ou = cto,
        .clone_same_class = same_class,
        .clone_labeled = labeled,
        .land_attractors = 9,
        .land_grouped = 17,
        .land_by_class = {1, 2, 3, 4},
        .minima_patterns = 25,
        .minima = 4022,
        .minima_stored = 21,
        .minima_novel = 4001,
        .minima_examined = 123456789,
        .covered = 0.1875,
        .covered_se = nan_payload,
        .minima_rows = {min_rows, sizeof min_rows - 1},
        .records = {rec, sizeof rec - 1},
        .attractors = {att, sizeof att - 1},
        .training = {tr, sizeof tr - 1},
        .dim = DIM,
        .states = states,
        .compare_r2 = 0.875,
        .compare = {cmp, sizeof cmp - 1}};
}

#define SAME_ARRAY(a, b, n) EXPECT((a) && (b) && memcmp((a), (b), (n) * sizeof *(a)) == 0)

TEST_IMPL(job_part_round_trip)
{
    job_part p, q;
    populate(&p);
    uint8_t *bytes = NULL, *again = NULL;
    size_t n = 0, n_again = 0;
    char err[256] = "";
    ASSERT_EQ(job_part_encode(&p, &bytes, &n, err, sizeof err), BASIN_OK);
    ASSERT_EQ(job_part_decode(bytes, n, &q, err, sizeof err), BASIN_OK);
    EXPECT_EQ(q.index, 11);
    EXPECT_EQ(q.point, 5);
    EXPECT_EQ(q.repeat, 1);
    EXPECT_EQ(q.layout, 3);
    EXPECT(memcmp(&q.seconds, &p.seconds, 8) == 0);
    EXPECT_EQ(q.n, N);
    EXPECT_EQ(q.rule, MEASURE_RATIO_RULE);
    SAME_ARRAY(q.cls, p.cls, N);
    for (int i = 0; i < N; i++) {
        EXPECT_EQ(q.overlap[i].pattern, p.overlap[i].pattern);
        EXPECT(memcmp(q.overlap[i].top, p.overlap[i].top, sizeof p.overlap[i].top) == 0);
        EXPECT(signbit(q.overlap[i].heldout) && q.overlap[i].heldout == 0);
        EXPECT(memcmp(&q.overlap[i].next, &p.overlap[i].next, 8) == 0);
        EXPECT_EQ(q.overlap[i].dim, p.overlap[i].dim);
        EXPECT(memcmp(&q.cosine[i], &p.cosine[i], sizeof p.cosine[i]) == 0);
        EXPECT(memcmp(&q.dist[i], &p.dist[i], sizeof p.dist[i]) == 0);
        EXPECT(memcmp(&q.before[i], &p.before[i], sizeof p.before[i]) == 0);
    }
    SAME_ARRAY(q.outcome, p.outcome, N);
    SAME_ARRAY(q.d_pair, p.d_pair, N);
    SAME_ARRAY(q.cos_pair, p.cos_pair, N);
    SAME_ARRAY(q.t_col_ou, p.t_col_ou, N);
    SAME_ARRAY(q.t_near_ou, p.t_near_ou, N);
    SAME_ARRAY(q.t_first_ou, p.t_first_ou, N);
    SAME_ARRAY(q.t_start_ou, p.t_start_ou, N);
    SAME_ARRAY(q.winner, p.winner, N);
    EXPECT_EQ(q.deterministic, 1);
    EXPECT_EQ(q.lost, 7);
    EXPECT_EQ(q.clones_skipped, 1);
    EXPECT(q.t_theory == 0.75);
    EXPECT(memcmp(&q.t_speciation, &p.t_speciation, 8) == 0); /* the NaN's payload */
    EXPECT_EQ(q.theory_basis, 3);
    EXPECT_EQ(q.n_clones, CLONES);
    SAME_ARRAY(q.clone_same, p.clone_same, CLONES);
    SAME_ARRAY(q.clone_n, p.clone_n, CLONES);
    SAME_ARRAY(q.clone_time, p.clone_time, CLONES);
    SAME_ARRAY(q.clone_time_ou, p.clone_time_ou, CLONES);
    SAME_ARRAY(q.clone_same_class, p.clone_same_class, CLONES);
    EXPECT_EQ(q.has_cal, 1);
    EXPECT(memcmp(&q.cal.delta_s, &p.cal.delta_s, 8) == 0);
    EXPECT(q.cal.delta_m == 0.05 && q.cal.delta_h == 0.75 && q.cal.quantile == 0.01);
    EXPECT(q.cal.support == CALIBRATE_SUPPORT_HELDOUT && q.cal.auto_m == 1 &&
           q.cal.auto_s == 0 && q.cal.fallback_m == 0 && q.cal.fallback_s == 1);
    SAME_ARRAY(q.d_law, p.d_law, N);
    EXPECT_EQ(q.has_spurious, 1);
    SAME_ARRAY(q.spurious.cluster, p.spurious.cluster, N);
    EXPECT_EQ(q.spurious.n_clusters, 1);
    EXPECT(q.spurious.clusters && q.spurious.clusters[0].size == 2 &&
           q.spurious.clusters[0].representative == 1);
    EXPECT(strcmp(q.spurious_rows.text, p.spurious_rows.text) == 0);
    SAME_ARRAY(q.clone_labeled, p.clone_labeled, CLONES);
    EXPECT_EQ(q.land_attractors, 9);
    EXPECT_EQ(q.land_grouped, 17);
    SAME_ARRAY(q.land_by_class, p.land_by_class, MEASURE_N_CLASSES);
    EXPECT_EQ(q.minima_patterns, 25);
    EXPECT_EQ(q.minima, 4022);
    EXPECT_EQ(q.minima_stored, 21);
    EXPECT_EQ(q.minima_novel, 4001);
    EXPECT_EQ(q.minima_examined, 123456789);
    EXPECT(q.covered == 0.1875);
    EXPECT(memcmp(&q.covered_se, &p.covered_se, 8) == 0);
    EXPECT(strcmp(q.minima_rows.text, p.minima_rows.text) == 0);
    EXPECT_EQ(q.records.n, p.records.n);
    EXPECT(strcmp(q.records.text, p.records.text) == 0);
    EXPECT(strcmp(q.attractors.text, p.attractors.text) == 0);
    EXPECT(strcmp(q.training.text, p.training.text) == 0);
    EXPECT(q.compare_r2 == 0.875);
    EXPECT(strcmp(q.compare.text, p.compare.text) == 0);
    EXPECT_EQ(q.dim, DIM);
    SAME_ARRAY(q.states, p.states, N * DIM);
    /* Encoded again, the same bytes. */
    ASSERT_EQ(job_part_encode(&q, &again, &n_again, err, sizeof err), BASIN_OK);
    EXPECT_EQ(n_again, n);
    EXPECT(memcmp(bytes, again, n) == 0);
    /* Absent arrays stay absent. */
    job_part_free(&q);
    p.overlap = NULL;
    p.states = NULL;
    free(again);
    ASSERT_EQ(job_part_encode(&p, &again, &n_again, err, sizeof err), BASIN_OK);
    ASSERT_EQ(job_part_decode(again, n_again, &q, err, sizeof err), BASIN_OK);
    EXPECT(q.overlap == NULL && q.states == NULL && q.dist != NULL);
    EXPECT_EQ(n_again, n - 68 * N - 4 * N * DIM); /* their elements gone */
    job_part_free(&q);
    free(again);
    free(bytes);
}

TEST_IMPL(job_part_refused)
{
    job_part p, q;
    populate(&p);
    uint8_t *bytes = NULL;
    size_t n = 0;
    char err[256];
    ASSERT_EQ(job_part_encode(&p, &bytes, &n, err, sizeof err), BASIN_OK);
    /* Cut anywhere: refused, with a message, nothing handed out. */
    int refused = 0;
    for (size_t k = 0; k < n; k++) {
        err[0] = '\0';
        if (job_part_decode(bytes, k, &q, err, sizeof err) == BASIN_EINVAL && err[0] &&
            q.cls == NULL && q.states == NULL)
            refused++;
    }
    EXPECT_EQ(refused, (int)n);
    /* A byte after the last field. */
    uint8_t *longer = malloc(n + 1);
    memcpy(longer, bytes, n);
    longer[n] = 0;
    EXPECT_EQ(job_part_decode(longer, n + 1, &q, err, sizeof err), BASIN_EINVAL);
    EXPECT(strstr(err, "1 bytes after it") != NULL);
    /* Another format. */
    memcpy(longer, bytes, n);
    longer[8] = JOB_PART_VERSION + 1;
    EXPECT_EQ(job_part_decode(longer, n, &q, err, sizeof err), BASIN_EINVAL);
    EXPECT(strstr(err, "newer basin") != NULL);
    /* A class out of range: the first class byte follows the header (12 bytes),
       index, point (8 each), repeat, layout (4 each), seconds, n (8 each), rule
       (4) and cls's presence byte. */
    memcpy(longer, bytes, n);
    longer[12 + 8 + 8 + 4 + 4 + 8 + 8 + 4 + 1] = MEASURE_N_CLASSES;
    EXPECT_EQ(job_part_decode(longer, n, &q, err, sizeof err), BASIN_EINVAL);
    EXPECT(strstr(err, "cls") != NULL);
    /* A count no byte count explains: n = 2^60. */
    memcpy(longer, bytes, n);
    longer[12 + 8 + 8 + 4 + 4 + 8 + 7] = 0x10;
    EXPECT_EQ(job_part_decode(longer, n, &q, err, sizeof err), BASIN_EINVAL);
    free(longer);
    free(bytes);
    /* Minima counts that do not add up: more stored minima than patterns, and
       stored + novel over the total. */
    const uint64_t bad[][3] = {{26, 4027, 4001}, {21, 4022, 4002}};
    for (int k = 0; k < 2; k++) {
        populate(&p);
        p.minima_stored = bad[k][0];
        p.minima = bad[k][1];
        p.minima_novel = bad[k][2];
        ASSERT_EQ(job_part_encode(&p, &bytes, &n, err, sizeof err), BASIN_OK);
        EXPECT_EQ(job_part_decode(bytes, n, &q, err, sizeof err), BASIN_EINVAL);
        EXPECT(strstr(err, "minima") != NULL);
        free(bytes);
    }
}

TEST_LIST_BEGIN
TEST_ENTRY(job_part_round_trip)
TEST_ENTRY(job_part_refused)
TEST_LIST_END
