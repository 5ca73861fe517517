/*
 * check/energy.c — the battery of a basin.energy/1 plugin.
 *
 * The energy stores K = 4 memories of dimension N (16, or --dim; ±1 for a binary
 * energy, standard normal otherwise) and is evaluated at 4 states near and between
 * them. Finite differences and spin flips probe every coordinate up to N = 256 and
 * 256 evenly spaced ones beyond (MAX_PROBES).
 *   energy           E finite at every state
 *   deterministic    a second instance (fresh host, same seed) gives the same bytes
 *                    for E, ∇E and the update; so does a repeated call
 *   gradient         ∇E against central differences of E (below)
 *   update           the native update map writes n × dim finite floats, no more
 *   hessian-vector   H v against central differences of ∇E along v
 *   spin-delta       spin_delta(i) = E(x with spin i flipped) − E(x), every i
 *   spin-flip        after spin_flip(i) the cache gives the deltas a fresh
 *                    spin_init of the flipped state gives
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/battery.h"

#define DEFAULT_DIM 16u /* the dimension N without --dim */
#define N_MEMORIES  4u
#define N_STATES    4u
/* Finite differences and spin flips probe at most this many coordinates of each
   state (every ceil(N / 256)-th), so a large --dim costs O(256 N K), not O(N² K). */
#define MAX_PROBES 256u

static const basin_energy_iface *iface_of(const check_ctx *c)
{
    return c->d->iface;
}

static uint32_t dim_of(const check_ctx *c)
{
    return c->dim ? c->dim : DEFAULT_DIM;
}

/* The step between probed coordinates: 1 up to N = MAX_PROBES. */
static uint32_t probe_stride(uint32_t dim)
{
    return (dim + MAX_PROBES - 1) / MAX_PROBES;
}

/* Memories and states, drawn from the host's streams (role DATASET / INIT); z is
   dim floats of scratch. */
static void draw(check_ctx *c, int binary, float *memories, float *states, float *z)
{
    const uint32_t dim = dim_of(c);
    host_job job;
    check_host(c, &job);
    const basin_host *h = &job.table;
    for (uint32_t m = 0; m < N_MEMORIES; m++) {
        h->random_normal(h, BASIN_ROLE_DATASET, m, 0, memories + m * dim, dim);
        if (binary)
            for (uint32_t i = 0; i < dim; i++)
                memories[m * dim + i] = memories[m * dim + i] < 0 ? -1.0f : 1.0f;
    }
    for (uint32_t s = 0; s < N_STATES; s++) {
        float *x = states + s * dim;
        const float *xi = memories + (s % N_MEMORIES) * dim;
        h->random_normal(h, BASIN_ROLE_INIT, s, 0, z, dim);
        for (uint32_t i = 0; i < dim; i++) {
            if (binary) /* a memory with about one spin in six flipped (none for 0) */
                x[i] = s > 0 && z[i] > 1.0f ? -xi[i] : xi[i];
            else /* near the memory (state 0), or between memories */
                x[i] = s == 0 ? xi[i] + 0.05f * z[i] : 0.6f * xi[i] + 0.5f * z[i];
        }
    }
    check_host_done(&job);
}

/* An instance that stores the memories; 0 after FAIL name. */
static int make(check_ctx *c, check_instance *in, const float *memories, const char *name)
{
    const basin_energy_iface *f = iface_of(c);
    check_instance_begin(c, in, f->destroy);
    return check_created(c, in,
                         f->create(&in->job.table, c->values, dim_of(c), &in->self),
                         name) == BASIN_OK &&
           check_set_up(c, in, f->encode(in->self, &in->job.table, memories, N_MEMORIES),
                        name) == BASIN_OK;
}

/* All energies finite; reported under name. */
static int energies(check_ctx *c, check_instance *in, const float *x, uint64_t n,
                    double *e, const char *name)
{
    host_job_clear_error(&in->job);
    int rc = iface_of(c)->energy(in->self, &in->job.table, x, n, e);
    if (rc)
        return check_call_failed(c, name, &in->job, rc);
    for (uint64_t s = 0; s < n; s++)
        if (!isfinite(e[s]))
            return check_report(c, 0, name,
                                "expected a finite energy, saw %g for "
                                "state %llu",
                                e[s], (unsigned long long)s);
    return 1;
}

