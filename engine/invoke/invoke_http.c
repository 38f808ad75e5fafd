/*
 * invoke_http.c — libcurl's multi interface driven by the libuv loop.
 *
 * Design. curl tells us which sockets it wants watched (CURLMOPT_SOCKETFUNCTION)
 * and when it next needs a timeout (CURLMOPT_TIMERFUNCTION); we keep one
 * uv_poll per socket and one uv_timer per client, and hand every readiness
 * or expiry back to curl_multi_socket_action. Nothing ever blocks and no
 * thread is started per request (DNS resolution is curl's business: the
 * Debian build uses its threaded resolver, which reports on a socket like
 * everything else). Finished transfers are collected with
 * curl_multi_info_read after each action and reported to their owners.
 *
 * What a request costs is mostly curl's own work, so the client keeps what
 * can outlive a request:
 *   - easy handles: one that finished its transfer cleanly goes back to a
 *     small pool with only the client-wide options left on it (the
 *     per-request ones are cleared, see easy_give_back), so the next request
 *     skips curl_easy_init and its buffers. A handle whose transfer failed or
 *     was cancelled is cleaned up, as is any past the pool's size.
 *   - socket watches: curl opens and closes its connection sockets through
 *     our callbacks (open_socket, close_socket), so a watch lives exactly as
 *     long as its socket. When a transfer ends, curl stops caring about the
 *     idle keep-alive socket (CURL_POLL_REMOVE) and asks for it again with
 *     the next request; the uv_poll is left running in between, because
 *     every uv_poll_start/stop is an epoll_ctl. If the idle socket wakes us
 *     (the server closed it), the watch stops polling and curl is not told:
 *     it finds the dead connection itself when it next picks one. Sockets
 *     curl did not open through us (the resolver's) are unwatched at once on
 *     REMOVE, since we would not hear of their closing.
 *   - the User-Agent and Accept-Encoding headers: curl formats them anew
 *     for every request from CURLOPT_USERAGENT and CURLOPT_ACCEPT_ENCODING;
 *     the client makes the same headers once and sends them as its own
 *     (see accept_encoding_header, default_header_list);
 *   - the proxy settings, which curl reads from the environment for every
 *     request, are read once (see proxy_settings).
 *
 * The poll and timer handles are referenced (keep the loop alive) only while
 * some request is in flight: an idle cached connection must not keep
 * `stepfn run` from ending, while an outstanding request must.
 *
 * libcurl is not linked in: the client loads it (engine/invoke/curl_loader.h) when
 * the first HTTP task of the loop runs, so runs without HTTP tasks never pay
 * for loading it and its TLS stack at start-up.
 *
 * Failure cases: when libcurl.so.4 cannot be loaded, every request completes
 * (on the next loop turn, never inside sf_http_request_start) with
 * SF_HTTP_TRANSPORT_ERROR and a message naming the library, the loader's
 * reason and the package to install. A refused connection or a DNS failure completes the request
 * with SF_HTTP_TRANSPORT_ERROR and curl's message, which names the host; a
 * server that never answers hits the connect or total timeout
 * (SF_HTTP_TIMED_OUT) unless the caller cancels first; a body larger than the
 * cap aborts the transfer from the write callback (SF_HTTP_TOO_LARGE). A
 * server that dies mid-response is a transport error. Cancelling removes the
 * easy handle at once; curl closes or caches its connection.
 */
#include "engine/invoke/invoke_http.h"
#include "engine/invoke/curl_loader.h"
#include "engine/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Idle easy handles kept for reuse: enough for the MaxConcurrency of a
 * typical Map; a burst beyond it frees its extra handles as they finish. */
#define IDLE_EASY_KEEP 64

typedef struct socket_watch {
    uv_poll_t poll;
    curl_socket_t fd;
    sf_http_client *client;
    int events;   /* UV_READABLE | UV_WRITABLE the poll was started with */
    bool wanted;  /* curl asked for the socket and has not removed it since */
    bool owned;   /* opened by open_socket: close_socket will say when it goes */
    bool closing; /* uv_close called; freed by watch_closed */
} socket_watch;

