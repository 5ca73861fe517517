#include "new/new.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "base/options.h"
#include "base/status.h"

/* core/new/templates/, embedded by core/new/templates/embed.c. */
extern const char new_template_energy[], new_template_score[], new_template_sampler[],
    new_template_dataset[], new_template_embedding[], new_template_meson[],
    new_template_README[];

const char new_usage[] =
    "usage: basin new KIND NAME [DIR]\n"
    "\n"
    "Write a small plugin project to DIR (default ./NAME): NAME.c, a complete plugin\n"
    "of KIND with a parameter table, a meson.build that builds it with pkg-config's\n"
    "basin.pc and installs it where basin looks, and a README with the one-line cc\n"
    "command. KIND is energy (Gaussian wells on the memories), score (the Gaussian\n"
    "denoiser), sampler (gradient descent), dataset (Gaussian points) or embedding\n"
    "(standardized coordinates, for [measure] space); NAME is a C identifier, and\n"
    "the plugin's id is KINDs/NAME (e.g. energies/wells).\n";

static const struct {
    const char *kind, *dir;
    const char *source;
} KINDS[] = {
    {"energy", "energies", new_template_energy},
    {"score", "scores", new_template_score},
    {"sampler", "samplers", new_template_sampler},
    {"dataset", "datasets", new_template_dataset},
    {"embedding", "embeddings", new_template_embedding},
};

#define N_KINDS  (sizeof KINDS / sizeof KINDS[0])
#define MAX_NAME 64

/* "new: MESSAGE" in err; the status. */
static int fail_status(int status, char *err, size_t n_err, const char *fmt, va_list ap)
{
    char what[1024];
    vsnprintf(what, sizeof what, fmt, ap);
    errmsg(err, n_err, "new: %s", what);
    return status;
}

/* Bad input: BASIN_EINVAL with the message. */
static int fail(char *err, size_t n_err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n_err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fail_status(BASIN_EINVAL, err, n_err, fmt, ap);
    va_end(ap);
    return rc;
}

