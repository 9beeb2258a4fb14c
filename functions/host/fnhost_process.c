
/*
 * Copyright (C) apigw contributors
 */


/*
 * Runtime processes: each in a process group of its own, killed as a group,
 * dying with the host (PR_SET_PDEATHSIG), under setrlimit limits, its
 * stdout and stderr read through pipes, reaped on SIGCHLD through libevent.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "fnhost.h"


#define FNHOST_PIPE_LINE         (16 * 1024)
#define FNHOST_DRAIN_MAX         (1024 * 1024)


static char **fnhost_runtime_env(fnhost_runtime_t *rt);
static void fnhost_child(fnhost_runtime_t *rt, int out, int err,
    char **env) __attribute__((noreturn));
static int fnhost_pipe_open(fnhost_runtime_t *rt, fnhost_pipe_t *p,
    int *child);
static void fnhost_pipe_read(evutil_socket_t fd, short what, void *arg);
static int fnhost_pipe_drain(fnhost_runtime_t *rt, fnhost_pipe_t *p,
    size_t max);
static void fnhost_pipe_lines(fnhost_runtime_t *rt, fnhost_pipe_t *p,
    int all);
static void fnhost_pipe_close(fnhost_pipe_t *p);
static void fnhost_runtime_free(fnhost_runtime_t *rt);
static void fnhost_runtime_timer(evutil_socket_t fd, short what, void *arg);
static void fnhost_warm_timer(evutil_socket_t fd, short what, void *arg);
static void fnhost_status_text(int status, char *buf, size_t size);


static const char  *fnhost_inherit_env[] = {
    "PATH", "LANG", "LC_ALL", "TZ", "ASAN_OPTIONS", "LSAN_OPTIONS",
    "UBSAN_OPTIONS", NULL
};


fnhost_runtime_t *
fnhost_runtime_spawn(fnhost_function_t *fn)
{
    int                 out[2], err[2];
    char              **env, **e;
    pid_t               pid;
    struct timeval      tv;
    fnhost_t           *host;
    fnhost_runtime_t   *rt;

    host = fn->host;
    out[1] = -1;
    err[1] = -1;
    env = NULL;

    rt = calloc(1, sizeof(fnhost_runtime_t));

    if (rt == NULL) {
        fnhost_log(&host->log, FNHOST_LOG_ALERT, "%s: out of memory",
                   fn->conf->name);
        return NULL;
    }

    rt->fn = fn;
    rt->out.fd = -1;
    rt->err.fd = -1;

    if (fnhost_runtime_api_init(rt) != 0
        || fnhost_pipe_open(rt, &rt->out, &out[1]) != 0
        || fnhost_pipe_open(rt, &rt->err, &err[1]) != 0
        || (env = fnhost_runtime_env(rt)) == NULL)
    {
        fnhost_log(&host->log, FNHOST_LOG_ALERT,
                   "%s: cannot prepare a runtime: %s", fn->conf->name,
                   strerror(errno));
        goto failed;
    }

    rt->timer = evtimer_new(host->base, fnhost_runtime_timer, rt);

    if (rt->timer == NULL) {
        goto failed;
    }

    pid = fork();

    if (pid == -1) {
        fnhost_log(&host->log, FNHOST_LOG_ALERT, "%s: fork() failed: %s",
                   fn->conf->name, strerror(errno));
        goto failed;
    }

    if (pid == 0) {
        fnhost_child(rt, out[1], err[1], env);
    }

    /* both sides set the group: whichever runs first */
    (void) setpgid(pid, pid);

    close(out[1]);
    close(err[1]);

    for (e = env; *e; e++) {
        free(*e);
    }

    free(env);

    rt->pid = pid;
    rt->state = FNHOST_RT_STARTING;
    rt->spawned = fnhost_now();

    TAILQ_INSERT_TAIL(&fn->runtimes, rt, link);
    fn->nruntimes++;

    tv.tv_sec = fn->conf->init_timeout / 1000;
    tv.tv_usec = (fn->conf->init_timeout % 1000) * 1000;
    evtimer_add(rt->timer, &tv);

    fnhost_log(&host->log, FNHOST_LOG_INFO,
               "%s: runtime %d started, AWS_LAMBDA_RUNTIME_API=127.0.0.1:%u",
               fn->conf->name, (int) pid, rt->port);

    return rt;

