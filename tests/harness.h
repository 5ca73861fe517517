/*
 * harness — the test harness of basin's C test programs, header-only (after libuv's
 * test runner: TEST_IMPL cases, one list per program, assertions that print both
 * sides). A program is named cases and their list; the list gives it main():
 *
 *   #include "harness.h"
 *
 *   TEST_IMPL(schedule_edm)
 *   {
 *       schedule s;
 *       char err[256];
 *       ASSERT_EQ(schedule_init(&s, "edm", -1, -1, err, sizeof err), BASIN_OK);
 *       EXPECT_NEAR(s.table.t_max, 80, 0);    // tol 0: exactly equal
 *   }
 *
 *   TEST_LIST_BEGIN
 *   TEST_ENTRY(schedule_edm)
 *   TEST_LIST_END
 *
 * Each case is a `static void` function; the list, at the end of the file, names
 * each case once (a case left out of it is an unused function: a warning).
 *
 * The main() it gives:
 *   test-rng                  runs every case, in list order
 *   test-rng CASE...          runs only these cases, in the order given
 *   test-rng --list           prints the case names, one a line
 *   test-rng --help           prints this usage
 * and prints (TAP-like: a plan, one line per case, failures as '#' lines before it):
 *   1..3
 *   ok 1 - rng_known_answers
 *   # ../tests/base/test_rng.c:40: EXPECT_EQ(n, 3) failed
 *   #   left:  2
 *   #   right: 3
 *   not ok 2 - rng_streams
 *   ok 3 - rng_moments
 *   test-rng: 2 passed, 1 failed (57 checks)
 * Exit status: 0 when every case run passed, 1 when one failed, 2 for a bad
 * command line (an unknown option, or an unknown case: "did you mean ...").
 *
 * Assertions. Each ASSERT_X has an EXPECT_X twin: both count a check and, when it
 * fails, record the failure and print the file:line, the macro with its
 * expressions, and the values of both sides. Then ASSERT_* returns from the
 * function it is in (so use it in a case or a helper returning void, where the
 * rest depends on it: a status, a pointer); EXPECT_* goes on (independent checks,
 * loops over table rows). Each argument is evaluated once.
 *   ASSERT(cond)                  cond is true
 *   ASSERT_MSG(cond, fmt, ...)    the same, printing a printf-style note on failure
 *   ASSERT_EQ(a, b), ASSERT_NE(a, b), ASSERT_LT, ASSERT_LE, ASSERT_GT, ASSERT_GE
 *                                 integers of any type, compared as mathematical
 *                                 values (-1 < 0u), printed as long long or unsigned
 *                                 long long by their type (_Generic; a floating or
 *                                 pointer argument does not compile)
 *   ASSERT_NEAR(a, b, tol)        doubles: |a - b| <= tol, or a == b (so infinities
 *                                 match); NaN never passes; printed with %.17g
 *   ASSERT_STR_EQ(a, b)           strings equal (NULL equals only NULL)
 *   ASSERT_STR_CONTAINS(s, part)  strstr(s, part) != NULL (s NULL fails)
 *   ASSERT_NULL(p), ASSERT_NOT_NULL(p)
 *
 * Arguments. A case takes no parameters; what a program needs from its build
 * (the plugin folder, a fixture library) comes in environment variables that
 * meson's test() sets (env :), read with test_env(NAME), which prints a note and
 * returns NULL when NAME is unset. So one case runs by name either way:
 *   meson test -C build recipe --test-args recipe_sweeps -v
 *   BASIN_TEST_PLUGIN_DIR=build/plugins build/tests/test-recipe recipe_sweeps
 * (tests/README.md lists the variables of each program).
 *
 * The cases of a program run one after another in one process: a case must not
 * depend on another having run, and sets up what it needs (a helper it calls
 * first, or lazily created state).
 */
#ifndef BASIN_TEST_HARNESS_H
#define BASIN_TEST_HARNESS_H

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define HARNESS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define HARNESS_PRINTF(f, a)
#endif

/* ------------------------------------------------------------ the cases */

typedef struct harness_case {
    const char *name;
    void (*run)(void);
} harness_case;

#define TEST_IMPL(name) static void harness_case_##name(void)

#define TEST_LIST_BEGIN  static const harness_case harness_cases[] = {
#define TEST_ENTRY(name) {#name, harness_case_##name},
#define TEST_LIST_END                                                                    \
    {                                                                                    \
        NULL, NULL                                                                       \
    }                                                                                    \
    }                                                                                    \
    ;                                                                                    \
    int main(int argc, char **argv)                                                      \
    {                                                                                    \
        return harness_main(argc, argv, harness_cases);                                  \
    }

