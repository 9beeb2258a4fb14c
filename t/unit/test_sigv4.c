
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for AWS SigV4 signing (apigw_sigv4.c): Lambda Invoke requests
 * as a second signer (the aws4 npm package, 1.13.2) signs them, the string
 * to sign, the region of an endpoint, the credentials refused, the day's
 * key, credentials files.  t/99c-sigv4-signers.t compares the signer with
 * AWS's own (@smithy/signature-v4) and aws4 on a set of requests of our
 * own (t/sigv4-requests.json).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_sigv4.h"
#include "unit.h"


#define TEST_DATE       "20150830T123600Z"
#define TEST_SECRET     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define EMPTY_HASH                                                            \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#define STR(s)          ((apigw_sigv4_str_t) { s, strlen(s) })
#define IS(str, want)   ((str).data != NULL && (str).len == strlen(want)      \
                         && strncmp((str).data, want, (str).len) == 0)


static apigw_sigv4_t *test_signer(const char *access_key, const char *secret,
    const char *region, const char *service, char *err);
static void test_lambda(void);
static void test_regions(void);
static void test_refusals(void);
static void test_days(void);
static void test_profiles(void);


int
main(void)
{
    test_lambda();
    test_regions();
    test_refusals();
    test_days();
    test_profiles();

    return unit_done();
}


static apigw_sigv4_t *
test_signer(const char *access_key, const char *secret, const char *region,
    const char *service, char *err)
{
    apigw_sigv4_creds_t  creds;

    creds.access_key = STR(access_key);
    creds.secret_key = STR(secret);
    creds.region = STR(region);
    creds.service = STR(service);
    creds.session_token = (apigw_sigv4_str_t) { NULL, 0 };

    return apigw_sigv4_create(&creds, err, 256);
}


/*
 * POST .../invocations with a proxy event, as the gateway sends it, and
 * with a function's ARN in the path, raw and encoded once (then encoded
 * twice in the canonical URI): the canonical requests and signatures the
 * aws4 npm package gives for them
 */
