
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the proxy event's text (apigw_proxy_event.c): requests
 * made at random from a fixed seed (repeated names in any case, bytes
 * that are not UTF-8, NUL, control characters, cookies, bodies text,
 * binary and none, tokens' claims, authorizers' contexts) must give the
 * very bytes the jansson tree dumped as json_dumps(JSON_COMPACT) gave,
 * kept in events/proxy_events.txt, one event a line (written by the
 * tree's code before it went).  With an argument, the events are written
 * to that file instead.
 */

#include "authorizer_fixtures.h"
#include "apigw_lambda.h"


#ifndef NREQUESTS
#define NREQUESTS   64
#endif
#define FIXTURE     "events/proxy_events.txt"


static uint64_t  seed = 88172645463325252ULL;

/* what a request is made of, freed after it */
static void      *kept[512];
static unsigned   nkept;


static unsigned
rnd(unsigned n)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;

    return (unsigned) (seed >> 11) % n;
}


static const char  *pieces[] = {
    "a", "b", "Z", "0", "9", " ", "  ", "\"", "\\", "/", "%", "%41", "%4",
    "%zz", "%2F", "%00", "%ff", ",", ";", "=", "&", ".", ":", "\t", "\n",
    "\r", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
    "\xf0\x9f\x98\x80", "\xff", "\xc3", "\xed\xa0\x80", "\xef\xbf\xbd",
    "\xc0\xaf", "hello", "World", "x-y", "{}", "[1]", "\\u0000"
};

static const char  *names[] = {
    "Accept", "accept", "ACCEPT", "X-Foo", "x-foo", "X-FOO", "Cookie",
    "cookie", "User-Agent", "user-agent", "Host", "host", "Content-Type",
    "content-type", "a", "A", "", "x\xff", "x\xfe", "x\xef\xbf\xbd",
    "X\xff", "n\0m", "n\xc3"
};

static const char  *types[] = {
    "text/plain", "application/json", "image/png", "IMAGE/PNG; q=1",
    "application/octet-stream", "text/html; charset=utf-8", "", "image"
};

static const char  *claims[] = {
    "{\"sub\":\"u1\",\"scope\":\"read write  admin \"}",
    "{\"sub\":\"u2\",\"scp\":[\"a\",\"b\",1]}",
    "{\"scope\":\"\",\"scp\":\"x y\"}",
    "{\"scope\":5,\"n\":1.5,\"big\":12345678901234,\"neg\":-0.25e-7}",
    "{\"sub\":\"\\u00e9\\u0000x\\u001f\\\"\",\"nested\":{\"a\":[1,2,"
        "{\"b\":null,\"t\":true,\"f\":false}]},\"e\":{},\"l\":[]}",
    "{}",
    "{\"scp\":\"one\"}",
    "{\"scope\":\" a\\tb c \"}"
};

static char  *binary_types[] = {
    "application/octet-stream", "image/*", "text/html"
};


static void *
keep(void *p)
{
    if (p == NULL || nkept == sizeof(kept) / sizeof(kept[0])) {
        exit(2);
    }

    kept[nkept++] = p;

    return p;
}


static void
release(apigw_event_request_t *rq)
{
    while (nkept) {
        free(kept[--nkept]);
    }

    json_decref(rq->claims);
}


/* random bytes */
static char *
text(size_t *len, unsigned max)
{
    char        *s, *p;
    size_t       n;
    unsigned     i, k;
    const char  *piece;

    k = rnd(max + 1);
    s = keep(malloc(k * 8 + 1));

    p = s;

    for (i = 0; i < k; i++) {
        piece = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];

        if (piece[0] == '%' && piece[1] == '0' && piece[2] == '0') {
            *p++ = '\0';
            continue;
        }

        n = strlen(piece);
        memcpy(p, piece, n);
        p += n;
    }

    *len = p - s;

    return s;
}


static void
str(apigw_event_str_t *s, unsigned max, unsigned empty)
{
    size_t  len;

    if (rnd(empty) == 0) {
        s->data = rnd(2) ? "" : NULL;
        s->len = 0;
        return;
    }

    s->data = text(&len, max);
    s->len = len;
}


static apigw_pair_t *
pairs(size_t *n, unsigned max, int headers)
{
    size_t         i, len;
    const char    *name;
    apigw_pair_t  *p;

    *n = rnd(max + 1);

    p = keep(calloc(*n + 1, sizeof(apigw_pair_t)));

    for (i = 0; i < *n; i++) {
        if (rnd(4) == 0) {
            p[i].name = text(&len, 3);
            p[i].name_len = len;

        } else {
            name = names[rnd(sizeof(names) / sizeof(names[0]))];
            p[i].name = name;
            p[i].name_len = (name[0] == 'n' && name[1] == '\0') ? 3
                                                                 : strlen(name);
        }

        if (headers && p[i].name_len == 12
            && strncasecmp(p[i].name, "content-type", 12) == 0
            && rnd(2))
        {
            p[i].value = types[rnd(sizeof(types) / sizeof(types[0]))];
            p[i].value_len = strlen(p[i].value);
            continue;
        }

        if (headers && p[i].name_len == 6
            && strncasecmp(p[i].name, "cookie", 6) == 0 && rnd(2))
        {
            p[i].value = rnd(2) ? "a=1; b=2;; \t c=3 ;" : " ; ;";
            p[i].value_len = strlen(p[i].value);
            continue;
        }

        p[i].value = text(&len, 6);
        p[i].value_len = len;
    }

    return p;
}


