
/*
 * Copyright (C) apigw contributors
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_vtl_int.h"


/*
 * The renderer: walks the tree apigw_vtl_parse() built, per request.
 * Variables are slots in an array (on the stack for small templates);
 * text, $context/$stageVariables lookups, $input.json() and
 * $util.escapeJavaScript() in text go straight to the output without an
 * intermediate value.  Every node evaluated counts against
 * APIGW_VTL_MAX_STEPS, every byte handled against APIGW_VTL_MAX_BYTES.
 */


typedef enum {
    APIGW_VTL_OK = 0,
    APIGW_VTL_ERROR = -1,
    APIGW_VTL_BROKE = 1,                /* #break */
    APIGW_VTL_STOPPED = 2               /* #stop */
} apigw_vtl_rc_e;

static int apigw_vtl_render_list(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_node_t *node, apigw_vtl_buf_t *buf);
static int apigw_vtl_render_foreach(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_node_t *node, apigw_vtl_buf_t *buf);
static int apigw_vtl_set_context(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_node_t *node);
static int apigw_vtl_emit(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    apigw_vtl_buf_t *buf);
static int apigw_vtl_eval_list(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_expr_t *e, apigw_vtl_val_t *out);
static int apigw_vtl_eval_range(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_expr_t *e, apigw_vtl_val_t *out);
static int apigw_vtl_eval_map(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_expr_t *e, apigw_vtl_val_t *out);
static int apigw_vtl_eval_binary(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_expr_t *e, apigw_vtl_val_t *out);
static int apigw_vtl_arith(apigw_vtl_ctx_t *ctx, apigw_vtl_op_e op,
    apigw_vtl_val_t *a, apigw_vtl_val_t *b, apigw_vtl_val_t *out);
static int apigw_vtl_concat(apigw_vtl_ctx_t *ctx, apigw_vtl_val_t *a,
    apigw_vtl_val_t *b, apigw_vtl_val_t *out);
static int apigw_vtl_compare(apigw_vtl_op_e op, apigw_vtl_val_t *a,
    apigw_vtl_val_t *b);
static int apigw_vtl_eval_chain(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_expr_t *e, apigw_vtl_val_t *out);
static int apigw_vtl_access(apigw_vtl_ctx_t *ctx, const apigw_vtl_acc_t *acc,
    apigw_vtl_val_t *self, apigw_vtl_val_t *out);


#define APIGW_VTL_STACK_VARS    16


char *
apigw_vtl_render(const apigw_vtl_t *tpl, apigw_vtl_input_t *in, size_t *len,
    char *errbuf, size_t errlen)
{
    int               rc;
    char              scratch[APIGW_ERR_LEN];
    size_t            i;
    apigw_vtl_buf_t   out;
    apigw_vtl_ctx_t   ctx;
    apigw_vtl_val_t   stack_vars[APIGW_VTL_STACK_VARS];

    if (errbuf == NULL || errlen == 0) {
        errbuf = scratch;
        errlen = sizeof(scratch);
    }

    errbuf[0] = '\0';

    memset(&ctx, 0, sizeof(apigw_vtl_ctx_t));
    memset(&out, 0, sizeof(apigw_vtl_buf_t));

    ctx.tpl = tpl;
    ctx.in = in;
    ctx.out = &out;
    ctx.errbuf = errbuf;
    ctx.errlen = errlen;
    ctx.line = 1;

    if (tpl->nvars <= APIGW_VTL_STACK_VARS) {
        ctx.vars = stack_vars;
        memset(stack_vars, 0, sizeof(stack_vars));

    } else {
        ctx.vars = calloc(tpl->nvars, sizeof(apigw_vtl_val_t));
        if (ctx.vars == NULL) {
            snprintf(errbuf, errlen, "out of memory");
            return NULL;
        }
    }

    /* the literal text is a fair first guess of the output's size */
    rc = apigw_vtl_buf_reserve(&ctx, &out,
                               tpl->text_len < APIGW_VTL_MAX_OUTPUT / 2
                               ? tpl->text_len + 256 : 4096);

    if (rc == 0) {
        rc = apigw_vtl_render_list(&ctx, tpl->body, &out);
    }

    for (i = 0; i < tpl->nvars; i++) {
        apigw_vtl_val_release(&ctx.vars[i]);
    }

    if (ctx.vars != stack_vars) {
        free(ctx.vars);
    }

    apigw_vtl_val_release(&ctx.params);
    apigw_vtl_match_ctx_free(ctx.match_ctx);

    if (rc == APIGW_VTL_ERROR) {
        if (errbuf[0] == '\0') {
            snprintf(errbuf, errlen, "line %u: render failed", ctx.line);
        }

        free(out.data);
        return NULL;
    }

    /* buffers keep a byte spare */
    out.data[out.len] = '\0';
    *len = out.len;

    return out.data;
}


