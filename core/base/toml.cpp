// The C interface of core/base/toml.h over toml++ (the only C++ in basin).
//
// toml++ is compiled with exceptions, as Debian ships it: parse errors arrive
// as toml::parse_error, allocation failures as std::bad_alloc. Every entry
// point catches everything, so no exception ever crosses into C.

#include <toml++/toml.h>

#include "base/toml.h"

extern "C" {
#include "base/utf8.h"
}

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sys/stat.h>
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

// ------------------------------------------------------------------ the guard
//
// toml++ 3.3 recurses once per part of a dotted key, per table-header part and per
// nested array or inline table, so an 80 KB key overflows the stack; a value that
// starts with a non-ASCII character (`x = β`) or an array closed by '}' (`a = [ }`)
// reaches internal assertions. So before toml++ sees a document, one pass over it
// (streamed, for a file) refuses, with "NAME:LINE: what":
//   - more than kMaxSignificant bytes outside comments (comments are dropped before
//     toml++ sees the text, lines kept, so run.toml's per-job comment lines cost
//     nothing), or more than kMaxStreamBytes in all;
//   - bytes that are not UTF-8, and control characters other than tab and line
//     breaks (TOML allows none, in strings and comments too);
//   - a non-ASCII character outside a string or comment (TOML 1.0 bare keys and
//     values are ASCII);
//   - nesting deeper than kMaxDepth levels, a level being a dotted-key part, a table
//     header part, an array or an inline table: for `[a.b] c.d = [[1]]` the
//     innermost 1 is at level 6;
//   - a ']' or '}' that closes nothing or the other kind of bracket, and a bracket
//     never closed.
// The limits are stated in docs/recipes.md ("Limits").

// 4 MiB: the run.toml of a run holds its sweeps as lists; a range of the most
// values a sweep may have (100000, recipe.c) takes about 2.6 MB written out.
constexpr size_t kMaxSignificant = size_t(4) << 20;
constexpr uint64_t kMaxStreamBytes = uint64_t(256) << 20;
constexpr int kMaxDepth = 64;
constexpr int kErrLimit = -5;

// Bytes from a FILE or from memory, with a lookahead of a few bytes.
class source
{
  public:
    source(FILE *f) : f_(f), buf_()
    {
    }
    source(const char *text, size_t len) : mem_(text), mem_len_(len), buf_()
    {
    }
    // The byte k ahead of the next one, or -1 past the end.
    int peek(size_t k = 0)
    {
        if (!f_)
            return pos_ + k < mem_len_ ? static_cast<unsigned char>(mem_[pos_ + k]) : -1;
        if (lo_ + k >= hi_ && !fill(k + 1))
            return -1;
        return buf_[lo_ + k];
    }
    int get()
    {
        const int c = peek();
        if (c >= 0) {
            if (f_)
                ++lo_;
            else
                ++pos_;
            ++consumed_;
        }
        return c;
    }
    uint64_t consumed() const
    {
        return consumed_;
    }
    int read_errno() const
    {
        return errno_;
    }

  private:
    // Have at least n unread bytes in buf_ if the file holds them.
    bool fill(size_t n)
    {
        if (lo_ > 0) {
            std::memmove(buf_, buf_ + lo_, hi_ - lo_);
            hi_ -= lo_;
            lo_ = 0;
        }
        while (hi_ < n && !eof_) {
            const size_t got = std::fread(buf_ + hi_, 1, sizeof buf_ - hi_, f_);
            hi_ += got;
            if (got == 0) {
                eof_ = true;
                if (std::ferror(f_))
                    errno_ = errno ? errno : EIO;
            }
        }
        return hi_ >= n;
    }
    FILE *f_ = nullptr;
    const char *mem_ = nullptr;
    size_t mem_len_ = 0, pos_ = 0;
    unsigned char buf_[65536];
    size_t lo_ = 0, hi_ = 0;
    bool eof_ = false;
    int errno_ = 0;
    uint64_t consumed_ = 0;
};

class guard
{
  public:
    guard(source &in, const char *name, std::string &out)
        : in_(in), name_(name), out_(out)
    {
    }

    // 0 with the significant text in out, or kErrLimit / kErrSyntax / kErrRead with
    // the message in *error.
    int run(char **error)
    {
        int rc = scan();
        if (rc == 0 && in_.read_errno()) {
            set_error(error, "%s: cannot read: %s", name_,
                      std::strerror(in_.read_errno()));
            return kErrRead;
        }
        if (rc != 0)
            set_error(error, "%s", msg_.c_str());
        return rc;
    }

  private:
    struct open_bracket {
        char kind; // '[' or '{'
        int level; // of the values inside it
        int line;
    };

    template <typename... Args> int fail(int rc, const char *fmt, Args... args)
    {
        char buf[512];
        std::snprintf(buf, sizeof buf, fmt, args...);
        msg_ = buf;
        return rc;
    }

