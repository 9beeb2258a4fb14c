
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * A URL fetched for a request through nginx's own proxy module: a
 * background subrequest that keeps its answer in memory, started straight
 * in the request's apigw location (whose proxy_pass is
 * $apigw_integration_url), its phases skipped.  The subrequest has a
 * context of its own, so that $apigw_integration_url and
 * $apigw_integration_method are the fetch's, and a header list of its
 * own: no header, cookie or body of the client's goes with it.
 *
 * Its end, whatever it is, comes once: from the subrequest's finalization
 * (post_subrequest), from the fetch's timer, which cancels the
 * subrequest's upstream and closes its connection, or from the request's
 * termination.  The request then resumes from the posted requests, never
 * from inside the subrequest's finalization, or the fetch's handler runs.
 * The subrequest ends quietly whatever it met: its failure is the fetch's
 * outcome, never the request's.
 */


static ngx_int_t ngx_http_apigw_fetch_body(ngx_http_request_t *r,
    ngx_http_apigw_fetch_t *f, ngx_http_request_body_t **body,
    ngx_list_t *headers, ngx_table_elt_t **type);
static ngx_int_t ngx_http_apigw_fetch_headers(ngx_http_request_t *r,
    ngx_http_apigw_fetch_t *f, ngx_list_t *headers);
static ngx_uint_t ngx_http_apigw_fetch_method(ngx_str_t *name);
static void ngx_http_apigw_fetch_run(ngx_http_request_t *sr);
static ngx_int_t ngx_http_apigw_fetch_done(ngx_http_request_t *sr,
    void *data, ngx_int_t rc);
static void ngx_http_apigw_fetch_answer(ngx_http_apigw_fetch_t *f,
    ngx_http_request_t *sr);
static ngx_uint_t ngx_http_apigw_fetch_complete(ngx_http_request_t *sr,
    size_t len);
static void ngx_http_apigw_fetch_timeout(ngx_event_t *ev);
static void ngx_http_apigw_fetch_end(ngx_http_apigw_fetch_t *f);
static void ngx_http_apigw_fetch_cleanup(void *data);


static ngx_str_t  ngx_http_apigw_fetch_get = ngx_string("GET");
static ngx_str_t  ngx_http_apigw_fetch_json = ngx_string("application/json");


