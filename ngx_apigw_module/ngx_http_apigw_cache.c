
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The cache step, after validation and before the request is mapped: a
 * stage's responses (apigw_cache on, or cache=on in its method settings:
 * resolved per operation in ctx->settings) kept in shared memory under a key
 * hashed from the stage, the deployment, the operation as defined, its
 * namespace, the method, the path parameters, the declared key
 * parameters, the accepted content codings and, when the operation needs
 * a caller, the caller.  A hit is answered here, and the response's
 * integration response (mappings, templates) runs on it as on a fresh
 * one.  A miss makes this request the one that fetches for the key:
 * others wait for it, polling, no longer than the operation's timeout.
 * The response filter gives the integration's response, as it came, to
 * ngx_http_apigw_cache_header() and _body() (ngx_http_apigw_cache_store.c)
 * to store.
 */


#define NGX_HTTP_APIGW_CACHE_POLL       5       /* ms, a waiter's */
#define NGX_HTTP_APIGW_CACHE_LOCK_SLACK 1000    /* ms past the timeout */


static ngx_int_t ngx_http_apigw_cache_start(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_cache_conf_t *conf);
static ngx_int_t ngx_http_apigw_cache_control(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_uint_t ngx_http_apigw_cache_may_refresh(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_cache_key(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_cache_conf_t *conf);
static size_t ngx_http_apigw_cache_params(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_cache_conf_t *conf, u_char *p);
static size_t ngx_http_apigw_cache_caller(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, u_char *p);
static ngx_int_t ngx_http_apigw_cache_lookup(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_cache_conf_t *conf);
static ngx_int_t ngx_http_apigw_cache_send(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_str_t *data, time_t date);
static void ngx_http_apigw_cache_wake(ngx_event_t *ev);
static void ngx_http_apigw_cache_cleanup(void *data);
static ngx_int_t ngx_http_apigw_cache_flush_handler(ngx_http_request_t *r);


ngx_int_t
ngx_http_apigw_cache_step(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    ngx_uint_t           cached;
    apigw_cache_conf_t  *conf;

    conf = &ctx->op->cache;

    if (ctx->cache == NULL) {
        cached = ctx->settings->cache;

        if (cached == NGX_HTTP_APIGW_CACHED_NEVER
            || (cached == NGX_HTTP_APIGW_CACHED_READS
                && !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))))
        {
            return NGX_OK;
        }

        return ngx_http_apigw_cache_start(r, ctx, conf);
    }

    /* woken while waiting for another request's fetch */

    return ngx_http_apigw_cache_lookup(r, ctx, conf);
}


