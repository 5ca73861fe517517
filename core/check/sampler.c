/*
 * check/sampler.c — the battery of a basin.sampler/1 plugin, on the checker's
 * own tiny models (dimension N = 8, or --dim), each with a known fixed point c:
 *
 *   quadratic  E(x) = ½‖x − c‖², ∇E = x − c, native update T(x) = c, H v = v:
 *              for continuous energy samplers;
 *   hopfield   one pattern ξ (ξ_i = ±1), E(x) = −(ξ·x)²/2N with spin_* through
 *              the overlap m = ξ·x: for binary samplers; c = ξ;
 *   score      the denoiser x̂₀ = c at every (α, σ) (the data are the single
 *              point c) under the core EDM schedule (α = 1, σ = t): for
 *              diffusion samplers, whose probability-flow drift (x − x̂₀)/σ
 *              vanishes at c and whose final denoising step returns c.
 *
 * A sampler must accept at least one (BASIN_EUNSUPPORTED for the others is fine).
 * For each one it accepts, 64 states start at c:
 *   fixed-point-MODEL    they end at c: every coordinate's batch mean of x − c is
 *                        within z standard errors (pooled over the batch) of 0,
 *                        plus 1e-5 (1 + |c|) of float rounding. A deterministic
 *                        sampler must therefore return c itself; a stochastic one
 *                        (Langevin at T > 0) may spread around c but not drift.
 *                        z = max(4.5, z_N) with N erfc(z_N/√2) = 1e-4, so the
 *                        false alarm over the N coordinates (union bound) stays
 *                        < 1e-4 at every N: z = 4.5 up to N = 14, 4.7 at N = 40,
 *                        6.1 at N = 1e5. (The pooled variance has 63 N degrees
 *                        of freedom; at N = 1, P(|t_63| > 4.5) ≈ 3e-5.)
 *   outcome-MODEL        steps and converged ∈ {0, 1} filled for every state,
 *                        states finite, every observed step finite and in range
 *   deterministic-MODEL  a second run (fresh sampler and host, same seed) gives
 *                        the same bytes
 *   batch-MODEL          the batch run as two halves (first_index 0 and 32) gives
 *                        the same bytes: random numbers keyed by sample index
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/battery.h"
#include "process/schedule.h"

#define DEFAULT_DIM 8u /* the dimension N without --dim */
#define N_STATES    64u

/* ------------------------------------------------------------- the models */

typedef struct toy {
    uint32_t dim;
    float *c; /* dim floats: the fixed point (±1 for Hopfield) */
} toy;

static int toy_create(const basin_host *h, const basin_value *v, uint32_t dim,
                      void **self)
{
    (void)h, (void)v, (void)dim, (void)self;
    return BASIN_EINTERNAL; /* the checker builds its models itself */
}

static void toy_destroy(void *self)
{
    (void)self;
}

static int toy_encode(void *self, const basin_host *h, const float *m, uint64_t n)
{
    (void)self, (void)h, (void)m, (void)n;
    return BASIN_OK;
}

static int quad_energy(void *self, const basin_host *h, const float *x, uint64_t n,
                       double *e)
{
    (void)h;
    const toy *t = self;
    for (uint64_t s = 0; s < n; s++) {
        double sum = 0;
        for (uint32_t i = 0; i < t->dim; i++) {
            double d = (double)x[s * t->dim + i] - t->c[i];
            sum += d * d;
        }
        e[s] = 0.5 * sum;
    }
    return BASIN_OK;
}

static int quad_gradient(void *self, const basin_host *h, const float *x, uint64_t n,
                         float *g)
{
    (void)h;
    const toy *t = self;
    for (uint64_t k = 0; k < n * t->dim; k++)
        g[k] = x[k] - t->c[k % t->dim];
    return BASIN_OK;
}

static int quad_update(void *self, const basin_host *h, const float *x, uint64_t n,
                       float *out)
{
    (void)h, (void)x;
    const toy *t = self;
    for (uint64_t k = 0; k < n * t->dim; k++)
        out[k] = t->c[k % t->dim];
    return BASIN_OK;
}

static int quad_hessian(void *self, const basin_host *h, const float *x, const float *v,
                        uint64_t n, float *out)
{
    (void)h, (void)x;
    const toy *t = self;
    memcpy(out, v, (size_t)(n * t->dim) * sizeof *out);
    return BASIN_OK;
}

static const basin_energy_iface QUADRATIC = {
    .struct_size = sizeof(basin_energy_iface),
    .create = toy_create,
    .destroy = toy_destroy,
    .encode = toy_encode,
    .energy = quad_energy,
    .gradient = quad_gradient,
    .update = quad_update,
    .hessian_vector = quad_hessian,
};

