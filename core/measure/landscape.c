#include "measure/landscape.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/attractor.h"
#include "measure/basin_radius.h"
#include "measure/curvature.h"
#include "base/errmsg.h"
#include "base/host.h"
#include "base/status.h"
#include "recipe/sections.h"

/* Representatives handed to classify per call. */
#define CLASSIFY_BLOCK 1024


/* ------------------------------------------------------- a message-capturing host */

/*
 * The caller's host with error() redirected into a buffer, so the messages of
 * basin_radius and of the energy's functions end up in landscape_run's err. Every
 * other service is the caller's own, called with this table (host_data is copied,
 * so a host that keys its state on host_data serves it unchanged).
 */
typedef struct proxy_host {
    basin_host host; /* first: a basin_host * to it is a proxy_host * */
    char message[256];
} proxy_host;

static void proxy_error(const basin_host *h, const char *fmt, ...)
{
    proxy_host *p = (proxy_host *)(void *)h;
    if (p->message[0])
        return; /* keep the first, the cause */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    va_end(ap);
}

static void proxy_init(proxy_host *p, const basin_host *host)
{
    memset(p, 0, sizeof *p);
    size_t size = host->struct_size < sizeof p->host ? host->struct_size : sizeof p->host;
    memcpy(&p->host, host, size);
    p->host.struct_size = (uint32_t)sizeof p->host;
    p->host.error = proxy_error;
}

/* ------------------------------------------------------------ basin radius */

/*
 * basin_radius numbers the runs of attractor a at every level alike (a·trials +
 * r); the job's dynamics get a distinct run number per (attractor, level, trial):
 *
 *     run = (a · levels + level) · trials + r,
 *
 * starting at 0. The caller's dynamics callback adds its own offset past every
 * other sample index of the job.
 */
typedef struct radius_ctx {
    const landscape_input *in;
    uint64_t attractor;
    uint32_t levels, trials;
    const double *level_values; /* the corruption at each level */
    uint32_t level;             /* the level of the last call, for messages */
    int failed;                 /* the job's dynamics returned an error */
} radius_ctx;

static int radius_dynamics(void *ctx, float *states, uint64_t n, uint32_t level,
                           uint64_t first_run)
{
    (void)first_run;
    radius_ctx *c = ctx;
    c->level = level;
    uint64_t run = (c->attractor * c->levels + level) * c->trials;
    int rc = c->in->dynamics(c->in->ctx, states, n, c->level_values[level], run);
    if (rc)
        c->failed = 1;
    return rc;
}

/* ---------------------------------------------------------------- curvature */

typedef struct hv_ctx {
    const basin_energy_iface *energy;
    void *self;
    const basin_host *host;
    const float *x; /* the representative */
    uint32_t dim;
    double h;    /* difference step (gradient path) */
    float *work; /* 2 × dim: x ± h v, then their gradients */
    float *grad; /* 2 × dim */
} hv_ctx;

static int hv_exact(void *ctx, const float *v, float *out)
{
    hv_ctx *c = ctx;
    return c->energy->hessian_vector(c->self, c->host, c->x, v, 1, out);
}

/* H v ≈ (∇E(x + h v) − ∇E(x − h v)) / 2h, error O(h²) plus the float rounding
   of the gradients divided by 2h. */
static int hv_difference(void *ctx, const float *v, float *out)
{
    hv_ctx *c = ctx;
    uint32_t dim = c->dim;
    for (uint32_t i = 0; i < dim; i++) {
        c->work[i] = (float)((double)c->x[i] + c->h * (double)v[i]);
        c->work[dim + i] = (float)((double)c->x[i] - c->h * (double)v[i]);
    }
    int rc = c->energy->gradient(c->self, c->host, c->work, 2, c->grad);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < dim; i++)
        out[i] = (float)(((double)c->grad[i] - (double)c->grad[dim + i]) / (2.0 * c->h));
    return 0;
}

/* ------------------------------------------------------------------- driver */

typedef struct rank {
    uint64_t count, id;
} rank;

