
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_core.h"


/*
 * A trie of path segments.  At each level the literal child is tried
 * first, then the segment patterns ("{name}.{ext}", "@{lat},{lon}": some
 * literal text is more specific than none; the longest literal text
 * first, then the first added), then the {param} child, then the greedy
 * {name+} child, with backtracking, so the most specific route that has
 * the method wins.  Literal children sit in a hash table: a lookup costs
 * the same whatever the number of routes; patterns are tried one by one,
 * but only those of the node at hand.
 *
 * A node keeps, per method, the routes that end there: those with
 * discriminators in the order they were added, then the one without any,
 * the fallback.  The first whose discriminators all hold takes the
 * request; a lone fallback, the common case, asks nothing.
 */


typedef struct apigw_route_node_s   apigw_route_node_t;
typedef struct apigw_route_entry_s  apigw_route_entry_t;

/* a literal part of a pattern: before, between or after its parameters */
typedef struct {
    const char             *text;       /* into the node's segment */
    size_t                  len;
} apigw_route_lit_t;

struct apigw_route_entry_s {
    void                   *value;
    apigw_route_cond_t     *conds;      /* in the same allocation */
    size_t                  nconds;
    apigw_route_entry_t    *next;
};

struct apigw_route_node_s {
    char                   *segment;        /* literal text, a pattern with
                                               "{}" for its parameters, or
                                               NULL for params */
    size_t                  len;
    apigw_route_node_t    **children;       /* open addressing, by segment */
    size_t                  nchildren;
    size_t                  size;           /* power of two or 0 */
    apigw_route_node_t    **patterns;       /* in the order they are tried */
    size_t                  npatterns;
    apigw_route_node_t     *param;
    apigw_route_node_t     *greedy;
    apigw_route_lit_t      *lits;           /* a pattern: nparams + 1 */
    size_t                  nparams;
    size_t                  lit_len;        /* a pattern: its literal text */
    apigw_route_entry_t    *methods[APIGW_METHOD_COUNT];
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
    apigw_route_lookup_pt   lookup;
    void                   *data;
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
static int apigw_route_parse_segment(const char *tpl, const char *seg,
    size_t len, char *shape, size_t *shape_len, size_t *nparams,
    int *greedy, char *errbuf, size_t errlen);
static apigw_route_node_t *apigw_route_add_pattern(apigw_route_node_t *node,
    const char *shape, size_t len, size_t nparams);
static int apigw_route_add_entry(apigw_route_node_t *node, const char *tpl,
    int method, const apigw_route_cond_t *conds, size_t nconds, void *value,
    void **prev, char *errbuf, size_t errlen);
static int apigw_route_same_conds(const apigw_route_entry_t *e,
    const apigw_route_cond_t *conds, size_t nconds);
static int apigw_route_cond_eq(const apigw_route_cond_t *a,
    const apigw_route_cond_t *b);
static int apigw_route_select(apigw_route_walk_t *w,
    apigw_route_node_t *node);
static int apigw_route_holds(apigw_route_walk_t *w,
    const apigw_route_entry_t *e);
static int apigw_route_pattern(const apigw_route_node_t *node,
    const apigw_segment_t *s, apigw_param_t *params);
static const char *apigw_route_find(const char *p, const char *end,
    const char *lit, size_t len);
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
    size_t                i;
    apigw_route_entry_t  *e, *next;

    if (node == NULL) {
        return;
    }

    for (i = 0; i < node->size; i++) {
        apigw_route_node_free(node->children[i]);
    }

    for (i = 0; i < node->npatterns; i++) {
        apigw_route_node_free(node->patterns[i]);
    }

    for (i = 0; i < APIGW_METHOD_COUNT; i++) {
        for (e = node->methods[i]; e; e = next) {
            next = e->next;
            free(e);
        }
    }

