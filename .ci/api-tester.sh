#!/usr/bin/env bash
# Property-based test of `smedx serve`'s JSON API: schemathesis (pinned, from PyPI) reads the
# server's OpenAPI 3.1 document, sends generated requests with a token of `smedx token`, and fails on
# any 5xx, any response that its schema, status list or content type does not allow. Bounded in time.
# One worker: with two, hypothesis parses lambda sources from two threads at once, and CPython 3.11's
# AST builder keeps its recursion depth in state the threads share; the CI run of 2026-12-02 failed on
# "SystemError: AST constructor recursion depth mismatch" inside the tester (CPython gh-106905).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
MAX_SECONDS=${SMEDX_API_TESTER_SECONDS:-180}
venv=${SMEDX_API_TESTER_VENV:-target/api-tester-venv}

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -F "$SCHEMATHESIS_VERSION" >/dev/null; then
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
    fi
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet --bin smedx
smedx=target/debug/smedx
work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A token of the whole country, so generated sheets of any region can be stored; the region checks
# have their own test (tests/serve_api.rs). No rate limit: the run tests the handlers, not 429s.
token=$("$smedx" token add --region 000000 --label api-tester --db "$work/api.db")
"$smedx" serve --addr 127.0.0.1:0 --db "$work/api.db" --api-rate-limit 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
addr=""
for _ in $(seq 1 100); do
    addr=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$work/serve.out" | sed -n 1p)
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "$addr" ] || { echo "api-tester: smedx serve did not start" >&2; cat "$work/serve.err" >&2; exit 1; }

status=0
timeout --signal=INT $((MAX_SECONDS + 60)) \
    "$venv/bin/schemathesis" run "$addr/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-time "$MAX_SECONDS" \
    --workers 1 \
    --seed 20261201 \
    --suppress-health-check too_slow,filter_too_much \
    --no-color || status=$?
if grep -q "smedx serve: api:" "$work/serve.err"; then
    echo "api-tester: the server logged internal errors:" >&2
    grep -m 20 "smedx serve: api:" "$work/serve.err" >&2 || true
    status=1
fi
exit "$status"
