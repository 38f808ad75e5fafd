/*
 * fuzz_serve.c — `stepfn serve` as a client reaches it: the bytes of one
 * TCP connection go through the server's HTTP layer (tools/serve/
 * http_server.c: http-parser, the buffer limits, keep-alive, pipelining)
 * into the API dispatcher and its actions (tools/serve/api*.c), which
 * create state machines and start executions in a scratch store.
 *
 * Input: the bytes a client sends on one connection, any number of
 * requests; the seeds are one request per action, and some pipelined.
 *
 * Each run is independent: a loop of its own, the server on 127.0.0.1
 * port 0, a client on the same loop that writes the input, half-closes and
 * reads the answers until the server closes. Then every execution still
 * running is aborted (as SIGTERM does), the loop drained and closed, and
 * the scratch store emptied. Task states run as the echo of
 * fuzz_common.h, and TestState is refused (it would run real Tasks), so
 * no program or HTTP request ever runs. Waits elapse at once.
 */
#include "tests/fuzz/fuzz_common.h"
#include "engine/exec.h"
#include "engine/loop_context.h"
#include "engine/xalloc.h"
#include "tools/serve/api.h"
#include "tools/serve/http_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct client {
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_write_t write;
    uv_shutdown_t shutdown;
    uv_buf_t out;
    sf_api *api;
    sf_httpd_server *server;
    bool closed;
} client;

static void on_client_closed(uv_handle_t *h)
{
    client *c = h->data;
    c->closed = true;
    sf_api_abort_all(c->api, "fuzz run over");
    sf_httpd_server_stop(c->server);
}

static void client_close(client *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_client_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = sf_malloc(suggested);
    buf->len = suggested;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    free(buf->base);
    if (n < 0)
        client_close(s->data);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)req;
    (void)status;
}

static void on_written(uv_write_t *req, int status)
{
    client *c = req->data;
    if (status < 0) {
        client_close(c);
        return;
    }
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
        client_close(c);
}

static void on_connect(uv_connect_t *req, int status)
{
    client *c = req->data;
    if (status < 0) {
        client_close(c);
        return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    c->write.data = c;
    if (uv_write(&c->write, (uv_stream_t *)&c->tcp, &c->out, 1, on_written) < 0)
        client_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = sf_fuzz_dir();
    if (!dir || size == 0)
        return 0;
    char *store = sf_asprintf("%s/store", dir);
    uv_loop_t loop = {0}; /* loop.data must start NULL: the loop context reads it */
    uv_loop_init(&loop);
    sf_time_scale instant = {0.0, 0.0};
    sf_api_config cfg = {.store = store,
                         .fsync = SF_FSYNC_NEVER,
                         .time_scale = &instant,
                         .types = sf_fuzz_state_types(),
                         .no_test_state = true};
    sf_api *api = sf_api_new(&loop, &cfg);
    sf_httpd_limits limits = {
        .max_body = 64 * 1024, .max_connections = 4, .idle_ms = 2000, .request_ms = 2000};
    char *err = NULL;
    sf_httpd_server *server =
        sf_httpd_server_start(&loop, "127.0.0.1", 0, &limits, sf_api_http_handler, api, &err);
    if (!server) {
        fprintf(stderr, "fuzz_serve: %s\n", err);
        abort(); /* a setup error, not a finding */
    }
    client c = {.api = api, .server = server};
    c.out = uv_buf_init((char *)data, (unsigned)size);
    uv_tcp_init(&loop, &c.tcp);
    c.tcp.data = c.connect.data = &c;
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", sf_httpd_server_port(server), &addr);
    uv_tcp_connect(&c.connect, &c.tcp, (const struct sockaddr *)&addr, on_connect);
    uv_run(&loop, UV_RUN_DEFAULT);
    sf_loop_context_close(&loop);
    uv_run(&loop, UV_RUN_DEFAULT);
    sf_api_free(api);
    uv_loop_close(&loop);
    free(store);
    sf_fuzz_dir_clear();
    return 0;
}
