/*
 * visit-api — product-visit, step 1: the API the visit form posts to.
 *
 * As a step, it starts the API as a small HTTP service on 127.0.0.1 and
 * returns at once; the service runs on beside the execution until the
 * pipeline stops it (POST /shutdown), or until it has been idle for
 * VISIT_API_IDLE_SECONDS (default 60), so a failed run leaves nothing
 * behind for long.
 *   event   {} (ignored)
 *   result  {"endpoint": "http://127.0.0.1:PORT", "pid": PID}
 *   writes  STATE_DIR/visit-api.log, one line per request (when STATE_DIR
 *           is set)
 * Routes:
 *   POST /visits    a visit {"visitor": "ada", "page": "/products/x",
 *                   "at": "2024-05-02T10:00:00Z"}: 201 and the visit with
 *                   its "visitId" ("visit-20240502T100000Z-ada": the same
 *                   visit posted twice is the same visit); 400 and a
 *                   Lambda-style {"errorType": "ValidationError", ...} when
 *                   a field is missing or malformed
 *   POST /shutdown  200 {"stopped": true, "visits": N}, then the service ends
 *   GET /health     200 {"ok": true}
 * One request per connection (Connection: close), one at a time.
 *
 * The service leaves the step's process group (setsid) and closes the
 * step's stdout, stderr and heartbeat pipe before the step returns, since
 * stepfn ends the whole group of a step program when the program exits.
 */
#include "lab.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_MAX (64 * 1024)

typedef struct request {
    char method[16];
    char path[256];
    char *body;
    size_t body_len;
} request;

/* ---- Visits ---- */

static bool all_of(const char *s, const char *allowed)
{
    return *s && strspn(s, allowed) == strlen(s);
}

static bool is_timestamp(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return false;
    return true;
}

/* The accepted visit, or NULL with *why set. */
static json_t *accept_visit(const char *body, size_t len, const char **why)
{
    json_t *visit = json_loadb(body, len, 0, NULL);
    const char *visitor = json_string_value(json_object_get(visit, "visitor"));
    const char *page = json_string_value(json_object_get(visit, "page"));
    const char *at = json_string_value(json_object_get(visit, "at"));
    *why = !json_is_object(visit) ? "the body must be a JSON object"
           : !visitor || !all_of(visitor, "abcdefghijklmnopqrstuvwxyz0123456789-")
               ? "\"visitor\" must be lower-case letters, digits and '-'"
           : !page || page[0] != '/'  ? "\"page\" must be a path starting with '/'"
           : !at || !is_timestamp(at) ? "\"at\" must be a UTC time like 2024-05-02T10:00:00Z"
                                      : NULL;
    if (*why) {
        json_decref(visit);
        return NULL;
    }
    char id[128], *o = id + snprintf(id, sizeof id, "visit-");
    for (const char *p = at; *p; p++)
        if (*p != '-' && *p != ':')
            *o++ = *p;
    snprintf(o, sizeof id - (size_t)(o - id), "-%s", visitor);
    json_t *accepted = json_pack("{s:s}", "visitId", id);
    json_object_update(accepted, visit);
    json_decref(visit);
    return accepted;
}

/* ---- HTTP ---- */

static void send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void respond(int fd, int status, const char *reason, json_t *body)
{
    char *text = lab_dumps(body, JSON_COMPACT);
    json_decref(body);
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, reason, strlen(text));
    send_all(fd, head, (size_t)n);
    send_all(fd, text, strlen(text));
    free(text);
}

/* The value of header `name` in a request head (which ends at `end`), or
 * NULL. */
static const char *header(const char *head, const char *end, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line < end;
         line = strstr(line + 2, "\r\n"))
        if (strncasecmp(line + 2, name, n) == 0 && line[2 + n] == ':')
            return line + 3 + n + strspn(line + 3 + n, " \t");
    return NULL;
}

/* Read one request: the head, then Content-Length bytes of body. */
static bool read_request(int fd, request *r, char *buf)
{
    size_t len = 0;
    char *end = NULL;
    while (!end || (size_t)(len - (size_t)(end + 4 - buf)) < r->body_len) {
        ssize_t got = read(fd, buf + len, REQUEST_MAX - 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        len += (size_t)got;
        buf[len] = '\0';
        if (!end && (end = strstr(buf, "\r\n\r\n"))) {
            const char *length = header(buf, end, "Content-Length");
            const char *expect = header(buf, end, "Expect");
            r->body_len = length ? strtoul(length, NULL, 10) : 0;
            if (expect && strncasecmp(expect, "100-continue", 12) == 0)
                send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25); /* curl waits for it */
            if (r->body_len > REQUEST_MAX / 2)
                return false;
        }
        if (len >= REQUEST_MAX - 1)
            return false;
    }
    if (sscanf(buf, "%15s %255s", r->method, r->path) != 2)
        return false;
    r->body = end + 4;
    return true;
}

