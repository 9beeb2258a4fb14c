
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"


/*
 * The validator walks the compiled nodes over the instance; the keywords
 * of arrays and objects are in apigw_schema_collections.c.  Nothing is
 * allocated unless the schema asks for it: unevaluatedItems and
 * unevaluatedProperties keep a bitmap of the instance's evaluated items
 * or keys (on the stack up to 256), uniqueItems over 16 items sorts
 * hashes, propertyNames makes a string per key.  Branches of anyOf,
 * oneOf, not, if and contains run "quiet": they record no errors and
 * stop at their first failure; the combinator reports its own error.
 */


static int apigw_sch_check(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_budget(apigw_sch_vctx_t *vc);
static size_t apigw_sch_values_in(const json_t *v, unsigned depth);
static void apigw_sch_path(apigw_sch_vctx_t *vc, char *buf, size_t size);
static int apigw_sch_integral(double d);
static int apigw_sch_type(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    json_type type, double d);
static int apigw_sch_values(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst);
static int apigw_sch_scalar_values(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const apigw_sch_scalar_t *sv);
static int apigw_sch_numeric(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const apigw_sch_scalar_t *sv);
static int apigw_sch_multiple(double x, const apigw_sch_num_t *m);
static void apigw_sch_num_str(const apigw_sch_num_t *n, char *buf,
    size_t size);
static int apigw_sch_length(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const char *s, size_t len);
static int apigw_sch_counts(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst);
static int apigw_sch_required(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst);
static int apigw_sch_dynamic(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_some(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);
static int apigw_sch_cond(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);


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


int
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
    size_t              i;
    int                 valid;
    apigw_sch_scalar_t  sv;

    switch (c->kind) {

    case APIGW_SCH_FALSE:
        apigw_sch_error(vc, c->keyword, "no value is allowed here");
        return 0;

    case APIGW_SCH_TYPE:
        return apigw_sch_type(vc, c, json_typeof(inst),
                              json_is_real(inst) ? json_real_value(inst) : 0);

    case APIGW_SCH_ENUM:
    case APIGW_SCH_CONST:
        return apigw_sch_values(vc, c, inst);

    case APIGW_SCH_MULTIPLE_OF:
    case APIGW_SCH_MAXIMUM:
    case APIGW_SCH_MINIMUM:
    case APIGW_SCH_MAX_LENGTH:
    case APIGW_SCH_MIN_LENGTH:
    case APIGW_SCH_PATTERN:
    case APIGW_SCH_FORMAT:
        if (json_is_array(inst) || json_is_object(inst)) {
            return 1;
        }

        apigw_sch_scalar_of(inst, &sv);
        return apigw_sch_scalar_check(vc, c, &sv);

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
        return !json_is_object(inst) || apigw_sch_property_names(vc, c, inst);

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


void
apigw_sch_scalar_of(const json_t *v, apigw_sch_scalar_t *sv)
{
    sv->type = json_typeof(v);

    switch (sv->type) {

    case JSON_STRING:
        sv->s = json_string_value(v);
        sv->len = json_string_length(v);
        break;

    case JSON_INTEGER:
        sv->i = json_integer_value(v);
        break;

    case JSON_REAL:
        sv->d = json_real_value(v);
        break;

    default:
        break;
    }
}


/* a scalar's own checks; those of arrays and objects do not apply */
int
apigw_sch_scalar_check(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const apigw_sch_scalar_t *sv)
{
    switch (c->kind) {

    case APIGW_SCH_FALSE:
        apigw_sch_error(vc, c->keyword, "no value is allowed here");
        return 0;

    case APIGW_SCH_TYPE:
        return apigw_sch_type(vc, c, sv->type, sv->d);

    case APIGW_SCH_ENUM:
    case APIGW_SCH_CONST:
        return apigw_sch_scalar_values(vc, c, sv);

    case APIGW_SCH_MULTIPLE_OF:
    case APIGW_SCH_MAXIMUM:
    case APIGW_SCH_MINIMUM:
        return (sv->type != JSON_INTEGER && sv->type != JSON_REAL)
               || apigw_sch_numeric(vc, c, sv);

    case APIGW_SCH_MAX_LENGTH:
    case APIGW_SCH_MIN_LENGTH:
    case APIGW_SCH_PATTERN:
        return sv->type != JSON_STRING
               || apigw_sch_length(vc, c, sv->s, sv->len);

    case APIGW_SCH_FORMAT:
        if (apigw_format_check(c->u.format, sv)) {
            return 1;
        }

        apigw_sch_error(vc, c->keyword, "must match format \"%s\"",
                        apigw_format_name(c->u.format));
        return 0;

    default:
        return 1;
    }
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


int
apigw_sch_abort(apigw_sch_vctx_t *vc, const char *msg)
{
    if (!vc->aborted) {
        vc->aborted = 1;
        vc->abort_msg = msg;
    }

    return 0;
}


/* no more errors wanted: the first failure decides */
int
apigw_sch_stop(apigw_sch_vctx_t *vc)
{
    return vc->quiet || !vc->record || vc->errors->n >= vc->errors->max;
}


void
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
int
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


int
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


void
apigw_sch_ev_free(apigw_sch_ev_t *ev)
{
    if (ev->bits != ev->buf) {
        free(ev->bits);
    }
}


void
apigw_sch_ev_or(apigw_sch_ev_t *dst, const apigw_sch_ev_t *src)
{
    size_t  i;

    for (i = 0; i < dst->n && i < src->n; i++) {
        dst->bits[i] |= src->bits[i];
    }
}


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
    json_type type, double d)
{
    char       buf[APIGW_SCHEMA_MSG_LEN];
    size_t     n;
    unsigned   t, types, i, k, count;
    static const unsigned  order[] = { 2, 3, 5, 4, 6, 1, 0 };

    switch (type) {

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

        if (!vc->d4 && apigw_sch_integral(d)) {
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
        if (apigw_sch_json_equal(c->u.values.value, inst)) {
            return 1;
        }

        apigw_sch_error(vc, c->keyword, "must be equal to the constant");
        return 0;
    }

    h = apigw_sch_json_hash(inst);

    for (i = 0; i < c->u.values.n; i++) {
        if (c->u.values.hashes[i] == h
            && apigw_sch_json_equal(json_array_get(c->u.values.value, i),
                                    inst))
        {
            return 1;
        }
    }

    apigw_sch_error(vc, c->keyword,
                    "must be equal to one of the allowed values");
    return 0;
}


static int
apigw_sch_scalar_values(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const apigw_sch_scalar_t *sv)
{
    size_t    i;
    uint64_t  h;

    if (c->kind == APIGW_SCH_CONST) {
        if (apigw_sch_scalar_equal(c->u.values.value, sv)) {
            return 1;
        }

        apigw_sch_error(vc, c->keyword, "must be equal to the constant");
        return 0;
    }

    h = apigw_sch_scalar_hash(sv);

    for (i = 0; i < c->u.values.n; i++) {
        if (c->u.values.hashes[i] == h
            && apigw_sch_scalar_equal(json_array_get(c->u.values.value, i),
                                      sv))
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
    const apigw_sch_scalar_t *sv)
{
    int          cmp, bad;
    char         num[64];
    json_int_t   i;
    long double  x, y;

    if (c->kind == APIGW_SCH_MULTIPLE_OF) {
        if (sv->type == JSON_INTEGER && c->u.num.is_int) {
            bad = (sv->i % c->u.num.i) != 0;

        } else {
            bad = !apigw_sch_multiple(sv->type == JSON_INTEGER
                                      ? (double) sv->i : sv->d, &c->u.num);
        }

        if (bad) {
            apigw_sch_num_str(&c->u.num, num, sizeof(num));
            apigw_sch_error(vc, c->keyword, "must be a multiple of %s", num);
        }

        return !bad;
    }

    if (sv->type == JSON_INTEGER && c->u.num.is_int) {
        i = sv->i;
        cmp = (i > c->u.num.i) - (i < c->u.num.i);

    } else {
        /* exact for every int64 and double on x86's 64-bit mantissa */
        x = sv->type == JSON_INTEGER ? (long double) sv->i
                                     : (long double) sv->d;
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
    const char *s, size_t len)
{
    size_t  n, i;

    if (c->kind == APIGW_SCH_PATTERN) {
        if (apigw_sch_match(vc, &c->u.re, s, len)) {
            return 1;
        }

        apigw_sch_error(vc, c->keyword, "must match pattern \"%s\"",
                        c->u.re.src);
        return 0;
    }

    /* a code point is 1 to 4 bytes: the byte length often decides */

    if (c->kind == APIGW_SCH_MAX_LENGTH ? len <= c->u.count
                                        : len / 4 >= c->u.count)
    {
        return 1;
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
int
apigw_sch_match(const apigw_sch_vctx_t *vc, const apigw_sch_re_t *re,
    const char *s, size_t len)
{
    int     rc;
    size_t  i, n;

    if (re->simple != NULL) {
        return apigw_sch_simple_match(re->simple, s, len);
    }

    /* a repeat count PCRE2 cannot hold is exact for shorter strings only */
    if (re->limit && len >= re->limit) {
        for (i = 0, n = 0; i < len; i++) {
            n += ((s[i] & 0xc0) != 0x80);
        }

        if (n >= re->limit) {
            return 0;
        }
    }

    /*
     * the instance's strings and keys are valid UTF-8 (jansson's and the
     * parser's invariant), so the JIT's entry point, which skips
     * pcre2_match()'s UTF-8 check of the subject, is safe
     */

    if (re->jit) {
        rc = pcre2_jit_match(re->code, (PCRE2_SPTR) s, len, 0, 0,
                             vc->set->match_data, vc->set->match_ctx);

    } else {
        rc = pcre2_match(re->code, (PCRE2_SPTR) s, len, 0, 0,
                         vc->set->match_data, vc->set->match_ctx);
    }

    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        rc = pcre2_match(re->code, (PCRE2_SPTR) s, len, 0, PCRE2_NO_JIT,
                         vc->set->match_data, vc->set->match_ctx);
    }

    return rc >= 0;
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
