
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"
#include "apigw_throttle.h"

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <openssl/evp.h>


/*
 * Buckets and quotas in Redis, shared by every gateway: one hiredis async
 * connection per worker, driven by nginx's event loop through the adapter
 * below (hiredis 0.14 has no timers: nginx's bound each command), one
 * script run per request with EVALSHA (EVAL when Redis does not know it
 * yet).  When Redis is down or slow, requests fall back to the shared
 * zone (on_failure=local, the default), pass (open) or are refused with
 * 429 (closed); the outage is logged once, and the connection comes back
 * by itself with backoff.  The cache's subscriber (worker 0's, in
 * ngx_http_apigw_cache_redis.c) is a second connection of the same kind.
 */


#define NGX_HTTP_APIGW_REDIS_BACKOFF_MIN    100
#define NGX_HTTP_APIGW_REDIS_BACKOFF_MAX    5000


/*
 * one request's script run, freed when both its reply (hiredis always
 * calls back once, with NULL when the connection goes) and the request
 * are done with it
 */
typedef struct {
    ngx_http_request_t         *r;          /* NULL: the request is gone */
    ngx_uint_t                  refs;
    unsigned                    waiting:1;  /* for this reply */
} ngx_http_apigw_redis_call_t;


static void ngx_http_apigw_redis_reconnect_handler(ngx_event_t *ev);
static void ngx_http_apigw_redis_down(ngx_http_apigw_redis_link_t *rd,
    const char *why);
static void ngx_http_apigw_redis_connected(const redisAsyncContext *ac,
    int status);
static void ngx_http_apigw_redis_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_http_apigw_redis_add_read(void *data);
static void ngx_http_apigw_redis_del_read(void *data);
static void ngx_http_apigw_redis_add_write(void *data);
static void ngx_http_apigw_redis_del_write(void *data);
static void ngx_http_apigw_redis_cleanup(void *data);
static void ngx_http_apigw_redis_read_handler(ngx_event_t *ev);
static void ngx_http_apigw_redis_write_handler(ngx_event_t *ev);
static void ngx_http_apigw_redis_reply(redisAsyncContext *ac, void *reply,
    void *privdata);
static void ngx_http_apigw_redis_timeout(ngx_event_t *ev);
static void ngx_http_apigw_redis_request_gone(void *data);
static void ngx_http_apigw_redis_resume(ngx_http_request_t *r);
static void ngx_http_apigw_redis_throttled(ngx_http_request_t *r,
    redisReply *rr);
static void ngx_http_apigw_redis_load_script(redisAsyncContext *ac);
static void ngx_http_apigw_redis_opened(ngx_http_apigw_redis_link_t *rd);


static ngx_http_apigw_redis_link_t  ngx_http_apigw_redis;


/*
 * KEYS: the buckets, then the quota if any.  ARGV: now (us), the number
 * of buckets, each bucket's interval, tolerance (us) and the tokens
 * wanted, then the quota's limit, end (unix time) and the units wanted.
 * A request needs one of each; the worker keeps the rest of what is
 * granted (a lease, ngx_http_apigw_lease.c).  Returns {all admitted, then
 * per bucket admitted, granted, remaining, reset (us), retry (us), then
 * the quota's count and the units granted}.  The same GCRA as
 * apigw_throttle.c; a quota is a hash of used and limit.
 */