failed:

    if (out[1] != -1) {
        close(out[1]);
    }

    if (err[1] != -1) {
        close(err[1]);
    }

    if (env != NULL) {
        for (e = env; *e; e++) {
            free(*e);
        }

        free(env);
    }

    fnhost_runtime_free(rt);

    return NULL;
}


static char **
fnhost_runtime_env(fnhost_runtime_t *rt)
{
    char                           **env, *v, buf[4096];
    size_t                           n, i;
    const char                     **name;
    const fnhost_function_conf_t    *fc;

    fc = rt->fn->conf;

    for (n = 0; fc->env[n]; n++) { /* void */ }

    env = calloc(n + 32, sizeof(char *));

    if (env == NULL) {
        return NULL;
    }

    i = 0;

#define FNHOST_ENV(...)                                                       \
    snprintf(buf, sizeof(buf), __VA_ARGS__);                                  \
    if ((env[i++] = strdup(buf)) == NULL) goto failed

    for (name = fnhost_inherit_env; *name; name++) {
        v = getenv(*name);

        if (v != NULL) {
            FNHOST_ENV("%s=%s", *name, v);
        }
    }

    for (n = 0; fc->env[n]; n++) {
        if ((env[i++] = strdup(fc->env[n])) == NULL) {
            goto failed;
        }
    }

    FNHOST_ENV("AWS_LAMBDA_RUNTIME_API=127.0.0.1:%u", rt->port);
    FNHOST_ENV("APIGW_RUNTIME_API_SOCKET=%s", rt->socket);
    FNHOST_ENV("AWS_LAMBDA_FUNCTION_NAME=%s", fc->name);
    FNHOST_ENV("AWS_LAMBDA_FUNCTION_VERSION=$LATEST");
    FNHOST_ENV("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%u",
               fc->memory ? fc->memory : 3008);
    FNHOST_ENV("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/%s", fc->name);
    FNHOST_ENV("AWS_LAMBDA_LOG_STREAM_NAME=$LATEST");
    FNHOST_ENV("AWS_REGION=%s", rt->fn->host->conf->region);
    FNHOST_ENV("AWS_DEFAULT_REGION=%s", rt->fn->host->conf->region);
    FNHOST_ENV("LAMBDA_TASK_ROOT=%s", fc->directory);
    FNHOST_ENV("AWS_EXECUTION_ENV=apigw-fnhost");

    if (fc->handler != NULL) {
        FNHOST_ENV("_HANDLER=%s", fc->handler);
    }

#undef FNHOST_ENV

    return env;

failed:

    for (n = 0; n < i; n++) {
        free(env[n]);
    }

    free(env);

    return NULL;
}


/* the forked child: only async-signal-safe calls up to execve() */

static void
fnhost_child(fnhost_runtime_t *rt, int out, int err, char **env)
{
    int                              fd, sig;
    rlim_t                           mem;
    sigset_t                         set;
    struct rlimit                    rl;
    const fnhost_function_conf_t    *fc;
    static const char                msg[] = "apigw-fnhost: cannot start "
                                             "the runtime\n";

    fc = rt->fn->conf;

    (void) setpgid(0, 0);

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1
        || getppid() != rt->fn->host->pid)
    {
        _exit(126);
    }

    fd = open("/dev/null", O_RDONLY);

    if (fd == -1 || dup2(fd, STDIN_FILENO) == -1
        || dup2(out, STDOUT_FILENO) == -1 || dup2(err, STDERR_FILENO) == -1)
    {
        _exit(126);
    }

    (void) close_range(3, ~0U, 0);

    for (sig = 1; sig < NSIG; sig++) {
        (void) signal(sig, SIG_DFL);
    }

    sigemptyset(&set);
    (void) sigprocmask(SIG_SETMASK, &set, NULL);

    rl.rlim_cur = 0;
    rl.rlim_max = 0;
    (void) setrlimit(RLIMIT_CORE, &rl);

    if (fc->memory) {
        /* RLIMIT_DATA: heap and private mappings (Linux 4.7), not the
           address space that runtimes such as V8 reserve */
        mem = (rlim_t) fc->memory * 1024 * 1024;
        rl.rlim_cur = mem;
        rl.rlim_max = mem;

        if (setrlimit(RLIMIT_DATA, &rl) == -1) {
            _exit(126);
        }
    }

    if (chdir(fc->directory) == -1) {
        _exit(126);
    }

    execve(fc->argv[0], fc->argv, env);

    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
        /* void */
    }

    _exit(127);
}


