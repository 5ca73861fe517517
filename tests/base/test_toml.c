/* Tests for base/toml.h, the C interface over toml++.
 * Run from tests/base (meson sets workdir) so the fixtures resolve. */
#include "base/toml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The node at a dotted path of table keys, e.g. "server.limits.memory". */
static const toml_node *at(const toml_node *root, const char *path)
{
    char part[128];
    const toml_node *n = root;
    while (n && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof part)
            return NULL;
        memcpy(part, path, len);
        part[len] = '\0';
        n = toml_get(n, part);
        path += dot ? len + 1 : len;
    }
    return n;
}

static void check_kind(const toml_node *n, toml_kind kind, const char *what)
{
    EXPECT_MSG(n && n->kind == kind, "%s is a %s (got %s)", what, toml_kind_name(kind),
               n ? toml_kind_name(n->kind) : "nothing");
}

static void check_line(const toml_node *n, int line, const char *what)
{
    EXPECT_MSG(n && n->line == line, "%s is on line %d (got %d)", what, line,
               n ? n->line : -1);
}

static void check_int(const toml_node *n, long long v, const char *what)
{
    EXPECT_MSG(n && n->kind == TOML_INTEGER && n->integer == v, "%s == %lld (got %lld)",
               what, v, n ? (long long)n->integer : 0LL);
}

