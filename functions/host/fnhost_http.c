
/*
 * Copyright (C) apigw contributors
 */


/*
 * The host's HTTP/1.1 servers, for the Invoke API and each Runtime API:
 * libevent's plain events and Debian's http-parser, nothing else.
 *
 * A connection has a persistent read event, added once; its write event
 * is added only while an answer waits for room in the socket, and is also
 * made active by hand when an answer comes from elsewhere, to be written
 * at the end of the loop's turn.  Requests are parsed one at a time: the
 * parser pauses at the end of each, which goes to the handler; a request
 * the handler keeps (a parked "next", an invocation) holds those after it
 * on its connection until it is answered, so that answers leave in order.
 * Answers go to one buffer, written with one write() when the input read
 * is done: the 202 of a runtime's answer and the event of its next "next"
 * leave together.
 *
 * The URL and the headers the host reads are copied as they are parsed
 * (their names compared once, at parse time), the body to a buffer of its
 * own; a body over the limit is not read: its request goes to the handler
 * marked too large, and after the answer the connection lingers, reading
 * and dropping what the client still sends, so that the client reads the
 * answer instead of a reset.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include "fnhost.h"


#define FNHOST_HTTP_IN           (16 * 1024)
#define FNHOST_HTTP_KEEP         (64 * 1024)    /* buffers freed above */
#define FNHOST_HTTP_OUT_MAX      (64 * 1024)    /* no more parsed above */
#define FNHOST_HTTP_NAME         40
#define FNHOST_HTTP_ACCEPTS      64
#define FNHOST_HTTP_LINGER       10
#define FNHOST_HTTP_DATE_LEN     29


typedef struct {
    char                     *data;
    size_t                    len;
    size_t                    size;
} fnhost_http_buf_t;

typedef struct {
    const char               *name;
    size_t                    len;
} fnhost_http_name_t;

typedef struct fnhost_http_listener_s  fnhost_http_listener_t;

struct fnhost_http_listener_s {
    fnhost_http_t            *http;
    int                       fd;
    struct event             *ev;
    fnhost_http_listener_t   *next;
    unsigned                  tcp:1;
};

struct fnhost_http_s {
    struct event_base        *base;
    fnhost_log_t             *log;
    fnhost_http_handler_pt    handler;
    void                     *data;
    uint64_t                  methods;
    size_t                    max_body;
    const struct timeval     *timeout;      /* a common timeout */
    time_t                    seconds;
    fnhost_http_listener_t   *listeners;
    struct event             *accept_timer;
    TAILQ_HEAD(, fnhost_http_conn_s)  conns;
    time_t                    date_sec;
    char                      date[FNHOST_HTTP_DATE_LEN + 1];
    unsigned                  closing:1;
};

struct fnhost_http_conn_s {
    fnhost_http_t            *http;
    int                       fd;
    struct event             *rev;
    struct event             *wev;
    struct event             *timer;
    http_parser               parser;
    fnhost_http_req_t         req;
    fnhost_http_buf_t         in;           /* read, parsed up to pos */
    size_t                    pos;
    fnhost_http_buf_t         out;          /* answers, written up to sent */
    size_t                    sent;
    time_t                    last;         /* active last, for the timer */
    fnhost_http_buf_t         head;         /* the URL, the values kept */
    size_t                    url_len;
    fnhost_http_buf_t         body;
    size_t                    values[FNHOST_HDR_COUNT]; /* offset + 1 */
    int                       field;        /* the value being read */
    size_t                    name_len;
    char                      name[FNHOST_HTTP_NAME];
    TAILQ_ENTRY(fnhost_http_conn_s)  link;
    unsigned                  reading:1;    /* a request begun, not done */
    unsigned                  url_done:1;
    unsigned                  in_value:1;
    unsigned                  headers_done:1;
    unsigned                  held:1;       /* the handler has a request */
    unsigned                  dispatching:1;
    unsigned                  keep_alive:1;
    unsigned                  http10:1;
    unsigned                  closing:1;    /* closed once written */
    unsigned                  lingering:1;
    unsigned                  writing:1;    /* wev added */
    unsigned                  reads_off:1;  /* rev deleted */
    unsigned                  eof:1;
    unsigned                  busy:1;
    unsigned                  dead:1;
};


static void fnhost_http_accept(evutil_socket_t fd, short what, void *arg);
static void fnhost_http_accept_timer(evutil_socket_t fd, short what,
    void *arg);