static const char  ngx_http_apigw_redis_script[] =
    "local now = tonumber(ARGV[1])\n"
    "local n = tonumber(ARGV[2])\n"
    "local res, tats, ok = {1}, {}, 1\n"
    "for i = 1, n do\n"
    "  local interval = tonumber(ARGV[3 * i])\n"
    "  local tau = tonumber(ARGV[3 * i + 1])\n"
    "  local want = tonumber(ARGV[3 * i + 2])\n"
    "  local tat = tonumber(redis.call('GET', KEYS[i])) or 0\n"
    "  local start = math.max(tat, now)\n"
    "  local allowed = now + tau\n"
    "  if start <= allowed then\n"
    "    local avail = math.floor((allowed - start) / interval) + 1\n"
    "    local grant = math.min(want, avail)\n"
    "    tats[i] = start + grant * interval\n"
    "    table.insert(res, 1); table.insert(res, grant)\n"
    "    table.insert(res, avail - grant)\n"
    "    table.insert(res, tats[i] - now); table.insert(res, 0)\n"
    "  else\n"
    "    ok = 0\n"
    "    table.insert(res, 0); table.insert(res, 0); table.insert(res, 0)\n"
    "    table.insert(res, start - now); table.insert(res, start - allowed)\n"
    "  end\n"
    "end\n"
    "local used, qgrant = 0, 0\n"
    "if #KEYS > n then\n"
    "  local limit = tonumber(ARGV[3 * n + 3])\n"
    "  used = tonumber(redis.call('HGET', KEYS[n + 1], 'used')) or 0\n"
    "  if used >= limit then\n"
    "    ok = 0\n"
    "    used = used + 1\n"
    "  else\n"
    "    qgrant = math.min(tonumber(ARGV[3 * n + 5]), limit - used)\n"
    "    used = used + qgrant\n"
    "  end\n"
    "end\n"
    "if ok == 1 then\n"
    "  for i = 1, n do\n"
    "    redis.call('SET', KEYS[i], tats[i], 'PX',\n"
    "               math.floor((tats[i] - now) / 1000) + 1)\n"
    "  end\n"
    "  if #KEYS > n then\n"
    "    redis.call('HINCRBY', KEYS[n + 1], 'used', qgrant)\n"
    "    redis.call('HSET', KEYS[n + 1], 'limit', ARGV[3 * n + 3])\n"
    "    redis.call('EXPIREAT', KEYS[n + 1], ARGV[3 * n + 4])\n"
    "  end\n"
    "end\n"
    "res[1] = ok\n"
    "table.insert(res, used)\n"
    "table.insert(res, qgrant)\n"
    "return res\n";

static char  ngx_http_apigw_redis_sha[41];


/* apigw_redis ADDRESS [password=P] [db=N] [timeout=T] [on_failure=M] */
char *
ngx_http_apigw_redis_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apigw_main_conf_t *amcf = conf;

    u_char                       *p;
    ngx_url_t                     u;
    ngx_str_t                    *value, s;
    ngx_uint_t                    i, n;
    ngx_http_apigw_redis_conf_t  *rc;

    if (amcf->redis != NULL) {
        return "is duplicate";
    }

    rc = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_redis_conf_t));
    if (rc == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;
    rc->timeout = 50;
    rc->on_failure = NGX_HTTP_APIGW_REDIS_LOCAL;

    if (ngx_strncmp(value[1].data, "unix:", 5) == 0) {
        rc->unix_path.len = value[1].len - 5;
        rc->unix_path.data = ngx_pnalloc(cf->pool, rc->unix_path.len + 1);
        if (rc->unix_path.data == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_cpystrn(rc->unix_path.data, value[1].data + 5,
                    rc->unix_path.len + 1);

    } else {
        /* resolved now: hiredis would resolve a name blocking */
        ngx_memzero(&u, sizeof(ngx_url_t));
        u.url = value[1];
        u.default_port = 6379;

        if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.naddrs == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "apigw_redis \"%V\": %s",
                               &value[1], u.err ? u.err : "no address");
            return NGX_CONF_ERROR;
        }

        rc->host.data = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN + 1);
        if (rc->host.data == NULL) {
            return NGX_CONF_ERROR;
        }

        rc->host.len = ngx_sock_ntop(u.addrs[0].sockaddr,
                                     u.addrs[0].socklen, rc->host.data,
                                     NGX_SOCKADDR_STRLEN, 0);
        rc->host.data[rc->host.len] = '\0';
        rc->port = u.port;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        s = value[i];

        if (ngx_strncmp(s.data, "password=", 9) == 0) {
            rc->password.data = s.data + 9;
            rc->password.len = s.len - 9;
            continue;
        }

        if (ngx_strncmp(s.data, "db=", 3) == 0) {
            n = ngx_atoi(s.data + 3, s.len - 3);

            if (n == (ngx_uint_t) NGX_ERROR || n > 1000000) {
                goto invalid;
            }

            rc->db = n;
            continue;
        }

        if (ngx_strncmp(s.data, "timeout=", 8) == 0) {
            s.data += 8;
            s.len -= 8;
            rc->timeout = ngx_parse_time(&s, 0);

            if (rc->timeout == (ngx_msec_t) NGX_ERROR || rc->timeout == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strcmp(s.data, "on_failure=local") == 0) {
            rc->on_failure = NGX_HTTP_APIGW_REDIS_LOCAL;
            continue;
        }

        if (ngx_strcmp(s.data, "on_failure=open") == 0) {
            rc->on_failure = NGX_HTTP_APIGW_REDIS_OPEN;
            continue;
        }

        if (ngx_strcmp(s.data, "on_failure=closed") == 0) {
            rc->on_failure = NGX_HTTP_APIGW_REDIS_CLOSED;
            continue;
        }

    invalid:

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    /* EVALSHA needs the script's SHA-1, lower-case hex */
    {
        u_char        md[EVP_MAX_MD_SIZE];
        unsigned int  mdlen;

        if (EVP_Digest(ngx_http_apigw_redis_script,
                       sizeof(ngx_http_apigw_redis_script) - 1, md, &mdlen,
                       EVP_sha1(), NULL)
            != 1)
        {
            return "cannot compute the script's SHA-1";
        }

        p = ngx_hex_dump((u_char *) ngx_http_apigw_redis_sha, md, mdlen);
        *p = '\0';
    }

    amcf->redis = rc;

    return NGX_CONF_OK;
}


