
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

#include <stdio.h>
#include <string.h>

#include <apigw_function.h>


static void
stage_arn(const char *arn, char *buf, size_t size)
{
    const char  *slash;

    slash = arn ? strchr(arn, '/') : NULL;
    slash = slash ? strchr(slash + 1, '/') : NULL;

    if (slash == NULL || (size_t) (slash - arn) + 3 > size) {
        snprintf(buf, size, "%s", arn ? arn : "*");
        return;
    }

    snprintf(buf, size, "%.*s/*", (int) (slash - arn), arn);
}


int
authorizer(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    char         resource[1024];
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
        /*
         * the whole stage (apiId/stage/ and a star): a cached answer covers
         * the token's next calls to other methods and paths too
         */
        stage_arn(arn, resource, sizeof(resource));

        return apigw_fn_authorize(resp, "user-1", token[0] == 'a', resource,
                                  json_pack("{s:s,s:i}", "user", "user-1",
                                            "level", 3));
    }

    return apigw_fn_error(resp, "InvalidToken", "Error: Invalid token");
}
