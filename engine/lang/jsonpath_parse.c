/*
 * jsonpath_parse.c — turns JSONPath text into the steps of jsonpath_internal.h.
 *
 * A hand-written recursive-descent parser over the original text, so every
 * error can name the byte offset where it went wrong ("unexpected ']' at
 * offset 4"). Filter expressions hold paths of their own (`@.price`,
 * `$.limit`); those are parsed by the same code in "filter mode", where a
 * name also ends at a space or an operator character.
 *
 * The grammar follows Jayway JSONPath, which AWS Step Functions uses:
 *   - dot names take any character but '.', '[' and spaces; a '(' would make
 *     them a function call (`length()`), which ASL does not support;
 *   - bracket names are quoted with ' or "; a backslash keeps the next
 *     character from closing the name, and only before the quote that
 *     delimits the name is it dropped: AWS reads $['Test\""Name"'] as the
 *     key Test\""Name" (recorded on the service), so a backslash before any
 *     other character, the other quote included, is part of the key;
 *   - string literals in filters take JSON-style escapes;
 *   - `..` (deep scan) is followed by a name, '*' or a bracket;
 *   - leading and trailing spaces around the whole path are ignored.
 * ASL adds the roots `$$` (context object) and `$name` (a variable).
 *
 * Nothing is evaluated here and the input text is never modified. On error
 * everything built so far is freed and the first error wins.
 */
#include "engine/lang/jsonpath_internal.h"
#include "engine/limits.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *text;
    size_t pos;
    size_t end;          /* one past the last character that is not a space */
    bool in_filter;      /* parsing a path inside [?( )] */
    char *error;         /* first error, malloc'd */
    int nesting;         /* filter expressions open now (see filter_entered) */
    size_t filter_terms; /* filter expressions parsed so far, all nestings */
} parser;

static jp_filter *parse_filter_or(parser *ps);
static sf_path *parse_path_at(parser *ps, bool in_filter);

/* ---- small helpers ------------------------------------------------------ */

