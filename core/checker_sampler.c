/*
 * checker_sampler.c — the battery of a basin.sampler/1 plugin, on the checker's
 * own tiny models (dimension N = 8), each with a known fixed point c:
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
 *                        within 4.5 standard errors (pooled over the batch) of 0,
 *                        plus 1e-5 (1 + |c|) of float rounding. A deterministic
 *                        sampler must therefore return c itself; a stochastic one
 *                        (Langevin at T > 0) may spread around c but not drift.
 *                        4.5 SE over 8 coordinates: a false alarm < 1e-4.
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

#include "checker.h"
#include "schedule.h"

#define DIM 8u
#define N_STATES 64u

/* ------------------------------------------------------------- the models */

typedef struct toy {
    float c[DIM];             /* the fixed point (±1 for the Hopfield model) */
} toy;

static int toy_create(const basin_host *h, const basin_value *v, uint32_t dim,
                      void **self)
{
    (void)h, (void)v, (void)dim, (void)self;
    return BASIN_EINTERNAL; /* the checker builds its models itself */
}

static void toy_destroy(void *self) { (void)self; }

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
        for (uint32_t i = 0; i < DIM; i++) {
            double d = (double)x[s * DIM + i] - t->c[i];
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
    for (uint64_t k = 0; k < n * DIM; k++)
        g[k] = x[k] - t->c[k % DIM];
    return BASIN_OK;
}

static int quad_update(void *self, const basin_host *h, const float *x, uint64_t n,
                       float *out)
{
    (void)h, (void)x;
    const toy *t = self;
    for (uint64_t k = 0; k < n * DIM; k++)
        out[k] = t->c[k % DIM];
    return BASIN_OK;
}

static int quad_hessian(void *self, const basin_host *h, const float *x,
                        const float *v, uint64_t n, float *out)
{
    (void)self, (void)h, (void)x;
    memcpy(out, v, (size_t)(n * DIM) * sizeof *out);
    return BASIN_OK;
}

static const basin_energy_iface QUADRATIC = {
    .struct_size = sizeof(basin_energy_iface),
    .create = toy_create, .destroy = toy_destroy, .encode = toy_encode,
    .energy = quad_energy, .gradient = quad_gradient, .update = quad_update,
    .hessian_vector = quad_hessian,
};

/* The one-pattern Hopfield energy: m = ξ·x, E = −m²/2N. */
static double overlap(const toy *t, const float *x)
{
    double m = 0;
    for (uint32_t i = 0; i < DIM; i++)
        m += (double)t->c[i] * x[i];
    return m;
}

static int hop_energy(void *self, const basin_host *h, const float *x, uint64_t n,
                      double *e)
{
    (void)h;
    for (uint64_t s = 0; s < n; s++) {
        double m = overlap(self, x + s * DIM);
        e[s] = -m * m / (2.0 * DIM);
    }
    return BASIN_OK;
}

static int hop_gradient(void *self, const basin_host *h, const float *x, uint64_t n,
                        float *g)
{
    (void)h;
    const toy *t = self;
    for (uint64_t s = 0; s < n; s++) {
        double m = overlap(t, x + s * DIM);
        for (uint32_t i = 0; i < DIM; i++)
            g[s * DIM + i] = (float)(-m * t->c[i] / DIM);
    }
    return BASIN_OK;
}

