/*
 * test_energies — unit tests of energies/dense, energies/modern and
 * energies/diffusion, loaded as the host loads them (dlopen by path) and driven
 * through tests/fake_host.h's basin_host (counter-based random numbers);
 * energies/hopfield and samplers/hopfield are loaded too, for the dense n = 2 ≡ Hopfield check.
 *
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder.
 *
 * Finite-difference tests use states on a dyadic grid (multiples of 2^-10) and
 * memories ±1 or ±1/8, with a, β powers of two: every overlap x·ξ is then exact in
 * float32 whatever the summation order, so energy() is exact to double rounding
 * and the central difference (E(x + h e_i) − E(x − h e_i)) / 2h differs from ∂_i E
 * by the truncation error h²/6 |∂³_i E| alone (plus 1e-16 |E| / h): each tolerance
 * below is that bound plus the float32 rounding of the gradient itself.
 */
#include <basin/plugin.h>

#include "fake_host.h"
#include "harness.h"
#include "kernels/eigen.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- fake host */

/* tests/fake_host.h's host, splitmix stream of seed 20250611 (set up by setup()). */
static fake_host fake;
static const basin_host *const host = &fake.host;

/* The interface of plugin `id` ("energies/dense") in $BASIN_TEST_PLUGIN_DIR/id.so,
   or NULL (load_built_plugin says why on stderr). */
static const void *load(const char *id, const char *iface)
{
    const basin_descriptor *d = load_built_plugin(NULL, id, iface);
    return d ? d->iface : NULL;
}

static const basin_energy_iface *dense_iface, *modern_iface, *diffusion_iface,
    *hopfield_iface;
static const basin_sampler_iface *sampler_iface;

/* A case's set-up: the fake host afresh and the five plugins; 0 when one is
   missing. */
static int setup(void)
{
    fake_host_init(&fake, 20250611, FAKE_SPLITMIX);
    dense_iface = load("energies/dense", BASIN_IFACE_ENERGY);
    modern_iface = load("energies/modern", BASIN_IFACE_ENERGY);
    diffusion_iface = load("energies/diffusion", BASIN_IFACE_ENERGY);
    hopfield_iface = load("energies/hopfield", BASIN_IFACE_ENERGY);
    sampler_iface = load("samplers/hopfield", BASIN_IFACE_SAMPLER);
    return dense_iface && modern_iface && diffusion_iface && hopfield_iface &&
           sampler_iface;
}

#define SETUP()                                                                          \
    ASSERT_MSG(setup(), "energies/dense, modern, diffusion, hopfield and "               \
                        "samplers/hopfield load from $BASIN_TEST_PLUGIN_DIR")

/* A dense energy (function, n, beta) on dim spins, holding k memories; NULL with a
   '#' line when it cannot be made. */
static void *make_dense(const char *function, int n, double beta, uint32_t dim,
                        const float *memories, uint64_t k)
{
    const basin_value v[3] = {{0, function}, {n, ""}, {beta, ""}};
    void *e = NULL;
    if (dense_iface->create(host, v, dim, &e) != BASIN_OK ||
        dense_iface->encode(e, host, memories, k) != BASIN_OK) {
        printf("# make_dense(%s, %d, %g): %s\n", function, n, beta, fake_last_error);
        return NULL;
    }
    return e;
}

/* A modern (beta) or diffusion (sigma, alpha) energy holding k memories; NULL with
   a '#' line when it cannot be made. */
static void *make_lse(const basin_energy_iface *iface, double p0, double p1, uint32_t dim,
                      const float *memories, uint64_t k)
{
    /* modern reads beta; diffusion sigma, alpha, exact = false, candidate_eps */
    const basin_value v[4] = {{p0, ""}, {p1, ""}, {0, ""}, {1e-7, ""}};
    void *e = NULL;
    if (iface->create(host, v, dim, &e) != BASIN_OK ||
        iface->encode(e, host, memories, k) != BASIN_OK) {
        printf("# make_lse(%g, %g): %s\n", p0, p1, fake_last_error);
        return NULL;
    }
    return e;
}

/* ------------------------------------------------------------------ data */

/* k patterns of dim entries ±scale, stream `index` (role DATASET). */
static float *binary(uint64_t index, uint64_t k, uint32_t dim, float scale)
{
    float *x = malloc(k * dim * sizeof *x);
    uint32_t *bits = malloc(k * dim * sizeof *bits);
    host->random_bits(host, BASIN_ROLE_DATASET, index, 0, bits, k * dim);
    for (size_t t = 0; t < k * dim; t++)
        x[t] = (bits[t] >> 31) ? scale : -scale;
    free(bits);
    return x;
}

/* x + spread·N(0,1), rounded to the dyadic grid 2^-10 (stream `index`). */
static float *grid_states(uint64_t index, const float *center, uint64_t n, uint32_t dim,
                          double spread)
{
    float *x = malloc(n * dim * sizeof *x);
    host->random_normal(host, BASIN_ROLE_INIT, index, 0, x, n * dim);
    for (size_t t = 0; t < n * dim; t++)
        x[t] = (float)(ldexp(nearbyint(ldexp(center[t % (n * dim)] + spread * x[t], 10)),
                             -10));
    return x;
}

static double dot(const float *x, const float *y, uint32_t dim)
{
    double s = 0;
    for (uint32_t i = 0; i < dim; i++)
        s += (double)x[i] * y[i];
    return s;
}

/*
 * Largest |g_i − (E(x + h e_i) − E(x − h e_i)) / 2h| − tol_i over the coordinates
 * of one state, tol_i = abs_tol + rel_tol |g_i|; ≤ 0 means every coordinate passed.
 */
static double gradient_vs_fd(const basin_energy_iface *iface, void *e, const float *x,
                             uint32_t dim, double h, double abs_tol, double rel_tol,
                             double *worst_error)
{
    float *g = malloc(dim * sizeof *g);
    float *shifted = malloc(2 * (size_t)dim * dim * sizeof *shifted);
    double *energy = malloc(2 * (size_t)dim * sizeof *energy);
    for (uint32_t i = 0; i < dim; i++)
        for (int side = 0; side < 2; side++) {
            float *row = shifted + (2 * (size_t)i + (size_t)side) * dim;
            memcpy(row, x, dim * sizeof *row);
            row[i] = (float)(x[i] + (side ? -h : h));
        }
    int rc = iface->gradient(e, host, x, 1, g);
    rc |= iface->energy(e, host, shifted, 2 * (uint64_t)dim, energy);
    double excess = rc == BASIN_OK ? -INFINITY : INFINITY;
    *worst_error = 0;
    for (uint32_t i = 0; i < dim && rc == BASIN_OK; i++) {
        const double fd = (energy[2 * i] - energy[2 * i + 1]) / (2 * h);
        const double err = fabs(g[i] - fd);
        *worst_error = fmax(*worst_error, err);
        excess = fmax(excess, err - (abs_tol + rel_tol * fabs(g[i])));
    }
    free(g);
    free(shifted);
    free(energy);
    return excess;
}

/* ------------------------------------------------------------------ dense */

/* The documented dense energy in double: −Σ F(h_μ) e^{−c}. */
static double dense_reference(const char *function, int n, double beta, const float *x,
                              const float *xi, uint64_t k, uint32_t dim, double shift)
{
    double e = 0;
    for (uint64_t mu = 0; mu < k; mu++) {
        const double h = dot(x, xi + mu * dim, dim);
        if (strcmp(function, "exp") == 0)
            e -= exp(beta * h - shift);
        else if (strcmp(function, "poly") == 0 || h > 0)
            e -= pow(h, n);
    }
    return e;
}

TEST_IMPL(energies_plugins)
{
    SETUP();
    /* dense is binary; modern and diffusion are continuous with hessian_vector */
    EXPECT(dense_iface->flags & BASIN_ENERGY_BINARY);
    EXPECT_EQ(modern_iface->flags, 0);
    EXPECT_EQ(diffusion_iface->flags, 0);
    EXPECT(modern_iface->hessian_vector != NULL);
    EXPECT(diffusion_iface->hessian_vector != NULL);
}

