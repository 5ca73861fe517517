/*
 * options — GNU-style command-line options for every `basin` command, over
 * getopt_long(3): `--name=value` and `--name value`, clustered short flags
 * (`-vv`), `--` ends the options, and options and operands may come in any order.
 * A long option must be spelled in full (an abbreviation would change meaning
 * the day a new option shares its prefix). An unknown option, or one without its
 * value, is a one-line message naming it and the closest valid option:
 *
 *   run: unknown option '--thread' (did you mean '--threads'?)
 *
 * Usage, for a command whose argv[0] is its own name ("run"):
 *
 *   options op;
 *   options_init(&op, argc, argv, "hqv", LONGOPTS);
 *   int c;
 *   while ((c = options_next(&op, err, n_err)) > 0)
 *       switch (c) { ... op.arg is the value ... }
 *   if (c < 0) return c;                    // BASIN_EINVAL, message in err
 *   for (int i = op.first_operand; i < argc; i++) ... operands, in order
 *
 * Not thread-safe (getopt_long's state is global); commands parse once, first.
 */
#ifndef BASIN_OPTIONS_H
#define BASIN_OPTIONS_H

#include <getopt.h>
#include <stddef.h>

typedef struct options {
    int argc;
    char **argv;
    const char *shortopts;         /* getopt's, without the leading ':' */
    const struct option *longopts; /* terminated by a zeroed entry */
    const char *arg;               /* the current option's value, or NULL */
    int first_operand;             /* once options_next returned 0 */
    char short_spec[64];
} options;

/* Start parsing argv[1..argc) (argv[0] names the command in messages). */
void options_init(options *op, int argc, char **argv, const char *shortopts,
                  const struct option *longopts);

/*
 * The next option: its getopt value (> 0), 0 when the options are done (operands
 * then start at op->first_operand), or BASIN_EINVAL with a one-line message in err
 * for an unknown option, an abbreviated one, or a missing or unwanted value.
 */
int options_next(options *op, char *err, size_t n_err);

#endif
