#include "results/run_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "base/status.h"
#include "results/atomic_file.h"
#include "results/folder.h"
#include "results/job_part.h"

#ifndef BASIN_VERSION
#define BASIN_VERSION "unknown"
#endif

#define IDENTITY_MAX (16u << 20)
#define MANIFEST_MAX (64u << 20)

char *run_dir_identity(const recipe *r)
{
    char *text = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&text, &n);
    if (!mem)
        return NULL;
    fprintf(mem, "# basin %s, job part format %d\n", BASIN_VERSION, JOB_PART_VERSION);
    recipe_write_toml(r, mem);
    if (fclose(mem) != 0) {
        free(text);
        return NULL;
    }
    /* "# version V, library PATH": the library's place is no part of the run. */
    static const char LIB[] = ", library ";
    char *out = text;
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        char *cut = !strncmp(p, "# version ", 10) ? strstr(p, LIB) : NULL;
        if (cut && (!nl || cut < nl)) {
            size_t keep = (size_t)(cut - p);
            memmove(out, p, keep);
            out += keep;
            if (nl)
                *out++ = '\n';
        } else {
            memmove(out, p, len);
            out += len;
        }
        p = nl ? nl + 1 : NULL;
    }
    *out = '\0';
    return text;
}

uint64_t run_dir_hash(const char *text)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

int run_dir_slurp(const char *path, size_t max, char **text, size_t *n, char *err,
                  size_t n_err)
{
    *text = NULL;
    if (n)
        *n = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int saved = errno;
        errmsg(err, n_err, "%s: %s", path,
               saved == ENOENT  ? "missing"
               : saved == ELOOP ? "a symbolic link"
                                : strerror(saved));
        errno = saved;
        return saved == ELOOP ? BASIN_EINVAL : BASIN_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        errmsg(err, n_err, "%s: %s", path,
               S_ISREG(st.st_mode) ? "too large" : "not a plain file");
        close(fd);
        return BASIN_EINVAL;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *s = malloc(size + 1);
    while (s && got < size) {
        ssize_t k = read(fd, s + got, size - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    int saved = errno;
    close(fd);
    if (!s) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    if (got != size) {
        free(s);
        errmsg(err, n_err, "%s: cannot read: %s", path, strerror(saved));
        return BASIN_EIO;
    }
    s[size] = '\0';
    *text = s;
    if (n)
        *n = size;
    return BASIN_OK;
}

int run_dir_read_identity(const char *dir, char **text, char *err, size_t n_err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s/%s", dir, RUN_DIR_JOBS, RUN_DIR_IDENTITY);
    return run_dir_slurp(path, IDENTITY_MAX, text, NULL, err, n_err);
}

/* Line `line` of text (at most n - 1 bytes of it, ellipsis when cut). */
static void line_of(const char *text, int line, char *out, size_t n)
{
    const char *p = text;
    for (int k = 1; k < line && p; k++) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    if (!p || !*p) {
        snprintf(out, n, "(no such line)");
        return;
    }
    size_t len = strcspn(p, "\n");
    if (len > 60)
        snprintf(out, n, "%.57s...", p);
    else
        snprintf(out, n, "%.*s", (int)len, p);
}

void run_dir_difference(const char *a, const char *b, const char *where_a,
                        const char *where_b, char *msg, size_t n)
{
    int line = 1;
    char section[64] = "";
    const char *p = a, *q = b;
    while (*p && *p == *q) {
        if (*p == '\n') {
            line++;
            if (p[1] == '[') {
                size_t len = strcspn(p + 2, "]\n");
                snprintf(section, sizeof section, "%.*s", (int)(len < 60 ? len : 60),
                         p + 2);
            }
        }
        p++;
        q++;
    }
    char la[80], lb[80];
    line_of(a, line, la, sizeof la);
    line_of(b, line, lb, sizeof lb);
    char where[80] = "";
    if (section[0])
        snprintf(where, sizeof where, " in [%s]", section);
    snprintf(msg, n, "jobs/%s line %d%s is '%s' %s, '%s' %s", RUN_DIR_IDENTITY, line,
             where, la, where_a, lb, where_b);
}

/* Move dir aside to DIR.YYYYMMDD-HHMMSS (or -K after it when taken); its new
   name in aside (PATH_MAX bytes). */
static int move_aside(const char *dir, char *aside, char *err, size_t n_err)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int k = 1; k < 1000; k++) {
        struct stat st;
        if (k == 1)
            snprintf(aside, PATH_MAX, "%s.%s", dir, stamp);
        else
            snprintf(aside, PATH_MAX, "%s.%s-%d", dir, stamp, k);
        if (lstat(aside, &st) == 0 || errno != ENOENT)
            continue;
        if (rename(dir, aside) != 0) {
            errmsg(err, n_err, "cannot move %s aside to %s: %s", dir, aside,
                   strerror(errno));
            return BASIN_EIO;
        }
        fprintf(stderr, "basin: --fresh: the earlier results of %s are in %s\n", dir,
                aside);
        fflush(stderr);
        return BASIN_OK;
    }
    errmsg(err, n_err, "cannot move %s aside: every dated name is taken", dir);
    return BASIN_EIO;
}