struct sf_http_client {
    uv_loop_t *loop;
    sf_curl_api curl;
    char *load_error; /* set when libcurl is missing: every request fails with it */
    CURLM *multi;
    uv_timer_t timer;
    socket_watch **watch_by_fd; /* indexed by socket; NULL where none */
    size_t watch_by_fd_len;
    CURL *idle_easy[IDLE_EASY_KEEP];
    size_t idle_easy_count;
    char *accept_encoding;              /* the Accept-Encoding header curl would make */
    bool proxy_in_environment;          /* see proxy_settings */
    char *no_proxy;                     /* NO_PROXY as the environment gave it, or "" */
    struct curl_slist *default_headers; /* see default_header_list */
    sf_http_request *requests;
    size_t in_flight;
    bool referenced;  /* the handles keep the loop alive (in_flight > 0) */
    int open_handles; /* the timer and the watches, until their close callbacks */
    bool closing;
};

struct sf_http_request {
    sf_http_client *client;
    CURL *easy;
    bool easy_reusable;             /* the transfer ended cleanly: the handle can serve another */
    bool aws_signed;                /* the handle carries signing options (easy_give_back) */
    struct curl_slist *header_list; /* NULL: the client's default_headers are used */
    char *method, *url, *body;
    char *resp_body;
    size_t resp_len, resp_cap, resp_limit;
    bool too_large;
    json_t *resp_headers;
    char *status_text;
    char errbuf[CURL_ERROR_SIZE];
    sf_http_done_cb done;
    void *data;
    sf_http_request *prev, *next;
};

/* ---- Handle references: the loop stays alive only for in-flight work ---- */

static void set_ref(uv_handle_t *h, bool ref)
{
    if (ref)
        uv_ref(h);
    else
        uv_unref(h);
}

static void update_refs(sf_http_client *c)
{
    bool busy = c->in_flight > 0;
    if (busy == c->referenced)
        return;
    c->referenced = busy;
    set_ref((uv_handle_t *)&c->timer, busy);
    for (size_t fd = 0; fd < c->watch_by_fd_len; fd++)
        if (c->watch_by_fd[fd])
            set_ref((uv_handle_t *)&c->watch_by_fd[fd]->poll, busy);
}

static void client_handle_closed(sf_http_client *c)
{
    if (--c->open_handles == 0 && c->closing)
        free(c);
}

/* ---- Socket watches ---- */

static socket_watch *watch_of(const sf_http_client *c, curl_socket_t fd)
{
    return fd >= 0 && (size_t)fd < c->watch_by_fd_len ? c->watch_by_fd[fd] : NULL;
}

static void index_watch(sf_http_client *c, curl_socket_t fd, socket_watch *w)
{
    size_t need = (size_t)fd + 1;
    if (need > c->watch_by_fd_len) {
        size_t len = need < 16 ? 16 : need * 2;
        c->watch_by_fd = sf_realloc(c->watch_by_fd, len * sizeof *c->watch_by_fd);
        memset(c->watch_by_fd + c->watch_by_fd_len, 0,
               (len - c->watch_by_fd_len) * sizeof *c->watch_by_fd);
        c->watch_by_fd_len = len;
    }
    c->watch_by_fd[fd] = w;
}

static void watch_closed(uv_handle_t *h)
{
    socket_watch *w = h->data;
    sf_http_client *c = w->client;
    free(w);
    client_handle_closed(c);
}

static void unwatch(sf_http_client *c, socket_watch *w)
{
    if (w->closing)
        return;
    w->closing = true;
    if (watch_of(c, w->fd) == w)
        c->watch_by_fd[w->fd] = NULL;
    uv_close((uv_handle_t *)&w->poll, watch_closed);
}

