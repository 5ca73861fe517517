#include "run/job.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fatal.h"
#include "measure/lsr_minima.h"
#include "run/disjoint.h"
#include "run/dynamics.h"
#include "process/init.h"
#include "registry/interfaces.h"
#include "registry/param.h"
#include "recipe/sections.h"

/* ------------------------------------------------------------- helpers */

/* "RECIPE: job 3 (dataset.load=0.3)": the job as its messages name it. */
static void job_where(const job *j, char *where, size_t size)
{
    int n =
        snprintf(where, size, "%s: job %llu", j->r->path, (unsigned long long)j->index);
    size_t *coords = calloc(j->r->n_axes + 1, sizeof *coords);
    if (coords && j->r->n_axes) {
        recipe_coords(j->r, j->point, coords);
        n += snprintf(where + n, size - (size_t)n, " (");
        for (size_t a = 0; a < j->r->n_axes && n < (int)size; a++) {
            char num[32];
            n +=
                snprintf(where + n, size - (size_t)n, "%s%s=%s", a ? ", " : "",
                         j->r->axes[a].dotted, recipe_axis_text(j->r, a, coords[a], num));
        }
        if (n < (int)size)
            snprintf(where + n, size - (size_t)n, ")");
    }
    free(coords);
}

void job_error(const job *j, const char *who, const char *msg, char *err, size_t n_err)
{
    char where[512];
    job_where(j, where, sizeof where);
    if (who)
        snprintf(err, n_err, "%s: %s: %s", where, who, msg);
    else
        snprintf(err, n_err, "%s: %s", where, msg);
}

/* job_error, returning status. */
static int fail(const job *j, int status, const char *who, const char *msg, char *err,
                size_t n_err)
{
    job_error(j, who, msg, err, n_err);
    return status;
}

/* A plugin's failure as the job's status: the plugin's own (negative) status; a
   plugin that returns a positive code has broken its contract. */
static int plugin_status(int rc)
{
    return rc < 0 ? rc : BASIN_EINTERNAL;
}

static const char *plugin_id(const job *j, int section);

/* Destroy a plugin's instance, recorded for a fatal message. */
static void destroy(void (*fn)(void *), void *self, const char *id)
{
    fatal_call was = fatal_enter(id, "destroy");
    fn(self);
    fatal_leave(was);
}

void job_free(job *j)
{
    if (j->sa_self)
        destroy(j->sa->destroy, j->sa_self, plugin_id(j, RECIPE_SAMPLER));
    if (j->en_self)
        destroy(j->en->destroy, j->en_self, plugin_id(j, RECIPE_MODEL));
    if (j->sc_self)
        destroy(j->sc->destroy, j->sc_self, plugin_id(j, RECIPE_MODEL));
    if (j->cmp_self)
        destroy(j->cmp_sc->destroy, j->cmp_self, plugin_id(j, RECIPE_COMPARE));
    compare_free(&j->cmp);
    if (j->ds_self)
        destroy(j->ds->destroy, j->ds_self, plugin_id(j, RECIPE_DATASET));
    fatal_stage(NULL); /* the job is over: plugin code no longer runs */
    free(j->train);
    free(j->labels);
    free(j->heldout);
    free(j->states);
    free(j->start);
    free(j->outcome);
    free(j->energy);
    free(j->overlap);
    free(j->dist);
    free(j->d_law);
    free(j->cls);
    spurious_free(&j->spurious);
    free(j->values);
    space_free(&j->space);
    trajectory_free(&j->traj);
    free(j->d_pair);
    free(j->cos_pair);
    landscape_result_free(&j->land);
    free(j->cosine);
    lsr_minima_free(&j->found);
    free(j->minima_cls);
}

referee_batch job_batch(const job *j)
{
    referee_batch b = {.n = j->count,
                       .rule = j->rule,
                       .overlap = j->overlap,
                       .dist = j->dist,
                       .outcome = j->outcome,
                       .d_pair = j->d_pair,
                       .cos_pair = j->cos_pair,
                       .t_col_ou = j->traj.t_col_ou,
                       .t_near_ou = j->traj.t_near_ou,
                       .t_first_ou = j->traj.t_first_ou,
                       .t_start_ou = j->traj.start_ou,
                       .winner = j->traj.track,
                       .job = j->index,
                       .deterministic = j->traj.deterministic,
                       .lost = j->traj.lost,
                       .clones_skipped = j->traj.n_clones && j->traj.deterministic,
                       .before = j->traj.before,
                       .cosine = j->cosine,
                       .cal = j->dist ? &j->cal : NULL,
                       .d_law = j->space_active ? NULL : j->d_law,
                       .spurious = j->rule == MEASURE_PHAM ? &j->spurious : NULL};
    return b;
}

/* The job's dynamics: its sampler, model and schedule (score models), seed,
   threads and blocks. */
static dynamics job_dynamics(const job *j)
{
    dynamics d = {.sampler = j->sa,
                  .sampler_self = j->sa_self,
                  .model = dynamics_model(j->info.dim, j->en, j->en_self, j->sc,
                                          j->sc_self, j->sc ? &j->sched.table : NULL),
                  .host = &j->host.table,
                  .progress = j->host.progress,
                  .block = j->block,
                  .threads = j->threads,
                  .sampler_id = plugin_id(j, RECIPE_SAMPLER),
                  .call = j->run_call};
    return d;
}

/* Call function fn of plugin who (recorded for a fatal message, base/fatal.h);
   on failure format the error and return its status. */
#define CALL(who, fn, expr)                                                              \
    do {                                                                                 \
        host_job_clear_error(&j->host);                                                  \
        fatal_call was_ = fatal_enter((who), (fn));                                      \
        int rc_ = (expr);                                                                \
        fatal_leave(was_);                                                               \
        if (rc_)                                                                         \
            return fail(j, plugin_status(rc_), (who), host_job_error(&j->host, rc_),     \
                        err, n_err);                                                     \
    } while (0)

/* A plugin's create() succeeded but gave no instance: the plugin's bug. */
#define CHECK_INSTANCE(who, self)                                                        \
    do {                                                                                 \
        if (!(self))                                                                     \
            return fail(j, BASIN_EINTERNAL, (who), "create() returned no instance", err, \
                        n_err);                                                          \
    } while (0)

/* The job's section s (its model: recipe_model). */
static const recipe_section *section_of(const job *j, int s)
{
    return s == RECIPE_MODEL ? recipe_model(j->r, j->point) : &j->r->sections[s];
}

static const char *plugin_id(const job *j, int section)
{
    return section_of(j, section)->plugin->descriptor->id;
}

