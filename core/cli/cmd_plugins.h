/*
 * cmd_plugins — browsing the plugin registry: `basin plugins` lists every plugin
 * found (and every library refused, with the reason), `basin describe ID` prints
 * one plugin's parameter table or a core section's. Both take --path DIR_OR_LIBRARY
 * (repeatable) before the default search path (registry/registry.h).
 */
#ifndef BASIN_CLI_CMD_PLUGINS_H
#define BASIN_CLI_CMD_PLUGINS_H

#include <stddef.h>

extern const char plugins_usage[];
extern const char describe_usage[];

/* The commands (argv[0] "plugins", "describe"). BASIN_OK, or a status with a
   one-line message in err: BASIN_EINVAL for a usage error or an unknown id,
   BASIN_EIO for a --path that does not exist. */
int cmd_plugins(int argc, char **argv, char *err, size_t n_err);
int cmd_describe(int argc, char **argv, char *err, size_t n_err);

#endif
