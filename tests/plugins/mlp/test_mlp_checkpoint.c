/* Two writers of the same checkpoint (shards training one model into a shared
   folder, plugins/scores/mlp_checkpoint.h): the first file stays, the second
   writer succeeds and leaves no temporary behind. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "mlp_checkpoint.h"
#include "mlp_net.h"

static size_t expect_params(const mlp_checkpoint *h)
{
    mlp_layout L;
    mlp_shape s = {h->dim, h->width, h->depth, h->embed, (uint32_t)h->architecture};
    return h->architecture <= 1 && mlp_layout_init(&L, s) == 0 ? L.n_params : 0;
}

TEST_IMPL(mlp_checkpoint_second_writer_loses)
{
    char dir[] = "/tmp/basin-ckpt-XXXXXX", path[256], err[512];
    ASSERT_NOT_NULL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.ckpt", dir);
    mlp_checkpoint h;
    memset(&h, 0, sizeof h);
    h.dim = 2;
    h.width = 4;
    h.depth = 1;
    h.embed = 2;
    h.n_params = expect_params(&h);
    ASSERT(h.n_params > 0);
    float *w = calloc(h.n_params, sizeof *w);
    ASSERT_NOT_NULL(w);
    for (uint64_t i = 0; i < h.n_params; i++)
        w[i] = (float)i;
    h.steps = 1;
    EXPECT_EQ(mlp_checkpoint_write(path, &h, w, err, sizeof err), 0);
    /* A second writer, its bytes told apart by the step count and the weights. */
    mlp_checkpoint h2 = h;
    h2.steps = 2;
    w[0] = 99;
    EXPECT_EQ(mlp_checkpoint_write(path, &h2, w, err, sizeof err), 0);
    mlp_checkpoint got;
    float *back = NULL;
    ASSERT_EQ(mlp_checkpoint_read(path, &got, &back, expect_params, err, sizeof err), 0);
    EXPECT_EQ(got.steps, 1);
    EXPECT(back[0] == 0.0f);
    DIR *d = opendir(dir);
    int files = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        files += e->d_name[0] != '.';
    if (d)
        closedir(d);
    EXPECT_EQ(files, 1); /* no temporary left */
    unlink(path);
    rmdir(dir);
    free(back);
    free(w);
}

/* The training algorithm (offset 200, once "reserved, 0") round-trips, and a
   checkpoint of another algorithm (an older basin's unsharded training: 0) is
   refused by name, so its weights are never taken for the current training's. */
TEST_IMPL(mlp_checkpoint_algorithm)
{
    char dir[] = "/tmp/basin-ckpt-XXXXXX", path[256], err[512], buf[128];
    ASSERT_NOT_NULL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.ckpt", dir);
    mlp_checkpoint h;
    memset(&h, 0, sizeof h);
    h.dim = 2;
    h.width = 4;
    h.depth = 1;
    h.embed = 2;
    h.n_params = expect_params(&h);
    h.algorithm = 1;
    float *w = calloc(h.n_params, sizeof *w);
    ASSERT_NOT_NULL(w);
    EXPECT_EQ(mlp_checkpoint_write(path, &h, w, err, sizeof err), 0);
    mlp_checkpoint got;
    float *back = NULL;
    ASSERT_EQ(mlp_checkpoint_read(path, &got, &back, expect_params, err, sizeof err), 0);
    EXPECT_EQ(got.algorithm, 1);
    EXPECT(mlp_checkpoint_mismatch(&got, &h, buf, sizeof buf) == NULL);
    got.algorithm = 0;
    const char *diff = mlp_checkpoint_mismatch(&got, &h, buf, sizeof buf);
    EXPECT_NOT_NULL(diff);
    if (diff != NULL)
        EXPECT_STR_EQ(diff, "algorithm = 0, expected 1");
    unlink(path);
    rmdir(dir);
    free(back);
    free(w);
}

TEST_LIST_BEGIN
TEST_ENTRY(mlp_checkpoint_algorithm)
TEST_ENTRY(mlp_checkpoint_second_writer_loses)
TEST_LIST_END
