/*
 * check/embedding.c — the battery of a basin.embedding/1 plugin.
 *
 * The embedding encodes K = 24 standard normal training points of dimension N (8,
 * or --dim) and maps N_STATES = 16 points (the first 8 training points, then 8
 * fresh standard normal ones) to features:
 *   dimension      after encode, m = dimension() is at least 1
 *   finite         the features are finite and exactly n × m floats are written
 *   empty          n = 0 returns BASIN_OK and writes nothing
 *   deterministic  a repeated call and a second instance (fresh host, same seed)
 *                  give the same bytes
 *   same-rows      a block of rows repeated twice in one call gives the same
 *                  features at both places (a row's features do not depend on
 *                  its position in the call)
 *   rows-alone     the features of each row computed alone equal those computed
 *                  in the batch, within 1e-5 of the features' rms (a network
 *                  batching its input may round differently; a row's features must
 *                  not depend on the other rows)
 *   threads        four threads on disjoint quarters of the states at once give
 *                  the bytes of one call over the quarters in turn
 *   dim-mismatch   features with dim + 1 is refused with BASIN_EINVAL
 *   informative    distinct points do not all get one feature vector (a constant
 *                  map would make every distance 0 and every sample memorized)
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/battery.h"

#define DEFAULT_DIM 8u /* the dimension N without --dim */
#define N_TRAIN     24u
#define N_STATES    16u
#define N_THREADS   4u

static const basin_embedding_iface *iface_of(const check_ctx *c)
{
    return c->d->iface;
}

static uint32_t dim_of(const check_ctx *c)
{
    return c->dim ? c->dim : DEFAULT_DIM;
}

/* An instance that encodes the training set; 0 after FAIL name. */
static int make(check_ctx *c, check_instance *in, const float *train, const char *name)
{
    const basin_embedding_iface *f = iface_of(c);
    check_instance_begin(c, in, f->destroy);
    return check_created(c, in, f->create(&in->job.table, c->values, &in->self), name) ==
               BASIN_OK &&
           check_set_up(c, in,
                        f->encode(in->self, &in->job.table, train, N_TRAIN, dim_of(c)),
                        name) == BASIN_OK;
}

/* The features of n states into out (n × m + guard); FAIL name on a failed call,
   a write past the end or a non-finite entry. */
static int features(check_ctx *c, check_instance *in, const float *x, uint64_t n,
                    uint32_t m, float *out, const char *name)
{
    host_job_clear_error(&in->job);
    int rc = iface_of(c)->features(in->self, &in->job.table, x, n, dim_of(c), out);
    uint64_t bad = 0;
    if (rc)
        return check_call_failed(c, name, &in->job, rc);
    if (!check_guard_intact(out, n * m))
        return check_report(c, 0, name,
                            "expected n x m = %llu floats, saw writes past "
                            "them",
                            (unsigned long long)(n * m));
    if (!check_finite(out, n * m, &bad))
        return check_report(c, 0, name,
                            "expected finite features, saw %g at state %llu "
                            "feature %llu",
                            out[bad], (unsigned long long)(bad / m),
                            (unsigned long long)(bad % m));
    return 1;
}

/* One thread's share of the threads check. */
typedef struct quarter {
    const basin_embedding_iface *f;
    void *self;
    const basin_host *host;
    const float *x;
    uint64_t n;
    uint32_t dim;
    float *out;
    int rc;
} quarter;

static void *run_quarter(void *arg)
{
    quarter *q = arg;
    q->rc = q->f->features(q->self, q->host, q->x, q->n, q->dim, q->out);
    return NULL;
}

/* "threads": N_THREADS threads at once on disjoint quarters of x, against the
   same quarters one after another (ref). */
static void check_threads(check_ctx *c, check_instance *a, const float *x, uint32_t m,
                          const float *ref, float *out)
{
    const uint32_t dim = dim_of(c);
    const uint64_t per = N_STATES / N_THREADS;
    pthread_t tid[N_THREADS];
    quarter q[N_THREADS];
    unsigned started = 0;
    for (unsigned t = 0; t < N_THREADS; t++) {
        q[t] = (quarter){iface_of(c),
                         a->self,
                         &a->job.table,
                         x + (uint64_t)t * per * dim,
                         per,
                         dim,
                         out + (uint64_t)t * per * m,
                         BASIN_EINTERNAL};
        if (pthread_create(&tid[t], NULL, run_quarter, &q[t]) != 0)
            run_quarter(&q[t]);
        else
            started |= 1u << t;
    }
    int rc = BASIN_OK;
    for (unsigned t = 0; t < N_THREADS; t++) {
        if (started & (1u << t))
            pthread_join(tid[t], NULL);
        if (q[t].rc && !rc)
            rc = q[t].rc;
    }
    if (rc) {
        check_call_failed(c, "threads", &a->job, rc);
        return;
    }
    check_report(c, !memcmp(ref, out, (size_t)N_STATES * m * sizeof *out), "threads",
                 "expected the features of %u threads at once to equal those of "
                 "the same calls in turn, saw a difference",
                 N_THREADS);
}

/* "rows-alone": each row alone against the batch (feats), within 1e-5 of the
   features' rms. */
