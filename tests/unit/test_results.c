/* results and npy: atomic files, errors, and the .npy header layout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "kernels/npy.h"
#include "results/atomic_file.h"

static char dir[] = "/tmp/basin-test-results-XXXXXX";

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

int main(void)
{
    char err[512];
    CHECK(mkdtemp(dir) != NULL, "temporary folder");

    /* A committed file appears only at commit; before, only a hidden temporary. */
    results_file f;
    CHECK(results_open(&f, dir, "a.csv", err, sizeof err) == 0, "%s", err);
    fputs("x,y\n1,2\n", f.f);
    CHECK(!exists("a.csv") && count_entries() == 1, "nothing visible before commit");
    CHECK(results_commit(&f, err, sizeof err) == 0 && exists("a.csv"), "committed");
    CHECK(count_entries() == 1, "no temporary left after commit");

    /* Abandoning keeps the earlier file as it was. */
    CHECK(results_open(&f, dir, "a.csv", err, sizeof err) == 0, "%s", err);
    fputs("overwritten\n", f.f);
    results_abandon(&f);
    char buf[64] = "";
    char path[512];
    snprintf(path, sizeof path, "%s/a.csv", dir);
    FILE *in = fopen(path, "r");
    size_t n = in ? fread(buf, 1, sizeof buf - 1, in) : 0;
    if (in)
        fclose(in);
    buf[n] = '\0';
    CHECK(strcmp(buf, "x,y\n1,2\n") == 0 && count_entries() == 1,
          "an abandoned write leaves the old file: '%s'", buf);

    /* Folders: nested creation, a file in the way, an unwritable place. */
    char nested[600];
    snprintf(nested, sizeof nested, "%s/b/c/d", dir);
    CHECK(results_make_dir(nested, err, sizeof err) == 0, "nested folders: %s", err);
    snprintf(nested, sizeof nested, "%s/a.csv/sub", dir);
    CHECK(results_make_dir(nested, err, sizeof err) == BASIN_EIO &&
              strstr(err, "cannot create output folder") && strstr(err, "a.csv"),
          "a file in the way: %s", err);
    CHECK(results_open(&f, "/proc/self", "x.csv", err, sizeof err) == BASIN_EIO &&
              strstr(err, "cannot write in output folder /proc/self"),
          "an unwritable folder: %s", err);

    /* .npy: a 128-byte header with the magic, version 1.0 and the shape. */
    CHECK(results_open(&f, dir, "m.npy", err, sizeof err) == 0, "%s", err);
    float data[6] = {1, 2, 3, 4, 5, 6};
    CHECK(npy_write_header_f32(f.f, 2, 3) == 0, "header written");
    fwrite(data, sizeof(float), 6, f.f);
    CHECK(results_commit(&f, err, sizeof err) == 0, "%s", err);
    snprintf(path, sizeof path, "%s/m.npy", dir);
    unsigned char raw[160];
    in = fopen(path, "rb");
    n = in ? fread(raw, 1, sizeof raw, in) : 0;
    if (in)
        fclose(in);
    CHECK(n == 128 + 24, "file size %zu", n);
    CHECK(memcmp(raw, "\x93NUMPY\x01\x00", 8) == 0, "magic and version");
    CHECK(raw[8] + 256 * raw[9] == 118 && raw[127] == '\n', "header length 118");
    raw[127] = '\0';
    CHECK(strstr((char *)raw + 10,
                 "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") ==
              (char *)raw + 10,
          "header dict");
    float back[6];
    memcpy(back, raw + 128, sizeof back); /* raw[127] was the header's '\n' */
    CHECK(memcmp(back, data, sizeof back) == 0, "data follows the header");

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0, "clean up");
    return check_done("results");
}
