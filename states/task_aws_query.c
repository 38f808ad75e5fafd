/*
 * task_aws_query.c — the AWS Query protocol, as far as the optimized
 * sns:publish integration needs it: the request as a form, the answer
 * read from XML.
 *
 * The request is "Action=Publish&Version=2010-03-31&" and the Parameters
 * flattened the Query way, each name and value percent-encoded (RFC 3986:
 * everything but letters, digits and -._~):
 *   a string, number or boolean       Name=value (true/false)
 *   an array                          Name.member.1=..., Name.member.2=...
 *   an object (a map, as SNS's        Name.entry.1.Name=KEY,
 *   MessageAttributes)                Name.entry.1.Value.DataType=...
 *                                     (the value's members flattened the
 *                                     same way under Name.entry.N.Value)
 * null members are left out. Nesting is bounded by the JSON depth limit
 * the Parameters already passed.
 *
 * The answer is XML, of which stepfn reads only elements that hold text:
 * the first <Name>text</Name> (or <Name attr="...">) anywhere in the
 * document, its character references and the five predefined entities
 * decoded. That covers a success (<PublishResult><MessageId>...) and an
 * error (<ErrorResponse><Error><Code>NotFound</Code><Message>...) and
 * nothing else: no CDATA, no comments that hold tags, no namespaces
 * prefixes on the names asked for. A document that does not have the
 * element gives NULL, and the caller reports the body as it came.
 */
#include "engine/lang/jsonpath.h"
#include "engine/json_text.h"
#include "engine/xalloc.h"
#include "states/task_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_encoded(sf_text *t, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            sf_text_put(t, (const char *)&c, 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            sf_text_put(t, esc, 3);
        }
    }
}

static void put_pair(sf_text *t, const char *name, const char *value)
{
    if (t->len)
        sf_text_put(t, "&", 1);
    put_encoded(t, name, strlen(name));
    sf_text_put(t, "=", 1);
    put_encoded(t, value, strlen(value));
}

static void put_value(sf_text *t, const char *name, json_t *v)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        put_pair(t, name, json_string_value(v));
        break;
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put_pair(t, name, buf);
        break;
    case JSON_REAL:
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        put_pair(t, name, buf);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        put_pair(t, name, json_is_true(v) ? "true" : "false");
        break;
    case JSON_ARRAY: {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            char *sub = sf_asprintf("%s.member.%zu", name, i + 1);
            put_value(t, sub, item);
            free(sub);
        }
        break;
    }
    case JSON_OBJECT: {
        size_t i = 0;
        const char *key;
        json_t *member;
        json_object_foreach(v, key, member)
        {
            i++;
            char *k = sf_asprintf("%s.entry.%zu.Name", name, i);
            put_pair(t, k, key);
            free(k);
            char *val = sf_asprintf("%s.entry.%zu.Value", name, i);
            if (json_is_object(member)) {
                const char *mk;
                json_t *mv;
                json_object_foreach(member, mk, mv)
                {
                    char *sub = sf_asprintf("%s.%s", val, mk);
                    put_value(t, sub, mv);
                    free(sub);
                }
            } else {
                put_value(t, val, member);
            }
            free(val);
        }
        break;
    }
    default: /* null: left out */
        break;
    }
}

char *task_aws_query_body(const char *action, const char *version, json_t *params)
{
    sf_text t = {0};
    put_pair(&t, "Action", action);
    put_pair(&t, "Version", version);
    const char *key;
    json_t *v;
    json_object_foreach(params, key, v) put_value(&t, key, v);
    char *out = sf_strndup(t.data, t.len);
    sf_text_free(&t);
    return out;
}

/* ---- Reading the answer ---- */

static void put_utf8(sf_text *t, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sf_text_put(t, b, n);
}

/* Text with its references decoded; an unknown or malformed one stays as
 * it is. */
static char *unescape(const char *s, size_t n)
{
    static const struct {
        const char *name;
        char c;
    } entities[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    sf_text t = {0};
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '&') {
            sf_text_put(&t, s + i, 1);
            continue;
        }
        const char *semi = memchr(s + i, ';', n - i);
        bool done = false;
        if (semi && i + 1 < n && s[i + 1] == '#') {
            char *end;
            bool hexa = i + 2 < n && (s[i + 2] == 'x' || s[i + 2] == 'X');
            unsigned long cp = strtoul(s + i + (hexa ? 3 : 2), &end, hexa ? 16 : 10);
            if (end == semi && cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
                put_utf8(&t, cp);
                i = (size_t)(semi - s);
                done = true;
            }
        }
        for (size_t e = 0; !done && semi && e < sizeof entities / sizeof entities[0]; e++) {
            size_t len = strlen(entities[e].name);
            if (i + 1 + len <= n && strncmp(s + i + 1, entities[e].name, len) == 0) {
                sf_text_put(&t, &entities[e].c, 1);
                i += len;
                done = true;
            }
        }
        if (!done)
            sf_text_put(&t, "&", 1);
    }
    char *out = sf_strndup(t.data ? t.data : "", t.len);
    sf_text_free(&t);
    return out;
}

/* The first occurrence of needle in hay[0..n). */
static const char *find(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

char *task_aws_xml_text(const char *xml, size_t len, const char *name)
{
    char *open = sf_asprintf("<%s", name);
    char *close = sf_asprintf("</%s>", name);
    const char *end = xml + len, *p = xml;
    char *result = NULL;
    while (!result && (p = find(p, (size_t)(end - p), open)) != NULL) {
        const char *after = p + strlen(open);
        p = after;
        if (after >= end || (*after != '>' && *after != ' ' && *after != '\t' && *after != '\n'))
            continue; /* <MessageIdX>: another element */
        const char *gt = memchr(after, '>', (size_t)(end - after));
        if (!gt || gt[-1] == '/') /* <Name/>: empty */
            break;
        const char *text = gt + 1;
        const char *stop = find(text, (size_t)(end - text), close);
        if (!stop || memchr(text, '<', (size_t)(stop - text)))
            break; /* not closed, or not text only */
        result = unescape(text, (size_t)(stop - text));
    }
    free(open);
    free(close);
    return result;
}
