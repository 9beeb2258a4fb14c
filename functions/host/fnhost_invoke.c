
/*
 * Copyright (C) apigw contributors
 */


/*
 * The Lambda Invoke API, as the gateway calls it (RequestResponse):
 *
 *     POST /2015-03-31/functions/NAME/invocations[?Qualifier=$LATEST]
 *
 * the event as the body; "X-Apigw-Timeout-Ms: N", the gateway's remaining
 * budget, caps the invocation's deadline.  An invocation waits in its
 * function's queue for an idle runtime (or one the host starts for it), at
 * most queue_timeout ms and within that budget, then gets Lambda's 429.
 * Once a runtime took it, it is never sent again.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "fnhost.h"


#define FNHOST_INVOKE_PREFIX     "/2015-03-31/functions/"
#define FNHOST_CLIENT_CONTEXT    3583
#define FNHOST_RANDOM_POOL       4096
#define FNHOST_THROTTLED                                                      \
    "ReservedFunctionConcurrentInvocationLimitExceeded"


static void fnhost_invoke_request(struct evhttp_request *req, void *arg);
static void fnhost_invoke_refuse(struct evhttp_request *req, int status,
    const char *type, const char *key, const char *message,
    const char *reason);
static int fnhost_invoke_headers(fnhost_invocation_t *inv,
    struct evkeyvalq *in);
static void fnhost_queue_timer(evutil_socket_t fd, short what, void *arg);
static void fnhost_deadline_timer(evutil_socket_t fd, short what, void *arg);
static void fnhost_invocation_send(fnhost_invocation_t *inv, int status,
    const char *reason, const char *content_type, const char *fn_error,
    struct evbuffer *body);
static void fnhost_invocation_free(fnhost_invocation_t *inv);
static char *fnhost_base64_decode(const char *in, size_t *len);
static int fnhost_listen_unix(fnhost_t *host, const char *path);


int
fnhost_invoke_init(fnhost_t *host)
{
    char                          hostname[256];
    unsigned                      i, port;
    const char                   *path;
    struct evhttp_bound_socket   *bound;

    host->invoke = evhttp_new(host->base);

    if (host->invoke == NULL) {
        return -1;
    }

    evhttp_set_allowed_methods(host->invoke, EVHTTP_REQ_GET | EVHTTP_REQ_POST
                                             | EVHTTP_REQ_PUT
                                             | EVHTTP_REQ_DELETE
                                             | EVHTTP_REQ_HEAD);
    evhttp_set_max_body_size(host->invoke, FNHOST_MAX_REQUEST
                                           + FNHOST_BODY_SLACK);
    evhttp_set_gencb(host->invoke, fnhost_invoke_request, host);
    evhttp_set_timeout(host->invoke, 60);

    /* a body over the limit is read to its end before libevent's 413 */
    evhttp_set_flags(host->invoke, EVHTTP_SERVER_LINGERING_CLOSE);

    host->unix_paths = calloc(host->conf->nlisten, sizeof(char *));
    host->bound = calloc(host->conf->nlisten, sizeof(void *));

    if (host->unix_paths == NULL || host->bound == NULL) {
        return -1;
    }

    for (i = 0; i < host->conf->nlisten; i++) {
        if (fnhost_conf_listen_parse(host->conf->listen[i], hostname,
                                     sizeof(hostname), &port, &path)
            == 1)
        {
            if (fnhost_listen_unix(host, path) != 0) {
                fnhost_log(&host->log, FNHOST_LOG_EMERG,
                           "cannot listen on \"%s\": %s",
                           host->conf->listen[i], strerror(errno));
                return -1;
            }

        } else {
            bound = evhttp_bind_socket_with_handle(host->invoke, hostname,
                                                   port);

            if (bound == NULL) {
                fnhost_log(&host->log, FNHOST_LOG_EMERG,
                           "cannot listen on \"%s\": %s",
                           host->conf->listen[i], strerror(errno));
                return -1;
            }

            host->bound[host->nbound++] = bound;
        }

        fnhost_log(&host->log, FNHOST_LOG_NOTICE, "listening on %s",
                   host->conf->listen[i]);
    }

    return 0;
}


