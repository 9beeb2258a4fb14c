
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_AUTHORIZER_H_INCLUDED_
#define _APIGW_AUTHORIZER_H_INCLUDED_


/*
 * Custom (Lambda) authorizers, nginx-free: the definitions compiled from
 * a security scheme (apigw_authorizer.c), a request's identity and the
 * cache key (apigw_authorizer_identity.c), the request event and the
 * methodArn (apigw_authorizer_event.c), the answer, its policy, the
 * cached result and the outcomes (apigw_policy.c).  The authorize step
 * of the pipeline calls, per request:
 *
 *     apigw_authz_identity()     identity sources, validation: 401 or on
 *     apigw_authz_method_arn()   the ARN policies are matched against
 *     apigw_authz_cache_key()    with ttl: look the digest up, and on a
 *     apigw_authz_result_decode()  hit evaluate the bytes found
 *     apigw_authz_event()        on a miss: the body sent to the endpoint
 *     apigw_authz_parse()        its answer: a result to cache (its bytes)
 *     apigw_authz_evaluate()     the result against this methodArn
 *     apigw_authz_response()     any outcome but OK: the gateway response
 */

#include "apigw_core.h"
#include "apigw_keys.h"
#include "apigw_event.h"


#define APIGW_AUTHZ_MAX_SOURCES     16
#define APIGW_AUTHZ_TTL_DEFAULT     300
#define APIGW_AUTHZ_TTL_MAX         3600
#define APIGW_AUTHZ_TIMEOUT         10000       /* ms */
#define APIGW_AUTHZ_ARN_MAX         1600        /* AWS: longer is a 414 */
#define APIGW_AUTHZ_RESOURCE_MAX    1600        /* a policy's Resource */
#define APIGW_AUTHZ_IDENTITY_MAX    16384       /* one identity value */
#define APIGW_AUTHZ_ANSWER_MAX      (64 * 1024) /* the endpoint's answer */
#define APIGW_AUTHZ_ANSWER_DEPTH    16
#define APIGW_AUTHZ_MATCH_LIMIT     100000      /* the validation regex */

/* methodArn placeholders, when the configuration names none */
#define APIGW_AUTHZ_REGION          APIGW_EVENT_REGION
#define APIGW_AUTHZ_ACCOUNT         APIGW_EVENT_ACCOUNT




/* the definition: x-amazon-apigateway-authorizer, x-apigw-authorizer */
typedef enum {
    APIGW_AUTHZ_TOKEN = 0,
    APIGW_AUTHZ_REQUEST,
    APIGW_AUTHZ_JWT,                    /* parsed only: the JWT verifier's */
    APIGW_AUTHZ_COGNITO                 /* cognito_user_pools, likewise */
} apigw_authz_type_e;

/* the event and answer formats */
typedef enum {
    APIGW_AUTHZ_PAYLOAD_REST = 0,       /* no authorizerPayloadFormatVersion */
    APIGW_AUTHZ_PAYLOAD_1_0,            /* HTTP API "1.0" */
    APIGW_AUTHZ_PAYLOAD_2_0             /* HTTP API "2.0" */
} apigw_authz_payload_e;

typedef enum {
    APIGW_AUTHZ_SOURCE_HEADER = 0,      /* method.request.header.X,
                                           $request.header.X */
    APIGW_AUTHZ_SOURCE_QUERY,           /* method.request.querystring.X */
    APIGW_AUTHZ_SOURCE_STAGE_VAR,       /* stageVariables.X */
    APIGW_AUTHZ_SOURCE_CONTEXT          /* context.X: an apigw_context_e */
} apigw_authz_source_e;

typedef struct {
    apigw_authz_source_e      in;
    char                     *name;     /* headers in lower case */
    size_t                    name_len;
    int                       context;  /* CONTEXT: apigw_context_e */
} apigw_authz_source_t;

typedef enum {
    APIGW_AUTHZ_ENDPOINT_NONE = 0,      /* JWT, Cognito */
    APIGW_AUTHZ_ENDPOINT_HTTP,          /* POST the event to a URL */
    APIGW_AUTHZ_ENDPOINT_FUNCTION       /* invoke a function worker */
} apigw_authz_endpoint_e;

/* what the JWT verifier needs of a jwt or cognito_user_pools authorizer */
typedef struct {
    char                    **issuers;  /* jwt: one; Cognito: one a pool,
                                           https://cognito-idp.R.amazonaws
                                           .com/POOL */
    char                    **jwks;     /* per issuer: a URL or a file, or
                                           NULL: OpenID Connect discovery */
    size_t                    nissuers;
    char                    **audiences;    /* jwt; none: not checked */
    size_t                    naudiences;
} apigw_authz_jwt_t;

