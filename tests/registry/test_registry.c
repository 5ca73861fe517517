/* registry and host: finding plugins, refusals, suggestions; the host table.
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder;
 * BASIN_TEST_WRONG_MAJOR and BASIN_TEST_NEWER_MINOR, libraries built for another
 * ABI (tests/include/wrong_abi.c). */
#include <string.h>

#include "harness.h"
#include "base/host.h"
#include "registry/interfaces.h"
#include "registry/registry.h"
#include "base/rng.h"

TEST_IMPL(registry_find)
{
    const char *dir = test_env("BASIN_TEST_PLUGIN_DIR");
    ASSERT_NOT_NULL(dir);
    char err[1024];
    registry *reg = registry_new();
    EXPECT_MSG(registry_add_path(reg, dir, 1, err, sizeof err) == 0, "%s", err);
    /* The first-party plugins. */
    size_t first_party = registry_count(reg);
    EXPECT_GE(first_party, 3);
    /* energies/hopfield is an energy from energies/hopfield.so. */
    const registry_plugin *p = registry_find(reg, "energies/hopfield");
    EXPECT_NOT_NULL(p);
    if (p) {
        EXPECT_STR_EQ(registry_kind(p->descriptor), "energy");
        EXPECT_STR_CONTAINS(p->library, "energies/hopfield.so");
    }
    EXPECT_NULL(registry_find(reg, "energies/nope"));
    EXPECT_STR_EQ(registry_suggest(reg, "sampler/hopfield"), "samplers/hopfield");
    /* The same folder again loads nothing twice. */
    registry_add_path(reg, dir, 1, err, sizeof err);
    EXPECT_EQ(registry_count(reg), first_party);
    registry_free(reg);
}

TEST_IMPL(registry_refusals)
{
    const char *dir = test_env("BASIN_TEST_PLUGIN_DIR");
    const char *wrong_major = test_env("BASIN_TEST_WRONG_MAJOR");
    const char *newer_minor = test_env("BASIN_TEST_NEWER_MINOR");
    ASSERT(dir && wrong_major && newer_minor);
    char err[1024];
    registry *reg = registry_new();
    EXPECT_MSG(registry_add_path(reg, dir, 1, err, sizeof err) == 0, "%s", err);
    size_t first_party = registry_count(reg);

    /* A wrong major is an error when named explicitly. */
    EXPECT_EQ(registry_add_path(reg, wrong_major, 1, err, sizeof err), BASIN_EINVAL);
    char want[128];
    snprintf(want, sizeof want,
             "built for basin ABI %d.0 but this host speaks ABI "
             "%d.%d",
             BASIN_ABI_MAJOR + 1, BASIN_ABI_MAJOR, BASIN_ABI_MINOR);
    EXPECT_STR_CONTAINS(err, wrong_major);
    EXPECT_STR_CONTAINS(err, want);
    /* A newer minor is refused. */
    snprintf(want, sizeof want, "ABI %d.%d", BASIN_ABI_MAJOR, BASIN_ABI_MINOR + 1);
    EXPECT_EQ(registry_add_path(reg, newer_minor, 1, err, sizeof err), BASIN_EINVAL);
    EXPECT_STR_CONTAINS(err, want);
    /* Refusals are recorded, nothing is added. */
    EXPECT_EQ(registry_refused_count(reg), 2);
    EXPECT_EQ(registry_count(reg), first_party);
    /* A missing path is an error when named, skipped when a default. */
    EXPECT_EQ(registry_add_path(reg, "/nonexistent/lib.so", 1, err, sizeof err),
              BASIN_EIO);
    EXPECT_STR_CONTAINS(err, "/nonexistent/lib.so: No such file");
    EXPECT_EQ(registry_add_path(reg, "/nonexistent/lib.so", 0, err, sizeof err), 0);
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

TEST_IMPL(registry_interface_table)
{
    static const char *const IDS[REGISTRY_N_IFACES] = {
        [REGISTRY_IFACE_DATASET] = BASIN_IFACE_DATASET,
        [REGISTRY_IFACE_ENERGY] = BASIN_IFACE_ENERGY,
        [REGISTRY_IFACE_SCORE] = BASIN_IFACE_SCORE,
        [REGISTRY_IFACE_SAMPLER] = BASIN_IFACE_SAMPLER,
        [REGISTRY_IFACE_EMBEDDING] = BASIN_IFACE_EMBEDDING,
    };
    for (size_t i = 0; i < REGISTRY_N_IFACES; i++)
        EXPECT_MSG(registry_interface_find(IDS[i]) == &registry_interfaces[i] &&
                       registry_interfaces[i].min_size > sizeof(uint32_t),
                   "%s is row %zu", IDS[i], i);
    EXPECT_MSG(registry_interface_find("basin.energy/2") == NULL &&
                   registry_interface_find(NULL) == NULL,
               "an interface this host does not speak has no row");
    basin_descriptor d = {.interface = BASIN_IFACE_SAMPLER};
    EXPECT_MSG(strcmp(registry_kind(&d), "sampler") == 0, "registry_kind: %s",
               registry_kind(&d));

    const registry_interface *in = &registry_interfaces[REGISTRY_IFACE_SAMPLER];
    basin_sampler_iface sampler = {.struct_size = sizeof sampler};
    const char *missing = in->missing(&sampler);
    EXPECT_MSG(missing && strcmp(missing, "create, destroy and run") == 0,
               "an empty sampler table lacks: %s", missing ? missing : "(nothing)");
    sampler.create = NULL;
    sampler.run = no_op_run;
    EXPECT_MSG(in->missing(&sampler) != NULL,
               "a table with run alone still lacks create");
    basin_energy_iface energy = {.flags = BASIN_ENERGY_BINARY};
    missing = registry_interfaces[REGISTRY_IFACE_ENERGY].missing(&energy);
    EXPECT_MSG(missing && strstr(missing, "encode"), "the base group first: %s",
               missing ? missing : "(nothing)");
}

TEST_IMPL(registry_host_table)
{
    host_job job;
    host_job_init(&job, 99, NULL, "job 1/1", 0);
    const basin_host *h = &job.table;
    EXPECT_EQ(h->struct_size, sizeof(basin_host));
    EXPECT_EQ(h->abi_minor, BASIN_ABI_MINOR);
    /* The host's streams are the rng module's under the job seed. */
    double a[5], b[5];
    h->random_uniform(h, BASIN_ROLE_SAMPLER, 3, 4, a, 5);
    rng_uniform(99, BASIN_ROLE_SAMPLER, 3, 4, b, 5);
    EXPECT_MSG(memcmp(a, b, sizeof a) == 0, "host uniform = rng_uniform(job seed)");
    /* The first error wins, and is flattened to one line. */
    h->error(h, "first\nproblem %d", 1);
    h->error(h, "second");
    EXPECT_STR_EQ(host_job_error(&job, BASIN_EINVAL), "first problem 1");
    host_job_clear_error(&job);
    /* A status without a message is named. */
    EXPECT_STR_CONTAINS(host_job_error(&job, BASIN_ENUMERIC), "numerical failure");
    EXPECT_EQ(h->cancelled(h), 0);
    host_job_destroy(&job);
}

TEST_LIST_BEGIN
TEST_ENTRY(registry_find)
TEST_ENTRY(registry_refusals)
TEST_ENTRY(registry_interface_table)
TEST_ENTRY(registry_host_table)
TEST_LIST_END
