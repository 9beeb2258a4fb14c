
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"


/*
 * The schema compiler.  Each document is indexed when the set first sees
 * it ($id, $anchor, $dynamicAnchor, draft 4 "id"); then every schema
 * object reachable from the root becomes one node: an array of typed
 * checks decoded from its keywords, subschemas and $ref targets being
 * pointers to other nodes.  Nodes are memoized by (JSON value, flags), so
 * shared subschemas and $ref cycles compile once, and a work queue, not
 * recursion, walks the graph.  Everything lives in the set's blocks.
 */


#define APIGW_SCH_BLOCK_SIZE    16384
#define APIGW_SCH_MAX_CHECKS    40
#define APIGW_SCH_PTR_LEN       1024
#define APIGW_SCH_MAX_HOPS      16

#define APIGW_SCH_D4            0x1
#define APIGW_SCH_D2020         0x2
#define APIGW_SCH_ANY           0x3


struct apigw_sch_block_s {
    apigw_sch_block_t      *next;
    size_t                  used;
    size_t                  size;
};

#define APIGW_SCH_BLOCK_HDR                                                   \
    ((sizeof(apigw_sch_block_t) + 15) & ~(size_t) 15)


typedef struct {
    apigw_sch_node_t       *node;
    json_t                 *json;
    apigw_sch_uri_t        *res;            /* the base URI inside json */
    apigw_sch_doc_t        *doc;
    char                   *pointer;        /* malloc()ed */
} apigw_sch_work_t;

typedef struct {
    json_t                 *json;
    apigw_sch_uri_t        *res;
    apigw_sch_doc_t        *doc;
    char                    pointer[APIGW_SCH_PTR_LEN];
} apigw_sch_target_t;

typedef struct {
    apigw_schema_set_t     *set;
    apigw_error_t          *err;
    unsigned                flags;
    unsigned                d4:1;
    unsigned                oas:1;
    unsigned                failed:1;
    unsigned                probing:1;
    apigw_sch_work_t       *work;           /* every item of this call */
    size_t                  nwork;
    size_t                  cap;
    apigw_sch_work_t        cur;            /* the node being compiled */
    apigw_sch_check_t       checks[APIGW_SCH_MAX_CHECKS];
    unsigned                nchecks;
    char                    ptr[APIGW_SCH_PTR_LEN];
} apigw_sch_cctx_t;

typedef struct apigw_sch_kw_s  apigw_sch_kw_t;

typedef int (*apigw_sch_kw_pt)(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);

struct apigw_sch_kw_s {
    const char             *name;
    unsigned                dialects;
    apigw_sch_kw_pt         handler;
    apigw_sch_kind_e        kind;
};


static void *apigw_sch_alloc(apigw_schema_set_t *set, size_t size);
static char *apigw_sch_strndup(apigw_schema_set_t *set, const char *s,
    size_t len);