/* NULL when libuv cannot poll the socket (another handle of the loop
 * watches the same descriptor, say). */
static socket_watch *watch(sf_http_client *c, curl_socket_t fd, bool owned)
{
    socket_watch *w = SF_NEW(socket_watch);
    w->fd = fd;
    w->client = c;
    w->owned = owned;
    if (uv_poll_init_socket(c->loop, &w->poll, fd) != 0) {
        free(w);
        return NULL;
    }
    w->poll.data = w;
    index_watch(c, fd, w);
    c->open_handles++;
    set_ref((uv_handle_t *)&w->poll, c->referenced);
    return w;
}

/* Start polling for events unless that is what the poll already does:
 * every uv_poll_start costs an epoll_ctl, even with the same events. */
static void poll_for(socket_watch *w, int events, uv_poll_cb cb)
{
    if (events == w->events && uv_is_active((uv_handle_t *)&w->poll))
        return;
    uv_poll_start(&w->poll, events, cb);
    w->events = events;
}

/* Sockets are created close-on-exec so step programs never inherit them.
 * A watch left on a socket of the same number was on one closed behind our
 * back; it goes, so the new socket starts with a fresh registration. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    sf_http_client *c = clientp;
    (void)purpose;
    curl_socket_t fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    if (fd == CURL_SOCKET_BAD)
        return fd;
    socket_watch *stale = watch_of(c, fd);
    if (stale)
        unwatch(c, stale);
    if (!watch(c, fd, true)) { /* curl fails the connection attempt */
        close(fd);
        return CURL_SOCKET_BAD;
    }
    return fd;
}

/* The watch goes before the socket: uv_close takes the fd out of epoll. */
static int close_socket(void *clientp, curl_socket_t fd)
{
    sf_http_client *c = clientp;
    socket_watch *w = watch_of(c, fd);
    if (w)
        unwatch(c, w);
    return close(fd);
}

/* ---- Easy handles, kept for the next request ---- */

static size_t keep_body(char *data, size_t size, size_t nmemb, void *userp);
static size_t keep_header(char *line, size_t size, size_t nmemb, void *userp);

/* The options every request of the client has, set once per handle. */
static CURL *easy_new(sf_http_client *c)
{
    sf_curl_api *curl = &c->curl;
    CURL *e = curl->easy_init();
    curl->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl->easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl->easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl->easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl->easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (!c->proxy_in_environment)
        curl->easy_setopt(e, CURLOPT_PROXY, ""); /* none: curl looks no further */
    curl->easy_setopt(e, CURLOPT_NOPROXY, c->no_proxy);
    curl->easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl->easy_setopt(e, CURLOPT_OPENSOCKETDATA, c);
    curl->easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl->easy_setopt(e, CURLOPT_CLOSESOCKETDATA, c);
    curl->easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_body);
    curl->easy_setopt(e, CURLOPT_HEADERFUNCTION, keep_header);
    return e;
}

static CURL *easy_take(sf_http_client *c)
{
    return c->idle_easy_count ? c->idle_easy[--c->idle_easy_count] : easy_new(c);
}

/* Back to the pool with the per-request options that change what is sent
 * (method, body, headers) or point into the request (the error buffer)
 * cleared, so a reused handle behaves as a new one. POSTFIELDS comes before
 * HTTPGET because setting it makes the method POST. */
