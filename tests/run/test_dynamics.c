/* run/dynamics: fixed blocks whatever the thread count, global sample indices,
   the model lent as given, and the lowest failing block's status.
   One case by name: build/tests/run/test-dynamics dynamics_threads (--list names them). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "run/dynamics.h"

enum { DIM = 3, COUNT = 37, BLOCK = 5 };

/* A sampler whose run marks each state with its global index, its block's size
   and the model's instance; it fails (with the first index as the status' size)
   for blocks starting at or after fail_from. */
typedef struct fake {
    uint64_t fail_from;
} fake;

static int fake_run(void *self, const basin_host *host, const basin_model *model,
                    float *states, uint64_t n, uint64_t first_index,
                    basin_outcome *outcome)
{
    (void)host;
    const fake *f = self;
    if (first_index >= f->fail_from)
        return first_index >= f->fail_from + BLOCK ? BASIN_ENUMERIC : BASIN_EINVAL;
    for (uint64_t r = 0; r < n; r++) {
        states[r * model->dim + 0] += (float)(first_index + r);
        states[r * model->dim + 1] = (float)n;
        states[r * model->dim + 2] = *(const float *)model->energy_self;
        outcome[r].steps = (uint32_t)(first_index + r);
        outcome[r].converged = 1;
    }
    return BASIN_OK;
}

static const basin_sampler_iface FAKE = {.struct_size = sizeof FAKE, .run = fake_run};
static const basin_energy_iface NO_ENERGY = {.struct_size = sizeof NO_ENERGY};

static int run(unsigned threads, uint64_t fail_from, float instance, float *states,
               basin_outcome *outcome)
{
    fake f = {fail_from};
    float self = instance;
    dynamics d = {.sampler = &FAKE,
                  .sampler_self = &f,
                  .model = dynamics_model(DIM, &NO_ENERGY, &self, NULL, NULL, NULL),
                  .host = NULL,
                  .progress = NULL,
                  .block = BLOCK,
                  .threads = threads};
    memset(states, 0, sizeof(float) * COUNT * DIM);
    memset(outcome, 0, sizeof *outcome * COUNT);
    return dynamics_run(&d, states, COUNT, 100, outcome);
}

/* One thread: each state got its global index, its fixed block's size and the
   instance. */
TEST_IMPL(dynamics_blocks)
{
    float one[COUNT * DIM];
    basin_outcome out1[COUNT];
    ASSERT_EQ(run(1, UINT64_MAX, 7, one, out1), BASIN_OK);
    for (uint64_t i = 0; i < COUNT; i++) {
        EXPECT_NEAR(one[i * DIM], (float)(100 + i), 0);
        EXPECT_EQ(out1[i].steps, 100 + i);
        EXPECT_NEAR(one[i * DIM + 1], i < COUNT - COUNT % BLOCK ? BLOCK : COUNT % BLOCK,
                    0);
        EXPECT_NEAR(one[i * DIM + 2], 7, 0);
    }
}

/* Four threads give one thread's states and outcomes; more threads than blocks,
   another instance. */
TEST_IMPL(dynamics_threads)
{
    float one[COUNT * DIM], four[COUNT * DIM];
    basin_outcome out1[COUNT], out4[COUNT];
    ASSERT_EQ(run(1, UINT64_MAX, 7, one, out1), BASIN_OK);
    ASSERT_EQ(run(4, UINT64_MAX, 7, four, out4), BASIN_OK);
    EXPECT_MSG(memcmp(one, four, sizeof one) == 0, "four threads: the same states");
    EXPECT_MSG(memcmp(out1, out4, sizeof out1) == 0, "four threads: the same outcomes");
    EXPECT_EQ(run(32, UINT64_MAX, 9, four, out4), BASIN_OK);
    EXPECT_NEAR(four[2], 9, 0);
}

/* Blocks from index 100 + 15 fail: the first with EINVAL, later ones with
   ENUMERIC; the lowest failing block's status wins whatever the threads. */
TEST_IMPL(dynamics_failing_block)
{
    float four[COUNT * DIM];
    basin_outcome out4[COUNT];
    for (unsigned t = 1; t <= 8; t *= 2) {
        int rc = run(t, 115, 7, four, out4);
        EXPECT_MSG(rc == BASIN_EINVAL, "%u threads: status %d, want BASIN_EINVAL (%d)", t,
                   rc, BASIN_EINVAL);
    }
}

TEST_LIST_BEGIN
TEST_ENTRY(dynamics_blocks)
TEST_ENTRY(dynamics_threads)
TEST_ENTRY(dynamics_failing_block)
TEST_LIST_END
