# Shared by the bench scripts: process cleanup, free ports, nginx config.
# The sourcing script sets $BENCH_NAME (for messages) first.

pids=()

cleanup() {
    for pid in ${pids[@]+"${pids[@]}"}; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'echo "$BENCH_NAME: interrupted" >&2; exit 130' INT TERM

free_port() {
    perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1,
        LocalAddr => "127.0.0.1", LocalPort => 0)->sockport'
}

# the main context and the start of http{};
# $1: prefix, $2: worker processes, $3: master_process (default on)
conf_head() {
    cat <<CONF
daemon off;
master_process ${3:-on};
worker_processes $2;
pid $1/nginx.pid;
error_log $1/error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $1/client_body_temp;
    proxy_temp_path $1/proxy_temp;
    fastcgi_temp_path $1/fastcgi_temp;
    uwsgi_temp_path $1/uwsgi_temp;
    scgi_temp_path $1/scgi_temp;
CONF
}


# the measured pair: bare proxy_pass and the gateway, on one upstream
# (uses BACKEND_PORT, KEEPALIVE, OUT, FRONT_PORT)
front_servers() {
    cat <<CONF
    upstream backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive $KEEPALIVE;
        keepalive_requests 1000000;
    }

    apigw_api bench $OUT/spec.json;

    server {
        listen 127.0.0.1:$FRONT_PORT;

        location /bare/ {
            proxy_pass http://backend/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }

        location /gw/ {
            apigw bench stage=prod;
            apigw_backend http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
CONF
}


# the backend both cases share: a small JSON answer
# (uses OUT, BACKEND_PORT, BODY)
backend_conf() {
    conf_head "$OUT/backend" 1
    cat <<CONF
    server {
        listen 127.0.0.1:$BACKEND_PORT;

        location / {
            default_type application/json;
            return 200 '$BODY';
        }
    }
}
CONF
}
