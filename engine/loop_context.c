/*
 * loop_context.c — the engine's per-loop state (see loop_context.h).
 *
 * Created lazily so that a run with no HTTP task never loads libcurl (it is
 * dlopened by the HTTP client, see curl_loader.h).
 * Closing is explicit because the HTTP client owns libuv handles: a loop
 * closed without sf_loop_context_close reports UV_EBUSY and leaks them.
 */
#include "engine/loop_context.h"
#include "engine/xalloc.h"

#include <stdlib.h>
#include <unistd.h>

extern char **environ;

sf_loop_context *sf_loop_context_get(uv_loop_t *loop)
{
    if (!loop->data) {
        sf_loop_context *ctx = SF_NEW(sf_loop_context);
        ctx->loop = loop;
        loop->data = ctx;
    }
    return loop->data;
}

sf_http_client *sf_loop_http_client(uv_loop_t *loop)
{
    sf_loop_context *ctx = sf_loop_context_get(loop);
    if (!ctx->http)
        ctx->http = sf_http_client_new(loop);
    return ctx->http;
}

const sf_aws_config *sf_loop_aws_config(uv_loop_t *loop, const char **why)
{
    sf_loop_context *ctx = sf_loop_context_get(loop);
    if (!ctx->aws_loaded) {
        ctx->aws_loaded = true;
        sf_aws_config_load(&ctx->aws, (const char *const *)environ, &ctx->aws_error);
    }
    *why = ctx->aws_error;
    return ctx->aws_error ? NULL : &ctx->aws;
}

void sf_loop_context_close(uv_loop_t *loop)
{
    sf_loop_context *ctx = loop->data;
    if (!ctx)
        return;
    sf_http_client_close(ctx->http);
    sf_aws_config_clear(&ctx->aws);
    free(ctx->aws_error);
    free(ctx);
    loop->data = NULL;
}
