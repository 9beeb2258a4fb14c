
/*
 * Copyright (C) apigw contributors
 */


#ifndef _FNHOST_H_INCLUDED_
#define _FNHOST_H_INCLUDED_


/*
 * apigw-fnhost: the function host.  It serves the Lambda Invoke API to the
 * gateway and runs each function's runtime processes, which speak the
 * Lambda Runtime API, each process on a loopback port (and a unix socket)
 * of its own.
 *
 * fnhost_conf.c    the configuration file (no libevent: unit-tested)
 * fnhost_log.c     the log: the host's lines and the functions' output
 * fnhost_http.c    the HTTP/1.1 servers of both APIs: libevent's events,
 *                  Debian's http-parser, one request of a connection at
 *                  a time, answers written at once
 * fnhost_invoke.c  the Invoke API, the queue and the answers
 * fnhost_runtime.c the Runtime API of one runtime process
 * fnhost_process.c spawning, limits, killing, reaping, output pipes
 * fnhost_main.c    start, signals, graceful stop
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "apigw_core.h"


#define FNHOST_VERSION           "0.1"

/* Lambda's payload limits: a request of 6 MiB, a response of 6 MiB + 100 */
#define FNHOST_MAX_REQUEST       6291456
#define FNHOST_MAX_RESPONSE      6291556

#define FNHOST_MAX_TIMEOUT       29000
#define FNHOST_ID_LEN            36


typedef enum {
    FNHOST_LOG_EMERG = 0,
    FNHOST_LOG_ALERT,
    FNHOST_LOG_CRIT,
    FNHOST_LOG_ERR,
    FNHOST_LOG_WARN,
    FNHOST_LOG_NOTICE,
    FNHOST_LOG_INFO,
    FNHOST_LOG_DEBUG
} fnhost_log_level_e;


/* the configuration (fnhost_conf.c), as loaded and checked */

typedef struct {
    char                     *name;
    char                     *handler;      /* _HANDLER, or NULL */
    char                     *library;      /* C handler: its .so, absolute */
    char                     *symbol;       /* C handler: the function */
    char                    **argv;         /* NULL-terminated, argv[0]
                                               absolute */
    char                     *directory;    /* cwd, LAMBDA_TASK_ROOT */
    char                    **env;          /* "NAME=value", NULL-ended */
    unsigned                  concurrency;
    unsigned                  timeout;      /* ms */
    unsigned                  memory;       /* MB, 0: no limit */
    unsigned                  warm;
    unsigned                  idle_timeout; /* ms, 0: never retired */
    unsigned                  queue_timeout;
    unsigned                  max_queue;
    unsigned                  init_timeout;
} fnhost_function_conf_t;

typedef struct {
    char                     *file;         /* absolute */
    char                    **listen;       /* "unix:/path" or "host:port" */
    unsigned                  nlisten;
    unsigned                  socket_mode;
    char                     *log;          /* NULL: stderr */
    unsigned                  log_level;
    char                     *region;
    char                     *account;
    char                     *runtime;      /* the C runtime program */
    unsigned                  shutdown_timeout;
    unsigned                  sched_batch:1; /* host and runtimes */
    fnhost_function_conf_t   *functions;
    unsigned                  nfunctions;
} fnhost_conf_t;

/*
 * self_dir: where apigw-fnhost is, to find apigw-fn-runtime beside it
 * (NULL: "runtime" must be given when a function has a C handler)
 */
fnhost_conf_t *fnhost_conf_load(const char *path, const char *self_dir,
    apigw_error_t *err);
fnhost_conf_t *fnhost_conf_parse(const char *path, const char *buf,
    size_t len, const char *self_dir, apigw_error_t *err);
void fnhost_conf_free(fnhost_conf_t *conf);
const fnhost_function_conf_t *fnhost_conf_function(const fnhost_conf_t *conf,
    const char *name);
/* a listen address: 1 unix (path set), 0 TCP (host, port), -1 bad */
int fnhost_conf_listen_parse(const char *text, char *host, size_t hlen,
    unsigned *port, const char **path);
/* the function name of an Invoke path segment: NAME, NAME:QUALIFIER, or
 * a full or partial ARN; qualifier points into name or is NULL */
int fnhost_function_name(const char *text, char *name, size_t len,
    const char **qualifier);
int fnhost_log_level(const char *name);


#ifndef FNHOST_CONF_ONLY

#include <event2/event.h>
#include <http_parser.h>

