/* results and npy: atomic files, errors, and the .npy header layout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "kernels/npy.h"
#include "results/atomic_file.h"

/* The running case's temporary folder (fresh_dir makes it, remove_dir removes it). */
static char dir[64];

static int fresh_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/basin-test-results-XXXXXX");
    return mkdtemp(dir) != NULL;
}

static int remove_dir(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static int exists(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static int count_entries(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p && fscanf(p, "%d", &n) != 1)
        n = -1;
    if (p)
        pclose(p);
    return n;
}

/* The text of dir/name (at most n - 1 bytes). */
static const char *read_text(const char *name, char *buf, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *in = fopen(path, "r");
    size_t got = in ? fread(buf, 1, n - 1, in) : 0;
    if (in)
        fclose(in);
    buf[got] = '\0';
    return buf;
}

TEST_IMPL(results_commit)
{
    char err[512];
    ASSERT_MSG(fresh_dir(), "temporary folder");
    /* A committed file appears only at commit; before, only a hidden temporary. */
    results_file f;
    ASSERT_MSG(results_open(&f, dir, "a.csv", err, sizeof err) == 0, "%s", err);
    fputs("x,y\n1,2\n", f.f);
    EXPECT(!exists("a.csv"));
    EXPECT_EQ(count_entries(), 1);
    EXPECT_MSG(results_commit(&f, err, sizeof err) == 0, "%s", err);
    EXPECT(exists("a.csv"));
    /* No temporary left after commit. */
    EXPECT_EQ(count_entries(), 1);
    EXPECT_EQ(remove_dir(), 0);
}

TEST_IMPL(results_abandon)
{
    char err[512], buf[64];
    ASSERT_MSG(fresh_dir(), "temporary folder");
    results_file f;
    ASSERT_MSG(results_open(&f, dir, "a.csv", err, sizeof err) == 0, "%s", err);
    fputs("x,y\n1,2\n", f.f);
    ASSERT_MSG(results_commit(&f, err, sizeof err) == 0, "%s", err);
    /* Abandoning keeps the earlier file as it was. */
    EXPECT_MSG(results_open(&f, dir, "a.csv", err, sizeof err) == 0, "%s", err);
    fputs("overwritten\n", f.f);
    results_abandon(&f);
    EXPECT_STR_EQ(read_text("a.csv", buf, sizeof buf), "x,y\n1,2\n");
    EXPECT_EQ(count_entries(), 1);
    EXPECT_EQ(remove_dir(), 0);
}

TEST_IMPL(results_make_dir)
{
    char err[512];
    ASSERT_MSG(fresh_dir(), "temporary folder");
    /* Folders: nested creation, a file in the way, an unwritable place. */
    char nested[600];
    snprintf(nested, sizeof nested, "%s/b/c/d", dir);
    EXPECT_MSG(results_make_dir(nested, err, sizeof err) == 0, "nested folders: %s", err);
    snprintf(nested, sizeof nested, "%s/a.csv", dir);
    FILE *in_the_way = fopen(nested, "w");
    ASSERT_NOT_NULL(in_the_way);
    fclose(in_the_way);
    snprintf(nested, sizeof nested, "%s/a.csv/sub", dir);
    EXPECT_EQ(results_make_dir(nested, err, sizeof err), BASIN_EIO);
    EXPECT_STR_CONTAINS(err, "cannot create output folder");
    EXPECT_STR_CONTAINS(err, "a.csv");
    results_file f;
    EXPECT_EQ(results_open(&f, "/proc/self", "x.csv", err, sizeof err), BASIN_EIO);
    EXPECT_STR_CONTAINS(err, "cannot write in output folder /proc/self");
    EXPECT_EQ(remove_dir(), 0);
}

TEST_IMPL(results_npy_header)
{
    char err[512];
    ASSERT_MSG(fresh_dir(), "temporary folder");
    /* .npy: a 128-byte header with the magic, version 1.0 and the shape. */
    results_file f;
    ASSERT_MSG(results_open(&f, dir, "m.npy", err, sizeof err) == 0, "%s", err);
    float data[6] = {1, 2, 3, 4, 5, 6};
    EXPECT_EQ(npy_write_header_f32(f.f, 2, 3), 0);
    fwrite(data, sizeof(float), 6, f.f);
    EXPECT_MSG(results_commit(&f, err, sizeof err) == 0, "%s", err);
    char path[512];
    snprintf(path, sizeof path, "%s/m.npy", dir);
    unsigned char raw[160];
    FILE *in = fopen(path, "rb");
    size_t n = in ? fread(raw, 1, sizeof raw, in) : 0;
    if (in)
        fclose(in);
    ASSERT_EQ(n, 128 + 24);
    EXPECT_MSG(memcmp(raw, "\x93NUMPY\x01\x00", 8) == 0, "magic and version");
    EXPECT_EQ(raw[8] + 256 * raw[9], 118); /* the header's length */
    EXPECT_EQ(raw[127], '\n');
    raw[127] = '\0';
    EXPECT_MSG(strstr((char *)raw + 10,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") ==
                   (char *)raw + 10,
               "header dict");
    float back[6];
    memcpy(back, raw + 128, sizeof back); /* raw[127] was the header's '\n' */
    EXPECT_MSG(memcmp(back, data, sizeof back) == 0, "data follows the header");
    EXPECT_EQ(remove_dir(), 0);
}

TEST_LIST_BEGIN
TEST_ENTRY(results_commit)
TEST_ENTRY(results_abandon)
TEST_ENTRY(results_make_dir)
TEST_ENTRY(results_npy_header)
TEST_LIST_END