/* The one-pattern Hopfield energy: m = ξ·x, E = −m²/2N. */
static double overlap(const toy *t, const float *x)
{
    double m = 0;
    for (uint32_t i = 0; i < t->dim; i++)
        m += (double)t->c[i] * x[i];
    return m;
}

static int hop_energy(void *self, const basin_host *h, const float *x, uint64_t n,
                      double *e)
{
    (void)h;
    const toy *t = self;
    for (uint64_t s = 0; s < n; s++) {
        double m = overlap(t, x + s * t->dim);
        e[s] = -m * m / (2.0 * t->dim);
    }
    return BASIN_OK;
}

static int hop_gradient(void *self, const basin_host *h, const float *x, uint64_t n,
                        float *g)
{
    (void)h;
    const toy *t = self;
    for (uint64_t s = 0; s < n; s++) {
        double m = overlap(t, x + s * t->dim);
        for (uint32_t i = 0; i < t->dim; i++)
            g[s * t->dim + i] = (float)(-m * t->c[i] / t->dim);
    }
    return BASIN_OK;
}

static int hop_update(void *self, const basin_host *h, const float *x, uint64_t n,
                      float *out)
{
    (void)h;
    const toy *t = self;
    for (uint64_t s = 0; s < n; s++) {
        double m = overlap(t, x + s * t->dim);
        for (uint32_t i = 0; i < t->dim; i++)
            out[s * t->dim + i] = m >= 0 ? t->c[i] : -t->c[i];
    }
    return BASIN_OK;
}

static uint64_t hop_cache_size(void *self)
{
    (void)self;
    return 1;
}

static int hop_spin_init(void *self, const basin_host *h, const float *x, uint64_t n,
                         float *cache)
{
    (void)h;
    const toy *t = self;
    for (uint64_t s = 0; s < n; s++)
        cache[s] = (float)overlap(t, x + s * t->dim);
    return BASIN_OK;
}

/* Flipping spin i moves m to m' = m − 2 ξ_i x_i: ΔE = (m² − m'²)/2N. */
static double hop_spin_delta(void *self, const float *x, const float *cache, uint32_t i)
{
    const toy *t = self;
    double m = cache[0], m1 = m - 2.0 * t->c[i] * x[i];
    return (m * m - m1 * m1) / (2.0 * t->dim);
}

static void hop_spin_flip(void *self, float *x, float *cache, uint32_t i)
{
    const toy *t = self;
    cache[0] -= 2.0f * t->c[i] * x[i];
    x[i] = -x[i];
}

static const basin_energy_iface HOPFIELD = {
    .struct_size = sizeof(basin_energy_iface),
    .flags = BASIN_ENERGY_BINARY,
    .create = toy_create,
    .destroy = toy_destroy,
    .encode = toy_encode,
    .energy = hop_energy,
    .gradient = hop_gradient,
    .update = hop_update,
    .spin_cache_size = hop_cache_size,
    .spin_init = hop_spin_init,
    .spin_delta = hop_spin_delta,
    .spin_flip = hop_spin_flip,
};

static int const_denoise(void *self, const basin_host *h, const float *x, uint64_t n,
                         double alpha, double sigma, float *out)
{
    (void)h, (void)x, (void)alpha, (void)sigma;
    return quad_update(self, h, x, n, out);
}

static const basin_score_iface CONSTANT = {
    .struct_size = sizeof(basin_score_iface),
    .create = toy_create,
    .destroy = toy_destroy,
    .encode = toy_encode,
    .denoise = const_denoise,
};

/* ------------------------------------------------------------- the checks */

/* What the observer saw during a run. */
typedef struct observed {
    uint64_t first, n; /* the run's samples */
    uint32_t dim;
    uint64_t steps;
    char bad[256]; /* the first malformed step */
} observed;

static int observe(void *ctx, const basin_step *step)
{
    observed *o = ctx;
    o->steps++;
    if (o->bad[0])
        return 0;
    uint64_t bad = 0;
    if (step->struct_size < sizeof(basin_step) || !step->states)
        snprintf(o->bad, sizeof o->bad,
                 "a basin_step of struct_size >= %zu with "
                 "states, saw %u",
                 sizeof(basin_step), (unsigned)step->struct_size);
    else if (step->first_index < o->first ||
             step->first_index + step->n > o->first + o->n)
        snprintf(o->bad, sizeof o->bad,
                 "observed samples within [%llu, %llu), saw "
                 "[%llu, %llu)",
                 (unsigned long long)o->first, (unsigned long long)(o->first + o->n),
                 (unsigned long long)step->first_index,
                 (unsigned long long)(step->first_index + step->n));
    else if (!check_finite(step->states, step->n * o->dim, &bad))
        snprintf(o->bad, sizeof o->bad, "finite observed states, saw %g at step %llu",
                 step->states[bad], (unsigned long long)step->step);
    return 0;
}

