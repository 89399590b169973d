"""Malformed records on every topic a service consumes, between good events, against the four running services.

Each malformed record must reach the dead-letter topic of every service that consumes its topic and takes the type
its `ce_type` header names (a service passes over, unread, a record of a known type it does not take there), unchanged
and with the reason; the good events around it must all take effect, in order; and every service must stay up.
Counts go to `malformed-events.json` under FLIPSIDE_TEST_ARTIFACTS (else pytest's temporary directory).
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaProducer

from flipside_devstack.artifacts import write_json
from flipside_devstack.auth import admin_headers
from flipside_devstack.examples import draw
from flipside_devstack.factories import mentor_and_mentee, pair_between
from flipside_devstack.kafka_io import TopicReader, envelope
from flipside_devstack.malformed import (
    CASE_HEADER,
    KafkaRecord,
    MalformedRecord,
    good_record,
    huge_record,
    malformed_records,
    nul_text,
    reused_id,
)
from flipside_devstack.platform import Platform
from flipside_devstack.programs import configure_program
from flipside_shared.deadletter import dead_letter_topic
from flipside_shared.envelope import Envelope
from flipside_shared.events import (
    EVENT_TYPES,
    FeedbackSubmitted,
    GoalSet,
    MatchRunRequested,
    PairDissolved,
    ParticipantUpdated,
    SessionCancellationRequested,
    SessionRescheduleRequested,
)

PROGRAM = "fuzz"
COHORT_PROGRAM = "fuzz-cohort"
COUPLES = 3
PER_KIND = 5
SEED = 20261129
# One KiB under what a producer sends by default (max_request_size, 1 MiB): the biggest records a topic gets.
HUGE_BYTES = 1_048_576 - 1_024
SUBSCRIBED_TYPES = re.compile(r"flipside\.[a-z0-9.-]+\.v\d+")


# The real clock: the sessions checked here must not pass while the test runs.
CLOCK_RATE = 1


def dead_lettered_by(malformed: MalformedRecord, taken: set[str]) -> bool:
    """Whether a service taking the types `taken` on the record's topic dead-letters it: a record refused for what it
    holds as an event of its type, only if the service takes that type; any other, unless its type header names a
    known type the service does not take (then it is passed over unread)."""
    if malformed.event_type is not None:
        return malformed.event_type in taken
    named = dict(malformed.record.headers).get("ce_type")
    type_named = named.decode("utf-8", "replace") if isinstance(named, bytes) else None
    return type_named not in EVENT_TYPES or type_named in taken


def consumers(platform: Platform) -> dict[str, dict[str, set[str]]]:
    """Per service, the topics it subscribes to and the event types it handles there, from its AsyncAPI document."""
    subscribed: dict[str, dict[str, set[str]]] = {}
    for name, service in platform.services.items():
        document = httpx.get(f"{service.url}/asyncapi.json", timeout=10).json()
        for operation in document["operations"].values():
            if operation["action"] == "receive":
                channel = document["channels"][unquote(operation["channel"]["$ref"].rsplit("/", 1)[1])]
                # One subscriber may read a stream's own and inbound topics: its description names the types of each.
                parts = (channel.get("description") or "").split("; ")
                types = set(
                    SUBSCRIBED_TYPES.findall(next((p for p in parts if p.startswith(f"{channel['address']}:")), ""))
                )
                subscribed.setdefault(name, {})[channel["address"]] = types
    return subscribed


def interleaved(good: list[KafkaRecord], malformed: list[MalformedRecord], rng: random.Random) -> list[KafkaRecord]:
    """The good records in their order, the malformed ones at random places among them (a reused id after its original)."""
    records = list(good)
    for bad in malformed:
        after = 0
        if bad.kind == "reused_id":
            original_id = dict(bad.record.headers)["ce_id"]
            after = 1 + next(
                i for i, r in enumerate(records) if dict(r.headers).get("ce_id") == original_id and r in good
            )
        records.insert(rng.randint(after, len(records)), bad.record)
    return records


async def send_all(bootstrap_servers: str, records: Iterable[KafkaRecord]) -> None:
    """One producer, every record in order, acknowledged by the broker."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=True, acks="all", linger_ms=5)
    await producer.start()
    try:
        deliveries = [await producer.send(r.topic, value=r.value, key=r.key, headers=list(r.headers)) for r in records]
        for delivery in deliveries:
            await delivery
    finally:
        await producer.stop()