static int is_score(const job *j)
{
    const char *iface = section_of(j, RECIPE_MODEL)->plugin->descriptor->interface;
    return strcmp(iface, BASIN_IFACE_SCORE) == 0;
}

/* ------------------------------------------------------------- landscape */

/* Classify attractor representatives with the referee (referee.h): the recipe's
   rule against the training, held-out and law distances. */
static int classify_attractors(void *ctx, const float *x, uint64_t n, measure_class *cls,
                               int64_t *nearest, double *match)
{
    job *j = ctx;
    uint32_t dim = j->info.dim;
    basin_value v[MEASURE_N_PARAMS];
    recipe_values(j->r, RECIPE_MEASURE, j->point, v);
    referee_batch b = {.n = n, .rule = j->rule, .cal = &j->cal};
    measure_overlap *m = NULL;
    measure_distance *d = NULL;
    measure_cosine *c = NULL;
    double *law = NULL;
    int rc;
    if (j->rule == MEASURE_OVERLAP) {
        b.overlap = m = alloc_array(n, sizeof *m);
        rc = !m || measure_overlaps(x, n, j->train, j->info.n_train, dim, m) ||
             (j->info.n_heldout &&
              measure_heldout_overlaps(x, n, j->heldout, j->info.n_heldout, dim, m));
    } else {
        b.dist = d = alloc_array(n, sizeof *d);
        law = alloc_array(n, sizeof *law);
        /* In the job's space (run/space.h), as its final states were measured. */
        const space *sp = &j->space;
        float *fx = NULL;
        char why[1400];
        rc = !d || !law ||
             (sp->active &&
              space_features(sp, &j->host, 1, x, n, dim, &fx, why, sizeof why)) ||
             measure_distances(sp->active ? fx : x, n, sp->train, j->info.n_train,
                               sp->heldout, j->info.n_heldout, sp->dim, d);
        free(fx);
        if (!rc && j->rule == MEASURE_COSINE) /* no start: the closest pattern */
            rc = !(b.cosine = c = alloc_array(n, sizeof *c)) ||
                 measure_cosines(x, n, NULL, j->train, j->info.n_train, j->heldout,
                                 j->info.n_heldout, dim, c);
        if (!rc && j->ds->law_distance) {
            fatal_call was = fatal_enter(plugin_id(j, RECIPE_DATASET), "law_distance");
            if (j->ds->law_distance(j->ds_self, &j->host.table, x, n, law) != 0)
                for (uint64_t i = 0; i < n; i++)
                    law[i] = NAN;
            fatal_leave(was);
        }
    }
    if (!rc) {
        /* d_law is in data space: not against feature-space thresholds. */
        referee_classify_attractors(
            &b, j->ds->law_distance && !j->space.active ? law : NULL, v, cls);
        for (uint64_t i = 0; i < n; i++) {
            nearest[i] = m ? m[i].pattern : d[i].nearest;
            match[i] = m ? fabs(m[i].top[0]) : d[i].d_m;
        }
    }
    free(m);
    free(d);
    free(c);
    free(law);
    return rc ? BASIN_ENOMEM : BASIN_OK;
}

/*
 * The job's own dynamics on re-noised attractors (basin radii), their sample
 * indices past the probes and clones so their noise is their own. An energy's
 * dynamics run as they ran for the probes. A score model re-enters its schedule
 * where the noise-to-signal ratio σ/α equals the corruption level c: the states
 * x* + c ε are scaled by α(t) to α x* + σ ε and generated from t on (Pham et al.
 * 2025's critical-time procedure, with any sampler and schedule).
 */
static int landscape_dynamics(void *ctx, float *states, uint64_t n, double level,
                              uint64_t first_run)
{
    job *j = ctx;
    basin_outcome *outcome = alloc_array(n, sizeof *outcome);
    if (!outcome)
        return BASIN_ENOMEM;
    uint64_t base = j->count * (1 + (uint64_t)j->traj.n_clones) + first_run;
    dynamics d = job_dynamics(j);
    basin_schedule from;
    if (j->sc) {
        const basin_schedule *s = &j->sched.table;
        from = *s;
        from.t_start = schedule_from_ou_time(s, 0.5 * log1p(level * level));
        double alpha, sigma;
        s->at(s, from.t_start, &alpha, &sigma, NULL, NULL);
        for (uint64_t i = 0; i < n * j->info.dim; i++)
            states[i] = (float)(alpha * states[i]);
        d.model.schedule = &from;
    }
    int rc = dynamics_run(&d, states, n, base, outcome);
    free(outcome);
    return rc;
}

static int run_landscape(job *j, char *err, size_t n_err)
{
    basin_value v[LANDSCAPE_N_PARAMS];
    recipe_values(j->r, RECIPE_LANDSCAPE, j->point, v);
    if (!v[LANDSCAPE_ATTRACTORS].number) {
        if (!v[LANDSCAPE_RADIUS].number && !v[LANDSCAPE_CURVATURE].number)
            return BASIN_OK;
        return fail(j, BASIN_EINVAL, "landscape",
                    "landscape.radius and landscape.curvature are "
                    "measured at attractors: set landscape.attractors = true",
                    err, n_err);
    }
    uint8_t *converged = alloc_array(j->count, 1);
    if (!converged)
        return fail(j, BASIN_ENOMEM, "landscape", "out of memory", err, n_err);
    for (uint64_t i = 0; i < j->count; i++)
        converged[i] = j->outcome[i].converged != 0;
    landscape_input in = {
        .states = j->states,
        .n = j->count,
        .dim = j->info.dim,
        /* ±1 end states: an energy's dynamics on ±1 data (a score model's
           denoised samples are real-valued whatever the data). */
        .binary = !j->sc && (j->info.flags & BASIN_DATA_BINARY) != 0,
        .converged = converged,
        .host = &j->host.table,
        .energy = j->en,
        .energy_self = j->en_self,
        .classify = classify_attractors,
        .dynamics = landscape_dynamics,
        .ctx = j};
    char why[512];
    host_job_clear_error(&j->host);
    fatal_call was = fatal_enter(plugin_id(j, RECIPE_MODEL),
                                 "energy, gradient or hessian_vector (landscape)");
    int rc = landscape_run(v, &in, &j->land, why, sizeof why);
    fatal_leave(was);
    free(converged);
    if (rc) {
        const char *plugin_said = host_job_error(&j->host, rc);
        char msg[1100];
        snprintf(msg, sizeof msg, "%s%s%s", why, j->host.has_error ? ": " : "",
                 j->host.has_error ? plugin_said : "");
        return fail(j, plugin_status(rc), "landscape", msg, err, n_err);
    }
    return BASIN_OK;
}