static int
fnhost_listen_unix(fnhost_t *host, const char *path)
{
    int                           fd;
    struct stat                   st;
    struct sockaddr_un            sun;
    struct evhttp_bound_socket   *bound;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }

    /* a socket left by a host that was killed */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        (void) unlink(path);
    }

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd == -1) {
        return -1;
    }

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path));

    if (bind(fd, (struct sockaddr *) &sun, sizeof(sun)) == -1
        || chmod(path, host->conf->socket_mode) == -1
        || listen(fd, 511) == -1)
    {
        close(fd);
        return -1;
    }

    host->unix_paths[host->nunix] = strdup(path);

    if (host->unix_paths[host->nunix] == NULL) {
        close(fd);
        return -1;
    }

    host->nunix++;

    bound = evhttp_accept_socket_with_handle(host->invoke, fd);

    if (bound == NULL) {
        close(fd);
        return -1;
    }

    host->bound[host->nbound++] = bound;

    return 0;
}


/* SIGTERM: no new connections; the unix sockets go at once */

void
fnhost_invoke_close(fnhost_t *host)
{
    unsigned  i;

    for (i = 0; i < host->nbound; i++) {
        evhttp_del_accept_socket(host->invoke, host->bound[i]);
    }

    host->nbound = 0;

    for (i = 0; i < host->nunix; i++) {
        (void) unlink(host->unix_paths[i]);
    }
}


