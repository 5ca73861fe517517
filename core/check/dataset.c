/*
 * check/dataset.c — the battery of a basin.dataset/1 plugin, with its parameters
 * as given (defaults, or --set):
 *   info           n_train >= 1, dim >= 1, only known flags, an image shape of
 *                  all zeros or height × width × channels = dim
 *   read-SPLIT     the first rows (up to 4096) in one call: written, nothing past
 *                  them, finite; ±1 when the dataset says BASIN_DATA_BINARY
 *   pieces-SPLIT   the same rows read in pieces of 1, 2, 3, ... rows, and the last
 *                  row read alone, are the same bytes
 *   read-range     reading past the end of a split, or an unknown split, is an
 *                  error (nonzero status), not a crash or a silent read
 *   deterministic  a second instance (fresh host, same seed) gives the same info
 *                  and rows
 *   spectrum       dim eigenvalues, finite, >= 0, descending, not all 0
 *   law-distance   finite and >= 0 for the first training rows
 *   labels-SPLIT   (ABI 1.2, when labels() answers) the first labels (up to 4096)
 *                  in one call: written, nothing past them, >= 0
 *   labels-pieces-SPLIT  the same labels read again, in pieces of 1, 2, 3, ...,
 *                  and the last one alone
 *   labels-range   labels past the end of a split, or of an unknown split, are an
 *                  error
 *   labels-deterministic  a second instance gives the same training labels
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/battery.h"

#define MAX_ROWS 4096u

/* One instance and what its info() gave. */
typedef struct instance {
    check_instance base;
    basin_dataset_info info;
} instance;

static const basin_dataset_iface *iface_of(const check_ctx *c)
{
    return c->d->iface;
}

/* The table holds the optional function `field` (older minors may be shorter). */
#define HAS(f, field)                                                                    \
    ((f)->struct_size >= offsetof(basin_dataset_iface, field) + sizeof((f)->field) &&    \
     (f)->field != NULL)

/* An instance and its info; 0 after FAIL name. */
static int make(check_ctx *c, instance *in, const char *name)
{
    const basin_dataset_iface *f = iface_of(c);
    check_instance *b = &in->base;
    check_instance_begin(c, b, f->destroy);
    memset(&in->info, 0, sizeof in->info);
    return check_created(c, b, f->create(&b->job.table, c->values, &b->self), name) ==
               BASIN_OK &&
           check_set_up(c, b, f->info(b->self, &in->info), name) == BASIN_OK;
}

static int read_rows(check_ctx *c, instance *in, int split, uint64_t first,
                     uint64_t count, float *rows)
{
    host_job_clear_error(&in->base.job);
    return iface_of(c)->read(in->base.self, &in->base.job.table, split, first, count,
                             rows);
}

/* Check one split; rows (m × dim) is left in *out for the determinism check. */
static void check_split(check_ctx *c, instance *in, int split, uint64_t n_rows,
                        float **out, uint64_t *m_out)
{
    const char *sname = split == BASIN_SPLIT_TRAIN ? "train" : "heldout";
    const uint32_t dim = in->info.dim;
    const uint64_t m = n_rows < MAX_ROWS ? n_rows : MAX_ROWS;
    char name[32];
    *out = NULL;
    *m_out = 0;
    snprintf(name, sizeof name, "read-%s", sname);
    float *all = check_alloc(m * dim), *piece = check_alloc(m * dim);
    if (!all || !piece)
        goto out;
    int rc = read_rows(c, in, split, 0, m, all);
    uint64_t bad = 0;
    if (rc) {
        check_call_failed(c, name, &in->base.job, rc);
        goto out;
    }
    if (!check_guard_intact(all, m * dim)) {
        check_report(c, 0, name,
                     "expected %llu rows of %u floats, saw writes past "
                     "them",
                     (unsigned long long)m, dim);
        goto out;
    }
    if (!check_report(c, check_finite(all, m * dim, &bad), name,
                      "expected finite "
                      "values, saw %g at row %llu entry %llu",
                      all[bad], (unsigned long long)(bad / dim),
                      (unsigned long long)(bad % dim)))
        goto out;
    if (in->info.flags & BASIN_DATA_BINARY) {
        for (bad = 0; bad < m * dim && (all[bad] == 1.0f || all[bad] == -1.0f); bad++)
            ;
        snprintf(name, sizeof name, "binary-%s", sname);
        if (!check_report(c, bad == m * dim, name,
                          "expected every entry -1 or +1 "
                          "(BASIN_DATA_BINARY), saw %g at row %llu entry %llu",
                          bad < m * dim ? all[bad] : 0.0, (unsigned long long)(bad / dim),
                          (unsigned long long)(bad % dim)))
            goto out;
    }

    snprintf(name, sizeof name, "pieces-%s", sname);
    for (uint64_t first = 0, size = 1; first < m; first += size, size++) {
        if (size > m - first)
            size = m - first;
        if ((rc = read_rows(c, in, split, first, size, piece + first * dim))) {
            check_call_failed(c, name, &in->base.job, rc);
            goto out;
        }
    }
    uint64_t k = 0;
    while (k < m * dim && all[k] == piece[k])
        k++;
    if (k == m * dim && m < n_rows) {
        /* The last row alone and as the second row of a read of two. */
        float *two = piece;
        if (!(rc = read_rows(c, in, split, n_rows - 2, 2, two)) &&
            !(rc = read_rows(c, in, split, n_rows - 1, 1, two + 2 * dim)) &&
            memcmp(two + dim, two + 2 * dim, dim * sizeof *two))
            k = 0;
        if (rc) {
            check_call_failed(c, name, &in->base.job, rc);
            goto out;
        }
    }
    if (check_report(c, k == m * dim, name,
                     "expected the rows read in one call, "
                     "saw row %llu differ when read in pieces",
                     (unsigned long long)(k / dim))) {
        *out = all;
        *m_out = m;
        all = NULL;
    }
out:
    free(all);
    free(piece);
}

