/* recipe, param, suggest: sweeps, overrides, and the message of every bad input.
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder;
 * BASIN_TEST_REQUIRED_FIXTURE, tests/include/required_param.c built. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "registry/param.h"
#include "recipe/recipe.h"
#include "base/rng.h"
#include "base/suggest.h"

static char tmpdir[] = "/tmp/basin-test-recipe-XXXXXX";

static void remove_tmpdir(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/r.toml", tmpdir);
    unlink(path);
    rmdir(tmpdir);
}

/* Write text to name in the program's temporary folder (made on first use,
   removed at exit); returns its path, or "" when it could not be written. */
static const char *write_recipe(const char *name, const char *text)
{
    static char path[512];
    static int made;
    if (!made) {
        if (!mkdtemp(tmpdir))
            return "";
        made = 1;
        atexit(remove_tmpdir);
    }
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return "";
    fputs(text, f);
    fclose(f);
    return path;
}

/* Load text (with sets); return the status and leave the message in err. */
static int load(const char *text, const char *const *sets, size_t n_sets, recipe **out,
                char *err, size_t n_err)
{
    /* One registry for all: a recipe points into it, so it outlives them. */
    static registry *reg;
    if (!reg) {
        reg = registry_new();
        const char *plugin_dir = getenv("BASIN_TEST_PLUGIN_DIR");
        registry_add_path(reg, plugin_dir ? plugin_dir : "", 1, err, n_err);
    }
    const char *path = write_recipe("r.toml", text);
    return recipe_load(path, sets, n_sets, reg, out, err, n_err);
}

#define BASE                                                                             \
    "[dataset]\nplugin = \"datasets/binary-patterns\"\n"                                 \
    "[model]\nplugin = \"energies/hopfield\"\n"                                          \
    "[sampler]\nplugin = \"samplers/hopfield\"\n"

TEST_IMPL(recipe_sweeps)
{
    ASSERT_NOT_NULL(test_env("BASIN_TEST_PLUGIN_DIR"));
    char err[2048];
    recipe *r = NULL;
    int rc = load("name = \"s\"\nseed = 9\nrepeats = 2\n"
                  "[dataset]\nplugin = \"datasets/binary-patterns\"\n"
                  "dim = { from = 100, to = 400, times = 2 }\n"
                  "load = { from = 0.02, to = 0.30, step = 0.02 }\n"
                  "[model]\nplugin = \"energies/hopfield\"\n"
                  "[sampler]\nplugin = \"samplers/hopfield\"\n"
                  "mode = [\"async\", \"sync\"]\n",
                  NULL, 0, &r, err, sizeof err);
    ASSERT_MSG(rc == 0, "sweep recipe loads: %s", err);
    EXPECT_EQ(r->n_axes, 3);
    EXPECT_EQ(r->n_points, 3 * 15 * 2);
    /* Axes in file order. */
    if (r->n_axes == 3) {
        EXPECT_STR_EQ(r->axes[0].dotted, "dataset.dim");
        EXPECT_STR_EQ(r->axes[1].dotted, "dataset.load");
        EXPECT_STR_EQ(r->axes[2].dotted, "sampler.mode");
        /* The geometric range ends at 400; the range's end is exactly 0.3. */
        EXPECT_NEAR(r->axes[0].values[2].number, 400, 0);
        EXPECT_NEAR(r->axes[1].values[14].number, 0.3, 0);
    }
    /* The last axis varies fastest: point 1 = (100, 0.02, sync). */
    basin_value v[16];
    recipe_values(r, RECIPE_SAMPLER, 1, v);
    EXPECT_STR_EQ(v[0].string, "sync");
    /* Point 66: dim 400, load 0.08. */
    recipe_values(r, RECIPE_DATASET, 2 * 15 * 2 + 3 * 2, v);
    EXPECT_NEAR(v[0].number, 400, 0);
    EXPECT_NEAR(v[2].number, 0.08, 0);
    /* Top-level keys. */
    EXPECT_EQ(r->seed, 9);
    EXPECT_EQ(r->repeats, 2);
    EXPECT_STR_EQ(r->name, "s");
    recipe_free(r);
}