static void check_rows_alone(check_ctx *c, check_instance *a, const float *x, uint32_t m,
                             const float *feats)
{
    const uint32_t dim = dim_of(c);
    float *one = check_alloc(m);
    if (!one)
        return;
    double sum = 0, worst = 0;
    uint64_t worst_at = 0;
    for (uint64_t k = 0; k < (uint64_t)N_STATES * m; k++)
        sum += (double)feats[k] * feats[k];
    const double rms = sqrt(sum / ((double)N_STATES * m));
    for (uint64_t s = 0; s < N_STATES; s++) {
        for (uint32_t i = 0; i < m; i++)
            one[i] = NAN;
        if (!features(c, a, x + s * dim, 1, m, one, "rows-alone")) {
            free(one);
            return;
        }
        for (uint32_t i = 0; i < m; i++) {
            double d = fabs((double)one[i] - feats[s * m + i]);
            if (d > worst) {
                worst = d;
                worst_at = s;
            }
        }
    }
    check_report(c, worst <= 1e-5 * rms, "rows-alone",
                 "expected each row's features alone to equal those in a batch of "
                 "%u within 1e-5 of their rms %.3g, saw a difference of %.3g at "
                 "state %llu",
                 N_STATES, rms, worst, (unsigned long long)worst_at);
    free(one);
}

void check_embedding(check_ctx *c)
{
    const uint32_t dim = dim_of(c);
    const basin_embedding_iface *f = iface_of(c);
    float *train = malloc((size_t)N_TRAIN * dim * sizeof *train);
    /* x: the states, then the same states again (same-rows). */
    float *x = malloc((size_t)2 * N_STATES * dim * sizeof *x);
    float *out = NULL, *again = NULL, *other = NULL, *twice = NULL;
    if (!train || !x) {
        check_report(c, 0, "create", "expected memory for dimension %u, saw none", dim);
        goto free_inputs;
    }
    host_job job;
    check_host(c, &job);
    const basin_host *h = &job.table;
    for (uint32_t k = 0; k < N_TRAIN; k++)
        h->random_normal(h, BASIN_ROLE_DATASET, k, 0, train + (uint64_t)k * dim, dim);
    memcpy(x, train, (size_t)N_STATES / 2 * dim * sizeof *x);
    for (uint32_t s = N_STATES / 2; s < N_STATES; s++)
        h->random_normal(h, BASIN_ROLE_INIT, s, 0, x + (uint64_t)s * dim, dim);
    memcpy(x + (uint64_t)N_STATES * dim, x, (size_t)N_STATES * dim * sizeof *x);
    check_host_done(&job);

    check_instance a, b;
    if (!make(c, &a, train, "create"))
        goto free_inputs;
    check_report(c, 1, "create", NULL);
    const uint32_t m = f->dimension(a.self);
    if (!check_report(c, m >= 1, "dimension",
                      "expected at least one feature after encode, saw m = %u", m))
        goto out;
    const uint64_t n = (uint64_t)N_STATES * m;
    out = check_alloc(n), again = check_alloc(n), other = check_alloc(n);
    twice = check_alloc(2 * n);
    if (!out || !again || !other || !twice) {
        check_report(c, 0, "finite", "expected memory for m = %u features, saw none", m);
        goto out;
    }
    if (!features(c, &a, x, N_STATES, m, out, "finite"))
        goto out;
    check_report(c, 1, "finite", NULL);

    float *none = check_alloc(0);
    int rc = BASIN_OK;
    if (none) {
        host_job_clear_error(&a.job);
        rc = f->features(a.self, &a.job.table, x, 0, dim, none);
        if (rc)
            check_call_failed(c, "empty", &a.job, rc);
        else
            check_report(c, check_guard_intact(none, 0), "empty",
                         "expected n = 0 to write nothing, saw %g written", none[0]);
        free(none);
    }

    if (make(c, &b, train, "deterministic")) {
        if (features(c, &a, x, N_STATES, m, again, "deterministic") &&
            features(c, &b, x, N_STATES, m, other, "deterministic")) {
            int same_call = !memcmp(out, again, n * sizeof *out);
            int same = same_call && !memcmp(out, other, n * sizeof *out);
            check_report(c, same, "deterministic",
                         "expected identical features %s, saw %.9g then %.9g",
                         same_call ? "from a second instance with the same seed"
                                   : "from a repeated call",
                         out[0], same_call ? other[0] : again[0]);
        }
        check_instance_end(&b);
    }

    if (features(c, &a, x, 2 * N_STATES, m, twice, "same-rows"))
        check_report(c, !memcmp(twice, twice + n, n * sizeof *twice), "same-rows",
                     "expected the same rows twice in one call to get the same "
                     "features, saw %.9g then %.9g",
                     twice[0], twice[n]);

    check_rows_alone(c, &a, x, m, out);
    for (uint64_t k = 0; k < n; k++)
        again[k] = NAN;
    check_threads(c, &a, x, m, out, again);

    host_job_clear_error(&a.job);
    float *wide = malloc((size_t)(dim + 1) * sizeof *wide);
    if (wide) {
        for (uint32_t i = 0; i <= dim; i++)
            wide[i] = x[i % dim];
        rc = f->features(a.self, &a.job.table, wide, 1, dim + 1, other);
        check_report(c, rc == BASIN_EINVAL, "dim-mismatch",
                     "expected BASIN_EINVAL for rows of dim %u after encode at dim "
                     "%u, saw status %d",
                     dim + 1, dim, rc);
        free(wide);
    }

    int informative = 0;
    for (uint64_t k = m; k < n && !informative; k++)
        informative = out[k] != out[k % m];
    check_report(c, informative, "informative",
                 "expected distinct points to get distinct features, saw one "
                 "feature vector for all %u",
                 N_STATES);
out:
    free(out);
    free(again);
    free(other);
    free(twice);
    check_instance_end(&a);
free_inputs:
    free(train);
    free(x);
}