static bool fail_at(parser *ps, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail_at(parser *ps, size_t offset, const char *fmt, ...)
{
    if (ps->error)
        return false;
    va_list ap;
    va_start(ap, fmt);
    char *what = sf_vasprintf(fmt, ap);
    va_end(ap);
    ps->error = sf_asprintf("%s at offset %zu", what, offset);
    free(what);
    return false;
}

static size_t utf8_length(unsigned char lead)
{
    if (lead >= 0xF0)
        return 4;
    if (lead >= 0xE0)
        return 3;
    if (lead >= 0xC0)
        return 2;
    return 1;
}

static bool is_ascii_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* "unexpected 'x'" naming the whole (UTF-8) character at pos, or the whole
 * word when it is one ("unexpected 'in'"). */
static bool fail_unexpected(parser *ps)
{
    if (ps->pos >= ps->end)
        return fail_at(ps, ps->pos, "unexpected end of path");
    size_t n = utf8_length((unsigned char)ps->text[ps->pos]);
    while (is_ascii_letter(ps->text[ps->pos]) && ps->pos + n < ps->end &&
           is_ascii_letter(ps->text[ps->pos + n]))
        n++;
    if (ps->pos + n > ps->end)
        n = ps->end - ps->pos;
    return fail_at(ps, ps->pos, "unexpected '%.*s'", (int)n, ps->text + ps->pos);
}

static bool at_end(const parser *ps)
{
    return ps->pos >= ps->end;
}

static char peek(const parser *ps)
{
    return at_end(ps) ? '\0' : ps->text[ps->pos];
}

static char peek_at(const parser *ps, size_t ahead)
{
    return ps->pos + ahead >= ps->end ? '\0' : ps->text[ps->pos + ahead];
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void skip_spaces(parser *ps)
{
    while (!at_end(ps) && is_space(ps->text[ps->pos]))
        ps->pos++;
}

static bool expect(parser *ps, char c)
{
    skip_spaces(ps);
    if (peek(ps) != c)
        return fail_unexpected(ps);
    ps->pos++;
    return true;
}

/* In filter mode a path ends where an operator or the closing ')' begins. */
static bool ends_filter_path(char c)
{
    return is_space(c) || strchr(")=!<>&|,]", c) != NULL;
}

/* Variable names: letters, digits, '_' and any non-ASCII character. */
static bool is_identifier_char(char c, bool first)
{
    unsigned char u = (unsigned char)c;
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80)
        return true;
    return !first && is_digit(c);
}

/* ---- steps -------------------------------------------------------------- */

static jp_step *add_step(sf_path *p, jp_step_kind kind, bool scan, size_t offset)
{
    p->steps = sf_realloc(p->steps, (p->step_count + 1) * sizeof *p->steps);
    jp_step *s = &p->steps[p->step_count++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->scan = scan;
    s->offset = offset;
    return s;
}

static void add_name(jp_step *s, char *text, size_t len)
{
    s->names = sf_realloc(s->names, (s->name_count + 1) * sizeof *s->names);
    s->names[s->name_count++] = (jp_name){text, len};
}

static void add_index(jp_step *s, long long index)
{
    s->indexes = sf_realloc(s->indexes, (s->index_count + 1) * sizeof *s->indexes);
    s->indexes[s->index_count++] = index;
}

/* ---- names -------------------------------------------------------------- */

/* A name after '.' or '..': up to the next '.' or '[' (or, in a filter, up
 * to an operator). */
static bool parse_dot_name(parser *ps, sf_path *p, bool scan)
{
    size_t start = ps->pos;
    while (!at_end(ps)) {
        char c = ps->text[ps->pos];
        if (c == '.' || c == '[' || (ps->in_filter && ends_filter_path(c)))
            break;
        if (is_space(c))
            return fail_at(ps, ps->pos, "space in a name; write it as ['...']");
        if (c == '(')
            return fail_at(ps, ps->pos, "function calls such as '%.*s()' are not supported",
                           (int)(ps->pos - start), ps->text + start);
        ps->pos++;
    }
    if (ps->pos == start)
        return ps->pos >= ps->end
                   ? fail_at(ps, start, "a path must not end with '%s'", scan ? ".." : ".")
                   : fail_unexpected(ps);
    jp_step *s = add_step(p, JP_STEP_NAME, scan, start - (scan ? 2 : 1));
    add_name(s, sf_strndup(ps->text + start, ps->pos - start), ps->pos - start);
    return true;
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(parser *ps, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(peek_at(ps, (size_t)i));
        if (h < 0)
            return fail_at(ps, ps->pos, "expected four hex digits after '\\u'");
        v = v * 16 + (unsigned)h;
    }
    ps->pos += 4;
    *out = v;
    return true;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* \uXXXX, with a following \uXXXX when the first is a high surrogate. */
static bool read_unicode_escape(parser *ps, char *out, size_t *len)
{
    size_t at = ps->pos - 2;
    unsigned cp = 0;
    if (!read_hex4(ps, &cp))
        return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned low = 0;
        if (peek(ps) != '\\' || peek_at(ps, 1) != 'u')
            return fail_at(ps, at, "unpaired surrogate in '\\u' escape");
        ps->pos += 2;
        if (!read_hex4(ps, &low))
            return false;
        if (low < 0xDC00 || low > 0xDFFF)
            return fail_at(ps, at, "unpaired surrogate in '\\u' escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail_at(ps, at, "unpaired surrogate in '\\u' escape");
    }
    *len = put_utf8(out, cp);
    return true;
}

static bool read_escape(parser *ps, char *out, size_t *len)
{
    size_t at = ps->pos;
    ps->pos++; /* the backslash */
    char c = peek(ps);
    ps->pos++;
    const char *from = "\\'\"/bfnrt";
    const char *to = "\\'\"/\b\f\n\r\t";
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit) {
        *out = to[hit - from];
        *len = 1;
        return true;
    }
    if (c == 'u')
        return read_unicode_escape(ps, out, len);
    return fail_at(ps, at, "unknown escape '\\%c'", c ? c : ' ');
}

/* A backslash and what follows in a bracket name: the delimiting quote
 * alone, or both characters as they stand (see the grammar above). */
static void read_name_escape(parser *ps, char quote, char *out, size_t *len)
{
    ps->pos++; /* the backslash */
    char c = at_end(ps) ? '\0' : ps->text[ps->pos];
    if (c == quote) {
        ps->pos++;
        out[0] = quote;
        *len = 1;
    } else if (c == '\0') {
        out[0] = '\\';
        *len = 1;
    } else {
        ps->pos++;
        out[0] = '\\';
        out[1] = c;
        *len = 2;
    }
}

/* A string quoted with ' or ": a bracket name as in ['a b'] (raw, escapes
 * as read_name_escape says) or a filter literal (JSON-style escapes). */
static bool parse_quoted(parser *ps, bool raw, char **text, size_t *len)
{
    size_t open = ps->pos;
    char quote = ps->text[ps->pos++];
    size_t cap = 16, n = 0;
    char *buf = sf_malloc(cap);
    for (;;) {
        if (at_end(ps)) {
            free(buf);
            return fail_at(ps, open, "unterminated string");
        }
        char c = ps->text[ps->pos];
        if (c == quote)
            break;
        if (n + 4 >= cap)
            buf = sf_realloc(buf, cap *= 2);
        size_t add = 1;
        if (c == '\\' && raw) {
            read_name_escape(ps, quote, buf + n, &add);
        } else if (c == '\\') {
            if (!read_escape(ps, buf + n, &add)) {
                free(buf);
                return false;
            }
        } else {
            buf[n] = c;
            ps->pos++;
        }
        n += add;
    }
    ps->pos++; /* closing quote */
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return true;
}

/* ---- brackets ----------------------------------------------------------- */

static bool parse_integer(parser *ps, long long *out)
{
    size_t start = ps->pos;
    bool negative = peek(ps) == '-';
    if (negative)
        ps->pos++;
    if (!is_digit(peek(ps)))
        return fail_unexpected(ps);
    long long v = 0;
    while (is_digit(peek(ps))) {
        int d = ps->text[ps->pos++] - '0';
        if (v > (LLONG_MAX - d) / 10)
            return fail_at(ps, start, "number too large");
        v = v * 10 + d;
    }
    *out = negative ? -v : v;
    return true;
}

static bool starts_integer(const parser *ps)
{
    return is_digit(peek(ps)) || (peek(ps) == '-' && is_digit(peek_at(ps, 1)));
}

/* Optional integer: absent when the next character is ':' or ']'. */
static bool parse_slice_bound(parser *ps, long long *out, bool *present)
{
    skip_spaces(ps);
    *present = starts_integer(ps);
    return *present ? parse_integer(ps, out) : true;
}

/* [start:end] or [start:end:step]; the first bound is already read. */
static bool parse_slice(parser *ps, jp_step *s, long long first, bool has_first)
{
    s->kind = JP_STEP_SLICE;
    s->slice = (jp_slice){.start = first, .has_start = has_first, .step = 1};
    ps->pos++; /* ':' */
    if (!parse_slice_bound(ps, &s->slice.end, &s->slice.has_end))
        return false;
    skip_spaces(ps);
    if (peek(ps) != ':')
        return true;
    ps->pos++;
    bool has_step;
    size_t at = ps->pos;
    if (!parse_slice_bound(ps, &s->slice.step, &has_step))
        return false;
    if (!has_step)
        s->slice.step = 1;
    if (s->slice.step == 0)
        return fail_at(ps, at, "a slice step must not be 0");
    return true;
}

/* [0], [-1], [0,2,4], [1:3], [:2], [-2:], [::2] */
static bool parse_numeric_bracket(parser *ps, jp_step *s)
{
    long long first = 0;
    bool has_first = starts_integer(ps);
    if (has_first && !parse_integer(ps, &first))
        return false;
    skip_spaces(ps);
    if (peek(ps) == ':')
        return parse_slice(ps, s, first, has_first);
    if (!has_first)
        return fail_unexpected(ps);
    add_index(s, first);
    while (skip_spaces(ps), peek(ps) == ',') {
        ps->pos++;
        skip_spaces(ps);
        long long next;
        if (!parse_integer(ps, &next))
            return false;
        add_index(s, next);
    }
    s->kind = s->index_count == 1 ? JP_STEP_INDEX : JP_STEP_INDEXES;
    return true;
}

/* ['a'], ["a"], ['a','b'] */
static bool parse_name_bracket(parser *ps, jp_step *s)
{
    for (;;) {
        char *text;
        size_t len;
        if (!parse_quoted(ps, true, &text, &len))
            return false;
        add_name(s, text, len);
        skip_spaces(ps);
        if (peek(ps) != ',')
            break;
        ps->pos++;
        skip_spaces(ps);
        if (peek(ps) != '\'' && peek(ps) != '"')
            return fail_unexpected(ps);
    }
    s->kind = s->name_count == 1 ? JP_STEP_NAME : JP_STEP_NAMES;
    return true;
}

static bool parse_filter_bracket(parser *ps, jp_step *s)
{
    ps->pos++; /* '?' */
    s->kind = JP_STEP_FILTER;
    s->filter = parse_filter_or(ps);
    return s->filter != NULL;
}

/* A bracket after the path so far, or after "..". ps->pos is at '['. */
static bool parse_bracket(parser *ps, sf_path *p, bool scan, size_t offset)
{
    ps->pos++;
    skip_spaces(ps);
    jp_step *s = add_step(p, JP_STEP_WILDCARD, scan, offset);
    char c = peek(ps);
    bool ok;
    if (c == '*') {
        ps->pos++;
        ok = true;
    } else if (c == '?') {
        ok = parse_filter_bracket(ps, s);
    } else if (c == '\'' || c == '"') {
        ok = parse_name_bracket(ps, s);
    } else if (starts_integer(ps) || c == ':') {
        ok = parse_numeric_bracket(ps, s);
    } else {
        ok = fail_unexpected(ps);
    }
    return ok && expect(ps, ']');
}

/* ---- segments ----------------------------------------------------------- */

/* After "..": a name, '*' or a bracket. */
static bool parse_scan(parser *ps, sf_path *p)
{
    size_t offset = ps->pos;
    ps->pos += 2;
    char c = peek(ps);
    if (c == '*') {
        ps->pos++;
        add_step(p, JP_STEP_WILDCARD, true, offset);
        return true;
    }
    if (c == '[')
        return parse_bracket(ps, p, true, offset);
    if (c == '.')
        return fail_unexpected(ps);
    return parse_dot_name(ps, p, true);
}

/* After '.': a name, '*', or (leniently, as Jayway) a bracket. */
static bool parse_dot(parser *ps, sf_path *p)
{
    size_t offset = ps->pos;
    ps->pos++;
    char c = peek(ps);
    if (c == '*') {
        ps->pos++;
        add_step(p, JP_STEP_WILDCARD, false, offset);
        return true;
    }
    if (c == '[')
        return parse_bracket(ps, p, false, offset);
    return parse_dot_name(ps, p, false);
}

static bool parse_segments(parser *ps, sf_path *p)
{
    while (!at_end(ps)) {
        char c = ps->text[ps->pos];
        if (ps->in_filter && ends_filter_path(c))
            return true;
        /* Evaluating and assigning take a frame per step. */
        if (p->step_count == SF_PATH_STEPS_LIMIT)
            return fail_at(ps, ps->pos, "more than %d steps in one path", SF_PATH_STEPS_LIMIT);
        bool ok;
        if (c == '.' && peek_at(ps, 1) == '.')
            ok = parse_scan(ps, p);
        else if (c == '.')
            ok = parse_dot(ps, p);
        else if (c == '[')
            ok = parse_bracket(ps, p, false, ps->pos);
        else
            ok = fail_unexpected(ps);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- roots -------------------------------------------------------------- */

static bool parse_variable_root(parser *ps, sf_path *p)
{
    size_t start = ps->pos;
    while (!at_end(ps) && is_identifier_char(ps->text[ps->pos], ps->pos == start))
        ps->pos++;
    if (ps->pos == start)
        return fail_unexpected(ps);
    p->root = JP_ROOT_VARIABLE;
    p->variable.len = ps->pos - start;
    p->variable.text = sf_strndup(ps->text + start, p->variable.len);
    return true;
}

static bool parse_root(parser *ps, sf_path *p)
{
    char c = peek(ps);
    if (ps->in_filter && c == '@') {
        ps->pos++;
        p->root = JP_ROOT_CURRENT;
        return true;
    }
    if (c != '$')
        return ps->in_filter ? fail_unexpected(ps)
                             : fail_at(ps, ps->pos, "a path must start with '$'");
    ps->pos++;
    p->root = JP_ROOT_INPUT;
    c = peek(ps);
    if (at_end(ps) || c == '.' || c == '[' || (ps->in_filter && ends_filter_path(c)))
        return true;
    if (ps->in_filter)
        return fail_at(ps, ps->pos - 1, "filters may only use paths starting with '@' or '$.'");
    if (c == '$') {
        ps->pos++;
        p->root = JP_ROOT_CONTEXT;
        c = peek(ps);
        return at_end(ps) || c == '.' || c == '[' ? true : fail_unexpected(ps);
    }
    return parse_variable_root(ps, p);
}

static bool step_is_definite(const sf_path *p, size_t i)
{
    const jp_step *s = &p->steps[i];
    if (s->scan)
        return false;
    if (s->kind == JP_STEP_NAME || s->kind == JP_STEP_INDEX)
        return true;
    /* Jayway merges ['a','b'] into one object when it is the last step. */
    return s->kind == JP_STEP_NAMES && i + 1 == p->step_count;
}

static bool is_definite(const sf_path *p)
{
    for (size_t i = 0; i < p->step_count; i++)
        if (!step_is_definite(p, i))
            return false;
    return true;
}

static bool step_is_name(const jp_step *s, const char *name)
{
    return s->kind == JP_STEP_NAME && !s->scan && s->names[0].len == strlen(name) &&
           memcmp(s->names[0].text, name, s->names[0].len) == 0;
}

/* $$.Map.Item.Value and $$.Map.Item.Index, which an ItemSelector may read
 * without a context object (see sf_eval_env). */
static jp_map_item map_item_of(const sf_path *p)
{
    if (p->root != JP_ROOT_CONTEXT || p->step_count != 3 || !step_is_name(&p->steps[0], "Map") ||
        !step_is_name(&p->steps[1], "Item"))
        return JP_MAP_ITEM_NONE;
    if (step_is_name(&p->steps[2], "Value"))
        return JP_MAP_ITEM_VALUE;
    if (step_is_name(&p->steps[2], "Index"))
        return JP_MAP_ITEM_INDEX;
    return JP_MAP_ITEM_NONE;
}

/* Parse a path starting at ps->pos; on success ps->pos is just past it. */
static sf_path *parse_path_at(parser *ps, bool in_filter)
{
    bool outer = ps->in_filter;
    size_t start = ps->pos;
    ps->in_filter = in_filter;
    sf_path *p = SF_NEW(sf_path);
    bool ok = parse_root(ps, p) && parse_segments(ps, p);
    ps->in_filter = outer;
    if (!ok) {
        sf_path_free(p);
        return NULL;
    }
    p->text = sf_strndup(ps->text + start, ps->pos - start);
    p->definite = is_definite(p);
    p->map_item = map_item_of(p);
    return p;
}

/* ---- filters ------------------------------------------------------------ */

static jp_filter *new_filter(jp_filter_kind kind)
{
    jp_filter *f = SF_NEW(jp_filter);
    f->kind = kind;
    return f;
}

static bool keyword_at(const parser *ps, const char *word)
{
    size_t n = strlen(word);
    if (ps->pos + n > ps->end || memcmp(ps->text + ps->pos, word, n) != 0)
        return false;
    char after = peek_at(ps, n);
    return !is_identifier_char(after, false);
}

static json_t *parse_number_literal(parser *ps)
{
    size_t start = ps->pos;
    if (peek(ps) == '-')
        ps->pos++;
    bool real = false;
    while (!at_end(ps)) {
        char c = ps->text[ps->pos];
        bool exponent_sign = (c == '+' || c == '-') &&
                             (ps->text[ps->pos - 1] == 'e' || ps->text[ps->pos - 1] == 'E');
        if (c == '.' || c == 'e' || c == 'E' || exponent_sign)
            real = true;
        else if (!is_digit(c))
            break;
        ps->pos++;
    }
    char *token = sf_strndup(ps->text + start, ps->pos - start);
    char *stop;
    errno = 0;
    json_t *v = NULL;
    if (real) {
        double d = strtod(token, &stop);
        if (*stop == '\0' && errno == 0)
            v = json_real(d);
    } else {
        long long n = strtoll(token, &stop, 10);
        if (*stop == '\0' && errno == 0)
            v = json_integer(n);
    }
    free(token);
    if (!v)
        fail_at(ps, start, "invalid number");
    return v;
}

static json_t *parse_literal(parser *ps)
{
    char c = peek(ps);
    if (c == '\'' || c == '"') {
        char *text;
        size_t len;
        if (!parse_quoted(ps, false, &text, &len))
            return NULL;
        json_t *v = json_stringn(text, len);
        free(text);
        if (!v)
            fail_at(ps, ps->pos, "string literal is not valid UTF-8");
        return v;
    }
    if (c == '-' || is_digit(c))
        return parse_number_literal(ps);
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        if (keyword_at(ps, words[i])) {
            ps->pos += strlen(words[i]);
            return i == 0 ? json_true() : i == 1 ? json_false() : json_null();
        }
    }
    fail_unexpected(ps);
    return NULL;
}

static bool parse_operand(parser *ps, jp_operand *o)
{
    skip_spaces(ps);
    char c = peek(ps);
    if (c == '@' || c == '$') {
        o->path = parse_path_at(ps, true);
        return o->path != NULL;
    }
    o->literal = parse_literal(ps);
    return o->literal != NULL;
}

/* The comparison operator at ps->pos, if any. */
static bool parse_compare_op(parser *ps, jp_compare_op *op, bool *found)
{
    static const struct {
        const char *text;
        jp_compare_op op;
    } ops[] = {{"==", JP_EQ}, {"!=", JP_NE}, {"<=", JP_LE},
               {">=", JP_GE}, {"<", JP_LT},  {">", JP_GT}};
    skip_spaces(ps);
    *found = false;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].text);
        if (ps->pos + n <= ps->end && memcmp(ps->text + ps->pos, ops[i].text, n) == 0) {
            ps->pos += n;
            *op = ops[i].op;
            *found = true;
            return true;
        }
    }
    if (peek(ps) == '=' && peek_at(ps, 1) == '~')
        return fail_at(ps, ps->pos, "the '=~' operator is not supported");
    if (peek(ps) == '=')
        return fail_at(ps, ps->pos, "use '==' to compare");
    return true;
}

