
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_FUNCTION_H_INCLUDED_
#define _APIGW_FUNCTION_H_INCLUDED_


/*
 * The apigw function SDK: a function is a plain C function in a shared
 * object, run by apigw-fn-runtime (or by a program of its own calling
 * apigw_fn_run()), which speaks the Lambda Runtime API.
 *
 *     #include <apigw_function.h>
 *
 *     int
 *     hello(apigw_fn_request_t *req, apigw_fn_response_t *resp)
 *     {
 *         const char  *name;
 *
 *         name = apigw_fn_query(req, "name");
 *
 *         return apigw_fn_printf(resp, 200, "hello, %s\n",
 *                                name ? name : "world");
 *     }
 *
 * The request is an API Gateway proxy event (payload 1.0 or 2.0), or any
 * other JSON event (authorizers).  Strings returned by the accessors belong
 * to the request and live until the handler returns.  A handler returns 0,
 * or -1 for a function error (apigw_fn_error() says which).
 */

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>


typedef struct apigw_fn_request_s   apigw_fn_request_t;
typedef struct apigw_fn_response_s  apigw_fn_response_t;

typedef int (*apigw_fn_handler_pt)(apigw_fn_request_t *req,
    apigw_fn_response_t *resp);

/* optional, in the same object as the handler "sym": "sym_init" runs once,
   before the first invocation; non-zero is an init error */
typedef int (*apigw_fn_init_pt)(void);


/* the event */
json_t *apigw_fn_event(apigw_fn_request_t *req);
/* 1 (REST, payload 1.0) or 2 (HTTP API, payload 2.0); 0: not a proxy event */
int apigw_fn_payload_version(apigw_fn_request_t *req);
const char *apigw_fn_method(apigw_fn_request_t *req);
const char *apigw_fn_path(apigw_fn_request_t *req);
/* the route: "/items/{id}" (1.0 resource), "GET /items/{id}" (2.0) */
const char *apigw_fn_route(apigw_fn_request_t *req);
const char *apigw_fn_path_param(apigw_fn_request_t *req, const char *name);
/* the last value in 1.0, the values joined by "," in 2.0, as AWS sends */
const char *apigw_fn_query(apigw_fn_request_t *req, const char *name);
/* every value: up to n into values; the count */
size_t apigw_fn_query_all(apigw_fn_request_t *req, const char *name,
    const char **values, size_t n);
/* any case */
const char *apigw_fn_header(apigw_fn_request_t *req, const char *name);
const char *apigw_fn_cookie(apigw_fn_request_t *req, const char *name);
const char *apigw_fn_stage_var(apigw_fn_request_t *req, const char *name);
/* requestContext by a dotted path: "identity.sourceIp", "http.method" */
const char *apigw_fn_context(apigw_fn_request_t *req, const char *path);
/* the authorizer's context or claim: requestContext.authorizer.NAME (1.0),
   .authorizer.lambda.NAME or .authorizer.jwt.claims.NAME (2.0) */
const char *apigw_fn_authorizer(apigw_fn_request_t *req, const char *name);
/* the body, base64-decoded where isBase64Encoded; NULL: none */
const char *apigw_fn_body(apigw_fn_request_t *req, size_t *len);
/* the body parsed as JSON (owned by the request); NULL: none or invalid */
json_t *apigw_fn_body_json(apigw_fn_request_t *req);
/* a member of the event by JSON pointer: "/authorizationToken" */
const char *apigw_fn_get(apigw_fn_request_t *req, const char *pointer);

/* the invocation */
const char *apigw_fn_request_id(apigw_fn_request_t *req);
const char *apigw_fn_function_arn(apigw_fn_request_t *req);
const char *apigw_fn_trace_id(apigw_fn_request_t *req);
int64_t apigw_fn_deadline_ms(apigw_fn_request_t *req);    /* epoch ms */
int64_t apigw_fn_remaining_ms(apigw_fn_request_t *req);


/* the answer: a proxy response {statusCode, headers, multiValueHeaders,
   body, isBase64Encoded} (2.0: cookies, no multiValueHeaders) */
void apigw_fn_status(apigw_fn_response_t *resp, int status);
/* replaces; value NULL removes */
int apigw_fn_header_set(apigw_fn_response_t *resp, const char *name,
    const char *value);
/* one more value (Set-Cookie and the like) */
int apigw_fn_header_add(apigw_fn_response_t *resp, const char *name,
    const char *value);
/* text, or bytes that are not UTF-8 (sent base64 with isBase64Encoded) */
int apigw_fn_body_set(apigw_fn_response_t *resp, const char *data,
    size_t len);
int apigw_fn_binary(apigw_fn_response_t *resp, const void *data, size_t len);
/* status and a text body (Content-Type text/plain unless set) */
int apigw_fn_printf(apigw_fn_response_t *resp, int status, const char *fmt,
    ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* status and a JSON body (Content-Type application/json); takes body's
   reference */
int apigw_fn_json(apigw_fn_response_t *resp, int status, json_t *body);
/* json_pack() format: apigw_fn_jsonf(resp, 200, "{s:s}", "id", id) */
int apigw_fn_jsonf(apigw_fn_response_t *resp, int status, const char *fmt,
    ...);
/* the answer is this JSON as it is, not a proxy response (authorizers,
   plain events); takes the reference */
int apigw_fn_result(apigw_fn_response_t *resp, json_t *result);
/* a custom authorizer's answer: principalId and a policy of one statement
   (execute-api:Invoke, Allow or Deny, resource), context may be NULL
   (taken) */
int apigw_fn_authorize(apigw_fn_response_t *resp, const char *principal,
    int allow, const char *resource, json_t *context);
/* a function error: the handler then returns -1 */
int apigw_fn_error(apigw_fn_response_t *resp, const char *type,
    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;


/* the runtime: reads APIGW_RUNTIME_API_SOCKET or AWS_LAMBDA_RUNTIME_API
   and serves invocations with handler until the host goes; init may be
   NULL.  For a bootstrap of its own:
   int main(void) { return apigw_fn_run(handler, NULL); } */
int apigw_fn_run(apigw_fn_handler_pt handler, apigw_fn_init_pt init);


/* for the runtime and the tests: one invocation, without the Runtime API */
apigw_fn_request_t *apigw_fn_request_new(const char *event, size_t len);
void apigw_fn_request_set(apigw_fn_request_t *req, const char *id,
    const char *arn, const char *trace, int64_t deadline);
void apigw_fn_request_free(apigw_fn_request_t *req);
apigw_fn_response_t *apigw_fn_response_new(apigw_fn_request_t *req);
void apigw_fn_response_free(apigw_fn_response_t *resp);
/* the payload to post: *error set when it is an error; malloc'ed */
char *apigw_fn_response_payload(apigw_fn_response_t *resp, int rc,
    int *error, size_t *len);


#endif /* _APIGW_FUNCTION_H_INCLUDED_ */
