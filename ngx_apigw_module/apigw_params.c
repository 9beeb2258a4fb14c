
/*
 * Copyright (C) apigw contributors
 */


#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_core.h"


/*
 * Request parameters as received, turned into the JSON values their
 * schemas check: query strings and cookies split, OpenAPI's style and
 * explode rules applied, numbers and booleans converted.  A text that does
 * not convert stays a string, so the schema names the type it expected.
 */


static json_t *apigw_param_array(const apigw_parameter_t *p, const char *s,
    size_t len, const apigw_pair_t *pairs, size_t npairs);
static json_t *apigw_param_object(const apigw_parameter_t *p, const char *s,
    size_t len, const apigw_pair_t *pairs, size_t npairs);
static int apigw_param_split(json_t *array, apigw_type_e type, const char *s,
    size_t len, char sep);
static apigw_type_e apigw_param_prop_type(const apigw_parameter_t *p,
    const char *name, size_t len);
static size_t apigw_param_matrix(const apigw_parameter_t *p, const char *s,
    size_t len, const char **value);
static size_t apigw_query_split(const char *s, size_t len, char *scratch,
    apigw_pair_t *pairs, size_t max, int form);
static size_t apigw_unescape_query(const char *s, size_t len, char *dst,
    int form);


const char  *apigw_context_names[APIGW_CTX_COUNT + 1] = {
    "requestId",
    "extendedRequestId",
    "stage",
    "apiId",
    "httpMethod",
    "resourcePath",
    "resourceId",
    "path",
    "protocol",
    "domainName",
    "requestTime",
    "requestTimeEpoch",
    "identity.sourceIp",
    "identity.userAgent",
    "identity.apiKeyId",
    "xrayTraceId",
    "operationName",
    "error.message",
    "error.messageString",
    "error.responseType",
    "error.validationErrorString",
    "deploymentId",
    "isCanaryRequest",
    "authorizer.principalId",
    "authorizer.claims.",
    "authorizer.",
    NULL
};


const char *
apigw_param_in_name(apigw_param_in_e in)
{
    static const char  *names[] = { "path", "query", "header", "cookie" };

    return names[in];
}


int
apigw_context_index(const char *name, size_t len)
{
    int     i;
    size_t  n;

    for (i = 0; i < APIGW_CTX_COUNT; i++) {
        n = strlen(apigw_context_names[i]);

        if (apigw_context_names[i][n - 1] == '.') {
            /* a prefix, and a key that is not empty */
            if (len > n && memcmp(apigw_context_names[i], name, n) == 0) {
                return i;
            }

        } else if (n == len && memcmp(apigw_context_names[i], name, len) == 0)
        {
            return i;
        }
    }

    return -1;
}


const char *
apigw_context_key(int index, const char *name, size_t len, size_t *key_len)
{
    size_t  n;

    *key_len = 0;

    if (index < 0 || index >= APIGW_CTX_COUNT) {
        return name;
    }

    n = strlen(apigw_context_names[index]);

    if (apigw_context_names[index][n - 1] != '.' || len <= n) {
        return name;
    }

    *key_len = len - n;

    return name + n;
}


/* "a=1&b=x+y%21": form-decoded into scratch (len bytes); empty names skip */
size_t
apigw_query_parse(const char *s, size_t len, char *scratch,
    apigw_pair_t *pairs, size_t max)
{
    return apigw_query_split(s, len, scratch, pairs, max, 1);
}


/* "a=1&b=x+y%21" as RFC 3986 reads it, "+" a plus sign, as AWS does */
size_t
apigw_query_parse_uri(const char *s, size_t len, char *scratch,
    apigw_pair_t *pairs, size_t max)
{
    return apigw_query_split(s, len, scratch, pairs, max, 0);
}


static size_t
apigw_query_split(const char *s, size_t len, char *scratch,
    apigw_pair_t *pairs, size_t max, int form)
{
    size_t       n, nlen, vlen;
    const char  *end, *amp, *eq;

    n = 0;
    end = s + len;

    while (s < end && n < max) {
        amp = memchr(s, '&', end - s);

        if (amp == NULL) {
            amp = end;
        }

        eq = memchr(s, '=', amp - s);

        if (eq == NULL) {
            eq = amp;
        }

        if (eq > s) {
            nlen = apigw_unescape_query(s, eq - s, scratch, form);
            pairs[n].name = scratch;
            pairs[n].name_len = nlen;
            scratch += nlen;

            vlen = (eq < amp) ? apigw_unescape_query(eq + 1, amp - eq - 1,
                                                     scratch, form)
                              : 0;
            pairs[n].value = scratch;
            pairs[n].value_len = vlen;
            scratch += vlen;

            n++;
        }

        s = amp + 1;
    }

    return n;
}


