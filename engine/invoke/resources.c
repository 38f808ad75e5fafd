/*
 * resources.c — loading and checking the --resources map (see resources.h).
 *
 * The map is read once, before anything runs, and is immutable afterwards:
 * every Task state of every execution borrows entries from it. A map with
 * any structural problem is refused as a whole, with a message that names
 * the file and the JSON Pointer of the first bad element, so a typo never
 * turns into a task that silently runs the wrong thing. Relative exec paths
 * are made absolute here, against the map's own folder, so a map means the
 * same thing whatever the working directory of `stepfn` is. Folder entries
 * (an S3 bucket or prefix as a local folder) likewise; that the folder
 * exists is checked when it is read, since a run may create it first.
 */
#include "engine/invoke/resources.h"
#include "engine/diag.h"
#include "engine/json_util.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESOURCE_TIMEOUT_MAX 99999999LL

static bool fail(char **err, const char *origin, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool fail(char **err, const char *origin, const char *pointer, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sf_vasprintf(fmt, ap);
    va_end(ap);
    *err = sf_asprintf("%s: at %s: %s", origin, pointer[0] ? pointer : "/", msg);
    free(msg);
    return false;
}

/* A string with a NUL inside (JSON "\u0000") would reach the program, the
 * URL or the path cut short there: something else than the file says. */
static bool has_nul(const json_t *v)
{
    return json_is_string(v) && strlen(json_string_value(v)) != json_string_length(v);
}

static bool fail_nul(char **err, const char *origin, const char *ptr, const sf_resource *res,
                     const char *field)
{
    return fail(err, origin, ptr,
                "%s of entry '%s' contains a NUL character (\\u0000), which would cut it "
                "short there; remove it",
                field, res->name);
}

static char *absolute_path(const char *base_dir, const char *path)
{
    if (path[0] == '/' || !base_dir)
        return sf_strdup(path);
    return sf_asprintf("%s/%s", base_dir, path);
}

static bool load_argv(sf_resource *res, json_t *v, const char *origin, const char *ptr,
                      const char *base_dir, char **err)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (!(json_is_string(v) || (json_is_array(v) && n > 0)))
        return fail(err, origin, ptr, "\"exec\" must be a non-empty array of strings (argv)");
    res->argv = sf_calloc(n + 1, sizeof *res->argv);
    for (size_t i = 0; i < n; i++) {
        json_t *arg = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(arg)) {
            char *aptr = sf_pointer_join_index(ptr, i);
            fail(err, origin, aptr, "argv entries must be strings, not %s", sf_json_type_name(arg));
            free(aptr);
            return false;
        }
        if (has_nul(arg)) {
            char *aptr = sf_pointer_join_index(ptr, i);
            char field[48];
            snprintf(field, sizeof field, "\"exec\" argv[%zu]", i);
            fail_nul(err, origin, aptr, res, field);
            free(aptr);
            return false;
        }
        const char *s = json_string_value(arg);
        if (i == 0 && s[0] == '\0')
            return fail(err, origin, ptr, "the program (argv[0]) must not be empty");
        /* argv[0] with a '/' is a path; a bare name is found in PATH. */
        res->argv[i] = (i == 0 && strchr(s, '/')) ? absolute_path(base_dir, s) : sf_strdup(s);
    }
    return true;
}

static bool load_string_object(const sf_resource *res, json_t **dst, json_t *v, const char *origin,
                               const char *ptr, const char *field, char **err)
{
    if (!json_is_object(v))
        return fail(err, origin, ptr, "\"%s\" must be an object of strings", field);
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val)
    {
        bool ok = json_is_string(val) && !has_nul(val);
        if (!ok) {
            char *kptr = sf_pointer_join(ptr, key);
            char *what = sf_asprintf("the \"%s\" value '%s'", field, key);
            if (json_is_string(val))
                fail_nul(err, origin, kptr, res, what);
            else
                fail(err, origin, kptr, "\"%s\" values must be strings, not %s", field,
                     sf_json_type_name(val));
            free(what);
            free(kptr);
            return false;
        }
    }
    *dst = json_incref(v);
    return true;
}

static bool load_env(sf_resource *res, json_t *v, const char *origin, const char *ptr, char **err)
{
    json_t *env = NULL;
    if (!load_string_object(res, &env, v, origin, ptr, "env", err))
        return false;
    size_t i = 0;
    const char *key;
    json_t *val;
    free(res->env);
    res->env = sf_calloc(json_object_size(env) + 1, sizeof *res->env);
    json_object_foreach(env, key, val)
    {
        if (key[0] == '\0' || strchr(key, '=')) {
            json_decref(env);
            return fail(err, origin, ptr, "environment variable name '%s' is not valid", key);
        }
        res->env[i++] = sf_asprintf("%s=%s", key, json_string_value(val));
    }
    json_decref(env);
    return true;
}

