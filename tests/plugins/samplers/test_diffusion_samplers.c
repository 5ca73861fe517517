/*
 * test_diffusion_samplers — samplers/{ddpm,ddim,euler,heun,euler-maruyama}, loaded
 * as a host loads them (dlopen by path), on the real schedules of
 * core/process/schedule.c, with a fake score model whose denoiser is the exact posterior mean of Gaussian
 * data N(μ, diag λ):
 *
 *   x̂0(x; α, σ) = μ + α λ / (α² λ + σ²) (x − α μ)      (per coordinate)
 *
 * Every sampler then targets N(μ, diag λ) exactly in the limit of small steps, so the
 * mean and variance of a few thousand samples test the update formulas. The host
 * is tests/fake_host.h's, with core's Philox streams (rng_normal).
 *
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder
 * (samplers/diffusion.so is read from it). One case by name (--list names them):
 *   BASIN_TEST_PLUGIN_DIR=build/plugins \
 *       build/tests/plugins/samplers/test-diffusion-samplers diffusion_laws_heun
 * The case diffusion_measure prints the discretization bias of each configuration
 * (the exact law of its discretized sampler, see exact_moments) at its steps times
 * BASIN_TEST_MEASURE (a whole number), and does nothing when that is unset:
 *   BASIN_TEST_MEASURE=2 BASIN_TEST_PLUGIN_DIR=build/plugins \
 *       build/tests/plugins/samplers/test-diffusion-samplers diffusion_measure
 */
#include <basin/plugin.h>

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "process/schedule.h"

#include "fake_host.h"
#include "harness.h"

#define DIM  4
#define SEED 20240611u

/* ------------------------------------------------------------- the data law */

static const double mu[DIM] = {0.5, -1.0, 0.0, 1.0};
static const double lambda[DIM] = {0.25, 1.0, 2.0, 4.0};

/* ------------------------------------------------------------ fake score model */

typedef struct gaussian_score {
    int64_t nan_row; /* denoise returns NaN on this row of every call (−1: none) */
} gaussian_score;

static int gaussian_denoise(void *self, const basin_host *host, const float *x,
                            uint64_t n, double alpha, double sigma, float *x0_hat)
{
    (void)host;
    const gaussian_score *g = self;
    for (uint64_t r = 0; r < n; r++)
        for (uint32_t k = 0; k < DIM; k++) {
            const double gain =
                alpha * lambda[k] / (alpha * alpha * lambda[k] + sigma * sigma);
            const double xk = x[r * DIM + k];
            x0_hat[r * DIM + k] = (float)(mu[k] + gain * (xk - alpha * mu[k]));
            if ((int64_t)r == g->nan_row)
                x0_hat[r * DIM + k] = NAN;
        }
    return BASIN_OK;
}

static const basin_score_iface gaussian_iface = {
    .struct_size = sizeof(basin_score_iface),
    .denoise = gaussian_denoise,
};

/* ---------------------------------------------------------------- mock host */

/* What random_normal returns: Philox normals, zeros, or an impulse (ones at step
   index + 1 only, zeros otherwise) to read off a linear sampler's noise gains. */
typedef enum noise_mode { NOISE_REAL, NOISE_ZERO, NOISE_IMPULSE } noise_mode;

typedef struct mock {
    fake_host fake; /* the host (Philox streams of SEED); user: here */
    noise_mode noise;
    uint64_t stop_after; /* observe returns 1 at this call (0: never) */
    /* the observe log */
    uint64_t n_observed;
    uint64_t last_step;
    double last_time;
    int order_ok; /* steps 1, 2, … and times decreasing */
    int final_ok; /* the last step had time 0, α = 1, σ = 0 */
    uint64_t batch_n, batch_first;
    int batch_ok; /* every step saw the run's n and first_index */
    /* states after step capture_step are copied to captured (n × DIM) */
    uint64_t capture_step;
    float *captured;
} mock;

static void mock_normal(const basin_host *host, uint32_t role, uint64_t index,
                        uint64_t step, float *out, size_t n)
{
    const mock *m = fake_user(host);
    if (m->noise == NOISE_REAL) {
        rng_normal(SEED, role, index, step, out, n);
        return;
    }
    const float v = m->noise == NOISE_IMPULSE && step == index + 1 ? 1.0f : 0.0f;
    for (size_t e = 0; e < n; e++)
        out[e] = v;
}

static int mock_observe(const basin_host *host, const basin_step *step)
{
    mock *m = fake_user(host);
    m->n_observed++;
    if (step->step != m->last_step + 1 || !(step->time < m->last_time))
        m->order_ok = 0;
    if (step->struct_size != sizeof(basin_step) || step->n != m->batch_n ||
        step->first_index != m->batch_first || step->states == NULL)
        m->batch_ok = 0;
    m->final_ok = step->time == 0 && step->alpha == 1 && step->sigma == 0;
    m->last_step = step->step;
    m->last_time = step->time;
    if (m->captured != NULL && step->step == m->capture_step)
        memcpy(m->captured, step->states, step->n * DIM * sizeof(float));
    return m->stop_after != 0 && m->n_observed >= m->stop_after;
}

/* A host whose observe log is reset for a run of n samples from first. */
static basin_host make_host(mock *m, uint64_t n, uint64_t first)
{
    m->n_observed = 0;
    m->last_step = 0;
    m->last_time = INFINITY;
    m->order_ok = m->batch_ok = 1;
    m->final_ok = 0;
    m->batch_n = n;
    m->batch_first = first;
    const int cancel = m->fake.cancel;
    fake_host_init(&m->fake, SEED, FAKE_PHILOX);
    m->fake.cancel = cancel;
    m->fake.quiet = 1;
    m->fake.user = m;
    m->fake.host.random_normal = mock_normal;
    m->fake.host.observe = mock_observe;
    basin_host h = m->fake.host;
    return h;
}

/* ------------------------------------------------------------ plugin access */

static const basin_library *library;

/* samplers/diffusion.so loaded (once) from $BASIN_TEST_PLUGIN_DIR; 0 (with a
   failed check, or a note when the variable is unset) if it is not. */
