
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Pipeline step 3: token buckets and quotas, in a shared memory zone that
 * every worker uses and that survives reloads (limit_req's pattern: a
 * red-black tree by id, nginx's string nodes, a queue for LRU, the zone's
 * slab allocator).
 *
 * The buckets that apply to a request are, most specific first: the
 * caller's plan for this operation, the caller's plan, the operation's
 * (its x-apigw-throttle, or the stage's method settings), and the
 * stage's apigw_throttle; then the caller's quota.  All are checked under
 * the zone's lock in one step and the request passes only when all admit
 * it; a refused request changes nothing.  A bucket that is full again, or
 * a quota whose period is over, is the same as none, so such entries are
 * dropped first when memory is short.
 */


#define NGX_HTTP_APIGW_ID_LEN       512
#define NGX_HTTP_APIGW_ZONE_SIZE    (10 * 1024 * 1024)


typedef struct {
    ngx_str_node_t              sn;         /* the id, by its crc32 */
    ngx_queue_t                 queue;
    int64_t                     value;      /* a bucket's tat, a count */
    int64_t                     expires;    /* ns: then it is as absent */
    u_char                      id[1];
} ngx_http_apigw_shm_node_t;



static ngx_int_t ngx_http_apigw_throttle_done(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static apigw_throttled_e ngx_http_apigw_throttled(const char *level);
static ngx_http_apigw_shm_node_t *ngx_http_apigw_shm_find(
    ngx_http_apigw_zone_t *z, ngx_str_t *id, uint32_t hash);
static ngx_int_t ngx_http_apigw_shm_store(ngx_http_apigw_zone_t *z,
    ngx_str_t *id, uint32_t hash, int64_t value, int64_t expires,
    int64_t now);
static void ngx_http_apigw_shm_expire(ngx_http_apigw_zone_t *z, int64_t now,
    ngx_uint_t force);
static ngx_int_t ngx_http_apigw_bucket_id(ngx_http_request_t *r,
    ngx_str_t *id, const char *level, const char *key_id, ngx_str_t *api,
    ngx_str_t *stage, const char *route, int64_t period);
static u_char *ngx_http_apigw_put(u_char *p, u_char *last, u_char *s,
    size_t len);
static u_char *ngx_http_apigw_put_number(u_char *p, uint64_t v);
static u_char *ngx_http_apigw_put_policy(u_char *p, ngx_uint_t i,
    const char *level, uint64_t q, uint64_t w);
static u_char *ngx_http_apigw_put_item(u_char *p, const char *level,
    const char *a, uint64_t x, const char *b, uint64_t y);
static void ngx_http_apigw_throttle_local(ngx_http_request_t *r,
    ngx_http_apigw_throttle_req_t *t);
static ngx_int_t ngx_http_apigw_rate_headers(ngx_http_request_t *r,
    ngx_http_apigw_throttle_req_t *t);
static ngx_int_t ngx_http_apigw_add_header(ngx_http_request_t *r,
    const char *name, u_char *value, size_t len);


static ngx_str_t  ngx_http_apigw_zone_name = ngx_string("apigw");


/* the zone, once per configuration; the same memory across reloads */
ngx_int_t
ngx_http_apigw_zone_add(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf)
{
    ngx_http_apigw_zone_t  *z;

    if (amcf->apis.nelts == 0) {
        return NGX_OK;
    }

    if (amcf->zone_size == NGX_CONF_UNSET_SIZE) {
        amcf->zone_size = NGX_HTTP_APIGW_ZONE_SIZE;
    }

    z = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_zone_t));
    if (z == NULL) {
        return NGX_ERROR;
    }

    amcf->zone = ngx_shared_memory_add(cf, &ngx_http_apigw_zone_name,
                                       amcf->zone_size,
                                       &ngx_http_apigw_module);
    if (amcf->zone == NULL) {
        return NGX_ERROR;
    }

    z->insert = ngx_str_rbtree_insert_value;

    amcf->zone->init = ngx_http_apigw_zone_init;
    amcf->zone->data = z;

    return NGX_OK;
}


/*
 * a zone's tree and queue, made once; on a reload, the old ones (the
 * same memory) taken over
 */
