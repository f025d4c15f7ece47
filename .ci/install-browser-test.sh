#!/usr/bin/env bash
# Headless Chromium driven by Selenium for tests/serve_browser.rs (tests/e2e/serve_e2e.py): Debian's
# chromium and chromium-driver, a CJK font, and the Python package selenium. In CI that test fails,
# rather than skips, when any of them is missing. Run as root.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep 'ok installed' >/dev/null || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 -c 'import selenium' >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check selenium==4.51.0
fi

/usr/bin/chromedriver --version >/dev/null
python3 -c 'import selenium'
