/*
 * trajectory — the measures that follow score-model trajectories: each
 * trajectory's collapse times (docs/science.md, Measured collapse time), the state
 * before the final denoising step, φ_C(t) and φ_S(t) from cloned trajectories (Biroli et al.
 * 2024), and the closed-form speciation and collapse times of the data law
 * (measure/collapse.h).
 *
 * Collapse (measure.collapse). At every observed step (α_t, σ_t) of a probe x_t
 * the empirical posterior over the training set is
 *   w_μ ∝ exp(−‖x_t − α_t ξ_μ‖² / 2σ_t²),
 * (Biroli, Bonnaire, de Bortoli & Mézard 2024, arXiv:2402.18491: the weights of
 * the empirical score), whose largest weight belongs to the nearest α_t ξ_μ. The
 * trajectory is condensed at a step when that one point holds more than half of
 * the weight; the final denoise (σ = 0) is a point mass on the nearest point.
 * Three times per trajectory, each in the schedule's time and in OU time:
 *   collapse     the start of the final stretch of steps in which one and the
 *                same training point holds more than half of the weight
 *                (condensation-aware; NaN if the last step was not condensed);
 *   nearest      the start of the final stretch in which the nearest training
 *                point no longer changes (the earlier definition, beside it);
 *   first        the first step at which some point holds more than half
 *                (first passage); for a probability-flow ODE it is the collapse.
 * A time equal to the first observed step's is censored: the stretch may have
 * begun before the schedule's start. A sampler that draws no random numbers
 * integrates the probability-flow ODE (deterministic): a trajectory of the exact
 * ODE, once condensed, stays condensed, so its collapse is its first passage,
 * and the collapse time is taken to be that (trajectory_finish); a trajectory
 * that lost its condensation after the first passage shows a step too coarse
 * for the ODE and is counted.
 *
 * Before the final denoise. A diffusion sampler ends with x ← D(x; t_min)
 * (docs/design.md, Final denoising step), reported as a step with σ = 0; the
 * observer keeps each probe's last state with σ > 0 so that the measures can
 * judge the raw sample beside its denoised mean.
 *
 * A job sets one up from its [measure] values, installs trajectory_observe as its
 * step observer while the probes run, then continues the clone snapshots with
 * trajectory_clones.
 */
#ifndef BASIN_TRAJECTORY_H
#define BASIN_TRAJECTORY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"
#include "base/host.h"
#include "kernels/nearest.h"
#include "kernels/softmax.h"
#include "measure/collapse.h"
#include "measure/measure.h"
#include "measure/referee.h"
#include "run/dynamics.h"

/* The open collapse-tracking streams' scratch at most this many bytes in all. */
#define TRAJECTORY_STREAM_BYTES ((size_t)1 << 30)