static ngx_int_t
ngx_http_apigw_cache_start(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_cache_conf_t *conf)
{
    ngx_int_t                    rc;
    ngx_pool_cleanup_t          *cln;
    ngx_http_apigw_cache_req_t  *c;

    c = ngx_pcalloc(r->pool, sizeof(ngx_http_apigw_cache_req_t));
    if (c == NULL) {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_apigw_cache_cleanup;
    cln->data = ctx;

    ctx->cache = c;

    c->ttl = ctx->settings->cache_ttl * 1000;
    c->wait_until = ngx_current_msec + ctx->op->integration.timeout_ms;

    /*
     * RFC 9111 3.5: a response to a request with Authorization is not
     * shared, unless the operation says it may be
     */
    if (ctx->op->nsecurity == 0 && r->headers_in.authorization
        && !conf->shared)
    {
        c->status = NGX_HTTP_APIGW_CACHE_BYPASS;
        return NGX_OK;
    }

    /* a part of a response is neither served whole nor kept as one */
    if (r->headers_in.range) {
        c->status = NGX_HTTP_APIGW_CACHE_BYPASS;
        return NGX_OK;
    }

    rc = ngx_http_apigw_cache_control(r, ctx);

    if (rc != NGX_OK || ctx->responded) {
        return rc;
    }

    if (ngx_http_apigw_cache_key(r, ctx, conf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_apigw_cache_lookup(r, ctx, conf);
}


/*
 * A client's Cache-Control: max-age=0 (or no-cache) refetches and
 * replaces the entry, as AWS's does, when the caller may invalidate the
 * cache or the stage does not require it; otherwise the operation's
 * unauthorizedCacheControlHeaderStrategy says what happens
 */
static ngx_int_t
ngx_http_apigw_cache_control(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    ngx_str_t                    value;
    apigw_cache_control_t        cc;
    ngx_http_apigw_cache_req_t  *c;

    /* several headers as one list, as RFC 9110 reads them */
    if (ngx_http_apigw_header_values(r, (u_char *) "cache-control",
                                     sizeof("cache-control") - 1, ',',
                                     &value)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (value.data == NULL) {
        return NGX_OK;
    }

    apigw_cache_control_init(&cc);
    apigw_cache_control_parse(&cc, (char *) value.data, value.len);

    if (!apigw_cache_control_refresh(&cc)) {
        return NGX_OK;
    }

    c = ctx->cache;

    if (ngx_http_apigw_cache_may_refresh(r, ctx)) {
        c->refresh = 1;
        return NGX_OK;
    }

    switch (ctx->settings->cache_unauthorized) {

    case APIGW_CACHE_FAIL_WITH_403:
        ctx->cache = NULL;
        ngx_str_set(&ctx->error_message,
                    "Not authorized to invalidate the cache");
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                                APIGW_GR_ACCESS_DENIED,
                                                NGX_HTTP_FORBIDDEN);

    case APIGW_CACHE_SUCCEED_WITH_RESPONSE_HEADER:
        c->not_authorized = 1;
        break;

    default: /* APIGW_CACHE_SUCCEED_WITHOUT_RESPONSE_HEADER */
        break;
    }

    return NGX_OK;
}


/*
 * Who may refresh: anyone, where the operation (or the stage) does not
 * require authorization; else a caller whose usage plan has
 * "cacheInvalidation": true, or whose token has the stage's
 * apigw_cache_invalidation_scope
 */
static ngx_uint_t
ngx_http_apigw_cache_may_refresh(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    u_char     *s, *p, *end;
    size_t      i, j;
    json_t     *scope, *v;
    ngx_str_t  *want;

    if (!ctx->settings->cache_authorization) {
        return 1;
    }

    if (ctx->key && ctx->key->plan && ctx->key->plan->cache_invalidation) {
        return 1;
    }

    if (ctx->claims == NULL) {
        return 0;
    }

    want = &ctx->alcf->cache_scope;

    /* "scp": an array or a string; "scope": a string; space-separated */

    for (i = 0; i < 2; i++) {
        scope = json_object_get(ctx->claims, i ? "scope" : "scp");

        if (json_is_array(scope)) {
            json_array_foreach(scope, j, v) {
                if (json_is_string(v) && json_string_length(v) == want->len
                    && ngx_strncmp(json_string_value(v), want->data,
                                   want->len) == 0)
                {
                    return 1;
                }
            }

            continue;
        }

        if (!json_is_string(scope)) {
            continue;
        }

        s = (u_char *) json_string_value(scope);
        end = s + json_string_length(scope);

        while (s < end) {
            p = ngx_strlchr(s, end, ' ');

            if (p == NULL) {
                p = end;
            }

            if ((size_t) (p - s) == want->len
                && ngx_strncmp(s, want->data, want->len) == 0)
            {
                return 1;
            }

            s = p + 1;
        }
    }

    return 0;
}


/*
 * The key: SHA-256 over length-prefixed fields, so that no credential
 * or value is kept in clear, and no two lists of fields collide
 */
static ngx_int_t
ngx_http_apigw_cache_key(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_cache_conf_t *conf)
{
    u_char                     *buf, *p, enc;
    size_t                      i, size, n;
    ngx_str_t                   ns, deployment, method, body;
    apigw_operation_t          *op;
    ngx_http_apigw_loc_conf_t  *alcf;

    op = ctx->op;
    alcf = ctx->alcf;

    if (conf->ns) {
        ns.data = (u_char *) conf->ns;
        ns.len = conf->ns_len;

    } else {
        ns.data = (u_char *) op->route_path;
        ns.len = ngx_strlen(op->route_path);
    }

    ngx_str_null(&deployment);

    if (alcf->canary_of && !alcf->cache_shared_canary) {
        deployment = alcf->api->name;
    }

    if (r->method == NGX_HTTP_HEAD) {
        ngx_str_set(&method, "GET");

    } else {
        method = r->method_name;
    }

    ngx_str_null(&body);

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        if (ctx->body.data == NULL
            && ngx_http_apigw_read_body_text(r, ctx) != NGX_OK)
        {
            return NGX_ERROR;
        }

        body = ctx->body;
    }

    if (ngx_http_apigw_query(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    enc = 0;

    if (r->headers_in.accept_encoding) {
        enc = (u_char) apigw_cache_encodings(
                           (char *) r->headers_in.accept_encoding->value.data,
                           r->headers_in.accept_encoding->value.len);
    }

    /* the size first: every field, and each value a parameter may have */

    size = APIGW_CACHE_FIELD_LEN(alcf->cache_stage.name.len)
           + APIGW_CACHE_FIELD_LEN(deployment.len)
           + APIGW_CACHE_FIELD_LEN(APIGW_CACHE_FINGERPRINT_LEN)
           + APIGW_CACHE_FIELD_LEN(APIGW_SHA256_LEN)
           + APIGW_CACHE_FIELD_LEN(ns.len)
           + APIGW_CACHE_FIELD_LEN(method.len)
           + APIGW_CACHE_FIELD_LEN(1)
           + APIGW_CACHE_FIELD_LEN(APIGW_SHA256_LEN)
           + ngx_http_apigw_cache_caller(r, ctx, NULL);

    for (i = 0; i < ctx->match.nparams; i++) {
        size += APIGW_CACHE_FIELD_LEN(ctx->match.params[i].val_len);
    }

    n = ngx_http_apigw_cache_params(r, ctx, conf, NULL);

    if (n == (size_t) NGX_ERROR) {
        return NGX_ERROR;
    }

    size += n;

    buf = ngx_pnalloc(r->pool, size);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = apigw_cache_key_field(buf, alcf->cache_stage.name.data,
                              alcf->cache_stage.name.len);
    p = apigw_cache_key_field(p, deployment.data, deployment.len);
    /*
     * the operation as defined (with those that share its namespace), so
     * that a reload that changes it never serves the old one's entries
     */
    p = apigw_cache_key_field(p, conf->fingerprint,
                              APIGW_CACHE_FINGERPRINT_LEN);
    p = apigw_cache_key_field(p, alcf->cache_vars, APIGW_SHA256_LEN);
    p = apigw_cache_key_field(p, ns.data, ns.len);
    p = apigw_cache_key_field(p, method.data, method.len);
    p = apigw_cache_key_field(p, &enc, 1);

    /* the path parameters, always: AWS's shared /pets/1 and /pets/2 */

    for (i = 0; i < ctx->match.nparams; i++) {
        p = apigw_cache_key_field(p, ctx->match.params[i].val,
                                  ctx->match.params[i].val_len);
    }

    n = ngx_http_apigw_cache_params(r, ctx, conf, p);

    if (n == (size_t) NGX_ERROR) {
        return NGX_ERROR;
    }

    p += n;
    p += ngx_http_apigw_cache_caller(r, ctx, p);

    if (body.len) {
        apigw_sha256(body.data, body.len, p + 4);
        p = apigw_cache_key_field(p, p + 4, APIGW_SHA256_LEN);

    } else {
        p = apigw_cache_key_field(p, NULL, 0);
    }

    apigw_sha256(buf, p - buf, ctx->cache->key);

    return NGX_OK;
}


/*
 * The declared key parameters: each one's name, its values (every value
 * of a query parameter; a header's lines as one list) and how many there
 * are, so that "a", "" differs from "a".  p NULL: the room they take;
 * NGX_ERROR as a size when a header's lines could not be joined
 */
static size_t
ngx_http_apigw_cache_params(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_cache_conf_t *conf, u_char *p)
{
    size_t                i, j, n, size;
    ngx_str_t             value;
    apigw_pair_t         *q;
    apigw_cache_param_t  *cp;

    size = 0;

    for (i = 0; i < conf->nparams; i++) {
        cp = &conf->params[i];
        size += APIGW_CACHE_FIELD_LEN(cp->name_len) + 4;
        n = 0;

        if (p) {
            p = apigw_cache_key_field(p, cp->name, cp->name_len);
        }

        if (cp->in == APIGW_CACHE_PARAM_QUERY) {
            for (j = 0; j < ctx->nquery; j++) {
                q = &ctx->query[j];

                if (q->name_len != cp->name_len
                    || ngx_strncmp(q->name, cp->name, cp->name_len) != 0)
                {
                    continue;
                }

                size += APIGW_CACHE_FIELD_LEN(q->value_len);
                n++;

                if (p) {
                    p = apigw_cache_key_field(p, q->value, q->value_len);
                }
            }

        } else if (cp->in == APIGW_CACHE_PARAM_HEADER) {
            if (ngx_http_apigw_header_values(r, (u_char *) cp->name,
                                             cp->name_len, ',', &value)
                != NGX_OK)
            {
                return (size_t) NGX_ERROR;
            }

            if (value.data) {
                size += APIGW_CACHE_FIELD_LEN(value.len);
                n++;

                if (p) {
                    p = apigw_cache_key_field(p, value.data, value.len);
                }
            }
        }

        if (p) {
            *p++ = (u_char) (n >> 24);
            *p++ = (u_char) (n >> 16);
            *p++ = (u_char) (n >> 8);
            *p++ = (u_char) n;
        }
    }

    return size;
}


/*
 * The caller, where the operation needs one and its entries are not
 * shared: the API key's id, the token's issuer and subject, the
 * authorizer's principal and the identity it allowed (its identity
 * sources, digested); with none of those, the credentials the
 * operation's schemes name.  p NULL: the room it takes
 */
static size_t
ngx_http_apigw_cache_caller(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    u_char *p)
{
    size_t                    i, j, size, authz;
    u_char                   *start;
    json_t                   *iss;
    ngx_str_t                 id, issuer, cred;
    apigw_security_t         *sec;
    apigw_security_scheme_t  *ss;

    if (ctx->op->nsecurity == 0 || ctx->op->cache.shared) {
        return p ? 0 : APIGW_CACHE_FIELD_LEN(0);
    }

    ngx_str_null(&id);
    ngx_str_null(&issuer);

    if (ctx->key) {
        id.data = (u_char *) ctx->key->id;
        id.len = ngx_strlen(ctx->key->id);
    }

    iss = ctx->claims ? json_object_get(ctx->claims, "iss") : NULL;

    if (json_is_string(iss)) {
        issuer.data = (u_char *) json_string_value(iss);
        issuer.len = json_string_length(iss);
    }

    authz = ctx->authz_identified ? APIGW_SHA256_LEN : 0;

    size = APIGW_CACHE_FIELD_LEN(id.len) + APIGW_CACHE_FIELD_LEN(issuer.len)
           + APIGW_CACHE_FIELD_LEN(ctx->principal.len)
           + APIGW_CACHE_FIELD_LEN(authz);
    start = p;

    if (p) {
        p = apigw_cache_key_field(p, id.data, id.len);
        p = apigw_cache_key_field(p, issuer.data, issuer.len);
        p = apigw_cache_key_field(p, ctx->principal.data, ctx->principal.len);
        p = apigw_cache_key_field(p, ctx->authz_identity, authz);
    }

    if (id.len || ctx->principal.len || authz) {
        return p ? (size_t) (p - start) : size;
    }

    for (i = 0; i < ctx->op->nsecurity; i++) {
        sec = &ctx->op->security[i];

        for (j = 0; j < sec->nschemes; j++) {
            ss = sec->schemes[j];
            ngx_str_null(&cred);

            if (ss->in == APIGW_IN_HEADER) {
                (void) ngx_http_apigw_header_values(r, (u_char *) ss->param,
                                                    ss->param_len, ',',
                                                    &cred);

            } else if (ss->in == APIGW_IN_QUERY) {
                (void) ngx_http_arg(r, (u_char *) ss->param, ss->param_len,
                                    &cred);

            } else if (ss->in == APIGW_IN_COOKIE) {
                (void) ngx_http_apigw_header_values(r, (u_char *) "cookie",
                                                    6, ';', &cred);
            }

            size += APIGW_CACHE_FIELD_LEN(cred.len);

            if (p) {
                p = apigw_cache_key_field(p, cred.data, cred.len);
            }
        }
    }

    return p ? (size_t) (p - start) : size;
}


static ngx_int_t
ngx_http_apigw_cache_lookup(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_cache_conf_t *conf)
{
    ngx_http_apigw_cache_rc_e     rc;
    ngx_http_apigw_cache_req_t   *c;
    ngx_http_apigw_main_conf_t   *amcf;
    ngx_http_apigw_cache_find_t   f;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    c = ctx->cache;

    if (c->owner == 0) {
        c->owner = ngx_http_apigw_random(r) | 1;
    }

    ngx_memzero(&f, sizeof(ngx_http_apigw_cache_find_t));

    f.owner = c->owner;
    f.lock = ctx->op->integration.timeout_ms
             + NGX_HTTP_APIGW_CACHE_LOCK_SLACK;
    f.since = c->wait_start;

    if (r->method != NGX_HTTP_HEAD) {
        f.flags |= NGX_HTTP_APIGW_CACHE_F_FILL;
    }

    if (c->refresh) {
        f.flags |= NGX_HTTP_APIGW_CACHE_F_REFRESH;
    }

    if (conf->stale) {
        f.flags |= NGX_HTTP_APIGW_CACHE_F_STALE;
    }

    if (c->waited) {
        f.flags |= NGX_HTTP_APIGW_CACHE_F_WAITED;
    }

    rc = ngx_http_apigw_cache_find(r, amcf->cache_zone,
                                   &ctx->alcf->cache_stage, c->key, &f);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apigw cache: %i", (ngx_int_t) rc);

    switch (rc) {

    case NGX_HTTP_APIGW_CACHE_HIT:
    case NGX_HTTP_APIGW_CACHE_STALE:
        c->status = (rc == NGX_HTTP_APIGW_CACHE_HIT)
                    ? NGX_HTTP_APIGW_CACHE_HIT_STATUS
                    : NGX_HTTP_APIGW_CACHE_STALE_STATUS;
        return ngx_http_apigw_cache_send(r, ctx, &f.data, f.date);

    case NGX_HTTP_APIGW_CACHE_FILL:
        c->node = f.node;

        if (c->refresh) {
            ngx_http_apigw_cache_redis_refresh(r, c->key);
        }

        c->filling = 1;
        c->status = c->refresh ? NGX_HTTP_APIGW_CACHE_REFRESH_STATUS
                               : NGX_HTTP_APIGW_CACHE_MISS;
        return NGX_OK;

    case NGX_HTTP_APIGW_CACHE_WAIT:
        if (!c->waited) {
            c->waited = 1;
            c->wait_start = ngx_current_msec;
        }

        if ((ngx_msec_int_t) (c->wait_until - ngx_current_msec) <= 0) {
            c->status = NGX_HTTP_APIGW_CACHE_MISS;
            ctx->deadline_passed = 1;
            return ngx_http_apigw_send_gateway_response(r, ctx,
                                            APIGW_GR_INTEGRATION_TIMEOUT, 0);
        }

        c->wait.handler = ngx_http_apigw_cache_wake;
        c->wait.data = r;
        c->wait.log = r->connection->log;

        ngx_add_timer(&c->wait, NGX_HTTP_APIGW_CACHE_POLL);

        return NGX_DONE;

    case NGX_HTTP_APIGW_CACHE_FAILED:
        c->status = NGX_HTTP_APIGW_CACHE_MISS;

        if (f.status == NGX_HTTP_GATEWAY_TIME_OUT) {
            ctx->deadline_passed = 1;
        }

        return ngx_http_apigw_send_gateway_response(r, ctx,
                                        ngx_http_apigw_error_type(f.status),
                                        f.status);

    case NGX_HTTP_APIGW_CACHE_PASS:
        c->status = (r->method == NGX_HTTP_HEAD)
                    ? NGX_HTTP_APIGW_CACHE_BYPASS : NGX_HTTP_APIGW_CACHE_MISS;
        return NGX_OK;

    default: /* NGX_HTTP_APIGW_CACHE_ERROR */
        return NGX_ERROR;
    }
}


/* a stored response answers: the integration's, as it came, and Age */
static ngx_int_t
ngx_http_apigw_cache_send(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_str_t *data, time_t date)
{
    u_char                  *p;
    size_t                   i;
    time_t                   age;
    ngx_buf_t               *b;
    ngx_table_elt_t         *h;
    apigw_cache_header_t    *hh;
    apigw_cache_response_t   resp;

    hh = ngx_palloc(r->pool,
                    APIGW_CACHE_MAX_HEADERS * sizeof(apigw_cache_header_t));
    if (hh == NULL) {
        return NGX_ERROR;
    }

    if (apigw_cache_response_read(data->data, data->len, &resp, hh) != 0)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apigw: a cached response is malformed");
        return NGX_ERROR;
    }

    ctx->responded = 1;
    ctx->cache->hit = 1;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    r->headers_out.status = resp.status;
    r->headers_out.content_type.data = (u_char *) resp.content_type;
    r->headers_out.content_type.len = resp.content_type_len;

    for (i = 0; i < resp.nheaders; i++) {
        hh = &resp.headers[i];

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
        h->key.data = (u_char *) hh->name;
        h->key.len = hh->name_len;
        h->value.data = (u_char *) hh->value;
        h->value.len = hh->value_len;
        h->lowcase_key = NULL;

        /* the validators: nginx answers a conditional request with 304 */

        if (h->key.len == sizeof("ETag") - 1
            && ngx_strncasecmp(h->key.data, (u_char *) "ETag",
                               sizeof("ETag") - 1) == 0)
        {
            r->headers_out.etag = h;

        } else if (h->key.len == sizeof("Last-Modified") - 1
                   && ngx_strncasecmp(h->key.data, (u_char *) "Last-Modified",
                                      sizeof("Last-Modified") - 1) == 0)
        {
            r->headers_out.last_modified = h;
            r->headers_out.last_modified_time =
                                  ngx_parse_http_time(h->value.data,
                                                      h->value.len);
        }
    }

    p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    age = ngx_time() - date;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Age");
    h->value.data = p;
    h->value.len = ngx_sprintf(p, "%T", age > 0 ? age : 0) - p;
    h->lowcase_key = NULL;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = (u_char *) resp.body;
    b->last = b->pos + resp.body_len;
    b->memory = resp.body_len ? 1 : 0;

    return ngx_http_apigw_send_response(r, b);
}


static void
ngx_http_apigw_cache_wake(ngx_event_t *ev)
{
    ngx_http_request_t  *r = ev->data;

    ngx_connection_t  *c;

    c = r->connection;

    ngx_http_apigw_resume(r);
    ngx_http_run_posted_requests(c);
}


/* the request ends: its timer goes, and a fetch it did not finish */
static void
ngx_http_apigw_cache_cleanup(void *data)
{
    ngx_http_apigw_ctx_t *ctx = data;

    ngx_http_apigw_cache_req_t  *c;

    c = ctx->cache;

    if (c == NULL) {
        return;
    }

    if (c->wait.timer_set) {
        ngx_del_timer(&c->wait);
    }

    if (c->filling) {
        ngx_http_apigw_cache_give_up(ctx->request, ctx, 0, 0);
    }
}


/* "apigw_cache_flush STAGE_PREFIX": an operator's location */
char *
ngx_http_apigw_cache_flush_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    ngx_str_t                    *value;
    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_apigw_loc_conf_t   **flush;
    ngx_http_apigw_main_conf_t   *amcf;

    if (alcf->cache_flush.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].data[0] != '/') {
        return "needs the location prefix of a stage, such as /prod/";
    }

    alcf->cache_flush = value[1];
    alcf->conf_file = cf->conf_file->file.name;
    alcf->conf_line = cf->conf_file->line;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);

    if (amcf->cache_flushes == NULL) {
        amcf->cache_flushes = ngx_array_create(cf->pool, 2,
                                          sizeof(ngx_http_apigw_loc_conf_t *));
        if (amcf->cache_flushes == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    flush = ngx_array_push(amcf->cache_flushes);
    if (flush == NULL) {
        return NGX_CONF_ERROR;
    }

    *flush = alcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_apigw_cache_flush_handler;

    return NGX_CONF_OK;
}


/*
 * DELETE flushes the stage's cache, as AWS's FlushStageCache does (202);
 * GET tells what the zone holds
 */
static ngx_int_t
ngx_http_apigw_cache_flush_handler(ngx_http_request_t *r)
{
    u_char                      *p;
    size_t                       bytes;
    ngx_buf_t                   *b;
    ngx_int_t                    rc;
    ngx_uint_t                   entries;
    ngx_http_apigw_loc_conf_t   *alcf, *stage;
    ngx_http_apigw_main_conf_t  *amcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_DELETE))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apigw_module);
    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    stage = alcf->cache_flush_stage;

    if (r->method == NGX_HTTP_DELETE) {
        ngx_http_apigw_cache_flush(&stage->cache_stage);
        ngx_http_apigw_cache_redis_flush(r, &stage->cache_stage);

        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                      "apigw: the cache of stage \"%V\" flushed",
                      &stage->cache_stage.name);

        r->headers_out.status = NGX_HTTP_ACCEPTED;

    } else {
        r->headers_out.status = NGX_HTTP_OK;
    }

    ngx_http_apigw_cache_stats(amcf->cache_zone, &entries, &bytes);

    b = ngx_create_temp_buf(r->pool, 128 + 2 * stage->cache_stage.name.len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(b->last, "{\"stage\":\"");
    p = (u_char *) ngx_http_apigw_json_escape(p, stage->cache_stage.name.data,
                                              stage->cache_stage.name.len);
    b->last = ngx_sprintf(p, "\",\"flushed\":%s,\"zone\":{\"entries\":%ui,"
                          "\"bytes\":%uz}}\n",
                          r->method == NGX_HTTP_DELETE ? "true" : "false",
                          entries, bytes);

    ngx_str_set(&r->headers_out.content_type, "application/json");

    return ngx_http_apigw_send_response(r, b) == NGX_ERROR
           ? NGX_ERROR : NGX_OK;
}


