/*
 * referee — the one place final states are judged and counted: each state gets its
 * class under the recipe's rule (measure.h), and a sweep point's tally collects
 * the classes, the distance summaries, the trajectory measures and the landscape
 * of every job run at that point. `basin run` (run/job.c, run/pipeline.c) and
 * `basin measure` (run/measure_samples.c) both call it; the result files only
 * write what it decided.
 */
#ifndef BASIN_REFEREE_H
#define BASIN_REFEREE_H

#include <stdint.h>

#include "basin/plugin.h"
#include "measure/calibrate.h"
#include "measure/collapse.h"
#include "measure/landscape.h"
#include "measure/measure.h"
#include "measure/spurious.h"

/* Clone times per sweep point at most (measure.clones ≤ 100). */
#define REFEREE_MAX_CLONES 100

/* The three collapse times of a trajectory (run/trajectory.h): condensation-aware
   (the default), the nearest-point time beside it, and the first passage. */
typedef enum referee_time {
    REFEREE_COLLAPSE,
    REFEREE_NEAREST,
    REFEREE_FIRST_PASSAGE,
    REFEREE_N_TIMES
} referee_time;

/* One tracked trajectory as a point keeps it. */
typedef struct referee_trajectory {
    double t_ou[REFEREE_N_TIMES]; /* OU time; NaN: it never happened */
    uint8_t censored;             /* bit k: time k is the first observed step's */
    uint64_t job;                 /* with winner, its cluster (referee_time_stats) */
    int64_t winner;               /* the training point it ended nearest to */
} referee_trajectory;

/* One job of a point as its tally keeps it: the cluster bootstrap resamples
   these (referee_class_intervals), run.toml lists their thresholds. */
typedef struct referee_job {
    uint64_t job; /* the job's index */
    uint64_t counts[MEASURE_N_CLASSES];
    uint64_t samples;
    double delta_m, delta_s, delta_h; /* its thresholds (calibrate.h); NaN: none */
    uint64_t spurious_clusters, spurious_clustered; /* clusters, their members */
} referee_job;

/* Resamples of the cluster bootstrap over a point's jobs. */
#define REFEREE_BOOTSTRAP 2000

/* What a run accumulates per sweep point. */
typedef struct point_stats {
    uint64_t counts[MEASURE_N_CLASSES];
    uint64_t samples;
    /* Per job, in count order; the array is the point's own (referee_stats_free). */
    referee_job *jobs;
    uint64_t jobs_n, jobs_cap;
    /* The calibration (the distance rules): the quantile and the support test of
       the first job that had them; jobs whose "auto" thresholds fell back to
       CALIBRATE_FALLBACK (no held-out split), and whose support was not judged. */
    double quantile;
    calibrate_support support;
    int calibrated; /* a job has set quantile and support */
    uint64_t fallback_m_jobs, fallback_s_jobs, unjudged_jobs;
    uint64_t ratio_memorized; /* distance rules: memorized by d_m/d_2 */
    double d_m_sum;
    double pair_d_sum, pair_cos_sum; /* disjoint-sets test (run/disjoint.h) */
    uint64_t pair_n;
    /* Tracked trajectories (measure.collapse), in count order; the array is the
       point's own (referee_stats_free). */
    referee_trajectory *traj;
    uint64_t traj_n, traj_cap;
    uint64_t tracked_jobs, deterministic_jobs; /* jobs that tracked them */
    uint64_t lost; /* deterministic: condensation lost after the first passage */
    uint64_t clones_skipped; /* jobs whose clones a deterministic sampler skipped */
    /* The states before the final denoise (score models): those judged, and
       those memorized under the recipe's rule and under the ratio rule. */
    uint64_t before_n, before_memorized, before_ratio_memorized;
    double t_theory_sum, t_speciation_sum; /* closed forms, summed over jobs */
    uint64_t theory_n;
    collapse_basis theory_basis; /* what they rest on (the first job's) */
    uint64_t clone_same[REFEREE_MAX_CLONES], clone_n[REFEREE_MAX_CLONES];
    /* φ_S: copies ending in the original's class, of the labeled copies */
    uint64_t clone_same_class[REFEREE_MAX_CLONES], clone_labeled[REFEREE_MAX_CLONES];
    double clone_time[REFEREE_MAX_CLONES], clone_time_ou[REFEREE_MAX_CLONES];
    uint64_t attractors, attractors_by_class[MEASURE_N_CLASSES], landscape_jobs;
    double seconds;
    /* The overlap layout: states labelled each mixture kind (measure_mixture_of). */
    uint64_t mixtures[MEASURE_N_MIXTURES];
} point_stats;

