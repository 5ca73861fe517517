#include "npz.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "basin/plugin.h"

/* Signatures and fixed sizes of the zip records (APPNOTE 4.3). */
#define SIG_LOCAL       0x04034b50u
#define SIG_CENTRAL     0x02014b50u
#define SIG_END         0x06054b50u
#define SIG_END64       0x06064b50u
#define SIG_END64_LOC   0x07064b50u
#define LOCAL_BYTES     30
#define CENTRAL_BYTES   46
#define END_BYTES       22
#define END64_BYTES     56
#define END64_LOC_BYTES 20
#define MAX_COMMENT     65535
/* deflate's largest expansion: 258 bytes per 2 bits, ~1032 : 1 (zlib's FAQ). */
#define MAX_RATIO 1032

static void say(char *err, size_t n_err, const char *fmt, ...)
{
    if (err == NULL || n_err == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n_err, fmt, ap);
    va_end(ap);
}

static uint32_t le16(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8;
}

static uint32_t le32(const uint8_t *b)
{
    return le16(b) | le16(b + 2) << 16;
}

static uint64_t le64(const uint8_t *b)
{
    return (uint64_t)le32(b) | (uint64_t)le32(b + 4) << 32;
}

/* n bytes at offset `at` of f into buf; 0 on success. */
static int read_at(FILE *f, uint64_t at, void *buf, size_t n)
{
    if (at > (uint64_t)INT64_MAX || fseeko(f, (off_t)at, SEEK_SET) != 0)
        return -1;
    return fread(buf, 1, n, f) == n ? 0 : -1;
}

/* One central directory entry, its sizes widened by its zip64 extra field. */
typedef struct entry {
    const uint8_t *name;
    size_t name_len;
    uint32_t flags, method, crc;
    uint64_t compressed, size, offset;
} entry;

/* Parse the entry at cd[at..n) into e; its length in *used; 0, or -1 with a
   message. */
static int parse_entry(const char *path, const uint8_t *cd, size_t n, size_t at, entry *e,
                       size_t *used, char *err, size_t n_err)
{
    if (n - at < CENTRAL_BYTES || le32(cd + at) != SIG_CENTRAL) {
        say(err, n_err, "%s: a central directory entry is cut short or malformed", path);
        return -1;
    }
    const uint8_t *p = cd + at;
    const size_t name_len = le16(p + 28), extra_len = le16(p + 30),
                 comment = le16(p + 32);
    if (n - at - CENTRAL_BYTES < name_len + extra_len + comment) {
        say(err, n_err, "%s: a central directory entry runs past the directory", path);
        return -1;
    }
    e->flags = le16(p + 8);
    e->method = le16(p + 10);
    e->crc = le32(p + 16);
    e->compressed = le32(p + 20);
    e->size = le32(p + 24);
    e->offset = le32(p + 42);
    e->name = p + CENTRAL_BYTES;
    e->name_len = name_len;
    /* zip64 extra field (id 1): the 0xFFFFFFFF fields, in this order, as 8 bytes */
    const uint8_t *x = e->name + name_len, *x_end = x + extra_len;
    while (x_end - x >= 4) {
        const uint32_t id = le16(x), len = le16(x + 2);
        if ((size_t)(x_end - x - 4) < len) {
            say(err, n_err, "%s: an extra field runs past its entry", path);
            return -1;
        }
        if (id == 1) {
            const uint8_t *v = x + 4, *v_end = v + len;
            uint64_t *fields[] = {&e->size, &e->compressed, &e->offset};
            for (int k = 0; k < 3; k++) {
                if (*fields[k] != 0xFFFFFFFFu)
                    continue;
                if (v_end - v < 8) {
                    say(err, n_err, "%s: a zip64 extra field is too short", path);
                    return -1;
                }
                *fields[k] = le64(v);
                v += 8;
            }
        }
        x += 4 + len;
    }
    *used = CENTRAL_BYTES + name_len + extra_len + comment;
    return 0;
}