ngx_int_t
ngx_http_apigw_fetch_start(ngx_http_request_t *r, ngx_http_apigw_fetch_t *f)
{
    ngx_str_t                     uri, method;
    ngx_list_t                   *headers;
    ngx_table_elt_t              *type;
    ngx_http_cleanup_t           *cln;
    ngx_http_request_t           *sr;
    ngx_http_apigw_ctx_t         *sctx;
    ngx_http_request_body_t      *body;
    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_post_subrequest_t   *ps;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->handler == NULL || f->url.len == 0 || f->timeout == 0) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apigw: a fetch with no URL, no timeout or outside "
                      "an apigw location");
        return NGX_ERROR;
    }

    method = f->method.len ? f->method : ngx_http_apigw_fetch_get;

    /* all that can fail, before the subrequest exists */

    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    sctx = ngx_pcalloc(r->pool, sizeof(ngx_http_apigw_ctx_t));
    headers = ngx_list_create(r->pool, 2 + f->nheaders,
                              sizeof(ngx_table_elt_t));
    cln = ngx_http_cleanup_add(r, 0);

    if (ps == NULL || sctx == NULL || headers == NULL || cln == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_apigw_fetch_body(r, f, &body, headers, &type) != NGX_OK
        || ngx_http_apigw_fetch_headers(r, f, headers) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ps->handler = ngx_http_apigw_fetch_done;
    ps->data = f;

    sctx->alcf = ngx_http_get_module_loc_conf(r, ngx_http_apigw_module);
    sctx->fetch = f;
    sctx->integration_url = f->url;
    sctx->integration_method = method;
    sctx->integration_latency = -1;

    /* the path the proxy module sends when the URL has none */
    ngx_str_set(&uri, "/");

    if (ngx_http_subrequest(r, &uri, NULL, &sr, ps,
                            NGX_HTTP_SUBREQUEST_IN_MEMORY
                            |NGX_HTTP_SUBREQUEST_BACKGROUND)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    sr->method = ngx_http_apigw_fetch_method(&method);
    sr->method_name = method;
    sr->header_only = (sr->method == NGX_HTTP_HEAD);
    sr->unparsed_uri = uri;

    /* no location lookup: the request's own, and its content handler */
    sr->loc_conf = r->loc_conf;
    ngx_http_update_location_config(sr);
    sr->write_event_handler = ngx_http_apigw_fetch_run;

    ngx_memzero(&sr->headers_in, sizeof(ngx_http_headers_in_t));
    sr->headers_in.headers = *headers;
    sr->headers_in.headers.last = &sr->headers_in.headers.part;
    sr->headers_in.content_type = type;
    sr->headers_in.content_length_n = body ? (off_t) f->body.len : -1;
    sr->headers_in.keep_alive_n = -1;
    sr->request_body = body;
    sr->discard_body = 0;

    sctx->request = sr;
    ngx_http_set_ctx(sr, sctx, ngx_http_apigw_module);

    f->request = r;
    f->subrequest = sr;
    f->status = 0;
    ngx_str_null(&f->response);
    ngx_str_null(&f->content_type_received);
    f->headers_received = NULL;
    f->error = NULL;
    f->done = 0;
    f->timed_out = 0;
    f->too_large = 0;

    ngx_memzero(&f->timer, sizeof(ngx_event_t));
    f->timer.handler = ngx_http_apigw_fetch_timeout;
    f->timer.data = f;
    f->timer.log = r->connection->log;

    ngx_add_timer(&f->timer, f->timeout);

    cln->handler = ngx_http_apigw_fetch_cleanup;
    cln->data = f;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apigw fetch: %V %V", &method, &f->url);

    return NGX_OK;
}


/* the body in a buffer of its own, and its Content-Type */
static ngx_int_t
ngx_http_apigw_fetch_body(ngx_http_request_t *r, ngx_http_apigw_fetch_t *f,
    ngx_http_request_body_t **body, ngx_list_t *headers,
    ngx_table_elt_t **type)
{
    ngx_buf_t                *b;
    ngx_table_elt_t          *h;
    ngx_http_request_body_t  *rb;

    *body = NULL;
    *type = NULL;

    if (f->body.len == 0) {
        return NGX_OK;
    }

    rb = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
    b = ngx_calloc_buf(r->pool);
    h = ngx_list_push(headers);

    if (rb == NULL || b == NULL || h == NULL) {
        return NGX_ERROR;
    }

    rb->bufs = ngx_alloc_chain_link(r->pool);
    if (rb->bufs == NULL) {
        return NGX_ERROR;
    }

    b->start = f->body.data;
    b->pos = b->start;
    b->last = b->start + f->body.len;
    b->end = b->last;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    rb->bufs->buf = b;
    rb->bufs->next = NULL;

    h->hash = 1;
    ngx_str_set(&h->key, "Content-Type");
    h->lowcase_key = (u_char *) "content-type";
    h->value = f->content_type.len ? f->content_type
                                   : ngx_http_apigw_fetch_json;

    *body = rb;
    *type = h;

    return NGX_OK;
}


/* the fetch's own headers, besides Content-Type */
static ngx_int_t
ngx_http_apigw_fetch_headers(ngx_http_request_t *r, ngx_http_apigw_fetch_t *f,
    ngx_list_t *headers)
{
    ngx_uint_t        i;
    ngx_table_elt_t  *h;

    for (i = 0; i < f->nheaders; i++) {
        h = ngx_list_push(headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->key = f->headers[i].key;
        h->value = f->headers[i].value;

        h->lowcase_key = ngx_pnalloc(r->pool, h->key.len);
        if (h->lowcase_key == NULL) {
            return NGX_ERROR;
        }

        h->hash = ngx_hash_strlow(h->lowcase_key, h->key.data, h->key.len);
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_http_apigw_fetch_method(ngx_str_t *name)
{
    ngx_uint_t  i;

    static struct {
        ngx_str_t   name;
        ngx_uint_t  method;
    } methods[] = {
        { ngx_string("GET"), NGX_HTTP_GET },
        { ngx_string("HEAD"), NGX_HTTP_HEAD },
        { ngx_string("POST"), NGX_HTTP_POST },
        { ngx_string("PUT"), NGX_HTTP_PUT },
        { ngx_string("DELETE"), NGX_HTTP_DELETE },
        { ngx_string("PATCH"), NGX_HTTP_PATCH },
        { ngx_string("OPTIONS"), NGX_HTTP_OPTIONS }
    };

    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (methods[i].name.len == name->len
            && ngx_strncmp(methods[i].name.data, name->data, name->len) == 0)
        {
            return methods[i].method;
        }
    }

    return NGX_HTTP_UNKNOWN;
}


/* the subrequest's turn, from the posted requests: the proxy module */
static void
ngx_http_apigw_fetch_run(ngx_http_request_t *sr)
{
    ngx_int_t                rc;
    ngx_http_apigw_fetch_t  *f;

    f = sr->post_subrequest->data;
    sr->write_event_handler = ngx_http_request_empty_handler;

    if (f->subrequest != sr) {
        /* the fetch ended before its subrequest began */
        ngx_http_finalize_request(sr, NGX_DONE);
        return;
    }

    rc = sr->content_handler(sr);

    /*
     * unbuffered: the answer goes to memory as it comes; buffered, the
     * event pipe would write it to a temporary file first, since the
     * client's connection is not the subrequest's to write to
     */
    if (sr->upstream != NULL) {
        sr->upstream->buffering = 0;
    }

    if (rc == NGX_DECLINED) {
        /* never the phases of a subrequest that has no location */
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_finalize_request(sr, rc);
}


static ngx_int_t
ngx_http_apigw_fetch_done(ngx_http_request_t *sr, void *data, ngx_int_t rc)
{
    ngx_http_apigw_fetch_t  *f = data;

    if (rc == NGX_AGAIN) {
        /* output still under way: it finalizes again */
        return rc;
    }

    if (f->subrequest != sr) {
        return NGX_OK;
    }

    if (rc == NGX_OK && sr->headers_out.status) {
        ngx_http_apigw_fetch_answer(f, sr);

    } else {
        f->status = 0;

        switch (rc) {

        case NGX_HTTP_BAD_GATEWAY:
            f->error = "no valid answer (nginx's 502)";
            break;

        case NGX_HTTP_GATEWAY_TIME_OUT:
            f->error = "no answer in time (nginx's 504)";
            break;

        case NGX_ERROR:
            f->error = "the answer failed, or did not fit in "
                       "subrequest_output_buffer_size";
            break;

        default:
            f->error = "no answer (an error in nginx)";
        }

        /* what the subrequest still held is not wanted any more */
        sr->buffered = 0;
    }

    ngx_http_apigw_fetch_end(f);

    return NGX_OK;
}


static void
ngx_http_apigw_fetch_answer(ngx_http_apigw_fetch_t *f, ngx_http_request_t *sr)
{
    size_t                 len;
    ngx_buf_t             *b;
    ngx_http_apigw_ctx_t  *sctx;

    sctx = ngx_http_get_module_ctx(sr, ngx_http_apigw_module);

    if (sctx->response_too_large) {
        f->error = "the answer is larger than allowed";
        f->too_large = 1;
        return;
    }

    b = sr->out ? sr->out->buf : NULL;
    len = b ? (size_t) (b->last - b->pos) : 0;

    if (!ngx_http_apigw_fetch_complete(sr, len)) {
        f->error = "the answer was cut short";
        return;
    }

    f->status = sr->headers_out.status;
    f->content_type_received = sr->headers_out.content_type;
    f->headers_received = &sr->headers_out.headers;

    if (len) {
        f->response.data = b->pos;
        f->response.len = len;
    }
}


/*
 * The answer's body on its way to the postpone filter, which keeps it in
 * memory: one larger than the fetch allows, or than
 * subrequest_output_buffer_size, is dropped here, since the postpone
 * filter would fail the client's request with it.  Dropped data is
 * consumed, so that the upstream's buffers are free again.
 */
ngx_int_t
ngx_http_apigw_fetch_filter(ngx_http_request_t *sr, ngx_http_apigw_ctx_t *sctx,
    ngx_chain_t *in)
{
    off_t                      size, limit;
    ngx_chain_t               *cl;
    ngx_http_core_loc_conf_t  *clcf;

    if (!sctx->response_too_large) {
        clcf = ngx_http_get_module_loc_conf(sr, ngx_http_core_module);

        limit = (off_t) clcf->subrequest_output_buffer_size;

        if (sctx->fetch->max_size && (off_t) sctx->fetch->max_size < limit) {
            limit = (off_t) sctx->fetch->max_size;
        }

        size = sr->out ? ngx_buf_size(sr->out->buf) : 0;

        for (cl = in; cl; cl = cl->next) {
            if (!ngx_buf_special(cl->buf)) {
                size += ngx_buf_size(cl->buf);
            }
        }

        if (size <= limit && sr->headers_out.content_length_n <= limit) {
            return NGX_DECLINED;
        }

        sctx->response_too_large = 1;
    }

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;
    }

    return NGX_OK;
}


/*
 * an upstream that closes early after the header still finalizes with
 * NGX_OK (nginx has sent what it had): the length, or the pipe, tells
 */
static ngx_uint_t
ngx_http_apigw_fetch_complete(ngx_http_request_t *sr, size_t len)
{
    ngx_event_pipe_t     *p;
    ngx_http_upstream_t  *u;

    if (sr->headers_out.content_length_n >= 0) {
        return (off_t) len == sr->headers_out.content_length_n;
    }

    u = sr->upstream;
    p = (u && u->buffering) ? u->pipe : NULL;

    if (p == NULL) {
        return 1;
    }

    return p->upstream_done || (p->upstream_eof && p->length == -1);
}


/* the time is up: the upstream is cancelled, its connection closed */
static void
ngx_http_apigw_fetch_timeout(ngx_event_t *ev)
{
    u_char                  *q;
    ngx_str_t                url;
    ngx_uint_t               resume;
    ngx_connection_t        *c;
    ngx_http_request_t      *sr;
    ngx_http_upstream_t     *u;
    ngx_http_apigw_fetch_t  *f;

    f = ev->data;
    sr = f->subrequest;
    c = f->request->connection;
    resume = (f->handler == NULL);

    /* a query string may hold what the log must not */
    url = f->url;
    q = ngx_strlchr(url.data, url.data + url.len, '?');

    if (q != NULL) {
        url.len = q - url.data;
    }

    ngx_log_error(NGX_LOG_ERR, c->log, 0,
                  "apigw: no answer from \"%V\" in %M ms", &url, f->timeout);

    f->status = 0;
    f->error = "timed out";
    f->timed_out = 1;

    u = sr->upstream;

    ngx_http_apigw_fetch_end(f);

    /*
     * the subrequest ends with NGX_DONE, without post_subrequest; when
     * the request was done already, this may free it and f with it
     */
    if (u != NULL && u->cleanup != NULL && *u->cleanup != NULL) {
        (*u->cleanup)(sr);
    }

    if (resume) {
        /* the request waits, alive: what its log says is its own again */
        c->log->action = NULL;
    }

    ngx_http_run_posted_requests(c);
}


static void
ngx_http_apigw_fetch_end(ngx_http_apigw_fetch_t *f)
{
    ngx_http_request_t  *r;

    f->done = 1;
    f->subrequest = NULL;

    if (f->timer.timer_set) {
        ngx_del_timer(&f->timer);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, f->request->connection->log, 0,
                   "apigw fetch done: %ui %s", f->status,
                   f->error ? f->error : "");

    if (f->handler) {
        f->handler(f);
        return;
    }

    /* the request resumes from the posted requests */

    r = f->request;
    r->connection->log->action = NULL;
    r->write_event_handler = ngx_http_apigw_resume;

    if (ngx_http_post_request(r, NULL) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_ERROR);
    }
}


/*
 * the request ends (or is terminated) first: the timer goes, and a
 * handler learns that the fetch is over, the request no longer there
 */
static void
ngx_http_apigw_fetch_cleanup(void *data)
{
    ngx_http_apigw_fetch_t  *f = data;

    if (f->done) {
        return;
    }

    if (f->timer.timer_set) {
        ngx_del_timer(&f->timer);
    }

    f->done = 1;
    f->subrequest = NULL;
    f->status = 0;
    f->error = "the request ended first";
    f->request = NULL;

    if (f->handler) {
        f->handler(f);
    }
}
