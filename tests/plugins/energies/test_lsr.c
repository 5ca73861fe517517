/*
 * test_lsr — energies/lsr (Hoover et al. 2025, arXiv:2506.10801), loaded as the
 * host loads it and driven through tests/fake_host.h, with samplers/fixed-point
 * and samplers/gradient-descent for the dynamics.
 *
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder.
 *
 * The minima of E are known in closed form: the centroids c_S of the subsets S
 * whose support set at c_S is exactly S (the energy's header). brute_minima below
 * lists them by visiting every subset of a small pattern set; the samplers' end
 * states are checked against that list.
 */
#include <basin/plugin.h>

#include "fake_host.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fake_host fake;
static const basin_host *const host = &fake.host;
static const basin_descriptor *lsr_desc, *fixed_desc, *descent_desc;

static int setup(void)
{
    fake_host_init(&fake, 20250612, FAKE_SPLITMIX);
    lsr_desc = load_built_plugin(NULL, "energies/lsr", BASIN_IFACE_ENERGY);
    fixed_desc = load_built_plugin(NULL, "samplers/fixed-point", BASIN_IFACE_SAMPLER);
    descent_desc =
        load_built_plugin(NULL, "samplers/gradient-descent", BASIN_IFACE_SAMPLER);
    return lsr_desc && fixed_desc && descent_desc;
}

#define SETUP()                                                                          \
    ASSERT_MSG(setup(), "energies/lsr, samplers/fixed-point and "                        \
                        "samplers/gradient-descent load from $BASIN_TEST_PLUGIN_DIR")

static const basin_energy_iface *lsr_iface(void)
{
    return lsr_desc->iface;
}

/* An LSR energy (beta, epsilon) holding k patterns; NULL with a '#' line. */
static void *make_lsr(double beta, double epsilon, uint32_t dim, const float *xi,
                      uint64_t k)
{
    params p = param_defaults(lsr_desc);
    set_number(&p, "beta", beta);
    set_number(&p, "epsilon", epsilon);
    void *e = NULL;
    if (lsr_iface()->create(host, p.values, dim, &e) != BASIN_OK ||
        lsr_iface()->encode(e, host, xi, k) != BASIN_OK) {
        printf("# make_lsr(%g, %g): %s\n", beta, epsilon, fake_last_error);
        return NULL;
    }
    return e;
}

/* k points uniform in [0, 1)^dim, stream `index` (role DATASET). */
static float *uniform(uint64_t index, uint64_t k, uint32_t dim)
{
    double *u = malloc(k * dim * sizeof *u);
    float *x = malloc(k * dim * sizeof *x);
    host->random_uniform(host, BASIN_ROLE_DATASET, index, 0, u, k * dim);
    for (size_t t = 0; t < k * dim; t++)
        x[t] = (float)u[t];
    free(u);
    return x;
}

static double dist2(const float *a, const double *b, uint32_t dim)
{
    double s = 0;
    for (uint32_t i = 0; i < dim; i++)
        s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return s;
}

/* E in double at a double state (the reference of the finite differences). */
static double reference_energy(const float *xi, uint64_t k, uint32_t dim, double beta,
                               double epsilon, const double *x)
{
    double z = epsilon;
    for (uint64_t mu = 0; mu < k; mu++)
        z += fmax(0, 1 - 0.5 * beta * dist2(xi + mu * dim, x, dim));
    return -log(z) / beta;
}

/*
 * Every minimum of the LSR energy by brute force over the 2^k subsets (k ≤ 16):
 * centroids (rows of out, at most 2^k) whose support set is exactly S, and the
 * size of each S in sizes. Returns the count. Margin: the smallest
 * | ‖c_S − ξ_μ‖² − 2/β | over every minimum and every μ (how far each is from a
 * support boundary), into *margin.
 */
static uint64_t brute_minima(const float *xi, uint64_t k, uint32_t dim, double beta,
                             double *out, uint32_t *sizes, double *margin)
{
    uint64_t count = 0;
    const double r2 = 2 / beta;
    double *c = malloc(dim * sizeof *c);
    *margin = INFINITY;
    for (uint64_t set = 1; set < ((uint64_t)1 << k); set++) {
        memset(c, 0, dim * sizeof *c);
        uint32_t size = 0;
        for (uint64_t mu = 0; mu < k; mu++)
            if (set >> mu & 1) {
                size++;
                for (uint32_t i = 0; i < dim; i++)
                    c[i] += xi[mu * dim + i];
            }
        for (uint32_t i = 0; i < dim; i++)
            c[i] /= size;
        int ok = 1;
        double m = INFINITY;
        for (uint64_t mu = 0; mu < k && ok; mu++) {
            const double d2 = dist2(xi + mu * dim, c, dim);
            ok = (d2 < r2) == (int)(set >> mu & 1);
            m = fmin(m, fabs(d2 - r2));
        }
        if (ok) {
            memcpy(out + count * dim, c, dim * sizeof *c);
            sizes[count++] = size;
            *margin = fmin(*margin, m);
        }
    }
    free(c);
    return count;
}

