
/*
 * Copyright (C) apigw contributors
 */


/*
 * The Runtime API client: libevent's HTTP client, run synchronously (one
 * invocation at a time: the loop runs until the request's callback), on
 * one kept-alive connection to the host.  No timeout: "next" is a long
 * poll the host holds until an invocation comes, and on loopback a
 * connect is taken or refused at once.  A body is posted from where it
 * is, not copied.  SIGPIPE is ignored while the client talks (a host that
 * closes early is an error, read as one), the function's own disposition
 * is back while its code runs.
 */

#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "apigw_fn_int.h"
#include "apigw_fn_runtime.h"


#define APIGW_FN_MAX_EVENT       (6 * 1024 * 1024 + 1024)
#define APIGW_FN_MAX_HEADERS     (64 * 1024)
#define APIGW_FN_NEXT_RETRIES    3
#define APIGW_FN_PREFIX          "/2018-06-01"
#define APIGW_FN_TRACE_ENV       "_X_AMZN_TRACE_ID="
#define APIGW_FN_TRACE_NAME      (sizeof(APIGW_FN_TRACE_ENV) - 1)

#define APIGW_FN_TOO_LARGE                                                    \
    "{\"errorMessage\":\"Response payload size exceeded maximum allowed "   \
    "payload size (6291556 bytes).\",\"errorType\":"                        \
    "\"Function.ResponseSizeTooLarge\"}"


typedef struct {
    char                      id[128];
    char                      arn[512];
    char                      trace[512];
    char                      deadline[32];
} apigw_fn_next_t;

typedef struct {
    struct event_base        *base;
    struct evhttp_connection *conn;
    struct bufferevent       *bev;
    struct evbuffer          *body;         /* next's event */
    char                      host[257];    /* AWS_LAMBDA_RUNTIME_API */
    apigw_fn_next_t           next;
    struct sigaction          sigpipe;      /* the function's own */
    long                      status;       /* 0: no answer */
    int                       error;        /* enum evhttp_request_error */
    unsigned                  done:1;
    unsigned                  reading_next:1;
    /* "_X_AMZN_TRACE_ID=...", in the environment while set */
    char                      trace_env[sizeof(APIGW_FN_TRACE_ENV)
                                        + sizeof(((apigw_fn_next_t *) 0)
                                                 ->trace)];
} apigw_fn_client_t;


static int apigw_fn_client_init(apigw_fn_client_t *c);
static void apigw_fn_client_free(apigw_fn_client_t *c);
static void apigw_fn_client_talk(apigw_fn_client_t *c, int talk);
static long apigw_fn_get_next(apigw_fn_client_t *c);
static long apigw_fn_post(apigw_fn_client_t *c, const char *path,
    const char *data, size_t len, const char *error_type);
static long apigw_fn_request(apigw_fn_client_t *c, enum evhttp_cmd_type type,
    const char *uri, const char *data, size_t len, const char *error_type);
static void apigw_fn_request_done(struct evhttp_request *req, void *arg);
static void apigw_fn_request_error(enum evhttp_request_error error,
    void *arg);
static const char *apigw_fn_strerror(apigw_fn_client_t *c);
static void apigw_fn_copy(char *dst, size_t size, const char *src);
static void apigw_fn_trace_env(apigw_fn_client_t *c);


