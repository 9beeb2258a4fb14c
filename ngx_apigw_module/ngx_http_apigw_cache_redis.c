
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <openssl/rand.h>


/*
 * Gateways that share a Redis (apigw_redis) tell each other of their
 * cache invalidations; each keeps its own cache in its zone.
 *
 * A stage's flush is a generation in Redis, {apigw}:cache:gen:API/STAGE,
 * moved on with INCR and published on the channel apigw:cache in one
 * script run: "flush ORIGIN GEN API/STAGE".  An authorized refresh
 * publishes the entry's key digest: "key ORIGIN HEX".  ORIGIN is random,
 * drawn when the configuration is read, the same in every worker of a
 * gateway: its own messages are skipped, so a refresh never drops the
 * entry it has just stored here.
 *
 * Worker 0 alone subscribes, on a connection of its own (a subscribed one
 * takes no other command): what it does is in the shared zone, for every
 * worker.  Pub/sub is at most once, so the generations are the truth and
 * messages the hint: whenever the subscription is (re)made, the worker
 * reads every stage's generation (MGET on its command connection) and
 * flushes the stages whose generation it has not seen.  It subscribes
 * first and reads once Redis confirms, so that a flush in between is
 * seen one way or the other.  A refresh missed while disconnected lasts
 * no longer than the entry's TTL.
 *
 * Redis down or slow: nothing waits for it; flushes and refreshes stay in
 * this gateway, and the connections come back by themselves.
 */


#define NGX_HTTP_APIGW_CACHE_REDIS_PENDING      1024    /* commands, at most */
#define NGX_HTTP_APIGW_CACHE_REDIS_REREAD_MIN   100     /* ms */
#define NGX_HTTP_APIGW_CACHE_REDIS_REREAD_MAX   5000
#define NGX_HTTP_APIGW_CACHE_REDIS_KEEPIDLE     15      /* s */

#define NGX_HTTP_APIGW_CACHE_REDIS_GEN_KEY      "{apigw}:cache:gen:"

/* a command's argument, into the locals argv and argvlen */
#define ngx_http_apigw_cache_redis_arg(n, s, len)                            \
    argv[n] = (const char *) (s);                                             \
    argvlen[n] = (len)


/* a caching stage, as Redis knows it */
typedef struct {
    ngx_http_apigw_cache_stage_t    *stage;
    ngx_str_t                        key;   /* its generation's */
    ngx_http_apigw_cache_redis_t    *cr;
} ngx_http_apigw_cache_redis_stage_t;

struct ngx_http_apigw_cache_redis_s {
    ngx_http_apigw_redis_link_t      sub;   /* worker 0's, subscribed */
    ngx_http_apigw_cache_zone_t     *zone;
    ngx_http_apigw_cache_redis_stage_t  *stages;
    ngx_uint_t                       nstages;
    const char                     **argv;  /* MGET and every stage's key */
    size_t                          *argvlen;
    u_char                           origin[16];    /* 64 bits, hex */
    ngx_event_t                      reread;
    ngx_msec_t                       backoff;
    ngx_uint_t                       pending;   /* replies to come */
    ngx_log_t                       *log;
    unsigned                         subscribed:1;
};


static void ngx_http_apigw_cache_redis_subscribe(
    ngx_http_apigw_redis_link_t *link);
static void ngx_http_apigw_cache_redis_keepalive(
    ngx_http_apigw_redis_link_t *link);
