#include "run/measure_samples.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run/job.h"
#include "measure/measure.h"
#include "kernels/nearest.h"
#include "kernels/npy.h"
#include "registry/param.h"
#include "base/progress.h"
#include "results/tables.h"
#include "results/atomic_file.h"
#include "base/toml.h"
#include "recipe/sections.h"
#include "base/clock.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

const char USAGE_MEASURE[] =
    "usage: basin measure --train T.npy --samples G.npy [--heldout H.npy]\n"
    "                     [--rule auto|pham|ratio|overlap] [--set measure.KEY=V]...\n"
    "                     [--out DIR] [--chunk ROWS] [--quiet]\n"
    "\n"
    "Classify samples produced anywhere as memorized, spurious or generalized with\n"
    "the same measures as `basin run` (see `basin describe measure`), and write\n"
    "records.csv, summary.csv and run.toml to DIR (default results/measure).\n"
    "Files are .npy float32 or float64 matrices with the same row length.\n"
    "\n"
    "  --train T.npy    the training set (K rows)\n"
    "  --samples G.npy  the samples to classify\n"
    "  --heldout H.npy  held-out points of the data law: d_h, and the overlap\n"
    "                   rule's generalized class\n"
    "  --rule R         measure.rule; auto is overlap when every training entry is\n"
    "                   -1 or +1, pham otherwise\n"
    "  --set measure.KEY=V  another [measure] value (delta_m, delta_s, ratio,\n"
    "                   threshold, confidence)\n"
    "  --chunk ROWS     rows per block (default: 16 MiB of floats); memory is\n"
    "                   about two blocks\n"
    "  --quiet          do not print the summary\n";

#define CHUNK_BYTES (16u << 20)

/* A run of one point and no sweep axes: what report.c's writers are given for
   the header of records.csv and the row of summary.csv. */
static const recipe NO_SWEEP = {.n_points = 1, .repeats = 1};

enum { IN_TRAIN, IN_SAMPLES, IN_HELDOUT, N_INPUTS };
static const char *const INPUT_NAMES[N_INPUTS] = {"train", "samples", "heldout"};

typedef struct measurer {
    npy_reader in[N_INPUTS];
    int have[N_INPUTS];
    uint32_t dim;
    uint64_t chunk;
    measure_rule rule;
    basin_value values[MEASURE_N_PARAMS];
    float *query, *ref;    /* chunk × dim each */
    nearest2 *best, *part; /* chunk each */
    measure_distance *dist;
    measure_overlap *over, *over_part;
    progress *bar;
    point_stats t; /* the one point's statistics, as a run keeps them */
} measurer;

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "basin: measure: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see `basin help measure`)\n");
    return 2;
}

/* --set [measure.]KEY=VALUE (VALUE in TOML syntax, or a bare word) into values.
   Nodes are kept in *keep (freed by the caller): strings point into them. */
