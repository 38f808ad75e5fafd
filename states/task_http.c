/*
 * task_http.c — the request and the result of HTTP tasks.
 *
 * arn:aws:states:::http:invoke takes its request from Parameters, as the AWS
 * HTTP Task does: ApiEndpoint (http or https URL), Method (GET, POST, PUT,
 * DELETE, PATCH, OPTIONS, HEAD), Headers, QueryParameters (values are
 * scalars or arrays of scalars), RequestBody (a string is sent as is,
 * anything else as JSON), Transform.RequestBodyEncoding URL_ENCODED with
 * RequestEncodingOptions.ArrayFormat INDICES (default), REPEAT, COMMAS or
 * BRACKETS, and Authentication.ConnectionArn (optional here; when the
 * resource map has an entry for the ARN, its "headers" and "query" are
 * added). The result is {"Headers", "ResponseBody", "StatusCode",
 * "StatusText"}: header names lowercased, each with an array of values; the
 * body parsed when the response says it is JSON, a string otherwise. A
 * non-2xx status fails the task with States.Http.StatusCode.NNN and that
 * result, as JSON text, as the cause.
 *
 * A URL as the Resource (and a map entry with "url") POSTs the input as
 * JSON; the JSON response body is the result.
 *
 * Failure cases: a Parameters field of the wrong shape is States.Runtime
 * (the data is wrong, retrying cannot help); a transport failure is
 * States.TaskFailed naming the host and the reason (refused, DNS), or
 * States.Http.Socket when the connection timed out; a body over the limit
 * is States.DataLimitExceeded.
 */
#include "engine/json_util.h"
#include "engine/lang/jsonpath.h"
#include "engine/store/store.h"
#include "engine/timestamp.h"
#include "engine/utf8.h"
#include "engine/xalloc.h"
#include "states/task_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- Small string tools ---- */

typedef struct text_buf {
    char *s;
    size_t len, cap;
} text_buf;

static void buf_add(text_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = sf_realloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_str(text_buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* RFC 3986 percent-encoding: everything but unreserved characters. */
static void buf_escaped(text_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            buf_add(b, (const char *)p, 1);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_add(b, esc, 3);
        }
    }
}

/* A scalar as request text: strings as they are, others as JSON. */
static char *scalar_text(json_t *v)
{
    return json_is_string(v) ? sf_strdup(json_string_value(v)) : sf_json_compact(v);
}

static char **strv_push(char **v, size_t *n, char *s)
{
    v = sf_realloc(v, (*n + 2) * sizeof *v);
    v[(*n)++] = s;
    v[*n] = NULL;
    return v;
}

void task_http_call_clear(task_http_call *call)
{
    free(call->method);
    free(call->url);
    for (size_t i = 0; call->headers && call->headers[i]; i++)
        free(call->headers[i]);
    free(call->headers);
    free(call->body);
    memset(call, 0, sizeof *call);
}

/* ---- Form encoding (Transform URL_ENCODED) ---- */

static void form_pair(text_buf *b, const char *key, json_t *v)
{
    char *text = scalar_text(v);
    if (b->len)
        buf_str(b, "&");
    buf_str(b, key);
    buf_str(b, "=");
    buf_escaped(b, text);
    free(text);
}

static void form_value(text_buf *b, const char *key, json_t *v, const char *format);

static void form_array(text_buf *b, const char *key, json_t *arr, const char *format)
{
    size_t i;
    json_t *item;
    if (strcmp(format, "COMMAS") == 0) {
        text_buf joined = {0};
        json_array_foreach(arr, i, item)
        {
            char *text = scalar_text(item);
            if (i)
                buf_str(&joined, ",");
            buf_str(&joined, text);
            free(text);
        }
        json_t *s = json_string(joined.s ? joined.s : "");
        form_pair(b, key, s);
        json_decref(s);
        free(joined.s);
        return;
    }
    json_array_foreach(arr, i, item)
    {
        char *k = strcmp(format, "REPEAT") == 0     ? sf_strdup(key)
                  : strcmp(format, "BRACKETS") == 0 ? sf_asprintf("%s[]", key)
                                                    : sf_asprintf("%s[%zu]", key, i);
        form_value(b, k, item, format);
        free(k);
    }
}

