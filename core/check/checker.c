/*
 * checker.c — `basin check`: the options, loading the library, its entry and ABI,
 * the registry's verdict, and each plugin's battery with its resolved parameters.
 */
#include "check/checker.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errmsg.h"
#include "base/options.h"
#include "base/status.h"
#include "check/battery.h"
#include "check/descriptor.h"
#include "registry/interfaces.h"
#include "registry/param.h"
#include "registry/registry.h"

/* The seed of every host the checks lend; any fixed value does. */
#define CHECK_SEED     20250611u
#define CHECK_MAX_SETS 64
/* The largest --dim: the batteries hold a few dozen states of this dimension. */
#define CHECK_MAX_DIM 100000

const char check_usage[] =
    "usage: basin check LIBRARY.so [--set ID.KEY=VALUE]... [--dim N] [--pretrained]\n"
    "                   [--verbose]\n"
    "\n"
    "Run the conformance battery on every plugin of a library: the ABI and\n"
    "descriptors, parameter tables and defaults, finite and deterministic outputs,\n"
    "and per interface: an energy's gradient, Hessian-vector products and spin\n"
    "flips against finite differences; a denoiser's sigma -> 0 and sigma -> inf\n"
    "limits; a sampler on fixed points of tiny built-in models; a dataset's shapes,\n"
    "splits and ranges; an embedding's shape, finite and deterministic features\n"
    "(across calls, instances and threads, each row independent of its batch).\n"
    "Each check prints PASS or FAIL (with what was expected\n"
    "and seen) or SKIP (why it could not run).\n"
    "\n"
    "  --set ID.KEY=VALUE  a parameter for the runtime checks, e.g.\n"
    "                      --set datasets/npy.path=train.npy (needed for\n"
    "                      REQUIRED parameters; others default)\n"
    "  --dim N             run the energy, score, sampler and embedding checks at\n"
    "                      dimension N (1..100000; default 16 for energies, 8\n"
    "                      otherwise), for\n"
    "                      models of a fixed input size; datasets use their own\n"
    "  --pretrained        the score model's law is fixed (a trained network, a\n"
    "                      foreign function), not fitted to the training set the\n"
    "                      checker encodes: at sigma -> inf expect x0_hat the same\n"
    "                      for every x (the law's mean), not the training mean\n"
    "  --verbose, -v       also print the plugins' informational logs\n"
    "\n"
    "Exit status: 0 all checks pass, 1 a check failed, 2 a usage error or a\n"
    "library that cannot be loaded.\n";

/* ------------------------------------------------------------- --set values */

typedef struct set_arg {
    const char *id; /* points into argv, as do key and value */
    size_t n_id;
    const char *key;
    size_t n_key;
    const char *value;
} set_arg;

/* Parse "ID.KEY=VALUE" where ID holds a '/': KEY is after the last '.' before '='.
   BASIN_OK, or BASIN_EINVAL for text of another form. */
static int parse_set(const char *arg, set_arg *s)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return BASIN_EINVAL;
    const char *dot = NULL;
    for (const char *p = arg; p < eq; p++)
        if (*p == '.')
            dot = p;
    if (!dot || dot == arg || dot + 1 == eq)
        return BASIN_EINVAL;
    s->id = arg;
    s->n_id = (size_t)(dot - arg);
    s->key = dot + 1;
    s->n_key = (size_t)(eq - dot - 1);
    s->value = eq + 1;
    return BASIN_OK;
}

/* Resolve a --set text against def into *v: BASIN_OK, or BASIN_EINVAL with the
   reason in err. */
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
            errmsg(err, n_err, "'%s' is not true or false", text);
            return BASIN_EINVAL;
        }
        return BASIN_OK;
    case BASIN_PARAM_INT:
    case BASIN_PARAM_REAL: {
        char *end;
        errno = 0;
        v->number = strtod(text, &end);
        if (end == text || *end || errno) {
            errmsg(err, n_err, "'%s' is not a number", text);
            return BASIN_EINVAL;
        }
        return param_check_number(def, v->number, err, n_err) ? BASIN_EINVAL : BASIN_OK;
    }
    case BASIN_PARAM_CHOICE:
        if (!param_choice_contains(def->choices, text)) {
            errmsg(err, n_err, "'%s' is not one of %s", text, def->choices);
            return BASIN_EINVAL;
        }
        return BASIN_OK;
    case BASIN_PARAM_STRING:
        return BASIN_OK;
    }
    errmsg(err, n_err, "unknown type");
    return BASIN_EINVAL;
}

/*
 * The values create() gets: defaults, then --set for this id. Returns BASIN_OK
 * with *missing NULL, or with *missing the name of a REQUIRED parameter that no
 * --set gives; BASIN_EINVAL for a --set that does not fit its row (message in err).
 */
static int resolve_values(const basin_descriptor *d, const set_arg *sets, size_t n_sets,
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
                errmsg(err, n_err, "--set %s.%s: %s", d->id, def->name, why);
                return BASIN_EINVAL;
            }
            given = 1;
        }
        if (!given && (def->flags & BASIN_PARAM_REQUIRED) && !*missing)
            *missing = def->name;
    }
    return BASIN_OK;
}

