#include "cli/cmd_plugins.h"

#include <stdio.h>
#include <string.h>

#include "base/errmsg.h"
#include "base/json.h"
#include "base/options.h"
#include "base/status.h"
#include "recipe/sections.h"
#include "registry/param.h"
#include "registry/registry.h"
#include "registry/vocabulary.h"

const char plugins_usage[] =
    "usage: basin plugins [--json] [--path DIR_OR_LIBRARY]...\n"
    "\n"
    "List every plugin found (id, interface, version, summary), and every library\n"
    "that was refused with the reason. --path adds to the search path.\n"
    "\n"
    "  --json  print {\"plugins\": [{id, interface, version, summary, library}],\n"
    "          \"refused\": [...], \"shadowed\": [...]} on stdout instead\n";

const char describe_usage[] =
    "usage: basin describe ID [--json] [--path DIR_OR_LIBRARY]...\n"
    "\n"
    "Print a plugin's parameter table: name, type, default, range or choices, and\n"
    "what it means. ID may also be a core section: schedule, init, measure,\n"
    "landscape, output.\n"
    "\n"
    "  --json  print {id, version, interface, summary, library, parameters: [{name,\n"
    "          type, required, default, min, max, choices, doc, ...}]} on stdout\n";

enum { OPT_JSON = 256 };

