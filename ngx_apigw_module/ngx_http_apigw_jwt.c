
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Schemes verified as JWTs: http bearer, oauth2 and openIdConnect schemes
 * with x-apigw-jwt, an openIdConnectUrl, an AWS jwt or Cognito authorizer,
 * or an apigw_jwt directive in the location.  The token is verified by the
 * nginx-free verifier (apigw_jwt.c) against its issuer's keys
 * (ngx_http_apigw_jwks.c); a token verified before is found in a bounded
 * per-process cache by its SHA-256 and only its times are checked again.
 * A missing token is a 401 with a Bearer challenge; a bad one a 401 with
 * error="invalid_token"; a good one without the requirement's scopes a 403
 * with error="insufficient_scope" (RFC 6750).  Tokens are never logged.
 */


#define NGX_HTTP_APIGW_JWT_CACHE        1024


struct ngx_http_apigw_jwt_s {
    apigw_security_scheme_t    *scheme;
    apigw_jwt_conf_t           *conf;
    ngx_http_apigw_jwks_t     **jwks;           /* per issuer */
    apigw_jwt_policy_t         *policies;       /* per issuer */
    ngx_str_t                   header;         /* lower case */
};


/* a verified token, kept for the process */
typedef struct {
    u_char                      digest[APIGW_SHA256_LEN];
    ngx_http_apigw_jwt_t       *verifier;
    ngx_uint_t                  version;        /* of the keys */
    apigw_jwt_t                *jwt;
} ngx_http_apigw_token_t;


static ngx_int_t ngx_http_apigw_jwt_verifier(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf, apigw_security_scheme_t *ss,
    apigw_jwt_conf_t *conf);
static ngx_int_t ngx_http_apigw_jwt_token(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_http_apigw_jwt_t *jwt, ngx_str_t *token);
static ngx_http_apigw_key_check_e ngx_http_apigw_jwt_verify(
    ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_http_apigw_jwt_t *jwt, ngx_str_t *token, apigw_jwt_t **out);
static ngx_int_t ngx_http_apigw_jwt_issuer(ngx_http_apigw_jwt_t *jwt,
    ngx_str_t *token, ngx_uint_t *index);
static ngx_http_apigw_token_t *ngx_http_apigw_token_slot(
    ngx_http_apigw_jwt_t *jwt, u_char *digest);
static ngx_int_t ngx_http_apigw_jwt_admit(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_http_apigw_jwt_t *jwt, apigw_jwt_t *t);
static ngx_int_t ngx_http_apigw_jwt_forward(ngx_http_request_t *r,
    ngx_http_apigw_jwt_t *jwt, apigw_jwt_t *t);
static void ngx_http_apigw_jwt_remove_header(ngx_http_request_t *r,
    u_char *name, size_t len);
static ngx_int_t ngx_http_apigw_keep_token(ngx_http_request_t *r,
    apigw_jwt_t *t);
static void ngx_http_apigw_claims_cleanup(void *data);


static ngx_http_apigw_token_t  *ngx_http_apigw_tokens;
static ngx_uint_t               ngx_http_apigw_ntokens;


