/* rows — see rows.h. */
#include "rows.h"

#include <stdlib.h>
#include <string.h>

int rows_alloc(rows *r, const basin_host *host)
{
    const uint64_t n_rows = r->n_train + r->n_heldout;
    if (r->n_train > UINT64_MAX - r->n_heldout || r->dim == 0
        || n_rows > SIZE_MAX / sizeof(float) / r->dim) {
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

int rows_read(const rows *r, const basin_host *host, int split, uint64_t first,
              uint64_t count, float *out)
{
    uint64_t n_split, offset;
    if (split == BASIN_SPLIT_TRAIN) {
        n_split = r->n_train;
        offset = 0;
    } else if (split == BASIN_SPLIT_HELDOUT) {
        n_split = r->n_heldout;
        offset = r->n_train;
    } else {
        host->error(host, "read: unknown split %d (0 train, 1 held-out)", split);
        return BASIN_EINVAL;
    }
    if (first > n_split || count > n_split - first) {
        host->error(host,
                    "read: rows [%llu, %llu + %llu) are outside the %s split of "
                    "%llu rows",
                    (unsigned long long)first, (unsigned long long)first,
                    (unsigned long long)count,
                    split == BASIN_SPLIT_TRAIN ? "train" : "held-out",
                    (unsigned long long)n_split);
        return BASIN_EINVAL;
    }
    if (count == 0)
        return BASIN_OK;
    if (out == NULL) {
        host->error(host, "read: rows is NULL");
        return BASIN_EINVAL;
    }
    memcpy(out, rows_at(r, offset + first), (size_t)count * r->dim * sizeof(float));
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