/* The end of central directory: entries, directory size and offset (zip64 where
   the classic record says so). 0, or -1 with a message. */
static int find_directory(FILE *f, const char *path, uint64_t size, uint64_t *count,
                          uint64_t *cd_size, uint64_t *cd_offset, uint64_t *end_at,
                          char *err, size_t n_err)
{
    if (size < END_BYTES) {
        say(err, n_err, "%s: not a zip archive (%llu bytes)", path,
            (unsigned long long)size);
        return -1;
    }
    const size_t tail =
        (size_t)(size < END_BYTES + MAX_COMMENT ? size : END_BYTES + MAX_COMMENT);
    uint8_t *buf = malloc(tail);
    if (buf == NULL || read_at(f, size - tail, buf, tail) != 0) {
        say(err, n_err, "%s: cannot read the end of the archive", path);
        free(buf);
        return -1;
    }
    /* The last signature whose comment runs exactly to the end of the file. */
    size_t at = tail - END_BYTES + 1;
    int found = 0;
    while (at-- > 0)
        if (le32(buf + at) == SIG_END && le16(buf + at + 20) == tail - at - END_BYTES) {
            found = 1;
            break;
        }
    if (!found) {
        free(buf);
        say(err, n_err, "%s: not a zip archive (no end of central directory record)",
            path);
        return -1;
    }
    const uint8_t *e = buf + at;
    *end_at = size - tail + at;
    if (le16(e + 4) != 0 || le16(e + 6) != 0 || le16(e + 8) != le16(e + 10)) {
        free(buf);
        say(err, n_err, "%s: a multi-disk zip archive is not supported", path);
        return -1;
    }
    *count = le16(e + 10);
    *cd_size = le32(e + 12);
    *cd_offset = le32(e + 16);
    free(buf);
    if (*count != 0xFFFF && *cd_size != 0xFFFFFFFFu && *cd_offset != 0xFFFFFFFFu)
        return 0;
    /* zip64: the locator right before the end record points at the zip64 end */
    uint8_t loc[END64_LOC_BYTES], end64[END64_BYTES];
    if (*end_at < END64_LOC_BYTES ||
        read_at(f, *end_at - END64_LOC_BYTES, loc, sizeof loc) != 0 ||
        le32(loc) != SIG_END64_LOC) {
        say(err, n_err, "%s: a zip64 archive without its zip64 end locator", path);
        return -1;
    }
    const uint64_t at64 = le64(loc + 8);
    if (at64 > *end_at - END64_LOC_BYTES ||
        *end_at - END64_LOC_BYTES - at64 < END64_BYTES ||
        read_at(f, at64, end64, sizeof end64) != 0 || le32(end64) != SIG_END64) {
        say(err, n_err, "%s: the zip64 end of central directory is missing or misplaced",
            path);
        return -1;
    }
    if (le64(end64 + 24) != le64(end64 + 32)) {
        say(err, n_err, "%s: a multi-disk zip archive is not supported", path);
        return -1;
    }
    *count = le64(end64 + 32);
    *cd_size = le64(end64 + 40);
    *cd_offset = le64(end64 + 48);
    *end_at = at64;
    return 0;
}

/* Whether entry e is `member` (as written, or with ".npy" appended). */
static int names_member(const entry *e, const char *member)
{
    const size_t m = strlen(member);
    if (e->name_len == m && memcmp(e->name, member, m) == 0)
        return 1;
    return e->name_len == m + 4 && memcmp(e->name, member, m) == 0 &&
           memcmp(e->name + m, ".npy", 4) == 0;
}

/* The data of entry e (local header at e->offset, before cd_offset) into a new
   buffer; 0, or a status with a message. */
