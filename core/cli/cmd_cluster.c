#include "cli/cmd_cluster.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "base/host.h"
#include "base/options.h"
#include "base/status.h"
#include "results/atomic_file.h"
#include "run/merge.h"

/* ---------------------------------------------------------------- merge */

const char merge_usage[] =
    "usage: basin merge OUT SHARD_DIR... [--fresh] [--quiet]\n"
    "\n"
    "Join the shard folders of `basin run --shard I/N` (DIR.shards/I-of-N) into\n"
    "OUT, with the same files as a one-machine run of the recipe (byte for byte\n"
    "but for the seconds column). The shards must be of one run (same recipe and\n"
    "plugin versions) and hold every job exactly once; otherwise nothing is\n"
    "written.\n"
    "\n"
    "  --fresh      when OUT holds the results of another recipe, move them to\n"
    "               OUT.YYYYMMDD-HHMMSS first\n"
    "  --quiet, -q  do not print the summary table\n";

enum {
    OPT_FRESH = 256,
    OPT_SHARDS,
    OPT_THROTTLE,
    OPT_NOW,
    OPT_OUT,
    OPT_SET,
    OPT_THREADS,
    OPT_JOBS,
    OPT_SSH
};

int cmd_merge(int argc, char **argv, char *err, size_t n_err)
{
    static const struct option LONG[] = {{"fresh", no_argument, NULL, OPT_FRESH},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    pipeline_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    options op;
    options_init(&op, argc, argv, "hq", LONG);
    int c;
    while ((c = options_next(&op, err, n_err)) != 0) {
        if (c < 0)
            return c;
        if (c == 'h') {
            fputs(merge_usage, stdout);
            return BASIN_OK;
        }
        if (c == 'q')
            o.quiet = 1;
        else if (c == OPT_FRESH)
            o.fresh = 1;
    }
    if (argc - op.first_operand < 2) {
        errmsg(err, n_err,
               "merge: needs OUT and at least one shard folder (see `basin help "
               "merge`)");
        return BASIN_EINVAL;
    }
    host_install_signals();
    return merge_run(argv[op.first_operand],
                     (const char *const *)argv + op.first_operand + 1,
                     (size_t)(argc - op.first_operand - 1), &o, err, n_err);
}

/* --------------------------------------------------------------- submit */

const char submit_usage[] =
    "usage: basin submit slurm RECIPE --shards N [--throttle M] [--now]\n"
    "                    [--out DIR] [--set KEY=VALUE]... [--threads T]\n"
    "       basin submit parallel RECIPE --shards N [--jobs J] [--ssh LOGINS]\n"
    "                    [--out DIR] [--set KEY=VALUE]... [--threads T]\n"
    "\n"
    "slurm: write DIR.slurm/run.sbatch (a job array of N tasks, each `basin run\n"
    "--shards N` on its shard, logs in DIR.slurm/logs/shard-I.log) and\n"
    "DIR.slurm/merge.sbatch (`basin merge DIR DIR.shards/...`, to run after the\n"
    "array with --dependency=afterok), and print the two sbatch commands; --now\n"
    "submits them. parallel: print a GNU parallel command line that runs the N\n"
    "shards on this machine (or on the --ssh machines, which must share the\n"
    "folder) and merges them. DIR is results/<name> unless --out.\n"
    "\n"
    "  --shards N       the number of shards (array tasks)\n"
    "  --throttle M     slurm: at most M tasks at once (--array=0-(N-1)%M)\n"
    "  --now            slurm: submit with sbatch now\n"
    "  --jobs J         parallel: shards at once (default: N)\n"
    "  --ssh LOGINS     parallel: GNU parallel's --sshlogin (e.g. 'node1,node2')\n"
    "  --out, --set, --threads  passed to every `basin run`\n";

/* A growing text. */
typedef struct text {
    char *s;
    size_t n;
    FILE *f;
} text;

/* One shell word: as it is when it is safe, else in single quotes. */
static void put_word(FILE *f, const char *w)
{
    int safe = *w != '\0';
    for (const char *p = w; *p && safe; p++)
        safe = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                      "_-./=,:+@%",
                      *p) != NULL;
    if (safe) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (const char *p = w; *p; p++)
        if (*p == '\'')
            fputs("'\\''", f);
        else
            fputc(*p, f);
    fputc('\'', f);
}

typedef struct submit_args {
    const char *kind, *recipe, *out, *ssh;
    const char **sets;
    size_t n_sets;
    long shards, throttle, jobs, threads;
    int now;
} submit_args;

static int whole(const char *t, long lo, long hi, long *out, const char *opt, char *err,
                 size_t n_err)
{
    char *end;
    errno = 0;
    long v = strtol(t, &end, 10);
    if (errno || end == t || *end || v < lo || v > hi) {
        errmsg(err, n_err, "submit: %s needs a whole number in [%ld, %ld], not '%s'", opt,
               lo, hi, t);
        return BASIN_EINVAL;
    }
    *out = v;
    return BASIN_OK;
}

