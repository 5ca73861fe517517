/* landscape_run on fake jobs whose landscape is known exactly:
 *   final states scattered within 1e-4 of a few centres with chosen occupancies
 *   (plus unconverged states elsewhere, which must not count);
 *   an energy of Gaussian wells E(x) = Σ_k s_k w_k exp(−½ (x − c_k)ᵀ A (x − c_k)),
 *   A = diag(a), whose Hessian at c_k is −s_k w_k A (the other wells contribute
 *   below exp(−72));
 *   toy dynamics that snap a state to the nearest centre iff it lies within a
 *   known distance R_k (real) or Hamming fraction (binary), else send it to −x:
 *   the basin radius must be the largest grid level inside R_k (Pham et al. 2025,
 *   `find_opt_time`). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "fake_host.h"
#include "basin/plugin.h"
#include "measure/landscape.h"
#include "base/rng.h"
#include "recipe/sections.h"

#define SEED        777u
#define MAX_CENTRES 8
#define MAX_CALLS   256

/* ---------------------------------------------------------- a fake host */

/* tests/fake_host.h's host; every case starts with setup(). */
static fake_host fake;
static const basin_host *const HOST = &fake.host;

/* Every case starts from a fresh fake host: core's Philox streams of SEED, quiet. */
static void setup(void)
{
    fake_host_init(&fake, SEED, FAKE_PHILOX);
    fake.quiet = 1;
}

/* ------------------------------------------------------------ the fake job */

typedef struct world {
    uint32_t dim;
    int n_centres; /* centres that hold converged states */
    float *centre; /* (n_centres + 1) × dim; the last: unconverged */
    double weight[MAX_CENTRES], sign[MAX_CENTRES];
    double *a;                  /* dim: the wells' curvatures A = diag(a) */
    double radius[MAX_CENTRES]; /* toy dynamics: basin edge per centre */
    int binary;
    /* Final states. */
    float *states;
    uint8_t *converged;
    uint64_t n;
    int64_t label[4096]; /* centre of each state; −1: unconverged */
    /* Counters. */
    uint64_t classified, classify_calls;
    int classify_fail;
    int n_energy, n_gradient, n_hv;
    int dynamics_fail, cancel_in_dynamics;
    int n_calls;
    uint64_t first_run[MAX_CALLS];
    double level[MAX_CALLS]; /* the corruption each call's states carry */
} world;

static double dist(const float *x, const float *y, uint32_t dim)
{
    double d = 0;
    for (uint32_t i = 0; i < dim; i++) {
        double e = (double)x[i] - y[i];
        d += e * e;
    }
    return sqrt(d / dim);
}

static int nearest_centre(const world *w, const float *x, double *d)
{
    int best = 0;
    double bd = INFINITY;
    for (int k = 0; k < w->n_centres; k++) {
        double e = dist(x, w->centre + (size_t)k * w->dim, w->dim);
        if (e < bd)
            bd = e, best = k;
    }
    *d = bd;
    return best;
}

/* Centres: random ±scale vectors (distinct: checked by the caller). */
static void make_centres(world *w, int n_centres, double scale, uint64_t stream)
{
    uint32_t dim = w->dim;
    w->n_centres = n_centres;
    w->centre = malloc((size_t)(n_centres + 1) * dim * sizeof *w->centre);
    uint32_t *bits = malloc(dim * sizeof *bits);
    for (int k = 0; k <= n_centres; k++) {
        rng_bits(SEED, 100, stream, (uint64_t)k, bits, dim);
        for (uint32_t i = 0; i < dim; i++)
            w->centre[(size_t)k * dim + i] = (float)((bits[i] & 1) ? scale : -scale);
    }
    free(bits);
    w->a = malloc(dim * sizeof *w->a);
    for (uint32_t i = 0; i < dim; i++)
        w->a[i] = 4.0 + (double)(i % 8); /* a ∈ [4, 11] */
}

/*
 * counts[k] converged states near centre k, then n_unconverged states at the
 * extra centre (every 7th of which is NaN), shuffled. Real states get a jitter
 * of at most 1e-4 per coordinate (normalized spread ≤ 2e-4 < tol = 1e-3); binary
 * states are the centres exactly.
 */
