/*
 * schedule — α(t), σ(t), their t-derivatives, grids and OU times of the four noise
 * schedules of schedule.h. Formulas are written so σ keeps its relative precision
 * where it is small (t → 0): σ² comes from expm1 or a product of sines, never from
 * 1 − α² computed in floating point.
 *
 * The table's ctx points to a static record (the kind and its grid), not to the
 * enclosing schedule, so a copy of the basin_schedule (the host makes one to set
 * t_start for a cloned trajectory) and a copy of the schedule itself keep working.
 * The records of the grids in use live in a small process-wide pool (one per
 * distinct kind, grid and ρ), filled under a lock and never freed.
 */
#include "process/schedule.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/suggest.h"
#include "registry/vocabulary.h"
#include "recipe/sections.h"

/* ddpm-linear, ddpm-scaled-linear: Ho et al. 2020, β per step from β0 to β1 over T
   steps (the defaults of beta_start and beta_end; diffusers' names). */
#define DDPM_T     1000.0
#define DDPM_BETA0 1e-4
#define DDPM_BETA1 0.02
/* cosine: Nichol & Dhariwal 2021, offset s. */
#define COSINE_S 0.008
/* The default grid: Karras et al. 2022's, with their ρ = 7. */
#define DEFAULT_GRID SCHEDULE_GRID_KARRAS
#define DEFAULT_RHO  7.0
#define RHO_MIN      1.0
#define RHO_MAX      1000.0
/* Distinct (kind, grid, ρ) records one process can hold. */
#define POOL_SIZE 256

static const double pi = 3.14159265358979323846;

/* What ctx points to: one record per kind, in schedule_kind order. */
typedef struct schedule_law {
    schedule_kind kind;
    const char *name;
    double t_min, t_max; /* the default range */
} schedule_law;

static const schedule_law laws[] = {
    {SCHEDULE_DDPM_LINEAR, "ddpm-linear", 1e-3, 1.0},
    {SCHEDULE_COSINE, "cosine", 1e-3, 0.99},
    {SCHEDULE_OU, "ou", 1e-3, 5.0},
    {SCHEDULE_EDM, "edm", 0.002, 80.0},
    {SCHEDULE_DDPM_SCALED_LINEAR, "ddpm-scaled-linear", 1e-3, 1.0},
};
#define N_LAWS (sizeof laws / sizeof laws[0])

static const char *const grid_names[] = {
    [SCHEDULE_GRID_UNIFORM] = "uniform",
    [SCHEDULE_GRID_LOG] = "log",
    [SCHEDULE_GRID_KARRAS] = "karras",
};
#define N_GRIDS (sizeof grid_names / sizeof grid_names[0])

/* What ctx points to: a kind's law and the grid of this schedule. */
typedef struct schedule_ctx {
    const schedule_law *law;
    schedule_grid grid;
    double rho;
    double beta0, beta1; /* the ddpm kinds' β range (the defaults for the others) */
} schedule_ctx;

static schedule_ctx pool[POOL_SIZE];
static size_t pool_used;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

/* The pool's record for (law, grid, rho), added if new; NULL when the pool is full. */
static const schedule_ctx *pool_record(const schedule_law *law, schedule_grid grid,
                                       double rho, double beta0, double beta1)
{
    const schedule_ctx *found = NULL;
    pthread_mutex_lock(&pool_lock);
    for (size_t k = 0; k < pool_used && found == NULL; k++)
        if (pool[k].law == law && pool[k].grid == grid && pool[k].rho == rho &&
            pool[k].beta0 == beta0 && pool[k].beta1 == beta1)
            found = &pool[k];
    if (found == NULL && pool_used < POOL_SIZE) {
        pool[pool_used] = (schedule_ctx){law, grid, rho, beta0, beta1};
        found = &pool[pool_used++];
    }
    pthread_mutex_unlock(&pool_lock);
    return found;
}

static const schedule_ctx *ctx_of(const basin_schedule *s)
{
    return s->ctx;
}

static schedule_kind kind_of(const basin_schedule *s)
{
    return ctx_of(s)->law->kind;
}

/*
 * −log ᾱ(t) ≥ 0 of the ddpm kinds, and B(t) = −d log ᾱ/dt in *rate:
 *   ddpm-linear         β(s) = β0 + s (β1 − β0):
 *                       L = T (β0 t + ½ (β1 − β0) t²),  B = T (β0 + (β1 − β0) t);
 *   ddpm-scaled-linear  √β(s) = b0 + s (b1 − b0), b = √β (diffusers' scaled_linear,
 *                       linear in √β): L = T (b0² t + b0 (b1 − b0) t² + ⅓ (b1 − b0)² t³),
 *                       B = T (b0 + (b1 − b0) t)².
 */