/* "a=1; b=2": values as sent (cookies are not form-encoded) */
size_t
apigw_cookie_parse(const char *s, size_t len, apigw_pair_t *pairs,
    size_t max, size_t n)
{
    const char  *end, *semi, *eq, *name, *nend, *value, *vend;

    end = s + len;

    while (s < end && n < max) {
        semi = memchr(s, ';', end - s);

        if (semi == NULL) {
            semi = end;
        }

        eq = memchr(s, '=', semi - s);

        if (eq) {
            name = s;
            nend = eq;
            value = eq + 1;
            vend = semi;

            while (name < nend && (*name == ' ' || *name == '\t')) {
                name++;
            }

            while (nend > name && (nend[-1] == ' ' || nend[-1] == '\t')) {
                nend--;
            }

            while (value < vend && (*value == ' ' || *value == '\t')) {
                value++;
            }

            while (vend > value && (vend[-1] == ' ' || vend[-1] == '\t')) {
                vend--;
            }

            if (vend - value >= 2 && *value == '"' && vend[-1] == '"') {
                value++;
                vend--;
            }

            if (nend > name) {
                pairs[n].name = name;
                pairs[n].name_len = nend - name;
                pairs[n].value = value;
                pairs[n].value_len = vend - value;
                n++;
            }
        }

        s = semi + 1;
    }

    return n;
}


/*
 * The parameter's value: from "text" for path, header and cookie
 * parameters (NULL: absent), from the query's pairs for query ones.
 * Every text the value is made of must be UTF-8, as JSON strings are:
 * APIGW_PARAM_NOT_UTF8 when one is not, whatever the schema would say.
 */
int
apigw_param_value(const apigw_parameter_t *p, const char *text, size_t len,
    const apigw_pair_t *pairs, size_t npairs, json_t **value)
{
    size_t       i, plen;
    const char  *name;

    *value = NULL;

    if (p->in == APIGW_IN_QUERY) {
        text = NULL;

        for (i = 0; i < npairs; i++) {
            name = pairs[i].name;
            plen = pairs[i].name_len;

            if (plen == p->name_len && memcmp(name, p->name, plen) == 0) {
                if (!apigw_utf8_valid(pairs[i].value, pairs[i].value_len)) {
                    return APIGW_PARAM_NOT_UTF8;
                }

                if (text == NULL) {
                    text = pairs[i].value;
                    len = pairs[i].value_len;
                }

                continue;
            }

            /* deepObject "p[k]=v", exploded objects' own property names */
            if (p->type == APIGW_TYPE_OBJECT
                && ((p->style == APIGW_STYLE_DEEP_OBJECT
                     && plen > p->name_len + 2
                     && memcmp(name, p->name, p->name_len) == 0
                     && name[p->name_len] == '[')
                    || (p->style == APIGW_STYLE_FORM && p->explode
                        && apigw_param_prop_type(p, name, plen)
                           != (apigw_type_e) -1)))
            {
                if (!apigw_utf8_valid(name, plen)
                    || !apigw_utf8_valid(pairs[i].value, pairs[i].value_len))
                {
                    return APIGW_PARAM_NOT_UTF8;
                }

                if (text == NULL) {
                    text = "";
                    len = 0;
                }
            }
        }

        if (text == NULL) {
            return APIGW_PARAM_ABSENT;
        }

    } else if (text == NULL) {
        return APIGW_PARAM_ABSENT;

    } else if (!apigw_utf8_valid(text, len)) {
        return APIGW_PARAM_NOT_UTF8;
    }

    if (p->in == APIGW_IN_PATH && p->style == APIGW_STYLE_MATRIX) {
        len = apigw_param_matrix(p, text, len, &text);
    }

    if (p->in == APIGW_IN_PATH && p->style == APIGW_STYLE_LABEL
        && len && text[0] == '.')
    {
        text++;
        len--;
    }

    if (p->json) {
        *value = json_loadb(text, len, JSON_DECODE_ANY, NULL);

        if (*value == NULL) {
            *value = json_stringn(text, len);
        }

    } else if (p->type == APIGW_TYPE_ARRAY) {
        *value = apigw_param_array(p, text, len, pairs, npairs);

    } else if (p->type == APIGW_TYPE_OBJECT) {
        *value = apigw_param_object(p, text, len, pairs, npairs);

    } else {
        *value = apigw_param_scalar(p->type, text, len);
    }

    return *value ? APIGW_PARAM_FOUND : APIGW_PARAM_ERROR;
}


