/*
 * utf8 — checking text for valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), for what basin writes into TOML files.
 */
#ifndef BASIN_UTF8_H
#define BASIN_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the valid UTF-8 sequence at s[0..n), or 0 when the bytes
   there do not start one (n == 0 included). [thread-safe] */
size_t utf8_sequence(const unsigned char *s, size_t n);

/* 1 when s[0..n) is valid UTF-8; otherwise 0 with the offset of the first bad byte
   in *bad (bad may be NULL). [thread-safe] */
int utf8_valid(const char *s, size_t n, size_t *bad);

#endif