def fuzzed(
    topic: str, template: Envelope, good: list[KafkaRecord], extra: list[MalformedRecord], seed: int
) -> list[MalformedRecord]:
    """Hypothesis' malformed records of every kind for `topic`, a huge one, and the hand-written `extra`."""
    keys = sorted({r.key for r in good}) or [template.subject.encode()]
    drawn = [
        record
        for index, strategy in enumerate(malformed_records(topic, template, keys).values())
        for record in draw(strategy, PER_KIND, seed + index)
    ]
    return [*drawn, huge_record(topic, template, keys[0], HUGE_BYTES), *extra]


async def test_malformed_records_are_dead_lettered_by_every_consumer_and_good_events_still_take_effect(
    stack, platform, tmp_path
):
    prefix = platform.topic_prefix
    topic = {
        name: f"{prefix}{name}"
        for name in ("participants", "programs", "pairs", "feedback", "inbound.sessions", "inbound.feedback")
    }
    subscribed = consumers(platform)
    consumed = {t for topics in subscribed.values() for t in topics}
    # The rest carry the same consumer's records: session commands come from outside Flipside, on the inbound topic;
    # a person's export is asked for and answered by the services alone.
    unfuzzed = {f"{prefix}{name}" for name in ("sessions", "inbound.participants", "exports")}
    assert consumed == {*topic.values(), *unfuzzed}, "every other topic some service consumes is fuzzed"
    rng = random.Random(SEED)
    matching, scheduling, feedback = (platform[name].url for name in ("matching", "scheduling", "feedback"))
    configure_program(matching, PROGRAM)
    configure_program(matching, COHORT_PROGRAM, start="cohort_run")

    # Round one: people and pairs.
    people = [e for index in range(COUPLES) for e in mentor_and_mentee(PROGRAM, index)]
    cohort = mentor_and_mentee(COHORT_PROGRAM, 99)
    enrolments = [envelope(e) for e in (*people, *cohort)]
    hours = {e.participant_id: [5, 6, 7] for e in people}
    updates = {
        e.participant_id: [
            envelope(
                ParticipantUpdated(
                    participant_id=e.participant_id, profile=e.profile.model_copy(update={"hours_per_month": h})
                )
            )
            for h in hours[e.participant_id]
        ]
        for e in people
    }
    kept, ended = (pair_between(*mentor_and_mentee(PROGRAM, 10 + n), program_id=PROGRAM) for n in range(2))
    pairs = [
        envelope(kept),
        envelope(ended),
        envelope(
            PairDissolved(
                pair_id=ended.pair_id,
                program_id=PROGRAM,
                reason="admin",
                rematch=False,
                dissolved_at=datetime.now(UTC),
            )
        ),
    ]
    first_update = updates[people[0].participant_id][0]
    round_one = {
        topic["participants"]: (
            [
                good_record(topic["participants"], e)
                for e in [*enrolments, *(u for chain in updates.values() for u in chain)]
            ],
            envelope(ParticipantUpdated(participant_id=uuid4(), profile=people[0].profile)),
            [
                reused_id(
                    topic["participants"],
                    first_update,
                    envelope(
                        first_update.event.model_copy(
                            update={"profile": first_update.event.profile.model_copy(update={"hours_per_month": 40})}
                        )
                    ),
                )
            ],
        ),
        topic["pairs"]: (
            [good_record(topic["pairs"], e) for e in pairs],
            envelope(
                PairDissolved(pair_id=uuid4(), program_id=PROGRAM, reason="other", dissolved_at=datetime.now(UTC))
            ),
            [reused_id(topic["pairs"], pairs[0], envelope(kept.model_copy(update={"score": 0.5})))],
        ),
    }
    sent = await fuzz_round(stack.bootstrap_servers, round_one, rng)

    async with httpx.AsyncClient(headers=admin_headers(), timeout=10) as client:

        async def final_hours() -> dict:
            answers = {p: await client.get(f"{matching}/participants/{p}") for p in hours}
            return {p: r.json()["profile"]["hours_per_month"] for p, r in answers.items() if r.status_code == 200}

        async def sessions(pair_id) -> list[dict]:
            return (await client.get(f"{scheduling}/pairs/{pair_id}/sessions")).json()

        # Every update handled, the last one last: the reused id with 40 hours changed nothing.
        await wait_until(final_hours, lambda found: found == {p: h[-1] for p, h in hours.items()}, timeout=120)
        kickoff = (await wait_until(lambda: sessions(kept.pair_id), lambda found: bool(found), timeout=120))[0]
        await wait_until(lambda: sessions(ended.pair_id), lambda found: all(s["status"] == "cancelled" for s in found))

        # Round two: a match run, session commands and goals about what round one made.
        mentor, mentee = kept.mentor.participant_id, kept.mentee.participant_id
        now = datetime.now(UTC)
        goal_id = uuid4()
        goals = [
            envelope(
                GoalSet(
                    goal_id=goal_id if n < 2 else uuid4(),
                    pair_id=kept.pair_id,
                    program_id=PROGRAM,
                    owner_id=mentor,
                    owner_role="mentor",
                    category="digital",
                    title=f"goal {n}",
                    set_at=now + timedelta(minutes=n),
                )
            )
            for n in range(3)
        ]
        run = envelope(MatchRunRequested(program_id=COHORT_PROGRAM, run_id=uuid4(), requested_at=now))
        session_commands = [
            envelope(
                SessionRescheduleRequested(
                    session_id=kickoff["session_id"], pair_id=kept.pair_id, requested_by=mentee, requested_at=now
                )
            ),
            envelope(
                SessionCancellationRequested(
                    session_id=kickoff["session_id"], pair_id=kept.pair_id, requested_by=mentor, requested_at=now
                )
            ),
        ]
        round_two = {
            topic["programs"]: (
                [good_record(topic["programs"], run)],
                envelope(MatchRunRequested(program_id="nowhere", run_id=uuid4(), requested_at=now)),
                [
                    reused_id(
                        topic["programs"], run, envelope(run.event.model_copy(update={"replace_unlocked": True}))
                    ),
                    nul_text(
                        topic["programs"],
                        envelope(run.event.model_copy(update={"program_id": "nul\x00", "run_id": uuid4()})),
                        "program_id",
                    ),
                ],
            ),
            topic["inbound.sessions"]: (
                [good_record(topic["inbound.sessions"], e) for e in session_commands],
                envelope(SessionCancellationRequested(session_id=uuid4(), pair_id=uuid4(), requested_at=now)),
                [
                    reused_id(
                        topic["inbound.sessions"],
                        session_commands[1],
                        envelope(session_commands[1].event.model_copy(update={"requested_by": mentee})),
                    )
                ],
            ),
            topic["feedback"]: (
                [good_record(topic["feedback"], e) for e in goals],
                envelope(goals[2].event.model_copy(update={"goal_id": uuid4(), "pair_id": uuid4()})),
                [
                    reused_id(
                        topic["feedback"], goals[2], envelope(goals[2].event.model_copy(update={"title": "another"}))
                    )
                ],
            ),
            # Answers need a check-in that was asked: here only the malformed ones count.
            topic["inbound.feedback"]: (
                [],
                envelope(
                    FeedbackSubmitted(
                        request_id=uuid4(),
                        pair_id=kept.pair_id,
                        participant_id=mentor,
                        questionnaire_version=1,
                        answers={},
                        submitted_at=now,
                    )
                ),
                [],
            ),
        }
        sent += await fuzz_round(stack.bootstrap_servers, round_two, rng)

        cohort_mentor = cohort[0].participant_id
        await wait_until(
            lambda: client.get(f"{matching}/participants/{cohort_mentor}"),
            lambda r: r.json()["active_pairs"] == 1,
            timeout=120,
        )
        moved = await wait_until(
            lambda: sessions(kept.pair_id),
            lambda found: any(s["session_id"] == kickoff["session_id"] and s["status"] == "cancelled" for s in found),
            timeout=120,
        )
        cancelled = next(s for s in moved if s["session_id"] == kickoff["session_id"])
        assert cancelled["starts_at"] != kickoff["starts_at"], (
            "moved before it was cancelled: the commands kept their order"
        )
        goal_titles = await wait_until(
            lambda: client.get(f"{feedback}/pairs/{kept.pair_id}/goals", params={"participant_id": str(mentor)}),
            lambda r: r.status_code == 200 and len(r.json()) == 2,
            timeout=120,
        )
        assert [g["title"] for g in goal_titles.json()] == ["goal 0", "goal 2"], "a goal's first announcement counts"

    expected = {
        service: {
            m.record.case: m for m in sent if m.record.topic in topics and dead_lettered_by(m, topics[m.record.topic])
        }
        for service, topics in subscribed.items()
    }
    dead_letter_topics = {dead_letter_topic(prefix, service): service for service in subscribed}
    async with TopicReader(stack.bootstrap_servers, list(dead_letter_topics)) as reader:

        def cases(records) -> dict[str, set[str]]:
            found: dict[str, set[str]] = {service: set() for service in subscribed}
            for r in records:
                found[dead_letter_topics[r.topic]].add(dict(r.headers)[CASE_HEADER].decode())
            return found

        await reader.read_until(
            lambda records: all(cases(records)[s] >= set(expected[s]) for s in expected), timeout=120
        )
        await reader.drain(2)  # room for anything dead-lettered that should not be
        dead_letters = reader.records

    found = cases(dead_letters)
    for service, cases_expected in expected.items():
        assert found[service] == set(cases_expected), f"{service} dead-lettered only the malformed records"
    counted = Counter((dead_letter_topics[r.topic], dict(r.headers)[CASE_HEADER].decode()) for r in dead_letters)
    assert max(counted.values()) == 1, "each malformed record is dead-lettered once per consumer"
    for letter in dead_letters:
        headers = dict(letter.headers)
        malformed = expected[dead_letter_topics[letter.topic]][headers[CASE_HEADER].decode()]
        original = malformed.record
        assert (letter.key, letter.value) == (original.key, original.value), f"{malformed.kind} dead-lettered unchanged"
        assert [tuple(h) for h in letter.headers[: len(original.headers)]] == [tuple(h) for h in original.headers]
        assert headers["dlq_original_topic"].decode() == original.topic
        reason = headers["dlq_reason"].decode()
        assert re.search(malformed.reason, reason), f"{malformed.kind}: {reason!r} does not say why"

    async with httpx.AsyncClient(timeout=10) as client:
        for service in platform.services.values():
            assert (await client.get(f"{service.url}/health/ready")).status_code == 200, f"{service.name} is still up"

    report = {
        t.removeprefix(prefix): {
            "malformed": sum(1 for m in sent if m.record.topic == t),
            "kinds": dict(sorted(Counter(m.kind for m in sent if m.record.topic == t).items())),
            "dead_lettered": {
                service: sum(1 for m in expected[service].values() if m.record.topic == t)
                for service in sorted(subscribed)
                if t in subscribed[service]
            },
        }
        for t in consumed
    }
    write_json(tmp_path, "malformed-events.json", report)
    for stream, counts in report.items():
        print(f"{stream}: {counts['malformed']} malformed, dead-lettered by {counts['dead_lettered']}")


async def fuzz_round(
    bootstrap_servers: str,
    topics: dict[str, tuple[list[KafkaRecord], Envelope, list[MalformedRecord]]],
    rng: random.Random,
) -> list[MalformedRecord]:
    """Publish each topic's good records with malformed ones among them, all in one go; return the malformed ones."""
    sent: list[MalformedRecord] = []
    records: list[KafkaRecord] = []
    for index, (name, (good, template, extra)) in enumerate(sorted(topics.items())):
        malformed = fuzzed(name, template, good, extra, SEED + 100 * index)
        records += interleaved(good, malformed, rng)
        sent += malformed
    await send_all(bootstrap_servers, records)
    return sent


async def wait_until(ask, done, timeout: float = 60.0):
    """Ask (an awaitable factory) until `done(answer)`; return that answer."""
    answer = None

    async def check() -> bool:
        nonlocal answer
        answer = await ask()
        return done(answer)

    loop_deadline = datetime.now(UTC) + timedelta(seconds=timeout)
    while not await check():
        if datetime.now(UTC) > loop_deadline:
            raise TimeoutError(f"condition not met after {timeout}s; last answer: {answer!r}"[:2000])
        await asyncio.sleep(0.5)
    return answer
