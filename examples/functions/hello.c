
/*
 * Copyright (C) apigw contributors
 */


/* GET /hello?name=you: a C function exposed as a REST API */

#include <apigw_function.h>


int
hello(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    const char  *name;

    name = apigw_fn_query(req, "name");

    if (name == NULL) {
        name = "world";
    }

    apigw_fn_header_set(resp, "X-Served-By", "apigw-fn hello");

    return apigw_fn_jsonf(resp, 200, "{s:s,s:s}",
                          "message", "hello", "name", name);
}