/* Most members first; ties by id. */
static int by_occupancy(const void *a, const void *b)
{
    const rank *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

void landscape_result_free(landscape_result *r)
{
    if (!r)
        return;
    free(r->analyzed);
    memset(r, 0, sizeof *r);
}

static int check_input(const landscape_input *in, int radius, char *err, size_t n_err)
{
    if (!in || !in->host) {
        errmsg(err, n_err, "landscape: no input or no host");
        return BASIN_EINVAL;
    }
    if (in->n > 0 && (!in->states || !in->converged || in->dim == 0)) {
        errmsg(err, n_err,
               "landscape: %llu states without data, convergence flags "
               "or dimension",
               (unsigned long long)in->n);
        return BASIN_EINVAL;
    }
    if (!in->classify) {
        errmsg(err, n_err, "landscape: no classifier for the attractors");
        return BASIN_EINVAL;
    }
    if (radius && !in->dynamics) {
        errmsg(err, n_err,
               "landscape: radius needs the job's dynamics, which this "
               "job does not lend");
        return BASIN_EINVAL;
    }
    return 0;
}

/* Options from the parameter values; 0 or BASIN_EINVAL with a message. */
typedef struct options {
    double tol;
    uint64_t max_analyzed;
    int radius, curvature;
    uint32_t levels, trials;
    double radius_max, fraction, delta;
} options;

static int read_params(const basin_value *p, int binary, options *o, char *err,
                       size_t n_err)
{
    o->tol = p[LANDSCAPE_TOL].number;
    o->radius = p[LANDSCAPE_RADIUS].number != 0;
    o->curvature = p[LANDSCAPE_CURVATURE].number != 0;
    o->radius_max = p[LANDSCAPE_RADIUS_MAX].number;
    o->fraction = p[LANDSCAPE_RADIUS_FRACTION].number;
    o->delta = p[LANDSCAPE_RADIUS_DELTA].number;
    double max_analyzed = p[LANDSCAPE_MAX_ANALYZED].number;
    double levels = p[LANDSCAPE_RADIUS_LEVELS].number;
    double trials = p[LANDSCAPE_RADIUS_TRIALS].number;
    /* The recipe checks the table's ranges; these guard direct callers. */
    if (!(o->tol > 0) || !isfinite(o->tol)) {
        errmsg(err, n_err, "landscape: tol = %g must be finite and > 0", o->tol);
        return BASIN_EINVAL;
    }
    if (!(max_analyzed >= 0 && max_analyzed <= 1e9)) {
        errmsg(err, n_err, "landscape: max_analyzed = %g is out of range", max_analyzed);
        return BASIN_EINVAL;
    }
    o->max_analyzed = (uint64_t)max_analyzed;
    if (!o->radius)
        return 0;
    if (!(levels >= 1 && levels <= 1e6) || !(trials >= 1 && trials <= 1e6)) {
        errmsg(err, n_err,
               "landscape: radius_levels = %g and radius_trials = %g must "
               "be >= 1",
               levels, trials);
        return BASIN_EINVAL;
    }
    o->levels = (uint32_t)levels;
    o->trials = (uint32_t)trials;
    if (!(o->radius_max > 0) || !isfinite(o->radius_max)) {
        errmsg(err, n_err, "landscape: radius_max = %g must be finite and > 0",
               o->radius_max);
        return BASIN_EINVAL;
    }
    if (binary && o->radius_max > 0.5) {
        errmsg(err, n_err,
               "landscape: radius_max = %g must be <= 0.5 for binary "
               "states (the fraction of spins flipped)",
               o->radius_max);
        return BASIN_EINVAL;
    }
    if (!(o->fraction > 0 && o->fraction <= 1)) {
        errmsg(err, n_err, "landscape: radius_fraction = %g must be in (0, 1]",
               o->fraction);
        return BASIN_EINVAL;
    }
    if (!(o->delta >= 0) || !isfinite(o->delta)) {
        errmsg(err, n_err, "landscape: radius_delta = %g must be finite and >= 0",
               o->delta);
        return BASIN_EINVAL;
    }
    return 0;
}

/* Class, nearest point and match of every attractor, counted into by_class. */
static int classify_all(const landscape_input *in, const attractor_set *set,
                        measure_class *cls, int64_t *nearest, double *match,
                        landscape_result *out, char *err, size_t n_err)
{
    uint64_t a_count = set->n_attractors;
    for (uint64_t a = 0; a < a_count; a += CLASSIFY_BLOCK) {
        uint64_t m = a_count - a < CLASSIFY_BLOCK ? a_count - a : CLASSIFY_BLOCK;
        int rc = in->classify(in->ctx, set->representative + a * set->dim, m, cls + a,
                              nearest + a, match + a);
        if (rc) {
            errmsg(err, n_err,
                   "landscape: classifying attractors %llu to %llu failed "
                   "(%s)",
                   (unsigned long long)a, (unsigned long long)(a + m - 1),
                   status_name(rc));
            return rc;
        }
    }
    for (uint64_t a = 0; a < a_count; a++) {
        if ((unsigned)cls[a] >= MEASURE_N_CLASSES) {
            errmsg(err, n_err,
                   "landscape: the classifier gave attractor %llu the "
                   "class %d",
                   (unsigned long long)a, (int)cls[a]);
            return BASIN_EINTERNAL;
        }
        out->by_class[cls[a]]++;
    }
    return 0;
}

/* Radius of one analyzed attractor into *r. */
static int measure_radius(const landscape_input *in, const options *o,
                          const double *levels, const float *x, landscape_attractor *r,
                          char *err, size_t n_err)
{
    proxy_host proxy;
    proxy_init(&proxy, in->host);
    radius_ctx ctx = {in, r->id, o->levels, o->trials, levels, 0, 0};
    if (r->id > (UINT64_MAX / o->trials - o->levels) / o->levels) {
        errmsg(err, n_err, "landscape: attractor %llu is too many to number its runs",
               (unsigned long long)r->id);
        return BASIN_EINVAL;
    }
    basin_radius_options bo = {levels,      o->levels, o->trials,
                               o->fraction, o->delta,  in->binary != 0};
    basin_radius_result br;
    int rc = basin_radius(&proxy.host, x, in->dim, r->id, &bo, radius_dynamics, &ctx, &br,
                          NULL);
    if (rc == BASIN_ECANCELED) {
        errmsg(err, n_err, "landscape: cancelled");
        return rc;
    }
    if (rc && ctx.failed) {
        errmsg(err, n_err,
               "landscape: basin radius of attractor %llu: the dynamics "
               "failed at level %g (%s)",
               (unsigned long long)r->id, levels[ctx.level], status_name(rc));
        return rc;
    }
    if (rc) {
        errmsg(err, n_err, "landscape: basin radius of attractor %llu: %s",
               (unsigned long long)r->id,
               proxy.message[0] ? proxy.message : status_name(rc));
        return rc;
    }
    r->radius = br.radius;
    r->radius_bound = br.first_failed < 0;
    return 0;
}

/* Hessian extremes at one analyzed attractor into *r. */
static int measure_curvature(const landscape_input *in, const float *x, float *work,
                             landscape_attractor *r, char *err, size_t n_err)
{
    const basin_energy_iface *e = in->energy;
    proxy_host proxy;
    proxy_init(&proxy, in->host);
    uint32_t dim = in->dim;
    double norm = 0;
    for (uint32_t i = 0; i < dim; i++)
        norm += (double)x[i] * x[i];
    norm = sqrt(norm / dim);
    hv_ctx c = {
        e,    in->energy_self,       &proxy.host, x, dim, 1e-3 * (norm > 1 ? norm : 1),
        work, work + 2 * (size_t)dim};
    curvature_result cr;
    char why[256] = "";
    int rc = curvature_extremes(dim, e->hessian_vector ? hv_exact : hv_difference, &c,
                                NULL, &cr, why, sizeof why);
    if (rc) {
        errmsg(err, n_err, "landscape: curvature at attractor %llu: %s%s%s",
               (unsigned long long)r->id, why, proxy.message[0] ? ": " : "",
               proxy.message);
        return rc;
    }
    r->lambda_min = cr.lambda_min;
    r->lambda_max = cr.lambda_max;
    r->n_negative = cr.n_negative;
    return 0;
}

/* Energy, radius and curvature of the analyzed attractors. */
static int analyze(const landscape_input *in, const options *o, const attractor_set *set,
                   landscape_result *out, char *err, size_t n_err)
{
    const basin_energy_iface *e = in->energy;
    int has_energy = e && e->energy;
    int curvature = o->curvature && !in->binary && e &&
                    !(e->flags & BASIN_ENERGY_BINARY) &&
                    (e->hessian_vector || e->gradient);
    if (o->curvature && !in->binary && e && !(e->flags & BASIN_ENERGY_BINARY) &&
        !curvature && in->host->log)
        in->host->log(in->host, BASIN_LOG_WARN,
                      "landscape: the energy has neither "
                      "hessian_vector nor gradient; no curvature");
    double *levels = NULL;
    float *work = NULL;
    int rc = 0;
    if (o->radius) {
        levels = malloc(o->levels * sizeof *levels);
        if (!levels)
            goto nomem;
        /* Evenly spaced in (0, radius_max]: level l = radius_max · l / levels. */
        for (uint32_t l = 0; l < o->levels; l++)
            levels[l] = o->radius_max * (double)(l + 1) / (double)o->levels;
    }
    if (curvature && !e->hessian_vector) {
        work = malloc(4 * (size_t)in->dim * sizeof *work);
        if (!work)
            goto nomem;
    }
    for (uint64_t k = 0; k < out->n_analyzed; k++) {
        if (in->host->cancelled && in->host->cancelled(in->host)) {
            errmsg(err, n_err, "landscape: cancelled");
            rc = BASIN_ECANCELED;
            goto done;
        }
        landscape_attractor *r = &out->analyzed[k];
        const float *x = set->representative + r->id * set->dim;
        if (has_energy) {
            proxy_host proxy;
            proxy_init(&proxy, in->host);
            rc = e->energy(in->energy_self, &proxy.host, x, 1, &r->energy);
            if (rc) {
                errmsg(err, n_err, "landscape: energy at attractor %llu: %s",
                       (unsigned long long)r->id,
                       proxy.message[0] ? proxy.message : status_name(rc));
                goto done;
            }
        }
        if (o->radius) {
            rc = measure_radius(in, o, levels, x, r, err, n_err);
            if (rc)
                goto done;
        }
        if (curvature) {
            rc = measure_curvature(in, x, work, r, err, n_err);
            if (rc)
                goto done;
        }
    }
    goto done;
nomem:
    errmsg(err, n_err, "landscape: out of memory");
    rc = BASIN_ENOMEM;
done:
    free(levels);
    free(work);
    return rc;
}

int landscape_run(const basin_value *params, const landscape_input *in,
                  landscape_result *out, char *err, size_t n_err)
{
    memset(out, 0, sizeof *out);
    if (err && n_err)
        err[0] = '\0';
    if (!params) {
        errmsg(err, n_err, "landscape: no parameters");
        return BASIN_EINVAL;
    }
    if (params[LANDSCAPE_ATTRACTORS].number == 0)
        return 0;
    options o = {0};
    int rc = check_input(in, params[LANDSCAPE_RADIUS].number != 0, err, n_err);
    if (rc)
        return rc;
    rc = read_params(params, in->binary, &o, err, n_err);
    if (rc)
        return rc;

    attractor_set set;
    memset(&set, 0, sizeof set);
    int64_t *id = NULL;
    measure_class *cls = NULL;
    int64_t *nearest = NULL;
    double *match = NULL;
    rank *order = NULL;
    if (in->n > SIZE_MAX / sizeof *id) {
        errmsg(err, n_err, "landscape: %llu states do not fit in memory",
               (unsigned long long)in->n);
        return BASIN_ENOMEM;
    }
    id = malloc((in->n ? in->n : 1) * sizeof *id);
    if (!id)
        goto nomem;
    /* No bound on the number of attractors: the grouping costs n · A · dim, at
       most the n² · dim of the d_s distances the measure computes anyway. */
    char why[256] = "";
    rc = attractor_group(in->states, in->n, in->dim, in->converged, o.tol, 0, id, &set,
                         why, sizeof why);
    if (rc) {
        errmsg(err, n_err, "landscape: grouping the final states: %s", why);
        goto done;
    }
    uint64_t a_count = set.n_attractors;
    out->n_attractors = a_count;
    out->n_grouped = set.n_grouped;
    if (a_count == 0)
        goto done;

    size_t a_size = (size_t)a_count;
    cls = malloc(a_size * sizeof *cls);
    nearest = malloc(a_size * sizeof *nearest);
    match = malloc(a_size * sizeof *match);
    order = malloc(a_size * sizeof *order);
    if (!cls || !nearest || !match || !order)
        goto nomem;
    rc = classify_all(in, &set, cls, nearest, match, out, err, n_err);
    if (rc)
        goto done;

    for (uint64_t a = 0; a < a_count; a++)
        order[a] = (rank){set.count[a], a};
    qsort(order, a_size, sizeof *order, by_occupancy);
    uint64_t n_analyzed = o.max_analyzed < a_count ? o.max_analyzed : a_count;
    if (n_analyzed) {
        out->analyzed = calloc((size_t)n_analyzed, sizeof *out->analyzed);
        if (!out->analyzed)
            goto nomem;
    }
    out->n_analyzed = n_analyzed;
    for (uint64_t k = 0; k < n_analyzed; k++) {
        uint64_t a = order[k].id;
        out->analyzed[k] = (landscape_attractor){.id = a,
                                                 .first = set.first[a],
                                                 .members = set.count[a],
                                                 .occupancy = (double)set.count[a] /
                                                              (double)set.n_grouped,
                                                 .cls = cls[a],
                                                 .nearest = nearest[a],
                                                 .match = match[a],
                                                 .energy = NAN,
                                                 .radius = NAN,
                                                 .radius_bound = 0,
                                                 .lambda_min = NAN,
                                                 .lambda_max = NAN,
                                                 .n_negative = -1};
    }
    rc = analyze(in, &o, &set, out, err, n_err);
    goto done;
nomem:
    errmsg(err, n_err, "landscape: out of memory");
    rc = BASIN_ENOMEM;
done:
    if (rc)
        landscape_result_free(out);
    attractor_set_free(&set);
    free(id);
    free(cls);
    free(nearest);
    free(match);
    free(order);
    return rc;
}
