#include "results/job_part.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "base/status.h"
#include "measure/lsr_minima.h"
#include "results/atomic_file.h"

/* ------------------------------------------------------------- the codec */

/* One codec writes and reads: part_fields() walks the fields once for both, so
   the two can never disagree. */
typedef struct codec {
    int decode;
    /* encoding */
    uint8_t *buf;
    size_t n, cap;
    /* decoding */
    const uint8_t *in;
    size_t size, at;
    /* the first failure (sticky): a status and what went wrong */
    int rc;
    char why[200];
} codec;

static void fail(codec *c, int rc, const char *what, const char *detail)
{
    if (c->rc)
        return;
    c->rc = rc;
    snprintf(c->why, sizeof c->why, "%s: %s", what, detail);
}

/* Room for n more bytes (encoding); 0, or -1 after a failure. */
static int room(codec *c, size_t n, const char *what)
{
    if (c->rc)
        return -1;
    if (c->n + n <= c->cap)
        return 0;
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->n + n) {
        if (cap > SIZE_MAX / 2) {
            fail(c, BASIN_ENOMEM, what, "out of memory");
            return -1;
        }
        cap *= 2;
    }
    uint8_t *grown = realloc(c->buf, cap);
    if (!grown) {
        fail(c, BASIN_ENOMEM, what, "out of memory");
        return -1;
    }
    c->buf = grown;
    c->cap = cap;
    return 0;
}

/* n bytes of the input (decoding), or NULL once cut short. */
static const uint8_t *take(codec *c, size_t n, const char *what)
{
    if (c->rc)
        return NULL;
    if (c->size - c->at < n) {
        fail(c, BASIN_EINVAL, what, "cut short");
        return NULL;
    }
    const uint8_t *p = c->in + c->at;
    c->at += n;
    return p;
}

/* An unsigned integer of `bytes` bytes, little-endian. */
static void c_uint(codec *c, uint64_t *v, int bytes, const char *what)
{
    if (c->decode) {
        const uint8_t *p = take(c, (size_t)bytes, what);
        uint64_t x = 0;
        for (int i = 0; p && i < bytes; i++)
            x |= (uint64_t)p[i] << (8 * i);
        *v = p ? x : 0;
    } else if (room(c, (size_t)bytes, what) == 0) {
        for (int i = 0; i < bytes; i++)
            c->buf[c->n++] = (uint8_t)(*v >> (8 * i));
    }
}

static void c_u64(codec *c, uint64_t *v, const char *what)
{
    c_uint(c, v, 8, what);
}

static void c_u32(codec *c, uint32_t *v, const char *what)
{
    uint64_t x = *v;
    c_uint(c, &x, 4, what);
    *v = (uint32_t)x;
}

static void c_i64(codec *c, int64_t *v, const char *what)
{
    uint64_t x;
    memcpy(&x, v, 8);
    c_uint(c, &x, 8, what);
    memcpy(v, &x, 8);
}

/* A double as its IEEE-754 bit pattern: every value (NaN payloads, -0) returns. */
static void c_f64(codec *c, double *v, const char *what)
{
    uint64_t x;
    memcpy(&x, v, 8);
    c_uint(c, &x, 8, what);
    memcpy(v, &x, 8);
}

/* An enum stored as a u32 below `limit`. */
static void c_enum(codec *c, uint32_t *v, uint32_t limit, const char *what)
{
    c_u32(c, v, what);
    if (c->decode && !c->rc && *v >= limit) {
        char detail[64];
        snprintf(detail, sizeof detail, "%u out of range (below %u)", *v, limit);
        fail(c, BASIN_EINVAL, what, detail);
    }
}

/* How one element of an array is written: its fields through the codec. */
typedef void (*elem_fn)(codec *c, void *elem, const char *what);

/*
 * An array of count elements of elem_size bytes in memory, at least min_wire
 * bytes each on the wire: a presence byte, then the elements. optional = 0: it
 * must be present (when count > 0). Decoding allocates *array (NULL when absent).
 */
