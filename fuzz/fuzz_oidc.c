
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: OpenID Connect discovery documents as a provider
 * serves them (apigw_oidc_discovery() in apigw_spec_jwt.c), read with no
 * issuer expected and with one.
 *
 * Checks, besides the sanitizers:
 *   - a document taken gives an http(s) jwks_uri and an issuer, which is
 *     the expected one exactly when one is expected;
 *   - a refusal says why.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_jwt_conf.h"


#define FUZZ_MAX_INPUT      (64 * 1024)


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_oidc: %s\n", what);
    abort();
}


static void
fuzz_discover(const char *text, size_t len, const char *expected)
{
    char  *issuer, *jwks, errbuf[512];

    errbuf[0] = '\0';

    if (apigw_oidc_discovery(text, len, expected, &issuer, &jwks, errbuf,
                             sizeof(errbuf))
        != 0)
    {
        if (errbuf[0] == '\0') {
            fuzz_fail("a refusal without a reason");
        }

        return;
    }

    if (jwks == NULL || issuer == NULL
        || (strncmp(jwks, "https://", 8) != 0
            && strncmp(jwks, "http://", 7) != 0))
    {
        fuzz_fail("a document taken without an http(s) jwks_uri");
    }

    if (expected != NULL && strcmp(issuer, expected) != 0) {
        fuzz_fail("a document naming another issuer taken");
    }

    free(issuer);
    free(jwks);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char  *copy;

    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }

    /* exactly the input's bytes, so that ASan sees a read past them */
    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);

    fuzz_discover(copy, size, NULL);
    fuzz_discover(copy, size, "https://id.example.com");

    free(copy);

    return 0;
}
