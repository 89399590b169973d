"""Pairs feedback flags at risk, as people meet them: the program lead's list, a rematch a participant or the
lead confirms (both are matched anew), a pair kept together, and what matching refuses. In order: each test
continues where the one before left off."""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import PairAtRisk, PairCreated, PairDissolved, PairHealthChanged

PROGRAM = f"at-risk-{uuid4().hex[:8]}"
DETECTED_AT = datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


@pytest.fixture(scope="module")
def people():
    """Three junior mentors and two senior mentees who all fit: two pairs, and a mentor left waiting."""
    couples = [mentor_and_mentee(PROGRAM, index) for index in range(3)]
    return [mentor for mentor, _ in couples], [mentee for _, mentee in couples[:2]]


@pytest.fixture(scope="module")
def pairs(sandbox, matching, people) -> tuple[PairCreated, PairCreated]:
    """The two pairs matching makes as everyone enrols: the first is rematched, the second kept."""
    configure_program(matching.url, PROGRAM)
    return asyncio.run(enrolled_and_paired(sandbox, [*people[0], *people[1]]))


async def enrolled_and_paired(sandbox, enrolments) -> tuple[PairCreated, PairCreated]:
    async with TopicReader(sandbox.bootstrap_servers, topics(sandbox, "pairs")) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(e) for e in enrolments])
        await reader.read_until(lambda _: len(reader.events(PairCreated)) >= 2)
        first, second = (e.event for e in reader.events(PairCreated))
    return first, second


def topics(sandbox, *streams):
    return [f"{sandbox.topic_prefix}{stream}" for stream in streams]


def at_risk(pair: PairCreated, *reasons: str, detected_at: datetime = DETECTED_AT) -> PairAtRisk:
    return PairAtRisk(
        pair_id=pair.pair_id,
        program_id=pair.program_id,
        mentor_id=pair.mentor.participant_id,
        mentee_id=pair.mentee.participant_id,
        score=0.2,
        reasons=list(reasons),
        detected_at=detected_at,
    )


async def flagged(client: httpx.AsyncClient, until) -> dict[str, dict]:
    """The program's pairs at risk by pair id, once `until(them)` holds (flags arrive over Kafka)."""
    for _ in range(120):
        listed = {p["pair_id"]: p for p in (await client.get(f"/programs/{PROGRAM}/pairs/at-risk")).json()}
        if until(listed):
            return listed
        await asyncio.sleep(0.5)
    raise TimeoutError(f"the list of pairs at risk never got there: {listed}")


async def counted(client: httpx.AsyncClient, ce_type: str, outcome: str) -> int:
    metrics = (await client.get("/metrics")).text
    found = re.search(rf'flipside_events_total{{event_type="{re.escape(ce_type)}",outcome="{outcome}"}} (\S+)', metrics)
    return int(float(found.group(1))) if found else 0


async def test_a_flagged_pair_is_listed_and_a_stranger_can_neither_end_nor_keep_it(sandbox, matching, pairs):
    first, second = pairs
    await publish(
        sandbox.bootstrap_servers,
        sandbox.topic_prefix,
        [envelope(at_risk(first, "no session for 6 weeks", "uneven ratings"))],
    )
    async with httpx.AsyncClient(headers=admin_headers(), base_url=matching.url, timeout=30) as client:
        listed = await flagged(client, lambda them: them)
        stranger = {"confirmed_by": str(second.mentee.participant_id)}  # in the program, but not in this pair
        refused = [
            await client.post(f"/pairs/{first.pair_id}/{answer}", json=stranger) for answer in ("rematch", "keep")
        ]
        unknown = await client.post(f"/pairs/{uuid4()}/rematch", json={"confirmed_by": "program_lead"})
        not_flagged = await client.post(
            f"/pairs/{second.pair_id}/rematch", json={"confirmed_by": str(second.mentee.participant_id)}
        )
        nobody = await client.post(f"/pairs/{first.pair_id}/rematch", json={"confirmed_by": "the boss"})
        after = await flagged(client, lambda them: True)
        pairs = {p["pair_id"]: p["status"] for p in (await client.get(f"/programs/{PROGRAM}/pairs")).json()}
    assert list(listed) == [str(first.pair_id)]
    flag = listed[str(first.pair_id)]
    assert (flag["mentor_id"], flag["mentee_id"]) == (
        str(first.mentor.participant_id),
        str(first.mentee.participant_id),
    )
    assert flag["score"] == 0.2 and flag["reasons"] == ["no session for 6 weeks", "uneven ratings"]
    assert datetime.fromisoformat(flag["since"]) == DETECTED_AT and flag["rematch_confirmed_by"] is None
    assert [r.status_code for r in refused] == [403, 403]
    assert all("only the pair's mentor, its mentee or the program lead" in r.json()["detail"] for r in refused)
    assert unknown.status_code == 404
    assert not_flagged.status_code == 409 and not_flagged.json()["detail"] == "the pair is not flagged at risk"
    assert nobody.status_code == 422
    assert after == listed, "refusals change nothing"
    assert set(pairs.values()) == {"active"}


