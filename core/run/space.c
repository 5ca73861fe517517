#include "run/space.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fatal.h"
#include "recipe/sections.h"

void space_raw(space *s, const float *train, const float *heldout, const float *states,
               uint32_t dim)
{
    memset(s, 0, sizeof *s);
    s->train = train;
    s->heldout = heldout;
    s->states = states;
    s->dim = dim;
}

void space_free(space *s)
{
    if (s->self) {
        fatal_call was = fatal_enter(s->id, "destroy");
        s->f->destroy(s->self);
        fatal_leave(was);
    }
    free(s->own_train);
    free(s->own_heldout);
    free(s->own_states);
    space_raw(s, NULL, NULL, NULL, 0);
}

/* A plugin's failure as a status: its own (negative), or BASIN_EINTERNAL for a
   positive code (a broken contract). */
static int plugin_status(int rc)
{
    return rc < 0 ? rc : BASIN_EINTERNAL;
}

int space_open(space *s, const registry_plugin *p, const basin_value *values,
               host_job *host, const float *train, uint64_t n_train, uint32_t dim,
               char *err, size_t n_err)
{
    space_raw(s, NULL, NULL, NULL, dim);
    const basin_descriptor *d = p->descriptor;
    s->f = d->iface;
    s->id = d->id;
    host_job_clear_error(host);
    fatal_call was = fatal_enter(s->id, "create");
    int rc = s->f->create(&host->table, values, &s->self);
    fatal_leave(was);
    if (rc || !s->self) {
        rc = rc ? plugin_status(rc) : BASIN_EINTERNAL;
        snprintf(err, n_err, "%s: create: %s", s->id,
                 s->self ? host_job_error(host, rc) : "did not set *self");
        space_free(s);
        return rc;
    }
    host_job_clear_error(host);
    was = fatal_enter(s->id, "encode");
    rc = s->f->encode(s->self, &host->table, train, n_train, dim);
    fatal_leave(was);
    uint32_t m = rc ? 0 : s->f->dimension(s->self);
    if (rc || m == 0) {
        rc = rc ? plugin_status(rc) : BASIN_EINTERNAL;
        snprintf(err, n_err, "%s: encode: %s", s->id,
                 m == 0 && rc == BASIN_EINTERNAL ? "dimension() is 0 after encode"
                                                 : host_job_error(host, rc));
        space_free(s);
        return rc;
    }
    s->active = 1;
    s->dim = m;
    return BASIN_OK;
}

/* The work of one thread of space_features: blocks t, t + threads, ... */
typedef struct space_work {
    const space *s;
    host_job *host;
    const float *x;
    uint64_t n;
    uint32_t dim;
    float *out;
    unsigned first, step;
    int rc;
} space_work;

static void *features_blocks(void *arg)
{
    space_work *w = arg;
    fatal_call was = fatal_enter(w->s->id, "features");
    for (uint64_t b = w->first; !w->rc && b * SPACE_BLOCK < w->n; b += w->step) {
        uint64_t r0 = b * SPACE_BLOCK;
        uint64_t rows = w->n - r0 < SPACE_BLOCK ? w->n - r0 : SPACE_BLOCK;
        int rc = w->s->f->features(w->s->self, &w->host->table, w->x + r0 * w->dim, rows,
                                   w->dim, w->out + r0 * w->s->dim);
        if (rc)
            w->rc = plugin_status(rc);
    }
    fatal_leave(was);
    return NULL;
}

int space_features(const space *s, host_job *host, unsigned threads, const float *x,
                   uint64_t n, uint32_t dim, float **out, char *err, size_t n_err)
{
    *out = NULL;
    float *f = alloc_array(n * s->dim, sizeof *f);
    if (!f || (s->dim && n * s->dim / s->dim != n)) {
        free(f);
        snprintf(err, n_err, "%s: out of memory for %llu x %u features", s->id,
                 (unsigned long long)n, s->dim);
        return BASIN_ENOMEM;
    }
    uint64_t blocks = (n + SPACE_BLOCK - 1) / SPACE_BLOCK;
    if (threads < 1)
        threads = 1;
    if (threads > blocks)
        threads = blocks ? (unsigned)blocks : 1;
    if (threads > 64)
        threads = 64;
    space_work w[64];
    pthread_t tid[64];
    int started[64] = {0};
    host_job_clear_error(host);
    w[0] = (space_work){s, host, x, n, dim, f, 0, threads, BASIN_OK};
    for (unsigned t = 1; t < threads; t++) {
        w[t] = (space_work){s, host, x, n, dim, f, t, threads, BASIN_OK};
        started[t] = pthread_create(&tid[t], NULL, features_blocks, &w[t]) == 0;
    }
    features_blocks(&w[0]);
    for (unsigned t = 1; t < threads; t++)
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            features_blocks(&w[t]);
    int rc = BASIN_OK;
    for (unsigned t = 0; t < threads && !rc; t++)
        rc = w[t].rc;
    if (rc) {
        snprintf(err, n_err, "%s: features: %s", s->id, host_job_error(host, rc));
        free(f);
        return rc;
    }
    for (uint64_t k = 0; k < n * s->dim; k++)
        if (!isfinite(f[k])) {
            snprintf(err, n_err, "%s: features: feature %llu of row %llu is %g", s->id,
                     (unsigned long long)(k % s->dim), (unsigned long long)(k / s->dim),
                     (double)f[k]);
            free(f);
            return BASIN_ENUMERIC;
        }
    *out = f;
    return BASIN_OK;
}

int space_map(space *s, host_job *host, unsigned threads, const float *train,
              uint64_t n_train, const float *heldout, uint64_t n_heldout,
              const float *states, uint64_t n, uint32_t dim, char *err, size_t n_err)
{
    if (!s->active) {
        space_raw(s, train, heldout, states, dim);
        return BASIN_OK;
    }
    free(s->own_train);
    free(s->own_heldout);
    free(s->own_states);
    s->own_train = s->own_heldout = s->own_states = NULL;
    int rc =
        space_features(s, host, threads, train, n_train, dim, &s->own_train, err, n_err);
    if (!rc && heldout && n_heldout)
        rc = space_features(s, host, threads, heldout, n_heldout, dim, &s->own_heldout,
                            err, n_err);
    if (!rc)
        rc = space_features(s, host, threads, states, n, dim, &s->own_states, err, n_err);
    s->train = s->own_train;
    s->heldout = s->own_heldout;
    s->states = s->own_states;
    return rc;
}

int space_of_recipe(space *s, const recipe *r, size_t point, basin_value *values,
                    host_job *host, unsigned threads, const float *train,
                    uint64_t n_train, const float *heldout, uint64_t n_heldout,
                    const float *states, uint64_t n, uint32_t dim, char *err,
                    size_t n_err)
{
    const recipe_section *sec = &r->sections[RECIPE_SPACE];
    space_raw(s, train, heldout, states, dim);
    if (!sec->plugin)
        return BASIN_OK;
    recipe_values(r, RECIPE_SPACE, point, values);
    int rc = space_open(s, sec->plugin, values, host, train, n_train, dim, err, n_err);
    return rc ? rc
              : space_map(s, host, threads, train, n_train, heldout, n_heldout, states, n,
                          dim, err, n_err);
}
