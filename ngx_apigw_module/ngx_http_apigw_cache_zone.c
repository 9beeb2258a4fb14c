
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The response cache's shared memory, as limit_req keeps its own but for
 * the index: a hash table of entries by their key's digest (a bucket for
 * every 512 bytes of the zone, so a lookup reads a node or two where a
 * tree of a million would read twenty), a queue for LRU, the zone's slab
 * allocator, one mutex.  An entry's node outlives its response: while a
 * request fetches it ("updating", until its lock passes) the others wait
 * or, when the stage allows, take the expired response.  A response that
 * may not be stored leaves a marker for a second, so that the requests
 * which waited, and the next ones, go to the integration at once.
 *
 * Each stage has a generation, kept in the zone under the stage's name:
 * a flush moves it on, and entries of an older one are never served.
 */


#define NGX_HTTP_APIGW_CACHE_ZONE_SIZE  (64 * 1024 * 1024)
#define NGX_HTTP_APIGW_CACHE_PASS_TIME  1000    /* ms */


typedef struct ngx_http_apigw_cache_node_s  ngx_http_apigw_cache_node_t;

/* at most 128 bytes: the slab's size of it */
struct ngx_http_apigw_cache_node_s {
    ngx_http_apigw_cache_node_t  *next;     /* in its bucket */
    ngx_queue_t                 queue;
    u_char                      key[APIGW_SHA256_LEN];
    uint64_t                    owner;      /* the request fetching it */
    u_char                     *data;       /* the response, or NULL */
    ngx_msec_t                  expires;    /* fresh until */
    ngx_msec_t                  lock;       /* updating until */
    ngx_msec_t                  failed_at;  /* the last fetch failed */
    time_t                      date;       /* stored at, for Age */
    uint32_t                    gen;        /* the stage's, when stored */
    uint32_t                    len;
    u_short                     failed;     /* with this status, or 0 */
    unsigned                    updating:1;
    unsigned                    pass:1;     /* not storable, until expires */
};

struct ngx_http_apigw_cache_gen_s {
    ngx_str_node_t              sn;         /* the stage's name */
    ngx_atomic_t                gen;
    uint64_t                    redis;      /* the last generation Redis
                                               had */
    u_char                      name[1];
};

typedef struct {
    ngx_http_apigw_cache_node_t  **buckets;    /* by the digest's first
                                                  bytes */
    ngx_uint_t                  mask;       /* buckets, less one */
    ngx_queue_t                 lru;
    ngx_rbtree_t                gens;
    ngx_rbtree_node_t           gens_sentinel;
    ngx_uint_t                  entries;
    size_t                      bytes;      /* of responses */
} ngx_http_apigw_cache_sh_t;

struct ngx_http_apigw_cache_zone_s {
    ngx_http_apigw_cache_sh_t  *sh;
    ngx_slab_pool_t            *shpool;
    ngx_shm_zone_t             *shm_zone;
    ngx_array_t                *stages;     /* amcf->stages */
};


static ngx_int_t ngx_http_apigw_cache_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_apigw_cache_stage_gens(
    ngx_http_apigw_cache_zone_t *cz);
static ngx_http_apigw_cache_node_t *ngx_http_apigw_cache_lookup(
    ngx_http_apigw_cache_zone_t *cz, const u_char *key);
static ngx_http_apigw_cache_node_t *ngx_http_apigw_cache_owned(
    ngx_http_apigw_cache_zone_t *cz, void *node, const u_char *key,
    uint64_t owner);
static ngx_http_apigw_cache_node_t **ngx_http_apigw_cache_bucket(
    ngx_http_apigw_cache_zone_t *cz, const u_char *key);
static u_char *ngx_http_apigw_cache_alloc(ngx_http_apigw_cache_zone_t *cz,
    size_t size);
static void ngx_http_apigw_cache_expire(ngx_http_apigw_cache_zone_t *cz,
    ngx_uint_t force);
