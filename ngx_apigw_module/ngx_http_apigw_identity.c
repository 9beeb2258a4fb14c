
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The identity step: an operation's security, alternatives of schemes
 * that must all be met.  An API key is checked against the keys file of
 * apigw_keys (and keys kept in Redis): a missing, unknown or disabled key,
 * or one whose plan does not cover this API stage, gets 403 Forbidden
 * (INVALID_API_KEY), as on AWS.  A client certificate (mutualTLS) is the
 * one nginx verified.  A scheme the location delegates to the backend
 * (apigw_security_delegate) only needs its credential present, and it goes
 * on untouched: a missing Authorization gets 401 Unauthorized with
 * WWW-Authenticate.  A custom authorizer decides in
 * ngx_http_apigw_authorizer.c, and gives the API key (usageIdentifierKey)
 * when the API takes it from the authorizer.  Key values are never logged;
 * key ids are.
 */




static ngx_http_apigw_key_check_e ngx_http_apigw_check_alternative(
    ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx, apigw_security_t *alt,
    const apigw_key_t **first);
static ngx_http_apigw_key_check_e ngx_http_apigw_check_scheme(
    ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_security_scheme_t *ss, apigw_scopes_t *scopes,
    const apigw_key_t **found);
static ngx_int_t ngx_http_apigw_refuse(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_http_apigw_key_check_e worst);
static ngx_http_apigw_key_check_e ngx_http_apigw_check_key(
    ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_security_scheme_t *ss, const apigw_key_t **found);
static ngx_http_apigw_key_check_e ngx_http_apigw_check_credentials(
    ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_security_scheme_t *ss);
