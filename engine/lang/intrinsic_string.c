/*
 * intrinsic_string.c — States.Format, StringSplit, Base64Encode,
 * Base64Decode, Hash.
 *
 * States.Format: the template has "{}" placeholders, each replaced by the
 * next argument printed as AWS prints it (strings raw, null as "null",
 * objects as {k=v}: intrinsic_render). A literal template may escape braces
 * as \{ and \} to print them; a template read from a path has no escapes.
 * A "{" or "}" that is not part of "{}" is an error, as is a placeholder
 * count different from the argument count (both fail at run time on AWS).
 *
 * States.StringSplit splits on every character of the delimiter string and
 * drops empty pieces (Java's StringTokenizer; AWS: ", , ," on "," gives
 * [" ", " "], "a.b+c" on ".+" gives [a, b, c]).
 *
 * Base64Encode/Decode and Hash accept at most 10,000 characters (UTF-16
 * units, as Java counts). Base64 works on the UTF-8 bytes; decoding is
 * lenient (base64.h) and bytes that are not UTF-8 become U+FFFD, as Java's
 * new String(bytes, UTF_8) does. Hash takes "MD5", "SHA-1", "SHA-256",
 * "SHA-384" or "SHA-512" exactly and returns lowercase hex; a non-string
 * value is hashed in its printed form (AWS hashes 123 rather than failing).
 */
#include "engine/lang/base64.h"
#include "engine/lang/hash.h"
#include "engine/lang/intrinsic_internal.h"
#include "engine/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* AWS's documented input limit for Base64Encode, Base64Decode and Hash. */
#define STRING_INPUT_MAX_CHARS 10000

/* ---- States.Format ----------------------------------------------------- */

/* Fill out the template, printing values[0..count) into the placeholders.
 * Returns the number of placeholders, or -1 for a stray brace. */
static long fill_template(intrinsic_buf *out, const char *tmpl, size_t len, bool escapes,
                          json_t *const *values, size_t count)
{
    long placeholders = 0;
    for (size_t i = 0; i < len; i++) {
        char c = tmpl[i];
        if (escapes && c == '\\' && i + 1 < len) {
            intrinsic_buf_append_char(out, tmpl[++i]);
        } else if (c == '{' && i + 1 < len && tmpl[i + 1] == '}') {
            if ((size_t)placeholders < count && !intrinsic_buf_over(out))
                intrinsic_render(out, values[placeholders]);
            placeholders++;
            i++;
        } else if (c == '{' || c == '}') {
            return -1;
        } else {
            intrinsic_buf_append_char(out, c);
        }
    }
    return placeholders;
}

json_t *intrinsic_format(const intrinsic_call *call, json_t *const *args, size_t count,
                         char **detail)
{
    if (!json_is_string(args[0]))
        return intrinsic_invalid_arguments(call, detail);
    const intrinsic_arg *tmpl_arg = &call->args[0];
    bool literal = tmpl_arg->kind == INTRINSIC_ARG_LITERAL;
    const char *tmpl = literal ? tmpl_arg->raw_string : json_string_value(args[0]);
    size_t len = literal ? strlen(tmpl) : json_string_length(args[0]);

    intrinsic_buf out = {0};
    long placeholders = fill_template(&out, tmpl, len, literal, args + 1, count - 1);
    if (placeholders < 0 || (size_t)placeholders != count - 1) {
        free(out.data);
        return intrinsic_invalid_arguments(call, detail);
    }
    if (intrinsic_buf_over(&out)) {
        free(out.data);
        return intrinsic_result_too_large(call, detail);
    }
    json_t *result = json_stringn(out.data ? out.data : "", out.len);
    free(out.data);
    return result;
}

/* ---- States.StringSplit ------------------------------------------------ */

static bool is_delimiter(uint32_t c, const char *delimiters, size_t len)
{
    for (size_t i = 0; i < len;) {
        if (intrinsic_utf8_next(delimiters, len, &i) == c)
            return true;
    }
    return false;
}

json_t *intrinsic_string_split(const intrinsic_call *call, json_t *const *args, size_t count,
                               char **detail)
{
    (void)count;
    if (!json_is_string(args[0]) || !json_is_string(args[1]))
        return intrinsic_invalid_arguments(call, detail);
    const char *s = json_string_value(args[0]), *delimiters = json_string_value(args[1]);
    size_t len = json_string_length(args[0]), delimiters_len = json_string_length(args[1]);

    json_t *pieces = json_array();
    size_t piece_start = 0;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        if (!is_delimiter(intrinsic_utf8_next(s, len, &i), delimiters, delimiters_len))
            continue;
        if (at > piece_start)
            json_array_append_new(pieces, json_stringn(s + piece_start, at - piece_start));
        piece_start = i;
    }
    if (len > piece_start)
        json_array_append_new(pieces, json_stringn(s + piece_start, len - piece_start));
    return pieces;
}

