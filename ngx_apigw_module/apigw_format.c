
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"


/*
 * String syntaxes: the "format" keyword's checks and RFC 3986 reference
 * resolution for $ref.  Every check is a single pass over ASCII; anything
 * outside ASCII fails the string formats (those are not IRIs or IDNs).
 */


typedef struct {
    const char             *p;
    size_t                  len;
    int                     defined;
} apigw_uri_part_t;

typedef struct {
    apigw_uri_part_t        scheme;
    apigw_uri_part_t        authority;
    apigw_uri_part_t        path;
    apigw_uri_part_t        query;
    apigw_uri_part_t        fragment;
} apigw_uri_parts_t;


static int apigw_fmt_digits(const char *p, size_t n, int *value);
static int apigw_fmt_date(const char *s, size_t len);
static int apigw_fmt_time(const char *s, size_t len);
static int apigw_fmt_date_time(const char *s, size_t len);
static int apigw_fmt_email(const char *s, size_t len);
static int apigw_fmt_hostname(const char *s, size_t len);
static int apigw_fmt_ipv4(const char *s, size_t len);
static int apigw_fmt_ipv6(const char *s, size_t len);
static int apigw_fmt_uri(const char *s, size_t len);
static int apigw_fmt_uri_chars(const char *s, size_t len, const char *extra);
static int apigw_fmt_authority(const char *s, size_t len);
static int apigw_fmt_uuid(const char *s, size_t len);
static int apigw_fmt_byte(const char *s, size_t len);
static int apigw_fmt_integer(const apigw_sch_scalar_t *sv, double min,
    double max);
static int apigw_fmt_hex(int c);
static void apigw_uri_split(const char *s, size_t len,
    apigw_uri_parts_t *u);
static size_t apigw_uri_remove_dots(char *path, size_t len);


static const char  *apigw_formats[] = {
    "", "date", "date-time", "time", "email", "hostname", "ipv4", "ipv6",
    "uri", "uuid", "int32", "int64", "float", "double", "byte"
};


int
apigw_format_lookup(const char *name)
{
    int  i;

    for (i = 1; i < (int) (sizeof(apigw_formats) / sizeof(char *)); i++) {
        if (strcmp(apigw_formats[i], name) == 0) {
            return i;
        }
    }

    return APIGW_FMT_NONE;
}


const char *
apigw_format_name(int format)
{
    if (format <= 0
        || format >= (int) (sizeof(apigw_formats) / sizeof(char *)))
    {
        return "";
    }

    return apigw_formats[format];
}


/* 1: the value conforms, or the format does not apply to its type */
int
apigw_format_check(int format, const apigw_sch_scalar_t *sv)
{
    size_t       len;
    const char  *s;

    switch (format) {

    case APIGW_FMT_INT32:
        return apigw_fmt_integer(sv, -2147483648.0, 2147483647.0);

    case APIGW_FMT_INT64:
        return apigw_fmt_integer(sv, -9223372036854775808.0,
                                 9223372036854775807.0);

    case APIGW_FMT_FLOAT:
    case APIGW_FMT_DOUBLE:
    case APIGW_FMT_NONE:
        return 1;

    default:
        break;
    }

    if (sv->type != JSON_STRING) {
        return 1;
    }

    s = sv->s;
    len = sv->len;

    switch (format) {

    case APIGW_FMT_DATE:
        return apigw_fmt_date(s, len);

    case APIGW_FMT_DATE_TIME:
        return apigw_fmt_date_time(s, len);

    case APIGW_FMT_TIME:
        return apigw_fmt_time(s, len);

    case APIGW_FMT_EMAIL:
        return apigw_fmt_email(s, len);

    case APIGW_FMT_HOSTNAME:
        return apigw_fmt_hostname(s, len);

    case APIGW_FMT_IPV4:
        return apigw_fmt_ipv4(s, len);

    case APIGW_FMT_IPV6:
        return apigw_fmt_ipv6(s, len);

    case APIGW_FMT_URI:
        return apigw_fmt_uri(s, len);

    case APIGW_FMT_UUID:
        return apigw_fmt_uuid(s, len);

    case APIGW_FMT_BYTE:
        return apigw_fmt_byte(s, len);
    }

    return 1;
}


