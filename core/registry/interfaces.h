/*
 * interfaces — the plugin interfaces this host speaks, once: for each, its id
 * ("basin.energy/1"), the short kind recipes and messages use ("energy"), the
 * prefix of its plugins' ids ("energies/"), the smallest function table it
 * accepts and the function pointers that table must hold. The registry refuses a
 * library by this table; `basin check` reports against it.
 */
#ifndef BASIN_INTERFACES_H
#define BASIN_INTERFACES_H

#include <stddef.h>

#include "basin/plugin.h"

/* The rows of registry_interfaces, in the order messages list them. */
typedef enum registry_iface_index {
    REGISTRY_IFACE_DATASET,
    REGISTRY_IFACE_ENERGY,
    REGISTRY_IFACE_SCORE,
    REGISTRY_IFACE_SAMPLER,
    REGISTRY_IFACE_EMBEDDING, /* ABI 1.2 */
    REGISTRY_N_IFACES
} registry_iface_index;

typedef struct registry_interface {
    const char *id;        /* BASIN_IFACE_*: "basin.energy/1" */
    const char *kind;      /* "energy" */
    const char *id_prefix; /* "energies/": every plugin id of the interface starts so */
    size_t min_size;       /* the smallest struct_size of its function table */
    /* NULL when a table of at least min_size bytes holds every function it must,
       else the functions of the group that lacks one, in words ("create,
       destroy, encode and energy"). [thread-safe] */
    const char *(*missing)(const void *table);
} registry_interface;

extern const registry_interface registry_interfaces[REGISTRY_N_IFACES];

/* basin_dataset_iface.labels (ABI 1.2). */
typedef int (*registry_labels_fn)(void *self, const basin_host *host, int split,
                                  uint64_t first, uint64_t count, int32_t *labels);

/* A dataset's optional labels(), or NULL when its table has none: a 1.0 or 1.1
   table ends before the field, and the host never reads past struct_size.
   [thread-safe] */
static inline registry_labels_fn registry_dataset_labels(const basin_dataset_iface *f)
{
    return f->struct_size >= offsetof(basin_dataset_iface, labels) + sizeof f->labels
               ? f->labels
               : NULL;
}

/* The row of an interface id ("basin.energy/1"), or NULL when this host does not
   speak it. [thread-safe] */
const registry_interface *registry_interface_find(const char *id);

#endif