TEST_IMPL(energies_dense_errors)
{
    SETUP();
    void *e = (void *)1;
    const basin_value bad_function[3] = {{0, "cubic"}, {3, ""}, {1, ""}};
    const basin_value n1[3] = {{0, "poly"}, {1, ""}, {1, ""}};
    const basin_value beta0[3] = {{0, "exp"}, {3, ""}, {0, ""}};
    const basin_value beta_neg[3] = {{0, "exp"}, {3, ""}, {-2, ""}};
    const basin_value n120[3] = {{0, "poly"}, {120, ""}, {1, ""}};
    const basin_value *bad[] = {bad_function, n1, beta0, beta_neg, n120};
    const char *what[] = {"function = cubic", "n = 1", "beta = 0", "beta = -2",
                          "poly n = 120 at dim 1000"};
    for (int t = 0; t < 5; t++) {
        fake_last_error[0] = 0;
        int rc = dense_iface->create(host, bad[t], 1000, &e);
        EXPECT_MSG(rc == BASIN_EINVAL && e == NULL && fake_last_error[0] != 0,
                   "dense: %s is BASIN_EINVAL with a message (status %d, self %p): "
                   "\"%s\"",
                   what[t], rc, e, fake_last_error);
    }
    /* the overflow message says why */
    EXPECT_STR_CONTAINS(fake_last_error, "overflow");
    EXPECT_STR_CONTAINS(fake_last_error, "1e308");

    /* encode: K (max ‖ξ‖₁)^n with entries 2 at dim 10, n = 300: 20^300 > 1e308
       although 10^300 passed create. */
    const basin_value n300[3] = {{0, "rectified"}, {300, ""}, {1, ""}};
    int rc = dense_iface->create(host, n300, 10, &e);
    ASSERT_EQ(rc, BASIN_OK);
    float twos[20];
    for (int t = 0; t < 20; t++)
        twos[t] = 2;
    fake_last_error[0] = 0;
    int rc2 = dense_iface->encode(e, host, twos, 2);
    /* encode refuses K (max |xi|_1)^n = 2 * 20^300 */
    EXPECT_EQ(rc2, BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "overflow");
    /* energy before a successful encode is BASIN_EINVAL */
    double energy;
    fake_last_error[0] = 0;
    rc = dense_iface->energy(e, host, twos, 1, &energy);
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_NE(fake_last_error[0], 0);
    /* a NaN memory is BASIN_ENUMERIC; K = 0 memories is BASIN_EINVAL */
    twos[3] = NAN;
    EXPECT_EQ(dense_iface->encode(e, host, twos, 1), BASIN_ENUMERIC);
    EXPECT_EQ(dense_iface->encode(e, host, twos, 0), BASIN_EINVAL);
    dense_iface->destroy(e);

    /* A state that is not ±1 for the binary update; a continuous state whose F
       overflows (|x_i| = 1e3 at n = 100: h^n = 1e300+). */
    float *xi = binary(1, 4, 16, 1);
    void *d = make_dense("poly", 100, 1, 16, xi, 4);
    ASSERT_NOT_NULL(d);
    float x[16], out[16];
    memcpy(x, xi, sizeof x);
    x[5] = 0.5f;
    fake_last_error[0] = 0;
    rc = dense_iface->update(d, host, x, 1, out);
    /* update of a non-binary state is BASIN_EINVAL */
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_STR_CONTAINS(fake_last_error, "±1");
    for (int i = 0; i < 16; i++)
        x[i] = 1e3f * xi[i];
    /* an energy beyond a double is BASIN_ENUMERIC */
    rc = dense_iface->energy(d, host, x, 1, &energy);
    EXPECT_EQ(rc, BASIN_ENUMERIC);
    EXPECT_NE(fake_last_error[0], 0);
    /* the spin cache is K = 4 floats */
    EXPECT_EQ(dense_iface->spin_cache_size(d), 4);
    dense_iface->destroy(d);
    free(xi);
    EXPECT_EQ(fake.n_warnings, 0);
}

/* energy() = the documented formula, spin_delta = energy differences, spin_flip keeps
   the cache equal to a fresh spin_init. */
TEST_IMPL(energies_dense_spins)
{
    SETUP();
    const uint32_t dim = 64;
    const uint64_t k = 10, n_states = 6;
    /* The last configuration has memories ±1/2: exp's general (not ±1) path. */
    const char *functions[] = {"poly", "rectified", "exp", "poly", "exp"};
    const int degrees[] = {3, 4, 0, 2, 0};
    float *x = binary(3, n_states, dim, 1);
    for (int f = 0; f < 5; f++) {
        const double beta = 0.25;
        const float scale = f == 4 ? 0.5f : 1.0f;
        float *xi = binary(2, k, dim, scale);
        const int exp_f = strcmp(functions[f], "exp") == 0;
        printf("# dense(%s n=%d, memories ±%g)\n", functions[f], degrees[f], scale);
        void *e = make_dense(functions[f], degrees[f] ? degrees[f] : 2, beta, dim, xi, k);
        ASSERT_NOT_NULL(e);
        double energy[6], reference_error = 0;
        dense_iface->energy(e, host, x, n_states, energy);
        for (uint64_t r = 0; r < n_states; r++) {
            const double ref =
                dense_reference(functions[f], degrees[f], beta, x + r * dim, xi, k, dim,
                                exp_f ? beta * dim * scale : 0);
            reference_error =
                fmax(reference_error, fabs(energy[r] - ref) / fmax(1e-300, fabs(ref)));
        }
        /* poly / rectified: integer overlaps, every sum exact (≤ 10 · 64^4 < 2^53);
           exp: exp() to 1 ulp and 10-term sums: 1e-14 relative. */
        EXPECT_MSG(reference_error <= (exp_f ? 1e-14 : 0),
                   "dense(%s n=%d, memories ±%g): energy() = -sum F(xi.x)%s (relative "
                   "error %.1e)",
                   functions[f], degrees[f], scale, exp_f ? " e^(-beta max|xi|_1)" : "",
                   reference_error);

        /* spin_delta against energy differences at every spin of every state. */
        float *cache = malloc(n_states * k * sizeof *cache);
        float *flipped = malloc(dim * sizeof *flipped);
        dense_iface->spin_init(e, host, x, n_states, cache);
        double worst = 0;
        int sign_errors = 0;
        for (uint64_t r = 0; r < n_states; r++)
            for (uint32_t i = 0; i < dim; i++) {
                memcpy(flipped, x + r * dim, dim * sizeof *flipped);
                flipped[i] = -flipped[i];
                double after;
                dense_iface->energy(e, host, flipped, 1, &after);
                const double de = after - energy[r];
                const double sd =
                    dense_iface->spin_delta(e, x + r * dim, cache + r * k, i);
                /* exp: two energies of size ≤ K, each to 1e-15 relative. */
                const double tol = exp_f ? 1e-14 * (fabs(after) + fabs(energy[r])) : 0;
                worst = fmax(worst, fabs(sd - de) - tol);
                sign_errors += (sd < 0) != (de < 0);
            }
        EXPECT_MSG(worst <= 0,
                   "dense(%s n=%d): spin_delta = E(flip) - E at all %llu spins%s "
                   "(excess %.1e)",
                   functions[f], degrees[f], (unsigned long long)(n_states * dim),
                   exp_f ? " to 1e-14" : ", exactly", worst);
        EXPECT_EQ(sign_errors, 0);

        /* 1000 flips keep the cache equal to a fresh spin_init (exact integers). */
        float *y = malloc(dim * sizeof *y), *fresh = malloc(k * sizeof *fresh);
        memcpy(y, x, dim * sizeof *y);
        uint32_t bits[1000];
        host->random_bits(host, BASIN_ROLE_USER, 9, (uint64_t)f, bits, 1000);
        for (int t = 0; t < 1000; t++)
            dense_iface->spin_flip(e, y, cache, bits[t] % dim);
        dense_iface->spin_init(e, host, y, 1, fresh);
        EXPECT_MSG(memcmp(fresh, cache, k * sizeof *fresh) == 0,
                   "dense(%s, memories ±%g): after 1000 spin_flips the overlaps equal a "
                   "fresh spin_init bit for bit",
                   functions[f], scale);
        free(y);
        free(fresh);
        free(cache);
        free(flipped);
        dense_iface->destroy(e);
        free(xi);
    }
    free(x);
    EXPECT_EQ(fake.n_warnings, 0);
}

