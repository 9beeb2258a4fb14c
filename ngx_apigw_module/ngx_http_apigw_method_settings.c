
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * apigw_method_settings: a stage's settings for some of its operations,
 * AWS's stage methodSettings.  The directive keeps its entries; once the
 * location is merged, every operation's settings are resolved from them,
 * the spec's extensions and the stage-wide directives into the stage's
 * table (ngx_http_apigw_op_settings_t), which the steps read through
 * ctx->settings: no request looks at a key.  A canary has a table of its
 * own, made from its document with the same entries.
 */


typedef struct {
    ngx_str_t                   key;        /* as written */
    ngx_str_t                   conf_file;
    ngx_uint_t                  conf_line;
} ngx_http_apigw_method_where_t;


static void ngx_http_apigw_op_settings_resolve(
    ngx_http_apigw_loc_conf_t *alcf, apigw_operation_t *op,
    apigw_method_settings_t *m, ngx_http_apigw_op_settings_t *s);
static ngx_uint_t ngx_http_apigw_method_key_used(apigw_method_entry_t *e,
    ngx_http_apigw_api_t *api);


/* apigw_log_level_e to nginx's */
static ngx_uint_t  ngx_http_apigw_log_levels[] = {
    0, NGX_LOG_EMERG, NGX_LOG_ALERT, NGX_LOG_CRIT, NGX_LOG_ERR, NGX_LOG_WARN,
    NGX_LOG_NOTICE, NGX_LOG_INFO
};


/* apigw_method_settings KEY NAME=VALUE ... */
char *
ngx_http_apigw_method_settings_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    char                            why[256];
    u_char                         *path;
    ngx_str_t                      *value;
    ngx_uint_t                      i;
    const char                     *reason;
    apigw_method_entry_t           *e, *entries;
    ngx_http_apigw_method_where_t  *where, *other;

    value = cf->args->elts;

    if (alcf->method_settings == NGX_CONF_UNSET_PTR) {
        alcf->method_settings = ngx_array_create(cf->pool, 4,
                                                 sizeof(apigw_method_entry_t));
        if (alcf->method_settings == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    path = ngx_pnalloc(cf->pool, value[1].len + 2);
    where = ngx_palloc(cf->pool, sizeof(ngx_http_apigw_method_where_t));
    e = ngx_array_push(alcf->method_settings);

    if (path == NULL || where == NULL || e == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(e, sizeof(apigw_method_entry_t));

    if (apigw_method_key_parse((char *) value[1].data, value[1].len,
                               (char *) path, &e->key, &reason)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_method_settings: invalid key \"%V\": %s",
                           &value[1], reason);
        return NGX_CONF_ERROR;
    }

    entries = alcf->method_settings->elts;

    for (i = 0; i + 1 < alcf->method_settings->nelts; i++) {
        if (apigw_method_key_equal(&entries[i].key, &e->key)) {
            other = entries[i].data;
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "apigw_method_settings \"%V\" names the "
                               "operations of \"%V\" in %V:%ui again",
                               &value[1], &other->key, &other->conf_file,
                               other->conf_line);
            return NGX_CONF_ERROR;
        }
    }

    apigw_method_settings_init(&e->settings);

    for (i = 2; i < cf->args->nelts; i++) {
        if (apigw_method_setting_parse(&e->settings, (char *) value[i].data,
                                       value[i].len, why, sizeof(why))
            != 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "apigw_method_settings \"%V\": invalid "
                               "\"%V\": %s", &value[1], &value[i], why);
            return NGX_CONF_ERROR;
        }
    }

    where->key = value[1];
    where->conf_file = cf->conf_file->file.name;
    where->conf_line = cf->conf_file->line;
    e->data = where;

    return NGX_CONF_OK;
}


/*
 * A stage's (or canary's) table, from its document: the stage caches
 * when apigw_cache is on or a method setting turns a cache on, so that
 * the canary, which shares the entries, has the zone and the generation
 */
ngx_int_t
ngx_http_apigw_op_settings_init(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf)
{
    size_t                    i, n;
    apigw_api_t              *api;
    apigw_method_entry_t     *entries;
    apigw_method_settings_t   m;

    api = alcf->api->api;
    entries = alcf->method_settings ? alcf->method_settings->elts : NULL;
    n = alcf->method_settings ? alcf->method_settings->nelts : 0;

    alcf->op_settings = ngx_palloc(cf->pool, api->nops
                                        * sizeof(ngx_http_apigw_op_settings_t));
    if (alcf->op_settings == NULL) {
        return NGX_ERROR;
    }

    alcf->caching = alcf->cache;

    for (i = 0; i < n; i++) {
        if (entries[i].settings.cache == 1) {
            alcf->caching = 1;
        }
    }

    for (i = 0; i < api->nops; i++) {
        apigw_method_settings_resolve(entries, n, &api->ops[i], &m);
        ngx_http_apigw_op_settings_resolve(alcf, &api->ops[i], &m,
                                           &alcf->op_settings[i]);
    }

    return NGX_OK;
}


/*
 * Each setting from the most specific method setting that gives it, else
 * as without them: the operation's x-apigw-throttle and x-apigw-cache
 * over apigw_cache_ttl and the other cache directives, and
 * apigw_validation_details over the spec's x-apigw-validation
 */
