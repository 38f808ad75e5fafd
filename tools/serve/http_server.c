/*
 * http_server.c — HTTP/1.1 connections on a libuv loop (see http_server.h).
 *
 * Each connection owns a TCP handle, a timer and an http-parser. Bytes read
 * go straight to the parser; its callbacks copy the request line, the two
 * headers the API needs and the body into bounded buffers. When a message
 * is complete the handler answers it and the answer is queued for writing,
 * so pipelined requests in one read are answered in order.
 *
 * Failure cases: a parse error (garbage, a header block over the parser's
 * limit), a body over max_body, a kept header over SF_HTTPD_MAX_VALUE bytes
 * or a request that takes longer than request_ms to arrive gets one error
 * answer with "Connection: close", and the connection closes once it is
 * written. A peer that resets or vanishes is closed at once. Nothing a client
 * sends can make the server exit.
 */
#include "tools/serve/http_server.h"
#include "engine/xalloc.h"

#include <http_parser.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SF_HTTPD_MAX_URL   8192
#define SF_HTTPD_MAX_VALUE 1024 /* a kept header value (X-Amz-Target, Content-Type) */
#define SF_HTTPD_MAX_NAME  64   /* longer header names are none the server reads */
#define SF_HTTPD_LINGER_MS 2000 /* reading and dropping after a refusal */

typedef struct conn conn;

struct sf_httpd_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    sf_httpd_limits limits;
    sf_httpd_handler handler;
    void *data;
    conn *conns; /* doubly linked */
    size_t open;
    bool stopping, listener_closed;
    int port;
};

typedef enum kept_header { HDR_OTHER, HDR_TARGET, HDR_CONTENT_TYPE } kept_header;

typedef struct text {
    char *data;
    size_t len, cap;
} text;

struct conn {
    sf_httpd_server *server;
    conn *prev, *next;
    uv_tcp_t tcp;
    uv_timer_t timer;
    int handles; /* open libuv handles: freed at 0 */
    http_parser parser;
    bool in_message, closing, close_after_write, value_last;
    bool draining;   /* refused: the rest of what the peer sends is read and dropped */
    int fail_status; /* set by a callback refusing the request */
    size_t pending_writes;
    char name[SF_HTTPD_MAX_NAME + 1];
    size_t name_len;
    kept_header header;
    text url, target, content_type, body;
};

typedef struct write_req {
    uv_write_t req;
    conn *c;
    char *buf;
} write_req;

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    default:
        return "Unknown";
    }
}

/* Append to a bounded buffer; false when it would pass max. */
static bool text_append(text *t, const char *at, size_t n, size_t max)
{
    if (n > max || t->len > max - n)
        return false;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        t->data = sf_realloc(t->data, cap);
        t->cap = cap;
    }
    memcpy(t->data + t->len, at, n);
    t->len += n;
    t->data[t->len] = '\0';
    return true;
}

static void text_reset(text *t)
{
    t->len = 0;
    if (t->data)
        t->data[0] = '\0';
}

static void text_free(text *t)
{
    free(t->data);
    *t = (text){0};
}

/* ---- Closing ---- */

static void conn_free(conn *c)
{
    sf_httpd_server *s = c->server;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->open--;
    text_free(&c->url);
    text_free(&c->target);
    text_free(&c->content_type);
    text_free(&c->body);
    free(c);
    if (s->stopping && s->listener_closed && s->open == 0)
        free(s);
}

static void on_handle_closed(uv_handle_t *h)
{
    conn *c = h->data;
    if (--c->handles == 0)
        conn_free(c);
}