/* in each worker: the connection, kept up from here on */
ngx_int_t
ngx_http_apigw_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_apigw_main_conf_t *amcf)
{
    ngx_http_apigw_redis_link_t  *rd;

    if (amcf->redis == NULL) {
        return NGX_OK;
    }

    rd = &ngx_http_apigw_redis;
    ngx_http_apigw_redis_link_init(rd, cycle, amcf->redis);

    rd->opened = ngx_http_apigw_redis_opened;
    rd->fallback = amcf->redis->on_failure == NGX_HTTP_APIGW_REDIS_LOCAL
                   ? "throttling in this node's shared zone"
                   : amcf->redis->on_failure == NGX_HTTP_APIGW_REDIS_OPEN
                   ? "throttling is off" : "throttling refuses every request";

    ngx_http_apigw_redis_connect(rd);

    return NGX_OK;
}


/*
 * A connection of a worker's, to be made with ngx_http_apigw_redis_connect()
 * and made again by itself, with backoff, when it fails
 */
void
ngx_http_apigw_redis_link_init(ngx_http_apigw_redis_link_t *rd,
    ngx_cycle_t *cycle, ngx_http_apigw_redis_conf_t *conf)
{
    ngx_memzero(rd, sizeof(ngx_http_apigw_redis_link_t));

    rd->conf = conf;
    rd->log = cycle->log;
    rd->backoff = NGX_HTTP_APIGW_REDIS_BACKOFF_MIN;
    rd->name = "redis";

    rd->reconnect.handler = ngx_http_apigw_redis_reconnect_handler;
    rd->reconnect.data = rd;
    rd->reconnect.log = cycle->log;
    rd->reconnect.cancelable = 1;
}


