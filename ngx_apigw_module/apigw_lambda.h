
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_LAMBDA_H_INCLUDED_
#define _APIGW_LAMBDA_H_INCLUDED_


/*
 * Functions as integrations, nginx-free: the proxy event a function
 * receives (apigw_proxy_event.c) and what its answer makes of the
 * response (apigw_function_response.c), as API Gateway does.  The spec's
 * side (names, ARNs, binary media types) is apigw_spec_function.c's.
 */

#include "apigw_core.h"
#include "apigw_event.h"


/* Lambda's payload limit, each way */
#define APIGW_FN_PAYLOAD_MAX        (6 * 1024 * 1024)


/*
 * The proxy event's JSON text: payload 1.0, as REST APIs send it (empty
 * maps null), or 2.0, as HTTP APIs do; from the arena, or malloc()ed
 * (arena NULL: free() it); NULL when out of memory.  The body goes
 * base64, with isBase64Encoded, when its Content-Type is one of
 * binaryMediaTypes or it is not UTF-8.
 */
char *apigw_proxy_event_text(const apigw_event_request_t *rq, int v2,
    const apigw_json_arena_t *arena, size_t *len);


typedef enum {
    APIGW_FN_RESPONSE_OK = 0,
    APIGW_FN_RESPONSE_MALFORMED,        /* 502: not a proxy response */
    APIGW_FN_RESPONSE_BAD_BASE64,       /* 500: a body to decode that is
                                           not base64 */
    APIGW_FN_RESPONSE_NO_MEMORY
} apigw_fn_response_rc_e;

/* the response a function's answer makes */
typedef struct {
    int                       status;
    apigw_pair_t             *headers;      /* in order: multiValueHeaders',
                                               then headers', then cookies as
                                               Set-Cookie (2.0) */
    size_t                    nheaders;
    const char               *content_type; /* NULL: none given (then
                                               application/json) */
    size_t                    content_type_len;
    const char               *body;         /* may point into the answer */
    size_t                    body_len;

    /* what the strings are kept in */
    json_t                   *json;
    char                     *text;         /* values made into text */
    unsigned char            *decoded;      /* a base64 body, decoded */
} apigw_fn_response_t;

/*
 * A function's answer (its Invoke payload) by API Gateway's rules:
 *
 *   - 1.0: an object of statusCode (a number, or its text), headers
 *     (values strings, numbers, booleans), multiValueHeaders (lists of
 *     them), body (a string) and isBase64Encoded, each optional, null
 *     as absent; anything else, another key above all, is MALFORMED;
 *   - 2.0: the same with cookies (strings: Set-Cookie); JSON without
 *     statusCode is a 200 application/json whose body is that JSON (a
 *     string: its text);
 *   - an isBase64Encoded body is decoded only when binary (the request's
 *     Accept, its first type, is a binary media type): BAD_BASE64 when it
 *     is not base64; else it goes as it is.
 *
 * Header names must be tokens and values free of CR, LF and NUL;
 * Connection, Content-Length, Date, Server and Transfer-Encoding are
 * renamed x-amzn-Remapped-NAME, as API Gateway does.  OK with *out
 * (apigw_fn_response_free() it); errbuf says why not.
 */
apigw_fn_response_rc_e apigw_fn_response_parse(const char *payload,
    size_t len, int v2, int binary, apigw_fn_response_t **out, char *errbuf,
    size_t errlen);
void apigw_fn_response_free(apigw_fn_response_t *resp);
/*
 * a function error's payload ({"errorType", "errorMessage"}) as one line
 * for the log, "Type: message", printable ASCII, within size
 */
void apigw_fn_error_text(const char *payload, size_t len, char *buf,
    size_t size);


#endif /* _APIGW_LAMBDA_H_INCLUDED_ */
