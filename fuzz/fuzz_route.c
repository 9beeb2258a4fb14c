
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: the route trie, apigw_router_add() and
 * apigw_router_match(), checked against a slow reference matcher.
 *
 * Input: lines.  Up to the first empty line, routes "METHOD /template",
 * the template possibly followed by discriminators as spec path keys have
 * them: "?k=v" query ones, "#k=v" header ones, more after "&" (parts
 * without "=" are dropped, as the spec compiler drops them); after it,
 * requests "METHOD /path?query#headers" ("k=v&..." each).  A METHOD that
 * is not a method name picks one by its first byte.  At most 32 routes
 * and 32 requests.
 *
 *     GET /pets/{petId}
 *     GET /files/{name}.{ext}
 *     GET /rest?method=a
 *     POST /#X-Amz-Target=S.Op
 *     ANY /files/{path+}
 *
 *     GET /pets/42
 *     GET /rest?method=a
 *     POST /?#x-amz-target=S.Op
 *     HEAD /files/a/b%2Fc
 *
 * Every request is matched in a buffer of exactly its length (no NUL),
 * with a scratch buffer of exactly that length, so ASan sees overruns.
 * Checks: rc, value and every parameter (pointers inside the path or the
 * scratch buffer, raw and decoded bytes) equal the reference's, and so
 * do the lookups the router makes, in number (none where no route has
 * discriminators); a template is refused exactly when the reference
 * grammar refuses it; an add reports a conflict exactly when a route of
 * the same shape, method and discriminators is there before it.
 *
 * The reference: literal > segment pattern > {param} > {greedy+} by
 * position; patterns at one node by their literal text, longest first,
 * then by the first route that made their node (failed adds included);
 * at the node, the method's routes, HEAD's then GET's, then ANY's,
 * discriminated ones in order, then the fallback; a lookup of "ERR"
 * fails.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_core.h"


#define FUZZ_MAX_ROUTES     32
#define FUZZ_MAX_REQUESTS   32
#define FUZZ_MAX_CONDS      16


typedef enum {
    SEG_LITERAL = 0,
    SEG_PATTERN,
    SEG_PARAM,
    SEG_GREEDY
} fuzz_seg_kind_e;


typedef struct {
    const char             *text;       /* into the template */
    size_t                  len;
    fuzz_seg_kind_e         kind;
    char                   *shape;      /* literal text, or "{}" for each
                                           parameter; malloc()ed */
    size_t                  shape_len;
    size_t                  nparams;
    size_t                  lit_len;
} fuzz_tseg_t;


typedef struct {
    char                   *line;       /* the route's line, malloc()ed */
    char                   *tpl;
    int                     method;
    int                     rc;
    int                     added;
    int                     good;       /* the reference grammar takes it */
    size_t                  valid;      /* segments the router made nodes
                                           for */
    fuzz_tseg_t            *segs;
    size_t                  nsegs;
    apigw_route_cond_t      conds[FUZZ_MAX_CONDS];
    size_t                  nconds;
} fuzz_route_t;


typedef struct {
    const char             *raw;
    size_t                  raw_len;
    char                   *val;        /* decoded, malloc()ed */
    size_t                  val_len;
    size_t                 *map;        /* decoded offset -> raw offset */
} fuzz_rseg_t;


typedef struct {
    const char             *query;
    size_t                  query_len;
    const char             *headers;
    size_t                  headers_len;
    unsigned                calls;
} fuzz_request_t;


static fuzz_route_t  routes[FUZZ_MAX_ROUTES];
static size_t        nroutes;


static void
fuzz_fail(const char *what, const char *detail, size_t dlen)
{
    fprintf(stderr, "fuzz_route: invariant broken: %s: \"%.*s\"\n", what,
            (int) dlen, detail ? detail : "");
    abort();
}


