#include "registry/registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/param.h"
#include "base/suggest.h"

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

static void refuse(registry *reg, const char *fmt, const char *path, const char *what)
{
    char line[1024];
    snprintf(line, sizeof line, fmt, path, what);
    if (grow((void **)&reg->refusals, &reg->cap_refusals, reg->n_refusals + 1,
             sizeof(char *)) == 0) {
        char *copy = strdup(line);
        if (copy)
            reg->refusals[reg->n_refusals++] = copy;
    }
}

const char *registry_kind(const basin_descriptor *d)
{
    if (strcmp(d->interface, BASIN_IFACE_DATASET) == 0)
        return "dataset";
    if (strcmp(d->interface, BASIN_IFACE_ENERGY) == 0)
        return "energy";
    if (strcmp(d->interface, BASIN_IFACE_SCORE) == 0)
        return "score";
    if (strcmp(d->interface, BASIN_IFACE_SAMPLER) == 0)
        return "sampler";
    return NULL;
}

/* The function table is large enough and its required functions are present. */
static const char *check_iface(const basin_descriptor *d)
{
    const char *kind = registry_kind(d);
    if (!kind)
        return "implements an interface this host does not know";
    if (!d->iface)
        return "has no function table";
    uint32_t size = *(const uint32_t *)d->iface;
    if (strcmp(kind, "dataset") == 0) {
        const basin_dataset_iface *f = d->iface;
        if (size < offsetof(basin_dataset_iface, spectrum))
            return "has a dataset table smaller than basin.dataset/1";
        if (!f->create || !f->destroy || !f->info || !f->read)
            return "lacks a required dataset function";
    } else if (strcmp(kind, "energy") == 0) {
        const basin_energy_iface *f = d->iface;
        if (size < sizeof(basin_energy_iface))
            return "has an energy table smaller than basin.energy/1";
        if (!f->create || !f->destroy || !f->encode || !f->energy)
            return "lacks a required energy function";
        if ((f->flags & BASIN_ENERGY_BINARY) &&
            (!f->spin_cache_size || !f->spin_init || !f->spin_delta || !f->spin_flip))
            return "is a binary energy without the spin_* functions";
    } else if (strcmp(kind, "score") == 0) {
        const basin_score_iface *f = d->iface;
        if (size < sizeof(basin_score_iface))
            return "has a score table smaller than basin.score/1";
        if (!f->create || !f->destroy || !f->encode || !f->denoise)
            return "lacks a required score function";
    } else {
        const basin_sampler_iface *f = d->iface;
        if (size < sizeof(basin_sampler_iface))
            return "has a sampler table smaller than basin.sampler/1";
        if (!f->create || !f->destroy || !f->run)
            return "lacks a required sampler function";
    }
    return NULL;
}

static void load_library(registry *reg, const char *path)
{
    for (size_t i = 0; i < reg->n_libraries; i++)
        if (strcmp(reg->libraries[i].path, path) == 0)
            return; /* already loaded through another search path */
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        refuse(reg, "%s: cannot be loaded: %s", path, why ? why : "unknown error");
        return;
    }
    const basin_library *lib = dlsym(handle, BASIN_LIBRARY_SYMBOL);
    if (!lib) {
        refuse(reg, "%s: %s", path,
               "is not a basin plugin library (no basin_library_entry symbol)");
        dlclose(handle);
        return;
    }
    char what[1024];
    if (lib->abi_major != BASIN_ABI_MAJOR || lib->abi_minor > BASIN_ABI_MINOR) {
        snprintf(what, sizeof what,
                 "was built for basin ABI %u.%u but this host speaks ABI %d.%d; rebuild "
                 "it against basin/plugin.h %d.x",
                 (unsigned)lib->abi_major, (unsigned)lib->abi_minor, BASIN_ABI_MAJOR,
                 BASIN_ABI_MINOR, BASIN_ABI_MAJOR);
        refuse(reg, "%s: %s", path, what);
        dlclose(handle);
        return;
    }
    if (lib->struct_size < sizeof(basin_library) || !lib->plugins) {
        refuse(reg, "%s: %s", path,
               "has a malformed basin_library_entry (struct_size or plugin list)");
        dlclose(handle);
        return;
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
        else if (!(bad = check_iface(d))) {
            for (size_t p = 0; d->params && d->params[p].name; p++)
                if (param_check_def(&d->params[p], detail, sizeof detail)) {
                    bad = detail;
                    break;
                }
        }
        if (bad) {
            snprintf(what, sizeof what, "plugin '%s' %s", d->id ? d->id : "(no id)", bad);
            refuse(reg, "%s: %s", path, what);
            dlclose(handle);
            return;
        }
    }
    char *copy = strdup(path);
    if (!copy || grow((void **)&reg->libraries, &reg->cap_libraries, reg->n_libraries + 1,
                      sizeof(struct loaded))) {
        free(copy);
        dlclose(handle);
        return;
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
            if (note && grow((void **)&reg->shadowed, &reg->cap_shadowed,
                             reg->n_shadowed + 1, sizeof(char *)) == 0)
                reg->shadowed[reg->n_shadowed++] = note;
            else
                free(note);
            continue;
        }
        if (grow((void **)&reg->plugins, &reg->cap_plugins, reg->n_plugins + 1,
                 sizeof(registry_plugin)))
            return;
        reg->plugins[reg->n_plugins].descriptor = d;
        reg->plugins[reg->n_plugins].library = copy;
        reg->n_plugins++;
    }
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

/* Load every *.so under dir, in name order (so search order is reproducible). */
static void scan_directory(registry *reg, const char *dir, int depth)
{
    if (depth > 4)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (grow((void **)&names, &cap, n + 1, sizeof(char *)))
            break;
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(char *), compare_names);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                scan_directory(reg, path, depth + 1);
            else if (S_ISREG(st.st_mode) && ends_with_so(names[i]))
                load_library(reg, path);
        }
        free(names[i]);
    }
    free(names);
}

int registry_add_path(registry *reg, const char *path, int must_exist, char *err,
                      size_t n_err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (!must_exist)
            return BASIN_OK;
        snprintf(err, n_err, "%s: %s", path, strerror(errno));
        return BASIN_EIO;
    }
    if (S_ISDIR(st.st_mode)) {
        scan_directory(reg, path, 0);
        return BASIN_OK;
    }
    /* A file named explicitly: its refusal is the caller's error. */
    size_t refused_before = reg->n_refusals;
    load_library(reg, path);
    if (must_exist && reg->n_refusals > refused_before) {
        snprintf(err, n_err, "%s", reg->refusals[reg->n_refusals - 1]);
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