/* an integer-valued number within [min, max]; other types pass */
static int
apigw_fmt_integer(const apigw_sch_scalar_t *sv, double min, double max)
{
    double      d;
    json_int_t  i;

    if (sv->type == JSON_INTEGER) {
        i = sv->i;

        /* int64: every json_int_t; int32: compared exactly */
        return max > 2147483647.0
               || (i >= (json_int_t) min && i <= (json_int_t) max);
    }

    if (sv->type != JSON_REAL) {
        return 1;
    }

    d = sv->d;

    /* 2^63 is exact as a double and out of the int64 range */
    if (!(d >= min) || d > max || d >= 9223372036854775808.0) {
        return 0;
    }

    return d == (double) (long long) d;
}


static int
apigw_fmt_digits(const char *p, size_t n, int *value)
{
    int  v;

    for (v = 0; n; n--, p++) {
        if (*p < '0' || *p > '9') {
            return 0;
        }

        v = v * 10 + (*p - '0');
    }

    *value = v;

    return 1;
}


/* RFC 3339 full-date: 2024-02-29 */
static int
apigw_fmt_date(const char *s, size_t len)
{
    int                y, m, d, max;
    static const char  days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                  30, 31 };

    if (len != 10 || s[4] != '-' || s[7] != '-'
        || !apigw_fmt_digits(s, 4, &y) || !apigw_fmt_digits(s + 5, 2, &m)
        || !apigw_fmt_digits(s + 8, 2, &d))
    {
        return 0;
    }

    if (m < 1 || m > 12 || d < 1) {
        return 0;
    }

    max = days[m - 1];

    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) {
        max = 29;
    }

    return d <= max;
}


/*
 * RFC 3339 full-time: 23:20:50.52Z, 08:30:06-08:00; "Z" in either case.
 * A leap second (:60) is accepted only where it falls at 23:59 UTC once
 * the offset is applied.
 */
static int
apigw_fmt_time(const char *s, size_t len)
{
    int     h, m, sec, oh, om, utc;
    size_t  i;

    if (len < 9 || s[2] != ':' || s[5] != ':'
        || !apigw_fmt_digits(s, 2, &h) || !apigw_fmt_digits(s + 3, 2, &m)
        || !apigw_fmt_digits(s + 6, 2, &sec))
    {
        return 0;
    }

    if (h > 23 || m > 59 || sec > 60) {
        return 0;
    }

    i = 8;

    if (s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            /* void */
        }

        if (i == 9) {
            return 0;
        }
    }

    if (i == len) {
        return 0;
    }

    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
        oh = 0;
        om = 0;

    } else if ((s[i] == '+' || s[i] == '-') && len - i == 6
               && s[i + 3] == ':'
               && apigw_fmt_digits(s + i + 1, 2, &oh)
               && apigw_fmt_digits(s + i + 4, 2, &om))
    {
        if (oh > 23 || om > 59) {
            return 0;
        }

        if (s[i] == '-') {
            oh = -oh;
            om = -om;
        }

    } else {
        return 0;
    }

    if (sec == 60) {
        utc = ((h * 60 + m - (oh * 60 + om)) % 1440 + 1440) % 1440;

        if (utc != 23 * 60 + 59) {
            return 0;
        }
    }

    return 1;
}


static int
apigw_fmt_date_time(const char *s, size_t len)
{
    return len > 11 && (s[10] == 'T' || s[10] == 't')
           && apigw_fmt_date(s, 10) && apigw_fmt_time(s + 11, len - 11);
}


/*
 * RFC 5321 Mailbox: a dot-atom or quoted-string local part of at most 64
 * octets, "@", and a host name or an address literal ([192.0.2.1],
 * [IPv6:2001:db8::1])
 */
static int
apigw_fmt_email(const char *s, size_t len)
{
    size_t       i;
    const char  *d;
    int          c, dot;

    if (len == 0) {
        return 0;
    }

    i = 0;

    if (s[0] == '"') {
        for (i = 1; i < len && s[i] != '"'; i++) {
            if (s[i] == '\\') {
                i++;

                if (i == len || s[i] < 0x20 || s[i] > 0x7e) {
                    return 0;
                }

            } else if (s[i] < 0x20 || s[i] > 0x7e) {
                return 0;
            }
        }

        if (i == len) {
            return 0;
        }

        i++;

    } else {
        dot = 1;

        for ( /* void */ ; i < len && s[i] != '@'; i++) {
            c = (unsigned char) s[i];

            if (c == '.') {
                if (dot) {
                    return 0;
                }

                dot = 1;
                continue;
            }

            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9')
                  || (c < 0x80 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL)))
            {
                return 0;
            }

            dot = 0;
        }

        if (dot) {
            return 0;
        }
    }

    if (i > 64 || i >= len || s[i] != '@') {
        return 0;
    }

    d = s + i + 1;
    len -= i + 1;

    if (len > 2 && d[0] == '[' && d[len - 1] == ']') {
        if (len > 7 && memcmp(d + 1, "IPv6:", 5) == 0) {
            return apigw_fmt_ipv6(d + 6, len - 7);
        }

        return apigw_fmt_ipv4(d + 1, len - 2);
    }

    return apigw_fmt_hostname(d, len);
}


