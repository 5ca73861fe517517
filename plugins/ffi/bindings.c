/* bindings — see bindings.h. */
#include "bindings.h"

#include <basin/plugin.h>

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const words[BIND_COUNT] = {
    "x", "n", "dim", "alpha", "sigma", "train", "k", "out", "m", "const",
};

const char *binding_word(binding_kind kind)
{
    return kind < BIND_COUNT ? words[kind] : "?";
}

/* "argument 3 'double alpha'": an argument as the prototype declared it. */
static void describe(const prototype *p, int i, char *buf, size_t n)
{
    const char *name = p->arg_names[i];
    snprintf(buf, n, "argument %d '%s%s%s'", i + 1, p->args[i].spelling,
             name[0] && !p->args[i].pointer ? " " : "", name);
}

/* Parse one comma-separated word of text (from *pos) into b; 1-based index. */
static int parse_one(const char *text, size_t *pos, int index, binding *b, char *err,
                     size_t n_err)
{
    const char *s = text + *pos;
    while (isspace((unsigned char)*s))
        s++;
    const char *end = strchr(s, ',');
    if (end == NULL)
        end = s + strlen(s);
    size_t len = (size_t)(end - s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    *pos = (size_t)(end - text) + (*end == ',');
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)(len < 63 ? len : 63), s);
    const int column = (int)(s - text) + 1;
    if (len == 0) {
        snprintf(err, n_err, "binding %d at column %d is empty", index, column);
        return BASIN_EINVAL;
    }
    if (strncmp(word, "const:", 6) == 0) {
        char *stop = NULL;
        const double v = strtod(word + 6, &stop);
        if (stop == word + 6 || *stop != '\0' || !isfinite(v)) {
            snprintf(err, n_err,
                     "binding %d '%s' at column %d: const: needs a "
                     "finite number",
                     index, word, column);
            return BASIN_EINVAL;
        }
        b->kind = BIND_CONST;
        b->constant = v;
        return BASIN_OK;
    }
    for (int k = 0; k < BIND_CONST; k++)
        if (strcmp(word, words[k]) == 0) {
            b->kind = (binding_kind)k;
            return BASIN_OK;
        }
    snprintf(err, n_err,
             "binding %d '%s' at column %d is not one of x, n, dim, "
             "alpha, sigma, train, k, m, out, const:NUMBER",
             index, word, column);
    return BASIN_EINVAL;
}

/* Does argument i of p suit binding b under rules? Fills err when not. */
static int check_type(const prototype *p, int i, const binding *b,
                      const binding_rules *rules, char *err, size_t n_err)
{
    const prototype_type *t = &p->args[i];
    char arg[96];
    describe(p, i, arg, sizeof arg);
    const char *word = binding_word(b->kind);
    switch (b->kind) {
    case BIND_X:
    case BIND_TRAIN:
        if (!t->pointer || t->scalar != SCALAR_FLOAT || !t->is_const) {
            snprintf(err, n_err, "%s binds %s, which needs const float *", arg, word);
            return BASIN_EINVAL;
        }
        return BASIN_OK;
    case BIND_OUT: {
        const char *want = rules->out == SCALAR_FLOAT ? "float *" : "double *";
        if (!t->pointer || t->scalar != rules->out || t->is_const) {
            snprintf(err, n_err, "%s binds out, which for %s %s needs %s", arg,
                     rules->role[0] == 'e' ? "an" : "a", rules->role, want);
            return BASIN_EINVAL;
        }
        return BASIN_OK;
    }
    case BIND_N:
    case BIND_DIM:
    case BIND_K:
    case BIND_M:
        if (t->pointer || !scalar_is_integer(t->scalar)) {
            snprintf(err, n_err, "%s binds %s, which needs an integer type", arg, word);
            return BASIN_EINVAL;
        }
        return BASIN_OK;
    case BIND_ALPHA:
    case BIND_SIGMA:
        if (t->pointer || (t->scalar != SCALAR_FLOAT && t->scalar != SCALAR_DOUBLE)) {
            snprintf(err, n_err, "%s binds %s, which needs float or double", arg, word);
            return BASIN_EINVAL;
        }
        return BASIN_OK;
    case BIND_CONST: {
        const double v = b->constant;
        if (t->pointer) {
            snprintf(err, n_err, "%s binds const:%g, which needs a number type", arg, v);
            return BASIN_EINVAL;
        }
        if (t->scalar == SCALAR_FLOAT && fabs(v) > FLT_MAX) {
            snprintf(err, n_err, "%s binds const:%g, outside float's range", arg, v);
            return BASIN_EINVAL;
        }
        if (scalar_is_integer(t->scalar)) {
            double lo, hi;
            scalar_range(t->scalar, &lo, &hi);
            /* hi may have rounded up to 2^63 or 2^64: only values below it fit */
            const int top_exact = hi < 0x1p53;
            if (v != floor(v) || v < lo || (top_exact ? v > hi : v >= hi)) {
                snprintf(err, n_err,
                         "%s binds const:%g, not an integer in the "
                         "range of %s",
                         arg, v, t->spelling);
                return BASIN_EINVAL;
            }
        }
        return BASIN_OK;
    }
    case BIND_COUNT:
        break;
    }
    snprintf(err, n_err, "%s: unknown binding", arg);
    return BASIN_EINTERNAL;
}

