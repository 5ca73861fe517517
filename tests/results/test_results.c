/* results and npy: atomic files, errors, the .npy header layout, and results
   folders committed as one set (results/folder.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/status.h"
#include "base/utf8.h"
#include "harness.h"
#include "kernels/npy.h"
#include "results/atomic_file.h"
#include "results/folder.h"

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

/* ---------------------------------------------------------- results folders */

/* dir/rel as a path. */
static const char *at(const char *rel)
{
    static char path[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, rel);
    return path[k];
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* A set of the given files (each holding its name and tag) built in a new
   folder beside dir/rel, then committed. The status of the first step that
   failed; err says why. */
static int run_set(const char *rel, const char *const *names, const char *tag, char *err,
                   size_t n_err)
{
    results_folder rf;
    int rc = results_folder_begin(&rf, at(rel), err, n_err);
    for (size_t k = 0; rc == BASIN_OK && names[k]; k++) {
        results_file f;
        rc = results_open_as(&f, rf.tmp, names[k], rf.final, err, n_err);
        if (rc == BASIN_OK) {
            fprintf(f.f, "%s %s\n", names[k], tag);
            rc = results_commit(&f, err, n_err);
        }
    }
    if (rc == BASIN_OK)
        rc = results_folder_commit(&rf, err, n_err);
    results_folder_abandon(&rf);
    return rc;
}

static const char *const RUN_SET[] = {"summary.csv", "records.csv", "run.toml", NULL};
static const char *const RUN_SET_SAMPLES[] = {"summary.csv", "records.csv", "run.toml",
                                              "samples.npy", NULL};

TEST_IMPL(folder_commit)
{
    char err[1024], buf[256];
    ASSERT_MSG(fresh_dir(), "temporary folder");
    /* A new folder, its parents created: the files and the marker listing them,
       sorted, and nothing beside it. */
    ASSERT_MSG(run_set("a/out", RUN_SET_SAMPLES, "one", err, sizeof err) == BASIN_OK,
               "%s", err);
    EXPECT_STR_EQ(read_text("a/out/.basin-results", buf, sizeof buf),
                  "basin-results 1\nrecords.csv\nrun.toml\nsamples.npy\nsummary.csv\n");
    EXPECT_STR_EQ(read_text("a/out/records.csv", buf, sizeof buf), "records.csv one\n");
    snprintf(buf, sizeof buf, "ls -A %s/a | wc -l | grep -qx 1", dir);
    EXPECT_MSG(system(buf) == 0, "only the results folder in its parent");
    /* A rerun swaps the whole set: the old run's samples.npy goes, a file basin
       did not write stays, basin's report files of the old set go. */
    ASSERT_EQ(write_file(at("a/out/notes.txt"), "mine\n"), 0);
    ASSERT_EQ(write_file(at("a/out/rates.svg"), "old figure\n"), 0);
    ASSERT_MSG(run_set("a/out", RUN_SET, "two", err, sizeof err) == BASIN_OK, "%s", err);
    EXPECT_STR_EQ(read_text("a/out/records.csv", buf, sizeof buf), "records.csv two\n");
    EXPECT(!exists("a/out/samples.npy"));
    EXPECT(!exists("a/out/rates.svg"));
    EXPECT_STR_EQ(read_text("a/out/notes.txt", buf, sizeof buf), "mine\n");
    EXPECT_STR_EQ(read_text("a/out/.basin-results", buf, sizeof buf),
                  "basin-results 1\nrecords.csv\nrun.toml\nsummary.csv\n");
    snprintf(buf, sizeof buf, "ls -A %s/a | wc -l | grep -qx 1", dir);
    EXPECT_MSG(system(buf) == 0, "the old set is gone from beside it");
    /* The same with two renames, as on a file system without RENAME_EXCHANGE. */
    setenv("BASIN_TEST_COMMIT", "rename", 1);
    int rc = run_set("a/out", RUN_SET_SAMPLES, "three", err, sizeof err);
    unsetenv("BASIN_TEST_COMMIT");
    ASSERT_MSG(rc == BASIN_OK, "%s", err);
    EXPECT_STR_EQ(read_text("a/out/samples.npy", buf, sizeof buf), "samples.npy three\n");
    EXPECT_STR_EQ(read_text("a/out/notes.txt", buf, sizeof buf), "mine\n");
    snprintf(buf, sizeof buf, "ls -A %s/a | wc -l | grep -qx 1", dir);
    EXPECT_MSG(system(buf) == 0, "the old set is gone from beside it");
    EXPECT_EQ(remove_dir(), 0);
}

TEST_IMPL(folder_refusals)
{
    char err[1024], buf[256];
    results_folder rf;
    ASSERT_MSG(fresh_dir(), "temporary folder");
    /* A folder basin did not write, a file, a link: refused, untouched. */
    ASSERT_EQ(mkdir(at("mine"), 0777), 0);
    ASSERT_EQ(write_file(at("mine/training.csv"), "mine\n"), 0);
    EXPECT_EQ(run_set("mine", RUN_SET, "x", err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "mine exists and is not a basin results folder");
    EXPECT_STR_EQ(read_text("mine/training.csv", buf, sizeof buf), "mine\n");
    ASSERT_EQ(write_file(at("file"), "a file\n"), 0);
    EXPECT_EQ(run_set("file", RUN_SET, "x", err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "file exists and is not a basin results folder");
    ASSERT_EQ(symlink(at("mine"), at("link")), 0);
    EXPECT_EQ(run_set("link", RUN_SET, "x", err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "link is a symbolic link");
    EXPECT_EQ(count_entries(), 3);
    EXPECT_STR_EQ(read_text("mine/training.csv", buf, sizeof buf), "mine\n");
    /* No folder name. */
    EXPECT_EQ(results_folder_begin(&rf, "/", err, sizeof err), BASIN_EINVAL);
    EXPECT_EQ(results_folder_begin(&rf, at("."), err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "is not a results folder name");
    char name[400];
    memset(name, 'n', 200);
    name[200] = '\0';
    EXPECT_EQ(results_folder_begin(&rf, at(name), err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "the results folder's name is over 180 bytes");
    /* An empty folder may be replaced. */
    ASSERT_EQ(mkdir(at("empty"), 0777), 0);
    EXPECT_MSG(run_set("empty", RUN_SET, "x", err, sizeof err) == BASIN_OK, "%s", err);
    EXPECT(exists("empty/.basin-results"));
    /* A folder whose place is taken by a link while the set is built: the commit
       refuses and keeps the new set visible. */
    ASSERT_EQ(results_folder_begin(&rf, at("late"), err, sizeof err), BASIN_OK);
    ASSERT_EQ(symlink(at("mine"), at("late")), 0);
    EXPECT_EQ(results_folder_commit(&rf, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "late is a symbolic link");
    EXPECT_STR_CONTAINS(err, "(the new results are in ");
    EXPECT(exists("late.new-1/.basin-results"));
    results_folder_abandon(&rf);
    EXPECT_STR_EQ(read_text("mine/training.csv", buf, sizeof buf), "mine\n");
    EXPECT_EQ(remove_dir(), 0);
}

TEST_IMPL(folder_abandon)
{
    char err[1024], buf[256];
    ASSERT_MSG(fresh_dir(), "temporary folder");
    ASSERT_MSG(run_set("out", RUN_SET, "old", err, sizeof err) == BASIN_OK, "%s", err);
    /* A run that fails leaves the old set and nothing beside it. */
    results_folder rf;
    ASSERT_EQ(results_folder_begin(&rf, at("out"), err, sizeof err), BASIN_OK);
    results_file f;
    ASSERT_EQ(results_open_as(&f, rf.tmp, "records.csv", rf.final, err, sizeof err),
              BASIN_OK);
    EXPECT_STR_CONTAINS(results_shown(&f), "out/records.csv");
    fputs("new\n", f.f);
    ASSERT_EQ(results_commit(&f, err, sizeof err), BASIN_OK);
    ASSERT_EQ(results_open_as(&f, rf.tmp, "summary.csv", rf.final, err, sizeof err),
              BASIN_OK);
    results_abandon(&f);
    results_folder_abandon(&rf);
    results_folder_abandon(&rf); /* twice is safe */
    EXPECT_EQ(count_entries(), 1);
    EXPECT_STR_EQ(read_text("out/records.csv", buf, sizeof buf), "records.csv old\n");
    EXPECT_EQ(remove_dir(), 0);
}

TEST_IMPL(folder_dead_temporaries)
{
    char err[1024], buf[256];
    ASSERT_MSG(fresh_dir(), "temporary folder");
    ASSERT_MSG(run_set("out", RUN_SET, "old", err, sizeof err) == BASIN_OK, "%s", err);
    /* A process that dies (no clean-up) while its set is half built. */
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        results_folder rf;
        results_file f;
        if (results_folder_begin(&rf, at("out"), err, sizeof err) ||
            results_open_as(&f, rf.tmp, "records.csv", rf.final, err, sizeof err))
            _exit(1);
        fputs("half\n", f.f);
        results_commit(&f, err, sizeof err);
        _exit(0);
    }
    int status;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_EQ(WEXITSTATUS(status), 0);
    EXPECT_EQ(count_entries(), 2);
    /* A fake one of another host, which is not this host's to clean. */
    ASSERT_EQ(mkdir(at(".out.basin-new-otherhost-1-AbCd12"), 0777), 0);
    /* The next begin into the parent removes the dead one's folder. */
    results_folder rf;
    ASSERT_EQ(results_folder_begin(&rf, at("out"), err, sizeof err), BASIN_OK);
    results_folder_abandon(&rf);
    EXPECT_EQ(count_entries(), 2);
    EXPECT(exists(".out.basin-new-otherhost-1-AbCd12"));
    EXPECT_STR_EQ(read_text("out/records.csv", buf, sizeof buf), "records.csv old\n");
    EXPECT_EQ(remove_dir(), 0);
}

TEST_IMPL(folder_read_set)
{
    char err[1024];
    results_set set;
    ASSERT_MSG(fresh_dir(), "temporary folder");
    ASSERT_MSG(run_set("out", RUN_SET_SAMPLES, "x", err, sizeof err) == BASIN_OK, "%s",
               err);
    ASSERT_MSG(results_set_read(at("out"), &set, err, sizeof err) == BASIN_OK, "%s", err);
    EXPECT_EQ(set.n, 4);
    EXPECT(results_set_has(&set, "samples.npy"));
    EXPECT(!results_set_has(&set, "collapse.csv"));
    results_set_free(&set);
    /* Each bad marker: one message, BASIN_EINVAL, an empty set. */
    static const struct {
        const char *marker, *words;
    } BAD[] = {
        {"", "empty, not basin's marker"},
        {"basin-results 1", ":1: the line does not end"},
        {"basin-result 1\n", ":1: not basin's marker"},
        {"basin-results 1x\n", ":1: not basin's marker"},
        {"basin-results 7\nrecords.csv\n", "format 7, written by a newer basin"},
        {"basin-results 1\nrecords.csv\nrun.toml\n", "lists no summary.csv"},
        {"basin-results 1\nrecords.csv\nrun.toml\nsummary.csv\nsub/x\n",
         ":5: not a file name"},
        {"basin-results 1\nrecords.csv\nrun.toml\nsummary.csv\n.hidden\n",
         ":5: not a file name"},
        {"basin-results 1\nrecords.csv\nrun.toml\nsummary.csv\n\n",
         ":5: not a file name"},
        {"basin-results 1\nrecords.csv\nrun.toml\nsummary.csv\ncollapse.csv\n",
         "incomplete results folder: collapse.csv is missing (.basin-results lists it)"},
    };
    for (size_t k = 0; k < sizeof BAD / sizeof *BAD; k++) {
        ASSERT_EQ(write_file(at("out/.basin-results"), BAD[k].marker), 0);
        EXPECT_EQ(results_set_read(at("out"), &set, err, sizeof err), BASIN_EINVAL);
        EXPECT_STR_CONTAINS(err, BAD[k].words);
        EXPECT_EQ(set.n, 0);
    }
    unlink(at("out/.basin-results"));
    EXPECT_EQ(results_set_read(at("out"), &set, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err,
                        "out is not a basin results folder (it has no .basin-results)");
    ASSERT_EQ(symlink(at("out/run.toml"), at("out/.basin-results")), 0);
    EXPECT_EQ(results_set_read(at("out"), &set, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "is a symbolic link, not basin's marker");
    EXPECT_EQ(remove_dir(), 0);
}

TEST_IMPL(folder_basin_files)
{
    static const char *const OURS[] = {".basin-results",
                                       "records.csv",
                                       "samples.npy",
                                       "samples-dim784.npy",
                                       "report.html",
                                       "rates.svg",
                                       "phi.dat",
                                       "landscape.gp",
                                       "samples-grid.csv",
                                       "rates.pdf",
                                       "compare.csv",
                                       "minima.csv",
                                       "memorization_fit.csv",
                                       "distances.dat",
                                       ".records.csv.Ab12Cd",
                                       ".samples-dim3.npy.zzzzzz"};
    static const char *const THEIRS[] = {"notes.txt",         "records.csv~",
                                         "samples-dim.npy",   "samples-dimx.npy",
                                         "rates.eps",         "rates",
                                         ".records.csv.",     ".records.csv.Ab12C!",
                                         ".notes.txt.Ab12Cd", ""};
    for (size_t k = 0; k < sizeof OURS / sizeof *OURS; k++)
        EXPECT_MSG(results_basin_file(OURS[k]), "%s", OURS[k]);
    for (size_t k = 0; k < sizeof THEIRS / sizeof *THEIRS; k++)
        EXPECT_MSG(!results_basin_file(THEIRS[k]), "%s", THEIRS[k]);
}

TEST_IMPL(utf8_sequences)
{
    static const struct {
        const char *s;
        size_t len;
    } CASES[] = {
        {"a", 1},
        {"\xc3\xa9", 2},
        {"\xe2\x82\xac", 3},
        {"\xf0\x9f\x98\x80", 4},
        {"\xf4\x8f\xbf\xbf", 4}, /* U+10FFFF */
        {"\x80", 0},
        {"\xc0\xaf", 0},         /* overlong '/' */
        {"\xe0\x80\xaf", 0},     /* overlong */
        {"\xed\xa0\x80", 0},     /* a surrogate */
        {"\xf4\x90\x80\x80", 0}, /* above U+10FFFF */
        {"\xf5\x80\x80\x80", 0},
        {"\xc3", 0}, /* cut short */
        {"\xe2\x82", 0},
        {"\xff", 0},
    };
    for (size_t k = 0; k < sizeof CASES / sizeof *CASES; k++)
        EXPECT_EQ(utf8_sequence((const unsigned char *)CASES[k].s, strlen(CASES[k].s)),
                  CASES[k].len);
    size_t bad = 99;
    EXPECT(utf8_valid("Größe α", strlen("Größe α"), &bad));
    EXPECT(!utf8_valid("name=\xff", 6, &bad));
    EXPECT_EQ(bad, 5);
}

TEST_LIST_BEGIN
TEST_ENTRY(results_commit)
TEST_ENTRY(results_abandon)
TEST_ENTRY(results_make_dir)
TEST_ENTRY(results_npy_header)
TEST_ENTRY(folder_commit)
TEST_ENTRY(folder_refusals)
TEST_ENTRY(folder_abandon)
TEST_ENTRY(folder_dead_temporaries)
TEST_ENTRY(folder_read_set)
TEST_ENTRY(folder_basin_files)
TEST_ENTRY(utf8_sequences)
TEST_LIST_END
