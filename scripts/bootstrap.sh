#!/usr/bin/env bash
# Installs what Flipside needs on a fresh Debian machine, and nothing that is already there:
# a JDK and Maven (for the local Kafka broker), PostgreSQL server binaries, Debian's Chromium and npm (the browser
# tests: Playwright drives that Chromium, axe-core from tests/browser/package-lock.json checks the pages), uv, and
# the locked Python deps.
set -euo pipefail
cd "$(dirname "$0")/.."

have_postgres() {
    command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1
}

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
have_postgres || missing+=(postgresql)
# The browser tests launch this very file (FLIPSIDE_CHROMIUM overrides it there); Playwright's own builds are not used.
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || { echo "bootstrap: apt-get could not install ${missing[*]}" >&2; exit 1; }
fi
if [ ! -x /usr/bin/chromium ]; then
    echo "bootstrap: /usr/bin/chromium is still missing after apt-get: the browser tests cannot run without it" >&2
    exit 1
fi

if ! python3 -m uv --version >/dev/null 2>&1; then
    echo "bootstrap: installing uv"
    python3 -m pip install --quiet uv 2>/dev/null || python3 -m pip install --quiet --user uv
fi
# With the packages' bytecode written once here, a Python process starts in a third of the time (1.5 s instead of
# 4 s for a service): imports otherwise compile every module again, where PYTHONDONTWRITEBYTECODE keeps Python
# from caching what it compiled. The tests and the demo start over a hundred such processes.
python3 -m uv sync --frozen --quiet --compile-bytecode
# axe-core as locked, again only when the lock changed since the last install.
if [ ! tests/browser/node_modules/.package-lock.json -nt tests/browser/package-lock.json ]; then
    echo "bootstrap: installing the browser tests' axe-core (npm ci)"
    npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error
fi
# Resolve the Kafka broker's jars now, so the first test does not pay for it under a timeout.
python3 -m uv run --frozen python -m flipside_devstack.kafka --resolve