static apigw_authz_result_t *
authz(void)
{
    size_t                 i;
    apigw_authz_ctx_t     *c;
    apigw_authz_result_t  *res;

    static const char  *keys[] = { "k", "principalId", "n", "b", "k2" };
    static const char  *numbers[] = { "1", "-2.5", "1e3", "0" };

    res = keep(calloc(1, sizeof(apigw_authz_result_t)));
    c = keep(calloc(4, sizeof(apigw_authz_ctx_t)));

    if (rnd(3)) {
        res->principal.data = rnd(2) ? "user|a1" : "\xc3\xa9\"";
        res->principal.len = strlen(res->principal.data);
    }

    res->context = c;
    res->ncontext = rnd(5);

    for (i = 0; i < res->ncontext; i++) {
        c[i].type = rnd(3);
        c[i].key.data = keys[rnd(5)];
        c[i].key.len = strlen(c[i].key.data);

        switch (c[i].type) {

        case APIGW_AUTHZ_CTX_NUMBER:
            c[i].value.data = numbers[rnd(4)];
            break;

        case APIGW_AUTHZ_CTX_BOOLEAN:
            c[i].value.data = rnd(2) ? "true" : "false";
            break;

        default:
            c[i].value.data = rnd(2) ? "v\\\"\n" : "";
        }

        c[i].value.len = strlen(c[i].value.data);
    }

    return res;
}


static void
request(apigw_event_request_t *rq)
{
    size_t  len;

    memset(rq, 0, sizeof(apigw_event_request_t));

    str(&rq->method, 2, 8);
    str(&rq->path, 6, 8);
    str(&rq->full_path, 6, 8);
    str(&rq->query, 6, 3);
    str(&rq->resource, 3, 8);
    str(&rq->route_key, 3, 8);
    str(&rq->stage, 2, 2);
    str(&rq->api_id, 2, 4);
    str(&rq->account, 2, 2);
    str(&rq->request_id, 2, 4);
    str(&rq->source_ip, 2, 4);
    str(&rq->protocol, 2, 4);
    str(&rq->api_key, 3, 2);
    str(&rq->api_key_id, 3, 2);
    str(&rq->domain, 3, 2);

    rq->headers = pairs(&rq->nheaders, rnd(4) ? 6 : 16, 1);
    rq->query_params = pairs(&rq->nquery_params, 5, 0);
    rq->path_params = pairs(&rq->npath_params, rnd(2) ? 0 : 3, 0);
    rq->stage_vars = pairs(&rq->nstage_vars, rnd(2) ? 0 : 3, 0);

    rq->time_ms = rnd(3) == 0 ? 0 : (int64_t) rnd(2000000000) * 1000
                                    + rnd(1000);

    switch (rnd(4)) {

    case 0:
        break;

    case 1:
        rq->body.data = "";
        break;

    default:
        rq->body.data = text(&len, 12);
        rq->body.len = len;
    }

    rq->binary_types = binary_types + rnd(2);
    rq->nbinary_types = rnd(3);

    switch (rnd(4)) {

    case 0:
        rq->claims = json_loads(claims[rnd(sizeof(claims)
                                           / sizeof(claims[0]))],
                                JSON_ALLOW_NUL, NULL);
        break;

    case 1:
        rq->authz = authz();
        break;

    default:
        break;
    }
}


/* the event's text, malloc()ed */
static char *
event(const apigw_event_request_t *rq, int v2, size_t *len)
{
    return apigw_proxy_event_text(rq, v2, NULL, len);
}


static char *
fixture(size_t *len)
{
    long   n;
    char  *buf;
    FILE  *f;

    f = fopen(FIXTURE, "rb");
    if (f == NULL) {
        return NULL;
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);

    buf = malloc(n + 1);

    if (buf == NULL || fread(buf, 1, n, f) != (size_t) n) {
        exit(2);
    }

    fclose(f);
    *len = n;

    return buf;
}


int
main(int argc, char **argv)
{
    int                     v2;
    char                   *want, *got, *p, *end, *nl;
    size_t                  wlen, len;
    unsigned                i, same;
    FILE                   *out;
    apigw_event_request_t   rq;

    out = NULL;
    want = NULL;
    p = end = NULL;

    if (argc > 1) {
        out = fopen(argv[1], "wb");
        if (out == NULL) {
            return 2;
        }

    } else {
        want = fixture(&wlen);
        CHECK(want != NULL, "%s read", FIXTURE);

        if (want == NULL) {
            return unit_done();
        }

        p = want;
        end = want + wlen;
    }

    same = 0;

    for (i = 0; i < NREQUESTS; i++) {
        request(&rq);

        for (v2 = 0; v2 < 2; v2++) {
            got = event(&rq, v2, &len);

            if (got == NULL) {
                CHECK(0, "request %u v%d: an event", i, v2 + 1);
                continue;
            }

            if (out) {
                fwrite(got, 1, len, out);
                fputc('\n', out);
                free(got);
                continue;
            }

            nl = p < end ? memchr(p, '\n', end - p) : NULL;

            if (nl == NULL) {
                CHECK(0, "request %u v%d: in the fixture", i, v2 + 1);
                free(got);
                continue;
            }

            if ((size_t) (nl - p) == len && memcmp(p, got, len) == 0) {
                same++;

            } else {
                CHECK(0, "request %u v%d: the same bytes:\n# want %.*s\n"
                      "# got  %.*s", i, v2 + 1, (int) (nl - p), p,
                      (int) len, got);
            }

            p = nl + 1;
            free(got);
        }

        release(&rq);
    }

    if (out) {
        fclose(out);
        return 0;
    }

    CHECK(same == 2 * NREQUESTS, "%u events of %u the same bytes", same,
          2 * NREQUESTS);
    CHECK(p == end, "the whole fixture compared");

    free(want);

    return unit_done();
}
