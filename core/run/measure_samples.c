#include "run/measure_samples.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/errmsg.h"
#include "kernels/npy.h"
#include "kernels/npz.h"
#include "base/options.h"
#include "base/progress.h"
#include "base/status.h"
#include "base/suggest.h"
#include "base/toml.h"
#include "kernels/nearest.h"
#include "measure/calibrate.h"
#include "measure/measure.h"
#include "measure/referee.h"
#include "recipe/sections.h"
#include "registry/registry.h"
#include "registry/param.h"
#include "results/atomic_file.h"
#include "results/folder.h"
#include "results/records.h"
#include "results/summary.h"
#include "run/space.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

const char measure_usage[] =
    "usage: basin measure --train T.npy --samples G.npy [--heldout H.npy]\n"
    "                     [--rule auto|pham|ratio|overlap] [--set measure.KEY=V]...\n"
    "                     [--space ID [--set space.KEY=V]...] [--out DIR]\n"
    "                     [--chunk ROWS] [--quiet]\n"
    "\n"
    "Classify samples produced anywhere as memorized, spurious, generalized or\n"
    "off_support with the same measures as `basin run` (see `basin describe\n"
    "measure`), and write records.csv, summary.csv and run.toml to DIR (default\n"
    "results/measure). Each input is a .npy file, an array of a .npz archive\n"
    "(A.npz when it holds one, A.npz:NAME to pick one; stored or deflated, as\n"
    "np.savez and np.savez_compressed write them) or - for standard input (one\n"
    "input at most), a matrix of float32, float64, float16, int32, int64, int8 or\n"
    "uint8 values (converted exactly to float32, float64 where it fits), all of\n"
    "the same row length.\n"
    "\n"
    "  --train T.npy    the training set (K rows)\n"
    "  --samples G.npy  the samples to classify\n"
    "  --heldout H.npy  held-out points of the data law: d_h, the calibration of\n"
    "                   delta_m, delta_s (\"auto\": at least as many rows as\n"
    "                   samples) and the support test, and the overlap rule's\n"
    "                   generalized class\n"
    "  --rule R         measure.rule; auto is overlap when every training entry is\n"
    "                   -1 or +1, pham otherwise\n"
    "  --set measure.KEY=V  another [measure] value (delta_m, delta_s, quantile,\n"
    "                   ratio, threshold, confidence)\n"
    "  --space ID       measure.space: measure the distances between the features\n"
    "                   of an embedding plugin (embeddings/pca, ...) fitted to the\n"
    "                   training set, normalized by sqrt(m); every input is then\n"
    "                   held in memory\n"
    "  --set space.KEY=V  a parameter of that embedding (`basin describe ID`)\n"
    "  --chunk ROWS     rows per block (default: 16 MiB of floats); memory is\n"
    "                   about two blocks\n"
    "  --quiet          do not print the summary\n";

#define CHUNK_BYTES (16u << 20)

/* A run of one point and no sweep axes: what the writers of records.csv and
   summary.csv are given. */
static const recipe NO_SWEEP = {.n_points = 1, .repeats = 1};

enum { IN_TRAIN, IN_SAMPLES, IN_HELDOUT, N_INPUTS };
static const char *const INPUT_NAMES[N_INPUTS] = {"train", "samples", "heldout"};

/* The outputs, each under a temporary name until everything succeeded. */
enum { F_RECORDS, F_SUMMARY, F_RUN, N_FILES };
static const char *const FILE_NAMES[N_FILES] = {"records.csv", "summary.csv", "run.toml"};

/* The command line. */
typedef struct measure_args {
    const char *paths[N_INPUTS];
    const char *out_dir;
    uint64_t chunk_rows; /* 0: CHUNK_BYTES of floats */
    int quiet;
    int help;
    toml_node **keep; /* --set values whose strings must outlive parsing */
    size_t n_keep;
    const char **space_sets; /* --set space.KEY=V, "KEY=V" (into argv) */
    size_t n_space_sets;
} measure_args;

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
    measure_class *cls;
    progress *bar;
    point_stats t; /* the one point's tally, as a run keeps it */
    /* measure.space (run/space.h): the embedding, its values and the features of
       each input, held whole; the distances read those instead of the files. */
    registry *reg;
    space sp;
    basin_value *space_values;
    toml_node **space_keep; /* the --set space values' nodes */
    size_t n_space_keep;
    const float *feat[N_INPUTS];
    calibration cal;   /* the distance rules' thresholds (measure/calibrate.h) */
    uint8_t *spurious; /* per sample: 1 when its class is spurious */
} measurer;

/* --set [measure.]KEY=VALUE (VALUE in TOML syntax, or a bare word) into values.
   Nodes are kept in *keep (freed by the caller): strings point into them. */