void
fnhost_runtime_kill(fnhost_runtime_t *rt, const char *why)
{
    if (rt->state == FNHOST_RT_KILLED) {
        return;
    }

    fnhost_log(&rt->fn->host->log, FNHOST_LOG_INFO,
               "%s: runtime %d killed: %s", rt->fn->conf->name,
               (int) rt->pid, why);

    rt->killed = why;
    rt->state = FNHOST_RT_KILLED;

    if (rt->timer != NULL) {
        evtimer_del(rt->timer);
    }

    (void) kill(-rt->pid, SIGKILL);
    (void) kill(rt->pid, SIGKILL);
}


/*
 * SIGCHLD: each dead child is seen first without being reaped, so that its
 * process group id cannot be reused before the rest of the group is killed
 */

void
fnhost_reap(fnhost_t *host)
{
    int                 status;
    pid_t               pid;
    unsigned            i;
    siginfo_t           info;
    fnhost_runtime_t   *rt;

    for ( ;; ) {
        memset(&info, 0, sizeof(info));

        if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == -1
            || info.si_pid == 0)
        {
            return;
        }

        pid = info.si_pid;
        rt = NULL;

        for (i = 0; i < host->nfunctions && rt == NULL; i++) {
            TAILQ_FOREACH(rt, &host->functions[i].runtimes, link) {
                if (rt->pid == pid) {
                    break;
                }
            }
        }

        if (rt != NULL) {
            (void) kill(-pid, SIGKILL);
        }

        if (waitpid(pid, &status, 0) == -1) {
            continue;
        }

        if (rt == NULL) {
            /* an orphan of a runtime: the host is their subreaper */
            fnhost_log(&host->log, FNHOST_LOG_INFO,
                       "reaped process %d", (int) pid);
            continue;
        }

        fnhost_runtime_gone(rt, status);
    }
}


void
fnhost_runtime_gone(fnhost_runtime_t *rt, int status)
{
    char                  text[128];
    unsigned              level;
    fnhost_function_t    *fn;
    fnhost_invocation_t  *inv;

    fn = rt->fn;

    fnhost_pipe_drain(rt, &rt->out, FNHOST_DRAIN_MAX);
    fnhost_pipe_drain(rt, &rt->err, FNHOST_DRAIN_MAX);
    fnhost_pipe_lines(rt, &rt->out, 1);
    fnhost_pipe_lines(rt, &rt->err, 1);

    fnhost_status_text(status, text, sizeof(text));

    level = (rt->killed != NULL || fn->host->stopping) ? FNHOST_LOG_INFO
                                                       : FNHOST_LOG_WARN;

    fnhost_log(&fn->host->log, level, "%s: runtime %d exited (%s)",
               fn->conf->name, (int) rt->pid, text);

    inv = rt->inv;
    rt->inv = NULL;

    if (inv != NULL) {
        /* it held an invocation: a crash, an exit, an out-of-memory kill */
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            fnhost_invocation_error_text(inv, "Runtime.ExitError",
                         "RequestId: %s Error: Runtime exited without "
                         "providing a reason", inv->id);

        } else {
            fnhost_invocation_error_text(inv, "Runtime.ExitError",
                         "RequestId: %s Error: Runtime exited with error: %s",
                         inv->id, text);
        }

    } else if (!rt->started && !rt->init_error && !fn->host->forced
               && !TAILQ_EMPTY(&fn->queue))
    {
        /* died in init: the invocation that waits for it fails, as the
           one whose cold start it was */
        inv = TAILQ_FIRST(&fn->queue);
        TAILQ_REMOVE(&fn->queue, inv, queue);
        inv->queued = 0;
        fn->nqueued--;

        if (rt->killed != NULL && strcmp(rt->killed, "init timeout") == 0) {
            fnhost_invocation_error_text(inv, "Sandbox.Timedout",
                         "RequestId: %s Error: Runtime did not start within "
                         "%u.%02u seconds", inv->id,
                         fn->conf->init_timeout / 1000,
                         fn->conf->init_timeout % 1000 / 10);

        } else {
            fnhost_invocation_error_text(inv, "Runtime.ExitError",
                         "RequestId: %s Error: Runtime exited with error: %s",
                         inv->id, text);
        }
    }

    if ((!rt->started || rt->init_error) && !fn->host->stopping) {
        fn->backoff = fn->backoff ? fn->backoff * 2 : 250;
        fn->backoff_over = 0;

        if (fn->backoff > 30000) {
            fn->backoff = 30000;
        }
    }

    TAILQ_REMOVE(&fn->runtimes, rt, link);
    fn->nruntimes--;

    fnhost_runtime_free(rt);

    fnhost_schedule(fn);
    fnhost_check_stopped(fn->host);
}


