#define _GNU_SOURCE /* renameat2 */
#include "results/folder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "base/status.h"
#include "results/atomic_file.h"

/* The longest folder name: its temporary names must stay under NAME_MAX. */
#define NAME_LIMIT 180
/* The largest marker read back (a set lists a few dozen names). */
#define MARKER_MAX (64 * 1024)

/* --------------------------------------------------------------- names */

static const char *const RUN_FILES[] = {
    RESULTS_MARKER, "records.csv",    "summary.csv",      "run.toml",
    "collapse.csv", "attractors.csv", "training.csv",     "samples.npy",
    "report.html",  "samples.png",    "samples-grid.csv", "spurious.csv",
    "compare.csv",  "minima.csv",     "memorization.csv", "memorization_fit.csv"};
static const char *const FIGURE_STEMS[] = {
    "rates", "models",    "memorization", "distances", "pairs",  "collapse",
    "phi",   "landscape", "training",     "compare",   "scatter"};
static const char *const FIGURE_EXTS[] = {"svg", "png", "pdf", "gp", "dat"};
#define COUNT(a) (sizeof(a) / sizeof *(a))

static int all_alnum(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return 0;
    }
    return 1;
}

/* name[0..n) is a file name basin writes (not a temporary one). */
static int basin_name(const char *name, size_t n)
{
    for (size_t k = 0; k < COUNT(RUN_FILES); k++)
        if (strlen(RUN_FILES[k]) == n && !strncmp(name, RUN_FILES[k], n))
            return 1;
    for (size_t s = 0; s < COUNT(FIGURE_STEMS); s++) {
        size_t ns = strlen(FIGURE_STEMS[s]);
        if (n <= ns + 1 || strncmp(name, FIGURE_STEMS[s], ns) || name[ns] != '.')
            continue;
        for (size_t x = 0; x < COUNT(FIGURE_EXTS); x++)
            if (strlen(FIGURE_EXTS[x]) == n - ns - 1 &&
                !strncmp(name + ns + 1, FIGURE_EXTS[x], n - ns - 1))
                return 1;
    }
    /* samples-dim<N>.npy */
    static const char PRE[] = "samples-dim", POST[] = ".npy";
    size_t np = sizeof PRE - 1, nq = sizeof POST - 1;
    if (n <= np + nq || strncmp(name, PRE, np) || strncmp(name + n - nq, POST, nq))
        return 0;
    for (size_t i = np; i < n - nq; i++)
        if (name[i] < '0' || name[i] > '9')
            return 0;
    return 1;
}

int results_basin_file(const char *name)
{
    size_t n = strlen(name);
    if (basin_name(name, n))
        return 1;
    /* results_open's temporary: ".NAME.XXXXXX" */
    return n > 8 && name[0] == '.' && name[n - 7] == '.' && all_alnum(name + n - 6, 6) &&
           basin_name(name + 1, n - 8);
}

/* `basin report`'s temporary folder: ".report.XXXXXX". */
static int report_tmp(const char *name)
{
    return strlen(name) == 14 && !strncmp(name, ".report.", 8) && all_alnum(name + 8, 6);
}

/* This host's name as it goes into temporary names: letters, digits, '_'. */
static void host_tag(char *buf, size_t n)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "host");
    size_t k = 0;
    for (const char *p = host; *p && k + 1 < n && k < 32; p++)
        buf[k++] = all_alnum(p, 1) ? *p : '_';
    buf[k] = '\0';
}

/* A temporary folder's name, taken apart: .NAME.basin-KIND-HOST-PID-XXXXXX. */
typedef struct temp_name {
    char name[NAME_MAX + 1];
    char host[64];
    long pid;
    int old; /* KIND "old": an old set during a two-rename swap */
} temp_name;

