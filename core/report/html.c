#include "report/html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "report/text_file.h"

static void put_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void put_text_n(FILE *f, const char *s, size_t n)
{
    char *copy = strndup(s, n);
    if (copy)
        put_text(f, copy);
    free(copy);
}

static const char STYLE[] =
    "body{font-family:sans-serif;max-width:75em;margin:1em auto;padding:0 1em;"
    "color:#222}\n"
    "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;"
    "margin-top:2em}\n"
    "figure{margin:1.5em 0;break-inside:avoid;page-break-inside:avoid}\n"
    "figure img{max-width:100%;height:auto;border:1px solid #eee}\n"
    "figcaption{font-size:.9em;color:#444;max-width:60em}\n"
    "table{border-collapse:collapse;font-size:.75em}\n"
    ".table{overflow-x:auto;max-width:100%}\n"
    "td small{color:#666;white-space:nowrap}\n"
    "td,th{border:1px solid #ccc;padding:.2em .4em;text-align:right}\n"
    "th{background:#f4f4f4}\n"
    "pre{background:#f8f8f8;padding:.5em;font-size:.8em;white-space:pre-wrap}\n"
    ".skipped{background:#fff4e0;border-left:4px solid #d95f02;padding:.5em}\n"
    "@media print{body{max-width:none}a{color:inherit;text-decoration:none}"
    "pre{white-space:pre-wrap}}\n";

/* A summary cell: numbers to 3 significant digits. */
static void put_cell(FILE *f, const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*s && !*end && isfinite(v) && strchr(s, '.'))
        fprintf(f, "%.3g", v);
    else
        put_text(f, s);
}

/* The page's head, title, description and the note on the files. */
static void put_head(FILE *f, const report_page *p)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
               "\n<title>basin report: ");
    put_text(f, p->name);
    fprintf(f,
            "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>basin report: ", STYLE);
    put_text(f, p->name);
    fprintf(f, "</h1>\n");
    if (p->description && *p->description) {
        fprintf(f, "<p>");
        put_text(f, p->description);
        fprintf(f, "</p>\n");
    }
    fprintf(f, "<p>Every figure is drawn from the CSV files of this folder; its "
               "gnuplot script (<code>NAME.gp</code>) and data (<code>NAME.dat</code>) "
               "are beside it: <code>gnuplot NAME.gp</code> redraws it.</p>\n");
}

/* The list of figures not drawn, with why, when there are any. */
static void put_skipped(FILE *f, const report_page *p)
{
    int any_skipped = 0;
    for (size_t i = 0; i < p->n_figures; i++)
        any_skipped |= !p->figures[i].drawn;
    if (!any_skipped)
        return;
    fprintf(f, "<div class=\"skipped\"><strong>Figures not drawn:</strong><ul>\n");
    for (size_t i = 0; i < p->n_figures; i++) {
        const report_figure *g = &p->figures[i];
        if (g->drawn)
            continue;
        fprintf(f, "<li>%s.%s: ", g->name, g->svg ? "svg/.png" : "png");
        put_text(f, g->skipped);
        fprintf(f, "</li>\n");
    }
    fprintf(f, "</ul></div>\n");
}

/* A figure: its image (or why not), its caption and its files. */
static void put_figure(FILE *f, const report_figure *g)
{
    fprintf(f, "<figure id=\"%s\">\n", g->name);
    if (g->drawn)
        fprintf(f, "<img src=\"%s.%s\" width=\"%u\" height=\"%u\" alt=\"", g->name,
                g->svg ? "svg" : "png", g->width, g->height);
    else
        fprintf(f, "<p class=\"skipped\">Not drawn: ");
    put_text(f, g->title);
    fprintf(f, g->drawn ? "\">\n" : "</p>\n");
    fprintf(f, "<figcaption><strong>");
    put_text(f, g->title);
    fprintf(f, ".</strong> ");
    put_text(f, g->caption);
    if (g->svg && g->drawn) {
        fprintf(f, " Files:");
        static const char *const EXT[] = {"pdf", "svg", "png", "gp", "dat"};
        for (int k = 0; k < 5; k++)
            fprintf(f, "%s <a href=\"%s.%s\">%s.%s</a>", k ? "," : "", g->name, EXT[k],
                    g->name, EXT[k]);
        fputc('.', f);
    } else if (g->svg) {
        fprintf(f, " Files: <a href=\"%s.gp\">%s.gp</a>, <a href=\"%s.dat\">%s.dat</a>.",
                g->name, g->name, g->name, g->name);
    }
    fprintf(f, "</figcaption>\n</figure>\n");
}