static void conn_close(conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

/* Close once every queued answer has been written. */
static void conn_close_after_write(conn *c)
{
    c->close_after_write = true;
    uv_read_stop((uv_stream_t *)&c->tcp);
    if (c->pending_writes == 0)
        conn_close(c);
}

/* ---- Writing ---- */

static void on_written(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    conn *c = w->c;
    free(w->buf);
    free(w);
    c->pending_writes--;
    if (status < 0)
        conn_close(c);
    else if (c->close_after_write && c->pending_writes == 0)
        conn_close(c);
}

static void conn_write(conn *c, int status, const char *content_type, const char *body,
                       size_t body_len, bool keep_alive)
{
    if (c->closing)
        return;
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "x-amzn-RequestId: 00000000-0000-4000-8000-000000000000\r\n"
                     "Connection: %s\r\n\r\n",
                     status, reason(status), content_type, body_len,
                     keep_alive ? "keep-alive" : "close");
    write_req *w = SF_NEW(write_req);
    w->c = c;
    w->buf = sf_malloc((size_t)n + body_len);
    memcpy(w->buf, head, (size_t)n);
    if (body_len)
        memcpy(w->buf + n, body, body_len);
    uv_buf_t buf = uv_buf_init(w->buf, (unsigned)((size_t)n + body_len));
    c->pending_writes++;
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) < 0) {
        c->pending_writes--;
        free(w->buf);
        free(w);
        conn_close(c);
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    free(req);
}

static void on_timer(uv_timer_t *t);

/* An error answer for a request the server will not read on from. The
 * peer may still be sending (a huge body): closing at once would reset the
 * connection and lose the answer, so the answer is written, the sending
 * side shut, and whatever still arrives dropped, for SF_HTTPD_LINGER_MS at
 * most. */
static void conn_fail(conn *c, int status)
{
    char body[128];
    int n = snprintf(body, sizeof body, "{\"__type\":\"%s\",\"message\":\"%s\"}",
                     status == 413   ? "ValidationException"
                     : status == 408 ? "RequestTimeout"
                                     : "SerializationException",
                     reason(status));
    conn_write(c, status, "application/x-amz-json-1.0", body, (size_t)n, false);
    if (c->closing)
        return;
    c->draining = true;
    c->in_message = false;
    uv_shutdown_t *req = SF_NEW(uv_shutdown_t);
    if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) < 0) {
        free(req);
        conn_close_after_write(c);
        return;
    }
    uv_timer_start(&c->timer, on_timer, SF_HTTPD_LINGER_MS, 0);
}

/* ---- Timers ---- */

static void on_timer(uv_timer_t *t)
{
    conn *c = t->data;
    if (c->draining)
        conn_close(c);
    else if (c->in_message)
        conn_fail(c, 408); /* a request trickling in too slowly */
    else
        conn_close(c); /* idle between requests */
}

static void arm_timer(conn *c, uint64_t ms)
{
    if (!c->closing)
        uv_timer_start(&c->timer, on_timer, ms, 0);
}

/* ---- Parser callbacks ---- */

static int on_message_begin(http_parser *p)
{
    conn *c = p->data;
    if (c->close_after_write || c->closing)
        return -1; /* nothing after a closing request is read */
    c->in_message = true;
    c->value_last = false;
    c->name_len = 0;
    c->header = HDR_OTHER;
    text_reset(&c->url);
    text_reset(&c->target);
    text_reset(&c->content_type);
    text_reset(&c->body);
    arm_timer(c, c->server->limits.request_ms);
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    conn *c = p->data;
    if (!text_append(&c->url, at, n, SF_HTTPD_MAX_URL)) {
        c->fail_status = 431;
        return -1;
    }
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    conn *c = p->data;
    if (c->value_last) { /* a new header begins */
        c->name_len = 0;
        c->value_last = false;
    }
    size_t room = SF_HTTPD_MAX_NAME - c->name_len;
    size_t take = n < room ? n : room;
    memcpy(c->name + c->name_len, at, take);
    c->name_len += take;
    c->name[c->name_len] = '\0';
    if (n > room)
        c->name_len = SF_HTTPD_MAX_NAME; /* too long to be one we keep */
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    conn *c = p->data;
    if (!c->value_last) {
        c->value_last = true;
        c->header = strcasecmp(c->name, "X-Amz-Target") == 0   ? HDR_TARGET
                    : strcasecmp(c->name, "Content-Type") == 0 ? HDR_CONTENT_TYPE
                                                               : HDR_OTHER;
    }
    text *t = c->header == HDR_TARGET         ? &c->target
              : c->header == HDR_CONTENT_TYPE ? &c->content_type
                                              : NULL;
    if (t && !text_append(t, at, n, SF_HTTPD_MAX_VALUE)) {
        c->fail_status = 431;
        return -1;
    }
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    conn *c = p->data;
    /* Refused before a byte of it is read when the length is announced. */
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > c->server->limits.max_body) {
        c->fail_status = 413;
        return -1;
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    conn *c = p->data;
    if (!text_append(&c->body, at, n, c->server->limits.max_body)) {
        c->fail_status = 413; /* a chunked body that grew too long */
        return -1;
    }
    return 0;
}

