/*
 * labels — the readable names figures give swept parameters: "training set size
 * K" for dataset.count. A recipe's [labels] table ("dataset.count" = "K") wins;
 * else a name basin knows (docs/report.md lists them); else, when the plugin's
 * parameter doc opens with its symbol ("K, the number of ..."), the parameter's
 * name and that symbol ("count K"); else "section name" ("sampler steps").
 */
#ifndef BASIN_REPORT_LABELS_H
#define BASIN_REPORT_LABELS_H

#include <stddef.h>

#include "recipe/recipe.h"

/* The labels of a run's swept parameters, by their dotted names. */
typedef struct axis_labels {
    size_t n;
    char **dotted; /* "dataset.count" */
    char **text;   /* "training set size K" */
} axis_labels;

/* The label of parameter dotted of recipe r (the rules above), into buf (n
   bytes). Returns buf. */
const char *report_parameter_label(const recipe *r, const char *dotted, char *buf,
                                   size_t n);

/* The labels of r's swept parameters. BASIN_OK, or BASIN_ENOMEM with a message
   (L then empty). Free with axis_labels_free; a zeroed L is empty. */
int axis_labels_make(const recipe *r, axis_labels *L, char *err, size_t n_err);
void axis_labels_free(axis_labels *L);

/* The label of a summary column: its text when L has one (L may be NULL), else
   the column's name itself. */
const char *axis_label(const axis_labels *L, const char *dotted);

#endif