typedef struct apigw_authorizer_s {
    apigw_authz_type_e        type;
    apigw_authz_payload_e     payload;
    apigw_authz_source_t     *sources;      /* TOKEN: one header */
    size_t                    nsources;
    char                     *validation;   /* identityValidationExpression */
    void                     *regex;        /* pcre2_code *, full match */
    void                     *match_ctx;    /* pcre2_match_context * */
    unsigned                  ttl;          /* s, 0: results not cached */
    unsigned                  timeout_ms;

    apigw_authz_endpoint_e    endpoint;
    char                     *uri;          /* as written */
    apigw_tpl_t              *url;          /* HTTP: ${stageVariables.x} */
    apigw_tpl_t              *function;     /* FUNCTION: the function's
                                               name, may hold stage vars */
    char                     *qualifier;    /* FUNCTION: version, alias */

    apigw_authz_jwt_t         jwt;
    unsigned char             id[APIGW_SHA256_LEN];   /* the definition's
                                                         digest */
    unsigned                  simple:1;     /* enableSimpleResponses */
    unsigned                  aws:1;        /* x-amazon-apigateway-... */
} apigw_authorizer_t;

/* 1 when the scheme has x-amazon-apigateway-authorizer/x-apigw-authorizer */
int apigw_authorizer_declared(const apigw_loc_t *scheme);
/* the scheme's authorizer: 0, or -1 with err at the JSON pointer */
int apigw_authorizer_compile(const apigw_loc_t *scheme,
    apigw_authorizer_t *a, apigw_error_t *err);
void apigw_authorizer_free(apigw_authorizer_t *a);


/* outcomes: one for each way an authorization ends */
typedef enum {
    APIGW_AUTHZ_OK = 0,                 /* go on / allowed */
    APIGW_AUTHZ_UNAUTHORIZED,           /* 401: no identity, not valid,
                                           the authorizer said so */
    APIGW_AUTHZ_EXPLICIT_DENY,          /* 403 */
    APIGW_AUTHZ_IMPLICIT_DENY,          /* 403: no Allow matches */
    APIGW_AUTHZ_FORBIDDEN,              /* 403: isAuthorized false */
    APIGW_AUTHZ_CONFIG_ERROR,           /* 500: failed, timed out, invalid
                                           answer */
    APIGW_AUTHZ_FAILURE,                /* 500: the gateway's own failure
                                           (memory, a corrupt cache entry) */
    APIGW_AUTHZ_URI_TOO_LONG,           /* 414: methodArn past 1600 bytes */
    APIGW_AUTHZ_RC_COUNT
} apigw_authz_rc_e;

typedef struct {
    apigw_gr_type_e           type;
    int                       status;       /* 0: the type's */
    const char               *message;      /* NULL: the type's */
} apigw_authz_response_t;

/* the gateway response for an outcome: 1, or 0 for APIGW_AUTHZ_OK */
int apigw_authz_response(apigw_authz_rc_e rc, apigw_authz_response_t *resp);
/* "UNAUTHORIZED", "EXPLICIT_DENY"...: for logs */
const char *apigw_authz_rc_name(apigw_authz_rc_e rc);



/* the identity-source values of one request */
typedef struct {
    apigw_event_str_t         values[APIGW_AUTHZ_MAX_SOURCES];
    size_t                    n;
    char                      scratch[APIGW_AUTHZ_MAX_SOURCES][32];
} apigw_authz_identity_t;

/*
 * reads the identity sources and checks the token against the validation
 * expression: APIGW_AUTHZ_OK, or UNAUTHORIZED (a source missing or empty,
 * a header or query parameter given twice with different values, a value
 * past APIGW_AUTHZ_IDENTITY_MAX, no match) with errbuf saying which
 */
apigw_authz_rc_e apigw_authz_identity(const apigw_authorizer_t *a,
    const apigw_event_request_t *rq, apigw_authz_identity_t *id,
    char *errbuf, size_t errlen);

/*
 * s against the identityValidationExpression, whole (the token; Cognito:
 * the token's aud): 1 it matches or there is none, 0 not, -1 the match
 * gave up (its limits, memory)
 */
int apigw_authz_valid(const apigw_authorizer_t *a, const char *s,
    size_t len);

/*
 * the result cache's key: SHA-256 of the definition's digest, scope (the
 * glue's: API, stage, scheme) and every identity value, each
 * length-prefixed; no credential is kept in clear.  0, -1: no memory
 */
int apigw_authz_cache_key(const apigw_authorizer_t *a, const char *scope,
    size_t scope_len, const apigw_authz_identity_t *id,
    unsigned char key[APIGW_SHA256_LEN]);

/*
 * arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}
 * into buf (APIGW_AUTHZ_ARN_MAX + 1 bytes, NUL-terminated): the path is
 * the request's, canonical (apigw_authz_canonical_path()) and without its
 * first "/".  APIGW_AUTHZ_OK with *len, or URI_TOO_LONG
 */