static void *
fuzz_alloc(size_t size)
{
    void  *p;

    p = malloc(size ? size : 1);

    if (p == NULL) {
        abort();
    }

    return p;
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


/* the discriminators after "?" or "#" in a route's line, cut off */
static void
fuzz_parse_conds(fuzz_route_t *r)
{
    char                 *p, *part, *eq;
    apigw_param_in_e      in;
    apigw_route_cond_t   *c;

    p = r->tpl + strcspn(r->tpl, "?#");
    in = APIGW_IN_QUERY;

    while (*p) {
        if (*p == '?') {
            in = APIGW_IN_QUERY;

        } else if (*p == '#') {
            in = APIGW_IN_HEADER;
        }

        *p++ = '\0';
        part = p;
        p += strcspn(p, "?#&");

        eq = memchr(part, '=', p - part);

        if (eq == NULL || r->nconds == FUZZ_MAX_CONDS) {
            continue;
        }

        c = &r->conds[r->nconds++];
        c->in = in;
        c->name = part;
        c->name_len = eq - part;
        c->value = eq + 1;
        c->value_len = p - eq - 1;
    }
}


static int
fuzz_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}


/*
 * One segment by the reference grammar: literal text without braces, or
 * parameters "{name}" with literal text between them, or "{name+}" alone;
 * 0 when it is bad
 */
static int
fuzz_parse_segment(fuzz_tseg_t *ts)
{
    int          greedy, after_param;
    size_t       i, j, n;
    const char  *s;

    s = ts->text;
    n = ts->len;
    ts->shape = fuzz_alloc(n);
    ts->shape_len = 0;
    ts->nparams = 0;
    ts->lit_len = 0;
    greedy = 0;
    after_param = 0;

    for (i = 0; i < n; /* void */) {
        if (s[i] == '}') {
            return 0;
        }

        if (s[i] != '{') {
            ts->shape[ts->shape_len++] = s[i++];
            ts->lit_len++;
            after_param = 0;
            continue;
        }

        if (after_param) {
            return 0;
        }

        for (j = i + 1; j < n && s[j] != '}'; j++) {
            if (s[j] == '{') {
                return 0;
            }
        }

        if (j == n) {
            return 0;
        }

        /* s[i + 1 .. j - 1] is the name, with "+" for a greedy one */

        if (j - i >= 2 && s[j - 1] == '+') {
            if (i != 0 || j != n - 1 || j - i == 2) {
                return 0;
            }

            greedy = 1;
        }

        if (j - i - 1 - greedy == 0) {
            return 0;
        }

        for (i = i + 1; i < j - greedy; i++) {
            if (!fuzz_name_char(s[i])) {
                return 0;
            }
        }

        ts->shape[ts->shape_len++] = '{';
        ts->shape[ts->shape_len++] = '}';
        ts->nparams++;
        after_param = 1;
        i = j + 1;
    }

    if (ts->nparams == 0) {
        ts->kind = SEG_LITERAL;

    } else if (ts->shape_len == 2) {
        ts->kind = greedy ? SEG_GREEDY : SEG_PARAM;

    } else {
        ts->kind = SEG_PATTERN;
    }

    return 1;
}


/*
 * The template's segments as the router sees them ("//" and "/"
 * skipped), whether the reference grammar takes it, and how many
 * segments come before the first bad one: the router made their nodes.
 */
