/* rng: Philox4x32-10 known-answer vectors and the stream contract. */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "base/rng.h"

TEST_IMPL(rng_known_answers)
{
    /* Random123's kat_vectors for philox4x32 with 10 rounds (Salmon et al. 2011). */
    static const uint32_t cases[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
         0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
         0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    for (int c = 0; c < 3; c++) {
        uint32_t out[4];
        rng_philox(cases[c], cases[c] + 4, out);
        for (int j = 0; j < 4; j++)
            EXPECT_EQ(out[j], cases[c][6 + j]);
    }
}

TEST_IMPL(rng_streams)
{
    /* A prefix of a stream is the shorter stream: batch size never matters. */
    double a[101], b[7];
    rng_uniform(42, 3, 17, 5, a, 101);
    rng_uniform(42, 3, 17, 5, b, 7);
    EXPECT_MSG(memcmp(a, b, sizeof b) == 0, "uniform prefix differs");
    float na[33], nb[5];
    rng_normal(42, 3, 17, 5, na, 33);
    rng_normal(42, 3, 17, 5, nb, 5);
    EXPECT_MSG(memcmp(na, nb, sizeof nb) == 0, "normal prefix differs");
    /* Every coordinate of the key selects a different stream. */
    double c[4][8];
    rng_uniform(42, 4, 17, 5, c[0], 8);
    rng_uniform(42, 3, 18, 5, c[1], 8);
    rng_uniform(42, 3, 17, 6, c[2], 8);
    rng_uniform(43, 3, 17, 5, c[3], 8);
    for (int k = 0; k < 4; k++)
        EXPECT_MSG(memcmp(a, c[k], 8 * sizeof(double)) != 0, "key coordinate %d ignored",
                   k);
    rng_uniform(42, 3, 17, 5 + (1ull << 32), c[0], 8);
    EXPECT_MSG(memcmp(a, c[0], 8 * sizeof(double)) != 0, "high half of step ignored");
    EXPECT_NE(rng_job_seed(1, 0), rng_job_seed(1, 1));
    EXPECT_NE(rng_job_seed(1, 0), rng_job_seed(2, 0));
}

TEST_IMPL(rng_moments)
{
    /* Mean and variance within 5 standard errors of the law's (n = 2e5). */
    enum { N = 200000 };
    static double u[N];
    static float z[N];
    rng_uniform(7, 1, 0, 0, u, N);
    rng_normal(7, 1, 0, 0, z, N);
    double su = 0, su2 = 0, sz = 0, sz2 = 0, sz4 = 0;
    int in_range = 1;
    for (int i = 0; i < N; i++) {
        su += u[i];
        su2 += u[i] * u[i];
        sz += z[i];
        sz2 += (double)z[i] * z[i];
        sz4 += pow(z[i], 4);
        in_range &= u[i] >= 0 && u[i] < 1;
    }
    double mu = su / N, vu = su2 / N - mu * mu, mz = sz / N, vz = sz2 / N;
    EXPECT_MSG(in_range, "uniform outside [0, 1)");
    EXPECT_NEAR(mu, 0.5, 5 * sqrt(1.0 / 12 / N));
    EXPECT_NEAR(vu, 1.0 / 12, 5 * sqrt(1.0 / 180 / N));
    EXPECT_NEAR(mz, 0, 5 / sqrt((double)N));
    EXPECT_NEAR(vz, 1, 5 * sqrt(2.0 / N));
    EXPECT_NEAR(sz4 / N, 3, 5 * sqrt(96.0 / N));
}

TEST_LIST_BEGIN
TEST_ENTRY(rng_known_answers)
TEST_ENTRY(rng_streams)
TEST_ENTRY(rng_moments)
TEST_LIST_END