static void form_value(text_buf *b, const char *key, json_t *v, const char *format)
{
    if (json_is_array(v)) {
        form_array(b, key, v, format);
    } else if (json_is_object(v)) {
        const char *k;
        json_t *item;
        json_object_foreach(v, k, item)
        {
            text_buf nested = {0};
            buf_str(&nested, key);
            buf_str(&nested, "[");
            buf_escaped(&nested, k);
            buf_str(&nested, "]");
            form_value(b, nested.s, item, format);
            free(nested.s);
        }
    } else {
        form_pair(b, key, v);
    }
}

static char *form_encode(json_t *obj, const char *format)
{
    text_buf b = {0};
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        text_buf key = {0};
        buf_escaped(&key, k);
        form_value(&b, key.s ? key.s : "", v, format);
        free(key.s);
    }
    return b.s ? b.s : sf_strdup("");
}

/* ---- The http:invoke request ---- */

static bool shape_error(sf_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool shape_error(sf_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sf_error_setv(err, SF_ERR_RUNTIME, fmt, ap);
    va_end(ap);
    return false;
}

static bool valid_method(const char *m)
{
    static const char *const methods[] = {"GET",   "POST",    "PUT",  "DELETE",
                                          "PATCH", "OPTIONS", "HEAD", NULL};
    for (size_t i = 0; m && methods[i]; i++)
        if (strcmp(m, methods[i]) == 0)
            return true;
    return false;
}

static bool is_http_url(const char *u)
{
    return u && (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0);
}

static bool has_line_break(const char *s)
{
    return strchr(s, '\r') || strchr(s, '\n');
}

static bool add_query_pair(text_buf *url, const char *key, json_t *v, sf_error *err)
{
    if (json_is_object(v) || json_is_array(v))
        return shape_error(err,
                           "QueryParameters '%s': values must be strings, numbers, "
                           "booleans or arrays of them",
                           key);
    char *text = scalar_text(v);
    buf_str(url, strchr(url->s, '?') ? "&" : "?");
    buf_escaped(url, key);
    buf_str(url, "=");
    buf_escaped(url, text);
    free(text);
    return true;
}

static bool add_query(text_buf *url, json_t *query, sf_error *err)
{
    if (!query)
        return true;
    if (!json_is_object(query))
        return shape_error(err, "QueryParameters must be an object, not %s",
                           sf_json_type_name(query));
    const char *k;
    json_t *v;
    json_object_foreach(query, k, v)
    {
        size_t i;
        json_t *item;
        if (!json_is_array(v)) {
            if (!add_query_pair(url, k, v, err))
                return false;
            continue;
        }
        json_array_foreach(v, i, item)
        {
            if (!add_query_pair(url, k, item, err))
                return false;
        }
    }
    return true;
}

static bool add_headers(task_http_call *call, size_t *n, json_t *headers, sf_error *err)
{
    if (!headers)
        return true;
    if (!json_is_object(headers))
        return shape_error(err, "Headers must be an object, not %s", sf_json_type_name(headers));
    const char *k;
    json_t *v;
    json_object_foreach(headers, k, v)
    {
        if (json_is_object(v) || json_is_array(v))
            return shape_error(err, "Headers '%s': a header value must be a string", k);
        char *text = scalar_text(v);
        bool bad = k[0] == '\0' || strchr(k, ':') || has_line_break(k) || has_line_break(text);
        if (bad) {
            free(text);
            return shape_error(err, "Headers '%s': a header name or value is not valid", k);
        }
        call->headers = strv_push(call->headers, n, sf_asprintf("%s: %s", k, text));
        free(text);
    }
    return true;
}

static bool header_given(const task_http_call *call, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; call->headers && call->headers[i]; i++)
        if (strncasecmp(call->headers[i], name, len) == 0 && call->headers[i][len] == ':')
            return true;
    return false;
}

