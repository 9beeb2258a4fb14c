
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the keys file (apigw_keys.c), the security schemes of a
 * spec (apigw_spec_security.c) and the token buckets (apigw_throttle.c)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apigw_keys.h"
#include "apigw_throttle.h"
#include "unit.h"


#define SEC     APIGW_NS_PER_SEC

static apigw_error_t  err;


static const char *
write_tmp(const char *text)
{
    FILE         *f;
    static char   path[64];

    snprintf(path, sizeof(path), "/tmp/apigw-unit-keys-%d.yaml",
             (int) getpid());

    f = fopen(path, "w");
    if (f == NULL) {
        exit(2);
    }

    fputs(text, f);
    fclose(f);

    return path;
}


static apigw_keys_t *
load(const char *text)
{
    memset(&err, 0, sizeof(err));
    return apigw_keys_load(write_tmp(text), &err);
}


static int
load_fails(const char *text, const char *pointer, const char *msg_part)
{
    int            ok;
    apigw_keys_t  *keys;

    keys = load(text);
    ok = (keys == NULL && strcmp(err.pointer, pointer) == 0
          && strstr(err.message, msg_part) != NULL);

    if (!ok) {
        printf("# loaded: %s; pointer \"%s\" message \"%s\"\n",
               keys ? "yes" : "no", err.pointer, err.message);
    }

    apigw_keys_free(keys);

    return ok;
}


static void
test_keys(void)
{
    apigw_keys_t              *keys;
    const apigw_key_t         *k;
    const apigw_plan_stage_t  *ps;
    const apigw_throttle_t    *t;

    keys = load("plans:\n"
                "  - id: gold\n"
                "    throttle: {rate: 2.5, burst: 5}\n"
                "    quota: {limit: 1000, period: WEEK}\n"
                "    stages:\n"
                "      - stage: pets/prod\n"
                "        throttle: {\"GET /pets/{id}\": {rate: 1, burst: 1}}\n"
                "      - {stage: pets/beta}\n"
                "keys:\n"
                "  - {id: a, name: Ann, value: \"aaaaaaaaaaaaaaaaaaaa\","
                " plan: gold}\n"
                /* sha256("bbbbbbbbbbbbbbbbbbbb") */
                "  - {id: b, sha256: \"efbe42620ff99f5929a6316de76740a3"
                "a55aa641f6e69538c83995156933d7d0\", plan: gold,"
                " enabled: false}\n");

    CHECK(keys != NULL, "a keys file loads: %s", err.message);

    if (keys == NULL) {
        return;
    }

    CHECK(keys->nplans == 1 && keys->nkeys == 2, "one plan, two keys");
    CHECK(keys->plans[0].throttle.rate == 2.5
          && keys->plans[0].throttle.burst == 5, "the plan's throttle");
    CHECK(keys->plans[0].quota.limit == 1000
          && keys->plans[0].quota.period == APIGW_QUOTA_WEEK,
          "the plan's quota");

    k = apigw_keys_find(keys, "bbbbbbbbbbbbbbbbbbbb", 20);
    CHECK(k != NULL && strcmp(k->id, "b") == 0 && !k->enabled,
          "a key found by the digest of its value, disabled");

    k = apigw_keys_find(keys, "aaaaaaaaaaaaaaaaaaaa", 20);
    CHECK(k != NULL && strcmp(k->id, "a") == 0 && k->enabled
          && strcmp(k->name, "Ann") == 0, "a key found by its value");
    CHECK(apigw_keys_find(keys, "aaaaaaaaaaaaaaaaaaab", 20) == NULL,
          "a near miss is not found");
    CHECK(apigw_keys_find(keys, "aaaaaaaaaaaaaaaaaaa", 19) == NULL,
          "19 characters are not a key");

    CHECK(apigw_keys_find(keys, "", 0) == NULL, "an empty key");

    ps = apigw_plan_stage(&keys->plans[0], "pets", 4, "prod", 4);
    CHECK(ps != NULL, "the plan covers pets/prod");
    CHECK(apigw_plan_stage(&keys->plans[0], "pets", 4, "dev", 3) == NULL,
          "but not pets/dev");
    CHECK(apigw_plan_stage(&keys->plans[0], "pet", 3, "prod", 4) == NULL,
          "nor pet/prod");

    t = ps ? apigw_plan_op_throttle(ps, "GET /pets/{id}") : NULL;
    CHECK(t != NULL && t->rate == 1 && t->burst == 1,
          "a per-operation throttle");
    CHECK(ps == NULL || apigw_plan_op_throttle(ps, "GET /pets") == NULL,
          "no throttle for another operation");

    apigw_keys_free(keys);

    CHECK(load_fails("keys:\n  - {id: a, value: \"aaaaaaaaaaaaaaaaaaaa\","
                     " plan: gold}\n", "/keys/0/plan", "no plan \"gold\""),
          "a key of no plan");
    CHECK(load_fails("plans:\n  - {id: p, stages: [{stage: a/b}]}\n"
                     "keys:\n  - {id: a, plan: p}\n", "/keys/0",
                     "either \"value\" or \"sha256\""),
          "a key with neither value nor digest");
    CHECK(load_fails("plans:\n  - {id: p, stages: [{stage: a/b}]}\n"
                     "  - {id: p, stages: [{stage: a/b}]}\n", "/plans/1",
                     "defined twice"),
          "a plan twice");
    CHECK(load_fails("plans:\n  - {id: p}\n", "/plans/0",
                     "needs \"stages\""),
          "a plan without stages");
    CHECK(load_fails("plans:\n  - {id: p, stages: [{stage: a/b}],"
                     " quota: {limit: 5, period: YEAR}}\n",
                     "/plans/0/quota/period", "DAY, WEEK or MONTH"),
          "a quota period");
    CHECK(load_fails("plans:\n  - {id: p, stages: [{stage: a/b,"
                     " throttle: {pets: {rate: 1, burst: 1}}}]}\n",
                     "/plans/0/stages/0/throttle/pets",
                     "not an operation"),
          "a per-operation throttle's key");
    CHECK(load_fails("plans:\n  - {id: p, stages: [{stage: a/b}],"
                     " quota: {limit: 5, period: WEEK, offset: 7}}\n",
                     "/plans/0/quota/offset", "from 0 to 6"),
          "a week's offset");
    CHECK(load_fails("plans:\n  - {id: p, stages: [{stage: a/b}],"
                     " throttle: {rate: 1, burst: 0}}\n",
                     "/plans/0/throttle/burst", "from 1 to"),
          "a burst of 0");
    CHECK(load_fails("plans:\n  - {id: p, stages: [{stage: a/b}],"
                     " throttle: {rate: 1, burst: 2, x: 1}}\n",
                     "/plans/0/throttle/x", "unknown member"),
          "a throttle's unknown member");
    CHECK(load_fails("[]\n", "", "must be an object"), "not an object");
}