/* One run of n states from c (first_index first) with a fresh sampler and host.
   Returns the status; FAIL lines for failures other than EUNSUPPORTED, whose
   message goes to why. */
static int run(check_ctx *c, const basin_model *model, const toy *t, float *states,
               uint64_t n, uint64_t first, basin_outcome *outcome, observed *obs,
               const char *name, char *why, size_t n_why)
{
    const basin_sampler_iface *f = c->d->iface;
    check_instance in;
    check_instance_begin(c, &in, f->destroy);
    memset(obs, 0, sizeof *obs);
    obs->first = first;
    obs->n = n;
    obs->dim = t->dim;
    in.job.observer = observe;
    in.job.observer_ctx = obs;
    int rc = check_created(c, &in, f->create(&in.job.table, c->values, &in.self), name);
    if (rc)
        return rc;
    for (uint64_t s = 0; s < n; s++)
        memcpy(states + s * t->dim, t->c, t->dim * sizeof *t->c);
    for (uint64_t s = 0; s < n; s++)
        outcome[s] = (basin_outcome){UINT32_MAX, UINT32_MAX};
    rc = f->run(in.self, &in.job.table, model, states, n, first, outcome);
    if (rc == BASIN_EUNSUPPORTED)
        snprintf(why, n_why, "%s", host_job_error(&in.job, rc));
    else if (rc)
        check_call_failed(c, name, &in.job, rc);
    check_instance_end(&in);
    return rc;
}

/* The number of standard errors z = max(4.5, z_N), N erfc(z_N/√2) = 1e-4: the
   union bound over N coordinates keeps a false alarm below 1e-4 (bisection; erfc
   decreases). */
