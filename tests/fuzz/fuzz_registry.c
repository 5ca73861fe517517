/* fuzz_registry — see fuzz_registry.h. */
#include "fuzz_registry.h"

#include <stdio.h>
#include <stdlib.h>

#include "basin/plugin.h"

#ifndef FUZZ_PLUGIN_DIR
#error "FUZZ_PLUGIN_DIR: the build's plugins/ folder (tests/fuzz/meson.build sets it)"
#endif

void fuzz_registry_init(void)
{
    static registry *kept;
    if (kept)
        return;
    setenv("BASIN_PLUGIN_PATH", FUZZ_PLUGIN_DIR, 1);
    kept = registry_new();
    if (!kept)
        abort();
    registry_add_defaults(kept);
    if (registry_count(kept) == 0) {
        fprintf(stderr, "fuzz harness: no plugins in %s (build them first)\n",
                FUZZ_PLUGIN_DIR);
        abort();
    }
}

int __wrap_registry_add_path(registry *reg, const char *path, int must_exist, char *err,
                             size_t n_err)
{
    (void)reg;
    (void)must_exist;
    if (err && n_err)
        snprintf(err, n_err, "%s: the fuzzer loads no library a recipe names", path);
    return BASIN_EIO;
}