static void fnhost_http_conn_new(fnhost_http_t *http, int fd);
static void fnhost_http_read(evutil_socket_t fd, short what, void *arg);
static void fnhost_http_write(evutil_socket_t fd, short what, void *arg);
static void fnhost_http_timer(evutil_socket_t fd, short what, void *arg);
static void fnhost_http_process(fnhost_http_conn_t *c);
static void fnhost_http_run(fnhost_http_conn_t *c);
static void fnhost_http_dispatch(fnhost_http_conn_t *c);
static void fnhost_http_flush(fnhost_http_conn_t *c);
static void fnhost_http_done(fnhost_http_conn_t *c);
static void fnhost_http_linger(fnhost_http_conn_t *c);
static void fnhost_http_refuse(fnhost_http_conn_t *c, int status);
static int fnhost_http_answer(fnhost_http_conn_t *c, int status,
    const fnhost_http_field_t *fields, size_t n, const char *body,
    size_t len, int close);
static char *fnhost_http_copy(char *p, const char *s, size_t len);
static char *fnhost_http_decimal(char *p, uint64_t n);
static void fnhost_http_conn_close(fnhost_http_conn_t *c, int gone);
static void fnhost_http_conn_free(fnhost_http_conn_t *c);
static int fnhost_http_message_begin(http_parser *p);
static int fnhost_http_url(http_parser *p, const char *at, size_t len);
static int fnhost_http_header_field(http_parser *p, const char *at,
    size_t len);
static int fnhost_http_header_value(http_parser *p, const char *at,
    size_t len);
static int fnhost_http_headers_complete(http_parser *p);
static int fnhost_http_body(http_parser *p, const char *at, size_t len);
static int fnhost_http_message_complete(http_parser *p);
static int fnhost_http_too_large(fnhost_http_conn_t *c);
static int fnhost_http_text_end(fnhost_http_conn_t *c);
static int fnhost_http_header_index(const char *name, size_t len);
static int fnhost_http_add(fnhost_http_buf_t *b, const char *data,
    size_t len);
static int fnhost_http_reserve(fnhost_http_buf_t *b, size_t len);
static void fnhost_http_shrink(fnhost_http_buf_t *b, size_t keep);


static const http_parser_settings  fnhost_http_settings = {
    fnhost_http_message_begin,
    fnhost_http_url,
    NULL,
    fnhost_http_header_field,
    fnhost_http_header_value,
    fnhost_http_headers_complete,
    fnhost_http_body,
    fnhost_http_message_complete,
    NULL,
    NULL
};


#define fnhost_http_name(s)      { s, sizeof(s) - 1 }

/* by fnhost_http_header_e */
static const fnhost_http_name_t  fnhost_http_names[FNHOST_HDR_COUNT] = {
    fnhost_http_name("Content-Type"),
    fnhost_http_name("Expect"),
    fnhost_http_name("X-Amz-Invocation-Type"),
    fnhost_http_name("X-Apigw-Timeout-Ms"),
    fnhost_http_name("X-Amzn-Trace-Id"),
    fnhost_http_name("X-Amz-Client-Context"),
    fnhost_http_name("X-Amz-Tenant-Id"),
    fnhost_http_name("Lambda-Runtime-Function-Error-Type")
};


fnhost_http_t *
fnhost_http_new(struct event_base *base, fnhost_log_t *log, uint64_t methods,
    size_t max_body, unsigned timeout, fnhost_http_handler_pt handler,
    void *data)
{
    struct timeval   tv;
    fnhost_http_t   *http;

    http = calloc(1, sizeof(fnhost_http_t));

    if (http == NULL) {
        return NULL;
    }

    http->base = base;
    http->log = log;
    http->handler = handler;
    http->data = data;
    http->methods = methods;
    http->max_body = max_body;
    TAILQ_INIT(&http->conns);

    /* a queue, not the heap, for the connections' timers */
    tv.tv_sec = timeout;
    tv.tv_usec = 0;
    http->timeout = event_base_init_common_timeout(base, &tv);
    http->seconds = timeout;

    http->accept_timer = evtimer_new(base, fnhost_http_accept_timer, http);

    if (http->timeout == NULL || http->accept_timer == NULL) {
        if (http->accept_timer != NULL) {
            event_free(http->accept_timer);
        }

        free(http);
        return NULL;
    }

    return http;
}