static int parse_temp(const char *e, temp_name *t)
{
    static const char *const KINDS[] = {".basin-new-", ".basin-old-"};
    size_t n = strlen(e);
    if (n < 2 || e[0] != '.')
        return 0;
    const char *kind = NULL;
    for (int k = 0; k < 2; k++)
        for (const char *p = strstr(e + 1, KINDS[k]); p; p = strstr(p + 1, KINDS[k]))
            if (!kind || p > kind) {
                kind = p;
                t->old = k;
            }
    if (!kind || kind == e + 1 || (size_t)(kind - e - 1) > NAME_MAX)
        return 0;
    memcpy(t->name, e + 1, (size_t)(kind - e - 1));
    t->name[kind - e - 1] = '\0';
    const char *rest = kind + 11, *end = e + n;
    /* HOST-PID-XXXXXX */
    if (end - rest < 10 || end[-7] != '-' || !all_alnum(end - 6, 6))
        return 0;
    const char *p = end - 7;
    const char *digits = p;
    while (digits > rest && digits[-1] >= '0' && digits[-1] <= '9')
        digits--;
    if (digits == p || digits - rest < 2 || digits[-1] != '-' || p - digits > 9)
        return 0;
    size_t nh = (size_t)(digits - 1 - rest);
    if (nh >= sizeof t->host)
        return 0;
    memcpy(t->host, rest, nh);
    t->host[nh] = '\0';
    t->pid = strtol(digits, NULL, 10);
    return t->pid > 0;
}

static int alive(long pid)
{
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* ------------------------------------------------------------- the hook */

static int test_word(const char *word)
{
    const char *v = getenv("BASIN_TEST_COMMIT");
    size_t n = strlen(word);
    for (const char *p = v; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && !strncmp(p, word, n))
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

/* Before each step of a commit: the test hook's pause. */
static void step(const char *what)
{
    static int n_step;
    if (!test_word("pause"))
        return;
    fprintf(stderr, "basin: test: commit step %d: %s\n", ++n_step, what);
    fflush(stderr);
    raise(SIGSTOP); /* the test kills it here, or lets it go on (SIGCONT) */
}

/* ------------------------------------------------------------- folders */

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd); /* best effort: some file systems refuse it */
        close(fd);
    }
}

/* dir (not a link) holds the marker as a plain file. */
static int marked(const char *dir)
{
    char path[PATH_MAX + 32];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/%s", dir, RESULTS_MARKER) >= (int)sizeof path)
        return 0;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir holds nothing at all. */
static int empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int n = 0;
    while (!n && (e = readdir(d)))
        n = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return !n;
}

/* The names in the folder open at fd (but . and ..), NULL-terminated; NULL when
   out of memory or unreadable. */
static char **list_names(int fd)
{
    int dup_fd = dup(fd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        return NULL;
    }
    rewinddir(d); /* the duplicate shares fd's offset, which an earlier listing moved */
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    int failed = names == NULL;
    while (!failed && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n + 2 > cap) {
            char **more = realloc(names, (cap *= 2) * sizeof *names);
            if (!more) {
                failed = 1;
                break;
            }
            names = more;
        }
        char *name = strdup(e->d_name);
        if (!name) {
            failed = 1;
            break;
        }
        names[n++] = name;
    }
    if (failed && names) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        names = NULL;
    }
    if (names)
        names[n] = NULL;
    closedir(d);
    return names;
}

static void free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

/* A name in a jobs/ folder (results/run_dir.h) basin writes: N.part,
   recipe.toml, or a temporary name of one (".NAME.XXXXXX", ".N.part.link-PID"). */
static int jobs_file(const char *name)
{
    const char *p = name[0] == '.' ? name + 1 : name;
    size_t digits = strspn(p, "0123456789");
    if (digits && !strncmp(p + digits, ".part", 5))
        return name[0] == '.' || p[digits + 5] == '\0';
    if (!strncmp(p, "recipe.toml", 11))
        return name[0] == '.' || p[11] == '\0';
    return 0;
}

/* Remove the jobs/ folder in the folder open at fd: its files basin writes, then
   the folder when nothing else is left in it. */
static void remove_jobs(int fd)
{
    int sub = openat(fd, "jobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (sub < 0)
        return;
    char **names = list_names(sub);
    for (size_t i = 0; names && names[i]; i++) {
        struct stat st;
        if (fstatat(sub, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode) && jobs_file(names[i]))
            unlinkat(sub, names[i], 0);
    }
    free_names(names);
    close(sub);
    unlinkat(fd, "jobs", AT_REMOVEDIR);
}

/* Remove the plain files basin writes from the folder open at fd. */
static void remove_basin_files(int fd, int pause)
{
    char **names = list_names(fd);
    for (size_t i = 0; names && names[i]; i++) {
        struct stat st;
        if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode) && results_basin_file(names[i])) {
            unlinkat(fd, names[i], 0);
            if (pause)
                step("removed a file of the old set");
        } else if (S_ISDIR(st.st_mode) && !strcmp(names[i], "jobs")) {
            remove_jobs(fd);
        } else if (S_ISDIR(st.st_mode) && report_tmp(names[i])) {
            int sub = openat(fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            if (sub >= 0) {
                remove_basin_files(sub, 0);
                close(sub);
            }
            unlinkat(fd, names[i], AT_REMOVEDIR);
        }
    }
    free_names(names);
}

