
/*
 * Copyright (C) apigw contributors
 */


/*
 * The function host's configuration file, YAML or JSON, loaded through the
 * gateway's document loader: a bad file fails at start with the file, the
 * JSON pointer, the line (YAML) and the reason.
 */

#ifndef FNHOST_CONF_ONLY
#define FNHOST_CONF_ONLY
#endif

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fnhost.h"


#define FNHOST_CONF_MAX_SIZE     (1024 * 1024)

typedef struct {
    const char               *dir;          /* of the configuration file */
    apigw_linemap_t          *lines;
    apigw_error_t            *err;
} fnhost_conf_ctx_t;


static int fnhost_conf_top(fnhost_conf_ctx_t *ctx, json_t *root,
    const char *self_dir, fnhost_conf_t *conf);
static int fnhost_conf_fn(fnhost_conf_ctx_t *ctx, const char *name,
    json_t *obj, const char *ptr, fnhost_function_conf_t *fc);
static int fnhost_conf_handler(fnhost_conf_ctx_t *ctx, json_t *v,
    const char *ptr, fnhost_function_conf_t *fc);
static int fnhost_conf_command(fnhost_conf_ctx_t *ctx, json_t *v,
    const char *ptr, fnhost_function_conf_t *fc);
static int fnhost_conf_env(fnhost_conf_ctx_t *ctx, json_t *v,
    const char *ptr, fnhost_function_conf_t *fc);
static int fnhost_conf_listen(fnhost_conf_ctx_t *ctx, json_t *v,
    const char *ptr, fnhost_conf_t *conf);
static int fnhost_conf_members(fnhost_conf_ctx_t *ctx, json_t *obj,
    const char *ptr, const char **names);
static int fnhost_conf_uint(fnhost_conf_ctx_t *ctx, json_t *obj,
    const char *ptr, const char *key, unsigned min, unsigned max,
    unsigned *out);
static int fnhost_conf_string(fnhost_conf_ctx_t *ctx, json_t *obj,
    const char *ptr, const char *key, char **out);