/*
 * ∇E against central differences of E, coordinate by coordinate, in double of
 * float states: x ± h e_i are rounded to float and the step is the exact
 * difference of the two floats, so only E's own error matters. Tolerance per
 * entry: 1e-2 ‖∇E‖_∞ (truncation, h²/6 |∂³E| with h = 1e-2 of the state scale, and
 * room for an energy summed in float) plus 2e-6 (|E| + ½‖x‖² + 1)/h_step (the
 * rounding of E: a few float32 ulps of its terms, for energies that form overlaps
 * in float; the terms are of size ‖x‖² even where E is not, e.g. energies/
 * diffusion E = ½‖x‖² − σ² log Σ exp(x·ξ/σ² − …) ≈ ½‖x − ξ‖² near a memory). A
 * gradient that is wrong by a factor, a sign or a missing term is off by O(‖∇E‖).
 * Both terms are per entry and hold at every N; the second grows with ‖x‖² ∝ N,
 * as a float energy's rounding does (|E| = N/2 at a Hopfield memory, where
 * ‖∇E‖_∞ ~ 1): 2e-6 N/2e-2 = 4e-3 at N = 40, 0.08 at N = 784, 1 at N = 1e4, so for
 * N ≳ 1e4 coordinate differences check a gradient only to O(‖∇E‖_∞).
 */
static void check_gradient(check_ctx *c, check_instance *in, const float *states,
                           const double *e0)
{
    const basin_energy_iface *f = iface_of(c);
    const uint32_t dim = dim_of(c);
    float *g = check_alloc(N_STATES * dim);
    float *xp = malloc(dim * sizeof *xp), *xm = malloc(dim * sizeof *xm);
    if (!g || !xp || !xm)
        goto out;
    host_job_clear_error(&in->job);
    int rc = f->gradient(in->self, &in->job.table, states, N_STATES, g);
    uint64_t bad;
    if (rc) {
        check_call_failed(c, "gradient", &in->job, rc);
    } else if (!check_guard_intact(g, N_STATES * dim) ||
               !check_finite(g, N_STATES * dim, &bad)) {
        check_report(c, 0, "gradient", "expected n x dim = %u finite floats, saw %s",
                     N_STATES * dim,
                     check_guard_intact(g, N_STATES * dim)
                         ? "a non-finite or unwritten entry"
                         : "writes past the end");
    } else {
        double worst = 0, worst_tol = 0, worst_fd = 0, worst_g = 0;
        unsigned worst_s = 0, worst_i = 0;
        for (uint32_t s = 0; s < N_STATES && !rc; s++) {
            const float *gs = g + s * dim;
            double gmax = 0, half_sq = 0;
            for (uint32_t i = 0; i < dim; i++) {
                gmax = fmax(gmax, fabs(gs[i]));
                half_sq += 0.5 * (double)states[s * dim + i] * states[s * dim + i];
            }
            for (uint32_t i = 0; i < dim && !rc; i += probe_stride(dim)) {
                memcpy(xp, states + s * dim, dim * sizeof *xp);
                memcpy(xm, states + s * dim, dim * sizeof *xm);
                double h = 1e-2 * fmax(1.0, fabs(xp[i]));
                xp[i] = (float)(xp[i] + h);
                xm[i] = (float)(xm[i] - h);
                double step = (double)xp[i] - (double)xm[i], ep, em;
                if (!energies(c, in, xp, 1, &ep, "gradient") ||
                    !energies(c, in, xm, 1, &em, "gradient")) {
                    rc = 1;
                    break;
                }
                double fd = (ep - em) / step;
                double tol = 1e-2 * gmax + 2e-6 * (fabs(e0[s]) + half_sq + 1) / step;
                double err = fabs(fd - gs[i]);
                if (err / tol > worst / (worst_tol ? worst_tol : 1) || !worst_tol) {
                    worst = err, worst_tol = tol, worst_fd = fd, worst_g = gs[i];
                    worst_s = s, worst_i = i;
                }
            }
        }
        if (!rc)
            check_report(c, worst <= worst_tol, "gradient",
                         "expected dE/dx = %.6g "
                         "(central difference) within %.2g at state %u entry %u, saw "
                         "%.6g",
                         worst_fd, worst_tol, worst_s, worst_i, worst_g);
    }
out:
    free(g);
    free(xp);
    free(xm);
}

