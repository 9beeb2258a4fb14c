
/*
 * Copyright (C) apigw contributors
 */


#include <string.h>

#include "apigw_core.h"
#include "apigw_metrics.h"


/*
 * Prometheus text format 0.0.4: "# HELP" and "# TYPE" once per family,
 * then its samples, one family after another; label values escaped;
 * counters end in _total, durations are histograms in seconds.  The
 * series are fixed by the configuration (one per route of a stage), so
 * the page's size is bounded by it; a series that counted nothing is
 * left out.
 */


typedef struct {
    apigw_metrics_write_pt    write;
    void                     *data;
    int                       failed;
} apigw_metrics_out_t;


static char *apigw_metrics_label(char *p, const char *name, const char *s,
    size_t len);
static void apigw_metrics_put(apigw_metrics_out_t *out, const char *s,
    size_t len);
static void apigw_metrics_puts(apigw_metrics_out_t *out, const char *s);
static void apigw_metrics_number(apigw_metrics_out_t *out, uint64_t v);
static void apigw_metrics_seconds(apigw_metrics_out_t *out, uint64_t ms);
static void apigw_metrics_family(apigw_metrics_out_t *out, const char *name,
    const char *type, const char *help);
static void apigw_metrics_sample(apigw_metrics_out_t *out, const char *name,
    const apigw_metrics_series_t *s, const char *label, const char *value,
    uint64_t v);
static void apigw_metrics_counters(apigw_metrics_out_t *out,
    const apigw_metrics_page_t *page, const char *name, const char *label,
    unsigned first, unsigned n, const char *const *values);
static void apigw_metrics_histogram(apigw_metrics_out_t *out,
    const apigw_metrics_page_t *page, const char *name, unsigned first);
static void apigw_metrics_globals(apigw_metrics_out_t *out,
    const apigw_metrics_page_t *page, const char *name, const char *label,
    unsigned first, unsigned n, const char *const *values);


static const unsigned  apigw_metrics_codes[] = {
    200, 201, 202, 204, 301, 302, 304, 307, 308,
    400, 401, 403, 404, 405, 408, 409, 413, 414, 415, 422, 429, 499,
    500, 502, 503, 504
};

#define APIGW_METRICS_NEXACT                                                  \
    (sizeof(apigw_metrics_codes) / sizeof(apigw_metrics_codes[0]))

static const char  *apigw_metrics_code_names[APIGW_METRICS_NCODES] = {
    "200", "201", "202", "204", "301", "302", "304", "307", "308",
    "400", "401", "403", "404", "405", "408", "409", "413", "414", "415",
    "422", "429", "499", "500", "502", "503", "504",
    "1xx", "2xx", "3xx", "4xx", "5xx", "other"
};

static const uint64_t  apigw_metrics_bounds[APIGW_METRICS_NBOUNDS] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 29000
};

static const char  *apigw_metrics_le[APIGW_METRICS_NBUCKETS] = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5",
    "10", "29", "+Inf"
};

static const char  *apigw_metrics_levels[APIGW_THROTTLED_COUNT] = {
    "key_operation", "key", "operation", "stage", "quota", "redis_down"
};

static const char  *apigw_metrics_kinds[APIGW_INVALID_COUNT] = {
    "parameters", "body", "content_type"
};

static const char  *apigw_metrics_outcomes[APIGW_FN_OUTCOME_COUNT] = {
    "ok", "function_error", "malformed", "refused", "unreachable", "timeout"
};

static const char  *apigw_metrics_cache_results[APIGW_CACHE_RESULT_COUNT] = {
    "miss", "hit", "stale", "refresh", "bypass"
};

static const char  *apigw_metrics_reasons[APIGW_AUTH_COUNT] = {
    "missing_key", "no_credentials", "no_certificate", "invalid_token",
    "unknown_key", "disabled_key", "key_not_in_plan", "insufficient_scope",
    "authorizer_unauthorized", "authorizer_denied", "authorizer_error",
    "uri_too_long"
};

