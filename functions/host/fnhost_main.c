
/*
 * Copyright (C) apigw contributors
 */


/*
 * apigw-fnhost [-c FILE] [-t]: loads the configuration, listens, starts the
 * warm runtimes and runs libevent's loop.  SIGTERM (or SIGINT, SIGQUIT)
 * stops gracefully: no new invocations, those in flight finish within
 * shutdown_timeout, then every runtime is killed and reaped; a second
 * signal stops at once.  SIGHUP reopens the log file.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fnhost.h"


#define FNHOST_DEFAULT_CONF      "/etc/apigw/functions.yaml"


static int fnhost_init(fnhost_t *host);
static void fnhost_sched_batch(fnhost_t *host);
static void fnhost_signal(evutil_socket_t sig, short what, void *arg);
static void fnhost_stop(fnhost_t *host);
static void fnhost_force(fnhost_t *host);
static void fnhost_stop_timer(evutil_socket_t fd, short what, void *arg);
static void fnhost_exit_timer(evutil_socket_t fd, short what, void *arg);
static void fnhost_cleanup(fnhost_t *host);
static char *fnhost_self_dir(void);
static void fnhost_usage(FILE *f);


int
main(int argc, char **argv)
{
    int             c, test, rc;
    char           *file, *self_dir, msg[APIGW_PATH_LEN + APIGW_ERR_LEN + 64];
    fnhost_t        host;
    apigw_error_t   err;

    file = FNHOST_DEFAULT_CONF;
    test = 0;

    while ((c = getopt(argc, argv, "c:thv")) != -1) {
        switch (c) {
        case 'c':
            file = optarg;
            break;
        case 't':
            test = 1;
            break;
        case 'v':
            printf("apigw-fnhost %s\n", FNHOST_VERSION);
            return 0;
        case 'h':
            fnhost_usage(stdout);
            return 0;
        default:
            fnhost_usage(stderr);
            return 2;
        }
    }

    if (optind != argc) {
        fnhost_usage(stderr);
        return 2;
    }

    memset(&host, 0, sizeof(fnhost_t));
    memset(&err, 0, sizeof(apigw_error_t));

    self_dir = fnhost_self_dir();
    host.conf = fnhost_conf_load(file, self_dir, &err);
    free(self_dir);

    if (host.conf == NULL) {
        apigw_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "apigw-fnhost: [emerg] %s\n", msg);

        if (test) {
            fprintf(stderr, "apigw-fnhost: configuration file %s test "
                    "failed\n", err.file);
        }

        return 1;
    }

    if (test) {
        fprintf(stderr, "apigw-fnhost: the configuration file %s syntax is "
                "ok\napigw-fnhost: configuration file %s test is "
                "successful\n", host.conf->file, host.conf->file);
        fnhost_conf_free(host.conf);
        return 0;
    }

    if (fnhost_log_open(&host.log, host.conf->log, host.conf->log_level)
        != 0)
    {
        fprintf(stderr, "apigw-fnhost: [emerg] cannot open the log \"%s\": "
                "%s\n", host.conf->log, strerror(errno));
        fnhost_conf_free(host.conf);
        return 1;
    }

    rc = 1;

    if (fnhost_init(&host) == 0) {
        fnhost_log(&host.log, FNHOST_LOG_NOTICE, "apigw-fnhost %s started, "
                   "%u functions", FNHOST_VERSION, host.nfunctions);

        if (event_base_dispatch(host.base) == 0) {
            rc = 0;
        }
    }

    fnhost_cleanup(&host);

    return rc;
}


static int
fnhost_init(fnhost_t *host)
{
    size_t               i, n;
    static const int     sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGQUIT,
                                    SIGHUP };
    fnhost_function_t   *fn;

    host->pid = getpid();

    /* orphans of runtimes become the host's children, to be reaped */
    (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
    (void) signal(SIGPIPE, SIG_IGN);

    if (host->conf->sched_batch) {
        fnhost_sched_batch(host);
    }

    host->base = event_base_new();

    if (host->base == NULL) {
        fnhost_log(&host->log, FNHOST_LOG_EMERG, "event_base_new() failed");
        return -1;
    }

    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        host->signals[i] = evsignal_new(host->base, sigs[i], fnhost_signal,
                                        host);

        if (host->signals[i] == NULL
            || evsignal_add(host->signals[i], NULL) != 0)
        {
            fnhost_log(&host->log, FNHOST_LOG_EMERG,
                       "cannot handle signal %d", sigs[i]);
            return -1;
        }
    }

    host->stop_timer = evtimer_new(host->base, fnhost_stop_timer, host);
    host->exit_timer = evtimer_new(host->base, fnhost_exit_timer, host);

    host->functions = calloc(host->conf->nfunctions,
                             sizeof(fnhost_function_t));

    if (host->functions == NULL || host->stop_timer == NULL
        || host->exit_timer == NULL)
    {
        fnhost_log(&host->log, FNHOST_LOG_EMERG, "out of memory");
        return -1;
    }

    for (i = 0; i < host->conf->nfunctions; i++) {
        fn = &host->functions[i];
        fn->host = host;
        fn->conf = &host->conf->functions[i];
        TAILQ_INIT(&fn->runtimes);
        TAILQ_INIT(&fn->queue);
        host->nfunctions++;

        n = strlen(fn->conf->name) + strlen(host->conf->region)
            + strlen(host->conf->account) + 32;
        fn->arn = malloc(n);

        if (fn->arn == NULL || fnhost_function_timers(fn) != 0) {
            fnhost_log(&host->log, FNHOST_LOG_EMERG, "out of memory");
            return -1;
        }

        snprintf(fn->arn, n, "arn:aws:lambda:%s:%s:function:%s",
                 host->conf->region, host->conf->account, fn->conf->name);
    }

    if (fnhost_invoke_init(host) != 0) {
        return -1;
    }

    for (i = 0; i < host->nfunctions; i++) {
        fnhost_schedule(&host->functions[i]);
    }

    return 0;
}


