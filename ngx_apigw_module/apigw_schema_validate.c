
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"


/*
 * The validator walks the compiled nodes over the instance.  Nothing is
 * allocated unless the schema asks for it: unevaluatedItems and
 * unevaluatedProperties keep a bitmap of the instance's evaluated items
 * or keys (on the stack up to 256), uniqueItems over 16 items sorts
 * hashes, propertyNames makes a string per key.  Branches of anyOf,
 * oneOf, not, if and contains run "quiet": they record no errors and
 * stop at their first failure; the combinator reports its own error.
 */


#define APIGW_SCH_EV_WORDS      4
#define APIGW_SCH_UNIQUE_SMALL  16
#define APIGW_SCH_EQ_DEPTH      1024

#define apigw_sch_mix(h)                                                      \
    (((h) ^ ((h) >> 31)) * 0x9e3779b97f4a7c15ULL)


/* the evaluated items or keys of one instance, by index */
typedef struct {
    uint64_t               *bits;
    size_t                  n;
    uint64_t                buf[APIGW_SCH_EV_WORDS];
} apigw_sch_ev_t;

/* an instance path segment: a key, or an index when key is NULL */
typedef struct {
    const char             *key;
    size_t                  len;
} apigw_sch_seg_t;

typedef struct {
    const apigw_schema_set_t  *set;
    apigw_schema_errors_t     *errors;
    unsigned                   record:1;
    unsigned                   d4:1;
    unsigned                   aborted:1;
    unsigned                   sized:1;
    unsigned                   quiet;
    unsigned                   depth;
    size_t                     steps;
    size_t                     budget;
    const json_t              *instance;
    const char                *abort_msg;
    size_t                     npath;
    size_t                     nscope;
    apigw_sch_seg_t            path[APIGW_SCH_MAX_PATH];
    apigw_sch_uri_t           *scope[APIGW_SCH_MAX_SCOPE];
} apigw_sch_vctx_t;

typedef struct {
    uint64_t                hash;
    size_t                  index;
} apigw_sch_hashed_t;