static double ddpm_neg_log_abar(const schedule_ctx *c, double t, double *rate)
{
    const double beta0 = c->beta0, beta1 = c->beta1;
    if (c->law->kind == SCHEDULE_DDPM_SCALED_LINEAR) {
        const double b0 = sqrt(beta0), db = sqrt(beta1) - b0, b = b0 + db * t;
        if (rate != NULL)
            *rate = DDPM_T * b * b;
        return DDPM_T * t * (b0 * b0 + t * (b0 * db + t * db * db / 3));
    }
    if (rate != NULL)
        *rate = DDPM_T * (beta0 + (beta1 - beta0) * t);
    return DDPM_T * (beta0 * t + 0.5 * (beta1 - beta0) * t * t);
}

/* cosine: the angle θ(t) = π/2 (t + s)/(1 + s); α = cos θ(t) / cos θ(0). */
static double cosine_theta(double t)
{
    return 0.5 * pi * (t + COSINE_S) / (1.0 + COSINE_S);
}

/*
 * α(t), σ(t) and, where the pointers are not NULL, dα/dt and dσ/dt:
 *   ddpm-linear  B(t) = T (β0 + (β1 − β0) t) = −d log ᾱ/dt;
 *                α = e^{−½ L}, σ² = −expm1(−L) with L = −log ᾱ;
 *                α' = −½ B α, σ' = B α² / (2σ).
 *   cosine       α = cos θ / cos θ0; σ² = 1 − α² = sin(θ + θ0) sin(θ − θ0) / cos² θ0
 *                (cos² a − cos² b = sin(b + a) sin(b − a), exact at small t);
 *                α' = −θ' sin θ / cos θ0, σ' = −α α' / σ, θ' = π / (2 (1 + s)).
 *   ou           α = e^{−t}, σ² = −expm1(−2t); α' = −α, σ' = α² / σ.
 *   edm          α = 1, σ = t; α' = 0, σ' = 1.
 * [thread-safe]
 */
static void schedule_at(const basin_schedule *s, double t, double *alpha, double *sigma,
                        double *dalpha_dt, double *dsigma_dt)
{
    double a = 1, sg = 0, da = 0, ds = 0;
    switch (kind_of(s)) {
    case SCHEDULE_DDPM_LINEAR:
    case SCHEDULE_DDPM_SCALED_LINEAR: {
        double B;
        const double L = ddpm_neg_log_abar(ctx_of(s), t, &B);
        a = exp(-0.5 * L);
        sg = sqrt(-expm1(-L));
        da = -0.5 * B * a;
        ds = B * a * a / (2 * sg);
        break;
    }
    case SCHEDULE_COSINE: {
        const double theta = cosine_theta(t), theta0 = cosine_theta(0);
        const double c0 = cos(theta0);
        const double dtheta = 0.5 * pi / (1.0 + COSINE_S);
        a = cos(theta) / c0;
        sg = sqrt(sin(theta + theta0) * sin(0.5 * pi * t / (1.0 + COSINE_S))) / c0;
        da = -dtheta * sin(theta) / c0;
        ds = -a * da / sg;
        break;
    }
    case SCHEDULE_OU:
        a = exp(-t);
        sg = sqrt(-expm1(-2 * t));
        da = -a;
        ds = a * a / sg;
        break;
    case SCHEDULE_EDM:
        a = 1;
        sg = t;
        da = 0;
        ds = 1;
        break;
    }
    if (alpha != NULL)
        *alpha = a;
    if (sigma != NULL)
        *sigma = sg;
    if (dalpha_dt != NULL)
        *dalpha_dt = da;
    if (dsigma_dt != NULL)
        *dsigma_dt = ds;
}

/* The noise-to-signal ratio λ = σ/α at time t (EDM's σ; λ = t for edm). */
static double ratio_at(const basin_schedule *s, double t)
{
    double alpha, sigma;
    schedule_at(s, t, &alpha, &sigma, NULL, NULL);
    return sigma / alpha;
}