static void
ngx_http_apigw_op_settings_resolve(ngx_http_apigw_loc_conf_t *alcf,
    apigw_operation_t *op, apigw_method_settings_t *m,
    ngx_http_apigw_op_settings_t *s)
{
    apigw_cache_conf_t  *cc;

    cc = &op->cache;

    ngx_memzero(s, sizeof(ngx_http_apigw_op_settings_t));

    if (m->throttle == APIGW_SETTING_UNSET) {
        s->throttle = op->throttle;

    } else if (m->throttle) {
        s->throttle = m->limits;
    }

    if (m->cache_ttl != APIGW_SETTING_UNSET) {
        s->cache_ttl = m->cache_ttl;

    } else {
        s->cache_ttl = (cc->ttl != -1) ? cc->ttl : alcf->cache_ttl;
    }

    if (m->cache == 0 || (m->cache == APIGW_SETTING_UNSET && !alcf->cache)
        || s->cache_ttl == 0)
    {
        s->cache = NGX_HTTP_APIGW_CACHED_NEVER;

    } else if (m->cache == 1 && m->cache_method_named) {
        /* AWS's method override: whatever the method */
        s->cache = NGX_HTTP_APIGW_CACHED_ALWAYS;

    } else {
        s->cache = (cc->enabled == 1) ? NGX_HTTP_APIGW_CACHED_ALWAYS
                   : (cc->enabled == 0) ? NGX_HTTP_APIGW_CACHED_NEVER
                   : NGX_HTTP_APIGW_CACHED_READS;
    }

    if (m->cache_require_authorization != APIGW_SETTING_UNSET) {
        s->cache_authorization = m->cache_require_authorization;

    } else {
        s->cache_authorization = (cc->require_authorization != -1)
                                 ? cc->require_authorization
                                 : alcf->cache_authorization;
    }

    if (m->cache_unauthorized != APIGW_SETTING_UNSET) {
        s->cache_unauthorized = m->cache_unauthorized;

    } else {
        s->cache_unauthorized = (cc->unauthorized
                                 != APIGW_CACHE_UNAUTHORIZED_UNSET)
                                ? (ngx_uint_t) cc->unauthorized
                                : alcf->cache_unauthorized;
    }

    if (m->log_level != APIGW_SETTING_UNSET) {
        s->log_level = ngx_http_apigw_log_levels[m->log_level];
    }

    s->metrics = (m->metrics != APIGW_SETTING_UNSET) ? m->metrics
                                                     : alcf->metrics;

    if (m->validation_details != APIGW_SETTING_UNSET) {
        s->validation_details = m->validation_details;

    } else {
        s->validation_details = (alcf->validation_details != NGX_CONF_UNSET)
                                ? alcf->validation_details
                                : op->error_details;
    }
}


/*
 * Every key names an operation of the stage's document or of its
 * canary's: a canary may add or drop one before it is promoted
 */
ngx_int_t
ngx_http_apigw_method_settings_check(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf)
{
    ngx_str_t                      *canary;
    ngx_uint_t                      i;
    apigw_method_entry_t           *e;
    ngx_http_apigw_method_where_t  *where;

    static ngx_str_t  no_canary = ngx_null_string;

    if (alcf->method_settings == NULL) {
        return NGX_OK;
    }

    e = alcf->method_settings->elts;

    for (i = 0; i < alcf->method_settings->nelts; i++) {
        if (ngx_http_apigw_method_key_used(&e[i], alcf->api)
            || (alcf->canary
                && ngx_http_apigw_method_key_used(&e[i], alcf->canary->api)))
        {
            continue;
        }

        where = e[i].data;
        canary = alcf->canary ? &alcf->canary->api->name : &no_canary;

        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw_method_settings \"%V\": no operation of "
                      "apigw_api \"%V\"%s%V%s has that method and path (a "
                      "path as the spec writes it, parameter names "
                      "included) in %V:%ui", &where->key, &alcf->api->name,
                      alcf->canary ? " nor of its canary \"" : "", canary,
                      alcf->canary ? "\"" : "", &where->conf_file,
                      where->conf_line);

        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a location's own apigw_method_settings, where no "apigw" serves a stage */
char *
ngx_http_apigw_method_settings_unused(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *conf, ngx_http_apigw_loc_conf_t *prev)
{
    apigw_method_entry_t           *e;
    ngx_http_apigw_method_where_t  *where;

    if (conf->method_settings == NULL
        || conf->method_settings == prev->method_settings)
    {
        return NGX_CONF_OK;
    }

    e = conf->method_settings->elts;
    where = e[0].data;

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "apigw_method_settings \"%V\" in a location without "
                  "\"apigw\" in %V:%ui", &where->key, &where->conf_file,
                  where->conf_line);

    return NGX_CONF_ERROR;
}


static ngx_uint_t
ngx_http_apigw_method_key_used(apigw_method_entry_t *e,
    ngx_http_apigw_api_t *api)
{
    size_t  i;

    if (e->key.path == NULL) {
        return 1;
    }

    for (i = 0; i < api->api->nops; i++) {
        if (apigw_method_key_rank(&e->key, &api->api->ops[i]) >= 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * An operation's log_level, for what its request logs from here on: the
 * request's connection log is the location's error_log, set anew for
 * every request and subrequest, so each step that resumes sets it again
 */
void
ngx_http_apigw_op_log_level(ngx_http_request_t *r, ngx_uint_t level)
{
    ngx_log_t  *log;

    log = r->connection->log;

    if (!(log->log_level & NGX_LOG_DEBUG_CONNECTION)) {
        log->log_level = level;
    }
}
