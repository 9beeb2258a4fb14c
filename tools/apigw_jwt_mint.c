
/*
 * Copyright (C) apigw contributors
 */


/*
 * apigw-jwt-mint: JWS tokens and JWK sets for examples and tests.
 *
 *     apigw-jwt-mint --alg RS256 --key key.pem [--kid k1]
 *         [--header '{"typ":"at+jwt"}'] [--ttl 300] [payload.json]
 *     apigw-jwt-mint --jwks pub.pem [--kid k1] [--alg RS256]
 *
 * OpenSSL directly, not libjwt: libjwt 1.10 has neither PS nor EdDSA nor
 * JWKs, re-serialises what it signs, and cannot make the malformed tokens
 * the tests need (a lying alg, duplicate members, bytes after the JSON).
 * Here the payload is signed as it is in the file, the header as --header
 * makes it or --raw-header gives it.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "apigw_jwt_sign.h"


#define MINT_MAX_FILE       (1024 * 1024)


static void mint_usage(FILE *f);
static char *mint_read(const char *path, size_t *len);
static EVP_PKEY *mint_key(const char *path, int private);
static int mint_jwks(const char *path, const char *kid, const char *alg,
    int lone);
static char *mint_header(const char *alg, const char *kid,
    const char *extra);
static char *mint_payload(char *text, size_t *len, long ttl, long now);


static const struct option  mint_options[] = {
    { "alg", required_argument, NULL, 'a' },
    { "key", required_argument, NULL, 'k' },
    { "secret", required_argument, NULL, 's' },
    { "kid", required_argument, NULL, 'i' },
    { "header", required_argument, NULL, 'H' },
    { "raw-header", required_argument, NULL, 'R' },
    { "ttl", required_argument, NULL, 't' },
    { "now", required_argument, NULL, 'n' },
    { "jwks", required_argument, NULL, 'J' },
    { "jwk", required_argument, NULL, 'j' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};


int
main(int argc, char **argv)
{
    int             c, lone;
    char           *header, *payload, *token, *keyfile, *secret, *raw,
                   *jwks;
    long            ttl, now;
    size_t          hlen, plen, slen;
    EVP_PKEY       *pkey;
    const char     *alg, *kid, *extra;

    alg = NULL;
    kid = NULL;
    extra = NULL;
    keyfile = NULL;
    secret = NULL;
    raw = NULL;
    jwks = NULL;
    lone = 0;
    ttl = -1;
    now = (long) time(NULL);

    while ((c = getopt_long(argc, argv, "h", mint_options, NULL)) != -1) {
        switch (c) {

        case 'a':
            alg = optarg;
            break;

        case 'k':
            keyfile = optarg;
            break;

        case 's':
            secret = optarg;
            break;

        case 'i':
            kid = optarg;
            break;

        case 'H':
            extra = optarg;
            break;

        case 'R':
            raw = optarg;
            break;

        case 't':
            ttl = strtol(optarg, NULL, 10);
            break;

        case 'n':
            now = strtol(optarg, NULL, 10);
            break;

        case 'J':
        case 'j':
            jwks = optarg;
            lone = (c == 'j');
            break;

        case 'h':
            mint_usage(stdout);
            return 0;

        default:
            mint_usage(stderr);
            return 2;
        }
    }

    if (jwks != NULL) {
        return mint_jwks(jwks, kid, alg, lone) == 0 ? 0 : 1;
    }

    if (alg == NULL || optind + 1 < argc) {
        mint_usage(stderr);
        return 2;
    }

    /* the payload, as it is but a final newline */
    payload = mint_read(optind < argc ? argv[optind] : "-", &plen);
    if (payload == NULL) {
        return 1;
    }

    if (plen > 0 && payload[plen - 1] == '\n') {
        plen--;

        if (plen > 0 && payload[plen - 1] == '\r') {
            plen--;
        }
    }

    if (ttl >= 0) {
        payload = mint_payload(payload, &plen, ttl, now);
        if (payload == NULL) {
            return 1;
        }
    }

    if (raw != NULL) {
        header = strdup(raw);

    } else {
        header = mint_header(alg, kid, extra);
    }

    if (header == NULL) {
        return 1;
    }

    hlen = strlen(header);
    pkey = NULL;
    slen = 0;

    if (alg[0] == 'H' && alg[1] == 'S') {
        /* the secret: --secret, or the key file's bytes exactly */
        if (secret == NULL && keyfile != NULL) {
            secret = mint_read(keyfile, &slen);
            if (secret == NULL) {
                return 1;
            }

        } else if (secret != NULL) {
            slen = strlen(secret);
            secret = strdup(secret);

        } else {
            fprintf(stderr, "apigw-jwt-mint: %s needs --key or --secret\n",
                    alg);
            return 2;
        }

    } else if (strcmp(alg, "none") != 0) {
        if (keyfile == NULL) {
            fprintf(stderr, "apigw-jwt-mint: %s needs --key (a PEM private "
                    "key)\n", alg);
            return 2;
        }

        pkey = mint_key(keyfile, 1);
        if (pkey == NULL) {
            return 1;
        }
    }

    token = jwt_mint(alg, pkey, (unsigned char *) secret, slen, header, hlen,
                     payload, plen);

    if (token == NULL) {
        fprintf(stderr, "apigw-jwt-mint: cannot sign with %s and this key\n",
                alg);
        return 1;
    }

    printf("%s\n", token);

    if (secret != NULL) {
        OPENSSL_cleanse(secret, slen);
    }

    free(secret);
    free(token);
    free(header);
    free(payload);
    EVP_PKEY_free(pkey);

    return 0;
}