/* Out-of-range reads fail. A plugin that reads anyway writes into a buffer of
   two rows, so a wrong answer is a FAIL and not a crash. */
static void check_range(check_ctx *c, instance *in)
{
    const uint32_t dim = in->info.dim;
    float *buf = check_alloc(2 * (uint64_t)dim);
    if (!buf)
        return;
    const struct {
        int split;
        uint64_t first, count;
        const char *what;
    } CASES[] = {
        {BASIN_SPLIT_TRAIN, in->info.n_train, 1, "train row n_train"},
        {BASIN_SPLIT_TRAIN, in->info.n_train - 1, 2, "train rows n_train-1..n_train"},
        {BASIN_SPLIT_TRAIN, UINT64_MAX, 2, "train rows from 2^64-1 (overflow)"},
        {BASIN_SPLIT_HELDOUT, in->info.n_heldout, 1, "heldout row n_heldout"},
        {7, 0, 1, "split 7"},
    };
    const char *wrong = NULL;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0] && !wrong; i++)
        if (read_rows(c, in, CASES[i].split, CASES[i].first, CASES[i].count, buf) == 0 ||
            !check_guard_intact(buf, 2 * (uint64_t)dim))
            wrong = CASES[i].what;
    check_report(c, !wrong, "read-range",
                 "expected an error status for reading %s, "
                 "saw %s",
                 wrong,
                 wrong && !check_guard_intact(buf, 2 * (uint64_t)dim)
                     ? "writes past the rows"
                     : "0 (success)");
    free(buf);
}

static void check_spectrum(check_ctx *c, instance *in)
{
    const uint32_t dim = in->info.dim;
    double *ev = malloc((size_t)dim * sizeof *ev);
    if (!ev)
        return;
    for (uint32_t i = 0; i < dim; i++)
        ev[i] = NAN;
    host_job_clear_error(&in->base.job);
    int rc = iface_of(c)->spectrum(in->base.self, &in->base.job.table, ev);
    if (rc == BASIN_EUNSUPPORTED) {
        check_skip(c, "spectrum", "the dataset does not know its law's spectrum (%s)",
                   host_job_error(&in->base.job, rc));
    } else if (rc) {
        check_call_failed(c, "spectrum", &in->base.job, rc);
    } else {
        uint32_t i = 0;
        double top = 0;
        while (i < dim && isfinite(ev[i]) && ev[i] >= 0 && (i == 0 || ev[i] <= ev[i - 1]))
            top = fmax(top, ev[i++]);
        check_report(c, i == dim && top > 0, "spectrum",
                     "expected %u finite, "
                     "non-negative, descending eigenvalues, not all 0, saw %s%g at %u",
                     dim, i == dim ? "all 0: " : "", i == dim ? 0.0 : ev[i], i);
    }
    free(ev);
}

static void check_law_distance(check_ctx *c, instance *in, const float *rows, uint64_t m)
{
    uint64_t n = m < 64 ? m : 64;
    double *dist = malloc((size_t)n * sizeof *dist);
    if (!dist)
        return;
    for (uint64_t i = 0; i < n; i++)
        dist[i] = NAN;
    host_job_clear_error(&in->base.job);
    int rc = iface_of(c)->law_distance(in->base.self, &in->base.job.table, rows, n, dist);
    if (rc == BASIN_EUNSUPPORTED) {
        check_skip(c, "law-distance",
                   "the dataset does not know its law's support "
                   "(%s)",
                   host_job_error(&in->base.job, rc));
    } else if (rc) {
        check_call_failed(c, "law-distance", &in->base.job, rc);
    } else {
        uint64_t i = 0;
        while (i < n && isfinite(dist[i]) && dist[i] >= 0)
            i++;
        check_report(c, i == n, "law-distance",
                     "expected finite distances >= 0, "
                     "saw %g for training row %llu",
                     i < n ? dist[i] : 0.0, (unsigned long long)i);
    }
    free(dist);
}

