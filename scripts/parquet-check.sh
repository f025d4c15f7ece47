#!/usr/bin/env bash
# The Parquet export checked at scale: N simulated firms (default 100,000) are aggregated with
# `--export`, the DuckDB queries of docs/analysis.md run over the file, and every figure must equal
# the one in `smedx aggregate`'s JSON (level distribution, share at 二级+, quartiles exactly; means to
# the cent). Prints the times and the peak memory of the aggregation with and without the export.
#
#   scripts/parquet-check.sh [N]          # needs python3 with duckdb (.ci/install-duckdb.sh)
#
# Uses target/release/smedx (built if missing; SMEDX=path overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
SMEDX="${SMEDX:-target/release/smedx}"
[ -x "$SMEDX" ] || cargo build --release --quiet
python3 -c 'import duckdb' 2>/dev/null || { echo "python3 has no duckdb: run .ci/install-duckdb.sh" >&2; exit 2; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$SMEDX" --lang en simulate -n "$N" --seed 16 -o "$WORK/firms.jsonl"
head -c 32 /dev/urandom | base64 > "$WORK/salt.txt"

# Peak resident memory (kB) and seconds of one run, from GNU time when present.
measure() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "%M %e" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; exit 1; }
        cat "$WORK/time"
    else
        local t0=$SECONDS; "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; exit 1; }
        echo "? $((SECONDS - t0))"
    fi
}
read -r plain_kb plain_s < <(measure "$SMEDX" --lang en aggregate "$WORK/firms.jsonl" -o "$WORK/plain.json")
read -r kb s < <(measure "$SMEDX" --lang en aggregate "$WORK/firms.jsonl" -o "$WORK/summary.json" \
    --export "$WORK/firms.parquet" --salt-file "$WORK/salt.txt")
size=$(stat -c %s "$WORK/firms.parquet")
echo "firms: $N"
echo "aggregate without export: ${plain_s} s, peak ${plain_kb} kB"
echo "aggregate with --export:  ${s} s, peak ${kb} kB; Parquet file $((size / 1024)) KiB"
t0=$(date +%s%N)
python3 scripts/parquet-compare.py "$WORK/firms.parquet" "$WORK/summary.json" docs/analysis.md
t1=$(date +%s%N)
echo "DuckDB queries and comparison: $(( (t1 - t0) / 1000000 )) ms"
