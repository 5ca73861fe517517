#include "cli/cmd_run.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/errmsg.h"
#include "base/fatal.h"
#include "base/host.h"
#include "base/options.h"
#include "base/progress.h"
#include "base/status.h"
#include "recipe/recipe.h"
#include "recipe/sections.h"
#include "registry/registry.h"
#include "report/report.h"
#include "run/pipeline.h"

const char run_usage[] =
    "usage: basin run RECIPE [--set KEY=VALUE]... [--out DIR] [--threads N]\n"
    "                 [--fresh] [--shard I/N | --shards N | --no-shard] [--quiet]\n"
    "                 [--json]\n"
    "                 [--verbose]\n"
    "                 [--dry-run]\n"
    "\n"
    "Run every job of a recipe (sweep points x repeats) and write run.toml,\n"
    "summary.csv, records.csv and samples.npy to results/<name>/ (or DIR).\n"
    "Each finished job is kept at once in DIR/jobs/; a run into a folder that\n"
    "holds some jobs of the same recipe runs only the missing ones (resume).\n"
    "\n"
    "  --set KEY=VALUE  override a recipe key, e.g. --set dataset.dim=200 or\n"
    "                   --set 'dataset.load=[0.05,0.25]' (VALUE in TOML syntax)\n"
    "  --out DIR        write the results to DIR\n"
    "  --threads N      worker threads (default: the number of processors);\n"
    "                   results do not depend on it\n"
    "  --quiet, -q      do not print the summary table\n"
    "  --json           print the summary table as one JSON object on stdout\n"
    "                   (name, out, axes, rows: the swept values and each class's\n"
    "                   rate, interval and count); nothing else goes to stdout\n"
    "  --verbose, -v    show the plugins' informational logs (twice: debug)\n"
    "  --fresh          when DIR holds the results of another recipe, move them\n"
    "                   to DIR.YYYYMMDD-HHMMSS and start again (without it such a\n"
    "                   folder is refused)\n"
    "  --shard I/N      run only shard I of N (0 <= I < N: the jobs j with\n"
    "                   j mod N = I) into DIR.shards/I-of-N; join the shards\n"
    "                   with `basin merge DIR DIR.shards/*`. Without it, a Slurm\n"
    "                   array task (SLURM_ARRAY_TASK_ID, _MIN, _COUNT) runs its\n"
    "                   shard\n"
    "  --shards N       the number of shards, the index from the scheduler:\n"
    "                   SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, PBS_ARRAY_INDEX,\n"
    "                   HQ_TASK_ID (from 0) or LSB_JOBINDEX (from 1)\n"
    "  --no-shard       run every job even in a Slurm array task (an array over\n"
    "                   recipes, say)\n"
    "  --dry-run        validate the recipe, print it resolved (every parameter,\n"
    "                   sweeps as lists) and the number of jobs, run nothing\n";

/* output.report = "auto" writes the report after runs longer than this. */
#define REPORT_AUTO_SECONDS 5.0

/* What the command line asks of a run. */
typedef struct run_args {
    const char *path;  /* the recipe */
    const char **sets; /* --set overrides, n_sets of them (owned) */
    size_t n_sets;
    pipeline_options o;
    int dry_run;
    int help; /* --help: the usage is printed, nothing else to do */
} run_args;

enum {
    OPT_SET = 256,
    OPT_OUT,
    OPT_THREADS,
    OPT_DRY_RUN,
    OPT_FRESH,
    OPT_SHARD,
    OPT_SHARDS,
    OPT_NO_SHARD,
    OPT_JSON
};

static const struct option RUN_OPTIONS[] = {
    {"set", required_argument, NULL, OPT_SET},
    {"out", required_argument, NULL, OPT_OUT},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"fresh", no_argument, NULL, OPT_FRESH},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"shards", required_argument, NULL, OPT_SHARDS},
    {"no-shard", no_argument, NULL, OPT_NO_SHARD},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* --threads N: an integer in [1, 1024]. */
static int parse_threads(const char *v, unsigned *out, char *err, size_t n_err)
{
    char *end;
    errno = 0;
    long t = strtol(v, &end, 10);
    if (errno || end == v || *end || t < 1 || t > 1024) {
        errmsg(err, n_err, "run: --threads needs an integer in [1, 1024], not '%s'", v);
        return BASIN_EINVAL;
    }
    *out = (unsigned)t;
    return BASIN_OK;
}