/* apigw_jwt SCHEME issuer=URL [audience=A,B] [jwks=FILE|URL] ... */
char *
ngx_http_apigw_jwt_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    u_char                     *eq;
    char                        errbuf[256];
    ngx_str_t                  *value;
    ngx_uint_t                  i;
    ngx_pool_cleanup_t         *cln;
    ngx_http_apigw_jwt_conf_t  *jc;

    value = cf->args->elts;

    if (alcf->jwt_confs == NGX_CONF_UNSET_PTR) {
        alcf->jwt_confs = ngx_array_create(cf->pool, 2,
                                           sizeof(ngx_http_apigw_jwt_conf_t));
        if (alcf->jwt_confs == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    jc = alcf->jwt_confs->elts;

    for (i = 0; i < alcf->jwt_confs->nelts; i++) {
        if (jc[i].scheme.len == value[1].len
            && ngx_strncmp(jc[i].scheme.data, value[1].data, value[1].len)
               == 0)
        {
            return "is duplicate for this scheme";
        }
    }

    jc = ngx_array_push(alcf->jwt_confs);
    cln = ngx_pool_cleanup_add(cf->pool, 0);

    if (jc == NULL || cln == NULL) {
        return NGX_CONF_ERROR;
    }

    jc->scheme = value[1];
    jc->conf = apigw_jwt_conf_create(NULL);

    if (jc->conf == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = (ngx_pool_cleanup_pt) apigw_jwt_conf_free;
    cln->data = jc->conf;

    for (i = 2; i < cf->args->nelts; i++) {
        eq = ngx_strlchr(value[i].data, value[i].data + value[i].len, '=');

        if (eq == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": options are "
                               "name=value", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (apigw_jwt_conf_option(jc->conf, (char *) value[i].data,
                                  eq - value[i].data, (char *) eq + 1,
                                  value[i].data + value[i].len - eq - 1,
                                  errbuf, sizeof(errbuf))
            != 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "apigw_jwt %V: %s",
                               &value[1], errbuf);
            return NGX_CONF_ERROR;
        }
    }

    if (apigw_jwt_conf_check(jc->conf, errbuf, sizeof(errbuf)) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "apigw_jwt %V: %s",
                           &value[1], errbuf);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* apigw_jwt_cache N | off: verified tokens each worker keeps */
char *
ngx_http_apigw_jwt_cache_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_main_conf_t *amcf = conf;

    ngx_str_t  *value;

    if (amcf->jwt_cache != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        amcf->jwt_cache = 0;
        return NGX_CONF_OK;
    }

    amcf->jwt_cache = ngx_atoi(value[1].data, value[1].len);

    if (amcf->jwt_cache <= 0 || amcf->jwt_cache > 1024 * 1024) {
        return "takes a number of tokens, 1 to 1048576, or \"off\"";
    }

    return NGX_CONF_OK;
}


/*
 * The location's verifiers: one per scheme of its API that apigw_jwt
 * configures here (or above) or the spec does.  Keys from files are read
 * now; those from URLs are fetched by the first request that needs them.
 */
ngx_int_t
ngx_http_apigw_jwt_init_location(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf)
{
    size_t                      i;
    ngx_uint_t                  j, found;
    apigw_api_t                *api;
    apigw_jwt_conf_t           *conf;
    apigw_security_scheme_t    *ss;
    ngx_http_apigw_jwt_conf_t  *jc;

    api = alcf->api->api;

    if (alcf->jwt_confs != NGX_CONF_UNSET_PTR && alcf->jwt_confs != NULL) {
        jc = alcf->jwt_confs->elts;

        for (j = 0; j < alcf->jwt_confs->nelts; j++) {
            for (i = 0, found = 0; i < api->nschemes; i++) {
                ss = &api->schemes[i];
                found |= (ngx_strlen(ss->name) == jc[j].scheme.len
                          && ngx_strncmp(ss->name, jc[j].scheme.data,
                                         jc[j].scheme.len)
                             == 0);
            }

            if (!found) {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "apigw \"%V\": apigw_jwt names the scheme "
                              "\"%V\", which the API does not have in "
                              "components.securitySchemes",
                              &alcf->api->name, &jc[j].scheme);
                return NGX_ERROR;
            }
        }
    }

    alcf->jwt = ngx_array_create(cf->pool, 2, sizeof(ngx_http_apigw_jwt_t *));
    if (alcf->jwt == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < api->nschemes; i++) {
        ss = &api->schemes[i];

        conf = ngx_http_apigw_jwt_scheme_conf(alcf->jwt_confs, ss);

        /* the backend checks a delegated scheme: no keys are needed */
        if (conf == NULL || ss->authorizer != NULL
            || ngx_http_apigw_delegated(alcf, ss))
        {
            continue;
        }

        if (ss->kind == APIGW_SCHEME_MUTUAL_TLS
            || ss->kind == APIGW_SCHEME_UNKNOWN
            || (ss->kind == APIGW_SCHEME_HTTP
                && ngx_strcmp(ss->auth_scheme, "bearer") != 0))
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "apigw \"%V\": the %s scheme \"%s\" carries no "
                          "bearer token to verify as a JWT",
                          &alcf->api->name, ss->type, ss->name);
            return NGX_ERROR;
        }

        if (ngx_http_apigw_jwt_verifier(cf, alcf, ss, conf) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * what a scheme's tokens must satisfy: an apigw_jwt directive's (confs,
 * the location's or those it inherits), else the spec's; NULL: none
 */
apigw_jwt_conf_t *
ngx_http_apigw_jwt_scheme_conf(ngx_array_t *confs,
    apigw_security_scheme_t *ss)
{
    size_t                      len;
    ngx_uint_t                  j;
    ngx_http_apigw_jwt_conf_t  *jc;

    if (confs == NGX_CONF_UNSET_PTR || confs == NULL) {
        return ss->jwt;
    }

    jc = confs->elts;
    len = ngx_strlen(ss->name);

    for (j = 0; j < confs->nelts; j++) {
        if (jc[j].scheme.len == len
            && ngx_strncmp(jc[j].scheme.data, ss->name, len) == 0)
        {
            return jc[j].conf;
        }
    }

    return ss->jwt;
}


static ngx_int_t
ngx_http_apigw_jwt_verifier(ngx_conf_t *cf, ngx_http_apigw_loc_conf_t *alcf,
    apigw_security_scheme_t *ss, apigw_jwt_conf_t *conf)
{
    size_t                  i, len;
    ngx_http_apigw_jwt_t   *jwt, **slot;

    jwt = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_jwt_t));
    if (jwt == NULL) {
        return NGX_ERROR;
    }

    jwt->scheme = ss;
    jwt->conf = conf;
    jwt->jwks = ngx_pcalloc(cf->pool,
                            conf->nissuers * sizeof(ngx_http_apigw_jwks_t *));
    jwt->policies = ngx_pcalloc(cf->pool,
                                conf->nissuers * sizeof(apigw_jwt_policy_t));

    if (jwt->jwks == NULL || jwt->policies == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < conf->nissuers; i++) {
        if (ngx_http_apigw_jwks_check_tls(cf, alcf, ss, &conf->issuers[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        jwt->jwks[i] = ngx_http_apigw_jwks_get(cf, &conf->issuers[i],
                                               conf->algs);
        if (jwt->jwks[i] == NULL) {
            return NGX_ERROR;
        }

        apigw_jwt_conf_policy(conf, i, &jwt->policies[i]);
    }

    len = ngx_strlen(conf->header);
    jwt->header.data = (u_char *) conf->header;
    jwt->header.len = len;

    slot = ngx_array_push(alcf->jwt);
    if (slot == NULL) {
        return NGX_ERROR;
    }

    *slot = jwt;
    alcf->jwt_forward |= (conf->nforward != 0);

    return NGX_OK;
}


ngx_http_apigw_jwt_t *
ngx_http_apigw_jwt_find(ngx_http_apigw_loc_conf_t *alcf,
    apigw_security_scheme_t *ss)
{
    ngx_uint_t             i;
    ngx_http_apigw_jwt_t  **jwt;

    if (alcf->jwt == NULL) {
        return NULL;
    }

    jwt = alcf->jwt->elts;

    for (i = 0; i < alcf->jwt->nelts; i++) {
        if (jwt[i]->scheme == ss) {
            return jwt[i];
        }
    }

    return NULL;
}


/* the query parameter a scheme's token may come in, or NULL */
const char *
ngx_http_apigw_jwt_query(ngx_http_apigw_loc_conf_t *alcf,
    apigw_security_scheme_t *ss)
{
    ngx_http_apigw_jwt_t  *jwt;

    jwt = ngx_http_apigw_jwt_find(alcf, ss);

    return jwt ? jwt->conf->query : NULL;
}


/*
 * Headers the verifiers forward claims in come from them only: a client's
 * own go, whatever alternative admits it
 */
void
ngx_http_apigw_jwt_strip(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    size_t                 i, j, k;
    apigw_security_t      *alt;
    apigw_jwt_forward_t   *fw;
    ngx_http_apigw_jwt_t  *jwt;

    if (!ctx->alcf->jwt_forward) {
        return;
    }

    for (i = 0; i < ctx->op->nsecurity; i++) {
        alt = &ctx->op->security[i];

        for (j = 0; j < alt->nschemes; j++) {
            jwt = ngx_http_apigw_jwt_find(ctx->alcf, alt->schemes[j]);

            if (jwt == NULL) {
                continue;
            }

            for (k = 0; k < jwt->conf->nforward; k++) {
                fw = &jwt->conf->forward[k];
                ngx_http_apigw_jwt_remove_header(r, (u_char *) fw->header,
                                                 ngx_strlen(fw->header));
            }
        }
    }
}


ngx_http_apigw_key_check_e
ngx_http_apigw_jwt_check(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_http_apigw_jwt_t *jwt, apigw_scopes_t *scopes)
{
    ngx_int_t                    rc;
    ngx_str_t                    token;
    apigw_jwt_t                 *t;
    ngx_http_apigw_key_check_e   verdict;

    rc = ngx_http_apigw_jwt_token(r, ctx, jwt, &token);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_APIGW_KEY_ERROR;
    }

    if (rc == NGX_DECLINED) {
        return NGX_HTTP_APIGW_KEY_NO_CREDENTIALS;
    }

    if (rc == NGX_ABORT) {
        ctx->jwt_status = APIGW_JWT_MALFORMED;
        return NGX_HTTP_APIGW_KEY_INVALID_TOKEN;
    }

    verdict = ngx_http_apigw_jwt_verify(r, ctx, jwt, &token, &t);

    if (verdict != NGX_HTTP_APIGW_KEY_OK) {
        return verdict;
    }

    if (scopes->n
        && !apigw_jwt_has_scopes(t, (const char *const *) scopes->names,
                                 scopes->n))
    {
        ctx->jwt_status = APIGW_JWT_INSUFFICIENT_SCOPE;
        return NGX_HTTP_APIGW_KEY_INSUFFICIENT_SCOPE;
    }

    if (ngx_http_apigw_jwt_admit(r, ctx, jwt, t) != NGX_OK) {
        return NGX_HTTP_APIGW_KEY_ERROR;
    }

    return NGX_HTTP_APIGW_KEY_OK;
}


/*
 * The token: from the scheme's header ("Bearer <token>"), or the query
 * parameter the scheme declares.  NGX_DECLINED: none; NGX_ABORT: not one
 * token (two different ones, an empty one)
 */
static ngx_int_t
ngx_http_apigw_jwt_token(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_http_apigw_jwt_t *jwt, ngx_str_t *token)
{
    u_char            *p, *end;
    size_t             i, qlen;
    ngx_str_t          value, query;
    apigw_jwt_conf_t  *conf;

    conf = jwt->conf;

    if (ngx_http_apigw_header_values(r, jwt->header.data, jwt->header.len,
                                     ',', &value)
        != NGX_OK)
    {
        value.len = 0;
    }

    ngx_str_null(&query);

    if (conf->query != NULL) {
        if (ngx_http_apigw_query(r, ctx) != NGX_OK) {
            return NGX_ERROR;
        }

        qlen = ngx_strlen(conf->query);

        for (i = 0; i < ctx->nquery; i++) {
            if (ctx->query[i].name_len == qlen
                && ngx_strncmp(ctx->query[i].name, conf->query, qlen) == 0)
            {
                if (query.data != NULL) {
                    return NGX_ABORT;
                }

                query.data = (u_char *) ctx->query[i].value;
                query.len = ctx->query[i].value_len;
            }
        }
    }

    if (value.len == 0) {
        if (query.data == NULL) {
            return NGX_DECLINED;
        }

        *token = query;
        return query.len ? NGX_OK : NGX_ABORT;
    }

    p = value.data;
    end = p + value.len;

    if ((conf->bearer || conf->bearer_optional)
        && value.len > 7 && ngx_strncasecmp(p, (u_char *) "bearer", 6) == 0
        && (p[6] == ' ' || p[6] == '\t'))
    {
        for (p += 7; p < end && (*p == ' ' || *p == '\t'); p++) {
            /* void */
        }

    } else if (conf->bearer) {
        /* Basic credentials and the like are not this scheme's */
        return query.data ? NGX_ABORT : NGX_DECLINED;
    }

    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    /* two headers are joined with ",": a JWS has none (nor spaces, which
     * the verifier refuses) */
    if (p == end || memchr(p, ',', end - p) != NULL) {
        return NGX_ABORT;
    }

    token->data = p;
    token->len = end - p;

    if (query.data != NULL
        && (query.len != token->len
            || ngx_memcmp(query.data, token->data, token->len) != 0))
    {
        return NGX_ABORT;
    }

    return NGX_OK;
}


static ngx_http_apigw_key_check_e
ngx_http_apigw_jwt_verify(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_http_apigw_jwt_t *jwt, ngx_str_t *token, apigw_jwt_t **out)
{
    u_char                   digest[APIGW_SHA256_LEN];
    ngx_int_t                rc;
    ngx_uint_t               i;
    apigw_jwks_t            *set;
    apigw_jwt_t             *t;
    apigw_jwt_error_t        err;
    apigw_jwt_status_e       status;
    ngx_http_apigw_token_t  *slot;

    if (token->len > jwt->conf->max_len) {
        ctx->jwt_status = APIGW_JWT_TOO_LONG;
        return NGX_HTTP_APIGW_KEY_INVALID_TOKEN;
    }

    apigw_sha256(token->data, token->len, digest);
    slot = ngx_http_apigw_token_slot(jwt, digest);

    if (ngx_http_apigw_jwt_issuer(jwt, token, &i) != NGX_OK) {
        ctx->jwt_status = APIGW_JWT_BAD_ISSUER;
        return NGX_HTTP_APIGW_KEY_INVALID_TOKEN;
    }

    rc = ngx_http_apigw_jwks_keys(r, jwt->jwks[i], &set, &jwt->policies[i]);

    if (rc == NGX_AGAIN) {
        return NGX_HTTP_APIGW_KEY_WAIT;
    }

    if (rc == NGX_ERROR) {
        return NGX_HTTP_APIGW_KEY_ERROR;
    }

    if (rc != NGX_OK) {
        /* no keys: none could be fetched yet, the token cannot be told */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apigw: %s: no keys to verify tokens with",
                      jwt->scheme->name);
        ctx->authz_rc = APIGW_AUTHZ_FAILURE;
        return NGX_HTTP_APIGW_KEY_AUTHZ_REFUSED;
    }

    if (slot && slot->jwt && slot->verifier == jwt
        && slot->version == ngx_http_apigw_jwks_version(jwt->jwks[i])
        && ngx_memcmp(slot->digest, digest, APIGW_SHA256_LEN) == 0)
    {
        status = apigw_jwt_check_time(slot->jwt, &jwt->policies[i],
                                      ngx_time(), &err);

        if (status == APIGW_JWT_OK) {
            *out = slot->jwt;
            return NGX_HTTP_APIGW_KEY_OK;
        }

        apigw_jwt_free(slot->jwt);
        slot->jwt = NULL;

        ctx->jwt_status = status;
        return NGX_HTTP_APIGW_KEY_INVALID_TOKEN;
    }

    status = apigw_jwt_verify(set, &jwt->policies[i], (char *) token->data,
                              token->len, ngx_time(), &t, &err);

    if (status == APIGW_JWT_UNKNOWN_KID) {
        rc = ngx_http_apigw_jwks_unknown_kid(r, jwt->jwks[i]);

        if (rc == NGX_AGAIN) {
            return NGX_HTTP_APIGW_KEY_WAIT;
        }
    }

    if (status == APIGW_JWT_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apigw: verifying a token failed: %s", err.message);
        return NGX_HTTP_APIGW_KEY_ERROR;
    }

    if (status != APIGW_JWT_OK) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "apigw jwt: %s", err.message);
        ctx->jwt_status = status;
        return NGX_HTTP_APIGW_KEY_INVALID_TOKEN;
    }

    if (slot == NULL) {
        /* the cache is off: the token goes with the request */
        if (ngx_http_apigw_keep_token(r, t) != NGX_OK) {
            apigw_jwt_free(t);
            return NGX_HTTP_APIGW_KEY_ERROR;
        }

        *out = t;
        return NGX_HTTP_APIGW_KEY_OK;
    }

    apigw_jwt_free(slot->jwt);

    ngx_memcpy(slot->digest, digest, APIGW_SHA256_LEN);
    slot->verifier = jwt;
    slot->version = ngx_http_apigw_jwks_version(jwt->jwks[i]);
    slot->jwt = t;

    *out = t;

    return NGX_HTTP_APIGW_KEY_OK;
}


