/* attractor_group: exact counts on synthetic clusters, separation, mask, ids in
 * order of first appearance, the ±1 hashing path, bad input, and a timing print
 * for 10⁵ states (not asserted). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "measure/attractor.h"
#include "basin/plugin.h"
#include "base/rng.h"

#define SEED 20250521u

/* n states scattered around k centres (dim each): state i belongs to centre
 * label[i] (drawn at random) and lies at normalized distance exactly `radius`
 * from it, in a random direction. Centres are standard normal: two of them are
 * ≈ √2 apart (normalized), far beyond any tol used here. */
static void scatter(float *states, int64_t *label, uint64_t n, const float *centres,
                    uint32_t k, uint32_t dim, double radius, uint64_t stream)
{
    float *dir = malloc(dim * sizeof *dir);
    uint32_t word;
    for (uint64_t i = 0; i < n; i++) {
        rng_bits(SEED, 1, stream + i, 0, &word, 1);
        uint32_t c = (uint32_t)(((uint64_t)word * k) >> 32);
        label[i] = c;
        rng_normal(SEED, 1, stream + i, 1, dir, dim);
        double norm = 0;
        for (uint32_t j = 0; j < dim; j++)
            norm += (double)dir[j] * dir[j];
        double s = radius * sqrt((double)dim / norm);
        for (uint32_t j = 0; j < dim; j++)
            states[i * dim + j] = (float)(centres[(uint64_t)c * dim + j] + s * dir[j]);
    }
    free(dir);
}

/* 20 centres in dim 50, 10⁵ states within tol/3 of them: every member is within
 * 2·tol/3 < tol of its cluster's first member, and clusters are ≫ 2·tol apart, so
 * leader clustering is exact: 20 attractors with the true counts. */