int
fnhost_http_listen(fnhost_http_t *http, int fd, int tcp)
{
    fnhost_http_listener_t  *l;

    l = calloc(1, sizeof(fnhost_http_listener_t));

    if (l == NULL) {
        return -1;
    }

    l->http = http;
    l->fd = fd;
    l->tcp = tcp;
    l->ev = event_new(http->base, fd, EV_READ | EV_PERSIST,
                      fnhost_http_accept, l);

    if (l->ev == NULL || event_add(l->ev, NULL) != 0) {
        if (l->ev != NULL) {
            event_free(l->ev);
        }

        free(l);
        return -1;
    }

    l->next = http->listeners;
    http->listeners = l;

    return 0;
}


int
fnhost_http_bind(fnhost_http_t *http, const char *host, unsigned port)
{
    int                       fd, one, rc;
    char                      serv[16];
    socklen_t                 len;
    struct addrinfo           hints, *res;
    struct sockaddr_storage   ss;

    memset(&hints, 0, sizeof(struct addrinfo));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;

    snprintf(serv, sizeof(serv), "%u", port);

    rc = getaddrinfo(host, serv, &hints, &res);

    if (rc != 0) {
        errno = (rc == EAI_SYSTEM) ? errno : EADDRNOTAVAIL;
        return -1;
    }

    fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    one = 1;

    if (fd == -1
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(int)) == -1
        || bind(fd, res->ai_addr, res->ai_addrlen) == -1
        || listen(fd, 511) == -1)
    {
        freeaddrinfo(res);

        if (fd != -1) {
            close(fd);
        }

        return -1;
    }

    freeaddrinfo(res);

    len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *) &ss, &len) == -1
        || fnhost_http_listen(http, fd, 1) != 0)
    {
        close(fd);
        return -1;
    }

    return ntohs(ss.ss_family == AF_INET6
                 ? ((struct sockaddr_in6 *) &ss)->sin6_port
                 : ((struct sockaddr_in *) &ss)->sin_port);
}


void
fnhost_http_close(fnhost_http_t *http)
{
    fnhost_http_conn_t      *c, *next;
    fnhost_http_listener_t  *l;

    while ((l = http->listeners) != NULL) {
        http->listeners = l->next;
        event_free(l->ev);
        close(l->fd);
        free(l);
    }

    http->closing = 1;
    evtimer_del(http->accept_timer);

    for (c = TAILQ_FIRST(&http->conns); c != NULL; c = next) {
        next = TAILQ_NEXT(c, link);

        if (!c->held && !c->reading && !c->busy && c->sent == c->out.len
            && c->pos == c->in.len)
        {
            fnhost_http_conn_free(c);
        }
    }
}


void
fnhost_http_free(fnhost_http_t *http)
{
    fnhost_http_conn_t  *c;

    fnhost_http_close(http);

    while ((c = TAILQ_FIRST(&http->conns)) != NULL) {
        fnhost_http_conn_free(c);
    }

    event_free(http->accept_timer);
    free(http);
}


static void
fnhost_http_accept(evutil_socket_t fd, short what, void *arg)
{
    int                      s, one, i, err;
    struct timeval           tv;
    fnhost_http_t           *http;
    fnhost_http_listener_t  *l, *ll;

    l = arg;
    http = l->http;

    for (i = 0; i < FNHOST_HTTP_ACCEPTS; i++) {
        s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (s == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return;
            }

            err = errno;

            if (err == EINTR || err == ECONNABORTED) {
                continue;
            }

            fnhost_log(http->log, FNHOST_LOG_ERR, "accept() failed: %s",
                       strerror(err));

            if (err == EMFILE || err == ENFILE || err == ENOBUFS
                || err == ENOMEM)
            {
                /* no busy loop on a socket that stays readable */
                for (ll = http->listeners; ll != NULL; ll = ll->next) {
                    event_del(ll->ev);
                }

                tv.tv_sec = 1;
                tv.tv_usec = 0;
                evtimer_add(http->accept_timer, &tv);
            }

            return;
        }

        if (l->tcp) {
            one = 1;
            (void) setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one,
                              sizeof(int));
        }

        fnhost_http_conn_new(http, s);
    }
}