TEST_IMPL(energies_dense_gradient)
{
    SETUP();
    const uint32_t dim = 32;
    const uint64_t k = 8;
    const double h = 0x1p-7;
    float *xi = binary(4, k, dim, 1);
    /* States near memory 0 (0.9 ξ_0 + 0.3 N(0,1) on the grid) and a random one. */
    float *center = malloc(2 * dim * sizeof *center);
    for (uint32_t i = 0; i < dim; i++) {
        center[i] = 0.9f * xi[i];
        center[dim + i] = 0;
    }
    float *x = grid_states(5, center, 2, dim, 0.3);
    const char *functions[] = {"poly", "rectified", "exp"};
    for (int f = 0; f < 3; f++) {
        void *e = make_dense(functions[f], 3, 0.25, dim, xi, k);
        ASSERT_NOT_NULL(e);
        /* poly, rectified n = 3: |∂³_i E| ≤ Σ_μ 6 |ξ_μi|³ = 48, truncation
           h²/6 · 48 = 8h² = 5e-4; the float gradient is a K-term SGEMM of weights
           rounded to float: ≤ 2 K 2^-24 Σ|F'| ≈ 1e-6 relative to |g|, take 1e-5.
           exp (β = 1/4, c = 8): |∂³_i E| ≤ β³ Σ_μ F e^{-c} ≤ K β³ e^{β·40 − 8}
           ≈ 0.9 (|h| ≤ Σ|x_i| ≤ 40 here), truncation h²/6 · 0.9 < 1e-5. */
        double worst_error = 0, excess = -INFINITY;
        for (uint32_t r = 0; r < 2; r++) {
            double err;
            excess = fmax(excess, gradient_vs_fd(dense_iface, e, x + r * dim, dim, h,
                                                 f == 2 ? 1e-5 : 8 * h * h, 1e-5, &err));
            worst_error = fmax(worst_error, err);
        }
        EXPECT_MSG(excess <= 0,
                   "dense(%s n=3): gradient = central differences of energy() "
                   "(h = 2^-7, worst |error| %.2e)",
                   functions[f], worst_error);
        dense_iface->destroy(e);
    }
    free(center);
    free(x);
    free(xi);
    EXPECT_EQ(fake.n_warnings, 0);
}

/* Krotov & Hopfield 2016 (n = 2 is Hopfield): the two energies give the same async
   and sync trajectories, flip for flip, from the same starts and host RNG. */
TEST_IMPL(energies_dense_is_hopfield)
{
    SETUP();
    const uint32_t dim = 100;
    const uint64_t k = 12, n_starts = 32;
    float *xi = binary(6, k, dim, 1);
    void *dense = make_dense("poly", 2, 1, dim, xi, k);
    ASSERT_NOT_NULL(dense);
    const basin_value zero[1] = {{0, "zero"}};
    void *hop = NULL;
    ASSERT_EQ(hopfield_iface->create(host, zero, dim, &hop), BASIN_OK);
    ASSERT_EQ(hopfield_iface->encode(hop, host, xi, k), BASIN_OK);

    /* E_dense = −Σ(ξ·x)² = 2N E_hop − K N and ΔE_dense = 2N ΔE_hop, exactly. */
    float *x = binary(7, n_starts, dim, 1);
    double ed[32], eh[32];
    dense_iface->energy(dense, host, x, n_starts, ed);
    hopfield_iface->energy(hop, host, x, n_starts, eh);
    float *cd = malloc(n_starts * k * sizeof *cd);
    float *ch = malloc(n_starts * dim * sizeof *ch);
    dense_iface->spin_init(dense, host, x, n_starts, cd);
    hopfield_iface->spin_init(hop, host, x, n_starts, ch);
    int energy_off = 0, delta_off = 0, ties = 0;
    for (uint64_t r = 0; r < n_starts; r++) {
        energy_off += fabs(ed[r] - (2.0 * dim * eh[r] - (double)k * dim)) > 1e-9;
        for (uint32_t i = 0; i < dim; i++) {
            const double a = dense_iface->spin_delta(dense, x + r * dim, cd + r * k, i);
            const double b =
                hopfield_iface->spin_delta(hop, x + r * dim, ch + r * dim, i);
            delta_off += fabs(a - 2.0 * dim * b) > 1e-9 || (a < 0) != (b < 0) ||
                         (a == 0) != (b == 0);
            ties += a == 0;
        }
    }
    /* at 32 random states (ties: the exact ties agree) */
    printf("# dense(n=2) against hopfield: %d exact ties\n", ties);
    EXPECT_EQ(energy_off, 0); /* E = 2N E_hopfield - KN */
    EXPECT_EQ(delta_off, 0);  /* dE_i = 2N dE_i(hopfield) */

    for (int mode = 0; mode < 2; mode++) {
        const basin_value sp[2] = {{0, mode ? "sync" : "async"}, {200, ""}};
        void *sampler = NULL;
        ASSERT_EQ(sampler_iface->create(host, sp, &sampler), BASIN_OK);
        float *a = binary(8, n_starts, dim, 1), *b = binary(8, n_starts, dim, 1);
        basin_outcome oa[32], ob[32];
        const basin_model md = {.struct_size = sizeof(basin_model),
                                .dim = dim,
                                .energy = dense_iface,
                                .energy_self = dense};
        const basin_model mh = {.struct_size = sizeof(basin_model),
                                .dim = dim,
                                .energy = hopfield_iface,
                                .energy_self = hop};
        int rc = sampler_iface->run(sampler, host, &md, a, n_starts, 0, oa);
        rc |= sampler_iface->run(sampler, host, &mh, b, n_starts, 0, ob);
        double total_steps = 0;
        for (uint64_t r = 0; r < n_starts; r++)
            total_steps += oa[r].steps;
        EXPECT_EQ(rc, BASIN_OK);
        EXPECT_MSG(memcmp(a, b, n_starts * dim * sizeof *a) == 0 &&
                       memcmp(oa, ob, sizeof oa) == 0 && total_steps > n_starts,
                   "dense(n=2) = hopfield(diagonal zero) under samplers/hopfield %s: "
                   "%llu starts end in identical states after identical sweep counts "
                   "(%.0f sweeps in all)",
                   mode ? "sync" : "async", (unsigned long long)n_starts, total_steps);
        free(a);
        free(b);
        sampler_iface->destroy(sampler);
    }
    free(cd);
    free(ch);
    free(x);
    free(xi);
    dense_iface->destroy(dense);
    hopfield_iface->destroy(hop);
    EXPECT_EQ(fake.n_warnings, 0);
}

/* Number of stored patterns that are not fixed points (some ΔE_i ≤ 0). */
static int unstable_patterns(const basin_energy_iface *iface, void *e, const float *xi,
                             uint64_t k, uint32_t dim)
{
    const uint64_t size = iface->spin_cache_size(e);
    float *cache = malloc(k * size * sizeof *cache);
    iface->spin_init(e, host, xi, k, cache);
    int unstable = 0;
    for (uint64_t mu = 0; mu < k; mu++) {
        int bad = 0;
        for (uint32_t i = 0; i < dim && !bad; i++)
            bad = !(iface->spin_delta(e, xi + mu * dim, cache + mu * size, i) > 0);
        unstable += bad;
    }
    free(cache);
    return unstable;
}