typedef struct fnhost_s             fnhost_t;
typedef struct fnhost_function_s    fnhost_function_t;
typedef struct fnhost_runtime_s     fnhost_runtime_t;
typedef struct fnhost_invocation_s  fnhost_invocation_t;
typedef struct fnhost_http_s        fnhost_http_t;
typedef struct fnhost_http_conn_s   fnhost_http_conn_t;
typedef struct fnhost_http_req_s    fnhost_http_req_t;

typedef struct {
    int                       fd;
    unsigned                  level;
    char                     *path;         /* NULL: stderr */
} fnhost_log_t;


/* the request headers the host reads, kept as they are parsed */
typedef enum {
    FNHOST_HDR_CONTENT_TYPE = 0,
    FNHOST_HDR_EXPECT,
    FNHOST_HDR_INVOCATION_TYPE,             /* X-Amz-Invocation-Type */
    FNHOST_HDR_TIMEOUT_MS,                  /* X-Apigw-Timeout-Ms */
    FNHOST_HDR_TRACE_ID,                    /* X-Amzn-Trace-Id */
    FNHOST_HDR_CLIENT_CONTEXT,              /* X-Amz-Client-Context */
    FNHOST_HDR_TENANT_ID,                   /* X-Amz-Tenant-Id */
    FNHOST_HDR_ERROR_TYPE,                  /* Lambda-Runtime-Function-
                                               Error-Type */
    FNHOST_HDR_COUNT
} fnhost_http_header_e;

#define FNHOST_HTTP_METHOD(m)    ((uint64_t) 1 << (m))

typedef void (*fnhost_http_handler_pt)(fnhost_http_req_t *r, void *data);

typedef struct {
    const char               *name;
    const char               *value;
} fnhost_http_field_t;

/*
 * A request, valid until it is answered (or dropped).  One the handler
 * keeps sets gone: called, instead of an answer, if its connection ends
 * first; the request is not to be used after.
 */
struct fnhost_http_req_s {
    fnhost_http_conn_t       *conn;
    unsigned                  method;       /* enum http_method */
    const char               *path;         /* as sent; NULL: none */
    const char               *query;        /* NULL: none */
    const char               *headers[FNHOST_HDR_COUNT]; /* NULL: absent */
    const char               *body;         /* NUL-terminated */
    size_t                    len;
    void                    (*gone)(fnhost_http_req_t *r);
    void                     *data;         /* the handler's */
    unsigned                  too_large:1;  /* its body was not read */
};


struct fnhost_invocation_s {
    fnhost_function_t        *fn;
    fnhost_http_req_t        *req;          /* the Invoke request */
    fnhost_runtime_t         *runtime;      /* the process that took it */
    struct event             *timer;        /* queue wait, then deadline */
    char                      id[FNHOST_ID_LEN + 1];
    char                     *trace_id;
    char                     *client_context;
    char                     *tenant_id;
    uint64_t                  arrival;      /* monotonic ms */
    uint64_t                  limit;        /* the gateway's, 0: none */
    uint64_t                  start;
    uint64_t                  deadline;
    TAILQ_ENTRY(fnhost_invocation_s)  queue;
    unsigned                  queued:1;
};

typedef enum {
    FNHOST_RT_STARTING = 0,                 /* no "next" yet: init */
    FNHOST_RT_IDLE,                         /* its "next" is parked */
    FNHOST_RT_BUSY,                         /* holds an invocation */
    FNHOST_RT_FREE,                         /* answered, not back yet */
    FNHOST_RT_KILLED                        /* killed, not reaped yet */
} fnhost_runtime_state_e;

typedef struct {
    int                       fd;
    struct event             *ev;
    struct evbuffer          *buf;          /* a partial line */
} fnhost_pipe_t;

struct fnhost_runtime_s {
    fnhost_function_t        *fn;
    pid_t                     pid;
    fnhost_runtime_state_e    state;
    unsigned                  port;
    char                      socket[48];   /* "@name": the same, unix */
    fnhost_http_t            *http;         /* its own Runtime API */
    fnhost_http_req_t        *next;         /* the parked long poll */
    fnhost_invocation_t      *inv;
    fnhost_pipe_t             out;
    fnhost_pipe_t             err;
    struct event             *timer;        /* init, then idle */
    uint64_t                  spawned;
    const char               *killed;       /* why the host killed it */
    unsigned                  invocations;
    TAILQ_ENTRY(fnhost_runtime_s)  link;
    unsigned                  started:1;    /* asked for an invocation */
    unsigned                  init_error:1;
};