/* A whole number in [lo, hi] from text (all of it); 0, or -1. */
static int whole(const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

#define MAX_SHARDS 100000

/* --shard I/N. */
static int parse_shard(const char *v, pipeline_options *o, char *err, size_t n_err)
{
    const char *slash = strchr(v, '/');
    char first[32];
    long i, n;
    if (!slash || (size_t)(slash - v) >= sizeof first) {
        errmsg(err, n_err, "run: --shard needs I/N (e.g. 0/4), not '%s'", v);
        return BASIN_EINVAL;
    }
    snprintf(first, sizeof first, "%.*s", (int)(slash - v), v);
    if (whole(slash + 1, 1, MAX_SHARDS, &n) || whole(first, 0, n - 1, &i)) {
        errmsg(err, n_err,
               "run: --shard needs I/N with 1 <= N <= %d and 0 <= I < N, not '%s'",
               MAX_SHARDS, v);
        return BASIN_EINVAL;
    }
    o->shard = (uint32_t)i;
    o->shards = (uint32_t)n;
    return BASIN_OK;
}

/*
 * The shard from a scheduler's array variables, when there is no --shard: Slurm's
 * (the task's id less the array's first, out of the count), or with --shards N
 * (count, 0: not given) PBS's PBS_ARRAY_INDEX, HyperQueue's HQ_TASK_ID (both
 * from 0) or LSF's LSB_JOBINDEX (from 1).
 */
static int shard_from_env(pipeline_options *o, long count, char *err, size_t n_err)
{
    const char *id = getenv("SLURM_ARRAY_TASK_ID");
    const char *min = getenv("SLURM_ARRAY_TASK_MIN");
    const char *cnt = getenv("SLURM_ARRAY_TASK_COUNT");
    long v, first = 0, n = count;
    if (id && *id) {
        if (whole(id, 0, LONG_MAX / 2, &v) || (min && *min && whole(min, 0, v, &first)) ||
            (!count && (!cnt || whole(cnt, 1, MAX_SHARDS, &n)))) {
            errmsg(err, n_err,
                   "run: SLURM_ARRAY_TASK_ID=%s, SLURM_ARRAY_TASK_MIN=%s, "
                   "SLURM_ARRAY_TASK_COUNT=%s do not name a shard (give --shard I/N)",
                   id, min ? min : "(unset)", cnt ? cnt : "(unset)");
            return BASIN_EINVAL;
        }
        v -= first;
    } else if (count) {
        static const char *const VARS[] = {"PBS_ARRAY_INDEX", "HQ_TASK_ID",
                                           "LSB_JOBINDEX"};
        const char *name = NULL, *text = NULL;
        for (int k = 0; k < 3 && !name; k++)
            if ((text = getenv(VARS[k])) && *text)
                name = VARS[k];
        if (!name) {
            errmsg(
                err, n_err,
                "run: --shards %ld needs a scheduler's array index (SLURM_ARRAY_TASK_ID, "
                "PBS_ARRAY_INDEX, HQ_TASK_ID or LSB_JOBINDEX); none is set (give "
                "--shard I/N)",
                count);
            return BASIN_EINVAL;
        }
        int from_one = !strcmp(name, "LSB_JOBINDEX");
        if (whole(text, from_one, LONG_MAX / 2, &v)) {
            errmsg(err, n_err, "run: %s=%s is not an array index", name, text);
            return BASIN_EINVAL;
        }
        v -= from_one;
    } else {
        return BASIN_OK;
    }
    if (v >= n) {
        errmsg(err, n_err, "run: the scheduler's array index %ld is not below %ld shards",
               v, n);
        return BASIN_EINVAL;
    }
    o->shard = (uint32_t)v;
    o->shards = (uint32_t)n;
    return BASIN_OK;
}

/* Fill a from argv. BASIN_OK, BASIN_ENOMEM or BASIN_EINVAL with a message; a->sets
   is allocated in every case (free it). */
static int parse_run_args(int argc, char **argv, run_args *a, char *err, size_t n_err)
{
    memset(a, 0, sizeof *a);
    a->o.progress = isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_LOG;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    a->o.threads = cpus > 0 ? (unsigned)cpus : 1;
    if (!(a->sets = calloc((size_t)argc + 1, sizeof *a->sets))) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    options op;
    options_init(&op, argc, argv, "hqv", RUN_OPTIONS);
    int c, rc = BASIN_OK;
    long shards = 0;
    int no_shard = 0;
    while (rc == BASIN_OK && (c = options_next(&op, err, n_err)) != 0) {
        switch (c) {
        case OPT_SET:
            a->sets[a->n_sets++] = op.arg;
            break;
        case OPT_OUT:
            a->o.out_dir = op.arg;
            break;
        case OPT_THREADS:
            rc = parse_threads(op.arg, &a->o.threads, err, n_err);
            break;
        case 'q':
            a->o.quiet = 1;
            if (a->o.progress == PROGRESS_LOG)
                a->o.progress = PROGRESS_OFF; /* no log lines: a quiet run is silent */
            break;
        case 'v':
            a->o.verbose++;
            break;
        case OPT_DRY_RUN:
            a->dry_run = 1;
            break;
        case OPT_FRESH:
            a->o.fresh = 1;
            break;
        case OPT_JSON:
            a->o.json = 1;
            break;
        case OPT_NO_SHARD:
            no_shard = 1;
            break;
        case OPT_SHARD:
            rc = parse_shard(op.arg, &a->o, err, n_err);
            break;
        case OPT_SHARDS:
            if (whole(op.arg, 1, MAX_SHARDS, &shards)) {
                errmsg(err, n_err,
                       "run: --shards needs a whole number in [1, %d], not '%s'",
                       MAX_SHARDS, op.arg);
                rc = BASIN_EINVAL;
            }
            break;
        case 'h':
            fputs(run_usage, stdout);
            a->help = 1;
            return BASIN_OK;
        default:
            rc = c; /* < 0: the message is in err */
        }
    }
    if (rc != BASIN_OK)
        return rc;
    if (op.first_operand == argc) {
        errmsg(err, n_err, "run: needs a recipe file (see `basin help run`)");
        return BASIN_EINVAL;
    }
    if (argc - op.first_operand > 1) {
        errmsg(err, n_err, "run: takes one recipe; '%s' is a second",
               argv[op.first_operand + 1]);
        return BASIN_EINVAL;
    }
    a->path = argv[op.first_operand];
    if ((a->o.shards != 0) + (shards != 0) + no_shard > 1) {
        errmsg(err, n_err, "run: give one of --shard I/N, --shards N and --no-shard");
        return BASIN_EINVAL;
    }
    if (no_shard)
        return BASIN_OK;
    if (!a->o.shards)
        return shard_from_env(&a->o, shards, err, n_err);
    return BASIN_OK;
}

/* --dry-run: the resolved recipe and the number of jobs. */
static void print_dry_run(const recipe *r)
{
    size_t jobs = r->n_points * r->repeats;
    recipe_write_toml(r, stdout);
    printf("\n# %zu sweep point%s x %u repeat%s = %zu job%s\n", r->n_points,
           r->n_points == 1 ? "" : "s", r->repeats, r->repeats == 1 ? "" : "s", jobs,
           jobs == 1 ? "" : "s");
}

/* Figures and report.html after a run (report/report.h): output.report = true, or
   auto for a run that took longer than a glance. A failed auto report is a
   warning; a report asked for is part of the run's result (BASIN_EWRITE). */
static int run_report(const recipe *r, const pipeline_options *o, double seconds,
                      char *err, size_t n_err)
{
    const char *want = recipe_core_value(r, RECIPE_OUTPUT, 0, "report").string;
    int asked = strcmp(want, "true") == 0;
    if (!asked && (strcmp(want, "auto") != 0 || seconds <= REPORT_AUTO_SECONDS))
        return BASIN_OK;
    char dir[4096], why[2048];
    pipeline_out_dir(r, o, dir, sizeof dir);
    /* The libraries this run loaded through plugin_path: the report may load
       them (the user named them in the recipe), never what a folder names. */
    const char **paths = calloc(RECIPE_N_SECTIONS + r->n_models, sizeof *paths);
    if (!paths) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    size_t n_paths = 0;
    for (size_t s = 0; s < RECIPE_N_SECTIONS; s++)
        if (r->sections[s].library)
            paths[n_paths++] = r->sections[s].library;
    for (size_t k = 1; k < r->n_models; k++) /* models[0]: sections[RECIPE_MODEL] */
        if (r->models[k].library)
            paths[n_paths++] = r->models[k].library;
    int written =
        report_write_plugins(dir, paths, n_paths, o->quiet || o->json, why, sizeof why);
    free(paths);
    if (written == BASIN_OK)
        return BASIN_OK;
    if (!asked) {
        fprintf(stderr, "basin: report: %s\n", why);
        return BASIN_OK;
    }
    errmsg(err, n_err, "report: %s", why);
    return BASIN_EWRITE;
}

/* Run a loaded recipe, then its report. */
static int run_recipe(const recipe *r, const pipeline_options *o, char *err, size_t n_err)
{
    host_install_signals();
    double started = clock_seconds();
    int status = pipeline_run(r, o, err, n_err);
    if (status != BASIN_OK || o->shards)
        return status;
    return run_report(r, o, clock_seconds() - started, err, n_err);
}

int cmd_run(int argc, char **argv, char *err, size_t n_err)
{
    run_args a;
    int status = parse_run_args(argc, argv, &a, err, n_err);
    if (status != BASIN_OK || a.help) {
        free(a.sets);
        return status;
    }
    registry *reg = registry_new();
    recipe *r = NULL;
    if (!reg) {
        errmsg(err, n_err, "out of memory");
        status = BASIN_ENOMEM;
    } else {
        /* Loading runs plugin code too (the libraries' constructors). */
        char stage[512];
        snprintf(stage, sizeof stage, "%s: loading the recipe and its plugins", a.path);
        fatal_stage(stage);
        status = recipe_load(a.path, a.sets, a.n_sets, reg, &r, err, n_err);
        fatal_stage(NULL);
    }
    if (status == BASIN_OK && a.dry_run)
        print_dry_run(r);
    else if (status == BASIN_OK)
        status = run_recipe(r, &a.o, err, n_err);
    recipe_free(r);
    registry_free(reg);
    free(a.sets);
    return status;
}
