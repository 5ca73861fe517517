#include "base/host.h"
#include "base/status.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fatal.h"
#include "base/rng.h"

static volatile sig_atomic_t cancel_flag;

/* Stop at once: the line naming the job, plugin and call, then the signal's
   default action. [async-signal-safe] */
static void stop_now(int sig, const char *what)
{
    fatal_say(what);
    fatal_die(sig);
}

static void on_deadline(int sig)
{
    (void)sig;
    if (cancel_flag)
        stop_now(SIGTERM,
                 "still running " HOST_TERM_GRACE_TEXT " after SIGTERM: stopping now");
}

/* The first SIGINT or SIGTERM asks the run to stop; any later one stops the
   process at once. A SIGTERM also arms the deadline (SIGALRM). */
static void on_signal(int sig)
{
    if (cancel_flag)
        stop_now(sig, sig == SIGTERM ? "terminated again: stopping now"
                                     : "interrupted again: stopping now");
    cancel_flag = 1;
    int saved = errno;
    if (sig == SIGTERM) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_deadline;
        sigfillset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        alarm(HOST_TERM_GRACE_SECONDS);
        fatal_note(
            "terminated: stopping (at once if still running in " HOST_TERM_GRACE_TEXT
            ")");
    } else {
        fatal_note("interrupted: stopping (Ctrl-C again stops at once)");
    }
    errno = saved;
}

void host_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    /* One handler at a time: a SIGTERM during the first SIGINT's is the second. */
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int host_cancel_requested(void)
{
    return cancel_flag != 0;
}

static host_job *job_of(const basin_host *h)
{
    return (host_job *)h->host_data;
}

static void host_error(const basin_host *h, const char *fmt, ...)
{
    host_job *job = job_of(h);
    pthread_mutex_lock(&job->lock);
    if (!job->has_error) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(job->error, sizeof job->error, fmt, ap);
        va_end(ap);
        /* One line: a plugin's message must not break the error format. */
        for (char *p = job->error; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        job->has_error = 1;
    }
    pthread_mutex_unlock(&job->lock);
}

static void host_log(const basin_host *h, int level, const char *fmt, ...)
{
    host_job *job = job_of(h);
    if (level > BASIN_LOG_WARN + job->verbose) /* -v shows info, -vv debug */
        return;
    static const char *const NAMES[] = {"error", "warning", "info", "debug"};
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&job->lock);
    fprintf(stderr, "\r\033[Kbasin: %s: %s: %s\n", job->label,
            NAMES[level < 0   ? 0
                  : level > 3 ? 3
                              : level],
            line);
    pthread_mutex_unlock(&job->lock);
}

static void host_bits(const basin_host *h, uint32_t role, uint64_t index, uint64_t step,
                      uint32_t *out, size_t n)
{
    rng_bits(job_of(h)->seed, role, index, step, out, n);
}

static void host_uniform(const basin_host *h, uint32_t role, uint64_t index,
                         uint64_t step, double *out, size_t n)
{
    rng_uniform(job_of(h)->seed, role, index, step, out, n);
}

static void host_normal(const basin_host *h, uint32_t role, uint64_t index, uint64_t step,
                        float *out, size_t n)
{
    rng_normal(job_of(h)->seed, role, index, step, out, n);
}

/* "job 3/15 encode 40% loss 0.0123": the phase, its share done and the latest
   training metric. Called with job->lock held. */
static void progress_text(const host_job *job, char *label, size_t n)
{
    int used = snprintf(label, n, "%s %s", job->label, job->phase ? job->phase : "");
    if (used >= 0 && (size_t)used < n && job->progress_total)
        used +=
            snprintf(label + used, n - (size_t)used, " %3.0f%%",
                     100.0 * (double)job->progress_done / (double)job->progress_total);
    if (used >= 0 && (size_t)used < n && job->n_metrics)
        snprintf(label + used, n - (size_t)used, " %s %.4g",
                 job->metrics[job->n_metrics - 1].name,
                 job->metrics[job->n_metrics - 1].value);
}

static void host_progress(const basin_host *h, uint64_t done, uint64_t total)
{
    host_job *job = job_of(h);
    char label[96];
    pthread_mutex_lock(&job->lock);
    job->progress_done = done;
    job->progress_total = total;
    progress_text(job, label, sizeof label);
    pthread_mutex_unlock(&job->lock);
    progress_label(job->progress, label);
}

/* Keep the point and show it on the progress bar beside the phase. */
static void host_metric_add(const basin_host *h, const char *name, uint64_t step,
                            double value)
{
    host_job *job = job_of(h);
    if (name == NULL)
        return;
    pthread_mutex_lock(&job->lock);
    if (job->n_metrics == job->cap_metrics) {
        size_t cap = job->cap_metrics ? 2 * job->cap_metrics : 256;
        host_metric *grown = realloc(job->metrics, cap * sizeof *grown);
        if (grown == NULL) {
            job->metrics_lost = 1;
            pthread_mutex_unlock(&job->lock);
            return;
        }
        job->metrics = grown;
        job->cap_metrics = cap;
    }
    host_metric *m = &job->metrics[job->n_metrics++];
    m->disjoint = job->phase && strcmp(job->phase, "disjoint") == 0;
    snprintf(m->name, sizeof m->name, "%s", name);
    /* A CSV field: no separators or line breaks in the name. */
    for (char *c = m->name; *c; c++)
        if (*c == ',' || *c == '\n' || *c == '\r' || *c == '"')
            *c = '_';
    m->step = step;
    m->value = value;
    char label[96];
    progress_text(job, label, sizeof label);
    pthread_mutex_unlock(&job->lock);
    progress_label(job->progress, label);
}