static int apply_set(const char *set, basin_value *values, toml_node **keep, char *err,
                     size_t n_err)
{
    const char *eq = strchr(set, '=');
    if (!eq) {
        snprintf(err, n_err, "--set %s: expected measure.KEY=VALUE", set);
        return BASIN_EINVAL;
    }
    char key[64];
    size_t n_key = (size_t)(eq - set);
    if (n_key >= sizeof key) {
        snprintf(err, n_err, "--set: key too long");
        return BASIN_EINVAL;
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
        return BASIN_EINVAL;
    }
    size_t n_doc = strlen(eq + 1) + 8;
    char *doc = malloc(n_doc);
    if (!doc) {
        snprintf(err, n_err, "out of memory");
        return BASIN_ENOMEM;
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
            return BASIN_EINVAL;
        }
    }
    free(doc);
    char msg[256];
    if (param_from_toml(&measure_params[row], toml_get(parsed, "v"), &values[row], msg,
                        sizeof msg)) {
        toml_free(parsed);
        snprintf(err, n_err, "--set %s: %s", key, msg);
        return BASIN_EINVAL;
    }
    toml_free(*keep);
    *keep = parsed;
    return BASIN_OK;
}

/* Scan a whole input once: every value finite (npy_read_rows checks), and
   whether every entry is ±1. */
static int scan(measurer *m, npy_reader *r, int *binary, char *err, size_t n_err)
{
    *binary = 1;
    for (uint64_t r0 = 0; r0 < r->rows; r0 += m->chunk) {
        uint64_t n = r->rows - r0 < m->chunk ? r->rows - r0 : m->chunk;
        int rc = npy_read_rows(r, r0, n, m->ref, err, n_err);
        if (rc)
            return rc;
        for (size_t i = 0; *binary && i < (size_t)(n * m->dim); i++)
            *binary = m->ref[i] == 1.0f || m->ref[i] == -1.0f;
    }
    return BASIN_OK;
}

/* Rows [r0, r0 + n) of input `which` into out: its features under a space, else
   from its file. */
static int read_rows(measurer *m, int which, uint64_t r0, uint64_t n, float *out,
                     char *err, size_t n_err)
{
    if (!m->feat[which])
        return npy_read_rows(&m->in[which], r0, n, out, err, n_err);
    memcpy(out, m->feat[which] + r0 * m->dim, (size_t)(n * m->dim) * sizeof *out);
    return BASIN_OK;
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
        int rc = self ? BASIN_OK : read_rows(m, which, r0, nr, m->ref, err, n_err);
        if (rc)
            return rc;
        if (nearest_two(m->query, nq, ref, nr, m->dim, 1.0, self ? 0 : -1, m->part)) {
            snprintf(err, n_err, "out of memory");
            return BASIN_ENOMEM;
        }
        for (uint64_t i = 0; i < nq; i++)
            for (int t = 0; t < 2; t++)
                if (m->part[i].index[t] >= 0)
                    nearest_keep(&m->best[i], m->part[i].dist2[t],
                                 m->part[i].index[t] + (int64_t)r0);
        progress_add(m->bar, 1);
    }
    return BASIN_OK;
}

/* Top-five overlaps (and the sixth) with the training set and the largest |m| with held-out
   points, streamed into m->over. */
static int overlap_stream(measurer *m, uint64_t nq, char *err, size_t n_err)
{
    for (uint64_t i = 0; i < nq; i++) {
        measure_overlap_clear(&m->over[i]);
        m->over[i].dim = m->dim;
    }
    for (int which = IN_TRAIN; which <= IN_HELDOUT; which += 2) {
        npy_reader *r = &m->in[which];
        for (uint64_t r0 = 0; m->have[which] && r0 < r->rows; r0 += m->chunk) {
            uint64_t nr = r->rows - r0 < m->chunk ? r->rows - r0 : m->chunk;
            int rc = npy_read_rows(r, r0, nr, m->ref, err, n_err);
            if (rc)
                return rc;
            rc = which == IN_HELDOUT
                     ? measure_heldout_overlaps(m->query, nq, m->ref, nr, m->dim, m->over)
                     : measure_overlaps(m->query, nq, m->ref, nr, m->dim, m->over_part);
            if (rc) {
                snprintf(err, n_err, "out of memory");
                return BASIN_ENOMEM;
            }
            for (uint64_t i = 0; which == IN_TRAIN && i < nq; i++) {
                measure_overlap *o = &m->over[i];
                const measure_overlap *p = &m->over_part[i];
                /* Merge the block's six into the running six; the block's
                   largest comes first, so only it can become the new largest. */
                for (int k = 0; k < MEASURE_TOP && !isnan(p->top[k]); k++)
                    measure_overlap_keep(o, p->top[k], p->pattern + (int64_t)r0);
                if (!isnan(p->next))
                    measure_overlap_keep(o, p->next, p->pattern + (int64_t)r0);
            }
            progress_add(m->bar, 1);
        }
    }
    return BASIN_OK;
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
    if (m->rule != MEASURE_OVERLAP) {
        fprintf(f,
                "\n# The thresholds used (calibrated where \"auto\", "
                "docs/science.md):\n# delta_m %.6g, delta_s %.6g, delta_h %.6g, "
                "quantile %g, support %s\n",
                m->cal.delta_m, m->cal.delta_s, m->cal.delta_h, m->cal.quantile,
                calibrate_support_name(m->cal.support));
    }
    if (!m->sp.active)
        return;
    const basin_param_def *params = registry_find(m->reg, m->sp.id)->descriptor->params;
    fprintf(f, "\n[space]\n# %s: repeat with --space %s --set space.KEY=VALUE\n",
            m->sp.id, m->sp.id);
    for (size_t k = 0; params[k].name; k++) {
        fprintf(f, "%s = ", params[k].name);
        param_write_toml(f, &params[k], m->space_values[k]);
        fputc('\n', f);
    }
}

