/*
 * registry — finding, loading and checking plugin libraries.
 *
 * Libraries are searched, first match of an id wins, in the order paths are added:
 * the paths a recipe names (plugin_path), BASIN_PLUGIN_PATH (colon-separated), the
 * plugins/ folder beside the basin executable (the build tree) and the install
 * plugin folder. A directory is searched recursively for *.so; a file is loaded as
 * it is. A library is accepted only if its ABI is compatible (basin_abi_compatible:
 * the host's major, a minor not newer) and its descriptors are sane: an interface
 * of registry/interfaces.h with its required functions, parameter rows that pass
 * param_check_def. Otherwise it is refused with a message naming the library and
 * what is wrong, both versions for an ABI mismatch (registry_refusal).
 */
#ifndef BASIN_REGISTRY_H
#define BASIN_REGISTRY_H

#include <stddef.h>

#include "basin/plugin.h"

typedef struct registry registry;

/* A plugin found in a loaded library. */
typedef struct registry_plugin {
    const basin_descriptor *descriptor;
    const char *library; /* path of the library it came from */
} registry_plugin;

registry *registry_new(void);
void registry_free(registry *reg);

/*
 * Search path: a directory (recursively) or one library file. A path that does not
 * exist is BASIN_EIO with a message in err when `must_exist`, silently skipped
 * otherwise. Refused libraries in a directory do not make this fail: they are
 * recorded; a library file named with `must_exist` that is refused is BASIN_EINVAL
 * with its refusal in err. BASIN_ENOMEM when memory ran out. err may be NULL.
 */
int registry_add_path(registry *reg, const char *path, int must_exist, char *err,
                      size_t n_err);

/* The default search path: BASIN_PLUGIN_PATH, then beside the executable, then the
   install folder. Paths that do not exist are skipped; nothing here is an error
   (out of memory leaves the registry with the plugins found so far). */
void registry_add_defaults(registry *reg);

/* The plugin with this id, or NULL. */
const registry_plugin *registry_find(const registry *reg, const char *id);

/* All plugins, in search order. */
size_t registry_count(const registry *reg);
const registry_plugin *registry_at(const registry *reg, size_t i);

/* Libraries that were refused, each with its one-line reason. */
size_t registry_refused_count(const registry *reg);
const char *registry_refusal(const registry *reg, size_t i);

/* Plugins not used because an earlier search path has the same id, each as
   "ID in LIBRARY is shadowed by LIBRARY". */
size_t registry_shadowed_count(const registry *reg);
const char *registry_shadowed(const registry *reg, size_t i);

/* The closest known id to `id`, or NULL. */
const char *registry_suggest(const registry *reg, const char *id);

/* A short name of a descriptor's interface: "dataset", "energy", "score", "sampler"
   (registry_interfaces' kind); NULL for an interface this host does not speak. */
const char *registry_kind(const basin_descriptor *d);

#endif