static int
apigw_vtl_render_list(apigw_vtl_ctx_t *ctx, const apigw_vtl_node_t *node,
    apigw_vtl_buf_t *buf)
{
    int                        rc;
    apigw_vtl_val_t            v;
    const apigw_vtl_branch_t  *br;

    for ( /* void */ ; node != NULL; node = node->next) {

        if (++ctx->steps > APIGW_VTL_MAX_STEPS) {
            return apigw_vtl_error(ctx, "more than %d steps",
                                   APIGW_VTL_MAX_STEPS);
        }

        ctx->line = node->line;

        switch (node->kind) {

        case APIGW_VTL_TEXT:
            if (apigw_vtl_buf_add(ctx, buf, node->u.text.data,
                                  node->u.text.len)
                != 0)
            {
                return APIGW_VTL_ERROR;
            }

            break;

        case APIGW_VTL_REF:
            if (apigw_vtl_emit(ctx, node->u.expr, buf) != 0) {
                return APIGW_VTL_ERROR;
            }

            break;

        case APIGW_VTL_SET:
            if (apigw_vtl_eval(ctx, node->u.set.expr, &v) != 0) {
                return APIGW_VTL_ERROR;
            }

            /* unlike Velocity 1.7, a null value is set: $x is null after */
            apigw_vtl_val_release(&ctx->vars[node->u.set.var]);
            ctx->vars[node->u.set.var] = v;
            break;

        case APIGW_VTL_SET_CONTEXT:
            if (apigw_vtl_set_context(ctx, node) != 0) {
                return APIGW_VTL_ERROR;
            }

            break;

        case APIGW_VTL_IF:
            for (br = node->u.branches; br != NULL; br = br->next) {
                if (br->cond != NULL) {
                    if (apigw_vtl_eval(ctx, br->cond, &v) != 0) {
                        return APIGW_VTL_ERROR;
                    }

                    rc = apigw_vtl_truthy(&v);
                    apigw_vtl_val_release(&v);

                    if (!rc) {
                        continue;
                    }
                }

                rc = apigw_vtl_render_list(ctx, br->body, buf);
                if (rc != APIGW_VTL_OK) {
                    return rc;
                }

                break;
            }

            break;

        case APIGW_VTL_FOREACH:
            rc = apigw_vtl_render_foreach(ctx, node, buf);
            if (rc != APIGW_VTL_OK) {
                return rc;
            }

            break;

        case APIGW_VTL_BREAK:
            return APIGW_VTL_BROKE;

        default: /* APIGW_VTL_STOP */
            return APIGW_VTL_STOPPED;
        }
    }

    return APIGW_VTL_OK;
}


/*
 * over a list, or a map's values; null and scalars: no iteration; at most
 * APIGW_VTL_MAX_FOREACH iterations, as AWS's Velocity configures it, and
 * $foreach.hasNext is false on the last one done
 */