static const char  *apigw_metrics_redis_errors[APIGW_REDIS_ERROR_COUNT] = {
    "connection", "timeout", "reply"
};

static const char  *apigw_metrics_fallbacks[APIGW_REDIS_FALLBACK_COUNT] = {
    "local", "open", "closed"
};


unsigned
apigw_metrics_code_slot(unsigned status)
{
    unsigned  i;

    for (i = 0; i < APIGW_METRICS_NEXACT; i++) {
        if (apigw_metrics_codes[i] == status) {
            return i;
        }
    }

    if (status < 100 || status > 599) {
        return APIGW_METRICS_NCODES - 1;
    }

    /* "1xx" .. "5xx" follow the exact codes */
    return APIGW_METRICS_NEXACT + status / 100 - 1;
}


const char *
apigw_metrics_code_name(unsigned slot)
{
    return slot < APIGW_METRICS_NCODES ? apigw_metrics_code_names[slot]
                                       : "other";
}


unsigned
apigw_metrics_bucket(uint64_t ms)
{
    unsigned  i;

    for (i = 0; i < APIGW_METRICS_NBOUNDS; i++) {
        if (ms <= apigw_metrics_bounds[i]) {
            return i;
        }
    }

    return APIGW_METRICS_NBOUNDS;
}


uint64_t
apigw_metrics_bound(unsigned bucket)
{
    return bucket < APIGW_METRICS_NBOUNDS ? apigw_metrics_bounds[bucket] : 0;
}


size_t
apigw_metrics_escape(char *dst, const char *s, size_t len)
{
    size_t                n, out;
    uint32_t              cp;
    const unsigned char  *p, *end;

    p = (const unsigned char *) s;
    end = p + len;
    out = 0;

    while (p < end) {

        if (*p == '\\' || *p == '"' || *p == '\n') {
            if (dst) {
                dst[out] = '\\';
                dst[out + 1] = (*p == '\n') ? 'n' : (char) *p;
            }

            out += 2;
            p++;
            continue;
        }

        n = apigw_utf8_char((const char *) p, (const char *) end, &cp);

        if (n == 0 || cp == 0) {
            /* U+FFFD REPLACEMENT CHARACTER */
            if (dst) {
                memcpy(dst + out, "\xef\xbf\xbd", 3);
            }

            out += 3;
            p++;
            continue;
        }

        if (dst) {
            memcpy(dst + out, p, n);
        }

        out += n;
        p += n;
    }

    return out;
}


size_t
apigw_metrics_labels_len(const apigw_metrics_labels_t *l)
{
    return sizeof("api=\"\",stage=\"\",canary=\"false\",deployment=\"\","
                  "method=\"\",resource=\"\"")
           + 3 * (l->api_len + l->stage_len + l->deployment_len
                  + l->method_len + l->resource_len);
}


size_t
apigw_metrics_labels(char *dst, const apigw_metrics_labels_t *l)
{
    char  *p;

    p = apigw_metrics_label(dst, "api", l->api, l->api_len);
    *p++ = ',';
    p = apigw_metrics_label(p, "stage", l->stage, l->stage_len);
    *p++ = ',';
    p = apigw_metrics_label(p, "canary", l->canary ? "true" : "false",
                            l->canary ? 4 : 5);
    *p++ = ',';
    p = apigw_metrics_label(p, "deployment", l->deployment,
                            l->deployment_len);
    *p++ = ',';
    p = apigw_metrics_label(p, "method", l->method, l->method_len);
    *p++ = ',';
    p = apigw_metrics_label(p, "resource", l->resource, l->resource_len);

    return p - dst;
}


/* name="value", the value escaped */
static char *
apigw_metrics_label(char *p, const char *name, const char *s, size_t len)
{
    size_t  n;

    n = strlen(name);
    memcpy(p, name, n);
    p += n;
    *p++ = '=';
    *p++ = '"';
    p += apigw_metrics_escape(p, s, len);
    *p++ = '"';

    return p;
}


