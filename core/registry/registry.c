#include "registry/registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "base/suggest.h"
#include "registry/interfaces.h"
#include "registry/param.h"

#ifndef BASIN_INSTALL_PLUGIN_DIR
#define BASIN_INSTALL_PLUGIN_DIR "/usr/local/lib/basin/plugins"
#endif
#ifndef BASIN_PLUGIN_DIR_FROM_BIN
#define BASIN_PLUGIN_DIR_FROM_BIN "../lib/basin/plugins"
#endif

struct registry {
    registry_plugin *plugins;
    size_t n_plugins, cap_plugins;
    struct loaded {
        char *path; /* owned */
        void *handle;
    } * libraries; /* every accepted library */
    size_t n_libraries, cap_libraries;
    char **refusals;
    size_t n_refusals, cap_refusals;
    char **shadowed; /* "ID in PATH is shadowed by PATH" */
    size_t n_shadowed, cap_shadowed;
};

registry *registry_new(void)
{
    return calloc(1, sizeof(registry));
}

void registry_free(registry *reg)
{
    if (!reg)
        return;
    /* Handles stay open: descriptors and plugin code may be referenced until
       exit, and unloading buys nothing in a short-lived command. */
    for (size_t i = 0; i < reg->n_libraries; i++)
        free(reg->libraries[i].path);
    for (size_t i = 0; i < reg->n_refusals; i++)
        free(reg->refusals[i]);
    for (size_t i = 0; i < reg->n_shadowed; i++)
        free(reg->shadowed[i]);
    free(reg->shadowed);
    free(reg->plugins);
    free(reg->libraries);
    free(reg->refusals);
    free(reg);
}

static int grow(void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*array, n * elem);
    if (!p)
        return -1;
    *array = p;
    *cap = n;
    return 0;
}

/* Record "PATH: WHAT" as a refusal; BASIN_ENOMEM when it cannot be recorded. */
static int refuse(registry *reg, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int refuse(registry *reg, const char *path, const char *fmt, ...)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%s: ", path);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    char *copy = strdup(line);
    if (!copy || grow((void **)&reg->refusals, &reg->cap_refusals, reg->n_refusals + 1,
                      sizeof(char *))) {
        free(copy);
        return BASIN_ENOMEM;
    }
    reg->refusals[reg->n_refusals++] = copy;
    return BASIN_OK;
}

const char *registry_kind(const basin_descriptor *d)
{
    const registry_interface *in = registry_interface_find(d->interface);
    return in ? in->kind : NULL;
}

/* Why the host cannot call a descriptor's function table, or NULL when it can:
   an interface it speaks, a table at least as large as that interface's first
   version, every required function present (registry/interfaces.h). */
static const char *check_iface(const basin_descriptor *d, char *buf, size_t n)
{
    const registry_interface *in = registry_interface_find(d->interface);
    if (!in)
        return "implements an interface this host does not know";
    if (!d->iface)
        return "has no function table";
    uint32_t size = *(const uint32_t *)d->iface;
    if (size < in->min_size) {
        snprintf(buf, n, "has a %s table smaller than %s", in->kind, in->id);
        return buf;
    }
    const char *missing = in->missing(d->iface);
    if (missing) {
        snprintf(buf, n, "has a %s table without one of its required functions %s",
                 in->id, missing);
        return buf;
    }
    return NULL;
}

/*
 * Load one library: accepted (its plugins added, a later duplicate id recorded as
 * shadowed) or refused (recorded with its reason). Returns BASIN_OK either way,
 * BASIN_ENOMEM when memory ran out.
 */