static void
mint_usage(FILE *f)
{
    fprintf(f,
        "usage: apigw-jwt-mint --alg ALG [--key FILE | --secret TEXT] "
        "[--kid KID]\n"
        "                      [--header JSON | --raw-header TEXT] "
        "[--ttl SECONDS]\n"
        "                      [--now SECONDS] [PAYLOAD.json | -]\n"
        "       apigw-jwt-mint --jwks KEY.pem [--kid KID] [--alg ALG]\n"
        "       apigw-jwt-mint --jwk KEY.pem [--kid KID] [--alg ALG]\n"
        "\n"
        "Prints a compact JWS of the payload (a file, or stdin; its bytes "
        "as they\n"
        "are but a final newline), or a JWK set (one JWK) of a key.\n"
        "\n"
        "  --alg ALG         HS256..HS512, RS256..RS512, PS256..PS512, "
        "ES256..ES512,\n"
        "                    EdDSA, or none (an empty signature)\n"
        "  --key FILE        a PEM private key (RSA, EC, Ed25519); for HS, "
        "the secret:\n"
        "                    the file's bytes exactly\n"
        "  --secret TEXT     the HS secret\n"
        "  --kid KID         the header's kid\n"
        "  --header JSON     members merged into the header "
        "{\"alg\":ALG,\"typ\":\"JWT\"};\n"
        "                    null removes one, so '{\"typ\":null}' drops typ "
        "and\n"
        "                    '{\"alg\":\"none\"}' lies\n"
        "  --raw-header TEXT the header's bytes exactly\n"
        "  --ttl SECONDS     iat = now and exp = now + SECONDS, unless the "
        "payload\n"
        "                    has them (the payload is then re-serialised)\n"
        "  --now SECONDS     now, for --ttl (default: the clock)\n"
        "  --jwks, --jwk     the public JWK of KEY.pem (public or private), "
        "with\n"
        "                    \"use\": \"sig\", and kid and alg when given\n");
}


