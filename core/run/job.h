/*
 * job — one job of a run: a sweep point's dataset, model, initial states,
 * dynamics and measures, and what the pipeline keeps of it (internal to the host:
 * pipeline.c runs jobs and writes what they leave).
 */
#ifndef BASIN_JOB_H
#define BASIN_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"
#include "base/host.h"
#include "measure/landscape.h"
#include "measure/lsr_minima.h"
#include "measure/measure.h"
#include "measure/referee.h"
#include "process/schedule.h"
#include "recipe/recipe.h"
#include "run/compare.h"
#include "run/space.h"
#include "run/trajectory.h"

/* Probes per sampler call: fixed, so results never depend on the thread count.
   Score models get larger blocks: their denoiser is a GEMM over the batch. */
#define PROBE_BLOCK 16
#define SCORE_BLOCK 64

/* Everything one job owns. */
typedef struct job {
    const recipe *r;
    size_t point;
    uint32_t repeat;
    uint64_t index; /* point · repeats + repeat */
    host_job host;
    unsigned threads; /* sampler threads */
    const basin_dataset_iface *ds;
    const basin_energy_iface *en;
    const basin_score_iface *sc;
    const basin_sampler_iface *sa;
    void *ds_self, *en_self, *sc_self, *sa_self;
    basin_dataset_info info;
    float *train, *heldout, *states;
    int32_t *labels; /* the training points' class labels, or NULL (none) */
    int64_t *start;
    basin_outcome *outcome;
    double *energy;
    measure_rule rule;
    measure_overlap *overlap; /* overlap rule */
    measure_distance *dist;   /* pham and ratio rules */
    double *d_law;            /* distance to the data law's support, or NaN */
    measure_class *cls;       /* the referee's verdict on each final state */
    calibration cal;          /* the distance rules' thresholds (calibrate.h) */
    spurious_result spurious; /* rule pham: the spurious states grouped */
    uint64_t count;           /* probes */
    uint64_t block;           /* probes per sampler call */
    basin_value *values;      /* scratch: one section's resolved values */
    char run_call[160];       /* "run (model ID)": the sampler's call, as fatal
                                 messages name it (base/fatal.h) */

    /* Score models: the schedule and the trajectory measures. */
    schedule sched;
    trajectory traj;
    trajectory_law theory; /* closed forms, NaN without a known law */

    /* The disjoint-sets test (disjoint.h): per sample, NULL when not asked. */
    double *d_pair, *cos_pair;

    /* Where the distances are measured ([measure] space, run/space.h). With
       space_active set, dist holds feature-space distances while d_law stays in
       data space: the two are not comparable, and the referee must not test one
       against the other. */
    space space;
    int space_active;

    /* The energy landscape at the final states ([landscape]). */
    landscape_result land;

    /* landscape.enumerate: the exact minima of energies/lsr (lsr_minima.h) on the
       training set: their counts (minima_patterns = M, the training points; 0
       when not asked; minima_novel: at least novel_distance from every stored
       pattern), the minima themselves with the referee's classes
       (minima_cls, found.n_minima), and the share of the domain cube inside
       some support with its Monte Carlo standard error (NaN: not estimated). */
    uint64_t minima_patterns, minima, minima_stored, minima_novel, minima_examined;
    lsr_minima found;
    measure_class *minima_cls;
    double novel_distance, covered, covered_se;

    /* The cosine rule's measures (beside dist), else NULL. */
    measure_cosine *cosine;

    /* [compare]: the second score model and its agreement with the first
       (run/compare.h); cmp_sc NULL without one. */
    const basin_score_iface *cmp_sc;
    void *cmp_self;
    compare cmp;
} job;

/* Run one job (its fields r, point, repeat, index, host and values set) on
   `threads` sampler threads. Returns BASIN_OK or a status (a plugin's own, or
   BASIN_EINVAL for a recipe the job cannot run, BASIN_ENOMEM, BASIN_ECANCELED,
   BASIN_EINTERNAL for a plugin that broke its contract) with a message in err. */
int job_run(job *j, unsigned threads, char *err, size_t n_err);

/* Free everything a job owns (not its host table). */
void job_free(job *j);

/* A model's image shape: its INT parameters named height, width and channels
   that the recipe left at 0 take the dataset's image shape (info; nothing when
   the dataset has none). For scores/patch, and any model that reads images. */
void job_image_shape(const basin_param_def *params, size_t n_params, basin_value *values,
                     const basin_dataset_info *info);

/* The job's final states as the referee sees them (after job_run). */
referee_batch job_batch(const job *j);

/* err = "RECIPE: job 3 (dataset.load=0.3): WHO: MSG", or without "WHO: " when
   who is NULL (msg then names it). */
void job_error(const job *j, const char *who, const char *msg, char *err, size_t n_err);

#endif
