#!/usr/bin/env bash
# Install the Debian packages the tests use besides Python: chromium (headless browser tests of
# the HTML reports and the workbench) and poppler-utils (pdftotext, which reads report.pdf back
# in the PDF tests). Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)

if [[ ${#missing[@]} -gt 0 ]]; then
    SUDO=""
    if [[ "$(id -u)" -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            SUDO="sudo"
        else
            echo "error: installing ${missing[*]} needs root (or sudo); run this script as root" >&2
            exit 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
echo "pdftotext: $(pdftotext -v 2>&1 | head -1 || echo missing)"
