
/*
 * Copyright (C) apigw contributors
 */


#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"
#include "apigw_json_int.h"


/*
 * Validation straight from a body's text, building no tree: the strict
 * scanner of apigw_json.c reads each value once and the compiled checks
 * run on it there.  Objects and arrays are walked this way when their
 * schema is plain: type, counts, properties (with required and
 * additionalProperties) or items, or a $ref to such a schema.  A value
 * whose schema is not (allOf, anyOf, oneOf, not, if, enum or const of an
 * object, uniqueItems, patternProperties...) is read again as a tree and
 * handed to the tree validator, which shares the step, depth and scope
 * counters, so the verdict is the tree validator's.
 *
 * Only "valid" is final.  Bad JSON, an invalid value, a limit reached:
 * the answer is 0, and the caller runs apigw_json_parse() and
 * apigw_schema_validate() for the verdict and its errors.
 */


/* integers a double holds exactly */
#define APIGW_SCH_EXACT_INT     ((json_int_t) 1 << 53)

/* keys that matched no property, tracked to refuse duplicates */
#define APIGW_SCH_TEXT_KEYS     64
/* items of a uniqueItems array compared here; more go to the tree */
#define APIGW_SCH_TEXT_UNIQUE   32

/* the outcome of walking one value */
#define APIGW_SCH_TEXT_VALID    1
#define APIGW_SCH_TEXT_NO       0       /* invalid, or not decided here */
#define APIGW_SCH_TEXT_TREE     -1      /* read the value again as a tree */


typedef struct {
    const char             *key;
    size_t                  len;
} apigw_sch_key_t;

typedef struct {
    apigw_json_parser_t     jp;
    apigw_sch_vctx_t        vc;
    size_t                  nkeys;
    apigw_sch_key_t         keys[APIGW_SCH_TEXT_KEYS];
} apigw_sch_text_t;


static void apigw_sch_text_start(apigw_sch_text_t *st,
    const apigw_schema_t *schema);
/* in each loop that reads values: a call per value costs too much */
static inline int apigw_sch_text_value(apigw_sch_text_t *st,
    const apigw_sch_node_t *node)
#ifdef __GNUC__
    __attribute__((always_inline))
#endif
    ;
static int apigw_sch_text_container(apigw_sch_text_t *st,
    const apigw_sch_node_t *node)
#ifdef __GNUC__
    __attribute__((noinline))
#endif
    ;
static int apigw_sch_text_node(apigw_sch_text_t *st,
    const apigw_sch_node_t *node);
static int apigw_sch_text_object(apigw_sch_text_t *st,
    const apigw_sch_props_t *props, size_t *n);
static int apigw_sch_text_array(apigw_sch_text_t *st,
    const apigw_sch_check_t *items, unsigned unique, size_t *n);
static int apigw_sch_text_scalar(apigw_sch_text_t *st,
    apigw_sch_scalar_t *sv);
static int apigw_sch_text_scalar_eval(apigw_sch_text_t *st,
    const apigw_sch_node_t *node, const apigw_sch_scalar_t *sv);
static int apigw_sch_text_scalar_tree(apigw_sch_text_t *st,
    const apigw_sch_node_t *node, const apigw_sch_scalar_t *sv)
#ifdef __GNUC__
    __attribute__((noinline))
#endif
    ;
static int apigw_sch_text_string_in(const apigw_sch_names_t *strings,
    const apigw_sch_scalar_t *sv);
static int apigw_sch_text_bound(const apigw_sch_check_t *c,
    const apigw_sch_scalar_t *sv);
static unsigned apigw_sch_text_type(const apigw_sch_scalar_t *sv);
static int apigw_sch_text_enter(apigw_sch_text_t *st);


int
apigw_schema_check_text(const apigw_schema_t *schema, const char *text,
    size_t len, unsigned max_depth, const apigw_json_arena_t *arena)
{
    int               valid;
    apigw_sch_text_t  st;

    /* $dynamicRef resolves through the dynamic scope: the tree's task */
    if (schema->set->has_dynamic) {
        return 0;
    }

    apigw_sch_text_start(&st, schema);
    apigw_json_init(&st.jp, text, len, max_depth, NULL, 0);

    apigw_json_set_arena(arena);
    apigw_json_skip_ws(&st.jp);

    valid = 0;

    if (st.jp.p < st.jp.end
        && apigw_sch_text_value(&st, schema->root) == APIGW_SCH_TEXT_VALID)
    {
        apigw_json_skip_ws(&st.jp);
        valid = (st.jp.p == st.jp.end);
    }

    apigw_json_set_arena(NULL);
    apigw_json_done(&st.jp);

    return valid;
}