static void
fuzz_parse_tpl(fuzz_route_t *r)
{
    size_t       n, i, nparams;
    const char  *p, *seg;

    n = 0;
    r->segs = fuzz_alloc((strlen(r->tpl) / 2 + 1) * sizeof(fuzz_tseg_t));
    r->good = (r->tpl[0] == '/');
    r->valid = 0;
    nparams = 0;

    for (p = r->tpl; *p; /* void */) {
        if (*p == '/') {
            p++;
            continue;
        }

        seg = p;

        while (*p && *p != '/') {
            p++;
        }

        memset(&r->segs[n], 0, sizeof(fuzz_tseg_t));
        r->segs[n].text = seg;
        r->segs[n].len = p - seg;
        n++;

        if (!r->good) {
            continue;
        }

        if ((p - seg == 1 && seg[0] == '.')
            || (p - seg == 2 && seg[0] == '.' && seg[1] == '.')
            || !fuzz_parse_segment(&r->segs[n - 1]))
        {
            r->good = 0;
            continue;
        }

        nparams += r->segs[n - 1].nparams;

        if (nparams > APIGW_MAX_PARAMS
            || (r->segs[n - 1].kind == SEG_GREEDY && *p != '\0'
                && p[1] != '\0'))
        {
            r->good = 0;
            continue;
        }

        r->valid = n;
    }

    r->nsegs = n;

    if (r->tpl[0] != '/') {
        r->valid = 0;
    }

    /* a discriminator without a name fails the add once the nodes are in */

    for (i = 0; r->good && i < r->nconds; i++) {
        if (r->conds[i].name_len == 0) {
            r->good = 0;
        }
    }
}


/* the same node: segments of the same kinds and shapes, up to "upto" */
static int
fuzz_same_prefix(const fuzz_route_t *a, const fuzz_route_t *b, size_t upto)
{
    size_t  i;

    for (i = 0; i < upto; i++) {
        if (a->segs[i].kind != b->segs[i].kind
            || a->segs[i].shape_len != b->segs[i].shape_len
            || memcmp(a->segs[i].shape, b->segs[i].shape,
                      a->segs[i].shape_len) != 0)
        {
            return 0;
        }
    }

    return 1;
}


static int
fuzz_same_node(const fuzz_route_t *a, const fuzz_route_t *b)
{
    return a->nsegs == b->nsegs && fuzz_same_prefix(a, b, a->nsegs);
}


static int
fuzz_cond_eq(const apigw_route_cond_t *a, const apigw_route_cond_t *b)
{
    if (a->in != b->in || a->name_len != b->name_len
        || a->value_len != b->value_len
        || memcmp(a->value, b->value, a->value_len) != 0)
    {
        return 0;
    }

    return (a->in == APIGW_IN_HEADER)
           ? strncasecmp(a->name, b->name, a->name_len) == 0
           : memcmp(a->name, b->name, a->name_len) == 0;
}


/* one set of discriminators inside the other's */
static int
fuzz_conds_in(const fuzz_route_t *a, const fuzz_route_t *b)
{
    size_t  i, j;

    for (i = 0; i < a->nconds; i++) {
        for (j = 0; j < b->nconds; j++) {
            if (fuzz_cond_eq(&a->conds[i], &b->conds[j])) {
                break;
            }
        }

        if (j == b->nconds) {
            return 0;
        }
    }

    return 1;
}


static int
fuzz_same_conds(const fuzz_route_t *a, const fuzz_route_t *b)
{
    return fuzz_conds_in(a, b) && fuzz_conds_in(b, a);
}


/* the first route whose add made the pattern node of r at place i */
static size_t
fuzz_pattern_order(const fuzz_route_t *r, size_t i)
{
    size_t  j;

    for (j = 0; j < nroutes; j++) {
        if (routes[j].valid > i && fuzz_same_prefix(&routes[j], r, i + 1)) {
            return j;
        }
    }

    fuzz_fail("a pattern node made by no route", r->tpl, strlen(r->tpl));

    return 0;
}