static bool encoding_of(json_t *transform, bool *form, const char **array_format, sf_error *err)
{
    *form = false;
    *array_format = "INDICES";
    if (!transform)
        return true;
    const char *enc = json_string_value(json_object_get(transform, "RequestBodyEncoding"));
    json_t *opts = json_object_get(transform, "RequestEncodingOptions");
    const char *fmt = json_string_value(json_object_get(opts, "ArrayFormat"));
    if (!json_is_object(transform) || (enc && strcmp(enc, "NONE") && strcmp(enc, "URL_ENCODED")))
        return shape_error(err, "Transform.RequestBodyEncoding must be \"NONE\" or "
                                "\"URL_ENCODED\"");
    if (fmt && strcmp(fmt, "INDICES") && strcmp(fmt, "REPEAT") && strcmp(fmt, "COMMAS") &&
        strcmp(fmt, "BRACKETS"))
        return shape_error(err, "Transform.RequestEncodingOptions.ArrayFormat must be INDICES, "
                                "REPEAT, COMMAS or BRACKETS");
    *form = enc && strcmp(enc, "URL_ENCODED") == 0;
    if (fmt)
        *array_format = fmt;
    return true;
}

static bool set_body(json_t *params, task_http_call *call, size_t *nh, sf_error *err)
{
    json_t *body = json_object_get(params, "RequestBody");
    bool form;
    const char *array_format;
    if (!encoding_of(json_object_get(params, "Transform"), &form, &array_format, err))
        return false;
    if (!body)
        return true;
    const char *type = "application/json; charset=UTF-8";
    if (form) {
        if (!json_is_object(body))
            return shape_error(err, "RequestBody must be an object to be URL_ENCODED");
        call->body = form_encode(body, array_format);
        type = "application/x-www-form-urlencoded";
    } else if (json_is_string(body)) {
        call->body = sf_strdup(json_string_value(body));
        type = "text/plain; charset=UTF-8";
    } else {
        call->body = sf_json_compact(body);
    }
    call->body_len = strlen(call->body);
    if (!header_given(call, "Content-Type"))
        call->headers = strv_push(call->headers, nh, sf_asprintf("Content-Type: %s", type));
    return true;
}

/* The map entry of Authentication.ConnectionArn adds headers and query. */
static const sf_resource *connection_of(json_t *params, const sf_resources *map)
{
    json_t *auth = json_object_get(params, "Authentication");
    const char *arn = json_string_value(json_object_get(auth, "ConnectionArn"));
    return arn ? sf_resources_find(map, arn) : NULL;
}

bool task_http_invoke_call(json_t *params, const sf_resources *map, task_http_call *call,
                           sf_error *err)
{
    memset(call, 0, sizeof *call);
    const char *endpoint = json_string_value(json_object_get(params, "ApiEndpoint"));
    const char *method = json_string_value(json_object_get(params, "Method"));
    if (!is_http_url(endpoint))
        return shape_error(err, "ApiEndpoint must be an http:// or https:// URL");
    if (!valid_method(method))
        return shape_error(err, "Method must be one of GET, POST, PUT, DELETE, PATCH, "
                                "OPTIONS, HEAD");
    const sf_resource *conn = connection_of(params, map);
    text_buf url = {0};
    buf_str(&url, endpoint);
    size_t nh = 0;
    call->method = sf_strdup(method);
    bool ok = add_query(&url, json_object_get(params, "QueryParameters"), err) &&
              (!conn || add_query(&url, conn->query, err)) &&
              add_headers(call, &nh, json_object_get(params, "Headers"), err) &&
              (!conn || add_headers(call, &nh, conn->headers, err)) &&
              set_body(params, call, &nh, err);
    call->url = url.s;
    if (!ok)
        task_http_call_clear(call);
    return ok;
}

void task_http_post_call(const char *url, json_t *headers, json_t *input, task_http_call *call)
{
    memset(call, 0, sizeof *call);
    size_t nh = 0;
    sf_error ignored = SF_ERROR_INIT;
    call->method = sf_strdup("POST");
    call->url = sf_strdup(url);
    add_headers(call, &nh, headers, &ignored); /* the map's headers were checked at load */
    sf_error_clear(&ignored);
    if (!header_given(call, "Content-Type"))
        call->headers = strv_push(call->headers, &nh,
                                  sf_strdup("Content-Type: application/json; charset=UTF-8"));
    call->body = sf_json_compact(input);
    call->body_len = strlen(call->body);
}

