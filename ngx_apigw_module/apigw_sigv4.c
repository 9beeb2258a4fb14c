
/*
 * Copyright (C) apigw contributors
 */


#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "apigw_keys.h"
#include "apigw_sigv4.h"
#include "apigw_trace.h"


/*
 * The canonical request (AWS's "Create a canonical request"):
 *
 *     METHOD \n URI \n QUERY \n name:value \n ... \n \n names \n hash
 *
 * URI: the path sent, its segments "", "." and ".." resolved as botocore
 * does (a trailing "/" kept), each byte outside A-Z a-z 0-9 - . _ ~
 * encoded as %XX: a path sent encoded is encoded twice.  QUERY: the pairs
 * decoded ("+" stays a plus sign), then encoded so, sorted by name, then
 * value.  Headers: names in lower case, sorted; values trimmed, runs of
 * spaces made one; a name repeated has its values joined by "," in their
 * order.
 */


#define APIGW_SIGV4_ALGORITHM   "AWS4-HMAC-SHA256"
#define APIGW_SIGV4_TERMINATOR  "aws4_request"
#define APIGW_SIGV4_MAC_LEN     32
#define APIGW_SIGV4_DAY_LEN     8


struct apigw_sigv4_s {
    char                     *access_key;       /* NUL-terminated */
    unsigned char            *secret;           /* "AWS4" and the key */
    size_t                    secret_len;
    char                      region[APIGW_SIGV4_NAME_MAX + 1];
    char                      service[APIGW_SIGV4_NAME_MAX + 1];
    EVP_MAC                  *hmac;
    EVP_MAC_CTX              *ctx;
    char                      day[APIGW_SIGV4_DAY_LEN];   /* key's day */
    unsigned char             key[APIGW_SIGV4_MAC_LEN];   /* the day's */
};

typedef struct {
    char                     *name;
    size_t                    name_len;
    char                     *value;
    size_t                    value_len;
    size_t                    order;
} apigw_sigv4_header_t;

typedef struct {
    const char               *name;         /* encoded, NUL-terminated */
    const char               *value;
} apigw_sigv4_param_t;


static int apigw_sigv4_sts(const apigw_sigv4_t *s,
    const apigw_sigv4_request_t *rq, char *sts, size_t size, char **creq,
    const char **names, size_t *names_len);
static char *apigw_sigv4_canonical(const apigw_sigv4_request_t *rq,
    size_t *len, const char **names, size_t *names_len);
static char *apigw_sigv4_uri(const char *path, size_t len, char *p);
static char *apigw_sigv4_query(const char *query, size_t len, char *p);
static char *apigw_sigv4_headers(const apigw_pair_t *headers, size_t n,
    char *p, const char **names, size_t *names_len);
static char *apigw_sigv4_encode(const char *s, size_t len, char *p);
static int apigw_sigv4_param_cmp(const void *one, const void *two);
static int apigw_sigv4_header_cmp(const void *one, const void *two);
static size_t apigw_sigv4_trim(const char *s, size_t len, char *out);
static int apigw_sigv4_derive(apigw_sigv4_t *s, const char *day);
static int apigw_sigv4_hmac(apigw_sigv4_t *s, const unsigned char *key,
    size_t key_len, const void *data, size_t len,
    unsigned char out[APIGW_SIGV4_MAC_LEN]);
static int apigw_sigv4_date_valid(const char *date);
static void apigw_sigv4_strip(const char **s, const char **end);