/*
 * The time of s whose ratio σ/α is lambda, in closed form (α² = 1/(1 + λ²)):
 *   ou           t = ½ log1p(λ²)
 *   edm          t = λ
 *   ddpm-linear  T (β0 t + ½ (β1 − β0) t²) = L = log1p(λ²), the positive root
 *                t = 2L / (T β0 + √((T β0)² + 2 T (β1 − β0) L))
 *   cosine       cos θ = cos θ0 / √(1 + λ²), so tan θ = √(sin² θ0 + λ²) / cos θ0
 *                and t = θ · 2 (1 + s)/π − s.
 * Each keeps its relative precision as λ → 0, and λ² is never formed where it
 * could overflow (λ reaches 1/DBL_MIN where α(t_max) is tiny). [thread-safe]
 */
static double time_of_ratio(const basin_schedule *s, double lambda)
{
    /* ½ log1p(λ²), as log λ + ½ log1p(1/λ²) above 1 */
    const double half_log = lambda > 1 ? log(lambda) + 0.5 * log1p(1 / (lambda * lambda))
                                       : 0.5 * log1p(lambda * lambda);
    switch (kind_of(s)) {
    case SCHEDULE_OU:
        return half_log;
    case SCHEDULE_EDM:
        return lambda;
    case SCHEDULE_DDPM_LINEAR: {
        const schedule_ctx *c = ctx_of(s);
        const double L = 2 * half_log, a = DDPM_T * c->beta0;
        return 2 * L / (a + sqrt(a * a + 2 * DDPM_T * (c->beta1 - c->beta0) * L));
    }
    case SCHEDULE_DDPM_SCALED_LINEAR: {
        /* L(t) increases from 0: bisection on [0, hi], hi doubled until L(hi) ≥ L */
        const schedule_ctx *c = ctx_of(s);
        const double L = 2 * half_log;
        double lo = 0, hi = 1;
        while (ddpm_neg_log_abar(c, hi, NULL) < L && hi < 1e300)
            hi *= 2;
        for (int k = 0; k < 2200; k++) {
            const double mid = 0.5 * (lo + hi);
            if (!(mid > lo && mid < hi))
                break;
            if (ddpm_neg_log_abar(c, mid, NULL) < L)
                lo = mid;
            else
                hi = mid;
        }
        return 0.5 * (lo + hi);
    }
    case SCHEDULE_COSINE: {
        const double theta0 = cosine_theta(0);
        const double theta = atan2(hypot(sin(theta0), lambda), cos(theta0));
        return (theta - theta0) * 2 * (1.0 + COSINE_S) / pi;
    }
    }
    return NAN;
}

/*
 * n_steps + 1 decreasing times from t_max to t_min (both exact), spaced as the
 * schedule's grid says (schedule.h):
 *   uniform  t_i = t_max + i/n (t_min − t_max);
 *   log      log λ_i = log λ_max + i/n (log λ_min − log λ_max);
 *   karras   λ_i = (λ_max^{1/ρ} + i/n (λ_min^{1/ρ} − λ_max^{1/ρ}))^ρ (Karras et al.
 *            2022, Eq. 5);
 * with λ = σ/α and t_i the time whose ratio is λ_i (time_of_ratio). For edm
 * (λ = t) the karras grid is Eq. 5 in t itself. n_steps = 0 gives t_max alone.
 * [thread-safe]
 */
static void schedule_grid_times(const basin_schedule *s, uint32_t n_steps, double *times)
{
    const double t_min = s->t_min, t_max = s->t_max;
    const schedule_ctx *c = ctx_of(s);
    times[0] = t_max;
    if (n_steps == 0)
        return;
    const double l_max = ratio_at(s, t_max), l_min = ratio_at(s, t_min);
    switch (c->grid) {
    case SCHEDULE_GRID_UNIFORM:
        for (uint32_t i = 1; i < n_steps; i++)
            times[i] = t_max + (double)i / n_steps * (t_min - t_max);
        break;
    case SCHEDULE_GRID_LOG: {
        const double g_max = log(l_max), g_min = log(l_min);
        for (uint32_t i = 1; i < n_steps; i++)
            times[i] =
                time_of_ratio(s, exp(g_max + (double)i / n_steps * (g_min - g_max)));
        break;
    }
    case SCHEDULE_GRID_KARRAS: {
        const double rho = c->rho;
        const double r_max = pow(l_max, 1 / rho), r_min = pow(l_min, 1 / rho);
        for (uint32_t i = 1; i < n_steps; i++)
            times[i] =
                time_of_ratio(s, pow(r_max + (double)i / n_steps * (r_min - r_max), rho));
        break;
    }
    }
    times[n_steps] = t_min;
}