static void ngx_http_apigw_cache_free_data(ngx_http_apigw_cache_zone_t *cz,
    ngx_http_apigw_cache_node_t *n);
static void ngx_http_apigw_cache_delete(ngx_http_apigw_cache_zone_t *cz,
    ngx_http_apigw_cache_node_t *n);
static ngx_http_apigw_cache_rc_e ngx_http_apigw_cache_copy(
    ngx_http_request_t *r, ngx_http_apigw_cache_node_t *n,
    ngx_http_apigw_cache_find_t *f);


static ngx_str_t  ngx_http_apigw_cache_zone_name = ngx_string("apigw_cache");


/* the zone, when a stage caches; the same memory across reloads */
ngx_int_t
ngx_http_apigw_cache_zone_add(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf)
{
    ngx_uint_t                    i;
    ngx_http_apigw_loc_conf_t   **stage;
    ngx_http_apigw_cache_zone_t  *cz;

    stage = amcf->stages.elts;

    for (i = 0; i < amcf->stages.nelts; i++) {
        if (stage[i]->caching) {
            goto found;
        }
    }

    return NGX_OK;

found:

    if (amcf->cache_zone_size == NGX_CONF_UNSET_SIZE) {
        amcf->cache_zone_size = NGX_HTTP_APIGW_CACHE_ZONE_SIZE;
    }

    if (amcf->cache_zone_size < 8 * ngx_pagesize) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw_cache_zone of %uz bytes is too small: %ui at "
                      "the least", amcf->cache_zone_size, 8 * ngx_pagesize);
        return NGX_ERROR;
    }

    cz = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_cache_zone_t));
    if (cz == NULL) {
        return NGX_ERROR;
    }

    cz->stages = &amcf->stages;

    cz->shm_zone = ngx_shared_memory_add(cf, &ngx_http_apigw_cache_zone_name,
                                         amcf->cache_zone_size,
                                         &ngx_http_apigw_module);
    if (cz->shm_zone == NULL) {
        return NGX_ERROR;
    }

    cz->shm_zone->init = ngx_http_apigw_cache_zone_init;
    cz->shm_zone->data = cz;

    amcf->cache_zone = cz;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apigw_cache_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_apigw_cache_zone_t  *ocz = data;

    size_t                        len;
    ngx_uint_t                    n;
    ngx_http_apigw_cache_zone_t  *cz;

    cz = shm_zone->data;

    if (ocz) {
        cz->sh = ocz->sh;
        cz->shpool = ocz->shpool;
        return ngx_http_apigw_cache_stage_gens(cz);
    }

    cz->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        cz->sh = cz->shpool->data;
        return ngx_http_apigw_cache_stage_gens(cz);
    }

    cz->sh = ngx_slab_calloc(cz->shpool, sizeof(ngx_http_apigw_cache_sh_t));
    if (cz->sh == NULL) {
        return NGX_ERROR;
    }

    cz->shpool->data = cz->sh;

    /* a bucket for every 512 bytes of the zone: chains of one or two */

    n = 1024;

    while (n < shm_zone->shm.size / 512) {
        n <<= 1;
    }

    cz->sh->buckets = ngx_slab_calloc(cz->shpool,
                                    n * sizeof(ngx_http_apigw_cache_node_t *));
    if (cz->sh->buckets == NULL) {
        return NGX_ERROR;
    }

    cz->sh->mask = n - 1;

    ngx_rbtree_init(&cz->sh->gens, &cz->sh->gens_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&cz->sh->lru);

    len = sizeof(" in apigw_cache_zone");

    cz->shpool->log_ctx = ngx_slab_alloc(cz->shpool, len);
    if (cz->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(cz->shpool->log_ctx, " in apigw_cache_zone", len);

    /* a full zone evicts: no "no memory" in the log for that */
    cz->shpool->log_nomem = 0;

    return ngx_http_apigw_cache_stage_gens(cz);
}


/*
 * every caching stage's generation, found under its name or made: a
 * reload keeps what a flush did
 */
