"""The operator's `flipside` command against a running service on the real broker and database."""

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from flipside_devstack.auth import admin_headers, bearer, dev_issuer
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        configure_program(service.url, "pilot")
        yield service


def flipside(sandbox, *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flipside_operations.cli", *arguments],
        env={**os.environ, **sandbox.env()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def eventually(check, seconds: float = 30.0):
    for _ in range(int(seconds / 0.5)):
        if (outcome := check()) is not None:
            return outcome
        await asyncio.sleep(0.5)
    raise TimeoutError("condition not met")


async def test_dead_letters_are_listed_inspected_and_replayed(sandbox, matching):
    good = envelope(mentor_and_mentee()[0])
    producer = AIOKafkaProducer(bootstrap_servers=sandbox.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            f"{sandbox.topic_prefix}participants", b"{broken", key=b"k1", headers=good.headers()
        )
    finally:
        await producer.stop()

    listing = await eventually(
        lambda: ((out := flipside(sandbox, "dlq", "list", "matching")).startswith("1 dead") and out) or None
    )
    partition, offset = map(int, re.search(r"partition (\d+) offset (\d+)", listing).groups())
    assert "body is not JSON" in listing and "flipside.participant.enrolled.v1" in listing

    inspected = flipside(sandbox, "dlq", "inspect", "matching", str(partition), str(offset))
    assert '"dlq_reason": "body is not JSON' in inspected and inspected.rstrip().endswith("{broken")

    assert "replayed" in flipside(sandbox, "dlq", "replay", "matching", str(partition), str(offset))
    # Still not JSON, so the consumer dead-letters it again: the replay reached the original topic.
    await eventually(lambda: flipside(sandbox, "dlq", "list", "matching").startswith("2 dead") or None)


async def test_outbox_lag_and_migrations_report_a_healthy_service(sandbox, matching):
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(e) for e in mentor_and_mentee()])
    await eventually(lambda: "outbox empty" in flipside(sandbox, "outbox", "--service", "matching") or None)
    lag = await eventually(
        lambda: ((out := flipside(sandbox, "lag", "matching")) and "participants" in out and out) or None
    )
    assert all(line.endswith("behind by 0") for line in lag.strip().splitlines())
    assert flipside(sandbox, "migrate", "matching").strip() == "matching: schema up to date"


async def test_seed_demo_enrols_a_cohort_that_gets_paired(sandbox, matching):
    enrolled = flipside(
        sandbox, "seed-demo", "--size", "10", "--matching-url", matching.url, "--token", dev_issuer().admin_token()
    )
    assert enrolled.strip() == "enrolled 10 demo participants in program demo-2026"
    async with httpx.AsyncClient(headers=admin_headers(), base_url=matching.url) as client:
        for _ in range(60):
            pairs = (await client.get("/programs/demo-2026/pairs")).json()
            if len(pairs) >= 3:
                break
            await asyncio.sleep(0.5)
        program = (await client.get("/programs/demo-2026")).json()
    assert len(pairs) >= 3, "3 mentors, 3 mentees and 3 who would take either role are enrolled"
    assert program["policy"]["grades"][0] == "Intern", "the program is created with the demo ladder"


def test_a_development_token_is_minted_for_a_role_and_trusted_by_the_services(sandbox, matching):
    state_dir = str(dev_issuer().key_path.parent.parent)
    person = uuid4()
    token = flipside(
        sandbox, "token", "--role", "participant", "--participant", str(person), "--state-dir", state_dir
    ).strip()
    assert httpx.get(f"{matching.url}/participants/{person}", headers=bearer(token), timeout=10).status_code == 404
    assert httpx.get(f"{matching.url}/participants/{uuid4()}", headers=bearer(token), timeout=10).status_code == 403
    admin = flipside(sandbox, "token", "--role", "admin", "--state-dir", state_dir).strip()
    assert httpx.get(f"{matching.url}/participants/{uuid4()}", headers=bearer(admin), timeout=10).status_code == 404
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "flipside_operations.cli",
            "token",
            "--role",
            "admin",
            "--state-dir",
            str(Path(state_dir) / "nowhere"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode != 0 and "no development issuer in" in missing.stderr
