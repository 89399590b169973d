"""Owed messages go out on the wake-up of their channel (LISTEN/NOTIFY), not at the dispatcher's next poll."""

import asyncio

import asyncpg
import pytest

from flipside_devstack.factories import enrolled, pair_between
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for, wait_for_rows

# Longer than the test waits for the e-mails: only a wake-up can send them in time.
POLL_SECONDS = 120
WITHIN_SECONDS = 20


@pytest.fixture(scope="module")
def notifications(sandbox, smtp, tmp_path_factory):
    env = sandbox.env(
        FLIPSIDE_SMTP_HOST="127.0.0.1",
        FLIPSIDE_SMTP_PORT=str(smtp.port),
        FLIPSIDE_NOTIFICATIONS_POLL_SECONDS=str(POLL_SECONDS),
    )
    with ServiceProcess("notifications", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


async def test_a_pair_s_emails_go_out_on_the_email_channel_s_wake_up_long_before_the_poll(sandbox, smtp, notifications):
    mentor, mentee = (
        enrolled(email="woken.mentor@example.com"),
        enrolled(email="woken.mentee@example.com", role="mentee"),
    )
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])
    # Both known first: a message to someone not enrolled yet waits for a poll, by design.
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        known = "SELECT 1 FROM notifications.recipients WHERE participant_id = ANY($1::uuid[])"
        await wait_for_rows(
            conn, known, [mentor.participant_id, mentee.participant_id], count=2, timeout=WITHIN_SECONDS
        )
    finally:
        await conn.close()
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair_between(mentor, mentee))])
    await wait_for(
        lambda: smtp.received_by(mentor.profile.email) and smtp.received_by(mentee.profile.email), WITHIN_SECONDS
    )


async def test_the_hint_names_the_lanes_of_the_recipients_owed_messages(sandbox, notifications):
    """What the dispatcher wakes by: each recipient's hash as the claim's lane filter computes it."""
    mentor, mentee = (
        enrolled(email="hinted.mentor@example.com"),
        enrolled(email="hinted.mentee@example.com", role="mentee"),
    )
    hints: asyncio.Queue[str] = asyncio.Queue()
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        await conn.add_listener("notifications_deliveries", lambda *notice: hints.put_nowait(notice[3]))
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair_between(mentor, mentee))])
        lane_hash = "SELECT hashtext($1::uuid::text) & 2147483647"
        expected = {str(await conn.fetchval(lane_hash, p.participant_id)) for p in (mentor, mentee)}
        named: set[str] = set()
        while not expected <= named:
            channel, _, hashes = (await asyncio.wait_for(hints.get(), WITHIN_SECONDS)).partition(":")
            if channel == "email":
                named |= set(hashes.split(","))
    finally:
        await conn.close()
