/* registry and host: finding plugins, refusals, suggestions; the host table.
 * Environment (meson sets it): BASIN_TEST_PLUGIN_DIR, the build's plugin folder;
 * BASIN_TEST_WRONG_MAJOR and BASIN_TEST_NEWER_MINOR, libraries built for another
 * ABI (tests/abi/wrong_abi.c). */
#include <string.h>

#include "harness.h"
#include "base/host.h"
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
TEST_ENTRY(registry_host_table)
TEST_LIST_END
