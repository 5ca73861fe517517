#include "report/figures.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/status.h"
#include "measure/memorization.h"
#include "report/text_file.h"

#ifndef BASIN_GNUPLOT
#define BASIN_GNUPLOT ""
#endif

/* Panel sizes in pixels; a figure of several panels tiles them. */
enum { PANEL_W = 560, PANEL_H = 400, MAX_COLUMNS = 3, MAX_PANELS = 24 };

/* Series colours (ColorBrewer Dark2): memorized, spurious, generalized, grey. */
static const char *const COLOURS[] = {"#1b9e77", "#d95f02", "#7570b3", "#999999",
                                      "#e7298a", "#66a61e", "#e6ab02", "#a6761d"};
#define N_COLOURS (sizeof COLOURS / sizeof COLOURS[0])

/* ------------------------------------------------------------ gnuplot */

static int executable(const char *path)
{
    struct stat st;
    return path && *path && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

const char *figures_gnuplot(char *buf, size_t n, char *why, size_t n_why)
{
    const char *env = getenv("BASIN_GNUPLOT");
    if (env) {
        if (executable(env)) {
            snprintf(buf, n, "%s", env);
            return buf;
        }
        snprintf(why, n_why,
                 "gnuplot not found: BASIN_GNUPLOT='%s' is not an "
                 "executable file",
                 env);
        return NULL;
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":");
        if (len > 0 && snprintf(buf, n, "%.*s/gnuplot", (int)len, path) < (int)n &&
            executable(buf))
            return buf;
        path += len + (path[len] == ':');
    }
    if (executable(BASIN_GNUPLOT)) {
        snprintf(buf, n, "%s", BASIN_GNUPLOT);
        return buf;
    }
    snprintf(why, n_why,
             "gnuplot not found on PATH%s%s (install Debian's "
             "gnuplot-nox, or set BASIN_GNUPLOT)",
             *BASIN_GNUPLOT ? " nor at " : "", BASIN_GNUPLOT);
    return NULL;
}

/* Run `gnuplot NAME.gp` in dir. 0 when it succeeded and drew the images; else a
   reason in why (the line of gnuplot's error that names the script line). */
static int run_gnuplot(const char *gnuplot, const char *dir, report_figure *fig)
{
    char script[64], log[64];
    snprintf(script, sizeof script, "%s.gp", fig->name);
    snprintf(log, sizeof log, ".%s.log", fig->name);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(fig->skipped, sizeof fig->skipped, "cannot start gnuplot: %s",
                 strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, STDIN_FILENO);
        execl(gnuplot, "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    char path[4200], first[400] = "";
    snprintf(path, sizeof path, "%s/%s", dir, log);
    FILE *f = fopen(path, "r");
    char line[400];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strstr(line, script) || (!*first && strstr(line, "rror")))
            snprintf(first, sizeof first, "%s", line + strspn(line, " "));
    }
    if (f)
        fclose(f);
    unlink(path);
    int ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
    static const char *const EXT[] = {"svg", "png", "pdf"};
    for (int k = 0; ok && k < 3; k++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s.%s", dir, fig->name, EXT[k]);
        ok = (k == 0 && !fig->svg) || (stat(path, &st) == 0 && st.st_size > 0);
    }
    if (ok)
        return 0;
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127)
        snprintf(fig->skipped, sizeof fig->skipped, "%s could not be run", gnuplot);
    else
        snprintf(fig->skipped, sizeof fig->skipped, "gnuplot failed%s%s",
                 *first ? ": " : "", first);
    return -1;
}

/* ------------------------------------------------------------ sweep layout */

/* How a summary's sweep points are laid out: one axis along x, a panel per
   combination of the other axes' values. */
typedef struct layout {
    long x;           /* axis column along x, -1: none (one point) */
    int numeric, log; /* x is a number; x spans decades (log axis) */
    size_t n_panels;
    size_t *panel;             /* per row */
    double *xpos;              /* per row: the value, or its index if not numeric */
    size_t *order;             /* rows by (panel, x) */
    char **title;              /* per panel: "dimension N = 8" ("" with one) */
    const axis_labels *labels; /* the swept parameters' names (may be NULL) */
} layout;

static void layout_free(layout *L)
{
    for (size_t p = 0; L->title && p < L->n_panels; p++)
        free(L->title[p]);
    free(L->title);
    free(L->panel);
    free(L->xpos);
    free(L->order);
    memset(L, 0, sizeof *L);
}

size_t figures_axis_columns(const csv_table *t)
{
    long c = csv_table_column(t, "memorized_rate");
    return c < 0 ? 0 : (size_t)c;
}

static int is_number(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return *s && !*end && isfinite(*v);
}

static size_t distinct_values(const csv_table *t, size_t col)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        size_t k = 0;
        while (k < i && strcmp(csv_table_cell(t, k, col), csv_table_cell(t, i, col)))
            k++;
        n += k == i;
    }
    return n;
}

/* "label = value, ..." for the columns [first, first + n) of row, but column
   skip, into buf (labels: axis_label). Returns the length it would have (≥ n_buf
   when cut). */
static size_t axis_values(const csv_table *t, const axis_labels *labels, size_t row,
                          size_t first, size_t n, long skip, char *buf, size_t n_buf)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t c = first; c < first + n && used < n_buf; c++)
        if ((long)c != skip)
            used += (size_t)snprintf(buf + used, n_buf - used, "%s%s = %s",
                                     used ? ", " : "", axis_label(labels, t->header[c]),
                                     csv_table_cell(t, row, c));
    return used;
}

static const layout *sort_layout; /* qsort has no context argument */
static int by_panel_x(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const layout *L = sort_layout;
    if (L->panel[i] != L->panel[j])
        return L->panel[i] < L->panel[j] ? -1 : 1;
    if (L->xpos[i] != L->xpos[j])
        return L->xpos[i] < L->xpos[j] ? -1 : 1;
    return i < j ? -1 : (i > j);
}

/* The axis along x: a numeric axis beats a categorical one; then more values;
   then later (the fastest-varying) axes; `want` beats all when it is one. */
static void layout_pick_x(const csv_table *t, size_t n_axes, const char *want, layout *L)
{
    size_t best = 0;
    for (size_t a = 0; a < n_axes; a++) {
        int numeric = 1;
        double v;
        for (size_t i = 0; i < t->n_rows && numeric; i++)
            numeric = is_number(csv_table_cell(t, i, a), &v);
        size_t d = distinct_values(t, a);
        size_t score = (size_t)numeric * 1000000 + d;
        if (want && strcmp(t->header[a], want) == 0)
            score = (size_t)-1;
        if (L->x < 0 || score >= best) {
            best = score;
            L->x = (long)a;
            L->numeric = numeric;
        }
    }
}

/* Row i's position along x: its value, or on a categorical axis the rank of the
   value's first appearance (rows before i placed); 0 without an axis. */
static double layout_xpos(const csv_table *t, const layout *L, size_t i)
{
    double v = 0;
    if (L->x < 0)
        return 0;
    if (L->numeric) {
        is_number(csv_table_cell(t, i, (size_t)L->x), &v);
        return v;
    }
    for (size_t k = 0; k < i; k++)
        if (!strcmp(csv_table_cell(t, k, (size_t)L->x),
                    csv_table_cell(t, i, (size_t)L->x)))
            return L->xpos[k];
    size_t rank = 0;
    for (size_t m = 0; m < i; m++)
        rank = (size_t)fmax((double)rank, L->xpos[m] + 1);
    return (double)rank;
}

/* The first row up to i with row i's values of the axes other than x. */
static size_t layout_panel_row(const csv_table *t, size_t n_axes, const layout *L,
                               size_t i)
{
    size_t k = 0;
    for (; k < i; k++) {
        size_t a = 0;
        for (; a < n_axes; a++)
            if ((long)a != L->x &&
                strcmp(csv_table_cell(t, k, a), csv_table_cell(t, i, a)))
                break;
        if (a == n_axes)
            break;
    }
    return k;
}

/* Lay out the sweep-axis columns of summary t; prefer `want` along x when it is
   one of them. 0, or BASIN_ENOMEM with a message (L then empty). */
static int layout_make(const csv_table *t, const axis_labels *labels, const char *want,
                       layout *L, char *err, size_t n_err)
{
    size_t n_axes = figures_axis_columns(t);
    memset(L, 0, sizeof *L);
    L->labels = labels;
    L->x = -1;
    layout_pick_x(t, n_axes, want, L);
    L->panel = calloc(t->n_rows + 1, sizeof *L->panel);
    L->xpos = calloc(t->n_rows + 1, sizeof *L->xpos);
    L->order = calloc(t->n_rows + 1, sizeof *L->order);
    L->title = calloc(t->n_rows + 1, sizeof *L->title);
    if (!L->panel || !L->xpos || !L->order || !L->title)
        goto oom;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < t->n_rows; i++) {
        L->order[i] = i;
        L->xpos[i] = layout_xpos(t, L, i);
        lo = fmin(lo, L->xpos[i]);
        hi = fmax(hi, L->xpos[i]);
        size_t k = layout_panel_row(t, n_axes, L, i);
        if (k < i) {
            L->panel[i] = L->panel[k];
            continue;
        }
        L->panel[i] = L->n_panels;
        char title[512];
        axis_values(t, labels, i, 0, n_axes, L->x, title, sizeof title);
        if (!(L->title[L->n_panels++] = strdup(title)))
            goto oom;
    }
    L->log = L->numeric && lo > 0 && hi / lo >= 100;
    sort_layout = L;
    qsort(L->order, t->n_rows, sizeof *L->order, by_panel_x);
    return 0;
oom:
    layout_free(L);
    snprintf(err, n_err, "out of memory");
    return BASIN_ENOMEM;
}

/* ------------------------------------------------------------ writing */

static void put_real(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, " %.9g", v);
    else
        fputs(" NaN", f);
}

static double cell_number(const csv_table *t, size_t row, long col)
{
    double v;
    if (col < 0 || csv_table_number(t, row, (size_t)col, &v))
        return NAN;
    return v;
}

/* A gnuplot string literal in single quotes ('' for a quote). */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        if (*s != '\n')
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* The path dir/name.ext of a figure's file, into buf (FIGURE_PATH bytes). */
enum { FIGURE_PATH = 4200 };
static const char *figure_path(char *buf, const char *dir, const char *name,
                               const char *ext)
{
    snprintf(buf, FIGURE_PATH, "%s/%s.%s", dir, name, ext);
    return buf;
}

/* The script's opening: a comment (what: the columns of the data), then a loop
   drawing the body as SVG, PNG and PDF (the PDF at 100 pixels to the inch, its
   fonts in points: a panel is 5.6 × 4 in, for a page or a slide). */
static void script_begin(FILE *f, const report_figure *fig, const char *what)
{
    fprintf(f,
            "# %s\n# %s\n# Data: %s.dat. Redraw %s.png and %s.pdf with: gnuplot "
            "%s.gp\n",
            fig->title, what, fig->name, fig->name, fig->name, fig->name);
    if (fig->svg)
        fprintf(f, "# (it draws %s.svg as well)\n", fig->name);
    fprintf(f, "set datafile missing 'NaN'\n");
    fprintf(f, "do for [pass = %d:3] {\n", fig->svg ? 1 : 2);
    fprintf(f,
            "if (pass == 1) {\n"
            "  set terminal svg size %u,%u font 'sans,13' noenhanced "
            "background rgb 'white'\n"
            "  set output '%s.svg'\n"
            "} else {\n"
            "if (pass == 2) {\n"
            "  set terminal pngcairo size %u,%u font 'sans,11' "
            "noenhanced background rgb 'white'\n"
            "  set output '%s.png'\n"
            "} else {\n"
            "  set terminal pdfcairo size %.2fin,%.2fin font 'sans,9' noenhanced\n"
            "  set output '%s.pdf'\n"
            "}\n}\n",
            fig->width, fig->height, fig->name, fig->width, fig->height, fig->name,
            fig->width / 100.0, fig->height / 100.0, fig->name);
    fprintf(f, "set grid lc rgb '#dddddd'\nset key top right\n");
}

/* The body of a figure's script: its settings and plots, from what the figure
   shows (plot). */
typedef void (*script_body)(FILE *f, const void *plot);

/* NAME.gp: script_begin's opening (what: the columns of NAME.dat), body, the end
   of the loop; then the images when gnuplot is not NULL. 0 (fig->drawn, or
   fig->skipped saying why not), or BASIN_EWRITE with a message when the script
   cannot be written. */
static int write_script(const char *dir, const char *gnuplot, report_figure *fig,
                        const char *what, script_body body, const void *plot, char *err,
                        size_t n_err)
{
    char path[FIGURE_PATH];
    FILE *f = text_file_open(figure_path(path, dir, fig->name, "gp"), err, n_err);
    if (!f)
        return BASIN_EWRITE;
    script_begin(f, fig, what);
    body(f, plot);
    fprintf(f, "unset multiplot\nset output\n}\n");
    int rc = text_file_close(f, path, err, n_err);
    if (rc == 0 && gnuplot)
        fig->drawn = run_gnuplot(gnuplot, dir, fig) == 0;
    return rc;
}