/* ------------------------------------------------------------------ labels */

/* Past-the-end guard of a label buffer. */
#define LABEL_GUARD INT32_MIN

static int read_labels(check_ctx *c, instance *in, int split, uint64_t first,
                       uint64_t count, int32_t *labels)
{
    host_job_clear_error(&in->base.job);
    return iface_of(c)->labels(in->base.self, &in->base.job.table, split, first, count,
                               labels);
}

/* m + 1 labels set to LABEL_GUARD (m >= 1), or NULL. */
static int32_t *label_buffer(uint64_t m)
{
    int32_t *x = malloc((size_t)(m + 1) * sizeof *x);
    for (uint64_t i = 0; x && i <= m; i++)
        x[i] = LABEL_GUARD;
    return x;
}

/* The labels of one split (n_rows of them; see the top). Returns 1 when they
   were read and checked, 0 after a FAIL, -1 when the split has none
   (BASIN_EUNSUPPORTED: a skip). The first m are left in *out. */
static int check_label_split(check_ctx *c, instance *in, int split, uint64_t n_rows,
                             int32_t **out, uint64_t *m_out)
{
    const char *sname = split == BASIN_SPLIT_TRAIN ? "train" : "heldout";
    const uint64_t m = n_rows < MAX_ROWS ? n_rows : MAX_ROWS;
    char name[32];
    snprintf(name, sizeof name, "labels-%s", sname);
    *out = NULL;
    int32_t *all = label_buffer(m), *again = label_buffer(m);
    int result = 0, rc;
    if (!all || !again)
        goto out;
    if ((rc = read_labels(c, in, split, 0, m, all)) == BASIN_EUNSUPPORTED) {
        check_skip(c, name, "%s", host_job_error(&in->base.job, rc));
        result = -1;
        goto out;
    }
    if (rc) {
        check_call_failed(c, name, &in->base.job, rc);
        goto out;
    }
    uint64_t k = 0;
    while (k < m && all[k] >= 0)
        k++;
    if (!check_report(c, all[m] == LABEL_GUARD && k == m, name,
                      "expected %llu labels >= 0 and nothing past them, saw %s %lld at "
                      "%llu",
                      (unsigned long long)m,
                      all[m] != LABEL_GUARD ? "a write past them:" : "",
                      (long long)(all[m] != LABEL_GUARD ? all[m] : all[k]),
                      (unsigned long long)(all[m] != LABEL_GUARD ? m : k)))
        goto out;
    /* Read again, and in pieces of 1, 2, 3, ... */
    snprintf(name, sizeof name, "labels-pieces-%s", sname);
    const char *how = "read again";
    if ((rc = read_labels(c, in, split, 0, m, again)) == 0 &&
        !memcmp(all, again, (size_t)m * sizeof *all)) {
        how = "read in pieces";
        for (uint64_t first = 0, size = 1; !rc && first < m; first += size, size++)
            rc = read_labels(c, in, split, first, size < m - first ? size : m - first,
                             again + first);
    }
    k = 0;
    while (!rc && k < m && all[k] == again[k])
        k++;
    if (!rc && k == m) {
        /* The last label alone and as the second of a read of two. */
        int32_t two[3];
        how = "the last read alone";
        if (n_rows >= 2 && !(rc = read_labels(c, in, split, n_rows - 2, 2, two)) &&
            !(rc = read_labels(c, in, split, n_rows - 1, 1, two + 2)) && two[1] != two[2])
            k = 0;
    }
    if (rc) {
        check_call_failed(c, name, &in->base.job, rc);
        goto out;
    }
    if (check_report(c, k == m, name,
                     "expected the same labels from every read, saw label %llu differ "
                     "when %s",
                     (unsigned long long)k, how)) {
        result = 1;
        *out = all;
        *m_out = m;
        all = NULL;
    }
out:
    free(all);
    free(again);
    return result;
}

/* Out-of-range label reads fail, and write nothing (a buffer of two labels). */
static void check_label_range(check_ctx *c, instance *in)
{
    const struct {
        int split;
        uint64_t first, count;
        const char *what;
    } CASES[] = {
        {BASIN_SPLIT_TRAIN, in->info.n_train, 1, "train label n_train"},
        {BASIN_SPLIT_TRAIN, in->info.n_train - 1, 2, "train labels n_train-1..n_train"},
        {BASIN_SPLIT_TRAIN, UINT64_MAX, 2, "train labels from 2^64-1 (overflow)"},
        {BASIN_SPLIT_HELDOUT, in->info.n_heldout, 1, "heldout label n_heldout"},
        {7, 0, 1, "split 7"},
    };
    int32_t buf[3] = {LABEL_GUARD, LABEL_GUARD, LABEL_GUARD};
    const char *wrong = NULL;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0] && !wrong; i++)
        if (read_labels(c, in, CASES[i].split, CASES[i].first, CASES[i].count, buf) == 0)
            wrong = CASES[i].what;
    check_report(c, !wrong, "labels-range",
                 "expected an error status for the labels of %s, saw 0 (success)", wrong);
}

