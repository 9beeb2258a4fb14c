
/*
 * Copyright (C) apigw contributors
 */


/*
 * The Runtime API client, as aws-lambda-cpp has it: one libcurl easy handle
 * kept across invocations, no timeout on "next" (the host holds it until
 * an invocation comes), a 1 s connect timeout, no proxy, TCP_NODELAY,
 * explicit Content-Length and no "Expect: 100-continue" on posts.
 */

#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "apigw_fn_int.h"
#include "apigw_fn_runtime.h"


#define APIGW_FN_MAX_EVENT       (6 * 1024 * 1024 + 1024)
#define APIGW_FN_NEXT_RETRIES    3
#define APIGW_FN_TRACE_ENV       "_X_AMZN_TRACE_ID="
#define APIGW_FN_TRACE_NAME      (sizeof(APIGW_FN_TRACE_ENV) - 1)

#define APIGW_FN_TOO_LARGE                                                    \
    "{\"errorMessage\":\"Response payload size exceeded maximum allowed "   \
    "payload size (6291556 bytes).\",\"errorType\":"                        \
    "\"Function.ResponseSizeTooLarge\"}"


typedef struct {
    char                     *data;
    size_t                    len;
    size_t                    cap;
} apigw_fn_buf_t;

typedef struct {
    char                      id[128];
    char                      arn[512];
    char                      trace[512];
    char                      deadline[32];
} apigw_fn_next_t;

typedef struct {
    CURL                     *curl;
    char                      base[300];    /* http://HOST:PORT/2018-06-01 */
    apigw_fn_buf_t            body;
    apigw_fn_next_t           next;
    /* "_X_AMZN_TRACE_ID=...", in the environment while set */
    char                      trace_env[sizeof(APIGW_FN_TRACE_ENV)
                                        + sizeof(((apigw_fn_next_t *) 0)
                                                 ->trace)];
} apigw_fn_client_t;


static int apigw_fn_client_init(apigw_fn_client_t *c);
static long apigw_fn_get_next(apigw_fn_client_t *c);
static long apigw_fn_post(apigw_fn_client_t *c, const char *path,
    const char *data, size_t len, const char *error_type);
static size_t apigw_fn_curl_write(char *ptr, size_t size, size_t n,
    void *arg);
static size_t apigw_fn_curl_header(char *ptr, size_t size, size_t n,
    void *arg);
static void apigw_fn_copy(char *dst, size_t size, const char *src,
    size_t len);
static void apigw_fn_trace_env(apigw_fn_client_t *c);


int
apigw_fn_run(apigw_fn_handler_pt handler, apigw_fn_init_pt init)
{
    int                   rc, error, failures;
    char                  path[256], *payload;
    long                  status;
    size_t                len;
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
        curl_easy_cleanup(c.curl);
        curl_global_cleanup();
        return 1;
    }

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

        req = apigw_fn_request_new(c.body.data ? c.body.data : "",
                                   c.body.len);

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

    if (getenv("_X_AMZN_TRACE_ID") == c.trace_env + APIGW_FN_TRACE_NAME) {
        /* the environment must not point into c once it is gone */
        unsetenv("_X_AMZN_TRACE_ID");
    }

    free(c.body.data);
    curl_easy_cleanup(c.curl);
    curl_global_cleanup();

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

    curl_easy_cleanup(c.curl);
    curl_global_cleanup();

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

    status = apigw_fn_post(c, "/runtime/init/error", body, strlen(body),
                           type);
    free(body);

    return status == 202 ? 0 : -1;
}


static int
apigw_fn_client_init(apigw_fn_client_t *c)
{
    const char  *api;

    memset(c, 0, sizeof(apigw_fn_client_t));

    api = getenv("AWS_LAMBDA_RUNTIME_API");

    if (api == NULL || *api == '\0' || strlen(api) > 256) {
        fprintf(stderr, "apigw-fn-runtime: AWS_LAMBDA_RUNTIME_API is not "
                "set: this program runs under a Lambda Runtime API (the "
                "function host)\n");
        return -1;
    }

    snprintf(c->base, sizeof(c->base), "http://%s/2018-06-01", api);

    if (curl_global_init(CURL_GLOBAL_ALL) != 0) {
        return -1;
    }

    c->curl = curl_easy_init();

    if (c->curl == NULL) {
        curl_global_cleanup();
        return -1;
    }

    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 0L);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c->curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(c->curl, CURLOPT_PROXY, "");

    return 0;
}