/* jobs/ holds no part (or is not there). */
static int no_parts(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, RUN_DIR_JOBS);
    DIR *d = opendir(path);
    if (!d)
        return 1;
    struct dirent *e;
    int parts = 0;
    while (!parts && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        parts = n > 5 && !strcmp(e->d_name + n - 5, ".part");
    }
    closedir(d);
    return !parts;
}

/* A folder with nothing a run left: no part, no file the marker lists (a run
   that failed before its first job finished leaves such a folder). */
static int blank(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, RESULTS_MARKER);
    char *text = NULL;
    size_t n = 0;
    if (run_dir_slurp(path, 1 << 16, &text, &n, NULL, 0) != BASIN_OK)
        return 1; /* an empty folder (check_final let it through) */
    char *nl = strchr(text, '\n');
    int only_header = nl && nl[1] == '\0';
    free(text);
    return only_header && no_parts(dir);
}

static int write_file(const char *dir, const char *name, const char *text, char *err,
                      size_t n_err)
{
    results_file f;
    if (results_open(&f, dir, name, err, n_err))
        return BASIN_EIO;
    fputs(text, f.f);
    return results_commit(&f, err, n_err) ? BASIN_EIO : BASIN_OK;
}

void run_dir_abandon(const char *dir, int created, const char *aside)
{
    if (!blank(dir))
        return;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s/%s", dir, RUN_DIR_JOBS, RUN_DIR_IDENTITY);
    unlink(path);
    snprintf(path, sizeof path, "%s/%s", dir, RUN_DIR_JOBS);
    rmdir(path);
    if (!created)
        return;
    snprintf(path, sizeof path, "%s/%s", dir, RESULTS_MARKER);
    unlink(path);
    if (rmdir(dir) == 0 && aside && aside[0] && rename(aside, dir) == 0)
        fprintf(stderr, "basin: the run failed before its first job ended: %s is back\n",
                dir);
}

int run_dir_open(const char *dir, const char *identity, int fresh, char *jobs, size_t n,
                 int *created, char *aside, char *err, size_t n_err)
{
    *created = 0;
    aside[0] = '\0';
    results_folder_clean(dir); /* first: a swap cut short puts the old set back */
    int exists, rc = results_folder_check(dir, &exists, err, n_err);
    if (rc)
        return rc;
    char *have = NULL;
    if (exists) {
        char why[512];
        rc = run_dir_read_identity(dir, &have, why, sizeof why);
        if (rc == BASIN_ENOMEM) {
            errmsg(err, n_err, "%s", why);
            return rc;
        }
        if (rc == BASIN_OK && strcmp(have, identity) == 0 && !fresh) {
            /* this run's own jobs: resume */
        } else if (blank(dir)) {
            free(have); /* nothing of it to keep */
            have = NULL;
            /* an empty folder, or one a run created and left before its first job */
        } else if (fresh) {
            free(have);
            have = NULL;
            if ((rc = move_aside(dir, aside, err, n_err)))
                return rc;
        } else {
            char diff[400];
            if (have)
                run_dir_difference(have, identity, "there", "in this run", diff,
                                   sizeof diff);
            else
                snprintf(diff, sizeof diff, "it has no jobs/%s", RUN_DIR_IDENTITY);
            errmsg(err, n_err,
                   "%s holds the results of another run (%s); run with --fresh to keep "
                   "them under a dated name and start again, or choose another --out",
                   dir, diff);
            free(have);
            return BASIN_EINVAL;
        }
    }
    struct stat there;
    *created = lstat(dir, &there) != 0;
    if ((rc = results_make_dir(dir, err, n_err)))
        goto done;
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, RESULTS_MARKER);
    if (lstat(path, &st) != 0) {
        char marker[32];
        snprintf(marker, sizeof marker, "basin-results %d\n", RESULTS_FORMAT);
        if ((rc = write_file(dir, RESULTS_MARKER, marker, err, n_err)))
            goto done;
    }
    snprintf(jobs, n, "%s/%s", dir, RUN_DIR_JOBS);
    if ((rc = results_make_dir(jobs, err, n_err)))
        goto done;
    if (!have || strcmp(have, identity) != 0)
        rc = write_file(jobs, RUN_DIR_IDENTITY, identity, err, n_err);