/* A comparison `a op b`, or an existence test when no operator follows. */
static jp_filter *parse_filter_term(parser *ps)
{
    jp_filter *f = new_filter(JP_FILTER_EXISTS);
    size_t start = (skip_spaces(ps), ps->pos);
    bool found = false;
    bool ok = parse_operand(ps, &f->a) && parse_compare_op(ps, &f->op, &found);
    if (ok && found) {
        f->kind = JP_FILTER_COMPARE;
        ok = parse_operand(ps, &f->b);
    } else if (ok && !f->a.path) {
        ok = fail_at(ps, start, "a filter needs a path to test or a comparison");
    }
    if (!ok) {
        jp_filter_free(f);
        return NULL;
    }
    return f;
}

/* Every nesting of the filter grammar (a '!', a parenthesis, a filter in a
 * path inside a filter) passes through parse_filter_unary, as does every
 * term: counting there bounds the parser's recursion, and the number of
 * nodes, hence the depth of the tree that evaluating and freeing walk (a
 * chain of && is a tree as deep as it is long). */
static bool filter_entered(parser *ps)
{
    if (ps->nesting >= SF_PATH_NESTING_LIMIT)
        return fail_at(ps, ps->pos, "filter expressions nested more than %d deep",
                       SF_PATH_NESTING_LIMIT);
    if (ps->filter_terms >= SF_PATH_FILTER_NODES_LIMIT)
        return fail_at(ps, ps->pos, "more than %d filter expressions in one path",
                       SF_PATH_FILTER_NODES_LIMIT);
    ps->nesting++;
    ps->filter_terms++;
    return true;
}