int
apigw_fn_run(apigw_fn_handler_pt handler, apigw_fn_init_pt init)
{
    int                   rc, error, failures;
    char                  path[256], *payload;
    long                  status;
    size_t                len;
    const char           *event;
    apigw_fn_client_t     c;
    apigw_fn_request_t   *req;
    apigw_fn_response_t  *resp;

    if (apigw_fn_client_init(&c) != 0) {
        return 1;
    }

    if (init != NULL && init() != 0) {
        fflush(stdout);
        fflush(stderr);
        apigw_fn_init_error_client(&c, "Runtime.InitError",
                                   "the function's init failed");
        apigw_fn_client_free(&c);
        return 1;
    }

    apigw_fn_client_talk(&c, 1);

    failures = 0;

    for ( ;; ) {
        status = apigw_fn_get_next(&c);

        if (status != 200) {
            if (++failures >= APIGW_FN_NEXT_RETRIES) {
                fprintf(stderr, "apigw-fn-runtime: the Runtime API does not "
                        "answer (%ld): exiting\n", status);
                break;
            }

            continue;
        }

        failures = 0;

        len = evbuffer_get_length(c.body);
        event = len ? (const char *) evbuffer_pullup(c.body, -1) : "";

        req = event ? apigw_fn_request_new(event, len) : NULL;

        if (req == NULL) {
            fprintf(stderr, "apigw-fn-runtime: out of memory\n");
            break;
        }

        apigw_fn_request_set(req, c.next.id, c.next.arn, c.next.trace,
                             strtoll(c.next.deadline, NULL, 10));

        apigw_fn_trace_env(&c);

        apigw_fn_client_talk(&c, 0);

        resp = apigw_fn_response_new(req);

        rc = resp ? handler(req, resp) : -1;

        payload = resp ? apigw_fn_response_payload(resp, rc, &error, &len)
                       : NULL;

        apigw_fn_client_talk(&c, 1);

        if (payload == NULL) {
            error = 1;
            payload = strdup("{\"errorMessage\":\"out of memory\","
                             "\"errorType\":\"HandlerError\"}");
            len = payload ? strlen(payload) : 0;
        }

        /* the lines the function wrote belong to this invocation */
        fflush(stdout);
        fflush(stderr);

        snprintf(path, sizeof(path), "/runtime/invocation/%s/%s", c.next.id,
                 error ? "error" : "response");

        status = apigw_fn_post(&c, path, payload ? payload : "", len,
                               error ? (resp && resp->error_type
                                        ? resp->error_type : "HandlerError")
                                     : NULL);

        if (status == 413 && !error) {
            /* over what the host reads at all: the invocation is still
               open there, and this is why it fails */
            fprintf(stderr, "apigw-fn-runtime: the response of %s is over "
                    "6 MB\n", c.next.id);

            snprintf(path, sizeof(path), "/runtime/invocation/%s/error",
                     c.next.id);
            status = apigw_fn_post(&c, path, APIGW_FN_TOO_LARGE,
                                   sizeof(APIGW_FN_TOO_LARGE) - 1,
                                   "Function.ResponseSizeTooLarge");
        }

        free(payload);
        apigw_fn_response_free(resp);
        apigw_fn_request_free(req);

        if (status == 500 || status == 0) {
            /* "Container error: the runtime should exit promptly" */
            break;
        }
    }

    apigw_fn_client_talk(&c, 0);

    if (getenv("_X_AMZN_TRACE_ID") == c.trace_env + APIGW_FN_TRACE_NAME) {
        /* the environment must not point into c once it is gone */
        unsetenv("_X_AMZN_TRACE_ID");
    }

    apigw_fn_client_free(&c);

    return 1;
}


int
apigw_fn_init_error(const char *type, const char *message)
{
    int                rc;
    apigw_fn_client_t  c;

    if (apigw_fn_client_init(&c) != 0) {
        return -1;
    }

    rc = apigw_fn_init_error_client(&c, type, message);

    apigw_fn_client_free(&c);

    return rc;
}


int
apigw_fn_init_error_client(void *client, const char *type,
    const char *message)
{
    long                status;
    char               *body;
    json_t             *obj;
    apigw_fn_client_t  *c;

    c = client;

    obj = json_pack("{s:s,s:s,s:[]}", "errorMessage", message,
                    "errorType", type, "stackTrace");
    body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);

    if (body == NULL) {
        return -1;
    }

    apigw_fn_client_talk(c, 1);
    status = apigw_fn_post(c, "/runtime/init/error", body, strlen(body),
                           type);
    apigw_fn_client_talk(c, 0);

    free(body);

    return status == 202 ? 0 : -1;
}


static int
apigw_fn_client_init(apigw_fn_client_t *c)
{
    int                   port;
    char                  url[300], host[257];
    size_t                n;
    const char           *api, *h;
    struct timeval        forever;
    struct evhttp_uri    *uri;
    struct event_config  *cfg;

    memset(c, 0, sizeof(apigw_fn_client_t));

    api = getenv("AWS_LAMBDA_RUNTIME_API");

    if (api == NULL || *api == '\0' || strlen(api) > 256) {
        fprintf(stderr, "apigw-fn-runtime: AWS_LAMBDA_RUNTIME_API is not "
                "set: this program runs under a Lambda Runtime API (the "
                "function host)\n");
        return -1;
    }

    snprintf(url, sizeof(url), "http://%s/", api);
    uri = evhttp_uri_parse(url);
    h = uri ? evhttp_uri_get_host(uri) : NULL;

    if (h == NULL || *h == '\0') {
        fprintf(stderr, "apigw-fn-runtime: AWS_LAMBDA_RUNTIME_API is not "
                "HOST:PORT: \"%s\"\n", api);

        if (uri != NULL) {
            evhttp_uri_free(uri);
        }

        return -1;
    }

    /* "[::1]": the address without its brackets */
    n = strlen(h);

    if (h[0] == '[') {
        h++;
        n -= 2;
    }

    memcpy(host, h, n);
    host[n] = '\0';
    port = evhttp_uri_get_port(uri);
    evhttp_uri_free(uri);

    memcpy(c->host, api, strlen(api) + 1);

    /* poll(): one descriptor, and no epoll_ctl() a request */
    cfg = event_config_new();

    if (cfg != NULL) {
        (void) event_config_avoid_method(cfg, "epoll");
        (void) event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK
                                          | EVENT_BASE_FLAG_IGNORE_ENV);
        c->base = event_base_new_with_config(cfg);
        event_config_free(cfg);
    }

    c->body = evbuffer_new();
    c->conn = c->base ? evhttp_connection_base_new(c->base, NULL, host,
                                                   port > 0 ? port : 80)
                      : NULL;

    if (c->body == NULL || c->conn == NULL) {
        fprintf(stderr, "apigw-fn-runtime: out of memory\n");
        apigw_fn_client_free(c);
        return -1;
    }

    c->bev = evhttp_connection_get_bufferevent(c->conn);

    /* libevent 2.1 has no "no timeout" for a connection: 0 means 50 s */
    forever.tv_sec = 100L * 365 * 24 * 3600;
    forever.tv_usec = 0;
    evhttp_connection_set_timeout_tv(c->conn, &forever);

    evhttp_connection_set_max_body_size(c->conn, APIGW_FN_MAX_EVENT);
    evhttp_connection_set_max_headers_size(c->conn, APIGW_FN_MAX_HEADERS);

    /* the host's 413 to an answer it refuses while still being sent */
    evhttp_connection_set_flags(c->conn, EVHTTP_CON_READ_ON_WRITE_ERROR);

    return 0;
}


