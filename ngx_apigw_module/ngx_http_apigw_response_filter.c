
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The response side, as header and body filters.  A page nginx made in
 * place of the integration's (a 502 or 504 from the proxy, a 413) becomes
 * a gateway response.  The integration's own response goes through its
 * integration response, chosen by a pattern on the backend's status: it
 * sets the status, responseParameters set headers and a responseTemplate
 * replaces the body; apigw_response_validation checks the body against
 * the operation's declared response.  What needs the body holds the
 * headers back until the whole body is in (image filter style).
 */


static apigw_integration_response_t *ngx_http_apigw_select_response(
    ngx_http_request_t *r, apigw_integration_t *in);
static ngx_int_t ngx_http_apigw_response_mappings(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_integration_response_t *ir);
static ngx_int_t ngx_http_apigw_response_map_value(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_mapping_t *m, ngx_str_t *value);
static ngx_int_t ngx_http_apigw_response_template(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_integration_response_t *ir);
static ngx_int_t ngx_http_apigw_validate_response(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_collect(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_chain_t *in, ngx_uint_t *last);
static ngx_int_t ngx_http_apigw_response_send(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_response_out(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_buf_t *b);
static ngx_table_elt_t *ngx_http_apigw_out_header(ngx_http_request_t *r,
    u_char *name, size_t len);
static void ngx_http_apigw_response_type(ngx_http_request_t *r,
    ngx_str_t *type);
static ngx_int_t ngx_http_apigw_send_header(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_apigw_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_apigw_response_header(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_response_body(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_chain_t *in);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_apigw_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_apigw_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_apigw_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apigw_header_filter(ngx_http_request_t *r)
{
    ngx_int_t                   rc;
    ngx_buf_t                  *b;
    ngx_uint_t                  status;
    ngx_http_apigw_ctx_t       *ctx;
    ngx_http_apigw_loc_conf_t  *alcf;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apigw_module);

    if (alcf->api == NULL) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_apigw_get_ctx(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    /* the integration's response as it came: the cache's */
    if (ctx->cache && ngx_http_apigw_cache_header(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx->integration_started && ctx->integration_latency < 0) {
        ctx->integration_latency = ngx_current_msec - ctx->integration_start;
    }

    status = r->err_status;

    if (status == 0 && ctx->integration_started && r->upstream
        && r->upstream->headers_in.status_line.len == 0)
    {
        /*
         * nginx takes an answer without a status line as HTTP/0.9 and
         * answers the client in HTTP/0.9 too: give it back its version
         */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apigw: integration sent no HTTP status line");
        status = NGX_HTTP_BAD_GATEWAY;

#if (NGX_HTTP_V2)
        if (r->stream) {
            r->http_version = NGX_HTTP_VERSION_20;

        } else
#endif
        if (r->http_protocol.len == sizeof("HTTP/1.0") - 1
            && ngx_strncmp(r->http_protocol.data, "HTTP/1.0", 8) == 0)
        {
            r->http_version = NGX_HTTP_VERSION_10;

        } else {
            r->http_version = NGX_HTTP_VERSION_11;
        }
    }

    if (status >= NGX_HTTP_BAD_REQUEST) {

        /* a page nginx made: 502/504 from the proxy, 413, ... */

        r->err_status = 0;

        b = ngx_http_apigw_replace_response(r, ctx,
                                            ngx_http_apigw_error_type(status),
                                            status);
        if (b == NULL) {
            return NGX_ERROR;
        }

        ctx->error_body = b;
        ctx->replace_body = 1;

        return ngx_http_apigw_send_header(r, ctx);
    }

    if (ngx_http_apigw_request_id_header(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_http_apigw_response_header(r, ctx);

    if (rc != NGX_DECLINED) {
        /* NGX_OK: held back until the body is in */
        return rc;
    }

    return ngx_http_apigw_send_header(r, ctx);
}


/* the response's headers go on, with CORS's */
static ngx_int_t
ngx_http_apigw_send_header(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    if (ngx_http_apigw_cors_headers(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_apigw_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_uint_t             last;
    ngx_chain_t           *cl, out;
    ngx_http_apigw_ctx_t  *ctx;

    if (r != r->main) {
        ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

        /* an answer too large for the fetch stops here */
        if (ctx && ctx->fetch && in
            && ngx_http_apigw_fetch_filter(r, ctx, in) == NGX_OK)
        {
            return NGX_OK;
        }

        return ngx_http_next_body_filter(r, in);
    }

    if (in == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    if (ctx && ctx->cache && ctx->cache->collecting
        && ngx_http_apigw_cache_body(r, ctx, in) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ctx && ctx->hold_response) {
        return ngx_http_apigw_response_body(r, ctx, in);
    }

    if (ctx == NULL || !ctx->replace_body) {
        return ngx_http_next_body_filter(r, in);
    }

    /* nginx's HTML error page is swallowed; the JSON body goes instead */

    last = 0;

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;

        if (cl->buf->last_buf) {
            last = 1;
        }
    }

    if (!last || ctx->error_body_sent) {
        return NGX_OK;
    }

    ctx->error_body_sent = 1;

    out.buf = ctx->error_body;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}


/*
 * From the header filter.  NGX_DECLINED: headers go on as they are;
 * NGX_OK: held back until the body is in.
 */
static ngx_int_t
ngx_http_apigw_response_header(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    ngx_uint_t                     hit;
    apigw_integration_t           *in;
    apigw_integration_response_t  *ir;

    /*
     * an http integration's response, a function's (which only response
     * validation concerns), or one the cache kept of either
     */
    hit = ctx->cache && ctx->cache->hit && ctx->op
          && ctx->op->integration.type != APIGW_INTEGRATION_MOCK;

    if (ctx->op == NULL || ctx->replace_body
        || (!hit && ctx->function_outcome != APIGW_FN_OUTCOME_OK + 1
            && (r->upstream == NULL || ctx->responded)))
    {
        return NGX_DECLINED;
    }

    in = &ctx->op->integration;

    ir = in->nresponses ? ngx_http_apigw_select_response(r, in) : NULL;

    /* HEAD: no body will come to hold the headers for */
    if (r->header_only
        || ((ctx->alcf->response_validation
             == NGX_HTTP_APIGW_RESPONSE_VALIDATION_OFF
             || ctx->op->nresponses == 0)
            && (ir == NULL || !in->needs_response_body)))
    {
        if (ir == NULL) {
            return NGX_DECLINED;
        }

        if (ir->status) {
            r->headers_out.status = ir->status;
            r->headers_out.status_line.len = 0;
        }

        return ngx_http_apigw_response_mappings(r, ctx, ir) == NGX_OK
               ? NGX_DECLINED : NGX_ERROR;
    }

    ctx->integration_response = ir;
    ctx->hold_response = 1;

    if (ngx_array_init(&ctx->response_body, r->pool, 4096, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    r->filter_need_in_memory = 1;

    return NGX_OK;
}


/* patterns in the spec's order, then "default"; status as three digits */
static apigw_integration_response_t *
ngx_http_apigw_select_response(ngx_http_request_t *r, apigw_integration_t *in)
{
    u_char                         status[NGX_INT_T_LEN];
    size_t                         len;
    apigw_integration_response_t  *ir;

    len = ngx_sprintf(status, "%ui", r->headers_out.status) - status;

    ir = apigw_integration_response_select(in, (char *) status, len);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apigw integration response for %ui: \"%s\"",
                   r->headers_out.status,
                   ir ? (ir->pattern ? ir->pattern : "default") : "none");

    return ir;
}


static ngx_int_t
ngx_http_apigw_response_mappings(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_integration_response_t *ir)
{
    size_t            i;
    ngx_str_t         value, *values;
    ngx_table_elt_t  *h;
    apigw_mapping_t  *m;

    if (ir->nmappings == 0) {
        return NGX_OK;
    }

    /* every value first: one mapping may read a header another sets */

    values = ngx_palloc(r->pool, ir->nmappings * sizeof(ngx_str_t));
    if (values == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < ir->nmappings; i++) {
        if (ngx_http_apigw_response_map_value(r, ctx, &ir->mappings[i],
                                              &values[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    for (i = 0; i < ir->nmappings; i++) {
        m = &ir->mappings[i];
        value = values[i];

        if (value.data == NULL) {
            continue;
        }

        if (m->name_len == sizeof("Content-Type") - 1
            && ngx_strncasecmp((u_char *) m->name, (u_char *) "Content-Type",
                               m->name_len) == 0)
        {
            r->headers_out.content_type = value;
            r->headers_out.content_type_len = value.len;
            r->headers_out.content_type_lowcase = NULL;
            r->headers_out.charset.len = 0;
            continue;
        }

        h = ngx_http_apigw_out_header(r, (u_char *) m->name, m->name_len);

        if (h == NULL) {
            h = ngx_list_push(&r->headers_out.headers);
            if (h == NULL) {
                return NGX_ERROR;
            }

            h->key.data = (u_char *) m->name;
            h->key.len = m->name_len;
        }

        h->hash = 1;
        h->value = value;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apigw_response_map_value(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_mapping_t *m, ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    ngx_str_null(value);

    switch (m->source) {

    case APIGW_MAP_RESPONSE_HEADER:
        if (m->value_len == sizeof("Content-Type") - 1
            && ngx_strncasecmp((u_char *) m->value, (u_char *) "Content-Type",
                               m->value_len) == 0)
        {
            if (r->headers_out.content_type.len) {
                *value = r->headers_out.content_type;
            }

            break;
        }

        h = ngx_http_apigw_out_header(r, (u_char *) m->value, m->value_len);

        if (h) {
            *value = h->value;
        }

        break;

    case APIGW_MAP_RESPONSE_BODY:
        value->data = ctx->response_body.elts;
        value->len = ctx->response_body.nelts;
        break;

    default:
        if (ngx_http_apigw_map_shared(r, ctx, m, ctx->response_json, value)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;
    }

    /* no header splitting through a mapped value */
    if (value->data
        && (ngx_strlchr(value->data, value->data + value->len, '\r')
            || ngx_strlchr(value->data, value->data + value->len, '\n')))
    {
        ngx_str_null(value);
    }

    return NGX_OK;
}


/* From the body filter while the response is held back. */
static ngx_int_t
ngx_http_apigw_response_body(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_chain_t *in)
{
    ngx_uint_t  last;

    if (ngx_http_apigw_collect(r, ctx, in, &last) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!last) {
        return NGX_OK;
    }

    ctx->hold_response = 0;

    return ngx_http_apigw_response_send(r, ctx);
}


static ngx_int_t
ngx_http_apigw_collect(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_chain_t *in, ngx_uint_t *last)
{
    size_t        size;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    *last = 0;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        if (b->last_buf) {
            *last = 1;
        }

        size = ngx_buf_size(b);

        if (size == 0) {
            continue;
        }

        if (ctx->response_body.nelts + size > (size_t) ctx->alcf->body_limit) {
            ctx->response_too_large = 1;

        } else if (ngx_http_apigw_append_buf(&ctx->response_body, b, size)
                   != NGX_OK)
        {
            return NGX_ERROR;
        }

        b->pos = b->last;
        b->file_pos = b->file_last;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apigw_response_send(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    char                           errbuf[APIGW_ERR_LEN];
    ngx_int_t                      rc;
    ngx_buf_t                     *b;
    ngx_str_t                      text;
    apigw_integration_response_t  *ir;

    ir = ctx->integration_response;

    if (ctx->response_too_large) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apigw: %s: integration response over %O bytes",
                      ctx->op->route_key, ctx->alcf->body_limit);
        goto failed;
    }

    text.data = ctx->response_body.elts;
    text.len = ctx->response_body.nelts;

    if (text.len
        && ngx_http_apigw_parse_json(r, ctx, &text, &ctx->response_json,
                                     errbuf, sizeof(errbuf))
           == NGX_ERROR)
    {
        return NGX_ERROR;
    }

    rc = ngx_http_apigw_validate_response(r, ctx);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        goto failed;
    }

    if (ir) {
        if (ir->status) {
            r->headers_out.status = ir->status;
            r->headers_out.status_line.len = 0;
        }

        if (ngx_http_apigw_response_mappings(r, ctx, ir) != NGX_OK) {
            return NGX_ERROR;
        }

        rc = ngx_http_apigw_response_template(r, ctx, ir);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_DECLINED) {
            goto failed;
        }
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ctx->response_body.elts;
    b->last = b->pos + ctx->response_body.nelts;
    b->memory = (b->last > b->pos);
    b->last_buf = 1;
    b->last_in_chain = 1;

    ngx_http_clear_content_length(r);
    r->headers_out.content_length_n = b->last - b->pos;

    return ngx_http_apigw_response_out(r, ctx, b);

failed:

    /* the headers have not gone: a gateway response takes their place */

    b = ngx_http_apigw_replace_response(r, ctx, APIGW_GR_INTEGRATION_FAILURE,
                                        0);
    if (b == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_apigw_response_out(r, ctx, b);
}


/* the held-back headers, then the one buffer of the body */
static ngx_int_t
ngx_http_apigw_response_out(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_buf_t *b)
{
    ngx_int_t    rc;
    ngx_chain_t  out;

    rc = ngx_http_apigw_send_header(r, ctx);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}


/*
 * The template for the client's Accept type, else for application/json,
 * else the first; NGX_DECLINED when it fails to render.
 */
static ngx_int_t
ngx_http_apigw_response_template(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_integration_response_t *ir)
{
    size_t             i;
    u_char            *p, *end;
    ngx_str_t          accept, body, in;
    apigw_template_t  *t;

    if (ir->ntemplates == 0) {
        return NGX_OK;
    }

    t = NULL;

    if (r->headers_in.accept) {
        accept = r->headers_in.accept->value;
        end = accept.data + accept.len;
        p = ngx_strlchr(accept.data, end, ',');
        end = p ? p : end;
        p = ngx_strlchr(accept.data, end, ';');
        accept.len = (p ? p : end) - accept.data;

        for (i = 0; i < ir->ntemplates; i++) {
            if (ir->templates[i].content_type_len == accept.len
                && ngx_strncasecmp((u_char *) ir->templates[i].content_type,
                                   accept.data, accept.len) == 0)
            {
                t = &ir->templates[i];
                break;
            }
        }
    }

    for (i = 0; t == NULL && i < ir->ntemplates; i++) {
        if (ngx_strcmp(ir->templates[i].content_type, "application/json")
            == 0)
        {
            t = &ir->templates[i];
        }
    }

    if (t == NULL) {
        t = &ir->templates[0];
    }

    in.data = ctx->response_body.elts;
    in.len = ctx->response_body.nelts;

    if (ngx_http_apigw_render_template(r, ctx, t->vtl, &in,
                                       &ctx->response_json, &body)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    ctx->response_body.elts = body.data;
    ctx->response_body.nelts = body.len;

    r->headers_out.content_type.data = (u_char *) t->content_type;
    r->headers_out.content_type.len = t->content_type_len;
    r->headers_out.content_type_len = t->content_type_len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.charset.len = 0;

    return NGX_OK;
}


/*
 * The body against the declared response for its status and media type.
 * NGX_DECLINED: invalid under "enforce".
 */
static ngx_int_t
ngx_http_apigw_validate_response(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    u_char                  *p, *last;
    size_t                   i;
    ngx_str_t                type;
    ngx_uint_t               status;
    apigw_operation_t       *op;
    apigw_schema_error_t     list[NGX_HTTP_APIGW_MAX_ERRORS];
    const apigw_media_t     *media;
    apigw_schema_errors_t    errors;
    apigw_response_decl_t   *decl, *d;
    u_char                   text[1024];

    if (ctx->alcf->response_validation
        == NGX_HTTP_APIGW_RESPONSE_VALIDATION_OFF)
    {
        return NGX_OK;
    }

    op = ctx->op;
    status = r->headers_out.status;
    decl = NULL;

    for (i = 0; i < op->nresponses; i++) {
        d = &op->responses[i];

        if ((ngx_uint_t) d->status == status) {
            decl = d;
            break;
        }

        if ((ngx_uint_t) d->status == status / 100
            || (d->status == 0 && decl == NULL))
        {
            decl = d;
        }
    }

    ngx_http_apigw_response_type(r, &type);

    media = decl ? apigw_media_match(&decl->content, (char *) type.data,
                                     type.len)
                 : NULL;

    if (media == NULL || media->schema == NULL
        || !apigw_content_type_is_json((char *) type.data, type.len))
    {
        ctx->response_validation = NGX_HTTP_APIGW_RESPONSE_UNCHECKED;
        return NGX_OK;
    }

    errors.errors = list;
    errors.max = NGX_HTTP_APIGW_MAX_ERRORS;
    errors.n = 0;

    if (ctx->response_json
        && apigw_schema_validate(media->schema, ctx->response_json, &errors))
    {
        ctx->response_validation = NGX_HTTP_APIGW_RESPONSE_VALID;
        return NGX_OK;
    }

    ctx->response_validation = NGX_HTTP_APIGW_RESPONSE_INVALID;

    p = text;
    last = text + sizeof(text);

    if (ctx->response_json == NULL) {
        p = ngx_slprintf(p, last, " body is not JSON");
    }

    for (i = 0; i < errors.n; i++) {
        p = ngx_slprintf(p, last, " %s \"%s\": %s;", list[i].keyword,
                         list[i].path, list[i].message);
    }

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "apigw: %s: response %ui does not match its schema:%*s",
                  op->route_key, status, p - text, text);

    return ctx->alcf->response_validation
           == NGX_HTTP_APIGW_RESPONSE_VALIDATION_ENFORCE
           ? NGX_DECLINED : NGX_OK;
}


static ngx_table_elt_t *
ngx_http_apigw_out_header(ngx_http_request_t *r, u_char *name, size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash && h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, name, len) == 0)
        {
            return &h[i];
        }
    }
}


static void
ngx_http_apigw_response_type(ngx_http_request_t *r, ngx_str_t *type)
{
    u_char  *semi;

    *type = r->headers_out.content_type;

    semi = ngx_strlchr(type->data, type->data + type->len, ';');

    if (semi) {
        type->len = semi - type->data;
    }

    while (type->len && type->data[type->len - 1] == ' ') {
        type->len--;
    }
}
