/*
 * descriptor — the checks of `basin check` that need no plugin code to run: a
 * descriptor's fields and id, its interface's function table (against
 * registry/interfaces.h), its parameter rows, and its defaults against their own
 * rows. Each prints its PASS / FAIL lines (check/battery.h).
 */
#ifndef BASIN_CHECK_DESCRIPTOR_H
#define BASIN_CHECK_DESCRIPTOR_H

#include <stddef.h>

#include "basin/plugin.h"
#include "check/battery.h"

/*
 * Check plugin i of lib: struct size, id and interface, an id no earlier plugin
 * has, version and summary, the function table, the parameter rows. The lines
 * of a descriptor too broken to name are "library descriptor[i]-..."; the counts
 * go to lib_ctx. Returns nonzero when the runtime checks may run.
 */
int check_descriptor(check_ctx *lib_ctx, const basin_library *lib, size_t i);

/*
 * "defaults": every default (values, in the table's order) lies inside its own
 * row; REQUIRED, string and bool rows are not checked. Returns nonzero on PASS.
 */
int check_defaults(check_ctx *c, const basin_value *values);

#endif
