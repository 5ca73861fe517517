#include "report/report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/csv_table.h"
#include "report/figures.h"
#include "measure/measure.h"
#include "recipe/recipe.h"
#include "registry/registry.h"
#include "report/html.h"
#include "report/samples_figure.h"

const char REPORT_USAGE[] =
    "usage: basin report RESULTS_DIR [--quiet]\n"
    "\n"
    "Write figures and report.html inside a results folder: rates.svg/.png\n"
    "(memorized, spurious, generalized against the sweep), collapse and phi\n"
    "(collapse times, phi_C(t)) when the run measured them, samples.png (samples\n"
    "beside their nearest training images) for image data, landscape (attractors,\n"
    "basin radii, curvature) when [landscape] ran, pairs (the disjoint-sets\n"
    "test) when measure.disjoint ran, training (loss against step) when the\n"
    "model reported training metrics (training.csv). Each figure's gnuplot script\n"
    "(.gp) and data (.dat) are saved beside it. Needs gnuplot for the plots\n"
    "(BASIN_GNUPLOT, PATH); without it the page and the data are still written.\n";

/* Files a report writes; an earlier report's that this one does not rewrite are
   removed, so the folder never mixes two reports. */
static const char *const FIGURE_STEMS[] = {"rates", "pairs",     "collapse",
                                           "phi",   "landscape", "training"};
static const char *const FIGURE_EXTS[] = {"svg", "png", "gp", "dat"};

typedef struct inputs {
    recipe *r;
    registry *reg;
    char *run_toml;
    csv_table summary, records, collapse, attractors, training;
    int has_collapse, has_attractors, has_samples, has_training;
    sample_rows samples;
    char samples_path[4200];
} inputs;

static void inputs_free(inputs *in)
{
    recipe_free(in->r);
    registry_free(in->reg);
    free(in->run_toml);
    csv_table_free(&in->summary);
    csv_table_free(&in->records);
    csv_table_free(&in->collapse);
    csv_table_free(&in->attractors);
    csv_table_free(&in->training);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Check that t has the named columns, and that they hold numbers. */
static int need_columns(const csv_table *t, const char *file, const char *const *names,
                        int numeric, char *err, size_t n_err)
{
    for (size_t k = 0; names[k]; k++) {
        long c = csv_table_column(t, names[k]);
        if (c < 0) {
            snprintf(err, n_err, "%s: no column '%s' (not a basin results file?)", file,
                     names[k]);
            return 2;
        }
        for (size_t i = 0; numeric && i < t->n_rows; i++) {
            double v;
            if (csv_table_number(t, i, (size_t)c, &v)) {
                snprintf(err, n_err, "%s:%zu: %s is not a number ('%s')", file, i + 2,
                         names[k], csv_table_cell(t, i, (size_t)c));
                return 2;
            }
        }
    }
    return 0;
}

static int read_text(const char *path, char **out, char *err, size_t n_err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, n_err, "%s: cannot read: %s", path, strerror(errno));
        return 2;
    }
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    for (size_t got; s && (got = fread(s + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap) {
            char *t = cap < (64u << 20) ? realloc(s, cap *= 2) : NULL;
            if (!t) {
                free(s);
                s = NULL;
            }
            s = t;
        }
    }
    fclose(f);
    if (!s) {
        snprintf(err, n_err, "%s: cannot read (over 64 MiB?)", path);
        return 2;
    }
    s[n] = '\0';
    *out = s;
    return 0;
}

/* training.csv: job, point, repeat, the swept parameters of run.toml, model, name,
   step, value; job, point, repeat and step whole numbers ≥ 0, point a sweep point,
   model "model" or "disjoint", value a number (nan allowed). 0, or 2 with a
   message. */
