/*
 * compare — how closely a second score model ([compare]) follows the recipe's
 * ([model]) on the same states (docs/analytic-denoisers.md, "Agreement").
 *
 * Both denoisers x̂0 are evaluated on
 *   (a) the recipe model's own sampling trajectories: every state a sampler
 *       reports to the step observer (basin_host.observe), at its (α, σ);
 *   (b) one step from forward-noised points: at each time of the sampler's grid
 *       (the times sample 0 reported), α x0 + σ ε for up to COMPARE_POINTS
 *       held-out and COMPARE_POINTS training points x0 (ε from the host's
 *       stream, role MEASURE), the same ε for both models.
 * For one state, with y = the recipe model's x̂0 (the reference) and z = the
 * second model's, over the state's dim coordinates:
 *   mse = Σ (z − y)² / dim,   r² = 1 − Σ (z − y)² / Σ (y − ȳ)²
 * (Kamb & Ganguli 2025, arXiv:2412.20292, score their machines against trained
 * networks by this r², per image; its median over images). r² = 1 exactly when
 * z = y; NaN when the reference is constant (Σ (y − ȳ)² = 0) and z ≠ y.
 * compare.csv has, per job, kind (trajectory, heldout, train) and step, the
 * median of mse and r² over the states with a distribution-free interval for
 * each median (order statistics n/2 ± 0.98 √n of the finite values: about 95 %).
 */
#ifndef BASIN_COMPARE_H
#define BASIN_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include "basin/plugin.h"
#include "recipe/recipe.h"
#include "results/csv.h"

#define COMPARE_POINTS 64 /* held-out and training points per grid time, each */

/* One state's agreement at one step. */
typedef struct compare_entry {
    double time, alpha, sigma, mse, r2;
} compare_entry;

/* What one sample's trajectory met, step by step (written by one thread). */
typedef struct compare_track {
    compare_entry *e;
    size_t n, cap;
} compare_track;

typedef struct compare {
    const basin_score_iface *first, *second; /* [model] and [compare] */
    void *first_self, *second_self;
    const basin_host *host; /* the job's, for the denoise calls */
    uint32_t dim;
    uint64_t count;       /* samples */
    compare_track *track; /* count of them: (a) */
    /* the observer this one wraps (the trajectory measures'), or NULL */
    int (*inner)(void *ctx, const basin_step *step);
    void *inner_ctx;
    int failed; /* a status of the observer (first failure; atomic access) */
    /* (b): n_times × 2 (held-out, training) tracks of points */
    compare_track *one_step;
    size_t n_times;
    double r2_median; /* over every (a) entry: summary.csv's compare_r2 */
} compare;

/* Set up c for count samples (zeroed first; the models and host set by the
   caller after). BASIN_OK or BASIN_ENOMEM. */
int compare_init(compare *c, uint64_t count);
void compare_free(compare *c);

/* The step observer (host_job.observer, ctx = c): calls the wrapped one, then
   evaluates both models on the step's states. Called from the sampler's threads
   on disjoint samples; nonzero on failure (c->failed holds the status). */
int compare_observe(void *ctx, const basin_step *step);

/* (b), after the trajectories: at each (t, α, σ) of sample 0's track, both
   models on noised held-out and training points (the first COMPARE_POINTS of
   each); then r2_median, over (a). BASIN_OK or a status with a message in err. */
int compare_one_step(compare *c, const float *heldout, uint64_t n_heldout,
                     const float *train, uint64_t n_train, char *err, size_t n_err);

/* compare.csv: the job columns, then kind,step,t,alpha,sigma,n,mse,mse_lo,
   mse_hi,r2,r2_lo,r2_hi. */
void compare_header(FILE *f, const recipe *r);
/* A job's rows (coords: scratch of r->n_axes + 1). */
void compare_write(FILE *f, const csv_job *id, size_t *coords, const compare *c);

/* The median of the finite values of v (n of them; v is sorted in place), NaN
   when none, and its interval (lo, hi may be NULL). */
double compare_median(double *v, size_t n, double *lo, double *hi);

#endif
