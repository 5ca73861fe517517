/* registry and host: finding plugins, refusals, suggestions; the host table.
 * argv: PLUGIN_DIR WRONG_MAJOR_LIBRARY NEWER_MINOR_LIBRARY */
#include <string.h>

#include "check.h"
#include "base/host.h"
#include "registry/interfaces.h"
#include "registry/registry.h"
#include "base/rng.h"

static void registry_tests(const char *dir, const char *wrong_major,
                           const char *newer_minor)
{
    char err[1024];
    registry *reg = registry_new();
    CHECK(registry_add_path(reg, dir, 1, err, sizeof err) == 0, "%s", err);
    size_t first_party = registry_count(reg);
    CHECK(first_party >= 3, "the first-party plugins, found %zu", first_party);
    const registry_plugin *p = registry_find(reg, "energies/hopfield");
    CHECK(p && strcmp(registry_kind(p->descriptor), "energy") == 0 &&
              strstr(p->library, "energies/hopfield.so"),
          "energies/hopfield is an energy from energies/hopfield.so");
    CHECK(registry_find(reg, "energies/nope") == NULL, "unknown id");
    const char *near = registry_suggest(reg, "sampler/hopfield");
    CHECK(near && strcmp(near, "samplers/hopfield") == 0, "suggestion %s",
          near ? near : "(none)");
    /* The same folder again loads nothing twice. */
    registry_add_path(reg, dir, 1, err, sizeof err);
    CHECK(registry_count(reg) == first_party, "no duplicates after a second scan");

    CHECK(registry_add_path(reg, wrong_major, 1, err, sizeof err) == BASIN_EINVAL,
          "a wrong major is an error when named explicitly");
    char want[128];
    snprintf(want, sizeof want,
             "built for basin ABI %d.0 but this host speaks ABI "
             "%d.%d",
             BASIN_ABI_MAJOR + 1, BASIN_ABI_MAJOR, BASIN_ABI_MINOR);
    CHECK(strstr(err, wrong_major) && strstr(err, want), "message: %s", err);
    snprintf(want, sizeof want, "ABI %d.%d", BASIN_ABI_MAJOR, BASIN_ABI_MINOR + 1);
    CHECK(registry_add_path(reg, newer_minor, 1, err, sizeof err) == BASIN_EINVAL &&
              strstr(err, want),
          "a newer minor is refused: %s", err);
    CHECK(registry_refused_count(reg) == 2 && registry_count(reg) == first_party,
          "refusals are recorded, nothing is added");
    CHECK(registry_add_path(reg, "/nonexistent/lib.so", 1, err, sizeof err) ==
                  BASIN_EIO &&
              strstr(err, "/nonexistent/lib.so: No such file"),
          "a missing path: %s", err);
    CHECK(registry_add_path(reg, "/nonexistent/lib.so", 0, err, sizeof err) == 0,
          "a missing default path is skipped");
    registry_free(reg);
}

/* The interface table: each id finds its own row, unknown ids none, and a table
   without its required functions is named with what it lacks. */
static int no_op_run(void *self, const basin_host *h, const basin_model *m, float *x,
                     uint64_t n, uint64_t first, basin_outcome *out)
{
    (void)self, (void)h, (void)m, (void)x, (void)n, (void)first, (void)out;
    return BASIN_OK;
}

static void interface_tests(void)
{
    static const char *const IDS[REGISTRY_N_IFACES] = {
        [REGISTRY_IFACE_DATASET] = BASIN_IFACE_DATASET,
        [REGISTRY_IFACE_ENERGY] = BASIN_IFACE_ENERGY,
        [REGISTRY_IFACE_SCORE] = BASIN_IFACE_SCORE,
        [REGISTRY_IFACE_SAMPLER] = BASIN_IFACE_SAMPLER,
    };
    for (size_t i = 0; i < REGISTRY_N_IFACES; i++)
        CHECK(registry_interface_find(IDS[i]) == &registry_interfaces[i] &&
                  registry_interfaces[i].min_size > sizeof(uint32_t),
              "%s is row %zu", IDS[i], i);
    CHECK(registry_interface_find("basin.energy/2") == NULL &&
              registry_interface_find(NULL) == NULL,
          "an interface this host does not speak has no row");
    basin_descriptor d = {.interface = BASIN_IFACE_SAMPLER};
    CHECK(strcmp(registry_kind(&d), "sampler") == 0, "registry_kind: %s",
          registry_kind(&d));

    const registry_interface *in = &registry_interfaces[REGISTRY_IFACE_SAMPLER];
    basin_sampler_iface sampler = {.struct_size = sizeof sampler};
    const char *missing = in->missing(&sampler);
    CHECK(missing && strcmp(missing, "create, destroy and run") == 0,
          "an empty sampler table lacks: %s", missing ? missing : "(nothing)");
    sampler.create = NULL;
    sampler.run = no_op_run;
    CHECK(in->missing(&sampler) != NULL, "a table with run alone still lacks create");
    basin_energy_iface energy = {.flags = BASIN_ENERGY_BINARY};
    missing = registry_interfaces[REGISTRY_IFACE_ENERGY].missing(&energy);
    CHECK(missing && strstr(missing, "encode"), "the base group first: %s",
          missing ? missing : "(nothing)");
}

static void host_tests(void)
{
    host_job job;
    host_job_init(&job, 99, NULL, "job 1/1", 0);
    const basin_host *h = &job.table;
    CHECK(h->struct_size == sizeof(basin_host) && h->abi_minor == BASIN_ABI_MINOR,
          "table header");
    /* The host's streams are the rng module's under the job seed. */
    double a[5], b[5];
    h->random_uniform(h, BASIN_ROLE_SAMPLER, 3, 4, a, 5);
    rng_uniform(99, BASIN_ROLE_SAMPLER, 3, 4, b, 5);
    CHECK(memcmp(a, b, sizeof a) == 0, "host uniform = rng_uniform(job seed)");
    /* The first error wins, and is flattened to one line. */
    h->error(h, "first\nproblem %d", 1);
    h->error(h, "second");
    CHECK(strcmp(host_job_error(&job, BASIN_EINVAL), "first problem 1") == 0, "error: %s",
          host_job_error(&job, BASIN_EINVAL));
    host_job_clear_error(&job);
    CHECK(strstr(host_job_error(&job, BASIN_ENUMERIC), "numerical failure") != NULL,
          "a status without a message is named: %s",
          host_job_error(&job, BASIN_ENUMERIC));
    CHECK(h->cancelled(h) == 0, "not cancelled");
    host_job_destroy(&job);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: test-registry PLUGIN_DIR WRONG_MAJOR NEWER_MINOR\n");
        return 2;
    }
    registry_tests(argv[1], argv[2], argv[3]);
    interface_tests();
    host_tests();
    return check_done("registry");
}
