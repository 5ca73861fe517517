#include "recipe/recipe.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "registry/param.h"
#include "registry/vocabulary.h"
#include "base/rng.h"
#include "base/suggest.h"
#include "recipe/sections.h"
#include "recipe/scheduler_config.h"

#define MAX_SWEEP_VALUES 100000
#define MAX_POINTS       1000000

static const char *const TOP_KEYS[] = {"name",    "description", "seed",
                                       "repeats", "plugin_path", "labels"};
#define N_TOP_KEYS (sizeof TOP_KEYS / sizeof TOP_KEYS[0])

/* Loader state: the recipe being built and where to put a message. */
typedef struct loader {
    recipe *r;
    char *err;
    size_t n_err;
    int as_data; /* recipe_load_results: no plugin_path, unknown plugins read */
    size_t entry, n_entries; /* the [[model]] entry being read (from 1), of how many
                                (0: not one) */
} loader;

/* "FILE:LINE: KEY: message" (or "--set KEY: message" for a command-line value). */
static int fail(loader *L, const toml_node *at, const char *key, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char entry[96] = "";
    if (L->entry)
        snprintf(entry, sizeof entry, "[[model]] %zu of %zu: ", L->entry, L->n_entries);
    if (at && at->line < 0)
        snprintf(L->err, L->n_err, "--set %s: %s", key, msg);
    else if (at && at->line > 0)
        snprintf(L->err, L->n_err, "%s:%d: %s%s: %s", L->r->path, at->line, entry, key,
                 msg);
    else
        snprintf(L->err, L->n_err, "%s: %s%s: %s", L->r->path, entry, key, msg);
    return BASIN_EINVAL;
}

/* ------------------------------------------------------------ --set overrides */

static void mark_from_set(toml_node *n)
{
    n->line = -1;
    for (size_t i = 0; i < n->n_items; i++)
        mark_from_set(n->items[i]);
}

static int table_put(toml_node *table, toml_node *value)
{
    for (size_t i = 0; i < table->n_items; i++) {
        if (strcmp(table->items[i]->key, value->key) == 0) {
            toml_free(table->items[i]);
            table->items[i] = value;
            return 0;
        }
    }
    toml_node **items = realloc(table->items, (table->n_items + 1) * sizeof *items);
    if (!items)
        return -1;
    items[table->n_items++] = value;
    table->items = items;
    return 0;
}

/* Apply one "dotted.key=value" to the parsed recipe. */
static int apply_set(loader *L, const char *set)
{
    /* Text that is not UTF-8 would make run.toml unreadable: refused, naming the
       valid part before the bad byte. */
    const size_t n_set = strlen(set), valid = toml_utf8_prefix(set, n_set);
    if (valid < n_set) {
        size_t shown = valid < 200 ? valid : 200;
        while (shown > 0 && shown < valid && ((unsigned char)set[shown] & 0xc0) == 0x80)
            shown--; /* not inside a character */
        snprintf(L->err, L->n_err, "--set %.*s%s: not valid UTF-8 (byte 0x%02X %s)",
                 (int)shown, set, shown < valid ? "..." : "", (unsigned char)set[valid],
                 valid ? "after that" : "first");
        return BASIN_EINVAL;
    }
    const char *eq = strchr(set, '=');
    if (!eq || eq == set) {
        snprintf(L->err, L->n_err, "--set %s: expected dotted.key=value", set);
        return BASIN_EINVAL;
    }
    char key[256];
    size_t n_key = (size_t)(eq - set);
    if (n_key >= sizeof key) {
        snprintf(L->err, L->n_err, "--set: key too long");
        return BASIN_EINVAL;
    }
    memcpy(key, set, n_key);
    key[n_key] = '\0';
    char *dot = strchr(key, '.');
    if (dot && strchr(dot + 1, '.')) {
        snprintf(L->err, L->n_err, "--set %s: keys have the form section.key or key",
                 key);
        return BASIN_EINVAL;
    }
    /* The value in TOML syntax; a bare word that is not TOML is a string. */
    const char *text = eq + 1;
    size_t n_doc = strlen(text) + 8;
    char *doc = malloc(n_doc);
    if (!doc)
        return BASIN_ENOMEM;
    snprintf(doc, n_doc, "v = %s", text);
    toml_node *parsed = NULL, *value = NULL;
    char *perr = NULL;
    if (toml_parse_text(doc, strlen(doc), "--set", &parsed, &perr) == 0 &&
        parsed->n_items == 1) {
        value = parsed->items[0];
        parsed->n_items = 0;
    } else {
        value = calloc(1, sizeof *value);
        if (value) {
            value->kind = TOML_STRING;
            value->string = strdup(text);
        }
    }
    free(perr);
    toml_free(parsed);
    free(doc);
    if (!value || (value->kind == TOML_STRING && !value->string)) {
        toml_free(value);
        return BASIN_ENOMEM;
    }
    mark_from_set(value);
    free(value->key);
    value->key = strdup(dot ? dot + 1 : key);
    toml_node *table = L->r->root;
    if (dot) {
        *dot = '\0';
        toml_node *section = toml_get(table, key);
        if (!section) {
            section = calloc(1, sizeof *section);
            if (!section || !(section->key = strdup(key))) {
                free(section);
                toml_free(value);
                return BASIN_ENOMEM;
            }
            section->kind = TOML_TABLE;
            section->line = -1;
            if (table_put(table, section)) {
                toml_free(section);
                toml_free(value);
                return BASIN_ENOMEM;
            }
        } else if (section->kind != TOML_TABLE) {
            toml_free(value);
            if (strcmp(key, "model") == 0 && section->kind == TOML_ARRAY)
                snprintf(L->err, L->n_err,
                         "--set model.%s: the recipe compares several models "
                         "([[model]]); set the key in its [[model]] entries",
                         dot + 1);
            else
                snprintf(L->err, L->n_err, "--set %s.%s: '%s' is not a section", key,
                         dot + 1, key);
            return BASIN_EINVAL;
        }
        table = section;
    }
    if (!value->key || table_put(table, value)) {
        toml_free(value);
        return BASIN_ENOMEM;
    }
    return BASIN_OK;
}

/* ---------------------------------------------------------------- sweeps */

/* Round x to 12 significant digits: 0.02 + 14·0.02 reads 0.3, not 0.30000000000000004. */
static double tidy(double x)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.12g", x);
    return strtod(buf, NULL);
}

static int number_of(const toml_node *n, double *out)
{
    if (n->kind == TOML_INTEGER)
        *out = (double)n->integer;
    else if (n->kind == TOML_FLOAT)
        *out = n->real;
    else
        return -1;
    return 0;
}

