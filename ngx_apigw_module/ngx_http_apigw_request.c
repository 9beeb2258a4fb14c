
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * What the steps share about the request: its context and id, its query
 * pairs, cookies and headers, its media type, its body as one piece of
 * text and as JSON.  Nothing here calls up into a step.
 */


static void ngx_http_apigw_request_id(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static void *ngx_http_apigw_pool_alloc(void *data, size_t size);
static void ngx_http_apigw_json_cleanup(void *data);


ngx_http_apigw_ctx_t *
ngx_http_apigw_get_ctx(ngx_http_request_t *r)
{
    ngx_http_apigw_ctx_t       *ctx;
    ngx_http_apigw_loc_conf_t  *alcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);
    if (ctx) {
        return ctx;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apigw_module);

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_apigw_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ctx->alcf = alcf;
    ctx->integration_latency = -1;
    ctx->start = ngx_current_msec;

    ngx_http_apigw_request_id(r, ctx);

    /* set before the release is picked: a sticky key reads variables */
    ngx_http_set_ctx(r, ctx, ngx_http_apigw_module);

    ngx_http_apigw_canary_pick(r, ctx);

    return ctx;
}


/*
 * 64 bits of xorshift128+, seeded per worker: unique and unpredictable
 * enough for ids, and cheap
 */
uint64_t
ngx_http_apigw_random(ngx_http_request_t *r)
{
    uint64_t                     s0, s1;
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);

    s1 = amcf->rng[0];
    s0 = amcf->rng[1];
    amcf->rng[0] = s0;
    s1 ^= s1 << 23;
    amcf->rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);

    return amcf->rng[1] + s0;
}


/* a version 4 UUID, as AWS request ids are */
static void
ngx_http_apigw_request_id(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    u_char      *p, bytes[16];
    uint64_t     v;
    ngx_uint_t   i, k;

    static u_char  hex[] = "0123456789abcdef";

    for (k = 0; k < 2; k++) {
        v = ngx_http_apigw_random(r);
        ngx_memcpy(&bytes[k * 8], &v, 8);
    }

    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;

    p = ctx->request_id;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            *p++ = '-';
        }

        *p++ = hex[bytes[i] >> 4];
        *p++ = hex[bytes[i] & 0x0f];
    }
}


size_t
ngx_http_apigw_cookies(ngx_http_request_t *r, apigw_pair_t *pairs,
    size_t max)
{
    ngx_str_t  cookies;

    if (ngx_http_apigw_header_values(r, (u_char *) "Cookie", 6, ';', &cookies)
        != NGX_OK
        || cookies.data == NULL)
    {
        return 0;
    }

    return apigw_cookie_parse((char *) cookies.data, cookies.len, pairs, max,
                              0);
}


/* the query string's pairs, decoded once per request */
ngx_int_t
ngx_http_apigw_query(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    u_char      *p, *scratch;
    ngx_uint_t   max;

    if (ctx->query_parsed) {
        return NGX_OK;
    }

    ctx->query_parsed = 1;

    if (r->args.len == 0) {
        return NGX_OK;
    }

    /* as many pairs as there are '&'-separated parts, not the most */
    max = 1;

    for (p = r->args.data; p < r->args.data + r->args.len; p++) {
        max += (*p == '&');
    }

    max = ngx_min(max, APIGW_MAX_PAIRS);

    scratch = ngx_pnalloc(r->pool, r->args.len);
    ctx->query = ngx_palloc(r->pool, max * sizeof(apigw_pair_t));

    if (scratch == NULL || ctx->query == NULL) {
        return NGX_ERROR;
    }

    ctx->nquery = apigw_query_parse((char *) r->args.data, r->args.len,
                                    (char *) scratch, ctx->query, max);

    return NGX_OK;
}


/* the request's media type, parameters cut; absent means JSON, as on AWS */
void
ngx_http_apigw_content_type(ngx_http_request_t *r, ngx_str_t *type)
{
    u_char  *semi;

    if (r->headers_in.content_type == NULL
        || r->headers_in.content_type->value.len == 0)
    {
        ngx_str_set(type, "application/json");
        return;
    }

    *type = r->headers_in.content_type->value;

    semi = ngx_strlchr(type->data, type->data + type->len, ';');

    if (semi) {
        type->len = semi - type->data;
    }

    while (type->len
           && (type->data[type->len - 1] == ' '
               || type->data[type->len - 1] == '\t'))
    {
        type->len--;
    }
}


/*
 * NGX_OK with *json (freed with the request), NGX_DECLINED with errbuf
 * saying what is wrong, NGX_ERROR
 */
ngx_int_t
ngx_http_apigw_parse_json(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    ngx_str_t *text, json_t **json, char *errbuf, size_t errlen)
{
    json_t              *parsed;
    apigw_json_arena_t   arena;

    if (*json) {
        return NGX_OK;
    }

    ngx_http_apigw_pool_arena(r, &arena);

    parsed = apigw_json_parse_in(&arena, (char *) text->data, text->len,
                                 ctx->alcf->json_max_depth, errbuf, errlen);
    if (parsed == NULL) {
        return NGX_DECLINED;
    }

    *json = parsed;

    return NGX_OK;
}