/* The model's value of parameter `name` at the job's point (NaN: no such). */
static double model_value(job *j, const char *name)
{
    const recipe_section *s = section_of(j, RECIPE_MODEL);
    recipe_values(j->r, RECIPE_MODEL, j->point, j->values);
    for (size_t k = 0; k < s->n_params; k++)
        if (strcmp(s->params[k].name, name) == 0)
            return j->values[k].number;
    return NAN;
}

/*
 * landscape.enumerate: every local minimum of energies/lsr on the job's
 * training set, found exactly (measure/lsr_minima.h; Hoover et al. 2025,
 * arXiv:2506.10801): a minimum of one pattern is that stored pattern, still
 * retrievable (memorized, docs/science.md); one of |S| >= 2 is novel (emergent:
 * spurious unless it lies on the data's support).
 */
static int enumerate_asked(const job *j)
{
    basin_value v[LANDSCAPE_N_PARAMS];
    recipe_values(j->r, RECIPE_LANDSCAPE, j->point, v);
    return v[LANDSCAPE_ENUMERATE].number != 0;
}

/* Refuse landscape.enumerate before the dynamics run: only energies/lsr, at most
   LSR_MINIMA_MAX_PATTERNS training points, a domain cube with high > low. */
static int check_enumerate(job *j, char *err, size_t n_err)
{
    if (!enumerate_asked(j))
        return BASIN_OK;
    const char *id = plugin_id(j, RECIPE_MODEL);
    char msg[300];
    if (strcmp(id, "energies/lsr") != 0) {
        snprintf(msg, sizeof msg,
                 "landscape.enumerate counts the minima of energies/lsr, not of %s", id);
        return fail(j, BASIN_EINVAL, "landscape", msg, err, n_err);
    }
    if (j->info.n_train > LSR_MINIMA_MAX_PATTERNS) {
        snprintf(msg, sizeof msg,
                 "landscape.enumerate takes at most %u training points, not %llu",
                 LSR_MINIMA_MAX_PATTERNS, (unsigned long long)j->info.n_train);
        return fail(j, BASIN_EINVAL, "landscape", msg, err, n_err);
    }
    basin_value v[LANDSCAPE_N_PARAMS];
    recipe_values(j->r, RECIPE_LANDSCAPE, j->point, v);
    if (v[LANDSCAPE_COVERAGE].number &&
        !(v[LANDSCAPE_DOMAIN_HIGH].number > v[LANDSCAPE_DOMAIN_LOW].number)) {
        snprintf(msg, sizeof msg,
                 "landscape.domain_high = %g must be above landscape.domain_low = %g",
                 v[LANDSCAPE_DOMAIN_HIGH].number, v[LANDSCAPE_DOMAIN_LOW].number);
        return fail(j, BASIN_EINVAL, "landscape", msg, err, n_err);
    }
    return BASIN_OK;
}

/*
 * Enumerate the minima, classify each centroid with the referee as any
 * attractor (classify_attractors), count the novel ones (at least
 * landscape.novel_distance from every stored pattern) and estimate the share of
 * the domain cube inside some support from the job seed's stream
 * (lsr_coverage): single-threaded, so independent of --threads.
 */
static int run_enumerate(job *j, char *err, size_t n_err)
{
    j->covered = j->covered_se = NAN;
    if (!enumerate_asked(j))
        return BASIN_OK;
    basin_value v[LANDSCAPE_N_PARAMS];
    recipe_values(j->r, RECIPE_LANDSCAPE, j->point, v);
    const double beta = model_value(j, "beta");
    lsr_minima *m = &j->found;
    char why[256];
    int rc = lsr_minima_enumerate(j->train, j->info.n_train, j->info.dim, beta,
                                  model_value(j, "epsilon"), m, why, sizeof why);
    if (rc)
        return fail(j, rc, "landscape.enumerate", why, err, n_err);
    const uint64_t coverage = (uint64_t)v[LANDSCAPE_COVERAGE].number;
    if (coverage &&
        (rc = lsr_coverage(j->train, j->info.n_train, j->info.dim, beta,
                           v[LANDSCAPE_DOMAIN_LOW].number,
                           v[LANDSCAPE_DOMAIN_HIGH].number, coverage, j->host.seed,
                           &j->covered, &j->covered_se, why, sizeof why)))
        return fail(j, rc, "landscape.coverage", why, err, n_err);
    j->novel_distance = v[LANDSCAPE_NOVEL_DISTANCE].number;
    j->minima_patterns = j->info.n_train;
    j->minima = m->n_minima;
    j->minima_stored = m->n_stored;
    j->minima_novel = 0;
    for (uint64_t k = 0; k < m->n_minima; k++)
        j->minima_novel += m->minima[k].d_nearest >= j->novel_distance;
    j->minima_examined = m->examined;
    if (m->n_minima == 0)
        return BASIN_OK;
    j->minima_cls = alloc_array(m->n_minima, sizeof *j->minima_cls);
    int64_t *nearest = alloc_array(m->n_minima, sizeof *nearest);
    double *match = alloc_array(m->n_minima, sizeof *match);
    rc = j->minima_cls && nearest && match
             ? classify_attractors(j, m->centroids, m->n_minima, j->minima_cls, nearest,
                                   match)
             : BASIN_ENOMEM;
    free(nearest);
    free(match);
    if (rc)
        return fail(j, rc, "landscape.enumerate", "out of memory classifying the minima",
                    err, n_err);
    return BASIN_OK;
}

/* ------------------------------------------------------------- memory */

/*
 * The memory a job's own arrays take, in bytes: a lower bound of what it needs
 * (what its plugins keep - a model's weights, a data set's own rows, a sampler's
 * scratch - comes on top), so a job is refused only when it cannot fit. With N the
 * dimension, K and H the training and held-out points, C = init.count probes and
 * c = measure.clones (docs/recipes.md, "Limits"):
 *   points  4 N (K + H)                               the job's copy of the data
 *   probes  C (4 N (1 + d) + R + T)                   states (d = 1 with
 *           measure.disjoint: the starts are kept), R the per-probe records
 *           (start, outcome, energy, overlap or distances, law distance, class),
 *           T the collapse tracking when measure.collapse
 *   clones  c C (4 N + 8)                             measure.clones' snapshots
 */
typedef struct job_memory {
    double points, probes, clones;
} job_memory;