static int host_cancelled(const basin_host *h)
{
    (void)h;
    return host_cancel_requested();
}

static int host_observe(const basin_host *h, const basin_step *step)
{
    const host_job *job = h->host_data;
    if (job->observer && job->observer(job->observer_ctx, step))
        return 1;
    return host_cancelled(h);
}

/* basin_host.parallel: the tasks of one call, taken in order of i by the calling
   thread and up to threads − 1 helpers. */
typedef struct par_work {
    int (*task)(void *ctx, uint64_t i);
    void *ctx;
    uint64_t n;
    atomic_uint_fast64_t next;
    /* The lowest failing task (UINT64_MAX: none yet) and its status: tasks below
       it still run, tasks above it are skipped, so the status returned is the
       lowest failing task's whatever the threads' timing. */
    atomic_uint_fast64_t failed;
    int rc;
    pthread_mutex_t lock;
} par_work;

static void par_worker(par_work *w)
{
    for (;;) {
        const uint64_t i = atomic_fetch_add(&w->next, 1);
        if (i >= w->n || i > atomic_load(&w->failed))
            break;
        const int rc = w->task(w->ctx, i);
        if (rc) {
            pthread_mutex_lock(&w->lock);
            if (i < atomic_load(&w->failed)) {
                w->rc = rc;
                atomic_store(&w->failed, i);
            }
            pthread_mutex_unlock(&w->lock);
            break;
        }
    }
}

/* A helper thread: with an alternate signal stack, so a stack overflow in a task
   is reported (base/fatal.h). */
static void *par_thread(void *arg)
{
    void *alt_stack = fatal_thread_begin();
    par_worker(arg);
    fatal_thread_end(alt_stack);
    return NULL;
}

static int host_parallel(const basin_host *h, uint64_t n, int (*task)(void *, uint64_t),
                         void *ctx)
{
    const host_job *job = h->host_data;
    if (task == NULL)
        return BASIN_EINVAL;
    par_work w;
    memset(&w, 0, sizeof w);
    w.task = task;
    w.ctx = ctx;
    w.n = n;
    atomic_init(&w.next, 0);
    atomic_init(&w.failed, UINT64_MAX);
    pthread_mutex_init(&w.lock, NULL);
    uint64_t threads = job->threads > 1 ? job->threads : 1;
    threads = threads < n ? threads : n;
    pthread_t tids[HOST_MAX_THREADS];
    unsigned started = 0;
    for (uint64_t t = 1; t < threads && started < HOST_MAX_THREADS; t++)
        if (pthread_create(&tids[started], NULL, par_thread, &w) == 0)
            started++;
    par_worker(&w);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    pthread_mutex_destroy(&w.lock);
    return atomic_load(&w.failed) != UINT64_MAX ? w.rc : BASIN_OK;
}

void host_job_init(host_job *job, uint64_t seed, progress *bar, const char *label,
                   int verbose)
{
    memset(job, 0, sizeof *job);
    job->table.struct_size = sizeof(basin_host);
    job->table.abi_minor = BASIN_ABI_MINOR;
    job->table.host_data = job;
    job->table.error = host_error;
    job->table.log = host_log;
    job->table.random_bits = host_bits;
    job->table.random_uniform = host_uniform;
    job->table.random_normal = host_normal;
    job->table.progress = host_progress;
    job->table.cancelled = host_cancelled;
    job->table.observe = host_observe;
    job->table.metric = host_metric_add;
    job->table.parallel = host_parallel;
    job->seed = seed;
    job->progress = bar;
    job->verbose = verbose;
    job->threads = 1;
    snprintf(job->label, sizeof job->label, "%s", label);
    pthread_mutex_init(&job->lock, NULL);
}

void host_job_phase(host_job *job, const char *phase)
{
    char label[96];
    pthread_mutex_lock(&job->lock);
    job->phase = phase;
    job->progress_done = job->progress_total = 0;
    progress_text(job, label, sizeof label);
    pthread_mutex_unlock(&job->lock);
    progress_label(job->progress, label);
}

void host_job_destroy(host_job *job)
{
    free(job->metrics);
    job->metrics = NULL;
    job->n_metrics = job->cap_metrics = 0;
    pthread_mutex_destroy(&job->lock);
}

const char *host_job_error(host_job *job, int status)
{
    if (!job->has_error)
        snprintf(job->error, sizeof job->error,
                 "failed with status %d (%s) and no "
                 "message",
                 status, status_name(status));
    return job->error;
}

void host_job_clear_error(host_job *job)
{
    pthread_mutex_lock(&job->lock);
    job->has_error = 0;
    job->error[0] = '\0';
    pthread_mutex_unlock(&job->lock);
}
