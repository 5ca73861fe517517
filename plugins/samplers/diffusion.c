/*
 * samplers/{ddpm,ddim,euler,heun,euler-maruyama,euler-ancestral,dpm-2,dpmpp-2m,
 * dpmpp-2m-sde} — the reverse-time samplers of a diffusion (score) model, on any of
 * the host's noise schedules x_t = α(t) x0 + σ(t) ε. One library, one step loop; the
 * nine plugins differ in the
 * update from grid time t_i to t_j = t_{i+1} < t_i, each written with the model's
 * denoiser D = x̂0(x_i; α_i, σ_i):
 *
 *   ddpm            ancestral sampling from the Gaussian posterior q(x_j | x_i, x0 = D)
 *                   (Ho et al. 2020, Eqs. 6–7, for any α, σ): with a = α_i/α_j and
 *                   s² = σ_i² − a² σ_j² (the noise added from t_j to t_i),
 *                     x_j = (α_j s²/σ_i²) D + (a σ_j²/σ_i²) x_i + (σ_j s/σ_i) z.
 *   ddim            Song et al. 2021, Eq. 12 in α, σ form: ε̂ = (x_i − α_i D)/σ_i,
 *                   c = η σ_j s/σ_i,  x_j = α_j D + √(σ_j² − c²) ε̂ + c z.
 *                   η = 0 is deterministic; η = 1 is ddpm.
 *   euler, heun     the probability-flow ODE (Song et al. 2021b; Karras et al. 2022,
 *                   Eq. 4 with s(t) = α, σ(t)/s(t) = σ/α):
 *                     dx/dt = (α'/α) x + (σ'/σ − α'/α)(x − α D(x; α, σ)),
 *                   for α = 1 Karras's dx/dσ = (x − D)/σ. euler takes one explicit
 *                   step; heun adds the trapezoidal correction of Karras et al. 2022,
 *                   Algorithm 1 (two denoiser calls per step; t_j > 0 always).
 *   euler-maruyama  the reverse SDE (Anderson 1982; Song et al. 2021b, Eq. 6) of the
 *                   forward dx = f x dt + g dW with f = α'/α, g² = 2σσ' − 2 f σ², and
 *                   score s = (α D − x)/σ²; with h = t_i − t_j,
 *                     x_j = x_i − h (f x_i − g² s) + g √h z,
 *                   for ou x + h (x + 2 s) + √(2h) z (Biroli et al. 2024).
 *
 * The last four are k-diffusion's samplers (Crowson's sampling.py, written for
 * x = x0 + λ ε), here in the scaled state y = x/α with λ = σ/α, where every schedule
 * is that one (Karras et al. 2022, Eq. 4): y_i = x_i/α_i, the update in y and λ,
 * then x_j = α_j y_j. With h = log(λ_i/λ_j) > 0:
 *   euler-ancestral k-diffusion's sample_euler_ancestral: λ_up = min(λ_j,
 *                   η λ_j √(λ_i² − λ_j²)/λ_i), λ_down = √(λ_j² − λ_up²),
 *                     y_j = y_i + (λ_down − λ_i)(y_i − D)/λ_i + λ_up z;
 *                   η = 0 is euler in λ.
 *   dpm-2           k-diffusion's sample_dpm_2 (Karras et al. 2022, Alg. 2 with
 *                   DPM-Solver-2's midpoint, Lu et al. 2022, arXiv:2206.00927):
 *                   λ_m = √(λ_i λ_j), ỹ = y_i + (λ_m − λ_i)(y_i − D)/λ_i,
 *                   y_j = y_i + (λ_j − λ_i)(ỹ − D(ỹ; λ_m))/λ_m; t_m, the time whose
 *                   λ is λ_m, by bisection (two denoiser calls per step).
 *   dpmpp-2m        DPM-Solver++(2M), Lu et al. 2022, arXiv:2211.01095, Alg. 2:
 *                     x_j = (σ_j/σ_i) x_i + α_j (1 − e^{−h}) D̃,
 *                   D̃ = (1 + 1/(2r)) D_i − D_{i−1}/(2r), r = h_{i−1}/h_i; D̃ = D_i on
 *                   the first step of a run.
 *   dpmpp-2m-sde    k-diffusion's sample_dpmpp_2m_sde (midpoint), η ∈ [0, 1]:
 *                     x_j = (σ_j/σ_i) e^{−ηh} x_i + α_j (1 − e^{−(1+η)h}) D_i
 *                           + α_j (1 − e^{−(1+η)h}) (D_i − D_{i−1})/(2r)
 *                           + σ_j √(1 − e^{−2ηh}) z,
 *                   the correction left out on the first step; η = 0 is dpmpp-2m.
 * The multistep pair keeps D_{i−1} and h_{i−1} of the run itself: a run started
 * at t_start inside the grid (a clone) takes a first-order first step, so a clone
 * does not end on the bytes of the run it was cloned from (it does for the others).
 *
 * A run starts at the first grid index i0 with times[i0] ≤ schedule->t_start (the
 * states given are x at that time: t_start < t_max for cloned trajectories) and
 * walks the grid of `steps` steps down to t_min. With denoise_last (the default) it
 * ends with x ← D(x; α(t_min), σ(t_min)), reported as a final step with time 0,
 * α = 1, σ = 0, so the measures see the model's output and not leftover noise
 * (docs/design.md, Final denoising step). outcome.steps counts the reported steps (grid
 * steps run, plus the final denoise); converged is 1 when every state stayed finite.
 *
 * Random numbers (host, role SAMPLER): the noise z of grid step i (from t_i to
 * t_{i+1}) for sample k is random_normal(index = k, step = i + 1, dim numbers), so a
 * trajectory depends neither on its batch nor on where a run started. Arithmetic is
 * double per element, states are stored as float.
 *
 * Error messages leave out the plugin id: the host puts it in front.
 */
