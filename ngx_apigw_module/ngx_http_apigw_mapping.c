
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The values mappings and templates draw on, for the integration request,
 * the integration response and the gateway responses alike: static values,
 * stage variables, $context variables, JSONPaths into a body, and mapping
 * templates (VTL) rendered with $input, $context and $stageVariables.
 */


typedef struct {
    ngx_http_request_t         *request;
    ngx_http_apigw_ctx_t       *ctx;
} ngx_http_apigw_vtl_data_t;


static int ngx_http_apigw_vtl_context(void *data, const char *name,
    size_t len, const char **value, size_t *value_len);
static int ngx_http_apigw_vtl_stage_variable(void *data, const char *name,
    size_t len, const char **value, size_t *value_len);
static ngx_int_t ngx_http_apigw_authorizer_value(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_uint_t index, const char *name,
    size_t len, ngx_str_t *value);


/*
 * The sources request and response mappings share: a static value, a
 * stage variable, a context variable, a JSONPath into the parsed body
 * (json, NULL when there is none)
 */
ngx_int_t
ngx_http_apigw_map_shared(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_mapping_t *m, json_t *json, ngx_str_t *value)
{
    json_t     *found;
    ngx_int_t   rc;
    ngx_str_t  *sv;

    switch (m->source) {

    case APIGW_MAP_STATIC:
        value->data = (u_char *) m->value;
        value->len = m->value_len;
        return NGX_OK;

    case APIGW_MAP_STAGE_VAR:
        sv = ngx_http_apigw_stage_variable(ctx->alcf, (u_char *) m->value,
                                           m->value_len);
        if (sv) {
            *value = *sv;
        }

        return NGX_OK;

    case APIGW_MAP_CONTEXT:
        return ngx_http_apigw_context_var(r, ctx, m->index, m->value,
                                          m->value_len, value);

    case APIGW_MAP_BODY_PATH:
    case APIGW_MAP_RESPONSE_BODY_PATH:
        found = json ? apigw_jsonpath_eval(m->jsonpath, json) : NULL;

        if (found == NULL) {
            return NGX_OK;
        }

        rc = ngx_http_apigw_json_value(r, found, value);
        json_decref(found);

        return rc;

    default:
        return NGX_OK;
    }
}


