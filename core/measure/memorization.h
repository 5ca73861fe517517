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
    double tau;    /* the first step whose rate > level; NaN if none does */
    double tau_lo; /* the first step whose upper bound > level (the earliest the
                      crossing can be); NaN if none */
    double tau_hi; /* the first step whose lower bound > level (the latest it can
                      be); NaN if none: the crossing may lie past the last step */
} memorization_time;

/*
 * The crossing of `level` by rate[k] at ascending steps[k] (k < n), with rate_lo
 * and rate_hi its interval bounds (Wilson, summary.csv's _lo and _hi; NULL: the
 * rate itself). Rates that are NaN never cross. [thread-safe]
 */
memorization_time memorization_crossing(const double *steps, const double *rate,
                                        const double *rate_lo, const double *rate_hi,
                                        size_t n, double level);

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
