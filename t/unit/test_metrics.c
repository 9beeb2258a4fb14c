
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the metrics' nginx-free part: status codes and
 * durations to slots, label values escaped, series' labels, the page in
 * text format 0.0.4, what series take of a slab zone
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_metrics.h"
#include "unit.h"


typedef struct {
    char           *p;
    size_t          len;
    size_t          cap;
    int             fail_after;     /* writes; < 0: never */
} page_t;


static int
page_write(void *data, const char *s, size_t len)
{
    page_t  *pg = data;

    if (pg->fail_after == 0) {
        return -1;
    }

    if (pg->fail_after > 0) {
        pg->fail_after--;
    }

    if (pg->len + len + 1 > pg->cap) {
        pg->cap = (pg->len + len + 1) * 2;
        pg->p = realloc(pg->p, pg->cap);
        if (pg->p == NULL) {
            abort();
        }
    }

    memcpy(pg->p + pg->len, s, len);
    pg->len += len;
    pg->p[pg->len] = '\0';

    return 0;
}


/* the number of lines of p that start with prefix */
static int
lines(const char *p, const char *prefix)
{
    int          n;
    size_t       len;
    const char  *line;

    n = 0;
    len = strlen(prefix);

    for (line = p; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n') {
            line++;
        }

        if (strncmp(line, prefix, len) == 0) {
            n++;
        }
    }

    return n;
}


static size_t
escape(char *out, const char *s)
{
    size_t  n;

    n = apigw_metrics_escape(out, s, strlen(s));
    out[n] = '\0';

    return n;
}


