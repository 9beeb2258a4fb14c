
/*
 * Copyright (C) apigw contributors
 */


#ifndef _FUZZ_JWT_KEYS_H_INCLUDED_
#define _FUZZ_JWT_KEYS_H_INCLUDED_


#include <stdio.h>
#include <stdlib.h>

#include <openssl/pem.h>


/*
 * Fixed keys of the JWT fuzzers (fuzz_jws.c, fuzz_jwk.c), so that their
 * seeds (fuzz/corpus/jws) are tokens these keys signed: made once with
 * openssl genpkey, for fuzzing only; and the HMAC secret.
 */

static const char  fuzz_jwt_rsa_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCnQoYUB1QOidUC\n"
    "N1wNBaUKwNVBmd3uMax0VHQlSTvNo2U8XW3+JcbBBSlpucW+EkqfK1H/84l9dDcJ\n"
    "GAIM0AIMkjQNwN4KVtH6TFJn6+lSeCHJ/qDPLEoHaCSHBJ2MxxC9NYY88Ve4CXn9\n"
    "hiFITXEWEbPgY6l5262d6r+eh44Ct/uK/F9O34K9ioIn+1vKLhCN7yudj2lLEdM9\n"
    "wRg5PYIQ7XU2YcwZtQmS6gj1O85MQpouRLjCV7S0rvcUxccK0EA4KDerbtyrX+Wp\n"
    "KoRM3Bf7QuROfQRaDzM8vQH/sOjoHeidthlRff8kwSXNeoae+fg2FD9u2qCVZDK8\n"
    "Y+zsgIChAgMBAAECggEAAhRLqdhj2ibKj5OWCuWGaVBnkEhOHfTHMUam31sqTaCL\n"
    "uMr7q+l+36G5g6ptBdt46vLTMwuVSqJvEBdoyF1uPpczU2XRvtK4q1gfPMJuDwXe\n"
    "O+pU6AFruc0IqfbnwV8cxzDg/m1ExR11Sz6Dd7hafOL3Q7WCdwDRFx/SzjD+xfvr\n"
    "0z9dRUWGVwDwdzXUujG4FSLIYg8EnX/9ilf4/DKGodyEuiQjCrBXLr8+KhaaA79z\n"
    "4+YWpOm9RxhilBhTusj4ZSJ76vB5JCRrNDFnFz6PRBP4En4ro/EWES1/m2sbSuTP\n"
    "jLoLcHaOHS0aBDg5LIK/MaWr8igv9v1oTRuqySmOQQKBgQDaEe5t1r06UQESOOP5\n"
    "ct7K93iNQk9hnp9mC1Ck8xtZBk7oU4qoTE3Sd4VX/Td34okQeQKsEY0OZUL+B546\n"
    "OvTy+V/D1eq+H0sVqGTFiRQarpFH+f1RUrhmqAZCV7OML90HV42aaTBairSbA2cU\n"
    "1kFSqjXz0oXlWi7nGkI4OMT1YQKBgQDEWicBnmA1OmFdRPxwmcOfYdCqcd2dcT4R\n"
    "JM5RbCF8ulQNeqadNt7TZL9hjdDVDRvz+vZeROnkzaq+DaBD40P88GxjtxI1lhuO\n"
    "wfbDNLwiX5nKdCOXYaUikwYjC1LfF0q1Djyh0pMoySdCSllkQg3nEJlsNzLxrETY\n"
    "n9WFgUgTQQKBgHsl+THKPR57tFEoE4ZBWpPgYRHUyqNkQrwL08TzDRSfPVxyITGd\n"
    "ta0Plhv0gaiQI7tLuziUyMXCZayzfKWBueak8XHUkjY/0dUvPYlYOiQ/RQgSov2T\n"
    "61L9vFsmz9xxAy8sQGlc0dOv1QJdT48y17zpJoLE9pxo62fTKmY5mPDBAoGAKo2L\n"
    "JIupN//l9+uqddCtF46ARWAV8jgHhnmeiQDRJRHQg3dQQoQQuGl+HGs6leGYbEC4\n"
    "QefXdLGpzjRvxiarplaIdvfG53wXjtG0Y8u69gwX7UtMJ1OPETYhv1iF5jlLBIAI\n"
    "Xd2f7NfjPTeVteem0avERDKWRM/bv8Kr6JoC/8ECgYBCJaF7xSeJwxfcS+Sctxgk\n"
    "YmM8k1aSq7oIyfp6rq0Kq0PRQk90AjbPQlIZbzR3QoozM5sDhtrjlVGAhTwkhWAz\n"
    "HD36WO9FzAaujOdY4SBKpkyOIeHWbBc7UhrDYi3FB3lwROTZoAEOU3ookHYOw5+A\n"
    "k7sPEh/l5bpNZs1ILtj8Jw==\n"
    "-----END PRIVATE KEY-----\n";

static const char  fuzz_jwt_ec_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg9xIyWwAb45oT0/b0\n"
    "cblOv+0MYx9x1RhEVr0E1GBW0qqhRANCAAToZO7rp0RhPkIKKnAW9ggoy9FBMHoF\n"
    "1m4WRc9fZWXOug8KOfBrzTdWJJGe9idTpSgm/vl0qWd+ambRR+AqVmVQ\n"
    "-----END PRIVATE KEY-----\n";

static const char  fuzz_jwt_ed_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIEEZiFI/bwjW5EWYmIJRBkmZ7P/yZTX9KU2De5ilrRXk\n"
    "-----END PRIVATE KEY-----\n";

#define FUZZ_JWT_SECRET_LEN     32

static const char  fuzz_jwt_secret[] = "apigw fuzzing secret, 32 bytes!!";


/* one of the keys above, loaded; the fuzzer cannot run without it */
static EVP_PKEY *
fuzz_jwt_key(const char *pem)
{
    BIO       *bio;
    EVP_PKEY  *pkey;

    bio = BIO_new_mem_buf(pem, -1);
    pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);

    if (pkey == NULL) {
        fprintf(stderr, "fuzz: a fixed key does not load\n");
        abort();
    }

    return pkey;
}


#endif /* _FUZZ_JWT_KEYS_H_INCLUDED_ */