static int setup(void)
{
    if (library)
        return 1;
    const char *plugins = test_env("BASIN_TEST_PLUGIN_DIR");
    if (!plugins)
        return 0;
    char path[1024];
    snprintf(path, sizeof path, "%s/samplers/diffusion.so", plugins);
    library = load_library(path);
    EXPECT_MSG(library != NULL, "load %s", path);
    return library != NULL;
}

static const basin_descriptor *find(const char *id)
{
    for (const basin_descriptor *const *p = library->plugins; *p != NULL; p++)
        if (strcmp((*p)->id, id) == 0)
            return *p;
    return NULL;
}

/* A sampler instance of plugin id with steps, denoise_last and (ddim) eta. */
typedef struct sampler {
    const basin_sampler_iface *iface;
    void *self;
} sampler;

static sampler make_sampler(const char *id, uint32_t steps, int denoise_last, double eta)
{
    sampler s = {NULL, NULL};
    const basin_descriptor *d = find(id);
    EXPECT_MSG(d != NULL, "no plugin %s", id);
    if (d == NULL)
        return s;
    basin_value values[8];
    int i = 0;
    for (; d->params[i].name != NULL; i++) {
        values[i].number = d->params[i].default_number;
        values[i].string = "";
        if (strcmp(d->params[i].name, "steps") == 0)
            values[i].number = steps;
        else if (strcmp(d->params[i].name, "denoise_last") == 0)
            values[i].number = denoise_last;
        else if (strcmp(d->params[i].name, "eta") == 0)
            values[i].number = eta;
    }
    mock m = {0};
    basin_host h = make_host(&m, 0, 0);
    const basin_sampler_iface *iface = d->iface;
    int rc = iface->create(&h, values, &s.self);
    EXPECT_MSG(rc == BASIN_OK, "create %s: status %d, %s", id, rc, fake_last_error);
    if (rc == BASIN_OK)
        s.iface = iface;
    return s;
}

static void free_sampler(sampler *s)
{
    if (s->iface != NULL)
        s->iface->destroy(s->self);
}

/* The schedule on the grid the allowances below were measured on: uniform in t,
   except edm's karras (ρ = 7). The grids themselves are checked in
   tests/process/test_schedule.c. */
static schedule make_schedule(const char *name)
{
    schedule s;
    char err[256];
    const char *grid = strcmp(name, "edm") == 0 ? "karras" : "uniform";
    int rc = schedule_init_grid(&s, name, -1, -1, grid, -1, err, sizeof err);
    EXPECT_MSG(rc == BASIN_OK, "schedule %s: status %d, %s", name, rc, err);
    return s;
}

static basin_model make_model(gaussian_score *g, const basin_schedule *sched)
{
    basin_model model = {
        .struct_size = sizeof(basin_model),
        .dim = DIM,
        .score = &gaussian_iface,
        .score_self = g,
        .schedule = sched,
    };
    return model;
}

/* n states of pure noise at t_max, x = √(α² + σ²)(t_max) ε, ε from role INIT. */
static float *pure_noise(const basin_schedule *sched, uint64_t n, uint64_t first)
{
    float *x = malloc(n * DIM * sizeof *x);
    double a, s;
    sched->at(sched, sched->t_max, &a, &s, NULL, NULL);
    const double scale = sqrt(a * a + s * s);
    for (uint64_t r = 0; r < n; r++) {
        rng_normal(SEED, BASIN_ROLE_INIT, first + r, 0, x + r * DIM, DIM);
        for (uint32_t k = 0; k < DIM; k++)
            x[r * DIM + k] = (float)(scale * x[r * DIM + k]);
    }
    return x;
}

/* Run s on n states from sample first; returns the status. */
static int run(const sampler *s, mock *m, const basin_model *model, float *x, uint64_t n,
               uint64_t first, basin_outcome *outcome)
{
    basin_host h = make_host(m, n, first);
    fake_last_error[0] = '\0';
    return s->iface->run(s->self, &h, model, x, n, first, outcome);
}

/* ------------------------------------------------------------- configurations */

/*
 * The configurations whose output law is checked. `steps` is chosen so the exact
 * output law of the discretized sampler (exact_moments) is within the allowances of
 * N(μ, λ'); the allowances are the biases the case diffusion_measure prints (run
 * it with BASIN_TEST_MEASURE=1 to see them) rounded up by about half. Measured at these steps (mean: largest offset
 * beyond the prior mismatch; variance: largest relative error, on λ = 0.25):
 *   ddpm  ddpm-linear 999: 0.0002, −0.015    ddpm  ou 4000:     0.0002, −0.031
 *   ddpm  edm 1000:        0.0006, −0.012    ddim  ou 1600:     0.0000, −0.025
 *   ddim  edm 400:         0.0000, −0.014    ddim(η ½) ou 2000: 0.0000, −0.027
 *   euler ou 800:          0.0046, +0.014    euler edm 400:     0.0000, −0.014
 *   heun  ou 100:          0.0000, −0.009    heun  edm 100:     0.0000, +0.003
 *   heun  cosine 50:       0.0001, −0.0007   e-m   ou 1000:     0.0000, +0.019
 *   e-m   edm 500:         0.0000, +0.010
 *   euler-ancestral ou 4000: 0.0000, −0.031  euler-ancestral edm 1000: 0.0000, −0.012
 *   dpm-2 ou 400:          0.0000, +0.020    dpm-2 edm 100:     0.0000, +0.0017
 *   dpm-2 cosine 50:       0.0000, +0.0048   dpmpp-2m ou 800:   0.0000, +0.030
 *   dpmpp-2m edm 100:      0.0000, +0.0029   dpmpp-2m cosine 100: 0.0000, +0.0078
 *   dpmpp-2m-sde ou 1600:  0.0000, +0.047    dpmpp-2m-sde edm 200: 0.0000, +0.0018
 * (euler-ancestral is ddpm: k-diffusion's ancestral step with η = 1 is the Gaussian
 * posterior of the scaled state, see diffusion_equivalences.) The allowance of a
 * configuration thus follows from its step count and its order: bias ≈ C/steps^p,
 * p = 1 for ddpm, ddim, euler, euler-maruyama, euler-ancestral, p = 2 for heun,
 * dpm-2, dpmpp-2m (their edm and cosine errors quarter with each doubling:
 * dpm-2 edm 0.0017, 0.0004, 0.0001; dpmpp-2m cosine 0.032, 0.0078, 0.0019, 0.0005
 * at 50 … 400 steps); on ou's uniform-in-t grid the second-order samplers are not
 * yet in their asymptotic range at these steps (dpmpp-2m 0.30, 0.17, 0.078, 0.030
 * at 100 … 800), hence more steps there. dpmpp-2m-sde's edm error falls 0.0018,
 * 0.0004, 0.0000 at 200 … 800.
 * With BASIN_TEST_MEASURE = 2, 4, 8 the errors of Euler, DDIM, DDPM and Euler–Maruyama halve
 * with each doubling of the steps (first order) and Heun's quarter (second order),
 * so they are discretization, not a wrong formula. The uniform-in-t grids of ou and
 * ddpm-linear need many steps because σ²(t) ≈ 2t changes by a large factor per step
 * near t_min; the λ = 0.25 coordinate, resolved last, carries the largest error.
 * The stochastic samplers contract the prior mismatch (their mean offset is ~0).
 * `sampled_steps` is the cheaper grid on which 4000 sampled states are checked
 * against that grid's own exact law (statistics only, no allowance).
 */
