/*
 * report_html — report.html: one static page (no script, no network: every image
 * is a file beside it) with the figures, the notes on figures that were skipped,
 * the summary table, the resolved recipe and the versions of basin and its
 * plugins. The table is compact: each rate with its interval in one cell,
 * columns without any value hidden (the page says which), summary.csv linked
 * for the whole. Readable offline and printable (each figure stays on one page).
 */
#ifndef BASIN_REPORT_HTML_H
#define BASIN_REPORT_HTML_H

#include <stddef.h>

#include "report/csv_table.h"
#include "report/figures.h"
#include "report/labels.h"

typedef struct report_page {
    const char *name;        /* the recipe's name */
    const char *description; /* may be "" */
    const char *run_toml;    /* its text */
    const csv_table *summary;
    const axis_labels *labels;    /* the swept parameters' names (may be NULL) */
    size_t n_axes;                /* the leading swept-parameter columns */
    const report_figure *figures; /* drawn or skipped, in page order */
    size_t n_figures;
} report_page;

/* Write the page to path. BASIN_OK, or BASIN_EWRITE with a message. */
int report_html_write(const char *path, const report_page *p, char *err, size_t n_err);

#endif
