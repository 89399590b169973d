#!/usr/bin/env bash
# Installs what Flipside needs on a fresh Debian machine, and nothing that is already there:
# a JDK and Maven (for the local Kafka broker), PostgreSQL server binaries, Chromium (the feedback
# dashboard's browser test), uv, and the locked Python deps.
set -euo pipefail

have_postgres() {
    command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1
}

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
have_postgres || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 -m uv --version >/dev/null 2>&1; then
    echo "bootstrap: installing uv"
    python3 -m pip install --quiet uv 2>/dev/null || python3 -m pip install --quiet --user uv
fi
python3 -m uv sync --frozen --quiet
# Resolve the Kafka broker's jars now, so the first test does not pay for it under a timeout.
python3 -m uv run --frozen python -m flipside_devstack.kafka --resolve
