#include "run/disjoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"

/* The second model's training stream: rng_job_seed(job seed, this). */
#define DISJOINT_STREAM 0x6469736a6f696e74ull /* "disjoint" */

int disjoint_run(job *j, const float *init, char *err, size_t n_err)
{
    const recipe *r = j->r;
    const basin_host *host = &j->host.table;
    const char *model_id = r->sections[RECIPE_MODEL].plugin->descriptor->id;
    uint64_t k = j->info.n_train, n = j->count, dim = j->info.dim;
    if (j->info.n_heldout < k) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "measure.disjoint trains a second model on %llu "
                 "held-out points, but the dataset has %llu; raise dataset.heldout",
                 (unsigned long long)k, (unsigned long long)j->info.n_heldout);
        job_error(j, "measure", msg, err, n_err);
        return 2;
    }
    float *states = job_alloc(n * dim, sizeof(float));
    basin_outcome *outcome = job_alloc(n, sizeof *outcome);
    j->d_pair = job_alloc(n, sizeof *j->d_pair);
    j->cos_pair = job_alloc(n, sizeof *j->cos_pair);
    if (!states || !outcome || !j->d_pair || !j->cos_pair) {
        free(states);
        free(outcome);
        job_error(j, "measure", "out of memory", err, n_err);
        return 1;
    }
    memcpy(states, init, (size_t)(n * dim) * sizeof(float));

    /* The second model, trained on the held-out points, takes the first's place
       for one run of the sampler. */
    recipe_values(r, RECIPE_MODEL, j->point, j->values);
    host_job_phase(&j->host, "disjoint");
    host_job_clear_error(&j->host);
    void *self = NULL, *first = j->sc ? j->sc_self : j->en_self;
    /* An independent training (its own initial weights and minibatches): the
       model is created and encoded under another seed, derived from the job's;
       the sampler then runs under the job's own seed, with the first run's
       noise. */
    const uint64_t seed = j->host.seed;
    j->host.seed = rng_job_seed(seed, DISJOINT_STREAM);
    int rc = j->sc ? j->sc->create(host, j->values, (uint32_t)dim, &self)
                   : j->en->create(host, j->values, (uint32_t)dim, &self);
    if (!rc && !self)
        rc = BASIN_EINTERNAL;
    if (!rc)
        rc = j->sc ? j->sc->encode(self, host, j->heldout, k)
                   : j->en->encode(self, host, j->heldout, k);
    j->host.seed = seed;
    if (!rc) {
        *(j->sc ? &j->sc_self : &j->en_self) = self;
        rc = job_run_sampler(j, states, n, 0, outcome, j->sc ? &j->sched.table : NULL);
        *(j->sc ? &j->sc_self : &j->en_self) = first;
    }
    if (rc)
        job_error(j, model_id, host_job_error(&j->host, rc), err, n_err);
    if (self)
        j->sc ? j->sc->destroy(self) : j->en->destroy(self);

    for (uint64_t i = 0; !rc && i < n; i++) {
        const float *x = j->states + i * dim, *y = states + i * dim;
        double d2 = 0, xy = 0, xx = 0, yy = 0;
        for (uint64_t c = 0; c < dim; c++) {
            double a = x[c], b = y[c];
            d2 += (a - b) * (a - b);
            xy += a * b;
            xx += a * a;
            yy += b * b;
        }
        j->d_pair[i] = sqrt(d2 / (double)dim);
        j->cos_pair[i] = xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : NAN;
    }
    free(states);
    free(outcome);
    return rc ? (rc == BASIN_ECANCELED ? 1 : job_exit_status(rc)) : 0;
}