static int apply_set(const char *set, basin_value *values, toml_node **keep, char *err,
                     size_t n_err)
{
    const char *eq = strchr(set, '=');
    if (!eq) {
        snprintf(err, n_err, "--set %s: expected measure.KEY=VALUE", set);
        return -1;
    }
    char key[64];
    size_t n_key = (size_t)(eq - set);
    if (n_key >= sizeof key) {
        snprintf(err, n_err, "--set: key too long");
        return -1;
    }
    memcpy(key, set, n_key);
    key[n_key] = 0;
    const char *name = strncmp(key, "measure.", 8) == 0 ? key + 8 : key;
    long row = param_find(measure_params, name);
    if (row < 0 || row == MEASURE_COLLAPSE || row == MEASURE_CLONES ||
        row == MEASURE_CLONE_T_MAX) {
        snprintf(err, n_err, "--set %s: %s", key,
                 row < 0 ? "not a [measure] key (see `basin describe measure`)"
                         : "needs trajectories, which basin measure does not have");
        return -1;
    }
    size_t n_doc = strlen(eq + 1) + 8;
    char *doc = malloc(n_doc);
    if (!doc) {
        snprintf(err, n_err, "out of memory");
        return -1;
    }
    snprintf(doc, n_doc, "v = %s", eq + 1);
    toml_node *parsed = NULL;
    if (toml_parse_text(doc, strlen(doc), "--set", &parsed, NULL) != 0) {
        /* A bare word (--set measure.rule=ratio) is a string. */
        toml_free(parsed);
        parsed = NULL;
        snprintf(doc, n_doc, "v = \"%s\"", eq + 1);
        if (strchr(eq + 1, '"') || strchr(eq + 1, '\\') ||
            toml_parse_text(doc, strlen(doc), "--set", &parsed, NULL) != 0) {
            free(doc);
            toml_free(parsed);
            snprintf(err, n_err, "--set %s: cannot read value '%s'", key, eq + 1);
            return -1;
        }
    }
    free(doc);
    char msg[256];
    if (param_from_toml(&measure_params[row], toml_get(parsed, "v"), &values[row], msg,
                        sizeof msg)) {
        toml_free(parsed);
        snprintf(err, n_err, "--set %s: %s", key, msg);
        return -1;
    }
    toml_free(*keep);
    *keep = parsed;
    return 0;
}

/* Scan a whole input once: every value finite (npy_read_rows checks), and
   whether every entry is ±1. */
static int scan(measurer *m, npy_reader *r, int *binary, char *err, size_t n_err)
{
    *binary = 1;
    for (uint64_t r0 = 0; r0 < r->rows; r0 += m->chunk) {
        uint64_t n = r->rows - r0 < m->chunk ? r->rows - r0 : m->chunk;
        if (npy_read_rows(r, r0, n, m->ref, err, n_err))
            return -1;
        for (size_t i = 0; *binary && i < (size_t)(n * m->dim); i++)
            *binary = m->ref[i] == 1.0f || m->ref[i] == -1.0f;
    }
    return 0;
}

/* The two nearest rows of input `which` to the nq queries (rows q0... of the
   samples), streamed a block at a time into m->best. */
static int nearest_stream(measurer *m, int which, uint64_t q0, uint64_t nq, char *err,
                          size_t n_err)
{
    npy_reader *r = &m->in[which];
    for (uint64_t i = 0; i < nq; i++) {
        m->best[i].index[0] = m->best[i].index[1] = -1;
        m->best[i].dist2[0] = m->best[i].dist2[1] = INFINITY;
    }
    for (uint64_t r0 = 0; r0 < r->rows; r0 += m->chunk) {
        uint64_t nr = r->rows - r0 < m->chunk ? r->rows - r0 : m->chunk;
        /* Samples against samples: the diagonal block is the queries themselves,
           and a sample is not its own neighbour (d_s). */
        int self = which == IN_SAMPLES && r0 == q0;
        const float *ref = self ? m->query : m->ref;
        if (!self && npy_read_rows(r, r0, nr, m->ref, err, n_err))
            return 2;
        if (nearest_two(m->query, nq, ref, nr, m->dim, 1.0, self ? 0 : -1, m->part)) {
            snprintf(err, n_err, "out of memory");
            return 1;
        }
        for (uint64_t i = 0; i < nq; i++)
            for (int t = 0; t < 2; t++)
                if (m->part[i].index[t] >= 0)
                    nearest_keep(&m->best[i], m->part[i].dist2[t],
                                 m->part[i].index[t] + (int64_t)r0);
        progress_add(m->bar, 1);
    }
    return 0;
}

/* Top-three overlaps with the training set and the largest |m| with held-out
   points, streamed into m->over. */