static void
test_lambda(void)
{
    int                     n;
    char                   *creq;
    size_t                  i, len;
    apigw_sigv4_t          *s;
    apigw_pair_t            h[5];
    apigw_sigv4_request_t   sr;
    char                    auth[512], err[256], want[256];
    char                    hash[APIGW_SIGV4_HEX_LEN + 1];
    char                    sts[APIGW_SIGV4_STS_LEN];

    static const char  body[] =
        "{\"resource\":\"/hello\",\"path\":\"/hello\",\"httpMethod\":\"GET\"}";

    static const char  body_hash[] =
        "3ce2faff5e26c983d9419f299c16044dbb8840d8b54cf7300776304c2944fa32";

    static const struct {
        const char  *target;
        const char  *token;
        const char  *uri;
        const char  *signature;
    } cases[] = {
        { "/2015-03-31/functions/my-function/invocations", NULL,
          "/2015-03-31/functions/my-function/invocations\n\n",
          "4177c40c4de542cc131d3150a96e27b53b18a37055811a1e016d0f5b367a9ece" },

        { "/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:"
          "function:hello/invocations?Qualifier=$LATEST",
          "FwoGZXIvYXdzEXAMPLE/token+==",
          "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A"
          "123456789012%3Afunction%3Ahello/invocations\n"
          "Qualifier=%24LATEST\n",
          "c71cdf667601b40a665121c4bc4ccdfed45a87b5cd3878c67ed370302e033244" },

        { "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A"
          "123456789012%3Afunction%3Ahello/invocations?Qualifier=%24LATEST",
          NULL,
          "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A"
          "123456789012%253Afunction%253Ahello/invocations\n"
          "Qualifier=%24LATEST\n",
          "b832db68ccb326a6f64bd6d95561f66cb07556a66bc70ff920095fa3941c13e4" }
    };

    apigw_sigv4_hash(body, sizeof(body) - 1, hash);
    CHECK(strcmp(hash, body_hash) == 0, "lambda: the event's SHA-256");

    s = test_signer("AKIDEXAMPLE", TEST_SECRET, "us-east-1", "lambda", err);
    if (!CHECK(s != NULL, "lambda: a signer")) {
        return;
    }

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h[0] = (apigw_pair_t) { "Content-Type", 12, "application/json", 16 };
        h[1] = (apigw_pair_t) { "Host", 4, "lambda.us-east-1.amazonaws.com",
                                30 };
        h[2] = (apigw_pair_t) { "X-Amz-Content-Sha256", 20, body_hash, 64 };
        h[3] = (apigw_pair_t) { "X-Amz-Date", 10, TEST_DATE, 16 };

        if (cases[i].token) {
            h[4] = (apigw_pair_t) { "X-Amz-Security-Token", 20,
                                    cases[i].token,
                                    strlen(cases[i].token) };
        }

        sr.method = "POST";
        sr.target = cases[i].target;
        sr.target_len = strlen(cases[i].target);
        sr.headers = h;
        sr.nheaders = cases[i].token ? 5 : 4;
        sr.payload_hash = body_hash;
        sr.date = TEST_DATE;

        creq = apigw_sigv4_canonical_request(&sr, &len);

        CHECK(creq != NULL
              && strncmp(creq, "POST\n", 5) == 0
              && strncmp(creq + 5, cases[i].uri, strlen(cases[i].uri)) == 0,
              "lambda %zu: the canonical URI and query", i);

        if (creq != NULL) {
            apigw_sigv4_hash(creq, len, hash);
            free(creq);

            snprintf(want, sizeof(want), "AWS4-HMAC-SHA256\n" TEST_DATE
                     "\n20150830/us-east-1/lambda/aws4_request\n%s", hash);

            n = apigw_sigv4_string_to_sign(s, &sr, sts, sizeof(sts));

            CHECK(n > 0 && (size_t) n == strlen(want)
                  && strcmp(sts, want) == 0,
                  "lambda %zu: the string to sign", i);
        }

        n = apigw_sigv4_sign(s, &sr, auth, sizeof(auth));

        CHECK(n > 0 && strstr(auth, "Credential=AKIDEXAMPLE/20150830/"
                                    "us-east-1/lambda/aws4_request, ")
                       != NULL
              && strcmp(auth + n - APIGW_SIGV4_HEX_LEN, cases[i].signature)
                 == 0,
              "lambda %zu: aws4's signature", i);

        CHECK(strstr(auth, cases[i].token
                           ? "SignedHeaders=content-type;host;"
                             "x-amz-content-sha256;x-amz-date;"
                             "x-amz-security-token, "
                           : "SignedHeaders=content-type;host;"
                             "x-amz-content-sha256;x-amz-date, ")
              != NULL, "lambda %zu: the signed headers", i);
    }

    n = apigw_sigv4_sign(s, &sr, auth, 40);
    CHECK(n == -1, "a buffer too small: no header");

    n = apigw_sigv4_string_to_sign(s, &sr, sts, 40);
    CHECK(n == -1, "a buffer too small: no string to sign");

    sr.date = "20150830 123600Z";
    n = apigw_sigv4_sign(s, &sr, auth, sizeof(auth));
    CHECK(n == -1, "a date that is not one: no header");

    apigw_sigv4_free(s);
}


static void
test_regions(void)
{
    size_t       i, n;
    const char  *region;

    static const struct {
        const char  *host;
        const char  *region;
    } hosts[] = {
        { "lambda.us-east-1.amazonaws.com", "us-east-1" },
        { "lambda.eu-west-3.amazonaws.com", "eu-west-3" },
        { "LAMBDA.ap-south-1.AMAZONAWS.COM", "ap-south-1" },
        { "lambda-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1" },
        { "lambda.cn-north-1.amazonaws.com.cn", "cn-north-1" },
        { "lambda.us-east-2.api.aws", "us-east-2" },
        { "lambda.amazonaws.com", NULL },
        { "lambda..amazonaws.com", NULL },
        { "lambda.US-EAST-1.amazonaws.com", NULL },
        { "lambda.us-east-1.amazonaws.com.example.com", NULL },
        { "xlambda.us-east-1.amazonaws.com", NULL },
        { "lambda.us-east-1.example.com", NULL },
        { "s3.us-east-1.amazonaws.com", NULL },
        { "127.0.0.1", NULL },
        { "", NULL }
    };

    for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        n = apigw_sigv4_host_region(hosts[i].host, strlen(hosts[i].host),
                                    &region);

        if (hosts[i].region == NULL) {
            CHECK(n == 0, "no region in \"%s\"", hosts[i].host);

        } else {
            CHECK(n == strlen(hosts[i].region)
                  && strncmp(region, hosts[i].region, n) == 0,
                  "the region of \"%s\"", hosts[i].host);
        }
    }
}


