
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"


/*
 * The schema compiler: the set, its memory, and the compile of one
 * schema.  Every schema object reachable from the root becomes one node,
 * an array of typed checks decoded from its keywords
 * (apigw_schema_keywords.c), subschemas and $ref targets
 * (apigw_schema_ref.c) being pointers to other nodes.  Nodes are
 * memoized by (JSON value, flags), so shared subschemas and $ref cycles
 * compile once, and a work queue, not recursion, walks the graph.
 * Everything lives in the set's blocks; a failed compile leaves the set
 * as it was.
 */


#define APIGW_SCH_BLOCK_SIZE    16384


struct apigw_sch_block_s {
    apigw_sch_block_t      *next;
    size_t                  used;
    size_t                  size;
};

#define APIGW_SCH_BLOCK_HDR                                                   \
    ((sizeof(apigw_sch_block_t) + 15) & ~(size_t) 15)


static size_t apigw_sch_memo_slot(apigw_schema_set_t *set,
    const json_t *json, unsigned flags);
static apigw_sch_node_t *apigw_sch_memo_find(apigw_schema_set_t *set,
    const json_t *json, unsigned flags);
static int apigw_sch_memo_add(apigw_schema_set_t *set,
    apigw_sch_node_t *node);
static void apigw_sch_rollback(apigw_schema_set_t *set);
static int apigw_sch_drain(apigw_sch_cctx_t *cc, size_t *head);
static int apigw_sch_dyn_finish(apigw_sch_cctx_t *cc, size_t *head);
static int apigw_sch_edge(apigw_sch_node_t *node, size_t k,
    apigw_sch_node_t **child);
static int apigw_sch_cycles(apigw_sch_cctx_t *cc, apigw_sch_node_t *root);
static int apigw_sch_grow(void **array, size_t n, size_t size);
static int apigw_sch_push(void **stack, size_t *n, size_t *cap, size_t size,
    const void *item);


void *
apigw_sch_alloc(apigw_schema_set_t *set, size_t size)
{
    void               *p;
    size_t              bsize;
    apigw_sch_block_t  *b;

    size = (size + 15) & ~(size_t) 15;
    b = set->blocks;

    if (b == NULL || b->size - b->used < size) {
        bsize = (size > APIGW_SCH_BLOCK_SIZE / 4) ? size
                                                  : APIGW_SCH_BLOCK_SIZE;

        b = calloc(1, APIGW_SCH_BLOCK_HDR + bsize);
        if (b == NULL) {
            return NULL;
        }

        b->size = bsize;

        /* a big block is used up at once: keep the current one first */
        if (bsize == size && set->blocks != NULL) {
            b->next = set->blocks->next;
            set->blocks->next = b;

        } else {
            b->next = set->blocks;
            set->blocks = b;
        }
    }

    p = (char *) b + APIGW_SCH_BLOCK_HDR + b->used;
    b->used += size;

    return p;
}


char *
apigw_sch_strndup(apigw_schema_set_t *set, const char *s, size_t len)
{
    char  *p;

    p = apigw_sch_alloc(set, len + 1);
    if (p == NULL) {
        return NULL;
    }

    memcpy(p, s, len);
    p[len] = '\0';

    return p;
}


int
apigw_sch_fail(apigw_sch_cctx_t *cc, apigw_sch_doc_t *doc,
    const char *pointer, const char *kw, const char *fmt, ...)
{
    va_list         args;
    apigw_error_t  *err;

    if (cc->failed || cc->probing) {
        cc->failed = 1;
        return -1;
    }

    cc->failed = 1;
    err = cc->err;

    if (err == NULL) {
        return -1;
    }

    snprintf(err->file, sizeof(err->file), "%s", doc ? doc->uri : "");
    snprintf(err->pointer, sizeof(err->pointer), "%s",
             pointer ? pointer : "");

    if (kw != NULL) {
        apigw_sch_ptr_add(err->pointer, sizeof(err->pointer), kw,
                          strlen(kw));
    }

    err->line = 0;

    va_start(args, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, args);
    va_end(args);

    return -1;
}