int
apigw_schema_check_param(const apigw_schema_t *schema, apigw_type_e type,
    const char *text, size_t len)
{
    size_t              i, neg;
    uint64_t            u;
    apigw_sch_text_t    st;
    apigw_sch_scalar_t  sv;

    if (schema->set->has_dynamic) {
        return 0;
    }

    switch (type) {

    case APIGW_TYPE_STRING:
        for (i = 0; i < len; i++) {
            if (text[i] == '\0' || (unsigned char) text[i] >= 0x80) {
                return 0;               /* NUL or UTF-8: the tree's */
            }
        }

        sv.type = JSON_STRING;
        sv.s = text;
        sv.len = len;
        break;

    case APIGW_TYPE_INTEGER:
    case APIGW_TYPE_NUMBER:
        /* plain decimal integers, which strtoll() reads the same */
        neg = (len > 0 && text[0] == '-');

        if (len == neg || len - neg > 18) {
            return 0;
        }

        for (u = 0, i = neg; i < len; i++) {
            if (text[i] < '0' || text[i] > '9') {
                return 0;
            }

            u = u * 10 + (text[i] - '0');
        }

        sv.type = JSON_INTEGER;
        sv.i = neg ? -(json_int_t) u : (json_int_t) u;
        break;

    default:
        return 0;
    }

    apigw_sch_text_start(&st, schema);

    return apigw_sch_text_scalar_eval(&st, schema->root, &sv)
           == APIGW_SCH_TEXT_VALID;
}


/* the counters as apigw_sch_eval() keeps them, no errors recorded */
static void
apigw_sch_text_start(apigw_sch_text_t *st, const apigw_schema_t *schema)
{
    apigw_sch_vctx_t  *vc;

    st->nkeys = 0;

    vc = &st->vc;
    vc->set = schema->set;
    vc->errors = NULL;
    vc->record = 0;
    vc->d4 = (schema->set->dialect != APIGW_DIALECT_2020_12);
    vc->aborted = 0;
    vc->quiet = 0;
    vc->depth = 0;
    vc->steps = 0;
    vc->instance = NULL;
    vc->abort_msg = NULL;
    vc->npath = 0;
    vc->nscope = 0;

    /* the first budget only: past it the tree's own count decides */
    vc->budget = APIGW_SCHEMA_MAX_STEPS;
    vc->sized = 1;
}


/* the value at the scanner, against node (NULL: any value) */
static inline int
apigw_sch_text_value(apigw_sch_text_t *st, const apigw_sch_node_t *node)
{
    apigw_sch_scalar_t  sv;

    if (node != NULL && node->nchecks == 0) {
        node = NULL;
    }

    if (*st->jp.p == '{' || *st->jp.p == '[') {
        return apigw_sch_text_container(st, node);
    }

    if (apigw_sch_text_scalar(st, &sv) != 0) {
        return APIGW_SCH_TEXT_NO;
    }

    return node ? apigw_sch_text_scalar_eval(st, node, &sv)
                : APIGW_SCH_TEXT_VALID;
}


/* an object or an array; read again as a tree when walking it cannot */
static int
apigw_sch_text_container(apigw_sch_text_t *st, const apigw_sch_node_t *node)
{
    int                   rc;
    size_t                n, nkeys;
    json_t               *tree;
    unsigned              depth;
    const unsigned char  *start;

    start = st->jp.p;
    depth = st->jp.depth;
    nkeys = st->nkeys;

    if (node) {
        rc = apigw_sch_text_node(st, node);

    } else if (*st->jp.p == '{') {
        rc = apigw_sch_text_object(st, NULL, &n);

    } else {
        rc = apigw_sch_text_array(st, NULL, 0, &n);
    }

    if (rc != APIGW_SCH_TEXT_TREE) {
        return rc;
    }

    st->jp.p = start;
    st->jp.depth = depth;
    st->nkeys = nkeys;

    tree = apigw_json_value(&st->jp);
    if (tree == NULL) {
        return APIGW_SCH_TEXT_NO;
    }

    rc = node ? apigw_sch_eval(&st->vc, node, tree, NULL)
              : APIGW_SCH_TEXT_VALID;

    json_decref(tree);

    return rc ? APIGW_SCH_TEXT_VALID : APIGW_SCH_TEXT_NO;
}


