
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
    apigw_loc_t   child;

    static const char  *members[] = { "rate", "burst", NULL };

    if (!json_is_object(loc->node)) {
        apigw_loc_error(err, loc, "a throttle must be an object such as "
                        "{rate: 10, burst: 20}");
        return -1;
    }

    if (apigw_loc_check_members(loc, members,
                                "(a throttle has \"rate\" and \"burst\")",
                                err)
        != 0)
    {
        return -1;
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


/*
 * the quota period holding now (seconds since the epoch), in UTC: a day
 * from midnight; a week from Sunday, or offset days after it; a month
 * from its first day, or offset days after it (AWS's "the day that a time
 * period starts")
 */
void
apigw_quota_window(apigw_quota_period_e period, unsigned offset, int64_t now,
    int64_t *start, int64_t *end)
{
    int64_t  days, y, m, dom, doy, doe, yoe, era, mp, weekday, first, next;

    days = now >= 0 ? now / 86400 : (now - 86399) / 86400;

    switch (period) {

    case APIGW_QUOTA_WEEK:
        /* 1970-01-01 was a Thursday; 0 Thursday ... 3 Sunday */
        weekday = ((days % 7) + 7) % 7;
        first = days - ((weekday - (3 + (int64_t) offset) % 7) + 7) % 7;
        *start = first * 86400;
        *end = *start + 7 * 86400;
        return;

    case APIGW_QUOTA_MONTH:
        /* the civil date of days (H. Hinnant's algorithm) */
        doe = days + 719468;
        era = (doe >= 0 ? doe : doe - 146096) / 146097;
        doe -= era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        y = yoe + era * 400;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        dom = doy - (153 * mp + 2) / 5 + 1;
        m = mp < 10 ? mp + 3 : mp - 9;
        y += (m <= 2);

        /* the period starts on day offset + 1 of a month */
        if (dom <= (int64_t) offset) {
            y -= (m == 1);
            m = (m == 1) ? 12 : m - 1;
        }

        first = apigw_days_from_civil(y, m, 1 + offset);
        next = (m == 12) ? apigw_days_from_civil(y + 1, 1, 1 + offset)
                         : apigw_days_from_civil(y, m + 1, 1 + offset);
        *start = first * 86400;
        *end = next * 86400;
        return;

    default:
        *start = days * 86400;
        *end = *start + 86400;
        return;
    }
}


int64_t
apigw_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    int64_t  era, yoe, doy, doe;

    y -= (m <= 2);
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}