static void print_summary(const measurer *m, const char *dir, double seconds)
{
    double confidence = m->values[MEASURE_CONFIDENCE].number;
    printf("measure: %llu samples against %llu training points (%s = %u, rule %s) "
           "in %.2f s -> %s\n",
           (unsigned long long)m->t.samples, (unsigned long long)m->in[IN_TRAIN].rows,
           m->sp.active ? m->sp.id : "N", m->dim,
           m->rule == MEASURE_OVERLAP ? "overlap"
           : m->rule == MEASURE_PHAM  ? "pham"
                                      : "ratio",
           seconds, dir);
    int judged = m->rule != MEASURE_OVERLAP && m->cal.support != CALIBRATE_SUPPORT_NONE;
    for (int c = 0; c <= MEASURE_OFF_SUPPORT; c++) {
        double lo, hi;
        if (c == MEASURE_OFF_SUPPORT && !judged)
            continue;
        measure_rate_interval(m->t.counts[c], m->t.samples, confidence, &lo, &hi);
        printf("  %-12s %.3f [%.3f, %.3f]\n", measure_class_name((measure_class)c),
               (double)m->t.counts[c] / (double)m->t.samples, lo, hi);
    }
    if (m->rule != MEASURE_OVERLAP)
        printf("  thresholds   delta_m %.4g, delta_s %.4g, delta_h %.4g "
               "(support: %s)\n",
               m->cal.delta_m, m->cal.delta_s, m->cal.delta_h,
               calibrate_support_name(m->cal.support));
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
    free(m->cls);
    free(m->spurious);
    referee_stats_free(&m->t);
    progress_free(m->bar);
    space_free(&m->sp);
    free(m->space_values);
    for (size_t i = 0; i < m->n_space_keep; i++)
        toml_free(m->space_keep[i]);
    free(m->space_keep);
    registry_free(m->reg);
}

/* Open the inputs and check their row lengths agree. */
static int open_inputs(measurer *m, const char *const *paths, char *err, size_t n_err)
{
    int from_stdin = 0;
    for (int k = 0; k < N_INPUTS; k++)
        from_stdin += paths[k] != NULL && strcmp(paths[k], "-") == 0;
    if (from_stdin > 1) {
        errmsg(err, n_err, "only one input can be read from stdin ('-')");
        return BASIN_EINVAL;
    }
    for (int k = 0; k < N_INPUTS; k++) {
        m->have[k] = paths[k] != NULL;
        /* .npy, an array of a .npz, or stdin; float32, float64, float16 or the
           integer dtypes (int32, int64, int8, uint8 as its integer values) */
        int rc = m->have[k]
                     ? npy_open_input(&m->in[k], paths[k], NPY_INTEGERS, err, n_err)
                     : BASIN_OK;
        if (rc)
            return rc;
    }
    m->dim = m->in[IN_TRAIN].dim;
    for (int k = IN_SAMPLES; k < N_INPUTS; k++)
        if (m->have[k] && m->in[k].dim != m->dim) {
            errmsg(err, n_err, "%s: rows of %u values, but the training set %s has %u",
                   paths[k], m->in[k].dim, paths[IN_TRAIN], m->dim);
            return BASIN_EINVAL;
        }
    return BASIN_OK;
}

/* The blocks: chunk rows (chunk_rows, or CHUNK_BYTES of floats; no more than the
   longest input). Failing to allocate them is the block size's fault: the
   message suggests --chunk. */