/* runtimes inherit it across fork() and exec() */

static void
fnhost_sched_batch(fnhost_t *host)
{
    struct sched_param  param;

    param.sched_priority = 0;

    if (sched_setscheduler(0, SCHED_BATCH, &param) == -1) {
        fnhost_log(&host->log, FNHOST_LOG_WARN, "cannot run as SCHED_BATCH, "
                   "the policy is left as it was: %s", strerror(errno));
    }
}


static void
fnhost_signal(evutil_socket_t sig, short what, void *arg)
{
    fnhost_t  *host;

    host = arg;

    switch (sig) {

    case SIGCHLD:
        fnhost_reap(host);
        break;

    case SIGHUP:
        fnhost_log_reopen(&host->log);
        fnhost_log(&host->log, FNHOST_LOG_NOTICE, "log reopened");
        break;

    default:
        if (host->stopping) {
            fnhost_log(&host->log, FNHOST_LOG_NOTICE,
                       "signal %d: stopping at once", (int) sig);
            fnhost_force(host);
            break;
        }

        fnhost_log(&host->log, FNHOST_LOG_NOTICE,
                   "signal %d: stopping, %u invocations in flight",
                   (int) sig, host->inflight);
        fnhost_stop(host);
    }
}


static void
fnhost_stop(fnhost_t *host)
{
    struct timeval  tv;

    host->stopping = 1;

    fnhost_invoke_close(host);

    tv.tv_sec = host->conf->shutdown_timeout / 1000;
    tv.tv_usec = (host->conf->shutdown_timeout % 1000) * 1000;
    evtimer_add(host->stop_timer, &tv);

    fnhost_check_stopped(host);
}


/*
 * While stopping: runtimes that no queued invocation waits for are killed;
 * once nothing is in flight and every runtime is reaped, the loop ends
 * (after a moment, for the last answers to be written).
 */

void
fnhost_check_stopped(fnhost_t *host)
{
    unsigned             i, left;
    struct timeval       tv;
    fnhost_runtime_t    *rt;
    fnhost_function_t   *fn;

    if (!host->stopping) {
        return;
    }

    left = 0;

    for (i = 0; i < host->nfunctions; i++) {
        fn = &host->functions[i];

        TAILQ_FOREACH(rt, &fn->runtimes, link) {
            if (TAILQ_EMPTY(&fn->queue)
                && (rt->state == FNHOST_RT_IDLE
                    || rt->state == FNHOST_RT_STARTING))
            {
                fnhost_runtime_kill(rt, "stopping");
            }
        }

        left += fn->nruntimes;
    }

    if (left == 0 && host->inflight == 0
        && !evtimer_pending(host->exit_timer, NULL))
    {
        tv.tv_sec = 0;
        tv.tv_usec = 100000;
        evtimer_add(host->exit_timer, &tv);
    }
}


/* the bound passed, or a second signal: queued invocations are refused,
   runtimes killed, and those they held answered when they are reaped */