/* JSON trees in the request's pool: they go with it */
void
ngx_http_apigw_pool_arena(ngx_http_request_t *r, apigw_json_arena_t *arena)
{
    arena->alloc = ngx_http_apigw_pool_alloc;
    arena->data = r->pool;
}


static void *
ngx_http_apigw_pool_alloc(void *data, size_t size)
{
    return ngx_palloc(data, size);
}


/* jansson's memory goes with the request's */
ngx_int_t
ngx_http_apigw_keep_json(ngx_http_request_t *r, json_t *json)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        json_decref(json);
        return NGX_ERROR;
    }

    cln->handler = ngx_http_apigw_json_cleanup;
    cln->data = json;

    return NGX_OK;
}


static void
ngx_http_apigw_json_cleanup(void *data)
{
    json_decref(data);
}


/* the body in one piece: memory buffers copied, a temporary file read */
ngx_int_t
ngx_http_apigw_read_body_text(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    u_char       *p;
    off_t         len;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    if (len == 0) {
        return NGX_OK;
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL && !cl->buf->in_file) {
        ctx->body.data = cl->buf->pos;
        ctx->body.len = cl->buf->last - cl->buf->pos;
        return NGX_OK;
    }

    ctx->body.data = ngx_pnalloc(r->pool, (size_t) len);
    if (ctx->body.data == NULL) {
        return NGX_ERROR;
    }

    p = ctx->body.data;

    for ( /* void */ ; cl; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            if (b->last > b->pos) {
                p = ngx_cpymem(p, b->pos, b->last - b->pos);
            }

            continue;
        }

        n = ngx_read_file(b->file, p, (size_t) (b->file_last - b->file_pos),
                          b->file_pos);

        if (n != b->file_last - b->file_pos) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "apigw: short read of the request body file");
            return NGX_ERROR;
        }

        p += n;
    }

    ctx->body.len = p - ctx->body.data;

    return NGX_OK;
}


size_t
ngx_http_apigw_json_escape_len(u_char *src, size_t len)
{
    size_t  n;

    for (n = len; len; len--, src++) {
        if (*src == '"' || *src == '\\') {
            n++;

        } else if (*src < 0x20 || *src == 0x7f) {
            n += 5;
        }
    }

    return n;
}


u_char *
ngx_http_apigw_json_escape(u_char *dst, u_char *src, size_t len)
{
    static u_char  hex[] = "0123456789abcdef";

    while (len--) {
        if (*src == '"' || *src == '\\') {
            *dst++ = '\\';
            *dst++ = *src++;

        } else if (*src < 0x20 || *src == 0x7f) {
            *dst++ = '\\';
            *dst++ = 'u';
            *dst++ = '0';
            *dst++ = '0';
            *dst++ = hex[*src >> 4];
            *dst++ = hex[*src++ & 0xf];

        } else {
            *dst++ = *src++;
        }
    }

    return dst;
}


/* the first header of that name (sep 0), or every one joined by sep */
ngx_int_t
ngx_http_apigw_header_values(ngx_http_request_t *r, u_char *name, size_t len,
    u_char sep, ngx_str_t *value)
{
    u_char           *p;
    size_t            total;
    ngx_uint_t        i, pass;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    ngx_str_null(value);

    total = 0;
    p = NULL;

    for (pass = 0; pass < 2; pass++) {
        part = &r->headers_in.headers.part;
        h = part->elts;

        for (i = 0; /* void */; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }

                part = part->next;
                h = part->elts;
                i = 0;
            }

            if (h[i].key.len != len
                || ngx_strncasecmp(h[i].key.data, name, len) != 0)
            {
                continue;
            }

            if (sep == 0) {
                *value = h[i].value;
                return NGX_OK;
            }

            if (pass == 0) {
                total += h[i].value.len + 1;
                continue;
            }

            if (p != value->data) {
                *p++ = sep;
            }

            p = ngx_cpymem(p, h[i].value.data, h[i].value.len);
        }

        if (total == 0) {
            return NGX_OK;
        }

        if (pass == 0) {
            value->data = ngx_pnalloc(r->pool, total);
            if (value->data == NULL) {
                return NGX_ERROR;
            }

            p = value->data;
        }
    }

    value->len = p - value->data;

    return NGX_OK;
}


/*
 * whether the body's text is needed: to validate it, to map it, or for a
 * function's event
 */
ngx_int_t
ngx_http_apigw_needs_body(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    apigw_operation_t  *op;

    op = ctx->op;

    return (op->validate_body && op->body.declared)
           || op->integration.nrequest_templates
           || op->integration.needs_body
           || op->integration.type == APIGW_INTEGRATION_FUNCTION;
}


