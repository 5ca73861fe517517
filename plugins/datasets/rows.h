/*
 * rows — the float32 row store that the drawn and file-backed data sets share:
 * n_train training rows followed by n_heldout held-out rows, each dim floats,
 * row-major. Internal to plugins/datasets (compiled into each module that uses it;
 * hidden symbols).
 */
#ifndef BASIN_DATASETS_ROWS_H
#define BASIN_DATASETS_ROWS_H

#include <basin/plugin.h>

#include <stddef.h>
#include <stdint.h>

typedef struct rows {
    uint32_t dim;
    uint64_t n_train;
    uint64_t n_heldout;
    float *data; /* (n_train + n_heldout) × dim: train rows, then held-out */
} rows;

/*
 * Allocate r->data for r->n_train + r->n_heldout rows of r->dim floats. Returns 0,
 * BASIN_EINVAL when the size overflows the address space, BASIN_ENOMEM when it does
 * not fit in memory; the message says how many rows of which dim.
 */
int rows_alloc(rows *r, const basin_host *host);

/* Free r->data (NULL is fine) and zero it. */
void rows_free(rows *r);

/*
 * The start of row `row` of the store (train rows first). [thread-safe]
 */
float *rows_at(const rows *r, uint64_t row);

/*
 * basin_dataset_iface.read on a row store: copy rows [first, first + count) of a
 * split into out (count × dim). Returns BASIN_EINVAL for an unknown split or a
 * range past the split's end. [thread-safe]
 */
int rows_read(const rows *r, const basin_host *host, int split, uint64_t first,
              uint64_t count, float *out);

/*
 * Nonzero when the host asks to stop; then an error "cancelled after `done` of
 * `total` <what>" is recorded. Also reports progress. Call every so often.
 */
int rows_cancelled(const basin_host *host, uint64_t done, uint64_t total,
                   const char *what);

#endif
