/*
 * trajectory — the measures that follow score-model trajectories: each
 * trajectory's collapse time, φ_C(t) from cloned trajectories (Biroli et al.
 * 2024), and the closed-form speciation and collapse times of the data law
 * (measure/collapse.h).
 *
 * A job sets one up from its [measure] values, installs trajectory_observe as its
 * step observer while the probes run, then continues the clone snapshots with
 * trajectory_clones.
 */
#ifndef BASIN_TRAJECTORY_H
#define BASIN_TRAJECTORY_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"
#include "base/host.h"
#include "kernels/nearest.h"
#include "measure/collapse.h"
#include "measure/measure.h"
#include "measure/referee.h"
#include "run/dynamics.h"

typedef struct trajectory {
    const float *train; /* n_train × dim: the model's training set */
    uint64_t n_train;
    uint32_t dim;
    uint64_t count; /* the probes (sample indices 0 ... count-1) */

    /* Collapse tracking (measure.collapse), NULL when not asked: per sample, the
       nearest training point at the last step and the time (schedule and OU)
       at which it last changed. */
    int64_t *track;
    double *t_col, *t_col_ou;
    nearest2 *track_nn; /* per-sample scratch of the observer */

    /* Clones (measure.clones): snapshots at the first step at or below each
       clone time, continued with fresh noise. */
    uint32_t n_clones;
    double clone_target[REFEREE_MAX_CLONES]; /* OU times to clone at */
    float *snap;                             /* n_clones × count × dim states */
    double *snap_time;                       /* n_clones × count: schedule time */
    double clone_time[REFEREE_MAX_CLONES], clone_time_ou[REFEREE_MAX_CLONES];
    uint64_t clone_same[REFEREE_MAX_CLONES], clone_n[REFEREE_MAX_CLONES];
} trajectory;

/* Set up t for count probes of a model trained on train (n_train × dim) under
   schedule s, as the [measure] values ask (collapse, clones, clone_t_max).
   BASIN_ENOMEM with a message in err when the measures do not fit. */
int trajectory_setup(trajectory *t, const basin_value *measure, const basin_schedule *s,
                     const float *train, uint64_t n_train, uint32_t dim, uint64_t count,
                     char *err, size_t n_err);

/* Nonzero when t needs to observe the probes' steps. */
int trajectory_observing(const trajectory *t);

/* The step observer (host_job.observer, ctx = t): collapse tracking and clone
   snapshots of the probes. Called from the sampler's threads on disjoint
   samples; nonzero on failure. */
int trajectory_observe(void *ctx, const basin_step *step);

/* Continue every clone snapshot under d (the probes' dynamics and schedule) with
   fresh noise (sample indices count·(c+1) + r) and count the copies that end on
   the original's training point dist[r].nearest (φ_C). host: the job's services
   (d->host), whose error sink names a sampler failure. Returns BASIN_OK or a
   status with "WHO: MSG" in err (WHO the sampler_id or "measure"). */
int trajectory_clones(trajectory *t, const dynamics *d, host_job *host,
                      const char *sampler_id, const measure_distance *dist, char *err,
                      size_t n_err);

/* The closed forms of a job's data (measure/collapse.h), NaN where unknown. */
typedef struct trajectory_law {
    double t_collapse, t_speciation; /* OU time */
    collapse_basis basis;            /* what they rest on */
} trajectory_law;

/*
 * The closed-form collapse time t_C and speciation time t_S of a dataset whose
 * spectrum() answers (dim eigenvalues; n_train points drawn), NaN otherwise.
 * t_S is ½ log of the top eigenvalue; t_C the Gaussian criterion on the spectrum,
 * except for datasets/gaussian-mixture, where it is the mixture formula
 * (collapse_time_mixture) with the within-class variance and the number of
 * components read from the dataset's parameters (ds_params, ds_values: its table
 * and this job's values). The spectrum of
 * datasets/fashion-mnist and datasets/npy is the empirical covariance of their
 * full training file: basis COLLAPSE_BASIS_EMPIRICAL, the Gaussian approximation.
 * A spectrum of BASIN_EUNSUPPORTED is no law; any other failure is returned with
 * "DATASET_ID: MSG" in err.
 */
int trajectory_theory(const basin_dataset_iface *ds, void *ds_self, host_job *host,
                      const char *ds_id, const basin_param_def *ds_params,
                      const basin_value *ds_values, uint32_t dim, uint64_t n_train,
                      trajectory_law *out, char *err, size_t n_err);

/* Free what t owns. */
void trajectory_free(trajectory *t);

#endif
