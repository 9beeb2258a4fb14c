
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


typedef enum {
    NGX_HTTP_APIGW_VAR_API = 0,
    NGX_HTTP_APIGW_VAR_STAGE,
    NGX_HTTP_APIGW_VAR_ROUTE,
    NGX_HTTP_APIGW_VAR_OPERATION,
    NGX_HTTP_APIGW_VAR_REQUEST_ID,
    NGX_HTTP_APIGW_VAR_INTEGRATION_LATENCY,
    NGX_HTTP_APIGW_VAR_INTEGRATION_URL,
    NGX_HTTP_APIGW_VAR_INTEGRATION_METHOD,
    NGX_HTTP_APIGW_VAR_RESPONSE_VALIDATION,
    NGX_HTTP_APIGW_VAR_API_KEY_ID,
    NGX_HTTP_APIGW_VAR_THROTTLE,
    NGX_HTTP_APIGW_VAR_PRINCIPAL,
    NGX_HTTP_APIGW_VAR_EXTENDED_REQUEST_ID,
    NGX_HTTP_APIGW_VAR_SOURCE_IP,
    NGX_HTTP_APIGW_VAR_REQUEST_TIME,
    NGX_HTTP_APIGW_VAR_REQUEST_TIME_EPOCH,
    NGX_HTTP_APIGW_VAR_RESOURCE_PATH,
    NGX_HTTP_APIGW_VAR_STATUS,
    NGX_HTTP_APIGW_VAR_RESPONSE_LENGTH,
    NGX_HTTP_APIGW_VAR_RESPONSE_LATENCY,
    NGX_HTTP_APIGW_VAR_INTEGRATION_STATUS,
    NGX_HTTP_APIGW_VAR_ERROR_MESSAGE,
    NGX_HTTP_APIGW_VAR_ERROR_RESPONSE_TYPE,
    NGX_HTTP_APIGW_VAR_TRACE_ID,
    NGX_HTTP_APIGW_VAR_SPAN_ID,
    NGX_HTTP_APIGW_VAR_PARENT_SPAN_ID,
    NGX_HTTP_APIGW_VAR_CANARY,
    NGX_HTTP_APIGW_VAR_DEPLOYMENT,
    NGX_HTTP_APIGW_VAR_CACHE_STATUS
} ngx_http_apigw_var_e;


static ngx_int_t ngx_http_apigw_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_apigw_log_variable(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, uintptr_t data, ngx_str_t *s);


/* $apigw_cache_status, by ngx_http_apigw_cache_status_e */
static ngx_str_t  ngx_http_apigw_cache_statuses[] = {
    ngx_null_string,
    ngx_string("MISS"),
    ngx_string("HIT"),
    ngx_string("STALE"),
    ngx_string("REFRESH"),
    ngx_string("BYPASS")
};


