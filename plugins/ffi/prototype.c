/* prototype — see prototype.h. A hand-written tokenizer and a recursive descent
   over the small grammar  type name '(' [ type [name] {',' type [name]} ] ')' [;]. */
#include "prototype.h"

#include <basin/plugin.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ tokens */

typedef enum token_kind {
    TOK_END,
    TOK_IDENT,
    TOK_STAR,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_COMMA,
    TOK_SEMI,
    TOK_ELLIPSIS,
    TOK_LBRACKET,
    TOK_OTHER
} token_kind;

typedef struct token {
    token_kind kind;
    int column;    /* 1-based */
    char text[32]; /* the token as written (truncated) */
} token;

typedef struct parser {
    const char *text;
    size_t pos;
    token tok; /* the current token */
    char *err;
    size_t n_err;
} parser;

static void next(parser *ps)
{
    const char *s = ps->text;
    while (s[ps->pos] != '\0' && isspace((unsigned char)s[ps->pos]))
        ps->pos++;
    token *t = &ps->tok;
    t->column = (int)ps->pos + 1;
    size_t start = ps->pos, len = 1;
    const char c = s[ps->pos];
    if (c == '\0') {
        t->kind = TOK_END;
        snprintf(t->text, sizeof t->text, "end of text");
        return;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        while (isalnum((unsigned char)s[start + len]) || s[start + len] == '_')
            len++;
        t->kind = TOK_IDENT;
    } else if (strncmp(s + start, "...", 3) == 0) {
        len = 3;
        t->kind = TOK_ELLIPSIS;
    } else {
        switch (c) {
        case '*':
            t->kind = TOK_STAR;
            break;
        case '(':
            t->kind = TOK_LPAREN;
            break;
        case ')':
            t->kind = TOK_RPAREN;
            break;
        case ',':
            t->kind = TOK_COMMA;
            break;
        case ';':
            t->kind = TOK_SEMI;
            break;
        case '[':
            t->kind = TOK_LBRACKET;
            break;
        default:
            t->kind = TOK_OTHER;
            break;
        }
    }
    const size_t keep = len < sizeof t->text - 1 ? len : sizeof t->text - 1;
    memcpy(t->text, s + start, keep);
    t->text[keep] = '\0';
    ps->pos = start + len;
}

static int is_word(const token *t, const char *w)
{
    return t->kind == TOK_IDENT && strcmp(t->text, w) == 0;
}

/* Record "WHAT 'TOKEN' at column N" and return BASIN_EINVAL. */
static int fail(parser *ps, const char *what)
{
    if (ps->tok.kind == TOK_END)
        snprintf(ps->err, ps->n_err, "%s end of text at column %d", what, ps->tok.column);
    else
        snprintf(ps->err, ps->n_err, "%s '%s' at column %d", what, ps->tok.text,
                 ps->tok.column);
    return BASIN_EINVAL;
}

/* ---------------------------------------------------------------- scalars */

int scalar_is_integer(prototype_scalar s)
{
    return s >= SCALAR_I8 && s <= SCALAR_U64;
}

uint64_t scalar_max(prototype_scalar s)
{
    switch (s) {
    case SCALAR_I8:
        return INT8_MAX;
    case SCALAR_U8:
        return UINT8_MAX;
    case SCALAR_I16:
        return INT16_MAX;
    case SCALAR_U16:
        return UINT16_MAX;
    case SCALAR_I32:
        return INT32_MAX;
    case SCALAR_U32:
        return UINT32_MAX;
    case SCALAR_I64:
        return INT64_MAX;
    case SCALAR_U64:
        return UINT64_MAX;
    default:
        return 0;
    }
}

void scalar_range(prototype_scalar s, double *lo, double *hi)
{
    const int is_signed =
        s == SCALAR_I8 || s == SCALAR_I16 || s == SCALAR_I32 || s == SCALAR_I64;
    *hi = (double)scalar_max(s);
    *lo = is_signed ? -*hi - 1 : 0;
}

static ffi_type *scalar_ffi(prototype_scalar s)
{
    switch (s) {
    case SCALAR_VOID:
        return &ffi_type_void;
    case SCALAR_I8:
        return &ffi_type_sint8;
    case SCALAR_U8:
        return &ffi_type_uint8;
    case SCALAR_I16:
        return &ffi_type_sint16;
    case SCALAR_U16:
        return &ffi_type_uint16;
    case SCALAR_I32:
        return &ffi_type_sint32;
    case SCALAR_U32:
        return &ffi_type_uint32;
    case SCALAR_I64:
        return &ffi_type_sint64;
    case SCALAR_U64:
        return &ffi_type_uint64;
    case SCALAR_FLOAT:
        return &ffi_type_float;
    case SCALAR_DOUBLE:
        return &ffi_type_double;
    }
    return NULL;
}