/* a JSON value as text: strings as they are, the rest as compact JSON */
ngx_int_t
ngx_http_apigw_json_value(ngx_http_request_t *r, json_t *json,
    ngx_str_t *value)
{
    char    *text;
    size_t   len;

    if (json_is_string(json)) {
        len = json_string_length(json);

        value->data = ngx_pnalloc(r->pool, len);
        if (value->data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(value->data, json_string_value(json), len);
        value->len = len;

        return NGX_OK;
    }

    text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL) {
        return NGX_ERROR;
    }

    value->len = ngx_strlen(text);
    value->data = ngx_pnalloc(r->pool, value->len);

    if (value->data) {
        ngx_memcpy(value->data, text, value->len);
    }

    free(text);

    return value->data ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_apigw_render_template(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_vtl_t *vtl, ngx_str_t *body, json_t **json, ngx_str_t *out)
{
    char                       *text, errbuf[APIGW_ERR_LEN];
    size_t                      i, len;
    apigw_kv_t                 *kv;
    ngx_uint_t                  k, n;
    ngx_list_part_t            *part;
    ngx_table_elt_t            *h;
    apigw_operation_t          *op;
    apigw_vtl_input_t           in;
    ngx_http_apigw_vtl_data_t   data;

    op = ctx->op;

    /* the body as JSON once, by the fast parser; not JSON: the template
     * sees null for $input.json() and $input.path() */
    if (*json == NULL && body->len
        && ngx_http_apigw_parse_json(r, ctx, body, json, errbuf,
                                     sizeof(errbuf))
           == NGX_ERROR)
    {
        return NGX_ERROR;
    }

    ngx_memzero(&in, sizeof(apigw_vtl_input_t));

    in.body = (char *) body->data;
    in.body_len = body->len;
    in.json = *json;
    in.context = ngx_http_apigw_vtl_context;
    in.stage_variable = ngx_http_apigw_vtl_stage_variable;
    in.data = &data;

    data.request = r;
    data.ctx = ctx;

    /* $input.params(): path, querystring, header */

    if (ngx_http_apigw_query(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    n = r->headers_in.headers.part.nelts;

    for (part = r->headers_in.headers.part.next; part; part = part->next) {
        n += part->nelts;
    }

    kv = ngx_palloc(r->pool, (op->nparams + ctx->nquery + n + 1)
                             * sizeof(apigw_kv_t));
    if (kv == NULL) {
        return NGX_ERROR;
    }

    in.path.items = kv;
    in.path.n = op->nparams;

    for (i = 0; i < op->nparams; i++, kv++) {
        kv->name = op->param_names[i];
        kv->name_len = ngx_strlen(op->param_names[i]);
        kv->value = ctx->match.params[i].val;
        kv->value_len = ctx->match.params[i].val_len;
    }

    in.querystring.items = kv;
    in.querystring.n = ctx->nquery;

    for (i = 0; i < ctx->nquery; i++, kv++) {
        kv->name = ctx->query[i].name;
        kv->name_len = ctx->query[i].name_len;
        kv->value = ctx->query[i].value;
        kv->value_len = ctx->query[i].value_len;
    }

    in.header.items = kv;
    in.header.n = n;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (k = 0; /* void */; k++) {

        if (k >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            k = 0;
        }

        kv->name = (char *) h[k].key.data;
        kv->name_len = h[k].key.len;
        kv->value = (char *) h[k].value.data;
        kv->value_len = h[k].value.len;
        kv++;
    }

    text = apigw_vtl_render(vtl, &in, &len, errbuf, sizeof(errbuf));

    if (in.json && *json == NULL) {
        /* parsed by the template: freed with the request */
        if (ngx_http_apigw_keep_json(r, in.json) != NGX_OK) {
            free(text);
            return NGX_ERROR;
        }

        *json = in.json;
    }

    if (text == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apigw: %s: mapping template failed: %s",
                      op->route_key, errbuf);
        return NGX_ERROR;
    }

    out->data = ngx_pnalloc(r->pool, len ? len : 1);

    if (out->data) {
        ngx_memcpy(out->data, text, len);
        out->len = len;
    }

    free(text);

    return out->data ? NGX_OK : NGX_ERROR;
}


static int
ngx_http_apigw_vtl_context(void *data, const char *name, size_t len,
    const char **value, size_t *value_len)
{
    ngx_int_t                   index;
    ngx_str_t                   v;
    ngx_http_apigw_vtl_data_t  *d;

    d = data;
    index = apigw_context_index(name, len);

    if (index < 0
        || ngx_http_apigw_context_var(d->request, d->ctx, index, name, len,
                                      &v)
           != NGX_OK
        || v.data == NULL)
    {
        return 0;
    }

    *value = (char *) v.data;
    *value_len = v.len;

    return 1;
}


static int
ngx_http_apigw_vtl_stage_variable(void *data, const char *name, size_t len,
    const char **value, size_t *value_len)
{
    ngx_str_t                  *sv;
    ngx_http_apigw_vtl_data_t  *d;

    d = data;

    sv = ngx_http_apigw_stage_variable(d->ctx->alcf, (u_char *) name, len);

    if (sv == NULL) {
        return 0;
    }

    *value = (char *) sv->data;
    *value_len = sv->len;

    return 1;
}


/*
 * $context.NAME, index apigw_context_index(NAME): data NULL when there is
 * none
 */
ngx_int_t
ngx_http_apigw_context_var(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_uint_t index, const char *name, size_t len, ngx_str_t *value)
{
    u_char             *p;
    apigw_operation_t  *op;

    op = ctx->op;
    ngx_str_null(value);

    switch (index) {

    case APIGW_CTX_REQUEST_ID:
    case APIGW_CTX_EXTENDED_REQUEST_ID:
        value->data = ctx->request_id;
        value->len = NGX_HTTP_APIGW_REQUEST_ID_LEN;
        break;

    case APIGW_CTX_STAGE:
        *value = ctx->alcf->stage;
        break;

    case APIGW_CTX_API_ID:
        *value = ctx->alcf->api_name;
        break;

    case APIGW_CTX_DEPLOYMENT_ID:
        if (ctx->alcf->api) {
            *value = ctx->alcf->api->name;
        }

        break;

    case APIGW_CTX_IS_CANARY_REQUEST:
        if (ctx->alcf->canary_of) {
            ngx_str_set(value, "true");

        } else {
            ngx_str_set(value, "false");
        }

        break;

    case APIGW_CTX_HTTP_METHOD:
        *value = r->method_name;
        break;

    case APIGW_CTX_RESOURCE_PATH:
        if (op) {
            value->data = (u_char *) op->path;
            value->len = ngx_strlen(op->path);
        }

        break;

    case APIGW_CTX_RESOURCE_ID:
    case APIGW_CTX_OPERATION_NAME:
        if (op && op->operation_id[0]) {
            value->data = (u_char *) op->operation_id;
            value->len = ngx_strlen(op->operation_id);
        }

        break;

    case APIGW_CTX_PATH:
        *value = r->uri;
        break;

    case APIGW_CTX_PROTOCOL:
        *value = r->http_protocol;
        break;

    case APIGW_CTX_DOMAIN_NAME:
        *value = r->headers_in.server;
        break;

    case APIGW_CTX_REQUEST_TIME:
        /* "22/Nov/2026:10:00:00 +0000", as the access log writes it */
        value->data = ngx_pnalloc(r->pool, ngx_cached_http_log_time.len);
        if (value->data == NULL) {
            return NGX_ERROR;
        }

        value->len = ngx_cached_http_log_time.len;
        ngx_memcpy(value->data, ngx_cached_http_log_time.data, value->len);
        break;

    case APIGW_CTX_REQUEST_TIME_EPOCH:
        value->data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN + 4);
        if (value->data == NULL) {
            return NGX_ERROR;
        }

        value->len = ngx_sprintf(value->data, "%T%03M", r->start_sec,
                                 r->start_msec)
                     - value->data;
        break;

    case APIGW_CTX_SOURCE_IP:
        *value = r->connection->addr_text;
        break;

    case APIGW_CTX_USER_AGENT:
        if (r->headers_in.user_agent) {
            *value = r->headers_in.user_agent->value;
        }

        break;

    case APIGW_CTX_API_KEY_ID:
        if (ctx->key) {
            value->data = (u_char *) ctx->key->id;
            value->len = ngx_strlen(ctx->key->id);
        }

        break;

    case APIGW_CTX_TRACE_ID:
        /* the Root of the X-Amzn-Trace-Id the backend gets: "1-...-..." */
        ngx_http_apigw_trace(r, ctx);

        value->data = ngx_pnalloc(r->pool, APIGW_XRAY_LEN);
        if (value->data == NULL) {
            return NGX_ERROR;
        }

        (void) apigw_xray_format(&ctx->trace, ctx->span,
                                 (char *) value->data);
        value->data += sizeof("Root=") - 1;
        value->len = sizeof("1-12345678-123456789012345678901234") - 1;
        break;

    case APIGW_CTX_ERROR_MESSAGE:
        *value = ctx->error_message;
        break;

    case APIGW_CTX_ERROR_VALIDATION_ERROR_STRING:
        if (ctx->error_details.len) {
            value->len = ctx->error_details.len + 2;
            value->data = ngx_pnalloc(r->pool, value->len);
            if (value->data == NULL) {
                return NGX_ERROR;
            }

            p = ngx_cpymem(value->data + 1, ctx->error_details.data,
                           ctx->error_details.len);
            value->data[0] = '[';
            *p = ']';
        }

        break;

    case APIGW_CTX_AUTHORIZER_PRINCIPAL_ID:
        if (ctx->principal.len) {
            *value = ctx->principal;
        }

        break;

    case APIGW_CTX_AUTHORIZER:
    case APIGW_CTX_AUTHORIZER_CLAIM:
        return ngx_http_apigw_authorizer_value(r, ctx, index, name, len,
                                               value);

    default:
        break;
    }

    return NGX_OK;
}


/*
 * $context.authorizer.KEY: a custom authorizer's context value, as AWS
 * makes it a string ("1", "true"); $context.authorizer.claims.NAME: a
 * verified token's claim, a string as it is and other JSON as its text
 */
static ngx_int_t
ngx_http_apigw_authorizer_value(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_uint_t index, const char *name,
    size_t len, ngx_str_t *value)
{
    json_t                   *claim;
    size_t                    klen;
    const char               *key;
    const apigw_authz_ctx_t  *c;

    key = apigw_context_key(index, name, len, &klen);

    if (klen == 0) {
        return NGX_OK;
    }

    if (index == APIGW_CTX_AUTHORIZER) {
        c = ctx->authz ? apigw_authz_context_find(ctx->authz, key, klen)
                       : NULL;

        if (c != NULL) {
            value->data = (u_char *) c->value.data;
            value->len = c->value.len;
        }

        return NGX_OK;
    }

    claim = ctx->claims ? json_object_getn(ctx->claims, key, klen) : NULL;

    if (claim == NULL) {
        return NGX_OK;
    }

    return ngx_http_apigw_json_value(r, claim, value);
}
