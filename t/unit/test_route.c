
/*
 * Copyright (C) apigw contributors
 */


/* unit tests for the route trie: apigw_router_add() and _match() */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_core.h"
#include "unit.h"


#define GET     APIGW_METHOD_GET
#define PUT     APIGW_METHOD_PUT
#define POST    APIGW_METHOD_POST
#define DELETE  APIGW_METHOD_DELETE
#define HEAD    APIGW_METHOD_HEAD
#define PATCH   APIGW_METHOD_PATCH
#define ANY     APIGW_METHOD_ANY


/* the values routes carry: their addresses are what a match returns */
static char  v_a, v_b, v_c, v_d, v_e, v_f;


static char   errbuf[APIGW_ERR_LEN];
static char  *scratch_buf;


/* what the last match() found, copied out of the scratch buffer */
typedef struct {
    apigw_route_rc_e        rc;
    void                   *value;
    size_t                  nparams;
    char                    raw[APIGW_MAX_PARAMS][256];
    char                    val[APIGW_MAX_PARAMS][256];
    size_t                  raw_len[APIGW_MAX_PARAMS];
    size_t                  val_len[APIGW_MAX_PARAMS];
} result_t;

static result_t  r;


/*
 * the request's query and headers for discriminators: "a=1&b=2" and
 * "X-A=1&X-B=2"; lookups counted, failed on demand
 */
static const char  *req_query;
static const char  *req_headers;
static int          lookups;
static int          lookup_fails;
static int          no_lookup;          /* match without a lookup */


static int
test_lookup(void *data, apigw_param_in_e in, const char *name, size_t len,
    const char **value, size_t *vlen)
{
    size_t       n;
    const char  *p, *eq, *amp;

    (void) data;

    lookups++;

    if (lookup_fails) {
        return -1;
    }

    p = (in == APIGW_IN_HEADER) ? req_headers : req_query;

    while (p && *p) {
        eq = strchr(p, '=');
        amp = strchr(p, '&');

        if (amp == NULL) {
            amp = p + strlen(p);
        }

        n = eq ? (size_t) (eq - p) : 0;

        if (eq && eq < amp && n == len
            && (in == APIGW_IN_HEADER ? strncasecmp(p, name, len)
                                      : strncmp(p, name, len)) == 0)
        {
            *value = eq + 1;
            *vlen = amp - eq - 1;
            return 1;
        }

        p = *amp ? amp + 1 : amp;
    }

    return 0;
}


static int
add(apigw_router_t *rt, const char *tpl, int method, void *value)
{
    errbuf[0] = '\0';

    return apigw_router_add(rt, tpl, method, NULL, 0, value, NULL, errbuf,
                            sizeof(errbuf));
}


/* a route with discriminators "q:name=value" or "h:name=value", NULL-ended */
static int
addc(apigw_router_t *rt, const char *tpl, int method, void *value,
    void **prev, ...)
{
    int                  rc;
    size_t               n;
    va_list              args;
    const char          *s, *eq;
    apigw_route_cond_t   conds[8];

    n = 0;
    va_start(args, prev);

    while ((s = va_arg(args, const char *)) != NULL && n < 8) {
        eq = strchr(s, '=');
        conds[n].in = (s[0] == 'h') ? APIGW_IN_HEADER : APIGW_IN_QUERY;
        conds[n].name = (char *) s + 2;
        conds[n].name_len = eq - s - 2;
        conds[n].value = (char *) eq + 1;
        conds[n].value_len = strlen(eq + 1);
        n++;
    }

    va_end(args);

    errbuf[0] = '\0';
    rc = apigw_router_add(rt, tpl, method, conds, n, value, prev, errbuf,
                          sizeof(errbuf));

    return rc;
}


/*
 * The path is copied to a buffer of exactly len bytes (no NUL) and the
 * scratch buffer is exactly len bytes, so ASan catches any overrun.
 */
