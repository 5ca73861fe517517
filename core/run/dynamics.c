#include "run/dynamics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/fatal.h"
#include "base/host.h"

/* Shared state of the workers of one run. */
typedef struct work {
    const dynamics *d;
    float *states; /* count × dim, evolved in place */
    uint64_t count;
    uint64_t first_index; /* global sample index of states' first row */
    basin_outcome *outcome;
    uint64_t n_blocks;
    atomic_uint_fast64_t next;
    /* The lowest block that failed (UINT64_MAX: none yet) and its status. Blocks
       below it still run, blocks above it are skipped, so the status returned is
       the lowest failing block's whatever the threads' timing. */
    atomic_uint_fast64_t failed_block;
    int rc;
    pthread_mutex_t lock;
} work;

basin_model dynamics_model(uint32_t dim, const basin_energy_iface *energy,
                           void *energy_self, const basin_score_iface *score,
                           void *score_self, const basin_schedule *schedule)
{
    basin_model m;
    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    m.dim = dim;
    m.energy = energy;
    m.energy_self = energy_self;
    m.score = score;
    m.score_self = score_self;
    m.schedule = schedule;
    return m;
}

/* Keep the failure of the lowest block. */
static void fail(work *w, uint64_t b, int rc)
{
    pthread_mutex_lock(&w->lock);
    if (b < atomic_load(&w->failed_block)) {
        w->rc = rc;
        atomic_store(&w->failed_block, b);
    }
    pthread_mutex_unlock(&w->lock);
}

static void *worker(void *arg)
{
    work *w = arg;
    const dynamics *d = w->d;
    uint32_t dim = d->model.dim;
    for (;;) {
        uint64_t b = atomic_fetch_add(&w->next, 1);
        if (b >= w->n_blocks || b > atomic_load(&w->failed_block))
            break; /* blocks are taken in order: every later one is above too */
        uint64_t first = b * d->block;
        uint64_t n = w->count - first < d->block ? w->count - first : d->block;
        int rc = BASIN_ECANCELED;
        if (!host_cancel_requested()) {
            fatal_call was = fatal_enter(d->sampler_id, d->call ? d->call : "run");
            rc = d->sampler->run(d->sampler_self, d->host, &d->model,
                                 w->states + first * dim, n, w->first_index + first,
                                 w->outcome + first);
            fatal_leave(was);
        }
        if (rc) {
            fail(w, b, rc);
            break;
        }
        progress_add(d->progress, n);
    }
    return NULL;
}

/* A worker thread: with an alternate signal stack, so a stack overflow in the
   sampler is reported (base/fatal.h). */
static void *worker_thread(void *arg)
{
    void *alt_stack = fatal_thread_begin();
    worker(arg);
    fatal_thread_end(alt_stack);
    return NULL;
}

int dynamics_run(const dynamics *d, float *states, uint64_t count, uint64_t first_index,
                 basin_outcome *outcome)
{
    work w;
    memset(&w, 0, sizeof w);
    w.d = d;
    w.states = states;
    w.count = count;
    w.first_index = first_index;
    w.outcome = outcome;
    w.n_blocks = (count + d->block - 1) / d->block;
    atomic_init(&w.next, 0);
    atomic_init(&w.failed_block, UINT64_MAX);
    pthread_mutex_init(&w.lock, NULL);
    unsigned threads = d->threads;
    if (threads > w.n_blocks)
        threads = (unsigned)w.n_blocks;
    pthread_t *tids = threads > 1 ? calloc(threads - 1, sizeof *tids) : NULL;
    unsigned started = 0;
    for (unsigned t = 1; tids && t < threads; t++)
        if (pthread_create(&tids[started], NULL, worker_thread, &w) == 0)
            started++;
    worker(&w);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
    pthread_mutex_destroy(&w.lock);
    return atomic_load(&w.failed_block) != UINT64_MAX ? w.rc : BASIN_OK;
}
