/*
 * json — a small streaming JSON writer (RFC 8259) for what basin prints with
 * --json: `basin plugins`, `basin describe` and a run's summary. Strings are
 * escaped (quote, backslash, control characters as \n, \t, … or \u00XX) and
 * bytes that are not valid UTF-8 become U+FFFD, as in run.toml; numbers print
 * in the shortest form that reads back to the same double, and NaN or ±inf
 * (which JSON cannot spell) print as null. The writer keeps the commas: call
 * json_key before each value of an object, nothing before the values of an array.
 * Nesting deeper than JSON_MAX_DEPTH is a caller bug and is clamped.
 */
#ifndef BASIN_JSON_H
#define BASIN_JSON_H

#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct json_writer {
    FILE *f;
    int depth;
    int count[JSON_MAX_DEPTH]; /* values written at each open level */
    int after_key;             /* the next value follows a key: no comma */
} json_writer;

/* Start writing one JSON value (an object, an array or a scalar) to f. */
void json_init(json_writer *w, FILE *f);

void json_object_begin(json_writer *w);
void json_object_end(json_writer *w);
void json_array_begin(json_writer *w);
void json_array_end(json_writer *w);

/* The key of the next value of the open object. */
void json_key(json_writer *w, const char *key);

/* A string (NULL: null), of n bytes (json_string_n) or NUL-terminated. */
void json_string(json_writer *w, const char *s);
void json_string_n(json_writer *w, const char *s, size_t n);

/* A number: the shortest of %.15g, %.16g, %.17g that reads back exactly; NaN and
   ±inf as null. */
void json_number(json_writer *w, double v);

void json_bool(json_writer *w, int v);
void json_null(json_writer *w);

/* End the document: a newline after the top-level value. */
void json_finish(json_writer *w);

/* Write s[0..n) as a quoted JSON string to f (escaping as above). */
void json_write_string(FILE *f, const char *s, size_t n);

#endif
