
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The integrate step, the last one.  A mock answers here; a function is
 * called by the Invoke API (ngx_http_apigw_function.c) and answers.  An http
 * integration (the operation's uri, or the location's apigw_backend) gets
 * its URL, headers and deadline in ngx_http_apigw_proxy.c, and then the
 * proxy module, in the content phase, calls it.  An operation that did
 * not load (a warning at nginx -t says why) answers
 * API_CONFIGURATION_ERROR.
 */


static ngx_int_t ngx_http_apigw_mock(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);


ngx_int_t
ngx_http_apigw_integrate_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    switch (ctx->op->integration.type) {

    case APIGW_INTEGRATION_MOCK:
        return ngx_http_apigw_mock(r, ctx);

    case APIGW_INTEGRATION_FUNCTION:
        return ngx_http_apigw_function_integration(r, ctx);

    case APIGW_INTEGRATION_NONE:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apigw: %s did not load: %s", ctx->op->route_key,
                      ctx->op->problem);
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                        APIGW_GR_API_CONFIGURATION_ERROR, 0);

    default:
        return ngx_http_apigw_proxy_integration(r, ctx);
    }
}


/* a mock integration: the response the spec gives, with no call */
static ngx_int_t
ngx_http_apigw_mock(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    ngx_buf_t            *b;
    apigw_integration_t  *in;

    in = &ctx->op->integration;
    ctx->responded = 1;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    ctx->integration_latency = 0;
    ctx->integration_status = in->status;

    r->headers_out.status = in->status;
    ngx_str_set(&r->headers_out.content_type, "application/json");

    if (ngx_http_apigw_spec_headers(r, in->headers, in->nheaders) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = (u_char *) in->body;
    b->last = b->pos + in->body_len;
    b->memory = in->body_len ? 1 : 0;

    return ngx_http_apigw_send_response(r, b);
}
