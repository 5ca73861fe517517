#include "results/run_toml.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/status.h"
#include "base/utf8.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

/* Where the jobs' section of a run.toml begins (write_jobs). */
#define JOBS_MARK "\n# Jobs: "

/* ", delta_m X, delta_s Y, delta_h Z, quantile q" of job `index` of point st;
   nothing when the job used no threshold. */
static void write_thresholds(FILE *f, const point_stats *st, uint64_t index)
{
    for (uint64_t k = 0; st && k < st->jobs_n; k++) {
        const referee_job *j = &st->jobs[k];
        if (j->job != index)
            continue;
        const char *names[] = {"delta_m", "delta_s", "delta_h"};
        const double values[] = {j->delta_m, j->delta_s, j->delta_h};
        for (int v = 0; v < 3; v++)
            if (!isnan(values[v]))
                fprintf(f, ", %s %.6g", names[v], values[v]);
        if (!isnan(st->quantile) && st->calibrated)
            fprintf(f, ", quantile %g", st->quantile);
        return;
    }
}

static void write_jobs(FILE *f, const recipe *r, const point_stats *stats);

static void write_body(FILE *f, const recipe *r, unsigned threads,
                       const point_stats *stats)
{
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    fprintf(f,
            "# The resolved recipe of this run: `basin run` on this file repeats it.\n");
    fprintf(f, "# basin %s, plugin ABI %d.%d, %u thread%s\n", BASIN_VERSION,
            BASIN_ABI_MAJOR, BASIN_ABI_MINOR, threads, threads == 1 ? "" : "s");
    fprintf(f, "# BLAS: %s (core %s, OPENBLAS_CORETYPE=%s)\n", openblas_get_config(),
            openblas_get_corename(), coretype ? coretype : "unset");
    fprintf(f, "# source recipe: %s\n", r->path);
    recipe_write_toml(r, f);
    write_jobs(f, r, stats);
}

/* The jobs' section: each job's seed and thresholds. */
static void write_jobs(FILE *f, const recipe *r, const point_stats *stats)
{
    fprintf(f, "\n# Jobs: one per sweep point and repeat, its random streams keyed by "
               "its seed\n# (rng_job_seed(seed, job)), and the distance rules' "
               "thresholds it used\n# (calibrated from its held-out split where "
               "measure.delta_m or delta_s is \"auto\";\n# delta_h: the support "
               "test, docs/science.md).\n");
    if (r->n_models)
        fprintf(f, "# Jobs that differ only in their model share their seed "
                   "(recipe_job_seed).\n");
    for (size_t a = 0; a < r->n_axes; a++)
        if (r->axes[a].snapshot)
            fprintf(f, "# Every train_step of a point runs with its first one's seed "
                       "(recipe_job_seed).\n");
    for (size_t p = 0; p < r->n_points; p++)
        for (uint32_t k = 0; k < r->repeats; k++) {
            uint64_t index = (uint64_t)p * r->repeats + k;
            fprintf(f, "# job %llu: point %zu, repeat %u, seed %llu",
                    (unsigned long long)index, p, k,
                    (unsigned long long)recipe_job_seed(r, index));
            write_thresholds(f, stats ? &stats[p] : NULL, index);
            fputc('\n', f);
        }
}

int run_toml_write(FILE *f, const recipe *r, unsigned threads, const point_stats *stats)
{
    /* Written whole into memory first, then copied with every byte that is not
       valid UTF-8 (a file name in a comment, a plugin's own strings) replaced by
       U+FFFD, so the file always reads back as TOML. */
    char *text = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&text, &n);
    if (!mem)
        return BASIN_ENOMEM;
    write_body(mem, r, threads, stats);
    if (fclose(mem) != 0 || !text) {
        free(text);
        return BASIN_ENOMEM;
    }
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        size_t end = i, len;
        while (end < n && (len = utf8_sequence(s + end, n - end)))
            end += len;
        fwrite(s + i, 1, end - i, f);
        if (end < n)
            fputs("\xef\xbf\xbd", f);
        i = end + (end < n);
    }
    free(text);
    return BASIN_OK;
}

int run_toml_merged(FILE *f, const char *shard_toml, const recipe *r,
                    const point_stats *stats)
{
    /* The last mark: the jobs' section ends the file. */
    const char *jobs = NULL;
    for (const char *at = strstr(shard_toml, JOBS_MARK); at;
         at = strstr(at + 1, JOBS_MARK))
        jobs = at;
    size_t head = jobs ? (size_t)(jobs - shard_toml) : strlen(shard_toml);
    if (fwrite(shard_toml, 1, head, f) != head)
        return BASIN_EWRITE;
    write_jobs(f, r, stats);
    return ferror(f) ? BASIN_EWRITE : BASIN_OK;
}
