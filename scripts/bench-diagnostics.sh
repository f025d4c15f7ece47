#!/usr/bin/env bash
# Time the real `smedx score` binary on an answer sheet with 200,000 unknown items, against two
# baselines measured in the same run: `smedx score` of a normal sample sheet, and `cat` of the big
# sheet. Prints wall time, peak memory (max RSS) and the bytes written to standard error, as a table.
#
#   scripts/bench-diagnostics.sh               # 200,000 unknown items
#   ITEMS=110000 scripts/bench-diagnostics.sh
#   BIN=target/release/smedx scripts/bench-diagnostics.sh   # no build
#
# Two layouts: one item per line (block), and every item on the line of `answers:` (flow), where
# each diagnostic used to repeat the whole line. Files go to ${BENCH_DIR:-/tmp/smedx-bench}. Needs
# GNU time at /usr/bin/time.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/smedx-bench}
ITEMS=${ITEMS:-200000}
SAMPLE=questionnaires/examples/auto-parts-machining.yaml
TIME=/usr/bin/time

if [[ ! -x $TIME ]]; then
    echo "bench-diagnostics: GNU time is needed at $TIME (apt-get install time)" >&2
    exit 1
fi

# BIN=path/to/smedx skips the build.
if [[ -z ${BIN:-} ]]; then
    echo "building the release binary…" >&2
    cargo build --release --quiet
    BIN=${CARGO_TARGET_DIR:-target}/release/smedx
fi
mkdir -p "$BENCH_DIR"

# The sample's profile, then the unknown items as its answers.
head=$(sed '/^answers:/,$d' "$SAMPLE")
block=$BENCH_DIR/unknown-$ITEMS-block.yaml
flow=$BENCH_DIR/unknown-$ITEMS-flow.yaml
{
    printf '%s\nanswers:\n' "$head"
    seq 0 $((ITEMS - 1)) | sed 's/.*/  zz-unknown-&: A/'
} >"$block"
{
    printf '%s\nanswers: {' "$head"
    seq 0 $((ITEMS - 1)) | sed 's/.*/zz-unknown-&: A/' | paste -sd, - | tr -d '\n'
    printf '}\n'
} >"$flow"

# wall s, peak RSS MB, stderr bytes of one command.
measure() {
    local times=$BENCH_DIR/time.txt err=$BENCH_DIR/stderr.txt
    $TIME -f '%e %M' -o "$times" "$@" >/dev/null 2>"$err" || true
    read -r wall rss_kb < <(tail -n 1 "$times")
    printf '%s %s %s\n' "$wall" $((rss_kb / 1024)) "$(wc -c <"$err")"
}

printf '%-44s %8s %12s %14s\n' run "wall s" "peak RSS MB" "stderr bytes"
read -r base_wall base_rss base_err < <(measure "$BIN" score "$SAMPLE")
printf '%-44s %8s %12s %14s\n' "score a normal sheet (baseline)" "$base_wall" "$base_rss" "$base_err"
read -r cat_wall cat_rss _ < <(measure cat "$flow")
printf '%-44s %8s %12s %14s\n' "cat the flow sheet ($(wc -c <"$flow") bytes)" "$cat_wall" "$cat_rss" -
for layout in block flow; do
    file=$BENCH_DIR/unknown-$ITEMS-$layout.yaml
    # 200,000 items are 400,000 YAML values, past the default limit of 250,000.
    read -r wall rss err < <(measure "$BIN" score "$file" --max-yaml-nodes 1000000)
    printf '%-44s %8s %12s %14s\n' "score $ITEMS unknown items ($layout)" "$wall" "$rss" "$err"
    ratio=$(awk -v a="$wall" -v b="$base_wall" 'BEGIN { printf "%.0f", a / (b > 0.005 ? b : 0.005) }')
    echo "  = ${ratio}× the time to score a normal sheet" >&2
done
