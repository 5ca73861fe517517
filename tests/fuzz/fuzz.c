/* fuzz — see fuzz.h. */
#define _GNU_SOURCE /* memmem */
#include "fuzz.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[4096];

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level > 0)
        remove(path);
    return 0;
}

void fuzz_clean(void)
{
    if (dir[0])
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_dir(void)
{
    fuzz_clean();
    rmdir(dir);
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz harness: %s %s: %s\n", what, path, strerror(errno));
    abort();
}

const char *fuzz_dir(void)
{
    if (dir[0])
        return dir;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/basin-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        die("cannot create", dir);
    atexit(remove_dir);
    return dir;
}

const char *fuzz_path(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", fuzz_dir(), name);
    return buf;
}

const char *fuzz_write(const char *name, const uint8_t *data, size_t size, char *buf,
                       size_t n)
{
    fuzz_path(name, buf, n);
    for (char *slash = strchr(buf + strlen(fuzz_dir()) + 1, '/'); slash;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            die("cannot create", buf);
        *slash = '/';
    }
    FILE *f = fopen(buf, "wb");
    if (!f)
        die("cannot create", buf);
    int bad = size && fwrite(data, 1, size, f) != size;
    bad |= fclose(f) != 0;
    if (bad)
        die("cannot write", buf);
    return buf;
}

size_t fuzz_split(const uint8_t *data, size_t size, fuzz_part *parts, size_t max)
{
    static const char sep[] = FUZZ_SEPARATOR;
    const size_t n_sep = sizeof sep - 1;
    size_t n = 0;
    while (n + 1 < max) {
        const uint8_t *at = size >= n_sep ? memmem(data, size, sep, n_sep) : NULL;
        if (!at)
            break;
        parts[n].data = data;
        parts[n].size = (size_t)(at - data);
        n++;
        size -= parts[n - 1].size + n_sep;
        data = at + n_sep;
    }
    parts[n].data = data;
    parts[n].size = size;
    return n + 1;
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) {
        fprintf(stderr, "fuzz harness: out of memory for %zu bytes\n", size);
        abort();
    }
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fuzz_note(const char *fmt, ...)
{
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (!verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