/* integer, number and boolean texts converted; anything else a string */
json_t *
apigw_param_scalar(apigw_type_e type, const char *s, size_t len)
{
    char        buf[64], *end;
    double      d;
    size_t      i;
    long long   v;

    switch (type) {

    case APIGW_TYPE_BOOLEAN:
        if (len == 4 && memcmp(s, "true", 4) == 0) {
            return json_true();
        }

        if (len == 5 && memcmp(s, "false", 5) == 0) {
            return json_false();
        }

        break;

    case APIGW_TYPE_INTEGER:
    case APIGW_TYPE_NUMBER:
        if (len == 0 || len >= sizeof(buf)) {
            break;
        }

        for (i = 0; i < len; i++) {
            if (strchr("0123456789+-.eE", s[i]) == NULL || s[i] == '\0') {
                return json_stringn(s, len);
            }
        }

        memcpy(buf, s, len);
        buf[len] = '\0';

        errno = 0;
        v = strtoll(buf, &end, 10);

        if (*end == '\0' && errno == 0) {
            return json_integer(v);
        }

        if (type == APIGW_TYPE_INTEGER && *end == '\0') {
            /* out of range: a number the schema's type check refuses */
            d = strtod(buf, &end);
            return isfinite(d) ? json_real(d) : json_stringn(s, len);
        }

        d = strtod(buf, &end);

        if (*end == '\0' && isfinite(d)) {
            return json_real(d);
        }

        break;

    default:
        break;
    }

    return json_stringn(s, len);
}


static json_t *
apigw_param_array(const apigw_parameter_t *p, const char *s, size_t len,
    const apigw_pair_t *pairs, size_t npairs)
{
    char     sep;
    size_t   i;
    json_t  *array;

    array = json_array();
    if (array == NULL) {
        return NULL;
    }

    if (p->in == APIGW_IN_QUERY && p->style == APIGW_STYLE_FORM && p->explode)
    {
        for (i = 0; i < npairs; i++) {
            if (pairs[i].name_len == p->name_len
                && memcmp(pairs[i].name, p->name, p->name_len) == 0
                && json_array_append_new(array,
                                         apigw_param_scalar(p->item_type,
                                                            pairs[i].value,
                                                            pairs[i]
                                                            .value_len))
                   != 0)
            {
                json_decref(array);
                return NULL;
            }
        }

        return array;
    }

    switch (p->style) {
    case APIGW_STYLE_SPACE_DELIMITED:
        sep = ' ';
        break;
    case APIGW_STYLE_PIPE_DELIMITED:
        sep = '|';
        break;
    case APIGW_STYLE_LABEL:
        sep = p->explode ? '.' : ',';
        break;
    default:
        sep = ',';
    }

    if (apigw_param_split(array, p->item_type, s, len, sep) != 0) {
        json_decref(array);
        return NULL;
    }

    return array;
}


static int
apigw_param_split(json_t *array, apigw_type_e type, const char *s,
    size_t len, char sep)
{
    const char  *end, *next;

    if (len == 0) {
        return 0;
    }

    end = s + len;

    for ( ;; ) {
        next = memchr(s, sep, end - s);

        if (next == NULL) {
            next = end;
        }

        if (json_array_append_new(array, apigw_param_scalar(type, s,
                                                            next - s))
            != 0)
        {
            return -1;
        }

        if (next == end) {
            return 0;
        }

        s = next + 1;
    }
}


static json_t *
apigw_param_object(const apigw_parameter_t *p, const char *s, size_t len,
    const apigw_pair_t *pairs, size_t npairs)
{
    char          sep;
    size_t        i, n, klen;
    json_t       *object, *parts, *k, *v;
    const char   *key, *eq, *name;
    apigw_type_e  type;

    object = json_object();
    if (object == NULL) {
        return NULL;
    }

    if (p->in == APIGW_IN_QUERY
        && (p->style == APIGW_STYLE_DEEP_OBJECT || p->explode))
    {
        for (i = 0; i < npairs; i++) {
            name = pairs[i].name;
            klen = pairs[i].name_len;

            if (p->style == APIGW_STYLE_DEEP_OBJECT) {
                if (klen < p->name_len + 3
                    || memcmp(name, p->name, p->name_len) != 0
                    || name[p->name_len] != '['
                    || name[klen - 1] != ']')
                {
                    continue;
                }

                name += p->name_len + 1;
                klen -= p->name_len + 2;
            }

            type = apigw_param_prop_type(p, name, klen);

            if (type == (apigw_type_e) -1) {
                if (p->style != APIGW_STYLE_DEEP_OBJECT) {
                    continue;
                }

                type = APIGW_TYPE_STRING;
            }

            k = json_stringn(name, klen);

            if (k == NULL) {
                goto failed;
            }

            v = apigw_param_scalar(type, pairs[i].value, pairs[i].value_len);

            if (v == NULL
                || json_object_setn_new(object, json_string_value(k), klen,
                                        v) != 0)
            {
                json_decref(k);
                goto failed;
            }

            json_decref(k);
        }

        return object;
    }

    /* "k,v,k,v", or exploded "k=v,k=v" ("." between them for label) */

    sep = (p->style == APIGW_STYLE_LABEL && p->explode) ? '.' : ',';

    parts = json_array();

    if (parts == NULL || apigw_param_split(parts, APIGW_TYPE_STRING, s, len,
                                           sep) != 0)
    {
        json_decref(parts);
        goto failed;
    }

    n = json_array_size(parts);

    for (i = 0; i < n; i++) {
        key = json_string_value(json_array_get(parts, i));
        klen = json_string_length(json_array_get(parts, i));

        if (p->explode) {
            eq = memchr(key, '=', klen);

            if (eq == NULL) {
                continue;
            }

            s = eq + 1;
            len = klen - (eq + 1 - key);
            klen = eq - key;

        } else {
            if (++i == n) {
                break;
            }

            s = json_string_value(json_array_get(parts, i));
            len = json_string_length(json_array_get(parts, i));
        }

        type = apigw_param_prop_type(p, key, klen);

        v = apigw_param_scalar(type == (apigw_type_e) -1 ? APIGW_TYPE_STRING
                                                         : type,
                               s, len);

        if (v == NULL || json_object_setn_new(object, key, klen, v) != 0) {
            json_decref(parts);
            goto failed;
        }
    }

    json_decref(parts);

    return object;

failed:

    json_decref(object);
    return NULL;
}