static void
fnhost_http_accept_timer(evutil_socket_t fd, short what, void *arg)
{
    fnhost_http_t           *http;
    fnhost_http_listener_t  *l;

    http = arg;

    for (l = http->listeners; l != NULL; l = l->next) {
        event_add(l->ev, NULL);
    }
}


static void
fnhost_http_conn_new(fnhost_http_t *http, int fd)
{
    struct timeval       tv;
    fnhost_http_conn_t  *c;

    c = calloc(1, sizeof(fnhost_http_conn_t));

    if (c == NULL) {
        fnhost_log(http->log, FNHOST_LOG_ALERT, "out of memory");
        close(fd);
        return;
    }

    c->http = http;
    c->fd = fd;
    c->req.conn = c;
    c->field = -1;

    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;

    c->rev = event_new(http->base, fd, EV_READ | EV_PERSIST,
                       fnhost_http_read, c);
    c->wev = event_new(http->base, fd, EV_WRITE | EV_PERSIST,
                       fnhost_http_write, c);
    c->timer = evtimer_new(http->base, fnhost_http_timer, c);

    TAILQ_INSERT_TAIL(&http->conns, c, link);

    event_base_gettimeofday_cached(http->base, &tv);
    c->last = tv.tv_sec;

    if (c->rev == NULL || c->wev == NULL || c->timer == NULL
        || event_add(c->rev, NULL) != 0
        || event_add(c->timer, http->timeout) != 0)
    {
        fnhost_log(http->log, FNHOST_LOG_ALERT, "out of memory");
        fnhost_http_conn_free(c);
    }
}


static void
fnhost_http_read(evutil_socket_t fd, short what, void *arg)
{
    ssize_t              n;
    fnhost_http_conn_t  *c;

    c = arg;

    if (c->lingering) {
        fnhost_http_linger(c);
        return;
    }

    if (c->in.data == NULL && fnhost_http_reserve(&c->in, FNHOST_HTTP_IN))
    {
        fnhost_http_conn_close(c, 1);
        return;
    }

    if (c->in.len == c->in.size) {
        /* requests wait behind one the handler has: read on later */
        event_del(c->rev);
        c->reads_off = 1;
        return;
    }

    n = read(c->fd, c->in.data + c->in.len, c->in.size - c->in.len);

    if (n > 0) {
        c->in.len += n;
        fnhost_http_process(c);
        return;
    }

    if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }

    /* the end, or an error: a request the handler has is given up */

    if (n == 0 && !c->held && c->sent < c->out.len) {
        event_del(c->rev);
        c->reads_off = 1;
        c->eof = 1;
        c->closing = 1;
        return;
    }

    fnhost_http_conn_close(c, 1);
}


static void
fnhost_http_write(evutil_socket_t fd, short what, void *arg)
{
    fnhost_http_process(arg);
}


/*
 * The timer bounds silence while no request is with the handler (a kept
 * one is never timed out).  It is not moved at each read or write: when
 * it fires early, it is set again for what is left.
 */

static void
fnhost_http_timer(evutil_socket_t fd, short what, void *arg)
{
    fnhost_http_conn_t  *c;
    struct timeval       tv;

    c = arg;

    if (c->lingering) {
        fnhost_http_conn_close(c, 0);
        return;
    }

    if (c->held && c->sent == c->out.len) {
        event_add(c->timer, c->http->timeout);
        return;
    }

    /* whole seconds: never early */
    event_base_gettimeofday_cached(c->http->base, &tv);
    tv.tv_sec = c->last + c->http->seconds + 1 - tv.tv_sec;
    tv.tv_usec = 0;

    if (tv.tv_sec > 0) {
        event_add(c->timer, &tv);
        return;
    }

    fnhost_http_conn_close(c, 1);
}


/* the requests read, then the answers written */

static void
fnhost_http_process(fnhost_http_conn_t *c)
{
    size_t          rest;
    struct timeval  tv;

    c->busy = 1;

    fnhost_http_run(c);

    if (!c->dead) {
        fnhost_http_flush(c);
    }

    c->busy = 0;

    if (c->dead) {
        fnhost_http_conn_free(c);
        return;
    }

    if (c->lingering) {
        return;
    }

    rest = c->in.len - c->pos;

    if (rest == 0) {
        c->pos = 0;
        c->in.len = 0;

    } else if (c->pos > 0) {
        memmove(c->in.data, c->in.data + c->pos, rest);
        c->pos = 0;
        c->in.len = rest;
    }

    if (c->reads_off && !c->eof && c->in.len < c->in.size) {
        event_add(c->rev, NULL);
        c->reads_off = 0;
    }

    event_base_gettimeofday_cached(c->http->base, &tv);
    c->last = tv.tv_sec;
}