static void make_states(world *w, const uint64_t *counts, uint64_t n_unconverged)
{
    uint32_t dim = w->dim;
    uint64_t n = n_unconverged;
    for (int k = 0; k < w->n_centres; k++)
        n += counts[k];
    w->n = n;
    int64_t *lab = w->label;
    uint64_t i = 0;
    for (int k = 0; k < w->n_centres; k++)
        for (uint64_t j = 0; j < counts[k]; j++)
            lab[i++] = k;
    while (i < n)
        lab[i++] = -1;
    double *u = malloc(n * sizeof *u);
    rng_uniform(SEED, 101, 0, 0, u, n);
    for (uint64_t j = n - 1; j > 0; j--) {
        uint64_t r = (uint64_t)(u[j] * (double)(j + 1));
        int64_t t = lab[j];
        lab[j] = lab[r];
        lab[r] = t;
    }
    free(u);
    w->states = malloc(n * dim * sizeof *w->states);
    w->converged = malloc(n);
    double *jit = malloc(dim * sizeof *jit);
    for (i = 0; i < n; i++) {
        int k = lab[i] < 0 ? w->n_centres : (int)lab[i];
        rng_uniform(SEED, 102, i, 0, jit, dim);
        for (uint32_t d = 0; d < dim; d++) {
            float x = w->centre[(size_t)k * dim + d];
            if (!w->binary)
                x += (float)(1e-4 * (2 * jit[d] - 1));
            if (lab[i] < 0 && i % 7 == 0)
                x = NAN;
            w->states[i * dim + d] = x;
        }
        w->converged[i] = lab[i] >= 0;
    }
    free(jit);
}

static void world_free(world *w)
{
    free(w->centre);
    free(w->a);
    free(w->states);
    free(w->converged);
}

/* Memorized near centres 0–2, spurious near 3 and beyond. */
static int classify(void *ctx, const float *x, uint64_t n, measure_class *cls,
                    int64_t *nearest, double *match)
{
    world *w = ctx;
    w->classify_calls++;
    if (w->classify_fail) {
        HOST->error(HOST, "toy classifier failed");
        return BASIN_EIO;
    }
    for (uint64_t r = 0; r < n; r++) {
        double d;
        int k = nearest_centre(w, x + r * w->dim, &d);
        cls[r] = k < 3 ? MEASURE_MEMORIZED : MEASURE_SPURIOUS;
        nearest[r] = k;
        match[r] = d;
    }
    w->classified += n;
    return 0;
}

/* Snap to the nearest centre within its radius (normalized distance, or Hamming
   fraction = d² / 4 for ±1 states), else to −x. */
static int dynamics(void *ctx, float *x, uint64_t n, double level, uint64_t first_run)
{
    world *w = ctx;
    if (w->n_calls < MAX_CALLS)
        w->first_run[w->n_calls] = first_run, w->level[w->n_calls] = level;
    w->n_calls++;
    if (w->cancel_in_dynamics)
        fake.cancel = 1;
    if (w->dynamics_fail) {
        HOST->error(HOST, "toy dynamics failed");
        return BASIN_ENUMERIC;
    }
    uint32_t dim = w->dim;
    for (uint64_t r = 0; r < n; r++) {
        float *y = x + r * dim;
        double d;
        int k = nearest_centre(w, y, &d);
        double edge = w->radius[k];
        int back = w->binary ? d * d / 4 < edge : d < edge;
        for (uint32_t i = 0; i < dim; i++)
            y[i] = back ? w->centre[(size_t)k * dim + i] : -y[i];
    }
    return 0;
}

/* ------------------------------------------------------- the Gaussian wells */

static double well(const world *w, int k, const float *x, double *q)
{
    double s = 0;
    for (uint32_t i = 0; i < w->dim; i++) {
        q[i] = (double)x[i] - w->centre[(size_t)k * w->dim + i];
        s += w->a[i] * q[i] * q[i];
    }
    return w->sign[k] * w->weight[k] * exp(-0.5 * s);
}

static int e_energy(void *self, const basin_host *host, const float *x, uint64_t n,
                    double *energy)
{
    (void)host;
    world *w = self;
    w->n_energy++;
    double q[2048];
    for (uint64_t r = 0; r < n; r++) {
        energy[r] = 0;
        for (int k = 0; k < w->n_centres; k++)
            energy[r] += well(w, k, x + r * w->dim, q);
    }
    return 0;
}

