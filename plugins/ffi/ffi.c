/*
 * The ffi library: scores/ffi (score.c), energies/ffi (energy.c) and
 * embeddings/ffi (embedding.c), adapters
 * that call functions in shared libraries not written for basin through libffi.
 * The parsing and calling they share is prototype.c, bindings.c and foreign.c.
 */
#include <basin/plugin.h>

extern const basin_descriptor ffi_score_descriptor;
extern const basin_descriptor ffi_energy_descriptor;
extern const basin_descriptor ffi_embedding_descriptor;

static const basin_descriptor *const ffi_plugins[] = {
    &ffi_score_descriptor,
    &ffi_energy_descriptor,
    &ffi_embedding_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "ffi",
    ffi_plugins,
};