/* s with line breaks shown as \n, so that each check prints one line. */
static const char *shown(const char *s, char *buf, size_t size)
{
    size_t o = 0;
    if (!s)
        return "(null)";
    for (; *s && o + 3 < size; s++) {
        if (*s == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else {
            buf[o++] = *s;
        }
    }
    buf[o] = '\0';
    return buf;
}

static void check_str(const toml_node *n, toml_kind kind, const char *v, const char *what)
{
    char want[128], got[128];
    EXPECT_MSG(n && n->kind == kind && streq(n->string, v), "%s == \"%s\" (got \"%s\")",
               what, shown(v, want, sizeof want),
               shown(n ? n->string : NULL, got, sizeof got));
}

static void check_order(const toml_node *t, const char *const *keys, size_t n,
                        const char *what)
{
    int ok = t && t->kind == TOML_TABLE && t->n_items == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = streq(t->items[i]->key, keys[i]);
    EXPECT_MSG(ok, "%s: %zu entries in source order", what, n);
    if (!ok && t && t->kind == TOML_TABLE) {
        for (size_t i = 0; i < t->n_items; i++)
            printf("#       got [%zu] %s\n", i,
                   t->items[i]->key ? t->items[i]->key : "(null)");
    }
}

/* basic.toml parsed (the working directory is tests/base), or NULL after a failed
   check. */
static toml_node *fixture(void)
{
    toml_node *root = NULL;
    char *err = NULL;
    int rc = toml_parse_file("basic.toml", &root, &err);
    EXPECT_MSG(rc == 0 && root && !err, "basic.toml parses (rc %d, %s)", rc,
               err ? err : "no error");
    free(err);
    return root;
}

TEST_IMPL(toml_fixture_root)
{
    toml_node *root = fixture();
    ASSERT_NOT_NULL(root);
    check_kind(root, TOML_TABLE, "root");
    EXPECT_MSG(root->key == NULL, "root has no key");

    static const char *const root_keys[] = {
        "title",   "count",      "ratio",   "enabled", "disabled", "b",     "a",
        "unicode", "multi",      "literal", "floats",  "mixed",    "empty", "point",
        "dotted",  "quoted key", "lit.key", "ints",    "server",   "dates", "job",
    };
    check_order(root, root_keys, sizeof root_keys / sizeof *root_keys, "root");

    toml_free(root);
}

TEST_IMPL(toml_scalars)
{
    toml_node *root = fixture();
    ASSERT_NOT_NULL(root);
    /* scalars */
    check_str(toml_get(root, "title"), TOML_STRING, "basin", "title");
    check_int(toml_get(root, "count"), 42, "count");
    const toml_node *ratio = toml_get(root, "ratio");
    EXPECT_MSG(ratio && ratio->kind == TOML_FLOAT && ratio->real == 0.5, "ratio == 0.5");
    const toml_node *en = toml_get(root, "enabled"), *dis = toml_get(root, "disabled");
    EXPECT_MSG(en && en->kind == TOML_BOOL && en->boolean, "enabled == true");
    EXPECT_MSG(dis && dis->kind == TOML_BOOL && !dis->boolean, "disabled == false");
    check_int(toml_get(root, "b"), INT64_MIN, "b (INT64_MIN)");
    check_int(toml_get(root, "a"), INT64_MAX, "a (INT64_MAX)");
    check_line(toml_get(root, "b"), 7, "b");
    check_line(toml_get(root, "a"), 8, "a");
    const toml_node *title = toml_get(root, "title");
    EXPECT_MSG(title && title->line == 2 && title->column == 9,
               "title value at 2:9 (got %d:%d)", title ? title->line : -1,
               title ? title->column : -1);
    check_str(toml_get(root, "unicode"), TOML_STRING, "caf\xc3\xa9 \xe2\x9c\x93",
              "unicode");
    check_str(toml_get(root, "multi"), TOML_STRING, "two\nlines",
              "multi (multi-line string)");
    check_line(toml_get(root, "multi"), 10, "multi");
    check_str(toml_get(root, "literal"), TOML_STRING, "C:\\path", "literal");
    check_int(toml_get(root, "quoted key"), 1, "\"quoted key\"");
    check_int(toml_get(root, "lit.key"), 2, "'lit.key' (dot inside a quoted key)");

    const toml_node *ints = toml_get(root, "ints");
    EXPECT_MSG(ints && ints->kind == TOML_ARRAY && ints->n_items == 4 &&
                   ints->items[0]->integer == 0xDEADBEEF &&
                   ints->items[1]->integer == 0755 && ints->items[2]->integer == 10 &&
                   ints->items[3]->integer == 1000,
               "ints: hex, octal, binary, underscores");

    toml_free(root);
}

TEST_IMPL(toml_floats)
{
    toml_node *root = fixture();
    ASSERT_NOT_NULL(root);
    /* floats, nan and inf included */
    const toml_node *fl = toml_get(root, "floats");
    EXPECT_MSG(fl && fl->kind == TOML_ARRAY && fl->n_items == 5, "floats has 5 items");
    if (fl && fl->n_items == 5) {
        for (size_t i = 0; i < 5; i++)
            EXPECT_MSG(fl->items[i]->kind == TOML_FLOAT && fl->items[i]->key == NULL,
                       "floats[%zu] is a float with no key", i);
        EXPECT_MSG(isnan(fl->items[0]->real), "floats[0] is nan");
        EXPECT_MSG(isinf(fl->items[1]->real) && fl->items[1]->real > 0,
                   "floats[1] is +inf");
        EXPECT_MSG(isinf(fl->items[2]->real) && fl->items[2]->real < 0,
                   "floats[2] is -inf");
        EXPECT_MSG(fl->items[3]->real == 1e300, "floats[3] == 1e300");
        EXPECT_MSG(fl->items[4]->real == 0.0 && signbit(fl->items[4]->real),
                   "floats[4] is -0.0");
        EXPECT_MSG(fl->items[1]->line == 14 && fl->items[1]->column == 16,
                   "floats[1] at 14:16 (got %d:%d)", fl->items[1]->line,
                   fl->items[1]->column);
    }

    toml_free(root);
}

TEST_IMPL(toml_arrays)
{
    toml_node *root = fixture();
    ASSERT_NOT_NULL(root);
    /* heterogeneous array with a nested array and an inline table */
    const toml_node *mixed = toml_get(root, "mixed");
    EXPECT_MSG(mixed && mixed->kind == TOML_ARRAY && mixed->n_items == 4,
               "mixed has 4 items");
    if (mixed && mixed->n_items == 4) {
        check_int(mixed->items[0], 1, "mixed[0]");
        check_str(mixed->items[1], TOML_STRING, "two", "mixed[1]");
        EXPECT_MSG(mixed->items[2]->kind == TOML_ARRAY && mixed->items[2]->n_items == 2 &&
                       mixed->items[2]->items[1]->integer == 4,
                   "mixed[2] is the array [3, 4]");
        check_kind(mixed->items[3], TOML_TABLE, "mixed[3]");
        check_int(toml_get(mixed->items[3], "five"), 5, "mixed[3].five");
        EXPECT_MSG(toml_get(mixed, "five") == NULL, "toml_get on an array is NULL");
    }
    const toml_node *empty = toml_get(root, "empty");
    EXPECT_MSG(empty && empty->kind == TOML_ARRAY && empty->n_items == 0 &&
                   empty->items == NULL,
               "empty is an empty array");

    toml_free(root);
}

TEST_IMPL(toml_inline_tables)
{
    toml_node *root = fixture();
    ASSERT_NOT_NULL(root);
    /* inline tables keep their source order */
    const toml_node *point = toml_get(root, "point");
    static const char *const point_keys[] = {"y", "x", "nested"};
    check_order(point, point_keys, 3, "point (inline table)");
    EXPECT_MSG(point && point->line == 17 && point->column == 9,
               "point value at 17:9 (got %d:%d)", point ? point->line : -1,
               point ? point->column : -1);
    const toml_node *z = at(root, "point.nested.z");
    EXPECT_MSG(z && z->kind == TOML_BOOL && z->boolean, "point.nested.z == true");
    check_int(at(root, "dotted.inner.value"), 7, "dotted.inner.value");
    check_kind(at(root, "dotted.inner"), TOML_TABLE, "dotted.inner");
    check_line(toml_get(root, "dotted"), 18, "dotted");

    toml_free(root);
}

TEST_IMPL(toml_tables)
{
    toml_node *root = fixture();
    ASSERT_NOT_NULL(root);
    /* standard tables */
    const toml_node *server = toml_get(root, "server");
    static const char *const server_keys[] = {"zeta", "alpha", "limits"};
    check_order(server, server_keys, 3, "server");
    check_line(server, 23, "server");
    check_line(at(root, "server.zeta"), 24, "server.zeta");
    check_line(at(root, "server.limits"), 27, "server.limits");
    check_int(at(root, "server.limits.memory"), 1024, "server.limits.memory");
    check_line(at(root, "server.limits.memory"), 28, "server.limits.memory");
    EXPECT_MSG(at(root, "server.limits") &&
                   streq(at(root, "server.limits")->key, "limits"),
               "server.limits has key \"limits\"");

    toml_free(root);
}

TEST_IMPL(toml_dates)
{
    toml_node *root = fixture();
    ASSERT_NOT_NULL(root);
    /* dates and times */
    const toml_node *dates = toml_get(root, "dates");
    static const char *const date_keys[] = {"odt", "odt_frac", "ldt", "ld", "lt"};
    check_order(dates, date_keys, 5, "dates");
    check_str(at(root, "dates.odt"), TOML_DATETIME, "1979-05-27T07:32:00Z", "dates.odt");
    check_str(at(root, "dates.odt_frac"), TOML_DATETIME,
              "1979-05-27T00:32:00.999999-07:00", "dates.odt_frac");
    check_str(at(root, "dates.ldt"), TOML_DATETIME, "1979-05-27T07:32:00", "dates.ldt");
    check_str(at(root, "dates.ld"), TOML_DATETIME, "1979-05-27", "dates.ld");
    check_str(at(root, "dates.lt"), TOML_DATETIME, "07:32:00.5", "dates.lt");

    toml_free(root);
}

TEST_IMPL(toml_array_of_tables)
{
    toml_node *root = fixture();
    ASSERT_NOT_NULL(root);
    /* array of tables */
    const toml_node *job = toml_get(root, "job");
    EXPECT_MSG(job && job->kind == TOML_ARRAY && job->n_items == 2,
               "job is an array of 2");
    if (job && job->n_items == 2) {
        const toml_node *j0 = job->items[0], *j1 = job->items[1];
        check_kind(j0, TOML_TABLE, "job[0]");
        check_kind(j1, TOML_TABLE, "job[1]");
        EXPECT_MSG(j0->key == NULL && j1->key == NULL, "array items have no key");
        static const char *const j0_keys[] = {"name", "steps", "env"};
        check_order(j0, j0_keys, 3, "job[0]");
        check_str(toml_get(j0, "name"), TOML_STRING, "first", "job[0].name");
        const toml_node *steps = toml_get(j0, "steps");
        EXPECT_MSG(steps && steps->kind == TOML_ARRAY && steps->n_items == 2 &&
                       streq(steps->items[1]->string, "b"),
                   "job[0].steps == [\"a\", \"b\"]");
        check_str(at(j0, "env.PATH"), TOML_STRING, "/bin", "job[0].env.PATH");
        check_line(toml_get(j0, "env"), 41, "job[0].env");
        check_line(j0, 37, "job[0]");
        check_line(j1, 44, "job[1]");
        check_str(toml_get(j1, "name"), TOML_STRING, "second", "job[1].name");
        check_line(toml_get(j1, "name"), 45, "job[1].name");
    }

    toml_free(root);
}

TEST_IMPL(toml_get_not_a_table)
{
    toml_node *root = fixture();
    ASSERT_NOT_NULL(root);
    /* toml_get on things that are not tables */
    EXPECT_MSG(toml_get(toml_get(root, "title"), "x") == NULL,
               "toml_get on a string is NULL");
    EXPECT_MSG(toml_get(toml_get(root, "count"), "x") == NULL,
               "toml_get on an integer is NULL");
    EXPECT_MSG(toml_get(NULL, "x") == NULL, "toml_get on NULL is NULL");
    EXPECT_MSG(toml_get(root, "no-such-key") == NULL,
               "toml_get of a missing key is NULL");
    EXPECT_MSG(toml_get(root, NULL) == NULL, "toml_get of a NULL key is NULL");

    toml_free(root);
}

TEST_IMPL(toml_errors)
{
    toml_node *root = (toml_node *)&root; /* must be reset to NULL */
    char *err = NULL;
    int rc = toml_parse_file("bad.toml", &root, &err);
    EXPECT_MSG(rc < 0 && root == NULL, "bad.toml fails (rc %d)", rc);
    EXPECT_MSG(starts_with(err, "bad.toml:5:"),
               "bad.toml error starts with \"bad.toml:5:\" (%s)", err ? err : "(null)");
    EXPECT_MSG(err && !strchr(err, '\n'), "the error is one line");
    free(err);

    err = NULL;
    rc = toml_parse_file("no-such-file.toml", &root, &err);
    EXPECT_MSG(rc < 0 && root == NULL, "a missing file fails (rc %d)", rc);
    EXPECT_MSG(starts_with(err, "no-such-file.toml: cannot read: "),
               "missing file error names the path (%s)", err ? err : "(null)");
    free(err);

    err = NULL;
    rc = toml_parse_file(".", &root, &err);
    EXPECT_MSG(rc < 0 && starts_with(err, ".: cannot read: "),
               "a directory fails to read (%s)", err ? err : "(null)");
    free(err);

    rc = toml_parse_file("bad.toml", &root, NULL);
    EXPECT_MSG(rc < 0 && root == NULL, "a NULL error pointer is allowed");

    static const char dup[] = "a = 1\n\na = 2\n";
    err = NULL;
    rc = toml_parse_text(dup, strlen(dup), "dup-src", &root, &err);
    EXPECT_MSG(rc < 0 && starts_with(err, "dup-src:3:"),
               "a duplicate key fails on line 3 (%s)", err ? err : "(null)");
    free(err);

    static const char big[] = "n = 9223372036854775808\n";
    err = NULL;
    rc = toml_parse_text(big, strlen(big), "big", &root, &err);
    EXPECT_MSG(rc < 0 && starts_with(err, "big:1:"), "an integer past int64 fails (%s)",
               err ? err : "(null)");
    free(err);

    static const char redefine[] = "[t]\nx = 1\n[t]\ny = 2\n";
    err = NULL;
    rc = toml_parse_text(redefine, strlen(redefine), "redef", &root, &err);
    EXPECT_MSG(rc < 0 && starts_with(err, "redef:3:"),
               "a redefined table fails on line 3 (%s)", err ? err : "(null)");
    free(err);

    err = NULL;
    rc = toml_parse_text(NULL, 5, "null-text", &root, &err);
    EXPECT_MSG(rc < 0 && starts_with(err, "null-text: "),
               "NULL text with a length fails (%s)", err ? err : "(null)");
    free(err);
}

TEST_IMPL(toml_text)
{
    /* The length bounds the text: what follows it is never read. */
    static const char text[] = "first = 'one'\r\nsecond = { k = 2 }\r\nthird = oops";
    size_t len = strlen(text) - strlen("third = oops");
    char *exact = malloc(len); /* no NUL after it: a sanitizer sees any overread */
    toml_node *root = NULL;
    char *err = NULL;
    int rc = -1;
    if (exact) {
        memcpy(exact, text, len);
        rc = toml_parse_text(exact, len, "memory.toml", &root, &err);
        free(exact);
    }
    EXPECT_MSG(rc == 0 && root && !err, "toml_parse_text parses (rc %d, %s)", rc,
               err ? err : "");
    free(err);
    if (root) {
        static const char *const keys[] = {"first", "second"};
        check_order(root, keys, 2, "text root");
        check_str(toml_get(root, "first"), TOML_STRING, "one", "first");
        check_line(toml_get(root, "second"), 2, "second (CRLF lines)");
        check_int(at(root, "second.k"), 2, "second.k");
        toml_free(root);
    }

    root = NULL;
    err = NULL;
    static const char bad_text[] = "x = [1,\n  2,\n  ]]\n";
    rc = toml_parse_text(bad_text, strlen(bad_text), "inline-src", &root, &err);
    EXPECT_MSG(rc < 0 && starts_with(err, "inline-src:3:"),
               "text errors use the source name (%s)", err ? err : "(null)");
    free(err);

    err = NULL;
    rc = toml_parse_text("bad = ", 6, NULL, &root, &err);
    EXPECT_MSG(rc < 0 && starts_with(err, "<text>:1:"),
               "a NULL source name reads <text> (%s)", err ? err : "(null)");
    free(err);

    root = NULL;
    rc = toml_parse_text(NULL, 0, "empty", &root, &err);
    EXPECT_MSG(rc == 0 && root && root->kind == TOML_TABLE && root->n_items == 0,
               "empty text gives an empty table");
    toml_free(root);
    toml_free(NULL);
}

/* ------------------------------------------------ the guard before toml++ */

/* Parse text (len bytes) as "g.toml"; the status, the message in *msg (kept until
   the next call). */
static int guarded(const char *text, size_t len, toml_node **root, const char **msg)
{
    static char *err;
    free(err);
    err = NULL;
    *root = NULL;
    int rc = toml_parse_text(text, len, "g.toml", root, &err);
    *msg = err ? err : "";
    return rc;
}

static void expect_guarded(const char *text, size_t len, int status, const char *message)
{
    toml_node *root;
    const char *msg;
    EXPECT_EQ(guarded(text, len, &root, &msg), status);
    EXPECT_STR_EQ(msg, message);
    EXPECT_NULL(root);
    toml_free(root);
}

#define DEEP                                                                             \
    "nested deeper than 64 levels (dotted-key parts, table-header parts, arrays and "    \
    "inline tables each count one)"

/* Issue 16, item 5: toml++ 3.3 recurses once per key part: a dotted key of 40000
   parts (80 KB) overflowed the stack. Refused before toml++ sees it. */
TEST_IMPL(toml_guard_dotted_key)
{
    const size_t parts = 40000;
    char *text = malloc(2 * parts + 8);
    ASSERT_NOT_NULL(text);
    size_t n = 0;
    for (size_t i = 0; i < parts; i++) {
        if (i)
            text[n++] = '.';
        text[n++] = 'a';
    }
    n += (size_t)sprintf(text + n, " = 1\n");
    EXPECT_GE(n, 80000);
    expect_guarded(text, n, -5, "g.toml:1: " DEEP);
    /* In an inline table, and in quoted parts, the same. */
    n = (size_t)sprintf(text, "x = {");
    for (size_t i = 0; i < 100; i++)
        n += (size_t)sprintf(text + n, "%s\"p\"", i ? "." : "");
    n += (size_t)sprintf(text + n, " = 1}\n");
    expect_guarded(text, n, -5, "g.toml:1: " DEEP);
    free(text);
    /* 64 parts are fine, 65 are not. */
    char ok[512];
    n = 0;
    for (int i = 0; i < 64; i++)
        n += (size_t)sprintf(ok + n, "%sk", i ? "." : "");
    sprintf(ok + n, " = 1\n");
    toml_node *root;
    const char *msg;
    EXPECT_EQ(guarded(ok, strlen(ok), &root, &msg), 0);
    EXPECT_STR_EQ(msg, "");
    toml_free(root);
    sprintf(ok + n, ".k = 1\n");
    expect_guarded(ok, strlen(ok), -5, "g.toml:1: " DEEP);
}

/* Issue 16, item 5: deeply nested table headers, arrays and inline tables. */
TEST_IMPL(toml_guard_nesting)
{
    char *text = malloc(400000);
    ASSERT_NOT_NULL(text);
    size_t n = 0;
    text[n++] = '[';
    for (size_t i = 0; i < 40000; i++)
        n += (size_t)sprintf(text + n, "%sa", i ? "." : "");
    n += (size_t)sprintf(text + n, "]\n");
    expect_guarded(text, n, -5, "g.toml:1: " DEEP);
    /* Headers one level deeper each: refused at the 65th. */
    n = 0;
    for (int depth = 1; depth <= 100; depth++) {
        text[n++] = '[';
        for (int i = 0; i < depth; i++)
            n += (size_t)sprintf(text + n, "%sa", i ? "." : "");
        n += (size_t)sprintf(text + n, "]\n");
    }
    expect_guarded(text, n, -5, "g.toml:65: " DEEP);
    /* A header's parts and its keys' parts add up. */
    n = (size_t)sprintf(text, "[t]\n# a comment\n");
    for (int i = 0; i < 64; i++)
        n += (size_t)sprintf(text + n, "%sk", i ? "." : "");
    n += (size_t)sprintf(text + n, " = 1\n");
    expect_guarded(text, n, -5, "g.toml:3: " DEEP);
    /* Arrays of arrays, inline tables in arrays. */
    n = (size_t)sprintf(text, "a = ");
    for (int i = 0; i < 40000; i++)
        text[n++] = '[';
    text[n] = '\0';
    expect_guarded(text, n, -5, "g.toml:1: " DEEP);
    n = (size_t)sprintf(text, "a = [\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)sprintf(text + n, "{b = [");
    expect_guarded(text, n, -5, "g.toml:2: " DEEP);
    free(text);
}

/* Issue 16, item 5: toml++'s assertion paths, refused with a message instead. */
TEST_IMPL(toml_guard_assertion_paths)
{
    expect_guarded("x = \xce\xb2\n", 7, -2,
                   "g.toml:1: a non-ASCII character outside a string or comment (bare "
                   "keys and values are ASCII; quote it)");
    expect_guarded("a = [ }\n", 8, -2, "g.toml:1: '}' closes the '[' of line 1");
    expect_guarded("a = { b = [1 }\n", 15, -2, "g.toml:1: '}' closes the '[' of line 1");
    expect_guarded("a = [1,\n2]]\n", 12, -2, "g.toml:2: ']' closes nothing");
    expect_guarded("a = }\n", 6, -2, "g.toml:1: '}' closes nothing");
    expect_guarded("a = [1,\n2,\n", 11, -2, "g.toml:1: this '[' is never closed");
    /* In strings and comments they are text: parsed. */
    static const char fine[] = "# \xce\xb2 ]] }\nx = \"\xce\xb2 ] }\" # [[\n"
                               "y = '''\n[a.b.c]\n''' \nz = \"\"\"a\"\"\"\"\"\n"
                               "w = [\"]\", '}', { v = \"[\" }]\n";
    toml_node *root;
    const char *msg;
    ASSERT_EQ(guarded(fine, strlen(fine), &root, &msg), 0);
    check_str(toml_get(root, "x"), TOML_STRING, "\xce\xb2 ] }", "x");
    check_str(toml_get(root, "y"), TOML_STRING, "[a.b.c]\n", "y");
    check_str(toml_get(root, "z"), TOML_STRING, "a\"\"", "z");
    check_line(toml_get(root, "w"), 7, "w (comments dropped, lines kept)");
    toml_free(root);
    /* Empty inline tables close where a key could start. */
    static const char empty[] = "a = {}\nb = [{}, {c = {}}]\n";
    ASSERT_EQ(guarded(empty, strlen(empty), &root, &msg), 0);
    check_kind(toml_get(root, "a"), TOML_TABLE, "a");
    toml_free(root);
}

/* Issue 16, item 5: text that is not UTF-8, and control characters. */
TEST_IMPL(toml_guard_encoding)
{
    expect_guarded("x = \"\xff\"\n", 9, -2, "g.toml:1: not valid UTF-8 (byte 0xFF)");
    expect_guarded("a = 1\n# \xc0\xaf overlong\n", 20, -2,
                   "g.toml:2: not valid UTF-8 (byte 0xC0)");
    expect_guarded("x = '\xed\xa0\x80'\n", 10, -2,
                   "g.toml:1: not valid UTF-8 (byte 0xED)"); /* a surrogate */
    expect_guarded("x = \"\xf4\x90\x80\x80\"\n", 11, -2,
                   "g.toml:1: not valid UTF-8 (byte 0xF4)"); /* past U+10FFFF */
    expect_guarded("x = \"\xe2\x82\"\n", 9, -2, "g.toml:1: not valid UTF-8 (byte 0xE2)");
    expect_guarded("x = \"\x01\"\n", 9, -2,
                   "g.toml:1: control character U+0001 (TOML allows only tab and line "
                   "breaks; write it as an escape in a string)");
    expect_guarded("x = 1\0\n", 7, -2,
                   "g.toml:1: control character U+0000 (TOML allows only tab and line "
                   "breaks; write it as an escape in a string)");
    EXPECT_EQ(toml_utf8_prefix("ab\xce\xb2", 4), 4);
    EXPECT_EQ(toml_utf8_prefix("ab\xce", 3), 2);
    EXPECT_EQ(toml_utf8_prefix("\x80", 1), 0);
}

/* Issue 16, items 5 and 10: a 60 MB recipe took 33 s and 4.75 GB in toml++ before
   it was refused. The guard stops reading after 4 MiB outside comments: here the
   rest of the file is a hole of NUL bytes, which would be refused as such had it
   been read. A regular file over 256 MiB is refused unread; comments are free. */
TEST_IMPL(toml_guard_size)
{
    char dir[] = "/tmp/basin-toml-XXXXXX";
    ASSERT_NOT_NULL(mkdtemp(dir));
    char path[256], want[512];
    snprintf(path, sizeof path, "%s/big.toml", dir);
    FILE *f = fopen(path, "w");
    ASSERT_NOT_NULL(f);
    long lines = 0;
    while (ftell(f) < (5L << 20)) {
        fprintf(f, "k%07ld = %ld\n", lines, lines);
        lines++;
    }
    ASSERT_EQ(ftruncate(fileno(f), 60000000), 0);
    fclose(f);
    toml_node *root = NULL;
    char *err = NULL;
    EXPECT_EQ(toml_parse_file(path, &root, &err), -5);
    /* Lines 1 to 239189 hold 4194292 bytes; the 19 of line 239190 pass 4 MiB. */
    snprintf(want, sizeof want,
             "%s:239190: over 4 MiB of TOML (comments aside): a recipe is at most 4 MiB",
             path);
    EXPECT_STR_EQ(err, want);
    free(err);
    err = NULL;
    ASSERT_EQ(truncate(path, 300L << 20), 0);
    EXPECT_EQ(toml_parse_file(path, &root, &err), -5);
    snprintf(want, sizeof want, "%s: larger than 256 MiB: not a recipe", path);
    EXPECT_STR_EQ(err, want);
    free(err);
    err = NULL;
    /* 8 MB of comment lines (run.toml lists every job so) before one key. */
    f = fopen(path, "w");
    ASSERT_NOT_NULL(f);
    for (long i = 0; i < 125000; i++)
        fprintf(f, "# job %ld: point %ld, repeat 0, seed 1234567890123\n", i, i);
    fputs("key = 7 # the only value\n", f);
    fclose(f);
    EXPECT_EQ(toml_parse_file(path, &root, &err), 0);
    check_int(toml_get(root, "key"), 7, "key after 8 MB of comments");
    check_line(toml_get(root, "key"), 125001, "key's line");
    toml_free(root);
    free(err);
    unlink(path);
    rmdir(dir);
}

TEST_IMPL(toml_kind_names)
{
    EXPECT_MSG(streq(toml_kind_name(TOML_TABLE), "table"), "kind name table");
    EXPECT_MSG(streq(toml_kind_name(TOML_ARRAY), "array"), "kind name array");
    EXPECT_MSG(streq(toml_kind_name(TOML_STRING), "string"), "kind name string");
    EXPECT_MSG(streq(toml_kind_name(TOML_INTEGER), "integer"), "kind name integer");
    EXPECT_MSG(streq(toml_kind_name(TOML_FLOAT), "float"), "kind name float");
    EXPECT_MSG(streq(toml_kind_name(TOML_BOOL), "boolean"), "kind name boolean");
    EXPECT_MSG(streq(toml_kind_name(TOML_DATETIME), "datetime"), "kind name datetime");
    EXPECT_MSG(toml_kind_name((toml_kind)0) != NULL,
               "kind name of a bad kind is not NULL");
}

TEST_LIST_BEGIN
TEST_ENTRY(toml_fixture_root)
TEST_ENTRY(toml_scalars)
TEST_ENTRY(toml_floats)
TEST_ENTRY(toml_arrays)
TEST_ENTRY(toml_inline_tables)
TEST_ENTRY(toml_tables)
TEST_ENTRY(toml_dates)
TEST_ENTRY(toml_array_of_tables)
TEST_ENTRY(toml_get_not_a_table)
TEST_ENTRY(toml_errors)
TEST_ENTRY(toml_text)
TEST_ENTRY(toml_kind_names)
TEST_ENTRY(toml_guard_dotted_key)
TEST_ENTRY(toml_guard_nesting)
TEST_ENTRY(toml_guard_assertion_paths)
TEST_ENTRY(toml_guard_encoding)
TEST_ENTRY(toml_guard_size)
TEST_LIST_END