struct fnhost_function_s {
    fnhost_t                 *host;
    const fnhost_function_conf_t  *conf;
    char                     *arn;
    TAILQ_HEAD(, fnhost_runtime_s)     runtimes;
    TAILQ_HEAD(, fnhost_invocation_s)  queue;
    unsigned                  nruntimes;    /* not reaped yet */
    unsigned                  nqueued;
    unsigned                  backoff;      /* ms before a warm respawn */
    unsigned                  backoff_over:1;
    struct event             *warm_timer;
};

struct fnhost_s {
    struct event_base        *base;
    fnhost_conf_t            *conf;
    fnhost_log_t              log;
    fnhost_function_t        *functions;
    unsigned                  nfunctions;
    fnhost_http_t            *invoke;
    char                    **unix_paths;   /* to unlink at exit */
    unsigned                  nunix;
    struct event             *signals[6];
    struct event             *stop_timer;
    struct event             *exit_timer;
    unsigned                  inflight;     /* invocations not answered */
    pid_t                     pid;
    unsigned                  stopping:1;
    unsigned                  forced:1;
};


/* fnhost_http.c */
/* methods: FNHOST_HTTP_METHOD(HTTP_GET) | ...; timeout: s of silence */
fnhost_http_t *fnhost_http_new(struct event_base *base, fnhost_log_t *log,
    uint64_t methods, size_t max_body, unsigned timeout,
    fnhost_http_handler_pt handler, void *data);
/* a listening socket, given over; -1 on error */
int fnhost_http_listen(fnhost_http_t *http, int fd, int tcp);
/* the port bound, -1 on error */
int fnhost_http_bind(fnhost_http_t *http, const char *host, unsigned port);
/* no new connections; idle ones closed, the others after their answer */
void fnhost_http_close(fnhost_http_t *http);
/* everything closed at once, no gone handler called */
void fnhost_http_free(fnhost_http_t *http);
void fnhost_http_respond(fnhost_http_req_t *r, int status,
    const fnhost_http_field_t *fields, size_t n, const char *body,
    size_t len);
/* a kept request given up, with its connection, unanswered */
void fnhost_http_drop(fnhost_http_req_t *r);

/* fnhost_log.c */
int fnhost_log_open(fnhost_log_t *log, const char *path, unsigned level);
void fnhost_log_reopen(fnhost_log_t *log);
void fnhost_log_close(fnhost_log_t *log);
void fnhost_log(fnhost_log_t *log, unsigned level, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* one line of a function's output, with its request id or none */
void fnhost_log_output(fnhost_log_t *log, const char *fn, const char *id,
    const char *line, size_t len);

/* fnhost_invoke.c */
int fnhost_invoke_init(fnhost_t *host);
void fnhost_invoke_close(fnhost_t *host);
void fnhost_dispatch(fnhost_function_t *fn);
void fnhost_invocation_start(fnhost_runtime_t *rt, fnhost_invocation_t *inv);
/* answers: a result, a function error (body: the error JSON), a refusal */
void fnhost_invocation_result(fnhost_invocation_t *inv, const char *body,
    size_t len, const char *content_type);
void fnhost_invocation_error(fnhost_invocation_t *inv, const char *body,
    size_t len);
void fnhost_invocation_error_text(fnhost_invocation_t *inv,
    const char *type, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void fnhost_invocation_refuse(fnhost_invocation_t *inv, int status,
    const char *type, const char *message, const char *reason);
void fnhost_report(fnhost_invocation_t *inv, const char *status);
uint64_t fnhost_now(void);
uint64_t fnhost_epoch_ms(void);
void fnhost_request_id(char *buf);

/* fnhost_runtime.c */
int fnhost_runtime_api_init(fnhost_runtime_t *rt);
void fnhost_runtime_park(fnhost_runtime_t *rt, fnhost_http_req_t *r);

/* fnhost_process.c */
fnhost_runtime_t *fnhost_runtime_spawn(fnhost_function_t *fn);
void fnhost_runtime_kill(fnhost_runtime_t *rt, const char *why);
void fnhost_runtime_drain(fnhost_runtime_t *rt);
void fnhost_reap(fnhost_t *host);
void fnhost_runtime_gone(fnhost_runtime_t *rt, int status);
void fnhost_schedule(fnhost_function_t *fn);
int fnhost_function_timers(fnhost_function_t *fn);
void fnhost_idle_arm(fnhost_runtime_t *rt);
unsigned fnhost_max_rss(pid_t pid);

/* fnhost_main.c */
void fnhost_check_stopped(fnhost_t *host);

#endif


#endif /* _FNHOST_H_INCLUDED_ */