static int overlap_stream(measurer *m, uint64_t nq, char *err, size_t n_err)
{
    for (uint64_t i = 0; i < nq; i++) {
        m->over[i].pattern = -1;
        m->over[i].top[0] = m->over[i].top[1] = m->over[i].top[2] = NAN;
        m->over[i].heldout = NAN;
    }
    for (int which = IN_TRAIN; which <= IN_HELDOUT; which += 2) {
        npy_reader *r = &m->in[which];
        for (uint64_t r0 = 0; m->have[which] && r0 < r->rows; r0 += m->chunk) {
            uint64_t nr = r->rows - r0 < m->chunk ? r->rows - r0 : m->chunk;
            if (npy_read_rows(r, r0, nr, m->ref, err, n_err))
                return 2;
            int rc =
                which == IN_HELDOUT
                    ? measure_heldout_overlaps(m->query, nq, m->ref, nr, m->dim, m->over)
                    : measure_overlaps(m->query, nq, m->ref, nr, m->dim, m->over_part);
            if (rc) {
                snprintf(err, n_err, "out of memory");
                return 1;
            }
            for (uint64_t i = 0; which == IN_TRAIN && i < nq; i++) {
                measure_overlap *o = &m->over[i];
                const measure_overlap *p = &m->over_part[i];
                /* Merge the block's three into the running three; the block's
                   largest comes first, so only it can become the new largest. */
                for (int k = 0; k < 3 && !isnan(p->top[k]); k++)
                    measure_overlap_keep(o, p->top[k], p->pattern + (int64_t)r0);
            }
            progress_add(m->bar, 1);
        }
    }
    return 0;
}

/* records.csv rows of one block of samples, in a run's layout
   (report_records_header; one job, no sweep: job, point and repeat are 0; start
   -1; converged 1; no energy, and NaN for what needs a model or trajectories). */
static void write_records(measurer *m, FILE *f, uint64_t q0, uint64_t nq)
{
    const basin_value *v = m->values;
    for (uint64_t i = 0; i < nq; i++) {
        measure_class c;
        if (m->rule == MEASURE_OVERLAP) {
            c = measure_classify_overlap(&m->over[i], 1, v[MEASURE_THRESHOLD].number);
        } else {
            const measure_distance *d = &m->dist[i];
            c = measure_classify_distance(d, 1, m->rule, v[MEASURE_DELTA_M].number,
                                          v[MEASURE_DELTA_S].number,
                                          v[MEASURE_RATIO].number);
            m->t.ratio_memorized +=
                measure_classify_distance(d, 1, MEASURE_RATIO_RULE, 0, 0,
                                          v[MEASURE_RATIO].number) == MEASURE_MEMORIZED;
            m->t.d_m_sum += d->d_m;
        }
        m->t.counts[c]++;
        m->t.samples++;
        fprintf(f, "0,0,0,%llu,-1,%s,1,0,nan,", (unsigned long long)(q0 + i),
                measure_class_name(c));
        if (m->rule == MEASURE_OVERLAP) {
            const measure_overlap *o = &m->over[i];
            fprintf(f, "%lld", (long long)o->pattern);
            for (int k = 0; k < 3; k++) {
                fputc(',', f);
                report_csv_real(f, o->top[k]);
            }
            fputc(',', f);
            report_csv_real(f, o->heldout);
        } else {
            const measure_distance *d = &m->dist[i];
            fprintf(f, "%lld", (long long)d->nearest);
            /* d_law, t_collapse, t_collapse_ou, d_pair, cos_pair: NaN. */
            double fields[] = {d->d_m, d->d_2, d->d_s, d->d_h, NAN, NAN, NAN, NAN, NAN};
            for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
                fputc(',', f);
                report_csv_real(f, fields[k]);
            }
        }
        fputc('\n', f);
    }
}