static void
apigw_fn_client_free(apigw_fn_client_t *c)
{
    if (c->conn != NULL) {
        evhttp_connection_free(c->conn);
    }

    if (c->body != NULL) {
        evbuffer_free(c->body);
    }

    if (c->base != NULL) {
        event_base_free(c->base);
    }
}


static void
apigw_fn_client_talk(apigw_fn_client_t *c, int talk)
{
    struct sigaction  sa;

    if (talk) {
        memset(&sa, 0, sizeof(struct sigaction));
        sa.sa_handler = SIG_IGN;
        sigemptyset(&sa.sa_mask);
        (void) sigaction(SIGPIPE, &sa, &c->sigpipe);

    } else {
        (void) sigaction(SIGPIPE, &c->sigpipe, NULL);
    }
}


static long
apigw_fn_get_next(apigw_fn_client_t *c)
{
    long  status;

    evbuffer_drain(c->body, evbuffer_get_length(c->body));
    memset(&c->next, 0, sizeof(apigw_fn_next_t));

    c->reading_next = 1;
    status = apigw_fn_request(c, EVHTTP_REQ_GET,
                              APIGW_FN_PREFIX "/runtime/invocation/next",
                              NULL, 0, NULL);
    c->reading_next = 0;

    if (status == 0) {
        fprintf(stderr, "apigw-fn-runtime: next: %s (%s)\n",
                apigw_fn_strerror(c), c->host);
        return 0;
    }

    if (status == 200 && c->next.id[0] == '\0') {
        fprintf(stderr, "apigw-fn-runtime: next: no request id\n");
        return 0;
    }

    return status;
}


static long
apigw_fn_post(apigw_fn_client_t *c, const char *path, const char *data,
    size_t len, const char *error_type)
{
    char  uri[400];
    long  status;

    snprintf(uri, sizeof(uri), APIGW_FN_PREFIX "%s", path);

    status = apigw_fn_request(c, EVHTTP_REQ_POST, uri, data, len,
                              error_type);

    if (status == 0) {
        fprintf(stderr, "apigw-fn-runtime: %s: %s (%s)\n", path,
                apigw_fn_strerror(c), c->host);
    }

    return status;
}


/*
 * One request, the loop run until its callback.  One that fails without
 * an answer on a connection kept from before (the host closed it
 * meanwhile) is made again once on a new one, as libcurl does.
 */

