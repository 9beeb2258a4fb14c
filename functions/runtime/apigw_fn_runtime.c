/*
 * Copyright (C) apigw contributors
 */


/*
 * The Runtime API client: one kept-alive connection to the host, blocking
 * (the process does one invocation at a time), answers read by Debian's
 * http-parser.  No timeout: "next" is a long poll the host holds until an
 * invocation comes, and on loopback a connect is taken or refused at once.
 * An answer goes out with the next "next" in one write (HTTP/1.1
 * pipelining), and the host's 202 and the next event can come back in one
 * read: one wake-up an invocation.  A body is sent from where it is, not
 * copied.  MSG_NOSIGNAL: a host that closes early is an error, read as
 * one, and the function's own SIGPIPE disposition is left alone.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <netdb.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <http_parser.h>

#include "apigw_fn_int.h"
#include "apigw_fn_runtime.h"


#define APIGW_FN_MAX_EVENT       (6 * 1024 * 1024 + 1024)
#define APIGW_FN_MAX_PIPELINED   6291556    /* Lambda's response limit */
#define APIGW_FN_READ_SIZE       65536
#define APIGW_FN_KEEP_BODY       (1024 * 1024)
#define APIGW_FN_NEXT_RETRIES    3
#define APIGW_FN_PREFIX          "/2018-06-01"
#define APIGW_FN_NEXT_URI        APIGW_FN_PREFIX "/runtime/invocation/next"
#define APIGW_FN_TRACE_ENV       "_X_AMZN_TRACE_ID="
#define APIGW_FN_TRACE_NAME      (sizeof(APIGW_FN_TRACE_ENV) - 1)

#define APIGW_FN_TOO_LARGE                                                    \
    "{\"errorMessage\":\"Response payload size exceeded maximum allowed "   \
    "payload size (6291556 bytes).\",\"errorType\":"                        \
    "\"Function.ResponseSizeTooLarge\"}"


typedef enum {
    APIGW_FN_OK = 0,
    APIGW_FN_CONNECT,
    APIGW_FN_CLOSED,
    APIGW_FN_INVALID,
    APIGW_FN_TOO_LONG,
    APIGW_FN_NO_MEMORY
} apigw_fn_error_e;

typedef struct {
    char                      id[128];
    char                      arn[512];
    char                      trace[512];
    char                      deadline[32];
} apigw_fn_next_t;

typedef struct {
    int                       fd;           /* -1: not connected */
    struct addrinfo          *addrs;
    char                      host[257];    /* AWS_LAMBDA_RUNTIME_API */
    char                      socket[108];  /* APIGW_RUNTIME_API_SOCKET */
    struct sockaddr_un        unix_addr;
    socklen_t                 unix_len;     /* 0: TCP */

    http_parser               parser;
    http_parser_settings      settings;
    char                     *in;           /* read, not parsed yet */
    size_t                    in_pos;
    size_t                    in_len;

    char                      field[48];    /* the header being read */
    size_t                    field_len;
    char                     *value;        /* where its value goes */
    size_t                    value_size;
    size_t                    value_len;
    unsigned                  in_value:1;
    unsigned                  capture:1;    /* this answer is next's */
    unsigned                  complete:1;
    unsigned                  received:1;   /* a byte of this exchange */

    apigw_fn_next_t           next;
    char                     *body;         /* next's event */
    size_t                    body_len;
    size_t                    body_size;

    apigw_fn_error_e          error;
    /* "_X_AMZN_TRACE_ID=...", in the environment while set */
    char                      trace_env[sizeof(APIGW_FN_TRACE_ENV)
                                        + sizeof(((apigw_fn_next_t *) 0)
                                                 ->trace)];
} apigw_fn_client_t;

typedef struct {
    const char               *method;
    const char               *uri;
    const char               *data;
    size_t                    len;
    const char               *error_type;
    long                      status;       /* 0: no answer */
} apigw_fn_call_t;


static int apigw_fn_client_init(apigw_fn_client_t *c);
static void apigw_fn_client_free(apigw_fn_client_t *c);
static void apigw_fn_client_close(apigw_fn_client_t *c);
static int apigw_fn_client_unix(apigw_fn_client_t *c);
static int apigw_fn_client_connect(apigw_fn_client_t *c);
static const char *apigw_fn_endpoint(apigw_fn_client_t *c);
static long apigw_fn_get_next(apigw_fn_client_t *c);
static long apigw_fn_post(apigw_fn_client_t *c, const char *path,
    const char *data, size_t len, const char *error_type, int then_next,
    long *next);