typedef struct config {
    const char *id;
    const char *schedule;
    uint32_t steps, sampled_steps;
    double eta;
    int ode; /* deterministic: no noise gains to read off */
    double mean_allow, var_allow;
} config;

static const config configs[] = {
    {"samplers/ddpm", "ddpm-linear", 999, 999, 0, 0, 0.002, 0.025},
    {"samplers/ddpm", "ou", 4000, 200, 0, 0, 0.002, 0.045},
    {"samplers/ddpm", "edm", 1000, 200, 0, 0, 0.002, 0.02},
    {"samplers/ddim", "ou", 1600, 200, 0, 1, 0.002, 0.035},
    {"samplers/ddim", "edm", 400, 200, 0, 1, 0.002, 0.02},
    {"samplers/ddim", "ou", 2000, 200, 0.5, 0, 0.002, 0.04},
    {"samplers/euler", "ou", 800, 200, 0, 1, 0.007, 0.02},
    {"samplers/euler", "edm", 400, 200, 0, 1, 0.002, 0.02},
    {"samplers/heun", "ou", 100, 100, 0, 1, 0.002, 0.015},
    {"samplers/heun", "edm", 100, 100, 0, 1, 0.002, 0.005},
    {"samplers/heun", "cosine", 50, 50, 0, 1, 0.002, 0.002},
    {"samplers/euler-maruyama", "ou", 1000, 200, 0, 0, 0.002, 0.03},
    {"samplers/euler-maruyama", "edm", 500, 200, 0, 0, 0.002, 0.015},
    {"samplers/euler-ancestral", "ou", 4000, 200, 1, 0, 0.002, 0.045},
    {"samplers/euler-ancestral", "edm", 1000, 200, 1, 0, 0.002, 0.02},
    {"samplers/dpm-2", "ou", 400, 100, 0, 1, 0.002, 0.03},
    {"samplers/dpm-2", "edm", 100, 100, 0, 1, 0.002, 0.003},
    {"samplers/dpm-2", "cosine", 50, 50, 0, 1, 0.002, 0.007},
    {"samplers/dpmpp-2m", "ou", 800, 100, 0, 1, 0.002, 0.045},
    {"samplers/dpmpp-2m", "edm", 100, 100, 0, 1, 0.002, 0.005},
    {"samplers/dpmpp-2m", "cosine", 100, 100, 0, 1, 0.002, 0.012},
    {"samplers/dpmpp-2m-sde", "ou", 1600, 200, 1, 0, 0.002, 0.07},
    {"samplers/dpmpp-2m-sde", "edm", 200, 200, 1, 0, 0.002, 0.003},
};
#define N_CONFIGS (sizeof configs / sizeof configs[0])

/* The exact law of the final denoise D(x_{t_min}) when x_{t_min} has its exact law
   N(α μ, α² λ + σ²): mean μ, variance λ' = α² λ² / (α² λ + σ²) at t_min. */
static double target_variance(const basin_schedule *sched, int k)
{
    double a, s;
    sched->at(sched, sched->t_min, &a, &s, NULL, NULL);
    return a * a * lambda[k] * lambda[k] / (a * a * lambda[k] + s * s);
}

/*
 * The prior mismatch: a run starts from N(0, α² + σ²) at t_max instead of the exact
 * N(α μ, α² λ + σ²). Through the exact flow a start offset α μ_k comes out as
 * √λ_k α μ_k / √(α² λ_k + σ²) (t_max) (0.013 for ou's t_max = 5 and μ = 1, λ = 4;
 * 0.025 for edm's σ_max = 80; the SDE samplers contract it further), and the
 * variance as λ' (α² + σ²)/(α² λ + σ²): relative |1 − λ| α² ≤ 7.3e-4 (cosine).
 */
static double prior_mean_offset(const basin_schedule *sched, int k)
{
    double a, s;
    sched->at(sched, sched->t_max, &a, &s, NULL, NULL);
    return sqrt(lambda[k]) * a * fabs(mu[k]) / sqrt(a * a * lambda[k] + s * s);
}

static double prior_variance_ratio(const basin_schedule *sched, int k)
{
    double a, s;
    sched->at(sched, sched->t_max, &a, &s, NULL, NULL);
    return (a * a + s * s) / (a * a * lambda[k] + s * s);
}

/* Sample mean and variance per coordinate of n states (double sums). */
static void moments(const float *x, uint64_t n, double *mean, double *var)
{
    for (uint32_t k = 0; k < DIM; k++) {
        double sum = 0, sum2 = 0;
        for (uint64_t r = 0; r < n; r++)
            sum += x[r * DIM + k];
        mean[k] = sum / (double)n;
        for (uint64_t r = 0; r < n; r++) {
            const double d = x[r * DIM + k] - mean[k];
            sum2 += d * d;
        }
        var[k] = sum2 / (double)(n - 1);
    }
}

/*
 * The exact output law of a sampler run from the start law N(0, s0²),
 * s0 = √(α² + σ²)(t_max). With the Gaussian (linear) denoiser every update is
 * affine in x and z, so per coordinate x_end = M x_start + Σ_i N_i z_i + b:
 *   b        from a run at x = 0 with zero noise: the mean;
 *   M s0     from a run at x = s0 with zero noise, minus b;
 *   N_i      from run i at x = 0 whose noise is 1 at grid step i only (impulse),
 *            minus b (one batch of `steps` samples, sample i ↔ step i + 1);
 * variance (M s0)² + Σ_i N_i². Float rounding: ~1e-6 relative.
 */