static int alloc_blocks(measurer *m, uint64_t chunk_rows, char *err, size_t n_err)
{
    uint64_t most = m->in[IN_SAMPLES].rows;
    for (int k = 0; k < N_INPUTS; k++)
        if (m->have[k] && m->in[k].rows > most)
            most = m->in[k].rows;
    m->chunk = chunk_rows ? chunk_rows : CHUNK_BYTES / 4 / m->dim;
    m->chunk = m->chunk < 1 ? 1 : m->chunk > most ? most : m->chunk;
    size_t floats = (size_t)(m->chunk * m->dim), rows = (size_t)m->chunk;
    free(m->query), free(m->ref), free(m->best), free(m->part), free(m->dist);
    free(m->over), free(m->over_part), free(m->cls), free(m->spurious);
    m->query = malloc(floats * sizeof *m->query);
    m->ref = malloc(floats * sizeof *m->ref);
    m->best = malloc(rows * sizeof *m->best);
    m->part = malloc(rows * sizeof *m->part);
    m->dist = malloc(rows * sizeof *m->dist);
    m->over = malloc(rows * sizeof *m->over);
    m->over_part = malloc(rows * sizeof *m->over_part);
    m->cls = malloc(rows * sizeof *m->cls);
    m->spurious = malloc((size_t)(m->in[IN_SAMPLES].rows ? m->in[IN_SAMPLES].rows : 1));
    if (!m->query || !m->ref || !m->best || !m->part || !m->dist || !m->over ||
        !m->over_part || !m->cls || !m->spurious) {
        errmsg(err, n_err,
               "out of memory for blocks of %llu rows of %u values (try --chunk)",
               (unsigned long long)m->chunk, m->dim);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

/* The values of embedding id's table params: defaults, then each --set
   space.KEY=V (V in TOML syntax, or a bare word for a string). The parsed nodes
   go to keep[i] (freed by the caller): strings point into them. BASIN_OK, or
   BASIN_EINVAL naming the key (with the closest one). */
static int space_values(const basin_param_def *params, const char *id,
                        const measure_args *a, basin_value *values, toml_node **keep,
                        char *err, size_t n_err)
{
    size_t n = param_count(params);
    for (size_t k = 0; k < n; k++)
        values[k] = param_default(&params[k]);
    for (size_t i = 0; i < a->n_space_sets; i++) {
        const char *set = a->space_sets[i], *eq = strchr(set, '=');
        char key[64];
        snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - set) : 0, set);
        long row = eq ? param_find(params, key) : -1;
        if (row < 0) {
            const char **names = calloc(n + 1, sizeof *names);
            for (size_t k = 0; names && k < n; k++)
                names[k] = params[k].name;
            const char *near = names && eq ? suggest_closest(key, names, n) : NULL;
            free(names);
            errmsg(err, n_err, "--set space.%s: %s has no such parameter (%s%s%s)",
                   eq ? key : set, id, near ? "did you mean '" : "see `basin describe ",
                   near ? near : id, near ? "'?" : "`");
            return BASIN_EINVAL;
        }
        size_t n_doc = strlen(eq + 1) + 12;
        char *doc = malloc(n_doc);
        if (!doc) {
            errmsg(err, n_err, "out of memory");
            return BASIN_ENOMEM;
        }
        snprintf(doc, n_doc, "v = %s", eq + 1);
        if (toml_parse_text(doc, strlen(doc), "--set", &keep[i], NULL) != 0) {
            /* A bare word (--set space.file=model.pt) is a string. */
            toml_free(keep[i]);
            keep[i] = NULL;
            snprintf(doc, n_doc, "v = \"%s\"", eq + 1);
            if (strchr(eq + 1, '"') || strchr(eq + 1, '\\') ||
                toml_parse_text(doc, strlen(doc), "--set", &keep[i], NULL) != 0) {
                free(doc);
                errmsg(err, n_err, "--set space.%s: cannot read value '%s'", key, eq + 1);
                return BASIN_EINVAL;
            }
        }
        free(doc);
        char why[256];
        if (param_from_toml(&params[row], toml_get(keep[i], "v"), &values[row], why,
                            sizeof why)) {
            errmsg(err, n_err, "--set space.%s: %s", key, why);
            return BASIN_EINVAL;
        }
    }
    return BASIN_OK;
}

/* measure.space: find the embedding (BASIN_PLUGIN_PATH and the default search
   path), fit it to the whole training set and map every input to its features,
   which the distances then read (read_rows); m->dim becomes m. */
