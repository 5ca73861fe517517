#include "report/report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "base/options.h"
#include "base/status.h"
#include "base/toml.h"
#include "recipe/recipe.h"
#include "registry/registry.h"
#include "report/csv_table.h"
#include "report/figures.h"
#include "report/html.h"
#include "report/samples_figure.h"
#include "results/folder.h"

const char report_usage[] =
    "usage: basin report RESULTS_DIR [--job N | --job KEY=VALUE[,KEY=VALUE]...]\n"
    "                    [--path DIR_OR_LIBRARY]... [--quiet]\n"
    "\n"
    "Write figures and report.html inside a results folder (or one `basin\n"
    "measure` wrote): rates (memorized, spurious, generalized against the sweep),\n"
    "distances (histograms of d_m and d_m/d_2 per sweep point), collapse and phi\n"
    "(collapse times, phi_C(t)) when the run measured them, samples.png (samples\n"
    "beside their nearest training images) for image data, landscape (attractors,\n"
    "basin radii, curvature) when [landscape] ran, pairs (the disjoint-sets\n"
    "test) when measure.disjoint ran, training (loss against step) when the\n"
    "model reported training metrics (training.csv), scatter (a job's samples\n"
    "by class over the training points) for 2-D data. Each plot is written as\n"
    "NAME.pdf, .svg and .png, axes named by the recipe's [labels] or basin's\n"
    "names for the swept parameters. Each figure's gnuplot script\n"
    "(.gp) and data (.dat) are saved beside it. Needs gnuplot for the plots\n"
    "(BASIN_GNUPLOT, PATH); without it the page and the data are still written.\n"
    "\n"
    "A results folder is data: its run.toml's plugin_path is not loaded. Plugins\n"
    "come from the default search path and --path; samples.png, which re-reads\n"
    "the training set, is skipped when its dataset plugin is not among them.\n"
    "\n"
    "  --job N          show job N in samples.png and scatter (default: the job\n"
    "                   with the most classes, then the most spurious samples)\n"
    "  --job KEY=VALUE[,KEY=VALUE]  the first job of the sweep point with these\n"
    "                   swept values (--job dataset.count=100)\n"
    "  --path P         search P for plugins first (a library or a folder)\n"
    "  --quiet          print nothing on success\n";

/* Files a report writes; an earlier report's that this one does not rewrite are
   removed, so the folder never mixes two reports. */
static const char *const FIGURE_STEMS[] = {
    "rates", "models",    "memorization", "distances", "pairs",  "collapse",
    "phi",   "landscape", "training",     "compare",   "scatter"};
static const char *const FIGURE_EXTS[] = {"svg", "png", "pdf", "gp", "dat"};

typedef struct inputs {
    results_set set; /* the files of the run, as its marker lists them */
    recipe *r;
    registry *reg;
    char *run_toml;
    csv_table summary, records, collapse, attractors, training, compare;
    int has_collapse, has_attractors, has_samples, has_training, has_compare;
    sample_rows samples;
    char samples_path[4200];
    axis_labels labels; /* the swept parameters' names on the figures */
    double job;         /* the job of samples.png and scatter, -1: the report picks */
} inputs;

static void inputs_free(inputs *in)
{
    results_set_free(&in->set);
    recipe_free(in->r);
    registry_free(in->reg);
    free(in->run_toml);
    csv_table_free(&in->summary);
    csv_table_free(&in->records);
    csv_table_free(&in->collapse);
    csv_table_free(&in->attractors);
    csv_table_free(&in->training);
    csv_table_free(&in->compare);
    axis_labels_free(&in->labels);
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
            return BASIN_EINVAL;
        }
        for (size_t i = 0; numeric && i < t->n_rows; i++) {
            double v;
            if (csv_table_number(t, i, (size_t)c, &v)) {
                snprintf(err, n_err, "%s:%zu: %s is not a number ('%s')", file, i + 2,
                         names[k], csv_table_cell(t, i, (size_t)c));
                return BASIN_EINVAL;
            }
        }
    }
    return BASIN_OK;
}

static int read_text(const char *path, char **out, char *err, size_t n_err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, n_err, "%s: cannot read: %s", path, strerror(errno));
        return BASIN_EIO;
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
        return BASIN_EIO;
    }
    s[n] = '\0';
    *out = s;
    return BASIN_OK;
}