/* The index of the row of minima (n × dim) within tol (RMS) of x, or −1. */
static int64_t which_minimum(const double *minima, uint64_t n, uint32_t dim,
                             const float *x, double tol)
{
    for (uint64_t j = 0; j < n; j++)
        if (sqrt(dist2(x, minima + j * dim, dim) / dim) <= tol)
            return (int64_t)j;
    return -1;
}

/* --------------------------------------------------------------- the cases */

/* Bad parameters and calls before encode are refused with a message. */
TEST_IMPL(lsr_errors)
{
    SETUP();
    params p = param_defaults(lsr_desc);
    void *e = NULL;
    set_number(&p, "beta", 0);
    ASSERT_EQ(lsr_iface()->create(host, p.values, 4, &e), BASIN_EINVAL);
    ASSERT_STR_CONTAINS(fake_last_error, "beta");
    set_number(&p, "beta", 1);
    set_number(&p, "epsilon", -1);
    ASSERT_EQ(lsr_iface()->create(host, p.values, 4, &e), BASIN_EINVAL);
    set_number(&p, "epsilon", 1e-6);
    ASSERT_EQ(lsr_iface()->create(host, p.values, 4, &e), BASIN_OK);
    float x[4] = {0, 0, 0, 0}, g[4];
    double energy;
    ASSERT_EQ(lsr_iface()->energy(e, host, x, 1, &energy), BASIN_EINVAL);
    ASSERT_STR_CONTAINS(fake_last_error, "before encode");
    float bad[4] = {0, NAN, 0, 0};
    ASSERT_EQ(lsr_iface()->encode(e, host, bad, 1), BASIN_EINVAL);
    ASSERT_EQ(lsr_iface()->encode(e, host, x, 1), BASIN_OK);
    ASSERT_EQ(lsr_iface()->gradient(e, host, bad, 1, g), BASIN_ENUMERIC);
    /* At the pattern itself: E = −log(ε + 1)/β, ∇E = 0. Far away: −log ε / β. */
    ASSERT_EQ(lsr_iface()->energy(e, host, x, 1, &energy), BASIN_OK);
    ASSERT_NEAR(energy, -log(1 + 1e-6), 1e-15);
    float far[4] = {10, 0, 0, 0};
    ASSERT_EQ(lsr_iface()->energy(e, host, far, 1, &energy), BASIN_OK);
    ASSERT_NEAR(energy, -log(1e-6), 1e-12);
    lsr_iface()->destroy(e);
}

/*
 * ∇E and H v against central differences of the double-precision reference energy
 * and of the plugin's gradient, at states inside the supports and at least 50 h
 * from every support boundary (E is smooth there). h = 2^-12: the truncation error
 * h²/6 |∂³E| = 1e-8 |∂³E|, and |∂³E| ≲ 6β²|u|³/Z³ + 3β|S||u|/Z² stays below ~2e3
 * for β ≤ 6, |u| ≤ |S|, Z ≥ 0.1 (states are kept only where Z ≥ 0.1): 2e-5 (1 + |∂E|)
 * covers it and the float rounding of ∇E (6e-8 |∇E|); a wrong term is O(|∇E|). H v
 * from differences of the float gradient carries 6e-8 (|∇E₊| + |∇E₋|)/h ≈ 5e-4 |∇E|.
 */