static void ngx_http_apigw_cache_redis_message(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_apigw_cache_redis_handle(ngx_http_apigw_cache_redis_t *cr,
    u_char *p, size_t len);
static void ngx_http_apigw_cache_redis_read_gens(
    ngx_http_apigw_cache_redis_t *cr);
static void ngx_http_apigw_cache_redis_reread_handler(ngx_event_t *ev);
static void ngx_http_apigw_cache_redis_reread(
    ngx_http_apigw_cache_redis_t *cr);
static void ngx_http_apigw_cache_redis_gens(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_apigw_cache_redis_flushed(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_apigw_cache_redis_published(redisAsyncContext *ac,
    void *reply, void *data);
static ngx_uint_t ngx_http_apigw_cache_redis_failed(
    ngx_http_apigw_cache_redis_t *cr, redisReply *rr, const char *what);
static void ngx_http_apigw_cache_redis_apply(ngx_http_apigw_cache_redis_t *cr,
    ngx_http_apigw_cache_redis_stage_t *s, uint64_t gen, const char *why);
static ngx_http_apigw_cache_redis_stage_t *ngx_http_apigw_cache_redis_stage(
    ngx_http_apigw_cache_redis_t *cr, u_char *name, size_t len);


static ngx_str_t  ngx_http_apigw_cache_redis_channel =
    ngx_string("apigw:cache");

/* KEYS: the generation; ARGV: the channel, "flush ORIGIN", the stage */
static ngx_str_t  ngx_http_apigw_cache_redis_script = ngx_string(
    "local g = redis.call('INCR', KEYS[1])\n"
    "redis.call('PUBLISH', ARGV[1], ARGV[2] .. ' ' .. g .. ' ' .. ARGV[3])\n"
    "return g\n");


/* with apigw_redis and a cache: the stages, their keys, the origin */
ngx_int_t
ngx_http_apigw_cache_redis_init(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf)
{
    uint64_t                             rnd;
    ngx_uint_t                           i, n;
    ngx_http_apigw_loc_conf_t          **stage;
    ngx_http_apigw_cache_redis_t        *cr;
    ngx_http_apigw_cache_stage_t        *cs;
    ngx_http_apigw_cache_redis_stage_t  *s;

    if (amcf->redis == NULL || amcf->cache_zone == NULL) {
        return NGX_OK;
    }

    n = amcf->stages.nelts;

    cr = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_cache_redis_t));
    if (cr == NULL) {
        return NGX_ERROR;
    }

    cr->stages = ngx_pcalloc(cf->pool,
                             n * sizeof(ngx_http_apigw_cache_redis_stage_t));
    cr->argv = ngx_palloc(cf->pool, (n + 1) * sizeof(char *));
    cr->argvlen = ngx_palloc(cf->pool, (n + 1) * sizeof(size_t));

    if (cr->stages == NULL || cr->argv == NULL || cr->argvlen == NULL) {
        return NGX_ERROR;
    }

    cr->argv[0] = "MGET";
    cr->argvlen[0] = 4;

    stage = amcf->stages.elts;

    for (i = 0; i < n; i++) {
        cs = &stage[i]->cache_stage;

        /* a canary shares its stage's generation */
        if (!stage[i]->cache || cs->name.len == 0
            || ngx_http_apigw_cache_redis_stage(cr, cs->name.data,
                                                cs->name.len)
               != NULL)
        {
            continue;
        }

        s = &cr->stages[cr->nstages++];
        s->stage = cs;
        s->cr = cr;

        s->key.len = sizeof(NGX_HTTP_APIGW_CACHE_REDIS_GEN_KEY) - 1
                     + cs->name.len;
        s->key.data = ngx_pnalloc(cf->pool, s->key.len);
        if (s->key.data == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(s->key.data, NGX_HTTP_APIGW_CACHE_REDIS_GEN_KEY "%V",
                    &cs->name);

        cr->argv[cr->nstages] = (char *) s->key.data;
        cr->argvlen[cr->nstages] = s->key.len;
    }

    if (RAND_bytes((u_char *) &rnd, sizeof(rnd)) != 1) {
        rnd = ((uint64_t) ngx_random() << 32) ^ ngx_random()
              ^ (uint64_t) ngx_pid ^ (uint64_t) ngx_time();
    }

    ngx_hex_dump(cr->origin, (u_char *) &rnd, sizeof(rnd));

    amcf->cache_redis = cr;

    return NGX_OK;
}


/* worker 0 subscribes, from now on and after every loss */
ngx_int_t
ngx_http_apigw_cache_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_apigw_main_conf_t *amcf)
{
    ngx_http_apigw_cache_redis_t  *cr;

    cr = amcf->cache_redis;

    if (cr == NULL) {
        return NGX_OK;
    }

    cr->zone = amcf->cache_zone;
    cr->log = cycle->log;

    if (ngx_worker != 0 || cr->nstages == 0) {
        return NGX_OK;
    }

    ngx_http_apigw_redis_link_init(&cr->sub, cycle, amcf->redis);

    cr->sub.name = "redis subscriber";
    cr->sub.fallback = "other gateways' cache invalidations do not reach "
                       "this one";
    cr->sub.opened = ngx_http_apigw_cache_redis_subscribe;
    cr->sub.data = cr;

    cr->reread.handler = ngx_http_apigw_cache_redis_reread_handler;
    cr->reread.data = cr;
    cr->reread.log = cycle->log;
    cr->reread.cancelable = 1;
    cr->backoff = NGX_HTTP_APIGW_CACHE_REDIS_REREAD_MIN;

    ngx_http_apigw_redis_connect(&cr->sub);

    return NGX_OK;
}


/* the subscriber's connection closed, and hiredis's memory freed */
void
ngx_http_apigw_cache_redis_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_apigw_main_conf_t    *amcf;
    ngx_http_apigw_cache_redis_t  *cr;

    amcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_apigw_module);

    if (amcf == NULL || amcf->cache_redis == NULL) {
        return;
    }

    cr = amcf->cache_redis;

    if (cr->reread.timer_set) {
        ngx_del_timer(&cr->reread);
    }

    ngx_http_apigw_redis_close(&cr->sub);
}


