/*
 * http_server.h — a small HTTP/1.1 server on a libuv loop, for `stepfn
 * serve`. Requests are parsed by http-parser (Debian's libhttp-parser), never
 * by hand.
 *
 * Every buffer is bounded, and the limits are stated once, in
 * sf_httpd_limits: the request body, the header block (http-parser's own
 * 80 KiB cap), the number of open connections, how long a connection may sit
 * idle between requests, and how long one request may take to arrive (so a
 * client trickling bytes cannot hold a connection forever). A client that
 * breaks a limit or sends what is not HTTP gets one error answer (400, 413,
 * 408) and the connection is closed; the server goes on.
 *
 * Requests on one connection are answered in order, one at a time: the
 * handler answers synchronously, so pipelined requests are safe. Keep-alive
 * follows the request (HTTP/1.1 by default, "Connection: close" ends it).
 */
#ifndef SF_HTTPD_SERVER_H
#define SF_HTTPD_SERVER_H

#include <stddef.h>
#include <uv.h>

typedef struct sf_httpd_server sf_httpd_server;

typedef struct sf_httpd_limits {
    size_t max_body;        /* bytes; a larger request gets 413 */
    size_t max_connections; /* more are accepted and closed at once */
    uint64_t idle_ms;       /* between requests on a kept-alive connection */
    uint64_t request_ms;    /* from a request's first byte to its last */
} sf_httpd_limits;

/* One parsed request; everything borrowed for the handler's call only. */
typedef struct sf_httpd_request {
    const char *method;
    const char *url;
    const char *target;       /* X-Amz-Target, or NULL */
    const char *content_type; /* Content-Type, or NULL */
    const char *body;
    size_t body_len;
} sf_httpd_request;

/* The answer a handler fills: body is malloc'd and taken by the server;
 * content_type is static. */
typedef struct sf_httpd_response {
    int status;
    const char *content_type;
    char *body;
    size_t body_len;
} sf_httpd_response;

typedef void (*sf_httpd_handler)(const sf_httpd_request *req, sf_httpd_response *res, void *data);

/* Listen on host:port (host a numeric IPv4 or IPv6 address). Returns NULL
 * with *err (malloc'd) naming the address and the system error. */
sf_httpd_server *sf_httpd_server_start(uv_loop_t *loop, const char *host, int port,
                                       const sf_httpd_limits *limits, sf_httpd_handler handler,
                                       void *data, char **err);
/* The port actually bound (useful with port 0). */
int sf_httpd_server_port(const sf_httpd_server *s);
/* Stop accepting; connections finish the answer being written and close.
 * The server frees itself once every handle is closed. */
void sf_httpd_server_stop(sf_httpd_server *s);

#endif