/* The words that stand alone (no signed, unsigned, int or long beside them). */
static const struct {
    const char *word;
    prototype_scalar scalar;
} alone_words[] = {
    {"void", SCALAR_VOID},     {"float", SCALAR_FLOAT},
    {"double", SCALAR_DOUBLE}, {"int8_t", SCALAR_I8},
    {"uint8_t", SCALAR_U8},    {"int16_t", SCALAR_I16},
    {"uint16_t", SCALAR_U16},  {"int32_t", SCALAR_I32},
    {"uint32_t", SCALAR_U32},  {"int64_t", SCALAR_I64},
    {"uint64_t", SCALAR_U64},  {"size_t", sizeof(size_t) == 8 ? SCALAR_U64 : SCALAR_U32},
};

/* Words C knows as types (or qualifiers) that the whitelist refuses. */
static const char *const refused_words[] = {
    "struct",    "union",    "enum",      "char",     "short",   "bool",
    "_Bool",     "_Complex", "complex",   "volatile", "wchar_t", "ssize_t",
    "ptrdiff_t", "intptr_t", "uintptr_t", "FILE",     "_Atomic", "auto",
    "register",  "static",   "extern",    "typedef",  "inline",
};

/* ------------------------------------------------------------------- types */

/* What a run of specifier words has said so far. */
typedef struct specifiers {
    int n_words;
    int alone; /* index into alone_words + 1, or 0 */
    int is_signed, is_unsigned, n_int, n_long;
    int is_const;
} specifiers;

/* Add a type word (the current token) to sp, or fail naming it. */
static int add_word(parser *ps, specifiers *sp, char *spelling, size_t n_spelling)
{
    const char *w = ps->tok.text;
    for (size_t i = 0; i < sizeof refused_words / sizeof *refused_words; i++)
        if (strcmp(w, refused_words[i]) == 0)
            return fail(ps, "unsupported type");
    int alone = 0;
    for (size_t i = 0; i < sizeof alone_words / sizeof *alone_words; i++)
        if (strcmp(w, alone_words[i].word) == 0)
            alone = (int)i + 1;
    const int any = sp->n_words > 0;
    if (alone) {
        if (any)
            return fail(ps, "unsupported type combination");
        sp->alone = alone;
    } else if (strcmp(w, "signed") == 0 || strcmp(w, "unsigned") == 0) {
        if (sp->alone || sp->is_signed || sp->is_unsigned)
            return fail(ps, "unsupported type combination");
        if (w[0] == 's')
            sp->is_signed = 1;
        else
            sp->is_unsigned = 1;
    } else if (strcmp(w, "int") == 0) {
        if (sp->alone || sp->n_int)
            return fail(ps, "unsupported type combination");
        sp->n_int = 1;
    } else if (strcmp(w, "long") == 0) {
        if (sp->alone || sp->n_long == 2)
            return fail(ps, "unsupported type combination");
        sp->n_long++;
    } else {
        return 1; /* not a type word */
    }
    sp->n_words++;
    size_t used = strlen(spelling);
    snprintf(spelling + used, n_spelling - used, "%s%s", used ? " " : "", w);
    return BASIN_OK;
}

/* The scalar the words name (at least one word was seen). */
static prototype_scalar resolve(const specifiers *sp)
{
    if (sp->alone)
        return alone_words[sp->alone - 1].scalar;
    int bits = 32;
    if (sp->n_long == 2 || (sp->n_long == 1 && sizeof(long) == 8))
        bits = 64;
    if (bits == 64)
        return sp->is_unsigned ? SCALAR_U64 : SCALAR_I64;
    return sp->is_unsigned ? SCALAR_U32 : SCALAR_I32;
}

/*
 * Parse a type at the current token into *t: specifier words (and const), then at
 * most one '*' followed by const/restrict qualifiers. Stops at the first token that
 * is not part of the type (a name, ',', ')', ...).
 */