TEST_IMPL(lsr_gradient_hessian)
{
    SETUP();
    const uint32_t dim = 6;
    const uint64_t k = 10;
    const double h = ldexp(1, -12);
    float *xi = uniform(1, k, dim);
    int tested = 0;
    for (int b = 0; b < 3; b++) {
        const double beta = 2.0 * (b + 1); /* radii 1, 0.71, 0.58 */
        void *e = make_lsr(beta, 1e-3, dim, xi, k);
        ASSERT_NOT_NULL(e);
        float *x = uniform(100 + (uint64_t)b, 64, dim);
        for (uint64_t s = 0; s < 64; s++) {
            float *xs = x + s * dim;
            double xd[6], z = 1e-3, gap = INFINITY;
            for (uint32_t i = 0; i < dim; i++)
                xd[i] = xs[i];
            for (uint64_t mu = 0; mu < k; mu++) {
                const double kern = 1 - 0.5 * beta * dist2(xi + mu * dim, xd, dim);
                z += fmax(0, kern);
                gap = fmin(gap, fabs(kern));
            }
            if (z < 0.1 || gap < 50 * h * beta * 2)
                continue; /* outside the supports, or near a boundary */
            tested++;
            float g[6], v[6], hv[6], xp[6], xm[6], gp[6], gm[6];
            ASSERT_EQ(lsr_iface()->gradient(e, host, xs, 1, g), BASIN_OK);
            for (uint32_t i = 0; i < dim; i++) {
                double up[6], dn[6];
                memcpy(up, xd, sizeof up);
                memcpy(dn, xd, sizeof dn);
                up[i] += h;
                dn[i] -= h;
                const double fd = (reference_energy(xi, k, dim, beta, 1e-3, up) -
                                   reference_energy(xi, k, dim, beta, 1e-3, dn)) /
                                  (2 * h);
                ASSERT_MSG(fabs(g[i] - fd) <= 2e-5 * (1 + fabs(fd)),
                           "beta %g state %llu coordinate %u: gradient %.9g, "
                           "difference %.9g",
                           beta, (unsigned long long)s, i, (double)g[i], fd);
            }
            host->random_normal(host, BASIN_ROLE_INIT, 500 + s, 0, v, dim);
            ASSERT_EQ(lsr_iface()->hessian_vector(e, host, xs, v, 1, hv), BASIN_OK);
            for (uint32_t i = 0; i < dim; i++) {
                xp[i] = (float)(xs[i] + h * v[i]);
                xm[i] = (float)(xs[i] - h * v[i]);
            }
            ASSERT_EQ(lsr_iface()->gradient(e, host, xp, 1, gp), BASIN_OK);
            ASSERT_EQ(lsr_iface()->gradient(e, host, xm, 1, gm), BASIN_OK);
            double gnorm = 0;
            for (uint32_t i = 0; i < dim; i++)
                gnorm += fabs(gp[i]) + fabs(gm[i]);
            for (uint32_t i = 0; i < dim; i++) {
                const double fd = ((double)gp[i] - gm[i]) / (2 * h);
                ASSERT_MSG(fabs(hv[i] - fd) <= 1e-3 * (1 + fabs(fd)) + 2e-7 * gnorm / h,
                           "beta %g state %llu coordinate %u: Hv %.9g, difference "
                           "%.9g",
                           beta, (unsigned long long)s, i, (double)hv[i], fd);
            }
        }
        free(x);
        lsr_iface()->destroy(e);
    }
    ASSERT_GE(tested, 40); /* most states qualify: the test is not vacuous */
    free(xi);
}

/* A sampler of `desc` with its defaults, `name` = value overrides (NULL-ended). */
static void *make_sampler(const basin_descriptor *desc, const char *name, double value,
                          const char *name2, double value2)
{
    params p = param_defaults(desc);
    if (name)
        set_number(&p, name, value);
    if (name2)
        set_number(&p, name2, value2);
    void *s = NULL;
    const basin_sampler_iface *iface = desc->iface;
    if (iface->create(host, p.values, &s) != BASIN_OK) {
        printf("# sampler %s: %s\n", desc->id, fake_last_error);
        return NULL;
    }
    return s;
}

/* Run `desc`'s sampler on n states of the LSR energy e (dim) in place. */
static int run(const basin_descriptor *desc, void *s, void *e, uint32_t dim, float *x,
               uint64_t n, basin_outcome *out)
{
    basin_model model = {
        .struct_size = sizeof model, .dim = dim, .energy = lsr_iface(), .energy_self = e};
    const basin_sampler_iface *iface = desc->iface;
    return iface->run(s, host, &model, x, n, 0, out);
}

/*
 * Three patterns on a line at 0, 1, 2 (in R², second coordinate 0). With support
 * radius r = √(2/β): r ∈ (1.5, ∞) one minimum (the centroid 1); r ∈ (1, 1.5]
 * three (1 and the pair centroids 0.5, 1.5); r ∈ (0.5, 1] five (0, 0.5, 1, 1.5, 2:
 * the patterns and the pair centroids; the triple's centroid 1 then only
 * supports the middle pattern); r ≤ 0.5 the three patterns. Fixed-point iteration
 * from 201 starts along the line (and 0.05 off it) must end on exactly those
 * minima, every one reached, and gradient descent from each minimum + 0.1 must
 * come back to it (the cell of each minimum is at least 0.2 wide here).
 */
