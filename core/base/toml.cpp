// The C interface of core/base/toml.h over toml++ (the only C++ in basin).
//
// toml++ is compiled with exceptions, as Debian ships it: parse errors arrive
// as toml::parse_error, allocation failures as std::bad_alloc. Every entry
// point catches everything, so no exception ever crosses into C.

#include <toml++/toml.h>

#include "base/toml.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace
{

constexpr int kErrRead = -1;
constexpr int kErrSyntax = -2;
constexpr int kErrMemory = -3;
constexpr int kErrArgs = -4;

// A malloc'd, NUL-terminated copy of s (embedded NULs, which TOML allows in
// quoted keys and strings through \u0000, cut the C string short there).
char *dup_view(std::string_view s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (!p)
        throw std::bad_alloc();
    if (!s.empty())
        std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

int to_int(toml::source_index i)
{
    return i > static_cast<toml::source_index>(INT_MAX) ? INT_MAX : static_cast<int>(i);
}

// Sets *error to a malloc'd message built like printf; leaves it NULL if
// that fails. Line breaks are turned into spaces: the message is one line.
void set_error(char **error, const char *fmt, ...)
{
    if (!error)
        return;
    *error = nullptr;
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = std::vsnprintf(nullptr, 0, fmt, ap);
    va_end(ap);
    if (n >= 0) {
        char *msg = static_cast<char *>(std::malloc(static_cast<size_t>(n) + 1));
        if (msg) {
            std::vsnprintf(msg, static_cast<size_t>(n) + 1, fmt, ap2);
            for (char *c = msg; *c; ++c)
                if (*c == '\n' || *c == '\r')
                    *c = ' ';
            *error = msg;
        }
    }
    va_end(ap2);
}

void free_node(toml_node *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->n_items; ++i)
        free_node(node->items[i]);
    std::free(node->items);
    std::free(node->key);
    std::free(node->string);
    std::free(node);
}

struct tree_guard {
    toml_node *root = nullptr;
    ~tree_guard()
    {
        free_node(root);
    }
    toml_node *release()
    {
        return std::exchange(root, nullptr);
    }
};

toml_node *new_node()
{
    toml_node *n = static_cast<toml_node *>(std::calloc(1, sizeof *n));
    if (!n)
        throw std::bad_alloc();
    return n;
}

template <typename T> char *format_value(const T &v)
{
    std::ostringstream os;
    os << v;
    if (!os) // a stream may swallow a failed allocation into badbit
        throw std::bad_alloc();
    return dup_view(os.str());
}

// Where an entry sorts among its siblings: its value's start, then its key's.
// An unknown position (line 0) sorts last.
struct entry {
    const toml::key *key;
    const toml::node *value;
    uint64_t vpos, kpos;
};

uint64_t pos_of(const toml::source_position &p)
{
    if (p.line == 0)
        return UINT64_MAX;
    return (static_cast<uint64_t>(p.line) << 32) | static_cast<uint64_t>(p.column);
}

// Fills dst (already linked into the tree, so a throw frees it with the
// rest) from src. Children are linked as they are made, for the same reason.
void fill(toml_node *dst, const toml::node &src)
{
    const toml::source_position &begin = src.source().begin;
    dst->line = to_int(begin.line);
    dst->column = to_int(begin.column);

    switch (src.type()) {
    case toml::node_type::table: {
        const toml::table &t = *src.as_table();
        dst->kind = TOML_TABLE;
        std::vector<entry> entries;
        entries.reserve(t.size());
        for (auto &&[k, v] : t)
            entries.push_back(
                entry{&k, &v, pos_of(v.source().begin), pos_of(k.source().begin)});
        std::stable_sort(entries.begin(), entries.end(),
                         [](const entry &a, const entry &b) {
                             return a.vpos != b.vpos ? a.vpos < b.vpos : a.kpos < b.kpos;
                         });
        if (!entries.empty()) {
            dst->items = static_cast<toml_node **>(
                std::calloc(entries.size(), sizeof *dst->items));
            if (!dst->items)
                throw std::bad_alloc();
        }
        for (const entry &e : entries) {
            toml_node *child = new_node();
            dst->items[dst->n_items++] = child;
            child->key = dup_view(e.key->str());
            fill(child, *e.value);
        }
        break;
    }
    case toml::node_type::array: {
        const toml::array &a = *src.as_array();
        dst->kind = TOML_ARRAY;
        if (!a.empty()) {
            dst->items =
                static_cast<toml_node **>(std::calloc(a.size(), sizeof *dst->items));
            if (!dst->items)
                throw std::bad_alloc();
        }
        for (const toml::node &v : a) {
            toml_node *child = new_node();
            dst->items[dst->n_items++] = child;
            fill(child, v);
        }
        break;
    }
    case toml::node_type::string:
        dst->kind = TOML_STRING;
        dst->string = dup_view(src.as_string()->get());
        break;
    case toml::node_type::integer:
        dst->kind = TOML_INTEGER;
        dst->integer = src.as_integer()->get();
        break;
    case toml::node_type::floating_point:
        dst->kind = TOML_FLOAT;
        dst->real = src.as_floating_point()->get();
        break;
    case toml::node_type::boolean:
        dst->kind = TOML_BOOL;
        dst->boolean = src.as_boolean()->get();
        break;
    case toml::node_type::date:
        dst->kind = TOML_DATETIME;
        dst->string = format_value(src.as_date()->get());
        break;
    case toml::node_type::time:
        dst->kind = TOML_DATETIME;
        dst->string = format_value(src.as_time()->get());
        break;
    case toml::node_type::date_time:
        dst->kind = TOML_DATETIME;
        dst->string = format_value(src.as_date_time()->get());
        break;
    default:
        // toml++ has no other kinds of value; keep the tree well-formed anyway.
        dst->kind = TOML_STRING;
        dst->string = dup_view("");
        break;
    }
}

int parse_view(std::string_view text, const char *name, toml_node **out, char **error)
{
    try {
        // No source path for toml++: it would copy it with make_shared inside
        // a noexcept constructor (toml++ 3.3 parser.inl, utf8_reader), where
        // a bad_alloc calls std::terminate. Messages use `name` instead.
        // One such spot remains that no caller can avoid: parse_error's
        // noexcept constructor copies its (short) message into a
        // std::runtime_error, so running out of memory at exactly that point
        // of a malformed document still terminates inside toml++.
        toml::table doc = toml::parse(text);
        tree_guard guard;
        guard.root = new_node();
        fill(guard.root, doc);
        *out = guard.release();
        return 0;
    } catch (const toml::parse_error &e) {
        const toml::source_position &p = e.source().begin;
        std::string_view d = e.description();
        // description() is a view into the exception: copy it through %.*s.
        int dn = d.size() > static_cast<size_t>(INT_MAX) ? INT_MAX
                                                         : static_cast<int>(d.size());
        if (p.line > 0)
            set_error(error, "%s:%u:%u: %.*s", name, static_cast<unsigned>(p.line),
                      static_cast<unsigned>(p.column), dn, d.data());
        else
            set_error(error, "%s: %.*s", name, dn, d.data());
        return kErrSyntax;
    } catch (const std::bad_alloc &) {
        set_error(error, "%s: out of memory", name);
        return kErrMemory;
    } catch (const std::exception &e) {
        set_error(error, "%s: %s", name, e.what());
        return kErrSyntax;
    } catch (...) {
        set_error(error, "%s: unexpected failure while parsing", name);
        return kErrSyntax;
    }
}

// A TOML file larger than this is not a recipe (and /dev/zero never ends).
constexpr size_t kMaxFileBytes = size_t(64) << 20;

} // namespace