/* an error at a keyword of the schema being compiled */
int
apigw_sch_kw_fail(apigw_sch_cctx_t *cc, const char *kw, const char *fmt,
    ...)
{
    char     msg[APIGW_ERR_LEN];
    va_list  args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    return apigw_sch_fail(cc, cc->cur.doc, cc->cur.pointer, kw, "%s %s",
                          kw, msg);
}


/* appends "/" and the token, escaped as RFC 6901 says; truncates */
void
apigw_sch_ptr_add(char *buf, size_t size, const char *tok, size_t tlen)
{
    size_t  n, i;

    n = strlen(buf);

    if (n + 2 >= size) {
        return;
    }

    buf[n++] = '/';

    for (i = 0; i < tlen && n + 3 < size; i++) {
        if (tok[i] == '~' || tok[i] == '/') {
            buf[n++] = '~';
            buf[n++] = (tok[i] == '~') ? '0' : '1';

        } else {
            buf[n++] = tok[i];
        }
    }

    buf[n] = '\0';
}


void
apigw_sch_child_ptr(apigw_sch_cctx_t *cc, const char *kw, const char *key,
    size_t klen, long idx)
{
    char  num[32];

    snprintf(cc->ptr, sizeof(cc->ptr), "%s", cc->cur.pointer);
    apigw_sch_ptr_add(cc->ptr, sizeof(cc->ptr), kw, strlen(kw));

    if (key != NULL) {
        apigw_sch_ptr_add(cc->ptr, sizeof(cc->ptr), key, klen);

    } else if (idx >= 0) {
        snprintf(num, sizeof(num), "%ld", idx);
        apigw_sch_ptr_add(cc->ptr, sizeof(cc->ptr), num, strlen(num));
    }
}


apigw_sch_node_t *
apigw_sch_node_get(apigw_sch_cctx_t *cc, json_t *json, apigw_sch_uri_t *res,
    apigw_sch_doc_t *doc, const char *pointer)
{
    apigw_sch_work_t     w;
    apigw_sch_node_t    *node;
    apigw_schema_set_t  *set;

    set = cc->set;

    node = apigw_sch_memo_find(set, json, cc->flags);
    if (node != NULL) {
        return node;
    }

    if (set->nnodes >= APIGW_SCHEMA_MAX_NODES) {
        apigw_sch_fail(cc, doc, pointer, NULL,
                       "more than %d schemas", APIGW_SCHEMA_MAX_NODES);
        return NULL;
    }

    node = apigw_sch_alloc(set, sizeof(apigw_sch_node_t));
    if (node == NULL) {
        goto nomem;
    }

    node->json = json;
    node->flags = cc->flags;
    node->gen = set->gen;
    node->res = cc->d4 ? NULL : res;
    node->work = cc->nwork;

    w.node = node;
    w.json = json;
    w.res = res;
    w.doc = doc;
    w.pointer = strdup(pointer);

    if (w.pointer == NULL) {
        goto nomem;
    }

    if (apigw_sch_push((void **) &cc->work, &cc->nwork, &cc->cap,
                       sizeof(apigw_sch_work_t), &w) != 0)
    {
        free(w.pointer);
        goto nomem;
    }

    if (apigw_sch_memo_add(set, node) != 0) {
        goto nomem;
    }

    return node;

nomem:

    apigw_sch_fail(cc, doc, pointer, NULL, "out of memory");

    return NULL;
}


/* a subschema of the schema being compiled: kw, kw/key or kw/idx */
apigw_sch_node_t *
apigw_sch_sub(apigw_sch_cctx_t *cc, json_t *json, const char *kw,
    const char *key, size_t klen, long idx)
{
    apigw_sch_uri_t  *res;

    apigw_sch_child_ptr(cc, kw, key, klen, idx);

    if (!json_is_object(json) && !json_is_boolean(json)) {
        apigw_sch_fail(cc, cc->cur.doc, cc->ptr, NULL,
                       "%s: a schema must be an object or a boolean", kw);
        return NULL;
    }

    res = apigw_sch_base(cc, json, cc->cur.res);
    if (res == NULL) {
        return NULL;
    }

    return apigw_sch_node_get(cc, json, res, cc->cur.doc, cc->ptr);
}