/* training.csv: job, point, repeat, the swept parameters of run.toml, role, name,
   step, value (role was named model before [[model]]); job, point, repeat and
   step whole numbers ≥ 0, point a sweep point, role "model" or "disjoint", value
   a number (nan allowed). BASIN_OK, or
   BASIN_EINVAL with a message. */
static int check_training(const csv_table *t, const recipe *r, const char *path,
                          char *err, size_t n_err)
{
    static const char *const LEAD[] = {"job", "point", "repeat"};
    static const char *const TAIL[] = {"role", "name", "step", "value"};
    int ok = t->n_cols == 7 + r->n_axes;
    for (size_t c = 0; ok && c < t->n_cols; c++) {
        const char *want = c < 3               ? LEAD[c]
                           : c < 3 + r->n_axes ? r->axes[c - 3].dotted
                                               : TAIL[c - 3 - r->n_axes];
        ok = strcmp(t->header[c], want) == 0 ||
             (c == 3 + r->n_axes && strcmp(t->header[c], "model") == 0);
    }
    if (!ok) {
        snprintf(err, n_err,
                 "%s: the header is not job,point,repeat,<the %zu swept "
                 "parameters of run.toml>,role,name,step,value",
                 path, r->n_axes);
        return BASIN_EINVAL;
    }
    static const size_t WHOLE[] = {0, 1, 2};
    for (size_t i = 0; i < t->n_rows; i++) {
        double v;
        const char *model = csv_table_cell(t, i, 3 + r->n_axes);
        if (strcmp(model, "model") != 0 && strcmp(model, "disjoint") != 0) {
            snprintf(err, n_err, "%s:%zu: role is '%s', not model or disjoint", path,
                     i + 2, model);
            return BASIN_EINVAL;
        }
        for (size_t k = 0; k < 4; k++) {
            size_t c = k < 3 ? WHOLE[k] : t->n_cols - 2;
            if (csv_table_number(t, i, c, &v) || !(v >= 0 && v < 9e15) || v != floor(v)) {
                snprintf(err, n_err, "%s:%zu: %s is not a whole number ≥ 0 ('%s')", path,
                         i + 2, t->header[c], csv_table_cell(t, i, c));
                return BASIN_EINVAL;
            }
            if (c == 1 && v >= (double)r->n_points) {
                snprintf(err, n_err,
                         "%s:%zu: point %s is not a sweep point of "
                         "run.toml",
                         path, i + 2, csv_table_cell(t, i, c));
                return BASIN_EINVAL;
            }
        }
        if (csv_table_number(t, i, t->n_cols - 1, &v)) {
            snprintf(err, n_err, "%s:%zu: value is not a number ('%s')", path, i + 2,
                     csv_table_cell(t, i, t->n_cols - 1));
            return BASIN_EINVAL;
        }
    }
    return BASIN_OK;
}

/* The recipe of a folder `basin measure` wrote (its run.toml opens with "# basin
   measure" and has an [inputs] table): no plugin, no sweep, one point, named
   after the folder, described by its inputs. BASIN_OK, or BASIN_EINVAL /
   BASIN_ENOMEM with a message. */