static int apigw_sch_fail(apigw_sch_cctx_t *cc, apigw_sch_doc_t *doc,
    const char *pointer, const char *kw, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static int apigw_sch_kw_fail(apigw_sch_cctx_t *cc, const char *kw,
    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void apigw_sch_ptr_add(char *buf, size_t size, const char *tok,
    size_t tlen);
static void apigw_sch_child_ptr(apigw_sch_cctx_t *cc, const char *kw,
    const char *key, size_t klen, long idx);
static apigw_sch_uri_t *apigw_sch_uri_find(apigw_schema_set_t *set,
    const char *key);
static apigw_sch_uri_t *apigw_sch_uri_get(apigw_schema_set_t *set,
    const char *key);
static apigw_sch_node_t *apigw_sch_memo_find(apigw_schema_set_t *set,
    const json_t *json, unsigned flags);
static int apigw_sch_memo_add(apigw_schema_set_t *set,
    apigw_sch_node_t *node);
static void apigw_sch_rollback(apigw_schema_set_t *set);
static apigw_sch_uri_t *apigw_sch_base(apigw_sch_cctx_t *cc, json_t *json,
    apigw_sch_uri_t *outer);
static int apigw_sch_anchor(apigw_sch_cctx_t *cc, apigw_sch_uri_t *res,
    const char *name, json_t *json, apigw_sch_doc_t *doc, const char *ptr,
    int dynamic);
static int apigw_sch_index(apigw_sch_cctx_t *cc, apigw_sch_doc_t *doc,
    json_t *json, apigw_sch_uri_t *outer, char *ptr, unsigned depth);
static apigw_sch_doc_t *apigw_sch_doc_add(apigw_sch_cctx_t *cc,
    const char *uri, json_t *root);
static json_t *apigw_sch_walk(apigw_sch_cctx_t *cc, json_t *json,
    apigw_sch_uri_t **res, const char *pointer);
static int apigw_sch_resolve(apigw_sch_cctx_t *cc, apigw_sch_uri_t *base,
    const char *ref, apigw_sch_target_t *t, const char *kw);
static apigw_sch_node_t *apigw_sch_node_get(apigw_sch_cctx_t *cc,
    json_t *json, apigw_sch_uri_t *res, apigw_sch_doc_t *doc,
    const char *pointer);
static apigw_sch_node_t *apigw_sch_sub(apigw_sch_cctx_t *cc, json_t *json,
    const char *kw, const char *key, size_t klen, long idx);
static int apigw_sch_compile_node(apigw_sch_cctx_t *cc);
static apigw_sch_check_t *apigw_sch_add(apigw_sch_cctx_t *cc,
    apigw_sch_kind_e kind, const char *kw);
static int apigw_sch_number(json_t *v, apigw_sch_num_t *n);
static int apigw_sch_count(json_t *v, size_t *n);
static int apigw_sch_regex(apigw_sch_cctx_t *cc, const char *src,
    size_t len, apigw_sch_re_t *re, const char *kw, const char *key);
static int apigw_sch_names(apigw_sch_cctx_t *cc, json_t *v, const char *kw,
    const char *key, json_t *props, apigw_sch_names_t *names);
static int apigw_sch_prop_flag(apigw_sch_cctx_t *cc, json_t *prop,
    const char *flag);
static int apigw_sch_kw_type(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_values(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_multiple(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_bound(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_count(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_pattern(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_format(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_items(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_contains(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_unique(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_required(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_properties(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_dependencies(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_single(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_ref(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_list(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_if(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static apigw_sch_dyn_t *apigw_sch_dyn_get(apigw_sch_cctx_t *cc,
    const char *name);
static int apigw_sch_drain(apigw_sch_cctx_t *cc, size_t *head);
static int apigw_sch_dyn_finish(apigw_sch_cctx_t *cc, size_t *head);
static int apigw_sch_edge(apigw_sch_node_t *node, size_t k,
    apigw_sch_node_t **child);
static int apigw_sch_cycles(apigw_sch_cctx_t *cc, apigw_sch_node_t *root);
static int apigw_sch_grow(void **array, size_t n, size_t size);
static int apigw_sch_push(void **stack, size_t *n, size_t *cap, size_t size,
    const void *item);


static const apigw_sch_kw_t  apigw_sch_keywords[] = {
    { "type", APIGW_SCH_ANY, apigw_sch_kw_type, APIGW_SCH_TYPE },
    { "enum", APIGW_SCH_ANY, apigw_sch_kw_values, APIGW_SCH_ENUM },
    { "const", APIGW_SCH_D2020, apigw_sch_kw_values, APIGW_SCH_CONST },
    { "multipleOf", APIGW_SCH_ANY, apigw_sch_kw_multiple,
      APIGW_SCH_MULTIPLE_OF },
    { "maximum", APIGW_SCH_ANY, apigw_sch_kw_bound, APIGW_SCH_MAXIMUM },
    { "minimum", APIGW_SCH_ANY, apigw_sch_kw_bound, APIGW_SCH_MINIMUM },
    { "maxLength", APIGW_SCH_ANY, apigw_sch_kw_count, APIGW_SCH_MAX_LENGTH },
    { "minLength", APIGW_SCH_ANY, apigw_sch_kw_count, APIGW_SCH_MIN_LENGTH },
    { "pattern", APIGW_SCH_ANY, apigw_sch_kw_pattern, APIGW_SCH_PATTERN },
    { "format", APIGW_SCH_ANY, apigw_sch_kw_format, APIGW_SCH_FORMAT },
    { "items", APIGW_SCH_ANY, apigw_sch_kw_items, APIGW_SCH_ITEMS },
    { "contains", APIGW_SCH_D2020, apigw_sch_kw_contains,
      APIGW_SCH_CONTAINS },
    { "maxItems", APIGW_SCH_ANY, apigw_sch_kw_count, APIGW_SCH_MAX_ITEMS },
    { "minItems", APIGW_SCH_ANY, apigw_sch_kw_count, APIGW_SCH_MIN_ITEMS },
    { "uniqueItems", APIGW_SCH_ANY, apigw_sch_kw_unique,
      APIGW_SCH_UNIQUE_ITEMS },
    { "maxProperties", APIGW_SCH_ANY, apigw_sch_kw_count,
      APIGW_SCH_MAX_PROPERTIES },
    { "minProperties", APIGW_SCH_ANY, apigw_sch_kw_count,
      APIGW_SCH_MIN_PROPERTIES },
    { "required", APIGW_SCH_ANY, apigw_sch_kw_required, APIGW_SCH_REQUIRED },
    { "properties", APIGW_SCH_ANY, apigw_sch_kw_properties,
      APIGW_SCH_PROPERTIES },
    { "dependencies", APIGW_SCH_D4, apigw_sch_kw_dependencies,
      APIGW_SCH_DEP_REQUIRED },
    { "dependentRequired", APIGW_SCH_D2020, apigw_sch_kw_dependencies,
      APIGW_SCH_DEP_REQUIRED },
    { "dependentSchemas", APIGW_SCH_D2020, apigw_sch_kw_dependencies,
      APIGW_SCH_DEP_SCHEMAS },
    { "propertyNames", APIGW_SCH_D2020, apigw_sch_kw_single,
      APIGW_SCH_PROPERTY_NAMES },
    { "$ref", APIGW_SCH_ANY, apigw_sch_kw_ref, APIGW_SCH_REF },
    { "$dynamicRef", APIGW_SCH_D2020, apigw_sch_kw_ref,
      APIGW_SCH_DYNAMIC_REF },
    { "allOf", APIGW_SCH_ANY, apigw_sch_kw_list, APIGW_SCH_ALL_OF },
    { "anyOf", APIGW_SCH_ANY, apigw_sch_kw_list, APIGW_SCH_ANY_OF },
    { "oneOf", APIGW_SCH_ANY, apigw_sch_kw_list, APIGW_SCH_ONE_OF },
    { "not", APIGW_SCH_ANY, apigw_sch_kw_single, APIGW_SCH_NOT },
    { "if", APIGW_SCH_D2020, apigw_sch_kw_if, APIGW_SCH_IF },
    { "unevaluatedItems", APIGW_SCH_D2020, apigw_sch_kw_single,
      APIGW_SCH_UNEVALUATED_ITEMS },
    { "unevaluatedProperties", APIGW_SCH_D2020, apigw_sch_kw_single,
      APIGW_SCH_UNEVALUATED_PROPERTIES }
};

/* values that are data, not schemas: not searched for identifiers */
static const char  *apigw_sch_data_keys[] = {
    "enum", "const", "default", "example", "examples", NULL
};


static void *
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


static char *
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


static int
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
static int
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
static void
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


static void
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


static apigw_sch_uri_t *
apigw_sch_uri_find(apigw_schema_set_t *set, const char *key)
{
    size_t            i;
    uint32_t          h;
    apigw_sch_uri_t  *u;

    if (set->uris_size == 0) {
        return NULL;
    }

    h = apigw_sch_name_hash(key, strlen(key));
    i = h & (set->uris_size - 1);

    while ((u = set->uris[i]) != NULL) {
        if (u->hash == h && strcmp(u->key, key) == 0) {
            return u;
        }

        i = (i + 1) & (set->uris_size - 1);
    }

    return NULL;
}


/* the entry for key, created empty when missing */
static apigw_sch_uri_t *
apigw_sch_uri_get(apigw_schema_set_t *set, const char *key)
{
    size_t             i, j, size;
    apigw_sch_uri_t   *u, **table;

    u = apigw_sch_uri_find(set, key);
    if (u != NULL) {
        return u;
    }

    if ((set->nuris + 1) * 2 > set->uris_size) {
        size = set->uris_size ? set->uris_size * 2 : 64;

        table = calloc(size, sizeof(apigw_sch_uri_t *));
        if (table == NULL) {
            return NULL;
        }

        for (i = 0; i < set->uris_size; i++) {
            if (set->uris[i] == NULL) {
                continue;
            }

            j = set->uris[i]->hash & (size - 1);

            while (table[j] != NULL) {
                j = (j + 1) & (size - 1);
            }

            table[j] = set->uris[i];
        }

        free(set->uris);
        set->uris = table;
        set->uris_size = size;
    }

    u = apigw_sch_alloc(set, sizeof(apigw_sch_uri_t));
    if (u == NULL) {
        return NULL;
    }

    u->key = apigw_sch_strndup(set, key, strlen(key));
    if (u->key == NULL) {
        return NULL;
    }

    u->hash = apigw_sch_name_hash(key, strlen(key));
    u->res = u;

    i = u->hash & (set->uris_size - 1);

    while (set->uris[i] != NULL) {
        i = (i + 1) & (set->uris_size - 1);
    }

    set->uris[i] = u;
    set->nuris++;

    return u;
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


/* the base URI inside a schema object: its $id (draft 4: id) applied */
static apigw_sch_uri_t *
apigw_sch_base(apigw_sch_cctx_t *cc, json_t *json, apigw_sch_uri_t *outer)
{
    char             *abs, *hash;
    json_t           *id;
    apigw_sch_uri_t  *u;

    if (!json_is_object(json)) {
        return outer;
    }

    if (cc->d4) {
        /* draft 4: a $ref's siblings, id among them, are ignored */
        id = json_object_get(json, "id");

        if (!json_is_string(id) || json_object_get(json, "$ref") != NULL) {
            return outer;
        }

    } else {
        id = json_object_get(json, "$id");

        if (!json_is_string(id)) {
            return outer;
        }
    }

    if (json_string_value(id)[0] == '#') {
        return outer;
    }

    abs = apigw_uri_resolve(outer->key, json_string_value(id));
    if (abs == NULL) {
        apigw_sch_fail(cc, NULL, NULL, NULL, "out of memory");
        return NULL;
    }

    hash = strchr(abs, '#');
    if (hash != NULL) {
        *hash = '\0';
    }

    u = apigw_sch_uri_get(cc->set, abs);
    free(abs);

    if (u == NULL) {
        apigw_sch_fail(cc, NULL, NULL, NULL, "out of memory");
    }

    return u;
}


static int
apigw_sch_anchor(apigw_sch_cctx_t *cc, apigw_sch_uri_t *res,
    const char *name, json_t *json, apigw_sch_doc_t *doc, const char *ptr,
    int dynamic)
{
    char             *key;
    size_t            len;
    apigw_sch_uri_t  *u;

    len = strlen(res->key);

    key = malloc(len + strlen(name) + 2);
    if (key == NULL) {
        return apigw_sch_fail(cc, doc, ptr, NULL, "out of memory");
    }

    memcpy(key, res->key, len);
    key[len] = '#';
    strcpy(key + len + 1, name);

    u = apigw_sch_uri_get(cc->set, key);
    free(key);

    if (u == NULL) {
        return apigw_sch_fail(cc, doc, ptr, NULL, "out of memory");
    }

    if (u->json == NULL) {
        u->json = json;
        u->doc = doc;
        u->res = res;
        u->pointer = apigw_sch_strndup(cc->set, ptr, strlen(ptr));

        if (u->pointer == NULL) {
            return apigw_sch_fail(cc, doc, ptr, NULL, "out of memory");
        }
    }

    if (dynamic && u->json == json && !u->dynamic) {
        u->dynamic = 1;
        u->name = u->key + len + 1;
        u->next_dynamic = cc->set->dynamic_anchors;
        cc->set->dynamic_anchors = u;
    }

    return 0;
}


/*
 * registers the resources ($id) and anchors under json: every member is
 * searched but values that are data (enum, const, default, examples), so
 * the schemas inside an OpenAPI document are found too
 */
static int
apigw_sch_index(apigw_sch_cctx_t *cc, apigw_sch_doc_t *doc, json_t *json,
    apigw_sch_uri_t *outer, char *ptr, unsigned depth)
{
    char              num[32];
    void             *it;
    size_t            i, len;
    json_t           *v;
    const char       *s, *key, **kw;
    apigw_sch_uri_t  *res;

    if (!json_is_object(json) && !json_is_array(json)) {
        return 0;
    }

    if (depth > APIGW_SCHEMA_MAX_DEPTH) {
        return apigw_sch_fail(cc, doc, ptr, NULL,
                              "the document nests deeper than %d levels",
                              APIGW_SCHEMA_MAX_DEPTH);
    }

    len = strlen(ptr);

    if (json_is_array(json)) {
        json_array_foreach(json, i, v) {
            snprintf(num, sizeof(num), "%zu", i);
            apigw_sch_ptr_add(ptr, APIGW_SCH_PTR_LEN, num, strlen(num));

            if (apigw_sch_index(cc, doc, v, outer, ptr, depth + 1) != 0) {
                return -1;
            }

            ptr[len] = '\0';
        }

        return 0;
    }

    res = apigw_sch_base(cc, json, outer);
    if (res == NULL) {
        return -1;
    }

    if (res != outer && res->json == NULL) {
        res->json = json;
        res->doc = doc;
        res->res = res;
        res->pointer = apigw_sch_strndup(cc->set, ptr, len);

        if (res->pointer == NULL) {
            return apigw_sch_fail(cc, doc, ptr, NULL, "out of memory");
        }
    }

    if (cc->d4) {
        v = json_object_get(json, "id");
        s = json_is_string(v) ? strchr(json_string_value(v), '#') : NULL;

        if (s != NULL && s[1] != '\0' && json_object_get(json, "$ref") == NULL
            && apigw_sch_anchor(cc, res, s + 1, json, doc, ptr, 0) != 0)
        {
            return -1;
        }

    } else {
        v = json_object_get(json, "$anchor");

        if (json_is_string(v)
            && apigw_sch_anchor(cc, res, json_string_value(v), json, doc,
                                ptr, 0) != 0)
        {
            return -1;
        }

        v = json_object_get(json, "$dynamicAnchor");

        if (json_is_string(v)
            && apigw_sch_anchor(cc, res, json_string_value(v), json, doc,
                                ptr, 1) != 0)
        {
            return -1;
        }
    }

    for (it = json_object_iter(json); it; it = json_object_iter_next(json, it))
    {
        key = json_object_iter_key(it);

        for (kw = apigw_sch_data_keys; *kw; kw++) {
            if (strcmp(key, *kw) == 0) {
                break;
            }
        }

        if (*kw != NULL) {
            continue;
        }

        apigw_sch_ptr_add(ptr, APIGW_SCH_PTR_LEN, key,
                          json_object_iter_key_len(it));

        if (apigw_sch_index(cc, doc, json_object_iter_value(it), res, ptr,
                            depth + 1) != 0)
        {
            return -1;
        }

        ptr[len] = '\0';
    }

    return 0;
}


static apigw_sch_doc_t *
apigw_sch_doc_add(apigw_sch_cctx_t *cc, const char *uri, json_t *root)
{
    char             *p, ptr[APIGW_SCH_PTR_LEN];
    apigw_sch_uri_t  *u;
    apigw_sch_doc_t  *doc;

    doc = apigw_sch_alloc(cc->set, sizeof(apigw_sch_doc_t));
    if (doc == NULL) {
        apigw_sch_fail(cc, NULL, NULL, NULL, "out of memory");
        return NULL;
    }

    doc->uri = apigw_sch_strndup(cc->set, uri, strlen(uri));
    if (doc->uri == NULL) {
        apigw_sch_fail(cc, NULL, NULL, NULL, "out of memory");
        return NULL;
    }

    p = strchr(doc->uri, '#');
    if (p != NULL) {
        *p = '\0';
    }

    doc->root = json_incref(root);
    doc->next = cc->set->docs;
    cc->set->docs = doc;

    u = apigw_sch_uri_get(cc->set, doc->uri);
    if (u == NULL) {
        apigw_sch_fail(cc, doc, "", NULL, "out of memory");
        return NULL;
    }

    if (u->json != NULL) {
        apigw_sch_fail(cc, doc, "", NULL, "another document is already "
                       "known as \"%s\"", doc->uri);
        return NULL;
    }

    u->json = root;
    u->doc = doc;
    u->pointer = "";
    u->res = apigw_sch_base(cc, root, u);

    if (u->res == NULL) {
        return NULL;
    }

    ptr[0] = '\0';

    if (apigw_sch_index(cc, doc, root, u, ptr, 0) != 0) {
        return NULL;
    }

    return doc;
}


/* a JSON pointer from json; res follows the $ids on the way */
static json_t *
apigw_sch_walk(apigw_sch_cctx_t *cc, json_t *json, apigw_sch_uri_t **res,
    const char *pointer)
{
    char              *tok;
    size_t             n, idx;
    const char        *p;
    apigw_sch_uri_t   *r;

    tok = malloc(strlen(pointer) + 1);
    if (tok == NULL) {
        return NULL;
    }

    p = pointer;

    while (*p && json != NULL) {
        if (*p++ != '/') {
            json = NULL;
            break;
        }

        for (n = 0; *p && *p != '/'; p++) {
            if (*p == '~') {
                if (p[1] != '0' && p[1] != '1') {
                    n = 0;
                    json = NULL;
                    break;
                }

                tok[n++] = (*++p == '0') ? '~' : '/';

            } else {
                tok[n++] = *p;
            }
        }

        if (json == NULL) {
            break;
        }

        if (json_is_object(json)) {
            json = json_object_getn(json, tok, n);

        } else if (json_is_array(json) && n > 0 && n < 19
                   && (n == 1 || tok[0] != '0'))
        {
            for (idx = 0; n; n--) {
                if (tok[idx] < '0' || tok[idx] > '9') {
                    break;
                }

                idx++;
            }

            if (n) {
                json = NULL;

            } else {
                tok[idx] = '\0';
                json = json_array_get(json, strtoul(tok, NULL, 10));
            }

        } else {
            json = NULL;
        }

        if (json != NULL) {
            r = apigw_sch_base(cc, json, *res);

            if (r == NULL) {
                json = NULL;

            } else {
                *res = r;
            }
        }
    }

    free(tok);

    return json;
}


static int
apigw_sch_resolve(apigw_sch_cctx_t *cc, apigw_sch_uri_t *base,
    const char *ref, apigw_sch_target_t *t, const char *kw)
{
    int                     rc;
    char                   *abs, *frag, *key, errbuf[APIGW_ERR_LEN];
    json_t                 *root;
    apigw_sch_uri_t        *u, *res;
    apigw_schema_set_t     *set;

    set = cc->set;

    abs = apigw_uri_resolve(base->key, ref);
    if (abs == NULL) {
        return apigw_sch_kw_fail(cc, kw, "\"%s\": out of memory", ref);
    }

    key = NULL;
    rc = -1;

    frag = strchr(abs, '#');
    if (frag != NULL) {
        *frag++ = '\0';
    }

    u = apigw_sch_uri_find(set, abs);

    if (u == NULL || u->json == NULL) {
        errbuf[0] = '\0';
        root = set->resolve ? set->resolve(set->data, abs, errbuf,
                                           sizeof(errbuf))
                            : NULL;

        if (root == NULL) {
            apigw_sch_kw_fail(cc, kw, "\"%s\": cannot load \"%s\": %s", ref,
                              abs, errbuf[0] ? errbuf : "unknown document");
            goto done;
        }

        if (apigw_sch_doc_add(cc, abs, root) == NULL) {
            goto done;
        }

        u = apigw_sch_uri_find(set, abs);

        if (u == NULL || u->json == NULL) {
            apigw_sch_kw_fail(cc, kw, "\"%s\": not found", ref);
            goto done;
        }
    }

    if (frag != NULL && apigw_uri_unescape(frag) != 0) {
        apigw_sch_kw_fail(cc, kw, "\"%s\": bad percent-escape", ref);
        goto done;
    }

    if (frag == NULL || frag[0] == '\0') {
        t->json = u->json;
        t->res = u->res;
        t->doc = u->doc;
        snprintf(t->pointer, sizeof(t->pointer), "%s", u->pointer);

    } else if (frag[0] == '/') {
        res = u->res;
        t->json = apigw_sch_walk(cc, u->json, &res, frag);

        if (t->json == NULL) {
            apigw_sch_kw_fail(cc, kw, "\"%s\": no \"%s\" in \"%s\"", ref,
                              frag, abs);
            goto done;
        }

        t->res = res;
        t->doc = u->doc;
        snprintf(t->pointer, sizeof(t->pointer), "%s%s", u->pointer, frag);

    } else {
        key = malloc(strlen(abs) + strlen(frag) + 2);
        if (key == NULL) {
            apigw_sch_kw_fail(cc, kw, "\"%s\": out of memory", ref);
            goto done;
        }

        sprintf(key, "%s#%s", abs, frag);

        u = apigw_sch_uri_find(set, key);

        if (u == NULL || u->json == NULL) {
            apigw_sch_kw_fail(cc, kw, "\"%s\": no anchor \"%s\" in \"%s\"",
                              ref, frag, abs);
            goto done;
        }

        t->json = u->json;
        t->res = u->res;
        t->doc = u->doc;
        snprintf(t->pointer, sizeof(t->pointer), "%s", u->pointer);
    }

    rc = 0;

done:

    free(key);
    free(abs);

    return rc;
}


static apigw_sch_node_t *
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
static apigw_sch_node_t *
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


static apigw_sch_check_t *
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


static int
apigw_sch_compile_node(apigw_sch_cctx_t *cc)
{
    size_t              i;
    json_t             *json;
    unsigned            dialect;
    apigw_sch_node_t   *node;
    apigw_sch_check_t  *c;

    json = cc->cur.json;
    node = cc->cur.node;
    cc->nchecks = 0;

    if (json_is_true(json)) {
        return 0;
    }

    if (json_is_false(json)) {
        node->is_false = 1;
        (void) apigw_sch_add(cc, APIGW_SCH_FALSE, "false");

    } else if (!json_is_object(json)) {
        return apigw_sch_fail(cc, cc->cur.doc, cc->cur.pointer, NULL,
                              "a schema must be an object or a boolean");

    } else if (cc->d4 && json_object_get(json, "$ref") != NULL) {
        /* draft 4: $ref replaces the whole schema */
        for (i = 0; strcmp(apigw_sch_keywords[i].name, "$ref") != 0; i++) {
            /* void */
        }

        if (apigw_sch_kw_ref(cc, json, &apigw_sch_keywords[i]) != 0) {
            return -1;
        }

    } else {
        dialect = cc->d4 ? APIGW_SCH_D4 : APIGW_SCH_D2020;

        for (i = 0; i < sizeof(apigw_sch_keywords) / sizeof(apigw_sch_kw_t);
             i++)
        {
            if ((apigw_sch_keywords[i].dialects & dialect)
                && apigw_sch_keywords[i].handler(cc, json,
                                                 &apigw_sch_keywords[i])
                   != 0)
            {
                return -1;
            }
        }
    }

    if (cc->nchecks == 0) {
        return 0;
    }

    c = apigw_sch_alloc(cc->set, cc->nchecks * sizeof(apigw_sch_check_t));
    if (c == NULL) {
        return apigw_sch_fail(cc, cc->cur.doc, cc->cur.pointer, NULL,
                              "out of memory");
    }

    memcpy(c, cc->checks, cc->nchecks * sizeof(apigw_sch_check_t));
    node->checks = c;
    node->nchecks = cc->nchecks;

    return 0;
}


static int
apigw_sch_number(json_t *v, apigw_sch_num_t *n)
{
    memset(n, 0, sizeof(apigw_sch_num_t));

    if (json_is_integer(v)) {
        n->i = json_integer_value(v);
        n->d = (double) n->i;
        n->is_int = 1;
        return 0;
    }

    if (json_is_real(v)) {
        n->d = json_real_value(v);
        return 0;
    }

    return -1;
}


/* a non-negative integer; 2.0 too */
static int
apigw_sch_count(json_t *v, size_t *n)
{
    double  d;

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *n = (size_t) json_integer_value(v);
        return 0;
    }

    if (json_is_real(v)) {
        d = json_real_value(v);

        if (d >= 0 && d < 9007199254740992.0 && d == (double) (size_t) d) {
            *n = (size_t) d;
            return 0;
        }
    }

    return -1;
}


static int
apigw_sch_regex(apigw_sch_cctx_t *cc, const char *src, size_t len,
    apigw_sch_re_t *re, const char *kw, const char *key)
{
    int                  rc;
    char                *pattern;
    size_t               off, cap, plen;
    PCRE2_UCHAR          msg[256];
    pcre2_code          *code, **regexes;
    apigw_schema_set_t  *set;

    set = cc->set;

    pattern = apigw_regex_ecma(src, len, &plen);
    if (pattern == NULL) {
        return apigw_sch_kw_fail(cc, kw, "out of memory");
    }

    code = pcre2_compile((PCRE2_SPTR) pattern, plen,
                         PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX,
                         &rc, &off, NULL);
    free(pattern);

    if (code == NULL) {
        pcre2_get_error_message(rc, msg, sizeof(msg));
        apigw_sch_child_ptr(cc, kw, key, key ? strlen(key) : 0, -1);

        return apigw_sch_fail(cc, cc->cur.doc, cc->ptr, NULL,
                              "%s: invalid regular expression at offset "
                              "%zu: %s", kw, off, (char *) msg);
    }

    if (set->nregexes == set->regexes_cap) {
        cap = set->regexes_cap ? set->regexes_cap * 2 : 16;

        regexes = realloc(set->regexes, cap * sizeof(pcre2_code *));
        if (regexes == NULL) {
            pcre2_code_free(code);
            return apigw_sch_kw_fail(cc, kw, "out of memory");
        }

        set->regexes = regexes;
        set->regexes_cap = cap;
    }

    set->regexes[set->nregexes++] = code;

    /* no JIT (or no executable memory): the interpreter does it */
    (void) pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);

    re->code = code;
    re->src = apigw_sch_strndup(set, src, len);

    if (re->src == NULL) {
        return apigw_sch_kw_fail(cc, kw, "out of memory");
    }

    return 0;
}


static int
apigw_sch_kw_type(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    size_t              i, j;
    json_t             *v, *e;
    unsigned            types, bit;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    types = 0;

    if (json_is_string(v) || json_is_array(v)) {
        for (i = 0; i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
            e = json_is_array(v) ? json_array_get(v, i) : v;
            bit = 0;

            for (j = 0; j < 7 && json_is_string(e); j++) {
                if (strcmp(json_string_value(e), apigw_sch_types[j]) == 0) {
                    bit = 1u << j;
                }
            }

            if (bit == 0) {
                return apigw_sch_kw_fail(cc, kw->name,
                                         "must name JSON Schema types");
            }

            types |= bit;
        }

    } else {
        return apigw_sch_kw_fail(cc, kw->name,
                                 "must be a string or an array of strings");
    }

    /* OpenAPI 3.0: nullable adds null to an explicit type */
    if (cc->oas && json_is_true(json_object_get(s, "nullable"))) {
        types |= APIGW_SCH_T_NULL;
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.types = types;

    return 0;
}


/* enum and const */
static int
apigw_sch_kw_values(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    size_t              i, n;
    json_t             *v;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    n = 1;

    if (kw->kind == APIGW_SCH_ENUM) {
        if (!json_is_array(v)) {
            return apigw_sch_kw_fail(cc, kw->name, "must be an array");
        }

        n = json_array_size(v);
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.values.value = v;
    c->u.values.n = n;
    c->u.values.hashes = apigw_sch_alloc(cc->set, (n + 1) * sizeof(uint64_t));

    if (c->u.values.hashes == NULL) {
        return apigw_sch_kw_fail(cc, kw->name, "out of memory");
    }

    for (i = 0; i < n; i++) {
        c->u.values.hashes[i] = apigw_sch_json_hash(
                                   json_is_array(v) && kw->kind
                                   == APIGW_SCH_ENUM ? json_array_get(v, i)
                                                     : v);
    }

    return 0;
}


static int
apigw_sch_kw_multiple(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    json_t             *v;
    apigw_sch_num_t     num;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (apigw_sch_number(v, &num) != 0 || !(num.d > 0)) {
        return apigw_sch_kw_fail(cc, kw->name,
                                 "must be a number greater than 0");
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.num = num;

    return 0;
}


/*
 * maximum and minimum: draft 4's boolean exclusiveMaximum modifies
 * maximum; 2020-12's exclusiveMaximum is a bound of its own
 */
static int
apigw_sch_kw_bound(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    json_t             *v, *x;
    const char         *ex;
    apigw_sch_num_t     num;
    apigw_sch_check_t  *c;

    ex = (kw->kind == APIGW_SCH_MAXIMUM) ? "exclusiveMaximum"
                                         : "exclusiveMinimum";

    v = json_object_get(s, kw->name);
    x = json_object_get(s, ex);

    if (v != NULL) {
        if (apigw_sch_number(v, &num) != 0) {
            return apigw_sch_kw_fail(cc, kw->name, "must be a number");
        }

        c = apigw_sch_add(cc, kw->kind, kw->name);
        c->u.num = num;

        if (cc->d4 && x != NULL) {
            if (!json_is_boolean(x)) {
                return apigw_sch_kw_fail(cc, ex, "must be a boolean");
            }

            if (json_is_true(x)) {
                c->exclusive = 1;
                c->keyword = ex;
            }
        }
    }

    if (!cc->d4 && x != NULL) {
        if (apigw_sch_number(x, &num) != 0) {
            return apigw_sch_kw_fail(cc, ex, "must be a number");
        }

        c = apigw_sch_add(cc, kw->kind, ex);
        c->u.num = num;
        c->exclusive = 1;
    }

    return 0;
}


static int
apigw_sch_kw_count(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    size_t   n;
    json_t  *v;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (apigw_sch_count(v, &n) != 0) {
        return apigw_sch_kw_fail(cc, kw->name,
                                 "must be a non-negative integer");
    }

    apigw_sch_add(cc, kw->kind, kw->name)->u.count = n;

    return 0;
}


static int
apigw_sch_kw_pattern(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    json_t             *v;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_string(v)) {
        return apigw_sch_kw_fail(cc, kw->name, "must be a string");
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);

    return apigw_sch_regex(cc, json_string_value(v), json_string_length(v),
                           &c->u.re, kw->name, NULL);
}


static int
apigw_sch_kw_format(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    int      format;
    json_t  *v;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_string(v)) {
        return apigw_sch_kw_fail(cc, kw->name, "must be a string");
    }

    /* unknown formats are annotations */
    format = apigw_format_lookup(json_string_value(v));

    if (format != APIGW_FMT_NONE) {
        apigw_sch_add(cc, kw->kind, kw->name)->u.format = format;
    }

    return 0;
}


/* draft 4: items (schema or array) + additionalItems; 2020-12: prefixItems
 * + items */
static int
apigw_sch_kw_items(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    size_t              i;
    json_t             *items, *prefix, *rest, *e;
    const char         *pkw;
    apigw_sch_check_t  *c;

    items = json_object_get(s, "items");

    if (cc->d4) {
        prefix = json_is_array(items) ? items : NULL;
        rest = prefix ? json_object_get(s, "additionalItems") : items;
        pkw = "items";

    } else {
        prefix = json_object_get(s, "prefixItems");
        rest = items;
        pkw = "prefixItems";

        if (prefix != NULL && !json_is_array(prefix)) {
            return apigw_sch_kw_fail(cc, pkw, "must be an array of schemas");
        }

        if (json_is_array(items)) {
            return apigw_sch_kw_fail(cc, "items", "must be a schema (an "
                                     "array of schemas is prefixItems)");
        }
    }

    if (prefix == NULL && rest == NULL) {
        return 0;
    }

    c = apigw_sch_add(cc, kw->kind, prefix ? pkw : "items");

    if (prefix != NULL) {
        c->u.list.n = json_array_size(prefix);
        c->u.list.nodes = apigw_sch_alloc(cc->set, (c->u.list.n + 1)
                                                   * sizeof(void *));
        if (c->u.list.nodes == NULL) {
            return apigw_sch_kw_fail(cc, pkw, "out of memory");
        }

        json_array_foreach(prefix, i, e) {
            c->u.list.nodes[i] = apigw_sch_sub(cc, e, pkw, NULL, 0, i);

            if (c->u.list.nodes[i] == NULL) {
                return -1;
            }
        }
    }

    if (rest != NULL) {
        c->u.list.rest_keyword = (prefix && cc->d4) ? "additionalItems"
                                                    : "items";
        c->u.list.rest = apigw_sch_sub(cc, rest, c->u.list.rest_keyword,
                                       NULL, 0, -1);
        if (c->u.list.rest == NULL) {
            return -1;
        }
    }

    return 0;
}


static int
apigw_sch_kw_contains(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    json_t             *v, *min, *max;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.contains.min = 1;
    c->u.contains.max = (size_t) -1;

    min = json_object_get(s, "minContains");
    max = json_object_get(s, "maxContains");

    if (min != NULL) {
        if (apigw_sch_count(min, &c->u.contains.min) != 0) {
            return apigw_sch_kw_fail(cc, "minContains",
                                     "must be a non-negative integer");
        }

        c->explicit_min = 1;
    }

    if (max != NULL && apigw_sch_count(max, &c->u.contains.max) != 0) {
        return apigw_sch_kw_fail(cc, "maxContains",
                                 "must be a non-negative integer");
    }

    c->u.contains.node = apigw_sch_sub(cc, v, kw->name, NULL, 0, -1);

    return c->u.contains.node ? 0 : -1;
}


static int
apigw_sch_kw_unique(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    json_t  *v;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_boolean(v)) {
        return apigw_sch_kw_fail(cc, kw->name, "must be a boolean");
    }

    if (json_is_true(v)) {
        (void) apigw_sch_add(cc, kw->kind, kw->name);
    }

    return 0;
}


/*
 * an array of property names; with props, the names of readOnly
 * (APIGW_SCHEMA_REQUEST) or writeOnly (APIGW_SCHEMA_RESPONSE) properties
 * are left out
 */
static int
apigw_sch_names(apigw_sch_cctx_t *cc, json_t *v, const char *kw,
    const char *key, json_t *props, apigw_sch_names_t *names)
{
    size_t       i, n;
    json_t      *e, *prop;
    const char  *name;

    if (!json_is_array(v)) {
        apigw_sch_child_ptr(cc, kw, key, key ? strlen(key) : 0, -1);
        return apigw_sch_fail(cc, cc->cur.doc, cc->ptr, NULL,
                              "%s: must be an array of strings", kw);
    }

    n = json_array_size(v);
    names->n = 0;
    names->names = apigw_sch_alloc(cc->set, (n + 1) * sizeof(char *));
    names->lens = apigw_sch_alloc(cc->set, (n + 1) * sizeof(size_t));

    if (names->names == NULL || names->lens == NULL) {
        return apigw_sch_kw_fail(cc, kw, "out of memory");
    }

    json_array_foreach(v, i, e) {
        if (!json_is_string(e)) {
            apigw_sch_child_ptr(cc, kw, key, key ? strlen(key) : 0, -1);
            return apigw_sch_fail(cc, cc->cur.doc, cc->ptr, NULL,
                                  "%s: must be an array of strings", kw);
        }

        name = json_string_value(e);
        prop = props ? json_object_get(props, name) : NULL;

        if (prop != NULL
            && (((cc->flags & APIGW_SCHEMA_REQUEST)
                 && apigw_sch_prop_flag(cc, prop, "readOnly"))
                || ((cc->flags & APIGW_SCHEMA_RESPONSE)
                    && apigw_sch_prop_flag(cc, prop, "writeOnly"))))
        {
            continue;
        }

        names->names[names->n] = apigw_sch_strndup(cc->set, name,
                                                   json_string_length(e));
        names->lens[names->n] = json_string_length(e);

        if (names->names[names->n++] == NULL) {
            return apigw_sch_kw_fail(cc, kw, "out of memory");
        }
    }

    return 0;
}


/* "readOnly: true" on a property schema, or on what its $ref leads to */
static int
apigw_sch_prop_flag(apigw_sch_cctx_t *cc, json_t *prop, const char *flag)
{
    int                  rc, hops;
    json_t              *v;
    apigw_sch_uri_t     *res;
    apigw_sch_target_t  *t;

    t = malloc(sizeof(apigw_sch_target_t));
    if (t == NULL) {
        return 0;
    }

    res = cc->cur.res;
    rc = 0;

    for (hops = 0; hops < APIGW_SCH_MAX_HOPS && json_is_object(prop); hops++)
    {
        v = json_object_get(prop, flag);

        if (v != NULL) {
            rc = json_is_true(v);
            break;
        }

        v = json_object_get(prop, "$ref");

        if (!json_is_string(v)) {
            break;
        }

        /* an unresolvable $ref fails when the property is compiled */
        cc->probing = 1;
        res = apigw_sch_base(cc, prop, res);

        if (res == NULL
            || apigw_sch_resolve(cc, res, json_string_value(v), t, "$ref")
               != 0)
        {
            break;
        }

        cc->probing = 0;
        prop = t->json;
        res = t->res;
    }

    cc->probing = 0;
    cc->failed = 0;
    free(t);

    return rc;
}


static int
apigw_sch_kw_required(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    json_t             *v;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);

    if (apigw_sch_names(cc, v, kw->name, NULL,
                        json_object_get(s, "properties"), &c->u.required)
        != 0)
    {
        return -1;
    }

    if (c->u.required.n == 0) {
        cc->nchecks--;
    }

    return 0;
}


/* properties, patternProperties, additionalProperties: one check */
static int
apigw_sch_kw_properties(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    size_t              i, n, klen;
    void               *it;
    json_t             *p, *pp, *ap;
    const char         *key;
    apigw_sch_prop_t   *e;
    apigw_sch_props_t  *props;

    p = json_object_get(s, "properties");
    pp = json_object_get(s, "patternProperties");
    ap = json_object_get(s, "additionalProperties");

    if (p == NULL && pp == NULL && ap == NULL) {
        return 0;
    }

    if ((p && !json_is_object(p)) || (pp && !json_is_object(pp))) {
        return apigw_sch_kw_fail(cc, (p && !json_is_object(p))
                                     ? "properties" : "patternProperties",
                                 "must be an object");
    }

    props = apigw_sch_alloc(cc->set, sizeof(apigw_sch_props_t));
    if (props == NULL) {
        return apigw_sch_kw_fail(cc, kw->name, "out of memory");
    }

    apigw_sch_add(cc, kw->kind, kw->name)->u.props = props;

    if (p != NULL && json_object_size(p) > 0) {
        for (n = 4; n < json_object_size(p) * 2; n *= 2) {
            /* void */
        }

        props->size = n;
        props->table = apigw_sch_alloc(cc->set, n * sizeof(apigw_sch_prop_t));

        if (props->table == NULL) {
            return apigw_sch_kw_fail(cc, kw->name, "out of memory");
        }

        for (it = json_object_iter(p); it; it = json_object_iter_next(p, it))
        {
            key = json_object_iter_key(it);
            klen = json_object_iter_key_len(it);
            i = apigw_sch_name_hash(key, klen) & (n - 1);

            while (props->table[i].name != NULL) {
                i = (i + 1) & (n - 1);
            }

            e = &props->table[i];
            e->name = apigw_sch_strndup(cc->set, key, klen);
            e->len = klen;
            e->hash = apigw_sch_name_hash(key, klen);
            e->node = apigw_sch_sub(cc, json_object_iter_value(it),
                                    "properties", key, klen, -1);

            if (e->name == NULL || e->node == NULL) {
                return apigw_sch_kw_fail(cc, kw->name, "out of memory");
            }
        }
    }

    if (pp != NULL && json_object_size(pp) > 0) {
        n = json_object_size(pp);
        props->patterns = apigw_sch_alloc(cc->set, n * sizeof(apigw_sch_re_t));
        props->pattern_nodes = apigw_sch_alloc(cc->set, n * sizeof(void *));

        if (props->patterns == NULL || props->pattern_nodes == NULL) {
            return apigw_sch_kw_fail(cc, kw->name, "out of memory");
        }

        for (it = json_object_iter(pp); it;
             it = json_object_iter_next(pp, it))
        {
            key = json_object_iter_key(it);
            klen = json_object_iter_key_len(it);
            i = props->npatterns++;

            if (apigw_sch_regex(cc, key, klen, &props->patterns[i],
                                "patternProperties", key) != 0)
            {
                return -1;
            }

            props->pattern_nodes[i] = apigw_sch_sub(cc,
                                          json_object_iter_value(it),
                                          "patternProperties", key, klen, -1);
            if (props->pattern_nodes[i] == NULL) {
                return -1;
            }
        }
    }

    if (ap != NULL) {
        props->additional = apigw_sch_sub(cc, ap, "additionalProperties",
                                          NULL, 0, -1);
        if (props->additional == NULL) {
            return -1;
        }
    }

    return 0;
}


/*
 * draft 4 dependencies (arrays and schemas), 2020-12 dependentRequired
 * (arrays) and dependentSchemas (schemas)
 */
static int
apigw_sch_kw_dependencies(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    int                 schemas;
    void               *it;
    size_t              n, k, klen;
    json_t             *v, *e;
    const char         *key;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_object(v)) {
        return apigw_sch_kw_fail(cc, kw->name, "must be an object");
    }

    for (schemas = 0; schemas <= 1; schemas++) {
        n = 0;

        for (it = json_object_iter(v); it; it = json_object_iter_next(v, it))
        {
            e = json_object_iter_value(it);

            if (kw->kind == APIGW_SCH_DEP_REQUIRED && !cc->d4
                && !json_is_array(e))
            {
                return apigw_sch_kw_fail(cc, kw->name,
                                         "values must be arrays");
            }

            n += (json_is_array(e) != schemas);
        }

        if (n == 0 || (!cc->d4 && (kw->kind == APIGW_SCH_DEP_SCHEMAS)
                                  != schemas))
        {
            continue;
        }

        c = apigw_sch_add(cc, schemas ? APIGW_SCH_DEP_SCHEMAS
                                      : APIGW_SCH_DEP_REQUIRED, kw->name);

        if (schemas) {
            c->u.depsch.deps = apigw_sch_alloc(cc->set,
                                               n * sizeof(apigw_sch_prop_t));
        } else {
            c->u.depreq.deps = apigw_sch_alloc(cc->set,
                                               n * sizeof(apigw_sch_dep_t));
        }

        if (c->u.depsch.deps == NULL && c->u.depreq.deps == NULL) {
            return apigw_sch_kw_fail(cc, kw->name, "out of memory");
        }

        k = 0;

        for (it = json_object_iter(v); it; it = json_object_iter_next(v, it))
        {
            e = json_object_iter_value(it);
            key = json_object_iter_key(it);
            klen = json_object_iter_key_len(it);

            if (json_is_array(e) == schemas) {
                continue;
            }

            if (schemas) {
                c->u.depsch.deps[k].name = apigw_sch_strndup(cc->set, key,
                                                             klen);
                c->u.depsch.deps[k].len = klen;
                c->u.depsch.deps[k].node = apigw_sch_sub(cc, e, kw->name,
                                                         key, klen, -1);
                if (c->u.depsch.deps[k].node == NULL) {
                    return -1;
                }

            } else {
                c->u.depreq.deps[k].name = apigw_sch_strndup(cc->set, key,
                                                             klen);
                c->u.depreq.deps[k].len = klen;

                if (apigw_sch_names(cc, e, kw->name, key, NULL,
                                    &c->u.depreq.deps[k].required) != 0)
                {
                    return -1;
                }
            }

            k++;
        }

        c->u.depreq.n = k;
    }

    return 0;
}


/* not, propertyNames, unevaluatedItems, unevaluatedProperties */
static int
apigw_sch_kw_single(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    json_t            *v;
    apigw_sch_node_t  *node;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    node = apigw_sch_sub(cc, v, kw->name, NULL, 0, -1);
    if (node == NULL) {
        return -1;
    }

    apigw_sch_add(cc, kw->kind, kw->name)->u.node = node;

    if (kw->kind == APIGW_SCH_UNEVALUATED_ITEMS
        || kw->kind == APIGW_SCH_UNEVALUATED_PROPERTIES)
    {
        cc->cur.node->uneval = 1;
    }

    return 0;
}


/*
 * $ref and $dynamicRef; a $dynamicRef whose fragment names the
 * $dynamicAnchor it lands on is resolved again in the dynamic scope
 * when validating
 */
static int
apigw_sch_kw_ref(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    int                  rc;
    char                *name;
    json_t              *v, *anchor;
    apigw_sch_node_t    *node;
    apigw_sch_check_t   *c;
    apigw_sch_target_t  *t;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_string(v)) {
        return apigw_sch_kw_fail(cc, kw->name, "must be a string");
    }

    t = malloc(sizeof(apigw_sch_target_t));
    if (t == NULL) {
        return apigw_sch_kw_fail(cc, kw->name, "out of memory");
    }

    rc = -1;

    if (apigw_sch_resolve(cc, cc->cur.res, json_string_value(v), t, kw->name)
        != 0)
    {
        goto done;
    }

    if (!json_is_object(t->json) && !json_is_boolean(t->json)) {
        apigw_sch_kw_fail(cc, kw->name, "\"%s\" is not a schema",
                          json_string_value(v));
        goto done;
    }

    node = apigw_sch_node_get(cc, t->json, t->res, t->doc, t->pointer);
    if (node == NULL) {
        goto done;
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.dynref.node = node;

    name = strchr(json_string_value(v), '#');

    if (kw->kind == APIGW_SCH_DYNAMIC_REF && name != NULL && name[1] != '\0'
        && name[1] != '/')
    {
        name = strdup(name + 1);

        if (name == NULL || apigw_uri_unescape(name) != 0) {
            free(name);
            apigw_sch_kw_fail(cc, kw->name, "bad fragment");
            goto done;
        }

        anchor = json_object_get(t->json, "$dynamicAnchor");

        if (json_is_string(anchor)
            && strcmp(json_string_value(anchor), name) == 0)
        {
            c->u.dynref.dyn = apigw_sch_dyn_get(cc, name);
            cc->set->has_dynamic = 1;

            if (c->u.dynref.dyn == NULL) {
                free(name);
                goto done;
            }
        }

        free(name);
    }

    rc = 0;

done:

    free(t);

    return rc;
}


/* allOf, anyOf, oneOf */
static int
apigw_sch_kw_list(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    size_t              i;
    json_t             *v, *e;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_array(v) || json_array_size(v) == 0) {
        return apigw_sch_kw_fail(cc, kw->name,
                                 "must be a non-empty array of schemas");
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.list.n = json_array_size(v);
    c->u.list.nodes = apigw_sch_alloc(cc->set, c->u.list.n * sizeof(void *));

    if (c->u.list.nodes == NULL) {
        return apigw_sch_kw_fail(cc, kw->name, "out of memory");
    }

    json_array_foreach(v, i, e) {
        c->u.list.nodes[i] = apigw_sch_sub(cc, e, kw->name, NULL, 0, i);

        if (c->u.list.nodes[i] == NULL) {
            return -1;
        }
    }

    return 0;
}


/* if, then, else; an "if" alone still yields annotations */
static int
apigw_sch_kw_if(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    json_t             *v, *then, *otherwise;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    then = json_object_get(s, "then");
    otherwise = json_object_get(s, "else");

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.cond.cond = apigw_sch_sub(cc, v, kw->name, NULL, 0, -1);

    if (c->u.cond.cond == NULL) {
        return -1;
    }

    if (then != NULL) {
        c->u.cond.then = apigw_sch_sub(cc, then, "then", NULL, 0, -1);

        if (c->u.cond.then == NULL) {
            return -1;
        }
    }

    if (otherwise != NULL) {
        c->u.cond.otherwise = apigw_sch_sub(cc, otherwise, "else", NULL, 0,
                                            -1);
        if (c->u.cond.otherwise == NULL) {
            return -1;
        }
    }

    return 0;
}


static apigw_sch_dyn_t *
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
    size_t              i, head;
    json_t             *json;
    apigw_sch_uri_t    *res;
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

    json = apigw_sch_walk(cc, d->root, &res, pointer);

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