static void
fnhost_runtime_free(fnhost_runtime_t *rt)
{
    fnhost_pipe_close(&rt->out);
    fnhost_pipe_close(&rt->err);

    if (rt->timer != NULL) {
        event_free(rt->timer);
    }

    /* frees a parked "next" with its connection */
    rt->next = NULL;

    if (rt->http != NULL) {
        fnhost_http_free(rt->http);
    }

    free(rt);
}


/*
 * Spawns what the queue and the warm minimum need, within the concurrency.
 * Runtimes starting and those about to ask for the next invocation are
 * counted as coming.
 */

void
fnhost_schedule(fnhost_function_t *fn)
{
    unsigned           coming, live, want;
    struct timeval     tv;
    fnhost_runtime_t  *rt;

    if (fn->host->forced) {
        return;
    }

    coming = 0;
    live = 0;

    TAILQ_FOREACH(rt, &fn->runtimes, link) {
        if (rt->state == FNHOST_RT_KILLED) {
            continue;
        }

        live++;

        if (rt->state == FNHOST_RT_STARTING || rt->state == FNHOST_RT_FREE) {
            coming++;
        }
    }

    want = fn->nqueued > coming ? fn->nqueued - coming : 0;

    while (want > 0 && fn->nruntimes < fn->conf->concurrency) {
        if (fnhost_runtime_spawn(fn) == NULL) {
            return;
        }

        live++;
        want--;
    }

    if (fn->host->stopping || live >= fn->conf->warm
        || fn->nruntimes >= fn->conf->concurrency)
    {
        return;
    }

    /* the warm minimum, after a failure only when the backoff has passed */

    if (fn->backoff && !fn->backoff_over) {
        if (!evtimer_pending(fn->warm_timer, NULL)) {
            tv.tv_sec = fn->backoff / 1000;
            tv.tv_usec = (fn->backoff % 1000) * 1000;
            evtimer_add(fn->warm_timer, &tv);
        }

        return;
    }

    fn->backoff_over = 0;

    while (live < fn->conf->warm && fn->nruntimes < fn->conf->concurrency) {
        if (fnhost_runtime_spawn(fn) == NULL) {
            return;
        }

        live++;
    }
}


static void
fnhost_warm_timer(evutil_socket_t fd, short what, void *arg)
{
    fnhost_function_t  *fn;

    fn = arg;
    fn->backoff_over = 1;

    fnhost_schedule(fn);
}


int
fnhost_function_timers(fnhost_function_t *fn)
{
    fn->warm_timer = evtimer_new(fn->host->base, fnhost_warm_timer, fn);

    return fn->warm_timer ? 0 : -1;
}


/* an idle runtime is retired after idle_timeout, above the warm minimum */

