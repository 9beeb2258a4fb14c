
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Backend connections kept alive with no directive: a module of its own,
 * ordered before nginx's upstream module (see "config"), so that its
 * merge runs before the upstream{}s are initialised and before the proxy
 * module merges its settings.  For each location with "apigw":
 *
 *   - every backend it can reach whose host is known at load time (the
 *     apigw_backend URL, integration URIs, custom authorizers' URLs, the
 *     URLs of JWT keys and discovery documents, hosts
 *     in stage variables) gets an upstream{} that keeps
 *     apigw_backend_keepalive idle connections per worker: the user's own
 *     upstream{} of that name if there is one and has no "keepalive" yet,
 *     or the one nginx makes for a URL's host;
 *
 *   - the proxy module speaks HTTP/1.1 and sends no "Connection: close",
 *     unless proxy_http_version or a Connection proxy_set_header is set in
 *     the location or above it, which then stand as written.
 */


typedef struct {
    ngx_int_t                   keepalive;      /* 0: off */
    ngx_array_t                 implied;        /* upstreams a URL implies */
} ngx_http_apigw_backend_main_conf_t;


/* where each level's confs are, for looking up the inheritance chain */
typedef struct ngx_http_apigw_backend_loc_conf_s
    ngx_http_apigw_backend_loc_conf_t;

struct ngx_http_apigw_backend_loc_conf_s {
    void                              **loc_conf;
    ngx_http_apigw_backend_loc_conf_t  *parent;
};


/* not in headers: their settings are reached through their commands */
extern ngx_module_t  ngx_http_proxy_module;
extern ngx_module_t  ngx_http_upstream_keepalive_module;


static ngx_int_t ngx_http_apigw_backend_location(ngx_conf_t *cf,
    ngx_http_apigw_backend_loc_conf_t *blcf, ngx_int_t keepalive);
static ngx_int_t ngx_http_apigw_backend_api(ngx_conf_t *cf,
    ngx_http_apigw_backend_loc_conf_t *blcf, ngx_http_apigw_api_t *a,
    ngx_array_t *vars, ngx_int_t keepalive);
static ngx_int_t ngx_http_apigw_backend_template(ngx_conf_t *cf,
    ngx_http_apigw_api_t *a, const char *what, apigw_tpl_t *tpl,
    ngx_array_t *vars, ngx_int_t keepalive);
static ngx_int_t ngx_http_apigw_backend_origin(ngx_conf_t *cf,
    apigw_tpl_t *tpl, ngx_array_t *vars, ngx_str_t *url);
static ngx_int_t ngx_http_apigw_backend_upstream(ngx_conf_t *cf,
    ngx_str_t *url, ngx_int_t keepalive);
static ngx_uint_t ngx_http_apigw_backend_invokes(apigw_api_t *api);
static ngx_int_t ngx_http_apigw_backend_keys(ngx_conf_t *cf,
    ngx_http_apigw_backend_loc_conf_t *blcf, ngx_http_apigw_api_t *a,
    ngx_int_t keepalive);
static ngx_int_t ngx_http_apigw_backend_resolvable(ngx_conf_t *cf,
    ngx_str_t *url);
static ngx_int_t ngx_http_apigw_proxy_defaults(ngx_conf_t *cf,
    ngx_http_apigw_backend_loc_conf_t *blcf);
static ngx_command_t *ngx_http_apigw_backend_command(ngx_command_t *commands,
    char *name);
static void *ngx_http_apigw_backend_level(
    ngx_http_apigw_backend_loc_conf_t *blcf, ngx_module_t *module);
