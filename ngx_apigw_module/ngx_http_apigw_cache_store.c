
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * What the response filter gives the cache: the integration's response as
 * it came, before anything of the gateway's touches it, kept when a
 * shared cache may keep it (RFC 9111 and the operation's statuses) and
 * stored when its last byte has passed; or the fetch let go, so that the
 * requests waiting for it go on.
 */


static ngx_int_t ngx_http_apigw_cache_keep(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);


static ngx_str_t  ngx_http_apigw_cache_warning =
    ngx_string("199 apigw \"Cache-Control ignored: not authorized to "
               "invalidate the cache\"");


void
ngx_http_apigw_cache_give_up(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_uint_t pass, ngx_uint_t failed)
{
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);

    ctx->cache->filling = 0;
    ctx->cache->collecting = 0;

    ngx_http_apigw_cache_release(amcf->cache_zone, ctx->cache->node,
                                 ctx->cache->key, ctx->cache->owner, pass,
                                 failed);
}


/*
 * From the header filter, before anything of the gateway's touches the
 * response: whether the integration's response may be stored, and its
 * headers, kept.  Hits get Age here, and a refresh ignored its warning.
 */
ngx_int_t
ngx_http_apigw_cache_header(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    size_t                       n;
    ngx_uint_t                   i, pass;
    ngx_list_part_t             *part;
    ngx_table_elt_t             *h;
    apigw_cache_control_t        cc;
    apigw_cache_header_t        *hh, *kept;
    ngx_http_apigw_cache_req_t  *c;

    c = ctx->cache;

    if (c->not_authorized
        && ngx_http_apigw_set_header(r, (u_char *) "Warning", 7,
                                     ngx_http_apigw_cache_warning.data,
                                     ngx_http_apigw_cache_warning.len)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!c->filling) {
        return NGX_OK;
    }

    /*
     * a page nginx made, a gateway response: never stored, and what the
     * requests that waited for it get too
     */

    if (r->err_status || ctx->gateway_error) {
        ngx_http_apigw_cache_give_up(r, ctx, 0,
                                     r->err_status ? r->err_status
                                                   : r->headers_out.status);
        return NGX_OK;
    }

    /* an answer to the client's conditions, not the response itself */
    if (r->header_only || r->headers_out.status == NGX_HTTP_NOT_MODIFIED
        || r->headers_out.status == NGX_HTTP_PARTIAL_CONTENT)
    {
        ngx_http_apigw_cache_give_up(r, ctx, 0, 0);
        return NGX_OK;
    }

    pass = !apigw_cache_status_stored(&ctx->op->cache,
                                      (int) r->headers_out.status)
           || (r->headers_out.content_length_n > 0
               && r->headers_out.content_length_n
                  > (off_t) ctx->alcf->cache_max_entry);

    apigw_cache_control_init(&cc);
    n = 0;

    kept = ngx_palloc(r->pool,
                      APIGW_CACHE_MAX_HEADERS * sizeof(apigw_cache_header_t));
    if (kept == NULL) {
        return NGX_ERROR;
    }

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; !pass; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0) {
            continue;
        }

#define ngx_http_apigw_is(name)                                               \
        (h[i].key.len == sizeof(name) - 1                                     \
         && ngx_strncasecmp(h[i].key.data, (u_char *) name,                   \
                            sizeof(name) - 1) == 0)

        if (ngx_http_apigw_is("Set-Cookie")) {
            pass = 1;
            break;
        }

        if (ngx_http_apigw_is("Cache-Control")) {
            apigw_cache_control_parse(&cc, (char *) h[i].value.data,
                                      h[i].value.len);

        } else if (ngx_http_apigw_is("Vary")) {
            if (!apigw_cache_vary_covered(&ctx->op->cache,
                                          (char *) h[i].value.data,
                                          h[i].value.len))
            {
                pass = 1;
                break;
            }
        }

        /* per connection or per response: made again for each */

        if (ngx_http_apigw_is("Connection")
            || ngx_http_apigw_is("Keep-Alive")
            || ngx_http_apigw_is("Transfer-Encoding")
            || ngx_http_apigw_is("Content-Length")
            || ngx_http_apigw_is("Date")
            || ngx_http_apigw_is("Server")
            || ngx_http_apigw_is("Age"))
        {
            continue;
        }

#undef ngx_http_apigw_is

        if (n == APIGW_CACHE_MAX_HEADERS) {
            pass = 1;
            break;
        }

        hh = &kept[n++];
        hh->name = (char *) h[i].key.data;
        hh->name_len = h[i].key.len;
        hh->value = (char *) h[i].value.data;
        hh->value_len = h[i].value.len;
    }

    if (pass || !apigw_cache_control_storable(&cc)) {
        ngx_http_apigw_cache_give_up(r, ctx, 1, 0);
        return NGX_OK;
    }

    c->resp.status = (int) r->headers_out.status;
    c->resp.content_type = (char *) r->headers_out.content_type.data;
    c->resp.content_type_len = r->headers_out.content_type.len;
    c->resp.headers = kept;
    c->resp.nheaders = n;

    if (ngx_array_init(&c->body, r->pool,
                       r->headers_out.content_length_n > 0
                       ? (size_t) r->headers_out.content_length_n : 1024,
                       1)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    c->collecting = 1;

    return NGX_OK;
}


/* From the body filter: the integration's body kept, then stored. */
ngx_int_t
ngx_http_apigw_cache_body(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_chain_t *in)
{
    size_t                       size;
    ngx_buf_t                   *b;
    ngx_uint_t                   last;
    ngx_chain_t                 *cl;
    ngx_http_apigw_cache_req_t  *c;

    c = ctx->cache;
    last = 0;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        if (b->last_buf) {
            last = 1;
        }

        size = ngx_buf_size(b);

        if (size == 0 || ngx_buf_special(b)) {
            continue;
        }

        if (c->body.nelts + size > ctx->alcf->cache_max_entry) {
            ngx_http_apigw_cache_give_up(r, ctx, 1, 0);
            return NGX_OK;
        }

        if (ngx_http_apigw_append_buf(&c->body, b, size) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (!last) {
        return NGX_OK;
    }

    return ngx_http_apigw_cache_keep(r, ctx);
}


static ngx_int_t
ngx_http_apigw_cache_keep(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    u_char                      *buf, *p;
    size_t                       size;
    ngx_http_apigw_cache_req_t  *c;
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    c = ctx->cache;

    c->collecting = 0;
    c->resp.body = c->body.elts;
    c->resp.body_len = c->body.nelts;

    size = apigw_cache_response_size(&c->resp);

    buf = ngx_pnalloc(r->pool, size);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = apigw_cache_response_write(buf, &c->resp);

    if (ngx_http_apigw_cache_store(amcf->cache_zone, c->node, c->key,
                                   c->owner, buf, p - buf, c->ttl)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apigw: %s: a response of %uz bytes is not cached: "
                      "apigw_cache_zone has no room", ctx->op->route_key,
                      size);
    }

    c->filling = 0;

    return NGX_OK;
}
