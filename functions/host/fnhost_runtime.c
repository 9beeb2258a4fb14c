
/*
 * Copyright (C) apigw contributors
 */


/*
 * The Lambda Runtime API (2018-06-01) of one runtime process, on a loopback
 * port (and an abstract unix socket) of its own, so that whatever arrives
 * there comes from that process:
 *
 *     GET  /2018-06-01/runtime/invocation/next
 *     POST /2018-06-01/runtime/invocation/{id}/response
 *     POST /2018-06-01/runtime/invocation/{id}/error
 *     POST /2018-06-01/runtime/init/error
 *
 * "next" is a long poll: the request is parked, never timed out, until an
 * invocation comes (nothing more is read from its connection meanwhile).
 * A runtime that sends its answer and its next "next" at once gets the
 * 202 and, when one is queued, the next event in one write.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fnhost.h"


#define FNHOST_RT_PREFIX         "/2018-06-01/runtime/"


static int fnhost_runtime_api_socket(fnhost_runtime_t *rt);
static void fnhost_runtime_request(fnhost_http_req_t *r, void *arg);
static void fnhost_runtime_next(fnhost_runtime_t *rt, fnhost_http_req_t *r);
static void fnhost_runtime_next_gone(fnhost_http_req_t *r);
static void fnhost_runtime_answer(fnhost_runtime_t *rt, fnhost_http_req_t *r,
    const char *id, int error);
static void fnhost_runtime_init_error(fnhost_runtime_t *rt,
    fnhost_http_req_t *r);
static char *fnhost_error_body(fnhost_http_req_t *r, size_t *len);
static void fnhost_runtime_reply(fnhost_http_req_t *r, int status,
    const char *type, const char *message);


int
fnhost_runtime_api_init(fnhost_runtime_t *rt)
{
    int  port;

    /* its timeout bounds reading a request: a parked "next" has none */
    rt->http = fnhost_http_new(rt->fn->host->base, &rt->fn->host->log,
                               FNHOST_HTTP_METHOD(HTTP_GET)
                               | FNHOST_HTTP_METHOD(HTTP_POST),
                               FNHOST_MAX_RESPONSE, 3600,
                               fnhost_runtime_request, rt);

    if (rt->http == NULL) {
        return -1;
    }

    port = fnhost_http_bind(rt->http, "127.0.0.1", 0);

    if (port == -1) {
        return -1;
    }

    rt->port = port;

    return fnhost_runtime_api_socket(rt);
}


/*
 * The same endpoint on an abstract unix socket, for runtimes that know
 * APIGW_RUNTIME_API_SOCKET (this repository's): loopback TCP costs more a
 * call, and the name, like the port, is reachable only from this host's
 * network namespace and vanishes with the host.
 */

static int
fnhost_runtime_api_socket(fnhost_runtime_t *rt)
{
    int                  fd;
    size_t               n;
    struct sockaddr_un   sa;

    n = snprintf(rt->socket, sizeof(rt->socket), "@apigw-fnhost.%d.%u",
                 (int) rt->fn->host->pid, rt->port);

    memset(&sa, 0, sizeof(struct sockaddr_un));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path + 1, rt->socket + 1, n - 1);

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd == -1
        || bind(fd, (struct sockaddr *) &sa,
                offsetof(struct sockaddr_un, sun_path) + n) == -1
        || listen(fd, 16) == -1
        || fnhost_http_listen(rt->http, fd, 0) != 0)
    {
        if (fd != -1) {
            close(fd);
        }

        return -1;
    }

    return 0;
}


