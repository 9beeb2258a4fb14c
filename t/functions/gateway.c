
/*
 * Copyright (C) apigw contributors
 */


/*
 * Functions for the gateway's tests (t/99-function-integration.t): the
 * event as the function sees it, any answer the test chooses, and the ways
 * of going wrong, each chosen by the request.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apigw_function.h>


/* the event itself, as the body of a 200; the time it had left, its trace */
int
event(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    char  left[32];

    snprintf(left, sizeof(left), "%lld",
             (long long) apigw_fn_remaining_ms(req));
    apigw_fn_header_set(resp, "X-Remaining-Ms", left);

    if (apigw_fn_trace_id(req) != NULL) {
        apigw_fn_header_set(resp, "X-Trace-Id", apigw_fn_trace_id(req));
    }

    return apigw_fn_json(resp, 200, json_deep_copy(apigw_fn_event(req)));
}


/* the request's body (JSON) is the answer, as it is */
int
answer(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    json_t  *json;

    json = apigw_fn_body_json(req);

    if (json == NULL) {
        return apigw_fn_error(resp, "Test.NoAnswer", "no JSON body");
    }

    return apigw_fn_result(resp, json_deep_copy(json));
}


/* ?do=segv|exit|hang|sleep&ms=N|huge|error|ok */
int
misbehave(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    char        *p;
    size_t       n;
    const char  *what, *ms;

    what = apigw_fn_query(req, "do");
    ms = apigw_fn_query(req, "ms");

    if (what == NULL) {
        what = "ok";
    }

    if (strcmp(what, "segv") == 0) {
        *(volatile int *) getenv("APIGW_NO_SUCH_VARIABLE") = 1;

    } else if (strcmp(what, "exit") == 0) {
        exit(3);

    } else if (strcmp(what, "hang") == 0) {
        for ( ;; ) {
            pause();
        }

    } else if (strcmp(what, "sleep") == 0) {
        usleep((ms ? atoi(ms) : 100) * 1000);

    } else if (strcmp(what, "error") == 0) {
        return apigw_fn_error(resp, "Test.Error", "it went wrong");

    } else if (strcmp(what, "huge") == 0) {
        n = 7 * 1024 * 1024;
        p = malloc(n);
        memset(p, 'x', n);
        apigw_fn_body_set(resp, p, n);
        free(p);
        return 0;

    } else if (strcmp(what, "big") == 0) {
        n = 5 * 1024 * 1024;
        p = malloc(n);
        memset(p, 'y', n);
        apigw_fn_body_set(resp, p, n);
        free(p);
        return 0;
    }

    return apigw_fn_jsonf(resp, 200, "{s:s,s:i}", "did", what,
                          "pid", (int) getpid());
}