/* an object or array against a node with checks, as apigw_sch_eval() */
static int
apigw_sch_text_node(apigw_sch_text_t *st, const apigw_sch_node_t *node)
{
    int                       rc, object, walk;
    size_t                    n, count;
    unsigned                  i;
    const apigw_sch_check_t  *c, *walker;

    object = (*st->jp.p == '{');
    walk = node->walk[!object];

    if (walk == APIGW_SCH_WALK_TREE) {
        return APIGW_SCH_TEXT_TREE;
    }

    if (apigw_sch_text_enter(st) != 0) {
        return APIGW_SCH_TEXT_NO;
    }

    rc = APIGW_SCH_TEXT_VALID;

    if (node->checks[0].kind == APIGW_SCH_TYPE
        && !(node->checks[0].u.types
             & (object ? APIGW_SCH_T_OBJECT : APIGW_SCH_T_ARRAY)))
    {
        rc = APIGW_SCH_TEXT_NO;
        goto done;
    }

    n = 0;
    walker = (walk >= 0) ? &node->checks[walk] : NULL;

    if (walker == NULL) {
        rc = object ? apigw_sch_text_object(st, NULL, &n)
                    : apigw_sch_text_array(st, NULL, node->unique, &n);
        goto counts;
    }

    switch (walker->kind) {

    case APIGW_SCH_REF:
        rc = apigw_sch_text_value(st, walker->u.node);
        goto done;

    case APIGW_SCH_PROPERTIES:
        rc = apigw_sch_text_object(st, walker->u.props, &n);
        break;

    default:
        rc = apigw_sch_text_array(st, walker, node->unique, &n);
        break;
    }

    st->vc.steps += n;

    if (st->vc.steps > st->vc.budget) {
        rc = APIGW_SCH_TEXT_NO;
        goto done;
    }

counts:

    if (rc != APIGW_SCH_TEXT_VALID || !node->counts) {
        goto done;
    }

    for (i = 0; i < node->nchecks; i++) {
        c = &node->checks[i];

        if (object ? (c->kind == APIGW_SCH_MAX_PROPERTIES
                      || c->kind == APIGW_SCH_MIN_PROPERTIES)
                   : (c->kind == APIGW_SCH_MAX_ITEMS
                      || c->kind == APIGW_SCH_MIN_ITEMS))
        {
            count = c->u.count;

            if ((c->kind == APIGW_SCH_MAX_PROPERTIES
                 || c->kind == APIGW_SCH_MAX_ITEMS)
                ? n > count : n < count)
            {
                rc = APIGW_SCH_TEXT_NO;
                break;
            }
        }
    }

done:

    st->vc.depth--;

    return rc;
}


/*
 * how an object and an array are walked against the node: the check that
 * walks the members or items (properties, items, or a $ref that takes the
 * value on), none, or the tree validator; once, as the node is compiled
 */
