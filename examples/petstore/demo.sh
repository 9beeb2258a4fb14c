#!/usr/bin/env bash
#
# The apigw petstore demo: backend.pl on 127.0.0.1:9000 behind nginx with
# the apigw module on 127.0.0.1:8080, serving petstore.yaml as stage "prod"
# under /prod/ (with petstore-v2.yaml as its canary and as "staging"), and
# the example C functions under /fn/ on a function host (apigw-fnhost).
# Runs until Ctrl-C (or SIGTERM); logs stay in build/demo/.
#
# Environment: DEMO_PORT (8080), DEMO_BACKEND_PORT (9000),
# APIGW_NGINX (/usr/sbin/nginx), APIGW_MODULE (build/ngx_http_apigw_module.so),
# APIGW_SWAGGER_UI (build/npm-tools/node_modules/swagger-ui-dist)

# shellcheck disable=SC2317  # cleanup and its helpers run from a trap

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

port=${DEMO_PORT:-8080}
backend_port=${DEMO_BACKEND_PORT:-9000}
nginx=${APIGW_NGINX:-/usr/sbin/nginx}
module=${APIGW_MODULE:-$root/build/ngx_http_apigw_module.so}
fnhost=$root/build/apigw-fnhost
run=$root/build/demo
swagger_ui=${APIGW_SWAGGER_UI:-$root/build/npm-tools/node_modules/swagger-ui-dist}

nginx_pid=
nginx_starting=
backend_pid=
fnhost_pid=
sleeper=

die() {
    echo "demo: $*" >&2
    exit 1
}

# something accepts connections there
listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# kill -0 also succeeds on a zombie that init has yet to reap
alive() {
    [[ -n $1 ]] && kill -0 "$1" 2>/dev/null &&
        [[ $(ps -o stat= -p "$1" 2>/dev/null) != Z* ]]
}

# waits up to $2 tenths of a second for process $1 to exit
gone_within() {
    local i
    for ((i = 0; i < $2; i++)); do
        alive "$1" || return 0
        sleep 0.1
    done
    ! alive "$1"
}

# the daemon writes its pid file after the starting process has returned
read_nginx_pid() {
    local i
    for ((i = 0; i < 50; i++)); do
        if [[ -s $run/nginx.pid ]]; then
            nginx_pid=$(< "$run/nginx.pid")
            return 0
        fi
        sleep 0.1
    done
    return 1
}

cleanup() {
    local rc=$?
    set +e
    # a second Ctrl-C (or timeout(1)'s second signal) must not cut this short
    trap '' INT TERM HUP
    trap - EXIT

    alive "$sleeper" && kill "$sleeper" 2>/dev/null

    # stopped between starting nginx and reading its pid
    [[ -z $nginx_pid && -n $nginx_starting ]] && read_nginx_pid

    if alive "$nginx_pid"; then
        echo "demo: stopping nginx (graceful quit)"
        kill -QUIT "$nginx_pid"

        if ! gone_within "$nginx_pid" 100; then
            echo "demo: nginx still running after 10 s, terminating it" >&2
            kill -TERM "$nginx_pid"
            gone_within "$nginx_pid" 50 || { kill -KILL "$nginx_pid"; rc=1; }
        fi
    fi

    if alive "$backend_pid"; then
        echo "demo: stopping the backend"
        kill -TERM "$backend_pid"
    fi
    [[ -n $backend_pid ]] && wait "$backend_pid" 2>/dev/null

    if alive "$fnhost_pid"; then
        echo "demo: stopping the function host"
        kill -TERM "$fnhost_pid"
    fi
    [[ -n $fnhost_pid ]] && wait "$fnhost_pid" 2>/dev/null

    if [[ -d $run ]]; then
        echo "demo: logs kept in $run/ (access.log, error.log, backend.log)"
    fi

    exit "$rc"
}

[[ -f $module ]] ||
    die "the module $module is not built: run 'make module' (or 'make demo')"
