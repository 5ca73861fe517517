/*
 * space — where the referee measures its distances: the data's own coordinates
 * (measure.space = "raw", the default), or the features of an embedding plugin
 * (basin.embedding/1; measure.space = "embeddings/pca" with its parameters in
 * [space]; docs/plugin-guide.md, "Embeddings"). With an embedding, d_m, d_2, d_s
 * and d_h are measured between f(x) and f(y), normalized by √m for m features:
 *
 *     d(x, y) = ‖f(x) − f(y)‖ / √m,
 *
 * the embedding fitted (encode) to the job's training set. Only the distances
 * move: final states, energies, trajectories, samples.npy and the law distance
 * d_law (the dataset's, in data space) stay where they are. The referee's
 * comparisons of d_law with the feature-space distances are therefore not
 * meaningful when space.active is set: a job says so in job.space_active.
 */
#ifndef BASIN_SPACE_H
#define BASIN_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "basin/plugin.h"
#include "base/host.h"
#include "recipe/recipe.h"
#include "registry/registry.h"

/* Rows per features() call: fixed, so results never depend on the thread count. */
#define SPACE_BLOCK 256u

typedef struct space {
    int active;                            /* an embedding is in use */
    const basin_embedding_iface *f;        /* NULL: raw coordinates */
    void *self;                            /* the embedding's instance */
    const char *id;                        /* its plugin id (messages, fatal.h) */
    uint32_t dim;                          /* where distances are measured: m, or N raw */
    const float *train, *heldout, *states; /* the points in that space: features
                                              (owned below) or the data (borrowed) */
    float *own_train, *own_heldout, *own_states;
} space;

/* Raw coordinates: s borrows the three arrays (any may be NULL), dim = N. */
void space_raw(space *s, const float *train, const float *heldout, const float *states,
               uint32_t dim);

/*
 * Create embedding p with its resolved parameter values (p's table order) and fit
 * it to n_train training rows of dimension dim. BASIN_OK with s active, or the
 * plugin's status (BASIN_EINTERNAL for a plugin that broke its contract: a
 * dimension of 0) with "ID: create|encode: message" in err and s inactive.
 */
int space_open(space *s, const registry_plugin *p, const basin_value *values,
               host_job *host, const float *train, uint64_t n_train, uint32_t dim,
               char *err, size_t n_err);

/*
 * The features of n rows x (n × dim) into a new array *out (n × s->dim, freed by
 * the caller), in SPACE_BLOCK-row calls over `threads` threads. BASIN_OK, or the
 * plugin's status with a message (a non-finite feature is BASIN_ENUMERIC, named).
 */
int space_features(const space *s, host_job *host, unsigned threads, const float *x,
                   uint64_t n, uint32_t dim, float **out, char *err, size_t n_err);

/*
 * What the distances of a job or of `basin measure` read: with s active, the
 * features of train, heldout (may be NULL) and states, owned by s; inactive, the
 * arrays themselves. BASIN_OK or space_features' status.
 */
int space_map(space *s, host_job *host, unsigned threads, const float *train,
              uint64_t n_train, const float *heldout, uint64_t n_heldout,
              const float *states, uint64_t n, uint32_t dim, char *err, size_t n_err);

/*
 * The recipe's space at sweep point `point`: raw, or the embedding that
 * measure.space names with [space]'s values (values: scratch of at least the
 * section's n_params entries), fitted to the training set and mapping the three
 * sets (space_open, then space_map). Errors as theirs.
 */
int space_of_recipe(space *s, const recipe *r, size_t point, basin_value *values,
                    host_job *host, unsigned threads, const float *train,
                    uint64_t n_train, const float *heldout, uint64_t n_heldout,
                    const float *states, uint64_t n, uint32_t dim, char *err,
                    size_t n_err);

/* Destroy the embedding and free the features; s is raw with nothing after. */
void space_free(space *s);

#endif