#include <basin/plugin.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum method {
    DDPM,
    DDIM,
    EULER,
    HEUN,
    EULER_MARUYAMA,
    EULER_ANCESTRAL,
    DPM_2,
    DPMPP_2M,
    DPMPP_2M_SDE
} method;

/* Every method's parameters (steps, denoise_last), then the eta of ddim,
   euler-ancestral and dpmpp-2m-sde. */
enum { P_STEPS, P_DENOISE_LAST, N_COMMON_PARAMS, P_ETA = N_COMMON_PARAMS, N_DDIM_PARAMS };

#define STEPS_MAX 1000000

#define STEPS_DOC   "grid steps from t_start to t_min (the schedule's discretization)"
#define DENOISE_DOC "end with x = D(x; t_min), the model's noise-free output"

static const basin_param_def ddpm_params[N_COMMON_PARAMS + 1] = {
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 1000, NULL, 1, STEPS_MAX, NULL, 0, STEPS_DOC},
    [P_DENOISE_LAST] = {"denoise_last", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
                        DENOISE_DOC},
    [N_COMMON_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const basin_param_def ddim_params[N_DDIM_PARAMS + 1] = {
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 50, NULL, 1, STEPS_MAX, NULL, 0, STEPS_DOC},
    [P_DENOISE_LAST] = {"denoise_last", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
                        DENOISE_DOC},
    [P_ETA] = {"eta", BASIN_PARAM_REAL, 0, NULL, 0, 1, NULL, 0,
               "noise fraction of each step: 0 deterministic DDIM, 1 ancestral (DDPM)"},
    [N_DDIM_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const basin_param_def euler_params[N_COMMON_PARAMS + 1] = {
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 100, NULL, 1, STEPS_MAX, NULL, 0, STEPS_DOC},
    [P_DENOISE_LAST] = {"denoise_last", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
                        DENOISE_DOC},
    [N_COMMON_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const basin_param_def heun_params[N_COMMON_PARAMS + 1] = {
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 50, NULL, 1, STEPS_MAX, NULL, 0, STEPS_DOC},
    [P_DENOISE_LAST] = {"denoise_last", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
                        DENOISE_DOC},
    [N_COMMON_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const basin_param_def euler_maruyama_params[N_COMMON_PARAMS + 1] = {
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 1000, NULL, 1, STEPS_MAX, NULL, 0, STEPS_DOC},
    [P_DENOISE_LAST] = {"denoise_last", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
                        DENOISE_DOC},
    [N_COMMON_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const basin_param_def euler_ancestral_params[N_DDIM_PARAMS + 1] = {
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 100, NULL, 1, STEPS_MAX, NULL, 0, STEPS_DOC},
    [P_DENOISE_LAST] = {"denoise_last", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
                        DENOISE_DOC},
    [P_ETA] = {"eta", BASIN_PARAM_REAL, 1, NULL, 0, 1, NULL, 0,
               "noise fraction of each step: 1 ancestral (k-diffusion's default), 0 "
               "deterministic Euler in sigma/alpha"},
    [N_DDIM_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const basin_param_def dpm_2_params[N_COMMON_PARAMS + 1] = {
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 50, NULL, 1, STEPS_MAX, NULL, 0, STEPS_DOC},
    [P_DENOISE_LAST] = {"denoise_last", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
                        DENOISE_DOC},
    [N_COMMON_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const basin_param_def dpmpp_2m_params[N_COMMON_PARAMS + 1] = {
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 50, NULL, 1, STEPS_MAX, NULL, 0, STEPS_DOC},
    [P_DENOISE_LAST] = {"denoise_last", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
                        DENOISE_DOC},
    [N_COMMON_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const basin_param_def dpmpp_2m_sde_params[N_DDIM_PARAMS + 1] = {
    [P_STEPS] = {"steps", BASIN_PARAM_INT, 100, NULL, 1, STEPS_MAX, NULL, 0, STEPS_DOC},
    [P_DENOISE_LAST] = {"denoise_last", BASIN_PARAM_BOOL, 1, NULL, 0, 1, NULL, 0,
                        DENOISE_DOC},
    [P_ETA] = {"eta", BASIN_PARAM_REAL, 1, NULL, 0, 1, NULL, 0,
               "noise fraction of each step: 1 k-diffusion's default, 0 the "
               "deterministic DPM-Solver++(2M)"},
    [N_DDIM_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

/* An instance: immutable after create, so run is thread-safe. */
typedef struct diffusion_sampler {
    method method;
    uint32_t steps;
    int denoise_last;
    double eta; /* ddim, euler-ancestral, dpmpp-2m-sde */
} diffusion_sampler;

/* The methods with an eta parameter. */
static int has_eta(method m)
{
    return m == DDIM || m == EULER_ANCESTRAL || m == DPMPP_2M_SDE;
}

/* The methods that call the denoiser twice per step (two more n × dim buffers). */
static int two_stage(method m)
{
    return m == HEUN || m == DPM_2;
}

/* The multistep methods (one more n × dim buffer: the previous step's D). */
static int multistep(method m)
{
    return m == DPMPP_2M || m == DPMPP_2M_SDE;
}

/* A multistep run's history: the previous step's h = log(λ_i/λ_j) (0: none yet;
   its D is in run_ctx.previous). */
typedef struct history {
    double h;
} history;

/* α, σ and their t-derivatives at one time. */
typedef struct noise_level {
    double t, alpha, sigma, dalpha, dsigma;
} noise_level;

/* What the step loop shares: the call's arguments and scratch. */
typedef struct run_ctx {
    const diffusion_sampler *sampler;
    const basin_host *host;
    const basin_model *model;
    uint32_t dim;
    uint64_t n, first_index;
    float *x;         /* n × dim, the states (the caller's) */
    float *denoised;  /* n × dim, D(x) */
    float *predicted; /* heun, dpm-2: n × dim, the predictor x̃ */
    float *denoised2; /* heun, dpm-2: n × dim, D(x̃) */
    float *previous;  /* dpmpp-2m(-sde): n × dim, the previous step's D */
    history *history; /* dpmpp-2m(-sde) */
    float *z;         /* dim normals */
    void *stream;     /* the score's stream for this batch (ABI 1.4), or NULL */
} run_ctx;

static void diffusion_destroy(void *self)
{
    free(self);
}

/* An instance of method m from params (steps, denoise_last[, eta]). */
static int create_method(method m, const basin_host *host, const basin_value *params,
                         void **self)
{
    *self = NULL;
    const double steps = params[P_STEPS].number;
    const double eta = has_eta(m) ? params[P_ETA].number : 0;
    if (!(steps >= 1 && steps <= STEPS_MAX && steps == floor(steps))) {
        host->error(host, "steps = %g is not an integer in [1, %d]", steps, STEPS_MAX);
        return BASIN_EINVAL;
    }
    if (!(eta >= 0 && eta <= 1)) {
        host->error(host, "eta = %g is not in [0, 1]", eta);
        return BASIN_EINVAL;
    }
    diffusion_sampler *s = malloc(sizeof *s);
    if (s == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    s->method = m;
    s->steps = (uint32_t)steps;
    s->denoise_last = params[P_DENOISE_LAST].number != 0;
    s->eta = eta;
    *self = s;
    return BASIN_OK;
}

static int ddpm_create(const basin_host *host, const basin_value *params, void **self)
{
    return create_method(DDPM, host, params, self);
}

static int ddim_create(const basin_host *host, const basin_value *params, void **self)
{
    return create_method(DDIM, host, params, self);
}

static int euler_create(const basin_host *host, const basin_value *params, void **self)
{
    return create_method(EULER, host, params, self);
}

static int heun_create(const basin_host *host, const basin_value *params, void **self)
{
    return create_method(HEUN, host, params, self);
}

static int euler_maruyama_create(const basin_host *host, const basin_value *params,
                                 void **self)
{
    return create_method(EULER_MARUYAMA, host, params, self);
}

static int euler_ancestral_create(const basin_host *host, const basin_value *params,
                                  void **self)
{
    return create_method(EULER_ANCESTRAL, host, params, self);
}

static int dpm_2_create(const basin_host *host, const basin_value *params, void **self)
{
    return create_method(DPM_2, host, params, self);
}

static int dpmpp_2m_create(const basin_host *host, const basin_value *params, void **self)
{
    return create_method(DPMPP_2M, host, params, self);
}

static int dpmpp_2m_sde_create(const basin_host *host, const basin_value *params,
                               void **self)
{
    return create_method(DPMPP_2M_SDE, host, params, self);
}

static noise_level level_at(const basin_schedule *schedule, double t)
{
    noise_level l = {.t = t};
    schedule->at(schedule, t, &l.alpha, &l.sigma, &l.dalpha, &l.dsigma);
    return l;
}

/* The probability-flow drift dx/dt = k_x x + k_d (x − α D) of one element. */
static inline double flow(const noise_level *l, double x, double d)
{
    const double k_x = l->dalpha / l->alpha;
    const double k_d = l->dsigma / l->sigma - k_x;
    return k_x * x + k_d * (x - l->alpha * d);
}

/* z ← the dim normals of step `step` of sample `index`. */
static void draw_noise(const run_ctx *c, uint64_t index, uint64_t step)
{
    c->host->random_normal(c->host, BASIN_ROLE_SAMPLER, index, step, c->z, c->dim);
}

/*
 * x_j = c_d D + c_x x + c_z z on every row, z drawn for grid step `step` when
 * c_z ≠ 0: the update of ddpm, ddim and euler-maruyama, all affine in D, x and z.
 */
static void affine_update(const run_ctx *c, double c_d, double c_x, double c_z,
                          uint64_t step)
{
    const size_t dim = c->dim;
    for (uint64_t r = 0; r < c->n; r++) {
        float *x = c->x + r * dim;
        const float *d = c->denoised + r * dim;
        if (c_z != 0) {
            draw_noise(c, c->first_index + r, step);
            for (size_t k = 0; k < dim; k++)
                x[k] = (float)(c_d * d[k] + c_x * x[k] + c_z * c->z[k]);
        } else {
            for (size_t k = 0; k < dim; k++)
                x[k] = (float)(c_d * d[k] + c_x * x[k]);
        }
    }
}

/*
 * x_j = c_d D + c_p D_prev + c_x x + c_z z on every row (D_prev: c->previous, read
 * only when c_p ≠ 0), z drawn for grid step `step` when c_z ≠ 0: the update of the
 * multistep dpmpp-2m and dpmpp-2m-sde.
 */
static void multistep_update(const run_ctx *c, double c_d, double c_p, double c_x,
                             double c_z, uint64_t step)
{
    const size_t dim = c->dim;
    for (uint64_t r = 0; r < c->n; r++) {
        float *x = c->x + r * dim;
        const float *d = c->denoised + r * dim;
        const float *p = c->previous + r * dim;
        if (c_z != 0)
            draw_noise(c, c->first_index + r, step);
        for (size_t k = 0; k < dim; k++) {
            double v = c_d * d[k] + c_x * x[k];
            if (c_p != 0)
                v += c_p * p[k];
            if (c_z != 0)
                v += c_z * c->z[k];
            x[k] = (float)v;
        }
    }
}

/* The level between li and lj (t_j < t_i) whose λ = σ/α is lambda: bisection on
   t, where λ increases (every schedule of schedule.h). [thread-safe] */
static noise_level level_of_ratio(const basin_schedule *schedule, const noise_level *li,
                                  const noise_level *lj, double lambda)
{
    double lo = lj->t, hi = li->t;
    for (int k = 0; k < 200; k++) {
        const double mid = 0.5 * (lo + hi);
        if (!(mid > lo && mid < hi))
            break;
        double a, s;
        schedule->at(schedule, mid, &a, &s, NULL, NULL);
        if (s / a < lambda)
            lo = mid;
        else
            hi = mid;
    }
    return level_at(schedule, 0.5 * (lo + hi));
}

/* The first row of x (n × dim) with a non-finite entry, or n. */
static uint64_t first_nonfinite(const float *x, uint64_t n, uint32_t dim)
{
    for (uint64_t r = 0; r < n; r++)
        for (uint32_t k = 0; k < dim; k++)
            if (!isfinite(x[r * dim + k]))
                return r;
    return n;
}

static int denoise(const run_ctx *c, const float *x, double alpha, double sigma,
                   float *out)
{
    const basin_model *m = c->model;
    if (c->stream != NULL)
        return m->score->denoise_stream(m->score_self, c->stream, c->host, x, c->n, alpha,
                                        sigma, out);
    return m->score->denoise(m->score_self, c->host, x, c->n, alpha, sigma, out);
}

/* The score's streams (ABI 1.4), when it has them: every denoise call of a run
   passes the batch's n rows in order, so row r is one trajectory throughout. */
static int has_streams(const basin_score_iface *score)
{
    return score->struct_size >=
               offsetof(basin_score_iface, stream_close) + sizeof score->stream_close &&
           score->stream_open != NULL && score->denoise_stream != NULL &&
           score->stream_close != NULL;
}

/*
 * One grid step from level i to level j (grid index `index`, so noise step
 * index + 1): D ← D(x; α_i, σ_i), then the method's update of x in place.
 */
static int take_step(const run_ctx *c, const noise_level *li, const noise_level *lj,
                     uint32_t index)
{
    int rc = denoise(c, c->x, li->alpha, li->sigma, c->denoised);
    if (rc != BASIN_OK)
        return rc;
    const uint64_t noise_step = (uint64_t)index + 1;
    const double ai = li->alpha, si = li->sigma, aj = lj->alpha, sj = lj->sigma;
    const double a = ai / aj;
    double s2 = si * si - a * a * sj * sj; /* noise added from t_j to t_i */
    if (s2 < 0)
        s2 = 0;
    const double s = sqrt(s2);

    switch (c->sampler->method) {
    case DDPM:
        affine_update(c, aj * s2 / (si * si), a * sj * sj / (si * si), sj * s / si,
                      noise_step);
        break;
    case DDIM: {
        const double cz = c->sampler->eta * sj * s / si;
        double rest2 = sj * sj - cz * cz;
        const double rest = rest2 > 0 ? sqrt(rest2) : 0;
        /* α_j D + rest (x − α_i D)/σ_i + c z */
        affine_update(c, aj - rest * ai / si, rest / si, cz, noise_step);
        break;
    }
    case EULER_MARUYAMA: {
        const double h = li->t - lj->t;
        const double f = li->dalpha / ai;
        double g2 = 2 * si * li->dsigma - 2 * f * si * si;
        if (g2 < 0)
            g2 = 0;
        /* x − h (f x − g² (α D − x)/σ²) + g √h z */
        affine_update(c, h * g2 * ai / (si * si), 1 - h * f - h * g2 / (si * si),
                      sqrt(g2 * h), noise_step);
        break;
    }
    case EULER: {
        const double dt = lj->t - li->t;
        const size_t total = (size_t)c->n * c->dim;
        for (size_t e = 0; e < total; e++)
            c->x[e] = (float)(c->x[e] + dt * flow(li, c->x[e], c->denoised[e]));
        break;
    }
    case EULER_ANCESTRAL: {
        /* in y = x/α, λ = σ/α (top of the file) */
        const double li_ = si / ai, lj_ = sj / aj;
        double up = c->sampler->eta * lj_ * sqrt(fmax(li_ * li_ - lj_ * lj_, 0)) / li_;
        if (up > lj_)
            up = lj_;
        const double down = sqrt(fmax(lj_ * lj_ - up * up, 0));
        const double ratio = down / li_;
        /* x_j = α_j (ratio y + (1 − ratio) D + λ_up z) */
        affine_update(c, aj * (1 - ratio), aj * ratio / ai, aj * up, noise_step);
        break;
    }
    case DPM_2: {
        const double li_ = si / ai, lj_ = sj / aj, lm = sqrt(li_ * lj_);
        const noise_level lm_level = level_of_ratio(c->model->schedule, li, lj, lm);
        const double am = lm_level.alpha, sm = lm_level.sigma;
        const size_t total = (size_t)c->n * c->dim;
        /* ỹ = y + (λ_m − λ_i)(y − D)/λ_i, stored as x̃ = α_m ỹ */
        for (size_t e = 0; e < total; e++) {
            const double y = c->x[e] / ai;
            c->predicted[e] = (float)(am * (y + (lm - li_) * (y - c->denoised[e]) / li_));
        }
        rc = denoise(c, c->predicted, am, sm, c->denoised2);
        if (rc != BASIN_OK)
            return rc;
        for (size_t e = 0; e < total; e++) {
            const double y = c->x[e] / ai, ym = c->predicted[e] / am;
            c->x[e] = (float)(aj * (y + (lj_ - li_) * (ym - c->denoised2[e]) / lm));
        }
        break;
    }
    case DPMPP_2M:
    case DPMPP_2M_SDE: {
        const double eta = c->sampler->method == DPMPP_2M_SDE ? c->sampler->eta : 0;
        const double h = log((si / ai) / (sj / aj));
        const double gain = -expm1(-(1 + eta) * h); /* 1 − e^{−(1+η)h} */
        double c_p = 0;
        if (c->history->h > 0)
            c_p = -aj * gain / (2 * (c->history->h / h)); /* −α_j gain/(2r) */
        const double c_z = eta > 0 ? sj * sqrt(-expm1(-2 * eta * h)) : 0;
        multistep_update(c, aj * gain - c_p, c_p, sj / si * exp(-eta * h), c_z,
                         noise_step);
        memcpy(c->previous, c->denoised, (size_t)c->n * c->dim * sizeof *c->previous);
        c->history->h = h;
        break;
    }
    case HEUN: {
        const double dt = lj->t - li->t;
        const size_t total = (size_t)c->n * c->dim;
        for (size_t e = 0; e < total; e++)
            c->predicted[e] = (float)(c->x[e] + dt * flow(li, c->x[e], c->denoised[e]));
        rc = denoise(c, c->predicted, aj, sj, c->denoised2);
        if (rc != BASIN_OK)
            return rc;
        for (size_t e = 0; e < total; e++) {
            const double f_i = flow(li, c->x[e], c->denoised[e]);
            const double f_j = flow(lj, c->predicted[e], c->denoised2[e]);
            c->x[e] = (float)(c->x[e] + 0.5 * dt * (f_i + f_j));
        }
        break;
    }
    }
    return BASIN_OK;
}

/* After reported step `count` (at time t): states finite, then the observers. */
static int after_step(const run_ctx *c, uint32_t count, double t, double alpha,
                      double sigma)
{
    const uint64_t bad = first_nonfinite(c->x, c->n, c->dim);
    if (bad < c->n) {
        c->host->error(c->host, "sample %llu is not finite after step %u (t = %g)",
                       (unsigned long long)(c->first_index + bad), count, t);
        return BASIN_ENUMERIC;
    }
    if (c->host->observe != NULL) {
        const basin_step step = {
            .struct_size = sizeof(basin_step),
            .step = count,
            .time = t,
            .alpha = alpha,
            .sigma = sigma,
            .states = c->x,
            .n = c->n,
            .first_index = c->first_index,
        };
        if (c->host->observe(c->host, &step) != 0) {
            c->host->error(c->host, "stopped by an observer at step %u", count);
            return BASIN_ECANCELED;
        }
    }
    return BASIN_OK;
}

/* BASIN_EUNSUPPORTED unless the model is a score model with a schedule. */
static int check_model(const basin_host *host, const basin_model *model)
{
    const basin_schedule *schedule = model->schedule;
    if (model->score == NULL || schedule == NULL) {
        host->error(host, "needs a score model and a [schedule]");
        return BASIN_EUNSUPPORTED;
    }
    if (model->score->denoise == NULL || schedule->struct_size < sizeof(basin_schedule) ||
        schedule->at == NULL || schedule->grid == NULL) {
        host->error(host, "the score model lacks denoise or the schedule lacks at/grid");
        return BASIN_EUNSUPPORTED;
    }
    if (model->dim == 0) {
        host->error(host, "the model has dimension 0");
        return BASIN_EINVAL;
    }
    if (!(schedule->t_min <= schedule->t_start && schedule->t_start <= schedule->t_max)) {
        host->error(host, "schedule t_start = %g is outside [t_min, t_max] = [%g, %g]",
                    schedule->t_start, schedule->t_min, schedule->t_max);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* The run of ctx c: the grid from the first time ≤ t_start, then the final
   denoise. *count gets the steps reported. */
static int run_steps(const run_ctx *c, const double *times, uint32_t *count)
{
    const diffusion_sampler *s = c->sampler;
    const basin_schedule *schedule = c->model->schedule;
    uint32_t i0 = 0;
    while (i0 < s->steps && !(times[i0] <= schedule->t_start))
        i0++;
    noise_level li = level_at(schedule, times[i0]);
    for (uint32_t i = i0; i < s->steps; i++) {
        if (c->host->cancelled != NULL && c->host->cancelled(c->host)) {
            c->host->error(c->host, "cancelled at step %u", *count + 1);
            return BASIN_ECANCELED;
        }
        const noise_level lj = level_at(schedule, times[i + 1]);
        int rc = take_step(c, &li, &lj, i);
        if (rc != BASIN_OK)
            return rc;
        ++*count;
        rc = after_step(c, *count, lj.t, lj.alpha, lj.sigma);
        if (rc != BASIN_OK)
            return rc;
        li = lj;
    }
    if (!s->denoise_last)
        return BASIN_OK;
    if (c->host->cancelled != NULL && c->host->cancelled(c->host)) {
        c->host->error(c->host, "cancelled before the final denoising step");
        return BASIN_ECANCELED;
    }
    int rc = denoise(c, c->x, li.alpha, li.sigma, c->denoised);
    if (rc != BASIN_OK)
        return rc;
    memcpy(c->x, c->denoised, (size_t)c->n * c->dim * sizeof *c->x);
    ++*count;
    return after_step(c, *count, 0.0, 1.0, 0.0);
}

/*
 * Evolve n states (n × dim, in place; row r is sample first_index + r, x at time
 * schedule->t_start) to the end of the schedule (see the top of the file).
 * Returns BASIN_EUNSUPPORTED without a score model and a schedule, BASIN_EINVAL for
 * a non-finite input state or a t_start outside [t_min, t_max], BASIN_ENUMERIC when
 * a state becomes non-finite (naming the sample; its outcome then has
 * converged = 0), BASIN_ECANCELED, BASIN_ENOMEM, or the denoiser's error.
 * [thread-safe: all state is per call] [deterministic given rng: role SAMPLER]
 */
static int diffusion_run(void *self, const basin_host *host, const basin_model *model,
                         float *states, uint64_t n, uint64_t first_index,
                         basin_outcome *outcome)
{
    const diffusion_sampler *s = self;
    int rc = check_model(host, model);
    if (rc != BASIN_OK)
        return rc;
    if (n == 0)
        return BASIN_OK;
    if (states == NULL || outcome == NULL) {
        host->error(host, "states or outcome is NULL");
        return BASIN_EINVAL;
    }
    memset(outcome, 0, n * sizeof *outcome);
    const uint32_t dim = model->dim;
    const uint64_t bad = first_nonfinite(states, n, dim);
    if (bad < n) {
        host->error(host, "initial state of sample %llu is not finite",
                    (unsigned long long)(first_index + bad));
        return BASIN_EINVAL;
    }
    const int heun = two_stage(s->method), multi = multistep(s->method);
    if (n > SIZE_MAX / sizeof(float) / 4 / dim) {
        host->error(host, "a batch of %llu states of dimension %u is too large",
                    (unsigned long long)n, dim);
        return BASIN_ENOMEM;
    }
    const size_t total = (size_t)n * dim;
    double *times = malloc(((size_t)s->steps + 1) * sizeof *times);
    const size_t n_buffers = heun ? 3 : multi ? 2 : 1;
    float *scratch = malloc((n_buffers * total + dim) * sizeof *scratch);
    if (times == NULL || scratch == NULL) {
        host->error(host, "cannot allocate scratch for %llu states of dimension %u",
                    (unsigned long long)n, dim);
        free(times);
        free(scratch);
        return BASIN_ENOMEM;
    }
    history past = {0};
    void *stream = NULL;
    if (has_streams(model->score)) {
        rc = model->score->stream_open(model->score_self, host, n, &stream);
        if (rc != BASIN_OK) {
            free(times);
            free(scratch);
            return rc;
        }
    }
    const run_ctx c = {
        .sampler = s,
        .host = host,
        .model = model,
        .dim = dim,
        .n = n,
        .first_index = first_index,
        .x = states,
        .denoised = scratch,
        .predicted = heun ? scratch + total : NULL,
        .denoised2 = heun ? scratch + 2 * total : NULL,
        .previous = multi ? scratch + total : NULL,
        .history = &past,
        .z = scratch + n_buffers * total,
        .stream = stream,
    };
    model->schedule->grid(model->schedule, s->steps, times);

    uint32_t count = 0;
    rc = run_steps(&c, times, &count);
    for (uint64_t r = 0; r < n; r++) {
        outcome[r].steps = count;
        outcome[r].converged =
            rc == BASIN_OK ||
            (rc == BASIN_ENUMERIC && first_nonfinite(states + r * dim, 1, dim) == 1);
    }
    if (stream != NULL)
        model->score->stream_close(model->score_self, stream);
    free(times);
    free(scratch);
    return rc;
}

#define SAMPLER_IFACE(name_, create_)                                                    \
    static const basin_sampler_iface name_ = {                                           \
        .struct_size = sizeof(basin_sampler_iface),                                      \
        .flags = 0,                                                                      \
        .create = create_,                                                               \
        .destroy = diffusion_destroy,                                                    \
        .run = diffusion_run,                                                            \
    }

SAMPLER_IFACE(ddpm_iface, ddpm_create);
SAMPLER_IFACE(ddim_iface, ddim_create);
SAMPLER_IFACE(euler_iface, euler_create);
SAMPLER_IFACE(heun_iface, heun_create);
SAMPLER_IFACE(euler_maruyama_iface, euler_maruyama_create);
SAMPLER_IFACE(euler_ancestral_iface, euler_ancestral_create);
SAMPLER_IFACE(dpm_2_iface, dpm_2_create);
SAMPLER_IFACE(dpmpp_2m_iface, dpmpp_2m_create);
SAMPLER_IFACE(dpmpp_2m_sde_iface, dpmpp_2m_sde_create);

static const basin_descriptor ddpm_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/ddpm",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "ancestral DDPM sampling from the Gaussian posterior, any schedule",
    .params = ddpm_params,
    .iface = &ddpm_iface,
};

static const basin_descriptor ddim_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/ddim",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "DDIM (Song et al. 2021): deterministic at eta = 0, DDPM at eta = 1",
    .params = ddim_params,
    .iface = &ddim_iface,
};

static const basin_descriptor euler_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/euler",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "Euler steps of the probability-flow ODE",
    .params = euler_params,
    .iface = &euler_iface,
};

static const basin_descriptor heun_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/heun",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "Heun steps of the probability-flow ODE (Karras et al. 2022, Alg. 1)",
    .params = heun_params,
    .iface = &heun_iface,
};

static const basin_descriptor euler_maruyama_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/euler-maruyama",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "Euler-Maruyama steps of the reverse-time SDE",
    .params = euler_maruyama_params,
    .iface = &euler_maruyama_iface,
};

static const basin_descriptor euler_ancestral_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/euler-ancestral",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "ancestral Euler steps (k-diffusion's euler_ancestral), any schedule",
    .params = euler_ancestral_params,
    .iface = &euler_ancestral_iface,
};

static const basin_descriptor dpm_2_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/dpm-2",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "DPM-Solver-2 midpoint steps (k-diffusion's dpm_2; Karras et al. 2022)",
    .params = dpm_2_params,
    .iface = &dpm_2_iface,
};

static const basin_descriptor dpmpp_2m_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/dpmpp-2m",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "DPM-Solver++(2M) (Lu et al. 2022, Alg. 2): second-order multistep ODE",
    .params = dpmpp_2m_params,
    .iface = &dpmpp_2m_iface,
};

static const basin_descriptor dpmpp_2m_sde_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/dpmpp-2m-sde",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "DPM-Solver++(2M) SDE (k-diffusion's dpmpp_2m_sde, midpoint)",
    .params = dpmpp_2m_sde_params,
    .iface = &dpmpp_2m_sde_iface,
};

static const basin_descriptor *const diffusion_plugins[] = {
    &ddpm_descriptor,           &ddim_descriptor,
    &euler_descriptor,          &heun_descriptor,
    &euler_maruyama_descriptor, &euler_ancestral_descriptor,
    &dpm_2_descriptor,          &dpmpp_2m_descriptor,
    &dpmpp_2m_sde_descriptor,   NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "diffusion-samplers",
    diffusion_plugins,
};
