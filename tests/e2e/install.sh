#!/usr/bin/env bash
# Installs what the browser tests need: Debian's chromium (never a downloaded browser) and the
# npm packages listed in tests/e2e/package.json. Best effort: a test whose tools are missing
# skips and says why, so `make test` still works on a machine without them.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        # Said before apt-get runs: this changes the machine, as root, not only the project folder.
        echo "Installing Debian packages chromium and chromium-driver as root with apt-get, for the browser tests (tests/e2e); interrupt now to skip them."
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
            || echo "Could not install chromium: the browser tests will skip."
    else
        echo "chromium is not installed and this user cannot install it: the browser tests will skip."
    fi
fi

if [ -f "$here/package.json" ]; then
    node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
    if [ "$node_major" -lt 18 ] 2>/dev/null; then
        echo "node 18 or newer is needed for the Agents Playground (found ${node_major}): the Teams browser test will skip."
    fi
    if command -v npm >/dev/null 2>&1; then
        (cd "$here" && npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error) \
            || echo "npm install failed: the tests that need node packages will skip."
    else
        echo "npm is not installed: the tests that need node packages will skip."
    fi
fi
# What the browser tests will find (each skips with its reason when something is missing).
command -v chromium >/dev/null 2>&1 && echo "browser tests: chromium $(chromium --version 2>/dev/null | awk '{print $2}')"
[ -f "$here/node_modules/@microsoft/m365agentsplayground/package.json" ] \
    && echo "browser tests: Agents Playground $(node -p "require('$here/node_modules/@microsoft/m365agentsplayground/package.json').version" 2>/dev/null)"
exit 0