/* ---- Results ---- */

static bool is_json_type(const char *content_type)
{
    if (!content_type)
        return false;
    size_t n = strcspn(content_type, ";");
    while (n > 0 && isspace((unsigned char)content_type[n - 1]))
        n--;
    return (n == 16 && strncasecmp(content_type, "application/json", 16) == 0) ||
           (n > 5 && strncasecmp(content_type + n - 5, "+json", 5) == 0);
}

static json_t *response_body(const sf_http_response *resp)
{
    if (is_json_type(resp->content_type) && resp->body_len > 0) {
        json_t *v = sf_json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY, NULL);
        if (v)
            return v;
    }
    json_t *text = json_stringn(resp->body, resp->body_len);
    if (text)
        return text;
    /* Not UTF-8 (a binary body): each byte that is not becomes U+FFFD, as
     * in a program's output, rather than the body going missing. */
    size_t len;
    char *repaired = sf_utf8_repair(resp->body, resp->body_len, &len);
    text = json_stringn(repaired, len);
    free(repaired);
    return text;
}

static bool is_success(long status)
{
    return status >= 200 && status <= 299;
}

static void set_status_error(sf_error *err, long status, const char *cause)
{
    char name[48];
    snprintf(name, sizeof name, "States.Http.StatusCode.%ld", status);
    sf_error_set_raw(err, name, cause);
}

json_t *task_http_invoke_result(const sf_http_response *resp, sf_error *err)
{
    json_t *result = json_object();
    json_object_set_new(result, "Headers",
                        resp->headers ? json_incref(resp->headers) : json_object());
    json_object_set_new(result, "ResponseBody", response_body(resp));
    json_object_set_new(result, "StatusCode", json_integer(resp->status));
    json_object_set_new(result, "StatusText", json_string(resp->status_text));
    if (is_success(resp->status))
        return result;
    char *cause = sf_json_compact(result);
    set_status_error(err, resp->status, cause);
    free(cause);
    json_decref(result);
    return NULL;
}

json_t *task_http_post_result(const sf_http_response *resp, const char *url, sf_error *err)
{
    json_error_t jerr;
    json_t *body = resp->body_len
                       ? sf_json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY, &jerr)
                       : json_null();
    if (is_success(resp->status) && body)
        return body;
    if (!is_success(resp->status)) {
        const char *type = json_string_value(json_object_get(body, "errorType"));
        char *cause =
            type
                ? sf_json_compact(body)
                : sf_asprintf("POST %s answered %ld %s: %.*s", url, resp->status, resp->status_text,
                              (int)(resp->body_len < 1024 ? resp->body_len : 1024), resp->body);
        if (type)
            sf_error_set_raw(err, type, cause);
        else
            set_status_error(err, resp->status, cause);
        free(cause);
    } else if (json_error_code(&jerr) == json_error_stack_overflow) {
        sf_error_set(err, SF_ERR_DATA_LIMIT_EXCEEDED,
                     "POST %s answered with a body with %s, the maximum depth of a JSON value.",
                     url, jerr.text);
    } else {
        sf_error_set(err, SF_ERR_TASK_FAILED,
                     "POST %s answered %ld but the body is not JSON (line %d, column %d: %s)", url,
                     resp->status, jerr.line, jerr.column, jerr.text);
    }
    json_decref(body);
    return NULL;
}

void task_http_transport_error(const sf_http_response *resp, sf_error *err)
{
    if (resp->outcome == SF_HTTP_TOO_LARGE)
        sf_error_set(err, SF_ERR_DATA_LIMIT_EXCEEDED,
                     "The HTTP response is larger than %d bytes, the maximum size of a task "
                     "result.",
                     TASK_HTTP_RESPONSE_LIMIT);
    else if (resp->outcome == SF_HTTP_TIMED_OUT)
        sf_error_set(err, "States.Http.Socket", "The HTTP request timed out: %s", resp->error);
    else
        sf_error_set(err, SF_ERR_TASK_FAILED, "The HTTP request failed: %s", resp->error);
}