static void
fnhost_force(fnhost_t *host)
{
    unsigned              i;
    struct timeval        tv;
    fnhost_runtime_t     *rt;
    fnhost_function_t    *fn;
    fnhost_invocation_t  *inv;

    if (!host->stopping) {
        host->stopping = 1;
        fnhost_invoke_close(host);
    }

    host->forced = 1;

    for (i = 0; i < host->nfunctions; i++) {
        fn = &host->functions[i];

        while ((inv = TAILQ_FIRST(&fn->queue)) != NULL) {
            fnhost_invocation_refuse(inv, 503, "ServiceException",
                                     "the function host is stopping", NULL);
        }

        TAILQ_FOREACH(rt, &fn->runtimes, link) {
            fnhost_runtime_kill(rt, "stopping");
        }
    }

    /* whatever happens, the host is gone in a few seconds */
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    evtimer_add(host->exit_timer, &tv);

    fnhost_check_stopped(host);
}


static void
fnhost_stop_timer(evutil_socket_t fd, short what, void *arg)
{
    fnhost_t  *host;

    host = arg;

    fnhost_log(&host->log, FNHOST_LOG_WARN, "shutdown_timeout passed with "
               "%u invocations in flight", host->inflight);

    fnhost_force(host);
}


static void
fnhost_exit_timer(evutil_socket_t fd, short what, void *arg)
{
    fnhost_t  *host;

    host = arg;

    event_base_loopexit(host->base, NULL);
}


/* everything freed, so that a leak checker sees only real leaks */

static void
fnhost_cleanup(fnhost_t *host)
{
    unsigned              i, left;
    siginfo_t             info;
    fnhost_runtime_t     *rt;
    fnhost_function_t    *fn;
    fnhost_invocation_t  *inv;

    host->stopping = 1;
    host->forced = 1;
    left = 0;

    for (i = 0; i < host->nfunctions; i++) {
        fn = &host->functions[i];

        TAILQ_FOREACH(rt, &fn->runtimes, link) {
            (void) kill(-rt->pid, SIGKILL);
            (void) kill(rt->pid, SIGKILL);
            left++;
        }
    }

    /* killed: each is reaped in a moment */
    while (left > 0) {
        memset(&info, 0, sizeof(info));

        if (waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) == -1
            && errno != EINTR)
        {
            break;
        }

        fnhost_reap(host);

        left = 0;

        for (i = 0; i < host->nfunctions; i++) {
            left += host->functions[i].nruntimes;
        }
    }

    for (i = 0; i < host->nfunctions; i++) {
        fn = &host->functions[i];

        while ((rt = TAILQ_FIRST(&fn->runtimes)) != NULL) {
            /* reaped by someone else: gone all the same */
            fnhost_runtime_gone(rt, SIGKILL);
        }

        while ((inv = TAILQ_FIRST(&fn->queue)) != NULL) {
            inv->req = NULL;
            fnhost_invocation_refuse(inv, 503, "ServiceException",
                                     "the function host is stopping", NULL);
        }

        if (fn->warm_timer != NULL) {
            event_free(fn->warm_timer);
        }

        free(fn->arn);
    }

    if (host->invoke != NULL) {
        fnhost_invoke_close(host);
        fnhost_http_free(host->invoke);
    }

    for (i = 0; i < host->nunix; i++) {
        free(host->unix_paths[i]);
    }

    free(host->unix_paths);
    free(host->functions);

    for (i = 0; i < sizeof(host->signals) / sizeof(host->signals[0]); i++) {
        if (host->signals[i] != NULL) {
            event_free(host->signals[i]);
        }
    }

    if (host->stop_timer != NULL) {
        event_free(host->stop_timer);
    }

    if (host->exit_timer != NULL) {
        event_free(host->exit_timer);
    }

    if (host->base != NULL) {
        event_base_free(host->base);
    }

    fnhost_log(&host->log, FNHOST_LOG_NOTICE, "exited");
    fnhost_log_close(&host->log);
    fnhost_conf_free(host->conf);
}


static char *
fnhost_self_dir(void)
{
    char     path[PATH_MAX];
    ssize_t  n;

    n = readlink("/proc/self/exe", path, sizeof(path) - 1);

    if (n <= 0) {
        return NULL;
    }

    path[n] = '\0';

    return strdup(dirname(path));
}


static void
fnhost_usage(FILE *f)
{
    fprintf(f, "usage: apigw-fnhost [-c FILE] [-t] [-v]\n"
            "  -c FILE  the configuration file (default "
            FNHOST_DEFAULT_CONF ")\n"
            "  -t       test the configuration file and exit\n"
            "  -v       print the version and exit\n");
}