void
apigw_sch_text_plan(apigw_sch_node_t *node)
{
    int                       object, walk;
    unsigned                  i;
    const apigw_sch_check_t  *c;

    node->counts = 0;
    node->unique = 0;

    for (i = 0; i < node->nchecks; i++) {
        switch (node->checks[i].kind) {

        case APIGW_SCH_MAX_PROPERTIES:
        case APIGW_SCH_MIN_PROPERTIES:
        case APIGW_SCH_MAX_ITEMS:
        case APIGW_SCH_MIN_ITEMS:
            node->counts = 1;
            break;

        default:
            break;
        }
    }

    for (object = 0; object < 2; object++) {
        walk = node->composite ? APIGW_SCH_WALK_TREE : APIGW_SCH_WALK_NONE;

        for (i = 0; i < node->nchecks && walk != APIGW_SCH_WALK_TREE; i++) {
            c = &node->checks[i];

            switch (c->kind) {

            case APIGW_SCH_PROPERTIES:
                if (!object) {
                    break;
                }

                walk = (walk != APIGW_SCH_WALK_NONE || c->u.props->npatterns
                        || c->u.props->size > APIGW_SCH_PROPS_SLOTS)
                       ? APIGW_SCH_WALK_TREE : (int) i;
                break;

            case APIGW_SCH_ITEMS:
                if (object) {
                    break;
                }

                /* fall through */

            case APIGW_SCH_REF:
                /* a $ref walks the value, so it cannot count it too */
                walk = (walk != APIGW_SCH_WALK_NONE
                        || (c->kind == APIGW_SCH_REF && node->counts))
                       ? APIGW_SCH_WALK_TREE : (int) i;
                break;

            case APIGW_SCH_FALSE:
            case APIGW_SCH_ENUM:
            case APIGW_SCH_CONST:
                walk = APIGW_SCH_WALK_TREE;
                break;

            case APIGW_SCH_REQUIRED:
            case APIGW_SCH_DEP_REQUIRED:
            case APIGW_SCH_DEP_SCHEMAS:
            case APIGW_SCH_PROPERTY_NAMES:
                if (object) {
                    walk = APIGW_SCH_WALK_TREE;
                }

                break;

            case APIGW_SCH_CONTAINS:
                if (!object) {
                    walk = APIGW_SCH_WALK_TREE;
                }

                break;

            case APIGW_SCH_UNIQUE_ITEMS:
                node->unique = 1;
                break;

            default:
                break;
            }
        }

        /* a $ref takes the array on, and uniqueness would be lost */
        if (!object && node->unique && walk >= 0
            && node->checks[walk].kind == APIGW_SCH_REF)
        {
            walk = APIGW_SCH_WALK_TREE;
        }

        node->walk[!object] = walk;
    }
}


/*
 * an object's members, each against its property's schema, else
 * additionalProperties; then the node's required
 */
static int
apigw_sch_text_object(apigw_sch_text_t *st, const apigw_sch_props_t *props,
    size_t *n)
{
    int                      rc, matched;
    size_t                   i, j, klen, base, count, next, nnext;
    uint64_t                 seen[APIGW_SCH_PROPS_SLOTS / 64];
    const char              *key;
    apigw_json_parser_t     *jp;
    const apigw_sch_prop_t  *e;
    const apigw_sch_node_t  *child;

    jp = &st->jp;

    if (++jp->depth > jp->max_depth) {
        return APIGW_SCH_TEXT_NO;
    }

    jp->p++;
    apigw_json_skip_ws(jp);

    base = st->nkeys;
    count = 0;
    memset(seen, 0, sizeof(seen));

    next = 0;
    nnext = (props != NULL && props->order != NULL) ? props->nprops : 0;

    if (jp->p < jp->end && *jp->p == '}') {
        jp->p++;
        goto done;
    }

    for ( ;; ) {
        if (jp->p == jp->end || *jp->p != '"') {
            return APIGW_SCH_TEXT_NO;
        }

        child = NULL;
        e = NULL;

        /* the property declared next, spelled plainly, needs no lookup */
        if (next < nnext) {
            j = props->order[next];
            e = &props->table[j];

            if (e->plain && (size_t) (jp->end - jp->p) > e->len + 1
                && jp->p[e->len + 1] == '"'
                && memcmp(jp->p + 1, e->name, e->len) == 0)
            {
                jp->p += e->len + 2;

            } else {
                e = NULL;
            }
        }

        if (e == NULL) {
            if (apigw_json_string(jp, &key, &klen) != 0) {
                return APIGW_SCH_TEXT_NO;
            }

            e = apigw_sch_prop_find(props, key, klen, &j);
        }

        matched = (e != NULL);

        if (matched) {
            if (seen[j >> 6] & ((uint64_t) 1 << (j & 63))) {
                return APIGW_SCH_TEXT_NO;           /* a duplicate key */
            }

            seen[j >> 6] |= (uint64_t) 1 << (j & 63);
            child = e->node;
            next = e->rank + 1;
        }

        if (!matched) {
            if (props != NULL && props->additional != NULL) {
                if (props->additional->is_false) {
                    return APIGW_SCH_TEXT_NO;
                }

                child = props->additional;
            }

            for (i = base; i < st->nkeys; i++) {
                if (st->keys[i].len == klen
                    && memcmp(st->keys[i].key, key, klen) == 0)
                {
                    return APIGW_SCH_TEXT_NO;       /* a duplicate key */
                }
            }

            /* an unescaped key lives in the scratch buffer, briefly */
            if (st->nkeys == APIGW_SCH_TEXT_KEYS || key == jp->scratch) {
                return APIGW_SCH_TEXT_TREE;
            }

            st->keys[st->nkeys].key = key;
            st->keys[st->nkeys].len = klen;
            st->nkeys++;
        }

        count++;
        apigw_json_skip_ws(jp);

        if (jp->p == jp->end || *jp->p != ':') {
            return APIGW_SCH_TEXT_NO;
        }

        jp->p++;
        apigw_json_skip_ws(jp);

        if (jp->p == jp->end) {
            return APIGW_SCH_TEXT_NO;
        }

        rc = apigw_sch_text_value(st, child);
        if (rc != APIGW_SCH_TEXT_VALID) {
            return rc;
        }

        apigw_json_skip_ws(jp);

        if (jp->p == jp->end) {
            return APIGW_SCH_TEXT_NO;
        }

        if (*jp->p == '}') {
            jp->p++;
            break;
        }

        if (*jp->p != ',') {
            return APIGW_SCH_TEXT_NO;
        }

        jp->p++;
        apigw_json_skip_ws(jp);
    }

done:

    if (props != NULL) {
        for (i = 0; i < props->required.n; i++) {
            j = props->required_slots[i];

            if (!(seen[j >> 6] & ((uint64_t) 1 << (j & 63)))) {
                return APIGW_SCH_TEXT_NO;
            }
        }
    }

    st->nkeys = base;
    jp->depth--;
    *n = count;

    return APIGW_SCH_TEXT_VALID;
}


