/*
 * fuzz-checkpoint — the checkpoint reader of scores/mlp (plugins/scores/
 * mlp_checkpoint.h; the architecture check of mlp_net.h, as the plugin does it).
 * The input is the file. A checkpoint that reads is compared with another
 * header as the plugin does, written again and read back: the same header and
 * weights must come back.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlp_checkpoint.h"
#include "mlp_net.h"

/* The plugin's check: the weight count of the header's architecture, 0 for an
   invalid one. */
static size_t expect_params(const mlp_checkpoint *h)
{
    mlp_layout L;
    mlp_shape s = {h->dim, h->width, h->depth, h->embed, (uint32_t)h->architecture};
    return h->architecture <= 1 && mlp_layout_init(&L, s) == 0 ? L.n_params : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200], again[4200], err[512] = "";
    fuzz_write("model.ckpt", data, size, path, sizeof path);
    mlp_checkpoint h;
    float *w = NULL;
    if (mlp_checkpoint_read(path, &h, &w, expect_params, err, sizeof err) != 0) {
        if (err[0] == '\0' || w != NULL)
            abort(); /* a refusal without a message, or weights handed out */
        fuzz_note("%s", err);
        fuzz_clean();
        return 0;
    }
    if (h.n_params != expect_params(&h) ||
        MLP_CHECKPOINT_HEADER + 4 * h.n_params + 4 != size)
        abort(); /* accepted a file whose length the header does not explain */
    char diff[256];
    mlp_checkpoint want = h;
    if (mlp_checkpoint_mismatch(&h, &want, diff, sizeof diff) != NULL)
        abort(); /* differs from itself */
    want.steps = h.steps + 1;
    if (mlp_checkpoint_mismatch(&h, &want, diff, sizeof diff) == NULL)
        abort();
    /* Written again, it reads back the same. */
    fuzz_path("again.ckpt", again, sizeof again);
    if (mlp_checkpoint_write(again, &h, w, err, sizeof err) != 0) {
        fprintf(stderr, "cannot write a checkpoint just read: %s\n", err);
        abort();
    }
    mlp_checkpoint h2;
    float *w2 = NULL;
    if (mlp_checkpoint_read(again, &h2, &w2, expect_params, err, sizeof err) != 0 ||
        mlp_checkpoint_mismatch(&h2, &h, diff, sizeof diff) != NULL ||
        memcmp(w, w2, h.n_params * sizeof *w) != 0) {
        fprintf(stderr, "a checkpoint written again does not read back: %s\n", err);
        abort();
    }
    fuzz_note("ok: %llu weights", (unsigned long long)h.n_params);
    free(w2);
    free(w);
    fuzz_clean();
    return 0;
}