static void
fnhost_invoke_request(struct evhttp_request *req, void *arg)
{
    char                             name[128], qbuf[128], *decoded;
    size_t                           n, len;
    fnhost_t                        *host;
    unsigned                         i;
    uint64_t                         now, wait;
    const char                      *path, *p, *end, *qualifier, *type;
    struct timeval                   tv;
    struct evkeyvalq                *in, query;
    fnhost_function_t               *fn;
    fnhost_invocation_t             *inv;
    const struct evhttp_uri         *uri;

    host = arg;
    uri = evhttp_request_get_evhttp_uri(req);
    path = evhttp_uri_get_path(uri);
    in = evhttp_request_get_input_headers(req);

    if (path == NULL
        || strncmp(path, FNHOST_INVOKE_PREFIX,
                   sizeof(FNHOST_INVOKE_PREFIX) - 1) != 0)
    {
        goto unknown;
    }

    p = path + sizeof(FNHOST_INVOKE_PREFIX) - 1;
    end = strchr(p, '/');

    if (end == NULL || strcmp(end, "/invocations") != 0 || end == p
        || evhttp_request_get_command(req) != EVHTTP_REQ_POST)
    {
        goto unknown;
    }

    n = end - p;
    memcpy(name, p, n < sizeof(name) ? n : 0);
    name[n < sizeof(name) ? n : 0] = '\0';
    decoded = evhttp_uridecode(name, 0, NULL);

    if (decoded == NULL) {
        fnhost_invoke_refuse(req, 500, "ServiceException", "Message",
                             "out of memory", NULL);
        return;
    }

    if (fnhost_function_name(decoded, name, sizeof(name), &qualifier) != 0) {
        name[0] = '\0';
    }

    if (qualifier != NULL) {
        snprintf(qbuf, sizeof(qbuf), "%s", qualifier);
        qualifier = qbuf;
    }

    fn = NULL;

    for (i = 0; i < host->nfunctions; i++) {
        if (strcmp(host->functions[i].conf->name, name) == 0) {
            fn = &host->functions[i];
            break;
        }
    }

    free(decoded);

    /* the qualifier: in the name, or ?Qualifier=; only $LATEST is here */

    TAILQ_INIT(&query);

    if (evhttp_uri_get_query(uri) != NULL
        && evhttp_parse_query_str(evhttp_uri_get_query(uri), &query) == 0)
    {
        p = evhttp_find_header(&query, "Qualifier");

        if (p != NULL && (qualifier == NULL || strcmp(p, qualifier) == 0)) {
            /* kept: the query's strings go with it */
            snprintf(qbuf, sizeof(qbuf), "%s", p);
            qualifier = qbuf;

        } else if (p != NULL) {
            fn = NULL;
        }
    }

    if (fn == NULL || (qualifier != NULL && strcmp(qualifier, "$LATEST"))) {
        evhttp_clear_headers(&query);
        goto not_found;
    }

    evhttp_clear_headers(&query);

    if (evbuffer_get_length(evhttp_request_get_input_buffer(req))
        > FNHOST_MAX_REQUEST)
    {
        fnhost_invoke_refuse(req, 413, "RequestEntityTooLargeException",
                             "message", "Request must be smaller than "
                             "6291456 bytes for the InvokeFunction "
                             "operation", NULL);
        return;
    }

    type = evhttp_find_header(in, "X-Amz-Invocation-Type");

    if (type != NULL && strcmp(type, "DryRun") == 0) {
        evhttp_send_reply(req, 204, "No Content", NULL);
        return;
    }

    if (type != NULL && strcmp(type, "RequestResponse") != 0) {
        fnhost_invoke_refuse(req, 400, "InvalidParameterValueException",
                             "message", "this function host serves "
                             "RequestResponse and DryRun invocations only",
                             NULL);
        return;
    }

    if (host->stopping) {
        fnhost_invoke_refuse(req, 503, "ServiceException", "Message",
                             "the function host is stopping", NULL);
        return;
    }

    if (fn->nqueued >= fn->conf->max_queue) {
        goto throttled;
    }

    inv = calloc(1, sizeof(fnhost_invocation_t));

    if (inv == NULL) {
        fnhost_invoke_refuse(req, 500, "ServiceException", "Message",
                             "out of memory", NULL);
        return;
    }

    now = fnhost_now();

    inv->fn = fn;
    inv->req = req;
    inv->arrival = now;
    fnhost_request_id(inv->id);

    if (fnhost_invoke_headers(inv, in) != 0) {
        fnhost_invocation_free(inv);
        return;
    }

    inv->timer = evtimer_new(host->base, fnhost_queue_timer, inv);

    if (inv->timer == NULL) {
        fnhost_invocation_free(inv);
        fnhost_invoke_refuse(req, 500, "ServiceException", "Message",
                             "out of memory", NULL);
        return;
    }

    host->inflight++;

    TAILQ_INSERT_TAIL(&fn->queue, inv, queue);
    inv->queued = 1;
    fn->nqueued++;

    wait = fn->conf->queue_timeout;

    if (inv->limit && inv->limit - now < wait) {
        wait = inv->limit - now;
    }

    tv.tv_sec = wait / 1000;
    tv.tv_usec = (wait % 1000) * 1000;
    evtimer_add(inv->timer, &tv);

    fnhost_dispatch(fn);

    return;

throttled:

    fnhost_invoke_refuse(req, 429, "TooManyRequestsException", "message",
                         "Rate Exceeded.", FNHOST_THROTTLED);
    return;

not_found:

    len = strlen(name);

    {
        char  msg[512];

        snprintf(msg, sizeof(msg), "Function not found: arn:aws:lambda:%s:%s:"
                 "function:%.*s%s%s", host->conf->region, host->conf->account,
                 (int) (len > 140 ? 140 : len), name,
                 qualifier ? ":" : "", qualifier ? qualifier : "");

        fnhost_invoke_refuse(req, 404, "ResourceNotFoundException",
                             "Message", msg, NULL);
    }

    return;

unknown:

    fnhost_invoke_refuse(req, 404, "UnknownOperationException", "message",
                         "Unknown operation", NULL);
}


/* the deadline, trace id, client context and tenant id */