int
apigw_metrics_render(const apigw_metrics_page_t *page,
    apigw_metrics_write_pt write, void *data)
{
    apigw_metrics_out_t  out;

    out.write = write;
    out.data = data;
    out.failed = 0;

    apigw_metrics_family(&out, "apigw_requests_total", "counter",
                         "Requests of the apigw locations counted, the "
                         "gateway's refusals among them, by route and "
                         "status code.");
    apigw_metrics_counters(&out, page, "apigw_requests_total", "code",
                           APIGW_METRICS_CODES, APIGW_METRICS_NCODES,
                           apigw_metrics_code_names);

    apigw_metrics_family(&out, "apigw_request_duration_seconds",
                         "histogram", "Time from the request's first byte "
                         "to its response's last, by route.");
    apigw_metrics_histogram(&out, page, "apigw_request_duration_seconds",
                            APIGW_METRICS_REQUEST);

    apigw_metrics_family(&out, "apigw_integration_duration_seconds",
                         "histogram", "Time from the call of an "
                         "integration (http, a function) to its response's "
                         "header, by route.");
    apigw_metrics_histogram(&out, page, "apigw_integration_duration_seconds",
                            APIGW_METRICS_INTEGRATION);

    apigw_metrics_family(&out, "apigw_throttled_total", "counter",
                         "Requests refused with 429 by a token bucket or a "
                         "quota, by the level that refused them.");
    apigw_metrics_counters(&out, page, "apigw_throttled_total", "level",
                           APIGW_METRICS_THROTTLED, APIGW_THROTTLED_COUNT,
                           apigw_metrics_levels);

    apigw_metrics_family(&out, "apigw_validation_failures_total", "counter",
                         "Requests refused by request validation, by what "
                         "was not valid.");
    apigw_metrics_counters(&out, page, "apigw_validation_failures_total",
                           "kind", APIGW_METRICS_INVALID,
                           APIGW_INVALID_COUNT, apigw_metrics_kinds);

    apigw_metrics_family(&out, "apigw_auth_failures_total", "counter",
                         "Requests refused by the operation's security, by "
                         "reason.");
    apigw_metrics_counters(&out, page, "apigw_auth_failures_total", "reason",
                           APIGW_METRICS_AUTH, APIGW_AUTH_COUNT,
                           apigw_metrics_reasons);

    apigw_metrics_family(&out, "apigw_function_invocations_total", "counter",
                         "Functions invoked through the Invoke API, by "
                         "route and outcome.");
    apigw_metrics_counters(&out, page, "apigw_function_invocations_total",
                           "outcome", APIGW_METRICS_FUNCTION,
                           APIGW_FN_OUTCOME_COUNT, apigw_metrics_outcomes);

    apigw_metrics_family(&out, "apigw_cache_requests_total", "counter",
                         "Requests of operations the stage caches, by "
                         "route and what the cache did: AWS's "
                         "CacheHitCount and CacheMissCount.");
    apigw_metrics_counters(&out, page, "apigw_cache_requests_total",
                           "result", APIGW_METRICS_CACHE,
                           APIGW_CACHE_RESULT_COUNT,
                           apigw_metrics_cache_results);

    apigw_metrics_family(&out, "apigw_redis_errors_total", "counter",
                         "Redis failures seen by the workers: connections "
                         "refused or lost, commands timed out, error "
                         "replies.");
    apigw_metrics_globals(&out, page, "apigw_redis_errors_total", "error",
                          APIGW_METRICS_REDIS_ERRORS, APIGW_REDIS_ERROR_COUNT,
                          apigw_metrics_redis_errors);

    apigw_metrics_family(&out, "apigw_redis_fallbacks_total", "counter",
                         "Requests throttled by apigw_redis's failure policy "
                         "because Redis could not answer, by policy.");
    apigw_metrics_globals(&out, page, "apigw_redis_fallbacks_total", "policy",
                          APIGW_METRICS_REDIS_FALLBACKS,
                          APIGW_REDIS_FALLBACK_COUNT,
                          apigw_metrics_fallbacks);

    apigw_metrics_family(&out, "apigw_metrics_series", "gauge",
                         "Series of the configuration: one per route of "
                         "each stage, and one per stage for no route.");
    apigw_metrics_puts(&out, "apigw_metrics_series ");
    apigw_metrics_number(&out, page->nseries);
    apigw_metrics_put(&out, "\n", 1);

    apigw_metrics_family(&out, "apigw_build_info", "gauge",
                         "The nginx that runs the gateway.");
    apigw_metrics_puts(&out, "apigw_build_info{nginx_version=\"");
    apigw_metrics_puts(&out, page->server ? page->server : "");
    apigw_metrics_puts(&out, "\"} 1\n");

    return out.failed ? -1 : 0;
}