apigw_sigv4_t *
apigw_sigv4_create(const apigw_sigv4_creds_t *creds, char *err, size_t size)
{
    char                      c;
    size_t                    i;
    const char               *why;
    apigw_sigv4_t            *s;
    const apigw_sigv4_str_t  *key;

    why = NULL;
    key = &creds->access_key;

    for (i = 0; i < key->len; i++) {
        c = key->data[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')))
        {
            break;
        }
    }

    if (key->len == 0 || key->len > APIGW_SIGV4_KEY_MAX || i != key->len) {
        why = "the access key id is not one (letters and digits, 128 at "
              "most)";

    } else if (creds->secret_key.len == 0
               || !apigw_sigv4_token_valid(creds->secret_key.data,
                                           creds->secret_key.len))
    {
        /* never a byte of it in the message */
        why = "the secret key is empty or has a space or a character that "
              "is not printable ASCII";

    } else if (creds->session_token.data != NULL
               && (creds->session_token.len == 0
                   || !apigw_sigv4_token_valid(creds->session_token.data,
                                               creds->session_token.len)))
    {
        why = "the session token is empty or has a space or a character "
              "that is not printable ASCII";

    } else if (!apigw_sigv4_name_valid(creds->region.data,
                                       creds->region.len))
    {
        why = "the region is not one (a-z, 0-9 and \"-\", as in "
              "\"us-east-1\")";

    } else if (!apigw_sigv4_name_valid(creds->service.data,
                                       creds->service.len))
    {
        why = "the service is not one (a-z, 0-9 and \"-\")";
    }

    if (why != NULL) {
        snprintf(err, size, "%s", why);
        return NULL;
    }

    s = calloc(1, sizeof(apigw_sigv4_t));
    if (s == NULL) {
        goto nomem;
    }

    s->access_key = malloc(creds->access_key.len + 1);
    s->secret_len = 4 + creds->secret_key.len;
    s->secret = malloc(s->secret_len);

    if (s->access_key == NULL || s->secret == NULL) {
        goto nomem;
    }

    memcpy(s->access_key, creds->access_key.data, creds->access_key.len);
    s->access_key[creds->access_key.len] = '\0';

    memcpy(s->secret, "AWS4", 4);
    memcpy(s->secret + 4, creds->secret_key.data, creds->secret_key.len);

    memcpy(s->region, creds->region.data, creds->region.len);
    memcpy(s->service, creds->service.data, creds->service.len);

    s->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (s->hmac == NULL) {
        goto nomem;
    }

    s->ctx = EVP_MAC_CTX_new(s->hmac);
    if (s->ctx == NULL) {
        goto nomem;
    }

    return s;

nomem:

    apigw_sigv4_free(s);
    snprintf(err, size, "out of memory, or OpenSSL has no HMAC");

    return NULL;
}


void
apigw_sigv4_free(apigw_sigv4_t *s)
{
    if (s == NULL) {
        return;
    }

    EVP_MAC_CTX_free(s->ctx);
    EVP_MAC_free(s->hmac);

    if (s->secret != NULL) {
        OPENSSL_clear_free(s->secret, s->secret_len);
    }

    free(s->access_key);
    OPENSSL_cleanse(s->key, sizeof(s->key));
    free(s);
}


size_t
apigw_sigv4_authorization_size(const apigw_sigv4_t *s,
    const apigw_sigv4_request_t *rq)
{
    size_t  i, n;

    n = sizeof(APIGW_SIGV4_ALGORITHM " Credential=") - 1
        + strlen(s->access_key) + 1 + APIGW_SIGV4_DAY_LEN + 1
        + strlen(s->region) + 1 + strlen(s->service) + 1
        + sizeof(APIGW_SIGV4_TERMINATOR ", SignedHeaders=") - 1
        + sizeof(", Signature=") - 1 + APIGW_SIGV4_HEX_LEN + 1;

    for (i = 0; i < rq->nheaders; i++) {
        n += rq->headers[i].name_len + 1;
    }

    return n;
}


int
apigw_sigv4_sign(apigw_sigv4_t *s, const apigw_sigv4_request_t *rq,
    char *out, size_t size)
{
    int            n;
    char          *creq;
    size_t         names_len;
    const char    *names;
    unsigned char  mac[APIGW_SIGV4_MAC_LEN];
    char           signature[APIGW_SIGV4_HEX_LEN + 1];
    char           sts[APIGW_SIGV4_STS_LEN];

    n = apigw_sigv4_sts(s, rq, sts, sizeof(sts), &creq, &names, &names_len);
    if (n < 0) {
        return -1;
    }

    if (apigw_sigv4_derive(s, rq->date) != 0
        || apigw_sigv4_hmac(s, s->key, sizeof(s->key), sts, n, mac) != 0)
    {
        free(creq);
        return -1;
    }

    apigw_trace_hex(mac, sizeof(mac), signature);
    signature[APIGW_SIGV4_HEX_LEN] = '\0';

    n = snprintf(out, size, APIGW_SIGV4_ALGORITHM " Credential=%s/%.8s/%s/%s/"
                 APIGW_SIGV4_TERMINATOR ", SignedHeaders=%.*s, Signature=%s",
                 s->access_key, rq->date, s->region, s->service,
                 (int) names_len, names, signature);

    free(creq);

    if (n < 0 || (size_t) n >= size) {
        return -1;
    }

    return n;
}


int
apigw_sigv4_string_to_sign(const apigw_sigv4_t *s,
    const apigw_sigv4_request_t *rq, char *out, size_t size)
{
    int          n;
    char        *creq;
    size_t       names_len;
    const char  *names;

    n = apigw_sigv4_sts(s, rq, out, size, &creq, &names, &names_len);

    if (n >= 0) {
        free(creq);
    }

    return n;
}


/*
 * the string to sign in sts, NUL-terminated: its length, or -1; the
 * canonical request it hashes in *creq, for the caller to free, the signed
 * headers' names in it
 */
static int
apigw_sigv4_sts(const apigw_sigv4_t *s, const apigw_sigv4_request_t *rq,
    char *sts, size_t size, char **creq, const char **names,
    size_t *names_len)
{
    int     n;
    size_t  len;
    char    hash[APIGW_SIGV4_HEX_LEN + 1];

    if (!apigw_sigv4_date_valid(rq->date)) {
        return -1;
    }

    *creq = apigw_sigv4_canonical(rq, &len, names, names_len);
    if (*creq == NULL) {
        return -1;
    }

    apigw_sigv4_hash(*creq, len, hash);

    n = snprintf(sts, size, APIGW_SIGV4_ALGORITHM "\n%.16s\n%.8s/%s/%s/"
                 APIGW_SIGV4_TERMINATOR "\n%s", rq->date, rq->date,
                 s->region, s->service, hash);

    if (n < 0 || (size_t) n >= size) {
        free(*creq);
        return -1;
    }

    return n;
}


char *
apigw_sigv4_canonical_request(const apigw_sigv4_request_t *rq, size_t *len)
{
    size_t       names_len;
    const char  *names;

    return apigw_sigv4_canonical(rq, len, &names, &names_len);
}


/* names: where the signed headers' names are in it */
static char *
apigw_sigv4_canonical(const apigw_sigv4_request_t *rq, size_t *len,
    const char **names, size_t *names_len)
{
    char        *creq, *p;
    size_t       i, n, size, path_len;
    const char  *q;

    q = memchr(rq->target, '?', rq->target_len);
    path_len = q ? (size_t) (q - rq->target) : rq->target_len;

    /*
     * the URI and the query: each byte %XX, a "/" added, at worst; six
     * "\n" and the NUL; a header's name twice, ":", ";", "\n"
     */
    size = strlen(rq->method) + 3 * rq->target_len + 2 + 7
           + APIGW_SIGV4_HEX_LEN;

    for (i = 0; i < rq->nheaders; i++) {
        size += 2 * rq->headers[i].name_len + rq->headers[i].value_len + 3;
    }

    creq = malloc(size);
    if (creq == NULL) {
        return NULL;
    }

    n = strlen(rq->method);
    memcpy(creq, rq->method, n);
    p = creq + n;
    *p++ = '\n';

    p = apigw_sigv4_uri(rq->target, path_len, p);
    *p++ = '\n';

    if (q != NULL) {
        p = apigw_sigv4_query(q + 1, rq->target + rq->target_len - q - 1, p);
        if (p == NULL) {
            free(creq);
            return NULL;
        }
    }

    *p++ = '\n';

    p = apigw_sigv4_headers(rq->headers, rq->nheaders, p, names, names_len);
    if (p == NULL) {
        free(creq);
        return NULL;
    }

    *p++ = '\n';
    memcpy(p, rq->payload_hash, APIGW_SIGV4_HEX_LEN);
    p += APIGW_SIGV4_HEX_LEN;
    *p = '\0';

    *len = p - creq;

    return creq;
}


/* at most 3 * len + 2 bytes */
static char *
apigw_sigv4_uri(const char *path, size_t len, char *p)
{
    char        *start;
    size_t       n;
    const char  *s, *end, *slash;

    start = p;
    end = path + len;

    for (s = path; s < end; s = slash + 1) {
        slash = memchr(s, '/', end - s);
        if (slash == NULL) {
            slash = end;
        }

        n = slash - s;

        if (n == 0 || (n == 1 && s[0] == '.')) {
            continue;
        }

        if (n == 2 && s[0] == '.' && s[1] == '.') {
            /* the segment before, if any: encoded, it has no "/" */
            while (p > start && *--p != '/') { /* void */ }
            continue;
        }

        *p++ = '/';
        p = apigw_sigv4_encode(s, n, p);
    }

    if (p == start || (len && path[len - 1] == '/')) {
        *p++ = '/';
    }

    return p;
}


static char *
apigw_sigv4_query(const char *query, size_t len, char *p)
{
    char                 *text, *t;
    size_t                i, k, n, max;
    apigw_pair_t         *pairs;
    apigw_sigv4_param_t  *params;

    max = 1;

    for (i = 0; i < len; i++) {
        max += (query[i] == '&');
    }

    pairs = malloc(max * sizeof(apigw_pair_t));
    params = malloc(max * sizeof(apigw_sigv4_param_t));
    /* decoded, then encoded and NUL-terminated */
    text = malloc(len + 3 * len + 2 * max);

    if (pairs == NULL || params == NULL || text == NULL) {
        p = NULL;
        goto done;
    }

    /* "+" a plus sign, as AWS reads it: a space arrives as %20 */
    n = apigw_query_parse_uri(query, len, text, pairs, max);
    t = text + len;

    for (i = 0; i < n; i++) {
        params[i].name = t;
        t = apigw_sigv4_encode(pairs[i].name, pairs[i].name_len, t);
        *t++ = '\0';

        params[i].value = t;
        t = apigw_sigv4_encode(pairs[i].value, pairs[i].value_len, t);
        *t++ = '\0';
    }

    qsort(params, n, sizeof(apigw_sigv4_param_t), apigw_sigv4_param_cmp);

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = '&';
        }

        k = strlen(params[i].name);
        memcpy(p, params[i].name, k);
        p += k;
        *p++ = '=';

        k = strlen(params[i].value);
        memcpy(p, params[i].value, k);
        p += k;
    }