static job_memory job_memory_need(double dim, double n_train, double n_heldout,
                                  double count, const basin_value *measure)
{
    const double records =
        sizeof(int64_t) + sizeof(basin_outcome) + sizeof(double) +
        (sizeof(measure_overlap) > sizeof(measure_distance) ? sizeof(measure_overlap)
                                                            : sizeof(measure_distance)) +
        sizeof(double) + sizeof(measure_class);
    const double tracking = measure[MEASURE_COLLAPSE].number
                                ? sizeof(int64_t) + 2 * sizeof(double) + sizeof(nearest2)
                                : 0;
    const double kept = measure[MEASURE_DISJOINT].number ? 1 : 0;
    const double clones = measure[MEASURE_CLONES].number;
    job_memory m = {
        .points = 4 * dim * (n_train + n_heldout),
        .probes = count * (4 * dim * (1 + kept) + records + tracking),
        .clones = clones * count * (4 * dim + 8),
    };
    return m;
}

/* n bytes as "12.3 GiB" (binary units) into buf. */
static const char *bytes_text(double n, char *buf, size_t size)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (n >= 1024 && u < 6) {
        n /= 1024;
        u++;
    }
    snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", n, unit[u]);
    return buf;
}

/* The number in file path (a cgroup limit), or 0 when it cannot be read, is "max"
   or is so large that it means none (cgroup v1 writes 2^63 rounded to pages). */
static uint64_t read_limit(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned long long v = 0;
    const int got = fscanf(f, "%llu", &v);
    fclose(f);
    return got == 1 && v < (1ull << 60) ? (uint64_t)v : 0;
}

/* The lowest limit in file `file` on the way from the cgroup rel ("/a/b") up to the
   hierarchy's root at mount; 0 when none is set. *where gets that cgroup. */
static uint64_t cgroup_limit(const char *mount, const char *rel, const char *file,
                             char *where, size_t n_where)
{
    char dir[1024];
    int len = snprintf(dir, sizeof dir, "%s%s", mount, strcmp(rel, "/") ? rel : "");
    if (len < 0 || (size_t)len >= sizeof dir)
        return 0;
    const size_t root = strlen(mount);
    uint64_t best = 0;
    for (;;) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%s", dir, file);
        const uint64_t v = read_limit(path);
        if (v && (!best || v < best)) {
            best = v;
            snprintf(where, n_where, "%s", path);
        }
        char *slash = strrchr(dir, '/');
        if (strlen(dir) <= root || !slash || (size_t)(slash - dir) < root)
            break;
        *slash = '\0';
    }
    return best;
}

/*
 * The memory this process may use: the lowest cgroup memory limit on the way from
 * its cgroup to the root (v2 memory.max; v1 memory.limit_in_bytes where only the
 * v1 memory controller is mounted), else MemAvailable of /proc/meminfo. 0 when
 * none can be read. *source says which ("MemAvailable in /proc/meminfo").
 */
static uint64_t memory_available(char *source, size_t n_source)
{
    char v2[512] = "", v1[512] = "", line[600];
    FILE *f = fopen("/proc/self/cgroup", "r");
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *path = strchr(line, ':') ? strchr(strchr(line, ':') + 1, ':') : NULL;
        if (!path)
            continue;
        if (strncmp(line, "0::", 3) == 0)
            snprintf(v2, sizeof v2, "%s", path + 1);
        else if (strstr(line, ":memory:") || strstr(line, ",memory:") ||
                 strstr(line, ":memory,"))
            snprintf(v1, sizeof v1, "%s", path + 1);
    }
    if (f)
        fclose(f);
    char where[1100];
    uint64_t limit =
        v2[0] ? cgroup_limit("/sys/fs/cgroup", v2, "memory.max", where, sizeof where) : 0;
    if (!limit && v1[0])
        limit = cgroup_limit("/sys/fs/cgroup/memory", v1, "memory.limit_in_bytes", where,
                             sizeof where);
    if (limit) {
        snprintf(source, n_source, "the cgroup limit in %s", where);
        return limit;
    }
    f = fopen("/proc/meminfo", "r");
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    snprintf(source, n_source, "MemAvailable in /proc/meminfo");
    return (uint64_t)kb * 1024;
}

/* Refuse (BASIN_EINVAL, naming the estimate and the limit) a job of these sizes
   whose arrays alone exceed the memory available; BASIN_OK when they fit or
   nothing says what is available. */
static int job_memory_check(const job *j, double dim, double n_train, double n_heldout,
                            char *err, size_t n_err)
{
    basin_value measure[MEASURE_N_PARAMS], init[INIT_N_PARAMS];
    recipe_values(j->r, RECIPE_MEASURE, j->point, measure);
    recipe_values(j->r, RECIPE_INIT, j->point, init);
    const job_memory m =
        job_memory_need(dim, n_train, n_heldout, init[INIT_COUNT].number, measure);
    const double need = m.points + m.probes + m.clones;
    char source[1200];
    const uint64_t have = memory_available(source, sizeof source);
    if (have == 0 || need <= (double)have)
        return BASIN_OK;
    char a[32], b[32], c[32], d[32], e[32], msg[1600];
    snprintf(msg, sizeof msg,
             "this job needs at least %s (points %s, probes %s, clone snapshots %s), "
             "more than the %s available (%s)",
             bytes_text(need, a, sizeof a), bytes_text(m.points, b, sizeof b),
             bytes_text(m.probes, c, sizeof c), bytes_text(m.clones, d, sizeof d),
             bytes_text((double)have, e, sizeof e), source);
    return fail(j, BASIN_EINVAL, "memory", msg, err, n_err);
}

/* Before the data set is made: its sizes from its parameters, where it has dim and
   count (every drawn data set of basin: K = count, or max(1, round(load · dim))
   when it has a load > 0; H = heldout). Others are checked once their info() is
   known. */
static int job_memory_precheck(const job *j, const basin_value *values, char *err,
                               size_t n_err)
{
    const recipe_section *sec = &j->r->sections[RECIPE_DATASET];
    const long dim = param_find(sec->params, "dim"),
               count = param_find(sec->params, "count");
    if (dim < 0 || count < 0 || sec->params[dim].type != BASIN_PARAM_INT ||
        sec->params[count].type != BASIN_PARAM_INT)
        return BASIN_OK;
    const long load = param_find(sec->params, "load"),
               heldout = param_find(sec->params, "heldout");
    const double n = values[dim].number;
    double k = values[count].number;
    if (load >= 0 && sec->params[load].type == BASIN_PARAM_REAL &&
        values[load].number > 0)
        k = fmax(1, floor(values[load].number * n + 0.5));
    const double h = heldout >= 0 && sec->params[heldout].type == BASIN_PARAM_INT
                         ? values[heldout].number
                         : 0;
    if (!(n > 0) || !(k > 0) || !(h >= 0))
        return BASIN_OK;
    return job_memory_check(j, n, k, h, err, n_err);
}

/* ------------------------------------------------------------- the stages */

