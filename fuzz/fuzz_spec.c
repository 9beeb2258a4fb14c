
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: apigw_api_load() on the input written to a file,
 * then apigw_api_free().
 *
 * LLVMFuzzerInitialize() makes a private directory (under /dev/shm if it
 * is there, else $TMPDIR or /tmp; apigw-fuzz-spec.<pid>.XXXXXX, removed at
 * exit, or by the next run if the process crashed) with fixed sibling
 * files, the layout of t/unit/specs, so that inputs can $ref them:
 *
 *     spec.yaml               the input (rewritten for every run)
 *     common.yaml             parameters, schemas, responses, path items
 *     common.json             the same kind of things, as JSON
 *     paths/users.yaml        a path item that refs ../common.yaml
 *     parts/cycle-a.yaml      a $ref cycle across two files
 *     parts/cycle-b.yaml
 *     parts/broken.yaml       a dangling $ref inside a referenced file
 *     parts/bad-syntax.yaml   a YAML syntax error
 *     parts/aliases.yaml      YAML aliases and merge keys
 *
 * Checks, besides the sanitizers:
 *   - a failure always says why and where (err.message, err.file), and a
 *     line in the input is within it (or the line after the last, where
 *     libyaml puts errors at the end of the stream);
 *   - a loaded API is consistent: every operation has its route key, its
 *     route path (the key up to "?" or "#"), discriminators with names,
 *     parameter names as in its route path, and the router finds an
 *     operation for a request made from the operation's own path, method
 *     and discriminators; one that did not load (a warning: its template,
 *     or another operation taking its requests, among the reasons) keeps
 *     its route and nothing else, and is never cached;
 *   - a loaded operation's cache settings are in their bounds: at most
 *     16 key parameters, each named, path ones at a place of the route,
 *     headers in lower case, statuses 100 to 599, ttl -1 to 3600.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apigw_core.h"


/* the loader reads whole files; bigger inputs find nothing new */
#define FUZZ_MAX_INPUT      (256 * 1024)

/* the private directory: <base>/apigw-fuzz-spec.<pid>.XXXXXX */
#define FUZZ_DIR_PREFIX     "apigw-fuzz-spec."


typedef struct {
    const char             *name;
    const char             *text;
} fuzz_file_t;


