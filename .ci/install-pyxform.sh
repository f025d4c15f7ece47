#!/usr/bin/env bash
# pyxform (with the ODK Validate jar it ships; Java is on the machine) for tests/collect_xlsform.rs:
# `smedx export --format xlsform` must convert and validate as ODK Central and KoboToolbox do. In CI
# that test fails, rather than skips, when xls2xform is missing.
set -euo pipefail
if ! command -v xls2xform >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check pyxform==4.5.0
fi
command -v java >/dev/null 2>&1 || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
}
xls2xform --help >/dev/null
