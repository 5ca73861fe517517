/*
 * disjoint — the disjoint-sets test of Kadkhodaie, Guth, Simoncelli & Mallat
 * (ICLR 2024, arXiv:2310.02557).
 *
 * A second model of the same kind and parameters is trained on K points disjoint
 * from the first model's K: the first K held-out points of the same law. Its
 * training draws from its own random stream (another seed derived from the job's),
 * so a trained model starts from other weights and sees other minibatches; it is
 * run from the same initial states with the same sampler, and since the sampler's
 * noise is keyed by (job seed, sample, step), with the same noise. Per sample the two outputs x, y
 * are compared by
 *   d_pair   = ‖x − y‖ / √N                  (the measures' distance, measure.h)
 *   cos_pair = x·y / (‖x‖ ‖y‖)               (Kadkhodaie et al.'s cosine similarity)
 * A model that memorizes copies its own training points, which the other model
 * never saw: the pairs are far apart. A model that generalizes learns the law, not
 * its sample: the pairs become close (cos → 1) as K grows.
 */
#ifndef BASIN_DISJOINT_H
#define BASIN_DISJOINT_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"
#include "base/host.h"
#include "run/dynamics.h"

/* What the test needs of a job. */
typedef struct disjoint_input {
    /* The first model's interface (exactly one set), its resolved [model] values
       and its id (for messages). */
    const basin_energy_iface *energy;
    const basin_score_iface *score;
    const basin_value *params;
    const char *model_id;
    uint32_t dim;
    uint64_t n_train;          /* K: the second model trains on heldout[0, K) */
    const float *heldout;      /* n_heldout × dim */
    uint64_t n_heldout;        /* must be ≥ n_train */
    const float *init, *final; /* count × dim: the first run's starts and ends */
    uint64_t count;
    const dynamics *first; /* the first run's dynamics: sampler, schedule, seed */
    host_job *host;        /* the job's services (first->host) */
} disjoint_input;

/*
 * Train the second model (under the seed rng_job_seed(job seed, "disjoint"), its
 * training curves kept in host's metrics as the disjoint model's), run it from
 * the first run's starts under the first run's dynamics and noise, and compare:
 * d_pair[i] and cos_pair[i] for each of the count samples. Returns BASIN_OK or a
 * status with "WHO: MSG" in err (WHO "measure" or the model's id): BASIN_EINVAL
 * when the dataset has fewer than n_train held-out points.
 */
int disjoint_run(const disjoint_input *in, double *d_pair, double *cos_pair, char *err,
                 size_t n_err);

#endif
