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
 *   edm          Karras et al. 2022 (VE): α = 1, σ = t. Default range [0.002, 80];
 *                its grid is the ρ = 7 σ grid.
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
    SCHEDULE_EDM
} schedule_kind;

/* A schedule as the host lends it to samplers: `table` is what they see. */
typedef struct schedule {
    basin_schedule table; /* first member: &s->table is the basin_schedule */
    schedule_kind kind;
} schedule;

/*
 * Set up s for the named schedule on [t_min, t_max] (negative: the default end),
 * with table.t_start = t_max. Returns BASIN_EINVAL with a one-line message in err
 * for an unknown name ("unknown schedule 'cosin' (did you mean 'cosine'?)") or a
 * range outside the schedule's domain (t_min ≥ t_max, t_min ≤ 0, cosine t_max ≥ 1,
 * a range where α underflows to 0).
 */
int schedule_init(schedule *s, const char *name, double t_min, double t_max, char *err,
                  size_t n_err);

/* The OU time with the same σ/α as time t of s (the function in table.ou_time). */
double schedule_ou_time(const basin_schedule *s, double t);

/* The inverse: the time of s whose OU time is t_ou (bisection; clamped to
   [t_min, t_max]). */
double schedule_from_ou_time(const basin_schedule *s, double t_ou);

#endif
