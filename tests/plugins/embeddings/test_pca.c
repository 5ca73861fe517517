/*
 * embeddings/pca against NumPy: the features of a fixed 7 × 4 training set and two
 * further rows, for r = 4 and r = 2 whitened and r = 3 not whitened, equal the
 * reference printed by this script (/usr/bin/python3, NumPy's eigh) within 1e-4:
 *
 *   X = np.array([[3,1,-2,5],[0,4,1,-1],[-3,2,2,0],[6,-1,0,2],[1,1,1,1],
 *                 [-2,-5,3,4],[2,0,-4,-3]], float) / 8
 *   Y = np.array([[1,2,3,4],[-4,0,2,-1]], float) / 8
 *   mu = X.mean(0); lam, V = np.linalg.eigh((X - mu).T @ (X - mu) / len(X))
 *   lam, V = lam[::-1], V[:, ::-1]
 *   for k in range(4):                # the largest entry of each vector positive
 *       if V[np.argmax(abs(V[:, k])), k] < 0: V[:, k] *= -1
 *   W = V[:, :r] / np.sqrt(lam[:r])   # whitened; V[:, :r] when not
 *   F = (np.vstack([X, Y]) - mu) @ W
 *
 * The tolerance: features are O(1), computed in double from float inputs (exact
 * eighths) and stored as float (relative 6e-8); LAPACK's dsyev and NumPy's eigh
 * (also LAPACK) agree on well-separated eigenpairs (gaps ≥ 0.02 here) to ~1e-12.
 * A wrong sign convention, a missing whitening or a (1/(K−1)) covariance would
 * each be off by 0.1 or more.
 */
#include "fake_host.h"
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const float X[7][4] = {{3, 1, -2, 5}, {0, 4, 1, -1},  {-3, 2, 2, 0}, {6, -1, 0, 2},
                              {1, 1, 1, 1},  {-2, -5, 3, 4}, {2, 0, -4, -3}};
static const float Y[2][4] = {{1, 2, 3, 4}, {-4, 0, 2, -1}};

static const double WHITE4[9][4] = {
    {-0.203785176, 1.12588511, 1.24344074, -1.76690927},
    {-0.557245947, -1.17170937, 0.830413302, 0.568044016},
    {0.487628165, -1.4486511, 0.296078826, -0.201052985},
    {-0.46595916, 1.43849977, 0.121009575, 1.66186899},
    {0.0130163367, -0.187442773, 0.361144266, 0.504793678},
    {2.08495843, 0.373549628, -0.944203967, -0.0637148935},
    {-1.35861265, -0.130131277, -1.90788274, -0.703029544},
    {0.611726905, 0.0222874025, 1.94497346, 0.656165891},
    {0.788735064, -1.54496555, -0.838597717, -0.141520071}};
static const double PLAIN3[9][3] = {{-0.0850848206, 0.441372514, 0.302954557},
                                    {-0.232662515, -0.459336661, 0.20232367},
                                    {0.20359555, -0.567904106, 0.0721372773},
                                    {-0.194548261, 0.563924556, 0.0294830311},
                                    {0.00543460862, -0.0734818209, 0.0879899598},
                                    {0.870516283, 0.146439931, -0.23004787},
                                    {-0.567250846, -0.0510144137, -0.464840625},
                                    {0.25540952, 0.00873716756, 0.473877486},
                                    {0.329314344, -0.605661556, -0.204317738}};

/* The features of X's rows then Y's under (components, whiten) into out (9 × m);
   m in *m. BASIN_OK or the plugin's status. */
static int pca_features(int components, int whiten, float *out, uint32_t *m)
{
    const basin_descriptor *d =
        load_built_plugin(NULL, "embeddings/pca", BASIN_IFACE_EMBEDDING);
    if (!d)
        return BASIN_EINTERNAL;
    const basin_embedding_iface *f = d->iface;
    params p = param_defaults(d);
    set_number(&p, "components", components);
    set_number(&p, "whiten", whiten);
    fake_host h;
    fake_host_init(&h, 1, FAKE_SPLITMIX);
    float train[7 * 4], rows[9 * 4];
    for (int i = 0; i < 28; i++)
        train[i] = X[i / 4][i % 4] / 8;
    memcpy(rows, train, sizeof train);
    for (int i = 0; i < 8; i++)
        rows[28 + i] = Y[i / 4][i % 4] / 8;
    void *self = NULL;
    int rc = f->create(&h.host, p.values, &self);
    if (!rc)
        rc = f->encode(self, &h.host, train, 7, 4);
    *m = rc ? 0 : f->dimension(self);
    if (!rc)
        rc = f->features(self, &h.host, rows, 9, 4, out);
    if (self)
        f->destroy(self);
    return rc;
}