apigw_sch_check_t *
apigw_sch_add(apigw_sch_cctx_t *cc, apigw_sch_kind_e kind, const char *kw)
{
    apigw_sch_check_t  *c;

    if (cc->nchecks == APIGW_SCH_MAX_CHECKS) {
        /* the keyword table cannot produce this many */
        c = &cc->checks[APIGW_SCH_MAX_CHECKS - 1];

    } else {
        c = &cc->checks[cc->nchecks++];
    }

    memset(c, 0, sizeof(apigw_sch_check_t));
    c->kind = kind;
    c->keyword = kw;

    return c;
}


static size_t
apigw_sch_memo_slot(apigw_schema_set_t *set, const json_t *json,
    unsigned flags)
{
    uintptr_t  h;

    h = (uintptr_t) json ^ flags;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;

    return h & (set->nodes_size - 1);
}


static apigw_sch_node_t *
apigw_sch_memo_find(apigw_schema_set_t *set, const json_t *json,
    unsigned flags)
{
    size_t             i;
    apigw_sch_node_t  *n;

    if (set->nodes_size == 0) {
        return NULL;
    }

    i = apigw_sch_memo_slot(set, json, flags);

    while ((n = set->nodes[i]) != NULL) {
        if (n->json == json && n->flags == flags) {
            return n;
        }

        i = (i + 1) & (set->nodes_size - 1);
    }

    return NULL;
}


static int
apigw_sch_memo_add(apigw_schema_set_t *set, apigw_sch_node_t *node)
{
    size_t              i, j, size, old_size;
    apigw_sch_node_t  **table, **old, *n;

    if ((set->nnodes + 1) * 2 > set->nodes_size) {
        size = set->nodes_size ? set->nodes_size * 2 : 256;

        table = calloc(size, sizeof(apigw_sch_node_t *));
        if (table == NULL) {
            return -1;
        }

        old = set->nodes;
        old_size = set->nodes_size;
        set->nodes = table;
        set->nodes_size = size;
        set->nnodes = 0;

        for (i = 0; i < old_size; i++) {
            n = old[i];

            /* rolled back nodes are dropped here */
            if (n == NULL || n->json == NULL) {
                continue;
            }

            j = apigw_sch_memo_slot(set, n->json, n->flags);

            while (table[j] != NULL) {
                j = (j + 1) & (size - 1);
            }

            table[j] = n;
            set->nnodes++;
        }

        free(old);
    }

    i = apigw_sch_memo_slot(set, node->json, node->flags);

    while (set->nodes[i] != NULL) {
        i = (i + 1) & (set->nodes_size - 1);
    }

    set->nodes[i] = node;
    set->nnodes++;

    return 0;
}


static void
apigw_sch_rollback(apigw_schema_set_t *set)
{
    size_t            i;
    apigw_sch_dyn_t  *dyn;

    for (dyn = set->dyns; dyn; dyn = dyn->next) {
        dyn->n = dyn->committed;
    }

    /* the nodes of a failed call stay in the table as tombstones */
    for (i = 0; i < set->nodes_size; i++) {
        if (set->nodes[i] != NULL && set->nodes[i]->gen == set->gen) {
            set->nodes[i]->json = NULL;
        }
    }
}


apigw_sch_dyn_t *
apigw_sch_dyn_get(apigw_sch_cctx_t *cc, const char *name)
{
    apigw_sch_dyn_t  *dyn;

    for (dyn = cc->set->dyns; dyn; dyn = dyn->next) {
        if (dyn->flags == cc->flags && strcmp(dyn->name, name) == 0) {
            return dyn;
        }
    }

    dyn = apigw_sch_alloc(cc->set, sizeof(apigw_sch_dyn_t));
    if (dyn == NULL) {
        apigw_sch_kw_fail(cc, "$dynamicRef", "out of memory");
        return NULL;
    }

    dyn->name = apigw_sch_strndup(cc->set, name, strlen(name));
    if (dyn->name == NULL) {
        apigw_sch_kw_fail(cc, "$dynamicRef", "out of memory");
        return NULL;
    }

    dyn->flags = cc->flags;
    dyn->next = cc->set->dyns;
    cc->set->dyns = dyn;

    return dyn;
}


