
/*
 * Copyright (C) apigw contributors
 */


#ifndef _NGX_HTTP_APIGW_MODULE_H_INCLUDED_
#define _NGX_HTTP_APIGW_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "apigw_core.h"
#include "apigw_keys.h"
#include "apigw_throttle.h"
#include "apigw_method_settings.h"
#include "apigw_schema.h"
#include "apigw_vtl.h"
#include "apigw_jwt.h"
#include "apigw_jwt_conf.h"
#include "apigw_authorizer.h"
#include "apigw_lambda.h"
#include "apigw_trace.h"
#include "apigw_metrics.h"


#define NGX_HTTP_APIGW_REQUEST_ID_LEN  36
#define NGX_HTTP_APIGW_MAX_ERRORS      10
#define NGX_HTTP_APIGW_MAX_STAGE_VARS  100   /* AWS's */
#define NGX_HTTP_APIGW_BODY_LIMIT      (10 * 1024 * 1024)  /* AWS's */
#define NGX_HTTP_APIGW_BACKEND_KEEPALIVE  64    /* idle, per worker and host */
#define NGX_HTTP_APIGW_FETCH_BUFFER_SIZE  (256 * 1024)  /* a fetch's answer */
/* a function's answer: Lambda's 6 MB and the host's 100 bytes of slack */
#define NGX_HTTP_APIGW_FUNCTION_ANSWER_MAX  (APIGW_FN_PAYLOAD_MAX + 100)

#define NGX_HTTP_APIGW_RESPONSE_VALIDATION_OFF      0
#define NGX_HTTP_APIGW_RESPONSE_VALIDATION_REPORT   1
#define NGX_HTTP_APIGW_RESPONSE_VALIDATION_ENFORCE  2

/* ctx->response_validation: what $apigw_response_validation says */
#define NGX_HTTP_APIGW_RESPONSE_NOT_VALIDATED       0
#define NGX_HTTP_APIGW_RESPONSE_UNCHECKED           1   /* no schema */
#define NGX_HTTP_APIGW_RESPONSE_VALID               2
#define NGX_HTTP_APIGW_RESPONSE_INVALID             3


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   file;
    apigw_api_t                *api;
    ngx_str_t                   conf_file;      /* where apigw_api stands */
    ngx_uint_t                  conf_line;
} ngx_http_apigw_api_t;


#define NGX_HTTP_APIGW_REDIS_LOCAL      0
#define NGX_HTTP_APIGW_REDIS_OPEN       1
#define NGX_HTTP_APIGW_REDIS_CLOSED     2

typedef struct {
    ngx_str_t                   host;           /* an address, NUL after */
    in_port_t                   port;
    ngx_str_t                   unix_path;      /* NUL after */
    ngx_str_t                   password;
    ngx_uint_t                  db;
    ngx_msec_t                  timeout;
    ngx_uint_t                  on_failure;
} ngx_http_apigw_redis_conf_t;


#define NGX_HTTP_APIGW_MAX_BUCKETS  4

typedef struct {
    const char                 *level;      /* the RateLimit policy name */
    const apigw_throttle_t     *throttle;
    ngx_str_t                   id;
    uint32_t                    hash;
    apigw_gcra_t                g;
    uint32_t                    grant;      /* Redis: tokens leased */
} ngx_http_apigw_bucket_t;

typedef struct {
    const apigw_quota_t        *quota;
    ngx_str_t                   id;
    uint32_t                    hash;
    int64_t                     start, end; /* s */
    uint64_t                    used;       /* with this request */
    uint64_t                    grant;      /* Redis: units leased */
} ngx_http_apigw_quota_check_t;

/* where a request's throttling verdict came from: $apigw_throttle */
#define NGX_HTTP_APIGW_STORE_NONE       0
#define NGX_HTTP_APIGW_STORE_LOCAL      1
#define NGX_HTTP_APIGW_STORE_REDIS      2
#define NGX_HTTP_APIGW_STORE_FALLBACK   3   /* Redis failed: the policy */
#define NGX_HTTP_APIGW_STORE_OPEN       4
#define NGX_HTTP_APIGW_STORE_CLOSED     5

/* the buckets and quota of one request, and its verdict */
typedef struct {
    ngx_http_apigw_bucket_t       b[NGX_HTTP_APIGW_MAX_BUCKETS];
    ngx_uint_t                    n;
    ngx_http_apigw_quota_check_t  q;
    ngx_http_apigw_quota_check_t *quota;        /* &q, or NULL */
    int64_t                       now;          /* ns */
    ngx_uint_t                    store;
    unsigned                      admitted:1;
} ngx_http_apigw_throttle_req_t;

struct redisReply;

/* called with Redis's reply to a request's command; NULL: none came */
typedef void (*ngx_http_apigw_redis_done_pt)(ngx_http_request_t *r,
    struct redisReply *reply);

/* a request waiting for Redis */
typedef struct {
    ngx_event_t                   timer;
    void                         *call;
    ngx_http_apigw_redis_done_pt  done;
} ngx_http_apigw_redis_wait_t;

struct redisAsyncContext;

/* hiredis's redisCallbackFn: a reply, or NULL when the connection went */
typedef void (*ngx_http_apigw_redis_reply_pt)(struct redisAsyncContext *ac,
    void *reply, void *data);

typedef struct ngx_http_apigw_redis_link_s  ngx_http_apigw_redis_link_t;

