#!/usr/bin/env bash
# Installs what the browser tests need: Debian's chromium (never a downloaded browser) and the
# npm packages listed in tests/e2e/package.json. Best effort: a test whose tools are missing
# skips and says why, so `make test` still works on a machine without them.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's chromium for the browser tests..."
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
            || echo "Could not install chromium: the browser tests will skip."
    else
        echo "chromium is not installed and this user cannot install it: the browser tests will skip."
    fi
fi

if [ -f "$here/package.json" ]; then
    if command -v npm >/dev/null 2>&1; then
        (cd "$here" && npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error) \
            || echo "npm install failed: the tests that need node packages will skip."
    else
        echo "npm is not installed: the tests that need node packages will skip."
    fi
fi
exit 0