static int
apigw_sch_drain(apigw_sch_cctx_t *cc, size_t *head)
{
    while (*head < cc->nwork) {
        cc->cur = cc->work[(*head)++];

        if (apigw_sch_compile_node(cc) != 0) {
            return -1;
        }
    }

    return 0;
}


/*
 * every resource that defines a $dynamicAnchor some dynamic $dynamicRef
 * names becomes a candidate of that $dynamicRef, compiled now
 */
static int
apigw_sch_dyn_finish(apigw_sch_cctx_t *cc, size_t *head)
{
    int                 added;
    size_t              i;
    apigw_sch_dyn_t    *dyn;
    apigw_sch_uri_t    *a;
    apigw_sch_node_t   *node;

    for ( ;; ) {
        if (apigw_sch_drain(cc, head) != 0) {
            return -1;
        }

        if (cc->set->dyns == NULL) {
            return 0;
        }

        added = 0;

        for (dyn = cc->set->dyns; dyn; dyn = dyn->next) {
            if (dyn->flags != cc->flags) {
                continue;
            }

            for (a = cc->set->dynamic_anchors; a; a = a->next_dynamic) {
                if (strcmp(a->name, dyn->name) != 0) {
                    continue;
                }

                for (i = 0; i < dyn->n && dyn->res[i] != a->res; i++) {
                    /* void */
                }

                if (i < dyn->n) {
                    continue;
                }

                node = apigw_sch_node_get(cc, a->json, a->res, a->doc,
                                          a->pointer);
                if (node == NULL) {
                    return -1;
                }

                if (dyn->n == dyn->cap) {
                    i = dyn->cap ? dyn->cap * 2 : 4;

                    if (apigw_sch_grow((void **) &dyn->res, i,
                                       sizeof(void *)) != 0
                        || apigw_sch_grow((void **) &dyn->nodes, i,
                                          sizeof(void *)) != 0)
                    {
                        return apigw_sch_fail(cc, a->doc, a->pointer, NULL,
                                              "out of memory");
                    }

                    dyn->cap = i;
                }

                dyn->res[dyn->n] = a->res;
                dyn->nodes[dyn->n++] = node;
                added = 1;
            }
        }

        if (!added && *head == cc->nwork) {
            return 0;
        }
    }
}


/* the k-th subschema applied to the same instance; 0 past the last */
static int
apigw_sch_edge(apigw_sch_node_t *node, size_t k, apigw_sch_node_t **child)
{
    size_t              i, n;
    apigw_sch_node_t  **list, *one[3];
    apigw_sch_check_t  *c;

    for (i = 0; i < node->nchecks; i++) {
        c = &node->checks[i];
        list = one;
        n = 1;

        switch (c->kind) {

        case APIGW_SCH_REF:
        case APIGW_SCH_NOT:
            one[0] = c->u.node;
            break;

        case APIGW_SCH_DYNAMIC_REF:
            if (k == 0) {
                *child = c->u.dynref.node;
                return 1;
            }

            k--;
            n = c->u.dynref.dyn ? c->u.dynref.dyn->n : 0;
            list = n ? c->u.dynref.dyn->nodes : NULL;
            break;

        case APIGW_SCH_ALL_OF:
        case APIGW_SCH_ANY_OF:
        case APIGW_SCH_ONE_OF:
            list = c->u.list.nodes;
            n = c->u.list.n;
            break;

        case APIGW_SCH_IF:
            one[0] = c->u.cond.cond;
            one[1] = c->u.cond.then;
            one[2] = c->u.cond.otherwise;
            n = 3;
            break;

        case APIGW_SCH_DEP_SCHEMAS:
            if (k < c->u.depsch.n) {
                *child = c->u.depsch.deps[k].node;
                return 1;
            }

            k -= c->u.depsch.n;
            continue;

        default:
            continue;
        }

        if (k < n) {
            *child = list[k];
            return 1;
        }

        k -= n;
    }

    return 0;
}


/*
 * a loop of in-place applicators ($ref, allOf, not, ...) would evaluate
 * the same instance for ever: refused.  Depth-first over the nodes of
 * this call (all nodes once $dynamicRef candidates can grow), iterative.
 */
