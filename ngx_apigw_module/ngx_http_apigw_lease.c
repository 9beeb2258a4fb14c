
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Token leases: with Redis, a worker that runs the script for a request
 * asks each bucket for a few tokens more than the one it needs (about
 * NGX_HTTP_APIGW_LEASE_NS worth of the bucket's rate, a sixteenth of
 * its burst at most) and the quota for a few units more; the
 * following requests that find a leased token of every bucket (and a
 * leased unit of the quota) pass without a round trip.  Tokens are taken
 * from Redis before they are used, so no gateway ever admits more than
 * the buckets allow; a lease not used within NGX_HTTP_APIGW_LEASE_TTL is
 * dropped, which can only admit fewer.  The bound of that error is one
 * lease per bucket per worker.
 */


#define NGX_HTTP_APIGW_LEASE_NS         (10 * 1000000LL)    /* 10 ms */
#define NGX_HTTP_APIGW_LEASE_MAX        100
#define NGX_HTTP_APIGW_LEASE_TTL        (100 * 1000000LL)   /* 100 ms */
#define NGX_HTTP_APIGW_LEASE_ENTRIES    4096


typedef struct {
    ngx_str_node_t              sn;         /* the id, by its crc32 */
    ngx_queue_t                 queue;
    int64_t                     expires;    /* ns */
    uint64_t                    tokens;     /* leased, not yet used */
    uint64_t                    remaining;  /* in Redis, at the lease */
    int64_t                     reset_at;   /* ns, at the lease */
    u_char                      id[1];
} ngx_http_apigw_lease_t;


static ngx_http_apigw_lease_t *ngx_http_apigw_lease_find(ngx_str_t *id,
    uint32_t hash, int64_t now);
static void ngx_http_apigw_lease_store(ngx_str_t *id, uint32_t hash,
    uint64_t tokens, uint64_t remaining, int64_t reset_at, int64_t now);


static ngx_rbtree_t       ngx_http_apigw_leases;
static ngx_rbtree_node_t  ngx_http_apigw_leases_sentinel;
static ngx_queue_t        ngx_http_apigw_leases_lru;
static ngx_uint_t         ngx_http_apigw_nleases;


/*
 * tokens to ask a bucket for, the request's one included: 10 ms of its
 * rate, at most a sixteenth of its burst (so that one worker cannot take
 * a whole bucket from the others) and at most 100
 */
uint32_t
ngx_http_apigw_lease_size(const apigw_throttle_t *t)
{
    double  n;

    n = t->rate * NGX_HTTP_APIGW_LEASE_NS / APIGW_NS_PER_SEC;

    if (n > t->burst / 16) {
        n = t->burst / 16;
    }

    if (n < 1) {
        return 1;
    }

    return n > NGX_HTTP_APIGW_LEASE_MAX ? NGX_HTTP_APIGW_LEASE_MAX
                                        : (uint32_t) n;
}


/* units of a quota to ask for: a thousandth, at least one */
uint64_t
ngx_http_apigw_lease_quota_size(const apigw_quota_t *q)
{
    uint64_t  n;

    n = q->limit / 1000;

    if (n < 1) {
        return 1;
    }

    return n > NGX_HTTP_APIGW_LEASE_MAX ? NGX_HTTP_APIGW_LEASE_MAX : n;
}


/*
 * 1: a leased token of every bucket and a leased unit of the quota were
 * at hand, and are taken; t's verdicts are filled from the leases
 */
