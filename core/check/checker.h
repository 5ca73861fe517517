/*
 * checker — `basin check LIBRARY.so`: the conformance battery a plugin author runs.
 *
 * The command loads the library, checks its entry, ABI and descriptors
 * (check/descriptor.h), asks the registry for its verdict, then runs each
 * plugin's battery (check/battery.h) with its parameters: defaults, or --set.
 * Every check prints one line, PASS, FAIL or SKIP; a last line counts them.
 */
#ifndef BASIN_CHECKER_H
#define BASIN_CHECKER_H

#include <stddef.h>

/* `basin help check`. */
extern const char check_usage[];

/*
 * `basin check LIBRARY.so [--set ID.KEY=VALUE]... [--dim N] [--pretrained] [-v]`;
 * argv[0] is "check". Returns BASIN_OK when every check passed, BASIN_EFAILED when
 * one failed (the FAIL lines are printed, err is left empty), BASIN_EINVAL for a
 * usage error or a --set that names nothing or does not fit its row, BASIN_EIO
 * for a library that cannot be loaded, BASIN_ENOMEM; each with a one-line
 * message in err. -h / --help prints check_usage and returns BASIN_OK.
 */
int cmd_check(int argc, char **argv, char *err, size_t n_err);

#endif