/* a counter family's samples: one per series and value that counted */
static void
apigw_metrics_counters(apigw_metrics_out_t *out,
    const apigw_metrics_page_t *page, const char *name, const char *label,
    unsigned first, unsigned n, const char *const *values)
{
    size_t                         i;
    unsigned                       j;
    uint64_t                       v;
    const apigw_metrics_series_t  *s;

    for (i = 0; i < page->nseries; i++) {
        s = &page->series[i];

        if (s->c == NULL) {
            continue;
        }

        for (j = 0; j < n; j++) {
            v = s->c[first + j];

            if (v) {
                apigw_metrics_sample(out, name, s, label, values[j], v);
            }
        }
    }
}


/* a histogram's buckets (cumulative), sum and count per series */
static void
apigw_metrics_histogram(apigw_metrics_out_t *out,
    const apigw_metrics_page_t *page, const char *name, unsigned first)
{
    char                           metric[64];
    size_t                         i, len;
    unsigned                       j;
    uint64_t                       b[APIGW_METRICS_NBUCKETS], count, sum;
    const apigw_metrics_series_t  *s;

    len = strlen(name);

    if (len + sizeof("_bucket") > sizeof(metric)) {
        out->failed = 1;
        return;
    }

    memcpy(metric, name, len);

    for (i = 0; i < page->nseries; i++) {
        s = &page->series[i];

        if (s->c == NULL) {
            continue;
        }

        /* each counter read once: the buckets and the count agree */
        count = 0;

        for (j = 0; j < APIGW_METRICS_NBUCKETS; j++) {
            b[j] = s->c[first + j];
            count += b[j];
        }

        if (count == 0) {
            continue;
        }

        sum = s->c[first + APIGW_METRICS_NBUCKETS];

        memcpy(metric + len, "_bucket", sizeof("_bucket"));
        count = 0;

        for (j = 0; j < APIGW_METRICS_NBUCKETS; j++) {
            count += b[j];
            apigw_metrics_sample(out, metric, s, "le", apigw_metrics_le[j],
                                 count);
        }

        memcpy(metric + len, "_sum", sizeof("_sum"));
        apigw_metrics_puts(out, metric);
        apigw_metrics_put(out, "{", 1);
        apigw_metrics_put(out, s->labels, s->labels_len);
        apigw_metrics_put(out, "} ", 2);
        apigw_metrics_seconds(out, sum);
        apigw_metrics_put(out, "\n", 1);

        memcpy(metric + len, "_count", sizeof("_count"));
        apigw_metrics_sample(out, metric, s, NULL, NULL, count);
    }
}


/* a family without route labels, each value once it counted */
static void
apigw_metrics_globals(apigw_metrics_out_t *out,
    const apigw_metrics_page_t *page, const char *name, const char *label,
    unsigned first, unsigned n, const char *const *values)
{
    unsigned  j;
    uint64_t  v;

    if (page->global == NULL) {
        return;
    }

    for (j = 0; j < n; j++) {
        v = page->global[first + j];

        if (v == 0) {
            continue;
        }

        apigw_metrics_puts(out, name);
        apigw_metrics_put(out, "{", 1);
        apigw_metrics_puts(out, label);
        apigw_metrics_put(out, "=\"", 2);
        apigw_metrics_puts(out, values[j]);
        apigw_metrics_put(out, "\"} ", 3);
        apigw_metrics_number(out, v);
        apigw_metrics_put(out, "\n", 1);
    }
}


