#!/bin/sh
# Load test of `smedx serve` on loopback only: SMEDX_LOAD_CLIENTS (default 100) simulated SMEs each
# walk the whole questionnaire and submit, over and over, for SMEDX_LOAD_SECS (default 30) seconds;
# prints requests/s and p50/p99 latency of every request and of submissions, and how many
# acknowledged submissions were lost (must be 0):
# - SQLite: one instance, killed with SIGKILL at the end, restarted, every acknowledged submission
#   read back;
# - PostgreSQL (when SMEDX_TEST_PG is set, e.g. from .ci/install-postgres.sh): two instances on one
#   database, one killed with SIGKILL midway (its clients go on with the other), every acknowledged
#   submission read back through the survivor and through the killed instance restarted.
set -eu
cd "$(dirname "$0")/.."
filter=concurrent_smes_submit
if [ -n "${SMEDX_TEST_PG:-}" ]; then filter=; fi
exec cargo test --release --test serve_load -- --ignored --nocapture --test-threads 1 $filter
