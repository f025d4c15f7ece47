#!/bin/sh
# Load test of `smedx serve` on loopback only: SMEDX_LOAD_CLIENTS (default 100) simulated SMEs each
# walk the whole questionnaire and submit, over and over, for SMEDX_LOAD_SECS (default 30) seconds;
# prints p50/p99 latency of every request and of submissions, then kills the server with SIGKILL,
# restarts it and checks that every acknowledged submission is stored.
set -eu
cd "$(dirname "$0")/.."
exec cargo test --release --test serve_load -- --ignored --nocapture