TEST_IMPL(lsr_three_on_a_line)
{
    SETUP();
    const float xi[6] = {0, 0, 1, 0, 2, 0};
    const double radius[4] = {2.0, 1.25, 0.8, 0.4};
    const int expect[4] = {1, 3, 5, 3};
    const double where[4][5] = {{1}, {0.5, 1, 1.5}, {0, 0.5, 1, 1.5, 2}, {0, 1, 2}};
    void *fp = make_sampler(fixed_desc, "tol", 0, "max_iter", 100);
    void *gd = make_sampler(descent_desc, "tol", 1e-6, "step", 0.05);
    ASSERT_NOT_NULL(fp);
    ASSERT_NOT_NULL(gd);
    for (int c = 0; c < 4; c++) {
        const double beta = 2 / (radius[c] * radius[c]);
        void *e = make_lsr(beta, 1e-6, 2, xi, 3);
        ASSERT_NOT_NULL(e);
        double minima[3 * 8 * 2];
        uint32_t sizes[8];
        double margin;
        const uint64_t n_min = brute_minima(xi, 3, 2, beta, minima, sizes, &margin);
        ASSERT_EQ((int)n_min, expect[c]);
        enum { N = 201 };
        float x[2 * N];
        basin_outcome out[N];
        for (int s = 0; s < N; s++) {
            x[2 * s] = (float)(-0.3 + 2.6 * s / (N - 1));
            x[2 * s + 1] = (float)(s % 2 ? 0.05 : 0);
        }
        ASSERT_EQ(run(fixed_desc, fp, e, 2, x, N, out), BASIN_OK);
        int hit[5] = {0};
        for (int s = 0; s < N; s++) {
            ASSERT_EQ((int)out[s].converged, 1);
            double energy;
            ASSERT_EQ(lsr_iface()->energy(e, host, x + 2 * s, 1, &energy), BASIN_OK);
            if (energy >= -log(1e-6) / beta - 1e-9)
                continue; /* started (and stayed) outside every support: flat */
            const int64_t j = which_minimum(minima, n_min, 2, x + 2 * s, 1e-6);
            ASSERT_MSG(j >= 0, "radius %g: start %d ended at (%g, %g), not a minimum",
                       radius[c], s, (double)x[2 * s], (double)x[2 * s + 1]);
            if (j >= 0)
                hit[j]++;
        }
        for (int j = 0; j < expect[c]; j++) {
            ASSERT_MSG(hit[j] > 0, "radius %g: minimum %d never reached", radius[c], j);
            const float at[2] = {(float)where[c][j], 0};
            ASSERT_GE(which_minimum(minima, n_min, 2, at, 1e-12), 0);
        }
        /* Gradient descent from each minimum displaced by 0.1 comes back to it, and
           the Hessian there is (|S|/Z) I. */
        for (uint64_t j = 0; j < n_min; j++) {
            float y[2] = {(float)(minima[2 * j] + 0.1), 0.05f};
            basin_outcome o;
            ASSERT_EQ(run(descent_desc, gd, e, 2, y, 1, &o), BASIN_OK);
            ASSERT_EQ((int)o.converged, 1);
            ASSERT_EQ(which_minimum(minima, n_min, 2, y, 2e-6), (int64_t)j);
            const float m[2] = {(float)minima[2 * j], 0};
            double energy;
            ASSERT_EQ(lsr_iface()->energy(e, host, m, 1, &energy), BASIN_OK);
            const double z = exp(-beta * energy);
            const float v[4] = {1, 0, 0, 1};
            const float at[4] = {m[0], m[1], m[0], m[1]};
            float hv[4];
            ASSERT_EQ(lsr_iface()->hessian_vector(e, host, at, v, 2, hv), BASIN_OK);
            const double lambda = sizes[j] / z;
            ASSERT_NEAR(hv[0], lambda, 1e-5 * lambda);
            ASSERT_NEAR(hv[1], 0, 1e-6 * lambda);
            ASSERT_NEAR(hv[2], 0, 1e-6 * lambda);
            ASSERT_NEAR(hv[3], lambda, 1e-5 * lambda);
        }
        lsr_iface()->destroy(e);
    }
    ((const basin_sampler_iface *)fixed_desc->iface)->destroy(fp);
    ((const basin_sampler_iface *)descent_desc->iface)->destroy(gd);
}