static ngx_http_variable_t  ngx_http_apigw_vars[] = {

    { ngx_string("apigw_api"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_API, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_stage"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_STAGE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_route"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_ROUTE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_operation"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_OPERATION, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_request_id"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_REQUEST_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_integration_latency"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_INTEGRATION_LATENCY, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_integration_url"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_INTEGRATION_URL, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_integration_method"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_INTEGRATION_METHOD, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_response_validation"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_RESPONSE_VALIDATION, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_api_key_id"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_API_KEY_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_throttle"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_THROTTLE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_principal"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_PRINCIPAL, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    /* AWS's $context variables for access logs, by their meaning */

    { ngx_string("apigw_extended_request_id"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_EXTENDED_REQUEST_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_source_ip"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_SOURCE_IP, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_request_time"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_REQUEST_TIME, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_request_time_epoch"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_REQUEST_TIME_EPOCH, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_resource_path"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_RESOURCE_PATH, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_status"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_STATUS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_response_length"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_RESPONSE_LENGTH, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_response_latency"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_RESPONSE_LATENCY, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_integration_status"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_INTEGRATION_STATUS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_error_message"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_ERROR_MESSAGE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_error_response_type"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_ERROR_RESPONSE_TYPE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_trace_id"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_TRACE_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_span_id"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_SPAN_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_parent_span_id"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_PARENT_SPAN_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_canary"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_CANARY, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_deployment"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_DEPLOYMENT, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apigw_cache_status"), NULL, ngx_http_apigw_variable,
      NGX_HTTP_APIGW_VAR_CACHE_STATUS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_apigw_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_apigw_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apigw_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    u_char                *p;
    ngx_str_t              s;
    const apigw_key_t     *key;
    ngx_http_apigw_ctx_t  *ctx;

    /*
     * the integration's URL and method are a fetch's in its subrequest
     * (ngx_http_apigw_fetch.c), which has a context of its own
     */
    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    if (ctx == NULL
        || (data != NGX_HTTP_APIGW_VAR_INTEGRATION_URL
            && data != NGX_HTTP_APIGW_VAR_INTEGRATION_METHOD))
    {
        ctx = ngx_http_get_module_ctx(r->main, ngx_http_apigw_module);
    }

    if (ctx == NULL || ctx->alcf->api == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    ngx_str_null(&s);

    switch (data) {

    case NGX_HTTP_APIGW_VAR_API:
        s = ctx->alcf->api_name;
        break;

    case NGX_HTTP_APIGW_VAR_DEPLOYMENT:
        s = ctx->alcf->api->name;
        break;

    case NGX_HTTP_APIGW_VAR_CACHE_STATUS:
        if (ctx->cache) {
            s = ngx_http_apigw_cache_statuses[ctx->cache->status];
        }

        break;

    case NGX_HTTP_APIGW_VAR_CANARY:
        /* empty where the stage has no canary */
        if (ctx->alcf->canary_of) {
            ngx_str_set(&s, "true");

        } else if (ctx->alcf->canary) {
            ngx_str_set(&s, "false");
        }

        break;

    case NGX_HTTP_APIGW_VAR_STAGE:
        s = ctx->alcf->stage;
        break;

    case NGX_HTTP_APIGW_VAR_ROUTE:
        if (ctx->op) {
            s.data = (u_char *) ctx->op->route_key;
            s.len = ngx_strlen(ctx->op->route_key);
        }
        break;

    case NGX_HTTP_APIGW_VAR_THROTTLE:
        if (ctx->throttle == NULL) {
            break;
        }

        switch (ctx->throttle->store) {

        case NGX_HTTP_APIGW_STORE_REDIS:
            ngx_str_set(&s, "redis");
            break;

        case NGX_HTTP_APIGW_STORE_OPEN:
            ngx_str_set(&s, "open");
            break;

        case NGX_HTTP_APIGW_STORE_CLOSED:
            ngx_str_set(&s, "closed");
            break;

        default:
            ngx_str_set(&s, "local");
        }

        break;

    case NGX_HTTP_APIGW_VAR_API_KEY_ID:
        /* while a canary's sticky key is made: the key presented */
        key = ctx->key ? ctx->key : ctx->canary_key;

        if (key) {
            s.data = (u_char *) key->id;
            s.len = ngx_strlen(key->id);
        }
        break;

    case NGX_HTTP_APIGW_VAR_PRINCIPAL:
        s = ctx->principal;
        break;

    case NGX_HTTP_APIGW_VAR_OPERATION:
        if (ctx->op) {
            s.data = (u_char *) ctx->op->operation_id;
            s.len = ngx_strlen(ctx->op->operation_id);
        }
        break;

    case NGX_HTTP_APIGW_VAR_REQUEST_ID:
        s.data = ctx->request_id;
        s.len = NGX_HTTP_APIGW_REQUEST_ID_LEN;
        break;

    case NGX_HTTP_APIGW_VAR_INTEGRATION_LATENCY:
        if (ctx->integration_latency < 0) {
            break;
        }

        p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        s.data = p;
        s.len = ngx_sprintf(p, "%M", (ngx_msec_t) ctx->integration_latency)
                - p;
        break;

    case NGX_HTTP_APIGW_VAR_INTEGRATION_URL:
        s = ctx->integration_url;
        break;

    case NGX_HTTP_APIGW_VAR_INTEGRATION_METHOD:
        s = ctx->integration_method;
        break;

    case NGX_HTTP_APIGW_VAR_RESPONSE_VALIDATION:
        switch (ctx->response_validation) {
        case NGX_HTTP_APIGW_RESPONSE_UNCHECKED:
            ngx_str_set(&s, "unchecked");
            break;
        case NGX_HTTP_APIGW_RESPONSE_VALID:
            ngx_str_set(&s, "valid");
            break;
        case NGX_HTTP_APIGW_RESPONSE_INVALID:
            ngx_str_set(&s, "invalid");
            break;
        }

        break;

    default:
        if (ngx_http_apigw_log_variable(r->main, ctx, data, &s) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (s.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = s.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = s.data;

    return NGX_OK;
}


/* what AWS's access logs say of a request, in its words' meanings */
static ngx_int_t
ngx_http_apigw_log_variable(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    uintptr_t data, ngx_str_t *s)
{
    u_char          *p;
    off_t            sent;
    ngx_uint_t       status;
    ngx_msec_int_t   ms;

    p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN + NGX_INT64_LEN + 32);
    if (p == NULL) {
        return NGX_ERROR;
    }

    s->data = p;

    switch (data) {

    case NGX_HTTP_APIGW_VAR_EXTENDED_REQUEST_ID:
        /* where to look in the error log: the worker, "*connection" */
        s->len = ngx_sprintf(p, "%P-%uA-%ui", ngx_pid,
                             r->connection->number, r->connection->requests)
                 - p;
        break;

    case NGX_HTTP_APIGW_VAR_SOURCE_IP:
        *s = r->connection->addr_text;
        break;

    case NGX_HTTP_APIGW_VAR_REQUEST_TIME:
        s->len = apigw_authz_format_time((int64_t) r->start_sec * 1000
                                         + r->start_msec, (char *) p);
        break;

    case NGX_HTTP_APIGW_VAR_REQUEST_TIME_EPOCH:
        s->len = ngx_sprintf(p, "%T%03M", r->start_sec, r->start_msec) - p;
        break;

    case NGX_HTTP_APIGW_VAR_RESOURCE_PATH:
        if (ctx->op) {
            s->data = (u_char *) ctx->op->route_path;
            s->len = ngx_strlen(ctx->op->route_path);
        }
        break;

    case NGX_HTTP_APIGW_VAR_STATUS:
        status = r->err_status ? r->err_status : r->headers_out.status;

        if (status) {
            s->len = ngx_sprintf(p, "%03ui", status) - p;
        }
        break;

    case NGX_HTTP_APIGW_VAR_RESPONSE_LENGTH:
        sent = r->connection->sent - r->header_size;
        s->len = ngx_sprintf(p, "%O", sent > 0 ? sent : 0) - p;
        break;

    case NGX_HTTP_APIGW_VAR_RESPONSE_LATENCY:
        /* the clock $apigw_integration_latency is taken with */
        ms = (ngx_msec_int_t) (ngx_current_msec - ctx->start);
        s->len = ngx_sprintf(p, "%M", (ngx_msec_t) ngx_max(ms, 0)) - p;
        break;

    case NGX_HTTP_APIGW_VAR_INTEGRATION_STATUS:
        if (r->upstream && r->upstream->headers_in.status_n) {
            s->len = ngx_sprintf(p, "%03ui",
                                 r->upstream->headers_in.status_n)
                     - p;

        } else if (ctx->integration_status) {
            s->len = ngx_sprintf(p, "%03ui", ctx->integration_status) - p;
        }
        break;

    case NGX_HTTP_APIGW_VAR_ERROR_MESSAGE:
        if (ctx->gateway_message) {
            s->data = (u_char *) ctx->gateway_message;
            s->len = ngx_strlen(ctx->gateway_message);
        }
        break;

    case NGX_HTTP_APIGW_VAR_TRACE_ID:
        ngx_http_apigw_trace(r, ctx);
        apigw_trace_hex(ctx->trace.trace_id, 16, (char *) p);
        s->len = 32;
        break;

    case NGX_HTTP_APIGW_VAR_SPAN_ID:
        ngx_http_apigw_trace(r, ctx);
        apigw_trace_hex(ctx->span, 8, (char *) p);
        s->len = 16;
        break;

    case NGX_HTTP_APIGW_VAR_PARENT_SPAN_ID:
        ngx_http_apigw_trace(r, ctx);

        if (ctx->trace_continued) {
            apigw_trace_hex(ctx->trace.parent_id, 8, (char *) p);
            s->len = 16;
        }
        break;

    case NGX_HTTP_APIGW_VAR_ERROR_RESPONSE_TYPE:
        if (ctx->gateway_error) {
            s->data = (u_char *)
                      apigw_gr_defaults[ctx->gateway_error - 1].name;
            s->len = ngx_strlen(s->data);
        }
        break;
    }

    return NGX_OK;
}


/*
 * Whether $name may be in a canary's sticky key, which is made when a
 * request's context is, before any step has run: NGX_OK when it is not
 * one of the module's, or known by then ($apigw_api_key_id sets *key_id:
 * the key must be looked up first); NGX_DECLINED with *why when not
 */
ngx_int_t
ngx_http_apigw_variable_sticky(ngx_str_t *name, ngx_uint_t *key_id,
    const char **why)
{
    ngx_http_variable_t  *v;

    for (v = ngx_http_apigw_vars; v->name.len; v++) {
        if (v->name.len == name->len
            && ngx_strncasecmp(v->name.data, name->data, name->len) == 0)
        {
            break;
        }
    }

    if (v->name.len == 0) {
        /* nginx's, or another module's */
        return NGX_OK;
    }

    switch (v->data) {

    case NGX_HTTP_APIGW_VAR_SOURCE_IP:
        return NGX_OK;

    case NGX_HTTP_APIGW_VAR_API_KEY_ID:
        *key_id = 1;
        return NGX_OK;

    case NGX_HTTP_APIGW_VAR_PRINCIPAL:
        *why = "is set by an authorizer or a token, after a request's "
               "release is picked";
        break;

    case NGX_HTTP_APIGW_VAR_ROUTE:
    case NGX_HTTP_APIGW_VAR_OPERATION:
    case NGX_HTTP_APIGW_VAR_RESOURCE_PATH:
        *why = "comes from the route, which the picked release's document "
               "matches";
        break;

    case NGX_HTTP_APIGW_VAR_API:
    case NGX_HTTP_APIGW_VAR_STAGE:
        *why = "is the same for every request of the stage";
        break;

    case NGX_HTTP_APIGW_VAR_REQUEST_ID:
    case NGX_HTTP_APIGW_VAR_EXTENDED_REQUEST_ID:
    case NGX_HTTP_APIGW_VAR_REQUEST_TIME:
    case NGX_HTTP_APIGW_VAR_REQUEST_TIME_EPOCH:
    case NGX_HTTP_APIGW_VAR_TRACE_ID:
    case NGX_HTTP_APIGW_VAR_SPAN_ID:
    case NGX_HTTP_APIGW_VAR_PARENT_SPAN_ID:
        *why = "differs from request to request";
        break;

    case NGX_HTTP_APIGW_VAR_CANARY:
    case NGX_HTTP_APIGW_VAR_DEPLOYMENT:
        *why = "is the release picked";
        break;

    default:
        *why = "is known only after a request's release is picked";
    }

    return NGX_DECLINED;
}


ngx_str_t *
ngx_http_apigw_stage_variable(ngx_http_apigw_loc_conf_t *alcf, u_char *name,
    size_t len)
{
    ngx_uint_t     i;
    ngx_keyval_t  *kv;

    if (alcf->stage_vars == NULL) {
        return NULL;
    }

    kv = alcf->stage_vars->elts;

    for (i = 0; i < alcf->stage_vars->nelts; i++) {
        if (kv[i].key.len == len && ngx_strncmp(kv[i].key.data, name, len) == 0)
        {
            return &kv[i].value;
        }
    }

    return NULL;
}