static int
fnhost_invoke_headers(fnhost_invocation_t *inv, struct evkeyvalq *in)
{
    char           *end, *decoded;
    size_t          len;
    uint64_t        rnd[2];
    const char     *v;
    unsigned long   ms;

    v = evhttp_find_header(in, "X-Apigw-Timeout-Ms");

    if (v != NULL) {
        errno = 0;
        ms = strtoul(v, &end, 10);

        if (*v < '0' || *v > '9' || *end != '\0' || errno || ms == 0) {
            fnhost_invoke_refuse(inv->req, 400,
                                 "InvalidParameterValueException", "message",
                                 "X-Apigw-Timeout-Ms must be a positive "
                                 "number of milliseconds", NULL);
            return -1;
        }

        if (ms > FNHOST_MAX_TIMEOUT) {
            ms = FNHOST_MAX_TIMEOUT;
        }

        inv->limit = inv->arrival + ms;
    }

    v = evhttp_find_header(in, "X-Amzn-Trace-Id");

    if (v != NULL && strlen(v) < 256) {
        inv->trace_id = strdup(v);

    } else {
        if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
            rnd[0] = (uint64_t) random() << 32 | random();
            rnd[1] = (uint64_t) random() << 32 | random();
        }

        if (asprintf(&inv->trace_id, "Root=1-%08x-%08x%016llx;Parent=%016llx;"
                     "Sampled=0", (unsigned) time(NULL),
                     (unsigned) (rnd[0] >> 32),
                     (unsigned long long) rnd[1],
                     (unsigned long long) (rnd[0] ^ rnd[1]))
            == -1)
        {
            inv->trace_id = NULL;
        }
    }

    v = evhttp_find_header(in, "X-Amz-Client-Context");

    if (v != NULL) {
        decoded = strlen(v) <= FNHOST_CLIENT_CONTEXT
                  ? fnhost_base64_decode(v, &len) : NULL;

        if (decoded == NULL || memchr(decoded, '\0', len) != NULL
            || memchr(decoded, '\n', len) != NULL
            || memchr(decoded, '\r', len) != NULL)
        {
            free(decoded);
            fnhost_invoke_refuse(inv->req, 400,
                                 "InvalidParameterValueException", "message",
                                 "Client context must be a valid Base64-"
                                 "encoded JSON object.", NULL);
            return -1;
        }

        inv->client_context = decoded;
    }

    v = evhttp_find_header(in, "X-Amz-Tenant-Id");

    if (v != NULL && strlen(v) <= 256) {
        inv->tenant_id = strdup(v);
    }

    return 0;
}


/* hands queued invocations to idle runtimes, and starts what is needed */

void
fnhost_dispatch(fnhost_function_t *fn)
{
    fnhost_runtime_t     *rt;
    fnhost_invocation_t  *inv;

    TAILQ_FOREACH(rt, &fn->runtimes, link) {
        inv = TAILQ_FIRST(&fn->queue);

        if (inv == NULL) {
            break;
        }

        if (rt->state == FNHOST_RT_IDLE) {
            fnhost_invocation_start(rt, inv);
        }
    }

    fnhost_schedule(fn);
}


/* the parked "next" of rt gets inv, with the Runtime API's headers */