void job_image_shape(const basin_param_def *params, size_t n_params, basin_value *values,
                     const basin_dataset_info *info)
{
    if (info->height == 0 || info->width == 0 || info->channels == 0)
        return;
    const char *names[3] = {"height", "width", "channels"};
    const uint32_t shape[3] = {info->height, info->width, info->channels};
    for (size_t k = 0; k < n_params; k++)
        for (int a = 0; a < 3; a++)
            if (params[k].type == BASIN_PARAM_INT &&
                strcmp(params[k].name, names[a]) == 0 && values[k].number == 0)
                values[k].number = shape[a];
}

/* The training split's class labels, when the data set gives them (ABI 1.2):
   j->labels, else NULL (no labels() in its table, or BASIN_EUNSUPPORTED: none for
   this instance). For φ_S (run/trajectory.h). */
static int job_labels(job *j, char *err, size_t n_err)
{
    registry_labels_fn labels = registry_dataset_labels(j->ds);
    if (!labels)
        return BASIN_OK;
    const char *ds_id = plugin_id(j, RECIPE_DATASET);
    if (!(j->labels = alloc_array(j->info.n_train, sizeof *j->labels)))
        return fail(j, BASIN_ENOMEM, ds_id, "out of memory for the labels", err, n_err);
    host_job_clear_error(&j->host);
    fatal_call was = fatal_enter(ds_id, "labels");
    int rc = labels(j->ds_self, &j->host.table, BASIN_SPLIT_TRAIN, 0, j->info.n_train,
                    j->labels);
    fatal_leave(was);
    if (rc == BASIN_EUNSUPPORTED) {
        free(j->labels);
        j->labels = NULL;
        return BASIN_OK;
    }
    return rc ? fail(j, plugin_status(rc), ds_id, host_job_error(&j->host, rc), err,
                     n_err)
              : BASIN_OK;
}

/* The dataset: its instance, its info and its training and held-out points. */
static int job_dataset(job *j, char *err, size_t n_err)
{
    const char *ds_id = plugin_id(j, RECIPE_DATASET);
    const basin_host *host = &j->host.table;
    host_job_phase(&j->host, "dataset");
    j->ds = j->r->sections[RECIPE_DATASET].plugin->descriptor->iface;
    recipe_values(j->r, RECIPE_DATASET, j->point, j->values);
    int rc = job_memory_precheck(j, j->values, err, n_err);
    if (rc)
        return rc;
    CALL(ds_id, "create", j->ds->create(host, j->values, &j->ds_self));
    CHECK_INSTANCE(ds_id, j->ds_self);
    CALL(ds_id, "info", j->ds->info(j->ds_self, &j->info));
    uint32_t dim = j->info.dim;
    if (dim == 0 || j->info.n_train == 0)
        return fail(j, BASIN_EINVAL, ds_id, "the dataset is empty (dim or n_train is 0)",
                    err, n_err);
    if ((rc = job_memory_check(j, dim, (double)j->info.n_train, (double)j->info.n_heldout,
                               err, n_err)))
        return rc;
    j->train = alloc_array(j->info.n_train * dim, sizeof(float));
    j->heldout = alloc_array(j->info.n_heldout * dim, sizeof(float));
    if (j->info.n_train > UINT64_MAX / dim || j->info.n_heldout > UINT64_MAX / dim ||
        !j->train || !j->heldout)
        return fail(j, BASIN_ENOMEM, ds_id, "the dataset is too large for memory", err,
                    n_err);
    CALL(ds_id, "read",
         j->ds->read(j->ds_self, host, BASIN_SPLIT_TRAIN, 0, j->info.n_train, j->train));
    if (j->info.n_heldout)
        CALL(ds_id, "read",
             j->ds->read(j->ds_self, host, BASIN_SPLIT_HELDOUT, 0, j->info.n_heldout,
                         j->heldout));
    return job_labels(j, err, n_err);
}

/* The rule the [measure] section resolves to, and the measures this job's model
   and data can have. */
static int job_rule(job *j, char *err, size_t n_err)
{
    int binary = (j->info.flags & BASIN_DATA_BINARY) != 0;
    basin_value *v = j->values;
    recipe_values(j->r, RECIPE_MEASURE, j->point, v);
    j->rule = measure_rule_of(v[MEASURE_RULE].string, binary);
    if (!is_score(j) && (v[MEASURE_COLLAPSE].number || v[MEASURE_CLONES].number))
        return fail(j, BASIN_EINVAL, "measure",
                    "measure.collapse and measure.clones follow the "
                    "trajectories of a diffusion (a score model); an energy's dynamics "
                    "have no noise schedule",
                    err, n_err);
    if (j->rule == MEASURE_OVERLAP && v[MEASURE_CLONES].number)
        return fail(j, BASIN_EINVAL, "measure",
                    "measure.clones needs real-valued data (the "
                    "pham or ratio rule)",
                    err, n_err);
    if (j->rule == MEASURE_OVERLAP && v[MEASURE_COLLAPSE].number)
        return fail(j, BASIN_EINVAL, "measure",
                    "measure.collapse needs real-valued data (the pham or ratio "
                    "rule): the overlap layout has no collapse times",
                    err, n_err);
    if (j->rule == MEASURE_OVERLAP && !binary)
        return fail(j, BASIN_EINVAL, "measure",
                    "measure.rule = \"overlap\" needs ±1 data; use pham "
                    "or ratio for real-valued data",
                    err, n_err);
    return BASIN_OK;
}

/* [compare]'s score model, when the recipe names one: its instance, trained on
   (storing) the same training set as the model (run/compare.h). */
static int job_compare_model(job *j, char *err, size_t n_err)
{
    const recipe_section *sec = &j->r->sections[RECIPE_COMPARE];
    if (!sec->plugin)
        return BASIN_OK;
    const char *id = plugin_id(j, RECIPE_COMPARE);
    const basin_host *host = &j->host.table;
    j->cmp_sc = sec->plugin->descriptor->iface;
    recipe_values(j->r, RECIPE_COMPARE, j->point, j->values);
    job_image_shape(sec->params, sec->n_params, j->values, &j->info);
    CALL(id, "create", j->cmp_sc->create(host, j->values, j->info.dim, &j->cmp_self));
    CHECK_INSTANCE(id, j->cmp_self);
    j->host.threads = j->threads;
    CALL(id, "encode", j->cmp_sc->encode(j->cmp_self, host, j->train, j->info.n_train));
    j->host.threads = 1;
    return BASIN_OK;
}