/* A batch of final states as the referee sees them. Optional arrays are NULL. */
typedef struct referee_batch {
    uint64_t n;
    measure_rule rule;
    const measure_overlap *overlap;  /* the overlap rule: n of them, else NULL */
    const measure_distance *dist;    /* the pham and ratio rules, else NULL */
    const basin_outcome *outcome;    /* NULL: every state converged */
    const double *d_pair, *cos_pair; /* the disjoint-sets test */
    /* Collapse tracking (run/trajectory.h), all NULL when not asked: each
       trajectory's condensation-aware time, nearest-point time and first
       passage (OU time, NaN: never), the OU time of its first observed step (a
       time equal to it is censored), and the training point it ended nearest
       to; job: the job's index. */
    const double *t_col_ou, *t_near_ou, *t_first_ou, *t_start_ou;
    const int64_t *winner;
    uint64_t job;
    /* With them: the sampler drew no noise (a probability-flow ODE: the
       collapse times are the first passages), and lost of its trajectories
       lost their condensation after the first passage (too coarse a step). */
    int deterministic;
    uint64_t lost;
    /* The job asked for clones, but its sampler drew no noise: a copy continued
       from the same state would retrace the original (φ_C = 1), so none ran. */
    int clones_skipped;
    /* The states before the final denoise (d_m NaN: none), or NULL. */
    const measure_distance *before;
    /* The cosine rule: n of them (with dist), else NULL. */
    const measure_cosine *cosine;
    /* The distance rules' thresholds and support test (calibrate.h); NULL: the
       [measure] values as numbers, the support not judged. d_law: distance to
       the data law's support per state (NaN: unknown), or NULL. */
    const calibration *cal;
    const double *d_law;
    /* The spurious states grouped (spurious.h), or NULL. */
    const spurious_result *spurious;
} referee_batch;

/* A point's statistics of one of its collapse times. A trajectory whose time is
   the first observed step's is censored (the stretch may have begun before the
   schedule's start: its time is at least that); one without the time never
   reached it (its time is below the schedule's end). */
typedef struct referee_time_stats {
    uint64_t n;        /* tracked trajectories */
    uint64_t censored; /* censored at the start */
    uint64_t never;    /* without the time */
    /* The mean over trajectories (NaN when any is censored or never reached
       it: no estimate then); its standard error; the median (NaN when the
       censored or the never-reached make up half).
       The standard error. Given a job's training set, trajectories are
       independent, but those that end on the same training point share its
       randomness, so a job's variance is the cluster-robust (sandwich) sum
       Σ_g (Σ_{i∈g} (t_i − m))² · G/(G − 1) over its G training points (the
       CR1 estimate of Cameron & Miller 2015, "A practitioner's guide to
       cluster-robust inference", J. Human Resources 50(2)). A new training
       set also moves the whole job's mean (at P = 10, N = 64 about as much as
       the trajectories do): with two or more jobs (repeats) at the point the
       spread of the jobs' means measures that, and the variance taken is the
       larger of the two, the jobs as clusters (J/(J − 1) Σ_j (n_j (m_j − m))²)
       and the jobs' own sums; divided by n². With one job it is the standard
       error given its training set. */
    double mean, se, median;
} referee_time_stats;

/* The class of each state of b (cls: b->n) under the recipe's rule (the cosine
   rule where b->cosine is set); measure: the [measure] values (measure_params
   order), the thresholds b->cal's where set. [thread-safe] */
