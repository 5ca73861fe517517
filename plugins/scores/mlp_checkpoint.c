/* mlp_checkpoint — see mlp_checkpoint.h for the format. */
#include "mlp_checkpoint.h"

#include <basin/plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

uint64_t mlp_fnv1a(uint64_t h, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* ------------------------------------------------------- little-endian fields */

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_f64(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    put_u64(p, u);
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static double get_f64(const unsigned char *p)
{
    const uint64_t u = get_u64(p);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* One field at p: written from *v (encode) or read into *v. */
static void code_u32(unsigned char *p, uint32_t *v, int encode)
{
    if (encode)
        put_u32(p, *v);
    else
        *v = get_u32(p);
}

static void code_u64(unsigned char *p, uint64_t *v, int encode)
{
    if (encode)
        put_u64(p, *v);
    else
        *v = get_u64(p);
}

static void code_f64(unsigned char *p, double *v, int encode)
{
    if (encode)
        put_f64(p, *v);
    else
        *v = get_f64(p);
}

/* The fields after magic, version and header size, at their offsets (the one
   list both directions follow): b from h (encode) or h from b. */
static void code_fields(unsigned char *b, mlp_checkpoint *h, int encode)
{
    code_u32(b + 16, &h->dim, encode);
    code_u32(b + 20, &h->width, encode);
    code_u32(b + 24, &h->depth, encode);
    code_u32(b + 28, &h->embed, encode);
    code_u64(b + 32, &h->n_train, encode);
    code_u64(b + 40, &h->train_hash, encode);
    code_u64(b + 48, &h->stream, encode);
    code_u64(b + 56, &h->config_hash, encode);
    double *reals[] = {&h->sigma_data, &h->lr,       &h->beta1,
                       &h->beta2,      &h->adam_eps, &h->ema,
                       &h->p_mean,     &h->p_std,    &h->sigma_data_param};
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
        code_f64(b + 64 + 8 * i, reals[i], encode);
    code_u64(b + 136, &h->batch, encode);
    code_u64(b + 144, &h->steps, encode);
    code_u64(b + 152, &h->steps_trained, encode);
    code_u64(b + 160, &h->n_params, encode);
    code_f64(b + 168, &h->final_loss, encode);
    code_f64(b + 176, &h->p_uniform, encode);
    code_f64(b + 184, &h->sigma_min, encode);
    code_f64(b + 192, &h->sigma_max, encode);
    code_u64(b + 200, &h->algorithm, encode);
    code_u64(b + 208, &h->architecture, encode);
}

static void encode_header(unsigned char *b, const mlp_checkpoint *h)
{
    memset(b, 0, MLP_CHECKPOINT_HEADER);
    memcpy(b, MLP_CHECKPOINT_MAGIC, 8);
    put_u32(b + 8, MLP_CHECKPOINT_VERSION);
    put_u32(b + 12, MLP_CHECKPOINT_HEADER);
    mlp_checkpoint copy = *h;
    code_fields(b, &copy, 1);
}

/* ------------------------------------------------------------------- writing */

/* Write n bytes and fold them into the CRC. Returns 0 or -1. */
static int put_bytes(FILE *f, const unsigned char *b, size_t n, uLong *crc)
{
    *crc = crc32(*crc, b, (uInt)n);
    return fwrite(b, 1, n, f) == n ? 0 : -1;
}

/* A few bytes from the kernel's random source for a temporary name; the clock
   and a counter where it has none (the name need only be hard to guess: O_EXCL
   makes a taken one fail, not follow). */
static uint64_t name_bits(void)
{
    static unsigned counter;
    uint64_t bits = 0;
    if (getrandom(&bits, sizeof bits, GRND_NONBLOCK) == (ssize_t)sizeof bits)
        return bits;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return ((uint64_t)t.tv_sec * 1000000007u) ^ (uint64_t)t.tv_nsec ^
           ((uint64_t)++counter << 40);
}

/*
 * Create a new, empty file beside path, named PATH.tmp.PID.XXXXXXXXXXXX (random
 * hex), with O_CREAT | O_EXCL | O_NOFOLLOW: never an existing file, never through
 * a link planted under a predictable name in a shared folder. Its permissions
 * are 0666 less the umask, as fopen's. The stream, with its name in *tmp_out
 * (malloc'd); NULL with a message in err.
 */
static FILE *create_temporary(const char *path, char **tmp_out, char *err, size_t n_err)
{
    *tmp_out = NULL;
    const size_t n_tmp = strlen(path) + 48;
    char *tmp = malloc(n_tmp);
    if (tmp == NULL) {
        snprintf(err, n_err, "checkpoint %s: out of memory", path);
        return NULL;
    }
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 64; attempt++) {
        snprintf(tmp, n_tmp, "%s.tmp.%ld.%012llx", path, (long)getpid(),
                 (unsigned long long)(name_bits() & 0xffffffffffffull));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (f == NULL) {
        const int saved = errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        snprintf(err, n_err, "checkpoint %s: cannot create %s: %s", path, tmp,
                 strerror(saved));
        free(tmp);
        return NULL;
    }
    *tmp_out = tmp;
    return f;
}

int mlp_checkpoint_write(const char *path, const mlp_checkpoint *h, const float *weights,
                         char *err, size_t n_err)
{
    char *tmp;
    FILE *f = create_temporary(path, &tmp, err, n_err);
    if (f == NULL)
        return BASIN_EIO;
    uLong crc = crc32(0L, Z_NULL, 0);
    unsigned char header[MLP_CHECKPOINT_HEADER];
    encode_header(header, h);
    int bad = put_bytes(f, header, sizeof header, &crc);
    enum { CHUNK = 4096 };
    unsigned char buf[4 * CHUNK];
    for (uint64_t i = 0; !bad && i < h->n_params; i += CHUNK) {
        const size_t m = h->n_params - i < CHUNK ? (size_t)(h->n_params - i) : CHUNK;
        for (size_t k = 0; k < m; k++) {
            uint32_t u;
            memcpy(&u, &weights[i + k], sizeof u);
            put_u32(buf + 4 * k, u);
        }
        bad = put_bytes(f, buf, 4 * m, &crc);
    }
    unsigned char tail[4];
    put_u32(tail, (uint32_t)crc);
    if (!bad)
        bad = fwrite(tail, 1, 4, f) != 4;
    if (!bad)
        bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    int saved = bad ? errno : 0;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    /* Published with link(2), which never replaces: a checkpoint's name is its
       content's address (the configuration hash and K), so when another writer
       (a shard training the same model into a shared folder) got there first,
       its file is this one, and this writer loses cleanly: its temporary goes.
       A file system without hard links gets rename(2) (the same bytes either
       way). */
    struct stat there;
    if (!bad && link(tmp, path) != 0 &&
        !(errno == EEXIST && lstat(path, &there) == 0 && S_ISREG(there.st_mode)) &&
        rename(tmp, path) != 0) { /* no hard links, or a link planted at the name */
        bad = 1;
        saved = errno;
    }
    if (!bad)
        unlink(tmp); /* after a rename: gone already */
    if (bad) {
        snprintf(err, n_err, "checkpoint %s: write failed: %s", path,
                 saved ? strerror(saved) : "an I/O error");
        remove(tmp);
        free(tmp);
        return BASIN_EIO;
    }
    free(tmp);
    return BASIN_OK;
}

/* ------------------------------------------------------------------- reading */

int mlp_checkpoint_read(const char *path, mlp_checkpoint *h, float **weights,
                        size_t (*expect)(const mlp_checkpoint *h), char *err,
                        size_t n_err)
{
    *weights = NULL;
    /* O_NONBLOCK: a FIFO planted at the path is refused, not waited on. */
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    FILE *f = NULL;
    const char *why = NULL;
    if (fd < 0 || fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
             (f = fdopen(fd, "rb")) == NULL)
        why = strerror(errno);
    if (why != NULL || f == NULL) {
        snprintf(err, n_err, "checkpoint %s: cannot open: %s", path,
                 why ? why : "fdopen failed");
        if (fd >= 0)
            close(fd);
        return BASIN_EIO;
    }
    const int rc = mlp_checkpoint_read_stream(f, path, h, weights, expect, err, n_err);
    fclose(f);
    return rc;
}

int mlp_checkpoint_read_stream(FILE *f, const char *path, mlp_checkpoint *h,
                               float **weights, size_t (*expect)(const mlp_checkpoint *h),
                               char *err, size_t n_err)
{
    *weights = NULL;
    /* Every size the header gives is checked against the stream's length before
       anything is allocated by it. */
    off_t end = -1;
    if (fseeko(f, 0, SEEK_END) != 0 || (end = ftello(f)) < 0 ||
        fseeko(f, 0, SEEK_SET) != 0) {
        snprintf(err, n_err, "checkpoint %s: cannot seek: %s", path, strerror(errno));
        return BASIN_EIO;
    }
    const uint64_t file_bytes = (uint64_t)end;
    int rc = BASIN_OK;
    unsigned char header[MLP_CHECKPOINT_HEADER];
    float *w = NULL;
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t got = fread(header, 1, 16, f);
    if (got < 16 || memcmp(header, MLP_CHECKPOINT_MAGIC, 8) != 0) {
        snprintf(err, n_err, "checkpoint %s: magic: not a basin MLP checkpoint", path);
        rc = BASIN_EIO;
        goto done;
    }
    if (get_u32(header + 8) != MLP_CHECKPOINT_VERSION) {
        snprintf(err, n_err,
                 "checkpoint %s: version: format %" PRIu32 ", this build "
                 "reads %u",
                 path, get_u32(header + 8), MLP_CHECKPOINT_VERSION);
        rc = BASIN_EIO;
        goto done;
    }
    if (get_u32(header + 12) != MLP_CHECKPOINT_HEADER) {
        snprintf(err, n_err,
                 "checkpoint %s: header size: %" PRIu32 " bytes, expected "
                 "%u",
                 path, get_u32(header + 12), MLP_CHECKPOINT_HEADER);
        rc = BASIN_EIO;
        goto done;
    }
    if (fread(header + 16, 1, sizeof header - 16, f) != sizeof header - 16) {
        snprintf(err, n_err, "checkpoint %s: truncated: the header is incomplete", path);
        rc = BASIN_EIO;
        goto done;
    }
    crc = crc32(crc, header, sizeof header);
    code_fields(header, h, 0);
    const size_t want = expect(h);
    if (want == 0) {
        snprintf(err, n_err,
                 "checkpoint %s: architecture: dim %" PRIu32 ", width %" PRIu32
                 ", depth %" PRIu32 ", embedding %" PRIu32 " is not a valid "
                 "network",
                 path, h->dim, h->width, h->depth, h->embed);
        rc = BASIN_EINVAL;
        goto done;
    }
    if (h->n_params != want) {
        snprintf(err, n_err,
                 "checkpoint %s: n_params: %" PRIu64 " weights, the "
                 "architecture has %zu",
                 path, h->n_params, want);
        rc = BASIN_EINVAL;
        goto done;
    }
    /* want ≤ SIZE_MAX / 8 (mlp_layout_init): the sum cannot wrap. */
    const uint64_t length = MLP_CHECKPOINT_HEADER + 4 * (uint64_t)want + 4;
    if (file_bytes != length) {
        snprintf(err, n_err,
                 "checkpoint %s: %s: %" PRIu64 " bytes, but the header's network of "
                 "%zu weights takes %" PRIu64,
                 path, file_bytes < length ? "truncated" : "length", file_bytes, want,
                 length);
        rc = BASIN_EIO;
        goto done;
    }
    w = malloc(want * sizeof *w);
    if (w == NULL) {
        snprintf(err, n_err, "checkpoint %s: out of memory for %zu weights", path, want);
        rc = BASIN_ENOMEM;
        goto done;
    }
    enum { CHUNK = 4096 };
    unsigned char buf[4 * CHUNK];
    for (size_t i = 0; i < want; i += CHUNK) {
        const size_t m = want - i < CHUNK ? want - i : CHUNK;
        if (fread(buf, 1, 4 * m, f) != 4 * m) {
            snprintf(err, n_err, "checkpoint %s: truncated: %zu of %zu weights", path, i,
                     want);
            rc = BASIN_EIO;
            goto done;
        }
        crc = crc32(crc, buf, (uInt)(4 * m));
        for (size_t k = 0; k < m; k++) {
            const uint32_t u = get_u32(buf + 4 * k);
            memcpy(&w[i + k], &u, sizeof u);
        }
    }
    unsigned char tail[5];
    got = fread(tail, 1, 5, f);
    if (got < 4) {
        snprintf(err, n_err, "checkpoint %s: truncated: no CRC at the end", path);
        rc = BASIN_EIO;
        goto done;
    }
    if (got > 4) {
        snprintf(err, n_err, "checkpoint %s: length: bytes after the CRC", path);
        rc = BASIN_EIO;
        goto done;
    }
    if (get_u32(tail) != (uint32_t)crc) {
        snprintf(err, n_err,
                 "checkpoint %s: crc: stored %08" PRIx32 ", computed %08" PRIx32
                 " (the file is corrupt)",
                 path, get_u32(tail), (uint32_t)crc);
        rc = BASIN_EIO;
        goto done;
    }
done:
    if (rc != BASIN_OK)
        free(w);
    else
        *weights = w;
    return rc;
}

const char *mlp_checkpoint_mismatch(const mlp_checkpoint *have,
                                    const mlp_checkpoint *want, char *buf, size_t n)
{
#define SAME_U(field)                                                                    \
    if (have->field != want->field) {                                                    \
        snprintf(buf, n, #field " = %llu, expected %llu",                                \
                 (unsigned long long)have->field, (unsigned long long)want->field);      \
        return buf;                                                                      \
    }
#define SAME_X(field, what)                                                              \
    if (have->field != want->field) {                                                    \
        snprintf(buf, n, #field " = %016llx, expected %016llx (" what ")",               \
                 (unsigned long long)have->field, (unsigned long long)want->field);      \
        return buf;                                                                      \
    }
#define SAME_R(field)                                                                    \
    if (memcmp(&have->field, &want->field, sizeof have->field) != 0) {                   \
        snprintf(buf, n, #field " = %.17g, expected %.17g", have->field, want->field);   \
        return buf;                                                                      \
    }
    SAME_U(dim)
    SAME_U(width)
    SAME_U(depth)
    SAME_U(embed)
    SAME_U(n_train)
    SAME_X(train_hash, "trained on other data")
    SAME_R(lr)
    SAME_R(beta1)
    SAME_R(beta2)
    SAME_R(adam_eps)
    SAME_R(ema)
    SAME_R(p_mean)
    SAME_R(p_std)
    SAME_R(p_uniform)
    SAME_R(sigma_min)
    SAME_R(sigma_max)
    SAME_R(sigma_data_param)
    SAME_R(sigma_data)
    SAME_U(batch)
    SAME_U(steps)
    SAME_X(stream, "another seed or job: a different random stream")
    SAME_U(steps_trained)
    SAME_U(algorithm)
    SAME_U(architecture)
#undef SAME_U
#undef SAME_X
#undef SAME_R
    return NULL;
}
