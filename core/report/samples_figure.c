#include "report/samples_figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/host.h"
#include "base/status.h"
#include "measure/measure.h"
#include "kernels/npy.h"
#include "report/png_image.h"
#include "base/rng.h"
#include "report/sample_grid.h"
#include "report/text_file.h"
#include "recipe/sections.h"

/* Tiles shown per class, and pairs per row. */
enum {
    SHOW_SPURIOUS = 24,
    SHOW_MEMORIZED = 12,
    SHOW_GENERALIZED = 12,
    SHOW_UNCONVERGED = 4,
    COLUMNS = 4
};

int report_samples_open(const char *path, sample_rows *s, char *err, size_t n_err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    npy_reader r;
    if (npy_open(&r, path, err, n_err))
        return BASIN_EINVAL;
    npy_close(&r);
    if (r.item != 4) {
        snprintf(err, n_err, "%s: float64, but a run writes float32 samples", path);
        return BASIN_EINVAL;
    }
    s->rows = r.rows;
    s->dim = r.dim;
    s->data_offset = r.data_offset;
    return 0;
}

/* Rows [first, first + count) as they are (a NaN of a diverged sample included;
   the grid draws it as the lowest level). */
static int read_rows(const sample_rows *s, size_t first, size_t count, float *out)
{
    FILE *f = fopen(s->path, "rb");
    if (!f)
        return -1;
    size_t n = count * (size_t)s->dim;
    int ok = fseeko(f, (off_t)(s->data_offset + first * s->dim * 4), SEEK_SET) == 0 &&
             fread(out, 4, n, f) == n;
    fclose(f);
    return ok ? 0 : -1;
}

static double distance(const float *a, const float *b, size_t dim)
{
    double s = 0;
    for (size_t i = 0; i < dim; i++) {
        double d = (double)a[i] - (double)b[i];
        s += d * d;
    }
    return sqrt(s / (double)dim);
}

