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
    "table{border-collapse:collapse;font-size:.8em}\n"
    "td,th{border:1px solid #ccc;padding:.2em .4em;text-align:right}\n"
    "th{background:#f4f4f4}\n"
    "pre{background:#f8f8f8;padding:.5em;font-size:.8em;white-space:pre-wrap}\n"
    ".skipped{background:#fff4e0;border-left:4px solid #d95f02;padding:.5em}\n"
    "@media print{body{max-width:none}a{color:inherit;text-decoration:none}"
    "pre{white-space:pre-wrap}}\n";

/* A summary cell: numbers to 4 significant digits. */
static void put_cell(FILE *f, const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*s && !*end && isfinite(v) && strchr(s, '.'))
        fprintf(f, "%.4g", v);
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

/* summary.csv as a table. */
static void put_summary(FILE *f, const csv_table *t)
{
    fprintf(f, "<h2>Summary</h2>\n<p>A row per sweep point (summary.csv); rates with "
               "the bounds of their bootstrap confidence intervals.</p>\n"
               "<table>\n<tr>");
    for (size_t c = 0; c < t->n_cols; c++) {
        fprintf(f, "<th>");
        put_text(f, t->header[c]);
        fprintf(f, "</th>");
    }
    fprintf(f, "</tr>\n");
    for (size_t r = 0; r < t->n_rows; r++) {
        fprintf(f, "<tr>");
        for (size_t c = 0; c < t->n_cols; c++) {
            fprintf(f, "<td>");
            put_cell(f, csv_table_cell(t, r, c));
            fprintf(f, "</td>");
        }
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</table>\n");
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
    put_summary(f, p->summary);
    put_versions(f, p->run_toml);
    fprintf(f, "<h2>Resolved recipe (run.toml)</h2>\n<pre>");
    put_text(f, p->run_toml);
    fprintf(f, "</pre>\n</body>\n</html>\n");
    return text_file_close(f, path, err, n_err);
}