/* Expand {from, to, step} or {from, to, times} into axis values. */
static int expand_range(loader *L, const toml_node *node, const char *dotted,
                        const basin_param_def *def, recipe_axis *axis)
{
    if (def->type != BASIN_PARAM_INT && def->type != BASIN_PARAM_REAL)
        return fail(L, node, dotted,
                    "a range sweeps numbers, but this is a %s "
                    "(use a list of values)",
                    param_type_name(def->type));
    const toml_node *from = NULL, *to = NULL, *step = NULL, *times = NULL;
    for (size_t i = 0; i < node->n_items; i++) {
        const toml_node *e = node->items[i];
        if (strcmp(e->key, "from") == 0)
            from = e;
        else if (strcmp(e->key, "to") == 0)
            to = e;
        else if (strcmp(e->key, "step") == 0)
            step = e;
        else if (strcmp(e->key, "times") == 0)
            times = e;
        else {
            static const char *const RANGE_KEYS[] = {"from", "to", "step", "times"};
            const char *near = suggest_closest(e->key, RANGE_KEYS, 4);
            return fail(L, e, dotted, "unknown range key '%s'%s%s%s", e->key,
                        near ? " (did you mean '" : "", near ? near : "",
                        near ? "'?)"
                             : " (a range is {from, to, step} or {from, to, times})");
        }
    }
    double a, b, s = 0, t = 0;
    if (!from || !to || (!step == !times))
        return fail(L, node, dotted,
                    "a range needs from, to and exactly one of step "
                    "or times");
    if (number_of(from, &a) || number_of(to, &b) || (step && number_of(step, &s)) ||
        (times && number_of(times, &t)))
        return fail(L, node, dotted, "range bounds must be numbers");
    double count;
    if (step) {
        if (!(s > 0) || !(b >= a))
            return fail(L, node, dotted, "a range needs from <= to and step > 0");
        count = floor((b - a) / s * (1 + 1e-12) + 1e-9) + 1;
    } else {
        if (!(t > 1) || !(a > 0) || !(b >= a))
            return fail(L, node, dotted,
                        "a geometric range needs 0 < from <= to and "
                        "times > 1");
        count = floor(log(b / a) / log(t) * (1 + 1e-12) + 1e-9) + 1;
    }
    if (!(count <= MAX_SWEEP_VALUES))
        return fail(L, node, dotted, "the range has more than %d values",
                    MAX_SWEEP_VALUES);
    axis->n_values = (size_t)count;
    axis->values = calloc(axis->n_values, sizeof *axis->values);
    if (!axis->values)
        return BASIN_ENOMEM;
    for (size_t i = 0; i < axis->n_values; i++) {
        double v = step ? a + (double)i * s : a * pow(t, (double)i);
        v = def->type == BASIN_PARAM_INT ? round(v) : tidy(v);
        char why[256];
        if (param_check_number(def, v, why, sizeof why))
            return fail(L, node, dotted, "range value %zu: %s", i + 1, why);
        axis->values[i].number = v;
        axis->values[i].string = "";
    }
    return BASIN_OK;
}

/* A list of values: each is checked like a scalar. */
static int expand_list(loader *L, const toml_node *node, const char *dotted,
                       const basin_param_def *def, recipe_axis *axis)
{
    if (node->n_items == 0)
        return fail(L, node, dotted, "an empty list sweeps nothing");
    if (node->n_items > MAX_SWEEP_VALUES)
        return fail(L, node, dotted, "the list has more than %d values",
                    MAX_SWEEP_VALUES);
    axis->n_values = node->n_items;
    axis->values = calloc(axis->n_values, sizeof *axis->values);
    if (!axis->values)
        return BASIN_ENOMEM;
    for (size_t i = 0; i < node->n_items; i++) {
        char why[512];
        if (param_from_toml(def, node->items[i], &axis->values[i], why, sizeof why))
            return fail(L, node->items[i], dotted, "list value %zu: %s", i + 1, why);
    }
    return BASIN_OK;
}

/* ---------------------------------------------------------------- sections */

/* The TOML kind a key's values have: a list's first value (a real when any is),
   a range's bounds, or the value itself. */
static basin_param_type read_type(const toml_node *e)
{
    toml_kind kind = e->kind;
    if (e->kind == TOML_ARRAY && e->n_items) {
        kind = e->items[0]->kind;
        for (size_t i = 0; i < e->n_items; i++)
            if (e->items[i]->kind == TOML_FLOAT)
                kind = TOML_FLOAT;
    }
    switch (kind) {
    case TOML_INTEGER:
        return BASIN_PARAM_INT;
    case TOML_FLOAT:
    case TOML_TABLE: /* a range {from, to, step}: numbers */
        return BASIN_PARAM_REAL;
    case TOML_BOOL:
        return BASIN_PARAM_BOOL;
    default:
        return BASIN_PARAM_STRING;
    }
}

/* recipe_load_results: a plugin section whose plugin is not loaded keeps its keys
   as read, each typed by its TOML value and unbounded. */
static int read_params(loader *L, recipe_section *sec, const toml_node *table)
{
    basin_param_def *defs = calloc(table->n_items + 1, sizeof *defs);
    if (!defs)
        return BASIN_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < table->n_items; i++) {
        const toml_node *e = table->items[i];
        if (strcmp(e->key, "plugin") == 0 || (L->entry && strcmp(e->key, "label") == 0))
            continue;
        defs[n].name = e->key;
        defs[n].type = read_type(e);
        defs[n].min = -INFINITY;
        defs[n].max = INFINITY;
        n++;
    }
    sec->read_params = defs;
    sec->params = defs;
    return BASIN_OK;
}

/* Find plugin `id` (named by node `at`, key `dotted`) for section s, whose keys
   are in table: its descriptor and parameter table, or (a results folder read as
   data) the keys as read when reg lacks it. */
static int find_plugin(loader *L, recipe_section_id s, recipe_section *sec,
                       const toml_node *table, const char *id, const toml_node *at,
                       const char *dotted, registry *reg)
{
    sec->plugin_id = id;
    const registry_plugin *p = registry_find(reg, id);
    if (!p && L->as_data)
        return read_params(L, sec, table);
    if (!p) {
        const char *near = registry_suggest(reg, id);
        char refused[512] = "";
        if (registry_refused_count(reg))
            snprintf(refused, sizeof refused, "; %zu librar%s refused, first: %s",
                     registry_refused_count(reg),
                     registry_refused_count(reg) == 1 ? "y was" : "ies were",
                     registry_refusal(reg, 0));
        char hint[256];
        if (vocabulary_hint(id, VOCABULARY_SAMPLER, hint, sizeof hint))
            return fail(L, at, dotted, "unknown plugin '%s'%s%s", id, hint, refused);
        if (near)
            return fail(L, at, dotted, "unknown plugin '%s' (did you mean '%s'?)%s", id,
                        near, refused);
        return fail(L, at, dotted, "unknown plugin '%s' (see `basin plugins`)%s", id,
                    refused);
    }
    const char *kind = registry_kind(p->descriptor);
    char who[64];
    if (s == RECIPE_SPACE)
        snprintf(who, sizeof who, "measure.space");
    else
        snprintf(who, sizeof who, "[%s]", recipe_sections[s].name);
    if (!strstr(recipe_sections[s].kinds, kind))
        return fail(L, at, dotted, "'%s' is a%s %s plugin (%s), but %s needs %s", id,
                    kind[0] == 'e' ? "n" : "", kind, p->descriptor->interface, who,
                    s == RECIPE_MODEL   ? "an energy or a score model"
                    : s == RECIPE_SPACE ? "an embedding (or \"raw\")"
                                        : recipe_sections[s].kinds);
    sec->plugin = p;
    sec->params = p->descriptor->params;
    return BASIN_OK;
}

static int resolve_plugin(loader *L, recipe_section_id s, recipe_section *sec,
                          const toml_node *table, registry *reg)
{
    char dotted[64];
    snprintf(dotted, sizeof dotted, "%s.plugin", recipe_sections[s].name);
    const toml_node *id = toml_get(table, "plugin");
    if (!id)
        return fail(L, table, recipe_sections[s].name,
                    "the section needs plugin = \"ID\" "
                    "(see `basin plugins`)");
    if (id->kind != TOML_STRING)
        return fail(L, id, dotted, "expected a plugin id string, found %s",
                    toml_kind_name(id->kind));
    return find_plugin(L, s, sec, table, id->string, id, dotted, reg);
}

