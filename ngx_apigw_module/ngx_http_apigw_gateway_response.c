
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Gateway responses: every error the gateway makes is JSON
 * {"message": ...} with x-amzn-RequestId and x-amzn-ErrorType, as AWS
 * answers, customisable per type in the spec.  Errors that nginx itself
 * makes in an apigw location (502, 504 and 413 from the proxy and the body
 * reader) are turned into gateway responses by the filters below.
 */


static const char *ngx_http_apigw_status_message(ngx_uint_t status,
    apigw_gr_type_e type);
static ngx_buf_t *ngx_http_apigw_gateway_headers(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_gr_type_e type, ngx_uint_t status);
static ngx_int_t ngx_http_apigw_render_body(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_tpl_t *tpl, apigw_gr_type_e type,
    const char *message, ngx_str_t *out);
static ngx_int_t ngx_http_apigw_context_value(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_tpl_part_t *part, apigw_gr_type_e type,
    const char *message, ngx_str_t *value);


ngx_int_t
ngx_http_apigw_send_gateway_response(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_gr_type_e type, ngx_uint_t status)
{
    ngx_buf_t  *b;

    ctx->responded = 1;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    b = ngx_http_apigw_gateway_headers(r, ctx, type, status);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apigw_send_response(r, b);
}


/* headers_out as they are, and b as the whole body */
ngx_int_t
ngx_http_apigw_send_response(ngx_http_request_t *r, ngx_buf_t *b)
{
    ngx_int_t    rc;
    ngx_chain_t  out;

    r->headers_out.content_length_n = b->last - b->pos;
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* the gateway response in place of a page nginx made with this status */
apigw_gr_type_e
ngx_http_apigw_error_type(ngx_uint_t status)
{
    switch (status) {

    case NGX_HTTP_BAD_GATEWAY:
        return APIGW_GR_INTEGRATION_FAILURE;

    case NGX_HTTP_GATEWAY_TIME_OUT:
        return APIGW_GR_INTEGRATION_TIMEOUT;

    case NGX_HTTP_REQUEST_ENTITY_TOO_LARGE:
        return APIGW_GR_REQUEST_TOO_LARGE;

    default:
        return status >= 500 ? APIGW_GR_DEFAULT_5XX : APIGW_GR_DEFAULT_4XX;
    }
}


static const char *
ngx_http_apigw_status_message(ngx_uint_t status, apigw_gr_type_e type)
{
    if (type != APIGW_GR_DEFAULT_4XX && type != APIGW_GR_DEFAULT_5XX) {
        return apigw_gr_defaults[type].message;
    }

    switch (status) {
    case NGX_HTTP_NOT_FOUND:
        return "Not Found";
    case NGX_HTTP_NOT_ALLOWED:
        return "Method Not Allowed";
    case NGX_HTTP_REQUEST_TIME_OUT:
        return "Request Timeout";
    case NGX_HTTP_LENGTH_REQUIRED:
        return "Length Required";
    case NGX_HTTP_REQUEST_URI_TOO_LARGE:
        return "Request-URI Too Long";
    case NGX_HTTP_SERVICE_UNAVAILABLE:
        return "Service Unavailable";
    default:
        return apigw_gr_defaults[type].message;
    }
}


/*
 * Sets the status and headers of a gateway response and returns its
 * body.  A type the spec does not customise falls back to the spec's
 * DEFAULT_4XX / DEFAULT_5XX, then to AWS's defaults.
 */
static ngx_buf_t *
ngx_http_apigw_gateway_headers(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_gr_type_e type, ngx_uint_t status)
{
    size_t                     len;
    u_char                    *p;
    ngx_buf_t                 *b;
    ngx_str_t                  body;
    const char                *message, *error_type;
    apigw_gateway_response_t  *gr;

    if (status == 0) {
        status = apigw_gr_defaults[type].status;
    }

    gr = NULL;

    if (ctx->alcf->api) {
        gr = ctx->alcf->api->api->responses[type];

        if (gr == NULL) {
            gr = ctx->alcf->api->api->responses[status >= 500
                                                ? APIGW_GR_DEFAULT_5XX
                                                : APIGW_GR_DEFAULT_4XX];
        }
    }

    if (gr && gr->status) {
        status = gr->status;
    }

    message = ngx_http_apigw_status_message(status, type);
    error_type = apigw_gr_defaults[type].error_type;

    if (ctx->error_message.len) {
        /* NUL-terminated by whoever set it */
        message = (const char *) ctx->error_message.data;
    }

    /* for $apigw_error_response_type and $apigw_error_message */
    ctx->gateway_error = type + 1;
    ctx->gateway_message = message;

    r->headers_out.status = status;
    r->headers_out.status_line.len = 0;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.charset.len = 0;

    if (ngx_http_apigw_set_header(r, (u_char *) "x-amzn-ErrorType",
                                  sizeof("x-amzn-ErrorType") - 1,
                                  (u_char *) error_type,
                                  ngx_strlen(error_type))
        != NGX_OK)
    {
        return NULL;
    }

    if (gr && ngx_http_apigw_spec_headers(r, gr->headers, gr->nheaders)
              != NGX_OK)
    {
        return NULL;
    }

    if (gr && gr->body) {
        if (ngx_http_apigw_render_body(r, ctx, gr->body, type, message, &body)
            != NGX_OK)
        {
            return NULL;
        }

    } else {
        /* validation failures list their "errors" unless told not to */
        len = sizeof("{\"message\":\"\",\"errors\":[]}") - 1
              + ngx_strlen(message) + ctx->error_details.len;

        body.data = ngx_pnalloc(r->pool, len);
        if (body.data == NULL) {
            return NULL;
        }

        p = ngx_sprintf(body.data, "{\"message\":\"%s\"", message);

        if (ctx->error_details.len) {
            p = ngx_sprintf(p, ",\"errors\":[%V]", &ctx->error_details);
        }

        *p++ = '}';
        body.len = p - body.data;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NULL;
    }

    b->pos = body.data;
    b->last = body.data + body.len;
    b->memory = body.len ? 1 : 0;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apigw gateway response %s: %ui \"%s\"",
                   apigw_gr_defaults[type].name, status, message);

    return b;
}