/* a new connection, before it is up: its first commands */
typedef void (*ngx_http_apigw_redis_opened_pt)(
    ngx_http_apigw_redis_link_t *link);

/*
 * a worker's hiredis async connection on nginx's event loop, made again
 * with backoff when it fails (ngx_http_apigw_redis.c)
 */
struct ngx_http_apigw_redis_link_s {
    struct redisAsyncContext   *ac;
    ngx_connection_t           *conn;
    ngx_http_apigw_redis_conf_t  *conf;
    ngx_log_t                  *log;
    ngx_event_t                 reconnect;
    ngx_msec_t                  backoff;
    const char                 *name;       /* for the log: "redis" */
    const char                 *fallback;   /* what goes on while down */
    ngx_http_apigw_redis_opened_pt  opened;
    void                       *data;
    unsigned                    up:1;
    unsigned                    down_logged:1;
    unsigned                    writing:1;  /* in the write handler */
    unsigned                    closed:1;   /* for good: the worker exits */
};

typedef struct ngx_http_apigw_metrics_s  ngx_http_apigw_metrics_t;
typedef struct ngx_http_apigw_cache_zone_s  ngx_http_apigw_cache_zone_t;
typedef struct ngx_http_apigw_cache_gen_s  ngx_http_apigw_cache_gen_t;
typedef struct ngx_http_apigw_cache_redis_s  ngx_http_apigw_cache_redis_t;

/* a stage's cache: its name, "api/stage", and its generation */
typedef struct {
    ngx_str_t                   name;
    ngx_http_apigw_cache_gen_t *gen;        /* in the zone */
} ngx_http_apigw_cache_stage_t;
typedef struct ngx_http_apigw_export_s  ngx_http_apigw_export_t;

typedef struct {
    ngx_array_t                 apis;           /* ngx_http_apigw_api_t */
    apigw_keys_t               *keys;           /* apigw_keys, or NULL */
    ngx_shm_zone_t             *zone;           /* buckets and quotas */
    ngx_http_apigw_redis_conf_t  *redis;
    size_t                      zone_size;
    ngx_shm_zone_t             *authorizer_zone;    /* results cached */
    size_t                      authorizer_cache_size;
    ngx_flag_t                  strict;         /* apigw_strict */
    ngx_int_t                   jwt_cache;      /* apigw_jwt_cache: tokens
                                                   a worker keeps; 0: off */
    ngx_array_t                 jwks;           /* ngx_http_apigw_jwks_t * */
    ngx_uint_t                  jwks_sources;   /* fetched ones */
    ngx_shm_zone_t             *jwks_zone;
    ngx_array_t                 stages;         /* ngx_http_apigw_loc_conf_t *:
                                                   every location with apigw,
                                                   and every canary */
    ngx_http_apigw_metrics_t   *metrics;        /* the series, or NULL */
    size_t                      metrics_zone_size;
    ngx_http_apigw_cache_zone_t  *cache_zone;   /* or NULL */
    ngx_array_t                *cache_flushes;  /* ngx_http_apigw_loc_conf_t *:
                                                   apigw_cache_flush; or
                                                   NULL */
    size_t                      cache_zone_size;
    ngx_http_apigw_cache_redis_t  *cache_redis; /* with apigw_redis */
    ngx_array_t                *exports;        /* ngx_http_apigw_export_t *:
                                                   apigw_export, apigw_docs;
                                                   or NULL */
    uint64_t                    rng[2];         /* request ids, per process */
} ngx_http_apigw_main_conf_t;


/* which requests of an operation a stage caches */
#define NGX_HTTP_APIGW_CACHED_NEVER     0
#define NGX_HTTP_APIGW_CACHED_READS     1   /* GET and HEAD */
#define NGX_HTTP_APIGW_CACHED_ALWAYS    2

/*
 * what a stage does for one of its operations, resolved once from its
 * apigw_method_settings, the spec and the stage-wide directives
 * (ngx_http_apigw_method_settings.c)
 */
typedef struct {
    apigw_throttle_t            throttle;       /* the operation's bucket;
                                                   rate 0: none */
    time_t                      cache_ttl;      /* s */
    ngx_uint_t                  cache;          /* NGX_HTTP_APIGW_CACHED_* */
    ngx_uint_t                  cache_unauthorized; /* apigw_cache_
                                                       unauthorized_e */
    ngx_uint_t                  log_level;      /* 0: the location's */
    unsigned                    cache_authorization:1;
    unsigned                    metrics:1;
    unsigned                    validation_details:1;
} ngx_http_apigw_op_settings_t;

typedef struct ngx_http_apigw_loc_conf_s  ngx_http_apigw_loc_conf_t;
typedef struct ngx_http_apigw_canary_s  ngx_http_apigw_canary_t;
typedef struct ngx_http_apigw_sigv4_s  ngx_http_apigw_sigv4_t;

struct ngx_http_apigw_loc_conf_s {
    ngx_str_t                   api_name;
    ngx_http_apigw_api_t       *api;
    ngx_str_t                   stage;
    ngx_array_t                *stage_vars;     /* ngx_keyval_t */
    ngx_str_t                   backend;        /* "http://host:port" */
    ngx_str_t                   backend_path;   /* base path, no "/" at end */
    ngx_str_t                   functions;      /* apigw_functions: the
                                                   Invoke API's URL, no "/"
                                                   at the end */
    ngx_http_apigw_sigv4_t     *functions_sigv4;    /* its aws_sigv4, or
                                                       NULL */
    ngx_str_t                   prefix;         /* location name to strip */
    ngx_str_t                   conf_file;      /* where "apigw" stands */
    ngx_uint_t                  conf_line;

