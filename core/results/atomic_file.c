#include "results/atomic_file.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int results_make_dir(const char *dir, char *err, size_t n_err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, n_err, "output folder name too long: %s", dir);
        return BASIN_EIO;
    }
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            snprintf(err, n_err, "cannot create output folder %s: %s", path,
                     strerror(errno));
            return BASIN_EIO;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, n_err, "output path %s is not a folder", dir);
        return BASIN_EIO;
    }
    return BASIN_OK;
}

int results_open(results_file *rf, const char *dir, const char *name, char *err,
                 size_t n_err)
{
    return results_open_as(rf, dir, name, NULL, err, n_err);
}

const char *results_shown(const results_file *rf)
{
    return rf->shown_path ? rf->shown_path : rf->final_path;
}

int results_open_as(results_file *rf, const char *dir, const char *name,
                    const char *shown_dir, char *err, size_t n_err)
{
    memset(rf, 0, sizeof *rf);
    size_t n = strlen(dir) + strlen(name) + 16;
    rf->tmp_path = malloc(n);
    rf->final_path = malloc(n);
    if (!rf->tmp_path || !rf->final_path) {
        results_abandon(rf);
        snprintf(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    snprintf(rf->final_path, n, "%s/%s", dir, name);
    if (shown_dir) {
        size_t n_shown = strlen(shown_dir) + strlen(name) + 2;
        if (!(rf->shown_path = malloc(n_shown))) {
            results_abandon(rf);
            snprintf(err, n_err, "out of memory");
            return BASIN_ENOMEM;
        }
        snprintf(rf->shown_path, n_shown, "%s/%s", shown_dir, name);
    }
    snprintf(rf->tmp_path, n, "%s/.%s.XXXXXX", dir, name);
    int fd = mkstemp(rf->tmp_path);
    if (fd < 0) {
        snprintf(err, n_err, "cannot write in output folder %s: %s",
                 shown_dir ? shown_dir : dir, strerror(errno));
        free(rf->tmp_path);
        rf->tmp_path = NULL;
        results_abandon(rf);
        return BASIN_EIO;
    }
    fchmod(fd, 0644);
    rf->f = fdopen(fd, "wb");
    if (!rf->f) {
        close(fd);
        snprintf(err, n_err, "cannot write %s: %s", results_shown(rf), strerror(errno));
        results_abandon(rf);
        return BASIN_EIO;
    }
    return BASIN_OK;
}

int results_commit(results_file *rf, char *err, size_t n_err)
{
    int failed = fflush(rf->f) != 0 || ferror(rf->f) || fsync(fileno(rf->f)) != 0;
    int saved = errno;
    if (fclose(rf->f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    rf->f = NULL;
    if (!failed && rename(rf->tmp_path, rf->final_path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        snprintf(err, n_err, "cannot write %s: %s", results_shown(rf), strerror(saved));
        results_abandon(rf);
        return BASIN_EIO;
    }
    free(rf->tmp_path);
    free(rf->final_path);
    free(rf->shown_path);
    rf->tmp_path = rf->final_path = rf->shown_path = NULL;
    return BASIN_OK;
}

void results_abandon(results_file *rf)
{
    if (rf->f)
        fclose(rf->f);
    if (rf->tmp_path)
        unlink(rf->tmp_path);
    free(rf->tmp_path);
    free(rf->final_path);
    free(rf->shown_path);
    memset(rf, 0, sizeof *rf);
}
