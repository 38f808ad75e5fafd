/*
 * cmd_serve.c — `stepfn serve`: the AWS Step Functions API over HTTP/1.1
 * on one libuv loop, executions running on the same loop.
 *
 * SIGINT and SIGTERM stop the server: it stops accepting, answers the
 * requests it is reading, and aborts the executions still running (each
 * ends ABORTED with its history closed, so `stepfn redrive NAME` can take it
 * up again), then exits 0 once the loop has drained.
 */
#include "engine/invoke/resources.h"
#include "engine/loop_context.h"
#include "engine/mock/mock_config.h"
#include "engine/store/store.h"
#include "engine/xalloc.h"
#include "tools/cli.h"
#include "tools/serve/api.h"
#include "tools/serve/http_server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char serve_help[] =
    "usage: stepfn serve [--listen HOST:PORT] [--store DIR] [--resources MAP.json]\n"
    "                    [--fsync never|end|always] [--mock-config FILE] [--wait-scale F]\n"
    "                    [--idle-timeout S] [--request-timeout S]\n"
    "\n"
    "Serves the AWS Step Functions API (JSON 1.0 protocol, as the AWS CLI and SDKs\n"
    "speak it) over HTTP/1.1. State machines and executions live in the store, so\n"
    "`stepfn list`, `describe` and `history` see what the server runs.\n"
    "\n"
    "  --listen HOST:PORT  where to listen (default 127.0.0.1:8083; port 0: any free\n"
    "                      port, printed on stderr); give another address than\n"
    "                      loopback only on a network you trust: there is no auth\n"
    "  --store DIR         store folder (default $STEPFN_STORE, else ./.stepfn)\n"
    "  --resources MAP     what Lambda functions mean here (see `stepfn run --help`)\n"
    "  --fsync POLICY      when history reaches the disk: never, end (default), always\n"
    "  --mock-config FILE  Step Functions Local's MockConfigFile: StartExecution with a\n"
    "                      stateMachineArn ending in #CASE runs that test case\n"
    "  --wait-scale F      multiply every Wait and Retry interval by F (0: none)\n"
    "  --idle-timeout S    close a kept-alive connection idle for S seconds (default 60)\n"
    "  --request-timeout S answer 408 and close when a request takes longer than S\n"
    "                      seconds to arrive, as a client trickling bytes does (default 30)\n"
    "\n"
    "Example:\n"
    "  stepfn serve --store /tmp/sfn\n"
    "  aws stepfunctions list-state-machines --endpoint-url http://127.0.0.1:8083\n"
    "\n"
    "SIGINT or SIGTERM: stop accepting, abort the running executions (redrive can\n"
    "continue them), exit 0.\n";

typedef struct serve_options {
    const char *listen;
    const char *store;
    const char *resources;
    const char *mock_config;
    sf_fsync_policy fsync;
    double idle_s, request_s;
    bool scaled;
    sf_time_scale time_scale;
} serve_options;

typedef struct server {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    sf_httpd_server *http;
    sf_api *api;
} server;

/* A timeout in seconds: more than 0, at most a day. */
static bool parse_seconds(const char *option, const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (!*text || *end || !(v > 0) || v > 86400) {
        sf_cli_usage_error("serve", "%s must be a number of seconds above 0, not '%s'", option,
                           text);
        return false;
    }
    *out = v;
    return true;
}

static int parse_serve_args(int argc, char **argv, serve_options *o)
{
    sf_args a;
    sf_args_init(&a, argc, argv);
    o->listen = "127.0.0.1:8083";
    o->fsync = SF_FSYNC_END;
    o->time_scale = (sf_time_scale){1.0, 1.0};
    o->idle_s = 60;
    o->request_s = 30;
    for (; a.i < argc; a.i++) {
        if (sf_args_end_of_options(&a)) {
            continue;
        } else if (sf_args_is_help(&a)) {
            fputs(serve_help, stdout);
            return -1;
        } else if (sf_args_option(&a, "--listen")) {
            o->listen = a.value;
        } else if (sf_args_option(&a, "--store")) {
            o->store = a.value;
        } else if (sf_args_option(&a, "--resources")) {
            o->resources = a.value;
        } else if (sf_args_option(&a, "--mock-config")) {
            o->mock_config = a.value;
        } else if (sf_args_option(&a, "--idle-timeout")) {
            if (!a.failed && !parse_seconds("--idle-timeout", a.value, &o->idle_s))
                return SF_EXIT_USAGE;
        } else if (sf_args_option(&a, "--request-timeout")) {
            if (!a.failed && !parse_seconds("--request-timeout", a.value, &o->request_s))
                return SF_EXIT_USAGE;
        } else if (sf_args_option(&a, "--wait-scale")) {
            if (!a.failed &&
                !sf_cli_parse_scale("serve", "--wait-scale", a.value, &o->time_scale.wait))
                return SF_EXIT_USAGE;
            o->scaled = true;
        } else if (sf_args_option(&a, "--fsync")) {
            if (!a.failed && !sf_fsync_policy_parse(a.value, &o->fsync))
                return sf_cli_usage_error("serve", "--fsync must be never, end or always");
        } else if (sf_args_unknown_option(&a)) {
            return sf_cli_usage_error("serve", "unknown option '%s'", argv[a.i]);
        } else {
            return sf_cli_usage_error("serve", "unexpected argument '%s'", argv[a.i]);
        }
        if (a.failed)
            return SF_EXIT_USAGE;
    }
    return SF_EXIT_OK;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT"; host malloc'd. */
static bool split_listen(const char *text, char **host, int *port)
{
    const char *colon = strrchr(text, ':');
    if (!colon)
        return false;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || p < 0 || p > 65535)
        return false;
    const char *h = text;
    size_t n = (size_t)(colon - text);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    *host = n ? sf_strndup(h, n) : sf_strdup("127.0.0.1");
    *port = (int)p;
    return true;
}

