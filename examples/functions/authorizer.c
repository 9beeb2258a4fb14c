
/*
 * Copyright (C) apigw contributors
 */


/*
 * A custom authorizer, TOKEN or REQUEST, after AWS's blueprint: the token
 * "allow" (or "Bearer allow") is allowed, "deny" denied, "unauthorized"
 * answered 401 by the gateway; anything else is an error (500).  A
 * REQUEST authorizer reads the token from the Authorization header or the
 * "token" query parameter.
 */

#include <string.h>

#include <apigw_function.h>


int
authorizer(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    const char  *type, *token, *arn;

    type = apigw_fn_get(req, "/type");
    arn = apigw_fn_get(req, "/methodArn");

    if (type != NULL && strcmp(type, "REQUEST") == 0) {
        token = apigw_fn_header(req, "Authorization");

        if (token == NULL) {
            token = apigw_fn_query(req, "token");
        }

    } else {
        token = apigw_fn_get(req, "/authorizationToken");
    }

    if (token != NULL && strncmp(token, "Bearer ", 7) == 0) {
        token += 7;
    }

    if (token == NULL || strcmp(token, "unauthorized") == 0) {
        return apigw_fn_error(resp, "Unauthorized", "Unauthorized");
    }

    if (strcmp(token, "allow") == 0 || strcmp(token, "deny") == 0) {
        return apigw_fn_authorize(resp, "user-1", token[0] == 'a', arn,
                                  json_pack("{s:s,s:i}", "user", "user-1",
                                            "level", 3));
    }

    return apigw_fn_error(resp, "InvalidToken", "Error: Invalid token");
}
