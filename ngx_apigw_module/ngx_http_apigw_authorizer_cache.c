
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Custom authorizers' results, cached for every worker in a shared memory
 * zone that survives reloads (limit_req's pattern: a red-black tree, a
 * queue for LRU, the zone's slab allocator).  An entry is a result's
 * bytes (apigw_authz_result_t->bytes), the policy rather than a verdict,
 * under the digest apigw_authz_cache_key() makes of the authorizer and
 * the identity: no credential is kept in clear.  Entries past their TTL
 * go when they are met, and the least recently used when memory is short.
 */


#define NGX_HTTP_APIGW_AUTHORIZER_CACHE_SIZE  (1024 * 1024)


typedef struct {
    ngx_rbtree_node_t           node;       /* key: the digest's first bytes */
    ngx_queue_t                 queue;
    ngx_msec_t                  expires;
    size_t                      len;
    u_char                      key[APIGW_SHA256_LEN];
    u_char                      data[1];
} ngx_http_apigw_authorizer_entry_t;


static void ngx_http_apigw_authorizer_cache_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_apigw_authorizer_entry_t *
    ngx_http_apigw_authorizer_cache_find(ngx_http_apigw_zone_t *cache,
    const u_char *key);
static void ngx_http_apigw_authorizer_cache_expire(
    ngx_http_apigw_zone_t *cache, ngx_uint_t force);
static void ngx_http_apigw_authorizer_cache_delete(
    ngx_http_apigw_zone_t *cache, ngx_http_apigw_authorizer_entry_t *e);
static ngx_rbtree_key_t ngx_http_apigw_authorizer_cache_hash(
    const u_char *key);


static ngx_str_t  ngx_http_apigw_authorizer_zone_name =
    ngx_string("apigw_authorizer");


/* the zone, when an API of the configuration has a custom authorizer */
ngx_int_t
ngx_http_apigw_authorizer_cache_add(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf)
{
    size_t                  i, j;
    apigw_api_t            *api;
    ngx_http_apigw_api_t   *a;
    ngx_http_apigw_zone_t  *cache;

    a = amcf->apis.elts;

    for (i = 0; i < amcf->apis.nelts; i++) {
        api = a[i].api;

        for (j = 0; j < api->nschemes; j++) {
            if (api->schemes[j].authorizer != NULL) {
                goto found;
            }
        }
    }

    return NGX_OK;

found:

    if (amcf->authorizer_cache_size == NGX_CONF_UNSET_SIZE) {
        amcf->authorizer_cache_size = NGX_HTTP_APIGW_AUTHORIZER_CACHE_SIZE;
    }

    if (amcf->authorizer_cache_size < 8 * ngx_pagesize) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "apigw_authorizer_cache of %uz bytes is too small: "
                      "%ui at the least", amcf->authorizer_cache_size,
                      8 * ngx_pagesize);
        return NGX_ERROR;
    }

    cache = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_zone_t));
    if (cache == NULL) {
        return NGX_ERROR;
    }

    amcf->authorizer_zone = ngx_shared_memory_add(cf,
                                          &ngx_http_apigw_authorizer_zone_name,
                                          amcf->authorizer_cache_size,
                                          &ngx_http_apigw_module);
    if (amcf->authorizer_zone == NULL) {
        return NGX_ERROR;
    }

    cache->insert = ngx_http_apigw_authorizer_cache_insert;

    amcf->authorizer_zone->init = ngx_http_apigw_zone_init;
    amcf->authorizer_zone->data = cache;

    return NGX_OK;
}