static void easy_give_back(sf_http_client *c, CURL *e, bool aws_signed)
{
    sf_curl_api *curl = &c->curl;
    if (c->idle_easy_count == IDLE_EASY_KEEP || c->closing) {
        curl->easy_cleanup(e);
        return;
    }
    curl->easy_setopt(e, CURLOPT_POSTFIELDS, (char *)NULL);
    curl->easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
    curl->easy_setopt(e, CURLOPT_CUSTOMREQUEST, (char *)NULL);
    curl->easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl->easy_setopt(e, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    curl->easy_setopt(e, CURLOPT_ERRORBUFFER, (char *)NULL);
    if (aws_signed) { /* clearing AWS_SIGV4 leaves the auth method set: reset it too */
        curl->easy_setopt(e, CURLOPT_AWS_SIGV4, (char *)NULL);
        curl->easy_setopt(e, CURLOPT_USERNAME, (char *)NULL);
        curl->easy_setopt(e, CURLOPT_PASSWORD, (char *)NULL);
        curl->easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    }
    c->idle_easy[c->idle_easy_count++] = e;
}

/* ---- Completion ---- */

static void unlink_request(sf_http_request *r)
{
    sf_http_client *c = r->client;
    if (r->prev)
        r->prev->next = r->next;
    else
        c->requests = r->next;
    if (r->next)
        r->next->prev = r->prev;
    c->in_flight--;
    if (r->easy)
        c->curl.multi_remove_handle(c->multi, r->easy);
    update_refs(c);
}

static void free_request(sf_http_request *r)
{
    sf_http_client *c = r->client;
    if (r->easy && r->easy_reusable)
        easy_give_back(c, r->easy, r->aws_signed);
    else if (r->easy)
        c->curl.easy_cleanup(r->easy);
    if (r->header_list)
        c->curl.slist_free_all(r->header_list);
    json_decref(r->resp_headers);
    free(r->method);
    free(r->url);
    free(r->body);
    free(r->resp_body);
    free(r->status_text);
    free(r);
}

static sf_http_outcome outcome_of(const sf_http_request *r, CURLcode code)
{
    if (r->too_large)
        return SF_HTTP_TOO_LARGE;
    if (code == CURLE_OPERATION_TIMEDOUT)
        return SF_HTTP_TIMED_OUT;
    return code == CURLE_OK ? SF_HTTP_RESPONSE : SF_HTTP_TRANSPORT_ERROR;
}

static void finish_request(sf_http_request *r, CURLcode code)
{
    sf_curl_api *curl = &r->client->curl;
    unlink_request(r);
    sf_http_response resp = {0};
    resp.outcome = outcome_of(r, code);
    r->easy_reusable = resp.outcome == SF_HTTP_RESPONSE;
    curl->easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &resp.status);
    char *content_type = NULL;
    curl->easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &content_type);
    resp.content_type = content_type;
    resp.status_text =
        r->status_text && r->status_text[0] ? r->status_text : sf_http_reason_phrase(resp.status);
    resp.headers = r->resp_headers;
    resp.body = r->resp_body ? r->resp_body : "";
    resp.body_len = r->resp_len;
    char *error = NULL;
    if (resp.outcome != SF_HTTP_RESPONSE) {
        error = sf_asprintf("%s (%s %s)", r->errbuf[0] ? r->errbuf : curl->easy_strerror(code),
                            r->method, r->url);
        resp.error = error;
    }
    r->done(r->data, &resp);
    free(error);
    free_request(r);
}

