
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: apigw_json_parse() on any bytes, against jansson's own
 * loader as the reference (JSON_DECODE_ANY | JSON_REJECT_DUPLICATES).
 *
 * Checks, besides the sanitizers:
 *   - whatever apigw accepts, jansson accepts too, as an equal value;
 *   - whatever jansson accepts, apigw accepts too, unless apigw's stricter
 *     rules refuse it (nesting past the limit, numbers out of range, NUL,
 *     a raw NUL after the value, where jansson stops reading), which the
 *     error message must then say;
 *   - a refusal always says where: "line N, column M: ...".
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"


#define FUZZ_DEPTH  32


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char          errbuf[APIGW_ERR_LEN];
    json_t       *ours, *theirs;
    json_error_t  error;

    ours = apigw_json_parse((const char *) data, size, FUZZ_DEPTH, errbuf,
                            sizeof(errbuf));
    theirs = json_loadb((const char *) data, size,
                        JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &error);

    if (ours == NULL && strncmp(errbuf, "line ", 5) != 0) {
        fprintf(stderr, "refusal without a place: \"%s\"\n", errbuf);
        abort();
    }

    if (ours && (theirs == NULL || !json_equal(ours, theirs))) {
        fprintf(stderr, "apigw accepts what jansson %s\n",
                theirs ? "reads otherwise" : "refuses");
        abort();
    }

    /* jansson stops reading at a raw NUL: apigw refuses what follows */
    if (theirs && ours == NULL
        && memchr(data, '\0', size) == NULL
        && strstr(errbuf, "nesting deeper") == NULL
        && strstr(errbuf, "out of range") == NULL
        && strstr(errbuf, "NUL") == NULL)
    {
        fprintf(stderr, "apigw refuses what jansson accepts: %s\n", errbuf);
        abort();
    }

    json_decref(ours);
    json_decref(theirs);

    return 0;
}