/* Rename path to the first free FINAL.WHAT-N; its new name in kept. 0, or -1. */
static int keep_visible(const char *path, const char *final, const char *what, char *kept,
                        size_t n_kept)
{
    for (int k = 1; k < 1000; k++) {
        struct stat st;
        snprintf(kept, n_kept, "%s.%s-%d", final, what, k);
        if (lstat(kept, &st) != 0 && errno == ENOENT)
            return rename(path, kept);
    }
    return -1;
}

/*
 * Take apart the set in old: basin's files are removed, anything else moves into
 * final when final is a basin results folder, then old goes. What cannot move
 * stays in old, renamed to the visible FINAL.kept-N (with a warning), or left as
 * it is when final is NULL.
 */
static void dispose(const char *old, const char *final, int pause)
{
    int fd = open(old, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0)
        return;
    remove_basin_files(fd, pause);
    int into =
        final && marked(final) ? open(final, O_RDONLY | O_DIRECTORY | O_NOFOLLOW) : -1;
    char **names = into >= 0 ? list_names(fd) : NULL;
    for (size_t i = 0; names && names[i]; i++) {
        struct stat st;
        if (fstatat(into, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
            renameat(fd, names[i], into, names[i]);
    }
    free_names(names);
    if (into >= 0)
        close(into);
    close(fd);
    if (rmdir(old) == 0 || !final)
        return;
    char kept[PATH_MAX + 16];
    if (keep_visible(old, final, "kept", kept, sizeof kept) == 0)
        fprintf(stderr,
                "basin: the earlier results in %s held files basin did not write; "
                "they are in %s\n",
                final, kept);
}

/* Remove the temporary folders of dead basin processes of this host in parent. */
static void clean_dead(const char *parent, const char *host)
{
    int fd = open(parent, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return;
    char **names = list_names(fd);
    close(fd);
    for (size_t i = 0; names && names[i]; i++) {
        temp_name t;
        if (!parse_temp(names[i], &t) || strcmp(t.host, host) ||
            t.pid == (long)getpid() || alive(t.pid))
            continue;
        char path[PATH_MAX + NAME_MAX + 2], final[PATH_MAX + NAME_MAX + 2];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", parent, names[i]);
        snprintf(final, sizeof final, "%s/%s", parent, t.name);
        if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (t.old && lstat(final, &st) != 0 && errno == ENOENT && marked(path)) {
            rename(path, final); /* a two-rename swap cut short: the old set returns */
            continue;
        }
        dispose(path, final, 0);
    }
    free_names(names);
}

/* Whether rf->final may take a new set: BASIN_OK with *exists, or BASIN_EINVAL /
   BASIN_EIO with a message. */
static int check_final(const results_folder *rf, int *exists, char *err, size_t n_err)
{
    struct stat st;
    *exists = 0;
    if (lstat(rf->final, &st) != 0) {
        if (errno == ENOENT)
            return BASIN_OK;
        errmsg(err, n_err, "cannot create output folder %s: %s", rf->final,
               strerror(errno));
        return BASIN_EIO;
    }
    if (S_ISLNK(st.st_mode)) {
        errmsg(
            err, n_err,
            "%s is a symbolic link; basin writes no results through a link (remove it or "
            "choose another --out)",
            rf->final);
        return BASIN_EINVAL;
    }
    if (!S_ISDIR(st.st_mode) || (!marked(rf->final) && !empty(rf->final))) {
        errmsg(err, n_err,
               "%s exists and is not a basin results folder (it has no %s; move it or "
               "choose another --out)",
               rf->final, RESULTS_MARKER);
        return BASIN_EINVAL;
    }
    *exists = 1;
    return BASIN_OK;
}

/* rf->final, rf->parent and rf->name from dir. */
static int split_dir(results_folder *rf, const char *dir, char *err, size_t n_err)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || n >= sizeof rf->final) {
        errmsg(err, n_err, "'%s' is not a results folder name", dir);
        return BASIN_EINVAL;
    }
    memcpy(rf->final, dir, n);
    rf->final[n] = '\0';
    const char *slash = strrchr(rf->final, '/');
    const char *name = slash ? slash + 1 : rf->final;
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
        errmsg(err, n_err, "'%s' is not a results folder name (name the folder itself)",
               dir);
        return BASIN_EINVAL;
    }
    if (strlen(name) > NAME_LIMIT) {
        errmsg(err, n_err, "%s: the results folder's name is over %d bytes", dir,
               NAME_LIMIT);
        return BASIN_EINVAL;
    }
    snprintf(rf->name, sizeof rf->name, "%s", name);
    if (!slash)
        snprintf(rf->parent, sizeof rf->parent, ".");
    else if (slash == rf->final)
        snprintf(rf->parent, sizeof rf->parent, "/");
    else
        snprintf(rf->parent, sizeof rf->parent, "%.*s", (int)(slash - rf->final),
                 rf->final);
    return BASIN_OK;
}

