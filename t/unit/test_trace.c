
/*
 * Copyright (C) apigw contributors
 */


/* unit tests for trace context: traceparent and X-Amzn-Trace-Id */

#include <stdio.h>
#include <string.h>

#include "apigw_trace.h"
#include "unit.h"


#define TP(s)  apigw_traceparent_parse(s, strlen(s), &t)
#define XR(s)  apigw_xray_parse(s, strlen(s), &t)


int
main(void)
{
    char            out[128], hex[128];
    size_t          n;
    apigw_trace_t   t;
    unsigned char   span[8] = { 0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7 };

    CHECK(TP("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
          "W3C's example");
    apigw_trace_hex(t.trace_id, 16, hex);
    CHECK(memcmp(hex, "4bf92f3577b34da6a3ce929d0e0e4736", 32) == 0
          && t.flags == 1, "its trace id and sampled flag");
    apigw_trace_hex(t.parent_id, 8, hex);
    CHECK(memcmp(hex, "00f067aa0ba902b7", 16) == 0, "its parent id");

    CHECK(!TP("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
          "upper-case hex refused");
    CHECK(!TP("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
          "a trace id of zeros refused");
    CHECK(!TP("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
          "a parent id of zeros refused");
    CHECK(!TP("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
          "version ff refused");
    CHECK(!TP("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"),
          "version 00 with more refused");
    CHECK(TP("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"),
          "a later version with more: read as 00");
    CHECK(!TP("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01xyz"),
          "a later version, more without a dash: refused");
    CHECK(!TP("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"),
          "cut short");
    CHECK(!TP(""), "empty");
    CHECK(TP("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02")
          && t.flags == 0, "flags other than sampled are not passed on");

    TP("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    apigw_traceparent_format(&t, span, out);
    CHECK(memcmp(out, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"
                 "-01", APIGW_TRACEPARENT_LEN) == 0, "formatted again");

    n = apigw_xray_format(&t, span, out);
    out[n] = '\0';
    CHECK(strcmp(out, "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;"
                 "Parent=00f067aa0ba902b7;Sampled=1") == 0
          && n <= APIGW_XRAY_LEN, "X-Amzn-Trace-Id: %s", out);

    apigw_traceparent_format(&t, span, out);
    n = apigw_xray_from_traceparent(out, hex);
    hex[n] = '\0';
    CHECK(strcmp(hex, "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;"
                 "Parent=00f067aa0ba902b7;Sampled=1") == 0,
          "X-Amzn-Trace-Id from the traceparent: %s", hex);

    CHECK(XR("Root=1-5759e988-bd862e3fe1be46a994272793;"
             "Parent=53995c3f42cd8ad8;Sampled=1"), "X-Ray's example");
    apigw_trace_hex(t.trace_id, 16, hex);
    CHECK(memcmp(hex, "5759e988bd862e3fe1be46a994272793", 32) == 0
          && t.flags == 1, "its trace id");
    CHECK(XR("Root=1-5759e988-bd862e3fe1be46a994272793"), "Root alone");
    CHECK(XR("Self=1-5759e988-bd862e3fe1be46a994272793; "
             "Root=1-5759e988-bd862e3fe1be46a994272793"),
          "Root after another field");
    CHECK(!XR("Root=1-5759e988-bd862e3fe1be46a99427279"), "Root cut short");
    CHECK(!XR("Root=2-5759e988-bd862e3fe1be46a994272793"), "Root version 2");
    CHECK(!XR("Parent=53995c3f42cd8ad8"), "no Root");

    return unit_done();
}