/*
 * A flush here (done already): Redis's generation moved on and published,
 * without waiting.  The reply records the new generation, which flushes
 * once more what was stored within that round trip.
 */
void
ngx_http_apigw_cache_redis_flush(ngx_http_request_t *r,
    ngx_http_apigw_cache_stage_t *stage)
{
    u_char                              *p, msg[32];
    size_t                               argvlen[7];
    const char                          *argv[7];
    ngx_http_apigw_main_conf_t          *amcf;
    ngx_http_apigw_cache_redis_t        *cr;
    ngx_http_apigw_cache_redis_stage_t  *s;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    cr = amcf->cache_redis;

    if (cr == NULL) {
        return;
    }

    s = ngx_http_apigw_cache_redis_stage(cr, stage->name.data,
                                         stage->name.len);

    p = ngx_sprintf(msg, "flush %*s", (size_t) sizeof(cr->origin),
                    cr->origin);

    ngx_http_apigw_cache_redis_arg(0, "EVAL", 4);
    ngx_http_apigw_cache_redis_arg(1, ngx_http_apigw_cache_redis_script.data,
                                   ngx_http_apigw_cache_redis_script.len);
    ngx_http_apigw_cache_redis_arg(2, "1", 1);
    ngx_http_apigw_cache_redis_arg(4, ngx_http_apigw_cache_redis_channel.data,
                                   ngx_http_apigw_cache_redis_channel.len);
    ngx_http_apigw_cache_redis_arg(5, msg, p - msg);
    ngx_http_apigw_cache_redis_arg(6, stage->name.data, stage->name.len);

    if (s != NULL) {
        ngx_http_apigw_cache_redis_arg(3, s->key.data, s->key.len);

        if (cr->pending < NGX_HTTP_APIGW_CACHE_REDIS_PENDING
            && ngx_http_apigw_redis_command(7, argv, argvlen,
                                            ngx_http_apigw_cache_redis_flushed,
                                            s)
               == NGX_OK)
        {
            cr->pending++;
            return;
        }
    }

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "apigw: the flush of stage \"%V\" reaches no other "
                  "gateway: redis is down or too slow", &stage->name);
}