/*
 * RFC 1123 host name: labels of 1-63 letters, digits and hyphens, not
 * starting or ending with a hyphen, at most 253 characters, no trailing
 * dot; "xn--" labels are not decoded
 */
static int
apigw_fmt_hostname(const char *s, size_t len)
{
    size_t  i, label;
    int     c;

    if (len == 0 || len > 253) {
        return 0;
    }

    label = 0;

    for (i = 0; i <= len; i++) {
        c = (i == len) ? '.' : (unsigned char) s[i];

        if (c == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-') {
                return 0;
            }

            label = 0;
            continue;
        }

        if (c == '-') {
            if (label == 0) {
                return 0;
            }

        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                     || (c >= '0' && c <= '9')))
        {
            return 0;
        }

        label++;
    }

    return 1;
}


/* dotted quad, 0-255, no leading zeros */
static int
apigw_fmt_ipv4(const char *s, size_t len)
{
    int     parts, v;
    size_t  i, start;

    parts = 0;
    i = 0;

    for ( ;; ) {
        start = i;
        v = 0;

        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
            v = v * 10 + (s[i++] - '0');
        }

        if (i == start || v > 255 || (s[start] == '0' && i - start > 1)) {
            return 0;
        }

        if (++parts == 4) {
            return i == len;
        }

        if (i == len || s[i] != '.') {
            return 0;
        }

        i++;
    }
}


/* RFC 4291 text form: hex groups, one "::", an IPv4 tail; no zone */
static int
apigw_fmt_ipv6(const char *s, size_t len)
{
    int     groups, elided;
    size_t  i, start;

    if (len < 2 || len > 45) {
        return 0;
    }

    groups = 0;
    elided = 0;
    i = 0;

    if (s[0] == ':') {
        if (s[1] != ':') {
            return 0;
        }

        elided = 1;
        i = 2;

        if (i == len) {
            return 1;
        }
    }

    for ( ;; ) {
        start = i;

        while (i < len && apigw_fmt_hex((unsigned char) s[i]) >= 0) {
            i++;
        }

        if (i < len && s[i] == '.') {
            if (groups > 6 || !apigw_fmt_ipv4(s + start, len - start)) {
                return 0;
            }

            groups += 2;
            break;
        }

        if (i == start || i - start > 4) {
            return 0;
        }

        groups++;

        if (i == len) {
            break;
        }

        if (s[i++] != ':' || i == len) {
            return 0;
        }

        if (s[i] == ':') {
            if (elided) {
                return 0;
            }

            elided = 1;

            if (++i == len) {
                break;
            }
        }
    }

    return elided ? groups <= 7 : groups == 8;
}


static int
apigw_fmt_hex(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/*
 * unreserved, sub-delims and percent-escapes, plus the characters in
 * "extra"
 */
static int
apigw_fmt_uri_chars(const char *s, size_t len, const char *extra)
{
    size_t  i;
    int     c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (apigw_uri_unreserved(c)) {
            continue;
        }

        if (c == '%') {
            if (i + 2 >= len) {
                return 0;
            }

            if (apigw_fmt_hex((unsigned char) s[i + 1]) < 0
                || apigw_fmt_hex((unsigned char) s[i + 2]) < 0)
            {
                return 0;
            }

            i += 2;
            continue;
        }

        if (c != 0 && c < 0x80
            && (strchr("!$&'()*+,;=", c) != NULL
                || strchr(extra, c) != NULL))
        {
            continue;
        }

        return 0;
    }

    return 1;
}