/*
 * H v against (∇E(x + h v) − ∇E(x − h v)) / 2h for a standard normal v, h = 1e-2:
 * tolerance 2e-2 of the larger norm (truncation h² |∂³E|/6 and the curvature
 * change across the step) plus 1e-5 (‖∇E₊‖ + ‖∇E₋‖)/h for gradients in float.
 */
static void check_hessian(check_ctx *c, check_instance *in, const float *states)
{
    const basin_energy_iface *f = iface_of(c);
    const uint32_t dim = dim_of(c);
    const uint64_t n = N_STATES * dim;
    float *hv = check_alloc(n), *v = malloc(n * sizeof *v);
    float *xp = malloc(n * sizeof *xp), *xm = malloc(n * sizeof *xm);
    float *gp = malloc(n * sizeof *gp), *gm = malloc(n * sizeof *gm);
    if (!hv || !v || !xp || !xm || !gp || !gm)
        goto out;
    const basin_host *h = &in->job.table;
    for (uint32_t s = 0; s < N_STATES; s++)
        h->random_normal(h, BASIN_ROLE_USER, s, 0, v + s * dim, dim);
    const double step = 1e-2;
    for (uint64_t k = 0; k < n; k++) {
        xp[k] = (float)(states[k] + step * v[k]);
        xm[k] = (float)(states[k] - step * v[k]);
    }
    host_job_clear_error(&in->job);
    int rc = f->hessian_vector(in->self, h, states, v, N_STATES, hv);
    if (rc) {
        check_call_failed(c, "hessian-vector", &in->job, rc);
        goto out;
    }
    uint64_t bad;
    if (!check_guard_intact(hv, n) || !check_finite(hv, n, &bad)) {
        check_report(c, 0, "hessian-vector", "expected n x dim finite floats, saw %s",
                     check_guard_intact(hv, n) ? "a non-finite or unwritten entry"
                                               : "writes past the end");
        goto out;
    }
    if ((rc = f->gradient(in->self, h, xp, N_STATES, gp)) ||
        (rc = f->gradient(in->self, h, xm, N_STATES, gm))) {
        check_call_failed(c, "hessian-vector", &in->job, rc);
        goto out;
    }
    double worst_ratio = 0, worst_err = 0, worst_tol = 1;
    unsigned worst_s = 0;
    for (uint32_t s = 0; s < N_STATES; s++) {
        double err = 0, nh = 0, nf = 0, ngp = 0, ngm = 0;
        for (uint32_t i = 0; i < dim; i++) {
            uint64_t k = s * dim + i;
            double fd = ((double)gp[k] - gm[k]) / (2 * step);
            err += (fd - hv[k]) * (fd - hv[k]);
            nh += (double)hv[k] * hv[k];
            nf += fd * fd;
            ngp += (double)gp[k] * gp[k];
            ngm += (double)gm[k] * gm[k];
        }
        double tol = 2e-2 * sqrt(fmax(nh, nf)) + 1e-5 * (sqrt(ngp) + sqrt(ngm)) / step;
        err = sqrt(err);
        if (err / tol >= worst_ratio) {
            worst_ratio = err / tol, worst_err = err, worst_tol = tol, worst_s = s;
        }
    }
    check_report(c, worst_err <= worst_tol, "hessian-vector",
                 "expected |Hv - "
                 "difference of gradients| <= %.3g at state %u, saw %.3g",
                 worst_tol, worst_s, worst_err);
out:
    free(hv), free(v), free(xp), free(xm), free(gp), free(gm);
}

/* The update map: n × dim finite floats, nothing written past them. */
static void check_update(check_ctx *c, check_instance *in, const float *states)
{
    const uint64_t n = N_STATES * dim_of(c);
    float *out = check_alloc(n);
    if (!out)
        return;
    host_job_clear_error(&in->job);
    int rc = iface_of(c)->update(in->self, &in->job.table, states, N_STATES, out);
    uint64_t bad = 0;
    if (rc)
        check_call_failed(c, "update", &in->job, rc);
    else if (!check_guard_intact(out, n))
        check_report(c, 0, "update",
                     "expected n x dim = %llu floats, saw writes "
                     "past the end",
                     (unsigned long long)n);
    else
        check_report(c, check_finite(out, n, &bad), "update",
                     "expected n x dim "
                     "finite floats, saw %g at entry %llu",
                     out[bad], (unsigned long long)bad);
    free(out);
}