static void
fnhost_http_run(fnhost_http_conn_t *c)
{
    size_t           n;
    enum http_errno  err;

    while (!c->held && !c->closing && !c->dead && c->pos < c->in.len
           && c->out.len - c->sent < FNHOST_HTTP_OUT_MAX)
    {
        n = http_parser_execute(&c->parser, &fnhost_http_settings,
                                c->in.data + c->pos, c->in.len - c->pos);
        c->pos += n;
        err = HTTP_PARSER_ERRNO(&c->parser);

        if (err == HPE_PAUSED) {
            http_parser_pause(&c->parser, 0);
            fnhost_http_dispatch(c);
            continue;
        }

        if (err != HPE_OK) {
            fnhost_log(c->http->log, FNHOST_LOG_INFO, "a bad request: %s",
                       http_errno_description(err));
            fnhost_http_refuse(c, err == HPE_HEADER_OVERFLOW ? 431 : 400);
            return;
        }

        if (n == 0) {
            return;
        }
    }
}


static void
fnhost_http_dispatch(fnhost_http_conn_t *c)
{
    fnhost_http_t  *http;

    http = c->http;

    if (!(http->methods & FNHOST_HTTP_METHOD(c->req.method))) {
        fnhost_http_refuse(c, 501);
        return;
    }

    c->held = 1;
    c->dispatching = 1;

    http->handler(&c->req, http->data);

    c->dispatching = 0;
}


void
fnhost_http_respond(fnhost_http_req_t *r, int status,
    const fnhost_http_field_t *fields, size_t n, const char *body,
    size_t len)
{
    int                  close;
    fnhost_http_conn_t  *c;

    c = r->conn;

    if (!c->held) {
        fnhost_log(c->http->log, FNHOST_LOG_ALERT,
                   "a request answered twice");
        return;
    }

    c->held = 0;
    r->gone = NULL;

    close = !c->keep_alive || c->http->closing;

    if (fnhost_http_answer(c, status, fields, n, body, len, close) != 0) {
        fnhost_log(c->http->log, FNHOST_LOG_ALERT, "out of memory");
        fnhost_http_conn_close(c, 0);
        return;
    }

    if (close) {
        c->closing = 1;
    }

    if (!c->dispatching) {
        /* written, and the requests behind it read, in this turn */
        event_active(c->wev, EV_WRITE, 0);
    }
}


void
fnhost_http_drop(fnhost_http_req_t *r)
{
    r->gone = NULL;
    r->conn->held = 0;

    fnhost_http_conn_close(r->conn, 0);
}


/* the layer's own answers, to requests no handler sees; then closed */

static void
fnhost_http_refuse(fnhost_http_conn_t *c, int status)
{
    c->closing = 1;

    if (fnhost_http_answer(c, status, NULL, 0, NULL, 0, 1) != 0) {
        fnhost_http_conn_close(c, 0);
    }
}