done:
    free(have);
    return rc;
}

/* ------------------------------------------------------------- manifest */

int run_manifest_write(const char *dir, const run_manifest *m, char *err, size_t n_err)
{
    results_file f;
    if (results_open(&f, dir, RUN_DIR_MANIFEST, err, n_err))
        return BASIN_EWRITE;
    fprintf(f.f,
            "# A shard of a basin run: `basin merge OUT SHARD_DIR...` joins the shards.\n"
            "format = %d\nbasin = \"%s\"\nrecipe_hash = \"%016" PRIx64 "\"\n"
            "shard = %u\nshards = %u\njobs_total = %" PRIu64 "\nthreads = %u\njobs = [",
            RUN_DIR_MANIFEST_FORMAT, BASIN_VERSION, m->hash, m->shard, m->of, m->n_total,
            m->threads);
    for (uint64_t i = 0; i < m->n_jobs; i++)
        fprintf(f.f, "%s%" PRIu64, i ? ", " : "", m->jobs[i]);
    fprintf(f.f, "]\n");
    return results_commit(&f, err, n_err) ? BASIN_EWRITE : BASIN_OK;
}

void run_manifest_free(run_manifest *m)
{
    free(m->jobs);
    memset(m, 0, sizeof *m);
}

/* An unsigned decimal at *p (advanced); 0, or -1. */
static int read_u64(const char **p, uint64_t *v)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    uint64_t x = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (x > (UINT64_MAX - 9) / 10)
            return -1;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    *p = s;
    return 0;
}

/* The jobs list "[a, b, ...]" into m (ascending, each below n_total). */
static int read_jobs(const char *s, run_manifest *m)
{
    if (*s++ != '[')
        return -1;
    uint64_t cap = 0;
    while (*s != ']') {
        uint64_t v;
        if (m->n_jobs && (s[0] != ',' || s[1] != ' '))
            return -1;
        if (m->n_jobs)
            s += 2;
        if (read_u64(&s, &v) != 0 || (m->n_jobs && v <= m->jobs[m->n_jobs - 1]))
            return -1;
        if (m->n_jobs == cap) {
            cap = cap ? 2 * cap : 64;
            uint64_t *grown = realloc(m->jobs, cap * sizeof *grown);
            if (!grown)
                return -2;
            m->jobs = grown;
        }
        m->jobs[m->n_jobs++] = v;
    }
    return s[1] == '\0' ? 0 : -1;
}

