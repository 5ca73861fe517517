/*
 * datasets/sphere: points on S^(d−1) of radius r in the first d of N coordinates,
 * its spectrum (r²/d on d axes) and its law distance (to the sphere, / √N).
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder.
 */
#include <basin/plugin.h>

#include "fake_host.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { P_DIM, P_SPHERE_DIM, P_RADIUS, P_COUNT, P_HELDOUT };

/* N = 5, a 2-sphere (d = 3) of radius 2, K = 20000. */
static const uint32_t n = 5, d = 3;
static const uint64_t k = 20000;
static const double r = 2;

/* A case's plugin, host and data set (values v), made by sphere_setup. */
typedef struct sphere {
    const basin_dataset_iface *ds;
    fake_host m;
    basin_value v[5];
    void *self;
} sphere;

/* The plugin and a fake host (Philox stream, seed 7); 0 when the plugin is not
   there (load_built_plugin said why). */
static int sphere_load(sphere *s)
{
    const basin_descriptor *desc =
        load_built_plugin(NULL, "datasets/sphere", BASIN_IFACE_DATASET);
    if (!desc)
        return 0;
    s->ds = desc->iface;
    fake_host_init(&s->m, 7, FAKE_PHILOX);
    const basin_value v[5] = {
        {n, NULL}, {d, NULL}, {r, NULL}, {(double)k, NULL}, {10, NULL}};
    for (int i = 0; i < 5; i++)
        s->v[i] = v[i];
    s->self = NULL;
    return 1;
}

/* sphere_load, then the data set of the values above; 0 after a failed check. */
static int sphere_setup(sphere *s)
{
    const int loaded = sphere_load(s);
    EXPECT_MSG(loaded, "datasets/sphere loads from $BASIN_TEST_PLUGIN_DIR");
    if (!loaded)
        return 0;
    const int rc = s->ds->create(&s->m.host, s->v, &s->self);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_NOT_NULL(s->self);
    return rc == BASIN_OK && s->self != NULL;
}

/* The K training points (malloc'd), or NULL after a failed check. */
static float *sphere_points(sphere *s)
{
    float *x = malloc(k * n * sizeof *x);
    int rc = s->ds->read(s->self, &s->m.host, BASIN_SPLIT_TRAIN, 0, k, x);
    EXPECT_EQ(rc, BASIN_OK);
    if (rc != BASIN_OK) {
        free(x);
        return NULL;
    }
    return x;
}

TEST_IMPL(sphere_info)
{
    sphere s;
    if (!sphere_setup(&s))
        return;
    basin_dataset_info info = {0};
    EXPECT_EQ(s.ds->info(s.self, &info), 0);
    EXPECT_EQ(info.dim, n);
    EXPECT_EQ(info.n_train, k);
    EXPECT_EQ(info.n_heldout, 10);
    s.ds->destroy(s.self);
    EXPECT_EQ(s.m.n_warnings, 0);
}

TEST_IMPL(sphere_points_on_sphere)
{
    sphere s;
    if (!sphere_setup(&s))
        return;
    float *x = sphere_points(&s);
    ASSERT_NOT_NULL(x);
    double worst_norm = 0, worst_out = 0, var[3] = {0, 0, 0};
    for (uint64_t i = 0; i < k; i++) {
        const float *y = x + i * n;
        double in = 0;
        for (uint32_t j = 0; j < n; j++) {
            if (j < d) {
                in += (double)y[j] * y[j];
                var[j] += (double)y[j] * y[j] / (double)k;
            } else {
                worst_out = fmax(worst_out, fabs(y[j]));
            }
        }
        worst_norm = fmax(worst_norm, fabs(sqrt(in) - r));
    }
    EXPECT_MSG(worst_norm < 1e-5,
               "points lie on the sphere: | |x| - r | up to %.1e, limit 1e-5",
               worst_norm);
    EXPECT_NEAR(worst_out, 0, 0); /* nothing outside the first d coordinates */
    /* Uniform on S^2 of radius r: E[x_j²] = r²/3, Var[x_j²] = r⁴(1/5 − 1/9): the
       mean of K squares has SE r²·√(4/45/K) = 0.0084; 4 SE. */
    double se = r * r * sqrt(4.0 / 45 / (double)k), worst_z = 0;
    for (uint32_t j = 0; j < d; j++)
        worst_z = fmax(worst_z, fabs(var[j] - r * r / d) / se);
    EXPECT_MSG(worst_z < 4, "coordinate variances match r²/d = %.4f (worst %.2f SE)",
               r * r / d, worst_z);
    free(x);
    s.ds->destroy(s.self);
    EXPECT_EQ(s.m.n_warnings, 0);
}

TEST_IMPL(sphere_spectrum)
{
    sphere s;
    if (!sphere_setup(&s))
        return;
    double lambda[5];
    EXPECT_EQ(s.ds->spectrum(s.self, &s.m.host, lambda), 0);
    /* r²/d on d axes, 0 on the rest, exactly. */
    EXPECT_NEAR(lambda[0], r * r / d, 0);
    EXPECT_NEAR(lambda[2], r * r / d, 0);
    EXPECT_NEAR(lambda[3], 0, 0);
    EXPECT_NEAR(lambda[4], 0, 0);
    s.ds->destroy(s.self);
    EXPECT_EQ(s.m.n_warnings, 0);
}

TEST_IMPL(sphere_law_distance)
{
    sphere s;
    if (!sphere_setup(&s))
        return;
    float *x = sphere_points(&s);
    ASSERT_NOT_NULL(x);
    double *dist = malloc(k * sizeof *dist);
    EXPECT_EQ(s.ds->law_distance(s.self, &s.m.host, x, 100, dist), 0);
    double worst_on = 0;
    for (int i = 0; i < 100; i++)
        worst_on = fmax(worst_on, dist[i]);
    EXPECT_MSG(worst_on < 1e-6, "training points are at law distance %.1e, limit 1e-6",
               worst_on);
    /* (2r, 0, 0, 0, 1): radial offset r, off-sphere 1 → √(r² + 1)/√N. */
    float far[5] = {(float)(2 * r), 0, 0, 0, 1};
    EXPECT_EQ(s.ds->law_distance(s.self, &s.m.host, far, 1, dist), 0);
    /* the law distance of (2r, 0, 0, 0, 1) is sqrt((r² + 1)/N) */
    EXPECT_NEAR(dist[0], sqrt((r * r + 1) / n), 1e-12);
    free(x);
    free(dist);
    s.ds->destroy(s.self);
    EXPECT_EQ(s.m.n_warnings, 0);
}

/* Bad input: the sphere spans more coordinates than there are. */
TEST_IMPL(sphere_refusal)
{
    sphere s;
    ASSERT_MSG(sphere_load(&s), "datasets/sphere loads from $BASIN_TEST_PLUGIN_DIR");
    s.v[P_SPHERE_DIM].number = 6;
    fake_last_error[0] = 0;
    EXPECT_EQ(s.ds->create(&s.m.host, s.v, &s.self), BASIN_EINVAL);
    EXPECT_NULL(s.self);
    EXPECT_STR_CONTAINS(fake_last_error, "sphere_dim");
}

TEST_LIST_BEGIN
TEST_ENTRY(sphere_info)
TEST_ENTRY(sphere_points_on_sphere)
TEST_ENTRY(sphere_spectrum)
TEST_ENTRY(sphere_law_distance)
TEST_ENTRY(sphere_refusal)
TEST_LIST_END