/* A cell with no value: empty, nan, none. */
static int no_value(const char *s)
{
    return !*s || !strcmp(s, "nan") || !strcmp(s, "NaN") || !strcmp(s, "-nan");
}

/* Column c of t has no value in any row. */
static int column_empty(const csv_table *t, size_t c)
{
    for (size_t r = 0; r < t->n_rows; r++)
        if (!no_value(csv_table_cell(t, r, c)))
            return 0;
    return 1;
}

/* Column c is the _lo or _hi bound of a column NAME that the table also has. */
static int is_bound(const csv_table *t, size_t c)
{
    const char *h = t->header[c];
    size_t n = strlen(h);
    if (n < 4 || (strcmp(h + n - 3, "_lo") && strcmp(h + n - 3, "_hi")))
        return 0;
    char base[256];
    snprintf(base, sizeof base, "%.*s", (int)(n - 3), h);
    return csv_table_column(t, base) >= 0;
}

/* Column c (not a swept parameter, not a rate with an interval) holds the same
   value on every row of a table of several rows. */
static int column_constant(const csv_table *t, size_t c, size_t n_axes)
{
    char name[300];
    snprintf(name, sizeof name, "%s_lo", t->header[c]);
    if (c < n_axes || t->n_rows < 2 || csv_table_column(t, name) >= 0)
        return 0;
    for (size_t r = 1; r < t->n_rows; r++)
        if (strcmp(csv_table_cell(t, r, c), csv_table_cell(t, 0, c)))
            return 0;
    return 1;
}

/* Shown as a column of the table. */
static int column_shown(const report_page *p, size_t c)
{
    const csv_table *t = p->summary;
    /* seconds: how long a point took, not a result (summary.csv keeps it) */
    return !is_bound(t, c) && !column_empty(t, c) && !column_constant(t, c, p->n_axes) &&
           strcmp(t->header[c], "seconds") != 0;
}

/* summary.csv as a compact table: the swept parameters by their labels, each
   rate with its interval in one cell, columns with no value hidden; the full
   table is summary.csv, linked. */