/* ---- Base64 ------------------------------------------------------------ */

static bool within_input_limit(const json_t *s)
{
    return intrinsic_utf16_length(json_string_value(s), json_string_length(s)) <=
           STRING_INPUT_MAX_CHARS;
}

json_t *intrinsic_base64_encode(const intrinsic_call *call, json_t *const *args, size_t count,
                                char **detail)
{
    (void)count;
    if (!json_is_string(args[0]) || !within_input_limit(args[0]))
        return intrinsic_invalid_arguments(call, detail);
    char *encoded = sf_base64_encode(json_string_value(args[0]), json_string_length(args[0]));
    json_t *result = json_string(encoded);
    free(encoded);
    return result;
}

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 if there is
 * none there (a stray byte, an overlong form, a surrogate, a value past
 * U+10FFFF, a truncated sequence); then *bad_length is how many bytes the
 * replacement character stands for. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n, size_t *bad_length)
{
    unsigned char lead = s[0];
    size_t need = 0;
    unsigned char second_min = 0x80, second_max = 0xbf;
    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf) {
        need = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        need = 3;
        second_min = lead == 0xe0 ? 0xa0 : 0x80; /* no overlong forms */
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        need = 4;
        second_min = lead == 0xf0 ? 0x90 : 0x80;
        second_max = lead == 0xf4 ? 0x8f : 0xbf; /* nothing past U+10FFFF */
    }
    *bad_length = 1;
    if (need == 0)
        return 0;
    for (size_t k = 1; k < need; k++) {
        unsigned char min = k == 1 ? second_min : 0x80, max = k == 1 ? second_max : 0xbf;
        if (k >= n || s[k] < min || s[k] > max)
            return 0;
        *bad_length = k + 1;
    }
    if (lead == 0xed && s[1] >= 0xa0)
        return 0; /* an encoded surrogate: Java replaces all three bytes at once */
    return need;
}

/* Java's decoder replaces each maximal ill-formed subsequence by U+FFFD. */
static json_t *utf8_string_replacing_invalid(const unsigned char *bytes, size_t n)
{
    intrinsic_buf out = {0};
    for (size_t i = 0; i < n;) {
        size_t bad_length = 1;
        size_t length = utf8_sequence_length(bytes + i, n - i, &bad_length);
        if (length) {
            intrinsic_buf_append(&out, (const char *)bytes + i, length);
            i += length;
        } else {
            intrinsic_buf_append_str(&out, "\xef\xbf\xbd"); /* U+FFFD */
            i += bad_length;
        }
    }
    json_t *result = json_stringn(out.data ? out.data : "", out.len);
    free(out.data);
    return result;
}

json_t *intrinsic_base64_decode(const intrinsic_call *call, json_t *const *args, size_t count,
                                char **detail)
{
    (void)count;
    if (!json_is_string(args[0]) || !within_input_limit(args[0]))
        return intrinsic_invalid_arguments(call, detail);
    size_t n;
    unsigned char *bytes =
        sf_base64_decode(json_string_value(args[0]), json_string_length(args[0]), &n);
    json_t *result = utf8_string_replacing_invalid(bytes, n);
    free(bytes);
    return result;
}

/* ---- States.Hash ------------------------------------------------------- */

json_t *intrinsic_hash(const intrinsic_call *call, json_t *const *args, size_t count, char **detail)
{
    (void)count;
    sf_hash_algorithm alg;
    if (!json_is_string(args[1]) || !sf_hash_from_name(json_string_value(args[1]), &alg))
        return intrinsic_invalid_arguments(call, detail);
    intrinsic_buf data = {0};
    intrinsic_render(&data, args[0]);
    json_t *result = NULL;
    if (intrinsic_utf16_length(data.data ? data.data : "", data.len) <= STRING_INPUT_MAX_CHARS) {
        char *hex = sf_hash_hex(alg, data.data ? data.data : "", data.len);
        result = json_string(hex);
        free(hex);
    }
    free(data.data);
    return result ? result : intrinsic_invalid_arguments(call, detail);
}