/* ------------------------------------------------------------------ options */

typedef struct check_options {
    const char *library;
    set_arg sets[CHECK_MAX_SETS];
    size_t n_sets;
    int verbose;
    uint32_t dim; /* 0 without --dim */
    int pretrained;
    int help;
} check_options;

enum { OPT_SET = 256, OPT_DIM, OPT_PRETRAINED };

static const struct option LONGOPTS[] = {
    {"set", required_argument, NULL, OPT_SET},
    {"dim", required_argument, NULL, OPT_DIM},
    {"pretrained", no_argument, NULL, OPT_PRETRAINED},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A usage error: the message and where the usage is; BASIN_EINVAL. */
static int usage_error(char *err, size_t n_err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int usage_error(char *err, size_t n_err, const char *fmt, ...)
{
    if (err && n_err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, n_err, fmt, ap);
        va_end(ap);
        size_t n = strlen(err);
        snprintf(err + n, n_err - n, " (see `basin help check`)");
    }
    return BASIN_EINVAL;
}

static int parse_options(int argc, char **argv, check_options *o, char *err, size_t n_err)
{
    memset(o, 0, sizeof *o);
    options op;
    options_init(&op, argc, argv, "hv", LONGOPTS);
    int c;
    char why[512];
    while ((c = options_next(&op, why, sizeof why)) > 0) {
        switch (c) {
        case 'h':
            o->help = 1;
            return BASIN_OK;
        case 'v':
            o->verbose++;
            break;
        case OPT_PRETRAINED:
            o->pretrained = 1;
            break;
        case OPT_DIM: {
            char *end;
            errno = 0;
            long n = strtol(op.arg, &end, 10);
            if (end == op.arg || *end || errno || n < 1 || n > CHECK_MAX_DIM)
                return usage_error(err, n_err,
                                   "check: --dim '%s' is not a whole number from 1 to %d",
                                   op.arg, CHECK_MAX_DIM);
            o->dim = (uint32_t)n;
            break;
        }
        case OPT_SET:
            if (o->n_sets == CHECK_MAX_SETS)
                return usage_error(err, n_err, "check: more than %d --set options",
                                   CHECK_MAX_SETS);
            if (parse_set(op.arg, &o->sets[o->n_sets]))
                return usage_error(err, n_err, "check: --set '%s' is not ID.KEY=VALUE",
                                   op.arg);
            o->n_sets++;
            break;
        }
    }
    if (c < 0)
        return usage_error(err, n_err, "%s", why);
    for (int i = op.first_operand; i < argc; i++) {
        if (o->library)
            return usage_error(err, n_err, "check takes one library; '%s' is a second",
                               argv[i]);
        o->library = argv[i];
    }
    if (!o->library)
        return usage_error(err, n_err, "check needs a plugin library (.so)");
    return BASIN_OK;
}

/* ------------------------------------------------------------------ command */

/* The runtime battery of each interface. */
static void (*const BATTERIES[REGISTRY_N_IFACES])(check_ctx *c) = {
    [REGISTRY_IFACE_DATASET] = check_dataset,
    [REGISTRY_IFACE_ENERGY] = check_energy,
    [REGISTRY_IFACE_SCORE] = check_score,
    [REGISTRY_IFACE_SAMPLER] = check_sampler,
    [REGISTRY_IFACE_EMBEDDING] = check_embedding,
};

/* "entry", "abi", "entry-struct", "entry-name", "plugins": the library's exported
   entry. The number of plugins in *n_plugins; returns nonzero when the
   descriptors can be read. */
static int check_entry(check_ctx *all, const basin_library *lib, size_t *n_plugins)
{
    *n_plugins = 0;
    if (!check_report(all, lib != NULL, "entry",
                      "expected the exported symbol " BASIN_LIBRARY_SYMBOL ", saw none"))
        return 0;
    if (!check_report(all, basin_abi_compatible(lib->abi_major, lib->abi_minor), "abi",
                      "expected ABI %d.x with minor <= %d, saw %u.%u", BASIN_ABI_MAJOR,
                      BASIN_ABI_MINOR, (unsigned)lib->abi_major,
                      (unsigned)lib->abi_minor))
        return 0;
    if (!check_report(all, lib->struct_size >= sizeof(basin_library) && lib->plugins,
                      "entry-struct",
                      "expected struct_size >= %zu and "
                      "a plugin list, saw %u and %s",
                      sizeof(basin_library), (unsigned)lib->struct_size,
                      lib->plugins ? "a list" : "NULL"))
        return 0;
    check_report(all, lib->name && *lib->name, "entry-name",
                 "expected a library "
                 "name, saw none");
    while (lib->plugins[*n_plugins])
        ++*n_plugins;
    return check_report(all, *n_plugins > 0, "plugins",
                        "expected at least one "
                        "plugin, saw an empty list");
}

/* BASIN_OK when every --set names a parameter of a plugin of the library whose
   descriptor passed, else BASIN_EINVAL with a message. */
static int check_sets_known(const check_options *o, const basin_library *lib,
                            const int *ok_plugins, size_t n_plugins, char *err,
                            size_t n_err)
{
    for (size_t s = 0; s < o->n_sets; s++) {
        const set_arg *set = &o->sets[s];
        int found = 0;
        for (size_t i = 0; i < n_plugins && !found; i++) {
            const basin_descriptor *d = lib->plugins[i];
            if (!ok_plugins[i] || strlen(d->id) != set->n_id ||
                strncmp(d->id, set->id, set->n_id))
                continue;
            for (size_t p = 0; d->params[p].name && !found; p++)
                found = strlen(d->params[p].name) == set->n_key &&
                        !strncmp(d->params[p].name, set->key, set->n_key);
        }
        if (!found) {
            errmsg(err, n_err, "--set %.*s.%.*s names no parameter of a plugin in %s",
                   (int)set->n_id, set->id, (int)set->n_key, set->key, o->library);
            return BASIN_EINVAL;
        }
    }
    return BASIN_OK;
}

/* The runtime checks of plugin d, counted in *all: its defaults, then its
   interface's battery, or a SKIP when a REQUIRED parameter has no --set.
   BASIN_OK, or a status with a message in err (a --set that does not fit). */
static int check_plugin(check_ctx *all, const check_options *o, const basin_descriptor *d,
                        char *err, size_t n_err)
{
    check_ctx c = {.d = d,
                   .seed = CHECK_SEED,
                   .verbose = o->verbose,
                   .dim = o->dim,
                   .pretrained = o->pretrained};
    basin_value *values = calloc(param_count(d->params) + 1, sizeof *values);
    if (!values) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    const char *missing;
    int rc = resolve_values(d, o->sets, o->n_sets, values, &missing, err, n_err);
    if (rc) {
        free(values);
        return rc;
    }
    int defaults_ok = check_defaults(&c, values);
    if (missing) {
        check_skip(&c, "runtime",
                   "parameter '%s' is REQUIRED: give it with "
                   "--set %s.%s=VALUE",
                   missing, d->id, missing);
    } else if (defaults_ok) {
        c.values = values;
        const registry_interface *in = registry_interface_find(d->interface);
        BATTERIES[in - registry_interfaces](&c);
    }
    free(values);
    check_add_counts(all, &c);
    return BASIN_OK;
}

int cmd_check(int argc, char **argv, char *err, size_t n_err)
{
    check_options o;
    int rc = parse_options(argc, argv, &o, err, n_err);
    if (rc)
        return rc;
    if (o.help) {
        fputs(check_usage, stdout);
        return BASIN_OK;
    }

    /* A path without a '/' would be searched by dlopen in the system folders. */
    char path[4096];
    snprintf(path, sizeof path, "%s%s", strchr(o.library, '/') ? "" : "./", o.library);
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        errmsg(err, n_err, "%s cannot be loaded: %s", o.library,
               why ? why : "unknown error");
        return BASIN_EIO;
    }
    /* The handle stays open: registry_free leaves libraries loaded too. */
    check_ctx all = {.seed = CHECK_SEED, .verbose = o.verbose};
    const basin_library *lib = dlsym(handle, BASIN_LIBRARY_SYMBOL);
    size_t n_plugins;
    if (check_entry(&all, lib, &n_plugins)) {
        int *ok_plugins = calloc(n_plugins, sizeof *ok_plugins);
        if (!ok_plugins) {
            errmsg(err, n_err, "out of memory");
            return BASIN_ENOMEM;
        }
        for (size_t i = 0; i < n_plugins; i++)
            ok_plugins[i] = check_descriptor(&all, lib, i);

        /* The host's own verdict: the registry accepts or refuses the library. */
        registry *reg = registry_new();
        char why[2048] = "";
        int accepted = reg && registry_add_path(reg, path, 1, why, sizeof why) == 0;
        check_report(&all, accepted, "registry",
                     "expected the host to accept the "
                     "library, saw: %s",
                     why[0] ? why : "out of memory");
        registry_free(reg);

        rc = check_sets_known(&o, lib, ok_plugins, n_plugins, err, n_err);
        for (size_t i = 0; i < n_plugins && !rc; i++) {
            const basin_descriptor *d = lib->plugins[i];
            if (ok_plugins[i] && accepted) {
                rc = check_plugin(&all, &o, d, err, n_err);
            } else if (d->struct_size >= sizeof *d && d->id) {
                check_ctx c = {.d = d};
                check_skip(&c, "runtime", "the descriptor failed its checks");
                check_add_counts(&all, &c);
            }
        }
        free(ok_plugins);
        if (rc)
            return rc;
    }
    printf("%u passed, %u failed, %u skipped\n", all.n_pass, all.n_fail, all.n_skip);
    return all.n_fail ? BASIN_EFAILED : BASIN_OK;
}