static const fuzz_file_t  fuzz_files[] = {

    { "common.yaml",
      "parameters:\n"
      "  Limit:\n"
      "    name: limit\n"
      "    in: query\n"
      "    schema:\n"
      "      $ref: '#/schemas/Count'\n"
      "  PetId:\n"
      "    name: petId\n"
      "    in: path\n"
      "    required: true\n"
      "    schema: {type: string}\n"
      "schemas:\n"
      "  Count:\n"
      "    type: integer\n"
      "    minimum: 0\n"
      "  Pet:\n"
      "    type: object\n"
      "    properties:\n"
      "      id: {$ref: '#/schemas/Count'}\n"
      "      name: {type: string, default: {$ref: not-a-ref}}\n"
      "      tag: {$ref: 'common.json#/components/schemas/Tag'}\n"
      "responses:\n"
      "  NotFound:\n"
      "    description: not found\n"
      "    content:\n"
      "      application/json:\n"
      "        schema: {$ref: '#/schemas/Pet'}\n"
      "integrations:\n"
      "  http:\n"
      "    type: http\n"
      "    uri: 'http://${stageVariables.host}/pets/{petId}'\n"
      "    timeout: 1000\n"
      "  mock:\n"
      "    type: mock\n"
      "    status: 201\n"
      "    headers: {X-Mock: 'yes'}\n"
      "    body: {ok: true}\n"
      "pathItems:\n"
      "  user:\n"
      "    get:\n"
      "      operationId: getUser\n"
      "      x-apigw-integration:\n"
      "        type: http\n"
      "        uri: 'http://users:8080/users/{id}'\n"
      "  pet:\n"
      "    parameters:\n"
      "      - $ref: '#/parameters/PetId'\n"
      "    get:\n"
      "      operationId: getPet\n"
      "      responses:\n"
      "        '404': {$ref: '#/responses/NotFound'}\n"
      "      x-apigw-integration:\n"
      "        type: http\n"
      "        uri: 'http://pets:8080/pets/{petId}'\n"
      "        method: GET\n"
      "    delete:\n"
      "      x-amazon-apigateway-integration:\n"
      "        type: MOCK\n"
      "        requestTemplates:\n"
      "          application/json: '{\"statusCode\": 204}'\n"
      "gatewayResponses:\n"
      "  DEFAULT_4XX:\n"
      "    status: 400\n"
      "    headers: {X-Error: 'yes'}\n"
      "    body: {message: $context.error.messageString}\n" },

    { "common.json",
      "{\n"
      "  \"components\": {\n"
      "    \"schemas\": {\n"
      "      \"Tag\": {\"type\": \"string\", \"maxLength\": 64},\n"
      "      \"Tags\": {\"type\": \"array\",\n"
      "               \"items\": {\"$ref\": \"#/components/schemas/Tag\"}}\n"
      "    },\n"
      "    \"pathItems\": {\n"
      "      \"tags\": {\n"
      "        \"get\": {\n"
      "          \"operationId\": \"listTags\",\n"
      "          \"x-apigw-integration\": {\"type\": \"mock\",\n"
      "                                  \"body\": \"[]\"}\n"
      "        }\n"
      "      }\n"
      "    }\n"
      "  },\n"
      "  \"up\": {\"$ref\": \"common.yaml#/schemas/Pet\"}\n"
      "}\n" },

    { "paths/users.yaml",
      "# a path item in its own file\n"
      "get:\n"
      "  operationId: listUsers\n"
      "  parameters:\n"
      "    - $ref: '../common.yaml#/parameters/Limit'\n"
      "  x-apigw-integration:\n"
      "    type: http\n"
      "    uri: http://users:8080/users\n"
      "post:\n"
      "  operationId: createUser\n" },

    { "parts/cycle-a.yaml",
      "X:\n"
      "  $ref: 'cycle-b.yaml#/Y'\n" },

    { "parts/cycle-b.yaml",
      "Y:\n"
      "  $ref: 'cycle-a.yaml#/X'\n" },

    { "parts/broken.yaml",
      "get:\n"
      "  operationId: broken\n"
      "  parameters:\n"
      "    - $ref: '#/parameters/Missing'\n"
      "parameters: {}\n" },

    { "parts/bad-syntax.yaml",
      "get:\n"
      "  operationId: x\n"
      "  summary: a: b\n" },

    { "parts/aliases.yaml",
      "base: &base\n"
      "  type: http\n"
      "  uri: http://backend/\n"
      "  timeout: 500\n"
      "item:\n"
      "  get:\n"
      "    x-apigw-integration:\n"
      "      <<: *base\n"
      "      uri: http://backend/items\n"
      "  put:\n"
      "    x-apigw-integration: *base\n"
      "list: &l [*base, *base, *base, *base]\n"
      "lists: [*l, *l, *l, *l]\n" },

    { NULL, NULL }
};


static char  fuzz_dir[PATH_MAX];
static char  fuzz_spec[PATH_MAX];
static int   fuzz_verbose;


static void
fuzz_die(const char *what)
{
    fprintf(stderr, "fuzz_spec: %s: %s\n", what, strerror(errno));
    exit(1);
}


static void
fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_spec: invariant broken: %s: %s\n", what,
            detail ? detail : "");
    abort();
}


static int
fuzz_write(const char *path, const char *data, size_t len)
{
    int      fd;
    ssize_t  n;

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return -1;
    }

    while (len) {
        n = write(fd, data, len);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }

            close(fd);
            return -1;
        }

        data += n;
        len -= (size_t) n;
    }

    return close(fd);
}


static void
fuzz_remove_dir(const char *dir)
{
    char                path[PATH_MAX + 64];
    const fuzz_file_t  *f;

    for (f = fuzz_files; f->name; f++) {
        snprintf(path, sizeof(path), "%s/%s", dir, f->name);
        unlink(path);
    }

    snprintf(path, sizeof(path), "%s/spec.yaml", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/paths", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/parts", dir);
    rmdir(path);
    rmdir(dir);
}


static void
fuzz_cleanup(void)
{
    if (fuzz_dir[0] != '\0') {
        fuzz_remove_dir(fuzz_dir);
    }
}


/*
 * a crash or a timeout ends the process without atexit(): remove the
 * directories of fuzz_spec processes that are gone
 */