/* mkdtemp PARENT/.NAME.basin-KIND-HOST-PID-XXXXXX into path, with the mode a new
   folder gets (0777 less the umask). 0, or -1 with errno. */
static int make_temp(const results_folder *rf, const char *kind, char *path, size_t n)
{
    char host[64];
    host_tag(host, sizeof host);
    if (snprintf(path, n, "%s/.%s.basin-%s-%s-%ld-XXXXXX", rf->parent, rf->name, kind,
                 host, (long)getpid()) >= (int)n) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (!mkdtemp(path))
        return -1;
    mode_t mask = umask(0);
    umask(mask);
    chmod(path, 0777 & ~mask);
    return 0;
}

void results_folder_clean(const char *dir)
{
    results_folder rf;
    memset(&rf, 0, sizeof rf);
    char host[64];
    if (split_dir(&rf, dir, NULL, 0) != BASIN_OK)
        return;
    host_tag(host, sizeof host);
    clean_dead(rf.parent, host);
}

int results_folder_check(const char *dir, int *exists, char *err, size_t n_err)
{
    results_folder rf;
    memset(&rf, 0, sizeof rf);
    *exists = 0;
    int rc = split_dir(&rf, dir, err, n_err);
    return rc ? rc : check_final(&rf, exists, err, n_err);
}

int results_folder_begin(results_folder *rf, const char *dir, char *err, size_t n_err)
{
    memset(rf, 0, sizeof *rf);
    int rc = split_dir(rf, dir, err, n_err), exists;
    if (rc || (rc = check_final(rf, &exists, err, n_err)))
        return rc;
    if ((rc = results_make_dir(rf->parent, err, n_err)))
        return rc;
    char host[64];
    host_tag(host, sizeof host);
    clean_dead(rf->parent, host);
    if (make_temp(rf, "new", rf->tmp, sizeof rf->tmp) != 0) {
        errmsg(err, n_err, "cannot write in %s: %s", rf->parent, strerror(errno));
        rf->tmp[0] = '\0';
        return BASIN_EIO;
    }
    return BASIN_OK;
}

