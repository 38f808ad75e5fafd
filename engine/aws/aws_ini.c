/*
 * aws_ini.c — reading ~/.aws/credentials and ~/.aws/config (see aws_ini.h).
 *
 * One pass over the lines with a little state: the current section, the
 * last setting at the start of a line and whether its value was empty
 * (then indented lines are its sub-settings) or not (then they continue
 * it). The files are small and read once per run, so clarity wins over
 * speed here.
 */
#include "engine/aws/aws_ini.h"
#include "engine/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files bigger than this are not credentials files: refused, not read. */
#define AWS_INI_MAX_BYTES (4 * 1024 * 1024)

typedef struct ini_state {
    const char *path;
    size_t line_no;
    json_t *root;
    json_t *section;  /* borrowed from root; NULL before the first header */
    char *last_key;   /* the last setting at the start of a line */
    bool last_nested; /* its value was empty: indented lines are sub-settings */
    char **why;
} ini_state;

static const char *trim(const char *s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)*s))
        s++, (*n)--;
    while (*n > 0 && isspace((unsigned char)s[*n - 1]))
        (*n)--;
    return s;
}

static bool fail(ini_state *st, const char *what)
{
    *st->why = sf_asprintf("%s:%zu: %s", st->path, st->line_no, what);
    return false;
}

/* "profile   dev" → "profile dev". */
static char *collapse_spaces(const char *s, size_t n)
{
    char *out = sf_malloc(n + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        bool space = isspace((unsigned char)s[i]);
        if (space && len > 0 && out[len - 1] == ' ')
            continue;
        out[len++] = space ? ' ' : s[i];
    }
    out[len] = '\0';
    return out;
}

static bool section_header(ini_state *st, const char *s, size_t n)
{
    if (s[n - 1] != ']')
        return fail(st, "a section header needs a closing ']', as in [profile dev]");
    size_t name_len = n - 2;
    const char *name = trim(s + 1, &name_len);
    if (name_len == 0)
        return fail(st, "the section name is empty");
    char *key = collapse_spaces(name, name_len);
    st->section = json_object_get(st->root, key);
    if (!json_is_object(st->section)) {
        st->section = json_object();
        json_object_set_new(st->root, key, st->section);
    }
    free(key);
    free(st->last_key);
    st->last_key = NULL;
    return true;
}

/* "name = value" split and trimmed; false when there is no '=' or no name. */
static bool split_setting(ini_state *st, const char *s, size_t n, char **name, char **value)
{
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return fail(st, "expected 'name = value'");
    size_t name_len = (size_t)(eq - s), value_len = n - name_len - 1;
    const char *nm = trim(s, &name_len);
    const char *val = trim(eq + 1, &value_len);
    if (name_len == 0)
        return fail(st, "a setting needs a name before '='");
    *name = sf_strndup(nm, name_len);
    *value = sf_strndup(val, value_len);
    return true;
}

static bool top_setting(ini_state *st, const char *s, size_t n)
{
    if (!st->section)
        return fail(st, "a setting before any [section] header");
    char *name, *value;
    if (!split_setting(st, s, n, &name, &value))
        return false;
    st->last_nested = value[0] == '\0';
    json_object_set_new(st->section, name, json_string(value));
    free(st->last_key);
    st->last_key = name;
    free(value);
    return true;
}

/* An indented line: a sub-setting of the last setting, or more of its value. */
static bool indented_line(ini_state *st, const char *s, size_t n)
{
    if (!st->section || !st->last_key)
        return fail(st, "an indented line with no setting above it to belong to");
    json_t *current = json_object_get(st->section, st->last_key);
    if (!st->last_nested) {
        char *joined = sf_asprintf("%s\n%.*s", json_string_value(current), (int)n, s);
        json_object_set_new(st->section, st->last_key, json_string(joined));
        free(joined);
        return true;
    }
    char *name, *value;
    if (!split_setting(st, s, n, &name, &value))
        return false;
    if (!json_is_object(current)) {
        current = json_object();
        json_object_set_new(st->section, st->last_key, current);
    }
    json_object_set_new(current, name, json_string(value));
    free(name);
    free(value);
    return true;
}

static bool parse_line(ini_state *st, const char *line, size_t len)
{
    bool indented = len > 0 && (line[0] == ' ' || line[0] == '\t');
    size_t n = len;
    const char *s = trim(line, &n);
    if (n == 0 || s[0] == '#' || s[0] == ';')
        return true;
    if (indented)
        return indented_line(st, s, n);
    if (s[0] == '[')
        return section_header(st, s, n);
    return top_setting(st, s, n);
}

json_t *sf_aws_ini_parse(const char *text, size_t len, const char *path, char **why)
{
    ini_state st = {.path = path, .root = json_object(), .why = why};
    *why = NULL;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        st.line_no++;
        if (memchr(p, '\0', (size_t)(line_end - p)) ||
            !parse_line(&st, p, (size_t)(line_end - p))) {
            if (!*why)
                fail(&st, "a NUL byte in the file");
            json_decref(st.root);
            free(st.last_key);
            return NULL;
        }
        p = nl ? nl + 1 : end;
    }
    free(st.last_key);
    return st.root;
}

json_t *sf_aws_ini_load(const char *path, char **why)
{
    *why = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno != ENOENT && errno != ENOTDIR)
            *why = sf_asprintf("%s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = (len + 4096) * 2;
            text = sf_realloc(text, cap);
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0 || len > AWS_INI_MAX_BYTES)
            break;
    }
    bool bad = ferror(f);
    int err = errno;
    fclose(f);
    json_t *root = NULL;
    if (bad)
        *why = sf_asprintf("%s: %s", path, strerror(err));
    else if (len > AWS_INI_MAX_BYTES)
        *why = sf_asprintf("%s: larger than %d bytes; not an AWS config or credentials file", path,
                           AWS_INI_MAX_BYTES);
    else
        root = sf_aws_ini_parse(text ? text : "", len, path, why);
    free(text);
    return root;
}