static int
apigw_vtl_render_foreach(apigw_vtl_ctx_t *ctx, const apigw_vtl_node_t *node,
    apigw_vtl_buf_t *buf)
{
    int                rc;
    size_t             i, n;
    apigw_vtl_val_t    coll, values, saved, *var;
    apigw_vtl_loop_t   loop;

    if (apigw_vtl_eval(ctx, node->u.loop.expr, &coll) != 0) {
        return APIGW_VTL_ERROR;
    }

    if (coll.type == APIGW_VTL_V_MAP
        || (coll.type == APIGW_VTL_V_JSON && json_is_object(coll.u.json)))
    {
        rc = apigw_vtl_map_values(ctx, &coll, &values);
        apigw_vtl_val_release(&coll);

        if (rc != 0) {
            return APIGW_VTL_ERROR;
        }

        coll = values;
    }

    n = apigw_vtl_seq_len(&coll);

    if (n > APIGW_VTL_MAX_FOREACH) {
        n = APIGW_VTL_MAX_FOREACH;
    }

    var = &ctx->vars[node->u.loop.var];
    saved = *var;
    memset(var, 0, sizeof(apigw_vtl_val_t));

    loop.parent = ctx->loop;
    ctx->loop = &loop;
    rc = APIGW_VTL_OK;

    for (i = 0; i < n; i++) {
        if (++ctx->steps > APIGW_VTL_MAX_STEPS) {
            ctx->line = node->line;
            rc = apigw_vtl_error(ctx, "more than %d steps",
                                 APIGW_VTL_MAX_STEPS);
            break;
        }

        apigw_vtl_val_release(var);
        apigw_vtl_seq_get(&coll, i, var);

        loop.index = i;
        loop.has_next = (i + 1 < n);

        rc = apigw_vtl_render_list(ctx, node->u.loop.body, buf);

        if (rc == APIGW_VTL_BROKE) {
            rc = APIGW_VTL_OK;
            break;
        }

        if (rc != APIGW_VTL_OK) {
            break;
        }
    }

    /* the loop variable gets back the value it had before the loop */
    ctx->loop = loop.parent;
    apigw_vtl_val_release(var);
    *var = saved;
    apigw_vtl_val_release(&coll);

    return rc;
}


static int
apigw_vtl_set_context(apigw_vtl_ctx_t *ctx, const apigw_vtl_node_t *node)
{
    int               rc;
    char              small[32];
    size_t            len;
    const char       *data;
    apigw_vtl_val_t   v;
    apigw_vtl_buf_t   tmp;

    if (apigw_vtl_eval(ctx, node->u.set.expr, &v) != 0) {
        return -1;
    }

    if (v.type == APIGW_VTL_V_NULL || ctx->in->context_set == NULL) {
        apigw_vtl_val_release(&v);
        return 0;
    }

    memset(&tmp, 0, sizeof(apigw_vtl_buf_t));
    rc = apigw_vtl_text(ctx, &v, &data, &len, &tmp, small);

    if (rc == 0
        && ctx->in->context_set(ctx->in->data, node->u.set.name,
                                node->u.set.len, data, len)
           != 0)
    {
        rc = apigw_vtl_error(ctx, "cannot set $context.%s",
                             node->u.set.name);
    }

    free(tmp.data);
    apigw_vtl_val_release(&v);

    return rc;
}


/* a reference in text: straight to the output where it can */
static int
apigw_vtl_emit(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    apigw_vtl_buf_t *buf)
{
    int               rc;
    char              small[32];
    size_t            len;
    json_t           *json;
    const char       *value;
    apigw_vtl_val_t   v;
    apigw_vtl_buf_t   tmp;

    switch (e->kind) {

    case APIGW_VTL_E_VAR:
        return apigw_vtl_write(ctx, buf, &ctx->vars[e->u.var]);

    case APIGW_VTL_E_CONTEXT:
    case APIGW_VTL_E_STAGE:
        if (!apigw_vtl_lookup(ctx, e, &value, &len)) {
            return 0;
        }

        return apigw_vtl_buf_add(ctx, buf, value, len);

    case APIGW_VTL_E_INPUT_PARAM:
        if (apigw_vtl_param(ctx, e, &value, &len) != 0) {
            return -1;
        }

        return apigw_vtl_buf_add(ctx, buf, value, len);

    case APIGW_VTL_E_INPUT_JSON:
        json = apigw_vtl_select(ctx, e);

        if (json == NULL) {
            return ctx->errbuf[0] ? -1 : 0;
        }

        rc = apigw_vtl_write_json_node(ctx, buf, json, 0);
        json_decref(json);

        return rc;

    case APIGW_VTL_E_UTIL:
        if (e->u.call.util != APIGW_VTL_UTIL_ESCAPE_JS) {
            break;
        }

        if (apigw_vtl_eval(ctx, e->u.call.arg, &v) != 0) {
            return -1;
        }

        if (v.type == APIGW_VTL_V_NULL) {
            return 0;
        }

        memset(&tmp, 0, sizeof(apigw_vtl_buf_t));
        rc = apigw_vtl_text(ctx, &v, &value, &len, &tmp, small);

        if (rc == 0) {
            rc = apigw_vtl_escape_js(ctx, buf, value, len);
        }

        free(tmp.data);
        apigw_vtl_val_release(&v);

        return rc;

    default:
        break;
    }

    if (apigw_vtl_eval(ctx, e, &v) != 0) {
        return -1;
    }

    rc = apigw_vtl_write(ctx, buf, &v);
    apigw_vtl_val_release(&v);

    return rc;
}


