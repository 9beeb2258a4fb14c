
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
    NGX_HTTP_APIGW_VAR_PRINCIPAL
} ngx_http_apigw_var_e;


static ngx_int_t ngx_http_apigw_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


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
        s = ctx->alcf->api->name;
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
        if (ctx->key) {
            s.data = (u_char *) ctx->key->id;
            s.len = ngx_strlen(ctx->key->id);
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