static int measure_space(measurer *m, const measure_args *a, char *err, size_t n_err)
{
    const char *id = m->values[MEASURE_SPACE].string;
    if (strcmp(id, MEASURE_SPACE_RAW) == 0) {
        errmsg(err, n_err,
               "--set space.KEY: no embedding to set it on (give --space ID)");
        return BASIN_EINVAL;
    }
    if (m->rule == MEASURE_OVERLAP) {
        errmsg(err, n_err,
               "--space: the overlap rule compares binary states in data "
               "space; a space needs --rule pham or ratio");
        return BASIN_EINVAL;
    }
    if (!(m->reg = registry_new())) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    registry_add_defaults(m->reg);
    const registry_plugin *p = registry_find(m->reg, id);
    const char *kind = p ? registry_kind(p->descriptor) : NULL;
    if (!p || strcmp(kind, "embedding") != 0) {
        const char *near = p ? NULL : registry_suggest(m->reg, id);
        if (p)
            errmsg(err, n_err, "--space %s: a%s %s plugin, not an embedding", id,
                   kind[0] == 'e' ? "n" : "", kind);
        else if (near)
            errmsg(err, n_err, "--space: unknown plugin '%s' (did you mean '%s'?)", id,
                   near);
        else
            errmsg(err, n_err, "--space: unknown plugin '%s' (see `basin plugins`)", id);
        return BASIN_EINVAL;
    }
    const basin_param_def *params = p->descriptor->params;
    m->space_values = calloc(param_count(params) + 1, sizeof *m->space_values);
    if (!m->space_values) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    m->space_keep = calloc(a->n_space_sets + 1, sizeof *m->space_keep);
    m->n_space_keep = a->n_space_sets;
    int rc = m->space_keep
                 ? space_values(params, id, a, m->space_values, m->space_keep, err, n_err)
                 : BASIN_ENOMEM;
    for (size_t k = 0; !rc && params[k].name; k++) {
        int given = !(params[k].flags & BASIN_PARAM_REQUIRED);
        for (size_t i = 0; i < a->n_space_sets; i++)
            given |=
                strncmp(a->space_sets[i], params[k].name, strlen(params[k].name)) == 0 &&
                a->space_sets[i][strlen(params[k].name)] == '=';
        if (!given) {
            errmsg(err, n_err, "--space %s: '%s' is required: --set space.%s=VALUE (%s)",
                   id, params[k].name, params[k].name, params[k].doc);
            rc = BASIN_EINVAL;
        }
    }
    float *rows[N_INPUTS] = {NULL, NULL, NULL};
    for (int k = 0; !rc && k < N_INPUTS; k++) {
        if (!m->have[k])
            continue;
        rows[k] = alloc_array(m->in[k].rows * m->dim, sizeof(float));
        rc = rows[k] ? npy_read_rows(&m->in[k], 0, m->in[k].rows, rows[k], err, n_err)
                     : BASIN_ENOMEM;
        if (rc == BASIN_ENOMEM)
            errmsg(err, n_err, "--space: out of memory for %s (%llu rows of %u)",
                   m->in[k].path, (unsigned long long)m->in[k].rows, m->dim);
    }
    host_job host;
    host_job_init(&host, 0, NULL, "measure", 0);
    if (!rc)
        rc = space_open(&m->sp, p, m->space_values, &host, rows[IN_TRAIN],
                        m->in[IN_TRAIN].rows, m->dim, err, n_err);
    if (!rc)
        rc = space_map(&m->sp, &host, 1, rows[IN_TRAIN], m->in[IN_TRAIN].rows,
                       rows[IN_HELDOUT], m->have[IN_HELDOUT] ? m->in[IN_HELDOUT].rows : 0,
                       rows[IN_SAMPLES], m->in[IN_SAMPLES].rows, m->dim, err, n_err);
    host_job_destroy(&host);
    for (int k = 0; k < N_INPUTS; k++)
        free(rows[k]);
    if (rc)
        return rc;
    m->feat[IN_TRAIN] = m->sp.train;
    m->feat[IN_SAMPLES] = m->sp.states;
    m->feat[IN_HELDOUT] = m->sp.heldout;
    m->dim = m->sp.dim;
    return BASIN_OK;
}

static int calibrate_inputs(measurer *m, char *err, size_t n_err);

/* Open, check and scan the inputs, size the blocks, resolve the rule and the
   thresholds. */
static int prepare(measurer *m, const measure_args *a, char *err, size_t n_err)
{
    int rc = open_inputs(m, a->paths, err, n_err);
    if (!rc)
        rc = alloc_blocks(m, a->chunk_rows, err, n_err);
    int binary = 0, ignored;
    for (int k = 0; !rc && k < N_INPUTS; k++)
        if (m->have[k])
            rc = scan(m, &m->in[k], k == IN_TRAIN ? &binary : &ignored, err, n_err);
    m->rule = measure_rule_of(m->values[MEASURE_RULE].string, binary);
    if (!rc && m->rule == MEASURE_COSINE) {
        snprintf(err, n_err,
                 "measure.rule = \"cosine\" judges a state against the "
                 "pattern it started from: basin run only");
        rc = BASIN_EINVAL;
    }
    if (!rc && (strcmp(m->values[MEASURE_SPACE].string, MEASURE_SPACE_RAW) != 0 ||
                a->n_space_sets))
        rc = measure_space(m, a, err, n_err);
    if (!rc && m->sp.active)
        rc = alloc_blocks(m, a->chunk_rows, err, n_err); /* rows of m features */
    if (!rc && m->rule != MEASURE_OVERLAP)
        rc = calibrate_inputs(m, err, n_err);
    return rc;
}

/* ------------------------------------------------------------- calibration */

/* δ_m from the held-out points h (n_h rows) against the training set, streamed a
   block at a time: Q(q) of their distances to the nearest training point. */
static int stream_delta_m(measurer *m, const float *h, uint64_t n_h, double q,
                          double *out, char *err, size_t n_err)
{
    npy_reader *r = &m->in[IN_TRAIN];
    nearest2 *best = malloc((size_t)n_h * sizeof *best);
    nearest2 *part = malloc((size_t)n_h * sizeof *part);
    double *v = malloc((size_t)n_h * sizeof *v);
    int rc = best && part && v ? BASIN_OK : BASIN_ENOMEM;
    for (uint64_t i = 0; !rc && i < n_h; i++) {
        best[i].index[0] = best[i].index[1] = -1;
        best[i].dist2[0] = best[i].dist2[1] = INFINITY;
    }
    for (uint64_t r0 = 0; !rc && r0 < r->rows; r0 += m->chunk) {
        uint64_t nr = r->rows - r0 < m->chunk ? r->rows - r0 : m->chunk;
        rc = read_rows(m, IN_TRAIN, r0, nr, m->ref, err, n_err);
        if (!rc && nearest_two(h, n_h, m->ref, nr, m->dim, 1.0, -1, part))
            rc = BASIN_ENOMEM;
        for (uint64_t i = 0; !rc && i < n_h; i++)
            nearest_keep(&best[i], part[i].dist2[0], part[i].index[0] + (int64_t)r0);
    }
    for (uint64_t i = 0; !rc && i < n_h; i++)
        v[i] = sqrt(best[i].dist2[0] / m->dim);
    if (!rc)
        *out = calibrate_quantile(v, (size_t)n_h, q);
    if (rc == BASIN_ENOMEM)
        snprintf(err, n_err, "out of memory for the calibration of delta_m");
    free(best);
    free(part);
    free(v);
    return rc;
}

