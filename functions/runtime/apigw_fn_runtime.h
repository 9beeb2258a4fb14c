
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_FN_RUNTIME_H_INCLUDED_
#define _APIGW_FN_RUNTIME_H_INCLUDED_


/* reports an init failure to the Runtime API (POST /runtime/init/error) */
int apigw_fn_init_error(const char *type, const char *message);
int apigw_fn_init_error_client(void *client, const char *type,
    const char *message);


#endif /* _APIGW_FN_RUNTIME_H_INCLUDED_ */