/* The model: its instance, trained on (storing) the training set. */
static int job_model(job *j, char *err, size_t n_err)
{
    const char *model_id = plugin_id(j, RECIPE_MODEL);
    const basin_host *host = &j->host.table;
    const void *iface = section_of(j, RECIPE_MODEL)->plugin->descriptor->iface;
    uint32_t dim = j->info.dim;
    recipe_values(j->r, RECIPE_MODEL, j->point, j->values);
    job_image_shape(j->r->sections[RECIPE_MODEL].params,
                    j->r->sections[RECIPE_MODEL].n_params, j->values, &j->info);
    host_job_phase(&j->host, "encode");
    if (is_score(j)) {
        j->sc = iface;
        CALL(model_id, "create", j->sc->create(host, j->values, dim, &j->sc_self));
        CHECK_INSTANCE(model_id, j->sc_self);
        /* Training may use every thread (basin_host.parallel); a failed encode
           ends the job. */
        j->host.threads = j->threads;
        CALL(model_id, "encode",
             j->sc->encode(j->sc_self, host, j->train, j->info.n_train));
        j->host.threads = 1;
        return job_compare_model(j, err, n_err);
    }
    j->en = iface;
    if (j->r->sections[RECIPE_COMPARE].plugin)
        return fail(j, BASIN_EINVAL, "compare",
                    "[compare] compares two score models' denoisers; [model] is an "
                    "energy",
                    err, n_err);
    if ((j->en->flags & BASIN_ENERGY_BINARY) && !(j->info.flags & BASIN_DATA_BINARY))
        return fail(j, BASIN_EINVAL, model_id,
                    "this energy stores ±1 states, but the dataset is "
                    "real-valued",
                    err, n_err);
    CALL(model_id, "create", j->en->create(host, j->values, dim, &j->en_self));
    CHECK_INSTANCE(model_id, j->en_self);
    j->host.threads = j->threads;
    CALL(model_id, "encode", j->en->encode(j->en_self, host, j->train, j->info.n_train));
    j->host.threads = 1;
    return BASIN_OK;
}

/* The per-probe arrays. */
static int job_arrays(job *j, char *err, size_t n_err)
{
    uint64_t n = j->count, dim = j->info.dim;
    j->states = alloc_array(n * dim, sizeof(float));
    j->start = alloc_array(n, sizeof(int64_t));
    j->outcome = alloc_array(n, sizeof(basin_outcome));
    j->energy = alloc_array(n, sizeof(double));
    if (j->rule == MEASURE_OVERLAP)
        j->overlap = alloc_array(n, sizeof(measure_overlap));
    else
        j->dist = alloc_array(n, sizeof(measure_distance));
    j->d_law = alloc_array(n, sizeof(double));
    j->cls = alloc_array(n, sizeof(measure_class));
    if (j->rule == MEASURE_COSINE)
        j->cosine = alloc_array(n, sizeof(measure_cosine));
    if (n > UINT64_MAX / dim || !j->states || !j->start || !j->outcome || !j->energy ||
        !(j->overlap || j->dist) || !j->d_law || !j->cls ||
        (j->rule == MEASURE_COSINE && !j->cosine))
        return fail(j, BASIN_ENOMEM, "init", "init.count probes do not fit in memory",
                    err, n_err);
    return BASIN_OK;
}

/*
 * A score model starts where its schedule starts: pure noise from the forward
 * process's marginal for unit-variance data, √(α² + σ²) ε (N(0, I) for the
 * variance-preserving schedules, ≈ σ_max ε for edm), or a start point noised to
 * it, α x + σ ε.
 */
static int job_noise_starts(job *j, const char *kind)
{
    const basin_schedule *s = &j->sched.table;
    uint64_t dim = j->info.dim;
    double alpha, sigma;
    s->at(s, s->t_max, &alpha, &sigma, NULL, NULL);
    int pure = strcmp(kind, "noise") == 0 || strcmp(kind, "random") == 0;
    float *eps = pure ? NULL : alloc_array(dim, sizeof *eps);
    if (!pure && !eps)
        return BASIN_ENOMEM;
    for (uint64_t i = 0; i < j->count; i++) {
        float *x = j->states + i * dim;
        if (pure) {
            float scale = (float)sqrt(alpha * alpha + sigma * sigma);
            for (uint64_t d = 0; d < dim; d++)
                x[d] *= scale;
        } else {
            j->host.table.random_normal(&j->host.table, BASIN_ROLE_INIT, i, 1, eps, dim);
            for (uint64_t d = 0; d < dim; d++)
                x[d] = (float)(alpha * x[d] + sigma * eps[d]);
        }
    }
    free(eps);
    return BASIN_OK;
}

/* A score model's schedule, trajectory measures (observing the probes' steps)
   and start states on the schedule. */
static int job_schedule(job *j, char *err, size_t n_err)
{
    basin_value *v = j->values;
    char why[600];
    recipe_values(j->r, RECIPE_SCHEDULE, j->point, v);
    if (schedule_init_betas(&j->sched, v[SCHEDULE_NAME].string, v[SCHEDULE_T_MIN].number,
                            v[SCHEDULE_T_MAX].number, v[SCHEDULE_GRID].string,
                            v[SCHEDULE_RHO].number, v[SCHEDULE_BETA_START].number,
                            v[SCHEDULE_BETA_END].number, why, sizeof why))
        return fail(j, BASIN_EINVAL, "schedule", why, err, n_err);
    recipe_values(j->r, RECIPE_MEASURE, j->point, v);
    int rc = trajectory_setup(&j->traj, v, &j->sched.table, j->train, j->info.n_train,
                              j->info.dim, j->count, why, sizeof why);
    if (rc)
        return fail(j, rc, NULL, why, err, n_err);
    if (trajectory_observing(&j->traj)) {
        j->host.observer = trajectory_observe;
        j->host.observer_ctx = &j->traj;
    }
    recipe_values(j->r, RECIPE_INIT, j->point, v);
    if (job_noise_starts(j, v[INIT_KIND].string))
        return fail(j, BASIN_ENOMEM, "measure",
                    "the trajectory measures do not fit in memory", err, n_err);
    return BASIN_OK;
}

