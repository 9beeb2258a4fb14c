
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The integration request, transformed AWS style: requestParameters give
 * headers, query parameters and uri path parameters their values;
 * a mapping template chosen by Content-Type replaces the body, or the
 * body passes through as passthroughBehavior allows.
 */


static ngx_int_t ngx_http_apigw_map_value(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_mapping_t *m, ngx_str_t *value);
static ngx_int_t ngx_http_apigw_map_query(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_request_template(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_set_body(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_apigw_clean_header_value(ngx_http_request_t *r,
    ngx_str_t *value);


/* the transform step: the integration request's parameters and body */
ngx_int_t
ngx_http_apigw_transform_step(ngx_http_request_t *r,
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


