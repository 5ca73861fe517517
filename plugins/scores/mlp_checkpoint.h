/*
 * mlp_checkpoint — the checkpoint file of scores/mlp: a trained network with the
 * header that says what it is and what it was trained on.
 *
 * Format version 3 (2 lacked the architecture). Every number little-endian; offsets in bytes.
 *
 *   off  size  field
 *     0     8  magic "BASINMLP"
 *     8     4  u32 format version (2)
 *    12     4  u32 header size H (216 in version 3): the weights start at H
 *    16     4  u32 dim             N, input and output size
 *    20     4  u32 width           hidden units per layer
 *    24     4  u32 depth           hidden layers
 *    28     4  u32 embed           noise-embedding features
 *    32     8  u64 n_train         K, training points
 *    40     8  u64 train_hash      FNV-1a 64 of dim, K and the K × dim float32 rows
 *    48     8  u64 stream          fingerprint of the ENCODE random stream
 *    56     8  u64 config_hash     the {hash} of the path: all of the above and below
 *    64     8  f64 sigma_data      σ_data used by the preconditioning (resolved)
 *    72     8  f64 lr              Adam step size
 *    80     8  f64 beta1
 *    88     8  f64 beta2
 *    96     8  f64 adam_eps
 *   104     8  f64 ema             EMA decay of the weights (0: none)
 *   112     8  f64 p_mean          log-normal training σ: ln σ ~ N(p_mean, p_std²)
 *   120     8  f64 p_std
 *   128     8  f64 sigma_data_param  the parameter as given (0: estimated)
 *   136     8  u64 batch
 *   144     8  u64 steps           the training budget
 *   152     8  u64 steps_trained   steps actually taken (= steps when complete)
 *   160     8  u64 n_params        P, floats that follow
 *   168     8  f64 final_loss      running mean loss at the end of training
 *   176     8  f64 p_uniform       fraction of log-uniform training σ ...
 *   184     8  f64 sigma_min       ... on [sigma_min, sigma_max]
 *   192     8  f64 sigma_max
 *   200     8  u64 algorithm       the training scheme (mlp.c TRAIN_ALGORITHM; 0,
 *                                  the field's old "reserved", before sharding)
 *   208     8  u64 architecture    0: depth SiLU layers; 1: depth residual blocks
 *                                  with LayerNorm and GELU (mlp_net.h)
 *     H   4·P  f32 weights         W_0, b_0, W_1, b_1, ... (mlp_net.h layout)
 * H+4P     4  u32 CRC-32 (zlib crc32) of every byte before it
 *
 * A reader refuses another magic or version, a header size other than its own, a
 * P that does not match the architecture, a file of the wrong length and a CRC
 * mismatch; the file's length is checked against the header's network before
 * anything is allocated. Files are written under a new temporary name in the same
 * folder (created with O_EXCL | O_NOFOLLOW, so never through a planted link),
 * flushed, fsync'ed and renamed into place, so a reader never sees half a
 * checkpoint.
 */
#ifndef BASIN_MLP_CHECKPOINT_H
#define BASIN_MLP_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MLP_CHECKPOINT_MAGIC   "BASINMLP"
#define MLP_CHECKPOINT_VERSION 3u
#define MLP_CHECKPOINT_HEADER  216u

typedef struct mlp_checkpoint {
    uint32_t dim, width, depth, embed;
    uint64_t n_train, train_hash, stream, config_hash;
    double sigma_data, lr, beta1, beta2, adam_eps, ema, p_mean, p_std;
    double sigma_data_param;
    double p_uniform, sigma_min, sigma_max;
    uint64_t batch, steps, steps_trained, n_params;
    double final_loss;
    uint64_t algorithm;
    uint64_t architecture;
} mlp_checkpoint;

/*
 * Write header h and its h->n_params weights to path atomically: a new file
 * path.tmp.PID.RANDOM (O_CREAT | O_EXCL | O_NOFOLLOW), then link(2) to path, which
 * never replaces a file: when path exists already (another writer of the same
 * content-addressed checkpoint was first) the existing plain file stays and this
 * writer returns 0 having removed its temporary (rename(2) where the file system
 * has no hard links, and over anything but a plain file: a planted link is
 * replaced, never followed). Returns 0, or BASIN_EIO with a one-line message in err
 * naming the file.
 */
int mlp_checkpoint_write(const char *path, const mlp_checkpoint *h, const float *weights,
                         char *err, size_t n_err);

/*
 * Read path: the header into h and the weights into a new array *weights (the
 * caller frees it) after checking magic, version, header size, length and CRC.
 * expect_params is the P the architecture in the header needs (computed by the
 * caller from the header's shape through expect(), which returns 0 for an invalid
 * shape); the file must be exactly as long as that network takes, which is
 * checked before the weights are allocated. A path that is not a regular file is
 * refused (a FIFO is not waited on). Returns 0; BASIN_EIO (cannot read, not a
 * regular file, truncated or too long, bad magic/version/CRC) or
 * BASIN_EINVAL (a shape or parameter count that does not fit) with a one-line
 * message naming the file and the field; BASIN_ENOMEM.
 */
int mlp_checkpoint_read(const char *path, mlp_checkpoint *h, float **weights,
                        size_t (*expect)(const mlp_checkpoint *h), char *err,
                        size_t n_err);

/* mlp_checkpoint_read on a seekable stream f (a file, or a buffer through
   fmemopen), named path in messages; f is left open for the caller. */
int mlp_checkpoint_read_stream(FILE *f, const char *path, mlp_checkpoint *h,
                               float **weights, size_t (*expect)(const mlp_checkpoint *h),
                               char *err, size_t n_err);

/*
 * The first field in which a checkpoint's header differs from the wanted one, as
 * "width = 64, expected 128"; NULL if it describes the same model trained the same
 * way on the same data (final_loss, config_hash and n_params are not compared).
 */
const char *mlp_checkpoint_mismatch(const mlp_checkpoint *have,
                                    const mlp_checkpoint *want, char *buf, size_t n);

/* FNV-1a 64 (Fowler, Noll, Vo) continuing from h over n bytes; start with
   MLP_FNV_OFFSET. Little-endian numbers are hashed by their bytes. */
#define MLP_FNV_OFFSET 0xcbf29ce484222325ull
uint64_t mlp_fnv1a(uint64_t h, const void *bytes, size_t n);

#endif
