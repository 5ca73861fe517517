/*
 * job — one job of a run: a sweep point's dataset, model, initial states,
 * dynamics and measures, and what the pipeline keeps of it (internal to the host:
 * pipeline.c runs jobs, trajectory.c and report.c read them).
 */
#ifndef BASIN_JOB_H
#define BASIN_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"
#include "base/host.h"
#include "measure/landscape.h"
#include "measure/measure.h"
#include "kernels/nearest.h"
#include "run/pipeline.h"
#include "recipe/recipe.h"
#include "process/schedule.h"

/* Probes per sampler call: fixed, so results never depend on the thread count.
   Score models get larger blocks: their denoiser is a GEMM over the batch. */
#define PROBE_BLOCK 16
#define SCORE_BLOCK 64

#define MAX_CLONES 100

/* What a run accumulates per sweep point. */
typedef struct point_stats {
    uint64_t counts[MEASURE_N_CLASSES];
    uint64_t samples;
    uint64_t ratio_memorized; /* distance layout: memorized by d_m/d_2 */
    double d_m_sum;
    double pair_d_sum, pair_cos_sum; /* disjoint-sets test (disjoint.h) */
    uint64_t pair_n;
    double t_col_sum, t_col_sum2; /* collapse times (OU), over tracked samples */
    uint64_t t_col_n;
    double t_theory_sum, t_speciation_sum; /* closed forms, summed over jobs */
    uint64_t theory_n;
    uint64_t clone_same[MAX_CLONES], clone_n[MAX_CLONES];
    double clone_time[MAX_CLONES], clone_time_ou[MAX_CLONES];
    uint64_t attractors, attractors_by_class[MEASURE_N_CLASSES], landscape_jobs;
    double seconds;
} point_stats;

/* Everything one job owns. */
typedef struct job {
    const recipe *r;
    size_t point;
    uint32_t repeat;
    uint64_t index; /* point · repeats + repeat */
    host_job host;
    const basin_dataset_iface *ds;
    const basin_energy_iface *en;
    const basin_score_iface *sc;
    const basin_sampler_iface *sa;
    void *ds_self, *en_self, *sc_self, *sa_self;
    basin_dataset_info info;
    float *train, *heldout, *states;
    int64_t *start;
    basin_outcome *outcome;
    double *energy;
    measure_rule rule;
    measure_overlap *overlap; /* overlap rule */
    measure_distance *dist;   /* pham and ratio rules */
    double *d_law;            /* distance to the data law's support, or NaN */
    uint64_t count;           /* probes */
    uint64_t block;           /* probes per sampler call */
    basin_value *values;      /* scratch: one section's resolved values */

    /* Score models: the schedule and the trajectory measures. */
    schedule sched;
    int64_t *track;           /* nearest training point at the last step */
    double *t_col, *t_col_ou; /* start of the current stretch, per sample */
    nearest2 *track_nn;       /* per-sample scratch of the observer */
    uint32_t n_clones;
    double clone_target[MAX_CLONES]; /* OU times to clone at */
    float *snap;                     /* n_clones × count × dim states */
    double *snap_time;               /* n_clones × count: schedule time taken */
    double clone_time[MAX_CLONES];
    uint64_t clone_same[MAX_CLONES], clone_n[MAX_CLONES];
    double t_speciation, t_theory; /* closed forms, NaN without a known law */

    /* The disjoint-sets test (disjoint.h): per sample, NULL when not asked. */
    double *d_pair, *cos_pair;

    /* The energy landscape at the final states ([landscape]). */
    landscape_result land;
    unsigned threads; /* sampler threads (pipeline_options) */
} job;

/* Run one job (its fields r, point, repeat, index, host and values set). Returns
   0 or the command's exit status, with a message in err. */
int job_run(job *j, const pipeline_options *o, char *err, size_t n_err);
/* Free everything a job owns (not its host table). */
void job_free(job *j);

/* Run the sampler over count states (global indices index_base, ...) on the
   job's threads, under `sched` (score models) or the job's energy. */
int job_run_sampler(job *j, float *states, uint64_t count, uint64_t index_base,
                    basin_outcome *outcome, const basin_schedule *sched);

/* err = "RECIPE: job 3 (dataset.load=0.3): WHO: MSG". */
void job_error(const job *j, const char *who, const char *msg, char *err, size_t n_err);

/* Exit status for a plugin's status code: its complaint about input is a 2 (a
   plugin's BASIN_EIO is a data file it could not read: the user's input too). */
int job_exit_status(int rc);

/* malloc of n elements (at least one), NULL on overflow or failure. */
void *job_alloc(uint64_t n, size_t elem);

#endif