/*
 * the request as the core's events see it (an authorizer's, a function's):
 * pointers into r, valid for this run; headers removed from the list
 * (hash 0) left out
 */
ngx_int_t
ngx_http_apigw_event_request(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx, apigw_event_request_t *rq)
{
    u_char                     *q;
    size_t                      i, n;
    ngx_list_part_t            *part;
    ngx_table_elt_t            *h;
    ngx_keyval_t               *kv;
    apigw_pair_t               *pairs;
    apigw_operation_t          *op;
    ngx_http_apigw_loc_conf_t  *alcf;

    op = ctx->op;
    alcf = ctx->alcf;

    ngx_memzero(rq, sizeof(apigw_event_request_t));

    if (ngx_http_apigw_query(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;
    }

    n += op->nparams;

    if (alcf->stage_vars) {
        n += alcf->stage_vars->nelts;
    }

    pairs = ngx_palloc(r->pool, (n + 1) * sizeof(apigw_pair_t));
    if (pairs == NULL) {
        return NGX_ERROR;
    }

    /* the headers, as received and in order */

    rq->headers = pairs;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].hash == 0) {
                continue;
            }

            pairs->name = (char *) h[i].key.data;
            pairs->name_len = h[i].key.len;
            pairs->value = (char *) h[i].value.data;
            pairs->value_len = h[i].value.len;
            pairs++;
        }
    }

    rq->nheaders = pairs - rq->headers;

    rq->path_params = pairs;
    rq->npath_params = op->nparams;

    for (i = 0; i < op->nparams; i++, pairs++) {
        pairs->name = op->param_names[i];
        pairs->name_len = ngx_strlen(op->param_names[i]);
        pairs->value = ctx->match.params[i].val;
        pairs->value_len = ctx->match.params[i].val_len;
    }

    rq->stage_vars = pairs;

    if (alcf->stage_vars) {
        kv = alcf->stage_vars->elts;
        rq->nstage_vars = alcf->stage_vars->nelts;

        for (i = 0; i < rq->nstage_vars; i++, pairs++) {
            pairs->name = (char *) kv[i].key.data;
            pairs->name_len = kv[i].key.len;
            pairs->value = (char *) kv[i].value.data;
            pairs->value_len = kv[i].value.len;
        }
    }

    rq->query_params = ctx->query;
    rq->nquery_params = ctx->nquery;

    rq->method.data = (char *) r->method_name.data;
    rq->method.len = r->method_name.len;
    rq->path.data = (char *) ctx->path.data;
    rq->path.len = ctx->path.len;

    /* "/pets/1", not "pets/1": the "/" the location's prefix ended with */
    if ((ctx->path.len == 0 || ctx->path.data[0] != '/')
        && ctx->path.data > r->unparsed_uri.data
        && ctx->path.data[-1] == '/')
    {
        rq->path.data--;
        rq->path.len++;
    }

    q = ngx_strlchr(r->unparsed_uri.data,
                    r->unparsed_uri.data + r->unparsed_uri.len, '?');
    rq->full_path.data = (char *) r->unparsed_uri.data;
    rq->full_path.len = (q ? q : r->unparsed_uri.data + r->unparsed_uri.len)
                        - r->unparsed_uri.data;

    rq->query.data = (char *) r->args.data;
    rq->query.len = r->args.len;
    rq->resource.data = op->route_path;
    rq->resource.len = ngx_strlen(op->route_path);
    rq->route_key.data = op->route_key;
    rq->route_key.len = ngx_strlen(op->route_key);
    rq->operation.data = op->operation_id;
    rq->operation.len = ngx_strlen(op->operation_id);

    rq->stage.data = (char *) alcf->stage.data;
    rq->stage.len = alcf->stage.len;
    rq->api_id.data = (char *) alcf->api_name.data;
    rq->api_id.len = alcf->api_name.len;
    rq->request_id.data = (char *) ctx->request_id;
    rq->request_id.len = NGX_HTTP_APIGW_REQUEST_ID_LEN;
    rq->source_ip.data = (char *) r->connection->addr_text.data;
    rq->source_ip.len = r->connection->addr_text.len;
    rq->protocol.data = (char *) r->http_protocol.data;
    rq->protocol.len = r->http_protocol.len;
    rq->time_ms = (int64_t) r->start_sec * 1000 + r->start_msec;

    return NGX_OK;
}


/* a buffer's bytes appended to an array of u_char: in memory, or read */
ngx_int_t
ngx_http_apigw_append_buf(ngx_array_t *a, ngx_buf_t *b, size_t size)
{
    u_char   *p;
    ssize_t   n;

    p = ngx_array_push_n(a, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (ngx_buf_in_memory(b)) {
        ngx_memcpy(p, b->pos, size);
        return NGX_OK;
    }

    n = ngx_read_file(b->file, p, size, b->file_pos);

    return (n == (ssize_t) size) ? NGX_OK : NGX_ERROR;
}
