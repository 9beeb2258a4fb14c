
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Custom (Lambda) authorizers: not called yet; a scheme that needs one
 * fails the load, or is delegated.
 */


ngx_int_t
ngx_http_apigw_authorizer_init_location(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf)
{
    return NGX_OK;
}


const char *
ngx_http_apigw_authorizer_unchecked(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf, apigw_security_scheme_t *ss)
{
    return "needs a custom authorizer, which apigw does not call yet";
}


ngx_http_apigw_key_check_e
ngx_http_apigw_authorizer_check(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_security_scheme_t *ss)
{
    return NGX_HTTP_APIGW_KEY_ERROR;
}
