#!/usr/bin/env bash
# bootstrap.sh — install what stepfn needs to build and test on Debian 12.
#
# Checks each package with dpkg-query first, so on a machine that has them all
# it does nothing, needs no network and returns at once. Otherwise it runs
# `apt-get update` once and installs only the missing packages, as root, or
# through sudo when run as another user.
#
# Then the test server of the AWS integration tests (tests/aws/): dynalite,
# a DynamoDB-compatible server on Node.js, at the versions pinned in
# tools/dynalite/package-lock.json, installed with `npm ci` as the calling
# user (never globally) into $STEPFN_TOOLS_DIR/dynalite, by default
# ${XDG_CACHE_HOME:-~/.cache}/stepfn/dynalite. Skipped when that folder
# already holds the pinned lock file. Node.js and npm come from Debian
# (nodejs, npm) unless an npm is already on the PATH.
#
# Usage: tools/bootstrap.sh        (make run / make test call it for you)
#        tools/bootstrap.sh --fuzz (make fuzz): also clang-14 and the
#                                  libFuzzer and sanitizer runtimes
set -eu

PACKAGES="build-essential cmake pkg-config libjansson-dev libuv1-dev
libcurl4-openssl-dev libpcre2-dev libcmocka-dev python3 graphviz python3-botocore
libhttp-parser-dev awscli python3-boto3"
if ! command -v npm >/dev/null 2>&1; then
    PACKAGES="$PACKAGES nodejs npm"
fi
if [ "${1:-}" = "--fuzz" ]; then
    PACKAGES="$PACKAGES clang-14 libclang-rt-14-dev"
elif [ $# -gt 0 ]; then
    echo "usage: tools/bootstrap.sh [--fuzz]" >&2
    exit 2
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "bootstrap: dpkg-query not found; this script supports Debian 12 only." >&2
    echo "bootstrap: install by hand: $(echo "$PACKAGES" | tr '\n' ' ')" >&2
    exit 1
fi

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
        missing="$missing $pkg"
    fi
done

# dynalite for tests/aws/, pinned by tools/dynalite/package-lock.json.
install_dynalite() {
    here=$(cd "$(dirname "$0")" && pwd)
    dir="${STEPFN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stepfn}/dynalite"
    if [ -f "$dir/node_modules/dynalite/package.json" ] &&
        cmp -s "$here/dynalite/package-lock.json" "$dir/package-lock.json"; then
        return 0
    fi
    echo "bootstrap: installing dynalite (tests/aws) into $dir"
    mkdir -p "$dir"
    cp "$here/dynalite/package.json" "$here/dynalite/package-lock.json" "$dir/"
    # A failure (no registry in reach) leaves the build alone: only the
    # test that needs dynalite fails, saying what is missing.
    if ! (cd "$dir" && npm ci --omit=optional --no-audit --no-fund --ignore-scripts >/dev/null); then
        echo "bootstrap: warning: npm could not install dynalite; e2e.aws_dynamodb will fail" >&2
    fi
}

if [ -z "$missing" ]; then
    install_dynalite
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "bootstrap: missing packages:$missing" >&2
    echo "bootstrap: not root and sudo is not available; as root run:" >&2
    echo "    apt-get update && apt-get install -y$missing" >&2
    exit 1
fi

echo "bootstrap: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# $as_root and $missing are word lists on purpose.
# shellcheck disable=SC2086
$as_root apt-get update
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
install_dynalite
echo "bootstrap: done"