/* The largest |out − want| over 9 × m entries of a reference with `cols` columns. */
static double worst(const float *out, const double *want, uint32_t m, uint32_t cols)
{
    double w = 0;
    for (uint32_t r = 0; r < 9; r++)
        for (uint32_t k = 0; k < m; k++)
            w = fmax(w, fabs(out[r * m + k] - want[r * cols + k]));
    return w;
}

TEST_IMPL(pca_whitened_full)
{
    float out[9 * 4];
    uint32_t m;
    ASSERT_EQ(pca_features(0, 1, out, &m), BASIN_OK);
    ASSERT_EQ(m, (uint32_t)4);
    EXPECT_NEAR(worst(out, &WHITE4[0][0], 4, 4), 0, 1e-4);
}

TEST_IMPL(pca_whitened_top_two)
{
    float out[9 * 2];
    uint32_t m;
    ASSERT_EQ(pca_features(2, 1, out, &m), BASIN_OK);
    ASSERT_EQ(m, (uint32_t)2);
    EXPECT_NEAR(worst(out, &WHITE4[0][0], 2, 4), 0, 1e-4);
}

TEST_IMPL(pca_projections_top_three)
{
    float out[9 * 3];
    uint32_t m;
    ASSERT_EQ(pca_features(3, 0, out, &m), BASIN_OK);
    ASSERT_EQ(m, (uint32_t)3);
    EXPECT_NEAR(worst(out, &PLAIN3[0][0], 3, 3), 0, 1e-4);
}

/* Whitened training features have unit variance and zero mean per feature
   (1/K covariance), to float rounding. */
TEST_IMPL(pca_whitened_moments)
{
    float out[9 * 4];
    uint32_t m;
    ASSERT_EQ(pca_features(4, 1, out, &m), BASIN_OK);
    for (uint32_t k = 0; k < m; k++) {
        double s = 0, s2 = 0;
        for (uint32_t r = 0; r < 7; r++) {
            s += out[r * m + k];
            s2 += (double)out[r * m + k] * out[r * m + k];
        }
        EXPECT_NEAR(s / 7, 0, 1e-6);
        EXPECT_NEAR(s2 / 7, 1, 1e-5);
    }
}

/* More components than the training set has variance in: r stops at the rank
   (3 rows in 4 dimensions: 2 components), with a warning. */
TEST_IMPL(pca_rank_limit)
{
    const basin_descriptor *d =
        load_built_plugin(NULL, "embeddings/pca", BASIN_IFACE_EMBEDDING);
    ASSERT_NOT_NULL(d);
    const basin_embedding_iface *f = d->iface;
    params p = param_defaults(d);
    set_number(&p, "components", 4);
    fake_host h;
    fake_host_init(&h, 1, FAKE_SPLITMIX);
    h.quiet = 1;
    float train[3 * 4];
    for (int i = 0; i < 12; i++)
        train[i] = X[i / 4][i % 4];
    void *self = NULL;
    ASSERT_EQ(f->create(&h.host, p.values, &self), BASIN_OK);
    EXPECT_EQ(f->encode(self, &h.host, train, 3, 4), BASIN_OK);
    EXPECT_EQ(f->dimension(self), (uint32_t)2);
    EXPECT_EQ(h.n_warnings, (uint64_t)1);
    float out[8];
    EXPECT_EQ(f->features(self, &h.host, train, 1, 5, out), BASIN_EINVAL);
    f->destroy(self);
}

TEST_LIST_BEGIN
TEST_ENTRY(pca_whitened_full)
TEST_ENTRY(pca_whitened_top_two)
TEST_ENTRY(pca_projections_top_three)
TEST_ENTRY(pca_whitened_moments)
TEST_ENTRY(pca_rank_limit)
TEST_LIST_END