static int
apigw_sch_cycles(apigw_sch_cctx_t *cc, apigw_sch_node_t *root)
{
    int                  rc;
    size_t               i, n, nstack, cap, total;
    unsigned             stamp;
    apigw_sch_work_t    *w;
    apigw_sch_node_t    *node, *child;
    apigw_schema_set_t  *set;
    struct {
        apigw_sch_node_t  *node;
        size_t             k;
    }                   *stack, frame;

    set = cc->set;
    stamp = set->gen;
    stack = NULL;
    nstack = 0;
    cap = 0;
    rc = 0;

    total = set->has_dynamic ? set->nodes_size : cc->nwork;

    for (i = 0; i < total && rc == 0; i++) {
        node = set->has_dynamic ? set->nodes[i] : cc->work[i].node;

        if (node == NULL || node->json == NULL || node->done == stamp) {
            continue;
        }

        frame.node = node;
        frame.k = 0;
        node->mark = stamp;

        if (apigw_sch_push((void **) &stack, &nstack, &cap, sizeof(frame),
                           &frame) != 0)
        {
            rc = apigw_sch_fail(cc, NULL, NULL, NULL, "out of memory");
            break;
        }

        while (nstack) {
            n = nstack - 1;

            if (!apigw_sch_edge(stack[n].node, stack[n].k++, &child)) {
                stack[n].node->done = stamp;
                nstack--;
                continue;
            }

            if (child == NULL || child->done == stamp
                || (!set->has_dynamic && child->gen != stamp))
            {
                continue;
            }

            if (child->mark == stamp) {
                w = (child->gen == stamp) ? &cc->work[child->work]
                                          : &cc->work[root->work];
                rc = apigw_sch_fail(cc, w->doc, w->pointer, NULL,
                                    "the schema applies itself to the same "
                                    "value without end ($ref loop)");
                break;
            }

            child->mark = stamp;
            frame.node = child;
            frame.k = 0;

            if (apigw_sch_push((void **) &stack, &nstack, &cap,
                               sizeof(frame), &frame) != 0)
            {
                rc = apigw_sch_fail(cc, NULL, NULL, NULL, "out of memory");
                break;
            }
        }
    }

    free(stack);

    return rc;
}


static int
apigw_sch_grow(void **array, size_t n, size_t size)
{
    void  *p;

    p = realloc(*array, n * size);
    if (p == NULL) {
        return -1;
    }

    *array = p;

    return 0;
}


static int
apigw_sch_push(void **stack, size_t *n, size_t *cap, size_t size,
    const void *item)
{
    size_t  c;

    if (*n == *cap) {
        c = *cap ? *cap * 2 : 64;

        if (apigw_sch_grow(stack, c, size) != 0) {
            return -1;
        }

        *cap = c;
    }

    memcpy((char *) *stack + *n * size, item, size);
    (*n)++;

    return 0;
}


apigw_schema_set_t *
apigw_schema_set_create(apigw_dialect_e dialect,
    apigw_schema_resolve_pt resolve, void *data)
{
    apigw_schema_set_t  *set;

    set = calloc(1, sizeof(apigw_schema_set_t));
    if (set == NULL) {
        return NULL;
    }

    set->dialect = dialect;
    set->resolve = resolve;
    set->data = data;

    /* one match data for every match: a worker validates one at a time */
    set->match_ctx = pcre2_match_context_create(NULL);
    set->match_data = pcre2_match_data_create(1, NULL);

    if (set->match_ctx == NULL || set->match_data == NULL) {
        apigw_schema_set_free(set);
        return NULL;
    }

    pcre2_set_match_limit(set->match_ctx, APIGW_SCH_MATCH_LIMIT);

    return set;
}


void
apigw_schema_set_warnings(apigw_schema_set_t *set, apigw_warnings_t *w,
    apigw_schema_locate_pt locate)
{
    set->warnings = w;
    set->locate = locate;
}


