/*
 * datasets/npy — points from NumPy .npy files: a training file (`path`) and an
 * optional held-out file (`heldout_path`) of the same row shape.
 *
 * The files are read by the kernels' .npy reader (npy.h, the host's too), opened
 * with the integer dtypes, the uint8 scale and trailing bytes (a warning) allowed.
 *
 * Accepted: dtypes '<f4', '<f8', '|u1', '|i1', '<i8' (little-endian; '|' and '<'
 * both accepted for one-byte types); C order; shape (K, N) (points), (K, h, w)
 * (grey images) or (K, h, w, c) (images, channels last; rows are h·w·c floats
 * and info() reports the image shape).
 * Values: floats as they are (float64 must fit float32); int8 and int64 as they
 * are; uint8 by `uint8_scale`: p/127.5 − 1 ∈ [−1, 1] (default, so image files
 * match datasets/fashion-mnist), p/255 ∈ [0, 1], or p.
 * Rows: `count` = 0 takes every row of the training file, otherwise its FIRST
 * count rows (so a larger K keeps the first K points, as the drawn data sets do;
 * shuffle the file beforehand for a random subset). `heldout` likewise for the
 * held-out file. No random numbers are used.
 * If every entry of both splits is −1 or +1, info() sets BASIN_DATA_BINARY, so
 * binary energies (Hopfield) accept the data.
 * spectrum(): the data have no known law, so it gives the eigenvalues of the
 * empirical covariance of EVERY row of the training file (not only the first
 * count), for the host's Gaussian approximation of t_S and t_C (covariance.h;
 * rows of more than 4096 entries: BASIN_EUNSUPPORTED, no theory).
 *
 * Labels: `labels` names an optional .npy file of the training file's class
 * labels (`heldout_labels` the held-out file's): integers >= 0 ('<i4', '<i8',
 * '|u1', '|i1'; uint8 unscaled), shape (K,) or (K, 1), exactly as many rows as
 * the file they label, read with the same checks as the points (a missing file,
 * a bad header, truncation, a float dtype, a negative label: an error naming
 * the file). Paths are opened as given, like `path` (relative to the working
 * directory). labels() gives the first count of them, the rows read() gives;
 * without a labels file it answers BASIN_EUNSUPPORTED.
 *
 * Rejected, with a message naming the file: a missing file, bad magic, an unknown
 * version, a malformed header dict, fortran_order True, other dtypes, big-endian
 * data, shapes of other ranks, zero rows, shape products that overflow, data
 * shorter than the shape says (truncated), NaN or ±Inf (named by row and column),
 * count larger than the file, and a held-out file whose row shape differs.
 */
#include <basin/plugin.h>

#include "covariance.h"
#include "npy.h"
#include "rows.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID "datasets/npy"

/* Rows read between two looks at host->cancelled. */
#define CANCEL_ROWS 4096u

enum {
    P_PATH,
    P_HELDOUT_PATH,
    P_COUNT,
    P_HELDOUT,
    P_UINT8_SCALE,
    P_LABELS,
    P_HELDOUT_LABELS,
    N_PARAMS
};