/*
 * t_OU = ½ log((α² + σ²)/α²) = ½ log1p(σ²/α²): exactly t for ou, −½ log ᾱ for
 * ddpm-linear (Biroli et al. 2024's transform_time), ½ log1p(σ²) for edm.
 */
double schedule_ou_time(const basin_schedule *s, double t)
{
    switch (kind_of(s)) {
    case SCHEDULE_OU:
        return t;
    case SCHEDULE_DDPM_LINEAR:
    case SCHEDULE_DDPM_SCALED_LINEAR:
        return 0.5 * ddpm_neg_log_abar(ctx_of(s), t, NULL);
    case SCHEDULE_EDM:
        return 0.5 * log1p(t * t);
    case SCHEDULE_COSINE:
        break;
    }
    double alpha, sigma;
    schedule_at(s, t, &alpha, &sigma, NULL, NULL);
    const double ratio = sigma / alpha;
    return 0.5 * log1p(ratio * ratio);
}

/* Bisection on [t_min, t_max], where ou_time increases; clamped at the ends. */
double schedule_from_ou_time(const basin_schedule *s, double t_ou)
{
    double lo = s->t_min, hi = s->t_max;
    if (!(t_ou > schedule_ou_time(s, lo)))
        return lo;
    if (!(t_ou < schedule_ou_time(s, hi)))
        return hi;
    for (int k = 0; k < 200; k++) {
        const double mid = 0.5 * (lo + hi);
        if (!(mid > lo && mid < hi))
            break;
        if (schedule_ou_time(s, mid) < t_ou)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Write a one-line message to err (if any); returns BASIN_EINVAL. */
static int fail(char *err, size_t n_err, const char *fmt, ...)
{
    if (err != NULL && n_err > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, n_err, fmt, ap);
        va_end(ap);
    }
    return BASIN_EINVAL;
}

/* The grid called name (NULL: the default), or -1 with a message in err. */
static int grid_of(const char *name, char *err, size_t n_err)
{
    if (name == NULL)
        return DEFAULT_GRID;
    for (size_t k = 0; k < N_GRIDS; k++)
        if (strcmp(name, grid_names[k]) == 0)
            return (int)k;
    if (err != NULL && n_err > 0) {
        const char *guess = suggest_closest(name, grid_names, N_GRIDS);
        char hint[256];
        if (vocabulary_hint(name, VOCABULARY_SCHEDULE, hint, sizeof hint))
            snprintf(err, n_err, "unknown schedule grid '%s'%s", name, hint);
        else if (guess != NULL)
            snprintf(err, n_err, "unknown schedule grid '%s' (did you mean '%s'?)", name,
                     guess);
        else
            snprintf(err, n_err, "unknown schedule grid '%s' (one of %s)", name,
                     SCHEDULE_GRIDS);
    }
    return -1;
}

int schedule_init(schedule *s, const char *name, double t_min, double t_max, char *err,
                  size_t n_err)
{
    return schedule_init_grid(s, name, t_min, t_max, NULL, -1, err, n_err);
}

int schedule_init_grid(schedule *s, const char *name, double t_min, double t_max,
                       const char *grid, double rho, char *err, size_t n_err)
{
    return schedule_init_betas(s, name, t_min, t_max, grid, rho, -1, -1, err, n_err);
}

int schedule_init_betas(schedule *s, const char *name, double t_min, double t_max,
                        const char *grid, double rho, double beta_start, double beta_end,
                        char *err, size_t n_err)
{
    memset(s, 0, sizeof *s);
    if (err != NULL && n_err > 0)
        err[0] = '\0';
    const schedule_law *law = NULL;
    const char *names[N_LAWS];
    for (size_t k = 0; k < N_LAWS; k++) {
        names[k] = laws[k].name;
        if (name != NULL && strcmp(name, laws[k].name) == 0)
            law = &laws[k];
    }
    if (law == NULL) {
        if (err != NULL && n_err > 0) {
            /* A name that starts one ("ddpm") suggests it before a closer edit
               ("edm"). */
            const char *guess = NULL;
            const size_t n_name = name != NULL ? strlen(name) : 0;
            for (size_t k = 0; k < N_LAWS && guess == NULL; k++)
                if (n_name >= 2 && strncmp(name, names[k], n_name) == 0)
                    guess = names[k];
            if (guess == NULL && name != NULL)
                guess = suggest_closest(name, names, N_LAWS);
            char hint[256];
            if (vocabulary_hint(name, VOCABULARY_SCHEDULE, hint, sizeof hint))
                snprintf(err, n_err, "unknown schedule '%s'%s", name, hint);
            else if (guess != NULL)
                snprintf(err, n_err, "unknown schedule '%s' (did you mean '%s'?)", name,
                         guess);
            else
                snprintf(err, n_err, "unknown schedule '%s' (one of %s)",
                         name != NULL ? name : "", SCHEDULE_NAMES);
        }
        return BASIN_EINVAL;
    }
    if (isnan(t_min) || isnan(t_max))
        return fail(err, n_err,
                    "schedule t_min = %g, t_max = %g: not a "
                    "number",
                    t_min, t_max);
    if (t_min < 0)
        t_min = law->t_min;
    if (t_max < 0)
        t_max = law->t_max;
    if (!(t_min > 0))
        return fail(err, n_err, "schedule t_min = %g must be > 0", t_min);
    if (!(t_min < t_max))
        return fail(err, n_err, "schedule t_min = %g must be below t_max = %g", t_min,
                    t_max);
    if (!isfinite(t_max))
        return fail(err, n_err, "schedule t_max = %g must be finite", t_max);
    if (law->kind == SCHEDULE_COSINE && !(t_max < 1))
        return fail(err, n_err, "cosine schedule t_max = %g must be below 1 (α(1) = 0)",
                    t_max);
    const int g = grid_of(grid, err, n_err);
    if (g < 0)
        return BASIN_EINVAL;
    if (isnan(rho))
        return fail(err, n_err, "schedule rho = %g: not a number", rho);
    if (rho < 0)
        rho = DEFAULT_RHO;
    if (!(rho >= RHO_MIN && rho <= RHO_MAX))
        return fail(err, n_err, "schedule rho = %g must be in [%g, %g]", rho, RHO_MIN,
                    RHO_MAX);
    const int ddpm =
        law->kind == SCHEDULE_DDPM_LINEAR || law->kind == SCHEDULE_DDPM_SCALED_LINEAR;
    if (isnan(beta_start) || isnan(beta_end))
        return fail(err, n_err, "schedule beta_start = %g, beta_end = %g: not a number",
                    beta_start, beta_end);
    if (!ddpm && (beta_start >= 0 || beta_end >= 0))
        return fail(err, n_err,
                    "schedule beta_start and beta_end apply to ddpm-linear and "
                    "ddpm-scaled-linear, not %s",
                    law->name);
    if (beta_start < 0)
        beta_start = DDPM_BETA0;
    if (beta_end < 0)
        beta_end = DDPM_BETA1;
    if (!(beta_start > 0 && beta_start < beta_end && beta_end < 1))
        return fail(err, n_err,
                    "schedule beta_start = %g, beta_end = %g: need 0 < beta_start < "
                    "beta_end < 1",
                    beta_start, beta_end);
    const schedule_ctx *ctx =
        pool_record(law, (schedule_grid)g, rho, beta_start, beta_end);
    if (ctx == NULL)
        return fail(err, n_err,
                    "more than %d distinct schedule grids (kind, grid, rho) in one run",
                    POOL_SIZE);

    s->kind = law->kind;
    s->grid = (schedule_grid)g;
    s->rho = rho;
    s->table = (basin_schedule){
        .struct_size = sizeof(basin_schedule),
        .name = law->name,
        .t_min = t_min,
        .t_max = t_max,
        .t_start = t_max,
        .ctx = ctx,
        .at = schedule_at,
        .grid = schedule_grid_times,
        .ou_time = schedule_ou_time,
    };
    /* α must stay a normal number at t_max (σ/α and the samplers' α_i/α_j divide by
       it), and σ must be positive at t_min. */
    double alpha, sigma;
    schedule_at(&s->table, t_max, &alpha, NULL, NULL, NULL);
    schedule_at(&s->table, t_min, NULL, &sigma, NULL, NULL);
    if (!(alpha >= DBL_MIN))
        return fail(err, n_err, "%s schedule t_max = %g: α(t_max) = %g underflows to 0",
                    law->name, t_max, alpha);
    if (!(sigma > 0))
        return fail(err, n_err, "%s schedule t_min = %g: σ(t_min) = %g underflows to 0",
                    law->name, t_min, sigma);
    return BASIN_OK;
}