    apigw_route_node_free(node->param);
    apigw_route_node_free(node->greedy);
    free(node->children);
    free(node->patterns);
    free(node->lits);
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
apigw_router_add(apigw_router_t *rt, const char *tpl, int method,
    const apigw_route_cond_t *conds, size_t nconds, void *value, void **prev,
    char *errbuf, size_t errlen)
{
    int                  greedy, rc;
    char                *shape;
    size_t               len, nparams, n, shape_len;
    const char          *p, *seg;
    apigw_route_node_t  *node, **slot;

    if (tpl[0] != '/') {
        snprintf(errbuf, errlen, "path \"%s\" must start with \"/\"", tpl);
        return -1;
    }

    if (method < 0 || method >= APIGW_METHOD_COUNT) {
        snprintf(errbuf, errlen, "path \"%s\": unknown method", tpl);
        return -1;
    }

    /* a pattern's shape is never longer than its text */
    shape = malloc(strlen(tpl) + 1);
    if (shape == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }

    rc = -1;
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

        if ((len == 1 && seg[0] == '.')
            || (len == 2 && seg[0] == '.' && seg[1] == '.'))
        {
            snprintf(errbuf, errlen, "path \"%s\": \".\" and \"..\" segments "
                     "never match", tpl);
            goto done;
        }

        if (apigw_route_parse_segment(tpl, seg, len, shape, &shape_len, &n,
                                      &greedy, errbuf, errlen)
            != 0)
        {
            goto done;
        }

        if (n == 0) {
            node = apigw_route_add_literal(node, seg, len);
            if (node == NULL) {
                goto nomem;
            }

            continue;
        }

        nparams += n;

        if (nparams > APIGW_MAX_PARAMS) {
            snprintf(errbuf, errlen, "path \"%s\" has more than %d "
                     "parameters", tpl, APIGW_MAX_PARAMS);
            goto done;
        }

        if (shape_len != 2) {
            node = apigw_route_add_pattern(node, shape, shape_len, n);
            if (node == NULL) {
                goto nomem;
            }

            continue;
        }

        if (greedy) {
            if (*p != '\0' && p[1] != '\0') {
                snprintf(errbuf, errlen, "path \"%s\": a greedy parameter "
                         "\"%.*s\" must be the last segment", tpl, (int) len,
                         seg);
                goto done;
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

    rc = apigw_route_add_entry(node, tpl, method, conds, nconds, value, prev,
                               errbuf, errlen);

done:

    free(shape);

    return rc;

nomem:

    free(shape);
    snprintf(errbuf, errlen, "out of memory");

    return -1;
}


/*
 * A segment of a template: literal text (0 parameters), a parameter
 * ("{}" as its shape) or a pattern: its text with "{}" for each parameter
 */
static int
apigw_route_parse_segment(const char *tpl, const char *seg, size_t len,
    char *shape, size_t *shape_len, size_t *nparams, int *greedy,
    char *errbuf, size_t errlen)
{
    int          after_param;
    size_t       n, nlen;
    const char  *q, *end, *close, *name, *c;

    q = seg;
    end = seg + len;
    n = 0;
    after_param = 0;
    *greedy = 0;
    *shape_len = 0;

    while (q < end) {
        if (*q == '}') {
            goto bad;
        }

        if (*q != '{') {
            shape[(*shape_len)++] = *q++;
            after_param = 0;
            continue;
        }

        if (after_param) {
            snprintf(errbuf, errlen, "path \"%s\": parameters in \"%.*s\" "
                     "need literal text between them", tpl, (int) len, seg);
            return -1;
        }

        close = memchr(q + 1, '}', end - q - 1);

        if (close == NULL || memchr(q + 1, '{', close - q - 1) != NULL) {
            goto bad;
        }

        name = q + 1;
        nlen = close - name;

        if (nlen && close[-1] == '+') {
            nlen--;

            if (q != seg || close + 1 != end) {
                snprintf(errbuf, errlen, "path \"%s\": a greedy parameter "
                         "must be a whole segment", tpl);
                return -1;
            }

            *greedy = 1;
        }

        if (nlen == 0) {
            goto bad;
        }

        for (c = name; c < name + nlen; c++) {
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
                  || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'
                  || *c == '.'))
            {
                snprintf(errbuf, errlen, "path \"%s\": a parameter name may "
                         "hold A-Z a-z 0-9 _ - . only", tpl);
                return -1;
            }
        }

        shape[(*shape_len)++] = '{';
        shape[(*shape_len)++] = '}';
        n++;
        after_param = 1;
        q = close + 1;
    }

    *nparams = n;

    return 0;

bad:

    snprintf(errbuf, errlen, "path \"%s\": bad parameter segment \"%.*s\"",
             tpl, (int) len, seg);
    return -1;
}


/* the node's child for a pattern shape, new ones in the order tried */
static apigw_route_node_t *
apigw_route_add_pattern(apigw_route_node_t *node, const char *shape,
    size_t len, size_t nparams)
{
    size_t               i, k;
    const char          *p, *lit, *end;
    apigw_route_node_t  *child, **patterns;

    for (i = 0; i < node->npatterns; i++) {
        child = node->patterns[i];

        if (child->len == len && memcmp(child->segment, shape, len) == 0) {
            return child;
        }
    }

    child = apigw_route_node_new(shape, len);
    if (child == NULL) {
        return NULL;
    }

    child->lits = calloc(nparams + 1, sizeof(apigw_route_lit_t));
    if (child->lits == NULL) {
        apigw_route_node_free(child);
        return NULL;
    }

    child->nparams = nparams;

    /* literal text cannot hold braces: "{}" is always a parameter */

    end = child->segment + len;
    lit = child->segment;
    k = 0;

    for (p = child->segment; p < end; p++) {
        if (*p == '{') {
            child->lits[k].text = lit;
            child->lits[k].len = p - lit;
            child->lit_len += p - lit;
            k++;
            p++;
            lit = p + 1;
        }
    }

    child->lits[k].text = lit;
    child->lits[k].len = end - lit;
    child->lit_len += end - lit;

    patterns = realloc(node->patterns,
                       (node->npatterns + 1) * sizeof(apigw_route_node_t *));
    if (patterns == NULL) {
        apigw_route_node_free(child);
        return NULL;
    }

    node->patterns = patterns;

    /* the longest literal text first, then the order added */

    for (i = node->npatterns; i > 0; i--) {
        if (patterns[i - 1]->lit_len >= child->lit_len) {
            break;
        }

        patterns[i] = patterns[i - 1];
    }

    patterns[i] = child;
    node->npatterns++;

    return child;
}


static int
apigw_route_add_entry(apigw_route_node_t *node, const char *tpl, int method,
    const apigw_route_cond_t *conds, size_t nconds, void *value, void **prev,
    char *errbuf, size_t errlen)
{
    char                  *p;
    size_t                 i, j, size;
    apigw_route_cond_t    *c;
    apigw_route_entry_t   *e, **pp;

    for (i = 0; i < nconds; i++) {
        if (conds[i].name_len == 0) {
            snprintf(errbuf, errlen, "path \"%s\": a discriminator needs a "
                     "name", tpl);
            return -1;
        }
    }

    for (e = node->methods[method]; e; e = e->next) {
        if (apigw_route_same_conds(e, conds, nconds)) {
            snprintf(errbuf, errlen, "%s %s conflicts with an operation "
                     "declared before it", apigw_method_name(method), tpl);

            if (prev) {
                *prev = e->value;
            }

            return 1;
        }
    }

    size = sizeof(apigw_route_entry_t) + nconds * sizeof(apigw_route_cond_t);

    for (i = 0; i < nconds; i++) {
        size += conds[i].name_len + conds[i].value_len + 2;
    }

    e = calloc(1, size);
    if (e == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }

    e->value = value;
    e->conds = (apigw_route_cond_t *) (e + 1);
    p = (char *) (e->conds + nconds);

    /* a set: a repeated discriminator counts once */

    for (i = 0; i < nconds; i++) {
        for (j = 0; j < i; j++) {
            if (apigw_route_cond_eq(&conds[j], &conds[i])) {
                break;
            }
        }

        if (j < i) {
            continue;
        }

        c = &e->conds[e->nconds++];
        c->in = conds[i].in;

        c->name = p;
        c->name_len = conds[i].name_len;
        memcpy(p, conds[i].name, c->name_len);
        p += c->name_len;
        *p++ = '\0';

        c->value = p;
        c->value_len = conds[i].value_len;
        memcpy(p, conds[i].value, c->value_len);
        p += c->value_len;
        *p++ = '\0';
    }

    /* discriminated routes in the order added, the fallback last */

    for (pp = &node->methods[method]; *pp && (*pp)->nconds; pp = &(*pp)->next)
    {
        /* void */
    }

    e->next = *pp;
    *pp = e;
    node->has_methods = 1;

    return 0;
}


/* the same set of discriminators: each of one is among the other's */
static int
apigw_route_same_conds(const apigw_route_entry_t *e,
    const apigw_route_cond_t *conds, size_t nconds)
{
    size_t  i, j;

    for (i = 0; i < nconds; i++) {
        for (j = 0; j < e->nconds; j++) {
            if (apigw_route_cond_eq(&conds[i], &e->conds[j])) {
                break;
            }
        }

        if (j == e->nconds) {
            return 0;
        }
    }

    for (j = 0; j < e->nconds; j++) {
        for (i = 0; i < nconds; i++) {
            if (apigw_route_cond_eq(&conds[i], &e->conds[j])) {
                break;
            }
        }

        if (i == nconds) {
            return 0;
        }
    }

    return 1;
}


static int
apigw_route_cond_eq(const apigw_route_cond_t *a, const apigw_route_cond_t *b)
{
    if (a->in != b->in || a->name_len != b->name_len
        || a->value_len != b->value_len
        || memcmp(a->value, b->value, a->value_len) != 0)
    {
        return 0;
    }

    if (a->in == APIGW_IN_HEADER) {
        return strncasecmp(a->name, b->name, a->name_len) == 0;
    }

    return memcmp(a->name, b->name, a->name_len) == 0;
}


/*
 * the route of a node for the method: the method's, HEAD's then GET's,
 * then ANY's; 1 with w->m->value set, 0: none takes it, -1: lookup error
 */
static int
apigw_route_select(apigw_route_walk_t *w, apigw_route_node_t *node)
{
    int                   rc, methods[3];
    size_t                i, n;
    apigw_route_entry_t  *e;

    n = 0;
    methods[n++] = w->method;

    if (w->method == APIGW_METHOD_HEAD) {
        methods[n++] = APIGW_METHOD_GET;
    }

    if (w->method != APIGW_METHOD_ANY) {
        methods[n++] = APIGW_METHOD_ANY;
    }

    for (i = 0; i < n; i++) {
        for (e = node->methods[methods[i]]; e; e = e->next) {
            rc = apigw_route_holds(w, e);

            if (rc == 1) {
                w->m->value = e->value;
            }

            if (rc != 0) {
                return rc;
            }
        }
    }

    return 0;
}


/* 1: every discriminator of the route holds, 0: not, -1: lookup error */
static int
apigw_route_holds(apigw_route_walk_t *w, const apigw_route_entry_t *e)
{
    int                        rc;
    size_t                     i, vlen;
    const char                *v;
    const apigw_route_cond_t  *c;

    if (e->nconds == 0) {
        return 1;
    }

    if (w->lookup == NULL) {
        return 0;
    }

    for (i = 0; i < e->nconds; i++) {
        c = &e->conds[i];
        v = NULL;
        vlen = 0;

        rc = w->lookup(w->data, c->in, c->name, c->name_len, &v, &vlen);

        if (rc < 0) {
            return -1;
        }

        if (rc == 0 || vlen != c->value_len
            || (vlen && memcmp(v, c->value, vlen) != 0))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * Does the segment take the pattern?  On the decoded text: the literal
 * parts exactly, each parameter one character at least; a parameter ends
 * at the first place the literal after it follows, the last one takes
 * what the last literal leaves.  The raw text of each parameter is found
 * by walking the raw segment in step: "%2E" there is one "." here.
 */
static int
apigw_route_pattern(const apigw_route_node_t *node, const apigw_segment_t *s,
    apigw_param_t *params)
{
    int                       plain;
    size_t                    j, n, k;
    const char               *p, *q, *end, *rp, *dp;
    const apigw_route_lit_t  *lit;

    k = node->nparams;

    if (s->val_len < node->lit_len + k
        || memcmp(s->val, node->lits[0].text, node->lits[0].len) != 0)
    {
        return 0;
    }

    end = s->val + s->val_len;
    p = s->val + node->lits[0].len;
    plain = (s->raw_len == s->val_len);
    rp = s->raw;
    dp = s->val;

    for (j = 0; j < k; j++) {
        lit = &node->lits[j + 1];

        if ((size_t) (end - p) < 1 + lit->len) {
            return 0;
        }

        if (j + 1 < k) {
            q = apigw_route_find(p + 1, end, lit->text, lit->len);

            if (q == NULL) {
                return 0;
            }

        } else {
            q = end - lit->len;

            if (memcmp(q, lit->text, lit->len) != 0) {
                return 0;
            }
        }

        /* a parameter is never a dot segment: a backend would climb */
        n = q - p;

        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        {
            return 0;
        }

        params[j].val = p;
        params[j].val_len = n;

        if (plain) {
            params[j].raw = s->raw + (p - s->val);
            params[j].raw_len = n;

        } else {
            for ( /* void */ ; dp < p; dp++) {
                rp += (*rp == '%') ? 3 : 1;
            }

            params[j].raw = rp;

            for ( /* void */ ; dp < q; dp++) {
                rp += (*rp == '%') ? 3 : 1;
            }

            params[j].raw_len = rp - params[j].raw;
        }

        p = q + lit->len;
    }

    return 1;
}


/* the first place of lit in [p, end), or NULL */
static const char *
apigw_route_find(const char *p, const char *end, const char *lit, size_t len)
{
    for ( /* void */ ; p + len <= end; p++) {
        p = memchr(p, lit[0], end - p - len + 1);

        if (p == NULL) {
            return NULL;
        }

        if (memcmp(p, lit, len) == 0) {
            return p;
        }
    }

    return NULL;
}


static int
apigw_route_walk(apigw_route_walk_t *w, apigw_route_node_t *node, size_t i)
{
    int                  rc;
    size_t               n, k;
    apigw_segment_t     *s;
    apigw_param_t       *param;
    apigw_route_node_t  *child;

    if (i == w->nsegs) {
        if (!node->has_methods) {
            return 0;
        }

        w->path_found = 1;

        return apigw_route_select(w, node);
    }

    s = &w->segs[i];
    n = w->m->nparams;

    child = apigw_route_literal(node, s->val, s->val_len);

    if (child) {
        rc = apigw_route_walk(w, child, i + 1);

        if (rc != 0) {
            return rc;
        }
    }

    for (k = 0; k < node->npatterns; k++) {
        child = node->patterns[k];

        if (n + child->nparams > APIGW_MAX_PARAMS
            || !apigw_route_pattern(child, s, &w->m->params[n]))
        {
            continue;
        }

        w->m->nparams = n + child->nparams;

        rc = apigw_route_walk(w, child, i + 1);

        if (rc != 0) {
            return rc;
        }

        w->m->nparams = n;
    }

    if (node->param && n < APIGW_MAX_PARAMS) {
        param = &w->m->params[n];
        param->raw = s->raw;
        param->raw_len = s->raw_len;
        param->val = s->val;
        param->val_len = s->val_len;
        w->m->nparams = n + 1;

        rc = apigw_route_walk(w, node->param, i + 1);

        if (rc != 0) {
            return rc;
        }

        w->m->nparams = n;
    }

    if (node->greedy && node->greedy->has_methods && n < APIGW_MAX_PARAMS) {
        w->path_found = 1;

        rc = apigw_route_select(w, node->greedy);

        if (rc != 1) {
            return rc;
        }

        param = &w->m->params[n];
        param->raw = s->raw;
        param->raw_len = w->raw_end - s->raw;
        param->val = s->val;
        param->val_len = w->val_end - s->val;
        w->m->nparams = n + 1;

        return 1;
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
    int method, char *scratch, apigw_match_t *m, apigw_route_lookup_pt lookup,
    void *data)
{
    int                  plain, rc;
    char                *d, *val_end;
    size_t               n, dlen;
    const char          *p, *end, *seg;
    apigw_segment_t      segs[APIGW_MAX_SEGMENTS];
    apigw_route_walk_t   w;

    m->value = NULL;
    m->nparams = 0;

    if (method < 0 || method >= APIGW_METHOD_COUNT) {
        method = APIGW_METHOD_ANY;
    }

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
    w.lookup = lookup;
    w.data = data;

    rc = apigw_route_walk(&w, rt->root, 0);

    if (rc == 1) {
        return APIGW_ROUTE_OK;
    }

    m->value = NULL;
    m->nparams = 0;

    if (rc < 0) {
        return APIGW_ROUTE_ERROR;
    }

    return w.path_found ? APIGW_ROUTE_NO_METHOD : APIGW_ROUTE_NO_ROUTE;
}