static void collect_finished(sf_http_client *c)
{
    CURLMsg *msg;
    int left;
    while ((msg = c->curl.multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        sf_http_request *r = NULL;
        CURLcode code = msg->data.result; /* msg is invalid once the handle is removed */
        c->curl.easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        finish_request(r, code);
    }
}

/* ---- Driving curl from the loop ---- */

static void socket_ready(uv_poll_t *h, int status, int events)
{
    socket_watch *w = h->data;
    sf_http_client *c = w->client;
    if (!w->wanted) { /* an idle keep-alive socket: closed by the server, most likely */
        uv_poll_stop(&w->poll);
        return;
    }
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR; /* libuv has stopped the poll: poll_for restarts it */
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    c->curl.multi_socket_action(c->multi, w->fd, flags, &running); /* may close w */
    collect_finished(c);
}

static void timer_fired(uv_timer_t *t)
{
    sf_http_client *c = t->data;
    int running;
    c->curl.multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    collect_finished(c);
}

static int curl_wants_timer(CURLM *multi, long timeout_ms, void *userp)
{
    sf_http_client *c = userp;
    (void)multi;
    if (timeout_ms < 0)
        uv_timer_stop(&c->timer);
    else
        uv_timer_start(&c->timer, timer_fired, (uint64_t)timeout_ms, 0);
    return 0;
}

static int curl_wants_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    sf_http_client *c = userp;
    socket_watch *w = socketp ? socketp : watch_of(c, fd);
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (w)
            w->wanted = false;
        if (w && !w->owned)
            unwatch(c, w);
        return 0;
    }
    if (!w)
        w = watch(c, fd, false);
    if (!w)
        return 0; /* nothing to poll with: the transfer's timeouts end it */
    if (!socketp)
        c->curl.multi_assign(c->multi, fd, w);
    w->wanted = true;
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    poll_for(w, events, socket_ready);
    return 0;
}

/* ---- Request headers ---- */

/* The Accept-Encoding header curl makes for CURLOPT_ACCEPT_ENCODING ""
 * (every encoding this libcurl decodes, in its order). Given as a header of
 * our own it is made once per client, where curl would format it anew for
 * every request; the option stays set, so curl still decodes responses. */
static char *accept_encoding_header(const sf_curl_api *curl)
{
    const curl_version_info_data *v = curl->version_info(CURLVERSION_NOW);
    bool zlib = v->features & CURL_VERSION_LIBZ, brotli = v->features & CURL_VERSION_BROTLI,
         zstd = v->features & CURL_VERSION_ZSTD;
    if (!zlib && !brotli && !zstd)
        return sf_strdup("Accept-Encoding: identity");
    return sf_asprintf("Accept-Encoding: %s%s%s%s%s", zlib ? "deflate, gzip" : "",
                       zlib && (brotli || zstd) ? ", " : "", brotli ? "br" : "",
                       brotli && zstd ? ", " : "", zstd ? "zstd" : "");
}

/* The proxy settings, read from the environment once per client. curl
 * reads http_proxy, https_proxy, all_proxy and no_proxy (and their upper
 * case forms, but HTTP_PROXY) for every request: five getenv calls and
 * their parsing, a few percent of a request to 127.0.0.1. When none of the
 * proxy variables is set, the client says "no proxy" itself, which is what
 * curl would conclude; when one is, curl keeps deciding per request, as
 * before. no_proxy is passed as read (or "" for none), so curl's matching
 * of it is unchanged. */
static void proxy_settings(sf_http_client *c)
{
    static const char *const proxies[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
                                          "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++) {
        const char *v = getenv(proxies[i]);
        if (v && *v)
            c->proxy_in_environment = true;
    }
    const char *no_proxy = getenv("no_proxy");
    if (!no_proxy || !*no_proxy)
        no_proxy = getenv("NO_PROXY");
    c->no_proxy = sf_strdup(no_proxy ? no_proxy : "");
}

/* Whether a "Name: value" line names the header; curl's own rule (name,
 * any case, then ':' or ';') for when a header of ours replaces its own. */
static bool names_header(const char *line, const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(line, name, n) == 0 && (line[n] == ':' || line[n] == ';');
}

static bool header_given(const char *const *headers, const char *name)
{
    for (size_t i = 0; headers && headers[i]; i++)
        if (names_header(headers[i], name))
            return true;
    return false;
}

/* The caller's headers, then User-Agent and Accept-Encoding unless the
 * caller gave them (as curl does with its options), then "Expect:": the whole body is in
 * memory, so waiting for 100 Continue only adds a round trip (or a second
 * of delay with servers that ignore it). */