[[ -x $nginx ]] ||
    die "no nginx at $nginx: apt-get install nginx, or set APIGW_NGINX"
command -v perl >/dev/null || die "perl is needed for the backend"
[[ -x $fnhost && -f $root/build/functions/hello.so ]] ||
    die "the function host or the example functions are not built:" \
        "run 'make functions' (or 'make demo')"
[[ -f $swagger_ui/swagger-ui-bundle.js ]] ||
    die "Swagger UI is not at $swagger_ui: run scripts/npm-tools" \
        "(or 'make demo'), or set APIGW_SWAGGER_UI"

if listening "$port"; then
    die "127.0.0.1:$port is already in use (a demo still running?);" \
        "stop it or pick another port with DEMO_PORT=..."
fi
if listening "$backend_port"; then
    die "127.0.0.1:$backend_port (the backend's port) is already in use;" \
        "stop it or pick another port with DEMO_BACKEND_PORT=..."
fi

mkdir -p "$run/tmp"

PREFIX=$run MODULE=$module PORT=$port BACKEND_PORT=$backend_port \
SWAGGER_UI=$swagger_ui "$here/nginx-conf.sh" > "$run/nginx.conf"

# an interrupted or failed start still stops what did start
trap cleanup EXIT
trap 'exit 0' INT TERM HUP

perl "$here/backend.pl" "$backend_port" >> "$run/backend.log" 2>&1 &
backend_pid=$!

# the function host: examples/functions/functions.yaml's functions, with
# the paths of this checkout and a socket in the run directory
cat > "$run/functions.yaml" <<EOF
listen: ["unix:$run/functions.sock"]
socket_mode: "0666"
log: "$run/functions.log"
runtime: "$root/build/apigw-fn-runtime"
functions:
  hello: {handler: "$root/build/functions/hello.so:hello", concurrency: 4, warm: 1}
  items: {handler: "$root/build/functions/crud.so:crud", concurrency: 1, warm: 1, idle_timeout: 0}
  authorizer: {handler: "$root/build/functions/authorizer.so:authorizer", concurrency: 2, timeout: 1000}
EOF
rm -f "$run/functions.sock"
"$fnhost" -c "$run/functions.yaml" >> "$run/functions.log" 2>&1 &
fnhost_pid=$!

for ((i = 0; i < 50; i++)); do
    [[ -S $run/functions.sock ]] && break
    alive "$fnhost_pid" || break
    sleep 0.1
done
[[ -S $run/functions.sock ]] ||
    die "the function host did not start; see $run/functions.log:" \
        "$(tail -n 1 "$run/functions.log")"

for ((i = 0; i < 50; i++)); do
    listening "$backend_port" && break
    alive "$backend_pid" || break
    sleep 0.1
done
listening "$backend_port" ||
    die "the backend did not start; see $run/backend.log:" \
        "$(tail -n 1 "$run/backend.log")"

# nginx daemonizes into its own session: Ctrl-C reaches this script only,
# and the trap asks nginx for a graceful quit
rm -f "$run/nginx.pid"
nginx_starting=1
if ! "$nginx" -p "$run/" -c "$run/nginx.conf" -e "$run/error.log"; then
    nginx_starting=
    die "nginx did not start (see above and $run/error.log)"
fi
if ! read_nginx_pid; then
    nginx_starting=
    die "nginx wrote no pid file; see $run/error.log"
fi

gw=http://127.0.0.1:$port/prod
staging=http://127.0.0.1:$port/staging

cat <<EOF

