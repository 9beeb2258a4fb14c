
/*
 * Copyright (C) apigw contributors
 */


/*
 * The Lambda Runtime API (2018-06-01) of one runtime process, on a loopback
 * port of its own, so that whatever arrives there comes from that process:
 *
 *     GET  /2018-06-01/runtime/invocation/next
 *     POST /2018-06-01/runtime/invocation/{id}/response
 *     POST /2018-06-01/runtime/invocation/{id}/error
 *     POST /2018-06-01/runtime/init/error
 *
 * "next" is a long poll: the request is parked, never timed out, until an
 * invocation comes (evhttp reads nothing more from a connection while a
 * request of it waits for its reply).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "fnhost.h"


#define FNHOST_RT_PREFIX         "/2018-06-01/runtime/"


static void fnhost_runtime_request(struct evhttp_request *req, void *arg);
static void fnhost_runtime_next(fnhost_runtime_t *rt,
    struct evhttp_request *req);
static void fnhost_runtime_answer(fnhost_runtime_t *rt,
    struct evhttp_request *req, const char *id, int error);
static void fnhost_runtime_init_error(fnhost_runtime_t *rt,
    struct evhttp_request *req);
static struct evbuffer *fnhost_error_body(struct evhttp_request *req,
    const char *id);
static void fnhost_runtime_reply(struct evhttp_request *req, int status,
    const char *reason, const char *type, const char *message);


int
fnhost_runtime_api_init(fnhost_runtime_t *rt)
{
    int                           one;
    socklen_t                     len;
    evutil_socket_t               fd;
    struct sockaddr_in            sin;
    struct evhttp_bound_socket   *bound;

    rt->http = evhttp_new(rt->fn->host->base);

    if (rt->http == NULL) {
        return -1;
    }

    evhttp_set_allowed_methods(rt->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
    evhttp_set_max_body_size(rt->http, FNHOST_MAX_RESPONSE
                                       + FNHOST_BODY_SLACK);
    evhttp_set_gencb(rt->http, fnhost_runtime_request, rt);

    /* bounds reading a request only: a parked "next" is never timed out */
    evhttp_set_timeout(rt->http, 3600);

    bound = evhttp_bind_socket_with_handle(rt->http, "127.0.0.1", 0);

    if (bound == NULL) {
        return -1;
    }

    fd = evhttp_bound_socket_get_fd(bound);

    /*
     * inherited by the connections accepted: the 202 to an answer and the
     * next event go out at once, not after the runtime's delayed ACK
     * (the C runtime sends its answer and its next "next" together)
     */
    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int));

    len = sizeof(sin);

    if (getsockname(fd, (struct sockaddr *) &sin, &len) == -1) {
        return -1;
    }

    rt->port = ntohs(sin.sin_port);

    return 0;
}


static void
fnhost_runtime_request(struct evhttp_request *req, void *arg)
{
    char               id[FNHOST_ID_LEN + 2];
    size_t             n;
    const char        *path, *p, *slash;
    fnhost_runtime_t  *rt;

    rt = arg;
    path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

    if (rt->state == FNHOST_RT_KILLED) {
        /* D-RT: "Container error. Non-recoverable state. Runtime should
           exit promptly" */
        fnhost_runtime_reply(req, 500, "Internal Server Error",
                             "Runtime.Killed", "the runtime is being "
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
        if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
            goto not_found;
        }

        fnhost_runtime_next(rt, req);
        return;
    }

    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        goto not_found;
    }

    if (strcmp(p, "init/error") == 0) {
        fnhost_runtime_init_error(rt, req);
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
            fnhost_runtime_reply(req, 400, "Bad Request", "InvalidRequestID",
                                 "Invalid request ID");
            return;
        }

        goto not_found;
    }

    n = slash - p;
    memcpy(id, p, n);
    id[n] = '\0';

    if (strcmp(slash, "/response") == 0) {
        fnhost_runtime_answer(rt, req, id, 0);
        return;
    }

    if (strcmp(slash, "/error") == 0) {
        fnhost_runtime_answer(rt, req, id, 1);
        return;
    }

not_found:

    fnhost_runtime_reply(req, 404, "Not Found", "NotFound",
                         "no such Runtime API endpoint");
}


static void
fnhost_runtime_next(fnhost_runtime_t *rt, struct evhttp_request *req)
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
        evhttp_connection_free(evhttp_request_get_connection(rt->next));
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

    fnhost_runtime_park(rt, req);
}


/* an idle runtime takes the oldest queued invocation, or waits for one */

