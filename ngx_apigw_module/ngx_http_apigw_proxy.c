
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * HTTP integrations go through nginx's own proxy module: "apigw" sets
 * proxy_pass $apigw_integration_url and proxy_method in its location, so
 * keepalive, TLS, buffering and every proxy_* directive work as usual.
 * This file builds the URL and the request headers, and runs the deadline.
 */


/* not in a header: the proxy module's commands are reached through it */
extern ngx_module_t  ngx_http_proxy_module;


static char *ngx_http_apigw_proxy_directive(ngx_conf_t *cf, char *name,
    char *arg);
static ngx_int_t ngx_http_apigw_backend_uri(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_str_t *url);
static ngx_int_t ngx_http_apigw_request_headers(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_hop_by_hop(ngx_table_elt_t *h,
    ngx_array_t *connection);
static ngx_uint_t ngx_http_apigw_header_is(ngx_table_elt_t *h,
    ngx_str_t *name);
static ngx_uint_t ngx_http_apigw_header_mapped(ngx_http_apigw_ctx_t *ctx,
    ngx_table_elt_t *h);
static ngx_int_t ngx_http_apigw_mapped_headers(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_list_t *headers);
static ngx_table_elt_t *ngx_http_apigw_push_header(ngx_list_t *headers,
    char *name, char *lowcase, u_char *value, size_t len);
static ngx_int_t ngx_http_apigw_deadline_start(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static void ngx_http_apigw_deadline_handler(ngx_event_t *ev);
static void ngx_http_apigw_deadline_cleanup(void *data);


static ngx_str_t  ngx_http_apigw_xff = ngx_string("X-Forwarded-For");
static ngx_str_t  ngx_http_apigw_connection = ngx_string("Connection");

static ngx_str_t  ngx_http_apigw_hop_headers[] = {
    ngx_string("connection"),
    ngx_string("keep-alive"),
    ngx_string("proxy-authenticate"),
    ngx_string("proxy-authorization"),
    ngx_string("proxy-connection"),
    ngx_string("te"),
    ngx_string("trailer"),
    ngx_string("transfer-encoding"),
    ngx_string("upgrade"),
    ngx_string("x-forwarded-for"),
    ngx_string("x-amzn-requestid"),
    ngx_null_string
};


char *
ngx_http_apigw_proxy_conf(ngx_conf_t *cf, ngx_uint_t method)
{
    char  *rv;

    rv = ngx_http_apigw_proxy_directive(cf, "proxy_pass",
                                        "$apigw_integration_url");

    if (rv == NGX_CONF_OK && method) {
        rv = ngx_http_apigw_proxy_method_conf(cf);
    }

    return rv;
}


char *
ngx_http_apigw_proxy_method_conf(ngx_conf_t *cf)
{
    return ngx_http_apigw_proxy_directive(cf, "proxy_method",
                                          "$apigw_integration_method");
}


static char *
ngx_http_apigw_proxy_directive(ngx_conf_t *cf, char *name, char *arg)
{
    char  *rv;
    void  *plcf;

    plcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_proxy_module);

    rv = ngx_http_apigw_run_directive(cf, plcf, ngx_http_proxy_module.commands,
                                      name, arg);

    if (rv != NGX_CONF_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw: \"%s %s\" %s (remove your own %s from "
                           "this location)", name, arg,
                           rv == NGX_CONF_ERROR ? "failed" : rv, name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * The integration URL, method and headers for the proxy module, and the
 * deadline started: the content phase does the rest
 */
ngx_int_t
ngx_http_apigw_proxy_integration(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    ngx_int_t           rc;
    apigw_operation_t  *op;

    op = ctx->op;

    if (op->integration.type == APIGW_INTEGRATION_HTTP) {
        rc = ngx_http_apigw_render_uri(r, ctx, op->integration.uri,
                                       &ctx->args, &ctx->integration_url);

    } else {
        rc = ngx_http_apigw_backend_uri(r, ctx, &ctx->integration_url);
    }

    if (rc != NGX_OK) {
        return rc;
    }

    if (op->integration.method) {
        ctx->integration_method.data = (u_char *) op->integration.method;
        ctx->integration_method.len = ngx_strlen(op->integration.method);

    } else {
        ctx->integration_method = r->method_name;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apigw integration: %V %V", &ctx->integration_method,
                   &ctx->integration_url);

    rc = ngx_http_apigw_request_headers(r, ctx);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_apigw_deadline_start(r, ctx);
}


/*
 * a URI template (an integration's, an authorizer's) with path parameters
 * and stage variables, args appended
 */
ngx_int_t
ngx_http_apigw_render_uri(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_tpl_t *tpl, ngx_str_t *args, ngx_str_t *url)
{
    u_char             *p, sep;
    size_t              len, i;
    ngx_str_t          *sv, values[64];
    apigw_tpl_part_t   *part;
    apigw_operation_t  *op;

    op = ctx->op;

    if (tpl->nparts > 64) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = 0;

    for (i = 0; i < tpl->nparts; i++) {
        part = &tpl->parts[i];

        switch (part->kind) {

        case APIGW_TPL_PATH_PARAM:
            if (part->param < op->nparams) {
                /* the route matched op's template: every one is there */
                values[i].data = (u_char *) ctx->match.params[part->param].raw;
                values[i].len = ctx->match.params[part->param].raw_len;
                break;
            }

            /* integration.request.path.N: one segment, escaped */
            sv = &ctx->map_values[part->param - op->nparams];

            values[i].len = sv->len
                            + 2 * ngx_escape_uri(NULL, sv->data, sv->len,
                                                 NGX_ESCAPE_URI_COMPONENT);
            values[i].data = ngx_pnalloc(r->pool, values[i].len + 1);
            if (values[i].data == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            ngx_escape_uri(values[i].data, sv->data, sv->len,
                           NGX_ESCAPE_URI_COMPONENT);
            break;

        case APIGW_TPL_STAGE_VAR:
            sv = ngx_http_apigw_stage_variable(ctx->alcf,
                                               (u_char *) part->text,
                                               part->len);
            if (sv) {
                values[i] = *sv;

            } else {
                ngx_str_null(&values[i]);
            }

            break;

        default:
            values[i].data = (u_char *) part->text;
            values[i].len = part->len;
        }

        len += values[i].len;
    }

    len += args->len + 1;

    url->data = ngx_pnalloc(r->pool, len);
    if (url->data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = url->data;

    for (i = 0; i < tpl->nparts; i++) {
        if (values[i].len) {
            /* a value not found has no data at all */
            p = ngx_cpymem(p, values[i].data, values[i].len);
        }
    }

    if (args->len) {
        sep = ngx_strlchr(url->data, p, '?') ? '&' : '?';
        *p++ = sep;
        p = ngx_cpymem(p, args->data, args->len);
    }

    url->len = p - url->data;

    return NGX_OK;
}


/* apigw_backend: the same routed path and query on the backend */
static ngx_int_t
ngx_http_apigw_backend_uri(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_str_t *url)
{
    u_char                     *p, *path;
    size_t                      len, plen;
    ngx_http_apigw_loc_conf_t  *alcf;

    alcf = ctx->alcf;

    path = ctx->path.data;
    plen = ctx->path.len;

    len = alcf->backend.len + alcf->backend_path.len + 1 + plen + 1
          + ctx->args.len;

    url->data = ngx_pnalloc(r->pool, len);
    if (url->data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(url->data, alcf->backend.data, alcf->backend.len);
    p = ngx_cpymem(p, alcf->backend_path.data, alcf->backend_path.len);

    if (plen == 0 || path[0] != '/') {
        *p++ = '/';
    }

    p = ngx_cpymem(p, path, plen);

    if (ctx->args.len) {
        *p++ = '?';
        p = ngx_cpymem(p, ctx->args.data, ctx->args.len);
    }

    url->len = p - url->data;

    return NGX_OK;
}


/*
 * Hop-by-hop headers stay here, X-Forwarded-For gets the client address
 * appended and x-amzn-RequestId is the gateway's.  The header list is
 * rebuilt only when a client header has to go, or there is none.
 */
static ngx_int_t
ngx_http_apigw_request_headers(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    u_char            *p, *xff;
    size_t             xff_len;
    ngx_uint_t         i, drop;
    ngx_list_t        *headers, old;
    ngx_array_t        connection;
    ngx_list_part_t   *part;
    ngx_table_elt_t   *h, **conn, *copy;

    if (ngx_array_init(&connection, r->pool, 1, sizeof(ngx_table_elt_t *))
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * requestParameters' headers replace the client's of the same name;
     * an HTTP/0.9 request has no header list at all: nginx makes one
     * only for the headers of 1.0 and later
     */
    drop = (ctx->map_values != NULL || r->headers_in.headers.nalloc == 0);
    xff_len = 0;

    ngx_http_apigw_trace(r, ctx);
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        /* hash 0: removed, as a claim's header the client sent */
        if (h[i].hash == 0 || ngx_http_apigw_hop_by_hop(&h[i], NULL)
            || ngx_http_apigw_trace_header(ctx, &h[i]))
        {
            drop = 1;
        }

        if (ngx_http_apigw_header_is(&h[i], &ngx_http_apigw_xff)) {
            xff_len += h[i].value.len + sizeof(", ") - 1;
        }

        if (ngx_http_apigw_header_is(&h[i], &ngx_http_apigw_connection)) {
            conn = ngx_array_push(&connection);
            if (conn == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            *conn = &h[i];
        }
    }

    xff = ngx_pnalloc(r->pool, xff_len + r->connection->addr_text.len);
    if (xff == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = xff;
    headers = &r->headers_in.headers;

    if (drop) {
        /* the old elements stay where they are: headers_in points at some */
        old = *headers;

        if (ngx_list_init(headers, r->pool, 20, sizeof(ngx_table_elt_t))
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        part = &old.part;
        h = part->elts;

        for (i = 0; /* void */ ; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }

                part = part->next;
                h = part->elts;
                i = 0;
            }

            if (ngx_http_apigw_header_is(&h[i], &ngx_http_apigw_xff)) {
                p = ngx_cpymem(p, h[i].value.data, h[i].value.len);
                *p++ = ',';
                *p++ = ' ';
            }

            if (h[i].hash == 0
                || ngx_http_apigw_hop_by_hop(&h[i], &connection)
                || ngx_http_apigw_trace_header(ctx, &h[i])
                || ngx_http_apigw_header_mapped(ctx, &h[i]))
            {
                continue;
            }

            copy = ngx_list_push(headers);
            if (copy == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            *copy = h[i];
        }
    }

    p = ngx_cpymem(p, r->connection->addr_text.data,
                   r->connection->addr_text.len);

    if (ngx_http_apigw_push_header(headers, "X-Forwarded-For",
                                   "x-forwarded-for", xff, p - xff)
        == NULL
        || ngx_http_apigw_push_header(headers, "x-amzn-RequestId",
                                      "x-amzn-requestid", ctx->request_id,
                                      NGX_HTTP_APIGW_REQUEST_ID_LEN)
           == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_apigw_trace_headers(r, ctx, headers) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->map_values && ngx_http_apigw_mapped_headers(r, ctx, headers)
                           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_http_apigw_header_mapped(ngx_http_apigw_ctx_t *ctx, ngx_table_elt_t *h)
{
    size_t                i;
    apigw_mapping_t      *m;
    apigw_integration_t  *in;

    if (ctx->map_values == NULL) {
        return 0;
    }

    in = &ctx->op->integration;

    for (i = 0; i < in->nrequest_params; i++) {
        m = &in->request_params[i];

        if (m->target == APIGW_MAP_TO_HEADER && m->name_len == h->key.len
            && ngx_strncasecmp((u_char *) m->name, h->key.data, h->key.len)
               == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* integration.request.header.N, when its source has a value */
static ngx_int_t
ngx_http_apigw_mapped_headers(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_list_t *headers)
{
    size_t                i;
    ngx_table_elt_t      *h;
    apigw_mapping_t      *m;
    apigw_integration_t  *in;

    in = &ctx->op->integration;

    for (i = 0; i < in->nrequest_params; i++) {
        m = &in->request_params[i];

        if (m->target != APIGW_MAP_TO_HEADER
            || ctx->map_values[i].data == NULL)
        {
            continue;
        }

        h = ngx_list_push(headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->key.data = (u_char *) m->name;
        h->key.len = m->name_len;
        h->value = ctx->map_values[i];

        h->lowcase_key = ngx_pnalloc(r->pool, m->name_len);
        if (h->lowcase_key == NULL) {
            return NGX_ERROR;
        }

        /* the proxy module finds the headers it sets itself by hash */
        h->hash = ngx_hash_strlow(h->lowcase_key, h->key.data, h->key.len);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apigw_hop_by_hop(ngx_table_elt_t *h, ngx_array_t *connection)
{
    u_char            *p, *end, *token;
    ngx_str_t         *name;
    ngx_uint_t         i;
    ngx_table_elt_t  **conn;

    for (name = ngx_http_apigw_hop_headers; name->len; name++) {
        if (ngx_http_apigw_header_is(h, name)) {
            return 1;
        }
    }

    /* and whatever the client's Connection headers name */

    if (connection == NULL) {
        return 0;
    }

    conn = connection->elts;

    for (i = 0; i < connection->nelts; i++) {
        p = conn[i]->value.data;
        end = p + conn[i]->value.len;

        while (p < end) {
            while (p < end && (*p == ' ' || *p == ',' || *p == '\t')) {
                p++;
            }

            token = p;

            while (p < end && *p != ',' && *p != ' ' && *p != '\t') {
                p++;
            }

            if ((size_t) (p - token) == h->key.len
                && ngx_strncasecmp(token, h->key.data, h->key.len) == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}


static ngx_uint_t
ngx_http_apigw_header_is(ngx_table_elt_t *h, ngx_str_t *name)
{
    return h->key.len == name->len
           && ngx_strncasecmp(h->key.data, name->data, name->len) == 0;
}


static ngx_table_elt_t *
ngx_http_apigw_push_header(ngx_list_t *headers, char *name, char *lowcase,
    u_char *value, size_t len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value.data = value;
    h->value.len = len;
    h->lowcase_key = (u_char *) lowcase;

    return h;
}


static ngx_int_t
ngx_http_apigw_deadline_start(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    ngx_msec_t           timeout, waited;
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_apigw_deadline_cleanup;
    cln->data = ctx;

    /* the ctx, not r: an internal redirect clears r's module contexts */
    ctx->request = r;
    ctx->deadline.handler = ngx_http_apigw_deadline_handler;
    ctx->deadline.data = ctx;
    ctx->deadline.log = r->connection->log;

    ctx->integration_start = ngx_current_msec;
    ctx->integration_started = 1;

    /* the time a request waited for another's fetch counts */
    timeout = ctx->op->integration.timeout_ms;

    if (ctx->cache && ctx->cache->waited) {
        waited = ngx_current_msec - ctx->cache->wait_start;
        timeout = (waited < timeout) ? timeout - waited : 1;
    }

    ngx_add_timer(&ctx->deadline, timeout);

    return NGX_OK;
}


/*
 * The deadline drives nginx's own upstream timeout path: the upstream
 * connection's read event is marked timed out and handled, so the proxy
 * module answers 504 (or cuts a response already under way), closes the
 * connection and cleans up as for proxy_read_timeout.
 */
static void
ngx_http_apigw_deadline_handler(ngx_event_t *ev)
{
    ngx_connection_t      *pc;
    ngx_http_request_t    *r;
    ngx_http_upstream_t   *u;
    ngx_http_apigw_ctx_t  *ctx;

    ctx = ev->data;
    r = ctx->request;
    u = r->upstream;

    ctx->deadline_passed = 1;

    if (u == NULL || u->peer.connection == NULL) {
        /* not connected: resolving (bound by resolver_timeout) or done */
        return;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "apigw: integration timed out after %ui ms",
                  (ngx_uint_t) ctx->op->integration.timeout_ms);

    pc = u->peer.connection;

    u->peer.tries = 1;
    pc->read->delayed = 0;
    pc->read->timedout = 1;
    pc->read->handler(pc->read);
}


static void
ngx_http_apigw_deadline_cleanup(void *data)
{
    ngx_http_apigw_ctx_t  *ctx = data;

    if (ctx->deadline.timer_set) {
        ngx_del_timer(&ctx->deadline);
    }
}