static jp_filter *parse_filter_unary_body(parser *ps);

static jp_filter *parse_filter_unary(parser *ps)
{
    if (!filter_entered(ps))
        return NULL;
    jp_filter *f = parse_filter_unary_body(ps);
    ps->nesting--;
    return f;
}

static jp_filter *parse_filter_unary_body(parser *ps)
{
    skip_spaces(ps);
    if (peek(ps) == '!' && peek_at(ps, 1) != '=') {
        ps->pos++;
        jp_filter *inner = parse_filter_unary(ps);
        if (!inner)
            return NULL;
        jp_filter *f = new_filter(JP_FILTER_NOT);
        f->left = inner;
        return f;
    }
    if (peek(ps) == '(') {
        ps->pos++;
        jp_filter *inner = parse_filter_or(ps);
        if (inner && !expect(ps, ')')) {
            jp_filter_free(inner);
            return NULL;
        }
        return inner;
    }
    return parse_filter_term(ps);
}

static bool at_operator(parser *ps, const char *op)
{
    skip_spaces(ps);
    if (ps->pos + 2 > ps->end || memcmp(ps->text + ps->pos, op, 2) != 0)
        return false;
    ps->pos += 2;
    return true;
}

static jp_filter *join_filters(jp_filter_kind kind, jp_filter *left, jp_filter *right)
{
    if (!right) {
        jp_filter_free(left);
        return NULL;
    }
    jp_filter *f = new_filter(kind);
    f->left = left;
    f->right = right;
    return f;
}