done:

    free(pairs);
    free(params);
    free(text);

    return p;
}


/* "name:value\n" a name, "\n", then the names joined by ";" */
static char *
apigw_sigv4_headers(const apigw_pair_t *headers, size_t n, char *p,
    const char **names, size_t *names_len)
{
    char                  *text, *t;
    size_t                 i, j, size;
    apigw_sigv4_header_t  *h;

    size = 0;

    for (i = 0; i < n; i++) {
        size += headers[i].name_len + headers[i].value_len;
    }

    h = malloc(n * sizeof(apigw_sigv4_header_t) + 1);
    text = malloc(size + 1);

    if (h == NULL || text == NULL) {
        free(h);
        free(text);
        return NULL;
    }

    t = text;

    for (i = 0; i < n; i++) {
        h[i].name = t;
        h[i].name_len = headers[i].name_len;

        for (j = 0; j < headers[i].name_len; j++) {
            *t++ = (char) tolower((unsigned char) headers[i].name[j]);
        }

        h[i].value = t;
        h[i].value_len = apigw_sigv4_trim(headers[i].value,
                                          headers[i].value_len, t);
        t += h[i].value_len;
        h[i].order = i;
    }

    qsort(h, n, sizeof(apigw_sigv4_header_t), apigw_sigv4_header_cmp);

    for (i = 0; i < n; i++) {
        if (i && h[i].name_len == h[i - 1].name_len
            && memcmp(h[i].name, h[i - 1].name, h[i].name_len) == 0)
        {
            p[-1] = ',';

        } else {
            memcpy(p, h[i].name, h[i].name_len);
            p += h[i].name_len;
            *p++ = ':';
        }

        memcpy(p, h[i].value, h[i].value_len);
        p += h[i].value_len;
        *p++ = '\n';
    }

    *p++ = '\n';
    *names = p;

    for (i = 0; i < n; i++) {
        if (i && h[i].name_len == h[i - 1].name_len
            && memcmp(h[i].name, h[i - 1].name, h[i].name_len) == 0)
        {
            continue;
        }

        if (p != *names) {
            *p++ = ';';
        }

        memcpy(p, h[i].name, h[i].name_len);
        p += h[i].name_len;
    }

    *names_len = p - *names;

    free(h);
    free(text);

    return p;
}