/*
 * Which issuer's keys and policy: the only one, or the one the token's
 * "iss" names (read before any signature is checked, and checked again
 * by the verifier against that issuer's policy)
 */
static ngx_int_t
ngx_http_apigw_jwt_issuer(ngx_http_apigw_jwt_t *jwt, ngx_str_t *token,
    ngx_uint_t *index)
{
    ngx_uint_t           i;
    apigw_jwt_t         *t;
    apigw_jwt_error_t    err;

    *index = 0;

    if (jwt->conf->nissuers == 1) {
        return NGX_OK;
    }

    if (apigw_jwt_parse((char *) token->data, token->len, jwt->conf->max_len,
                        &t, &err)
        != APIGW_JWT_OK)
    {
        return NGX_OK;      /* the verifier says what is wrong */
    }

    for (i = 0; i < jwt->conf->nissuers; i++) {
        if (t->iss && jwt->policies[i].issuer
            && ngx_strcmp(t->iss, jwt->policies[i].issuer) == 0)
        {
            *index = i;
            apigw_jwt_free(t);
            return NGX_OK;
        }
    }

    apigw_jwt_free(t);

    return NGX_DECLINED;
}


/* the token's place in the cache of verified tokens, or NULL: it is off */
static ngx_http_apigw_token_t *
ngx_http_apigw_token_slot(ngx_http_apigw_jwt_t *jwt, u_char *digest)
{
    uint32_t                     h;
    ngx_http_apigw_main_conf_t  *amcf;

    if (ngx_http_apigw_tokens == NULL) {
        amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                                   ngx_http_apigw_module);

        if (amcf == NULL || amcf->jwt_cache == 0) {
            return NULL;
        }

        ngx_http_apigw_ntokens = (amcf->jwt_cache == NGX_CONF_UNSET)
                                 ? NGX_HTTP_APIGW_JWT_CACHE : amcf->jwt_cache;

        ngx_http_apigw_tokens = ngx_calloc(ngx_http_apigw_ntokens
                                           * sizeof(ngx_http_apigw_token_t),
                                           ngx_cycle->log);
        if (ngx_http_apigw_tokens == NULL) {
            return NULL;
        }
    }

    ngx_memcpy(&h, digest, sizeof(uint32_t));

    return &ngx_http_apigw_tokens[h % ngx_http_apigw_ntokens];
}