static int check_training(const csv_table *t, const recipe *r, const char *path,
                          char *err, size_t n_err)
{
    static const char *const LEAD[] = {"job", "point", "repeat"};
    static const char *const TAIL[] = {"model", "name", "step", "value"};
    int ok = t->n_cols == 7 + r->n_axes;
    for (size_t c = 0; ok && c < t->n_cols; c++) {
        const char *want = c < 3               ? LEAD[c]
                           : c < 3 + r->n_axes ? r->axes[c - 3].dotted
                                               : TAIL[c - 3 - r->n_axes];
        ok = strcmp(t->header[c], want) == 0;
    }
    if (!ok) {
        snprintf(err, n_err,
                 "%s: the header is not job,point,repeat,<the %zu swept "
                 "parameters of run.toml>,model,name,step,value",
                 path, r->n_axes);
        return 2;
    }
    static const size_t WHOLE[] = {0, 1, 2};
    for (size_t i = 0; i < t->n_rows; i++) {
        double v;
        const char *model = csv_table_cell(t, i, 3 + r->n_axes);
        if (strcmp(model, "model") != 0 && strcmp(model, "disjoint") != 0) {
            snprintf(err, n_err, "%s:%zu: model is '%s', not model or disjoint", path,
                     i + 2, model);
            return 2;
        }
        for (size_t k = 0; k < 4; k++) {
            size_t c = k < 3 ? WHOLE[k] : t->n_cols - 2;
            if (csv_table_number(t, i, c, &v) || !(v >= 0 && v < 9e15) || v != floor(v)) {
                snprintf(err, n_err, "%s:%zu: %s is not a whole number ≥ 0 ('%s')", path,
                         i + 2, t->header[c], csv_table_cell(t, i, c));
                return 2;
            }
            if (c == 1 && v >= (double)r->n_points) {
                snprintf(err, n_err,
                         "%s:%zu: point %s is not a sweep point of "
                         "run.toml",
                         path, i + 2, csv_table_cell(t, i, c));
                return 2;
            }
        }
        if (csv_table_number(t, i, t->n_cols - 1, &v)) {
            snprintf(err, n_err, "%s:%zu: value is not a number ('%s')", path, i + 2,
                     csv_table_cell(t, i, t->n_cols - 1));
            return 2;
        }
    }
    return 0;
}

/* Read and check every input. 0, or 2 with a message. */
static int inputs_load(const char *dir, inputs *in, char *err, size_t n_err)
{
    char path[4200], why[2048];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, n_err, "%s: not a results folder (%s)", dir,
                 errno ? strerror(errno) : "not a folder");
        return 2;
    }
    snprintf(path, sizeof path, "%s/run.toml", dir);
    if (read_text(path, &in->run_toml, err, n_err))
        return 2;
    if (!(in->reg = registry_new())) {
        snprintf(err, n_err, "out of memory");
        return 2;
    }
    if (recipe_load(path, NULL, 0, in->reg, &in->r, why, sizeof why)) {
        snprintf(err, n_err, "%s", why);
        return 2;
    }
    const recipe *r = in->r;

    static const char *const RATES[] = {"memorized_rate",
                                        "memorized_rate_lo",
                                        "memorized_rate_hi",
                                        "spurious_rate",
                                        "spurious_rate_lo",
                                        "spurious_rate_hi",
                                        "generalized_rate",
                                        "generalized_rate_lo",
                                        "generalized_rate_hi",
                                        "samples",
                                        NULL};
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (csv_table_read(path, &in->summary, err, n_err) ||
        need_columns(&in->summary, path, RATES, 1, err, n_err))
        return 2;
    size_t n_axes = figures_axis_columns(&in->summary);
    int axes_match = n_axes == r->n_axes;
    for (size_t a = 0; axes_match && a < n_axes; a++)
        axes_match = strcmp(in->summary.header[a], r->axes[a].dotted) == 0;
    if (!axes_match || in->summary.n_rows != r->n_points) {
        snprintf(err, n_err,
                 "%s: %zu rows and %zu sweep columns, but run.toml has "
                 "%zu sweep points over %zu swept parameters",
                 path, in->summary.n_rows, n_axes, r->n_points, r->n_axes);
        return 2;
    }
    double samples = 0;
    long c_samples = csv_table_column(&in->summary, "samples");
    for (size_t i = 0; i < in->summary.n_rows; i++) {
        double v;
        csv_table_number(&in->summary, i, (size_t)c_samples, &v);
        samples += v;
    }

    static const char *const RECORDS[] = {"job", "point", NULL};
    static const char *const CLASS[] = {"class", NULL};
    snprintf(path, sizeof path, "%s/records.csv", dir);
    if (csv_table_read(path, &in->records, err, n_err) ||
        need_columns(&in->records, path, RECORDS, 1, err, n_err) ||
        need_columns(&in->records, path, CLASS, 0, err, n_err))
        return 2;
    if ((double)in->records.n_rows != samples) {
        snprintf(err, n_err,
                 "%s: %zu rows, but summary.csv counts %.0f samples "
                 "(truncated?)",
                 path, in->records.n_rows, samples);
        return 2;
    }
    long c_point = csv_table_column(&in->records, "point");
    for (size_t i = 0; i < in->records.n_rows; i++) {
        double v;
        csv_table_number(&in->records, i, (size_t)c_point, &v);
        if (!(v >= 0 && v < (double)r->n_points) || v != floor(v)) {
            snprintf(err, n_err, "%s:%zu: point %s is not a sweep point of run.toml",
                     path, i + 2, csv_table_cell(&in->records, i, (size_t)c_point));
            return 2;
        }
    }

    static const char *const PAIRS[] = {"d_pair", "cos_pair", NULL};
    if (csv_table_column(&in->records, "d_pair") >= 0 &&
        need_columns(&in->records, path, PAIRS, 1, err, n_err))
        return 2;

    static const char *const CLONES[] = {"clone",  "t_ou",   "phi",
                                         "phi_lo", "phi_hi", NULL};
    snprintf(path, sizeof path, "%s/collapse.csv", dir);
    if ((in->has_collapse = exists(path)) &&
        (csv_table_read(path, &in->collapse, err, n_err) ||
         need_columns(&in->collapse, path, CLONES, 1, err, n_err)))
        return 2;
    static const char *const ATTRACTORS[] = {"point", "radius", "lambda_min", NULL};
    snprintf(path, sizeof path, "%s/attractors.csv", dir);
    if ((in->has_attractors = exists(path)) &&
        (csv_table_read(path, &in->attractors, err, n_err) ||
         need_columns(&in->attractors, path, ATTRACTORS, 1, err, n_err) ||
         need_columns(&in->attractors, path, CLASS, 0, err, n_err)))
        return 2;
    snprintf(path, sizeof path, "%s/training.csv", dir);
    if ((in->has_training = exists(path)) &&
        (csv_table_read(path, &in->training, err, n_err) ||
         check_training(&in->training, r, path, err, n_err)))
        return 2;
    snprintf(in->samples_path, sizeof in->samples_path, "%s/samples.npy", dir);
    if ((in->has_samples = exists(in->samples_path))) {
        if (report_samples_open(in->samples_path, &in->samples, err, n_err))
            return 2;
        if (in->samples.rows != in->records.n_rows) {
            snprintf(err, n_err, "%s: %llu rows, but records.csv has %zu",
                     in->samples_path, in->samples.rows, in->records.n_rows);
            return 2;
        }
    }
    return 0;
}

