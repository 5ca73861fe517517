/*
 * checker.c — `basin check`: loading the library, the ABI and descriptor checks,
 * the parameter tables, and the dispatch to each interface's battery.
 */
#include "check/checker.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "registry/param.h"
#include "registry/registry.h"

/* The seed of every host the checks lend; any fixed value does. */
#define CHECK_SEED     20250611u
#define CHECK_MAX_SETS 64
/* The largest --dim: the batteries hold a few dozen states of this dimension. */
#define CHECK_MAX_DIM 100000

const char USAGE_CHECK[] =
    "usage: basin check LIBRARY.so [--set ID.KEY=VALUE]... [--dim N] [--pretrained]\n"
    "                   [--verbose]\n"
    "\n"
    "Run the conformance battery on every plugin of a library: the ABI and\n"
    "descriptors, parameter tables and defaults, finite and deterministic outputs,\n"
    "and per interface: an energy's gradient, Hessian-vector products and spin\n"
    "flips against finite differences; a denoiser's sigma -> 0 and sigma -> inf\n"
    "limits; a sampler on fixed points of tiny built-in models; a dataset's shapes,\n"
    "splits and ranges. Each check prints PASS or FAIL (with what was expected\n"
    "and seen) or SKIP (why it could not run).\n"
    "\n"
    "  --set ID.KEY=VALUE  a parameter for the runtime checks, e.g.\n"
    "                      --set datasets/npy.path=train.npy (needed for\n"
    "                      REQUIRED parameters; others default)\n"
    "  --dim N             run the energy, score and sampler checks at dimension N\n"
    "                      (1..100000; default 16 for energies, 8 otherwise), for\n"
    "                      models of a fixed input size; datasets use their own\n"
    "  --pretrained        the score model's law is fixed (a trained network, a\n"
    "                      foreign function), not fitted to the training set the\n"
    "                      checker encodes: at sigma -> inf expect x0_hat the same\n"
    "                      for every x (the law's mean), not the training mean\n"
    "  --verbose, -v       also print the plugins' informational logs\n"
    "\n"
    "Exit status: 0 all checks pass, 1 a check failed, 2 a usage error or a\n"
    "library that cannot be loaded.\n";

/* ------------------------------------------------------------ shared helpers */

static void vreport(check_ctx *c, const char *word, const char *name, const char *fmt,
                    va_list ap)
{
    printf("%s %s %s", word, c->d && c->d->id ? c->d->id : "library", name);
    if (fmt) {
        fputs(": ", stdout);
        vprintf(fmt, ap);
    }
    putchar('\n');
    fflush(stdout);
}

int check_report(check_ctx *c, int ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, ok ? "PASS" : "FAIL", name, ok ? NULL : fmt, ap);
    va_end(ap);
    if (ok)
        c->n_pass++;
    else
        c->n_fail++;
    return ok;
}

void check_skip(check_ctx *c, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, "SKIP", name, fmt, ap);
    va_end(ap);
    c->n_skip++;
}

void check_host(check_ctx *c, host_job *job)
{
    host_job_init(job, c->seed, NULL, c->d ? c->d->id : "check", c->verbose);
}

void check_host_done(host_job *job)
{
    host_job_destroy(job);
}

int check_call_failed(check_ctx *c, const char *name, host_job *job, int status)
{
    check_report(c, 0, name, "expected status 0, saw %d (%s): %s", status,
                 status_name(status), host_job_error(job, status));
    return 0;
}

int check_finite(const float *x, uint64_t n, uint64_t *bad)
{
    for (uint64_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            if (bad)
                *bad = i;
            return 0;
        }
    return 1;
}

/* The guard's value: any finite float a plugin would not write by accident. */
static const float GUARD = -12345.678f;