/* The initial states (init.h), on the schedule for a score model. */
static int job_init(job *j, char *err, size_t n_err)
{
    basin_value *v = j->values;
    int score = is_score(j);
    recipe_values(j->r, RECIPE_INIT, j->point, v);
    j->count = (uint64_t)v[INIT_COUNT].number;
    j->block = score ? SCORE_BLOCK : PROBE_BLOCK;
    if (!score && strcmp(v[INIT_KIND].string, "noise") == 0)
        return fail(j, BASIN_EINVAL, "init",
                    "init.kind = \"noise\" starts a diffusion from its "
                    "schedule; an energy's dynamics start at pattern, mixture or random",
                    err, n_err);
    int rc = job_arrays(j, err, n_err);
    if (rc)
        return rc;
    char why[512];
    rc = init_states(v, j->train, j->info.n_train, j->info.dim,
                     (j->info.flags & BASIN_DATA_BINARY) != 0, &j->host.table, 0,
                     j->count, j->states, j->start, why, sizeof why);
    if (rc)
        return fail(j, rc, "init", rc == BASIN_ENOMEM ? "out of memory" : why, err,
                    n_err);
    return score ? job_schedule(j, err, n_err) : BASIN_OK;
}

/* Whether the disjoint-sets test is asked, and refused for starts on training
   patterns (the two models would not start from the same states). */
static int job_disjoint_asked(job *j, int *asked, char *err, size_t n_err)
{
    basin_value *v = j->values;
    recipe_values(j->r, RECIPE_MEASURE, j->point, v);
    *asked = v[MEASURE_DISJOINT].number != 0;
    recipe_values(j->r, RECIPE_INIT, j->point, v);
    if (*asked && strcmp(v[INIT_KIND].string, "noise") != 0 &&
        strcmp(v[INIT_KIND].string, "random") != 0)
        return fail(j, BASIN_EINVAL, "measure",
                    "measure.disjoint compares two models from the same "
                    "starts; init.kind must be noise or random, not training patterns",
                    err, n_err);
    return BASIN_OK;
}

/* The disjoint-sets test from the probes' starts init (disjoint.h). */
static int job_disjoint(job *j, const float *init, char *err, size_t n_err)
{
    j->d_pair = alloc_array(j->count, sizeof *j->d_pair);
    j->cos_pair = alloc_array(j->count, sizeof *j->cos_pair);
    if (!j->d_pair || !j->cos_pair)
        return fail(j, BASIN_ENOMEM, "measure", "out of memory", err, n_err);
    recipe_values(j->r, RECIPE_MODEL, j->point, j->values);
    job_image_shape(j->r->sections[RECIPE_MODEL].params,
                    j->r->sections[RECIPE_MODEL].n_params, j->values, &j->info);
    dynamics first = job_dynamics(j);
    disjoint_input in = {.energy = j->en,
                         .score = j->sc,
                         .params = j->values,
                         .model_id = plugin_id(j, RECIPE_MODEL),
                         .dim = j->info.dim,
                         .n_train = j->info.n_train,
                         .heldout = j->heldout,
                         .n_heldout = j->info.n_heldout,
                         .init = init,
                         .final = j->states,
                         .count = j->count,
                         .first = &first,
                         .host = &j->host};
    char why[1400];
    fatal_call was =
        fatal_enter(in.model_id, "create, encode or destroy (measure.disjoint)");
    int rc = disjoint_run(&in, j->d_pair, j->cos_pair, why, sizeof why);
    fatal_leave(was);
    return rc ? fail(j, rc, NULL, why, err, n_err) : BASIN_OK;
}

/* The sampler over the probes, then the disjoint-sets test when asked. */
static int job_dynamics_stage(job *j, char *err, size_t n_err)
{
    const char *sa_id = plugin_id(j, RECIPE_SAMPLER);
    int disjoint, rc = job_disjoint_asked(j, &disjoint, err, n_err);
    if (rc)
        return rc;
    j->sa = j->r->sections[RECIPE_SAMPLER].plugin->descriptor->iface;
    recipe_values(j->r, RECIPE_SAMPLER, j->point, j->values);
    host_job_phase(&j->host, "dynamics");
    CALL(sa_id, "create", j->sa->create(&j->host.table, j->values, &j->sa_self));
    CHECK_INSTANCE(sa_id, j->sa_self);
    /* The disjoint-sets test reruns these starts under a second model. */
    size_t n_floats = (size_t)(j->count * j->info.dim);
    float *init = disjoint ? alloc_array(n_floats, sizeof(float)) : NULL;
    if (disjoint && !init)
        return fail(j, BASIN_ENOMEM, "measure", "out of memory", err, n_err);
    if (init)
        memcpy(init, j->states, n_floats * sizeof(float));
    host_job_clear_error(&j->host);
    if (j->cmp_sc) { /* [compare] watches every step of the probes (compare.h) */
        if (compare_init(&j->cmp, j->count)) {
            free(init);
            return fail(j, BASIN_ENOMEM, "compare", "out of memory", err, n_err);
        }
        j->cmp.first = j->sc;
        j->cmp.first_self = j->sc_self;
        j->cmp.second = j->cmp_sc;
        j->cmp.second_self = j->cmp_self;
        j->cmp.host = &j->host.table;
        j->cmp.dim = j->info.dim;
        j->cmp.inner = j->host.observer;
        j->cmp.inner_ctx = j->host.observer_ctx;
        j->host.observer = compare_observe;
        j->host.observer_ctx = &j->cmp;
    }
    dynamics d = job_dynamics(j);
    if (j->sc) /* whether the sampler draws noise decides what collapse means */
        d.host = trajectory_host(&j->traj, &j->host.table);
    rc = dynamics_run(&d, j->states, j->count, 0, j->outcome);
    j->host.observer = NULL;
    if (!rc && j->cmp_sc) {
        char why[512];
        if (j->cmp.failed)
            rc = fail(j, plugin_status(j->cmp.failed), "compare",
                      host_job_error(&j->host, j->cmp.failed), err, n_err);
        else if ((rc = compare_one_step(&j->cmp, j->heldout, j->info.n_heldout, j->train,
                                        j->info.n_train, why, sizeof why)))
            rc = fail(j, rc, NULL, why, err, n_err);
        if (rc) {
            free(init);
            return rc;
        }
    }
    if (j->sc)
        trajectory_finish(&j->traj);
    if (rc)
        rc = fail(j, plugin_status(rc), sa_id, host_job_error(&j->host, rc), err, n_err);
    else if (init)
        rc = job_disjoint(j, init, err, n_err);
    free(init);
    return rc;
}

/* The distance rules' thresholds and support test, from the job's training and
   held-out sets in the space the distances are measured in (run/space.h;
   measure/calibrate.h); law: the data set's law_distance answered, in the same
   space. */
static int job_calibrate(job *j, int law, char *err, size_t n_err)
{
    basin_value v[MEASURE_N_PARAMS];
    recipe_values(j->r, RECIPE_MEASURE, j->point, v);
    char why[512];
    int rc = calibrate_job(&j->cal, v[MEASURE_DELTA_M].number, v[MEASURE_DELTA_S].number,
                           v[MEASURE_QUANTILE].number, j->rule == MEASURE_PHAM, law,
                           j->space.train, j->info.n_train, j->space.heldout,
                           j->info.n_heldout, j->count, j->space.dim, "dataset.heldout",
                           why, sizeof why);
    return rc ? fail(j, rc, "measure", why, err, n_err) : BASIN_OK;
}

