
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * Prometheus metrics.  The series are made with the configuration, one
 * per counted operation of each stage (and canary) and one per counted
 * stage for requests that match no route; nothing is made while requests
 * run.  Their counters live in a shared zone of their own, each series a
 * node found by its labels, so a reload keeps the counters of the series
 * it keeps; requests add to them with atomics, never a lock, in the log
 * phase, when the status is final.  The page (apigw_prometheus) renders
 * them in text format 0.0.4 (apigw_metrics.c).
 *
 * Old workers count on after a reload, into the nodes of their own
 * configuration: a node no configuration has any more is freed only once
 * no worker of the configurations that had it is alive.  Workers count
 * themselves in, per generation of the configuration, when they start,
 * and out when they exit.
 */


#define NGX_HTTP_APIGW_METRICS_ZONE_SIZE    (4 * 1024 * 1024)
#define NGX_HTTP_APIGW_METRICS_GENS         64
#define NGX_HTTP_APIGW_NO_SERIES            ((ngx_uint_t) -1)


typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_uint_t                  gen;        /* of the last configuration */
    ngx_atomic_t                live[NGX_HTTP_APIGW_METRICS_GENS];
    ngx_atomic_t                global[APIGW_METRICS_NGLOBAL];
} ngx_http_apigw_metrics_sh_t;

typedef struct {
    ngx_str_node_t              sn;         /* the labels */
    ngx_uint_t                  first;      /* generations that have it */
    ngx_uint_t                  last;
    ngx_atomic_t                c[APIGW_METRICS_NCOUNTERS];
    u_char                      key[1];
} ngx_http_apigw_metrics_node_t;

struct ngx_http_apigw_metrics_s {
    ngx_array_t                 series;     /* apigw_metrics_series_t */
    size_t                      size;       /* the zone's, at least */
    ngx_shm_zone_t             *zone;
    ngx_http_apigw_metrics_sh_t  *sh;
    ngx_slab_pool_t            *shpool;
    ngx_uint_t                  gen;
};

/* a series while the configuration is read, by its labels */
typedef struct {
    ngx_str_node_t              sn;
    ngx_uint_t                  index;
} ngx_http_apigw_metrics_key_t;

/* the page, as it is rendered: pool buffers */
typedef struct {
    ngx_http_request_t         *request;
    ngx_chain_t                *out;
    ngx_chain_t               **last;
    ngx_buf_t                  *buf;
    size_t                      size;
} ngx_http_apigw_metrics_page_t;


static ngx_uint_t ngx_http_apigw_metrics_counted(
    ngx_http_apigw_loc_conf_t *alcf);
static ngx_int_t ngx_http_apigw_metrics_stage(ngx_conf_t *cf,
    ngx_http_apigw_metrics_t *m, ngx_rbtree_t *keys,
    ngx_http_apigw_loc_conf_t *alcf);
static ngx_int_t ngx_http_apigw_metrics_series(ngx_conf_t *cf,
    ngx_http_apigw_metrics_t *m, ngx_rbtree_t *keys,
    apigw_metrics_labels_t *l, ngx_uint_t *index);
static ngx_int_t ngx_http_apigw_metrics_size(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf, ngx_http_apigw_metrics_t *m);
static ngx_int_t ngx_http_apigw_metrics_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_apigw_metrics_free_stale(ngx_http_apigw_metrics_t *m);
static ngx_uint_t ngx_http_apigw_metrics_in_use(
    ngx_http_apigw_metrics_sh_t *sh, ngx_http_apigw_metrics_node_t *node);
static ngx_int_t ngx_http_apigw_metrics_log(ngx_http_request_t *r);
static void ngx_http_apigw_metrics_observe(ngx_atomic_t *c,
    ngx_msec_int_t ms);
static ngx_int_t ngx_http_apigw_metrics_reason(ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_prometheus_handler(ngx_http_request_t *r);
static int ngx_http_apigw_metrics_write(void *data, const char *s,
    size_t len);


static ngx_str_t  ngx_http_apigw_metrics_zone_name =
    ngx_string("apigw_metrics");


/* apigw_prometheus: this location serves the page */
char *
ngx_http_apigw_prometheus_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_loc_conf_t *alcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (alcf->prometheus) {
        return "is duplicate";
    }

    alcf->prometheus = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_apigw_prometheus_handler;

    return NGX_CONF_OK;
}