/* This basin's absolute path (the scripts call it), or "basin". */
static void self_path(char *buf, size_t n)
{
    ssize_t k = readlink("/proc/self/exe", buf, n - 1);
    if (k <= 0)
        snprintf(buf, n, "basin");
    else
        buf[k] = '\0';
}

/* `basin run` on a shard (shard_arg: --shard {}/N for GNU parallel, else
   --shards N with the index from the scheduler). */
static void run_words(FILE *f, const submit_args *a, const char *self, int shard_arg)
{
    put_word(f, self);
    fputs(" run ", f);
    put_word(f, a->recipe);
    fputs(" --out ", f);
    put_word(f, a->out);
    for (size_t i = 0; i < a->n_sets; i++) {
        fputs(" --set ", f);
        put_word(f, a->sets[i]);
    }
    if (a->threads)
        fprintf(f, " --threads %ld", a->threads);
    if (shard_arg)
        fprintf(f, " --shard {}/%ld", a->shards);
    else
        fprintf(f, " --shards %ld", a->shards);
    if (shard_arg)
        fputs(" --quiet", f); /* GNU parallel: the merge prints the summary */
}

static void merge_words(FILE *f, const submit_args *a, const char *self)
{
    put_word(f, self);
    fputs(" merge ", f);
    put_word(f, a->out);
    for (long i = 0; i < a->shards; i++) {
        char shard[PATH_MAX + 64];
        snprintf(shard, sizeof shard, "%s.shards/%ld-of-%ld", a->out, i, a->shards);
        fputc(' ', f);
        put_word(f, shard);
    }
}

static int write_script(const char *dir, const char *name, const char *body, char *err,
                        size_t n_err)
{
    results_file f;
    if (results_open(&f, dir, name, err, n_err))
        return BASIN_EIO;
    fputs(body, f.f);
    int rc = results_commit(&f, err, n_err) ? BASIN_EIO : BASIN_OK;
    if (!rc) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        chmod(path, 0755);
    }
    return rc;
}

/* Run a command line through the shell; its first output line into out. */
static int capture(const char *cmd, char *out, size_t n)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    out[0] = '\0';
    if (!fgets(out, (int)n, p))
        out[0] = '\0';
    int status = pclose(p);
    out[strcspn(out, "\n")] = '\0';
    return status == 0 && out[0] ? 0 : -1;
}

static int submit_slurm(const submit_args *a, const char *self, char *err, size_t n_err)
{
    char dir[PATH_MAX], logs[PATH_MAX + 8], cwd[PATH_MAX];
    snprintf(dir, sizeof dir, "%s.slurm", a->out);
    snprintf(logs, sizeof logs, "%s/logs", dir);
    if (!getcwd(cwd, sizeof cwd)) {
        errmsg(err, n_err, "submit: cannot read the current folder: %s", strerror(errno));
        return BASIN_EIO;
    }
    int rc = results_make_dir(logs, err, n_err);
    if (rc)
        return rc;
    text t = {0};
    t.f = open_memstream(&t.s, &t.n);
    if (!t.f)
        return BASIN_ENOMEM;
    FILE *f = t.f;
    fprintf(f, "#!/bin/bash\n# Written by `basin submit slurm`: the shards of ");
    put_word(f, a->recipe);
    fprintf(f,
            ", one array task each.\n# Edit freely (partition, time, memory); "
            "each task runs shard $SLURM_ARRAY_TASK_ID of %ld.\n",
            a->shards);
    fprintf(f, "#SBATCH --job-name=basin-shards\n#SBATCH --array=0-%ld", a->shards - 1);
    if (a->throttle)
        fprintf(f, "%%%ld", a->throttle);
    fprintf(f, "\n#SBATCH --output=%s/shard-%%a.log\n#SBATCH --chdir=%s\n", logs, cwd);
    if (a->threads)
        fprintf(f, "#SBATCH --cpus-per-task=%ld\n", a->threads);
    fprintf(f, "#SBATCH --ntasks=1\nexec ");
    run_words(f, a, self, 0);
    fputc('\n', f);
    fclose(f);
    rc = write_script(dir, "run.sbatch", t.s, err, n_err);
    free(t.s);
    if (rc)
        return rc;
    t.f = f = open_memstream(&t.s, &t.n);
    if (!f)
        return BASIN_ENOMEM;
    fprintf(
        f,
        "#!/bin/bash\n# Written by `basin submit slurm`: joins the %ld shards once "
        "every array task has ended well\n# (sbatch --dependency=afterok:ARRAY_JOB_ID).\n",
        a->shards);
    fprintf(f,
            "#SBATCH --job-name=basin-merge\n#SBATCH --output=%s/merge.log\n"
            "#SBATCH --chdir=%s\n#SBATCH --ntasks=1\nexec ",
            logs, cwd);
    merge_words(f, a, self);
    fputc('\n', f);
    fclose(f);
    rc = write_script(dir, "merge.sbatch", t.s, err, n_err);
    free(t.s);
    if (rc)
        return rc;
    if (!a->now) {
        printf("# the job array, then the merge after it:\n"
               "array=$(sbatch --parsable %s/run.sbatch) && "
               "sbatch --dependency=afterok:${array%%%%;*} %s/merge.sbatch\n",
               dir, dir);
        return BASIN_OK;
    }
    char cmd[2 * PATH_MAX + 128], id[128], merge_id[128];
    snprintf(cmd, sizeof cmd, "sbatch --parsable '%s/run.sbatch'", dir);
    if (capture(cmd, id, sizeof id) != 0) {
        errmsg(err, n_err, "submit: `%s` failed", cmd);
        return BASIN_EFAILED;
    }
    id[strcspn(id, ";")] = '\0';
    snprintf(cmd, sizeof cmd,
             "sbatch --parsable --dependency=afterok:%s '%s/merge.sbatch'", id, dir);
    if (capture(cmd, merge_id, sizeof merge_id) != 0) {
        errmsg(err, n_err, "submit: `%s` failed (the array %s is queued)", cmd, id);
        return BASIN_EFAILED;
    }
    merge_id[strcspn(merge_id, ";")] = '\0';
    printf("basin: submitted the array %s (%ld tasks) and the merge %s; logs in %s\n", id,
           a->shards, merge_id, logs);
    return BASIN_OK;
}