/* Does the return type suit the role? */
static int check_return(const prototype *p, const binding_rules *rules,
                        const bindings *out, char *err, size_t n_err)
{
    const prototype_type *r = &p->ret;
    if (r->pointer) {
        snprintf(err, n_err,
                 "%s returns %s: a function must return void, an "
                 "integer status or (an energy) its value",
                 p->name, r->spelling);
        return BASIN_EINVAL;
    }
    const int floating = r->scalar == SCALAR_FLOAT || r->scalar == SCALAR_DOUBLE;
    if (floating && !rules->value_return) {
        snprintf(err, n_err,
                 "%s returns %s: a %s must return void or an integer "
                 "status and write out",
                 p->name, r->spelling, rules->role);
        return BASIN_EINVAL;
    }
    if (floating && out->position[BIND_OUT] >= 0) {
        snprintf(err, n_err,
                 "%s returns %s and binds out (argument %d): return "
                 "the value or write out, not both",
                 p->name, r->spelling, out->position[BIND_OUT] + 1);
        return BASIN_EINVAL;
    }
    if (!floating && out->position[BIND_OUT] < 0) {
        snprintf(err, n_err, "nothing binds out, and %s returns %s: bind out%s", p->name,
                 r->spelling,
                 rules->value_return ? " or return the value as double" : "");
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

int bindings_parse(const char *text, const prototype *p, const binding_rules *rules,
                   bindings *out, char *err, size_t n_err)
{
    memset(out, 0, sizeof *out);
    for (int k = 0; k < BIND_COUNT; k++)
        out->position[k] = -1;
    size_t pos = 0;
    const size_t total = strlen(text);
    if (strspn(text, " \t\n") == total) {
        snprintf(err, n_err, "no bindings given");
        return BASIN_EINVAL;
    }
    /* Parse all first, so an arity mismatch is reported before a type mismatch. */
    binding parsed[PROTOTYPE_MAX_ARGS];
    int count = 0;
    for (;;) {
        if (count == PROTOTYPE_MAX_ARGS) {
            snprintf(err, n_err, "more than %d bindings", PROTOTYPE_MAX_ARGS);
            return BASIN_EINVAL;
        }
        const int rc = parse_one(text, &pos, count + 1, &parsed[count], err, n_err);
        if (rc != BASIN_OK)
            return rc;
        count++;
        if (pos >= total && text[total - 1] != ',')
            break;
    }
    if (count != p->n_args) {
        snprintf(err, n_err, "%d bindings for the %d parameters of %s", count, p->n_args,
                 p->name);
        return BASIN_EINVAL;
    }
    for (int i = 0; i < count; i++) {
        const binding *b = &parsed[i];
        if (!(rules->allowed & BIND_BIT(b->kind))) {
            snprintf(err, n_err, "binding %d '%s' is not available to %s %s", i + 1,
                     binding_word(b->kind), rules->role[0] == 'e' ? "an" : "a",
                     rules->role);
            return BASIN_EINVAL;
        }
        if (b->kind != BIND_CONST && out->position[b->kind] >= 0) {
            snprintf(err, n_err, "binding %d '%s' repeats binding %d", i + 1,
                     binding_word(b->kind), out->position[b->kind] + 1);
            return BASIN_EINVAL;
        }
        const int rc = check_type(p, i, b, rules, err, n_err);
        if (rc != BASIN_OK)
            return rc;
        if (b->kind != BIND_CONST)
            out->position[b->kind] = i;
        out->b[i] = *b;
    }
    out->n = count;
    if (out->position[BIND_X] < 0) {
        snprintf(err, n_err, "nothing binds x: the function never sees the states");
        return BASIN_EINVAL;
    }
    const int rc = check_return(p, rules, out, err, n_err);
    if (rc != BASIN_OK)
        return rc;
    out->value_return = p->ret.scalar == SCALAR_FLOAT || p->ret.scalar == SCALAR_DOUBLE;
    out->per_state = out->value_return || out->position[BIND_N] < 0;
    return BASIN_OK;
}
