#!/usr/bin/env bash
# Readers of the PDF and Word reports for tests/report_documents.rs and tests/reports_fresh.rs:
# poppler-utils (pdftotext, pdfinfo, pdftoppm), the CJK font the reports are laid out with, and
# LibreOffice Writer (headless), which converts the .docx to PDF to check its sections.
set -euo pipefail
missing=()
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
fc-list 2>/dev/null | grep "Noto Sans CJK SC" >/dev/null || missing+=(fonts-noto-cjk)
dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# sed reads to the end (head would leave pdftotext to die of SIGPIPE, exit 141 under pipefail).
pdftotext -v 2>&1 | sed -n 1p
