/*
 * test_json — core/base/json.c: escaping (quote, backslash, control characters,
 * invalid UTF-8 → U+FFFD), numbers (shortest round trip, NaN and ±inf as null)
 * and the commas of nested objects and arrays, each against the exact bytes.
 */
#define _GNU_SOURCE
#include "base/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* What fn writes through a fresh writer, as a string the caller frees. */
static char *written(void (*fn)(json_writer *))
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    json_writer w;
    json_init(&w, f);
    fn(&w);
    fclose(f);
    return buf;
}

static void strings(json_writer *w)
{
    json_array_begin(w);
    json_string(w, "a\"b\\c");
    json_string(w, "tab\there\nnew\rline\b\f");
    json_string(w, "\x01\x1f\x7f");
    json_string(w, "caf\xc3\xa9 \xe2\x82\xac"); /* valid: kept */
    json_string(w, "bad \xff end \xc3");        /* invalid bytes */
    json_string(w, "\xed\xa0\x80");             /* a surrogate: 3 bad bytes */
    json_string_n(w, "nul\0inside", 10);
    json_string(w, NULL);
    json_array_end(w);
}

TEST_IMPL(json_strings)
{
    char *s = written(strings);
    EXPECT_STR_EQ(s,
                  "[\"a\\\"b\\\\c\",\"tab\\there\\nnew\\rline\\b\\f\","
                  "\"\\u0001\\u001f\\u007f\",\"caf\xc3\xa9 \xe2\x82\xac\","
                  "\"bad \xef\xbf\xbd end \xef\xbf\xbd\","
                  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\",\"nul\\u0000inside\",null]");
    free(s);
}

static void numbers(json_writer *w)
{
    json_array_begin(w);
    json_number(w, 0);
    json_number(w, 1);
    json_number(w, -2.5);
    json_number(w, 0.1);
    json_number(w, 1.0 / 3.0);
    json_number(w, 1e300);
    json_number(w, NAN);
    json_number(w, INFINITY);
    json_number(w, -INFINITY);
    json_number(w, 5e-324);
    json_bool(w, 1);
    json_bool(w, 0);
    json_null(w);
    json_array_end(w);
}

TEST_IMPL(json_numbers)
{
    char *s = written(numbers);
    EXPECT_STR_EQ(s, "[0,1,-2.5,0.1,0.3333333333333333,1e+300,null,null,null,"
                     "4.94065645841247e-324,true,false,null]");
    free(s);
    /* every printed double reads back exactly */
    const double values[] = {0.1, 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0, 1e-7, 123456.789, M_PI};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);
        json_writer w;
        json_init(&w, f);
        json_number(&w, values[k]);
        fclose(f);
        EXPECT_MSG(strtod(buf, NULL) == values[k], "%.17g printed as %s", values[k], buf);
        free(buf);
    }
}

static void nested(json_writer *w)
{
    json_object_begin(w);
    json_key(w, "a");
    json_array_begin(w);
    json_object_begin(w);
    json_object_end(w);
    json_array_begin(w);
    json_array_end(w);
    json_number(w, 3);
    json_array_end(w);
    json_key(w, "b\n");
    json_object_begin(w);
    json_key(w, "c");
    json_string(w, "d");
    json_key(w, "e");
    json_null(w);
    json_object_end(w);
    json_object_end(w);
    json_finish(w);
}

TEST_IMPL(json_nesting)
{
    char *s = written(nested);
    EXPECT_STR_EQ(s, "{\"a\":[{},[],3],\"b\\n\":{\"c\":\"d\",\"e\":null}}\n");
    free(s);
}

TEST_LIST_BEGIN
TEST_ENTRY(json_strings)
TEST_ENTRY(json_numbers)
TEST_ENTRY(json_nesting)
TEST_LIST_END
