#include "results/run_toml.h"

#include <cblas.h>
#include <stdlib.h>

#include "base/rng.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

void run_toml_write(FILE *f, const recipe *r, unsigned threads)
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