/* [userinfo "@"] host [":" port] */
static int
apigw_fmt_authority(const char *s, size_t len)
{
    size_t       i;
    const char  *at, *host, *end;

    at = memchr(s, '@', len);

    if (at != NULL) {
        if (!apigw_fmt_uri_chars(s, at - s, ":")) {
            return 0;
        }

        host = at + 1;

    } else {
        host = s;
    }

    end = s + len;

    if (host < end && *host == '[') {
        for (i = 1; host + i < end && host[i] != ']'; i++) {
            /* void */
        }

        if (host + i == end) {
            return 0;
        }

        if (i > 1 && (host[1] == 'v' || host[1] == 'V')) {
            /* IPvFuture */
            if (!apigw_fmt_uri_chars(host + 2, i - 2, ":")
                || memchr(host + 2, '.', i - 2) == NULL)
            {
                return 0;
            }

        } else if (!apigw_fmt_ipv6(host + 1, i - 1)) {
            return 0;
        }

        host += i + 1;

    } else {
        while (host < end && *host != ':') {
            host++;
        }

        if (!apigw_fmt_uri_chars(at ? at + 1 : s, host - (at ? at + 1 : s),
                                 ""))
        {
            return 0;
        }
    }

    if (host == end) {
        return 1;
    }

    if (*host++ != ':') {
        return 0;
    }

    for ( /* void */ ; host < end; host++) {
        if (*host < '0' || *host > '9') {
            return 0;
        }
    }

    return 1;
}


/* RFC 3986 URI: an absolute URI, with a scheme; fragment allowed */
static int
apigw_fmt_uri(const char *s, size_t len)
{
    apigw_uri_parts_t  u;
    size_t             i;
    int                c;

    if (len == 0 || memchr(s, '\0', len) != NULL) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c <= 0x20 || c >= 0x7f) {
            return 0;
        }
    }

    apigw_uri_split(s, len, &u);

    if (!u.scheme.defined || u.scheme.len == 0) {
        return 0;
    }

    c = (unsigned char) s[0];

    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        return 0;
    }

    for (i = 1; i < u.scheme.len; i++) {
        c = (unsigned char) s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
        {
            return 0;
        }
    }

    if (u.authority.defined
        && !apigw_fmt_authority(u.authority.p, u.authority.len))
    {
        return 0;
    }

    return apigw_fmt_uri_chars(u.path.p, u.path.len, ":@/")
           && (!u.query.defined
               || apigw_fmt_uri_chars(u.query.p, u.query.len, ":@/?"))
           && (!u.fragment.defined
               || apigw_fmt_uri_chars(u.fragment.p, u.fragment.len,
                                      ":@/?"));
}


/* 8-4-4-4-12 hex digits, any version */
static int
apigw_fmt_uuid(const char *s, size_t len)
{
    size_t  i;

    if (len != 36) {
        return 0;
    }

    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return 0;
            }

        } else if (apigw_fmt_hex((unsigned char) s[i]) < 0) {
            return 0;
        }
    }

    return 1;
}


/* RFC 4648 base64, standard alphabet, padded, no whitespace */
static int
apigw_fmt_byte(const char *s, size_t len)
{
    size_t  i;
    int     c;

    if (len % 4) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '+' || c == '/')
        {
            continue;
        }

        if (c == '=' && (i == len - 1 || (i == len - 2 && s[len - 1] == '=')))
        {
            continue;
        }

        return 0;
    }

    return 1;
}


/* RFC 3986 appendix B */
static void
apigw_uri_split(const char *s, size_t len, apigw_uri_parts_t *u)
{
    const char  *p, *end;

    memset(u, 0, sizeof(apigw_uri_parts_t));
    end = s + len;

    for (p = s; p < end && *p != ':' && *p != '/' && *p != '?' && *p != '#';
         p++)
    {
        /* void */
    }

    if (p < end && *p == ':' && p > s) {
        u->scheme.p = s;
        u->scheme.len = p - s;
        u->scheme.defined = 1;
        s = p + 1;
    }

    if (end - s >= 2 && s[0] == '/' && s[1] == '/') {
        s += 2;

        for (p = s; p < end && *p != '/' && *p != '?' && *p != '#'; p++) {
            /* void */
        }

        u->authority.p = s;
        u->authority.len = p - s;
        u->authority.defined = 1;
        s = p;
    }

    for (p = s; p < end && *p != '?' && *p != '#'; p++) {
        /* void */
    }

    u->path.p = s;
    u->path.len = p - s;
    u->path.defined = 1;
    s = p;

    if (s < end && *s == '?') {
        for (p = ++s; p < end && *p != '#'; p++) {
            /* void */
        }

        u->query.p = s;
        u->query.len = p - s;
        u->query.defined = 1;
        s = p;
    }

    if (s < end && *s == '#') {
        s++;
        u->fragment.p = s;
        u->fragment.len = end - s;
        u->fragment.defined = 1;
    }
}