void
ngx_http_apigw_redis_connect(ngx_http_apigw_redis_link_t *rd)
{
    const char               *argv[2];
    size_t                    argvlen[2];
    u_char                    db[NGX_INT_T_LEN];
    redisAsyncContext        *ac;
    ngx_connection_t         *c;
    ngx_http_apigw_redis_conf_t  *rc;

    rc = rd->conf;

    if (rc->unix_path.len) {
        ac = redisAsyncConnectUnix((char *) rc->unix_path.data);

    } else {
        ac = redisAsyncConnect((char *) rc->host.data, (int) rc->port);
    }

    if (ac == NULL || ac->err) {
        ngx_http_apigw_metrics_redis(APIGW_METRICS_REDIS_ERRORS
                                     + APIGW_REDIS_ERROR_CONNECTION);
        ngx_http_apigw_redis_down(rd, ac ? ac->errstr : "out of memory");

        if (ac) {
            redisAsyncFree(ac);
        }

        return;
    }

    c = ngx_get_connection(ac->c.fd, rd->log);
    if (c == NULL) {
        redisAsyncFree(ac);
        ngx_http_apigw_redis_down(rd, "no free connection");
        return;
    }

    /* idle for nginx: a worker shutting down gracefully closes it */
    c->idle = 1;
    c->data = rd;
    c->read->handler = ngx_http_apigw_redis_read_handler;
    c->write->handler = ngx_http_apigw_redis_write_handler;
    c->read->log = rd->log;
    c->write->log = rd->log;

    rd->ac = ac;
    rd->conn = c;

    ac->data = rd;
    ac->ev.data = c;
    ac->ev.addRead = ngx_http_apigw_redis_add_read;
    ac->ev.delRead = ngx_http_apigw_redis_del_read;
    ac->ev.addWrite = ngx_http_apigw_redis_add_write;
    ac->ev.delWrite = ngx_http_apigw_redis_del_write;
    ac->ev.cleanup = ngx_http_apigw_redis_cleanup;

    redisAsyncSetConnectCallback(ac, ngx_http_apigw_redis_connected);
    redisAsyncSetDisconnectCallback(ac, ngx_http_apigw_redis_disconnected);

    /* queued now, sent once connected; their replies are not waited for */
    if (rc->password.len) {
        argv[0] = "AUTH";
        argvlen[0] = 4;
        argv[1] = (char *) rc->password.data;
        argvlen[1] = rc->password.len;
        redisAsyncCommandArgv(ac, NULL, NULL, 2, argv, argvlen);
    }

    if (rc->db) {
        argv[0] = "SELECT";
        argvlen[0] = 6;
        argv[1] = (char *) db;
        argvlen[1] = ngx_sprintf(db, "%ui", rc->db) - db;
        redisAsyncCommandArgv(ac, NULL, NULL, 2, argv, argvlen);
    }

    rd->opened(rd);
}


/*
 * the worker exits: hiredis's memory freed (a fast shutdown leaves the
 * connection open, and the module is unloaded before LeakSanitizer looks)
 */
void
ngx_http_apigw_redis_exit_process(void)
{
    ngx_http_apigw_redis_close(&ngx_http_apigw_redis);
}


/* the connection goes now, for good; its callbacks see NULL */
void
ngx_http_apigw_redis_close(ngx_http_apigw_redis_link_t *rd)
{
    rd->closed = 1;

    if (rd->reconnect.timer_set) {
        ngx_del_timer(&rd->reconnect);
    }

    if (rd->ac) {
        redisAsyncFree(rd->ac);
        rd->ac = NULL;
    }
}


static void
ngx_http_apigw_redis_reconnect_handler(ngx_event_t *ev)
{
    ngx_http_apigw_redis_connect(ev->data);
}


/* marks Redis down (logged once per outage) and plans a reconnection */
static void
ngx_http_apigw_redis_down(ngx_http_apigw_redis_link_t *rd, const char *why)
{
    rd->up = 0;

    if (!rd->down_logged) {
        ngx_log_error(NGX_LOG_WARN, rd->log, 0, "apigw: %s is down (%s): "
                      "%s until it is back", rd->name, why, rd->fallback);
        rd->down_logged = 1;
    }

    if (!rd->reconnect.timer_set && !rd->closed && !ngx_exiting
        && !ngx_terminate)
    {
        ngx_add_timer(&rd->reconnect, rd->backoff);
        rd->backoff = ngx_min(rd->backoff * 2,
                              NGX_HTTP_APIGW_REDIS_BACKOFF_MAX);
    }
}