static long
apigw_fn_request(apigw_fn_client_t *c, enum evhttp_cmd_type type,
    const char *uri, const char *data, size_t len, const char *error_type)
{
    int                     rc, kept, tries, one;
    evutil_socket_t         fd;
    struct evkeyvalq       *h;
    struct evhttp_request  *req;

    for (tries = 0; tries < 2; tries++) {
        c->status = 0;
        c->error = -1;
        c->done = 0;

        req = evhttp_request_new(apigw_fn_request_done, c);

        if (req == NULL) {
            return 0;
        }

        evhttp_request_set_error_cb(req, apigw_fn_request_error);

        h = evhttp_request_get_output_headers(req);

        rc = evhttp_add_header(h, "Host", c->host);

        if (type == EVHTTP_REQ_POST) {
            rc |= evhttp_add_header(h, "Content-Type", "application/json");

            if (error_type != NULL) {
                rc |= evhttp_add_header(h,
                                        "Lambda-Runtime-Function-Error-Type",
                                        error_type);
            }

            if (len > 0) {
                /* sent from where it is: it outlives the request */
                rc |= evbuffer_add_reference(
                          evhttp_request_get_output_buffer(req), data, len,
                          NULL, NULL);
            }
        }

        if (rc != 0) {
            evhttp_request_free(req);
            return 0;
        }

        kept = (bufferevent_getfd(c->bev) != -1);

        if (evhttp_make_request(c->conn, req, type, uri) != 0) {
            /* the request is freed */
            return 0;
        }

        fd = bufferevent_getfd(c->bev);

        if (!kept && fd != -1) {
            /* a new connection: not left to what the function executes,
               and a request goes out at once */
            (void) evutil_make_socket_closeonexec(fd);
            one = 1;
            (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
                              sizeof(int));
        }

        while (!c->done) {
            if (event_base_loop(c->base, EVLOOP_ONCE) != 0) {
                /* not expected: nothing left to wait for */
                evhttp_cancel_request(req);
                return 0;
            }
        }

        if (c->status != 0 || !kept || c->error != EVREQ_HTTP_EOF) {
            break;
        }
    }

    return c->status;
}


static void
apigw_fn_request_done(struct evhttp_request *req, void *arg)
{
    const char          *name;
    struct evkeyval     *h;
    apigw_fn_client_t   *c;

    c = arg;
    c->done = 1;

    if (req == NULL) {
        return;
    }

    c->status = evhttp_request_get_response_code(req);

    if (!c->reading_next || c->status != 200) {
        return;
    }

    /* one pass over the headers, not one a header wanted */
    TAILQ_FOREACH(h, evhttp_request_get_input_headers(req), next) {

        if (strncasecmp(h->key, "Lambda-Runtime-", 15) != 0) {
            continue;
        }

        name = h->key + 15;

        if (strcasecmp(name, "Aws-Request-Id") == 0) {
            apigw_fn_copy(c->next.id, sizeof(c->next.id), h->value);

        } else if (strcasecmp(name, "Deadline-Ms") == 0) {
            apigw_fn_copy(c->next.deadline, sizeof(c->next.deadline),
                          h->value);

        } else if (strcasecmp(name, "Invoked-Function-Arn") == 0) {
            apigw_fn_copy(c->next.arn, sizeof(c->next.arn), h->value);

        } else if (strcasecmp(name, "Trace-Id") == 0) {
            apigw_fn_copy(c->next.trace, sizeof(c->next.trace), h->value);
        }
    }

    if (evbuffer_add_buffer(c->body, evhttp_request_get_input_buffer(req))
        != 0)
    {
        c->status = 0;
        c->error = EVREQ_HTTP_BUFFER_ERROR;
    }
}


static void
apigw_fn_request_error(enum evhttp_request_error error, void *arg)
{
    apigw_fn_client_t  *c;

    c = arg;
    c->error = error;
}


static const char *
apigw_fn_strerror(apigw_fn_client_t *c)
{
    switch (c->error) {

    case EVREQ_HTTP_TIMEOUT:
        return "timed out";

    case EVREQ_HTTP_EOF:
        return "the connection was closed";

    case EVREQ_HTTP_INVALID_HEADER:
        return "an invalid answer";

    case EVREQ_HTTP_DATA_TOO_LONG:
        return "the answer is too large";

    case -1:
        return "cannot connect";

    default:
        return "failed";
    }
}


static void
apigw_fn_copy(char *dst, size_t size, const char *src)
{
    size_t  len;

    len = strlen(src);

    if (len >= size) {
        len = size - 1;
    }

    memcpy(dst, src, len);
    dst[len] = '\0';
}


/*
 * _X_AMZN_TRACE_ID for this invocation.  The variable is c's own string,
 * put in the environment once and rewritten in place: setenv() would keep
 * every value it was ever given, a string a request (glibc never frees
 * them), and look each up in a tree that grows with them.  A function
 * that set or unset it itself gets c's string put back.
 */

static void
apigw_fn_trace_env(apigw_fn_client_t *c)
{
    char  *v;

    v = getenv("_X_AMZN_TRACE_ID");

    if (c->next.trace[0] == '\0') {
        if (v != NULL) {
            unsetenv("_X_AMZN_TRACE_ID");
        }

        return;
    }

    memcpy(c->trace_env, APIGW_FN_TRACE_ENV, APIGW_FN_TRACE_NAME);
    memcpy(c->trace_env + APIGW_FN_TRACE_NAME, c->next.trace,
           strlen(c->next.trace) + 1);

    if (v != c->trace_env + APIGW_FN_TRACE_NAME) {
        (void) putenv(c->trace_env);
    }
}
