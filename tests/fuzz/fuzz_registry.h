/*
 * fuzz_registry — the plugins a recipe harness finds: the build's own plugins/
 * (BASIN_PLUGIN_PATH is set to it), loaded once and kept loaded so that each
 * input's fresh registry only finds them again. A recipe's plugin_path is refused
 * ("the fuzzer loads no library a recipe names"): the harnesses link with
 * -Wl,--wrap=registry_add_path, so the calls from recipe.c reach
 * __wrap_registry_add_path below while the registry's own default search (the
 * same function, called inside registry.c) is left as it is. A fuzzed path such
 * as "/" would otherwise search the whole file system for libraries to load.
 */
#ifndef BASIN_FUZZ_REGISTRY_H
#define BASIN_FUZZ_REGISTRY_H

#include <stddef.h>

#include "registry/registry.h"

/* Set BASIN_PLUGIN_PATH and load the plugins once (call from LLVMFuzzerInitialize). */
void fuzz_registry_init(void);

int __wrap_registry_add_path(registry *reg, const char *path, int must_exist, char *err,
                             size_t n_err);

#endif