void
fnhost_invocation_start(fnhost_runtime_t *rt, fnhost_invocation_t *inv)
{
    char                 num[32];
    uint64_t             now, deadline;
    const char          *type;
    struct timeval       tv;
    struct evbuffer     *body;
    struct evkeyvalq    *out;
    fnhost_function_t   *fn;

    fn = rt->fn;
    now = fnhost_now();

    TAILQ_REMOVE(&fn->queue, inv, queue);
    inv->queued = 0;
    fn->nqueued--;
    evtimer_del(inv->timer);

    deadline = now + fn->conf->timeout;

    if (inv->limit && inv->limit < deadline) {
        deadline = inv->limit;
    }

    inv->start = now;
    inv->deadline = deadline;
    inv->runtime = rt;

    rt->inv = inv;
    rt->state = FNHOST_RT_BUSY;
    rt->invocations++;
    evtimer_del(rt->timer);

    out = evhttp_request_get_output_headers(rt->next);

    snprintf(num, sizeof(num), "%llu", (unsigned long long)
             (fnhost_epoch_ms() + (deadline > now ? deadline - now : 0)));

    evhttp_add_header(out, "Lambda-Runtime-Aws-Request-Id", inv->id);
    evhttp_add_header(out, "Lambda-Runtime-Deadline-Ms", num);
    evhttp_add_header(out, "Lambda-Runtime-Invoked-Function-Arn", fn->arn);

    if (inv->trace_id != NULL) {
        evhttp_add_header(out, "Lambda-Runtime-Trace-Id", inv->trace_id);
    }

    if (inv->client_context != NULL) {
        evhttp_add_header(out, "Lambda-Runtime-Client-Context",
                          inv->client_context);
    }

    if (inv->tenant_id != NULL) {
        evhttp_add_header(out, "Lambda-Runtime-Aws-Tenant-Id",
                          inv->tenant_id);
    }

    type = evhttp_find_header(evhttp_request_get_input_headers(inv->req),
                              "Content-Type");
    evhttp_add_header(out, "Content-Type", type ? type : "application/json");

    /* the event moves, not copied, from the Invoke request */
    body = evhttp_request_get_input_buffer(inv->req);
    evhttp_send_reply(rt->next, 200, "OK", body);
    rt->next = NULL;

    fnhost_log(&fn->host->log, FNHOST_LOG_INFO,
               "%s START RequestId: %s Version: $LATEST", fn->conf->name,
               inv->id);

    evtimer_assign(inv->timer, fn->host->base, fnhost_deadline_timer, inv);
    tv.tv_sec = (deadline - now) / 1000;
    tv.tv_usec = ((deadline - now) % 1000) * 1000;
    evtimer_add(inv->timer, &tv);
}


static void
fnhost_queue_timer(evutil_socket_t fd, short what, void *arg)
{
    fnhost_invocation_t  *inv;

    inv = arg;

    fnhost_log(&inv->fn->host->log, FNHOST_LOG_WARN,
               "%s: invocation %s could not start within %llu ms, "
               "%u queued", inv->fn->conf->name, inv->id,
               (unsigned long long) (fnhost_now() - inv->arrival),
               inv->fn->nqueued);

    fnhost_invocation_refuse(inv, 429, "TooManyRequestsException",
                             "Rate Exceeded.", FNHOST_THROTTLED);
}


static void
fnhost_deadline_timer(evutil_socket_t fd, short what, void *arg)
{
    uint64_t              ms;
    fnhost_runtime_t     *rt;
    fnhost_invocation_t  *inv;

    inv = arg;
    rt = inv->runtime;
    ms = inv->deadline - inv->start;

    fnhost_runtime_drain(rt);

    fnhost_invocation_error_text(inv, "Sandbox.Timedout",
                 "RequestId: %s Error: Task timed out after %llu.%02llu "
                 "seconds", inv->id, (unsigned long long) (ms / 1000),
                 (unsigned long long) (ms % 1000 / 10));

    fnhost_runtime_kill(rt, "timeout");
}


void
fnhost_invocation_result(fnhost_invocation_t *inv, struct evbuffer *body,
    const char *content_type)
{
    fnhost_report(inv, NULL);
    fnhost_invocation_send(inv, 200, "OK",
                           content_type ? content_type : "application/json",
                           NULL, body);
}


void
fnhost_invocation_error(fnhost_invocation_t *inv, struct evbuffer *body)
{
    fnhost_report(inv, "error");
    fnhost_invocation_send(inv, 200, "OK", "application/json", "Unhandled",
                           body);
}