static int load_library(registry *reg, const char *path)
{
    for (size_t i = 0; i < reg->n_libraries; i++)
        if (strcmp(reg->libraries[i].path, path) == 0)
            return BASIN_OK; /* already loaded through another search path */
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        return refuse(reg, path, "cannot be loaded: %s", why ? why : "unknown error");
    }
    const basin_library *lib = dlsym(handle, BASIN_LIBRARY_SYMBOL);
    int rc;
    if (!lib) {
        rc = refuse(reg, path,
                    "is not a basin plugin library (no basin_library_entry symbol)");
        dlclose(handle);
        return rc;
    }
    if (!basin_abi_compatible(lib->abi_major, lib->abi_minor)) {
        rc = refuse(reg, path,
                    "was built for basin ABI %u.%u but this host speaks ABI %d.%d; "
                    "rebuild it against basin/plugin.h %d.x",
                    (unsigned)lib->abi_major, (unsigned)lib->abi_minor, BASIN_ABI_MAJOR,
                    BASIN_ABI_MINOR, BASIN_ABI_MAJOR);
        dlclose(handle);
        return rc;
    }
    if (lib->struct_size < sizeof(basin_library) || !lib->plugins) {
        rc = refuse(reg, path,
                    "has a malformed basin_library_entry (struct_size or plugin list)");
        dlclose(handle);
        return rc;
    }
    /* Check every descriptor before accepting any, so a library is all or nothing. */
    for (size_t i = 0; lib->plugins[i]; i++) {
        const basin_descriptor *d = lib->plugins[i];
        const char *bad = NULL;
        char detail[512];
        if (d->struct_size < sizeof(basin_descriptor))
            bad = "has a descriptor smaller than this host's";
        else if (!d->id || !d->interface || !d->version || !d->summary)
            bad = "has a descriptor without id, interface, version or summary";
        else if (!(bad = check_iface(d, detail, sizeof detail))) {
            for (size_t p = 0; d->params && d->params[p].name; p++)
                if (param_check_def(&d->params[p], detail, sizeof detail)) {
                    bad = detail;
                    break;
                }
        }
        if (bad) {
            rc = refuse(reg, path, "plugin '%s' %s",
                        d->struct_size >= sizeof(basin_descriptor) && d->id ? d->id
                                                                            : "(no id)",
                        bad);
            dlclose(handle);
            return rc;
        }
    }
    char *copy = strdup(path);
    if (!copy || grow((void **)&reg->libraries, &reg->cap_libraries, reg->n_libraries + 1,
                      sizeof(struct loaded))) {
        free(copy);
        dlclose(handle);
        return BASIN_ENOMEM;
    }
    reg->libraries[reg->n_libraries].path = copy;
    reg->libraries[reg->n_libraries].handle = handle;
    reg->n_libraries++;
    for (size_t i = 0; lib->plugins[i]; i++) {
        const basin_descriptor *d = lib->plugins[i];
        const registry_plugin *earlier = registry_find(reg, d->id);
        if (earlier) {
            /* An earlier search path provides this id: it wins. */
            char line[2048];
            snprintf(line, sizeof line, "%s in %s is shadowed by %s", d->id, copy,
                     earlier->library);
            char *note = strdup(line);
            if (!note || grow((void **)&reg->shadowed, &reg->cap_shadowed,
                              reg->n_shadowed + 1, sizeof(char *))) {
                free(note);
                return BASIN_ENOMEM;
            }
            reg->shadowed[reg->n_shadowed++] = note;
            continue;
        }
        if (grow((void **)&reg->plugins, &reg->cap_plugins, reg->n_plugins + 1,
                 sizeof(registry_plugin)))
            return BASIN_ENOMEM;
        reg->plugins[reg->n_plugins].descriptor = d;
        reg->plugins[reg->n_plugins].library = copy;
        reg->n_plugins++;
    }
    return BASIN_OK;
}

