/*
 * new_cmd — `basin new KIND NAME [DIR]`: write a small plugin project (NAME.c, a
 * meson.build using pkg-config's basin.pc, a README with the one-line cc command)
 * that builds against the installed basin/plugin.h alone. The sources are the
 * templates in core/new/templates/, embedded at build time.
 */
#ifndef BASIN_NEW_CMD_H
#define BASIN_NEW_CMD_H

extern const char USAGE_NEW[];

/* argv: the arguments after `new`. Returns the exit status (0, or 2 with a
   one-line message on stderr); writes the project atomically or not at all. */
int cmd_new(int argc, char **argv);

#endif