void
fnhost_invocation_error_text(fnhost_invocation_t *inv, const char *type,
    const char *fmt, ...)
{
    char             msg[1024], *out;
    json_t          *obj;
    va_list          args;
    struct evbuffer *body;

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    obj = json_pack("{s:s,s:s}", "errorMessage", msg, "errorType", type);
    out = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);

    body = evbuffer_new();

    if (body != NULL && out != NULL) {
        evbuffer_add(body, out, strlen(out));
    }

    free(out);

    fnhost_report(inv, strcmp(type, "Sandbox.Timedout") == 0 ? "timeout"
                                                              : "error");
    fnhost_invocation_send(inv, 200, "OK", "application/json", "Unhandled",
                           body);

    if (body != NULL) {
        evbuffer_free(body);
    }
}


void
fnhost_invocation_refuse(fnhost_invocation_t *inv, int status,
    const char *type, const char *message, const char *reason)
{
    struct evhttp_request  *req;

    req = inv->req;
    inv->req = NULL;

    if (req != NULL) {
        evhttp_add_header(evhttp_request_get_output_headers(req),
                          "x-amzn-RequestId", inv->id);
        fnhost_invoke_refuse(req, status, type, "message", message, reason);
    }

    fnhost_invocation_free(inv);
}


/* END and REPORT lines, as CloudWatch has them */

void
fnhost_report(fnhost_invocation_t *inv, const char *status)
{
    uint64_t            ms;
    unsigned            rss;
    fnhost_function_t  *fn;

    if (inv->runtime == NULL) {
        return;
    }

    fn = inv->fn;

    if (FNHOST_LOG_INFO > fn->host->log.level) {
        return;
    }

    ms = fnhost_now() - inv->start;
    rss = fnhost_max_rss(inv->runtime->pid);

    fnhost_log(&fn->host->log, FNHOST_LOG_INFO, "%s END RequestId: %s",
               fn->conf->name, inv->id);

    fnhost_log(&fn->host->log, FNHOST_LOG_INFO,
               "%s REPORT RequestId: %s Duration: %llu ms "
               "Billed Duration: %llu ms Memory Size: %u MB "
               "Max Memory Used: %u MB%s%s", fn->conf->name, inv->id,
               (unsigned long long) ms,
               (unsigned long long) (ms ? ms : 1), fn->conf->memory, rss,
               status ? " Status: " : "", status ? status : "");
}


static void
fnhost_invocation_send(fnhost_invocation_t *inv, int status,
    const char *reason, const char *content_type, const char *fn_error,
    struct evbuffer *body)
{
    struct evkeyvalq       *out;
    struct evhttp_request  *req;

    req = inv->req;
    inv->req = NULL;

    if (req != NULL) {
        out = evhttp_request_get_output_headers(req);

        evhttp_add_header(out, "Content-Type", content_type);
        evhttp_add_header(out, "x-amzn-RequestId", inv->id);
        evhttp_add_header(out, "X-Amz-Executed-Version", "$LATEST");

        if (fn_error != NULL) {
            evhttp_add_header(out, "X-Amz-Function-Error", fn_error);
        }

        if (inv->fn->host->stopping) {
            evhttp_add_header(out, "Connection", "close");
        }

        evhttp_send_reply(req, status, reason, body);
    }

    fnhost_invocation_free(inv);
}


static void
fnhost_invocation_free(fnhost_invocation_t *inv)
{
    fnhost_t           *host;
    fnhost_function_t  *fn;

    fn = inv->fn;
    host = fn->host;

    if (inv->queued) {
        TAILQ_REMOVE(&fn->queue, inv, queue);
        fn->nqueued--;
    }

    if (inv->runtime != NULL && inv->runtime->inv == inv) {
        inv->runtime->inv = NULL;

        if (inv->runtime->state == FNHOST_RT_BUSY) {
            inv->runtime->state = FNHOST_RT_FREE;
        }
    }

    if (inv->timer != NULL) {
        event_free(inv->timer);
        host->inflight--;
    }

    free(inv->trace_id);
    free(inv->client_context);
    free(inv->tenant_id);
    free(inv);

    fnhost_check_stopped(host);
}