/* Serve one connection; false when the service should stop. */
static bool serve_one(int fd, int *visits, FILE *log)
{
    char *buf = malloc(REQUEST_MAX);
    request r = {0};
    bool go_on = true;
    if (!read_request(fd, &r, buf)) {
        respond(fd, 400, "Bad Request", json_pack("{s:s}", "error", "unreadable request"));
    } else if (strcmp(r.path, "/visits") == 0 && strcmp(r.method, "POST") == 0) {
        const char *why;
        json_t *visit = accept_visit(r.body, r.body_len, &why);
        if (visit) {
            ++*visits;
            respond(fd, 201, "Created", visit);
        } else {
            respond(fd, 400, "Bad Request",
                    json_pack("{s:s, s:s}", "errorType", "ValidationError", "errorMessage", why));
        }
    } else if (strcmp(r.path, "/shutdown") == 0 && strcmp(r.method, "POST") == 0) {
        respond(fd, 200, "OK", json_pack("{s:b, s:i}", "stopped", 1, "visits", *visits));
        go_on = false;
    } else if (strcmp(r.path, "/health") == 0) {
        respond(fd, 200, "OK", json_pack("{s:b}", "ok", 1));
    } else {
        respond(fd, 404, "Not Found", json_pack("{s:s}", "error", "no such route"));
    }
    if (log) {
        fprintf(log, "%s %s\n", r.method[0] ? r.method : "-", r.path[0] ? r.path : "-");
        fflush(log);
    }
    free(buf);
    return go_on;
}

static void serve(int listener, int idle_ms, FILE *log)
{
    int visits = 0;
    for (;;) {
        struct pollfd p = {.fd = listener, .events = POLLIN};
        int ready = poll(&p, 1, idle_ms);
        if (ready == 0)
            return; /* idle too long: nobody is going to stop us */
        if (ready < 0 && errno == EINTR)
            continue;
        int fd = ready > 0 ? accept(listener, NULL, NULL) : -1;
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (fd < 0)
            return; /* the listener is broken: stop rather than spin */
        bool go_on = serve_one(fd, &visits, log);
        shutdown(fd, SHUT_WR);
        close(fd);
        if (!go_on)
            return;
    }
}

/* ---- Starting ---- */

static int listen_on_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
        lab_fail("Lab.Io", "cannot listen on 127.0.0.1: %s", strerror(errno));
    *port = ntohs(a.sin_port);
    return fd;
}

/* In the child: leave the step's group and let go of every file it
 * inherited (stdin, stdout, stderr, the heartbeat pipe, anything else)
 * but the listener and the pipe that tells the parent we are ready. */
static FILE *detach(int listener, int ready)
{
    setsid();
    signal(SIGPIPE, SIG_IGN);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd <= 2; fd++)
        dup2(null, fd);
    for (int fd = 3; fd < 1024; fd++)
        if (fd != listener && fd != ready)
            close(fd);
    const char *state = getenv("STATE_DIR");
    if (!state || !*state)
        return NULL;
    lab_mkdirs(state);
    char *path = lab_join(state, "visit-api.log");
    FILE *log = fopen(path, "a");
    free(path);
    return log;
}

int main(void)
{
    json_decref(lab_read_event());
    const char *idle = getenv("VISIT_API_IDLE_SECONDS");
    int idle_ms = (idle && atoi(idle) > 0 ? atoi(idle) : 60) * 1000;
    int port;
    int listener = listen_on_loopback(&port);
    int ready[2];
    if (pipe(ready) != 0)
        lab_fail("Lab.Io", "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        lab_fail("Lab.Io", "fork: %s", strerror(errno));
    if (pid == 0) {
        close(ready[0]);
        FILE *log = detach(listener, ready[1]);
        close(ready[1]); /* tells the parent it is safe to return */
        serve(listener, idle_ms, log);
        if (log)
            fclose(log);
        close(listener);
        return 0;
    }
    close(ready[1]);
    char c;
    while (read(ready[0], &c, 1) < 0 && errno == EINTR)
        ;
    close(ready[0]);
    close(listener);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", port);
    lab_reply(json_pack("{s:s, s:i}", "endpoint", endpoint, "pid", (int)pid));
    return 0;
}