static void exact_moments(const sampler *smp, uint32_t steps, int ode,
                          const basin_model *model, double *mean, double *var)
{
    double a, s;
    model->schedule->at(model->schedule, model->schedule->t_max, &a, &s, NULL, NULL);
    const float s0 = (float)sqrt(a * a + s * s);
    float x[2 * DIM];
    for (int k = 0; k < DIM; k++) {
        x[k] = 0;
        x[DIM + k] = s0;
    }
    basin_outcome outcome[2];
    mock m = {.noise = NOISE_ZERO};
    int rc = run(smp, &m, model, x, 2, 0, outcome);
    EXPECT_MSG(rc == BASIN_OK, "exact moments run: status %d, %s", rc, fake_last_error);
    for (int k = 0; k < DIM; k++) {
        mean[k] = x[k];
        const double sd = (double)x[DIM + k] - x[k];
        var[k] = sd * sd;
    }
    if (ode)
        return;
    float *xi = calloc((size_t)steps * DIM, sizeof *xi);
    basin_outcome *oi = malloc(steps * sizeof *oi);
    m.noise = NOISE_IMPULSE;
    rc = run(smp, &m, model, xi, steps, 0, oi);
    EXPECT_MSG(rc == BASIN_OK, "impulse run: status %d, %s", rc, fake_last_error);
    for (uint32_t i = 0; i < steps; i++)
        for (uint32_t k = 0; k < DIM; k++) {
            const double g = (double)xi[i * DIM + k] - mean[k];
            var[k] += g * g;
        }
    free(xi);
    free(oi);
}

/* --------------------------------------------------------------------- tests */

/*
 * The output law of every configuration, two ways:
 *  1. exact (exact_moments) at `steps`: |mean − μ| ≤ prior offset + mean_allow,
 *     |var / (λ' × prior ratio) − 1| ≤ var_allow: the discretization.
 *  2. sampled: 4000 states from pure noise on `sampled_steps`, against that grid's
 *     exact law: mean within 4 SE = 4 √(var/n), variance within 4 SE = 4 √(2/(n−1))
 *     relative (SE of a Gaussian sample variance); and against N(μ, λ') within
 *     4 SE + the exact law's own offset. This checks the noise (its law, its
 *     independence across steps and coordinates).
 */
static void test_laws(const char *id, uint64_t n)
{
    ASSERT(setup());
    for (size_t c = 0; c < N_CONFIGS; c++) {
        const config *cf = &configs[c];
        if (strcmp(cf->id, id) != 0)
            continue;
        schedule sch = make_schedule(cf->schedule);
        gaussian_score g = {.nan_row = -1};
        const basin_model model = make_model(&g, &sch.table);
        sampler smp = make_sampler(cf->id, cf->steps, 1, cf->eta);
        if (smp.iface == NULL)
            continue;
        double em[DIM], ev[DIM];
        exact_moments(&smp, cf->steps, cf->ode, &model, em, ev);
        for (int k = 0; k < DIM; k++) {
            const double target =
                target_variance(&sch.table, k) * prior_variance_ratio(&sch.table, k);
            const double mean_allow = prior_mean_offset(&sch.table, k) + cf->mean_allow;
            EXPECT_MSG(fabs(em[k] - mu[k]) <= mean_allow,
                       "%s (eta %g) on %s, %u steps: exact mean[%d] = %.5f, μ %.5f, "
                       "allowance %.5f",
                       cf->id, cf->eta, cf->schedule, cf->steps, k, em[k], mu[k],
                       mean_allow);
            EXPECT_MSG(fabs(ev[k] / target - 1) <= cf->var_allow,
                       "%s (eta %g) on %s, %u steps: exact var[%d] = %.5f, λ' %.5f, "
                       "relative allowance %g",
                       cf->id, cf->eta, cf->schedule, cf->steps, k, ev[k], target,
                       cf->var_allow);
        }
        free_sampler(&smp);

        smp = make_sampler(cf->id, cf->sampled_steps, 1, cf->eta);
        if (smp.iface == NULL)
            continue;
        exact_moments(&smp, cf->sampled_steps, cf->ode, &model, em, ev);
        float *x = pure_noise(&sch.table, n, 0);
        basin_outcome *outcome = malloc(n * sizeof *outcome);
        mock m = {0};
        int rc = run(&smp, &m, &model, x, n, 0, outcome);
        EXPECT_MSG(rc == BASIN_OK, "%s on %s: status %d, %s", cf->id, cf->schedule, rc,
                   fake_last_error);
        EXPECT_EQ(outcome[0].steps, cf->sampled_steps + 1);
        EXPECT_EQ(outcome[n - 1].converged, 1);
        double mean[DIM], var[DIM];
        moments(x, n, mean, var);
        const double se_var = sqrt(2.0 / (double)(n - 1));
        for (int k = 0; k < DIM; k++) {
            const double se_mean = sqrt(ev[k] / (double)n);
            const double target = target_variance(&sch.table, k);
            EXPECT_MSG(fabs(mean[k] - em[k]) <= 4 * se_mean,
                       "%s (eta %g) on %s, %u steps: sampled mean[%d] = %.4f, exact "
                       "%.4f (SE %.4f)",
                       cf->id, cf->eta, cf->schedule, cf->sampled_steps, k, mean[k],
                       em[k], se_mean);
            EXPECT_MSG(fabs(var[k] / ev[k] - 1) <= 4 * se_var,
                       "%s (eta %g) on %s, %u steps: sampled var[%d] = %.4f, exact %.4f "
                       "(relative SE %.4f)",
                       cf->id, cf->eta, cf->schedule, cf->sampled_steps, k, var[k], ev[k],
                       se_var);
            EXPECT_MSG(fabs(mean[k] - mu[k]) <= 4 * se_mean + fabs(em[k] - mu[k]),
                       "%s (eta %g) on %s: sampled mean[%d] = %.4f, μ %.4f (SE %.4f, "
                       "exact law's offset %.4f)",
                       cf->id, cf->eta, cf->schedule, k, mean[k], mu[k], se_mean,
                       fabs(em[k] - mu[k]));
            EXPECT_MSG(fabs(var[k] / target - 1) <= 4 * se_var + fabs(ev[k] / target - 1),
                       "%s (eta %g) on %s: sampled var[%d] = %.4f, λ' %.4f (relative SE "
                       "%.4f, exact law's offset %.4f)",
                       cf->id, cf->eta, cf->schedule, k, var[k], target, se_var,
                       fabs(ev[k] / target - 1));
        }
        free(outcome);
        free(x);
        free_sampler(&smp);
    }
}