static void
test_refusals(void)
{
    size_t          i;
    char            err[256];
    apigw_sigv4_t  *s;

    static const struct {
        const char  *access_key;
        const char  *secret;
        const char  *region;
        const char  *what;
    } bad[] = {
        { "", TEST_SECRET, "us-east-1", "an empty access key id" },
        { "AKID/EXAMPLE", TEST_SECRET, "us-east-1",
          "an access key id with a \"/\"" },
        { "AKID EXAMPLE", TEST_SECRET, "us-east-1",
          "an access key id with a space" },
        { "AKIDEXAMPLE", "", "us-east-1", "an empty secret key" },
        { "AKIDEXAMPLE", "wJalrXUtnFEMI K7MDENG", "us-east-1",
          "a secret key with a space" },
        { "AKIDEXAMPLE", "wJalrXUtnFEMI\nK7MDENG", "us-east-1",
          "a secret key with a new line" },
        { "AKIDEXAMPLE", TEST_SECRET, "", "an empty region" },
        { "AKIDEXAMPLE", TEST_SECRET, "US-EAST-1",
          "a region in capitals" },
        { "AKIDEXAMPLE", TEST_SECRET, "us-east-1/x", "a region with a \"/\"" }
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        s = test_signer(bad[i].access_key, bad[i].secret, bad[i].region,
                        "lambda", err);

        CHECK(s == NULL && err[0] != '\0'
              && (bad[i].secret[0] == '\0'
                  || strstr(err, bad[i].secret) == NULL)
              && strstr(err, "K7MDENG") == NULL,
              "refused: %s (%s), the secret not in its reason",
              bad[i].what, err);

        apigw_sigv4_free(s);
    }

    CHECK(apigw_sigv4_token_valid("AQoDYXdzEPT//////////wEXAMPLE+/=", 32),
          "a session token's characters");
    CHECK(!apigw_sigv4_token_valid("AQoD\r\nX-Injected: 1", 19),
          "a session token with CR LF refused");
    CHECK(!apigw_sigv4_token_valid("AQoD YXdz", 9),
          "a session token with a space refused");
}


/*
 * the signing key follows the date's day, and comes back to an earlier;
 * the first signature as @smithy/signature-v4 5.7.5 and aws4 1.13.2 give
 * it for GET /today
 */
