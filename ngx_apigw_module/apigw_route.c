
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_core.h"


/*
 * A trie of path segments.  At each level a literal segment is tried
 * first, then the {param} child, then the greedy {name+} child, with
 * backtracking, so the most specific route that has the method wins.
 * Literal children sit in a hash table: a lookup costs the same whatever
 * the number of routes.
 */


typedef struct apigw_route_node_s  apigw_route_node_t;

struct apigw_route_node_s {
    char                   *segment;        /* literal text, NULL for params */
    size_t                  len;
    apigw_route_node_t    **children;       /* open addressing, by segment */
    size_t                  nchildren;
    size_t                  size;           /* power of two or 0 */
    apigw_route_node_t     *param;
    apigw_route_node_t     *greedy;
    void                   *methods[APIGW_METHOD_COUNT];
    unsigned                has_methods:1;
};

struct apigw_router_s {
    apigw_route_node_t     *root;
};

typedef struct {
    const char             *raw;
    size_t                  raw_len;
    const char             *val;
    size_t                  val_len;
} apigw_segment_t;

typedef struct {
    apigw_segment_t        *segs;
    size_t                  nsegs;
    const char             *raw_end;
    const char             *val_end;
    int                     method;
    int                     path_found;
    apigw_match_t          *m;
} apigw_route_walk_t;


static const char  *apigw_methods[APIGW_METHOD_COUNT] = {
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "ANY"
};


static uint32_t apigw_route_hash(const char *p, size_t len);
static apigw_route_node_t *apigw_route_node_new(const char *seg, size_t len);
static void apigw_route_node_free(apigw_route_node_t *node);
static apigw_route_node_t *apigw_route_literal(apigw_route_node_t *node,
    const char *seg, size_t len);
static apigw_route_node_t *apigw_route_add_literal(apigw_route_node_t *node,
    const char *seg, size_t len);
static void *apigw_route_method(apigw_route_node_t *node, int method);
static int apigw_route_walk(apigw_route_walk_t *w, apigw_route_node_t *node,
    size_t i);
static int apigw_route_decode(const char *raw, size_t len, char *dst,
    size_t *dlen);


int
apigw_method_index(const char *name, size_t len)
{
    int  i;

    for (i = 0; i < APIGW_METHOD_COUNT; i++) {
        if (strlen(apigw_methods[i]) == len
            && strncasecmp(apigw_methods[i], name, len) == 0)
        {
            return i;
        }
    }

    return -1;
}


const char *
apigw_method_name(int method)
{
    return (method >= 0 && method < APIGW_METHOD_COUNT)
           ? apigw_methods[method] : "?";
}


static uint32_t
apigw_route_hash(const char *p, size_t len)
{
    uint32_t  h;

    for (h = 2166136261u; len; len--, p++) {
        h = (h ^ (unsigned char) *p) * 16777619u;
    }

    return h;
}


static apigw_route_node_t *
apigw_route_node_new(const char *seg, size_t len)
{
    apigw_route_node_t  *node;

    node = calloc(1, sizeof(apigw_route_node_t));
    if (node == NULL) {
        return NULL;
    }

    if (seg) {
        node->segment = malloc(len + 1);
        if (node->segment == NULL) {
            free(node);
            return NULL;
        }

        memcpy(node->segment, seg, len);
        node->segment[len] = '\0';
        node->len = len;
    }

    return node;
}


static void
apigw_route_node_free(apigw_route_node_t *node)
{
    size_t  i;

    if (node == NULL) {
        return;
    }

    for (i = 0; i < node->size; i++) {
        apigw_route_node_free(node->children[i]);
    }

    apigw_route_node_free(node->param);
    apigw_route_node_free(node->greedy);
    free(node->children);
    free(node->segment);
    free(node);
}


static apigw_route_node_t *
apigw_route_literal(apigw_route_node_t *node, const char *seg, size_t len)
{
    size_t               i;
    apigw_route_node_t  *child;

    if (node->size == 0) {
        return NULL;
    }

    i = apigw_route_hash(seg, len) & (node->size - 1);

    while ((child = node->children[i]) != NULL) {
        if (child->len == len && memcmp(child->segment, seg, len) == 0) {
            return child;
        }

        i = (i + 1) & (node->size - 1);
    }

    return NULL;
}