static void apigw_fn_post_call(apigw_fn_call_t *call, char *uri,
    size_t size, const char *path, const char *data, size_t len,
    const char *error_type);
static int apigw_fn_calls(apigw_fn_client_t *c, apigw_fn_call_t *calls,
    size_t n, int capture_last);
static int apigw_fn_send(apigw_fn_client_t *c, apigw_fn_call_t *calls,
    size_t n);
static long apigw_fn_read_answer(apigw_fn_client_t *c, int capture);
static int apigw_fn_on_header_field(http_parser *p, const char *at,
    size_t len);
static int apigw_fn_on_header_value(http_parser *p, const char *at,
    size_t len);
static int apigw_fn_on_body(http_parser *p, const char *at, size_t len);
static int apigw_fn_on_message_complete(http_parser *p);
static const char *apigw_fn_strerror(apigw_fn_client_t *c);
static void apigw_fn_trace_env(apigw_fn_client_t *c);


int
apigw_fn_run(apigw_fn_handler_pt handler, apigw_fn_init_pt init)
{
    int                   rc, error, failures, then_next;
    char                  path[256], *payload, *shrunk;
    long                  status, posted;
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

    failures = 0;
    status = apigw_fn_get_next(&c);

    for ( ;; ) {

        if (status != 200) {
            if (++failures >= APIGW_FN_NEXT_RETRIES) {
                fprintf(stderr, "apigw-fn-runtime: the Runtime API does not "
                        "answer (%ld): exiting\n", status);
                break;
            }

            status = apigw_fn_get_next(&c);
            continue;
        }

        failures = 0;

        event = c.body_len ? c.body : "";

        req = apigw_fn_request_new(event, c.body_len);

        if (req == NULL) {
            fprintf(stderr, "apigw-fn-runtime: out of memory\n");
            break;
        }

        apigw_fn_request_set(req, c.next.id, c.next.arn, c.next.trace,
                             strtoll(c.next.deadline, NULL, 10));

        apigw_fn_trace_env(&c);

        resp = apigw_fn_response_new(req);

        rc = resp ? handler(req, resp) : -1;

        payload = resp ? apigw_fn_response_payload(resp, rc, &error, &len)
                       : NULL;

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

        /* an answer the host may refuse is not followed by a "next" */
        then_next = (len <= APIGW_FN_MAX_PIPELINED);

        posted = apigw_fn_post(&c, path, payload ? payload : "", len,
                               error ? (resp && resp->error_type
                                        ? resp->error_type : "HandlerError")
                                     : NULL,
                               then_next, &status);

        if (posted == 413 && !error) {
            /* over what the host reads at all: the invocation is still
               open there, and this is why it fails */
            fprintf(stderr, "apigw-fn-runtime: the response of %s is over "
                    "6 MB\n", c.next.id);

            snprintf(path, sizeof(path), "/runtime/invocation/%s/error",
                     c.next.id);
            posted = apigw_fn_post(&c, path, APIGW_FN_TOO_LARGE,
                                   sizeof(APIGW_FN_TOO_LARGE) - 1,
                                   "Function.ResponseSizeTooLarge", 0, NULL);
        }

        free(payload);
        apigw_fn_response_free(resp);
        apigw_fn_request_free(req);

        if (posted == 500 || posted == 0) {
            /* "Container error: the runtime should exit promptly" */
            break;
        }

        if (!then_next) {
            status = apigw_fn_get_next(&c);
        }

        if (c.body_size > APIGW_FN_KEEP_BODY
            && c.body_len < APIGW_FN_KEEP_BODY)
        {
            /* what a large event grew is given back; the next event,
               read already, stays */
            shrunk = realloc(c.body, APIGW_FN_KEEP_BODY);

            if (shrunk != NULL) {
                c.body = shrunk;
                c.body_size = APIGW_FN_KEEP_BODY;
            }
        }
    }

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

    obj = json_pack("{s:s,s:s,s:[]}", "errorMessage", message,
                    "errorType", type, "stackTrace");
    body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);

    if (body == NULL) {
        return -1;
    }

    status = apigw_fn_post(client, "/runtime/init/error", body, strlen(body),
                           type, 0, NULL);

    free(body);

    return status == 202 ? 0 : -1;
}


