/* rows — see rows.h. */
#include "rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int rows_alloc(rows *r, const basin_host *host)
{
    const uint64_t n_rows = r->n_train + r->n_heldout;
    if (r->n_train > UINT64_MAX - r->n_heldout || r->dim == 0 ||
        n_rows > SIZE_MAX / sizeof(float) / r->dim) {
        host->error(host,
                    "%llu train + %llu held-out rows of dim %u overflow the address "
                    "space",
                    (unsigned long long)r->n_train, (unsigned long long)r->n_heldout,
                    r->dim);
        return BASIN_EINVAL;
    }
    const size_t n_bytes = (size_t)n_rows * r->dim * sizeof(float);
    r->data = malloc(n_bytes ? n_bytes : 1);
    if (r->data == NULL) {
        host->error(host,
                    "cannot allocate %zu bytes for %llu train + %llu held-out rows "
                    "of dim %u",
                    n_bytes, (unsigned long long)r->n_train,
                    (unsigned long long)r->n_heldout, r->dim);
        return BASIN_ENOMEM;
    }
    return BASIN_OK;
}

void rows_free(rows *r)
{
    free(r->data);
    r->data = NULL;
}

float *rows_at(const rows *r, uint64_t row)
{
    return r->data + (size_t)row * r->dim;
}

/* rows_locate with the call's name ("read", "labels") in the messages and the
   output array's name (`what`) in the NULL one. */
static int locate(const basin_host *host, const char *call, uint64_t n_train,
                  uint64_t n_heldout, int split, uint64_t first, uint64_t count,
                  const void *out, const char *what, const char *noun, uint64_t *offset)
{
    uint64_t n_split;
    if (split == BASIN_SPLIT_TRAIN) {
        n_split = n_train;
        *offset = 0;
    } else if (split == BASIN_SPLIT_HELDOUT) {
        n_split = n_heldout;
        *offset = n_train;
    } else {
        host->error(host, "%s: unknown split %d (0 train, 1 held-out)", call, split);
        return BASIN_EINVAL;
    }
    if (first > n_split || count > n_split - first) {
        host->error(host,
                    "%s: rows [%llu, %llu + %llu) are outside the %s split of "
                    "%llu %s",
                    call, (unsigned long long)first, (unsigned long long)first,
                    (unsigned long long)count,
                    split == BASIN_SPLIT_TRAIN ? "train" : "held-out",
                    (unsigned long long)n_split, noun);
        return BASIN_EINVAL;
    }
    if (count > 0 && out == NULL) {
        host->error(host, "%s: %s is NULL", call, what);
        return BASIN_EINVAL;
    }
    *offset += first;
    return BASIN_OK;
}

int rows_locate(const basin_host *host, uint64_t n_train, uint64_t n_heldout, int split,
                uint64_t first, uint64_t count, const float *out, const char *noun,
                uint64_t *offset)
{
    return locate(host, "read", n_train, n_heldout, split, first, count, out, "rows",
                  noun, offset);
}

int rows_labels(const basin_host *host, const int32_t *store, uint64_t n_train,
                uint64_t n_heldout, int split, uint64_t first, uint64_t count,
                int32_t *out)
{
    uint64_t at;
    const int rc = locate(host, "labels", n_train, n_heldout, split, first, count, out,
                          "labels", "rows", &at);
    if (rc != BASIN_OK || count == 0)
        return rc;
    memcpy(out, store + at, (size_t)count * sizeof *out);
    return BASIN_OK;
}

int rows_read(const rows *r, const basin_host *host, int split, uint64_t first,
              uint64_t count, float *out)
{
    uint64_t at;
    const int rc = rows_locate(host, r->n_train, r->n_heldout, split, first, count, out,
                               "rows", &at);
    if (rc != BASIN_OK || count == 0)
        return rc;
    memcpy(out, rows_at(r, at), (size_t)count * r->dim * sizeof(float));
    return BASIN_OK;
}

int rows_dataset_info(void *self, basin_dataset_info *out)
{
    const rows *r = self;
    out->n_train = r->n_train;
    out->n_heldout = r->n_heldout;
    out->dim = r->dim;
    out->flags = 0;
    out->height = out->width = out->channels = 0; /* not images */
    return BASIN_OK;
}

int rows_dataset_read(void *self, const basin_host *host, int split, uint64_t first,
                      uint64_t count, float *out)
{
    return rows_read(self, host, split, first, count, out);
}

int rows_check_int(const basin_host *host, const char *name, double value, long long lo,
                   long long hi)
{
    if (!(value >= (double)lo && value <= (double)hi && value == floor(value))) {
        host->error(host, "%s = %g is not an integer in [%lld, %lld]", name, value, lo,
                    hi);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

int rows_check_sizes(const basin_host *host, double dim, double count, double heldout,
                     rows *r)
{
    int rc = rows_check_int(host, "dim", dim, 1, 1000000);
    if (rc == BASIN_OK)
        rc = rows_check_int(host, "count", count, 1, 10000000);
    if (rc == BASIN_OK)
        rc = rows_check_int(host, "heldout", heldout, 0, 10000000);
    if (rc != BASIN_OK)
        return rc;
    r->dim = (uint32_t)dim;
    r->n_train = (uint64_t)count;
    r->n_heldout = (uint64_t)heldout;
    return BASIN_OK;
}

int rows_cancelled(const basin_host *host, uint64_t done, uint64_t total,
                   const char *what)
{
    if (host->cancelled != NULL && host->cancelled(host)) {
        host->error(host, "cancelled after %llu of %llu %s", (unsigned long long)done,
                    (unsigned long long)total, what);
        return 1;
    }
    if (host->progress != NULL)
        host->progress(host, done, total);
    return 0;
}

int rows_draw_blocks(const basin_host *host, uint64_t n_train, uint64_t n_heldout,
                     const char *what, rows_block_fn fill, void *ctx)
{
    const uint64_t n_rows = n_train + n_heldout;
    for (uint64_t row = 0; row < n_rows; row += ROWS_BLOCK) {
        if (rows_cancelled(host, row, n_rows, what))
            return BASIN_ECANCELED;
        fill(ctx, host, row, n_rows - row < ROWS_BLOCK ? n_rows - row : ROWS_BLOCK);
    }
    if (host->progress != NULL)
        host->progress(host, n_rows, n_rows);
    return BASIN_OK;
}

/* rows_draw_points' fill and its context, called per block. */
typedef struct point_fill {
    rows_point_fn fill;
    void *ctx;
    uint64_t n_train;
} point_fill;

static void fill_points(void *ctx, const basin_host *host, uint64_t first, uint64_t n)
{
    const point_fill *p = ctx;
    for (uint64_t row = first; row < first + n; row++) {
        const int heldout = row >= p->n_train;
        p->fill(p->ctx, host, row, heldout ? row - p->n_train : row, heldout);
    }
}

int rows_draw_points(const basin_host *host, uint64_t n_train, uint64_t n_heldout,
                     const char *what, rows_point_fn fill, void *ctx)
{
    point_fill p = {fill, ctx, n_train};
    return rows_draw_blocks(host, n_train, n_heldout, what, fill_points, &p);
}