static int ends_with_so(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every *.so under dir, in name order (so search order is reproducible);
   a folder that cannot be read is skipped. BASIN_OK, or BASIN_ENOMEM. */
static int scan_directory(registry *reg, const char *dir, int depth)
{
    if (depth > 4)
        return BASIN_OK;
    DIR *d = opendir(dir);
    if (!d)
        return BASIN_OK;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = BASIN_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (grow((void **)&names, &cap, n + 1, sizeof(char *)) ||
            !(names[n] = strdup(e->d_name))) {
            rc = BASIN_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(char *), compare_names);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (rc == BASIN_OK && stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                rc = scan_directory(reg, path, depth + 1);
            else if (S_ISREG(st.st_mode) && ends_with_so(names[i]))
                rc = load_library(reg, path);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int registry_add_path(registry *reg, const char *path, int must_exist, char *err,
                      size_t n_err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (!must_exist)
            return BASIN_OK;
        errmsg(err, n_err, "%s: %s", path, strerror(errno));
        return BASIN_EIO;
    }
    size_t refused_before = reg->n_refusals;
    int rc = S_ISDIR(st.st_mode) ? scan_directory(reg, path, 0) : load_library(reg, path);
    if (rc == BASIN_ENOMEM) {
        errmsg(err, n_err, "%s: out of memory while loading plugins", path);
        return rc;
    }
    /* A file named explicitly: its refusal is the caller's error. */
    if (!S_ISDIR(st.st_mode) && must_exist && reg->n_refusals > refused_before) {
        errmsg(err, n_err, "%s", reg->refusals[reg->n_refusals - 1]);
        return BASIN_EINVAL;
    }
    return BASIN_OK;
}

void registry_add_defaults(registry *reg)
{
    const char *env = getenv("BASIN_PLUGIN_PATH");
    if (env && *env) {
        char *copy = strdup(env);
        for (char *save = NULL, *p = copy ? strtok_r(copy, ":", &save) : NULL; p;
             p = strtok_r(NULL, ":", &save))
            registry_add_path(reg, p, 0, NULL, 0);
        free(copy);
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            char dir[PATH_MAX + 256];
            *slash = '\0';
            snprintf(dir, sizeof dir, "%s/plugins", exe);
            registry_add_path(reg, dir, 0, NULL, 0);
            /* An installed tree, wherever it now lies: <prefix>/bin/basin finds
               <prefix>/<libdir>/basin/plugins. Once only, if that is where the
               build put them too. */
            char here[PATH_MAX], built[PATH_MAX];
            snprintf(dir, sizeof dir, "%s/%s", exe, BASIN_PLUGIN_DIR_FROM_BIN);
            if (realpath(dir, here) &&
                !(realpath(BASIN_INSTALL_PLUGIN_DIR, built) && !strcmp(here, built)))
                registry_add_path(reg, here, 0, NULL, 0);
        }
    }
    registry_add_path(reg, BASIN_INSTALL_PLUGIN_DIR, 0, NULL, 0);
}

const registry_plugin *registry_find(const registry *reg, const char *id)
{
    for (size_t i = 0; i < reg->n_plugins; i++)
        if (strcmp(reg->plugins[i].descriptor->id, id) == 0)
            return &reg->plugins[i];
    return NULL;
}

size_t registry_count(const registry *reg)
{
    return reg->n_plugins;
}

const registry_plugin *registry_at(const registry *reg, size_t i)
{
    return i < reg->n_plugins ? &reg->plugins[i] : NULL;
}

size_t registry_refused_count(const registry *reg)
{
    return reg->n_refusals;
}

const char *registry_refusal(const registry *reg, size_t i)
{
    return i < reg->n_refusals ? reg->refusals[i] : NULL;
}

size_t registry_shadowed_count(const registry *reg)
{
    return reg->n_shadowed;
}

const char *registry_shadowed(const registry *reg, size_t i)
{
    return i < reg->n_shadowed ? reg->shadowed[i] : NULL;
}

const char *registry_suggest(const registry *reg, const char *id)
{
    const char **ids = malloc((reg->n_plugins + 1) * sizeof *ids);
    if (!ids)
        return NULL;
    for (size_t i = 0; i < reg->n_plugins; i++)
        ids[i] = reg->plugins[i].descriptor->id;
    const char *best = suggest_closest(id, ids, reg->n_plugins);
    free(ids);
    return best;
}
