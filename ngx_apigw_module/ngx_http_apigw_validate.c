
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The validate step: the declared parameters (required, then their
 * schemas) before the body is read, the body (media type, presence, JSON
 * syntax, schema) after.  The body is read whole here, whether or not it
 * is validated, so that the deadline covers the integration alone.
 * Refusals are BAD_REQUEST_PARAMETERS, BAD_REQUEST_BODY and
 * UNSUPPORTED_MEDIA_TYPE gateway responses whose "errors" list where and
 * why, never the values themselves.
 */


typedef struct {
    ngx_http_request_t         *request;
    ngx_array_t                 text;       /* u_char: "{...},{...}" */
    ngx_uint_t                  n;
} ngx_http_apigw_errors_t;


static ngx_int_t ngx_http_apigw_validate_params(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_read_body(ngx_http_request_t *r);
static void ngx_http_apigw_body_in(ngx_http_request_t *r);
static ngx_int_t ngx_http_apigw_validate_body(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_param_text(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_parameter_t *p, apigw_pair_t *cookies,
    size_t ncookies, ngx_str_t *text);
static ngx_int_t ngx_http_apigw_check_schema(ngx_http_apigw_errors_t *errors,
    struct apigw_schema_s *schema, json_t *value, const char *in,
    const char *name);
static ngx_int_t ngx_http_apigw_not_utf8(ngx_http_apigw_errors_t *errors,
    apigw_parameter_t *param);
static ngx_int_t ngx_http_apigw_error(ngx_http_apigw_errors_t *errors,
    const char *in, const char *name, const char *path, const char *keyword,
    const char *message);
static ngx_int_t ngx_http_apigw_refuse(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_gr_type_e type, ngx_str_t *message,
    ngx_http_apigw_errors_t *errors);
static ngx_int_t ngx_http_apigw_errors_init(ngx_http_request_t *r,
    ngx_http_apigw_errors_t *errors);
static ngx_int_t ngx_http_apigw_query_repeats(ngx_http_apigw_ctx_t *ctx,
    apigw_parameter_t *param, ngx_http_apigw_errors_t *errors);
static ngx_int_t ngx_http_apigw_param_valid(apigw_parameter_t *param,
    ngx_str_t *text);


/* NGX_DONE while the body is being read: the step runs again when in */
ngx_int_t
ngx_http_apigw_validate_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    ngx_int_t  rc;

    if (!ctx->body_read) {
        rc = ngx_http_apigw_validate_params(r, ctx);

        if (rc != NGX_OK || ctx->responded) {
            return rc;
        }

        if (r->headers_in.content_length_n > 0 || r->headers_in.chunked) {
            return ngx_http_apigw_read_body(r);
        }

    } else if (ngx_http_apigw_needs_body(r, ctx)
               && ngx_http_apigw_read_body_text(r, ctx) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apigw_validate_body(r, ctx);
}


static ngx_int_t
ngx_http_apigw_read_body(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_read_client_request_body(r, ngx_http_apigw_body_in);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    /* the reading holds a reference to the request of its own */
    ngx_http_finalize_request(r, NGX_DONE);

    return NGX_DONE;
}


/* the whole body is in, possibly before reading it returned */
static void
ngx_http_apigw_body_in(ngx_http_request_t *r)
{
    ngx_http_apigw_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    ctx->body_read = 1;
    r->preserve_body = 1;

    ngx_http_apigw_resume(r);
}


static ngx_int_t
ngx_http_apigw_validate_params(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    int                       found;
    u_char                   *p;
    size_t                    i, ncookies, len;
    json_t                   *value;
    ngx_int_t                 rc;
    ngx_str_t                 text, message, *missing;
    ngx_uint_t                nmissing;
    apigw_pair_t              cookies[APIGW_MAX_PAIRS];
    apigw_parameter_t        *param;
    apigw_operation_t        *op;
    ngx_http_apigw_errors_t   errors;

    op = ctx->op;

    if (!op->validate_params || op->nparameters == 0) {
        return NGX_OK;
    }

    if (ngx_http_apigw_errors_init(r, &errors) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    missing = ngx_palloc(r->pool, op->nparameters * sizeof(ngx_str_t));
    if (missing == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    nmissing = 0;
    ncookies = (size_t) -1;

    for (i = 0; i < op->nparameters; i++) {
        param = &op->parameters[i];

        if (param->in == APIGW_IN_COOKIE && ncookies == (size_t) -1) {
            ncookies = ngx_http_apigw_cookies(r, cookies, APIGW_MAX_PAIRS);
        }

        rc = ngx_http_apigw_param_text(r, ctx, param, cookies, ncookies,
                                       &text);
        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_ABORT) {
            if (ngx_http_apigw_not_utf8(&errors, param) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            continue;
        }

        if (!param->required && param->schema == NULL) {
            continue;
        }

        if (param->in == APIGW_IN_QUERY && param->schema
            && param->type != APIGW_TYPE_ARRAY
            && param->type != APIGW_TYPE_OBJECT
            && ngx_http_apigw_query_repeats(ctx, param, &errors) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_OK && ngx_http_apigw_param_valid(param, &text)) {
            continue;
        }

        /* query objects may be spread over several pairs: it looks itself */
        found = apigw_param_value(param, (char *) text.data, text.len,
                                  ctx->query, ctx->nquery, &value);

        if (found == APIGW_PARAM_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (found == APIGW_PARAM_NOT_UTF8) {
            if (ngx_http_apigw_not_utf8(&errors, param) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            continue;
        }

        if (value == NULL
            || (rc == NGX_OK && text.len == 0 && param->required
                && !param->allow_empty))
        {
            /* absent, or blank: AWS's "missing" */
            json_decref(value);

            if (!param->required) {
                continue;
            }

            missing[nmissing].data = (u_char *) param->name;
            missing[nmissing++].len = param->name_len;

            if (ngx_http_apigw_error(&errors, apigw_param_in_name(param->in),
                                     param->name, "", "required",
                                     "is required")
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            continue;
        }

        rc = NGX_OK;

        if (param->schema) {
            rc = ngx_http_apigw_check_schema(&errors, param->schema, value,
                                             apigw_param_in_name(param->in),
                                             param->name);
        }

        json_decref(value);

        if (rc != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (errors.n == 0) {
        return NGX_OK;
    }

    if (nmissing) {
        len = sizeof("Missing required request parameters: []");

        for (i = 0; i < nmissing; i++) {
            len += ngx_http_apigw_json_escape_len(missing[i].data,
                                                  missing[i].len) + 2;
        }

        message.data = ngx_pnalloc(r->pool, len);
        if (message.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = ngx_cpymem(message.data, "Missing required request parameters: [",
                       sizeof("Missing required request parameters: [") - 1);

        for (i = 0; i < nmissing; i++) {
            if (i) {
                *p++ = ',';
                *p++ = ' ';
            }

            p = ngx_http_apigw_json_escape(p, missing[i].data,
                                           missing[i].len);
        }

        *p++ = ']';
        message.len = p - message.data;
        *p = '\0';

    } else {
        ngx_str_set(&message, "Invalid request parameters");
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apigw: %s: %V", ctx->op->route_key, &message);

    return ngx_http_apigw_refuse(r, ctx, APIGW_GR_BAD_REQUEST_PARAMETERS,
                                 &message, &errors);
}


/*
 * A scalar query parameter given more than once: the first value is the
 * parameter's, and those after it are checked as well, since the backend
 * gets them all and a mapping takes the last, as AWS's does
 */
static ngx_int_t
ngx_http_apigw_query_repeats(ngx_http_apigw_ctx_t *ctx,
    apigw_parameter_t *param, ngx_http_apigw_errors_t *errors)
{
    size_t      i, n;
    json_t     *value;
    ngx_int_t   rc;
    ngx_str_t   text;

    for (i = 0, n = 0; i < ctx->nquery; i++) {
        if (ctx->query[i].name_len != param->name_len
            || ngx_strncmp(ctx->query[i].name, param->name, param->name_len)
               != 0
            || n++ == 0)
        {
            continue;
        }

        text.data = (u_char *) ctx->query[i].value;
        text.len = ctx->query[i].value_len;

        if (ngx_http_apigw_param_valid(param, &text)) {
            continue;
        }

        value = apigw_param_scalar(param->type, (char *) text.data,
                                   text.len);
        if (value == NULL) {
            return NGX_ERROR;
        }

        rc = ngx_http_apigw_check_schema(errors, param->schema, value,
                                         "query", param->name);
        json_decref(value);

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * a present scalar parameter found valid from its text, with no value
 * built; anything else (blank and required, styles that reshape the
 * text, arrays, objects, JSON content) goes the long way
 */
static ngx_int_t
ngx_http_apigw_param_valid(apigw_parameter_t *param, ngx_str_t *text)
{
    if (param->schema == NULL || param->json
        || param->type == APIGW_TYPE_ARRAY || param->type == APIGW_TYPE_OBJECT
        || (param->in == APIGW_IN_PATH
            && (param->style == APIGW_STYLE_MATRIX
                || param->style == APIGW_STYLE_LABEL))
        || (text->len == 0 && param->required && !param->allow_empty))
    {
        return 0;
    }

    return apigw_schema_check_param(param->schema, param->type,
                                    (char *) text->data, text->len);
}


/*
 * NGX_OK with the text, NGX_DECLINED: the request does not carry it,
 * NGX_ABORT: it does, and the text (or that of a repeated query
 * parameter) is not UTF-8
 */
static ngx_int_t
ngx_http_apigw_param_text(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_parameter_t *p, apigw_pair_t *cookies, size_t ncookies,
    ngx_str_t *text)
{
    size_t          i;
    apigw_param_t  *mp;

    ngx_str_null(text);

    switch (p->in) {

    case APIGW_IN_PATH:
        mp = &ctx->match.params[p->path_index];
        text->data = (u_char *) mp->val;
        text->len = mp->val_len;
        break;

    case APIGW_IN_QUERY:
        if (ngx_http_apigw_query(r, ctx) != NGX_OK) {
            return NGX_ERROR;
        }

        for (i = 0; i < ctx->nquery; i++) {
            if (ctx->query[i].name_len != p->name_len
                || ngx_strncmp(ctx->query[i].name, p->name, p->name_len) != 0)
            {
                continue;
            }

            if (!apigw_utf8_valid(ctx->query[i].value,
                                  ctx->query[i].value_len))
            {
                return NGX_ABORT;
            }

            if (text->data == NULL) {
                text->data = (u_char *) ctx->query[i].value;
                text->len = ctx->query[i].value_len;
            }
        }

        return text->data ? NGX_OK : NGX_DECLINED;

    case APIGW_IN_COOKIE:
        for (i = 0; i < ncookies; i++) {
            if (cookies[i].name_len == p->name_len
                && ngx_strncmp(cookies[i].name, p->name, p->name_len) == 0)
            {
                text->data = (u_char *) cookies[i].value;
                text->len = cookies[i].value_len;
                break;
            }
        }

        if (text->data == NULL) {
            return NGX_DECLINED;
        }

        break;

    default: /* APIGW_IN_HEADER: repeated ones are one comma-separated list */
        if (ngx_http_apigw_header_values(r, (u_char *) p->name, p->name_len,
                                         ',', text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (text->data == NULL) {
            return NGX_DECLINED;
        }

        break;
    }

    if (!apigw_utf8_valid((char *) text->data, text->len)) {
        return NGX_ABORT;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apigw_validate_body(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    char                      errbuf[APIGW_ERR_LEN];
    ngx_str_t                 type, message;
    ngx_int_t                 rc;
    apigw_operation_t        *op;
    apigw_json_arena_t        arena;
    const apigw_media_t      *media;
    ngx_http_apigw_errors_t   errors;

    op = ctx->op;

    if (!op->validate_body || !op->body.declared) {
        return NGX_OK;
    }

    if (ngx_http_apigw_errors_init(r, &errors) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&message, "Invalid request body");

    if (ctx->body.len == 0) {
        if (!op->body.required) {
            return NGX_OK;
        }

        if (ngx_http_apigw_error(&errors, "body", NULL, "", "required",
                                 "a request body is required")
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_apigw_refuse(r, ctx, APIGW_GR_BAD_REQUEST_BODY,
                                     &message, &errors);
    }

    ngx_http_apigw_content_type(r, &type);

    media = apigw_media_match(&op->body, (char *) type.data, type.len);

    if (media == NULL) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "apigw: %s does not take \"%V\" bodies",
                      op->route_key, &type);
        return ngx_http_apigw_refuse(r, ctx, APIGW_GR_UNSUPPORTED_MEDIA_TYPE,
                                     NULL, NULL);
    }

    if (media->schema == NULL
        || !apigw_content_type_is_json((char *) type.data, type.len))
    {
        return NGX_OK;
    }

    /*
     * a valid body is usually found valid from its text, with no tree;
     * the tree is built when the integration reads the body, or to say
     * what is wrong
     */
    if (ctx->json == NULL
        && !op->integration.needs_body
        && op->integration.nrequest_templates == 0)
    {
        ngx_http_apigw_pool_arena(r, &arena);

        if (apigw_schema_check_text(media->schema, (char *) ctx->body.data,
                                    ctx->body.len, ctx->alcf->json_max_depth,
                                    &arena))
        {
            return NGX_OK;
        }
    }

    rc = ngx_http_apigw_parse_json(r, ctx, &ctx->body, &ctx->json, errbuf,
                                   sizeof(errbuf));
    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DECLINED) {
        if (ngx_http_apigw_error(&errors, "body", NULL, "", "syntax", errbuf)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } else if (ngx_http_apigw_check_schema(&errors, media->schema, ctx->json,
                                           "body", NULL)
               != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (errors.n == 0) {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apigw: %s: invalid request body", op->route_key);

    return ngx_http_apigw_refuse(r, ctx, APIGW_GR_BAD_REQUEST_BODY, &message,
                                 &errors);
}


static ngx_int_t
ngx_http_apigw_check_schema(ngx_http_apigw_errors_t *errors,
    struct apigw_schema_s *schema, json_t *value, const char *in,
    const char *name)
{
    size_t                 i;
    apigw_schema_error_t   list[NGX_HTTP_APIGW_MAX_ERRORS];
    apigw_schema_errors_t  result;

    result.errors = list;
    result.max = NGX_HTTP_APIGW_MAX_ERRORS;
    result.n = 0;

    if (apigw_schema_validate(schema, value, &result)) {
        return NGX_OK;
    }

    if (result.n == 0) {
        return ngx_http_apigw_error(errors, in, name, "", "schema",
                                    "is not valid");
    }

    for (i = 0; i < result.n; i++) {
        if (ngx_http_apigw_error(errors, in, name, list[i].path,
                                 list[i].keyword, list[i].message)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apigw_errors_init(ngx_http_request_t *r,
    ngx_http_apigw_errors_t *errors)
{
    errors->request = r;
    errors->n = 0;

    return ngx_array_init(&errors->text, r->pool, 256, 1);
}


/*
 * a present parameter whose text is not UTF-8: what a JSON string cannot
 * hold no schema accepts, with or without one; the text is not echoed
 */
static ngx_int_t
ngx_http_apigw_not_utf8(ngx_http_apigw_errors_t *errors,
    apigw_parameter_t *param)
{
    return ngx_http_apigw_error(errors, apigw_param_in_name(param->in),
                                param->name, "", "encoding",
                                "is not valid UTF-8");
}


/* {"in":"query","name":"limit","path":"","keyword":"x","message":"y"} */
static ngx_int_t
ngx_http_apigw_error(ngx_http_apigw_errors_t *errors, const char *in,
    const char *name, const char *path, const char *keyword,
    const char *message)
{
    u_char  *p;
    size_t   len, nlen, plen, klen, mlen;

    if (errors->n == NGX_HTTP_APIGW_MAX_ERRORS) {
        return NGX_OK;
    }

    nlen = name ? ngx_http_apigw_json_escape_len((u_char *) name,
                                                 ngx_strlen(name))
                : 0;
    plen = ngx_http_apigw_json_escape_len((u_char *) path, ngx_strlen(path));
    klen = ngx_http_apigw_json_escape_len((u_char *) keyword,
                                          ngx_strlen(keyword));
    mlen = ngx_http_apigw_json_escape_len((u_char *) message,
                                          ngx_strlen(message));

    len = sizeof(",{\"in\":\"\",\"name\":\"\",\"path\":\"\",\"keyword\":\"\","
                 "\"message\":\"\"}") - 1
          + ngx_strlen(in) + nlen + plen + klen + mlen;

    p = ngx_array_push_n(&errors->text, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (errors->n) {
        *p++ = ',';

    } else {
        errors->text.nelts--;
    }

    p = ngx_sprintf(p, "{\"in\":\"%s\",", in);

    if (name) {
        p = ngx_cpymem(p, "\"name\":\"", sizeof("\"name\":\"") - 1);
        p = ngx_http_apigw_json_escape(p, (u_char *) name, ngx_strlen(name));
        p = ngx_cpymem(p, "\",", 2);

    } else {
        errors->text.nelts -= sizeof("\"name\":\"\",") - 1;
    }

    p = ngx_cpymem(p, "\"path\":\"", sizeof("\"path\":\"") - 1);
    p = ngx_http_apigw_json_escape(p, (u_char *) path, ngx_strlen(path));
    p = ngx_cpymem(p, "\",\"keyword\":\"", sizeof("\",\"keyword\":\"") - 1);
    p = ngx_http_apigw_json_escape(p, (u_char *) keyword, ngx_strlen(keyword));
    p = ngx_cpymem(p, "\",\"message\":\"", sizeof("\",\"message\":\"") - 1);
    p = ngx_http_apigw_json_escape(p, (u_char *) message, ngx_strlen(message));
    *p++ = '"';
    *p++ = '}';

    errors->n++;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apigw_refuse(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_gr_type_e type, ngx_str_t *message, ngx_http_apigw_errors_t *errors)
{
    if (message) {
        ctx->error_message = *message;
    }

    ctx->validation_failed = 1 + (type == APIGW_GR_BAD_REQUEST_PARAMETERS
                                  ? APIGW_INVALID_PARAMETERS
                                  : type == APIGW_GR_BAD_REQUEST_BODY
                                  ? APIGW_INVALID_BODY
                                  : APIGW_INVALID_CONTENT_TYPE);

    if (errors && errors->n && ctx->settings->validation_details) {
        ctx->error_details.data = errors->text.elts;
        ctx->error_details.len = errors->text.nelts;
    }

    return ngx_http_apigw_send_gateway_response(r, ctx, type, 0);
}


