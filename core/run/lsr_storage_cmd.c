/* lsr_storage_cmd — see lsr_storage_cmd.h. */
#include "run/lsr_storage_cmd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basin/plugin.h"
#include "base/errmsg.h"
#include "base/options.h"
#include "kernels/npy.h"
#include "kernels/npz.h"
#include "measure/lsr_storage.h"

const char lsr_storage_usage[] =
    "usage: basin lsr-storage --beta LIST [--quiet] PATTERNS.npy\n"
    "\n"
    "Store every row of PATTERNS (.npy, ARCHIVE.npz[:NAME] or - for standard\n"
    "input; float32, float64, float16 or integer values) in the log-sum-ReLU\n"
    "(Epanechnikov) energy of energies/lsr (Hoover et al. 2025, arXiv:2506.10801)\n"
    "and report, for each beta, how many stored patterns are fixed points of its\n"
    "exact update (no other pattern within the support radius sqrt(2/beta)) and\n"
    "how many patterns a stored pattern's support holds. One pass over the\n"
    "pairwise distances (chunked SGEMM) serves every beta. CSV on standard output.\n"
    "\n"
    "  --beta LIST   beta values: B1,B2,... or FROM:TO:N (N values geometric)\n"
    "  -q, --quiet   no timing line on standard error\n"
    "\n"
    "Columns: beta, radius (sqrt(2/beta)), fixed (stored patterns that are fixed\n"
    "points), fixed_fraction (fixed / K), mean_support (mean |S(xi)| over the\n"
    "stored patterns, itself included), max_support, patterns (K).\n";

enum { OPT_BETA = 256 };

static const struct option LONGOPTS[] = {{"beta", required_argument, NULL, OPT_BETA},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

/* The list B1,B2,... or FROM:TO:N into *beta (malloc'd), *n. */
static int parse_betas(const char *text, double **beta, size_t *n, char *err,
                       size_t n_err)
{
    *beta = NULL;
    *n = 0;
    char *end;
    if (strchr(text, ':')) {
        errno = 0;
        double from = strtod(text, &end), to = NAN;
        long count = 0;
        if (*end == ':')
            to = strtod(end + 1, &end);
        if (*end == ':')
            count = strtol(end + 1, &end, 10);
        if (*end || errno || !(from > 0 && to > 0 && isfinite(from) && isfinite(to)) ||
            count < 1 || count > 100000) {
            errmsg(err, n_err,
                   "lsr-storage: --beta '%s' is not FROM:TO:N (positive, N >= 1)", text);
            return BASIN_EINVAL;
        }
        *beta = malloc((size_t)count * sizeof **beta);
        if (*beta == NULL)
            return BASIN_ENOMEM;
        for (long i = 0; i < count; i++)
            (*beta)[i] = count == 1
                             ? from
                             : from * pow(to / from, (double)i / (double)(count - 1));
        *n = (size_t)count;
        return BASIN_OK;
    }
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == ',';
    *beta = malloc(cap * sizeof **beta);
    if (*beta == NULL)
        return BASIN_ENOMEM;
    const char *p = text;
    for (;;) {
        errno = 0;
        double b = strtod(p, &end);
        if (end == p || errno || !(b > 0 && isfinite(b)) || (*end && *end != ',')) {
            errmsg(err, n_err,
                   "lsr-storage: --beta '%s': a positive number expected at '%s'", text,
                   p);
            free(*beta);
            *beta = NULL;
            return BASIN_EINVAL;
        }
        (*beta)[(*n)++] = b;
        if (!*end)
            return BASIN_OK;
        p = end + 1;
    }
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int cmd_lsr_storage(int argc, char **argv, char *err, size_t n_err)
{
    options op;
    options_init(&op, argc, argv, "hq", LONGOPTS);
    const char *beta_text = NULL;
    int quiet = 0, c;
    while ((c = options_next(&op, err, n_err)) > 0)
        switch (c) {
        case 'h':
            fputs(lsr_storage_usage, stdout);
            return BASIN_OK;
        case 'q':
            quiet = 1;
            break;
        case OPT_BETA:
            beta_text = op.arg;
            break;
        default:
            break;
        }
    if (c < 0)
        return c;
    if (op.first_operand != argc - 1 || beta_text == NULL) {
        errmsg(err, n_err,
               "lsr-storage: needs --beta LIST and one PATTERNS file "
               "(see basin lsr-storage --help)");
        return BASIN_EINVAL;
    }
    const char *path = argv[op.first_operand];
    double *beta = NULL;
    size_t n_beta = 0;
    int rc = parse_betas(beta_text, &beta, &n_beta, err, n_err);
    if (rc)
        return rc;
    npy_reader r;
    char why[1024];
    float *xi = NULL;
    lsr_storage_row *rows = malloc(n_beta * sizeof *rows);
    rc = rows ? npy_open_input(&r, path, 0, why, sizeof why) : BASIN_ENOMEM;
    if (!rc) {
        xi = malloc((size_t)r.rows * r.dim * sizeof *xi);
        rc = xi ? npy_read_rows(&r, 0, r.rows, xi, why, sizeof why) : BASIN_ENOMEM;
        if (!xi)
            snprintf(why, sizeof why, "%s: out of memory", path);
    }
    uint64_t k = rc ? 0 : r.rows;
    uint32_t dim = rc ? 0 : r.dim;
    if (!rows)
        snprintf(why, sizeof why, "out of memory");
    npy_close(&r);
    const double t0 = seconds_now();
    if (!rc)
        rc = lsr_storage(xi, k, dim, beta, n_beta, rows, why, sizeof why);
    const double t1 = seconds_now();
    free(xi);
    FILE *f = stdout;
    if (!rc) {
        fprintf(f,
                "beta,radius,fixed,fixed_fraction,mean_support,max_support,patterns\n");
        for (size_t b = 0; b < n_beta; b++)
            fprintf(f, "%.9g,%.9g,%llu,%.9g,%.9g,%llu,%llu\n", rows[b].beta,
                    sqrt(2 / rows[b].beta), (unsigned long long)rows[b].fixed,
                    rows[b].fixed_fraction, rows[b].mean_support,
                    (unsigned long long)rows[b].max_support, (unsigned long long)k);
        if (fflush(stdout) != 0 || ferror(stdout))
            rc = BASIN_EIO, snprintf(why, sizeof why, "standard output: write failed");
        if (!rc && !quiet)
            fprintf(stderr,
                    "lsr-storage: %llu patterns of %u values, %zu betas: %.1f s\n",
                    (unsigned long long)k, dim, n_beta, t1 - t0);
    }
    free(rows);
    free(beta);
    if (rc)
        errmsg(err, n_err, "lsr-storage: %s", why);
    return rc;
}