static bool load_timeout(sf_resource *res, json_t *v, const char *origin, const char *ptr,
                         char **err)
{
    long long n;
    if (!sf_json_as_integer(v, &n) || n < 1 || n > RESOURCE_TIMEOUT_MAX)
        return fail(err, origin, ptr,
                    "\"timeout\" must be a whole number of seconds from 1 to %lld",
                    RESOURCE_TIMEOUT_MAX);
    res->timeout_seconds = (double)n;
    return true;
}

static bool load_url(sf_resource *res, json_t *v, const char *origin, const char *ptr, char **err)
{
    const char *u = json_string_value(v);
    if (!u || (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0))
        return fail(err, origin, ptr, "\"url\" must be an http:// or https:// URL");
    if (has_nul(v))
        return fail_nul(err, origin, ptr, res, "\"url\"");
    res->url = sf_strdup(u);
    return true;
}

static bool load_folder(sf_resource *res, json_t *v, const char *origin, const char *ptr,
                        const char *base_dir, char **err)
{
    const char *f = json_string_value(v);
    if (!f || !f[0])
        return fail(err, origin, ptr, "\"folder\" must be a non-empty string (a local folder)");
    if (has_nul(v))
        return fail_nul(err, origin, ptr, res, "\"folder\"");
    if (strncmp(res->name, "s3://", 5) != 0 && strncmp(res->name, "arn:aws:s3:::", 13) != 0)
        return fail(err, origin, ptr,
                    "a \"folder\" entry is named after the bucket it stands for: "
                    "\"s3://BUCKET[/PREFIX]\" or \"arn:aws:s3:::BUCKET[/PREFIX]\"");
    res->folder = absolute_path(base_dir, f);
    res->folder_as_given = sf_strdup(f);
    return true;
}

static bool load_field(sf_resource *res, const char *key, json_t *v, const char *origin,
                       const char *ptr, const char *base_dir, char **err)
{
    if (strcmp(key, "exec") == 0)
        return load_argv(res, v, origin, ptr, base_dir, err);
    if (strcmp(key, "url") == 0)
        return load_url(res, v, origin, ptr, err);
    if (strcmp(key, "env") == 0)
        return load_env(res, v, origin, ptr, err);
    if (strcmp(key, "headers") == 0)
        return load_string_object(res, &res->headers, v, origin, ptr, "headers", err);
    if (strcmp(key, "query") == 0)
        return load_string_object(res, &res->query, v, origin, ptr, "query", err);
    if (strcmp(key, "timeout") == 0)
        return load_timeout(res, v, origin, ptr, err);
    if (strcmp(key, "folder") == 0)
        return load_folder(res, v, origin, ptr, base_dir, err);
    if (strcmp(key, "Comment") == 0 || strcmp(key, "comment") == 0)
        return true;
    return fail(err, origin, ptr,
                "unknown field '%s'; an entry has \"exec\" or \"url\", and may have \"env\", "
                "\"headers\", \"query\", \"timeout\"; or it is a \"folder\"",
                key);
}

static bool load_entry(sf_resource *res, const char *name, json_t *obj, const char *origin,
                       const char *base_dir, char **err)
{
    char *ptr = sf_pointer_join("", name);
    bool ok = true;
    res->name = sf_strdup(name);
    res->env = sf_calloc(1, sizeof *res->env);
    if (!json_is_object(obj)) {
        ok = fail(err, origin, ptr, "an entry must be an object such as {\"exec\": [\"path\"]}");
    } else {
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v)
        {
            char *fptr = sf_pointer_join(ptr, key);
            ok = load_field(res, key, v, origin, fptr, base_dir, err);
            free(fptr);
            if (!ok)
                break;
        }
    }
    if (ok && res->argv && res->url)
        ok = fail(err, origin, ptr, "an entry has \"exec\" or \"url\", not both");
    if (ok && res->folder &&
        (res->argv || res->url || res->headers || res->query || res->timeout_seconds > 0 ||
         res->env[0]))
        ok = fail(err, origin, ptr, "a \"folder\" entry has no other field");
    if (ok && !res->argv && !res->url && !res->headers && !res->query && !res->folder)
        ok = fail(err, origin, ptr,
                  "an entry needs \"exec\" (a program) or \"url\" (an endpoint), or "
                  "\"headers\"/\"query\" for a connection, or \"folder\" for a bucket");
    free(ptr);
    return ok;
}

sf_resources *sf_resources_from_json(json_t *doc, const char *origin, const char *base_dir,
                                     char **err)
{
    if (!json_is_object(doc)) {
        fail(err, origin, "", "the resource map must be a JSON object, not %s",
             sf_json_type_name(doc));
        return NULL;
    }
    sf_resources *r = SF_NEW(sf_resources);
    r->path = sf_strdup(origin);
    r->base_dir = base_dir ? sf_strdup(base_dir) : NULL;
    r->entries = sf_calloc(json_object_size(doc) + 1, sizeof *r->entries);
    const char *name;
    json_t *obj;
    json_object_foreach(doc, name, obj)
    {
        if (!load_entry(&r->entries[r->count++], name, obj, origin, base_dir, err)) {
            sf_resources_free(r);
            return NULL;
        }
    }
    return r;
}

