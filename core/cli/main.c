/*
 * basin — the command line.
 *
 *   basin run RECIPE [--set KEY=VALUE]... [--out DIR] [--threads N]
 *   basin plugins | describe ID | help [COMMAND] | --version
 *
 * Exit status: 0 success, 2 bad input or usage, 1 a run that failed.
 */
#include <cblas.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check/checker.h"
#include "process/init.h"
#include "measure/landscape.h"
#include "measure/measure.h"
#include "registry/param.h"
#include "run/pipeline.h"
#include "recipe/recipe.h"
#include "registry/registry.h"
#include "report/report.h"
#include "results/atomic_file.h"
#include "process/schedule.h"
#include "base/host.h"
#include "run/measure_samples.h"
#include "new/new.h"
#include "recipe/sections.h"
#include "base/clock.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

static const char USAGE_MAIN[] =
    "usage: basin COMMAND [ARGS]\n"
    "\n"
    "Measure how associative memories and generative models remember: which final\n"
    "states are memorized training points, spurious attractors, or generalized.\n"
    "\n"
    "commands:\n"
    "  run RECIPE       run a TOML recipe; results go to results/<name>/\n"
    "  report DIR       figures and report.html inside a results folder\n"
    "  plugins          list the plugins found (id, interface, version, summary)\n"
    "  describe ID      show a plugin's parameter table (or schedule, init, measure,\n"
    "                   landscape, output)\n"
    "  new KIND NAME    write a plugin project (energy|score|sampler|dataset)\n"
    "  measure          classify samples made anywhere (--train T.npy --samples G.npy)\n"
    "  check LIBRARY    run the conformance battery on a plugin library\n"
    "  help [COMMAND]   show this help or a command's\n"
    "  --version        print the version and plugin ABI\n"
    "\n"
    "Plugins are searched in BASIN_PLUGIN_PATH (colon-separated), beside the basin\n"
    "executable (plugins/ and " BASIN_PLUGIN_DIR_FROM_BIN ")\n"
    "and in " BASIN_INSTALL_PLUGIN_DIR ".\n"
    "Exit status: 0 success, 2 bad input or usage, 1 a failed run.\n";

static const char USAGE_RUN[] =
    "usage: basin run RECIPE [--set KEY=VALUE]... [--out DIR] [--threads N]\n"
    "                 [--quiet] [--verbose] [--dry-run]\n"
    "\n"
    "Run every job of a recipe (sweep points x repeats) and write run.toml,\n"
    "summary.csv, records.csv and samples.npy to results/<name>/ (or DIR).\n"
    "\n"
    "  --set KEY=VALUE  override a recipe key, e.g. --set dataset.dim=200 or\n"
    "                   --set 'dataset.load=[0.05,0.25]' (VALUE in TOML syntax)\n"
    "  --out DIR        write the results to DIR\n"
    "  --threads N      worker threads (default: the number of processors);\n"
    "                   results do not depend on it\n"
    "  --quiet          do not print the summary table\n"
    "  --verbose, -v    show the plugins' informational logs (twice: debug)\n"
    "  --dry-run        validate the recipe, print it resolved (every parameter,\n"
    "                   sweeps as lists) and the number of jobs, run nothing\n";

static const char USAGE_PLUGINS[] =
    "usage: basin plugins [--path DIR_OR_LIBRARY]...\n"
    "\n"
    "List every plugin found (id, interface, version, summary), and every library\n"
    "that was refused with the reason. --path adds to the search path.\n";

static const char USAGE_DESCRIBE[] =
    "usage: basin describe ID [--path DIR_OR_LIBRARY]...\n"
    "\n"
    "Print a plugin's parameter table: name, type, default, range or choices, and\n"
    "what it means. ID may also be a core section: init, measure, output.\n";

/* The exit code of a status: the user's input at fault is 2, any other failure 1. */
static int exit_code(int status)
{
    if (status == BASIN_OK)
        return 0;
    return status == BASIN_EINVAL || status == BASIN_EUNSUPPORTED || status == BASIN_EIO
               ? 2
               : 1;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "basin: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see `basin help`)\n");
    return 2;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

