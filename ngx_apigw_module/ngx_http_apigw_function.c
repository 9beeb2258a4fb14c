
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Functions as integrations, for the integrate step: the proxy event
 * (apigw_proxy_event.c) POSTed to the Lambda Invoke API at apigw_functions
 * through a fetch (ngx_http_apigw_fetch.c: a subrequest of nginx's proxy
 * module, its answer kept in memory, up to Lambda's 6 MB), so that the
 * whole answer is in before a header goes: its statusCode is in its body.
 * The step suspends until the fetch ends, then answers:
 *
 *   the answer                    the client
 *   200, a proxy response         that response (apigw_function_response.c)
 *   200, not a proxy response     502 INTEGRATION_FAILURE
 *   200, X-Amz-Function-Error     502 INTEGRATION_FAILURE
 *   another status (429, 404,     500 INTEGRATION_FAILURE: the Invoke API
 *     413, 5xx), no answer          refused, or was not there
 *   the deadline                  504 INTEGRATION_TIMEOUT
 *
 * as API Gateway does.  The deadline is the operation's timeout from the
 * request's arrival (time spent by custom authorizers counts, as they
 * count it); the host is told what is left of it (X-Apigw-Timeout-Ms), and
 * a function error that comes once it has passed is a 504 too.  nginx
 * never sends a POST twice (proxy_next_upstream non_idempotent is off):
 * an invocation is never resent once sent.
 */


#define NGX_HTTP_APIGW_FUNCTION_CLOCK_SLACK  20     /* ms */
#define NGX_HTTP_APIGW_INVOKE_PATH   "/2015-03-31/functions/"
#define NGX_HTTP_APIGW_INVOKE_TAIL   "/invocations"
#define NGX_HTTP_APIGW_QUALIFIER     "?Qualifier="
#define NGX_HTTP_APIGW_FUNCTION_LOG_ERROR  256  /* of its error, logged */


struct ngx_http_apigw_function_s {
    ngx_http_apigw_fetch_t      fetch;
    ngx_keyval_t                headers[2];     /* the budget, the trace */
    u_char                      trace_text[APIGW_XRAY_LEN];
    ngx_str_t                   name;
    ngx_msec_t                  budget;     /* ms, the host was told */
    u_char                      budget_text[NGX_INT_T_LEN];
};


static ngx_int_t ngx_http_apigw_function_start(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_function_name(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_tpl_t *tpl, ngx_uint_t qualifier,
    ngx_str_t *name);
static ngx_int_t ngx_http_apigw_function_url(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_str_t *name, ngx_str_t *qualifier,
    ngx_str_t *url);
static ngx_int_t ngx_http_apigw_function_event(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_str_t *text);
static ngx_int_t ngx_http_apigw_function_answer(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_str_t *ngx_http_apigw_function_error(ngx_http_apigw_fetch_t *f);
static ngx_int_t ngx_http_apigw_function_respond(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_fn_response_t *resp);
static ngx_int_t ngx_http_apigw_function_fail(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_fn_outcome_e outcome,
    apigw_gr_type_e type, ngx_uint_t status, const char *why,
    ngx_str_t *detail);
static void ngx_http_apigw_function_free(void *data);


/*
 * apigw_functions http://unix:/path.sock | http://host:port | http://name
 * (an upstream{}) [aws_sigv4 ...]: where functions are invoked, and how
 * the calls are signed (ngx_http_apigw_sigv4.c)
 */
char *
ngx_http_apigw_functions_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    u_char     *p, *host, *end;
    ngx_str_t  *value, url;

    if (alcf->functions.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    url = value[1];

    if (url.len > 7 && ngx_strncasecmp(url.data, (u_char *) "http://", 7) == 0)
    {
        host = url.data + 7;

    } else if (url.len > 8
               && ngx_strncasecmp(url.data, (u_char *) "https://", 8) == 0)
    {
        host = url.data + 8;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions \"%V\": an http:// URL (of a "
                           "unix socket, a host and port, an upstream)",
                           &url);
        return NGX_CONF_ERROR;
    }

    end = url.data + url.len;

    while (end > host && end[-1] == '/') {
        end--;
    }

    url.len = end - url.data;

    if (end - host > 5 && ngx_strncmp(host, "unix:", 5) == 0) {
        p = host + 5;

        if (p == end || *p != '/') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "apigw_functions \"%V\": a unix socket needs "
                               "its absolute path: http://unix:/path.sock",
                               &value[1]);
            return NGX_CONF_ERROR;
        }

    } else if (host == end || *host == '/' || *host == ':') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions \"%V\": no host", &value[1]);
        return NGX_CONF_ERROR;
    }

    alcf->functions = url;

    if (cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    if (value[2].len != sizeof("aws_sigv4") - 1
        || ngx_strncmp(value[2].data, "aws_sigv4", value[2].len) != 0)
    {
        /* never shown: it may be a key */
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions \"%V\": what follows the URL "
                           "is aws_sigv4 and its parameters", &url);
        return NGX_CONF_ERROR;
    }

    return ngx_http_apigw_sigv4_conf(cf, &url, &value[3], cf->args->nelts - 3,
                                     &alcf->functions_sigv4);
}