int
apigw_vtl_eval(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    apigw_vtl_val_t *out)
{
    int                rc;
    size_t             len;
    json_t            *json;
    unsigned           line;
    const char        *value;
    apigw_vtl_buf_t    tmp;
    apigw_vtl_val_t    v;
    apigw_vtl_loop_t  *loop;

    memset(out, 0, sizeof(apigw_vtl_val_t));

    if (++ctx->steps > APIGW_VTL_MAX_STEPS) {
        return apigw_vtl_error(ctx, "more than %d steps",
                               APIGW_VTL_MAX_STEPS);
    }

    switch (e->kind) {

    case APIGW_VTL_E_STR:
        out->type = APIGW_VTL_V_STR;
        out->u.s.data = e->u.str.data;
        out->u.s.len = e->u.str.len;
        return 0;

    case APIGW_VTL_E_INTERP:
        memset(&tmp, 0, sizeof(apigw_vtl_buf_t));
        line = ctx->line;

        rc = apigw_vtl_render_list(ctx, e->u.interp, &tmp);

        if (rc != APIGW_VTL_ERROR) {
            ctx->line = line;
        }

        if (rc != APIGW_VTL_ERROR) {
            rc = apigw_vtl_buf_reserve(ctx, &tmp, 1);
        }

        if (rc != APIGW_VTL_ERROR) {
            rc = apigw_vtl_val_take_buf(ctx, out, &tmp);
        }

        free(tmp.data);
        return rc == APIGW_VTL_ERROR ? -1 : 0;

    case APIGW_VTL_E_INT:
        out->type = APIGW_VTL_V_INT;
        out->u.i = e->u.i;
        return 0;

    case APIGW_VTL_E_REAL:
        out->type = APIGW_VTL_V_REAL;
        out->u.r = e->u.r;
        return 0;

    case APIGW_VTL_E_BOOL:
        out->type = APIGW_VTL_V_BOOL;
        out->u.i = e->u.i;
        return 0;

    case APIGW_VTL_E_NULL:
    case APIGW_VTL_E_ROOT:
        return 0;

    case APIGW_VTL_E_LIST:
        return apigw_vtl_eval_list(ctx, e, out);

    case APIGW_VTL_E_RANGE:
        return apigw_vtl_eval_range(ctx, e, out);

    case APIGW_VTL_E_MAP:
        return apigw_vtl_eval_map(ctx, e, out);

    case APIGW_VTL_E_NOT:
        if (apigw_vtl_eval(ctx, e->u.bin.left, &v) != 0) {
            return -1;
        }

        out->type = APIGW_VTL_V_BOOL;
        out->u.i = !apigw_vtl_truthy(&v);
        apigw_vtl_val_release(&v);
        return 0;

    case APIGW_VTL_E_NEG:
        if (apigw_vtl_eval(ctx, e->u.bin.left, &v) != 0) {
            return -1;
        }

        if (v.type == APIGW_VTL_V_INT && v.u.i != INT64_MIN) {
            out->type = APIGW_VTL_V_INT;
            out->u.i = -v.u.i;

        } else if (v.type == APIGW_VTL_V_INT) {
            out->type = APIGW_VTL_V_REAL;
            out->u.r = -(double) v.u.i;

        } else if (v.type == APIGW_VTL_V_REAL) {
            out->type = APIGW_VTL_V_REAL;
            out->u.r = -v.u.r;
        }

        apigw_vtl_val_release(&v);
        return 0;

    case APIGW_VTL_E_AND:
    case APIGW_VTL_E_OR:
        if (apigw_vtl_eval(ctx, e->u.bin.left, &v) != 0) {
            return -1;
        }

        rc = apigw_vtl_truthy(&v);
        apigw_vtl_val_release(&v);

        if (rc == (e->kind == APIGW_VTL_E_AND)) {
            if (apigw_vtl_eval(ctx, e->u.bin.right, &v) != 0) {
                return -1;
            }

            rc = apigw_vtl_truthy(&v);
            apigw_vtl_val_release(&v);
        }

        out->type = APIGW_VTL_V_BOOL;
        out->u.i = rc;
        return 0;

    case APIGW_VTL_E_BINARY:
        return apigw_vtl_eval_binary(ctx, e, out);

    case APIGW_VTL_E_CHAIN:
        return apigw_vtl_eval_chain(ctx, e, out);

    case APIGW_VTL_E_VAR:
        apigw_vtl_val_copy(out, &ctx->vars[e->u.var]);
        return 0;

    case APIGW_VTL_E_INPUT_BODY:
        out->type = APIGW_VTL_V_STR;
        out->u.s.data = ctx->in->body ? ctx->in->body : "";
        out->u.s.len = ctx->in->body ? ctx->in->body_len : 0;
        return 0;

    case APIGW_VTL_E_INPUT_JSON:
    case APIGW_VTL_E_INPUT_PATH:
        json = apigw_vtl_select(ctx, e);

        if (json == NULL) {
            return ctx->errbuf[0] ? -1 : 0;
        }

        if (e->kind == APIGW_VTL_E_INPUT_PATH) {
            apigw_vtl_val_from_json(out, json);
            json_decref(json);
            return 0;
        }

        /* $input.json(): the JSON text, a string */
        memset(&tmp, 0, sizeof(apigw_vtl_buf_t));
        rc = apigw_vtl_write_json_node(ctx, &tmp, json, 0);
        json_decref(json);

        if (rc == 0) {
            rc = apigw_vtl_buf_reserve(ctx, &tmp, 1);
        }

        if (rc == 0) {
            rc = apigw_vtl_val_take_buf(ctx, out, &tmp);
        }

        free(tmp.data);
        return rc;

    case APIGW_VTL_E_INPUT_PARAMS:
        return apigw_vtl_params(ctx, out);

    case APIGW_VTL_E_INPUT_PARAM:
        if (apigw_vtl_param(ctx, e, &value, &len) != 0) {
            return -1;
        }

        /* the request's bytes, borrowed for the render */
        out->type = APIGW_VTL_V_STR;
        out->u.s.data = value;
        out->u.s.len = len;
        return 0;

    case APIGW_VTL_E_UTIL:
        if (apigw_vtl_eval(ctx, e->u.call.arg, &v) != 0) {
            return -1;
        }

        rc = apigw_vtl_util(ctx, e->u.call.util, &v, out);
        apigw_vtl_val_release(&v);
        return rc;

    case APIGW_VTL_E_CONTEXT:
    case APIGW_VTL_E_STAGE:
        if (apigw_vtl_lookup(ctx, e, &value, &len)) {
            out->type = APIGW_VTL_V_STR;
            out->u.s.data = value;
            out->u.s.len = len;
        }

        return 0;

    default: /* APIGW_VTL_E_FOREACH */
        loop = ctx->loop;

        if (loop == NULL) {
            return 0;
        }

        switch (e->u.i) {

        case APIGW_VTL_LOOP_INDEX:
        case APIGW_VTL_LOOP_COUNT:
            out->type = APIGW_VTL_V_INT;
            out->u.i = loop->index + (e->u.i == APIGW_VTL_LOOP_COUNT);
            break;

        case APIGW_VTL_LOOP_FIRST:
            out->type = APIGW_VTL_V_BOOL;
            out->u.i = (loop->index == 0);
            break;

        case APIGW_VTL_LOOP_LAST:
            out->type = APIGW_VTL_V_BOOL;
            out->u.i = !loop->has_next;
            break;

        default:
            out->type = APIGW_VTL_V_BOOL;
            out->u.i = loop->has_next;
            break;
        }

        return 0;
    }
}


