#include "run/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/errmsg.h"

int compare_init(compare *c, uint64_t count)
{
    memset(c, 0, sizeof *c);
    c->count = count;
    c->r2_median = NAN;
    c->track = count ? calloc((size_t)count, sizeof *c->track) : NULL;
    return count && !c->track ? BASIN_ENOMEM : BASIN_OK;
}

void compare_free(compare *c)
{
    for (uint64_t i = 0; c->track && i < c->count; i++)
        free(c->track[i].e);
    free(c->track);
    for (size_t k = 0; c->one_step && k < 2 * c->n_times; k++)
        free(c->one_step[k].e);
    free(c->one_step);
    memset(c, 0, sizeof *c);
}

static int push(compare_track *t, compare_entry e)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        compare_entry *grown = realloc(t->e, cap * sizeof *grown);
        if (!grown)
            return BASIN_ENOMEM;
        t->e = grown;
        t->cap = cap;
    }
    t->e[t->n++] = e;
    return BASIN_OK;
}

/* Both models' x̂0 of n states x at (α, σ), and each state's mse and r². */
static int evaluate(const compare *c, const float *x, uint64_t n, double alpha,
                    double sigma, double *mse, double *r2)
{
    const size_t dim = c->dim;
    float *y = alloc_array(n * dim, sizeof *y), *z = alloc_array(n * dim, sizeof *z);
    int rc = !y || !z ? BASIN_ENOMEM : BASIN_OK;
    if (!rc)
        rc = c->first->denoise(c->first_self, c->host, x, n, alpha, sigma, y);
    if (!rc)
        rc = c->second->denoise(c->second_self, c->host, x, n, alpha, sigma, z);
    for (uint64_t i = 0; !rc && i < n; i++) {
        const float *yi = y + i * dim, *zi = z + i * dim;
        double mean = 0, sse = 0, sst = 0;
        for (size_t d = 0; d < dim; d++)
            mean += yi[d];
        mean /= (double)dim;
        for (size_t d = 0; d < dim; d++) {
            const double e = (double)zi[d] - yi[d], v = yi[d] - mean;
            sse += e * e;
            sst += v * v;
        }
        mse[i] = sse / (double)dim;
        r2[i] = sse == 0 ? 1 : sst > 0 ? 1 - sse / sst : NAN;
    }
    free(y);
    free(z);
    return rc;
}

int compare_observe(void *ctx, const basin_step *step)
{
    compare *c = ctx;
    if (c->inner && c->inner(c->inner_ctx, step))
        return 1;
    if (__atomic_load_n(&c->failed, __ATOMIC_RELAXED))
        return 1;
    const uint64_t n = step->n;
    double *mse = alloc_array(n, sizeof *mse), *r2 = alloc_array(n, sizeof *r2);
    int rc = !mse || !r2
                 ? BASIN_ENOMEM
                 : evaluate(c, step->states, n, step->alpha, step->sigma, mse, r2);
    for (uint64_t i = 0; !rc && i < n; i++) {
        const uint64_t s = step->first_index + i;
        if (s < c->count)
            rc = push(&c->track[s], (compare_entry){step->time, step->alpha, step->sigma,
                                                    mse[i], r2[i]});
    }
    free(mse);
    free(r2);
    if (rc) {
        int none = 0;
        __atomic_compare_exchange_n(&c->failed, &none, rc, 0, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED);
        return 1;
    }
    return 0;
}

/* Stream index of (b)'s noise: kind (0 held-out, 1 training) and point. */
#define ONE_STEP_INDEX(kind, i)                                                          \
    (((uint64_t)0x636d70 << 24) + ((uint64_t)(kind) << 20) + (i))