static void
ngx_http_apigw_redis_connected(const redisAsyncContext *ac, int status)
{
    ngx_http_apigw_redis_link_t  *rd;

    rd = ac->data;

    if (status != REDIS_OK) {
        /* hiredis frees the context after this */
        rd->ac = NULL;
        ngx_http_apigw_metrics_redis(APIGW_METRICS_REDIS_ERRORS
                                     + APIGW_REDIS_ERROR_CONNECTION);
        ngx_http_apigw_redis_down(rd, ac->errstr);
        return;
    }

    rd->up = 1;
    rd->backoff = NGX_HTTP_APIGW_REDIS_BACKOFF_MIN;

    if (rd->down_logged) {
        ngx_log_error(NGX_LOG_NOTICE, rd->log, 0, "apigw: %s is back",
                      rd->name);
        rd->down_logged = 0;
    }
}


static void
ngx_http_apigw_redis_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_http_apigw_redis_link_t  *rd;

    rd = ac->data;
    rd->ac = NULL;

    if (ngx_exiting || rd->closed) {
        /* closed by the read handler or at exit: the worker is going */
        rd->up = 0;
        return;
    }

    if (rd->up) {
        /* lost; a timeout that closed it has counted already */
        ngx_http_apigw_metrics_redis(APIGW_METRICS_REDIS_ERRORS
                                     + APIGW_REDIS_ERROR_CONNECTION);
    }

    ngx_http_apigw_redis_down(rd, status == REDIS_OK ? "disconnected"
                                                     : ac->errstr);
}


static void
ngx_http_apigw_redis_add_read(void *data)
{
    ngx_connection_t  *c = data;

    if (!c->read->active) {
        (void) ngx_add_event(c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT);
    }
}


static void
ngx_http_apigw_redis_del_read(void *data)
{
    ngx_connection_t  *c = data;

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, 0);
    }
}


/*
 * A command to send: once connected, the write is posted to the end of
 * this turn of the event loop, so that every command of the turn goes in
 * one write (pipelined) and no epoll call is made.  Only while connecting,
 * or when the socket would block, is writability waited for.
 */
static void
ngx_http_apigw_redis_add_write(void *data)
{
    ngx_connection_t  *c = data;

    ngx_http_apigw_redis_link_t  *rd = c->data;

    if (c->write->active || c->write->posted) {
        return;
    }

    if (rd->ac && (rd->ac->c.flags & REDIS_CONNECTED) && !rd->writing) {
        ngx_post_event(c->write, &ngx_posted_events);
        return;
    }

    (void) ngx_add_event(c->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT);
}


static void
ngx_http_apigw_redis_del_write(void *data)
{
    ngx_connection_t  *c = data;

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, 0);
    }
}


/* hiredis is done with the socket and closes it itself */
static void
ngx_http_apigw_redis_cleanup(void *data)
{
    ngx_connection_t  *c = data;

    ngx_http_apigw_redis_link_t  *rd = c->data;

    ngx_http_apigw_redis_del_read(c);
    ngx_http_apigw_redis_del_write(c);

    if (rd->conn == c) {
        rd->conn = NULL;
    }

    c->fd = (ngx_socket_t) -1;
    ngx_free_connection(c);
}


static void
ngx_http_apigw_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c = ev->data;

    ngx_http_apigw_redis_link_t  *rd = c->data;

    if (rd->ac == NULL) {
        return;
    }

    if (c->close && !(rd->ac->c.flags & REDIS_DISCONNECTING)) {
        /*
         * the worker is shutting down: the replies still due come in,
         * then hiredis disconnects, and may free c at once
         */
        redisAsyncDisconnect(rd->ac);
        return;
    }

    redisAsyncHandleRead(rd->ac);
}


static void
ngx_http_apigw_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c = ev->data;

    ngx_http_apigw_redis_link_t  *rd = c->data;

    if (rd->ac) {
        rd->writing = 1;
        redisAsyncHandleWrite(rd->ac);
        rd->writing = 0;
    }
}