/* an authorized refresh: the other gateways drop their entry */
void
ngx_http_apigw_cache_redis_refresh(ngx_http_request_t *r, const u_char *key)
{
    u_char                        *p;
    u_char                         msg[sizeof("key  ") + 16
                                       + 2 * APIGW_SHA256_LEN];
    size_t                         argvlen[3];
    const char                    *argv[3];
    ngx_http_apigw_main_conf_t    *amcf;
    ngx_http_apigw_cache_redis_t  *cr;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    cr = amcf->cache_redis;

    if (cr == NULL || cr->pending >= NGX_HTTP_APIGW_CACHE_REDIS_PENDING) {
        return;
    }

    p = ngx_sprintf(msg, "key %*s ", (size_t) sizeof(cr->origin),
                    cr->origin);
    p = ngx_hex_dump(p, (u_char *) key, APIGW_SHA256_LEN);

    ngx_http_apigw_cache_redis_arg(0, "PUBLISH", 7);
    ngx_http_apigw_cache_redis_arg(1, ngx_http_apigw_cache_redis_channel.data,
                                   ngx_http_apigw_cache_redis_channel.len);
    ngx_http_apigw_cache_redis_arg(2, msg, p - msg);

    if (ngx_http_apigw_redis_command(3, argv, argvlen,
                                     ngx_http_apigw_cache_redis_published, cr)
        == NGX_OK)
    {
        cr->pending++;
    }
}


/* a new connection of the subscriber's */
static void
ngx_http_apigw_cache_redis_subscribe(ngx_http_apigw_redis_link_t *link)
{
    size_t                         argvlen[2];
    const char                    *argv[2];
    ngx_http_apigw_cache_redis_t  *cr;

    cr = link->data;

    ngx_http_apigw_cache_redis_keepalive(link);

    ngx_http_apigw_cache_redis_arg(0, "SUBSCRIBE", 9);
    ngx_http_apigw_cache_redis_arg(1, ngx_http_apigw_cache_redis_channel.data,
                                   ngx_http_apigw_cache_redis_channel.len);

    redisAsyncCommandArgv(link->ac, ngx_http_apigw_cache_redis_message, cr,
                          2, argv, argvlen);
}


/*
 * a subscribed connection sends nothing: without probes, a Redis gone
 * with its host would never be noticed
 */
static void
ngx_http_apigw_cache_redis_keepalive(ngx_http_apigw_redis_link_t *link)
{
    int  value;

    if (link->conf->unix_path.len) {
        return;
    }

    value = 1;

    if (setsockopt(link->conn->fd, SOL_SOCKET, SO_KEEPALIVE,
                   (const void *) &value, sizeof(int))
        == -1)
    {
        ngx_log_error(NGX_LOG_INFO, link->log, ngx_socket_errno,
                      "apigw: setsockopt(SO_KEEPALIVE) on the redis "
                      "subscriber failed");
        return;
    }

#if (NGX_HAVE_KEEPALIVE_TUNABLE)

    value = NGX_HTTP_APIGW_CACHE_REDIS_KEEPIDLE;
    (void) setsockopt(link->conn->fd, IPPROTO_TCP, TCP_KEEPIDLE,
                      (const void *) &value, sizeof(int));

    value = NGX_HTTP_APIGW_CACHE_REDIS_KEEPIDLE / 3;
    (void) setsockopt(link->conn->fd, IPPROTO_TCP, TCP_KEEPINTVL,
                      (const void *) &value, sizeof(int));

    value = 3;
    (void) setsockopt(link->conn->fd, IPPROTO_TCP, TCP_KEEPCNT,
                      (const void *) &value, sizeof(int));

#endif
}


/* the subscription confirmed, a message, or NULL: the connection goes */
static void
ngx_http_apigw_cache_redis_message(redisAsyncContext *ac, void *reply,
    void *data)
{
    redisReply                    *rr = reply;
    ngx_http_apigw_cache_redis_t  *cr = data;

    if (rr == NULL) {
        cr->subscribed = 0;
        return;
    }

    if (rr->type != REDIS_REPLY_ARRAY || rr->elements != 3
        || rr->element[0]->type != REDIS_REPLY_STRING)
    {
        return;
    }

    if (ngx_strcmp(rr->element[0]->str, "subscribe") == 0) {
        cr->subscribed = 1;
        cr->backoff = NGX_HTTP_APIGW_CACHE_REDIS_REREAD_MIN;
        ngx_http_apigw_cache_redis_read_gens(cr);
        return;
    }

    if (ngx_strcmp(rr->element[0]->str, "message") == 0
        && rr->element[2]->type == REDIS_REPLY_STRING)
    {
        ngx_http_apigw_cache_redis_handle(cr, (u_char *) rr->element[2]->str,
                                          rr->element[2]->len);
    }
}