async def test_the_mentee_confirms_the_pair_ends_and_both_are_matched_anew(sandbox, matching, people, pairs):
    mentors, _ = people
    first, _ = pairs
    mentee = str(first.mentee.participant_id)
    async with (
        httpx.AsyncClient(headers=admin_headers(), base_url=matching.url, timeout=30) as client,
        TopicReader(sandbox.bootstrap_servers, topics(sandbox, "pairs")) as reader,
    ):
        confirmed = await client.post(f"/pairs/{first.pair_id}/rematch", json={"confirmed_by": mentee})
        assert confirmed.status_code == 202, confirmed.text
        again = await client.post(f"/pairs/{first.pair_id}/rematch", json={"confirmed_by": "program_lead"})

        def rematched():
            return [
                e.event
                for e in reader.events(PairCreated)
                if str(e.event.mentee.participant_id) == mentee and e.event.pair_id != first.pair_id
            ]

        await reader.read_until(lambda _: rematched(), timeout=60)
        await reader.drain(1)
        ended = [e for e in reader.events(PairDissolved) if e.event.pair_id == first.pair_id]
        later = await client.post(f"/pairs/{first.pair_id}/rematch", json={"confirmed_by": mentee})
        still_flagged = await flagged(client, lambda them: True)
    assert len(ended) == 1 and str(ended[0].id) == confirmed.json()["event_id"]
    dissolved = ended[0].event
    assert (dissolved.reason, dissolved.rematch, dissolved.note) == ("at_risk", True, "rematch confirmed by the mentee")
    [new_pair] = rematched()
    assert new_pair.mentor.participant_id != first.mentor.participant_id, "someone else, never the old partner"
    assert new_pair.mentor.participant_id in {m.participant_id for m in mentors}
    # Already confirmed, or already ended if matching handled the dissolution in between.
    assert again.status_code == 409 and again.json()["detail"] in (
        "a rematch is already confirmed for this pair",
        "the pair has already ended",
    )
    assert later.status_code == 409 and later.json()["detail"] == "the pair has already ended"
    assert still_flagged == {}, "an ended pair is no longer listed"


async def test_keeping_a_pair_or_its_health_coming_back_clears_the_flag_and_the_pair_stays(sandbox, matching, pairs):
    _, second = pairs
    pair_id = str(second.pair_id)
    async with httpx.AsyncClient(headers=admin_headers(), base_url=matching.url, timeout=30) as client:
        await publish(
            sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(at_risk(second, "no session for 6 weeks"))]
        )
        await flagged(client, lambda them: pair_id in them)
        later = DETECTED_AT + timedelta(minutes=30)
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [envelope(at_risk(second, "two cancellations", detected_at=later))],
        )
        updated = (await flagged(client, lambda them: them[pair_id]["reasons"] == ["two cancellations"]))[pair_id]
        assert datetime.fromisoformat(updated["since"]) == DETECTED_AT, "flagged since the first detection"

        kept = await client.post(f"/pairs/{pair_id}/keep", json={"confirmed_by": "program_lead"})
        assert kept.status_code == 204, kept.text
        assert await flagged(client, lambda them: True) == {}
        assert (await client.post(f"/pairs/{pair_id}/keep", json={"confirmed_by": "program_lead"})).status_code == 409

        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(at_risk(second, "silence"))])
        await flagged(client, lambda them: pair_id in them)
        healthy = PairHealthChanged(
            pair_id=second.pair_id,
            program_id=PROGRAM,
            score=0.8,
            status="healthy",
            previous_status="at_risk",
            reasons=["sessions held again"],
            computed_at=datetime.now(UTC),
        )
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(healthy)])
        await flagged(client, lambda them: not them)
        pairs = {p["pair_id"]: p["status"] for p in (await client.get(f"/programs/{PROGRAM}/pairs")).json()}
    assert pairs[pair_id] == "active"


async def test_an_unknown_pair_is_dead_lettered_an_ended_one_ignored_and_a_redelivery_changes_nothing(
    sandbox, matching, pairs
):
    first, second = pairs
    flag = envelope(at_risk(second, "silence"))
    ce_type = PairAtRisk.ce_type
    stranger = at_risk(second, "silence").model_copy(update={"pair_id": uuid4()})
    async with (
        httpx.AsyncClient(headers=admin_headers(), base_url=matching.url, timeout=30) as client,
        TopicReader(sandbox.bootstrap_servers, topics(sandbox, "matching.dead-letter")) as dead_letters,
    ):
        handled = await counted(client, ce_type, "handled")
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [flag, envelope(at_risk(first, "silence")), envelope(stranger)],
        )
        await dead_letters.read_until(lambda records: records)
        await flagged(client, lambda them: str(second.pair_id) in them)
        assert (
            await client.post(f"/pairs/{second.pair_id}/keep", json={"confirmed_by": str(second.mentor.participant_id)})
        ).status_code == 204

        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [flag])  # the same event again
        for _ in range(120):
            if (
                await counted(client, ce_type, "duplicate") >= 1
                and await counted(client, ce_type, "handled") >= handled + 2
            ):
                break
            await asyncio.sleep(0.5)
        else:
            raise TimeoutError("the redelivery and the ended pair's flag were not both handled")
        await dead_letters.drain(1)
        listed = await flagged(client, lambda them: True)
    [dead] = [dict(r.headers) for r in dead_letters.records]
    assert (
        dead["dlq_reason"].decode()
        == f"rejected: unknown pair {stranger.pair_id}: matching never made a pair with this id"
    )
    assert dead["dlq_original_topic"] == f"{sandbox.topic_prefix}feedback".encode()
    assert listed == {}, "neither the ended pair nor the redelivered flag is listed"