/*
 * spin_delta(i) against E(x with spin i flipped) − E(x) for every probed spin
 * of every state, and spin_flip's cache against a fresh spin_init. Tolerance 1e-6 (|E(x)|
 * + |E(x')|) + 1e-300: an energy summed in double is exact to ~1e-15 of its
 * terms; the margin admits float overlaps and a delta rounded to 0 within its
 * own rounding bound (energies/dense, exp). |E| ∝ N while a flip's ΔE is O(1)
 * (Hopfield: ΔE = O(K)), so the bound is ~1e-6 N: 1e-4 at N = 100, 0.1 at the
 * largest --dim, still below a wrong delta's error O(ΔE).
 */
static void check_spins(check_ctx *c, check_instance *in, const float *states)
{
    const basin_energy_iface *f = iface_of(c);
    const uint32_t dim = dim_of(c);
    uint64_t size = f->spin_cache_size(in->self);
    if (!check_report(c, size < (1u << 26), "spin-cache",
                      "expected a cache of a "
                      "few floats per state, saw spin_cache_size() = %llu",
                      (unsigned long long)size))
        return;
    float *cache = check_alloc(size), *fresh = check_alloc(size);
    float *x = malloc(dim * sizeof *x), *y = malloc(dim * sizeof *y);
    /* The worst delta relative to its tolerance, and the first bad flip. */
    double worst = 0, worst_tol = 1, worst_delta = 0, worst_diff = 0;
    unsigned worst_s = 0, worst_i = 0;
    char flip_why[256] = "";
    int rc;
    if (!cache || !fresh || !x || !y)
        goto out;
    for (uint32_t s = 0; s < N_STATES; s++) {
        memcpy(x, states + s * dim, dim * sizeof *x);
        double e0;
        host_job_clear_error(&in->job);
        if ((rc = f->spin_init(in->self, &in->job.table, x, 1, cache))) {
            check_call_failed(c, "spin-delta", &in->job, rc);
            goto out;
        }
        if (!check_guard_intact(cache, size)) {
            check_report(c, 0, "spin-delta",
                         "expected spin_init to write "
                         "spin_cache_size() = %llu floats, saw writes past them",
                         (unsigned long long)size);
            goto out;
        }
        if (!energies(c, in, x, 1, &e0, "spin-delta"))
            goto out;
        for (uint32_t i = 0; i < dim; i += probe_stride(dim)) {
            memcpy(y, x, dim * sizeof *y);
            y[i] = -y[i];
            double e1;
            if (!energies(c, in, y, 1, &e1, "spin-delta"))
                goto out;
            double delta = f->spin_delta(in->self, x, cache, i);
            double tol = 1e-6 * (fabs(e0) + fabs(e1)) + 1e-300;
            double err = fabs(delta - (e1 - e0));
            if (!isfinite(err))
                err = INFINITY;
            if (err / tol >= worst / worst_tol) {
                worst = err, worst_tol = tol, worst_delta = delta;
                worst_diff = e1 - e0, worst_s = s, worst_i = i;
            }
        }
        /* Flip one spin through the cache, then compare every delta with those
           of a fresh cache of the flipped state. */
        uint32_t k = (s * 5u + 3u) % dim;
        float before = x[k];
        f->spin_flip(in->self, x, cache, k);
        if (x[k] != -before && !flip_why[0])
            snprintf(flip_why, sizeof flip_why,
                     "spin %u of state %u to become %g, "
                     "saw %g",
                     k, s, -before, x[k]);
        if (flip_why[0])
            continue;
        if ((rc = f->spin_init(in->self, &in->job.table, x, 1, fresh))) {
            check_call_failed(c, "spin-flip", &in->job, rc);
            goto out;
        }
        double ex;
        if (!energies(c, in, x, 1, &ex, "spin-flip"))
            goto out;
        for (uint32_t i = 0; i < dim && !flip_why[0]; i++) {
            double a = f->spin_delta(in->self, x, cache, i);
            double b = f->spin_delta(in->self, x, fresh, i);
            if (!(fabs(a - b) <= 1e-6 * (fabs(ex) + fabs(b)) + 1e-300))
                snprintf(flip_why, sizeof flip_why,
                         "spin_delta(%u) = %.9g as from "
                         "a fresh spin_init after flipping spin %u of state %u, saw "
                         "%.9g",
                         i, b, k, s, a);
        }
    }
    check_report(c, worst <= worst_tol, "spin-delta",
                 "expected E(flipped) - E(x) = "
                 "%.9g within %.2g at state %u spin %u, saw %.9g",
                 worst_diff, worst_tol, worst_s, worst_i, worst_delta);
    check_report(c, !flip_why[0], "spin-flip", "expected %s", flip_why);
out:
    free(cache);
    free(fresh);
    free(x);
    free(y);
}