static ngx_http_apigw_key_check_e ngx_http_apigw_check_certificate(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_apigw_key_text(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss, ngx_str_t *text);
static ngx_int_t ngx_http_apigw_challenge(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, const char *error);
static void ngx_http_apigw_mask_query_keys(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static const char *ngx_http_apigw_unchecked(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf, ngx_http_apigw_loc_conf_t *alcf,
    apigw_security_scheme_t *ss);
static ngx_uint_t ngx_http_apigw_own_key_scheme(
    ngx_http_apigw_loc_conf_t *alcf, apigw_security_scheme_t *ss);
static void ngx_http_apigw_keys_cleanup(void *data);


static const char  *ngx_http_apigw_key_reasons[] = {
    "", "API key missing", "credentials missing",
    "client certificate missing", "token not valid", "API key unknown",
    "API key disabled", "API key not in a plan for this stage",
    "token lacks a scope", "refused by the authorizer", "", ""
};


char *
ngx_http_apigw_keys_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apigw_main_conf_t *amcf = conf;

    char                 msg[sizeof(apigw_error_t) + 64];
    ngx_str_t           *value, file;
    apigw_error_t       *err;
    apigw_keys_t        *keys;
    ngx_pool_cleanup_t  *cln;

    if (amcf->keys != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    err = ngx_pcalloc(cf->temp_pool, sizeof(apigw_error_t));
    if (err == NULL) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    keys = apigw_keys_load((char *) file.data, err);

    if (keys == NULL) {
        apigw_error_format(err, msg, sizeof(msg));
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "apigw_keys: %s", msg);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_apigw_keys_cleanup;
    cln->data = keys;

    amcf->keys = keys;

    return NGX_CONF_OK;
}


static void
ngx_http_apigw_keys_cleanup(void *data)
{
    apigw_keys_free(data);
}


/*
 * Every scheme the operations of the location's API require is checked
 * here, or delegated to the backend: else the load fails, saying how
 */
ngx_int_t
ngx_http_apigw_check_security(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf)
{
    size_t                       i, j, k;
    const char                  *why;
    apigw_api_t                 *api;
    apigw_security_t            *alt;
    apigw_operation_t           *op;
    apigw_security_scheme_t     *ss;
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);
    api = alcf->api->api;

    if (ngx_http_apigw_jwt_init_location(cf, alcf) != NGX_OK
        || ngx_http_apigw_authorizer_init_location(cf, alcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < api->nops; i++) {
        op = &api->ops[i];

        for (j = 0; j < op->nsecurity; j++) {
            alt = &op->security[j];

            for (k = 0; k < alt->nschemes; k++) {
                ss = alt->schemes[k];
                why = ngx_http_apigw_unchecked(cf, amcf, alcf, ss);

                if (why == NULL) {
                    continue;
                }

                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "apigw \"%V\": %s requires the %s scheme "
                              "\"%s\", which %s; or let the backend check "
                              "it: \"apigw_security_delegate %s;\" (or "
                              "\"all\") in %V:%ui", &alcf->api->name,
                              op->route_key, ss->type, ss->name, why,
                              ss->name, &alcf->conf_file, alcf->conf_line);
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/* NULL when the gateway checks the scheme here, or the backend does */
static const char *
ngx_http_apigw_unchecked(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf,
    ngx_http_apigw_loc_conf_t *alcf, apigw_security_scheme_t *ss)
{
#if (NGX_HTTP_SSL)
    ngx_http_ssl_srv_conf_t  *sscf;
#endif

    if (ngx_http_apigw_delegated(alcf, ss)) {
        return NULL;
    }

    if (ss->authorizer != NULL) {
        return ngx_http_apigw_authorizer_unchecked(cf, alcf, ss);
    }

    if (ngx_http_apigw_jwt_find(alcf, ss) != NULL) {
        return NULL;
    }

    switch (ss->kind) {

    case APIGW_SCHEME_API_KEY:
        return amcf->keys ? NULL
                          : "needs an apigw_keys file to check its keys";

    case APIGW_SCHEME_MUTUAL_TLS:
#if (NGX_HTTP_SSL)
        sscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_ssl_module);

        if (sscf->verify == 1 || sscf->verify == 2) {
            return NULL;
        }
#endif
        return "needs \"ssl_verify_client on\" or \"optional\" in this "
               "server";

    case APIGW_SCHEME_HTTP:
        if (ngx_strcmp(ss->auth_scheme, "bearer") != 0) {
            return "apigw does not verify";
        }

        /* fall through */

    default:
        return "needs an issuer to verify its tokens as JWTs (x-apigw-jwt "
               "in the scheme, or \"apigw_jwt SCHEME issuer=URL ...;\")";
    }
}


/* apigw_security_delegate in the location, or above */
ngx_uint_t
ngx_http_apigw_delegated(ngx_http_apigw_loc_conf_t *alcf,
    apigw_security_scheme_t *ss)
{
    size_t      len;
    ngx_str_t  *name;
    ngx_uint_t  i;

    if (alcf->delegate == NULL) {
        return 0;
    }

    name = alcf->delegate->elts;
    len = ngx_strlen(ss->name);

    for (i = 0; i < alcf->delegate->nelts; i++) {
        if ((name[i].len == 3 && ngx_strncmp(name[i].data, "all", 3) == 0)
            || (name[i].len == len
                && ngx_strncmp(name[i].data, ss->name, len) == 0))
        {
            return 1;
        }
    }

    return 0;
}


/*
 * an apiKey scheme whose keys the gateway looks up itself: not an
 * authorizer's or a token's, not delegated to the backend
 */
static ngx_uint_t
ngx_http_apigw_own_key_scheme(ngx_http_apigw_loc_conf_t *alcf,
    apigw_security_scheme_t *ss)
{
    return ss->kind == APIGW_SCHEME_API_KEY && ss->authorizer == NULL
           && ss->jwt == NULL && !ngx_http_apigw_delegated(alcf, ss)
           && ngx_http_apigw_jwt_find(alcf, ss) == NULL;
}


/*
 * The API key a caller presents, found before the route is, for a
 * canary's sticky key: the credential of the first of the API's apiKey
 * schemes (components.securitySchemes, in order) that the gateway checks
 * itself and the request carries (AWS's source HEADER: x-api-key), looked
 * up by its digest in the keys file, then in Redis.  The route's own
 * check comes later, in the identity step.
 *
 *     NGX_OK        *key is the key, or NULL: none presented, or unknown;
 *     NGX_DECLINED  Redis must be asked, and wait is 0;
 *     NGX_AGAIN     Redis is asked: the request waits for its answer.
 */
ngx_int_t
ngx_http_apigw_identity_key(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_uint_t wait, const apigw_key_t **key)
{
    u_char                       digest[APIGW_SHA256_LEN];
    size_t                       i;
    ngx_int_t                    rc;
    ngx_str_t                    text;
    apigw_api_t                 *api;
    apigw_security_scheme_t     *ss;
    ngx_http_apigw_main_conf_t  *amcf;

    *key = NULL;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    api = ctx->alcf->api->api;

    if (amcf->keys == NULL || api->key_from_authorizer) {
        return NGX_OK;
    }

    ngx_str_null(&text);

    for (i = 0; i < api->nschemes; i++) {
        ss = &api->schemes[i];

        if (!ngx_http_apigw_own_key_scheme(ctx->alcf, ss)) {
            continue;
        }

        rc = ngx_http_apigw_key_text(r, ctx, ss, &text);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_OK && text.len) {
            break;
        }
    }

    if (text.len < APIGW_KEY_MIN_LEN || text.len > APIGW_KEY_MAX_LEN) {
        return NGX_OK;
    }

    apigw_sha256(text.data, text.len, digest);
    *key = apigw_keys_find_digest(amcf->keys, digest);
    rc = NGX_OK;

    if (*key == NULL && amcf->redis) {
        rc = wait ? ngx_http_apigw_keystore_find(r, ctx, digest, key)
                  : ngx_http_apigw_keystore_cached(digest, key);
    }

    ngx_memzero(digest, sizeof(digest));

    return rc;
}


/*
 * NULL when a caller's key can be found before the route, for a sticky
 * key of the location's canary; else why not
 */
const char *
ngx_http_apigw_identity_key_unknown(ngx_http_apigw_main_conf_t *amcf,
    ngx_http_apigw_loc_conf_t *alcf)
{
    size_t        i;
    apigw_api_t  *api;

    api = alcf->api->api;

    if (api->key_from_authorizer) {
        return "takes its API keys from an authorizer "
               "(x-amazon-apigateway-api-key-source: AUTHORIZER), which "
               "runs after a release is picked";
    }

    if (amcf->keys == NULL) {
        return "has no keys to look them up in (apigw_keys)";
    }

    for (i = 0; i < api->nschemes; i++) {
        if (ngx_http_apigw_own_key_scheme(alcf, &api->schemes[i])) {
            return NULL;
        }
    }

    return "has no apiKey security scheme that the gateway checks";
}


/*
 * The identity step.  NGX_OK: the operation's security is met (ctx->key
 * set when by a key); NGX_DONE: a key is looked up in Redis, and the step
 * runs again with the answer at hand; else a gateway response is under way
 */
ngx_int_t
ngx_http_apigw_identity_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    size_t                       i;
    ngx_uint_t                   admitted;
    apigw_security_t            *alt;
    apigw_operation_t           *op;
    const apigw_key_t           *key, *first;
    ngx_http_apigw_key_check_e   rc, worst;

    op = ctx->op;

    if (op->nsecurity == 0) {
        return NGX_OK;
    }

    ngx_http_apigw_jwt_strip(r, ctx);

    worst = NGX_HTTP_APIGW_KEY_OK;
    first = NULL;
    admitted = 0;

    for (i = 0; i < op->nsecurity; i++) {
        alt = &op->security[i];

        if (alt->nschemes == 0) {
            /* anonymous access, unless a key below is good */
            continue;
        }

        rc = ngx_http_apigw_check_alternative(r, ctx, alt, &key);

        if (rc == NGX_HTTP_APIGW_KEY_WAIT) {
            return NGX_DONE;
        }

        if (rc == NGX_HTTP_APIGW_KEY_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_HTTP_APIGW_KEY_OK) {
            ctx->key = key;
            admitted = 1;
            break;
        }

        if (rc > worst) {
            worst = rc;
            first = key;
        }
    }

    ngx_http_apigw_mask_query_keys(r, ctx);

    if (admitted) {
        return NGX_OK;
    }

    for (i = 0; i < op->nsecurity; i++) {
        if (op->security[i].nschemes == 0) {
            return NGX_OK;
        }
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apigw: %s: %s%s%s%s%s", op->route_key,
                  ngx_http_apigw_key_reasons[worst],
                  first ? ", key id " : "", first ? first->id : "",
                  worst == NGX_HTTP_APIGW_KEY_INVALID_TOKEN ? ": " : "",
                  worst == NGX_HTTP_APIGW_KEY_INVALID_TOKEN
                  ? apigw_jwt_status_name(ctx->jwt_status) : "");

    return ngx_http_apigw_refuse(r, ctx, worst);
}


/*
 * the schemes of one alternative, all required: custom authorizers and
 * tokens first, since an authorizer may give the API key
 * (x-amazon-apigateway-api-key-source: AUTHORIZER)
 */
static ngx_http_apigw_key_check_e
ngx_http_apigw_check_alternative(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_t *alt,
    const apigw_key_t **first)
{
    size_t                       j;
    ngx_uint_t                   pass, keys;
    const apigw_key_t           *key;
    apigw_security_scheme_t     *ss;
    ngx_http_apigw_key_check_e   rc;

    *first = NULL;

    for (pass = 0; pass < 2; pass++) {
        for (j = 0; j < alt->nschemes; j++) {
            ss = alt->schemes[j];
            keys = (ss->kind == APIGW_SCHEME_API_KEY && ss->authorizer == NULL
                    && ss->jwt == NULL);

            if (keys != pass) {
                continue;
            }

            rc = ngx_http_apigw_check_scheme(r, ctx, ss, &alt->scopes[j],
                                             &key);

            if (*first == NULL) {
                *first = key;
            }

            if (rc != NGX_HTTP_APIGW_KEY_OK) {
                return rc;
            }
        }
    }

    return NGX_HTTP_APIGW_KEY_OK;
}


/* the furthest refusal: its status, message and headers */
static ngx_int_t
ngx_http_apigw_refuse(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_http_apigw_key_check_e worst)
{
    apigw_authz_response_t  resp;

    ctx->auth_refused = worst;

    switch (worst) {

    case NGX_HTTP_APIGW_KEY_NO_CREDENTIALS:
        if (ngx_http_apigw_challenge(r, ctx, NULL) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_apigw_send_gateway_response(r, ctx,
                                                    APIGW_GR_UNAUTHORIZED, 0);

    case NGX_HTTP_APIGW_KEY_INVALID_TOKEN:
        if (ngx_http_apigw_challenge(r, ctx, "invalid_token") != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_apigw_send_gateway_response(r, ctx,
                                                    APIGW_GR_UNAUTHORIZED, 0);

    case NGX_HTTP_APIGW_KEY_INSUFFICIENT_SCOPE:
        if (ngx_http_apigw_challenge(r, ctx, "insufficient_scope") != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_apigw_send_gateway_response(r, ctx,
                                                    APIGW_GR_ACCESS_DENIED, 0);

    case NGX_HTTP_APIGW_KEY_AUTHZ_REFUSED:
        if (!apigw_authz_response((apigw_authz_rc_e) ctx->authz_rc, &resp)) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (resp.message != NULL) {
            ctx->error_message.data = (u_char *) resp.message;
            ctx->error_message.len = ngx_strlen(resp.message);
        }

        return ngx_http_apigw_send_gateway_response(r, ctx, resp.type,
                                                    resp.status);

    case NGX_HTTP_APIGW_KEY_NO_CERTIFICATE:
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                                    APIGW_GR_ACCESS_DENIED, 0);

    default:
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                                    APIGW_GR_INVALID_API_KEY,
                                                    0);
    }
}


static ngx_http_apigw_key_check_e
ngx_http_apigw_check_scheme(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_security_scheme_t *ss, apigw_scopes_t *scopes,
    const apigw_key_t **found)
{
    ngx_http_apigw_jwt_t  *jwt;

    *found = NULL;

    if (ngx_http_apigw_delegated(ctx->alcf, ss)) {
        return ngx_http_apigw_check_credentials(r, ctx, ss);
    }

    if (ss->authorizer != NULL) {
        return ngx_http_apigw_authorizer_check(r, ctx, ss);
    }

    jwt = ngx_http_apigw_jwt_find(ctx->alcf, ss);

    if (jwt != NULL) {
        return ngx_http_apigw_jwt_check(r, ctx, jwt, scopes);
    }

    switch (ss->kind) {

    case APIGW_SCHEME_API_KEY:
        return ngx_http_apigw_check_key(r, ctx, ss, found);

    case APIGW_SCHEME_MUTUAL_TLS:
        return ngx_http_apigw_check_certificate(r);

    default:
        /* the load made sure of it */
        return NGX_HTTP_APIGW_KEY_ERROR;
    }
}


/* a delegated scheme: its credential is there, for the backend to check */
static ngx_http_apigw_key_check_e
ngx_http_apigw_check_credentials(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss)
{
    ngx_str_t  text;

    if (ss->kind == APIGW_SCHEME_MUTUAL_TLS) {
        /* what terminates TLS in front of nginx checks it */
        return NGX_HTTP_APIGW_KEY_OK;
    }

    if (ngx_http_apigw_key_text(r, ctx, ss, &text) == NGX_ERROR) {
        return NGX_HTTP_APIGW_KEY_ERROR;
    }

    if (ss->auth_scheme == NULL) {
        return text.len ? NGX_HTTP_APIGW_KEY_OK : NGX_HTTP_APIGW_KEY_MISSING;
    }

    /* "Bearer <token>": the scheme, white space, something */

    if (text.len > ss->auth_scheme_len + 1
        && ngx_strncasecmp(text.data, (u_char *) ss->auth_scheme,
                           ss->auth_scheme_len)
           == 0
        && (text.data[ss->auth_scheme_len] == ' '
            || text.data[ss->auth_scheme_len] == '\t'))
    {
        return NGX_HTTP_APIGW_KEY_OK;
    }

    return NGX_HTTP_APIGW_KEY_NO_CREDENTIALS;
}


static ngx_http_apigw_key_check_e
ngx_http_apigw_check_certificate(ngx_http_request_t *r)
{
#if (NGX_HTTP_SSL)
    X509              *cert;
    ngx_connection_t  *c;

    c = r->connection;

    if (c->ssl) {
        cert = SSL_get_peer_certificate(c->ssl->connection);

        if (cert) {
            X509_free(cert);

            /* ssl_verify_client refused a certificate that fails */
            if (SSL_get_verify_result(c->ssl->connection) == X509_V_OK) {
                return NGX_HTTP_APIGW_KEY_OK;
            }
        }
    }
#endif

    return NGX_HTTP_APIGW_KEY_NO_CERTIFICATE;
}


/*
 * WWW-Authenticate for each Authorization scheme an alternative asked
 * for, as RFC 9110 wants with a 401; a Bearer one with the error of
 * RFC 6750 section 3.1 when a token was refused
 */
static ngx_int_t
ngx_http_apigw_challenge(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    const char *error)
{
    u_char                   *p;
    size_t                    i, j, len;
    ngx_uint_t                k, n, seen;
    ngx_table_elt_t          *h, **challenges;
    apigw_operation_t        *op;
    apigw_security_scheme_t  *ss;

    op = ctx->op;
    n = 0;

    challenges = ngx_palloc(r->pool, op->nsecurity * sizeof(ngx_table_elt_t *));
    if (challenges == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < op->nsecurity; i++) {
        for (j = 0; j < op->security[i].nschemes; j++) {
            ss = op->security[i].schemes[j];

            if (ss->auth_scheme == NULL) {
                continue;
            }

            for (k = 0, seen = 0; k < n; k++) {
                seen |= (ngx_strncasecmp(challenges[k]->value.data,
                                         (u_char *) ss->auth_scheme,
                                         ss->auth_scheme_len) == 0);
            }

            if (seen || n == op->nsecurity) {
                break;
            }

            /* Basic needs a realm (RFC 7617): the API's name */
            len = ss->auth_scheme_len
                  + sizeof(" realm=\"\"") - 1 + ctx->alcf->api_name.len
                  + sizeof(", error=\"insufficient_scope\"");

            h = ngx_list_push(&r->headers_out.headers);
            p = ngx_pnalloc(r->pool, len);

            if (h == NULL || p == NULL) {
                return NGX_ERROR;
            }

            h->hash = 1;
            ngx_str_set(&h->key, "WWW-Authenticate");
            h->value.data = p;

            p = ngx_cpymem(p, ss->auth_scheme, ss->auth_scheme_len);
            h->value.data[0] = ngx_toupper(h->value.data[0]);

            if (ngx_strcmp(ss->auth_scheme, "basic") == 0) {
                p = ngx_sprintf(p, " realm=\"%V\"", &ctx->alcf->api_name);

            } else if (error != NULL
                       && ngx_strcmp(ss->auth_scheme, "bearer") == 0)
            {
                p = ngx_sprintf(p, " error=\"%s\"", error);
            }

            h->value.len = p - h->value.data;
            challenges[n++] = h;

            break;
        }
    }

    return NGX_OK;
}


static ngx_http_apigw_key_check_e
ngx_http_apigw_check_key(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_security_scheme_t *ss, const apigw_key_t **found)
{
    u_char                       digest[APIGW_SHA256_LEN];
    ngx_int_t                    rc;
    ngx_str_t                    text;
    const apigw_key_t           *key;
    ngx_http_apigw_loc_conf_t   *alcf;
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);

    if (ctx->alcf->api->api->key_from_authorizer) {
        /* x-amazon-apigateway-api-key-source: AUTHORIZER */
        text = ctx->usage_key;

    } else if (ngx_http_apigw_key_text(r, ctx, ss, &text) != NGX_OK) {
        text.len = 0;
    }

    if (text.len == 0) {
        return NGX_HTTP_APIGW_KEY_MISSING;
    }

    if (text.len < APIGW_KEY_MIN_LEN || text.len > APIGW_KEY_MAX_LEN) {
        return NGX_HTTP_APIGW_KEY_UNKNOWN;
    }

    apigw_sha256(text.data, text.len, digest);
    key = apigw_keys_find_digest(amcf->keys, digest);

    if (key == NULL && amcf->redis) {
        rc = ngx_http_apigw_keystore_find(r, ctx, digest, &key);

        if (rc == NGX_AGAIN) {
            return NGX_HTTP_APIGW_KEY_WAIT;
        }

        if (rc != NGX_OK) {
            return NGX_HTTP_APIGW_KEY_ERROR;
        }
    }

    ngx_memzero(digest, sizeof(digest));

    if (key == NULL) {
        return NGX_HTTP_APIGW_KEY_UNKNOWN;
    }

    *found = key;

    if (!key->enabled) {
        return NGX_HTTP_APIGW_KEY_DISABLED;
    }

    alcf = ctx->alcf;

    if (apigw_plan_stage(key->plan, (char *) alcf->api_name.data,
                         alcf->api_name.len, (char *) alcf->stage.data,
                         alcf->stage.len)
        == NULL)
    {
        return NGX_HTTP_APIGW_KEY_NOT_IN_PLAN;
    }

    return NGX_HTTP_APIGW_KEY_OK;
}


static ngx_int_t
ngx_http_apigw_key_text(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_security_scheme_t *ss, ngx_str_t *text)
{
    size_t        i, n, len;
    apigw_pair_t  cookies[APIGW_MAX_PAIRS];

    ngx_str_null(text);
    len = ss->param_len;

    switch (ss->in) {

    case APIGW_IN_QUERY:
        if (ngx_http_apigw_query(r, ctx) != NGX_OK) {
            return NGX_ERROR;
        }

        for (i = 0; i < ctx->nquery; i++) {
            if (ctx->query[i].name_len == len
                && ngx_strncmp(ctx->query[i].name, ss->param, len) == 0)
            {
                text->data = (u_char *) ctx->query[i].value;
                text->len = ctx->query[i].value_len;
                return NGX_OK;
            }
        }

        return NGX_DECLINED;

    case APIGW_IN_COOKIE:
        n = ngx_http_apigw_cookies(r, cookies, APIGW_MAX_PAIRS);

        for (i = 0; i < n; i++) {
            if (cookies[i].name_len == len
                && ngx_strncmp(cookies[i].name, ss->param, len) == 0)
            {
                text->data = (u_char *) cookies[i].value;
                text->len = cookies[i].value_len;
                return NGX_OK;
            }
        }

        return NGX_DECLINED;

    default:
        return ngx_http_apigw_header_values(r, (u_char *) ss->param, len,
                                            ',', text);
    }
}


/*
 * a key or a token in the query string is overwritten with '*' in the
 * request line, which $request, $args, the error log's "request:" and the
 * backend read: none of them sees it
 */
static void
ngx_http_apigw_mask_query_keys(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    u_char                   *p, *end, *name;
    size_t                    i, j, len;
    const char               *param;
    apigw_operation_t        *op;
    apigw_security_scheme_t  *ks;

    op = ctx->op;

    for (i = 0; i < op->nsecurity; i++) {
        for (j = 0; j < op->security[i].nschemes; j++) {
            ks = op->security[i].schemes[j];

            /* a key for the backend to check goes to it as it came */
            if (ngx_http_apigw_delegated(ctx->alcf, ks)) {
                continue;
            }

            param = ngx_http_apigw_jwt_query(ctx->alcf, ks);

            if (param == NULL && ks->in == APIGW_IN_QUERY) {
                param = ks->param;
            }

            if (param == NULL) {
                continue;
            }

            len = ngx_strlen(param);
            end = r->args.data + r->args.len;

            for (p = r->args.data; p < end; p++) {
                name = p;

                while (p < end && *p != '&' && *p != '=') {
                    p++;
                }

                if (p == end || *p != '=' || (size_t) (p - name) != len
                    || ngx_strncmp(name, param, len) != 0)
                {
                    while (p < end && *p != '&') {
                        p++;
                    }

                    continue;
                }

                for (p++; p < end && *p != '&'; p++) {
                    *p = '*';
                }
            }
        }
    }
}