static int
fnhost_http_answer(fnhost_http_conn_t *c, int status,
    const fnhost_http_field_t *fields, size_t n, const char *body,
    size_t len, int close)
{
    char             *p;
    size_t            i, size, l;
    struct tm         tm;
    const char       *reason;
    struct timeval    tv;
    fnhost_http_t    *http;

    http = c->http;

    event_base_gettimeofday_cached(http->base, &tv);

    if (tv.tv_sec != http->date_sec) {
        http->date_sec = tv.tv_sec;
        gmtime_r(&http->date_sec, &tm);
        strftime(http->date, sizeof(http->date), "%a, %d %b %Y %H:%M:%S GMT",
                 &tm);
    }

    reason = http_status_str(status);

    size = sizeof("HTTP/1.1 999 \r\nDate: \r\nContent-Length: \r\n"
                  "Connection: keep-alive\r\n\r\n")
           + strlen(reason) + FNHOST_HTTP_DATE_LEN + 20 + len;

    for (i = 0; i < n; i++) {
        size += strlen(fields[i].name) + strlen(fields[i].value) + 4;
    }

    if (fnhost_http_reserve(&c->out, size) != 0) {
        return -1;
    }

    /* no printf(): a quarter of an invocation's instructions */

    p = c->out.data + c->out.len;

    p = fnhost_http_copy(p, c->http10 ? "HTTP/1.0 " : "HTTP/1.1 ", 9);
    p = fnhost_http_decimal(p, status);
    *p++ = ' ';
    p = fnhost_http_copy(p, reason, strlen(reason));
    p = fnhost_http_copy(p, "\r\nDate: ", 8);
    p = fnhost_http_copy(p, http->date, FNHOST_HTTP_DATE_LEN);
    p = fnhost_http_copy(p, "\r\n", 2);

    for (i = 0; i < n; i++) {
        l = strlen(fields[i].name);
        p = fnhost_http_copy(p, fields[i].name, l);
        p = fnhost_http_copy(p, ": ", 2);
        l = strlen(fields[i].value);
        p = fnhost_http_copy(p, fields[i].value, l);
        p = fnhost_http_copy(p, "\r\n", 2);
    }

    if (status != 204 && status != 304) {
        p = fnhost_http_copy(p, "Content-Length: ", 16);
        p = fnhost_http_decimal(p, len);
        p = fnhost_http_copy(p, "\r\n", 2);
    }

    if (close) {
        p = fnhost_http_copy(p, "Connection: close\r\n", 19);

    } else if (c->http10) {
        p = fnhost_http_copy(p, "Connection: keep-alive\r\n", 24);
    }

    p = fnhost_http_copy(p, "\r\n", 2);

    if (c->req.method != HTTP_HEAD) {
        p = fnhost_http_copy(p, body, len);
    }

    c->out.len = p - c->out.data;

    return 0;
}


static char *
fnhost_http_copy(char *p, const char *s, size_t len)
{
    if (len > 0) {
        memcpy(p, s, len);
    }

    return p + len;
}


static char *
fnhost_http_decimal(char *p, uint64_t n)
{
    char   buf[20], *d;

    d = buf + sizeof(buf);

    do {
        *--d = (char) ('0' + n % 10);
        n /= 10;
    } while (n != 0);

    return fnhost_http_copy(p, d, buf + sizeof(buf) - d);
}


/* one write() of what is there; the write event only if it comes short */

static void
fnhost_http_flush(fnhost_http_conn_t *c)
{
    ssize_t  n;

    while (c->sent < c->out.len) {
        n = write(c->fd, c->out.data + c->sent, c->out.len - c->sent);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            if (errno != EAGAIN) {
                fnhost_http_conn_close(c, 1);
                return;
            }

            n = 0;
        }

        c->sent += n;

        if (c->sent < c->out.len) {
            if (!c->writing) {
                event_add(c->wev, NULL);
                c->writing = 1;
            }

            return;
        }
    }

    c->sent = 0;
    c->out.len = 0;

    if (c->writing) {
        event_del(c->wev);
        c->writing = 0;
    }

    fnhost_http_done(c);
}


/* all written: the connection closed if it is to be, its buffers kept
   small while no request uses them */

static void
fnhost_http_done(fnhost_http_conn_t *c)
{
    struct timeval  tv;

    if (c->held) {
        return;
    }

    fnhost_http_shrink(&c->out, FNHOST_HTTP_KEEP);

    if (!c->reading) {
        fnhost_http_shrink(&c->body, FNHOST_HTTP_KEEP);
        fnhost_http_shrink(&c->head, FNHOST_HTTP_IN);
    }

    if (!c->closing) {
        return;
    }

    if (c->eof || (!c->reading && c->pos == c->in.len)) {
        fnhost_http_conn_close(c, 0);
        return;
    }

    /* what the client still sends is read and dropped for a while */

    if (shutdown(c->fd, SHUT_WR) == -1) {
        fnhost_http_conn_close(c, 0);
        return;
    }

    c->lingering = 1;
    c->pos = 0;
    c->in.len = 0;

    if (c->reads_off) {
        event_add(c->rev, NULL);
        c->reads_off = 0;
    }

    tv.tv_sec = FNHOST_HTTP_LINGER;
    tv.tv_usec = 0;
    evtimer_add(c->timer, &tv);
}


static void
fnhost_http_linger(fnhost_http_conn_t *c)
{
    ssize_t  n;

    n = read(c->fd, c->in.data, c->in.size);

    if (n > 0 || (n == -1 && (errno == EAGAIN || errno == EINTR))) {
        return;
    }

    fnhost_http_conn_close(c, 0);
}


