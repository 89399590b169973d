"""Bad configuration stops a service at once with one clear line, not a stack trace or a retry loop."""

import os
import subprocess
import sys


def start_matching(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flipside_matching"],
        env={**os.environ, "FLIPSIDE_STARTUP_TIMEOUT_SECONDS": "2", **env},
        capture_output=True, text=True, timeout=60,
    )


def test_an_invalid_setting_names_the_variable(sandbox):
    result = start_matching(**sandbox.env(FLIPSIDE_KAFKA_SASL_MECHANISM="MD5"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "flipside: invalid configuration: FLIPSIDE_KAFKA_SASL_MECHANISM: "
        "Input should be 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'"
    ]


def test_an_unreachable_database_is_named_without_its_password(sandbox):
    result = start_matching(**sandbox.env(FLIPSIDE_DATABASE_URL="postgresql://flipside:s3cret@127.0.0.1:1/flipside"))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("flipside: database at 127.0.0.1:1/flipside not reachable after 2s")
    assert "s3cret" not in line


def test_an_unreachable_broker_is_named(sandbox):
    result = start_matching(**sandbox.env(FLIPSIDE_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1"))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("flipside: Kafka at 127.0.0.1:1 not reachable after 2s")


def test_without_an_issuer_and_audience_a_service_refuses_to_run_open(sandbox):
    result = start_matching(**sandbox.env(FLIPSIDE_AUTH_ISSUER="", FLIPSIDE_AUTH_AUDIENCE=""))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("flipside: authentication is not configured: set FLIPSIDE_AUTH_ISSUER and FLIPSIDE_AUTH_AUDIENCE")


def test_a_symmetric_algorithm_is_refused_by_name(sandbox):
    result = start_matching(**sandbox.env(FLIPSIDE_AUTH_ALGORITHMS='["HS256"]'))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("flipside: invalid configuration: FLIPSIDE_AUTH_ALGORITHMS: Value error, ['HS256'] not allowed")