static size_t root(size_t *parent, size_t i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

static int class_of(const char *name)
{
    for (int c = 0; c < MEASURE_N_CLASSES; c++)
        if (strcmp(name, measure_class_name((measure_class)c)) == 0)
            return c;
    return -1;
}

typedef struct chosen {
    size_t record; /* row of records.csv and samples.npy */
    int cls;
    size_t group;      /* root of its spurious group */
    long long cluster; /* records.csv's spurious cluster; -1: none, or no column */
    uint32_t label;    /* group number shown, 1-based */
    long long nearest;
    double d_m;
} chosen;

static int by_section(const void *a, const void *b)
{
    static const int RANK[MEASURE_N_CLASSES] = {1, 0, 2, 3, 4}; /* spurious first */
    const chosen *x = a, *y = b;
    if (x->cls != y->cls)
        return RANK[x->cls] - RANK[y->cls];
    if (x->label != y->label)
        return x->label < y->label ? -1 : 1;
    return x->record < y->record ? -1 : (x->record > y->record);
}

/* The columns of records.csv the grid reads (-1 when absent). */
typedef struct record_columns {
    long job, point, cls, nearest, d_m, sample, cluster;
} record_columns;

/* The tiles a grid shows at most. */
#define MAX_TILES                                                                        \
    (SHOW_SPURIOUS + SHOW_MEMORIZED + SHOW_GENERALIZED + 2 * SHOW_UNCONVERGED)

/* One job's samples, their training images and the tiles drawn from them. */
typedef struct grid_job {
    double job;          /* the job number */
    size_t point;        /* its sweep point */
    size_t first, n;     /* its rows of records.csv and samples.npy */
    double delta_s;      /* measure.delta_s at the point */
    basin_value *values; /* the dataset's, then the measure's parameters */
    const basin_dataset_iface *ds;
    const char *ds_id;
    host_job host;
    void *self; /* the recreated dataset, or NULL */
    basin_dataset_info info;
    uint32_t height, width, channels; /* of an image */
    size_t dim;
    float *x;     /* the job's samples, n × dim */
    chosen *ch;   /* a sample each, sorted by section */
    float *train; /* the nearest training image of each tile */
    grid_tile *tiles;
    size_t *which; /* each tile's record */
    size_t n_tiles;
    sample_grid g;
} grid_job;

static void grid_job_free(grid_job *J)
{
    sample_grid_free(&J->g);
    if (J->self)
        J->ds->destroy(J->self);
    host_job_destroy(&J->host);
    free(J->values);
    free(J->x);
    free(J->train);
    free(J->ch);
    free(J->tiles);
    free(J->which);
}

static int out_of_memory(char *err, size_t n_err)
{
    snprintf(err, n_err, "out of memory");
    return BASIN_ENOMEM;
}

/* The columns of records.csv; 0 when there is no nearest training point to show. */
static int find_columns(const csv_table *rec, record_columns *c)
{
    c->job = csv_table_column(rec, "job");
    c->point = csv_table_column(rec, "point");
    c->cls = csv_table_column(rec, "class");
    c->nearest = csv_table_column(rec, "nearest");
    if (c->nearest < 0)
        c->nearest = csv_table_column(rec, "pattern");
    c->d_m = csv_table_column(rec, "d_m");
    c->sample = csv_table_column(rec, "sample");
    c->cluster = csv_table_column(rec, "cluster"); /* -1 before spurious clusters */
    return c->nearest >= 0;
}

/* The class of record i (an unknown name counts as unconverged). */
static int record_class(const csv_table *rec, const record_columns *c, size_t i)
{
    int cls = class_of(csv_table_cell(rec, i, (size_t)c->cls));
    return cls < 0 ? MEASURE_UNCONVERGED : cls;
}

/* The job shown: `job` when it is ≥ 0 (report_find_job checked it is in
   records.csv), else the one with the most classes present, then the most
   spurious samples. Sets J->job, first, n and point. */
static void pick_job(const csv_table *rec, const record_columns *c, double job,
                     grid_job *J)
{
    size_t n = rec->n_rows;
    double best = -1;
    for (size_t i = 0; i < n;) {
        double j;
        csv_table_number(rec, i, (size_t)c->job, &j);
        size_t k = i, count[MEASURE_N_CLASSES] = {0};
        double jj = j;
        while (k < n && csv_table_number(rec, k, (size_t)c->job, &jj) == 0 && jj == j)
            count[record_class(rec, c, k++)]++;
        double score = 1e9 * ((count[0] > 0) + (count[1] > 0) + (count[2] > 0)) +
                       (double)count[MEASURE_SPURIOUS];
        if (job >= 0)
            score = j == job ? 1 : -1;
        if (score > best) {
            best = score;
            J->job = j;
            J->first = i;
            J->n = k - i;
        }
        i = k;
    }
    double point;
    csv_table_number(rec, J->first, (size_t)c->point, &point);
    J->point = (size_t)point;
}

/* Recreate the job's dataset (same plugin, parameters and job seed) and find the
   shape of its images. BASIN_OK with fig->skipped set when it cannot be, and
   fig->present 0 when its points are not images; BASIN_ENOMEM. */
/* Recreate the job's dataset (same plugin, parameters and job seed): J->ds,
   self, info. BASIN_OK with fig->skipped set when it cannot be; BASIN_ENOMEM. */
static int dataset_open(const recipe *r, grid_job *J, report_figure *fig, char *err,
                        size_t n_err)
{
    const recipe_section *S = r->sections;
    if (!S[RECIPE_DATASET].plugin) {
        snprintf(fig->skipped, sizeof fig->skipped,
                 "the dataset plugin %s is not loaded (a results folder loads no "
                 "library it names; pass it with --path)",
                 S[RECIPE_DATASET].plugin_id);
        return BASIN_OK;
    }
    J->ds = S[RECIPE_DATASET].plugin->descriptor->iface;
    J->ds_id = S[RECIPE_DATASET].plugin->descriptor->id;
    J->values = calloc(S[RECIPE_DATASET].n_params + S[RECIPE_MEASURE].n_params + 1,
                       sizeof *J->values);
    host_job_init(&J->host, recipe_job_seed(r, (uint64_t)J->job), NULL, "report", 0);
    if (!J->values)
        return out_of_memory(err, n_err);
    recipe_values(r, RECIPE_DATASET, J->point, J->values);
    int prc = J->ds->create(&J->host.table, J->values, &J->self);
    if (prc == 0)
        prc = J->ds->info(J->self, &J->info);
    if (prc) {
        snprintf(fig->skipped, sizeof fig->skipped,
                 "cannot re-read the training points: %s: %s", J->ds_id,
                 host_job_error(&J->host, prc));
    }
    return BASIN_OK;
}

static int open_dataset(const recipe *r, grid_job *J, const sample_rows *samples,
                        report_figure *fig, char *err, size_t n_err)
{
    int rc = dataset_open(r, J, fig, err, n_err);
    if (rc || *fig->skipped)
        return rc;
    const basin_dataset_info *info = &J->info;
    uint32_t h = info->height, w = info->width, c = info->channels;
    if (!(h && w && c && (uint64_t)h * w * c == info->dim)) {
        uint32_t side = (uint32_t)lround(sqrt((double)info->dim));
        if (strcmp(J->ds_id, "datasets/npy") != 0 || side < 2 ||
            side * side != info->dim) {
            fig->present = 0; /* not images */
            return BASIN_OK;
        }
        h = w = side;
        c = 1;
    }
    J->height = h;
    J->width = w;
    J->channels = c;
    if (samples->dim != info->dim)
        snprintf(fig->skipped, sizeof fig->skipped,
                 "samples.npy rows have %llu values but the dataset's points have %u",
                 samples->dim, info->dim);
    J->dim = info->dim;
    return BASIN_OK;
}

/* The job's samples (J->x) and their records (J->ch: class, nearest training
   point, d_m). BASIN_OK with fig->skipped set when samples.npy cannot be read;
   BASIN_ENOMEM. */
static int load_job_samples(const csv_table *rec, const record_columns *c,
                            const sample_rows *samples, grid_job *J, report_figure *fig,
                            char *err, size_t n_err)
{
    J->x = malloc(J->n * J->dim * sizeof *J->x);
    J->ch = calloc(J->n, sizeof *J->ch);
    J->train = malloc((size_t)MAX_TILES * J->dim * sizeof *J->train);
    J->tiles = calloc(MAX_TILES, sizeof *J->tiles);
    J->which = calloc(MAX_TILES + 1, sizeof *J->which);
    if (!J->x || !J->ch || !J->train || !J->tiles || !J->which)
        return out_of_memory(err, n_err);
    if (read_rows(samples, J->first, J->n, J->x)) {
        snprintf(fig->skipped, sizeof fig->skipped, "%s: cannot read rows %zu to %zu",
                 samples->path, J->first, J->first + J->n - 1);
        return BASIN_OK;
    }
    for (size_t k = 0; k < J->n; k++) {
        size_t i = J->first + k;
        chosen *C = &J->ch[k];
        double v;
        C->record = i;
        C->cls = record_class(rec, c, i);
        C->cluster = c->cluster >= 0 &&
                             csv_table_number(rec, i, (size_t)c->cluster, &v) == 0 &&
                             v >= 0
                         ? (long long)v
                         : -1;
        C->nearest = csv_table_number(rec, i, (size_t)c->nearest, &v) == 0 && v >= 0
                         ? (long long)v
                         : -1;
        C->d_m =
            c->d_m >= 0 && csv_table_number(rec, i, (size_t)c->d_m, &v) == 0 ? v : NAN;
    }
    return BASIN_OK;
}

/*
 * Spurious groups: records.csv's spurious clusters (measure/spurious.h) where it
 * has them, else spurious samples within delta_s of each other (‖x − y‖/√N),
 * joined transitively; numbered by size, largest first (chosen.label, 1-based);
 * then J->ch sorted by section. BASIN_OK or BASIN_ENOMEM.
 */
static int group_spurious(grid_job *J, char *err, size_t n_err)
{
    size_t n = J->n, dim = J->dim;
    chosen *ch = J->ch;
    size_t *parent = calloc(n, sizeof *parent), *size = calloc(n, sizeof *size);
    if (!parent || !size) {
        free(parent);
        free(size);
        return out_of_memory(err, n_err);
    }
    for (size_t k = 0; k < n; k++)
        parent[k] = k;
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; ch[a].cls == MEASURE_SPURIOUS && b < n; b++)
            if (ch[b].cls == MEASURE_SPURIOUS &&
                (ch[a].cluster >= 0 || ch[b].cluster >= 0
                     ? ch[a].cluster == ch[b].cluster
                     : distance(J->x + a * dim, J->x + b * dim, dim) <= J->delta_s))
                parent[root(parent, b)] = root(parent, a);
    for (size_t k = 0; k < n; k++)
        if (ch[k].cls == MEASURE_SPURIOUS)
            size[ch[k].group = root(parent, k)]++;
    for (uint32_t next = 1;; next++) {
        size_t top = n;
        for (size_t k = 0; k < n; k++)
            if (size[k] && (top == n || size[k] > size[top]))
                top = k;
        if (top == n)
            break;
        for (size_t k = 0; k < n; k++)
            if (ch[k].cls == MEASURE_SPURIOUS && ch[k].group == top)
                ch[k].label = next;
        size[top] = 0;
    }
    free(parent);
    free(size);
    qsort(ch, n, sizeof *ch, by_section);
    return BASIN_OK;
}

