#include "registry/interfaces.h"

#include <string.h>

/* Each interface's required functions; the words are what a message names. */

static const char *dataset_missing(const void *table)
{
    const basin_dataset_iface *f = table;
    return f->create && f->destroy && f->info && f->read
               ? NULL
               : "create, destroy, info and read";
}

static const char *energy_missing(const void *table)
{
    const basin_energy_iface *f = table;
    if (!(f->create && f->destroy && f->encode && f->energy))
        return "create, destroy, encode and energy";
    if ((f->flags & BASIN_ENERGY_BINARY) &&
        !(f->spin_cache_size && f->spin_init && f->spin_delta && f->spin_flip))
        return "spin_cache_size, spin_init, spin_delta and spin_flip (binary)";
    return NULL;
}

static const char *score_missing(const void *table)
{
    const basin_score_iface *f = table;
    return f->create && f->destroy && f->encode && f->denoise
               ? NULL
               : "create, destroy, encode and denoise";
}

static const char *sampler_missing(const void *table)
{
    const basin_sampler_iface *f = table;
    return f->create && f->destroy && f->run ? NULL : "create, destroy and run";
}

static const char *embedding_missing(const void *table)
{
    const basin_embedding_iface *f = table;
    return f->create && f->destroy && f->encode && f->dimension && f->features
               ? NULL
               : "create, destroy, encode, dimension and features";
}

const registry_interface registry_interfaces[REGISTRY_N_IFACES] = {
    [REGISTRY_IFACE_DATASET] =
        {
            .id = BASIN_IFACE_DATASET,
            .kind = "dataset",
            .id_prefix = "datasets/",
            /* spectrum and law_distance are optional and may be absent (ABI 1.0) */
            .min_size = offsetof(basin_dataset_iface, spectrum),
            .missing = dataset_missing,
        },
    [REGISTRY_IFACE_ENERGY] =
        {
            .id = BASIN_IFACE_ENERGY,
            .kind = "energy",
            .id_prefix = "energies/",
            .min_size = sizeof(basin_energy_iface),
            .missing = energy_missing,
        },
    [REGISTRY_IFACE_SCORE] =
        {
            .id = BASIN_IFACE_SCORE,
            .kind = "score",
            .id_prefix = "scores/",
            .min_size = sizeof(basin_score_iface),
            .missing = score_missing,
        },
    [REGISTRY_IFACE_SAMPLER] =
        {
            .id = BASIN_IFACE_SAMPLER,
            .kind = "sampler",
            .id_prefix = "samplers/",
            .min_size = sizeof(basin_sampler_iface),
            .missing = sampler_missing,
        },
    [REGISTRY_IFACE_EMBEDDING] =
        {
            .id = BASIN_IFACE_EMBEDDING,
            .kind = "embedding",
            .id_prefix = "embeddings/",
            .min_size = sizeof(basin_embedding_iface),
            .missing = embedding_missing,
        },
};

const registry_interface *registry_interface_find(const char *id)
{
    for (size_t i = 0; id && i < REGISTRY_N_IFACES; i++)
        if (strcmp(registry_interfaces[i].id, id) == 0)
            return &registry_interfaces[i];
    return NULL;
}
