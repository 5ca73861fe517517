/*
 * datasets/fashion-mnist — Zalando's Fashion-MNIST (Xiao, Rasul & Vollgraf 2017),
 * 28 × 28 grey images, read from the IDX files of Debian's dataset-fashion-mnist
 * (any folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] works, so
 * LeCun's MNIST in the same format does too). Pham et al. 2025 train on K images
 * of it (arXiv:2505.21777; docs/science.md, Pham et al. experiments).
 *
 * Splits. The training split is K images of the 60000-image train file, the
 * held-out split `heldout` images of the 10000-image t10k file; both restricted to
 * one class when class ≥ 0 (then the labels file is read too). Each is a seeded
 * draw without replacement: a partial Fisher–Yates shuffle of the candidate
 * indices, step i swapping position i with i + ⌊u_i (n − i)⌋, u the uniforms of
 * host stream (role DATASET, index 0, step 0 for train, step 1 for held-out). The
 * first i picks use only u_0..u_{i−1}, so a larger K keeps the first K images.
 *
 * Labels. The labels files are read whenever they are there (required only when
 * class ≥ 0), and labels() gives each drawn image's own class, 0..9 for
 * Fashion-MNIST (T-shirt/top, trouser, pullover, dress, coat, sandal, shirt,
 * sneaker, bag, ankle boot): the classes of φ_S (docs/science.md, Speciation
 * time). A folder of image files alone still works, without labels.
 *
 * Pixels p ∈ {0..255} become p/127.5 − 1 ∈ [−1, 1], the range diffusion models are
 * trained on. Rows are height × width × 1, row-major.
 *
 * spectrum(): the images have no known law, so it gives the eigenvalues of the
 * empirical covariance of the WHOLE train file (every image of `class` when
 * class ≥ 0; downsampled as the rows are), whatever K: the host's Gaussian
 * approximation of t_S and t_C (covariance.h). About 4 s for 60000 images of 784
 * pixels on one core, remembered across the jobs of a run (same file, class and
 * downsampling).
 *
 * IDX format (big-endian): images: magic 0x00000803, n, rows, cols, then n·rows·cols
 * bytes; labels: magic 0x00000801, n, then n bytes. Every header field, the data
 * length (a short gzread is a truncated file), dimensions whose product overflows
 * and the train/t10k agreement are checked; errors name the file. No count from a
 * header is trusted: the image data it promises is read through (decompressed)
 * before anything is allocated by it (idx_check_length).
 */
#include <basin/plugin.h>

#include "covariance.h"
#include "rows.h"

#include <sys/stat.h>
#include <zlib.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PLUGIN_ID        "datasets/fashion-mnist"
#define DEFAULT_PATH     "/usr/share/datasets/fashion-mnist"
#define IDX_IMAGES_MAGIC 0x00000803u
#define IDX_LABELS_MAGIC 0x00000801u
#define MAX_IMAGE_BYTES  (1u << 24) /* rows × cols limit: dim is a uint32 */

enum { P_COUNT, P_HELDOUT, P_PATH, P_CLASS, P_DOWNSAMPLE, N_PARAMS };