static const basin_param_def npy_params[N_PARAMS + 1] = {
    [P_PATH] = {"path", BASIN_PARAM_STRING, 0, "train.npy", 0, 0, NULL,
                BASIN_PARAM_REQUIRED | BASIN_PARAM_PATH,
                "the .npy file of training points: shape (K, N), (K, h, w) or (K, h, "
                "w, c)"},
    [P_HELDOUT_PATH] = {"heldout_path", BASIN_PARAM_STRING, 0, "", 0, 0, NULL,
                        BASIN_PARAM_PATH,
                        "an optional .npy file of held-out points with the same row "
                        "shape; empty: none"},
    [P_COUNT] = {"count", BASIN_PARAM_INT, 0, NULL, 0, 4294967295.0, NULL, 0,
                 "K: use the first count rows of path; 0 uses them all"},
    [P_HELDOUT] = {"heldout", BASIN_PARAM_INT, 0, NULL, 0, 4294967295.0, NULL, 0,
                   "use the first heldout rows of heldout_path; 0 uses them all"},
    [P_UINT8_SCALE] = {"uint8_scale", BASIN_PARAM_CHOICE, 0, "minus-one-one", 0, 0,
                       "minus-one-one|zero-one|none", 0,
                       "how uint8 entries p become floats: p/127.5 - 1, p/255, or p"},
    [P_LABELS] = {"labels", BASIN_PARAM_STRING, 0, "", 0, 0, NULL, BASIN_PARAM_PATH,
                  "an optional .npy file of the training points' class labels: integers "
                  ">= 0, shape (K,), as many rows as path; empty: no labels"},
    [P_HELDOUT_LABELS] = {"heldout_labels", BASIN_PARAM_STRING, 0, "", 0, 0, NULL,
                          BASIN_PARAM_PATH,
                          "an optional .npy file of the held-out points' class labels, "
                          "as many rows as heldout_path; empty: none"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct npy_data {
    rows r; /* first: rows_dataset_read takes the instance */
    uint32_t flags;
    uint32_t height, width, channels;
    /* For spectrum(): the training file, its open flags and its row count. */
    char *path;
    unsigned open_flags;
    uint64_t file_rows;
    /* Class labels of the rows (train, then held-out), NULL without a labels
       file; heldout_labeled: the held-out ones were given. */
    int32_t *labels;
    int heldout_labeled;
} npy_data;

static void npy_destroy(void *self)
{
    npy_data *d = self;
    if (d == NULL)
        return;
    rows_free(&d->r);
    free(d->path);
    free(d->labels);
    free(d);
}

/* The image shape of a rank-3 (K, h, w) or rank-4 (K, h, w, c) file; 0 for points. */
static void image_shape(const npy_reader *r, uint32_t *height, uint32_t *width,
                        uint32_t *channels)
{
    *height = r->rank >= 3 ? (uint32_t)r->shape[1] : 0;
    *width = r->rank >= 3 ? (uint32_t)r->shape[2] : 0;
    *channels = r->rank == 4 ? (uint32_t)r->shape[3] : r->rank == 3 ? 1 : 0;
}

/*
 * Open path with the plugin's flags (NPY_INTEGERS, NPY_TRAILING and the uint8 scale)
 * and check its rank: points (K, N) or images (K, h, w) and (K, h, w, c). Bytes
 * after the data are a warning. The reader's message goes to host->error.
 */
static int open_npy(const basin_host *host, const char *path, unsigned flags,
                    npy_reader *r)
{
    char err[4352];
    int rc = npy_open_as(r, path, flags, err, sizeof err);
    if (rc != BASIN_OK) {
        host->error(host, "%s", err);
        return rc;
    }
    if (r->rank > 4) {
        host->error(host,
                    "%s: shape has %d dimensions; expected (K, N), (K, h, w) or "
                    "(K, h, w, c)",
                    path, r->rank);
        npy_close(r);
        return BASIN_EINVAL;
    }
    if (r->trailing > 0 && host->log != NULL)
        host->log(host, BASIN_LOG_WARN, "%s: %llu bytes after the array ignored", path,
                  (unsigned long long)r->trailing);
    return BASIN_OK;
}

/* The first n rows of an open file into out (n × dim), looking at host->cancelled
   every CANCEL_ROWS rows. */
static int read_rows(const basin_host *host, npy_reader *r, uint64_t n, float *out)
{
    char err[4352];
    for (uint64_t first = 0; first < n; first += CANCEL_ROWS) {
        if (host->cancelled != NULL && host->cancelled(host)) {
            host->error(host, "%s: cancelled after %llu rows", r->path,
                        (unsigned long long)first);
            return BASIN_ECANCELED;
        }
        const uint64_t count = n - first < CANCEL_ROWS ? n - first : CANCEL_ROWS;
        int rc =
            npy_read_rows(r, first, count, out + (size_t)first * r->dim, err, sizeof err);
        if (rc != BASIN_OK) {
            host->error(host, "%s", err);
            return rc;
        }
    }
    return BASIN_OK;
}

/*
 * The first n labels of the labels file `path` into out: integers >= 0 (npy.h's
 * npy_read_labels), shape (K,) or (K, 1), as many rows as the points file it
 * labels (`of`, with rows_of rows; `key` names the parameter). Bytes after the
 * array are a warning, as for the points. Errors name the file.
 */
static int read_labels(const basin_host *host, const char *key, const char *path,
                       const char *of, uint64_t rows_of, uint64_t n, int32_t *out)
{
    npy_reader r = {0};
    char err[4352];
    int rc = open_npy(host, path, NPY_INTEGERS | NPY_TRAILING | NPY_VECTOR, &r);
    if (rc != BASIN_OK)
        return rc;
    if (r.dim != 1) {
        host->error(host, "%s: %s has %u values a row; labels are one a row (shape (K,))",
                    path, key, r.dim);
        rc = BASIN_EINVAL;
    } else if (r.rows != rows_of) {
        host->error(host, "%s: %llu labels for the %llu rows of %s", path,
                    (unsigned long long)r.rows, (unsigned long long)rows_of, of);
        rc = BASIN_EINVAL;
    } else if ((rc = npy_read_labels(&r, 0, n, out, err, sizeof err)) != BASIN_OK)
        host->error(host, "%s", err);
    npy_close(&r);
    return rc;
}

/* The labels files, when named: d->labels for both splits (see the top). */
static int npy_labels_create(const basin_host *host, const basin_value *params,
                             uint64_t train_rows, uint64_t held_rows, npy_data *d)
{
    const char *path = params[P_LABELS].string;
    const char *held = params[P_HELDOUT_LABELS].string;
    const int has_train = path != NULL && path[0] != 0;
    const int has_held = held != NULL && held[0] != 0;
    if (has_held && !has_train) {
        host->error(host, "heldout_labels = \"%s\" needs labels for the training file",
                    held);
        return BASIN_EINVAL;
    }
    if (has_held && held_rows == 0) {
        host->error(host, "heldout_labels = \"%s\" needs a heldout_path", held);
        return BASIN_EINVAL;
    }
    if (!has_train)
        return BASIN_OK;
    const uint64_t n = d->r.n_train + d->r.n_heldout;
    d->labels = calloc(n ? (size_t)n : 1, sizeof *d->labels);
    if (d->labels == NULL) {
        host->error(host, "out of memory for %llu labels", (unsigned long long)n);
        return BASIN_ENOMEM;
    }
    int rc = read_labels(host, "labels", path, params[P_PATH].string, train_rows,
                         d->r.n_train, d->labels);
    if (rc == BASIN_OK && has_held)
        rc = read_labels(host, "heldout_labels", held, params[P_HELDOUT_PATH].string,
                         held_rows, d->r.n_heldout, d->labels + d->r.n_train);
    d->heldout_labeled = has_held;
    return rc;
}

/* Describe a row shape ("784" or "28 × 28 × 1") for mismatch messages. */
static void shape_text(const npy_reader *r, char *out, size_t n)
{
    uint32_t height, width, channels;
    image_shape(r, &height, &width, &channels);
    if (r->rank == 2)
        snprintf(out, n, "%u", r->dim);
    else
        snprintf(out, n, "%u × %u × %u", height, width, channels);
}

/*
 * Read the training file and the optional held-out file (see the top). Returns
 * BASIN_EIO (missing, unreadable, truncated), BASIN_EINVAL (format, dtype, shape,
 * NaN/Inf, count, mismatch), BASIN_ENOMEM or BASIN_ECANCELED.
 * [deterministic: no random numbers]
 */
static int npy_create(const basin_host *host, const basin_value *params, void **self)
{
    *self = NULL;
    const char *path = params[P_PATH].string;
    const char *held_path = params[P_HELDOUT_PATH].string;
    const double count = params[P_COUNT].number, heldout = params[P_HELDOUT].number;
    const char *scale_name = params[P_UINT8_SCALE].string;
    if (path == NULL || path[0] == 0) {
        host->error(host, "path is empty: name the .npy file of training points");
        return BASIN_EINVAL;
    }
    int rc = rows_check_int(host, "count", count, 0, UINT32_MAX);
    if (rc == BASIN_OK)
        rc = rows_check_int(host, "heldout", heldout, 0, UINT32_MAX);
    if (rc != BASIN_OK)
        return rc;
    unsigned flags = NPY_INTEGERS | NPY_TRAILING;
    if (scale_name != NULL && strcmp(scale_name, "minus-one-one") == 0)
        flags |= NPY_U8_SYMMETRIC;
    else if (scale_name != NULL && strcmp(scale_name, "zero-one") == 0)
        flags |= NPY_U8_UNIT;
    else if (scale_name == NULL || strcmp(scale_name, "none") != 0) {
        host->error(host, "uint8_scale = \"%s\" is not minus-one-one, zero-one or none",
                    scale_name ? scale_name : "(null)");
        return BASIN_EINVAL;
    }
    const int has_heldout = held_path != NULL && held_path[0] != 0;

    npy_reader train = {0}, held = {0};
    rc = open_npy(host, path, flags, &train);
    if (rc == BASIN_OK && count > (double)train.rows) {
        host->error(host, "count = %.0f exceeds the %llu rows of %s", count,
                    (unsigned long long)train.rows, path);
        rc = BASIN_EINVAL;
    }
    if (rc == BASIN_OK && has_heldout) {
        rc = open_npy(host, held_path, flags, &held);
        uint32_t train_shape[3], held_shape[3];
        image_shape(&train, &train_shape[0], &train_shape[1], &train_shape[2]);
        image_shape(&held, &held_shape[0], &held_shape[1], &held_shape[2]);
        if (rc == BASIN_OK &&
            (held.dim != train.dim ||
             memcmp(held_shape, train_shape, sizeof train_shape) != 0)) {
            char a[64], b[64];
            shape_text(&train, a, sizeof a);
            shape_text(&held, b, sizeof b);
            host->error(host,
                        "%s: rows of %s entries do not match the training file's "
                        "rows of %s (%s)",
                        held_path, b, a, path);
            rc = BASIN_EINVAL;
        }
        if (rc == BASIN_OK && heldout > (double)held.rows) {
            host->error(host, "heldout = %.0f exceeds the %llu rows of %s", heldout,
                        (unsigned long long)held.rows, held_path);
            rc = BASIN_EINVAL;
        }
    } else if (rc == BASIN_OK && heldout > 0) {
        host->error(host, "heldout = %.0f needs a heldout_path", heldout);
        rc = BASIN_EINVAL;
    }

    npy_data *d = NULL;
    if (rc == BASIN_OK && (d = calloc(1, sizeof *d)) == NULL) {
        host->error(host, "out of memory");
        rc = BASIN_ENOMEM;
    }
    if (rc == BASIN_OK) {
        d->r.dim = train.dim;
        d->r.n_train = count > 0 ? (uint64_t)count : train.rows;
        d->r.n_heldout = !has_heldout ? 0 : heldout > 0 ? (uint64_t)heldout : held.rows;
        image_shape(&train, &d->height, &d->width, &d->channels);
        d->open_flags = flags;
        d->file_rows = train.rows;
        d->path = malloc(strlen(path) + 1);
        rc = d->path != NULL ? rows_alloc(&d->r, host) : BASIN_ENOMEM;
        if (d->path == NULL)
            host->error(host, "out of memory");
        else
            strcpy(d->path, path);
    }
    if (rc == BASIN_OK)
        rc = read_rows(host, &train, d->r.n_train, d->r.data);
    if (rc == BASIN_OK && d->r.n_heldout > 0)
        rc = read_rows(host, &held, d->r.n_heldout, rows_at(&d->r, d->r.n_train));
    if (rc == BASIN_OK)
        rc = npy_labels_create(host, params, train.rows, has_heldout ? held.rows : 0, d);
    npy_close(&train);
    npy_close(&held);
    if (rc != BASIN_OK) {
        npy_destroy(d);
        return rc;
    }
    /* ±1 everywhere: binary data. */
    const size_t n_entries = (size_t)(d->r.n_train + d->r.n_heldout) * d->r.dim;
    int binary = 1;
    for (size_t k = 0; k < n_entries && binary; k++)
        binary = d->r.data[k] == 1.0f || d->r.data[k] == -1.0f;
    d->flags = binary ? BASIN_DATA_BINARY : 0;
    *self = d;
    return BASIN_OK;
}

/* K, the held-out count, N, BASIN_DATA_BINARY when every entry is ±1, and the
   image shape of 3- and 4-dimensional arrays. [thread-safe] */
static int npy_info(void *self, basin_dataset_info *out)
{
    const npy_data *d = self;
    rows_dataset_info(self, out);
    out->flags = d->flags;
    out->height = d->height;
    out->width = d->width;
    out->channels = d->channels;
    return BASIN_OK;
}

/*
 * The eigenvalues of the empirical covariance of every row of the training file,
 * descending (see the top): from the rows in memory when count took them all, else
 * read again in blocks. Remembered across jobs by file, size, time and uint8
 * scale. Returns BASIN_EUNSUPPORTED above 4096 entries a row or below 2 rows (no
 * theory), BASIN_EIO, BASIN_EINVAL (the file changed), BASIN_ENOMEM,
 * BASIN_ECANCELED or BASIN_ENUMERIC.
 */
static int npy_spectrum(void *self, const basin_host *host, double *eigenvalues)
{
    const npy_data *d = self;
    const uint32_t dim = d->r.dim;
    struct stat st;
    if (stat(d->path, &st) != 0) {
        host->error(host, "%s: cannot read it again for its spectrum", d->path);
        return BASIN_EIO;
    }
    char key[4400];
    snprintf(key, sizeof key, "npy|%s|%u|%lld|%lld", d->path, d->open_flags,
             (long long)st.st_size, (long long)st.st_mtime);
    if (covariance_recall(key, dim, eigenvalues))
        return BASIN_OK;
    covariance c;
    int rc = covariance_init(&c, dim, host);
    if (rc != BASIN_OK)
        return rc;
    if (d->r.n_train == d->file_rows) {
        for (uint64_t r = 0; r < d->r.n_train; r++)
            covariance_add(&c, rows_at(&d->r, r));
    } else {
        npy_reader file = {0};
        float *buf = malloc((size_t)CANCEL_ROWS * dim * sizeof *buf);
        rc = buf != NULL ? open_npy(host, d->path, d->open_flags, &file) : BASIN_ENOMEM;
        if (buf == NULL)
            host->error(host, "out of memory");
        if (rc == BASIN_OK && (file.dim != dim || file.rows != d->file_rows)) {
            host->error(host, "%s: changed since it was read", d->path);
            rc = BASIN_EINVAL;
        }
        char err[4352];
        for (uint64_t first = 0; rc == BASIN_OK && first < file.rows;
             first += CANCEL_ROWS) {
            const uint64_t n =
                file.rows - first < CANCEL_ROWS ? file.rows - first : CANCEL_ROWS;
            if (host->cancelled != NULL && host->cancelled(host)) {
                host->error(host, "%s: cancelled after %llu rows", d->path,
                            (unsigned long long)first);
                rc = BASIN_ECANCELED;
            } else if ((rc = npy_read_rows(&file, first, n, buf, err, sizeof err)))
                host->error(host, "%s", err);
            for (uint64_t k = 0; rc == BASIN_OK && k < n; k++)
                covariance_add(&c, buf + (size_t)k * dim);
        }
        npy_close(&file);
        free(buf);
    }
    return covariance_finish(&c, rc, host, key, eigenvalues);
}

/*
 * The class labels of rows [first, first + count) of a split, from the labels
 * files (see the top). BASIN_EUNSUPPORTED when no labels file covers the split.
 * [thread-safe]
 */
static int npy_labels(void *self, const basin_host *host, int split, uint64_t first,
                      uint64_t count, int32_t *labels)
{
    const npy_data *d = self;
    if (d->labels == NULL ||
        (split == BASIN_SPLIT_HELDOUT && !d->heldout_labeled && d->r.n_heldout > 0)) {
        host->error(host, "no labels for the %s split (set %s)",
                    split == BASIN_SPLIT_HELDOUT ? "held-out" : "train",
                    split == BASIN_SPLIT_HELDOUT ? "heldout_labels" : "labels");
        return BASIN_EUNSUPPORTED;
    }
    return rows_labels(host, d->labels, d->r.n_train, d->r.n_heldout, split, first, count,
                       labels);
}

static const basin_dataset_iface npy_iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = npy_create,
    .destroy = npy_destroy,
    .info = npy_info,
    .read = rows_dataset_read,
    .spectrum = npy_spectrum,
    .law_distance = NULL,
    .labels = npy_labels,
};

static const basin_descriptor npy_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_DATASET,
    .version = "1.0.0",
    .summary = "points or images from NumPy .npy files (f4, f8, u1, i1, i8; C order)",
    .params = npy_params,
    .iface = &npy_iface,
};

static const basin_descriptor *const npy_plugins[] = {
    &npy_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "npy",
    npy_plugins,
};
