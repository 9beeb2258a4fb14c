
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * CORS, for an API with x-amazon-apigateway-cors or x-apigw-cors.  The
 * step answers a preflight (OPTIONS with Origin and
 * Access-Control-Request-Method) itself, before keys, authorizers,
 * throttling and validation, whether or not the spec has an OPTIONS
 * operation for the path: 204 with the Access-Control-* headers when it
 * is allowed, a bare 204 when not.  On the response side, every response
 * (the backend's, the gateway's own errors) gets the actual request's
 * headers for an allowed Origin, in place of any Access-Control-* header
 * already there, as AWS's HTTP APIs do; and Vary: Origin.
 */


static ngx_int_t ngx_http_apigw_cors_add(ngx_http_request_t *r,
    const char *name, size_t nlen, apigw_cors_value_t *v);
static ngx_uint_t ngx_http_apigw_cors_strip(ngx_http_request_t *r);


#define ngx_http_apigw_cors_add_const(r, name, v)                             \
    ngx_http_apigw_cors_add(r, name, sizeof(name) - 1, v)


/* the CORS step: a preflight is answered here, anything else goes on */
ngx_int_t
ngx_http_apigw_cors_step(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    ngx_buf_t            *b;
    ngx_str_t             origin, method, headers;
    apigw_cors_answer_t  *a;

    if (!ngx_http_apigw_cors_preflight(r, ctx, &origin, &method)) {
        return NGX_OK;
    }

    if (ngx_http_apigw_header_values(r,
                                (u_char *) "Access-Control-Request-Headers",
                                sizeof("Access-Control-Request-Headers") - 1,
                                ',', &headers)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    a = ngx_palloc(r->pool, sizeof(apigw_cors_answer_t));
    if (a == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->cors_preflight = 1;

    if (apigw_cors_preflight(ctx->alcf->api->api->cors,
                             (char *) origin.data, origin.len,
                             (char *) method.data, method.len,
                             (char *) headers.data, headers.len, a))
    {
        ctx->cors = a;

    } else {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apigw: CORS preflight refused: origin \"%V\", "
                      "method \"%V\", headers \"%V\"",
                      &origin, &method, &headers);
    }

    ctx->responded = 1;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = NGX_HTTP_NO_CONTENT;
    r->headers_out.status_line.len = 0;

    return ngx_http_apigw_send_response(r, b);
}


/*
 * Whether the request is a preflight of an API with CORS: the route step
 * lets one through on a path that has no OPTIONS operation
 */
ngx_uint_t
ngx_http_apigw_cors_preflight(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_str_t *origin, ngx_str_t *method)
{
    if (r->method != NGX_HTTP_OPTIONS || ctx->alcf->api->api->cors == NULL) {
        return 0;
    }

    if (ngx_http_apigw_header_values(r, (u_char *) "Origin",
                                     sizeof("Origin") - 1, 0, origin)
        != NGX_OK
        || ngx_http_apigw_header_values(r,
                                (u_char *) "Access-Control-Request-Method",
                                sizeof("Access-Control-Request-Method") - 1,
                                0, method)
           != NGX_OK)
    {
        return 0;
    }

    return origin->len && method->len;
}


/*
 * From the header filter, on every response of an API with CORS, just
 * before the headers go
 */
ngx_int_t
ngx_http_apigw_cors_headers(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    u_char               *p;
    ngx_str_t             origin;
    ngx_uint_t            vary;
    apigw_cors_t         *cors;
    apigw_cors_value_t    v;
    apigw_cors_answer_t  *a, actual;

    if (ctx->alcf->api == NULL || ctx->cors_done) {
        return NGX_OK;
    }

    cors = ctx->alcf->api->api->cors;

    if (cors == NULL) {
        return NGX_OK;
    }

    ctx->cors_done = 1;

    vary = ngx_http_apigw_cors_strip(r);

    a = ctx->cors;

    if (!ctx->cors_preflight) {
        if (ngx_http_apigw_header_values(r, (u_char *) "Origin",
                                         sizeof("Origin") - 1, 0, &origin)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        a = apigw_cors_actual(cors, (char *) origin.data, origin.len,
                              &actual)
            ? &actual : NULL;
    }

    if (a != NULL) {
        if (ngx_http_apigw_cors_add_const(r, "Access-Control-Allow-Origin",
                                          &a->allow_origin) != NGX_OK
            || ngx_http_apigw_cors_add_const(r,
                                         "Access-Control-Allow-Methods",
                                         &a->allow_methods) != NGX_OK
            || ngx_http_apigw_cors_add_const(r,
                                         "Access-Control-Allow-Headers",
                                         &a->allow_headers) != NGX_OK
            || ngx_http_apigw_cors_add_const(r,
                                         "Access-Control-Expose-Headers",
                                         &a->expose_headers) != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (a->credentials) {
            v.data = "true";
            v.len = sizeof("true") - 1;

            if (ngx_http_apigw_cors_add_const(r,
                                          "Access-Control-Allow-Credentials",
                                          &v) != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        if (a->max_age >= 0) {
            p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
            if (p == NULL) {
                return NGX_ERROR;
            }

            v.data = (char *) p;
            v.len = ngx_sprintf(p, "%i", (ngx_int_t) a->max_age) - p;

            if (ngx_http_apigw_cors_add_const(r, "Access-Control-Max-Age",
                                              &v) != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    if (vary) {
        return NGX_OK;
    }

    /* the answer depends on Origin */
    return ngx_http_apigw_set_header(r, (u_char *) "Vary",
                                     sizeof("Vary") - 1,
                                     (u_char *) "Origin",
                                     sizeof("Origin") - 1);
}


static ngx_int_t
ngx_http_apigw_cors_add(ngx_http_request_t *r, const char *name, size_t nlen,
    apigw_cors_value_t *v)
{
    if (v->data == NULL) {
        return NGX_OK;
    }

    return ngx_http_apigw_set_header(r, (u_char *) name, nlen,
                                     (u_char *) v->data, v->len);
}


/*
 * The gateway answers for CORS: the backend's (or a mock's)
 * Access-Control-* headers go.  1 when a Vary header names Origin already.
 */
static ngx_uint_t
ngx_http_apigw_cors_strip(ngx_http_request_t *r)
{
    ngx_uint_t        i, vary;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    vary = 0;
    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return vary;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len > sizeof("Access-Control-") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Access-Control-",
                               sizeof("Access-Control-") - 1) == 0)
        {
            h[i].hash = 0;

        } else if (h[i].hash && h[i].key.len == sizeof("Vary") - 1
                   && ngx_strncasecmp(h[i].key.data, (u_char *) "Vary",
                                      sizeof("Vary") - 1) == 0
                   && ngx_strlcasestrn(h[i].value.data,
                                       h[i].value.data + h[i].value.len,
                                       (u_char *) "origin",
                                       sizeof("origin") - 2)
                      != NULL)
        {
            vary = 1;
        }
    }
}
