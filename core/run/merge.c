#include "run/merge.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "base/status.h"
#include "recipe/recipe.h"
#include "registry/registry.h"
#include "results/atomic_file.h"
#include "results/job_part.h"
#include "results/run_dir.h"

/* What merge reads of each shard. */
typedef struct shard_in {
    const char *dir;
    run_manifest m;
    char *identity;
} shard_in;

/* Read and check shard k against the first. */
static int read_shard(shard_in *s, const shard_in *first, char *err, size_t n_err)
{
    int rc = run_manifest_read(s->dir, &s->m, err, n_err);
    if (rc)
        return rc;
    char why[512];
    if ((rc = run_dir_read_identity(s->dir, &s->identity, why, sizeof why))) {
        errmsg(err, n_err, "%s", why);
        return rc;
    }
    if (run_dir_hash(s->identity) != s->m.hash) {
        errmsg(err, n_err, "%s: jobs/%s is not the recipe its %s names", s->dir,
               RUN_DIR_IDENTITY, RUN_DIR_MANIFEST);
        return BASIN_EINVAL;
    }
    if (first && s->m.hash != first->m.hash) {
        char diff[1200], in_a[PATH_MAX + 8], in_b[PATH_MAX + 8];
        snprintf(in_a, sizeof in_a, "in %s", first->dir);
        snprintf(in_b, sizeof in_b, "in %s", s->dir);
        run_dir_difference(first->identity, s->identity, in_a, in_b, diff, sizeof diff);
        errmsg(err, n_err, "%s and %s are shards of different runs (%s)", first->dir,
               s->dir, diff);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* Every job in exactly one shard, its part there. owner: n_total entries. */
static int check_jobs(const shard_in *in, size_t n, uint32_t *owner, char *err,
                      size_t n_err)
{
    uint64_t total = in[0].m.n_total;
    for (size_t k = 0; k < n; k++) {
        for (uint64_t i = 0; i < in[k].m.n_jobs; i++) {
            uint64_t j = in[k].m.jobs[i];
            if (owner[j]) {
                errmsg(err, n_err, "job %llu is in two shards: %s and %s",
                       (unsigned long long)j, in[owner[j] - 1].dir, in[k].dir);
                return BASIN_EINVAL;
            }
            owner[j] = (uint32_t)k + 1;
            char path[PATH_MAX + 64];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s/%llu.part", in[k].dir, RUN_DIR_JOBS,
                     (unsigned long long)j);
            if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
                errmsg(err, n_err, "%s: job %llu's part is missing (%s)", in[k].dir,
                       (unsigned long long)j, path);
                return BASIN_EINVAL;
            }
        }
    }
    uint64_t missing = 0, first = 0;
    for (uint64_t j = 0; j < total; j++)
        if (!owner[j] && !missing++)
            first = j;
    if (missing) {
        uint32_t of = in[0].m.of;
        errmsg(err, n_err,
               "job %llu is in none of the shards given (%llu of %llu jobs missing; "
               "is shard %llu/%u missing?)",
               (unsigned long long)first, (unsigned long long)missing,
               (unsigned long long)total, (unsigned long long)(first % of), of);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* src into dst: a hard link under a temporary name renamed over dst, or a copy
   (atomic_file.h) where links do not work. */
static int place_part(const char *src, const char *jobs, uint64_t j, char *err,
                      size_t n_err)
{
    char dst[PATH_MAX + 64], tmp[PATH_MAX + 80];
    job_part_path(jobs, j, dst, sizeof dst);
    snprintf(tmp, sizeof tmp, "%s/.%llu.part.link-%ld", jobs, (unsigned long long)j,
             (long)getpid());
    unlink(tmp);
    if (link(src, tmp) == 0) {
        if (rename(tmp, dst) == 0)
            return BASIN_OK;
        unlink(tmp);
    }
    char *data = NULL;
    size_t n = 0;
    int rc = run_dir_slurp(src, (size_t)JOB_PART_MAX_BYTES, &data, &n, err, n_err);
    if (!rc)
        rc = job_part_write(jobs, j, (const uint8_t *)data, n, err, n_err);
    free(data);
    return rc;
}

int merge_run(const char *out, const char *const *dirs, size_t n,
              const pipeline_options *o, char *err, size_t n_err)
{
    shard_in *in = calloc(n, sizeof *in);
    uint32_t *owner = NULL;
    char *run_toml = NULL;
    registry *reg = NULL;
    recipe *r = NULL;
    int rc = in ? BASIN_OK : BASIN_ENOMEM;
    for (size_t k = 0; !rc && k < n; k++) {
        in[k].dir = dirs[k];
        rc = read_shard(&in[k], k ? &in[0] : NULL, err, n_err);
    }
    if (!rc && !(owner = calloc(in[0].m.n_total ? in[0].m.n_total : 1, sizeof *owner)))
        rc = BASIN_ENOMEM;
    if (!rc)
        rc = check_jobs(in, n, owner, err, n_err);
    char path[PATH_MAX + 16];
    if (!rc) {
        snprintf(path, sizeof path, "%s/run.toml", in[0].dir);
        rc = run_dir_slurp(path, 64u << 20, &run_toml, NULL, err, n_err);
    }
    if (!rc && !(reg = registry_new()))
        rc = BASIN_ENOMEM;
    if (!rc) {
        char why[1024];
        if ((rc = recipe_load_results(path, reg, &r, why, sizeof why)))
            errmsg(err, n_err, "%s", why);
        else if ((uint64_t)r->n_points * r->repeats != in[0].m.n_total) {
            errmsg(err, n_err, "%s: %llu jobs, not the %llu its %s names", path,
                   (unsigned long long)r->n_points * r->repeats,
                   (unsigned long long)in[0].m.n_total, RUN_DIR_MANIFEST);
            rc = BASIN_EINVAL;
        }
    }
    /* Every check is done: from here on, the merged folder is written. */
    char jobs[PATH_MAX + 8];
    int created = 0;
    char aside[PATH_MAX];
    if (!rc)
        rc = run_dir_open(out, in[0].identity, o->fresh, jobs, sizeof jobs, &created,
                          aside, err, n_err);
    for (uint64_t j = 0; !rc && j < in[0].m.n_total; j++) {
        char src[PATH_MAX + 64];
        snprintf(src, sizeof src, "%s/%s/%llu.part", in[owner[j] - 1].dir, RUN_DIR_JOBS,
                 (unsigned long long)j);
        rc = place_part(src, jobs, j, err, n_err);
    }
    if (!rc) {
        pipeline_options m = *o;
        m.out_dir = out;
        m.shard = m.shards = 0;
        m.merge = 1;
        m.run_toml = run_toml;
        m.identity = in[0].identity;
        m.threads = in[0].m.threads;
        rc = pipeline_run(r, &m, err, n_err);
    }
    if (rc == BASIN_ENOMEM && err && !err[0])
        errmsg(err, n_err, "out of memory");
    for (size_t k = 0; in && k < n; k++) {
        run_manifest_free(&in[k].m);
        free(in[k].identity);
    }
    free(in);
    free(owner);
    free(run_toml);
    recipe_free(r);
    registry_free(reg);
    return rc;
}
