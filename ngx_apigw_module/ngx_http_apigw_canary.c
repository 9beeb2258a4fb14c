
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Canary releases.  A stage's location may name a canary: another
 * deployment (an apigw_api document, or the stage's own) with stage
 * variables of its own, taking a share of the stage's requests.  The
 * canary is a location configuration of its own, made from the stage's
 * when the location is merged and checked as the stage's is; a request
 * picks one of the two when its context is made, and every step after
 * that sees only the one it picked.
 *
 * A request goes to the canary at random, as AWS assigns it, or by the
 * hash of a key (sticky=): a key in the bottom share of the hash space
 * goes to the canary, so a key stays where it is while the share holds,
 * and raising the share only moves keys onto the canary.  A trusted
 * client may force either release with a header.
 *
 * The key is made when the request's context is, before any step has
 * run: of the module's variables it may only use those known then
 * (nginx -t refuses the others).  $apigw_api_key_id is the id of the API
 * key the caller presents, looked up as the identity step will look it
 * up; when only Redis can say, the pipeline's first step asks it, and the
 * request keeps the stage's release until then.
 */


#define NGX_HTTP_APIGW_CANARY_SCALE  1000000     /* shares: of a million */


struct ngx_http_apigw_canary_s {
    ngx_str_t                   name;           /* the canary's apigw_api */
    ngx_uint_t                  share;          /* of a million requests */
    ngx_http_complex_value_t   *sticky;         /* the key, or NULL */
    ngx_uint_t                  sticky_key_id;  /* it has $apigw_api_key_id */
    ngx_str_t                   header;         /* forces a release */
    ngx_array_t                *stage_vars;     /* ngx_keyval_t: overrides
                                                   and additions */
    ngx_str_t                   conf_file;
    ngx_uint_t                  conf_line;
    unsigned                    use_stage_cache:1;  /* AWS's useStageCache */
};


static ngx_int_t ngx_http_apigw_canary_assign(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_uint_t wait);
static ngx_int_t ngx_http_apigw_canary_forced(ngx_http_request_t *r,
    ngx_http_apigw_loc_conf_t *alcf, ngx_uint_t *canary);
static char *ngx_http_apigw_canary_sticky(ngx_conf_t *cf,
    ngx_http_apigw_canary_t *cs, ngx_str_t *value);
static ngx_int_t ngx_http_apigw_canary_share(ngx_str_t *value,
    ngx_uint_t *share);
static ngx_http_apigw_canary_t *ngx_http_apigw_canary_get(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);


/*
 * The release a new request of the location runs with: ctx->alcf, the
 * location's, becomes its canary's when the request goes there
 */
void
ngx_http_apigw_canary_pick(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    ngx_uint_t                  canary;
    ngx_http_apigw_canary_t    *cs;
    ngx_http_apigw_loc_conf_t  *alcf;

    alcf = ctx->alcf;

    if (alcf->canary == NULL) {
        return;
    }

    cs = alcf->canary_settings;

    if (cs->header.len
        && ngx_http_apigw_canary_forced(r, alcf, &canary) == NGX_OK)
    {
        if (canary) {
            ctx->alcf = alcf->canary;
        }

        return;
    }

    if (cs->share == 0) {
        return;
    }

    if (cs->share >= NGX_HTTP_APIGW_CANARY_SCALE) {
        ctx->alcf = alcf->canary;
        return;
    }

    if (ngx_http_apigw_canary_assign(r, ctx, 0) == NGX_DECLINED) {
        /* the caller's key is for Redis to say: the first step asks */
        ctx->canary_pending = 1;
    }
}


/*
 * The pipeline's first step: a release that waits for a key in Redis is
 * picked once Redis has answered (or could not)
 */
ngx_int_t
ngx_http_apigw_canary_step(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    if (!ctx->canary_pending) {
        return NGX_OK;
    }

    if (ngx_http_apigw_canary_assign(r, ctx, 1) == NGX_AGAIN) {
        return NGX_DONE;
    }

    ctx->canary_pending = 0;

    /* the identity step may ask Redis for a key of its own */
    ctx->keystore_asked = 0;

    return NGX_OK;
}


/*
 * By the hash of the sticky key, or at random when there is none or it is
 * empty.  NGX_DECLINED: the key needs a caller's key that only Redis
 * knows, and wait is 0; NGX_AGAIN: Redis is asked
 */
static ngx_int_t
ngx_http_apigw_canary_assign(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_uint_t wait)
{
    uint32_t                  hash;
    ngx_int_t                 rc;
    ngx_str_t                 key;
    ngx_uint_t                bucket;
    ngx_http_apigw_canary_t  *cs;

    cs = ctx->alcf->canary_settings;
    ngx_str_null(&key);

    if (cs->sticky_key_id) {
        rc = ngx_http_apigw_identity_key(r, ctx, wait, &ctx->canary_key);

        if (rc == NGX_DECLINED || rc == NGX_AGAIN) {
            return rc;
        }

        /* NGX_ERROR: no key, as when none is presented */
    }

    if (cs->sticky
        && ngx_http_complex_value(r, cs->sticky, &key) == NGX_OK
        && key.len)
    {
        hash = ngx_murmur_hash2(key.data, key.len);
        bucket = hash % NGX_HTTP_APIGW_CANARY_SCALE;

    } else {
        bucket = ngx_http_apigw_random(r) % NGX_HTTP_APIGW_CANARY_SCALE;
    }

    ctx->canary_key = NULL;

    if (bucket < cs->share) {
        ctx->alcf = ctx->alcf->canary;
    }

    return NGX_OK;
}


/*
 * the header that forces a release, from a trusted address: "true" picks
 * the canary, "false" the stage's own deployment; NGX_DECLINED when it is
 * absent, untrusted or neither
 */
static ngx_int_t
ngx_http_apigw_canary_forced(ngx_http_request_t *r,
    ngx_http_apigw_loc_conf_t *alcf, ngx_uint_t *canary)
{
    ngx_str_t                *name;
    ngx_uint_t                i;
    ngx_list_part_t          *part;
    ngx_table_elt_t          *h;

    name = &alcf->canary_settings->header;
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NGX_DECLINED;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == name->len
            && ngx_strncasecmp(h[i].key.data, name->data, name->len) == 0)
        {
            break;
        }
    }

    if (alcf->canary_trusted == NULL
        || ngx_cidr_match(r->connection->sockaddr, alcf->canary_trusted)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apigw: \"%V\" ignored: %V is not in "
                      "apigw_canary_trust", name, &r->connection->addr_text);
        return NGX_DECLINED;
    }

    if (h[i].value.len == 4
        && ngx_strncasecmp(h[i].value.data, (u_char *) "true", 4) == 0)
    {
        *canary = 1;
        return NGX_OK;
    }

    if (h[i].value.len == 5
        && ngx_strncasecmp(h[i].value.data, (u_char *) "false", 5) == 0)
    {
        *canary = 0;
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/*
 * "apigw_canary NAME percent=P [sticky=KEY] [header=NAME]
 * [use_stage_cache]"
 */
char *
ngx_http_apigw_canary_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    u_char                              c;
    ngx_str_t                          *value, s;
    ngx_uint_t                          i, j, percent;
    ngx_http_apigw_canary_t            *cs;
    ngx_http_apigw_main_conf_t         *amcf;
    ngx_http_compile_complex_value_t    ccv;

    cs = ngx_http_apigw_canary_get(cf, alcf);
    if (cs == NULL) {
        return NGX_CONF_ERROR;
    }

    if (cs->name.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    cs->name = value[1];
    cs->conf_file = cf->conf_file->file.name;
    cs->conf_line = cf->conf_file->line;
    percent = 0;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "percent=", 8) == 0) {
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            if (ngx_http_apigw_canary_share(&s, &cs->share) != NGX_OK) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid percent \"%V\": a number from "
                                   "0 to 100, with at most 4 decimals", &s);
                return NGX_CONF_ERROR;
            }

            percent = 1;
            continue;
        }

        if (ngx_strncmp(value[i].data, "sticky=", 7) == 0) {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            if (s.len == 0) {
                goto invalid;
            }

            cs->sticky = ngx_palloc(cf->pool,
                                    sizeof(ngx_http_complex_value_t));
            if (cs->sticky == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &s;
            ccv.complex_value = cs->sticky;

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK
                || ngx_http_apigw_canary_sticky(cf, cs, &s) != NGX_CONF_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (value[i].len == sizeof("use_stage_cache") - 1
            && ngx_strncmp(value[i].data, "use_stage_cache",
                           sizeof("use_stage_cache") - 1) == 0)
        {
            cs->use_stage_cache = 1;
            continue;
        }

        if (ngx_strncmp(value[i].data, "header=", 7) == 0) {
            cs->header.data = value[i].data + 7;
            cs->header.len = value[i].len - 7;

            for (j = 0; j < cs->header.len; j++) {
                c = cs->header.data[j];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                      || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                {
                    break;
                }
            }

            if (cs->header.len == 0 || j < cs->header.len) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    if (!percent) {
        return "needs percent=";
    }

    /* "apigw" came first and set no proxy_method: the canary may need it */

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);

    if (alcf->api_name.data && !alcf->proxy_method
        && ngx_http_apigw_changes_method(amcf, &cs->name))
    {
        alcf->proxy_method = 1;
        return ngx_http_apigw_proxy_method_conf(cf);
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);

    return NGX_CONF_ERROR;
}


/*
 * The variables of a sticky key, as nginx's scripts name them ($name,
 * ${name}): the module's must be known when the release is picked
 */
static char *
ngx_http_apigw_canary_sticky(ngx_conf_t *cf, ngx_http_apigw_canary_t *cs,
    ngx_str_t *value)
{
    u_char      *p, *last, *start;
    ngx_str_t    name;
    const char  *why;

    p = value->data;
    last = p + value->len;

    while (p < last) {
        if (*p++ != '$' || p == last) {
            continue;
        }

        if (*p == '{') {
            start = ++p;

            while (p < last && *p != '}') {
                p++;
            }

        } else {
            start = p;

            while (p < last
                   && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                       || (*p >= '0' && *p <= '9') || *p == '_'))
            {
                p++;
            }
        }

        name.data = start;
        name.len = p - start;

        if (ngx_http_apigw_variable_sticky(&name, &cs->sticky_key_id, &why)
            != NGX_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "apigw_canary: sticky=%V cannot choose a "
                               "release: $%V %s; a sticky key may use "
                               "$apigw_api_key_id, $apigw_source_ip, "
                               "cookies and headers", value, &name, why);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/* "apigw_canary_stage_variable NAME VALUE": the canary's value */
char *
ngx_http_apigw_canary_stage_variable_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    ngx_str_t                *value;
    ngx_http_apigw_canary_t  *cs;

    cs = ngx_http_apigw_canary_get(cf, alcf);
    if (cs == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    return ngx_http_apigw_stage_variable_add(cf, &cs->stage_vars, &value[1],
                                             &value[2]);
}


/* "apigw_canary_trust ADDRESS[/PREFIX] ...": who may force a release */
char *
ngx_http_apigw_canary_trust_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    ngx_int_t    rc;
    ngx_str_t   *value;
    ngx_uint_t   i;
    ngx_cidr_t  *cidr;

    if (alcf->canary_trusted != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    alcf->canary_trusted = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                            sizeof(ngx_cidr_t));
    if (alcf->canary_trusted == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        cidr = ngx_array_push(alcf->canary_trusted);
        if (cidr == NULL) {
            return NGX_CONF_ERROR;
        }

        rc = ngx_ptocidr(&value[i], cidr);

        if (rc == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid address \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (rc == NGX_DONE) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "low address bits of %V are meaningless",
                               &value[i]);
        }
    }

    return NGX_CONF_OK;
}