/* Re-read tile T's nearest training image into near and check it is the run's
   (its distance to the sample is the d_m of records.csv). 0, or -1 with
   fig->skipped saying why. */
static int read_nearest(grid_job *J, const chosen *C, grid_tile *T, float *near,
                        report_figure *fig)
{
    host_job_clear_error(&J->host);
    int prc = J->ds->read(J->self, &J->host.table, BASIN_SPLIT_TRAIN,
                          (uint64_t)C->nearest, 1, near);
    if (prc) {
        snprintf(fig->skipped, sizeof fig->skipped,
                 "cannot re-read training image %lld: %s: %s", C->nearest, J->ds_id,
                 host_job_error(&J->host, prc));
        return -1;
    }
    double d = distance(T->sample, near, J->dim);
    if (isfinite(C->d_m) && fabs(d - C->d_m) > 1e-3 * (1 + C->d_m)) {
        snprintf(fig->skipped, sizeof fig->skipped,
                 "the training images re-read from %s are not the run's (sample %zu is "
                 "%.4g from training image %lld; records.csv says d_m = %.4g)",
                 J->ds_id, C->record, d, C->nearest, C->d_m);
        return -1;
    }
    T->nearest = near;
    return 0;
}

/* The tiles: up to a quota per class, in section order, each with its nearest
   training image. 0, or -1 with fig->skipped saying why. */