static void
fnhost_http_conn_close(fnhost_http_conn_t *c, int gone)
{
    fnhost_http_req_t  *r;

    r = &c->req;

    if (gone && c->held && r->gone != NULL) {
        c->held = 0;
        r->gone(r);
        r->gone = NULL;
    }

    if (c->busy) {
        c->dead = 1;
        return;
    }

    fnhost_http_conn_free(c);
}


static void
fnhost_http_conn_free(fnhost_http_conn_t *c)
{
    TAILQ_REMOVE(&c->http->conns, c, link);

    if (c->rev != NULL) {
        event_free(c->rev);
    }

    if (c->wev != NULL) {
        event_free(c->wev);
    }

    if (c->timer != NULL) {
        event_free(c->timer);
    }

    close(c->fd);

    free(c->in.data);
    free(c->out.data);
    free(c->head.data);
    free(c->body.data);
    free(c);
}


/* http-parser's callbacks */

static int
fnhost_http_message_begin(http_parser *p)
{
    fnhost_http_conn_t  *c;

    c = p->data;

    c->reading = 1;
    c->url_done = 0;
    c->in_value = 0;
    c->headers_done = 0;
    c->field = -1;
    c->name_len = 0;
    c->head.len = 0;
    c->body.len = 0;
    memset(c->values, 0, sizeof(c->values));
    memset(&c->req, 0, sizeof(fnhost_http_req_t));
    c->req.conn = c;
    c->req.body = "";

    return 0;
}


static int
fnhost_http_url(http_parser *p, const char *at, size_t len)
{
    fnhost_http_conn_t  *c;

    c = p->data;

    return fnhost_http_add(&c->head, at, len);
}


static int
fnhost_http_header_field(http_parser *p, const char *at, size_t len)
{
    fnhost_http_conn_t  *c;

    c = p->data;

    if (c->headers_done) {
        /* a chunked body's trailer */
        return 0;
    }

    if (fnhost_http_text_end(c) != 0) {
        return -1;
    }

    if (c->in_value) {
        c->in_value = 0;
        c->name_len = 0;
    }

    if (c->name_len + len > sizeof(c->name)) {
        /* longer than any the host reads */
        c->name_len = sizeof(c->name);
        return 0;
    }

    memcpy(c->name + c->name_len, at, len);
    c->name_len += len;

    return 0;
}


static int
fnhost_http_header_value(http_parser *p, const char *at, size_t len)
{
    int                  i;
    fnhost_http_conn_t  *c;

    c = p->data;

    if (c->headers_done) {
        return 0;
    }

    if (!c->in_value) {
        c->in_value = 1;
        i = fnhost_http_header_index(c->name, c->name_len);

        /* a header given twice: its first value */
        if (i >= 0 && c->values[i] != 0) {
            i = -1;
        }

        if (i >= 0) {
            c->values[i] = c->head.len + 1;
        }

        c->field = i;
    }

    if (c->field < 0) {
        return 0;
    }

    return fnhost_http_add(&c->head, at, len);
}


static int
fnhost_http_headers_complete(http_parser *p)
{
    int                      i;
    char                    *url;
    size_t                   off, len;
    fnhost_http_req_t       *r;
    fnhost_http_conn_t      *c;
    struct http_parser_url   u;
    static const char        cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

    c = p->data;
    r = &c->req;

    if (fnhost_http_text_end(c) != 0) {
        return -1;
    }

    c->headers_done = 1;
    url = c->head.data;
    r->method = p->method;
    c->http10 = (p->http_major == 1 && p->http_minor == 0);

    len = c->url_len;
    http_parser_url_init(&u);

    /*
     * a path alone, as the gateway and the runtimes send it, is what
     * http_parser_parse_url() makes of it, which would cost a sixth of an
     * invocation's instructions; its offsets have 16 bits: a longer URL
     * has no path
     */
    if (url[0] == '/' && memchr(url, '?', len) == NULL
        && memchr(url, '#', len) == NULL)
    {
        r->path = url;

    } else if (len <= UINT16_MAX
               && http_parser_parse_url(url, len, p->method == HTTP_CONNECT,
                                        &u)
                  == 0)
    {
        if (u.field_set & (1 << UF_QUERY)) {
            off = u.field_data[UF_QUERY].off;
            len = u.field_data[UF_QUERY].len;
            url[off + len] = '\0';
            r->query = url + off;
        }

        if (u.field_set & (1 << UF_PATH)) {
            off = u.field_data[UF_PATH].off;
            len = u.field_data[UF_PATH].len;
            url[off + len] = '\0';
            r->path = url + off;
        }
    }

    for (i = 0; i < FNHOST_HDR_COUNT; i++) {
        if (c->values[i] != 0) {
            r->headers[i] = c->head.data + c->values[i] - 1;
        }
    }

    if (!(p->flags & F_CHUNKED) && p->content_length != ULLONG_MAX) {
        if (p->content_length > c->http->max_body) {
            return fnhost_http_too_large(c);
        }

        if (fnhost_http_reserve(&c->body, p->content_length + 1) != 0) {
            return -1;
        }
    }

    if (r->headers[FNHOST_HDR_EXPECT] != NULL && !c->http10
        && strcasecmp(r->headers[FNHOST_HDR_EXPECT], "100-continue") == 0
        && ((p->flags & F_CHUNKED)
            || (p->content_length != 0 && p->content_length != ULLONG_MAX)))
    {
        return fnhost_http_add(&c->out, cont, sizeof(cont) - 1);
    }

    return 0;
}


