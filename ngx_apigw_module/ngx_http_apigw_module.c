
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


static ngx_int_t ngx_http_apigw_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_apigw_log_warnings(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf);
static ngx_int_t ngx_http_apigw_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_apigw_init_process(ngx_cycle_t *cycle);
static void ngx_http_apigw_exit_process(ngx_cycle_t *cycle);
static void *ngx_http_apigw_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_apigw_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_apigw_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_apigw_check_integrations(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf);
static void ngx_http_apigw_api_cleanup(void *data);
static char *ngx_http_apigw_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_apigw(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_apigw_stage_variable_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_apigw_backend(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_apigw_security_delegate(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_conf_num_bounds_t  ngx_http_apigw_json_max_depth_bounds = {
    ngx_conf_check_num_bounds, 1, 1000
};


static ngx_conf_enum_t  ngx_http_apigw_response_validation_modes[] = {
    { ngx_string("off"), NGX_HTTP_APIGW_RESPONSE_VALIDATION_OFF },
    { ngx_string("report"), NGX_HTTP_APIGW_RESPONSE_VALIDATION_REPORT },
    { ngx_string("enforce"), NGX_HTTP_APIGW_RESPONSE_VALIDATION_ENFORCE },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_apigw_cache_strategies[] = {
    { ngx_string("FAIL_WITH_403"), APIGW_CACHE_FAIL_WITH_403 },
    { ngx_string("SUCCEED_WITH_RESPONSE_HEADER"),
      APIGW_CACHE_SUCCEED_WITH_RESPONSE_HEADER },
    { ngx_string("SUCCEED_WITHOUT_RESPONSE_HEADER"),
      APIGW_CACHE_SUCCEED_WITHOUT_RESPONSE_HEADER },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_apigw_commands[] = {

    { ngx_string("apigw_api"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_apigw_api,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_keys"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_apigw_keys_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_apigw_redis_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_strict"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_apigw_main_conf_t, strict),
      NULL },

    { ngx_string("apigw_zone_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_apigw_main_conf_t, zone_size),
      NULL },

    { ngx_string("apigw_authorizer_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_apigw_main_conf_t, authorizer_cache_size),
      NULL },

    { ngx_string("apigw_metrics_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_apigw_metrics_zone_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_metrics"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, metrics),
      NULL },

    { ngx_string("apigw_prometheus"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_apigw_prometheus_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_functions"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apigw_functions_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_throttle"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_apigw_throttle_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_method_settings"),
      NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_apigw_method_settings_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apigw,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_export"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_apigw_export_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_docs"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
      ngx_http_apigw_docs_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_stage_variable"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_apigw_stage_variable_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_canary"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apigw_canary_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_canary_stage_variable"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_apigw_canary_stage_variable_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_canary_trust"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apigw_canary_trust_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_security_delegate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apigw_security_delegate,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_jwt"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_apigw_jwt_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_jwt_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_apigw_jwt_cache_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_backend"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apigw_backend,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apigw_body_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_off_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, body_limit),
      NULL },

    { ngx_string("apigw_json_max_depth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, json_max_depth),
      &ngx_http_apigw_json_max_depth_bounds },

    { ngx_string("apigw_validation_details"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, validation_details),
      NULL },

    { ngx_string("apigw_response_validation"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, response_validation),
      &ngx_http_apigw_response_validation_modes },

    { ngx_string("apigw_cache_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_apigw_main_conf_t, cache_zone_size),
      NULL },

    { ngx_string("apigw_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, cache),
      NULL },

    { ngx_string("apigw_cache_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, cache_ttl),
      NULL },

    { ngx_string("apigw_cache_max_entry"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, cache_max_entry),
      NULL },

    { ngx_string("apigw_cache_require_authorization"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, cache_authorization),
      NULL },

    { ngx_string("apigw_cache_unauthorized_strategy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, cache_unauthorized),
      &ngx_http_apigw_cache_strategies },

    { ngx_string("apigw_cache_invalidation_scope"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apigw_loc_conf_t, cache_scope),
      NULL },

    { ngx_string("apigw_cache_flush"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apigw_cache_flush_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_apigw_module_ctx = {
    ngx_http_apigw_preconfiguration,       /* preconfiguration */
    ngx_http_apigw_init,                   /* postconfiguration */

    ngx_http_apigw_create_main_conf,       /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_apigw_create_loc_conf,        /* create location configuration */
    ngx_http_apigw_merge_loc_conf          /* merge location configuration */
};


ngx_module_t  ngx_http_apigw_module = {
    NGX_MODULE_V1,
    &ngx_http_apigw_module_ctx,            /* module context */
    ngx_http_apigw_commands,               /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_apigw_init_process,           /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_apigw_exit_process,           /* exit process */
    ngx_http_apigw_exit_process,           /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_apigw_preconfiguration(ngx_conf_t *cf)
{
    /* before any spec is loaded: jansson's allocator for the process */
    apigw_json_use_arenas();

    return ngx_http_apigw_add_variables(cf);
}


static ngx_int_t
ngx_http_apigw_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt         *h;
    ngx_http_core_main_conf_t   *cmcf;
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);

    if (ngx_http_apigw_log_warnings(cf, amcf) != NGX_OK
        || ngx_http_apigw_zone_add(cf, amcf) != NGX_OK
        || ngx_http_apigw_authorizer_cache_add(cf, amcf) != NGX_OK
        || ngx_http_apigw_metrics_init(cf, amcf) != NGX_OK
        || ngx_http_apigw_export_init(cf, amcf) != NGX_OK
        || ngx_http_apigw_cache_init(cf, amcf) != NGX_OK
        || ngx_http_apigw_cache_redis_init(cf, amcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_apigw_handler;

    return ngx_http_apigw_filter_init(cf);
}


/*
 * What loaded with a problem confined to one operation or keyword: a
 * warning each, or, with apigw_strict on, errors that fail the load.
 * Logged once all of the http block is read, so that apigw_strict may
 * stand anywhere in it.
 */
static ngx_int_t
ngx_http_apigw_log_warnings(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf)
{
    ngx_uint_t             i, j, level, n;
    apigw_warnings_t      *w;
    ngx_http_apigw_api_t  *api;

    if (amcf->strict == NGX_CONF_UNSET) {
        amcf->strict = 0;
    }

    level = amcf->strict ? NGX_LOG_EMERG : NGX_LOG_WARN;
    api = amcf->apis.elts;
    n = 0;

    for (i = 0; i < amcf->apis.nelts; i++) {
        w = &api[i].api->warnings;

        for (j = 0; j < w->n; j++) {
            ngx_log_error(level, cf->log, 0, "apigw_api \"%V\": %s in %V:%ui",
                          &api[i].name, w->messages[j], &api[i].conf_file,
                          api[i].conf_line);
        }

        n += w->n;
    }

    if (amcf->strict && n) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw_strict is on: %ui problem%s confined to an "
                      "operation or a keyword fail%s the load", n,
                      n == 1 ? "" : "s", n == 1 ? "s" : "");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* each worker seeds its own request id generator and connects to Redis */
static ngx_int_t
ngx_http_apigw_init_process(ngx_cycle_t *cycle)
{
    uint64_t                     seed[2];
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_apigw_module);

    if (amcf == NULL) {
        return NGX_OK;
    }

#if (NGX_OPENSSL)
    if (RAND_bytes((u_char *) seed, sizeof(seed)) != 1)
#endif
    {
        seed[0] = ((uint64_t) ngx_random() << 32) ^ ngx_random()
                  ^ (uint64_t) ngx_pid;
        seed[1] = ((uint64_t) ngx_random() << 32) ^ ngx_random()
                  ^ (uint64_t) ngx_time();
    }

    amcf->rng[0] = seed[0] | 1;
    amcf->rng[1] = seed[1];

    ngx_http_apigw_metrics_init_process(cycle, amcf);

    if (ngx_http_apigw_redis_init_process(cycle, amcf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_apigw_cache_redis_init_process(cycle, amcf);
}


/*
 * the digest of API keys kept for the process, freed before nginx unloads
 * the module (a leak to LeakSanitizer otherwise), and so are the Redis
 * connections
 */
static void
ngx_http_apigw_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_apigw_cache_redis_exit_process(cycle);
    ngx_http_apigw_redis_exit_process();
    ngx_http_apigw_metrics_exit_process(cycle);
    apigw_sha256_free();
    ngx_http_apigw_jwt_exit_process();
}


static void *
ngx_http_apigw_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&amcf->apis, cf->pool, 4, sizeof(ngx_http_apigw_api_t))
        != NGX_OK
        || ngx_array_init(&amcf->stages, cf->pool, 4,
                          sizeof(ngx_http_apigw_loc_conf_t *))
           != NGX_OK)
    {
        return NULL;
    }

    amcf->zone_size = NGX_CONF_UNSET_SIZE;
    amcf->authorizer_cache_size = NGX_CONF_UNSET_SIZE;
    amcf->strict = NGX_CONF_UNSET;
    amcf->jwt_cache = NGX_CONF_UNSET;
    amcf->metrics_zone_size = NGX_CONF_UNSET_SIZE;
    amcf->cache_zone_size = NGX_CONF_UNSET_SIZE;

    return amcf;
}


static void *
ngx_http_apigw_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_apigw_loc_conf_t  *alcf;

    alcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_loc_conf_t));
    if (alcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     alcf->api_name = { 0, NULL };
     *     alcf->api = NULL;
     *     alcf->stage = { 0, NULL };
     *     alcf->backend = { 0, NULL };
     *     alcf->backend_path = { 0, NULL };
     *     alcf->functions = { 0, NULL };
     *     alcf->functions_sigv4 = NULL;
     *     alcf->prefix = { 0, NULL };
     */

    alcf->stage_vars = NGX_CONF_UNSET_PTR;
    alcf->delegate = NGX_CONF_UNSET_PTR;
    alcf->canary_trusted = NGX_CONF_UNSET_PTR;
    alcf->jwt_confs = NGX_CONF_UNSET_PTR;
    alcf->method_settings = NGX_CONF_UNSET_PTR;
    alcf->body_limit = NGX_CONF_UNSET;
    alcf->json_max_depth = NGX_CONF_UNSET_UINT;
    alcf->validation_details = NGX_CONF_UNSET;
    alcf->response_validation = NGX_CONF_UNSET_UINT;
    alcf->throttle.rate = -1;
    alcf->metrics = NGX_CONF_UNSET;
    alcf->cache = NGX_CONF_UNSET;
    alcf->cache_ttl = NGX_CONF_UNSET;
    alcf->cache_max_entry = NGX_CONF_UNSET_SIZE;
    alcf->cache_authorization = NGX_CONF_UNSET;
    alcf->cache_unauthorized = NGX_CONF_UNSET_UINT;

    return alcf;
}


static char *
ngx_http_apigw_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_apigw_loc_conf_t *prev = parent;
    ngx_http_apigw_loc_conf_t *conf = child;

    ngx_http_apigw_main_conf_t  *amcf;
    ngx_http_core_loc_conf_t    *clcf;

    ngx_conf_merge_ptr_value(conf->stage_vars, prev->stage_vars, NULL);
    ngx_conf_merge_ptr_value(conf->delegate, prev->delegate, NULL);
    ngx_conf_merge_ptr_value(conf->canary_trusted, prev->canary_trusted,
                             NULL);
    ngx_conf_merge_ptr_value(conf->jwt_confs, prev->jwt_confs, NULL);
    ngx_conf_merge_ptr_value(conf->method_settings, prev->method_settings,
                             NULL);
    ngx_conf_merge_off_value(conf->body_limit, prev->body_limit,
                             NGX_CONF_UNSET);
    ngx_conf_merge_uint_value(conf->json_max_depth, prev->json_max_depth, 64);
    ngx_conf_merge_value(conf->validation_details, prev->validation_details,
                         NGX_CONF_UNSET);
    ngx_conf_merge_uint_value(conf->response_validation,
                              prev->response_validation,
                              NGX_HTTP_APIGW_RESPONSE_VALIDATION_OFF);
    ngx_conf_merge_value(conf->metrics, prev->metrics, 1);
    ngx_conf_merge_value(conf->cache, prev->cache, 0);
    ngx_conf_merge_sec_value(conf->cache_ttl, prev->cache_ttl,
                             APIGW_CACHE_TTL_DEFAULT);
    ngx_conf_merge_size_value(conf->cache_max_entry, prev->cache_max_entry,
                              APIGW_CACHE_ENTRY_MAX);
    ngx_conf_merge_value(conf->cache_authorization,
                         prev->cache_authorization, 1);
    ngx_conf_merge_uint_value(conf->cache_unauthorized,
                              prev->cache_unauthorized,
                              APIGW_CACHE_SUCCEED_WITH_RESPONSE_HEADER);
    ngx_conf_merge_str_value(conf->cache_scope, prev->cache_scope,
                             "execute-api:InvalidateCache");

    if (conf->cache_max_entry > 1024 * 1024 * 1024) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw_cache_max_entry of %uz bytes is over 1g",
                      conf->cache_max_entry);
        return NGX_CONF_ERROR;
    }

    if (conf->cache_ttl > APIGW_CACHE_TTL_MAX) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw_cache_ttl of %T s is over AWS's maximum of "
                      "%d s", conf->cache_ttl, APIGW_CACHE_TTL_MAX);
        return NGX_CONF_ERROR;
    }

    if (conf->throttle.rate == -1) {
        conf->throttle = prev->throttle.rate == -1 ? (apigw_throttle_t) { 0, 0 }
                                                   : prev->throttle;
    }

    if (conf->backend.data == NULL) {
        conf->backend = prev->backend;
        conf->backend_path = prev->backend_path;
    }

    if (conf->functions.data == NULL) {
        conf->functions = prev->functions;
        conf->functions_sigv4 = prev->functions_sigv4;
    }

    if (conf->api_name.data == NULL) {
        return ngx_http_apigw_method_settings_unused(cf, conf, prev);
    }

    if (conf->prometheus) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw: apigw_prometheus in the location of \"apigw\" "
                      "in %V:%ui: the page needs a location of its own",
                      &conf->conf_file, conf->conf_line);
        return NGX_CONF_ERROR;
    }

    /* apigw_api may come after the locations that use it */

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);

    conf->api = ngx_http_apigw_find_api(amcf, &conf->api_name);

    if (conf->api == NULL) {
        goto no_api;
    }

    /*
     * apigw_body_limit, else a client_max_body_size set to other than
     * nginx's 1m, else AWS's payload limit
     */
    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (conf->body_limit == NGX_CONF_UNSET) {
        conf->body_limit = (clcf->client_max_body_size != 1024 * 1024)
                           ? clcf->client_max_body_size
                           : NGX_HTTP_APIGW_BODY_LIMIT;
    }

    clcf->client_max_body_size = conf->body_limit;

    /*
     * what the location fetches (an authorizer's answer, a key set, a
     * function's answer) is kept in memory: room for 256k, or for Lambda's
     * 6 MB where functions are called, unless set to other than nginx's
     * default
     */
    if (clcf->subrequest_output_buffer_size == (size_t) ngx_pagesize) {
        clcf->subrequest_output_buffer_size =
                                 conf->api->api->functions
                                 ? NGX_HTTP_APIGW_FUNCTION_ANSWER_MAX
                                 : NGX_HTTP_APIGW_FETCH_BUFFER_SIZE;

    } else if (conf->api->api->functions
               && clcf->subrequest_output_buffer_size
                  < NGX_HTTP_APIGW_FUNCTION_ANSWER_MAX)
    {
        ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                      "apigw \"%V\" in %V:%ui: functions' answers over "
                      "subrequest_output_buffer_size (%uz) get 502, not "
                      "Lambda's 6 MB", &conf->api_name, &conf->conf_file,
                      conf->conf_line, clcf->subrequest_output_buffer_size);
    }

    if (ngx_http_apigw_stage_bucket(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_apigw_check_stage(cf, conf) != NGX_OK
        || ngx_http_apigw_canary_merge(cf, conf) != NGX_OK
        || ngx_http_apigw_method_settings_check(cf, conf) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

no_api:

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "apigw: no API named \"%V\" (declare it with apigw_api "
                  "in the http block) in %V:%ui", &conf->api_name,
                  &conf->conf_file, conf->conf_line);

    return NGX_CONF_ERROR;
}


/*
 * A stage's configuration (a location's, or its canary's) against its
 * API: the response schemas compiled where responses are validated, every
 * scheme checked or delegated, every operation with an integration, and
 * the settings of each operation resolved
 */
ngx_int_t
ngx_http_apigw_check_stage(ngx_conf_t *cf, ngx_http_apigw_loc_conf_t *alcf)
{
    char                         msg[sizeof(apigw_error_t) + 64];
    apigw_error_t               *err;
    ngx_http_apigw_loc_conf_t  **stage;
    ngx_http_apigw_main_conf_t  *amcf;

    if (alcf->response_validation != NGX_HTTP_APIGW_RESPONSE_VALIDATION_OFF)
    {
        err = ngx_pcalloc(cf->temp_pool, sizeof(apigw_error_t));
        if (err == NULL) {
            return NGX_ERROR;
        }

        if (apigw_api_compile_responses(alcf->api->api, err) != 0) {
            apigw_error_format(err, msg, sizeof(msg));
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "apigw: %s", msg);
            return NGX_ERROR;
        }
    }

    if (ngx_http_apigw_check_security(cf, alcf) != NGX_OK
        || ngx_http_apigw_check_integrations(cf, alcf) != NGX_OK
        || ngx_http_apigw_op_settings_init(cf, alcf) != NGX_OK
        || ngx_http_apigw_cache_merge(cf, alcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);

    stage = ngx_array_push(&amcf->stages);
    if (stage == NULL) {
        return NGX_ERROR;
    }

    *stage = alcf;

    return NGX_OK;
}


/* 1 when an operation of the API changes the method, or it is not known */
ngx_uint_t
ngx_http_apigw_changes_method(ngx_http_apigw_main_conf_t *amcf,
    ngx_str_t *name)
{
    size_t                 i;
    ngx_http_apigw_api_t  *api;

    api = ngx_http_apigw_find_api(amcf, name);

    if (api == NULL) {
        return 1;
    }

    for (i = 0; i < api->api->nops; i++) {
        if (api->api->ops[i].integration.method) {
            return 1;
        }
    }

    return 0;
}


ngx_http_apigw_api_t *
ngx_http_apigw_find_api(ngx_http_apigw_main_conf_t *amcf, ngx_str_t *name)
{
    ngx_uint_t             i;
    ngx_http_apigw_api_t  *api;

    api = amcf->apis.elts;

    for (i = 0; i < amcf->apis.nelts; i++) {
        if (api[i].name.len == name->len
            && ngx_strncmp(api[i].name.data, name->data, name->len) == 0)
        {
            return &api[i];
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_apigw_check_integrations(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf)
{
    size_t              i;
    apigw_api_t        *api;
    apigw_operation_t  *op;

    api = alcf->api->api;

    for (i = 0; i < api->nops; i++) {
        op = &api->ops[i];

        if (op->integration.type == APIGW_INTEGRATION_FUNCTION
            && alcf->functions.len == 0)
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "apigw \"%V\": %s is a function and this "
                          "location has no apigw_functions (the Invoke "
                          "API's URL: apigw_functions http://unix:/path.sock"
                          ") in %V:%ui", &alcf->api->name, op->route_key,
                          &alcf->conf_file, alcf->conf_line);
            return NGX_ERROR;
        }

        if (op->integration.type == APIGW_INTEGRATION_DEFAULT
            && alcf->backend.len == 0)
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "apigw \"%V\": %s has no x-apigw-integration and "
                          "this location has no apigw_backend in %V:%ui",
                          &alcf->api->name, op->route_key, &alcf->conf_file,
                          alcf->conf_line);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_apigw_api_cleanup(void *data)
{
    apigw_api_free(data);
}


static char *
ngx_http_apigw_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apigw_main_conf_t *amcf = conf;

    char                  msg[sizeof(apigw_error_t) + 64];
    ngx_str_t            *value, file;
    apigw_api_t          *api;
    apigw_error_t        *err;
    ngx_pool_cleanup_t   *cln;
    ngx_http_apigw_api_t *a;

    value = cf->args->elts;

    if (ngx_http_apigw_find_api(amcf, &value[1]) != NULL) {
        return "is duplicate";
    }

    file = value[2];

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

    api = apigw_api_load((char *) file.data, 0, err);

    if (api == NULL) {
        apigw_error_format(err, msg, sizeof(msg));
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "apigw_api \"%V\": %s",
                           &value[1], msg);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_apigw_api_cleanup;
    cln->data = api;

    a = ngx_array_push(&amcf->apis);
    if (a == NULL) {
        return NGX_CONF_ERROR;
    }

    a->name = value[1];
    a->file = file;
    a->api = api;
    a->conf_file = cf->conf_file->file.name;
    a->conf_line = cf->conf_file->line;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, cf->log, 0,
                   "apigw api \"%V\": %uz operations from \"%V\"",
                   &value[1], api->nops, &file);

    return NGX_CONF_OK;
}


static char *
ngx_http_apigw(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    ngx_str_t                   *value, *canary;
    ngx_http_core_loc_conf_t    *clcf;
    ngx_http_apigw_main_conf_t  *amcf;

    if (alcf->api_name.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    alcf->api_name = value[1];
    alcf->conf_file = cf->conf_file->file.name;
    alcf->conf_line = cf->conf_file->line;
    ngx_str_set(&alcf->stage, "default");

    if (cf->args->nelts == 3) {
        if (value[2].len <= 6
            || ngx_strncmp(value[2].data, "stage=", 6) != 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        alcf->stage.data = value[2].data + 6;
        alcf->stage.len = value[2].len - 6;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

#if (NGX_PCRE)
    if (clcf->regex == NULL)
#endif
    {
        if (!clcf->exact_match && !clcf->named) {
            alcf->prefix = clcf->name;
        }
    }

    /*
     * proxy_method costs every request a variable: skip it when the APIs
     * are known already and no operation changes the method
     */

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);
    canary = ngx_http_apigw_canary_name(alcf);

    alcf->proxy_method = ngx_http_apigw_changes_method(amcf, &alcf->api_name)
                         || (canary
                             && ngx_http_apigw_changes_method(amcf, canary));

    return ngx_http_apigw_proxy_conf(cf, alcf->proxy_method);
}


static char *
ngx_http_apigw_stage_variable_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    ngx_str_t  *value;

    value = cf->args->elts;

    return ngx_http_apigw_stage_variable_add(cf, &alcf->stage_vars, &value[1],
                                             &value[2]);
}


/* a stage variable (a stage's or a canary's), within AWS's limits */
char *
ngx_http_apigw_stage_variable_add(ngx_conf_t *cf, ngx_array_t **vars,
    ngx_str_t *name, ngx_str_t *value)
{
    u_char         c;
    ngx_uint_t     i;
    ngx_keyval_t  *kv;

    if (name->len == 0 || name->len > 64) {
        return "has a name that is not 1 to 64 characters long";
    }

    for (i = 0; i < name->len; i++) {
        c = name->data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_'))
        {
            return "has a name with characters other than A-Z a-z 0-9 _";
        }
    }

    if (value->len > 512) {
        return "has a value longer than 512 characters";
    }

    if (*vars == NGX_CONF_UNSET_PTR || *vars == NULL) {
        *vars = ngx_array_create(cf->pool, 4, sizeof(ngx_keyval_t));
        if (*vars == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    kv = (*vars)->elts;

    for (i = 0; i < (*vars)->nelts; i++) {
        if (kv[i].key.len == name->len
            && ngx_strncmp(kv[i].key.data, name->data, name->len) == 0)
        {
            return "is duplicate";
        }
    }

    if ((*vars)->nelts == NGX_HTTP_APIGW_MAX_STAGE_VARS) {
        return "is set more than 100 times in one place";
    }

    kv = ngx_array_push(*vars);
    if (kv == NULL) {
        return NGX_CONF_ERROR;
    }

    kv->key = *name;
    kv->value = *value;

    return NGX_CONF_OK;
}


static char *
ngx_http_apigw_backend(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    u_char     *p, *end;
    size_t      skip;
    ngx_url_t   u;
    ngx_str_t  *value;

    if (alcf->backend.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strncasecmp(value[1].data, (u_char *) "http://", 7) == 0) {
        skip = 7;

    } else if (ngx_strncasecmp(value[1].data, (u_char *) "https://", 8) == 0) {
        skip = 8;

    } else {
        return "needs a URL starting with http:// or https://";
    }

    p = value[1].data + skip;
    end = value[1].data + value[1].len;

    while (p < end && *p != '/') {
        p++;
    }

    if (ngx_strlchr(value[1].data, end, '?') != NULL
        || ngx_strlchr(value[1].data, end, '$') != NULL)
    {
        return "must not hold a query string or variables";
    }

    alcf->backend.data = value[1].data;
    alcf->backend.len = p - value[1].data;

    while (end > p && end[-1] == '/') {
        end--;
    }

    alcf->backend_path.data = p;
    alcf->backend_path.len = end - p;

    /* its upstream{} is made with the locations (ngx_http_apigw_backend.c) */

    ngx_http_apigw_backend_url(&alcf->backend, &u);

    if (u.url.len == 0 || ngx_parse_url(cf->pool, &u) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid URL \"%V\"%s%s",
                           &value[1], u.err ? ": " : "",
                           u.err ? u.err : "");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* apigw_security_delegate all | NAME ...: schemes the backend checks */
static char *
ngx_http_apigw_security_delegate(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    ngx_str_t   *value, *name;
    ngx_uint_t   i;

    if (alcf->delegate != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    alcf->delegate = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                      sizeof(ngx_str_t));
    if (alcf->delegate == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len == 3 && ngx_strncmp(value[i].data, "all", 3) == 0
            && cf->args->nelts > 2)
        {
            return "takes \"all\" alone, or scheme names";
        }

        name = ngx_array_push(alcf->delegate);
        if (name == NULL) {
            return NGX_CONF_ERROR;
        }

        *name = value[i];
    }

    return NGX_CONF_OK;
}