/* the verified tokens the process kept: at its exit */
void
ngx_http_apigw_jwt_exit_process(void)
{
    ngx_uint_t  i;

    if (ngx_http_apigw_tokens == NULL) {
        return;
    }

    for (i = 0; i < ngx_http_apigw_ntokens; i++) {
        apigw_jwt_free(ngx_http_apigw_tokens[i].jwt);
    }

    ngx_free(ngx_http_apigw_tokens);
    ngx_http_apigw_tokens = NULL;
}


/* what a verified token gives the request: its claims, sub, headers */
static ngx_int_t
ngx_http_apigw_jwt_admit(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_http_apigw_jwt_t *jwt, apigw_jwt_t *t)
{
    size_t               len;
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    /* the cache may drop the token while the request goes on */
    cln->handler = ngx_http_apigw_claims_cleanup;
    cln->data = json_incref(t->claims);
    ctx->claims = t->claims;

    ngx_str_null(&ctx->principal);

    if (t->sub != NULL) {
        len = ngx_strlen(t->sub);
        ctx->principal.data = ngx_pnalloc(r->pool, len);

        if (ctx->principal.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(ctx->principal.data, t->sub, len);
        ctx->principal.len = len;
    }

    return ngx_http_apigw_jwt_forward(r, jwt, t);
}


static void
ngx_http_apigw_claims_cleanup(void *data)
{
    json_decref(data);
}


/* a token verified while the cache is off: freed with the request */
static ngx_int_t
ngx_http_apigw_keep_token(ngx_http_request_t *r, apigw_jwt_t *t)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = (ngx_pool_cleanup_pt) apigw_jwt_free;
    cln->data = t;

    return NGX_OK;
}


