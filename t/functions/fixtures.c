
/*
 * Copyright (C) apigw contributors
 */


/*
 * Functions for the function host's tests (t/95-*.t): what a function
 * sees, and every way a function can go wrong, chosen by the event.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apigw_function.h>


static const char *
env(const char *name)
{
    const char  *v;

    v = getenv(name);

    return v ? v : "";
}


/* what the function sees of the event and of its invocation */

int
echo(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    size_t       n, len;
    json_t      *tags;
    const char  *values[8], *body;

    printf("echo says hello on stdout\n");
    fprintf(stderr, "echo says hello on stderr\n");

    tags = json_array();
    n = apigw_fn_query_all(req, "tag", values, 8);

    for (len = 0; len < n && len < 8; len++) {
        json_array_append_new(tags, json_string(values[len]));
    }

    body = apigw_fn_body(req, &len);

    apigw_fn_header_set(resp, "X-Echo", "yes");
    apigw_fn_header_add(resp, "Set-Cookie", "a=1");
    apigw_fn_header_add(resp, "Set-Cookie", "b=2");

    return apigw_fn_jsonf(resp, 200,
        "{s:i,s:s?,s:s?,s:s?,s:s?,s:s?,s:o,s:s?,s:s?,s:s?,s:s?,s:s?,"
        "s:s%,s:s?,s:s?,s:s?,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
        "version", apigw_fn_payload_version(req),
        "method", apigw_fn_method(req),
        "path", apigw_fn_path(req),
        "route", apigw_fn_route(req),
        "id", apigw_fn_path_param(req, "id"),
        "name", apigw_fn_query(req, "name"),
        "tags", tags,
        "header", apigw_fn_header(req, "x-test"),
        "cookie", apigw_fn_cookie(req, "session"),
        "stage", apigw_fn_stage_var(req, "env"),
        "sourceIp", apigw_fn_context(req, "identity.sourceIp"),
        "user", apigw_fn_authorizer(req, "user"),
        "body", body ? body : "", body ? len : 0,
        "requestId", apigw_fn_request_id(req),
        "arn", apigw_fn_function_arn(req),
        "trace", apigw_fn_trace_id(req),
        "deadline", (json_int_t) apigw_fn_deadline_ms(req),
        "remaining", (json_int_t) apigw_fn_remaining_ms(req),
        "fnName", env("AWS_LAMBDA_FUNCTION_NAME"),
        "api", env("AWS_LAMBDA_RUNTIME_API"),
        "apiSocket", env("APIGW_RUNTIME_API_SOCKET"),
        "handler", env("_HANDLER"),
        "greeting", env("GREETING"),
        "memory", env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
        "traceEnv", env("_X_AMZN_TRACE_ID"),
        "cwd", env("LAMBDA_TASK_ROOT"));
}


/* {"do": WHAT, "ms": N}: each way of going wrong, or "ok" */

int
trouble(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    int          i;
    char        *p;
    size_t       n;
    const char  *what, *ms;

    what = apigw_fn_get(req, "/do");
    ms = apigw_fn_get(req, "/ms");

    if (what == NULL) {
        what = "ok";
    }

    printf("trouble: %s\n", what);
    fflush(stdout);

    if (strcmp(what, "segv") == 0) {
        /* a NULL the compiler cannot see */
        *(volatile int *) getenv("APIGW_NO_SUCH_VARIABLE") = 1;

    } else if (strcmp(what, "abort") == 0) {
        abort();

    } else if (strcmp(what, "exit") == 0) {
        exit(3);

    } else if (strcmp(what, "exit0") == 0) {
        exit(0);

    } else if (strcmp(what, "hang") == 0) {
        for ( ;; ) {
            pause();
        }

    } else if (strcmp(what, "loop") == 0) {
        for (i = 0; ; i++) {
            __asm__ volatile ("" : : "r" (i));
        }

    } else if (strcmp(what, "blowup") == 0) {
        /* as careless C code does: until malloc() fails, then SIGSEGV */
        for ( ;; ) {
            p = malloc(1024 * 1024);
            memset(p, 1, 1024 * 1024);
        }

    } else if (strcmp(what, "sleep") == 0) {
        usleep((ms ? atoi(ms) : 100) * 1000);

    } else if (strcmp(what, "error") == 0) {
        return apigw_fn_error(resp, "TroubleError", "something went %s",
                              "wrong");

    } else if (strcmp(what, "error-type") == 0) {
        /* no header can carry it: the body does */
        return apigw_fn_error(resp, "Trouble\r\nInjected: 1",
                              "a type with a line break");

    } else if (strcmp(what, "huge") == 0 || strcmp(what, "huger") == 0) {
        /* over 6 MB: within what the host reads, and beyond */
        n = (what[4] == 'r' ? 9 : 6) * 1024 * 1024 + 512 * 1024;
        p = malloc(n);
        memset(p, 'x', n);
        apigw_fn_body_set(resp, p, n);
        free(p);
        return 0;

    } else if (strcmp(what, "big") == 0) {
        /* just under the limit with the JSON around it */
        n = 6 * 1024 * 1024 - 1024;
        p = malloc(n);
        memset(p, 'y', n);
        apigw_fn_body_set(resp, p, n);
        free(p);
        return 0;

    } else if (strcmp(what, "logs") == 0) {
        for (i = 0; i < 1000; i++) {
            printf("log line %d of 1000\n", i);
        }

    } else if (strcmp(what, "garbage") == 0) {
        return apigw_fn_result(resp, json_string("\x01not a proxy answer"));
    }

    return apigw_fn_jsonf(resp, 200, "{s:b,s:s,s:i}", "ok", 1, "did", what,
                          "pid", (int) getpid());
}


/* exits in init the first time (no marker file yet), then works */

int
initexit_init(void)
{
    int          fd;
    const char  *marker;

    marker = getenv("MARKER");

    if (marker == NULL || access(marker, F_OK) == 0) {
        return 0;
    }

    fd = open(marker, O_WRONLY | O_CREAT, 0644);

    if (fd != -1) {
        close(fd);
    }

    fprintf(stderr, "initexit: exiting during init\n");
    exit(2);
}


int
initexit(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    return apigw_fn_jsonf(resp, 200, "{s:b}", "ok", 1);
}


/* fails its init (sym_init returns -1) the first time, then works */

int
initfail_init(void)
{
    int          fd;
    const char  *marker;

    marker = getenv("MARKER");

    if (marker == NULL || access(marker, F_OK) == 0) {
        return 0;
    }

    fd = open(marker, O_WRONLY | O_CREAT, 0644);

    if (fd != -1) {
        close(fd);
    }

    fprintf(stderr, "initfail: failing its init\n");

    return -1;
}


int
initfail(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    return apigw_fn_jsonf(resp, 200, "{s:b}", "ok", 1);
}