static char *
mint_read(const char *path, size_t *len)
{
    FILE    *f;
    char    *buf;
    size_t   n;

    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "apigw-jwt-mint: cannot open %s\n", path);
        return NULL;
    }

    buf = malloc(MINT_MAX_FILE + 1);
    if (buf == NULL) {
        return NULL;
    }

    n = fread(buf, 1, MINT_MAX_FILE + 1, f);

    if (f != stdin) {
        fclose(f);
    }

    if (n > MINT_MAX_FILE) {
        fprintf(stderr, "apigw-jwt-mint: %s is over 1 MB\n", path);
        free(buf);
        return NULL;
    }

    buf[n] = '\0';
    *len = n;

    return buf;
}


static EVP_PKEY *
mint_key(const char *path, int private)
{
    BIO       *bio;
    EVP_PKEY  *pkey;

    bio = BIO_new_file(path, "r");
    if (bio == NULL) {
        fprintf(stderr, "apigw-jwt-mint: cannot open %s\n", path);
        return NULL;
    }

    pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);

    if (pkey == NULL && !private) {
        (void) BIO_reset(bio);
        pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    }

    BIO_free(bio);

    if (pkey == NULL) {
        fprintf(stderr, "apigw-jwt-mint: no PEM %s key in %s\n",
                private ? "private" : "public or private", path);
        ERR_clear_error();
    }

    return pkey;
}


static int
mint_jwks(const char *path, const char *kid, const char *alg, int lone)
{
    char      *text;
    json_t    *jwk, *out;
    EVP_PKEY  *pkey;

    pkey = mint_key(path, 0);
    if (pkey == NULL) {
        return -1;
    }

    jwk = jwt_jwk(pkey, kid, alg);
    EVP_PKEY_free(pkey);

    if (jwk == NULL) {
        fprintf(stderr, "apigw-jwt-mint: %s: RSA, EC P-256/384/521 and "
                "Ed25519 keys only\n", path);
        return -1;
    }

    out = lone ? jwk : json_pack("{s:[o]}", "keys", jwk);
    text = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(out);

    if (text == NULL) {
        return -1;
    }

    printf("%s\n", text);
    free(text);

    return 0;
}


/* {"alg":alg,"typ":"JWT","kid":kid} and the members of extra */

static char *
mint_header(const char *alg, const char *kid, const char *extra)
{
    char          *text;
    json_t        *h, *more, *v;
    const char    *name;
    json_error_t   jerr;

    h = json_pack("{s:s, s:s}", "alg", alg, "typ", "JWT");

    if (kid != NULL) {
        json_object_set_new(h, "kid", json_string(kid));
    }

    if (extra != NULL) {
        more = json_loads(extra, 0, &jerr);

        if (!json_is_object(more)) {
            fprintf(stderr, "apigw-jwt-mint: --header is not a JSON object: "
                    "%s\n", jerr.text);
            json_decref(more);
            json_decref(h);
            return NULL;
        }

        json_object_foreach(more, name, v) {
            if (json_is_null(v)) {
                json_object_del(h, name);

            } else {
                json_object_set(h, name, v);
            }
        }

        json_decref(more);
    }

    text = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(h);

    return text;
}


/* the payload with iat and exp set from now and ttl, unless there */

static char *
mint_payload(char *text, size_t *len, long ttl, long now)
{
    char          *out;
    json_t        *p;
    json_error_t   jerr;

    p = json_loadb(text, *len, 0, &jerr);
    free(text);

    if (!json_is_object(p)) {
        fprintf(stderr, "apigw-jwt-mint: --ttl needs a JSON object payload: "
                "%s\n", jerr.text);
        json_decref(p);
        return NULL;
    }

    if (json_object_get(p, "iat") == NULL) {
        json_object_set_new(p, "iat", json_integer(now));
    }

    if (json_object_get(p, "exp") == NULL) {
        json_object_set_new(p, "exp", json_integer(now + ttl));
    }

    out = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(p);

    if (out != NULL) {
        *len = strlen(out);
    }

    return out;
}
