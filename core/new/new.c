#include "new/new.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

/* core/new/templates/, embedded by core/new/templates/embed.c. */
extern const char new_template_energy[], new_template_score[], new_template_sampler[],
    new_template_dataset[], new_template_meson[], new_template_README[];

const char USAGE_NEW[] =
    "usage: basin new KIND NAME [DIR]\n"
    "\n"
    "Write a small plugin project to DIR (default ./NAME): NAME.c, a complete plugin\n"
    "of KIND with a parameter table, a meson.build that builds it with pkg-config's\n"
    "basin.pc and installs it where basin looks, and a README with the one-line cc\n"
    "command. KIND is energy (Gaussian wells on the memories), score (the Gaussian\n"
    "denoiser), sampler (gradient descent) or dataset (Gaussian points); NAME is a C\n"
    "identifier, and the plugin's id is KINDs/NAME (e.g. energies/wells).\n";

static const struct {
    const char *kind, *dir;
    const char *source;
} KINDS[] = {
    {"energy", "energies", new_template_energy},
    {"score", "scores", new_template_score},
    {"sampler", "samplers", new_template_sampler},
    {"dataset", "datasets", new_template_dataset},
};

#define MAX_NAME 64

static int fail(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "basin: new: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return 2;
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
        p += plain;
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

int cmd_new(int argc, char **argv)
{
    const char *pos[3];
    int n_pos = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(USAGE_NEW, stdout);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return fail("unknown option '%s'%s (see `basin help new`)", argv[i], "");
        if (n_pos == 3)
            return fail("too many arguments: '%s'%s (usage: basin new KIND NAME "
                        "[DIR])",
                        argv[i], "");
        pos[n_pos++] = argv[i];
    }
    if (n_pos < 2)
        return fail("needs KIND and NAME%s%s (usage: basin new KIND NAME [DIR])", "", "");
    size_t k = 0;
    while (k < sizeof KINDS / sizeof KINDS[0] && strcmp(pos[0], KINDS[k].kind) != 0)
        k++;
    if (k == sizeof KINDS / sizeof KINDS[0])
        return fail("unknown kind '%s'%s: use energy, score, sampler or dataset", pos[0],
                    "");
    const char *name = pos[1];
    if (!is_identifier(name))
        return fail("bad name '%s'%s: use a C identifier (letters, digits and '_', "
                    "not starting with a digit, at most 64 characters)",
                    name, "");

    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s", n_pos == 3 ? pos[2] : name) >= (int)sizeof dir)
        return fail("folder name too long: '%.64s...'%s", dir, "");
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = 0;
    int state = dir_state(dir);
    if (state < 0)
        return fail("%s exists and is not a folder%s", dir, "");
    if (state > 0)
        return fail("%s exists and is not empty%s; name a new or empty folder", dir, "");

    /* Build the project in a sibling temporary folder, then rename it into place:
       an error leaves nothing behind. */
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.new-XXXXXX", dir);
    if (!mkdtemp(tmp))
        return fail("cannot create a folder beside %s: %s", dir, strerror(errno));

    char source[MAX_NAME + 8];
    snprintf(source, sizeof source, "%s.c", name);
    const char *files[] = {source, "meson.build", "README.md"};
    const char *texts[] = {KINDS[k].source, new_template_meson, new_template_README};
    for (size_t i = 0; i < 3; i++) {
        char path[PATH_MAX + 96];
        snprintf(path, sizeof path, "%s/%s", tmp, files[i]);
        if (write_template(path, texts[i], name, KINDS[k].kind, KINDS[k].dir)) {
            int e = errno;
            remove_project(tmp, files, 3);
            return fail("cannot write %s: %s", path, strerror(e));
        }
    }
    /* rename(2) replaces an empty folder; mkdtemp made tmp 0700. */
    mode_t mask = umask(0);
    umask(mask);
    chmod(tmp, 0777 & ~mask);
    if (rename(tmp, dir) != 0) {
        int e = errno;
        remove_project(tmp, files, 3);
        return fail("cannot create %s: %s", dir, strerror(e));
    }
    printf("wrote %s/: %s (plugin %s/%s), meson.build, README.md\n"
           "build:  cc -shared -fPIC $(pkg-config --cflags basin) %s/%s -o %s/%s.so"
           " -lm\n"
           "check:  basin plugins --path %s\n",
           dir, source, KINDS[k].dir, name, dir, source, dir, name, dir);
    return 0;
}