static int parse_type(parser *ps, prototype_type *t)
{
    specifiers sp = {0};
    char words[40] = "";
    for (;;) {
        if (is_word(&ps->tok, "const")) {
            sp.is_const = 1;
            next(ps);
            continue;
        }
        if (ps->tok.kind != TOK_IDENT)
            break;
        int rc = add_word(ps, &sp, words, sizeof words);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            if (sp.n_words == 0)
                return fail(ps, "unknown type");
            break; /* a name */
        }
        next(ps);
    }
    if (sp.n_words == 0) {
        if (ps->tok.kind == TOK_ELLIPSIS)
            return fail(ps, "varargs are not supported:");
        if (ps->tok.kind == TOK_LPAREN)
            return fail(ps, "function pointers are not supported:");
        return fail(ps, "expected a type, found");
    }
    t->scalar = resolve(&sp);
    t->pointer = 0;
    t->is_const = sp.is_const;
    if (ps->tok.kind == TOK_STAR) {
        if (t->scalar == SCALAR_VOID)
            return fail(ps, "void pointers are not supported:");
        t->pointer = 1;
        next(ps);
        while (is_word(&ps->tok, "const") || is_word(&ps->tok, "restrict") ||
               is_word(&ps->tok, "__restrict"))
            next(ps);
        if (ps->tok.kind == TOK_STAR)
            return fail(ps, "pointers to pointers are not supported:");
    } else if (sp.is_const && is_word(&ps->tok, "restrict")) {
        return fail(ps, "restrict needs a pointer:");
    }
    snprintf(t->spelling, sizeof t->spelling, "%s%s%s",
             t->pointer && t->is_const ? "const " : "", words, t->pointer ? " *" : "");
    return BASIN_OK;
}

/* ---------------------------------------------------------------- prototype */

int prototype_parse(const char *text, prototype *p, char *err, size_t n_err)
{
    memset(p, 0, sizeof *p);
    parser ps = {.text = text, .err = err, .n_err = n_err};
    next(&ps);
    if (ps.tok.kind == TOK_END) {
        snprintf(err, n_err, "the prototype is empty");
        return BASIN_EINVAL;
    }
    int rc = parse_type(&ps, &p->ret);
    if (rc != BASIN_OK)
        return rc;
    if (ps.tok.kind == TOK_LPAREN)
        return fail(&ps, "function pointers are not supported: expected the "
                         "function's name, found");
    if (ps.tok.kind != TOK_IDENT)
        return fail(&ps, "expected the function's name, found");
    snprintf(p->name, sizeof p->name, "%s", ps.tok.text);
    next(&ps);
    if (ps.tok.kind != TOK_LPAREN)
        return fail(&ps, "expected '(', found");
    next(&ps);
    /* "()" and "(void)": no parameters. */
    int done = ps.tok.kind == TOK_RPAREN;
    if (is_word(&ps.tok, "void")) {
        parser peek = ps;
        next(&peek);
        if (peek.tok.kind == TOK_RPAREN) {
            ps = peek;
            done = 1;
        }
    }
    while (!done) {
        if (p->n_args == PROTOTYPE_MAX_ARGS)
            return fail(&ps, "more than 32 parameters at");
        prototype_type *t = &p->args[p->n_args];
        const int column = ps.tok.column;
        rc = parse_type(&ps, t);
        if (rc != BASIN_OK)
            return rc;
        if (t->scalar == SCALAR_VOID && !t->pointer) {
            snprintf(err, n_err, "a parameter of type void at column %d", column);
            return BASIN_EINVAL;
        }
        if (ps.tok.kind == TOK_IDENT) {
            snprintf(p->arg_names[p->n_args], sizeof p->arg_names[0], "%s", ps.tok.text);
            next(&ps);
        }
        p->n_args++;
        if (ps.tok.kind == TOK_LBRACKET)
            return fail(&ps, "arrays are not supported (write a pointer):");
        if (ps.tok.kind == TOK_LPAREN)
            return fail(&ps, "function pointers are not supported:");
        if (ps.tok.kind == TOK_RPAREN)
            break;
        if (ps.tok.kind != TOK_COMMA)
            return fail(&ps, "expected ',' or ')', found");
        next(&ps);
    }
    next(&ps); /* past ')' */
    if (ps.tok.kind == TOK_SEMI)
        next(&ps);
    if (ps.tok.kind != TOK_END)
        return fail(&ps, "unexpected");
    for (int i = 0; i < p->n_args; i++)
        p->ffi_args[i] =
            p->args[i].pointer ? &ffi_type_pointer : scalar_ffi(p->args[i].scalar);
    ffi_type *ret = p->ret.pointer ? &ffi_type_pointer : scalar_ffi(p->ret.scalar);
    if (ffi_prep_cif(&p->cif, FFI_DEFAULT_ABI, (unsigned)p->n_args, ret,
                     p->n_args ? p->ffi_args : NULL) != FFI_OK) {
        snprintf(err, n_err, "libffi cannot prepare a call to %s", p->name);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}