/*
 * Lambda's errors: {"Type":"User","message":...}, the type in
 * x-amzn-ErrorType; key is "message" or "Message" as AWS spells each
 */

static void
fnhost_invoke_refuse(struct evhttp_request *req, int status,
    const char *type, const char *key, const char *message,
    const char *reason)
{
    char              id[FNHOST_ID_LEN + 1], *out;
    json_t           *obj;
    struct evbuffer  *buf;
    struct evkeyvalq *headers;

    headers = evhttp_request_get_output_headers(req);

    if (evhttp_find_header(headers, "x-amzn-RequestId") == NULL) {
        fnhost_request_id(id);
        evhttp_add_header(headers, "x-amzn-RequestId", id);
    }

    evhttp_add_header(headers, "Content-Type", "application/json");
    evhttp_add_header(headers, "x-amzn-ErrorType", type);

    obj = json_pack("{s:s,s:s}", "Type", status >= 500 ? "Service" : "User",
                    key, message);

    if (obj != NULL && reason != NULL) {
        json_object_set_new(obj, "Reason", json_string(reason));
    }

    out = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);

    buf = evbuffer_new();

    if (buf != NULL && out != NULL) {
        evbuffer_add(buf, out, strlen(out));
    }

    free(out);

    evhttp_send_reply(req, status,
                      status == 404 ? "Not Found"
                      : status == 413 ? "Request Entity Too Large"
                      : status == 429 ? "Too Many Requests"
                      : status == 400 ? "Bad Request"
                      : status == 503 ? "Service Unavailable"
                      : "Internal Server Error", buf);

    if (buf != NULL) {
        evbuffer_free(buf);
    }
}


uint64_t
fnhost_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


uint64_t
fnhost_epoch_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);

    return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/*
 * a version 4 UUID, as Lambda's request ids are; the random bytes are
 * drawn 4 KB at a time, not a system call for each id (the runtimes the
 * host forks exec at once: none of them ever shares the pool)
 */

void
fnhost_request_id(char *buf)
{
    int                   i;
    unsigned char        *b;
    static const char     hex[] = "0123456789abcdef";
    static size_t         used = FNHOST_RANDOM_POOL;
    static unsigned char  pool[FNHOST_RANDOM_POOL];

    if (used + 16 > sizeof(pool)) {
        if (getrandom(pool, sizeof(pool), 0) != (ssize_t) sizeof(pool)) {
            for (i = 0; i < (int) sizeof(pool); i++) {
                pool[i] = random();
            }
        }

        used = 0;
    }

    b = pool + used;
    used += 16;

    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;

    /* 8-4-4-4-12 */
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            *buf++ = '-';
        }

        *buf++ = hex[b[i] >> 4];
        *buf++ = hex[b[i] & 0x0f];
    }

    *buf = '\0';
}


static char *
fnhost_base64_decode(const char *in, size_t *len)
{
    int            v;
    char          *out;
    size_t         i, n;
    unsigned       acc, bits;
    unsigned char  c;

    n = strlen(in);
    out = malloc(n * 3 / 4 + 4);

    if (out == NULL) {
        return NULL;
    }

    acc = 0;
    bits = 0;
    *len = 0;

    for (i = 0; i < n; i++) {
        c = in[i];

        if (c == '=') {
            break;
        }

        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            v = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            v = c - '0' + 52;
        } else if (c == '+' || c == '-') {
            v = 62;
        } else if (c == '/' || c == '_') {
            v = 63;
        } else {
            free(out);
            return NULL;
        }

        acc = (acc << 6) | v;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            out[(*len)++] = (char) (acc >> bits);
        }
    }

    for ( ; i < n; i++) {
        if (in[i] != '=') {
            free(out);
            return NULL;
        }
    }

    out[*len] = '\0';

    return out;
}