ngx_int_t
ngx_http_apigw_lease_take(ngx_http_apigw_throttle_req_t *t)
{
    ngx_uint_t               i;
    ngx_http_apigw_lease_t  *b[NGX_HTTP_APIGW_MAX_BUCKETS], *q;

    if (ngx_http_apigw_leases.root == NULL) {
        ngx_rbtree_init(&ngx_http_apigw_leases,
                        &ngx_http_apigw_leases_sentinel,
                        ngx_str_rbtree_insert_value);
        ngx_queue_init(&ngx_http_apigw_leases_lru);
    }

    for (i = 0; i < t->n; i++) {
        b[i] = ngx_http_apigw_lease_find(&t->b[i].id, t->b[i].hash, t->now);

        if (b[i] == NULL) {
            return 0;
        }
    }

    q = NULL;

    if (t->quota) {
        q = ngx_http_apigw_lease_find(&t->q.id, t->q.hash, t->now);

        if (q == NULL) {
            return 0;
        }
    }

    for (i = 0; i < t->n; i++) {
        b[i]->tokens--;
        t->b[i].g.admitted = 1;
        t->b[i].g.remaining = (uint32_t) (b[i]->remaining + b[i]->tokens);
        t->b[i].g.reset = b[i]->reset_at > t->now ? b[i]->reset_at - t->now
                                                  : 0;
        t->b[i].g.retry_after = 0;
    }

    if (q) {
        q->tokens--;
        t->q.used = q->remaining - q->tokens;
    }

    return 1;
}


/* after an admitting script run: what was granted beyond this request */
void
ngx_http_apigw_lease_keep(ngx_http_apigw_throttle_req_t *t)
{
    ngx_uint_t  i;

    for (i = 0; i < t->n; i++) {
        if (t->b[i].grant > 1) {
            ngx_http_apigw_lease_store(&t->b[i].id, t->b[i].hash,
                                       t->b[i].grant - 1,
                                       t->b[i].g.remaining,
                                       t->now + t->b[i].g.reset, t->now);
        }
    }

    /* for a quota, "remaining" keeps the count with the lease taken */
    if (t->quota && t->q.grant > 1) {
        ngx_http_apigw_lease_store(&t->q.id, t->q.hash, t->q.grant - 1,
                                   t->q.used, 0, t->now);
        t->q.used -= t->q.grant - 1;
    }
}


static ngx_http_apigw_lease_t *
ngx_http_apigw_lease_find(ngx_str_t *id, uint32_t hash, int64_t now)
{
    ngx_http_apigw_lease_t  *l;

    l = (ngx_http_apigw_lease_t *) ngx_str_rbtree_lookup(
                                           &ngx_http_apigw_leases, id, hash);

    return (l && l->tokens && l->expires > now) ? l : NULL;
}


static void
ngx_http_apigw_lease_store(ngx_str_t *id, uint32_t hash, uint64_t tokens,
    uint64_t remaining, int64_t reset_at, int64_t now)
{
    ngx_queue_t             *q;
    ngx_http_apigw_lease_t  *l;

    l = (ngx_http_apigw_lease_t *) ngx_str_rbtree_lookup(
                                           &ngx_http_apigw_leases, id, hash);

    if (l == NULL) {
        if (ngx_http_apigw_nleases == NGX_HTTP_APIGW_LEASE_ENTRIES) {
            q = ngx_queue_last(&ngx_http_apigw_leases_lru);
            l = ngx_queue_data(q, ngx_http_apigw_lease_t, queue);
            ngx_queue_remove(q);
            ngx_rbtree_delete(&ngx_http_apigw_leases, &l->sn.node);
            ngx_free(l);
            ngx_http_apigw_nleases--;
        }

        l = ngx_alloc(sizeof(ngx_http_apigw_lease_t) + id->len,
                      ngx_cycle->log);
        if (l == NULL) {
            return;
        }

        l->sn.node.key = hash;
        l->sn.str.len = id->len;
        l->sn.str.data = l->id;
        ngx_memcpy(l->id, id->data, id->len);
        ngx_rbtree_insert(&ngx_http_apigw_leases, &l->sn.node);
        ngx_http_apigw_nleases++;

    } else {
        ngx_queue_remove(&l->queue);

        /* tokens of an older lease still unused are kept */
        if (l->expires > now) {
            tokens += l->tokens;
        }
    }

    ngx_queue_insert_head(&ngx_http_apigw_leases_lru, &l->queue);

    l->tokens = tokens;
    l->remaining = remaining;
    l->reset_at = reset_at;
    l->expires = now + NGX_HTTP_APIGW_LEASE_TTL;
}
