
/*
 * Copyright (C) apigw contributors
 */


/*
 * The host's HTTP layer on a loopback port, driven by a plain socket:
 * requests in one piece and byte by byte, the headers kept in any case,
 * the path and the query, chunked bodies, pipelining in order behind a
 * kept request, keep-alive and HTTP/1.0, HEAD, 100-continue, a body over
 * the limit answered while the client still sends it, the layer's own
 * 400 and 501, the idle timeout, a client that goes away, and a graceful
 * close.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "fnhost.h"


#define MAX_BODY  1000


typedef struct {
    int                  n;           /* requests seen */
    char                 seen[8][512];
    fnhost_http_req_t   *kept;
    int                  gone;
} calls_t;


static struct event_base  *base;
static fnhost_http_t      *http;
static calls_t             calls;
static int                 port;


/* "/keep": kept for later; anything else answered at once with what the
   handler saw */

static void
handler(fnhost_http_req_t *r, void *data)
{
    int                   i;
    char                  out[512];
    const char           *type, *trace;
    fnhost_http_field_t   f = { "X-Test", "yes" };

    i = calls.n++ % 8;
    type = r->headers[FNHOST_HDR_CONTENT_TYPE];
    trace = r->headers[FNHOST_HDR_TRACE_ID];

    snprintf(calls.seen[i], sizeof(calls.seen[i]),
             "%s %s?%s type=%s trace=%s big=%d len=%zu body=%s",
             http_method_str(r->method), r->path ? r->path : "-",
             r->query ? r->query : "-", type ? type : "-",
             trace ? trace : "-", r->too_large, r->len, r->body);

    if (r->path != NULL && strcmp(r->path, "/keep") == 0) {
        calls.kept = r;
        return;
    }

    snprintf(out, sizeof(out), "%s|%s", r->path ? r->path : "-", r->body);

    fnhost_http_respond(r, r->too_large ? 413 : 200, &f, 1, out,
                        strlen(out));
}


static void
gone(fnhost_http_req_t *r)
{
    calls.gone++;
    calls.kept = NULL;
}


static int
client(void)
{
    int                 fd;
    struct sockaddr_in  sin;

    fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1) {
        perror("connect");
        exit(1);
    }

    (void) fcntl(fd, F_SETFL, O_NONBLOCK);

    return fd;
}


static void
turn(void)
{
    event_base_loop(base, EVLOOP_NONBLOCK);
}


/* sends all of text, step bytes at a time, the loop run in between */

static void
sends(int fd, const char *text, size_t len, size_t step)
{
    ssize_t  n;
    size_t   off;

    for (off = 0; off < len; ) {
        n = write(fd, text + off, len - off < step ? len - off : step);

        if (n > 0) {
            off += n;
        }

        turn();
    }
}


/* what comes back within ms, up to EOF; *eof set when it came */

static size_t
reads(int fd, char *buf, size_t size, int ms, int *eof)
{
    size_t           got;
    ssize_t          n;
    struct pollfd    pfd;
    struct timespec  start, now;

    got = 0;
    *eof = 0;
    clock_gettime(CLOCK_MONOTONIC, &start);

    for ( ;; ) {
        turn();

        pfd.fd = fd;
        pfd.events = POLLIN;

        if (poll(&pfd, 1, 5) == 1) {
            n = read(fd, buf + got, size - 1 - got);

            if (n == 0) {
                *eof = 1;
                break;
            }

            if (n > 0) {
                got += n;
            }
        }

        clock_gettime(CLOCK_MONOTONIC, &now);

        if ((now.tv_sec - start.tv_sec) * 1000
            + (now.tv_nsec - start.tv_nsec) / 1000000 > ms)
        {
            break;
        }
    }

    buf[got] = '\0';

    return got;
}


static int
count(const char *s, const char *what)
{
    int  n;

    for (n = 0; (s = strstr(s, what)) != NULL; s++) {
        n++;
    }

    return n;
}