static int
apigw_fn_client_init(apigw_fn_client_t *c)
{
    int                      rc;
    char                     url[300], host[257], port[8];
    size_t                   n;
    const char              *api;
    struct addrinfo          hints;
    struct http_parser_url   u;

    memset(c, 0, sizeof(apigw_fn_client_t));
    c->fd = -1;

    api = getenv("AWS_LAMBDA_RUNTIME_API");

    if (api == NULL || *api == '\0' || strlen(api) > 256) {
        fprintf(stderr, "apigw-fn-runtime: AWS_LAMBDA_RUNTIME_API is not "
                "set: this program runs under a Lambda Runtime API (the "
                "function host)\n");
        return -1;
    }

    n = (size_t) snprintf(url, sizeof(url), "http://%s/", api);
    http_parser_url_init(&u);

    if (http_parser_parse_url(url, n, 0, &u) != 0
        || !(u.field_set & (1 << UF_HOST))
        || u.field_data[UF_HOST].len == 0)
    {
        fprintf(stderr, "apigw-fn-runtime: AWS_LAMBDA_RUNTIME_API is not "
                "HOST:PORT: \"%s\"\n", api);
        return -1;
    }

    /* "[::1]:9001": the address without its brackets */
    memcpy(host, url + u.field_data[UF_HOST].off, u.field_data[UF_HOST].len);
    host[u.field_data[UF_HOST].len] = '\0';
    snprintf(port, sizeof(port), "%u",
             (u.field_set & (1 << UF_PORT)) ? u.port : 80);

    memset(&hints, 0, sizeof(struct addrinfo));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;

    rc = getaddrinfo(host, port, &hints, &c->addrs);

    if (rc != 0) {
        fprintf(stderr, "apigw-fn-runtime: AWS_LAMBDA_RUNTIME_API \"%s\": "
                "%s\n", api, gai_strerror(rc));
        c->addrs = NULL;
        return -1;
    }

    memcpy(c->host, api, strlen(api) + 1);

    if (apigw_fn_client_unix(c) != 0) {
        apigw_fn_client_free(c);
        return -1;
    }

    c->in = malloc(APIGW_FN_READ_SIZE);

    if (c->in == NULL) {
        fprintf(stderr, "apigw-fn-runtime: out of memory\n");
        apigw_fn_client_free(c);
        return -1;
    }

    http_parser_settings_init(&c->settings);
    c->settings.on_header_field = apigw_fn_on_header_field;
    c->settings.on_header_value = apigw_fn_on_header_value;
    c->settings.on_body = apigw_fn_on_body;
    c->settings.on_message_complete = apigw_fn_on_message_complete;

    return 0;
}


static void
apigw_fn_client_free(apigw_fn_client_t *c)
{
    apigw_fn_client_close(c);

    if (c->addrs != NULL) {
        freeaddrinfo(c->addrs);
    }

    free(c->in);
    free(c->body);
}


static void
apigw_fn_client_close(apigw_fn_client_t *c)
{
    if (c->fd != -1) {
        (void) close(c->fd);
        c->fd = -1;
    }

    c->in_pos = 0;
    c->in_len = 0;
}


/*
 * apigw-fnhost offers the same endpoint on a unix socket, cheaper a call
 * than loopback TCP: "@name" (abstract) or a path; taken instead of
 * AWS_LAMBDA_RUNTIME_API when set.
 */

static int
apigw_fn_client_unix(apigw_fn_client_t *c)
{
    size_t       n;
    const char  *name;

    name = getenv("APIGW_RUNTIME_API_SOCKET");

    if (name == NULL || *name == '\0') {
        return 0;
    }

    n = strlen(name);

    if (n >= sizeof(c->socket)) {
        fprintf(stderr, "apigw-fn-runtime: APIGW_RUNTIME_API_SOCKET is "
                "longer than a unix socket's name can be\n");
        return -1;
    }

    memcpy(c->socket, name, n + 1);
    c->unix_addr.sun_family = AF_UNIX;
    memcpy(c->unix_addr.sun_path, name, n);

    if (name[0] == '@') {
        c->unix_addr.sun_path[0] = '\0';
    }

    c->unix_len = offsetof(struct sockaddr_un, sun_path) + n;

    return 0;
}


