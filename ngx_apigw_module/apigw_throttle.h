
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_THROTTLE_H_INCLUDED_
#define _APIGW_THROTTLE_H_INCLUDED_


/* token buckets as GCRA (apigw_throttle.c), nginx-free */

#include "apigw_keys.h"


#define APIGW_NS_PER_SEC    1000000000LL

/* one bucket's verdict at one moment */
typedef struct {
    unsigned                admitted:1;
    int64_t                 tat;            /* the bucket's new state */
    uint32_t                remaining;      /* requests that would pass now */
    int64_t                 reset;          /* ns until the bucket is full */
    int64_t                 retry_after;    /* ns until one passes */
} apigw_gcra_t;

/* ns between tokens */
int64_t apigw_gcra_interval(const apigw_throttle_t *t);
/*
 * the bucket whose state is tat (0: never used) at time now, both in
 * ns: 1 admitted, 0 not; g->tat is what to store when admitted
 */
int apigw_gcra_check(const apigw_throttle_t *t, int64_t tat, int64_t now,
    apigw_gcra_t *g);


/*
 * the UTC day, week (from Sunday + offset days) or month (from its day
 * offset + 1) holding now, in seconds
 */
void apigw_quota_window(apigw_quota_period_e period, unsigned offset,
    int64_t now, int64_t *start, int64_t *end);
/* days since 1970-01-01 of a civil date */
int64_t apigw_days_from_civil(int64_t y, int64_t m, int64_t d);


#endif /* _APIGW_THROTTLE_H_INCLUDED_ */
