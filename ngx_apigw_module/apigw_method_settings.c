
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_method_settings.h"


/*
 * apigw_method_settings "KEY" NAME=VALUE ...: the key names operations of
 * a stage the way AWS's methodSettings do, or by the gateway's route key;
 * the settings are the ones a stage can give one operation.  Keys match
 * paths as the spec writes them, parameter names included: nothing here
 * routes a request.
 */


typedef int (*apigw_setting_parse_pt)(apigw_method_settings_t *s,
    int *member, const char *value, size_t len, char *why, size_t whylen);

typedef struct {
    const char                *name;
    size_t                     offset;     /* of its int in the settings */
    apigw_setting_parse_pt     parse;
} apigw_setting_t;


static int apigw_method_key_resource(const char *s, size_t len, char *path,
    apigw_method_key_t *key, const char **why);
static int apigw_method_key_method(const char *s, size_t len, int *method,
    const char **why);
static int apigw_setting_flag(apigw_method_settings_t *s, int *member,
    const char *value, size_t len, char *why, size_t whylen);
static int apigw_setting_throttle(apigw_method_settings_t *s, int *member,
    const char *value, size_t len, char *why, size_t whylen);
static int apigw_setting_cache_ttl(apigw_method_settings_t *s, int *member,
    const char *value, size_t len, char *why, size_t whylen);
static int apigw_setting_strategy(apigw_method_settings_t *s, int *member,
    const char *value, size_t len, char *why, size_t whylen);
static int apigw_setting_log_level(apigw_method_settings_t *s, int *member,
    const char *value, size_t len, char *why, size_t whylen);
static int apigw_setting_is(const char *value, size_t len, const char *word);


#define APIGW_SETTING(name, member, parse)                                    \
    { name, offsetof(apigw_method_settings_t, member), parse }

static const apigw_setting_t  apigw_settings[] = {
    APIGW_SETTING("throttle", throttle, apigw_setting_throttle),
    APIGW_SETTING("cache", cache, apigw_setting_flag),
    APIGW_SETTING("cache_ttl", cache_ttl, apigw_setting_cache_ttl),
    APIGW_SETTING("cache_require_authorization",
                  cache_require_authorization, apigw_setting_flag),
    APIGW_SETTING("cache_unauthorized_strategy", cache_unauthorized,
                  apigw_setting_strategy),
    APIGW_SETTING("log_level", log_level, apigw_setting_log_level),
    APIGW_SETTING("metrics", metrics, apigw_setting_flag),
    APIGW_SETTING("validation_details", validation_details,
                  apigw_setting_flag),
    { NULL, 0, NULL }
};

#define APIGW_SETTING_NAMES                                                   \
    "throttle, cache, cache_ttl, cache_require_authorization, "              \
    "cache_unauthorized_strategy, log_level, metrics, validation_details"


/* in apigw_cache_unauthorized_e order */
static const char  *apigw_setting_strategies[] = {
    "FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER",
    "SUCCEED_WITHOUT_RESPONSE_HEADER", NULL
};

/* AWS's loggingLevel values and nginx's level names */
static const struct {
    const char                *name;
    apigw_log_level_e          level;
} apigw_setting_log_levels[] = {
    { "off", APIGW_LOG_CRIT },
    { "emerg", APIGW_LOG_EMERG },
    { "alert", APIGW_LOG_ALERT },
    { "crit", APIGW_LOG_CRIT },
    { "error", APIGW_LOG_ERR },
    { "warn", APIGW_LOG_WARN },
    { "notice", APIGW_LOG_NOTICE },
    { "info", APIGW_LOG_INFO },
    { NULL, 0 }
};


