/*
 * scheduler_config — a strict reader of one flat JSON object (RFC 8259) and the map
 * from diffusers' scheduler keys to basin's [schedule] (scheduler_config.h). The
 * reader keeps only the keys it maps; nested arrays and objects are skipped with
 * their syntax checked, bounded in depth.
 */
#include "recipe/scheduler_config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errmsg.h"
#include "basin/plugin.h"

#define MAX_DEPTH  16
#define MAX_STRING 4096

typedef struct reader {
    const char *path;
    const char *p, *end, *start;
    char *err;
    size_t n_err;
} reader;

/* The keys basin reads, and what the file gave for them. */
enum { K_SCHEDULE, K_BETA_START, K_BETA_END, K_STEPS, K_PREDICTION, K_TRAINED, K_N };
static const char *const key_names[K_N] = {"beta_schedule",   "beta_start",
                                           "beta_end",        "num_train_timesteps",
                                           "prediction_type", "trained_betas"};

typedef struct value {
    int set;
    int kind; /* 's' string, 'n' number, 'b' bool, 'z' null, 'a' array, 'o' object */
    double number;
    char string[64]; /* a string's first 63 bytes (longer ones match no word) */
    size_t length;
} value;

static int bad(reader *R, const char *what)
{
    errmsg(R->err, R->n_err, "%s: not a JSON scheduler config: %s at byte %zu", R->path,
           what, (size_t)(R->p - R->start));
    return BASIN_EINVAL;
}

static void skip_ws(reader *R)
{
    while (R->p < R->end &&
           (*R->p == ' ' || *R->p == '\t' || *R->p == '\n' || *R->p == '\r'))
        R->p++;
}

