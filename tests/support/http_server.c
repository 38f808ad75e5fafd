/*
 * http_server.c — a small HTTP/1.1 server on libuv for the Task tests.
 *
 * Usage: http_server [--max-seconds N]
 *
 * Listens on 127.0.0.1 on a free port and prints "PORT\n" on stdout once it
 * accepts connections. It stops when its stdin reaches end of file (the test
 * driver died or closed the pipe), on SIGTERM or SIGINT, and after
 * --max-seconds (default 600) in any case, so a broken test run never leaves
 * it behind. Only loopback is ever bound.
 *
 * Routes (any method):
 *   /echo             200, JSON: method, path, query, headers (names
 *                     lowercased), body (text), connection (the id of the TCP
 *                     connection, to check reuse) and request (its number on
 *                     that connection); proxied_url, the whole URL, when the
 *                     request came in absolute form, as clients send it to
 *                     a proxy (the server serves as one for the tests)
 *   /status/NNN       status NNN, JSON {"status": NNN}
 *   /slow/MS          200 after MS milliseconds, JSON {"slept_ms": MS}
 *   /big/N            200, a JSON string of N bytes
 *   /lambda-error     500, {"errorType": "CustomError", "errorMessage": ...}
 *   /text             200, text/plain "hello"
 *   /notjson          200, Content-Type application/json, a body that is not
 *   /flaky/KEY/N      503 for the first N requests with this KEY, then 200
 *                     with {"attempts": count}
 *   anything else     404
 *
 * Requests are read with Content-Length bodies (no chunked uploads); several
 * requests on one connection are answered in order (keep-alive), unless the
 * client sent "Connection: close".
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#define MAX_REQUEST    (4 * 1024 * 1024)
#define MAX_FLAKY_KEYS 64

typedef struct flaky_key {
    char name[64];
    int count;
} flaky_key;

typedef struct server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    uv_signal_t sigterm, sigint;
    uv_timer_t deadline;
    uv_pipe_t stdin_pipe;
    long next_connection;
    flaky_key flaky[MAX_FLAKY_KEYS];
} server;

typedef struct connection {
    uv_tcp_t tcp;
    uv_timer_t delay; /* /slow responses */
    server *srv;
    long id;
    long requests;
    char *buf;
    size_t len, cap;
    size_t pending_len; /* the request being delayed, in buf */
    char *pending_response;
    size_t pending_response_len;
    int closing_handles;
    int busy;   /* a delayed response is outstanding */
    int closed; /* close requested */
    int close_after;
} connection;

typedef struct request {
    char method[16];
    char path[2048];
    bool absolute_form;   /* the request line named a whole URL: sent to a proxy */
    char target_url[2048]; /* that URL */
    char query[2048];
    const char *headers; /* raw header block */
    size_t headers_len;
    const char *body;
    size_t body_len;
    int connection_close;
} request;

static void process_buffer(connection *c);

/* ---- Output ---- */

typedef struct out_buf {
    char *s;
    size_t len, cap;
} out_buf;

static void out_add(out_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void out_str(out_buf *b, const char *s)
{
    out_add(b, s, strlen(s));
}

static void out_json_string(out_buf *b, const char *s, size_t n)
{
    out_str(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[8];
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            out_add(b, esc, 2);
        } else if (ch < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", ch);
            out_str(b, esc);
        } else {
            out_add(b, (const char *)&ch, 1);
        }
    }
    out_str(b, "\"");
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 404:
        return "Not Found";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return status < 400 ? "Other" : "Error";
    }
}

static char *response(int status, const char *type, const char *body, size_t body_len,
                      int close_after, size_t *len)
{
    out_buf b = {0};
    char head[512];
    snprintf(head, sizeof head,
             "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
             "X-Test-Server: stepfn\r\nConnection: %s\r\n\r\n",
             status, reason(status), type, body_len, close_after ? "close" : "keep-alive");
    out_str(&b, head);
    out_add(&b, body, body_len);
    *len = b.len;
    return b.s;
}

/* ---- Connections ---- */

static void conn_handle_closed(uv_handle_t *h)
{
    connection *c = h->data;
    if (--c->closing_handles == 0) {
        free(c->buf);
        free(c->pending_response);
        free(c);
    }
}

static void conn_close(connection *c)
{
    if (c->closed)
        return;
    c->closed = 1;
    c->closing_handles = 2;
    uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
    uv_close((uv_handle_t *)&c->delay, conn_handle_closed);
}