/* No parameters: [space] when measure.space is raw. */
static const basin_param_def NO_PARAMS[1] = {{NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL}};

/* [space]: the parameters of the embedding that measure.space names (run/space.h),
   or none when it is raw. measure.space is one value (each embedding has its own
   parameters), and [space] names no plugin of its own. */
static int resolve_space(loader *L, const toml_node *table, registry *reg)
{
    recipe *r = L->r;
    recipe_section *sec = &r->sections[RECIPE_SPACE];
    const toml_node *measure = toml_get(r->root, "measure");
    const toml_node *at =
        measure && measure->kind == TOML_TABLE ? toml_get(measure, "space") : NULL;
    for (size_t a = 0; a < r->n_axes; a++)
        if (r->axes[a].section == RECIPE_MEASURE && r->axes[a].param == MEASURE_SPACE)
            return fail(L, at, "measure.space",
                        "one space per recipe: each embedding has its own [space] "
                        "parameters (sweep those instead, or run one recipe per "
                        "space)");
    const char *id = r->sections[RECIPE_MEASURE].fixed[MEASURE_SPACE].string;
    const toml_node *plugin = table ? toml_get(table, "plugin") : NULL;
    if (plugin)
        return fail(L, plugin, "space.plugin",
                    "name the embedding with [measure] space = \"ID\"; [space] holds "
                    "its parameters");
    sec->params = NO_PARAMS;
    if (strcmp(id, MEASURE_SPACE_RAW) == 0) {
        if (table && table->n_items)
            return fail(L, table->items[0], "space",
                        "[space] sets %s, but measure.space is \"raw\": name an "
                        "embedding (measure.space = \"embeddings/pca\")",
                        table->items[0]->key);
        return BASIN_OK;
    }
    return find_plugin(L, RECIPE_SPACE, sec,
                       table ? table : &(toml_node){.kind = TOML_TABLE}, id, at,
                       "measure.space", reg);
}

static int add_axis(loader *L, recipe_axis *axis)
{
    recipe *r = L->r;
    recipe_axis *axes = realloc(r->axes, (r->n_axes + 1) * sizeof *axes);
    if (!axes)
        return BASIN_ENOMEM;
    r->axes = axes;
    r->axes[r->n_axes++] = *axis;
    return BASIN_OK;
}

/* A choice whose words include true and false (output.report) also takes a
   TOML bool. */
static int choice_accepts_bool(const basin_param_def *def)
{
    const char *c = def->choices;
    return c && strstr(c, "true") && strstr(c, "false");
}

static char *dir_of(const char *path);

/* One convention for paths in a recipe (docs/recipes.md, Paths): a relative value
   of a BASIN_PARAM_PATH parameter written in the recipe file is relative to the
   recipe's folder. The node's string (and a list's strings) become absolute, so
   the plugin, run.toml and a rerun from another folder see the same file; --set
   values (line < 0) and results folders read as data are left as they are. A
   BASIN_PARAM_LIBRARY value with no '/' is a name dlopen searches for. */
static int resolve_paths(loader *L, const basin_param_def *def, const toml_node *e)
{
    if (L->as_data)
        return BASIN_OK;
    size_t n = e->kind == TOML_ARRAY ? e->n_items : 1;
    for (size_t i = 0; i < n; i++) {
        toml_node *v = (toml_node *)(e->kind == TOML_ARRAY ? e->items[i] : e);
        if (v->kind != TOML_STRING || v->line < 0 || !v->string[0] ||
            v->string[0] == '/' ||
            ((def->flags & BASIN_PARAM_LIBRARY) && !strchr(v->string, '/')))
            continue;
        char *dir = dir_of(L->r->path), real[PATH_MAX];
        if (!dir)
            return BASIN_ENOMEM;
        const char *base = realpath(dir, real) ? real : dir;
        size_t len = strlen(base) + strlen(v->string) + 2;
        char *joined = malloc(len);
        if (joined)
            snprintf(joined, len, "%s/%s", base, v->string);
        free(dir);
        if (!joined)
            return BASIN_ENOMEM;
        free(v->string);
        v->string = joined;
    }
    return BASIN_OK;
}

/* Compare two axis values as numbers (qsort). */
static int by_number(const void *a, const void *b)
{
    const double x = ((const basin_value *)a)->number,
                 y = ((const basin_value *)b)->number;
    return (x > y) - (x < y);
}

/*
 * [model] snapshots = {from, to, times} or a list: training steps at which a
 * trained score model (one with an integer `steps` and a string `snapshots`
 * parameter) keeps a checkpoint. They become the train_step axis over `steps`
 * (integers, sorted, repeats dropped: a geometric range rounds to equal steps at
 * its low end) and the plugin's `snapshots` string "S1,S2,..." so that one
 * training run writes every snapshot (docs/recipes.md, "Snapshots"). A results
 * folder read as data (no plugin) keeps the axis on the `snapshots` key itself.
 */
static int load_snapshots(loader *L, recipe_section *sec, const toml_node *table,
                          const toml_node *e, long p_snap)
{
    const long p_steps = param_find(sec->params, "steps");
    const int as_data = sec->plugin == NULL;
    const basin_param_def step_def = {"steps", BASIN_PARAM_INT, 0, NULL, 1, 1e15, NULL, 0,
                                      NULL};
    if (!as_data && (p_steps < 0 || sec->params[p_steps].type != BASIN_PARAM_INT ||
                     sec->params[p_snap].type != BASIN_PARAM_STRING))
        return fail(L, e, "model.snapshots",
                    "%s does not train in snapshots (it needs integer `steps` and "
                    "string `snapshots` parameters)",
                    sec->plugin->descriptor->id);
    if (!as_data && toml_get(table, "steps"))
        return fail(L, toml_get(table, "steps"), "model.steps",
                    "set by model.snapshots (a training run ends at the last snapshot): "
                    "remove one");
    recipe_axis axis = {0};
    axis.section = RECIPE_MODEL;
    axis.param = (size_t)(as_data ? p_snap : p_steps);
    axis.line = e->line;
    axis.snapshot = 1;
    const basin_param_def *def = as_data ? &step_def : &sec->params[p_steps];
    int rc = e->kind == TOML_TABLE ? expand_range(L, e, "model.snapshots", def, &axis)
                                   : expand_list(L, e, "model.snapshots", def, &axis);
    if (rc == BASIN_OK) {
        qsort(axis.values, axis.n_values, sizeof *axis.values, by_number);
        size_t k = 0;
        for (size_t i = 0; i < axis.n_values; i++)
            if (k == 0 || axis.values[i].number != axis.values[k - 1].number)
                axis.values[k++] = axis.values[i];
        axis.n_values = k;
        for (size_t i = 0; i < k; i++)
            axis.values[i].string = "";
        size_t cap = 24 * k + 1, used = 0;
        char *text = malloc(cap);
        if (!text || !(axis.dotted = strdup("train_step")))
            rc = BASIN_ENOMEM;
        for (size_t i = 0; rc == BASIN_OK && i < k; i++)
            used += (size_t)snprintf(text + used, cap - used, "%s%.0f", i ? "," : "",
                                     axis.values[i].number);
        if (rc == BASIN_OK) {
            free(L->r->snapshot_text);
            L->r->snapshot_text = text;
            text = NULL;
            rc = add_axis(L, &axis);
        }
        free(text);
    }
    if (rc) {
        free(axis.values);
        free(axis.dotted);
        return rc;
    }
    sec->fixed[axis.param] = axis.values[0];
    if (!as_data)
        sec->fixed[p_snap] = (basin_value){0, L->r->snapshot_text};
    return BASIN_OK;
}