static int hex4(const char *s)
{
    for (int i = 0; i < 4; i++) {
        const char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

/* A string at R->p (the opening quote); its first n_out - 1 bytes into out, escapes
   decoded (\uXXXX of an ASCII character as that character); a byte that is not
   printable ASCII is kept as '?' (no key or word basin reads has one, and the
   copy is echoed in one-line messages). */
static int read_string(reader *R, char *out, size_t n_out, size_t *length)
{
    R->p++; /* the quote */
    size_t len = 0;
    for (;;) {
        if (R->p >= R->end)
            return bad(R, "a string is not closed");
        unsigned char c = (unsigned char)*R->p;
        if (c == '"')
            break;
        if (c < 0x20)
            return bad(R, "a control character inside a string");
        if (c == '\\') {
            if (R->end - R->p < 2)
                return bad(R, "a string is not closed");
            const char e = R->p[1];
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *k = strchr(from, e);
            if (e == 'u') {
                if (R->end - R->p < 6 || !hex4(R->p + 2))
                    return bad(R, "a bad \\u escape");
                const unsigned long u = strtoul(
                    (char[5]){R->p[2], R->p[3], R->p[4], R->p[5], '\0'}, NULL, 16);
                c = u > 0 && u < 0x80 ? (unsigned char)u : '?';
                R->p += 6;
            } else if (e != '\0' && k) {
                c = (unsigned char)to[k - from];
                R->p += 2;
            } else {
                return bad(R, "a bad escape");
            }
        } else {
            R->p++;
        }
        if (++len > MAX_STRING)
            return bad(R, "a string longer than 4096 bytes");
        if (len < n_out) /* echoed in messages: printable ASCII only */
            out[len - 1] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    R->p++;
    out[len < n_out ? len : n_out - 1] = '\0';
    *length = len;
    return BASIN_OK;
}

/* A JSON number (the grammar of RFC 8259, sec. 6) at R->p. */
static int read_number(reader *R, double *out)
{
    const char *s = R->p;
    if (s < R->end && *s == '-')
        s++;
    if (s >= R->end || !(*s >= '0' && *s <= '9'))
        return bad(R, "an unexpected character");
    if (*s == '0')
        s++;
    else
        while (s < R->end && *s >= '0' && *s <= '9')
            s++;
    if (s < R->end && *s == '.') {
        s++;
        if (s >= R->end || !(*s >= '0' && *s <= '9'))
            return bad(R, "a number with no digit after the point");
        while (s < R->end && *s >= '0' && *s <= '9')
            s++;
    }
    if (s < R->end && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < R->end && (*s == '+' || *s == '-'))
            s++;
        if (s >= R->end || !(*s >= '0' && *s <= '9'))
            return bad(R, "a number with no digit in its exponent");
        while (s < R->end && *s >= '0' && *s <= '9')
            s++;
    }
    char buf[64];
    const size_t n = (size_t)(s - R->p);
    if (n >= sizeof buf)
        return bad(R, "a number longer than 63 characters");
    memcpy(buf, R->p, n);
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    R->p = s;
    return BASIN_OK;
}

static int read_value(reader *R, value *v, int depth);

/* An array or object at R->p, checked and skipped. */
static int skip_container(reader *R, int depth)
{
    if (depth >= MAX_DEPTH)
        return bad(R, "nesting deeper than 16");
    const char close = *R->p == '[' ? ']' : '}';
    R->p++;
    skip_ws(R);
    if (R->p < R->end && *R->p == close) {
        R->p++;
        return BASIN_OK;
    }
    for (;;) {
        value v = {0};
        int rc;
        if (close == '}') {
            if (R->p >= R->end || *R->p != '"')
                return bad(R, "expected a key");
            if ((rc = read_string(R, v.string, sizeof v.string, &v.length)))
                return rc;
            skip_ws(R);
            if (R->p >= R->end || *R->p != ':')
                return bad(R, "expected ':' after a key");
            R->p++;
        }
        if ((rc = read_value(R, &v, depth + 1)))
            return rc;
        skip_ws(R);
        if (R->p < R->end && *R->p == ',') {
            R->p++;
            skip_ws(R);
            continue;
        }
        if (R->p < R->end && *R->p == close) {
            R->p++;
            return BASIN_OK;
        }
        return bad(R, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
    }
}

static int read_value(reader *R, value *v, int depth)
{
    skip_ws(R);
    if (R->p >= R->end)
        return bad(R, "the text ends where a value should be");
    const char c = *R->p;
    v->set = 1;
    if (c == '"') {
        v->kind = 's';
        return read_string(R, v->string, sizeof v->string, &v->length);
    }
    if (c == '[' || c == '{') {
        v->kind = c == '[' ? 'a' : 'o';
        return skip_container(R, depth);
    }
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        const size_t n = strlen(words[i]);
        if ((size_t)(R->end - R->p) >= n && memcmp(R->p, words[i], n) == 0) {
            v->kind = i < 2 ? 'b' : 'z';
            v->number = i == 0;
            R->p += n;
            return BASIN_OK;
        }
    }
    v->kind = 'n';
    return read_number(R, &v->number);
}

static const char *kind_word(int kind)
{
    switch (kind) {
    case 's':
        return "a string";
    case 'n':
        return "a number";
    case 'b':
        return "a boolean";
    case 'z':
        return "null";
    case 'a':
        return "an array";
    default:
        return "an object";
    }
}

/* The word w of a string value among names[0..n) (-1: none of them). */
static int word_of(const value *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (v->length < sizeof v->string && strcmp(v->string, names[i]) == 0)
            return i;
    return -1;
}

int scheduler_config_parse(const char *path, const char *text, size_t n,
                           scheduler_config *out, char *err, size_t n_err)
{
    reader R = {path, text, text + n, text, err, n_err};
    value got[K_N];
    memset(got, 0, sizeof got);
    if (memchr(text, '\0', n))
        return bad(&R, "a NUL byte");
    skip_ws(&R);
    if (R.p >= R.end || *R.p != '{')
        return bad(&R, "expected '{' (one JSON object)");
    R.p++;
    skip_ws(&R);
    int first = 1;
    while (!(R.p < R.end && *R.p == '}')) {
        if (!first) {
            if (R.p >= R.end || *R.p != ',')
                return bad(&R, "expected ',' or '}'");
            R.p++;
            skip_ws(&R);
        }
        first = 0;
        if (R.p >= R.end || *R.p != '"')
            return bad(&R, "expected a key");
        value key = {0};
        int rc = read_string(&R, key.string, sizeof key.string, &key.length);
        if (rc)
            return rc;
        skip_ws(&R);
        if (R.p >= R.end || *R.p != ':')
            return bad(&R, "expected ':' after a key");
        R.p++;
        value v = {0};
        if ((rc = read_value(&R, &v, 1)))
            return rc;
        const int k = word_of(&key, key_names, K_N);
        if (k >= 0) {
            if (got[k].set) {
                errmsg(err, n_err, "%s: %s appears twice", path, key_names[k]);
                return BASIN_EINVAL;
            }
            got[k] = v;
        }
        skip_ws(&R);
    }
    R.p++;
    skip_ws(&R);
    if (R.p != R.end)
        return bad(&R, "text after the object");

    /* The types of the keys read. */
    for (int k = 0; k < K_N; k++) {
        const int want = k == K_SCHEDULE || k == K_PREDICTION ? 's'
                         : k == K_TRAINED                     ? 'z'
                                                              : 'n';
        if (got[k].set && got[k].kind != want) {
            errmsg(err, n_err, "%s: %s is %s%s", path, key_names[k],
                   kind_word(got[k].kind),
                   k == K_TRAINED ? ": basin takes no table of betas (want null)"
                   : want == 's'  ? ", want a string"
                                  : ", want a number");
            return BASIN_EINVAL;
        }
    }
    static const char *const schedules[] = {"linear", "scaled_linear",
                                            "squaredcos_cap_v2"};
    static const char *const basin_names[] = {"ddpm-linear", "ddpm-scaled-linear",
                                              "cosine"};
    const int s = got[K_SCHEDULE].set ? word_of(&got[K_SCHEDULE], schedules, 3) : 0;
    if (s < 0) {
        errmsg(err, n_err,
               "%s: beta_schedule = \"%s%s\" is not linear, scaled_linear or "
               "squaredcos_cap_v2 (basin's ddpm-linear, ddpm-scaled-linear, cosine)",
               path, got[K_SCHEDULE].string,
               got[K_SCHEDULE].length >= sizeof got[K_SCHEDULE].string ? "..." : "");
        return BASIN_EINVAL;
    }
    static const char *const predictions[] = {"epsilon", "v_prediction", "sample"};
    static const char *const outputs[] = {"epsilon", "v", "denoiser"};
    const int p = got[K_PREDICTION].set ? word_of(&got[K_PREDICTION], predictions, 3) : 0;
    if (p < 0) {
        errmsg(err, n_err,
               "%s: prediction_type = \"%s%s\" is not epsilon, v_prediction or sample",
               path, got[K_PREDICTION].string,
               got[K_PREDICTION].length >= sizeof got[K_PREDICTION].string ? "..." : "");
        return BASIN_EINVAL;
    }
    if (got[K_STEPS].set && got[K_STEPS].number != 1000) {
        errmsg(err, n_err,
               "%s: num_train_timesteps = %g: basin's ddpm schedules have 1000 steps",
               path, got[K_STEPS].number);
        return BASIN_EINVAL;
    }
    out->name = basin_names[s];
    out->prediction = predictions[p];
    out->output = outputs[p];
    out->beta_start = out->beta_end = -1; /* cosine: no β range (basin's default) */
    if (s < 2) {
        const double b0 = got[K_BETA_START].set ? got[K_BETA_START].number : 1e-4,
                     b1 = got[K_BETA_END].set ? got[K_BETA_END].number : 0.02;
        if (!(b0 > 0 && b0 < b1 && b1 < 1)) {
            errmsg(err, n_err,
                   "%s: beta_start = %g, beta_end = %g: want 0 < beta_start < beta_end "
                   "< 1",
                   path, b0, b1);
            return BASIN_EINVAL;
        }
        out->beta_start = b0;
        out->beta_end = b1;
    }
    return BASIN_OK;
}

int scheduler_config_read(const char *path, scheduler_config *out, char *err,
                          size_t n_err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        errmsg(err, n_err, "%s: %s", path, strerror(errno));
        return BASIN_EIO;
    }
    char *text = malloc(SCHEDULER_CONFIG_MAX_BYTES + 1);
    if (!text) {
        fclose(f);
        return BASIN_ENOMEM;
    }
    const size_t n = fread(text, 1, SCHEDULER_CONFIG_MAX_BYTES + 1, f);
    const int failed = ferror(f);
    fclose(f);
    int rc;
    if (failed) {
        errmsg(err, n_err, "%s: read error", path);
        rc = BASIN_EIO;
    } else if (n > SCHEDULER_CONFIG_MAX_BYTES) {
        errmsg(err, n_err,
               "%s: larger than %d KiB: not a scheduler config (they are a few hundred "
               "bytes)",
               path, SCHEDULER_CONFIG_MAX_BYTES / 1024);
        rc = BASIN_EINVAL;
    } else {
        rc = scheduler_config_parse(path, text, n, out, err, n_err);
    }
    free(text);
    return rc;
}
