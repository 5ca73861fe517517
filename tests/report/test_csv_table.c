/* Tests for report/csv_table.h, the results-CSV reader of `basin report`: well-formed
 * tables, and every malformed input a one-line message naming the file and line
 * (the reproducers of issue 16 among them). */
#include "report/csv_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basin/plugin.h"
#include "harness.h"

/* Parse text (its strlen) as "t.csv"; the status, the message in err. */
static int parse(const char *text, csv_table *t, char *err, size_t n_err)
{
    err[0] = '\0';
    return csv_table_parse("t.csv", text, strlen(text), t, err, n_err);
}

/* The status and message of a text that must be refused. */
static void expect_refused(const char *text, int status, const char *message)
{
    csv_table t;
    char err[256];
    EXPECT_EQ(parse(text, &t, err, sizeof err), status);
    EXPECT_STR_EQ(err, message);
    EXPECT_NULL(t.header);
    EXPECT_NULL(t.cells);
    EXPECT_NULL(t.text);
    csv_table_free(&t);
}

TEST_IMPL(csv_table_well_formed)
{
    csv_table t;
    char err[256];
    ASSERT_EQ(parse("job,name,value\n0,\"a,b\",1.5\r\n1,\"say \"\"hi\"\"\",nan\r2,,inf",
                    &t, err, sizeof err),
              BASIN_OK);
    ASSERT_EQ(t.n_cols, 3);
    ASSERT_EQ(t.n_rows, 3);
    EXPECT_STR_EQ(t.header[0], "job");
    EXPECT_STR_EQ(t.header[2], "value");
    EXPECT_STR_EQ(csv_table_cell(&t, 0, 1), "a,b");
    EXPECT_STR_EQ(csv_table_cell(&t, 1, 1), "say \"hi\"");
    EXPECT_STR_EQ(csv_table_cell(&t, 2, 1), "");
    EXPECT_STR_EQ(csv_table_cell(&t, 2, 2), "inf");
    EXPECT_EQ(csv_table_column(&t, "name"), 1);
    EXPECT_EQ(csv_table_column(&t, "nope"), -1);
    double v = 0;
    EXPECT_EQ(csv_table_number(&t, 0, 2, &v), 0);
    EXPECT_NEAR(v, 1.5, 0);
    EXPECT_EQ(csv_table_number(&t, 2, 1, &v), -1);
    csv_table_free(&t);

    /* A quoted field across lines; a header alone; no final line break. */
    ASSERT_EQ(parse("a,b\n\"x\ny\",2\n", &t, err, sizeof err), BASIN_OK);
    EXPECT_EQ(t.n_rows, 1);
    EXPECT_STR_EQ(csv_table_cell(&t, 0, 0), "x\ny");
    csv_table_free(&t);
    ASSERT_EQ(parse("a,b", &t, err, sizeof err), BASIN_OK);
    EXPECT_EQ(t.n_rows, 0);
    EXPECT_NOT_NULL(t.cells);
    csv_table_free(&t);
    ASSERT_EQ(parse("\"\"", &t, err, sizeof err), BASIN_OK);
    EXPECT_EQ(t.n_cols, 1);
    EXPECT_STR_EQ(t.header[0], "");
    csv_table_free(&t);
}

/* Issue 16, item 2: rows that end with a bare carriage return were counted by
   '\n' for the cell array, but split at '\r' too: a heap overflow. One pass counts
   what it splits. */
TEST_IMPL(csv_table_bare_carriage_returns)
{
    csv_table t;
    char err[256];
    ASSERT_EQ(parse("a\r1\r2\r3\r", &t, err, sizeof err), BASIN_OK);
    EXPECT_EQ(t.n_rows, 3);
    EXPECT_STR_EQ(csv_table_cell(&t, 2, 0), "3");
    csv_table_free(&t);
    /* Mixed endings, many rows: every cell where it belongs. */
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text, "x,y\n");
    for (int r = 0; r < 200; r++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%d,%d%s", r, -r,
                              r % 3 == 0   ? "\r"
                              : r % 3 == 1 ? "\r\n"
                                           : "\n");
    ASSERT_EQ(parse(text, &t, err, sizeof err), BASIN_OK);
    ASSERT_EQ(t.n_rows, 200);
    EXPECT_STR_EQ(csv_table_cell(&t, 199, 1), "-199");
    csv_table_free(&t);
    /* Line numbers count a lone '\r' as a line break. */
    expect_refused("a,b\r1,2\r3\r", BASIN_EINVAL,
                   "t.csv:3: 1 field, but the header has 2");
    expect_refused("a,b\r\n1,2\r\n\r\n", BASIN_EINVAL,
                   "t.csv:3: 1 field, but the header has 2");
}

/* Issue 16, item 2: the header's field count came from a scan that toggled on
   every quote, its fields from a splitter that honours quotes only at a field's
   start; `a"` then counted 2 fields and split 1, leaving header[1] NULL. */