TEST_IMPL(diffusion_laws_ddpm)
{
    test_laws("samplers/ddpm", 4000);
}

TEST_IMPL(diffusion_laws_ddim)
{
    test_laws("samplers/ddim", 4000);
}

TEST_IMPL(diffusion_laws_euler)
{
    test_laws("samplers/euler", 4000);
}

TEST_IMPL(diffusion_laws_heun)
{
    test_laws("samplers/heun", 4000);
}

TEST_IMPL(diffusion_laws_euler_maruyama)
{
    test_laws("samplers/euler-maruyama", 4000);
}

TEST_IMPL(diffusion_laws_euler_ancestral)
{
    test_laws("samplers/euler-ancestral", 4000);
}

TEST_IMPL(diffusion_laws_dpm_2)
{
    test_laws("samplers/dpm-2", 4000);
}

TEST_IMPL(diffusion_laws_dpmpp_2m)
{
    test_laws("samplers/dpmpp-2m", 4000);
}

TEST_IMPL(diffusion_laws_dpmpp_2m_sde)
{
    test_laws("samplers/dpmpp-2m-sde", 4000);
}

/* The exact law of each configuration at `steps` × $BASIN_TEST_MEASURE, printed
   (not asserted); nothing when the variable is unset. */
TEST_IMPL(diffusion_measure)
{
    const char *env = getenv("BASIN_TEST_MEASURE");
    if (!env || !*env)
        TEST_SKIP("set BASIN_TEST_MEASURE=SCALE to print the biases");
    const uint32_t scale = (uint32_t)atoi(env);
    ASSERT_GT(scale, 0);
    ASSERT(setup());
    for (size_t c = 0; c < N_CONFIGS; c++) {
        const config *cf = &configs[c];
        const uint32_t steps = cf->steps * scale;
        schedule sch = make_schedule(cf->schedule);
        gaussian_score g = {.nan_row = -1};
        const basin_model model = make_model(&g, &sch.table);
        sampler smp = make_sampler(cf->id, steps, 1, cf->eta);
        if (smp.iface == NULL)
            continue;
        double mean[DIM], var[DIM];
        exact_moments(&smp, steps, cf->ode, &model, mean, var);
        printf("# %-24s %-11s eta %.1f steps %5u:", cf->id, cf->schedule, cf->eta, steps);
        for (int k = 0; k < DIM; k++) {
            const double target =
                target_variance(&sch.table, k) * prior_variance_ratio(&sch.table, k);
            printf("  mean%d %+.4f (prior %.4f) var%d %+.4f", k, mean[k] - mu[k],
                   prior_mean_offset(&sch.table, k), k, var[k] / target - 1);
        }
        printf("\n");
        free_sampler(&smp);
    }
}

/* The samplers; the last N_MULTISTEP keep the previous step's denoiser output. */
static const char *const sampler_ids[] = {
    "samplers/ddpm",  "samplers/ddim",           "samplers/euler",
    "samplers/heun",  "samplers/euler-maruyama", "samplers/euler-ancestral",
    "samplers/dpm-2", "samplers/dpmpp-2m",       "samplers/dpmpp-2m-sde",
};
#define N_SAMPLERS  (sizeof sampler_ids / sizeof sampler_ids[0])
#define N_MULTISTEP 2

/*
 * The same 37 samples as one batch, as odd batches (1, 5, 13, 18) and from four
 * threads at once give byte-identical states: noise is keyed by (sample, step).
 */
typedef struct job {
    const sampler *smp;
    const basin_model *model;
    float *x;
    uint64_t n, first;
    int rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    mock m = {0};
    basin_outcome outcome[64];
    j->rc = run(j->smp, &m, j->model, j->x, j->n, j->first, outcome);
    return NULL;
}

TEST_IMPL(diffusion_determinism)
{
    ASSERT(setup());
    enum { N = 37 };
    const uint64_t first = 1000;
    const uint64_t splits[] = {1, 5, 13, 18};
    schedule sch = make_schedule("ou");
    gaussian_score g = {.nan_row = -1};
    const basin_model model = make_model(&g, &sch.table);
    for (size_t p = 0; p < N_SAMPLERS; p++) {
        sampler smp = make_sampler(sampler_ids[p], 20, 1, 0.5);
        ASSERT_NOT_NULL(smp.iface);
        float *whole = pure_noise(&sch.table, N, first);
        float *parts = pure_noise(&sch.table, N, first);
        float *threaded = pure_noise(&sch.table, N, first);
        basin_outcome outcome[N];
        mock m = {0};
        int rc = run(&smp, &m, &model, whole, N, first, outcome);
        uint64_t at = 0;
        for (size_t b = 0; b < 4 && rc == BASIN_OK; b++) {
            rc = run(&smp, &m, &model, parts + at * DIM, splits[b], first + at,
                     outcome + at);
            at += splits[b];
        }
        EXPECT_MSG(rc == BASIN_OK, "%s: status %d, %s", sampler_ids[p], rc,
                   fake_last_error);
        EXPECT_MSG(memcmp(whole, parts, sizeof(float) * N * DIM) == 0,
                   "%s: one batch and batches of 1, 5, 13, 18 differ", sampler_ids[p]);
        pthread_t threads[4];
        job jobs[4];
        at = 0;
        for (size_t b = 0; b < 4; b++) {
            jobs[b] = (job){&smp, &model, threaded + at * DIM, splits[b], first + at, -1};
            at += splits[b];
            pthread_create(&threads[b], NULL, run_job, &jobs[b]);
        }
        for (size_t b = 0; b < 4; b++) {
            pthread_join(threads[b], NULL);
            EXPECT_MSG(jobs[b].rc == BASIN_OK, "%s: thread %zu: status %d",
                       sampler_ids[p], b, jobs[b].rc);
        }
        EXPECT_MSG(memcmp(whole, threaded, sizeof(float) * N * DIM) == 0,
                   "%s: four threads on one instance give other bytes", sampler_ids[p]);
        free(whole);
        free(parts);
        free(threaded);
        free_sampler(&smp);
    }
}