/* x-apigw-jwt forward: {claim: header}; strings as they are, else JSON */
static ngx_int_t
ngx_http_apigw_jwt_forward(ngx_http_request_t *r, ngx_http_apigw_jwt_t *jwt,
    apigw_jwt_t *t)
{
    char                 *text;
    size_t                i, len;
    json_t               *v;
    ngx_table_elt_t      *h;
    apigw_jwt_forward_t  *fw;

    for (i = 0; i < jwt->conf->nforward; i++) {
        fw = &jwt->conf->forward[i];
        v = json_object_get(t->claims, fw->claim);

        if (v == NULL) {
            continue;
        }

        h = ngx_list_push(&r->headers_in.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        len = ngx_strlen(fw->header);
        h->key.data = (u_char *) fw->header;
        h->key.len = len;
        h->lowcase_key = ngx_pnalloc(r->pool, len);

        if (h->lowcase_key == NULL) {
            return NGX_ERROR;
        }

        h->hash = ngx_hash_strlow(h->lowcase_key, h->key.data, len);

        if (json_is_string(v)) {
            text = (char *) json_string_value(v);
            len = json_string_length(v);

        } else {
            text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            if (text == NULL) {
                return NGX_ERROR;
            }

            len = ngx_strlen(text);
        }

        h->value.data = ngx_pnalloc(r->pool, len);

        if (h->value.data != NULL) {
            ngx_memcpy(h->value.data, text, len);
        }

        if (!json_is_string(v)) {
            free(text);
        }

        if (h->value.data == NULL) {
            return NGX_ERROR;
        }

        /* a header value never breaks a line */
        h->value.len = len;

        for (len = 0; len < h->value.len; len++) {
            if (h->value.data[len] < 0x20 || h->value.data[len] == 0x7f) {
                h->value.data[len] = ' ';
            }
        }
    }

    return NGX_OK;
}


static void
ngx_http_apigw_jwt_remove_header(ngx_http_request_t *r, u_char *name,
    size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, name, len) == 0)
        {
            /* the proxy module skips what has no hash */
            h[i].hash = 0;
        }
    }
}