/* ---- The Lambda integration's result ---- */

static json_t *header_values(const char *request_id, const char *date, size_t length, bool arrays)
{
    char len[32];
    snprintf(len, sizeof len, "%zu", length);
    const char *pairs[][2] = {
        {"Connection", "keep-alive"},          {"Content-Length", len},
        {"Content-Type", "application/json"},  {"Date", date},
        {"X-Amz-Executed-Version", "$LATEST"}, {"x-amzn-RequestId", request_id},
    };
    json_t *h = json_object();
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        json_t *v = json_string(pairs[i][1]);
        json_object_set_new(h, pairs[i][0], arrays ? json_pack("[o]", v) : v);
    }
    return h;
}

json_t *task_lambda_invoke_result(json_t *payload)
{
    char request_id[37], date[64];
    sf_store_new_uuid(request_id);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    char *text = sf_json_compact(payload);
    size_t length = strlen(text);
    free(text);
    json_t *meta = json_object();
    json_object_set_new(meta, "AllHttpHeaders", header_values(request_id, date, length, true));
    json_object_set_new(meta, "HttpHeaders", header_values(request_id, date, length, false));
    json_object_set_new(meta, "HttpStatusCode", json_integer(200));
    json_t *r = json_object();
    json_object_set_new(r, "ExecutedVersion", json_string("$LATEST"));
    json_object_set_new(r, "Payload", payload);
    json_object_set_new(r, "SdkHttpMetadata", meta);
    json_object_set_new(r, "SdkResponseMetadata", json_pack("{s:s}", "RequestId", request_id));
    json_object_set_new(r, "StatusCode", json_integer(200));
    return r;
}

/* ---- Checks before the run ---- */

/* A diagnostic on Parameters, or on Parameters/field when field is given. */
static void params_error(sf_compile_ctx *cc, const char *field, const char *message)
{
    char *ptr = sf_compile_field_pointer(cc, "Parameters");
    char *fptr = field ? sf_pointer_join(ptr, field) : sf_strdup(ptr);
    sf_diags_error(cc->diags, SF_DIAG_SCHEMA, fptr, "State '%s': %s", cc->state->name, message);
    free(fptr);
    free(ptr);
}

/* A field given either as "Name" or as "Name.$"; its static value or NULL. */
static bool field_given(json_t *params, const char *name, json_t **static_value)
{
    char dyn[64];
    snprintf(dyn, sizeof dyn, "%s.$", name);
    *static_value = json_object_get(params, name);
    return *static_value || json_object_get(params, dyn);
}

void task_check_http_parameters(sf_compile_ctx *cc)
{
    static const char *const allowed[] = {"ApiEndpoint",     "Method",      "Headers",
                                          "QueryParameters", "RequestBody", "Transform",
                                          "Authentication",  NULL};
    json_t *params = json_object_get(cc->state->json, "Parameters");
    if (!json_is_object(params)) {
        params_error(cc, NULL, "an http:invoke task needs Parameters with ApiEndpoint and Method");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(params, key, v)
    {
        size_t n = strlen(key);
        char *base =
            n > 2 && strcmp(key + n - 2, ".$") == 0 ? sf_strndup(key, n - 2) : sf_strdup(key);
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            known = known || strcmp(allowed[i], base) == 0;
        if (!known) {
            char *msg = sf_asprintf("'%s' is not a field of an http:invoke task", key);
            params_error(cc, key, msg);
            free(msg);
        }
        free(base);
    }
    json_t *endpoint, *method;
    if (!field_given(params, "ApiEndpoint", &endpoint))
        params_error(cc, NULL, "an http:invoke task needs ApiEndpoint");
    else if (endpoint && !is_http_url(json_string_value(endpoint)))
        params_error(cc, "ApiEndpoint", "ApiEndpoint must be an http:// or https:// URL");
    if (!field_given(params, "Method", &method))
        params_error(cc, NULL, "an http:invoke task needs Method");
    else if (method && !valid_method(json_string_value(method)))
        params_error(cc, "Method", "Method must be GET, POST, PUT, DELETE, PATCH, OPTIONS or HEAD");
}