static int
apigw_vtl_eval_list(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    apigw_vtl_val_t *out)
{
    size_t             i;
    apigw_vtl_list_t  *list;

    list = apigw_vtl_list_new(ctx, e->u.list.n, out);
    if (list == NULL) {
        return -1;
    }

    for (i = 0; i < e->u.list.n; i++) {
        if (apigw_vtl_eval(ctx, e->u.list.items[i], &list->items[i]) != 0
            || apigw_vtl_nest(ctx, &list->rc, &list->items[i]) != 0)
        {
            apigw_vtl_val_release(out);
            return -1;
        }
    }

    return 0;
}


/* [a..b], up or down; each item counts as a step */
static int
apigw_vtl_eval_range(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    apigw_vtl_val_t *out)
{
    size_t             i;
    int64_t            from, to;
    uint64_t           n;
    apigw_vtl_val_t    a, b;
    apigw_vtl_list_t  *list;

    if (apigw_vtl_eval(ctx, e->u.bin.left, &a) != 0) {
        return -1;
    }

    if (apigw_vtl_eval(ctx, e->u.bin.right, &b) != 0) {
        apigw_vtl_val_release(&a);
        return -1;
    }

    if (a.type != APIGW_VTL_V_INT || b.type != APIGW_VTL_V_INT) {
        apigw_vtl_val_release(&a);
        apigw_vtl_val_release(&b);
        return 0;
    }

    from = a.u.i;
    to = b.u.i;
    n = (from <= to) ? (uint64_t) to - (uint64_t) from + 1
                     : (uint64_t) from - (uint64_t) to + 1;

    if (n == 0 || n > APIGW_VTL_MAX_STEPS - ctx->steps) {
        return apigw_vtl_error(ctx, "more than %d steps",
                               APIGW_VTL_MAX_STEPS);
    }

    ctx->steps += n;

    list = apigw_vtl_list_new(ctx, n, out);
    if (list == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        list->items[i].type = APIGW_VTL_V_INT;
        list->items[i].u.i = (from <= to) ? from + (int64_t) i
                                          : from - (int64_t) i;
    }

    return 0;
}


