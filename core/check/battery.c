#include "check/battery.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/status.h"

static void vreport(const check_ctx *c, const char *word, const char *name,
                    const char *fmt, va_list ap)
{
    printf("%s %s %s", word, c->d && c->d->id ? c->d->id : "library", name);
    if (fmt) {
        fputs(": ", stdout);
        vprintf(fmt, ap);
    }
    putchar('\n');
    fflush(stdout);
}

int check_report(check_ctx *c, int ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, ok ? "PASS" : "FAIL", name, ok ? NULL : fmt, ap);
    va_end(ap);
    if (ok)
        c->n_pass++;
    else
        c->n_fail++;
    return ok;
}

void check_skip(check_ctx *c, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, "SKIP", name, fmt, ap);
    va_end(ap);
    c->n_skip++;
}

void check_add_counts(check_ctx *total, const check_ctx *part)
{
    total->n_pass += part->n_pass;
    total->n_fail += part->n_fail;
    total->n_skip += part->n_skip;
}

void check_host(check_ctx *c, host_job *job)
{
    host_job_init(job, c->seed, NULL, c->d ? c->d->id : "check", c->verbose);
}

void check_host_done(host_job *job)
{
    host_job_destroy(job);
}

int check_call_failed(check_ctx *c, const char *name, host_job *job, int status)
{
    check_report(c, 0, name, "expected status 0, saw %d (%s): %s", status,
                 status_name(status), host_job_error(job, status));
    return 0;
}

void check_instance_begin(check_ctx *c, check_instance *in, void (*destroy)(void *self))
{
    check_host(c, &in->job);
    in->self = NULL;
    in->destroy = destroy;
}

int check_created(check_ctx *c, check_instance *in, int rc, const char *name)
{
    if (!rc && !in->self) {
        check_report(c, 0, name, "expected create to set *self, saw NULL");
        rc = BASIN_EINTERNAL;
    } else if (rc) {
        check_call_failed(c, name, &in->job, rc);
    }
    if (rc)
        check_host_done(&in->job);
    return rc;
}

int check_set_up(check_ctx *c, check_instance *in, int rc, const char *name)
{
    if (rc) {
        check_call_failed(c, name, &in->job, rc);
        check_instance_end(in);
    }
    return rc;
}

void check_instance_end(check_instance *in)
{
    in->destroy(in->self);
    check_host_done(&in->job);
}

int check_finite(const float *x, uint64_t n, uint64_t *bad)
{
    for (uint64_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            if (bad)
                *bad = i;
            return 0;
        }
    return 1;
}

/* The guard's value: any finite float a plugin would not write by accident. */
static const float GUARD = -12345.678f;

float *check_alloc(uint64_t n)
{
    float *x = malloc((size_t)(n + CHECK_GUARD) * sizeof *x);
    if (!x)
        return NULL;
    for (uint64_t i = 0; i < n; i++)
        x[i] = NAN;
    for (uint64_t i = n; i < n + CHECK_GUARD; i++)
        x[i] = GUARD;
    return x;
}

int check_guard_intact(const float *x, uint64_t n)
{
    for (uint64_t i = n; i < n + CHECK_GUARD; i++)
        if (x[i] != GUARD)
            return 0;
    return 1;
}
