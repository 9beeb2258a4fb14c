
/*
 * Copyright (C) apigw contributors
 */


/*
 * A JSON CRUD API on items, kept in the runtime process's memory (one
 * store a process: run it with concurrency 1, or use a database):
 *
 *     GET    /items          the list
 *     POST   /items          {"name": ..., ...} -> 201 with its "id"
 *     GET    /items/{id}
 *     PUT    /items/{id}     replaces it
 *     DELETE /items/{id}     -> 204
 */

#include <stdio.h>
#include <string.h>

#include <apigw_function.h>


static json_t    *store;
static unsigned   next_id;


int
crud_init(void)
{
    store = json_object();
    next_id = 1;

    return store ? 0 : -1;
}


int
crud(apigw_fn_request_t *req, apigw_fn_response_t *resp)
{
    char         id[32];
    json_t      *item, *body;
    const char  *method, *key;

    method = apigw_fn_method(req);
    key = apigw_fn_path_param(req, "id");
    body = apigw_fn_body_json(req);

    if (method == NULL) {
        return apigw_fn_error(resp, "BadEvent", "not a proxy event");
    }

    if (key == NULL && strcmp(method, "GET") == 0) {
        item = json_array();

        json_object_foreach(store, key, body) {
            json_array_append(item, body);
        }

        return apigw_fn_json(resp, 200, item);
    }

    if (key == NULL && strcmp(method, "POST") == 0) {
        if (!json_is_object(body)) {
            return apigw_fn_jsonf(resp, 400, "{s:s}", "message",
                                  "the body must be a JSON object");
        }

        snprintf(id, sizeof(id), "%u", next_id++);
        item = json_deep_copy(body);
        json_object_set_new(item, "id", json_string(id));
        json_object_set(store, id, item);
        apigw_fn_header_set(resp, "Location", id);

        return apigw_fn_json(resp, 201, item);
    }

    item = key ? json_object_get(store, key) : NULL;

    if (item == NULL) {
        return apigw_fn_jsonf(resp, 404, "{s:s}", "message", "no such item");
    }

    if (strcmp(method, "GET") == 0) {
        return apigw_fn_json(resp, 200, json_incref(item));
    }

    if (strcmp(method, "PUT") == 0 && json_is_object(body)) {
        item = json_deep_copy(body);
        json_object_set_new(item, "id", json_string(key));
        json_object_set(store, key, item);

        return apigw_fn_json(resp, 200, item);
    }

    if (strcmp(method, "DELETE") == 0) {
        json_object_del(store, key);
        apigw_fn_status(resp, 204);
        return 0;
    }

    return apigw_fn_jsonf(resp, 400, "{s:s}", "message", "bad request");
}