/* Capacity beyond Hopfield: KH 2016 (K_max ≈ N^{n−1} / (2 (2n−3)!! ln N) = 362 at
   N = 100, n = 3) and Demircigil et al. 2017 (K < e^{N ln2 / 2}). */
TEST_IMPL(energies_dense_capacity)
{
    SETUP();
    const uint32_t dim = 100;
    const uint64_t k = 40; /* K/N = 0.4, three times the Hopfield capacity 0.138 */
    float *xi = binary(10, k, dim, 1);
    void *n2 = make_dense("poly", 2, 1, dim, xi, k);
    void *n3 = make_dense("poly", 3, 1, dim, xi, k);
    ASSERT_NOT_NULL(n2);
    ASSERT_NOT_NULL(n3);
    const int u2 = unstable_patterns(dense_iface, n2, xi, k, dim);
    const int u3 = unstable_patterns(dense_iface, n3, xi, k, dim);
    /* n = 3: signal F(N) − F(N−2) ≈ 6N² = 6e4 against crosstalk of std
       ≈ 6 √(3 K) N = 6.6e3 per spin: a 9-SE margin. n = 2 (Hopfield): field N − 1
       against crosstalk of std √((K − 1)(N − 1)) ≈ 62, a bit is unstable with
       probability Φ(−1.6) ≈ 0.055, a pattern keeps all 100 with 0.4%. */
    /* at K/N = 0.4 all 40 patterns are fixed points for n = 3, most are not for
       n = 2 (Krotov & Hopfield 2016) */
    EXPECT_EQ(u3, 0);
    EXPECT_GT(u2, (int)k / 2);
    dense_iface->destroy(n2);
    dense_iface->destroy(n3);
    free(xi);

    const uint32_t d2 = 64;
    const uint64_t k2 = 400; /* ln K / N = 0.094 < ln 2 / 2 */
    float *p = binary(11, k2, d2, 1);
    void *ex = make_dense("exp", 2, 1, d2, p, k2);
    ASSERT_NOT_NULL(ex);
    const int ue = unstable_patterns(dense_iface, ex, p, k2, d2);
    /* dense(exp, beta = 1): all 400 patterns in N = 64 are fixed points
       (Demircigil et al. 2017: ln K / N = 0.094 < ln 2 / 2) */
    EXPECT_EQ(ue, 0);
    dense_iface->destroy(ex);
    free(p);
    EXPECT_EQ(fake.n_warnings, 0);
}

/* exp at β N = 1600: every scaled energy of a random state underflows, yet spin_delta
   keeps the exact sign and the async dynamics retrieve a memory from random starts. */
TEST_IMPL(energies_dense_exp_underflow)
{
    SETUP();
    const uint32_t dim = 200;
    const uint64_t k = 10, n_starts = 16;
    const double beta = 8;
    float *xi = binary(12, k, dim, 1);
    void *e = make_dense("exp", 2, beta, dim, xi, k);
    ASSERT_NOT_NULL(e);
    float *x = binary(13, n_starts, dim, 1);
    float *cache = malloc(n_starts * k * sizeof *cache);
    dense_iface->spin_init(e, host, x, n_starts, cache);
    /* The true Σ_μ e^{β(h_μ−2s_μ)} − e^{βh_μ}, times e^{−m}: the exponents are
       integers, so counting each exponent's terms first (after − before) cancels
       equal terms exactly, and what is left is summed without cancellation
       (e^{2β} = e^{16} ≫ K). spin_delta must give this sign whenever it exceeds
       1e-11 of the largest term, 100 × the plugin's rounding bound
       (K + 8 + 4β(N + 2)) 2^-52 = 1.4e-12; below that (a near tie: the dominant
       terms cancel exactly) it may return 0. */
    int wrong_sign = 0, tiny = 0, near_ties = 0;
    int *count = malloc((2 * dim + 8) * sizeof *count);
    for (uint64_t r = 0; r < n_starts; r++)
        for (uint32_t i = 0; i < dim; i++) {
            const float *c = cache + r * k;
            memset(count, 0, (2 * dim + 8) * sizeof *count);
            int top = -(int)dim - 4;
            for (uint64_t mu = 0; mu < k; mu++) {
                const int h = (int)c[mu], sp = (int)(xi[mu * dim + i] * x[r * dim + i]);
                count[h - 2 * sp + (int)dim + 4]++;
                count[h + (int)dim + 4]--;
                top = h - 2 * sp > top ? h - 2 * sp : top;
                top = h > top ? h : top;
            }
            double truth = 0;
            for (int t = 0; t < 2 * (int)dim + 8; t++)
                if (count[t] != 0)
                    truth += count[t] * exp(beta * (t - (int)dim - 4 - top));
            const double d = dense_iface->spin_delta(e, x + r * dim, c, i);
            if (fabs(truth) > 1e-11)
                wrong_sign += (d < 0) != (truth > 0) || d == 0;
            else if (d != 0)
                wrong_sign += (d < 0) != (truth > 0);
            near_ties += d == 0;
            tiny += d != 0 && fabs(d) < DBL_MIN;
        }
    free(count);
    /* spin_delta has the true sign at all 3200 spins of random states, some of
       them below the double range */
    printf("# dense(exp, beta N = 1600): %d near ties returned as 0\n", near_ties);
    EXPECT_EQ(wrong_sign, 0);
    EXPECT_GT(tiny, 0);

    const basin_value sp[2] = {{0, "async"}, {50, ""}};
    void *sampler = NULL;
    ASSERT_EQ(sampler_iface->create(host, sp, &sampler), BASIN_OK);
    basin_outcome out[16];
    const basin_model m = {.struct_size = sizeof(basin_model),
                           .dim = dim,
                           .energy = dense_iface,
                           .energy_self = e};
    int rc = sampler_iface->run(sampler, host, &m, x, n_starts, 0, out);
    int retrieved = 0, converged = 0;
    for (uint64_t r = 0; r < n_starts; r++) {
        converged += (int)out[r].converged;
        for (uint64_t mu = 0; mu < k; mu++)
            retrieved += fabs(dot(x + r * dim, xi + mu * dim, dim)) == dim &&
                         dot(x + r * dim, xi + mu * dim, dim) > 0;
    }
    /* dense(exp, beta = 8, N = 200): all 16 random starts converge onto a stored
       pattern */
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_EQ(converged, (int)n_starts);
    EXPECT_EQ(retrieved, (int)n_starts);
    sampler_iface->destroy(sampler);
    dense_iface->destroy(e);
    free(cache);
    free(x);
    free(xi);
    EXPECT_EQ(fake.n_warnings, 0);
}

/* ---------------------------------------------------- modern and diffusion */

/* The n × n matrix H_ij = (H(x) e_j)_i from hessian_vector on unit vectors. */
static int hessian_matrix(const basin_energy_iface *iface, void *e, const float *x,
                          uint32_t dim, double *matrix)
{
    float *xs = malloc((size_t)dim * dim * sizeof *xs);
    float *v = calloc((size_t)dim * dim, sizeof *v);
    float *hv = malloc((size_t)dim * dim * sizeof *hv);
    for (uint32_t j = 0; j < dim; j++) {
        memcpy(xs + (size_t)j * dim, x, dim * sizeof *xs);
        v[(size_t)j * dim + j] = 1;
    }
    int rc = iface->hessian_vector(e, host, xs, v, dim, hv);
    for (uint32_t j = 0; j < dim; j++)
        for (uint32_t i = 0; i < dim; i++)
            matrix[(size_t)i * dim + j] = hv[(size_t)j * dim + i];
    free(xs);
    free(v);
    free(hv);
    return rc;
}

/* Largest |H_ij − H_ji| and the ascending eigenvalues of the symmetric part. */
static double eigenvalues(const double *matrix, uint32_t dim, double *values)
{
    double asym = 0;
    double *a = malloc((size_t)dim * dim * sizeof *a);
    for (uint32_t i = 0; i < dim; i++)
        for (uint32_t j = 0; j < dim; j++) {
            asym = fmax(asym, fabs(matrix[i * dim + j] - matrix[j * dim + i]));
            a[i * dim + j] = 0.5 * (matrix[i * dim + j] + matrix[j * dim + i]);
        }
    if (eigen_symmetric(a, dim, values, EIGEN_ASCENDING) != 0)
        values[0] = NAN;
    free(a);
    return asym;
}