/* Checks counted over the whole run; failures of the running case. */
static struct harness_state {
    long checks;
    long failed;
    char skip[1024]; /* why the running case skipped, or "" */
} harness;

/* Skip the running case: it reports "ok N - name # SKIP why" (TAP) and counts as
   skipped, not passed; checks already failed in it still fail it. Returns from
   the case function. */
#define TEST_SKIP(...)                                                                   \
    do {                                                                                 \
        snprintf(harness.skip, sizeof harness.skip, __VA_ARGS__);                        \
        return;                                                                          \
    } while (0)

/* ------------------------------------------------------- the assertions */

#define HARNESS_EXPECT(check) ((void)(check))
#define HARNESS_ASSERT(check)                                                            \
    do {                                                                                 \
        if (!(check))                                                                    \
            return;                                                                      \
    } while (0)

#define HARNESS_COND(macro, cond)                                                        \
    harness_check(!!(cond), __FILE__, __LINE__, macro "(" #cond ")")
#define HARNESS_MSG(macro, cond, ...)                                                    \
    harness_check_msg(!!(cond), __FILE__, __LINE__, macro "(" #cond ")", __VA_ARGS__)
/* 1 for a signed integer type, 0 for an unsigned one; nothing else compiles. */
#define HARNESS_SIGNED(x)                                                                \
    _Generic((x), char                                                                   \
             : CHAR_MIN < 0, signed char : 1, short : 1, int : 1, long : 1,              \
               long long : 1, _Bool : 0, unsigned char : 0, unsigned short : 0,          \
               unsigned int : 0, unsigned long : 0, unsigned long long : 0)
#define HARNESS_INT(macro, op, a, b)                                                     \
    harness_int(op, HARNESS_SIGNED(a), (unsigned long long)(a), HARNESS_SIGNED(b),       \
                (unsigned long long)(b), __FILE__, __LINE__, macro "(" #a ", " #b ")")
#define HARNESS_NEAR(macro, a, b, tol)                                                   \
    harness_near((double)(a), (double)(b), (double)(tol), __FILE__, __LINE__,            \
                 macro "(" #a ", " #b ", " #tol ")")
#define HARNESS_STR(macro, contains, a, b)                                               \
    harness_str(contains, (a), (b), __FILE__, __LINE__, macro "(" #a ", " #b ")")
#define HARNESS_PTR(macro, want_null, p)                                                 \
    harness_ptr(want_null, (const void *)(p), __FILE__, __LINE__, macro "(" #p ")")

enum { HARNESS_EQ, HARNESS_NE, HARNESS_LT, HARNESS_LE, HARNESS_GT, HARNESS_GE };

#define ASSERT(cond)           HARNESS_ASSERT(HARNESS_COND("ASSERT", cond))
#define EXPECT(cond)           HARNESS_EXPECT(HARNESS_COND("EXPECT", cond))
#define ASSERT_MSG(cond, ...)  HARNESS_ASSERT(HARNESS_MSG("ASSERT_MSG", cond, __VA_ARGS__))
#define EXPECT_MSG(cond, ...)  HARNESS_EXPECT(HARNESS_MSG("EXPECT_MSG", cond, __VA_ARGS__))
#define ASSERT_EQ(a, b)        HARNESS_ASSERT(HARNESS_INT("ASSERT_EQ", HARNESS_EQ, a, b))
#define EXPECT_EQ(a, b)        HARNESS_EXPECT(HARNESS_INT("EXPECT_EQ", HARNESS_EQ, a, b))
#define ASSERT_NE(a, b)        HARNESS_ASSERT(HARNESS_INT("ASSERT_NE", HARNESS_NE, a, b))
#define EXPECT_NE(a, b)        HARNESS_EXPECT(HARNESS_INT("EXPECT_NE", HARNESS_NE, a, b))
#define ASSERT_LT(a, b)        HARNESS_ASSERT(HARNESS_INT("ASSERT_LT", HARNESS_LT, a, b))
#define EXPECT_LT(a, b)        HARNESS_EXPECT(HARNESS_INT("EXPECT_LT", HARNESS_LT, a, b))
#define ASSERT_LE(a, b)        HARNESS_ASSERT(HARNESS_INT("ASSERT_LE", HARNESS_LE, a, b))
#define EXPECT_LE(a, b)        HARNESS_EXPECT(HARNESS_INT("EXPECT_LE", HARNESS_LE, a, b))
#define ASSERT_GT(a, b)        HARNESS_ASSERT(HARNESS_INT("ASSERT_GT", HARNESS_GT, a, b))
#define EXPECT_GT(a, b)        HARNESS_EXPECT(HARNESS_INT("EXPECT_GT", HARNESS_GT, a, b))
#define ASSERT_GE(a, b)        HARNESS_ASSERT(HARNESS_INT("ASSERT_GE", HARNESS_GE, a, b))
#define EXPECT_GE(a, b)        HARNESS_EXPECT(HARNESS_INT("EXPECT_GE", HARNESS_GE, a, b))
#define ASSERT_NEAR(a, b, tol) HARNESS_ASSERT(HARNESS_NEAR("ASSERT_NEAR", a, b, tol))
#define EXPECT_NEAR(a, b, tol) HARNESS_EXPECT(HARNESS_NEAR("EXPECT_NEAR", a, b, tol))
#define ASSERT_STR_EQ(a, b)    HARNESS_ASSERT(HARNESS_STR("ASSERT_STR_EQ", 0, a, b))
#define EXPECT_STR_EQ(a, b)    HARNESS_EXPECT(HARNESS_STR("EXPECT_STR_EQ", 0, a, b))
#define ASSERT_STR_CONTAINS(s, p)                                                        \
    HARNESS_ASSERT(HARNESS_STR("ASSERT_STR_CONTAINS", 1, s, p))
#define EXPECT_STR_CONTAINS(s, p)                                                        \
    HARNESS_EXPECT(HARNESS_STR("EXPECT_STR_CONTAINS", 1, s, p))
#define ASSERT_NULL(p)     HARNESS_ASSERT(HARNESS_PTR("ASSERT_NULL", 1, p))
#define EXPECT_NULL(p)     HARNESS_EXPECT(HARNESS_PTR("EXPECT_NULL", 1, p))
#define ASSERT_NOT_NULL(p) HARNESS_ASSERT(HARNESS_PTR("ASSERT_NOT_NULL", 0, p))
#define EXPECT_NOT_NULL(p) HARNESS_EXPECT(HARNESS_PTR("EXPECT_NOT_NULL", 0, p))

/* Count a check; on failure, record it and print where and what. Returns ok. */
static inline int harness_check(int ok, const char *file, int line, const char *what)
{
    harness.checks++;
    if (!ok) {
        harness.failed++;
        printf("# %s:%d: %s failed\n", file, line, what);
    }
    return ok;
}

HARNESS_PRINTF(5, 6)
static inline int harness_check_msg(int ok, const char *file, int line, const char *what,
                                    const char *fmt, ...)
{
    if (harness_check(ok, file, line, what))
        return 1;
    va_list ap;
    va_start(ap, fmt);
    printf("#   note: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    return 0;
}

static inline void harness_print_int(const char *side, int is_signed,
                                     unsigned long long v)
{
    if (is_signed)
        printf("#   %s %lld\n", side, (long long)v);
    else
        printf("#   %s %llu\n", side, v);
}

/* a (op) b as mathematical values: a negative signed value is below every
   unsigned one. */
static inline int harness_int(int op, int sa, unsigned long long a, int sb,
                              unsigned long long b, const char *file, int line,
                              const char *what)
{
    int na = sa && (long long)a < 0, nb = sb && (long long)b < 0;
    /* Same sign: the two's-complement order of unsigned long long is the order. */
    int cmp = na != nb ? (na ? -1 : 1) : a < b ? -1 : a > b;
    int ok = op == HARNESS_EQ   ? cmp == 0
             : op == HARNESS_NE ? cmp != 0
             : op == HARNESS_LT ? cmp < 0
             : op == HARNESS_LE ? cmp <= 0
             : op == HARNESS_GT ? cmp > 0
                                : cmp >= 0;
    if (!harness_check(ok, file, line, what)) {
        harness_print_int("left: ", sa, a);
        harness_print_int("right:", sb, b);
    }
    return ok;
}

static inline int harness_near(double a, double b, double tol, const char *file, int line,
                               const char *what)
{
    double d = a > b ? a - b : b - a;
    int ok = a == b || d <= tol;
    if (!harness_check(ok, file, line, what))
        printf("#   left:  %.17g\n#   right: %.17g\n#   |left - right| = %.17g, "
               "tolerance %.17g\n",
               a, b, d, tol);
    return ok;
}

/* s quoted, with line breaks, tabs and quotes escaped, or (null). */
static inline void harness_print_str(const char *side, const char *s)
{
    printf("#   %s ", side);
    if (!s) {
        printf("(null)\n");
        return;
    }
    putchar('"');
    for (; *s; s++)
        if (*s == '\n')
            printf("\\n");
        else if (*s == '\t')
            printf("\\t");
        else if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else
            putchar(*s);
    printf("\"\n");
}

static inline int harness_str(int contains, const char *a, const char *b,
                              const char *file, int line, const char *what)
{
    int ok = contains   ? a && b && strstr(a, b) != NULL
             : (a && b) ? strcmp(a, b) == 0
                        : a == b;
    if (!harness_check(ok, file, line, what)) {
        harness_print_str("left: ", a);
        harness_print_str("right:", b);
    }
    return ok;
}

static inline int harness_ptr(int want_null, const void *p, const char *file, int line,
                              const char *what)
{
    int ok = want_null ? p == NULL : p != NULL;
    if (!harness_check(ok, file, line, what))
        printf("#   value: %p\n", p);
    return ok;
}

/* ------------------------------------------------------------ arguments */

/* The value of environment variable name, or NULL (with a note) when it is unset
   or empty: meson's test() sets it; by hand, set it before the program. */
static inline const char *test_env(const char *name)
{
    const char *v = getenv(name);
    if (v && *v)
        return v;
    printf("# %s is not set (meson test sets it; see tests/README.md)\n", name);
    return NULL;
}

/* ---------------------------------------------------------------- main() */

/* Edit distance (insertions, deletions, substitutions) of two short names. */
static inline size_t harness_distance(const char *a, const char *b)
{
    size_t nb = strlen(b), row[128];
    if (nb >= sizeof row / sizeof row[0])
        return (size_t)-1;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; *a; a++, i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (size_t)(*a != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

static inline void harness_usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s [CASE...]   run every case, or only these\n"
            "       %s --list      print the case names\n",
            prog, prog);
}

static inline int harness_main(int argc, char **argv, const harness_case *cases)
{
    const char *prog = argc > 0 && argv[0] ? argv[0] : "test";
    const char *slash = strrchr(prog, '/');
    prog = slash ? slash + 1 : prog;
    size_t n_cases = 0;
    while (cases[n_cases].name)
        n_cases++;
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines in order with stderr, even in a pipe */

    /* The cases to run: indexes into cases, all of them by default. */
    size_t n_run = 0;
    size_t *run = malloc(sizeof *run * (n_cases + (size_t)(argc > 0 ? argc : 0)));
    if (!run)
        return 2;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--list") == 0) {
            for (size_t c = 0; c < n_cases; c++)
                printf("%s\n", cases[c].name);
            free(run);
            return 0;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            harness_usage(stdout, prog);
            free(run);
            return 0;
        }
        size_t c = 0;
        while (c < n_cases && strcmp(cases[c].name, arg) != 0)
            c++;
        if (arg[0] == '-' || c == n_cases) {
            /* "did you mean": the closest name, if within max(2, a third of the
               word's length) edits, else the first name that contains the word. */
            const char *near = NULL;
            size_t best = (size_t)-1;
            for (size_t k = 0; arg[0] != '-' && k < n_cases; k++) {
                size_t d = harness_distance(arg, cases[k].name);
                if (d < best) {
                    best = d;
                    near = cases[k].name;
                }
            }
            if (near && best > 2 && best > strlen(arg) / 3) {
                near = NULL;
                for (size_t k = 0; arg[0] != '-' && k < n_cases && !near; k++)
                    if (strstr(cases[k].name, arg))
                        near = cases[k].name;
            }
            fprintf(stderr, "%s: unknown %s '%s'", prog,
                    arg[0] == '-' ? "option" : "case", arg);
            if (near)
                fprintf(stderr, " (did you mean '%s'?)", near);
            fprintf(stderr, "\n");
            harness_usage(stderr, prog);
            free(run);
            return 2;
        }
        run[n_run++] = c;
    }
    if (n_run == 0)
        for (size_t c = 0; c < n_cases; c++)
            run[n_run++] = c;

    size_t passed = 0, failed = 0, skipped = 0;
    printf("1..%zu\n", n_run);
    for (size_t i = 0; i < n_run; i++) {
        const harness_case *c = &cases[run[i]];
        harness.failed = 0;
        harness.skip[0] = '\0';
        c->run();
        if (harness.failed)
            failed++;
        else if (harness.skip[0])
            skipped++;
        else
            passed++;
        printf("%s %zu - %s%s%s\n", harness.failed ? "not ok" : "ok", i + 1, c->name,
               harness.skip[0] && !harness.failed ? " # SKIP " : "",
               harness.failed ? "" : harness.skip);
    }
    printf("%s: %zu passed, %zu failed, %zu skipped (%ld checks)\n", prog, passed,
           failed, skipped, harness.checks);
    free(run);
    return failed ? 1 : 0;
}

#endif