static int extract(FILE *f, const char *path, const entry *e, uint64_t cd_offset,
                   void **data, size_t *n, char *err, size_t n_err)
{
    const int name_len = e->name_len > 200 ? 200 : (int)e->name_len;
    const char *name = (const char *)e->name;
    if (e->flags & 1) {
        say(err, n_err, "%s:%.*s: an encrypted member is not supported", path, name_len,
            name);
        return BASIN_EINVAL;
    }
    if (e->method != 0 && e->method != 8) {
        say(err, n_err,
            "%s:%.*s: compression method %u is not supported (stored or deflate)", path,
            name_len, name, e->method);
        return BASIN_EINVAL;
    }
    uint8_t local[LOCAL_BYTES];
    if (e->offset > cd_offset || cd_offset - e->offset < LOCAL_BYTES ||
        read_at(f, e->offset, local, sizeof local) != 0 || le32(local) != SIG_LOCAL) {
        say(err, n_err, "%s:%.*s: no local header at offset %llu", path, name_len, name,
            (unsigned long long)e->offset);
        return BASIN_EINVAL;
    }
    const uint64_t start = e->offset + LOCAL_BYTES + le16(local + 26) + le16(local + 28);
    if (start > cd_offset || cd_offset - start < e->compressed) {
        say(err, n_err, "%s:%.*s: %llu compressed bytes run past the member's room", path,
            name_len, name, (unsigned long long)e->compressed);
        return BASIN_EINVAL;
    }
    if ((e->method == 0 && e->compressed != e->size) ||
        (e->method == 8 && e->size / MAX_RATIO > e->compressed)) {
        say(err, n_err, "%s:%.*s: %llu bytes cannot come from %llu %s bytes", path,
            name_len, name, (unsigned long long)e->size,
            (unsigned long long)e->compressed, e->method == 0 ? "stored" : "deflated");
        return BASIN_EINVAL;
    }
    if (e->size == 0 || e->size > (uint64_t)SIZE_MAX / 2 ||
        e->compressed > (uint64_t)SIZE_MAX / 2) {
        say(err, n_err, "%s:%.*s: a member of %llu bytes", path, name_len, name,
            (unsigned long long)e->size);
        return BASIN_EINVAL;
    }
    uint8_t *in = calloc((size_t)e->compressed + 1, 1);
    uint8_t *out = e->method == 0 ? in : calloc((size_t)e->size, 1);
    if (in == NULL || out == NULL) {
        say(err, n_err, "%s:%.*s: cannot allocate %llu bytes", path, name_len, name,
            (unsigned long long)e->size);
        free(in);
        return BASIN_ENOMEM;
    }
    int rc = BASIN_OK;
    if (read_at(f, start, in, (size_t)e->compressed) != 0) {
        say(err, n_err, "%s:%.*s: cannot read its %llu bytes", path, name_len, name,
            (unsigned long long)e->compressed);
        rc = BASIN_EIO;
    } else if (e->method == 8) {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, -MAX_WBITS) != Z_OK) {
            say(err, n_err, "%s: cannot start zlib", path);
            rc = BASIN_ENOMEM;
        } else {
            /* zlib counts in uInt: feed and drain in chunks below 2^31 */
            uint64_t fed = 0, got = 0;
            int z_rc = Z_OK;
            while (z_rc == Z_OK) {
                if (z.avail_in == 0 && fed < e->compressed) {
                    const uint64_t left = e->compressed - fed;
                    z.next_in = in + fed;
                    z.avail_in = (uInt)(left < (1u << 30) ? left : (1u << 30));
                    fed += z.avail_in;
                }
                if (z.avail_out == 0 && got < e->size) {
                    const uint64_t left = e->size - got;
                    z.next_out = out + got;
                    z.avail_out = (uInt)(left < (1u << 30) ? left : (1u << 30));
                    got += z.avail_out;
                }
                z_rc = inflate(&z, Z_NO_FLUSH);
                if (z_rc == Z_BUF_ERROR && (z.avail_in > 0 || fed < e->compressed) &&
                    (z.avail_out > 0 || got < e->size))
                    z_rc = Z_OK; /* room on both sides: go on */
            }
            const uint64_t produced = got - z.avail_out, used = fed - z.avail_in;
            if (z_rc != Z_STREAM_END || produced != e->size || used != e->compressed) {
                say(err, n_err,
                    "%s:%.*s: bad deflate data (%s; %llu of %llu bytes from %llu of %llu)",
                    path, name_len, name, z.msg ? z.msg : "ends early or runs over",
                    (unsigned long long)produced, (unsigned long long)e->size,
                    (unsigned long long)used, (unsigned long long)e->compressed);
                rc = BASIN_EINVAL;
            }
            inflateEnd(&z);
        }
    }
    if (rc == BASIN_OK) {
        uLong crc = crc32(0L, Z_NULL, 0);
        for (uint64_t done = 0; done < e->size;) {
            const uint64_t left = e->size - done;
            const uInt chunk = (uInt)(left < (1u << 30) ? left : (1u << 30));
            crc = crc32(crc, out + done, chunk);
            done += chunk;
        }
        if ((uint32_t)crc != e->crc) {
            say(err, n_err, "%s:%.*s: CRC-32 %08lx, the archive says %08x", path,
                name_len, name, (unsigned long)crc, e->crc);
            rc = BASIN_EINVAL;
        }
    }
    if (out != in)
        free(in);
    if (rc != BASIN_OK) {
        free(out);
        return rc;
    }
    *data = out;
    *n = (size_t)e->size;
    return BASIN_OK;
}

