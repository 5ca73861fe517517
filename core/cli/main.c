/*
 * basin — the command line: one table of commands, the dispatch, and the one place
 * where a status becomes an exit code.
 *
 *   basin COMMAND [ARGS]      (`basin help` lists the commands)
 *
 * Each command is `int cmd_NAME(int argc, char **argv, char *err, size_t n_err)`
 * with argv[0] its name; it returns BASIN_OK or a status and leaves a one-line
 * message in err (printed here as "basin: <err>"), or err empty when it already
 * printed what it had to say. The commands the command line implements itself are
 * in cli/cmd_run.c (run) and cli/cmd_plugins.c (plugins, describe); the tools in
 * report/, new/, run/measure_samples.c and check/.
 */
#include <cblas.h>
#include <stdio.h>
#include <string.h>

#include "base/fatal.h"
#include "base/options.h"
#include "base/status.h"
#include "base/suggest.h"
#include "check/checker.h"
#include "cli/cmd_cluster.h"
#include "cli/cmd_plugins.h"
#include "cli/cmd_run.h"
#include "new/new.h"
#include "report/report.h"
#include "run/lsr_storage_cmd.h"
#include "run/measure_samples.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

static int cmd_help(int argc, char **argv, char *err, size_t n_err);
static int cmd_version(int argc, char **argv, char *err, size_t n_err);

static const char help_usage[] =
    "usage: basin help [COMMAND]\n"
    "\n"
    "List the commands, or print a command's usage (as `basin COMMAND --help`).\n";

static const char version_usage[] =
    "usage: basin --version\n"
    "\n"
    "Print the version of basin and of the plugin ABI it speaks.\n";

/* A command: its name, its entry point, its usage text and the line `basin help`
   shows ("  SYNOPSIS  SUMMARY"; a '\n' in summary continues it on an indented
   line). */
typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv, char *err, size_t n_err);
    const char *usage;
    const char *synopsis;
    const char *summary;
} command;

static const command COMMANDS[] = {
    {"run", cmd_run, run_usage, "run RECIPE",
     "run a TOML recipe; results go to results/<name>/"},
    {"merge", cmd_merge, merge_usage, "merge OUT SHARD_DIR...",
     "join the shards of `basin run --shard I/N` into one results folder"},
    {"submit", cmd_submit, submit_usage, "submit slurm|parallel RECIPE",
     "write (and with --now submit) a Slurm job array and its merge,\nor print a GNU parallel command line"},
    {"report", cmd_report, report_usage, "report DIR",
     "figures and report.html inside a results folder"},
    {"plugins", cmd_plugins, plugins_usage, "plugins",
     "list the plugins found (id, interface, version, summary)"},
    {"describe", cmd_describe, describe_usage, "describe ID",
     "show a plugin's parameter table (or schedule, init, measure,\nlandscape, output)"},
    {"new", cmd_new, new_usage, "new KIND NAME",
     "write a plugin project (energy|score|sampler|dataset|\nembedding)"},
    {"measure", cmd_measure, measure_usage, "measure",
     "classify samples made anywhere (--train T.npy --samples G.npy)"},
    {"lsr-storage", cmd_lsr_storage, lsr_storage_usage, "lsr-storage",
     "stored patterns kept as fixed points by the LSR energy, per beta\n(--beta LIST PATTERNS.npy)"},
    {"check", cmd_check, check_usage, "check LIBRARY",
     "run the conformance battery on a plugin library"},
    {"help", cmd_help, help_usage, "help [COMMAND]", "show this help or a command's"},
    {"--version", cmd_version, version_usage, "--version",
     "print the version and plugin ABI"},
};
#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

/* Other spellings of a command's name. */
static const struct {
    const char *alias, *name;
} ALIASES[] = {{"--help", "help"}, {"-h", "help"}, {"version", "--version"}};

/* The command named name (or an alias of it), or NULL. */
static const command *command_find(const char *name)
{
    for (size_t a = 0; a < sizeof ALIASES / sizeof ALIASES[0]; a++)
        if (strcmp(name, ALIASES[a].alias) == 0)
            name = ALIASES[a].name;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(name, COMMANDS[i].name) == 0)
            return &COMMANDS[i];
    return NULL;
}

/* "WHAT 'name' (did you mean 'run'?)", or "... (see `basin help`)". */
static int unknown_command(const char *what, const char *name, char *err, size_t n_err)
{
    const char *names[N_COMMANDS];
    for (size_t i = 0; i < N_COMMANDS; i++)
        names[i] = COMMANDS[i].name;
    const char *near = suggest_closest(name, names, N_COMMANDS);
    if (near)
        snprintf(err, n_err, "%s '%s' (did you mean '%s'?)", what, name, near);
    else
        snprintf(err, n_err, "%s '%s' (see `basin help`)", what, name);
    return BASIN_EINVAL;
}