static int choose_tiles(grid_job *J, report_figure *fig)
{
    static const size_t QUOTA[MEASURE_N_CLASSES] = {SHOW_MEMORIZED, SHOW_SPURIOUS,
                                                    SHOW_GENERALIZED, SHOW_UNCONVERGED,
                                                    SHOW_UNCONVERGED};
    size_t shown[MEASURE_N_CLASSES] = {0};
    for (size_t k = 0; k < J->n; k++) {
        const chosen *C = &J->ch[k];
        if (shown[C->cls] == QUOTA[C->cls])
            continue;
        shown[C->cls]++;
        grid_tile *T = &J->tiles[J->n_tiles];
        T->sample = J->x + (C->record - J->first) * J->dim;
        T->cls = C->cls;
        T->group = C->label;
        T->d_m = C->d_m;
        T->new_row = J->n_tiles > 0 && J->tiles[J->n_tiles - 1].cls != C->cls;
        if (C->nearest >= 0 && (uint64_t)C->nearest < J->info.n_train &&
            read_nearest(J, C, T, J->train + J->n_tiles * J->dim, fig))
            return -1;
        J->which[J->n_tiles++] = C->record;
    }
    return 0;
}

/* samples-grid.csv: each tile's position, record, class, group, nearest training
   index and d_m, and the value map. BASIN_OK or BASIN_EWRITE with a message. */
static int write_grid_csv(const char *path, const csv_table *rec, const record_columns *c,
                          const grid_job *J, char *err, size_t n_err)
{
    FILE *f = text_file_open(path, err, n_err);
    if (!f)
        return BASIN_EWRITE;
    const sample_grid *g = &J->g;
    fprintf(f, "tile,record,job,sample,class,group,nearest,d_m,x_sample,y_sample,"
               "x_nearest,y_nearest,scale,height,width,channels,lo,hi\n");
    for (size_t t = 0; t < J->n_tiles; t++) {
        const grid_tile *T = &J->tiles[t];
        size_t i = J->which[t];
        long long near = -1;
        double v;
        if (csv_table_number(rec, i, (size_t)c->nearest, &v) == 0)
            near = (long long)v;
        fprintf(f,
                "%zu,%zu,%.0f,%s,%s,%u,%lld,%.9g,%u,%u,%u,%u,%u,%u,%u,%u,%.9g,"
                "%.9g\n",
                t, i, J->job,
                c->sample >= 0 ? csv_table_cell(rec, i, (size_t)c->sample) : "",
                measure_class_name((measure_class)T->cls), T->group,
                T->nearest ? near : -1LL, T->d_m, T->x_sample, T->y_sample, T->x_nearest,
                T->y_nearest, g->scale, J->height, J->width, J->channels, g->lo, g->hi);
    }
    return text_file_close(f, path, err, n_err);
}

