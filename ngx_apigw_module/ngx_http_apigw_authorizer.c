
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Custom (Lambda) authorizers, for the identity step, with AWS's
 * semantics: the identity sources and the validation expression are
 * checked first (401 with no call); the result cache, shared by the
 * workers (ngx_http_apigw_authorizer_cache.c), is looked up; on a miss the
 * event is POSTed to the authorizer's HTTP endpoint through a fetch
 * (ngx_http_apigw_fetch.c), under the authorizer's timeout capped by what
 * is left of the integration's; the answer is parsed, cached unless it is
 * an error, and evaluated against this request's method ARN, as a cached
 * one is.  The nginx-free core (apigw_authorizer.h) does the rest; this
 * file shows it the request and keeps each scheme's state across the
 * step's runs.  An authorizer that is a function is invoked the same way
 * through the Invoke API at apigw_functions (ngx_http_apigw_function.c
 * makes its URL); without apigw_functions, the load fails unless the
 * scheme is delegated.
 */


#define NGX_HTTP_APIGW_AUTHZ_LOG_PRINCIPAL  128


typedef struct {
    ngx_http_apigw_fetch_t      fetch;
    ngx_keyval_t                timeout_header;     /* functions' */
    u_char                      timeout_text[NGX_INT_T_LEN];
    ngx_str_t                   arn;
    u_char                      key[APIGW_SHA256_LEN];
    apigw_authz_result_t       *result;
    apigw_authz_rc_e            rc;
    unsigned                    decided:1;
} ngx_http_apigw_authorizer_state_t;


static ngx_int_t ngx_http_apigw_authorizer_start(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss,
    ngx_http_apigw_authorizer_state_t *st);
static ngx_int_t ngx_http_apigw_authorizer_cache_key(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss,
    apigw_authz_identity_t *id, u_char *key);
static ngx_int_t ngx_http_apigw_authorizer_call(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_authorizer_t *a,
    ngx_http_apigw_authorizer_state_t *st, json_t *event);
static ngx_msec_t ngx_http_apigw_authorizer_timeout(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_authorizer_t *a);
static void ngx_http_apigw_authorizer_answer(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss,
    ngx_http_apigw_authorizer_state_t *st);
static ngx_int_t ngx_http_apigw_authorizer_keep(ngx_http_request_t *r,
    apigw_authz_result_t *res);
static void ngx_http_apigw_authorizer_decide(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss,
    ngx_http_apigw_authorizer_state_t *st, apigw_authz_rc_e rc,
    const char *why);
static ngx_http_apigw_key_check_e ngx_http_apigw_authorizer_verdict(
    ngx_http_apigw_ctx_t *ctx, ngx_http_apigw_authorizer_state_t *st);
static void ngx_http_apigw_authorizer_result_free(void *data);


ngx_int_t
ngx_http_apigw_authorizer_init_location(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf)
{
    /* the location's proxy_pass does the calls: nothing to set up */
    return NGX_OK;
}


const char *
ngx_http_apigw_authorizer_unchecked(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf, apigw_security_scheme_t *ss)
{
    switch (ss->authorizer->endpoint) {

    case APIGW_AUTHZ_ENDPOINT_HTTP:
        return NULL;

    case APIGW_AUTHZ_ENDPOINT_FUNCTION:
        return alcf->functions.len ? NULL
                                   : "is a function, and this location has "
                                     "no apigw_functions to invoke it";

    default:
        return "has an authorizer with no endpoint";
    }
}


/*
 * The scheme's verdict: its state, found again when the step runs again,
 * decides, or is made on the first run: decided at once (no identity, a
 * cached result), or waiting for the endpoint's answer
 */
ngx_http_apigw_key_check_e
ngx_http_apigw_authorizer_check(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss)
{
    size_t                              i;
    ngx_int_t                           rc;
    apigw_api_t                        *api;
    ngx_http_apigw_authorizer_state_t  *st;

    api = ctx->alcf->api->api;
    i = ss - api->schemes;

    if (ctx->scheme_state == NULL) {
        ctx->scheme_state = ngx_pcalloc(r->pool,
                                        api->nschemes * sizeof(void *));
        if (ctx->scheme_state == NULL) {
            return NGX_HTTP_APIGW_KEY_ERROR;
        }
    }

    st = ctx->scheme_state[i];

    if (st == NULL) {
        st = ngx_pcalloc(r->pool, sizeof(ngx_http_apigw_authorizer_state_t));
        if (st == NULL) {
            return NGX_HTTP_APIGW_KEY_ERROR;
        }

        ctx->scheme_state[i] = st;

        rc = ngx_http_apigw_authorizer_start(r, ctx, ss, st);

        if (rc == NGX_AGAIN) {
            return NGX_HTTP_APIGW_KEY_WAIT;
        }

    } else if (!st->decided) {

        if (!st->fetch.done) {
            /* woken for something else: the answer is still to come */
            return NGX_HTTP_APIGW_KEY_WAIT;
        }

        ngx_http_apigw_authorizer_answer(r, ctx, ss, st);
    }

    return ngx_http_apigw_authorizer_verdict(ctx, st);
}


