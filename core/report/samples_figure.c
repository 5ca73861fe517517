#include "report/samples_figure.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/host.h"
#include "measure/measure.h"
#include "base/npy.h"
#include "report/png_image.h"
#include "base/rng.h"
#include "report/sample_grid.h"
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
    size_t group;   /* root of its spurious group */
    uint32_t label; /* group number shown, 1-based */
    long long nearest;
    double d_m;
} chosen;

static int by_section(const void *a, const void *b)
{
    static const int RANK[MEASURE_N_CLASSES] = {1, 0, 2, 3}; /* spurious first */
    const chosen *x = a, *y = b;
    if (x->cls != y->cls)
        return RANK[x->cls] - RANK[y->cls];
    if (x->label != y->label)
        return x->label < y->label ? -1 : 1;
    return x->record < y->record ? -1 : (x->record > y->record);
}

int report_samples_grid(const recipe *r, const csv_table *rec, const sample_rows *samples,
                        const char *dir, report_figure *fig, char *err, size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    fig->name = "samples";
    fig->title = "Generated samples beside their nearest training images";
    long c_job = csv_table_column(rec, "job"), c_point = csv_table_column(rec, "point");
    long c_class = csv_table_column(rec, "class");
    long c_near = csv_table_column(rec, "nearest");
    if (c_near < 0)
        c_near = csv_table_column(rec, "pattern");
    long c_dm = csv_table_column(rec, "d_m"), c_sample = csv_table_column(rec, "sample");
    if (!samples || c_near < 0 || rec->n_rows == 0)
        return BASIN_OK; /* no such figure */
    fig->present = 1;

    /* The job shown: the most classes present, then the most spurious samples. */
    size_t n = rec->n_rows;
    double best = -1, job = 0;
    size_t job_first = 0, job_n = 0;
    for (size_t i = 0; i < n;) {
        double j;
        csv_table_number(rec, i, (size_t)c_job, &j);
        size_t k = i, count[MEASURE_N_CLASSES] = {0};
        double jj = j;
        while (k < n && csv_table_number(rec, k, (size_t)c_job, &jj) == 0 && jj == j) {
            int c = class_of(csv_table_cell(rec, k, (size_t)c_class));
            count[c < 0 ? MEASURE_UNCONVERGED : c]++;
            k++;
        }
        double score = 1e9 * ((count[0] > 0) + (count[1] > 0) + (count[2] > 0)) +
                       (double)count[MEASURE_SPURIOUS];
        if (score > best) {
            best = score;
            job = j;
            job_first = i;
            job_n = k - i;
        }
        i = k;
    }
    double point_d;
    csv_table_number(rec, job_first, (size_t)c_point, &point_d);
    size_t point = (size_t)point_d;

    /* Recreate the job's dataset. */
    const recipe_section *S = r->sections;
    const basin_dataset_iface *ds = S[RECIPE_DATASET].plugin->descriptor->iface;
    const char *ds_id = S[RECIPE_DATASET].plugin->descriptor->id;
    basin_value *values = calloc(
        S[RECIPE_DATASET].n_params + S[RECIPE_MEASURE].n_params + 1, sizeof *values);
    host_job host;
    host_job_init(&host, rng_job_seed(r->seed, (uint64_t)job), NULL, "report", 0);
    void *self = NULL;
    basin_dataset_info info;
    memset(&info, 0, sizeof info);
    float *x = NULL, *train = NULL;
    chosen *ch = NULL;
    size_t *parent = NULL;
    grid_tile *tiles = NULL;
    sample_grid g;
    memset(&g, 0, sizeof g);
    int rc = 0;
    if (!values) {
        snprintf(err, n_err, "out of memory");
        rc = BASIN_ENOMEM;
        goto done;
    }
    recipe_values(r, RECIPE_DATASET, point, values);
    int prc = ds->create(&host.table, values, &self);
    if (prc == 0)
        prc = ds->info(self, &info);
    if (prc) {
        snprintf(fig->skipped, sizeof fig->skipped,
                 "cannot re-read the training "
                 "images: %s: %s",
                 ds_id, host_job_error(&host, prc));
        goto done;
    }
    uint32_t h = info.height, w = info.width, c = info.channels;
    if (!(h && w && c && (uint64_t)h * w * c == info.dim)) {
        uint32_t side = (uint32_t)lround(sqrt((double)info.dim));
        if (strcmp(ds_id, "datasets/npy") != 0 || side < 2 || side * side != info.dim) {
            fig->present = 0; /* not images */
            goto done;
        }
        h = w = side;
        c = 1;
    }
    if (samples->dim != info.dim) {
        snprintf(fig->skipped, sizeof fig->skipped,
                 "samples.npy rows have %llu "
                 "values but the dataset's points have %u",
                 samples->dim, info.dim);
        goto done;
    }
    size_t dim = info.dim;
    x = malloc(job_n * dim * sizeof *x);
    ch = calloc(job_n, sizeof *ch);
    parent = calloc(job_n, sizeof *parent);
    train = malloc(
        (size_t)(SHOW_SPURIOUS + SHOW_MEMORIZED + SHOW_GENERALIZED + SHOW_UNCONVERGED) *
        dim * sizeof *train);
    tiles = calloc(SHOW_SPURIOUS + SHOW_MEMORIZED + SHOW_GENERALIZED + SHOW_UNCONVERGED,
                   sizeof *tiles);
    if (!x || !ch || !parent || !train || !tiles) {
        snprintf(err, n_err, "out of memory");
        rc = BASIN_ENOMEM;
        goto done;
    }
    if (read_rows(samples, job_first, job_n, x)) {
        snprintf(fig->skipped, sizeof fig->skipped, "%s: cannot read rows %zu to %zu",
                 samples->path, job_first, job_first + job_n - 1);
        goto done;
    }
    for (size_t k = 0; k < job_n; k++) {
        size_t i = job_first + k;
        ch[k].record = i;
        int cl = class_of(csv_table_cell(rec, i, (size_t)c_class));
        ch[k].cls = cl < 0 ? MEASURE_UNCONVERGED : cl;
        double v;
        ch[k].nearest = csv_table_number(rec, i, (size_t)c_near, &v) == 0 && v >= 0
                            ? (long long)v
                            : -1;
        ch[k].d_m =
            c_dm >= 0 && csv_table_number(rec, i, (size_t)c_dm, &v) == 0 ? v : NAN;
        parent[k] = k;
    }
    /* Spurious groups: connected within delta_s. */
    recipe_values(r, RECIPE_MEASURE, point, values);
    double delta_s = values[MEASURE_DELTA_S].number;
    for (size_t a = 0; a < job_n; a++)
        for (size_t b = a + 1; ch[a].cls == MEASURE_SPURIOUS && b < job_n; b++)
            if (ch[b].cls == MEASURE_SPURIOUS &&
                distance(x + a * dim, x + b * dim, dim) <= delta_s)
                parent[root(parent, b)] = root(parent, a);
    /* Number the groups by size, largest first. */
    size_t *size = calloc(job_n, sizeof *size);
    if (!size) {
        snprintf(err, n_err, "out of memory");
        rc = BASIN_ENOMEM;
        goto done;
    }
    for (size_t k = 0; k < job_n; k++)
        if (ch[k].cls == MEASURE_SPURIOUS)
            size[ch[k].group = root(parent, k)]++;
    uint32_t next = 1;
    for (;;) {
        size_t top = job_n;
        for (size_t k = 0; k < job_n; k++)
            if (size[k] && (top == job_n || size[k] > size[top]))
                top = k;
        if (top == job_n)
            break;
        for (size_t k = 0; k < job_n; k++)
            if (ch[k].cls == MEASURE_SPURIOUS && ch[k].group == top)
                ch[k].label = next;
        size[top] = 0;
        next++;
    }
    free(size);
    qsort(ch, job_n, sizeof *ch, by_section);

    /* The tiles: up to a quota per class, and their nearest training images. */
    static const size_t QUOTA[MEASURE_N_CLASSES] = {SHOW_MEMORIZED, SHOW_SPURIOUS,
                                                    SHOW_GENERALIZED, SHOW_UNCONVERGED};
    size_t shown[MEASURE_N_CLASSES] = {0}, n_tiles = 0;
    size_t *which = calloc(job_n + 1, sizeof *which);
    if (!which) {
        snprintf(err, n_err, "out of memory");
        rc = BASIN_ENOMEM;
        goto done;
    }
    for (size_t k = 0; k < job_n; k++) {
        chosen *C = &ch[k];
        if (shown[C->cls] == QUOTA[C->cls])
            continue;
        shown[C->cls]++;
        grid_tile *T = &tiles[n_tiles];
        T->sample = x + (C->record - job_first) * dim;
        T->cls = C->cls;
        T->group = C->label;
        T->d_m = C->d_m;
        T->new_row = n_tiles > 0 && tiles[n_tiles - 1].cls != C->cls;
        float *near = train + n_tiles * dim;
        if (C->nearest >= 0 && (uint64_t)C->nearest < info.n_train) {
            host_job_clear_error(&host);
            prc = ds->read(self, &host.table, BASIN_SPLIT_TRAIN, (uint64_t)C->nearest, 1,
                           near);
            if (prc) {
                snprintf(fig->skipped, sizeof fig->skipped,
                         "cannot re-read training "
                         "image %lld: %s: %s",
                         C->nearest, ds_id, host_job_error(&host, prc));
                free(which);
                goto done;
            }
            double d = distance(T->sample, near, dim);
            if (isfinite(C->d_m) && fabs(d - C->d_m) > 1e-3 * (1 + C->d_m)) {
                snprintf(fig->skipped, sizeof fig->skipped,
                         "the training images "
                         "re-read from %s are not the run's (sample %zu is %.4g from "
                         "training image %lld; records.csv says d_m = %.4g)",
                         ds_id, C->record, d, C->nearest, C->d_m);
                free(which);
                goto done;
            }
            T->nearest = near;
        }
        which[n_tiles++] = C->record;
    }
    char why[512];
    if ((rc = sample_grid_draw(tiles, n_tiles, COLUMNS, h, w, c, &g, why, sizeof why))) {
        snprintf(err, n_err, "%s", why);
        free(which);
        goto done;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/samples.png", dir);
    if ((rc = png_write_rgb(path, g.rgb, g.image_width, g.image_height, err, n_err))) {
        free(which);
        goto done;
    }
    snprintf(path, sizeof path, "%s/samples-grid.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, n_err, "%s: cannot write: %s", path, strerror(errno));
        free(which);
        rc = BASIN_EIO;
        goto done;
    }
    fprintf(f, "tile,record,job,sample,class,group,nearest,d_m,x_sample,y_sample,"
               "x_nearest,y_nearest,scale,height,width,channels,lo,hi\n");
    for (size_t t = 0; t < n_tiles; t++) {
        const grid_tile *T = &tiles[t];
        long long near = -1;
        double v;
        if (csv_table_number(rec, which[t], (size_t)c_near, &v) == 0)
            near = (long long)v;
        fprintf(f,
                "%zu,%zu,%.0f,%s,%s,%u,%lld,%.9g,%u,%u,%u,%u,%u,%u,%u,%u,%.9g,"
                "%.9g\n",
                t, which[t], job,
                c_sample >= 0 ? csv_table_cell(rec, which[t], (size_t)c_sample) : "",
                measure_class_name((measure_class)T->cls), T->group,
                T->nearest ? near : -1LL, T->d_m, T->x_sample, T->y_sample, T->x_nearest,
                T->y_nearest, g.scale, h, w, c, g.lo, g.hi);
    }
    free(which);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad) {
        snprintf(err, n_err, "%s: write error", path);
        rc = BASIN_EIO;
        goto done;
    }
    fig->width = g.image_width;
    fig->height = g.image_height;
    fig->drawn = 1;
    snprintf(fig->caption, sizeof fig->caption,
             "Job %.0f (sweep point %zu): each generated sample (left) beside the "
             "training image nearest to it (right), framed by class: memorized "
             "(green, M), spurious (orange, S with its attractor group: samples within "
             "δ_s = %g of each other), generalized (purple, G), unconverged (grey, U); "
             "d is d_m, the distance to the nearest training point. At most %d "
             "spurious, %d memorized and %d generalized samples are shown; "
             "samples-grid.csv lists them.",
             job, point, delta_s, SHOW_SPURIOUS, SHOW_MEMORIZED, SHOW_GENERALIZED);
done:
    sample_grid_free(&g);
    if (self)
        ds->destroy(self);
    host_job_destroy(&host);
    free(values);
    free(x);
    free(train);
    free(ch);
    free(parent);
    free(tiles);
    return rc;
}