/* The bytes of E, ∇E and the update at the states, for the determinism check. */
static int outputs(check_ctx *c, check_instance *in, const float *states, double *e,
                   float *g, float *u)
{
    const basin_energy_iface *f = iface_of(c);
    const basin_host *h = &in->job.table;
    int rc = f->energy(in->self, h, states, N_STATES, e);
    if (!rc && f->gradient)
        rc = f->gradient(in->self, h, states, N_STATES, g);
    if (!rc && f->update)
        rc = f->update(in->self, h, states, N_STATES, u);
    if (rc)
        check_call_failed(c, "deterministic", &in->job, rc);
    return rc == 0;
}

void check_energy(check_ctx *c)
{
    const basin_energy_iface *f = iface_of(c);
    const uint32_t dim = dim_of(c);
    const uint64_t n = (uint64_t)N_STATES * dim;
    int binary = (f->flags & BASIN_ENERGY_BINARY) != 0;
    float *memories = malloc((size_t)N_MEMORIES * dim * sizeof *memories);
    float *states = malloc(n * sizeof *states), *z = malloc(dim * sizeof *z);
    /* E, ∇E and the update of the determinism check: [0] and [1] from the first
       instance, [2] from the second. */
    float *g = calloc(3 * n, sizeof *g), *u = calloc(3 * n, sizeof *u);
    check_instance a, b;
    if (!memories || !states || !z || !g || !u) {
        check_report(c, 0, "create", "expected memory for dimension %u, saw none", dim);
        goto out;
    }
    draw(c, binary, memories, states, z);

    if (!make(c, &a, memories, "create"))
        goto out;
    check_report(c, 1, "create", NULL);
    double e[N_STATES];
    if (!energies(c, &a, states, N_STATES, e, "energy")) {
        check_instance_end(&a);
        goto out;
    }
    check_report(c, 1, "energy", NULL);

    /* Determinism: a second instance under a fresh host with the same seed, and a
       repeated call on the first, give the same bytes. */
    double e1[N_STATES], e2[N_STATES], e3[N_STATES];
    const size_t bytes = n * sizeof *g;
    if (make(c, &b, memories, "deterministic")) {
        if (outputs(c, &a, states, e1, g, u) &&
            outputs(c, &a, states, e2, g + n, u + n) &&
            outputs(c, &b, states, e3, g + 2 * n, u + 2 * n)) {
            int same_call = !memcmp(e1, e2, sizeof e1) && !memcmp(g, g + n, bytes) &&
                            !memcmp(u, u + n, bytes);
            int same_instance = !memcmp(e1, e3, sizeof e1) &&
                                !memcmp(g, g + 2 * n, bytes) &&
                                !memcmp(u, u + 2 * n, bytes);
            check_report(c, same_call && same_instance, "deterministic",
                         "expected "
                         "identical E, gradient and update %s, saw E = %.17g then "
                         "%.17g",
                         same_call ? "from a second instance with the same "
                                     "seed"
                                   : "from a repeated call",
                         e1[0], same_call ? e3[0] : e2[0]);
        }
        check_instance_end(&b);
    }

    if (f->gradient)
        check_gradient(c, &a, states, e);
    else
        check_skip(c, "gradient", "the energy gives no gradient");
    if (f->update)
        check_update(c, &a, states);
    if (f->hessian_vector && f->gradient)
        check_hessian(c, &a, states);
    if (binary)
        check_spins(c, &a, states);
    check_instance_end(&a);
out:
    free(memories);
    free(states);
    free(z);
    free(g);
    free(u);
}