static jp_filter *parse_filter_and(parser *ps)
{
    jp_filter *f = parse_filter_unary(ps);
    while (f && at_operator(ps, "&&"))
        f = join_filters(JP_FILTER_AND, f, parse_filter_unary(ps));
    return f;
}

static jp_filter *parse_filter_or(parser *ps)
{
    jp_filter *f = parse_filter_and(ps);
    while (f && at_operator(ps, "||"))
        f = join_filters(JP_FILTER_OR, f, parse_filter_and(ps));
    return f;
}

void jp_filter_free(jp_filter *f)
{
    if (!f)
        return;
    jp_filter_free(f->left);
    jp_filter_free(f->right);
    sf_path_free(f->a.path);
    sf_path_free(f->b.path);
    json_decref(f->a.literal);
    json_decref(f->b.literal);
    free(f);
}

/* ---- entry point -------------------------------------------------------- */

sf_path *jp_parse(const char *text, char **error)
{
    parser ps = {.text = text, .end = strlen(text)};
    while (ps.end > 0 && is_space(text[ps.end - 1]))
        ps.end--;
    skip_spaces(&ps);
    size_t start = ps.pos;
    sf_path *p = parse_path_at(&ps, false);
    if (p && !at_end(&ps)) {
        fail_unexpected(&ps);
        sf_path_free(p);
        p = NULL;
    }
    if (!p) {
        *error = ps.error ? ps.error : sf_strdup("invalid path");
        return NULL;
    }
    if (start != 0 || ps.end != strlen(text)) {
        free(p->text);
        p->text = sf_strdup(text); /* keep the text exactly as written */
    }
    return p;
}
