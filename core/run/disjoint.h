/*
 * disjoint — the disjoint-sets test of Kadkhodaie, Guth, Simoncelli & Mallat
 * (ICLR 2024, arXiv:2310.02557; SCIENCE.md §5).
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

#include "run/job.h"

/* Run the second model from `init` (the count × dim initial states of the first
   run) and fill j->d_pair and j->cos_pair. Needs j->info.n_heldout ≥ n_train.
   Returns 0 or an exit status with a message in err. */
int disjoint_run(job *j, const float *init, char *err, size_t n_err);

#endif