int
apigw_method_key_parse(const char *s, size_t len, char *path,
    apigw_method_key_t *key, const char **why)
{
    const char  *sp, *slash;

    if (len == 3 && memcmp(s, "*/*", 3) == 0) {
        key->method = APIGW_ANY_METHOD;
        key->path = NULL;
        key->path_len = 0;
        return 0;
    }

    sp = memchr(s, ' ', len);

    if (sp) {
        /* the route key: "GET /pets/{petId}" */

        if (apigw_method_key_method(s, sp - s, &key->method, why) != 0) {
            return -1;
        }

        len -= sp + 1 - s;
        s = sp + 1;

        if (len == 0 || s[0] != '/') {
            *why = "the resource after the method must be a path such as "
                   "/pets/{petId}, as the spec writes it";
            return -1;
        }

        if (memchr(s, ' ', len) != NULL) {
            *why = "a key has one space, between the method and the path";
            return -1;
        }

        memcpy(path, s, len);
        path[len] = '\0';
        key->path = path;
        key->path_len = len;

        return 0;
    }

    /* AWS's: "/pets/{petId}/GET", "~1pets~1{petId}/GET", "/pets/" "*" */

    slash = NULL;

    for (sp = s + len; sp > s; sp--) {
        if (sp[-1] == '/') {
            slash = sp - 1;
            break;
        }
    }

    if (slash == NULL) {
        *why = "a key is \"*/*\", RESOURCE/METHOD as AWS writes it "
               "(\"/pets/{petId}/GET\") or \"METHOD RESOURCE\" "
               "(\"GET /pets/{petId}\")";
        return -1;
    }

    if (apigw_method_key_method(slash + 1, s + len - slash - 1, &key->method,
                                why)
        != 0)
    {
        return -1;
    }

    return apigw_method_key_resource(s, slash - s, path, key, why);
}


/*
 * AWS's resource path: "/" between segments, or "~1" (CloudFormation's
 * "/~1pets~1{petId}" and Terraform's "pets/{petId}" included); "*" only
 * in the star key
 */
static int
apigw_method_key_resource(const char *s, size_t len, char *path,
    apigw_method_key_t *key, const char **why)
{
    char        *p;
    const char  *end;

    if (len == 1 && s[0] == '*') {
        *why = "AWS's keys have \"*\" for the resource only in \"*/*\"";
        return -1;
    }

    end = s + len;

    if (len >= 3 && memcmp(s, "/~1", 3) == 0) {
        s++;
    }

    p = path;

    if (s == end || (s[0] != '/' && !(end - s >= 2 && s[0] == '~'
                                       && s[1] == '1')))
    {
        *p++ = '/';
    }

    while (s < end) {
        if (s[0] == '~' && end - s >= 2 && (s[1] == '1' || s[1] == '0')) {
            *p++ = (s[1] == '1') ? '/' : '~';
            s += 2;
            continue;
        }

        *p++ = *s++;
    }

    *p = '\0';

    key->path = path;
    key->path_len = p - path;

    return 0;
}


static int
apigw_method_key_method(const char *s, size_t len, int *method,
    const char **why)
{
    if (len == 1 && s[0] == '*') {
        *method = APIGW_ANY_METHOD;
        return 0;
    }

    *method = apigw_method_index(s, len);

    if (*method < 0) {
        *why = "the method is not one of GET, PUT, POST, DELETE, OPTIONS, "
               "HEAD, PATCH, TRACE, ANY or \"*\"";
        return -1;
    }

    return 0;
}


int
apigw_method_key_equal(const apigw_method_key_t *a,
    const apigw_method_key_t *b)
{
    if (a->method != b->method || (a->path == NULL) != (b->path == NULL)) {
        return 0;
    }

    return a->path == NULL
           || (a->path_len == b->path_len
               && memcmp(a->path, b->path, a->path_len) == 0);
}