float *check_alloc(uint64_t n)
{
    float *x = malloc((size_t)(n + CHECK_GUARD) * sizeof *x);
    if (!x)
        return NULL;
    for (uint64_t i = 0; i < n; i++)
        x[i] = NAN;
    for (uint64_t i = n; i < n + CHECK_GUARD; i++)
        x[i] = GUARD;
    return x;
}

int check_guard_intact(const float *x, uint64_t n)
{
    for (uint64_t i = n; i < n + CHECK_GUARD; i++)
        if (x[i] != GUARD)
            return 0;
    return 1;
}

/* -------------------------------------------------- descriptors and tables */

static const char *const KIND_PREFIX[][2] = {
    {BASIN_IFACE_DATASET, "datasets/"},
    {BASIN_IFACE_ENERGY, "energies/"},
    {BASIN_IFACE_SCORE, "scores/"},
    {BASIN_IFACE_SAMPLER, "samplers/"},
};

/* "kind/name": the kind matching the interface, a name of [a-z0-9._-]. */
static int check_id(check_ctx *c)
{
    const basin_descriptor *d = c->d;
    const char *prefix = NULL;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(d->interface, KIND_PREFIX[i][0]) == 0)
            prefix = KIND_PREFIX[i][1];
    if (!check_report(c, prefix != NULL, "interface",
                      "expected one of basin.dataset/1, basin.energy/1, "
                      "basin.score/1, basin.sampler/1, saw '%s'",
                      d->interface))
        return 0;
    size_t n = strlen(prefix);
    const char *name = d->id + (strncmp(d->id, prefix, n) == 0 ? n : 0);
    int ok = strncmp(d->id, prefix, n) == 0 && *name;
    for (const char *p = name; ok && *p; p++)
        ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' ||
             *p == '_' || *p == '.';
    return check_report(c, ok, "id",
                        "expected '%sNAME' (NAME of a-z 0-9 . _ -) for "
                        "interface %s, saw '%s'",
                        prefix, d->interface, d->id);
}

/* The interface table: its struct_size and required functions. */
static int check_table(check_ctx *c)
{
    const basin_descriptor *d = c->d;
    if (!check_report(c, d->iface != NULL, "table",
                      "expected a function table, "
                      "saw NULL"))
        return 0;
    uint32_t size = *(const uint32_t *)d->iface;
    size_t need = 0;
    int ok = 1;
    const char *what = "";
    if (strcmp(d->interface, BASIN_IFACE_DATASET) == 0) {
        const basin_dataset_iface *f = d->iface;
        need = offsetof(basin_dataset_iface, spectrum);
        ok = size < need || (f->create && f->destroy && f->info && f->read);
        what = "create, destroy, info and read";
    } else if (strcmp(d->interface, BASIN_IFACE_ENERGY) == 0) {
        const basin_energy_iface *f = d->iface;
        need = sizeof *f;
        ok = size < need || (f->create && f->destroy && f->encode && f->energy);
        what = "create, destroy, encode and energy";
        if (ok && size >= need && (f->flags & BASIN_ENERGY_BINARY)) {
            ok = f->spin_cache_size && f->spin_init && f->spin_delta && f->spin_flip;
            what = "spin_cache_size, spin_init, spin_delta and spin_flip (binary)";
        }
    } else if (strcmp(d->interface, BASIN_IFACE_SCORE) == 0) {
        const basin_score_iface *f = d->iface;
        need = sizeof *f;
        ok = size < need || (f->create && f->destroy && f->encode && f->denoise);
        what = "create, destroy, encode and denoise";
    } else {
        const basin_sampler_iface *f = d->iface;
        need = sizeof *f;
        ok = size < need || (f->create && f->destroy && f->run);
        what = "create, destroy and run";
    }
    if (!check_report(c, size >= need, "table-size",
                      "expected struct_size >= %zu, "
                      "saw %u",
                      need, (unsigned)size))
        return 0;
    return check_report(c, ok, "table-functions", "expected %s, saw one NULL", what);
}

