#!/usr/bin/env bash
# apigw authorizers benchmark.
#
# GET through the gateway, same backend, same run, rounds alternating:
#   open         the route without security;
#   rs256, es256 a JWT scheme (x-apigw-jwt, keys from a file), the same
#                token on every request: verified once, then found in the
#                cache of verified tokens;
#   rs256-verify, es256-verify
#                the same with apigw_jwt_cache off (a second front): every
#                request verifies a signature;
#   custom       a custom TOKEN authorizer (an HTTP endpoint on the
#                backend), its result cache warm.
# Ratios to open.  The gateway is configured as the README tells a
# newcomer to: an unedited bearer scheme, and apigw_jwt in the location.
#
#   bench/auth.sh            (or: make bench-auth)
#   ROUNDS=3 DURATION=3s bench/auth.sh

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
export -n NGINX
MODULE=$ROOT/build/ngx_http_apigw_module.so
MINT=$ROOT/build/apigw-jwt-mint
OUT=$ROOT/build/bench-auth
HERE=$ROOT/bench/auth

CASES=(open rs256 es256 rs256-verify es256-verify ${AUTH_CUSTOM-custom})

BENCH_NAME=bench-auth
. "$ROOT/bench/lib.sh"
bench_require wrk curl perl openssl
[ -x "$MINT" ] || die "$MINT is missing: run 'make tools' first"

rm -rf "$OUT"
mkdir -p "$OUT/backend" "$OUT/front" "$OUT/verify/front"
cp "$MODULE" "$OUT/"
MODULE=$OUT/${MODULE##*/}

BACKEND_PORT=$(free_port)
FRONT_PORT=$(free_port)
VERIFY_PORT=$(free_port)

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$OUT/rsa.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$OUT/ec.key" 2>/dev/null
echo "{\"keys\":[$("$MINT" --jwk "$OUT/rsa.key" --kid rsa --alg RS256),$(
    "$MINT" --jwk "$OUT/ec.key" --kid ec --alg ES256)]}" > "$OUT/jwks.json"

now=$(date +%s)
echo "{\"iss\":\"https://idp.bench/\",\"aud\":\"api://bench\",\"sub\":\"u1\"," \
     "\"exp\":$((now + 86400))}" > "$OUT/claims.json"
RS256=$("$MINT" --alg RS256 --key "$OUT/rsa.key" --kid rsa "$OUT/claims.json")
ES256=$("$MINT" --alg ES256 --key "$OUT/ec.key" --kid ec "$OUT/claims.json")

sed -e "s|%%OUT%%|$OUT|" -e "s|%%BACKEND_PORT%%|$BACKEND_PORT|" \
    "$HERE/spec.yaml" > "$OUT/spec.yaml"

{
    conf_head "$OUT/backend" 1
    cat <<CONF
    server {
        listen 127.0.0.1:$BACKEND_PORT;

        location / {
            return 200 '$BODY';
        }

        location = /authorize {
            return 200 '{"principalId":"u1","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}}';
        }
    }
}
CONF
} > "$OUT/backend/nginx.conf"

# $1: prefix, $2: port, $3: extra http-level lines
front_conf() {
    echo "load_module $MODULE;"
    conf_head "$1" "$WORKERS"
    cat <<CONF
    $3
    upstream backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive $KEEPALIVE;
        keepalive_requests 1000000;
    }

    apigw_api api $OUT/spec.yaml;

    server {
        listen 127.0.0.1:$2;

        location /prod/ {
            apigw api stage=prod;
            apigw_backend http://backend;
            apigw_jwt jwt issuer=https://idp.bench/ audience=api://bench
                      jwks=$OUT/jwks.json;
        }
    }
}
CONF
}

front_conf "$OUT/front" "$FRONT_PORT" "" > "$OUT/front/nginx.conf"
# the second front under verify/front: run_wrk reads $OUT/front/nginx.pid
front_conf "$OUT/verify/front" "$VERIFY_PORT" "apigw_jwt_cache off;" \
    > "$OUT/verify/front/nginx.conf"

start_nginx "$OUT/backend" "http://127.0.0.1:$BACKEND_PORT/"
start_nginx "$OUT/front" "http://127.0.0.1:$FRONT_PORT/prod/items"
start_nginx "$OUT/verify/front" "http://127.0.0.1:$VERIFY_PORT/prod/items"

url() {
    case $1 in
    open)     echo "http://127.0.0.1:$FRONT_PORT/prod/items" ;;
    custom)   echo "http://127.0.0.1:$FRONT_PORT/prod/custom" ;;
    *-verify) echo "http://127.0.0.1:$VERIFY_PORT/prod/jwt" ;;
    *)        echo "http://127.0.0.1:$FRONT_PORT/prod/jwt" ;;
    esac
}

token() {
    case $1 in
    rs256*) echo "$RS256" ;;
    es256*) echo "$ES256" ;;
    custom) echo "allow-me" ;;
    esac
}

# each case does what it says
for c in "${CASES[@]}"; do
    auth=()
    [ "$c" = open ] || auth=(-H "Authorization: Bearer $(token "$c")")
    code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$(url "$c")")
    [ "$code" = 200 ] || die "$c answers $code, not 200 (see $OUT/*/error.log)"
done
for c in rs256 custom; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$(url "$c")")
    [ "$code" = 401 ] || die "$c without a token answers $code, not 401"
done

echo "apigw authorizers benchmark: $("$NGINX" -v 2>&1 | sed 's/.*: //')," \
     "$(nproc) CPUs (load average $(cut -d' ' -f1 /proc/loadavg))," \
     "front workers: $WORKERS"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, cases" \
     "${CASES[*]} alternating $ROUNDS times, the best run of each counts"
echo

wrk_case() {
    local o=$OUT
    [[ $1 == *-verify ]] && o=$OUT/verify
    if [ "$1" = open ]; then
        OUT=$o WRK_SCRIPT= run_wrk "$2" "$(url "$1")" "$3"
    else
        APIGW_BENCH_TOKEN=$(token "$1") OUT=$o WRK_SCRIPT=$HERE/bearer.lua \
            run_wrk "$2" "$(url "$1")" "$3"
    fi
}

for c in "${CASES[@]}"; do
    wrk_case "$c" "warmup-$c" 2s > /dev/null
done

compare_cases open 13
