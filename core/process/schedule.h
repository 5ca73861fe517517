/*
 * schedule — the noise schedules every diffusion sampler shares, chosen by name in
 * a recipe's [schedule] section (docs/design.md, Noise schedules).
 *
 * Each gives x_t = α(t) x0 + σ(t) ε on its own time axis t ∈ [t_min, t_max]:
 *
 *   ddpm-linear  Ho et al. 2020 as a continuous-time VP schedule: β(s) = β0 + s(β1 − β0)
 *                with β0 = 1e-4, β1 = 0.02 per step and T = 1000 steps, t = k/T,
 *                log ᾱ(t) = −T (β0 t + ½ (β1 − β0) t²),  α = √ᾱ,  σ = √(1 − ᾱ).
 *                Default range [1e-3, 1]: DDPM steps 1 … 1000.
 *   cosine       Nichol & Dhariwal 2021: ᾱ(t) = f(t)/f(0), f(t) = cos²(π/2 (t+s)/(1+s)),
 *                s = 0.008; α = √ᾱ, σ = √(1 − ᾱ). Default range [1e-3, 0.99]
 *                (at 0.99, σ/α ≈ 64).
 *   ou           Ornstein–Uhlenbeck (Biroli et al. 2024; Achilli et al. 2025):
 *                α = e^{−t}, σ² = 1 − e^{−2t}. Default range [1e-3, 5].
 *   edm          Karras et al. 2022 (VE): α = 1, σ = t. Default range [0.002, 80].
 *   ddpm-scaled-linear  diffusers' "scaled_linear" (Stable Diffusion's), continuous
 *                like ddpm-linear but linear in √β: √β(s) = √β0 + s (√β1 − √β0),
 *                log ᾱ(t) = −T ∫₀ᵗ β(s) ds. Default range [1e-3, 1].
 *   For both ddpm kinds β0 and β1 are [schedule] beta_start and beta_end (diffusers'
 *   names; default 1e-4 and 0.02, Ho et al. 2020; Stable Diffusion's scaled_linear
 *   uses 0.00085 and 0.012).
 *
 * Grids. A sampler of n steps walks n + 1 decreasing times from t_max to t_min
 * (both exact), spaced by the recipe's [schedule] grid in the noise-to-signal ratio
 * λ = σ/α (EDM's σ; Karras et al. 2022 write every schedule this way, Eq. 4 with
 * s(t) = α, σ(t) = λ):
 *   uniform  uniform in the schedule's own time t (the DDPM steps for ddpm-linear);
 *   log      uniform in log λ: every step divides λ by the same factor
 *            (λ_max/λ_min)^{1/n};
 *   karras   Karras et al. 2022, Eq. 5: λ_i = (λ_max^{1/ρ} + i/n (λ_min^{1/ρ} −
 *            λ_max^{1/ρ}))^ρ, ρ = `rho` (default 7; ρ = 1 is uniform in λ, ρ → ∞
 *            the log grid). The default for every schedule.
 * Why λ and its log: in the scaled state y = x/α the probability-flow ODE is
 * dy/dλ = (y − D(y))/λ, so in log λ its coefficients are of order one; a uniform
 * step in log λ changes the noise level by the same relative amount everywhere,
 * the last step included. (Log OU time would do the same near t = 0, where
 * t_OU ≈ λ²/2, but at large t, where t_OU ≈ log λ, it would thin the steps out.)
 * The uniform grid is the one to avoid with few steps: its last step goes from
 * t_min + (t_max − t_min)/n to t_min (ou's default range in 50 steps: σ from 0.43
 * to 0.045), too far for a deterministic sampler near a training point, where
 * x − α ξ shrinks like σ: one Heun step there multiplies it by about −12. On the
 * same range and steps the karras grid's last step divides λ by 1.35 (ρ = 7), the
 * log grid's by 1.18.
 *
 * Every time a result reports can be given in OU time, the time of the OU schedule
 * with the same noise-to-signal ratio σ/α (schedule_ou_time):
 *
 *   t_OU = ½ log((α² + σ²) / α²)
 *
 * so DDPM step k ↔ t_OU = −½ log ᾱ_k (Biroli et al. 2024, the `transform_time` of
 * their code), and EDM σ ↔ t_OU = ½ log(1 + σ²).
 */
#ifndef BASIN_SCHEDULE_H
#define BASIN_SCHEDULE_H

#include <stddef.h>

#include "basin/plugin.h"

typedef enum schedule_kind {
    SCHEDULE_DDPM_LINEAR,
    SCHEDULE_COSINE,
    SCHEDULE_OU,
    SCHEDULE_EDM,
    SCHEDULE_DDPM_SCALED_LINEAR
} schedule_kind;

/* How the grid spaces the steps (see Grids above). */
typedef enum schedule_grid {
    SCHEDULE_GRID_UNIFORM,
    SCHEDULE_GRID_LOG,
    SCHEDULE_GRID_KARRAS
} schedule_grid;

/* A schedule as the host lends it to samplers: `table` is what they see. Copies of
   the schedule and of its table stay valid (their ctx is process-wide). */
typedef struct schedule {
    basin_schedule table; /* first member: &s->table is the basin_schedule */
    schedule_kind kind;
    schedule_grid grid;
    double rho; /* the karras grid's ρ (kept, unused, for the others) */
} schedule;

/*
 * Set up s for the named schedule on [t_min, t_max] (negative: the default end),
 * with table.t_start = t_max, on the named grid (NULL: the default, karras) with
 * exponent rho (negative: the default 7; it must lie in [1, 1000]). Returns
 * BASIN_EINVAL with a one-line message in err for an unknown name ("unknown
 * schedule 'cosin' (did you mean 'cosine'?)") or grid, a rho out of range, or a
 * range outside the schedule's domain (t_min ≥ t_max, t_min ≤ 0, cosine
 * t_max ≥ 1, a range where α underflows to 0).
 */
int schedule_init_grid(schedule *s, const char *name, double t_min, double t_max,
                       const char *grid, double rho, char *err, size_t n_err);

/*
 * schedule_init_grid with the β range of the ddpm kinds: beta_start, beta_end
 * (negative: the defaults 1e-4 and 0.02). Also BASIN_EINVAL when they are not
 * 0 < beta_start < beta_end < 1, or when one is given (≥ 0) for another kind.
 */
int schedule_init_betas(schedule *s, const char *name, double t_min, double t_max,
                        const char *grid, double rho, double beta_start, double beta_end,
                        char *err, size_t n_err);

/* schedule_init_grid on the default grid (karras, ρ = 7). */
int schedule_init(schedule *s, const char *name, double t_min, double t_max, char *err,
                  size_t n_err);

/* The OU time with the same σ/α as time t of s (the function in table.ou_time). */
double schedule_ou_time(const basin_schedule *s, double t);

/* The inverse: the time of s whose OU time is t_ou (bisection; clamped to
   [t_min, t_max]). */
double schedule_from_ou_time(const basin_schedule *s, double t_ou);

#endif
