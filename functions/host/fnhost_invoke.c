
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

#include "fnhost.h"


#define FNHOST_INVOKE_PREFIX     "/2015-03-31/functions/"
#define FNHOST_CLIENT_CONTEXT    3583
#define FNHOST_RANDOM_POOL       4096
#define FNHOST_THROTTLED                                                      \
    "ReservedFunctionConcurrentInvocationLimitExceeded"


static void fnhost_invoke_request(fnhost_http_req_t *r, void *arg);
static int fnhost_invoke_qualifier(fnhost_http_req_t *r, char *buf,
    size_t size, const char **qualifier);
static void fnhost_invoke_gone(fnhost_http_req_t *r);
static void fnhost_invoke_refuse(fnhost_http_req_t *r, const char *id,
    int status, const char *type, const char *key, const char *message,
    const char *reason);
static int fnhost_invoke_headers(fnhost_invocation_t *inv);
static void fnhost_queue_timer(evutil_socket_t fd, short what, void *arg);
static void fnhost_deadline_timer(evutil_socket_t fd, short what, void *arg);
static void fnhost_invocation_send(fnhost_invocation_t *inv, int status,
    const char *content_type, const char *fn_error, const char *body,
    size_t len);
static void fnhost_invocation_free(fnhost_invocation_t *inv);
static char *fnhost_trace_id(void);
static const unsigned char *fnhost_random(size_t n);
static char *fnhost_hex(char *p, const unsigned char *b, size_t n);
static char *fnhost_base64_decode(const char *in, size_t *len);
static int fnhost_listen_unix(fnhost_t *host, const char *path);


int
fnhost_invoke_init(fnhost_t *host)
{
    char         hostname[256];
    unsigned     i, port;
    const char  *path;

    /* other methods get 501 */
    host->invoke = fnhost_http_new(host->base, &host->log,
                                   FNHOST_HTTP_METHOD(HTTP_GET)
                                   | FNHOST_HTTP_METHOD(HTTP_POST)
                                   | FNHOST_HTTP_METHOD(HTTP_PUT)
                                   | FNHOST_HTTP_METHOD(HTTP_DELETE)
                                   | FNHOST_HTTP_METHOD(HTTP_HEAD),
                                   FNHOST_MAX_REQUEST, 60,
                                   fnhost_invoke_request, host);

    host->unix_paths = calloc(host->conf->nlisten, sizeof(char *));

    if (host->invoke == NULL || host->unix_paths == NULL) {
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

        } else if (fnhost_http_bind(host->invoke, hostname, port) == -1) {
            fnhost_log(&host->log, FNHOST_LOG_EMERG,
                       "cannot listen on \"%s\": %s",
                       host->conf->listen[i], strerror(errno));
            return -1;
        }

        fnhost_log(&host->log, FNHOST_LOG_NOTICE, "listening on %s",
                   host->conf->listen[i]);
    }

    return 0;
}


static int
fnhost_listen_unix(fnhost_t *host, const char *path)
{
    int                  fd;
    struct stat          st;
    struct sockaddr_un   sun;

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

    if (fnhost_http_listen(host->invoke, fd, 0) != 0) {
        close(fd);
        return -1;
    }

    return 0;
}


/*
 * SIGTERM: no new connections, idle ones closed, the others after their
 * answer; the unix sockets go at once
 */

void
fnhost_invoke_close(fnhost_t *host)
{
    unsigned  i;

    fnhost_http_close(host->invoke);

    for (i = 0; i < host->nunix; i++) {
        (void) unlink(host->unix_paths[i]);
    }
}


