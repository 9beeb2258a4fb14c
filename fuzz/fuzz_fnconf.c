
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: the function host's configuration loader
 * (functions/host/fnhost_conf.c) on any bytes, as a file of a private
 * directory ($TMPDIR or /tmp) holding an executable "bootstrap" and a
 * "lib.so" that commands and handlers may name.
 *
 * Checks, besides the sanitizers:
 *   - a failure says why, and where: a pointer that is "" or starts with
 *     "/", a line within the input;
 *   - a loaded file is whole: an address or more, a function or more, each
 *     with a program to run, its numbers within their bounds, warm within
 *     its concurrency.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fnhost.h"


#define FUZZ_MAX_INPUT      (64 * 1024)


static char  fuzz_dir[256];
static char  fuzz_file[300];


static void
fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_fnconf: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FILE        *f;
    char         path[300];
    const char  *tmp;

    (void) argc;
    (void) argv;

    tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz-fnconf-XXXXXX",
             tmp ? tmp : "/tmp");

    if (mkdtemp(fuzz_dir) == NULL) {
        fuzz_fail("mkdtemp", NULL);
    }

    snprintf(fuzz_file, sizeof(fuzz_file), "%s/functions.yaml", fuzz_dir);

    snprintf(path, sizeof(path), "%s/bootstrap", fuzz_dir);
    f = fopen(path, "w");
    fclose(f);
    chmod(path, 0755);

    snprintf(path, sizeof(path), "%s/apigw-fn-runtime", fuzz_dir);
    f = fopen(path, "w");
    fclose(f);
    chmod(path, 0755);

    snprintf(path, sizeof(path), "%s/lib.so", fuzz_dir);
    f = fopen(path, "w");
    fclose(f);

    return 0;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    size_t                   i, lines;
    unsigned                 f;
    fnhost_conf_t           *conf;
    apigw_error_t            err;
    fnhost_function_conf_t  *fc;

    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }

    memset(&err, 0, sizeof(apigw_error_t));

    conf = fnhost_conf_parse(fuzz_file, (const char *) data, size, fuzz_dir,
                             &err);

    if (conf == NULL) {
        lines = 1;

        /* libyaml breaks lines at CR, LF, NEL (C2 85), LS and PS (E2 80
           A8, A9) too: an upper bound */
        for (i = 0; i < size; i++) {
            lines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85
                     || data[i] == 0xe2;
        }

        if (err.message[0] == '\0') {
            fuzz_fail("a failure without a message", NULL);
        }

        if (err.pointer[0] != '\0' && err.pointer[0] != '/') {
            fuzz_fail("a pointer that is not one", err.pointer);
        }

        if (err.line > lines + 1) {
            fuzz_fail("a line past the input", err.message);
        }

        return 0;
    }

    if (conf->nlisten == 0 || conf->nfunctions == 0) {
        fuzz_fail("loaded without an address or a function", NULL);
    }

    for (f = 0; f < conf->nfunctions; f++) {
        fc = &conf->functions[f];

        if (fc->argv == NULL || fc->argv[0] == NULL || fc->env == NULL
            || fc->directory == NULL || fc->concurrency == 0
            || fc->concurrency > 1024 || fc->timeout == 0
            || fc->timeout > FNHOST_MAX_TIMEOUT || fc->warm > fc->concurrency
            || fc->queue_timeout > FNHOST_MAX_TIMEOUT
            || fnhost_conf_function(conf, fc->name) != fc)
        {
            fuzz_fail("a function loaded half", fc->name);
        }
    }

    fnhost_conf_free(conf);

    return 0;
}