static void fnhost_conf_error(fnhost_conf_ctx_t *ctx, json_t *node,
    const char *ptr, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static int fnhost_conf_scheduling(fnhost_conf_ctx_t *ctx, json_t *root,
    fnhost_conf_t *conf);
static char *fnhost_conf_path(const char *dir, const char *path);
static char *fnhost_conf_which(const char *name);
static void fnhost_conf_pointer(char *buf, size_t size, const char *parent,
    const char *key);


static const char  *fnhost_top_keys[] = {
    "listen", "socket_mode", "log", "log_level", "region", "account",
    "runtime", "shutdown_timeout", "scheduling", "functions", NULL
};

static const char  *fnhost_fn_keys[] = {
    "handler", "command", "directory", "concurrency", "timeout", "memory",
    "environment", "warm", "idle_timeout", "queue_timeout", "max_queue",
    "init_timeout", NULL
};

/* what the host sets itself (reference/functions.md §1) */
static const char  *fnhost_reserved_env[] = {
    "_HANDLER", "AWS_LAMBDA_RUNTIME_API", "APIGW_RUNTIME_API_SOCKET",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION",
    "AWS_DEFAULT_REGION", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    "AWS_EXECUTION_ENV", NULL
};

static const char  *fnhost_levels[] = {
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
    NULL
};


fnhost_conf_t *
fnhost_conf_load(const char *path, const char *self_dir, apigw_error_t *err)
{
    FILE           *f;
    char           *buf, *abs;
    size_t          n;
    struct stat     st;
    fnhost_conf_t  *conf;

    abs = realpath(path, NULL);

    snprintf(err->file, sizeof(err->file), "%s", abs ? abs : path);

    if (abs == NULL) {
        apigw_error_set(err, "", 0, "cannot open: %s", strerror(errno));
        return NULL;
    }

    f = fopen(abs, "r");

    if (f == NULL || fstat(fileno(f), &st) == -1) {
        apigw_error_set(err, "", 0, "cannot open: %s", strerror(errno));
        if (f) {
            fclose(f);
        }
        free(abs);
        return NULL;
    }

    if (!S_ISREG(st.st_mode) || st.st_size > FNHOST_CONF_MAX_SIZE) {
        apigw_error_set(err, "", 0, "not a regular file of at most 1 MB");
        fclose(f);
        free(abs);
        return NULL;
    }

    buf = malloc(st.st_size + 1);

    if (buf == NULL) {
        apigw_error_set(err, "", 0, "out of memory");
        fclose(f);
        free(abs);
        return NULL;
    }

    n = fread(buf, 1, st.st_size, f);
    fclose(f);
    buf[n] = '\0';

    conf = fnhost_conf_parse(abs, buf, n, self_dir, err);

    free(buf);
    free(abs);

    return conf;
}


fnhost_conf_t *
fnhost_conf_parse(const char *path, const char *buf, size_t len,
    const char *self_dir, apigw_error_t *err)
{
    char               *dir, *slash;
    json_t             *root;
    fnhost_conf_t      *conf;
    fnhost_conf_ctx_t   ctx;

    snprintf(err->file, sizeof(err->file), "%s", path);

    dir = strdup(path);
    conf = calloc(1, sizeof(fnhost_conf_t));
    ctx.lines = apigw_linemap_create();
    ctx.err = err;

    if (dir == NULL || conf == NULL || ctx.lines == NULL) {
        apigw_error_set(err, "", 0, "out of memory");
        free(dir);
        free(conf);
        apigw_linemap_free(ctx.lines);
        return NULL;
    }

    slash = strrchr(dir, '/');

    if (slash == NULL) {
        strcpy(dir, ".");

    } else if (slash == dir) {
        dir[1] = '\0';

    } else {
        *slash = '\0';
    }

    ctx.dir = dir;

    conf->file = strdup(path);
    root = apigw_doc_parse(buf, len, ctx.lines, err);

    if (root == NULL || conf->file == NULL
        || fnhost_conf_top(&ctx, root, self_dir, conf) != 0)
    {
        if (conf->file == NULL) {
            apigw_error_set(err, "", 0, "out of memory");
        }

        fnhost_conf_free(conf);
        conf = NULL;
    }

    json_decref(root);
    apigw_linemap_free(ctx.lines);
    free(dir);

    return conf;
}


static int
fnhost_conf_top(fnhost_conf_ctx_t *ctx, json_t *root, const char *self_dir,
    fnhost_conf_t *conf)
{
    int                      has_c;
    char                    *level, *mode, *end, *runtime;
    char                     ptr[APIGW_ERR_LEN];
    size_t                   i;
    json_t                  *v, *fns, *fobj;
    const char              *name;
    unsigned long            m;

    if (!json_is_object(root)) {
        fnhost_conf_error(ctx, root, "",
                          "the configuration must be an object");
        return -1;
    }

    if (fnhost_conf_members(ctx, root, "", fnhost_top_keys) != 0) {
        return -1;
    }

    v = json_object_get(root, "listen");

    if (v == NULL) {
        fnhost_conf_error(ctx, root, "", "\"listen\" is required");
        return -1;
    }

    if (fnhost_conf_listen(ctx, v, "/listen", conf) != 0) {
        return -1;
    }

    conf->socket_mode = 0660;
    v = json_object_get(root, "socket_mode");

    if (json_is_string(v)) {
        mode = (char *) json_string_value(v);
        errno = 0;
        m = strtoul(mode, &end, 8);

        if (*mode == '\0' || *end != '\0' || errno || m > 0777) {
            fnhost_conf_error(ctx, v, "/socket_mode",
                              "must be an octal mode such as \"0660\"");
            return -1;
        }

        conf->socket_mode = m;

    } else if (v != NULL) {
        fnhost_conf_error(ctx, v, "/socket_mode",
                          "must be a string such as \"0660\"");
        return -1;
    }

    if (fnhost_conf_string(ctx, root, "", "log", &conf->log) != 0) {
        return -1;
    }

    if (conf->log != NULL && strcmp(conf->log, "stderr") == 0) {
        free(conf->log);
        conf->log = NULL;

    } else if (conf->log != NULL) {
        end = fnhost_conf_path(ctx->dir, conf->log);
        free(conf->log);
        conf->log = end;
    }

    conf->log_level = FNHOST_LOG_INFO;
    level = NULL;

    if (fnhost_conf_string(ctx, root, "", "log_level", &level) != 0) {
        return -1;
    }

    if (level != NULL) {
        m = fnhost_log_level(level);
        free(level);

        if ((int) m < 0) {
            fnhost_conf_error(ctx, json_object_get(root, "log_level"),
                              "/log_level", "must be one of emerg, alert, "
                              "crit, error, warn, notice, info, debug");
            return -1;
        }

        conf->log_level = m;
    }

    if (fnhost_conf_string(ctx, root, "", "region", &conf->region) != 0
        || fnhost_conf_string(ctx, root, "", "account", &conf->account) != 0
        || fnhost_conf_string(ctx, root, "", "runtime", &runtime) != 0)
    {
        return -1;
    }

    if (conf->region == NULL) {
        conf->region = strdup("us-east-1");
    }

    if (conf->account == NULL) {
        conf->account = strdup("000000000000");
    }

    conf->shutdown_timeout = 30000;

    if (fnhost_conf_uint(ctx, root, "", "shutdown_timeout", 0, 600000,
                         &conf->shutdown_timeout) != 0)
    {
        free(runtime);
        return -1;
    }

    if (fnhost_conf_scheduling(ctx, root, conf) != 0) {
        free(runtime);
        return -1;
    }

    fns = json_object_get(root, "functions");

    if (!json_is_object(fns) || json_object_size(fns) == 0) {
        fnhost_conf_error(ctx, fns ? fns : root, fns ? "/functions" : "",
                          "\"functions\" must be an object naming one "
                          "function or more");
        free(runtime);
        return -1;
    }

    /* one more: a function that fails half-loaded is freed with the rest */
    conf->functions = calloc(json_object_size(fns) + 1,
                             sizeof(fnhost_function_conf_t));

    if (conf->functions == NULL || conf->region == NULL
        || conf->account == NULL)
    {
        apigw_error_set(ctx->err, "", 0, "out of memory");
        free(runtime);
        return -1;
    }

    has_c = 0;

    json_object_foreach(fns, name, fobj) {
        fnhost_conf_pointer(ptr, sizeof(ptr), "/functions", name);

        if (fnhost_conf_fn(ctx, name, fobj, ptr,
                           &conf->functions[conf->nfunctions])
            != 0)
        {
            free(runtime);
            return -1;
        }

        if (conf->functions[conf->nfunctions].library != NULL) {
            has_c = 1;
        }

        conf->nfunctions++;
    }

    if (runtime != NULL) {
        conf->runtime = fnhost_conf_path(ctx->dir, runtime);
        free(runtime);

    } else if (self_dir != NULL) {
        conf->runtime = fnhost_conf_path(self_dir, "apigw-fn-runtime");
    }

    if (has_c && (conf->runtime == NULL || access(conf->runtime, X_OK) != 0))
    {
        v = json_object_get(root, "runtime");
        fnhost_conf_error(ctx, v ? v : root, v ? "/runtime" : "",
                          "the C runtime \"%s\" is not an executable file; "
                          "give its path as \"runtime\"",
                          conf->runtime ? conf->runtime : "apigw-fn-runtime");
        return -1;
    }

    for (i = 0; i < conf->nfunctions; i++) {
        if (conf->functions[i].argv != NULL) {
            continue;
        }

        conf->functions[i].argv = calloc(4, sizeof(char *));

        if (conf->functions[i].argv == NULL) {
            apigw_error_set(ctx->err, "", 0, "out of memory");
            return -1;
        }

        conf->functions[i].argv[0] = strdup(conf->runtime);
        conf->functions[i].argv[1] = strdup(conf->functions[i].library);
        conf->functions[i].argv[2] = strdup(conf->functions[i].symbol);

        if (conf->functions[i].argv[0] == NULL
            || conf->functions[i].argv[1] == NULL
            || conf->functions[i].argv[2] == NULL)
        {
            apigw_error_set(ctx->err, "", 0, "out of memory");
            return -1;
        }
    }

    return 0;
}


static int
fnhost_conf_fn(fnhost_conf_ctx_t *ctx, const char *name, json_t *obj,
    const char *ptr, fnhost_function_conf_t *fc)
{
    char         p[APIGW_ERR_LEN + 64];
    char        *dir;
    size_t       i, n;
    json_t      *handler, *command;
    struct stat  st;

    n = strlen(name);

    for (i = 0; i < n; i++) {
        if (!isalnum((unsigned char) name[i]) && name[i] != '-'
            && name[i] != '_')
        {
            break;
        }
    }

    if (n == 0 || n > 64 || i < n) {
        fnhost_conf_error(ctx, obj, ptr, "a function name has 1 to 64 "
                          "letters, digits, \"-\" or \"_\", as Lambda's");
        return -1;
    }

    fc->name = strdup(name);

    if (fc->name == NULL) {
        apigw_error_set(ctx->err, ptr, 0, "out of memory");
        return -1;
    }

    if (!json_is_object(obj)) {
        fnhost_conf_error(ctx, obj, ptr, "a function must be an object");
        return -1;
    }

    if (fnhost_conf_members(ctx, obj, ptr, fnhost_fn_keys) != 0) {
        return -1;
    }

    dir = NULL;

    if (fnhost_conf_string(ctx, obj, ptr, "directory", &dir) != 0) {
        return -1;
    }

    fc->directory = fnhost_conf_path(ctx->dir, dir ? dir : ".");
    free(dir);

    if (fc->directory == NULL) {
        apigw_error_set(ctx->err, ptr, 0, "out of memory");
        return -1;
    }

    if (stat(fc->directory, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(p, sizeof(p), "%s/directory", ptr);
        fnhost_conf_error(ctx, json_object_get(obj, "directory"), p,
                          "\"%s\" is not a directory", fc->directory);
        return -1;
    }

    handler = json_object_get(obj, "handler");
    command = json_object_get(obj, "command");

    if (handler == NULL && command == NULL) {
        fnhost_conf_error(ctx, obj, ptr, "a function needs a \"handler\" "
                          "(a C handler, \"lib.so:symbol\") or a "
                          "\"command\" (a runtime's bootstrap)");
        return -1;
    }

    if (handler != NULL) {
        snprintf(p, sizeof(p), "%s/handler", ptr);

        if (!json_is_string(handler) || json_string_length(handler) == 0) {
            fnhost_conf_error(ctx, handler, p, "must be a string");
            return -1;
        }

        fc->handler = strdup(json_string_value(handler));

        if (fc->handler == NULL) {
            apigw_error_set(ctx->err, p, 0, "out of memory");
            return -1;
        }
    }

    if (command != NULL) {
        snprintf(p, sizeof(p), "%s/command", ptr);

        if (fnhost_conf_command(ctx, command, p, fc) != 0) {
            return -1;
        }

    } else if (fnhost_conf_handler(ctx, handler, ptr, fc) != 0) {
        return -1;
    }

    fc->concurrency = 4;
    fc->timeout = 3000;
    fc->memory = 512;
    fc->idle_timeout = 300000;
    fc->max_queue = 64;
    fc->init_timeout = 10000;

    if (fnhost_conf_uint(ctx, obj, ptr, "concurrency", 1, 1024,
                         &fc->concurrency) != 0
        || fnhost_conf_uint(ctx, obj, ptr, "timeout", 1, FNHOST_MAX_TIMEOUT,
                            &fc->timeout) != 0
        || fnhost_conf_uint(ctx, obj, ptr, "memory", 0, 1048576,
                            &fc->memory) != 0
        || fnhost_conf_uint(ctx, obj, ptr, "idle_timeout", 0, 86400000,
                            &fc->idle_timeout) != 0
        || fnhost_conf_uint(ctx, obj, ptr, "max_queue", 1, 100000,
                            &fc->max_queue) != 0
        || fnhost_conf_uint(ctx, obj, ptr, "init_timeout", 1, 600000,
                            &fc->init_timeout) != 0)
    {
        return -1;
    }

    fc->queue_timeout = fc->timeout;

    if (fnhost_conf_uint(ctx, obj, ptr, "queue_timeout", 0,
                         FNHOST_MAX_TIMEOUT, &fc->queue_timeout) != 0
        || fnhost_conf_uint(ctx, obj, ptr, "warm", 0, fc->concurrency,
                            &fc->warm) != 0)
    {
        return -1;
    }

    if (fc->memory != 0 && fc->memory < 16) {
        snprintf(p, sizeof(p), "%s/memory", ptr);
        fnhost_conf_error(ctx, json_object_get(obj, "memory"), p,
                          "must be 0 (no limit) or at least 16 (MB)");
        return -1;
    }

    snprintf(p, sizeof(p), "%s/environment", ptr);

    return fnhost_conf_env(ctx, json_object_get(obj, "environment"), p, fc);
}


/* "path/to/lib.so:symbol", the path relative to the function's directory */

static int
fnhost_conf_handler(fnhost_conf_ctx_t *ctx, json_t *v, const char *ptr,
    fnhost_function_conf_t *fc)
{
    char         p[APIGW_ERR_LEN + 64];
    char        *colon, *lib;
    size_t       i;
    struct stat  st;

    snprintf(p, sizeof(p), "%s/handler", ptr);

    lib = strdup(fc->handler);

    if (lib == NULL) {
        apigw_error_set(ctx->err, p, 0, "out of memory");
        return -1;
    }

    colon = strrchr(lib, ':');

    if (colon == NULL || colon == lib || colon[1] == '\0') {
        fnhost_conf_error(ctx, v, p, "a C handler is \"path/to/lib.so:"
                          "symbol\" (or give a \"command\")");
        free(lib);
        return -1;
    }

    *colon++ = '\0';

    for (i = 0; colon[i]; i++) {
        if (!isalnum((unsigned char) colon[i]) && colon[i] != '_') {
            fnhost_conf_error(ctx, v, p, "\"%s\" is not a C symbol name",
                              colon);
            free(lib);
            return -1;
        }
    }

    fc->symbol = strdup(colon);
    fc->library = fnhost_conf_path(fc->directory, lib);
    free(lib);

    if (fc->symbol == NULL || fc->library == NULL) {
        apigw_error_set(ctx->err, p, 0, "out of memory");
        return -1;
    }

    if (stat(fc->library, &st) != 0 || !S_ISREG(st.st_mode)
        || access(fc->library, R_OK) != 0)
    {
        fnhost_conf_error(ctx, v, p, "\"%s\" is not a readable file",
                          fc->library);
        return -1;
    }

    return 0;
}


/* a list of arguments, or a string run by /bin/sh -c "exec ..." */

static int
fnhost_conf_command(fnhost_conf_ctx_t *ctx, json_t *v, const char *ptr,
    fnhost_function_conf_t *fc)
{
    char    *exec, *prog;
    size_t   i, n;
    json_t  *a;

    if (json_is_string(v) && json_string_length(v) > 0) {
        fc->argv = calloc(4, sizeof(char *));
        n = json_string_length(v) + sizeof("exec ");
        exec = malloc(n);

        if (fc->argv == NULL || exec == NULL) {
            free(exec);
            apigw_error_set(ctx->err, ptr, 0, "out of memory");
            return -1;
        }

        snprintf(exec, n, "exec %s", json_string_value(v));
        fc->argv[0] = strdup("/bin/sh");
        fc->argv[1] = strdup("-c");
        fc->argv[2] = exec;

        if (fc->argv[0] == NULL || fc->argv[1] == NULL) {
            apigw_error_set(ctx->err, ptr, 0, "out of memory");
            return -1;
        }

        return 0;
    }

    if (!json_is_array(v) || json_array_size(v) == 0) {
        fnhost_conf_error(ctx, v, ptr, "must be a string (run by the shell) "
                          "or a list of arguments");
        return -1;
    }

    n = json_array_size(v);
    fc->argv = calloc(n + 1, sizeof(char *));

    if (fc->argv == NULL) {
        apigw_error_set(ctx->err, ptr, 0, "out of memory");
        return -1;
    }

    json_array_foreach(v, i, a) {
        if (!json_is_string(a) || (i == 0 && json_string_length(a) == 0)) {
            fnhost_conf_error(ctx, a, ptr, "argument %zu must be a string",
                              i);
            return -1;
        }

        fc->argv[i] = strdup(json_string_value(a));

        if (fc->argv[i] == NULL) {
            apigw_error_set(ctx->err, ptr, 0, "out of memory");
            return -1;
        }
    }

    /* the program: relative to the function's directory, or on PATH */

    if (strchr(fc->argv[0], '/') != NULL) {
        prog = fnhost_conf_path(fc->directory, fc->argv[0]);

    } else {
        prog = fnhost_conf_which(fc->argv[0]);
    }

    if (prog == NULL || access(prog, X_OK) != 0) {
        fnhost_conf_error(ctx, json_array_get(v, 0), ptr,
                          "\"%s\" is not an executable file",
                          prog ? prog : fc->argv[0]);
        free(prog);
        return -1;
    }

    free(fc->argv[0]);
    fc->argv[0] = prog;

    return 0;
}


static int
fnhost_conf_env(fnhost_conf_ctx_t *ctx, json_t *v, const char *ptr,
    fnhost_function_conf_t *fc)
{
    char         p[APIGW_ERR_LEN + 64], num[64];
    size_t       i, n, len;
    json_t      *val;
    const char  *key, *text, **r;

    if (v == NULL) {
        fc->env = calloc(1, sizeof(char *));
        return fc->env ? 0 : -1;
    }

    if (!json_is_object(v)) {
        fnhost_conf_error(ctx, v, ptr, "must be an object of names and "
                          "values");
        return -1;
    }

    fc->env = calloc(json_object_size(v) + 1, sizeof(char *));

    if (fc->env == NULL) {
        apigw_error_set(ctx->err, ptr, 0, "out of memory");
        return -1;
    }

    n = 0;

    json_object_foreach(v, key, val) {
        fnhost_conf_pointer(p, sizeof(p), ptr, key);

        for (i = 0; key[i]; i++) {
            if (!(isalpha((unsigned char) key[i]) || key[i] == '_'
                  || (i > 0 && isdigit((unsigned char) key[i]))))
            {
                break;
            }
        }

        if (i == 0 || key[i] != '\0') {
            fnhost_conf_error(ctx, val, p, "\"%s\" is not a variable name",
                              key);
            return -1;
        }

        for (r = fnhost_reserved_env; *r; r++) {
            if (strcmp(*r, key) == 0) {
                fnhost_conf_error(ctx, val, p, "\"%s\" is reserved: the "
                                  "host sets it", key);
                return -1;
            }
        }

        if (json_is_string(val)) {
            text = json_string_value(val);

        } else if (json_is_integer(val)) {
            snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(val));
            text = num;

        } else if (json_is_boolean(val)) {
            text = json_is_true(val) ? "true" : "false";

        } else if (json_is_real(val)) {
            snprintf(num, sizeof(num), "%.17g", json_real_value(val));
            text = num;

        } else {
            fnhost_conf_error(ctx, val, p, "must be a string, a number or "
                              "a boolean");
            return -1;
        }

        if (strlen(text) != (json_is_string(val) ? json_string_length(val)
                                                 : strlen(text)))
        {
            fnhost_conf_error(ctx, val, p, "must not hold a NUL byte");
            return -1;
        }

        len = strlen(key) + strlen(text) + 2;
        fc->env[n] = malloc(len);

        if (fc->env[n] == NULL) {
            apigw_error_set(ctx->err, p, 0, "out of memory");
            return -1;
        }

        snprintf(fc->env[n++], len, "%s=%s", key, text);
    }

    return 0;
}


static int
fnhost_conf_listen(fnhost_conf_ctx_t *ctx, json_t *v, const char *ptr,
    fnhost_conf_t *conf)
{
    char         p[APIGW_ERR_LEN + 64], host[256], *path;
    size_t       i, n, len;
    json_t      *a;
    unsigned     port;
    const char  *upath;

    n = json_is_array(v) ? json_array_size(v) : 1;

    if (!(json_is_string(v) || (json_is_array(v) && n > 0))) {
        fnhost_conf_error(ctx, v, ptr, "must be an address or a list of "
                          "addresses: \"unix:/path.sock\", \"host:port\"");
        return -1;
    }

    conf->listen = calloc(n + 1, sizeof(char *));

    if (conf->listen == NULL) {
        apigw_error_set(ctx->err, ptr, 0, "out of memory");
        return -1;
    }

    for (i = 0; i < n; i++) {
        a = json_is_array(v) ? json_array_get(v, i) : v;

        if (json_is_array(v)) {
            snprintf(p, sizeof(p), "%s/%zu", ptr, i);

        } else {
            snprintf(p, sizeof(p), "%s", ptr);
        }

        if (!json_is_string(a)
            || fnhost_conf_listen_parse(json_string_value(a), host,
                                        sizeof(host), &port, &upath) < 0)
        {
            fnhost_conf_error(ctx, a, p, "\"%s\" is not an address such as "
                              "\"unix:/path.sock\", \"127.0.0.1:9000\" or "
                              "\"9000\"",
                              json_is_string(a) ? json_string_value(a) : "");
            return -1;
        }

        if (upath != NULL) {
            path = fnhost_conf_path(ctx->dir, upath);

            if (path == NULL) {
                apigw_error_set(ctx->err, p, 0, "out of memory");
                return -1;
            }

            len = strlen(path) + sizeof("unix:");

            if (len > 107 + sizeof("unix:")) {
                fnhost_conf_error(ctx, a, p, "a unix socket path has at "
                                  "most 107 bytes");
                free(path);
                return -1;
            }

            conf->listen[conf->nlisten] = malloc(len);

            if (conf->listen[conf->nlisten] != NULL) {
                snprintf(conf->listen[conf->nlisten], len, "unix:%s", path);
            }

            free(path);

        } else {
            conf->listen[conf->nlisten] = strdup(json_string_value(a));
        }

        if (conf->listen[conf->nlisten] == NULL) {
            apigw_error_set(ctx->err, p, 0, "out of memory");
            return -1;
        }

        conf->nlisten++;
    }

    return 0;
}


int
fnhost_conf_listen_parse(const char *text, char *host, size_t hlen,
    unsigned *port, const char **path)
{
    char         *end;
    size_t        n;
    const char   *colon, *p;
    unsigned long v;

    *path = NULL;

    if (strncmp(text, "unix:", 5) == 0) {
        if (text[5] == '\0') {
            return -1;
        }

        *path = text + 5;
        return 1;
    }

    if (text[0] == '[') {
        p = strchr(text, ']');

        if (p == NULL || p[1] != ':') {
            return -1;
        }

        n = p - text - 1;
        colon = p + 1;
        text++;

    } else {
        colon = strrchr(text, ':');
        n = colon ? (size_t) (colon - text) : 0;
    }

    if (n >= hlen || (colon != NULL && n == 0)) {
        return -1;
    }

    if (colon == NULL) {
        snprintf(host, hlen, "127.0.0.1");
        p = text;

    } else {
        memcpy(host, text, n);
        host[n] = '\0';
        p = colon + 1;
    }

    if (!isdigit((unsigned char) *p)) {
        return -1;
    }

    errno = 0;
    v = strtoul(p, &end, 10);

    if (*end != '\0' || errno || v == 0 || v > 65535) {
        return -1;
    }

    *port = v;

    return 0;
}


int
fnhost_function_name(const char *text, char *name, size_t len,
    const char **qualifier)
{
    size_t       n;
    const char  *p, *q;

    *qualifier = NULL;

    /* arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q], ACCOUNT:function:N */

    p = strstr(text, ":function:");

    if (p != NULL) {
        text = p + sizeof(":function:") - 1;

    } else if (strncmp(text, "function:", 9) == 0) {
        text += 9;
    }

    q = strchr(text, ':');
    n = q ? (size_t) (q - text) : strlen(text);

    if (n == 0 || n >= len) {
        return -1;
    }

    memcpy(name, text, n);
    name[n] = '\0';

    if (q != NULL) {
        if (q[1] == '\0' || strchr(q + 1, ':') != NULL) {
            return -1;
        }

        *qualifier = q + 1;
    }

    return 0;
}


const fnhost_function_conf_t *
fnhost_conf_function(const fnhost_conf_t *conf, const char *name)
{
    unsigned  i;

    for (i = 0; i < conf->nfunctions; i++) {
        if (strcmp(conf->functions[i].name, name) == 0) {
            return &conf->functions[i];
        }
    }

    return NULL;
}


int
fnhost_log_level(const char *name)
{
    int  i;

    for (i = 0; fnhost_levels[i]; i++) {
        if (strcmp(fnhost_levels[i], name) == 0) {
            return i;
        }
    }

    return -1;
}


static int
fnhost_conf_members(fnhost_conf_ctx_t *ctx, json_t *obj, const char *ptr,
    const char **names)
{
    char          p[APIGW_ERR_LEN + 64];
    json_t       *v;
    const char   *key, **n;

    json_object_foreach(obj, key, v) {
        for (n = names; *n; n++) {
            if (strcmp(*n, key) == 0) {
                break;
            }
        }

        if (*n == NULL) {
            fnhost_conf_pointer(p, sizeof(p), ptr, key);
            fnhost_conf_error(ctx, v, p, "unknown key \"%s\"", key);
            return -1;
        }
    }

    return 0;
}


static int
fnhost_conf_uint(fnhost_conf_ctx_t *ctx, json_t *obj, const char *ptr,
    const char *key, unsigned min, unsigned max, unsigned *out)
{
    char         p[APIGW_ERR_LEN + 64];
    json_t      *v;
    json_int_t   n;

    v = json_object_get(obj, key);

    if (v == NULL) {
        return 0;
    }

    fnhost_conf_pointer(p, sizeof(p), ptr, key);

    if (!json_is_integer(v)) {
        fnhost_conf_error(ctx, v, p, "must be an integer from %u to %u",
                          min, max);
        return -1;
    }

    n = json_integer_value(v);

    if (n < (json_int_t) min || n > (json_int_t) max) {
        fnhost_conf_error(ctx, v, p, "must be an integer from %u to %u",
                          min, max);
        return -1;
    }

    *out = (unsigned) n;

    return 0;
}


static int
fnhost_conf_string(fnhost_conf_ctx_t *ctx, json_t *obj, const char *ptr,
    const char *key, char **out)
{
    char     p[APIGW_ERR_LEN];
    json_t  *v;

    *out = NULL;
    v = json_object_get(obj, key);

    if (v == NULL) {
        return 0;
    }

    fnhost_conf_pointer(p, sizeof(p), ptr, key);

    if (!json_is_string(v) || json_string_length(v) == 0
        || strlen(json_string_value(v)) != json_string_length(v))
    {
        fnhost_conf_error(ctx, v, p, "must be a non-empty string");
        return -1;
    }

    *out = strdup(json_string_value(v));

    if (*out == NULL) {
        apigw_error_set(ctx->err, p, 0, "out of memory");
        return -1;
    }

    return 0;
}


static void
fnhost_conf_error(fnhost_conf_ctx_t *ctx, json_t *node, const char *ptr,
    const char *fmt, ...)
{
    char     msg[APIGW_ERR_LEN];
    va_list  args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    apigw_error_set(ctx->err, ptr, node ? apigw_linemap_find(ctx->lines, node)
                                        : 0,
                    "%s", msg);
}


/*
 * "batch" (the default): the host and its runtimes run as SCHED_BATCH, so
 * waking one does not preempt the nginx worker that wrote to it mid-turn;
 * "inherit": the policy the host was started with.
 */

static int
fnhost_conf_scheduling(fnhost_conf_ctx_t *ctx, json_t *root,
    fnhost_conf_t *conf)
{
    int    rc;
    char  *policy;

    conf->sched_batch = 1;
    policy = NULL;

    if (fnhost_conf_string(ctx, root, "", "scheduling", &policy) != 0) {
        return -1;
    }

    if (policy == NULL) {
        return 0;
    }

    rc = 0;

    if (strcmp(policy, "inherit") == 0) {
        conf->sched_batch = 0;

    } else if (strcmp(policy, "batch") != 0) {
        fnhost_conf_error(ctx, json_object_get(root, "scheduling"),
                          "/scheduling", "must be \"batch\" or \"inherit\"");
        rc = -1;
    }

    free(policy);

    return rc;
}


/* a path relative to dir, made absolute (not resolved: it may not exist) */

static char *
fnhost_conf_path(const char *dir, const char *path)
{
    char    *p;
    size_t   n;

    if (path[0] == '/') {
        return strdup(path);
    }

    if (strcmp(path, ".") == 0) {
        return strdup(dir);
    }

    if (strncmp(path, "./", 2) == 0) {
        path += 2;
    }

    n = strlen(dir) + strlen(path) + 2;
    p = malloc(n);

    if (p != NULL) {
        snprintf(p, n, "%s%s%s", dir,
                 dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", path);
    }

    return p;
}


static char *
fnhost_conf_which(const char *name)
{
    char        *dirs, *dir, *save, *p;
    const char  *path;

    path = getenv("PATH");
    dirs = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");

    if (dirs == NULL) {
        return NULL;
    }

    for (dir = strtok_r(dirs, ":", &save); dir;
         dir = strtok_r(NULL, ":", &save))
    {
        if (dir[0] != '/') {
            continue;
        }

        p = fnhost_conf_path(dir, name);

        if (p != NULL && access(p, X_OK) == 0) {
            free(dirs);
            return p;
        }

        free(p);
    }

    free(dirs);

    return NULL;
}


/* a JSON pointer: parent + "/" + the key, "~" and "/" escaped */

static void
fnhost_conf_pointer(char *buf, size_t size, const char *parent,
    const char *key)
{
    size_t  n;

    n = snprintf(buf, size, "%s/", parent);

    for ( ; *key && n + 3 < size; key++) {
        if (*key == '~') {
            buf[n++] = '~';
            buf[n++] = '0';

        } else if (*key == '/') {
            buf[n++] = '~';
            buf[n++] = '1';

        } else {
            buf[n++] = *key;
        }
    }

    buf[n < size ? n : size - 1] = '\0';
}


static void
fnhost_conf_free_list(char **list)
{
    char  **p;

    if (list == NULL) {
        return;
    }

    for (p = list; *p; p++) {
        free(*p);
    }

    free(list);
}


void
fnhost_conf_free(fnhost_conf_t *conf)
{
    unsigned                 i;
    fnhost_function_conf_t  *fc;

    if (conf == NULL) {
        return;
    }

    for (i = 0; conf->functions && i <= conf->nfunctions; i++) {
        fc = &conf->functions[i];
        free(fc->name);
        free(fc->handler);
        free(fc->library);
        free(fc->symbol);
        free(fc->directory);
        fnhost_conf_free_list(fc->argv);
        fnhost_conf_free_list(fc->env);
    }

    free(conf->functions);
    fnhost_conf_free_list(conf->listen);
    free(conf->file);
    free(conf->log);
    free(conf->region);
    free(conf->account);
    free(conf->runtime);
    free(conf);
}
