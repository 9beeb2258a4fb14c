
/*
 * Copyright (C) apigw contributors
 */


/*
 * apigw-fn-runtime LIBRARY SYMBOL: the C runtime.  It loads the function
 * (a shared object), finds the handler SYMBOL and, when the object has
 * one, its init SYMBOL_init, then serves invocations through the Runtime
 * API at AWS_LAMBDA_RUNTIME_API.  A library or a symbol that cannot be
 * loaded is an init error (Runtime.ImportModuleError,
 * Runtime.HandlerNotFound), reported as Lambda's runtimes do.
 */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_function.h"
#include "apigw_fn_runtime.h"


int
main(int argc, char **argv)
{
    char                 msg[1024], init_name[256];
    void                *lib;
    const char          *e;
    apigw_fn_init_pt     init;
    apigw_fn_handler_pt  handler;

    if (argc != 3) {
        fprintf(stderr, "usage: apigw-fn-runtime LIBRARY SYMBOL\n");
        return 2;
    }

    /* a line of output reaches the host's log as it is written */
    setvbuf(stdout, NULL, _IOLBF, 0);

    lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);

    if (lib == NULL) {
        e = dlerror();
        snprintf(msg, sizeof(msg), "cannot load %s: %s", argv[1],
                 e ? e : "unknown error");
        fprintf(stderr, "apigw-fn-runtime: %s\n", msg);
        apigw_fn_init_error("Runtime.ImportModuleError", msg);
        return 1;
    }

    *(void **) &handler = dlsym(lib, argv[2]);

    if (handler == NULL) {
        snprintf(msg, sizeof(msg), "%s has no function %s", argv[1],
                 argv[2]);
        fprintf(stderr, "apigw-fn-runtime: %s\n", msg);
        apigw_fn_init_error("Runtime.HandlerNotFound", msg);
        return 1;
    }

    snprintf(init_name, sizeof(init_name), "%s_init", argv[2]);
    *(void **) &init = dlsym(lib, init_name);

    return apigw_fn_run(handler, init);
}