/* Remove tmp and everything in it (it holds only plain files). */
static void remove_tree(const char *tmp)
{
    DIR *d = opendir(tmp);
    struct dirent *e;
    char path[4400];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(tmp);
}

/* Rename every file of tmp into dir. */
static int commit(const char *tmp, const char *dir, char *err, size_t n_err)
{
    DIR *d = opendir(tmp);
    if (!d) {
        snprintf(err, n_err, "%s: cannot list: %s", tmp, strerror(errno));
        return 1;
    }
    struct dirent *e;
    char from[4608], to[4608];
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(from, sizeof from, "%s/%s", tmp, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
        if (rename(from, to) != 0) {
            snprintf(err, n_err, "cannot move %s into place: %s", to, strerror(errno));
            rc = 1;
        }
    }
    closedir(d);
    return rc;
}

/* Remove an earlier report's figure files that this report did not write. */
static void remove_stale(const char *dir, const report_figure *figs, size_t n)
{
    char path[4400];
    for (size_t s = 0; s < sizeof FIGURE_STEMS / sizeof *FIGURE_STEMS; s++) {
        size_t k = 0;
        while (k < n && strcmp(figs[k].name, FIGURE_STEMS[s]))
            k++;
        for (size_t x = 0; x < sizeof FIGURE_EXTS / sizeof *FIGURE_EXTS; x++) {
            /* A figure written without its images keeps no stale images. */
            if (k < n && (x >= 2 || figs[k].drawn))
                continue;
            snprintf(path, sizeof path, "%s/%s.%s", dir, FIGURE_STEMS[s], FIGURE_EXTS[x]);
            unlink(path);
        }
    }
    size_t k = 0;
    while (k < n && strcmp(figs[k].name, "samples"))
        k++;
    if (k == n || !figs[k].drawn) {
        snprintf(path, sizeof path, "%s/samples.png", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/samples-grid.csv", dir);
        unlink(path);
    }
}

int report_write(const char *dir, int quiet, char *err, size_t n_err)
{
    inputs in;
    memset(&in, 0, sizeof in);
    errno = 0;
    int status = inputs_load(dir, &in, err, n_err);
    if (status) {
        inputs_free(&in);
        return status;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/.report.XXXXXX", dir);
    if (!mkdtemp(tmp)) {
        snprintf(err, n_err, "%s: cannot write in the results folder: %s", dir,
                 strerror(errno));
        inputs_free(&in);
        return 1;
    }
    char gp_buf[4200], no_gnuplot[512] = "";
    const char *gnuplot =
        figures_gnuplot(gp_buf, sizeof gp_buf, no_gnuplot, sizeof no_gnuplot);
    report_figure figs[8];
    size_t n = 0;
    int rc = figures_rates(&in.summary, tmp, gnuplot, &figs[n], err, n_err);
    n += rc == 0;
    if (rc >= 0) {
        rc = figures_pairs(&in.summary, &in.records, tmp, gnuplot, &figs[n], err, n_err);
        n += rc == 0;
    }
    if (rc >= 0) {
        rc = figures_collapse(&in.summary, tmp, gnuplot, &figs[n], err, n_err);
        n += rc == 0;
    }
    if (rc >= 0 && in.has_collapse) {
        rc = figures_phi(&in.collapse, tmp, gnuplot, &figs[n], err, n_err);
        n += rc == 0;
    }
    if (rc >= 0) {
        rc = figures_landscape(&in.summary, in.has_attractors ? &in.attractors : NULL,
                               tmp, gnuplot, &figs[n], err, n_err);
        n += rc == 0;
    }
    if (rc >= 0 && in.has_training) {
        rc = figures_training(&in.training, in.r->n_axes, tmp, gnuplot, &figs[n], err,
                              n_err);
        n += rc == 0;
    }
    if (rc >= 0 && in.has_samples) {
        rc = report_samples_grid(in.r, &in.records, &in.samples, tmp, &figs[n], err,
                                 n_err);
        n += rc == 0;
    }
    if (!gnuplot)
        for (size_t k = 0; k < n; k++)
            if (!figs[k].drawn && !*figs[k].skipped)
                snprintf(figs[k].skipped, sizeof figs[k].skipped, "%s", no_gnuplot);
    if (rc >= 0) {
        char path[4400];
        snprintf(path, sizeof path, "%s/report.html", tmp);
        report_page page = {in.r->name,  in.r->description ? in.r->description : "",
                            in.run_toml, &in.summary,
                            figs,        n};
        rc = report_html_write(path, &page, err, n_err);
    }
    if (rc >= 0)
        rc = commit(tmp, dir, err, n_err) ? -1 : 0;
    if (rc < 0) {
        remove_tree(tmp);
        inputs_free(&in);
        return 1;
    }
    remove_tree(tmp);
    remove_stale(dir, figs, n);
    if (!quiet) {
        printf("report: %s/report.html (%zu figure%s)\n", dir, n, n == 1 ? "" : "s");
        for (size_t k = 0; k < n; k++)
            if (!figs[k].drawn)
                fprintf(stderr, "basin: report: skipped %s: %s\n", figs[k].name,
                        figs[k].skipped);
    }
    inputs_free(&in);
    return 0;
}

int cmd_report(int argc, char **argv)
{
    const char *dir = NULL;
    int quiet = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(REPORT_USAGE, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            quiet = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr,
                    "basin: unknown option '%s' for report (see `basin help "
                    "report`)\n",
                    argv[i]);
            return 2;
        } else if (dir) {
            fprintf(stderr,
                    "basin: report takes one results folder; '%s' is a second "
                    "(see `basin help report`)\n",
                    argv[i]);
            return 2;
        } else {
            dir = argv[i];
        }
    }
    if (!dir) {
        fprintf(stderr, "basin: report needs a results folder (see `basin help "
                        "report`)\n");
        return 2;
    }
    char err[2048];
    int status = report_write(dir, quiet, err, sizeof err);
    if (status)
        fprintf(stderr, "basin: report: %s\n", err);
    return status;
}
