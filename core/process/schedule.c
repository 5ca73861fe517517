/*
 * schedule — α(t), σ(t), their t-derivatives, grids and OU times of the four noise
 * schedules of schedule.h. Formulas are written so σ keeps its relative precision
 * where it is small (t → 0): σ² comes from expm1 or a product of sines, never from
 * 1 − α² computed in floating point.
 *
 * The table's ctx points to a static per-kind record, not to the enclosing
 * schedule, so a copy of the basin_schedule (the host makes one to set t_start for a
 * cloned trajectory) keeps working.
 */
#include "process/schedule.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/suggest.h"
#include "recipe/sections.h"


/* ddpm-linear: Ho et al. 2020, β per step from β0 to β1 over T steps. */
#define DDPM_T     1000.0
#define DDPM_BETA0 1e-4
#define DDPM_BETA1 0.02
/* cosine: Nichol & Dhariwal 2021, offset s. */
#define COSINE_S 0.008
/* edm: Karras et al. 2022, the σ grid's ρ. */
#define EDM_RHO 7.0

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
};
#define N_LAWS (sizeof laws / sizeof laws[0])

static schedule_kind kind_of(const basin_schedule *s)
{
    return ((const schedule_law *)s->ctx)->kind;
}

/* ddpm-linear: −log ᾱ(t) = T (β0 t + ½ (β1 − β0) t²) ≥ 0. */
static double ddpm_neg_log_abar(double t)
{
    return DDPM_T * (DDPM_BETA0 * t + 0.5 * (DDPM_BETA1 - DDPM_BETA0) * t * t);
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
    case SCHEDULE_DDPM_LINEAR: {
        const double L = ddpm_neg_log_abar(t);
        const double B = DDPM_T * (DDPM_BETA0 + (DDPM_BETA1 - DDPM_BETA0) * t);
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

/*
 * n_steps + 1 decreasing times from t_max to t_min (both exact): uniform in t for
 * ddpm-linear, cosine and ou; for edm Karras et al. 2022 (Eq. 5), ρ = 7:
 *   σ_i = (σ_max^{1/ρ} + i/n (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ.
 * n_steps = 0 gives t_max alone. [thread-safe]
 */
static void schedule_grid(const basin_schedule *s, uint32_t n_steps, double *times)
{
    const double t_min = s->t_min, t_max = s->t_max;
    times[0] = t_max;
    if (n_steps == 0)
        return;
    if (kind_of(s) == SCHEDULE_EDM) {
        const double r_max = pow(t_max, 1 / EDM_RHO), r_min = pow(t_min, 1 / EDM_RHO);
        for (uint32_t i = 1; i < n_steps; i++)
            times[i] = pow(r_max + (double)i / n_steps * (r_min - r_max), EDM_RHO);
    } else {
        for (uint32_t i = 1; i < n_steps; i++)
            times[i] = t_max + (double)i / n_steps * (t_min - t_max);
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
        return 0.5 * ddpm_neg_log_abar(t);
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

int schedule_init(schedule *s, const char *name, double t_min, double t_max, char *err,
                  size_t n_err)
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
            if (guess != NULL)
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

    s->kind = law->kind;
    s->table = (basin_schedule){
        .struct_size = sizeof(basin_schedule),
        .name = law->name,
        .t_min = t_min,
        .t_max = t_max,
        .t_start = t_max,
        .ctx = law,
        .at = schedule_at,
        .grid = schedule_grid,
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