/* A [[model]] entry's label: a non-empty line of text. */
static int read_label(loader *L, const toml_node *e, recipe_section *sec)
{
    if (e->kind != TOML_STRING)
        return fail(L, e, "model.label", "expected a string, found %s",
                    toml_kind_name(e->kind));
    if (!e->string[0])
        return fail(L, e, "model.label", "an empty label names nothing");
    for (const char *c = e->string; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return fail(L, e, "model.label", "a label is one line of printable text");
    free(sec->label);
    sec->label = strdup(e->string);
    return sec->label ? BASIN_OK : BASIN_ENOMEM;
}

/* Section s from its table into sec (sections[s], or a [[model]] entry: then
   every key takes one value, and `label` names the entry). */
static int load_table(loader *L, recipe_section_id s, recipe_section *sec,
                      const toml_node *table, registry *reg)
{
    sec->name = recipe_sections[s].name;
    if (table && table->kind != TOML_TABLE)
        return fail(L, table, sec->name, "expected a table [%s], found %s", sec->name,
                    toml_kind_name(table->kind));
    if (!table && recipe_sections[s].required) {
        snprintf(L->err, L->n_err,
                 "%s: the recipe has no [%s] section (it needs "
                 "[dataset], [model] and [sampler])",
                 L->r->path, sec->name);
        return BASIN_EINVAL;
    }
    sec->line = table ? table->line : 0;
    int rc;
    if (s == RECIPE_SPACE) {
        if ((rc = resolve_space(L, table, reg)))
            return rc;
    } else if (s == RECIPE_COMPARE && !table) {
        sec->params = NO_PARAMS; /* no second model */
    } else if (recipe_sections[s].kinds) {
        if ((rc = resolve_plugin(L, s, sec, table, reg)))
            return rc;
    } else {
        sec->params = recipe_sections[s].table;
    }
    sec->n_params = param_count(sec->params);
    sec->fixed = calloc(sec->n_params + 1, sizeof *sec->fixed);
    if (!sec->fixed)
        return BASIN_ENOMEM;
    for (size_t i = 0; i < sec->n_params; i++)
        sec->fixed[i] = param_default(&sec->params[i]);
    for (size_t i = 0; table && i < table->n_items; i++) {
        const toml_node *e = table->items[i];
        char dotted[300];
        snprintf(dotted, sizeof dotted, "%s.%s", sec->name, e->key);
        if (recipe_sections[s].kinds && s != RECIPE_SPACE &&
            strcmp(e->key, "plugin") == 0)
            continue;
        if (L->entry && strcmp(e->key, "label") == 0) {
            if ((rc = read_label(L, e, sec)))
                return rc;
            continue;
        }
        long p = param_find(sec->params, e->key);
        if (p < 0) {
            const char **names = calloc(sec->n_params + 2, sizeof *names);
            if (!names)
                return BASIN_ENOMEM;
            for (size_t k = 0; k < sec->n_params; k++)
                names[k] = sec->params[k].name;
            size_t n_names = sec->n_params;
            if (recipe_sections[s].kinds && s != RECIPE_SPACE)
                names[n_names++] = "plugin";
            if (L->entry)
                names[n_names++] = "label";
            const char *near = suggest_closest(e->key, names, n_names);
            char owner[200];
            snprintf(owner, sizeof owner, "%s%s", sec->plugin ? "plugin " : "section [",
                     sec->plugin ? sec->plugin->descriptor->id : sec->name);
            rc = near ? fail(L, e, dotted, "unknown key (did you mean '%s'?)", near)
                      : fail(L, e, dotted,
                             "unknown key: %s%s has no such parameter "
                             "(see `basin describe %s`)",
                             owner, sec->plugin ? "" : "]",
                             sec->plugin ? sec->plugin->descriptor->id : sec->name);
            free(names);
            return rc;
        }
        if (s == RECIPE_MODEL && strcmp(e->key, "snapshots") == 0 &&
            (e->kind == TOML_ARRAY || e->kind == TOML_TABLE)) {
            if (L->entry)
                return fail(L, e, dotted,
                            "snapshots in a [[model]] entry are not supported: give "
                            "one [model] with snapshots a run");
            if ((rc = load_snapshots(L, sec, table, e, p)))
                return rc;
            continue;
        }
        const basin_param_def *def = &sec->params[p];
        if ((def->flags & BASIN_PARAM_PATH) && (rc = resolve_paths(L, def, e)))
            return rc;
        int is_range = e->kind == TOML_TABLE;
        if (L->entry && (e->kind == TOML_ARRAY || is_range))
            return fail(L, e, dotted,
                        "a [[model]] entry takes one value per key; to compare "
                        "values, give a [[model]] entry per value (each with its "
                        "label)");
        if (e->kind == TOML_ARRAY || is_range) {
            recipe_axis axis = {0};
            axis.section = s;
            axis.param = (size_t)p;
            axis.line = e->line;
            rc = is_range ? expand_range(L, e, dotted, def, &axis)
                          : expand_list(L, e, dotted, def, &axis);
            if (rc == BASIN_OK && !(axis.dotted = strdup(dotted)))
                rc = BASIN_ENOMEM;
            if (rc == BASIN_OK)
                rc = add_axis(L, &axis);
            if (rc) {
                free(axis.values);
                free(axis.dotted);
                return rc;
            }
            sec->fixed[p] = axis.values[0];
            continue;
        }
        char why[512];
        if (def->type == BASIN_PARAM_CHOICE && e->kind == TOML_BOOL &&
            choice_accepts_bool(def)) {
            /* output.report = true | false | "auto": a TOML bool is its word. */
            sec->fixed[p].number = 0;
            sec->fixed[p].string = e->boolean ? "true" : "false";
            continue;
        }
        if (param_from_toml(def, e, &sec->fixed[p], why, sizeof why))
            return fail(L, e, dotted, "%s", why);
    }
    for (size_t p = 0; p < sec->n_params; p++) {
        const basin_param_def *def = &sec->params[p];
        if ((def->flags & BASIN_PARAM_REQUIRED) && !toml_get(table, def->name)) {
            char dotted[300];
            snprintf(dotted, sizeof dotted, "%s.%s", sec->name, def->name);
            return fail(L, table, dotted, "required, but not set (%s)",
                        def->doc ? def->doc : "see `basin describe`");
        }
    }
    return BASIN_OK;
}

/* Whether label is taken by one of models[0, n) other than `self`. */
static int label_taken(const recipe_section *models, size_t n, size_t self,
                       const char *label)
{
    for (size_t k = 0; k < n; k++)
        if (k != self && models[k].label && strcmp(models[k].label, label) == 0)
            return 1;
    return 0;
}

/* The labels of [[model]] entries: each one's `label`, unique, or else its plugin
   id, with "-2", "-3", ... (the entry's number, then on) when another entry has
   that label or id. */
static int model_labels(loader *L, const toml_node *list)
{
    recipe *r = L->r;
    for (size_t k = 0; k < r->n_models; k++) {
        const char *mine = r->models[k].label;
        for (size_t i = 0; mine && i < k; i++)
            if (r->models[i].label && strcmp(r->models[i].label, mine) == 0) {
                const toml_node *at = toml_get(list->items[k], "label");
                L->entry = k + 1;
                return fail(L, at, "model.label",
                            "'%s' labels [[model]] %zu already: labels name the "
                            "models in summary.csv and must differ",
                            mine, i + 1);
            }
    }
    for (size_t k = 0; k < r->n_models; k++) {
        recipe_section *m = &r->models[k];
        if (m->label)
            continue;
        int shared = 0;
        for (size_t i = 0; i < r->n_models; i++)
            shared |= i != k && !strcmp(r->models[i].plugin_id, m->plugin_id);
        shared |= label_taken(r->models, r->n_models, k, m->plugin_id);
        size_t len = strlen(m->plugin_id) + 24;
        if (!(m->label = malloc(len)))
            return BASIN_ENOMEM;
        if (!shared || k == 0) {
            snprintf(m->label, len, "%s", m->plugin_id);
            if (!label_taken(r->models, r->n_models, k, m->label))
                continue;
        }
        for (size_t n = k + 1;; n++) {
            snprintf(m->label, len, "%s-%zu", m->plugin_id, n);
            if (!label_taken(r->models, r->n_models, k, m->label))
                break;
        }
    }
    return BASIN_OK;
}

/* [[model]]: every entry a whole model, the model axis their labels. */
static int load_models(loader *L, const toml_node *list, registry *reg)
{
    recipe *r = L->r;
    if (list->n_items == 0)
        return fail(L, list, "model",
                    "an empty list of models: give [[model]] tables (or one [model])");
    if (list->n_items > MAX_SWEEP_VALUES)
        return fail(L, list, "model", "more than %d models", MAX_SWEEP_VALUES);
    if (!(r->models = calloc(list->n_items, sizeof *r->models)))
        return BASIN_ENOMEM;
    r->n_models = list->n_items;
    L->n_entries = list->n_items;
    int rc = BASIN_OK;
    for (size_t k = 0; k < r->n_models && rc == BASIN_OK; k++) {
        const toml_node *t = list->items[k];
        L->entry = k + 1;
        rc = t->kind != TOML_TABLE
                 ? fail(L, t, "model", "expected a model table, found %s",
                        toml_kind_name(t->kind))
                 : load_table(L, RECIPE_MODEL, &r->models[k], t, reg);
        const registry_plugin *p = r->models[k].plugin, *p0 = r->models[0].plugin;
        if (rc == BASIN_OK && k && p && p0 &&
            strcmp(p->descriptor->interface, p0->descriptor->interface) != 0)
            rc =
                fail(L, toml_get(t, "plugin"), "model.plugin",
                     "%s is a%s %s model, but [[model]] 1 (%s) is a%s %s model: the "
                     "models one sampler drives are all energies or all score "
                     "models",
                     p->descriptor->id, registry_kind(p->descriptor)[0] == 'e' ? "n" : "",
                     registry_kind(p->descriptor), p0->descriptor->id,
                     registry_kind(p0->descriptor)[0] == 'e' ? "n" : "",
                     registry_kind(p0->descriptor));
    }
    L->entry = 0;
    if (rc == BASIN_OK)
        rc = model_labels(L, list);
    if (rc)
        return rc;
    recipe_axis axis = {.section = RECIPE_MODEL,
                        .param = RECIPE_MODEL_AXIS,
                        .n_values = r->n_models,
                        .line = list->line};
    axis.values = calloc(r->n_models, sizeof *axis.values);
    axis.dotted = strdup("model");
    if (!axis.values || !axis.dotted || add_axis(L, &axis)) {
        free(axis.values);
        free(axis.dotted);
        return BASIN_ENOMEM;
    }
    for (size_t k = 0; k < r->n_models; k++)
        axis.values[k] = (basin_value){(double)k, r->models[k].label};
    r->model_axis = r->n_axes - 1;
    /* A view: models[0] owns what it points to (recipe_free). */
    r->sections[RECIPE_MODEL] = r->models[0];
    return BASIN_OK;
}

/* The output word of a scores/torchscript model section (NULL: another model). */
static const char *torchscript_output(const recipe_section *m)
{
    if (!m->plugin_id || strcmp(m->plugin_id, "scores/torchscript") != 0)
        return NULL;
    const long p = param_find(m->params, "output");
    return p < 0 || !m->fixed[p].string ? NULL : m->fixed[p].string;
}

/*
 * [schedule] from = "scheduler_config.json" (recipe/scheduler_config.h): the file's
 * name, beta_start and beta_end for the keys the recipe (or --set) leaves unwritten;
 * a written key wins. Its prediction_type is not applied: a scores/torchscript
 * model whose output disagrees gets a warning. A results folder read as data reads
 * no file (its run.toml holds the values).
 */
static int apply_schedule_from(loader *L, const toml_node *table)
{
    recipe_section *sec = &L->r->sections[RECIPE_SCHEDULE];
    const toml_node *e = table ? toml_get(table, "from") : NULL;
    if (L->as_data || !e)
        return BASIN_OK;
    if (e->kind != TOML_STRING)
        return fail(L, e, "schedule.from", "one file (a string), found %s",
                    toml_kind_name(e->kind));
    if (!e->string[0])
        return BASIN_OK;
    scheduler_config c;
    char why[700];
    const int rc = scheduler_config_read(e->string, &c, why, sizeof why);
    if (rc == BASIN_ENOMEM)
        return rc;
    if (rc) {
        fail(L, e, "schedule.from", "%s", why);
        return rc;
    }
    if (!toml_get(table, "name"))
        sec->fixed[SCHEDULE_NAME] = (basin_value){0, c.name};
    /* The file's β range only on a ddpm kind (a recipe may write name = "cosine"
       beside a file of another schedule; cosine takes no β). */
    const int ddpm = strncmp(sec->fixed[SCHEDULE_NAME].string, "ddpm-", 5) == 0;
    if (ddpm && !toml_get(table, "beta_start"))
        sec->fixed[SCHEDULE_BETA_START] = (basin_value){c.beta_start, NULL};
    if (ddpm && !toml_get(table, "beta_end"))
        sec->fixed[SCHEDULE_BETA_END] = (basin_value){c.beta_end, NULL};
    recipe *r = L->r;
    const size_t n = r->n_models ? r->n_models : 1;
    for (size_t k = 0; k < n; k++) {
        const recipe_section *m =
            r->n_models ? &r->models[k] : &r->sections[RECIPE_MODEL];
        const char *out = torchscript_output(m);
        if (out && strcmp(out, c.output) != 0)
            fprintf(stderr,
                    "basin: warning: %s: schedule.from: %s has prediction_type = "
                    "\"%s\" (output = \"%s\"), but the model %s has output = \"%s\": "
                    "basin keeps the model's output\n",
                    r->path, e->string, c.prediction, c.output,
                    m->label ? m->label : "scores/torchscript", out);
    }
    return BASIN_OK;
}

static int load_section(loader *L, recipe_section_id s, const toml_node *table,
                        registry *reg)
{
    if (s == RECIPE_MODEL && table && table->kind == TOML_ARRAY)
        return load_models(L, table, reg);
    int rc = load_table(L, s, &L->r->sections[s], table, reg);
    if (rc == BASIN_OK && s == RECIPE_SCHEDULE)
        rc = apply_schedule_from(L, table);
    return rc;
}

/* ---------------------------------------------------------------- top level */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 2);
    if (d) {
        memcpy(d, path, n ? n : 1);
        d[n ? n : 1] = '\0';
        if (!n)
            d[0] = '/';
    }
    return d;
}