static void
test_simple(void)
{
    int          fd, eof;
    char         buf[4096];
    const char  *req;

    NOTE("one request, one piece");

    memset(&calls, 0, sizeof(calls));
    fd = client();

    req = "POST /a/b?x=1&Qualifier=%24LATEST#frag HTTP/1.1\r\n"
          "Host: x\r\ncontent-TYPE: text/plain  \r\n"
          "X-Amzn-Trace-Id: first\r\nX-AMZN-TRACE-ID: second\r\n"
          "Content-Length: 5\r\n\r\nhello";
    sends(fd, req, strlen(req), 1 << 20);
    reads(fd, buf, sizeof(buf), 200, &eof);

    CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0, "status line");
    CHECK(strstr(buf, "\r\nX-Test: yes\r\n") != NULL, "a header of its own");
    CHECK(strstr(buf, "\r\nContent-Length: 10\r\n") != NULL,
          "Content-Length");
    CHECK(strstr(buf, "\r\nDate: ") != NULL, "Date");
    CHECK(strstr(buf, "Connection:") == NULL, "kept alive, nothing said");
    CHECK(strstr(buf, "\r\n\r\n/a/b|hello") != NULL, "the body");
    CHECK(!eof, "the connection stays open");
    CHECK(strcmp(calls.seen[0], "POST /a/b?x=1&Qualifier=%24LATEST "
                 "type=text/plain trace=first big=0 len=5 body=hello") == 0,
          "seen: %s", calls.seen[0]);

    NOTE("the same, a byte at a time, on the same connection");

    sends(fd, req, strlen(req), 1);
    reads(fd, buf, sizeof(buf), 200, &eof);

    CHECK(calls.n == 2 && strcmp(calls.seen[1], calls.seen[0]) == 0,
          "seen the same: %s", calls.seen[1]);
    CHECK(strstr(buf, "\r\n\r\n/a/b|hello") != NULL, "the same answer");

    NOTE("chunked, HEAD");

    req = "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
          "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nX-Trailer: t\r\n\r\n"
          "HEAD /h HTTP/1.1\r\n\r\n";
    sends(fd, req, strlen(req), 7);
    reads(fd, buf, sizeof(buf), 200, &eof);

    CHECK(strcmp(calls.seen[2], "POST /c?- type=- trace=- big=0 len=7 "
                 "body=abcdefg") == 0, "chunked: %s", calls.seen[2]);
    CHECK(strstr(buf, "\r\n\r\n/c|abcdefg") != NULL, "chunked: answered");
    CHECK(count(buf, "HTTP/1.1 200") == 2, "HEAD: answered");
    CHECK(strstr(buf, "Content-Length: 3\r\n") != NULL
          && strstr(buf, "/h|") == NULL, "HEAD: its length, no body");

    close(fd);
    reads(fd, buf, 0, 20, &eof);
}


static void
test_pipelining(void)
{
    int          fd, eof;
    char         buf[8192], *a, *b, *c;
    const char  *req;

    NOTE("three requests at once, answered in order");

    memset(&calls, 0, sizeof(calls));
    fd = client();

    req = "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"
          "POST /3 HTTP/1.1\r\nContent-Length: 1\r\n\r\nx";
    sends(fd, req, strlen(req), 1 << 20);
    reads(fd, buf, sizeof(buf), 200, &eof);

    a = strstr(buf, "/1|");
    b = strstr(buf, "/2|");
    c = strstr(buf, "/3|x");

    CHECK(calls.n == 3 && a && b && c && a < b && b < c, "in order");

    NOTE("a kept request holds those behind it");

    req = "GET /keep HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n";
    sends(fd, req, strlen(req), 1 << 20);
    reads(fd, buf, sizeof(buf), 100, &eof);

    CHECK(calls.n == 4 && calls.kept != NULL, "kept");
    CHECK(buf[0] == '\0', "nothing answered yet");

    fnhost_http_respond(calls.kept, 202, NULL, 0, "later", 5);
    reads(fd, buf, sizeof(buf), 200, &eof);

    a = strstr(buf, "HTTP/1.1 202 Accepted");
    b = strstr(buf, "/after|");

    CHECK(calls.n == 5 && a && b && a < b,
          "answered, then the one behind it");

    close(fd);
    reads(fd, buf, 0, 20, &eof);
}