/* Draw the tiles into samples.png and list them in samples-grid.csv. */
static int draw_grid(const char *dir, const csv_table *rec, const record_columns *c,
                     grid_job *J, char *err, size_t n_err)
{
    char why[512], path[4200];
    int rc = sample_grid_draw(J->tiles, J->n_tiles, COLUMNS, J->height, J->width,
                              J->channels, &J->g, why, sizeof why);
    if (rc) {
        snprintf(err, n_err, "%s", why);
        return rc;
    }
    snprintf(path, sizeof path, "%s/samples.png", dir);
    if ((rc = png_write_rgb(path, J->g.rgb, J->g.image_width, J->g.image_height, err,
                            n_err)))
        return rc;
    snprintf(path, sizeof path, "%s/samples-grid.csv", dir);
    return write_grid_csv(path, rec, c, J, err, n_err);
}

void report_job_words(const recipe *r, const axis_labels *labels, const csv_table *rec,
                      double job, char *buf, size_t n)
{
    long c_job = csv_table_column(rec, "job"), c_point = csv_table_column(rec, "point"),
         c_repeat = csv_table_column(rec, "repeat");
    double point = 0, repeat = 0, v;
    for (size_t i = 0; i < rec->n_rows; i++)
        if (csv_table_number(rec, i, (size_t)c_job, &v) == 0 && v == job) {
            csv_table_number(rec, i, (size_t)c_point, &point);
            if (c_repeat >= 0)
                csv_table_number(rec, i, (size_t)c_repeat, &repeat);
            break;
        }
    size_t used = (size_t)snprintf(buf, n, "Job %.0f", job);
    size_t coords[64] = {0};
    if (r->n_axes <= 64 && point >= 0 && point < (double)r->n_points)
        recipe_coords(r, (size_t)point, coords);
    for (size_t a = 0; a < r->n_axes && a < 64 && used < n; a++) {
        char text[32];
        used += (size_t)snprintf(buf + used, n - used, "%s%s = %s", a ? ", " : " (",
                                 axis_label(labels, r->axes[a].dotted),
                                 recipe_axis_text(r, a, coords[a], text));
    }
    if (used < n && r->repeats > 1)
        used += (size_t)snprintf(buf + used, n - used, "%srepeat %.0f",
                                 r->n_axes ? "; " : " (", repeat);
    if (used < n && (r->n_axes || r->repeats > 1))
        snprintf(buf + used, n - used, ")");
}

static void set_caption(report_figure *fig, const grid_job *J, const char *job_words)
{
    fig->width = J->g.image_width;
    fig->height = J->g.image_height;
    fig->drawn = 1;
    snprintf(fig->caption, sizeof fig->caption,
             "%s: each generated sample (left) beside the "
             "training image nearest to it (right), framed by class: memorized "
             "(green, M), spurious (orange, S with its attractor group: its spurious "
             "cluster, samples within δ_s = %g of each other), generalized (purple, "
             "G), off the data's support (pink, O), unconverged (grey, U); "
             "d is d_m, the distance to the nearest training point. At most %d "
             "spurious, %d memorized and %d generalized samples are shown; "
             "samples-grid.csv lists them; basin report --job N draws another job.",
             job_words, J->delta_s, SHOW_SPURIOUS, SHOW_MEMORIZED, SHOW_GENERALIZED);
}

/* The stages after the job is picked; a stage that sets fig->skipped (or clears
   fig->present) ends the figure without an error. */
