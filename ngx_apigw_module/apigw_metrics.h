
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_METRICS_H_INCLUDED_
#define _APIGW_METRICS_H_INCLUDED_


/*
 * Prometheus metrics (apigw_metrics.c), nginx-free: the counters of a
 * series and their layout, status codes and buckets to slots, label
 * values escaped, the page in text format 0.0.4, and how much of a slab
 * zone series take.  The nginx glue (ngx_http_apigw_metrics.c) keeps the
 * counters in shared memory and adds to them atomically.
 */

#include <stddef.h>
#include <stdint.h>


/* a counter: the glue's ngx_atomic_t has this size */
typedef unsigned long  apigw_metric_t;


/* requests_total's code label: these exactly, else a class, else "other" */
#define APIGW_METRICS_NCODES        32

/* the duration histograms' buckets, in ms; the last slot is +Inf */
#define APIGW_METRICS_NBOUNDS       12
#define APIGW_METRICS_NBUCKETS      (APIGW_METRICS_NBOUNDS + 1)

/* apigw_throttled_total's level */
typedef enum {
    APIGW_THROTTLED_KEY_OPERATION = 0,  /* the plan's, for the operation */
    APIGW_THROTTLED_KEY,                /* the plan's */
    APIGW_THROTTLED_OPERATION,          /* x-apigw-throttle */
    APIGW_THROTTLED_STAGE,              /* apigw_throttle */
    APIGW_THROTTLED_QUOTA,              /* the plan's quota */
    APIGW_THROTTLED_REDIS_DOWN,         /* apigw_redis on_failure=closed */
    APIGW_THROTTLED_COUNT
} apigw_throttled_e;

/* apigw_validation_failures_total's kind */
typedef enum {
    APIGW_INVALID_PARAMETERS = 0,
    APIGW_INVALID_BODY,
    APIGW_INVALID_CONTENT_TYPE,
    APIGW_INVALID_COUNT
} apigw_invalid_e;

/* apigw_auth_failures_total's reason */
typedef enum {
    APIGW_AUTH_MISSING_KEY = 0,
    APIGW_AUTH_NO_CREDENTIALS,
    APIGW_AUTH_NO_CERTIFICATE,
    APIGW_AUTH_INVALID_TOKEN,
    APIGW_AUTH_UNKNOWN_KEY,
    APIGW_AUTH_DISABLED_KEY,
    APIGW_AUTH_KEY_NOT_IN_PLAN,
    APIGW_AUTH_INSUFFICIENT_SCOPE,
    APIGW_AUTH_AUTHORIZER_UNAUTHORIZED,
    APIGW_AUTH_AUTHORIZER_DENIED,
    APIGW_AUTH_AUTHORIZER_ERROR,
    APIGW_AUTH_URI_TOO_LONG,
    APIGW_AUTH_COUNT
} apigw_auth_e;

/* apigw_function_invocations_total's outcome */
typedef enum {
    APIGW_FN_OUTCOME_OK = 0,            /* a response made of the answer */
    APIGW_FN_OUTCOME_FUNCTION_ERROR,    /* X-Amz-Function-Error: 502 */
    APIGW_FN_OUTCOME_MALFORMED,         /* not a proxy response: 502 */
    APIGW_FN_OUTCOME_REFUSED,           /* the Invoke API's 429, 404...: 500 */
    APIGW_FN_OUTCOME_UNREACHABLE,       /* no answer: 500 */
    APIGW_FN_OUTCOME_TIMEOUT,           /* the deadline: 504 */
    APIGW_FN_OUTCOME_COUNT
} apigw_fn_outcome_e;

/* apigw_cache_requests_total's result: $apigw_cache_status, in order */
typedef enum {
    APIGW_CACHE_RESULT_MISS = 0,
    APIGW_CACHE_RESULT_HIT,
    APIGW_CACHE_RESULT_STALE,
    APIGW_CACHE_RESULT_REFRESH,
    APIGW_CACHE_RESULT_BYPASS,
    APIGW_CACHE_RESULT_COUNT
} apigw_cache_result_e;

/* the counters of one series, by offset */
#define APIGW_METRICS_CODES         0
#define APIGW_METRICS_REQUEST       (APIGW_METRICS_CODES                      \
                                     + APIGW_METRICS_NCODES)
/* NBUCKETS buckets (not cumulative), then the sum in ms */
#define APIGW_METRICS_INTEGRATION   (APIGW_METRICS_REQUEST                    \
                                     + APIGW_METRICS_NBUCKETS + 1)
#define APIGW_METRICS_THROTTLED     (APIGW_METRICS_INTEGRATION                \
                                     + APIGW_METRICS_NBUCKETS + 1)
#define APIGW_METRICS_INVALID       (APIGW_METRICS_THROTTLED                  \
                                     + APIGW_THROTTLED_COUNT)
#define APIGW_METRICS_AUTH          (APIGW_METRICS_INVALID                    \
                                     + APIGW_INVALID_COUNT)