    int too_deep()
    {
        return fail(kErrLimit,
                    "%s:%d: nested deeper than %d levels (dotted-key parts, table-header "
                    "parts, arrays and inline tables each count one)",
                    name_, line_, kMaxDepth);
    }

    // Keep c for toml++, counting it against the limit.
    int keep(int c)
    {
        if (out_.size() >= kMaxSignificant)
            return fail(kErrLimit,
                        "%s:%d: over %zu MiB of TOML (comments aside): a recipe is at "
                        "most %zu MiB",
                        name_, line_, kMaxSignificant >> 20, kMaxSignificant >> 20);
        out_.push_back(static_cast<char>(c));
        return 0;
    }

    // The character starting with byte c (already taken): checked, and kept when
    // `kept`. Line breaks are counted by the caller.
    int character(int c, bool kept, bool ascii_only)
    {
        if (in_.consumed() > kMaxStreamBytes)
            return fail(kErrLimit, "%s: larger than %llu MiB: not a recipe", name_,
                        static_cast<unsigned long long>(kMaxStreamBytes >> 20));
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                return fail(kErrSyntax,
                            "%s:%d: control character U+%04X (TOML allows only tab and "
                            "line breaks; write it as an escape in a string)",
                            name_, line_, static_cast<unsigned>(c));
            return kept ? keep(c) : 0;
        }
        unsigned char seq[4] = {static_cast<unsigned char>(c), 0, 0, 0};
        size_t n = 1;
        while (n < 4 && in_.peek(n - 1) >= 0x80 && in_.peek(n - 1) <= 0xbf) {
            seq[n] = static_cast<unsigned char>(in_.peek(n - 1));
            ++n;
        }
        const size_t len = utf8_sequence(seq, n);
        if (len == 0)
            return fail(kErrSyntax, "%s:%d: not valid UTF-8 (byte 0x%02X)", name_, line_,
                        static_cast<unsigned>(c));
        if (ascii_only)
            return fail(kErrSyntax,
                        "%s:%d: a non-ASCII character outside a string or comment (bare "
                        "keys and values are ASCII; quote it)",
                        name_, line_);
        for (size_t i = 1; i < len; ++i)
            in_.get();
        for (size_t i = 0; kept && i < len; ++i)
            if (int rc = keep(seq[i]))
                return rc;
        return 0;
    }

    // A string whose quote q was taken; kept whole.
    int string(int q)
    {
        const bool multi = in_.peek() == q && in_.peek(1) == q;
        if (int rc = keep(q))
            return rc;
        if (multi) {
            in_.get();
            in_.get();
            if (int rc = keep(q))
                return rc;
            if (int rc = keep(q))
                return rc;
        }
        for (;;) {
            int c = in_.get();
            if (c < 0)
                return 0; // unterminated: toml++ says so
            if (c == '\n') {
                if (!multi) // unterminated on its line: toml++ says so
                    return newline();
                ++line_;
            }
            if (c == q) {
                if (int rc = keep(c))
                    return rc;
                if (!multi)
                    return 0;
                if (in_.peek() == q && in_.peek(1) == q) {
                    in_.get();
                    in_.get();
                    // Up to two more quotes belong to the content.
                    int extra = 0;
                    while (extra < 2 && in_.peek() == q) {
                        in_.get();
                        ++extra;
                    }
                    for (int i = 0; i < 2 + extra; ++i)
                        if (int rc = keep(q))
                            return rc;
                    return 0;
                }
                continue;
            }
            if (c == '\\' && q == '"') {
                if (int rc = keep(c))
                    return rc;
                c = in_.get();
                if (c < 0)
                    return 0;
                if (c == '\n')
                    ++line_;
            }
            if (int rc = character(c, true, false))
                return rc;
        }
    }

    int newline()
    {
        ++line_;
        if (int rc = keep('\n'))
            return rc;
        if (stack_.empty()) {
            expect_key_ = true;
            key_parts_ = 0;
            line_blank_ = true;
        }
        return 0;
    }

    // The level of what a key or value at this point nests in.
    int context_level() const
    {
        return stack_.empty() ? base_level_ : stack_.back().level;
    }

    int scan()
    {
        for (;;) {
            const int c = in_.get();
            if (c < 0)
                break;
            if (c == '\n') {
                if (int rc = newline())
                    return rc;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\r') {
                if (int rc = character(c, true, true))
                    return rc;
                continue;
            }
            if (c == '#') { // a comment, dropped: the line break stays
                while (in_.peek() >= 0 && in_.peek() != '\n')
                    if (int rc = character(in_.get(), false, false))
                        return rc;
                continue;
            }
            const bool first_on_line = line_blank_;
            line_blank_ = false;
            if (c == '"' || c == '\'') {
                if (expect_key_ && key_parts_ == 0)
                    key_parts_ = 1;
                if (int rc = string(c))
                    return rc;
                continue;
            }
            if (int rc = character(c, true, true))
                return rc;
            // A closer where a key could start ends an inline table ({} or a
            // trailing ',') or is an error: either way, a bracket.
            const bool closer = (c == ']' || c == '}') && !header_;
            if (expect_key_ && !closer) {
                if (c == '[' && first_on_line && stack_.empty() && header_ == 0) {
                    header_ = 1;
                    if (in_.peek() == '[') {
                        in_.get();
                        header_ = 2;
                        if (int rc = keep('['))
                            return rc;
                    }
                    key_parts_ = 0;
                    continue;
                }
                if (c == '.')
                    ++key_parts_;
                else if (key_parts_ == 0 && c != '=' && c != ']')
                    key_parts_ = 1;
                if (key_parts_ + (header_ ? 0 : context_level()) + (header_ == 2) >
                    kMaxDepth)
                    return too_deep();
                if (c == ']' && header_) {
                    if (header_ == 2 && in_.peek() == ']') {
                        in_.get();
                        if (int rc = keep(']'))
                            return rc;
                    }
                    base_level_ = key_parts_ + (header_ == 2);
                    header_ = 0;
                    expect_key_ = false;
                } else if (c == '=' && !header_) {
                    value_level_ = context_level() + key_parts_;
                    expect_key_ = false;
                }
                continue;
            }
            // A value.
            if (c == '[' || c == '{') {
                const int level =
                    (!stack_.empty() && stack_.back().kind == '[' ? stack_.back().level
                                                                  : value_level_) +
                    1;
                if (level > kMaxDepth)
                    return too_deep();
                stack_.push_back(open_bracket{static_cast<char>(c), level, line_});
                if (c == '{') {
                    expect_key_ = true;
                    key_parts_ = 0;
                }
            } else if (closer) {
                expect_key_ = false;
                const char want = c == ']' ? '[' : '{';
                if (stack_.empty())
                    return fail(kErrSyntax, "%s:%d: '%c' closes nothing", name_, line_,
                                c);
                if (stack_.back().kind != want)
                    return fail(kErrSyntax, "%s:%d: '%c' closes the '%c' of line %d",
                                name_, line_, c, stack_.back().kind, stack_.back().line);
                stack_.pop_back();
            } else if (c == ',' && !stack_.empty() && stack_.back().kind == '{') {
                expect_key_ = true;
                key_parts_ = 0;
            }
        }
        if (!stack_.empty())
            return fail(kErrSyntax, "%s:%d: this '%c' is never closed", name_,
                        stack_.back().line, stack_.back().kind);
        return 0;
    }

    source &in_;
    const char *name_;
    std::string &out_;
    std::string msg_;
    std::vector<open_bracket> stack_;
    int line_ = 1;
    bool expect_key_ = true, line_blank_ = true;
    int header_ = 0; // inside a table header: 1 for [..], 2 for [[..]]
    int key_parts_ = 0;
    int base_level_ = 0;  // the parts of the last table header
    int value_level_ = 0; // where the value after the last '=' sits
};

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
        struct stat st;
        if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
            std::fclose(f);
            set_error(error, "%s: cannot read: %s", path, std::strerror(EISDIR));
            return kErrRead;
        }
        // A regular file too large is refused unread; a stream is cut off there.
        if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
            static_cast<uint64_t>(st.st_size) > kMaxStreamBytes) {
            std::fclose(f);
            set_error(error, "%s: larger than %llu MiB: not a recipe", path,
                      static_cast<unsigned long long>(kMaxStreamBytes >> 20));
            return kErrLimit;
        }
        std::string text;
        int rc;
        try {
            source in(f);
            guard g(in, path, text);
            rc = g.run(error);
        } catch (...) {
            std::fclose(f);
            throw;
        }
        std::fclose(f);
        if (rc != 0)
            return rc;
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
    try {
        if (len > kMaxStreamBytes) {
            set_error(error, "%s: larger than %llu MiB: not a recipe", name,
                      static_cast<unsigned long long>(kMaxStreamBytes >> 20));
            return kErrLimit;
        }
        std::string kept;
        source in(text ? text : "", text ? len : 0);
        guard g(in, name, kept);
        if (int rc = g.run(error))
            return rc;
        return parse_view(kept, name, out, error);
    } catch (const std::bad_alloc &) {
        set_error(error, "%s: out of memory", name);
        return kErrMemory;
    }
}

size_t toml_utf8_prefix(const char *text, size_t len)
{
    const unsigned char *s = reinterpret_cast<const unsigned char *>(text);
    size_t i = 0;
    while (i < len) {
        const size_t n = utf8_sequence(s + i, len - i);
        if (n == 0)
            break;
        i += n;
    }
    return i;
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