static struct curl_slist *default_header_list(sf_http_client *c, struct curl_slist *list,
                                              const char *const *headers)
{
    sf_curl_api *curl = &c->curl;
    /* Given here rather than as CURLOPT_USERAGENT, which curl formats into
     * a header anew for every request; the same header on the wire. */
    if (!header_given(headers, "User-Agent"))
        list = curl->slist_append(list, "User-Agent: stepfn/0.1");
    if (!header_given(headers, "Accept-Encoding"))
        list = curl->slist_append(list, c->accept_encoding);
    return curl->slist_append(list, "Expect:");
}

/* ---- The client ---- */

sf_http_client *sf_http_client_new(uv_loop_t *loop)
{
    sf_http_client *c = SF_NEW(sf_http_client);
    c->loop = loop;
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->open_handles = 1;
    uv_unref((uv_handle_t *)&c->timer);
    if (!sf_curl_load(&c->curl, &c->load_error))
        return c; /* requests fail with load_error (see fail_without_curl) */
    c->curl.global_init(CURL_GLOBAL_DEFAULT); /* reference-counted by libcurl */
    c->multi = c->curl.multi_init();
    c->curl.multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, curl_wants_socket);
    c->curl.multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    c->curl.multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, curl_wants_timer);
    c->curl.multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    c->accept_encoding = accept_encoding_header(&c->curl);
    proxy_settings(c);
    c->default_headers = default_header_list(c, NULL, NULL);
    return c;
}

static void timer_closed(uv_handle_t *h)
{
    client_handle_closed(h->data);
}

void sf_http_client_close(sf_http_client *c)
{
    if (!c)
        return;
    while (c->requests)
        sf_http_request_cancel(c->requests);
    c->closing = true; /* from here on, easy handles are cleaned up, not kept */
    while (c->idle_easy_count)
        c->curl.easy_cleanup(c->idle_easy[--c->idle_easy_count]);
    if (c->multi) {
        c->curl.multi_cleanup(c->multi); /* closes the cached connections */
        c->multi = NULL;
        c->curl.slist_free_all(c->default_headers);
        c->default_headers = NULL;
        free(c->accept_encoding);
        free(c->no_proxy);
        c->accept_encoding = c->no_proxy = NULL;
        c->curl.global_cleanup();
    }
    free(c->load_error);
    c->load_error = NULL;
    for (size_t fd = 0; fd < c->watch_by_fd_len; fd++) /* sockets curl left open */
        if (c->watch_by_fd[fd])
            unwatch(c, c->watch_by_fd[fd]);
    free(c->watch_by_fd);
    c->watch_by_fd = NULL;
    c->watch_by_fd_len = 0;
    uv_close((uv_handle_t *)&c->timer, timer_closed);
}

/* ---- A request ---- */

/* Without libcurl every request ends as a transport error whose message says
 * what to install; the task state turns it into States.TaskFailed. */
static void fail_without_curl(uv_timer_t *t)
{
    sf_http_client *c = t->data;
    while (c->requests) {
        sf_http_request *r = c->requests;
        unlink_request(r);
        char *error = sf_asprintf("%s (%s %s)", c->load_error, r->method, r->url);
        sf_http_response resp = {0};
        resp.outcome = SF_HTTP_TRANSPORT_ERROR;
        resp.status_text = "";
        resp.body = "";
        resp.error = error;
        r->done(r->data, &resp);
        free(error);
        free_request(r);
    }
}

static size_t keep_body(char *data, size_t size, size_t nmemb, void *userp)
{
    sf_http_request *r = userp;
    size_t n = size * nmemb;
    if (r->resp_len + n > r->resp_limit) {
        r->too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (r->resp_len + n + 1 > r->resp_cap) {
        r->resp_cap = (r->resp_len + n + 1) * 2;
        r->resp_body = sf_realloc(r->resp_body, r->resp_cap);
    }
    memcpy(r->resp_body + r->resp_len, data, n);
    r->resp_len += n;
    r->resp_body[r->resp_len] = '\0';
    return n;
}

/* s[0..*n) without its leading and trailing white space. */
static const char *trim(const char *s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)*s))
        s++, (*n)--;
    while (*n > 0 && isspace((unsigned char)s[*n - 1]))
        (*n)--;
    return s;
}