/* ∇E = −Σ_k f_k A q_k,  f_k = s_k w_k exp(−½ q_kᵀ A q_k). */
static int e_gradient(void *self, const basin_host *host, const float *x, uint64_t n,
                      float *g)
{
    (void)host;
    world *w = self;
    w->n_gradient++;
    double q[2048];
    for (uint64_t r = 0; r < n; r++) {
        double acc[2048] = {0};
        for (int k = 0; k < w->n_centres; k++) {
            double f = well(w, k, x + r * w->dim, q);
            for (uint32_t i = 0; i < w->dim; i++)
                acc[i] -= f * w->a[i] * q[i];
        }
        for (uint32_t i = 0; i < w->dim; i++)
            g[r * w->dim + i] = (float)acc[i];
    }
    return 0;
}

/* H v = Σ_k f_k (A q (qᵀ A v) − A v). */
static int e_hv(void *self, const basin_host *host, const float *x, const float *v,
                uint64_t n, float *out)
{
    (void)host;
    world *w = self;
    w->n_hv++;
    double q[2048];
    for (uint64_t r = 0; r < n; r++) {
        double acc[2048] = {0};
        const float *vr = v + r * w->dim;
        for (int k = 0; k < w->n_centres; k++) {
            double f = well(w, k, x + r * w->dim, q);
            double qav = 0;
            for (uint32_t i = 0; i < w->dim; i++)
                qav += q[i] * w->a[i] * vr[i];
            for (uint32_t i = 0; i < w->dim; i++)
                acc[i] += f * (w->a[i] * q[i] * qav - w->a[i] * vr[i]);
        }
        for (uint32_t i = 0; i < w->dim; i++)
            out[r * w->dim + i] = (float)acc[i];
    }
    return 0;
}

static const basin_energy_iface WELLS_HV = {
    .struct_size = sizeof(basin_energy_iface),
    .energy = e_energy,
    .gradient = e_gradient,
    .hessian_vector = e_hv,
};
static const basin_energy_iface WELLS_GRAD = {
    .struct_size = sizeof(basin_energy_iface),
    .energy = e_energy,
    .gradient = e_gradient,
};
static const basin_energy_iface WELLS_BINARY = {
    .struct_size = sizeof(basin_energy_iface),
    .flags = BASIN_ENERGY_BINARY,
    .energy = e_energy,
    .gradient = e_gradient,
    .hessian_vector = e_hv,
};

/* ------------------------------------------------------------------ helpers */

static void defaults(basin_value *v)
{
    for (int i = 0; landscape_params[i].name; i++) {
        v[i].number = landscape_params[i].default_number;
        v[i].string = "";
    }
}

static landscape_input input_of(world *w, const basin_energy_iface *energy)
{
    landscape_input in = {w->states,    w->n,     w->dim, w->binary,
                          w->converged, HOST,     energy, w,
                          classify,     dynamics, w};
    return in;
}

/* The attractor id of each centre: order of first appearance. */
static void ids_of(const world *w, int64_t *id, uint64_t *first)
{
    int64_t next = 0;
    for (int k = 0; k < w->n_centres; k++)
        id[k] = -1;
    for (uint64_t i = 0; i < w->n; i++) {
        int64_t k = w->label[i];
        if (k >= 0 && id[k] < 0) {
            id[k] = next++;
            first[k] = i;
        }
    }
}

/* ------------------------------------------------------------------- tests */

TEST_IMPL(landscape_params)
{
    setup();
    static const char *const NAMES[] = {
        "attractors",    "tol",         "max_analyzed",  "radius",
        "radius_levels", "radius_max",  "radius_trials", "radius_fraction",
        "radius_delta",  "curvature",   "enumerate",     "coverage",
        "domain_low",    "domain_high", "novel_distance"};
    static const double DEFAULTS[] = {0,    1e-3, 20, 0,   10, 0.5, 10,  0.9,
                                      0.05, 0,    0,  1e4, 0,  1,   1e-3};
    int n = 0;
    while (landscape_params[n].name)
        n++;
    EXPECT_MSG(n == 15, "landscape_params has %d rows", n);
    for (int i = 0; i < n && i < 15; i++) {
        const basin_param_def *p = &landscape_params[i];
        EXPECT_MSG(strcmp(p->name, NAMES[i]) == 0 && p->default_number == DEFAULTS[i] &&
                       p->doc && p->doc[0],
                   "param %d: %s = %g", i, p->name, p->default_number);
        EXPECT_MSG(p->default_number >= p->min && p->default_number <= p->max,
                   "param %s: default outside its range", p->name);
    }
    EXPECT_MSG(landscape_params[LANDSCAPE_CURVATURE].type == BASIN_PARAM_BOOL &&
                   landscape_params[LANDSCAPE_RADIUS_LEVELS].type == BASIN_PARAM_INT &&
                   landscape_params[LANDSCAPE_RADIUS_FRACTION].type == BASIN_PARAM_REAL &&
                   landscape_params[LANDSCAPE_RADIUS_FRACTION].max == 1 &&
                   (landscape_params[LANDSCAPE_TOL].flags & BASIN_PARAM_MIN_EXCLUSIVE),
               "param types and ranges");
}