static ngx_int_t
ngx_http_apigw_render_body(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_tpl_t *tpl, apigw_gr_type_e type, const char *message,
    ngx_str_t *out)
{
    u_char            *p;
    size_t             i, len;
    ngx_str_t         *values;
    apigw_tpl_part_t  *part;

    values = ngx_palloc(r->pool, tpl->nparts * sizeof(ngx_str_t));
    if (values == NULL) {
        return NGX_ERROR;
    }

    len = 0;

    for (i = 0; i < tpl->nparts; i++) {
        part = &tpl->parts[i];

        if (ngx_http_apigw_context_value(r, ctx, part, type, message,
                                         &values[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        len += values[i].len;
    }

    out->data = ngx_pnalloc(r->pool, len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    p = out->data;

    for (i = 0; i < tpl->nparts; i++) {
        if (values[i].len) {
            /* a value not found has no data at all */
            p = ngx_cpymem(p, values[i].data, values[i].len);
        }
    }

    out->len = p - out->data;

    return NGX_OK;
}


/* $context.* and $stageVariables.* in gateway response bodies */
static ngx_int_t
ngx_http_apigw_context_value(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_tpl_part_t *part, apigw_gr_type_e type, const char *message,
    ngx_str_t *value)
{
    u_char     *p;
    ngx_str_t  *sv;
    size_t      len;

    ngx_str_null(value);

    switch (part->kind) {

    case APIGW_TPL_LITERAL:
        value->data = (u_char *) part->text;
        value->len = part->len;
        return NGX_OK;

    case APIGW_TPL_STAGE_VAR:
        sv = ngx_http_apigw_stage_variable(ctx->alcf, (u_char *) part->text,
                                           part->len);
        if (sv) {
            *value = *sv;
        }

        return NGX_OK;

    default:
        break;
    }

    if (ngx_strcmp(part->text, "error.message") == 0) {
        value->data = (u_char *) message;
        value->len = ngx_strlen(message);

    } else if (ngx_strcmp(part->text, "error.messageString") == 0) {
        /* the message as a quoted JSON string; messages need no escaping */
        len = ngx_strlen(message) + 2;

        value->data = ngx_pnalloc(r->pool, len);
        if (value->data == NULL) {
            return NGX_ERROR;
        }

        p = ngx_sprintf(value->data, "\"%s\"", message);
        value->len = p - value->data;

    } else if (ngx_strcmp(part->text, "error.responseType") == 0) {
        value->data = (u_char *) apigw_gr_defaults[type].name;
        value->len = ngx_strlen(apigw_gr_defaults[type].name);

    } else if (ngx_http_apigw_context_var(r, ctx,
                                          apigw_context_index(part->text,
                                                              part->len),
                                          part->text, part->len, value)
               != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_apigw_set_header(ngx_http_request_t *r, u_char *name, size_t nlen,
    u_char *value, size_t vlen)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = name;
    h->key.len = nlen;
    h->value.data = value;
    h->value.len = vlen;

    return NGX_OK;
}


/* headers from the spec; Content-Type replaces the response's type */
ngx_int_t
ngx_http_apigw_spec_headers(ngx_http_request_t *r, apigw_header_t *headers,
    size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (ngx_strcasecmp((u_char *) headers[i].name,
                           (u_char *) "Content-Type") == 0)
        {
            r->headers_out.content_type.data = (u_char *) headers[i].value;
            r->headers_out.content_type.len = ngx_strlen(headers[i].value);
            continue;
        }

        if (ngx_http_apigw_set_header(r, (u_char *) headers[i].name,
                                      ngx_strlen(headers[i].name),
                                      (u_char *) headers[i].value,
                                      ngx_strlen(headers[i].value))
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * A gateway response in place of a response whose headers have not gone
 * yet; its body, to be sent in place of the original one.
 */
ngx_buf_t *
ngx_http_apigw_replace_response(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_gr_type_e type, ngx_uint_t status)
{
    ngx_buf_t  *b;

    ngx_http_clean_header(r);

    b = ngx_http_apigw_gateway_headers(r, ctx, type, status);
    if (b == NULL) {
        return NULL;
    }

    r->headers_out.content_length_n = b->last - b->pos;
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    b->last_buf = 1;
    b->last_in_chain = 1;

    if (ngx_http_apigw_request_id_header(r, ctx) != NGX_OK) {
        return NULL;
    }

    return b;
}


/* x-amzn-RequestId, on every response of the gateway's */
ngx_int_t
ngx_http_apigw_request_id_header(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    return ngx_http_apigw_set_header(r, (u_char *) "x-amzn-RequestId",
                                     sizeof("x-amzn-RequestId") - 1,
                                     ctx->request_id,
                                     NGX_HTTP_APIGW_REQUEST_ID_LEN);
}