/*
 * observe: once per step with step 1, 2, …, decreasing times, the batch's n and
 * first_index, a final step at time 0 with α = 1, σ = 0; without denoise_last the
 * last step is at t_min. A clone started at t_start = times[10] of a 20-step grid
 * runs the 10 remaining steps and, fed the states the full run had there, ends on
 * the same bytes (its noise is keyed by grid step). A t_start between two grid
 * times starts at the later one.
 */
TEST_IMPL(diffusion_observe_and_clone)
{
    ASSERT(setup());
    enum { N = 9, STEPS = 20, HALF = 10 };
    const uint64_t first = 77;
    const char *schedules[] = {"ou", "edm", "ddpm-linear"};
    for (size_t q = 0; q < 3; q++) {
        schedule sch = make_schedule(schedules[q]);
        double times[STEPS + 1];
        sch.table.grid(&sch.table, STEPS, times);
        gaussian_score g = {.nan_row = -1};
        const basin_model model = make_model(&g, &sch.table);
        for (size_t p = 0; p < N_SAMPLERS; p++) {
            const char *id = sampler_ids[p];
            sampler smp = make_sampler(id, STEPS, 1, 1.0);
            ASSERT_NOT_NULL(smp.iface);
            float *x = pure_noise(&sch.table, N, first);
            float captured[N * DIM];
            basin_outcome outcome[N];
            mock m = {.capture_step = HALF, .captured = captured};
            int rc = run(&smp, &m, &model, x, N, first, outcome);
            EXPECT_MSG(rc == BASIN_OK && m.n_observed == STEPS + 1 && m.order_ok &&
                           m.batch_ok && m.final_ok && outcome[N - 1].steps == STEPS + 1,
                       "%s on %s: status %d (%s), %llu observed steps (want %d), in "
                       "order %d, batch %d, last at time 0 %d, outcome %u steps",
                       id, schedules[q], rc, fake_last_error,
                       (unsigned long long)m.n_observed, STEPS + 1, m.order_ok,
                       m.batch_ok, m.final_ok, outcome[N - 1].steps);

            basin_schedule clone = sch.table;
            clone.t_start = times[HALF];
            const basin_model cloned = make_model(&g, &clone);
            float y[N * DIM];
            memcpy(y, captured, sizeof y);
            mock mc = {0};
            /* a multistep clone starts without the history (diffusion.c) */
            const int multi = p >= N_SAMPLERS - N_MULTISTEP;
            rc = run(&smp, &mc, &cloned, y, N, first, outcome);
            EXPECT_MSG(rc == BASIN_OK && mc.n_observed == STEPS - HALF + 1 &&
                           outcome[0].steps == STEPS - HALF + 1 &&
                           (multi || memcmp(x, y, sizeof y) == 0),
                       "%s on %s: t_start = times[%d]: status %d, %llu observed and %u "
                       "steps (want %d), on the full run's bytes %d",
                       id, schedules[q], HALF, rc, (unsigned long long)mc.n_observed,
                       outcome[0].steps, STEPS - HALF + 1, memcmp(x, y, sizeof y) == 0);
            clone.t_start = 0.5 * (times[HALF - 1] + times[HALF]);
            memcpy(y, captured, sizeof y);
            rc = run(&smp, &mc, &cloned, y, N, first, outcome);
            EXPECT_MSG(rc == BASIN_OK && mc.n_observed == STEPS - HALF + 1 &&
                           (multi || memcmp(x, y, sizeof y) == 0),
                       "%s on %s: t_start between grid times: status %d, %llu observed "
                       "steps (want %d), on the full run's bytes %d",
                       id, schedules[q], rc, (unsigned long long)mc.n_observed,
                       STEPS - HALF + 1, memcmp(x, y, sizeof y) == 0);
            free_sampler(&smp);

            /* Without the final denoise: STEPS observations, last at t_min. */
            smp = make_sampler(id, STEPS, 0, 1.0);
            if (smp.iface == NULL) {
                free(x);
                continue;
            }
            float *z = pure_noise(&sch.table, N, first);
            mock mn = {0};
            rc = run(&smp, &mn, &model, z, N, first, outcome);
            EXPECT_MSG(rc == BASIN_OK && mn.n_observed == STEPS && mn.order_ok &&
                           mn.last_time == sch.table.t_min && outcome[0].steps == STEPS,
                       "%s on %s, denoise_last = false: status %d, %llu observed and %u "
                       "steps (want %d), in order %d, last at %.17g (t_min %.17g)",
                       id, schedules[q], rc, (unsigned long long)mn.n_observed,
                       outcome[0].steps, STEPS, mn.order_ok, mn.last_time,
                       sch.table.t_min);
            free(z);
            free(x);
            free_sampler(&smp);
        }
    }
}

/*
 * One step by hand from known states (denoise_last = false, steps = 1, so the
 * step is t_max → t_min):
 *   euler-maruyama on ou: x + h (x + 2 s) + √(2h) z, s = (α D − x)/σ² (Biroli et al.
 *     2024's backward step);
 *   euler on edm: x + (σ_j − σ_i)(x − D)/σ_i (Karras et al. 2022, Alg. 1 line 5);
 *   ddpm on ou: the Gaussian posterior mean and standard deviation (Ho et al.
 *     2020, Eq. 7) with a = α_i/α_j, s² = σ_i² − a² σ_j².
 * Tolerance 1e-5 relative: float states, double arithmetic.
 */