/* A folder or file that cannot be created: BASIN_EIO with the message. */
static int fail_io(char *err, size_t n_err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_io(char *err, size_t n_err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fail_status(BASIN_EIO, err, n_err, fmt, ap);
    va_end(ap);
    return rc;
}

/* [A-Za-z_][A-Za-z0-9_]*, at most MAX_NAME characters. */
static int is_identifier(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MAX_NAME || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* 1 if dir exists and holds anything, 0 if it is missing or empty, -1 if it is
   not a folder. */
static int dir_state(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return -1;
    DIR *d = opendir(dir);
    if (!d)
        return 1;
    struct dirent *e;
    int full = 0;
    while (!full && (e = readdir(d)))
        full = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return full;
}

/* Write text to path with every TEMPLATE_NAME, TEMPLATE_KIND, TEMPLATE_DIR and
   TEMPLATE_ID replaced. 0 or -1 (errno set). */
static int write_template(const char *path, const char *text, const char *name,
                          const char *kind, const char *kdir)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    static const char MARK[] = "TEMPLATE_";
    const size_t n_mark = sizeof MARK - 1;
    for (const char *p = text; *p;) {
        const char *hit = strstr(p, MARK);
        size_t plain = hit ? (size_t)(hit - p) : strlen(p);
        fwrite(p, 1, plain, f);
        if (!hit)
            break;
        const char *w = hit + n_mark;
        if (strncmp(w, "NAME", 4) == 0) {
            fputs(name, f);
            p = w + 4;
        } else if (strncmp(w, "KIND", 4) == 0) {
            fputs(kind, f);
            p = w + 4;
        } else if (strncmp(w, "DIR", 3) == 0) {
            fputs(kdir, f);
            p = w + 3;
        } else if (strncmp(w, "ID", 2) == 0) {
            fprintf(f, "%s/%s", kdir, name);
            p = w + 2;
        } else {
            fwrite(hit, 1, n_mark, f);
            p = w;
        }
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return -1;
    return 0;
}

/* Remove the files of a half-built temporary project, then the folder. */
static void remove_project(const char *tmp, const char *const *files, size_t n)
{
    char path[PATH_MAX + 96];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", tmp, files[i]);
        unlink(path);
    }
    rmdir(tmp);
}

/* What `basin new` was asked for. */
typedef struct new_args {
    size_t kind;      /* index into KINDS */
    const char *name; /* a C identifier */
    char dir[PATH_MAX];
    int help; /* --help: the usage is printed, nothing else to do */
} new_args;

static const struct option NEW_OPTIONS[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* KIND NAME [DIR] from argv, checked. BASIN_OK or BASIN_EINVAL with a message. */
static int parse_new_args(int argc, char **argv, new_args *a, char *err, size_t n_err)
{
    memset(a, 0, sizeof *a);
    options op;
    options_init(&op, argc, argv, "h", NEW_OPTIONS);
    for (int c; (c = options_next(&op, err, n_err)) != 0;) {
        if (c < 0)
            return c;
        fputs(new_usage, stdout); /* 'h' */
        a->help = 1;
        return BASIN_OK;
    }
    char **pos = argv + op.first_operand;
    int n_pos = argc - op.first_operand;
    if (n_pos > 3)
        return fail(err, n_err,
                    "too many arguments: '%s' (usage: basin new KIND NAME [DIR])",
                    pos[3]);
    if (n_pos < 2)
        return fail(err, n_err, "needs KIND and NAME (usage: basin new KIND NAME [DIR])");
    while (a->kind < N_KINDS && strcmp(pos[0], KINDS[a->kind].kind) != 0)
        a->kind++;
    if (a->kind == N_KINDS)
        return fail(err, n_err,
                    "unknown kind '%s': use energy, score, sampler, dataset or embedding",
                    pos[0]);
    a->name = pos[1];
    if (!is_identifier(a->name))
        return fail(err, n_err,
                    "bad name '%s': use a C identifier (letters, digits and '_', not "
                    "starting with a digit, at most 64 characters)",
                    a->name);
    const char *dir = n_pos == 3 ? pos[2] : a->name;
    if (snprintf(a->dir, sizeof a->dir, "%s", dir) >= (int)sizeof a->dir)
        return fail(err, n_err, "folder name too long: '%.64s...'", dir);
    size_t len = strlen(a->dir);
    while (len > 1 && a->dir[len - 1] == '/')
        a->dir[--len] = 0;
    return BASIN_OK;
}

/* Write the project into a sibling temporary folder, then rename it into place:
   an error leaves nothing behind. BASIN_OK, or BASIN_EIO with a message. */
static int write_project(const new_args *a, const char *source, char *err, size_t n_err)
{
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.new-XXXXXX", a->dir);
    if (!mkdtemp(tmp))
        return fail_io(err, n_err, "cannot create a folder beside %s: %s", a->dir,
                       strerror(errno));
    const char *files[] = {source, "meson.build", "README.md"};
    const char *texts[] = {KINDS[a->kind].source, new_template_meson,
                           new_template_README};
    for (size_t i = 0; i < 3; i++) {
        char path[PATH_MAX + 96];
        snprintf(path, sizeof path, "%s/%s", tmp, files[i]);
        if (write_template(path, texts[i], a->name, KINDS[a->kind].kind,
                           KINDS[a->kind].dir)) {
            int e = errno;
            remove_project(tmp, files, 3);
            return fail_io(err, n_err, "cannot write %s: %s", path, strerror(e));
        }
    }
    /* rename(2) replaces an empty folder; mkdtemp made tmp 0700. */
    mode_t mask = umask(0);
    umask(mask);
    chmod(tmp, 0777 & ~mask);
    if (rename(tmp, a->dir) != 0) {
        int e = errno;
        remove_project(tmp, files, 3);
        return fail_io(err, n_err, "cannot create %s: %s", a->dir, strerror(e));
    }
    return BASIN_OK;
}

/* The folder holding basin/plugin.h for this basin: beside an installed (or moved)
   executable, its BASIN_INCLUDE_DIR_FROM_BIN; in a build tree, the source tree's
   core/include. The absolute path in buf, 1; 0 when neither holds the header. */
static int find_include_dir(char *buf, size_t n)
{
    char exe[PATH_MAX], cand[PATH_MAX + 64], real[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    const char *tries[2] = {NULL, BASIN_SOURCE_INCLUDE_DIR};
    if (k > 0) {
        exe[k] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(cand, sizeof cand, "%s/%s", exe, BASIN_INCLUDE_DIR_FROM_BIN);
            tries[0] = cand;
        }
    }
    for (int i = 0; i < 2; i++) {
        char header[PATH_MAX + 96];
        if (!tries[i] || !realpath(tries[i], real))
            continue;
        snprintf(header, sizeof header, "%s/basin/plugin.h", real);
        if (access(header, R_OK) == 0 && strlen(real) < n) {
            snprintf(buf, n, "%s", real);
            return 1;
        }
    }
    return 0;
}

/* s as one shell word: as it is when it holds only safe characters, else in
   single quotes. */
static void put_shell_word(const char *s)
{
    if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        "/._+-=:,@%") == strlen(s)) {
        fputs(s, stdout);
        return;
    }
    putchar('\'');
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*s);
    putchar('\'');
}

int cmd_new(int argc, char **argv, char *err, size_t n_err)
{
    new_args a;
    int rc = parse_new_args(argc, argv, &a, err, n_err);
    if (rc != BASIN_OK || a.help)
        return rc;
    int state = dir_state(a.dir);
    if (state < 0)
        return fail(err, n_err, "%s exists and is not a folder", a.dir);
    if (state > 0)
        return fail(err, n_err, "%s exists and is not empty; name a new or empty folder",
                    a.dir);
    char source[MAX_NAME + 8];
    snprintf(source, sizeof source, "%s.c", a.name);
    if ((rc = write_project(&a, source, err, n_err)) != BASIN_OK)
        return rc;
    const char *kdir = KINDS[a.kind].dir;
    printf("wrote %s/: %s (plugin %s/%s), meson.build, README.md\n", a.dir, source, kdir,
           a.name);
    /* The build line works where this basin is: -I the headers of this install or
       build tree (pkg-config may not know a prefix or a build tree). */
    char include[PATH_MAX];
    fputs("build:  cc -shared -fPIC ", stdout);
    if (find_include_dir(include, sizeof include)) {
        fputs("-I", stdout);
        put_shell_word(include);
    } else {
        fputs("$(pkg-config --cflags basin)", stdout);
    }
    char in[PATH_MAX + 80], so[PATH_MAX + 80];
    snprintf(in, sizeof in, "%s/%s", a.dir, source);
    snprintf(so, sizeof so, "%s/%s.so", a.dir, a.name);
    putchar(' ');
    put_shell_word(in);
    fputs(" -o ", stdout);
    put_shell_word(so);
    fputs(" -lm\ncheck:  basin plugins --path ", stdout);
    put_shell_word(a.dir);
    putchar('\n');
    return BASIN_OK;
}