static void
fuzz_remove_stale(const char *base)
{
    DIR            *d;
    long            pid;
    char           *end, path[PATH_MAX + 64];
    struct dirent  *de;

    d = opendir(base);
    if (d == NULL) {
        return;
    }

    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, FUZZ_DIR_PREFIX, sizeof(FUZZ_DIR_PREFIX) - 1)
            != 0)
        {
            continue;
        }

        pid = strtol(de->d_name + sizeof(FUZZ_DIR_PREFIX) - 1, &end, 10);

        if (pid <= 0 || *end != '.'
            || kill((pid_t) pid, 0) == 0 || errno != ESRCH)
        {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
        fuzz_remove_dir(path);
    }

    closedir(d);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char                path[PATH_MAX + 64];
    const char         *base;
    struct stat         st;
    const fuzz_file_t  *f;

    (void) argc;
    (void) argv;

    base = getenv("TMPDIR");

    if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)
        && access("/dev/shm", W_OK) == 0)
    {
        base = "/dev/shm";

    } else if (base == NULL || base[0] == '\0') {
        base = "/tmp";
    }

    fuzz_remove_stale(base);

    snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/" FUZZ_DIR_PREFIX "%ld.XXXXXX",
             base, (long) getpid());

    if (mkdtemp(fuzz_dir) == NULL) {
        fuzz_die("mkdtemp");
    }

    atexit(fuzz_cleanup);

    snprintf(path, sizeof(path), "%s/paths", fuzz_dir);
    if (mkdir(path, 0700) != 0) {
        fuzz_die(path);
    }

    snprintf(path, sizeof(path), "%s/parts", fuzz_dir);
    if (mkdir(path, 0700) != 0) {
        fuzz_die(path);
    }

    for (f = fuzz_files; f->name; f++) {
        snprintf(path, sizeof(path), "%s/%s", fuzz_dir, f->name);

        if (fuzz_write(path, f->text, strlen(f->text)) != 0) {
            fuzz_die(path);
        }
    }

    snprintf(fuzz_spec, sizeof(fuzz_spec), "%s/spec.yaml", fuzz_dir);

    /* APIGW_FUZZ_VERBOSE=1: what each input loads to, to check seeds */
    fuzz_verbose = (getenv("APIGW_FUZZ_VERBOSE") != NULL);

    return 0;
}


/*
 * "/a/{b}/{c+}" -> "/a/v/v", "/f/{n}.{e}" -> "/f/v.v": a request the
 * operation's route must take
 */
static char *
fuzz_request_path(const char *tpl, size_t *len)
{
    char        *buf, *d;
    size_t       nsegs;
    const char  *p, *close;

    if (strchr(tpl, '%') != NULL) {
        return NULL;            /* literal "%41" is matched decoded */
    }

    buf = malloc(strlen(tpl) + 1);
    if (buf == NULL) {
        return NULL;
    }

    d = buf;
    nsegs = 0;

    for (p = tpl; *p; /* void */) {
        if (*p == '/') {
            *d++ = *p++;
            continue;
        }

        nsegs++;

        while (*p && *p != '/') {
            if (*p == '{' && (close = strchr(p, '}')) != NULL) {
                *d++ = 'v';
                p = close + 1;
                continue;
            }

            *d++ = *p++;
        }
    }

    if (nsegs > APIGW_MAX_SEGMENTS) {
        free(buf);
        return NULL;
    }

    *len = (size_t) (d - buf);

    return buf;
}


/* the request holds the operation's own discriminators */
static int
fuzz_lookup(void *data, apigw_param_in_e in, const char *name, size_t len,
    const char **value, size_t *vlen)
{
    size_t                     i;
    const apigw_operation_t   *op;
    const apigw_route_cond_t  *c;

    op = data;

    for (i = 0; i < op->nconds; i++) {
        c = &op->conds[i];

        if (c->in == in && c->name_len == len
            && (in == APIGW_IN_HEADER ? strncasecmp(c->name, name, len)
                                      : memcmp(c->name, name, len)) == 0)
        {
            *value = c->value;
            *vlen = c->value_len;
            return 1;
        }
    }

    return 0;
}


