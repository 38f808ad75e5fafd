/*
 * intrinsic_parse.c — turn "States.Format('{} {}', $.a, States.UUID())" into
 * a call tree, once, when the definition is loaded.
 *
 * Grammar (what AWS accepts):
 *
 *   call     := "States." NAME ws "(" ws [ arg ( ws "," ws arg )* ] ws ")"
 *   arg      := string | number | "true" | "false" | "null" | path | call
 *   string   := "'" ( char | "\'" | "\{" | "\}" | "\\" )* "'"
 *   number   := JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 *   path     := "$" ... up to a "," ")" or space outside brackets
 *
 * Any other backslash escape is an error, as on AWS ('a\nb' is rejected
 * when the state machine is created); a raw newline inside quotes is fine.
 * "1." and ".5" are not numbers. Paths are handed to sf_path_compile
 * (SF_PATH_FULL); its message is kept. The name is looked up in the
 * function table and the argument count checked against it, so a call that
 * parses can be evaluated without further checks except value types.
 *
 * Every failure names what was wrong and its byte offset in the text, e.g.
 * "unexpected character ')' at offset 18, expected an argument".
 */
#include "engine/lang/intrinsic_internal.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *text;
    size_t pos;
    char *error; /* the first failure; later ones are consequences */
} parser;

static bool fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(parser *p, const char *fmt, ...)
{
    if (!p->error) {
        va_list ap;
        va_start(ap, fmt);
        p->error = sf_vasprintf(fmt, ap);
        va_end(ap);
    }
    return false;
}

