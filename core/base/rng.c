#include "base/rng.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void rng_philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c0 = n0;
        c1 = (uint32_t)p1;
        c2 = n2;
        c3 = (uint32_t)p0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

uint64_t rng_job_seed(uint64_t run_seed, uint64_t job)
{
    /* A distinct key space from the streams: counter word 1 is all ones. */
    uint32_t ctr[4] = {(uint32_t)job, 0xFFFFFFFFu, (uint32_t)(job >> 32), 0x6A6F6273u};
    uint32_t key[2] = {(uint32_t)run_seed, (uint32_t)(run_seed >> 32)};
    uint32_t out[4];
    rng_philox(ctr, key, out);
    return ((uint64_t)out[0] << 32) | out[1];
}

/* Stream set-up: the key mixes the seed with the role and the high half of the
 * step, so that all five coordinates select distinct streams. */
typedef struct stream {
    uint32_t ctr[4];
    uint32_t key[2];
} stream;

static void stream_init(stream *s, uint64_t seed, uint32_t role, uint64_t index,
                        uint64_t step)
{
    uint32_t mix_ctr[4] = {role, (uint32_t)(step >> 32), 0x726F6C65u, 0x6B657921u};
    uint32_t seed_key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    uint32_t mixed[4];
    rng_philox(mix_ctr, seed_key, mixed);
    s->key[0] = mixed[0];
    s->key[1] = mixed[1];
    s->ctr[0] = 0;
    s->ctr[1] = (uint32_t)step;
    s->ctr[2] = (uint32_t)index;
    s->ctr[3] = (uint32_t)(index >> 32);
}

static void stream_next(stream *s, uint32_t out[4])
{
    rng_philox(s->ctr, s->key, out);
    s->ctr[0]++;
}

void rng_bits(uint64_t seed, uint32_t role, uint64_t index, uint64_t step, uint32_t *out,
              size_t n)
{
    stream s;
    stream_init(&s, seed, role, index, step);
    uint32_t block[4];
    for (size_t i = 0; i < n; i += 4) {
        stream_next(&s, block);
        for (size_t j = 0; j < 4 && i + j < n; j++)
            out[i + j] = block[j];
    }
}

/* 53 random bits from two words, as a double in [0, 1). */
static double to_unit(uint32_t hi, uint32_t lo)
{
    uint64_t bits = ((uint64_t)(hi >> 5) << 26) | (lo >> 6);
    return (double)bits * (1.0 / 9007199254740992.0);
}

void rng_uniform(uint64_t seed, uint32_t role, uint64_t index, uint64_t step, double *out,
                 size_t n)
{
    stream s;
    stream_init(&s, seed, role, index, step);
    uint32_t block[4];
    for (size_t i = 0; i < n; i += 2) {
        stream_next(&s, block);
        out[i] = to_unit(block[0], block[1]);
        if (i + 1 < n)
            out[i + 1] = to_unit(block[2], block[3]);
    }
}

/* Box–Muller: two uniforms give two independent standard normals. */
void rng_normal(uint64_t seed, uint32_t role, uint64_t index, uint64_t step, float *out,
                size_t n)
{
    stream s;
    stream_init(&s, seed, role, index, step);
    uint32_t block[4];
    const double two_pi = 6.283185307179586;
    for (size_t i = 0; i < n; i += 2) {
        stream_next(&s, block);
        double u1 = 1.0 - to_unit(block[0], block[1]); /* (0, 1]: log is finite */
        double u2 = to_unit(block[2], block[3]);
        double r = sqrt(-2.0 * log(u1));
        out[i] = (float)(r * cos(two_pi * u2));
        if (i + 1 < n)
            out[i + 1] = (float)(r * sin(two_pi * u2));
    }
}
