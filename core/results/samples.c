#include "results/samples.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "kernels/npy.h"
#include "base/status.h"

int samples_append(samples_out *s, const char *dir, const float *states, uint64_t rows,
                   uint32_t dim, char *err, size_t n_err)
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
        if (results_open(&s->file[k], dir, name, err, n_err))
            return BASIN_EWRITE;
        s->dim[k] = dim;
        s->rows[k] = 0;
        s->n++;
        npy_write_header_f32(s->file[k].f, 0, dim);
    }
    size_t n = (size_t)(rows * dim);
    if (fwrite(states, sizeof(float), n, s->file[k].f) != n) {
        errmsg(err, n_err, "%s: write error", s->file[k].tmp_path);
        return BASIN_EWRITE;
    }
    s->rows[k] += rows;
    return BASIN_OK;
}

/* Remove samples files of an earlier run in the same folder that this run did
   not replace, so the folder never mixes two runs. */
static void remove_stale(const samples_out *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        unsigned dim;
        char tail[8];
        int is_samples = strcmp(e->d_name, "samples.npy") == 0 ||
                         sscanf(e->d_name, "samples-dim%u.np%1s", &dim, tail) == 2;
        if (!is_samples)
            continue;
        int ours = 0;
        for (size_t k = 0; k < s->n; k++) {
            const char *slash = strrchr(s->file[k].final_path, '/');
            ours |= strcmp(slash ? slash + 1 : s->file[k].final_path, e->d_name) == 0;
        }
        if (!ours) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

int samples_commit(samples_out *s, const char *dir, char *err, size_t n_err)
{
    for (size_t k = 0; k < s->n; k++) {
        FILE *f = s->file[k].f;
        if (fseek(f, 0, SEEK_SET) != 0 ||
            npy_write_header_f32(f, s->rows[k], s->dim[k]) != 0) {
            errmsg(err, n_err, "%s: write error", s->file[k].tmp_path);
            return BASIN_EWRITE;
        }
        if (s->n == 1) {
            size_t n = strlen(dir) + 16;
            char *name = realloc(s->file[k].final_path, n);
            if (!name) {
                errmsg(err, n_err, "out of memory");
                return BASIN_ENOMEM;
            }
            snprintf(name, n, "%s/samples.npy", dir);
            s->file[k].final_path = name;
        }
    }
    remove_stale(s, dir);
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