/* RFC 3986's unreserved kept, all else %XX */
static char *
apigw_sigv4_encode(const char *s, size_t len, char *p)
{
    size_t         i;
    unsigned char  c;

    static const char  hex[] = "0123456789ABCDEF";

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (apigw_uri_unreserved(c)) {
            *p++ = (char) c;
            continue;
        }

        *p++ = '%';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 0xf];
    }

    return p;
}


static int
apigw_sigv4_param_cmp(const void *one, const void *two)
{
    int                         rc;
    const apigw_sigv4_param_t  *a = one, *b = two;

    rc = strcmp(a->name, b->name);

    return rc ? rc : strcmp(a->value, b->value);
}


/* by name, a name's values in the order they came */
static int
apigw_sigv4_header_cmp(const void *one, const void *two)
{
    int                          rc;
    size_t                       n;
    const apigw_sigv4_header_t  *a = one, *b = two;

    n = a->name_len < b->name_len ? a->name_len : b->name_len;
    rc = memcmp(a->name, b->name, n);

    if (rc == 0 && a->name_len != b->name_len) {
        rc = a->name_len < b->name_len ? -1 : 1;
    }

    if (rc == 0) {
        rc = a->order < b->order ? -1 : 1;
    }

    return rc;
}


/* spaces and tabs around cut, runs of them within made one space */
static size_t
apigw_sigv4_trim(const char *s, size_t len, char *out)
{
    int     space;
    size_t  i, n;

    n = 0;
    space = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == ' ' || s[i] == '\t') {
            space = (n > 0);
            continue;
        }

        if (space) {
            out[n++] = ' ';
            space = 0;
        }

        out[n++] = s[i];
    }

    return n;
}


