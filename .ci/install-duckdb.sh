#!/usr/bin/env bash
# DuckDB's Python package for tests/parquet.rs: the queries of docs/analysis.md run over the Parquet
# export and must give the figures of `smedx aggregate` (scripts/parquet-compare.py). In CI that test
# fails, rather than skips, when the package is missing.
set -euo pipefail
if ! python3 -c 'import duckdb' >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check duckdb==2.0.1
fi
python3 -c 'import duckdb; print("duckdb", duckdb.__version__)'
