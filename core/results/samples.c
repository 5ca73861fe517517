#include "results/samples.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "kernels/npy.h"
#include "base/status.h"

int samples_append(samples_out *s, const results_folder *folder, const float *states,
                   uint64_t rows, uint32_t dim, char *err, size_t n_err)
{
    size_t k = 0;
    while (k < s->n && s->dim[k] != dim)
        k++;
    if (k == s->n) {
        char name[64];
        if (s->n == SAMPLES_MAX_FILES) {
            errmsg(err, n_err,
                   "more than 64 dimensions in one run; set "
                   "output.samples = false");
            return BASIN_EINVAL;
        }
        snprintf(name, sizeof name, "samples-dim%u.npy", dim);
        if (results_open_as(&s->file[k], folder->tmp, name, folder->final, err, n_err))
            return BASIN_EWRITE;
        s->dim[k] = dim;
        s->rows[k] = 0;
        s->n++;
        npy_write_header_f32(s->file[k].f, 0, dim);
    }
    size_t n = (size_t)(rows * dim);
    if (fwrite(states, sizeof(float), n, s->file[k].f) != n) {
        errmsg(err, n_err, "cannot write the samples into %s: %s", folder->final,
               strerror(errno));
        return BASIN_EWRITE;
    }
    s->rows[k] += rows;
    return BASIN_OK;
}

int samples_commit(samples_out *s, const results_folder *folder, char *err, size_t n_err)
{
    for (size_t k = 0; k < s->n; k++) {
        FILE *f = s->file[k].f;
        if (fseek(f, 0, SEEK_SET) != 0 ||
            npy_write_header_f32(f, s->rows[k], s->dim[k]) != 0) {
            errmsg(err, n_err, "cannot write %s: %s", results_shown(&s->file[k]),
                   strerror(errno));
            return BASIN_EWRITE;
        }
        if (s->n == 1) {
            size_t n = strlen(folder->tmp) + 16, n_shown = strlen(folder->final) + 16;
            char *name = realloc(s->file[k].final_path, n);
            if (name)
                s->file[k].final_path = name;
            char *shown = name ? realloc(s->file[k].shown_path, n_shown) : NULL;
            if (!shown) {
                errmsg(err, n_err, "out of memory");
                return BASIN_ENOMEM;
            }
            snprintf(name, n, "%s/samples.npy", folder->tmp);
            snprintf(shown, n_shown, "%s/samples.npy", folder->final);
            s->file[k].shown_path = shown;
        }
    }
    for (size_t k = 0; k < s->n; k++)
        if (results_commit(&s->file[k], err, n_err))
            return BASIN_EWRITE;
    return BASIN_OK;
}

void samples_abandon(samples_out *s)
{
    for (size_t k = 0; k < s->n; k++)
        results_abandon(&s->file[k]);
}