/* a is tried before b: literal, patterns, param, greedy by place */
static int
fuzz_before(const fuzz_route_t *a, const fuzz_route_t *b)
{
    size_t              i;
    const fuzz_tseg_t  *x, *y;

    for (i = 0; i < a->nsegs && i < b->nsegs; i++) {
        x = &a->segs[i];
        y = &b->segs[i];

        if (x->kind != y->kind) {
            return x->kind < y->kind;
        }

        if (x->kind != SEG_PATTERN
            || (x->shape_len == y->shape_len
                && memcmp(x->shape, y->shape, x->shape_len) == 0))
        {
            continue;
        }

        if (x->lit_len != y->lit_len) {
            return x->lit_len > y->lit_len;
        }

        return fuzz_pattern_order(a, i) < fuzz_pattern_order(b, i);
    }

    return 0;
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
 * the reference: segments of the request, decoded, with each decoded
 * byte's place in the raw text; -1 for a bad path (NUL, bad escape, "."
 * or "..", more than APIGW_MAX_SEGMENTS segments)
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
        segs[n].val = fuzz_alloc(p - seg);
        segs[n].map = fuzz_alloc((p - seg + 1) * sizeof(size_t));
        segs[n].val_len = 0;

        n++;

        for (i = 0, dl = 0; seg + i < p; i++) {
            segs[n - 1].map[dl] = i;
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

        segs[n - 1].map[dl] = p - seg;
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


/*
 * does the pattern take the decoded segment?  Each parameter's decoded
 * bounds into from[] and to[]: the literals exactly, each parameter one
 * byte at least and never "." or "..", all but the last ending where the
 * literal after them first follows
 */
static int
fuzz_pattern_match(const fuzz_tseg_t *ts, const fuzz_rseg_t *s, size_t *from,
    size_t *to)
{
    size_t       lits[APIGW_MAX_PARAMS + 1], lens[APIGW_MAX_PARAMS + 1];
    size_t       i, k, pos, q, n, v;
    const char  *shape;

    shape = ts->shape;
    k = 0;
    lits[0] = 0;

    for (i = 0; i < ts->shape_len; i++) {
        if (shape[i] == '{') {
            lens[k] = i - lits[k];
            k++;
            lits[k] = i + 2;
            i++;
        }
    }

    lens[k] = ts->shape_len - lits[k];
    n = s->val_len;

    if (n < lens[0] || memcmp(s->val, shape + lits[0], lens[0]) != 0) {
        return 0;
    }

    pos = lens[0];

    for (i = 0; i < k; i++) {
        if (i + 1 < k) {
            for (q = pos + 1; q + lens[i + 1] <= n; q++) {
                if (memcmp(s->val + q, shape + lits[i + 1], lens[i + 1])
                    == 0)
                {
                    break;
                }
            }

            if (q + lens[i + 1] > n) {
                return 0;
            }

        } else {
            if (n < lens[k] || n - lens[k] < pos + 1) {
                return 0;
            }

            q = n - lens[k];

            if (memcmp(s->val + q, shape + lits[k], lens[k]) != 0) {
                return 0;
            }
        }

        v = q - pos;

        if ((v == 1 && s->val[pos] == '.')
            || (v == 2 && s->val[pos] == '.' && s->val[pos + 1] == '.'))
        {
            return 0;
        }

        from[i] = pos;
        to[i] = q;
        pos = q + lens[i + 1];
    }

    return 1;
}


/* does route r take the segments? */
static int
fuzz_route_matches(const fuzz_route_t *r, const fuzz_rseg_t *segs,
    size_t nsegs)
{
    size_t  i, from[APIGW_MAX_PARAMS], to[APIGW_MAX_PARAMS];

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

        if (r->segs[i].kind == SEG_PATTERN
            && !fuzz_pattern_match(&r->segs[i], &segs[i], from, to))
        {
            return 0;
        }
    }

    return i == nsegs;
}


/* a request's "k=v&..." pairs: the first of the name, "k" alone is "" */
static int
fuzz_pair(const char *s, size_t len, int header, const char *name,
    size_t nlen, const char **value, size_t *vlen)
{
    size_t       plen, klen;
    const char  *end, *amp, *eq;

    if (s == NULL) {
        return 0;
    }

    end = s + len;

    while (s < end) {
        amp = memchr(s, '&', end - s);
        amp = amp ? amp : end;
        plen = amp - s;
        eq = memchr(s, '=', plen);
        klen = eq ? (size_t) (eq - s) : plen;

        if (klen == nlen
            && (header ? strncasecmp(s, name, nlen)
                       : memcmp(s, name, nlen)) == 0)
        {
            *value = eq ? eq + 1 : amp;
            *vlen = eq ? (size_t) (amp - eq - 1) : 0;
            return 1;
        }

        s = amp + 1;
    }

    return 0;
}


