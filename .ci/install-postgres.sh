#!/usr/bin/env bash
# PostgreSQL for the serve tests against the PostgreSQL backend: installs Debian's `postgresql`,
# starts its cluster (as the `postgres` user: the server refuses to run as root) on 127.0.0.1,
# creates a role and a database, and prints the URL the tests read from SMEDX_TEST_PG:
#     export SMEDX_TEST_PG="$(bash .ci/install-postgres.sh)"
# Each test makes its own schema in that database. Everything but the URL goes to standard error.
set -euo pipefail
exec 3>&1 1>&2
# Everything but the last line runs with fd 3 closed: a server started here (by pg_ctlcluster, or by
# the package's install script) would inherit it and hold the caller's `$(...)` open for ever. The
# CI run of 2026-11-30 waited its whole 90 minutes on that.
setup() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    fi
    version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {found = 1} END {exit !found}'; then
        pg_createcluster "$version" main >/dev/null
    fi
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online" {found = 1} END {exit !found}'; then
        pg_ctlcluster "$version" main start
    fi
    port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')"
    as_postgres() { su postgres -s /bin/sh -c "psql -v ON_ERROR_STOP=1 -qAt -p $port $*"; }
    if [ "$(as_postgres "-c \"SELECT 1 FROM pg_roles WHERE rolname = 'smedx'\"")" != 1 ]; then
        as_postgres "-c \"CREATE ROLE smedx LOGIN PASSWORD 'smedx'\""
    fi
    if [ "$(as_postgres "-c \"SELECT 1 FROM pg_database WHERE datname = 'smedx_test'\"")" != 1 ]; then
        as_postgres "-c \"CREATE DATABASE smedx_test OWNER smedx\""
    fi
}
setup 3>&-
echo "postgres://smedx:smedx@127.0.0.1:$port/smedx_test" >&3