/* NGX_OK: *bytes, a copy in the request's pool; NGX_DECLINED: none */
ngx_int_t
ngx_http_apigw_authorizer_cache_get(ngx_http_request_t *r, const u_char *key,
    ngx_str_t *bytes)
{
    ngx_http_apigw_zone_t              *cache;
    ngx_http_apigw_main_conf_t         *amcf;
    ngx_http_apigw_authorizer_entry_t  *e;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    cache = amcf->authorizer_zone->data;

    ngx_shmtx_lock(&cache->shpool->mutex);

    e = ngx_http_apigw_authorizer_cache_find(cache, key);

    if (e != NULL && (ngx_msec_int_t) (e->expires - ngx_current_msec) <= 0) {
        ngx_http_apigw_authorizer_cache_delete(cache, e);
        e = NULL;
    }

    if (e == NULL) {
        ngx_shmtx_unlock(&cache->shpool->mutex);
        return NGX_DECLINED;
    }

    ngx_queue_remove(&e->queue);
    ngx_queue_insert_head(&cache->sh->lru, &e->queue);

    bytes->data = ngx_pnalloc(r->pool, e->len);

    if (bytes->data != NULL) {
        ngx_memcpy(bytes->data, e->data, e->len);
        bytes->len = e->len;
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return bytes->data ? NGX_OK : NGX_DECLINED;
}


/* a result kept for ttl ms, in place of any under the same key */
void
ngx_http_apigw_authorizer_cache_put(ngx_http_request_t *r, const u_char *key,
    const u_char *bytes, size_t len, ngx_msec_t ttl)
{
    size_t                              size;
    ngx_http_apigw_zone_t              *cache;
    ngx_http_apigw_main_conf_t         *amcf;
    ngx_http_apigw_authorizer_entry_t  *e;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    cache = amcf->authorizer_zone->data;
    size = offsetof(ngx_http_apigw_authorizer_entry_t, data) + len;

    ngx_shmtx_lock(&cache->shpool->mutex);

    ngx_http_apigw_authorizer_cache_expire(cache, 0);

    e = ngx_http_apigw_authorizer_cache_find(cache, key);

    if (e != NULL) {
        ngx_http_apigw_authorizer_cache_delete(cache, e);
    }

    e = ngx_slab_alloc_locked(cache->shpool, size);

    if (e == NULL) {
        ngx_http_apigw_authorizer_cache_expire(cache, 1);
        e = ngx_slab_alloc_locked(cache->shpool, size);
    }

    if (e == NULL) {
        ngx_shmtx_unlock(&cache->shpool->mutex);
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "apigw: apigw_authorizer_cache is full: a result of "
                      "%uz bytes is not cached", len);
        return;
    }

    ngx_memcpy(e->key, key, APIGW_SHA256_LEN);
    ngx_memcpy(e->data, bytes, len);
    e->len = len;
    e->expires = ngx_current_msec + ttl;
    e->node.key = ngx_http_apigw_authorizer_cache_hash(key);

    ngx_rbtree_insert(&cache->sh->rbtree, &e->node);
    ngx_queue_insert_head(&cache->sh->lru, &e->queue);

    ngx_shmtx_unlock(&cache->shpool->mutex);
}


static void
ngx_http_apigw_authorizer_cache_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t                 **p;
    ngx_http_apigw_authorizer_entry_t  *e, *t;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else { /* node->key == temp->key */

            e = (ngx_http_apigw_authorizer_entry_t *) node;
            t = (ngx_http_apigw_authorizer_entry_t *) temp;

            p = (ngx_memcmp(e->key, t->key, APIGW_SHA256_LEN) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


static ngx_http_apigw_authorizer_entry_t *
ngx_http_apigw_authorizer_cache_find(ngx_http_apigw_zone_t *cache,
    const u_char *key)
{
    ngx_int_t                           rc;
    ngx_rbtree_key_t                    hash;
    ngx_rbtree_node_t                  *node, *sentinel;
    ngx_http_apigw_authorizer_entry_t  *e;

    hash = ngx_http_apigw_authorizer_cache_hash(key);

    node = cache->sh->rbtree.root;
    sentinel = cache->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        /* hash == node->key */

        e = (ngx_http_apigw_authorizer_entry_t *) node;
        rc = ngx_memcmp(key, e->key, APIGW_SHA256_LEN);

        if (rc == 0) {
            return e;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


/*
 * from the least recently used end: up to two entries past their TTL, or
 * (force) up to sixteen of any kind, to make room; under the lock
 */
static void
ngx_http_apigw_authorizer_cache_expire(ngx_http_apigw_zone_t *cache,
    ngx_uint_t force)
{
    ngx_uint_t                          i;
    ngx_queue_t                        *q;
    ngx_http_apigw_authorizer_entry_t  *e;

    for (i = 0; i < (force ? 16 : 2); i++) {

        if (ngx_queue_empty(&cache->sh->lru)) {
            return;
        }

        q = ngx_queue_last(&cache->sh->lru);
        e = ngx_queue_data(q, ngx_http_apigw_authorizer_entry_t, queue);

        if (!force && (ngx_msec_int_t) (e->expires - ngx_current_msec) > 0) {
            return;
        }

        ngx_http_apigw_authorizer_cache_delete(cache, e);
    }
}


static void
ngx_http_apigw_authorizer_cache_delete(ngx_http_apigw_zone_t *cache,
    ngx_http_apigw_authorizer_entry_t *e)
{
    ngx_queue_remove(&e->queue);
    ngx_rbtree_delete(&cache->sh->rbtree, &e->node);
    ngx_slab_free_locked(cache->shpool, e);
}


/* the digest is uniform already: its first bytes make the tree's key */
static ngx_rbtree_key_t
ngx_http_apigw_authorizer_cache_hash(const u_char *key)
{
    ngx_rbtree_key_t  hash;

    ngx_memcpy(&hash, key, sizeof(ngx_rbtree_key_t));

    return hash;
}