/*
 * an array's items, against prefixItems then items (NULL: any); unique:
 * uniqueItems too, for plain strings (no escapes, so their text is their
 * value), else the tree decides
 */
static int
apigw_sch_text_array(apigw_sch_text_t *st, const apigw_sch_check_t *items,
    unsigned unique, size_t *n)
{
    int                      rc;
    size_t                   count, i;
    apigw_sch_key_t          seen[APIGW_SCH_TEXT_UNIQUE];
    apigw_json_parser_t     *jp;
    const unsigned char     *start;
    const apigw_sch_node_t  *child;

    jp = &st->jp;

    if (++jp->depth > jp->max_depth) {
        return APIGW_SCH_TEXT_NO;
    }

    jp->p++;
    apigw_json_skip_ws(jp);
    count = 0;

    if (jp->p < jp->end && *jp->p == ']') {
        jp->p++;
        goto done;
    }

    for ( ;; ) {
        if (jp->p == jp->end) {
            return APIGW_SCH_TEXT_NO;
        }

        child = NULL;

        if (items != NULL) {
            if (count < items->u.list.n) {
                child = items->u.list.nodes[count];

            } else if (items->u.list.rest != NULL) {
                child = items->u.list.rest;

                if (child->is_false) {
                    return APIGW_SCH_TEXT_NO;
                }
            }
        }

        if (unique && (*jp->p != '"' || count == APIGW_SCH_TEXT_UNIQUE)) {
            return APIGW_SCH_TEXT_TREE;
        }

        start = jp->p + 1;

        rc = apigw_sch_text_value(st, child);
        if (rc != APIGW_SCH_TEXT_VALID) {
            return rc;
        }

        if (unique) {
            seen[count].key = (const char *) start;
            seen[count].len = jp->p - 1 - start;

            if (memchr(start, '\\', seen[count].len) != NULL) {
                return APIGW_SCH_TEXT_TREE;
            }

            for (i = 0; i < count; i++) {
                if (seen[i].len == seen[count].len
                    && memcmp(seen[i].key, start, seen[i].len) == 0)
                {
                    return APIGW_SCH_TEXT_NO;
                }
            }
        }

        count++;
        apigw_json_skip_ws(jp);

        if (jp->p == jp->end) {
            return APIGW_SCH_TEXT_NO;
        }

        if (*jp->p == ']') {
            jp->p++;
            break;
        }

        if (*jp->p != ',') {
            return APIGW_SCH_TEXT_NO;
        }

        jp->p++;
        apigw_json_skip_ws(jp);
    }

done:

    jp->depth--;
    *n = count;

    return APIGW_SCH_TEXT_VALID;
}