static void c_array(codec *c, void **array, uint64_t count, size_t elem_size,
                    size_t min_wire, int optional, elem_fn fn, const char *what)
{
    uint64_t present = *array != NULL;
    c_uint(c, &present, 1, what);
    if (c->rc)
        return;
    if (c->decode) {
        *array = NULL;
        if (present > 1) {
            fail(c, BASIN_EINVAL, what, "presence byte not 0 or 1");
            return;
        }
        if (!present) {
            if (!optional && count)
                fail(c, BASIN_EINVAL, what, "missing");
            return;
        }
        if (count > (c->size - c->at) / min_wire) {
            fail(c, BASIN_EINVAL, what, "more elements than the bytes left hold");
            return;
        }
        if (count == 0)
            return;
        if (count > SIZE_MAX / elem_size ||
            !(*array = calloc((size_t)count, elem_size))) {
            fail(c, BASIN_ENOMEM, what, "out of memory");
            return;
        }
    } else if (!present) {
        return;
    }
    uint8_t *p = *array;
    for (uint64_t i = 0; i < count && !c->rc; i++)
        fn(c, p + i * elem_size, what);
}

/* A text of n bytes: its length, then the bytes; decoded NUL-terminated. */
static void c_text(codec *c, job_part_text *t, const char *what)
{
    c_u64(c, &t->n, what);
    if (c->rc)
        return;
    if (c->decode) {
        t->text = NULL;
        if (t->n > c->size - c->at) {
            fail(c, BASIN_EINVAL, what, "longer than the bytes left");
            return;
        }
        if (!(t->text = malloc((size_t)t->n + 1))) {
            fail(c, BASIN_ENOMEM, what, "out of memory");
            return;
        }
        memcpy(t->text, take(c, (size_t)t->n, what), (size_t)t->n);
        t->text[t->n] = '\0';
    } else if (t->n && room(c, (size_t)t->n, what) == 0) {
        memcpy(c->buf + c->n, t->text, (size_t)t->n);
        c->n += (size_t)t->n;
    }
}

/* --------------------------------------------------------- the elements */

static void e_f64(codec *c, void *e, const char *what)
{
    c_f64(c, e, what);
}

static void e_u64(codec *c, void *e, const char *what)
{
    c_u64(c, e, what);
}

static void e_i64(codec *c, void *e, const char *what)
{
    c_i64(c, e, what);
}

static void e_f32(codec *c, void *e, const char *what)
{
    uint32_t x;
    memcpy(&x, e, 4);
    c_u32(c, &x, what);
    memcpy(e, &x, 4);
}

static void e_class(codec *c, void *e, const char *what)
{
    measure_class *cls = e;
    uint64_t x = (uint64_t)*cls;
    c_uint(c, &x, 1, what);
    if (c->decode && !c->rc && x >= MEASURE_N_CLASSES)
        fail(c, BASIN_EINVAL, what, "a class out of range");
    *cls = (measure_class)x;
}

static void e_overlap(codec *c, void *e, const char *what)
{
    measure_overlap *o = e;
    c_i64(c, &o->pattern, what);
    for (int k = 0; k < MEASURE_TOP; k++)
        c_f64(c, &o->top[k], what);
    c_f64(c, &o->heldout, what);
    c_f64(c, &o->next, what);
    c_u32(c, &o->dim, what);
}

static void e_cosine(codec *c, void *e, const char *what)
{
    measure_cosine *o = e;
    c_i64(c, &o->target, what);
    c_f64(c, &o->cos, what);
    c_f64(c, &o->best, what);
    c_f64(c, &o->heldout, what);
}

static void e_distance(codec *c, void *e, const char *what)
{
    measure_distance *d = e;
    c_i64(c, &d->nearest, what);
    c_f64(c, &d->d_m, what);
    c_f64(c, &d->d_2, what);
    c_f64(c, &d->d_s, what);
    c_f64(c, &d->d_h, what);
}

static void e_outcome(codec *c, void *e, const char *what)
{
    basin_outcome *o = e;
    c_u32(c, &o->steps, what);
    c_u32(c, &o->converged, what);
}

static void e_cluster(codec *c, void *e, const char *what)
{
    spurious_cluster *k = e;
    c_u64(c, &k->size, what);
    c_u64(c, &k->representative, what);
}