int npz_read_member(const char *path, const char *member, void **data, size_t *n,
                    char *err, size_t n_err)
{
    *data = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        say(err, n_err, "%s: cannot open: %s", path, strerror(errno));
        return BASIN_EIO;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        say(err, n_err, "%s: not a regular file", path);
        fclose(f);
        return BASIN_EINVAL;
    }
    const uint64_t size = (uint64_t)st.st_size;
    uint64_t count, cd_size, cd_offset, end_at;
    if (find_directory(f, path, size, &count, &cd_size, &cd_offset, &end_at, err,
                       n_err)) {
        fclose(f);
        return BASIN_EINVAL;
    }
    if (cd_offset > end_at || end_at - cd_offset < cd_size || cd_size > SIZE_MAX / 2 ||
        count > cd_size / CENTRAL_BYTES) {
        say(err, n_err,
            "%s: the central directory (%llu entries, %llu bytes at %llu) does not fit "
            "the archive",
            path, (unsigned long long)count, (unsigned long long)cd_size,
            (unsigned long long)cd_offset);
        fclose(f);
        return BASIN_EINVAL;
    }
    uint8_t *cd = malloc((size_t)cd_size + 1);
    if (cd == NULL || read_at(f, cd_offset, cd, (size_t)cd_size) != 0) {
        say(err, n_err, "%s: cannot read the central directory", path);
        free(cd);
        fclose(f);
        return cd == NULL ? BASIN_ENOMEM : BASIN_EIO;
    }
    /* Find the member; without a name, the one member there must be. */
    entry found = {0}, e;
    int n_found = 0, rc = BASIN_OK;
    char names[256] = "";
    size_t at = 0, used;
    for (uint64_t k = 0; k < count && rc == BASIN_OK; k++, at += used) {
        if (parse_entry(path, cd, (size_t)cd_size, at, &e, &used, err, n_err)) {
            rc = BASIN_EINVAL;
            break;
        }
        const size_t len = strlen(names);
        if (len < sizeof names - 1)
            snprintf(names + len, sizeof names - len, "%s%.*s", k ? ", " : "",
                     (int)(e.name_len > 64 ? 64 : e.name_len), (const char *)e.name);
        if (member == NULL || names_member(&e, member)) {
            if (n_found++ == 0)
                found = e;
        }
    }
    if (rc == BASIN_OK && n_found == 0) {
        if (member != NULL)
            say(err, n_err, "%s: no array '%s' (it holds: %s)", path, member,
                count ? names : "nothing");
        else
            say(err, n_err, "%s: an empty archive", path);
        rc = BASIN_EINVAL;
    } else if (rc == BASIN_OK && member == NULL && n_found > 1) {
        say(err, n_err, "%s: holds %d arrays (%s): name one as %s:NAME", path, n_found,
            names, path);
        rc = BASIN_EINVAL;
    } else if (rc == BASIN_OK && n_found > 1) {
        say(err, n_err, "%s: the name '%s' is there %d times", path, member, n_found);
        rc = BASIN_EINVAL;
    }
    if (rc == BASIN_OK)
        rc = extract(f, path, &found, cd_offset, data, n, err, n_err);
    free(cd);
    fclose(f);
    return rc;
}