/* "12.5" percent: 125,000 of a million */
static ngx_int_t
ngx_http_apigw_canary_share(ngx_str_t *value, ngx_uint_t *share)
{
    u_char      *p, *last;
    ngx_uint_t   n, decimals, digits;

    p = value->data;
    last = p + value->len;
    n = 0;
    digits = 0;

    while (p < last && *p >= '0' && *p <= '9' && digits < 3) {
        n = n * 10 + (*p++ - '0');
        digits++;
    }

    if (digits == 0) {
        return NGX_ERROR;
    }

    decimals = 0;

    if (p < last && *p == '.') {
        p++;

        while (p < last && *p >= '0' && *p <= '9' && decimals < 4) {
            n = n * 10 + (*p++ - '0');
            decimals++;
        }

        if (decimals == 0) {
            return NGX_ERROR;
        }
    }

    if (p != last) {
        return NGX_ERROR;
    }

    while (decimals++ < 4) {
        n *= 10;
    }

    if (n > NGX_HTTP_APIGW_CANARY_SCALE) {
        return NGX_ERROR;
    }

    *share = n;

    return NGX_OK;
}


static ngx_http_apigw_canary_t *
ngx_http_apigw_canary_get(ngx_conf_t *cf, ngx_http_apigw_loc_conf_t *alcf)
{
    if (alcf->canary_settings == NULL) {
        alcf->canary_settings = ngx_pcalloc(cf->pool,
                                            sizeof(ngx_http_apigw_canary_t));
    }

    return alcf->canary_settings;
}


