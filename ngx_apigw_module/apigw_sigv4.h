
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_SIGV4_H_INCLUDED_
#define _APIGW_SIGV4_H_INCLUDED_


/*
 * AWS Signature Version 4 (AWS4-HMAC-SHA256) with the signature in an
 * Authorization header, as the Lambda Invoke API takes it: the canonical
 * request, the string to sign, the signing key of the day (derived once a
 * day per signer) and the header's value.  Paths are canonicalized as for
 * every service but S3: dot segments and empty segments removed, then
 * URI-encoded once more than they were to be sent.  nginx-free.
 */

#include <stddef.h>
#include <time.h>

#include "apigw_core.h"


#define APIGW_SIGV4_DATE_LEN    16      /* 20150830T123600Z */
#define APIGW_SIGV4_HEX_LEN     64      /* a SHA-256 in hex */
#define APIGW_SIGV4_NAME_MAX    64      /* a region's, a service's */
#define APIGW_SIGV4_KEY_MAX     128     /* an access key id's */
/* a string to sign and its NUL, the scope's names 64 bytes at most */
#define APIGW_SIGV4_STS_LEN     (sizeof("AWS4-HMAC-SHA256")                   \
                                 + APIGW_SIGV4_DATE_LEN + 1 + 8 + 1            \
                                 + 2 * (APIGW_SIGV4_NAME_MAX + 1)              \
                                 + sizeof("aws4_request")                      \
                                 + APIGW_SIGV4_HEX_LEN + 1)


typedef struct apigw_sigv4_s  apigw_sigv4_t;

typedef struct {
    const char               *data;
    size_t                    len;
} apigw_sigv4_str_t;

typedef struct {
    apigw_sigv4_str_t         access_key;
    apigw_sigv4_str_t         secret_key;
    apigw_sigv4_str_t         session_token;    /* data NULL: none */
    apigw_sigv4_str_t         region;
    apigw_sigv4_str_t         service;
} apigw_sigv4_creds_t;

typedef struct {
    const char               *method;
    const char               *target;       /* the path and query sent */
    size_t                    target_len;
    const apigw_pair_t       *headers;      /* the signed ones, any order,
                                               a name repeated or not */
    size_t                    nheaders;
    const char               *payload_hash; /* APIGW_SIGV4_HEX_LEN */
    const char               *date;         /* APIGW_SIGV4_DATE_LEN */
} apigw_sigv4_request_t;


/*
 * NULL and why in err (never a byte of the secret or the token) when a
 * credential is not one; the session token is only checked
 */
apigw_sigv4_t *apigw_sigv4_create(const apigw_sigv4_creds_t *creds,
    char *err, size_t size);
void apigw_sigv4_free(apigw_sigv4_t *s);

/* the bytes an Authorization value of rq takes, its NUL included */
size_t apigw_sigv4_authorization_size(const apigw_sigv4_t *s,
    const apigw_sigv4_request_t *rq);
/* the Authorization header's value, NUL-terminated: its length, or -1 */
int apigw_sigv4_sign(apigw_sigv4_t *s, const apigw_sigv4_request_t *rq,
    char *out, size_t size);

/*
 * the string to sign of rq (its four lines), NUL-terminated: its length,
 * or -1; APIGW_SIGV4_STS_LEN bytes are enough
 */
int apigw_sigv4_string_to_sign(const apigw_sigv4_t *s,
    const apigw_sigv4_request_t *rq, char *out, size_t size);

/* the canonical request, malloc()ed, NUL-terminated; NULL: no memory */
char *apigw_sigv4_canonical_request(const apigw_sigv4_request_t *rq,
    size_t *len);

/* lower-case hex of the SHA-256 of data, NUL-terminated */
void apigw_sigv4_hash(const void *data, size_t len,
    char out[APIGW_SIGV4_HEX_LEN + 1]);
/* the X-Amz-Date of t, NUL-terminated */
void apigw_sigv4_date(time_t t, char out[APIGW_SIGV4_DATE_LEN + 1]);

/*
 * the region of a Lambda endpoint's host (its port cut off):
 * lambda[-fips].REGION.amazonaws.com[.cn] or lambda.REGION.api.aws; its
 * length, or 0
 */
size_t apigw_sigv4_host_region(const char *host, size_t len,
    const char **region);

/*
 * the credentials of [profile] in an AWS shared credentials file (INI:
 * aws_access_key_id, aws_secret_access_key, aws_session_token), pointing
 * into text, NULL where absent: 1 when the profile is there, else 0
 */
int apigw_sigv4_profile(const char *text, size_t len, const char *profile,
    size_t profile_len, apigw_sigv4_creds_t *creds);

/* 1 when a region's or a service's name: [a-z0-9-], up to 64 */
int apigw_sigv4_name_valid(const char *s, size_t len);
/* 1 when a header value can carry it: printable ASCII, no space */
int apigw_sigv4_token_valid(const char *s, size_t len);


#endif /* _APIGW_SIGV4_H_INCLUDED_ */