static int
apigw_fn_client_connect(apigw_fn_client_t *c)
{
    int               fd, one;
    struct addrinfo  *a;

    if (c->unix_len != 0) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd == -1) {
            return -1;
        }

        if (connect(fd, (struct sockaddr *) &c->unix_addr, c->unix_len)
            == -1)
        {
            (void) close(fd);
            return -1;
        }

        c->fd = fd;
        return 0;
    }

    for (a = c->addrs; a != NULL; a = a->ai_next) {
        /* not left to what the function executes */
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
                    a->ai_protocol);

        if (fd == -1) {
            continue;
        }

        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            /* a request goes out at once */
            one = 1;
            (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
                              sizeof(int));
            c->fd = fd;
            return 0;
        }

        (void) close(fd);
    }

    return -1;
}


/* where the Runtime API is, for messages */

static const char *
apigw_fn_endpoint(apigw_fn_client_t *c)
{
    return c->unix_len != 0 ? c->socket : c->host;
}


static long
apigw_fn_get_next(apigw_fn_client_t *c)
{
    apigw_fn_call_t  call;

    memset(&call, 0, sizeof(apigw_fn_call_t));
    call.method = "GET";
    call.uri = APIGW_FN_NEXT_URI;

    (void) apigw_fn_calls(c, &call, 1, 1);

    if (call.status == 0) {
        fprintf(stderr, "apigw-fn-runtime: next: %s (%s)\n",
                apigw_fn_strerror(c), apigw_fn_endpoint(c));
        return 0;
    }

    if (call.status == 200 && c->next.id[0] == '\0') {
        fprintf(stderr, "apigw-fn-runtime: next: no request id\n");
        return 0;
    }

    return call.status;
}


/*
 * A POST, and with then_next the "next" after it on the same write; its
 * status in *next.  Returns the POST's status, 0 without an answer.
 */

static long
apigw_fn_post(apigw_fn_client_t *c, const char *path, const char *data,
    size_t len, const char *error_type, int then_next, long *next)
{
    char             uri[400];
    apigw_fn_call_t  calls[2];

    memset(calls, 0, sizeof(calls));
    apigw_fn_post_call(&calls[0], uri, sizeof(uri), path, data, len,
                       error_type);

    if (then_next) {
        calls[1].method = "GET";
        calls[1].uri = APIGW_FN_NEXT_URI;
    }

    (void) apigw_fn_calls(c, calls, then_next ? 2 : 1, then_next);

    if (calls[0].status == 0) {
        fprintf(stderr, "apigw-fn-runtime: %s: %s (%s)\n", path,
                apigw_fn_strerror(c), apigw_fn_endpoint(c));
    }

    if (then_next) {
        *next = calls[1].status;

        if (calls[0].status != 0 && calls[1].status == 0) {
            fprintf(stderr, "apigw-fn-runtime: next: %s (%s)\n",
                    apigw_fn_strerror(c), apigw_fn_endpoint(c));

        } else if (calls[1].status == 200 && c->next.id[0] == '\0') {
            fprintf(stderr, "apigw-fn-runtime: next: no request id\n");
            *next = 0;
        }
    }

    return calls[0].status;
}


static void
apigw_fn_post_call(apigw_fn_call_t *call, char *uri, size_t size,
    const char *path, const char *data, size_t len, const char *error_type)
{
    snprintf(uri, size, APIGW_FN_PREFIX "%s", path);

    call->method = "POST";
    call->uri = uri;
    call->data = data;
    call->len = len;
    call->error_type = error_type;
}


/*
 * The calls sent in one write and their answers read in turn, the last
 * one's kept in c->next and c->body when capture_last.  Calls that fail
 * without a byte of answer on a connection kept from before (the host
 * closed it meanwhile) are made again once on a new one, as libcurl does.
 */

static int
apigw_fn_calls(apigw_fn_client_t *c, apigw_fn_call_t *calls, size_t n,
    int capture_last)
{
    int     kept, tries;
    size_t  i;

    for (tries = 0; tries < 2; tries++) {
        kept = (c->fd != -1);

        if (!kept && apigw_fn_client_connect(c) != 0) {
            c->error = APIGW_FN_CONNECT;
            return -1;
        }

        c->received = 0;

        /* a host that refuses a body while it is sent may have answered
           why before it closed: the answer is read all the same */
        if (apigw_fn_send(c, calls, n) == -1) {
            return -1;
        }

        for (i = 0; i < n; i++) {
            calls[i].status = apigw_fn_read_answer(c, capture_last
                                                      && i == n - 1);
            if (calls[i].status == 0) {
                break;
            }
        }

        if (i == n) {
            return 0;
        }

        apigw_fn_client_close(c);

        if (!kept || i > 0 || c->received) {
            return -1;
        }
    }

    return -1;
}


