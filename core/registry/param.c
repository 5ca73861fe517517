#include "registry/param.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/suggest.h"
#include "registry/vocabulary.h"

size_t param_count(const basin_param_def *table)
{
    size_t n = 0;
    while (table && table[n].name)
        n++;
    return n;
}

long param_find(const basin_param_def *table, const char *name)
{
    for (size_t i = 0; table && table[i].name; i++)
        if (strcmp(table[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* The word a PARAM_AUTO row takes besides numbers. */
static const char AUTO[] = "auto";

static int auto_default(const basin_param_def *def)
{
    return (def->flags & PARAM_AUTO) && def->default_string &&
           strcmp(def->default_string, AUTO) == 0;
}

bool param_is_auto(const basin_param_def *def, basin_value v)
{
    return (def->flags & PARAM_AUTO) && v.string && strcmp(v.string, AUTO) == 0;
}

basin_value param_default(const basin_param_def *def)
{
    if (auto_default(def))
        return (basin_value){NAN, AUTO};
    basin_value v = {def->default_number, def->default_string ? def->default_string : ""};
    return v;
}

const char *param_type_name(basin_param_type type)
{
    switch (type) {
    case BASIN_PARAM_INT:
        return "int";
    case BASIN_PARAM_REAL:
        return "real";
    case BASIN_PARAM_BOOL:
        return "bool";
    case BASIN_PARAM_STRING:
        return "string";
    case BASIN_PARAM_CHOICE:
        return "choice";
    }
    return "unknown";
}

const char *param_format_real(double x, char *buf)
{
    if (x == floor(x) && fabs(x) < 1e15) {
        snprintf(buf, 32, "%.0f", x);
        return buf;
    }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, x);
        if (strtod(buf, NULL) == x || isnan(x))
            return buf;
    }
    return buf;
}

int param_choice_contains(const char *choices, const char *word)
{
    size_t n = strlen(word);
    const char *p = choices;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0)
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

/* The closest choice to word, copied into buf, or NULL. */
static const char *choice_suggest(const char *choices, const char *word, char *buf,
                                  size_t n_buf)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", choices);
    const char *words[64];
    size_t n = 0;
    for (char *tok = strtok(copy, "|"); tok && n < 64; tok = strtok(NULL, "|"))
        words[n++] = tok;
    /* a word that starts a choice ("ddpm") suggests it before a closer edit */
    const char *best = NULL;
    const size_t n_word = strlen(word);
    for (size_t k = 0; k < n && best == NULL; k++)
        if (n_word >= 2 && strncmp(words[k], word, n_word) == 0)
            best = words[k];
    if (best == NULL)
        best = suggest_closest(word, words, n);
    if (!best)
        return NULL;
    snprintf(buf, n_buf, "%s", best);
    return buf;
}

int param_check_number(const basin_param_def *def, double value, char *err, size_t n_err)
{
    char a[32], b[32];
    if (isnan(value)) {
        snprintf(err, n_err, "NaN is not a valid %s", param_type_name(def->type));
        return BASIN_EINVAL;
    }
    if (def->type == BASIN_PARAM_INT && (value != floor(value) || fabs(value) > 9.0e15)) {
        snprintf(err, n_err, "%s is not an integer", param_format_real(value, a));
        return BASIN_EINVAL;
    }
    if (def->type != BASIN_PARAM_INT && def->type != BASIN_PARAM_REAL)
        return BASIN_OK;
    int below =
        (def->flags & BASIN_PARAM_MIN_EXCLUSIVE) ? value <= def->min : value < def->min;
    int above =
        (def->flags & BASIN_PARAM_MAX_EXCLUSIVE) ? value >= def->max : value > def->max;
    if (below || above) {
        snprintf(err, n_err, "%s is out of range %c%s, %s%c", param_format_real(value, a),
                 (def->flags & BASIN_PARAM_MIN_EXCLUSIVE) ? '(' : '[',
                 param_format_real(def->min, b),
                 param_format_real(def->max, (char[32]){0}),
                 (def->flags & BASIN_PARAM_MAX_EXCLUSIVE) ? ')' : ']');
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

int param_from_toml(const basin_param_def *def, const toml_node *node, basin_value *out,
                    char *err, size_t n_err)
{
    out->number = 0;
    out->string = "";
    switch (def->type) {
    case BASIN_PARAM_INT:
    case BASIN_PARAM_REAL:
        if ((def->flags & PARAM_AUTO) && node->kind == TOML_STRING) {
            if (strcmp(node->string, AUTO) != 0) {
                snprintf(err, n_err, "expected a real or \"auto\", found '%s'",
                         node->string);
                return BASIN_EINVAL;
            }
            *out = (basin_value){NAN, AUTO};
            return BASIN_OK;
        }
        if (node->kind == TOML_INTEGER)
            out->number = (double)node->integer;
        else if (node->kind == TOML_FLOAT)
            out->number = node->real;
        else
            goto wrong_type;
        return param_check_number(def, out->number, err, n_err);
    case BASIN_PARAM_BOOL:
        if (node->kind != TOML_BOOL)
            goto wrong_type;
        out->number = node->boolean ? 1.0 : 0.0;
        return BASIN_OK;
    case BASIN_PARAM_STRING:
        if (node->kind != TOML_STRING)
            goto wrong_type;
        out->string = node->string;
        return BASIN_OK;
    case BASIN_PARAM_CHOICE:
        if (node->kind != TOML_STRING)
            goto wrong_type;
        if (!param_choice_contains(def->choices, node->string)) {
            char near[128], hint[256];
            if (vocabulary_hint(node->string, VOCABULARY_SCHEDULE, hint, sizeof hint))
                snprintf(err, n_err, "'%s' is not one of %s%s", node->string,
                         def->choices, hint);
            else if (choice_suggest(def->choices, node->string, near, sizeof near))
                snprintf(err, n_err, "'%s' is not one of %s (did you mean '%s'?)",
                         node->string, def->choices, near);
            else
                snprintf(err, n_err, "'%s' is not one of %s", node->string, def->choices);
            return BASIN_EINVAL;
        }
        out->string = node->string;
        return BASIN_OK;
    }
    snprintf(err, n_err, "parameter has an unknown type %d", (int)def->type);
    return BASIN_EINVAL;
wrong_type:
    snprintf(err, n_err, "expected %s %s, found %s",
             def->type == BASIN_PARAM_INT ? "an" : "a", param_type_name(def->type),
             toml_kind_name(node->kind));
    return BASIN_EINVAL;
}

int param_check_def(const basin_param_def *def, char *err, size_t n_err)
{
    char detail[256];
    switch (def->type) {
    case BASIN_PARAM_INT:
    case BASIN_PARAM_REAL:
        if (!(def->min <= def->max)) {
            snprintf(err, n_err, "parameter '%s': min > max", def->name);
            return BASIN_EINVAL;
        }
        if (auto_default(def))
            return BASIN_OK;
        if (param_check_number(def, def->default_number, detail, sizeof detail)) {
            snprintf(err, n_err, "parameter '%s': default %s", def->name, detail);
            return BASIN_EINVAL;
        }
        return BASIN_OK;
    case BASIN_PARAM_BOOL:
        if (def->default_number != 0.0 && def->default_number != 1.0) {
            snprintf(err, n_err, "parameter '%s': bool default is not 0 or 1", def->name);
            return BASIN_EINVAL;
        }
        return BASIN_OK;
    case BASIN_PARAM_STRING:
        return BASIN_OK;
    case BASIN_PARAM_CHOICE:
        if (!def->choices || !def->default_string ||
            !param_choice_contains(def->choices, def->default_string)) {
            snprintf(err, n_err, "parameter '%s': default is not one of its choices",
                     def->name);
            return BASIN_EINVAL;
        }
        return BASIN_OK;
    }
    snprintf(err, n_err, "parameter '%s': unknown type %d", def->name, (int)def->type);
    return BASIN_EINVAL;
}

/* A TOML basic string with escapes. */
static void write_toml_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* A CSV field: quoted ("" for a quote) when it holds a comma, quote or newline. */
static void write_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* v as TOML (toml) or as a CSV field: an int without a fraction, a real as short
   as reads back exactly, true or false; a string quoted as each format wants. */
static void write_value(FILE *f, const basin_param_def *def, basin_value v, int toml)
{
    char buf[32];
    switch (def->type) {
    case BASIN_PARAM_INT:
        fprintf(f, "%.0f", v.number);
        break;
    case BASIN_PARAM_REAL:
        if (param_is_auto(def, v)) {
            fputs(toml ? "\"auto\"" : AUTO, f);
            break;
        }
        fputs(param_format_real(v.number, buf), f);
        /* TOML needs a '.' or exponent to read a float back as a float. */
        if (toml && isfinite(v.number) && !strpbrk(buf, ".eE"))
            fputs(".0", f);
        break;
    case BASIN_PARAM_BOOL:
        fputs(v.number != 0 ? "true" : "false", f);
        break;
    case BASIN_PARAM_STRING:
    case BASIN_PARAM_CHOICE:
        if (toml)
            write_toml_string(f, v.string);
        else
            write_csv_field(f, v.string);
        break;
    }
}

void param_write_toml(FILE *f, const basin_param_def *def, basin_value v)
{
    write_value(f, def, v, 1);
}

void param_write_csv(FILE *f, const basin_param_def *def, basin_value v)
{
    write_value(f, def, v, 0);
}

void param_describe(FILE *f, const basin_param_def *table)
{
    char a[32], b[32];
    if (!table || !table[0].name) {
        fprintf(f, "  (no parameters)\n");
        return;
    }
    for (size_t i = 0; table[i].name; i++) {
        const basin_param_def *d = &table[i];
        fprintf(f, "  %-14s %-6s ", d->name, param_type_name(d->type));
        if (d->flags & BASIN_PARAM_REQUIRED) {
            fputs("required, e.g. ", f);
        } else {
            fputs("default ", f);
        }
        param_write_toml(f, d, param_default(d));
        if (d->type == BASIN_PARAM_INT || d->type == BASIN_PARAM_REAL) {
            int unbounded_lo = d->min <= -1e300, unbounded_hi = d->max >= 1e300;
            if (d->type == BASIN_PARAM_INT) {
                snprintf(a, sizeof a, "%.0f", d->min);
                snprintf(b, sizeof b, "%.0f", d->max);
            } else {
                param_format_real(d->min, a);
                param_format_real(d->max, b);
            }
            if (!unbounded_lo || !unbounded_hi)
                fprintf(f, "  range %c%s, %s%c",
                        (d->flags & BASIN_PARAM_MIN_EXCLUSIVE) ? '(' : '[',
                        unbounded_lo ? "-inf" : a, unbounded_hi ? "inf" : b,
                        (d->flags & BASIN_PARAM_MAX_EXCLUSIVE) ? ')' : ']');
        } else if (d->type == BASIN_PARAM_CHOICE) {
            fprintf(f, "  one of %s", d->choices);
        }
        if (d->flags & PARAM_AUTO)
            fputs(", or \"auto\"", f);
        if (d->flags & BASIN_PARAM_PATH)
            fputs("  a path, relative to the recipe", f);
        fprintf(f, "\n  %-14s %s\n", "", d->doc ? d->doc : "");
    }
}

void param_describe_json(json_writer *w, const basin_param_def *table)
{
    json_array_begin(w);
    for (size_t i = 0; table && table[i].name; i++) {
        const basin_param_def *d = &table[i];
        const basin_value v = param_default(d);
        json_object_begin(w);
        json_key(w, "name");
        json_string(w, d->name);
        json_key(w, "type");
        json_string(w, param_type_name(d->type));
        json_key(w, "required");
        json_bool(w, (d->flags & BASIN_PARAM_REQUIRED) != 0);
        json_key(w, (d->flags & BASIN_PARAM_REQUIRED) ? "example" : "default");
        if (d->type == BASIN_PARAM_BOOL)
            json_bool(w, v.number != 0);
        else if (d->type == BASIN_PARAM_STRING || d->type == BASIN_PARAM_CHOICE ||
                 ((d->flags & PARAM_AUTO) && d->default_string))
            json_string(w, v.string);
        else
            json_number(w, v.number);
        if (d->type == BASIN_PARAM_INT || d->type == BASIN_PARAM_REAL) {
            json_key(w, "min");
            json_number(w, d->min);
            json_key(w, "max");
            json_number(w, d->max);
            json_key(w, "min_exclusive");
            json_bool(w, (d->flags & BASIN_PARAM_MIN_EXCLUSIVE) != 0);
            json_key(w, "max_exclusive");
            json_bool(w, (d->flags & BASIN_PARAM_MAX_EXCLUSIVE) != 0);
            json_key(w, "auto");
            json_bool(w, (d->flags & PARAM_AUTO) != 0);
        }
        if (d->type == BASIN_PARAM_CHOICE) {
            json_key(w, "choices");
            json_array_begin(w);
            const char *p = d->choices;
            while (p && *p) {
                const char *bar = strchr(p, '|');
                const size_t len = bar ? (size_t)(bar - p) : strlen(p);
                json_string_n(w, p, len);
                p = bar ? bar + 1 : NULL;
            }
            json_array_end(w);
        }
        json_key(w, "doc");
        json_string(w, d->doc ? d->doc : "");
        json_object_end(w);
    }
    json_array_end(w);
}