/* A figure that is drawn, as PNG and SVG. */
static void figure_begin(report_figure *fig, const char *name, const char *title)
{
    fig->name = name;
    fig->present = 1;
    fig->title = title;
    fig->svg = 1;
}

static void set_size(report_figure *fig, size_t panels, size_t columns)
{
    size_t cols = panels < columns ? panels : columns;
    size_t rows = (panels + cols - 1) / cols;
    fig->width = (uint32_t)(cols * PANEL_W);
    fig->height = (uint32_t)(rows * PANEL_H);
}

/* Pixels a key of `entries` entries of at most `longest` characters takes across
   a plot `width` pixels wide (gnuplot packs them into as many columns as fit). */
static uint32_t key_height(size_t entries, size_t longest, uint32_t width)
{
    size_t per = 8 * longest + 70, cols = per < width ? (width - 40) / per : 1;
    cols = cols ? cols : 1;
    return (uint32_t)(22 * ((entries + cols - 1) / cols) + 10);
}

/* The rows key_height counts. */
static size_t key_rows(size_t entries, size_t longest, uint32_t width)
{
    return ((size_t)key_height(entries, longest, width) - 10) / 22;
}

/* The label of the x axis, or `none` without one. */
static const char *x_name(const csv_table *t, const layout *L, const char *none)
{
    return L->x >= 0 ? axis_label(L->labels, t->header[L->x]) : none;
}

/* The caption's words for the x axis: "training set size K (dataset.count)". */
static const char *x_words(const csv_table *t, const layout *L, const char *none,
                           char *buf, size_t n)
{
    if (L->x < 0)
        return none;
    const char *label = x_name(t, L, none);
    if (strcmp(label, t->header[L->x]) == 0)
        return label;
    snprintf(buf, n, "%s (%s)", label, t->header[L->x]);
    return buf;
}

/* Set the x axis of a layout's panels. */
static void script_x(FILE *f, const csv_table *t, const layout *L, const char *label)
{
    fprintf(f, "set xlabel ");
    put_quoted(f, label ? label : x_name(t, L, ""));
    fputc('\n', f);
    if (L->log)
        fprintf(f, "set logscale x\n");
    else
        fprintf(f, "unset logscale x\n");
    if (L->x < 0 || !L->numeric)
        fprintf(f, "set offsets 0.5, 0.5, 0, 0\n");
    else
        fprintf(f, "set offsets graph 0.03, graph 0.03, 0, 0\n");
}

/* The x column of a data row and, for a categorical axis, its tic label. */
static void put_x(FILE *f, const layout *L, size_t row)
{
    fprintf(f, "%.9g", L->xpos[row]);
}

static void put_x_label(FILE *f, const csv_table *t, const layout *L, size_t row)
{
    fputc(' ', f);
    const char *s = L->x >= 0 ? csv_table_cell(t, row, (size_t)L->x) : "run";
    fputc('"', f);
    for (; *s; s++)
        if (*s != '"' && *s != '\n')
            fputc(*s, f);
    fputc('"', f);
}

/* The xtic(...) suffix of a using clause for a categorical axis. */
static const char *xtic(const layout *L, int label_column, char *buf, size_t n)
{
    if (L->x >= 0 && L->numeric)
        return "";
    snprintf(buf, n, ":xtic(%d)", label_column);
    return buf;
}

/* Any finite value in column col of a panel's rows? */
static int panel_has(const csv_table *t, const layout *L, size_t panel, long col)
{
    for (size_t i = 0; i < t->n_rows; i++)
        if (L->panel[i] == panel && isfinite(cell_number(t, i, col)))
            return 1;
    return 0;
}

/* The data of a figure over a layout: the first `panels` panels of L, a block
   each (a gnuplot index) headed "# BLOCK p: title", whose rows, by x, are x,
   the values put_values writes for the summary row (from plot) and the x
   label. The file opens with "# X-NAME" and columns. */
typedef struct layout_dat {
    const csv_table *t;
    const layout *L;
    size_t panels;
    const char *block;   /* "panel" or "curve" */
    const char *columns; /* the header after the x axis's name */
    void (*put_values)(FILE *f, const void *plot, size_t row);
    const void *plot;
} layout_dat;

/* NAME.dat as D says. BASIN_OK, or BASIN_EWRITE with a message. */
static int write_layout_dat(const layout_dat *D, const char *dir, const char *name,
                            char *err, size_t n_err)
{
    const csv_table *t = D->t;
    const layout *L = D->L;
    char path[FIGURE_PATH];
    FILE *f = text_file_open(figure_path(path, dir, name, "dat"), err, n_err);
    if (!f)
        return BASIN_EWRITE;
    fprintf(f, "# %s%s", L->x >= 0 ? t->header[L->x] : "(no sweep)", D->columns);
    for (size_t p = 0; p < D->panels; p++) {
        fprintf(f, "# %s %zu: %s\n", D->block, p, L->title[p]);
        for (size_t k = 0; k < t->n_rows; k++) {
            size_t i = L->order[k];
            if (L->panel[i] != p)
                continue;
            put_x(f, L, i);
            D->put_values(f, D->plot, i);
            put_x_label(f, t, L, i);
            fputc('\n', f);
        }
        fprintf(f, "\n\n");
    }
    return text_file_close(f, path, err, n_err);
}

/* ------------------------------------------------------------ rates */

/* What the rates figure shows: each rate and the bounds of its interval. */
typedef struct rates_plot {
    const csv_table *t;
    layout L;
    size_t panels;  /* at most MAX_PANELS */
    long col[5][3]; /* memorized, spurious, generalized, off_support, unconverged:
                       rate, lo, hi (off_support: -1 in a folder from before it) */
} rates_plot;

/* The colour of each rate: off_support pink, unconverged grey. */
static const int RATE_COLOUR[5] = {0, 1, 2, 4, 3};

static void rates_columns(rates_plot *P)
{
    static const char *const RATES[] = {"memorized_rate", "spurious_rate",
                                        "generalized_rate", "off_support_rate",
                                        "unconverged_rate"};
    for (int c = 0; c < 5; c++)
        for (int k = 0; k < 3; k++) {
            char name[64];
            snprintf(name, sizeof name, "%s%s", RATES[c],
                     k == 1   ? "_lo"
                     : k == 2 ? "_hi"
                              : "");
            P->col[c][k] = csv_table_column(P->t, name);
        }
}

/* Row i of rates.dat: rate, lo, hi of each class. */
static void rates_values(FILE *f, const void *plot, size_t i)
{
    const rates_plot *P = plot;
    for (int c = 0; c < 5; c++)
        for (int m = 0; m < 3; m++)
            put_real(f, cell_number(P->t, i, P->col[c][m]));
}

/* Panel p: a band and a line per rate with values there (off_support and
   unconverged only where some state was). */
/* The x label of a one-point panel: the x axis's value at row, or nothing;
   into buf (n bytes). */
static const char *point_label(const rates_plot *P, size_t row, char *buf, size_t n)
{
    if (P->L.x < 0)
        return "";
    snprintf(buf, n, "%s = %s", x_name(P->t, &P->L, ""),
             csv_table_cell(P->t, row, (size_t)P->L.x));
    return buf;
}

static void script_rates_panel(FILE *f, const rates_plot *P, size_t p)
{
    static const char *const NAMES[] = {"memorized", "spurious", "generalized",
                                        "off_support", "unconverged"};
    const csv_table *t = P->t;
    char tic[32];
    size_t rows = 0, row = 0;
    for (size_t i = 0; i < t->n_rows; i++)
        if (P->L.panel[i] == p) {
            rows++;
            row = i;
        }
    fprintf(f, "set title ");
    put_quoted(f, P->L.title[p]);
    int shown[5], n_shown = 0;
    for (int c = 0; c < 5; c++) {
        int any = 0;
        for (size_t i = 0; i < t->n_rows; i++)
            any |= P->L.panel[i] == p && cell_number(t, i, P->col[c][0]) > 0;
        if (!((c >= 3 && !any) || !panel_has(t, &P->L, p, P->col[c][0])))
            shown[n_shown++] = c;
    }
    if (rows == 1) {
        /* One point: a rate per class along x, each with its interval. */
        fprintf(f,
                "\nunset key\nunset logscale x\nset offsets 0, 0, 0, 0\n"
                "set xrange [-0.5:%d.5]\nset xlabel ",
                n_shown - 1);
        char label[400];
        put_quoted(f, point_label(P, row, label, sizeof label));
        fprintf(f, "\nset xtics (");
        for (int k = 0; k < n_shown; k++)
            fprintf(f, "%s'%s' %d", k ? ", " : "", NAMES[shown[k]], k);
        fprintf(f, ")\nplot ");
        for (int k = 0; k < n_shown; k++)
            fprintf(f,
                    "%s'rates.dat' index %zu using (%d):%d:%d:%d with yerrorbars "
                    "lc rgb '%s' lw 2 pt 7 ps 1.2 notitle",
                    k ? ", \\\n     " : "", p, k, 2 + 3 * shown[k], 3 + 3 * shown[k],
                    4 + 3 * shown[k], COLOURS[RATE_COLOUR[shown[k]]]);
        fputc('\n', f);
        return;
    }
    fprintf(f, "\nplot ");
    int first = 1;
    for (int k = 0; k < n_shown; k++) {
        int c = shown[k];
        fprintf(f,
                "%s'rates.dat' index %zu using 1:%d:%d with filledcurves "
                "lc rgb '%s' notitle, \\\n     '' index %zu using 1:%d%s "
                "with linespoints lc rgb '%s' lw 2 pt 7 ps 0.8 title '%s'",
                first ? "" : ", \\\n     ", p, 3 + 3 * c, 4 + 3 * c,
                COLOURS[RATE_COLOUR[c]], p, 2 + 3 * c, xtic(&P->L, 17, tic, sizeof tic),
                COLOURS[RATE_COLOUR[c]], NAMES[c]);
        first = 0;
    }
    fputc('\n', f);
}

/* The body of rates.gp: a panel per sweep panel. */
static void script_rates(FILE *f, const void *plot)
{
    const rates_plot *P = plot;
    script_x(f, P->t, &P->L, NULL);
    /* The key above each panel: below, it would meet the x label. */
    fprintf(f, "set key outside top center horizontal reverse Left samplen 2\n"
               "set ylabel 'rate'\nset yrange [-0.02:1.02]\n"
               "set style fill transparent solid 0.2 noborder\n");
    size_t cols = P->panels < MAX_COLUMNS ? P->panels : MAX_COLUMNS;
    fprintf(f, "set multiplot layout %zu,%zu\n", (P->panels + cols - 1) / cols, cols);
    for (size_t p = 0; p < P->panels; p++)
        script_rates_panel(f, P, p);
}

int figures_rates(const csv_table *t, const axis_labels *labels, const char *dir,
                  const char *gnuplot, report_figure *fig, char *err, size_t n_err)
{
    char xw[300];
    memset(fig, 0, sizeof *fig);
    figure_begin(fig, "rates", "Memorized, spurious and generalized rates");
    rates_plot P = {.t = t};
    int rc = layout_make(t, labels, NULL, &P.L, err, n_err);
    if (rc)
        return rc;
    const layout *L = &P.L;
    P.panels = L->n_panels < MAX_PANELS ? L->n_panels : MAX_PANELS;
    set_size(fig, P.panels, MAX_COLUMNS);
    rates_columns(&P);
    const layout_dat D = {
        .t = t,
        .L = L,
        .panels = P.panels,
        .block = "panel",
        .columns =
            ": rate, lower and upper bound of the bootstrap interval, for "
            "memorized, spurious,\n# generalized, off_support and unconverged; a block "
            "per panel (gnuplot index), rows by x\n",
        .put_values = rates_values,
        .plot = &P,
    };
    rc = write_layout_dat(&D, dir, fig->name, err, n_err);
    if (rc == BASIN_OK) {
        snprintf(fig->caption, sizeof fig->caption,
                 "Fraction of final states that are memorized training points, spurious "
                 "attractors or generalized, %s%s, with the confidence %s of each "
                 "rate%s%s.",
                 L->x < 0 ? "" : "against ",
                 x_words(t, L, "at the single sweep point", xw, sizeof xw),
                 L->x < 0 ? "interval" : "band",
                 L->n_panels > 1 ? "; a panel per value of the other swept parameters"
                                 : "",
                 L->n_panels > MAX_PANELS ? " (the first 24 panels)" : "");
        rc = write_script(dir, gnuplot, fig,
                          "Columns of rates.dat: x, then rate, lo, hi for memorized "
                          "(2-4), spurious (5-7),\n# generalized (8-10), off_support "
                          "(11-13) and unconverged (14-16); 17 is the x label.",
                          script_rates, &P, err, n_err);
    }
    layout_free(&P.L);
    return rc;
}

