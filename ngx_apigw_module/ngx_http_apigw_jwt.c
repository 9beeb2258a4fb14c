
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


struct ngx_http_apigw_jwt_s {
    apigw_security_scheme_t    *scheme;
};


char *
ngx_http_apigw_jwt_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_apigw_jwt_init_location(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf)
{
    return NGX_OK;
}


ngx_http_apigw_jwt_t *
ngx_http_apigw_jwt_find(ngx_http_apigw_loc_conf_t *alcf,
    apigw_security_scheme_t *ss)
{
    return NULL;
}


ngx_http_apigw_key_check_e
ngx_http_apigw_jwt_check(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_http_apigw_jwt_t *jwt, apigw_scopes_t *scopes)
{
    return NGX_HTTP_APIGW_KEY_ERROR;
}