static void on_signal(uv_signal_t *sig, int signum)
{
    server *s = sig->data;
    fprintf(stderr, "stepfn serve: %s received; stopping\n",
            signum == SIGINT ? "SIGINT" : "SIGTERM");
    uv_signal_stop(&s->sigint);
    uv_signal_stop(&s->sigterm);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    if (s->http) {
        sf_httpd_server_stop(s->http);
        s->http = NULL;
    }
    sf_api_abort_all(s->api, signum == SIGINT ? "Server interrupted (SIGINT)"
                                              : "Server terminated (SIGTERM)");
}

static int serve(const serve_options *o, const char *host, int port, sf_api_config *cfg)
{
    server s = {0};
    uv_loop_init(&s.loop);
    s.api = sf_api_new(&s.loop, cfg);
    sf_httpd_limits limits = {.max_body = 2 * 1024 * 1024, /* a 1 MiB definition, escaped */
                              .max_connections = 256,
                              .idle_ms = (uint64_t)(o->idle_s * 1000),
                              .request_ms = (uint64_t)(o->request_s * 1000)};
    char *err = NULL;
    s.http = sf_httpd_server_start(&s.loop, host, port, &limits, sf_api_http_handler, s.api, &err);
    if (!s.http) {
        fprintf(stderr, "stepfn serve: %s\n", err);
        free(err);
        sf_api_free(s.api);
        uv_run(&s.loop, UV_RUN_DEFAULT);
        uv_loop_close(&s.loop);
        return SF_EXIT_USAGE;
    }
    uv_signal_init(&s.loop, &s.sigint);
    uv_signal_init(&s.loop, &s.sigterm);
    s.sigint.data = s.sigterm.data = &s;
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    fprintf(stderr, "stepfn serve: listening on http://%s%s%s:%d (store %s)\n",
            strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
            sf_httpd_server_port(s.http), cfg->store);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    sf_loop_context_close(&s.loop);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    sf_api_free(s.api);
    uv_loop_close(&s.loop);
    return SF_EXIT_OK;
}

int sf_cmd_serve(int argc, char **argv)
{
    serve_options o = {0};
    int st = parse_serve_args(argc, argv, &o);
    if (st != SF_EXIT_OK)
        return st < 0 ? SF_EXIT_OK : st;
    char *host = NULL;
    int port = 0;
    if (!split_listen(o.listen, &host, &port))
        return sf_cli_usage_error("serve", "--listen must be HOST:PORT, not '%s'", o.listen);
    signal(SIGPIPE, SIG_IGN); /* a peer gone mid-answer is a write error, not a death */
    char *err = NULL;
    sf_resources *resources = NULL;
    sf_mock_config *mocks = NULL;
    if (o.resources && !(resources = sf_resources_load(o.resources, &err))) {
        fprintf(stderr, "stepfn serve: %s\n", err);
        free(err);
        free(host);
        return SF_EXIT_USAGE;
    }
    if (o.mock_config && !(mocks = sf_mock_config_load(o.mock_config, &err))) {
        fprintf(stderr, "stepfn serve: %s\n", err);
        free(err);
        sf_resources_free(resources);
        free(host);
        return SF_EXIT_USAGE;
    }
    char *store = sf_store_resolve(o.store);
    sf_api_config cfg = {.store = store,
                         .resources = resources,
                         .resources_path = o.resources,
                         .mocks = mocks,
                         .mock_path = o.mock_config,
                         .fsync = o.fsync,
                         .time_scale = o.scaled ? &o.time_scale : NULL};
    st = serve(&o, host, port, &cfg);
    sf_mock_config_free(mocks);
    sf_resources_free(resources);
    free(store);
    free(host);
    return st;
}
