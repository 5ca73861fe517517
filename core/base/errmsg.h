/*
 * errmsg — the one-line message a core function leaves in a caller's buffer.
 */
#ifndef BASIN_ERRMSG_H
#define BASIN_ERRMSG_H

#include <stdarg.h>
#include <stdio.h>

/* printf into err (n_err bytes); err may be NULL. */
static inline void errmsg(char *err, size_t n_err, const char *fmt, ...)
{
    if (!err || n_err == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n_err, fmt, ap);
    va_end(ap);
}

#endif
