#include "results/run_toml.h"

#include <cblas.h>
#include <stdlib.h>

#include "base/rng.h"
#include "base/status.h"
#include "base/utf8.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

static void write_body(FILE *f, const recipe *r, unsigned threads)
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
    fprintf(f, "\n# Jobs: one per sweep point and repeat, its random streams keyed by "
               "its seed\n# (rng_job_seed(seed, job)).\n");
    for (size_t p = 0; p < r->n_points; p++)
        for (uint32_t k = 0; k < r->repeats; k++) {
            uint64_t index = (uint64_t)p * r->repeats + k;
            fprintf(f, "# job %llu: point %zu, repeat %u, seed %llu\n",
                    (unsigned long long)index, p, k,
                    (unsigned long long)rng_job_seed(r->seed, index));
        }
}

int run_toml_write(FILE *f, const recipe *r, unsigned threads)
{
    /* Written whole into memory first, then copied with every byte that is not
       valid UTF-8 (a file name in a comment, a plugin's own strings) replaced by
       U+FFFD, so the file always reads back as TOML. */
    char *text = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&text, &n);
    if (!mem)
        return BASIN_ENOMEM;
    write_body(mem, r, threads);
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
