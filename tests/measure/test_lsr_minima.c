/*
 * test_lsr_minima — the exact enumeration of the LSR energy's minima
 * (core/measure/lsr_minima.h) against brute force over all 2^k subsets, and the
 * Hessian at each minimum (energies/lsr's hessian_vector through the curvature
 * code): a positive multiple of the identity, (|S|/Z) I.
 *
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, for energies/lsr.
 */
#include <basin/plugin.h>

#include "fake_host.h"
#include "harness.h"
#include "measure/curvature.h"
#include "measure/lsr_minima.h"
#include "measure/lsr_storage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fake_host fake;
static const basin_host *const host = &fake.host;

/* k points uniform in [0, 1)^dim, stream `index`. */
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

/* The masks of every subset whose centroid has exactly it as support set, by
   visiting all 2^k - 1 non-empty subsets, in increasing mask order. */
static uint64_t brute(const float *xi, uint32_t k, uint32_t dim, double beta,
                      uint64_t *masks)
{
    uint64_t n = 0;
    double c[64];
    for (uint64_t set = 1; set < (1ull << k); set++) {
        memset(c, 0, sizeof c);
        uint32_t size = 0;
        for (uint32_t mu = 0; mu < k; mu++)
            if (set >> mu & 1) {
                size++;
                for (uint32_t i = 0; i < dim; i++)
                    c[i] += xi[mu * dim + i];
            }
        int ok = 1;
        for (uint32_t mu = 0; mu < k && ok; mu++) {
            double d2 = 0;
            for (uint32_t i = 0; i < dim; i++) {
                const double d = c[i] / size - xi[mu * dim + i];
                d2 += d * d;
            }
            ok = (d2 < 2 / beta) == (int)(set >> mu & 1);
        }
        if (ok)
            masks[n++] = set;
    }
    return n;
}