/* Parse the map's text. A key given twice in one object is refused, as in
 * a definition: with "last one wins" a map could say one thing at the top
 * and run another. NULs are let through here so that load_entry can name
 * the entry and field they are in. */
static json_t *parse_map(const char *path, const char *text, size_t len, char **err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (doc)
        return doc;
    /* jansson ends its message with near '"KEY"': the key, quoted. */
    const char *near = strstr(jerr.text, "near '");
    char *key = near ? sf_strndup(near + 6, strlen(near + 6) - 1) : NULL;
    if (key && strncmp(jerr.text, "duplicate object key", 20) == 0)
        *err = sf_asprintf("%s: line %d, column %d: the key %s appears twice in the same object "
                           "of the resource map; give each key once",
                           path, jerr.line, jerr.column, key);
    else if (key && strncmp(jerr.text, "NUL byte in object key", 22) == 0)
        *err = sf_asprintf("%s: line %d, column %d: the key %s contains a NUL character "
                           "(\\u0000), which would cut it short there; remove it",
                           path, jerr.line, jerr.column, key);
    else
        *err = sf_asprintf("%s: the resource map is not valid JSON: line %d, column %d: %s", path,
                           jerr.line, jerr.column, jerr.text);
    free(key);
    return NULL;
}

sf_resources *sf_resources_load(const char *path, char **err)
{
    size_t len;
    char *text = sf_read_file(path, &len);
    if (!text) {
        *err = sf_asprintf("%s: cannot read the resource map: %s", path, strerror(errno));
        return NULL;
    }
    json_t *doc = parse_map(path, text, len, err);
    free(text);
    if (!doc)
        return NULL;
    char *dir = sf_folder_of(path);
    sf_resources *r = sf_resources_from_json(doc, path, dir, err);
    free(dir);
    json_decref(doc);
    return r;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void sf_resources_free(sf_resources *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++) {
        sf_resource *e = &r->entries[i];
        free(e->name);
        free_strv(e->argv);
        free_strv(e->env);
        free(e->url);
        json_decref(e->headers);
        json_decref(e->query);
        free(e->folder);
        free(e->folder_as_given);
    }
    free(r->entries);
    free(r->path);
    free(r->base_dir);
    free(r);
}

const sf_resource *sf_resources_find(const sf_resources *r, const char *key)
{
    for (size_t i = 0; r && i < r->count; i++)
        if (strcmp(r->entries[i].name, key) == 0)
            return &r->entries[i];
    return NULL;
}

char *sf_lambda_function_name(const char *s)
{
    /* arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER],
     * ACCOUNT:function:NAME[:QUALIFIER], or NAME[:QUALIFIER]. */
    const char *marker = strstr(s, ":function:");
    const char *name = marker ? marker + strlen(":function:") : s;
    const char *end = strchr(name, ':');
    return end ? sf_strndup(name, (size_t)(end - name)) : sf_strdup(name);
}

const sf_resource *sf_resources_find_function(const sf_resources *r, const char *name)
{
    const sf_resource *exact = sf_resources_find(r, name);
    if (exact || !r)
        return exact;
    char *wanted = sf_lambda_function_name(name);
    const sf_resource *found = NULL;
    for (size_t i = 0; i < r->count && !found; i++) {
        const sf_resource *e = &r->entries[i];
        if (!e->argv && !e->url)
            continue; /* a connection, not a function */
        char *have = sf_lambda_function_name(e->name);
        if (strcmp(have, wanted) == 0)
            found = e;
        free(have);
    }
    free(wanted);
    return found;
}

/* The bucket and prefix a folder entry's name stands for: "s3://b/p" and
 * "arn:aws:s3:::b/p" give "b/p". NULL for other entries. */
static const char *folder_entry_target(const sf_resource *e)
{
    if (!e->folder)
        return NULL;
    return strncmp(e->name, "s3://", 5) == 0 ? e->name + 5 : e->name + 13;
}

const sf_resource *sf_resources_find_folder(const sf_resources *r, const char *bucket,
                                            const char *key, const char **rest)
{
    const sf_resource *best = NULL;
    size_t best_len = 0, blen = strlen(bucket);
    for (size_t i = 0; r && i < r->count; i++) {
        const char *target = folder_entry_target(&r->entries[i]);
        if (!target || strncmp(target, bucket, blen) != 0)
            continue;
        const char *prefix = target + blen; /* "" or "/PREFIX" */
        if (*prefix && *prefix != '/')
            continue; /* another bucket whose name starts with this one */
        if (*prefix == '/')
            prefix++;
        size_t plen = strlen(prefix);
        if (strncmp(key, prefix, plen) != 0 || (best && plen < best_len))
            continue;
        best = &r->entries[i];
        best_len = plen;
        *rest = key + plen;
    }
    return best;
}