/* one request on a connection of its own: what came back, and its EOF */

static int
once(const char *req, char *buf, size_t size, int ms)
{
    int  fd, eof;

    fd = client();
    sends(fd, req, strlen(req), 1 << 20);
    reads(fd, buf, size, ms, &eof);
    close(fd);

    return eof;
}


static void
test_close(void)
{
    int   eof;
    char  buf[4096];

    NOTE("Connection: close, HTTP/1.0");

    memset(&calls, 0, sizeof(calls));

    eof = once("GET /x HTTP/1.1\r\nConnection: close\r\n\r\n", buf,
               sizeof(buf), 500);

    CHECK(strstr(buf, "\r\nConnection: close\r\n") != NULL && eof,
          "Connection: close: said, and closed");

    eof = once("GET /x HTTP/1.0\r\n\r\n", buf, sizeof(buf), 500);

    CHECK(strncmp(buf, "HTTP/1.0 200 OK", 15) == 0 && eof,
          "HTTP/1.0: answered as 1.0, closed");

    eof = once("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", buf,
               sizeof(buf), 100);

    CHECK(strstr(buf, "\r\nConnection: keep-alive\r\n") != NULL && !eof,
          "HTTP/1.0 keep-alive: kept");

    NOTE("the layer's own answers");

    eof = once("PATCH /x HTTP/1.1\r\n\r\n", buf, sizeof(buf), 500);

    CHECK(strncmp(buf, "HTTP/1.1 501 Not Implemented", 28) == 0 && eof,
          "a method not served: 501, closed");

    eof = once("GET /x HTTP/1.1\r\nBad Header\r\n\r\n", buf, sizeof(buf),
               500);

    CHECK(strncmp(buf, "HTTP/1.1 400 Bad Request", 24) == 0 && eof,
          "not HTTP: 400, closed");
    CHECK(calls.n == 3, "no handler saw those");
}


static void
test_large(void)
{
    int          fd, eof;
    char         buf[4096], body[MAX_BODY * 4];
    const char  *req;

    NOTE("100-continue");

    memset(&calls, 0, sizeof(calls));
    fd = client();
    req = "POST /e HTTP/1.1\r\nExpect: 100-continue\r\n"
          "Content-Length: 2\r\n\r\n";
    sends(fd, req, strlen(req), 1 << 20);
    reads(fd, buf, sizeof(buf), 100, &eof);

    CHECK(strcmp(buf, "HTTP/1.1 100 Continue\r\n\r\n") == 0,
          "100 Continue first");

    sends(fd, "ok", 2, 2);
    reads(fd, buf, sizeof(buf), 100, &eof);

    CHECK(strstr(buf, "\r\n\r\n/e|ok") != NULL, "then the answer");
    close(fd);

    NOTE("a body over the limit: answered, the rest read and dropped");

    memset(&calls, 0, sizeof(calls));
    fd = client();
    memset(body, 'z', sizeof(body));
    req = "POST /big HTTP/1.1\r\nContent-Length: 4000\r\n\r\n";
    sends(fd, req, strlen(req), 1 << 20);
    sends(fd, body, sizeof(body), 1000);
    reads(fd, buf, sizeof(buf), 500, &eof);

    CHECK(strncmp(buf, "HTTP/1.1 413 Payload Too Large", 30) == 0,
          "413 from the handler");
    CHECK(strstr(buf, "Connection: close") != NULL && eof,
          "then closed, without a reset");
    CHECK(calls.n == 1 && strstr(calls.seen[0], "big=1 len=0") != NULL,
          "the handler saw it too large: %s", calls.seen[0]);
    close(fd);

    fd = client();
    req = "POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
          "fa0\r\n";
    sends(fd, req, strlen(req), 1 << 20);
    sends(fd, body, sizeof(body), 1000);
    reads(fd, buf, sizeof(buf), 500, &eof);

    CHECK(strncmp(buf, "HTTP/1.1 413", 12) == 0 && eof,
          "chunked over the limit: 413, closed");
    close(fd);
}


