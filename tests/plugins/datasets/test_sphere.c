/*
 * datasets/sphere: points on S^(d−1) of radius r in the first d of N coordinates,
 * its spectrum (r²/d on d axes) and its law distance (to the sphere, / √N).
 */
#include <basin/plugin.h>

#include "fake_host.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int n_failed, n_passed;
#define CHECK(cond, ...)                                                                 \
    do {                                                                                 \
        if (cond) {                                                                      \
            n_passed++;                                                                  \
            printf("ok   - ");                                                           \
        } else {                                                                         \
            n_failed++;                                                                  \
            printf("FAIL - ");                                                           \
        }                                                                                \
        printf(__VA_ARGS__);                                                             \
        putchar('\n');                                                                   \
    } while (0)

enum { P_DIM, P_SPHERE_DIM, P_RADIUS, P_COUNT, P_HELDOUT };

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SPHERE.so\n", argv[0]);
        return 2;
    }
    const basin_descriptor *desc = load_plugin(argv[1], "datasets/sphere");
    if (!desc)
        return 1;
    const basin_dataset_iface *ds = desc->iface;
    fake_host m;
    fake_host_init(&m, 7, FAKE_PHILOX);
    const basin_host *host = &m.host;

    /* N = 5, a 2-sphere (d = 3) of radius 2, K = 20000. */
    const uint32_t n = 5, d = 3;
    const uint64_t k = 20000;
    const double r = 2;
    basin_value v[5] = {{n, NULL}, {d, NULL}, {r, NULL}, {(double)k, NULL}, {10, NULL}};
    void *self = NULL;
    int rc = ds->create(host, v, &self);
    basin_dataset_info info = {0};
    CHECK(rc == 0 && self && ds->info(self, &info) == 0 && info.dim == n &&
              info.n_train == k && info.n_heldout == 10,
          "create and info: N = %u, K = %llu", info.dim,
          (unsigned long long)info.n_train);
    float *x = malloc(k * n * sizeof *x);
    double *dist = malloc(k * sizeof *dist);
    rc = ds->read(self, host, BASIN_SPLIT_TRAIN, 0, k, x);
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
    CHECK(rc == 0 && worst_norm < 1e-5 && worst_out == 0,
          "points lie on the sphere (| |x| - r | <= %.1e) in the first d coordinates",
          worst_norm);
    /* Uniform on S^2 of radius r: E[x_j²] = r²/3, Var[x_j²] = r⁴(1/5 − 1/9): the
       mean of K squares has SE r²·√(4/45/K) = 0.0084; 4 SE. */
    double se = r * r * sqrt(4.0 / 45 / (double)k), worst_z = 0;
    for (uint32_t j = 0; j < d; j++)
        worst_z = fmax(worst_z, fabs(var[j] - r * r / d) / se);
    CHECK(worst_z < 4, "coordinate variances match r²/d = %.4f (worst %.2f SE)",
          r * r / d, worst_z);
    double lambda[5];
    rc = ds->spectrum(self, host, lambda);
    CHECK(rc == 0 && lambda[0] == r * r / d && lambda[2] == r * r / d && lambda[3] == 0 &&
              lambda[4] == 0,
          "spectrum: r²/d on d axes, 0 on the rest");
    rc = ds->law_distance(self, host, x, 100, dist);
    double worst_on = 0;
    for (int i = 0; i < 100; i++)
        worst_on = fmax(worst_on, dist[i]);
    CHECK(rc == 0 && worst_on < 1e-6, "training points are at law distance %.1e",
          worst_on);
    /* (2r, 0, 0, 0, 1): radial offset r, off-sphere 1 → √(r² + 1)/√N. */
    float far[5] = {(float)(2 * r), 0, 0, 0, 1};
    rc = ds->law_distance(self, host, far, 1, dist);
    CHECK(rc == 0 && fabs(dist[0] - sqrt((r * r + 1) / n)) < 1e-12,
          "law distance of (2r, 0, 0, 0, 1) is sqrt((r² + 1)/N) = %.6f",
          sqrt((r * r + 1) / n));
    ds->destroy(self);

    /* Bad input: the sphere spans more coordinates than there are. */
    v[P_SPHERE_DIM].number = 6;
    self = NULL;
    rc = ds->create(host, v, &self);
    CHECK(rc == BASIN_EINVAL && !self, "sphere_dim 6 > dim 5 is refused: %s",
          fake_last_error);
    free(x);
    free(dist);
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed != 0;
}
