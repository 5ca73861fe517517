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

/*
 * 0 when value is an integer in [lo, hi]; otherwise BASIN_EINVAL with the message
 * "<name> = <value> is not an integer in [lo, hi]". For the create-time checks that
 * guard a host that did not check the parameter table.
 */
int rows_check_int(const basin_host *host, const char *name, double value, long long lo,
                   long long hi);

/*
 * The sizes every drawn data set takes: dim in [1, 10^6], count in [1, 10^7],
 * heldout in [0, 10^7] (rows_check_int, in that order). On success they fill
 * r->dim, r->n_train and r->n_heldout. Returns 0 or BASIN_EINVAL.
 */
int rows_check_sizes(const basin_host *host, double dim, double count, double heldout,
                     rows *r);

/*
 * The checks of basin_dataset_iface.read on any store of n_train training rows
 * followed by n_heldout held-out rows: a known split, [first, first + count) inside
 * it, out non-NULL when count > 0. *offset receives the store index of the split's
 * row `first`. `noun` names the rows in the range message ("rows", "patterns").
 * Returns 0 or BASIN_EINVAL. [thread-safe]
 */
int rows_locate(const basin_host *host, uint64_t n_train, uint64_t n_heldout, int split,
                uint64_t first, uint64_t count, const float *out, const char *noun,
                uint64_t *offset);

/*
 * basin_dataset_iface.labels on a label store of n_train training labels followed
 * by n_heldout held-out ones (rows_locate's checks, its messages beginning
 * "labels:"): copy labels [first, first + count) of a split into out. Returns 0 or
 * BASIN_EINVAL. [thread-safe]
 */
int rows_labels(const basin_host *host, const int32_t *store, uint64_t n_train,
                uint64_t n_heldout, int split, uint64_t first, uint64_t count,
                int32_t *out);

/*
 * basin_dataset_iface.info and .read for an instance whose FIRST member is a rows
 * (so self points at it): the counts and dim, flags and the image shape 0, and
 * rows_read.
 * [thread-safe]
 */
int rows_dataset_info(void *self, basin_dataset_info *out);
int rows_dataset_read(void *self, const basin_host *host, int split, uint64_t first,
                      uint64_t count, float *out);

/*
 * Fill rows [first, first + n) of a store (at most ROWS_BLOCK of them); train rows
 * come first, so row r is held-out point r − n_train when r >= n_train.
 */
typedef void (*rows_block_fn)(void *ctx, const basin_host *host, uint64_t first,
                              uint64_t n);
/* Fill row `row`: training point `index` (heldout 0) or held-out point `index`. */
typedef void (*rows_point_fn)(void *ctx, const basin_host *host, uint64_t row,
                              uint64_t index, int heldout);

#define ROWS_BLOCK 1024u

/*
 * Draw n_train + n_heldout rows, ROWS_BLOCK at a time through fill: before each
 * block the host may cancel (rows_cancelled, "cancelled after r of n <what>") and
 * is told the progress; after the last, progress n of n. Returns 0 or
 * BASIN_ECANCELED.
 */
int rows_draw_blocks(const basin_host *host, uint64_t n_train, uint64_t n_heldout,
                     const char *what, rows_block_fn fill, void *ctx);

/* rows_draw_blocks one row at a time: fill is called for each row in order. */
int rows_draw_points(const basin_host *host, uint64_t n_train, uint64_t n_heldout,
                     const char *what, rows_point_fn fill, void *ctx);

#endif