static int add_plugin_path(loader *L, const toml_node *e, registry *reg)
{
    char *dir = dir_of(L->r->path);
    if (!dir)
        return BASIN_ENOMEM;
    int rc = BASIN_OK;
    size_t n = e->kind == TOML_ARRAY ? e->n_items : 1;
    for (size_t i = 0; i < n && rc == BASIN_OK; i++) {
        const toml_node *item = e->kind == TOML_ARRAY ? e->items[i] : e;
        if (item->kind != TOML_STRING) {
            rc = fail(L, item, "plugin_path", "expected a path string, found %s",
                      toml_kind_name(item->kind));
            break;
        }
        char path[PATH_MAX];
        if (item->string[0] == '/' || item->line < 0)
            snprintf(path, sizeof path, "%s", item->string);
        else
            snprintf(path, sizeof path, "%s/%s", dir, item->string);
        char why[768];
        if (registry_add_path(reg, path, 1, why, sizeof why))
            rc = fail(L, item, "plugin_path", "%s", why);
    }
    free(dir);
    return rc;
}

/* ------------------------------------------------------------ [labels] */

/* Call fn on each leaf of the [labels] table (quoted "dataset.count" keys or
   nested tables alike) with its dotted name; stop at fn's first nonzero. */
typedef int (*label_fn)(void *ctx, const char *dotted, const toml_node *leaf);
static int walk_labels(const toml_node *table, const char *prefix, label_fn fn, void *ctx)
{
    for (size_t i = 0; table && i < table->n_items; i++) {
        const toml_node *e = table->items[i];
        char dotted[512];
        snprintf(dotted, sizeof dotted, "%s%s%s", prefix, *prefix ? "." : "", e->key);
        int rc =
            e->kind == TOML_TABLE ? walk_labels(e, dotted, fn, ctx) : fn(ctx, dotted, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* Each label is a string naming a parameter of a section of the recipe. */
static int check_label(void *ctx, const char *dotted, const toml_node *leaf)
{
    loader *L = ctx;
    char key[600];
    snprintf(key, sizeof key, "labels.%s", dotted);
    if (leaf->kind != TOML_STRING || !leaf->string[0])
        return fail(L, leaf, key, "expected a non-empty string (the axis label)");
    const char *dot = strchr(dotted, '.');
    for (int s = 0; dot && s < RECIPE_N_SECTIONS; s++) {
        const recipe_section *sec = &L->r->sections[s];
        if (strncmp(dotted, recipe_sections[s].name, (size_t)(dot - dotted)) ||
            recipe_sections[s].name[dot - dotted])
            continue;
        if (!sec->params) /* a plugin not loaded (a results folder): not checked */
            return 0;
        for (size_t i = 0; i < sec->n_params; i++)
            if (strcmp(sec->params[i].name, dot + 1) == 0)
                return 0;
    }
    return fail(L, leaf, key,
                "not a parameter of the recipe (a label's key is section.parameter, "
                "\"dataset.count\" say)");
}

const char *recipe_label(const recipe *r, const char *dotted)
{
    const toml_node *t = r->root ? toml_get(r->root, "labels") : NULL;
    if (!t || t->kind != TOML_TABLE)
        return NULL;
    const toml_node *flat = toml_get(t, dotted);
    if (flat && flat->kind == TOML_STRING)
        return flat->string;
    const char *dot = strchr(dotted, '.');
    char section[64];
    if (!dot || (size_t)(dot - dotted) >= sizeof section)
        return NULL;
    snprintf(section, sizeof section, "%.*s", (int)(dot - dotted), dotted);
    const toml_node *sec = toml_get(t, section);
    const toml_node *leaf =
        sec && sec->kind == TOML_TABLE ? toml_get(sec, dot + 1) : NULL;
    return leaf && leaf->kind == TOML_STRING ? leaf->string : NULL;
}

static int write_label(void *ctx, const char *dotted, const toml_node *leaf)
{
    FILE *f = ctx;
    basin_param_def text = {.name = "label", .type = BASIN_PARAM_STRING};
    param_write_toml(f, &text, (basin_value){0, dotted});
    fputs(" = ", f);
    param_write_toml(f, &text, (basin_value){0, leaf->string});
    fputc('\n', f);
    return 0;
}

static int load_top(loader *L, registry *reg)
{
    recipe *r = L->r;
    const toml_node *root = r->root;
    r->seed = 0;
    r->repeats = 1;
    for (size_t i = 0; i < root->n_items; i++) {
        const toml_node *e = root->items[i];
        int is_section = 0;
        for (int s = 0; s < RECIPE_N_SECTIONS; s++)
            if (strcmp(e->key, recipe_sections[s].name) == 0)
                is_section = 1;
        if (is_section)
            continue;
        if (strcmp(e->key, "name") == 0 || strcmp(e->key, "description") == 0) {
            if (e->kind != TOML_STRING)
                return fail(L, e, e->key, "expected a string, found %s",
                            toml_kind_name(e->kind));
            if (e->key[0] == 'n') {
                if (!e->string[0] || strchr(e->string, '/') ||
                    strcmp(e->string, ".") == 0 || strcmp(e->string, "..") == 0)
                    return fail(L, e, "name", "'%s' is not a valid folder name",
                                e->string);
                free(r->name);
                r->name = strdup(e->string);
            } else {
                free(r->description);
                r->description = strdup(e->string);
            }
        } else if (strcmp(e->key, "seed") == 0) {
            if (e->kind != TOML_INTEGER || e->integer < 0)
                return fail(L, e, "seed", "expected a non-negative integer");
            r->seed = (uint64_t)e->integer;
        } else if (strcmp(e->key, "repeats") == 0) {
            if (e->kind != TOML_INTEGER || e->integer < 1 || e->integer > 1000000)
                return fail(L, e, "repeats", "expected an integer in [1, 1000000]");
            r->repeats = (uint32_t)e->integer;
        } else if (strcmp(e->key, "labels") == 0) {
            if (e->kind != TOML_TABLE)
                return fail(L, e, "labels",
                            "expected a table of \"section.parameter\" = \"label\"");
        } else if (strcmp(e->key, "plugin_path") == 0) {
            /* A results folder is data: the libraries it names are not loaded. */
            int rc = L->as_data ? BASIN_OK : add_plugin_path(L, e, reg);
            if (rc)
                return rc;
        } else {
            const char *names[N_TOP_KEYS + RECIPE_N_SECTIONS];
            for (size_t k = 0; k < N_TOP_KEYS; k++)
                names[k] = TOP_KEYS[k];
            for (size_t s = 0; s < RECIPE_N_SECTIONS; s++)
                names[N_TOP_KEYS + s] = recipe_sections[s].name;
            const char *near =
                suggest_closest(e->key, names, N_TOP_KEYS + RECIPE_N_SECTIONS);
            if (near)
                return fail(L, e, e->key, "unknown key (did you mean '%s'?)", near);
            return fail(L, e, e->key,
                        "unknown key (a recipe has name, description, "
                        "seed, repeats, plugin_path and the sections [dataset], "
                        "[model], [sampler], [init], [measure], [output], [labels])");
        }
    }
    if (!r->name) {
        const char *base = strrchr(r->path, '/');
        base = base ? base + 1 : r->path;
        r->name = strdup(base);
        if (r->name) {
            char *dot = strrchr(r->name, '.');
            if (dot && dot != r->name)
                *dot = '\0';
        }
    }
    return r->name ? BASIN_OK : BASIN_ENOMEM;
}

/* Each plugin section's library as an absolute path when its plugin came from a
   library the recipe's plugin_path added (registry entries [first, end)). */
static int note_libraries(recipe *r, const registry *reg, size_t first, size_t end)
{
    for (size_t s = 0; s < RECIPE_N_SECTIONS + r->n_models; s++) {
        /* With [[model]], the models' own rather than their view. */
        if (s == RECIPE_MODEL && r->n_models)
            continue;
        recipe_section *sec =
            s < RECIPE_N_SECTIONS ? &r->sections[s] : &r->models[s - RECIPE_N_SECTIONS];
        for (size_t i = first; sec->plugin && i < end; i++) {
            if (registry_at(reg, i)->descriptor != sec->plugin->descriptor)
                continue;
            char *abs = realpath(sec->plugin->library, NULL);
            if (!abs && !(abs = strdup(sec->plugin->library)))
                return BASIN_ENOMEM;
            sec->library = abs;
            break;
        }
    }
    if (r->n_models)
        r->sections[RECIPE_MODEL].library = r->models[0].library;
    return BASIN_OK;
}

static int load(const char *path, const char *const *sets, size_t n_sets, registry *reg,
                int as_data, recipe **out, char *err, size_t n_err)
{
    *out = NULL;
    recipe *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        snprintf(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    loader L = {r, err, n_err, as_data, 0, 0};
    char *perr = NULL;
    int rc = toml_parse_file(path, &r->root, &perr);
    if (rc) {
        snprintf(err, n_err, "%s", perr ? perr : "cannot parse the recipe");
        free(perr);
        recipe_free(r);
        return rc == -1 ? BASIN_EIO : BASIN_EINVAL;
    }
    for (size_t i = 0; i < n_sets && rc == BASIN_OK; i++)
        rc = apply_set(&L, sets[i]);
    size_t first = registry_count(reg);
    if (rc == BASIN_OK)
        rc = load_top(&L, reg);
    size_t end = registry_count(reg);
    if (rc == BASIN_OK)
        registry_add_defaults(reg);
    for (int s = 0; s < RECIPE_N_SECTIONS && rc == BASIN_OK; s++)
        rc = load_section(&L, (recipe_section_id)s,
                          toml_get(r->root, recipe_sections[s].name), reg);
    if (rc == BASIN_OK)
        rc = walk_labels(toml_get(r->root, "labels"), "", check_label, &L);
    if (rc == BASIN_OK) {
        double points = 1;
        for (size_t a = 0; a < r->n_axes; a++)
            points *= (double)r->axes[a].n_values;
        if (points * r->repeats > MAX_POINTS) {
            snprintf(err, n_err, "%s: the sweeps make %.0f jobs; the limit is %d", path,
                     points * r->repeats, MAX_POINTS);
            rc = BASIN_EINVAL;
        }
        r->n_points = (size_t)points;
    }
    /* A [schedule] drives diffusion samplers; an energy's dynamics have none. */
    const recipe_section *model = &r->sections[RECIPE_MODEL];
    if (rc == BASIN_OK && r->sections[RECIPE_SCHEDULE].line && model->plugin &&
        strcmp(model->plugin->descriptor->interface, BASIN_IFACE_SCORE) != 0) {
        snprintf(err, n_err,
                 "%s:%d: schedule: a noise schedule drives a score model, "
                 "but %s is an energy; remove [schedule]",
                 path, r->sections[RECIPE_SCHEDULE].line, model->plugin->descriptor->id);
        rc = BASIN_EINVAL;
    }
    if (rc == BASIN_OK)
        rc = note_libraries(r, reg, first, end);
    if (rc) {
        if (rc == BASIN_ENOMEM)
            snprintf(err, n_err, "%s: out of memory while reading the recipe", path);
        recipe_free(r);
        return rc;
    }
    *out = r;
    return BASIN_OK;
}

int recipe_load(const char *path, const char *const *sets, size_t n_sets, registry *reg,
                recipe **out, char *err, size_t n_err)
{
    return load(path, sets, n_sets, reg, 0, out, err, n_err);
}

int recipe_load_results(const char *path, registry *reg, recipe **out, char *err,
                        size_t n_err)
{
    return load(path, NULL, 0, reg, 1, out, err, n_err);
}

void recipe_free(recipe *r)
{
    if (!r)
        return;
    for (int s = 0; s < RECIPE_N_SECTIONS; s++) {
        if (s == RECIPE_MODEL && r->n_models)
            continue; /* a view of models[0] */
        free(r->sections[s].fixed);
        free(r->sections[s].library);
        free(r->sections[s].read_params);
        free(r->sections[s].label);
    }
    for (size_t k = 0; k < r->n_models; k++) {
        free(r->models[k].fixed);
        free(r->models[k].library);
        free(r->models[k].read_params);
        free(r->models[k].label);
    }
    free(r->models);
    for (size_t a = 0; a < r->n_axes; a++) {
        free(r->axes[a].dotted);
        free(r->axes[a].values);
    }
    free(r->axes);
    free(r->snapshot_text);
    toml_free(r->root);
    free(r->name);
    free(r->description);
    free(r->path);
    free(r);
}

void recipe_coords(const recipe *r, size_t point, size_t *coords)
{
    for (size_t a = r->n_axes; a-- > 0;) {
        coords[a] = point % r->axes[a].n_values;
        point /= r->axes[a].n_values;
    }
}

/* The model axis' values: the labels of the [[model]] entries. */
static const basin_param_def MODEL_AXIS_DEF = {
    .name = "model",
    .type = BASIN_PARAM_STRING,
    .default_string = "",
    .doc = "the model ([[model]] entry) by its label"};

const basin_param_def *recipe_axis_def(const recipe *r, size_t a)
{
    const recipe_axis *ax = &r->axes[a];
    if (ax->param == RECIPE_MODEL_AXIS)
        return &MODEL_AXIS_DEF;
    return &r->sections[ax->section].params[ax->param];
}

const recipe_section *recipe_model(const recipe *r, size_t point)
{
    if (!r->n_models)
        return &r->sections[RECIPE_MODEL];
    for (size_t a = r->n_axes; a-- > r->model_axis + 1;)
        point /= r->axes[a].n_values;
    return &r->models[point % r->n_models];
}

size_t recipe_most_params(const recipe *r)
{
    size_t most = 0;
    for (int s = 0; s < RECIPE_N_SECTIONS; s++)
        most = r->sections[s].n_params > most ? r->sections[s].n_params : most;
    for (size_t k = 0; k < r->n_models; k++)
        most = r->models[k].n_params > most ? r->models[k].n_params : most;
    return most;
}

uint64_t recipe_job_seed(const recipe *r, uint64_t j)
{
    int snapshots = 0;
    for (size_t a = 0; a < r->n_axes; a++)
        snapshots |= r->axes[a].snapshot;
    if (!r->n_models && !snapshots)
        return rng_job_seed(r->seed, j);
    /* The index of the job with the same coordinates but for the model axis (left
       out: every model sees the same data, starts and noise) and the train_step
       axis (set to its first value: every snapshot of a point is the same
       training run with the same samples' noise). */
    uint64_t point = j / r->repeats, repeat = j % r->repeats, without = 0, scale = 1;
    for (size_t a = r->n_axes; a-- > 0;) {
        uint64_t n = r->axes[a].n_values, c = point % n;
        point /= n;
        if (r->n_models && a == r->model_axis)
            continue;
        if (r->axes[a].snapshot)
            c = 0;
        without += c * scale;
        scale *= n;
    }
    return rng_job_seed(r->seed, without * r->repeats + repeat);
}

const char *recipe_axis_text(const recipe *r, size_t a, size_t c, char *buf)
{
    const recipe_axis *ax = &r->axes[a];
    basin_param_type type = recipe_axis_def(r, a)->type;
    basin_value v = ax->values[c];
    return type == BASIN_PARAM_STRING || type == BASIN_PARAM_CHOICE
               ? v.string
               : param_format_real(v.number, buf);
}

void recipe_values(const recipe *r, recipe_section_id s, size_t point, basin_value *out)
{
    const recipe_section *sec =
        s == RECIPE_MODEL ? recipe_model(r, point) : &r->sections[s];
    for (size_t i = 0; i < sec->n_params; i++)
        out[i] = sec->fixed[i];
    for (size_t a = r->n_axes; a-- > 0;) {
        size_t coord = point % r->axes[a].n_values;
        point /= r->axes[a].n_values;
        if (r->axes[a].section == s && r->axes[a].param != RECIPE_MODEL_AXIS)
            out[r->axes[a].param] = r->axes[a].values[coord];
    }
}

basin_value recipe_core_value(const recipe *r, recipe_section_id s, size_t point,
                              const char *name)
{
    const recipe_section *sec = &r->sections[s];
    long p = param_find(sec->params, name);
    basin_value v = {0, ""};
    if (p < 0)
        return v;
    basin_value *all = calloc(sec->n_params, sizeof *all);
    if (!all)
        return sec->fixed[p];
    recipe_values(r, s, point, all);
    v = all[p];
    free(all);
    return v;
}

/* The plugin sections of r, [[model]] entries included: section k of
   n_plugin_sections(r) (NULL for the view of models[0]). */
static size_t n_plugin_sections(const recipe *r)
{
    return RECIPE_N_SECTIONS + r->n_models;
}

static const recipe_section *plugin_section(const recipe *r, size_t k)
{
    if (k == RECIPE_MODEL && r->n_models)
        return NULL;
    return k < RECIPE_N_SECTIONS ? &r->sections[k] : &r->models[k - RECIPE_N_SECTIONS];
}

/* plugin_path = [...]: the absolute libraries the plugins came from that the
   recipe's plugin_path found, each once, so that run.toml reruns anywhere. */
static void write_plugin_path(const recipe *r, FILE *f, const basin_param_def *text)
{
    int any = 0;
    for (size_t s = 0; s < n_plugin_sections(r); s++) {
        const recipe_section *sec = plugin_section(r, s);
        const char *lib = sec ? sec->library : NULL;
        int seen = 0;
        for (size_t k = 0; lib && k < s; k++) {
            const recipe_section *before = plugin_section(r, k);
            seen |= before && before->library && !strcmp(before->library, lib);
        }
        if (!lib || seen)
            continue;
        fputs(any ? ", " : "plugin_path = [", f);
        param_write_toml(f, text, (basin_value){0, lib});
        any = 1;
    }
    if (any)
        fputs("]\n", f);
}

/* One section's body: its plugin (with its version and library as a comment)
   and every parameter, a sweep as its list of values. */
static void write_section(const recipe *r, FILE *f, recipe_section_id s,
                          const recipe_section *sec, const basin_param_def *text)
{
    if (sec->label) {
        fprintf(f, "label = ");
        param_write_toml(f, text, (basin_value){0, sec->label});
        fputc('\n', f);
    }
    if (s == RECIPE_SPACE) {
        /* Its plugin is measure.space's. */
        fprintf(f, "# %s", sec->plugin_id);
        if (sec->plugin)
            fprintf(f, " version %s, library %s", sec->plugin->descriptor->version,
                    sec->library ? sec->library : sec->plugin->library);
        fprintf(f, "%s\n", sec->plugin ? "" : " (not loaded)");
    } else if (sec->plugin_id && !sec->plugin) {
        fprintf(f, "plugin = ");
        param_write_toml(f, text, (basin_value){0, sec->plugin_id});
        fprintf(f, "\n# (not loaded)\n");
    } else if (sec->plugin) {
        fprintf(f, "plugin = ");
        param_write_toml(f, text, (basin_value){0, sec->plugin->descriptor->id});
        fprintf(f, "\n# version %s, library ", sec->plugin->descriptor->version);
        fprintf(f, "%s\n", sec->library ? sec->library : sec->plugin->library);
    }
    for (size_t i = 0; i < sec->n_params; i++) {
        const basin_param_def *def = &sec->params[i];
        const recipe_axis *axis = NULL;
        for (size_t a = 0; a < r->n_axes; a++)
            if (r->axes[a].section == s && r->axes[a].param == i)
                axis = &r->axes[a];
        const recipe_axis *snap = NULL;
        for (size_t a = 0; s == RECIPE_MODEL && a < r->n_axes; a++)
            if (r->axes[a].snapshot)
                snap = &r->axes[a];
        /* The train_step axis is written back as snapshots = [...]; the steps it
           sets, not at all. */
        if (snap && axis == snap && strcmp(def->name, "snapshots") != 0)
            continue;
        if (snap && strcmp(def->name, "snapshots") == 0)
            axis = snap;
        fprintf(f, "%s = ", def->name);
        if (axis) {
            fputc('[', f);
            for (size_t k = 0; k < axis->n_values; k++) {
                if (k)
                    fputs(", ", f);
                if (axis->snapshot)
                    fprintf(f, "%.0f", axis->values[k].number);
                else
                    param_write_toml(f, def, axis->values[k]);
            }
            fputc(']', f);
        } else {
            param_write_toml(f, def, sec->fixed[i]);
        }
        fputc('\n', f);
    }
}

void recipe_write_toml(const recipe *r, FILE *f)
{
    fprintf(f, "name = ");
    basin_param_def text = {.name = "name", .type = BASIN_PARAM_STRING};
    param_write_toml(f, &text, (basin_value){0, r->name});
    fputc('\n', f);
    if (r->description) {
        fprintf(f, "description = ");
        param_write_toml(f, &text, (basin_value){0, r->description});
        fputc('\n', f);
    }
    fprintf(f, "seed = %llu\nrepeats = %u\n", (unsigned long long)r->seed, r->repeats);
    write_plugin_path(r, f, &text);
    const recipe_section *model = &r->sections[RECIPE_MODEL];
    int score = model->plugin
                    ? strcmp(model->plugin->descriptor->interface, BASIN_IFACE_SCORE) == 0
                    : r->sections[RECIPE_SCHEDULE].line != 0;
    for (int s = 0; s < RECIPE_N_SECTIONS; s++) {
        const recipe_section *sec = &r->sections[s];
        if ((s == RECIPE_SCHEDULE && !score) ||
            ((s == RECIPE_SPACE || s == RECIPE_COMPARE) && !sec->plugin_id))
            continue;
        if (s == RECIPE_MODEL && r->n_models) {
            for (size_t k = 0; k < r->n_models; k++) {
                fprintf(f, "\n[[model]]\n");
                write_section(r, f, RECIPE_MODEL, &r->models[k], &text);
            }
            continue;
        }
        fprintf(f, "\n[%s]\n", sec->name);
        write_section(r, f, (recipe_section_id)s, sec, &text);
    }
    const toml_node *labels = toml_get(r->root, "labels");
    if (labels && labels->kind == TOML_TABLE && labels->n_items) {
        fprintf(f, "\n[labels]\n");
        walk_labels(labels, "", write_label, f);
    }
}