static long
apigw_fn_get_next(apigw_fn_client_t *c)
{
    char      url[400];
    long      status;
    CURLcode  rc;

    snprintf(url, sizeof(url), "%s/runtime/invocation/next", c->base);

    c->body.len = 0;
    memset(&c->next, 0, sizeof(apigw_fn_next_t));

    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, apigw_fn_curl_write);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->body);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, apigw_fn_curl_header);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &c->next);

    rc = curl_easy_perform(c->curl);

    if (rc != CURLE_OK) {
        fprintf(stderr, "apigw-fn-runtime: next: %s\n",
                curl_easy_strerror(rc));
        return 0;
    }

    status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);

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
    char                url[600], type[300];
    long                status;
    CURLcode            rc;
    apigw_fn_buf_t      sink;
    struct curl_slist  *headers, *h;

    snprintf(url, sizeof(url), "%s%s", c->base, path);

    headers = NULL;
    h = curl_slist_append(NULL, "Expect:");
    headers = h;
    h = h ? curl_slist_append(headers, "Transfer-Encoding:") : NULL;
    h = h ? curl_slist_append(headers, "Content-Type: application/json")
          : NULL;

    if (h != NULL && error_type != NULL) {
        snprintf(type, sizeof(type), "Lambda-Runtime-Function-Error-Type: %s",
                 error_type);
        h = curl_slist_append(headers, type);
    }

    if (h == NULL) {
        curl_slist_free_all(headers);
        return 0;
    }

    memset(&sink, 0, sizeof(apigw_fn_buf_t));

    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t) len);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, apigw_fn_curl_write);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, NULL);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, NULL);

    rc = curl_easy_perform(c->curl);

    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(headers);
    free(sink.data);

    if (rc != CURLE_OK) {
        fprintf(stderr, "apigw-fn-runtime: %s: %s\n", path,
                curl_easy_strerror(rc));
        return 0;
    }

    status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);

    return status;
}


static size_t
apigw_fn_curl_write(char *ptr, size_t size, size_t n, void *arg)
{
    char            *p;
    size_t           cap;
    apigw_fn_buf_t  *b;

    b = arg;
    n *= size;

    if (b->len + n > APIGW_FN_MAX_EVENT) {
        return 0;
    }

    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 16384;

        while (cap < b->len + n + 1) {
            cap *= 2;
        }

        p = realloc(b->data, cap);

        if (p == NULL) {
            return 0;
        }

        b->data = p;
        b->cap = cap;
    }

    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';

    return n;
}


static size_t
apigw_fn_curl_header(char *ptr, size_t size, size_t n, void *arg)
{
    char             *colon, *v;
    size_t            len, name;
    apigw_fn_next_t  *next;

    next = arg;
    len = size * n;
    colon = memchr(ptr, ':', len);

    if (colon == NULL) {
        return len;
    }

    name = colon - ptr;
    v = colon + 1;

    while (v < ptr + len && (*v == ' ' || *v == '\t')) {
        v++;
    }

#define APIGW_FN_HEADER(h, field)                                             \
    if (name == sizeof(h) - 1 && strncasecmp(ptr, h, name) == 0) {            \
        apigw_fn_copy(next->field, sizeof(next->field), v, ptr + len - v);    \
        return len;                                                           \
    }

    APIGW_FN_HEADER("Lambda-Runtime-Aws-Request-Id", id);
    APIGW_FN_HEADER("Lambda-Runtime-Invoked-Function-Arn", arn);
    APIGW_FN_HEADER("Lambda-Runtime-Trace-Id", trace);
    APIGW_FN_HEADER("Lambda-Runtime-Deadline-Ms", deadline);

#undef APIGW_FN_HEADER

    return len;
}


static void
apigw_fn_copy(char *dst, size_t size, const char *src, size_t len)
{
    while (len > 0 && (src[len - 1] == '\r' || src[len - 1] == '\n'
                       || src[len - 1] == ' '))
    {
        len--;
    }

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