/* The thresholds and support test from --heldout, as a run's job calibrates
   them (measure/calibrate.h); the held-out set is read whole. */
static int calibrate_inputs(measurer *m, char *err, size_t n_err)
{
    double delta_m = m->values[MEASURE_DELTA_M].number;
    double delta_s = m->values[MEASURE_DELTA_S].number;
    double q = m->values[MEASURE_QUANTILE].number;
    uint64_t n_h = m->have[IN_HELDOUT] ? m->in[IN_HELDOUT].rows : 0;
    float *h = n_h ? malloc((size_t)(n_h * m->dim) * sizeof *h) : NULL;
    if (n_h && !h) {
        errmsg(err, n_err, "out of memory for the %llu held-out rows",
               (unsigned long long)n_h);
        return BASIN_ENOMEM;
    }
    int rc = n_h ? read_rows(m, IN_HELDOUT, 0, n_h, h, err, n_err) : BASIN_OK;
    int auto_m = isnan(delta_m);
    if (!rc && auto_m && n_h >= 2)
        rc = stream_delta_m(m, h, n_h, q, &delta_m, err, n_err);
    if (!rc)
        rc = calibrate_job(&m->cal, delta_m, delta_s, q, m->rule == MEASURE_PHAM, 0, NULL,
                           0, h, n_h, m->in[IN_SAMPLES].rows, m->dim, "--heldout", err,
                           n_err);
    if (!rc && auto_m) {
        m->cal.auto_m = 1;
        if (!m->cal.fallback_m)
            m->cal.quantile = q;
    }
    free(h);
    return rc;
}

/* ------------------------------------------------------------- the blocks */

/* d_m, d_2 (training set), d_s (the other samples) and d_h (held-out set) of the
   nq samples from row q0, into m->dist. */
static int distance_block(measurer *m, uint64_t q0, uint64_t nq, char *err, size_t n_err)
{
    uint64_t n = m->in[IN_SAMPLES].rows;
    double norm = 1.0 / m->dim;
    int rc = nearest_stream(m, IN_TRAIN, q0, nq, err, n_err);
    for (uint64_t i = 0; !rc && i < nq; i++) {
        m->dist[i].nearest = m->best[i].index[0];
        m->dist[i].d_m = sqrt(m->best[i].dist2[0] * norm);
        m->dist[i].d_2 =
            m->best[i].index[1] >= 0 ? sqrt(m->best[i].dist2[1] * norm) : NAN;
        m->dist[i].d_s = m->dist[i].d_h = NAN;
    }
    if (!rc && n > 1)
        rc = nearest_stream(m, IN_SAMPLES, q0, nq, err, n_err);
    for (uint64_t i = 0; !rc && n > 1 && i < nq; i++)
        m->dist[i].d_s = sqrt(m->best[i].dist2[0] * norm);
    if (!rc && m->have[IN_HELDOUT])
        rc = nearest_stream(m, IN_HELDOUT, q0, nq, err, n_err);
    for (uint64_t i = 0; !rc && m->have[IN_HELDOUT] && i < nq; i++)
        m->dist[i].d_h = sqrt(m->best[i].dist2[0] * norm);
    return rc;
}

/* One block of samples: measured, judged and counted by the referee, and written
   as records.csv rows in a run's columns (one job, no sweep: job, point and
   repeat are 0; no start, model or trajectories). */
static int measure_block(measurer *m, FILE *rec, uint64_t q0, uint64_t nq, char *err,
                         size_t n_err)
{
    int rc = read_rows(m, IN_SAMPLES, q0, nq, m->query, err, n_err);
    if (!rc)
        rc = m->rule == MEASURE_OVERLAP ? overlap_stream(m, nq, err, n_err)
                                        : distance_block(m, q0, nq, err, n_err);
    if (rc)
        return rc;
    int overlap = m->rule == MEASURE_OVERLAP;
    referee_batch b = {.n = nq,
                       .rule = m->rule,
                       .overlap = overlap ? m->over : NULL,
                       .dist = overlap ? NULL : m->dist,
                       .cal = overlap ? NULL : &m->cal};
    referee_classify(&b, m->values, m->cls);
    for (uint64_t i = 0; i < nq; i++)
        m->spurious[q0 + i] = m->cls[i] == MEASURE_SPURIOUS;
    referee_count(&b, m->cls, m->values, &m->t);
    records_batch rows = {.job = {.r = &NO_SWEEP},
                          .n = nq,
                          .first_sample = q0,
                          .cls = m->cls,
                          .overlap = b.overlap,
                          .dist = b.dist};
    size_t no_coords[1];
    records_write(rec, &rows, no_coords);
    return BASIN_OK;
}

