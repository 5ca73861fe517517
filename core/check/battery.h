/*
 * battery — what every check of `basin check` shares: the context of one plugin's
 * checks, the PASS / FAIL / SKIP lines, fresh hosts and guarded buffers; and the
 * batteries themselves, one per interface.
 *
 * Every check prints one line, "PASS ID NAME" or "FAIL ID NAME: expected ..., saw
 * ..." ("SKIP ID NAME: why" when it cannot run). The runtime checks of one plugin
 * share a check_ctx: its descriptor, its resolved parameter values and a fresh
 * host table per call (base/host.h) with a fixed seed, so "deterministic given the
 * seed" means two fresh hosts with that seed.
 *
 *   check/battery.c     this file's helpers
 *   check/descriptor.c  a descriptor, its function table and parameter rows
 *   check/dataset.c     dataset: info, reads in one call vs. in pieces, ranges, law
 *   check/energy.c      energy: finite differences of E and ∇E, spin_delta, update
 *   check/score.c       score: the denoiser's σ → 0 and σ → ∞ limits
 *   check/sampler.c     sampler: fixed points of the checker's own tiny models
 *   check/embedding.c   embedding: shape, finite, deterministic across calls,
 *                       instances and threads, rows independent of their batch
 *   check/checker.c     the command: options, loading the library, the batteries
 */
#ifndef BASIN_BATTERY_H
#define BASIN_BATTERY_H

#include <stdint.h>

#include "basin/plugin.h"
#include "base/host.h"

/* What the checks of one plugin share. */
typedef struct check_ctx {
    const basin_descriptor *d; /* NULL for the library's own checks ("library") */
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

/* Add the counts of `part` to `total`. */
void check_add_counts(check_ctx *total, const check_ctx *part);

/* A fresh host with the context's seed; check_host_done frees it. */
void check_host(check_ctx *c, host_job *job);
void check_host_done(host_job *job);

/* Report FAIL NAME with "returned STATUS (message)" for a failed plugin call;
   returns 0 so callers can `return check_call_failed(...)`. */
int check_call_failed(check_ctx *c, const char *name, host_job *job, int status);

/* One plugin instance under its own fresh host with the context's seed. It is
   made in steps: check_instance_begin, then the interface's create (into
   in->self) through check_created, then any call that sets it up (encode, info)
   through check_set_up; check_instance_end frees it. */
typedef struct check_instance {
    host_job job;
    void *self;
    void (*destroy)(void *self); /* the interface's */
} check_instance;

/* A fresh host (check_host) and no instance yet; destroy is the interface's. */
void check_instance_begin(check_ctx *c, check_instance *in, void (*destroy)(void *self));

/* create returned rc: BASIN_OK when it set in->self too; otherwise FAIL name
   (the status, or "create did not set *self" as BASIN_EINTERNAL), the host
   freed, and that status. */
int check_created(check_ctx *c, check_instance *in, int rc, const char *name);

/* A call that sets up the created instance returned rc: BASIN_OK; otherwise
   FAIL name with the status, the instance freed (check_instance_end), rc. */
int check_set_up(check_ctx *c, check_instance *in, int rc, const char *name);

/* Destroy the instance and free its host. */
void check_instance_end(check_instance *in);

/* Nonzero when every one of n floats is finite; *bad gets the first that is not. */
int check_finite(const float *x, uint64_t n, uint64_t *bad);

/* A float array of n entries followed by CHECK_GUARD sentinel floats, filled with
   NaN, so a check sees both an entry a call did not write and one written past
   the end (check_guard_intact). NULL when out of memory; free() it. */
#define CHECK_GUARD 16
float *check_alloc(uint64_t n);
int check_guard_intact(const float *x, uint64_t n);

/* The runtime battery of one plugin, one per interface: each creates instances
   with c->values and reports its checks (the list at the top of its file). */
void check_dataset(check_ctx *c);   /* check/dataset.c */
void check_energy(check_ctx *c);    /* check/energy.c */
void check_score(check_ctx *c);     /* check/score.c */
void check_sampler(check_ctx *c);   /* check/sampler.c */
void check_embedding(check_ctx *c); /* check/embedding.c */

#endif
