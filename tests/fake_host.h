/*
 * fake_host — the small basin_host every plugin and landscape test drives its code
 * through, and the dlopen helper that finds a plugin in a built .so by id.
 *
 *   error()      keeps the last message in fake_last_error (per thread);
 *   log()        counts warnings (level ≤ BASIN_LOG_WARN) in n_warnings and prints
 *                "log LEVEL: message" on stderr unless quiet;
 *   random_*     a counter-based stream keyed by (seed, role, index, step, element):
 *                FAKE_SPLITMIX hashes them with splitmix64 (normals by Box–Muller),
 *                FAKE_PHILOX is core's rng.h (the streams of the real host);
 *   progress()   does nothing;
 *   cancelled()  returns the field cancel;
 *   metric()     keeps the last point (name, step, value) and counts the calls;
 *   parallel()   runs the tasks on `threads` threads (1 by default: in order on
 *                the calling thread), the lowest failing task's status;
 *   observe      NULL: a test that watches steps sets host.observe to its hook and
 *                reaches its own state through fake_user(host).
 * Any host.* entry may be replaced by a test's hook; host.host_data must stay the
 * fake_host (the random streams read seed and rng through it).
 *
 * Also: load_library / load_plugin (dlopen a built .so and check it as the host
 * does), load_built_plugin (the same, found under the build's plugin folder, with
 * its interface checked), and params, the values array a plugin's create() takes,
 * filled from its table's defaults and overridden by name.
 */
#ifndef BASIN_TEST_FAKE_HOST_H
#define BASIN_TEST_FAKE_HOST_H

#include <basin/plugin.h>

#include <stddef.h>
#include <stdint.h>

typedef enum fake_rng { FAKE_SPLITMIX, FAKE_PHILOX } fake_rng;

typedef struct fake_host {
    basin_host host; /* host.host_data points back here */
    uint64_t seed;   /* may be changed between runs */
    fake_rng rng;
    int cancel;           /* cancelled() returns this */
    int quiet;            /* log() prints nothing (it still counts) */
    uint64_t n_warnings;  /* log() calls at level ≤ BASIN_LOG_WARN */
    void *user;           /* the test's own state, for its hooks */
    char metric_name[32]; /* metric(): the last point reported */
    uint64_t metric_step;
    double metric_value;
    uint64_t n_metrics; /* metric() calls */
    unsigned threads;   /* parallel(): threads to use, 1 by default */
} fake_host;

/* The last message passed to error() on this thread. */
char *fake_last_error_buffer(void);
/* (Through a function: GCC's UBSan misreads the address of an extern
   _Thread_local array as null in callers' nonnull checks.) */
#define fake_last_error (fake_last_error_buffer())

/* A fake host with the given stream, cancel 0, no observer, printing logs. */
void fake_host_init(fake_host *f, uint64_t seed, fake_rng rng);

/* The fake_host behind a host made by fake_host_init, and its user pointer. */
fake_host *fake_of(const basin_host *host);
void *fake_user(const basin_host *host);

/* splitmix64 (Steele, Lea, Flood 2014): the mixer behind FAKE_SPLITMIX. */
uint64_t fake_splitmix64(uint64_t z);

/*
 * The library header of the .so at path (dlopen RTLD_NOW | RTLD_LOCAL; it stays
 * loaded), checked as the host checks it: ABI major equal, minor not newer, struct
 * size, a plugin list. On any failure: a line on stderr, and NULL.
 */
const basin_library *load_library(const char *path);

/*
 * The descriptor of plugin `id` in load_library(path), after checking the
 * descriptor's struct size and its parameter table: every default inside its range
 * (exclusive ends honoured) or among its choices, every row with a non-empty doc.
 * On any failure: a line on stderr, and NULL.
 */
const basin_descriptor *load_plugin(const char *path, const char *id);

/*
 * Plugin `id` implementing `iface` (BASIN_IFACE_*) in the built library `file`, a
 * path under $BASIN_TEST_PLUGIN_DIR (meson's test() sets it to build/plugins), or
 * NULL for id.so: load_built_plugin(NULL, "datasets/gaussian", BASIN_IFACE_DATASET)
 * loads datasets/gaussian.so, load_built_plugin("ffi/ffi.so", "scores/ffi", ...)
 * the one library of two plugins. load_plugin's checks, then the descriptor's
 * interface name and the struct size of its interface table. On any failure (the
 * variable unset included): a line on stderr, and NULL.
 */
const basin_descriptor *load_built_plugin(const char *file, const char *id,
                                          const char *iface);

/* Parameter values for desc's create(): values[i] goes with desc->params[i]. */
#define FAKE_MAX_PARAMS 32
typedef struct params {
    const basin_descriptor *desc;
    basin_value values[FAKE_MAX_PARAMS];
} params;

/*
 * The table's defaults (a NULL default_string reads as ""). A table with more than
 * FAKE_MAX_PARAMS rows is a test set-up error: a line on stderr, and exit(2).
 */
params param_defaults(const basin_descriptor *desc);

/* Override parameter `name`; a name not in the table: a line on stderr, exit(2). */
void set_number(params *p, const char *name, double v);
void set_string(params *p, const char *name, const char *v);

#endif