static int
fuzz_lookup_value(const fuzz_request_t *req, apigw_param_in_e in,
    const char *name, size_t len, const char **value, size_t *vlen)
{
    if (len == 3 && memcmp(name, "ERR", 3) == 0) {
        return -1;
    }

    if (in == APIGW_IN_HEADER) {
        return fuzz_pair(req->headers, req->headers_len, 1, name, len, value,
                         vlen);
    }

    if (in != APIGW_IN_QUERY) {
        fuzz_fail("a discriminator neither in the query nor a header", name,
                  len);
    }

    return fuzz_pair(req->query, req->query_len, 0, name, len, value, vlen);
}


/* the router's lookup */
static int
fuzz_lookup(void *data, apigw_param_in_e in, const char *name, size_t len,
    const char **value, size_t *vlen)
{
    fuzz_request_t  *req;

    req = data;
    req->calls++;

    return fuzz_lookup_value(req, in, name, len, value, vlen);
}


/* 1: route r's discriminators hold, 0: not, -1: a lookup failed */
static int
fuzz_holds(const fuzz_route_t *r, const fuzz_request_t *req, unsigned *calls)
{
    int          rc;
    size_t       i, j, vlen;
    const char  *v;

    for (i = 0; i < r->nconds; i++) {
        /* the router keeps a set: a repeated one is not looked up again */
        for (j = 0; j < i; j++) {
            if (fuzz_cond_eq(&r->conds[j], &r->conds[i])) {
                break;
            }
        }

        if (j < i) {
            continue;
        }

        (*calls)++;
        rc = fuzz_lookup_value(req, r->conds[i].in, r->conds[i].name,
                               r->conds[i].name_len, &v, &vlen);

        if (rc < 0) {
            return -1;
        }

        if (rc == 0 || vlen != r->conds[i].value_len
            || memcmp(v, r->conds[i].value, vlen) != 0)
        {
            return 0;
        }
    }

    return 1;
}


/*
 * the route of a node (the routes of group, n of them) for the method: the
 * method's, HEAD's then GET's, then ANY's; discriminated ones in order,
 * the fallback last; -1: a lookup failed
 */
static int
fuzz_select(fuzz_route_t **group, size_t n, int method,
    const fuzz_request_t *req, unsigned *calls, fuzz_route_t **best)
{
    int      rc, ms[3];
    size_t   i, j, k, nm;

    nm = 0;
    ms[nm++] = method;

    if (method == APIGW_METHOD_HEAD) {
        ms[nm++] = APIGW_METHOD_GET;
    }

    if (method != APIGW_METHOD_ANY) {
        ms[nm++] = APIGW_METHOD_ANY;
    }

    for (k = 0; k < nm; k++) {
        /* pass 0: discriminated routes, pass 1: the fallback */
        for (j = 0; j < 2; j++) {
            for (i = 0; i < n; i++) {
                if (group[i]->method != ms[k]
                    || (group[i]->nconds == 0) != (j == 1))
                {
                    continue;
                }

                rc = fuzz_holds(group[i], req, calls);

                if (rc != 0) {
                    *best = group[i];
                    return rc;
                }
            }
        }
    }

    return 0;
}


