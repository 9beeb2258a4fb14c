
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_TRACE_H_INCLUDED_
#define _APIGW_TRACE_H_INCLUDED_


/*
 * Trace context by propagation, nginx-free: W3C Trace Context's
 * traceparent (version 00, and later versions read as 00 says), and AWS
 * X-Ray's X-Amzn-Trace-Id, to and from one trace id.
 */

#include <stddef.h>
#include <stdint.h>


#define APIGW_TRACEPARENT_LEN   55      /* 00-32hex-16hex-2hex */
#define APIGW_XRAY_LEN          80      /* Root=1-8-24;Parent=16;Sampled=1 */


typedef struct {
    unsigned char   trace_id[16];
    unsigned char   parent_id[8];       /* the caller's span */
    unsigned char   flags;              /* 0x01: sampled */
} apigw_trace_t;


/*
 * a traceparent header: 1 and *t when valid (two hex digits of version
 * other than ff; version 00 exactly 55 bytes, a later one at least that
 * and "-" after; lower-case hex; trace and parent ids not all zeros),
 * else 0
 */
int apigw_traceparent_parse(const char *s, size_t len, apigw_trace_t *t);
/* X-Amzn-Trace-Id's Root=1-XXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXX (and Parent,
 * Sampled): 1 and *t when it has a valid Root, else 0 */
int apigw_xray_parse(const char *s, size_t len, apigw_trace_t *t);

/* "00-trace-span-flags", APIGW_TRACEPARENT_LEN bytes, no NUL */
void apigw_traceparent_format(const apigw_trace_t *t,
    const unsigned char span[8], char *out);
/* "Root=1-...;Parent=span;Sampled=0|1": returns the length (at most
 * APIGW_XRAY_LEN) */
size_t apigw_xray_format(const apigw_trace_t *t, const unsigned char span[8],
    char *out);
/* the same from a traceparent formatted by apigw_traceparent_format() */
size_t apigw_xray_from_traceparent(const char *tp, char *out);
/* 2 * len lower-case hex digits */
void apigw_trace_hex(const unsigned char *in, size_t len, char *out);


#endif /* _APIGW_TRACE_H_INCLUDED_ */
