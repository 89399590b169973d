"""Bad configuration stops a service at once with one clear line, not a stack trace or a retry loop."""

import os
import subprocess
import sys

import pytest

from flipside_devstack.auth import dev_issuer
from flipside_shared.signing_secrets import SIGNING_SECRET_VARIABLES, random_signing_secret


def start_matching(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flipside_matching"],
        env={**os.environ, "FLIPSIDE_STARTUP_TIMEOUT_SECONDS": "2", **env},
        capture_output=True,
        text=True,
        timeout=60,
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
    assert line.startswith(
        "flipside: authentication is not configured: set FLIPSIDE_AUTH_ISSUER and FLIPSIDE_AUTH_AUDIENCE"
    )


def test_a_symmetric_algorithm_is_refused_by_name(sandbox):
    result = start_matching(**sandbox.env(FLIPSIDE_AUTH_ALGORITHMS='["HS256"]'))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "flipside: invalid configuration: FLIPSIDE_AUTH_ALGORITHMS: Value error, ['HS256'] not allowed"
    )


def start_service(service: str, signing_secrets: dict[str, str]) -> subprocess.CompletedProcess:
    """The service with exactly these signing secrets: none inherited from the test session's own."""
    inherited = {name: value for name, value in os.environ.items() if name not in SIGNING_SECRET_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", f"flipside_{service}"],
        env={**inherited, "FLIPSIDE_STARTUP_TIMEOUT_SECONDS": "2", **dev_issuer().env(), **signing_secrets},
        capture_output=True,
        text=True,
        timeout=60,
    )


BAD_SECRETS = {
    "missing": (None, "Field required"),
    "short": ("x" * 31, "31 bytes, at least 32 needed; make one with `openssl rand -base64 48`"),
    # Each of them is refused for every variable; the unit tests go through them all.
    "published": ("development-only-survey-link-secret", "a published development value, which anyone can sign with"),
}


@pytest.mark.parametrize("variable", SIGNING_SECRET_VARIABLES)
@pytest.mark.parametrize("case", BAD_SECRETS)
def test_a_service_refuses_to_start_without_a_strong_signing_secret(variable, case):
    value, reason = BAD_SECRETS[case]
    service = variable.removeprefix("FLIPSIDE_").split("_")[0].lower()
    secrets = {name: random_signing_secret() for name in SIGNING_SECRET_VARIABLES if name != variable}
    if value is not None:
        secrets[variable] = value
    result = start_service(service, secrets)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"flipside: invalid configuration: {variable}: "), line
    assert reason in line
    assert not value or value not in result.stderr + result.stdout, "the secret itself is never printed"


@pytest.mark.parametrize("variable", ["FLIPSIDE_FEEDBACK_LINK_SECRET", "FLIPSIDE_SCHEDULING_FEED_SECRET"])
def test_notifications_refuses_to_start_without_the_keys_of_the_links_it_makes(variable):
    """Notifications signs the survey and calendar-feed links of its e-mails with feedback's and scheduling's keys."""
    result = start_service(
        "notifications", {name: random_signing_secret() for name in SIGNING_SECRET_VARIABLES if name != variable}
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [f"flipside: invalid configuration: {variable}: Field required"]


def test_feedback_refuses_one_secret_for_both_survey_links_and_the_concern_contributor_hash():
    shared = random_signing_secret()
    result = start_service(
        "feedback", {"FLIPSIDE_FEEDBACK_LINK_SECRET": shared, "FLIPSIDE_FEEDBACK_CONCERN_CONTRIBUTOR_KEY": shared}
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "flipside: invalid configuration: Value error, "
        "FLIPSIDE_FEEDBACK_CONCERN_CONTRIBUTOR_KEY must differ from FLIPSIDE_FEEDBACK_LINK_SECRET"
    ]
    assert shared not in result.stderr