/*
 * Largest |H v − (∇E(x + h v) − ∇E(x − h v)) / 2h| over 4 random unit v, with v
 * replaced by the step actually taken after rounding x ± h v to float. *reference
 * gets the largest |H v − v + c Cov_w(ξ) v| against the formula in double, with
 * c = τa², w = softmax(a x·ξ + b ‖ξ‖²).
 */
static double hessian_vs_fd(const basin_energy_iface *iface, void *e, const float *x,
                            const float *xi, uint64_t k, uint32_t dim, double a, double b,
                            double c, double h, double *reference)
{
    float *v = malloc(dim * sizeof *v), *hv = malloc(dim * sizeof *hv);
    float *pm = malloc(2 * dim * sizeof *pm), *g = malloc(2 * dim * sizeof *g);
    double *w = malloc(k * sizeof *w), *mean = malloc(dim * sizeof *mean);
    double worst = 0;
    *reference = 0;
    for (int t = 0; t < 4; t++) {
        host->random_normal(host, BASIN_ROLE_USER, 40, (uint64_t)t, v, dim);
        const double norm = sqrt(dot(v, v, dim));
        for (uint32_t i = 0; i < dim; i++) {
            pm[i] = (float)(x[i] + h * v[i] / norm);
            pm[dim + i] = (float)(x[i] - h * v[i] / norm);
            v[i] = (float)(((double)pm[i] - pm[dim + i]) / (2 * h));
        }
        iface->hessian_vector(e, host, x, v, 1, hv);
        iface->gradient(e, host, pm, 2, g);
        for (uint32_t i = 0; i < dim; i++)
            worst = fmax(worst, fabs(hv[i] - ((double)g[i] - g[dim + i]) / (2 * h)));
        /* the formula: Cov_w(ξ) v = Σ w ξ (ξ·v) − m (m·v) */
        double mx = -INFINITY, s = 0, mv = 0;
        for (uint64_t mu = 0; mu < k; mu++) {
            const float *p = xi + mu * dim;
            w[mu] = a * dot(x, p, dim) + b * dot(p, p, dim);
            mx = fmax(mx, w[mu]);
        }
        for (uint64_t mu = 0; mu < k; mu++)
            s += w[mu] = exp(w[mu] - mx);
        for (uint32_t i = 0; i < dim; i++)
            mean[i] = 0;
        for (uint64_t mu = 0; mu < k; mu++)
            for (uint32_t i = 0; i < dim; i++)
                mean[i] += w[mu] / s * xi[mu * dim + i];
        for (uint32_t i = 0; i < dim; i++)
            mv += mean[i] * v[i];
        for (uint32_t i = 0; i < dim; i++) {
            double cov = -mean[i] * mv;
            for (uint64_t mu = 0; mu < k; mu++)
                cov += w[mu] / s * xi[mu * dim + i] * dot(xi + mu * dim, v, dim);
            *reference = fmax(*reference, fabs(hv[i] - (v[i] - c * cov)));
        }
    }
    free(v);
    free(hv);
    free(pm);
    free(g);
    free(w);
    free(mean);
    return worst;
}

/* log Σ_μ exp(a x·ξ_μ + b ‖ξ_μ‖²) and Σ w ξ in double, max-subtracted. */
static double reference_lse(const float *x, const float *xi, uint64_t k, uint32_t dim,
                            double a, double b, double *average)
{
    double *l = malloc(k * sizeof *l), m = -INFINITY, s = 0;
    for (uint64_t mu = 0; mu < k; mu++) {
        const float *p = xi + mu * dim;
        l[mu] = a * dot(x, p, dim) + b * dot(p, p, dim);
        m = fmax(m, l[mu]);
    }
    for (uint32_t i = 0; i < dim; i++)
        average[i] = 0;
    for (uint64_t mu = 0; mu < k; mu++) {
        const double w = exp(l[mu] - m);
        s += w;
        for (uint32_t i = 0; i < dim; i++)
            average[i] += w * xi[mu * dim + i];
    }
    for (uint32_t i = 0; i < dim; i++)
        average[i] /= s;
    free(l);
    return m + log(s);
}

TEST_IMPL(energies_lse_errors)
{
    SETUP();
    void *e = (void *)1;
    const basin_value beta0[1] = {{0, ""}}, beta_neg[1] = {{-1, ""}};
    /* modern: beta = 0, beta = -1 are BASIN_EINVAL */
    EXPECT_EQ(modern_iface->create(host, beta0, 8, &e), BASIN_EINVAL);
    EXPECT_NULL(e);
    EXPECT_EQ(modern_iface->create(host, beta_neg, 8, &e), BASIN_EINVAL);
    /* diffusion: sigma = 0, alpha = 0, sigma = 1e-200 (alpha/sigma^2 overflows) are
       BASIN_EINVAL */
    const basin_value sigma0[2] = {{0, ""}, {1, ""}}, alpha0[2] = {{1, ""}, {0, ""}};
    const basin_value tiny[2] = {{1e-200, ""}, {1, ""}};
    EXPECT_EQ(diffusion_iface->create(host, sigma0, 8, &e), BASIN_EINVAL);
    EXPECT_EQ(diffusion_iface->create(host, alpha0, 8, &e), BASIN_EINVAL);
    e = (void *)1;
    EXPECT_EQ(diffusion_iface->create(host, tiny, 8, &e), BASIN_EINVAL);
    EXPECT_NULL(e);

    const basin_value one[1] = {{1, ""}};
    ASSERT_EQ(modern_iface->create(host, one, 4, &e), BASIN_OK);
    float x[8] = {1, 0, 0, 0, 0, 1, 0, 0};
    double energy[2];
    /* modern: energy before encode, K = 0 are BASIN_EINVAL */
    EXPECT_EQ(modern_iface->energy(e, host, x, 1, energy), BASIN_EINVAL);
    EXPECT_EQ(modern_iface->encode(e, host, x, 0), BASIN_EINVAL);
    modern_iface->encode(e, host, x, 2);
    /* a NaN state is BASIN_ENUMERIC, with a message */
    x[2] = NAN;
    fake_last_error[0] = 0;
    EXPECT_EQ(modern_iface->energy(e, host, x, 1, energy), BASIN_ENUMERIC);
    EXPECT_NE(fake_last_error[0], 0);
    modern_iface->destroy(e);
    EXPECT_EQ(fake.n_warnings, 0);
}