void
apigw_schema_set_free(apigw_schema_set_t *set)
{
    size_t              i;
    apigw_sch_doc_t    *doc;
    apigw_sch_dyn_t    *dyn;
    apigw_sch_block_t  *b, *next;

    if (set == NULL) {
        return;
    }

    for (doc = set->docs; doc; doc = doc->next) {
        json_decref(doc->root);
    }

    for (dyn = set->dyns; dyn; dyn = dyn->next) {
        free(dyn->res);
        free(dyn->nodes);
    }

    for (i = 0; i < set->nregexes; i++) {
        pcre2_code_free(set->regexes[i]);
    }

    free(set->regexes);
    free(set->uris);
    free(set->nodes);

    if (set->match_data != NULL) {
        pcre2_match_data_free(set->match_data);
    }

    if (set->match_ctx != NULL) {
        pcre2_match_context_free(set->match_ctx);
    }

    for (b = set->blocks; b; b = next) {
        next = b->next;
        free(b);
    }

    free(set);
}


apigw_schema_t *
apigw_schema_compile(apigw_schema_set_t *set, json_t *doc, const char *uri,
    const char *pointer, unsigned flags, apigw_error_t *err)
{
    char               *decoded;
    size_t              i, head;
    json_t             *json;
    apigw_sch_uri_t    *res, *base;
    apigw_sch_doc_t    *d;
    apigw_sch_node_t   *root;
    apigw_sch_dyn_t    *dyn;
    apigw_sch_cctx_t   *cc;
    apigw_schema_t     *schema;

    cc = calloc(1, sizeof(apigw_sch_cctx_t));
    if (cc == NULL) {
        if (err != NULL) {
            apigw_error_set(err, pointer, 0, "out of memory");
        }

        return NULL;
    }

    cc->set = set;
    cc->err = err;
    cc->flags = flags & (APIGW_SCHEMA_REQUEST | APIGW_SCHEMA_RESPONSE);
    cc->d4 = (set->dialect != APIGW_DIALECT_2020_12);
    cc->oas = (set->dialect == APIGW_DIALECT_OAS30);

    uri = uri ? uri : "";
    pointer = pointer ? pointer : "";
    schema = NULL;
    set->gen++;

    if (doc == NULL) {
        apigw_sch_fail(cc, NULL, pointer, NULL, "no document");
        goto failed;
    }

    for (d = set->docs; d && d->root != doc; d = d->next) {
        /* void */
    }

    if (d == NULL) {
        d = apigw_sch_doc_add(cc, uri, doc);
        if (d == NULL) {
            goto failed;
        }
    }

    res = apigw_sch_uri_find(set, d->uri);

    if (res == NULL || res->json != d->root) {
        res = apigw_sch_uri_get(set, d->uri);
        res = res ? apigw_sch_base(cc, d->root, res) : NULL;

        if (res == NULL) {
            apigw_sch_fail(cc, d, pointer, NULL, "out of memory");
            goto failed;
        }

    } else {
        res = res->res;
    }

    base = res;
    json = apigw_sch_walk(cc, d->root, &res, pointer);

    /* a pointer taken from a $ref's fragment may be percent-encoded */
    if (json == NULL && strchr(pointer, '%') != NULL) {
        decoded = strdup(pointer);

        if (decoded != NULL && apigw_uri_unescape(decoded) == 0) {
            res = base;
            json = apigw_sch_walk(cc, d->root, &res, decoded);
        }

        free(decoded);
    }

    if (json == NULL) {
        apigw_sch_fail(cc, d, pointer, NULL, "no such location");
        goto failed;
    }

    if (!json_is_object(json) && !json_is_boolean(json)) {
        apigw_sch_fail(cc, d, pointer, NULL,
                       "a schema must be an object or a boolean");
        goto failed;
    }

    root = apigw_sch_node_get(cc, json, res, d, pointer);
    if (root == NULL) {
        goto failed;
    }

    head = 0;

    if (apigw_sch_dyn_finish(cc, &head) != 0
        || apigw_sch_cycles(cc, root) != 0)
    {
        goto failed;
    }

    schema = apigw_sch_alloc(set, sizeof(apigw_schema_t));
    if (schema == NULL) {
        apigw_sch_fail(cc, d, pointer, NULL, "out of memory");
        goto failed;
    }

    schema->set = set;
    schema->root = root;

    for (dyn = set->dyns; dyn; dyn = dyn->next) {
        dyn->committed = dyn->n;
    }

    goto done;

failed:

    apigw_sch_rollback(set);

done:

    for (i = 0; i < cc->nwork; i++) {
        free(cc->work[i].pointer);
    }

    free(cc->work);
    free(cc);

    return schema;
}
