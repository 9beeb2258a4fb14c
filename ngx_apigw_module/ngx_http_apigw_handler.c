
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The request pipeline, run in the precontent phase so that the proxy
 * module, configured by the "apigw" directive, serves the content phase:
 * route, validate the parameters, read the body, validate it, transform
 * the request, then the integration (mock answered here; http forwarded).
 * A step that refuses sends a gateway response and sets ctx->responded.
 */


static ngx_int_t ngx_http_apigw_route(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_method(ngx_http_request_t *r);
static ngx_int_t ngx_http_apigw_strip_prefix(ngx_http_request_t *r,
    ngx_http_apigw_loc_conf_t *alcf, ngx_str_t *path);
static void ngx_http_apigw_request_id(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static void ngx_http_apigw_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_apigw_integration(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_finish(ngx_http_request_t *r, ngx_int_t rc);
static ngx_int_t ngx_http_apigw_resume(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_identified(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_int_t rc);
static ngx_int_t ngx_http_apigw_admitted(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);


ngx_http_apigw_ctx_t *
ngx_http_apigw_get_ctx(ngx_http_request_t *r)
{
    ngx_http_apigw_ctx_t       *ctx;
    ngx_http_apigw_loc_conf_t  *alcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);
    if (ctx) {
        return ctx;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apigw_module);

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_apigw_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ctx->alcf = alcf;
    ctx->integration_latency = -1;
    ctx->status = NGX_DECLINED;

    ngx_http_apigw_request_id(r, ctx);

    ngx_http_set_ctx(r, ctx, ngx_http_apigw_module);

    return ctx;
}


ngx_int_t
ngx_http_apigw_handler(ngx_http_request_t *r)
{
    ngx_int_t                   rc;
    ngx_http_apigw_ctx_t       *ctx;
    ngx_http_apigw_loc_conf_t  *alcf;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apigw_module);

    if (alcf->api == NULL) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    if (ctx && ctx->op) {
        return ngx_http_apigw_resume(r, ctx);
    }

    ctx = ngx_http_apigw_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_apigw_route(r, ctx);

    if (ctx->op == NULL) {
        /* no route: a gateway response is under way */
        return ngx_http_apigw_finish(r, rc);
    }

    return ngx_http_apigw_identified(r, ctx, ngx_http_apigw_identify(r, ctx));
}


/* back in the phase: from Redis, or from reading the body */
static ngx_int_t
ngx_http_apigw_resume(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    ngx_int_t  rc;

    switch (ctx->waiting) {

    case NGX_HTTP_APIGW_WAIT_IDENTITY:
        ctx->waiting = NGX_HTTP_APIGW_WAIT_NONE;
        return ngx_http_apigw_identified(r, ctx,
                                         ngx_http_apigw_identify(r, ctx));

    case NGX_HTTP_APIGW_WAIT_THROTTLE:
        ctx->waiting = NGX_HTTP_APIGW_WAIT_NONE;
        rc = ngx_http_apigw_throttle_done(r, ctx);

        if (rc != NGX_OK || ctx->responded) {
            return ngx_http_apigw_finish(r, rc);
        }

        return ngx_http_apigw_admitted(r, ctx);

    default:
        return ctx->status;
    }
}


/* after identity (rc its outcome): throttling */
static ngx_int_t
ngx_http_apigw_identified(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_int_t rc)
{
    if (rc == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    if (rc != NGX_OK || ctx->responded) {
        return ngx_http_apigw_finish(r, rc);
    }

    rc = ngx_http_apigw_throttle(r, ctx);

    if (rc == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    if (rc != NGX_OK || ctx->responded) {
        return ngx_http_apigw_finish(r, rc);
    }

    return ngx_http_apigw_admitted(r, ctx);
}


/* the request has its identity and is not throttled: on with it */
static ngx_int_t
ngx_http_apigw_admitted(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    ngx_int_t  rc;

    rc = ngx_http_apigw_validate_params(r, ctx);

    if (rc != NGX_OK || ctx->responded) {
        return ngx_http_apigw_finish(r, rc);
    }

    if (r->headers_in.content_length_n <= 0 && !r->headers_in.chunked) {
        /* no body to wait for */
        rc = ngx_http_apigw_integration(r, ctx);

        if (rc != NGX_DECLINED) {
            return ngx_http_apigw_finish(r, rc);
        }

        ctx->status = ngx_http_apigw_proxy_start(r, ctx);
        return ctx->status;
    }

    /* the whole body first: the deadline covers the integration alone */

    ctx->status = NGX_DONE;

    rc = ngx_http_read_client_request_body(r, ngx_http_apigw_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    ngx_http_finalize_request(r, NGX_DONE);

    return NGX_DONE;
}


static void
ngx_http_apigw_body_handler(ngx_http_request_t *r)
{
    ngx_int_t              rc;
    ngx_http_apigw_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    if (ngx_http_apigw_needs_body(r, ctx)
        && ngx_http_apigw_read_body_text(r, ctx) != NGX_OK)
    {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    rc = ngx_http_apigw_integration(r, ctx);

    if (rc != NGX_DECLINED) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    ctx->status = ngx_http_apigw_proxy_start(r, ctx);

    r->preserve_body = 1;

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


/*
 * With the body at hand: validate it, transform the request, answer a
 * mock.  NGX_DECLINED: the http integration goes ahead.
 */
static ngx_int_t
ngx_http_apigw_integration(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    ngx_int_t  rc;

    rc = ngx_http_apigw_validate_body(r, ctx);

    if (rc != NGX_OK || ctx->responded) {
        return rc;
    }

    rc = ngx_http_apigw_transform_request(r, ctx);

    if (rc != NGX_OK || ctx->responded) {
        return rc;
    }

    if (ctx->op->integration.type == APIGW_INTEGRATION_MOCK) {
        return ngx_http_apigw_send_mock(r, ctx);
    }

    rc = ngx_http_apigw_proxy_prepare(r, ctx);

    return rc == NGX_OK ? NGX_DECLINED : rc;
}


/* a response sent here ends the request; the phase engine stops */
static ngx_int_t
ngx_http_apigw_finish(ngx_http_request_t *r, ngx_int_t rc)
{
    if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


static ngx_int_t
ngx_http_apigw_route(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    u_char                     *scratch;
    ngx_int_t                   method;
    ngx_str_t                   path;
    apigw_route_rc_e            rc;
    ngx_http_apigw_loc_conf_t  *alcf;

    alcf = ctx->alcf;

    if (ngx_http_apigw_strip_prefix(r, alcf, &path) != NGX_OK) {
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                        APIGW_GR_MISSING_AUTHENTICATION_TOKEN,
                                        0);
    }

    ctx->path = path;

    method = ngx_http_apigw_method(r);

    scratch = ngx_pnalloc(r->pool, path.len + 1);
    if (scratch == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = apigw_router_match(alcf->api->api->router, (char *) path.data,
                            path.len, (int) method, (char *) scratch,
                            &ctx->match);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apigw route \"%V\" %V: %d", &path, &r->method_name, rc);

    switch (rc) {

    case APIGW_ROUTE_OK:
        ctx->op = ctx->match.value;
        return NGX_OK;

    case APIGW_ROUTE_BAD_PATH:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apigw: bad path \"%V\"", &path);
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                                    APIGW_GR_DEFAULT_4XX,
                                                    NGX_HTTP_BAD_REQUEST);

    default:
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                        APIGW_GR_MISSING_AUTHENTICATION_TOKEN,
                                        0);
    }
}


/* nginx has parsed the method already; others (PROPFIND...) are ANY's */
static ngx_int_t
ngx_http_apigw_method(ngx_http_request_t *r)
{
    switch (r->method) {
    case NGX_HTTP_GET:
        return APIGW_METHOD_GET;
    case NGX_HTTP_PUT:
        return APIGW_METHOD_PUT;
    case NGX_HTTP_POST:
        return APIGW_METHOD_POST;
    case NGX_HTTP_DELETE:
        return APIGW_METHOD_DELETE;
    case NGX_HTTP_OPTIONS:
        return APIGW_METHOD_OPTIONS;
    case NGX_HTTP_HEAD:
        return APIGW_METHOD_HEAD;
    case NGX_HTTP_PATCH:
        return APIGW_METHOD_PATCH;
    case NGX_HTTP_TRACE:
        return APIGW_METHOD_TRACE;
    default:
        return APIGW_METHOD_ANY;
    }
}


/*
 * The raw (still percent-encoded) path with the location prefix removed:
 * routing on it keeps an encoded "/" inside one segment.  The prefix was
 * matched by nginx on the decoded, slash-merged URI, so compare the same way.
 */
static ngx_int_t
ngx_http_apigw_strip_prefix(ngx_http_request_t *r,
    ngx_http_apigw_loc_conf_t *alcf, ngx_str_t *path)
{
    u_char  *p, *end, *q, *qend, c;
    ngx_int_t  hi, lo;

    if (r->valid_unparsed_uri) {
        p = r->unparsed_uri.data;
        end = r->uri_end ? r->uri_end : p + r->unparsed_uri.len;

        q = ngx_strlchr(p, end, '?');
        if (q) {
            end = q;
        }

    } else {
        p = r->uri.data;
        end = p + r->uri.len;
    }

    q = alcf->prefix.data;
    qend = q + alcf->prefix.len;

    while (q < qend) {
        if (p == end) {
            return NGX_DECLINED;
        }

        c = *p++;

        if (c == '%' && end - p >= 2) {
            hi = apigw_hex_digit(p[0]);
            lo = apigw_hex_digit(p[1]);

            if (hi >= 0 && lo >= 0) {
                c = (u_char) (hi * 16 + lo);
                p += 2;
            }
        }

        if (c == '/' && q > alcf->prefix.data && q[-1] == '/') {
            continue;
        }

        if (c != *q++) {
            return NGX_DECLINED;
        }
    }

    /* "/prod" must not take "/production" */
    if (alcf->prefix.len && qend[-1] != '/' && p < end && *p != '/') {
        return NGX_DECLINED;
    }

    path->data = p;
    path->len = end - p;

    return NGX_OK;
}


/*
 * A version 4 UUID, as AWS request ids are, from xorshift128+ seeded per
 * worker: unique and unpredictable enough for ids, and cheap.
 */
static void
ngx_http_apigw_request_id(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    u_char                      *p, bytes[16];
    uint64_t                     s0, s1, v;
    ngx_uint_t                   i, k;
    ngx_http_apigw_main_conf_t  *amcf;

    static u_char  hex[] = "0123456789abcdef";

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);

    for (k = 0; k < 2; k++) {
        s1 = amcf->rng[0];
        s0 = amcf->rng[1];
        amcf->rng[0] = s0;
        s1 ^= s1 << 23;
        amcf->rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
        v = amcf->rng[1] + s0;
        ngx_memcpy(&bytes[k * 8], &v, 8);
    }

    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;

    p = ctx->request_id;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            *p++ = '-';
        }

        *p++ = hex[bytes[i] >> 4];
        *p++ = hex[bytes[i] & 0x0f];
    }
}