TEST_IMPL(recipe_set)
{
    ASSERT_NOT_NULL(test_env("BASIN_TEST_PLUGIN_DIR"));
    char err[2048];
    recipe *r = NULL;
    const char *sets[] = {"dataset.dim=64", "sampler.mode=sync", "seed=3",
                          "init.count=[1, 2, 3]"};
    int rc = load(BASE, sets, 4, &r, err, sizeof err);
    ASSERT_MSG(rc == 0, "--set recipe loads: %s", err);
    basin_value v[16];
    recipe_values(r, RECIPE_DATASET, 0, v);
    EXPECT_NEAR(v[0].number, 64, 0); /* --set dataset.dim */
    recipe_values(r, RECIPE_SAMPLER, 0, v);
    EXPECT_STR_EQ(v[0].string, "sync"); /* --set with a bare word */
    /* --set seed, and a sweep. */
    EXPECT_EQ(r->seed, 3);
    EXPECT_EQ(r->n_points, 3);
    /* The name defaults to the file name. */
    EXPECT_STR_EQ(r->name, "r");
    recipe_free(r);
}

/* The message of each bad input: location, key and a suggestion. */
TEST_IMPL(recipe_bad_inputs)
{
    ASSERT_NOT_NULL(test_env("BASIN_TEST_PLUGIN_DIR"));
    static const struct {
        const char *what, *text, *set, *expect1, *expect2;
    } cases[] = {
        {"malformed TOML", "[dataset]\nplugin = \"x\n", NULL, "r.toml:2:", ""},
        {"unknown key", BASE "max_sweep = 3\n", NULL,
         "r.toml:7: sampler.max_sweep: unknown key", "did you mean 'max_sweeps'"},
        {"unknown section key",
         "[dataset]\nplugin = \"datasets/binary-patterns\"\n"
         "lod = 0.1\n[model]\nplugin = \"energies/hopfield\"\n"
         "[sampler]\nplugin = \"samplers/hopfield\"\n",
         NULL, "r.toml:3: dataset.lod: unknown key", "did you mean 'load'"},
        {"wrong type", BASE "[init]\ncount = \"many\"\n", NULL,
         "r.toml:8: init.count: expected an int, found string", ""},
        {"out of range", BASE "[measure]\nthreshold = 1.5\n", NULL,
         "r.toml:8: measure.threshold: 1.5 is out of range (0, 1]", ""},
        {"bad choice", BASE "[init]\nkind = \"patern\"\n", NULL,
         "init.kind: 'patern' is not one of", "did you mean 'pattern'"},
        {"unknown plugin", "[dataset]\nplugin = \"datasets/binary-patern\"\n", NULL,
         "r.toml:2: dataset.plugin: unknown plugin 'datasets/binary-patern'",
         "did you mean 'datasets/binary-patterns'"},
        {"k-diffusion's sampler name",
         "[dataset]\nplugin = \"datasets/gaussian\"\n[model]\nplugin = "
         "\"scores/empirical\"\n[sampler]\nplugin = \"dpmpp_2m_sde\"\n",
         NULL, "r.toml:6: sampler.plugin: unknown plugin 'dpmpp_2m_sde'",
         "(k-diffusion's name; in basin: plugin = \"samplers/dpmpp-2m-sde\")"},
        {"diffusers' scheduler class",
         "[dataset]\nplugin = \"datasets/gaussian\"\n[model]\nplugin = "
         "\"scores/empirical\"\n[sampler]\nplugin = \"EulerAncestralDiscreteScheduler\"\n",
         NULL, "unknown plugin 'EulerAncestralDiscreteScheduler'",
         "(diffusers' name; in basin: plugin = \"samplers/euler-ancestral\")"},
        {"k-diffusion's karras schedule", BASE "[schedule]\nname = \"karras\"\n", NULL,
         "schedule.name: 'karras' is not one of",
         "in basin: [schedule] name = \"edm\", grid = \"karras\""},
        {"plugin of the wrong kind", "[dataset]\nplugin = \"energies/hopfield\"\n", NULL,
         "dataset.plugin: 'energies/hopfield' is an energy plugin", ""},
        {"missing section", "[dataset]\nplugin = \"datasets/binary-patterns\"\n", NULL,
         "has no [model] section", ""},
        {"missing library", "plugin_path = \"nowhere/lib.so\"\n" BASE, NULL,
         "r.toml:1: plugin_path:", "nowhere/lib.so: No such file or directory"},
        {"range in a list's place",
         BASE "[init]\nkind = { from = 1, to = 2, step = 1 }\n", NULL,
         "init.kind: a range sweeps numbers", ""},
        {"bad range", BASE "[init]\nflip = { from = 0.5, to = 0.1, step = 0.1 }\n", NULL,
         "init.flip: a range needs from <= to and step > 0", ""},
        {"range value out of range",
         BASE "[init]\nflip = { from = 0.5, to = 1.5, step = 0.5 }\n", NULL,
         "init.flip: range value 3: 1.5 is out of range [0, 1]", ""},
        {"unknown top-level key", "sed = 1\n" BASE, NULL, "r.toml:1: sed: unknown key",
         "did you mean 'seed'"},
        {"bad --set value", BASE, "measure.threshold=2", "--set measure.threshold: 2 is",
         "out of range (0, 1]"},
        {"bad --set key", BASE, "measure.treshold=0.5",
         "--set measure.treshold: unknown key", "did you mean 'threshold'"},
        {"--set without =", BASE, "measure.threshold", "expected dotted.key=value", ""},
        {"negative seed", "seed = -1\n" BASE, NULL, "r.toml:1: seed:", "non-negative"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[2048] = "";
        recipe *r = NULL;
        const char *sets[1] = {cases[i].set};
        int rc = load(cases[i].text, sets, cases[i].set ? 1 : 0, &r, err, sizeof err);
        EXPECT_MSG(rc != 0 && r == NULL, "%s: accepted", cases[i].what);
        EXPECT_STR_CONTAINS(err, cases[i].expect1);
        EXPECT_STR_CONTAINS(err, cases[i].expect2);
        EXPECT_MSG(!strchr(err, '\n'), "%s: message is more than one line",
                   cases[i].what);
        recipe_free(r);
    }
}

/* Issue 16, items 5 and 10: what toml++ could crash or assert on never reaches
   it, --set text that is not UTF-8 (it made run.toml unreadable) is refused, and
   each message is exact: file, line, what. */
TEST_IMPL(recipe_guard)
{
    ASSERT_NOT_NULL(test_env("BASIN_TEST_PLUGIN_DIR"));
    char err[2048], want[2048];
    recipe *r = NULL;
    const char *dir = write_recipe("r.toml", "");
    char path[512];
    snprintf(path, sizeof path, "%s", dir);
    static const struct {
        const char *text, *message;
        int status;
    } cases[] = {
        {BASE "[init]\ncount = \xce\xb2\n",
         "%s:8: a non-ASCII character outside a string or comment (bare keys and values "
         "are ASCII; quote it)",
         BASIN_EINVAL},
        {BASE "[init]\ncount = [ }\n", "%s:8: '}' closes the '[' of line 8",
         BASIN_EINVAL},
        {BASE "[init]\nkind = \"\xff\"\n", "%s:8: not valid UTF-8 (byte 0xFF)",
         BASIN_EINVAL},
        {BASE
         "[init.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a"
         ".a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a]\n",
         "%s:7: nested deeper than 64 levels (dotted-key parts, table-header parts, arrays "
         "and inline tables each count one)",
         BASIN_EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        EXPECT_EQ(load(cases[i].text, NULL, 0, &r, err, sizeof err), cases[i].status);
        snprintf(want, sizeof want, cases[i].message, path);
        EXPECT_STR_EQ(err, want);
        EXPECT_NULL(r);
    }
    const char *bad[] = {"dataset.dim=6\xff"};
    EXPECT_EQ(load(BASE, bad, 1, &r, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_EQ(err, "--set dataset.dim=6: not valid UTF-8 (byte 0xFF after that)");
    const char *bad_key[] = {"\xc3(=1"};
    EXPECT_EQ(load(BASE, bad_key, 1, &r, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_EQ(err, "--set : not valid UTF-8 (byte 0xC3 first)");
    /* A deep --set value is not TOML to basin: it is the string it reads as. */
    const char *deep[] = {
        "init.kind=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[[[[[[[[[[[[[[[[[[1"};
    EXPECT_EQ(load(BASE, deep, 1, &r, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, "--set init.kind: '[[[[");
    /* Valid UTF-8 in a bare --set word is still a string. */
    const char *word[] = {"name=caf\xc3\xa9"};
    EXPECT_EQ(load(BASE, word, 1, &r, err, sizeof err), BASIN_OK);
    EXPECT_STR_EQ(r->name, "caf\xc3\xa9");
    recipe_free(r);
    r = NULL;

    /* 5 MB of keys: refused at 4 MiB, without reading on. */
    size_t cap = 6u << 20, n = 0;
    char *big = malloc(cap);
    ASSERT_NOT_NULL(big);
    n += (size_t)snprintf(big, cap, "%s[init]\n", BASE);
    for (long k = 0; n < (5u << 20); k++)
        n += (size_t)snprintf(big + n, cap - n, "k%07ld = 1\n", k);
    EXPECT_EQ(load(big, NULL, 0, &r, err, sizeof err), BASIN_EINVAL);
    free(big);
    snprintf(want, sizeof want, "%s:", path);
    EXPECT_STR_CONTAINS(err, want);
    EXPECT_STR_CONTAINS(
        err, ": over 4 MiB of TOML (comments aside): a recipe is at most 4 MiB");
    EXPECT_NULL(r);
}

/* A required parameter that the recipe leaves out; set, the recipe loads. */
TEST_IMPL(recipe_required_param)
{
    ASSERT_NOT_NULL(test_env("BASIN_TEST_PLUGIN_DIR"));
    const char *required_fixture = test_env("BASIN_TEST_REQUIRED_FIXTURE");
    ASSERT_NOT_NULL(required_fixture);
    char text[1024], err2[1024] = "";
    recipe *rr = NULL;
    snprintf(text, sizeof text,
             "plugin_path = \"%s\"\n[dataset]\nplugin = \"datasets/required-fixture\"\n"
             "[model]\nplugin = \"energies/hopfield\"\n"
             "[sampler]\nplugin = \"samplers/hopfield\"\n",
             required_fixture);
    EXPECT_EQ(load(text, NULL, 0, &rr, err2, sizeof err2), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(
        err2, "r.toml:2: dataset.path: required, but not set (the file to read)");
    char *at = strstr(text, "[model]");
    char with_path[1100];
    snprintf(with_path, sizeof with_path, "%.*spath = \"d.npy\"\n%s", (int)(at - text),
             text, at);
    EXPECT_MSG(load(with_path, NULL, 0, &rr, err2, sizeof err2) == 0, "set, it loads: %s",
               err2);
    recipe_free(rr);
}

TEST_IMPL(recipe_missing_file)
{
    char err[256];
    recipe *r = NULL;
    registry *reg = registry_new();
    EXPECT_EQ(recipe_load("/nonexistent/x.toml", NULL, 0, reg, &r, err, sizeof err),
              BASIN_EIO);
    EXPECT_STR_CONTAINS(err, "/nonexistent/x.toml");
    registry_free(reg);
}

TEST_IMPL(recipe_suggest)
{
    /* A transposition is one edit. */
    EXPECT_EQ(suggest_distance("load", "laod"), 1);
    EXPECT_EQ(suggest_distance("kitten", "sitting"), 3);
    const char *words[] = {"mode", "max_sweeps"};
    EXPECT_MSG(suggest_closest("max_sweep", words, 2) == words[1], "closest");
    EXPECT_NULL(suggest_closest("zzzzzz", words, 2)); /* nothing close */
}

TEST_IMPL(recipe_format_real)
{
    char buf[32];
    EXPECT_STR_EQ(param_format_real(0.1, buf), "0.1"); /* prints short */
    EXPECT_STR_EQ(param_format_real(10, buf), "10");   /* integers print plainly */
    /* The round trip is exact. */
    EXPECT_NEAR(strtod(param_format_real(1.0 / 3, buf), NULL), 1.0 / 3, 0);
}

/* [model] snapshots: a geometric range rounded to integers, sorted and without
   repeats, as the train_step axis over steps; its points share the first one's
   seed; the plugin's string; written back as a list without steps; refused with
   steps or for a model that does not train. */
TEST_IMPL(recipe_snapshots)
{
    ASSERT_NOT_NULL(test_env("BASIN_TEST_PLUGIN_DIR"));
    char err[2048];
    recipe *r = NULL;
#define SNAP_DATA                                                                        \
    "[dataset]\nplugin = \"datasets/gaussian-mixture\"\ndim = 4\ncount = [16, 32]\n"
#define SNAP_REST "[sampler]\nplugin = \"samplers/heun\"\n"
    int rc =
        load(SNAP_DATA "[model]\nplugin = \"scores/mlp\"\ncheckpoint = \"c/{hash}\"\n"
                       "snapshots = { from = 1, to = 20, times = 1.2 }\n" SNAP_REST,
             NULL, 0, &r, err, sizeof err);
    ASSERT_MSG(rc == 0, "snapshot recipe loads: %s", err);
    ASSERT_EQ(r->n_axes, 2);
    EXPECT_STR_EQ(r->axes[1].dotted, "train_step");
    EXPECT(r->axes[1].snapshot && !r->axes[0].snapshot);
    /* 1, 1.2, 1.44, 1.73, 2.07, ... 18.5 round to 1 1 1 2 2 2 3 4 4 5 6 7 9 11 13
       15 18: twelve distinct steps */
    EXPECT_EQ(r->axes[1].n_values, 12);
    EXPECT_STR_EQ(r->snapshot_text, "1,2,3,4,5,6,7,9,11,13,15,18");
    EXPECT_EQ(r->n_points, 24);
    basin_value v[32];
    recipe_values(r, RECIPE_MODEL, 12 + 5, v); /* count 32, train_step 6 */
    const long p_steps = param_find(r->sections[RECIPE_MODEL].params, "steps");
    const long p_snap = param_find(r->sections[RECIPE_MODEL].params, "snapshots");
    ASSERT(p_steps >= 0 && p_snap >= 0);
    EXPECT_NEAR(v[p_steps].number, 6, 0);
    EXPECT_STR_EQ(v[p_snap].string, "1,2,3,4,5,6,7,9,11,13,15,18");
    /* every snapshot of count 32 runs with job 12's seed; count 16 with job 0's */
    EXPECT_EQ(recipe_job_seed(r, 12 + 5), rng_job_seed(r->seed, 12));
    EXPECT_EQ(recipe_job_seed(r, 11), rng_job_seed(r->seed, 0));
    EXPECT_NE(recipe_job_seed(r, 12), recipe_job_seed(r, 0));
    /* run.toml: snapshots = [...], no steps */
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    ASSERT_NOT_NULL(f);
    recipe_write_toml(r, f);
    fclose(f);
    EXPECT_MSG(strstr(text, "snapshots = [1, 2, 3, 4, 5, 6, 7, 9, 11, 13, 15, 18]\n") !=
                   NULL,
               "run.toml: %s", text);
    EXPECT_MSG(strstr(text, "\nsteps = ") == NULL ||
                   strstr(text, "[sampler]") < strstr(text, "\nsteps = "),
               "run.toml writes model.steps");
    free(text);
    recipe_free(r);
    r = NULL;
    /* steps beside snapshots, and a model that does not train */
    rc = load(SNAP_DATA
              "[model]\nplugin = \"scores/mlp\"\ncheckpoint = \"c\"\nsteps = 10\n"
              "snapshots = [10, 20]\n" SNAP_REST,
              NULL, 0, &r, err, sizeof err);
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_MSG(strstr(err, "model.steps") != NULL, "%s", err);
    recipe_free(r);
    r = NULL;
    rc = load(SNAP_DATA
              "[model]\nplugin = \"scores/empirical\"\nsnapshots = [10, 20]\n" SNAP_REST,
              NULL, 0, &r, err, sizeof err);
    EXPECT_EQ(rc, BASIN_EINVAL);
    EXPECT_MSG(strstr(err, "snapshots") != NULL, "%s", err);
    recipe_free(r);
#undef SNAP_DATA
#undef SNAP_REST
}

/* [[model]]: the model axis at [model]'s place, each point's model and values,
   and seeds shared by the jobs that differ only in their model. */
TEST_IMPL(recipe_models)
{
    ASSERT_NOT_NULL(test_env("BASIN_TEST_PLUGIN_DIR"));
    char err[2048];
    recipe *r = NULL;
    int rc = load("seed = 4\nrepeats = 2\n"
                  "[dataset]\nplugin = \"datasets/binary-patterns\"\n"
                  "load = [0.05, 0.1, 0.2]\n"
                  "[[model]]\nplugin = \"energies/hopfield\"\n"
                  "[[model]]\nplugin = \"energies/dense\"\nlabel = \"dense\"\n"
                  "n = 5\n"
                  "[sampler]\nplugin = \"samplers/hopfield\"\n"
                  "mode = [\"async\", \"sync\"]\n",
                  NULL, 0, &r, err, sizeof err);
    ASSERT_MSG(rc == 0, "[[model]] recipe loads: %s", err);
    ASSERT_EQ(r->n_models, 2);
    ASSERT_EQ(r->n_axes, 3);
    EXPECT_STR_EQ(r->axes[1].dotted, "model");
    EXPECT_EQ(r->model_axis, 1);
    EXPECT_EQ(r->n_points, 3 * 2 * 2);
    EXPECT_STR_EQ(r->models[0].label, "energies/hopfield");
    EXPECT_STR_EQ(r->models[1].label, "dense");
    char buf[32];
    EXPECT_STR_EQ(recipe_axis_text(r, 1, 1, buf), "dense");
    EXPECT_EQ(recipe_axis_def(r, 1)->type, BASIN_PARAM_STRING);
    /* Point 7 = (load 0.1, dense, sync): its model and that model's values. */
    size_t coords[3];
    recipe_coords(r, 7, coords);
    EXPECT_EQ(coords[0], 1);
    EXPECT_EQ(coords[1], 1);
    EXPECT_EQ(coords[2], 1);
    EXPECT_STR_EQ(recipe_model(r, 7)->plugin_id, "energies/dense");
    EXPECT_STR_EQ(recipe_model(r, 5)->plugin_id, "energies/hopfield");
    const recipe_section *dense = recipe_model(r, 7);
    long degree = param_find(dense->params, "n");
    ASSERT_GE(degree, 0);
    basin_value v[64];
    ASSERT_LE(recipe_most_params(r), 64);
    recipe_values(r, RECIPE_MODEL, 7, v);
    EXPECT_NEAR(v[degree].number, 5, 0);
    /* Seeds: job j = point·2 + repeat; the model coordinate does not count, so
       job 14 + k (point 7) and job 10 + k (point 5: load 0.1, hopfield, sync)
       share seed rng_job_seed(4, (1·2 + 1)·2 + k) = that of job 6 + k in the
       recipe without [[model]]. */
    for (uint64_t k = 0; k < 2; k++) {
        EXPECT_EQ(recipe_job_seed(r, 14 + k), recipe_job_seed(r, 10 + k));
        EXPECT_EQ(recipe_job_seed(r, 14 + k), rng_job_seed(4, 6 + k));
    }
    EXPECT_NE(recipe_job_seed(r, 14), recipe_job_seed(r, 15));
    EXPECT_NE(recipe_job_seed(r, 14), recipe_job_seed(r, 12));
    recipe_free(r);
    /* Without [[model]] a job's seed is rng_job_seed(seed, j). */
    ASSERT_EQ(load("repeats = 3\n" BASE, NULL, 0, &r, err, sizeof err), 0);
    EXPECT_EQ(r->n_models, 0);
    EXPECT(recipe_model(r, 0) == &r->sections[RECIPE_MODEL]);
    EXPECT_EQ(recipe_job_seed(r, 2), rng_job_seed(0, 2));
    recipe_free(r);
}

TEST_LIST_BEGIN
TEST_ENTRY(recipe_sweeps)
TEST_ENTRY(recipe_models)
TEST_ENTRY(recipe_set)
TEST_ENTRY(recipe_snapshots)
TEST_ENTRY(recipe_bad_inputs)
TEST_ENTRY(recipe_guard)
TEST_ENTRY(recipe_required_param)
TEST_ENTRY(recipe_missing_file)
TEST_ENTRY(recipe_suggest)
TEST_ENTRY(recipe_format_real)
TEST_LIST_END