static int apigw_sch_eval(apigw_sch_vctx_t *vc, const apigw_sch_node_t *node,
    const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_check(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_budget(apigw_sch_vctx_t *vc);
static size_t apigw_sch_values_in(const json_t *v, unsigned depth);
static int apigw_sch_abort(apigw_sch_vctx_t *vc, const char *msg);
static int apigw_sch_stop(apigw_sch_vctx_t *vc);
static void apigw_sch_error(apigw_sch_vctx_t *vc, const char *kw,
    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void apigw_sch_path(apigw_sch_vctx_t *vc, char *buf, size_t size);
static int apigw_sch_child(apigw_sch_vctx_t *vc, const apigw_sch_node_t *node,
    const json_t *value, const char *key, size_t len);
static int apigw_sch_ev_init(apigw_sch_vctx_t *vc, apigw_sch_ev_t *ev,
    size_t n);
static void apigw_sch_ev_free(apigw_sch_ev_t *ev);
static void apigw_sch_ev_or(apigw_sch_ev_t *dst, const apigw_sch_ev_t *src);
static int apigw_sch_integral(double d);
static int apigw_sch_type(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst);
static int apigw_sch_values(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst);
static int apigw_sch_numeric(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst);
static int apigw_sch_multiple(double x, const apigw_sch_num_t *m);
static void apigw_sch_num_str(const apigw_sch_num_t *n, char *buf,
    size_t size);
static int apigw_sch_length(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst);
static int apigw_sch_match(const apigw_sch_vctx_t *vc,
    const apigw_sch_re_t *re, const char *s, size_t len);
static int apigw_sch_items(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_contains(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_unique(apigw_sch_vctx_t *vc, const json_t *inst);
static int apigw_sch_hashed_cmp(const void *a, const void *b);
static int apigw_sch_counts(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst);
static int apigw_sch_required(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst);
static int apigw_sch_properties(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_dependencies(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_names(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst);
static int apigw_sch_dynamic(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_some(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_cond(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_unevaluated(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst, apigw_sch_ev_t *ev);
static uint64_t apigw_sch_hash(const json_t *v, unsigned depth);
static int apigw_sch_equal(const json_t *a, const json_t *b, unsigned depth);
static int apigw_sch_num_equal(const json_t *a, const json_t *b);
static size_t apigw_utf8_seq(const unsigned char *p, size_t len);


const char  *apigw_sch_types[7] = {
    "null", "boolean", "object", "array", "number", "string", "integer"
};


int
apigw_schema_validate(const apigw_schema_t *schema, const json_t *instance,
    apigw_schema_errors_t *errors)
{
    int                    valid;
    apigw_sch_vctx_t       vc;
    apigw_schema_error_t  *e;

    vc.set = schema->set;
    vc.errors = errors;
    vc.record = (errors != NULL && errors->max > 0 && errors->errors);
    vc.d4 = (schema->set->dialect != APIGW_DIALECT_2020_12);
    vc.aborted = 0;
    vc.quiet = 0;
    vc.depth = 0;
    vc.sized = 0;
    vc.steps = 0;
    vc.budget = APIGW_SCHEMA_MAX_STEPS;
    vc.instance = instance;
    vc.abort_msg = NULL;
    vc.npath = 0;
    vc.nscope = 0;

    if (errors != NULL) {
        errors->n = 0;
    }

    valid = apigw_sch_eval(&vc, schema->root, instance, NULL);

    if (!vc.record || valid) {
        return valid;
    }

    if (vc.aborted) {
        /* the other errors may be artifacts of the cut */
        errors->n = 0;
    }

    if (errors->n == 0) {
        e = &errors->errors[errors->n++];
        e->path[0] = '\0';
        e->keyword = vc.aborted ? "limit" : "schema";
        snprintf(e->message, sizeof(e->message), "%s",
                 vc.aborted ? vc.abort_msg : "must be valid");
    }

    return 0;
}


static int
apigw_sch_eval(apigw_sch_vctx_t *vc, const apigw_sch_node_t *node,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int              valid, pushed;
    size_t           n;
    unsigned         i;
    apigw_sch_ev_t   local, *use;

    if (node->nchecks == 0) {
        return !vc->aborted;
    }

    if (vc->aborted) {
        return 0;
    }

    if (++vc->steps > vc->budget && !apigw_sch_budget(vc)) {
        return apigw_sch_abort(vc, "schema evaluation takes too many steps");
    }

    if (vc->depth >= APIGW_SCHEMA_MAX_EVAL_DEPTH) {
        return apigw_sch_abort(vc, "schema evaluation nests too deep");
    }

    pushed = 0;

    if (node->res != NULL
        && (vc->nscope == 0 || vc->scope[vc->nscope - 1] != node->res))
    {
        if (vc->nscope == APIGW_SCH_MAX_SCOPE) {
            return apigw_sch_abort(vc, "dynamic scope too deep");
        }

        vc->scope[vc->nscope++] = node->res;
        pushed = 1;
    }

    vc->depth++;
    use = ev;

    if (node->uneval && (json_is_object(inst) || json_is_array(inst))) {
        n = json_is_object(inst) ? json_object_size(inst)
                                 : json_array_size(inst);

        if (apigw_sch_ev_init(vc, &local, n) != 0) {
            vc->depth--;
            vc->nscope -= pushed;
            return 0;
        }

        use = &local;
    }

    valid = 1;

    for (i = 0; i < node->nchecks; i++) {
        if (!apigw_sch_check(vc, &node->checks[i], inst, use)) {
            valid = 0;

            if (vc->aborted || apigw_sch_stop(vc)) {
                break;
            }
        }
    }

    if (use != ev) {
        if (valid && ev != NULL) {
            apigw_sch_ev_or(ev, &local);
        }

        apigw_sch_ev_free(&local);
    }

    vc->depth--;
    vc->nscope -= pushed;

    return valid && !vc->aborted;
}


static int
apigw_sch_check(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    size_t  i;
    int     valid;

    switch (c->kind) {

    case APIGW_SCH_FALSE:
        apigw_sch_error(vc, c->keyword, "no value is allowed here");
        return 0;

    case APIGW_SCH_TYPE:
        return apigw_sch_type(vc, c, inst);

    case APIGW_SCH_ENUM:
    case APIGW_SCH_CONST:
        return apigw_sch_values(vc, c, inst);

    case APIGW_SCH_MULTIPLE_OF:
    case APIGW_SCH_MAXIMUM:
    case APIGW_SCH_MINIMUM:
        return !json_is_number(inst) || apigw_sch_numeric(vc, c, inst);

    case APIGW_SCH_MAX_LENGTH:
    case APIGW_SCH_MIN_LENGTH:
    case APIGW_SCH_PATTERN:
        return !json_is_string(inst) || apigw_sch_length(vc, c, inst);

    case APIGW_SCH_FORMAT:
        if (apigw_format_check(c->u.format, inst)) {
            return 1;
        }

        apigw_sch_error(vc, c->keyword, "must match format \"%s\"",
                        apigw_format_name(c->u.format));
        return 0;

    case APIGW_SCH_ITEMS:
        return !json_is_array(inst) || apigw_sch_items(vc, c, inst, ev);

    case APIGW_SCH_CONTAINS:
        return !json_is_array(inst) || apigw_sch_contains(vc, c, inst, ev);

    case APIGW_SCH_UNIQUE_ITEMS:
        return !json_is_array(inst) || apigw_sch_unique(vc, inst);

    case APIGW_SCH_MAX_ITEMS:
    case APIGW_SCH_MIN_ITEMS:
    case APIGW_SCH_MAX_PROPERTIES:
    case APIGW_SCH_MIN_PROPERTIES:
        return apigw_sch_counts(vc, c, inst);

    case APIGW_SCH_REQUIRED:
        return !json_is_object(inst) || apigw_sch_required(vc, c, inst);

    case APIGW_SCH_PROPERTIES:
        return !json_is_object(inst)
               || apigw_sch_properties(vc, c, inst, ev);

    case APIGW_SCH_DEP_REQUIRED:
    case APIGW_SCH_DEP_SCHEMAS:
        return !json_is_object(inst)
               || apigw_sch_dependencies(vc, c, inst, ev);

    case APIGW_SCH_PROPERTY_NAMES:
        return !json_is_object(inst) || apigw_sch_names(vc, c, inst);

    case APIGW_SCH_REF:
        return apigw_sch_eval(vc, c->u.node, inst, ev);

    case APIGW_SCH_DYNAMIC_REF:
        return apigw_sch_dynamic(vc, c, inst, ev);

    case APIGW_SCH_ALL_OF:
        valid = 1;

        for (i = 0; i < c->u.list.n; i++) {
            if (!apigw_sch_eval(vc, c->u.list.nodes[i], inst, ev)) {
                valid = 0;

                if (vc->aborted || apigw_sch_stop(vc)) {
                    break;
                }
            }
        }

        return valid;

    case APIGW_SCH_ANY_OF:
    case APIGW_SCH_ONE_OF:
        return apigw_sch_some(vc, c, inst, ev);

    case APIGW_SCH_NOT:
        vc->quiet++;
        valid = apigw_sch_eval(vc, c->u.node, inst, NULL);
        vc->quiet--;

        if (vc->aborted) {
            return 0;
        }

        if (valid) {
            apigw_sch_error(vc, c->keyword, "must NOT be valid");
        }

        return !valid;

    case APIGW_SCH_IF:
        return apigw_sch_cond(vc, c, inst, ev);

    case APIGW_SCH_UNEVALUATED_ITEMS:
    case APIGW_SCH_UNEVALUATED_PROPERTIES:
        return apigw_sch_unevaluated(vc, c, inst, ev);
    }

    return 1;
}


/*
 * the step budget: APIGW_SCHEMA_MAX_STEPS, or more for a big instance,
 * counted once the first budget is spent; 0 when it is spent anyway
 */
static int
apigw_sch_budget(apigw_sch_vctx_t *vc)
{
    size_t  n;

    if (vc->sized) {
        return 0;
    }

    vc->sized = 1;
    n = apigw_sch_values_in(vc->instance, 0) * APIGW_SCHEMA_STEPS_PER_VALUE;

    if (n > vc->budget) {
        vc->budget = n;
    }

    return vc->steps <= vc->budget;
}


static size_t
apigw_sch_values_in(const json_t *v, unsigned depth)
{
    void    *it;
    size_t   i, n;

    n = 1;

    if (depth >= APIGW_SCH_EQ_DEPTH) {
        return n;
    }

    if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++) {
            n += apigw_sch_values_in(json_array_get(v, i), depth + 1);
        }

    } else if (json_is_object(v)) {
        for (it = json_object_iter((json_t *) v); it;
             it = json_object_iter_next((json_t *) v, it))
        {
            n += apigw_sch_values_in(json_object_iter_value(it), depth + 1);
        }
    }

    return n;
}


static int
apigw_sch_abort(apigw_sch_vctx_t *vc, const char *msg)
{
    if (!vc->aborted) {
        vc->aborted = 1;
        vc->abort_msg = msg;
    }

    return 0;
}


/* no more errors wanted: the first failure decides */
static int
apigw_sch_stop(apigw_sch_vctx_t *vc)
{
    return vc->quiet || !vc->record || vc->errors->n >= vc->errors->max;
}


static void
apigw_sch_error(apigw_sch_vctx_t *vc, const char *kw, const char *fmt, ...)
{
    va_list                args;
    apigw_schema_error_t  *e;

    if (vc->quiet || !vc->record || vc->errors->n >= vc->errors->max) {
        return;
    }

    e = &vc->errors->errors[vc->errors->n++];
    apigw_sch_path(vc, e->path, sizeof(e->path));
    e->keyword = kw;

    va_start(args, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, args);
    va_end(args);
}


/*
 * the instance path as a JSON pointer; a segment that does not fit is
 * not cut (it may hold UTF-8) but replaced by "/..."
 */
static void
apigw_sch_path(apigw_sch_vctx_t *vc, char *buf, size_t size)
{
    char                   num[32];
    size_t                 i, j, n, need, len;
    const char            *key;
    const apigw_sch_seg_t  *seg;

    n = 0;

    for (i = 0; i < vc->npath; i++) {
        if (i == APIGW_SCH_MAX_PATH) {
            goto cut;
        }

        seg = &vc->path[i];

        if (seg->key == NULL) {
            len = snprintf(num, sizeof(num), "%zu", seg->len);
            key = num;

        } else {
            key = seg->key;
            len = seg->len;
        }

        for (need = 1, j = 0; j < len; j++) {
            need += (key[j] == '~' || key[j] == '/') ? 2 : 1;
        }

        if (n + need + 5 > size) {
            goto cut;
        }

        buf[n++] = '/';

        for (j = 0; j < len; j++) {
            if (key[j] == '~' || key[j] == '/') {
                buf[n++] = '~';
                buf[n++] = (key[j] == '~') ? '0' : '1';

            } else {
                buf[n++] = key[j];
            }
        }
    }

    buf[n] = '\0';

    return;

cut:

    memcpy(buf + n, "/...", 5);
}


/* a value one level down: key, or index len when key is NULL */
static int
apigw_sch_child(apigw_sch_vctx_t *vc, const apigw_sch_node_t *node,
    const json_t *value, const char *key, size_t len)
{
    int  valid;

    if (node->nchecks == 0) {
        return 1;
    }

    if (vc->npath < APIGW_SCH_MAX_PATH) {
        vc->path[vc->npath].key = key;
        vc->path[vc->npath].len = len;
    }

    vc->npath++;
    valid = apigw_sch_eval(vc, node, value, NULL);
    vc->npath--;

    return valid;
}


static int
apigw_sch_ev_init(apigw_sch_vctx_t *vc, apigw_sch_ev_t *ev, size_t n)
{
    size_t  words;

    words = (n + 63) / 64;
    ev->n = words;

    if (words <= APIGW_SCH_EV_WORDS) {
        ev->bits = ev->buf;
        memset(ev->buf, 0, sizeof(ev->buf));
        return 0;
    }

    ev->bits = calloc(words, sizeof(uint64_t));

    if (ev->bits == NULL) {
        return apigw_sch_abort(vc, "out of memory") - 1;
    }

    return 0;
}


static void
apigw_sch_ev_free(apigw_sch_ev_t *ev)
{
    if (ev->bits != ev->buf) {
        free(ev->bits);
    }
}


static void
apigw_sch_ev_or(apigw_sch_ev_t *dst, const apigw_sch_ev_t *src)
{
    size_t  i;

    for (i = 0; i < dst->n && i < src->n; i++) {
        dst->bits[i] |= src->bits[i];
    }
}


#define apigw_sch_ev_set(ev, i)                                               \
    ((ev)->bits[(i) >> 6] |= (uint64_t) 1 << ((i) & 63))
#define apigw_sch_ev_get(ev, i)                                               \
    ((ev)->bits[(i) >> 6] & ((uint64_t) 1 << ((i) & 63)))


/* without libm: every double beyond 2^53 is an integer */
static int
apigw_sch_integral(double d)
{
    if (d >= 9007199254740992.0 || d <= -9007199254740992.0) {
        return d - d == 0;
    }

    return d == (double) (long long) d;
}


static int
apigw_sch_type(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst)
{
    char       buf[APIGW_SCHEMA_MSG_LEN];
    size_t     n;
    unsigned   t, types, i, k, count;
    static const unsigned  order[] = { 2, 3, 5, 4, 6, 1, 0 };

    switch (json_typeof(inst)) {

    case JSON_OBJECT:
        t = APIGW_SCH_T_OBJECT;
        break;

    case JSON_ARRAY:
        t = APIGW_SCH_T_ARRAY;
        break;

    case JSON_STRING:
        t = APIGW_SCH_T_STRING;
        break;

    case JSON_INTEGER:
        t = APIGW_SCH_T_INTEGER | APIGW_SCH_T_NUMBER;
        break;

    case JSON_REAL:
        /* draft 4 (and its optional tests): 1.0 is not an integer */
        t = APIGW_SCH_T_NUMBER;

        if (!vc->d4 && apigw_sch_integral(json_real_value(inst))) {
            t |= APIGW_SCH_T_INTEGER;
        }

        break;

    case JSON_TRUE:
    case JSON_FALSE:
        t = APIGW_SCH_T_BOOLEAN;
        break;

    default:
        t = APIGW_SCH_T_NULL;
        break;
    }

    if (c->u.types & t) {
        return 1;
    }

    types = c->u.types;

    if (types & APIGW_SCH_T_NUMBER) {
        types &= ~APIGW_SCH_T_INTEGER;
    }

    for (count = 0, i = 0; i < 7; i++) {
        count += (types >> i) & 1;
    }

    n = 0;
    buf[0] = '\0';

    for (k = 0, i = 0; i < 7; i++) {
        if (!(types & (1u << order[i]))) {
            continue;
        }

        n += snprintf(buf + n, sizeof(buf) - n, "%s%s",
                      k == 0 ? "" : (k + 1 == count ? " or " : ", "),
                      apigw_sch_types[order[i]]);
        k++;

        if (n >= sizeof(buf)) {
            break;
        }
    }

    apigw_sch_error(vc, c->keyword, "must be %s", count ? buf : "nothing");

    return 0;
}


static int
apigw_sch_values(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst)
{
    size_t    i;
    uint64_t  h;

    if (c->kind == APIGW_SCH_CONST) {
        if (apigw_sch_equal(c->u.values.value, inst, 0)) {
            return 1;
        }

        apigw_sch_error(vc, c->keyword, "must be equal to the constant");
        return 0;
    }

    h = apigw_sch_hash(inst, 0);

    for (i = 0; i < c->u.values.n; i++) {
        if (c->u.values.hashes[i] == h
            && apigw_sch_equal(json_array_get(c->u.values.value, i), inst, 0))
        {
            return 1;
        }
    }

    apigw_sch_error(vc, c->keyword,
                    "must be equal to one of the allowed values");
    return 0;
}


static int
apigw_sch_numeric(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst)
{
    int          cmp, bad;
    char         num[64];
    json_int_t   i;
    long double  x, y;

    if (c->kind == APIGW_SCH_MULTIPLE_OF) {
        if (json_is_integer(inst) && c->u.num.is_int) {
            bad = (json_integer_value(inst) % c->u.num.i) != 0;

        } else {
            bad = !apigw_sch_multiple(json_number_value(inst), &c->u.num);
        }

        if (bad) {
            apigw_sch_num_str(&c->u.num, num, sizeof(num));
            apigw_sch_error(vc, c->keyword, "must be a multiple of %s", num);
        }

        return !bad;
    }

    if (json_is_integer(inst) && c->u.num.is_int) {
        i = json_integer_value(inst);
        cmp = (i > c->u.num.i) - (i < c->u.num.i);

    } else {
        /* exact for every int64 and double on x86's 64-bit mantissa */
        x = json_is_integer(inst) ? (long double) json_integer_value(inst)
                                  : (long double) json_real_value(inst);
        y = c->u.num.is_int ? (long double) c->u.num.i
                            : (long double) c->u.num.d;
        cmp = (x > y) - (x < y);
    }

    if (c->kind == APIGW_SCH_MAXIMUM) {
        bad = c->exclusive ? cmp >= 0 : cmp > 0;

    } else {
        bad = c->exclusive ? cmp <= 0 : cmp < 0;
    }

    if (bad) {
        apigw_sch_num_str(&c->u.num, num, sizeof(num));
        apigw_sch_error(vc, c->keyword, "must be %s%s %s",
                        c->kind == APIGW_SCH_MAXIMUM ? "<" : ">",
                        c->exclusive ? "" : "=", num);
    }

    return !bad;
}


/*
 * x / m is an integer: within a few ulps for ordinary quotients (0.0075
 * is a multiple of 0.0001); exactly, from the binary mantissas, when the
 * quotient overflows
 */
static int
apigw_sch_multiple(double x, const apigw_sch_num_t *m)
{
    int       ex, em;
    double    q, r, d;
    uint64_t  bx, bm, mx, mm;

    d = m->d;
    q = x / d;

    if (q - q == 0) {
        if (q >= 4503599627370496.0 || q <= -4503599627370496.0) {
            return 1;
        }

        r = q - (double) (long long) (q < 0 ? q - 0.5 : q + 0.5);
        r = r < 0 ? -r : r;

        return r <= (q < 0 ? -q : q) * 8.9e-16;
    }

    if (x == 0) {
        return 1;
    }

    memcpy(&bx, &x, sizeof(double));
    memcpy(&bm, &d, sizeof(double));

    ex = (int) ((bx >> 52) & 0x7ff);
    em = (int) ((bm >> 52) & 0x7ff);
    mx = (bx & 0xfffffffffffffULL) | (ex ? 0x10000000000000ULL : 0);
    mm = (bm & 0xfffffffffffffULL) | (em ? 0x10000000000000ULL : 0);
    ex = (ex ? ex : 1) - 1075;
    em = (em ? em : 1) - 1075;

    while (!(mx & 1)) {
        mx >>= 1;
        ex++;
    }

    while (!(mm & 1)) {
        mm >>= 1;
        em++;
    }

    return mx % mm == 0 && ex >= em;
}


static void
apigw_sch_num_str(const apigw_sch_num_t *n, char *buf, size_t size)
{
    if (n->is_int) {
        snprintf(buf, size, "%lld", (long long) n->i);
        return;
    }

    snprintf(buf, size, "%.15g", n->d);

    if (strtod(buf, NULL) != n->d) {
        snprintf(buf, size, "%.17g", n->d);
    }
}


/* maxLength, minLength in code points; pattern */
static int
apigw_sch_length(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst)
{
    size_t       len, n, i;
    const char  *s;

    s = json_string_value(inst);
    len = json_string_length(inst);

    if (c->kind == APIGW_SCH_PATTERN) {
        if (apigw_sch_match(vc, &c->u.re, s, len)) {
            return 1;
        }

        apigw_sch_error(vc, c->keyword, "must match pattern \"%s\"",
                        c->u.re.src);
        return 0;
    }

    for (n = 0, i = 0; i < len; i++) {
        n += ((s[i] & 0xc0) != 0x80);
    }

    if (c->kind == APIGW_SCH_MAX_LENGTH && n > c->u.count) {
        apigw_sch_error(vc, c->keyword,
                        "must NOT have more than %zu characters",
                        c->u.count);
        return 0;
    }

    if (c->kind == APIGW_SCH_MIN_LENGTH && n < c->u.count) {
        apigw_sch_error(vc, c->keyword,
                        "must NOT have fewer than %zu characters",
                        c->u.count);
        return 0;
    }

    return 1;
}


/*
 * an unanchored search; a match that hits the match limit (catastrophic
 * backtracking) or any other matching error counts as no match
 */
static int
apigw_sch_match(const apigw_sch_vctx_t *vc, const apigw_sch_re_t *re,
    const char *s, size_t len)
{
    int  rc;

    rc = pcre2_match(re->code, (PCRE2_SPTR) s, len, 0, 0,
                     vc->set->match_data, vc->set->match_ctx);

    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        rc = pcre2_match(re->code, (PCRE2_SPTR) s, len, 0, PCRE2_NO_JIT,
                         vc->set->match_data, vc->set->match_ctx);
    }

    return rc >= 0;
}


/* prefixItems / items (array) then items / additionalItems */
static int
apigw_sch_items(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int                      valid;
    size_t                   i, n;
    const apigw_sch_node_t  *node;

    n = json_array_size(inst);
    vc->steps += n;
    valid = 1;

    for (i = 0; i < n; i++) {
        if (i < c->u.list.n) {
            node = c->u.list.nodes[i];

        } else if (c->u.list.rest != NULL) {
            node = c->u.list.rest;

            if (node->is_false) {
                apigw_sch_error(vc, c->u.list.rest_keyword,
                                "must NOT have more than %zu items",
                                c->u.list.n);
                return 0;
            }

        } else {
            break;
        }

        if (!apigw_sch_child(vc, node, json_array_get(inst, i), NULL, i)) {
            valid = 0;

            if (vc->aborted || apigw_sch_stop(vc)) {
                return 0;
            }
        }

        if (ev != NULL) {
            apigw_sch_ev_set(ev, i);
        }
    }

    return valid;
}


static int
apigw_sch_contains(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    size_t  i, n, count;

    n = json_array_size(inst);
    vc->steps += n;
    count = 0;
    vc->quiet++;

    for (i = 0; i < n; i++) {
        if (apigw_sch_eval(vc, c->u.contains.node, json_array_get(inst, i),
                           NULL))
        {
            count++;

            if (ev != NULL) {
                apigw_sch_ev_set(ev, i);

            } else if (count >= c->u.contains.min
                       && c->u.contains.max == (size_t) -1)
            {
                break;
            }
        }

        if (vc->aborted) {
            break;
        }
    }

    vc->quiet--;

    if (vc->aborted) {
        return 0;
    }

    if (count < c->u.contains.min) {
        apigw_sch_error(vc, c->explicit_min ? "minContains" : "contains",
                        "must contain at least %zu valid item%s",
                        c->u.contains.min,
                        c->u.contains.min == 1 ? "" : "s");
        return 0;
    }

    if (count > c->u.contains.max) {
        apigw_sch_error(vc, "maxContains",
                        "must contain at most %zu valid item%s",
                        c->u.contains.max,
                        c->u.contains.max == 1 ? "" : "s");
        return 0;
    }

    return 1;
}


/* pairs for a few items, sorted hashes for more: never n^2 on a body */
static int
apigw_sch_unique(apigw_sch_vctx_t *vc, const json_t *inst)
{
    size_t               i, j, n, a, b;
    apigw_sch_hashed_t  *h;

    n = json_array_size(inst);
    vc->steps += n;
    a = 0;
    b = 0;

    if (n <= APIGW_SCH_UNIQUE_SMALL) {
        for (i = 1; i < n; i++) {
            for (j = 0; j < i; j++) {
                if (apigw_sch_equal(json_array_get(inst, j),
                                    json_array_get(inst, i), 0))
                {
                    a = j;
                    b = i;
                    goto duplicate;
                }
            }
        }

        return 1;
    }

    h = malloc(n * sizeof(apigw_sch_hashed_t));
    if (h == NULL) {
        return apigw_sch_abort(vc, "out of memory");
    }

    for (i = 0; i < n; i++) {
        h[i].hash = apigw_sch_hash(json_array_get(inst, i), 0);
        h[i].index = i;
    }

    qsort(h, n, sizeof(apigw_sch_hashed_t), apigw_sch_hashed_cmp);

    for (i = 1; i < n && b == 0; i++) {
        for (j = i; j > 0 && h[j - 1].hash == h[i].hash; j--) {
            if (apigw_sch_equal(json_array_get(inst, h[j - 1].index),
                                json_array_get(inst, h[i].index), 0))
            {
                a = h[j - 1].index;
                b = h[i].index;
                break;
            }
        }
    }

    free(h);

    if (b == 0) {
        return 1;
    }

duplicate:

    apigw_sch_error(vc, "uniqueItems", "must NOT have duplicate items "
                    "(items %zu and %zu are identical)", a, b);
    return 0;
}


static int
apigw_sch_hashed_cmp(const void *a, const void *b)
{
    const apigw_sch_hashed_t  *x, *y;

    x = a;
    y = b;

    if (x->hash != y->hash) {
        return x->hash < y->hash ? -1 : 1;
    }

    return (x->index > y->index) - (x->index < y->index);
}


/* maxItems, minItems, maxProperties, minProperties */
static int
apigw_sch_counts(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst)
{
    size_t       n;
    const char  *what;

    if (c->kind == APIGW_SCH_MAX_ITEMS || c->kind == APIGW_SCH_MIN_ITEMS) {
        if (!json_is_array(inst)) {
            return 1;
        }

        n = json_array_size(inst);
        what = "items";

    } else {
        if (!json_is_object(inst)) {
            return 1;
        }

        n = json_object_size(inst);
        what = "properties";
    }

    if ((c->kind == APIGW_SCH_MAX_ITEMS || c->kind == APIGW_SCH_MAX_PROPERTIES)
        ? n > c->u.count : n < c->u.count)
    {
        apigw_sch_error(vc, c->keyword, "must NOT have %s than %zu %s",
                        (c->kind == APIGW_SCH_MAX_ITEMS
                         || c->kind == APIGW_SCH_MAX_PROPERTIES)
                        ? "more" : "fewer", c->u.count, what);
        return 0;
    }

    return 1;
}


static int
apigw_sch_required(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst)
{
    int     valid;
    size_t  i;

    valid = 1;

    for (i = 0; i < c->u.required.n; i++) {
        if (json_object_getn(inst, c->u.required.names[i],
                             c->u.required.lens[i]) == NULL)
        {
            apigw_sch_error(vc, c->keyword,
                            "must have required property '%s'",
                            c->u.required.names[i]);
            valid = 0;

            if (apigw_sch_stop(vc)) {
                break;
            }
        }
    }

    return valid;
}


/* properties, patternProperties and additionalProperties in one pass */
static int
apigw_sch_properties(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int                       valid, ok, matched;
    void                     *it;
    size_t                    i, j, p, klen;
    json_t                   *value;
    uint32_t                  h;
    const char               *key;
    const apigw_sch_prop_t   *e;
    const apigw_sch_props_t  *props;

    props = c->u.props;
    valid = 1;
    vc->steps += json_object_size(inst);

    for (i = 0, it = json_object_iter((json_t *) inst); it;
         it = json_object_iter_next((json_t *) inst, it), i++)
    {
        key = json_object_iter_key(it);
        klen = json_object_iter_key_len(it);
        value = json_object_iter_value(it);
        matched = 0;
        ok = 1;

        if (props->size) {
            h = apigw_sch_name_hash(key, klen);
            j = h & (props->size - 1);

            for (e = &props->table[j]; e->name != NULL;
                 j = (j + 1) & (props->size - 1), e = &props->table[j])
            {
                if (e->hash == h && e->len == klen
                    && memcmp(e->name, key, klen) == 0)
                {
                    matched = 1;
                    ok = apigw_sch_child(vc, e->node, value, key, klen);
                    break;
                }
            }
        }

        for (p = 0; p < props->npatterns && (ok || !apigw_sch_stop(vc));
             p++)
        {
            if (apigw_sch_match(vc, &props->patterns[p], key, klen)) {
                matched = 1;
                ok &= apigw_sch_child(vc, props->pattern_nodes[p], value,
                                      key, klen);
            }
        }

        if (!matched && props->additional != NULL) {
            matched = 1;

            if (props->additional->is_false) {
                if (vc->npath < APIGW_SCH_MAX_PATH) {
                    vc->path[vc->npath].key = key;
                    vc->path[vc->npath].len = klen;
                }

                vc->npath++;
                apigw_sch_error(vc, "additionalProperties",
                                "must NOT have additional properties");
                vc->npath--;
                ok = 0;

            } else {
                ok = apigw_sch_child(vc, props->additional, value, key, klen);
            }
        }

        if (matched && ev != NULL) {
            apigw_sch_ev_set(ev, i);
        }

        if (!ok) {
            valid = 0;

            if (vc->aborted || apigw_sch_stop(vc)) {
                return 0;
            }
        }
    }

    return valid;
}


/* dependentRequired, dependentSchemas, draft 4 dependencies */
static int
apigw_sch_dependencies(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int                     valid;
    size_t                  i, j;
    const apigw_sch_dep_t  *d;

    valid = 1;

    if (c->kind == APIGW_SCH_DEP_SCHEMAS) {
        for (i = 0; i < c->u.depsch.n; i++) {
            if (json_object_getn(inst, c->u.depsch.deps[i].name,
                                 c->u.depsch.deps[i].len) != NULL
                && !apigw_sch_eval(vc, c->u.depsch.deps[i].node, inst, ev))
            {
                valid = 0;

                if (vc->aborted || apigw_sch_stop(vc)) {
                    return 0;
                }
            }
        }

        return valid;
    }

    for (i = 0; i < c->u.depreq.n; i++) {
        d = &c->u.depreq.deps[i];

        if (json_object_getn(inst, d->name, d->len) == NULL) {
            continue;
        }

        for (j = 0; j < d->required.n; j++) {
            if (json_object_getn(inst, d->required.names[j],
                                 d->required.lens[j]) == NULL)
            {
                apigw_sch_error(vc, c->keyword, "must have property '%s' "
                                "when property '%s' is present",
                                d->required.names[j], d->name);
                valid = 0;

                if (apigw_sch_stop(vc)) {
                    return 0;
                }
            }
        }
    }

    return valid;
}


/* propertyNames: each key as a string instance */
static int
apigw_sch_names(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst)
{
    int          valid, ok;
    void        *it;
    size_t       klen;
    json_t      *name;
    const char  *key;

    valid = 1;
    vc->steps += json_object_size(inst);

    for (it = json_object_iter((json_t *) inst); it;
         it = json_object_iter_next((json_t *) inst, it))
    {
        key = json_object_iter_key(it);
        klen = json_object_iter_key_len(it);

        name = json_stringn_nocheck(key, klen);
        if (name == NULL) {
            return apigw_sch_abort(vc, "out of memory");
        }

        vc->quiet++;
        ok = apigw_sch_eval(vc, c->u.node, name, NULL);
        vc->quiet--;
        json_decref(name);

        if (vc->aborted) {
            return 0;
        }

        if (!ok) {
            if (vc->npath < APIGW_SCH_MAX_PATH) {
                vc->path[vc->npath].key = key;
                vc->path[vc->npath].len = klen;
            }

            vc->npath++;
            apigw_sch_error(vc, c->keyword, "property name must be valid "
                            "against the propertyNames schema");
            vc->npath--;
            valid = 0;

            if (apigw_sch_stop(vc)) {
                return 0;
            }
        }
    }

    return valid;
}


/* the outermost resource in the dynamic scope that has the anchor wins */
static int
apigw_sch_dynamic(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    size_t                   i, j;
    const apigw_sch_dyn_t   *dyn;
    const apigw_sch_node_t  *target;

    target = c->u.dynref.node;
    dyn = c->u.dynref.dyn;

    if (dyn != NULL) {
        for (i = 0; i < vc->nscope; i++) {
            for (j = 0; j < dyn->n; j++) {
                if (dyn->res[j] == vc->scope[i]) {
                    target = dyn->nodes[j];
                    goto found;
                }
            }
        }
    }

found:

    return apigw_sch_eval(vc, target, inst, ev);
}


/*
 * anyOf and oneOf, quiet; with annotations wanted every branch runs, on
 * its own bitmap that counts only when the branch is valid
 */
static int
apigw_sch_some(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int              ok;
    size_t           i, n, valid;
    apigw_sch_ev_t   branch, keep;

    n = 0;

    if (ev != NULL) {
        n = json_is_object(inst) ? json_object_size(inst)
                                 : json_array_size(inst);

        if (apigw_sch_ev_init(vc, &keep, n) != 0) {
            return 0;
        }
    }

    valid = 0;
    vc->quiet++;

    for (i = 0; i < c->u.list.n; i++) {
        if (ev != NULL) {
            if (apigw_sch_ev_init(vc, &branch, n) != 0) {
                break;
            }

            ok = apigw_sch_eval(vc, c->u.list.nodes[i], inst, &branch);

            if (ok) {
                apigw_sch_ev_or(&keep, &branch);
            }

            apigw_sch_ev_free(&branch);

        } else {
            ok = apigw_sch_eval(vc, c->u.list.nodes[i], inst, NULL);
        }

        if (vc->aborted) {
            break;
        }

        valid += ok;

        if (valid && ev == NULL && c->kind == APIGW_SCH_ANY_OF) {
            break;
        }

        if (valid > 1 && c->kind == APIGW_SCH_ONE_OF) {
            break;
        }
    }

    vc->quiet--;

    ok = !vc->aborted
         && (c->kind == APIGW_SCH_ANY_OF ? valid > 0 : valid == 1);

    if (ev != NULL) {
        if (ok) {
            apigw_sch_ev_or(ev, &keep);
        }

        apigw_sch_ev_free(&keep);
    }

    if (!ok && !vc->aborted) {
        if (c->kind == APIGW_SCH_ANY_OF) {
            apigw_sch_error(vc, c->keyword,
                            "must match a schema in anyOf");

        } else {
            apigw_sch_error(vc, c->keyword,
                            "must match exactly one schema in oneOf");
        }
    }

    return ok;
}


/* if (quiet, its annotations count when valid), then then or else */
static int
apigw_sch_cond(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int             ok;
    apigw_sch_ev_t  branch;

    vc->quiet++;

    if (ev != NULL) {
        if (apigw_sch_ev_init(vc, &branch, json_is_object(inst)
                                           ? json_object_size(inst)
                                           : json_array_size(inst))
            != 0)
        {
            vc->quiet--;
            return 0;
        }

        ok = apigw_sch_eval(vc, c->u.cond.cond, inst, &branch);

        if (ok) {
            apigw_sch_ev_or(ev, &branch);
        }

        apigw_sch_ev_free(&branch);

    } else {
        ok = apigw_sch_eval(vc, c->u.cond.cond, inst, NULL);
    }

    vc->quiet--;

    if (vc->aborted) {
        return 0;
    }

    if (ok) {
        return c->u.cond.then == NULL
               || apigw_sch_eval(vc, c->u.cond.then, inst, ev);
    }

    return c->u.cond.otherwise == NULL
           || apigw_sch_eval(vc, c->u.cond.otherwise, inst, ev);
}


/* unevaluatedItems and unevaluatedProperties: what no keyword evaluated */
static int
apigw_sch_unevaluated(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int          valid, ok, items;
    void        *it;
    size_t       i, n, klen;
    json_t      *value;
    const char  *key;

    items = (c->kind == APIGW_SCH_UNEVALUATED_ITEMS);

    if (items ? !json_is_array(inst) : !json_is_object(inst)) {
        return 1;
    }

    n = items ? json_array_size(inst) : json_object_size(inst);
    vc->steps += n;
    valid = 1;
    it = items ? NULL : json_object_iter((json_t *) inst);

    for (i = 0; i < n; i++) {
        if (items) {
            key = NULL;
            klen = i;
            value = json_array_get(inst, i);

        } else {
            key = json_object_iter_key(it);
            klen = json_object_iter_key_len(it);
            value = json_object_iter_value(it);
            it = json_object_iter_next((json_t *) inst, it);
        }

        if (ev != NULL && apigw_sch_ev_get(ev, i)) {
            continue;
        }

        if (c->u.node->is_false) {
            if (vc->npath < APIGW_SCH_MAX_PATH) {
                vc->path[vc->npath].key = key;
                vc->path[vc->npath].len = klen;
            }

            vc->npath++;
            apigw_sch_error(vc, c->keyword, "must NOT have unevaluated %s",
                            items ? "items" : "properties");
            vc->npath--;
            ok = 0;

        } else {
            ok = apigw_sch_child(vc, c->u.node, value, key, klen);
        }

        if (ev != NULL) {
            apigw_sch_ev_set(ev, i);
        }

        if (!ok) {
            valid = 0;

            if (vc->aborted || apigw_sch_stop(vc)) {
                return 0;
            }
        }
    }

    return valid;
}


uint32_t
apigw_sch_name_hash(const char *p, size_t len)
{
    uint32_t  h;

    for (h = 2166136261u; len; len--, p++) {
        h = (h ^ (unsigned char) *p) * 16777619u;
    }

    return h;
}


uint64_t
apigw_sch_json_hash(const json_t *v)
{
    return apigw_sch_hash(v, 0);
}


int
apigw_sch_json_equal(const json_t *a, const json_t *b)
{
    return apigw_sch_equal(a, b, 0);
}


/* JSON equality's hash: 1 and 1.0 agree, key order does not matter */
static uint64_t
apigw_sch_hash(const json_t *v, unsigned depth)
{
    void         *it;
    double        d;
    size_t        i, n;
    uint64_t      h, k;
    const char   *p;

    switch (json_typeof(v)) {

    case JSON_STRING:
        p = json_string_value(v);
        n = json_string_length(v);

        for (h = 0xcbf29ce484222325ULL, i = 0; i < n; i++) {
            h = (h ^ (unsigned char) p[i]) * 0x100000001b3ULL;
        }

        return apigw_sch_mix(h ^ 0x5);

    case JSON_INTEGER:
        h = (uint64_t) json_integer_value(v);
        return apigw_sch_mix(apigw_sch_mix(h));

    case JSON_REAL:
        d = json_real_value(v);

        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0
            && d == (double) (long long) d)
        {
            h = (uint64_t) (long long) d;
            return apigw_sch_mix(apigw_sch_mix(h));
        }

        memcpy(&h, &d, sizeof(double));
        return apigw_sch_mix(apigw_sch_mix(h ^ 0x7));

    case JSON_ARRAY:
        h = 0x11;

        if (depth < APIGW_SCH_EQ_DEPTH) {
            for (i = 0; i < json_array_size(v); i++) {
                h = apigw_sch_mix(h * 31 + apigw_sch_hash(json_array_get(v, i),
                                                          depth + 1));
            }
        }

        return h;

    case JSON_OBJECT:
        h = 0x13;

        if (depth < APIGW_SCH_EQ_DEPTH) {
            for (it = json_object_iter((json_t *) v); it;
                 it = json_object_iter_next((json_t *) v, it))
            {
                p = json_object_iter_key(it);
                n = json_object_iter_key_len(it);

                for (k = 0xcbf29ce484222325ULL, i = 0; i < n; i++) {
                    k = (k ^ (unsigned char) p[i]) * 0x100000001b3ULL;
                }

                /* a sum: the order of the members does not count */
                h += apigw_sch_mix(k ^ apigw_sch_hash(
                                         json_object_iter_value(it),
                                         depth + 1));
            }
        }

        return h;

    case JSON_TRUE:
        return 0x21;

    case JSON_FALSE:
        return 0x23;

    default:
        return 0x25;
    }
}


/* JSON equality; values nested deeper than 1024 levels are not equal */
static int
apigw_sch_equal(const json_t *a, const json_t *b, unsigned depth)
{
    void    *it;
    size_t   i, n;
    json_t  *v;

    if (a == b) {
        return 1;
    }

    if (json_is_number(a) && json_is_number(b)) {
        return apigw_sch_num_equal(a, b);
    }

    if (json_typeof(a) != json_typeof(b) || depth >= APIGW_SCH_EQ_DEPTH) {
        return 0;
    }

    switch (json_typeof(a)) {

    case JSON_STRING:
        return json_string_length(a) == json_string_length(b)
               && memcmp(json_string_value(a), json_string_value(b),
                         json_string_length(a)) == 0;

    case JSON_ARRAY:
        n = json_array_size(a);

        if (n != json_array_size(b)) {
            return 0;
        }

        for (i = 0; i < n; i++) {
            if (!apigw_sch_equal(json_array_get(a, i), json_array_get(b, i),
                                 depth + 1))
            {
                return 0;
            }
        }

        return 1;

    case JSON_OBJECT:
        if (json_object_size(a) != json_object_size(b)) {
            return 0;
        }

        for (it = json_object_iter((json_t *) a); it;
             it = json_object_iter_next((json_t *) a, it))
        {
            v = json_object_getn(b, json_object_iter_key(it),
                                 json_object_iter_key_len(it));

            if (v == NULL
                || !apigw_sch_equal(json_object_iter_value(it), v, depth + 1))
            {
                return 0;
            }
        }

        return 1;

    default:
        /* true, false, null: the types are equal */
        return 1;
    }
}


static int
apigw_sch_num_equal(const json_t *a, const json_t *b)
{
    double      d;
    json_int_t  i;

    if (json_is_integer(a) && json_is_integer(b)) {
        return json_integer_value(a) == json_integer_value(b);
    }

    if (json_is_real(a) && json_is_real(b)) {
        return json_real_value(a) == json_real_value(b);
    }

    i = json_integer_value(json_is_integer(a) ? a : b);
    d = json_real_value(json_is_real(a) ? a : b);

    return d >= -9223372036854775808.0 && d < 9223372036854775808.0
           && d == (double) (long long) d && (json_int_t) d == i;
}


/* the length of a valid UTF-8 sequence at p, 0 when invalid */
static size_t
apigw_utf8_seq(const unsigned char *p, size_t len)
{
    size_t  n, i;

    if (p[0] < 0x80) {
        return 1;
    }

    if (p[0] < 0xc2 || p[0] > 0xf4) {
        return 0;
    }

    n = (p[0] < 0xe0) ? 2 : (p[0] < 0xf0) ? 3 : 4;

    if (len < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }

    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)
        || (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
    {
        return 0;
    }

    return n;
}


/*
 * a request body: a cheap pass finds NUL bytes, invalid UTF-8 and deep
 * nesting (strings skipped) before jansson sees it; jansson's own
 * messages quote the input, so errors are rewritten without it
 */
json_t *
apigw_json_parse_strict(const char *buf, size_t len, unsigned max_depth,
    char *errbuf, size_t errlen)
{
    int                   in_string, escape, blank;
    size_t                i, n, depth;
    json_t               *json;
    json_error_t          jerr;
    const char           *what;
    const unsigned char  *p;

    p = (const unsigned char *) buf;
    in_string = 0;
    escape = 0;
    blank = 1;
    depth = 0;

    for (i = 0; i < len; i++) {
        if (p[i] == '\0') {
            snprintf(errbuf, errlen, "NUL byte at byte offset %zu", i);
            return NULL;
        }

        if (p[i] >= 0x80) {
            n = apigw_utf8_seq(p + i, len - i);

            if (n == 0) {
                snprintf(errbuf, errlen, "invalid UTF-8 at byte offset %zu",
                         i);
                return NULL;
            }

            i += n - 1;
            blank = 0;
            escape = 0;
            continue;
        }

        if (in_string) {
            if (escape) {
                escape = 0;

            } else if (p[i] == '\\') {
                escape = 1;

            } else if (p[i] == '"') {
                in_string = 0;
            }

            continue;
        }

        switch (p[i]) {

        case '"':
            in_string = 1;
            break;

        case '[':
        case '{':
            if (++depth > max_depth) {
                snprintf(errbuf, errlen, "nesting deeper than %u at byte "
                         "offset %zu", max_depth, i);
                return NULL;
            }

            break;

        case ']':
        case '}':
            depth -= (depth > 0);
            break;
        }

        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') {
            blank = 0;
        }
    }

    if (blank) {
        snprintf(errbuf, errlen, "empty body");
        return NULL;
    }

    json = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                      &jerr);
    if (json != NULL) {
        return json;
    }

    switch (json_error_code(&jerr)) {

    case json_error_duplicate_key:
        what = "duplicate object key";
        break;

    case json_error_numeric_overflow:
        what = "number out of range";
        break;

    case json_error_null_character:
        what = "\\u0000 in a string";
        break;

    case json_error_premature_end_of_input:
        what = "unexpected end of input";
        break;

    case json_error_end_of_input_expected:
        what = "data after the JSON value";
        break;

    case json_error_stack_overflow:
        what = "nesting too deep";
        break;

    case json_error_out_of_memory:
        snprintf(errbuf, errlen, "out of memory");
        return NULL;

    default:
        what = "invalid JSON";
        break;
    }

    snprintf(errbuf, errlen, "%s at line %d, column %d", what, jerr.line,
             jerr.column);

    return NULL;
}