int run_manifest_read(const char *dir, run_manifest *m, char *err, size_t n_err)
{
    memset(m, 0, sizeof *m);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, RUN_DIR_MANIFEST);
    char *text = NULL, why[512];
    int rc = run_dir_slurp(path, MANIFEST_MAX, &text, NULL, why, sizeof why);
    if (rc == BASIN_EIO && errno == ENOENT) {
        errmsg(err, n_err,
               "%s is no finished shard (it has no %s: the shard's run has not ended)",
               dir, RUN_DIR_MANIFEST);
        return BASIN_EINVAL;
    }
    if (rc) {
        errmsg(err, n_err, "%s", why);
        return rc;
    }
    int line = 0, seen = 0;
    uint64_t format = 0, shard = 0, of = 0, threads = 0;
    const char *bad = NULL;
    for (char *p = text; *p && !bad;) {
        char *nl = strchr(p, '\n');
        line++;
        if (!nl) {
            bad = "the line does not end (cut short?)";
            break;
        }
        *nl = '\0';
        const char *v;
        if (p[0] == '#' || p[0] == '\0') {
        } else if (!strncmp(p, "format = ", 9)) {
            v = p + 9;
            if (read_u64(&v, &format) || *v)
                bad = "format: not a whole number";
            else if (format != RUN_DIR_MANIFEST_FORMAT)
                bad = "format: not one this basin reads";
            seen |= 1;
        } else if (!strncmp(p, "basin = \"", 9)) {
            seen |= 2;
        } else if (!strncmp(p, "recipe_hash = \"", 15)) {
            v = p + 15;
            char *end;
            errno = 0;
            m->hash = strtoull(v, &end, 16);
            if (errno || end != v + 16 || strcmp(end, "\""))
                bad = "recipe_hash: not 16 hexadecimal digits";
            seen |= 4;
        } else if (!strncmp(p, "shard = ", 8)) {
            v = p + 8;
            if (read_u64(&v, &shard) || *v)
                bad = "shard: not a whole number";
            seen |= 8;
        } else if (!strncmp(p, "shards = ", 9)) {
            v = p + 9;
            if (read_u64(&v, &of) || *v || of == 0 || of > 100000)
                bad = "shards: not a whole number in [1, 100000]";
            seen |= 16;
        } else if (!strncmp(p, "jobs_total = ", 13)) {
            v = p + 13;
            if (read_u64(&v, &m->n_total) || *v)
                bad = "jobs_total: not a whole number";
            seen |= 32;
        } else if (!strncmp(p, "threads = ", 10)) {
            v = p + 10;
            if (read_u64(&v, &threads) || *v || threads < 1 || threads > 1024)
                bad = "threads: not a whole number in [1, 1024]";
            seen |= 64;
        } else if (!strncmp(p, "jobs = ", 7)) {
            int r = read_jobs(p + 7, m);
            if (r == -2) {
                free(text);
                run_manifest_free(m);
                errmsg(err, n_err, "out of memory");
                return BASIN_ENOMEM;
            }
            if (r)
                bad = "jobs: not a list of ascending job numbers";
            seen |= 128;
        } else {
            bad = "not a line of a shard manifest";
        }
        p = nl + 1;
    }
    free(text);
    if (!bad && seen != 255) {
        bad = "a key is missing";
        line = 0;
    }
    if (!bad && shard >= of)
        bad = "shard: not below shards";
    if (!bad && m->n_jobs && m->jobs[m->n_jobs - 1] >= m->n_total)
        bad = "jobs: a job number not below jobs_total";
    if (bad) {
        if (line)
            errmsg(err, n_err, "%s:%d: %s", path, line, bad);
        else
            errmsg(err, n_err, "%s: %s", path, bad);
        run_manifest_free(m);
        return BASIN_EINVAL;
    }
    m->shard = (uint32_t)shard;
    m->of = (uint32_t)of;
    m->threads = (unsigned)threads;
    return BASIN_OK;
}

int run_dir_link_jobs(const char *jobs, const char *into, char *err, size_t n_err)
{
    if (mkdir(into, 0777) != 0 && errno != EEXIST) {
        errmsg(err, n_err, "cannot create %s: %s", into, strerror(errno));
        return BASIN_EWRITE;
    }
    DIR *d = opendir(jobs);
    if (!d) {
        errmsg(err, n_err, "cannot read %s: %s", jobs, strerror(errno));
        return BASIN_EWRITE;
    }
    struct dirent *e;
    int rc = BASIN_OK;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue; /* ., .. and temporary names */
        char src[4200], dst[4200];
        struct stat st;
        snprintf(src, sizeof src, "%s/%s", jobs, e->d_name);
        snprintf(dst, sizeof dst, "%s/%s", into, e->d_name);
        if (lstat(src, &st) != 0 || !S_ISREG(st.st_mode) || link(src, dst) == 0)
            continue;
        char *data = NULL;
        size_t n = 0;
        rc = run_dir_slurp(src, (size_t)JOB_PART_MAX_BYTES, &data, &n, err, n_err);
        results_file f;
        if (!rc && results_open(&f, into, e->d_name, err, n_err) == 0) {
            fwrite(data, 1, n, f.f);
            rc = results_commit(&f, err, n_err) ? BASIN_EWRITE : BASIN_OK;
        } else if (!rc) {
            rc = BASIN_EWRITE;
        }
        free(data);
    }
    closedir(d);
    return rc;
}