void referee_classify(const referee_batch *b, const basin_value *measure,
                      measure_class *cls);

/* The class of each attractor representative of b (cls: b->n): memorized as for
   final states; otherwise generalized when it is on the data's support (overlap
   or held-out cosine ≥ threshold; or b->cal's support test, calibrate_on_support,
   with d_law where it is not NULL; without a support test, d_h ≤ δ_m: it sits on
   a held-out point), spurious otherwise. Under the cosine rule an attractor has
   no start: its target is the training pattern of largest cosine. Attractors
   are distinct by construction: d_s is not read. */
void referee_classify_attractors(const referee_batch *b, const double *d_law,
                                 const basin_value *measure, measure_class *cls);

/* Count b's states, of classes cls, into a point's tally: the classes (into the
   point's and into job b->job's record: batches of one job accumulate), and for
   the distance rules the ratio rule's memorized count (whatever the rule), d_m,
   the disjoint-sets pairs, the tracked trajectories, the verdicts before the
   final denoise, the calibration and the spurious clusters; for the overlap
   layout the mixture labels. Sums run in sample order. Returns BASIN_OK, or
   BASIN_ENOMEM when the trajectories or the job record do not fit (the tally is
   then incomplete). */
int referee_count(const referee_batch *b, const measure_class *cls,
                  const basin_value *measure, point_stats *st);

/*
 * The interval of each class rate of a point (lo, hi: MEASURE_N_CLASSES each) at
 * the given confidence. The Wilson score interval of the pooled counts
 * (measure_rate_interval); with two or more jobs at the point (repeats: a new
 * training set and seed each) also a cluster bootstrap over the jobs -
 * REFEREE_BOOTSTRAP resamples of the point's jobs with replacement, each rate
 * Σ counts / Σ samples over the resample, the percentile interval of those
 * rates (calibrate_quantile) - and the hull of the two, so never narrower than
 * Wilson. States of one job share its training set and are not independent; the
 * bootstrap over jobs carries that. Resample b draws its jobs from the stream
 * (seed, BASIN_ROLE_MEASURE, index point, step b) of base/rng.h: deterministic,
 * independent of threads. NaN without samples. [thread-safe]
 */
void referee_class_intervals(const point_stats *st, double confidence, uint64_t seed,
                             size_t point, double *lo, double *hi);

/* The mean over a point's jobs of a job field (offsetof(referee_job, ...)) of
   type double (NaN-valued jobs left out) or, with integer set, uint64_t; NaN
   without jobs. */
double referee_jobs_mean(const point_stats *st, size_t offset, int integer);

/* The statistics of collapse time `which` over a point's tracked trajectories. */
void referee_time_stats_of(const point_stats *st, referee_time which,
                           referee_time_stats *out);

/* Free what a point's tally owns (its trajectories); st stays valid, empty. */
void referee_stats_free(point_stats *st);

/* A job's closed-form times t_C and t_S and what they rest on (NaN without a
   known law: not counted). */
void referee_count_theory(point_stats *st, double t_theory, double t_speciation,
                          collapse_basis basis);

/* A job's clones: per clone time c, same[c] of n[c] copies ended on the
   original's training point; time[c] is the schedule time, time_ou[c] the OU
   time (NaN where the run never got that far back). */
void referee_count_clones(point_stats *st, uint32_t n_clones, const uint64_t *same,
                          const uint64_t *n, const double *time, const double *time_ou);

/* A job's class agreement of its clones (φ_S): per clone time c, same_class[c]
   of labeled[c] copies ended on a training point of the original's class
   (labeled[c] = 0 for a data set without labels). */
void referee_count_clone_classes(point_stats *st, uint32_t n_clones,
                                 const uint64_t *same_class, const uint64_t *labeled);

/* A job's landscape (a job that grouped no attractor counts for nothing). */
void referee_count_landscape(point_stats *st, const landscape_result *land);

#endif