static apigw_type_e
apigw_param_prop_type(const apigw_parameter_t *p, const char *name,
    size_t len)
{
    size_t  i;

    for (i = 0; i < p->nprops; i++) {
        if (strlen(p->props[i].name) == len
            && memcmp(p->props[i].name, name, len) == 0)
        {
            return p->props[i].type;
        }
    }

    return (apigw_type_e) -1;
}


/* ";id=5" or ";id=3,4,5"; exploded ";id=3;id=4" becomes "3,4" in place */
static size_t
apigw_param_matrix(const apigw_parameter_t *p, const char *s, size_t len,
    const char **value)
{
    if (len > p->name_len + 1 && s[0] == ';'
        && memcmp(s + 1, p->name, p->name_len) == 0
        && s[p->name_len + 1] == '=')
    {
        *value = s + p->name_len + 2;
        return len - p->name_len - 2;
    }

    *value = s;
    return len;
}


/* "%XX" a byte, bad escapes as they are; form: "+" is a space */
static size_t
apigw_unescape_query(const char *s, size_t len, char *dst, int form)
{
    int          hi, lo;
    char        *d;
    const char  *end;

    d = dst;
    end = s + len;

    while (s < end) {
        if (form && *s == '+') {
            *d++ = ' ';
            s++;
            continue;
        }

        if (*s == '%' && end - s >= 3) {
            hi = apigw_hex_digit((unsigned char) s[1]);
            lo = apigw_hex_digit((unsigned char) s[2]);

            if (hi >= 0 && lo >= 0) {
                *d++ = (char) (hi * 16 + lo);
                s += 3;
                continue;
            }
        }

        *d++ = *s++;
    }

    return d - dst;
}


/*
 * "application/json; charset=utf-8" against a declared content map:
 * the exact type, then its type's wildcard, then the wildcard of all.
 * NULL: no declared media type matches.
 */
const apigw_media_t *
apigw_media_match(const apigw_content_t *content, const char *type,
    size_t len)
{
    size_t               i, main;
    const char          *slash;
    const apigw_media_t *m, *wild, *any;

    while (len && (type[len - 1] == ' ' || type[len - 1] == '\t')) {
        len--;
    }

    slash = memchr(type, '/', len);
    main = slash ? (size_t) (slash - type) : len;

    wild = NULL;
    any = NULL;

    for (i = 0; i < content->nmedia; i++) {
        m = &content->media[i];

        if (m->type_len == len && strncasecmp(m->type, type, len) == 0) {
            return m;
        }

        if (m->type_len == 3 && memcmp(m->type, "*/*", 3) == 0) {
            any = m;

        } else if (m->type_len == main + 2
                   && strncasecmp(m->type, type, main) == 0
                   && memcmp(m->type + main, "/*", 2) == 0)
        {
            wild = m;
        }
    }

    return wild ? wild : any;
}


/* is a received content type JSON: application/json, x/y+json */
int
apigw_content_type_is_json(const char *type, size_t len)
{
    while (len && (type[len - 1] == ' ' || type[len - 1] == '\t')) {
        len--;
    }

    return (len == 16 && strncasecmp(type, "application/json", 16) == 0)
           || (len > 5 && strncasecmp(type + len - 5, "+json", 5) == 0);
}