/* {k: v}: keys as strings, a key given twice keeps its last value */
static int
apigw_vtl_eval_map(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    apigw_vtl_val_t *out)
{
    int               k;
    char              small[32];
    size_t            i, len;
    const char       *data;
    apigw_vtl_val_t   key, val, text, *slot;
    apigw_vtl_buf_t   tmp;
    apigw_vtl_map_t  *map;

    map = apigw_vtl_map_new(ctx, e->u.list.n, out);
    if (map == NULL) {
        return -1;
    }

    for (i = 0; i < e->u.list.n; i++) {
        if (apigw_vtl_eval(ctx, e->u.list.items[2 * i], &key) != 0) {
            goto failed;
        }

        if (apigw_vtl_eval(ctx, e->u.list.items[2 * i + 1], &val) != 0) {
            apigw_vtl_val_release(&key);
            goto failed;
        }

        if (apigw_vtl_nest(ctx, &map->rc, &val) != 0) {
            apigw_vtl_val_release(&key);
            apigw_vtl_val_release(&val);
            goto failed;
        }

        if (key.type != APIGW_VTL_V_STR) {
            memset(&tmp, 0, sizeof(apigw_vtl_buf_t));

            k = apigw_vtl_text(ctx, &key, &data, &len, &tmp, small);

            if (k == 0) {
                k = apigw_vtl_val_string(ctx, &text, data, len);
            }

            free(tmp.data);
            apigw_vtl_val_release(&key);

            if (k != 0) {
                apigw_vtl_val_release(&val);
                goto failed;
            }

            key = text;
        }

        k = apigw_vtl_map_find(map, key.u.s.data, key.u.s.len);

        if (k >= 0) {
            slot = &map->vals[k];
            apigw_vtl_val_release(slot);
            apigw_vtl_val_release(&key);

        } else {
            map->keys[map->n] = key;
            slot = &map->vals[map->n++];
        }

        *slot = val;
    }

    return 0;

failed:

    apigw_vtl_val_release(out);

    return -1;
}


static int
apigw_vtl_eval_binary(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    apigw_vtl_val_t *out)
{
    int               rc;
    apigw_vtl_op_e    op;
    apigw_vtl_val_t   a, b;

    if (apigw_vtl_eval(ctx, e->u.bin.left, &a) != 0) {
        return -1;
    }

    if (apigw_vtl_eval(ctx, e->u.bin.right, &b) != 0) {
        apigw_vtl_val_release(&a);
        return -1;
    }

    op = e->u.bin.op;
    rc = 0;

    switch (op) {

    case APIGW_VTL_OP_EQ:
    case APIGW_VTL_OP_NE:
        rc = apigw_vtl_equal(ctx, &a, &b);

        if (rc >= 0) {
            out->type = APIGW_VTL_V_BOOL;
            out->u.i = (op == APIGW_VTL_OP_EQ) ? rc : !rc;
            rc = 0;
        }

        break;

    case APIGW_VTL_OP_LT:
    case APIGW_VTL_OP_LE:
    case APIGW_VTL_OP_GT:
    case APIGW_VTL_OP_GE:
        out->type = APIGW_VTL_V_BOOL;
        out->u.i = apigw_vtl_compare(op, &a, &b);
        break;

    case APIGW_VTL_OP_ADD:
        if (a.type == APIGW_VTL_V_STR || b.type == APIGW_VTL_V_STR) {
            rc = apigw_vtl_concat(ctx, &a, &b, out);
            break;
        }

        /* fall through */

    default:
        rc = apigw_vtl_arith(ctx, op, &a, &b, out);
        break;
    }

    apigw_vtl_val_release(&a);
    apigw_vtl_val_release(&b);

    return rc < 0 ? -1 : 0;
}