static int
fnhost_http_body(http_parser *p, const char *at, size_t len)
{
    fnhost_http_conn_t  *c;

    c = p->data;

    if (c->body.len + len > c->http->max_body) {
        return fnhost_http_too_large(c);
    }

    return fnhost_http_add(&c->body, at, len);
}


static int
fnhost_http_message_complete(http_parser *p)
{
    fnhost_http_conn_t  *c;

    c = p->data;

    if (fnhost_http_reserve(&c->body, 1) != 0) {
        return -1;
    }

    c->body.data[c->body.len] = '\0';
    c->req.body = c->body.data;
    c->req.len = c->body.len;

    c->reading = 0;
    c->keep_alive = http_should_keep_alive(p) && !p->upgrade;

    /* to the handler, before the next request is read */
    http_parser_pause(p, 1);

    return 0;
}


/* a body over the limit goes unread: its request to the handler as it is */

static int
fnhost_http_too_large(fnhost_http_conn_t *c)
{
    c->req.too_large = 1;
    c->keep_alive = 0;

    http_parser_pause(&c->parser, 1);

    return 0;
}


/* the URL, or the value read last, ends: NUL-terminated, a value trimmed */

static int
fnhost_http_text_end(fnhost_http_conn_t *c)
{
    if (!c->url_done) {
        c->url_done = 1;
        c->url_len = c->head.len;
        return fnhost_http_add(&c->head, "", 1);
    }

    if (!c->in_value || c->field < 0) {
        return 0;
    }

    while (c->head.len > c->values[c->field] - 1
           && (c->head.data[c->head.len - 1] == ' '
               || c->head.data[c->head.len - 1] == '\t'))
    {
        c->head.len--;
    }

    c->field = -1;

    return fnhost_http_add(&c->head, "", 1);
}


static int
fnhost_http_header_index(const char *name, size_t len)
{
    int  i;

    for (i = 0; i < FNHOST_HDR_COUNT; i++) {
        if (fnhost_http_names[i].len == len
            && strncasecmp(fnhost_http_names[i].name, name, len) == 0)
        {
            return i;
        }
    }

    return -1;
}


static int
fnhost_http_add(fnhost_http_buf_t *b, const char *data, size_t len)
{
    if (fnhost_http_reserve(b, len) != 0) {
        return -1;
    }

    memcpy(b->data + b->len, data, len);
    b->len += len;

    return 0;
}


/* room for len more bytes */

static int
fnhost_http_reserve(fnhost_http_buf_t *b, size_t len)
{
    char    *p;
    size_t   size;

    if (b->size - b->len >= len) {
        return 0;
    }

    size = b->size ? b->size * 2 : 1024;

    if (size - b->len < len) {
        size = b->len + len;
    }

    p = realloc(b->data, size);

    if (p == NULL) {
        return -1;
    }

    b->data = p;
    b->size = size;

    return 0;
}


static void
fnhost_http_shrink(fnhost_http_buf_t *b, size_t keep)
{
    if (b->size > keep) {
        free(b->data);
        b->data = NULL;
        b->len = 0;
        b->size = 0;
    }
}