static int name_is_sane(const char *name)
{
    if (!name || !islower((unsigned char)name[0]))
        return 0;
    for (const char *p = name; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' ||
              *p == '_'))
            return 0;
    return 1;
}

/* One row of a parameter table: "" when sane, else what is wrong, in why. */
static void check_param_def(const basin_param_def *t, size_t i, char *why, size_t n)
{
    const basin_param_def *p = &t[i];
    char err[512];
    why[0] = '\0';
    if (!name_is_sane(p->name))
        snprintf(why, n, "name '%s' is not lower-case words joined by - or _", p->name);
    else if (param_find(t, p->name) != (long)i)
        snprintf(why, n, "name '%s' appears twice", p->name);
    else if (p->type < BASIN_PARAM_INT || p->type > BASIN_PARAM_CHOICE)
        snprintf(why, n, "'%s' has unknown type %d", p->name, (int)p->type);
    else if (!p->doc || !*p->doc)
        snprintf(why, n, "'%s' has no doc", p->name);
    else if (p->type == BASIN_PARAM_CHOICE && (!p->choices || !*p->choices))
        snprintf(why, n, "choice '%s' has no choices", p->name);
    else if ((p->type == BASIN_PARAM_INT || p->type == BASIN_PARAM_REAL) &&
             !(p->min <= p->max))
        snprintf(why, n, "'%s' has min %g > max %g", p->name, p->min, p->max);
    else if (param_check_def(p, err, sizeof err))
        snprintf(why, n, "%s", err);
}

/* ------------------------------------------------------------- --set values */

typedef struct set_arg {
    const char *id; /* points into argv, as do key and value */
    size_t n_id;
    const char *key;
    size_t n_key;
    const char *value;
} set_arg;

/* Parse "ID.KEY=VALUE" where ID holds a '/': KEY is after the last '.' before '='. */
static int parse_set(const char *arg, set_arg *s)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return -1;
    const char *dot = NULL;
    for (const char *p = arg; p < eq; p++)
        if (*p == '.')
            dot = p;
    if (!dot || dot == arg || dot + 1 == eq)
        return -1;
    s->id = arg;
    s->n_id = (size_t)(dot - arg);
    s->key = dot + 1;
    s->n_key = (size_t)(eq - dot - 1);
    s->value = eq + 1;
    return 0;
}

/* Resolve a --set text against def into *v; message in err on error. */
static int set_value(const basin_param_def *def, const char *text, basin_value *v,
                     char *err, size_t n_err)
{
    v->string = text;
    v->number = 0;
    switch (def->type) {
    case BASIN_PARAM_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            v->number = 1;
        else if (strcmp(text, "false") != 0 && strcmp(text, "0") != 0) {
            snprintf(err, n_err, "'%s' is not true or false", text);
            return -1;
        }
        return 0;
    case BASIN_PARAM_INT:
    case BASIN_PARAM_REAL: {
        char *end;
        errno = 0;
        v->number = strtod(text, &end);
        if (end == text || *end || errno) {
            snprintf(err, n_err, "'%s' is not a number", text);
            return -1;
        }
        return param_check_number(def, v->number, err, n_err) ? -1 : 0;
    }
    case BASIN_PARAM_CHOICE:
        if (!param_choice_contains(def->choices, text)) {
            snprintf(err, n_err, "'%s' is not one of %s", text, def->choices);
            return -1;
        }
        return 0;
    case BASIN_PARAM_STRING:
        return 0;
    }
    snprintf(err, n_err, "unknown type");
    return -1;
}

/*
 * The values create() gets: defaults, then --set for this id. Returns 0, 1 when a
 * REQUIRED parameter has no --set (its name in *missing), -1 on a bad --set
 * (reported as a usage error by the caller, message in err).
 */
