
/*
 * Copyright (C) apigw contributors
 */


/*
 * apigw-sigv4-sign: what the gateway's SigV4 signer (apigw_sigv4.c) makes
 * of requests, for t/99c-sigv4-signers.t, which compares it with other
 * signers.
 *
 *     apigw-sigv4-sign < requests
 *
 * Each line of the input is one request as it is sent, in JSON:
 *
 *     {"method": "POST", "target": "/path?query",
 *      "headers": [["Host", "example.amazonaws.com"],
 *                  ["X-Amz-Date", "20150830T123600Z"]],
 *      "body": "...", "access_key": "AKIDEXAMPLE", "secret_key": "...",
 *      "region": "us-east-1", "service": "lambda"}
 *
 * and gives one line of output, in JSON: its "canonical_request",
 * "string_to_sign" and "authorization".  Every header is signed, as the
 * gateway signs every header it gives the signer; the date is
 * X-Amz-Date's, the payload's hash X-Amz-Content-Sha256's or else the
 * SHA-256 of the body, a session token X-Amz-Security-Token's (as
 * ngx_http_apigw_sigv4.c sends them).  Exits 1 with the reason when a line
 * is not such a request or the signer refuses it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "apigw_sigv4.h"


#define SIGN_MAX_HEADERS    64


typedef struct {
    const char              *method;
    const char              *target;
    size_t                   target_len;
    const char              *body;
    size_t                   body_len;
    const char              *date;
    const char              *payload_hash;
    apigw_pair_t             headers[SIGN_MAX_HEADERS];
    size_t                   nheaders;
    apigw_sigv4_creds_t      creds;
} sign_request_t;


static int sign_line(const char *line, size_t n);
static const char *sign_read(json_t *json, sign_request_t *rq);
static int sign_string(json_t *json, const char *key, apigw_sigv4_str_t *s);


int
main(void)
{
    char     *line;
    size_t    size, n;
    ssize_t   len;

    line = NULL;
    size = 0;

    for (n = 1; (len = getline(&line, &size, stdin)) != -1; n++) {
        if (len == 0 || (len == 1 && line[0] == '\n')) {
            continue;
        }

        if (sign_line(line, n) != 0) {
            free(line);
            return 1;
        }
    }

    free(line);

    return 0;
}


static int
sign_line(const char *line, size_t n)
{
    int                     rc, len;
    char                   *creq, *auth, *out;
    char                    err[256];
    size_t                  creq_len, size;
    json_t                 *json, *result;
    const char             *why;
    json_error_t            jerr;
    apigw_sigv4_t          *s;
    sign_request_t          rq;
    apigw_sigv4_request_t   sr;
    char                    hash[APIGW_SIGV4_HEX_LEN + 1];
    char                    sts[APIGW_SIGV4_STS_LEN];

    json = json_loads(line, 0, &jerr);
    if (json == NULL) {
        fprintf(stderr, "apigw-sigv4-sign: line %zu: %s\n", n, jerr.text);
        return -1;
    }

    rc = -1;
    s = NULL;
    creq = NULL;
    auth = NULL;
    result = NULL;

    why = sign_read(json, &rq);
    if (why != NULL) {
        fprintf(stderr, "apigw-sigv4-sign: line %zu: %s\n", n, why);
        goto done;
    }

    s = apigw_sigv4_create(&rq.creds, err, sizeof(err));
    if (s == NULL) {
        fprintf(stderr, "apigw-sigv4-sign: line %zu: %s\n", n, err);
        goto done;
    }

    if (rq.payload_hash == NULL) {
        apigw_sigv4_hash(rq.body, rq.body_len, hash);
        rq.payload_hash = hash;
    }

    sr.method = rq.method;
    sr.target = rq.target;
    sr.target_len = rq.target_len;
    sr.headers = rq.headers;
    sr.nheaders = rq.nheaders;
    sr.payload_hash = rq.payload_hash;
    sr.date = rq.date;

    creq = apigw_sigv4_canonical_request(&sr, &creq_len);
    size = apigw_sigv4_authorization_size(s, &sr);
    auth = malloc(size);

    if (creq == NULL || auth == NULL) {
        fprintf(stderr, "apigw-sigv4-sign: line %zu: out of memory\n", n);
        goto done;
    }

    if (apigw_sigv4_string_to_sign(s, &sr, sts, sizeof(sts)) < 0) {
        fprintf(stderr, "apigw-sigv4-sign: line %zu: no string to sign\n",
                n);
        goto done;
    }

    /* in the bytes apigw_sigv4_authorization_size() said, as the glue */
    len = apigw_sigv4_sign(s, &sr, auth, size);

    if (len < 0) {
        fprintf(stderr, "apigw-sigv4-sign: line %zu: no Authorization\n",
                n);
        goto done;
    }

    result = json_pack("{s:s%, s:s, s:s}", "canonical_request", creq,
                       creq_len, "string_to_sign", sts, "authorization",
                       auth);
    out = result ? json_dumps(result, JSON_COMPACT | JSON_PRESERVE_ORDER)
                 : NULL;

    if (out == NULL) {
        fprintf(stderr, "apigw-sigv4-sign: line %zu: out of memory\n", n);
        goto done;
    }

    printf("%s\n", out);
    fflush(stdout);
    free(out);

    rc = 0;

