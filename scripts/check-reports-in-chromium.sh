#!/usr/bin/env bash
# Smoke-test the committed sample reports in a real browser: open every reports/*.html in headless
# Chromium, dump the DOM it builds, and check that the company name and the inline SVG charts are
# there. Also takes a full-page screenshot of one report to look at.
#
# Usage: scripts/check-reports-in-chromium.sh [REPORT_STEM_TO_SCREENSHOT]
#   CHROMIUM=/path/to/chromium   browser binary (default: chromium, else chromium-browser)
#   SCREENSHOT_DIR=/tmp          where the screenshot goes (default /tmp): $SCREENSHOT_DIR/STEM.png
#   REPORTS_DIR=reports          folder of the reports (default: reports/ of this repository)
#
# Needs: chromium and a CJK font (Debian/Ubuntu: apt-get install chromium fonts-noto-cjk).
# Exit status: 0 when every report passes, 1 when one fails, 2 when the browser is missing.
set -euo pipefail

cd "$(dirname "$0")/.."

browser="${CHROMIUM:-}"
if [[ -z "$browser" ]]; then
    for b in chromium chromium-browser; do
        if command -v "$b" >/dev/null 2>&1; then
            browser="$b"
            break
        fi
    done
fi
if [[ -z "$browser" ]] || ! command -v "$browser" >/dev/null 2>&1; then
    echo "error: chromium not found (set CHROMIUM=...)" >&2
    exit 2
fi

dir="${REPORTS_DIR:-reports}"
if ! dir="$(cd "$dir" 2>/dev/null && pwd)"; then
    echo "error: no folder ${REPORTS_DIR:-reports}" >&2
    exit 1
fi
shopt -s nullglob
reports=("$dir"/*.html)
if ((${#reports[@]} == 0)); then
    echo "error: no $dir/*.html; run: SMEDX_UPDATE_REPORTS=1 cargo test --test reports_fresh" >&2
    exit 1
fi

# Each run gets its own throwaway profile, inside one folder removed on exit.
profiles="$(mktemp -d)"
trap 'rm -rf -- "$profiles"' EXIT

# Headless Chromium with no network chatter.
run_chromium() {
    timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d -p "$profiles")" "$@"
}

# The company name: the text of the report's <h1>, as written in the file.
company_name() {
    sed -n 's:.*<h1>\(.*\)</h1>.*:\1:p' "$1" | sed -n 1p
}

failed=0
for file in "${reports[@]}"; do
    name="$(company_name "$file")"
    if [[ -z "$name" ]]; then
        echo "FAIL $file: no <h1> with the company name in the file"
        failed=1
        continue
    fi
    url="file://$file"
    if ! dom="$(run_chromium --dump-dom "$url" 2>/dev/null)"; then
        echo "FAIL $file: chromium exited with an error or timed out"
        failed=1
        continue
    fi
    problems=()
    [[ "$dom" == *"$name"* ]] || problems+=("company name \"$name\" not in the DOM")
    [[ "$dom" == *"<svg"* ]] || problems+=("no <svg> in the DOM")
    svgs="$(grep -o '<svg' <<<"$dom" | wc -l || true)"
    [[ "$svgs" -eq 2 ]] || problems+=("$svgs <svg> elements, expected 2")
    [[ "$dom" == *"<table"* ]] || problems+=("no <table> in the DOM")
    if ((${#problems[@]})); then
        joined="$(printf '%s; ' "${problems[@]}")"
        echo "FAIL ${file#"$PWD"/}: ${joined%; }"
        failed=1
    else
        echo "ok   ${file#"$PWD"/} ($name, $svgs svg, $(wc -c <<<"$dom") bytes of DOM)"
    fi
done

shot_stem="${1:-$(basename "${reports[0]}" .html)}"
shot_file="$dir/$shot_stem.html"
shot_dir="${SCREENSHOT_DIR:-/tmp}"
if [[ -f "$shot_file" ]]; then
    png="$shot_dir/$shot_stem.png"
    rm -f -- "$png"
    if run_chromium --hide-scrollbars --window-size=1000,3000 --screenshot="$png" \
        "file://$shot_file" >/dev/null 2>&1 && [[ -s "$png" ]]; then
        echo "screenshot: $png"
    else
        echo "FAIL screenshot of $shot_file"
        failed=1
    fi
else
    echo "FAIL no report $shot_file to screenshot"
    failed=1
fi

exit "$failed"