#define APIGW_METRICS_FUNCTION      (APIGW_METRICS_AUTH + APIGW_AUTH_COUNT)
#define APIGW_METRICS_CACHE         (APIGW_METRICS_FUNCTION                   \
                                     + APIGW_FN_OUTCOME_COUNT)
#define APIGW_METRICS_NCOUNTERS     (APIGW_METRICS_CACHE                      \
                                     + APIGW_CACHE_RESULT_COUNT)

/* the zone's own counters, without route labels */
typedef enum {
    APIGW_REDIS_ERROR_CONNECTION = 0,   /* refused, lost */
    APIGW_REDIS_ERROR_TIMEOUT,          /* no reply in time */
    APIGW_REDIS_ERROR_REPLY,            /* an error or unexpected reply */
    APIGW_REDIS_ERROR_COUNT
} apigw_redis_error_e;

typedef enum {
    APIGW_REDIS_FALLBACK_LOCAL = 0,     /* the node's shared zone */
    APIGW_REDIS_FALLBACK_OPEN,          /* admitted unthrottled */
    APIGW_REDIS_FALLBACK_CLOSED,        /* refused */
    APIGW_REDIS_FALLBACK_COUNT
} apigw_redis_fallback_e;

#define APIGW_METRICS_REDIS_ERRORS      0
#define APIGW_METRICS_REDIS_FALLBACKS   APIGW_REDIS_ERROR_COUNT
#define APIGW_METRICS_NGLOBAL           (APIGW_REDIS_ERROR_COUNT              \
                                         + APIGW_REDIS_FALLBACK_COUNT)


/* the slot of an HTTP status among the codes */
unsigned apigw_metrics_code_slot(unsigned status);
/* "200", "4xx", "other" */
const char *apigw_metrics_code_name(unsigned slot);
/* the bucket of a duration in ms: 0 .. APIGW_METRICS_NBOUNDS (+Inf) */
unsigned apigw_metrics_bucket(uint64_t ms);
/* a bucket's upper bound in ms; 0 for +Inf */
uint64_t apigw_metrics_bound(unsigned bucket);


/* a series' labels: api, stage, canary, deployment, method, resource */
typedef struct {
    const char               *api;
    size_t                    api_len;
    const char               *stage;
    size_t                    stage_len;
    const char               *deployment;
    size_t                    deployment_len;
    const char               *method;       /* "" for no route */
    size_t                    method_len;
    const char               *resource;     /* the path template; "" */
    size_t                    resource_len;
    int                       canary;
} apigw_metrics_labels_t;

/*
 * a label value as text format 0.0.4 wants it: \\, \" and \n escaped,
 * every byte that is not part of valid UTF-8 (and NUL) as U+FFFD; dst
 * NULL: the length only.  At most 3 * len bytes
 */
size_t apigw_metrics_escape(char *dst, const char *s, size_t len);
/*
 * api="..",stage="..",canary="..",deployment="..",method="..",
 * resource=".." into dst (apigw_metrics_labels_len() bytes at least):
 * the series' labels, and its key in the zone.  Its length
 */
size_t apigw_metrics_labels(char *dst, const apigw_metrics_labels_t *l);
size_t apigw_metrics_labels_len(const apigw_metrics_labels_t *l);


/* the page */
typedef struct {
    const char               *labels;       /* apigw_metrics_labels() */
    size_t                    labels_len;
    const volatile apigw_metric_t  *c;      /* NCOUNTERS; NULL: none */
} apigw_metrics_series_t;

typedef struct {
    const apigw_metrics_series_t  *series;
    size_t                    nseries;
    const volatile apigw_metric_t  *global; /* NGLOBAL; NULL: none */
    const char               *server;         /* "1.22.1" */
} apigw_metrics_page_t;

/* appends len bytes of s: 0, or -1 when it cannot */
typedef int (*apigw_metrics_write_pt)(void *data, const char *s, size_t len);

/*
 * the page in Prometheus text format 0.0.4: every family's HELP and TYPE
 * once, its samples together; series with no counts left out.  0, or -1
 * when write failed
 */
int apigw_metrics_render(const apigw_metrics_page_t *page,
    apigw_metrics_write_pt write, void *data);


/*
 * What allocations of a slab zone (nginx's ngx_slab.c, min_shift 3) take,
 * in pages: each size rounded up to its chunk, chunks of a size packed
 * into pages, sizes of half a page and more in whole pages
 */
typedef struct {
    size_t                    pagesize;
    size_t                    pages;        /* of the large allocations */
    size_t                    chunks[32];   /* per shift */
} apigw_metrics_slab_t;

void apigw_metrics_slab_init(apigw_metrics_slab_t *s, size_t pagesize);
void apigw_metrics_slab_add(apigw_metrics_slab_t *s, size_t size);
size_t apigw_metrics_slab_pages(const apigw_metrics_slab_t *s);


#endif /* _APIGW_METRICS_H_INCLUDED_ */