/* Parse --path options shared by plugins and describe; the rest go to *rest. */
static int load_registry(int argc, char **argv, registry **out, const char **rest,
                         int *n_rest)
{
    registry *reg = registry_new();
    if (!reg) {
        fprintf(stderr, "basin: out of memory\n");
        return 1;
    }
    *n_rest = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--path") == 0) {
            if (i + 1 >= argc) {
                registry_free(reg);
                return usage_error("--path needs a folder or library", "");
            }
            char err[1024];
            if (registry_add_path(reg, argv[++i], 1, err, sizeof err)) {
                fprintf(stderr, "basin: --path %s\n", err);
                registry_free(reg);
                return 2;
            }
        } else if (argv[i][0] == '-') {
            registry_free(reg);
            return usage_error("unknown option '%s'", argv[i]);
        } else {
            rest[(*n_rest)++] = argv[i];
        }
    }
    registry_add_defaults(reg);
    *out = reg;
    return 0;
}

static int cmd_plugins(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(USAGE_PLUGINS, stdout);
        return 0;
    }
    registry *reg;
    const char *rest[64];
    int n_rest, rc = load_registry(argc, argv, &reg, rest, &n_rest);
    if (rc)
        return rc;
    if (n_rest) {
        registry_free(reg);
        return usage_error("plugins takes no argument '%s'", rest[0]);
    }
    printf("%-28s %-18s %-8s %s\n", "ID", "INTERFACE", "VERSION", "SUMMARY");
    for (size_t i = 0; i < registry_count(reg); i++) {
        const basin_descriptor *d = registry_at(reg, i)->descriptor;
        printf("%-28s %-18s %-8s %s\n", d->id, d->interface, d->version, d->summary);
    }
    for (size_t i = 0; i < registry_refused_count(reg); i++)
        fprintf(stderr, "basin: refused %s\n", registry_refusal(reg, i));
    for (size_t i = 0; i < registry_shadowed_count(reg); i++)
        fprintf(stderr, "basin: note: %s\n", registry_shadowed(reg, i));
    if (registry_count(reg) == 0)
        fprintf(stderr, "basin: no plugins found; set BASIN_PLUGIN_PATH\n");
    registry_free(reg);
    return 0;
}

static int cmd_describe(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(USAGE_DESCRIBE, stdout);
        return 0;
    }
    registry *reg;
    const char *rest[64];
    int n_rest, rc = load_registry(argc, argv, &reg, rest, &n_rest);
    if (rc)
        return rc;
    if (n_rest != 1) {
        registry_free(reg);
        return usage_error("describe needs exactly one ID%s", "");
    }
    const section_def *core = section_find_core(rest[0]);
    if (core) {
        printf("%s\n  %s\n\nparameters:\n", core->name, core->summary);
        param_describe(stdout, core->table);
        registry_free(reg);
        return 0;
    }
    const registry_plugin *p = registry_find(reg, rest[0]);
    if (!p) {
        const char *near = registry_suggest(reg, rest[0]);
        fprintf(stderr, "basin: unknown plugin '%s'%s%s%s\n", rest[0],
                near ? " (did you mean '" : " (see `basin plugins`)", near ? near : "",
                near ? "'?)" : "");
        registry_free(reg);
        return 2;
    }
    const basin_descriptor *d = p->descriptor;
    printf("%s %s (%s)\n  %s\n  library: %s\n\nparameters:\n", d->id, d->version,
           d->interface, d->summary, p->library);
    param_describe(stdout, d->params);
    registry_free(reg);
    return 0;
}

/* output.report = "auto" writes the report after runs longer than this. */
#define REPORT_AUTO_SECONDS 5.0

/* Figures and report.html after a run (report/report.h): output.report = true, or
   auto for a run that took longer than a glance. A failed auto report is a
   warning; a report asked for is the run's result. */