TEST_IMPL(diffusion_single_steps)
{
    ASSERT(setup());
    enum { N = 3 };
    const float start[N * DIM] = {0.3f,  -1.2f, 2.0f,  0.0f, 1.5f, 0.25f,
                                  -0.7f, 3.0f,  -2.0f, 0.9f, 0.1f, -0.4f};
    const char *cases[][2] = {{"samplers/euler-maruyama", "ou"},
                              {"samplers/euler", "edm"},
                              {"samplers/ddpm", "ou"}};
    for (int c = 0; c < 3; c++) {
        schedule sch = make_schedule(cases[c][1]);
        const basin_schedule *b = &sch.table;
        gaussian_score g = {.nan_row = -1};
        const basin_model model = make_model(&g, b);
        sampler smp = make_sampler(cases[c][0], 1, 0, 0);
        if (smp.iface == NULL)
            continue;
        float x[N * DIM];
        memcpy(x, start, sizeof x);
        basin_outcome outcome[N];
        mock m = {0};
        const uint64_t first = 5;
        int rc = run(&smp, &m, &model, x, N, first, outcome);
        double ai, si, aj, sj;
        b->at(b, b->t_max, &ai, &si, NULL, NULL);
        b->at(b, b->t_min, &aj, &sj, NULL, NULL);
        const double h = b->t_max - b->t_min;
        double worst = 0;
        for (int r = 0; r < N; r++) {
            float z[DIM];
            rng_normal(SEED, BASIN_ROLE_SAMPLER, first + (uint64_t)r, 1, z, DIM);
            for (int k = 0; k < DIM; k++) {
                const double x0 = start[r * DIM + k];
                const double d = mu[k] + ai * lambda[k] /
                                             (ai * ai * lambda[k] + si * si) *
                                             (x0 - ai * mu[k]);
                double want;
                if (c == 0) {
                    const double score = (ai * d - x0) / (si * si);
                    want = x0 + h * (x0 + 2 * score) + sqrt(2 * h) * z[k];
                } else if (c == 1) {
                    want = x0 + (sj - si) * (x0 - d) / si;
                } else {
                    const double a = ai / aj, s2 = si * si - a * a * sj * sj;
                    want = aj * s2 / (si * si) * d + a * sj * sj / (si * si) * x0 +
                           sj * sqrt(s2) / si * z[k];
                }
                const double err = fabs(x[r * DIM + k] - want) / (fabs(want) + 1e-3);
                worst = err > worst ? err : worst;
            }
        }
        EXPECT_MSG(rc == BASIN_OK, "%s on %s: status %d, %s", cases[c][0], cases[c][1],
                   rc, fake_last_error);
        EXPECT_MSG(worst < 1e-5, "%s on %s: one step by hand, worst relative error %.2g",
                   cases[c][0], cases[c][1], worst);
        free_sampler(&smp);
    }
}

/*
 * Cross-checks between samplers: on edm (α = 1) DDIM with η = 0 is Euler in σ,
 * x_j = D + σ_j (x − D)/σ_i = x + (σ_j − σ_i)(x − D)/σ_i, and so is ancestral Euler
 * with η = 0 (λ_up = 0, λ_down = λ_j); DDIM with η = 1 is DDPM (Song et al. 2021,
 * Sec. 4.1) and DPM-Solver++(2M) SDE with η = 0 is DPM-Solver++(2M) (its update
 * with e^{−ηh} = 1 and no noise), on every schedule. Same arithmetic up to
 * rounding: 1e-5 relative.
 */
TEST_IMPL(diffusion_equivalences)
{
    ASSERT(setup());
    enum { N = 16, STEPS = 30 };
    const char *schedules[] = {"edm", "ou", "cosine"};
    /* {first (with eta), second (eta 0)}, eta, edm only */
    const struct {
        const char *first, *second;
        double eta;
        int edm_only;
    } pairs[] = {
        {"samplers/ddim", "samplers/euler", 0, 1},
        {"samplers/euler-ancestral", "samplers/euler", 0, 1},
        {"samplers/ddim", "samplers/ddpm", 1, 0},
        {"samplers/euler-ancestral", "samplers/ddpm", 1, 0},
        {"samplers/dpmpp-2m-sde", "samplers/dpmpp-2m", 0, 0},
    };
    for (int q = 0; q < 3; q++) {
        schedule sch = make_schedule(schedules[q]);
        gaussian_score g = {.nan_row = -1};
        const basin_model model = make_model(&g, &sch.table);
        for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
            if (pairs[p].edm_only && q != 0)
                continue;
            const double eta = pairs[p].eta;
            sampler s1 = make_sampler(pairs[p].first, STEPS, 1, eta);
            sampler s2 = make_sampler(pairs[p].second, STEPS, 1, 0);
            if (s1.iface == NULL || s2.iface == NULL) {
                free_sampler(&s1);
                free_sampler(&s2);
                continue;
            }
            float *x1 = pure_noise(&sch.table, N, 0), *x2 = pure_noise(&sch.table, N, 0);
            basin_outcome outcome[N];
            mock m = {0};
            int rc = run(&s1, &m, &model, x1, N, 0, outcome);
            rc |= run(&s2, &m, &model, x2, N, 0, outcome);
            double worst = 0;
            for (int e = 0; e < N * DIM; e++) {
                const double err = fabs(x1[e] - x2[e]) / (fabs(x2[e]) + 1e-2);
                worst = err > worst ? err : worst;
            }
            EXPECT_MSG(rc == BASIN_OK, "%s, %s on %s: status %d, %s", pairs[p].first,
                       pairs[p].second, schedules[q], rc, fake_last_error);
            EXPECT_MSG(worst < 1e-5, "%s (eta %g) = %s on %s: worst relative error %.2g",
                       pairs[p].first, eta, pairs[p].second, schedules[q], worst);
            free(x1);
            free(x2);
            free_sampler(&s1);
            free_sampler(&s2);
        }
    }
}

/* Sampler id's status rc in situation `what` is want, and its message has `part`
   (unless NULL). */
static void status_is(const char *id, const char *what, int rc, int want,
                      const char *part)
{
    EXPECT_MSG(rc == want, "%s %s: status %d, want %d (%s)", id, what, rc, want,
               fake_last_error);
    if (part)
        EXPECT_MSG(strstr(fake_last_error, part) != NULL,
                   "%s %s: the message \"%s\" lacks \"%s\"", id, what, fake_last_error,
                   part);
}