TEST_IMPL(attractor_clusters)
{
    const uint32_t k = 20, dim = 50;
    const uint64_t n = 100000;
    const double tol = 0.05;
    float *centres = malloc((size_t)k * dim * sizeof *centres);
    float *states = malloc((size_t)n * dim * sizeof *states);
    int64_t *label = malloc(n * sizeof *label);
    int64_t *id = malloc(n * sizeof *id);
    rng_normal(SEED, 2, 0, 0, centres, (size_t)k * dim);
    scatter(states, label, n, centres, k, dim, tol / 3, 0);

    attractor_set s;
    char err[256] = "";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = attractor_group(states, n, dim, NULL, tol, 0, id, &s, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("# attractor_group: %llu states, dim %u, %llu attractors in %.3f s\n",
           (unsigned long long)n, dim, (unsigned long long)s.n_attractors,
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    EXPECT_MSG(rc == 0, "rc %d: %s", rc, err);
    EXPECT_MSG(s.n_attractors == k, "%llu attractors, want %u",
               (unsigned long long)s.n_attractors, k);
    EXPECT_MSG(s.n_grouped == n, "grouped %llu", (unsigned long long)s.n_grouped);

    /* Each attractor is exactly one true cluster (a bijection label ↔ id), with
       its true count; ids in order of first appearance. */
    int64_t *of_label = malloc(k * sizeof *of_label);
    uint64_t *true_count = calloc(k, sizeof *true_count);
    for (uint32_t c = 0; c < k; c++)
        of_label[c] = -1;
    int consistent = 1, ordered = 1;
    int64_t next_new = 0;
    for (uint64_t i = 0; i < n; i++) {
        true_count[label[i]]++;
        if (id[i] < 0 || id[i] >= (int64_t)k) {
            consistent = 0;
            break;
        }
        if (of_label[label[i]] < 0) {
            of_label[label[i]] = id[i];
            if (id[i] != next_new++)
                ordered = 0;
            if (s.first[id[i]] != i)
                ordered = 0;
        } else if (of_label[label[i]] != id[i]) {
            consistent = 0;
        }
    }
    EXPECT_MSG(consistent, "an attractor mixes two clusters or splits one");
    EXPECT_MSG(ordered, "ids are not in order of first appearance");
    if (consistent && s.n_attractors == k) {
        int counts = 1, reps = 1;
        for (uint32_t c = 0; c < k; c++) {
            if (s.count[of_label[c]] != true_count[c])
                counts = 0;
            if (memcmp(s.representative + (size_t)of_label[c] * dim,
                       states + s.first[of_label[c]] * dim, dim * sizeof(float)))
                reps = 0;
        }
        EXPECT_MSG(counts, "member counts differ from the true cluster sizes");
        EXPECT_MSG(reps, "representatives are not copies of the first members");
    }

    /* Deterministic: the same input gives the same ids. */
    int64_t *id2 = malloc(n * sizeof *id2);
    attractor_set s2;
    rc = attractor_group(states, n, dim, NULL, tol, 0, id2, &s2, err, sizeof err);
    EXPECT_MSG(rc == 0 && memcmp(id, id2, n * sizeof *id) == 0, "not deterministic");
    attractor_set_free(&s2);

    /* max_attractors below the true count stops with EINVAL and an empty set. */
    rc = attractor_group(states, n, dim, NULL, tol, k - 1, id2, &s2, err, sizeof err);
    EXPECT_MSG(rc == BASIN_EINVAL && s2.n_attractors == 0 && id2[0] == -1,
               "max_attractors: rc %d", rc);
    EXPECT_MSG(strstr(err, "distinct attractors") != NULL, "message: %s", err);
    attractor_set_free(&s2);

    /* Mask: only even states are grouped; odd ones get −1, counts halve
       accordingly (the true counts over even states). */
    uint8_t *mask = malloc(n);
    for (uint64_t i = 0; i < n; i++)
        mask[i] = (i % 2) == 0;
    rc = attractor_group(states, n, dim, mask, tol, 0, id2, &s2, err, sizeof err);
    EXPECT_MSG(rc == 0 && s2.n_attractors == k && s2.n_grouped == n / 2, "mask: rc %d",
               rc);
    int masked_ok = 1;
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++)
        if ((i % 2 == 1) != (id2[i] == -1))
            masked_ok = 0;
    for (uint64_t a = 0; a < s2.n_attractors; a++) {
        total += s2.count[a];
        if (s2.first[a] % 2 == 1)
            masked_ok = 0;
    }
    EXPECT_MSG(masked_ok && total == n / 2, "mask not respected");
    attractor_set_free(&s2);

    free(mask);
    free(id2);
    free(of_label);
    free(true_count);
    attractor_set_free(&s);
    free(centres);
    free(states);
    free(label);
    free(id);
}

/* States 2·tol apart stay separate; states 0.9·tol apart merge; the nearest
 * representative wins over an earlier, farther one. In one dimension-16 line. */
TEST_IMPL(attractor_separation)
{
    const uint32_t dim = 16;
    const double tol = 0.1;
    /* Along e_0, normalized distance |a − b| / 4 (√16 = 4). */
    const double pos[] = {0.0, 2 * tol * 4, 0.9 * tol * 4 + 2 * tol * 4, 0.05 * 4};
    float x[4 * 16] = {0};
    for (int i = 0; i < 4; i++)
        x[(uint32_t)i * dim] = (float)pos[i];
    int64_t id[4];
    attractor_set s;
    char err[256] = "";
    int rc = attractor_group(x, 4, dim, NULL, tol, 0, id, &s, err, sizeof err);
    /* 0 and 1 are 2·tol apart: separate. 2 is 0.9·tol from 1: joins 1. 3 is 0.05
       from 0 and 0.15 from 1: joins 0. */
    EXPECT_MSG(rc == 0 && s.n_attractors == 2, "rc %d, %llu attractors", rc,
               (unsigned long long)s.n_attractors);
    EXPECT_MSG(id[0] == 0 && id[1] == 1 && id[2] == 1 && id[3] == 0,
               "ids %lld %lld %lld %lld", (long long)id[0], (long long)id[1],
               (long long)id[2], (long long)id[3]);
    attractor_set_free(&s);

    /* Nearest, not first: 0 at 0, 1 at 1.5·tol; state 2 at 0.8·tol is within tol
       of both and must join 1 (0.7·tol away), not 0 (0.8·tol). */
    float y[3 * 16] = {0};
    y[1 * dim] = (float)(1.5 * tol * 4);
    y[2 * dim] = (float)(0.8 * tol * 4);
    rc = attractor_group(y, 3, dim, NULL, tol, 0, id, &s, err, sizeof err);
    EXPECT_MSG(rc == 0 && s.n_attractors == 2 && id[2] == 1, "nearest: id %lld",
               (long long)id[2]);
    attractor_set_free(&s);
}

/* Same rule across blocks: 2 centres, the second first seen after 3000 states
 * (beyond the first blocks of 1024), then interleaved with the first. */
TEST_IMPL(attractor_blocks)
{
    const uint32_t dim = 8;
    const uint64_t n = 5000;
    const double tol = 0.1;
    float *x = calloc((size_t)n * dim, sizeof *x);
    int64_t *id = malloc(n * sizeof *id);
    for (uint64_t i = 0; i < n; i++)
        x[i * dim] = i < 3000 || i % 2 ? 0.0f : 10.0f;
    attractor_set s;
    char err[256] = "";
    int rc = attractor_group(x, n, dim, NULL, tol, 0, id, &s, err, sizeof err);
    /* tol = 0.1 > 0 with real values: the leader path. */
    EXPECT_MSG(rc == 0 && s.n_attractors == 2 && s.first[1] == 3000 &&
                   s.count[0] == 3000 + 1000 && s.count[1] == 1000,
               "blocks: rc %d, A %llu", rc, (unsigned long long)s.n_attractors);
    attractor_set_free(&s);
    free(x);
    free(id);
}

/* ±1 states: mirrors are separate; exact path (tol < 2/√dim) and leader path
 * (tol ≥ 2/√dim merges one-spin neighbours) agree with the geometry. */
TEST_IMPL(attractor_binary)
{
    const uint32_t dim = 100; /* one flip: normalized distance 2/√100 = 0.2 */
    float x[5 * 100];
    uint32_t bits[100];
    rng_bits(SEED, 3, 0, 0, bits, dim);
    for (uint32_t j = 0; j < dim; j++) {
        float v = (bits[j] & 1) ? 1.0f : -1.0f;
        x[0 * dim + j] = v;  /* ξ */
        x[1 * dim + j] = -v; /* −ξ, the mirror */
        x[2 * dim + j] = v;  /* ξ again */
        x[3 * dim + j] = v;  /* ξ with spin 0 flipped */
        x[4 * dim + j] = -v; /* −ξ again */
    }
    x[3 * dim] = -x[3 * dim];
    int64_t id[5];
    attractor_set s;
    char err[256] = "";
    for (int pass = 0; pass < 2; pass++) {
        double tol = pass == 0 ? 0.0 : 0.1; /* both exact: 0.1 < 0.2 */
        int rc = attractor_group(x, 5, dim, NULL, tol, 0, id, &s, err, sizeof err);
        EXPECT_MSG(rc == 0 && s.n_attractors == 3, "exact pass %d: %llu attractors", pass,
                   (unsigned long long)s.n_attractors);
        EXPECT_MSG(id[0] == 0 && id[1] == 1 && id[2] == 0 && id[3] == 2 && id[4] == 1,
                   "exact ids %lld %lld %lld %lld %lld", (long long)id[0],
                   (long long)id[1], (long long)id[2], (long long)id[3],
                   (long long)id[4]);
        EXPECT_MSG(s.count[0] == 2 && s.count[1] == 2 && s.count[2] == 1, "counts");
        attractor_set_free(&s);
    }
    /* tol = 0.25 ≥ 0.2: the one-flip neighbour joins ξ; the mirror (distance 2)
       stays apart. */
    int rc = attractor_group(x, 5, dim, NULL, 0.25, 0, id, &s, err, sizeof err);
    EXPECT_MSG(rc == 0 && s.n_attractors == 2 && id[3] == 0 && id[1] == 1,
               "leader binary: %llu attractors", (unsigned long long)s.n_attractors);
    attractor_set_free(&s);
}

/* Many attractors: 3000 random ±1 states of dim 64, each appearing twice (the
 * second copies in a scrambled order). Random states lie ≈ √2 apart (normalized),
 * so the hashing path (tol 0) and the leader path (tol 0.3 ≥ 2/√64) must both find
 * 3000 attractors of two members, with identical ids; A > 1024 also exercises
 * nearest_two's reference blocks. */
TEST_IMPL(attractor_many)
{
    const uint32_t dim = 64, k = 3000;
    float *x = malloc((size_t)2 * k * dim * sizeof *x);
    uint32_t bits[64];
    for (uint32_t a = 0; a < k; a++) {
        rng_bits(SEED, 4, a, 0, bits, dim);
        for (uint32_t j = 0; j < dim; j++)
            x[(size_t)a * dim + j] = (bits[j] & 1) ? 1.0f : -1.0f;
    }
    /* Second copies: state k + a repeats state (a · 1777) mod k (1777 is coprime
       to 3000, so every state once). */
    for (uint32_t a = 0; a < k; a++)
        memcpy(x + (size_t)(k + a) * dim, x + (size_t)((a * 1777u) % k) * dim,
               dim * sizeof *x);
    int64_t *id0 = malloc(2 * k * sizeof *id0), *id1 = malloc(2 * k * sizeof *id1);
    attractor_set s0, s1;
    char err[256] = "";
    int rc0 = attractor_group(x, 2 * k, dim, NULL, 0.0, 0, id0, &s0, err, sizeof err);
    int rc1 = attractor_group(x, 2 * k, dim, NULL, 0.3, 0, id1, &s1, err, sizeof err);
    EXPECT_MSG(rc0 == 0 && rc1 == 0 && s0.n_attractors == k && s1.n_attractors == k,
               "many: %llu and %llu attractors", (unsigned long long)s0.n_attractors,
               (unsigned long long)s1.n_attractors);
    EXPECT_MSG(memcmp(id0, id1, 2 * k * sizeof *id0) == 0, "paths disagree");
    int ok = 1;
    for (uint32_t a = 0; a < k && s0.n_attractors == k; a++)
        if (s0.count[a] != 2 || id0[k + a] != (int64_t)((a * 1777u) % k))
            ok = 0;
    EXPECT_MSG(ok, "many: wrong members");
    attractor_set_free(&s0);
    attractor_set_free(&s1);
    free(x);
    free(id0);
    free(id1);
}

/* tol = 0 on real states groups exact duplicates only (−0 equals +0). */
TEST_IMPL(attractor_exact_real)
{
    float x[4 * 3] = {0.5f, -0.0f, 2.0f,       0.5f, 0.0f,  2.0f,
                      0.5f, 0.0f,  2.0000002f, 0.5f, -0.0f, 2.0f};
    int64_t id[4];
    attractor_set s;
    char err[256] = "";
    int rc = attractor_group(x, 4, 3, NULL, 0.0, 0, id, &s, err, sizeof err);
    EXPECT_MSG(rc == 0 && s.n_attractors == 2 && id[0] == 0 && id[1] == 0 && id[2] == 1 &&
                   id[3] == 0,
               "exact real: %llu attractors", (unsigned long long)s.n_attractors);
    attractor_set_free(&s);
}

TEST_IMPL(attractor_bad_input)
{
    float x[2 * 2] = {1.0f, 2.0f, NAN, 0.0f};
    int64_t id[2];
    attractor_set s;
    char err[256] = "";
    int rc = attractor_group(x, 2, 2, NULL, 0.1, 0, id, &s, err, sizeof err);
    EXPECT_MSG(rc == BASIN_ENUMERIC && strstr(err, "state 1") != NULL, "NaN: %d %s", rc,
               err);
    attractor_set_free(&s);
    /* The NaN state masked out is fine. */
    uint8_t mask[2] = {1, 0};
    rc = attractor_group(x, 2, 2, mask, 0.1, 0, id, &s, err, sizeof err);
    EXPECT_MSG(rc == 0 && s.n_attractors == 1 && id[1] == -1, "masked NaN: %d", rc);
    attractor_set_free(&s);
    rc = attractor_group(x, 2, 2, NULL, -1.0, 0, id, &s, err, sizeof err);
    EXPECT_MSG(rc == BASIN_EINVAL, "negative tol: %d", rc);
    rc = attractor_group(x, 2, 2, NULL, NAN, 0, id, &s, err, sizeof err);
    EXPECT_MSG(rc == BASIN_EINVAL, "NaN tol: %d", rc);
    rc = attractor_group(x, 2, 0, NULL, 0.1, 0, id, &s, NULL, 0);
    EXPECT_MSG(rc == BASIN_EINVAL, "dim 0: %d", rc);
    /* Nothing selected: no attractors, all −1. */
    uint8_t none[2] = {0, 0};
    rc = attractor_group(x, 2, 2, none, 0.1, 0, id, &s, err, sizeof err);
    EXPECT_MSG(rc == 0 && s.n_attractors == 0 && id[0] == -1 && id[1] == -1, "none");
    attractor_set_free(&s);
    attractor_set_free(&s); /* twice is safe */
}

TEST_LIST_BEGIN
TEST_ENTRY(attractor_clusters)
TEST_ENTRY(attractor_separation)
TEST_ENTRY(attractor_blocks)
TEST_ENTRY(attractor_binary)
TEST_ENTRY(attractor_many)
TEST_ENTRY(attractor_exact_real)
TEST_ENTRY(attractor_bad_input)
TEST_LIST_END
