"""An erasure in matching also drops the person's outbox rows parked because the broker refused them."""

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from flipside_devstack.factories import enrolled
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for_rows
from flipside_shared.events import ParticipantErased


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        configure_program(service.url, "pilot")
        yield service


async def test_a_parked_event_about_an_erased_person_is_dropped_with_their_data(sandbox, matching, db):
    person = enrolled()
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(person)])
    await wait_for_rows(db, "SELECT 1 FROM matching.participants WHERE participant_id = $1", person.participant_id)
    # As the relay leaves an event about them that the broker refused for good: their data, never sent.
    await db.execute(
        "INSERT INTO matching.outbox (event_id, topic, key, headers, payload, parked_at, park_reason)"
        " VALUES ($1, $2, $3, '[]', $4, now(), '[Error 10] MessageSizeTooLargeError')",
        uuid4(),
        f"{sandbox.topic_prefix}participants",
        str(person.participant_id),
        json.dumps({"display_name": person.profile.display_name}).encode(),
    )
    erasure = ParticipantErased(participant_id=person.participant_id, erased_at=datetime.now(UTC))
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(erasure)])
    await wait_for_rows(
        db,
        "SELECT 1 FROM matching.participants WHERE participant_id = $1 AND erased_at IS NOT NULL",
        person.participant_id,
    )
    # What stays under their key is the tombstone the erasure publishes: no value, so none of their data.
    assert [
        r["payload"]
        for r in await db.fetch("SELECT payload FROM matching.outbox WHERE key = $1", str(person.participant_id))
    ] == [None]
