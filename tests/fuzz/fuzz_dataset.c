/* fuzz_dataset — see fuzz_dataset.h. */
#include "fuzz_dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"
#include "fuzz.h"

/* Rows per read() call, and the most floats read at once. */
#define BLOCK_ROWS   7
#define BLOCK_FLOATS (1u << 22)

int fuzz_dataset(const fuzz_setting *settings, int n_settings)
{
    static fake_host host;
    static int ready;
    if (!ready) {
        fake_host_init(&host, 1, FAKE_SPLITMIX);
        host.quiet = 1;
        ready = 1;
    }
    const basin_descriptor *desc = basin_library_entry.plugins[0];
    const basin_dataset_iface *ds = desc->iface;
    params p = param_defaults(desc);
    for (int i = 0; i < n_settings; i++) {
        if (settings[i].string)
            set_string(&p, settings[i].name, settings[i].string);
        else
            set_number(&p, settings[i].name, settings[i].number);
    }
    fake_last_error[0] = '\0';
    void *self = NULL;
    int rc = ds->create(&host.host, p.values, &self);
    if (rc != BASIN_OK) {
        if (fake_last_error[0] == '\0' || self != NULL) {
            fprintf(stderr,
                    "%s: create failed (%d) without a message, or left an object\n",
                    desc->id, rc);
            abort();
        }
        fuzz_note("%s: %s", desc->id, fake_last_error);
        return rc;
    }
    basin_dataset_info info;
    memset(&info, 0, sizeof info);
    if (ds->info(self, &info) != BASIN_OK || info.dim == 0 ||
        (info.height && (uint64_t)info.height * info.width * info.channels != info.dim)) {
        fprintf(stderr, "%s: info() fails or is inconsistent\n", desc->id);
        abort();
    }
    size_t rows =
        BLOCK_FLOATS / info.dim < BLOCK_ROWS ? BLOCK_FLOATS / info.dim : BLOCK_ROWS;
    if (rows == 0) {
        fprintf(stderr, "%s: rows of %u values, over the harness's block\n", desc->id,
                info.dim);
        abort();
    }
    float *block = malloc(rows * info.dim * sizeof *block);
    if (!block)
        abort();
    for (int split = 0; split < 2; split++) {
        const uint64_t n = split == 0 ? info.n_train : info.n_heldout;
        for (uint64_t first = 0; first < n; first += rows) {
            const uint64_t count = n - first < rows ? n - first : rows;
            if (ds->read(self, &host.host, split, first, count, block) != BASIN_OK) {
                fprintf(stderr, "%s: read(split %d, %llu, %llu) of %llu rows fails: %s\n",
                        desc->id, split, (unsigned long long)first,
                        (unsigned long long)count, (unsigned long long)n,
                        fake_last_error);
                abort();
            }
        }
        /* Past the end: refused. */
        if (ds->read(self, &host.host, split, n, 1, block) == BASIN_OK) {
            fprintf(stderr, "%s: read past the end of split %d succeeds\n", desc->id,
                    split);
            abort();
        }
        /* Labels (ABI 1.2), when the table has them: every row's, >= 0, or none
           for the split (BASIN_EUNSUPPORTED). */
        if (ds->struct_size < offsetof(basin_dataset_iface, labels) + sizeof ds->labels ||
            ds->labels == NULL)
            continue;
        int32_t *labels = (int32_t *)(void *)block; /* rows ≥ 1 floats of room each */
        for (uint64_t first = 0; first < n; first += rows) {
            const uint64_t count = n - first < rows ? n - first : rows;
            rc = ds->labels(self, &host.host, split, first, count, labels);
            if (rc == BASIN_EUNSUPPORTED)
                break;
            for (uint64_t i = 0; rc == BASIN_OK && i < count; i++)
                if (labels[i] < 0)
                    rc = BASIN_EINTERNAL;
            if (rc != BASIN_OK) {
                fprintf(stderr, "%s: labels(split %d, %llu, %llu) fails (%d): %s\n",
                        desc->id, split, (unsigned long long)first,
                        (unsigned long long)count, rc, fake_last_error);
                abort();
            }
        }
    }
    fuzz_note("%s: ok: %llu + %llu rows of %u", desc->id,
              (unsigned long long)info.n_train, (unsigned long long)info.n_heldout,
              info.dim);
    free(block);
    ds->destroy(self);
    return BASIN_OK;
}