/*
 * The stage variables a canary sees: the stage's, its own replacing
 * those of the same name, and its additions
 */
ngx_array_t *
ngx_http_apigw_canary_stage_vars(ngx_conf_t *cf, ngx_array_t *stage,
    ngx_http_apigw_canary_t *cs)
{
    ngx_uint_t     i, j, n;
    ngx_array_t   *vars;
    ngx_keyval_t  *kv, *over, *v;

    if (cs->stage_vars == NULL) {
        return stage;
    }

    n = (stage ? stage->nelts : 0) + cs->stage_vars->nelts;

    vars = ngx_array_create(cf->pool, n, sizeof(ngx_keyval_t));
    if (vars == NULL) {
        return NULL;
    }

    over = cs->stage_vars->elts;

    if (stage) {
        kv = stage->elts;

        for (i = 0; i < stage->nelts; i++) {
            for (j = 0; j < cs->stage_vars->nelts; j++) {
                if (kv[i].key.len == over[j].key.len
                    && ngx_strncmp(kv[i].key.data, over[j].key.data,
                                   kv[i].key.len)
                       == 0)
                {
                    break;
                }
            }

            if (j == cs->stage_vars->nelts) {
                v = ngx_array_push(vars);
                if (v == NULL) {
                    return NULL;
                }

                *v = kv[i];
            }
        }
    }

    for (j = 0; j < cs->stage_vars->nelts; j++) {
        v = ngx_array_push(vars);
        if (v == NULL) {
            return NULL;
        }

        *v = over[j];
    }

    if (vars->nelts > NGX_HTTP_APIGW_MAX_STAGE_VARS) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw_canary: the canary has more than %d stage "
                      "variables in %V:%ui", NGX_HTTP_APIGW_MAX_STAGE_VARS,
                      &cs->conf_file, cs->conf_line);
        return NULL;
    }

    return vars;
}


