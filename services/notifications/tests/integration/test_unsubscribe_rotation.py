"""Revoking one person's unsubscribe links: those in the e-mails they were sent stop working, the next e-mail
carries one that works, and nobody else's links change."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers, participant_headers
from flipside_devstack.factories import enrolled
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for, wait_for_rows
from flipside_shared.events import ReminderDue


@pytest.fixture(scope="module")
def notifications(sandbox, smtp, tmp_path_factory):
    env = sandbox.env(
        FLIPSIDE_SMTP_HOST="127.0.0.1", FLIPSIDE_SMTP_PORT=str(smtp.port), FLIPSIDE_NOTIFICATIONS_POLL_SECONDS="0.1"
    )
    with ServiceProcess("notifications", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


async def remind(sandbox, smtp, *people, minutes_before: int) -> list[str]:
    """Send each a reminder; the unsubscribe link in each one's newest e-mail."""
    before = {p.profile.email: len(smtp.received_by(p.profile.email)) for p in people}
    reminder = ReminderDue(
        session_id=uuid4(),
        pair_id=uuid4(),
        participant_ids=[p.participant_id for p in people],
        starts_at=datetime.now(UTC) + timedelta(days=1),
        minutes_before=minutes_before,
    )
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(reminder)])
    await wait_for(lambda: all(len(smtp.received_by(email)) > count for email, count in before.items()))
    return [smtp.received_by(p.profile.email)[-1]["List-Unsubscribe"].strip("<>") for p in people]


def muted(notifications, person) -> list[str]:
    url = f"{notifications.url}/participants/{person.participant_id}/preferences"
    return httpx.get(url, headers=participant_headers(person.participant_id), timeout=10).json()["muted_kinds"]


async def test_rotated_unsubscribe_links_are_refused_and_the_next_e_mail_carries_a_working_one(
    sandbox, smtp, notifications, db
):
    person, bystander = enrolled(email="rotating@example.com"), enrolled(email="bystander@example.com", role="mentee")
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(person), envelope(bystander)])
    ids = [person.participant_id, bystander.participant_id]
    await wait_for_rows(
        db, "SELECT 1 FROM notifications.recipients WHERE participant_id = ANY($1::uuid[])", ids, count=2
    )
    old, bystanders = await remind(sandbox, smtp, person, bystander, minutes_before=60)
    assert httpx.get(old, timeout=10).status_code == 200

    rotate = f"{notifications.url}/participants/{person.participant_id}/unsubscribe-links/rotate"
    assert httpx.post(rotate, headers=participant_headers(bystander.participant_id), timeout=10).status_code == 403
    unknown = httpx.post(
        f"{notifications.url}/participants/{uuid4()}/unsubscribe-links/rotate", headers=admin_headers(), timeout=10
    )
    assert unknown.status_code == 404 and unknown.json()["detail"]
    assert httpx.post(rotate, headers=participant_headers(person.participant_id), timeout=10).status_code == 204

    assert httpx.get(old, timeout=10).status_code == 403
    assert httpx.post(old, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 403
    assert muted(notifications, person) == [], "a revoked link changes nothing"
    assert httpx.get(bystanders, timeout=10).status_code == 200, "nobody else's links are revoked"

    [new] = await remind(sandbox, smtp, person, minutes_before=15)
    assert new != old
    assert httpx.post(new, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 200
    assert muted(notifications, person) == ["reminders"]