    off_t                       body_limit;
    ngx_uint_t                  json_max_depth;
    ngx_flag_t                  validation_details; /* unset: the spec's */
    ngx_uint_t                  response_validation;
    apigw_throttle_t            throttle;       /* apigw_throttle */
    ngx_str_t                   stage_bucket;   /* its id: "s|api/stage" */
    ngx_array_t                *method_settings;    /* apigw_method_entry_t,
                                                       or NULL */
    ngx_http_apigw_op_settings_t  *op_settings; /* per operation of the
                                                   API */
    ngx_array_t                *delegate;       /* ngx_str_t: scheme names,
                                                   "all"; or NULL */
    ngx_array_t                *jwt_confs;      /* apigw_jwt directives:
                                                   ngx_http_apigw_jwt_conf_t */
    ngx_array_t                *jwt;            /* ngx_http_apigw_jwt_t *,
                                                   per scheme verified */
    ngx_uint_t                  jwt_forward;    /* one forwards claims */
    ngx_http_apigw_canary_t    *canary_settings;    /* apigw_canary */
    ngx_array_t                *canary_trusted; /* ngx_cidr_t: may force a
                                                   release */
    ngx_http_apigw_loc_conf_t  *canary;         /* the stage's canary: a
                                                   conf of its own, or NULL */
    ngx_http_apigw_loc_conf_t  *canary_of;      /* a canary's: its stage's */
    ngx_uint_t                  proxy_method;   /* proxy_method is set */
    ngx_flag_t                  metrics;        /* apigw_metrics */
    ngx_uint_t                 *metrics_series; /* per operation, then no
                                                   route: the series */
    ngx_flag_t                  prometheus;     /* apigw_prometheus */
    ngx_http_apigw_export_t    *export;         /* apigw_export, apigw_docs:
                                                   an operator's location */

    ngx_flag_t                  cache;          /* apigw_cache */
    ngx_flag_t                  caching;        /* the stage has a cache:
                                                   apigw_cache on, or a
                                                   method setting's */
    time_t                      cache_ttl;      /* s */
    size_t                      cache_max_entry;
    ngx_flag_t                  cache_authorization;    /* required for
                                                           Cache-Control */
    ngx_uint_t                  cache_unauthorized;     /* apigw_cache_
                                                           unauthorized_e */
    ngx_str_t                   cache_scope;    /* a token's, to refresh */
    ngx_flag_t                  cache_shared_canary;    /* the canary uses
                                                           the stage's */
    ngx_http_apigw_cache_stage_t  cache_stage;
    u_char                      cache_vars[APIGW_SHA256_LEN];  /* stage
                                                   variables, backend */
    ngx_str_t                   cache_flush;    /* apigw_cache_flush: the
                                                   stage's prefix */
    ngx_http_apigw_loc_conf_t  *cache_flush_stage;
};


/* an apigw_jwt directive: a scheme and what its tokens must satisfy */
typedef struct {
    ngx_str_t                   scheme;
    apigw_jwt_conf_t           *conf;
} ngx_http_apigw_jwt_conf_t;

typedef struct ngx_http_apigw_jwt_s  ngx_http_apigw_jwt_t;
typedef struct ngx_http_apigw_jwks_s  ngx_http_apigw_jwks_t;


typedef struct ngx_http_apigw_fetch_s  ngx_http_apigw_fetch_t;
typedef struct ngx_http_apigw_function_s  ngx_http_apigw_function_t;


/*
 * how far a scheme's check got; ordered: a refusal is the furthest any
 * alternative of the operation's security got
 */
typedef enum {
    NGX_HTTP_APIGW_KEY_OK = 0,
    NGX_HTTP_APIGW_KEY_MISSING,
    NGX_HTTP_APIGW_KEY_NO_CREDENTIALS,  /* no Authorization of the scheme */
    NGX_HTTP_APIGW_KEY_NO_CERTIFICATE,
    NGX_HTTP_APIGW_KEY_INVALID_TOKEN,   /* ctx->jwt_status says why */
    NGX_HTTP_APIGW_KEY_UNKNOWN,
    NGX_HTTP_APIGW_KEY_DISABLED,
    NGX_HTTP_APIGW_KEY_NOT_IN_PLAN,
    NGX_HTTP_APIGW_KEY_INSUFFICIENT_SCOPE,
    NGX_HTTP_APIGW_KEY_AUTHZ_REFUSED,   /* ctx->authz_rc says how */
    NGX_HTTP_APIGW_KEY_WAIT,            /* asking Redis, a JWKS, an
                                           authorizer */
    NGX_HTTP_APIGW_KEY_ERROR
} ngx_http_apigw_key_check_e;


/* $apigw_cache_status */
typedef enum {
    NGX_HTTP_APIGW_CACHE_NONE = 0,
    NGX_HTTP_APIGW_CACHE_MISS,
    NGX_HTTP_APIGW_CACHE_HIT_STATUS,
    NGX_HTTP_APIGW_CACHE_STALE_STATUS,
    NGX_HTTP_APIGW_CACHE_REFRESH_STATUS,
    NGX_HTTP_APIGW_CACHE_BYPASS
} ngx_http_apigw_cache_status_e;

