
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_UNIT_H_INCLUDED_
#define _APIGW_UNIT_H_INCLUDED_


/*
 * A tiny TAP-like harness for the unit tests:
 *
 *     CHECK(cond, "name %d", arg);
 *     ...
 *     return unit_done();
 *
 * prints "ok N - name" or "not ok N - name (file:line)", and unit_done()
 * prints "N passed, M failed" and returns the exit status.  NOTE("...")
 * prints a "# " comment line.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int  unit_tests;
static int  unit_failed;


#define CHECK(cond, ...)                                                      \
    unit_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)


#ifdef __GNUC__
#define UNIT_UNUSED         __attribute__((unused))
#define UNIT_FORMAT(f, a)   __attribute__((format(printf, f, a)))
#else
#define UNIT_UNUSED
#define UNIT_FORMAT(f, a)
#endif


static int unit_check(int ok, const char *file, int line, const char *fmt,
    ...) UNIT_UNUSED UNIT_FORMAT(4, 5);
static void NOTE(const char *fmt, ...) UNIT_UNUSED UNIT_FORMAT(1, 2);
static int unit_done(void) UNIT_UNUSED;


static int
unit_check(int ok, const char *file, int line, const char *fmt, ...)
{
    va_list  args;

    unit_tests++;

    if (!ok) {
        unit_failed++;
    }

    printf("%sok %d - ", ok ? "" : "not ", unit_tests);

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);

    if (!ok) {
        printf(" (%s:%d)", file, line);
    }

    printf("\n");
    fflush(stdout);

    return ok;
}


static void
NOTE(const char *fmt, ...)
{
    va_list  args;

    printf("# ");

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);

    printf("\n");
    fflush(stdout);
}


static int
unit_done(void)
{
    printf("%d passed, %d failed\n", unit_tests - unit_failed, unit_failed);
    fflush(stdout);

    return unit_failed ? 1 : 0;
}


#endif /* _APIGW_UNIT_H_INCLUDED_ */