/* "flush ORIGIN GEN API/STAGE" or "key ORIGIN HEX", from another gateway */
static void
ngx_http_apigw_cache_redis_handle(ngx_http_apigw_cache_redis_t *cr,
    u_char *p, size_t len)
{
    off_t                                gen;
    u_char                              *start, *last, *q;
    u_char                               key[APIGW_SHA256_LEN];
    ngx_int_t                            n;
    ngx_uint_t                           i, flush;
    ngx_http_apigw_cache_redis_stage_t  *s;

    start = p;
    last = p + len;

    if (len > 6 && ngx_strncmp(p, "flush ", 6) == 0) {
        flush = 1;
        p += 6;

    } else if (len > 4 && ngx_strncmp(p, "key ", 4) == 0) {
        flush = 0;
        p += 4;

    } else {
        goto invalid;
    }

    if ((size_t) (last - p) <= sizeof(cr->origin)
        || p[sizeof(cr->origin)] != ' ')
    {
        goto invalid;
    }

    if (ngx_strncmp(p, cr->origin, sizeof(cr->origin)) == 0) {
        /* this gateway's own */
        return;
    }

    p += sizeof(cr->origin) + 1;

    if (!flush) {
        if (last - p != 2 * APIGW_SHA256_LEN) {
            goto invalid;
        }

        for (i = 0; i < APIGW_SHA256_LEN; i++) {
            n = ngx_hextoi(p + 2 * i, 2);

            if (n == NGX_ERROR) {
                goto invalid;
            }

            key[i] = (u_char) n;
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, cr->log, 0,
                       "apigw cache: entry %*s dropped: refreshed by another "
                       "gateway", (size_t) (2 * APIGW_SHA256_LEN), p);

        ngx_http_apigw_cache_invalidate(cr->zone, key);
        return;
    }

    q = ngx_strlchr(p, last, ' ');

    if (q == NULL || q + 1 == last) {
        goto invalid;
    }

    gen = ngx_atoof(p, q - p);

    if (gen == NGX_ERROR) {
        goto invalid;
    }

    s = ngx_http_apigw_cache_redis_stage(cr, q + 1, last - q - 1);

    if (s != NULL) {
        ngx_http_apigw_cache_redis_apply(cr, s, (uint64_t) gen,
                                         "by another gateway");
    }

    return;

invalid:

    ngx_log_error(NGX_LOG_INFO, cr->log, 0,
                  "apigw: not a cache message on redis channel \"%V\": "
                  "\"%*s\"", &ngx_http_apigw_cache_redis_channel,
                  ngx_min(len, 128), start);
}


/*
 * every stage's generation, once subscribed, through the worker's command
 * connection: later while that one is not up
 */
static void
ngx_http_apigw_cache_redis_read_gens(ngx_http_apigw_cache_redis_t *cr)
{
    if (!cr->subscribed) {
        /* the next subscription reads them */
        return;
    }

    if (ngx_http_apigw_redis_command(cr->nstages + 1, cr->argv, cr->argvlen,
                                     ngx_http_apigw_cache_redis_gens, cr)
        != NGX_OK)
    {
        ngx_http_apigw_cache_redis_reread(cr);
    }
}


static void
ngx_http_apigw_cache_redis_reread_handler(ngx_event_t *ev)
{
    ngx_http_apigw_cache_redis_read_gens(ev->data);
}


static void
ngx_http_apigw_cache_redis_reread(ngx_http_apigw_cache_redis_t *cr)
{
    if (cr->reread.timer_set || cr->sub.closed || ngx_exiting
        || ngx_terminate)
    {
        return;
    }

    ngx_add_timer(&cr->reread, cr->backoff);
    cr->backoff = ngx_min(cr->backoff * 2,
                          NGX_HTTP_APIGW_CACHE_REDIS_REREAD_MAX);
}