/* 1000 states at 5 centres (40/30/15/10/5 %), 100 unconverged elsewhere: counts,
   classes, energies and curvature, both Hessian paths. */
static void wells(const basin_energy_iface *energy, int exact)
{
    world w;
    memset(&w, 0, sizeof w);
    w.dim = 8;
    make_centres(&w, 5, 3.0, 0);
    for (int k = 0; k < 5; k++) {
        w.weight[k] = 1.0 + k;
        w.sign[k] = k == 4 ? 1.0 : -1.0; /* centre 4 is a hill: a maximum */
    }
    double min_sep = INFINITY;
    for (int j = 0; j <= 5; j++)
        for (int k = 0; k < j; k++) {
            double d = dist(w.centre + j * 8, w.centre + k * 8, 8);
            min_sep = d < min_sep ? d : min_sep;
        }
    /* Distinct ±3 vectors differ by ≥ 6 in a coordinate: normalized ≥ 6/√8. */
    EXPECT_MSG(min_sep > 2, "centres not distinct: %g", min_sep);
    static const uint64_t COUNTS[] = {400, 300, 150, 100, 50};
    make_states(&w, COUNTS, 100);
    basin_value p[16];
    defaults(p);
    p[LANDSCAPE_ATTRACTORS].number = 1;
    p[LANDSCAPE_CURVATURE].number = 1;
    landscape_input in = input_of(&w, energy);
    landscape_result r;
    char err[256];
    int rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == 0, "wells: %d %s", rc, err);
    EXPECT_MSG(r.n_attractors == 5 && r.n_grouped == 1000,
               "wells: %llu attractors, %llu "
               "grouped",
               (unsigned long long)r.n_attractors, (unsigned long long)r.n_grouped);
    EXPECT_MSG(r.by_class[MEASURE_MEMORIZED] == 3 && r.by_class[MEASURE_SPURIOUS] == 2 &&
                   r.by_class[MEASURE_GENERALIZED] == 0 &&
                   r.by_class[MEASURE_UNCONVERGED] == 0,
               "wells: by class %llu %llu", (unsigned long long)r.by_class[0],
               (unsigned long long)r.by_class[1]);
    EXPECT_MSG(w.classified == 5, "wells: classified %llu",
               (unsigned long long)w.classified);
    EXPECT_MSG(r.n_analyzed == 5, "wells: analyzed %llu",
               (unsigned long long)r.n_analyzed);
    int64_t id[MAX_CENTRES];
    uint64_t first[MAX_CENTRES];
    ids_of(&w, id, first);
    for (uint64_t k = 0; k < r.n_analyzed && k < 5; k++) {
        const landscape_attractor *a = &r.analyzed[k];
        /* Occupancy order = centre order; counts are exact integers. */
        EXPECT_MSG(a->id == (uint64_t)id[k] && a->first == first[k] &&
                       a->members == COUNTS[k] &&
                       a->occupancy == (double)COUNTS[k] / 1000.0,
                   "wells: analyzed %llu: id %llu members %llu", (unsigned long long)k,
                   (unsigned long long)a->id, (unsigned long long)a->members);
        EXPECT_MSG(a->nearest == (int64_t)k && a->match < 2e-4 &&
                       a->cls == (k < 3 ? MEASURE_MEMORIZED : MEASURE_SPURIOUS),
                   "wells: class of %llu", (unsigned long long)k);
        /* E(c_k + δ) = s w (1 − ½ δᵀAδ) + O(e^−72), |δ_i| ≤ 1e-4: within 1e-6. */
        double e = w.sign[k] * w.weight[k];
        EXPECT_MSG(fabs(a->energy - e) < 1e-6, "wells: energy %llu = %.9g, want %g",
                   (unsigned long long)k, a->energy, e);
        EXPECT_MSG(isnan(a->radius) && a->radius_bound == 0, "wells: radius measured");
        /* Hessian at c_k = −s w A (its O(δ²) change is < 1e-6): eigenvalues
           −s w a_i, a ∈ [4, 11]. The exact products are float-rounded (1e-6
           relative); the gradient difference errs by float rounding of x ± hv,
           ulp(3)/h = 2.4e-7/3e-3 = 8e-5, plus truncation h² a / 2 = 5e-5: 3e-4
           relative covers both. */
        double tol = exact ? 1e-4 : 3e-4;
        double wk = w.weight[k];
        double lmin = w.sign[k] < 0 ? 4 * wk : -11 * wk;
        double lmax = w.sign[k] < 0 ? 11 * wk : -4 * wk;
        EXPECT_MSG(fabs(a->lambda_min - lmin) < tol * fabs(lmin) &&
                       fabs(a->lambda_max - lmax) < tol * fabs(lmax),
                   "wells (%s): lambda %llu = [%.7g, %.7g], want [%g, %g]",
                   exact ? "hv" : "gradient", (unsigned long long)k, a->lambda_min,
                   a->lambda_max, lmin, lmax);
        EXPECT_MSG(a->n_negative == (w.sign[k] < 0 ? 0 : 8), "wells: %lld negative",
                   (long long)a->n_negative);
    }
    /* Dense path (dim 8 ≤ 400): 8 products per attractor, through the given
       route only. */
    if (exact)
        EXPECT_MSG(w.n_hv == 40 && w.n_gradient == 0, "wells: %d hv, %d gradient calls",
                   w.n_hv, w.n_gradient);
    else
        EXPECT_MSG(w.n_hv == 0 && w.n_gradient == 40, "wells: %d hv, %d gradient calls",
                   w.n_hv, w.n_gradient);
    landscape_result_free(&r);
    EXPECT_MSG(r.analyzed == NULL && r.n_analyzed == 0, "free did not zero");
    landscape_result_free(&r);

    /* max_analyzed = 2: the two most occupied; by_class still counts all five. */
    p[LANDSCAPE_MAX_ANALYZED].number = 2;
    p[LANDSCAPE_CURVATURE].number = 0;
    rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == 0 && r.n_analyzed == 2 && r.analyzed[0].members == 400 &&
                   r.analyzed[1].members == 300 && r.by_class[MEASURE_SPURIOUS] == 2 &&
                   isnan(r.analyzed[0].lambda_min) && r.analyzed[0].n_negative == -1,
               "max_analyzed = 2: rc %d, %llu analyzed", rc,
               (unsigned long long)r.n_analyzed);
    landscape_result_free(&r);

    /* Score model (no energy): energy and curvature NaN, no failure. */
    p[LANDSCAPE_CURVATURE].number = 1;
    in.energy = NULL;
    rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == 0 && r.n_analyzed == 2 && isnan(r.analyzed[0].energy) &&
                   isnan(r.analyzed[1].lambda_max) && r.analyzed[1].n_negative == -1,
               "score model: rc %d", rc);
    landscape_result_free(&r);

    /* A binary-flagged energy gets no curvature. */
    in.energy = &WELLS_BINARY;
    int hv_before = w.n_hv;
    rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == 0 && isnan(r.analyzed[0].lambda_min) && w.n_hv == hv_before &&
                   fabs(r.analyzed[0].energy + 1) < 1e-6,
               "binary energy: rc %d", rc);
    landscape_result_free(&r);

    /* attractors = false: empty result, nothing called. */
    p[LANDSCAPE_ATTRACTORS].number = 0;
    uint64_t calls = w.classify_calls;
    rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == 0 && r.n_attractors == 0 && r.n_grouped == 0 && r.n_analyzed == 0 &&
                   r.analyzed == NULL && w.classify_calls == calls,
               "attractors = false");
    landscape_result_free(&r);
    p[LANDSCAPE_ATTRACTORS].number = 1;

    /* Cancelled before the first attractor is analyzed. */
    fake.cancel = 1;
    rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == BASIN_ECANCELED && r.analyzed == NULL && err[0], "cancel: %d", rc);
    fake.cancel = 0;

    /* A failing classifier. */
    w.classify_fail = 1;
    rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == BASIN_EIO && strstr(err, "classif") && r.analyzed == NULL,
               "classify failure: %d %s", rc, err);
    w.classify_fail = 0;

    /* Radius without dynamics. */
    in.dynamics = NULL;
    p[LANDSCAPE_RADIUS].number = 1;
    rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == BASIN_EINVAL && strstr(err, "dynamics"), "no dynamics: %d %s", rc,
               err);
    world_free(&w);
}