static int submit_parallel(const submit_args *a, const char *self)
{
    FILE *f = stdout;
    fprintf(f, "parallel --jobs %ld --halt now,fail=1", a->jobs ? a->jobs : a->shards);
    if (a->ssh) {
        fputs(" --sshlogin ", f);
        put_word(f, a->ssh);
        fputs(" --workdir .", f);
    }
    fputc(' ', f);
    run_words(f, a, self, 1);
    fputs(" :::", f);
    for (long i = 0; i < a->shards; i++)
        fprintf(f, " %ld", i);
    fputs(" && ", f);
    merge_words(f, a, self);
    fputc('\n', f);
    return BASIN_OK;
}

int cmd_submit(int argc, char **argv, char *err, size_t n_err)
{
    static const struct option LONG[] = {
        {"shards", required_argument, NULL, OPT_SHARDS},
        {"throttle", required_argument, NULL, OPT_THROTTLE},
        {"now", no_argument, NULL, OPT_NOW},
        {"out", required_argument, NULL, OPT_OUT},
        {"set", required_argument, NULL, OPT_SET},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"jobs", required_argument, NULL, OPT_JOBS},
        {"ssh", required_argument, NULL, OPT_SSH},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    submit_args a;
    memset(&a, 0, sizeof a);
    if (!(a.sets = calloc((size_t)argc + 1, sizeof *a.sets))) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    options op;
    options_init(&op, argc, argv, "h", LONG);
    int c, rc = BASIN_OK;
    while (rc == BASIN_OK && (c = options_next(&op, err, n_err)) != 0) {
        switch (c) {
        case 'h':
            fputs(submit_usage, stdout);
            free(a.sets);
            return BASIN_OK;
        case OPT_SHARDS:
            rc = whole(op.arg, 1, 100000, &a.shards, "--shards", err, n_err);
            break;
        case OPT_THROTTLE:
            rc = whole(op.arg, 1, 100000, &a.throttle, "--throttle", err, n_err);
            break;
        case OPT_JOBS:
            rc = whole(op.arg, 1, 100000, &a.jobs, "--jobs", err, n_err);
            break;
        case OPT_THREADS:
            rc = whole(op.arg, 1, 1024, &a.threads, "--threads", err, n_err);
            break;
        case OPT_NOW:
            a.now = 1;
            break;
        case OPT_OUT:
            a.out = op.arg;
            break;
        case OPT_SET:
            a.sets[a.n_sets++] = op.arg;
            break;
        case OPT_SSH:
            a.ssh = op.arg;
            break;
        default:
            rc = c;
        }
    }
    int n_operands = argc - op.first_operand;
    if (!rc && n_operands != 2) {
        errmsg(err, n_err,
               "submit: needs slurm|parallel and a recipe (see `basin help submit`)");
        rc = BASIN_EINVAL;
    }
    if (!rc) {
        a.kind = argv[op.first_operand];
        a.recipe = argv[op.first_operand + 1];
        if (strcmp(a.kind, "slurm") && strcmp(a.kind, "parallel")) {
            errmsg(err, n_err,
                   "submit: '%s' is no scheduler basin writes for (slurm or "
                   "parallel)",
                   a.kind);
            rc = BASIN_EINVAL;
        } else if (!a.shards) {
            errmsg(err, n_err, "submit: needs --shards N");
            rc = BASIN_EINVAL;
        } else if (!a.out) {
            errmsg(err, n_err,
                   "submit: needs --out DIR (the merged folder; the shards go "
                   "to DIR.shards/)");
            rc = BASIN_EINVAL;
        }
    }
    char self[PATH_MAX];
    self_path(self, sizeof self);
    if (!rc)
        rc = !strcmp(a.kind, "slurm") ? submit_slurm(&a, self, err, n_err)
                                      : submit_parallel(&a, self);
    free(a.sets);
    return rc;
}
