/*
 * torchscript.h — what the two halves of scores/torchscript share.
 *
 * torchscript.c is the plugin the registry scans: a C library that does not link
 * libtorch, so listing plugins never pays for loading it (about a second). Its
 * create() dlopens the C++ half, TORCHSCRIPT_IMPL_FILE beside itself (a name not
 * ending in .so, so the registry never loads it), which exports
 * TORCHSCRIPT_IMPL_SYMBOL, a basin_score_iface whose create() takes the values of
 * torchscript.c's parameter table in the order below.
 */
#ifndef BASIN_SCORES_TORCHSCRIPT_H
#define BASIN_SCORES_TORCHSCRIPT_H

#define TORCHSCRIPT_IMPL_FILE   "torchscript_libtorch.impl"
#define TORCHSCRIPT_IMPL_SYMBOL "basin_torchscript_impl"

/* Rows of the parameter table. */
enum {
    TORCHSCRIPT_FILE,
    TORCHSCRIPT_OUTPUT,
    TORCHSCRIPT_INPUT,
    TORCHSCRIPT_SCHEDULE,
    TORCHSCRIPT_IMAGE_SHAPE,
    TORCHSCRIPT_THREADS,
    TORCHSCRIPT_BATCH,
    TORCHSCRIPT_CONCURRENT,
    TORCHSCRIPT_N_PARAMS
};

#endif