static void
fuzz_check_params(const fuzz_route_t *best, const apigw_match_t *m,
    const char *path, size_t llen, const char *scratch,
    const fuzz_rseg_t *segs, int plain)
{
    size_t              i, j, k, np, raw_len, off;
    size_t              from[APIGW_MAX_PARAMS], to[APIGW_MAX_PARAMS];
    const char         *raw_end, *q;
    const fuzz_tseg_t  *ts;
    const apigw_param_t *p;

    for (i = 0, np = 0; i < best->nsegs; i++) {
        np += best->segs[i].nparams;
    }

    if (m->nparams != np) {
        fuzz_fail("nparams is not the route's number of parameters", path,
                  llen);
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

        for (k = 0; k < ts->nparams; k++) {
            p = &m->params[np + k];

            if (p->raw < path || p->raw + p->raw_len > path + llen) {
                fuzz_fail("raw parameter outside the path", path, llen);
            }

            if (!((p->val >= path && p->val + p->val_len <= path + llen)
                  || (p->val >= scratch
                      && p->val + p->val_len <= scratch + llen)))
            {
                fuzz_fail("parameter value outside the path and scratch",
                          path, llen);
            }

            if (plain && (p->val != p->raw || p->val_len != p->raw_len)) {
                fuzz_fail("a plain path's value is not its raw text", path,
                          llen);
            }
        }

        p = &m->params[np];

        if (ts->kind == SEG_PARAM) {
            if (p->raw != segs[i].raw || p->raw_len != segs[i].raw_len
                || p->val_len != segs[i].val_len
                || memcmp(p->val, segs[i].val, segs[i].val_len) != 0)
            {
                fuzz_fail("a parameter differs from its segment", path,
                          llen);
            }

        } else if (ts->kind == SEG_PATTERN) {
            if (!fuzz_pattern_match(ts, &segs[i], from, to)) {
                fuzz_fail("the chosen pattern does not match", path, llen);
            }

            for (k = 0; k < ts->nparams; k++) {
                p = &m->params[np + k];

                if (p->val_len != to[k] - from[k]
                    || memcmp(p->val, segs[i].val + from[k], p->val_len) != 0)
                {
                    fuzz_fail("a pattern's decoded value", path, llen);
                }

                if (p->raw != segs[i].raw + segs[i].map[from[k]]
                    || p->raw_len != segs[i].map[to[k]]
                                     - segs[i].map[from[k]])
                {
                    fuzz_fail("a pattern's raw value", path, llen);
                }
            }

        } else {
            raw_len = raw_end - segs[i].raw;

            if (p->raw != segs[i].raw || p->raw_len != raw_len) {
                fuzz_fail("greedy raw value", path, llen);
            }

            /*
             * decoded: the raw remainder with each segment decoded and its
             * slashes as they are (a plain path: the raw text)
             */
            if (!plain) {
                for (j = i, off = 0, q = segs[i].raw; q < raw_end; ) {
                    if (*q == '/') {
                        if (off >= p->val_len || p->val[off] != '/') {
                            fuzz_fail("greedy decoded separator", path,
                                      llen);
                        }

                        off++;
                        q++;
                        continue;
                    }

                    if (off + segs[j].val_len > p->val_len
                        || memcmp(p->val + off, segs[j].val, segs[j].val_len)
                           != 0)
                    {
                        fuzz_fail("greedy decoded value", path, llen);
                    }

                    off += segs[j].val_len;
                    q += segs[j].raw_len;
                    j++;
                }

                if (off != p->val_len) {
                    fuzz_fail("greedy decoded length", path, llen);
                }
            }
        }

        np += ts->nparams;
    }
}