static void
fnhost_invoke_request(fnhost_http_req_t *r, void *arg)
{
    char                  text[128], name[128], qbuf[128], msg[512];
    size_t                n, len;
    fnhost_t             *host;
    unsigned              i;
    uint64_t              now, wait;
    const char           *path, *p, *end, *qualifier, *type;
    apigw_pair_t          pair;
    struct timeval        tv;
    fnhost_function_t    *fn;
    fnhost_invocation_t  *inv;

    host = arg;
    path = r->path;

    if (path == NULL
        || strncmp(path, FNHOST_INVOKE_PREFIX,
                   sizeof(FNHOST_INVOKE_PREFIX) - 1) != 0)
    {
        goto unknown;
    }

    p = path + sizeof(FNHOST_INVOKE_PREFIX) - 1;
    end = strchr(p, '/');

    if (end == NULL || strcmp(end, "/invocations") != 0 || end == p
        || r->method != HTTP_POST)
    {
        goto unknown;
    }

    /*
     * the name percent-decoded, by the core's query decoder as RFC 3986
     * reads it: a segment with "&" or "=" names no function
     */
    n = end - p;
    len = 0;

    if (n < sizeof(text) && memchr(p, '&', n) == NULL
        && memchr(p, '=', n) == NULL
        && apigw_query_parse_uri(p, n, text, &pair, 1) == 1)
    {
        len = pair.name_len;
    }

    text[len] = '\0';

    if (fnhost_function_name(text, name, sizeof(name), &qualifier) != 0) {
        name[0] = '\0';
    }

    fn = NULL;

    for (i = 0; i < host->nfunctions; i++) {
        if (strcmp(host->functions[i].conf->name, name) == 0) {
            fn = &host->functions[i];
            break;
        }
    }

    /* the qualifier: in the name, or ?Qualifier=; only $LATEST is here */

    switch (fnhost_invoke_qualifier(r, qbuf, sizeof(qbuf), &qualifier)) {

    case -1:
        fnhost_invoke_refuse(r, NULL, 500, "ServiceException", "Message",
                             "out of memory", NULL);
        return;

    case 1:
        fn = NULL;
        break;
    }

    if (fn == NULL || (qualifier != NULL && strcmp(qualifier, "$LATEST"))) {
        goto not_found;
    }

    if (r->too_large) {
        fnhost_invoke_refuse(r, NULL, 413, "RequestEntityTooLargeException",
                             "message", "Request must be smaller than "
                             "6291456 bytes for the InvokeFunction "
                             "operation", NULL);
        return;
    }

    type = r->headers[FNHOST_HDR_INVOCATION_TYPE];

    if (type != NULL && strcmp(type, "DryRun") == 0) {
        fnhost_request_id(msg);
        fnhost_http_respond(r, 204,
                            &(fnhost_http_field_t) { "x-amzn-RequestId", msg },
                            1, NULL, 0);
        return;
    }

    if (type != NULL && strcmp(type, "RequestResponse") != 0) {
        fnhost_invoke_refuse(r, NULL, 400, "InvalidParameterValueException",
                             "message", "this function host serves "
                             "RequestResponse and DryRun invocations only",
                             NULL);
        return;
    }

    if (host->stopping) {
        fnhost_invoke_refuse(r, NULL, 503, "ServiceException", "Message",
                             "the function host is stopping", NULL);
        return;
    }

    if (fn->nqueued >= fn->conf->max_queue) {
        fnhost_invoke_refuse(r, NULL, 429, "TooManyRequestsException",
                             "message", "Rate Exceeded.", FNHOST_THROTTLED);
        return;
    }

    inv = calloc(1, sizeof(fnhost_invocation_t));

    if (inv == NULL) {
        fnhost_invoke_refuse(r, NULL, 500, "ServiceException", "Message",
                             "out of memory", NULL);
        return;
    }

    now = fnhost_now();

    inv->fn = fn;
    inv->req = r;
    inv->arrival = now;
    fnhost_request_id(inv->id);

    if (fnhost_invoke_headers(inv) != 0) {
        fnhost_invocation_free(inv);
        return;
    }

    inv->timer = evtimer_new(host->base, fnhost_queue_timer, inv);

    if (inv->timer == NULL) {
        fnhost_invocation_free(inv);
        fnhost_invoke_refuse(r, NULL, 500, "ServiceException", "Message",
                             "out of memory", NULL);
        return;
    }

    r->gone = fnhost_invoke_gone;
    r->data = inv;

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

not_found:

    len = strlen(name);

    snprintf(msg, sizeof(msg), "Function not found: arn:aws:lambda:%s:%s:"
             "function:%.*s%s%s", host->conf->region, host->conf->account,
             (int) (len > 140 ? 140 : len), name, qualifier ? ":" : "",
             qualifier ? qualifier : "");

    fnhost_invoke_refuse(r, NULL, 404, "ResourceNotFoundException",
                         "Message", msg, NULL);
    return;

unknown:

    fnhost_invoke_refuse(r, NULL, 404, "UnknownOperationException",
                         "message", "Unknown operation", NULL);
}