/* apigw_metrics_zone SIZE */
char *
ngx_http_apigw_metrics_zone_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_main_conf_t *amcf = conf;

    ssize_t     size;
    ngx_str_t  *value;

    if (amcf->metrics_zone_size != NGX_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    size = ngx_parse_size(&value[1]);

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid size \"%V\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "apigw_metrics_zone "
                           "\"%V\" is too small: %uzk at least", &value[1],
                           8 * ngx_pagesize / 1024);
        return NGX_CONF_ERROR;
    }

    amcf->metrics_zone_size = size;

    return NGX_CONF_OK;
}


/*
 * The series of every stage and canary, the zone that holds them and the
 * log phase handler that counts; once the http block is read
 */
ngx_int_t
ngx_http_apigw_metrics_init(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf)
{
    ngx_uint_t                   i;
    ngx_rbtree_t                 keys;
    ngx_rbtree_node_t            sentinel;
    ngx_http_handler_pt         *h;
    ngx_http_apigw_metrics_t    *m;
    ngx_http_apigw_loc_conf_t  **stage;
    ngx_http_core_main_conf_t   *cmcf;

    if (amcf->stages.nelts == 0) {
        return NGX_OK;
    }

    m = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_metrics_t));
    if (m == NULL) {
        return NGX_ERROR;
    }

    if (ngx_array_init(&m->series, cf->pool, 64,
                       sizeof(apigw_metrics_series_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_rbtree_init(&keys, &sentinel, ngx_str_rbtree_insert_value);

    stage = amcf->stages.elts;

    for (i = 0; i < amcf->stages.nelts; i++) {
        if (!ngx_http_apigw_metrics_counted(stage[i])) {
            /* apigw_metrics off, and no method setting metrics=on */
            continue;
        }

        if (ngx_http_apigw_metrics_stage(cf, m, &keys, stage[i]) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (m->series.nelts == 0) {
        return NGX_OK;
    }

    if (ngx_http_apigw_metrics_size(cf, amcf, m) != NGX_OK) {
        return NGX_ERROR;
    }

    m->zone = ngx_shared_memory_add(cf, &ngx_http_apigw_metrics_zone_name,
                                    amcf->metrics_zone_size,
                                    &ngx_http_apigw_module);
    if (m->zone == NULL) {
        return NGX_ERROR;
    }

    m->zone->init = ngx_http_apigw_metrics_zone_init;
    m->zone->data = m;

    amcf->metrics = m;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_apigw_metrics_log;

    return NGX_OK;
}


/* a stage (or canary) with a series: apigw_metrics, or an operation's */
static ngx_uint_t
ngx_http_apigw_metrics_counted(ngx_http_apigw_loc_conf_t *alcf)
{
    size_t  i;

    if (alcf->metrics) {
        return 1;
    }

    for (i = 0; i < alcf->api->api->nops; i++) {
        if (alcf->op_settings[i].metrics) {
            return 1;
        }
    }

    return 0;
}


/*
 * a stage's series: one per counted operation, then one for no route
 * when apigw_metrics is on.  A canary is its stage's, canary="true",
 * deployment its own apigw_api
 */
static ngx_int_t
ngx_http_apigw_metrics_stage(ngx_conf_t *cf, ngx_http_apigw_metrics_t *m,
    ngx_rbtree_t *keys, ngx_http_apigw_loc_conf_t *alcf)
{
    size_t                      i;
    const char                 *method;
    apigw_api_t                *api;
    apigw_operation_t          *op;
    apigw_metrics_labels_t      l;
    ngx_http_apigw_loc_conf_t  *stage;

    stage = alcf->canary_of ? alcf->canary_of : alcf;
    api = alcf->api->api;

    alcf->metrics_series = ngx_palloc(cf->pool,
                                      (api->nops + 1) * sizeof(ngx_uint_t));
    if (alcf->metrics_series == NULL) {
        return NGX_ERROR;
    }

    l.api = (char *) stage->api->name.data;
    l.api_len = stage->api->name.len;
    l.stage = (char *) stage->stage.data;
    l.stage_len = stage->stage.len;
    l.deployment = (char *) alcf->api->name.data;
    l.deployment_len = alcf->api->name.len;
    l.canary = (alcf->canary_of != NULL);

    for (i = 0; i <= api->nops; i++) {

        if (i < api->nops ? !alcf->op_settings[i].metrics : !alcf->metrics) {
            alcf->metrics_series[i] = NGX_HTTP_APIGW_NO_SERIES;
            continue;
        }

        if (i < api->nops) {
            op = &api->ops[i];
            method = apigw_method_name(op->method);
            l.method = method;
            l.method_len = ngx_strlen(method);
            l.resource = op->route_path;
            l.resource_len = ngx_strlen(op->route_path);

        } else {
            l.method = "";
            l.method_len = 0;
            l.resource = "";
            l.resource_len = 0;
        }

        if (ngx_http_apigw_metrics_series(cf, m, keys, &l,
                                          &alcf->metrics_series[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * the series of these labels, made once: operations told apart only by
 * their discriminators, or locations of the same stage, share one
 */
static ngx_int_t
ngx_http_apigw_metrics_series(ngx_conf_t *cf, ngx_http_apigw_metrics_t *m,
    ngx_rbtree_t *keys, apigw_metrics_labels_t *l, ngx_uint_t *index)
{
    u_char                        *p;
    uint32_t                       hash;
    ngx_str_t                      labels;
    apigw_metrics_series_t        *s;
    ngx_http_apigw_metrics_key_t  *k;

    p = ngx_pnalloc(cf->pool, apigw_metrics_labels_len(l));
    if (p == NULL) {
        return NGX_ERROR;
    }

    labels.data = p;
    labels.len = apigw_metrics_labels((char *) p, l);

    hash = ngx_crc32_long(labels.data, labels.len);

    k = (ngx_http_apigw_metrics_key_t *) ngx_str_rbtree_lookup(keys, &labels,
                                                               hash);
    if (k) {
        *index = k->index;
        return NGX_OK;
    }

    k = ngx_palloc(cf->temp_pool, sizeof(ngx_http_apigw_metrics_key_t));
    if (k == NULL) {
        return NGX_ERROR;
    }

    s = ngx_array_push(&m->series);
    if (s == NULL) {
        return NGX_ERROR;
    }

    s->labels = (char *) labels.data;
    s->labels_len = labels.len;
    s->c = NULL;

    k->sn.node.key = hash;
    k->sn.str = labels;
    k->index = m->series.nelts - 1;
    ngx_rbtree_insert(keys, &k->sn.node);

    *index = k->index;

    return NGX_OK;
}


/* the zone must hold every series: else nginx -t says what would */
static ngx_int_t
ngx_http_apigw_metrics_size(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf,
    ngx_http_apigw_metrics_t *m)
{
    size_t                   need, pages, overhead;
    ngx_uint_t               i;
    apigw_metrics_slab_t     slab;
    apigw_metrics_series_t  *s;

    apigw_metrics_slab_init(&slab, ngx_pagesize);

    apigw_metrics_slab_add(&slab, sizeof(ngx_http_apigw_metrics_sh_t));
    apigw_metrics_slab_add(&slab, sizeof(" in apigw_metrics zone \"\"")
                                  + ngx_http_apigw_metrics_zone_name.len);

    s = m->series.elts;

    for (i = 0; i < m->series.nelts; i++) {
        apigw_metrics_slab_add(&slab,
                               offsetof(ngx_http_apigw_metrics_node_t, key)
                               + s[i].labels_len);
    }

    pages = apigw_metrics_slab_pages(&slab);

    /* ngx_slab_init(): the pool, slots and stats, a page descriptor per
     * page, and a page lost at most to alignment */
    overhead = sizeof(ngx_slab_pool_t)
               + (ngx_pagesize_shift - 3)
                 * (sizeof(ngx_slab_page_t) + sizeof(ngx_slab_stat_t));

    need = overhead + (pages + 1) * (ngx_pagesize + sizeof(ngx_slab_page_t));
    need = ngx_align(need, ngx_pagesize);

    m->size = need;

    if (amcf->metrics_zone_size == NGX_CONF_UNSET_SIZE) {
        /*
         * not set: 4m, or the power of two that holds the series, so
         * that a spec growing a little keeps the size, and the counters
         */
        amcf->metrics_zone_size = NGX_HTTP_APIGW_METRICS_ZONE_SIZE;

        while (amcf->metrics_zone_size < need) {
            amcf->metrics_zone_size *= 2;
        }
    }

    if (need <= amcf->metrics_zone_size) {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "apigw_metrics_zone: the configuration has %ui series, "
                  "which take %uzk; the zone holds %uzk: set "
                  "\"apigw_metrics_zone %uzk;\" or more in the http block",
                  m->series.nelts, need / 1024,
                  amcf->metrics_zone_size / 1024, need / 1024);

    return NGX_ERROR;
}


/*
 * In the master, for each configuration: the series found among the old
 * ones (a reload with the same zone size keeps its memory) or made
 */
static ngx_int_t
ngx_http_apigw_metrics_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_apigw_metrics_t  *om = data;

    size_t                          len;
    uint32_t                        hash;
    ngx_str_t                       key;
    ngx_uint_t                      i, made;
    ngx_slab_pool_t                *shpool;
    apigw_metrics_series_t         *s;
    ngx_http_apigw_metrics_t       *m;
    ngx_http_apigw_metrics_sh_t    *sh;
    ngx_http_apigw_metrics_node_t  *node;

    m = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    m->shpool = shpool;

    if (om) {
        sh = om->sh;

    } else if (shm_zone->shm.exists) {
        sh = shpool->data;

    } else {
        sh = ngx_slab_calloc(shpool, sizeof(ngx_http_apigw_metrics_sh_t));
        if (sh == NULL) {
            return NGX_ERROR;
        }

        ngx_rbtree_init(&sh->rbtree, &sh->sentinel,
                        ngx_str_rbtree_insert_value);
        shpool->data = sh;

        len = sizeof(" in apigw_metrics zone \"\"") + shm_zone->shm.name.len;

        shpool->log_ctx = ngx_slab_alloc(shpool, len);
        if (shpool->log_ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(shpool->log_ctx, " in apigw_metrics zone \"%V\"%Z",
                    &shm_zone->shm.name);

        shpool->log_nomem = 0;
    }

    m->sh = sh;

    ngx_shmtx_lock(&shpool->mutex);

    m->gen = ++sh->gen;

    /* the series this configuration keeps */
    s = m->series.elts;

    for (i = 0; i < m->series.nelts; i++) {
        key.data = (u_char *) s[i].labels;
        key.len = s[i].labels_len;
        hash = ngx_crc32_long(key.data, key.len);

        node = (ngx_http_apigw_metrics_node_t *)
                   ngx_str_rbtree_lookup(&sh->rbtree, &key, hash);

        if (node) {
            node->last = m->gen;
            s[i].c = (apigw_metric_t *) node->c;

        } else {
            s[i].c = NULL;
        }
    }

    ngx_http_apigw_metrics_free_stale(m);

    made = 0;

    for (i = 0; i < m->series.nelts; i++) {
        if (s[i].c) {
            continue;
        }

        key.data = (u_char *) s[i].labels;
        key.len = s[i].labels_len;

        node = ngx_slab_calloc_locked(shpool,
                                 offsetof(ngx_http_apigw_metrics_node_t, key)
                                 + key.len);
        if (node == NULL) {
            ngx_shmtx_unlock(&shpool->mutex);

            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "apigw_metrics_zone: no room for %ui new series "
                          "of %ui: the series of earlier configurations "
                          "that old workers may still count take the "
                          "rest; reload once they have exited, or raise "
                          "apigw_metrics_zone (the counters then start "
                          "over)", m->series.nelts - i + made,
                          m->series.nelts);
            return NGX_ERROR;
        }

        ngx_memcpy(node->key, key.data, key.len);
        node->sn.str.data = node->key;
        node->sn.str.len = key.len;
        node->sn.node.key = ngx_crc32_long(key.data, key.len);
        node->first = m->gen;
        node->last = m->gen;

        ngx_rbtree_insert(&sh->rbtree, &node->sn.node);

        s[i].c = (apigw_metric_t *) node->c;
        made++;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, shm_zone->shm.log, 0,
                   "apigw metrics: generation %ui, %ui series, %ui new",
                   m->gen, m->series.nelts, made);

    return NGX_OK;
}


/* nodes no configuration alive has; under the zone's lock */
static void
ngx_http_apigw_metrics_free_stale(ngx_http_apigw_metrics_t *m)
{
    ngx_rbtree_node_t              *n, *next;
    ngx_http_apigw_metrics_sh_t    *sh;
    ngx_http_apigw_metrics_node_t  *node;

    sh = m->sh;

    if (sh->rbtree.root == sh->rbtree.sentinel) {
        return;
    }

    n = ngx_rbtree_min(sh->rbtree.root, sh->rbtree.sentinel);

    while (n) {
        /* the delete relinks nodes and moves none: next stays next */
        next = ngx_rbtree_next(&sh->rbtree, n);
        node = (ngx_http_apigw_metrics_node_t *) n;

        if (node->last != m->gen
            && !ngx_http_apigw_metrics_in_use(sh, node))
        {
            ngx_rbtree_delete(&sh->rbtree, n);
            ngx_slab_free_locked(m->shpool, node);
        }

        n = next;
    }
}


/* a worker of a configuration that had the node may be alive */
static ngx_uint_t
ngx_http_apigw_metrics_in_use(ngx_http_apigw_metrics_sh_t *sh,
    ngx_http_apigw_metrics_node_t *node)
{
    ngx_uint_t  g, n;

    n = node->last - node->first + 1;

    if (n > NGX_HTTP_APIGW_METRICS_GENS) {
        n = NGX_HTTP_APIGW_METRICS_GENS;
    }

    for (g = node->first; n; g++, n--) {
        if (sh->live[g % NGX_HTTP_APIGW_METRICS_GENS]) {
            return 1;
        }
    }

    return 0;
}


/* a worker counts itself in its configuration's generation */
void
ngx_http_apigw_metrics_init_process(ngx_cycle_t *cycle,
    ngx_http_apigw_main_conf_t *amcf)
{
    ngx_http_apigw_metrics_t  *m;

    m = amcf->metrics;

    if (m == NULL || m->sh == NULL || ngx_process != NGX_PROCESS_WORKER) {
        return;
    }

    (void) ngx_atomic_fetch_add(&m->sh->live[m->gen
                                             % NGX_HTTP_APIGW_METRICS_GENS],
                                1);
}


void
ngx_http_apigw_metrics_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_apigw_metrics_t    *m;
    ngx_http_apigw_main_conf_t  *amcf;

    if (ngx_process != NGX_PROCESS_WORKER) {
        return;
    }

    amcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_apigw_module);

    if (amcf == NULL || amcf->metrics == NULL || amcf->metrics->sh == NULL) {
        return;
    }

    m = amcf->metrics;

    (void) ngx_atomic_fetch_add(&m->sh->live[m->gen
                                             % NGX_HTTP_APIGW_METRICS_GENS],
                                (ngx_atomic_int_t) -1);
}


/* a Redis failure, counted in the worker's zone */
void
ngx_http_apigw_metrics_redis(ngx_uint_t what)
{
    ngx_http_apigw_metrics_t    *m;
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_apigw_module);

    if (amcf == NULL || amcf->metrics == NULL || amcf->metrics->sh == NULL
        || what >= APIGW_METRICS_NGLOBAL)
    {
        return;
    }

    m = amcf->metrics;

    (void) ngx_atomic_fetch_add(&m->sh->global[what], 1);
}


/* the log phase: a request of a counted location, its outcome final */
static ngx_int_t
ngx_http_apigw_metrics_log(ngx_http_request_t *r)
{
    size_t                       i;
    ngx_int_t                    reason;
    ngx_uint_t                   status, policy;
    ngx_time_t                  *tp;
    apigw_api_t                 *api;
    ngx_atomic_t                *c;
    ngx_msec_int_t               ms;
    ngx_http_apigw_ctx_t        *ctx;
    apigw_metrics_series_t      *s;
    ngx_http_apigw_metrics_t    *m;
    ngx_http_apigw_loc_conf_t   *alcf;
    ngx_http_apigw_main_conf_t  *amcf;

    if (r != r->main) {
        return NGX_OK;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apigw_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    if (ctx) {
        if (ctx->fetch) {
            return NGX_OK;
        }

        /* a canary's conf, when the request went there */
        alcf = ctx->alcf;
    }

    if (alcf->api == NULL || alcf->metrics_series == NULL) {
        return NGX_OK;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    m = amcf->metrics;

    if (m == NULL) {
        return NGX_OK;
    }

    api = alcf->api->api;
    i = api->nops;

    if (ctx && ctx->op) {
        i = ctx->op - api->ops;

        if (i >= api->nops) {
            i = api->nops;
        }
    }

    if (alcf->metrics_series[i] == NGX_HTTP_APIGW_NO_SERIES) {
        return NGX_OK;
    }

    s = m->series.elts;
    c = (ngx_atomic_t *) s[alcf->metrics_series[i]].c;

    if (c == NULL) {
        return NGX_OK;
    }

    status = r->err_status ? r->err_status : r->headers_out.status;

    (void) ngx_atomic_fetch_add(&c[APIGW_METRICS_CODES
                                   + apigw_metrics_code_slot(status)],
                                1);

    tp = ngx_timeofday();
    ms = (ngx_msec_int_t) ((tp->sec - r->start_sec) * 1000
                           + (tp->msec - r->start_msec));

    ngx_http_apigw_metrics_observe(c + APIGW_METRICS_REQUEST, ms);

    if (ctx == NULL) {
        return NGX_OK;
    }

    if (ctx->integration_started) {
        ms = ctx->integration_latency >= 0
             ? ctx->integration_latency
             : (ngx_msec_int_t) (ngx_current_msec - ctx->integration_start);

        ngx_http_apigw_metrics_observe(c + APIGW_METRICS_INTEGRATION, ms);
    }

    if (ctx->throttle_refused) {
        (void) ngx_atomic_fetch_add(&c[APIGW_METRICS_THROTTLED
                                       + ctx->throttle_refused - 1],
                                    1);
    }

    if (ctx->function_outcome) {
        (void) ngx_atomic_fetch_add(&c[APIGW_METRICS_FUNCTION
                                       + ctx->function_outcome - 1],
                                    1);
    }

    if (ctx->cache && ctx->cache->status) {
        (void) ngx_atomic_fetch_add(&c[APIGW_METRICS_CACHE
                                       + ctx->cache->status - 1],
                                    1);
    }

    if (ctx->validation_failed) {
        (void) ngx_atomic_fetch_add(&c[APIGW_METRICS_INVALID
                                       + ctx->validation_failed - 1],
                                    1);
    }

    reason = ngx_http_apigw_metrics_reason(ctx);

    if (reason >= 0) {
        (void) ngx_atomic_fetch_add(&c[APIGW_METRICS_AUTH + reason], 1);
    }

    if (ctx->redis_fallback && ctx->throttle) {
        switch (ctx->throttle->store) {
        case NGX_HTTP_APIGW_STORE_OPEN:
            policy = APIGW_REDIS_FALLBACK_OPEN;
            break;
        case NGX_HTTP_APIGW_STORE_CLOSED:
            policy = APIGW_REDIS_FALLBACK_CLOSED;
            break;
        default:
            policy = APIGW_REDIS_FALLBACK_LOCAL;
        }

        (void) ngx_atomic_fetch_add(&m->sh->global[APIGW_METRICS_REDIS_FALLBACKS
                                                   + policy],
                                    1);
    }

    return NGX_OK;
}


/* a duration into its bucket and the sum, in ms */
static void
ngx_http_apigw_metrics_observe(ngx_atomic_t *c, ngx_msec_int_t ms)
{
    if (ms < 0) {
        ms = 0;
    }

    (void) ngx_atomic_fetch_add(&c[apigw_metrics_bucket((uint64_t) ms)], 1);
    (void) ngx_atomic_fetch_add(&c[APIGW_METRICS_NBUCKETS], ms);
}


/* why the operation's security refused the request; -1: it did not */
static ngx_int_t
ngx_http_apigw_metrics_reason(ngx_http_apigw_ctx_t *ctx)
{
    switch (ctx->auth_refused) {

    case NGX_HTTP_APIGW_KEY_MISSING:
        return APIGW_AUTH_MISSING_KEY;

    case NGX_HTTP_APIGW_KEY_NO_CREDENTIALS:
        return APIGW_AUTH_NO_CREDENTIALS;

    case NGX_HTTP_APIGW_KEY_NO_CERTIFICATE:
        return APIGW_AUTH_NO_CERTIFICATE;

    case NGX_HTTP_APIGW_KEY_INVALID_TOKEN:
        return APIGW_AUTH_INVALID_TOKEN;

    case NGX_HTTP_APIGW_KEY_UNKNOWN:
        return APIGW_AUTH_UNKNOWN_KEY;

    case NGX_HTTP_APIGW_KEY_DISABLED:
        return APIGW_AUTH_DISABLED_KEY;

    case NGX_HTTP_APIGW_KEY_NOT_IN_PLAN:
        return APIGW_AUTH_KEY_NOT_IN_PLAN;

    case NGX_HTTP_APIGW_KEY_INSUFFICIENT_SCOPE:
        return APIGW_AUTH_INSUFFICIENT_SCOPE;

    case NGX_HTTP_APIGW_KEY_AUTHZ_REFUSED:
        switch (ctx->authz_rc) {
        case APIGW_AUTHZ_UNAUTHORIZED:
            return APIGW_AUTH_AUTHORIZER_UNAUTHORIZED;
        case APIGW_AUTHZ_EXPLICIT_DENY:
        case APIGW_AUTHZ_IMPLICIT_DENY:
        case APIGW_AUTHZ_FORBIDDEN:
            return APIGW_AUTH_AUTHORIZER_DENIED;
        case APIGW_AUTHZ_URI_TOO_LONG:
            return APIGW_AUTH_URI_TOO_LONG;
        default:
            return APIGW_AUTH_AUTHORIZER_ERROR;
        }

    default:
        return -1;
    }
}


/* the page: GET or HEAD */
static ngx_int_t
ngx_http_apigw_prometheus_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    apigw_metrics_page_t           page;
    ngx_http_apigw_metrics_t      *m;
    ngx_http_apigw_main_conf_t    *amcf;
    ngx_http_apigw_metrics_page_t  out;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        if (ngx_http_apigw_set_header(r, (u_char *) "Allow", 5,
                                      (u_char *) "GET, HEAD", 9)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    m = amcf->metrics;

    ngx_memzero(&page, sizeof(apigw_metrics_page_t));

    if (m && m->sh) {
        page.series = m->series.elts;
        page.nseries = m->series.nelts;
        page.global = (apigw_metric_t *) m->sh->global;
    }

    page.server = NGINX_VERSION;

    ngx_memzero(&out, sizeof(ngx_http_apigw_metrics_page_t));
    out.request = r;
    out.last = &out.out;

    if (apigw_metrics_render(&page, ngx_http_apigw_metrics_write, &out) != 0)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = out.size;
    ngx_str_set(&r->headers_out.content_type,
                "text/plain; version=0.0.4; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf->last_buf = (r == r->main) ? 1 : 0;
    out.buf->last_in_chain = 1;

    return ngx_http_output_filter(r, out.out);
}


/* the renderer's output, into buffers of the request's pool */
static int
ngx_http_apigw_metrics_write(void *data, const char *s, size_t len)
{
    ngx_http_apigw_metrics_page_t *out = data;

    size_t        n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    b = out->buf;

    while (len) {
        if (b == NULL || b->last == b->end) {
            b = ngx_create_temp_buf(out->request->pool, 64 * 1024);
            if (b == NULL) {
                return -1;
            }

            cl = ngx_alloc_chain_link(out->request->pool);
            if (cl == NULL) {
                return -1;
            }

            cl->buf = b;
            cl->next = NULL;
            *out->last = cl;
            out->last = &cl->next;
            out->buf = b;
        }

        n = ngx_min(len, (size_t) (b->end - b->last));
        b->last = ngx_cpymem(b->last, s, n);
        s += n;
        len -= n;
        out->size += n;
    }

    return 0;
}