/*
 * The step's runs: the first starts the call and suspends; the one after
 * the fetch ended answers
 */
ngx_int_t
ngx_http_apigw_function_integration(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    if (ctx->function == NULL) {
        return ngx_http_apigw_function_start(r, ctx);
    }

    if (!ctx->function->fetch.done) {
        /* woken for something else: the answer is still to come */
        return NGX_DONE;
    }

    return ngx_http_apigw_function_answer(r, ctx);
}


static ngx_int_t
ngx_http_apigw_function_start(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    ngx_int_t                   rc;
    ngx_str_t                   qualifier, event;
    ngx_time_t                 *tp;
    ngx_msec_int_t              elapsed;
    apigw_integration_t        *in;
    ngx_http_apigw_fetch_t     *f;
    ngx_http_apigw_function_t  *fn;

    in = &ctx->op->integration;

    fn = ngx_pcalloc(r->pool, sizeof(ngx_http_apigw_function_t));
    if (fn == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->function = fn;
    f = &fn->fetch;

    ngx_str_null(&qualifier);

    rc = ngx_http_apigw_function_name(r, ctx, in->function, 0, &fn->name);

    if (rc == NGX_OK && in->qualifier) {
        rc = ngx_http_apigw_function_name(r, ctx, in->qualifier, 1,
                                          &qualifier);
    }

    if (rc == NGX_DECLINED) {
        return ngx_http_apigw_send_gateway_response(r, ctx,
                                        APIGW_GR_API_CONFIGURATION_ERROR, 0);
    }

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_apigw_function_url(r, ctx, &fn->name, &qualifier, &f->url)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->integration_url = f->url;
    ngx_str_set(&ctx->integration_method, "POST");

    /* min(the operation's timeout, what is left of the deadline) */

    tp = ngx_timeofday();
    elapsed = (ngx_msec_int_t) ((tp->sec - r->start_sec) * 1000
                                + (tp->msec - r->start_msec));

    ctx->integration_start = ngx_current_msec;
    ctx->integration_started = 1;

    if (elapsed >= (ngx_msec_int_t) in->timeout_ms) {
        ctx->deadline_passed = 1;
        return ngx_http_apigw_function_fail(r, ctx, APIGW_FN_OUTCOME_TIMEOUT,
                                            APIGW_GR_INTEGRATION_TIMEOUT, 0,
                                            "no time is left for the call",
                                            NULL);
    }

    fn->budget = in->timeout_ms - (elapsed > 0 ? elapsed : 0);

    rc = ngx_http_apigw_function_event(r, ctx, &event);

    if (rc != NGX_OK) {
        return rc;
    }

    if (event.len > APIGW_FN_PAYLOAD_MAX) {
        return ngx_http_apigw_function_fail(r, ctx,
                                            APIGW_FN_OUTCOME_REFUSED,
                                            APIGW_GR_REQUEST_TOO_LARGE, 0,
                                            "the event is larger than "
                                            "6291456 bytes", NULL);
    }

    ngx_str_set(&fn->headers[0].key, "X-Apigw-Timeout-Ms");
    fn->headers[0].value.data = fn->budget_text;
    fn->headers[0].value.len = ngx_sprintf(fn->budget_text, "%M", fn->budget)
                               - fn->budget_text;

    /* the trace goes on as to a backend: Lambda-Runtime-Trace-Id */
    ngx_http_apigw_trace(r, ctx);

    ngx_str_set(&fn->headers[1].key, "X-Amzn-Trace-Id");
    fn->headers[1].value.data = fn->trace_text;
    fn->headers[1].value.len = apigw_xray_format(&ctx->trace, ctx->span,
                                                 (char *) fn->trace_text);

    f->body = event;
    f->timeout = fn->budget;
    f->max_size = NGX_HTTP_APIGW_FUNCTION_ANSWER_MAX;
    f->headers = fn->headers;
    f->nheaders = 2;
    f->handler = NULL;
    ngx_str_set(&f->method, "POST");
    ngx_str_set(&f->content_type, "application/json");

    if (ctx->alcf->functions_sigv4 != NULL
        && ngx_http_apigw_sigv4_sign(r, ctx->alcf->functions_sigv4, f)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apigw function: %V, %uz bytes, %M ms", &f->url,
                   event.len, fn->budget);

    if (ngx_http_apigw_fetch_start(r, f) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DONE;
}


/*
 * a name (a qualifier) with its stage variables: NGX_OK, one Lambda takes;
 * NGX_DECLINED, not one (API_CONFIGURATION_ERROR)
 */
static ngx_int_t
ngx_http_apigw_function_name(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_tpl_t *tpl, ngx_uint_t qualifier, ngx_str_t *name)
{
    ngx_str_t  args;

    ngx_str_null(&args);

    if (ngx_http_apigw_render_uri(r, ctx, tpl, &args, name) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (apigw_function_name_valid((char *) name->data, name->len,
                                  qualifier))
    {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "apigw: %s: the function's %s \"%V\" is not one (a stage "
                  "variable missing?)", ctx->op->route_key,
                  qualifier ? "qualifier" : "name", name);

    return NGX_DECLINED;
}


/*
 * apigw_functions + /2015-03-31/functions/NAME/invocations[?Qualifier=Q];
 * on a unix socket, the path after its ":"
 */
static ngx_int_t
ngx_http_apigw_function_url(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_str_t *name, ngx_str_t *qualifier, ngx_str_t *url)
{
    u_char     *p, *host;
    size_t      len;
    ngx_str_t  *base;
    ngx_uint_t  colon;

    base = &ctx->alcf->functions;

    host = ngx_strlchr(base->data, base->data + base->len, ':') + 3;

    /* http://unix:/path.sock: its URI follows a second ":" */
    colon = (size_t) (base->data + base->len - host) > 5
            && ngx_strncmp(host, "unix:", 5) == 0
            && ngx_strlchr(host + 5, base->data + base->len, ':') == NULL;

    len = base->len + colon + sizeof(NGX_HTTP_APIGW_INVOKE_PATH) - 1
          + name->len + sizeof(NGX_HTTP_APIGW_INVOKE_TAIL) - 1
          + (qualifier->len
             ? sizeof(NGX_HTTP_APIGW_QUALIFIER) - 1 + 3 * qualifier->len
             : 0);

    url->data = ngx_pnalloc(r->pool, len);
    if (url->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(url->data, base->data, base->len);

    if (colon) {
        *p++ = ':';
    }

    p = ngx_cpymem(p, NGX_HTTP_APIGW_INVOKE_PATH,
                   sizeof(NGX_HTTP_APIGW_INVOKE_PATH) - 1);
    p = ngx_cpymem(p, name->data, name->len);
    p = ngx_cpymem(p, NGX_HTTP_APIGW_INVOKE_TAIL,
                   sizeof(NGX_HTTP_APIGW_INVOKE_TAIL) - 1);

    if (qualifier->len) {
        p = ngx_cpymem(p, NGX_HTTP_APIGW_QUALIFIER,
                       sizeof(NGX_HTTP_APIGW_QUALIFIER) - 1);
        p = (u_char *) ngx_escape_uri(p, qualifier->data, qualifier->len,
                                      NGX_ESCAPE_ARGS);
    }

    url->len = p - url->data;

    return NGX_OK;
}


/* the proxy event's text, freed with the request */
static ngx_int_t
ngx_http_apigw_function_event(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, ngx_str_t *text)
{
    char                   *event;
    size_t                  len;
    ngx_str_t               key;
    apigw_api_t            *api;
    apigw_json_arena_t      arena;
    apigw_event_request_t   rq;

    if (ngx_http_apigw_event_request(r, ctx, &rq) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    api = ctx->alcf->api->api;

    rq.body.data = ctx->body.data ? (char *) ctx->body.data : NULL;
    rq.body.len = ctx->body.len;
    rq.domain.data = (char *) r->headers_in.server.data;
    rq.domain.len = r->headers_in.server.len;
    rq.binary_types = api->binary_types;
    rq.nbinary_types = api->nbinary_types;
    rq.claims = ctx->claims;
    rq.authz = ctx->authz;

    if (r->headers_in.content_length_n > 0 && rq.body.data == NULL) {
        /* a body of only a file, read for validation: none here */
        rq.body.data = "";
    }

    if (ctx->key) {
        rq.api_key_id.data = ctx->key->id;
        rq.api_key_id.len = ngx_strlen(ctx->key->id);

        /* the key as the client sent it, in x-api-key */
        ngx_str_set(&key, "x-api-key");

        if (ngx_http_apigw_header_values(r, key.data, key.len, ',', &key)
            == NGX_OK && key.data != NULL)
        {
            rq.api_key.data = (char *) key.data;
            rq.api_key.len = key.len;
        }
    }

    if (ctx->usage_key.len) {
        rq.api_key.data = (char *) ctx->usage_key.data;
        rq.api_key.len = ctx->usage_key.len;
    }

    /*
     * the text in the request's pool, and what jansson allocates for an
     * authorizer's context on the way: malloc() and free() were a fifth
     * of a function call's instructions here
     */
    ngx_http_apigw_pool_arena(r, &arena);
    apigw_json_set_arena(&arena);

    event = apigw_proxy_event_text(&rq, ctx->op->integration.payload_v2,
                                   &arena, &len);

    apigw_json_set_arena(NULL);

    if (event == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    text->data = (u_char *) event;
    text->len = len;

    return NGX_OK;
}


/* the fetch has ended: the answer, or why there is none, decides */
static ngx_int_t
ngx_http_apigw_function_answer(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    int                         binary;
    char                        errbuf[APIGW_ERR_LEN];
    ngx_str_t                   accept, text;
    ngx_uint_t                  status;
    apigw_api_t                *api;
    ngx_pool_cleanup_t         *cln;
    apigw_fn_response_t        *resp;
    ngx_http_apigw_fetch_t     *f;
    apigw_fn_response_rc_e      rc;
    ngx_http_apigw_function_t  *fn;

    fn = ctx->function;
    f = &fn->fetch;

    ctx->integration_latency = ngx_current_msec - ctx->integration_start;
    ctx->integration_status = f->status;

    if (f->timed_out) {
        ctx->deadline_passed = 1;
        return ngx_http_apigw_function_fail(r, ctx, APIGW_FN_OUTCOME_TIMEOUT,
                                            APIGW_GR_INTEGRATION_TIMEOUT, 0,
                                            "timed out", NULL);
    }

    if (f->status == 0) {
        /* too large: Lambda's Function.ResponseSizeTooLarge, a 502 */
        status = f->too_large ? NGX_HTTP_BAD_GATEWAY
                              : NGX_HTTP_INTERNAL_SERVER_ERROR;

        return ngx_http_apigw_function_fail(r, ctx,
                                            f->too_large
                                            ? APIGW_FN_OUTCOME_MALFORMED
                                            : APIGW_FN_OUTCOME_UNREACHABLE,
                                            APIGW_GR_INTEGRATION_FAILURE,
                                            status,
                                            f->error ? f->error : "no answer",
                                            NULL);
    }

    if (f->status != NGX_HTTP_OK) {
        apigw_fn_error_text((char *) f->response.data, f->response.len,
                            errbuf, NGX_HTTP_APIGW_FUNCTION_LOG_ERROR);
        text.data = (u_char *) errbuf;
        text.len = ngx_strlen(errbuf);

        return ngx_http_apigw_function_fail(r, ctx, APIGW_FN_OUTCOME_REFUSED,
                                            APIGW_GR_INTEGRATION_FAILURE,
                                            NGX_HTTP_INTERNAL_SERVER_ERROR,
                                            "the Invoke API refused", &text);
    }

    if (ngx_http_apigw_function_error(f) != NULL) {
        apigw_fn_error_text((char *) f->response.data, f->response.len,
                            errbuf, NGX_HTTP_APIGW_FUNCTION_LOG_ERROR);
        text.data = (u_char *) errbuf;
        text.len = ngx_strlen(errbuf);

        if (ctx->integration_latency + NGX_HTTP_APIGW_FUNCTION_CLOCK_SLACK
            >= (ngx_msec_int_t) fn->budget)
        {
            /*
             * the host stopped it at the deadline it was given, by its
             * own clock: a millisecond or so from ours; as at our own
             * deadline, no integration status is reported
             */
            ctx->deadline_passed = 1;
            ctx->integration_status = 0;
            return ngx_http_apigw_function_fail(r, ctx,
                                                APIGW_FN_OUTCOME_TIMEOUT,
                                                APIGW_GR_INTEGRATION_TIMEOUT,
                                                0, "timed out", &text);
        }

        return ngx_http_apigw_function_fail(r, ctx,
                                            APIGW_FN_OUTCOME_FUNCTION_ERROR,
                                            APIGW_GR_INTEGRATION_FAILURE, 0,
                                            "a function error", &text);
    }

    /* base64 bodies decoded for an Accept (its first type) that is binary */

    api = ctx->alcf->api->api;
    binary = 0;

    if (api->nbinary_types
        && ngx_http_apigw_header_values(r, (u_char *) "accept", 6, ',',
                                        &accept)
           == NGX_OK
        && accept.data != NULL)
    {
        binary = apigw_binary_type(api->binary_types, api->nbinary_types,
                                   (char *) accept.data, accept.len);
    }

    rc = apigw_fn_response_parse((char *) f->response.data, f->response.len,
                                 ctx->op->integration.payload_v2, binary,
                                 &resp, errbuf, sizeof(errbuf));

    switch (rc) {

    case APIGW_FN_RESPONSE_OK:
        break;

    case APIGW_FN_RESPONSE_BAD_BASE64:
        return ngx_http_apigw_function_fail(r, ctx,
                                            APIGW_FN_OUTCOME_MALFORMED,
                                            APIGW_GR_INTEGRATION_FAILURE,
                                            NGX_HTTP_INTERNAL_SERVER_ERROR,
                                            errbuf, NULL);

    case APIGW_FN_RESPONSE_MALFORMED:
        text.data = (u_char *) errbuf;
        text.len = ngx_strlen(errbuf);

        return ngx_http_apigw_function_fail(r, ctx,
                                            APIGW_FN_OUTCOME_MALFORMED,
                                            APIGW_GR_INTEGRATION_FAILURE, 0,
                                            "a malformed answer", &text);

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        apigw_fn_response_free(resp);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_apigw_function_free;
    cln->data = resp;

    return ngx_http_apigw_function_respond(r, ctx, resp);
}


/*
 * the Invoke URL of a function named by a template (a custom authorizer's):
 * NGX_OK; NGX_DECLINED, its name is not one (a stage variable missing)
 */
ngx_int_t
ngx_http_apigw_function_invoke_url(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_tpl_t *function, char *qualifier,
    ngx_str_t *url)
{
    ngx_int_t  rc;
    ngx_str_t  name, q;

    rc = ngx_http_apigw_function_name(r, ctx, function, 0, &name);

    if (rc != NGX_OK) {
        return rc;
    }

    q.data = (u_char *) qualifier;
    q.len = qualifier ? ngx_strlen(qualifier) : 0;

    return ngx_http_apigw_function_url(r, ctx, &name, &q, url);
}


/* 1 when the answer is a function error (X-Amz-Function-Error) */
ngx_uint_t
ngx_http_apigw_function_failed(ngx_http_apigw_fetch_t *f)
{
    return ngx_http_apigw_function_error(f) != NULL;
}


/* X-Amz-Function-Error's value ("Unhandled"), or NULL when there is none */
static ngx_str_t *
ngx_http_apigw_function_error(ngx_http_apigw_fetch_t *f)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    if (f->headers_received == NULL) {
        return NULL;
    }

    for (part = &f->headers_received->part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].hash != 0
                && h[i].key.len == sizeof("X-Amz-Function-Error") - 1
                && ngx_strncasecmp(h[i].key.data,
                                   (u_char *) "X-Amz-Function-Error",
                                   h[i].key.len)
                   == 0)
            {
                return &h[i].value;
            }
        }
    }

    return NULL;
}


/* the function's response, whole */
static ngx_int_t
ngx_http_apigw_function_respond(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_fn_response_t *resp)
{
    size_t         i;
    ngx_buf_t     *b;
    apigw_pair_t  *h;

    ctx->responded = 1;
    ctx->function_outcome = APIGW_FN_OUTCOME_OK + 1;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    r->headers_out.status = resp->status;

    if (resp->content_type) {
        r->headers_out.content_type.data = (u_char *) resp->content_type;
        r->headers_out.content_type.len = resp->content_type_len;

    } else {
        ngx_str_set(&r->headers_out.content_type, "application/json");
    }

    for (i = 0; i < resp->nheaders; i++) {
        h = &resp->headers[i];

        if (ngx_http_apigw_set_header(r, (u_char *) h->name, h->name_len,
                                      (u_char *) h->value, h->value_len)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = (u_char *) resp->body;
    b->last = b->pos + resp->body_len;
    b->memory = resp->body_len ? 1 : 0;

    return ngx_http_apigw_send_response(r, b);
}


/* a gateway response for a failed call, logged with why */
static ngx_int_t
ngx_http_apigw_function_fail(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    apigw_fn_outcome_e outcome, apigw_gr_type_e type, ngx_uint_t status,
    const char *why, ngx_str_t *detail)
{
    ngx_str_t                   none;
    ngx_msec_int_t              ms;
    ngx_http_apigw_function_t  *fn;

    fn = ctx->function;
    ngx_str_null(&none);
    ms = ngx_max(ctx->integration_latency, 0);

    ctx->function_outcome = outcome + 1;

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "apigw: %s: function \"%V\": %s%s%V%s (status %ui, "
                  "%M ms)", ctx->op->route_key, &fn->name, why,
                  detail ? ": " : "", detail ? detail : &none, "",
                  fn->fetch.status, (ngx_msec_t) ms);

    return ngx_http_apigw_send_gateway_response(r, ctx, type, status);
}


static void
ngx_http_apigw_function_free(void *data)
{
    apigw_fn_response_free(data);
}