static const struct option PATH_OPTIONS[] = {
    {"path", required_argument, NULL, 'p'},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/*
 * Parse the options of plugins and describe (--path, repeatable, then the default
 * search path) into a new registry *out. BASIN_OK with *first the first operand
 * (*out NULL when --help printed the usage), or a status with a message.
 */
static int load_registry(int argc, char **argv, const char *usage, registry **out,
                         int *first, int *json, char *err, size_t n_err)
{
    *out = NULL;
    *json = 0;
    registry *reg = registry_new();
    if (!reg) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    options op;
    options_init(&op, argc, argv, "h", PATH_OPTIONS);
    int c, rc = BASIN_OK;
    while (rc == BASIN_OK && (c = options_next(&op, err, n_err)) != 0) {
        char why[2048];
        if (c == 'h') {
            fputs(usage, stdout);
            registry_free(reg);
            return BASIN_OK;
        } else if (c < 0) {
            rc = c;
        } else if (c == OPT_JSON) {
            *json = 1;
        } else if ((rc = registry_add_path(reg, op.arg, 1, why, sizeof why))) {
            errmsg(err, n_err, "%s: --path %s", argv[0], why);
        }
    }
    if (rc != BASIN_OK) {
        registry_free(reg);
        return rc;
    }
    registry_add_defaults(reg);
    *out = reg;
    *first = op.first_operand;
    return BASIN_OK;
}

/* The table of plugins on stdout; refusals, shadowed copies, or that none was
   found, on stderr. */
static void list_plugins(const registry *reg)
{
    printf("%-28s %-18s %-8s %s\n", "ID", "INTERFACE", "VERSION", "SUMMARY");
    for (size_t i = 0; i < registry_count(reg); i++) {
        const basin_descriptor *d = registry_at(reg, i)->descriptor;
        printf("%-28s %-18s %-8s %s\n", d->id, d->interface, d->version, d->summary);
    }
    for (size_t i = 0; i < registry_refused_count(reg); i++)
        fprintf(stderr, "basin: refused %s\n", registry_refusal(reg, i));
    for (size_t i = 0; i < registry_shadowed_count(reg); i++)
        fprintf(stderr, "basin: note: %s\n", registry_shadowed(reg, i));
    if (registry_count(reg) == 0)
        fprintf(stderr, "basin: no plugins found; set BASIN_PLUGIN_PATH\n");
}

/* The same as JSON on stdout (registry_refusal and registry_shadowed texts as
   strings); nothing on stderr. */
static void list_plugins_json(const registry *reg)
{
    json_writer w;
    json_init(&w, stdout);
    json_object_begin(&w);
    json_key(&w, "plugins");
    json_array_begin(&w);
    for (size_t i = 0; i < registry_count(reg); i++) {
        const registry_plugin *p = registry_at(reg, i);
        const basin_descriptor *d = p->descriptor;
        json_object_begin(&w);
        json_key(&w, "id");
        json_string(&w, d->id);
        json_key(&w, "interface");
        json_string(&w, d->interface);
        json_key(&w, "version");
        json_string(&w, d->version);
        json_key(&w, "summary");
        json_string(&w, d->summary);
        json_key(&w, "library");
        json_string(&w, p->library);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_key(&w, "refused");
    json_array_begin(&w);
    for (size_t i = 0; i < registry_refused_count(reg); i++)
        json_string(&w, registry_refusal(reg, i));
    json_array_end(&w);
    json_key(&w, "shadowed");
    json_array_begin(&w);
    for (size_t i = 0; i < registry_shadowed_count(reg); i++)
        json_string(&w, registry_shadowed(reg, i));
    json_array_end(&w);
    json_object_end(&w);
    json_finish(&w);
}

int cmd_plugins(int argc, char **argv, char *err, size_t n_err)
{
    registry *reg;
    int first, json,
        rc = load_registry(argc, argv, plugins_usage, &reg, &first, &json, err, n_err);
    if (rc != BASIN_OK || !reg)
        return rc;
    if (first < argc) {
        errmsg(err, n_err, "plugins: takes no operand ('%s'; see `basin help plugins`)",
               argv[first]);
        rc = BASIN_EINVAL;
    } else if (json) {
        list_plugins_json(reg);
    } else {
        list_plugins(reg);
    }
    registry_free(reg);
    return rc;
}

/* Plugin or core section id's parameter table as JSON (id, summary and parameters;
   a plugin adds version, interface and library). */
static void describe_json(const char *id, const char *summary, const registry_plugin *p,
                          const basin_param_def *params)
{
    json_writer w;
    json_init(&w, stdout);
    json_object_begin(&w);
    json_key(&w, "id");
    json_string(&w, id);
    if (p != NULL) {
        json_key(&w, "version");
        json_string(&w, p->descriptor->version);
        json_key(&w, "interface");
        json_string(&w, p->descriptor->interface);
        json_key(&w, "library");
        json_string(&w, p->library);
    } else {
        json_key(&w, "interface");
        json_string(&w, "core");
    }
    json_key(&w, "summary");
    json_string(&w, summary);
    json_key(&w, "parameters");
    param_describe_json(&w, params);
    json_object_end(&w);
    json_finish(&w);
}

/* Print plugin or core section id's parameter table (as JSON with json). */
static int describe_one(const registry *reg, const char *id, int json, char *err,
                        size_t n_err)
{
    const section_def *core = section_find_core(id);
    if (core && json) {
        describe_json(core->name, core->summary, NULL, core->table);
        return BASIN_OK;
    }
    if (core) {
        printf("%s\n  %s\n\nparameters:\n", core->name, core->summary);
        param_describe(stdout, core->table);
        return BASIN_OK;
    }
    const registry_plugin *p = registry_find(reg, id);
    if (!p) {
        const char *near = registry_suggest(reg, id);
        char hint[256];
        if (vocabulary_hint(id, VOCABULARY_SAMPLER, hint, sizeof hint))
            errmsg(err, n_err, "unknown plugin '%s'%s", id, hint);
        else if (near)
            errmsg(err, n_err, "unknown plugin '%s' (did you mean '%s'?)", id, near);
        else
            errmsg(err, n_err, "unknown plugin '%s' (see `basin plugins`)", id);
        return BASIN_EINVAL;
    }
    const basin_descriptor *d = p->descriptor;
    if (json) {
        describe_json(d->id, d->summary, p, d->params);
        return BASIN_OK;
    }
    printf("%s %s (%s)\n  %s\n  library: %s\n\nparameters:\n", d->id, d->version,
           d->interface, d->summary, p->library);
    param_describe(stdout, d->params);
    return BASIN_OK;
}

int cmd_describe(int argc, char **argv, char *err, size_t n_err)
{
    registry *reg;
    int first, json,
        rc = load_registry(argc, argv, describe_usage, &reg, &first, &json, err, n_err);
    if (rc != BASIN_OK || !reg)
        return rc;
    if (argc - first != 1) {
        errmsg(err, n_err, "describe: needs exactly one ID (see `basin help describe`)");
        rc = BASIN_EINVAL;
    } else {
        rc = describe_one(reg, argv[first], json, err, n_err);
    }
    registry_free(reg);
    return rc;
}