static char peek(const parser *p)
{
    return p->text[p->pos];
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_word_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* What may follow a number or keyword: the end of the argument. */
static bool ends_token(char c)
{
    return c == '\0' || c == ',' || c == ')' || is_space(c);
}

static void skip_space(parser *p)
{
    while (is_space(peek(p)))
        p->pos++;
}

static intrinsic_call *parse_call(parser *p, int depth);

/* ---- literals ---------------------------------------------------------- */

static bool parse_string(parser *p, intrinsic_arg *arg)
{
    size_t start = p->pos++;
    size_t raw_start = p->pos;
    intrinsic_buf value = {0};
    for (;;) {
        char c = peek(p);
        if (c == '\0') {
            free(value.data);
            return fail(p, "unterminated string literal starting at offset %zu", start);
        }
        if (c == '\'')
            break;
        if (c == '\\') {
            char escaped = p->text[p->pos + 1];
            if (escaped == '\0') {
                free(value.data);
                return fail(p, "unterminated string literal starting at offset %zu", start);
            }
            if (!strchr("'{}\\", escaped)) {
                free(value.data);
                return fail(p,
                            "invalid escape sequence at offset %zu: only \\' \\{ \\} and \\\\ "
                            "may follow a backslash in a string literal",
                            p->pos);
            }
            intrinsic_buf_append_char(&value, escaped);
            p->pos += 2;
            continue;
        }
        intrinsic_buf_append_char(&value, c);
        p->pos++;
    }
    arg->raw_string = sf_strndup(p->text + raw_start, p->pos - raw_start);
    p->pos++; /* the closing quote */
    arg->literal = json_stringn(value.data ? value.data : "", value.len);
    free(value.data);
    if (!arg->literal)
        return fail(p, "string literal at offset %zu is not valid UTF-8", start);
    return true;
}

static bool scan_digits(parser *p)
{
    if (!is_digit(peek(p)))
        return false;
    while (is_digit(peek(p)))
        p->pos++;
    return true;
}

static bool parse_number(parser *p, intrinsic_arg *arg)
{
    size_t start = p->pos;
    bool is_real = false, ok = true;
    if (peek(p) == '-')
        p->pos++;
    if (peek(p) == '0')
        p->pos++;
    else
        ok = scan_digits(p);
    if (ok && peek(p) == '.') {
        p->pos++;
        is_real = true;
        ok = scan_digits(p);
    }
    if (ok && (peek(p) == 'e' || peek(p) == 'E')) {
        p->pos++;
        is_real = true;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        ok = scan_digits(p);
    }
    while (!ends_token(peek(p))) {
        ok = false;
        p->pos++;
    }
    size_t len = p->pos - start;
    if (!ok)
        return fail(p, "invalid number '%.*s' at offset %zu", (int)len, p->text + start, start);

    char *text = sf_strndup(p->text + start, len);
    errno = 0;
    long long integer = is_real ? 0 : strtoll(text, NULL, 10);
    if (!is_real && errno != ERANGE) {
        arg->literal = json_integer(integer);
    } else {
        double real = strtod(text, NULL);
        if (isfinite(real))
            arg->literal = json_real(real);
    }
    free(text);
    if (!arg->literal)
        return fail(p, "number '%.*s' at offset %zu is out of range", (int)len, p->text + start,
                    start);
    return true;
}

static bool parse_keyword(parser *p, intrinsic_arg *arg)
{
    size_t start = p->pos;
    while (is_word_char(peek(p)) || peek(p) == '.')
        p->pos++;
    size_t len = p->pos - start;
    const char *word = p->text + start;
    if (len == 4 && strncmp(word, "true", 4) == 0)
        arg->literal = json_true();
    else if (len == 5 && strncmp(word, "false", 5) == 0)
        arg->literal = json_false();
    else if (len == 4 && strncmp(word, "null", 4) == 0)
        arg->literal = json_null();
    else
        return fail(p, "unexpected '%.*s' at offset %zu, expected an argument", (int)len, word,
                    start);
    return true;
}

/* ---- paths ------------------------------------------------------------- */

/* A path runs to the first ',' ')' or space that is not inside brackets,
 * parentheses (filters) or a quoted name. */
static bool parse_path(parser *p, intrinsic_arg *arg)
{
    size_t start = p->pos;
    int depth = 0;
    char quote = 0;
    for (char c; (c = peek(p)) != '\0'; p->pos++) {
        if (quote) {
            if (c == '\\' && p->text[p->pos + 1] != '\0')
                p->pos++;
            else if (c == quote)
                quote = 0;
        } else if ((c == '\'' || c == '"') && depth > 0) {
            quote = c;
        } else if (c == '[' || c == '(') {
            depth++;
        } else if (c == ']' || c == ')') {
            if (depth == 0)
                break;
            depth--;
        } else if (depth == 0 && (c == ',' || is_space(c))) {
            break;
        }
    }
    if (quote || depth > 0)
        return fail(p, "unterminated path starting at offset %zu", start);

    char *text = sf_strndup(p->text + start, p->pos - start);
    char *why = NULL;
    arg->path = sf_path_compile(text, SF_PATH_FULL, &why);
    if (!arg->path)
        fail(p, "invalid path '%s' at offset %zu: %s", text, start, why ? why : "not a path");
    free(why);
    free(text);
    return arg->path != NULL;
}

/* ---- arguments and calls ----------------------------------------------- */

static bool parse_arg(parser *p, intrinsic_arg *arg, int depth)
{
    char c = peek(p);
    arg->offset = p->pos;
    if (c == '\'') {
        arg->kind = INTRINSIC_ARG_LITERAL;
        return parse_string(p, arg);
    }
    if (c == '-' || is_digit(c)) {
        arg->kind = INTRINSIC_ARG_LITERAL;
        return parse_number(p, arg);
    }
    if (c == '$') {
        arg->kind = INTRINSIC_ARG_PATH;
        return parse_path(p, arg);
    }
    if (strncmp(p->text + p->pos, "States.", 7) == 0) {
        arg->kind = INTRINSIC_ARG_CALL;
        arg->call = parse_call(p, depth + 1);
        return arg->call != NULL;
    }
    if (is_word_char(c)) {
        arg->kind = INTRINSIC_ARG_LITERAL;
        return parse_keyword(p, arg);
    }
    if (c == '\0')
        return fail(p, "unexpected end of text at offset %zu, expected an argument", p->pos);
    return fail(p, "unexpected character '%c' at offset %zu, expected an argument", c, p->pos);
}

static void describe_arity(const intrinsic_function *fn, char *out, size_t size)
{
    if (fn->max_args == INTRINSIC_VARIADIC)
        snprintf(out, size, "at least %zu argument%s", fn->min_args, fn->min_args == 1 ? "" : "s");
    else if (fn->min_args != fn->max_args)
        snprintf(out, size, "%zu to %zu arguments", fn->min_args, fn->max_args);
    else if (fn->min_args == 0)
        snprintf(out, size, "no arguments");
    else
        snprintf(out, size, "%zu argument%s", fn->min_args, fn->min_args == 1 ? "" : "s");
}

static bool check_arity(parser *p, const intrinsic_call *call)
{
    const intrinsic_function *fn = call->function;
    if (call->arg_count >= fn->min_args && call->arg_count <= fn->max_args)
        return true;
    char expected[64];
    describe_arity(fn, expected, sizeof expected);
    return fail(p, "%s takes %s but was given %zu (call at offset %zu)", fn->name, expected,
                call->arg_count, call->offset);
}

static bool parse_arguments(parser *p, intrinsic_call *call, int depth)
{
    size_t capacity = 0;
    skip_space(p);
    if (peek(p) == ')') {
        p->pos++;
        return true;
    }
    for (;;) {
        if (call->arg_count == SF_INTRINSIC_ARGS_LIMIT)
            return fail(p, "more than %d arguments in one call (call at offset %zu)",
                        SF_INTRINSIC_ARGS_LIMIT, call->offset);
        if (call->arg_count == capacity) {
            capacity = capacity ? 2 * capacity : 4;
            call->args = sf_realloc(call->args, capacity * sizeof *call->args);
        }
        intrinsic_arg *arg = &call->args[call->arg_count++];
        memset(arg, 0, sizeof *arg);
        if (!parse_arg(p, arg, depth))
            return false;
        skip_space(p);
        char c = peek(p);
        p->pos++;
        if (c == ')')
            return true;
        if (c != ',') {
            p->pos--;
            if (c == '\0')
                return fail(p, "unexpected end of text at offset %zu, expected ')'", p->pos);
            return fail(p, "unexpected character '%c' at offset %zu, expected ',' or ')'", c,
                        p->pos);
        }
        skip_space(p);
    }
}

static intrinsic_call *parse_call(parser *p, int depth)
{
    size_t start = p->pos;
    if (strncmp(p->text + start, "States.", 7) != 0) {
        fail(p, "expected an intrinsic function call 'States.<Name>(...)' at offset %zu", start);
        return NULL;
    }
    p->pos += 7;
    while (is_word_char(peek(p)))
        p->pos++;
    const intrinsic_function *fn = intrinsic_function_find(p->text + start, p->pos - start);
    if (!fn) {
        fail(p, "unknown intrinsic function '%.*s' at offset %zu", (int)(p->pos - start),
             p->text + start, start);
        return NULL;
    }
    if (depth > INTRINSIC_MAX_DEPTH) {
        fail(p, "intrinsic functions are nested more than %d deep at offset %zu",
             INTRINSIC_MAX_DEPTH, start);
        return NULL;
    }
    skip_space(p);
    if (peek(p) != '(') {
        fail(p, "expected '(' after %s at offset %zu", fn->name, p->pos);
        return NULL;
    }
    p->pos++;

    intrinsic_call *call = SF_NEW(intrinsic_call);
    call->function = fn;
    call->offset = start;
    if (!parse_arguments(p, call, depth) || !check_arity(p, call)) {
        intrinsic_call_free(call);
        return NULL;
    }
    return call;
}

intrinsic_call *intrinsic_parse(const char *text, char **error)
{
    parser p = {text, 0, NULL};
    skip_space(&p);
    intrinsic_call *call = parse_call(&p, 1);
    if (call) {
        skip_space(&p);
        if (peek(&p) != '\0') {
            fail(&p, "unexpected text after the closing ')' at offset %zu", p.pos);
            intrinsic_call_free(call);
            call = NULL;
        }
    }
    if (!call)
        *error = p.error;
    return call;
}

void intrinsic_call_free(intrinsic_call *call)
{
    if (!call)
        return;
    for (size_t i = 0; i < call->arg_count; i++) {
        intrinsic_arg *arg = &call->args[i];
        json_decref(arg->literal);
        free(arg->raw_string);
        if (arg->path)
            sf_path_free(arg->path);
        intrinsic_call_free(arg->call);
    }
    free(call->args);
    free(call);
}