static ngx_int_t
ngx_http_apigw_cache_stage_gens(ngx_http_apigw_cache_zone_t *cz)
{
    uint32_t                      hash;
    ngx_uint_t                    i;
    ngx_str_node_t               *sn;
    ngx_http_apigw_cache_gen_t   *g;
    ngx_http_apigw_loc_conf_t   **stage, *alcf;

    stage = cz->stages->elts;

    for (i = 0; i < cz->stages->nelts; i++) {
        alcf = stage[i];

        if (!alcf->caching || alcf->cache_stage.gen != NULL) {
            continue;
        }

        hash = ngx_crc32_short(alcf->cache_stage.name.data,
                               alcf->cache_stage.name.len);

        sn = ngx_str_rbtree_lookup(&cz->sh->gens, &alcf->cache_stage.name,
                                   hash);

        if (sn == NULL) {
            g = ngx_slab_calloc(cz->shpool,
                                offsetof(ngx_http_apigw_cache_gen_t, name)
                                + alcf->cache_stage.name.len);
            if (g == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(g->name, alcf->cache_stage.name.data,
                       alcf->cache_stage.name.len);

            g->sn.node.key = hash;
            g->sn.str.data = g->name;
            g->sn.str.len = alcf->cache_stage.name.len;

            ngx_rbtree_insert(&cz->sh->gens, &g->sn.node);

        } else {
            g = (ngx_http_apigw_cache_gen_t *) sn;
        }

        alcf->cache_stage.gen = g;
    }

    return NGX_OK;
}


/*
 * What the request does about its key.  f->flags: REFRESH, the client
 * asked for a fresh response; STALE, an expired one will do while another
 * request fetches; FILL, this request may fetch and store; WAITED, it
 * waited for another's fetch since f->since, and shares its failure.  HIT
 * and STALE copy the response into f->data.
 */
ngx_http_apigw_cache_rc_e
ngx_http_apigw_cache_find(ngx_http_request_t *r,
    ngx_http_apigw_cache_zone_t *cz, ngx_http_apigw_cache_stage_t *stage,
    const u_char *key, ngx_http_apigw_cache_find_t *f)
{
    ngx_uint_t                     gen, fresh;
    ngx_msec_t                     now;
    ngx_http_apigw_cache_rc_e      rc;
    ngx_http_apigw_cache_node_t   *n, **bucket;

    gen = stage->gen->gen;
    now = ngx_current_msec;

    ngx_shmtx_lock(&cz->shpool->mutex);

    n = ngx_http_apigw_cache_lookup(cz, key);

    if (n != NULL && n->gen != gen && !n->updating) {
        /* flushed */
        ngx_http_apigw_cache_delete(cz, n);
        n = NULL;
    }

    if (n == NULL) {
        if (!(f->flags & NGX_HTTP_APIGW_CACHE_F_FILL)) {
            rc = NGX_HTTP_APIGW_CACHE_PASS;
            goto done;
        }

        n = ngx_slab_calloc_locked(cz->shpool,
                                   sizeof(ngx_http_apigw_cache_node_t));
        if (n == NULL) {
            ngx_http_apigw_cache_expire(cz, 1);
            n = ngx_slab_calloc_locked(cz->shpool,
                                       sizeof(ngx_http_apigw_cache_node_t));
        }

        if (n == NULL) {
            rc = NGX_HTTP_APIGW_CACHE_PASS;
            goto done;
        }

        ngx_memcpy(n->key, key, APIGW_SHA256_LEN);
        n->gen = gen;

        bucket = ngx_http_apigw_cache_bucket(cz, key);
        n->next = *bucket;
        *bucket = n;

        ngx_queue_insert_head(&cz->sh->lru, &n->queue);

        goto fill;
    }

    fresh = ((ngx_msec_int_t) (n->expires - now) > 0);

    if (n->pass && fresh && !(f->flags & NGX_HTTP_APIGW_CACHE_F_REFRESH)) {
        rc = NGX_HTTP_APIGW_CACHE_PASS;
        goto done;
    }

    if (n->data && n->gen == gen && fresh
        && !(f->flags & NGX_HTTP_APIGW_CACHE_F_REFRESH))
    {
        ngx_queue_remove(&n->queue);
        ngx_queue_insert_head(&cz->sh->lru, &n->queue);

        rc = ngx_http_apigw_cache_copy(r, n, f);
        goto done;
    }

    if (n->updating && (ngx_msec_int_t) (n->lock - now) > 0) {

        if (n->data && n->gen == gen
            && (f->flags & NGX_HTTP_APIGW_CACHE_F_STALE))
        {
            rc = ngx_http_apigw_cache_copy(r, n, f);
            rc = (rc == NGX_HTTP_APIGW_CACHE_HIT) ? NGX_HTTP_APIGW_CACHE_STALE
                                                  : rc;
            goto done;
        }

        rc = NGX_HTTP_APIGW_CACHE_WAIT;
        goto done;
    }

    /* the fetch this request waited for failed: so does the request */

    if (n->failed && !n->updating
        && (f->flags & NGX_HTTP_APIGW_CACHE_F_WAITED)
        && (ngx_msec_int_t) (n->failed_at - f->since) >= 0)
    {
        f->status = n->failed;
        rc = NGX_HTTP_APIGW_CACHE_FAILED;
        goto done;
    }

    if (!(f->flags & NGX_HTTP_APIGW_CACHE_F_FILL)) {
        rc = NGX_HTTP_APIGW_CACHE_PASS;
        goto done;
    }

    /* expired, refreshed, or its fetch given up: this request fetches */

    n->gen = gen;

fill:

    n->updating = 1;
    n->pass = 0;
    n->failed = 0;
    n->owner = f->owner;
    n->lock = now + f->lock;

    f->node = n;
    rc = NGX_HTTP_APIGW_CACHE_FILL;

done:

    ngx_shmtx_unlock(&cz->shpool->mutex);

    return rc;
}


static ngx_http_apigw_cache_rc_e
ngx_http_apigw_cache_copy(ngx_http_request_t *r,
    ngx_http_apigw_cache_node_t *n, ngx_http_apigw_cache_find_t *f)
{
    f->data.data = ngx_pnalloc(r->pool, n->len);
    if (f->data.data == NULL) {
        return NGX_HTTP_APIGW_CACHE_ERROR;
    }

    ngx_memcpy(f->data.data, n->data, n->len);
    f->data.len = n->len;
    f->date = n->date;

    return NGX_HTTP_APIGW_CACHE_HIT;
}


/*
 * The response the owner fetched, stored for ttl ms.  NGX_DECLINED: not
 * stored (the zone has no room, or another request took the fetch over)
 */
ngx_int_t
ngx_http_apigw_cache_store(ngx_http_apigw_cache_zone_t *cz, void *node,
    const u_char *key, uint64_t owner, const u_char *data, size_t len,
    ngx_msec_t ttl)
{
    u_char                       *p;
    ngx_http_apigw_cache_node_t  *n;

    ngx_shmtx_lock(&cz->shpool->mutex);

    n = ngx_http_apigw_cache_owned(cz, node, key, owner);

    if (n == NULL) {
        ngx_shmtx_unlock(&cz->shpool->mutex);
        return NGX_DECLINED;
    }

    ngx_http_apigw_cache_expire(cz, 0);

    ngx_http_apigw_cache_free_data(cz, n);

    p = ngx_http_apigw_cache_alloc(cz, len);

    if (p == NULL) {
        ngx_http_apigw_cache_delete(cz, n);
        ngx_shmtx_unlock(&cz->shpool->mutex);
        return NGX_DECLINED;
    }

    ngx_memcpy(p, data, len);

    n->data = p;
    n->len = len;
    n->date = ngx_time();
    n->expires = ngx_current_msec + ttl;
    n->updating = 0;

    cz->sh->entries++;
    cz->sh->bytes += len;

    ngx_queue_remove(&n->queue);
    ngx_queue_insert_head(&cz->sh->lru, &n->queue);

    ngx_shmtx_unlock(&cz->shpool->mutex);

    return NGX_OK;
}


/*
 * The owner's fetch ends without a response to store.  pass: what came
 * may not be stored (the old response goes, and the next requests go
 * straight to the integration for a second); failed: the integration
 * failed with this status (502, 504), which the requests that waited get
 * too; neither: the fetch was given up (its client left), and one of the
 * waiters fetches.  An old response stays but for pass.
 */
void
ngx_http_apigw_cache_release(ngx_http_apigw_cache_zone_t *cz, void *node,
    const u_char *key, uint64_t owner, ngx_uint_t pass, ngx_uint_t failed)
{
    ngx_http_apigw_cache_node_t  *n;

    ngx_shmtx_lock(&cz->shpool->mutex);

    n = ngx_http_apigw_cache_owned(cz, node, key, owner);

    if (n == NULL) {
        ngx_shmtx_unlock(&cz->shpool->mutex);
        return;
    }

    n->updating = 0;

    if (pass) {
        ngx_http_apigw_cache_free_data(cz, n);
        n->pass = 1;
        n->expires = ngx_current_msec + NGX_HTTP_APIGW_CACHE_PASS_TIME;

    } else if (failed) {
        n->failed = (u_short) failed;
        n->failed_at = ngx_current_msec;

    } else if (n->data == NULL) {
        ngx_http_apigw_cache_delete(cz, n);
    }

    ngx_shmtx_unlock(&cz->shpool->mutex);
}


/* one key's entry dropped, as another gateway's invalidation says */
void
ngx_http_apigw_cache_invalidate(ngx_http_apigw_cache_zone_t *cz,
    const u_char *key)
{
    ngx_http_apigw_cache_node_t  *n;

    ngx_shmtx_lock(&cz->shpool->mutex);

    n = ngx_http_apigw_cache_lookup(cz, key);

    if (n != NULL && !n->updating) {
        ngx_http_apigw_cache_delete(cz, n);
    }

    ngx_shmtx_unlock(&cz->shpool->mutex);
}


/* every entry of the stage, and of its canary, out of reach at once */
void
ngx_http_apigw_cache_flush(ngx_http_apigw_cache_stage_t *stage)
{
    (void) ngx_atomic_fetch_add(&stage->gen->gen, 1);
}


/*
 * Redis's generation of a stage, read after a (re)connection or from a
 * message: a value not seen before flushes the stage here.  1 when it did
 */
ngx_uint_t
ngx_http_apigw_cache_redis_gen(ngx_http_apigw_cache_zone_t *cz,
    ngx_http_apigw_cache_stage_t *stage, uint64_t gen)
{
    ngx_uint_t  flushed;

    flushed = 0;

    ngx_shmtx_lock(&cz->shpool->mutex);

    if (stage->gen->redis != gen) {
        stage->gen->redis = gen;
        (void) ngx_atomic_fetch_add(&stage->gen->gen, 1);
        flushed = 1;
    }

    ngx_shmtx_unlock(&cz->shpool->mutex);

    return flushed;
}


void
ngx_http_apigw_cache_stats(ngx_http_apigw_cache_zone_t *cz,
    ngx_uint_t *entries, size_t *bytes)
{
    ngx_shmtx_lock(&cz->shpool->mutex);

    *entries = cz->sh->entries;
    *bytes = cz->sh->bytes;

    ngx_shmtx_unlock(&cz->shpool->mutex);
}


static ngx_http_apigw_cache_node_t *
ngx_http_apigw_cache_lookup(ngx_http_apigw_cache_zone_t *cz,
    const u_char *key)
{
    ngx_http_apigw_cache_node_t  *n;

    for (n = *ngx_http_apigw_cache_bucket(cz, key); n; n = n->next) {
        if (ngx_memcmp(n->key, key, APIGW_SHA256_LEN) == 0) {
            return n;
        }
    }

    return NULL;
}


/* the digest is uniform already: its first bytes pick the bucket */
static ngx_http_apigw_cache_node_t **
ngx_http_apigw_cache_bucket(ngx_http_apigw_cache_zone_t *cz,
    const u_char *key)
{
    uint64_t  h;

    ngx_memcpy(&h, key, sizeof(uint64_t));

    return &cz->sh->buckets[h & cz->sh->mask];
}


/*
 * The node a fetch was given, found again, under the lock.  Its memory
 * may have been freed and used again since (the fetch's lock passed,
 * another request took the node over and let it go): the zone stays
 * mapped, and only the node that still holds this fetch's key and its
 * random owner is this fetch's; else the table says
 */
static ngx_http_apigw_cache_node_t *
ngx_http_apigw_cache_owned(ngx_http_apigw_cache_zone_t *cz, void *node,
    const u_char *key, uint64_t owner)
{
    ngx_http_apigw_cache_node_t  *n;

    n = node;

    if (n == NULL || n->owner != owner || !n->updating
        || ngx_memcmp(n->key, key, APIGW_SHA256_LEN) != 0)
    {
        n = ngx_http_apigw_cache_lookup(cz, key);
    }

    return (n != NULL && n->updating && n->owner == owner) ? n : NULL;
}


/* room for a response: the least recently used entries go until it fits */
static u_char *
ngx_http_apigw_cache_alloc(ngx_http_apigw_cache_zone_t *cz, size_t size)
{
    u_char      *p;
    ngx_uint_t   i;

    p = ngx_slab_alloc_locked(cz->shpool, size);

    for (i = 0; p == NULL && i < 64 && !ngx_queue_empty(&cz->sh->lru); i++)
    {
        ngx_http_apigw_cache_expire(cz, 1);
        p = ngx_slab_alloc_locked(cz->shpool, size);
    }

    return p;
}


/*
 * from the least recently used end, never an entry being fetched: up to
 * two past their time, or (force) up to sixteen of any kind
 */
static void
ngx_http_apigw_cache_expire(ngx_http_apigw_cache_zone_t *cz,
    ngx_uint_t force)
{
    ngx_uint_t                    n, seen;
    ngx_queue_t                  *q, *prev;
    ngx_http_apigw_cache_node_t  *e;

    n = 0;
    seen = 0;

    for (q = ngx_queue_last(&cz->sh->lru);
         q != ngx_queue_sentinel(&cz->sh->lru) && n < (force ? 16 : 2)
         && seen < 64;
         q = prev)
    {
        prev = ngx_queue_prev(q);
        seen++;

        e = ngx_queue_data(q, ngx_http_apigw_cache_node_t, queue);

        if (e->updating) {
            continue;
        }

        if (!force
            && (ngx_msec_int_t) (e->expires - ngx_current_msec) > 0)
        {
            return;
        }

        ngx_http_apigw_cache_delete(cz, e);
        n++;
    }
}


static void
ngx_http_apigw_cache_free_data(ngx_http_apigw_cache_zone_t *cz,
    ngx_http_apigw_cache_node_t *n)
{
    if (n->data == NULL) {
        return;
    }

    ngx_slab_free_locked(cz->shpool, n->data);

    cz->sh->entries--;
    cz->sh->bytes -= n->len;

    n->data = NULL;
    n->len = 0;
}


static void
ngx_http_apigw_cache_delete(ngx_http_apigw_cache_zone_t *cz,
    ngx_http_apigw_cache_node_t *n)
{
    ngx_http_apigw_cache_node_t  **p;

    ngx_http_apigw_cache_free_data(cz, n);

    p = ngx_http_apigw_cache_bucket(cz, n->key);

    while (*p != n) {
        p = &(*p)->next;
    }

    *p = n->next;

    ngx_queue_remove(&n->queue);
    ngx_slab_free_locked(cz->shpool, n);
}