static int
check_page(void)
{
    char                     labels[2][512];
    page_t                   pg;
    const char              *p, *q;
    apigw_metric_t           c[2][APIGW_METRICS_NCOUNTERS];
    apigw_metric_t           g[APIGW_METRICS_NGLOBAL];
    apigw_metrics_page_t     page;
    apigw_metrics_labels_t   l;
    apigw_metrics_series_t   s[3];

    memset(c, 0, sizeof(c));
    memset(g, 0, sizeof(g));

    memset(&l, 0, sizeof(l));
    l.api = "pets";
    l.api_len = 4;
    l.stage = "prod";
    l.stage_len = 4;
    l.deployment = "pets";
    l.deployment_len = 4;
    l.method = "GET";
    l.method_len = 3;
    l.resource = "/pets/{petId}";
    l.resource_len = strlen(l.resource);

    s[0].labels = labels[0];
    s[0].labels_len = apigw_metrics_labels(labels[0], &l);
    s[0].c = c[0];

    l.canary = 1;
    l.deployment = "pets-v2";
    l.deployment_len = 7;
    l.method = "";
    l.method_len = 0;
    l.resource = "";
    l.resource_len = 0;

    s[1].labels = labels[1];
    s[1].labels_len = apigw_metrics_labels(labels[1], &l);
    s[1].c = c[1];

    s[2].labels = "api=\"x\"";
    s[2].labels_len = 7;
    s[2].c = NULL;

    /* three GETs: 200, 200, 429 (the stage's bucket); 3, 7 and 40 ms */
    c[0][APIGW_METRICS_CODES + apigw_metrics_code_slot(200)] = 2;
    c[0][APIGW_METRICS_CODES + apigw_metrics_code_slot(429)] = 1;
    c[0][APIGW_METRICS_REQUEST + apigw_metrics_bucket(3)]++;
    c[0][APIGW_METRICS_REQUEST + apigw_metrics_bucket(7)]++;
    c[0][APIGW_METRICS_REQUEST + apigw_metrics_bucket(40)]++;
    c[0][APIGW_METRICS_REQUEST + APIGW_METRICS_NBUCKETS] = 50;
    c[0][APIGW_METRICS_INTEGRATION + apigw_metrics_bucket(30000)] = 2;
    c[0][APIGW_METRICS_INTEGRATION + APIGW_METRICS_NBUCKETS] = 60001;
    c[0][APIGW_METRICS_THROTTLED + APIGW_THROTTLED_STAGE] = 1;
    c[0][APIGW_METRICS_FUNCTION + APIGW_FN_OUTCOME_OK] = 2;
    c[0][APIGW_METRICS_FUNCTION + APIGW_FN_OUTCOME_TIMEOUT] = 1;

    /* the canary: one request with no route, a 403 */
    c[1][APIGW_METRICS_CODES + apigw_metrics_code_slot(403)] = 1;
    c[1][APIGW_METRICS_REQUEST + apigw_metrics_bucket(0)] = 1;
    c[1][APIGW_METRICS_AUTH + APIGW_AUTH_MISSING_KEY] = 1;
    c[1][APIGW_METRICS_INVALID + APIGW_INVALID_BODY] = 1;

    g[APIGW_METRICS_REDIS_ERRORS + APIGW_REDIS_ERROR_TIMEOUT] = 5;
    g[APIGW_METRICS_REDIS_FALLBACKS + APIGW_REDIS_FALLBACK_LOCAL] = 4;

    page.series = s;
    page.nseries = 3;
    page.global = g;
    page.server = "1.22.1";

    memset(&pg, 0, sizeof(pg));
    pg.fail_after = -1;

    CHECK(apigw_metrics_render(&page, page_write, &pg) == 0, "render");

    p = pg.p;

#define HAS(line)                                                             \
    CHECK(strstr(p, line "\n") != NULL, "has %s", line)

#define SERIES  "api=\"pets\",stage=\"prod\",canary=\"false\","              \
                "deployment=\"pets\",method=\"GET\",resource=\"/pets/{petId}\""
#define CANARY  "api=\"pets\",stage=\"prod\",canary=\"true\","               \
                "deployment=\"pets-v2\",method=\"\",resource=\"\""

    HAS("# TYPE apigw_requests_total counter");
    HAS("apigw_requests_total{" SERIES ",code=\"200\"} 2");
    HAS("apigw_requests_total{" SERIES ",code=\"429\"} 1");
    HAS("apigw_requests_total{" CANARY ",code=\"403\"} 1");
    CHECK(lines(p, "apigw_requests_total{") == 3,
          "requests: only what counted");

    HAS("# TYPE apigw_request_duration_seconds histogram");
    HAS("apigw_request_duration_seconds_bucket{" SERIES ",le=\"0.005\"} 1");
    HAS("apigw_request_duration_seconds_bucket{" SERIES ",le=\"0.01\"} 2");
    HAS("apigw_request_duration_seconds_bucket{" SERIES ",le=\"0.025\"} 2");
    HAS("apigw_request_duration_seconds_bucket{" SERIES ",le=\"0.05\"} 3");
    HAS("apigw_request_duration_seconds_bucket{" SERIES ",le=\"29\"} 3");
    HAS("apigw_request_duration_seconds_bucket{" SERIES ",le=\"+Inf\"} 3");
    HAS("apigw_request_duration_seconds_sum{" SERIES "} 0.050");
    HAS("apigw_request_duration_seconds_count{" SERIES "} 3");
    HAS("apigw_request_duration_seconds_count{" CANARY "} 1");
    CHECK(lines(p, "apigw_request_duration_seconds_bucket{") == 26,
          "13 buckets for each series that counted");

    HAS("apigw_integration_duration_seconds_bucket{" SERIES ",le=\"29\"} 0");
    HAS("apigw_integration_duration_seconds_bucket{" SERIES
        ",le=\"+Inf\"} 2");
    HAS("apigw_integration_duration_seconds_sum{" SERIES "} 60.001");
    CHECK(strstr(p, "apigw_integration_duration_seconds_count{" CANARY)
          == NULL, "integration: not the canary's, which has none");

    HAS("apigw_throttled_total{" SERIES ",level=\"stage\"} 1");
    HAS("# TYPE apigw_function_invocations_total counter");
    HAS("apigw_function_invocations_total{" SERIES ",outcome=\"ok\"} 2");
    HAS("apigw_function_invocations_total{" SERIES
        ",outcome=\"timeout\"} 1");
    CHECK(lines(p, "apigw_function_invocations_total{") == 2,
          "function invocations: only the outcomes counted");
    HAS("apigw_validation_failures_total{" CANARY ",kind=\"body\"} 1");
    HAS("apigw_auth_failures_total{" CANARY ",reason=\"missing_key\"} 1");
    HAS("apigw_redis_errors_total{error=\"timeout\"} 5");
    HAS("apigw_redis_fallbacks_total{policy=\"local\"} 4");
    HAS("apigw_metrics_series 3");
    HAS("apigw_build_info{nginx_version=\"1.22.1\"} 1");

    CHECK(strstr(p, "api=\"x\"") == NULL, "a series without counters: none");
    CHECK(lines(p, "# HELP ") == 12 && lines(p, "# TYPE ") == 12,
          "HELP and TYPE once for each of 12 families");
    CHECK(pg.len && p[pg.len - 1] == '\n', "the last line ends");

    /* the families in one piece each: requests before the histograms */
    q = strstr(p, "# TYPE apigw_request_duration_seconds");
    CHECK(q && strstr(q, "apigw_requests_total{") == NULL,
          "requests_total all before the next family");

    free(pg.p);

    /* a failing writer fails the render, and stops calling */
    memset(&pg, 0, sizeof(pg));
    pg.fail_after = 3;
    CHECK(apigw_metrics_render(&page, page_write, &pg) == -1,
          "a write that fails fails the render");
    free(pg.p);

    /* nothing at all: the families, empty */
    memset(&page, 0, sizeof(page));
    memset(&pg, 0, sizeof(pg));
    pg.fail_after = -1;
    CHECK(apigw_metrics_render(&page, page_write, &pg) == 0
          && lines(pg.p, "# TYPE ") == 12
          && strstr(pg.p, "apigw_metrics_series 0\n") != NULL,
          "no series: the families and their zero");
    free(pg.p);

    return 0;
}


