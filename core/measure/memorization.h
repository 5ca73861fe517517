/*
 * memorization — memorization along training time (Bonnaire, Urfin, Biroli &
 * Mézard 2025, "Why diffusion models don't memorize: the role of implicit
 * dynamical regularization in training", arXiv:2505.17638): from a rate measured
 * at training-step snapshots (a run's train_step axis, docs/recipes.md
 * "Snapshots"), the first snapshot where it crosses a level, and the power law
 * τ ∝ n^a fitted to such times across training-set sizes n (the paper: τ_mem ∝ n,
 * a = 1; τ_gen flat in n, a = 0).
 */
#ifndef BASIN_MEMORIZATION_H
#define BASIN_MEMORIZATION_H

#include <stddef.h>

/* The first snapshot at which a rate exceeds a level, with an interval. */
typedef struct memorization_time {
    double tau;        /* the first step whose rate > level; NaN if none does */
    double tau_lo;     /* the first step whose upper bound > level (the earliest the
                      crossing can be); NaN if none */
    double tau_hi;     /* the first step whose lower bound > level (the latest it can
                      be); NaN if none: the crossing may lie past the last step */
    double tau_interp; /* the crossing interpolated linearly in (ln step, rate)
                          between the snapshot before tau and tau: the grid's ratio
                          no longer quantizes it; NaN if none or censored */
    int censored;      /* the rate is above the level at the first snapshot already:
                          the crossing lies at or before it, tau is only a bound */
} memorization_time;

/*
 * The crossing of `level` by rate[k] at ascending steps[k] (k < n), with rate_lo
 * and rate_hi its interval bounds (Wilson, summary.csv's _lo and _hi; NULL: the
 * rate itself). Rates that are NaN never cross. [thread-safe]
 */
memorization_time memorization_crossing(const double *steps, const double *rate,
                                        const double *rate_lo, const double *rate_hi,
                                        size_t n, double level);

/* The affine law τ = τ₀ + b n fitted by least squares (τ_mem ∝ n plus a fixed
   time to learn anything, which bends the log-log slope below 1 at small n). */
typedef struct memorization_affine {
    size_t used;         /* points with finite n and τ */
    double offset;       /* τ₀ */
    double slope;        /* b, steps per training point */
    double max_residual; /* max_k |τ_k − τ₀ − b n_k| / τ_k */
} memorization_affine;

/* Fit τ_k = τ₀ + b n_k over the k < m pairs where both are finite; fewer than 2
   (or all n equal) give NaN. [thread-safe] */
memorization_affine memorization_affine_fit(const double *n, const double *tau, size_t m);

/* The power law τ = c n^a fitted by least squares on (ln n, ln τ). */
typedef struct memorization_fit {
    size_t used;      /* points with finite positive n and τ */
    double exponent;  /* a */
    double se;        /* its standard error (NaN with fewer than 3 points) */
    double prefactor; /* c */
} memorization_fit;

/*
 * Fit ln τ_k = ln c + a ln n_k over the k < m pairs where both are finite and
 * positive; fewer than 2 such pairs (or all n equal) give a = NaN. The standard
 * error is the ordinary least-squares one, √(RSS/(used − 2) / Σ (ln n − mean)²).
 * [thread-safe]
 */
memorization_fit memorization_power_law(const double *n, const double *tau, size_t m);

#endif