/* 0: sent, 1: the connection failed on the way, -1: nothing sent */

static int
apigw_fn_send(apigw_fn_client_t *c, apigw_fn_call_t *calls, size_t n)
{
    int            len;
    char           heads[2][1024];
    size_t         i, niov, type_len;
    ssize_t        sent;
    struct iovec   iov[4], *v;
    struct msghdr  msg;

    niov = 0;

    for (i = 0; i < n; i++) {

        /* a type the header cannot carry as it is goes in the body only */
        type_len = calls[i].error_type ? strlen(calls[i].error_type) : 0;

        if (type_len > 256
            || (type_len && strcspn(calls[i].error_type, "\r\n")
                            != type_len))
        {
            type_len = 0;
        }

        if (calls[i].data == NULL) {
            len = snprintf(heads[i], sizeof(heads[i]),
                           "%s %s HTTP/1.1\r\nHost: %s\r\n\r\n",
                           calls[i].method, calls[i].uri, c->host);

        } else {
            len = snprintf(heads[i], sizeof(heads[i]),
                           "%s %s HTTP/1.1\r\nHost: %s\r\n"
                           "Content-Type: application/json\r\n"
                           "%s%.*s%s"
                           "Content-Length: %zu\r\n\r\n",
                           calls[i].method, calls[i].uri, c->host,
                           type_len ? "Lambda-Runtime-Function-Error-Type: "
                                    : "",
                           (int) type_len,
                           type_len ? calls[i].error_type : "",
                           type_len ? "\r\n" : "", calls[i].len);
        }

        if (len < 0 || (size_t) len >= sizeof(heads[i])) {
            /* not expected: each part is bounded */
            c->error = APIGW_FN_INVALID;
            return -1;
        }

        iov[niov].iov_base = heads[i];
        iov[niov++].iov_len = len;

        if (calls[i].len > 0) {
            /* sent from where it is */
            iov[niov].iov_base = (void *) calls[i].data;
            iov[niov++].iov_len = calls[i].len;
        }
    }

    memset(&msg, 0, sizeof(struct msghdr));
    msg.msg_iov = iov;
    msg.msg_iovlen = niov;

    while (msg.msg_iovlen > 0) {
        sent = sendmsg(c->fd, &msg, MSG_NOSIGNAL);

        if (sent == -1) {
            if (errno == EINTR) {
                continue;
            }

            c->error = APIGW_FN_CLOSED;
            return 1;
        }

        for (v = msg.msg_iov; (size_t) sent >= v->iov_len; v++) {
            sent -= v->iov_len;

            if (--msg.msg_iovlen == 0) {
                break;
            }
        }

        if (msg.msg_iovlen > 0) {
            v->iov_base = (char *) v->iov_base + sent;
            v->iov_len -= sent;
            msg.msg_iov = v;
        }
    }

    return 0;
}


/* the next answer on the connection: its status, 0 without one */

static long
apigw_fn_read_answer(apigw_fn_client_t *c, int capture)
{
    size_t    parsed;
    ssize_t   n;

    http_parser_init(&c->parser, HTTP_RESPONSE);
    c->parser.data = c;

    c->field_len = 0;
    c->value = NULL;
    c->in_value = 0;
    c->complete = 0;
    c->capture = capture;

    if (capture) {
        memset(&c->next, 0, sizeof(apigw_fn_next_t));
        c->body_len = 0;
    }

    for ( ;; ) {

        if (c->in_pos < c->in_len) {
            parsed = http_parser_execute(&c->parser, &c->settings,
                                         c->in + c->in_pos,
                                         c->in_len - c->in_pos);
            c->in_pos += parsed;

            if (c->complete) {
                break;
            }

            if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK) {
                if (c->error != APIGW_FN_TOO_LONG
                    && c->error != APIGW_FN_NO_MEMORY)
                {
                    c->error = APIGW_FN_INVALID;
                }

                return 0;
            }
        }

        if (c->fd == -1) {
            c->error = APIGW_FN_CLOSED;
            return 0;
        }

        c->in_pos = 0;
        c->in_len = 0;

        n = read(c->fd, c->in, APIGW_FN_READ_SIZE);

        if (n > 0) {
            c->received = 1;
            c->in_len = n;
            continue;
        }

        if (n == -1 && errno == EINTR) {
            continue;
        }

        if (n == 0 && c->received) {
            /* an answer that lasts until the connection closes */
            (void) http_parser_execute(&c->parser, &c->settings, NULL, 0);

            if (c->complete) {
                apigw_fn_client_close(c);
                break;
            }
        }

        c->error = APIGW_FN_CLOSED;
        return 0;
    }

    if (!http_should_keep_alive(&c->parser)) {
        apigw_fn_client_close(c);
    }

    c->error = APIGW_FN_OK;

    return c->parser.status_code;
}