/* Open r on the n bytes of data (taken over) named `name`. */
static int open_memory(npy_reader *r, void *data, size_t n, const char *name,
                       unsigned flags, char *err, size_t n_err)
{
    const size_t name_len = strlen(name);
    char *block = realloc(data, n + name_len + 1);
    if (block == NULL) {
        free(data);
        say(err, n_err, "%s: out of memory", name);
        return BASIN_ENOMEM;
    }
    memcpy(block + n, name, name_len + 1);
    FILE *f = n > 0 ? fmemopen(block, n, "rb") : NULL;
    if (f == NULL) {
        say(err, n_err, "%s: %s", block + n, n == 0 ? "empty" : strerror(errno));
        free(block);
        return n == 0 ? BASIN_EINVAL : BASIN_EIO;
    }
    int rc = npy_open_stream(r, f, block + n, flags, err, n_err);
    if (rc != BASIN_OK) {
        free(block);
        return rc;
    }
    r->buffer = block;
    return BASIN_OK;
}

/* All of stdin into a new buffer. */
static int read_stdin(void **data, size_t *n, char *err, size_t n_err)
{
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        const size_t got = fread(buf + len, 1, cap - len, stdin);
        len += got;
        if (len < cap) {
            if (ferror(stdin)) {
                say(err, n_err, "stdin: cannot read: %s", strerror(errno));
                free(buf);
                return BASIN_EIO;
            }
            *data = buf;
            *n = len;
            return BASIN_OK;
        }
        uint8_t *more = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (more == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = more;
        cap *= 2;
    }
    say(err, n_err, "stdin: out of memory");
    return BASIN_ENOMEM;
}

int npy_open_input(npy_reader *r, const char *path, unsigned flags, char *err,
                   size_t n_err)
{
    memset(r, 0, sizeof *r);
    void *data = NULL;
    size_t n = 0;
    if (strcmp(path, "-") == 0) {
        int rc = read_stdin(&data, &n, err, n_err);
        return rc ? rc : open_memory(r, data, n, "stdin", flags, err, n_err);
    }
    const size_t len = strlen(path);
    struct stat st;
    const int exists = stat(path, &st) == 0;
    const char *colon = NULL;
    for (const char *p = strstr(path, ".npz:"); p != NULL; p = strstr(p + 1, ".npz:"))
        colon = p + 4;
    const int whole = len >= 4 && strcmp(path + len - 4, ".npz") == 0;
    if (!(exists && !whole) && (whole || colon != NULL)) {
        char archive[4096];
        const char *member = NULL;
        if (whole) {
            snprintf(archive, sizeof archive, "%s", path);
        } else {
            snprintf(archive, sizeof archive, "%.*s", (int)(colon - path), path);
            member = colon + 1;
        }
        int rc = npz_read_member(archive, member, &data, &n, err, n_err);
        return rc ? rc : open_memory(r, data, n, path, flags, err, n_err);
    }
    return npy_open_as(r, path, flags, err, n_err);
}