static double z_threshold(uint32_t dim)
{
    double lo = 4.5, hi = 40;
    if (dim * erfc(lo / sqrt(2.0)) <= 1e-4)
        return lo;
    for (int k = 0; k < 60; k++) {
        double mid = 0.5 * (lo + hi);
        if (dim * erfc(mid / sqrt(2.0)) > 1e-4)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* The battery on one model; returns 1 when the sampler accepted it. */
static int check_model(check_ctx *c, const char *model_name, const basin_model *model,
                       const toy *t)
{
    const uint32_t dim = t->dim;
    char name[64], why[1024] = "";
    float *x = check_alloc(N_STATES * dim), *y = check_alloc(N_STATES * dim);
    double *mean = malloc(dim * sizeof *mean);
    basin_outcome out[N_STATES];
    observed obs;
    int accepted = 0;
    if (!x || !y || !mean)
        goto done;
    snprintf(name, sizeof name, "fixed-point-%s", model_name);
    int rc = run(c, model, t, x, N_STATES, 0, out, &obs, name, why, sizeof why);
    if (rc == BASIN_EUNSUPPORTED) {
        check_skip(c, name, "the sampler refuses this model (%s)", why);
        goto done;
    }
    if (rc)
        goto done;
    accepted = 1;

    snprintf(name, sizeof name, "outcome-%s", model_name);
    uint64_t bad = 0;
    int ok = 1;
    for (uint32_t s = 0; s < N_STATES && ok; s++)
        if (out[s].steps == UINT32_MAX || out[s].converged > 1) {
            check_report(c, 0, name,
                         "expected steps and converged (0 or 1) for every "
                         "state, saw steps %u converged %u for state %u",
                         out[s].steps, out[s].converged, s);
            ok = 0;
        }
    if (ok && !check_guard_intact(x, N_STATES * dim))
        ok = check_report(c, 0, name, "expected n x dim states, saw writes past them");
    if (ok && !check_finite(x, N_STATES * dim, &bad))
        ok = check_report(c, 0, name,
                          "expected finite final states, saw %g at state "
                          "%llu",
                          x[bad], (unsigned long long)(bad / dim));
    if (ok)
        check_report(c, !obs.bad[0], name, "expected %s", obs.bad);
    if (!ok)
        goto done;

    snprintf(name, sizeof name, "fixed-point-%s", model_name);
    double worst = 0, worst_mean = 0, worst_tol = 1, var = 0;
    unsigned worst_i = 0;
    for (uint32_t i = 0; i < dim; i++) {
        mean[i] = 0;
        for (uint32_t s = 0; s < N_STATES; s++)
            mean[i] += ((double)x[s * dim + i] - t->c[i]) / N_STATES;
        for (uint32_t s = 0; s < N_STATES; s++) {
            double d = (double)x[s * dim + i] - t->c[i] - mean[i];
            var += d * d;
        }
    }
    var /= (double)(N_STATES - 1) * dim; /* pooled over the coordinates */
    const double z = z_threshold(dim);
    for (uint32_t i = 0; i < dim; i++) {
        double tol = z * sqrt(var / N_STATES) + 1e-5 * (1 + fabs(t->c[i]));
        if (fabs(mean[i]) / tol >= worst / worst_tol)
            worst = fabs(mean[i]), worst_tol = tol, worst_mean = mean[i], worst_i = i;
    }
    check_report(c, worst <= worst_tol, name,
                 "expected the states to stay at the "
                 "fixed point c (batch mean of x - c within %.3g), saw %.6g at "
                 "coordinate %u (batch spread %.3g)",
                 worst_tol, worst_mean, worst_i, sqrt(var));

    snprintf(name, sizeof name, "deterministic-%s", model_name);
    if (!run(c, model, t, y, N_STATES, 0, out, &obs, name, why, sizeof why))
        check_report(c, !memcmp(x, y, N_STATES * dim * sizeof *x), name,
                     "expected "
                     "identical states from a second run with the same seed, saw "
                     "them differ");
    snprintf(name, sizeof name, "batch-%s", model_name);
    const uint64_t half = N_STATES / 2;
    if (!run(c, model, t, y, half, 0, out, &obs, name, why, sizeof why) &&
        !run(c, model, t, y + half * dim, half, half, out, &obs, name, why, sizeof why)) {
        uint64_t k = 0;
        while (k < N_STATES * dim && x[k] == y[k])
            k++;
        check_report(c, k == N_STATES * dim, name,
                     "expected the states of one "
                     "batch from two half batches (first_index 0 and %llu), saw "
                     "state %llu differ",
                     (unsigned long long)half, (unsigned long long)(k / dim));
    }
done:
    free(x);
    free(y);
    free(mean);
    return accepted;
}

void check_sampler(check_ctx *c)
{
    const uint32_t dim = c->dim ? c->dim : DEFAULT_DIM;
    toy quad = {dim, malloc(dim * sizeof(float))};
    toy hop = {dim, malloc(dim * sizeof(float))};
    if (!quad.c || !hop.c) {
        check_report(c, 0, "accepts-a-model",
                     "expected memory for dimension %u, saw "
                     "none",
                     dim);
        goto out;
    }
    for (uint32_t i = 0; i < dim; i++) {
        quad.c[i] = (float)sin(1.3 * i + 0.4); /* any point off the origin */
        hop.c[i] = (i * 7 + 3) % 5 < 2 ? -1.0f : 1.0f;
    }
    schedule edm;
    char err[256];
    if (schedule_init(&edm, "edm", -1, -1, err, sizeof err)) {
        check_report(c, 0, "schedule", "expected the core edm schedule, saw %s", err);
        goto out;
    }
    /* The models, in the order they are checked; each with its fixed point. */
    enum { TOY_QUADRATIC, TOY_HOPFIELD, TOY_SCORE, N_TOYS };
    static const char *const NAMES[N_TOYS] = {
        [TOY_QUADRATIC] = "quadratic",
        [TOY_HOPFIELD] = "hopfield",
        [TOY_SCORE] = "score",
    };
    const basin_model models[N_TOYS] = {
        [TOY_QUADRATIC] = {.struct_size = sizeof(basin_model),
                           .dim = dim,
                           .energy = &QUADRATIC,
                           .energy_self = &quad},
        [TOY_HOPFIELD] = {.struct_size = sizeof(basin_model),
                          .dim = dim,
                          .energy = &HOPFIELD,
                          .energy_self = &hop},
        [TOY_SCORE] = {.struct_size = sizeof(basin_model),
                       .dim = dim,
                       .score = &CONSTANT,
                       .score_self = &quad,
                       .schedule = &edm.table},
    };
    const toy *const fixed[N_TOYS] = {
        [TOY_QUADRATIC] = &quad,
        [TOY_HOPFIELD] = &hop,
        [TOY_SCORE] = &quad,
    };
    int accepted = 0;
    for (int m = 0; m < N_TOYS; m++)
        accepted += check_model(c, NAMES[m], &models[m], fixed[m]);
    check_report(c, accepted > 0, "accepts-a-model",
                 "expected the sampler to run "
                 "on at least one of the quadratic energy, the one-pattern Hopfield "
                 "energy and the constant score model, saw it refuse all three");
out:
    free(quad.c);
    free(hop.c);
}