/*
 * A location's cache settings, once merged: apigw_cache_ttl within AWS's
 * bounds, the stage's name, and what the stage's variables and backend
 * make of a key (a canary's own, unless it uses the stage's cache)
 */
ngx_int_t
ngx_http_apigw_cache_merge(ngx_conf_t *cf, ngx_http_apigw_loc_conf_t *alcf)
{
    u_char       *buf, *p;
    size_t        size;
    ngx_uint_t    i;
    ngx_keyval_t *kv;

    if (!alcf->caching) {
        return NGX_OK;
    }

    if (alcf->canary_of) {
        if (alcf->cache_shared_canary) {
            ngx_memcpy(alcf->cache_vars, alcf->canary_of->cache_vars,
                       APIGW_SHA256_LEN);
            return NGX_OK;
        }

    } else {
        size = alcf->api_name.len + 1 + alcf->stage.len;

        alcf->cache_stage.name.data = ngx_pnalloc(cf->pool, size);
        if (alcf->cache_stage.name.data == NULL) {
            return NGX_ERROR;
        }

        alcf->cache_stage.name.len = ngx_sprintf(alcf->cache_stage.name.data,
                                                 "%V/%V", &alcf->api_name,
                                                 &alcf->stage)
                                     - alcf->cache_stage.name.data;
        alcf->cache_stage.gen = NULL;
    }

    size = APIGW_CACHE_FIELD_LEN(alcf->backend.len)
           + APIGW_CACHE_FIELD_LEN(alcf->functions.len);

    kv = alcf->stage_vars ? alcf->stage_vars->elts : NULL;

    for (i = 0; kv && i < alcf->stage_vars->nelts; i++) {
        size += APIGW_CACHE_FIELD_LEN(kv[i].key.len)
                + APIGW_CACHE_FIELD_LEN(kv[i].value.len);
    }

    buf = ngx_pnalloc(cf->temp_pool, size);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = apigw_cache_key_field(buf, alcf->backend.data, alcf->backend.len);
    p = apigw_cache_key_field(p, alcf->functions.data, alcf->functions.len);

    for (i = 0; kv && i < alcf->stage_vars->nelts; i++) {
        p = apigw_cache_key_field(p, kv[i].key.data, kv[i].key.len);
        p = apigw_cache_key_field(p, kv[i].value.data, kv[i].value.len);
    }

    apigw_sha256(buf, p - buf, alcf->cache_vars);

    return NGX_OK;
}


