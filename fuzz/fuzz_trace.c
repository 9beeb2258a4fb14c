
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: trace headers as clients send them, traceparent and
 * X-Amzn-Trace-Id (apigw_trace.c).
 *
 * Checks, besides the sanitizers: a traceparent taken has ids not all
 * zeros, and formats back to the same first 55 bytes when its version is
 * 00 and its flags 00 or 01; an X-Amzn-Trace-Id taken has a trace id not
 * all zeros and formats within APIGW_XRAY_LEN.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_trace.h"


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_trace: %s\n", what);
    abort();
}


static int
fuzz_zero(const unsigned char *p, size_t len)
{
    while (len--) {
        if (*p++) {
            return 0;
        }
    }

    return 1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char           *copy, out[APIGW_XRAY_LEN + APIGW_TRACEPARENT_LEN];
    size_t          n;
    apigw_trace_t   t;

    if (size > 4096) {
        return 0;
    }

    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);

    if (apigw_traceparent_parse(copy, size, &t)) {
        if (fuzz_zero(t.trace_id, 16) || fuzz_zero(t.parent_id, 8)) {
            fuzz_fail("a traceparent with an id of zeros taken");
        }

        apigw_traceparent_format(&t, t.parent_id, out);

        if (size == APIGW_TRACEPARENT_LEN && memcmp(copy, "00-", 3) == 0
            && (memcmp(copy + 53, "00", 2) == 0
                || memcmp(copy + 53, "01", 2) == 0)
            && memcmp(out, copy, APIGW_TRACEPARENT_LEN) != 0)
        {
            fuzz_fail("a traceparent does not format back");
        }
    }

    if (apigw_xray_parse(copy, size, &t)) {
        if (fuzz_zero(t.trace_id, 16)) {
            fuzz_fail("an X-Amzn-Trace-Id with a Root of zeros taken");
        }

        n = apigw_xray_format(&t, t.parent_id, out);

        if (n > APIGW_XRAY_LEN) {
            fuzz_fail("an X-Amzn-Trace-Id formatted too long");
        }
    }

    free(copy);

    return 0;
}
