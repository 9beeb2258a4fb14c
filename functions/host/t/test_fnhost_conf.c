
/*
 * Copyright (C) apigw contributors
 */


/*
 * The function host's configuration loader: defaults, every key, paths
 * made absolute, commands, environments, listen addresses, the Invoke
 * path's function names, and each error with its pointer and line.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "fnhost.h"


static char  dir[256];
static char  lib[300];
static char  prog[300];
static char  runtime[300];


static fnhost_conf_t *
load(const char *text, apigw_error_t *err)
{
    char  path[400];

    snprintf(path, sizeof(path), "%s/functions.yaml", dir);
    memset(err, 0, sizeof(apigw_error_t));

    return fnhost_conf_parse(path, text, strlen(text), dir, err);
}


static int
fails(const char *text, const char *pointer, unsigned line,
    const char *reason)
{
    int             ok;
    fnhost_conf_t  *conf;
    apigw_error_t   err;

    conf = load(text, &err);

    if (conf != NULL) {
        fnhost_conf_free(conf);
        NOTE("loaded: %s", text);
        return 0;
    }

    ok = strcmp(err.pointer, pointer) == 0
         && (line == 0 || err.line == line)
         && strstr(err.message, reason) != NULL;

    if (!ok) {
        NOTE("got %s (line %u): %s", err.pointer, err.line, err.message);
    }

    return ok;
}


static void
test_defaults(void)
{
    char                           text[1024];
    fnhost_conf_t                 *conf;
    apigw_error_t                  err;
    const fnhost_function_conf_t  *fc;

    snprintf(text, sizeof(text),
             "listen: unix:fn.sock\n"
             "functions:\n"
             "  hello:\n"
             "    handler: lib.so:hello\n");

    conf = load(text, &err);

    if (!CHECK(conf != NULL, "a minimal file loads")) {
        NOTE("%s", err.message);
        return;
    }

    fc = fnhost_conf_function(conf, "hello");

    CHECK(conf->nlisten == 1, "one address");
    CHECK(strncmp(conf->listen[0], "unix:/", 6) == 0
          && strstr(conf->listen[0], "/fn.sock") != NULL,
          "a relative socket path made absolute: %s", conf->listen[0]);
    CHECK(conf->log == NULL, "log: stderr by default");
    CHECK(conf->log_level == FNHOST_LOG_INFO, "log_level: info");
    CHECK(strcmp(conf->region, "us-east-1") == 0, "region");
    CHECK(strcmp(conf->account, "000000000000") == 0, "account");
    CHECK(conf->socket_mode == 0660, "socket_mode 0660");
    CHECK(conf->shutdown_timeout == 30000, "shutdown_timeout 30 s");
    CHECK(conf->sched_batch, "scheduling: batch");
    CHECK(fc != NULL, "the function by its name");
    CHECK(fnhost_conf_function(conf, "other") == NULL, "no other");

    if (fc == NULL) {
        fnhost_conf_free(conf);
        return;
    }

    CHECK(fc->concurrency == 4, "concurrency 4");
    CHECK(fc->timeout == 3000, "timeout 3 s, as Lambda's");
    CHECK(fc->memory == 512, "memory 512 MB");
    CHECK(fc->warm == 0, "warm 0");
    CHECK(fc->idle_timeout == 300000, "idle_timeout 5 min");
    CHECK(fc->queue_timeout == 3000, "queue_timeout: the timeout");
    CHECK(fc->max_queue == 64, "max_queue 64");
    CHECK(fc->init_timeout == 10000, "init_timeout 10 s, as Lambda's");
    CHECK(strcmp(fc->library, lib) == 0, "the library, absolute");
    CHECK(strcmp(fc->symbol, "hello") == 0, "the symbol");
    CHECK(strcmp(fc->handler, "lib.so:hello") == 0, "_HANDLER as written");
    CHECK(strcmp(fc->directory, dir) == 0, "directory: the file's");
    CHECK(fc->argv[0] != NULL && strcmp(fc->argv[1], lib) == 0
          && strcmp(fc->argv[2], "hello") == 0 && fc->argv[3] == NULL,
          "the C runtime's arguments");
    CHECK(strstr(fc->argv[0], "apigw-fn-runtime") != NULL,
          "the C runtime beside the host");
    CHECK(fc->env[0] == NULL, "no environment");

    fnhost_conf_free(conf);
}


static void
test_every_key(void)
{
    char                           text[2048];
    fnhost_conf_t                 *conf;
    apigw_error_t                  err;
    const fnhost_function_conf_t  *a, *b;

    snprintf(text, sizeof(text),
             "listen: [unix:/run/fn.sock, 127.0.0.1:9000, '9001', "
             "'[::1]:9002']\n"
             "socket_mode: '0666'\n"
             "log: logs/host.log\n"
             "log_level: warn\n"
             "region: eu-west-1\n"
             "account: '123456789012'\n"
             "runtime: %s\n"
             "shutdown_timeout: 1000\n"
             "scheduling: inherit\n"
             "functions:\n"
             "  a:\n"
             "    command: [%s, --flag]\n"
             "    handler: index.handler\n"
             "    directory: .\n"
             "    concurrency: 8\n"
             "    timeout: 29000\n"
             "    memory: 0\n"
             "    warm: 8\n"
             "    idle_timeout: 0\n"
             "    queue_timeout: 100\n"
             "    max_queue: 1\n"
             "    init_timeout: 2000\n"
             "    environment: {S: text, N: 3, B: true, R: 1.5}\n"
             "  b:\n"
             "    command: exec-me --now\n",
             prog, prog);

    conf = load(text, &err);

    if (!CHECK(conf != NULL, "every key loads")) {
        NOTE("%s: %s", err.pointer, err.message);
        return;
    }

    a = fnhost_conf_function(conf, "a");
    b = fnhost_conf_function(conf, "b");

    CHECK(conf->nlisten == 4, "four addresses");
    CHECK(strcmp(conf->listen[0], "unix:/run/fn.sock") == 0, "unix");
    CHECK(strcmp(conf->listen[2], "9001") == 0, "a port alone");
    CHECK(conf->socket_mode == 0666, "socket_mode");
    CHECK(conf->log != NULL && strstr(conf->log, "/logs/host.log") != NULL
          && conf->log[0] == '/', "log: absolute");
    CHECK(conf->log_level == FNHOST_LOG_WARN, "log_level");
    CHECK(strcmp(conf->region, "eu-west-1") == 0, "region");
    CHECK(strcmp(conf->account, "123456789012") == 0, "account");
    CHECK(strcmp(conf->runtime, prog) == 0, "runtime");
    CHECK(conf->shutdown_timeout == 1000, "shutdown_timeout");
    CHECK(!conf->sched_batch, "scheduling: inherit");

    if (a == NULL || b == NULL) {
        CHECK(0, "both functions");
        fnhost_conf_free(conf);
        return;
    }

    CHECK(strcmp(a->argv[0], prog) == 0 && strcmp(a->argv[1], "--flag") == 0
          && a->argv[2] == NULL, "command: a list");
    CHECK(strcmp(a->handler, "index.handler") == 0 && a->library == NULL,
          "handler with a command: only _HANDLER");
    CHECK(a->concurrency == 8 && a->timeout == 29000 && a->memory == 0
          && a->warm == 8 && a->idle_timeout == 0 && a->queue_timeout == 100
          && a->max_queue == 1 && a->init_timeout == 2000, "the numbers");
    CHECK(a->env[0] && strcmp(a->env[0], "S=text") == 0, "env: a string");
    CHECK(a->env[1] && strcmp(a->env[1], "N=3") == 0, "env: a number");
    CHECK(a->env[2] && strcmp(a->env[2], "B=true") == 0, "env: a boolean");
    CHECK(a->env[3] && strcmp(a->env[3], "R=1.5") == 0, "env: a real");
    CHECK(strcmp(b->argv[0], "/bin/sh") == 0
          && strcmp(b->argv[1], "-c") == 0
          && strcmp(b->argv[2], "exec exec-me --now") == 0,
          "command: a string, run by the shell");

    fnhost_conf_free(conf);
}


static void
test_errors(void)
{
    char  text[1024], name[80], ptr[100];

    CHECK(fails("[1]\n", "", 0, "must be an object"), "not an object");
    CHECK(fails("functions: {a: {command: [/bin/true]}}\n", "", 0,
                "\"listen\" is required"), "no listen");
    CHECK(fails("listen: 9000\nfunctions: {a: {command: [/bin/true]}}\n",
                "/listen", 1, "must be an address or a list"),
          "listen: a number");
    CHECK(fails("listen: [x:0]\nfunctions: {a: {command: [/bin/true]}}\n",
                "/listen/0", 1, "is not an address"), "port 0");
    CHECK(fails("listen: ['1:99999']\nfunctions: {a: {command: [/bin/true]}}\n",
                "/listen/0", 1, "is not an address"), "port too big");
    CHECK(fails("listen: 'unix:'\nfunctions: {a: {command: [/bin/true]}}\n",
                "/listen", 1, "is not an address"), "unix: no path");
    CHECK(fails("listen: '9'\nsocket_mode: 777\n"
                "functions: {a: {command: [/bin/true]}}\n",
                "/socket_mode", 2, "a string"), "socket_mode: a number");
    CHECK(fails("listen: '9'\nsocket_mode: '999'\n"
                "functions: {a: {command: [/bin/true]}}\n",
                "/socket_mode", 2, "octal"), "socket_mode: not octal");
    CHECK(fails("listen: '9'\nlog_level: loud\n"
                "functions: {a: {command: [/bin/true]}}\n",
                "/log_level", 2, "must be one of"), "log_level");
    CHECK(fails("listen: '9'\nshutdown_timeout: -1\n"
                "functions: {a: {command: [/bin/true]}}\n",
                "/shutdown_timeout", 2, "from 0 to 600000"),
          "shutdown_timeout");
    CHECK(fails("listen: '9'\nscheduling: fifo\n"
                "functions: {a: {command: [/bin/true]}}\n",
                "/scheduling", 2, "\"batch\" or \"inherit\""),
          "scheduling: fifo");
    CHECK(fails("listen: '9'\nscheduling: 1\n"
                "functions: {a: {command: [/bin/true]}}\n",
                "/scheduling", 2, "non-empty string"),
          "scheduling: a number");
    CHECK(fails("listen: '9'\nfunctions: []\n", "/functions", 2,
                "one function or more"), "functions: a list");
    CHECK(fails("listen: '9'\ncolour: red\nfunctions: {}\n", "/colour", 2,
                "unknown key"), "an unknown key");
    CHECK(fails("listen: '9'\nfunctions:\n  a: {}\n", "/functions/a", 3,
                "needs a \"handler\""), "neither handler nor command");
    CHECK(fails("listen: '9'\nfunctions:\n  a: 1\n", "/functions/a", 3,
                "must be an object"), "a function: a number");
    CHECK(fails("listen: '9'\nfunctions:\n  a: {handler: lib.so}\n",
                "/functions/a/handler", 3, "lib.so:symbol"),
          "handler: no symbol");
    CHECK(fails("listen: '9'\nfunctions:\n  a: {handler: 'lib.so:a-b'}\n",
                "/functions/a/handler", 3, "not a C symbol"),
          "handler: not a symbol");
    CHECK(fails("listen: '9'\nfunctions:\n  a: {handler: 'no.so:f'}\n",
                "/functions/a/handler", 3, "not a readable file"),
          "handler: no such library");
    CHECK(fails("listen: '9'\nfunctions:\n  a: {command: []}\n",
                "/functions/a/command", 3, "a list of arguments"),
          "command: empty");
    CHECK(fails("listen: '9'\nfunctions:\n  a: {command: [/no/such]}\n",
                "/functions/a/command", 3, "not an executable"),
          "command: no such program");
    CHECK(fails("listen: '9'\nfunctions:\n  a: {command: [no-such-cmd]}\n",
                "/functions/a/command", 3, "not an executable"),
          "command: not on PATH");
    CHECK(fails("listen: '9'\nfunctions:\n  a: {command: [/bin/true, 1]}\n",
                "/functions/a/command", 3, "argument 1"),
          "command: a number among the arguments");
    CHECK(fails("listen: '9'\nfunctions:\n  a: {command: [/bin/true],\n"
                "      directory: /no/such}\n",
                "/functions/a/directory", 4, "not a directory"),
          "directory: none");

    snprintf(name, sizeof(name), "%065d", 7);
    snprintf(text, sizeof(text), "listen: '9'\nfunctions:\n"
             "  '%s': {command: [/bin/true]}\n", name);
    snprintf(ptr, sizeof(ptr), "/functions/%s", name);
    CHECK(fails(text, ptr, 3, "1 to 64"), "a name of 65 characters");
    CHECK(fails("listen: '9'\nfunctions:\n  'a/b': {command: [/bin/true]}\n",
                "/functions/a~1b", 3, "1 to 64"),
          "a name with a slash, its pointer escaped");

#define FN_ERR(key, value, reason)                                            \
    CHECK(fails("listen: '9'\nfunctions:\n  a:\n    command: [/bin/true]\n"   \
                "    " key ": " value "\n", "/functions/a/" key, 5, reason),  \
          key ": " value)

    FN_ERR("concurrency", "0", "from 1 to 1024");
    FN_ERR("concurrency", "'2'", "from 1 to 1024");
    FN_ERR("timeout", "29001", "from 1 to 29000");
    FN_ERR("timeout", "1.5", "from 1 to 29000");
    FN_ERR("memory", "8", "at least 16");
    FN_ERR("warm", "5", "from 0 to 4");
    FN_ERR("idle_timeout", "-1", "from 0 to");
    FN_ERR("queue_timeout", "30000", "from 0 to 29000");
    FN_ERR("max_queue", "0", "from 1 to 100000");
    FN_ERR("init_timeout", "0", "from 1 to 600000");
    FN_ERR("environment", "[1]", "an object");
    FN_ERR("colour", "red", "unknown key");
    FN_ERR("handler", "''", "must be a string");

#undef FN_ERR

    CHECK(fails("listen: '9'\nfunctions:\n  a:\n    command: [/bin/true]\n"
                "    environment: {1A: x}\n",
                "/functions/a/environment/1A", 5, "not a variable name"),
          "environment: a bad name");
    CHECK(fails("listen: '9'\nfunctions:\n  a:\n    command: [/bin/true]\n"
                "    environment: {_HANDLER: x}\n",
                "/functions/a/environment/_HANDLER", 5, "reserved"),
          "environment: reserved");
    CHECK(fails("listen: '9'\nfunctions:\n  a:\n    command: [/bin/true]\n"
                "    environment: {A: [x]}\n",
                "/functions/a/environment/A", 5, "a string, a number"),
          "environment: a list");
    CHECK(fails("listen: '9'\nfunctions: [1\n", "/functions", 3,
                "YAML syntax error"), "YAML syntax");
    CHECK(fails("{\"listen\": \"9\", \"functions\": {\"a\": {\"command\": "
                "[\"/bin/true\"], \"timeout\": 0}}}",
                "/functions/a/timeout", 0, "from 1 to 29000"),
          "JSON: the pointer");
    CHECK(fails("listen: '9'\nruntime: /no/runtime\n"
                "functions:\n  a: {handler: 'lib.so:f'}\n",
                "/runtime", 2, "not an executable"),
          "runtime: missing, with a C handler");
}


static void
test_names(void)
{
    char          name[64], host[64];
    unsigned      port;
    const char   *q, *path;

    CHECK(fnhost_function_name("hello", name, sizeof(name), &q) == 0
          && strcmp(name, "hello") == 0 && q == NULL, "a name");
    CHECK(fnhost_function_name("hello:$LATEST", name, sizeof(name), &q) == 0
          && strcmp(name, "hello") == 0 && strcmp(q, "$LATEST") == 0,
          "a name and a qualifier");
    CHECK(fnhost_function_name("arn:aws:lambda:us-east-1:123456789012:"
                               "function:hello", name, sizeof(name), &q)
          == 0 && strcmp(name, "hello") == 0 && q == NULL, "an ARN");
    CHECK(fnhost_function_name("arn:aws:lambda:us-east-1:123456789012:"
                               "function:hello:7", name, sizeof(name), &q)
          == 0 && strcmp(name, "hello") == 0 && strcmp(q, "7") == 0,
          "an ARN with a version");
    CHECK(fnhost_function_name("123456789012:function:hello", name,
                               sizeof(name), &q) == 0
          && strcmp(name, "hello") == 0, "a partial ARN");
    CHECK(fnhost_function_name("", name, sizeof(name), &q) == -1, "empty");
    CHECK(fnhost_function_name("a:b:c", name, sizeof(name), &q) == -1,
          "two qualifiers");
    CHECK(fnhost_function_name("hello:", name, sizeof(name), &q) == -1,
          "an empty qualifier");

    CHECK(fnhost_conf_listen_parse("unix:/x.sock", host, sizeof(host), &port,
                                   &path) == 1 && strcmp(path, "/x.sock") == 0,
          "listen: unix");
    CHECK(fnhost_conf_listen_parse("10.0.0.1:80", host, sizeof(host), &port,
                                   &path) == 0 && strcmp(host, "10.0.0.1") == 0
          && port == 80, "listen: host:port");
    CHECK(fnhost_conf_listen_parse("8080", host, sizeof(host), &port, &path)
          == 0 && strcmp(host, "127.0.0.1") == 0 && port == 8080,
          "listen: a port on 127.0.0.1");
    CHECK(fnhost_conf_listen_parse("[::1]:81", host, sizeof(host), &port,
                                   &path) == 0 && strcmp(host, "::1") == 0
          && port == 81, "listen: IPv6");
    CHECK(fnhost_conf_listen_parse(":80", host, sizeof(host), &port, &path)
          == -1, "listen: no host");
    CHECK(fnhost_conf_listen_parse("h:80x", host, sizeof(host), &port, &path)
          == -1, "listen: not a port");

    CHECK(fnhost_log_level("debug") == FNHOST_LOG_DEBUG, "log level debug");
    CHECK(fnhost_log_level("verbose") == -1, "log level: unknown");
}


int
main(void)
{
    FILE  *f;

    snprintf(dir, sizeof(dir), "/tmp/fnhost-conf-XXXXXX");

    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }

    snprintf(lib, sizeof(lib), "%s/lib.so", dir);
    snprintf(prog, sizeof(prog), "%s/bootstrap", dir);

    f = fopen(lib, "w");
    fclose(f);
    f = fopen(prog, "w");
    fclose(f);
    chmod(prog, 0755);

    /* the C runtime "beside the host": self_dir is dir */
    snprintf(runtime, sizeof(runtime), "%s/apigw-fn-runtime", dir);
    f = fopen(runtime, "w");
    fclose(f);
    chmod(runtime, 0755);

    test_defaults();
    test_every_key();
    test_errors();
    test_names();

    unlink(lib);
    unlink(prog);
    unlink(runtime);
    rmdir(dir);

    return unit_done();
}