apigw_authz_rc_e apigw_authz_method_arn(const apigw_event_request_t *rq,
    char *buf, size_t *len);
/*
 * a raw path in the form methodArn uses: escapes of unreserved characters
 * decoded, other escapes kept (hex digits upper-cased), bytes outside
 * unreserved, sub-delims, "@" and "/" (":" among them) escaped; out holds
 * 3 * len bytes; returns the length
 */
size_t apigw_authz_canonical_path(const char *path, size_t len, char *out);

/* $context.resourceId: six base-36 characters from the template; out[7] */
size_t apigw_authz_resource_id(const apigw_event_str_t *resource, char *out);
/* $context.requestTime: "12/Mar/2020:19:03:58 +0000"; out[32] */
size_t apigw_authz_format_time(int64_t ms, char *out);

/* the event the endpoint receives (a new reference), or NULL: no memory */
json_t *apigw_authz_event(const apigw_authorizer_t *a,
    const apigw_event_request_t *rq, const apigw_authz_identity_t *id,
    const char *arn, size_t arn_len);


/* an answer, compiled: what the cache keeps, as bytes */
typedef enum {
    APIGW_AUTHZ_CTX_STRING = 0,
    APIGW_AUTHZ_CTX_NUMBER,
    APIGW_AUTHZ_CTX_BOOLEAN,
    APIGW_AUTHZ_CTX_JSON                /* simple responses: object, array,
                                           null */
} apigw_authz_ctx_type_e;

typedef struct {
    apigw_authz_ctx_type_e    type;
    apigw_event_str_t         key;
    apigw_event_str_t         value;    /* the string, or JSON text: what
                                           $context.authorizer.key is */
} apigw_authz_ctx_t;

/* a statement that can concern execute-api:Invoke */
typedef struct {
    apigw_event_str_t        *resources;    /* IAM patterns */
    size_t                    nresources;
    unsigned                  deny:1;
    unsigned                  any:1;        /* Deny that applies whatever the
                                               resource (NotResource) */
} apigw_authz_stmt_t;

typedef struct apigw_authz_result_s {
    apigw_event_str_t         principal;    /* "" for simple responses */
    apigw_event_str_t         usage_key;    /* data NULL: none */
    apigw_authz_stmt_t       *stmts;
    size_t                    nstmts;
    apigw_authz_ctx_t        *context;
    size_t                    ncontext;
    const unsigned char      *bytes;        /* the serialized result: */
    size_t                    nbytes;       /*  what the cache stores */
    unsigned                  simple:1;
    unsigned                  authorized:1; /* simple: isAuthorized */
} apigw_authz_result_t;

#define APIGW_AUTHZ_ANSWER_FUNCTION_ERROR   0x1     /* X-Amz-Function-Error */

/*
 * the endpoint's answer: status is the HTTP endpoint's status (200 for a
 * function), flags APIGW_AUTHZ_ANSWER_FUNCTION_ERROR when a function
 * failed.  APIGW_AUTHZ_OK with *res (free() it), UNAUTHORIZED (an HTTP
 * 401, a function error "Unauthorized"), CONFIG_ERROR (any other failure
 * or an invalid answer, errbuf says why) or FAILURE (no memory)
 */
apigw_authz_rc_e apigw_authz_parse(const apigw_authorizer_t *a,
    unsigned status, unsigned flags, const char *body, size_t len,
    apigw_authz_result_t **res, char *errbuf, size_t errlen);
/* a result from its bytes (a cache entry), checked; NULL: not valid */
apigw_authz_result_t *apigw_authz_result_decode(const void *bytes,
    size_t len);
/*
 * the result for a methodArn: OK, EXPLICIT_DENY, IMPLICIT_DENY; simple
 * responses: OK or FORBIDDEN
 */
apigw_authz_rc_e apigw_authz_evaluate(const apigw_authz_result_t *res,
    const char *arn, size_t len);
const apigw_authz_ctx_t *apigw_authz_context_find(
    const apigw_authz_result_t *res, const char *key, size_t len);
/*
 * requestContext.authorizer of a proxy event: {principalId, context...}
 * (payload 1.0) or {lambda: {context...}} (2.0), a new reference or NULL
 */
json_t *apigw_authz_result_json(const apigw_authz_result_t *res, int v2);

/*
 * an IAM pattern against s: "*" any run of characters but ":", or of
 * any characters when it ends an ARN segment (before ":" or at the end),
 * "?" any one character but ":"; icase: ASCII letters in either case
 */
int apigw_iam_match(const char *pat, size_t plen, const char *s, size_t len,
    int icase);


#endif /* _APIGW_AUTHORIZER_H_INCLUDED_ */