/* The spurious samples grouped (measure/spurious.h) into the tally's job: they
   are read back and gathered, so memory is one row per spurious sample. */
static int count_clusters(measurer *m, char *err, size_t n_err)
{
    uint64_t n = m->in[IN_SAMPLES].rows, k = 0;
    for (uint64_t i = 0; i < n; i++)
        k += m->spurious[i];
    if (!k || !m->t.jobs_n)
        return BASIN_OK;
    float *x = malloc((size_t)(k * m->dim) * sizeof *x);
    measure_class *all = malloc((size_t)k * sizeof *all);
    int rc = x && all ? BASIN_OK : BASIN_ENOMEM;
    uint64_t g = 0;
    for (uint64_t q0 = 0; !rc && q0 < n; q0 += m->chunk) {
        uint64_t nq = n - q0 < m->chunk ? n - q0 : m->chunk;
        rc = npy_read_rows(&m->in[IN_SAMPLES], q0, nq, m->query, err, n_err);
        for (uint64_t i = 0; !rc && i < nq; i++)
            if (m->spurious[q0 + i]) {
                memcpy(x + g * m->dim, m->query + i * m->dim, m->dim * sizeof *x);
                all[g++] = MEASURE_SPURIOUS;
            }
    }
    spurious_result s;
    if (!rc && spurious_group(x, k, m->dim, all, m->cal.delta_s, &s))
        rc = BASIN_ENOMEM;
    if (!rc) {
        m->t.jobs[0].spurious_clusters = s.n_clusters;
        m->t.jobs[0].spurious_clustered = k;
        spurious_free(&s);
    }
    if (rc == BASIN_ENOMEM)
        errmsg(err, n_err, "out of memory for the spurious clusters");
    free(x);
    free(all);
    return rc;
}

/* records.csv: every block of samples, a progress bar while it lasts. */
static int measure_all(measurer *m, const results_file *records, int quiet, char *err,
                       size_t n_err)
{
    FILE *rec = records->f;
    records_header(rec, &NO_SWEEP, m->rule == MEASURE_OVERLAP);
    uint64_t n = m->in[IN_SAMPLES].rows, blocks = (n + m->chunk - 1) / m->chunk;
    uint64_t per = 0;
    for (int k = 0; k < N_INPUTS; k++)
        if (m->have[k] && (k != IN_SAMPLES || m->rule != MEASURE_OVERLAP))
            per += (m->in[k].rows + m->chunk - 1) / m->chunk;
    m->bar = progress_new(blocks * per,
                          !quiet && isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_OFF);
    int rc = BASIN_OK;
    for (uint64_t q0 = 0; q0 < n && !rc; q0 += m->chunk) {
        rc = measure_block(m, rec, q0, n - q0 < m->chunk ? n - q0 : m->chunk, err, n_err);
        if (!rc && ferror(rec)) {
            errmsg(err, n_err, "%s: write error", results_shown(records));
            rc = BASIN_EWRITE;
        }
    }
    progress_free(m->bar);
    m->bar = NULL;
    if (!rc && m->rule == MEASURE_PHAM)
        rc = count_clusters(m, err, n_err);
    return rc;
}

/* ------------------------------------------------------------- the command */

/* Measure into the output folder: its set built beside it and swapped in when
   everything succeeded (results/folder.h); on failure the old folder stays. */
static int measure_run(measurer *m, const measure_args *a, char *err, size_t n_err)
{
    double started = clock_seconds();
    int rc = prepare(m, a, err, n_err);
    results_file files[N_FILES];
    memset(files, 0, sizeof files);
    results_folder folder;
    memset(&folder, 0, sizeof folder);
    if (!rc)
        rc = results_folder_begin(&folder, a->out_dir, err, n_err);
    for (int k = 0; k < N_FILES && !rc; k++)
        rc = results_open_as(&files[k], folder.tmp, FILE_NAMES[k], folder.final, err,
                             n_err);
    if (!rc)
        rc = measure_all(m, &files[F_RECORDS], a->quiet, err, n_err);
    if (!rc) {
        double seconds = clock_seconds() - started;
        size_t no_coords[1];
        m->t.seconds = seconds;
        summary_write(files[F_SUMMARY].f, &NO_SWEEP, &m->t,
                      m->values[MEASURE_CONFIDENCE].number, no_coords,
                      m->rule != MEASURE_OVERLAP, 0, NULL, NULL);
        write_run_toml(m, files[F_RUN].f);
        for (int k = 0; k < N_FILES && !rc; k++)
            if (results_commit(&files[k], err, n_err))
                rc = BASIN_EWRITE;
        if (!rc)
            rc = results_folder_commit(&folder, err, n_err);
        if (!rc)
            summary_warn(&NO_SWEEP, &m->t);
        if (!rc && !a->quiet)
            print_summary(m, folder.final, seconds);
    }
    for (int k = 0; k < N_FILES; k++)
        results_abandon(&files[k]);
    results_folder_abandon(&folder);
    return rc;
}