static apigw_route_node_t *
apigw_route_add_literal(apigw_route_node_t *node, const char *seg, size_t len)
{
    size_t                i, j, size;
    apigw_route_node_t   *child, **table;

    child = apigw_route_literal(node, seg, len);
    if (child) {
        return child;
    }

    if ((node->nchildren + 1) * 2 > node->size) {
        size = node->size ? node->size * 2 : 4;

        table = calloc(size, sizeof(apigw_route_node_t *));
        if (table == NULL) {
            return NULL;
        }

        for (i = 0; i < node->size; i++) {
            child = node->children[i];

            if (child == NULL) {
                continue;
            }

            j = apigw_route_hash(child->segment, child->len) & (size - 1);

            while (table[j]) {
                j = (j + 1) & (size - 1);
            }

            table[j] = child;
        }

        free(node->children);
        node->children = table;
        node->size = size;
    }

    child = apigw_route_node_new(seg, len);
    if (child == NULL) {
        return NULL;
    }

    i = apigw_route_hash(seg, len) & (node->size - 1);

    while (node->children[i]) {
        i = (i + 1) & (node->size - 1);
    }

    node->children[i] = child;
    node->nchildren++;

    return child;
}


apigw_router_t *
apigw_router_create(void)
{
    apigw_router_t  *rt;

    rt = calloc(1, sizeof(apigw_router_t));
    if (rt == NULL) {
        return NULL;
    }

    rt->root = apigw_route_node_new(NULL, 0);
    if (rt->root == NULL) {
        free(rt);
        return NULL;
    }

    return rt;
}


void
apigw_router_free(apigw_router_t *rt)
{
    if (rt) {
        apigw_route_node_free(rt->root);
        free(rt);
    }
}


int
apigw_router_add(apigw_router_t *rt, const char *tpl, int method, void *value,
    char *errbuf, size_t errlen)
{
    size_t               len, nparams;
    const char          *p, *q, *seg, *end;
    apigw_route_node_t  *node, **slot;

    if (tpl[0] != '/') {
        snprintf(errbuf, errlen, "path \"%s\" must start with \"/\"", tpl);
        return -1;
    }

    node = rt->root;
    nparams = 0;
    p = tpl;

    for ( ;; ) {
        while (*p == '/') {
            p++;
        }

        if (*p == '\0') {
            break;
        }

        seg = p;

        while (*p && *p != '/') {
            p++;
        }

        len = p - seg;
        end = seg + len;

        if ((len == 1 && seg[0] == '.')
            || (len == 2 && seg[0] == '.' && seg[1] == '.'))
        {
            snprintf(errbuf, errlen, "path \"%s\": \".\" and \"..\" segments "
                     "never match", tpl);
            return -1;
        }

        if (seg[0] != '{') {
            if (memchr(seg, '{', len) || memchr(seg, '}', len)) {
                snprintf(errbuf, errlen, "path \"%s\": a parameter must be "
                         "a whole segment", tpl);
                return -1;
            }

            node = apigw_route_add_literal(node, seg, len);
            if (node == NULL) {
                goto nomem;
            }

            continue;
        }

        if (len < 3 || end[-1] != '}' || memchr(seg + 1, '{', len - 1)
            || memchr(seg, '}', len - 1) || (end[-2] == '+' && len < 4))
        {
            snprintf(errbuf, errlen, "path \"%s\": bad parameter segment "
                     "\"%.*s\"", tpl, (int) len, seg);
            return -1;
        }

        for (q = seg + 1; q < end - 1 - (end[-2] == '+'); q++) {
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')
                  || (*q >= '0' && *q <= '9') || *q == '_' || *q == '-'
                  || *q == '.'))
            {
                snprintf(errbuf, errlen, "path \"%s\": a parameter name may "
                         "hold A-Z a-z 0-9 _ - . only", tpl);
                return -1;
            }
        }

        if (++nparams > APIGW_MAX_PARAMS) {
            snprintf(errbuf, errlen, "path \"%s\" has more than %d "
                     "parameters", tpl, APIGW_MAX_PARAMS);
            return -1;
        }

        if (end[-2] == '+') {
            if (*p != '\0' && p[1] != '\0') {
                snprintf(errbuf, errlen, "path \"%s\": a greedy parameter "
                         "\"%.*s\" must be the last segment", tpl, (int) len,
                         seg);
                return -1;
            }

            slot = &node->greedy;

        } else {
            slot = &node->param;
        }

        if (*slot == NULL) {
            *slot = apigw_route_node_new(NULL, 0);
            if (*slot == NULL) {
                goto nomem;
            }
        }

        node = *slot;
    }

    if (node->methods[method]) {
        snprintf(errbuf, errlen, "%s %s conflicts with an operation "
                 "declared before it", apigw_method_name(method), tpl);
        return -1;
    }

    node->methods[method] = value;
    node->has_methods = 1;

    return 0;

nomem:

    snprintf(errbuf, errlen, "out of memory");
    return -1;
}


static void *
apigw_route_method(apigw_route_node_t *node, int method)
{
    void  *value;

    value = node->methods[method];

    if (value == NULL && method == APIGW_METHOD_HEAD) {
        value = node->methods[APIGW_METHOD_GET];
    }

    if (value == NULL) {
        value = node->methods[APIGW_METHOD_ANY];
    }

    return value;
}