/*
 * one command for a request: NGX_AGAIN, the request waits and done() is
 * called with the reply, or with NULL when Redis fails or is too slow,
 * before the request's phases resume; NGX_DECLINED, Redis is down
 */
ngx_int_t
ngx_http_apigw_redis_send(ngx_http_request_t *r, int argc, const char **argv,
    const size_t *argvlen, ngx_http_apigw_redis_done_pt done)
{
    ngx_pool_cleanup_t           *cln;
    ngx_http_apigw_ctx_t         *ctx;
    ngx_http_apigw_redis_link_t  *rd;
    ngx_http_apigw_redis_call_t  *call;
    ngx_http_apigw_redis_wait_t  *w;

    rd = &ngx_http_apigw_redis;

    if (rd->ac == NULL || !rd->up) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    if (ctx->redis == NULL) {
        ctx->redis = ngx_pcalloc(r->pool, sizeof(ngx_http_apigw_redis_wait_t));
        if (ctx->redis == NULL) {
            return NGX_ERROR;
        }
    }

    w = ctx->redis;

    call = ngx_alloc(sizeof(ngx_http_apigw_redis_call_t), r->connection->log);
    if (call == NULL) {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        ngx_free(call);
        return NGX_ERROR;
    }

    if (redisAsyncCommandArgv(rd->ac, ngx_http_apigw_redis_reply, call, argc,
                              argv, argvlen)
        != REDIS_OK)
    {
        ngx_free(call);
        return NGX_DECLINED;
    }

    call->r = r;
    call->refs = 2;
    call->waiting = 1;

    cln->handler = ngx_http_apigw_redis_request_gone;
    cln->data = call;

    w->call = call;
    w->done = done;
    w->timer.handler = ngx_http_apigw_redis_timeout;
    w->timer.data = r;
    w->timer.log = r->connection->log;
    ngx_add_timer(&w->timer, rd->conf->timeout);

    /* the request waits; a client that leaves is noticed */
    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_request_empty_handler;

    return NGX_AGAIN;
}


/* the request is done: the reply, if it is still to come, finds none */
static void
ngx_http_apigw_redis_request_gone(void *data)
{
    ngx_http_apigw_redis_call_t  *call = data;

    ngx_http_apigw_ctx_t  *ctx;

    if (call->r) {
        ctx = ngx_http_get_module_ctx(call->r, ngx_http_apigw_module);

        if (ctx && ctx->redis && ctx->redis->timer.timer_set) {
            ngx_del_timer(&ctx->redis->timer);
        }
    }

    call->r = NULL;
    call->waiting = 0;

    if (--call->refs == 0) {
        ngx_free(call);
    }
}


static void
ngx_http_apigw_redis_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    redisReply                   *rr = reply;
    ngx_uint_t                    waiting;
    ngx_http_request_t           *r;
    ngx_http_apigw_ctx_t         *ctx;
    ngx_http_apigw_redis_call_t  *call = privdata;

    r = call->r;
    waiting = call->waiting;
    call->waiting = 0;

    if (--call->refs == 0) {
        ngx_free(call);
    }

    if (!waiting || ngx_http_apigw_redis.closed) {
        /* the request is gone, or its time was up, or the worker exits */
        return;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    if (ctx->redis->timer.timer_set) {
        ngx_del_timer(&ctx->redis->timer);
    }

    if (rr != NULL && rr->type == REDIS_REPLY_ERROR) {
        if (ngx_strncmp(rr->str, "NOSCRIPT", 8) == 0) {
            /* a Redis restarted empty, or SCRIPT FLUSH: load it again */
            ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                          "apigw: redis does not know the script: "
                          "loading it");
            ngx_http_apigw_redis_load_script(ac);

        } else {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "apigw: redis: %s", rr->str);
        }

        ngx_http_apigw_metrics_redis(APIGW_METRICS_REDIS_ERRORS
                                     + APIGW_REDIS_ERROR_REPLY);

        rr = NULL;
    }

    ctx->redis->done(r, rr);
    ngx_http_apigw_redis_resume(r);
}