static void put_summary(FILE *f, const report_page *p)
{
    const csv_table *t = p->summary;
    size_t hidden = 0;
    char names[600] = "";
    for (size_t c = 0; c < t->n_cols; c++)
        if (!is_bound(t, c) && column_empty(t, c)) {
            size_t used = strlen(names);
            if (used < sizeof names)
                snprintf(names + used, sizeof names - used, "%s%s", hidden ? ", " : "",
                         t->header[c]);
            hidden++;
        }
    fprintf(f, "<h2>Summary</h2>\n<p>A row per sweep point; each rate with its "
               "confidence interval [low, high]");
    if (hidden) {
        fprintf(f, "; %zu column%s without any value hidden (", hidden,
                hidden == 1 ? "" : "s");
        put_text(f, names);
        fprintf(f, ")");
    }
    fprintf(f, ". The full table, with the seconds each point took: <a "
               "href=\"summary.csv\">summary.csv</a>.</p>\n");
    int any_constant = 0;
    for (size_t c = 0; c < t->n_cols; c++) {
        if (is_bound(t, c) || column_empty(t, c) || !column_constant(t, c, p->n_axes))
            continue;
        fprintf(f, "%s", any_constant ? ", " : "<p>The same at every sweep point: ");
        put_text(f, t->header[c]);
        fprintf(f, " = ");
        put_cell(f, csv_table_cell(t, 0, c));
        any_constant = 1;
    }
    fprintf(f, "%s<div class=\"table\"><table id=\"summary\">\n<tr>",
            any_constant ? ".</p>\n" : "");
    for (size_t c = 0; c < t->n_cols; c++) {
        if (!column_shown(p, c))
            continue;
        /* A label for a swept parameter; else the name, "_rate" dropped and
           words split so that the header wraps. */
        char label[256];
        snprintf(label, sizeof label, "%s", axis_label(p->labels, t->header[c]));
        size_t len = strlen(label);
        if (len > 5 && !strcmp(label + len - 5, "_rate"))
            label[len - 5] = '\0';
        for (char *u = label; *u && c >= p->n_axes; u++)
            *u = *u == '_' ? ' ' : *u;
        fprintf(f, "<th title=\"");
        put_text(f, t->header[c]);
        fprintf(f, "\">");
        put_text(f, label);
        fprintf(f, "</th>");
    }
    fprintf(f, "</tr>\n");
    for (size_t r = 0; r < t->n_rows; r++) {
        fprintf(f, "<tr>");
        for (size_t c = 0; c < t->n_cols; c++) {
            if (!column_shown(p, c))
                continue;
            fprintf(f, "<td>");
            put_cell(f, csv_table_cell(t, r, c));
            char name[300];
            snprintf(name, sizeof name, "%s_lo", t->header[c]);
            long lo = csv_table_column(t, name);
            snprintf(name, sizeof name, "%s_hi", t->header[c]);
            long hi = csv_table_column(t, name);
            if (lo >= 0 && hi >= 0 && !no_value(csv_table_cell(t, r, (size_t)lo))) {
                fprintf(f, "<br><small>[");
                put_cell(f, csv_table_cell(t, r, (size_t)lo));
                fprintf(f, ", ");
                put_cell(f, csv_table_cell(t, r, (size_t)hi));
                fprintf(f, "]</small>");
            }
            fprintf(f, "</td>");
        }
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</table></div>\n");
}

/* Versions: run.toml's "# basin ..." and "# BLAS ..." lines, and each plugin line
   with the "# version ..." line after it. */
static void put_versions(FILE *f, const char *run_toml)
{
    fprintf(f, "<h2>Versions</h2>\n<ul>\n");
    const char *s = run_toml, *plugin = NULL;
    size_t plugin_len = 0;
    while (*s) {
        size_t len = strcspn(s, "\n");
        if (!strncmp(s, "# basin ", 8) || !strncmp(s, "# BLAS", 6)) {
            fprintf(f, "<li>");
            put_text_n(f, s + 2, len - 2);
            fprintf(f, "</li>\n");
        } else if (!strncmp(s, "plugin = ", 9)) {
            plugin = s + 9;
            plugin_len = len - 9;
        } else if (plugin && !strncmp(s, "# version ", 10)) {
            fprintf(f, "<li>");
            put_text_n(f, plugin, plugin_len);
            fprintf(f, ": ");
            put_text_n(f, s + 2, len - 2);
            fprintf(f, "</li>\n");
            plugin = NULL;
        }
        s += len + (s[len] == '\n');
    }
    fprintf(f, "</ul>\n");
}

int report_html_write(const char *path, const report_page *p, char *err, size_t n_err)
{
    FILE *f = text_file_open(path, err, n_err);
    if (!f)
        return BASIN_EWRITE;
    put_head(f, p);
    put_skipped(f, p);
    fprintf(f, "<h2>Figures</h2>\n");
    for (size_t i = 0; i < p->n_figures; i++)
        put_figure(f, &p->figures[i]);
    put_summary(f, p);
    put_versions(f, p->run_toml);
    fprintf(f, "<h2>Resolved recipe (run.toml)</h2>\n<pre>");
    put_text(f, p->run_toml);
    fprintf(f, "</pre>\n</body>\n</html>\n");
    return text_file_close(f, path, err, n_err);
}
