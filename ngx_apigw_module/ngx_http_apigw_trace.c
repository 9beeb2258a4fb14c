
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Tracing by propagation: a request's trace is the caller's (a valid W3C
 * traceparent, else a valid X-Amzn-Trace-Id Root) or a new one; the
 * gateway is a span of it with an id of its own.  The backend gets
 * traceparent with that span as its parent, the caller's tracestate when
 * its traceparent was valid (dropped otherwise, as Trace Context says),
 * and X-Amzn-Trace-Id with the same ids, as AWS adds it.  No span is
 * exported: $apigw_trace_id and $apigw_span_id go to the access log, or
 * to nginx's OpenTelemetry module where one is installed.
 */


static ngx_uint_t ngx_http_apigw_trace_is(ngx_table_elt_t *h,
    ngx_str_t *name);


static ngx_str_t  ngx_http_apigw_traceparent = ngx_string("traceparent");
static ngx_str_t  ngx_http_apigw_tracestate = ngx_string("tracestate");
static ngx_str_t  ngx_http_apigw_xray = ngx_string("x-amzn-trace-id");


void
ngx_http_apigw_trace(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    uint64_t   v;
    ngx_str_t  value;

    if (ctx->trace_set) {
        return;
    }

    ctx->trace_set = 1;

    if ((ngx_http_apigw_header_values(r, ngx_http_apigw_traceparent.data,
                                      ngx_http_apigw_traceparent.len, ',',
                                      &value)
         == NGX_OK
         && value.len
         && apigw_traceparent_parse((char *) value.data, value.len,
                                    &ctx->trace))
        || (ngx_http_apigw_header_values(r, ngx_http_apigw_xray.data,
                                         ngx_http_apigw_xray.len, ',',
                                         &value)
            == NGX_OK
            && value.len
            && apigw_xray_parse((char *) value.data, value.len,
                                &ctx->trace)))
    {
        ctx->trace_continued = 1;

    } else {
        ngx_memzero(&ctx->trace, sizeof(apigw_trace_t));

        v = ngx_http_apigw_random(r);
        ngx_memcpy(ctx->trace.trace_id, &v, 8);
        v = ngx_http_apigw_random(r);
        ngx_memcpy(ctx->trace.trace_id + 8, &v, 8);

        /* X-Ray's form: the first 4 bytes are the start, in seconds */
        ctx->trace.trace_id[0] = (u_char) (r->start_sec >> 24);
        ctx->trace.trace_id[1] = (u_char) (r->start_sec >> 16);
        ctx->trace.trace_id[2] = (u_char) (r->start_sec >> 8);
        ctx->trace.trace_id[3] = (u_char) r->start_sec;
    }

    /* an id of zeros is no id */
    v = ngx_http_apigw_random(r);
    v = v ? v : 1;
    ngx_memcpy(ctx->span, &v, 8);
}


/*
 * 1 for a client's header that the ones sent replace: traceparent,
 * X-Amzn-Trace-Id, and tracestate when the trace is not the caller's
 */
ngx_uint_t
ngx_http_apigw_trace_header(ngx_http_apigw_ctx_t *ctx, ngx_table_elt_t *h)
{
    return ngx_http_apigw_trace_is(h, &ngx_http_apigw_traceparent)
           || ngx_http_apigw_trace_is(h, &ngx_http_apigw_xray)
           || (!ctx->trace_continued
               && ngx_http_apigw_trace_is(h, &ngx_http_apigw_tracestate));
}


static ngx_uint_t
ngx_http_apigw_trace_is(ngx_table_elt_t *h, ngx_str_t *name)
{
    return h->key.len == name->len
           && ngx_strncasecmp(h->key.data, name->data, name->len) == 0;
}


/* traceparent and X-Amzn-Trace-Id for the backend: the gateway's span */
ngx_int_t
ngx_http_apigw_trace_headers(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_list_t *headers)
{
    u_char           *p;
    ngx_table_elt_t  *h;

    h = ngx_list_push(headers);
    p = ngx_pnalloc(r->pool, APIGW_TRACEPARENT_LEN + APIGW_XRAY_LEN);

    if (h == NULL || p == NULL) {
        return NGX_ERROR;
    }

    apigw_traceparent_format(&ctx->trace, ctx->span, (char *) p);

    h->hash = 1;
    ngx_str_set(&h->key, "traceparent");
    h->lowcase_key = (u_char *) "traceparent";
    h->value.data = p;
    h->value.len = APIGW_TRACEPARENT_LEN;

    h = ngx_list_push(headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    p += APIGW_TRACEPARENT_LEN;

    h->hash = 1;
    ngx_str_set(&h->key, "X-Amzn-Trace-Id");
    h->lowcase_key = (u_char *) "x-amzn-trace-id";
    h->value.data = p;
    h->value.len = apigw_xray_from_traceparent((char *) p
                                               - APIGW_TRACEPARENT_LEN,
                                               (char *) p);

    return NGX_OK;
}