static int resolve_values(const basin_descriptor *d, set_arg *sets, size_t n_sets,
                          basin_value *values, const char **missing, char *err,
                          size_t n_err)
{
    size_t n = param_count(d->params);
    size_t n_id = strlen(d->id);
    *missing = NULL;
    for (size_t i = 0; i < n; i++) {
        const basin_param_def *def = &d->params[i];
        values[i] = param_default(def);
        int given = 0;
        for (size_t s = 0; s < n_sets; s++) {
            if (sets[s].n_id != n_id || strncmp(sets[s].id, d->id, n_id) != 0 ||
                strlen(def->name) != sets[s].n_key ||
                strncmp(sets[s].key, def->name, sets[s].n_key) != 0)
                continue;
            char why[256];
            if (set_value(def, sets[s].value, &values[i], why, sizeof why)) {
                snprintf(err, n_err, "--set %s.%s: %s", d->id, def->name, why);
                return -1;
            }
            given = 1;
        }
        if (!given && (def->flags & BASIN_PARAM_REQUIRED) && !*missing)
            *missing = def->name;
    }
    return *missing ? 1 : 0;
}

/* ------------------------------------------------------------------ command */

typedef struct options {
    const char *library;
    set_arg sets[CHECK_MAX_SETS];
    size_t n_sets;
    int verbose;
    uint32_t dim; /* 0 without --dim */
    int pretrained;
} options;

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "basin: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see `basin help check`)\n");
    return 2;
}

static int parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--set") == 0) {
            if (i + 1 >= argc)
                return usage("--set needs ID.KEY=VALUE%s", "");
            v = argv[++i];
        } else if (strncmp(a, "--set=", 6) == 0) {
            v = a + 6;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o->verbose++;
            continue;
        } else if (strcmp(a, "--pretrained") == 0) {
            o->pretrained = 1;
            continue;
        } else if (strcmp(a, "--dim") == 0 || strncmp(a, "--dim=", 6) == 0) {
            const char *text = a[5] == '=' ? a + 6 : NULL;
            if (!text && i + 1 >= argc)
                return usage("--dim needs a dimension N%s", "");
            if (!text)
                text = argv[++i];
            char *end;
            errno = 0;
            long n = strtol(text, &end, 10);
            if (end == text || *end || errno || n < 1 || n > CHECK_MAX_DIM)
                return usage("--dim '%s' is not a whole number from 1 to 100000", text);
            o->dim = (uint32_t)n;
            continue;
        } else if (a[0] == '-' && a[1]) {
            return usage("unknown option '%s' for check", a);
        } else if (o->library) {
            return usage("check takes one library; '%s' is a second", a);
        } else {
            o->library = a;
            continue;
        }
        if (o->n_sets == CHECK_MAX_SETS)
            return usage("more than 64 --set options%s", "");
        if (parse_set(v, &o->sets[o->n_sets]))
            return usage("--set '%s' is not ID.KEY=VALUE", v);
        o->n_sets++;
    }
    if (!o->library)
        return usage("check needs a plugin library (.so)%s", "");
    return 0;
}

/* The descriptors and their tables; ok_plugins[i] = 1 when plugin i passed and
   its runtime checks can run. Counts go to lib_ctx. */