/* the zone, and the stages operators' locations flush */
ngx_int_t
ngx_http_apigw_cache_init(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf)
{
    ngx_uint_t                   i;
    ngx_http_apigw_loc_conf_t  **flush, *alcf, *stage;

    if (ngx_http_apigw_cache_zone_add(cf, amcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (amcf->cache_flushes == NULL) {
        return NGX_OK;
    }

    flush = amcf->cache_flushes->elts;

    for (i = 0; i < amcf->cache_flushes->nelts; i++) {
        alcf = flush[i];

        if (alcf->api_name.data) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "apigw_cache_flush cannot share a location with "
                          "\"apigw\" in %V:%ui", &alcf->conf_file,
                          alcf->conf_line);
            return NGX_ERROR;
        }

        stage = ngx_http_apigw_stage_at(cf, amcf, &alcf->cache_flush,
                                        "apigw_cache_flush", &alcf->conf_file,
                                        alcf->conf_line);
        if (stage == NULL) {
            return NGX_ERROR;
        }

        if (!stage->caching) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "apigw_cache_flush \"%V\": the stage has no "
                          "\"apigw_cache on\" and no method setting "
                          "cache=on in %V:%ui", &alcf->cache_flush,
                          &alcf->conf_file, alcf->conf_line);
            return NGX_ERROR;
        }

        alcf->cache_flush_stage = stage;
    }

    return NGX_OK;
}