typedef struct write_req {
    uv_write_t req;
    char *data;
    connection *conn;
    int close_after;
} write_req;

static void written(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    if ((status < 0 || w->close_after) && !w->conn->closed)
        conn_close(w->conn);
    free(w->data);
    free(w);
}

static void send_response(connection *c, char *data, size_t len, int close_after)
{
    if (c->closed) {
        free(data);
        return;
    }
    write_req *w = calloc(1, sizeof *w);
    w->data = data;
    w->conn = c;
    w->close_after = close_after;
    uv_buf_t buf = uv_buf_init(data, (unsigned)len);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, written) != 0) {
        free(data);
        free(w);
        conn_close(c);
    }
}

/* ---- Parsing ---- */

static const char *find_header(const request *r, const char *name, size_t *value_len)
{
    size_t n = strlen(name);
    const char *p = r->headers, *end = r->headers + r->headers_len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (v < eol && *v == ' ')
                v++;
            size_t vl = (size_t)(eol - v);
            while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                vl--;
            *value_len = vl;
            return v;
        }
        p = eol + 1;
    }
    return NULL;
}

/* Parse one request at the start of buf. Returns its total length, 0 when
 * more bytes are needed, -1 when it is malformed. */
static long parse_request(const char *buf, size_t len, request *r)
{
    const char *end = NULL;
    for (size_t i = 0; i + 3 < len && !end; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            end = buf + i;
    if (!end)
        return len > 65536 ? -1 : 0;
    const char *line_end = memchr(buf, '\r', (size_t)(end - buf) + 1);
    char target[2048];
    if (sscanf(buf, "%15s %2047s", r->method, target) != 2)
        return -1;
    (void)line_end;
    /* A request through a proxy names the whole URL (absolute form): the
     * route is its path, and /echo reports that it came that way. */
    r->absolute_form = strncmp(target, "http://", 7) == 0;
    char *route = target;
    if (r->absolute_form) {
        snprintf(r->target_url, sizeof r->target_url, "%s", target);
        route = strchr(target + 7, '/');
        if (!route)
            route = "/";
    }
    char *q = strchr(route, '?');
    snprintf(r->query, sizeof r->query, "%s", q ? q + 1 : "");
    if (q)
        *q = '\0';
    snprintf(r->path, sizeof r->path, "%s", route);
    const char *first_eol = memchr(buf, '\n', (size_t)(end - buf));
    r->headers = first_eol ? first_eol + 1 : end;
    r->headers_len = (size_t)(end + 2 - r->headers);
    size_t vl = 0;
    const char *cl = find_header(r, "Content-Length", &vl);
    size_t body_len = cl ? (size_t)strtoul(cl, NULL, 10) : 0;
    if (body_len > MAX_REQUEST)
        return -1;
    size_t head_len = (size_t)(end + 4 - buf);
    if (len < head_len + body_len)
        return 0;
    r->body = buf + head_len;
    r->body_len = body_len;
    const char *conn = find_header(r, "Connection", &vl);
    r->connection_close = conn && vl == 5 && strncasecmp(conn, "close", 5) == 0;
    return (long)(head_len + body_len);
}

/* ---- Routes ---- */

static void echo_headers(out_buf *b, const request *r)
{
    const char *p = r->headers, *end = r->headers + r->headers_len;
    int first = 1;
    out_str(b, "{");
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon) {
            char name[256];
            size_t n =
                (size_t)(colon - p) < sizeof name - 1 ? (size_t)(colon - p) : sizeof name - 1;
            for (size_t i = 0; i < n; i++)
                name[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
            const char *v = colon + 1;
            while (v < eol && *v == ' ')
                v++;
            size_t vl = (size_t)(eol - v);
            while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                vl--;
            if (!first)
                out_str(b, ",");
            first = 0;
            out_json_string(b, name, n);
            out_str(b, ":");
            out_json_string(b, v, vl);
        }
        p = eol + 1;
    }
    out_str(b, "}");
}