/*
 * ?Qualifier=, form-decoded, its name in any case:
 * 0, *qualifier set to it (copied to buf) when the name had none; 1 when
 * it differs from the name's; -1 out of memory
 */

static int
fnhost_invoke_qualifier(fnhost_http_req_t *r, char *buf, size_t size,
    const char **qualifier)
{
    char          *scratch;
    size_t         n, i, len;
    apigw_pair_t   pairs[APIGW_MAX_PAIRS];

    if (r->query == NULL) {
        return 0;
    }

    len = strlen(r->query);
    scratch = malloc(len + 1);

    if (scratch == NULL) {
        return -1;
    }

    n = apigw_query_parse(r->query, len, scratch, pairs, APIGW_MAX_PAIRS);

    for (i = 0; i < n; i++) {
        if (pairs[i].name_len == 9
            && strncasecmp(pairs[i].name, "Qualifier", 9) == 0)
        {
            break;
        }
    }

    if (i == n) {
        free(scratch);
        return 0;
    }

    len = pairs[i].value_len;

    if (*qualifier != NULL
        && (strlen(*qualifier) != len
            || memcmp(*qualifier, pairs[i].value, len) != 0))
    {
        free(scratch);
        return 1;
    }

    if (*qualifier == NULL) {
        len = len < size ? len : size - 1;
        memcpy(buf, pairs[i].value, len);
        buf[len] = '\0';
        *qualifier = buf;
    }

    free(scratch);

    return 0;
}


/*
 * The client went away: an invocation that waits in the queue is dropped,
 * one a runtime holds runs to its end, unanswered
 */

static void
fnhost_invoke_gone(fnhost_http_req_t *r)
{
    fnhost_invocation_t  *inv;

    inv = r->data;
    inv->req = NULL;

    fnhost_log(&inv->fn->host->log, FNHOST_LOG_INFO,
               "%s: the client of invocation %s closed its connection%s",
               inv->fn->conf->name, inv->id,
               inv->queued ? ", dropped from the queue" : "");

    if (inv->queued) {
        fnhost_invocation_free(inv);
    }
}


/* the deadline, trace id, client context and tenant id */