/* A status line starts a new response (after a 100 Continue, say): its
 * reason phrase is kept and earlier headers are dropped. */
static void keep_status_line(sf_http_request *r, const char *line, size_t n)
{
    json_decref(r->resp_headers);
    r->resp_headers = json_object();
    free(r->status_text);
    r->status_text = NULL;
    const char *sp = memchr(line, ' ', n); /* "HTTP/1.1 404 Not Found" */
    const char *reason = sp ? memchr(sp + 1, ' ', n - (size_t)(sp + 1 - line)) : NULL;
    if (reason) {
        size_t len = n - (size_t)(reason + 1 - line);
        const char *text = trim(reason + 1, &len);
        r->status_text = sf_strndup(text, len);
    }
}

/* "Name: value" goes to the headers object as name (lowercased) → [values].
 * Names are short: a stack buffer spares an allocation per header. */
static size_t keep_header(char *line, size_t size, size_t nmemb, void *userp)
{
    sf_http_request *r = userp;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        keep_status_line(r, line, n);
        return n;
    }
    const char *colon = memchr(line, ':', n);
    if (!colon || !r->resp_headers)
        return n; /* the blank line that ends the headers, or garbage */
    size_t name_len = (size_t)(colon - line);
    const char *name_start = trim(line, &name_len);
    char short_name[64];
    char *name = name_len < sizeof short_name ? short_name : sf_malloc(name_len + 1);
    for (size_t i = 0; i < name_len; i++)
        name[i] = (char)tolower((unsigned char)name_start[i]);
    name[name_len] = '\0';
    size_t value_len = n - (size_t)(colon + 1 - line);
    const char *value = trim(colon + 1, &value_len);
    json_t *values = json_object_get(r->resp_headers, name);
    if (!values) {
        values = json_array();
        json_object_set_new(r->resp_headers, name, values);
    }
    json_array_append_new(values, json_stringn(value, value_len));
    if (name != short_name)
        free(name);
    return n;
}

static void set_method_and_body(sf_http_request *r, const sf_http_options *o)
{
    sf_curl_api *curl = &r->client->curl;
    CURL *e = r->easy;
    if (strcmp(o->method, "HEAD") == 0)
        curl->easy_setopt(e, CURLOPT_NOBODY, 1L);
    else if (strcmp(o->method, "GET") == 0 && !o->body)
        curl->easy_setopt(e, CURLOPT_HTTPGET, 1L);
    else if (strcmp(o->method, "POST") != 0)
        curl->easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method);
    if (o->body || strcmp(o->method, "POST") == 0) {
        r->body = sf_malloc(o->body_len + 1);
        memcpy(r->body, o->body ? o->body : "", o->body_len);
        curl->easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
        curl->easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
    }
}

/* The options that point into this request, and its timeouts (always set:
 * a pooled handle may carry another request's; 0 is curl's default). */
static void set_request_options(sf_http_request *r, const sf_http_options *o)
{
    sf_curl_api *curl = &r->client->curl;
    CURL *e = r->easy;
    curl->easy_setopt(e, CURLOPT_URL, r->url);
    curl->easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
    curl->easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl->easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl->easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl->easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                      o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 0L);
    curl->easy_setopt(e, CURLOPT_TIMEOUT_MS, o->total_timeout_ms > 0 ? o->total_timeout_ms : 0L);
}

/* A signed request's headers: the caller's, the session token, then
 * User-Agent and Accept-Encoding unless given — but no "Expect:". libcurl
 * 7.88 signs every header of the list, the empty "Expect:" that only
 * removes curl's own too, so the signature would cover a header the server
 * never sees and AWS would refuse it. Nothing is lost: curl asks for 100
 * Continue only for bodies over 1 MiB, larger than any task payload. */