/*
 * Random configurations (k = 8 patterns uniform in [0,1)^4, β across the window
 * where minima of every kind exist, three seeds): every end state of the exact
 * fixed-point iteration and of gradient descent that lies in some support is one
 * of the brute-force minima (to 2e-6 RMS: the gradient tol 1e-6 over the Hessian
 * eigenvalue |S|/Z ≥ |S|/(ε + |S|) ≈ 1, plus float rounding); started from each minimum
 * displaced by a fifth of its distance to the nearest support boundary, both
 * samplers return to that same minimum.
 */
TEST_IMPL(lsr_fixed_point_vs_descent)
{
    SETUP();
    const uint32_t dim = 4;
    const uint64_t k = 8;
    void *fp = make_sampler(fixed_desc, "tol", 0, "max_iter", 200);
    void *gd = make_sampler(descent_desc, "tol", 1e-5, "step", 0.05);
    ASSERT_NOT_NULL(fp);
    ASSERT_NOT_NULL(gd);
    int novel = 0, stored = 0, shallow = 0;
    for (uint64_t seed = 0; seed < 3; seed++) {
        float *xi = uniform(10 + seed, k, dim);
        for (int b = 0; b < 3; b++) {
            const double beta = 4.0 * (b + 1);
            void *e = make_lsr(beta, 1e-6, dim, xi, k);
            ASSERT_NOT_NULL(e);
            double *minima = malloc(((size_t)1 << k) * dim * sizeof *minima);
            uint32_t sizes[1 << 8];
            double margin;
            const uint64_t n_min = brute_minima(xi, k, dim, beta, minima, sizes, &margin);
            for (uint64_t j = 0; j < n_min; j++)
                if (sizes[j] == 1)
                    stored++;
                else
                    novel++;
            enum { N = 64 };
            float a[N * 4], bb[N * 4];
            basin_outcome oa[N], ob[N];
            float *u = uniform(50 + seed * 3 + (uint64_t)b, N, dim);
            memcpy(a, u, sizeof a);
            memcpy(bb, u, sizeof bb);
            free(u);
            ASSERT_EQ(run(fixed_desc, fp, e, dim, a, N, oa), BASIN_OK);
            ASSERT_EQ(run(descent_desc, gd, e, dim, bb, N, ob), BASIN_OK);
            for (uint32_t s = 0; s < N; s++) {
                double energy;
                ASSERT_EQ(lsr_iface()->energy(e, host, a + s * dim, 1, &energy),
                          BASIN_OK);
                if (energy < -log(1e-6) / beta - 1e-9) /* inside a support */
                    ASSERT_GE(which_minimum(minima, n_min, dim, a + s * dim, 1e-5), 0);
                ASSERT_EQ(lsr_iface()->energy(e, host, bb + s * dim, 1, &energy),
                          BASIN_OK);
                if (energy < -log(1e-6) / beta - 1e-9 && ob[s].converged)
                    ASSERT_GE(which_minimum(minima, n_min, dim, bb + s * dim, 2e-5), 0);
            }
            /* From each minimum displaced by margin-limited δ: both come back. */
            const double delta = 0.2 * margin / (2 * sqrt(2 / beta) + 1);
            for (uint64_t j = 0; j < n_min; j++) {
                float y[4], w[4];
                basin_outcome o;
                const float at[4] = {(float)minima[j * dim], (float)minima[j * dim + 1],
                                     (float)minima[j * dim + 2],
                                     (float)minima[j * dim + 3]};
                double energy;
                ASSERT_EQ(lsr_iface()->energy(e, host, at, 1, &energy), BASIN_OK);
                if (exp(-beta * energy) < 0.1) {
                    shallow++; /* Hessian |S|/Z > 10|S|: float states cannot meet
                                  the gradient tolerance; the fixed point still can */
                    for (uint32_t i = 0; i < dim; i++)
                        y[i] =
                            (float)(minima[j * dim + i] + (i % 2 ? delta : -delta) / 2);
                    ASSERT_EQ(run(fixed_desc, fp, e, dim, y, 1, &o), BASIN_OK);
                    ASSERT_EQ(which_minimum(minima, n_min, dim, y, 1e-6), (int64_t)j);
                    continue;
                }
                for (uint32_t i = 0; i < dim; i++)
                    y[i] = w[i] =
                        (float)(minima[j * dim + i] + (i % 2 ? delta : -delta) / 2);
                ASSERT_EQ(run(fixed_desc, fp, e, dim, y, 1, &o), BASIN_OK);
                ASSERT_EQ(which_minimum(minima, n_min, dim, y, 1e-6), (int64_t)j);
                ASSERT_EQ(run(descent_desc, gd, e, dim, w, 1, &o), BASIN_OK);
                ASSERT_EQ((int)o.converged, 1);
                ASSERT_EQ(which_minimum(minima, n_min, dim, w, 2e-5), (int64_t)j);
            }
            free(minima);
            lsr_iface()->destroy(e);
        }
        free(xi);
    }
    printf("# %d stored-pattern minima, %d novel minima over 9 configurations (%d with "
           "Z < 0.1: fixed point only)\n",
           stored, novel, shallow);
    ASSERT_GT(novel, 0); /* the comparison covered novel minima too */
    ASSERT_GT(stored, 0);
    ((const basin_sampler_iface *)fixed_desc->iface)->destroy(fp);
    ((const basin_sampler_iface *)descent_desc->iface)->destroy(gd);
}