/* a request's dealings with the cache */
typedef struct {
    u_char                      key[APIGW_SHA256_LEN];
    uint64_t                    owner;      /* while it fetches */
    void                       *node;       /* its node in the zone */
    ngx_msec_t                  ttl;        /* ms */
    ngx_msec_t                  wait_start;
    ngx_msec_t                  wait_until;
    ngx_event_t                 wait;
    ngx_uint_t                  status;     /* ngx_http_apigw_cache_status_e */
    ngx_array_t                 body;       /* u_char, kept to store */
    apigw_cache_response_t      resp;       /* what is kept to store */
    unsigned                    filling:1;  /* it fetches for the key */
    unsigned                    collecting:1;
    unsigned                    hit:1;      /* answered from the cache */
    unsigned                    refresh:1;
    unsigned                    waited:1;   /* for another's fetch */
    unsigned                    not_authorized:1;   /* a refresh ignored,
                                                       and said so */
} ngx_http_apigw_cache_req_t;


typedef struct {
    ngx_http_request_t         *request;
    ngx_http_apigw_loc_conf_t  *alcf;
    apigw_operation_t          *op;
    ngx_http_apigw_op_settings_t  *settings;    /* the stage's, for op */
    apigw_match_t               match;
    const apigw_key_t          *key;            /* the caller's API key */
    const apigw_key_t          *canary_key;     /* the key presented, while
                                                   a sticky key is made */

    ngx_str_t                   principal;      /* sub, principalId */
    json_t                     *claims;         /* a verified token's */
    ngx_uint_t                  jwt_status;     /* apigw_jwt_status_e */
    ngx_uint_t                  authz_rc;       /* apigw_authz_rc_e */
    apigw_authz_result_t       *authz;          /* a custom authorizer's */
    ngx_str_t                   usage_key;      /* usageIdentifierKey */
    ngx_uint_t                  gateway_error;  /* the gateway response
                                                   sent: apigw_gr_type_e + 1,
                                                   0: none */
    const char                 *gateway_message;
    ngx_uint_t                  integration_status;     /* a mock's, or
                                                           the Invoke
                                                           API's answer */
    apigw_trace_t               trace;          /* with trace_set */
    u_char                      span[8];        /* the gateway's span */
    void                      **scheme_state;   /* per scheme of the API,
                                                   for its check: NULL */
    ngx_http_apigw_throttle_req_t  *throttle;
    ngx_http_apigw_redis_wait_t  *redis;
    ngx_uint_t                  step;           /* the pipeline's cursor */
    u_char                      keystore_digest[APIGW_SHA256_LEN];
    u_char                      authz_identity[APIGW_SHA256_LEN];  /* the
                                                   identity an authorizer
                                                   allowed, digested */
    ngx_str_t                   path;           /* raw, prefix stripped */
    u_char                      request_id[NGX_HTTP_APIGW_REQUEST_ID_LEN];

    ngx_str_t                   integration_url;
    ngx_str_t                   integration_method;
    ngx_http_apigw_fetch_t     *fetch;          /* a fetch's subrequest:
                                                   its fetch */
    ngx_http_apigw_function_t  *function;       /* a function's call */
    ngx_msec_t                  start;          /* ngx_current_msec */
    ngx_msec_t                  integration_start;
    ngx_msec_int_t              integration_latency;    /* -1: none yet */
    ngx_event_t                 deadline;

    ngx_buf_t                  *error_body;     /* replaces nginx's page */
    ngx_str_t                   error_message;  /* replaces the default */
    ngx_str_t                   error_details;  /* "[{...},...]" or empty */

    ngx_str_t                   body;           /* whole, when needed */
    json_t                     *json;           /* the body parsed */
    apigw_pair_t               *query;
    size_t                      nquery;
    ngx_str_t                   args;           /* for the integration */
    ngx_str_t                  *map_values;     /* per request mapping */

    apigw_integration_response_t  *integration_response;
    ngx_array_t                 response_body;  /* u_char, while held */
    json_t                     *response_json;
    ngx_uint_t                  response_validation;
    apigw_cors_answer_t        *cors;           /* an allowed preflight's */
    ngx_http_apigw_cache_req_t *cache;          /* NULL: not cached */

    unsigned                    integration_started:1;
    unsigned                    deadline_passed:1;
    unsigned                    replace_body:1;
    unsigned                    error_body_sent:1;
    unsigned                    query_parsed:1;
    unsigned                    responded:1;    /* a response is under way */
    unsigned                    hold_response:1;
    unsigned                    response_too_large:1;   /* a fetch's too:
                                                       its answer dropped */
    unsigned                    body_read:1;    /* the whole body is in */
    unsigned                    keystore_asked:1;   /* Redis, for a key */
    unsigned                    canary_pending:1;   /* the release waits
                                                       for a key in Redis */
    unsigned                    authz_identified:1;
    unsigned                    trace_set:1;
    unsigned                    trace_continued:1;  /* a caller's trace */
    unsigned                    cors_preflight:1;   /* answered as one */
    unsigned                    cors_done:1;    /* its headers are set */

    /* why the request was refused, for the metrics: 0 when it was not */
    unsigned                    auth_refused:4; /* key_check_e */
    unsigned                    throttle_refused:3; /* apigw_throttled_e + 1 */
    unsigned                    validation_failed:2;    /* apigw_invalid_e
                                                           + 1 */
    unsigned                    redis_fallback:1;   /* Redis failed: the
                                                       failure policy's */
    unsigned                    function_outcome:3; /* apigw_fn_outcome_e
                                                       + 1 */
} ngx_http_apigw_ctx_t;