/* the signing key of date's day, once a day */
static int
apigw_sigv4_derive(apigw_sigv4_t *s, const char *date)
{
    unsigned char  k[APIGW_SIGV4_MAC_LEN];

    if (memcmp(s->day, date, APIGW_SIGV4_DAY_LEN) == 0) {
        return 0;
    }

    memset(s->day, 0, sizeof(s->day));

    if (apigw_sigv4_hmac(s, s->secret, s->secret_len, date,
                         APIGW_SIGV4_DAY_LEN, k) != 0
        || apigw_sigv4_hmac(s, k, sizeof(k), s->region, strlen(s->region),
                            k) != 0
        || apigw_sigv4_hmac(s, k, sizeof(k), s->service,
                            strlen(s->service), k) != 0
        || apigw_sigv4_hmac(s, k, sizeof(k), APIGW_SIGV4_TERMINATOR,
                            sizeof(APIGW_SIGV4_TERMINATOR) - 1, s->key) != 0)
    {
        OPENSSL_cleanse(k, sizeof(k));
        return -1;
    }

    OPENSSL_cleanse(k, sizeof(k));
    memcpy(s->day, date, APIGW_SIGV4_DAY_LEN);

    return 0;
}


/* out may be key: OpenSSL has taken the key once init returns */
static int
apigw_sigv4_hmac(apigw_sigv4_t *s, const unsigned char *key, size_t key_len,
    const void *data, size_t len, unsigned char out[APIGW_SIGV4_MAC_LEN])
{
    size_t      n;
    OSSL_PARAM  params[2];

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *) "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();

    if (EVP_MAC_init(s->ctx, key, key_len, params) != 1
        || EVP_MAC_update(s->ctx, data, len) != 1
        || EVP_MAC_final(s->ctx, out, &n, APIGW_SIGV4_MAC_LEN) != 1
        || n != APIGW_SIGV4_MAC_LEN)
    {
        return -1;
    }

    return 0;
}


void
apigw_sigv4_hash(const void *data, size_t len,
    char out[APIGW_SIGV4_HEX_LEN + 1])
{
    unsigned char  md[APIGW_SHA256_LEN];

    apigw_sha256(data, len, md);
    apigw_trace_hex(md, sizeof(md), out);
    out[APIGW_SIGV4_HEX_LEN] = '\0';
}


void
apigw_sigv4_date(time_t t, char out[APIGW_SIGV4_DATE_LEN + 1])
{
    struct tm  tm;

    if (gmtime_r(&t, &tm) == NULL
        || strftime(out, APIGW_SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm)
           != APIGW_SIGV4_DATE_LEN)
    {
        /* a year past 9999: a date no signature is valid for */
        memcpy(out, "00000000T000000Z", APIGW_SIGV4_DATE_LEN + 1);
    }
}