/* The calibration: four reals, the support, four flags. */
static void c_calibration(codec *c, calibration *k, const char *what)
{
    c_f64(c, &k->delta_m, what);
    c_f64(c, &k->delta_s, what);
    c_f64(c, &k->delta_h, what);
    c_f64(c, &k->quantile, what);
    uint32_t v[5] = {(uint32_t)k->support, (uint32_t)k->auto_m, (uint32_t)k->auto_s,
                     (uint32_t)k->fallback_m, (uint32_t)k->fallback_s};
    c_enum(c, &v[0], CALIBRATE_N_SUPPORTS, what);
    for (int i = 1; i < 5; i++)
        c_enum(c, &v[i], 2, what);
    k->support = (calibrate_support)v[0];
    k->auto_m = (int)v[1];
    k->auto_s = (int)v[2];
    k->fallback_m = (int)v[3];
    k->fallback_s = (int)v[4];
}

/* ----------------------------------------------------------- the fields */

#define ARRAY(field, count, elem, wire, optional, fn)                                    \
    c_array(c, (void **)&p->field, count, sizeof(elem), wire, optional, fn, #field)

/*
 * Every field of a part, in file order: the one list the writer and the reader
 * share. A new field is one line here (and JOB_PART_VERSION + 1).
 */
static void part_fields(codec *c, job_part *p)
{
    /* which job */
    c_u64(c, &p->index, "index");
    c_u64(c, &p->point, "point");
    c_u32(c, &p->repeat, "repeat");
    c_enum(c, &p->layout, 8, "layout");
    c_f64(c, &p->seconds, "seconds");

    /* the referee's input: the batch */
    c_u64(c, &p->n, "n");
    c_enum(c, &p->rule, 4, "rule");
    ARRAY(cls, p->n, measure_class, 1, 0, e_class);
    ARRAY(overlap, p->n, measure_overlap, 68, 1, e_overlap);
    ARRAY(dist, p->n, measure_distance, 40, 1, e_distance);
    ARRAY(outcome, p->n, basin_outcome, 8, 1, e_outcome);
    ARRAY(d_pair, p->n, double, 8, 1, e_f64);
    ARRAY(cos_pair, p->n, double, 8, 1, e_f64);
    ARRAY(t_col_ou, p->n, double, 8, 1, e_f64);
    ARRAY(t_near_ou, p->n, double, 8, 1, e_f64);
    ARRAY(t_first_ou, p->n, double, 8, 1, e_f64);
    ARRAY(t_start_ou, p->n, double, 8, 1, e_f64);
    ARRAY(winner, p->n, int64_t, 8, 1, e_i64);
    c_enum(c, &p->deterministic, 2, "deterministic");
    c_u64(c, &p->lost, "lost");
    c_enum(c, &p->clones_skipped, 2, "clones_skipped");
    ARRAY(before, p->n, measure_distance, 40, 1, e_distance);
    ARRAY(cosine, p->n, measure_cosine, 32, 1, e_cosine);
    c_enum(c, &p->has_cal, 2, "has_cal");
    if (p->has_cal)
        c_calibration(c, &p->cal, "cal");
    ARRAY(d_law, p->n, double, 8, 1, e_f64);
    c_enum(c, &p->has_spurious, 2, "has_spurious");
    if (p->has_spurious) {
        ARRAY(spurious.cluster, p->n, int64_t, 8, 1, e_i64);
        c_u64(c, &p->spurious.n_clusters, "spurious.n_clusters");
        if (c->decode && !c->rc && p->spurious.n_clusters > p->n)
            fail(c, BASIN_EINVAL, "spurious.n_clusters", "more clusters than states");
        ARRAY(spurious.clusters, p->spurious.n_clusters, spurious_cluster, 16, 0,
              e_cluster);
    }
    /* the closed forms */
    c_f64(c, &p->t_theory, "t_theory");
    c_f64(c, &p->t_speciation, "t_speciation");
    c_enum(c, &p->theory_basis, 4, "theory_basis");
    /* the clones */
    c_enum(c, &p->n_clones, REFEREE_MAX_CLONES + 1, "n_clones");
    ARRAY(clone_same, p->n_clones, uint64_t, 8, 0, e_u64);
    ARRAY(clone_n, p->n_clones, uint64_t, 8, 0, e_u64);
    ARRAY(clone_time, p->n_clones, double, 8, 0, e_f64);
    ARRAY(clone_time_ou, p->n_clones, double, 8, 0, e_f64);
    ARRAY(clone_same_class, p->n_clones, uint64_t, 8, 0, e_u64);
    ARRAY(clone_labeled, p->n_clones, uint64_t, 8, 0, e_u64);
    /* the landscape's counts */
    c_u64(c, &p->land_attractors, "land_attractors");
    c_u64(c, &p->land_grouped, "land_grouped");
    for (int k = 0; k < MEASURE_N_CLASSES; k++)
        c_u64(c, &p->land_by_class[k], "land_by_class");
    /* landscape.enumerate's minima */
    c_u64(c, &p->minima_patterns, "minima_patterns");
    c_u64(c, &p->minima, "minima");
    c_u64(c, &p->minima_stored, "minima_stored");
    c_u64(c, &p->minima_novel, "minima_novel");
    c_u64(c, &p->minima_examined, "minima_examined");
    c_f64(c, &p->covered, "covered");
    c_f64(c, &p->covered_se, "covered_se");
    if (c->decode && !c->rc &&
        (p->minima_patterns > LSR_MINIMA_MAX_PATTERNS ||
         p->minima_stored > p->minima_patterns || p->minima_novel > p->minima ||
         p->minima_stored > p->minima - p->minima_novel))
        fail(c, BASIN_EINVAL, "minima", "counts that do not add up");

    /* rows */
    c_text(c, &p->records, "records");
    c_text(c, &p->attractors, "attractors");
    c_text(c, &p->training, "training");
    c_text(c, &p->spurious_rows, "spurious_rows");
    c_text(c, &p->minima_rows, "minima_rows");

    /* the final states */
    c_u32(c, &p->dim, "dim");
    if (c->decode && !c->rc && p->dim && p->n > UINT64_MAX / p->dim)
        fail(c, BASIN_EINVAL, "states", "n × dim overflows");
    ARRAY(states, p->n * p->dim, float, 4, 1, e_f32);

    /* [compare] */
    c_f64(c, &p->compare_r2, "compare_r2");
    c_text(c, &p->compare, "compare");
}

#undef ARRAY

/* --------------------------------------------------------------- public */

referee_batch job_part_batch(const job_part *p)
{
    referee_batch b = {.n = p->n,
                       .rule = (measure_rule)p->rule,
                       .overlap = p->overlap,
                       .dist = p->dist,
                       .outcome = p->outcome,
                       .d_pair = p->d_pair,
                       .cos_pair = p->cos_pair,
                       .t_col_ou = p->t_col_ou,
                       .t_near_ou = p->t_near_ou,
                       .t_first_ou = p->t_first_ou,
                       .t_start_ou = p->t_start_ou,
                       .winner = p->winner,
                       .job = p->index,
                       .deterministic = (int)p->deterministic,
                       .lost = p->lost,
                       .clones_skipped = (int)p->clones_skipped,
                       .before = p->before,
                       .cosine = p->cosine,
                       .cal = p->has_cal ? &p->cal : NULL,
                       .d_law = p->d_law,
                       .spurious = p->has_spurious ? &p->spurious : NULL};
    return b;
}

landscape_result job_part_landscape(const job_part *p)
{
    landscape_result land;
    memset(&land, 0, sizeof land);
    land.n_attractors = p->land_attractors;
    land.n_grouped = p->land_grouped;
    for (int k = 0; k < MEASURE_N_CLASSES; k++)
        land.by_class[k] = p->land_by_class[k];
    return land;
}

int job_part_encode(const job_part *p, uint8_t **out, size_t *n_out, char *err,
                    size_t n_err)
{
    *out = NULL;
    *n_out = 0;
    if (p->n_clones > REFEREE_MAX_CLONES) {
        errmsg(err, n_err, "a job part: n_clones %u over %d", p->n_clones,
               REFEREE_MAX_CLONES);
        return BASIN_EINVAL;
    }
    codec c;
    memset(&c, 0, sizeof c);
    if (room(&c, 12, "header") == 0) {
        memcpy(c.buf, JOB_PART_MAGIC, 8);
        c.n = 8;
    }
    uint32_t version = JOB_PART_VERSION;
    c_u32(&c, &version, "version");
    job_part copy = *p; /* the codec takes pointers; encoding writes nothing back */
    part_fields(&c, &copy);
    if (c.rc) {
        free(c.buf);
        errmsg(err, n_err, "a job part: %s", c.why);
        return c.rc;
    }
    *out = c.buf;
    *n_out = c.n;
    return BASIN_OK;
}

void job_part_free(job_part *p)
{
    void *owned[] = {p->cls,
                     p->overlap,
                     p->dist,
                     p->outcome,
                     p->d_pair,
                     p->cos_pair,
                     p->t_col_ou,
                     p->t_near_ou,
                     p->t_first_ou,
                     p->t_start_ou,
                     p->winner,
                     p->before,
                     p->clone_same,
                     p->clone_n,
                     p->clone_time,
                     p->clone_time_ou,
                     p->clone_same_class,
                     p->clone_labeled,
                     p->cosine,
                     p->d_law,
                     p->spurious.cluster,
                     p->spurious.clusters,
                     p->spurious_rows.text,
                     p->minima_rows.text,
                     p->states,
                     p->records.text,
                     p->attractors.text,
                     p->training.text,
                     p->compare.text};
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++)
        free(owned[i]);
    memset(p, 0, sizeof *p);
}