/* NGX_OK: decided; NGX_AGAIN: the endpoint is called */
static ngx_int_t
ngx_http_apigw_authorizer_start(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss,
    ngx_http_apigw_authorizer_state_t *st)
{
    char                     arn[APIGW_AUTHZ_ARN_MAX + 1];
    char                     errbuf[APIGW_ERR_LEN];
    size_t                   arn_len;
    json_t                  *event;
    ngx_int_t                rc;
    ngx_str_t                bytes;
    apigw_authz_rc_e         arc;
    apigw_authorizer_t      *a;
    apigw_authz_result_t    *res;
    apigw_event_request_t    rq;
    apigw_authz_identity_t   id;

    a = ss->authorizer;

    if (ngx_http_apigw_event_request(r, ctx, &rq) != NGX_OK) {
        goto failed;
    }

    arc = apigw_authz_identity(a, &rq, &id, errbuf, sizeof(errbuf));

    if (arc != APIGW_AUTHZ_OK) {
        ngx_http_apigw_authorizer_decide(r, ctx, ss, st, arc, errbuf);
        return NGX_OK;
    }

    if (apigw_authz_method_arn(&rq, arn, &arn_len) != APIGW_AUTHZ_OK) {
        ngx_http_apigw_authorizer_decide(r, ctx, ss, st,
                                         APIGW_AUTHZ_URI_TOO_LONG,
                                         "the method ARN is longer than "
                                         "1600 bytes");
        return NGX_OK;
    }

    /* the identity's digest: the result cache's key, the caller's too */
    if (ngx_http_apigw_authorizer_cache_key(r, ctx, ss, &id, st->key)
        != NGX_OK)
    {
        goto failed;
    }

    if (a->ttl) {
        if (ngx_http_apigw_authorizer_cache_get(r, st->key, &bytes)
            == NGX_OK)
        {
            res = apigw_authz_result_decode(bytes.data, bytes.len);

            if (res == NULL || ngx_http_apigw_authorizer_keep(r, res)
                               != NGX_OK)
            {
                ngx_http_apigw_authorizer_decide(r, ctx, ss, st,
                                                 APIGW_AUTHZ_FAILURE,
                                                 "a cached result is not "
                                                 "valid");
                return NGX_OK;
            }

            st->result = res;
            arc = apigw_authz_evaluate(res, arn, arn_len);
            ngx_http_apigw_authorizer_decide(r, ctx, ss, st, arc, "cached");

            return NGX_OK;
        }
    }

    st->arn.data = ngx_pnalloc(r->pool, arn_len);
    if (st->arn.data == NULL) {
        goto failed;
    }

    ngx_memcpy(st->arn.data, arn, arn_len);
    st->arn.len = arn_len;

    event = apigw_authz_event(a, &rq, &id, arn, arn_len);
    if (event == NULL) {
        goto failed;
    }

    rc = ngx_http_apigw_authorizer_call(r, ctx, a, st, event);

    json_decref(event);

    if (rc == NGX_OK) {
        return NGX_AGAIN;
    }

    if (rc == NGX_DECLINED) {
        ngx_http_apigw_authorizer_decide(r, ctx, ss, st,
                                         APIGW_AUTHZ_CONFIG_ERROR,
                                         "no time is left for the call");
        return NGX_OK;
    }

failed:

    ngx_http_apigw_authorizer_decide(r, ctx, ss, st, APIGW_AUTHZ_FAILURE,
                                     "the gateway failed (memory)");
    return NGX_OK;
}