/* The labels battery (see the top); skipped when the training split has none. */
static void check_labels(check_ctx *c, instance *a)
{
    int32_t *train = NULL, *held = NULL;
    uint64_t m = 0, m_held = 0;
    if (check_label_split(c, a, BASIN_SPLIT_TRAIN, a->info.n_train, &train, &m) != 1)
        return;
    if (a->info.n_heldout)
        check_label_split(c, a, BASIN_SPLIT_HELDOUT, a->info.n_heldout, &held, &m_held);
    check_label_range(c, a);
    instance b;
    if (make(c, &b, "labels-deterministic")) {
        int32_t *again = label_buffer(m);
        int rc = again ? read_labels(c, &b, BASIN_SPLIT_TRAIN, 0, m, again) : 0;
        if (rc)
            check_call_failed(c, "labels-deterministic", &b.base.job, rc);
        else if (again)
            check_report(c, !memcmp(again, train, (size_t)m * sizeof *again),
                         "labels-deterministic",
                         "expected the same training labels from a second instance with "
                         "the same seed, saw them differ");
        free(again);
        check_instance_end(&b.base);
    }
    free(train);
    free(held);
}

void check_dataset(check_ctx *c)
{
    const basin_dataset_iface *f = iface_of(c);
    instance a, b;
    if (!make(c, &a, "create"))
        return;
    check_report(c, 1, "create", NULL);
    const basin_dataset_info *info = &a.info;
    uint64_t image = (uint64_t)info->height * info->width * info->channels;
    int no_image = !info->height && !info->width && !info->channels;
    const char *bad = info->n_train < 1                    ? "n_train = 0"
                      : info->dim < 1                      ? "dim = 0"
                      : (info->flags & ~BASIN_DATA_BINARY) ? "unknown flags"
                      : !no_image && image != info->dim
                          ? "height x width x channels != dim"
                          : NULL;
    char seen[160];
    snprintf(seen, sizeof seen,
             "n_train %llu, n_heldout %llu, dim %u, flags %#x, "
             "image %ux%ux%u",
             (unsigned long long)info->n_train, (unsigned long long)info->n_heldout,
             info->dim, info->flags, info->height, info->width, info->channels);
    if (!check_report(c, !bad, "info",
                      "expected n_train >= 1, dim >= 1, known "
                      "flags and an image shape of 0s or with product dim; saw %s (%s)",
                      bad, seen)) {
        check_instance_end(&a.base);
        return;
    }

    float *train = NULL, *heldout = NULL;
    uint64_t m_train = 0, m_heldout = 0;
    check_split(c, &a, BASIN_SPLIT_TRAIN, info->n_train, &train, &m_train);
    if (info->n_heldout)
        check_split(c, &a, BASIN_SPLIT_HELDOUT, info->n_heldout, &heldout, &m_heldout);
    check_range(c, &a);

    if (train && make(c, &b, "deterministic")) {
        int same = !memcmp(&a.info, &b.info, sizeof a.info);
        float *rows = malloc((size_t)(m_train > m_heldout ? m_train : m_heldout) *
                             a.info.dim * sizeof *rows);
        int rc = 0;
        if (same && rows) {
            rc = read_rows(c, &b, BASIN_SPLIT_TRAIN, 0, m_train, rows);
            same = !rc && !memcmp(rows, train, m_train * a.info.dim * sizeof *rows);
            if (same && heldout) {
                rc = read_rows(c, &b, BASIN_SPLIT_HELDOUT, 0, m_heldout, rows);
                same =
                    !rc && !memcmp(rows, heldout, m_heldout * a.info.dim * sizeof *rows);
            }
        }
        if (rc)
            check_call_failed(c, "deterministic", &b.base.job, rc);
        else if (rows)
            check_report(c, same, "deterministic",
                         "expected the same info and rows "
                         "from a second instance with the same seed, saw them "
                         "differ");
        free(rows);
        check_instance_end(&b.base);
    }
    if (HAS(f, spectrum))
        check_spectrum(c, &a);
    if (HAS(f, law_distance) && train)
        check_law_distance(c, &a, train, m_train);
    if (HAS(f, labels))
        check_labels(c, &a);
    free(train);
    free(heldout);
    check_instance_end(&a.base);
}