static void
apigw_metrics_family(apigw_metrics_out_t *out, const char *name,
    const char *type, const char *help)
{
    apigw_metrics_puts(out, "# HELP ");
    apigw_metrics_puts(out, name);
    apigw_metrics_put(out, " ", 1);
    apigw_metrics_puts(out, help);
    apigw_metrics_puts(out, "\n# TYPE ");
    apigw_metrics_puts(out, name);
    apigw_metrics_put(out, " ", 1);
    apigw_metrics_puts(out, type);
    apigw_metrics_put(out, "\n", 1);
}


/* name{labels,label="value"} v */
static void
apigw_metrics_sample(apigw_metrics_out_t *out, const char *name,
    const apigw_metrics_series_t *s, const char *label, const char *value,
    uint64_t v)
{
    apigw_metrics_puts(out, name);
    apigw_metrics_put(out, "{", 1);
    apigw_metrics_put(out, s->labels, s->labels_len);

    if (label) {
        apigw_metrics_put(out, ",", 1);
        apigw_metrics_puts(out, label);
        apigw_metrics_put(out, "=\"", 2);
        apigw_metrics_puts(out, value);
        apigw_metrics_put(out, "\"", 1);
    }

    apigw_metrics_put(out, "} ", 2);
    apigw_metrics_number(out, v);
    apigw_metrics_put(out, "\n", 1);
}


static void
apigw_metrics_put(apigw_metrics_out_t *out, const char *s, size_t len)
{
    if (!out->failed && len && out->write(out->data, s, len) != 0) {
        out->failed = 1;
    }
}


static void
apigw_metrics_puts(apigw_metrics_out_t *out, const char *s)
{
    apigw_metrics_put(out, s, strlen(s));
}


static void
apigw_metrics_number(apigw_metrics_out_t *out, uint64_t v)
{
    char    digits[24];
    size_t  n;

    n = sizeof(digits);

    do {
        digits[--n] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);

    apigw_metrics_put(out, digits + n, sizeof(digits) - n);
}


/* ms as seconds: "1.234" */
static void
apigw_metrics_seconds(apigw_metrics_out_t *out, uint64_t ms)
{
    char  frac[4];

    apigw_metrics_number(out, ms / 1000);

    frac[0] = '.';
    frac[1] = (char) ('0' + ms % 1000 / 100);
    frac[2] = (char) ('0' + ms % 100 / 10);
    frac[3] = (char) ('0' + ms % 10);

    apigw_metrics_put(out, frac, 4);
}


void
apigw_metrics_slab_init(apigw_metrics_slab_t *s, size_t pagesize)
{
    memset(s, 0, sizeof(apigw_metrics_slab_t));
    s->pagesize = pagesize;
}


void
apigw_metrics_slab_add(apigw_metrics_slab_t *s, size_t size)
{
    unsigned  shift;

    if (size >= s->pagesize / 2) {
        s->pages += (size + s->pagesize - 1) / s->pagesize;
        return;
    }

    /* the smallest chunk, 8 bytes, and up by powers of two */
    for (shift = 3; ((size_t) 1 << shift) < size; shift++) {
        /* void */
    }

    s->chunks[shift]++;
}


size_t
apigw_metrics_slab_pages(const apigw_metrics_slab_t *s)
{
    size_t    pages, per_page, bitmap, exact;
    unsigned  shift;

    pages = s->pages;

    /* the size whose page's bitmap fits a uintptr_t */
    exact = s->pagesize / (8 * sizeof(uintptr_t));

    for (shift = 3; shift < 32; shift++) {
        if (s->chunks[shift] == 0) {
            continue;
        }

        per_page = s->pagesize >> shift;

        if (((size_t) 1 << shift) < exact) {
            /* the page's first chunks hold its bitmap */
            bitmap = per_page / 8 / ((size_t) 1 << shift);
            per_page -= bitmap ? bitmap : 1;
        }

        pages += (s->chunks[shift] + per_page - 1) / per_page;
    }

    return pages;
}