static void print_commands(FILE *f)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const char *s = COMMANDS[i].summary;
        fprintf(f, "  %-16s ", COMMANDS[i].synopsis);
        for (size_t len; (len = strcspn(s, "\n")), s[len]; s += len + 1)
            fprintf(f, "%.*s\n%19s", (int)len, s, "");
        fprintf(f, "%s\n", s);
    }
}

static void print_main_usage(FILE *f)
{
    fputs("usage: basin COMMAND [ARGS]\n"
          "\n"
          "Measure how associative memories and generative models remember: which final\n"
          "states are memorized training points, spurious attractors, or generalized.\n"
          "\n"
          "commands:\n",
          f);
    print_commands(f);
    fputs(
        "\n"
        "Plugins are searched in BASIN_PLUGIN_PATH (colon-separated), beside the basin\n"
        "executable (plugins/ and " BASIN_PLUGIN_DIR_FROM_BIN ")\n"
        "and in " BASIN_INSTALL_PLUGIN_DIR ".\n"
        "Exit status: 0 success, 2 bad input or usage, 1 a failed run.\n",
        f);
}

/* Options of the commands that take none but --help. */
static const struct option HELP_ONLY[] = {{"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};

/* Parse argv for --help alone: 1 when it was given (usage printed), 0 when not,
   or BASIN_EINVAL with a message. *first gets the first operand. */
static int help_only(int argc, char **argv, const char *usage, int *first, char *err,
                     size_t n_err)
{
    options op;
    options_init(&op, argc, argv, "h", HELP_ONLY);
    int c;
    while ((c = options_next(&op, err, n_err)) > 0)
        if (c == 'h') {
            fputs(usage, stdout);
            return 1;
        }
    *first = op.first_operand;
    return c;
}

static int cmd_help(int argc, char **argv, char *err, size_t n_err)
{
    /* `basin help --version` names a command, not an option of help. */
    const command *topic = argc == 2 ? command_find(argv[1]) : NULL;
    if (topic) {
        fputs(topic->usage, stdout);
        return BASIN_OK;
    }
    int first, rc = help_only(argc, argv, help_usage, &first, err, n_err);
    if (rc)
        return rc < 0 ? rc : BASIN_OK;
    if (argc - first > 1) {
        snprintf(err, n_err, "help: takes one command, not '%s' too", argv[first + 1]);
        return BASIN_EINVAL;
    }
    if (first == argc) {
        print_main_usage(stdout);
        return BASIN_OK;
    }
    const command *c = command_find(argv[first]);
    if (!c)
        return unknown_command("help: no command", argv[first], err, n_err);
    fputs(c->usage, stdout);
    return BASIN_OK;
}

static int cmd_version(int argc, char **argv, char *err, size_t n_err)
{
    int first, rc = help_only(argc, argv, version_usage, &first, err, n_err);
    if (rc)
        return rc < 0 ? rc : BASIN_OK;
    if (first < argc) {
        snprintf(err, n_err, "--version: takes no operand ('%s')", argv[first]);
        return BASIN_EINVAL;
    }
    printf("basin %s (plugin ABI %d.%d)\n", BASIN_VERSION, BASIN_ABI_MAJOR,
           BASIN_ABI_MINOR);
    return BASIN_OK;
}

/*
 * The exit status of a command's status (base/status.h): 0 for BASIN_OK, 2 when
 * the user's input is at fault (BASIN_EINVAL, BASIN_EUNSUPPORTED, BASIN_EIO), 1
 * for everything else (a failed run, a verdict of failure).
 */
static int exit_status(int status)
{
    switch (status) {
    case BASIN_OK:
        return 0;
    case BASIN_EINVAL:
    case BASIN_EUNSUPPORTED:
    case BASIN_EIO:
        return 2;
    default:
        return 1;
    }
}

int main(int argc, char **argv)
{
    /* The host runs its own worker threads over fixed probe blocks; BLAS calls
       inside them stay single-threaded so results never depend on --threads. */
    openblas_set_num_threads(1);
    /* Before any plugin is loaded: a plugin that exits or crashes during a run
       leaves a line naming it (base/fatal.h). */
    fatal_install();
    char err[4096] = "";
    int status;
    const command *c = argc < 2 ? NULL : command_find(argv[1]);
    if (argc < 2) {
        snprintf(err, sizeof err,
                 "no command: usage: basin COMMAND [ARGS] (see `basin help`)");
        status = BASIN_EINVAL;
    } else if (!c) {
        status = unknown_command("unknown command", argv[1], err, sizeof err);
    } else {
        argv[1] = (char *)c->name; /* an alias is named by its command */
        status = c->fn(argc - 1, argv + 1, err, sizeof err);
    }
    if (status != BASIN_OK && *err)
        fprintf(stderr, "basin: %s\n", err);
    return exit_status(status);
}