static void check_entry(check_ctx *lib_ctx, const basin_library *lib, int *ok_plugins,
                        size_t n_plugins)
{
    for (size_t i = 0; i < n_plugins; i++) {
        const basin_descriptor *d = lib->plugins[i];
        check_ctx c = {.d = NULL, .seed = CHECK_SEED};
        char label[64];
        snprintf(label, sizeof label, "descriptor[%zu]-size", i);
        int ok = check_report(&c, d->struct_size >= sizeof(basin_descriptor), label,
                              "expected struct_size >= %zu, saw %u",
                              sizeof(basin_descriptor), (unsigned)d->struct_size);
        snprintf(label, sizeof label, "descriptor[%zu]-id", i);
        ok = ok && check_report(&c, d->id && d->interface, label,
                                "expected an id and an interface, saw NULL");
        ok_plugins[i] = 0;
        if (ok) {
            c.d = d;
            ok = check_id(&c);
            for (size_t j = 0; j < i && ok; j++) {
                const basin_descriptor *e = lib->plugins[j];
                ok = e->struct_size < sizeof *e || !e->id || strcmp(e->id, d->id);
            }
            ok &= check_report(&c, ok, "unique-id",
                               "expected an id no other plugin "
                               "of the library has, saw '%s' twice",
                               d->id);
            ok &= check_report(&c, d->version && *d->version && d->summary && *d->summary,
                               "version-summary",
                               "expected a version "
                               "and a one-line summary, saw %s",
                               !d->version || !*d->version ? "no version" : "no summary");
            if (ok && registry_kind(d))
                ok &= check_table(&c);
            ok &= check_report(&c, d->params != NULL, "params-table",
                               "expected a "
                               "parameter table (one NULL-named row if empty), "
                               "saw NULL");
            if (d->params) {
                char why[600] = "";
                for (size_t p = 0; d->params[p].name && !why[0]; p++)
                    check_param_def(d->params, p, why, sizeof why);
                ok &= check_report(&c, !why[0], "params",
                                   "expected sane rows, "
                                   "saw %s",
                                   why);
            }
        }
        ok_plugins[i] = ok;
        lib_ctx->n_pass += c.n_pass;
        lib_ctx->n_fail += c.n_fail;
    }
}

