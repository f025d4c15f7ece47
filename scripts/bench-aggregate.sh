#!/usr/bin/env bash
# Time the real `smedx aggregate` binary on 10k, 100k and 1M simulated firms (JSON Lines):
# wall time, peak memory (max RSS), records per second and CPU time (user + system), as a table.
# CPU time ≈ 2 × wall means both cores were busy; a loaded machine shows longer wall times.
#
#   scripts/bench-aggregate.sh                 # 10k, 100k, 1M
#   SIZES="10000 100000" scripts/bench-aggregate.sh
#   AGGREGATE_ARGS="--no-demand" scripts/bench-aggregate.sh
#
# Simulated files are cached in ${BENCH_DIR:-/tmp/smedx-bench} (firms-COUNT-sSEED.jsonl; delete them
# after changing the simulator). Needs GNU time at /usr/bin/time. Targets (issue 5): 1,000,000
# sheets in ≤ 10 s wall on 2 cores, peak memory ≤ 256 MB.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/smedx-bench}
SIZES=${SIZES:-10000 100000 1000000}
SEED=${SEED:-1}
AGGREGATE_ARGS=${AGGREGATE_ARGS:-}
TIME=/usr/bin/time

if [[ ! -x $TIME ]]; then
    echo "bench-aggregate: GNU time is needed at $TIME (apt-get install time)" >&2
    exit 1
fi

echo "building the release binary…" >&2
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/smedx
mkdir -p "$BENCH_DIR"

for n in $SIZES; do
    file=$BENCH_DIR/firms-$n-s$SEED.jsonl
    if [[ ! -s $file ]]; then
        echo "simulating $n firms into $file…" >&2
        "$BIN" simulate --count "$n" --seed "$SEED" -o "$file.part"
        mv "$file.part" "$file"
    fi
done

printf '%-10s %10s %14s %12s %9s %9s\n' firms "wall s" "peak RSS MB" "records/s" "CPU s" skipped
status=0
for n in $SIZES; do
    file=$BENCH_DIR/firms-$n-s$SEED.jsonl
    out=$BENCH_DIR/summary-$n.json
    times=$BENCH_DIR/time-$n.txt
    rm -f "$out" "$BENCH_DIR/errors-$n.txt"
    # shellcheck disable=SC2086 # AGGREGATE_ARGS is a list of options
    if ! $TIME -f '%e %M %U %S' -o "$times" "$BIN" aggregate "$file" -o "$out" \
        --errors "$BENCH_DIR/errors-$n.txt" $AGGREGATE_ARGS >/dev/null 2>"$BENCH_DIR/stderr-$n.txt"; then
        echo "bench-aggregate: smedx aggregate failed on $n firms; see $BENCH_DIR/stderr-$n.txt" >&2
        status=1
        continue
    fi
    read -r wall rss_kb user sys < <(tail -n 1 "$times")
    records=$(grep -m1 -o '"records": [0-9]*' "$out" | grep -o '[0-9]*$')
    skipped=$(grep -m1 -o '"skipped": [0-9]*' "$out" | grep -o '[0-9]*$')
    if [[ $records != "$n" ]]; then
        echo "bench-aggregate: $n firms simulated, $records aggregated" >&2
        status=1
    fi
    awk -v n="$n" -v w="$wall" -v kb="$rss_kb" -v u="$user" -v y="$sys" -v s="$skipped" 'BEGIN {
        rate = (w > 0) ? n / w : 0
        printf "%-10d %10.2f %14.1f %12.0f %9.2f %9d\n", n, w, kb / 1024, rate, u + y, s
    }'
done
exit $status
