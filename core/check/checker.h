/*
 * checker — `basin check LIBRARY.so`: the conformance battery a plugin author runs.
 *
 * Every check prints one line, "PASS ID NAME" or "FAIL ID NAME: expected ..., saw
 * ..." ("SKIP ID NAME: why" when it cannot run), and the command exits 0 when all
 * pass, 1 when any fails, 2 for a usage error or a library that cannot be loaded.
 *
 *   checker.c          the command: the library entry, descriptors, parameter
 *                      tables, the registry's verdict, each plugin's battery
 *   checker_dataset.c  dataset: info, reads in one call vs. in pieces, ranges, law
 *   checker_energy.c   energy: finite differences of E and ∇E, spin_delta, update
 *   checker_score.c    score: the denoiser's σ → 0 and σ → ∞ limits
 *   checker_sampler.c  sampler: fixed points of the checker's own tiny models
 *
 * (The header is not core/check.h: tests include their own "check.h" with core/
 * on the include path.)
 *
 * The runtime checks of one plugin share a check_ctx: its id, its resolved
 * parameter values and a fresh host table per call (core/host.h) with a fixed
 * seed, so "deterministic given the seed" means two fresh hosts with that seed.
 */
#ifndef BASIN_CHECKER_H
#define BASIN_CHECKER_H

#include <stdint.h>

#include "basin/plugin.h"
#include "base/host.h"

extern const char USAGE_CHECK[];

/* `basin check ARGS...` (argv without "check"); returns the exit status. */
int cmd_check(int argc, char **argv);

/* What the checks of one plugin share. */
typedef struct check_ctx {
    const basin_descriptor *d;
    const basin_value *values; /* create()'s values, in the table's order */
    uint64_t seed;             /* the host seed of every call */
    int verbose;               /* --verbose: the plugins' info logs too */
    uint32_t dim;              /* --dim: the dimension of the energy, score and
                                    sampler checks; 0 for each battery's default */
    int pretrained;            /* --pretrained: a score model whose law does not
                                    come from the encoded training set */
    unsigned n_pass, n_fail, n_skip;
} check_ctx;

/* Print "PASS|FAIL ID NAME[: detail]" and count it; returns ok. The detail
   (printf format) is printed only on failure. */
int check_report(check_ctx *c, int ok, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Print "SKIP ID NAME: why" and count it. */
void check_skip(check_ctx *c, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A fresh host with the context's seed; check_host_done frees it. */
void check_host(check_ctx *c, host_job *job);
void check_host_done(host_job *job);

/* Report FAIL NAME with "returned STATUS (message)" for a failed plugin call;
   returns 0 so callers can `return check_call_failed(...)`. */
int check_call_failed(check_ctx *c, const char *name, host_job *job, int status);

/* Nonzero when every one of n floats is finite; *bad gets the first that is not. */
int check_finite(const float *x, uint64_t n, uint64_t *bad);

/* A float array of n entries followed by CHECK_GUARD sentinel floats, filled with
   NaN, so a check sees both an entry a call did not write and one written past
   the end (check_guard_intact). NULL when out of memory. */
#define CHECK_GUARD 16
float *check_alloc(uint64_t n);
int check_guard_intact(const float *x, uint64_t n);

/* Per-interface batteries of one plugin (create with c->values, then check). */
void check_dataset(check_ctx *c);
void check_energy(check_ctx *c);
void check_score(check_ctx *c);
void check_sampler(check_ctx *c);

#endif
