/*
 * samplers/fault — a test fixture (tests/e2e/contain.sh): a sampler that ends the
 * process the ways a plugin can, so the tests can check basin's last words
 * (core/base/fatal.h, docs/reliability.md, Plugins run inside basin). With fault = "none" it leaves
 * the states as they are and reports them converged.
 *
 *   fault  none | exit | _exit | quick_exit | segv | bus | fpe | ill | abort |
 *          stack (unbounded recursion) | hang (sleeps for ever, ignoring
 *          cancellation and every interrupt it is sent)
 *   in     the call that faults: create, run or destroy
 *   status the code given to exit, _exit and quick_exit
 *   from   run faults in the block holding this sample index or a later one
 *
 * BASIN_FAULT_AT_LOAD=HOW in the environment faults so as the library is loaded;
 * BASIN_FAULT_HANGING=FILE creates FILE when the hang begins.
 */
#include <basin/plugin.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static const basin_param_def fault_params[] = {
    {"fault", BASIN_PARAM_CHOICE, 0, "none", 0, 0,
     "none|exit|_exit|quick_exit|segv|bus|fpe|ill|abort|stack|hang", 0,
     "how the plugin ends the process"},
    {"in", BASIN_PARAM_CHOICE, 0, "run", 0, 0, "create|run|destroy", 0,
     "the call in which it does"},
    {"status", BASIN_PARAM_INT, 0, NULL, 0, 255, NULL, 0,
     "the code given to exit, _exit and quick_exit"},
    {"from", BASIN_PARAM_INT, 0, NULL, 0, 1e12, NULL, 0,
     "run faults from the block holding this sample index on"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct fault {
    char how[16], in[16];
    int status;
    uint64_t from;
} fault;

#if defined(__GNUC__)
#define NO_SANITIZE __attribute__((noinline, no_sanitize("address", "undefined")))
#else
#define NO_SANITIZE
#endif

static volatile int zero;
static volatile char *volatile nowhere;

/* Recurse until the stack runs out (the bound is never reached). */
NO_SANITIZE static int deep(unsigned long n)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    if (n > (1ul << 40))
        return pad[0];
    return deep(n + 1) + pad[0];
}

/* A real bus error: touch a mapped page past the end of its (empty) file. */
static void bus_error(void)
{
    char name[] = "/tmp/basin-fault-XXXXXX";
    int fd = mkstemp(name);
    if (fd >= 0) {
        unlink(name);
        if (ftruncate(fd, 4096) == 0) {
            volatile char *p =
                mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (p != MAP_FAILED && ftruncate(fd, 0) == 0)
                p[0] = 1;
        }
        close(fd);
    }
    raise(SIGBUS);
}

NO_SANITIZE static void do_fault(const fault *f)
{
    const char *h = f->how;
    if (strcmp(h, "exit") == 0)
        exit(f->status);
    if (strcmp(h, "_exit") == 0)
        _exit(f->status);
    if (strcmp(h, "quick_exit") == 0)
        quick_exit(f->status);
    if (strcmp(h, "segv") == 0)
        *nowhere = 1;
    if (strcmp(h, "bus") == 0)
        bus_error();
    if (strcmp(h, "fpe") == 0) {
#if defined(__x86_64__) || defined(__i386__)
        zero = 1 / zero; /* a real trap where integer division traps */
#endif
        raise(SIGFPE);
    }
    if (strcmp(h, "ill") == 0) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_trap(); /* ud2 */
#endif
        raise(SIGILL);
    }
    if (strcmp(h, "abort") == 0)
        abort();
    if (strcmp(h, "stack") == 0)
        zero = deep(0);
    if (strcmp(h, "hang") == 0) {
        const char *mark = getenv("BASIN_FAULT_HANGING");
        FILE *file = mark ? fopen(mark, "w") : NULL;
        if (file)
            fclose(file);
        for (;;) { /* ignores cancellation; a signal only cuts a sleep short */
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

/* BASIN_FAULT_AT_LOAD=HOW: the fault as the library is loaded (a constructor). */
#if defined(__GNUC__)
__attribute__((constructor)) static void fault_at_load(void)
{
    const char *how = getenv("BASIN_FAULT_AT_LOAD");
    if (how) {
        fault f = {.status = 0};
        snprintf(f.how, sizeof f.how, "%s", how);
        do_fault(&f);
    }
}
#endif

static int fault_create(const basin_host *host, const basin_value *values, void **self)
{
    fault *f = calloc(1, sizeof *f);
    if (!f) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    snprintf(f->how, sizeof f->how, "%s", values[0].string);
    snprintf(f->in, sizeof f->in, "%s", values[1].string);
    f->status = (int)values[2].number;
    f->from = (uint64_t)values[3].number;
    if (strcmp(f->in, "create") == 0)
        do_fault(f);
    *self = f;
    return BASIN_OK;
}

static void fault_destroy(void *self)
{
    fault *f = self;
    if (strcmp(f->in, "destroy") == 0)
        do_fault(f);
    free(f);
}

static int fault_run(void *self, const basin_host *host, const basin_model *model,
                     float *states, uint64_t n, uint64_t first_index,
                     basin_outcome *outcome)
{
    const fault *f = self;
    (void)host;
    (void)model;
    (void)states;
    if (strcmp(f->in, "run") == 0 && first_index + n > f->from)
        do_fault(f);
    for (uint64_t i = 0; i < n; i++) {
        outcome[i].steps = 0;
        outcome[i].converged = 1;
    }
    return BASIN_OK;
}

static const basin_sampler_iface fault_iface = {
    .struct_size = sizeof(basin_sampler_iface),
    .create = fault_create,
    .destroy = fault_destroy,
    .run = fault_run,
};

static const basin_descriptor fault_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = "samplers/fault",
    .interface = BASIN_IFACE_SAMPLER,
    .version = "1.0.0",
    .summary = "a test fixture: ends the process the ways a plugin can",
    .params = fault_params,
    .iface = &fault_iface,
};

static const basin_descriptor *const plugins[] = {&fault_descriptor, NULL};

BASIN_EXPORT const basin_library basin_library_entry = {BASIN_LIBRARY_HEADER,
                                                        "fault-fixture", plugins};