/* RFC 3986 5.2.4, in place; returns the new length */
static size_t
apigw_uri_remove_dots(char *path, size_t len)
{
    char    *in, *end, *out;
    size_t   n;

    in = path;
    end = path + len;
    out = path;

    while (in < end) {
        n = end - in;

        if (n >= 3 && memcmp(in, "../", 3) == 0) {
            in += 3;

        } else if (n >= 2 && memcmp(in, "./", 2) == 0) {
            in += 2;

        } else if (n >= 3 && memcmp(in, "/./", 3) == 0) {
            in += 2;

        } else if (n == 2 && memcmp(in, "/.", 2) == 0) {
            in += 1;
            *in = '/';

        } else if ((n >= 4 && memcmp(in, "/../", 4) == 0)
                   || (n == 3 && memcmp(in, "/..", 3) == 0))
        {
            if (n == 3) {
                in += 2;
                *in = '/';

            } else {
                in += 3;
            }

            while (out > path && *--out != '/') {
                /* void */
            }

        } else if ((n == 1 && in[0] == '.')
                   || (n == 2 && in[0] == '.' && in[1] == '.'))
        {
            in = end;

        } else {
            do {
                *out++ = *in++;
            } while (in < end && *in != '/');
        }
    }

    return out - path;
}


/* RFC 3986 5.2.2: the target URI of ref against base */
char *
apigw_uri_resolve(const char *base, const char *ref)
{
    char               *t, *p, *path;
    size_t              size, n;
    apigw_uri_parts_t   b, r;
    apigw_uri_part_t    scheme, authority, query;
    const char         *slash;

    apigw_uri_split(base, strlen(base), &b);
    apigw_uri_split(ref, strlen(ref), &r);

    size = strlen(base) + strlen(ref) + 8;

    t = malloc(size);
    path = malloc(size);
    if (t == NULL || path == NULL) {
        free(t);
        free(path);
        return NULL;
    }

    n = 0;

    if (r.scheme.defined) {
        scheme = r.scheme;
        authority = r.authority;
        memcpy(path, r.path.p, r.path.len);
        n = r.path.len;
        query = r.query;

    } else {
        scheme = b.scheme;

        if (r.authority.defined) {
            authority = r.authority;
            memcpy(path, r.path.p, r.path.len);
            n = r.path.len;
            query = r.query;

        } else {
            authority = b.authority;

            if (r.path.len == 0) {
                memcpy(path, b.path.p, b.path.len);
                n = b.path.len;
                query = r.query.defined ? r.query : b.query;

            } else {
                if (r.path.p[0] == '/') {
                    n = 0;

                } else if (b.authority.defined && b.path.len == 0) {
                    path[0] = '/';
                    n = 1;

                } else {
                    slash = NULL;

                    for (p = (char *) b.path.p; p < b.path.p + b.path.len;
                         p++)
                    {
                        if (*p == '/') {
                            slash = p;
                        }
                    }

                    n = slash ? (size_t) (slash + 1 - b.path.p) : 0;
                    memcpy(path, b.path.p, n);
                }

                memcpy(path + n, r.path.p, r.path.len);
                n += r.path.len;
                query = r.query;
            }
        }
    }

    /* dot segments matter only in hierarchical paths */
    if (authority.defined || (n && path[0] == '/')) {
        n = apigw_uri_remove_dots(path, n);
    }

    p = t;

    if (scheme.defined) {
        memcpy(p, scheme.p, scheme.len);
        p += scheme.len;
        *p++ = ':';
    }

    if (authority.defined) {
        *p++ = '/';
        *p++ = '/';
        memcpy(p, authority.p, authority.len);
        p += authority.len;
    }

    memcpy(p, path, n);
    p += n;

    if (query.defined) {
        *p++ = '?';
        memcpy(p, query.p, query.len);
        p += query.len;
    }

    if (r.fragment.defined) {
        *p++ = '#';
        memcpy(p, r.fragment.p, r.fragment.len);
        p += r.fragment.len;
    }

    *p = '\0';
    free(path);

    return t;
}


int
apigw_uri_unescape(char *s)
{
    char  *d;
    int    hi, lo;

    for (d = s; *s; s++) {
        if (*s != '%') {
            *d++ = *s;
            continue;
        }

        hi = apigw_fmt_hex((unsigned char) s[1]);
        lo = (hi < 0) ? -1 : apigw_fmt_hex((unsigned char) s[2]);

        if (lo < 0 || (hi == 0 && lo == 0)) {
            return -1;
        }

        *d++ = (char) (hi * 16 + lo);
        s += 2;
    }

    *d = '\0';

    return 0;
}

