
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/* placeholder until the fetch lands: nothing is fetched */
ngx_int_t
ngx_http_apigw_fetch_start(ngx_http_request_t *r, ngx_http_apigw_fetch_t *f)
{
    return NGX_ERROR;
}
