#!/usr/bin/env bash
# LibreOffice (headless Calc) for tests/collect_libreoffice.rs: a template filled by a script and
# saved again by `soffice --headless --convert-to xlsx` must import. In CI that test fails, rather
# than skips, when soffice is missing.
set -euo pipefail
if ! command -v soffice >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null
fi
soffice --version