static apigw_route_rc_e
matchn(apigw_router_t *rt, const char *path, size_t len, int method)
{
    char           *copy;
    size_t          i, n;
    apigw_match_t   m;

    copy = malloc(len ? len : 1);
    scratch_buf = malloc(len ? len : 1);

    if (copy == NULL || scratch_buf == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    memcpy(copy, path, len);
    memset(&r, 0, sizeof(r));
    memset(&m, 0xa5, sizeof(m));

    r.rc = apigw_router_match(rt, copy, len, method, scratch_buf, &m,
                              no_lookup ? NULL : test_lookup, NULL);

    if (r.rc == APIGW_ROUTE_OK) {
        r.value = m.value;
        r.nparams = m.nparams;

        for (i = 0; i < m.nparams && i < APIGW_MAX_PARAMS; i++) {
            r.raw_len[i] = m.params[i].raw_len;
            r.val_len[i] = m.params[i].val_len;

            /* raw points into the path, val into scratch or the path */
            if (m.params[i].raw < copy
                || m.params[i].raw + m.params[i].raw_len > copy + len
                || ((m.params[i].val < scratch_buf
                     || m.params[i].val + m.params[i].val_len
                        > scratch_buf + len)
                    && (m.params[i].val < copy
                        || m.params[i].val + m.params[i].val_len
                           > copy + len)))
            {
                r.raw_len[i] = (size_t) -1;
                continue;
            }

            n = m.params[i].raw_len < 255 ? m.params[i].raw_len : 255;
            memcpy(r.raw[i], m.params[i].raw, n);
            r.raw[i][n] = '\0';

            n = m.params[i].val_len < 255 ? m.params[i].val_len : 255;
            memcpy(r.val[i], m.params[i].val, n);
            r.val[i][n] = '\0';
        }

    } else if (m.value != NULL || m.nparams != 0) {
        /* a failed match must not leave a value behind */
        r.value = (void *) &r;
    }

    free(copy);
    free(scratch_buf);
    scratch_buf = NULL;

    return r.rc;
}


static apigw_route_rc_e
match(apigw_router_t *rt, const char *path, int method)
{
    return matchn(rt, path, strlen(path), method);
}


/* matched value and nothing captured */
static int
is(apigw_router_t *rt, const char *path, int method, void *value)
{
    return match(rt, path, method) == APIGW_ROUTE_OK && r.value == value
           && r.nparams == 0;
}


/* matched value and one parameter: raw and decoded */
static int
is1(apigw_router_t *rt, const char *path, int method, void *value,
    const char *raw, const char *val)
{
    int  ok;

    ok = match(rt, path, method) == APIGW_ROUTE_OK && r.value == value
         && r.nparams == 1
         && r.raw_len[0] == strlen(raw) && strcmp(r.raw[0], raw) == 0
         && r.val_len[0] == strlen(val) && strcmp(r.val[0], val) == 0;

    if (!ok) {
        NOTE("%s: rc %d, %zu params, raw \"%s\" (%zu), val \"%s\" (%zu)",
             path, (int) r.rc, r.nparams, r.raw[0], r.raw_len[0], r.val[0],
             r.val_len[0]);
    }

    return ok;
}


/* matched value and n parameters: raw and decoded text, in pairs */
static int
isn(apigw_router_t *rt, const char *path, int method, void *value,
    size_t n, ...)
{
    int          ok;
    size_t       i;
    va_list      args;
    const char  *raw, *val;

    ok = match(rt, path, method) == APIGW_ROUTE_OK && r.value == value
         && r.nparams == n;

    va_start(args, n);

    for (i = 0; ok && i < n; i++) {
        raw = va_arg(args, const char *);
        val = va_arg(args, const char *);

        ok = r.raw_len[i] == strlen(raw) && strcmp(r.raw[i], raw) == 0
             && r.val_len[i] == strlen(val) && strcmp(r.val[i], val) == 0;

        if (!ok) {
            NOTE("%s: param %zu raw \"%s\" (%zu), val \"%s\" (%zu)", path,
                 i, r.raw[i], r.raw_len[i], r.val[i], r.val_len[i]);
        }
    }

    va_end(args);

    if (!ok) {
        NOTE("%s: rc %d, value %p, %zu params", path, (int) r.rc, r.value,
             r.nparams);
    }

    return ok;
}


static void
test_methods(void)
{
    CHECK(apigw_method_index("GET", 3) == GET, "method index GET");
    CHECK(apigw_method_index("get", 3) == GET, "method index is "
          "case-insensitive");
    CHECK(apigw_method_index("DELETE", 6) == DELETE
          && apigw_method_index("PATCH", 5) == PATCH
          && apigw_method_index("ANY", 3) == ANY, "method index others");
    CHECK(apigw_method_index("GETX", 4) == -1
          && apigw_method_index("GETX", 3) == GET
          && apigw_method_index("PROPFIND", 8) == -1
          && apigw_method_index("", 0) == -1, "unknown methods: -1");
    CHECK(strcmp(apigw_method_name(GET), "GET") == 0
          && strcmp(apigw_method_name(ANY), "ANY") == 0
          && strcmp(apigw_method_name(-1), "?") == 0
          && strcmp(apigw_method_name(APIGW_METHOD_COUNT), "?") == 0,
          "method names");
}


static void
test_literal_param(void)
{
    apigw_router_t  *rt;

    rt = apigw_router_create();

    CHECK(add(rt, "/pets/{id}", GET, &v_b) == 0, "add /pets/{id}");
    CHECK(add(rt, "/pets/mine", GET, &v_a) == 0, "add /pets/mine after it");
    CHECK(add(rt, "/pets", GET, &v_c) == 0, "add /pets");

    CHECK(is(rt, "/pets/mine", GET, &v_a), "literal beats param");
    CHECK(is1(rt, "/pets/123", GET, &v_b, "123", "123"),
          "param captures the segment");
    CHECK(is(rt, "/pets", GET, &v_c), "the parent route");
    CHECK(match(rt, "/pets/mine/x", GET) == APIGW_ROUTE_NO_ROUTE,
          "one segment too many: no route");
    CHECK(is1(rt, "/pets/minE", GET, &v_b, "minE", "minE"),
          "literals are case-sensitive");
    CHECK(is1(rt, "/pets/mine2", GET, &v_b, "mine2", "mine2"),
          "a literal prefix is not a match");

    apigw_router_free(rt);
}


static void
test_backtracking(void)
{
    apigw_router_t  *rt;

    rt = apigw_router_create();

    CHECK(add(rt, "/pets/mine/photos", GET, &v_a) == 0
          && add(rt, "/pets/{id}/toys", GET, &v_b) == 0,
          "add /pets/mine/photos and /pets/{id}/toys");

    CHECK(is(rt, "/pets/mine/photos", GET, &v_a), "literal path");
    CHECK(is1(rt, "/pets/mine/toys", GET, &v_b, "mine", "mine"),
          "GET /pets/mine/toys backtracks to /pets/{id}/toys");
    CHECK(is1(rt, "/pets/7/toys", GET, &v_b, "7", "7"),
          "GET /pets/7/toys");
    CHECK(match(rt, "/pets/7/photos", GET) == APIGW_ROUTE_NO_ROUTE,
          "GET /pets/7/photos: no route");
    CHECK(match(rt, "/pets/mine", GET) == APIGW_ROUTE_NO_ROUTE,
          "an inner node without methods is no route");

    /* a literal node with the path but not the method: the param wins */
    CHECK(add(rt, "/m/lit", GET, &v_c) == 0
          && add(rt, "/m/{p}", POST, &v_d) == 0, "add /m/lit and /m/{p}");
    CHECK(is1(rt, "/m/lit", POST, &v_d, "lit", "lit"),
          "POST /m/lit falls through to POST /m/{p}");
    CHECK(is(rt, "/m/lit", GET, &v_c), "GET /m/lit");
    CHECK(match(rt, "/m/x", GET) == APIGW_ROUTE_NO_METHOD,
          "GET /m/x: no method");

    /* params are unwound when a deeper match fails */
    CHECK(add(rt, "/u/{a}/{b}/x", GET, &v_e) == 0
          && add(rt, "/u/{c}/y", GET, &v_f) == 0, "add /u/{a}/{b}/x, "
          "/u/{c}/y");
    CHECK(is1(rt, "/u/1/y", GET, &v_f, "1", "1"),
          "GET /u/1/y: one param after backtracking");
    CHECK(match(rt, "/u/1/2/x", GET) == APIGW_ROUTE_OK && r.value == &v_e
          && r.nparams == 2 && strcmp(r.val[0], "1") == 0
          && strcmp(r.val[1], "2") == 0, "GET /u/1/2/x: two params");

    apigw_router_free(rt);
}


static void
test_greedy(void)
{
    apigw_router_t  *rt;

    rt = apigw_router_create();

    CHECK(add(rt, "/files/{proxy+}", GET, &v_a) == 0, "add /files/{proxy+}");

    CHECK(is1(rt, "/files/a", GET, &v_a, "a", "a"), "greedy: one segment");
    CHECK(is1(rt, "/files/a/b/c", GET, &v_a, "a/b/c", "a/b/c"),
          "greedy: the remainder with its slashes");
    CHECK(is1(rt, "/files/a/b/", GET, &v_a, "a/b", "a/b"),
          "greedy: a trailing slash is not captured");
    CHECK(is1(rt, "/files/a%20b/c%2Fd", GET, &v_a, "a%20b/c%2Fd", "a b/c/d"),
          "greedy: raw and decoded remainder");
    CHECK(match(rt, "/files/a//b", GET) == APIGW_ROUTE_OK && r.value == &v_a
          && strncmp(r.raw[0], "a/", 2) == 0
          && r.raw[0][r.raw_len[0] - 1] == 'b', "greedy: inner \"//\"");
    CHECK(is1(rt, "/files/a//b", GET, &v_a, "a//b", "a//b")
          && is1(rt, "/files/a//b%20c", GET, &v_a, "a//b%20c", "a//b c"),
          "greedy: the decoded remainder keeps \"//\", escapes or not");
    CHECK(match(rt, "/files", GET) == APIGW_ROUTE_NO_ROUTE,
          "greedy needs one segment: /files");
    CHECK(match(rt, "/files/", GET) == APIGW_ROUTE_NO_ROUTE,
          "greedy needs one segment: /files/");
    CHECK(match(rt, "/files/a", POST) == APIGW_ROUTE_NO_METHOD,
          "greedy: no method");

    /* an encoded slash at the very end belongs to the value */
    CHECK(is1(rt, "/files/a%2F", GET, &v_a, "a%2F", "a/"),
          "greedy: trailing %%2F is kept in the decoded value");
    CHECK(is1(rt, "/files/a/b%2F/", GET, &v_a, "a/b%2F", "a/b/"),
          "greedy: %%2F before a trailing slash");

    apigw_router_free(rt);

    rt = apigw_router_create();

    CHECK(add(rt, "/{proxy+}", ANY, &v_a) == 0, "add /{proxy+} at the root");
    CHECK(match(rt, "/", GET) == APIGW_ROUTE_NO_ROUTE,
          "a root greedy does not match the root");
    CHECK(match(rt, "", GET) == APIGW_ROUTE_NO_ROUTE,
          "a root greedy does not match the empty path");
    CHECK(is1(rt, "/x/y/z", PATCH, &v_a, "x/y/z", "x/y/z"),
          "a root greedy matches everything else");
    CHECK(is1(rt, "//x", GET, &v_a, "x", "x"),
          "leading empty segments are not captured");

    CHECK(add(rt, "/", GET, &v_b) == 0, "add / beside it");
    CHECK(is(rt, "/", GET, &v_b), "the root route");

    apigw_router_free(rt);
}


static void
test_precedence(void)
{
    apigw_router_t  *rt;

    rt = apigw_router_create();

    CHECK(add(rt, "/x/{g+}", GET, &v_c) == 0
          && add(rt, "/x/{p}", GET, &v_b) == 0
          && add(rt, "/x/lit", GET, &v_a) == 0
          && add(rt, "/x/{p}/lit", GET, &v_d) == 0
          && add(rt, "/x/{p}/{q}", GET, &v_e) == 0
          && add(rt, "/x/{p}/{q+}", GET, &v_f) == 0,
          "add greedy, param and literal in reverse order");

    CHECK(is(rt, "/x/lit", GET, &v_a), "level 1: literal");
    CHECK(is1(rt, "/x/other", GET, &v_b, "other", "other"),
          "level 1: param");
    CHECK(match(rt, "/x/a/lit", GET) == APIGW_ROUTE_OK && r.value == &v_d
          && r.nparams == 1, "level 2: literal");
    CHECK(match(rt, "/x/a/b", GET) == APIGW_ROUTE_OK && r.value == &v_e
          && r.nparams == 2 && strcmp(r.val[1], "b") == 0,
          "level 2: param");
    CHECK(match(rt, "/x/a/b/c", GET) == APIGW_ROUTE_OK && r.value == &v_f
          && r.nparams == 2 && strcmp(r.val[0], "a") == 0
          && strcmp(r.raw[1], "b/c") == 0, "level 2: greedy");

    /* /x/lit/b/c: the literal and the param fail below, level-2 greedy */
    CHECK(match(rt, "/x/lit/b/c", GET) == APIGW_ROUTE_OK && r.value == &v_f
          && strcmp(r.val[0], "lit") == 0 && strcmp(r.raw[1], "b/c") == 0,
          "backtracks from the literal into the param's greedy");

    CHECK(match(rt, "/x/a", POST) == APIGW_ROUTE_NO_METHOD,
          "POST /x/a: no method");

    apigw_router_free(rt);

    rt = apigw_router_create();

    CHECK(add(rt, "/y/{p}/z", GET, &v_a) == 0
          && add(rt, "/y/{g+}", GET, &v_b) == 0, "add /y/{p}/z, /y/{g+}");
    CHECK(is1(rt, "/y/a/z", GET, &v_a, "a", "a"), "param route");
    CHECK(is1(rt, "/y/a/q", GET, &v_b, "a/q", "a/q"),
          "backtracks from param to greedy");
    CHECK(is1(rt, "/y/a", GET, &v_b, "a", "a"),
          "the param node without methods: greedy");

    apigw_router_free(rt);
}


static void
test_method_fallback(void)
{
    apigw_router_t  *rt;

    rt = apigw_router_create();

    CHECK(add(rt, "/h", GET, &v_a) == 0, "add GET /h");
    CHECK(is(rt, "/h", HEAD, &v_a), "HEAD falls back to GET");
    CHECK(match(rt, "/h", POST) == APIGW_ROUTE_NO_METHOD,
          "POST /h: no method");
    CHECK(match(rt, "/h", ANY) == APIGW_ROUTE_NO_METHOD,
          "an unknown method (ANY) without an ANY route: no method");

    CHECK(add(rt, "/h", HEAD, &v_b) == 0, "add HEAD /h");
    CHECK(is(rt, "/h", HEAD, &v_b), "an explicit HEAD wins");

    CHECK(add(rt, "/any", ANY, &v_c) == 0
          && add(rt, "/any", GET, &v_d) == 0, "add ANY /any, GET /any");
    CHECK(is(rt, "/any", PATCH, &v_c), "ANY catches PATCH");
    CHECK(is(rt, "/any", ANY, &v_c), "ANY catches unknown methods");
    CHECK(is(rt, "/any", GET, &v_d), "GET beats ANY");
    CHECK(is(rt, "/any", HEAD, &v_d), "HEAD: GET beats ANY");

    CHECK(add(rt, "/anyonly", ANY, &v_e) == 0, "add ANY /anyonly");
    CHECK(is(rt, "/anyonly", HEAD, &v_e), "HEAD without GET: ANY");
    CHECK(is(rt, "/anyonly", DELETE, &v_e), "DELETE: ANY");

    CHECK(add(rt, "/pets", GET, &v_f) == 0, "add GET /pets");
    CHECK(match(rt, "/pets", POST) == APIGW_ROUTE_NO_METHOD,
          "NO_METHOD: the path exists");
    CHECK(match(rt, "/nothing", GET) == APIGW_ROUTE_NO_ROUTE,
          "NO_ROUTE: unknown path");
    CHECK(match(rt, "/pets/x", GET) == APIGW_ROUTE_NO_ROUTE,
          "NO_ROUTE: below a route");
    CHECK(r.value == NULL, "no value left behind on failure");

    apigw_router_free(rt);
}


static void
test_decoding(void)
{
    apigw_router_t  *rt;

    rt = apigw_router_create();

    CHECK(add(rt, "/pets/{id}", GET, &v_a) == 0
          && add(rt, "/pets/mine", GET, &v_b) == 0
          && add(rt, "/pets/{id}/x", GET, &v_c) == 0, "add routes");

    CHECK(is1(rt, "/pets/a%20b", GET, &v_a, "a%20b", "a b"),
          "param: raw and decoded value");
    CHECK(is1(rt, "/pets/a%2Fb", GET, &v_a, "a%2Fb", "a/b"),
          "%%2F stays in one segment");
    CHECK(is1(rt, "/pets/a%2fb", GET, &v_a, "a%2fb", "a/b"),
          "lowercase hex");
    CHECK(is1(rt, "/pets/%C3%A9t%C3%A9", GET, &v_a, "%C3%A9t%C3%A9",
              "\xc3\xa9t\xc3\xa9"), "UTF-8 escapes");
    CHECK(is1(rt, "/pets/a+b", GET, &v_a, "a+b", "a+b"),
          "\"+\" is not a space in paths");
    CHECK(is(rt, "/pets/mi%6Ee", GET, &v_b),
          "literals match the decoded segment");
    CHECK(match(rt, "/pets/a%2Fb/x", GET) == APIGW_ROUTE_OK
          && r.value == &v_c && strcmp(r.val[0], "a/b") == 0,
          "%%2F does not split the path");
    CHECK(is1(rt, "/pets/...", GET, &v_a, "...", "..."),
          "\"...\" is not a dot segment");
    CHECK(is1(rt, "/pets/a..b", GET, &v_a, "a..b", "a..b"),
          "dots inside a segment are fine");
    CHECK(is1(rt, "/pets/%2e%2e%2e", GET, &v_a, "%2e%2e%2e", "..."),
          "encoded \"...\" is not a dot segment");

    CHECK(match(rt, "/pets/%", GET) == APIGW_ROUTE_BAD_PATH, "bad escape %%");
    CHECK(match(rt, "/pets/%2", GET) == APIGW_ROUTE_BAD_PATH,
          "bad escape %%2");
    CHECK(match(rt, "/pets/a%2", GET) == APIGW_ROUTE_BAD_PATH,
          "bad escape at the end");
    CHECK(match(rt, "/pets/%zz", GET) == APIGW_ROUTE_BAD_PATH,
          "bad escape %%zz");
    CHECK(match(rt, "/pets/%0g", GET) == APIGW_ROUTE_BAD_PATH,
          "bad escape %%0g");
    CHECK(match(rt, "/pets/%%41", GET) == APIGW_ROUTE_BAD_PATH,
          "bad escape %%%%41");
    CHECK(match(rt, "/pets/%00", GET) == APIGW_ROUTE_BAD_PATH, "%%00");
    CHECK(matchn(rt, "/pets/a\0b", 9, GET) == APIGW_ROUTE_BAD_PATH,
          "a raw NUL byte");
    CHECK(match(rt, "/pets/.", GET) == APIGW_ROUTE_BAD_PATH, "\".\"");
    CHECK(match(rt, "/pets/..", GET) == APIGW_ROUTE_BAD_PATH, "\"..\"");
    CHECK(match(rt, "/pets/../pets/1", GET) == APIGW_ROUTE_BAD_PATH,
          "\"..\" in the middle");
    CHECK(match(rt, "/./pets/1", GET) == APIGW_ROUTE_BAD_PATH,
          "\".\" first");
    CHECK(match(rt, "/pets/%2e%2e", GET) == APIGW_ROUTE_BAD_PATH,
          "\"%%2e%%2e\"");
    CHECK(match(rt, "/pets/%2E", GET) == APIGW_ROUTE_BAD_PATH, "\"%%2E\"");
    CHECK(match(rt, "/pets/.%2e/", GET) == APIGW_ROUTE_BAD_PATH,
          "\".%%2e/\"");
    CHECK(match(rt, "/nothing/..", GET) == APIGW_ROUTE_BAD_PATH,
          "BAD_PATH before NO_ROUTE");
    CHECK(match(rt, "/nothing/%", GET) == APIGW_ROUTE_BAD_PATH,
          "bad escape on an unknown path");

    apigw_router_free(rt);
}


static void
test_empty_segments(void)
{
    apigw_router_t  *rt;

    rt = apigw_router_create();

    CHECK(add(rt, "/pets", GET, &v_a) == 0
          && add(rt, "/pets/{id}/toys", GET, &v_b) == 0, "add routes");

    CHECK(is(rt, "/pets", GET, &v_a), "/pets");
    CHECK(is(rt, "//pets/", GET, &v_a), "//pets/ is /pets");
    CHECK(is(rt, "/pets//", GET, &v_a), "/pets// is /pets");
    CHECK(is(rt, "pets", GET, &v_a), "pets (no slash) is /pets");
    CHECK(is1(rt, "/pets//1///toys/", GET, &v_b, "1", "1"),
          "empty segments between params");

    CHECK(match(rt, "/", GET) == APIGW_ROUTE_NO_ROUTE, "no root route");
    CHECK(add(rt, "/", GET, &v_c) == 0, "add /");
    CHECK(is(rt, "/", GET, &v_c), "GET /");
    CHECK(is(rt, "", GET, &v_c), "the empty path is the root");
    CHECK(is(rt, "///", GET, &v_c), "/// is the root");
    CHECK(add(rt, "//", GET, &v_d) != 0, "// conflicts with /");

    CHECK(add(rt, "//users//{id}/", GET, &v_d) == 0,
          "add a template with empty segments");
    CHECK(is1(rt, "/users/5", GET, &v_d, "5", "5"),
          "empty template segments are ignored");

    apigw_router_free(rt);
}


static void
test_conflicts(void)
{
    apigw_router_t  *rt;

    rt = apigw_router_create();

    CHECK(add(rt, "/pets/{a}", GET, &v_a) == 0, "add GET /pets/{a}");
    CHECK(add(rt, "/pets/{b}", GET, &v_b) != 0
          && strstr(errbuf, "conflicts") != NULL,
          "GET /pets/{b} conflicts: %s", errbuf);
    CHECK(add(rt, "/pets/{b}", POST, &v_b) == 0,
          "POST /pets/{b} does not conflict");
    CHECK(add(rt, "/pets/{a}/", GET, &v_c) != 0,
          "a trailing slash is the same route");
    CHECK(add(rt, "/pets/{a}", ANY, &v_c) == 0
          && add(rt, "/pets/{c}", ANY, &v_d) != 0, "ANY conflicts with ANY");
    CHECK(add(rt, "/f/{x+}", GET, &v_a) == 0
          && add(rt, "/f/{y+}", GET, &v_b) != 0, "greedy conflicts");
    CHECK(add(rt, "/f/{x}", GET, &v_c) == 0,
          "greedy and param do not conflict");
    CHECK(is1(rt, "/pets/1", GET, &v_a, "1", "1"),
          "the first route stays");

    apigw_router_free(rt);
}


static void
test_bad_templates(void)
{
    int              i, rc;
    char             tpl[1024], path[1024], last[16], *p;
    apigw_router_t  *rt;

    static const char  *bad[] = {
        "pets", "", "{a", "a{b}", "{proxy+}/x", "/{a", "/{a}{b}", "/{{a}}",
        "/a}", "/{a}}", "/{}", "/{proxy+}/x", "/{proxy+}/{id}",
        "/{proxy+}//x", "/{+}", "/a/./b", "/a/..", "/{a b}", "/{a/b}",
        "/{a%20}", "/x{a}{b}", "/{a}.{b}{c}", "/x{p+}", "/{p+}.x",
        "/{a}.{}", "/{a}.{b", "/{a}.}", "/a.{b}}", "/{a}{", "/{a}.{b+}",
        NULL
    };

    rt = apigw_router_create();

    for (i = 0; bad[i]; i++) {
        rc = add(rt, bad[i], GET, &v_a);
        CHECK(rc != 0 && errbuf[0] != '\0', "bad template \"%s\": %s",
              bad[i], errbuf);
    }

    CHECK(add(rt, "/{proxy+}/", DELETE, &v_a) == 0,
          "a greedy parameter may have a trailing slash");
    CHECK(add(rt, "/a-b_c.d~e/{x-y}", GET, &v_a) == 0, "unusual literals");

    /* APIGW_MAX_PARAMS parameters are fine, one more is not */
    p = tpl;
    for (i = 0; i < APIGW_MAX_PARAMS; i++) {
        p += sprintf(p, "/{p%d}", i);
    }

    CHECK(add(rt, tpl, POST, &v_b) == 0, "%d parameters", APIGW_MAX_PARAMS);

    p = path;
    for (i = 0; i < APIGW_MAX_PARAMS; i++) {
        p += sprintf(p, "/v%d", i);
    }

    snprintf(last, sizeof(last), "v%d", APIGW_MAX_PARAMS - 1);

    rc = match(rt, path, POST);
    CHECK(rc == APIGW_ROUTE_OK && r.value == &v_b
          && r.nparams == APIGW_MAX_PARAMS
          && strcmp(r.val[0], "v0") == 0
          && strcmp(r.val[APIGW_MAX_PARAMS - 1], last) == 0,
          "%d parameters are captured", APIGW_MAX_PARAMS);

    sprintf(tpl + strlen(tpl), "/{p%d}", APIGW_MAX_PARAMS);
    CHECK(add(rt, tpl, PUT, &v_c) != 0 && strstr(errbuf, "more than") != NULL,
          "%d parameters are rejected: %s", APIGW_MAX_PARAMS + 1, errbuf);

    p = tpl;
    for (i = 0; i < APIGW_MAX_PARAMS; i++) {
        p += sprintf(p, "/{p%d}", i);
    }
    sprintf(p, "/{rest+}");
    CHECK(add(rt, tpl, PUT, &v_c) != 0,
          "%d parameters and a greedy one are rejected",
          APIGW_MAX_PARAMS);

    apigw_router_free(rt);
}


static void
test_patterns(void)
{
    apigw_router_t  *rt;

    rt = apigw_router_create();

    CHECK(add(rt, "/files/{name}.{ext}", GET, &v_a) == 0
          && add(rt, "/query.{extension}", GET, &v_b) == 0
          && add(rt, "/@{lat},{lon}", GET, &v_c) == 0
          && add(rt, "/api/articles{mediaTypeExtension}", GET, &v_d) == 0
          && add(rt, "/entries/{lang}/{id}/regions={region}", GET, &v_e)
             == 0, "add templates with parameters inside segments: %s",
          errbuf);

    CHECK(isn(rt, "/files/a.txt", GET, &v_a, 2, "a", "a", "txt", "txt"),
          "{name}.{ext}");
    CHECK(isn(rt, "/files/a.tar.gz", GET, &v_a, 2, "a", "a", "tar.gz",
              "tar.gz"), "a parameter ends at the first separator, the last "
          "takes the rest");
    CHECK(match(rt, "/files/.txt", GET) == APIGW_ROUTE_NO_ROUTE
          && match(rt, "/files/a.", GET) == APIGW_ROUTE_NO_ROUTE
          && match(rt, "/files/abc", GET) == APIGW_ROUTE_NO_ROUTE,
          "each parameter takes a character at least");
    CHECK(match(rt, "/files/..txt", GET) == APIGW_ROUTE_NO_ROUTE,
          "{name} would be \".\": no match");
    CHECK(isn(rt, "/query.json", GET, &v_b, 1, "json", "json"),
          "literal prefix, then a parameter");
    CHECK(match(rt, "/query.", GET) == APIGW_ROUTE_NO_ROUTE
          && match(rt, "/query", GET) == APIGW_ROUTE_NO_ROUTE
          && match(rt, "/queryXjson", GET) == APIGW_ROUTE_NO_ROUTE,
          "the prefix must be there, and a value after it");
    CHECK(isn(rt, "/@51.5,-0.12", GET, &v_c, 2, "51.5", "51.5", "-0.12",
              "-0.12"), "@{lat},{lon}");
    CHECK(isn(rt, "/api/articles.json", GET, &v_d, 1, ".json", ".json"),
          "articles{mediaTypeExtension}");
    CHECK(isn(rt, "/entries/en/42/regions=eu", GET, &v_e, 3, "en", "en",
              "42", "42", "eu", "eu"), "regions={region} after two params");
    CHECK(match(rt, "/entries/en/42/region=eu", GET) == APIGW_ROUTE_NO_ROUTE,
          "regions={region}: the literal must be there");

    /* decoded text is matched, raw boundaries found in step */
    CHECK(isn(rt, "/files/a%2Eb.txt", GET, &v_a, 2, "a", "a", "b.txt",
              "b.txt"), "an escaped separator separates");
    CHECK(isn(rt, "/files/%41b.t%78t", GET, &v_a, 2, "%41b", "Ab", "t%78t",
              "txt"), "raw and decoded values of partial segments");
    CHECK(isn(rt, "/@1%2E5%2C2%20", GET, &v_c, 2, "1%2E5", "1.5", "2%20",
              "2 "), "escapes on both sides of an escaped separator");
    CHECK(isn(rt, "/files/%C3%A9t%C3%A9.%25", GET, &v_a, 2,
              "%C3%A9t%C3%A9", "\xc3\xa9t\xc3\xa9", "%25", "%"),
          "UTF-8 and %%25 in partial segments");
    CHECK(isn(rt, "/files/a%2Fb.c", GET, &v_a, 2, "a%2Fb", "a/b", "c", "c"),
          "%%2F inside a partial segment");
    CHECK(isn(rt, "/query%2Ejson", GET, &v_b, 1, "json", "json"),
          "an escaped literal prefix");

    /* a parameter is never a dot segment */
    CHECK(match(rt, "/files/...", GET) == APIGW_ROUTE_NO_ROUTE,
          "\"...\" for {name}.{ext}: {ext} would be \".\"");
    CHECK(match(rt, "/files/x...", GET) == APIGW_ROUTE_NO_ROUTE,
          "{ext} \"..\"");
    CHECK(match(rt, "/files/x.%2E%2e", GET) == APIGW_ROUTE_NO_ROUTE,
          "{ext} \"%%2E%%2e\"");
    CHECK(isn(rt, "/files/x....", GET, &v_a, 2, "x", "x", "...", "..."),
          "{ext} \"...\" is fine");

    apigw_router_free(rt);

    /* precedence at one node */

    rt = apigw_router_create();

    CHECK(add(rt, "/f/{any}", GET, &v_a) == 0
          && add(rt, "/f/{n}.{e}", GET, &v_b) == 0
          && add(rt, "/f/{n}.json", GET, &v_c) == 0
          && add(rt, "/f/index.html", GET, &v_d) == 0
          && add(rt, "/f/{p+}", GET, &v_e) == 0, "add /f/ routes");

    CHECK(is(rt, "/f/index.html", GET, &v_d), "a literal beats patterns");
    CHECK(isn(rt, "/f/a.json", GET, &v_c, 1, "a", "a"),
          "the longest literal text first");
    CHECK(isn(rt, "/f/a.xml", GET, &v_b, 2, "a", "a", "xml", "xml"),
          "then the shorter one");
    CHECK(isn(rt, "/f/a", GET, &v_a, 1, "a", "a"),
          "a bare {param} after the patterns");
    CHECK(isn(rt, "/f/a.b/c", GET, &v_e, 1, "a.b/c", "a.b/c"),
          "the greedy one last");
    CHECK(add(rt, "/f/{x}.{y}", GET, &v_f) == 1,
          "a pattern of the same shape conflicts: %s", errbuf);
    CHECK(add(rt, "/f/{x}.{y}", POST, &v_f) == 0,
          "another method does not");

    /* equal literal text: the first added */
    CHECK(add(rt, "/g/{a}-{b}", GET, &v_a) == 0
          && add(rt, "/g/{a}_{b}", GET, &v_b) == 0, "add /g/{a}-{b}, "
          "/g/{a}_{b}");
    CHECK(isn(rt, "/g/x-y_z", GET, &v_a, 2, "x", "x", "y_z", "y_z"),
          "equal literal text: the first added");
    CHECK(isn(rt, "/g/x_y-z", GET, &v_a, 2, "x_y", "x_y", "z", "z"),
          "equal literal text: the first added whatever the order in the "
          "request");
    CHECK(isn(rt, "/g/x_y", GET, &v_b, 2, "x", "x", "y", "y"),
          "the second where the first does not match");

    /* backtracking through patterns, parameters unwound */
    CHECK(add(rt, "/b/{a}.{b}/x", GET, &v_c) == 0
          && add(rt, "/b/{c}/y", GET, &v_d) == 0
          && add(rt, "/b/v{c}/y", PUT, &v_e) == 0, "add /b/ routes");
    CHECK(isn(rt, "/b/1.2/x", GET, &v_c, 2, "1", "1", "2", "2"),
          "pattern, then a literal");
    CHECK(isn(rt, "/b/1.2/y", GET, &v_d, 1, "1.2", "1.2"),
          "back from the pattern to the param");
    CHECK(isn(rt, "/b/v1/y", PUT, &v_e, 1, "1", "1"), "v{c}");
    CHECK(match(rt, "/b/v1/y", DELETE) == APIGW_ROUTE_NO_METHOD,
          "a pattern's path without the method");

    apigw_router_free(rt);

    /* parameters in patterns count towards APIGW_MAX_PARAMS */

    rt = apigw_router_create();

    CHECK(add(rt, "/{a}.{b}.{c}.{d}/{e}.{f}.{g}.{h}/{i}-{j}-{k}-{l}"
              "/m{m}n{n}o{o}p{p}", GET, &v_a) == 0,
          "%d parameters in patterns", APIGW_MAX_PARAMS);
    CHECK(match(rt, "/1.2.3.4/5.6.7.8/9-10-11-12/m13n14o15p16", GET)
          == APIGW_ROUTE_OK && r.nparams == APIGW_MAX_PARAMS
          && strcmp(r.val[0], "1") == 0 && strcmp(r.val[15], "16") == 0,
          "%d parameters captured", APIGW_MAX_PARAMS);
    CHECK(add(rt, "/{a}.{b}.{c}.{d}/{e}.{f}.{g}.{h}/{i}-{j}-{k}-{l}"
              "/m{m}n{n}o{o}p{p}q{q}", GET, &v_a) == -1
          && strstr(errbuf, "more than") != NULL,
          "%d parameters in patterns: %s", APIGW_MAX_PARAMS + 1, errbuf);

    apigw_router_free(rt);
}


static void
test_discriminators(void)
{
    void            *prev;
    apigw_router_t  *rt;

    rt = apigw_router_create();

    CHECK(addc(rt, "/rest", GET, &v_a, NULL, "q:method=a", NULL) == 0
          && addc(rt, "/rest", GET, &v_b, NULL, "q:method=b", NULL) == 0,
          "add GET /rest?method=a, ?method=b");

    req_query = "method=b";
    CHECK(is(rt, "/rest", GET, &v_b), "?method=b");
    req_query = "x=1&method=a";
    CHECK(is(rt, "/rest", GET, &v_a), "?method=a");
    req_query = "method=c";
    CHECK(match(rt, "/rest", GET) == APIGW_ROUTE_NO_METHOD && r.value == NULL,
          "no discriminator holds, no fallback: no method");
    req_query = NULL;
    CHECK(match(rt, "/rest", GET) == APIGW_ROUTE_NO_METHOD,
          "no query: no method");

    CHECK(add(rt, "/rest", GET, &v_c) == 0, "add the fallback GET /rest");
    req_query = "method=c";
    CHECK(is(rt, "/rest", GET, &v_c), "no discriminator holds: the fallback");
    req_query = "method=a";
    CHECK(is(rt, "/rest", GET, &v_a),
          "a fallback added last is still tried last");
    CHECK(is(rt, "/rest", HEAD, &v_a), "HEAD takes GET's discriminators");

    CHECK(addc(rt, "/rest", GET, &v_d, &prev, "q:method=c", NULL) == 0,
          "a discriminated route after the fallback");
    req_query = "method=c";
    CHECK(is(rt, "/rest", GET, &v_d), "it comes before the fallback");

    prev = NULL;
    CHECK(add(rt, "/rest", GET, &v_e) == 1
          && strstr(errbuf, "conflicts") != NULL,
          "a second fallback conflicts: %s", errbuf);
    CHECK(addc(rt, "/rest", GET, &v_e, &prev, "q:method=a", NULL) == 1
          && prev == &v_a, "the same discriminator conflicts, and says "
          "with what");

    lookups = 0;
    req_query = "method=a";
    lookup_fails = 1;
    CHECK(match(rt, "/rest", GET) == APIGW_ROUTE_ERROR && r.value == NULL
          && lookups == 1, "a failed lookup fails the match");
    lookup_fails = 0;

    apigw_router_free(rt);

    /* several discriminators, headers, sets */

    rt = apigw_router_create();

    CHECK(addc(rt, "/", POST, &v_a, NULL, "q:Action=Run",
               "q:Version=2016-11-15", NULL) == 0
          && addc(rt, "/", POST, &v_b, NULL, "h:X-Amz-Target=S.Op", NULL)
             == 0
          && addc(rt, "/", POST, &v_c, NULL, "q:Action=Run", NULL) == 0,
          "add POST /?Action=Run&Version=..., /#X-Amz-Target=S.Op, "
          "/?Action=Run");

    req_query = "Version=2016-11-15&Action=Run";
    req_headers = NULL;
    CHECK(is(rt, "/", POST, &v_a), "two discriminators hold");
    req_query = "Action=Run&Version=2";
    CHECK(is(rt, "/", POST, &v_c), "one of two does not: the next route");
    req_query = "Action=Run";
    req_headers = "x-amz-target=S.Op";
    CHECK(is(rt, "/", POST, &v_b), "a header, its name in any case: the "
          "first in order that holds");
    req_headers = "X-Amz-Target=s.op";
    CHECK(is(rt, "/", POST, &v_c), "values are case-sensitive");
    req_query = "action=Run";
    CHECK(match(rt, "/", POST) == APIGW_ROUTE_NO_METHOD,
          "query names are case-sensitive");

    CHECK(addc(rt, "/", POST, &v_d, NULL, "q:Version=2016-11-15",
               "q:Action=Run", NULL) == 1,
          "the same set in another order conflicts");
    CHECK(addc(rt, "/", POST, &v_d, NULL, "h:x-amz-target=S.Op", NULL) == 1,
          "header names compare in any case");
    CHECK(addc(rt, "/", POST, &v_d, NULL, "q:X-Amz-Target=S.Op", NULL) == 0,
          "a query parameter is not the header of the same name");
    CHECK(addc(rt, "/", POST, &v_e, NULL, "q:Action=Run", "q:Action=Run",
               NULL) == 1, "a repeated discriminator counts once");
    CHECK(addc(rt, "/", POST, &v_e, NULL, "q:Action=", NULL) == 0,
          "an empty value is a value");
    req_headers = NULL;
    req_query = "Action=";
    CHECK(is(rt, "/", POST, &v_e), "?Action= holds for an empty value");
    req_query = "Action";
    CHECK(match(rt, "/", POST) == APIGW_ROUTE_NO_METHOD,
          "a query parameter without a value: no match");
    CHECK(addc(rt, "/", POST, &v_e, NULL, "q:=x", NULL) == -1,
          "a discriminator without a name: %s", errbuf);

    apigw_router_free(rt);

    /* the cost of the common case, backtracking, params, ANY */

    rt = apigw_router_create();

    CHECK(add(rt, "/plain/{id}", GET, &v_a) == 0
          && addc(rt, "/x/{id}", GET, &v_b, NULL, "q:v=1", NULL) == 0
          && add(rt, "/{p}/{id}", GET, &v_c) == 0
          && addc(rt, "/y", GET, &v_d, NULL, "q:v=1", NULL) == 0
          && add(rt, "/y", ANY, &v_e) == 0, "add routes");

    lookups = 0;
    req_query = "v=1";
    CHECK(isn(rt, "/plain/7", GET, &v_a, 1, "7", "7") && lookups == 0,
          "routes without discriminators look nothing up");
    CHECK(isn(rt, "/x/7", GET, &v_b, 1, "7", "7") && lookups == 1,
          "a discriminated route with its parameter");
    req_query = "v=2";
    CHECK(isn(rt, "/x/7", GET, &v_c, 2, "x", "x", "7", "7"),
          "no discriminator holds: backtracks to /{p}/{id}");
    CHECK(is(rt, "/y", GET, &v_e), "no discriminator holds for GET: ANY");
    CHECK(match(rt, "/x/7", GET) == APIGW_ROUTE_OK, "still fine");

    CHECK(add(rt, "/g/{p+}", GET, &v_a) == 0
          && addc(rt, "/g/{q+}", GET, &v_b, NULL, "h:h=1", NULL) == 0,
          "a greedy route with and without a discriminator");
    req_headers = "h=1";
    CHECK(isn(rt, "/g/a/b", GET, &v_b, 1, "a/b", "a/b"),
          "greedy, discriminated");
    req_headers = NULL;
    CHECK(isn(rt, "/g/a/b", GET, &v_a, 1, "a/b", "a/b"), "greedy fallback");

    no_lookup = 1;
    req_headers = "h=1";
    CHECK(isn(rt, "/plain/7", GET, &v_a, 1, "7", "7"),
          "no lookup: routes without discriminators");
    CHECK(isn(rt, "/g/a", GET, &v_a, 1, "a", "a"),
          "no lookup: no discriminator holds");
    no_lookup = 0;

    apigw_router_free(rt);

    req_query = NULL;
    req_headers = NULL;
}


static void
test_segment_limit(void)
{
    int              i;
    char             path[APIGW_MAX_SEGMENTS * 2 + 8], *p;
    apigw_router_t  *rt;

    rt = apigw_router_create();
    add(rt, "/{proxy+}", GET, &v_a);

    p = path;
    for (i = 0; i < APIGW_MAX_SEGMENTS; i++) {
        *p++ = '/';
        *p++ = 'a';
    }
    *p = '\0';

    CHECK(match(rt, path, GET) == APIGW_ROUTE_OK && r.value == &v_a
          && r.raw_len[0] == APIGW_MAX_SEGMENTS * 2 - 1,
          "%d segments", APIGW_MAX_SEGMENTS);

    strcat(path, "/a");
    CHECK(match(rt, path, GET) == APIGW_ROUTE_BAD_PATH,
          "%d segments: bad path", APIGW_MAX_SEGMENTS + 1);

    apigw_router_free(rt);
}


/* not timed: only that a large flat table keeps working */
static void
test_many_routes(void)
{
    int              i, bad, rc;
    char             tpl[64];
    void            *values;
    apigw_router_t  *rt;

    values = calloc(10000, 1);
    rt = apigw_router_create();

    bad = 0;

    for (i = 0; i < 10000; i++) {
        snprintf(tpl, sizeof(tpl), "/route%d", i);

        if (add(rt, tpl, GET, (char *) values + i) != 0) {
            bad++;
        }

        snprintf(tpl, sizeof(tpl), "/r/%d/x", i);

        if (add(rt, tpl, POST, (char *) values + i) != 0) {
            bad++;
        }
    }

    CHECK(bad == 0, "20,000 literal routes added");

    CHECK(is(rt, "/route0", GET, values), "the first route matches");
    CHECK(is(rt, "/route9999", GET, (char *) values + 9999),
          "the last route matches");
    CHECK(is(rt, "/r/0/x", POST, values), "the first nested route matches");
    CHECK(is(rt, "/r/9999/x", POST, (char *) values + 9999),
          "the last nested route matches");
    CHECK(match(rt, "/route10000", GET) == APIGW_ROUTE_NO_ROUTE,
          "a missing route");
    CHECK(match(rt, "/route5000", POST) == APIGW_ROUTE_NO_METHOD,
          "a route without the method");

    bad = 0;

    for (i = 0; i < 10000; i++) {
        snprintf(tpl, sizeof(tpl), "/route%d", i);
        rc = match(rt, tpl, GET);

        if (rc != APIGW_ROUTE_OK || r.value != (char *) values + i) {
            bad++;
        }
    }

    CHECK(bad == 0, "every one of 10,000 routes matches itself");

    CHECK(add(rt, "/route42", GET, &v_a) != 0, "a duplicate among them");

    apigw_router_free(rt);
    free(values);
}


int
main(void)
{
    test_methods();
    test_literal_param();
    test_backtracking();
    test_greedy();
    test_precedence();
    test_method_fallback();
    test_decoding();
    test_empty_segments();
    test_conflicts();
    test_patterns();
    test_discriminators();
    test_bad_templates();
    test_segment_limit();
    test_many_routes();

    return unit_done();
}