/*
 * integers stay integers (Java's long), division truncates; an overflow
 * goes on in doubles; division by zero, a non-number operand, or a result
 * that is not finite give null
 */
static int
apigw_vtl_arith(apigw_vtl_ctx_t *ctx, apigw_vtl_op_e op, apigw_vtl_val_t *a,
    apigw_vtl_val_t *b, apigw_vtl_val_t *out)
{
    int      ok;
    double   x, y, r;
    int64_t  i, j, k;

    (void) ctx;

    if ((a->type != APIGW_VTL_V_INT && a->type != APIGW_VTL_V_REAL)
        || (b->type != APIGW_VTL_V_INT && b->type != APIGW_VTL_V_REAL))
    {
        return 0;
    }

    if (a->type == APIGW_VTL_V_INT && b->type == APIGW_VTL_V_INT) {
        i = a->u.i;
        j = b->u.i;
        ok = 1;
        k = 0;

        switch (op) {
        case APIGW_VTL_OP_ADD:
            ok = !__builtin_add_overflow(i, j, &k);
            break;
        case APIGW_VTL_OP_SUB:
            ok = !__builtin_sub_overflow(i, j, &k);
            break;
        case APIGW_VTL_OP_MUL:
            ok = !__builtin_mul_overflow(i, j, &k);
            break;
        case APIGW_VTL_OP_DIV:
            if (j == 0) {
                return 0;
            }

            ok = !(i == INT64_MIN && j == -1);
            k = ok ? i / j : 0;
            break;
        default:
            if (j == 0) {
                return 0;
            }

            k = (j == -1) ? 0 : i % j;
            break;
        }

        if (ok) {
            out->type = APIGW_VTL_V_INT;
            out->u.i = k;
            return 0;
        }
    }

    x = (a->type == APIGW_VTL_V_INT) ? (double) a->u.i : a->u.r;
    y = (b->type == APIGW_VTL_V_INT) ? (double) b->u.i : b->u.r;

    switch (op) {
    case APIGW_VTL_OP_ADD:
        r = x + y;
        break;
    case APIGW_VTL_OP_SUB:
        r = x - y;
        break;
    case APIGW_VTL_OP_MUL:
        r = x * y;
        break;
    case APIGW_VTL_OP_DIV:
        if (y == 0) {
            return 0;
        }

        r = x / y;
        break;
    default:
        /* Java's % on doubles; a quotient past 2^53 is not kept exactly */
        if (y == 0 || !(x / y > -9007199254740992.0
                        && x / y < 9007199254740992.0))
        {
            return 0;
        }

        r = x - y * (double) (int64_t) (x / y);
        break;
    }

    if (isfinite(r)) {
        out->type = APIGW_VTL_V_REAL;
        out->u.r = r;
    }

    return 0;
}


/* "a" + 1: Velocity joins the text of both sides when one is a string */
static int
apigw_vtl_concat(apigw_vtl_ctx_t *ctx, apigw_vtl_val_t *a,
    apigw_vtl_val_t *b, apigw_vtl_val_t *out)
{
    int               rc;
    apigw_vtl_buf_t   buf;

    memset(&buf, 0, sizeof(apigw_vtl_buf_t));

    rc = apigw_vtl_write(ctx, &buf, a);

    if (rc == 0) {
        rc = apigw_vtl_write(ctx, &buf, b);
    }

    if (rc == 0) {
        rc = apigw_vtl_buf_reserve(ctx, &buf, 1);
    }

    if (rc == 0) {
        rc = apigw_vtl_val_take_buf(ctx, out, &buf);
    }

    free(buf.data);

    return rc;
}