static int run_report(const recipe *r, const pipeline_options *o, double seconds)
{
    const char *want = recipe_core_value(r, RECIPE_OUTPUT, 0, "report").string;
    if (strcmp(want, "true") != 0 &&
        (strcmp(want, "auto") != 0 || seconds <= REPORT_AUTO_SECONDS))
        return 0;
    char dir[4096], why[2048];
    pipeline_out_dir(r, o, dir, sizeof dir);
    if (report_write(dir, o->quiet, why, sizeof why)) {
        fprintf(stderr, "basin: report: %s\n", why);
        return strcmp(want, "true") == 0;
    }
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(USAGE_RUN, stdout);
        return 0;
    }
    const char *path = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t n_sets = 0;
    pipeline_options o = {NULL, 0, isatty(STDERR_FILENO), 0, 0};
    int dry_run = 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = cpus > 0 ? (unsigned)cpus : 1;
    int status = 0;
    for (int i = 0; i < argc && !status; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--set") == 0 || strcmp(a, "--out") == 0 ||
            strcmp(a, "--threads") == 0) {
            if (!has_value) {
                status = usage_error("%s needs a value", a);
                break;
            }
            const char *v = argv[++i];
            if (a[2] == 's') {
                sets[n_sets++] = v;
            } else if (a[2] == 'o') {
                o.out_dir = v;
            } else {
                char *end;
                errno = 0;
                long t = strtol(v, &end, 10);
                if (errno || *end || t < 1 || t > 1024)
                    status = usage_error("--threads needs an integer in [1, 1024], "
                                         "not '%s'",
                                         v);
                o.threads = (unsigned)t;
            }
        } else if (strncmp(a, "--set=", 6) == 0) {
            sets[n_sets++] = a + 6;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = 1;
        } else if (strcmp(a, "--dry-run") == 0) {
            dry_run = 1;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o.verbose++;
        } else if (a[0] == '-' && a[1]) {
            status = usage_error("unknown option '%s' for run", a);
        } else if (path) {
            status = usage_error("run takes one recipe; '%s' is a second", a);
        } else {
            path = a;
        }
    }
    if (!status && !path)
        status = usage_error("run needs a recipe file%s", "");
    if (status) {
        free(sets);
        return status;
    }
    registry *reg = registry_new();
    recipe *r = NULL;
    char err[2048];
    if (!reg) {
        free(sets);
        fprintf(stderr, "basin: out of memory\n");
        return 1;
    }
    if (recipe_load(path, sets, n_sets, reg, &r, err, sizeof err)) {
        fprintf(stderr, "basin: %s\n", err);
        status = 2;
    } else if (dry_run) {
        recipe_write_toml(r, stdout);
        printf("\n# %zu sweep point%s x %u repeat%s = %zu job%s\n", r->n_points,
               r->n_points == 1 ? "" : "s", r->repeats, r->repeats == 1 ? "" : "s",
               r->n_points * r->repeats, r->n_points * r->repeats == 1 ? "" : "s");
    } else {
        host_install_signals();
        double started = clock_seconds();
        status = pipeline_run(r, &o, err, sizeof err);
        if (status) {
            fprintf(stderr, "basin: %s\n", err);
            status = exit_code(status);
        } else {
            status = run_report(r, &o, clock_seconds() - started);
        }
    }
    recipe_free(r);
    registry_free(reg);
    free(sets);
    return status;
}

int main(int argc, char **argv)
{
    /* The host runs its own worker threads over fixed probe blocks; BLAS calls
       inside them stay single-threaded so results never depend on --threads. */
    openblas_set_num_threads(1);
    if (argc < 2)
        return usage_error("no command: usage: basin COMMAND [ARGS]%s", "");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("basin %s (plugin ABI %d.%d)\n", BASIN_VERSION, BASIN_ABI_MAJOR,
               BASIN_ABI_MINOR);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "-h") == 0) {
        const char *topic = argc > 2 ? argv[2] : "";
        if (strcmp(topic, "run") == 0)
            fputs(USAGE_RUN, stdout);
        else if (strcmp(topic, "plugins") == 0)
            fputs(USAGE_PLUGINS, stdout);
        else if (strcmp(topic, "describe") == 0)
            fputs(USAGE_DESCRIBE, stdout);
        else if (strcmp(topic, "new") == 0)
            fputs(USAGE_NEW, stdout);
        else if (strcmp(topic, "measure") == 0)
            fputs(measure_usage, stdout);
        else if (strcmp(topic, "check") == 0)
            fputs(check_usage, stdout);
        else if (strcmp(topic, "report") == 0)
            fputs(REPORT_USAGE, stdout);
        else if (!*topic)
            fputs(USAGE_MAIN, stdout);
        else
            return usage_error("no help for '%s'", topic);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 2, argv + 2);
    if (strcmp(cmd, "plugins") == 0)
        return cmd_plugins(argc - 2, argv + 2);
    if (strcmp(cmd, "describe") == 0)
        return cmd_describe(argc - 2, argv + 2);
    if (strcmp(cmd, "new") == 0)
        return cmd_new(argc - 2, argv + 2);
    if (strcmp(cmd, "measure") == 0) {
        char err[2048] = "";
        int status = cmd_measure(argc - 1, argv + 1, err, sizeof err);
        if (status && err[0])
            fprintf(stderr, "basin: %s\n", err);
        return exit_code(status);
    }
    if (strcmp(cmd, "check") == 0) {
        char err[2048] = "";
        int status = cmd_check(argc - 1, argv + 1, err, sizeof err);
        if (err[0])
            fprintf(stderr, "basin: %s\n", err);
        return exit_code(status);
    }
    return usage_error("unknown command '%s'", cmd);
}