static char *route_echo(connection *c, const request *r, size_t *len)
{
    out_buf b = {0};
    char num[64];
    out_str(&b, "{\"method\":");
    out_json_string(&b, r->method, strlen(r->method));
    out_str(&b, ",\"path\":");
    out_json_string(&b, r->path, strlen(r->path));
    out_str(&b, ",\"query\":");
    out_json_string(&b, r->query, strlen(r->query));
    out_str(&b, ",\"headers\":");
    echo_headers(&b, r);
    out_str(&b, ",\"body\":");
    out_json_string(&b, r->body, r->body_len);
    if (r->absolute_form) {
        out_str(&b, ",\"proxied_url\":");
        out_json_string(&b, r->target_url, strlen(r->target_url));
    }
    snprintf(num, sizeof num, ",\"connection\":%ld,\"request\":%ld}", c->id, c->requests);
    out_str(&b, num);
    char *resp = response(200, "application/json", b.s, b.len, r->connection_close, len);
    free(b.s);
    return resp;
}

static char *route_big(const request *r, size_t *len)
{
    size_t n = (size_t)strtoul(r->path + 5, NULL, 10);
    if (n > 64 * 1024 * 1024)
        n = 64 * 1024 * 1024;
    char *body = malloc(n + 2);
    body[0] = '"';
    memset(body + 1, 'x', n > 2 ? n - 2 : 0);
    body[n > 1 ? n - 1 : 1] = '"';
    char *resp = response(200, "application/json", body, n > 2 ? n : 2, r->connection_close, len);
    free(body);
    return resp;
}

static char *route_flaky(server *srv, const request *r, size_t *len)
{
    char key[64] = "";
    int fail_times = 0;
    sscanf(r->path, "/flaky/%63[^/]/%d", key, &fail_times);
    flaky_key *k = NULL;
    for (int i = 0; i < MAX_FLAKY_KEYS && !k; i++) {
        if (srv->flaky[i].name[0] == '\0')
            snprintf(srv->flaky[i].name, sizeof srv->flaky[i].name, "%s", key);
        if (strcmp(srv->flaky[i].name, key) == 0)
            k = &srv->flaky[i];
    }
    int count = k ? ++k->count : 1;
    char body[96];
    snprintf(body, sizeof body, "{\"attempts\":%d}", count);
    int status = count <= fail_times ? 503 : 200;
    return response(status, "application/json", body, strlen(body), r->connection_close, len);
}

static char *route_simple(const request *r, size_t *len)
{
    const char *p = r->path;
    int close = r->connection_close;
    if (strncmp(p, "/status/", 8) == 0) {
        int status = atoi(p + 8);
        char body[64];
        snprintf(body, sizeof body, "{\"status\":%d}", status);
        return response(status, "application/json", body, strlen(body), close, len);
    }
    if (strcmp(p, "/lambda-error") == 0) {
        const char *body =
            "{\"errorType\":\"CustomError\",\"errorMessage\":\"the server says no\"}";
        return response(500, "application/json", body, strlen(body), close, len);
    }
    if (strcmp(p, "/text") == 0)
        return response(200, "text/plain", "hello", 5, close, len);
    if (strcmp(p, "/notjson") == 0)
        return response(200, "application/json", "not json {", 10, close, len);
    if (strcmp(p, "/binary") == 0) /* bytes that are not UTF-8 */
        return response(200, "application/octet-stream", "bin\xff\xfe!", 6, close, len);
    return response(404, "application/json", "{\"status\":404}", 14, close, len);
}

static void delayed_response(uv_timer_t *t)
{
    connection *c = t->data;
    char *resp = c->pending_response;
    c->pending_response = NULL;
    c->busy = 0;
    send_response(c, resp, c->pending_response_len, c->close_after);
    process_buffer(c);
}

/* Answer one request; returns 0 when the answer is delayed. */
static int answer(connection *c, const request *r)
{
    size_t len = 0;
    char *resp;
    c->requests++;
    if (strncmp(r->path, "/slow/", 6) == 0) {
        long ms = atol(r->path + 6);
        char body[64];
        snprintf(body, sizeof body, "{\"slept_ms\":%ld}", ms);
        c->pending_response = response(200, "application/json", body, strlen(body),
                                       r->connection_close, &c->pending_response_len);
        c->close_after = r->connection_close;
        c->busy = 1;
        uv_timer_start(&c->delay, delayed_response, (uint64_t)(ms > 0 ? ms : 0), 0);
        return 0;
    }
    if (strcmp(r->path, "/echo") == 0)
        resp = route_echo(c, r, &len);
    else if (strncmp(r->path, "/big/", 5) == 0)
        resp = route_big(r, &len);
    else if (strncmp(r->path, "/flaky/", 7) == 0)
        resp = route_flaky(c->srv, r, &len);
    else
        resp = route_simple(r, &len);
    send_response(c, resp, len, r->connection_close);
    return 1;
}

