#!/usr/bin/env bash
# `smedx aggregate` against what an office analyst would use instead: the DuckDB and pandas
# baselines (../shared/baselines/ or $BASELINES), on the same simulated JSON Lines file, in the
# same run. Each round runs smedx, DuckDB and pandas one after the other (interleaved, so a busy
# machine slows all three alike); after the rounds it prints the median wall time, CPU time and
# peak memory of each, and the ratios. The figures of every run are checked equal with compare.py.
#
#   scripts/bench-aggregate.sh                      # 1,000,000 sheets, 3 rounds
#   N=100000 scripts/bench-aggregate.sh             # another size
#   ROUNDS=5 PANDAS_ROUNDS=1 scripts/bench-aggregate.sh
#   SMEDX=/path/to/other/smedx scripts/bench-aggregate.sh   # time another binary (e.g. the previous one)
#
# pandas takes minutes at 1,000,000 sheets: PANDAS_ROUNDS (default: 1 at 1,000,000 and above,
# else ROUNDS) limits its runs; PANDAS_ROUNDS=0 leaves it out. Needs GNU time at /usr/bin/time and
# `pip install duckdb pandas pyarrow pyyaml orjson`. Files go to ${BENCH_DIR:-/tmp/smedx-bench};
# the simulated file is kept for the next run (delete it when done: it is 1.1 GB at 1,000,000).
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-1000000}
SEED=${SEED:-1}
ROUNDS=${ROUNDS:-3}
if [[ -z ${PANDAS_ROUNDS:-} ]]; then
    if ((N >= 1000000)); then PANDAS_ROUNDS=1; else PANDAS_ROUNDS=$ROUNDS; fi
fi
BENCH_DIR=${BENCH_DIR:-/tmp/smedx-bench}
BASELINES=${BASELINES:-../shared/baselines}
TIME=/usr/bin/time

if [[ ! -x $TIME ]]; then
    echo "bench-aggregate: GNU time is needed at $TIME (apt-get install time)" >&2
    exit 1
fi
if [[ ! -f $BASELINES/duckdb_baseline.py ]]; then
    echo "bench-aggregate: no baselines in $BASELINES (set BASELINES)" >&2
    exit 1
fi
if ! python3 -c 'import duckdb, pandas, pyarrow, yaml, orjson' 2>/dev/null; then
    echo "bench-aggregate: pip install duckdb pandas pyarrow pyyaml orjson" >&2
    exit 1
fi

if [[ -z ${SMEDX:-} ]]; then
    echo "building the release binary…" >&2
    cargo build --release --quiet --bin smedx
    SMEDX=${CARGO_TARGET_DIR:-target}/release/smedx
fi
mkdir -p "$BENCH_DIR"
file=$BENCH_DIR/firms-$N-s$SEED.jsonl
if [[ ! -s $file ]]; then
    echo "simulating $N firms into $file…" >&2
    # simulate writes .jsonl only: the partial file keeps that extension until it is complete.
    "$SMEDX" simulate --count "$N" --seed "$SEED" -o "$file.part.jsonl" >/dev/null
    mv "$file.part.jsonl" "$file"
fi

# run NAME ROUND COMMAND…: time one run; its "wall cpu rss_mb" goes to NAME.times.
run() {
    local name=$1 round=$2
    shift 2
    local t=$BENCH_DIR/$name.time
    if ! $TIME -f '%e %U %S %M' -o "$t" "$@" >/dev/null 2>"$BENCH_DIR/$name.stderr"; then
        echo "bench-aggregate: $name failed (round $round); see $BENCH_DIR/$name.stderr" >&2
        exit 1
    fi
    tail -n 1 "$t" | awk '{ printf "%s %.2f %.1f\n", $1, $2 + $3, $4 / 1024 }' >>"$BENCH_DIR/$name.times"
}

rm -f "$BENCH_DIR"/{smedx,duckdb,pandas}.times
export SMEDX_REPO=$PWD
for ((r = 1; r <= ROUNDS; r++)); do
    echo "round $r of $ROUNDS…" >&2
    # --named: extremes (min, max) are published only then, and compare.py checks them.
    run smedx "$r" "$SMEDX" aggregate "$file" -o "$BENCH_DIR/smedx.json" --force --named
    run duckdb "$r" python3 "$BASELINES/duckdb_baseline.py" "$file" -o "$BENCH_DIR/duckdb.json"
    if ((r <= PANDAS_ROUNDS)); then
        run pandas "$r" python3 "$BASELINES/pandas_baseline.py" "$file" -o "$BENCH_DIR/pandas.json"
    fi
    baselines=("$BENCH_DIR/duckdb.json")
    if ((r <= PANDAS_ROUNDS)); then baselines+=("$BENCH_DIR/pandas.json"); fi
    if ! python3 "$BASELINES/compare.py" "$BENCH_DIR/smedx.json" "${baselines[@]}" >"$BENCH_DIR/compare.txt" 2>&1; then
        cat "$BENCH_DIR/compare.txt" >&2
        echo "bench-aggregate: the figures differ (round $r)" >&2
        exit 1
    fi
done

# median COLUMN FILE: the median of a column (1 wall, 2 CPU, 3 peak MB).
median() {
    sort -n -k "$1,$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "$N sheets ($(du -h "$file" | cut -f1)), medians of $ROUNDS interleaved rounds (pandas: $PANDAS_ROUNDS); figures equal in every round"
printf '%-8s %10s %10s %12s %14s\n' tool "wall s" "CPU s" "peak MB" "CPU µs/sheet"
for tool in smedx duckdb pandas; do
    f=$BENCH_DIR/$tool.times
    [[ -s $f ]] || continue
    w=$(median 1 "$f") c=$(median 2 "$f") m=$(median 3 "$f")
    awk -v t="$tool" -v w="$w" -v c="$c" -v m="$m" -v n="$N" \
        'BEGIN { printf "%-8s %10.2f %10.2f %12.1f %14.2f\n", t, w, c, m, c / n * 1e6 }'
done
sw=$(median 1 "$BENCH_DIR/smedx.times")
for tool in duckdb pandas; do
    f=$BENCH_DIR/$tool.times
    [[ -s $f ]] || continue
    awk -v t="$tool" -v b="$(median 1 "$f")" -v s="$sw" \
        'BEGIN { printf "%s / smedx, wall time: %.1f×\n", t, b / s }'
done