/* A TOML basic string: the path with quotes and backslashes escaped. */
static void toml_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void write_run_toml(const measurer *m, FILE *f)
{
    fprintf(f,
            "# basin measure: samples made elsewhere, classified by the core's "
            "measures.\n# basin %s, plugin ABI %d.%d\n",
            BASIN_VERSION, BASIN_ABI_MAJOR, BASIN_ABI_MINOR);
    fprintf(f, "# Repeat with: basin measure --train TRAIN --samples SAMPLES "
               "[--heldout HELDOUT]\n#   --set measure.KEY=VALUE for each key below.\n");
    fprintf(f, "\n[inputs]\n");
    for (int k = 0; k < N_INPUTS; k++) {
        if (!m->have[k])
            continue;
        char *real = realpath(m->in[k].path, NULL);
        fprintf(f, "%s = ", INPUT_NAMES[k]);
        toml_string(f, real ? real : m->in[k].path);
        fprintf(f, "\n%s_rows = %llu\n", INPUT_NAMES[k],
                (unsigned long long)m->in[k].rows);
        free(real);
    }
    fprintf(f, "dim = %u\n\n[measure]\n", m->dim);
    for (int k = 0; k < MEASURE_N_PARAMS; k++) {
        if (k == MEASURE_COLLAPSE || k == MEASURE_CLONES || k == MEASURE_CLONE_T_MAX)
            continue;
        fprintf(f, "%s = ", measure_params[k].name);
        if (k == MEASURE_RULE)
            fprintf(f, "\"%s\"",
                    m->rule == MEASURE_OVERLAP ? "overlap"
                    : m->rule == MEASURE_PHAM  ? "pham"
                                               : "ratio");
        else
            param_write_toml(f, &measure_params[k], m->values[k]);
        fputc('\n', f);
    }
}

static void print_summary(const measurer *m, const char *dir, double seconds)
{
    double confidence = m->values[MEASURE_CONFIDENCE].number;
    printf("measure: %llu samples against %llu training points (N = %u, rule %s) "
           "in %.2f s -> %s\n",
           (unsigned long long)m->t.samples, (unsigned long long)m->in[IN_TRAIN].rows,
           m->dim,
           m->rule == MEASURE_OVERLAP ? "overlap"
           : m->rule == MEASURE_PHAM  ? "pham"
                                      : "ratio",
           seconds, dir);
    for (int c = 0; c < 3; c++) {
        double lo, hi;
        measure_rate_interval(m->t.counts[c], m->t.samples, confidence, &lo, &hi);
        printf("  %-12s %.3f [%.3f, %.3f]\n", measure_class_name((measure_class)c),
               (double)m->t.counts[c] / (double)m->t.samples, lo, hi);
    }
}

static void measurer_free(measurer *m)
{
    for (int k = 0; k < N_INPUTS; k++)
        npy_close(&m->in[k]);
    free(m->query);
    free(m->ref);
    free(m->best);
    free(m->part);
    free(m->dist);
    free(m->over);
    free(m->over_part);
    progress_free(m->bar);
}

/* Open, check and scan the inputs, size the blocks. 0 or an exit status. */
static int prepare(measurer *m, const char *const *paths, uint64_t chunk_rows,
                   const char *rule_name, char *err, size_t n_err)
{
    for (int k = 0; k < N_INPUTS; k++) {
        m->have[k] = paths[k] != NULL;
        if (m->have[k] && npy_open(&m->in[k], paths[k], err, n_err))
            return 2;
    }
    m->dim = m->in[IN_TRAIN].dim;
    for (int k = IN_SAMPLES; k < N_INPUTS; k++)
        if (m->have[k] && m->in[k].dim != m->dim) {
            snprintf(err, n_err,
                     "%s: rows of %u values, but the training set %s has "
                     "%u",
                     paths[k], m->in[k].dim, paths[IN_TRAIN], m->dim);
            return 2;
        }
    uint64_t most = m->in[IN_SAMPLES].rows;
    for (int k = 0; k < N_INPUTS; k++)
        if (m->have[k] && m->in[k].rows > most)
            most = m->in[k].rows;
    m->chunk = chunk_rows ? chunk_rows : CHUNK_BYTES / 4 / m->dim;
    m->chunk = m->chunk < 1 ? 1 : m->chunk > most ? most : m->chunk;
    size_t floats = (size_t)(m->chunk * m->dim), rows = (size_t)m->chunk;
    m->query = malloc(floats * sizeof *m->query);
    m->ref = malloc(floats * sizeof *m->ref);
    m->best = malloc(rows * sizeof *m->best);
    m->part = malloc(rows * sizeof *m->part);
    m->dist = malloc(rows * sizeof *m->dist);
    m->over = malloc(rows * sizeof *m->over);
    m->over_part = malloc(rows * sizeof *m->over_part);
    if (!m->query || !m->ref || !m->best || !m->part || !m->dist || !m->over ||
        !m->over_part) {
        snprintf(err, n_err,
                 "out of memory for blocks of %llu rows of %u values "
                 "(try --chunk)",
                 (unsigned long long)m->chunk, m->dim);
        return 2;
    }
    int binary = 0, ignored;
    for (int k = 0; k < N_INPUTS; k++)
        if (m->have[k] &&
            scan(m, &m->in[k], k == IN_TRAIN ? &binary : &ignored, err, n_err))
            return 2;
    m->rule = measure_rule_of(rule_name, binary);
    return 0;
}