static const basin_param_def fashion_params[N_PARAMS + 1] = {
    [P_COUNT] =
        {"count", BASIN_PARAM_INT, 1000, NULL, 1, 60000, NULL, 0,
         "K, the number of training images, drawn without replacement from the train file"},
    [P_HELDOUT] =
        {"heldout", BASIN_PARAM_INT, 1000, NULL, 0, 10000, NULL, 0,
         "the number of held-out images, drawn without replacement from the t10k file"},
    [P_PATH] = {"path", BASIN_PARAM_STRING, 0, DEFAULT_PATH, 0, 0, NULL, BASIN_PARAM_PATH,
                "the folder holding the IDX files (train-images-idx3-ubyte.gz, ...)"},
    [P_CLASS] =
        {"class", BASIN_PARAM_INT, -1, NULL, -1, 255, NULL, 0,
         "keep only images with this label (0..9 for Fashion-MNIST); -1 keeps all"},
    [P_DOWNSAMPLE] =
        {"downsample", BASIN_PARAM_INT, 1, NULL, 1, 28, NULL, 0,
         "average f x f pixel blocks (f must divide the image sides): 2 gives 14x14 "
         "images, N = 196, small enough to train a denoiser on a CPU"},
    [N_PARAMS] = {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

typedef struct fashion {
    uint64_t n_train, n_heldout;
    uint32_t height, width; /* of the stored images */
    uint32_t factor;        /* downsampling: rows are (height/f) × (width/f) */
    uint8_t *pixels; /* (n_train + n_heldout) × height·width: train, then held-out */
    char *folder;    /* for spectrum(): where the IDX files are, */
    int class;       /* and the class kept (−1: all) */
    /* The images' labels (train, then held-out) from the labels files; NULL
       without a train labels file, heldout_labeled 0 without a t10k one. */
    int32_t *labels;
    int heldout_labeled;
} fashion;

static void fashion_destroy(void *self)
{
    fashion *f = self;
    if (f == NULL)
        return;
    free(f->pixels);
    free(f->folder);
    free(f->labels);
    free(f);
}

/* ------------------------------------------------------------------ IDX files */

/* An open IDX file: its path (for messages) and zlib handle. */
typedef struct idx_file {
    char path[4096];
    gzFile gz;
} idx_file;

/*
 * Open <folder>/<name>.gz, or <folder>/<name> when only the uncompressed file is
 * there (zlib reads both). Returns 0, or BASIN_EIO with a message saying how to get
 * the files.
 */
static int idx_open(const basin_host *host, const char *folder, const char *name,
                    idx_file *f)
{
    char plain[4096];
    int n1 = snprintf(f->path, sizeof f->path, "%s/%s.gz", folder, name);
    int n2 = snprintf(plain, sizeof plain, "%s/%s", folder, name);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof f->path) {
        host->error(host, "path = \"%s\" is too long", folder);
        return BASIN_EINVAL;
    }
    if (access(f->path, F_OK) != 0 && access(plain, F_OK) == 0)
        memcpy(f->path, plain, sizeof plain);
    if (access(f->path, F_OK) != 0) {
        host->error(host,
                    "%s: not found (install Debian's dataset-fashion-mnist, or set "
                    "path to a folder holding the IDX files)",
                    f->path);
        return BASIN_EIO;
    }
    f->gz = gzopen(f->path, "rb");
    if (f->gz == NULL) {
        host->error(host, "%s: cannot open", f->path);
        return BASIN_EIO;
    }
    gzbuffer(f->gz, 1u << 17);
    return BASIN_OK;
}

static void idx_close(idx_file *f)
{
    if (f->gz != NULL)
        gzclose(f->gz);
    f->gz = NULL;
}

/*
 * Read exactly n bytes. Returns the count read (< n on truncation or error, with
 * *zmsg set to zlib's explanation when it has one).
 */
static size_t idx_read(idx_file *f, void *buf, size_t n, const char **zmsg)
{
    size_t done = 0;
    *zmsg = NULL;
    while (done < n) {
        size_t want = n - done > (1u << 30) ? (1u << 30) : n - done;
        int got = gzread(f->gz, (uint8_t *)buf + done, (unsigned)want);
        if (got <= 0) {
            int errnum = Z_OK;
            const char *m = gzerror(f->gz, &errnum);
            if (errnum != Z_OK && m != NULL && m[0] != 0) {
                /* zlib puts the path in front: keep only its explanation. */
                const size_t n_path = strlen(f->path);
                if (strncmp(m, f->path, n_path) == 0 && strncmp(m + n_path, ": ", 2) == 0)
                    m += n_path + 2;
                *zmsg = m;
            }
            break;
        }
        done += (size_t)got;
    }
    return done;
}

static uint32_t big_endian32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Read and check a header of n_words big-endian words, the first the magic. */
static int idx_header(const basin_host *host, idx_file *f, uint32_t magic,
                      uint32_t *words, int n_words)
{
    uint8_t raw[16];
    const char *zmsg;
    const size_t want = 4 * (size_t)n_words;
    size_t got = idx_read(f, raw, want, &zmsg);
    if (got < want) {
        host->error(host, "%s: truncated: %zu of %zu header bytes%s%s", f->path, got,
                    want, zmsg ? ": " : "", zmsg ? zmsg : "");
        return BASIN_EIO;
    }
    for (int k = 0; k < n_words; k++)
        words[k] = big_endian32(raw + 4 * k);
    if (words[0] != magic) {
        host->error(
            host, "%s: bad magic number 0x%08x (an IDX %s file starts with 0x%08x)",
            f->path, words[0], magic == IDX_IMAGES_MAGIC ? "image" : "label", magic);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/*
 * Check that the file holds `need` bytes after its header of `header` bytes before
 * anything is allocated by what the header says: read them (decompressed, for a
 * .gz) through a bounded chunk, keeping none, then seek back to the end of the
 * header. A header's count is never trusted: a 32-byte file that claims 2^32
 * images is "truncated" here, having cost one chunk. (gzip inflates at most about
 * 1032:1, so the bytes read are bounded by the file's size, too.) Returns 0, or
 * BASIN_EIO (truncated, unreadable), BASIN_ENOMEM or BASIN_ECANCELED.
 */
static int idx_check_length(const basin_host *host, idx_file *f, uint64_t need,
                            uint32_t header)
{
    const size_t chunk = (size_t)1 << 20;
    uint8_t *buf = malloc(need < chunk ? (need ? (size_t)need : 1) : chunk);
    if (buf == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    uint64_t have = 0;
    int rc = BASIN_OK;
    while (have < need) {
        if (host->cancelled != NULL && host->cancelled(host)) {
            host->error(host, "cancelled while reading %s", f->path);
            rc = BASIN_ECANCELED;
            break;
        }
        const size_t want = need - have < chunk ? (size_t)(need - have) : chunk;
        const char *zmsg;
        const size_t got = idx_read(f, buf, want, &zmsg);
        have += got;
        if (got < want) {
            host->error(host, "%s: truncated: %llu of %llu pixel bytes%s%s", f->path,
                        (unsigned long long)have, (unsigned long long)need,
                        zmsg ? ": " : "", zmsg ? zmsg : "");
            rc = BASIN_EIO;
            break;
        }
    }
    if (rc == BASIN_OK) {
        /* Read on to the end, so that zlib checks a .gz file's trailer (CRC-32 and
           length): a file cut inside its trailer, or with a wrong CRC, is refused.
           Bytes after the pixels are allowed, as they are in a plain IDX file. */
        const char *zmsg = NULL;
        while (rc == BASIN_OK && idx_read(f, buf, need < chunk ? 1 : chunk, &zmsg) > 0)
            ;
        if (zmsg != NULL) {
            host->error(host, "%s: corrupt after its %llu pixel bytes: %s", f->path,
                        (unsigned long long)need, zmsg);
            rc = BASIN_EIO;
        }
    }
    free(buf);
    if (rc == BASIN_OK && gzseek(f->gz, (z_off_t)header, SEEK_SET) != (z_off_t)header) {
        host->error(host, "%s: cannot seek back to the pixels", f->path);
        rc = BASIN_EIO;
    }
    return rc;
}

/* One split's files, as read. */
typedef struct idx_split {
    const char *images, *labels; /* file names without .gz */
    uint32_t n, height, width;   /* from the image header */
} idx_split;

/* Whether <folder>/<name>.gz or <folder>/<name> exists. */
static int idx_exists(const char *folder, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.gz", folder, name);
    if (access(path, F_OK) == 0)
        return 1;
    snprintf(path, sizeof path, "%s/%s", folder, name);
    return access(path, F_OK) == 0;
}

/*
 * The candidate image indices of a split: all n, or those whose label is `class`
 * (reads the labels file). *candidates is malloc'd; *n_candidates its length.
 * all_labels, when not NULL, receives the split's n labels (malloc'd) whenever
 * the labels file is read: always when class >= 0, and for class < 0 when the
 * file exists (NULL otherwise: no labels, not an error).
 */
static int split_candidates(const basin_host *host, const char *folder,
                            const idx_split *s, int class, uint32_t **candidates,
                            uint32_t *n_candidates, uint8_t **all_labels)
{
    if (all_labels != NULL)
        *all_labels = NULL;
    *candidates = malloc((s->n ? s->n : 1) * sizeof **candidates);
    if (*candidates == NULL) {
        host->error(host, "out of memory for %u image indices", s->n);
        return BASIN_ENOMEM;
    }
    if (class < 0) {
        for (uint32_t k = 0; k < s->n; k++)
            (*candidates)[k] = k;
        *n_candidates = s->n;
        if (all_labels == NULL || !idx_exists(folder, s->labels))
            return BASIN_OK;
    }
    idx_file f = {0};
    uint32_t words[2];
    int rc = idx_open(host, folder, s->labels, &f);
    if (rc == BASIN_OK)
        rc = idx_header(host, &f, IDX_LABELS_MAGIC, words, 2);
    if (rc == BASIN_OK && words[1] != s->n) {
        host->error(host, "%s: %u labels for %u images", f.path, words[1], s->n);
        rc = BASIN_EINVAL;
    }
    uint8_t *labels = NULL;
    if (rc == BASIN_OK && (labels = malloc(s->n ? s->n : 1)) == NULL) {
        host->error(host, "out of memory for %u labels", s->n);
        rc = BASIN_ENOMEM;
    }
    if (rc == BASIN_OK) {
        const char *zmsg;
        size_t got = idx_read(&f, labels, s->n, &zmsg);
        if (got < s->n) {
            host->error(host, "%s: truncated: %zu of %u label bytes%s%s", f.path, got,
                        s->n, zmsg ? ": " : "", zmsg ? zmsg : "");
            rc = BASIN_EIO;
        }
    }
    idx_close(&f);
    if (class >= 0)
        *n_candidates = 0;
    for (uint32_t k = 0; rc == BASIN_OK && class >= 0 && k < s->n; k++)
        if (labels[k] == class)
            (*candidates)[(*n_candidates)++] = k;
    if (rc == BASIN_OK && all_labels != NULL)
        *all_labels = labels;
    else
        free(labels);
    if (rc != BASIN_OK) {
        free(*candidates);
        *candidates = NULL;
    }
    return rc;
}

/*
 * Partial Fisher–Yates: the first k entries of candidates (length n) become a
 * uniform draw without replacement, from stream (DATASET, 0, step).
 */
static int draw_subset(const basin_host *host, uint32_t *candidates, uint32_t n,
                       uint32_t k, uint64_t step)
{
    double *u = malloc((k ? k : 1) * sizeof *u);
    if (u == NULL) {
        host->error(host, "out of memory for %u uniforms", k);
        return BASIN_ENOMEM;
    }
    host->random_uniform(host, BASIN_ROLE_DATASET, 0, step, u, k);
    for (uint32_t i = 0; i < k; i++) {
        uint32_t j = i + (uint32_t)(u[i] * (n - i));
        if (j >= n)
            j = n - 1;
        uint32_t t = candidates[i];
        candidates[i] = candidates[j];
        candidates[j] = t;
    }
    free(u);
    return BASIN_OK;
}

/* Read a split's image header into s (n, height, width), checking it. */
static int images_header(const basin_host *host, idx_file *f, idx_split *s)
{
    uint32_t words[4];
    int rc = idx_header(host, f, IDX_IMAGES_MAGIC, words, 4);
    if (rc != BASIN_OK)
        return rc;
    s->n = words[1];
    s->height = words[2];
    s->width = words[3];
    if (s->height == 0 || s->width == 0) {
        host->error(host, "%s: image size %u × %u is empty", f->path, s->height,
                    s->width);
        return BASIN_EINVAL;
    }
    const uint64_t pixels = (uint64_t)s->height * s->width;
    if (pixels > MAX_IMAGE_BYTES || (uint64_t)s->n > SIZE_MAX / pixels) {
        host->error(host,
                    "%s: %u images of %u × %u pixels: the dimensions overflow "
                    "(at most %u pixels an image)",
                    f->path, s->n, s->height, s->width, MAX_IMAGE_BYTES);
        return BASIN_EINVAL;
    }
    return idx_check_length(host, f, (uint64_t)s->n * pixels, 16);
}

/*
 * Read split s: open its image file, check the header (and that its image size is
 * want_height × want_width when those are nonzero), choose k images (see the top)
 * and copy their pixels to out (k × pixels), streaming the whole file so a
 * truncated one is always caught. *labels_out: the k images' labels (malloc'd),
 * or NULL when the split has no labels file (class < 0 only).
 */
static int read_split(const basin_host *host, const char *folder, idx_split *s, int class,
                      uint32_t k, uint64_t step, const char *what, uint32_t want_height,
                      uint32_t want_width, uint8_t **out, int32_t **labels_out)
{
    idx_file f = {0};
    uint32_t *candidates = NULL, n_candidates = 0;
    int32_t *slot = NULL;
    uint8_t *chunk = NULL, *all_labels = NULL;
    *out = NULL;
    *labels_out = NULL;
    int rc = idx_open(host, folder, s->images, &f);
    if (rc == BASIN_OK)
        rc = images_header(host, &f, s);
    if (rc == BASIN_OK && want_height != 0 &&
        (s->height != want_height || s->width != want_width)) {
        host->error(host, "%s: images are %u × %u but the train images are %u × %u",
                    f.path, s->height, s->width, want_height, want_width);
        rc = BASIN_EINVAL;
    }
    if (rc == BASIN_OK)
        rc = split_candidates(host, folder, s, class, &candidates, &n_candidates,
                              &all_labels);
    if (rc == BASIN_OK && k > n_candidates) {
        if (class >= 0)
            host->error(host, "%s = %u exceeds the %u images of class %d in %s", what, k,
                        n_candidates, class, f.path);
        else
            host->error(host, "%s = %u exceeds the %u images in %s", what, k,
                        n_candidates, f.path);
        rc = BASIN_EINVAL;
    }
    if (rc == BASIN_OK)
        rc = draw_subset(host, candidates, n_candidates, k, step);
    if (rc == BASIN_OK && all_labels != NULL) {
        if ((*labels_out = malloc((k ? k : 1) * sizeof **labels_out)) == NULL) {
            host->error(host, "out of memory for %u labels", k);
            rc = BASIN_ENOMEM;
        }
        for (uint32_t r = 0; rc == BASIN_OK && r < k; r++)
            (*labels_out)[r] = all_labels[candidates[r]];
    }
    const size_t pixels = (size_t)s->height * s->width;
    if (rc == BASIN_OK) {
        /* At most what the file was seen to hold (idx_check_length). */
        const uint32_t chunk_images = s->n < 256 ? (s->n ? s->n : 1) : 256;
        slot = malloc((s->n ? s->n : 1) * sizeof *slot);
        chunk = malloc(chunk_images * pixels);
        *out = malloc(k ? (size_t)k * pixels : 1);
        if (slot == NULL || chunk == NULL || *out == NULL) {
            host->error(host, "out of memory for %u images of %zu pixels", k, pixels);
            rc = BASIN_ENOMEM;
        }
        for (uint32_t i = 0; rc == BASIN_OK && i < s->n; i++)
            slot[i] = -1;
        for (uint32_t r = 0; rc == BASIN_OK && r < k; r++)
            slot[candidates[r]] = (int32_t)r;
        const uint64_t total = (uint64_t)s->n * pixels;
        for (uint32_t first = 0; rc == BASIN_OK && first < s->n; first += chunk_images) {
            if (host->cancelled != NULL && host->cancelled(host)) {
                host->error(host, "cancelled while reading %s", f.path);
                rc = BASIN_ECANCELED;
                break;
            }
            const uint32_t n = s->n - first < chunk_images ? s->n - first : chunk_images;
            const char *zmsg;
            const size_t got = idx_read(&f, chunk, n * pixels, &zmsg);
            if (got < n * pixels) {
                host->error(host, "%s: truncated: %llu of %llu pixel bytes%s%s", f.path,
                            (unsigned long long)((uint64_t)first * pixels + got),
                            (unsigned long long)total, zmsg ? ": " : "",
                            zmsg ? zmsg : "");
                rc = BASIN_EIO;
                break;
            }
            for (uint32_t i = 0; i < n; i++)
                if (slot[first + i] >= 0)
                    memcpy(*out + (size_t)slot[first + i] * pixels, chunk + i * pixels,
                           pixels);
        }
    }
    idx_close(&f);
    free(candidates);
    free(all_labels);
    free(slot);
    free(chunk);
    if (rc != BASIN_OK) {
        free(*out);
        *out = NULL;
        free(*labels_out);
        *labels_out = NULL;
    }
    return rc;
}

/* ------------------------------------------------------------------ interface */

/*
 * Read the K training and the held-out images (see the top). Returns BASIN_EIO
 * (missing, unreadable or truncated file), BASIN_EINVAL (bad header, dimensions,
 * count larger than the file), BASIN_ENOMEM or BASIN_ECANCELED.
 * [deterministic given rng: role DATASET]
 */
static int fashion_create(const basin_host *host, const basin_value *params, void **self)
{
    *self = NULL;
    const double count = params[P_COUNT].number, heldout = params[P_HELDOUT].number;
    const double class = params[P_CLASS].number;
    const double factor = params[P_DOWNSAMPLE].number;
    const char *folder = params[P_PATH].string;
    int rc = rows_check_int(host, "count", count, 1, 60000);
    if (rc == BASIN_OK)
        rc = rows_check_int(host, "heldout", heldout, 0, 10000);
    if (rc == BASIN_OK)
        rc = rows_check_int(host, "class", class, -1, 255);
    if (rc == BASIN_OK)
        rc = rows_check_int(host, "downsample", factor, 1, 28);
    if (rc != BASIN_OK)
        return rc;
    if (folder == NULL || folder[0] == 0)
        folder = DEFAULT_PATH;

    fashion *f = calloc(1, sizeof *f);
    if (f == NULL) {
        host->error(host, "out of memory");
        return BASIN_ENOMEM;
    }
    f->n_train = (uint64_t)count;
    f->n_heldout = (uint64_t)heldout;
    f->class = (int)class;
    if ((f->folder = malloc(strlen(folder) + 1)) == NULL) {
        host->error(host, "out of memory");
        fashion_destroy(f);
        return BASIN_ENOMEM;
    }
    strcpy(f->folder, folder);
    idx_split train = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", 0, 0, 0};
    idx_split test = {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 0, 0, 0};
    /* The train images go straight to f->pixels, grown for the held-out ones;
       their labels likewise to f->labels. */
    uint8_t *held_pixels = NULL;
    int32_t *held_labels = NULL;
    rc = read_split(host, folder, &train, (int)class, (uint32_t)count, 0, "count", 0, 0,
                    &f->pixels, &f->labels);
    if (rc == BASIN_OK &&
        (train.height % (uint32_t)factor || train.width % (uint32_t)factor)) {
        host->error(host, "downsample = %g does not divide the %ux%u images", factor,
                    train.height, train.width);
        rc = BASIN_EINVAL;
    }
    if (rc == BASIN_OK && heldout > 0)
        rc = read_split(host, folder, &test, (int)class, (uint32_t)heldout, 1, "heldout",
                        train.height, train.width, &held_pixels, &held_labels);
    f->height = train.height;
    f->width = train.width;
    f->factor = (uint32_t)factor;
    const size_t pixels = (size_t)f->height * f->width;
    if (rc == BASIN_OK && f->n_heldout > 0) {
        uint8_t *all = realloc(f->pixels, (size_t)(f->n_train + f->n_heldout) * pixels);
        if (all == NULL) {
            host->error(host, "out of memory for %llu images",
                        (unsigned long long)(f->n_train + f->n_heldout));
            rc = BASIN_ENOMEM;
        } else {
            f->pixels = all;
            memcpy(f->pixels + (size_t)f->n_train * pixels, held_pixels,
                   (size_t)f->n_heldout * pixels);
        }
    }
    if (rc == BASIN_OK && f->labels != NULL && f->n_heldout > 0 && held_labels != NULL) {
        int32_t *all =
            realloc(f->labels, (size_t)(f->n_train + f->n_heldout) * sizeof *f->labels);
        if (all == NULL) {
            host->error(host, "out of memory for %llu labels",
                        (unsigned long long)(f->n_train + f->n_heldout));
            rc = BASIN_ENOMEM;
        } else {
            f->labels = all;
            memcpy(f->labels + f->n_train, held_labels,
                   (size_t)f->n_heldout * sizeof *f->labels);
            f->heldout_labeled = 1;
        }
    }
    free(held_pixels);
    free(held_labels);
    if (rc != BASIN_OK) {
        fashion_destroy(f);
        return rc;
    }
    *self = f;
    return BASIN_OK;
}

/* K, the held-out count, N = height · width, and the image shape. [thread-safe] */
static int fashion_info(void *self, basin_dataset_info *out)
{
    const fashion *f = self;
    out->n_train = f->n_train;
    out->n_heldout = f->n_heldout;
    out->dim = (f->height / f->factor) * (f->width / f->factor);
    out->flags = 0;
    out->height = f->height / f->factor;
    out->width = f->width / f->factor;
    out->channels = 1;
    return BASIN_OK;
}

/* One stored image (height × width bytes) as a row of (height/f)·(width/f) floats
   p/127.5 − 1, p the mean of each f × f block of pixels (f = 1: the pixel). */
static void image_row(const fashion *f, const uint8_t *src, float *row)
{
    const uint32_t fac = f->factor, h = f->height / fac, w = f->width / fac;
    const double scale = 1.0 / (127.5 * fac * fac);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint32_t sum = 0;
            for (uint32_t dy = 0; dy < fac; dy++)
                for (uint32_t dx = 0; dx < fac; dx++)
                    sum += src[(size_t)(y * fac + dy) * f->width + x * fac + dx];
            row[(size_t)y * w + x] = (float)(sum * scale - 1.0);
        }
}

/*
 * Copy images [first, first + count) of a split into out (count × dim) as
 * p/127.5 − 1, p the mean of each f × f block of pixels (f = 1: the pixel).
 * Returns BASIN_EINVAL for an unknown split or a range past its end. [thread-safe]
 */
static int fashion_read(void *self, const basin_host *host, int split, uint64_t first,
                        uint64_t count, float *out)
{
    const fashion *f = self;
    uint64_t at;
    const int rc = rows_locate(host, f->n_train, f->n_heldout, split, first, count, out,
                               "images", &at);
    if (rc != BASIN_OK)
        return rc;
    const size_t pixels = (size_t)f->height * f->width;
    const size_t dim = (size_t)(f->height / f->factor) * (f->width / f->factor);
    for (uint64_t i = 0; i < count; i++)
        image_row(f, f->pixels + (size_t)(at + i) * pixels, out + (size_t)i * dim);
    return BASIN_OK;
}

/*
 * The eigenvalues of the empirical covariance of every image of the train file
 * (of `class` when ≥ 0), as rows, descending (see the top). Returns BASIN_EIO
 * (missing, unreadable or truncated file), BASIN_EINVAL (bad header, or the file
 * changed since create), BASIN_EUNSUPPORTED (fewer than 2 images: no theory),
 * BASIN_ENOMEM, BASIN_ECANCELED or BASIN_ENUMERIC.
 */
static int fashion_spectrum(void *self, const basin_host *host, double *eigenvalues)
{
    const fashion *f = self;
    const uint32_t dim = (f->height / f->factor) * (f->width / f->factor);
    idx_split train = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", 0, 0, 0};
    idx_file file = {0};
    int rc = idx_open(host, f->folder, train.images, &file);
    if (rc != BASIN_OK)
        return rc;
    struct stat st;
    char key[4400];
    if (stat(file.path, &st) != 0) {
        host->error(host, "%s: cannot read it again for its spectrum", file.path);
        idx_close(&file);
        return BASIN_EIO;
    }
    snprintf(key, sizeof key, "fashion|%s|%d|%u|%lld|%lld", file.path, f->class,
             f->factor, (long long)st.st_size, (long long)st.st_mtime);
    if (covariance_recall(key, dim, eigenvalues)) {
        idx_close(&file);
        return BASIN_OK;
    }
    rc = images_header(host, &file, &train);
    if (rc == BASIN_OK && (train.height != f->height || train.width != f->width)) {
        host->error(host, "%s: changed since it was read", file.path);
        rc = BASIN_EINVAL;
    }
    uint32_t *candidates = NULL, n_candidates = 0;
    if (rc == BASIN_OK)
        rc = split_candidates(host, f->folder, &train, f->class, &candidates,
                              &n_candidates, NULL);
    const uint32_t chunk_images = 256;
    const size_t pixels = (size_t)f->height * f->width;
    uint8_t *keep = NULL, *chunk = NULL;
    float *row = NULL;
    covariance c = {0};
    if (rc == BASIN_OK)
        rc = covariance_init(&c, dim, host);
    if (rc == BASIN_OK) {
        keep = calloc(train.n ? train.n : 1, 1);
        chunk = malloc(chunk_images * pixels);
        row = malloc(dim * sizeof *row);
        if (keep == NULL || chunk == NULL || row == NULL) {
            host->error(host, "out of memory for the spectrum of %s", file.path);
            rc = BASIN_ENOMEM;
        }
    }
    for (uint32_t k = 0; rc == BASIN_OK && k < n_candidates; k++)
        keep[candidates[k]] = 1;
    for (uint32_t first = 0; rc == BASIN_OK && first < train.n; first += chunk_images) {
        if (host->cancelled != NULL && host->cancelled(host)) {
            host->error(host, "cancelled while reading %s", file.path);
            rc = BASIN_ECANCELED;
            break;
        }
        const uint32_t n =
            train.n - first < chunk_images ? train.n - first : chunk_images;
        const char *zmsg;
        if (idx_read(&file, chunk, n * pixels, &zmsg) < n * pixels) {
            host->error(host, "%s: truncated%s%s", file.path, zmsg ? ": " : "",
                        zmsg ? zmsg : "");
            rc = BASIN_EIO;
            break;
        }
        for (uint32_t i = 0; i < n; i++)
            if (keep[first + i]) {
                image_row(f, chunk + i * pixels, row);
                covariance_add(&c, row);
            }
    }
    idx_close(&file);
    free(candidates);
    free(keep);
    free(chunk);
    free(row);
    return covariance_finish(&c, rc, host, key, eigenvalues);
}

/*
 * The class labels (0..9 for Fashion-MNIST) of images [first, first + count) of a
 * split, from the labels files: the drawn images' own. BASIN_EUNSUPPORTED when the
 * split's labels file was not there (the images alone were given). [thread-safe]
 */
static int fashion_labels(void *self, const basin_host *host, int split, uint64_t first,
                          uint64_t count, int32_t *labels)
{
    const fashion *f = self;
    if (f->labels == NULL ||
        (split == BASIN_SPLIT_HELDOUT && !f->heldout_labeled && f->n_heldout > 0)) {
        host->error(host, "no labels for the %s split (no %s labels file in %s)",
                    split == BASIN_SPLIT_HELDOUT ? "held-out" : "train",
                    split == BASIN_SPLIT_HELDOUT ? "t10k" : "train", f->folder);
        return BASIN_EUNSUPPORTED;
    }
    return rows_labels(host, f->labels, f->n_train, f->n_heldout, split, first, count,
                       labels);
}

static const basin_dataset_iface fashion_iface = {
    .struct_size = sizeof(basin_dataset_iface),
    .create = fashion_create,
    .destroy = fashion_destroy,
    .info = fashion_info,
    .read = fashion_read,
    .spectrum = fashion_spectrum,
    .law_distance = NULL,
    .labels = fashion_labels,
};

static const basin_descriptor fashion_descriptor = {
    .struct_size = sizeof(basin_descriptor),
    .id = PLUGIN_ID,
    .interface = BASIN_IFACE_DATASET,
    .version = "1.0.0",
    .summary = "Fashion-MNIST 28x28 images in [-1, 1] from the IDX files: a seeded "
               "draw of K training and held-out images",
    .params = fashion_params,
    .iface = &fashion_iface,
};

static const basin_descriptor *const fashion_plugins[] = {
    &fashion_descriptor,
    NULL,
};

BASIN_EXPORT const basin_library basin_library_entry = {
    BASIN_LIBRARY_HEADER,
    "fashion-mnist",
    fashion_plugins,
};