int compare_one_step(compare *c, const float *heldout, uint64_t n_heldout,
                     const float *train, uint64_t n_train, char *err, size_t n_err)
{
    const size_t dim = c->dim;
    const compare_track *grid = c->count ? &c->track[0] : NULL;
    c->n_times = grid ? grid->n : 0;
    if (c->n_times && !(c->one_step = calloc(2 * c->n_times, sizeof *c->one_step))) {
        errmsg(err, n_err, "compare: out of memory");
        return BASIN_ENOMEM;
    }
    const float *x0[2] = {heldout, train};
    const uint64_t m[2] = {n_heldout < COMPARE_POINTS ? n_heldout : COMPARE_POINTS,
                           n_train < COMPARE_POINTS ? n_train : COMPARE_POINTS};
    float *x = alloc_array(COMPARE_POINTS * dim, sizeof *x);
    float *eps = alloc_array(dim, sizeof *eps);
    double mse[COMPARE_POINTS], r2[COMPARE_POINTS];
    int rc = !x || !eps ? BASIN_ENOMEM : BASIN_OK;
    for (size_t k = 0; !rc && k < c->n_times; k++) {
        const compare_entry at = grid->e[k];
        for (int kind = 0; !rc && kind < 2; kind++) {
            for (uint64_t i = 0; i < m[kind]; i++) {
                c->host->random_normal(c->host, BASIN_ROLE_MEASURE,
                                       ONE_STEP_INDEX(kind, i), k, eps, dim);
                for (size_t d = 0; d < dim; d++)
                    x[i * dim + d] =
                        (float)(at.alpha * x0[kind][i * dim + d] + at.sigma * eps[d]);
            }
            if (m[kind] == 0)
                continue;
            rc = evaluate(c, x, m[kind], at.alpha, at.sigma, mse, r2);
            for (uint64_t i = 0; !rc && i < m[kind]; i++)
                rc = push(&c->one_step[2 * k + (size_t)kind],
                          (compare_entry){at.time, at.alpha, at.sigma, mse[i], r2[i]});
        }
    }
    free(x);
    free(eps);
    if (rc) {
        errmsg(err, n_err, "compare: %s",
               rc == BASIN_ENOMEM ? "out of memory"
                                  : "a model's denoise failed on noised data points");
        return rc;
    }
    /* The overall median of (a). */
    size_t total = 0;
    for (uint64_t i = 0; i < c->count; i++)
        total += c->track[i].n;
    double *all = alloc_array(total ? total : 1, sizeof *all);
    if (!all) {
        errmsg(err, n_err, "compare: out of memory");
        return BASIN_ENOMEM;
    }
    size_t n = 0;
    for (uint64_t i = 0; i < c->count; i++)
        for (size_t s = 0; s < c->track[i].n; s++)
            all[n++] = c->track[i].e[s].r2;
    c->r2_median = compare_median(all, n, NULL, NULL);
    free(all);
    return BASIN_OK;
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double compare_median(double *v, size_t n, double *lo, double *hi)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            v[m++] = v[i];
    if (lo)
        *lo = NAN;
    if (hi)
        *hi = NAN;
    if (m == 0)
        return NAN;
    qsort(v, m, sizeof *v, by_value);
    const double med = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
    /* The ranks n/2 ± 0.98 √n bound the median with about 95 % confidence
       (the binomial(n, 1/2) count below it, normal approximation). */
    const double half = 0.98 * sqrt((double)m);
    const double a = floor((double)m / 2 - half), b = ceil((double)m / 2 + half);
    if (lo)
        *lo = v[a < 0 ? 0 : (size_t)a];
    if (hi)
        *hi = v[b > (double)(m - 1) ? m - 1 : (size_t)b];
    return med;
}

void compare_header(FILE *f, const recipe *r)
{
    csv_job_header(f, r);
    fprintf(f, "kind,step,t,alpha,sigma,n,mse,mse_lo,mse_hi,r2,r2_lo,r2_hi\n");
}

/* One row: the medians of the n entries' mse and r² with their intervals. */
static void write_row(FILE *f, const char *fields, const csv_job *id, size_t *coords,
                      const char *kind, size_t step, const compare_entry *at, double *mse,
                      double *r2, size_t n)
{
    double lo, hi;
    csv_put_job_fields(f, fields, id, coords);
    fprintf(f, "%s,%zu,", kind, step);
    csv_real(f, at->time);
    fputc(',', f);
    csv_real(f, at->alpha);
    fputc(',', f);
    csv_real(f, at->sigma);
    fprintf(f, ",%zu,", n);
    const double m = compare_median(mse, n, &lo, &hi);
    const double values[6] = {m, lo, hi, compare_median(r2, n, &lo, &hi), lo, hi};
    for (int k = 0; k < 6; k++) {
        if (k)
            fputc(',', f);
        csv_real(f, values[k]);
    }
    fputc('\n', f);
}

void compare_write(FILE *f, const csv_job *id, size_t *coords, const compare *c)
{
    char *fields = csv_job_fields(id, coords);
    size_t steps = 0;
    for (uint64_t i = 0; i < c->count; i++)
        steps = c->track[i].n > steps ? c->track[i].n : steps;
    size_t cap = c->count > COMPARE_POINTS ? (size_t)c->count : COMPARE_POINTS;
    double *mse = alloc_array(cap, sizeof *mse), *r2 = alloc_array(cap, sizeof *r2);
    for (size_t s = 0; mse && r2 && s < steps; s++) {
        size_t n = 0;
        const compare_entry *at = NULL;
        for (uint64_t i = 0; i < c->count; i++)
            if (s < c->track[i].n) {
                const compare_entry *e = &c->track[i].e[s];
                at = at ? at : e;
                mse[n] = e->mse;
                r2[n++] = e->r2;
            }
        if (at == NULL) /* not reached: some track is longer than s */
            continue;
        write_row(f, fields, id, coords, "trajectory", s + 1, at, mse, r2, n);
    }
    static const char *const kinds[2] = {"heldout", "train"};
    for (size_t k = 0; mse && r2 && k < c->n_times; k++)
        for (int kind = 0; kind < 2; kind++) {
            const compare_track *t = &c->one_step[2 * k + (size_t)kind];
            if (!t->n)
                continue;
            for (size_t i = 0; i < t->n; i++) {
                mse[i] = t->e[i].mse;
                r2[i] = t->e[i].r2;
            }
            write_row(f, fields, id, coords, kinds[kind], k + 1, &t->e[0], mse, r2, t->n);
        }
    free(mse);
    free(r2);
    free(fields);
}