int
main(void)
{
    char                    out[256];
    size_t                  n, i, pages;
    unsigned                slot, seen[APIGW_METRICS_NCODES];
    apigw_metrics_slab_t    slab;
    apigw_metrics_labels_t  l;

    /* codes: exact, a class, or other; every slot named once */
    CHECK(strcmp(apigw_metrics_code_name(apigw_metrics_code_slot(200)),
                 "200") == 0, "200 is exact");
    CHECK(strcmp(apigw_metrics_code_name(apigw_metrics_code_slot(429)),
                 "429") == 0, "429 is exact");
    CHECK(strcmp(apigw_metrics_code_name(apigw_metrics_code_slot(499)),
                 "499") == 0, "499 is exact");
    CHECK(strcmp(apigw_metrics_code_name(apigw_metrics_code_slot(418)),
                 "4xx") == 0, "418 is 4xx");
    CHECK(strcmp(apigw_metrics_code_name(apigw_metrics_code_slot(101)),
                 "1xx") == 0, "101 is 1xx");
    CHECK(strcmp(apigw_metrics_code_name(apigw_metrics_code_slot(299)),
                 "2xx") == 0, "299 is 2xx");
    CHECK(strcmp(apigw_metrics_code_name(apigw_metrics_code_slot(507)),
                 "5xx") == 0, "507 is 5xx");
    CHECK(strcmp(apigw_metrics_code_name(apigw_metrics_code_slot(0)),
                 "other") == 0, "0 is other");
    CHECK(strcmp(apigw_metrics_code_name(apigw_metrics_code_slot(600)),
                 "other") == 0, "600 is other");
    CHECK(strcmp(apigw_metrics_code_name(999), "other") == 0,
          "a slot out of range: other");

    memset(seen, 0, sizeof(seen));

    for (i = 0; i < 1000; i++) {
        slot = apigw_metrics_code_slot((unsigned) i);

        if (slot >= APIGW_METRICS_NCODES) {
            break;
        }

        seen[slot]++;

        if (i >= 100 && i <= 599
            && strchr(apigw_metrics_code_name(slot), 'x') == NULL
            && (unsigned) atoi(apigw_metrics_code_name(slot)) != i)
        {
            break;
        }
    }

    CHECK(i == 1000, "every status has a slot, an exact one its own code");

    for (i = 0; i < APIGW_METRICS_NCODES; i++) {
        if (seen[i] == 0) {
            break;
        }
    }

    CHECK(i == APIGW_METRICS_NCODES, "every slot is reached");

    /* buckets: le is inclusive, 29 s the last bound */
    CHECK(apigw_metrics_bucket(0) == 0, "0 ms: the first bucket");
    CHECK(apigw_metrics_bucket(5) == 0, "5 ms: le 0.005");
    CHECK(apigw_metrics_bucket(6) == 1, "6 ms: le 0.01");
    CHECK(apigw_metrics_bucket(1000) == 7, "1 s: le 1");
    CHECK(apigw_metrics_bucket(29000) == APIGW_METRICS_NBOUNDS - 1,
          "29 s: le 29");
    CHECK(apigw_metrics_bucket(29001) == APIGW_METRICS_NBOUNDS,
          "past 29 s: +Inf");
    CHECK(apigw_metrics_bound(APIGW_METRICS_NBOUNDS - 1) == 29000
          && apigw_metrics_bound(APIGW_METRICS_NBOUNDS) == 0,
          "bounds: 29000 ms, then +Inf");

    for (i = 1; i < APIGW_METRICS_NBOUNDS; i++) {
        if (apigw_metrics_bound(i) <= apigw_metrics_bound(i - 1)) {
            break;
        }
    }

    CHECK(i == APIGW_METRICS_NBOUNDS, "bounds ascend");

    /* escaping */
    n = escape(out, "plain /pets/{id}");
    CHECK(n == 16 && strcmp(out, "plain /pets/{id}") == 0, "plain text");
    escape(out, "a\\b\"c\nd");
    CHECK(strcmp(out, "a\\\\b\\\"c\\nd") == 0, "\\, \" and newline escaped");
    escape(out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb6");
    CHECK(strcmp(out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb6") == 0,
          "valid UTF-8 kept");
    escape(out, "a\xff" "b");
    CHECK(strcmp(out, "a\xef\xbf\xbd" "b") == 0, "0xff: U+FFFD");
    escape(out, "\xc0\xaf");
    CHECK(strcmp(out, "\xef\xbf\xbd\xef\xbf\xbd") == 0,
          "an overlong /: two U+FFFD");
    escape(out, "\xed\xa0\x80");
    CHECK(strcmp(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") == 0,
          "a surrogate: U+FFFD for each byte");
    escape(out, "\xf4\x90\x80\x80");
    CHECK(strncmp(out, "\xef\xbf\xbd", 3) == 0, "past U+10FFFF: U+FFFD");
    escape(out, "\xe2\x82");
    CHECK(strcmp(out, "\xef\xbf\xbd\xef\xbf\xbd") == 0,
          "cut short: U+FFFD");
    n = apigw_metrics_escape(out, "a\0b", 3);
    CHECK(n == 5 && memcmp(out, "a\xef\xbf\xbd" "b", 5) == 0, "NUL: U+FFFD");
    CHECK(apigw_metrics_escape(NULL, "\xff\xff", 2) == 6,
          "length only, at most three times the input");

    /* labels: fixed order, escaped, the key of the series */
    memset(&l, 0, sizeof(l));
    l.api = "a\"pi";
    l.api_len = 4;
    l.stage = "st\xff";
    l.stage_len = 3;
    l.deployment = "d";
    l.deployment_len = 1;
    l.method = "GET";
    l.method_len = 3;
    l.resource = "/x\n";
    l.resource_len = 3;

    CHECK(apigw_metrics_labels_len(&l) < sizeof(out), "labels fit");
    n = apigw_metrics_labels(out, &l);
    out[n] = '\0';
    CHECK(strcmp(out, "api=\"a\\\"pi\",stage=\"st\xef\xbf\xbd\","
                      "canary=\"false\",deployment=\"d\",method=\"GET\","
                      "resource=\"/x\\n\"") == 0, "labels: %s", out);
    CHECK(n < apigw_metrics_labels_len(&l), "labels: within the bound");

    /* the slab: chunks by power of two, pages for half a page or more */
    apigw_metrics_slab_init(&slab, 4096);
    CHECK(apigw_metrics_slab_pages(&slab) == 0, "nothing: no page");

    apigw_metrics_slab_add(&slab, 1000);
    CHECK(apigw_metrics_slab_pages(&slab) == 1, "1000 bytes: a page");

    for (i = 0; i < 3; i++) {
        apigw_metrics_slab_add(&slab, 1024);
    }

    CHECK(apigw_metrics_slab_pages(&slab) == 1, "4 of 1024: one page");
    apigw_metrics_slab_add(&slab, 513);
    CHECK(apigw_metrics_slab_pages(&slab) == 2, "5 of 1024: two pages");
    apigw_metrics_slab_add(&slab, 2048);
    CHECK(apigw_metrics_slab_pages(&slab) == 3, "2048: a page of its own");
    apigw_metrics_slab_add(&slab, 4097);
    CHECK(apigw_metrics_slab_pages(&slab) == 5, "4097: two pages");
    apigw_metrics_slab_add(&slab, 1025);
    apigw_metrics_slab_add(&slab, 2047);
    CHECK(apigw_metrics_slab_pages(&slab) == 6, "1025 and 2047: 2 a page");

    apigw_metrics_slab_init(&slab, 4096);

    for (i = 0; i < 64; i++) {
        apigw_metrics_slab_add(&slab, 64);
    }

    CHECK(apigw_metrics_slab_pages(&slab) == 1, "64 of 64: one page");

    apigw_metrics_slab_init(&slab, 4096);

    for (i = 0; i < 504; i++) {
        apigw_metrics_slab_add(&slab, 8);
    }

    pages = apigw_metrics_slab_pages(&slab);
    CHECK(pages == 1, "504 of 8: one page, its first 8 chunks the bitmap");
    apigw_metrics_slab_add(&slab, 3);
    CHECK(apigw_metrics_slab_pages(&slab) == 2, "505 of 8: two");

    apigw_metrics_slab_init(&slab, 4096);

    for (i = 0; i < 127; i++) {
        apigw_metrics_slab_add(&slab, 32);
    }

    CHECK(apigw_metrics_slab_pages(&slab) == 1,
          "127 of 32: one page, a chunk for the bitmap");

    check_page();

    return unit_done();
}