/* Ties in occupancy go by id. */
TEST_IMPL(landscape_ties)
{
    setup();
    world w;
    memset(&w, 0, sizeof w);
    w.dim = 8;
    make_centres(&w, 4, 3.0, 1);
    static const uint64_t COUNTS[] = {10, 20, 20, 10};
    make_states(&w, COUNTS, 0);
    basin_value p[16];
    defaults(p);
    p[LANDSCAPE_ATTRACTORS].number = 1;
    p[LANDSCAPE_MAX_ANALYZED].number = 3;
    landscape_input in = input_of(&w, NULL);
    landscape_result r;
    char err[256];
    int rc = landscape_run(p, &in, &r, err, sizeof err);
    int64_t id[MAX_CENTRES];
    uint64_t first[MAX_CENTRES];
    ids_of(&w, id, first);
    EXPECT_MSG(rc == 0 && r.n_attractors == 4 && r.n_analyzed == 3, "ties: rc %d", rc);
    if (rc == 0 && r.n_analyzed == 3) {
        uint64_t lo = (uint64_t)(id[1] < id[2] ? id[1] : id[2]);
        uint64_t hi = (uint64_t)(id[1] < id[2] ? id[2] : id[1]);
        uint64_t third = (uint64_t)(id[0] < id[3] ? id[0] : id[3]);
        EXPECT_MSG(r.analyzed[0].id == lo && r.analyzed[1].id == hi &&
                       r.analyzed[2].id == third && r.analyzed[0].occupancy == 20.0 / 60,
                   "ties: order %llu %llu %llu", (unsigned long long)r.analyzed[0].id,
                   (unsigned long long)r.analyzed[1].id,
                   (unsigned long long)r.analyzed[2].id);
    }
    landscape_result_free(&r);
    world_free(&w);
}