static int make_grid(const recipe *r, const csv_table *rec, const record_columns *c,
                     const sample_rows *samples, const axis_labels *labels,
                     const char *dir, grid_job *J, report_figure *fig, char *err,
                     size_t n_err)
{
    int rc = open_dataset(r, J, samples, fig, err, n_err);
    if (rc || *fig->skipped || !fig->present)
        return rc;
    rc = load_job_samples(rec, c, samples, J, fig, err, n_err);
    if (rc || *fig->skipped)
        return rc;
    recipe_values(r, RECIPE_MEASURE, J->point, J->values);
    J->delta_s = J->values[MEASURE_DELTA_S].number;
    if ((rc = group_spurious(J, err, n_err)) || choose_tiles(J, fig))
        return rc;
    char words[600];
    report_job_words(r, labels, rec, J->job, words, sizeof words);
    if ((rc = draw_grid(dir, rec, c, J, err, n_err)) == BASIN_OK)
        set_caption(fig, J, words);
    return rc;
}

int report_samples_grid(const recipe *r, const csv_table *rec, const sample_rows *samples,
                        const axis_labels *labels, double job, const char *dir,
                        report_figure *fig, char *err, size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    fig->name = "samples";
    fig->title = "Generated samples beside their nearest training images";
    record_columns c;
    if (!samples || !find_columns(rec, &c) || rec->n_rows == 0)
        return BASIN_OK; /* no such figure */
    fig->present = 1;
    grid_job J;
    memset(&J, 0, sizeof J);
    pick_job(rec, &c, job, &J);
    int rc = make_grid(r, rec, &c, samples, labels, dir, &J, fig, err, n_err);
    grid_job_free(&J);
    return rc;
}

enum { SCATTER_MAX_TRAIN = 20000 };

/* The scatter's data: the job's samples and classes, and the training points
   re-read from the recreated dataset; then figures_scatter. */
static int make_scatter(const recipe *r, const csv_table *rec, const record_columns *c,
                        const sample_rows *samples, const axis_labels *labels,
                        const char *dir, const char *gnuplot, grid_job *J,
                        report_figure *fig, char *err, size_t n_err)
{
    int rc = dataset_open(r, J, fig, err, n_err);
    if (rc || *fig->skipped)
        return rc;
    if (J->info.dim != 2) {
        snprintf(fig->skipped, sizeof fig->skipped,
                 "samples.npy rows have 2 values but the dataset's points have %u",
                 J->info.dim);
        return BASIN_OK;
    }
    size_t n_train =
        J->info.n_train < SCATTER_MAX_TRAIN ? (size_t)J->info.n_train : SCATTER_MAX_TRAIN;
    float *train = malloc((n_train + 1) * 2 * sizeof *train);
    float *x = malloc((J->n + 1) * 2 * sizeof *x);
    int *cls = malloc((J->n + 1) * sizeof *cls);
    if (!train || !x || !cls) {
        rc = out_of_memory(err, n_err);
    } else if (read_rows(samples, J->first, J->n, x)) {
        snprintf(fig->skipped, sizeof fig->skipped, "%s: cannot read rows %zu to %zu",
                 samples->path, J->first, J->first + J->n - 1);
    } else {
        host_job_clear_error(&J->host);
        int prc =
            J->ds->read(J->self, &J->host.table, BASIN_SPLIT_TRAIN, 0, n_train, train);
        if (prc) {
            snprintf(fig->skipped, sizeof fig->skipped,
                     "cannot re-read the training points: %s: %s", J->ds_id,
                     host_job_error(&J->host, prc));
        } else {
            for (size_t k = 0; k < J->n; k++)
                cls[k] = record_class(rec, c, J->first + k);
            char words[600];
            report_job_words(r, labels, rec, J->job, words, sizeof words);
            scatter_data S = {train, n_train, (size_t)J->info.n_train, x, cls,
                              J->n,  words};
            rc = figures_scatter(&S, dir, gnuplot, fig, err, n_err);
        }
    }
    free(train);
    free(x);
    free(cls);
    return rc;
}

int report_samples_scatter(const recipe *r, const csv_table *rec,
                           const sample_rows *samples, const axis_labels *labels,
                           double job, const char *dir, const char *gnuplot,
                           report_figure *fig, char *err, size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    record_columns c;
    if (!samples || samples->dim != 2 || !find_columns(rec, &c) || rec->n_rows == 0)
        return BASIN_OK; /* no such figure */
    fig->name = "scatter";
    fig->title = "Samples over the training points";
    fig->present = 1;
    fig->svg = 1;
    grid_job J;
    memset(&J, 0, sizeof J);
    pick_job(rec, &c, job, &J);
    int rc = make_scatter(r, rec, &c, samples, labels, dir, gnuplot, &J, fig, err, n_err);
    grid_job_free(&J);
    return rc;
}