static int
apigw_route_walk(apigw_route_walk_t *w, apigw_route_node_t *node, size_t i)
{
    void                *value;
    size_t               n;
    apigw_segment_t     *s;
    apigw_param_t       *param;
    apigw_route_node_t  *child;

    if (i == w->nsegs) {
        if (!node->has_methods) {
            return 0;
        }

        w->path_found = 1;
        value = apigw_route_method(node, w->method);

        if (value == NULL) {
            return 0;
        }

        w->m->value = value;
        return 1;
    }

    s = &w->segs[i];
    n = w->m->nparams;

    child = apigw_route_literal(node, s->val, s->val_len);

    if (child && apigw_route_walk(w, child, i + 1)) {
        return 1;
    }

    if (node->param && n < APIGW_MAX_PARAMS) {
        param = &w->m->params[n];
        param->raw = s->raw;
        param->raw_len = s->raw_len;
        param->val = s->val;
        param->val_len = s->val_len;
        w->m->nparams = n + 1;

        if (apigw_route_walk(w, node->param, i + 1)) {
            return 1;
        }

        w->m->nparams = n;
    }

    if (node->greedy && n < APIGW_MAX_PARAMS) {
        value = node->greedy->has_methods
                ? apigw_route_method(node->greedy, w->method) : NULL;

        if (node->greedy->has_methods) {
            w->path_found = 1;
        }

        if (value) {
            param = &w->m->params[n];
            param->raw = s->raw;
            param->raw_len = w->raw_end - s->raw;
            param->val = s->val;
            param->val_len = w->val_end - s->val;
            w->m->nparams = n + 1;
            w->m->value = value;
            return 1;
        }
    }

    return 0;
}


static int
apigw_route_decode(const char *raw, size_t len, char *dst, size_t *dlen)
{
    int     hi, lo;
    char    c;
    size_t  i, n;

    for (i = 0, n = 0; i < len; i++) {
        c = raw[i];

        if (c == '%') {
            if (len - i < 3) {
                return -1;
            }

            hi = apigw_hex_digit((unsigned char) raw[i + 1]);
            lo = apigw_hex_digit((unsigned char) raw[i + 2]);

            if (hi < 0 || lo < 0) {
                return -1;
            }

            c = (char) (hi * 16 + lo);
            i += 2;
        }

        if (c == '\0') {
            return -1;
        }

        dst[n++] = c;
    }

    *dlen = n;

    return 0;
}


apigw_route_rc_e
apigw_router_match(apigw_router_t *rt, const char *path, size_t len,
    int method, char *scratch, apigw_match_t *m)
{
    int                  plain;
    char                *d, *val_end;
    size_t               n, dlen;
    const char          *p, *end, *seg;
    apigw_segment_t      segs[APIGW_MAX_SEGMENTS];
    apigw_route_walk_t   w;

    m->value = NULL;
    m->nparams = 0;

    p = path;
    end = path + len;
    d = scratch;
    val_end = scratch;
    n = 0;
    plain = (memchr(path, '%', len) == NULL);

    if (plain && memchr(path, '\0', len) != NULL) {
        return APIGW_ROUTE_BAD_PATH;
    }

    /* empty segments ("//", a trailing "/") do not count */

    while (p < end) {
        if (*p == '/') {
            /* decoded text mirrors the raw one, separators included */
            if (!plain) {
                *d++ = '/';
            }

            p++;
            continue;
        }

        seg = p;

        while (p < end && *p != '/') {
            p++;
        }

        if (n == APIGW_MAX_SEGMENTS) {
            return APIGW_ROUTE_BAD_PATH;
        }

        if (plain) {
            /* nothing to decode: the values are the raw text */
            d = (char *) seg;
            dlen = p - seg;

        } else if (apigw_route_decode(seg, p - seg, d, &dlen) != 0) {
            return APIGW_ROUTE_BAD_PATH;
        }

        /* a dot segment would let a backend climb out of the route */
        if ((dlen == 1 && d[0] == '.')
            || (dlen == 2 && d[0] == '.' && d[1] == '.'))
        {
            return APIGW_ROUTE_BAD_PATH;
        }

        segs[n].raw = seg;
        segs[n].raw_len = p - seg;
        segs[n].val = d;
        segs[n].val_len = dlen;
        n++;

        d += dlen;
        val_end = d;
    }

    while (p > path && p[-1] == '/') {
        p--;
    }

    w.segs = segs;
    w.nsegs = n;
    w.raw_end = p;
    w.val_end = val_end;
    w.method = method;
    w.path_found = 0;
    w.m = m;

    if (apigw_route_walk(&w, rt->root, 0)) {
        return APIGW_ROUTE_OK;
    }

    return w.path_found ? APIGW_ROUTE_NO_METHOD : APIGW_ROUTE_NO_ROUTE;
}
