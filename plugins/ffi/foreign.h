/*
 * foreign — a function in a shared library that was not written for basin, called
 * through libffi with its arguments bound by the recipe (bindings.h) and its
 * prototype parsed once (prototype.h). Shared by scores/ffi and energies/ffi.
 *
 * Calling convention seen by the foreign function:
 *  - x: the states, row-major n × dim floats; train: the k × dim training rows kept
 *    from encode; out: n × dim floats (denoiser, gradient), n × m floats (an
 *    embedding's features) or n doubles (energy).
 *  - A batch of n states is passed in calls of at most max(type of n) states.
 *    When n is not bound, or the function returns its value (an energy returning
 *    double or float), it is called once per state with x at that state.
 *  - An integer return value is a status: nonzero is a failure, reported with
 *    the value. void returns nothing to check.
 *  - out is filled with NaN before the call and checked after it: an entry left
 *    unwritten or not finite is an error naming the state and entry.
 */
#ifndef BASIN_FFI_FOREIGN_H
#define BASIN_FFI_FOREIGN_H

#include "bindings.h"
#include "prototype.h"

#include <basin/plugin.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct foreign_fn {
    void (*fn)(void); /* the symbol, as a function address */
    char symbol[128];
    prototype proto; /* its cif points into itself: never move it */
    bindings bind;
    binding_rules rules;
} foreign_fn;

/* What one call binds. */
typedef struct foreign_args {
    const float *x;
    uint64_t n;
    uint32_t dim;
    double alpha, sigma;
    const float *train;
    uint64_t k;
    uint32_t m; /* features per state (an embedding's m binding) */
    void *out;  /* float * or double *, as rules.out says */
} foreign_args;

/*
 * dlopen(path, RTLD_NOW | RTLD_LOCAL) into *handle. On failure BASIN_EINVAL with
 * "cannot load library: <dlerror>" in err.
 */
int foreign_library_open(const char *path, void **handle, char *err, size_t n_err);

/*
 * Resolve symbol (the prototype's function name when symbol is "") in handle,
 * parse prototype_text and bindings_text against rules, and check dim against the
 * integer type it is bound to. Messages in err start with the recipe key at fault
 * (`prefix` + "prototype", `prefix` + "bindings", `prefix` + "symbol"), e.g.
 * "gradient_prototype: unsupported type 'struct' at column 1". BASIN_EINVAL.
 */
int foreign_bind(foreign_fn *f, void *handle, const char *prefix, const char *symbol,
                 const char *prototype_text, const char *bindings_text,
                 const binding_rules *rules, uint32_t dim, char *err, size_t n_err);

/* Whether k training rows fit the type k is bound to. BASIN_EINVAL with err. */
int foreign_check_k(const foreign_fn *f, uint64_t k, char *err, size_t n_err);

/*
 * Call f on a->n states (see the convention above). Returns 0, BASIN_EIO (the
 * function returned a nonzero status) or BASIN_ENUMERIC (an output entry not
 * finite), with one line in err. [thread-safe if the foreign function is]
 */
int foreign_call(const foreign_fn *f, const foreign_args *a, char *err, size_t n_err);

/* foreign_call, serialized by *lock unless thread_safe (the plugins' `thread_safe`
   parameter: a foreign function not declared safe never runs twice at once), and
   on failure the message reported as "what: why" through host->error. */
int foreign_call_reported(const foreign_fn *f, const foreign_args *a, int thread_safe,
                          pthread_mutex_t *lock, const basin_host *host,
                          const char *what);

/*
 * Copy k training rows (k × dim) into a new array *train (freed by the caller with
 * free()), refusing a non-finite entry (BASIN_ENUMERIC, named), an empty or
 * overflowing set (BASIN_EINVAL) and out of memory (BASIN_ENOMEM), with err.
 */
int foreign_keep_train(float **train, const float *rows, uint64_t k, uint32_t dim,
                       char *err, size_t n_err);

#endif