static void
test_gone(void)
{
    int          fd, fd2, eof;
    char         buf[4096];
    const char  *req;

    NOTE("a client that goes away from a kept request");

    memset(&calls, 0, sizeof(calls));
    fd = client();
    req = "GET /keep HTTP/1.1\r\n\r\n";
    sends(fd, req, strlen(req), 1 << 20);
    reads(fd, buf, sizeof(buf), 50, &eof);

    CHECK(calls.kept != NULL, "kept");
    calls.kept->gone = gone;

    close(fd);
    reads(fd, buf, 0, 50, &eof);

    CHECK(calls.gone == 1 && calls.kept == NULL, "its gone handler called");

    NOTE("a graceful close");

    fd = client();
    fd2 = client();
    sends(fd, req, strlen(req), 1 << 20);
    reads(fd, buf, sizeof(buf), 50, &eof);

    fnhost_http_close(http);
    reads(fd2, buf, sizeof(buf), 100, &eof);

    CHECK(eof && buf[0] == '\0', "an idle connection closed at once");

    fnhost_http_respond(calls.kept, 200, NULL, 0, NULL, 0);
    reads(fd, buf, sizeof(buf), 500, &eof);

    CHECK(strstr(buf, "Connection: close") != NULL && eof,
          "a kept request answered, then closed");

    close(fd);
    close(fd2);
}


static void
test_timeout(fnhost_log_t *log)
{
    int             fd, fd2, eof, saved;
    char            buf[4096];
    const char     *req;
    fnhost_http_t  *quick;

    NOTE("a second of silence closes an idle connection, not a kept one");

    quick = fnhost_http_new(base, log, FNHOST_HTTP_METHOD(HTTP_GET), 10, 1,
                            handler, NULL);
    saved = port;
    port = fnhost_http_bind(quick, "127.0.0.1", 0);

    memset(&calls, 0, sizeof(calls));
    fd = client();
    fd2 = client();

    req = "GET /keep HTTP/1.1\r\n\r\n";
    sends(fd2, req, strlen(req), 1 << 20);

    req = "GET /x HTTP/1.1\r\n\r\n";
    sends(fd, req, strlen(req), 1 << 20);
    reads(fd, buf, sizeof(buf), 500, &eof);

    CHECK(strstr(buf, "/x|") != NULL && !eof, "answered, kept alive");

    reads(fd, buf, sizeof(buf), 4000, &eof);

    CHECK(eof, "closed after a second or two of silence");

    reads(fd2, buf, sizeof(buf), 100, &eof);

    CHECK(!eof && calls.kept != NULL, "the kept request's connection stays");

    fnhost_http_respond(calls.kept, 200, NULL, 0, NULL, 0);
    reads(fd2, buf, sizeof(buf), 100, &eof);

    CHECK(strncmp(buf, "HTTP/1.1 200", 12) == 0, "and is answered");

    close(fd);
    close(fd2);
    fnhost_http_free(quick);
    port = saved;
}


int
main(void)
{
    fnhost_log_t  log;

    (void) signal(SIGPIPE, SIG_IGN);

    memset(&log, 0, sizeof(log));
    fnhost_log_open(&log, NULL, FNHOST_LOG_WARN);

    base = event_base_new();
    http = fnhost_http_new(base, &log, FNHOST_HTTP_METHOD(HTTP_GET)
                                       | FNHOST_HTTP_METHOD(HTTP_POST)
                                       | FNHOST_HTTP_METHOD(HTTP_HEAD),
                           MAX_BODY, 60, handler, NULL);
    port = http ? fnhost_http_bind(http, "127.0.0.1", 0) : -1;

    CHECK(port > 0, "listening on port %d", port);

    if (port <= 0) {
        return unit_done();
    }

    test_simple();
    test_pipelining();
    test_close();
    test_large();
    test_timeout(&log);
    test_gone();

    fnhost_http_free(http);
    event_base_free(base);
    fnhost_log_close(&log);

    return unit_done();
}