/* Real states, dim 2000: the radius on the grid 0.05, 0.10, …, 0.50. */
TEST_IMPL(landscape_radius_real)
{
    setup();
    world w;
    memset(&w, 0, sizeof w);
    w.dim = 2000;
    make_centres(&w, 5, 1.0, 2);
    /* A corruption at level c lies at normalized distance c (1 ± 1/√(2·dim)),
       SD c/63; each edge is ≥ 4.5 SD from the nearest level. */
    static const double EDGE[] = {0.325, 0.225, 0.125, 0.7, 0.025};
    static const double RADIUS[] = {0.30, 0.20, 0.10, 0.50, 0.0};
    static const int TRIED[] = {7, 5, 3, 10, 1};
    for (int k = 0; k < 5; k++)
        w.radius[k] = EDGE[k];
    static const uint64_t COUNTS[] = {50, 40, 30, 20, 10};
    make_states(&w, COUNTS, 5);
    basin_value p[16];
    defaults(p);
    p[LANDSCAPE_ATTRACTORS].number = 1;
    p[LANDSCAPE_RADIUS].number = 1;
    p[LANDSCAPE_CURVATURE].number = 1;
    landscape_input in = input_of(&w, NULL);
    landscape_result r;
    char err[256];
    int rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == 0 && r.n_analyzed == 5, "radius: %d %s", rc, err);
    int64_t id[MAX_CENTRES];
    uint64_t first[MAX_CENTRES];
    ids_of(&w, id, first);
    int call = 0, runs_ok = 1;
    const uint64_t levels = 10, trials = 10;
    for (int k = 0; k < 5 && rc == 0; k++) {
        const landscape_attractor *a = &r.analyzed[k];
        EXPECT_MSG(a->id == (uint64_t)id[k] && fabs(a->radius - RADIUS[k]) < 1e-12 &&
                       a->radius_bound == (k == 3),
                   "radius %d: %g (bound %d), want %g", k, a->radius, a->radius_bound,
                   RADIUS[k]);
        EXPECT_MSG(isnan(a->energy) && isnan(a->lambda_min), "radius %d: score model", k);
        /* Level l of attractor a runs as (a · levels + l) · trials + r. */
        for (int l = 0; l < TRIED[k]; l++, call++)
            if (call >= w.n_calls ||
                w.first_run[call] != (a->id * levels + (uint64_t)l) * trials ||
                fabs(w.level[call] - 0.05 * (l + 1)) > 1e-12) /* 0.5 · (l+1)/10 */
                runs_ok = 0;
    }
    EXPECT_MSG(runs_ok && call == w.n_calls,
               "radius: run numbering and levels (%d of %d "
               "calls)",
               call, w.n_calls);
    landscape_result_free(&r);

    /* The dynamics fails: its status and a message naming it. */
    w.dynamics_fail = 1;
    rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == BASIN_ENUMERIC && strstr(err, "dynamics") && r.analyzed == NULL,
               "dynamics failure: %d %s", rc, err);
    w.dynamics_fail = 0;

    /* Cancelled inside the radius scan: passed through. */
    w.cancel_in_dynamics = 1;
    w.n_calls = 0;
    rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == BASIN_ECANCELED && w.n_calls == 1, "cancel in radius: %d, %d calls",
               rc, w.n_calls);
    fake.cancel = 0;
    w.cancel_in_dynamics = 0;
    world_free(&w);
}

