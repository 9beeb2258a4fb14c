
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_SPEC_LOAD_H_INCLUDED_
#define _APIGW_SPEC_LOAD_H_INCLUDED_


/*
 * For the unit tests that load a spec from its text: the text is written
 * to spec.yaml in a private directory (spec_dir_open(), spec_dir_close())
 * and loaded, err holding why it did not.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apigw_core.h"
#include "unit.h"


static char           dir[] = "/tmp/apigw-unit-spec.XXXXXX";
static char           path[512];
static apigw_error_t  err;


static UNIT_UNUSED int
spec_dir_open(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return -1;
    }

    snprintf(path, sizeof(path), "%s/spec.yaml", dir);

    return 0;
}


static UNIT_UNUSED void
spec_dir_close(void)
{
    unlink(path);
    rmdir(dir);
}


static UNIT_UNUSED apigw_api_t *
load_text_flags(const char *text, unsigned flags)
{
    FILE  *f;

    f = fopen(path, "w");
    if (f == NULL) {
        return NULL;
    }

    fputs(text, f);
    fclose(f);

    memset(&err, 0, sizeof(err));

    return apigw_api_load(path, flags, &err);
}


static UNIT_UNUSED apigw_api_t *
load_text(const char *text)
{
    return load_text_flags(text, APIGW_LOAD_STRICT);
}


#endif /* _APIGW_SPEC_LOAD_H_INCLUDED_ */