static void
fnhost_runtime_request(fnhost_http_req_t *r, void *arg)
{
    char               id[FNHOST_ID_LEN + 2];
    size_t             n;
    const char        *path, *p, *slash;
    fnhost_runtime_t  *rt;

    rt = arg;
    path = r->path;

    if (rt->state == FNHOST_RT_KILLED) {
        /* D-RT: "Container error. Non-recoverable state. Runtime should
           exit promptly" */
        fnhost_runtime_reply(r, 500, "Runtime.Killed", "the runtime is being "
                             "stopped");
        return;
    }

    if (path == NULL
        || strncmp(path, FNHOST_RT_PREFIX, sizeof(FNHOST_RT_PREFIX) - 1)
           != 0)
    {
        goto not_found;
    }

    p = path + sizeof(FNHOST_RT_PREFIX) - 1;

    if (strcmp(p, "invocation/next") == 0) {
        if (r->method != HTTP_GET) {
            goto not_found;
        }

        fnhost_runtime_next(rt, r);
        return;
    }

    if (r->method != HTTP_POST) {
        goto not_found;
    }

    if (strcmp(p, "init/error") == 0) {
        fnhost_runtime_init_error(rt, r);
        return;
    }

    if (strncmp(p, "invocation/", 11) != 0) {
        goto not_found;
    }

    p += 11;
    slash = strchr(p, '/');

    if (slash == NULL || (size_t) (slash - p) > FNHOST_ID_LEN + 1) {
        if (slash != NULL && (strcmp(slash, "/response") == 0
                              || strcmp(slash, "/error") == 0))
        {
            fnhost_runtime_reply(r, 400, "InvalidRequestID",
                                 "Invalid request ID");
            return;
        }

        goto not_found;
    }

    n = slash - p;
    memcpy(id, p, n);
    id[n] = '\0';

    if (strcmp(slash, "/response") == 0) {
        fnhost_runtime_answer(rt, r, id, 0);
        return;
    }

    if (strcmp(slash, "/error") == 0) {
        fnhost_runtime_answer(rt, r, id, 1);
        return;
    }

not_found:

    fnhost_runtime_reply(r, 404, "NotFound", "no such Runtime API endpoint");
}


static void
fnhost_runtime_next(fnhost_runtime_t *rt, fnhost_http_req_t *r)
{
    uint64_t              now;
    fnhost_function_t    *fn;
    fnhost_invocation_t  *inv;

    fn = rt->fn;

    if (rt->inv != NULL) {
        /* it asks for more without answering what it holds */
        inv = rt->inv;
        fnhost_runtime_drain(rt);
        fnhost_invocation_error_text(inv, "Runtime.Unknown",
                     "RequestId: %s Error: Runtime asked for the next "
                     "invocation without answering this one", inv->id);
    }

    if (rt->next != NULL) {
        /* a second long poll: the first one's connection is dropped */
        fnhost_http_drop(rt->next);
        rt->next = NULL;
    }

    if (!rt->started) {
        now = fnhost_now();
        rt->started = 1;
        fn->backoff = 0;
        evtimer_del(rt->timer);

        fnhost_log(&fn->host->log, FNHOST_LOG_INFO,
                   "%s: runtime %d ready, Init Duration: %llu ms",
                   fn->conf->name, (int) rt->pid,
                   (unsigned long long) (now - rt->spawned));
    }

    rt->state = FNHOST_RT_IDLE;

    fnhost_runtime_park(rt, r);
}


/* its connection closed under a parked "next": back when it asks again */

static void
fnhost_runtime_next_gone(fnhost_http_req_t *r)
{
    fnhost_runtime_t  *rt;

    rt = r->data;
    rt->next = NULL;

    if (rt->state == FNHOST_RT_IDLE) {
        rt->state = FNHOST_RT_FREE;
        evtimer_del(rt->timer);
    }
}


/* an idle runtime takes the oldest queued invocation, or waits for one */

void
fnhost_runtime_park(fnhost_runtime_t *rt, fnhost_http_req_t *r)
{
    fnhost_function_t    *fn;
    fnhost_invocation_t  *inv;

    fn = rt->fn;
    rt->next = r;
    r->gone = fnhost_runtime_next_gone;
    r->data = rt;

    inv = TAILQ_FIRST(&fn->queue);

    if (inv != NULL) {
        fnhost_invocation_start(rt, inv);
        return;
    }

    if (fn->host->stopping) {
        fnhost_runtime_kill(rt, "stopping");
        fnhost_check_stopped(fn->host);
        return;
    }

    fnhost_idle_arm(rt);
}