int
apigw_method_key_rank(const apigw_method_key_t *key,
    const apigw_operation_t *op)
{
    int  named;

    if (key->path == NULL) {
        return 0;
    }

    if (key->method != APIGW_ANY_METHOD && key->method != op->method) {
        return -1;
    }

    named = (key->method != APIGW_ANY_METHOD);

    if (strlen(op->route_path) == key->path_len
        && memcmp(op->route_path, key->path, key->path_len) == 0)
    {
        return 1 + named;
    }

    if (strlen(op->path) == key->path_len
        && memcmp(op->path, key->path, key->path_len) == 0)
    {
        return 3 + named;
    }

    return -1;
}


void
apigw_method_settings_init(apigw_method_settings_t *s)
{
    const apigw_setting_t  *st;

    memset(s, 0, sizeof(apigw_method_settings_t));

    for (st = apigw_settings; st->name; st++) {
        *(int *) ((char *) s + st->offset) = APIGW_SETTING_UNSET;
    }
}


int
apigw_method_setting_parse(apigw_method_settings_t *s, const char *arg,
    size_t len, char *why, size_t whylen)
{
    int                    *member;
    size_t                  nlen;
    const char             *eq;
    const apigw_setting_t  *st;

    eq = memchr(arg, '=', len);

    if (eq == NULL) {
        snprintf(why, whylen, "a setting is NAME=VALUE, NAME one of "
                 APIGW_SETTING_NAMES);
        return -1;
    }

    nlen = eq - arg;

    for (st = apigw_settings; st->name; st++) {
        if (strlen(st->name) == nlen && memcmp(st->name, arg, nlen) == 0) {
            break;
        }
    }

    if (st->name == NULL) {
        snprintf(why, whylen, "unknown setting \"%.*s\": one of "
                 APIGW_SETTING_NAMES, (int) nlen, arg);
        return -1;
    }

    member = (int *) ((char *) s + st->offset);

    if (*member != APIGW_SETTING_UNSET) {
        snprintf(why, whylen, "%s is set twice", st->name);
        return -1;
    }

    return st->parse(s, member, eq + 1, len - nlen - 1, why, whylen);
}


static int
apigw_setting_flag(apigw_method_settings_t *s, int *member, const char *value,
    size_t len, char *why, size_t whylen)
{
    (void) s;

    if (apigw_setting_is(value, len, "on")) {
        *member = 1;
        return 0;
    }

    if (apigw_setting_is(value, len, "off")) {
        *member = 0;
        return 0;
    }

    snprintf(why, whylen, "\"%.*s\" is not on or off", (int) len, value);
    return -1;
}


/* RATE/BURST as apigw_throttle takes them, or off */
static int
apigw_setting_throttle(apigw_method_settings_t *s, int *member,
    const char *value, size_t len, char *why, size_t whylen)
{
    char        buf[64], *end;
    long        burst;
    double      rate;
    const char  *slash;

    if (apigw_setting_is(value, len, "off")) {
        *member = 0;
        return 0;
    }

    slash = memchr(value, '/', len);

    if (slash == NULL || len >= sizeof(buf)) {
        goto invalid;
    }

    memcpy(buf, value, len);
    buf[len] = '\0';
    buf[slash - value] = '\0';

    rate = strtod(buf, &end);

    if (end == buf || *end != '\0' || !(rate > 0)
        || rate > APIGW_THROTTLE_MAX_RATE)
    {
        goto invalid;
    }

    end = buf + (slash - value) + 1;

    if (*end < '0' || *end > '9') {
        goto invalid;
    }

    burst = strtol(end, &end, 10);

    if (*end != '\0' || burst < 1 || burst > APIGW_THROTTLE_MAX_BURST) {
        goto invalid;
    }

    *member = 1;
    s->limits.rate = rate;
    s->limits.burst = (uint32_t) burst;

    return 0;

invalid:

    snprintf(why, whylen, "throttle is RATE/BURST (requests a second, above "
             "0 and at most %.0f; the bucket's size, an integer from 1 to "
             "%d) or off, not \"%.*s\"", APIGW_THROTTLE_MAX_RATE,
             APIGW_THROTTLE_MAX_BURST, (int) len, value);
    return -1;
}