ngx_int_t
ngx_http_apigw_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_apigw_zone_t  *oz = data;

    size_t                  len;
    ngx_http_apigw_zone_t  *z;

    z = shm_zone->data;

    if (oz) {
        z->sh = oz->sh;
        z->shpool = oz->shpool;
        return NGX_OK;
    }

    z->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        z->sh = z->shpool->data;
        return NGX_OK;
    }

    z->sh = ngx_slab_alloc(z->shpool, sizeof(ngx_http_apigw_shm_t));
    if (z->sh == NULL) {
        return NGX_ERROR;
    }

    z->shpool->data = z->sh;

    ngx_rbtree_init(&z->sh->rbtree, &z->sh->sentinel, z->insert);
    ngx_queue_init(&z->sh->lru);

    len = sizeof(" in apigw zone \"\"") + shm_zone->shm.name.len;

    z->shpool->log_ctx = ngx_slab_alloc(z->shpool, len);
    if (z->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(z->shpool->log_ctx, " in apigw zone \"%V\"%Z",
                &shm_zone->shm.name);

    z->shpool->log_nomem = 0;

    return NGX_OK;
}


/* the id of a location's stage bucket, made once with the configuration */
ngx_int_t
ngx_http_apigw_stage_bucket(ngx_conf_t *cf, ngx_http_apigw_loc_conf_t *alcf)
{
    u_char  *p;

    if (alcf->throttle.rate == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(cf->pool, sizeof("s|/") - 1 + alcf->api_name.len
                              + alcf->stage.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    alcf->stage_bucket.data = p;
    alcf->stage_bucket.len = ngx_sprintf(p, "s|%V/%V", &alcf->api_name,
                                         &alcf->stage)
                             - p;

    return NGX_OK;
}


/*
 * The throttle step.  NGX_OK: admitted (RateLimit headers set when a
 * bucket applies); NGX_DONE: waiting for Redis, and the step runs again
 * with its verdict; else a 429 gateway response is under way
 */
ngx_int_t
ngx_http_apigw_throttle_step(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx)
{
    ngx_int_t                       rc;
    ngx_uint_t                      i;
    ngx_time_t                     *tp;
    apigw_operation_t              *op;
    const apigw_key_t              *key;
    const apigw_throttle_t         *pt, *ot;
    ngx_http_apigw_bucket_t        *b;
    ngx_http_apigw_loc_conf_t      *alcf;
    ngx_http_apigw_main_conf_t     *amcf;
    ngx_http_apigw_throttle_req_t  *t;
    const apigw_plan_stage_t       *ps;

    if (ctx->throttle) {
        /* back from Redis */
        return ngx_http_apigw_throttle_done(r, ctx);
    }

    op = ctx->op;
    ot = &ctx->settings->throttle;
    alcf = ctx->alcf;
    key = ctx->key;

    if (ot->rate == 0 && alcf->throttle.rate == 0 && key == NULL) {
        return NGX_OK;
    }

    t = ngx_pcalloc(r->pool, sizeof(ngx_http_apigw_throttle_req_t));
    if (t == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    tp = ngx_timeofday();
    t->now = (int64_t) tp->sec * APIGW_NS_PER_SEC
             + (int64_t) tp->msec * 1000000;
    b = t->b;

    if (key) {
        ps = apigw_plan_stage(key->plan, (char *) alcf->api_name.data,
                              alcf->api_name.len, (char *) alcf->stage.data,
                              alcf->stage.len);

        pt = ps ? apigw_plan_op_throttle(ps, op->route_key) : NULL;

        if (pt) {
            b[t->n].level = "key-operation";
            b[t->n].throttle = pt;

            if (ngx_http_apigw_bucket_id(r, &b[t->n].id, "ko", key->id,
                                         &alcf->api_name, &alcf->stage,
                                         op->route_key, -1)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            t->n++;
        }

        if (key->plan->throttle.rate > 0) {
            b[t->n].level = "key";
            b[t->n].throttle = &key->plan->throttle;

            if (ngx_http_apigw_bucket_id(r, &b[t->n].id, "k", key->id, NULL,
                                         NULL, NULL, -1)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            t->n++;
        }

        if (key->plan->quota.limit) {
            t->quota = &t->q;
            t->q.quota = &key->plan->quota;
            apigw_quota_window(t->q.quota->period, t->q.quota->offset,
                               tp->sec, &t->q.start, &t->q.end);

            if (ngx_http_apigw_bucket_id(r, &t->q.id, "q", key->id, NULL,
                                         NULL, NULL, t->q.start)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }

    if (ot->rate > 0) {
        b[t->n].level = "operation";
        b[t->n].throttle = ot;

        if (ngx_http_apigw_bucket_id(r, &b[t->n].id, "o", NULL,
                                     &alcf->api_name, &alcf->stage,
                                     op->route_key, -1)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        t->n++;
    }

    if (alcf->throttle.rate > 0) {
        b[t->n].level = "stage";
        b[t->n].throttle = &alcf->throttle;
        b[t->n].id = alcf->stage_bucket;
        t->n++;
    }

    if (t->n == 0 && t->quota == NULL) {
        return NGX_OK;
    }

    for (i = 0; i < t->n; i++) {
        b[i].hash = ngx_crc32_short(b[i].id.data, b[i].id.len);
    }

    if (t->quota) {
        t->q.hash = ngx_crc32_short(t->q.id.data, t->q.id.len);
    }

    ctx->throttle = t;
    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);

    if (amcf->redis == NULL) {
        ngx_http_apigw_throttle_local(r, t);
        return ngx_http_apigw_throttle_done(r, ctx);
    }

    rc = ngx_http_apigw_redis_throttle(r, t);

    if (rc == NGX_OK) {
        return ngx_http_apigw_throttle_done(r, ctx);
    }

    if (rc == NGX_AGAIN) {
        return NGX_DONE;
    }

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    t->store = NGX_HTTP_APIGW_STORE_FALLBACK;

    return ngx_http_apigw_throttle_done(r, ctx);
}


/* the verdict, from the zone, from Redis, or by the failure policy */
static ngx_int_t
ngx_http_apigw_throttle_done(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    int64_t                         retry;
    ngx_uint_t                      i, refused;
    ngx_http_apigw_main_conf_t     *amcf;
    ngx_http_apigw_throttle_req_t  *t;

    t = ctx->throttle;

    if (t->store == NGX_HTTP_APIGW_STORE_FALLBACK) {
        amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
        ctx->redis_fallback = 1;

        switch (amcf->redis->on_failure) {

        case NGX_HTTP_APIGW_REDIS_OPEN:
            t->store = NGX_HTTP_APIGW_STORE_OPEN;
            return NGX_OK;

        case NGX_HTTP_APIGW_REDIS_CLOSED:
            t->store = NGX_HTTP_APIGW_STORE_CLOSED;
            ctx->throttle_refused = 1 + APIGW_THROTTLED_REDIS_DOWN;

            if (ngx_http_apigw_add_header(r, "Retry-After", NULL, 1)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_apigw_send_gateway_response(r, ctx,
                                                    APIGW_GR_THROTTLED, 0);

        default:
            ngx_http_apigw_throttle_local(r, t);
        }
    }

    if (ngx_http_apigw_rate_headers(r, t) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (t->admitted) {
        return NGX_OK;
    }

    /* the longest wait of the buckets that refused, or the period's end */
    retry = 0;
    refused = 0;

    for (i = 0; i < t->n; i++) {
        if (!t->b[i].g.admitted) {
            if (!refused) {
                /* the most specific level that refused */
                ctx->throttle_refused = 1 + ngx_http_apigw_throttled(
                                                            t->b[i].level);
            }

            refused = 1;

            if (t->b[i].g.retry_after > retry) {
                retry = t->b[i].g.retry_after;
            }
        }
    }

    if (!refused) {
        retry = t->q.end * APIGW_NS_PER_SEC - t->now;
        ctx->throttle_refused = 1 + APIGW_THROTTLED_QUOTA;
    }

    retry = (retry + APIGW_NS_PER_SEC - 1) / APIGW_NS_PER_SEC;

    if (ngx_http_apigw_add_header(r, "Retry-After", NULL, retry ? retry : 1)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "apigw: %s: %s%s%s", ctx->op->route_key,
                  refused ? "throttled" : "quota exceeded",
                  ctx->key ? ", key id " : "",
                  ctx->key ? ctx->key->id : "");

    return ngx_http_apigw_send_gateway_response(r, ctx,
                                   refused ? APIGW_GR_THROTTLED
                                           : APIGW_GR_QUOTA_EXCEEDED, 0);
}


/* a bucket's level, for the metrics */
static apigw_throttled_e
ngx_http_apigw_throttled(const char *level)
{
    if (ngx_strcmp(level, "key-operation") == 0) {
        return APIGW_THROTTLED_KEY_OPERATION;
    }

    if (ngx_strcmp(level, "key") == 0) {
        return APIGW_THROTTLED_KEY;
    }

    if (ngx_strcmp(level, "operation") == 0) {
        return APIGW_THROTTLED_OPERATION;
    }

    return APIGW_THROTTLED_STAGE;
}


/* every bucket and the quota, in one step under the zone's lock */
static void
ngx_http_apigw_throttle_local(ngx_http_request_t *r,
    ngx_http_apigw_throttle_req_t *t)
{
    ngx_uint_t                   i, refused, over_quota;
    ngx_http_apigw_zone_t       *z;
    ngx_http_apigw_main_conf_t  *amcf;
    ngx_http_apigw_shm_node_t   *node;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    z = amcf->zone->data;

    refused = 0;
    over_quota = 0;

    ngx_shmtx_lock(&z->shpool->mutex);

    ngx_http_apigw_shm_expire(z, t->now, 0);

    for (i = 0; i < t->n; i++) {
        node = ngx_http_apigw_shm_find(z, &t->b[i].id, t->b[i].hash);

        if (!apigw_gcra_check(t->b[i].throttle, node ? node->value : 0,
                              t->now, &t->b[i].g))
        {
            refused = 1;
        }
    }

    if (t->quota) {
        node = ngx_http_apigw_shm_find(z, &t->q.id, t->q.hash);
        t->q.used = (node ? (uint64_t) node->value : 0) + 1;
        over_quota = (t->q.used > t->q.quota->limit);
    }

    if (!refused && !over_quota) {
        for (i = 0; i < t->n; i++) {
            if (ngx_http_apigw_shm_store(z, &t->b[i].id, t->b[i].hash,
                                         t->b[i].g.tat, t->b[i].g.tat,
                                         t->now)
                != NGX_OK)
            {
                break;
            }
        }

        if (t->quota) {
            (void) ngx_http_apigw_shm_store(z, &t->q.id, t->q.hash,
                                            (int64_t) t->q.used,
                                            t->q.end * APIGW_NS_PER_SEC,
                                            t->now);
        }
    }

    ngx_shmtx_unlock(&z->shpool->mutex);

    t->admitted = !refused && !over_quota;
    t->store = NGX_HTTP_APIGW_STORE_LOCAL;
}


/*
 * "level|key id|api/stage|route|period": the parts given (NULL, -1: not);
 * built by hand, as this runs for every throttled request
 */
static ngx_int_t
ngx_http_apigw_bucket_id(ngx_http_request_t *r, ngx_str_t *id,
    const char *level, const char *key_id, ngx_str_t *api, ngx_str_t *stage,
    const char *route, int64_t period)
{
    u_char  *p, *last;

    p = ngx_pnalloc(r->pool, NGX_HTTP_APIGW_ID_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    id->data = p;
    last = p + NGX_HTTP_APIGW_ID_LEN - NGX_INT64_LEN - 1;

    p = ngx_http_apigw_put(p, last, (u_char *) level, ngx_strlen(level));

    if (key_id) {
        p = ngx_http_apigw_put(p, last, (u_char *) "|", 1);
        p = ngx_http_apigw_put(p, last, (u_char *) key_id,
                               ngx_strlen(key_id));
    }

    if (api) {
        p = ngx_http_apigw_put(p, last, (u_char *) "|", 1);
        p = ngx_http_apigw_put(p, last, api->data, api->len);
        p = ngx_http_apigw_put(p, last, (u_char *) "/", 1);
        p = ngx_http_apigw_put(p, last, stage->data, stage->len);
    }

    if (route) {
        p = ngx_http_apigw_put(p, last, (u_char *) "|", 1);
        p = ngx_http_apigw_put(p, last, (u_char *) route, ngx_strlen(route));
    }

    if (period >= 0) {
        *p++ = '|';
        p = ngx_http_apigw_put_number(p, (uint64_t) period);
    }

    id->len = p - id->data;

    return NGX_OK;
}


/* len bytes of s, as many as fit before last */
static u_char *
ngx_http_apigw_put(u_char *p, u_char *last, u_char *s, size_t len)
{
    if (len > (size_t) (last - p)) {
        len = last - p;
    }

    return ngx_cpymem(p, s, len);
}


/* a decimal number, at most NGX_INT64_LEN bytes, without printf */
static u_char *
ngx_http_apigw_put_number(u_char *p, uint64_t v)
{
    u_char   digits[NGX_INT64_LEN];
    size_t   n;

    n = 0;

    do {
        digits[n++] = (u_char) ('0' + v % 10);
        v /= 10;
    } while (v);

    while (n) {
        *p++ = digits[--n];
    }

    return p;
}


static ngx_http_apigw_shm_node_t *
ngx_http_apigw_shm_find(ngx_http_apigw_zone_t *z, ngx_str_t *id,
    uint32_t hash)
{
    return (ngx_http_apigw_shm_node_t *) ngx_str_rbtree_lookup(
                                                &z->sh->rbtree, id, hash);
}


/* the entry's new value, most recently used; under the lock */
static ngx_int_t
ngx_http_apigw_shm_store(ngx_http_apigw_zone_t *z, ngx_str_t *id,
    uint32_t hash, int64_t value, int64_t expires, int64_t now)
{
    size_t                      size;
    ngx_http_apigw_shm_node_t  *n;

    n = ngx_http_apigw_shm_find(z, id, hash);

    if (n == NULL) {
        size = offsetof(ngx_http_apigw_shm_node_t, id) + id->len;

        n = ngx_slab_alloc_locked(z->shpool, size);

        if (n == NULL) {
            ngx_http_apigw_shm_expire(z, now, 1);
            n = ngx_slab_alloc_locked(z->shpool, size);

            if (n == NULL) {
                ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                              "apigw: the shared zone is full; a bucket "
                              "goes unrecorded");
                return NGX_ERROR;
            }
        }

        /* the same address in every worker: the zone is mapped before fork */
        n->sn.node.key = hash;
        n->sn.str.len = id->len;
        n->sn.str.data = n->id;
        ngx_memcpy(n->id, id->data, id->len);

        ngx_rbtree_insert(&z->sh->rbtree, &n->sn.node);
        ngx_queue_insert_head(&z->sh->lru, &n->queue);

    } else {
        ngx_queue_remove(&n->queue);
        ngx_queue_insert_head(&z->sh->lru, &n->queue);
    }

    n->value = value;
    n->expires = expires;

    return NGX_OK;
}


/*
 * drops entries from the least recently used end: a few that no longer
 * count, or (force) up to a few more of any kind, to make room
 */
static void
ngx_http_apigw_shm_expire(ngx_http_apigw_zone_t *z, int64_t now,
    ngx_uint_t force)
{
    ngx_uint_t                  i;
    ngx_queue_t                *q;
    ngx_http_apigw_shm_node_t  *n;

    for (i = 0; i < (force ? 16 : 2); i++) {
        if (ngx_queue_empty(&z->sh->lru)) {
            return;
        }

        q = ngx_queue_last(&z->sh->lru);
        n = ngx_queue_data(q, ngx_http_apigw_shm_node_t, queue);

        if (!force && n->expires > now) {
            return;
        }

        ngx_queue_remove(q);
        ngx_rbtree_delete(&z->sh->rbtree, &n->sn.node);
        ngx_slab_free_locked(z->shpool, n);
    }
}


/*
 * RateLimit-Policy (every bucket and the quota) and RateLimit (the one
 * nearest its limit), as the IETF draft "RateLimit header fields for
 * HTTP" has them: a bucket's q is its burst and w the seconds it takes
 * to fill; r is what would pass now, t the seconds until it is full
 */
static ngx_int_t
ngx_http_apigw_rate_headers(ngx_http_request_t *r,
    ngx_http_apigw_throttle_req_t *t)
{
    u_char                        *policy, *p, *last;
    int64_t                        reset, least_reset, window, now;
    uint64_t                       remaining, least;
    ngx_uint_t                     i, n;
    const char                    *least_level;
    ngx_http_apigw_bucket_t       *b;
    ngx_http_apigw_quota_check_t  *q;

    policy = ngx_pnalloc(r->pool, 128 * (NGX_HTTP_APIGW_MAX_BUCKETS + 1));
    if (policy == NULL) {
        return NGX_ERROR;
    }

    b = t->b;
    n = t->n;
    q = t->quota;
    now = t->now;
    p = policy;
    least = UINT64_MAX;
    least_level = NULL;
    least_reset = 0;

    for (i = 0; i < n; i++) {
        window = (int64_t) ((b[i].throttle->burst / b[i].throttle->rate)
                            + 0.999999);

        p = ngx_http_apigw_put_policy(p, i, b[i].level,
                                      b[i].throttle->burst,
                                      window ? window : 1);

        remaining = b[i].g.admitted ? b[i].g.remaining : 0;

        if (remaining < least) {
            least = remaining;
            least_level = b[i].level;
            least_reset = b[i].g.reset;
        }
    }

    if (q) {
        p = ngx_http_apigw_put_policy(p, n, "quota", q->quota->limit,
                                      q->end - q->start);

        remaining = q->used >= q->quota->limit ? 0
                                               : q->quota->limit - q->used;

        if (remaining < least) {
            least = remaining;
            least_level = "quota";
            least_reset = q->end * APIGW_NS_PER_SEC - now;
        }
    }

    if (ngx_http_apigw_add_header(r, "RateLimit-Policy", policy, p - policy)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    reset = (least_reset + APIGW_NS_PER_SEC - 1) / APIGW_NS_PER_SEC;

    p = ngx_pnalloc(r->pool, 128);
    if (p == NULL) {
        return NGX_ERROR;
    }

    last = ngx_http_apigw_put_item(p, least_level, "\";r=", least, ";t=",
                                   (uint64_t) reset);

    return ngx_http_apigw_add_header(r, "RateLimit", p, last - p);
}


/* ", " (after the first), then "level";q=Q;w=W */
static u_char *
ngx_http_apigw_put_policy(u_char *p, ngx_uint_t i, const char *level,
    uint64_t q, uint64_t w)
{
    if (i) {
        *p++ = ',';
        *p++ = ' ';
    }

    return ngx_http_apigw_put_item(p, level, "\";q=", q, ";w=", w);
}


/* "level" a x b y: a structured-field item with two parameters */
static u_char *
ngx_http_apigw_put_item(u_char *p, const char *level, const char *a,
    uint64_t x, const char *b, uint64_t y)
{
    *p++ = '"';
    p = ngx_cpymem(p, level, ngx_strlen(level));
    p = ngx_cpymem(p, a, ngx_strlen(a));
    p = ngx_http_apigw_put_number(p, x);
    p = ngx_cpymem(p, b, ngx_strlen(b));

    return ngx_http_apigw_put_number(p, y);
}


/* a response header; value NULL: the number len */
static ngx_int_t
ngx_http_apigw_add_header(ngx_http_request_t *r, const char *name,
    u_char *value, size_t len)
{
    u_char           *p;
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    if (value == NULL) {
        p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        len = ngx_http_apigw_put_number(p, len) - p;
        value = p;
    }

    h->hash = 1;
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value.data = value;
    h->value.len = len;

    return NGX_OK;
}


/* apigw_throttle rate=R burst=B */
char *
ngx_http_apigw_throttle_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    double       rate;
    u_char      *end;
    ngx_int_t    burst;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (alcf->throttle.rate != -1) {
        return "is duplicate";
    }

    value = cf->args->elts;
    rate = 0;
    burst = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_strncmp(value[i].data, "rate=", 5) == 0) {
            rate = strtod((char *) value[i].data + 5, (char **) &end);

            if (end != value[i].data + value[i].len || !(rate > 0)
                || rate > APIGW_THROTTLE_MAX_RATE)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid rate "
                                   "\"%V\": requests a second, above 0 and "
                                   "at most 1000000", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {
            burst = ngx_atoi(value[i].data + 6, value[i].len - 6);

            if (burst < 1 || burst > APIGW_THROTTLE_MAX_BURST) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid burst "
                                   "\"%V\": an integer from 1 to 10000000",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    if (rate == 0 || burst == 0) {
        return "needs rate=R and burst=B";
    }

    alcf->throttle.rate = rate;
    alcf->throttle.burst = (uint32_t) burst;

    return NGX_CONF_OK;
}