void
fnhost_idle_arm(fnhost_runtime_t *rt)
{
    unsigned        ms;
    struct timeval  tv;

    ms = rt->fn->conf->idle_timeout;

    if (ms == 0) {
        return;
    }

    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    evtimer_add(rt->timer, &tv);
}


static void
fnhost_runtime_timer(evutil_socket_t fd, short what, void *arg)
{
    unsigned           live;
    fnhost_runtime_t  *rt, *r;

    rt = arg;

    if (rt->state == FNHOST_RT_STARTING) {
        fnhost_log(&rt->fn->host->log, FNHOST_LOG_WARN,
                   "%s: runtime %d did not ask for an invocation within "
                   "init_timeout (%u ms)", rt->fn->conf->name, (int) rt->pid,
                   rt->fn->conf->init_timeout);
        fnhost_runtime_kill(rt, "init timeout");
        return;
    }

    if (rt->state != FNHOST_RT_IDLE) {
        return;
    }

    live = 0;

    TAILQ_FOREACH(r, &rt->fn->runtimes, link) {
        if (r->state != FNHOST_RT_KILLED) {
            live++;
        }
    }

    if (live > rt->fn->conf->warm) {
        fnhost_runtime_kill(rt, "idle");
    }
}


static int
fnhost_pipe_open(fnhost_runtime_t *rt, fnhost_pipe_t *p, int *child)
{
    int  fds[2];

    if (pipe2(fds, O_CLOEXEC) == -1) {
        return -1;
    }

    p->fd = fds[0];
    *child = fds[1];

    if (evutil_make_socket_nonblocking(p->fd) != 0) {
        return -1;
    }

    p->buf = evbuffer_new();
    p->ev = event_new(rt->fn->host->base, p->fd, EV_READ | EV_PERSIST,
                      fnhost_pipe_read, rt);

    if (p->buf == NULL || p->ev == NULL || event_add(p->ev, NULL) != 0) {
        return -1;
    }

    return 0;
}


static void
fnhost_pipe_read(evutil_socket_t fd, short what, void *arg)
{
    fnhost_runtime_t  *rt;

    rt = arg;

    if (fd == rt->out.fd) {
        if (fnhost_pipe_drain(rt, &rt->out, 256 * 1024) == 0) {
            fnhost_pipe_lines(rt, &rt->out, 1);
            fnhost_pipe_close(&rt->out);
        }

        return;
    }

    if (fnhost_pipe_drain(rt, &rt->err, 256 * 1024) == 0) {
        fnhost_pipe_lines(rt, &rt->err, 1);
        fnhost_pipe_close(&rt->err);
    }
}


/*
 * Reads what the pipe holds, up to max, logging each complete line:
 * 0 at the end of the output, 1 otherwise.  Called before an invocation
 * ends too, so that the lines a function wrote before answering carry
 * its request id.
 */

static int
fnhost_pipe_drain(fnhost_runtime_t *rt, fnhost_pipe_t *p, size_t max)
{
    int     n;
    size_t  got;

    if (p->fd == -1) {
        return 1;
    }

    got = 0;

    while (got < max) {
        n = evbuffer_read(p->buf, p->fd, 65536);

        if (n == 0) {
            return 0;
        }

        if (n < 0) {
            return (errno == EAGAIN || errno == EINTR) ? 1 : 0;
        }

        got += n;
        fnhost_pipe_lines(rt, p, 0);
    }

    return 1;
}


