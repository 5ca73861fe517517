/* recipe, param, suggest: sweeps, overrides, and the message of every bad input.
 * argv[1] is the build's plugin folder. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "registry/param.h"
#include "recipe/recipe.h"
#include "base/suggest.h"

static const char *plugin_dir, *required_fixture;
static char tmpdir[] = "/tmp/basin-test-recipe-XXXXXX";

static const char *write_recipe(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
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
        registry_add_path(reg, plugin_dir, 1, err, n_err);
    }
    const char *path = write_recipe("r.toml", text);
    return recipe_load(path, sets, n_sets, reg, out, err, n_err);
}

#define BASE                                                                             \
    "[dataset]\nplugin = \"datasets/binary-patterns\"\n"                                 \
    "[model]\nplugin = \"energies/hopfield\"\n"                                          \
    "[sampler]\nplugin = \"samplers/hopfield\"\n"

static void sweeps(void)
{
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
    CHECK(rc == 0, "sweep recipe loads: %s", err);
    if (rc)
        return;
    CHECK(r->n_axes == 3 && r->n_points == 3 * 15 * 2, "axes %zu points %zu", r->n_axes,
          r->n_points);
    CHECK(strcmp(r->axes[0].dotted, "dataset.dim") == 0 &&
              strcmp(r->axes[1].dotted, "dataset.load") == 0 &&
              strcmp(r->axes[2].dotted, "sampler.mode") == 0,
          "axes in file order");
    CHECK(r->axes[0].values[2].number == 400, "geometric range ends at 400");
    CHECK(r->axes[1].values[14].number == 0.3, "range end is exactly 0.3, got %.17g",
          r->axes[1].values[14].number);
    /* The last axis varies fastest: point 1 = (100, 0.02, sync). */
    basin_value v[16];
    recipe_values(r, RECIPE_SAMPLER, 1, v);
    CHECK(strcmp(v[0].string, "sync") == 0, "point 1 mode %s", v[0].string);
    recipe_values(r, RECIPE_DATASET, 2 * 15 * 2 + 3 * 2, v);
    CHECK(v[0].number == 400 && v[2].number == 0.08, "point 66: dim %g load %g",
          v[0].number, v[2].number);
    CHECK(r->seed == 9 && r->repeats == 2 && strcmp(r->name, "s") == 0, "top-level keys");
    recipe_free(r);

    const char *sets[] = {"dataset.dim=64", "sampler.mode=sync", "seed=3",
                          "init.count=[1, 2, 3]"};
    rc = load(BASE, sets, 4, &r, err, sizeof err);
    CHECK(rc == 0, "--set recipe loads: %s", err);
    if (rc)
        return;
    recipe_values(r, RECIPE_DATASET, 0, v);
    CHECK(v[0].number == 64, "--set dataset.dim");
    recipe_values(r, RECIPE_SAMPLER, 0, v);
    CHECK(strcmp(v[0].string, "sync") == 0, "--set with a bare word");
    CHECK(r->seed == 3 && r->n_points == 3, "--set seed and a sweep");
    CHECK(strcmp(r->name, "r") == 0, "name defaults to the file name");
    recipe_free(r);
}

/* The message of each bad input: location, key and a suggestion. */
static void bad_inputs(void)
{
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
        CHECK(rc != 0 && r == NULL, "%s: accepted", cases[i].what);
        CHECK(strstr(err, cases[i].expect1) && strstr(err, cases[i].expect2),
              "%s: message '%s' lacks '%s' / '%s'", cases[i].what, err, cases[i].expect1,
              cases[i].expect2);
        CHECK(!strchr(err, '\n'), "%s: message is one line", cases[i].what);
        recipe_free(r);
    }
    /* A required parameter that the recipe leaves out. */
    char text[1024], err2[1024] = "";
    recipe *rr = NULL;
    snprintf(text, sizeof text,
             "plugin_path = \"%s\"\n[dataset]\nplugin = \"datasets/required-fixture\"\n"
             "[model]\nplugin = \"energies/hopfield\"\n"
             "[sampler]\nplugin = \"samplers/hopfield\"\n",
             required_fixture);
    CHECK(load(text, NULL, 0, &rr, err2, sizeof err2) == BASIN_EINVAL &&
              strstr(err2,
                     "r.toml:2: dataset.path: required, but not set (the file to read)"),
          "a required parameter left out: %s", err2);
    char *at = strstr(text, "[model]");
    char with_path[1100];
    snprintf(with_path, sizeof with_path, "%.*spath = \"d.npy\"\n%s", (int)(at - text),
             text, at);
    CHECK(load(with_path, NULL, 0, &rr, err2, sizeof err2) == 0, "set, it loads: %s",
          err2);
    recipe_free(rr);

    char err[256];
    recipe *r = NULL;
    registry *reg = registry_new();
    CHECK(recipe_load("/nonexistent/x.toml", NULL, 0, reg, &r, err, sizeof err) ==
                  BASIN_EIO &&
              strstr(err, "/nonexistent/x.toml"),
          "missing recipe file: %s", err);
    registry_free(reg);
}

static void helpers(void)
{
    CHECK(suggest_distance("load", "laod") == 1, "transposition is one edit");
    CHECK(suggest_distance("kitten", "sitting") == 3, "kitten/sitting");
    const char *words[] = {"mode", "max_sweeps"};
    CHECK(suggest_closest("max_sweep", words, 2) == words[1], "closest");
    CHECK(suggest_closest("zzzzzz", words, 2) == NULL, "nothing close");
    char buf[32];
    CHECK(strcmp(param_format_real(0.1, buf), "0.1") == 0, "0.1 prints short");
    CHECK(strcmp(param_format_real(10, buf), "10") == 0, "integers print plainly");
    CHECK(strtod(param_format_real(1.0 / 3, buf), NULL) == 1.0 / 3, "round trip");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !mkdtemp(tmpdir)) {
        fprintf(stderr, "usage: test-recipe PLUGIN_DIR\n");
        return 2;
    }
    plugin_dir = argv[1];
    required_fixture = argc > 2 ? argv[2] : "";
    sweeps();
    bad_inputs();
    helpers();
    unlink(write_recipe("r.toml", ""));
    rmdir(tmpdir);
    return check_done("recipe");
}
