/*
 * landscape — the energy landscape at a job's final states (the [landscape]
 * section of a recipe): which distinct attractors the dynamics reached, how many
 * starts fell into each (basin occupancy), what each is (memorized, spurious,
 * generalized), how far its basin reaches (basin radius, Pham et al. 2025) and how
 * the energy curves there (Hessian extremes). The seed papers' claim is about
 * exactly these: below the critical load each memory has its own basin; at the
 * boundary spurious attractors with basins of their own appear.
 *
 * Built on attractor.h (grouping), basin_radius.h and curvature.h.
 */
#ifndef BASIN_LANDSCAPE_H
#define BASIN_LANDSCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"
#include "measure/measure.h"
#include "recipe/sections.h"


/* One analyzed attractor. */
typedef struct landscape_attractor {
    uint64_t id;    /* attractor id (order of first appearance) */
    uint64_t first; /* index of its first member among the final states */
    uint64_t members;
    double occupancy;     /* members / states grouped */
    measure_class cls;    /* memorized, spurious or generalized */
    int64_t nearest;      /* nearest training point (or largest-overlap one) */
    double match;         /* d_m (real) or max |m| (binary) of that point */
    double energy;        /* E at the representative; NaN if not evaluated */
    double radius;        /* basin radius; NaN when not measured */
    int32_t radius_bound; /* 1: every level passed, the radius is a lower bound */
    double lambda_min, lambda_max; /* Hessian extremes; NaN when not measured */
    int64_t n_negative;            /* negative eigenvalues (dense path), −1 unknown */
} landscape_attractor;

typedef struct landscape_result {
    uint64_t n_attractors;                /* distinct attractors found */
    uint64_t n_grouped;                   /* converged states grouped */
    uint64_t by_class[MEASURE_N_CLASSES]; /* attractors per class (all of them) */
    landscape_attractor *analyzed;        /* the max_analyzed most occupied, by occupancy
                                      (ties: by id) */
    uint64_t n_analyzed;
} landscape_result;

/* What the landscape needs from the job. */
typedef struct landscape_input {
    const float *states; /* n × dim final states */
    uint64_t n;
    uint32_t dim;
    int binary;               /* ±1 states */
    const uint8_t *converged; /* n: 1 for states whose dynamics converged */
    const basin_host *host;   /* randomness (role MEASURE), errors, cancellation */
    /* The model's energy, for energy values and curvature; NULL for score models
       (then energy and curvature are NaN). */
    const basin_energy_iface *energy;
    void *energy_self;
    /* Classify `n` representative states (n × dim) with the recipe's rule
       (training, held-out and law distances), filling cls, nearest and match. */
    int (*classify)(void *ctx, const float *states, uint64_t n, measure_class *cls,
                    int64_t *nearest, double *match);
    /* Run the job's dynamics in place on n states corrupted at `level` (binary:
       the fraction of spins flipped; real: x* + level·ε); first_run numbers them
       for the random streams (the caller offsets it past every other sample
       index). A diffusion job reads level as the noise-to-signal ratio σ/α at
       which to re-enter its schedule (Pham et al.'s critical-time procedure). */
    int (*dynamics)(void *ctx, float *states, uint64_t n, double level,
                    uint64_t first_run);
    void *ctx;
} landscape_input;

/*
 * Analyze per `params` (the [landscape] values, in landscape_params order).
 * Curvature uses energy->hessian_vector at the representative, or a central
 * difference of energy->gradient (h = 1e-3 · max(1, ‖x‖/√dim)) when it has none;
 * binary energies get no curvature (NaN). Returns 0, or a BASIN_E* code with a
 * one-line message in err.
 */
int landscape_run(const basin_value *params, const landscape_input *in,
                  landscape_result *out, char *err, size_t n_err);
void landscape_result_free(landscape_result *r);

#endif
