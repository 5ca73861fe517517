/*
 * datasets/uniform: points uniform in [low, high]^N, its spectrum ((high − low)²/12
 * on every axis) and its law distance (to the cube, / √N).
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder.
 */
#include <basin/plugin.h>

#include "fake_host.h"
#include "harness.h"

#include <math.h>
#include <stdlib.h>

enum { P_DIM, P_COUNT, P_HELDOUT, P_LOW, P_HIGH };

/* N = 4, K = 20000 points in [−1, 3]^4. */
static const uint32_t n = 4;
static const uint64_t k = 20000;
static const double lo = -1, hi = 3;

typedef struct cube {
    const basin_dataset_iface *ds;
    fake_host m;
    basin_value v[5];
    void *self;
} cube;

static int cube_load(cube *c)
{
    const basin_descriptor *desc =
        load_built_plugin(NULL, "datasets/uniform", BASIN_IFACE_DATASET);
    if (!desc)
        return 0;
    c->ds = desc->iface;
    fake_host_init(&c->m, 7, FAKE_PHILOX);
    const basin_value v[5] = {
        {n, NULL}, {(double)k, NULL}, {10, NULL}, {lo, NULL}, {hi, NULL}};
    for (int i = 0; i < 5; i++)
        c->v[i] = v[i];
    c->self = NULL;
    return 1;
}

static int cube_setup(cube *c)
{
    const int loaded = cube_load(c);
    EXPECT_MSG(loaded, "datasets/uniform loads from $BASIN_TEST_PLUGIN_DIR");
    if (!loaded)
        return 0;
    const int rc = c->ds->create(&c->m.host, c->v, &c->self);
    EXPECT_EQ(rc, BASIN_OK);
    return rc == BASIN_OK && c->self != NULL;
}

TEST_IMPL(uniform_points_in_cube)
{
    cube c;
    if (!cube_setup(&c))
        return;
    basin_dataset_info info = {0};
    EXPECT_EQ(c.ds->info(c.self, &info), 0);
    EXPECT_EQ(info.dim, n);
    EXPECT_EQ(info.n_train, k);
    EXPECT_EQ(info.n_heldout, 10);
    float *x = malloc(k * n * sizeof *x);
    ASSERT_EQ(c.ds->read(c.self, &c.m.host, BASIN_SPLIT_TRAIN, 0, k, x), BASIN_OK);
    double mean[4] = {0}, var[4] = {0}, below = 0, outside = 0;
    for (uint64_t i = 0; i < k * n; i++) {
        outside += x[i] < lo || x[i] > hi;
        below += x[i] < 1; /* the cube's midpoint on the axis */
        mean[i % n] += x[i] / (double)k;
    }
    for (uint64_t i = 0; i < k * n; i++)
        var[i % n] += (x[i] - mean[i % n]) * (x[i] - mean[i % n]) / (double)k;
    EXPECT_NEAR(outside, 0, 0);
    /* Uniform on [lo, hi]: mean 1, variance (hi − lo)²/12 = 4/3, Var[x] = 4/3, so the
       mean of K has SE √(4/3/K) = 0.0082; Var[(x − 1)²] = (hi − lo)⁴/180 = 1.42, SE of
       the variance √(1.42/K) = 0.0084. 4 SE each. */
    for (uint32_t j = 0; j < n; j++) {
        EXPECT_NEAR(mean[j], 1, 4 * 0.0082);
        EXPECT_NEAR(var[j], 4.0 / 3, 4 * 0.0084);
    }
    /* Half below the midpoint: SE 0.5/√(nK) = 0.0018. */
    EXPECT_NEAR(below / (double)(k * n), 0.5, 4 * 0.0018);
    free(x);
    c.ds->destroy(c.self);
    EXPECT_EQ(c.m.n_warnings, 0);
}

TEST_IMPL(uniform_spectrum_and_law)
{
    cube c;
    if (!cube_setup(&c))
        return;
    double lambda[4];
    EXPECT_EQ(c.ds->spectrum(c.self, &c.m.host, lambda), 0);
    EXPECT_NEAR(lambda[0], 16.0 / 12, 1e-15);
    EXPECT_NEAR(lambda[3], 16.0 / 12, 1e-15);
    /* Inside: 0; (−2, 1, 5, 3): 1 below, 2 above → √(1 + 4)/√4. */
    const float pts[8] = {0, 2, -1, 3, -2, 1, 5, 3};
    double d[2];
    EXPECT_EQ(c.ds->law_distance(c.self, &c.m.host, pts, 2, d), 0);
    EXPECT_NEAR(d[0], 0, 0);
    EXPECT_NEAR(d[1], sqrt(5.0 / 4), 1e-12);
    c.ds->destroy(c.self);
}

/* The same seed draws the same points; growing count keeps the first ones. */
TEST_IMPL(uniform_prefix)
{
    cube a, b;
    if (!cube_setup(&a))
        return;
    ASSERT(cube_load(&b));
    b.v[P_COUNT].number = 5;
    ASSERT_EQ(b.ds->create(&b.m.host, b.v, &b.self), BASIN_OK);
    float xa[20], xb[20];
    ASSERT_EQ(a.ds->read(a.self, &a.m.host, BASIN_SPLIT_TRAIN, 0, 5, xa), BASIN_OK);
    ASSERT_EQ(b.ds->read(b.self, &b.m.host, BASIN_SPLIT_TRAIN, 0, 5, xb), BASIN_OK);
    for (int i = 0; i < 20; i++)
        EXPECT_NEAR(xa[i], xb[i], 0);
    a.ds->destroy(a.self);
    b.ds->destroy(b.self);
}

/* Bad input: low not below high. */
TEST_IMPL(uniform_refusal)
{
    cube c;
    ASSERT_MSG(cube_load(&c), "datasets/uniform loads from $BASIN_TEST_PLUGIN_DIR");
    c.v[P_LOW].number = 3;
    fake_last_error[0] = 0;
    EXPECT_EQ(c.ds->create(&c.m.host, c.v, &c.self), BASIN_EINVAL);
    EXPECT_NULL(c.self);
    EXPECT_STR_CONTAINS(fake_last_error, "low");
}

TEST_LIST_BEGIN
TEST_ENTRY(uniform_points_in_cube)
TEST_ENTRY(uniform_spectrum_and_law)
TEST_ENTRY(uniform_prefix)
TEST_ENTRY(uniform_refusal)
TEST_LIST_END
