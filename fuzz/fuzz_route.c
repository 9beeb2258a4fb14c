
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: the route trie, apigw_router_add() and
 * apigw_router_match(), checked against a slow reference matcher.
 *
 * Input: lines.  Up to the first empty line, routes "METHOD /template";
 * after it, requests "METHOD /path".  A METHOD that is not a method name
 * picks one by its first byte.  At most 32 routes and 32 requests.
 *
 *     GET /pets/{petId}
 *     ANY /files/{path+}
 *
 *     GET /pets/42
 *     HEAD /files/a/b%2Fc
 *
 * Every request is matched in a buffer of exactly its length (no NUL),
 * with a scratch buffer of exactly that length, so ASan sees overruns.
 * Checks: rc, value and every parameter (pointers inside the path or the
 * scratch buffer, raw and decoded bytes) equal the reference's; a failed
 * add that reports a conflict has a route of the same shape and method
 * before it, and no two added routes have the same shape and method.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"


#define FUZZ_MAX_ROUTES     32
#define FUZZ_MAX_REQUESTS   32


typedef enum {
    SEG_LITERAL = 0,
    SEG_PARAM,
    SEG_GREEDY
} fuzz_seg_kind_e;


typedef struct {
    const char             *text;       /* into the template */
    size_t                  len;
    fuzz_seg_kind_e         kind;
} fuzz_tseg_t;


typedef struct {
    char                   *tpl;
    int                     method;
    int                     added;
    fuzz_tseg_t            *segs;
    size_t                  nsegs;
} fuzz_route_t;


typedef struct {
    const char             *raw;
    size_t                  raw_len;
    char                   *val;        /* decoded, malloc()ed */
    size_t                  val_len;
} fuzz_rseg_t;


static fuzz_route_t  routes[FUZZ_MAX_ROUTES];
static size_t        nroutes;


static void
fuzz_fail(const char *what, const char *detail, size_t dlen)
{
    fprintf(stderr, "fuzz_route: invariant broken: %s: \"%.*s\"\n", what,
            (int) dlen, detail ? detail : "");
    abort();
}


static const char *
fuzz_line(const char **p, const char *end, size_t *len)
{
    const char  *line, *nl;

    if (*p >= end) {
        return NULL;
    }

    line = *p;
    nl = memchr(line, '\n', end - line);

    if (nl) {
        *len = nl - line;
        *p = nl + 1;

    } else {
        *len = end - line;
        *p = end;
    }

    return line;
}


/* "GET /x" -> method and "/x"; "?/x" -> a method by the first byte */
static int
fuzz_method(const char **s, size_t *len)
{
    int          m;
    const char  *sp;

    if (*len == 0) {
        return APIGW_METHOD_GET;
    }

    sp = memchr(*s, ' ', *len);

    if (sp) {
        m = apigw_method_index(*s, sp - *s);

        if (m >= 0) {
            *len -= sp + 1 - *s;
            *s = sp + 1;
            return m;
        }
    }

    if (**s == '/') {
        return APIGW_METHOD_GET;
    }

    m = (unsigned char) **s % APIGW_METHOD_COUNT;
    (*s)++;
    (*len)--;

    return m;
}


/* the template's segments as the router sees them: "//" and "/" skipped */
static void
fuzz_parse_tpl(fuzz_route_t *r)
{
    size_t       n;
    const char  *p, *seg;

    n = 0;
    r->segs = malloc((strlen(r->tpl) / 2 + 1) * sizeof(fuzz_tseg_t));

    if (r->segs == NULL) {
        abort();
    }

    for (p = r->tpl; *p; /* void */) {
        if (*p == '/') {
            p++;
            continue;
        }

        seg = p;

        while (*p && *p != '/') {
            p++;
        }

        r->segs[n].text = seg;
        r->segs[n].len = p - seg;
        r->segs[n].kind = SEG_LITERAL;

        if (seg[0] == '{') {
            r->segs[n].kind = (p - seg >= 4 && p[-2] == '+') ? SEG_GREEDY
                                                             : SEG_PARAM;
        }

        n++;
    }

    r->nsegs = n;
}


/* same literals at the same places, params at the same places */
static int
fuzz_same_shape(const fuzz_route_t *a, const fuzz_route_t *b)
{
    size_t  i;

    if (a->nsegs != b->nsegs) {
        return 0;
    }

    for (i = 0; i < a->nsegs; i++) {
        if (a->segs[i].kind != b->segs[i].kind) {
            return 0;
        }

        if (a->segs[i].kind == SEG_LITERAL
            && (a->segs[i].len != b->segs[i].len
                || memcmp(a->segs[i].text, b->segs[i].text, a->segs[i].len)
                   != 0))
        {
            return 0;
        }
    }

    return 1;
}