static int
apigw_fn_on_header_field(http_parser *p, const char *at, size_t len)
{
    apigw_fn_client_t  *c;

    c = p->data;

    if (c->in_value) {
        c->in_value = 0;
        c->field_len = 0;
        c->value = NULL;
    }

    if (c->field_len + len < sizeof(c->field)) {
        memcpy(c->field + c->field_len, at, len);
        c->field_len += len;

    } else {
        /* not a name looked for */
        c->field_len = sizeof(c->field);
    }

    return 0;
}


static int
apigw_fn_on_header_value(http_parser *p, const char *at, size_t len)
{
    size_t              i, n;
    apigw_fn_client_t  *c;

    static const struct {
        const char     *name;
        size_t          offset;
        size_t          size;
    } wanted[] = {
        { "Lambda-Runtime-Aws-Request-Id", offsetof(apigw_fn_next_t, id),
          sizeof(((apigw_fn_next_t *) 0)->id) },
        { "Lambda-Runtime-Deadline-Ms", offsetof(apigw_fn_next_t, deadline),
          sizeof(((apigw_fn_next_t *) 0)->deadline) },
        { "Lambda-Runtime-Invoked-Function-Arn",
          offsetof(apigw_fn_next_t, arn),
          sizeof(((apigw_fn_next_t *) 0)->arn) },
        { "Lambda-Runtime-Trace-Id", offsetof(apigw_fn_next_t, trace),
          sizeof(((apigw_fn_next_t *) 0)->trace) }
    };

    c = p->data;

    if (!c->capture) {
        return 0;
    }

    if (!c->in_value) {
        c->in_value = 1;

        for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
            if (c->field_len == strlen(wanted[i].name)
                && strncasecmp(c->field, wanted[i].name, c->field_len) == 0)
            {
                c->value = (char *) &c->next + wanted[i].offset;
                c->value_size = wanted[i].size;
                c->value_len = 0;
                c->value[0] = '\0';
                break;
            }
        }
    }

    if (c->value == NULL) {
        return 0;
    }

    /* cut to its buffer, as before */
    n = c->value_size - 1 - c->value_len;
    n = len < n ? len : n;

    memcpy(c->value + c->value_len, at, n);
    c->value_len += n;
    c->value[c->value_len] = '\0';

    return 0;
}


static int
apigw_fn_on_body(http_parser *p, const char *at, size_t len)
{
    char               *body;
    size_t              size;
    apigw_fn_client_t  *c;

    c = p->data;

    if (!c->capture) {
        return 0;
    }

    if (c->body_len + len > APIGW_FN_MAX_EVENT) {
        c->error = APIGW_FN_TOO_LONG;
        return -1;
    }

    if (c->body_len + len + 1 > c->body_size) {
        size = c->body_size ? c->body_size : 4096;

        while (size < c->body_len + len + 1) {
            size *= 2;
        }

        body = realloc(c->body, size);

        if (body == NULL) {
            c->error = APIGW_FN_NO_MEMORY;
            return -1;
        }

        c->body = body;
        c->body_size = size;
    }

    memcpy(c->body + c->body_len, at, len);
    c->body_len += len;
    c->body[c->body_len] = '\0';

    return 0;
}


static int
apigw_fn_on_message_complete(http_parser *p)
{
    apigw_fn_client_t  *c;

    c = p->data;
    c->complete = 1;

    /* what follows is the next answer's */
    http_parser_pause(p, 1);

    return 0;
}


static const char *
apigw_fn_strerror(apigw_fn_client_t *c)
{
    switch (c->error) {

    case APIGW_FN_CONNECT:
        return "cannot connect";

    case APIGW_FN_CLOSED:
        return "the connection was closed";

    case APIGW_FN_INVALID:
        return "an invalid answer";

    case APIGW_FN_TOO_LONG:
        return "the answer is too large";

    case APIGW_FN_NO_MEMORY:
        return "out of memory";

    default:
        return "failed";
    }
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