TEST_IMPL(energies_modern)
{
    SETUP();
    const uint32_t dim = 64;
    const uint64_t k = 20;
    const double beta = 4; /* a power of two: logits β x·ξ exact in float */
    float *xi = binary(20, k, dim, 0.125f); /* ±1/√N: unit norm */
    void *e = make_lse(modern_iface, beta, 0, dim, xi, k);
    ASSERT_NOT_NULL(e);
    float *zero = calloc(4 * dim, sizeof *zero);
    float *x = grid_states(21, zero, 4, dim, 0.2);

    /* energy() against Ramsauer et al. 2020 Eq. 2 with both constants, in double. */
    double energy[4], worst = 0, *avg = malloc(dim * sizeof *avg);
    modern_iface->energy(e, host, x, 4, energy);
    int negative = 0;
    for (uint32_t r = 0; r < 4; r++) {
        const double lse = reference_lse(x + r * dim, xi, k, dim, beta, 0, avg);
        const double ref = -lse / beta + 0.5 * dot(x + r * dim, x + r * dim, dim) +
                           log((double)k) / beta + 0.5 * 1.0;
        worst = fmax(worst, fabs(energy[r] - ref));
        negative += energy[r] < 0;
    }
    /* The logits x·ξ come from a float32 SGEMM (core/kernels/softmax.c): each carries a
       rounding error of at most dim·2⁻²⁴·‖x‖‖ξ‖ (‖ξ‖ = 1), and E = −lse/β + …
       moves by at most that much. */
    double bound = 0;
    for (uint32_t r = 0; r < 4; r++)
        bound =
            fmax(bound, dim * ldexp(1, -24) * sqrt(dot(x + r * dim, x + r * dim, dim)));
    EXPECT_MSG(worst <= bound,
               "modern: E = -lse(beta, X^T xi)/beta + |xi|^2/2 + log(K)/beta + M^2/2 "
               "(|error| %.1e, bound %.1e)",
               worst, bound);
    EXPECT_EQ(negative, 0); /* E >= 0 (Ramsauer et al. 2020, Lemma A1) */

    /* Gradient by central differences: |∂³_i E| ≤ β² (2 max|ξ_i|)³ = 16/64, so
       h = 2^-7 truncates ≤ h²/6 · 0.25 = 2.5e-6; the float gradient rounds ≤ 1e-7. */
    double err, excess = -INFINITY, worst_err = 0;
    for (uint32_t r = 0; r < 4; r++) {
        excess = fmax(excess, gradient_vs_fd(modern_iface, e, x + r * dim, dim, 0x1p-7,
                                             5e-6, 1e-6, &err));
        worst_err = fmax(worst_err, err);
    }
    EXPECT_MSG(excess <= 0,
               "modern: gradient = central differences of energy() (worst "
               "|error| %.1e, bound 5e-6)",
               worst_err);

    /* update = ξ − ∇E and = X softmax(β Xᵀ ξ) in double. */
    float *u = malloc(4 * dim * sizeof *u), *g = malloc(4 * dim * sizeof *g);
    modern_iface->update(e, host, x, 4, u);
    modern_iface->gradient(e, host, x, 4, g);
    double off_grad = 0, off_ref = 0;
    for (uint32_t r = 0; r < 4; r++) {
        reference_lse(x + r * dim, xi, k, dim, beta, 0, avg);
        for (uint32_t i = 0; i < dim; i++) {
            const size_t t = r * dim + i;
            off_grad = fmax(off_grad, fabs(u[t] - (x[t] - g[t])));
            off_ref = fmax(off_ref, fabs(u[r * dim + i] - avg[i]));
        }
    }
    /* float32 results of size ≤ 1: a few ulps of 1 */
    EXPECT_MSG(off_ref < 1e-6, "modern: update = X softmax(beta X^T xi) (|error| %.1e)",
               off_ref);
    EXPECT_MSG(off_grad < 1e-6, "modern: update = xi - grad E (|error| %.1e)", off_grad);

    /* CCCP: the update never raises E (Ramsauer et al. 2020, Theorem 1). */
    double after[4];
    modern_iface->energy(e, host, u, 4, after);
    int rises = 0;
    for (int r = 0; r < 4; r++)
        rises += after[r] > energy[r] + 1e-12;
    EXPECT_EQ(rises, 0); /* E(update(x)) <= E(x) at 4 random states */

    /* Hessian against the formula in double (float results of size ~1: 1e-6) and
       against differences of the gradient along unit v: h = 2^-8, the third
       derivative β² |E_w[(ξ−m)_i ((ξ−m)·v)²]| ≤ 16 · (1/4) · 4 = 16 truncates
       ≤ h²/6 · 16 = 4e-5, and float gradients (ulp 6e-8) / 2h add 8e-6. */
    double href;
    const double hfd =
        hessian_vs_fd(modern_iface, e, x, xi, k, dim, beta, 0, beta, 0x1p-8, &href);
    EXPECT_MSG(href < 1e-6, "modern: hessian_vector = v - beta Cov_p(x) v (|error| %.1e)",
               href);
    EXPECT_MSG(hfd < 5e-5,
               "modern: hessian_vector = differences of the gradient (|error| %.1e)",
               hfd);
    free(u);
    free(g);
    free(x);
    free(zero);
    modern_iface->destroy(e);

    /* One-step retrieval of well-separated patterns (Ramsauer et al. 2020,
       Theorem 4): β = 32, start at ξ_μ + 0.01 N(0, 1) per entry. */
    void *sharp = make_lse(modern_iface, 32, 0, dim, xi, k);
    void *soft = make_lse(modern_iface, 1, 0, dim, xi, k);
    ASSERT_NOT_NULL(sharp);
    ASSERT_NOT_NULL(soft);
    float *noisy = grid_states(22, xi, k, dim, 0.01);
    float *one = malloc(k * dim * sizeof *one);
    float *metastable = malloc(k * dim * sizeof *metastable);
    modern_iface->update(sharp, host, noisy, k, one);
    modern_iface->update(soft, host, noisy, k, metastable);
    double far = 0, near_soft = INFINITY;
    for (uint64_t mu = 0; mu < k; mu++) {
        double d2 = 0, s2 = 0;
        for (uint32_t i = 0; i < dim; i++) {
            d2 += pow(one[mu * dim + i] - xi[mu * dim + i], 2);
            s2 += pow(metastable[mu * dim + i] - xi[mu * dim + i], 2);
        }
        far = fmax(far, sqrt(d2));
        near_soft = fmin(near_soft, sqrt(s2));
    }
    EXPECT_MSG(far < 1e-3,
               "modern: one update at beta = 32 lands within %.1e < 1e-3 of each of "
               "%llu patterns",
               far, (unsigned long long)k);
    EXPECT_MSG(near_soft > 0.1,
               "modern: at beta = 1 one update stays >= %.2f > 0.1 away: a metastable "
               "average",
               near_soft);

    /* At a stored pattern the Hessian is symmetric positive definite. */
    double *h = malloc((size_t)dim * dim * sizeof *h), *w = malloc(dim * sizeof *w);
    int rc = hessian_matrix(modern_iface, sharp, xi, dim, h);
    double asym = eigenvalues(h, dim, w);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_MSG(asym < 1e-6,
               "modern(beta = 32): the Hessian at a stored pattern is symmetric (%.1e)",
               asym);
    EXPECT_MSG(w[0] > 0.5,
               "modern(beta = 32): the Hessian at a stored pattern is positive definite "
               "(smallest eigenvalue %.4f > 0.5)",
               w[0]);
    modern_iface->destroy(sharp);
    modern_iface->destroy(soft);

    /* Two orthogonal unit patterns, at their midpoint p = (½, ½): H = I − β/4 d dᵀ
       with d = ξ1 − ξ2, ‖d‖² = 2: one eigenvalue 1 − β/2 (a saddle for β > 2), the
       others 1. */
    float pair[2 * 64], mid[64];
    for (uint32_t i = 0; i < dim; i++) {
        pair[i] = 0.125f;
        pair[dim + i] = i < dim / 2 ? 0.125f : -0.125f;
        mid[i] = 0.5f * (pair[i] + pair[dim + i]);
    }
    void *two = make_lse(modern_iface, 8, 0, dim, pair, 2);
    ASSERT_NOT_NULL(two);
    rc = hessian_matrix(modern_iface, two, mid, dim, h);
    eigenvalues(h, dim, w);
    /* modern(beta = 8): between two orthogonal patterns the Hessian has the
       eigenvalues 1 - beta/2 = -3 and 1 */
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_NEAR(w[0], 1 - 8 / 2.0, 1e-5);
    EXPECT_NEAR(w[1], 1, 1e-5);
    EXPECT_NEAR(w[dim - 1], 1, 1e-5);
    modern_iface->destroy(two);
    free(h);
    free(w);
    free(noisy);
    free(one);
    free(metastable);
    free(avg);
    free(xi);
    EXPECT_EQ(fake.n_warnings, 0);
}

