
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The integration request, transformed AWS style: requestParameters give
 * headers, query parameters and uri path parameters their values;
 * a mapping template chosen by Content-Type replaces the body, or the
 * body passes through as passthroughBehavior allows.  Also the $context
 * variables both (and the gateway responses) use.
 */


typedef struct {
    ngx_http_request_t         *request;
    ngx_http_apigw_ctx_t       *ctx;
} ngx_http_apigw_vtl_data_t;


static ngx_int_t ngx_http_apigw_map_value(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_mapping_t *m, ngx_str_t *value);
static ngx_int_t ngx_http_apigw_map_query(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_request_template(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_set_body(ngx_http_request_t *r,
    ngx_str_t *body);
static int ngx_http_apigw_vtl_context(void *data, const char *name,
    size_t len, const char **value, size_t *value_len);
static int ngx_http_apigw_vtl_stage_variable(void *data, const char *name,
    size_t len, const char **value, size_t *value_len);
static ngx_int_t ngx_http_apigw_clean_header_value(ngx_http_request_t *r,
    ngx_str_t *value);


ngx_int_t
ngx_http_apigw_needs_body(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    apigw_operation_t  *op;

    op = ctx->op;

    return (op->validate_body && op->body.declared)
           || op->integration.nrequest_templates
           || op->integration.needs_body;
}


ngx_int_t
ngx_http_apigw_transform_request(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    size_t                i;
    ngx_int_t             rc;
    apigw_mapping_t      *m;
    apigw_integration_t  *in;

    in = &ctx->op->integration;
    ctx->args = r->args;

    if (in->type != APIGW_INTEGRATION_HTTP) {
        return NGX_OK;
    }

    if (in->nrequest_params) {
        ctx->map_values = ngx_pcalloc(r->pool,
                                      in->nrequest_params * sizeof(ngx_str_t));
        if (ctx->map_values == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        for (i = 0; i < in->nrequest_params; i++) {
            m = &in->request_params[i];

            rc = ngx_http_apigw_map_value(r, ctx, m, &ctx->map_values[i]);
            if (rc != NGX_OK) {
                return rc;
            }

            if (m->target == APIGW_MAP_TO_HEADER
                && ngx_http_apigw_clean_header_value(r, &ctx->map_values[i])
                   != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }

        if (ngx_http_apigw_map_query(r, ctx) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_apigw_request_template(r, ctx);
}


/* a mapping's value; data NULL when its source is absent */
static ngx_int_t
ngx_http_apigw_map_value(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_mapping_t *m, ngx_str_t *value)
{
    char        errbuf[APIGW_ERR_LEN];
    u_char     *p;
    size_t      i, len;
    ngx_int_t   rc;

    ngx_str_null(value);

    switch (m->source) {

    case APIGW_MAP_PATH:
        value->data = (u_char *) ctx->match.params[m->index].val;
        value->len = ctx->match.params[m->index].val_len;
        break;

    case APIGW_MAP_QUERY:
    case APIGW_MAP_MULTI_QUERY:
        if (ngx_http_apigw_query(r, ctx) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        len = 0;

        for (i = 0; i < ctx->nquery; i++) {
            if (ctx->query[i].name_len == m->value_len
                && ngx_strncmp(ctx->query[i].name, m->value, m->value_len)
                   == 0)
            {
                len += ctx->query[i].value_len + 1;

                if (m->source == APIGW_MAP_QUERY) {
                    value->data = (u_char *) ctx->query[i].value;
                    value->len = ctx->query[i].value_len;
                    return NGX_OK;
                }
            }
        }

        if (len == 0) {
            break;
        }

        value->data = ngx_pnalloc(r->pool, len);
        if (value->data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = value->data;

        for (i = 0; i < ctx->nquery; i++) {
            if (ctx->query[i].name_len == m->value_len
                && ngx_strncmp(ctx->query[i].name, m->value, m->value_len)
                   == 0)
            {
                if (p != value->data) {
                    *p++ = ',';
                }

                p = ngx_cpymem(p, ctx->query[i].value,
                               ctx->query[i].value_len);
            }
        }

        value->len = p - value->data;
        break;

    case APIGW_MAP_HEADER:
    case APIGW_MAP_MULTI_HEADER:
        if (ngx_http_apigw_header_values(r, (u_char *) m->value, m->value_len,
                                         m->source == APIGW_MAP_MULTI_HEADER
                                         ? ',' : 0,
                                         value)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        break;

    case APIGW_MAP_BODY:
        *value = ctx->body;
        break;

    case APIGW_MAP_BODY_PATH:
        rc = ngx_http_apigw_parse_json(r, ctx, &ctx->body, &ctx->json, errbuf,
                                       sizeof(errbuf));
        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_DECLINED) {
            /* not JSON: nothing to select */
            break;
        }

        return ngx_http_apigw_map_shared(r, ctx, m, ctx->json, value);

    default:
        return ngx_http_apigw_map_shared(r, ctx, m, NULL, value);
    }

    return NGX_OK;
}


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
        return ngx_http_apigw_context_var(r, ctx, m->index, value);

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


/* the first header of that name (sep 0), or every one joined by sep */
ngx_int_t
ngx_http_apigw_header_values(ngx_http_request_t *r, u_char *name, size_t len,
    u_char sep, ngx_str_t *value)
{
    u_char           *p;
    size_t            total;
    ngx_uint_t        i, pass;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    ngx_str_null(value);

    total = 0;
    p = NULL;

    for (pass = 0; pass < 2; pass++) {
        part = &r->headers_in.headers.part;
        h = part->elts;

        for (i = 0; /* void */; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }

                part = part->next;
                h = part->elts;
                i = 0;
            }

            if (h[i].key.len != len
                || ngx_strncasecmp(h[i].key.data, name, len) != 0)
            {
                continue;
            }

            if (sep == 0) {
                *value = h[i].value;
                return NGX_OK;
            }

            if (pass == 0) {
                total += h[i].value.len + 1;
                continue;
            }

            if (p != value->data) {
                *p++ = sep;
            }

            p = ngx_cpymem(p, h[i].value.data, h[i].value.len);
        }

        if (total == 0) {
            return NGX_OK;
        }

        if (pass == 0) {
            value->data = ngx_pnalloc(r->pool, total);
            if (value->data == NULL) {
                return NGX_ERROR;
            }

            p = value->data;
        }
    }

    value->len = p - value->data;

    return NGX_OK;
}


/*
 * integration.request.querystring.N: the client's N parameters are
 * replaced by the mapped value (dropped when its source is absent)
 */
static ngx_int_t
ngx_http_apigw_map_query(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    u_char               *p, *start, *end, *amp, *eq, *dst;
    size_t                i, len, nlen;
    ngx_uint_t            mapped, any;
    apigw_mapping_t      *m;
    apigw_integration_t  *in;

    in = &ctx->op->integration;
    len = r->args.len;
    any = 0;

    for (i = 0; i < in->nrequest_params; i++) {
        m = &in->request_params[i];

        if (m->target == APIGW_MAP_TO_QUERY) {
            any = 1;
            len += 2 + 3 * m->name_len + 3 * ctx->map_values[i].len;
        }
    }

    if (!any) {
        return NGX_OK;
    }

    dst = ngx_pnalloc(r->pool, len);
    if (dst == NULL) {
        return NGX_ERROR;
    }

    p = dst;
    start = r->args.data;
    end = start + r->args.len;

    while (start < end) {
        amp = ngx_strlchr(start, end, '&');

        if (amp == NULL) {
            amp = end;
        }

        eq = ngx_strlchr(start, amp, '=');
        nlen = (eq ? eq : amp) - start;
        mapped = 0;

        for (i = 0; i < in->nrequest_params; i++) {
            m = &in->request_params[i];

            if (m->target == APIGW_MAP_TO_QUERY && m->name_len == nlen
                && ngx_strncmp(m->name, start, nlen) == 0)
            {
                mapped = 1;
                break;
            }
        }

        if (!mapped && amp > start) {
            if (p != dst) {
                *p++ = '&';
            }

            p = ngx_cpymem(p, start, amp - start);
        }

        start = amp + 1;
    }

    for (i = 0; i < in->nrequest_params; i++) {
        m = &in->request_params[i];

        if (m->target != APIGW_MAP_TO_QUERY
            || ctx->map_values[i].data == NULL)
        {
            continue;
        }

        if (p != dst) {
            *p++ = '&';
        }

        p = (u_char *) ngx_escape_uri(p, (u_char *) m->name, m->name_len,
                                      NGX_ESCAPE_URI_COMPONENT);
        *p++ = '=';
        p = (u_char *) ngx_escape_uri(p, ctx->map_values[i].data,
                                      ctx->map_values[i].len,
                                      NGX_ESCAPE_URI_COMPONENT);
    }

    ctx->args.data = dst;
    ctx->args.len = p - dst;

    return NGX_OK;
}


/* header values from bodies and queries must not split the header */
static ngx_int_t
ngx_http_apigw_clean_header_value(ngx_http_request_t *r, ngx_str_t *value)
{
    u_char  *p, *end;

    if (value->data == NULL) {
        return NGX_OK;
    }

    end = value->data + value->len;

    for (p = value->data; p < end; p++) {
        if (*p == '\r' || *p == '\n' || *p == '\0') {
            break;
        }
    }

    if (p == end) {
        return NGX_OK;
    }

    /* the value may be the client's own text: change a copy */
    p = ngx_pnalloc(r->pool, value->len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, value->data, value->len);
    value->data = p;

    for ( /* void */ ; p < value->data + value->len; p++) {
        if (*p == '\r' || *p == '\n' || *p == '\0') {
            *p = ' ';
        }
    }

    return NGX_OK;
}


/*
 * The template for the request's Content-Type replaces the body; no
 * template for it: WHEN_NO_MATCH passes the body through, WHEN_NO_TEMPLATES
 * too unless the integration has templates, NEVER refuses (415).
 */
static ngx_int_t
ngx_http_apigw_request_template(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    size_t                i;
    ngx_str_t             type, body;
    apigw_template_t     *t;
    apigw_integration_t  *in;

    in = &ctx->op->integration;

    if (in->nrequest_templates == 0
        && in->passthrough != APIGW_PASSTHROUGH_NEVER)
    {
        return NGX_OK;
    }

    ngx_http_apigw_content_type(r, &type);

    t = NULL;

    for (i = 0; i < in->nrequest_templates; i++) {
        if (in->request_templates[i].content_type_len == type.len
            && ngx_strncasecmp((u_char *) in->request_templates[i]
                                                               .content_type,
                               type.data, type.len) == 0)
        {
            t = &in->request_templates[i];
            break;
        }
    }

    if (t == NULL) {
        if (in->passthrough == APIGW_PASSTHROUGH_NEVER
            || (in->passthrough == APIGW_PASSTHROUGH_WHEN_NO_TEMPLATES
                && in->nrequest_templates))
        {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "apigw: %s has no mapping template for \"%V\"",
                          ctx->op->route_key, &type);
            return ngx_http_apigw_send_gateway_response(r, ctx,
                                            APIGW_GR_UNSUPPORTED_MEDIA_TYPE,
                                            0);
        }

        return NGX_OK;
    }

    if (ngx_http_apigw_render_template(r, ctx, t->vtl, &ctx->body, &ctx->json,
                                       &body)
        != NGX_OK)
    {
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                            APIGW_GR_API_CONFIGURATION_ERROR,
                                            0);
    }

    return ngx_http_apigw_set_body(r, &body);
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


/* the integration request's body, in place of the client's */
static ngx_int_t
ngx_http_apigw_set_body(ngx_http_request_t *r, ngx_str_t *body)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (r->request_body == NULL) {
        r->request_body = ngx_pcalloc(r->pool,
                                      sizeof(ngx_http_request_body_t));
        if (r->request_body == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    r->headers_in.content_length_n = body->len;
    r->headers_in.chunked = 0;

    if (body->len == 0) {
        r->request_body->bufs = NULL;
        return NGX_OK;
    }

    b = ngx_calloc_buf(r->pool);
    cl = ngx_alloc_chain_link(r->pool);

    if (b == NULL || cl == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body->data;
    b->last = body->data + body->len;
    b->memory = 1;
    b->last_buf = 1;

    cl->buf = b;
    cl->next = NULL;

    r->request_body->bufs = cl;

    return NGX_OK;
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
        || ngx_http_apigw_context_var(d->request, d->ctx, index, &v)
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


/* $context.NAME: data NULL when there is none */
ngx_int_t
ngx_http_apigw_context_var(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_uint_t index, ngx_str_t *value)
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
        if (ctx->alcf->api) {
            *value = ctx->alcf->api->name;
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

    default:
        break;
    }

    return NGX_OK;
}