TEST_IMPL(csv_table_stray_quotes)
{
    expect_refused("a\"\na\",", BASIN_EINVAL,
                   "t.csv:1: a quote inside an unquoted field (a field with quotes is "
                   "quoted whole)");
    expect_refused("x,y\n1,2\"\n", BASIN_EINVAL,
                   "t.csv:2: a quote inside an unquoted field (a field with quotes is "
                   "quoted whole)");
    expect_refused("x,y\n\"1\"2,3\n", BASIN_EINVAL,
                   "t.csv:2: text after the closing quote of a field");
    expect_refused("x,y\n1,\"2\n3\n", BASIN_EINVAL,
                   "t.csv:2: a quoted field is not closed");
    expect_refused("\"x,y\n", BASIN_EINVAL, "t.csv:1: a quoted field is not closed");
}

TEST_IMPL(csv_table_malformed)
{
    expect_refused("", BASIN_EINVAL, "t.csv: empty, or no header row");
    expect_refused("\nx\n", BASIN_EINVAL, "t.csv: empty, or no header row");
    expect_refused("\r\nx\n", BASIN_EINVAL, "t.csv: empty, or no header row");
    expect_refused("a,b\n1,2,3\n", BASIN_EINVAL,
                   "t.csv:2: 3 fields, but the header has 2");
    expect_refused("a,b\n1,2\n\n", BASIN_EINVAL,
                   "t.csv:3: 1 field, but the header has 2");
    /* A quoted line break counts: the bad row starts on line 4. */
    expect_refused("a,b\n\"1\n\",2\n5\n", BASIN_EINVAL,
                   "t.csv:4: 1 field, but the header has 2");
    csv_table t;
    char err[256];
    EXPECT_EQ(csv_table_parse("t.csv", "a,b\n1,\0", 7, &t, err, sizeof err),
              BASIN_EINVAL);
    EXPECT_STR_EQ(err, "t.csv:2: a NUL byte: not a CSV file");
    EXPECT_NULL(t.text);
    /* Bytes that are not text at all: refused, never read past. */
    char junk[512];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)("\"\r\n,a"[(i * 7 + i / 5) % 5]);
    int rc = csv_table_parse("t.csv", junk, sizeof junk, &t, err, sizeof err);
    EXPECT_MSG(rc == BASIN_OK || (rc == BASIN_EINVAL && strncmp(err, "t.csv:", 6) == 0),
               "junk: %d %s", rc, err);
    csv_table_free(&t);
}

TEST_IMPL(csv_table_files)
{
    char dir[] = "/tmp/basin-csv-XXXXXX";
    ASSERT_NOT_NULL(mkdtemp(dir));
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    FILE *f = fopen(path, "wb");
    ASSERT_NOT_NULL(f);
    fputs("a\r1\r2\r", f);
    fclose(f);
    csv_table t;
    ASSERT_EQ(csv_table_read(path, &t, err, sizeof err), BASIN_OK);
    EXPECT_EQ(t.n_rows, 2);
    csv_table_free(&t);

    f = fopen(path, "wb");
    ASSERT_NOT_NULL(f);
    fputs("a\"\na\",", f);
    fclose(f);
    EXPECT_EQ(csv_table_read(path, &t, err, sizeof err), BASIN_EINVAL);
    char want[512];
    snprintf(
        want, sizeof want,
        "%s:1: a quote inside an unquoted field (a field with quotes is quoted whole)",
        path);
    EXPECT_STR_EQ(err, want);

    snprintf(path, sizeof path, "%s/none.csv", dir);
    EXPECT_EQ(csv_table_read(path, &t, err, sizeof err), BASIN_EIO);
    snprintf(want, sizeof want, "%s: cannot read: No such file or directory", path);
    EXPECT_STR_EQ(err, want);
    /* A folder and a FIFO (no writer: must not block) are not regular files. */
    EXPECT_EQ(csv_table_read(dir, &t, err, sizeof err), BASIN_EIO);
    snprintf(want, sizeof want, "%s: cannot read (not a regular file, or over 2 GiB)",
             dir);
    EXPECT_STR_EQ(err, want);
    snprintf(path, sizeof path, "%s/fifo.csv", dir);
    ASSERT_EQ(mkfifo(path, 0600), 0);
    EXPECT_EQ(csv_table_read(path, &t, err, sizeof err), BASIN_EIO);
    unlink(path);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    unlink(path);
    rmdir(dir);
}

TEST_LIST_BEGIN
TEST_ENTRY(csv_table_well_formed)
TEST_ENTRY(csv_table_bare_carriage_returns)
TEST_ENTRY(csv_table_stray_quotes)
TEST_ENTRY(csv_table_malformed)
TEST_ENTRY(csv_table_files)
TEST_LIST_END
