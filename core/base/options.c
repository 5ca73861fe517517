#include "base/options.h"

#include <stdio.h>
#include <string.h>

#include "base/errmsg.h"
#include "base/suggest.h"
#include "basin/plugin.h"

void options_init(options *op, int argc, char **argv, const char *shortopts,
                  const struct option *longopts)
{
    memset(op, 0, sizeof *op);
    op->argc = argc;
    op->argv = argv;
    op->longopts = longopts;
    /* ':' first: a missing value is reported as ':' rather than '?'; '+' would
       stop at the first operand, which GNU commands do not do. */
    snprintf(op->short_spec, sizeof op->short_spec, ":%s", shortopts ? shortopts : "");
    op->shortopts = op->short_spec;
    optind = 0; /* glibc: 0 restarts the scan, also inside clustered flags */
    opterr = 0;
}

/* The option's name as the user typed it: "--thread" of "--thread=2", or "-x". */
static void typed_name(const char *word, int short_opt, char *out, size_t n)
{
    if (short_opt) {
        snprintf(out, n, "-%c", short_opt);
        return;
    }
    size_t len = strcspn(word, "=");
    snprintf(out, n, "%.*s", (int)len, word);
}

/* "unknown option '--thred' (did you mean '--threads'?)". */
static int unknown(const options *op, const char *name, char *err, size_t n_err)
{
    const char *cand[64];
    char buf[64][40];
    size_t n = 0;
    for (const struct option *o = op->longopts; o && o->name && n < 64; o++, n++) {
        snprintf(buf[n], sizeof buf[n], "--%s", o->name);
        cand[n] = buf[n];
    }
    const char *near = suggest_closest(name, cand, n);
    errmsg(err, n_err, "%s: unknown option '%s'%s%s%s", op->argv[0], name,
           near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    return BASIN_EINVAL;
}

/* The long option argv[i] names ("--out" of "--out=x"), or NULL when it is not a
   long option of this command. */
static const struct option *long_named(const options *op, int i)
{
    if (i < 1 || i >= op->argc || strncmp(op->argv[i], "--", 2) != 0)
        return NULL;
    const char *w = op->argv[i] + 2;
    size_t len = strcspn(w, "=");
    for (const struct option *o = op->longopts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, w, len) == 0)
            return o;
    return NULL;
}

int options_next(options *op, char *err, size_t n_err)
{
    int index = -1;
    int c = getopt_long(op->argc, op->argv, op->shortopts, op->longopts, &index);
    op->arg = NULL;
    if (c == -1) {
        op->first_operand = optind;
        return 0;
    }
    char name[64];
    const char *last = optind - 1 < op->argc ? op->argv[optind - 1] : "";
    if (c == ':' || c == '?') {
        const struct option *o = long_named(op, optind - 1);
        int is_long = strncmp(last, "--", 2) == 0 && (optopt == 0 || (o && o->val == optopt));
        typed_name(last, is_long ? 0 : optopt, name, sizeof name);
        if (c == ':')
            errmsg(err, n_err, "%s: option '%s' needs a value", op->argv[0], name);
        else if (is_long && o)
            errmsg(err, n_err, "%s: option '%s' takes no value", op->argv[0], name);
        else
            return unknown(op, name, err, n_err);
        return BASIN_EINVAL;
    }
    if (index >= 0) {
        /* A long option, its word just before optind, or two before when its
           value was the next word: refuse abbreviations ("--thread"). */
        int at = optarg && optarg == op->argv[optind - 1] ? optind - 2 : optind - 1;
        if (long_named(op, at) != &op->longopts[index]) {
            typed_name(op->argv[at], 0, name, sizeof name);
            return unknown(op, name, err, n_err);
        }
    }
    op->arg = optarg;
    return c;
}