static int
fnhost_invoke_headers(fnhost_invocation_t *inv)
{
    char           *end, *decoded;
    size_t          len;
    const char     *v;
    unsigned long   ms;

    v = inv->req->headers[FNHOST_HDR_TIMEOUT_MS];

    if (v != NULL) {
        errno = 0;
        ms = strtoul(v, &end, 10);

        if (*v < '0' || *v > '9' || *end != '\0' || errno || ms == 0) {
            fnhost_invoke_refuse(inv->req, NULL, 400,
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

    v = inv->req->headers[FNHOST_HDR_TRACE_ID];

    inv->trace_id = (v != NULL && strlen(v) < 256) ? strdup(v)
                                                   : fnhost_trace_id();

    v = inv->req->headers[FNHOST_HDR_CLIENT_CONTEXT];

    if (v != NULL) {
        decoded = strlen(v) <= FNHOST_CLIENT_CONTEXT
                  ? fnhost_base64_decode(v, &len) : NULL;

        if (decoded == NULL || memchr(decoded, '\0', len) != NULL
            || memchr(decoded, '\n', len) != NULL
            || memchr(decoded, '\r', len) != NULL)
        {
            free(decoded);
            fnhost_invoke_refuse(inv->req, NULL, 400,
                                 "InvalidParameterValueException", "message",
                                 "Client context must be a valid Base64-"
                                 "encoded JSON object.", NULL);
            return -1;
        }

        inv->client_context = decoded;
    }

    v = inv->req->headers[FNHOST_HDR_TENANT_ID];

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
    char                  num[32];
    size_t                n;
    uint64_t              now, deadline;
    const char           *type;
    struct timeval        tv;
    fnhost_function_t    *fn;
    fnhost_http_req_t    *next;
    fnhost_http_field_t   h[7];

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

    snprintf(num, sizeof(num), "%llu", (unsigned long long)
             (fnhost_epoch_ms() + (deadline > now ? deadline - now : 0)));

    type = inv->req->headers[FNHOST_HDR_CONTENT_TYPE];

    h[0] = (fnhost_http_field_t) { "Lambda-Runtime-Aws-Request-Id", inv->id };
    h[1] = (fnhost_http_field_t) { "Lambda-Runtime-Deadline-Ms", num };
    h[2] = (fnhost_http_field_t) { "Lambda-Runtime-Invoked-Function-Arn",
                                   fn->arn };
    h[3] = (fnhost_http_field_t) { "Content-Type",
                                   type ? type : "application/json" };
    n = 4;

    if (inv->trace_id != NULL) {
        h[n++] = (fnhost_http_field_t) { "Lambda-Runtime-Trace-Id",
                                         inv->trace_id };
    }

    if (inv->client_context != NULL) {
        h[n++] = (fnhost_http_field_t) { "Lambda-Runtime-Client-Context",
                                         inv->client_context };
    }

    if (inv->tenant_id != NULL) {
        h[n++] = (fnhost_http_field_t) { "Lambda-Runtime-Aws-Tenant-Id",
                                         inv->tenant_id };
    }

    next = rt->next;
    rt->next = NULL;

    fnhost_http_respond(next, 200, h, n, inv->req->body, inv->req->len);

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
fnhost_invocation_result(fnhost_invocation_t *inv, const char *body,
    size_t len, const char *content_type)
{
    fnhost_report(inv, NULL);
    fnhost_invocation_send(inv, 200,
                           content_type ? content_type : "application/json",
                           NULL, body, len);
}


void
fnhost_invocation_error(fnhost_invocation_t *inv, const char *body,
    size_t len)
{
    fnhost_report(inv, "error");
    fnhost_invocation_send(inv, 200, "application/json", "Unhandled", body,
                           len);
}


void
fnhost_invocation_error_text(fnhost_invocation_t *inv, const char *type,
    const char *fmt, ...)
{
    char     msg[1024], *out;
    json_t  *obj;
    va_list  args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    obj = json_pack("{s:s,s:s}", "errorMessage", msg, "errorType", type);
    out = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);

    fnhost_report(inv, strcmp(type, "Sandbox.Timedout") == 0 ? "timeout"
                                                              : "error");
    fnhost_invocation_send(inv, 200, "application/json", "Unhandled", out,
                           out ? strlen(out) : 0);

    free(out);
}


void
fnhost_invocation_refuse(fnhost_invocation_t *inv, int status,
    const char *type, const char *message, const char *reason)
{
    fnhost_http_req_t  *r;

    r = inv->req;
    inv->req = NULL;

    if (r != NULL) {
        fnhost_invoke_refuse(r, inv->id, status, type, "message", message,
                             reason);
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
    const char *content_type, const char *fn_error, const char *body,
    size_t len)
{
    fnhost_http_req_t    *r;
    fnhost_http_field_t   h[4];

    r = inv->req;
    inv->req = NULL;

    if (r != NULL) {
        h[0] = (fnhost_http_field_t) { "Content-Type", content_type };
        h[1] = (fnhost_http_field_t) { "x-amzn-RequestId", inv->id };
        h[2] = (fnhost_http_field_t) { "X-Amz-Executed-Version", "$LATEST" };
        h[3] = (fnhost_http_field_t) { "X-Amz-Function-Error", fn_error };

        fnhost_http_respond(r, status, h, fn_error ? 4 : 3, body, len);
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
 * x-amzn-ErrorType; key is "message" or "Message" as AWS spells each;
 * id: the invocation's, or NULL for a new one
 */

static void
fnhost_invoke_refuse(fnhost_http_req_t *r, const char *id, int status,
    const char *type, const char *key, const char *message,
    const char *reason)
{
    char                  rid[FNHOST_ID_LEN + 1], *out;
    json_t               *obj;
    fnhost_http_field_t   h[3];

    if (id == NULL) {
        fnhost_request_id(rid);
        id = rid;
    }

    obj = json_pack("{s:s,s:s}", "Type", status >= 500 ? "Service" : "User",
                    key, message);

    if (obj != NULL && reason != NULL) {
        json_object_set_new(obj, "Reason", json_string(reason));
    }

    out = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);

    h[0] = (fnhost_http_field_t) { "x-amzn-RequestId", id };
    h[1] = (fnhost_http_field_t) { "Content-Type", "application/json" };
    h[2] = (fnhost_http_field_t) { "x-amzn-ErrorType", type };

    fnhost_http_respond(r, status, h, 3, out, out ? strlen(out) : 0);

    free(out);
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


/* a version 4 UUID, as Lambda's request ids are */

void
fnhost_request_id(char *buf)
{
    int             i;
    unsigned char   b[16];

    memcpy(b, fnhost_random(16), 16);

    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;

    /* 8-4-4-4-12 */
    for (i = 0; i < 16; i += 2) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            *buf++ = '-';
        }

        buf = fnhost_hex(buf, b + i, 2);
    }

    *buf = '\0';
}


/* X-Ray's: Root=1-{epoch s}-{96 random bits};Parent={64};Sampled=0 */

static char *
fnhost_trace_id(void)
{
    char           *id, *p;
    time_t          now;
    unsigned char   t[4];

    id = malloc(sizeof("Root=1-12345678-;Parent=;Sampled=0") + 24 + 16);

    if (id == NULL) {
        return NULL;
    }

    now = time(NULL);
    t[0] = (unsigned char) (now >> 24);
    t[1] = (unsigned char) (now >> 16);
    t[2] = (unsigned char) (now >> 8);
    t[3] = (unsigned char) now;

    p = id;
    memcpy(p, "Root=1-", 7);
    p = fnhost_hex(p + 7, t, 4);
    *p++ = '-';
    p = fnhost_hex(p, fnhost_random(12), 12);
    memcpy(p, ";Parent=", 8);
    p = fnhost_hex(p + 8, fnhost_random(8), 8);
    memcpy(p, ";Sampled=0", sizeof(";Sampled=0"));

    return id;
}


/*
 * n random bytes, at most 16: drawn 4 KB at a time, not a system call
 * for each id (the runtimes the host forks exec at once: none of them
 * ever shares the pool)
 */

static const unsigned char *
fnhost_random(size_t n)
{
    int                   i;
    const unsigned char  *b;
    static size_t         used = FNHOST_RANDOM_POOL;
    static unsigned char  pool[FNHOST_RANDOM_POOL];

    if (used + n > sizeof(pool)) {
        if (getrandom(pool, sizeof(pool), 0) != (ssize_t) sizeof(pool)) {
            for (i = 0; i < (int) sizeof(pool); i++) {
                pool[i] = random();
            }
        }

        used = 0;
    }

    b = pool + used;
    used += n;

    return b;
}


static char *
fnhost_hex(char *p, const unsigned char *b, size_t n)
{
    size_t             i;
    static const char  hex[] = "0123456789abcdef";

    for (i = 0; i < n; i++) {
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 0x0f];
    }

    return p;
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
