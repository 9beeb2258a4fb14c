
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: apigw_keys_load() on the input written to a file (in
 * /dev/shm if it is there, else $TMPDIR or /tmp), then lookups and
 * apigw_keys_free().
 *
 * Checks, besides the sanitizers:
 *   - a failure says why and where (err.message, err.file, a pointer that
 *     is "" or starts with "/");
 *   - a loaded file is consistent: every key has a plan of the file, the
 *     digest table holds every key once, and a plan's stages are
 *     "api/stage" split in two non-empty parts.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apigw_keys.h"


#define FUZZ_MAX_INPUT      (64 * 1024)


static char  fuzz_path[256];


static void
fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_keys: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char  *dir;

    (void) argc;
    (void) argv;

    dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

    snprintf(fuzz_path, sizeof(fuzz_path), "%s/apigw-fuzz-keys.%d.yaml",
             dir ? dir : "/tmp", (int) getpid());

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE           *f;
    size_t          i, j, n;
    apigw_keys_t   *keys;
    apigw_error_t   err;

    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }

    f = fopen(fuzz_path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        fuzz_fail("cannot write", fuzz_path);
    }

    memset(&err, 0, sizeof(err));
    keys = apigw_keys_load(fuzz_path, &err);
    unlink(fuzz_path);

    if (keys == NULL) {
        if (err.message[0] == '\0' || err.file[0] == '\0') {
            fuzz_fail("a failure without a message or a file", NULL);
        }

        if (err.pointer[0] != '\0' && err.pointer[0] != '/') {
            fuzz_fail("a bad pointer", err.pointer);
        }

        return 0;
    }

    for (i = 0; i < keys->nkeys; i++) {
        if (keys->keys[i].plan < keys->plans
            || keys->keys[i].plan >= keys->plans + keys->nplans)
        {
            fuzz_fail("a key's plan is not the file's", keys->keys[i].id);
        }
    }

    for (n = 0, i = 0; i < keys->size; i++) {
        n += (keys->table[i] != NULL);
    }

    if (n != keys->nkeys || (keys->size & (keys->size - 1)) != 0) {
        fuzz_fail("the digest table", NULL);
    }

    for (i = 0; i < keys->nplans; i++) {
        for (j = 0; j < keys->plans[i].nstages; j++) {
            if (keys->plans[i].stages[j].api[0] == '\0'
                || keys->plans[i].stages[j].stage[0] == '\0')
            {
                fuzz_fail("an empty api or stage", keys->plans[i].id);
            }
        }
    }

    (void) apigw_keys_find(keys, "aaaaaaaaaaaaaaaaaaaa", 20);
    (void) apigw_keys_find(keys, (const char *) data, size);

    apigw_keys_free(keys);

    return 0;
}