static int hop_update(void *self, const basin_host *h, const float *x, uint64_t n,
                      float *out)
{
    (void)h;
    const toy *t = self;
    for (uint64_t s = 0; s < n; s++) {
        double m = overlap(t, x + s * DIM);
        for (uint32_t i = 0; i < DIM; i++)
            out[s * DIM + i] = m >= 0 ? t->c[i] : -t->c[i];
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
    for (uint64_t s = 0; s < n; s++)
        cache[s] = (float)overlap(self, x + s * DIM);
    return BASIN_OK;
}

/* Flipping spin i moves m to m' = m − 2 ξ_i x_i: ΔE = (m² − m'²)/2N. */
static double hop_spin_delta(void *self, const float *x, const float *cache,
                             uint32_t i)
{
    const toy *t = self;
    double m = cache[0], m1 = m - 2.0 * t->c[i] * x[i];
    return (m * m - m1 * m1) / (2.0 * DIM);
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
    .create = toy_create, .destroy = toy_destroy, .encode = toy_encode,
    .energy = hop_energy, .gradient = hop_gradient, .update = hop_update,
    .spin_cache_size = hop_cache_size, .spin_init = hop_spin_init,
    .spin_delta = hop_spin_delta, .spin_flip = hop_spin_flip,
};

static int const_denoise(void *self, const basin_host *h, const float *x,
                         uint64_t n, double alpha, double sigma, float *out)
{
    (void)h, (void)x, (void)alpha, (void)sigma;
    return quad_update(self, h, x, n, out);
}

static const basin_score_iface CONSTANT = {
    .struct_size = sizeof(basin_score_iface),
    .create = toy_create, .destroy = toy_destroy, .encode = toy_encode,
    .denoise = const_denoise,
};

/* ------------------------------------------------------------- the checks */

/* What the observer saw during a run. */
typedef struct observed {
    uint64_t first, n;        /* the run's samples */
    uint64_t steps;
    char bad[256];            /* the first malformed step */
} observed;

static int observe(void *ctx, const basin_step *step)
{
    observed *o = ctx;
    o->steps++;
    if (o->bad[0])
        return 0;
    uint64_t bad = 0;
    if (step->struct_size < sizeof(basin_step) || !step->states)
        snprintf(o->bad, sizeof o->bad, "a basin_step of struct_size >= %zu with "
                 "states, saw %u", sizeof(basin_step), (unsigned)step->struct_size);
    else if (step->first_index < o->first ||
             step->first_index + step->n > o->first + o->n)
        snprintf(o->bad, sizeof o->bad, "observed samples within [%llu, %llu), saw "
                 "[%llu, %llu)", (unsigned long long)o->first,
                 (unsigned long long)(o->first + o->n),
                 (unsigned long long)step->first_index,
                 (unsigned long long)(step->first_index + step->n));
    else if (!check_finite(step->states, step->n * DIM, &bad))
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
    host_job job;
    check_host(c, &job);
    memset(obs, 0, sizeof *obs);
    obs->first = first;
    obs->n = n;
    job.observer = observe;
    job.observer_ctx = obs;
    void *self = NULL;
    int rc = f->create(&job.table, c->values, &self);
    if (!rc && !self) {
        check_report(c, 0, name, "expected create to set *self, saw NULL");
        rc = BASIN_EINTERNAL;
    } else if (rc) {
        check_call_failed(c, name, &job, rc);
    } else {
        for (uint64_t s = 0; s < n; s++)
            memcpy(states + s * DIM, t->c, sizeof t->c);
        for (uint64_t s = 0; s < n; s++)
            outcome[s] = (basin_outcome){UINT32_MAX, UINT32_MAX};
        rc = f->run(self, &job.table, model, states, n, first, outcome);
        if (rc == BASIN_EUNSUPPORTED)
            snprintf(why, n_why, "%s", host_job_error(&job, rc));
        else if (rc)
            check_call_failed(c, name, &job, rc);
        f->destroy(self);
    }
    check_host_done(&job);
    return rc;
}

/* The battery on one model; returns 1 when the sampler accepted it. */
static int check_model(check_ctx *c, const char *model_name, const basin_model *model,
                       const toy *t)
{
    char name[64], why[1024] = "";
    float *x = check_alloc(N_STATES * DIM), *y = check_alloc(N_STATES * DIM);
    basin_outcome out[N_STATES];
    observed obs;
    int accepted = 0;
    if (!x || !y)
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
            check_report(c, 0, name, "expected steps and converged (0 or 1) for every "
                         "state, saw steps %u converged %u for state %u",
                         out[s].steps, out[s].converged, s);
            ok = 0;
        }
    if (ok && !check_guard_intact(x, N_STATES * DIM))
        ok = check_report(c, 0, name, "expected n x dim states, saw writes past them");
    if (ok && !check_finite(x, N_STATES * DIM, &bad))
        ok = check_report(c, 0, name, "expected finite final states, saw %g at state "
                          "%llu", x[bad], (unsigned long long)(bad / DIM));
    if (ok)
        check_report(c, !obs.bad[0], name, "expected %s", obs.bad);
    if (!ok)
        goto done;

    snprintf(name, sizeof name, "fixed-point-%s", model_name);
    double worst = 0, worst_mean = 0, worst_tol = 1, var = 0;
    unsigned worst_i = 0;
    double mean[DIM];
    for (uint32_t i = 0; i < DIM; i++) {
        mean[i] = 0;
        for (uint32_t s = 0; s < N_STATES; s++)
            mean[i] += ((double)x[s * DIM + i] - t->c[i]) / N_STATES;
        for (uint32_t s = 0; s < N_STATES; s++) {
            double d = (double)x[s * DIM + i] - t->c[i] - mean[i];
            var += d * d;
        }
    }
    var /= (double)(N_STATES - 1) * DIM; /* pooled over the coordinates */
    for (uint32_t i = 0; i < DIM; i++) {
        double tol = 4.5 * sqrt(var / N_STATES) + 1e-5 * (1 + fabs(t->c[i]));
        if (fabs(mean[i]) / tol >= worst / worst_tol)
            worst = fabs(mean[i]), worst_tol = tol, worst_mean = mean[i], worst_i = i;
    }
    check_report(c, worst <= worst_tol, name, "expected the states to stay at the "
                 "fixed point c (batch mean of x - c within %.3g), saw %.6g at "
                 "coordinate %u (batch spread %.3g)", worst_tol, worst_mean, worst_i,
                 sqrt(var));

    snprintf(name, sizeof name, "deterministic-%s", model_name);
    if (!run(c, model, t, y, N_STATES, 0, out, &obs, name, why, sizeof why))
        check_report(c, !memcmp(x, y, N_STATES * DIM * sizeof *x), name, "expected "
                     "identical states from a second run with the same seed, saw "
                     "them differ");
    snprintf(name, sizeof name, "batch-%s", model_name);
    const uint64_t half = N_STATES / 2;
    if (!run(c, model, t, y, half, 0, out, &obs, name, why, sizeof why) &&
        !run(c, model, t, y + half * DIM, half, half, out, &obs, name, why,
             sizeof why)) {
        uint64_t k = 0;
        while (k < N_STATES * DIM && x[k] == y[k])
            k++;
        check_report(c, k == N_STATES * DIM, name, "expected the states of one "
                     "batch from two half batches (first_index 0 and %llu), saw "
                     "state %llu differ", (unsigned long long)half,
                     (unsigned long long)(k / DIM));
    }
done:
    free(x);
    free(y);
    return accepted;
}