static void
test_gcra(void)
{
    int               i, n;
    int64_t           tat, now;
    apigw_gcra_t      g;
    apigw_throttle_t  t;

    t.rate = 10;
    t.burst = 5;
    tat = 0;
    now = 1000 * SEC;

    /* a full bucket: burst at once, then nothing */
    for (n = 0, i = 0; i < 20; i++) {
        if (apigw_gcra_check(&t, tat, now, &g)) {
            tat = g.tat;
            n++;

            CHECK(g.remaining == (uint32_t) (5 - n), "remaining %u after %d",
                  g.remaining, n);
        }
    }

    CHECK(n == 5, "a full bucket of 5 admits 5 at once (%d)", n);

    apigw_gcra_check(&t, tat, now, &g);
    CHECK(!g.admitted && g.retry_after == SEC / 10,
          "then one token in 100 ms (%lld ns)", (long long) g.retry_after);
    CHECK(g.reset == SEC / 2, "full again in 500 ms (%lld)",
          (long long) g.reset);

    /* refill: one more after 100 ms, not before */
    CHECK(!apigw_gcra_check(&t, tat, now + SEC / 10 - 1, &g),
          "not 1 ns early");
    CHECK(apigw_gcra_check(&t, tat, now + SEC / 10, &g), "on time");

    /* steady: over 10 s at three times the rate, rate x 10 + burst pass */
    t.rate = 100;
    t.burst = 50;
    tat = 0;

    for (n = 0, i = 0; i < 3000; i++) {
        now = 5000 * SEC + (int64_t) i * SEC / 300;

        if (apigw_gcra_check(&t, tat, now, &g)) {
            tat = g.tat;
            n++;
        }
    }

    CHECK(n >= 1049 && n <= 1051, "10 s at 300/s through 100/s burst 50: "
          "%d admitted (1,050 expected)", n);

    /* fractional rates: 0.5/s, burst 1 */
    t.rate = 0.5;
    t.burst = 1;
    tat = 0;
    now = 100 * SEC;

    CHECK(apigw_gcra_check(&t, tat, now, &g), "0.5/s: the first");
    tat = g.tat;
    CHECK(!apigw_gcra_check(&t, tat, now + SEC, &g)
          && g.retry_after == SEC, "0.5/s: not after 1 s");
    CHECK(apigw_gcra_check(&t, tat, now + 2 * SEC, &g), "0.5/s: after 2 s");
}


static void
test_quota_windows(void)
{
    int64_t  start, end;

    /* Sunday 2026-11-22 10:00 UTC */
    apigw_quota_window(APIGW_QUOTA_DAY, 0, 1795341600, &start, &end);
    CHECK(start == 1795305600 && end == 1795392000, "the day");

    apigw_quota_window(APIGW_QUOTA_WEEK, 0, 1795341600, &start, &end);
    CHECK(start == 1795305600 && end == 1795910400,
          "the week from Sunday 2026-11-22");

    apigw_quota_window(APIGW_QUOTA_WEEK, 1, 1795341600, &start, &end);
    CHECK(start == 1794787200 && end == 1795392000,
          "offset 1: the week from Monday 2026-11-16");

    apigw_quota_window(APIGW_QUOTA_WEEK, 1, 1795392000, &start, &end);
    CHECK(start == 1795392000, "offset 1: a Monday starts its own week");

    apigw_quota_window(APIGW_QUOTA_MONTH, 14, 1795341600, &start, &end);
    CHECK(start == 1794700800 && end == 1797292800,
          "offset 14: from the 15th of November to the 15th of December");

    apigw_quota_window(APIGW_QUOTA_MONTH, 24, 1795341600, &start, &end);
    CHECK(start == 1792886400 && end == 1795564800,
          "offset 24: from the 25th of October to the 25th of November");

    apigw_quota_window(APIGW_QUOTA_MONTH, 0, 1795341600, &start, &end);
    CHECK(start == 1793491200 && end == 1796083200, "November 2026");

    apigw_quota_window(APIGW_QUOTA_MONTH, 0, 1798761599, &start, &end);
    CHECK(end == 1798761600, "December ends at the new year");

    apigw_quota_window(APIGW_QUOTA_MONTH, 0, 1835438400, &start, &end);
    CHECK(start == 1832976000 && end == 1835481600, "February 2028, leap");
}


int
main(void)
{
    test_keys();
    test_gcra();
    test_quota_windows();

    unlink(write_tmp(""));

    return unit_done();
}