static struct curl_slist *signed_header_list(sf_http_client *c, const sf_http_options *o)
{
    sf_curl_api *curl = &c->curl;
    struct curl_slist *list = NULL;
    for (size_t i = 0; o->headers && o->headers[i]; i++)
        list = curl->slist_append(list, o->headers[i]);
    if (o->aws_sigv4->session_token) {
        char *token = sf_asprintf("X-Amz-Security-Token: %s", o->aws_sigv4->session_token);
        list = curl->slist_append(list, token);
        free(token);
    }
    if (!header_given(o->headers, "User-Agent"))
        list = curl->slist_append(list, "User-Agent: stepfn/0.1");
    if (!header_given(o->headers, "Accept-Encoding"))
        list = curl->slist_append(list, c->accept_encoding);
    return list;
}

/* libcurl signs (see invoke_http.h): the provider string names the
 * region and service; the key pair goes as user name and password. */
static void set_aws_signing(sf_http_request *r, const sf_http_aws_sigv4 *sig)
{
    sf_curl_api *curl = &r->client->curl;
    char *provider = sf_asprintf("aws:amz:%s:%s", sig->region, sig->service);
    curl->easy_setopt(r->easy, CURLOPT_AWS_SIGV4, provider); /* curl copies strings */
    curl->easy_setopt(r->easy, CURLOPT_USERNAME, sig->access_key_id);
    curl->easy_setopt(r->easy, CURLOPT_PASSWORD, sig->secret_access_key);
    free(provider);
    r->aws_signed = true;
}

/* A request without headers of its own uses the client's list as it is. */
static void set_headers(sf_http_request *r, const sf_http_options *o)
{
    sf_http_client *c = r->client;
    struct curl_slist *list = c->default_headers;
    if (o->aws_sigv4) {
        r->header_list = signed_header_list(c, o);
        list = r->header_list;
    } else if (o->headers && o->headers[0]) {
        for (size_t i = 0; o->headers[i]; i++)
            r->header_list = c->curl.slist_append(r->header_list, o->headers[i]);
        r->header_list = default_header_list(c, r->header_list, o->headers);
        list = r->header_list;
    }
    c->curl.easy_setopt(r->easy, CURLOPT_HTTPHEADER, list);
}

sf_http_request *sf_http_request_start(sf_http_client *c, const sf_http_options *o,
                                       sf_http_done_cb done, void *data)
{
    sf_http_request *r = SF_NEW(sf_http_request);
    r->client = c;
    r->done = done;
    r->data = data;
    r->method = sf_strdup(o->method);
    r->url = sf_strdup(o->url);
    r->resp_limit = o->response_limit;
    r->next = c->requests;
    if (c->requests)
        c->requests->prev = r;
    c->requests = r;
    c->in_flight++;
    update_refs(c);
    if (!c->multi) { /* no libcurl: fail on the next loop turn, never inside this call */
        uv_timer_start(&c->timer, fail_without_curl, 0, 0);
        return r;
    }
    r->easy = easy_take(c);
    set_request_options(r, o);
    set_method_and_body(r, o);
    set_headers(r, o);
    if (o->aws_sigv4)
        set_aws_signing(r, o->aws_sigv4);
    c->curl.multi_add_handle(c->multi, r->easy); /* curl sets a 0 ms timer to begin */
    return r;
}

void sf_http_request_cancel(sf_http_request *r)
{
    if (!r)
        return;
    unlink_request(r);
    free_request(r);
}

const char *sf_http_reason_phrase(long status)
{
    static const struct {
        long code;
        const char *text;
    } phrases[] = {
        {100, "Continue"},
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {304, "Not Modified"},
        {307, "Temporary Redirect"},
        {308, "Permanent Redirect"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {410, "Gone"},
        {413, "Payload Too Large"},
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Entity"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
        if (phrases[i].code == status)
            return phrases[i].text;
    return "";
}
