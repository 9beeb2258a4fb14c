
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The route step: the location's prefix comes off the raw path, and the
 * API's route trie finds the operation for the method and what is left,
 * asking for the query parameters and headers that tell operations of one
 * path apart ("/rest?method=x" in the spec).  No route is AWS's 403
 * Missing Authentication Token.
 */


static int ngx_http_apigw_route_lookup(void *data, apigw_param_in_e in,
    const char *name, size_t len, const char **value, size_t *vlen);
static ngx_int_t ngx_http_apigw_method(ngx_http_request_t *r);
static ngx_int_t ngx_http_apigw_strip_prefix(ngx_http_request_t *r,
    ngx_http_apigw_loc_conf_t *alcf, ngx_str_t *path);


/* the route step: the operation for the method and the path, or a 403 */
ngx_int_t
ngx_http_apigw_route_step(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    u_char                     *scratch;
    ngx_int_t                   method;
    ngx_str_t                   path, origin, preflight;
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
                            &ctx->match, ngx_http_apigw_route_lookup, r);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apigw route \"%V\" %V: %d", &path, &r->method_name, rc);

    switch (rc) {

    case APIGW_ROUTE_OK:
        ctx->op = ctx->match.value;
        ctx->settings = &alcf->op_settings[ctx->op - alcf->api->api->ops];

        if (ctx->settings->log_level) {
            ngx_http_apigw_op_log_level(r, ctx->settings->log_level);
        }

        return NGX_OK;

    case APIGW_ROUTE_BAD_PATH:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apigw: bad path \"%V\"", &path);
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                                    APIGW_GR_DEFAULT_4XX,
                                                    NGX_HTTP_BAD_REQUEST);

    case APIGW_ROUTE_ERROR:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;

    case APIGW_ROUTE_NO_METHOD:
        /* the path is there: the CORS step answers its preflight */
        if (ngx_http_apigw_cors_preflight(r, ctx, &origin, &preflight)) {
            return NGX_OK;
        }

        return ngx_http_apigw_send_gateway_response(r, ctx,
                                        APIGW_GR_MISSING_AUTHENTICATION_TOKEN,
                                        0);

    default:
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                        APIGW_GR_MISSING_AUTHENTICATION_TOKEN,
                                        0);
    }
}


/*
 * A discriminator's parameter, for the router ("/rest?method=x" in the
 * spec): a header, repeated ones joined by commas as validation sees them,
 * or a query parameter, decoded, the first of its name
 */
static int
ngx_http_apigw_route_lookup(void *data, apigw_param_in_e in, const char *name,
    size_t len, const char **value, size_t *vlen)
{
    size_t                 i;
    ngx_str_t              text;
    ngx_http_request_t    *r;
    ngx_http_apigw_ctx_t  *ctx;

    r = data;

    if (in == APIGW_IN_HEADER) {
        if (ngx_http_apigw_header_values(r, (u_char *) name, len, ',', &text)
            != NGX_OK)
        {
            return -1;
        }

        if (text.data == NULL) {
            return 0;
        }

        *value = (char *) text.data;
        *vlen = text.len;

        return 1;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    if (ngx_http_apigw_query(r, ctx) != NGX_OK) {
        return -1;
    }

    for (i = 0; i < ctx->nquery; i++) {
        if (ctx->query[i].name_len == len
            && ngx_strncmp(ctx->query[i].name, name, len) == 0)
        {
            *value = ctx->query[i].value;
            *vlen = ctx->query[i].value_len;
            return 1;
        }
    }

    return 0;
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