apigw petstore demo
  gateway   $gw/  (API "petstore", stage "prod", 20 % to its canary)
            $staging/  (stage "staging": petstore-v2)
  backend   http://127.0.0.1:$backend_port/  ($here/backend.pl)
            http://127.0.0.1:$port/fn/  (C functions: examples/functions/)
  docs      http://127.0.0.1:$port/docs/prod/, /docs/staging/, /docs/fn/  (Swagger UI)
  operators http://127.0.0.1:$port/ops/metrics  (Prometheus)
            http://127.0.0.1:$port/ops/prod/openapi  (the stage's spec)
  specs     $here/petstore.yaml
            $here/petstore-v2.yaml  (the canary, and staging)
  logs      $run/access.log  (tail -f it to see the \$apigw_* variables)
            $run/error.log
            $run/backend.log
            $run/functions.log  (the functions' output, by request id)

Try:
  # list pets (the query string goes to the backend)
  curl -i '$gw/pets?limit=2'
  # get one pet
  curl -i $gw/pets/1
  # add a pet: 201
  curl -i -X POST $gw/pets -H 'Content-Type: application/json' -d '{"name":"Rex","tag":"dog"}'
  # a body the spec's schema refuses: 400, backend untouched; prod is terse,
  # staging lists the errors (and logs each refusal in staging-error.log)
  curl -i -X POST $gw/pets -H 'Content-Type: application/json' -d '{"nam":"Rex"}'
  curl -i -X POST $staging/pets -H 'Content-Type: application/json' -d '{"nam":"Rex"}'
  # a parameter the spec's schema refuses: 400 (limit is an integer)
  curl -i '$gw/pets?limit=many'
  # prod caches GETs for 30 s: the second answer comes with Age (HIT in the log)
  curl -s -o /dev/null -D - $gw/pets/1 | grep -i '^age'
  # an operator flushes prod's cache: 202
  curl -i -X DELETE http://127.0.0.1:$port/ops/prod/cache
  # remove a pet: 204
  curl -i -X DELETE $gw/pets/2
  # a mock integration: the gateway answers, the backend never sees it
  curl -i $gw/health
  # the canary: about one answer in five says "version":2
  for i in \$(seq 10); do curl -s $gw/health; echo; done
  # forced (127.0.0.1 is trusted): always version 2, or never
  curl -s -H 'X-Apigw-Canary: true' $gw/health; echo
  curl -s -H 'X-Apigw-Canary: false' $gw/health; echo
  # a C function as a REST API (examples/functions/hello.c)
  curl -i 'http://127.0.0.1:$port/fn/hello?name=you'
  # items, behind an authorizer that is a function too: 401, then 201, 200
  curl -i http://127.0.0.1:$port/fn/items
  curl -i -X POST http://127.0.0.1:$port/fn/items -H 'Authorization: Bearer allow' -H 'Content-Type: application/json' -d '{"name":"ball"}'
  curl -i http://127.0.0.1:$port/fn/items/1 -H 'Authorization: Bearer allow'
  # the metrics: every request above, refusals too, by stage and canary
  curl -s http://127.0.0.1:$port/ops/metrics | grep '^apigw_requests_total'
  # prod's spec for an SDK generator, servers set to the stage's URL
  curl -s 'http://127.0.0.1:$port/ops/prod/openapi?format=yaml' | head -20
  # no such route: 403 {"message":"Missing Authentication Token"}
  curl -i $gw/owners
  # explicit integration, uri http://\${stageVariables.backend}/pets/{petId}/photo
  curl -i $gw/pets/1/photo
  # the same, with a backend slower than the 2 s timeout: 504
  curl -i '$gw/pets/1/photo?delay=3'

Press Ctrl-C to stop.
EOF

# sleep in the background: a trapped signal interrupts "wait" at once
while alive "$nginx_pid" && alive "$backend_pid" && alive "$fnhost_pid"; do
    sleep 1 &
    sleeper=$!
    wait "$sleeper" || true
done

alive "$nginx_pid" || die "nginx exited unexpectedly; see $run/error.log"
alive "$fnhost_pid" ||
    die "the function host exited unexpectedly; see $run/functions.log"
die "the backend exited unexpectedly; see $run/backend.log"