int cmd_check(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(USAGE_CHECK, stdout);
            return 0;
        }
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;

    /* Loading: a library that cannot be opened is a usage error (2). A path
       without a '/' would be searched by dlopen in the system folders. */
    char path[4096];
    snprintf(path, sizeof path, "%s%s", strchr(o.library, '/') ? "" : "./", o.library);
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        fprintf(stderr, "basin: %s cannot be loaded: %s\n", o.library,
                why ? why : "unknown error");
        return 2;
    }
    check_ctx all = {.seed = CHECK_SEED, .verbose = o.verbose};
    const basin_library *lib = dlsym(handle, BASIN_LIBRARY_SYMBOL);
    if (!check_report(&all, lib != NULL, "entry",
                      "expected the exported symbol " BASIN_LIBRARY_SYMBOL ", saw none"))
        goto done;
    if (!check_report(
            &all, lib->abi_major == BASIN_ABI_MAJOR && lib->abi_minor <= BASIN_ABI_MINOR,
            "abi", "expected ABI %d.x with minor <= %d, saw %u.%u", BASIN_ABI_MAJOR,
            BASIN_ABI_MINOR, (unsigned)lib->abi_major, (unsigned)lib->abi_minor))
        goto done;
    if (!check_report(&all, lib->struct_size >= sizeof(basin_library) && lib->plugins,
                      "entry-struct",
                      "expected struct_size >= %zu and "
                      "a plugin list, saw %u and %s",
                      sizeof(basin_library), (unsigned)lib->struct_size,
                      lib->plugins ? "a list" : "NULL"))
        goto done;
    check_report(&all, lib->name && *lib->name, "entry-name",
                 "expected a library "
                 "name, saw none");
    size_t n_plugins = 0;
    while (lib->plugins[n_plugins])
        n_plugins++;
    if (!check_report(&all, n_plugins > 0, "plugins",
                      "expected at least one "
                      "plugin, saw an empty list"))
        goto done;
    int *ok_plugins = calloc(n_plugins, sizeof *ok_plugins);
    if (!ok_plugins) {
        fprintf(stderr, "basin: out of memory\n");
        return 1;
    }
    check_entry(&all, lib, ok_plugins, n_plugins);

    /* The host's own verdict: the registry accepts or refuses the library. */
    registry *reg = registry_new();
    char err[2048] = "";
    int accepted = reg && registry_add_path(reg, path, 1, err, sizeof err) == 0;
    check_report(&all, accepted, "registry",
                 "expected the host to accept the "
                 "library, saw: %s",
                 err[0] ? err : "out of memory");
    registry_free(reg);

    /* Every --set names a parameter of a plugin in this library. */
    for (size_t s = 0; s < o.n_sets; s++) {
        int found = 0;
        for (size_t i = 0; i < n_plugins && !found; i++) {
            const basin_descriptor *d = lib->plugins[i];
            if (!ok_plugins[i] || strlen(d->id) != o.sets[s].n_id ||
                strncmp(d->id, o.sets[s].id, o.sets[s].n_id))
                continue;
            for (size_t p = 0; d->params[p].name && !found; p++)
                found = strlen(d->params[p].name) == o.sets[s].n_key &&
                        !strncmp(d->params[p].name, o.sets[s].key, o.sets[s].n_key);
        }
        if (!found) {
            fprintf(stderr,
                    "basin: --set %.*s.%.*s names no parameter of a plugin "
                    "in %s\n",
                    (int)o.sets[s].n_id, o.sets[s].id, (int)o.sets[s].n_key,
                    o.sets[s].key, o.library);
            free(ok_plugins);
            return 2;
        }
    }
    for (size_t i = 0; i < n_plugins; i++) {
        const basin_descriptor *d = lib->plugins[i];
        check_ctx c = {.d = d,
                       .seed = CHECK_SEED,
                       .verbose = o.verbose,
                       .dim = o.dim,
                       .pretrained = o.pretrained};
        if (!ok_plugins[i] || !accepted) {
            if (d->struct_size >= sizeof *d && d->id)
                check_skip(&c, "runtime", "the descriptor failed its checks");
            all.n_skip += c.n_skip;
            continue;
        }
        size_t n = param_count(d->params);
        basin_value *values = calloc(n + 1, sizeof *values);
        const char *missing;
        int r = values ? resolve_values(d, o.sets, o.n_sets, values, &missing, err,
                                        sizeof err)
                       : -1;
        if (r < 0) {
            fprintf(stderr, "basin: %s\n", values ? err : "out of memory");
            free(values);
            free(ok_plugins);
            return 2;
        }
        /* Every default validates against its own table (REQUIRED rows only
           document their form and are not checked). */
        char why[600] = "";
        for (size_t p = 0; p < n && !why[0]; p++) {
            const basin_param_def *def = &d->params[p];
            if ((def->flags & BASIN_PARAM_REQUIRED) || def->type == BASIN_PARAM_STRING ||
                def->type == BASIN_PARAM_BOOL)
                continue;
            if (def->type == BASIN_PARAM_CHOICE) {
                if (!param_choice_contains(def->choices, values[p].string))
                    snprintf(why, sizeof why, "'%s' = '%s' is not one of %s", def->name,
                             values[p].string, def->choices);
            } else if (param_check_number(def, values[p].number, err, sizeof err)) {
                snprintf(why, sizeof why, "'%s': %s", def->name, err);
            }
        }
        check_report(&c, !why[0], "defaults",
                     "expected values inside their table, "
                     "saw %s",
                     why);
        if (r == 1) {
            check_skip(&c, "runtime",
                       "parameter '%s' is REQUIRED: give it with "
                       "--set %s.%s=VALUE",
                       missing, d->id, missing);
        } else if (!why[0]) {
            c.values = values;
            const char *kind = registry_kind(d);
            if (strcmp(kind, "dataset") == 0)
                check_dataset(&c);
            else if (strcmp(kind, "energy") == 0)
                check_energy(&c);
            else if (strcmp(kind, "score") == 0)
                check_score(&c);
            else
                check_sampler(&c);
        }
        free(values);
        all.n_pass += c.n_pass;
        all.n_fail += c.n_fail;
        all.n_skip += c.n_skip;
    }
    free(ok_plugins);
done:
    printf("%u passed, %u failed, %u skipped\n", all.n_pass, all.n_fail, all.n_skip);
    /* The handle stays open: registry_free leaves libraries loaded too. */
    return all.n_fail ? 1 : 0;
}
