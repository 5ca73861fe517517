#include "base/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

void json_init(json_writer *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
}

/* Before a value: the comma that separates it from the previous one. */
static void before_value(json_writer *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0 && w->count[w->depth - 1]++ > 0)
        fputc(',', w->f);
}

static void open_level(json_writer *w, char c)
{
    before_value(w);
    fputc(c, w->f);
    if (w->depth < JSON_MAX_DEPTH)
        w->count[w->depth++] = 0;
}

static void close_level(json_writer *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    fputc(c, w->f);
}

void json_object_begin(json_writer *w)
{
    open_level(w, '{');
}

void json_object_end(json_writer *w)
{
    close_level(w, '}');
}

void json_array_begin(json_writer *w)
{
    open_level(w, '[');
}

void json_array_end(json_writer *w)
{
    close_level(w, ']');
}

void json_key(json_writer *w, const char *key)
{
    before_value(w);
    json_write_string(w->f, key, key ? strlen(key) : 0);
    fputc(':', w->f);
    w->after_key = 1;
}

void json_write_string(FILE *f, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    fputc('"', f);
    size_t i = 0;
    while (i < n) {
        const unsigned char c = u[i];
        if (c < 0x80) {
            switch (c) {
            case '"':
                fputs("\\\"", f);
                break;
            case '\\':
                fputs("\\\\", f);
                break;
            case '\b':
                fputs("\\b", f);
                break;
            case '\f':
                fputs("\\f", f);
                break;
            case '\n':
                fputs("\\n", f);
                break;
            case '\r':
                fputs("\\r", f);
                break;
            case '\t':
                fputs("\\t", f);
                break;
            default:
                if (c < 0x20 || c == 0x7f)
                    fprintf(f, "\\u%04x", c);
                else
                    fputc(c, f);
            }
            i++;
            continue;
        }
        const size_t len = utf8_sequence(u + i, n - i);
        if (len == 0) {
            fputs("\xEF\xBF\xBD", f); /* U+FFFD for a byte that starts no sequence */
            i++;
        } else {
            fwrite(u + i, 1, len, f);
            i += len;
        }
    }
    fputc('"', f);
}

void json_string(json_writer *w, const char *s)
{
    if (s == NULL) {
        json_null(w);
        return;
    }
    json_string_n(w, s, strlen(s));
}

void json_string_n(json_writer *w, const char *s, size_t n)
{
    before_value(w);
    json_write_string(w->f, s, n);
}

void json_number(json_writer *w, double v)
{
    if (!isfinite(v)) {
        json_null(w);
        return;
    }
    before_value(w);
    char buf[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, w->f);
}

void json_bool(json_writer *w, int v)
{
    before_value(w);
    fputs(v ? "true" : "false", w->f);
}

void json_null(json_writer *w)
{
    before_value(w);
    fputs("null", w->f);
}

void json_finish(json_writer *w)
{
    fputc('\n', w->f);
}