/* numbers by value, strings by bytes; anything else is false */
static int
apigw_vtl_compare(apigw_vtl_op_e op, apigw_vtl_val_t *a, apigw_vtl_val_t *b)
{
    int     c;
    double  x, y;
    size_t  n;

    if ((a->type == APIGW_VTL_V_INT || a->type == APIGW_VTL_V_REAL)
        && (b->type == APIGW_VTL_V_INT || b->type == APIGW_VTL_V_REAL))
    {
        if (a->type == APIGW_VTL_V_INT && b->type == APIGW_VTL_V_INT) {
            c = (a->u.i > b->u.i) - (a->u.i < b->u.i);

        } else {
            x = (a->type == APIGW_VTL_V_INT) ? (double) a->u.i : a->u.r;
            y = (b->type == APIGW_VTL_V_INT) ? (double) b->u.i : b->u.r;
            c = (x > y) - (x < y);
        }

    } else if (a->type == APIGW_VTL_V_STR && b->type == APIGW_VTL_V_STR) {
        n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
        c = memcmp(a->u.s.data, b->u.s.data, n);

        if (c == 0) {
            c = (a->u.s.len > b->u.s.len) - (a->u.s.len < b->u.s.len);
        }

    } else {
        return 0;
    }

    switch (op) {
    case APIGW_VTL_OP_LT:
        return c < 0;
    case APIGW_VTL_OP_LE:
        return c <= 0;
    case APIGW_VTL_OP_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}


static int
apigw_vtl_eval_chain(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    apigw_vtl_val_t *out)
{
    size_t           i;
    apigw_vtl_val_t  cur, next;

    if (apigw_vtl_eval(ctx, e->u.chain.base, &cur) != 0) {
        return -1;
    }

    for (i = 0; i < e->u.chain.n; i++) {
        if (cur.type == APIGW_VTL_V_NULL) {
            /* a property of null is null, and no arguments are run */
            break;
        }

        if (apigw_vtl_access(ctx, &e->u.chain.acc[i], &cur, &next) != 0) {
            apigw_vtl_val_release(&cur);
            return -1;
        }

        apigw_vtl_val_release(&cur);
        cur = next;
    }

    *out = cur;

    return 0;
}


static int
apigw_vtl_access(apigw_vtl_ctx_t *ctx, const apigw_vtl_acc_t *acc,
    apigw_vtl_val_t *self, apigw_vtl_val_t *out)
{
    int               rc;
    char              small[32];
    size_t            i, len;
    const char       *data;
    apigw_vtl_buf_t   tmp;
    apigw_vtl_val_t   args[2];

    memset(out, 0, sizeof(apigw_vtl_val_t));

    if (acc->kind == APIGW_VTL_ACC_PROP) {
        return apigw_vtl_map_get(ctx, self, acc->name, acc->len, out);
    }

    memset(args, 0, sizeof(args));

    for (i = 0; i < acc->nargs; i++) {
        if (apigw_vtl_eval(ctx, acc->args[i], &args[i]) != 0) {
            rc = -1;
            goto done;
        }
    }

    if (acc->kind == APIGW_VTL_ACC_METHOD) {
        rc = apigw_vtl_method(ctx, acc, self, args, out);
        goto done;
    }

    /* [index]: a list's item (from the end when negative), a map's key */
    rc = 0;

    if (args[0].type == APIGW_VTL_V_INT) {
        len = apigw_vtl_seq_len(self);
        i = (args[0].u.i < 0) ? (size_t) (args[0].u.i + (int64_t) len)
                              : (size_t) args[0].u.i;

        if (args[0].u.i >= -(int64_t) len && i < len) {
            apigw_vtl_seq_get(self, i, out);
        }

    } else if (args[0].type != APIGW_VTL_V_NULL) {
        memset(&tmp, 0, sizeof(apigw_vtl_buf_t));
        rc = apigw_vtl_text(ctx, &args[0], &data, &len, &tmp, small);

        if (rc == 0) {
            rc = apigw_vtl_map_get(ctx, self, data, len, out);
        }

        free(tmp.data);
    }

done:

    for (i = 0; i < acc->nargs; i++) {
        apigw_vtl_val_release(&args[i]);
    }

    return rc;
}
