
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Pipeline step 2, identity: the API key an operation's security asks
 * for, checked against the keys file of apigw_keys.  A missing, unknown or
 * disabled key, or one whose plan does not cover this API stage, gets 403
 * Forbidden (INVALID_API_KEY), as on AWS.  Key values are never logged;
 * key ids are.
 */


typedef enum {
    NGX_HTTP_APIGW_KEY_OK = 0,
    NGX_HTTP_APIGW_KEY_MISSING,
    NGX_HTTP_APIGW_KEY_UNKNOWN,
    NGX_HTTP_APIGW_KEY_DISABLED,
    NGX_HTTP_APIGW_KEY_NOT_IN_PLAN,
    NGX_HTTP_APIGW_KEY_WAIT,            /* asking Redis */
    NGX_HTTP_APIGW_KEY_ERROR
} ngx_http_apigw_key_check_e;


static ngx_http_apigw_key_check_e ngx_http_apigw_check_key(
    ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_api_key_scheme_t *ks, const apigw_key_t **found);
static ngx_int_t ngx_http_apigw_key_text(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_api_key_scheme_t *ks, ngx_str_t *text);
static void ngx_http_apigw_mask_query_keys(ngx_http_request_t *r,
    apigw_operation_t *op);
static void ngx_http_apigw_keys_cleanup(void *data);


static const char  *ngx_http_apigw_key_reasons[] = {
    "", "missing", "unknown", "disabled", "not in a plan for this stage",
    "", ""
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


/* an API whose operations ask for keys needs apigw_keys */
ngx_int_t
ngx_http_apigw_check_keys(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf)
{
    size_t                 i, j, k;
    apigw_api_t           *api;
    ngx_http_apigw_api_t  *a;

    if (amcf->keys != NULL) {
        return NGX_OK;
    }

    a = amcf->apis.elts;

    for (i = 0; i < amcf->apis.nelts; i++) {
        api = a[i].api;

        for (j = 0; j < api->nops; j++) {
            for (k = 0; k < api->ops[j].nsecurity; k++) {
                if (api->ops[j].security[k].nschemes == 0) {
                    continue;
                }

                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "apigw_api \"%V\": %s asks for an API key, but "
                              "there is no apigw_keys file", &a[i].name,
                              api->ops[j].route_key);
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
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
    size_t                       i, j;
    apigw_security_t            *alt;
    apigw_operation_t           *op;
    const apigw_key_t           *key, *first;
    ngx_http_apigw_key_check_e   rc, worst;

    op = ctx->op;

    if (op->nsecurity == 0) {
        return NGX_OK;
    }

    worst = NGX_HTTP_APIGW_KEY_OK;
    first = NULL;

    for (i = 0; i < op->nsecurity; i++) {
        alt = &op->security[i];

        if (alt->nschemes == 0) {
            /* anonymous access, unless a key below is good */
            continue;
        }

        rc = NGX_HTTP_APIGW_KEY_OK;
        first = NULL;

        for (j = 0; j < alt->nschemes && rc == NGX_HTTP_APIGW_KEY_OK; j++) {
            rc = ngx_http_apigw_check_key(r, ctx, alt->schemes[j], &key);

            if (first == NULL) {
                first = key;
            }
        }

        if (rc == NGX_HTTP_APIGW_KEY_WAIT) {
            return NGX_DONE;
        }

        if (rc == NGX_HTTP_APIGW_KEY_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_HTTP_APIGW_KEY_OK) {
            ctx->key = first;
            break;
        }

        if (rc > worst) {
            worst = rc;
        }
    }

    ngx_http_apigw_mask_query_keys(r, op);

    if (ctx->key) {
        return NGX_OK;
    }

    for (i = 0; i < op->nsecurity; i++) {
        if (op->security[i].nschemes == 0) {
            return NGX_OK;
        }
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apigw: %s: API key %s%s%s", op->route_key,
                  ngx_http_apigw_key_reasons[worst],
                  first ? ", key id " : "", first ? first->id : "");

    return ngx_http_apigw_send_gateway_response(r, ctx,
                                                APIGW_GR_INVALID_API_KEY, 0);
}


static ngx_http_apigw_key_check_e
ngx_http_apigw_check_key(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_api_key_scheme_t *ks, const apigw_key_t **found)
{
    u_char                       digest[APIGW_SHA256_LEN];
    ngx_int_t                    rc;
    ngx_str_t                    text;
    const apigw_key_t           *key;
    ngx_http_apigw_loc_conf_t   *alcf;
    ngx_http_apigw_main_conf_t  *amcf;

    *found = NULL;
    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);

    if (ngx_http_apigw_key_text(r, ctx, ks, &text) != NGX_OK
        || text.len == 0)
    {
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
    apigw_api_key_scheme_t *ks, ngx_str_t *text)
{
    size_t        i, n, len;
    apigw_pair_t  cookies[APIGW_MAX_PAIRS];

    ngx_str_null(text);
    len = ks->param_len;

    switch (ks->in) {

    case APIGW_IN_QUERY:
        if (ngx_http_apigw_query(r, ctx) != NGX_OK) {
            return NGX_ERROR;
        }

        for (i = 0; i < ctx->nquery; i++) {
            if (ctx->query[i].name_len == len
                && ngx_strncmp(ctx->query[i].name, ks->param, len) == 0)
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
                && ngx_strncmp(cookies[i].name, ks->param, len) == 0)
            {
                text->data = (u_char *) cookies[i].value;
                text->len = cookies[i].value_len;
                return NGX_OK;
            }
        }

        return NGX_DECLINED;

    default:
        return ngx_http_apigw_header_values(r, (u_char *) ks->param, len,
                                            ',', text);
    }
}


/*
 * a key in the query string is overwritten with '*' in the request line,
 * which $request, $args, the error log's "request:" and the backend read:
 * none of them sees it
 */
static void
ngx_http_apigw_mask_query_keys(ngx_http_request_t *r, apigw_operation_t *op)
{
    u_char                  *p, *end, *name;
    size_t                   i, j, len;
    apigw_api_key_scheme_t  *ks;

    for (i = 0; i < op->nsecurity; i++) {
        for (j = 0; j < op->security[i].nschemes; j++) {
            ks = op->security[i].schemes[j];

            if (ks->in != APIGW_IN_QUERY) {
                continue;
            }

            len = ks->param_len;
            end = r->args.data + r->args.len;

            for (p = r->args.data; p < end; p++) {
                name = p;

                while (p < end && *p != '&' && *p != '=') {
                    p++;
                }

                if (p == end || *p != '=' || (size_t) (p - name) != len
                    || ngx_strncmp(name, ks->param, len) != 0)
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