TEST_IMPL(energies_diffusion)
{
    SETUP();
    const uint32_t dim = 64;
    const uint64_t k = 20;
    float *xi = binary(30, k, dim, 0.125f);
    /* σ = 1/2, α = 1: a = α/σ² = 4, b = −2, powers of two. */
    const double sigma = 0.5, alpha = 1, var = sigma * sigma;
    void *e = make_lse(diffusion_iface, sigma, alpha, dim, xi, k);
    ASSERT_NOT_NULL(e);
    float *zero = calloc(4 * dim, sizeof *zero);
    float *x = grid_states(31, zero, 4, dim, 0.2);
    double energy[4], worst = 0, score_off = 0, *avg = malloc(dim * sizeof *avg);
    float *g = malloc(4 * dim * sizeof *g), *u = malloc(4 * dim * sizeof *u);
    diffusion_iface->energy(e, host, x, 4, energy);
    diffusion_iface->gradient(e, host, x, 4, g);
    diffusion_iface->update(e, host, x, 4, u);
    double update_off = 0;
    for (uint32_t r = 0; r < 4; r++) {
        const float *xr = x + r * dim;
        /* E_σ = −σ² log Σ exp(−‖x − αξ‖²/2σ²), directly, max-subtracted. */
        double l[20], m = -INFINITY, s = 0;
        for (uint64_t mu = 0; mu < k; mu++) {
            double d2 = 0;
            for (uint32_t i = 0; i < dim; i++)
                d2 += pow(xr[i] - alpha * xi[mu * dim + i], 2);
            l[mu] = -d2 / (2 * var);
            m = fmax(m, l[mu]);
        }
        for (uint64_t mu = 0; mu < k; mu++)
            s += exp(l[mu] - m);
        worst = fmax(worst, fabs(energy[r] - (-var * (m + log(s)))));
        /* The empirical score (docs/science.md, Empirical score): Σ w (αξ − x)/σ²;
           ∇E = −σ² score. */
        for (uint32_t i = 0; i < dim; i++) {
            double score = 0;
            for (uint64_t mu = 0; mu < k; mu++)
                score += exp(l[mu] - m) / s * (alpha * xi[mu * dim + i] - xr[i]) / var;
            score_off = fmax(score_off, fabs(g[r * dim + i] + var * score));
        }
        reference_lse(xr, xi, k, dim, alpha / var, -alpha * alpha / (2 * var), avg);
        for (uint32_t i = 0; i < dim; i++)
            update_off = fmax(update_off, fabs(u[r * dim + i] - alpha * avg[i]));
    }
    /* As for the modern energy: the float32 logits (α/σ²) x·ξ carry at most
       dim·2⁻²⁴·(α/σ²)‖x‖‖ξ‖ of rounding, which −σ² lse scales back by σ². */
    double bound = 0;
    for (uint32_t r = 0; r < 4; r++) {
        const float *xr = x + r * dim;
        for (uint64_t mu = 0; mu < k; mu++)
            bound = fmax(bound, dim * ldexp(1, -24) * alpha *
                                    sqrt(dot(xr, xr, dim) *
                                         dot(xi + mu * dim, xi + mu * dim, dim)));
    }
    EXPECT_MSG(worst <= bound,
               "diffusion: E = -sigma^2 log sum exp(-|x - alpha xi|^2 / 2 sigma^2) "
               "(|error| %.1e, float32 bound %.1e)",
               worst, bound);
    EXPECT_MSG(score_off < 1e-6,
               "diffusion: gradient = -sigma^2 x empirical score (|error| %.1e)",
               score_off);
    EXPECT_MSG(update_off < 1e-6, "diffusion: update = alpha x0_hat (|error| %.1e)",
               update_off);

    /* Central differences: |∂³_i E| ≤ σ² a³ (2/8)³ = 1/4 · 64/64 = 0.25 → h = 2^-7
       truncates ≤ 2.5e-6. */
    double err, excess = -INFINITY, worst_err = 0;
    for (uint32_t r = 0; r < 4; r++) {
        excess = fmax(excess, gradient_vs_fd(diffusion_iface, e, x + r * dim, dim, 0x1p-7,
                                             5e-6, 1e-6, &err));
        worst_err = fmax(worst_err, err);
    }
    EXPECT_MSG(excess <= 0,
               "diffusion: gradient = central differences of energy() (worst "
               "|error| %.1e)",
               worst_err);
    /* As for modern: α²/σ² = 4 ≤ β there, the same bounds hold. */
    double href;
    const double hfd =
        hessian_vs_fd(diffusion_iface, e, x, xi, k, dim, alpha / var,
                      -alpha * alpha / (2 * var), alpha * alpha / var, 0x1p-8, &href);
    EXPECT_MSG(href < 1e-6,
               "diffusion: hessian_vector = v - (alpha^2/sigma^2) Cov_w v (|error| %.1e)",
               href);
    EXPECT_MSG(hfd < 5e-5,
               "diffusion: hessian_vector = differences of the gradient (|error| %.1e)",
               hfd);

    /* With equal-norm patterns, α = 1, σ² = 1/β: E_σ = E_modern − β⁻¹ log K, same
       gradient and update (docs/science.md, Empirical score: Ramsauer's energy). */
    void *modern = make_lse(modern_iface, 1 / var, 0, dim, xi, k);
    ASSERT_NOT_NULL(modern);
    double em[4];
    float *gm = malloc(4 * dim * sizeof *gm), *um = malloc(4 * dim * sizeof *um);
    modern_iface->energy(modern, host, x, 4, em);
    modern_iface->gradient(modern, host, x, 4, gm);
    modern_iface->update(modern, host, x, 4, um);
    double eoff = 0, goff = 0;
    for (int r = 0; r < 4; r++)
        eoff = fmax(eoff, fabs(energy[r] - (em[r] - var * log((double)k))));
    for (uint32_t t = 0; t < 4 * dim; t++)
        goff = fmax(goff, fmax(fabs(g[t] - gm[t]), fabs(u[t] - um[t])));
    EXPECT_MSG(eoff < 1e-12,
               "diffusion(alpha = 1, sigma^2 = 1/beta) = modern(beta) - log(K)/beta for "
               "unit patterns (|dE| %.1e)",
               eoff);
    EXPECT_MSG(goff < 1e-6,
               "diffusion(alpha = 1, sigma^2 = 1/beta) has modern(beta)'s gradient and "
               "update (|d grad| %.1e)",
               goff);
    modern_iface->destroy(modern);

    /* Small σ: x = α ξ_μ + σ ε maps onto α ξ_μ in one update (memorization), with
       α = 0.8, σ = 0.05; at a stored point the Hessian is ≈ I (positive definite). */
    void *small = make_lse(diffusion_iface, 0.05, 0.8, dim, xi, k);
    ASSERT_NOT_NULL(small);
    float *noisy = malloc(k * dim * sizeof *noisy), *out = malloc(k * dim * sizeof *out);
    host->random_normal(host, BASIN_ROLE_INIT, 32, 0, noisy, k * dim);
    for (uint32_t t = 0; t < k * dim; t++)
        noisy[t] = 0.8f * xi[t] + 0.05f * noisy[t];
    diffusion_iface->update(small, host, noisy, k, out);
    double far = 0;
    for (uint32_t t = 0; t < k * dim; t++)
        far = fmax(far, fabs(out[t] - 0.8 * xi[t]));
    double *h = malloc((size_t)dim * dim * sizeof *h), *w = malloc(dim * sizeof *w);
    float scaled[64];
    for (uint32_t i = 0; i < dim; i++)
        scaled[i] = 0.8f * xi[i];
    int rc = hessian_matrix(diffusion_iface, small, scaled, dim, h);
    const double asym = eigenvalues(h, dim, w);
    EXPECT_MSG(far < 1e-5,
               "diffusion(sigma = 0.05, alpha = 0.8): one update maps alpha xi + sigma "
               "eps to alpha xi (|error| %.1e)",
               far);
    EXPECT_EQ(rc, BASIN_OK);
    EXPECT_MSG(asym < 1e-6, "diffusion: the Hessian at alpha xi is symmetric (%.1e)",
               asym);
    EXPECT_MSG(w[0] > 0.5,
               "diffusion: the Hessian at alpha xi is positive definite (smallest "
               "eigenvalue %.4f > 0.5)",
               w[0]);
    diffusion_iface->destroy(small);
    free(h);
    free(w);
    free(noisy);
    free(out);
    free(gm);
    free(um);
    free(g);
    free(u);
    free(x);
    free(zero);
    free(avg);
    free(xi);
    diffusion_iface->destroy(e);
    EXPECT_EQ(fake.n_warnings, 0);
}

