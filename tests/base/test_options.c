/* options: GNU options over getopt_long (base/options.h) - both spellings of a
 * value, clustered flags, `--`, operands anywhere, and the exact message of each
 * refusal. */
#include <string.h>

#include "harness.h"
#include "base/options.h"
#include "basin/plugin.h"

static const struct option LONGOPTS[] = {
    {"help", no_argument, NULL, 'h'},
    {"out", required_argument, NULL, 'o'},
    {"threads", required_argument, NULL, 't'},
    {"verbose", no_argument, NULL, 'v'},
    {NULL, 0, NULL, 0},
};

/*
 * Parse the words of line (split at spaces) as the options of command "run" and
 * describe what came out in got: each option's letter, "=value" when it has one,
 * then " |" and the operands in order ("v o=x | a b"). Returns options_next's
 * status; on an error got is the message.
 */
static int parse(const char *line, char *got, size_t n_got)
{
    char words[256], *argv[32];
    int argc = 0;
    snprintf(words, sizeof words, "run %s", line);
    for (char *w = strtok(words, " "); w && argc < 31; w = strtok(NULL, " "))
        argv[argc++] = w;
    argv[argc] = NULL;
    options op;
    options_init(&op, argc, argv, "ho:t:v", LONGOPTS);
    char err[256] = "";
    size_t len = 0;
    int c;
    got[0] = '\0';
    while ((c = options_next(&op, err, sizeof err)) > 0 && len < n_got)
        len += (size_t)snprintf(got + len, n_got - len, "%s%c%s%s", len ? " " : "", c,
                                op.arg ? "=" : "", op.arg ? op.arg : "");
    if (c < 0) {
        snprintf(got, n_got, "%s", err);
        return c;
    }
    if (len < n_got)
        len += (size_t)snprintf(got + len, n_got - len, "%s|", len ? " " : "");
    for (int i = op.first_operand; i < argc && len < n_got; i++)
        len += (size_t)snprintf(got + len, n_got - len, " %s", argv[i]);
    return c;
}

TEST_IMPL(options_values)
{
    char got[256];
    /* --opt=value and --opt value, short -t4 and -t 4: the same option. */
    EXPECT_EQ(parse("--out=x.csv", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "o=x.csv |");
    EXPECT_EQ(parse("--out x.csv", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "o=x.csv |");
    EXPECT_EQ(parse("-t4 -t 5 --threads=6 --threads 7", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "t=4 t=5 t=6 t=7 |");
    /* A value that looks like an option is still the value. */
    EXPECT_EQ(parse("--out -v", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "o=-v |");
    EXPECT_EQ(parse("", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "|");
}

TEST_IMPL(options_clusters)
{
    char got[256];
    EXPECT_EQ(parse("-vv", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "v v |");
    EXPECT_EQ(parse("-vvt3 -hv", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "v v t=3 h v |");
    EXPECT_EQ(parse("-vo out.csv", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "v o=out.csv |");
}

TEST_IMPL(options_operands)
{
    char got[256];
    /* Options and operands in any order; the operands keep theirs. */
    EXPECT_EQ(parse("a -v b --out=x c -t 2 d", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "v o=x t=2 | a b c d");
    /* `--` ends the options: what follows is an operand, even "-x". */
    EXPECT_EQ(parse("-v -- -x --out=y", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "v | -x --out=y");
    EXPECT_EQ(parse("a -- -v", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "| a -v");
    /* A lone "-" is an operand (standard input, by convention). */
    EXPECT_EQ(parse("- -v", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "v | -");
}

TEST_IMPL(options_abbreviation)
{
    char got[256];
    /* getopt_long would take "--thread" for "--threads"; options refuses it,
       whichever way the value is given, and names the full option. */
    EXPECT_EQ(parse("--thread=2", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: unknown option '--thread' (did you mean '--threads'?)");
    EXPECT_EQ(parse("a --thread 2", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: unknown option '--thread' (did you mean '--threads'?)");
    EXPECT_EQ(parse("--verb", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: unknown option '--verb' (did you mean '--verbose'?)");
}

TEST_IMPL(options_unknown)
{
    char got[256];
    EXPECT_EQ(parse("--treads=2", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: unknown option '--treads' (did you mean '--threads'?)");
    EXPECT_EQ(parse("--frobnicate", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: unknown option '--frobnicate'");
    EXPECT_EQ(parse("-x", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: unknown option '-x'");
    /* Inside a cluster: the unknown letter is named. */
    EXPECT_EQ(parse("-vxv", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: unknown option '-x'");
}

TEST_IMPL(options_values_wrong)
{
    char got[256];
    EXPECT_EQ(parse("--out", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: option '--out' needs a value");
    EXPECT_EQ(parse("a -v -o", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: option '-o' needs a value");
    EXPECT_EQ(parse("-vt", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: option '-t' needs a value");
    EXPECT_EQ(parse("--verbose=1", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: option '--verbose' takes no value");
    EXPECT_EQ(parse("--help=yes x", got, sizeof got), BASIN_EINVAL);
    EXPECT_STR_EQ(got, "run: option '--help' takes no value");
}

TEST_IMPL(options_restart)
{
    /* Each options_init starts a new scan, also after one stopped inside a
       cluster of flags ("-vxv" stops at x). */
    char got[256];
    EXPECT_EQ(parse("-vxv", got, sizeof got), BASIN_EINVAL);
    EXPECT_EQ(parse("-v a", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "v | a");
    EXPECT_EQ(parse("--out", got, sizeof got), BASIN_EINVAL);
    EXPECT_EQ(parse("b -t1", got, sizeof got), 0);
    EXPECT_STR_EQ(got, "t=1 | b");
}

TEST_LIST_BEGIN
TEST_ENTRY(options_values)
TEST_ENTRY(options_clusters)
TEST_ENTRY(options_operands)
TEST_ENTRY(options_abbreviation)
TEST_ENTRY(options_unknown)
TEST_ENTRY(options_values_wrong)
TEST_ENTRY(options_restart)
TEST_LIST_END
