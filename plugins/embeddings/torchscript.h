/*
 * torchscript.h — what the two halves of embeddings/torchscript share (as
 * plugins/scores/torchscript.h for the score model).
 *
 * torchscript.c is the plugin the registry scans: a C library that does not link
 * libtorch. Its create() dlopens the C++ half, TORCHSCRIPT_EMBEDDING_IMPL_FILE beside
 * itself (a name not ending in .so, so the registry never loads it), which exports
 * TORCHSCRIPT_EMBEDDING_IMPL_SYMBOL, a basin_embedding_iface whose create() takes
 * the values of torchscript.c's parameter table in the order below.
 */
#ifndef BASIN_EMBEDDINGS_TORCHSCRIPT_H
#define BASIN_EMBEDDINGS_TORCHSCRIPT_H

#define TORCHSCRIPT_EMBEDDING_IMPL_FILE   "torchscript_embedding_libtorch.impl"
#define TORCHSCRIPT_EMBEDDING_IMPL_SYMBOL "basin_torchscript_embedding_impl"

/* Rows of the parameter table. */
enum {
    TORCHSCRIPT_EMBEDDING_FILE,
    TORCHSCRIPT_EMBEDDING_IMAGE_SHAPE,
    TORCHSCRIPT_EMBEDDING_THREADS,
    TORCHSCRIPT_EMBEDDING_BATCH,
    TORCHSCRIPT_EMBEDDING_CONCURRENT,
    TORCHSCRIPT_EMBEDDING_N_PARAMS
};

#endif
