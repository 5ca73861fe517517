#include "report/labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

/* Names of parameters common across recipes (docs/science.md's symbols). */
static const char *const KNOWN[][2] = {
    {"dataset.count", "training set size K"},
    {"dataset.load", "load α = K/N"},
    {"dataset.dim", "dimension N"},
    {"dataset.heldout", "held-out points"},
    {"dataset.components", "mixture components C"},
    {"dataset.alpha_d", "latent ratio α_D = D/N"},
    {"dataset.variance", "variance σ²"},
    {"model", "model"},
    {"model.beta", "inverse temperature β"},
    {"model.steps", "training steps"},
    {"model.width", "network width"},
    {"model.depth", "network depth"},
    {"sampler.steps", "sampler steps"},
    {"sampler.eta", "DDIM η"},
    {"schedule.t_min", "end time t_min"},
    {"schedule.t_max", "start time t_max"},
    {"init.flip", "corrupted fraction"},
    {"init.count", "probes per job"},
    {"measure.delta_m", "memorization threshold δ_m"},
    {"measure.delta_s", "spurious threshold δ_s"},
    {"measure.ratio", "ratio threshold"},
};

/* The parameter definition of dotted in r, or NULL. */
static const basin_param_def *find_param(const recipe *r, const char *dotted)
{
    const char *dot = strchr(dotted, '.');
    for (int s = 0; dot && s < RECIPE_N_SECTIONS; s++) {
        const recipe_section *sec = &r->sections[s];
        if (!sec->name || strncmp(dotted, sec->name, (size_t)(dot - dotted)) ||
            sec->name[dot - dotted])
            continue;
        for (size_t i = 0; sec->params && i < sec->n_params; i++)
            if (strcmp(sec->params[i].name, dot + 1) == 0)
                return &sec->params[i];
    }
    return NULL;
}

const char *report_parameter_label(const recipe *r, const char *dotted, char *buf,
                                   size_t n)
{
    const char *given = r ? recipe_label(r, dotted) : NULL;
    if (given) {
        snprintf(buf, n, "%s", given);
        return buf;
    }
    for (size_t k = 0; k < sizeof KNOWN / sizeof *KNOWN; k++)
        if (strcmp(KNOWN[k][0], dotted) == 0) {
            snprintf(buf, n, "%s", KNOWN[k][1]);
            return buf;
        }
    const char *dot = strchr(dotted, '.');
    if (!dot) {
        snprintf(buf, n, "%s", dotted);
        return buf;
    }
    char name[128];
    snprintf(name, sizeof name, "%s", dot + 1);
    for (char *c = name; *c; c++)
        if (*c == '_' || *c == '-')
            *c = ' ';
    /* A doc that opens with a short symbol: "K, the number of ..." */
    const basin_param_def *def = r ? find_param(r, dotted) : NULL;
    size_t sym = def && def->doc ? strcspn(def->doc, ", ") : 0;
    if (sym > 0 && sym <= 8 && def->doc[sym] == ',')
        snprintf(buf, n, "%s %.*s", name, (int)sym, def->doc);
    else
        snprintf(buf, n, "%.*s %s", (int)(dot - dotted), dotted, name);
    return buf;
}

void axis_labels_free(axis_labels *L)
{
    for (size_t a = 0; a < L->n; a++) {
        free(L->dotted[a]);
        free(L->text[a]);
    }
    free(L->dotted);
    free(L->text);
    memset(L, 0, sizeof *L);
}

int axis_labels_make(const recipe *r, axis_labels *L, char *err, size_t n_err)
{
    memset(L, 0, sizeof *L);
    L->dotted = calloc(r->n_axes + 1, sizeof *L->dotted);
    L->text = calloc(r->n_axes + 1, sizeof *L->text);
    int ok = L->dotted && L->text;
    for (size_t a = 0; ok && a < r->n_axes; a++) {
        char buf[256];
        L->dotted[a] = strdup(r->axes[a].dotted);
        L->text[a] =
            strdup(report_parameter_label(r, r->axes[a].dotted, buf, sizeof buf));
        L->n = a + 1;
        ok = L->dotted[a] && L->text[a];
    }
    if (ok)
        return BASIN_OK;
    axis_labels_free(L);
    snprintf(err, n_err, "out of memory");
    return BASIN_ENOMEM;
}

const char *axis_label(const axis_labels *L, const char *dotted)
{
    for (size_t a = 0; L && a < L->n; a++)
        if (strcmp(L->dotted[a], dotted) == 0)
            return L->text[a];
    return dotted;
}