/* the canary's apigw_api name, for the backend module; NULL: none */
ngx_str_t *
ngx_http_apigw_canary_name(ngx_http_apigw_loc_conf_t *alcf)
{
    if (alcf->canary_settings == NULL || alcf->canary_settings->name.data
                                         == NULL)
    {
        return NULL;
    }

    return &alcf->canary_settings->name;
}


/*
 * When the stage's location is merged: the canary's configuration, the
 * stage's with the canary's deployment and stage variables, checked as
 * the stage's was
 */
ngx_int_t
ngx_http_apigw_canary_merge(ngx_conf_t *cf, ngx_http_apigw_loc_conf_t *alcf)
{
    const char                  *why;
    ngx_http_apigw_canary_t     *cs;
    ngx_http_apigw_loc_conf_t   *c;
    ngx_http_apigw_main_conf_t  *amcf;

    cs = alcf->canary_settings;

    if (cs == NULL) {
        return NGX_OK;
    }

    if (cs->name.data == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw_canary_stage_variable without apigw_canary in "
                      "%V:%ui", &alcf->conf_file, alcf->conf_line);
        return NGX_ERROR;
    }

    if (cs->header.len && alcf->canary_trusted == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw_canary header=%V needs apigw_canary_trust: "
                      "the addresses that may force a release, in %V:%ui",
                      &cs->header, &cs->conf_file, cs->conf_line);
        return NGX_ERROR;
    }

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);

    if (cs->sticky_key_id) {
        why = ngx_http_apigw_identity_key_unknown(amcf, alcf);

        if (why) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "apigw_canary: a sticky key with "
                          "$apigw_api_key_id needs the caller's key, but "
                          "API \"%V\" %s, in %V:%ui", &alcf->api_name,
                          why, &cs->conf_file, cs->conf_line);
            return NGX_ERROR;
        }
    }

    c = ngx_palloc(cf->pool, sizeof(ngx_http_apigw_loc_conf_t));
    if (c == NULL) {
        return NGX_ERROR;
    }

    *c = *alcf;

    c->api = ngx_http_apigw_find_api(amcf, &cs->name);

    if (c->api == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw_canary: no API named \"%V\" (declare it with "
                      "apigw_api in the http block) in %V:%ui", &cs->name,
                      &cs->conf_file, cs->conf_line);
        return NGX_ERROR;
    }

    c->stage_vars = ngx_http_apigw_canary_stage_vars(cf, alcf->stage_vars,
                                                     cs);
    if (cs->stage_vars && c->stage_vars == NULL) {
        return NGX_ERROR;
    }

    c->canary = NULL;
    c->canary_of = alcf;
    c->cache_shared_canary = cs->use_stage_cache;
    c->canary_settings = NULL;
    c->jwt = NULL;

    if (ngx_http_apigw_check_stage(cf, c) != NGX_OK) {
        return NGX_ERROR;
    }

    alcf->canary = c;

    return NGX_OK;
}
