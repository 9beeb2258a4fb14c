#!/bin/sh
#
# Writes the petstore demo's nginx configuration on stdout:
# examples/petstore/nginx.conf.in with its @NAME@ placeholders filled in.
# demo.sh runs it, and so does t/03-demo.t.
#
#   PREFIX=DIR MODULE=SO PORT=N BACKEND_PORT=N SWAGGER_UI=DIR \
#       examples/petstore/nginx-conf.sh > DIR/nginx.conf
#
# PREFIX is the run directory (pid, logs, temporary files, the function
# host's socket); SWAGGER_UI is npm's swagger-ui-dist.  The specs are
# those beside this script.  A placeholder left unfilled is an error.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

: "${PREFIX:?PREFIX: the run directory}"
: "${MODULE:?MODULE: the module to load}"
: "${PORT:?PORT: the gateway port}"
: "${BACKEND_PORT:?BACKEND_PORT: the backend port}"
: "${SWAGGER_UI:?SWAGGER_UI: the swagger-ui-dist directory}"

SPEC=$here/petstore.yaml
SPEC_V2=$here/petstore-v2.yaml
FN_SPEC=$root/examples/functions/api.yaml

export PREFIX MODULE PORT BACKEND_PORT SWAGGER_UI SPEC SPEC_V2 FN_SPEC

# perl, not sed: paths may hold any character
exec perl -pe '
    BEGIN {
        %v = map { $_ => $ENV{$_} } qw(PREFIX MODULE PORT BACKEND_PORT
                                       SWAGGER_UI SPEC SPEC_V2 FN_SPEC);
    }
    s/\@([A-Z0-9_]+)\@/exists $v{$1} ? $v{$1}
        : die "nginx.conf.in:$.: \@$1\@ is not a placeholder\n"/ge;
' "$here/nginx.conf.in"