/* A usage error: the message and where to read the usage. */
static int bad_usage(char *err, size_t n_err, const char *fmt, const char *arg)
{
    char what[512];
    snprintf(what, sizeof what, fmt, arg);
    errmsg(err, n_err, "%s (see `basin help measure`)", what);
    return BASIN_EINVAL;
}

/* --chunk ROWS: a row count in [1, 2^32]. */
static int parse_chunk(const char *v, uint64_t *rows, char *err, size_t n_err)
{
    char *end;
    errno = 0;
    unsigned long long c = strtoull(v, &end, 10);
    if (errno || *end || c < 1 || c > (1ull << 32))
        return bad_usage(err, n_err, "--chunk needs a row count in [1, 2^32], not '%s'",
                         v);
    *rows = c;
    return BASIN_OK;
}

enum {
    OPT_TRAIN = 256,
    OPT_SAMPLES,
    OPT_HELDOUT,
    OPT_RULE,
    OPT_SET,
    OPT_OUT,
    OPT_CHUNK,
    OPT_SPACE
};

static const struct option LONGOPTS[] = {
    {"train", required_argument, NULL, OPT_TRAIN},
    {"samples", required_argument, NULL, OPT_SAMPLES},
    {"heldout", required_argument, NULL, OPT_HELDOUT},
    {"rule", required_argument, NULL, OPT_RULE},
    {"set", required_argument, NULL, OPT_SET},
    {"out", required_argument, NULL, OPT_OUT},
    {"chunk", required_argument, NULL, OPT_CHUNK},
    {"space", required_argument, NULL, OPT_SPACE},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* One option c with value v (the [measure] values go to m). */
static int take_option(int c, const char *v, measurer *m, measure_args *a, char *err,
                       size_t n_err)
{
    char set[512];
    switch (c) {
    case OPT_TRAIN:
    case OPT_SAMPLES:
    case OPT_HELDOUT:
        a->paths[c - OPT_TRAIN] = v;
        return BASIN_OK;
    case OPT_RULE:
        snprintf(set, sizeof set, "measure.rule=%s", v);
        return apply_set(set, m->values, &a->keep[a->n_keep++], err, n_err);
    case OPT_SET:
        if (strncmp(v, "space.", 6) == 0) {
            a->space_sets[a->n_space_sets++] = v + 6;
            return BASIN_OK;
        }
        return apply_set(v, m->values, &a->keep[a->n_keep++], err, n_err);
    case OPT_SPACE:
        snprintf(set, sizeof set, "measure.space=\"%s\"", v);
        if (strchr(v, '"') || strchr(v, '\\'))
            return bad_usage(err, n_err, "--space '%s' is not a plugin id", v);
        return apply_set(set, m->values, &a->keep[a->n_keep++], err, n_err);
    case OPT_OUT:
        a->out_dir = v;
        return BASIN_OK;
    case OPT_CHUNK:
        return parse_chunk(v, &a->chunk_rows, err, n_err);
    case 'q':
        a->quiet = 1;
        return BASIN_OK;
    default: /* 'h' */
        a->help = 1;
        return BASIN_OK;
    }
}

/* The command line into a and m's [measure] values; stops at --help. */
static int parse_args(int argc, char **argv, measurer *m, measure_args *a, char *err,
                      size_t n_err)
{
    options op;
    options_init(&op, argc, argv, "hq", LONGOPTS);
    int c, rc = BASIN_OK;
    while (!rc && !a->help && (c = options_next(&op, err, n_err)) != 0)
        rc = c < 0 ? c : take_option(c, op.arg, m, a, err, n_err);
    if (rc || a->help)
        return rc;
    if (op.first_operand < argc)
        return bad_usage(err, n_err, "unexpected argument '%s'", argv[op.first_operand]);
    if (!a->paths[IN_TRAIN] || !a->paths[IN_SAMPLES])
        return bad_usage(err, n_err, "needs --train and --samples%s", "");
    return BASIN_OK;
}

int cmd_measure(int argc, char **argv, char *err, size_t n_err)
{
    measurer m;
    memset(&m, 0, sizeof m);
    for (int k = 0; k < MEASURE_N_PARAMS; k++)
        m.values[k] = param_default(&measure_params[k]);
    measure_args a = {.out_dir = "results/measure"};
    a.keep = calloc((size_t)argc + 1, sizeof *a.keep);
    a.space_sets = calloc((size_t)argc + 1, sizeof *a.space_sets);
    char why[2048] = "";
    int rc = a.keep && a.space_sets ? parse_args(argc, argv, &m, &a, why, sizeof why)
                                    : BASIN_ENOMEM;
    if (!a.keep || !a.space_sets)
        snprintf(why, sizeof why, "out of memory");
    if (!rc && a.help)
        fputs(measure_usage, stdout);
    else if (!rc)
        rc = measure_run(&m, &a, why, sizeof why);
    if (rc)
        errmsg(err, n_err, "%s%s", strncmp(why, "measure: ", 9) ? "measure: " : "", why);
    measurer_free(&m);
    for (size_t i = 0; i < a.n_keep; i++)
        toml_free(a.keep[i]);
    free(a.keep);
    free(a.space_sets);
    return rc;
}
