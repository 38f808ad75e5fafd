/*
 * invoke_http.h — HTTP requests on the libuv loop through libcurl's multi
 * interface.
 *
 * An sf_http_client is a handle: one per loop (see loop_context.h), owning
 * one CURLM, its connection cache (so requests to the same host reuse
 * connections), and the uv_poll / uv_timer handles that drive it. An
 * sf_http_request is a request: one exchange, which frees itself.
 *
 * Transport rules, the same for every request: http and https only, TLS
 * verification on (peer and host name), no redirects followed (a 3xx is a
 * response like any other), a response body cap, a connect timeout and an
 * optional total timeout. Sockets are close-on-exec, so step programs never
 * inherit them.
 *
 * AWS Signature Version 4: a request whose options carry aws_sigv4 is signed
 * by libcurl itself (CURLOPT_AWS_SIGV4 "aws:amz:REGION:SERVICE" with the key
 * pair as CURLOPT_USERPWD), which adds X-Amz-Date and Authorization and
 * signs the method, path, query, the body's SHA-256 and every header the
 * request has. A session token goes out as X-Amz-Security-Token, among the
 * signed headers. What libcurl 7.88 (Debian 12) does not do, callers must
 * mind: it sends the query and path as given (AWS wants the query sorted
 * by name and, outside S3, the path's escapes escaped again), and it adds
 * no x-amz-content-sha256 for S3 (give that header: its value is then what
 * is signed as the payload hash). Unsigned requests cost nothing more.
 *
 * Ownership: options are copied at start. The response given to `done` is
 * borrowed for the duration of the callback. After `done`, or after
 * sf_http_request_cancel, the request handle must not be used again; `done`
 * is never called after cancel.
 */
#ifndef SF_INVOKE_HTTP_H
#define SF_INVOKE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <uv.h>

typedef struct sf_http_client sf_http_client;
typedef struct sf_http_request sf_http_request;

/* The signing of one request: strings borrowed for the call to start. */
typedef struct sf_http_aws_sigv4 {
    const char *region;  /* "us-east-1" */
    const char *service; /* the signing name, "dynamodb" */
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL: none */
} sf_http_aws_sigv4;

typedef struct sf_http_options {
    const char *method;         /* "GET", "POST", ... */
    const char *url;            /* http:// or https:// */
    const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
    const char *body;           /* NULL: no body */
    size_t body_len;
    size_t response_limit;              /* more body than this: SF_HTTP_TOO_LARGE */
    long connect_timeout_ms;            /* 0: libcurl's default */
    long total_timeout_ms;              /* 0: none */
    const sf_http_aws_sigv4 *aws_sigv4; /* NULL: not signed */
} sf_http_options;

typedef enum sf_http_outcome {
    SF_HTTP_RESPONSE,        /* a response arrived: status, headers, body */
    SF_HTTP_TRANSPORT_ERROR, /* refused, DNS, TLS, reset: see error */
    SF_HTTP_TIMED_OUT,       /* connect or total timeout: see error */
    SF_HTTP_TOO_LARGE,       /* the body passed response_limit */
} sf_http_outcome;

typedef struct sf_http_response {
    sf_http_outcome outcome;
    long status;              /* e.g. 404 */
    const char *status_text;  /* the reason phrase, e.g. "Not Found" */
    json_t *headers;          /* {"content-type": ["application/json"], ...}, names lowercased */
    const char *content_type; /* NULL when the response had none */
    const char *body;         /* NUL-terminated */
    size_t body_len;
    const char *error; /* for the failure outcomes: libcurl's message and the URL */
} sf_http_response;

typedef void (*sf_http_done_cb)(void *data, const sf_http_response *response);

sf_http_client *sf_http_client_new(uv_loop_t *loop);
/* Cancel what is in flight (no callbacks), close the connections and the
 * handles. The memory goes once the loop has run the close callbacks. */
void sf_http_client_close(sf_http_client *c);

sf_http_request *sf_http_request_start(sf_http_client *c, const sf_http_options *opts,
                                       sf_http_done_cb done, void *data);
void sf_http_request_cancel(sf_http_request *r);

/* The standard reason phrase of a status code ("" when unknown). */
const char *sf_http_reason_phrase(long status);

#endif