extern ngx_module_t  ngx_http_apigw_module;


/*
 * The request pipeline (ngx_http_apigw_pipeline.c) and its steps, one file
 * each, in the order they run.  A step returns NGX_OK (on to the next),
 * NGX_DONE (suspended: it runs again after ngx_http_apigw_resume()), or an
 * error; one that answers the request sets ctx->responded.
 */
ngx_int_t ngx_http_apigw_handler(ngx_http_request_t *r);
void ngx_http_apigw_resume(ngx_http_request_t *r);

ngx_int_t ngx_http_apigw_canary_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_route_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_cors_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_identity_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_throttle_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_validate_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_cache_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_transform_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_integrate_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);

/* ngx_http_apigw_proxy.c: the http integration, for the integrate step */
char *ngx_http_apigw_proxy_conf(ngx_conf_t *cf, ngx_uint_t method);
char *ngx_http_apigw_proxy_method_conf(ngx_conf_t *cf);
ngx_int_t ngx_http_apigw_proxy_integration(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_render_uri(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_tpl_t *tpl, ngx_str_t *args,
    ngx_str_t *url);

/* ngx_http_apigw_function.c: functions, called by the Invoke API */
char *ngx_http_apigw_functions_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_apigw_function_integration(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
/* for custom authorizers that are functions */
ngx_int_t ngx_http_apigw_function_invoke_url(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_tpl_t *function, char *qualifier,
    ngx_str_t *url);
ngx_uint_t ngx_http_apigw_function_failed(ngx_http_apigw_fetch_t *f);

/* ngx_http_apigw_sigv4.c: Invoke API calls signed with AWS SigV4 */
char *ngx_http_apigw_sigv4_conf(ngx_conf_t *cf, ngx_str_t *url,
    ngx_str_t *args, ngx_uint_t n, ngx_http_apigw_sigv4_t **svp);
ngx_int_t ngx_http_apigw_sigv4_sign(ngx_http_request_t *r,
    ngx_http_apigw_sigv4_t *sv, ngx_http_apigw_fetch_t *f);

/* ngx_http_apigw_response_filter.c: the response side */
ngx_int_t ngx_http_apigw_filter_init(ngx_conf_t *cf);

/* ngx_http_apigw_cache.c: the cache step's configuration, and what the
 * response filter stores */
char *ngx_http_apigw_cache_flush_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_apigw_cache_merge(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);
ngx_int_t ngx_http_apigw_cache_init(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf);
ngx_int_t ngx_http_apigw_cache_header(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_cache_body(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_chain_t *in);
/* the fetch let go: pass, what came may not be stored; failed, its
 * status, which the requests that waited get */
void ngx_http_apigw_cache_give_up(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_uint_t pass, ngx_uint_t failed);

/* ngx_http_apigw_cache_zone.c: the cache's shared memory */
typedef enum {
    NGX_HTTP_APIGW_CACHE_HIT = 0,   /* the response copied */
    NGX_HTTP_APIGW_CACHE_STALE,     /* an expired one copied */
    NGX_HTTP_APIGW_CACHE_FILL,      /* this request fetches and stores */
    NGX_HTTP_APIGW_CACHE_WAIT,      /* another request fetches */
    NGX_HTTP_APIGW_CACHE_PASS,      /* straight to the integration */
    NGX_HTTP_APIGW_CACHE_FAILED,    /* the fetch waited for failed */
    NGX_HTTP_APIGW_CACHE_ERROR
} ngx_http_apigw_cache_rc_e;

#define NGX_HTTP_APIGW_CACHE_F_REFRESH  0x01
#define NGX_HTTP_APIGW_CACHE_F_STALE    0x02
#define NGX_HTTP_APIGW_CACHE_F_FILL     0x04
#define NGX_HTTP_APIGW_CACHE_F_WAITED   0x08

ngx_int_t ngx_http_apigw_cache_zone_add(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf);
typedef struct {
    uint64_t                    owner;      /* the request */
    ngx_uint_t                  flags;      /* NGX_HTTP_APIGW_CACHE_F_* */
    ngx_msec_t                  lock;       /* how long a fetch may take */
    ngx_msec_t                  since;      /* waiting since */
    ngx_str_t                   data;       /* a hit's copy */
    time_t                      date;       /* a hit's, for Age */
    ngx_uint_t                  status;     /* a failed fetch's */
    void                       *node;       /* a fill's */
} ngx_http_apigw_cache_find_t;

ngx_http_apigw_cache_rc_e ngx_http_apigw_cache_find(ngx_http_request_t *r,
    ngx_http_apigw_cache_zone_t *cz, ngx_http_apigw_cache_stage_t *stage,
    const u_char *key, ngx_http_apigw_cache_find_t *f);
ngx_int_t ngx_http_apigw_cache_store(ngx_http_apigw_cache_zone_t *cz,
    void *node, const u_char *key, uint64_t owner, const u_char *data,
    size_t len, ngx_msec_t ttl);
void ngx_http_apigw_cache_release(ngx_http_apigw_cache_zone_t *cz,
    void *node, const u_char *key, uint64_t owner, ngx_uint_t pass,
    ngx_uint_t failed);
void ngx_http_apigw_cache_invalidate(ngx_http_apigw_cache_zone_t *cz,
    const u_char *key);
void ngx_http_apigw_cache_flush(ngx_http_apigw_cache_stage_t *stage);
ngx_uint_t ngx_http_apigw_cache_redis_gen(ngx_http_apigw_cache_zone_t *cz,
    ngx_http_apigw_cache_stage_t *stage, uint64_t gen);
void ngx_http_apigw_cache_stats(ngx_http_apigw_cache_zone_t *cz,
    ngx_uint_t *entries, size_t *bytes);

/* ngx_http_apigw_cache_redis.c: flushes and refreshes across gateways */
ngx_int_t ngx_http_apigw_cache_redis_init(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf);
ngx_int_t ngx_http_apigw_cache_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_apigw_main_conf_t *amcf);
void ngx_http_apigw_cache_redis_exit_process(ngx_cycle_t *cycle);
void ngx_http_apigw_cache_redis_flush(ngx_http_request_t *r,
    ngx_http_apigw_cache_stage_t *stage);
void ngx_http_apigw_cache_redis_refresh(ngx_http_request_t *r,
    const u_char *key);

/* ngx_http_apigw_cors.c: preflights, for the route step; the headers of
 * every response, for the header filter */
ngx_uint_t ngx_http_apigw_cors_preflight(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_str_t *origin, ngx_str_t *method);
ngx_int_t ngx_http_apigw_cors_headers(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);


/* below the steps: what they share, never calling up into one */

/* ngx_http_apigw_request.c */
ngx_http_apigw_ctx_t *ngx_http_apigw_get_ctx(ngx_http_request_t *r);
uint64_t ngx_http_apigw_random(ngx_http_request_t *r);

/* ngx_http_apigw_trace.c: trace context, continued or started */
void ngx_http_apigw_trace(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_trace_headers(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_list_t *headers);
ngx_uint_t ngx_http_apigw_trace_header(ngx_http_apigw_ctx_t *ctx,
    ngx_table_elt_t *h);
ngx_int_t ngx_http_apigw_query(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
size_t ngx_http_apigw_cookies(ngx_http_request_t *r, apigw_pair_t *pairs,
    size_t max);
ngx_int_t ngx_http_apigw_header_values(ngx_http_request_t *r, u_char *name,
    size_t len, u_char sep, ngx_str_t *value);
void ngx_http_apigw_content_type(ngx_http_request_t *r, ngx_str_t *type);
ngx_int_t ngx_http_apigw_event_request(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_event_request_t *rq);
ngx_int_t ngx_http_apigw_needs_body(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_read_body_text(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_append_buf(ngx_array_t *a, ngx_buf_t *b,
    size_t size);
ngx_int_t ngx_http_apigw_parse_json(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_str_t *text, json_t **json,
    char *errbuf, size_t errlen);
ngx_int_t ngx_http_apigw_keep_json(ngx_http_request_t *r, json_t *json);
void ngx_http_apigw_pool_arena(ngx_http_request_t *r,
    apigw_json_arena_t *arena);
u_char *ngx_http_apigw_json_escape(u_char *dst, u_char *src, size_t len);
size_t ngx_http_apigw_json_escape_len(u_char *src, size_t len);

/* ngx_http_apigw_mapping.c */
ngx_int_t ngx_http_apigw_context_var(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_uint_t index, const char *name,
    size_t len, ngx_str_t *value);
ngx_int_t ngx_http_apigw_json_value(ngx_http_request_t *r, json_t *json,
    ngx_str_t *value);
ngx_int_t ngx_http_apigw_map_shared(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_mapping_t *m, json_t *json,
    ngx_str_t *value);
ngx_int_t ngx_http_apigw_render_template(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_vtl_t *vtl, ngx_str_t *body,
    json_t **json, ngx_str_t *out);

/* ngx_http_apigw_gateway_response.c */
ngx_int_t ngx_http_apigw_send_gateway_response(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_gr_type_e type, ngx_uint_t status);
ngx_buf_t *ngx_http_apigw_replace_response(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_gr_type_e type, ngx_uint_t status);
apigw_gr_type_e ngx_http_apigw_error_type(ngx_uint_t status);
ngx_int_t ngx_http_apigw_request_id_header(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
ngx_int_t ngx_http_apigw_spec_headers(ngx_http_request_t *r,
    apigw_header_t *headers, size_t n);
ngx_int_t ngx_http_apigw_send_response(ngx_http_request_t *r, ngx_buf_t *b);
ngx_int_t ngx_http_apigw_set_header(ngx_http_request_t *r, u_char *name,
    size_t nlen, u_char *value, size_t vlen);

/* ngx_http_apigw_module.c */
ngx_http_apigw_api_t *ngx_http_apigw_find_api(
    ngx_http_apigw_main_conf_t *amcf, ngx_str_t *name);
ngx_int_t ngx_http_apigw_check_stage(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);
ngx_uint_t ngx_http_apigw_changes_method(ngx_http_apigw_main_conf_t *amcf,
    ngx_str_t *name);
char *ngx_http_apigw_stage_variable_add(ngx_conf_t *cf, ngx_array_t **vars,
    ngx_str_t *name, ngx_str_t *value);

/* ngx_http_apigw_canary.c: a stage's canary, picked per request */
char *ngx_http_apigw_canary_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apigw_canary_stage_variable_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_apigw_canary_trust_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_apigw_canary_merge(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);
ngx_str_t *ngx_http_apigw_canary_name(ngx_http_apigw_loc_conf_t *alcf);
ngx_array_t *ngx_http_apigw_canary_stage_vars(ngx_conf_t *cf,
    ngx_array_t *stage, ngx_http_apigw_canary_t *cs);
void ngx_http_apigw_canary_pick(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);

/* ngx_http_apigw_backend.c: backend upstreams and proxy defaults */
char *ngx_http_apigw_run_directive(ngx_conf_t *cf, void *conf,
    ngx_command_t *commands, char *name, char *arg);
void ngx_http_apigw_backend_url(ngx_str_t *url, ngx_url_t *u);

/* ngx_http_apigw_variables.c */
ngx_int_t ngx_http_apigw_add_variables(ngx_conf_t *cf);
ngx_str_t *ngx_http_apigw_stage_variable(ngx_http_apigw_loc_conf_t *alcf,
    u_char *name, size_t len);
ngx_int_t ngx_http_apigw_variable_sticky(ngx_str_t *name, ngx_uint_t *key_id,
    const char **why);

/* ngx_http_apigw_identity.c: the keys file, the schemes each location
 * checks or delegates */
char *ngx_http_apigw_keys_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_apigw_check_security(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);
ngx_uint_t ngx_http_apigw_delegated(ngx_http_apigw_loc_conf_t *alcf,
    apigw_security_scheme_t *ss);
/* the key a caller presents, before the route is known: a sticky key's */
ngx_int_t ngx_http_apigw_identity_key(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_uint_t wait, const apigw_key_t **key);
const char *ngx_http_apigw_identity_key_unknown(
    ngx_http_apigw_main_conf_t *amcf, ngx_http_apigw_loc_conf_t *alcf);

/*
 * ngx_http_apigw_fetch.c: a URL fetched for a request through nginx's own
 * proxy module (a subrequest in memory, in the request's apigw location),
 * for JWKS, discovery documents and custom authorizers.  Nothing of the
 * client's request (headers, body) goes with it.
 */
typedef void (*ngx_http_apigw_fetch_done_pt)(ngx_http_apigw_fetch_t *f);

struct ngx_http_apigw_fetch_s {
    ngx_str_t                   url;            /* http(s)://... */
    ngx_str_t                   method;         /* empty: GET */
    ngx_str_t                   body;           /* sent when not empty */
    ngx_str_t                   content_type;   /* of the body */
    ngx_keyval_t               *headers;        /* sent besides */
    ngx_uint_t                  nheaders;
    ngx_msec_t                  timeout;        /* the whole exchange */
    size_t                      max_size;       /* of the answer's body */

    /* the handler runs when the fetch ends; NULL: the request resumes */
    ngx_http_apigw_fetch_done_pt  handler;
    void                       *data;

    /* the outcome */
    ngx_uint_t                  status;         /* 0: no answer */
    ngx_str_t                   response;       /* the body */
    ngx_str_t                   content_type_received;
    ngx_list_t                 *headers_received;   /* ngx_table_elt_t */
    const char                 *error;          /* no answer: why */
    unsigned                    done:1;
    unsigned                    timed_out:1;
    unsigned                    too_large:1;

    /* the fetch's own */
    ngx_http_request_t         *request;        /* who asked */
    ngx_http_request_t         *subrequest;
    ngx_event_t                 timer;
};

/*
 * NGX_OK: under way; f->done is set and f->handler runs (or the request
 * resumes) on its end, whatever it is.  NGX_ERROR: could not start.  The
 * handler runs inside nginx's event handling: it must not finalize the
 * request; a request terminated first (the client gone) ends the fetch
 * from its cleanup, f->request NULL then.  f and the answer live in (or
 * as long as) the request's pool.
 */
ngx_int_t ngx_http_apigw_fetch_start(ngx_http_request_t *r,
    ngx_http_apigw_fetch_t *f);
/* the body filter's, for a fetch's subrequest: NGX_OK, dropped */
ngx_int_t ngx_http_apigw_fetch_filter(ngx_http_request_t *sr,
    ngx_http_apigw_ctx_t *sctx, ngx_chain_t *in);


/* ngx_http_apigw_jwt.c: schemes verified as JWTs */
char *ngx_http_apigw_jwt_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apigw_jwt_cache_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_apigw_jwt_init_location(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);
apigw_jwt_conf_t *ngx_http_apigw_jwt_scheme_conf(ngx_array_t *confs,
    apigw_security_scheme_t *ss);
ngx_http_apigw_jwt_t *ngx_http_apigw_jwt_find(
    ngx_http_apigw_loc_conf_t *alcf, apigw_security_scheme_t *ss);
ngx_http_apigw_key_check_e ngx_http_apigw_jwt_check(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_http_apigw_jwt_t *jwt,
    apigw_scopes_t *scopes);
const char *ngx_http_apigw_jwt_query(ngx_http_apigw_loc_conf_t *alcf,
    apigw_security_scheme_t *ss);
void ngx_http_apigw_jwt_strip(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
void ngx_http_apigw_jwt_exit_process(void);

/* ngx_http_apigw_jwks.c: an issuer's keys, from a file, a URL, discovery */
ngx_int_t ngx_http_apigw_jwks_check_tls(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf, apigw_security_scheme_t *ss,
    apigw_jwt_issuer_t *issuer);
ngx_http_apigw_jwks_t *ngx_http_apigw_jwks_get(ngx_conf_t *cf,
    apigw_jwt_issuer_t *issuer, apigw_jwt_algs_t algs);
ngx_int_t ngx_http_apigw_jwks_keys(ngx_http_request_t *r,
    ngx_http_apigw_jwks_t *jwks, apigw_jwks_t **set,
    apigw_jwt_policy_t *policy);
ngx_int_t ngx_http_apigw_jwks_unknown_kid(ngx_http_request_t *r,
    ngx_http_apigw_jwks_t *jwks);
ngx_uint_t ngx_http_apigw_jwks_version(ngx_http_apigw_jwks_t *jwks);

/* ngx_http_apigw_authorizer.c: custom (Lambda) authorizers */
ngx_int_t ngx_http_apigw_authorizer_init_location(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);
/* NULL when the location can call the scheme's authorizer; else why not */
const char *ngx_http_apigw_authorizer_unchecked(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf, apigw_security_scheme_t *ss);
ngx_http_apigw_key_check_e ngx_http_apigw_authorizer_check(
    ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_security_scheme_t *ss);

/* ngx_http_apigw_authorizer_cache.c: their results, in shared memory */
ngx_int_t ngx_http_apigw_authorizer_cache_add(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf);
ngx_int_t ngx_http_apigw_authorizer_cache_get(ngx_http_request_t *r,
    const u_char *key, ngx_str_t *bytes);
void ngx_http_apigw_authorizer_cache_put(ngx_http_request_t *r,
    const u_char *key, const u_char *bytes, size_t len, ngx_msec_t ttl);

/* ngx_http_apigw_keystore.c: keys kept in Redis */
ngx_int_t ngx_http_apigw_keystore_find(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, const u_char *digest,
    const apigw_key_t **key);
ngx_int_t ngx_http_apigw_keystore_cached(const u_char *digest,
    const apigw_key_t **key);

/* a shared memory zone: entries in a red-black tree and an LRU queue */
typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 lru;
} ngx_http_apigw_shm_t;

typedef struct {
    ngx_http_apigw_shm_t       *sh;
    ngx_slab_pool_t            *shpool;
    ngx_rbtree_insert_pt        insert;     /* the tree's */
} ngx_http_apigw_zone_t;

/* ngx_http_apigw_throttle.c: the zones, the stage's bucket */
ngx_int_t ngx_http_apigw_zone_add(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf);
ngx_int_t ngx_http_apigw_zone_init(ngx_shm_zone_t *shm_zone, void *data);
ngx_int_t ngx_http_apigw_stage_bucket(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);
char *ngx_http_apigw_throttle_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_apigw_method_settings.c: a stage's settings per operation */
char *ngx_http_apigw_method_settings_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_apigw_op_settings_init(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);
ngx_int_t ngx_http_apigw_method_settings_check(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);
char *ngx_http_apigw_method_settings_unused(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *conf, ngx_http_apigw_loc_conf_t *prev);
void ngx_http_apigw_op_log_level(ngx_http_request_t *r, ngx_uint_t level);

/* ngx_http_apigw_export.c: a stage's spec exported, its docs page */
char *ngx_http_apigw_export_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apigw_docs_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_apigw_export_init(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf);
ngx_http_apigw_loc_conf_t *ngx_http_apigw_stage_at(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf, ngx_str_t *prefix, const char *name,
    ngx_str_t *file, ngx_uint_t line);

/* ngx_http_apigw_lease.c: Redis tokens leased by a worker */
uint32_t ngx_http_apigw_lease_size(const apigw_throttle_t *t);
uint64_t ngx_http_apigw_lease_quota_size(const apigw_quota_t *q);
ngx_int_t ngx_http_apigw_lease_take(ngx_http_apigw_throttle_req_t *t);
void ngx_http_apigw_lease_keep(ngx_http_apigw_throttle_req_t *t);

/* ngx_http_apigw_metrics.c: Prometheus metrics */
char *ngx_http_apigw_prometheus_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_apigw_metrics_zone_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_apigw_metrics_init(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf);
void ngx_http_apigw_metrics_init_process(ngx_cycle_t *cycle,
    ngx_http_apigw_main_conf_t *amcf);
void ngx_http_apigw_metrics_exit_process(ngx_cycle_t *cycle);
/* APIGW_METRICS_REDIS_ERRORS + apigw_redis_error_e */
void ngx_http_apigw_metrics_redis(ngx_uint_t what);

/* ngx_http_apigw_redis.c */
char *ngx_http_apigw_redis_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_apigw_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_apigw_main_conf_t *amcf);
ngx_int_t ngx_http_apigw_redis_throttle(ngx_http_request_t *r,
    ngx_http_apigw_throttle_req_t *t);
ngx_int_t ngx_http_apigw_redis_send(ngx_http_request_t *r, int argc,
    const char **argv, const size_t *argvlen,
    ngx_http_apigw_redis_done_pt done);
ngx_int_t ngx_http_apigw_redis_command(int argc, const char **argv,
    const size_t *argvlen, ngx_http_apigw_redis_reply_pt fn, void *data);
void ngx_http_apigw_redis_link_init(ngx_http_apigw_redis_link_t *link,
    ngx_cycle_t *cycle, ngx_http_apigw_redis_conf_t *conf);
void ngx_http_apigw_redis_connect(ngx_http_apigw_redis_link_t *link);
void ngx_http_apigw_redis_close(ngx_http_apigw_redis_link_t *link);
void ngx_http_apigw_redis_exit_process(void);


#endif /* _NGX_HTTP_APIGW_MODULE_H_INCLUDED_ */