/* ------------------------------------------------------------ models */

/* The models figure ([[model]], docs/recipes.md): the rates of rates.dat, a
   panel per class and a curve per model (per combination of the swept values
   other than x: the layout's panels), so that models compare at a glance. */
static void script_models(FILE *f, const void *plot)
{
    static const char *const NAMES[] = {"memorized", "spurious", "generalized"};
    const rates_plot *P = plot;
    script_x(f, P->t, &P->L, NULL);
    /* The key above the panels: below, it would meet the x label. */
    fprintf(f, "set key outside top center horizontal reverse Left samplen 2\n"
               "set ylabel 'rate'\nset yrange [-0.02:1.02]\n"
               "set style fill transparent solid 0.15 noborder\n"
               "set multiplot layout 1,3\n");
    for (int c = 0; c < 3; c++) {
        fprintf(f, "set title '%s'\nplot ", NAMES[c]);
        for (size_t p = 0; p < P->panels; p++) {
            const char *colour = COLOURS[p % N_COLOURS];
            fprintf(f,
                    "%s'models.dat' index %zu using 1:%d:%d with filledcurves "
                    "lc rgb '%s' notitle, \\\n     '' index %zu using 1:%d with "
                    "linespoints lc rgb '%s' lw 2 pt 7 ps 0.8 title ",
                    p ? ", \\\n     " : "", p, 3 + 3 * c, 4 + 3 * c, colour, p, 2 + 3 * c,
                    colour);
            put_quoted(f, P->L.title[p]);
        }
        fputc('\n', f);
    }
}

int figures_models(const csv_table *t, const axis_labels *labels, const char *dir,
                   const char *gnuplot, report_figure *fig, char *err, size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    long model = csv_table_column(t, "model");
    if (model < 0 || (size_t)model >= figures_axis_columns(t) ||
        distinct_values(t, (size_t)model) < 2)
        return BASIN_OK;
    rates_plot P = {.t = t};
    int rc = layout_make(t, labels, NULL, &P.L, err, n_err);
    if (rc)
        return rc;
    const layout *L = &P.L;
    /* Along a numeric x only (with the models alone along x, the rates figure is
       the comparison), and a legible number of curves. */
    if (L->x < 0 || L->x == model || !L->numeric || L->n_panels > N_COLOURS) {
        layout_free(&P.L);
        return BASIN_OK;
    }
    figure_begin(fig, "models", "The models side by side");
    P.panels = L->n_panels;
    set_size(fig, 3, 3);
    rates_columns(&P);
    const layout_dat D = {
        .t = t,
        .L = L,
        .panels = P.panels,
        .block = "curve",
        .columns = ": rate, lower and upper bound of the bootstrap interval, for "
                   "memorized, spurious,\n# generalized, off_support and "
                   "unconverged; a block per model (gnuplot index), rows by x\n",
        .put_values = rates_values,
        .plot = &P,
    };
    rc = write_layout_dat(&D, dir, fig->name, err, n_err);
    if (rc == BASIN_OK) {
        snprintf(fig->caption, sizeof fig->caption,
                 "The models of the recipe's [[model]] list side by side: the "
                 "memorized, spurious and generalized rates against %s, a curve per "
                 "model with the bootstrap band of each rate.",
                 x_name(t, L, ""));
        rc = write_script(dir, gnuplot, fig,
                          "Columns of models.dat: those of rates.dat, a block per "
                          "model.",
                          script_models, &P, err, n_err);
    }
    layout_free(&P.L);
    return rc;
}

/* ------------------------------------------------------------ collapse time */

/* What the collapse figure shows: the measured collapse time with its standard
   error and the closed form, a curve per panel of the layout. */
typedef struct collapse_plot {
    const csv_table *t;
    layout L;
    long c_t, c_se, c_th;
    int is_p;   /* x is the number of training points */
    int theory; /* some point has the closed form */
} collapse_plot;

/* Row i of collapse.dat: t_collapse, its standard error, the closed form. */
static void collapse_values(FILE *f, const void *plot, size_t i)
{
    const collapse_plot *P = plot;
    put_real(f, cell_number(P->t, i, P->c_t));
    put_real(f, cell_number(P->t, i, P->c_se));
    put_real(f, cell_number(P->t, i, P->c_th));
}

static void collapse_caption(report_figure *fig, const collapse_plot *P)
{
    char xw[300];
    const layout *L = &P->L;
    snprintf(fig->caption, sizeof fig->caption,
             "Mean collapse time of the reverse trajectories (OU time; the start of the "
             "final stretch in which the nearest training point no longer changes), "
             "± one standard error, against %s%s%s.",
             P->is_p ? "the number of training points P"
                     : x_words(P->t, L, "the single sweep point", xw, sizeof xw),
             P->theory ? ", with the closed form t_C = ½ log(1 + σ²/(P^{2/d} − 1)) "
                         "(Biroli et al. 2024) at the same points as dashed lines"
                       : "",
             L->n_panels > 1 ? "; a curve per value of the other swept parameters" : "");
}

/* The body of collapse.gp: a curve per sweep panel, and its closed form. */
static void script_collapse(FILE *f, const void *plot)
{
    const collapse_plot *P = plot;
    const layout *L = &P->L;
    script_x(f, P->t, L, NULL);
    fprintf(f, "set ylabel 'collapse time (OU time)'\nset key below reverse Left "
               "samplen 2\n"
               "set multiplot\n");
    char tic[32];
    fprintf(f, "plot ");
    for (size_t p = 0; p < L->n_panels; p++) {
        const char *colour = COLOURS[p % N_COLOURS];
        const char *title = *L->title[p] ? L->title[p] : "measured";
        fprintf(f,
                "%s'collapse.dat' index %zu using 1:2:3%s with yerrorlines lc rgb "
                "'%s' pt 7 ps 0.8 title ",
                p ? ", \\\n     " : "", p, xtic(L, 5, tic, sizeof tic), colour);
        put_quoted(f, title);
        if (panel_has(P->t, L, p, P->c_th)) {
            char th[560];
            snprintf(th, sizeof th, "t_C%s%s", *L->title[p] ? ", " : "", L->title[p]);
            fprintf(f,
                    ", \\\n     '' index %zu using 1:4 with lines dt 2 lw 2 lc rgb "
                    "'%s' title ",
                    p, colour);
            put_quoted(f, th);
        }
    }
    fputc('\n', f);
}

int figures_collapse(const csv_table *t, const axis_labels *labels, const char *dir,
                     const char *gnuplot, report_figure *fig, char *err, size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    collapse_plot P = {.t = t};
    P.c_t = csv_table_column(t, "t_collapse");
    P.c_se = csv_table_column(t, "t_collapse_se");
    P.c_th = csv_table_column(t, "t_collapse_theory");
    int any = 0;
    for (size_t i = 0; i < t->n_rows; i++)
        any |= isfinite(cell_number(t, i, P.c_t));
    if (P.c_t < 0 || !any)
        return BASIN_OK; /* no such figure */
    figure_begin(fig, "collapse", "Collapse time");
    int rc = layout_make(t, labels, "dataset.count", &P.L, err, n_err);
    if (rc)
        return rc;
    set_size(fig, 1, 1);
    fig->width = PANEL_W + 100;
    size_t entries = 0, longest = 0; /* room for the key below the plot */
    for (size_t p = 0; p < P.L.n_panels; p++) {
        entries += 1 + (size_t)panel_has(t, &P.L, p, P.c_th);
        size_t len = strlen(P.L.title[p]) + 5;
        longest = len > longest ? len : longest;
    }
    fig->height += key_height(entries, longest, fig->width);
    P.is_p = P.L.x >= 0 && strcmp(t->header[P.L.x], "dataset.count") == 0;
    for (size_t p = 0; p < P.L.n_panels; p++)
        P.theory |= panel_has(t, &P.L, p, P.c_th);
    const layout_dat D = {
        .t = t,
        .L = &P.L,
        .panels = P.L.n_panels,
        .block = "curve",
        .columns = ", measured collapse time (OU time, mean over trajectories), "
                   "its standard error,\n# the closed form t_C; a block per "
                   "curve\n",
        .put_values = collapse_values,
        .plot = &P,
    };
    rc = write_layout_dat(&D, dir, fig->name, err, n_err);
    if (rc == BASIN_OK) {
        collapse_caption(fig, &P);
        rc = write_script(dir, gnuplot, fig,
                          "Columns of collapse.dat: x, t_collapse, its standard error, "
                          "t_collapse_theory, x label.",
                          script_collapse, &P, err, n_err);
    }
    layout_free(&P.L);
    return rc;
}

/* ------------------------------------------------------------ φ_C(t) */

/* What the φ_C figure shows: a curve per sweep point of collapse.csv. */
typedef struct phi_plot {
    const csv_table *t;
    const axis_labels *labels;
    size_t n_axes; /* the sweep columns before `clone` */
    long c_t, c_phi, c_lo, c_hi;
    size_t *curve; /* per row: its curve */
    size_t *first; /* per curve: its first row */
    size_t n_curves;
} phi_plot;

/* A curve per sweep point: rows with the same axis values. BASIN_OK or
   BASIN_ENOMEM. */