static int on_message_complete(http_parser *p)
{
    conn *c = p->data;
    sf_httpd_server *s = c->server;
    c->in_message = false;
    sf_httpd_request req = {
        .method = http_method_str((enum http_method)p->method),
        .url = c->url.data ? c->url.data : "",
        .target = c->target.len ? c->target.data : NULL,
        .content_type = c->content_type.len ? c->content_type.data : NULL,
        .body = c->body.data ? c->body.data : "",
        .body_len = c->body.len,
    };
    sf_httpd_response res = {0};
    s->handler(&req, &res, s->data);
    bool keep = http_should_keep_alive(p) && !s->stopping;
    conn_write(c, res.status, res.content_type, res.body, res.body_len, keep);
    free(res.body);
    if (!keep)
        conn_close_after_write(c);
    else
        arm_timer(c, s->limits.idle_ms);
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- Reading and accepting ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = sf_malloc(suggested);
    buf->len = suggested;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = stream->data;
    if (nread < 0 || c->draining) {
        free(buf->base);
        if (nread >= 0)
            return; /* dropped */
        if (nread == UV_EOF && c->pending_writes)
            conn_close_after_write(c); /* the peer half-closed: answer, then close */
        else
            conn_close(c);
        return;
    }
    if (nread > 0 && !c->closing && !c->close_after_write) {
        size_t used = http_parser_execute(&c->parser, &settings, buf->base, (size_t)nread);
        enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
        if (e != HPE_OK && !c->close_after_write)
            conn_fail(c, c->fail_status ? c->fail_status : e == HPE_HEADER_OVERFLOW ? 431 : 400);
        else if (e == HPE_OK && used != (size_t)nread && !c->close_after_write)
            conn_fail(c, 400); /* an upgrade or a CONNECT: not served */
    }
    free(buf->base);
}

static void on_connection(uv_stream_t *listener, int status)
{
    sf_httpd_server *s = listener->data;
    if (status < 0 || s->stopping)
        return;
    conn *c = SF_NEW(conn);
    c->server = s;
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->handles = 2;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->open++;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c);
        return;
    }
    if (s->open > s->limits.max_connections) {
        conn_close(c); /* over the cap: no answer, the peer sees a reset */
        return;
    }
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    uv_tcp_nodelay(&c->tcp, 1);
    arm_timer(c, s->limits.idle_ms);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

sf_httpd_server *sf_httpd_server_start(uv_loop_t *loop, const char *host, int port,
                                       const sf_httpd_limits *limits, sf_httpd_handler handler,
                                       void *data, char **err)
{
    struct sockaddr_storage addr;
    int rc = strchr(host, ':') ? uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr)
                               : uv_ip4_addr(host, port, (struct sockaddr_in *)&addr);
    if (rc < 0) {
        *err = sf_asprintf("'%s' is not a numeric IPv4 or IPv6 address", host);
        return NULL;
    }
    sf_httpd_server *s = SF_NEW(sf_httpd_server);
    s->loop = loop;
    s->limits = *limits;
    s->handler = handler;
    s->data = data;
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
    if (rc < 0) {
        *err = sf_asprintf("cannot listen on %s port %d: %s", host, port, uv_strerror(rc));
        s->stopping = true;
        sf_httpd_server_stop(s);
        return NULL;
    }
    struct sockaddr_storage bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len);
    s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                : ((struct sockaddr_in *)&bound)->sin_port);
    return s;
}

int sf_httpd_server_port(const sf_httpd_server *s)
{
    return s->port;
}

static void on_listener_closed(uv_handle_t *h)
{
    sf_httpd_server *s = h->data;
    s->listener_closed = true;
    if (s->open == 0)
        free(s);
}

void sf_httpd_server_stop(sf_httpd_server *s)
{
    s->stopping = true;
    for (conn *c = s->conns; c; c = c->next) {
        if (!c->in_message)
            conn_close_after_write(c);
    }
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}
