
/*
 * Copyright (C) apigw contributors
 */


#include <string.h>

#include "apigw_throttle.h"


/*
 * Token buckets as GCRA: a bucket of rate r and size b admits a request
 * at time "now" when its theoretical arrival time "tat" is at most
 * now + tau, tau = (b - 1) / r, and the admitted request moves tat to
 * max(tat, now) + 1 / r.  Exactly AWS's token bucket: b requests at
 * once when full, then r a second; one number per bucket.  Times are
 * nanoseconds.
 */


int
apigw_throttle_parse(const apigw_loc_t *loc, apigw_throttle_t *t,
    apigw_error_t *err)
{
    json_t       *v;
    const char   *key;
    apigw_loc_t   child;

    if (!json_is_object(loc->node)) {
        apigw_loc_error(err, loc, "a throttle must be an object such as "
                        "{rate: 10, burst: 20}");
        return -1;
    }

    json_object_foreach(loc->node, key, v) {
        if (strcmp(key, "rate") != 0 && strcmp(key, "burst") != 0) {
            apigw_loc_child(loc, &child, key, v);
            apigw_loc_error(err, &child, "unknown member \"%s\" (a throttle "
                            "has \"rate\" and \"burst\")", key);
            return -1;
        }
    }

    v = json_object_get(loc->node, "rate");

    if (!json_is_number(v) || !(json_number_value(v) > 0)
        || json_number_value(v) > APIGW_THROTTLE_MAX_RATE)
    {
        if (v) {
            apigw_loc_child(loc, &child, "rate", v);
        }

        apigw_loc_error(err, v ? &child : loc, "a throttle needs \"rate\": "
                        "requests a second, above 0 and at most %.0f",
                        APIGW_THROTTLE_MAX_RATE);
        return -1;
    }

    t->rate = json_number_value(v);

    v = json_object_get(loc->node, "burst");

    if (!json_is_integer(v) || json_integer_value(v) < 1
        || json_integer_value(v) > APIGW_THROTTLE_MAX_BURST)
    {
        if (v) {
            apigw_loc_child(loc, &child, "burst", v);
        }

        apigw_loc_error(err, v ? &child : loc, "a throttle needs \"burst\": "
                        "the bucket's size, an integer from 1 to %d",
                        APIGW_THROTTLE_MAX_BURST);
        return -1;
    }

    t->burst = (uint32_t) json_integer_value(v);

    return 0;
}


int64_t
apigw_gcra_interval(const apigw_throttle_t *t)
{
    double  ns;

    ns = 1e9 / t->rate;

    return ns < 1 ? 1 : (int64_t) (ns + 0.5);
}


int
apigw_gcra_check(const apigw_throttle_t *t, int64_t tat, int64_t now,
    apigw_gcra_t *g)
{
    int64_t  interval, tau, start, allowed;

    interval = apigw_gcra_interval(t);
    tau = interval * ((int64_t) t->burst - 1);
    start = tat > now ? tat : now;
    allowed = now + tau;

    g->admitted = (start <= allowed);

    if (!g->admitted) {
        g->tat = tat;
        g->remaining = 0;
        g->retry_after = start - allowed;
        g->reset = start - now;
        return 0;
    }

    g->tat = start + interval;
    g->retry_after = 0;
    g->reset = g->tat - now;

    /* what could still pass now, after this one */
    g->remaining = (g->tat <= allowed)
                   ? (uint32_t) ((allowed - g->tat) / interval + 1) : 0;

    return 1;
}