/* whole seconds, as AWS's cacheTtlInSeconds; "s" may follow */
static int
apigw_setting_cache_ttl(apigw_method_settings_t *s, int *member,
    const char *value, size_t len, char *why, size_t whylen)
{
    int     ttl;
    size_t  i, digits;

    (void) s;

    digits = (len && value[len - 1] == 's') ? len - 1 : len;
    ttl = 0;

    for (i = 0; i < digits; i++) {
        if (value[i] < '0' || value[i] > '9' || i == 4) {
            goto invalid;
        }

        ttl = ttl * 10 + (value[i] - '0');
    }

    if (digits == 0 || ttl > APIGW_CACHE_TTL_MAX) {
        goto invalid;
    }

    *member = ttl;

    return 0;

invalid:

    snprintf(why, whylen, "cache_ttl is whole seconds from 0 to %d, not "
             "\"%.*s\"", APIGW_CACHE_TTL_MAX, (int) len, value);
    return -1;
}


static int
apigw_setting_strategy(apigw_method_settings_t *s, int *member,
    const char *value, size_t len, char *why, size_t whylen)
{
    int  i;

    (void) s;

    for (i = 0; apigw_setting_strategies[i]; i++) {
        if (strlen(apigw_setting_strategies[i]) == len
            && memcmp(apigw_setting_strategies[i], value, len) == 0)
        {
            *member = i;
            return 0;
        }
    }

    snprintf(why, whylen, "cache_unauthorized_strategy is FAIL_WITH_403, "
             "SUCCEED_WITH_RESPONSE_HEADER or "
             "SUCCEED_WITHOUT_RESPONSE_HEADER, not \"%.*s\"", (int) len,
             value);
    return -1;
}


static int
apigw_setting_log_level(apigw_method_settings_t *s, int *member,
    const char *value, size_t len, char *why, size_t whylen)
{
    int  i;

    (void) s;

    for (i = 0; apigw_setting_log_levels[i].name; i++) {
        if (strlen(apigw_setting_log_levels[i].name) == len
            && strncasecmp(apigw_setting_log_levels[i].name, value, len) == 0)
        {
            *member = apigw_setting_log_levels[i].level;
            return 0;
        }
    }

    snprintf(why, whylen, "log_level is off, error or info (AWS's), or one "
             "of nginx's levels emerg, alert, crit, warn and notice, not "
             "\"%.*s\"", (int) len, value);
    return -1;
}


static int
apigw_setting_is(const char *value, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(value, word, len) == 0;
}


void
apigw_method_settings_resolve(const apigw_method_entry_t *entries, size_t n,
    const apigw_operation_t *op, apigw_method_settings_t *out)
{
    int                             rank, *member;
    int                             ranks[sizeof(apigw_settings)
                                          / sizeof(apigw_setting_t)];
    size_t                          i, k;
    const int                      *from;
    const apigw_setting_t          *st;
    const apigw_method_settings_t  *s;

    apigw_method_settings_init(out);

    for (k = 0; apigw_settings[k].name; k++) {
        ranks[k] = -1;
    }

    for (i = 0; i < n; i++) {
        rank = apigw_method_key_rank(&entries[i].key, op);

        if (rank < 0) {
            continue;
        }

        s = &entries[i].settings;

        for (k = 0, st = apigw_settings; st->name; k++, st++) {
            from = (const int *) ((const char *) s + st->offset);

            if (*from == APIGW_SETTING_UNSET || rank <= ranks[k]) {
                continue;
            }

            ranks[k] = rank;
            member = (int *) ((char *) out + st->offset);
            *member = *from;

            if (member == &out->throttle) {
                out->limits = s->limits;

            } else if (member == &out->cache) {
                out->cache_method_named =
                                 (entries[i].key.method != APIGW_ANY_METHOD);
            }
        }
    }
}