static void process_buffer(connection *c)
{
    while (!c->busy && !c->closed && c->len > 0) {
        request r = {0};
        long used = parse_request(c->buf, c->len, &r);
        if (used == 0)
            return;
        if (used < 0) {
            conn_close(c);
            return;
        }
        int done = answer(c, &r);
        memmove(c->buf, c->buf + used, c->len - (size_t)used);
        c->len -= (size_t)used;
        if (!done)
            return;
    }
}

/* ---- Accepting and reading ---- */

static void alloc_read(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    connection *c = h->data;
    if (c->cap - c->len < suggested) {
        c->cap = c->len + suggested;
        c->buf = realloc(c->buf, c->cap);
        if (!c->buf)
            abort();
    }
    buf->base = c->buf + c->len;
    buf->len = c->cap - c->len;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    connection *c = s->data;
    (void)buf;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    c->len += (size_t)nread;
    if (c->len > MAX_REQUEST + 65536) {
        conn_close(c);
        return;
    }
    process_buffer(c);
}

static void on_connection(uv_stream_t *listener, int status)
{
    server *srv = listener->data;
    if (status < 0)
        return;
    connection *c = calloc(1, sizeof *c);
    c->srv = srv;
    c->id = ++srv->next_connection;
    uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->delay);
    c->tcp.data = c->delay.data = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, alloc_read, on_read);
}

/* ---- Stopping ---- */

static void stop_all(server *srv)
{
    uv_stop(srv->loop); /* open connections are dropped with the process */
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    stop_all(s->data);
}

static void on_deadline(uv_timer_t *t)
{
    fprintf(stderr, "http_server: --max-seconds reached, stopping\n");
    stop_all(t->data);
}

static void stdin_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char sink[256];
    (void)h;
    (void)suggested;
    buf->base = sink;
    buf->len = sizeof sink;
}

static void stdin_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    if (nread < 0)
        stop_all(s->data);
}

static int start(server *srv, long max_seconds)
{
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    uv_tcp_init(srv->loop, &srv->listener);
    srv->listener.data = srv;
    int rc = uv_tcp_bind(&srv->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 128, on_connection);
    if (rc != 0) {
        fprintf(stderr, "http_server: cannot listen on 127.0.0.1: %s\n", uv_strerror(rc));
        return 1;
    }
    struct sockaddr_in bound;
    int namelen = sizeof bound;
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &namelen);
    uv_signal_init(srv->loop, &srv->sigterm);
    uv_signal_init(srv->loop, &srv->sigint);
    srv->sigterm.data = srv->sigint.data = srv;
    uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
    uv_signal_start(&srv->sigint, on_signal, SIGINT);
    uv_timer_init(srv->loop, &srv->deadline);
    srv->deadline.data = srv;
    uv_timer_start(&srv->deadline, on_deadline, (uint64_t)max_seconds * 1000, 0);
    if (uv_pipe_init(srv->loop, &srv->stdin_pipe, 0) == 0 &&
        uv_pipe_open(&srv->stdin_pipe, 0) == 0) {
        srv->stdin_pipe.data = srv;
        uv_read_start((uv_stream_t *)&srv->stdin_pipe, stdin_alloc, stdin_read);
    }
    printf("%d\n", ntohs(bound.sin_port));
    fflush(stdout);
    return 0;
}

static void close_any(uv_handle_t *h, void *arg)
{
    server *srv = arg;
    if (uv_is_closing(h))
        return;
    if (h->type == UV_TCP && h != (uv_handle_t *)&srv->listener)
        conn_close(h->data);
    else if (h->type != UV_TIMER || h == (uv_handle_t *)&srv->deadline)
        uv_close(h, NULL);
}

int main(int argc, char **argv)
{
    long max_seconds = 600;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--max-seconds") == 0 && i + 1 < argc)
            max_seconds = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: http_server [--max-seconds N]\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    server srv = {0};
    srv.loop = uv_default_loop();
    if (start(&srv, max_seconds) != 0)
        return 1;
    uv_run(srv.loop, UV_RUN_DEFAULT);
    uv_walk(srv.loop, close_any, &srv); /* a clean exit keeps LeakSanitizer quiet */
    uv_run(srv.loop, UV_RUN_DEFAULT);
    uv_loop_close(srv.loop);
    return 0;
}
