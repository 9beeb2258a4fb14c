
/*
 * Copyright (C) apigw contributors
 */


/*
 * The host's log, in the manner of nginx's error log:
 *
 *     2026/11/22 11:32:00 [notice] 812#0: listening on unix:/run/fn.sock
 *     2026/11/22 11:32:01 [info] 812#0: hello 8476a536-...: a line it wrote
 *
 * one write() a line, to a file opened for appending or to stderr
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fnhost.h"


#define FNHOST_LOG_LINE          (16 * 1024)


static size_t fnhost_log_prefix(char *buf, size_t size, unsigned level);


static const char  *fnhost_log_names[] = {
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"
};


int
fnhost_log_open(fnhost_log_t *log, const char *path, unsigned level)
{
    int  fd;

    log->level = level;

    if (path == NULL) {
        log->fd = STDERR_FILENO;
        log->path = NULL;
        return 0;
    }

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

    if (fd == -1) {
        return -1;
    }

    if (log->path == NULL || strcmp(log->path, path) != 0) {
        free(log->path);
        log->path = strdup(path);
    }

    log->fd = fd;

    return 0;
}


/* SIGHUP: after logrotate moved the file */

void
fnhost_log_reopen(fnhost_log_t *log)
{
    int  fd;

    if (log->path == NULL) {
        return;
    }

    fd = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

    if (fd == -1) {
        fnhost_log(log, FNHOST_LOG_ALERT, "cannot reopen \"%s\": %s",
                   log->path, strerror(errno));
        return;
    }

    close(log->fd);
    log->fd = fd;
}


void
fnhost_log_close(fnhost_log_t *log)
{
    if (log->path != NULL) {
        close(log->fd);
        free(log->path);
        log->path = NULL;
    }

    log->fd = STDERR_FILENO;
}


void
fnhost_log(fnhost_log_t *log, unsigned level, const char *fmt, ...)
{
    char     buf[FNHOST_LOG_LINE];
    size_t   n;
    va_list  args;
    ssize_t  rc;

    if (level > log->level) {
        return;
    }

    n = fnhost_log_prefix(buf, sizeof(buf) - 1, level);

    va_start(args, fmt);
    rc = vsnprintf(buf + n, sizeof(buf) - 1 - n, fmt, args);
    va_end(args);

    if (rc > 0) {
        n += rc;
    }

    if (n > sizeof(buf) - 2) {
        n = sizeof(buf) - 2;
    }

    buf[n++] = '\n';

    rc = write(log->fd, buf, n);
    (void) rc;
}


/*
 * a line of a function's output, as CloudWatch keeps it: the function, the
 * request id of the invocation the process held (none between them)
 */

void
fnhost_log_output(fnhost_log_t *log, const char *fn, const char *id,
    const char *line, size_t len)
{
    char     buf[FNHOST_LOG_LINE + 256];
    size_t   n;
    ssize_t  rc;

    if (FNHOST_LOG_INFO > log->level) {
        return;
    }

    n = fnhost_log_prefix(buf, sizeof(buf), FNHOST_LOG_INFO);
    n += snprintf(buf + n, sizeof(buf) - n, "%s %s: ", fn, id ? id : "-");

    if (len > sizeof(buf) - n - 1) {
        len = sizeof(buf) - n - 1;
    }

    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }

    memcpy(buf + n, line, len);
    n += len;
    buf[n++] = '\n';

    rc = write(log->fd, buf, n);
    (void) rc;
}


static size_t
fnhost_log_prefix(char *buf, size_t size, unsigned level)
{
    time_t     now;
    struct tm  tm;

    now = time(NULL);
    localtime_r(&now, &tm);

    return snprintf(buf, size, "%04d/%02d/%02d %02d:%02d:%02d [%s] %d#0: ",
                    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                    tm.tm_min, tm.tm_sec, fnhost_log_names[level],
                    (int) getpid());
}
