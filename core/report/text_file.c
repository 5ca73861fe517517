#include "report/text_file.h"

#include <errno.h>
#include <string.h>

#include "base/status.h"

FILE *text_file_open(const char *path, char *err, size_t n_err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, n_err, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

int text_file_close(FILE *f, const char *path, char *err, size_t n_err)
{
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad) {
        snprintf(err, n_err, "%s: write error", path);
        return BASIN_EWRITE;
    }
    return BASIN_OK;
}