static void
fuzz_check_match(apigw_router_t *rt, const char *line, size_t llen,
    int method)
{
    int              rc, want_rc, plain, sel;
    char            *path, *scratch;
    size_t           i, j, n, nsegs, ncand, plen;
    unsigned         calls;
    const char      *qs, *hs;
    fuzz_rseg_t      segs[APIGW_MAX_SEGMENTS];
    apigw_match_t    m;
    fuzz_route_t    *cand[FUZZ_MAX_ROUTES], *best, *tmp;
    fuzz_request_t   req;

    /* "/path?query#headers" */

    memset(&req, 0, sizeof(req));
    qs = memchr(line, '?', llen);
    plen = qs ? (size_t) (qs - line) : llen;

    if (qs) {
        qs++;
        hs = memchr(qs, '#', line + llen - qs);
        req.query = qs;
        req.query_len = hs ? (size_t) (hs - qs) : (size_t) (line + llen - qs);

        if (hs) {
            req.headers = hs + 1;
            req.headers_len = line + llen - hs - 1;
        }
    }

    path = fuzz_alloc(plen);
    scratch = fuzz_alloc(plen);

    memcpy(path, line, plen);
    memset(&m, 0xa5, sizeof(m));

    rc = apigw_router_match(rt, path, plen, method, scratch, &m, fuzz_lookup,
                            &req);

    if (rc < APIGW_ROUTE_OK || rc > APIGW_ROUTE_ERROR) {
        fuzz_fail("rc out of range", line, llen);
    }

    if (m.nparams > APIGW_MAX_PARAMS) {
        fuzz_fail("nparams > APIGW_MAX_PARAMS", line, llen);
    }

    if ((rc == APIGW_ROUTE_OK) != (m.value != NULL)) {
        fuzz_fail("a value without OK or OK without a value", line, llen);
    }

    /* the reference */

    plain = (memchr(path, '%', plen) == NULL);
    nsegs = 0;
    best = NULL;
    calls = 0;
    want_rc = APIGW_ROUTE_NO_ROUTE;

    if ((plain && memchr(path, '\0', plen) != NULL)
        || fuzz_split(path, plen, segs, &nsegs) != 0)
    {
        want_rc = APIGW_ROUTE_BAD_PATH;

    } else {
        ncand = 0;

        for (i = 0; i < nroutes; i++) {
            if (routes[i].added
                && fuzz_route_matches(&routes[i], segs, nsegs))
            {
                cand[ncand++] = &routes[i];
            }
        }

        /* in the order the trie is walked: insertion sort, stable */

        for (i = 1; i < ncand; i++) {
            for (j = i; j > 0 && fuzz_before(cand[j], cand[j - 1]); j--) {
                tmp = cand[j];
                cand[j] = cand[j - 1];
                cand[j - 1] = tmp;
            }
        }

        for (i = 0; i < ncand; i = j) {
            for (j = i + 1; j < ncand && fuzz_same_node(cand[i], cand[j]);
                 j++)
            {
                /* void */
            }

            /* a node of the same shape twice in the order: a bad order */
            for (n = j; n < ncand; n++) {
                if (fuzz_same_node(cand[i], cand[n])) {
                    fuzz_fail("the reference order splits a node", line,
                              llen);
                }
            }

            want_rc = APIGW_ROUTE_NO_METHOD;
            sel = fuzz_select(&cand[i], j - i, method, &req, &calls, &best);

            if (sel == 1) {
                want_rc = APIGW_ROUTE_OK;
                break;
            }

            if (sel < 0) {
                want_rc = APIGW_ROUTE_ERROR;
                best = NULL;
                break;
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

    if (rc != APIGW_ROUTE_BAD_PATH && req.calls != calls) {
        fprintf(stderr, "fuzz_route: %u lookups, the reference made %u\n",
                req.calls, calls);
        fuzz_fail("lookups differ from the reference", line, llen);
    }

    if (rc == APIGW_ROUTE_OK) {
        fuzz_check_params(best, &m, path, plen, scratch, segs, plain);
    }

    for (i = 0; i < nsegs; i++) {
        free(segs[i].val);
        free(segs[i].map);
    }

    free(scratch);
    free(path);
}


/* a request made from route r: "v" for parameters, its discriminators */
static size_t
fuzz_request_of(const fuzz_route_t *r, char *req)
{
    int          hdr;
    char        *d;
    size_t       k, i;
    const char  *s;

    d = req;

    for (k = 0; k < r->nsegs; k++) {
        *d++ = '/';

        if (r->segs[k].kind == SEG_LITERAL) {
            memcpy(d, r->segs[k].text, r->segs[k].len);
            d += r->segs[k].len;
            continue;
        }

        for (s = r->segs[k].shape; s < r->segs[k].shape + r->segs[k].shape_len;
             s++)
        {
            if (*s == '{') {
                *d++ = 'v';
                s++;

            } else {
                *d++ = *s;
            }
        }
    }

    if (r->nconds == 0) {
        return d - req;
    }

    *d++ = '?';

    for (hdr = 0; hdr < 2; hdr++) {
        if (hdr) {
            *d++ = '#';
        }

        for (i = 0; i < r->nconds; i++) {
            if ((r->conds[i].in == APIGW_IN_HEADER) != hdr) {
                continue;
            }

            if (d[-1] != '?' && d[-1] != '#') {
                *d++ = '&';
            }

            memcpy(d, r->conds[i].name, r->conds[i].name_len);
            d += r->conds[i].name_len;
            *d++ = '=';
            memcpy(d, r->conds[i].value, r->conds[i].value_len);
            d += r->conds[i].value_len;
        }
    }

    return d - req;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int              method, rc;
    char             errbuf[APIGW_ERR_LEN], conflict[APIGW_ERR_LEN];
    char            *req;
    void            *prev;
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
        r->line = fuzz_alloc(len + 1);
        memcpy(r->line, line, len);
        r->line[len] = '\0';
        r->tpl = r->line;
        r->method = method;
        nroutes++;

        fuzz_parse_conds(r);
        fuzz_parse_tpl(r);

        errbuf[0] = '\0';
        prev = NULL;
        rc = apigw_router_add(rt, r->tpl, method, r->conds, r->nconds, r,
                              &prev, errbuf, sizeof(errbuf));
        r->rc = rc;

        if (rc < -1 || rc > 1) {
            fuzz_fail("add: rc out of range", r->tpl, strlen(r->tpl));
        }

        if ((rc == -1) != !r->good) {
            fprintf(stderr, "fuzz_route: add rc %d: %s\n", rc, errbuf);
            fuzz_fail(r->good ? "a good template refused"
                              : "a bad template taken", r->tpl,
                      strlen(r->tpl));
        }

        if (rc != 0 && errbuf[0] == '\0') {
            fuzz_fail("a failed add without a message", r->tpl,
                      strlen(r->tpl));
        }

        for (j = 0; rc >= 0 && j + 1 < nroutes; j++) {
            if (routes[j].added && routes[j].method == method
                && fuzz_same_node(&routes[j], r)
                && fuzz_same_conds(&routes[j], r))
            {
                break;
            }
        }

        if (rc == 0) {
            if (j + 1 < nroutes) {
                fuzz_fail("two routes of the same shape, method and "
                          "discriminators", r->tpl, strlen(r->tpl));
            }

            r->added = 1;
            continue;
        }

        if (rc == 1) {
            if (j + 1 == nroutes) {
                fuzz_fail("a conflict with no route before it", r->tpl,
                          strlen(r->tpl));
            }

            if (prev != &routes[j]) {
                fuzz_fail("a conflict with another route", r->tpl,
                          strlen(r->tpl));
            }

            snprintf(conflict, sizeof(conflict), "%s %s conflicts with an "
                     "operation declared before it",
                     apigw_method_name(method), r->tpl);

            if (strcmp(errbuf, conflict) != 0) {
                fuzz_fail("a conflict's message", errbuf, strlen(errbuf));
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

    req = fuzz_alloc(3 * size + 16);

    for (i = 0; i < nroutes; i++) {
        r = &routes[i];

        if (!r->added || strchr(r->tpl, '%') || r->nsegs > APIGW_MAX_SEGMENTS)
        {
            continue;
        }

        len = fuzz_request_of(r, req);
        fuzz_check_match(rt, req, len, r->method);
    }

    free(req);
    apigw_router_free(rt);

    for (i = 0; i < nroutes; i++) {
        for (j = 0; j < routes[i].nsegs; j++) {
            free(routes[i].segs[j].shape);
        }

        free(routes[i].segs);
        free(routes[i].line);
    }

    return 0;
}