int cmd_measure(int argc, char **argv)
{
    const char *paths[N_INPUTS] = {NULL, NULL, NULL};
    const char *out_dir = "results/measure";
    uint64_t chunk_rows = 0;
    int quiet = 0;
    measurer m;
    memset(&m, 0, sizeof m);
    for (int k = 0; k < MEASURE_N_PARAMS; k++)
        m.values[k] = param_default(&measure_params[k]);
    /* --set values whose strings must outlive parsing: one node per option. */
    toml_node **keep = calloc((size_t)argc + 1, sizeof *keep);
    char err[2048];
    int status = keep ? 0 : 1;
    if (!keep)
        fprintf(stderr, "basin: out of memory\n");
    for (int i = 0; i < argc && !status; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(USAGE_MEASURE, stdout);
            free(keep);
            return 0;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
            continue;
        }
        static const char *const VALUED[] = {
            "--train", "--samples", "--heldout", "--rule", "--set", "--out", "--chunk"};
        size_t o = 0;
        while (o < 7 && strcmp(a, VALUED[o]) != 0)
            o++;
        if (o == 7) {
            status = a[0] == '-' ? bad_usage("unknown option '%s'", a)
                                 : bad_usage("unexpected argument '%s'", a);
            break;
        }
        if (i + 1 >= argc) {
            status = bad_usage("%s needs a value", a);
            break;
        }
        const char *v = argv[++i];
        if (o < 3) {
            paths[o] = v;
        } else if (o == 3 || o == 4) {
            char set[512];
            if (o == 3)
                snprintf(set, sizeof set, "measure.rule=%s", v);
            if (apply_set(o == 3 ? set : v, m.values, &keep[i], err, sizeof err)) {
                fprintf(stderr, "basin: measure: %s\n", err);
                status = 2;
            }
        } else if (o == 5) {
            out_dir = v;
        } else {
            char *end;
            errno = 0;
            unsigned long long c = strtoull(v, &end, 10);
            if (errno || *end || c < 1 || c > (1ull << 32))
                status = bad_usage("--chunk needs a row count in [1, 2^32], not '%s'", v);
            chunk_rows = c;
        }
    }
    if (!status && (!paths[IN_TRAIN] || !paths[IN_SAMPLES]))
        status = bad_usage("needs --train and --samples%s", "");
    if (status) {
        for (int i = 0; i <= argc; i++)
            toml_free(keep[i]);
        free(keep);
        return status;
    }

    double started = clock_seconds();
    status =
        prepare(&m, paths, chunk_rows, m.values[MEASURE_RULE].string, err, sizeof err);

    /* The outputs, each under a temporary name until everything succeeded. */
    enum { F_RECORDS, F_SUMMARY, F_RUN, N_FILES };
    static const char *const NAMES[N_FILES] = {"records.csv", "summary.csv", "run.toml"};
    results_file files[N_FILES];
    memset(files, 0, sizeof files);
    struct stat st;
    int dir_existed = stat(out_dir, &st) == 0;
    if (!status && results_make_dir(out_dir, err, sizeof err))
        status = 2;
    for (int k = 0; k < N_FILES && !status; k++)
        if (results_open(&files[k], out_dir, NAMES[k], err, sizeof err))
            status = 2;

    if (!status) {
        FILE *rec = files[F_RECORDS].f;
        report_records_header(rec, &NO_SWEEP, m.rule == MEASURE_OVERLAP);
        uint64_t n = m.in[IN_SAMPLES].rows, blocks = (n + m.chunk - 1) / m.chunk;
        uint64_t per = 0;
        for (int k = 0; k < N_INPUTS; k++)
            if (m.have[k] && (k != IN_SAMPLES || m.rule != MEASURE_OVERLAP))
                per += (m.in[k].rows + m.chunk - 1) / m.chunk;
        m.bar = progress_new(blocks * per, !quiet && isatty(STDERR_FILENO));
        double norm = 1.0 / m.dim;
        for (uint64_t q0 = 0; q0 < n && !status; q0 += m.chunk) {
            uint64_t nq = n - q0 < m.chunk ? n - q0 : m.chunk;
            if (npy_read_rows(&m.in[IN_SAMPLES], q0, nq, m.query, err, sizeof err)) {
                status = 2;
                break;
            }
            if (m.rule == MEASURE_OVERLAP) {
                status = overlap_stream(&m, nq, err, sizeof err);
            } else {
                status = nearest_stream(&m, IN_TRAIN, q0, nq, err, sizeof err);
                for (uint64_t i = 0; !status && i < nq; i++) {
                    m.dist[i].nearest = m.best[i].index[0];
                    m.dist[i].d_m = sqrt(m.best[i].dist2[0] * norm);
                    m.dist[i].d_2 =
                        m.best[i].index[1] >= 0 ? sqrt(m.best[i].dist2[1] * norm) : NAN;
                    m.dist[i].d_s = m.dist[i].d_h = NAN;
                }
                if (!status && n > 1)
                    status = nearest_stream(&m, IN_SAMPLES, q0, nq, err, sizeof err);
                for (uint64_t i = 0; !status && n > 1 && i < nq; i++)
                    m.dist[i].d_s = sqrt(m.best[i].dist2[0] * norm);
                if (!status && m.have[IN_HELDOUT])
                    status = nearest_stream(&m, IN_HELDOUT, q0, nq, err, sizeof err);
                for (uint64_t i = 0; !status && m.have[IN_HELDOUT] && i < nq; i++)
                    m.dist[i].d_h = sqrt(m.best[i].dist2[0] * norm);
            }
            if (!status)
                write_records(&m, rec, q0, nq);
            if (!status && ferror(rec)) {
                snprintf(err, sizeof err, "%s: write error", files[F_RECORDS].tmp_path);
                status = 1;
            }
        }
        progress_free(m.bar);
        m.bar = NULL;
    }
    if (!status) {
        double seconds = clock_seconds() - started;
        size_t no_coords[1];
        m.t.seconds = seconds;
        report_summary(files[F_SUMMARY].f, &NO_SWEEP, &m.t,
                       m.values[MEASURE_CONFIDENCE].number, no_coords,
                       m.rule != MEASURE_OVERLAP, 0);
        write_run_toml(&m, files[F_RUN].f);
        for (int k = 0; k < N_FILES && !status; k++)
            if (results_commit(&files[k], err, sizeof err))
                status = 1;
        if (!status && !quiet)
            print_summary(&m, out_dir, seconds);
    }
    if (status)
        fprintf(stderr, "basin: measure: %s\n", err);
    for (int k = 0; k < N_FILES; k++)
        results_abandon(&files[k]);
    if (status && !dir_existed)
        rmdir(out_dir);
    measurer_free(&m);
    for (int i = 0; i <= argc; i++)
        toml_free(keep[i]);
    free(keep);
    return status;
}