int job_part_decode(const uint8_t *data, size_t size, job_part *p, char *err,
                    size_t n_err)
{
    memset(p, 0, sizeof *p);
    codec c;
    memset(&c, 0, sizeof c);
    c.decode = 1;
    c.in = data;
    c.size = size;
    const uint8_t *magic = take(&c, 8, "header");
    if (!magic || memcmp(magic, JOB_PART_MAGIC, 8) != 0) {
        errmsg(err, n_err, "not a basin job part (no %s header)", JOB_PART_MAGIC);
        return BASIN_EINVAL;
    }
    uint32_t version = 0;
    c_u32(&c, &version, "version");
    if (!c.rc && version != JOB_PART_VERSION) {
        errmsg(err, n_err, "job part format %u, written by %s basin (this one reads %d)",
               version, version > JOB_PART_VERSION ? "a newer" : "an older",
               JOB_PART_VERSION);
        return BASIN_EINVAL;
    }
    part_fields(&c, p);
    if (!c.rc && c.at != c.size) {
        char detail[64];
        snprintf(detail, sizeof detail, "%zu bytes after it", c.size - c.at);
        fail(&c, BASIN_EINVAL, "the last field", detail);
    }
    if (c.rc) {
        job_part_free(p);
        errmsg(err, n_err, "%s", c.why);
        return c.rc;
    }
    return BASIN_OK;
}