/* a new connection: the throttling script, before anything else */
static void
ngx_http_apigw_redis_opened(ngx_http_apigw_redis_link_t *rd)
{
    ngx_http_apigw_redis_load_script(rd->ac);
}


/*
 * a command of the worker's own, not a request's: fn has the reply, or
 * NULL when the connection goes first; NGX_DECLINED, Redis is down
 */
ngx_int_t
ngx_http_apigw_redis_command(int argc, const char **argv,
    const size_t *argvlen, ngx_http_apigw_redis_reply_pt fn, void *data)
{
    ngx_http_apigw_redis_link_t  *rd;

    rd = &ngx_http_apigw_redis;

    if (rd->ac == NULL || !rd->up
        || redisAsyncCommandArgv(rd->ac, fn, data, argc, argv, argvlen)
           != REDIS_OK)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* SCRIPT LOAD, so that EVALSHA works; its reply is not waited for */
static void
ngx_http_apigw_redis_load_script(redisAsyncContext *ac)
{
    const char  *argv[3];
    size_t       argvlen[3];

    argv[0] = "SCRIPT";
    argvlen[0] = 6;
    argv[1] = "LOAD";
    argvlen[1] = 4;
    argv[2] = ngx_http_apigw_redis_script;
    argvlen[2] = sizeof(ngx_http_apigw_redis_script) - 1;

    redisAsyncCommandArgv(ac, NULL, NULL, 3, argv, argvlen);
}


/* no reply in time: Redis is slow or gone; this request decides here */
static void
ngx_http_apigw_redis_timeout(ngx_event_t *ev)
{
    ngx_http_request_t  *r = ev->data;

    ngx_http_apigw_ctx_t         *ctx;
    ngx_http_apigw_redis_link_t  *rd;
    ngx_http_apigw_redis_call_t  *call;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    /* the reply, if it comes, finds no request waiting */
    call = ctx->redis->call;
    call->waiting = 0;

    ngx_http_apigw_metrics_redis(APIGW_METRICS_REDIS_ERRORS
                                 + APIGW_REDIS_ERROR_TIMEOUT);

    rd = &ngx_http_apigw_redis;

    if (rd->ac && rd->up) {
        /* commands still queued get no reply either: they fall back */
        ngx_http_apigw_redis_down(rd, "a command timed out");
        redisAsyncDisconnect(rd->ac);
    }

    ctx->redis->done(r, NULL);
    ngx_http_apigw_redis_resume(r);
}


static void
ngx_http_apigw_redis_resume(ngx_http_request_t *r)
{
    ngx_connection_t  *c;

    c = r->connection;

    ngx_http_apigw_resume(r);
    ngx_http_run_posted_requests(c);
}


/*
 * the request's buckets in one script run: NGX_AGAIN, the request waits;
 * NGX_DECLINED, Redis is down: the failure policy decides; NGX_OK, the
 * worker's leases had a token of every bucket: decided here
 */
ngx_int_t
ngx_http_apigw_redis_throttle(ngx_http_request_t *r,
    ngx_http_apigw_throttle_req_t *t)
{
    int          argc;
    u_char      *p, *buf;
    size_t       argvlen[4 + 4 * NGX_HTTP_APIGW_MAX_BUCKETS + 5];
    int64_t      interval;
    ngx_uint_t   i;
    const char  *argv[4 + 4 * NGX_HTTP_APIGW_MAX_BUCKETS + 5];

    if (!ngx_http_apigw_redis.up) {
        return NGX_DECLINED;
    }

    if (ngx_http_apigw_lease_take(t)) {
        t->store = NGX_HTTP_APIGW_STORE_REDIS;
        t->admitted = 1;
        return NGX_OK;
    }

    buf = ngx_pnalloc(r->pool, 64 * (3 * t->n + 6) + 8 * (t->n + 1) + 32);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = buf;
    argc = 0;

    argv[argc] = "EVALSHA";
    argvlen[argc++] = 7;
    argv[argc] = ngx_http_apigw_redis_sha;
    argvlen[argc++] = 40;

#define ngx_http_apigw_redis_arg(fmt, ...)                                    \
    argv[argc] = (char *) p;                                                  \
    p = ngx_sprintf(p, fmt, __VA_ARGS__);                                     \
    argvlen[argc] = p - (u_char *) argv[argc];                                \
    argc++

    ngx_http_apigw_redis_arg("%ui", t->n + (t->quota ? 1 : 0));

    for (i = 0; i < t->n; i++) {
        ngx_http_apigw_redis_arg("{apigw}:%V", &t->b[i].id);
    }

    if (t->quota) {
        ngx_http_apigw_redis_arg("{apigw}:%V", &t->q.id);
    }

    ngx_http_apigw_redis_arg("%L", t->now / 1000);
    ngx_http_apigw_redis_arg("%ui", t->n);

    for (i = 0; i < t->n; i++) {
        interval = apigw_gcra_interval(t->b[i].throttle) / 1000;
        interval = interval ? interval : 1;

        ngx_http_apigw_redis_arg("%L", interval);
        ngx_http_apigw_redis_arg("%L", interval
                                       * ((int64_t) t->b[i].throttle->burst
                                          - 1));
        ngx_http_apigw_redis_arg("%uD",
                                 ngx_http_apigw_lease_size(t->b[i].throttle));
    }

    if (t->quota) {
        ngx_http_apigw_redis_arg("%uL", t->q.quota->limit);
        ngx_http_apigw_redis_arg("%L", t->q.end);
        ngx_http_apigw_redis_arg("%uL",
                                 ngx_http_apigw_lease_quota_size(t->q.quota));
    }

#undef ngx_http_apigw_redis_arg

    return ngx_http_apigw_redis_send(r, argc, argv, argvlen,
                                     ngx_http_apigw_redis_throttled);
}


/* the script's verdict into the request's buckets; NULL: the policy's */
static void
ngx_http_apigw_redis_throttled(ngx_http_request_t *r, redisReply *rr)
{
    ngx_uint_t                      i, k, ok;
    ngx_http_apigw_ctx_t           *ctx;
    ngx_http_apigw_throttle_req_t  *t;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);
    t = ctx->throttle;
    t->store = NGX_HTTP_APIGW_STORE_FALLBACK;

    if (rr == NULL) {
        return;
    }

    /* the script's answer: an array of so many integers */
    ok = (rr->type == REDIS_REPLY_ARRAY && rr->elements == 3 + 5 * t->n);

    for (i = 0; ok && i < rr->elements; i++) {
        ok = (rr->element[i]->type == REDIS_REPLY_INTEGER);
    }

    if (!ok) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apigw: unexpected redis reply to the script");
        ngx_http_apigw_metrics_redis(APIGW_METRICS_REDIS_ERRORS
                                     + APIGW_REDIS_ERROR_REPLY);
        return;
    }

    t->store = NGX_HTTP_APIGW_STORE_REDIS;
    t->admitted = (rr->element[0]->integer == 1);

    for (i = 0; i < t->n; i++) {
        k = 1 + 5 * i;
        t->b[i].g.admitted = (rr->element[k]->integer == 1);
        t->b[i].grant = (uint32_t) rr->element[k + 1]->integer;
        t->b[i].g.remaining = (uint32_t) rr->element[k + 2]->integer;
        t->b[i].g.reset = rr->element[k + 3]->integer * 1000;
        t->b[i].g.retry_after = rr->element[k + 4]->integer * 1000;
    }

    if (t->quota) {
        t->q.used = (uint64_t) rr->element[rr->elements - 2]->integer;
        t->q.grant = (uint64_t) rr->element[rr->elements - 1]->integer;
    }

    if (t->admitted) {
        ngx_http_apigw_lease_keep(t);
    }
}
