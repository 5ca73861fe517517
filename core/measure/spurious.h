/*
 * spurious — spurious states as attractors, not only as samples: the spurious
 * final states of a job (measure.h, rule pham) grouped by single linkage, two
 * states in one cluster when a chain of spurious states joins them with every
 * link at most δ_s apart (‖x − y‖/√N). A cluster is one non-training attractor
 * that several samples fell into; how many there are, and how large, says
 * whether the model has a few strong spurious states or many weak ones
 * (docs/science.md, "The referee").
 */
#ifndef BASIN_SPURIOUS_H
#define BASIN_SPURIOUS_H

#include <stddef.h>
#include <stdint.h>

#include "measure/measure.h"

/* One cluster. */
typedef struct spurious_cluster {
    uint64_t size;
    uint64_t representative; /* its lowest sample index */
} spurious_cluster;

/* A job's clusters; cluster[i] is sample i's cluster (index into clusters, in
   the order of their representatives), -1 for a state that is not spurious. */
typedef struct spurious_result {
    int64_t *cluster;           /* n */
    spurious_cluster *clusters; /* n_clusters */
    uint64_t n_clusters;
} spurious_result;

/*
 * Group the n states (n × dim) whose class is MEASURE_SPURIOUS. Pairs are found
 * by SGEMM over blocks of the spurious states (O(m²·dim) for m of them, never an
 * m × m matrix at once); a pair near δ_s is decided by its distance recomputed in
 * double, and the union-find visits pairs in a fixed order, so the result does
 * not depend on threads. out is the caller's (spurious_free). Returns BASIN_OK
 * or BASIN_ENOMEM. [thread-safe]
 */
int spurious_group(const float *states, uint64_t n, uint32_t dim,
                   const measure_class *cls, double delta_s, spurious_result *out);

/* Free what out owns; out stays valid, empty. */
void spurious_free(spurious_result *out);

#endif