void job_part_path(const char *jobs_dir, uint64_t index, char *path, size_t n)
{
    snprintf(path, n, "%s/%llu.part", jobs_dir, (unsigned long long)index);
}

int job_part_write(const char *jobs_dir, uint64_t index, const uint8_t *data, size_t n,
                   char *err, size_t n_err)
{
    char name[32];
    snprintf(name, sizeof name, "%llu.part", (unsigned long long)index);
    results_file f;
    if (results_open(&f, jobs_dir, name, err, n_err))
        return BASIN_EWRITE;
    fwrite(data, 1, n, f.f);
    return results_commit(&f, err, n_err) ? BASIN_EWRITE : BASIN_OK;
}

int job_part_read(const char *path, uint64_t index, job_part *p, char *err, size_t n_err)
{
    memset(p, 0, sizeof *p);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int saved = errno;
        errmsg(err, n_err, "%s: %s", path,
               saved == ENOENT  ? "missing"
               : saved == ELOOP ? "a symbolic link"
                                : strerror(saved));
        errno = saved;
        return saved == ELOOP ? BASIN_EINVAL : BASIN_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size > JOB_PART_MAX_BYTES || (uint64_t)st.st_size > SIZE_MAX) {
        errmsg(err, n_err, "%s: not a job part (%s)", path,
               S_ISREG(st.st_mode) ? "too large" : "not a plain file");
        close(fd);
        return BASIN_EINVAL;
    }
    size_t size = (size_t)st.st_size, got = 0;
    uint8_t *data = malloc(size ? size : 1);
    while (data && got < size) {
        ssize_t k = read(fd, data + got, size - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    int saved = errno;
    close(fd);
    if (!data) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    if (got != size) {
        free(data);
        errmsg(err, n_err, "%s: cannot read: %s", path,
               got < size ? strerror(saved) : "it changed while read");
        return BASIN_EIO;
    }
    char why[256];
    int rc = job_part_decode(data, size, p, why, sizeof why);
    free(data);
    if (rc) {
        errmsg(err, n_err, "%s: %s", path, why);
        return rc;
    }
    if (p->index != index) {
        errmsg(err, n_err, "%s: holds job %llu, not job %llu", path,
               (unsigned long long)p->index, (unsigned long long)index);
        job_part_free(p);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}