/* two values for one parameter: no request holds them */
static int
fuzz_conds_hold(const apigw_operation_t *op)
{
    size_t                     i, j;
    const apigw_route_cond_t  *a, *b;

    for (i = 0; i < op->nconds; i++) {
        for (j = 0; j < i; j++) {
            a = &op->conds[i];
            b = &op->conds[j];

            if (a->in == b->in && a->name_len == b->name_len
                && (a->in == APIGW_IN_HEADER
                    ? strncasecmp(a->name, b->name, a->name_len)
                    : memcmp(a->name, b->name, a->name_len)) == 0
                && (a->value_len != b->value_len
                    || memcmp(a->value, b->value, a->value_len) != 0))
            {
                return 0;
            }
        }
    }

    return 1;
}


static void
fuzz_check_cache(apigw_operation_t *op)
{
    size_t                      i, j;
    const apigw_cache_conf_t   *cc;
    const apigw_cache_param_t  *p;

    cc = &op->cache;

    if (cc->ttl < -1 || cc->ttl > APIGW_CACHE_TTL_MAX
        || cc->enabled < -1 || cc->enabled > 1
        || cc->require_authorization < -1 || cc->require_authorization > 1
        || (cc->ns == NULL) != (cc->ns_len == 0)
        || (cc->statuses == NULL) != (cc->nstatuses == 0)
        || (cc->params == NULL) != (cc->nparams == 0)
        || cc->nparams > APIGW_CACHE_MAX_PARAMS)
    {
        fuzz_fail("cache settings out of bounds", op->route_key);
    }

    for (i = 0; i < cc->nstatuses; i++) {
        if (cc->statuses[i] < 100 || cc->statuses[i] > 599) {
            fuzz_fail("a cached status out of range", op->route_key);
        }
    }

    for (i = 0; i < cc->nparams; i++) {
        p = &cc->params[i];

        if (p->name == NULL || p->name_len == 0
            || (p->in == APIGW_CACHE_PARAM_PATH
                && (p->path_index >= op->nparams
                    || strcmp(op->param_names[p->path_index], p->name) != 0)))
        {
            fuzz_fail("a cache key parameter unnamed or not the route's",
                      op->route_key);
        }

        for (j = 0; p->in == APIGW_CACHE_PARAM_HEADER && j < p->name_len;
             j++)
        {
            if (p->name[j] >= 'A' && p->name[j] <= 'Z') {
                fuzz_fail("a cache key header not in lower case",
                          op->route_key);
            }
        }
    }
}


