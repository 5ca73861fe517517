/* A small C interface over toml++: parse a TOML document into a plain tree.
 *
 * The tree is owned by the caller and freed with toml_free(). Table entries
 * keep the order of their values in the source; positions are 1-based.
 * Nothing here throws or aborts: every failure, out-of-memory included, is
 * reported through the return value and a message.
 */
#ifndef BASIN_TOML_H
#define BASIN_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum toml_kind {
    TOML_TABLE = 1,
    TOML_ARRAY,
    TOML_STRING,
    TOML_INTEGER,
    TOML_FLOAT,
    TOML_BOOL,
    TOML_DATETIME
} toml_kind;

typedef struct toml_node toml_node;
struct toml_node {
    toml_kind kind;
    char *key; /* name within its parent table; NULL for the root and array items */
    int line, column; /* 1-based source position of the value (0 if unknown) */
    int64_t integer;  /* TOML_INTEGER */
    double real;      /* TOML_FLOAT */
    bool boolean;     /* TOML_BOOL */
    char *
        string; /* TOML_STRING: the UTF-8 value; TOML_DATETIME: its text as TOML would write it */
    toml_node *
        *items; /* TOML_TABLE: entries in source order; TOML_ARRAY: elements in order */
    size_t n_items;
};

/* Parse a file. 0 on success with *out set (free with toml_free); on failure
 * a negative value and *error = malloc'd one-line "PATH:LINE:COLUMN: message"
 * (caller frees). Never throws, never aborts, handles missing/unreadable files
 * with a clear message ("PATH: cannot read: <strerror>").
 *
 * Before toml++ sees the text, one streamed pass refuses what toml++ 3.3 could
 * crash or assert on, and what no recipe is, with "PATH:LINE: message":
 * more than 4 MiB outside comments (read no further than that), more than 256 MiB
 * in all (a regular file that large is refused unread), bytes that are not UTF-8,
 * control characters other than tab and line breaks, non-ASCII characters outside
 * strings and comments, nesting deeper than 64 levels (each dotted-key part,
 * table-header part, array and inline table is one), and brackets that close
 * nothing, the other kind, or are never closed. Comments are dropped there (line
 * numbers are kept). docs/recipes.md, "Limits", says the same for users.
 *
 * Failure values: -1 the file cannot be read, -2 the TOML is malformed (the
 * guard's encoding and bracket checks included), -3 out of memory, -4 invalid
 * arguments, -5 beyond the limits (size, nesting). Where no position applies the
 * message is "PATH: message". If even the message cannot be allocated, *error is
 * NULL. `error` may be NULL when the caller wants no message. */
int toml_parse_file(const char *path, toml_node **out, char **error);

/* Same for text in memory (the same guard and limits); source_name is used in
 * messages and node positions (NULL means "<text>"). `text` may be NULL only when
 * len is 0. */
int toml_parse_text(const char *text, size_t len, const char *source_name,
                    toml_node **out, char **error);

/* The length of the longest prefix of text (len bytes) that is valid UTF-8 (RFC
 * 3629: no overlong forms, surrogates or code points past U+10FFFF): len when all
 * of it is. */
size_t toml_utf8_prefix(const char *text, size_t len);

/* The entry `key` of a table, or NULL (also NULL if t is not a table). */
toml_node *toml_get(const toml_node *table, const char *key);

/* Free a tree returned by a parse function (NULL is fine). */
void toml_free(toml_node *node);

/* The kind as a word for messages: "table", "array", "string", "integer",
 * "float", "boolean", "datetime" ("unknown" for anything else). */
const char *toml_kind_name(toml_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* BASIN_TOML_H */