static void
ngx_http_apigw_cache_redis_gens(redisAsyncContext *ac, void *reply,
    void *data)
{
    redisReply                    *rr = reply;
    ngx_http_apigw_cache_redis_t  *cr = data;

    off_t        gen;
    ngx_uint_t   i;
    redisReply  *e;

    if (rr == NULL) {
        ngx_http_apigw_cache_redis_reread(cr);
        return;
    }

    if (ngx_http_apigw_cache_redis_failed(cr, rr, "MGET")
        || rr->type != REDIS_REPLY_ARRAY || rr->elements != cr->nstages)
    {
        ngx_http_apigw_cache_redis_reread(cr);
        return;
    }

    for (i = 0; i < cr->nstages; i++) {
        e = rr->element[i];

        if (e->type == REDIS_REPLY_NIL) {
            /* never flushed, or a Redis that restarted empty */
            gen = 0;

        } else if (e->type != REDIS_REPLY_STRING
                   || (gen = ngx_atoof((u_char *) e->str, e->len))
                      == NGX_ERROR)
        {
            ngx_log_error(NGX_LOG_ERR, cr->log, 0,
                          "apigw: redis key \"%V\" is not a generation",
                          &cr->stages[i].key);
            continue;
        }

        ngx_http_apigw_cache_redis_apply(cr, &cr->stages[i], (uint64_t) gen,
                                         "its generation in redis moved on");
    }

    cr->backoff = NGX_HTTP_APIGW_CACHE_REDIS_REREAD_MIN;
}


/* the reply to this gateway's flush: the generation it made */
static void
ngx_http_apigw_cache_redis_flushed(redisAsyncContext *ac, void *reply,
    void *data)
{
    redisReply                          *rr = reply;
    ngx_http_apigw_cache_redis_stage_t  *s = data;

    s->cr->pending--;

    /* NULL: not known; the subscriber reads it when connected again */

    if (rr != NULL && !ngx_http_apigw_cache_redis_failed(s->cr, rr, "EVAL")
        && rr->type == REDIS_REPLY_INTEGER)
    {
        ngx_http_apigw_cache_redis_apply(s->cr, s, (uint64_t) rr->integer,
                                         NULL);
    }
}


static void
ngx_http_apigw_cache_redis_published(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_apigw_cache_redis_t  *cr = data;

    cr->pending--;

    if (reply != NULL) {
        (void) ngx_http_apigw_cache_redis_failed(cr, reply, "PUBLISH");
    }
}


static ngx_uint_t
ngx_http_apigw_cache_redis_failed(ngx_http_apigw_cache_redis_t *cr,
    redisReply *rr, const char *what)
{
    if (rr->type != REDIS_REPLY_ERROR) {
        return 0;
    }

    ngx_log_error(NGX_LOG_ERR, cr->log, 0, "apigw: redis: %s: %s", what,
                  rr->str);
    ngx_http_apigw_metrics_redis(APIGW_METRICS_REDIS_ERRORS
                                 + APIGW_REDIS_ERROR_REPLY);

    return 1;
}


/* Redis's generation of a stage: one not seen before flushes it here */
static void
ngx_http_apigw_cache_redis_apply(ngx_http_apigw_cache_redis_t *cr,
    ngx_http_apigw_cache_redis_stage_t *s, uint64_t gen, const char *why)
{
    if (ngx_http_apigw_cache_redis_gen(cr->zone, s->stage, gen) && why) {
        ngx_log_error(NGX_LOG_NOTICE, cr->log, 0,
                      "apigw: the cache of stage \"%V\" flushed: %s "
                      "(generation %uL)", &s->stage->name, why, gen);
    }
}


static ngx_http_apigw_cache_redis_stage_t *
ngx_http_apigw_cache_redis_stage(ngx_http_apigw_cache_redis_t *cr,
    u_char *name, size_t len)
{
    ngx_uint_t  i;

    for (i = 0; i < cr->nstages; i++) {
        if (cr->stages[i].stage->name.len == len
            && ngx_strncmp(cr->stages[i].stage->name.data, name, len) == 0)
        {
            return &cr->stages[i];
        }
    }

    return NULL;
}