void check_sampler(check_ctx *c)
{
    toy quad, hop;
    for (uint32_t i = 0; i < DIM; i++) {
        quad.c[i] = (float)sin(1.3 * i + 0.4);     /* any point off the origin */
        hop.c[i] = (i * 7 + 3) % 5 < 2 ? -1.0f : 1.0f;
    }
    schedule edm;
    char err[256];
    if (schedule_init(&edm, "edm", -1, -1, err, sizeof err)) {
        check_report(c, 0, "schedule", "expected the core edm schedule, saw %s", err);
        return;
    }
    const basin_model models[3] = {
        {sizeof(basin_model), DIM, &QUADRATIC, &quad, NULL, NULL, NULL},
        {sizeof(basin_model), DIM, &HOPFIELD, &hop, NULL, NULL, NULL},
        {sizeof(basin_model), DIM, NULL, NULL, &CONSTANT, &quad, &edm.table},
    };
    static const char *const NAMES[3] = {"quadratic", "hopfield", "score"};
    int accepted = 0;
    for (int m = 0; m < 3; m++)
        accepted += check_model(c, NAMES[m], &models[m],
                                models[m].energy_self == &hop ? &hop : &quad);
    check_report(c, accepted > 0, "accepts-a-model", "expected the sampler to run "
                 "on at least one of the quadratic energy, the one-pattern Hopfield "
                 "energy and the constant score model, saw it refuse all three");
}