done:

    json_decref(result);
    free(auth);
    free(creq);
    apigw_sigv4_free(s);
    json_decref(json);

    return rc;
}


/* rq points into json; NULL, or why it is not a request */
static const char *
sign_read(json_t *json, sign_request_t *rq)
{
    size_t         i;
    json_t        *headers, *h, *v;
    const char    *name, *value;
    apigw_pair_t  *p;

    memset(rq, 0, sizeof(sign_request_t));

    if (!json_is_object(json)) {
        return "not a JSON object";
    }

    rq->method = json_string_value(json_object_get(json, "method"));
    rq->target = json_string_value(json_object_get(json, "target"));

    if (rq->method == NULL || rq->target == NULL) {
        return "no \"method\" or \"target\"";
    }

    rq->target_len = json_string_length(json_object_get(json, "target"));

    v = json_object_get(json, "body");
    rq->body = v ? json_string_value(v) : "";

    if (rq->body == NULL) {
        return "\"body\" is not a string";
    }

    rq->body_len = v ? json_string_length(v) : 0;

    if (sign_string(json, "access_key", &rq->creds.access_key) != 0
        || sign_string(json, "secret_key", &rq->creds.secret_key) != 0
        || sign_string(json, "region", &rq->creds.region) != 0
        || sign_string(json, "service", &rq->creds.service) != 0)
    {
        return "no \"access_key\", \"secret_key\", \"region\" or \"service\"";
    }

    headers = json_object_get(json, "headers");

    if (!json_is_array(headers)
        || json_array_size(headers) > SIGN_MAX_HEADERS)
    {
        return "\"headers\" is not an array of 64 headers at most";
    }

    json_array_foreach(headers, i, h) {
        name = json_string_value(json_array_get(h, 0));
        value = json_string_value(json_array_get(h, 1));

        if (json_array_size(h) != 2 || name == NULL || value == NULL) {
            return "a header is not [\"name\", \"value\"]";
        }

        p = &rq->headers[rq->nheaders++];
        p->name = name;
        p->name_len = json_string_length(json_array_get(h, 0));
        p->value = value;
        p->value_len = json_string_length(json_array_get(h, 1));

        if (strcasecmp(name, "X-Amz-Date") == 0) {
            rq->date = value;

            if (p->value_len != APIGW_SIGV4_DATE_LEN) {
                return "X-Amz-Date is not as 20150830T123600Z";
            }

        } else if (strcasecmp(name, "X-Amz-Content-Sha256") == 0) {
            rq->payload_hash = value;

            if (p->value_len != APIGW_SIGV4_HEX_LEN) {
                return "X-Amz-Content-Sha256 is not a SHA-256 in hex";
            }

        } else if (strcasecmp(name, "X-Amz-Security-Token") == 0) {
            rq->creds.session_token.data = value;
            rq->creds.session_token.len = p->value_len;
        }
    }

    if (rq->date == NULL) {
        return "no X-Amz-Date";
    }

    return NULL;
}


static int
sign_string(json_t *json, const char *key, apigw_sigv4_str_t *s)
{
    json_t  *v;

    v = json_object_get(json, key);

    if (!json_is_string(v)) {
        return -1;
    }

    s->data = json_string_value(v);
    s->len = json_string_length(v);

    return 0;
}