/*
 * energies/diffusion's streams (ABI 1.5): the fixed-point iteration x ← update(x)
 * of 6 states started near stored patterns, through one stream. At every step,
 * each row of update_stream, gradient_stream and energy_stream either has the
 * bytes of update, gradient and energy on the same state (computed by the exact
 * path, tested above) or is a certified row, computed in double, and then within
 * the candidate sets' tolerance of a double reference: ε·α·max|ξ| plus the float
 * output's rounding 8u·max(|x|, max|ξ|) (E: σ²ε/2 plus 1e-12 of ‖x‖²/2); and most
 * rows are certified ones (the candidate path ran).
 */
TEST_IMPL(energies_diffusion_streams)
{
    SETUP();
    const uint32_t dim = 64, n = 6;
    const uint64_t k = 400;
    /* 80 clusters of 5: centres N(0, 2/N) per entry (‖c − c'‖² ≈ 4), members
       within N(0, 0.05/N) (‖ξ − ξ'‖² ≈ 0.1 inside a cluster), so at σ = 0.2 (c =
       α²/2σ² = 12.5) a state's posterior spreads over its cluster (weights far from
       0 and 1) while the other clusters are below e^-40: certifiable. */
    float *xi = malloc(k * dim * sizeof *xi), centre[64], member[64];
    for (uint64_t q = 0; q < k / 5; q++) {
        fake.host.random_normal(host, BASIN_ROLE_DATASET, 40, q, centre, dim);
        for (uint64_t j = 0; j < 5; j++) {
            fake.host.random_normal(host, BASIN_ROLE_DATASET, 41 + j, q, member, dim);
            for (uint32_t i = 0; i < dim; i++)
                xi[(5 * q + j) * dim + i] =
                    (float)((sqrt(2.0) * centre[i] + sqrt(0.05) * member[i]) / 8);
        }
    }
    double maxabs = 0;
    for (uint64_t t = 0; t < k * dim; t++)
        maxabs = fmax(maxabs, fabs(xi[t]));
    const double sigma = 0.2, alpha = 1, eps = 1e-7, u = 0x1p-24;
    const double a = alpha / (sigma * sigma), b = -alpha * alpha / (2 * sigma * sigma);
    void *e = make_lse(diffusion_iface, sigma, alpha, dim, xi, k);
    ASSERT_NOT_NULL(e);
    ASSERT(diffusion_iface->stream_open != NULL &&
           diffusion_iface->update_stream != NULL);
    void *stream = NULL;
    ASSERT_EQ(diffusion_iface->stream_open(e, host, n, &stream), BASIN_OK);
    ASSERT_NOT_NULL(stream);
    float *x = malloc(n * dim * sizeof *x), *ga = malloc(n * dim * sizeof *ga);
    float *gb = malloc(n * dim * sizeof *gb), *ua = malloc(n * dim * sizeof *ua);
    float *ub = malloc(n * dim * sizeof *ub), noise[64];
    double avg[64];
    fake.host.random_normal(host, BASIN_ROLE_INIT, 41, 0, noise, dim);
    for (uint32_t r = 0; r < n; r++)
        for (uint32_t i = 0; i < dim; i++)
            x[r * dim + i] =
                xi[(35 * r + 3) * dim + i] + (float)(0.3 * sigma) * noise[i] / 8;
    double worst = 0, worst_e = 0;
    uint64_t rows = 0, certified = 0;
    for (int step = 0; step < 12; step++) {
        double ea[6], eb[6];
        ASSERT_EQ(diffusion_iface->gradient_stream(e, stream, host, x, n, ga), BASIN_OK);
        ASSERT_EQ(diffusion_iface->gradient(e, host, x, n, gb), BASIN_OK);
        ASSERT_EQ(diffusion_iface->energy_stream(e, stream, host, x, n, ea), BASIN_OK);
        ASSERT_EQ(diffusion_iface->energy(e, host, x, n, eb), BASIN_OK);
        ASSERT_EQ(diffusion_iface->update_stream(e, stream, host, x, n, ua), BASIN_OK);
        ASSERT_EQ(diffusion_iface->update(e, host, x, n, ub), BASIN_OK);
        for (uint32_t r = 0; r < n; r++) {
            const float *xr = x + r * dim;
            const double lse = reference_lse(xr, xi, k, dim, a, b, avg);
            double xmax = maxabs;
            for (uint32_t i = 0; i < dim; i++)
                xmax = fmax(xmax, fabs(xr[i]));
            const double tol = eps * alpha * maxabs + 8 * u * xmax;
            rows += 3;
            if (memcmp(ga + r * dim, gb + r * dim, dim * sizeof *ga) != 0) {
                certified++;
                for (uint32_t i = 0; i < dim; i++)
                    worst = fmax(worst,
                                 fabs(ga[r * dim + i] - (xr[i] - alpha * avg[i])) / tol);
            }
            if (memcmp(ua + r * dim, ub + r * dim, dim * sizeof *ua) != 0) {
                certified++;
                for (uint32_t i = 0; i < dim; i++)
                    worst = fmax(worst, fabs(ua[r * dim + i] - alpha * avg[i]) / tol);
            }
            if (ea[r] != eb[r]) {
                certified++;
                const double x2 = dot(xr, xr, dim);
                const double tol_e = sigma * sigma * eps / 2 + 1e-12 * (1 + x2 / 2);
                worst_e =
                    fmax(worst_e, fabs(ea[r] - (0.5 * x2 - sigma * sigma * lse)) / tol_e);
            }
        }
        memcpy(x, ua, n * dim * sizeof *x);
    }
    diffusion_iface->stream_close(e, stream);
    EXPECT_MSG(worst <= 1,
               "diffusion streams: certified update and gradient rows within "
               "the tolerance (worst %.2g of it)",
               worst);
    EXPECT_MSG(worst_e <= 1,
               "diffusion streams: certified E within the tolerance (worst "
               "%.2g of it)",
               worst_e);
    EXPECT_MSG(certified > rows / 2,
               "diffusion streams: the candidate path ran (%llu of "
               "%llu evaluations differ from the exact path's)",
               (unsigned long long)certified, (unsigned long long)rows);
    /* exact = true: no stream */
    const basin_value exact[4] = {{sigma, ""}, {alpha, ""}, {1, ""}, {1e-7, ""}};
    void *e2 = NULL;
    ASSERT_EQ(diffusion_iface->create(host, exact, dim, &e2), BASIN_OK);
    ASSERT_EQ(diffusion_iface->encode(e2, host, xi, k), BASIN_OK);
    stream = (void *)1;
    EXPECT_EQ(diffusion_iface->stream_open(e2, host, n, &stream), BASIN_OK);
    EXPECT_NULL(stream);
    diffusion_iface->destroy(e2);
    diffusion_iface->destroy(e);
    free(x);
    free(ga);
    free(gb);
    free(ua);
    free(ub);
    free(xi);
}

TEST_LIST_BEGIN
TEST_ENTRY(energies_plugins)
TEST_ENTRY(energies_dense_errors)
TEST_ENTRY(energies_dense_spins)
TEST_ENTRY(energies_dense_gradient)
TEST_ENTRY(energies_dense_is_hopfield)
TEST_ENTRY(energies_dense_capacity)
TEST_ENTRY(energies_dense_exp_underflow)
TEST_ENTRY(energies_lse_errors)
TEST_ENTRY(energies_modern)
TEST_ENTRY(energies_diffusion)
TEST_ENTRY(energies_diffusion_streams)
TEST_LIST_END