static void
fuzz_check_api(apigw_api_t *api)
{
    int                 rc;
    char               *req, *scratch;
    size_t              i, n, len;
    const char         *p, *name;
    apigw_match_t       m;
    apigw_operation_t  *op;

    if (api->docs == NULL || api->docs->docs == NULL || api->router == NULL)
    {
        fuzz_fail("api", "no documents or no router");
    }

    for (i = 0; i < APIGW_GR_COUNT; i++) {
        if (api->responses[i] && api->responses[i]->status != 0
            && (api->responses[i]->status < 100
                || api->responses[i]->status > 599))
        {
            fuzz_fail("gateway response status", apigw_gr_defaults[i].name);
        }
    }

    for (i = 0; i < api->nops; i++) {
        op = &api->ops[i];

        if (op->path == NULL || op->route_key == NULL
            || op->operation_id == NULL)
        {
            fuzz_fail("operation", "a NULL path, route key or operationId");
        }

        if (op->method < 0 || op->method >= APIGW_METHOD_COUNT) {
            fuzz_fail("operation method out of range", op->route_key);
        }

        name = apigw_method_name(op->method);
        len = strlen(name);

        if (strncmp(op->route_key, name, len) != 0
            || op->route_key[len] != ' '
            || strcmp(op->route_key + len + 1, op->path) != 0)
        {
            fuzz_fail("route key is not \"METHOD path\"", op->route_key);
        }

        len = strcspn(op->path, "?#");

        if (op->route_path == NULL || strlen(op->route_path) != len
            || strncmp(op->route_path, op->path, len) != 0)
        {
            fuzz_fail("the route path is not the key up to ? or #",
                      op->path);
        }

        for (n = 0; n < op->nconds; n++) {
            if (op->conds[n].name_len == 0
                || (op->conds[n].in != APIGW_IN_QUERY
                    && op->conds[n].in != APIGW_IN_HEADER))
            {
                fuzz_fail("a discriminator without a name or a place",
                          op->route_key);
            }
        }

        if (op->problem || op->integration.type == APIGW_INTEGRATION_NONE) {
            if (op->problem == NULL
                || op->integration.type != APIGW_INTEGRATION_NONE
                || op->nparameters || op->responses
                || op->cache.enabled != 0 || op->cache.params != NULL
                || op->cache.statuses != NULL || op->cache.ns != NULL)
            {
                fuzz_fail("an operation that did not load keeps more than "
                          "its route", op->route_key);
            }

            /* its path may be what was wrong: perhaps not routed */
            continue;
        }

        for (n = 0, p = op->route_path; (p = strchr(p, '{')) != NULL; p++) {
            n++;
        }

        if (n != op->nparams) {
            fuzz_fail("parameter names do not match the path", op->path);
        }

        fuzz_check_cache(op);

        switch (op->integration.type) {

        case APIGW_INTEGRATION_HTTP:
            if (op->integration.uri == NULL) {
                fuzz_fail("http integration without a uri", op->route_key);
            }
            break;

        case APIGW_INTEGRATION_MOCK:
            if (op->integration.status < 100
                || op->integration.status > 599)
            {
                fuzz_fail("mock status out of range", op->route_key);
            }
            break;

        case APIGW_INTEGRATION_FUNCTION:
            if (op->integration.function == NULL) {
                fuzz_fail("function integration without a function",
                          op->route_key);
            }
            break;

        case APIGW_INTEGRATION_DEFAULT:
            break;

        default:
            fuzz_fail("integration type out of range", op->route_key);
        }

        if (!fuzz_conds_hold(op)) {
            continue;
        }

        req = fuzz_request_path(op->route_path, &len);
        if (req == NULL) {
            continue;
        }

        scratch = malloc(len ? len : 1);
        if (scratch == NULL) {
            free(req);
            continue;
        }

        rc = apigw_router_match(api->router, req, len, op->method, scratch,
                                &m, fuzz_lookup, op);

        if (rc != APIGW_ROUTE_OK || m.value == NULL) {
            fprintf(stderr, "fuzz_spec: %s: request \"%.*s\": rc %d\n",
                    op->route_key, (int) len, req, rc);
            fuzz_fail("the router does not take an operation's own path",
                      op->route_key);
        }

        if ((apigw_operation_t *) m.value < api->ops
            || (apigw_operation_t *) m.value >= api->ops + api->nops)
        {
            fuzz_fail("the router returned a value that is no operation",
                      op->route_key);
        }

        free(scratch);
        free(req);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t          i;
    unsigned        nlines;
    apigw_api_t    *api;
    apigw_error_t   err;
    char            real[PATH_MAX];

    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }

    if (fuzz_write(fuzz_spec, (const char *) data, size) != 0) {
        fuzz_die(fuzz_spec);
    }

    memset(&err, 0, sizeof(err));

    api = apigw_api_load(fuzz_spec, 0, &err);

    if (fuzz_verbose) {
        char  msg[sizeof(apigw_error_t) + 64];

        if (api) {
            fprintf(stderr, "fuzz_spec: loaded: %zu operations, %u files\n",
                    api->nops, api->docs->ndocs);

        } else {
            apigw_error_format(&err, msg, sizeof(msg));
            fprintf(stderr, "fuzz_spec: error: %.300s\n", msg);
        }
    }

    if (api == NULL) {
        if (err.message[0] == '\0') {
            fuzz_fail("a failure without a message", err.file);
        }

        if (err.file[0] == '\0') {
            fuzz_fail("a failure without a file", err.message);
        }

        if (realpath(fuzz_spec, real) && strcmp(err.file, real) == 0) {
            /* libyaml's end-of-stream mark is the line after the last */
            for (nlines = 2, i = 0; i < size; i++) {
                nlines += (data[i] == '\n' || data[i] == '\r'
                           || data[i] == 0x85 || data[i] == 0xa8
                           || data[i] == 0xa9);
            }

            if (err.line > nlines) {
                fuzz_fail("error line past the end of the input",
                          err.message);
            }
        }

        return 0;
    }

    fuzz_check_api(api);
    apigw_api_free(api);

    return 0;
}
