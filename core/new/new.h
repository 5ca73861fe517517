/*
 * new — `basin new KIND NAME [DIR]`: write a small plugin project (NAME.c, a
 * meson.build using pkg-config's basin.pc, a README with the one-line cc command)
 * that builds against the installed basin/plugin.h alone. The sources are the
 * templates in core/new/templates/, embedded at build time.
 */
#ifndef BASIN_NEW_CMD_H
#define BASIN_NEW_CMD_H

#include <stddef.h>

extern const char new_usage[];

/* The command (argv[0] "new"): `basin new KIND NAME [DIR]`. Writes the project
   atomically or not at all. BASIN_OK, or a status with a one-line message in
   err: BASIN_EINVAL (a usage error, an unknown kind, a bad name, a folder that
   exists and is not empty), BASIN_EIO (the folder cannot be written). */
int cmd_new(int argc, char **argv, char *err, size_t n_err);

#endif