static void ngx_http_apigw_backend_exit_process(ngx_cycle_t *cycle);
static void *ngx_http_apigw_backend_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_apigw_backend_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_apigw_backend_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_apigw_backend_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_apigw_backend_keepalive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_command_t  ngx_http_apigw_backend_commands[] = {

    { ngx_string("apigw_backend_keepalive"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_apigw_backend_keepalive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_apigw_backend_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_apigw_backend_create_main_conf, /* create main configuration */
    ngx_http_apigw_backend_init_main_conf, /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_apigw_backend_create_loc_conf, /* create location configuration */
    ngx_http_apigw_backend_merge_loc_conf  /* merge location configuration */
};


ngx_module_t  ngx_http_apigw_backend_module = {
    NGX_MODULE_V1,
    &ngx_http_apigw_backend_module_ctx,    /* module context */
    ngx_http_apigw_backend_commands,       /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_apigw_backend_exit_process,   /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_apigw_backend_location(ngx_conf_t *cf,
    ngx_http_apigw_backend_loc_conf_t *blcf, ngx_int_t keepalive)
{
    ngx_str_t                          *backend, *canary, *functions;
    ngx_array_t                        *vars;
    ngx_http_apigw_api_t               *a, *ca;
    ngx_http_apigw_loc_conf_t          *alcf, *level;
    ngx_http_apigw_backend_loc_conf_t  *b;

    alcf = blcf->loc_conf[ngx_http_apigw_module.ctx_index];

    a = ngx_http_apigw_find_api(
            ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module),
            &alcf->api_name);

    if (a == NULL) {
        /* the apigw module's merge says so */
        return NGX_OK;
    }

    /* what this location will inherit, the apigw module's merge not run */

    backend = NULL;
    functions = NULL;
    vars = NULL;

    for (b = blcf; b; b = b->parent) {
        level = b->loc_conf[ngx_http_apigw_module.ctx_index];

        if (backend == NULL && level->backend.data) {
            backend = &level->backend;
        }

        if (functions == NULL && level->functions.data) {
            functions = &level->functions;
        }

        if (vars == NULL && level->stage_vars != NGX_CONF_UNSET_PTR) {
            vars = level->stage_vars;
        }
    }

    if (backend
        && ngx_http_apigw_backend_upstream(cf, backend, keepalive) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the function hosts, when the API (or its canary's) has functions */

    canary = ngx_http_apigw_canary_name(alcf);
    ca = canary ? ngx_http_apigw_find_api(
                      ngx_http_conf_get_module_main_conf(cf,
                                                     ngx_http_apigw_module),
                      canary)
                : NULL;

    if (functions
        && (ngx_http_apigw_backend_invokes(a->api)
            || (ca && ngx_http_apigw_backend_invokes(ca->api)))
        && ngx_http_apigw_backend_upstream(cf, functions, keepalive)
           != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions \"%V\": not a URL nginx can "
                           "reach", functions);
        return NGX_ERROR;
    }

    if (ngx_http_apigw_backend_api(cf, blcf, a, vars, keepalive) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the canary's deployment, with its own stage variables */

    if (canary) {
        a = ngx_http_apigw_find_api(
                ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module),
                canary);

        if (a == NULL) {
            /* the apigw module's merge says so */
            return NGX_OK;
        }

        vars = ngx_http_apigw_canary_stage_vars(cf, vars,
                                                alcf->canary_settings);

        if (ngx_http_apigw_backend_api(cf, blcf, a, vars, keepalive)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return keepalive ? ngx_http_apigw_proxy_defaults(cf, blcf) : NGX_OK;
}


/* 1 when an API invokes functions: integrations, custom authorizers */
static ngx_uint_t
ngx_http_apigw_backend_invokes(apigw_api_t *api)
{
    size_t  i;

    if (api->functions) {
        return 1;
    }

    for (i = 0; i < api->nschemes; i++) {
        if (api->schemes[i].authorizer != NULL
            && api->schemes[i].authorizer->endpoint
               == APIGW_AUTHZ_ENDPOINT_FUNCTION)
        {
            return 1;
        }
    }

    return 0;
}


/* the hosts an API's integrations, authorizers and keys are on */
static ngx_int_t
ngx_http_apigw_backend_api(ngx_conf_t *cf,
    ngx_http_apigw_backend_loc_conf_t *blcf, ngx_http_apigw_api_t *a,
    ngx_array_t *vars, ngx_int_t keepalive)
{
    size_t               i;
    apigw_api_t         *api;
    apigw_operation_t   *op;
    apigw_authorizer_t  *az;

    api = a->api;

    for (i = 0; i < api->nops; i++) {
        op = &api->ops[i];

        if (op->integration.type == APIGW_INTEGRATION_HTTP
            && ngx_http_apigw_backend_template(cf, a, op->route_key,
                                               op->integration.uri, vars,
                                               keepalive)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    /* custom authorizers' endpoints, called through the same location */

    for (i = 0; i < api->nschemes; i++) {
        az = api->schemes[i].authorizer;

        if (az != NULL && az->endpoint == APIGW_AUTHZ_ENDPOINT_HTTP
            && ngx_http_apigw_backend_template(cf, a, api->schemes[i].name,
                                               az->url, vars, keepalive)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_http_apigw_backend_keys(cf, blcf, a, keepalive);
}


/*
 * the hosts keys are fetched from (a jwks URL, a discovery document: the
 * keys' URL it names is usually on the same host), so that they need no
 * "resolver" either
 */
static ngx_int_t
ngx_http_apigw_backend_keys(ngx_conf_t *cf,
    ngx_http_apigw_backend_loc_conf_t *blcf, ngx_http_apigw_api_t *a,
    ngx_int_t keepalive)
{
    size_t                              i, j;
    ngx_int_t                           rc;
    ngx_str_t                           url;
    ngx_array_t                        *confs;
    apigw_jwt_conf_t                   *conf;
    apigw_jwt_issuer_t                 *is;
    apigw_security_scheme_t            *ss;
    ngx_http_apigw_loc_conf_t          *level;
    ngx_http_apigw_backend_loc_conf_t  *b;

    confs = NULL;

    for (b = blcf; b && confs == NULL; b = b->parent) {
        level = b->loc_conf[ngx_http_apigw_module.ctx_index];

        if (level->jwt_confs != NGX_CONF_UNSET_PTR) {
            confs = level->jwt_confs;
        }
    }

    for (i = 0; i < a->api->nschemes; i++) {
        ss = &a->api->schemes[i];
        conf = ngx_http_apigw_jwt_scheme_conf(confs, ss);

        for (j = 0; conf && j < conf->nissuers; j++) {
            is = &conf->issuers[j];

            if (is->source == APIGW_JWKS_FILE) {
                continue;
            }

            url.data = (u_char *) is->jwks;
            url.len = ngx_strlen(is->jwks);

            rc = ngx_http_apigw_backend_resolvable(cf, &url);

            if (rc == NGX_DECLINED) {
                ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                                   "apigw \"%V\": %s: the host of \"%V\" is "
                                   "not found now: it is looked up when the "
                                   "keys are fetched, which needs a "
                                   "\"resolver\"", &a->name, ss->name, &url);
                continue;
            }

            if (rc != NGX_OK
                || ngx_http_apigw_backend_upstream(cf, &url, keepalive)
                   != NGX_OK)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "apigw \"%V\": %s: bad uri \"%V\"",
                                   &a->name, ss->name, &url);
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/* the upstream{} of a URI template's host, when it is known at load time */
static ngx_int_t
ngx_http_apigw_backend_template(ngx_conf_t *cf, ngx_http_apigw_api_t *a,
    const char *what, apigw_tpl_t *tpl, ngx_array_t *vars,
    ngx_int_t keepalive)
{
    ngx_int_t  rc;
    ngx_str_t  url;

    switch (ngx_http_apigw_backend_origin(cf, tpl, vars, &url)) {

    case NGX_OK:
        break;

    case NGX_DECLINED:
        /* a host known only at run time */
        return NGX_OK;

    default:
        return NGX_ERROR;
    }

    rc = ngx_http_apigw_backend_resolvable(cf, &url);

    if (rc == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "apigw \"%V\": %s: the host of \"%V\" is not "
                           "found now: it is looked up for each request, "
                           "which needs a \"resolver\"", &a->name, what,
                           &url);
        return NGX_OK;
    }

    if (rc != NGX_OK
        || ngx_http_apigw_backend_upstream(cf, &url, keepalive) != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw \"%V\": %s: bad uri \"%V\"",
                           &a->name, what, &url);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * "scheme://host[:port]" of an integration URI with the stage variables
 * of the location; NGX_DECLINED when a path parameter or a missing stage
 * variable stands in it
 */
static ngx_int_t
ngx_http_apigw_backend_origin(ngx_conf_t *cf, apigw_tpl_t *tpl,
    ngx_array_t *vars, ngx_str_t *url)
{
    u_char            *p, *end, *host;
    size_t             i, j, len;
    ngx_str_t          text;
    ngx_keyval_t      *kv;
    apigw_tpl_part_t  *part;

    len = 0;

    for (i = 0; i < tpl->nparts; i++) {
        len += tpl->parts[i].len;

        if (tpl->parts[i].kind == APIGW_TPL_STAGE_VAR && vars) {
            kv = vars->elts;

            for (j = 0; j < vars->nelts; j++) {
                len += kv[j].value.len;
            }
        }
    }

    url->data = ngx_pnalloc(cf->pool, len);
    if (url->data == NULL) {
        return NGX_ERROR;
    }

    p = url->data;
    host = NULL;

    for (i = 0; i < tpl->nparts; i++) {
        part = &tpl->parts[i];

        switch (part->kind) {

        case APIGW_TPL_LITERAL:
            text.data = (u_char *) part->text;
            text.len = part->len;
            break;

        case APIGW_TPL_STAGE_VAR:
            ngx_str_null(&text);
            kv = vars ? vars->elts : NULL;

            for (j = 0; vars && j < vars->nelts; j++) {
                if (kv[j].key.len == part->len
                    && ngx_strncmp(kv[j].key.data, part->text, part->len)
                       == 0)
                {
                    text = kv[j].value;
                    break;
                }
            }

            if (text.data == NULL) {
                return NGX_DECLINED;
            }

            break;

        default:
            return NGX_DECLINED;
        }

        p = ngx_cpymem(p, text.data, text.len);

        if (host == NULL) {
            host = ngx_strlcasestrn(url->data, p, (u_char *) "://", 3 - 1);

            if (host == NULL) {
                continue;
            }

            host += 3;
        }

        for (end = host; end < p; end++) {
            if (*end == '/' || *end == '?' || *end == '#') {
                url->len = end - url->data;
                return end > host ? NGX_OK : NGX_DECLINED;
            }
        }
    }

    url->len = p - url->data;

    return (host && p > host) ? NGX_OK : NGX_DECLINED;
}


/*
 * The upstream{} nginx finds at run time for the URL's host and port: the
 * user's, or one made as for a proxy_pass with that URL; with keepalive
 */
static ngx_int_t
ngx_http_apigw_backend_upstream(ngx_conf_t *cf, ngx_str_t *url,
    ngx_int_t keepalive)
{
    char                                *rv;
    u_char                               number[NGX_INT_T_LEN + 1];
    ngx_url_t                            u;
    ngx_conf_t                           save;
    ngx_http_module_t                   *module;
    ngx_http_conf_ctx_t                  ctx;
    ngx_http_upstream_srv_conf_t        *uscf, **implied;
    ngx_http_apigw_backend_main_conf_t  *bmcf;

    ngx_http_apigw_backend_url(url, &u);

    if (u.url.len == 0) {
        return NGX_ERROR;
    }

    uscf = ngx_http_upstream_add(cf, &u, 0);
    if (uscf == NULL) {
        return NGX_ERROR;
    }

    if (!keepalive) {
        return NGX_OK;
    }

    if (uscf->srv_conf == NULL) {
        /* an upstream a URL implies has no settings of its own yet */
        uscf->srv_conf = ngx_pcalloc(cf->pool,
                                     sizeof(void *) * ngx_http_max_module);
        if (uscf->srv_conf == NULL) {
            return NGX_ERROR;
        }

        bmcf = ngx_http_conf_get_module_main_conf(cf,
                                                ngx_http_apigw_backend_module);

        implied = ngx_array_push(&bmcf->implied);
        if (implied == NULL) {
            return NGX_ERROR;
        }

        *implied = uscf;

        module = ngx_http_upstream_keepalive_module.ctx;

        uscf->srv_conf[ngx_http_upstream_module.ctx_index] = uscf;
        uscf->srv_conf[ngx_http_upstream_keepalive_module.ctx_index] =
                                                 module->create_srv_conf(cf);

        if (uscf->srv_conf[ngx_http_upstream_keepalive_module.ctx_index]
            == NULL)
        {
            return NGX_ERROR;
        }
    }

    /* "keepalive N" run in the upstream{}, unless the user wrote one */

    ctx = *(ngx_http_conf_ctx_t *) cf->ctx;
    ctx.srv_conf = uscf->srv_conf;

    save = *cf;
    cf->ctx = &ctx;

    *ngx_sprintf(number, "%i", keepalive) = '\0';

    rv = ngx_http_apigw_run_directive(cf,
                uscf->srv_conf[ngx_http_upstream_keepalive_module.ctx_index],
                ngx_http_upstream_keepalive_module.commands, "keepalive",
                (char *) number);

    *cf = save;

    return (rv == NGX_CONF_OK || ngx_strcmp(rv, "is duplicate") == 0)
           ? NGX_OK : NGX_ERROR;
}


/*
 * A host the spec names, as the user may not know it: NGX_DECLINED when it
 * is neither an address, nor an upstream{}, nor found in the DNS now (an
 * apigw_backend URL is the user's own, and fails the load as proxy_pass
 * does)
 */
static ngx_int_t
ngx_http_apigw_backend_resolvable(ngx_conf_t *cf, ngx_str_t *url)
{
    ngx_url_t                       u;
    ngx_uint_t                      i;
    ngx_http_upstream_srv_conf_t  **uscfp;
    ngx_http_upstream_main_conf_t  *umcf;

    ngx_http_apigw_backend_url(url, &u);

    if (u.url.len == 0 || ngx_parse_url(cf->temp_pool, &u) != NGX_OK) {
        return NGX_ERROR;
    }

    if (u.naddrs) {
        return NGX_OK;
    }

    umcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_module);
    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (uscfp[i]->host.len == u.host.len
            && ngx_strncasecmp(uscfp[i]->host.data, u.host.data, u.host.len)
               == 0)
        {
            return NGX_OK;
        }
    }

    return ngx_inet_resolve_host(cf->temp_pool, &u) == NGX_OK
           ? NGX_OK : NGX_DECLINED;
}


/*
 * the host and port of an http:// or https:// URL, to be parsed; of
 * http://unix:/path.sock[:/uri], "unix:/path.sock"
 */
void
ngx_http_apigw_backend_url(ngx_str_t *url, ngx_url_t *u)
{
    u_char  *p, *end;
    size_t   skip;

    skip = (url->len > 8
            && ngx_strncasecmp(url->data, (u_char *) "https://", 8) == 0)
           ? 8 : 7;

    p = url->data + skip;
    end = url->data + url->len;

    if (end - p > 5 && ngx_strncmp(p, "unix:", 5) == 0) {
        p += 5;

        while (p < end && *p != ':') {
            p++;
        }

    } else {
        while (p < end && *p != '/' && *p != '?') {
            p++;
        }
    }

    ngx_memzero(u, sizeof(ngx_url_t));

    u->url.data = url->data + skip;
    u->url.len = p - u->url.data;
    u->default_port = (skip == 7) ? 80 : 443;
    u->no_resolve = 1;
}


/* one of another module's directives, as if written: "name arg;" */
char *
ngx_http_apigw_run_directive(ngx_conf_t *cf, void *conf,
    ngx_command_t *commands, char *name, char *arg)
{
    char           *rv;
    ngx_str_t      *value;
    ngx_array_t     args, *saved;
    ngx_command_t  *cmd;

    cmd = ngx_http_apigw_backend_command(commands, name);
    if (cmd == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_array_init(&args, cf->temp_pool, 2, sizeof(ngx_str_t)) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    value = ngx_array_push_n(&args, 2);
    if (value == NULL) {
        return NGX_CONF_ERROR;
    }

    value[0].data = (u_char *) name;
    value[0].len = ngx_strlen(name);
    value[1].data = (u_char *) arg;
    value[1].len = ngx_strlen(arg);

    saved = cf->args;
    cf->args = &args;

    rv = cmd->set(cf, cmd, conf);

    cf->args = saved;

    return rv;
}


/*
 * proxy_http_version 1.1 and proxy_set_header Connection "", where
 * neither the location nor a level above sets them.  The proxy module has
 * not merged yet: a setting missing here is looked for up the chain, as
 * its merge will do, and the headers a level above sets are kept.
 */
static ngx_int_t
ngx_http_apigw_proxy_defaults(ngx_conf_t *cf,
    ngx_http_apigw_backend_loc_conf_t *blcf)
{
    ngx_uint_t                          i, *version, *v;
    ngx_array_t                        *headers, **source, **s;
    ngx_keyval_t                       *kv;
    ngx_command_t                      *vcmd, *hcmd;
    ngx_http_apigw_backend_loc_conf_t  *b;

    vcmd = ngx_http_apigw_backend_command(ngx_http_proxy_module.commands,
                                          "proxy_http_version");
    hcmd = ngx_http_apigw_backend_command(ngx_http_proxy_module.commands,
                                          "proxy_set_header");

    if (vcmd == NULL || hcmd == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw: the proxy module has no "
                           "proxy_http_version or proxy_set_header");
        return NGX_ERROR;
    }

    version = (ngx_uint_t *) ((u_char *) ngx_http_apigw_backend_level(blcf,
                                                     &ngx_http_proxy_module)
                              + vcmd->offset);
    source = (ngx_array_t **) ((u_char *) ngx_http_apigw_backend_level(blcf,
                                                     &ngx_http_proxy_module)
                               + hcmd->offset);

    headers = NULL;

    for (b = blcf; b; b = b->parent) {
        v = (ngx_uint_t *) ((u_char *) ngx_http_apigw_backend_level(b,
                                                     &ngx_http_proxy_module)
                            + vcmd->offset);

        if (*v != NGX_CONF_UNSET_UINT) {
            /* the user's choice, and their Connection header with it */
            return NGX_OK;
        }

        s = (ngx_array_t **) ((u_char *) ngx_http_apigw_backend_level(b,
                                                     &ngx_http_proxy_module)
                              + hcmd->offset);

        if (headers == NULL && *s != NULL && *s != NGX_CONF_UNSET_PTR) {
            headers = *s;
        }
    }

    *version = NGX_HTTP_VERSION_11;

    if (headers) {
        kv = headers->elts;

        for (i = 0; i < headers->nelts; i++) {
            if (kv[i].key.len == sizeof("Connection") - 1
                && ngx_strncasecmp(kv[i].key.data, (u_char *) "Connection",
                                   sizeof("Connection") - 1)
                   == 0)
            {
                return NGX_OK;
            }
        }
    }

    /* the inherited headers, copied, and ours */

    *source = ngx_array_create(cf->pool, headers ? headers->nelts + 1 : 1,
                               sizeof(ngx_keyval_t));
    if (*source == NULL) {
        return NGX_ERROR;
    }

    if (headers) {
        kv = ngx_array_push_n(*source, headers->nelts);
        if (kv == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(kv, headers->elts, headers->nelts * sizeof(ngx_keyval_t));
    }

    kv = ngx_array_push(*source);
    if (kv == NULL) {
        return NGX_ERROR;
    }

    ngx_str_set(&kv->key, "Connection");
    ngx_str_set(&kv->value, "");

    return NGX_OK;
}


static ngx_command_t *
ngx_http_apigw_backend_command(ngx_command_t *commands, char *name)
{
    ngx_command_t  *cmd;

    for (cmd = commands; cmd->name.len; cmd++) {
        if (ngx_strcmp(cmd->name.data, name) == 0) {
            return cmd;
        }
    }

    return NULL;
}


/* a module's location settings at blcf's level */
static void *
ngx_http_apigw_backend_level(ngx_http_apigw_backend_loc_conf_t *blcf,
    ngx_module_t *module)
{
    return blcf->loc_conf[module->ctx_index];
}


/*
 * The TLS session each peer of those upstreams keeps for the next
 * handshake: nginx frees the one it replaces, never the last (its own
 * upstreams from a proxy_pass URL keep theirs to the end too)
 */
static void
ngx_http_apigw_backend_exit_process(ngx_cycle_t *cycle)
{
#if (NGX_HTTP_SSL)
    ngx_uint_t                           i;
    ngx_http_upstream_rr_peer_t         *peer;
    ngx_http_upstream_rr_peers_t        *peers;
    ngx_http_upstream_srv_conf_t       **uscfp;
    ngx_http_apigw_backend_main_conf_t  *bmcf;

    bmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_apigw_backend_module);
    if (bmcf == NULL) {
        return;
    }

    uscfp = bmcf->implied.elts;

    for (i = 0; i < bmcf->implied.nelts; i++) {

        for (peers = uscfp[i]->peer.data; peers; peers = peers->next) {

            if (peers->shpool) {
                continue;
            }

            for (peer = peers->peer; peer; peer = peer->next) {
                if (peer->ssl_session) {
                    ngx_ssl_free_session(peer->ssl_session);
                    peer->ssl_session = NULL;
                }
            }
        }
    }
#endif
}


static void *
ngx_http_apigw_backend_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_apigw_backend_main_conf_t  *bmcf;

    bmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_backend_main_conf_t));
    if (bmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&bmcf->implied, cf->pool, 4,
                       sizeof(ngx_http_upstream_srv_conf_t *))
        != NGX_OK)
    {
        return NULL;
    }

    bmcf->keepalive = NGX_CONF_UNSET;

    return bmcf;
}


static char *
ngx_http_apigw_backend_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_apigw_backend_main_conf_t *bmcf = conf;

    ngx_http_conf_ctx_t                *ctx;
    ngx_http_apigw_backend_loc_conf_t  *blcf;

    ngx_conf_init_value(bmcf->keepalive, NGX_HTTP_APIGW_BACKEND_KEEPALIVE);

    /* the http level, where the chain of levels ends */
    ctx = cf->ctx;
    blcf = ctx->loc_conf[ngx_http_apigw_backend_module.ctx_index];
    blcf->loc_conf = ctx->loc_conf;

    return NGX_CONF_OK;
}


static void *
ngx_http_apigw_backend_create_loc_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_backend_loc_conf_t));
}


static char *
ngx_http_apigw_backend_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_apigw_backend_loc_conf_t *prev = parent;
    ngx_http_apigw_backend_loc_conf_t *conf = child;

    ngx_http_apigw_loc_conf_t           *alcf;
    ngx_http_apigw_backend_main_conf_t  *bmcf;

    conf->loc_conf = ((ngx_http_conf_ctx_t *) cf->ctx)->loc_conf;
    conf->parent = prev;

    alcf = conf->loc_conf[ngx_http_apigw_module.ctx_index];

    if (alcf->api_name.data == NULL) {
        return NGX_CONF_OK;
    }

    bmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_apigw_backend_module);

    if (ngx_http_apigw_backend_location(cf, conf, bmcf->keepalive) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_apigw_backend_keepalive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_backend_main_conf_t *bmcf = conf;

    ngx_str_t  *value;

    if (bmcf->keepalive != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        bmcf->keepalive = 0;
        return NGX_CONF_OK;
    }

    bmcf->keepalive = ngx_atoi(value[1].data, value[1].len);

    if (bmcf->keepalive == NGX_ERROR || bmcf->keepalive == 0) {
        return "takes a number of connections, or \"off\"";
    }

    return NGX_CONF_OK;
}