static void
fnhost_runtime_answer(fnhost_runtime_t *rt, fnhost_http_req_t *r,
    const char *id, int error)
{
    char                  *body;
    size_t                 len;
    fnhost_invocation_t   *inv;

    inv = rt->inv;

    if (inv == NULL || strcmp(inv->id, id) != 0) {
        fnhost_runtime_reply(r, 400, "InvalidRequestID",
                             "Invalid request ID");
        return;
    }

    fnhost_runtime_drain(rt);

    if (r->too_large) {
        fnhost_runtime_reply(r, 413, "RequestEntityTooLarge",
                             "Exceeded maximum allowed payload size "
                             "(6291556 bytes).");
        fnhost_invocation_error_text(inv, "Function.ResponseSizeTooLarge",
                     "Response payload size exceeded maximum allowed "
                     "payload size (6291556 bytes).");
        return;
    }

    if (error) {
        body = fnhost_error_body(r, &len);

        fnhost_runtime_reply(r, 202, NULL, NULL);

        if (body == NULL) {
            fnhost_invocation_error_text(inv, "Runtime.Unknown",
                         "RequestId: %s Error: out of memory", inv->id);
            return;
        }

        fnhost_invocation_error(inv, body, len);
        free(body);
        return;
    }

    fnhost_invocation_result(inv, r->body, r->len,
                             r->headers[FNHOST_HDR_CONTENT_TYPE]);
    fnhost_runtime_reply(r, 202, NULL, NULL);
}


/*
 * An init error: the invocation that waits for this cold start gets it,
 * the process is killed, and the next invocation starts a new one.
 */

static void
fnhost_runtime_init_error(fnhost_runtime_t *rt, fnhost_http_req_t *r)
{
    char                  *body;
    size_t                 len;
    fnhost_function_t     *fn;
    fnhost_invocation_t   *inv;

    fn = rt->fn;

    if (rt->started) {
        fnhost_runtime_reply(r, 403, "InvalidStateTransition",
                             "State transition from Ready to InitError "
                             "failed for runtime");
        return;
    }

    if (r->too_large) {
        fnhost_runtime_reply(r, 413, "RequestEntityTooLarge",
                             "Exceeded maximum allowed payload size "
                             "(6291556 bytes).");
        return;
    }

    fnhost_runtime_drain(rt);

    body = fnhost_error_body(r, &len);

    fnhost_runtime_reply(r, 202, NULL, NULL);

    rt->init_error = 1;

    if (body != NULL) {
        fnhost_log(&fn->host->log, FNHOST_LOG_ERR,
                   "%s: runtime %d init error: %.*s", fn->conf->name,
                   (int) rt->pid, (int) (len > 1024 ? 1024 : len), body);
    }

    inv = TAILQ_FIRST(&fn->queue);

    if (inv != NULL && body != NULL) {
        TAILQ_REMOVE(&fn->queue, inv, queue);
        inv->queued = 0;
        fn->nqueued--;

        fnhost_invocation_error(inv, body, len);
    }

    free(body);

    fnhost_runtime_kill(rt, "init error");
}


/*
 * The error as the invoker gets it: the runtime's JSON object as it is,
 * else {"errorMessage", "errorType"} from the body text and the
 * Lambda-Runtime-Function-Error-Type header
 */

static char *
fnhost_error_body(fnhost_http_req_t *r, size_t *len)
{
    char        *out;
    json_t      *obj;
    const char  *type;

    obj = r->len ? json_loadb(r->body, r->len, 0, NULL) : NULL;

    if (json_is_object(obj)) {
        json_decref(obj);

        out = malloc(r->len + 1);

        if (out != NULL) {
            memcpy(out, r->body, r->len + 1);
            *len = r->len;
        }

        return out;
    }

    json_decref(obj);

    type = r->headers[FNHOST_HDR_ERROR_TYPE];

    obj = json_pack("{s:s%,s:s}", "errorMessage", r->body, r->len,
                    "errorType", type ? type : "Runtime.Unknown");

    if (obj == NULL) {
        /* not UTF-8 */
        obj = json_pack("{s:s,s:s}", "errorMessage",
                        "the runtime's error is not UTF-8 text",
                        "errorType", type ? type : "Runtime.Unknown");
    }

    out = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);

    if (out != NULL) {
        *len = strlen(out);
    }

    return out;
}


/* 202 {"status":"OK"}, or an error {"errorMessage", "errorType"} */

static void
fnhost_runtime_reply(fnhost_http_req_t *r, int status, const char *type,
    const char *message)
{
    char                 *out;
    json_t               *obj;
    fnhost_http_field_t   h;
    static const char     ok[] = "{\"status\":\"OK\"}";

    h = (fnhost_http_field_t) { "Content-Type", "application/json" };

    if (type == NULL) {
        fnhost_http_respond(r, status, &h, 1, ok, sizeof(ok) - 1);
        return;
    }

    obj = json_pack("{s:s,s:s}", "errorMessage", message, "errorType", type);
    out = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);

    fnhost_http_respond(r, status, &h, 1, out, out ? strlen(out) : 0);

    free(out);
}