static int phi_curves(phi_plot *P, char *err, size_t n_err)
{
    const csv_table *t = P->t;
    P->curve = calloc(t->n_rows + 1, sizeof *P->curve);
    P->first = calloc(t->n_rows + 1, sizeof *P->first);
    if (!P->curve || !P->first) {
        snprintf(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    for (size_t i = 0; i < t->n_rows; i++) {
        size_t k = 0;
        for (; k < P->n_curves; k++) {
            size_t a = 0;
            while (a < P->n_axes &&
                   !strcmp(csv_table_cell(t, P->first[k], a), csv_table_cell(t, i, a)))
                a++;
            if (a == P->n_axes)
                break;
        }
        if (k == P->n_curves)
            P->first[P->n_curves++] = i;
        P->curve[i] = k;
    }
    return BASIN_OK;
}

static int write_phi_dat(const phi_plot *P, const char *dir, const char *name, char *err,
                         size_t n_err)
{
    const csv_table *t = P->t;
    char path[FIGURE_PATH];
    FILE *f = text_file_open(figure_path(path, dir, name, "dat"), err, n_err);
    if (!f)
        return BASIN_EWRITE;
    fprintf(f, "# clone time (OU time), phi, lo, hi; a block per sweep point\n");
    for (size_t k = 0; k < P->n_curves; k++) {
        fprintf(f, "# curve %zu:", k);
        for (size_t a = 0; a < P->n_axes; a++)
            fprintf(f, " %s = %s", t->header[a], csv_table_cell(t, P->first[k], a));
        fputc('\n', f);
        for (size_t i = 0; i < t->n_rows; i++) {
            if (P->curve[i] != k)
                continue;
            double v = cell_number(t, i, P->c_t);
            fprintf(f, "%.9g", isfinite(v) ? v : NAN);
            put_real(f, cell_number(t, i, P->c_phi));
            put_real(f, cell_number(t, i, P->c_lo));
            put_real(f, cell_number(t, i, P->c_hi));
            fputc('\n', f);
        }
        fprintf(f, "\n\n");
    }
    return text_file_close(f, path, err, n_err);
}

/* The body of phi.gp: a band and a curve per sweep point. */
static void script_phi(FILE *f, const void *plot)
{
    const phi_plot *P = plot;
    fprintf(f, "set xlabel 'clone time t (OU time)'\nset ylabel 'φ_C(t)'\n"
               "set yrange [-0.02:1.02]\nset key below reverse Left samplen 2\n"
               "set style fill transparent solid 0.15 noborder\nset multiplot\nplot ");
    for (size_t k = 0; k < P->n_curves; k++) {
        const char *colour = COLOURS[k % N_COLOURS];
        char title[512];
        axis_values(P->t, P->labels, P->first[k], 0, P->n_axes, -1, title, sizeof title);
        fprintf(f,
                "%s'phi.dat' index %zu using 1:3:4 with filledcurves lc rgb '%s' "
                "notitle, \\\n     '' index %zu using 1:2 with linespoints lw 2 "
                "pt 7 ps 0.6 lc rgb '%s' title ",
                k ? ", \\\n     " : "", k, colour, k, colour);
        put_quoted(f, *title ? title : "φ_C");
    }
    fputc('\n', f);
}

int figures_phi(const csv_table *t, const axis_labels *labels, const char *dir,
                const char *gnuplot, report_figure *fig, char *err, size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    phi_plot P = {.t = t, .labels = labels};
    long c_clone = csv_table_column(t, "clone");
    P.c_t = csv_table_column(t, "t_ou");
    P.c_phi = csv_table_column(t, "phi");
    P.c_lo = csv_table_column(t, "phi_lo");
    P.c_hi = csv_table_column(t, "phi_hi");
    if (c_clone < 0 || P.c_phi < 0 || t->n_rows == 0)
        return BASIN_OK; /* no such figure */
    figure_begin(fig, "phi", "φ_C(t): clones that end on the same training point");
    P.n_axes = (size_t)c_clone;
    int rc = phi_curves(&P, err, n_err);
    if (rc == BASIN_OK) {
        set_size(fig, 1, 1);
        fig->width = PANEL_W + 100;
        size_t longest = 0; /* room for the key below the plot */
        for (size_t k = 0; k < P.n_curves; k++) {
            char title[512];
            size_t len =
                axis_values(t, labels, P.first[k], 0, P.n_axes, -1, title, sizeof title);
            longest = len > longest ? len : longest;
        }
        fig->height += key_height(P.n_curves, longest, fig->width);
        rc = write_phi_dat(&P, dir, fig->name, err, n_err);
    }
    if (rc == BASIN_OK) {
        snprintf(fig->caption, sizeof fig->caption,
                 "φ_C(t): the fraction of trajectories cloned at time t (OU time) whose "
                 "copy, continued with fresh noise, ends on the same training point "
                 "(Biroli et al. 2024), with its bootstrap band; a curve per sweep "
                 "point.");
        rc = write_script(dir, gnuplot, fig,
                          "Columns of phi.dat: clone time (OU), phi, lo, hi.", script_phi,
                          &P, err, n_err);
    }
    free(P.curve);
    free(P.first);
    return rc;
}

/* ------------------------------------------------------------ landscape */

static const char *const CLASSES[] = {"memorized", "spurious", "generalized"};

/* What the landscape figure shows: the summary's attractor counts and, per
   (sweep point, class), the sums of attractors.csv's radius and λ_min. */
typedef struct landscape_plot {
    const csv_table *t;
    layout L;
    size_t panels; /* at most 8 */
    long c_count[3];
    double *sum; /* per summary row and class: radius sum and count, λ_min sum
                    and count (12 per row) */
    int has[3];  /* kinds of panel drawn: counts, radius, curvature */
    size_t kinds;
} landscape_plot;

/* Sum radius and λ_min per (sweep point, class) from attractors.csv; its `point`
   column is the summary's row. BASIN_OK or BASIN_ENOMEM. */
static int landscape_sums(landscape_plot *P, const csv_table *att, char *err,
                          size_t n_err)
{
    long a_point = csv_table_column(att, "point"),
         a_class = csv_table_column(att, "class");
    long a_radius = csv_table_column(att, "radius");
    long a_lmin = csv_table_column(att, "lambda_min");
    size_t n = P->t->n_rows;
    if (!(P->sum = calloc(n * 12 + 1, sizeof *P->sum))) {
        snprintf(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    for (size_t i = 0; i < att->n_rows && a_point >= 0 && a_class >= 0; i++) {
        double p = cell_number(att, i, a_point);
        int c = 0;
        while (c < 3 && strcmp(csv_table_cell(att, i, (size_t)a_class), CLASSES[c]))
            c++;
        if (!(p >= 0 && p < (double)n) || c == 3)
            continue;
        double *s = P->sum + (size_t)p * 12 + (size_t)c * 4;
        double r = cell_number(att, i, a_radius), l = cell_number(att, i, a_lmin);
        if (isfinite(r)) {
            s[0] += r;
            s[1]++;
        }
        if (isfinite(l)) {
            s[2] += l;
            s[3]++;
        }
    }
    P->has[0] = 1;
    for (size_t i = 0; i < n * 3; i++) {
        P->has[1] |= P->sum[i * 4 + 1] > 0;
        P->has[2] |= P->sum[i * 4 + 3] > 0;
    }
    P->kinds = 1 + (size_t)P->has[1] + (size_t)P->has[2];
    return BASIN_OK;
}

/* Row i of landscape.dat: attractors per job, then the mean radius and the mean
   λ_min, each for the three classes. */
static void landscape_values(FILE *f, const void *plot, size_t i)
{
    const landscape_plot *P = plot;
    for (int c = 0; c < 3; c++)
        put_real(f, cell_number(P->t, i, P->c_count[c]));
    for (int m = 0; m < 2; m++)
        for (int c = 0; c < 3; c++) {
            const double *s = P->sum + i * 12 + (size_t)c * 4 + m * 2;
            put_real(f, s[1] > 0 ? s[0] / s[1] : NAN);
        }
}

/* The plot of panel p's kind k (0 counts, 1 radius, 2 curvature): a curve per
   class with values there, or an empty slot. */
static void script_landscape_plot(FILE *f, const landscape_plot *P, size_t p, int k)
{
    static const char *const YLABEL[] = {"attractors per job", "mean basin radius",
                                         "mean λ_min of the Hessian"};
    const csv_table *t = P->t;
    char tic[32];
    int first = 1;
    fprintf(f, "set ylabel '%s'\nset title ", YLABEL[k]);
    put_quoted(f, P->L.title[p]);
    fputc('\n', f);
    for (int c = 0; c < 3; c++) {
        int col = 2 + 3 * k + c, any = 0;
        for (size_t i = 0; i < t->n_rows; i++) {
            if (P->L.panel[i] != p)
                continue;
            if (k == 0)
                any |= isfinite(cell_number(t, i, P->c_count[c]));
            else
                any |= P->sum[i * 12 + (size_t)c * 4 + (size_t)(k - 1) * 2 + 1] > 0;
        }
        if (!any)
            continue;
        fprintf(f,
                "%s'landscape.dat' index %zu using 1:%d%s with linespoints "
                "lw 2 pt 7 ps 0.8 lc rgb '%s' title '%s'",
                first ? "plot " : ", ", p, col, xtic(&P->L, 11, tic, sizeof tic),
                COLOURS[c], CLASSES[c]);
        first = 0;
    }
    if (first) /* nothing of this kind in this panel */
        fprintf(f, "set multiplot next");
    fputc('\n', f);
}

/* The body of landscape.gp: a row of plots per sweep panel, one per kind. */
static void script_landscape(FILE *f, const void *plot)
{
    const landscape_plot *P = plot;
    script_x(f, P->t, &P->L, NULL);
    /* The key above each panel, clear of the curves and the x label. */
    fprintf(f,
            "set key outside top center horizontal reverse Left samplen 2\n"
            "set multiplot layout %zu,%zu\n",
            P->panels, P->kinds);
    for (size_t p = 0; p < P->panels; p++)
        for (int k = 0; k < 3; k++)
            if (P->has[k])
                script_landscape_plot(f, P, p, k);
}

int figures_landscape(const csv_table *t, const csv_table *att, const axis_labels *labels,
                      const char *dir, const char *gnuplot, report_figure *fig, char *err,
                      size_t n_err)
{
    char xw[300];
    memset(fig, 0, sizeof *fig);
    landscape_plot P = {.t = t};
    for (int c = 0; c < 3; c++) {
        char name[64];
        snprintf(name, sizeof name, "attractors_%s", CLASSES[c]);
        P.c_count[c] = csv_table_column(t, name);
    }
    if (P.c_count[0] < 0 || !att)
        return BASIN_OK; /* no such figure */
    figure_begin(fig, "landscape", "Attractors, basin radii and curvature by class");
    int rc = layout_make(t, labels, NULL, &P.L, err, n_err);
    if (rc)
        return rc;
    P.panels = P.L.n_panels < 8 ? P.L.n_panels : 8;
    rc = landscape_sums(&P, att, err, n_err);
    if (rc == BASIN_OK) {
        fig->width = (uint32_t)(P.kinds * PANEL_W);
        fig->height = (uint32_t)(P.panels * PANEL_H);
        const layout_dat D = {
            .t = t,
            .L = &P.L,
            .panels = P.panels,
            .block = "panel",
            .columns = "; attractors per job (memorized, spurious, generalized), "
                       "mean basin radius (same),\n# mean smallest Hessian "
                       "eigenvalue (same); a block per panel\n",
            .put_values = landscape_values,
            .plot = &P,
        };
        rc = write_layout_dat(&D, dir, fig->name, err, n_err);
    }
    if (rc == BASIN_OK) {
        snprintf(fig->caption, sizeof fig->caption,
                 "Attractors found per job by class%s%s, against %s.",
                 P.has[1] ? "; mean basin radius (the largest corruption from which "
                            "most starts return)"
                          : "",
                 P.has[2] ? "; mean smallest Hessian eigenvalue at the attractors "
                            "(negative: a saddle)"
                          : "",
                 x_words(t, &P.L, "the single sweep point", xw, sizeof xw));
        rc = write_script(dir, gnuplot, fig,
                          "Columns of landscape.dat: x; attractors per job (2-4), "
                          "mean radius (5-7),\n# mean lambda_min (8-10) for memorized, "
                          "spurious, generalized; 11 the x label.",
                          script_landscape, &P, err, n_err);
    }
    free(P.sum);
    layout_free(&P.L);
    return rc;
}

/* ------------------------------------------------------------ disjoint pairs */

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile of n sorted values, interpolated between order statistics
   (Hyndman & Fan 1996, definition 7); NaN when n = 0. */
static double quantile(const double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double h = q * (double)(n - 1);
    size_t k = (size_t)h;
    return k + 1 < n ? v[k] + (h - (double)k) * (v[k + 1] - v[k]) : v[n - 1];
}

/* What the pairs figure shows: the summary's means of d_pair and cos_pair, and
   their quartiles over the samples of records.csv. */
typedef struct pairs_plot {
    const csv_table *t;
    layout L;
    long c_d, c_cos;
    double *q;     /* per sweep point: q1, median, q3 of d_pair, then of cos_pair */
    int quartiles; /* some point has samples */
} pairs_plot;

/* Fill P->q from the records: bucket the values of each measure by sweep point
   (vals: per point, from start[p]), sort each bucket, take its quartiles. */
static void pairs_fill_quartiles(pairs_plot *P, const csv_table *records, double *vals,
                                 size_t *start, size_t *fill)
{
    size_t n = P->t->n_rows, n_rec = records->n_rows;
    long r_point = csv_table_column(records, "point");
    long r_col[2] = {csv_table_column(records, "d_pair"),
                     csv_table_column(records, "cos_pair")};
    for (size_t i = 0; i < n * 6; i++)
        P->q[i] = NAN;
    for (size_t i = 0; i < n_rec; i++) {
        double p = cell_number(records, i, r_point);
        if (p >= 0 && p < (double)n)
            start[(size_t)p + 1]++;
    }
    for (size_t p = 0; p < n; p++)
        start[p + 1] += start[p];
    for (int m = 0; m < 2 && r_col[m] >= 0; m++) {
        memset(fill, 0, n * sizeof *fill);
        for (size_t i = 0; i < n_rec; i++) {
            double p = cell_number(records, i, r_point);
            double v = cell_number(records, i, r_col[m]);
            if (p >= 0 && p < (double)n && isfinite(v)) {
                size_t b = (size_t)p;
                vals[start[b] + fill[b]++] = v;
            }
        }
        for (size_t p = 0; p < n; p++) {
            double *v = vals + start[p];
            qsort(v, fill[p], sizeof *v, by_double);
            for (int j = 0; j < 3; j++)
                P->q[p * 6 + (size_t)m * 3 + (size_t)j] =
                    quantile(v, fill[p], 0.25 * (j + 1));
            P->quartiles |= fill[p] > 0;
        }
    }
}

/* P->q and P->quartiles. BASIN_OK or BASIN_ENOMEM. */
static int pairs_quartiles(pairs_plot *P, const csv_table *records, char *err,
                           size_t n_err)
{
    size_t n = P->t->n_rows;
    P->q = calloc(n * 6 + 1, sizeof *P->q);
    double *vals = calloc(records->n_rows + 1, sizeof *vals);
    size_t *start = calloc(n + 2, sizeof *start), *fill = calloc(n + 1, sizeof *fill);
    int rc = BASIN_OK;
    if (!P->q || !vals || !start || !fill) {
        snprintf(err, n_err, "out of memory");
        rc = BASIN_ENOMEM;
    } else {
        pairs_fill_quartiles(P, records, vals, start, fill);
    }
    free(vals);
    free(start);
    free(fill);
    return rc;
}

/* Row i of pairs.dat: the mean and quartiles of d_pair, then of cos_pair. */
static void pairs_values(FILE *f, const void *plot, size_t i)
{
    const pairs_plot *P = plot;
    for (int m = 0; m < 2; m++) {
        put_real(f, cell_number(P->t, i, m ? P->c_cos : P->c_d));
        for (int j = 0; j < 3; j++)
            put_real(f, P->q[i * 6 + (size_t)m * 3 + (size_t)j]);
    }
}

static void pairs_caption(report_figure *fig, const pairs_plot *P)
{
    char xw[300];
    snprintf(fig->caption, sizeof fig->caption,
             "The disjoint-sets test (Kadkhodaie et al. 2024): a second model trained "
             "on as many points, disjoint from the first model's, is run from the "
             "same noise; left the distance d_pair = ‖x − y‖/√N of each pair of "
             "outputs, right their cosine, against %s: the mean%s%s. Memorizing "
             "models copy their own training sets, so the pairs are far apart; "
             "generalizing models agree (cos → 1).",
             x_words(P->t, &P->L, "the single sweep point", xw, sizeof xw),
             P->quartiles ? " (line) and the median (dashed) with the quartiles (band) "
                            "over the samples"
                          : "",
             P->L.n_panels > 1 ? "; a curve per value of the other swept parameters"
                               : "");
}

/* The panel of measure m (0 d_pair, 1 cos_pair): a curve per sweep panel. */
static void script_pairs_panel(FILE *f, const pairs_plot *P, int m)
{
    static const char *const YLABEL[] = {"d_pair = |x - y| / sqrt(N)",
                                         "cos_pair = x.y / (|x| |y|)"};
    const layout *L = &P->L;
    char tic[32];
    fprintf(f, "set ylabel '%s'\n%s", YLABEL[m],
            m ? "set yrange [*:1.02]\n" : "set yrange [0:*]\n");
    int first = 1;
    for (size_t p = 0; p < L->n_panels; p++) {
        int col = 2 + 4 * m;
        if (!panel_has(P->t, L, p, m ? P->c_cos : P->c_d))
            continue;
        const char *colour = COLOURS[(L->n_panels > 1 ? p : (size_t)m * 2) % N_COLOURS];
        char mean[560];
        snprintf(mean, sizeof mean, "mean%s%s", *L->title[p] ? ", " : "", L->title[p]);
        fprintf(f, "%s", first ? "plot " : ", \\\n     ");
        if (P->quartiles)
            fprintf(f,
                    "'pairs.dat' index %zu using 1:%d:%d with filledcurves "
                    "lc rgb '%s' notitle, \\\n     '' index %zu using 1:%d "
                    "with lines dt 2 lw 1.5 lc rgb '%s' title '%s', \\\n     ",
                    p, col + 1, col + 3, colour, p, col + 2, colour,
                    p == 0 ? "median, quartiles" : "");
        fprintf(f,
                "'pairs.dat' index %zu using 1:%d%s with linespoints lw 2 pt 7 "
                "ps 0.8 lc rgb '%s' title ",
                p, col, xtic(L, 10, tic, sizeof tic), colour);
        put_quoted(f, mean);
        first = 0;
    }
    if (first)
        fprintf(f, "set multiplot next");
    fputc('\n', f);
}

/* The body of pairs.gp: d_pair beside cos_pair. */
static void script_pairs(FILE *f, const void *plot)
{
    const pairs_plot *P = plot;
    script_x(f, P->t, &P->L, NULL);
    /* The key above each panel, clear of the curves and the x label. */
    fprintf(f, "set style fill transparent solid 0.15 noborder\n"
               "set key outside top center horizontal reverse Left samplen 2\n"
               "set multiplot layout 1,2\n");
    for (int m = 0; m < 2; m++)
        script_pairs_panel(f, P, m);
}

int figures_pairs(const csv_table *t, const csv_table *records, const axis_labels *labels,
                  const char *dir, const char *gnuplot, report_figure *fig, char *err,
                  size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    pairs_plot P = {.t = t};
    P.c_d = csv_table_column(t, "pair_distance");
    P.c_cos = csv_table_column(t, "pair_cosine");
    int any = 0;
    for (size_t i = 0; i < t->n_rows; i++)
        any |= isfinite(cell_number(t, i, P.c_d)) || isfinite(cell_number(t, i, P.c_cos));
    if (P.c_d < 0 || P.c_cos < 0 || !any)
        return BASIN_OK; /* no such figure */
    figure_begin(fig, "pairs",
                 "Disjoint-sets test: distance and cosine of paired samples");
    int rc = layout_make(t, labels, "dataset.count", &P.L, err, n_err);
    if (rc)
        return rc;
    rc = pairs_quartiles(&P, records, err, n_err);
    if (rc == BASIN_OK) {
        set_size(fig, 2, 2);
        size_t longest = 0;
        for (size_t p = 0; p < P.L.n_panels; p++) {
            size_t len = strlen(P.L.title[p]) + 6;
            longest = len > longest ? len : longest;
        }
        fig->height += key_height(P.L.n_panels + (size_t)P.quartiles,
                                  longest > 17 ? longest : 17, PANEL_W);
        const layout_dat D = {
            .t = t,
            .L = &P.L,
            .panels = P.L.n_panels,
            .block = "curve",
            .columns = "; mean d_pair (summary.csv), its median and quartiles over "
                       "the samples\n# (records.csv); the same for cos_pair; a "
                       "block per curve\n",
            .put_values = pairs_values,
            .plot = &P,
        };
        rc = write_layout_dat(&D, dir, fig->name, err, n_err);
    }
    if (rc == BASIN_OK) {
        pairs_caption(fig, &P);
        rc = write_script(dir, gnuplot, fig,
                          "Columns of pairs.dat: x; mean, q1, median, q3 of d_pair "
                          "(2-5) and of cos_pair (6-9); 10 the x label.",
                          script_pairs, &P, err, n_err);
    }
    free(P.q);
    layout_free(&P.L);
    return rc;
}

/* ------------------------------------------------------------ training curves */

enum { MAX_METRICS = 4, MAX_LEGEND = 8, MAX_CURVE_POINTS = 500 };

typedef struct metric_row {
    size_t row, name; /* training.csv row; index of its metric name */
    double job;
} metric_row;

/* A curve of training.dat: a run of increasing steps of one metric in one job. */
typedef struct training_curve {
    size_t name;      /* its metric */
    size_t first_row; /* training.csv row of its first point */
    size_t segment;   /* 0, or 1 for the second training of the job, ... */
    size_t job;       /* the job's rank among all jobs, for its colour */
} training_curve;

/* What the training figure shows, worked out from training.csv. */
typedef struct training_plot {
    const csv_table *t;
    const axis_labels *labels;
    size_t n_axes;
    size_t c_name; /* after job, point, repeat, the axes, model */
    long c_step, c_value;
    const char *names[MAX_METRICS]; /* "loss" first, then in order of appearance */
    size_t n_names, dropped;        /* rows of metrics beyond MAX_METRICS */
    metric_row *rows;               /* of the metrics shown, by (name, job, row) */
    size_t n_rows;
    double *jobs; /* distinct job numbers, sorted */
    size_t n_jobs;
    int repeats; /* several repeats share a sweep point */
    int legend;  /* few jobs: a key entry per curve, else a colour box */
    long c_colour;
    int log_cb; /* the colour column spans decades */
    int log_y[MAX_METRICS], any_log;
    training_curve *curves;
    size_t n_curves, cap;
    int binned, again; /* some curve was averaged in bins; some job trained twice */
} training_plot;

static void training_plot_free(training_plot *P)
{
    free(P->rows);
    free(P->jobs);
    free(P->curves);
}

static int by_name_job_row(const void *a, const void *b)
{
    const metric_row *x = a, *y = b;
    if (x->name != y->name)
        return x->name < y->name ? -1 : 1;
    if (x->job != y->job)
        return x->job < y->job ? -1 : 1;
    return x->row < y->row ? -1 : (x->row > y->row);
}

/* The label of a job's curve: its swept values ("dataset.count = 40"), and the
   repeat when a point has several. */
static void job_label(const csv_table *t, const axis_labels *labels, size_t n_axes,
                      size_t row, int repeats, char *buf, size_t n)
{
    size_t used = axis_values(t, labels, row, 3, n_axes, -1, buf, n);
    if (repeats && used < n)
        snprintf(buf + used, n - used, "%srepeat %s", used ? ", " : "",
                 csv_table_cell(t, row, 2));
    if (!buf[0])
        snprintf(buf, n, "job %s", csv_table_cell(t, row, 0));
}

/* The index of metric s among P->names, or P->n_names. */
static size_t metric_index(const training_plot *P, const char *s)
{
    size_t k = 0;
    while (k < P->n_names && strcmp(P->names[k], s))
        k++;
    return k;
}

/* The metrics shown ("loss" first, at most MAX_METRICS) and their rows sorted by
   (metric, job, row). */
static void training_metrics(training_plot *P)
{
    const csv_table *t = P->t;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < t->n_rows; i++) {
            const char *s = csv_table_cell(t, i, P->c_name);
            if (metric_index(P, s) == P->n_names && P->n_names < MAX_METRICS &&
                (pass || !strcmp(s, "loss")))
                P->names[P->n_names++] = s;
        }
    for (size_t i = 0; i < t->n_rows; i++) {
        size_t k = metric_index(P, csv_table_cell(t, i, P->c_name));
        if (k == P->n_names)
            P->dropped++;
        else
            P->rows[P->n_rows++] = (metric_row){i, k, cell_number(t, i, 0)};
    }
    qsort(P->rows, P->n_rows, sizeof *P->rows, by_name_job_row);
}

/* The distinct jobs, sorted, and whether several repeats share a point. */
static void training_jobs(training_plot *P)
{
    for (size_t i = 0; i < P->t->n_rows; i++)
        P->repeats |= cell_number(P->t, i, 2) > 0;
    for (size_t k = 0; k < P->n_rows; k++)
        P->jobs[k] = P->rows[k].job;
    qsort(P->jobs, P->n_rows, sizeof *P->jobs, by_double);
    for (size_t k = 0; k < P->n_rows; k++)
        if (k == 0 || P->jobs[k] != P->jobs[P->n_jobs - 1])
            P->jobs[P->n_jobs++] = P->jobs[k];
    P->legend = P->n_jobs <= MAX_LEGEND;
}

/* Without a legend, curves are coloured by the numeric swept parameter with the
   most values (or the job number), on a log scale where it spans decades; a
   metric gets a log y axis when all its values are positive. */
static void training_scales(training_plot *P)
{
    const csv_table *t = P->t;
    size_t best = 0;
    P->c_colour = -1;
    for (size_t a = 0; a < P->n_axes; a++) {
        int numeric = 1;
        double v;
        for (size_t i = 0; i < t->n_rows && numeric; i++)
            numeric = is_number(csv_table_cell(t, i, 3 + a), &v);
        size_t d = numeric ? distinct_values(t, 3 + a) : 0;
        if (d > 1 && d >= best) {
            best = d;
            P->c_colour = (long)(3 + a);
        }
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < t->n_rows; i++) {
        double v = cell_number(t, i, P->c_colour < 0 ? 0 : P->c_colour);
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    P->log_cb = lo > 0 && hi / lo >= 100;
    for (size_t k = 0; k < MAX_METRICS; k++)
        P->log_y[k] = 1;
    for (size_t k = 0; k < P->n_rows; k++) {
        double v = cell_number(t, P->rows[k].row, P->c_value);
        if (isfinite(v) && v <= 0)
            P->log_y[P->rows[k].name] = 0;
    }
    for (size_t k = 0; k < P->n_names; k++)
        P->any_log |= P->log_y[k];
}

/* Append a curve starting at sorted row k. 0, or -1 when out of memory. */
static int add_curve(training_plot *P, size_t k)
{
    const metric_row *R = &P->rows[k];
    const training_curve *last = P->n_curves ? &P->curves[P->n_curves - 1] : NULL;
    size_t segment =
        last && last->name == R->name && cell_number(P->t, last->first_row, 0) == R->job
            ? last->segment + 1
            : 0;
    if (P->n_curves == P->cap) {
        training_curve *grown = realloc(P->curves, (P->cap *= 2) * sizeof *P->curves);
        if (!grown)
            return -1;
        P->curves = grown;
    }
    size_t rank = 0; /* the job's place among all jobs, for its colour */
    while (rank + 1 < P->n_jobs && P->jobs[rank] < R->job)
        rank++;
    P->curves[P->n_curves++] = (training_curve){R->name, R->row, segment, rank};
    P->again |= segment > 0;
    return 0;
}

/* The points of sorted rows [k, end) into f, averaged in bins of consecutive
   steps when there are over MAX_CURVE_POINTS. */
static void put_curve_points(FILE *f, training_plot *P, size_t k, size_t end,
                             double colour)
{
    const csv_table *t = P->t;
    size_t len = end - k, bin = (len + MAX_CURVE_POINTS - 1) / MAX_CURVE_POINTS;
    P->binned |= bin > 1;
    for (size_t b = k; b < end; b += bin) {
        double s = 0, v = 0, ns = 0, nv = 0;
        for (size_t j = b; j < end && j < b + bin; j++) {
            double x = cell_number(t, P->rows[j].row, P->c_step);
            double y = cell_number(t, P->rows[j].row, P->c_value);
            s += x;
            ns++;
            if (isfinite(y)) {
                v += y;
                nv++;
            }
        }
        fprintf(f, "%.9g", s / ns);
        put_real(f, nv > 0 ? v / nv : NAN);
        put_real(f, colour);
        fputc('\n', f);
    }
}

/* training.dat: a curve per (metric, job, run of increasing steps): a job whose
   steps start again (the disjoint-sets test trains a second model) has a second
   curve. BASIN_OK, BASIN_ENOMEM or BASIN_EWRITE with a message. */
static int write_training_dat(training_plot *P, const char *dir, const char *name,
                              char *err, size_t n_err)
{
    const csv_table *t = P->t;
    char path[FIGURE_PATH];
    FILE *f = text_file_open(figure_path(path, dir, name, "dat"), err, n_err);
    if (!f)
        return BASIN_EWRITE;
    fprintf(f,
            "# step, value (means over bins of consecutive steps where a curve "
            "has over %d points),\n# colour value; a block per curve\n",
            MAX_CURVE_POINTS);
    for (size_t k = 0; k < P->n_rows;) {
        const metric_row *R = &P->rows[k];
        size_t end = k + 1;
        while (end < P->n_rows && P->rows[end].name == R->name &&
               P->rows[end].job == R->job &&
               cell_number(t, P->rows[end].row, P->c_step) >
                   cell_number(t, P->rows[end - 1].row, P->c_step))
            end++;
        if (add_curve(P, k)) {
            fclose(f);
            snprintf(err, n_err, "out of memory");
            return BASIN_ENOMEM;
        }
        size_t segment = P->curves[P->n_curves - 1].segment;
        fprintf(f, "# curve %zu: %s, job %s%s\n", P->n_curves - 1, P->names[R->name],
                csv_table_cell(t, R->row, 0), segment ? ", again" : "");
        put_curve_points(f, P, k, end,
                         P->c_colour < 0 ? R->job : cell_number(t, R->row, P->c_colour));
        fprintf(f, "\n\n");
        k = end;
    }
    return text_file_close(f, path, err, n_err);
}

static void training_caption(report_figure *fig, const training_plot *P)
{
    char colour_by[200];
    snprintf(colour_by, sizeof colour_by, "; coloured by %.150s%s",
             P->c_colour < 0 ? "job" : axis_label(P->labels, P->t->header[P->c_colour]),
             P->log_cb ? " (log scale)" : "");
    snprintf(fig->caption, sizeof fig->caption,
             "The training %s reported by the score model (training.csv) against the "
             "training step, a curve per job%s%s%s%s%s.",
             P->n_names == 1 && !strcmp(P->names[0], "loss") ? "loss" : "metrics",
             P->legend ? "" : colour_by,
             !P->any_log       ? ""
             : P->n_names == 1 ? ", log y"
                               : ", log y where all positive",
             P->again ? "; dashed: a second training in the same job (the disjoint-sets "
                        "test's second model, on the held-out points)"
                      : "",
             P->binned ? "; curves of over 500 points averaged over bins "
                         "of consecutive steps"
                       : "",
             P->dropped ? "; only the first 4 metrics" : "");
}

/* The plot command of metric k's panel: its curves. */
static void script_training_panel(FILE *f, const training_plot *P, size_t k)
{
    fprintf(f, "%s\nset ylabel ", P->log_y[k] ? "set logscale y" : "unset logscale y");
    put_quoted(f, P->names[k]);
    fprintf(f, "\nplot ");
    int first = 1;
    for (size_t c = 0; c < P->n_curves; c++) {
        const training_curve *C = &P->curves[c];
        if (C->name != k)
            continue;
        fprintf(f, "%s'training.dat' index %zu using 1:2%s with lines lw 1.5 dt %d ",
                first ? "" : ", \\\n     ", c, P->legend ? "" : ":3", C->segment ? 2 : 1);
        first = 0;
        if (!P->legend) {
            fprintf(f, "lc palette notitle");
            continue;
        }
        fprintf(f, "lc rgb '%s' ", COLOURS[C->job % N_COLOURS]);
        if (C->segment) {
            fprintf(f, "notitle");
        } else {
            char label[560];
            job_label(P->t, P->labels, P->n_axes, C->first_row, P->repeats, label,
                      sizeof label);
            fprintf(f, "title ");
            put_quoted(f, label);
        }
    }
    if (P->again) /* a key entry for the dashed curves */
        fprintf(f, ", \\\n     1/0 with lines lw 1.5 dt 2 lc rgb '#999999' "
                   "title 'second training (disjoint set)'");
    fputc('\n', f);
}

/* The body of training.gp: a panel per metric. */
static void script_training(FILE *f, const void *plot)
{
    const training_plot *P = plot;
    fprintf(f, "set xlabel 'training step'\nset key %s\n",
            P->legend ? "outside right top" : "top right");
    if (!P->legend) {
        fprintf(f, "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', "
                   "3 '#5ec962', 4 '#fde725')\nset cblabel ");
        put_quoted(f, P->c_colour < 0 ? "job"
                                      : axis_label(P->labels, P->t->header[P->c_colour]));
        fprintf(f, "\n%s", P->log_cb ? "set logscale cb\n" : "");
    }
    size_t cols = P->n_names < 2 ? P->n_names : 2;
    fprintf(f, "set multiplot layout %zu,%zu\n", (P->n_names + cols - 1) / cols, cols);
    for (size_t k = 0; k < P->n_names; k++)
        script_training_panel(f, P, k);
}

int figures_training(const csv_table *t, size_t n_axes, const axis_labels *labels,
                     const char *dir, const char *gnuplot, report_figure *fig, char *err,
                     size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    if (t->n_rows == 0)
        return BASIN_OK; /* no such figure */
    figure_begin(fig, "training", "Training curves");
    training_plot P = {
        .t = t, .labels = labels, .n_axes = n_axes, .c_name = 4 + n_axes, .cap = 64};
    P.c_step = csv_table_column(t, "step");
    P.c_value = csv_table_column(t, "value");
    P.rows = calloc(t->n_rows + 1, sizeof *P.rows);
    P.jobs = calloc(t->n_rows + 1, sizeof *P.jobs);
    P.curves = malloc(P.cap * sizeof *P.curves);
    int rc = BASIN_OK;
    if (!P.rows || !P.jobs || !P.curves) {
        snprintf(err, n_err, "out of memory");
        rc = BASIN_ENOMEM;
    }
    if (rc == BASIN_OK) {
        training_metrics(&P);
        training_jobs(&P);
        training_scales(&P);
        set_size(fig, P.n_names, 2);
        /* Each panel has room for its legend, or its colour box. */
        fig->width +=
            (uint32_t)((P.n_names < 2 ? P.n_names : 2) * (P.legend ? 260 : 100));
        rc = write_training_dat(&P, dir, fig->name, err, n_err);
    }
    if (rc == BASIN_OK) {
        training_caption(fig, &P);
        rc = write_script(dir, gnuplot, fig,
                          "Columns of training.dat: step, value, colour value.",
                          script_training, &P, err, n_err);
    }
    training_plot_free(&P);
    return rc;
}

/* ------------------------------------------------------------ distances */

enum { HIST_BINS = 30, HIST_CURVES = 8 };

/* What the distances figure shows: per sweep point (at most HIST_CURVES), the
   histograms of d_m and of d_m/d_2 over its samples (records.csv). */
typedef struct distances_plot {
    const csv_table *t; /* summary.csv */
    const axis_labels *labels;
    size_t n_axes, n_curves;
    double dm_max; /* the d_m bins span [0, dm_max] */
    double *count; /* per curve: HIST_BINS d_m counts, then HIST_BINS ratio */
    double *n, *nan, *nan_ratio; /* per curve: samples, without d_m, without ratio */
    double *delta_m;             /* per curve: summary.csv's delta_m (NaN: none) */
    size_t longest;              /* characters of the longest key entry */
} distances_plot;

static void distances_free(distances_plot *P)
{
    free(P->count);
    free(P->n);
    free(P->nan);
    free(P->nan_ratio);
    free(P->delta_m);
}

/* The bin of v in [0, hi] among HIST_BINS (the top edge in the last). */
static size_t bin_of(double v, double hi)
{
    double b = hi > 0 ? v / hi * HIST_BINS : 0;
    return b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : (size_t)b;
}

/* Count records into P's bins. */
static void distances_count(distances_plot *P, const csv_table *rec, long c_point,
                            long c_dm, long c_d2)
{
    for (size_t i = 0; i < rec->n_rows; i++) {
        double p = cell_number(rec, i, c_point), dm = cell_number(rec, i, c_dm);
        if (!(p >= 0 && p < (double)P->n_curves))
            continue;
        size_t k = (size_t)p;
        P->n[k]++;
        if (!isfinite(dm)) {
            P->nan[k]++;
            P->nan_ratio[k]++;
            continue;
        }
        P->count[k * 2 * HIST_BINS + bin_of(dm, P->dm_max)]++;
        double d2 = cell_number(rec, i, c_d2), ratio = dm / d2;
        if (isfinite(ratio) && d2 > 0)
            P->count[k * 2 * HIST_BINS + HIST_BINS + bin_of(ratio, 1)]++;
        else
            P->nan_ratio[k]++;
    }
}

static int write_distances_dat(const distances_plot *P, const char *dir, char *err,
                               size_t n_err)
{
    char path[FIGURE_PATH];
    FILE *f = text_file_open(figure_path(path, dir, "distances", "dat"), err, n_err);
    if (!f)
        return BASIN_EWRITE;
    fprintf(f, "# Histograms over the samples of each sweep point (records.csv): d_m "
               "bin low, high, count,\n# fraction of the point's samples; then the "
               "same for d_m/d_2 (bins over [0, 1]).\n# A block per sweep point; "
               "its header gives the samples and those without a value.\n");
    for (size_t k = 0; k < P->n_curves; k++) {
        char title[512];
        axis_values(P->t, P->labels, k, 0, P->n_axes, -1, title, sizeof title);
        fprintf(f,
                "# point %zu: %s; samples %.0f, without d_m %.0f, without d_m/d_2 %.0f\n",
                k, *title ? title : "(no sweep)", P->n[k], P->nan[k], P->nan_ratio[k]);
        for (size_t b = 0; b < HIST_BINS; b++) {
            const double *c = P->count + k * 2 * HIST_BINS;
            double w = P->dm_max / HIST_BINS, n = P->n[k] > 0 ? P->n[k] : 1;
            fprintf(f, "%.9g %.9g %.0f %.9g %.9g %.9g %.0f %.9g\n", w * (double)b,
                    w * (double)(b + 1), c[b], c[b] / n, (double)b / HIST_BINS,
                    (double)(b + 1) / HIST_BINS, c[HIST_BINS + b], c[HIST_BINS + b] / n);
        }
        fprintf(f, "\n\n");
    }
    return text_file_close(f, path, err, n_err);
}

/* The body of distances.gp: d_m beside d_m/d_2, one key above both. */
static void script_distances(FILE *f, const void *plot)
{
    const distances_plot *P = plot;
    /* Without a sweep, one curve and no key. */
    double W = 2.0 * PANEL_W,
           H = PANEL_H +
               (P->n_axes ? key_height(P->n_curves, P->longest, 2 * PANEL_W) : 0);
    double top = 1 - (H - PANEL_H + 30) / H, bottom = 70 / H;
    fprintf(f, "set ylabel 'fraction of the samples'\nset yrange [0:*]\n"
               "set multiplot\n");
    for (int m = 0; m < 2; m++) {
        fprintf(f,
                "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
                "set tmargin at screen %.4f\nset bmargin at screen %.4f\n",
                (m ? PANEL_W + 80 : 80) / W, (m ? 2 * PANEL_W - 20 : PANEL_W - 20) / W,
                top, bottom);
        fprintf(f, "set xlabel '%s'\nset xrange [0:%.9g]\n",
                m ? "d_m / d_2 (nearest over second-nearest training point)"
                  : "d_m (distance to the nearest training point)",
                m ? 1.0 : P->dm_max);
        if (m == 0 && !P->n_axes)
            fprintf(f, "unset key\n");
        else if (m == 0)
            fprintf(f,
                    "set key at screen 0.5, screen 0.99 center top vertical maxrows %zu "
                    "reverse Left samplen 2\n",
                    key_rows(P->n_curves, P->longest, 2 * PANEL_W));
        else
            fprintf(f, "unset key\nunset arrow\n");
        for (size_t k = 0; m == 0 && k < P->n_curves; k++)
            if (isfinite(P->delta_m[k]))
                fprintf(f,
                        "set arrow from %.9g, graph 0 to %.9g, graph 1 nohead dt 3 "
                        "lw 1.5 lc rgb '%s'\n",
                        P->delta_m[k], P->delta_m[k], COLOURS[k % N_COLOURS]);
        fprintf(f, "plot ");
        for (size_t k = 0; k < P->n_curves; k++) {
            char title[512];
            axis_values(P->t, P->labels, k, 0, P->n_axes, -1, title, sizeof title);
            fprintf(f,
                    "%s'distances.dat' index %zu using (($%d + $%d) / 2):%d with histeps "
                    "lw 2 lc rgb '%s' title ",
                    k ? ", \\\n     " : "", k, m ? 5 : 1, m ? 6 : 2, m ? 8 : 4,
                    COLOURS[k % N_COLOURS]);
            put_quoted(f, *title ? title : "samples");
        }
        fputc('\n', f);
    }
}

int figures_distances(const csv_table *t, const csv_table *rec, const axis_labels *labels,
                      const char *dir, const char *gnuplot, report_figure *fig, char *err,
                      size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    long c_point = csv_table_column(rec, "point"), c_dm = csv_table_column(rec, "d_m"),
         c_d2 = csv_table_column(rec, "d_2");
    distances_plot P = {.t = t, .labels = labels, .n_axes = figures_axis_columns(t)};
    P.n_curves = t->n_rows < HIST_CURVES ? t->n_rows : HIST_CURVES;
    for (size_t i = 0; i < rec->n_rows; i++) {
        double v = cell_number(rec, i, c_dm), p = cell_number(rec, i, c_point);
        if (isfinite(v) && p >= 0 && p < (double)P.n_curves)
            P.dm_max = fmax(P.dm_max, v);
    }
    if (c_point < 0 || c_dm < 0 || c_d2 < 0 || !(P.dm_max > 0))
        return BASIN_OK; /* no such figure */
    figure_begin(fig, "distances", "Distances to the training set: d_m and d_m/d_2");
    size_t n = P.n_curves + 1;
    P.count = calloc(n * 2 * HIST_BINS, sizeof *P.count);
    P.n = calloc(n, sizeof *P.n);
    P.nan = calloc(n, sizeof *P.nan);
    P.nan_ratio = calloc(n, sizeof *P.nan_ratio);
    P.delta_m = calloc(n, sizeof *P.delta_m);
    if (!P.count || !P.n || !P.nan || !P.nan_ratio || !P.delta_m) {
        distances_free(&P);
        snprintf(err, n_err, "out of memory");
        return BASIN_ENOMEM;
    }
    long c_delta = csv_table_column(t, "delta_m");
    for (size_t k = 0; k < P.n_curves; k++) {
        char title[512];
        size_t len = axis_values(t, labels, k, 0, P.n_axes, -1, title, sizeof title);
        P.longest = len > P.longest ? len : P.longest;
        P.delta_m[k] = cell_number(t, k, c_delta);
        /* The bins reach the threshold, so its line is on the plot. */
        if (isfinite(P.delta_m[k]) && P.delta_m[k] > 0)
            P.dm_max = fmax(P.dm_max, 1.05 * P.delta_m[k]);
    }
    distances_count(&P, rec, c_point, c_dm, c_d2);
    fig->width = 2 * PANEL_W;
    fig->height =
        PANEL_H + (P.n_axes ? key_height(P.n_curves, P.longest, 2 * PANEL_W) : 0);
    int rc = write_distances_dat(&P, dir, err, n_err);
    if (rc == BASIN_OK) {
        char more[80] = "";
        if (t->n_rows > P.n_curves)
            snprintf(more, sizeof more, " (the first %d of %zu sweep points)",
                     HIST_CURVES, t->n_rows);
        snprintf(fig->caption, sizeof fig->caption,
                 "Histograms over the samples of each sweep point%s: left d_m, the "
                 "distance ‖x − ξ‖/√N from a sample to its nearest training point, "
                 "with the memorization threshold δ_m dotted; right d_m/d_2, over the "
                 "second-nearest (near 0: a copy of one training point; near 1: "
                 "between two). Heights are fractions of the point's samples; "
                 "distances.dat counts them.",
                 more);
        rc = write_script(dir, gnuplot, fig,
                          "Columns of distances.dat: d_m bin low, high, count, fraction; "
                          "d_m/d_2 bin low, high, count, fraction.",
                          script_distances, &P, err, n_err);
    }
    distances_free(&P);
    return rc;
}

/* ------------------------------------------------------------ 2-D scatter */

/* Class colours of the sample grid (report/sample_grid.h): memorized green,
   spurious orange, generalized purple, off_support pink, unconverged grey. */
static const char *const CLASS_NAMES[] = {"memorized", "spurious", "generalized",
                                          "off_support", "unconverged"};
static const int CLASS_COLOUR[] = {0, 1, 2, 4, 3};

static int write_scatter_dat(const scatter_data *S, size_t *shown, const char *dir,
                             char *err, size_t n_err)
{
    char path[FIGURE_PATH];
    FILE *f = text_file_open(figure_path(path, dir, "scatter", "dat"), err, n_err);
    if (!f)
        return BASIN_EWRITE;
    fprintf(f,
            "# x y; block 0 the training points (%zu of %zu), then a block per class "
            "of the job's samples:\n# memorized, spurious, generalized, off_support, "
            "unconverged (samples.npy, records.csv)\n",
            S->n_train, S->n_train_all);
    fprintf(f, "# training points\n");
    for (size_t i = 0; i < S->n_train; i++)
        fprintf(f, "%.9g %.9g\n", S->train[2 * i], S->train[2 * i + 1]);
    for (int c = 0; c < 5; c++) {
        shown[c] = 0;
        fprintf(f, "\n\n# %s\n", CLASS_NAMES[c]);
        for (size_t i = 0; i < S->n_samples; i++)
            if (S->cls[i] == c) {
                fprintf(f, "%.9g %.9g\n", S->samples[2 * i], S->samples[2 * i + 1]);
                shown[c]++;
            }
        if (!shown[c]) /* gnuplot needs a point in each block: an empty one */
            fprintf(f, "NaN NaN\n");
    }
    return text_file_close(f, path, err, n_err);
}

typedef struct scatter_plot {
    const size_t *shown;
} scatter_plot;

static void script_scatter(FILE *f, const void *plot)
{
    const scatter_plot *P = plot;
    fprintf(f, "set size ratio -1\nset xlabel 'x_1'\nset ylabel 'x_2'\n"
               "set key outside top center horizontal reverse Left samplen 1\n"
               "plot 'scatter.dat' index 0 using 1:2 with points pt 1 ps 0.7 "
               "lc rgb '#222222' title 'training points'");
    for (int c = 0; c < 5; c++)
        if (P->shown[c])
            fprintf(f,
                    ", \\\n     '' index %d using 1:2 with points pt 7 ps 0.6 "
                    "lc rgb '%s' title '%s (%zu)'",
                    c + 1, COLOURS[CLASS_COLOUR[c]], CLASS_NAMES[c], P->shown[c]);
    fputc('\n', f);
}

int figures_scatter(const scatter_data *S, const char *dir, const char *gnuplot,
                    report_figure *fig, char *err, size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    figure_begin(fig, "scatter", "Samples over the training points");
    fig->width = PANEL_W + 80;
    fig->height = PANEL_H + 120;
    size_t shown[5];
    int rc = write_scatter_dat(S, shown, dir, err, n_err);
    if (rc == BASIN_OK) {
        snprintf(fig->caption, sizeof fig->caption,
                 "%s: its samples (dots, coloured by class) over the training points "
                 "(crosses%s), in the data's two coordinates; basin report --job N draws "
                 "another job.",
                 S->job_words, S->n_train < S->n_train_all ? ", the first of them" : "");
        scatter_plot P = {shown};
        rc = write_script(dir, gnuplot, fig,
                          "scatter.dat: x y; index 0 the training points, 1-5 the "
                          "samples by class.",
                          script_scatter, &P, err, n_err);
    }
    return rc;
}

/* ------------------------------------------------------------ compare */

/* What the compare figure shows: a block of compare.dat per (job, kind) of
   compare.csv (run/compare.h), its rows in file order. */
typedef struct compare_plot {
    const csv_table *t;
    long c_job, c_kind, c_t, c_r2, c_lo, c_hi;
    size_t n_blocks;
    int *kind;   /* per block: 0 trajectory, 1 heldout, 2 train */
    int *titled; /* per block: the first of its kind (it names the kind) */
} compare_plot;

static const char *const COMPARE_KINDS[] = {"trajectory", "heldout", "train"};
static const char *const COMPARE_TITLES[] = {
    "along the model's trajectories", "noised held-out points", "noised training points"};

/* compare.dat: per job (in order of first appearance) and kind, t, r², lo, hi. */
static int write_compare_dat(compare_plot *P, const char *dir, const char *name,
                             char *err, size_t n_err)
{
    const csv_table *t = P->t;
    char path[FIGURE_PATH];
    FILE *f = text_file_open(figure_path(path, dir, name, "dat"), err, n_err);
    if (!f)
        return BASIN_EWRITE;
    fprintf(f, "# t, r2, r2_lo, r2_hi; a block per job and kind\n");
    int seen[3] = {0, 0, 0};
    for (size_t i = 0; i < t->n_rows; i++) {
        const char *job = csv_table_cell(t, i, (size_t)P->c_job);
        int first_of_job = 1;
        for (size_t k = 0; k < i && first_of_job; k++)
            first_of_job = strcmp(csv_table_cell(t, k, (size_t)P->c_job), job) != 0;
        for (int kind = 0; first_of_job && kind < 3; kind++) {
            int any = 0;
            for (size_t r = i; r < t->n_rows; r++) {
                if (strcmp(csv_table_cell(t, r, (size_t)P->c_job), job) ||
                    strcmp(csv_table_cell(t, r, (size_t)P->c_kind), COMPARE_KINDS[kind]))
                    continue;
                if (!any)
                    fprintf(f, "# job %s, %s\n", job, COMPARE_KINDS[kind]);
                any = 1;
                put_real(f, cell_number(t, r, P->c_t));
                put_real(f, cell_number(t, r, P->c_r2));
                put_real(f, cell_number(t, r, P->c_lo));
                put_real(f, cell_number(t, r, P->c_hi));
                fputc('\n', f);
            }
            if (any) {
                fprintf(f, "\n\n");
                P->kind[P->n_blocks] = kind;
                P->titled[P->n_blocks++] = !seen[kind];
                seen[kind] = 1;
            }
        }
    }
    return text_file_close(f, path, err, n_err);
}

/* The body of compare.gp: a band and a curve per block, a colour per kind. */
static void script_compare(FILE *f, const void *plot)
{
    const compare_plot *P = plot;
    fprintf(f, "set xlabel 'time t of the schedule'\nset ylabel 'r² of [compare] "
               "against [model]'\nset key outside right top\n"
               "set style fill transparent solid 0.12 noborder\nset multiplot\nplot ");
    for (size_t b = 0; b < P->n_blocks; b++) {
        const char *colour = COLOURS[(size_t)P->kind[b] % N_COLOURS];
        fprintf(f,
                "%s'compare.dat' index %zu using 1:3:4 with filledcurves lc rgb '%s' "
                "notitle, \\\n     '' index %zu using 1:2 with lines lw 1.5 lc rgb '%s' ",
                b ? ", \\\n     " : "", b, colour, b, colour);
        if (P->titled[b]) {
            fprintf(f, "title ");
            put_quoted(f, COMPARE_TITLES[P->kind[b]]);
        } else
            fprintf(f, "notitle");
    }
    fputc('\n', f);
}

int figures_compare(const csv_table *t, const char *dir, const char *gnuplot,
                    report_figure *fig, char *err, size_t n_err)
{
    memset(fig, 0, sizeof *fig);
    compare_plot P = {.t = t};
    P.c_job = csv_table_column(t, "job");
    P.c_kind = csv_table_column(t, "kind");
    P.c_t = csv_table_column(t, "t");
    P.c_r2 = csv_table_column(t, "r2");
    P.c_lo = csv_table_column(t, "r2_lo");
    P.c_hi = csv_table_column(t, "r2_hi");
    if (P.c_job < 0 || P.c_kind < 0 || P.c_r2 < 0 || t->n_rows == 0)
        return BASIN_OK; /* no such figure */
    figure_begin(fig, "compare", "Agreement of the [compare] model with the model");
    P.kind = calloc(t->n_rows + 1, sizeof *P.kind);
    P.titled = calloc(t->n_rows + 1, sizeof *P.titled);
    int rc = BASIN_OK;
    if (!P.kind || !P.titled) {
        snprintf(err, n_err, "out of memory");
        rc = BASIN_ENOMEM;
    }
    if (rc == BASIN_OK) {
        set_size(fig, 1, 1);
        fig->width = PANEL_W + 240;
        rc = write_compare_dat(&P, dir, fig->name, err, n_err);
    }
    if (rc == BASIN_OK) {
        snprintf(fig->caption, sizeof fig->caption,
                 "r² = 1 − SSE/SST of the [compare] model's denoiser output against the "
                 "model's (compare.csv), median over states with its 95%% interval, "
                 "against the schedule time: along the model's own sampling "
                 "trajectories and one step from noised held-out and training points; "
                 "a curve per job.");
        rc = write_script(dir, gnuplot, fig,
                          "Columns of compare.dat: t, r2, r2_lo, r2_hi.", script_compare,
                          &P, err, n_err);
    }
    free(P.kind);
    free(P.titled);
    return rc;
}

/* ------------------------------------------------------------ memorization */

/* One curve of the memorization figure: the rows of a sweep point but for its
   train_step, ascending in train_step. */
typedef struct memo_curve {
    size_t *rows, n;
    double size; /* dataset.count, NaN without that axis */
    memorization_time mem, gen;
} memo_curve;

typedef struct memo_plot {
    const csv_table *t;
    long c_step, c_size;
    memo_curve *curves;
    size_t n_curves;
    memorization_fit fit_mem, fit_gen; /* on the interpolated crossings */
    memorization_affine affine_mem;
    size_t censored_mem, censored_gen; /* curves whose crossing is censored */
} memo_plot;

static const memo_plot *sort_memo; /* qsort has no context argument */
static int by_train_step(const void *a, const void *b)
{
    const double x = cell_number(sort_memo->t, *(const size_t *)a, sort_memo->c_step);
    const double y = cell_number(sort_memo->t, *(const size_t *)b, sort_memo->c_step);
    return (x > y) - (x < y);
}

/* Whether rows a and b of t agree on every axis column but train_step. */
static int same_point(const memo_plot *P, size_t n_axes, size_t a, size_t b)
{
    for (size_t c = 0; c < n_axes; c++)
        if ((long)c != P->c_step &&
            strcmp(csv_table_cell(P->t, a, c), csv_table_cell(P->t, b, c)) != 0)
            return 0;
    return 1;
}

/* The curves of P (one per point but for train_step), their crossings and the
   fits. BASIN_OK or BASIN_ENOMEM. */
static int memo_curves(memo_plot *P, size_t n_axes)
{
    const csv_table *t = P->t;
    P->curves = calloc(t->n_rows, sizeof *P->curves);
    size_t *owner = calloc(t->n_rows, sizeof *owner);
    double *buf = malloc(7 * t->n_rows * sizeof *buf);
    if (!P->curves || !owner || !buf) {
        free(owner);
        free(buf);
        return BASIN_ENOMEM;
    }
    for (size_t i = 0; i < t->n_rows; i++) {
        size_t c = 0;
        while (c < P->n_curves && !same_point(P, n_axes, P->curves[c].rows[0], i))
            c++;
        memo_curve *C = &P->curves[c];
        if (c == P->n_curves) {
            P->n_curves++;
            C->rows = malloc(t->n_rows * sizeof *C->rows);
            if (!C->rows) {
                free(owner);
                free(buf);
                return BASIN_ENOMEM;
            }
            C->size = cell_number(t, i, P->c_size);
        }
        C->rows[C->n++] = i;
    }
    static const char *const COLS[6] = {"memorized_rate",      "memorized_rate_lo",
                                        "memorized_rate_hi",   "generalized_rate",
                                        "generalized_rate_lo", "generalized_rate_hi"};
    double *sizes = malloc(2 * P->n_curves * sizeof *sizes);
    for (size_t c = 0; sizes && c < P->n_curves; c++) {
        memo_curve *C = &P->curves[c];
        sort_memo = P;
        qsort(C->rows, C->n, sizeof *C->rows, by_train_step);
        double *v[7];
        for (int k = 0; k < 7; k++)
            v[k] = buf + (size_t)k * t->n_rows;
        for (size_t r = 0; r < C->n; r++) {
            v[0][r] = cell_number(t, C->rows[r], P->c_step);
            for (int k = 0; k < 6; k++)
                v[k + 1][r] = cell_number(t, C->rows[r], csv_table_column(t, COLS[k]));
        }
        C->mem = memorization_crossing(v[0], v[1], v[2], v[3], C->n, MEMORIZATION_LEVEL);
        C->gen =
            memorization_crossing(v[0], v[4], v[5], v[6], C->n, GENERALIZATION_LEVEL);
        sizes[c] = C->size;
        sizes[P->n_curves + c] = C->mem.tau_interp;
        P->censored_mem += C->mem.censored != 0;
        P->censored_gen += C->gen.censored != 0;
    }
    if (sizes) {
        P->fit_mem = memorization_power_law(sizes, sizes + P->n_curves, P->n_curves);
        P->affine_mem = memorization_affine_fit(sizes, sizes + P->n_curves, P->n_curves);
        for (size_t c = 0; c < P->n_curves; c++)
            sizes[P->n_curves + c] = P->curves[c].gen.tau_interp;
        P->fit_gen = memorization_power_law(sizes, sizes + P->n_curves, P->n_curves);
    }
    free(sizes);
    free(owner);
    free(buf);
    return sizes ? BASIN_OK : BASIN_ENOMEM;
}

/* memorization.csv: a row per curve (its axes but train_step, then the
   crossings), and memorization_fit.csv: the power laws against dataset.count. */
static int memo_tables(const memo_plot *P, size_t n_axes, const char *dir, char *err,
                       size_t n_err)
{
    char path[FIGURE_PATH];
    snprintf(path, sizeof path, "%s/memorization.csv", dir);
    FILE *f = text_file_open(path, err, n_err);
    if (!f)
        return BASIN_EWRITE;
    for (size_t c = 0; c < n_axes; c++)
        if ((long)c != P->c_step)
            fprintf(f, "%s,", P->t->header[c]);
    fprintf(f, "snapshots,mem_level,tau_mem,tau_mem_lo,tau_mem_hi,gen_level,tau_gen,"
               "tau_gen_lo,tau_gen_hi,tau_mem_interp,tau_mem_censored,tau_gen_interp,"
               "tau_gen_censored\n");
    for (size_t k = 0; k < P->n_curves; k++) {
        const memo_curve *C = &P->curves[k];
        for (size_t c = 0; c < n_axes; c++)
            if ((long)c != P->c_step)
                fprintf(f, "%s,", csv_table_cell(P->t, C->rows[0], c));
        fprintf(f, "%zu,%g,%.9g,%.9g,%.9g,%g,%.9g,%.9g,%.9g,%.9g,%d,%.9g,%d\n", C->n,
                MEMORIZATION_LEVEL, C->mem.tau, C->mem.tau_lo, C->mem.tau_hi,
                GENERALIZATION_LEVEL, C->gen.tau, C->gen.tau_lo, C->gen.tau_hi,
                C->mem.tau_interp, C->mem.censored, C->gen.tau_interp, C->gen.censored);
    }
    int rc = text_file_close(f, path, err, n_err);
    if (rc || P->c_size < 0)
        return rc;
    snprintf(path, sizeof path, "%s/memorization_fit.csv", dir);
    if (!(f = text_file_open(path, err, n_err)))
        return BASIN_EWRITE;
    fprintf(f, "time,against,points,exponent,exponent_se,prefactor,censored,"
               "affine_offset,affine_slope,affine_max_residual\n");
    const memorization_fit *fits[2] = {&P->fit_mem, &P->fit_gen};
    const memorization_affine none = {0, NAN, NAN, NAN};
    for (int k = 0; k < 2; k++) {
        const memorization_affine *a = k ? &none : &P->affine_mem;
        fprintf(f, "%s,dataset.count,%zu,%.9g,%.9g,%.9g,%zu,%.9g,%.9g,%.9g\n",
                k ? "tau_gen" : "tau_mem", fits[k]->used, fits[k]->exponent, fits[k]->se,
                fits[k]->prefactor, k ? P->censored_gen : P->censored_mem, a->offset,
                a->slope, a->max_residual);
    }
    return text_file_close(f, path, err, n_err);
}

static int write_memo_dat(const memo_plot *P, const char *dir, const char *name,
                          char *err, size_t n_err)
{
    char path[FIGURE_PATH];
    FILE *f = text_file_open(figure_path(path, dir, name, "dat"), err, n_err);
    if (!f)
        return BASIN_EWRITE;
    static const char *const COLS[6] = {"memorized_rate",      "memorized_rate_lo",
                                        "memorized_rate_hi",   "generalized_rate",
                                        "generalized_rate_lo", "generalized_rate_hi"};
    fprintf(f, "# train_step train_step/n memorized lo hi generalized lo hi; a block "
               "per curve\n");
    for (size_t k = 0; k < P->n_curves; k++) {
        const memo_curve *C = &P->curves[k];
        fprintf(f, "%s# curve %zu\n", k ? "\n\n" : "", k + 1);
        for (size_t r = 0; r < C->n; r++) {
            const double step = cell_number(P->t, C->rows[r], P->c_step);
            put_real(f, step);
            put_real(f, step / C->size);
            for (int c = 0; c < 6; c++)
                put_real(f,
                         cell_number(P->t, C->rows[r], csv_table_column(P->t, COLS[c])));
            fputc('\n', f);
        }
    }
    return text_file_close(f, path, err, n_err);
}

static void script_memo(FILE *f, const void *plot)
{
    const memo_plot *P = plot;
    fprintf(f, "set multiplot layout 1,3\nset logscale x\nset yrange [0:1]\n"
               "set key top left font ',8'\n");
    static const char *const PANELS[3][3] = {
        {"memorized fraction against training time", "training step", "1:3:4:5"},
        {"against training time / n (Bonnaire et al.: one curve)", "training step / n",
         "2:3:4:5"},
        {"generalized rate against training time", "training step", "1:6:7:8"}};
    for (int p = 0; p < 3; p++) {
        if (p == 1 && P->c_size < 0)
            continue;
        fprintf(f, "set title '%s'\nset xlabel '%s'\nset ylabel '%s'\nplot ",
                PANELS[p][0], PANELS[p][1], p == 2 ? "generalized rate" : "f_mem");
        for (size_t k = 0; k < P->n_curves; k++) {
            const memo_curve *C = &P->curves[k];
            char label[64];
            if (isfinite(C->size))
                snprintf(label, sizeof label, "n = %g", C->size);
            else
                snprintf(label, sizeof label, "curve %zu", k + 1);
            fprintf(f,
                    "%s'memorization.dat' index %zu using %s with yerrorlines "
                    "lc rgb '%s' pt 7 ps 0.5 title ",
                    k ? ", \\\n     " : "", k, PANELS[p][2],
                    COLOURS[k % (sizeof COLOURS / sizeof *COLOURS)]);
            put_quoted(f, label);
        }
        fputc('\n', f);
    }
}

int figures_memorization(const csv_table *t, const char *dir, const char *gnuplot,
                         report_figure *fig, char *err, size_t n_err)
{
    memo_plot P = {.t = t,
                   .c_step = csv_table_column(t, "train_step"),
                   .c_size = csv_table_column(t, "dataset.count")};
    const size_t n_axes = figures_axis_columns(t);
    if (P.c_step < 0 || (size_t)P.c_step >= n_axes || t->n_rows == 0)
        return BASIN_OK;
    int rc = memo_curves(&P, n_axes);
    if (rc == BASIN_OK) {
        figure_begin(fig, "memorization", "Memorization along training time");
        fig->width = 3 * PANEL_W;
        fig->height = PANEL_H;
        if (P.c_size >= 0 && isfinite(P.fit_mem.exponent)) {
            char gen[200];
            if (isfinite(P.fit_gen.exponent))
                snprintf(gen, sizeof gen, "as n^%.3g", P.fit_gen.exponent);
            else
                snprintf(gen, sizeof gen,
                         "is not fitted: it is censored at the first snapshot for %zu of "
                         "%zu sizes (lower the first snapshot to see it)",
                         P.censored_gen, P.n_curves);
            snprintf(fig->caption, sizeof fig->caption,
                     "The memorized fraction f_mem (ratio rule) at each training-step "
                     "snapshot, a curve per training-set size n, with Wilson intervals. "
                     "tau_mem (f_mem crossing %g, interpolated in log step between "
                     "snapshots; memorization.csv) grows as n^%.3g ± %.2g over %zu sizes "
                     "(Bonnaire et al. 2025, arXiv:2505.17638: n^1), or as %.4g + %.3g n "
                     "within %.0f%%; tau_gen (the generalized rate crossing %g) %s.",
                     MEMORIZATION_LEVEL, P.fit_mem.exponent, P.fit_mem.se, P.fit_mem.used,
                     P.affine_mem.offset, P.affine_mem.slope,
                     100 * P.affine_mem.max_residual, GENERALIZATION_LEVEL, gen);
        } else
            snprintf(fig->caption, sizeof fig->caption,
                     "The memorized fraction at each training-step snapshot, a curve "
                     "per sweep point, with Wilson intervals; tau_mem and tau_gen "
                     "(first snapshots above %g and %g) in memorization.csv.",
                     MEMORIZATION_LEVEL, GENERALIZATION_LEVEL);
        rc = memo_tables(&P, n_axes, dir, err, n_err);
    } else {
        snprintf(err, n_err, "out of memory");
    }
    if (rc == BASIN_OK)
        rc = write_memo_dat(&P, dir, fig->name, err, n_err);
    if (rc == BASIN_OK)
        rc = write_script(dir, gnuplot, fig,
                          "train_step, train_step/n, memorized rate and bounds, "
                          "generalized rate and bounds, a block per curve",
                          script_memo, &P, err, n_err);
    for (size_t k = 0; k < P.n_curves; k++)
        free(P.curves[k].rows);
    free(P.curves);
    return rc;
}