/* ------------------------------------------------------------- commit */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The marker: "basin-results 1", then the plain files in rf->tmp, sorted. */
static int write_marker(const results_folder *rf, char *err, size_t n_err)
{
    int fd = open(rf->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    char **names = fd >= 0 ? list_names(fd) : NULL;
    if (!names) {
        errmsg(err, n_err, "cannot list %s: %s", rf->tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return BASIN_EWRITE;
    }
    size_t n = 0;
    for (size_t i = 0; names[i]; i++) {
        struct stat st;
        if (names[i][0] != '.' && fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode))
            names[n++] = names[i];
        else
            free(names[i]);
    }
    names[n] = NULL;
    close(fd);
    qsort(names, n, sizeof *names, by_name);
    results_file f;
    int rc = results_open(&f, rf->tmp, RESULTS_MARKER, err, n_err);
    if (rc == BASIN_OK) {
        fprintf(f.f, "basin-results %d\n", RESULTS_FORMAT);
        for (size_t i = 0; i < n; i++)
            fprintf(f.f, "%s\n", names[i]);
        rc = results_commit(&f, err, n_err) ? BASIN_EWRITE : BASIN_OK;
    } else {
        rc = BASIN_EWRITE;
    }
    free_names(names);
    return rc;
}

/* The two-rename swap: final to an aside folder, rf->tmp to final; the aside
   folder's name in old. 0, or -1 with errno (final as it was). */
static int swap_by_renames(results_folder *rf, char *old, size_t n_old)
{
    if (make_temp(rf, "old", old, n_old) != 0)
        return -1;
    if (rename(rf->final, old) != 0) {
        int saved = errno;
        rmdir(old);
        errno = saved;
        return -1;
    }
    step("the old set is aside");
    if (rename(rf->tmp, rf->final) != 0) {
        int saved = errno;
        rename(old, rf->final);
        errno = saved;
        return -1;
    }
    return 0;
}

/* A commit that failed once the new set was complete: the set is kept as the
   visible FINAL.new-N, and the message (err) says where. Returns rc. */
static int keep_new(results_folder *rf, int rc, char *err, size_t n_err)
{
    char kept[PATH_MAX + 16];
    if (keep_visible(rf->tmp, rf->final, "new", kept, sizeof kept) != 0)
        return rc;
    rf->tmp[0] = '\0';
    size_t len = err ? strnlen(err, n_err) : 0;
    if (err && len + 1 < n_err)
        snprintf(err + len, n_err - len, " (the new results are in %s)", kept);
    return rc;
}

int results_folder_commit(results_folder *rf, char *err, size_t n_err)
{
    int rc = write_marker(rf, err, n_err), exists = 0;
    if (rc)
        return rc;
    sync_dir(rf->tmp);
    step("the new set is complete");
    if ((rc = check_final(rf, &exists, err, n_err)))
        return keep_new(rf, rc, err, n_err);
    char old[PATH_MAX];
    int moved;
    if (!exists) {
        moved = rename(rf->tmp, rf->final) == 0;
        old[0] = '\0';
    } else if (!test_word("rename") &&
               renameat2(AT_FDCWD, rf->tmp, AT_FDCWD, rf->final, RENAME_EXCHANGE) == 0) {
        moved = 1;
        snprintf(old, sizeof old, "%s", rf->tmp); /* the old set is there now */
    } else if (test_word("rename") || errno == EINVAL || errno == ENOSYS ||
               errno == EOPNOTSUPP) {
        moved = swap_by_renames(rf, old, sizeof old) == 0;
    } else {
        moved = 0;
    }
    if (!moved) {
        errmsg(err, n_err, "cannot put the results in place at %s: %s", rf->final,
               strerror(errno));
        return keep_new(rf, BASIN_EWRITE, err, n_err);
    }
    rf->tmp[0] = '\0';
    sync_dir(rf->parent);
    step("the new set is in place");
    if (old[0])
        dispose(old, rf->final, 1);
    return BASIN_OK;
}

void results_folder_abandon(results_folder *rf)
{
    if (rf->tmp[0])
        dispose(rf->tmp, NULL, 0);
    rf->tmp[0] = '\0';
}

/* ------------------------------------------------------------- reading */

void results_set_free(results_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->names[i]);
    free(set->names);
    set->names = NULL;
    set->n = 0;
}

int results_set_has(const results_set *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (!strcmp(set->names[i], name))
            return 1;
    return 0;
}