/* the result cache's key: the authorizer, its API, stage and scheme */
static ngx_int_t
ngx_http_apigw_authorizer_cache_key(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss,
    apigw_authz_identity_t *id, u_char *key)
{
    u_char                     *scope, *p;
    size_t                      len;
    ngx_http_apigw_loc_conf_t  *alcf;

    /* the deployment's name: a canary's authorizers may not be the stage's */
    alcf = ctx->alcf;
    len = alcf->api->name.len + 1 + alcf->stage.len + 1
          + ngx_strlen(ss->name);

    scope = ngx_pnalloc(r->pool, len);
    if (scope == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(scope, alcf->api->name.data, alcf->api->name.len);
    *p++ = '\0';
    p = ngx_cpymem(p, alcf->stage.data, alcf->stage.len);
    *p++ = '\0';
    ngx_memcpy(p, ss->name, ngx_strlen(ss->name));

    if (apigw_authz_cache_key(ss->authorizer, (char *) scope, len, id, key)
        != 0)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * the event POSTed to the endpoint: NGX_OK, under way; NGX_DECLINED, no
 * time is left; NGX_ERROR
 */
static ngx_int_t
ngx_http_apigw_authorizer_call(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_authorizer_t *a,
    ngx_http_apigw_authorizer_state_t *st, json_t *event)
{
    ngx_str_t                args;
    ngx_http_apigw_fetch_t  *f;

    f = &st->fetch;

    f->timeout = ngx_http_apigw_authorizer_timeout(r, ctx, a);

    if (f->timeout == 0) {
        return NGX_DECLINED;
    }

    if (a->endpoint == APIGW_AUTHZ_ENDPOINT_FUNCTION) {
        if (ngx_http_apigw_function_invoke_url(r, ctx, a->function,
                                               a->qualifier, &f->url)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        /* the host is told the time it has, as for an integration */
        ngx_str_set(&st->timeout_header.key, "X-Apigw-Timeout-Ms");
        st->timeout_header.value.data = st->timeout_text;
        st->timeout_header.value.len = ngx_sprintf(st->timeout_text, "%M",
                                                   f->timeout)
                                       - st->timeout_text;
        f->headers = &st->timeout_header;
        f->nheaders = 1;

    } else {
        ngx_str_null(&args);

        if (ngx_http_apigw_render_uri(r, ctx, a->url, &args, &f->url)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    f->body.len = apigw_json_dump_size(event);
    if (f->body.len == (size_t) -1) {
        return NGX_ERROR;
    }

    f->body.data = ngx_pnalloc(r->pool, f->body.len);
    if (f->body.data == NULL) {
        return NGX_ERROR;
    }

    (void) apigw_json_dump_write(event, (char *) f->body.data);

    ngx_str_set(&f->method, "POST");
    ngx_str_set(&f->content_type, "application/json");
    f->max_size = APIGW_AUTHZ_ANSWER_MAX;
    f->handler = NULL;

    if (a->endpoint == APIGW_AUTHZ_ENDPOINT_FUNCTION
        && ctx->alcf->functions_sigv4 != NULL
        && ngx_http_apigw_sigv4_sign(r, ctx->alcf->functions_sigv4, f)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_apigw_fetch_start(r, f);
}


/* the authorizer's, within what is left of the integration's: 0, none */
static ngx_msec_t
ngx_http_apigw_authorizer_timeout(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_authorizer_t *a)
{
    ngx_time_t      *tp;
    ngx_msec_int_t   elapsed, left;

    tp = ngx_timeofday();

    elapsed = (ngx_msec_int_t) ((tp->sec - r->start_sec) * 1000
                                + (tp->msec - r->start_msec));

    left = (ngx_msec_int_t) ctx->op->integration.timeout_ms - elapsed;

    if (left <= 0) {
        return 0;
    }

    return ngx_min((ngx_msec_t) left, (ngx_msec_t) a->timeout_ms);
}


/* the endpoint's answer, or its absence, decides */
static void
ngx_http_apigw_authorizer_answer(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss,
    ngx_http_apigw_authorizer_state_t *st)
{
    char                     errbuf[APIGW_ERR_LEN];
    unsigned                 flags;
    apigw_authz_rc_e         rc;
    apigw_authorizer_t      *a;
    apigw_authz_result_t    *res;
    ngx_http_apigw_fetch_t  *f;

    a = ss->authorizer;
    f = &st->fetch;

    if (f->status == 0) {
        ngx_snprintf((u_char *) errbuf, sizeof(errbuf), "no answer: %s%Z",
                     f->error ? f->error : "");
        ngx_http_apigw_authorizer_decide(r, ctx, ss, st,
                                         APIGW_AUTHZ_CONFIG_ERROR, errbuf);
        return;
    }

    flags = 0;

    if (a->endpoint == APIGW_AUTHZ_ENDPOINT_FUNCTION) {
        if (f->status != NGX_HTTP_OK) {
            /* the Invoke API refused: not the function's answer */
            ngx_snprintf((u_char *) errbuf, sizeof(errbuf),
                         "the Invoke API answered %ui%Z", f->status);
            ngx_http_apigw_authorizer_decide(r, ctx, ss, st,
                                             APIGW_AUTHZ_CONFIG_ERROR,
                                             errbuf);
            return;
        }

        if (ngx_http_apigw_function_failed(f)) {
            flags = APIGW_AUTHZ_ANSWER_FUNCTION_ERROR;
        }
    }

    rc = apigw_authz_parse(a, f->status, flags, (char *) f->response.data,
                           f->response.len, &res, errbuf, sizeof(errbuf));

    if (rc != APIGW_AUTHZ_OK) {
        ngx_http_apigw_authorizer_decide(r, ctx, ss, st, rc, errbuf);
        return;
    }

    if (ngx_http_apigw_authorizer_keep(r, res) != NGX_OK) {
        ngx_http_apigw_authorizer_decide(r, ctx, ss, st, APIGW_AUTHZ_FAILURE,
                                         "the gateway failed (memory)");
        return;
    }

    st->result = res;

    if (a->ttl) {
        ngx_http_apigw_authorizer_cache_put(r, st->key, res->bytes,
                                            res->nbytes,
                                            (ngx_msec_t) a->ttl * 1000);
    }

    rc = apigw_authz_evaluate(res, (char *) st->arn.data, st->arn.len);

    ngx_http_apigw_authorizer_decide(r, ctx, ss, st, rc, NULL);
}


/* a result the core malloc()ed, freed with the request */
static ngx_int_t
ngx_http_apigw_authorizer_keep(ngx_http_request_t *r,
    apigw_authz_result_t *res)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        free(res);
        return NGX_ERROR;
    }

    cln->handler = ngx_http_apigw_authorizer_result_free;
    cln->data = res;

    return NGX_OK;
}


/* the outcome, logged once and without any credential */
static void
ngx_http_apigw_authorizer_decide(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss,
    ngx_http_apigw_authorizer_state_t *st, apigw_authz_rc_e rc,
    const char *why)
{
    ngx_str_t  principal;

    st->rc = rc;
    st->decided = 1;

    ngx_str_null(&principal);

    if (st->result) {
        principal.data = (u_char *) st->result->principal.data;
        principal.len = ngx_min(st->result->principal.len,
                                NGX_HTTP_APIGW_AUTHZ_LOG_PRINCIPAL);
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apigw: %s: authorizer of \"%s\": %s%s%V%s%s%s",
                  ctx->op->route_key, ss->name,
                  rc == APIGW_AUTHZ_OK ? "allowed" : apigw_authz_rc_name(rc),
                  principal.len ? ", principal \"" : "", &principal,
                  principal.len ? "\"" : "", why ? ": " : "",
                  why ? why : "");
}


/*
 * ctx gets the result and its principal (a denying one too, for the
 * gateway response's $context.authorizer.*), and, when it allows, the
 * usage identifier key
 */
static ngx_http_apigw_key_check_e
ngx_http_apigw_authorizer_verdict(ngx_http_apigw_ctx_t *ctx,
    ngx_http_apigw_authorizer_state_t *st)
{
    apigw_authz_result_t  *res;

    res = st->result;

    if (res != NULL && (st->rc == APIGW_AUTHZ_OK || ctx->authz == NULL)) {
        ctx->authz = res;
        ctx->principal.data = (u_char *) res->principal.data;
        ctx->principal.len = res->principal.len;
    }

    if (st->rc == APIGW_AUTHZ_OK) {
        /* the API key, when the API takes it from the authorizer */
        ctx->usage_key.data = (u_char *) res->usage_key.data;
        ctx->usage_key.len = res->usage_key.data ? res->usage_key.len : 0;

        /* who the authorizer let in, for the response cache's key */
        ngx_memcpy(ctx->authz_identity, st->key, APIGW_SHA256_LEN);
        ctx->authz_identified = 1;

        return NGX_HTTP_APIGW_KEY_OK;
    }

    ctx->authz_rc = st->rc;

    return NGX_HTTP_APIGW_KEY_AUTHZ_REFUSED;
}


static void
ngx_http_apigw_authorizer_result_free(void *data)
{
    free(data);
}