/* Binary states, dim 100: exactly round(c·100) spins flipped per level, so the
   radius is exact: the toy returns iff fewer than 23 differ → 0.20. */
TEST_IMPL(landscape_radius_binary)
{
    setup();
    world w;
    memset(&w, 0, sizeof w);
    w.dim = 100;
    w.binary = 1;
    make_centres(&w, 3, 1.0, 3);
    for (int k = 0; k < 3; k++) {
        w.radius[k] = 0.23;
        w.weight[k] = 1;
        w.sign[k] = -1;
    }
    static const uint64_t COUNTS[] = {30, 20, 10};
    make_states(&w, COUNTS, 7);
    basin_value p[16];
    defaults(p);
    p[LANDSCAPE_ATTRACTORS].number = 1;
    p[LANDSCAPE_RADIUS].number = 1;
    p[LANDSCAPE_CURVATURE].number = 1;
    landscape_input in = input_of(&w, &WELLS_HV);
    landscape_result r;
    char err[256];
    int rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == 0 && r.n_attractors == 3 && r.n_grouped == 60 && r.n_analyzed == 3,
               "binary: %d %s", rc, err);
    for (uint64_t k = 0; k < r.n_analyzed; k++) {
        const landscape_attractor *a = &r.analyzed[k];
        EXPECT_MSG(fabs(a->radius - 0.2) < 1e-12 && a->radius_bound == 0 &&
                       a->members == COUNTS[k],
                   "binary %llu: radius %g", (unsigned long long)k, a->radius);
        /* Binary states: no curvature even for a continuous energy; E(c) = −1. */
        EXPECT_MSG(isnan(a->lambda_min) && a->n_negative == -1 &&
                       fabs(a->energy + 1) < 1e-12,
                   "binary %llu: curvature or energy", (unsigned long long)k);
    }
    EXPECT_MSG(w.n_hv == 0 && w.n_gradient == 0, "binary: curvature was computed");
    landscape_result_free(&r);

    /* radius_max above 0.5 is no fraction of spins. */
    p[LANDSCAPE_RADIUS_MAX].number = 0.6;
    rc = landscape_run(p, &in, &r, err, sizeof err);
    EXPECT_MSG(rc == BASIN_EINVAL && strstr(err, "radius_max"),
               "binary radius_max: %d %s", rc, err);
    world_free(&w);
}

/* Both Hessian paths: exact products (hv), and gradient differences. */
TEST_IMPL(landscape_wells_hv)
{
    setup();
    wells(&WELLS_HV, 1);
}

TEST_IMPL(landscape_wells_gradient)
{
    setup();
    wells(&WELLS_GRAD, 0);
}

TEST_LIST_BEGIN
TEST_ENTRY(landscape_params)
TEST_ENTRY(landscape_wells_hv)
TEST_ENTRY(landscape_wells_gradient)
TEST_ENTRY(landscape_ties)
TEST_ENTRY(landscape_radius_real)
TEST_ENTRY(landscape_radius_binary)
TEST_LIST_END