extern "C" {

int toml_parse_file(const char *path, toml_node **out, char **error)
{
    if (error)
        *error = nullptr;
    if (out)
        *out = nullptr;
    if (!path || !out) {
        set_error(error, "%s: invalid arguments to toml_parse_file",
                  path ? path : "(null)");
        return kErrArgs;
    }
    try {
        FILE *f = std::fopen(path, "rb");
        if (!f) {
            int err = errno;
            set_error(error, "%s: cannot read: %s", path, std::strerror(err));
            return kErrRead;
        }
        std::string text;
        char buf[65536];
        int read_errno = 0;
        for (;;) {
            if (text.size() > kMaxFileBytes) {
                std::fclose(f);
                set_error(error, "%s: larger than %zu MiB: not a recipe", path,
                          kMaxFileBytes >> 20);
                return kErrRead;
            }
            size_t n = std::fread(buf, 1, sizeof buf, f);
            if (n > 0) {
                try {
                    text.append(buf, n);
                } catch (...) {
                    std::fclose(f);
                    throw;
                }
            }
            if (n < sizeof buf) {
                if (std::ferror(f))
                    read_errno = errno ? errno : EIO;
                break;
            }
        }
        std::fclose(f);
        if (read_errno) {
            set_error(error, "%s: cannot read: %s", path, std::strerror(read_errno));
            return kErrRead;
        }
        return parse_view(text, path, out, error);
    } catch (const std::bad_alloc &) {
        set_error(error, "%s: out of memory", path);
        return kErrMemory;
    } catch (...) {
        set_error(error, "%s: cannot read: unexpected failure", path);
        return kErrRead;
    }
}

int toml_parse_text(const char *text, size_t len, const char *source_name,
                    toml_node **out, char **error)
{
    const char *name = source_name ? source_name : "<text>";
    if (error)
        *error = nullptr;
    if (out)
        *out = nullptr;
    if (!out || (!text && len > 0)) {
        set_error(error, "%s: invalid arguments to toml_parse_text", name);
        return kErrArgs;
    }
    return parse_view(std::string_view(text ? text : "", text ? len : 0), name, out,
                      error);
}

toml_node *toml_get(const toml_node *table, const char *key)
{
    if (!table || !key || table->kind != TOML_TABLE)
        return nullptr;
    for (size_t i = 0; i < table->n_items; ++i) {
        toml_node *item = table->items[i];
        if (item && item->key && std::strcmp(item->key, key) == 0)
            return item;
    }
    return nullptr;
}

void toml_free(toml_node *node)
{
    free_node(node);
}

const char *toml_kind_name(toml_kind kind)
{
    switch (kind) {
    case TOML_TABLE:
        return "table";
    case TOML_ARRAY:
        return "array";
    case TOML_STRING:
        return "string";
    case TOML_INTEGER:
        return "integer";
    case TOML_FLOAT:
        return "float";
    case TOML_BOOL:
        return "boolean";
    case TOML_DATETIME:
        return "datetime";
    }
    return "unknown";
}

} // extern "C"