static int by_mask(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/*
 * k ∈ {6, 9, 12} patterns uniform in [0,1)^d (d ∈ {2, 5, 16}), 5 seeds, 12 values
 * of β geometric from 2/d (one minimum) to 2/r_min² (k minima): the enumeration
 * finds exactly the brute-force set of minima, every one of them. Over the sweep
 * it examines far fewer than 2^k subsets.
 */
TEST_IMPL(lsr_minima_vs_brute_force)
{
    fake_host_init(&fake, 7, FAKE_SPLITMIX);
    const uint32_t ks[3] = {6, 9, 12}, dims[3] = {2, 5, 16};
    uint64_t *masks = malloc(sizeof(uint64_t) << 12),
             *found = malloc(sizeof(uint64_t) << 12);
    uint64_t examined = 0, visited_all = 0, novel = 0, stored = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            for (uint64_t seed = 0; seed < 5; seed++) {
                const uint32_t k = ks[a], dim = dims[b];
                float *xi = uniform(seed * 9 + (uint64_t)(3 * a + b), k, dim);
                double rmin2 = INFINITY;
                for (uint32_t p = 0; p < k; p++)
                    for (uint32_t q = p + 1; q < k; q++) {
                        double d2 = 0;
                        for (uint32_t i = 0; i < dim; i++)
                            d2 += ((double)xi[p * dim + i] - xi[q * dim + i]) *
                                  ((double)xi[p * dim + i] - xi[q * dim + i]);
                        rmin2 = fmin(rmin2, d2);
                    }
                const double lo = 2.0 / dim, hi = 2 / rmin2 * 1.01;
                for (int t = 0; t < 12; t++) {
                    const double beta = lo * pow(hi / lo, t / 11.0);
                    const uint64_t n = brute(xi, k, dim, beta, masks);
                    lsr_minima m;
                    char err[256];
                    ASSERT_EQ(
                        lsr_minima_enumerate(xi, k, dim, beta, 1e-6, &m, err, sizeof err),
                        BASIN_OK);
                    ASSERT_EQ(m.n_minima, n);
                    for (uint64_t j = 0; j < m.n_minima && j < 4096; j++)
                        found[j] = m.minima[j].members;
                    qsort(found, m.n_minima, sizeof *found, by_mask);
                    for (uint64_t j = 0; j < n && j < m.n_minima; j++)
                        ASSERT_MSG(found[j] == masks[j],
                                   "k %u dim %u seed %llu beta %g: minimum %llu", k, dim,
                                   (unsigned long long)seed, beta, (unsigned long long)j);
                    ASSERT_EQ(m.n_stored + m.n_novel, m.n_minima);
                    /* d_nearest and nearest: the closest stored pattern,
                       recomputed from the float centroid (rounding 1e-7). */
                    for (uint64_t j = 0; j < m.n_minima; j++) {
                        double best = INFINITY;
                        for (uint32_t mu = 0; mu < k; mu++) {
                            double d2 = 0;
                            for (uint32_t i = 0; i < dim; i++) {
                                const double d =
                                    (double)m.centroids[j * dim + i] - xi[mu * dim + i];
                                d2 += d * d;
                            }
                            best = fmin(best, d2);
                        }
                        ASSERT_NEAR(m.minima[j].d_nearest, sqrt(best), 1e-6);
                        /* nearest attains it (a centroid of two is as far from
                           both: ties are many) */
                        double at = 0;
                        for (uint32_t i = 0; i < dim; i++) {
                            const double d = (double)m.centroids[j * dim + i] -
                                             xi[m.minima[j].nearest * dim + i];
                            at += d * d;
                        }
                        ASSERT_NEAR(sqrt(at), sqrt(best), 1e-6);
                        if (m.minima[j].size == 1) {
                            ASSERT(m.minima[j].d_nearest == 0);
                            ASSERT(m.minima[j].members == 1ull << m.minima[j].nearest);
                        }
                    }
                    if (t == 0)
                        ASSERT_EQ(m.n_minima, 1); /* r² = d ≥ every squared distance */
                    if (t == 11)
                        ASSERT_EQ(m.n_stored, k); /* supports disjoint */
                    examined += m.examined;
                    visited_all += 1ull << k;
                    novel += m.n_novel;
                    stored += m.n_stored;
                    lsr_minima_free(&m);
                }
                free(xi);
            }
    printf("# %llu novel, %llu stored minima; %llu subsets examined of %llu\n",
           (unsigned long long)novel, (unsigned long long)stored,
           (unsigned long long)examined, (unsigned long long)visited_all);
    ASSERT_GT(novel, 100);
    ASSERT_LT(examined * 20, visited_all); /* pruning: under 5% of the subsets */
    free(masks);
    free(found);
}

TEST_IMPL(lsr_minima_errors)
{
    lsr_minima m;
    char err[256];
    const float x[2] = {0, NAN};
    ASSERT_EQ(lsr_minima_enumerate(x, 0, 2, 1, 1e-6, &m, err, sizeof err), BASIN_EINVAL);
    ASSERT_EQ(lsr_minima_enumerate(x, 65, 2, 1, 1e-6, &m, err, sizeof err), BASIN_EINVAL);
    ASSERT_EQ(lsr_minima_enumerate(x, 1, 2, 0, 1e-6, &m, err, sizeof err), BASIN_EINVAL);
    ASSERT_STR_CONTAINS(err, "beta");
    ASSERT_EQ(lsr_minima_enumerate(x, 1, 2, 1, 1e-6, &m, err, sizeof err), BASIN_EINVAL);
    ASSERT_STR_CONTAINS(err, "pattern 0 entry 1");
}

typedef struct hv_ctx {
    const basin_energy_iface *f;
    void *e;
    const float *x;
} hv_ctx;

static int hv(void *ctx, const float *v, float *out)
{
    hv_ctx *c = ctx;
    return c->f->hessian_vector(c->e, host, c->x, v, 1, out);
}

/*
 * At every enumerated minimum (k = 10 in [0,1)^6, three β, three seeds) the
 * curvature code's dense path on energies/lsr's Hessian-vector products gives
 * λ_min = λ_max = |S|/Z to 1e-5 relative (the products' float rounding: the
 * rank-one term is β u uᵀ/Z² with u = |S| c_S − Σ ξ of order 1e-7 after rounding
 * c_S to float), no negative eigenvalue; and E(c_S) equals the recorded energy.
 */
TEST_IMPL(lsr_minima_hessian)
{
    fake_host_init(&fake, 11, FAKE_SPLITMIX);
    const basin_descriptor *d =
        load_built_plugin(NULL, "energies/lsr", BASIN_IFACE_ENERGY);
    ASSERT_NOT_NULL(d);
    if (d == NULL)
        return;
    const basin_energy_iface *f = d->iface;
    const uint32_t k = 10, dim = 6;
    uint64_t checked = 0;
    for (uint64_t seed = 0; seed < 3; seed++) {
        float *xi = uniform(40 + seed, k, dim);
        for (int b = 0; b < 3; b++) {
            const double beta = 3.0 * (b + 1);
            params p = param_defaults(d);
            set_number(&p, "beta", beta);
            set_number(&p, "epsilon", 1e-6);
            void *e = NULL;
            ASSERT_EQ(f->create(host, p.values, dim, &e), BASIN_OK);
            ASSERT_EQ(f->encode(e, host, xi, k), BASIN_OK);
            lsr_minima m;
            char err[256];
            ASSERT_EQ(lsr_minima_enumerate(xi, k, dim, beta, 1e-6, &m, err, sizeof err),
                      BASIN_OK);
            for (uint64_t j = 0; j < m.n_minima; j++) {
                const float *c = m.centroids + j * dim;
                if (m.minima[j].margin < 1e-4)
                    continue; /* float rounding of c_S could cross a boundary */
                double energy;
                ASSERT_EQ(f->energy(e, host, c, 1, &energy), BASIN_OK);
                ASSERT_NEAR(energy, m.minima[j].energy, 1e-6);
                const double lambda = m.minima[j].size / exp(-beta * energy);
                hv_ctx ctx = {f, e, c};
                curvature_result r;
                ASSERT_EQ(curvature_extremes(dim, hv, &ctx, NULL, &r, err, sizeof err),
                          BASIN_OK);
                ASSERT_EQ(r.dense, 1);
                ASSERT_EQ(r.n_negative, 0);
                ASSERT_NEAR(r.lambda_min, lambda, 1e-5 * lambda);
                ASSERT_NEAR(r.lambda_max, lambda, 1e-5 * lambda);
                checked++;
            }
            lsr_minima_free(&m);
            f->destroy(e);
        }
        free(xi);
    }
    ASSERT_GT(checked, 20);
}

/* The volume of the d-ball of radius r: π^(d/2) r^d / Γ(d/2 + 1). */
static double ball_volume(uint32_t d, double r)
{
    return pow(3.14159265358979323846, d / 2.0) * pow(r, d) / tgamma(d / 2.0 + 1);
}

/*
 * The Monte Carlo share of the domain cube inside some support against cases
 * with a known answer: one support wholly inside the cube (the volume of a
 * d-ball of radius √(2/β), d = 2, 5), two overlapping intervals in d = 1, the
 * first clipped by the cube (exactly 0.7), a wider domain [−1, 1]² (the disc's
 * area π/4 over the area 4), a support holding the whole
 * cube (exactly 1, standard error 0). Each estimate from n = 200 000 points must
 * lie within 4 standard errors of the exact value (a wrong radius or domain
 * moves it by tens of them), and the standard error is √(f(1 − f)/n). The same
 * seed gives the same bits; another seed another estimate.
 */
#ifndef SEED
#define SEED 42
#endif
TEST_IMPL(lsr_coverage_exact)
{
    const uint64_t n = 200000;
    char err[256];
    double f, se;
    struct {
        uint32_t dim;
        float xi[10];
        uint32_t k;
        double beta, low, high, exact;
    } cases[] = {
        {2, {0.5f, 0.5f}, 1, 2 / 0.16, 0, 1, ball_volume(2, 0.4)},
        {5,
         {0.5f, 0.5f, 0.5f, 0.5f, 0.5f},
         1,
         2 / (0.45 * 0.45),
         0,
         1,
         ball_volume(5, 0.45)},
        {1, {0.2f, 0.5f}, 2, 2 / 0.04, 0, 1, 0.7},
        {2, {0, 0}, 1, 2 / 0.25, -1, 1, ball_volume(2, 0.5) / 4},
        {3, {0.5f, 0.5f, 0.5f}, 1, 2 / 0.76, 0, 1, 1}, /* r² = 0.76 > 3/4 */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ASSERT_EQ(lsr_coverage(cases[c].xi, cases[c].k, cases[c].dim, cases[c].beta,
                               cases[c].low, cases[c].high, n, SEED, &f, &se, err,
                               sizeof err),
                  BASIN_OK);
        printf("# case %zu: %.5f ± %.5f, exact %.5f\n", c, f, se, cases[c].exact);
        ASSERT_NEAR(se, sqrt(f * (1 - f) / (double)n), 1e-15);
        ASSERT_NEAR(f, cases[c].exact, 4 * se + 1e-15);
        if (cases[c].exact < 1)
            ASSERT(se > 5e-4); /* 0.1 < f < 0.9: se ≈ 1e-3 */
    }
    /* Deterministic given the seed; another seed, another estimate. */
    double f2, se2;
    ASSERT_EQ(lsr_coverage(cases[0].xi, 1, 2, cases[0].beta, 0, 1, 1000, 7, &f, &se, err,
                           sizeof err),
              BASIN_OK);
    ASSERT_EQ(lsr_coverage(cases[0].xi, 1, 2, cases[0].beta, 0, 1, 1000, 7, &f2, &se2,
                           err, sizeof err),
              BASIN_OK);
    ASSERT(f == f2 && se == se2);
    ASSERT_EQ(lsr_coverage(cases[0].xi, 1, 2, cases[0].beta, 0, 1, 1000, 8, &f2, &se2,
                           err, sizeof err),
              BASIN_OK);
    ASSERT(f != f2);
    /* Refused: no points, an empty cube, β ≤ 0. */
    ASSERT_EQ(lsr_coverage(cases[0].xi, 1, 2, 1, 0, 1, 0, 7, &f, &se, err, sizeof err),
              BASIN_EINVAL);
    ASSERT_EQ(lsr_coverage(cases[0].xi, 1, 2, 1, 1, 1, 10, 7, &f, &se, err, sizeof err),
              BASIN_EINVAL);
    ASSERT_STR_CONTAINS(err, "cube");
    ASSERT_EQ(lsr_coverage(cases[0].xi, 1, 2, 0, 0, 1, 10, 7, &f, &se, err, sizeof err),
              BASIN_EINVAL);
}

/* Run the energy's native update from x until it moves less than 1e-6 (at most
   20 000 steps); 1 when it settled. */
static int settle(const basin_energy_iface *f, void *e, float *x, uint32_t dim)
{
    float y[64];
    for (int step = 0; step < 20000; step++) {
        if (f->update(e, host, x, 1, y) != BASIN_OK)
            return 0;
        double moved = 0;
        for (uint32_t i = 0; i < dim; i++)
            moved = fmax(moved, fabs((double)y[i] - x[i]));
        memcpy(x, y, dim * sizeof *x);
        if (moved < 1e-6)
            return 1;
    }
    return 0;
}

static double distance(const float *a, const float *b, uint32_t dim)
{
    double s = 0;
    for (uint32_t i = 0; i < dim; i++)
        s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(s);
}

/*
 * Hoover et al. 2025 (arXiv:2506.10801), Proposition 1 against LSR, on the same
 * patterns: k = 8 patterns uniform in [0, 1]^8, 4 draws, 32 values of β
 * geometric from 2/d to 50/r_min² (LSE needs β well past 2/r_min² to hold every
 * pattern within ε: a neighbour at r_min pulls with weight e^(−β r_min²/2)).
 * ε-global emergence at β: every stored pattern
 * is within ε = 0.05 of a local minimum (ε-retrieved) *and* some local minimum
 * lies at least ε from every stored pattern (novel).
 *   LSR (the exact enumeration): it happens, for some β of some draw.
 *   LSE, E = −β⁻¹ log Σ exp(−(β/2)‖x − ξ_μ‖²) (energies/diffusion with σ = β^−½,
 *   α = 1): it never happens. Its minima are found by its native update (the
 *   mean shift x ← Σ softmax ξ) from each stored pattern (ε-retrieved when it
 *   stays within ε), each pair's midpoint, the centroid of all and 16 points
 *   uniform in the cube; an end state is a minimum when the curvature code finds
 *   no negative Hessian eigenvalue there (λ_min > 1e-4: saddles reached from
 *   symmetric starts are dropped). Not vacuous: for LSE some β retrieves every
 *   pattern and some β has a novel minimum (the centroid of all at β = 2/d).
 */
TEST_IMPL(lse_no_global_emergence)
{
    fake_host_init(&fake, 13, FAKE_SPLITMIX);
    const basin_descriptor *d =
        load_built_plugin(NULL, "energies/diffusion", BASIN_IFACE_ENERGY);
    ASSERT_NOT_NULL(d);
    if (d == NULL)
        return;
    const basin_energy_iface *f = d->iface;
    const uint32_t k = 8, dim = 8;
    const double eps = 0.05;
    int lsr_emergence = 0, lse_emergence = 0, lse_all_retrieved = 0, lse_novel = 0,
        unsettled = 0;
    for (uint64_t draw = 0; draw < 4; draw++) {
        float *xi = uniform(60 + draw, k, dim);
        double rmin2 = INFINITY;
        for (uint32_t p = 0; p < k; p++)
            for (uint32_t q = p + 1; q < k; q++)
                rmin2 = fmin(rmin2, pow(distance(xi + p * dim, xi + q * dim, dim), 2));
        const double lo = 2.0 / dim, hi = 50 / rmin2;
        float *starts = uniform(70 + draw, 16, dim);
        for (int t = 0; t < 32; t++) {
            const double beta = lo * pow(hi / lo, t / 31.0);
            /* LSR: exact. */
            lsr_minima m;
            char err[256];
            ASSERT_EQ(lsr_minima_enumerate(xi, k, dim, beta, 1e-6, &m, err, sizeof err),
                      BASIN_OK);
            uint64_t novel = 0;
            for (uint64_t j = 0; j < m.n_minima; j++)
                novel += m.minima[j].d_nearest >= eps;
            lsr_emergence += m.n_stored == k && novel > 0;
            lsr_minima_free(&m);
            /* LSE: its update from many starts. */
            params p = param_defaults(d);
            set_number(&p, "sigma", 1 / sqrt(beta));
            set_number(&p, "alpha", 1);
            void *e = NULL;
            ASSERT_EQ(f->create(host, p.values, dim, &e), BASIN_OK);
            ASSERT_EQ(f->encode(e, host, xi, k), BASIN_OK);
            int retrieved = 0, novel_lse = 0;
            const uint32_t n_starts = k + k * (k - 1) / 2 + 1 + 16;
            for (uint32_t s = 0; s < n_starts; s++) {
                float x[8];
                if (s < k) {
                    memcpy(x, xi + s * dim, sizeof x);
                } else if (s < k + k * (k - 1) / 2) {
                    uint32_t a = 0, b = 0, n = s - k;
                    for (a = 0; a < k; a++) {
                        if (n < k - 1 - a) {
                            b = a + 1 + n;
                            break;
                        }
                        n -= k - 1 - a;
                    }
                    for (uint32_t i = 0; i < dim; i++)
                        x[i] = 0.5f * (xi[a * dim + i] + xi[b * dim + i]);
                } else if (s == k + k * (k - 1) / 2) {
                    for (uint32_t i = 0; i < dim; i++) {
                        double c = 0;
                        for (uint32_t mu = 0; mu < k; mu++)
                            c += xi[mu * dim + i];
                        x[i] = (float)(c / k);
                    }
                } else {
                    memcpy(x, starts + (s - k - k * (k - 1) / 2 - 1) * dim, sizeof x);
                }
                if (!settle(f, e, x, dim)) {
                    printf("# draw %llu beta %g start %u: not settled\n",
                           (unsigned long long)draw, beta, s);
                    unsettled++;
                    continue;
                }
                double nearest = INFINITY;
                for (uint32_t mu = 0; mu < k; mu++)
                    nearest = fmin(nearest, distance(x, xi + mu * dim, dim));
                if (s < k) {
                    retrieved += distance(x, xi + s * dim, dim) < eps;
                } else if (nearest >= eps) {
                    hv_ctx ctx = {f, e, x};
                    curvature_result r;
                    ASSERT_EQ(
                        curvature_extremes(dim, hv, &ctx, NULL, &r, err, sizeof err),
                        BASIN_OK);
                    novel_lse += r.lambda_min > 1e-4;
                }
            }
            f->destroy(e);
            lse_all_retrieved += retrieved == (int)k;
            lse_novel += novel_lse > 0;
            if (retrieved == (int)k && novel_lse > 0)
                printf("# LSE emergence: draw %llu beta %g\n", (unsigned long long)draw,
                       beta);
            lse_emergence += retrieved == (int)k && novel_lse > 0;
        }
        free(starts);
        free(xi);
    }
    printf("# LSR: %d (draw, beta) with emergence; LSE: %d all retrieved, %d with a "
           "novel minimum, %d both\n",
           lsr_emergence, lse_all_retrieved, lse_novel, lse_emergence);
    ASSERT_GT(lsr_emergence, 0);
    ASSERT_EQ(lse_emergence, 0);
    ASSERT_GT(lse_all_retrieved, 0);
    ASSERT_GT(lse_novel, 0);
    ASSERT_LT(unsettled, 10);
}

/*
 * lsr_storage against brute force: K = 700 patterns uniform in [0, 1]^12 with
 * rows 600..609 copies of rows 0..9 (duplicates stay fixed points together), 9
 * values of β given out of order from 2/d to 4/r_min²: the fixed points (every
 * pattern within r of ξ_μ at distance exactly 0), the mean and largest |S(ξ_μ)|
 * equal the double-precision count over all K² pairs exactly; at one β each
 * pattern is a fixed point exactly when energies/lsr's update leaves it in
 * place. Then a tie: two patterns at squared distance D (as doubles from their
 * floats) are both fixed at β = 2/D (‖x − ξ‖² < r² is strict) and neither at
 * β = 2/D (1 − 1e-12): the GEMM's rounding decides nothing.
 */
TEST_IMPL(lsr_storage_vs_brute_force)
{
    fake_host_init(&fake, 17, FAKE_SPLITMIX);
    const uint32_t k = 700, dim = 12;
    float *xi = uniform(90, k, dim);
    memcpy(xi + 600 * dim, xi, 10 * dim * sizeof *xi);
    double rmin2 = INFINITY;
    for (uint32_t p = 0; p < 600; p++)
        for (uint32_t q = p + 1; q < 600; q++)
            rmin2 = fmin(rmin2, pow(distance(xi + p * dim, xi + q * dim, dim), 2));
    double beta[9];
    const int shuffle[9] = {4, 0, 8, 2, 6, 1, 7, 3, 5};
    for (int b = 0; b < 9; b++)
        beta[b] = 2.0 / dim * pow(4 / rmin2 / (2.0 / dim), shuffle[b] / 8.0);
    lsr_storage_row rows[9];
    char err[256];
    ASSERT_EQ(lsr_storage(xi, k, dim, beta, 9, rows, err, sizeof err), BASIN_OK);
    uint64_t any_fixed = 0, any_lost = 0;
    for (int b = 0; b < 9; b++) {
        const double r2 = 2 / beta[b];
        uint64_t fixed = 0, most = 0;
        double total = 0;
        for (uint32_t mu = 0; mu < k; mu++) {
            uint64_t inside = 0, zero = 0;
            for (uint32_t nu = 0; nu < k; nu++) {
                double d2 = 0;
                for (uint32_t i = 0; i < dim; i++) {
                    const double d = (double)xi[mu * dim + i] - xi[nu * dim + i];
                    d2 += d * d;
                }
                inside += d2 < r2;
                zero += d2 == 0;
            }
            fixed += inside == zero;
            total += (double)inside;
            most = inside > most ? inside : most;
        }
        printf("# beta %.4g: %llu of %u fixed, mean |S| %.2f, max %llu\n", beta[b],
               (unsigned long long)fixed, k, total / k, (unsigned long long)most);
        ASSERT(rows[b].beta == beta[b]);
        ASSERT_EQ(rows[b].fixed, fixed);
        ASSERT_NEAR(rows[b].mean_support, total / k, 1e-12);
        ASSERT_EQ(rows[b].max_support, most);
        ASSERT_NEAR(rows[b].fixed_fraction, (double)fixed / k, 1e-15);
        any_fixed += fixed > 0 && fixed < k - 20;
        any_lost += fixed == 0;
    }
    ASSERT_GT(any_fixed, 0); /* a β that keeps some but not all */
    ASSERT_GT(any_lost, 0);  /* β = 2/d: every support holds the cube */
    /* The plugin's update agrees at the β with fixed points partly lost. */
    const basin_descriptor *d =
        load_built_plugin(NULL, "energies/lsr", BASIN_IFACE_ENERGY);
    ASSERT_NOT_NULL(d);
    if (d != NULL) {
        int b = 4; /* shuffle 6 of 8 */
        params p = param_defaults(d);
        set_number(&p, "beta", beta[b]);
        const basin_energy_iface *f = d->iface;
        void *e = NULL;
        ASSERT_EQ(f->create(host, p.values, dim, &e), BASIN_OK);
        ASSERT_EQ(f->encode(e, host, xi, k), BASIN_OK);
        float *y = malloc(k * dim * sizeof *y);
        ASSERT_EQ(f->update(e, host, xi, k, y), BASIN_OK);
        uint64_t stay = 0;
        for (uint32_t mu = 0; mu < k; mu++)
            stay += memcmp(y + mu * dim, xi + mu * dim, dim * sizeof *y) == 0;
        ASSERT_EQ(stay, rows[b].fixed);
        free(y);
        f->destroy(e);
    }
    free(xi);
    /* The tie. */
    const float two[6] = {0.1f, 0.2f, 0.3f, 0.7f, 0.2f, 0.3f};
    const double gap = (double)0.7f - 0.1f,
                 tie[2] = {2 / (gap * gap), 2 / (gap * gap) * (1 - 1e-12)};
    ASSERT_EQ(lsr_storage(two, 2, 3, tie, 2, rows, err, sizeof err), BASIN_OK);
    ASSERT_EQ(rows[0].fixed, 2);
    ASSERT_EQ(rows[1].fixed, 0);
    ASSERT(rows[0].mean_support == 1 && rows[1].mean_support == 2);
    /* Refused. */
    const double bad = 0;
    ASSERT_EQ(lsr_storage(two, 2, 3, &bad, 1, rows, err, sizeof err), BASIN_EINVAL);
    ASSERT_STR_CONTAINS(err, "beta 0");
    ASSERT_EQ(lsr_storage(two, 0, 3, tie, 1, rows, err, sizeof err), BASIN_EINVAL);
}

TEST_LIST_BEGIN
TEST_ENTRY(lsr_coverage_exact)
TEST_ENTRY(lsr_minima_vs_brute_force)
TEST_ENTRY(lsr_minima_errors)
TEST_ENTRY(lsr_minima_hessian)
TEST_ENTRY(lse_no_global_emergence)
TEST_ENTRY(lsr_storage_vs_brute_force)
TEST_LIST_END