void
fnhost_runtime_park(fnhost_runtime_t *rt, struct evhttp_request *req)
{
    fnhost_function_t    *fn;
    fnhost_invocation_t  *inv;

    fn = rt->fn;
    rt->next = req;

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
fnhost_runtime_answer(fnhost_runtime_t *rt, struct evhttp_request *req,
    const char *id, int error)
{
    size_t                 len;
    const char            *type;
    struct evbuffer       *in, *body;
    fnhost_invocation_t   *inv;

    inv = rt->inv;

    if (inv == NULL || strcmp(inv->id, id) != 0) {
        fnhost_runtime_reply(req, 400, "Bad Request", "InvalidRequestID",
                             "Invalid request ID");
        return;
    }

    in = evhttp_request_get_input_buffer(req);
    len = evbuffer_get_length(in);

    fnhost_runtime_drain(rt);

    if (len > FNHOST_MAX_RESPONSE) {
        fnhost_runtime_reply(req, 413, "Payload Too Large",
                             "RequestEntityTooLarge",
                             "Exceeded maximum allowed payload size "
                             "(6291556 bytes).");
        fnhost_invocation_error_text(inv, "Function.ResponseSizeTooLarge",
                     "Response payload size exceeded maximum allowed "
                     "payload size (6291556 bytes).");
        return;
    }

    if (error) {
        body = fnhost_error_body(req, inv->id);

        fnhost_runtime_reply(req, 202, "Accepted", NULL, NULL);

        if (body == NULL) {
            fnhost_invocation_error_text(inv, "Runtime.Unknown",
                         "RequestId: %s Error: out of memory", inv->id);
            return;
        }

        fnhost_invocation_error(inv, body);
        evbuffer_free(body);
        return;
    }

    type = evhttp_find_header(evhttp_request_get_input_headers(req),
                              "Content-Type");

    fnhost_invocation_result(inv, in, type);
    fnhost_runtime_reply(req, 202, "Accepted", NULL, NULL);
}


/*
 * An init error: the invocation that waits for this cold start gets it,
 * the process is killed, and the next invocation starts a new one.
 */

static void
fnhost_runtime_init_error(fnhost_runtime_t *rt, struct evhttp_request *req)
{
    char                  *text;
    size_t                 len;
    struct evbuffer       *body;
    fnhost_function_t     *fn;
    fnhost_invocation_t   *inv;

    fn = rt->fn;

    if (rt->started) {
        fnhost_runtime_reply(req, 403, "Forbidden", "InvalidStateTransition",
                             "State transition from Ready to InitError "
                             "failed for runtime");
        return;
    }

    fnhost_runtime_drain(rt);

    body = fnhost_error_body(req, NULL);

    fnhost_runtime_reply(req, 202, "Accepted", NULL, NULL);

    rt->init_error = 1;

    if (body != NULL) {
        len = evbuffer_get_length(body);
        text = (char *) evbuffer_pullup(body, -1);

        fnhost_log(&fn->host->log, FNHOST_LOG_ERR,
                   "%s: runtime %d init error: %.*s", fn->conf->name,
                   (int) rt->pid, (int) (len > 1024 ? 1024 : len),
                   text ? text : "");
    }

    inv = TAILQ_FIRST(&fn->queue);

    if (inv != NULL && body != NULL) {
        TAILQ_REMOVE(&fn->queue, inv, queue);
        inv->queued = 0;
        fn->nqueued--;

        fnhost_invocation_error(inv, body);
    }

    if (body != NULL) {
        evbuffer_free(body);
    }

    fnhost_runtime_kill(rt, "init error");
}


/*
 * The error as the invoker gets it: the runtime's JSON object as it is,
 * else {"errorMessage", "errorType"} from the body text and the
 * Lambda-Runtime-Function-Error-Type header
 */

static struct evbuffer *
fnhost_error_body(struct evhttp_request *req, const char *id)
{
    char             *text, *out;
    size_t            len;
    json_t           *obj;
    const char       *type;
    struct evbuffer  *in, *body;

    in = evhttp_request_get_input_buffer(req);
    len = evbuffer_get_length(in);
    text = (char *) evbuffer_pullup(in, -1);

    body = evbuffer_new();

    if (body == NULL) {
        return NULL;
    }

    obj = len ? json_loadb(text, len, 0, NULL) : NULL;

    if (json_is_object(obj)) {
        json_decref(obj);
        evbuffer_add_buffer(body, in);
        return body;
    }

    json_decref(obj);

    type = evhttp_find_header(evhttp_request_get_input_headers(req),
                              "Lambda-Runtime-Function-Error-Type");

    obj = json_pack("{s:s%,s:s}", "errorMessage", len ? text : "", len,
                    "errorType", type ? type : "Runtime.Unknown");

    if (obj == NULL) {
        /* not UTF-8 */
        obj = json_pack("{s:s,s:s}", "errorMessage",
                        "the runtime's error is not UTF-8 text",
                        "errorType", type ? type : "Runtime.Unknown");
    }

    out = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);

    if (out == NULL || evbuffer_add(body, out, strlen(out)) != 0) {
        free(out);
        evbuffer_free(body);
        return NULL;
    }

    free(out);
    (void) id;

    return body;
}


static void
fnhost_runtime_reply(struct evhttp_request *req, int status,
    const char *reason, const char *type, const char *message)
{
    char              *out;
    json_t            *obj;
    struct evbuffer   *buf;

    buf = evbuffer_new();

    if (buf == NULL) {
        evhttp_send_error(req, 500, NULL);
        return;
    }

    if (type != NULL) {
        obj = json_pack("{s:s,s:s}", "errorMessage", message,
                        "errorType", type);

    } else {
        obj = json_pack("{s:s}", "status", "OK");
    }

    out = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);

    if (out != NULL) {
        evbuffer_add(buf, out, strlen(out));
        free(out);
    }

    evhttp_add_header(evhttp_request_get_output_headers(req),
                      "Content-Type", "application/json");
    evhttp_send_reply(req, status, reason, buf);
    evbuffer_free(buf);
}