typedef struct trajectory {
    const float *train; /* n_train × dim: the model's training set */
    uint64_t n_train;
    uint32_t dim;
    uint64_t count; /* the probes (sample indices 0 ... count-1) */

    /* Collapse tracking (measure.collapse), NULL when not asked; per sample. */
    softmax_memory memory; /* the training set, for the posterior's normalizer, and
                              its norms for nearest_two_normed (collapse only) */
    nearest2 *track_nn;    /* scratch of the observer */
    double *lse;           /* scratch of the observer */
    int64_t *track;        /* the nearest training point at the last step */
    int64_t *holder;       /* the point holding > ½ at the last step, or -1 */
    /* The certified candidate sets (softmax_stream_lse_nearest) when
       measure.collapse_eps > 0: one stream per sampler block, in the slot of the
       block's first row, opened at its first step and closed at its final denoise
       (or by trajectory_free); blocks whose streams would pass
       TRAJECTORY_STREAM_BYTES in all stay on the exact path. */
    double collapse_eps;
    softmax_stream **streams;          /* count slots */
    atomic_size_t stream_bytes;        /* the open streams' scratch */
    atomic_uint_fast64_t stream_calls; /* row evaluations of closed streams */
    atomic_uint_fast64_t stream_certified, stream_candidates;
    /* The three times of the top of the file, in the schedule's time and in
       OU time (NaN until known). */
    double *t_col, *t_col_ou, *t_near, *t_near_ou, *t_first, *t_first_ou;
    double *start_ou; /* OU time of the first observed step */

    /* The state before the final denoise: each probe's last observed state with
       σ > 0 (count × dim), and whether it was seen. */
    float *noisy;
    uint8_t *seen_noisy;
    measure_distance *before; /* trajectory_before_denoise's */

    /* The probes' host (trajectory_host): the job's table with the random
       numbers watched, so that a sampler that draws none is known to be
       deterministic (trajectory_finish sets deterministic and lost: the
       trajectories that lost their condensation after the first passage). */
    basin_host host;
    const basin_host *base;
    atomic_int drew;
    int deterministic;
    uint64_t lost;

    /* Clones (measure.clones): snapshots at the first step at or below each
       clone time, continued with fresh noise. */
    uint32_t n_clones;
    double clone_target[REFEREE_MAX_CLONES]; /* OU times to clone at */
    float *snap;                             /* n_clones × count × dim states */
    double *snap_time;                       /* n_clones × count: schedule time */
    double clone_time[REFEREE_MAX_CLONES], clone_time_ou[REFEREE_MAX_CLONES];
    uint64_t clone_same[REFEREE_MAX_CLONES], clone_n[REFEREE_MAX_CLONES];
    /* φ_S (with labels): copies that end on a training point of the original's
       class, out of clone_labeled (clone_n with labels, else 0). */
    uint64_t clone_same_class[REFEREE_MAX_CLONES], clone_labeled[REFEREE_MAX_CLONES];
} trajectory;

/* Set up t for count probes of a score model trained on train (n_train × dim)
   under schedule s, as the [measure] values ask (collapse, clones, clone_t_max);
   the state before the final denoise is always kept. BASIN_ENOMEM with a
   message in err when the measures do not fit. */
int trajectory_setup(trajectory *t, const basin_value *measure, const basin_schedule *s,
                     const float *train, uint64_t n_train, uint32_t dim, uint64_t count,
                     char *err, size_t n_err);

/* The host table to lend the sampler for the probes: base's services, with the
   random numbers it draws noted. t must stay in place while it is in use. */
const basin_host *trajectory_host(trajectory *t, const basin_host *base);

/* After the probes ran under trajectory_host: whether the sampler was
   deterministic, and for a deterministic one the collapse time taken to be the
   first passage (the top of the file); the candidate sets' counts logged (info)
   on t's host. */
void trajectory_finish(trajectory *t);

/* Nonzero when t needs to observe the probes' steps. */
int trajectory_observing(const trajectory *t);

/* The step observer (host_job.observer, ctx = t): collapse tracking, the last
   noisy state and clone snapshots of the probes. Called from the sampler's
   threads on disjoint samples; nonzero on failure. */
int trajectory_observe(void *ctx, const basin_step *step);

/* t->before: the nearest training point, d_m and d_2 of each probe's state
   before the final denoise (d_s, d_h NaN): the last observed state with σ > 0,
   which is the final state when the sampler ended without a denoise; d_m, d_2
   NaN and nearest -1 for a probe whose sampler reported no such step. After the
   probes ran; BASIN_OK or BASIN_ENOMEM. */
int trajectory_before_denoise(trajectory *t);

/* Continue every clone snapshot under d (the probes' dynamics and schedule) with
   fresh noise (sample indices count·(c+1) + r) and count the copies that end on
   the original's training point dist[r].nearest (φ_C) and, when labels (the
   training points' classes, n_train of them) is not NULL, those that end on a
   training point of that point's class (φ_S: the class agreement of Biroli,
   Bonnaire, de Bortoli & Mézard 2024, arXiv:2402.18491; docs/science.md,
   Speciation time). Same point implies same class, so φ_S ≥ φ_C copy by copy.
   host: the job's services (d->host), whose error sink names a sampler
   failure. Returns BASIN_OK or a status with "WHO: MSG" in err (WHO the
   sampler_id or "measure"). */
int trajectory_clones(trajectory *t, const dynamics *d, host_job *host,
                      const char *sampler_id, const measure_distance *dist,
                      const int32_t *labels, char *err, size_t n_err);

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