/* The marker's text (NUL-terminated) into *text. */
static int read_marker(const char *dir, char **text, char *err, size_t n_err)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, RESULTS_MARKER);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        int saved = errno;
        if (saved == ENOENT)
            errmsg(err, n_err, "%s is not a basin results folder (it has no %s)", dir,
                   RESULTS_MARKER);
        else if (saved == ELOOP)
            errmsg(err, n_err, "%s: is a symbolic link, not basin's marker", path);
        else
            errmsg(err, n_err, "%s: cannot read: %s", path, strerror(saved));
        return saved == ENOENT || saved == ELOOP ? BASIN_EINVAL : BASIN_EIO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MARKER_MAX) {
        errmsg(err, n_err, "%s: not basin's marker (%s)", path,
               S_ISREG(st.st_mode) ? "over 64 KiB" : "not a plain file");
        close(fd);
        return BASIN_EINVAL;
    }
    char *s = malloc((size_t)st.st_size + 1);
    ssize_t got = s ? read(fd, s, (size_t)st.st_size) : -1;
    int saved = errno;
    close(fd);
    if (!s) {
        errmsg(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    if (got != (ssize_t)st.st_size) {
        free(s);
        errmsg(err, n_err, "%s: cannot read: %s", path,
               got < 0 ? strerror(saved) : "it changed while read");
        return BASIN_EIO;
    }
    s[got] = '\0';
    *text = s;
    return BASIN_OK;
}

/* Parse the marker's lines into set; BASIN_EINVAL / BASIN_ENOMEM with a message. */
static int parse_marker(const char *dir, char *s, results_set *set, char *err,
                        size_t n_err)
{
    int line = 0;
    for (char *p = s; *p;) {
        char *nl = strchr(p, '\n');
        line++;
        if (!nl) {
            errmsg(err, n_err, "%s/%s:%d: the line does not end (cut short?)", dir,
                   RESULTS_MARKER, line);
            return BASIN_EINVAL;
        }
        *nl = '\0';
        if (line == 1) {
            int format = 0, end = 0;
            if (sscanf(p, "basin-results %d%n", &format, &end) != 1 || p[end] ||
                format < 1) {
                errmsg(err, n_err,
                       "%s/%s:1: not basin's marker (expected 'basin-results %d')", dir,
                       RESULTS_MARKER, RESULTS_FORMAT);
                return BASIN_EINVAL;
            }
            if (format > RESULTS_FORMAT) {
                errmsg(err, n_err,
                       "%s/%s: format %d, written by a newer basin (this one reads "
                       "format %d)",
                       dir, RESULTS_MARKER, format, RESULTS_FORMAT);
                return BASIN_EINVAL;
            }
        } else {
            size_t n = strlen(p);
            int bad = n == 0 || n > NAME_MAX || p[0] == '.' || strchr(p, '/');
            for (size_t i = 0; i < n && !bad; i++)
                bad = (unsigned char)p[i] < 0x20 || p[i] == 0x7f;
            if (bad) {
                errmsg(err, n_err, "%s/%s:%d: not a file name of a results folder", dir,
                       RESULTS_MARKER, line);
                return BASIN_EINVAL;
            }
            char **names = realloc(set->names, (set->n + 1) * sizeof *names);
            if (!names || !(names[set->n] = strdup(p))) {
                if (names)
                    set->names = names;
                errmsg(err, n_err, "out of memory");
                return BASIN_ENOMEM;
            }
            set->names = names;
            set->n++;
        }
        p = nl + 1;
    }
    if (line == 0) {
        errmsg(err, n_err, "%s/%s: empty, not basin's marker", dir, RESULTS_MARKER);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

int results_set_read(const char *dir, results_set *set, char *err, size_t n_err)
{
    static const char *const NEEDED[] = {"run.toml", "summary.csv", "records.csv"};
    memset(set, 0, sizeof *set);
    char *text = NULL;
    int rc = read_marker(dir, &text, err, n_err);
    if (rc == BASIN_OK)
        rc = parse_marker(dir, text, set, err, n_err);
    free(text);
    for (size_t k = 0; rc == BASIN_OK && k < COUNT(NEEDED); k++)
        if (!results_set_has(set, NEEDED[k])) {
            errmsg(err, n_err, "%s/%s lists no %s: not a run's results folder", dir,
                   RESULTS_MARKER, NEEDED[k]);
            rc = BASIN_EINVAL;
        }
    for (size_t i = 0; rc == BASIN_OK && i < set->n; i++) {
        char path[PATH_MAX + NAME_MAX + 2];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, set->names[i]);
        if (lstat(path, &st) != 0) {
            errmsg(err, n_err,
                   "%s: incomplete results folder: %s is missing (%s lists it)", dir,
                   set->names[i], RESULTS_MARKER);
            rc = BASIN_EINVAL;
        } else if (!S_ISREG(st.st_mode)) {
            errmsg(err, n_err, "%s: %s is not a plain file", dir, set->names[i]);
            rc = BASIN_EINVAL;
        }
    }
    if (rc)
        results_set_free(set);
    return rc;
}