static int
fuzz_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


/*
 * the reference: segments of the request, decoded; -1 for a bad path
 * (NUL, bad escape, "." or "..", more than APIGW_MAX_SEGMENTS segments)
 */
static int
fuzz_split(const char *path, size_t len, fuzz_rseg_t *segs, size_t *nsegs)
{
    int          hi, lo;
    char         c;
    size_t       n, i, dl;
    const char  *p, *end, *seg;

    n = 0;
    p = path;
    end = path + len;

    while (p < end) {
        if (*p == '/') {
            p++;
            continue;
        }

        seg = p;

        while (p < end && *p != '/') {
            p++;
        }

        if (n == APIGW_MAX_SEGMENTS) {
            *nsegs = n;
            return -1;
        }

        segs[n].raw = seg;
        segs[n].raw_len = p - seg;
        segs[n].val = malloc(p - seg + 1);
        segs[n].val_len = 0;

        if (segs[n].val == NULL) {
            abort();
        }

        n++;

        for (i = 0, dl = 0; seg + i < p; i++) {
            c = seg[i];

            if (c == '%') {
                if (p - (seg + i) < 3) {
                    *nsegs = n;
                    return -1;
                }

                hi = fuzz_hex(seg[i + 1]);
                lo = fuzz_hex(seg[i + 2]);

                if (hi < 0 || lo < 0) {
                    *nsegs = n;
                    return -1;
                }

                c = (char) (hi * 16 + lo);
                i += 2;
            }

            if (c == '\0') {
                *nsegs = n;
                return -1;
            }

            segs[n - 1].val[dl++] = c;
        }

        segs[n - 1].val_len = dl;

        if ((dl == 1 && segs[n - 1].val[0] == '.')
            || (dl == 2 && segs[n - 1].val[0] == '.'
                && segs[n - 1].val[1] == '.'))
        {
            *nsegs = n;
            return -1;
        }
    }

    *nsegs = n;

    return 0;
}


/* does route r take the segments? */
static int
fuzz_route_matches(const fuzz_route_t *r, const fuzz_rseg_t *segs,
    size_t nsegs)
{
    size_t  i;

    for (i = 0; i < r->nsegs; i++) {
        if (r->segs[i].kind == SEG_GREEDY) {
            return i < nsegs;       /* one segment or more */
        }

        if (i >= nsegs) {
            return 0;
        }

        if (r->segs[i].kind == SEG_LITERAL
            && (r->segs[i].len != segs[i].val_len
                || memcmp(r->segs[i].text, segs[i].val, segs[i].val_len)
                   != 0))
        {
            return 0;
        }
    }

    return i == nsegs;
}


/* the more specific route: literal before param before greedy, by place */
static int
fuzz_more_specific(const fuzz_route_t *a, const fuzz_route_t *b)
{
    size_t  i;

    for (i = 0; i < a->nsegs && i < b->nsegs; i++) {
        if (a->segs[i].kind != b->segs[i].kind) {
            return a->segs[i].kind < b->segs[i].kind;
        }
    }

    return 0;
}


/* the value of a node for a method: the method, HEAD -> GET, then ANY */
static int
fuzz_method_rank(int route_method, int method)
{
    if (route_method == method) {
        return 0;
    }

    if (method == APIGW_METHOD_HEAD && route_method == APIGW_METHOD_GET) {
        return 1;
    }

    if (route_method == APIGW_METHOD_ANY) {
        return 2;
    }

    return -1;
}