/* Every error path: a one-line message and the right code. */
TEST_IMPL(diffusion_errors)
{
    ASSERT(setup());
    enum { N = 8 };
    schedule sch = make_schedule("ou");
    gaussian_score g = {.nan_row = -1};
    basin_outcome outcome[N];
    for (size_t p = 0; p < N_SAMPLERS; p++) {
        const char *id = sampler_ids[p];
        sampler smp = make_sampler(id, 10, 1, 0.5);
        if (smp.iface == NULL)
            continue;
        float *x = pure_noise(&sch.table, N, 0);
        mock m = {0};

        basin_model no_score = make_model(&g, &sch.table);
        no_score.score = NULL;
        int rc = run(&smp, &m, &no_score, x, N, 0, outcome);
        status_is(id, "without a score model", rc, BASIN_EUNSUPPORTED,
                  "needs a score model and a [schedule]");
        basin_model no_schedule = make_model(&g, NULL);
        rc = run(&smp, &m, &no_schedule, x, N, 0, outcome);
        status_is(id, "without a schedule", rc, BASIN_EUNSUPPORTED,
                  "needs a score model and a [schedule]");

        const basin_model model = make_model(&g, &sch.table);
        m.fake.cancel = 1;
        rc = run(&smp, &m, &model, x, N, 0, outcome);
        status_is(id, "cancelled", rc, BASIN_ECANCELED, NULL);
        EXPECT_MSG(m.n_observed == 0, "%s cancelled: %llu steps observed", id,
                   (unsigned long long)m.n_observed);
        m.fake.cancel = 0;
        m.stop_after = 3;
        rc = run(&smp, &m, &model, x, N, 0, outcome);
        status_is(id, "stopped by observe at step 3", rc, BASIN_ECANCELED, NULL);
        EXPECT_MSG(
            m.n_observed == 3 && outcome[0].steps == 3,
            "%s stopped by observe at step 3: %llu steps observed, outcome %u steps", id,
            (unsigned long long)m.n_observed, outcome[0].steps);
        m.stop_after = 0;

        gaussian_score bad = {.nan_row = 5};
        const basin_model nan_model = make_model(&bad, &sch.table);
        free(x);
        x = pure_noise(&sch.table, N, 0);
        rc = run(&smp, &m, &nan_model, x, N, 40, outcome);
        status_is(id, "denoiser NaN on row 5", rc, BASIN_ENUMERIC, "sample 45 ");
        EXPECT_MSG(outcome[5].converged == 0 && outcome[4].converged == 1,
                   "%s, denoiser NaN on row 5: rows 4, 5 converged %u %u (want 1 0)", id,
                   outcome[4].converged, outcome[5].converged);

        free(x);
        x = pure_noise(&sch.table, N, 0);
        x[3 * DIM + 1] = INFINITY;
        rc = run(&smp, &m, &model, x, N, 100, outcome);
        status_is(id, "infinite start state", rc, BASIN_EINVAL, "sample 103 ");

        basin_schedule late = sch.table;
        late.t_start = late.t_max * 2;
        const basin_model late_model = make_model(&g, &late);
        rc = run(&smp, &m, &late_model, x, N, 0, outcome);
        status_is(id, "t_start beyond t_max", rc, BASIN_EINVAL, "t_start");
        EXPECT_MSG(strchr(fake_last_error, '\n') == NULL,
                   "%s: a message of two lines: %s", id, fake_last_error);

        rc = run(&smp, &m, &model, x, 0, 0, outcome);
        status_is(id, "with n = 0", rc, BASIN_OK, NULL);
        free(x);
        free_sampler(&smp);
    }

    /* create: steps out of range (the host's table check is the first guard). */
    const basin_descriptor *d = find("samplers/ddim");
    EXPECT_NOT_NULL(d);
    if (d != NULL) {
        basin_value values[3] = {{0, ""}, {1, ""}, {0, ""}};
        mock m = {0};
        basin_host h = make_host(&m, 0, 0);
        void *self = (void *)&m;
        const basin_sampler_iface *iface = d->iface;
        int rc = iface->create(&h, values, &self);
        /* ddim steps = 0. */
        EXPECT_EQ(rc, BASIN_EINVAL);
        EXPECT_NULL(self);
        EXPECT_STR_CONTAINS(fake_last_error, "steps");
        values[0].number = 10;
        values[2].number = 1.5;
        rc = iface->create(&h, values, &self);
        /* ddim eta = 1.5. */
        EXPECT_EQ(rc, BASIN_EINVAL);
        EXPECT_STR_CONTAINS(fake_last_error, "eta");
    }
}

/* The library: nine sampler descriptors, parameter defaults inside their ranges. */
TEST_IMPL(diffusion_library)
{
    ASSERT(setup());
    EXPECT_EQ(library->abi_major, BASIN_ABI_MAJOR);
    EXPECT_LE(library->abi_minor, BASIN_ABI_MINOR);
    EXPECT_EQ(library->struct_size, sizeof(basin_library));
    for (size_t p = 0; p < N_SAMPLERS; p++) {
        const basin_descriptor *d = find(sampler_ids[p]);
        int ok = d != NULL && strcmp(d->interface, BASIN_IFACE_SAMPLER) == 0 &&
                 d->struct_size == sizeof(basin_descriptor);
        for (const basin_param_def *q = ok ? d->params : NULL; q && q->name; q++)
            ok &= q->default_number >= q->min && q->default_number <= q->max &&
                  q->doc != NULL;
        EXPECT_MSG(ok, "%s: descriptor and parameter table", sampler_ids[p]);
    }
}

TEST_LIST_BEGIN
TEST_ENTRY(diffusion_library)
TEST_ENTRY(diffusion_laws_ddpm)
TEST_ENTRY(diffusion_laws_ddim)
TEST_ENTRY(diffusion_laws_euler)
TEST_ENTRY(diffusion_laws_heun)
TEST_ENTRY(diffusion_laws_euler_maruyama)
TEST_ENTRY(diffusion_laws_euler_ancestral)
TEST_ENTRY(diffusion_laws_dpm_2)
TEST_ENTRY(diffusion_laws_dpmpp_2m)
TEST_ENTRY(diffusion_laws_dpmpp_2m_sde)
TEST_ENTRY(diffusion_determinism)
TEST_ENTRY(diffusion_observe_and_clone)
TEST_ENTRY(diffusion_single_steps)
TEST_ENTRY(diffusion_equivalences)
TEST_ENTRY(diffusion_errors)
TEST_ENTRY(diffusion_measure)
TEST_LIST_END