/* a string, number, true, false or null: 0, or -1 when it is not JSON */
static int
apigw_sch_text_scalar(apigw_sch_text_t *st, apigw_sch_scalar_t *sv)
{
    size_t                need;
    const char           *word;
    apigw_json_number_t   num;
    apigw_json_parser_t  *jp;

    jp = &st->jp;

    switch (*jp->p) {

    case '"':
        sv->type = JSON_STRING;
        return apigw_json_string(jp, &sv->s, &sv->len);

    case 't':
        sv->type = JSON_TRUE;
        word = "true";
        break;

    case 'f':
        sv->type = JSON_FALSE;
        word = "false";
        break;

    case 'n':
        sv->type = JSON_NULL;
        word = "null";
        break;

    default:
        if (*jp->p != '-' && (*jp->p < '0' || *jp->p > '9')) {
            return -1;
        }

        if (apigw_json_lex_number(jp, &num) != 0) {
            return -1;
        }

        if (num.real) {
            sv->type = JSON_REAL;
            sv->d = num.d;

        } else {
            sv->type = JSON_INTEGER;
            sv->i = num.i;
        }

        return 0;
    }

    need = strlen(word);

    if ((size_t) (jp->end - jp->p) < need
        || memcmp(jp->p, word, need) != 0)
    {
        return -1;
    }

    jp->p += need;

    return 0;
}


/*
 * a scalar against a node with checks, as apigw_sch_eval(); the common
 * checks run here, each failure ends it (the tree path finds the errors)
 */
static int
apigw_sch_text_scalar_eval(apigw_sch_text_t *st, const apigw_sch_node_t *node,
    const apigw_sch_scalar_t *sv)
{
    int                       rc;
    apigw_sch_vctx_t         *vc;
    const apigw_sch_check_t  *c, *last;

    if (node->composite) {
        return apigw_sch_text_scalar_tree(st, node, sv);
    }

    vc = &st->vc;

    if (++vc->steps > vc->budget) {
        return APIGW_SCH_TEXT_NO;
    }

    for (c = node->checks, last = c + node->nchecks; c < last; c++) {

        switch (c->kind) {

        case APIGW_SCH_REF:
            if (c->u.node->nchecks == 0) {
                break;
            }

            if (vc->depth >= APIGW_SCHEMA_MAX_EVAL_DEPTH) {
                return APIGW_SCH_TEXT_NO;
            }

            vc->depth++;
            rc = apigw_sch_text_scalar_eval(st, c->u.node, sv);
            vc->depth--;

            if (rc != APIGW_SCH_TEXT_VALID) {
                return rc;
            }

            break;

        case APIGW_SCH_TYPE:
            if (!(c->u.types & apigw_sch_text_type(sv))
                && !apigw_sch_scalar_check(vc, c, sv))
            {
                return APIGW_SCH_TEXT_NO;
            }

            break;

        case APIGW_SCH_ENUM:
        case APIGW_SCH_CONST:
            if (sv->type == JSON_STRING) {
                if (!apigw_sch_text_string_in(&c->u.values.strings, sv)) {
                    return APIGW_SCH_TEXT_NO;
                }

                break;
            }

            if (!apigw_sch_scalar_check(vc, c, sv)) {
                return APIGW_SCH_TEXT_NO;
            }

            break;

        case APIGW_SCH_MAX_LENGTH:
        case APIGW_SCH_MIN_LENGTH:
            /* a code point takes 1 to 4 bytes: the byte length may do */
            if (sv->type != JSON_STRING
                || (c->kind == APIGW_SCH_MAX_LENGTH
                    ? sv->len <= c->u.count : sv->len / 4 >= c->u.count))
            {
                break;
            }

            if (!apigw_sch_scalar_check(vc, c, sv)) {
                return APIGW_SCH_TEXT_NO;
            }

            break;

        case APIGW_SCH_PATTERN:
            if (sv->type == JSON_STRING
                && !apigw_sch_match(vc, &c->u.re, sv->s, sv->len))
            {
                return APIGW_SCH_TEXT_NO;
            }

            break;

        case APIGW_SCH_FORMAT:
            if (!apigw_format_check(c->u.format, sv)) {
                return APIGW_SCH_TEXT_NO;
            }

            break;

        case APIGW_SCH_MINIMUM:
        case APIGW_SCH_MAXIMUM:
            rc = apigw_sch_text_bound(c, sv);

            if (rc == 0 || (rc < 0 && !apigw_sch_scalar_check(vc, c, sv))) {
                return APIGW_SCH_TEXT_NO;
            }

            break;

        default:
            if (!apigw_sch_scalar_check(vc, c, sv)) {
                return APIGW_SCH_TEXT_NO;
            }
        }
    }

    return APIGW_SCH_TEXT_VALID;
}