/*
 * The limits: β small (every support holds every pattern) leaves one minimum, the
 * centroid of all, which the fixed-point iteration reaches from anywhere in the
 * supports in one step; β large (supports disjoint, r below half the smallest
 * distance) leaves exactly the k patterns, each its own fixed point.
 */
TEST_IMPL(lsr_limits)
{
    SETUP();
    const uint32_t dim = 5;
    const uint64_t k = 12;
    float *xi = uniform(7, k, dim);
    double minimum2 = INFINITY;
    for (uint64_t a = 0; a < k; a++)
        for (uint64_t b = a + 1; b < k; b++) {
            double pd[5];
            for (uint32_t i = 0; i < dim; i++)
                pd[i] = xi[b * dim + i];
            minimum2 = fmin(minimum2, dist2(xi + a * dim, pd, dim));
        }
    double *minima = malloc(((size_t)1 << k) * dim * sizeof *minima);
    uint32_t *sizes = malloc(((size_t)1 << k) * sizeof *sizes);
    double margin;
    /* r² = 2/β = 4 · dim > every squared distance in the unit cube (≤ dim). */
    const double small = 2.0 / (4 * dim);
    ASSERT_EQ((int)brute_minima(xi, k, dim, small, minima, sizes, &margin), 1);
    ASSERT_EQ((int)sizes[0], (int)k);
    void *e = make_lsr(small, 1e-6, dim, xi, k);
    void *fp = make_sampler(fixed_desc, "tol", 0, "max_iter", 10);
    float x[5 * 8];
    basin_outcome out[8];
    float *u = uniform(77, 8, dim);
    memcpy(x, u, sizeof x);
    free(u);
    ASSERT_EQ(run(fixed_desc, fp, e, dim, x, 8, out), BASIN_OK);
    for (uint32_t s = 0; s < 8; s++) {
        ASSERT_EQ((int)out[s].steps, 2); /* one jump, one step that stays */
        ASSERT_EQ(which_minimum(minima, 1, dim, x + s * dim, 1e-6), 0);
    }
    lsr_iface()->destroy(e);
    /* r² = minimum2 / 4.5: supports disjoint. */
    const double large = 2 / (minimum2 / 4.5);
    ASSERT_EQ((int)brute_minima(xi, k, dim, large, minima, sizes, &margin), (int)k);
    e = make_lsr(large, 1e-6, dim, xi, k);
    for (uint64_t mu = 0; mu < k; mu++) {
        ASSERT_EQ((int)sizes[mu], 1);
        float y[5];
        memcpy(y, xi + mu * dim, sizeof y);
        basin_outcome o;
        ASSERT_EQ(run(fixed_desc, fp, e, dim, y, 1, &o), BASIN_OK);
        ASSERT_EQ(memcmp(y, xi + mu * dim, sizeof y), 0);
        ASSERT_EQ((int)o.steps, 1);
    }
    lsr_iface()->destroy(e);
    ((const basin_sampler_iface *)fixed_desc->iface)->destroy(fp);
    free(minima);
    free(sizes);
    free(xi);
}

TEST_LIST_BEGIN
TEST_ENTRY(lsr_errors)
TEST_ENTRY(lsr_gradient_hessian)
TEST_ENTRY(lsr_three_on_a_line)
TEST_ENTRY(lsr_fixed_point_vs_descent)
TEST_ENTRY(lsr_limits)
TEST_LIST_END
