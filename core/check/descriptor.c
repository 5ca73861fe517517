#include "check/descriptor.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "registry/interfaces.h"
#include "registry/param.h"

/* "interface" and "id": an interface of registry_interfaces, and an id
   "KIND/NAME" with that interface's prefix and a NAME of [a-z0-9._-]. */
static int check_id(check_ctx *c)
{
    const basin_descriptor *d = c->d;
    const registry_interface *in = registry_interface_find(d->interface);
    char known[256] = "";
    for (size_t i = 0; i < REGISTRY_N_IFACES; i++) {
        size_t n = strlen(known);
        snprintf(known + n, sizeof known - n, "%s%s", i ? ", " : "",
                 registry_interfaces[i].id);
    }
    if (!check_report(c, in != NULL, "interface", "expected one of %s, saw '%s'", known,
                      d->interface))
        return 0;
    const char *prefix = in->id_prefix;
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

/* "table", "table-size", "table-functions": the interface's function table is
   there, as large as its first version, with its required functions. */
static int check_table(check_ctx *c, const registry_interface *in)
{
    const basin_descriptor *d = c->d;
    if (!check_report(c, d->iface != NULL, "table",
                      "expected a function table, "
                      "saw NULL"))
        return 0;
    uint32_t size = *(const uint32_t *)d->iface;
    if (!check_report(c, size >= in->min_size, "table-size",
                      "expected struct_size >= %zu, "
                      "saw %u",
                      in->min_size, (unsigned)size))
        return 0;
    const char *missing = in->missing(d->iface);
    return check_report(c, !missing, "table-functions", "expected %s, saw one NULL",
                        missing);
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

int check_descriptor(check_ctx *lib_ctx, const basin_library *lib, size_t i)
{
    const basin_descriptor *d = lib->plugins[i];
    check_ctx c = {.d = NULL, .seed = lib_ctx->seed};
    char label[64];
    snprintf(label, sizeof label, "descriptor[%zu]-size", i);
    int ok = check_report(&c, d->struct_size >= sizeof(basin_descriptor), label,
                          "expected struct_size >= %zu, saw %u", sizeof(basin_descriptor),
                          (unsigned)d->struct_size);
    snprintf(label, sizeof label, "descriptor[%zu]-id", i);
    ok = ok && check_report(&c, d->id && d->interface, label,
                            "expected an id and an interface, saw NULL");
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
        const registry_interface *in = registry_interface_find(d->interface);
        if (ok && in)
            ok &= check_table(&c, in);
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
    lib_ctx->n_pass += c.n_pass;
    lib_ctx->n_fail += c.n_fail;
    return ok;
}

int check_defaults(check_ctx *c, const basin_value *values)
{
    const basin_param_def *table = c->d->params;
    char why[600] = "", err[512];
    for (size_t p = 0; table[p].name && !why[0]; p++) {
        const basin_param_def *def = &table[p];
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
    return check_report(c, !why[0], "defaults",
                        "expected values inside their table, "
                        "saw %s",
                        why);
}