static int measure_recipe(const char *dir, const char *path, inputs *in, char *err,
                          size_t n_err)
{
    char *perr = NULL;
    toml_node *root = NULL;
    if (toml_parse_text(in->run_toml, strlen(in->run_toml), path, &root, &perr) != 0) {
        snprintf(err, n_err, "%s", perr ? perr : "run.toml: cannot parse");
        free(perr);
        return BASIN_EINVAL;
    }
    const toml_node *inputs_table = toml_get(root, "inputs");
    const toml_node *train = inputs_table ? toml_get(inputs_table, "train") : NULL;
    const toml_node *samples = inputs_table ? toml_get(inputs_table, "samples") : NULL;
    if (!train || !samples || train->kind != TOML_STRING ||
        samples->kind != TOML_STRING) {
        toml_free(root);
        snprintf(err, n_err,
                 "%s: [inputs] has no train and samples (not written by "
                 "basin measure?)",
                 path);
        return BASIN_EINVAL;
    }
    recipe *r = in->r = calloc(1, sizeof *r);
    char description[9000];
    snprintf(description, sizeof description,
             "Samples made elsewhere (%s), classified against the training set %s by "
             "basin measure.",
             samples->string, train->string);
    const char *base = strrchr(dir, '/');
    base = base && base[1] ? base + 1 : dir;
    if (r) {
        r->root = root;
        r->n_points = 1;
        r->repeats = 1;
        r->path = strdup(path);
        r->name = strdup(base);
        r->description = strdup(description);
    } else {
        toml_free(root);
    }
    if (!r || !r->path || !r->name || !r->description) {
        snprintf(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    return BASIN_OK;
}

/* The folder (a whole basin result set), its run.toml as text and as a recipe,
   read as data: plugins come from the user's paths and the default search path,
   never from the folder's plugin_path. BASIN_OK, or BASIN_EIO / BASIN_EINVAL /
   BASIN_ENOMEM with a message. */
static int load_recipe(const char *dir, const char *const *paths, size_t n_paths,
                       inputs *in, char *err, size_t n_err)
{
    char path[4200], why[2048];
    struct stat st;
    errno = 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, n_err, "%s: not a results folder (%s)", dir,
                 errno ? strerror(errno) : "not a folder");
        return BASIN_EIO;
    }
    int rc = results_set_read(dir, &in->set, err, n_err);
    if (rc != BASIN_OK)
        return rc;
    snprintf(path, sizeof path, "%s/run.toml", dir);
    if ((rc = read_text(path, &in->run_toml, err, n_err)) != BASIN_OK)
        return rc;
    if (strncmp(in->run_toml, "# basin measure", 15) == 0) {
        if ((rc = measure_recipe(dir, path, in, err, n_err)) != BASIN_OK)
            return rc;
        return axis_labels_make(in->r, &in->labels, err, n_err);
    }
    if (!(in->reg = registry_new())) {
        snprintf(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    for (size_t k = 0; k < n_paths; k++)
        if ((rc = registry_add_path(in->reg, paths[k], 1, why, sizeof why))) {
            snprintf(err, n_err, "--path %s", why);
            return rc;
        }
    if ((rc = recipe_load_results(path, in->reg, &in->r, why, sizeof why)) != BASIN_OK) {
        snprintf(err, n_err, "%s", why);
        return rc;
    }
    return axis_labels_make(in->r, &in->labels, err, n_err);
}

/* summary.csv: the rates, a row per sweep point of run.toml and its swept
   parameters first. *samples gets the samples it counts. */
static int load_summary(const char *dir, inputs *in, double *samples, char *err,
                        size_t n_err)
{
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
    const recipe *r = in->r;
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    int rc = csv_table_read(path, &in->summary, err, n_err);
    if (rc != BASIN_OK || (rc = need_columns(&in->summary, path, RATES, 1, err, n_err)))
        return rc;
    size_t n_axes = figures_axis_columns(&in->summary);
    int axes_match = n_axes == r->n_axes;
    for (size_t a = 0; axes_match && a < n_axes; a++)
        axes_match = strcmp(in->summary.header[a], r->axes[a].dotted) == 0;
    if (!axes_match || in->summary.n_rows != r->n_points) {
        snprintf(err, n_err,
                 "%s: %zu rows and %zu sweep columns, but run.toml has "
                 "%zu sweep points over %zu swept parameters",
                 path, in->summary.n_rows, n_axes, r->n_points, r->n_axes);
        return BASIN_EINVAL;
    }
    *samples = 0;
    long c_samples = csv_table_column(&in->summary, "samples");
    for (size_t i = 0; i < in->summary.n_rows; i++) {
        double v;
        csv_table_number(&in->summary, i, (size_t)c_samples, &v);
        *samples += v;
    }
    return BASIN_OK;
}

/* records.csv: a row per sample summary.csv counts, each at a sweep point, and
   the pair measures as numbers when the disjoint-sets test ran. */
static int load_records(const char *dir, inputs *in, double samples, char *err,
                        size_t n_err)
{
    static const char *const RECORDS[] = {"job", "point", NULL};
    static const char *const CLASS[] = {"class", NULL};
    static const char *const PAIRS[] = {"d_pair", "cos_pair", NULL};
    char path[4200];
    snprintf(path, sizeof path, "%s/records.csv", dir);
    csv_table *t = &in->records;
    int rc = csv_table_read(path, t, err, n_err);
    if (rc != BASIN_OK || (rc = need_columns(t, path, RECORDS, 1, err, n_err)) ||
        (rc = need_columns(t, path, CLASS, 0, err, n_err)))
        return rc;
    if ((double)t->n_rows != samples) {
        snprintf(err, n_err,
                 "%s: %zu rows, but summary.csv counts %.0f samples (truncated?)", path,
                 t->n_rows, samples);
        return BASIN_EINVAL;
    }
    long c_point = csv_table_column(t, "point");
    for (size_t i = 0; i < t->n_rows; i++) {
        double v;
        csv_table_number(t, i, (size_t)c_point, &v);
        if (!(v >= 0 && v < (double)in->r->n_points) || v != floor(v)) {
            snprintf(err, n_err, "%s:%zu: point %s is not a sweep point of run.toml",
                     path, i + 2, csv_table_cell(t, i, (size_t)c_point));
            return BASIN_EINVAL;
        }
    }
    if (csv_table_column(t, "d_pair") >= 0)
        return need_columns(t, path, PAIRS, 1, err, n_err);
    return BASIN_OK;
}

/* The files a run writes only when asked: collapse.csv, attractors.csv,
   training.csv, samples.npy (the has_* flags say which the set has). */
static int load_optional(const char *dir, inputs *in, char *err, size_t n_err)
{
    static const char *const CLONES[] = {"clone",  "t_ou",   "phi",
                                         "phi_lo", "phi_hi", NULL};
    static const char *const ATTRACTORS[] = {"point", "radius", "lambda_min", NULL};
    static const char *const CLASS[] = {"class", NULL};
    char path[4200];
    int rc = BASIN_OK;
    snprintf(path, sizeof path, "%s/collapse.csv", dir);
    if ((in->has_collapse = results_set_has(&in->set, "collapse.csv")) &&
        ((rc = csv_table_read(path, &in->collapse, err, n_err)) ||
         (rc = need_columns(&in->collapse, path, CLONES, 1, err, n_err))))
        return rc;
    snprintf(path, sizeof path, "%s/attractors.csv", dir);
    if ((in->has_attractors = results_set_has(&in->set, "attractors.csv")) &&
        ((rc = csv_table_read(path, &in->attractors, err, n_err)) ||
         (rc = need_columns(&in->attractors, path, ATTRACTORS, 1, err, n_err)) ||
         (rc = need_columns(&in->attractors, path, CLASS, 0, err, n_err))))
        return rc;
    snprintf(path, sizeof path, "%s/training.csv", dir);
    if ((in->has_training = results_set_has(&in->set, "training.csv")) &&
        ((rc = csv_table_read(path, &in->training, err, n_err)) ||
         (rc = check_training(&in->training, in->r, path, err, n_err))))
        return rc;
    snprintf(path, sizeof path, "%s/compare.csv", dir);
    if ((in->has_compare = results_set_has(&in->set, "compare.csv")) &&
        (rc = csv_table_read(path, &in->compare, err, n_err)))
        return rc;
    snprintf(in->samples_path, sizeof in->samples_path, "%s/samples.npy", dir);
    if (!(in->has_samples = results_set_has(&in->set, "samples.npy")))
        return BASIN_OK;
    if ((rc = report_samples_open(in->samples_path, &in->samples, err, n_err)))
        return rc;
    if (in->samples.rows != in->records.n_rows) {
        snprintf(err, n_err, "%s: %llu rows, but records.csv has %zu", in->samples_path,
                 in->samples.rows, in->records.n_rows);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* Does summary cell text s hold value want (numbers compared as numbers)? */
static int same_value(const char *s, const char *want)
{
    char *e1, *e2;
    double a = strtod(s, &e1), b = strtod(want, &e2);
    if (*s && *want && !*e1 && !*e2)
        return a == b;
    return strcmp(s, want) == 0;
}

/* The values axis column a of the summary takes, "10, 100, 1000", into buf. */
static void axis_values_list(const csv_table *t, size_t a, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->n_rows && used < n; i++) {
        size_t k = 0;
        while (k < i && strcmp(csv_table_cell(t, k, a), csv_table_cell(t, i, a)))
            k++;
        if (k == i)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "",
                                     csv_table_cell(t, i, a));
    }
}

/* The sweep point whose values match spec "KEY=VALUE[,KEY=VALUE]..." (the first
   in sweep order when several do). BASIN_OK, or BASIN_EINVAL with a message. */
static int point_of_values(const inputs *in, const char *spec, size_t *point, char *err,
                           size_t n_err)
{
    const csv_table *t = &in->summary;
    size_t n_axes = in->r->n_axes;
    int *match = malloc((t->n_rows + 1) * sizeof *match);
    if (!match) {
        snprintf(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    for (size_t i = 0; i < t->n_rows; i++)
        match[i] = 1;
    int rc = BASIN_OK;
    for (const char *at = spec; rc == BASIN_OK && *at;) {
        size_t len = strcspn(at, ","), klen = strcspn(at, "=");
        char key[256], value[256], list[512];
        if (klen >= len || klen == 0 || klen >= sizeof key || len - klen > sizeof value) {
            snprintf(err, n_err,
                     "--job %s: expected a job number or swept values "
                     "KEY=VALUE[,KEY=VALUE] (dataset.count=100, say)",
                     spec);
            rc = BASIN_EINVAL;
            break;
        }
        snprintf(key, sizeof key, "%.*s", (int)klen, at);
        snprintf(value, sizeof value, "%.*s", (int)(len - klen - 1), at + klen + 1);
        size_t a = 0;
        while (a < n_axes && strcmp(t->header[a], key))
            a++;
        if (a == n_axes) {
            size_t used = 0;
            list[0] = '\0';
            for (size_t b = 0; b < n_axes && used < sizeof list; b++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         b ? ", " : "", t->header[b]);
            snprintf(err, n_err, "--job %s: '%s' is not a swept parameter (%s%s)", spec,
                     key, n_axes ? "the run sweeps " : "the run sweeps none", list);
            rc = BASIN_EINVAL;
            break;
        }
        int any = 0;
        for (size_t i = 0; i < t->n_rows; i++) {
            match[i] &= same_value(csv_table_cell(t, i, a), value);
            any |= match[i];
        }
        if (!any) {
            axis_values_list(t, a, list, sizeof list);
            snprintf(err, n_err, "--job %s: no sweep point has %s = %s (%s takes %s)",
                     spec, key, value, key, list);
            rc = BASIN_EINVAL;
        }
        at += len + (at[len] == ',');
    }
    for (size_t i = 0; rc == BASIN_OK && i < t->n_rows; i++)
        if (match[i]) {
            *point = i;
            break;
        }
    free(match);
    return rc;
}

/* in->job from --job spec (NULL: -1, the report picks): a job number records.csv
   has, or the first job (repeat 0) of the sweep point spec's values pick.
   BASIN_OK, or BASIN_EINVAL with a one-line message. */
static int resolve_job(inputs *in, const char *spec, char *err, size_t n_err)
{
    in->job = -1;
    if (!spec)
        return BASIN_OK;
    const csv_table *rec = &in->records;
    long c_job = csv_table_column(rec, "job"), c_point = csv_table_column(rec, "point");
    double lo = INFINITY, hi = -INFINITY, v;
    for (size_t i = 0; i < rec->n_rows; i++)
        if (csv_table_number(rec, i, (size_t)c_job, &v) == 0) {
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    if (!*spec || strspn(spec, "0123456789") == strlen(spec)) {
        double want = *spec ? strtod(spec, NULL) : -1;
        for (size_t i = 0; i < rec->n_rows; i++)
            if (csv_table_number(rec, i, (size_t)c_job, &v) == 0 && v == want) {
                in->job = want;
                return BASIN_OK;
            }
        if (rec->n_rows)
            snprintf(err, n_err,
                     "--job %s: no such job (records.csv has jobs %.0f to %.0f)", spec,
                     lo, hi);
        else
            snprintf(err, n_err, "--job %s: records.csv has no samples", spec);
        return BASIN_EINVAL;
    }
    size_t point = 0;
    int rc = point_of_values(in, spec, &point, err, n_err);
    if (rc != BASIN_OK)
        return rc;
    for (size_t i = 0; i < rec->n_rows; i++)
        if (csv_table_number(rec, i, (size_t)c_point, &v) == 0 && v == (double)point) {
            csv_table_number(rec, i, (size_t)c_job, &in->job);
            return BASIN_OK;
        }
    snprintf(err, n_err, "--job %s: sweep point %zu has no samples in records.csv", spec,
             point);
    return BASIN_EINVAL;
}

/* Read and check every input. BASIN_OK, or a status with a message: BASIN_EIO (a
   file cannot be read), BASIN_EINVAL (malformed), BASIN_ENOMEM. */
static int inputs_load(const char *dir, const report_options *o, inputs *in, char *err,
                       size_t n_err)
{
    double samples = 0;
    int rc = load_recipe(dir, o->paths, o->n_paths, in, err, n_err);
    if (rc == BASIN_OK)
        rc = load_summary(dir, in, &samples, err, n_err);
    if (rc == BASIN_OK)
        rc = load_records(dir, in, samples, err, n_err);
    if (rc == BASIN_OK)
        rc = load_optional(dir, in, err, n_err);
    if (rc == BASIN_OK)
        rc = resolve_job(in, o->job, err, n_err);
    return rc;
}

/* Remove tmp and everything in it (it holds only plain files). */
static void remove_tree(const char *tmp)
{
    DIR *d = opendir(tmp);
    struct dirent *e;
    char path[4608];
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

/* Rename every file of tmp into dir. BASIN_OK, or BASIN_EWRITE with a message. */
static int commit(const char *tmp, const char *dir, char *err, size_t n_err)
{
    DIR *d = opendir(tmp);
    if (!d) {
        snprintf(err, n_err, "%s: cannot list: %s", tmp, strerror(errno));
        return BASIN_EWRITE;
    }
    struct dirent *e;
    char from[4608], to[4608];
    int rc = BASIN_OK;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(from, sizeof from, "%s/%s", tmp, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
        if (rename(from, to) != 0) {
            snprintf(err, n_err, "cannot move %s into place: %s", to, strerror(errno));
            rc = BASIN_EWRITE;
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
            if (k < n && (x >= 3 || figs[k].drawn))
                continue;
            snprintf(path, sizeof path, "%s/%s.%s", dir, FIGURE_STEMS[s], FIGURE_EXTS[x]);
            unlink(path);
        }
    }
    size_t k = 0;
    while (k < n && strcmp(figs[k].name, "memorization"))
        k++;
    if (k == n) { /* the tables the memorization figure writes beside it */
        snprintf(path, sizeof path, "%s/memorization.csv", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/memorization_fit.csv", dir);
        unlink(path);
    }
    k = 0;
    while (k < n && strcmp(figs[k].name, "samples"))
        k++;
    if (k == n || !figs[k].drawn) {
        snprintf(path, sizeof path, "%s/samples.png", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/samples-grid.csv", dir);
        unlink(path);
    }
}

/* A figure of the report from the inputs, drawn into dir (figures.h); each
   leaves fig->present 0 when the run has no such figure. */
typedef int (*figure_stage)(const inputs *in, const char *dir, const char *gnuplot,
                            report_figure *fig, char *err, size_t n_err);

static int draw_rates(const inputs *in, const char *dir, const char *gnuplot,
                      report_figure *fig, char *err, size_t n_err)
{
    return figures_rates(&in->summary, &in->labels, dir, gnuplot, fig, err, n_err);
}

static int draw_models(const inputs *in, const char *dir, const char *gnuplot,
                       report_figure *fig, char *err, size_t n_err)
{
    return figures_models(&in->summary, &in->labels, dir, gnuplot, fig, err, n_err);
}

static int draw_pairs(const inputs *in, const char *dir, const char *gnuplot,
                      report_figure *fig, char *err, size_t n_err)
{
    return figures_pairs(&in->summary, &in->records, &in->labels, dir, gnuplot, fig, err,
                         n_err);
}

static int draw_distances(const inputs *in, const char *dir, const char *gnuplot,
                          report_figure *fig, char *err, size_t n_err)
{
    return figures_distances(&in->summary, &in->records, &in->labels, dir, gnuplot, fig,
                             err, n_err);
}

static int draw_collapse(const inputs *in, const char *dir, const char *gnuplot,
                         report_figure *fig, char *err, size_t n_err)
{
    return figures_collapse(&in->summary, &in->labels, dir, gnuplot, fig, err, n_err);
}

static int draw_phi(const inputs *in, const char *dir, const char *gnuplot,
                    report_figure *fig, char *err, size_t n_err)
{
    if (!in->has_collapse)
        return BASIN_OK;
    return figures_phi(&in->collapse, &in->labels, dir, gnuplot, fig, err, n_err);
}

static int draw_landscape(const inputs *in, const char *dir, const char *gnuplot,
                          report_figure *fig, char *err, size_t n_err)
{
    return figures_landscape(&in->summary, in->has_attractors ? &in->attractors : NULL,
                             &in->labels, dir, gnuplot, fig, err, n_err);
}

static int draw_training(const inputs *in, const char *dir, const char *gnuplot,
                         report_figure *fig, char *err, size_t n_err)
{
    if (!in->has_training)
        return BASIN_OK;
    return figures_training(&in->training, in->r->n_axes, &in->labels, dir, gnuplot, fig,
                            err, n_err);
}

static int draw_compare(const inputs *in, const char *dir, const char *gnuplot,
                        report_figure *fig, char *err, size_t n_err)
{
    if (!in->has_compare)
        return BASIN_OK;
    return figures_compare(&in->compare, dir, gnuplot, fig, err, n_err);
}

static int draw_samples(const inputs *in, const char *dir, const char *gnuplot,
                        report_figure *fig, char *err, size_t n_err)
{
    (void)gnuplot; /* samples.png is drawn without it */
    if (!in->has_samples)
        return BASIN_OK;
    return report_samples_grid(in->r, &in->records, &in->samples, &in->labels, in->job,
                               dir, fig, err, n_err);
}

static int draw_scatter(const inputs *in, const char *dir, const char *gnuplot,
                        report_figure *fig, char *err, size_t n_err)
{
    if (!in->has_samples)
        return BASIN_OK;
    return report_samples_scatter(in->r, &in->records, &in->samples, &in->labels, in->job,
                                  dir, gnuplot, fig, err, n_err);
}

static int draw_memorization(const inputs *in, const char *dir, const char *gnuplot,
                             report_figure *fig, char *err, size_t n_err)
{
    return figures_memorization(&in->summary, dir, gnuplot, fig, err, n_err);
}

/* The figures in page order. */
static const figure_stage FIGURES[] = {draw_rates,     draw_models,    draw_memorization,
                                       draw_distances, draw_pairs,     draw_collapse,
                                       draw_phi,       draw_landscape, draw_training,
                                       draw_compare,   draw_samples,   draw_scatter};
#define N_FIGURES (sizeof FIGURES / sizeof FIGURES[0])

/* Draw every figure the run has into tmp: figs[0..*n). Without gnuplot, each
   figure not drawn says why. BASIN_OK, or a status with a message. */
static int draw_figures(const inputs *in, const char *tmp, report_figure *figs, size_t *n,
                        char *err, size_t n_err)
{
    char gp_buf[4200], no_gnuplot[512] = "";
    const char *gnuplot =
        figures_gnuplot(gp_buf, sizeof gp_buf, no_gnuplot, sizeof no_gnuplot);
    *n = 0;
    for (size_t k = 0; k < N_FIGURES; k++) {
        memset(&figs[*n], 0, sizeof figs[*n]);
        int rc = FIGURES[k](in, tmp, gnuplot, &figs[*n], err, n_err);
        if (rc != BASIN_OK)
            return rc;
        *n += figs[*n].present != 0;
    }
    for (size_t k = 0; !gnuplot && k < *n; k++)
        if (!figs[k].drawn && !*figs[k].skipped)
            snprintf(figs[k].skipped, sizeof figs[k].skipped, "%s", no_gnuplot);
    return BASIN_OK;
}

/* The figures, then report.html, in tmp. */
static int render(const inputs *in, const char *tmp, report_figure *figs, size_t *n,
                  char *err, size_t n_err)
{
    int rc = draw_figures(in, tmp, figs, n, err, n_err);
    if (rc != BASIN_OK)
        return rc;
    char path[4400];
    snprintf(path, sizeof path, "%s/report.html", tmp);
    report_page page = {.name = in->r->name,
                        .description = in->r->description ? in->r->description : "",
                        .run_toml = in->run_toml,
                        .summary = &in->summary,
                        .labels = &in->labels,
                        .n_axes = in->r->n_axes,
                        .figures = figs,
                        .n_figures = *n};
    return report_html_write(path, &page, err, n_err);
}

/* The page, the figures drawn and those skipped with why, unless quiet:
   "report: DIR/report.html (3 figures; skipped: samples)". */
static void print_outcome(const char *dir, const report_figure *figs, size_t n)
{
    size_t drawn = 0;
    for (size_t k = 0; k < n; k++)
        drawn += figs[k].drawn != 0;
    printf("report: %s/report.html (%zu figure%s", dir, drawn, drawn == 1 ? "" : "s");
    for (size_t k = 0, first = 1; k < n; k++)
        if (!figs[k].drawn) {
            printf("%s%s", first ? "; skipped: " : ", ", figs[k].name);
            first = 0;
        }
    printf(")\n");
    for (size_t k = 0; k < n; k++)
        if (!figs[k].drawn)
            fprintf(stderr, "basin: report: skipped %s: %s\n", figs[k].name,
                    figs[k].skipped);
}

int report_write(const char *dir, int quiet, char *err, size_t n_err)
{
    return report_write_plugins(dir, NULL, 0, quiet, err, n_err);
}

int report_write_plugins(const char *dir, const char *const *paths, size_t n_paths,
                         int quiet, char *err, size_t n_err)
{
    report_options o = {.paths = paths, .n_paths = n_paths, .quiet = quiet};
    return report_write_options(dir, &o, err, n_err);
}

int report_write_options(const char *dir, const report_options *o, char *err,
                         size_t n_err)
{
    int quiet = o->quiet;
    inputs in;
    memset(&in, 0, sizeof in);
    int rc = inputs_load(dir, o, &in, err, n_err);
    if (rc != BASIN_OK) {
        inputs_free(&in);
        return rc;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/.report.XXXXXX", dir);
    if (!mkdtemp(tmp)) {
        snprintf(err, n_err, "%s: cannot write in the results folder: %s", dir,
                 strerror(errno));
        inputs_free(&in);
        return BASIN_EWRITE;
    }
    report_figure figs[N_FIGURES];
    size_t n = 0;
    rc = render(&in, tmp, figs, &n, err, n_err);
    if (rc == BASIN_OK)
        rc = commit(tmp, dir, err, n_err);
    remove_tree(tmp);
    if (rc == BASIN_OK) {
        remove_stale(dir, figs, n);
        if (!quiet)
            print_outcome(dir, figs, n);
    }
    inputs_free(&in);
    /* The inputs were checked: a report that fails now failed to write (exit 1),
       whatever a figure's own status said. */
    return rc == BASIN_OK || rc == BASIN_ENOMEM ? rc : BASIN_EWRITE;
}

static const struct option REPORT_OPTIONS[] = {
    {"path", required_argument, NULL, 'p'},
    {"quiet", no_argument, NULL, 'q'},
    {"job", required_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_report(int argc, char **argv, char *err, size_t n_err)
{
    int quiet = 0;
    const char *job = NULL;
    /* --path values: at most one per argument */
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    size_t n_paths = 0;
    if (!paths) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    options op;
    options_init(&op, argc, argv, "hqj:", REPORT_OPTIONS);
    int status = BASIN_OK;
    for (int c; status == BASIN_OK && (c = options_next(&op, err, n_err)) != 0;) {
        if (c < 0) {
            status = c;
        } else if (c == 'h') {
            fputs(report_usage, stdout);
            free(paths);
            return BASIN_OK;
        } else if (c == 'p') {
            paths[n_paths++] = op.arg;
        } else if (c == 'j') {
            job = op.arg;
        } else {
            quiet = 1; /* 'q' */
        }
    }
    if (status == BASIN_OK && op.first_operand == argc) {
        errmsg(err, n_err, "report: needs a results folder (see `basin help report`)");
        status = BASIN_EINVAL;
    } else if (status == BASIN_OK && argc - op.first_operand > 1) {
        errmsg(err, n_err,
               "report: takes one results folder; '%s' is a second (see `basin help "
               "report`)",
               argv[op.first_operand + 1]);
        status = BASIN_EINVAL;
    }
    if (status == BASIN_OK) {
        char why[2048];
        report_options o = {
            .paths = paths, .n_paths = n_paths, .job = job, .quiet = quiet};
        status = report_write_options(argv[op.first_operand], &o, why, sizeof why);
        if (status != BASIN_OK)
            errmsg(err, n_err, "report: %s", why);
    }
    free(paths);
    return status;
}