static int
apigw_sigv4_date_valid(const char *date)
{
    size_t  i;

    /* 20150830T123600Z */

    for (i = 0; i < APIGW_SIGV4_DATE_LEN; i++) {
        if (i == 8 || i == APIGW_SIGV4_DATE_LEN - 1) {
            continue;
        }

        if (date[i] < '0' || date[i] > '9') {
            return 0;
        }
    }

    return date[8] == 'T' && date[APIGW_SIGV4_DATE_LEN - 1] == 'Z';
}


size_t
apigw_sigv4_host_region(const char *host, size_t len, const char **region)
{
    size_t       i, j, plen, slen;
    const char  *dot;

    static const char  *prefixes[] = { "lambda.", "lambda-fips." };
    static const char  *suffixes[] = { ".amazonaws.com", ".amazonaws.com.cn",
                                       ".api.aws" };

    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        plen = strlen(prefixes[i]);

        if (len <= plen || strncasecmp(host, prefixes[i], plen) != 0) {
            continue;
        }

        dot = memchr(host + plen, '.', len - plen);

        if (dot == NULL
            || !apigw_sigv4_name_valid(host + plen, dot - host - plen))
        {
            return 0;
        }

        for (j = 0; j < sizeof(suffixes) / sizeof(suffixes[0]); j++) {
            slen = strlen(suffixes[j]);

            if ((size_t) (host + len - dot) == slen
                && strncasecmp(dot, suffixes[j], slen) == 0)
            {
                *region = host + plen;
                return dot - host - plen;
            }
        }
    }

    return 0;
}


int
apigw_sigv4_profile(const char *text, size_t len, const char *profile,
    size_t profile_len, apigw_sigv4_creds_t *creds)
{
    int          in, found;
    size_t       n;
    const char  *p, *end, *eol, *line, *last, *eq, *key, *value;

    in = 0;
    found = 0;
    end = text + len;

    creds->access_key.data = NULL;
    creds->secret_key.data = NULL;
    creds->session_token.data = NULL;

    for (p = text; p < end; p = eol + 1) {
        eol = memchr(p, '\n', end - p);
        if (eol == NULL) {
            eol = end;
        }

        line = p;
        last = eol;
        apigw_sigv4_strip(&line, &last);

        if (line == last || *line == '#' || *line == ';') {
            continue;
        }

        if (*line == '[') {
            line++;

            if (last[-1] != ']' || line == last) {
                in = 0;
                continue;
            }

            last--;
            apigw_sigv4_strip(&line, &last);

            in = ((size_t) (last - line) == profile_len
                  && memcmp(line, profile, profile_len) == 0);
            found |= in;
            continue;
        }

        eq = memchr(line, '=', last - line);

        if (!in || eq == NULL) {
            continue;
        }

        key = eq;
        apigw_sigv4_strip(&line, &key);
        value = eq + 1;
        apigw_sigv4_strip(&value, &last);
        n = key - line;

        if (n == sizeof("aws_access_key_id") - 1
            && strncasecmp(line, "aws_access_key_id", n) == 0)
        {
            creds->access_key.data = value;
            creds->access_key.len = last - value;

        } else if (n == sizeof("aws_secret_access_key") - 1
                   && strncasecmp(line, "aws_secret_access_key", n) == 0)
        {
            creds->secret_key.data = value;
            creds->secret_key.len = last - value;

        } else if (n == sizeof("aws_session_token") - 1
                   && strncasecmp(line, "aws_session_token", n) == 0)
        {
            creds->session_token.data = value;
            creds->session_token.len = last - value;
        }
    }

    return found;
}


/* spaces, tabs and CR cut from both ends of [*s, *end) */
static void
apigw_sigv4_strip(const char **s, const char **end)
{
    while (*s < *end && (**s == ' ' || **s == '\t' || **s == '\r')) {
        (*s)++;
    }

    while (*end > *s
           && ((*end)[-1] == ' ' || (*end)[-1] == '\t' || (*end)[-1] == '\r'))
    {
        (*end)--;
    }
}


int
apigw_sigv4_name_valid(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > APIGW_SIGV4_NAME_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
              || s[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}


int
apigw_sigv4_token_valid(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (s[i] <= ' ' || s[i] > '~') {
            return 0;
        }
    }

    return 1;
}