/* The final states' energies, overlaps or distances, and distance to the law. */
static int job_measures(job *j, char *err, size_t n_err)
{
    const char *ds_id = plugin_id(j, RECIPE_DATASET);
    const basin_host *host = &j->host.table;
    uint32_t dim = j->info.dim;
    host_job_phase(&j->host, "measures");
    if (j->sc)
        for (uint64_t i = 0; i < j->count; i++)
            j->energy[i] = NAN;
    else
        CALL(plugin_id(j, RECIPE_MODEL), "energy",
             j->en->energy(j->en_self, host, j->states, j->count, j->energy));
    /* Distances in the recipe's space (run/space.h): an embedding's features of
       the training, held-out and final states, or those themselves. */
    char in_space[1400];
    int rc =
        j->rule == MEASURE_OVERLAP && j->r->sections[RECIPE_SPACE].plugin
            ? BASIN_EINVAL
            : space_of_recipe(&j->space, j->r, j->point, j->values, &j->host, j->threads,
                              j->train, j->info.n_train, j->heldout, j->info.n_heldout,
                              j->states, j->count, dim, in_space, sizeof in_space);
    if (rc == BASIN_EINVAL && j->rule == MEASURE_OVERLAP)
        snprintf(in_space, sizeof in_space,
                 "measure.space: the overlap rule compares binary states in data "
                 "space; a space needs the pham or ratio rule");
    if (rc)
        return fail(j, rc, NULL, in_space, err, n_err);
    const space *sp = &j->space;
    j->space_active = sp->active;
    rc = j->rule == MEASURE_OVERLAP
             ? measure_overlaps(j->states, j->count, j->train, j->info.n_train, dim,
                                j->overlap) ||
                   (j->info.n_heldout &&
                    measure_heldout_overlaps(j->states, j->count, j->heldout,
                                             j->info.n_heldout, dim, j->overlap))
             : measure_distances(sp->states, j->count, sp->train, j->info.n_train,
                                 sp->heldout, j->info.n_heldout, sp->dim, j->dist);
    if (!rc && j->cosine)
        rc = measure_cosines(j->states, j->count, j->start, j->train, j->info.n_train,
                             j->heldout, j->info.n_heldout, dim, j->cosine);
    if (rc)
        return fail(j, BASIN_ENOMEM, "measure", "out of memory", err, n_err);
    for (uint64_t i = 0; i < j->count; i++)
        j->d_law[i] = NAN;
    if (j->ds->law_distance) {
        host_job_clear_error(&j->host);
        fatal_call was = fatal_enter(ds_id, "law_distance");
        rc = j->ds->law_distance(j->ds_self, host, j->states, j->count, j->d_law);
        fatal_leave(was);
        if (rc && rc != BASIN_EUNSUPPORTED)
            return fail(j, plugin_status(rc), ds_id, host_job_error(&j->host, rc), err,
                        n_err);
        if (rc)
            for (uint64_t i = 0; i < j->count; i++)
                j->d_law[i] = NAN;
    }
    /* d_law is in data space: with an embedding it is not compared with
       thresholds measured in feature space. */
    if (j->dist && (rc = job_calibrate(j, j->ds->law_distance && !rc && !j->space_active,
                                       err, n_err)))
        return rc;
    if (j->sc && trajectory_before_denoise(&j->traj))
        return fail(j, BASIN_ENOMEM, "measure", "out of memory", err, n_err);
    char why[1400];
    recipe_values(j->r, RECIPE_DATASET, j->point, j->values);
    fatal_call was = fatal_enter(ds_id, "spectrum");
    rc = trajectory_theory(j->ds, j->ds_self, &j->host, ds_id,
                           j->r->sections[RECIPE_DATASET].params, j->values, dim,
                           j->info.n_train, &j->theory, why, sizeof why);
    fatal_leave(was);
    return rc ? fail(j, rc, NULL, why, err, n_err) : BASIN_OK;
}

/* The clones' continuations (φ_C); none for a sampler that drew no noise (a copy
   would retrace its original: referee_batch.clones_skipped). */
static int job_clones(job *j, char *err, size_t n_err)
{
    if (!j->traj.n_clones || j->traj.deterministic)
        return BASIN_OK;
    host_job_phase(&j->host, "clones");
    dynamics d = job_dynamics(j);
    char why[1400];
    int rc = trajectory_clones(&j->traj, &d, &j->host, plugin_id(j, RECIPE_SAMPLER),
                               j->dist, j->labels, why, sizeof why);
    return rc ? fail(j, rc, NULL, why, err, n_err) : BASIN_OK;
}

/* ------------------------------------------------------------- one job */

int job_run(job *j, unsigned threads, char *err, size_t n_err)
{
    j->threads = threads;
    j->theory = (trajectory_law){NAN, NAN, COLLAPSE_BASIS_NONE};
    /* From here until job_free, an exit of the process is a plugin's, and a
       crash or a second interrupt names this job (base/fatal.h). */
    char where[512];
    job_where(j, where, sizeof where);
    fatal_stage(where);
    snprintf(j->run_call, sizeof j->run_call, "run (model %s)",
             plugin_id(j, RECIPE_MODEL));
    int rc;
    if ((rc = job_dataset(j, err, n_err)) || (rc = job_rule(j, err, n_err)) ||
        (rc = job_model(j, err, n_err)) || (rc = check_enumerate(j, err, n_err)) ||
        (rc = job_init(j, err, n_err)) || (rc = job_dynamics_stage(j, err, n_err)) ||
        (rc = job_measures(j, err, n_err)))
        return rc;
    host_job_phase(&j->host, "landscape");
    if ((rc = run_landscape(j, err, n_err)) || (rc = run_enumerate(j, err, n_err)) ||
        (rc = job_clones(j, err, n_err)))
        return rc;
    /* The referee's verdict on each final state. */
    recipe_values(j->r, RECIPE_MEASURE, j->point, j->values);
    referee_batch b = job_batch(j);
    referee_classify(&b, j->values, j->cls);
    /* In the space the distances were measured in (run/space.h). */
    if (j->rule == MEASURE_PHAM && spurious_group(j->space.states, j->count, j->space.dim,
                                                  j->cls, j->cal.delta_s, &j->spurious))
        return fail(j, BASIN_ENOMEM, "measure", "out of memory for the spurious clusters",
                    err, n_err);
    return BASIN_OK;
}
