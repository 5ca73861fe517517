/* run/dynamics: fixed blocks whatever the thread count, global sample indices,
   the model lent as given, and the lowest failing block's status. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
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

int main(void)
{
    float one[COUNT * DIM], four[COUNT * DIM];
    basin_outcome out1[COUNT], out4[COUNT];
    int rc = run(1, UINT64_MAX, 7, one, out1);
    CHECK(rc == BASIN_OK, "one thread: status %d", rc);
    int ok = 1;
    for (uint64_t i = 0; i < COUNT; i++)
        ok &= one[i * DIM] == (float)(100 + i) && out1[i].steps == 100 + i &&
              one[i * DIM + 1] == (i < COUNT - COUNT % BLOCK ? BLOCK : COUNT % BLOCK) &&
              one[i * DIM + 2] == 7;
    CHECK(ok, "each state got its global index, its fixed block and the instance");
    rc = run(4, UINT64_MAX, 7, four, out4);
    CHECK(rc == BASIN_OK && memcmp(one, four, sizeof one) == 0 &&
              memcmp(out1, out4, sizeof out1) == 0,
          "four threads: the same states and outcomes (status %d)", rc);
    rc = run(32, UINT64_MAX, 9, four, out4);
    CHECK(rc == BASIN_OK && four[2] == 9, "more threads than blocks; another instance");

    /* Blocks from index 100 + 15 fail: the first with EINVAL, later ones with
       ENUMERIC; the lowest failing block's status wins whatever the threads. */
    for (unsigned t = 1; t <= 8; t *= 2) {
        rc = run(t, 115, 7, four, out4);
        CHECK(rc == BASIN_EINVAL, "%u threads: the lowest failing block's status (%d)", t,
              rc);
    }
    return check_done("dynamics");
}
