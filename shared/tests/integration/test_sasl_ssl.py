"""Flipside on a cluster that wants TLS and SCRAM: a real broker with a SASL_SSL listener, a real service on it."""

import logging
import os
import secrets
import subprocess
import sys
import time

import pytest
from aiokafka.errors import KafkaConnectionError

from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka import LocalKafka, SaslSslListener
from flipside_devstack.kafka_io import TopicReader, count_of, envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.tls import issue_loopback_certificates
from flipside_shared.deadletter import dead_letter_topic
from flipside_shared.events import PairCreated
from flipside_shared.kafka import reliable_producer
from flipside_shared.settings import KafkaSettings

USER = "flipside"
PASSWORD = secrets.token_urlsafe(16)
WRONG_PASSWORD = "not-" + PASSWORD


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return issue_loopback_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def secured_kafka(certificates, tmp_path_factory):
    """A second broker, beside the stack's: its only client listener is SASL_SSL with SCRAM-SHA-512."""
    listener = SaslSslListener(
        keystore=certificates.server_pem, truststore=certificates.ca_file, users={USER: PASSWORD}
    )
    kafka = LocalKafka(tmp_path_factory.mktemp("secured-kafka"), security=listener).start()
    yield kafka
    kafka.stop()


def service_env(sandbox, kafka: LocalKafka, certificates, **overrides: str) -> dict[str, str]:
    """The sandbox's database and topics, and the variables README gives for a SASL_SSL cluster."""
    return sandbox.env(
        **{
            "FLIPSIDE_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "FLIPSIDE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "FLIPSIDE_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "FLIPSIDE_KAFKA_SASL_USERNAME": USER,
            "FLIPSIDE_KAFKA_SASL_PASSWORD": PASSWORD,
            "FLIPSIDE_KAFKA_SSL_CAFILE": str(certificates.ca_file),
            **overrides,
        }
    )


def start_matching(env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float]:
    """Start matching in the foreground; its exit and how long it took to give up."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "flipside_matching"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=150,
    )
    return result, time.monotonic() - started


async def test_matching_consumes_relays_and_dead_letters_over_sasl_ssl(sandbox, secured_kafka, certificates, tmp_path):
    client = secured_kafka.client_settings(USER, PASSWORD)
    prefix = sandbox.topic_prefix
    mentor, mentee = mentor_and_mentee(program_id="sasl-ssl")
    # Its topics do not exist yet on this broker: matching creates them at start-up, over SASL_SSL too.
    with ServiceProcess("matching", service_env(sandbox, secured_kafka, certificates), tmp_path) as matching:
        configure_program(matching.url, "sasl-ssl")
        producer = reliable_producer(client, "sasl-test")
        await producer.start()
        try:
            await producer.send_and_wait(
                f"{prefix}participants", b"{not json", key=b"k", headers=envelope(mentor).headers()
            )
        finally:
            await producer.stop()
        await publish(client, prefix, [envelope(mentor), envelope(mentee)])
        async with TopicReader(client, [f"{prefix}pairs", dead_letter_topic(prefix, "matching")]) as reader:
            await reader.read_until(
                lambda records: (
                    count_of(PairCreated)(records) >= 1 and any(r.topic.endswith("dead-letter") for r in records)
                )
            )
            [pair] = [e.event for e in reader.events(PairCreated)]
            [dead] = [dict(r.headers) for r in reader.records if r.topic.endswith("dead-letter")]
    assert (pair.mentor.participant_id, pair.mentee.participant_id) == (mentor.participant_id, mentee.participant_id)
    assert dead["dlq_reason"].decode().startswith("body is not JSON")


async def test_a_client_with_a_wrong_password_is_refused_for_its_credentials(secured_kafka, caplog):
    with caplog.at_level(logging.ERROR, logger="aiokafka"), pytest.raises(KafkaConnectionError):
        await publish(
            secured_kafka.client_settings(USER, WRONG_PASSWORD), "refused.", [envelope(mentor_and_mentee()[0])]
        )
    assert any(
        "SaslAuthenticationFailed" in r.getMessage() and "invalid credentials" in r.getMessage() for r in caplog.records
    )


def test_a_service_with_a_wrong_password_exits_at_once_saying_so(sandbox, secured_kafka, certificates):
    env = service_env(sandbox, secured_kafka, certificates, FLIPSIDE_KAFKA_SASL_PASSWORD=WRONG_PASSWORD)
    result, seconds = start_matching({**env, "FLIPSIDE_STARTUP_TIMEOUT_SECONDS": "120"})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"flipside: Kafka at {secured_kafka.bootstrap_servers} refused our SASL login: ")
    assert "SaslAuthenticationFailed" in line and "invalid credentials" in line
    assert PASSWORD not in result.stderr + result.stdout
    assert seconds < 60, "a refusal is final: no waiting out the start-up timeout"


def test_a_service_that_does_not_trust_the_brokers_certificate_exits_saying_so(sandbox, secured_kafka, certificates):
    env = service_env(sandbox, secured_kafka, certificates)
    del env["FLIPSIDE_KAFKA_SSL_CAFILE"]  # the system's authorities never signed the test CA
    result, seconds = start_matching({**env, "FLIPSIDE_STARTUP_TIMEOUT_SECONDS": "120"})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        f"flipside: Kafka at {secured_kafka.bootstrap_servers} presented a certificate this service does not trust: "
        "unable to get local issuer certificate"
    )
    assert "FLIPSIDE_KAFKA_SSL_CAFILE" in line
    assert seconds < 60, "an untrusted certificate stays untrusted: no waiting out the start-up timeout"


async def test_a_plaintext_client_cannot_talk_to_the_sasl_ssl_listener(secured_kafka):
    plaintext = KafkaSettings(bootstrap_servers=secured_kafka.bootstrap_servers, security_protocol="PLAINTEXT")
    with pytest.raises(KafkaConnectionError):
        await publish(plaintext, "plain.", [envelope(mentor_and_mentee()[0])])


def test_a_service_speaking_plaintext_to_the_sasl_ssl_listener_exits_naming_the_broker(
    sandbox, secured_kafka, certificates
):
    env = service_env(sandbox, secured_kafka, certificates, FLIPSIDE_KAFKA_SECURITY_PROTOCOL="PLAINTEXT")
    result, _ = start_matching({**env, "FLIPSIDE_STARTUP_TIMEOUT_SECONDS": "2"})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"flipside: Kafka at {secured_kafka.bootstrap_servers} not reachable after 2s")


def test_a_missing_password_and_a_missing_ca_file_are_named_before_any_connection(
    sandbox, secured_kafka, certificates, tmp_path
):
    env = service_env(sandbox, secured_kafka, certificates, FLIPSIDE_KAFKA_SSL_CAFILE=str(tmp_path / "absent-ca.pem"))
    del env["FLIPSIDE_KAFKA_SASL_PASSWORD"]
    result, _ = start_matching(env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "flipside: invalid configuration: "
        "FLIPSIDE_KAFKA_SASL_PASSWORD: Value error, required with FLIPSIDE_KAFKA_SECURITY_PROTOCOL=SASL_SSL; "
        "FLIPSIDE_KAFKA_SSL_CAFILE: Path does not point to a file"
    ]
