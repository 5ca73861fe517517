/*
 * host — the basin_host services table lent to plugins during one job: the error
 * sink, logging, the job's counter-based random streams, progress, cancellation
 * (SIGINT/SIGTERM) and the step observers.
 */
#ifndef BASIN_HOST_H
#define BASIN_HOST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"
#include "base/progress.h"

/* One point of a training curve (basin_host.metric). */
typedef struct host_metric {
    int disjoint; /* reported by the disjoint-sets test's second model */
    char name[32];
    uint64_t step;
    double value;
} host_metric;

typedef struct host_job {
    basin_host table; /* first: plugins get &job->table */
    uint64_t seed;    /* the job seed: rng_job_seed(run seed, job) */
    pthread_mutex_t lock;
    char error[1024]; /* the first error a plugin reported */
    int has_error;
    progress *progress;     /* may be NULL */
    uint64_t progress_base; /* units done before this job's current phase */
    char label[48];         /* "job 3/15" */
    const char *phase;      /* "dataset", "encode", "dynamics", "measures" */
    uint64_t progress_done, progress_total; /* the phase's last progress() */
    int verbose;
    /* The threads basin_host.parallel may use (>= 1; 0 reads as 1): the caller
       sets the run's --threads around an encode and 1 otherwise, so a parallel()
       from a sampler's threads, already busy, runs on the calling thread. */
    unsigned threads;
    /* The job's step observer (trajectory measures), or NULL. It is called from
       the sampler's threads, on disjoint samples; nonzero stops the run. */
    int (*observer)(void *ctx, const basin_step *step);
    void *observer_ctx;
    /* Training-curve points reported through basin_host.metric, in call order;
       the pipeline writes them to training.csv. */
    host_metric *metrics;
    size_t n_metrics, cap_metrics;
    int metrics_lost; /* an allocation failed: some points are missing */
} host_job;

/* The most helper threads one basin_host.parallel call starts (--threads is at
   most 1024). */
#define HOST_MAX_THREADS 1024

/* Set up a job's table (threads 1). */
void host_job_init(host_job *job, uint64_t seed, progress *bar, const char *label,
                   int verbose);
void host_job_destroy(host_job *job);

/* The message a plugin left, or a generic one naming the status code. */
const char *host_job_error(host_job *job, int status);

/* Name the phase the job is in, for the progress bar ("job 3/15 encode"). */
void host_job_phase(host_job *job, const char *phase);

/* Forget a recorded error (before the next plugin call). */
void host_job_clear_error(host_job *job);

/*
 * Install the SIGINT/SIGTERM handlers. The first SIGINT or SIGTERM requests
 * cancellation (host_cancel_requested; plugins see it through basin_host.cancelled)
 * and notes it on stderr; the run then stops after the calls under way return.
 * A second SIGINT or SIGTERM ends the process at once, by that signal, after a
 * line naming the job, the plugin and the call (base/fatal.h). A SIGTERM also
 * ends it HOST_TERM_GRACE_SECONDS later if it is still running then, so a single
 * SIGTERM ends even a plugin that never returns.
 */
void host_install_signals(void);

/* How long a run may take to stop after a SIGTERM. */
#define HOST_TERM_GRACE_SECONDS 2
#define HOST_TERM_GRACE_TEXT    "2 s"

/* Nonzero once a stop was requested. [async-signal-safe to set] */
int host_cancel_requested(void);

#endif