static void
fuzz_check_match(apigw_router_t *rt, const char *line, size_t llen,
    int method)
{
    int              rc, want_rc, plain, rank, best_rank;
    char            *path, *scratch;
    size_t           i, nsegs, np, raw_len;
    const char      *raw_end;
    fuzz_rseg_t      segs[APIGW_MAX_SEGMENTS];
    apigw_match_t    m;
    fuzz_route_t    *r, *best;
    const fuzz_tseg_t *ts;

    path = malloc(llen ? llen : 1);
    scratch = malloc(llen ? llen : 1);

    if (path == NULL || scratch == NULL) {
        abort();
    }

    memcpy(path, line, llen);
    memset(&m, 0xa5, sizeof(m));

    rc = apigw_router_match(rt, path, llen, method, scratch, &m, NULL, NULL);

    if (rc < APIGW_ROUTE_OK || rc > APIGW_ROUTE_BAD_PATH) {
        fuzz_fail("rc out of range", line, llen);
    }

    if (m.nparams > APIGW_MAX_PARAMS) {
        fuzz_fail("nparams > APIGW_MAX_PARAMS", line, llen);
    }

    if ((rc == APIGW_ROUTE_OK) != (m.value != NULL)) {
        fuzz_fail("a value without OK or OK without a value", line, llen);
    }

    /* the reference */

    plain = (memchr(path, '%', llen) == NULL);
    nsegs = 0;
    best = NULL;
    best_rank = 3;
    want_rc = APIGW_ROUTE_NO_ROUTE;

    if ((plain && memchr(path, '\0', llen) != NULL)
        || fuzz_split(path, llen, segs, &nsegs) != 0)
    {
        want_rc = APIGW_ROUTE_BAD_PATH;

    } else {
        for (i = 0; i < nroutes; i++) {
            r = &routes[i];

            if (!r->added || !fuzz_route_matches(r, segs, nsegs)) {
                continue;
            }

            want_rc = (want_rc == APIGW_ROUTE_OK) ? want_rc
                                                  : APIGW_ROUTE_NO_METHOD;
            rank = fuzz_method_rank(r->method, method);

            if (rank < 0) {
                continue;
            }

            want_rc = APIGW_ROUTE_OK;

            if (best == NULL || fuzz_more_specific(r, best)
                || (!fuzz_more_specific(best, r) && rank < best_rank))
            {
                best = r;
                best_rank = rank;
            }
        }
    }

    if (rc != want_rc) {
        fprintf(stderr, "fuzz_route: rc %d, the reference says %d\n", rc,
                want_rc);
        fuzz_fail("match result differs from the reference", line, llen);
    }

    if (rc == APIGW_ROUTE_OK && m.value != (void *) best) {
        fprintf(stderr, "fuzz_route: matched \"%s\" %s, the reference "
                "\"%s\" %s\n",
                ((fuzz_route_t *) m.value)->tpl,
                apigw_method_name(((fuzz_route_t *) m.value)->method),
                best->tpl, apigw_method_name(best->method));
        fuzz_fail("matched route differs from the reference", line, llen);
    }

    if (rc == APIGW_ROUTE_OK) {
        for (i = 0, np = 0; i < best->nsegs; i++) {
            np += (best->segs[i].kind != SEG_LITERAL);
        }

        if (m.nparams != np) {
            fuzz_fail("nparams is not the route's number of parameters",
                      line, llen);
        }

        /* the raw text of a greedy parameter ends before trailing "/" */
        for (raw_end = path + llen; raw_end > path && raw_end[-1] == '/';
             raw_end--)
        {
            /* void */
        }

        for (i = 0, np = 0; i < best->nsegs; i++) {
            ts = &best->segs[i];

            if (ts->kind == SEG_LITERAL) {
                continue;
            }

            if (m.params[np].raw < path
                || m.params[np].raw + m.params[np].raw_len > path + llen)
            {
                fuzz_fail("raw parameter outside the path", line, llen);
            }

            if (!((m.params[np].val >= path
                   && m.params[np].val + m.params[np].val_len <= path + llen)
                  || (m.params[np].val >= scratch
                      && m.params[np].val + m.params[np].val_len
                         <= scratch + llen)))
            {
                fuzz_fail("parameter value outside the path and scratch",
                          line, llen);
            }

            if (plain && (m.params[np].val != m.params[np].raw
                          || m.params[np].val_len != m.params[np].raw_len))
            {
                fuzz_fail("a plain path's value is not its raw text", line,
                          llen);
            }

            if (ts->kind == SEG_PARAM) {
                if (m.params[np].raw != segs[i].raw
                    || m.params[np].raw_len != segs[i].raw_len
                    || m.params[np].val_len != segs[i].val_len
                    || memcmp(m.params[np].val, segs[i].val,
                              segs[i].val_len) != 0)
                {
                    fuzz_fail("a parameter differs from its segment", line,
                              llen);
                }

            } else {
                raw_len = raw_end - segs[i].raw;

                if (m.params[np].raw != segs[i].raw
                    || m.params[np].raw_len != raw_len)
                {
                    fuzz_fail("greedy raw value", line, llen);
                }

                /*
                 * decoded: the raw remainder with each segment decoded and
                 * its slashes as they are (a plain path: the raw text)
                 */
                if (!plain) {
                    size_t       j, off;
                    const char  *q;

                    for (j = i, off = 0, q = segs[i].raw; q < raw_end; ) {
                        if (*q == '/') {
                            if (off >= m.params[np].val_len
                                || m.params[np].val[off] != '/')
                            {
                                fuzz_fail("greedy decoded separator", line,
                                          llen);
                            }

                            off++;
                            q++;
                            continue;
                        }

                        if (off + segs[j].val_len > m.params[np].val_len
                            || memcmp(m.params[np].val + off, segs[j].val,
                                      segs[j].val_len) != 0)
                        {
                            fuzz_fail("greedy decoded value", line, llen);
                        }

                        off += segs[j].val_len;
                        q += segs[j].raw_len;
                        j++;
                    }

                    if (off != m.params[np].val_len) {
                        fuzz_fail("greedy decoded length", line, llen);
                    }
                }
            }

            np++;
        }
    }

    for (i = 0; i < nsegs; i++) {
        free(segs[i].val);
    }

    free(scratch);
    free(path);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int              method, rc;
    char             errbuf[APIGW_ERR_LEN], conflict[APIGW_ERR_LEN];
    size_t           i, j, len, nreq;
    const char      *p, *end, *line;
    fuzz_route_t    *r;
    apigw_router_t  *rt;

    if (size > 64 * 1024) {
        return 0;
    }

    rt = apigw_router_create();
    if (rt == NULL) {
        return 0;
    }

    p = (const char *) data;
    end = p + size;
    nroutes = 0;

    /* routes */

    while ((line = fuzz_line(&p, end, &len)) != NULL && len > 0) {
        if (nroutes == FUZZ_MAX_ROUTES) {
            continue;
        }

        method = fuzz_method(&line, &len);

        if (memchr(line, '\0', len)) {
            continue;           /* templates come from C strings */
        }

        r = &routes[nroutes];
        memset(r, 0, sizeof(fuzz_route_t));
        r->tpl = malloc(len + 1);

        if (r->tpl == NULL) {
            abort();
        }

        memcpy(r->tpl, line, len);
        r->tpl[len] = '\0';
        r->method = method;
        nroutes++;

        errbuf[0] = '\0';
        rc = apigw_router_add(rt, r->tpl, method, NULL, 0, r, NULL, errbuf,
                              sizeof(errbuf));

        fuzz_parse_tpl(r);

        if (rc == 0) {
            r->added = 1;

            for (j = 0; j + 1 < nroutes; j++) {
                if (routes[j].added && routes[j].method == method
                    && fuzz_same_shape(&routes[j], r))
                {
                    fuzz_fail("two routes of the same shape and method",
                              r->tpl, len);
                }
            }

            continue;
        }

        if (errbuf[0] == '\0') {
            fuzz_fail("a failed add without a message", r->tpl, len);
        }

        snprintf(conflict, sizeof(conflict), "%s %s conflicts with an "
                 "operation declared before it", apigw_method_name(method),
                 r->tpl);

        if (strcmp(errbuf, conflict) == 0) {
            for (j = 0; j + 1 < nroutes; j++) {
                if (routes[j].added && routes[j].method == method
                    && fuzz_same_shape(&routes[j], r))
                {
                    break;
                }
            }

            if (j + 1 == nroutes) {
                fuzz_fail("a conflict with no route before it", r->tpl, len);
            }
        }
    }

    /* requests */

    for (nreq = 0; nreq < FUZZ_MAX_REQUESTS
                   && (line = fuzz_line(&p, end, &len)) != NULL;
         nreq++)
    {
        method = fuzz_method(&line, &len);
        fuzz_check_match(rt, line, len, method);
    }

    /* every added route takes a request made from its own template */

    for (i = 0; i < nroutes; i++) {
        char    req[64 * 1024], *d;
        size_t  k;

        r = &routes[i];

        if (!r->added || strchr(r->tpl, '%') || r->nsegs > APIGW_MAX_SEGMENTS)
        {
            continue;
        }

        for (k = 0, d = req; k < r->nsegs; k++) {
            *d++ = '/';

            if (r->segs[k].kind == SEG_LITERAL) {
                memcpy(d, r->segs[k].text, r->segs[k].len);
                d += r->segs[k].len;

            } else {
                *d++ = 'v';
            }
        }

        fuzz_check_match(rt, req, d - req, r->method);
    }

    apigw_router_free(rt);

    for (i = 0; i < nroutes; i++) {
        free(routes[i].tpl);
        free(routes[i].segs);
    }

    return 0;
}