static void
fnhost_pipe_lines(fnhost_runtime_t *rt, fnhost_pipe_t *p, int all)
{
    char                  line[FNHOST_PIPE_LINE];
    size_t                n;
    const char           *id;
    struct evbuffer_ptr   eol;

    if (p->buf == NULL) {
        return;
    }

    id = rt->inv ? rt->inv->id : NULL;

    for ( ;; ) {
        eol = evbuffer_search_eol(p->buf, NULL, NULL, EVBUFFER_EOL_LF);

        if (eol.pos == -1) {
            n = evbuffer_get_length(p->buf);

            if (n == 0 || (!all && n < sizeof(line))) {
                return;
            }

            /* no line feed: a long line in pieces, or the last one */
            if (n > sizeof(line)) {
                n = sizeof(line);
            }

            evbuffer_remove(p->buf, line, n);
            fnhost_log_output(&rt->fn->host->log, rt->fn->conf->name, id,
                              line, n);
            continue;
        }

        n = eol.pos;

        if (n > sizeof(line)) {
            n = sizeof(line);
            evbuffer_remove(p->buf, line, n);

        } else {
            evbuffer_remove(p->buf, line, n);
            evbuffer_drain(p->buf, 1);
        }

        fnhost_log_output(&rt->fn->host->log, rt->fn->conf->name, id,
                          line, n);
    }
}


/*
 * before an invocation ends: pipes with nothing in them (the usual case)
 * cost one poll() for both, not reads that fail; a pipe's end, if that
 * is what is there, is for fnhost_pipe_read() to see
 */

void
fnhost_runtime_drain(fnhost_runtime_t *rt)
{
    int            n;
    struct pollfd  pfd[2];

    pfd[0].fd = rt->out.fd;
    pfd[0].events = POLLIN;
    pfd[1].fd = rt->err.fd;
    pfd[1].events = POLLIN;

    n = poll(pfd, 2, 0);

    if (n == 0) {
        return;
    }

    if (n == -1 || (pfd[0].revents & POLLIN)) {
        fnhost_pipe_drain(rt, &rt->out, FNHOST_DRAIN_MAX);
    }

    if (n == -1 || (pfd[1].revents & POLLIN)) {
        fnhost_pipe_drain(rt, &rt->err, FNHOST_DRAIN_MAX);
    }
}


static void
fnhost_pipe_close(fnhost_pipe_t *p)
{
    if (p->ev != NULL) {
        event_free(p->ev);
        p->ev = NULL;
    }

    if (p->fd != -1) {
        close(p->fd);
        p->fd = -1;
    }

    if (p->buf != NULL) {
        evbuffer_free(p->buf);
        p->buf = NULL;
    }
}


/* VmHWM of /proc/PID/status: the process's peak resident size, in MB */

unsigned
fnhost_max_rss(pid_t pid)
{
    int       fd;
    char      path[64], buf[2048], *p;
    ssize_t   n;

    snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);

    fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd == -1) {
        return 0;
    }

    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);

    if (n <= 0) {
        return 0;
    }

    buf[n] = '\0';
    p = strstr(buf, "VmHWM:");

    if (p == NULL) {
        return 0;
    }

    return (unsigned) ((strtoul(p + 6, NULL, 10) + 1023) / 1024);
}


/* as Lambda (Go's os.ProcessState) words it */

static void
fnhost_status_text(int status, char *buf, size_t size)
{
    int          sig;
    const char  *name;

    if (WIFEXITED(status)) {
        snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
        return;
    }

    if (!WIFSIGNALED(status)) {
        snprintf(buf, size, "status %d", status);
        return;
    }

    sig = WTERMSIG(status);

    switch (sig) {
    case SIGSEGV: name = "segmentation fault"; break;
    case SIGABRT: name = "aborted"; break;
    case SIGKILL: name = "killed"; break;
    case SIGTERM: name = "terminated"; break;
    case SIGBUS: name = "bus error"; break;
    case SIGFPE: name = "floating point exception"; break;
    case SIGILL: name = "illegal instruction"; break;
    case SIGHUP: name = "hangup"; break;
    case SIGINT: name = "interrupt"; break;
    case SIGQUIT: name = "quit"; break;
    case SIGPIPE: name = "broken pipe"; break;
    case SIGXCPU: name = "CPU time limit exceeded"; break;
    case SIGTRAP: name = "trace/breakpoint trap"; break;
    case SIGSYS: name = "bad system call"; break;
    default: name = NULL;
    }

    if (name != NULL) {
        snprintf(buf, size, "signal: %s%s", name,
                 WCOREDUMP(status) ? " (core dumped)" : "");

    } else {
        snprintf(buf, size, "signal: %d", sig);
    }
}
