#include "run/disjoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/errmsg.h"
#include "base/rng.h"

/* The second model's training stream: rng_job_seed(job seed, this). */
#define DISJOINT_STREAM 0x6469736a6f696e74ull /* "disjoint" */

/* Append from's training-curve points to to's, in order. */
static void keep_metrics(host_job *to, const host_job *from)
{
    to->metrics_lost |= from->metrics_lost;
    if (!from->n_metrics)
        return;
    size_t n = to->n_metrics + from->n_metrics;
    if (n > to->cap_metrics) {
        host_metric *grown = realloc(to->metrics, n * sizeof *grown);
        if (!grown) {
            to->metrics_lost = 1;
            return;
        }
        to->metrics = grown;
        to->cap_metrics = n;
    }
    memcpy(to->metrics + to->n_metrics, from->metrics,
           from->n_metrics * sizeof *from->metrics);
    to->n_metrics = n;
}

/* Create and train the second model on the first K held-out points. Its own
   initial weights and minibatches: it is created and encoded under another seed,
   derived from the job's, with services of its own (twin). */
static int train_twin(const disjoint_input *in, void **self, char *err, size_t n_err)
{
    host_job twin;
    const host_job *job = in->host;
    host_job_init(&twin, rng_job_seed(job->seed, DISJOINT_STREAM), job->progress,
                  job->label, job->verbose);
    host_job_phase(&twin, "disjoint");
    twin.threads = in->first->threads; /* for its encode's parallel() */
    const basin_host *host = &twin.table;
    int rc = in->score ? in->score->create(host, in->params, in->dim, self)
                       : in->energy->create(host, in->params, in->dim, self);
    if (!rc && !*self)
        rc = BASIN_EINTERNAL;
    if (!rc)
        rc = in->score ? in->score->encode(*self, host, in->heldout, in->n_train)
                       : in->energy->encode(*self, host, in->heldout, in->n_train);
    if (rc)
        errmsg(err, n_err, "%s: %s", in->model_id, host_job_error(&twin, rc));
    keep_metrics(in->host, &twin);
    host_job_destroy(&twin);
    return rc;
}

/* Per sample, the distance and cosine of the two runs' outputs. */
static void compare(const float *x, const float *y, uint64_t n, uint64_t dim,
                    double *d_pair, double *cos_pair)
{
    for (uint64_t i = 0; i < n; i++, x += dim, y += dim) {
        double d2 = 0, xy = 0, xx = 0, yy = 0;
        for (uint64_t c = 0; c < dim; c++) {
            double a = x[c], b = y[c];
            d2 += (a - b) * (a - b);
            xy += a * b;
            xx += a * a;
            yy += b * b;
        }
        d_pair[i] = sqrt(d2 / (double)dim);
        cos_pair[i] = xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : NAN;
    }
}

int disjoint_run(const disjoint_input *in, double *d_pair, double *cos_pair, char *err,
                 size_t n_err)
{
    uint64_t n = in->count, dim = in->dim;
    if (in->n_heldout < in->n_train) {
        errmsg(err, n_err,
               "measure: measure.disjoint trains a second model on %llu "
               "held-out points, but the dataset has %llu; raise dataset.heldout",
               (unsigned long long)in->n_train, (unsigned long long)in->n_heldout);
        return BASIN_EINVAL;
    }
    float *states = malloc((size_t)(n ? n * dim : 1) * sizeof(float));
    basin_outcome *outcome = malloc((size_t)(n ? n : 1) * sizeof *outcome);
    if (!states || !outcome) {
        free(states);
        free(outcome);
        errmsg(err, n_err, "measure: out of memory");
        return BASIN_ENOMEM;
    }
    memcpy(states, in->init, (size_t)(n * dim) * sizeof(float));

    /* The second model runs in the first's place, under the job's own seed: the
       first run's noise. */
    host_job_phase(in->host, "disjoint");
    host_job_clear_error(in->host);
    void *self = NULL;
    int rc = train_twin(in, &self, err, n_err);
    if (!rc) {
        dynamics twin = *in->first;
        if (in->score)
            twin.model.score_self = self;
        else
            twin.model.energy_self = self;
        rc = dynamics_run(&twin, states, n, 0, outcome);
        if (rc)
            errmsg(err, n_err, "%s: %s", in->model_id, host_job_error(in->host, rc));
    }
    if (self)
        in->score ? in->score->destroy(self) : in->energy->destroy(self);
    if (!rc)
        compare(in->final, states, n, dim, d_pair, cos_pair);
    free(states);
    free(outcome);
    return rc;
}