/* a string among enum's or const's strings */
static int
apigw_sch_text_string_in(const apigw_sch_names_t *strings,
    const apigw_sch_scalar_t *sv)
{
    size_t  i;

    for (i = 0; i < strings->n; i++) {
        if (strings->lens[i] == sv->len
            && memcmp(strings->names[i], sv->s, sv->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * minimum or maximum where doubles compare exactly: 1 within, 0 not,
 * -1 for apigw_sch_numeric() to decide
 */
static int
apigw_sch_text_bound(const apigw_sch_check_t *c, const apigw_sch_scalar_t *sv)
{
    double  x, y;

    if (sv->type == JSON_INTEGER && c->u.num.is_int) {
        return (c->kind == APIGW_SCH_MINIMUM)
               ? (c->exclusive ? sv->i > c->u.num.i : sv->i >= c->u.num.i)
               : (c->exclusive ? sv->i < c->u.num.i : sv->i <= c->u.num.i);
    }

    if (sv->type == JSON_REAL) {
        x = sv->d;

    } else if (sv->type == JSON_INTEGER
               && sv->i >= -APIGW_SCH_EXACT_INT
               && sv->i <= APIGW_SCH_EXACT_INT)
    {
        x = (double) sv->i;

    } else if (sv->type == JSON_INTEGER) {
        return -1;

    } else {
        return 1;                       /* not a number */
    }

    if (!c->u.num.is_int) {
        y = c->u.num.d;

    } else if (c->u.num.i >= -APIGW_SCH_EXACT_INT
               && c->u.num.i <= APIGW_SCH_EXACT_INT)
    {
        y = (double) c->u.num.i;

    } else {
        return -1;
    }

    return (c->kind == APIGW_SCH_MINIMUM)
           ? (c->exclusive ? x > y : x >= y)
           : (c->exclusive ? x < y : x <= y);
}


/* type keyword bits a scalar surely has (1.0 may be an integer too) */
static unsigned
apigw_sch_text_type(const apigw_sch_scalar_t *sv)
{
    switch (sv->type) {

    case JSON_STRING:
        return APIGW_SCH_T_STRING;

    case JSON_INTEGER:
        return APIGW_SCH_T_INTEGER | APIGW_SCH_T_NUMBER;

    case JSON_REAL:
        return APIGW_SCH_T_NUMBER;

    case JSON_TRUE:
    case JSON_FALSE:
        return APIGW_SCH_T_BOOLEAN;

    default:
        return APIGW_SCH_T_NULL;
    }
}


/* a scalar against allOf, anyOf...: the tree validator on a jansson copy */
static int
apigw_sch_text_scalar_tree(apigw_sch_text_t *st, const apigw_sch_node_t *node,
    const apigw_sch_scalar_t *sv)
{
    int      valid;
    json_t  *v;

    switch (sv->type) {

    case JSON_STRING:
        v = json_stringn_nocheck(sv->s, sv->len);
        break;

    case JSON_INTEGER:
        v = json_integer(sv->i);
        break;

    case JSON_REAL:
        v = json_real(sv->d);
        break;

    case JSON_TRUE:
        v = json_true();
        break;

    case JSON_FALSE:
        v = json_false();
        break;

    default:
        v = json_null();
        break;
    }

    if (v == NULL) {
        return APIGW_SCH_TEXT_NO;
    }

    valid = apigw_sch_eval(&st->vc, node, v, NULL);
    json_decref(v);

    return valid ? APIGW_SCH_TEXT_VALID : APIGW_SCH_TEXT_NO;
}


/*
 * the bookkeeping of apigw_sch_eval(): a step and a level; no dynamic
 * scope, as schemas with $dynamicRef never come this way.  0, or -1 past
 * a limit
 */
static int
apigw_sch_text_enter(apigw_sch_text_t *st)
{
    apigw_sch_vctx_t  *vc;

    vc = &st->vc;

    if (++vc->steps > vc->budget
        || vc->depth >= APIGW_SCHEMA_MAX_EVAL_DEPTH)
    {
        return -1;
    }

    vc->depth++;

    return 0;
}