static void
test_days(void)
{
    int                     n;
    char                    date[APIGW_SIGV4_DATE_LEN + 1];
    char                    one[256], two[256], again[256], fresh[256];
    char                    err[256];
    apigw_pair_t            h[2];
    apigw_sigv4_t          *s, *t;
    apigw_sigv4_request_t   sr;

    apigw_sigv4_date(1440938160, date);
    CHECK(strcmp(date, TEST_DATE) == 0, "X-Amz-Date of a time: %s", date);

    apigw_sigv4_date(0, date);
    CHECK(strcmp(date, "19700101T000000Z") == 0, "X-Amz-Date of 0: %s",
          date);

    s = test_signer("AKIDEXAMPLE", TEST_SECRET, "eu-central-1", "example",
                    err);
    t = test_signer("AKIDEXAMPLE", TEST_SECRET, "eu-central-1", "example",
                    err);

    if (!CHECK(s != NULL && t != NULL, "two signers")) {
        apigw_sigv4_free(s);
        apigw_sigv4_free(t);
        return;
    }

    h[0] = (apigw_pair_t) { "Host", 4, "example.eu-central-1.amazonaws.com",
                            34 };
    h[1] = (apigw_pair_t) { "X-Amz-Date", 10, TEST_DATE, 16 };

    sr.method = "GET";
    sr.target = "/today";
    sr.target_len = 6;
    sr.headers = h;
    sr.nheaders = 2;
    sr.payload_hash = EMPTY_HASH;
    sr.date = TEST_DATE;

    n = apigw_sigv4_sign(s, &sr, one, sizeof(one));

    sr.date = "20150831T000001Z";
    n = (n > 0) ? apigw_sigv4_sign(s, &sr, two, sizeof(two)) : -1;

    sr.date = TEST_DATE;
    n = (n > 0) ? apigw_sigv4_sign(s, &sr, again, sizeof(again)) : -1;

    sr.date = "20150831T000001Z";
    n = (n > 0) ? apigw_sigv4_sign(t, &sr, fresh, sizeof(fresh)) : -1;

    CHECK(n > 0 && strstr(one, "Signature=2a2b55d167f3ddf3bc057ac23a9b91cc3"
                              "588861df3f5b4f1035d21bfdb089aec") != NULL
          && strcmp(one, again) == 0 && strcmp(two, fresh) == 0
          && strcmp(one + strlen(one) - APIGW_SIGV4_HEX_LEN,
                    two + strlen(two) - APIGW_SIGV4_HEX_LEN) != 0
          && strstr(two, "/20150831/") != NULL,
          "a new day, a new key; the old day again, the old key");

    apigw_sigv4_free(s);
    apigw_sigv4_free(t);
}


static void
test_profiles(void)
{
    char                 err[256];
    apigw_sigv4_t       *s;
    apigw_sigv4_creds_t  c;

    static const char  file[] =
        "# as the AWS CLI writes it\n"
        "[default]\n"
        "aws_access_key_id = AKIDDEFAULT\n"
        "aws_secret_access_key=secret/default+key\r\n"
        "\n"
        "[ ci ]\r\n"
        "; a comment\n"
        "  AWS_ACCESS_KEY_ID\t=  AKIDCI  \n"
        "aws_secret_access_key = ci/secret=\n"
        "aws_session_token = FwoGZXIvYXdzEXAMPLE==\n"
        "region = us-west-2\n"
        "[empty]\n"
        "[broken\n"
        "aws_access_key_id = AKIDBROKEN\n";

    CHECK(apigw_sigv4_profile(file, sizeof(file) - 1, "default", 7, &c)
          && IS(c.access_key, "AKIDDEFAULT")
          && IS(c.secret_key, "secret/default+key")
          && c.session_token.data == NULL,
          "credentials file: [default], CR LF and spaces around \"=\"");

    CHECK(apigw_sigv4_profile(file, sizeof(file) - 1, "ci", 2, &c)
          && IS(c.access_key, "AKIDCI") && IS(c.secret_key, "ci/secret=")
          && IS(c.session_token, "FwoGZXIvYXdzEXAMPLE=="),
          "credentials file: [ ci ], a key in capitals, a session token");

    CHECK(apigw_sigv4_profile(file, sizeof(file) - 1, "empty", 5, &c)
          && c.access_key.data == NULL && c.secret_key.data == NULL,
          "credentials file: a profile without keys");

    CHECK(!apigw_sigv4_profile(file, sizeof(file) - 1, "prod", 4, &c)
          && !apigw_sigv4_profile(file, sizeof(file) - 1, "broken", 6, &c),
          "credentials file: no such profile, nor a broken section");

    c.access_key = STR("AKIDEXAMPLE");
    c.secret_key = STR(TEST_SECRET);
    c.region = STR("us-east-1");
    c.service = STR("lambda");
    c.session_token = STR("FwoG\r\nX-Injected: yes");

    s = apigw_sigv4_create(&c, err, sizeof(err));
    CHECK(s == NULL && strstr(err, "session token") != NULL
          && strstr(err, "FwoG") == NULL,
          "a session token with CR LF refused (%s)", err);

    c.session_token = STR("FwoGZXIvYXdzEXAMPLE==");

    s = apigw_sigv4_create(&c, err, sizeof(err));
    CHECK(s != NULL, "a session token taken");
    apigw_sigv4_free(s);
}
