"""Steady state: latency at a fixed arrival rate, from an enrolment published to each effect a person sees.

Couples of fitting enrolments (a junior mentor and a senior mentee, as `mentor_and_mentee` makes them) are
published at evenly spaced instants, mentor then mentee, into a rolling program: matching pairs a couple as
soon as its second enrolment is handled. Every latency of a pair runs from the publish of the later of its
two enrolments (the moment just before the producer is handed it, so the produce round trip counts) to:

- **pair created**: its `PairCreated` read off the pairs topic;
- **kickoff scheduled**: its kickoff `SessionScheduled` read off the sessions topic;
- **paired e-mail**: the "you have a partner" e-mail received by the SMTP server, for both people;
- **kickoff e-mail**: the kickoff invitation received by the SMTP server, for both people (the end of the chain).

Topic effects are stamped when a consumer outside Flipside (a group of its own, like any subscriber) gets
the record back from the broker, not by the record's timestamp: what counts is when a reader can see it.
E-mails are stamped by the SMTP server as each message's DATA completes. All stamps are `time.monotonic()`
in this one process (the SMTP server runs on a thread of it). Services run with whatever settings the
environment gives them, so by default a deployment's defaults; the figures record the poll intervals used.

One couple goes through the whole chain first (warm-up: every consumer group has joined, every connection
is open); it is not counted. Also runnable alone: `python -m benchmarks.steady_state [pairs_per_second] [seconds]`.
"""

from __future__ import annotations

import asyncio
import math
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from aiosmtpd.smtp import SMTP, Envelope, Session
from prometheus_client.parser import text_string_to_metric_families

from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.fixtures import Sandbox
from flipside_devstack.kafka_io import envelope
from flipside_devstack.platform import Platform
from flipside_devstack.programs import configure_program
from flipside_devstack.signing_secrets import dev_signing_secrets
from flipside_devstack.smtp import SmtpSink
from flipside_devstack.stack import LocalStack
from flipside_notifications.settings import NotificationSettings
from flipside_shared.envelope import decode
from flipside_shared.events import NotificationSent, PairCreated, ParticipantEnrolled, SessionScheduled
from flipside_shared.events.notifications import NOTIFICATIONS
from flipside_shared.events.pairs import PAIRS
from flipside_shared.events.sessions import SESSIONS
from flipside_shared.kafka import reliable_producer
from flipside_shared.settings import KafkaSettings
from flipside_shared.topics import ensure_topics

from .results import RESULTS, write_sections
from .stacks import stack_of_its_own

PAIRS_PER_SECOND = 5.0
SECONDS = 60.0
TARGET_P99_MS = 250.0
PROGRAM = "steady"
WARM_UP_SECONDS = 60.0
"""How long the warm-up couple may take: the first records wait for consumer groups to settle."""
DRAIN_SECONDS = 30.0
"""After the last publish, how long the last effects may take before the pairs still missing one are counted as such."""

EFFECTS = {
    "pair_created": "pair created (pairs topic)",
    "session_scheduled": "kickoff scheduled (sessions topic)",
    "email_paired": "paired e-mail, both received",
    "email_kickoff": "kickoff e-mail, both received",
}
HOPS = {
    "hop_scheduling": ("scheduling: pair visible -> kickoff visible", "pair_created", "session_scheduled"),
    "hop_notifications_paired": ("notifications: pair visible -> both paired e-mails", "pair_created", "email_paired"),
    "hop_notifications_kickoff": (
        "notifications: kickoff visible -> both kickoff e-mails",
        "session_scheduled",
        "email_kickoff",
    ),
}
STAGES = {
    "stage_matching_handled": (
        "matching: enrolment published -> pair emitted in its transaction",
        None,
        "pair_emitted",
    ),
    "stage_matching_relayed": (
        "matching: pair emitted -> published by the outbox relay",
        "pair_emitted",
        "pair_relayed",
    ),
    "stage_scheduling_handled": (
        "scheduling: pair published -> kickoff emitted in its transaction",
        "pair_relayed",
        "kickoff_emitted",
    ),
    "stage_scheduling_relayed": (
        "scheduling: kickoff emitted -> published by the outbox relay",
        "kickoff_emitted",
        "kickoff_relayed",
    ),
    "stage_subscriber_read": (
        "broker: kickoff published -> read by an outside subscriber",
        "kickoff_relayed",
        "session_scheduled",
    ),
    "stage_notifications_owed": (
        "notifications: kickoff published -> both kickoff e-mails' dispatch rounds begun",
        "kickoff_relayed",
        "kickoff_dispatched",
    ),
    "stage_notifications_sent": (
        "notifications: dispatch rounds begun -> both kickoff e-mails received",
        "kickoff_dispatched",
        "email_kickoff",
    ),
}
"""Where a kickoff e-mail's time goes, from the instants Flipside's own events carry: each event's `ce_time` (stamped
when its handler emits it, inside the transaction), its record's timestamp (stamped by the outbox relay's producer) and
`NotificationSent.sent_at` (stamped as the dispatch round that sent it begins). They are wall-clock instants of the
same machine, turned into this process's monotonic clock."""


class TimedSmtpSink(SmtpSink):
    """An `SmtpSink` that notes when each message arrived, for whom, and whether it is a calendar invitation, and
    keeps nothing else: parsing each message would take the GIL from the benchmark's own clock and load the machine
    under test, like any work a real relay does elsewhere.

    The kickoff invitation is the only e-mail of this workload with a `text/calendar` part; the other is
    the "paired" e-mail.
    """

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[tuple[str, str], float] = {}
        self._arrivals_lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        arrived = time.monotonic()
        kind = "email_kickoff" if b"text/calendar" in (envelope.original_content or b"") else "email_paired"
        with self._arrivals_lock:
            for address in envelope.rcpt_tos:
                self.arrivals.setdefault((address.lower(), kind), arrived)  # a redelivery is not a new effect
        return "250 Message accepted for delivery"

    def arrived(self, address: str, kind: str) -> float | None:
        with self._arrivals_lock:
            return self.arrivals.get((address.lower(), kind))


WALL_TO_MONOTONIC = time.time() - time.monotonic()


def monotonic_of(wall: datetime | float) -> float:
    """A wall-clock instant of this machine (a datetime, or seconds since the epoch) on this process's monotonic clock."""
    return (wall.timestamp() if isinstance(wall, datetime) else wall) - WALL_TO_MONOTONIC


@dataclass(frozen=True)
class Sighting:
    """An event read back: when its handler emitted it, when the relay published it, when a subscriber saw it."""

    emitted: float
    relayed: float
    seen: float

    @classmethod
    def of(cls, record: ConsumerRecord, emitted: datetime, seen: float) -> Sighting:
        return cls(monotonic_of(emitted), monotonic_of(record.timestamp / 1000), seen)


@dataclass(frozen=True)
class PairSeen:
    """Who was paired and when the pair became visible: the pair is traced back to its enrolments by these ids."""

    mentor_id: UUID
    mentee_id: UUID
    sighting: Sighting


@dataclass(frozen=True)
class KickoffSeen:
    event_id: UUID
    sighting: Sighting


class EffectReader:
    """Reads the pairs and sessions topics as a subscriber outside Flipside would, stamping each record as it arrives;
    and the notifications topic, for when each e-mail's dispatch round began."""

    def __init__(self, bootstrap_servers: str, prefix: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topics = [PAIRS.topic(prefix), SESSIONS.topic(prefix), NOTIFICATIONS.topic(prefix)]
        self._consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=bootstrap_servers,
            group_id=f"bench-steady-reader-{uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self._task: asyncio.Task[None] | None = None
        self.pairs: dict[UUID, PairSeen] = {}
        self.kickoffs: dict[UUID, KickoffSeen] = {}
        self.dispatched: dict[tuple[UUID, UUID], float] = {}
        """(participant, cause event id) -> when the dispatch round that sent them the e-mail began."""

    async def __aenter__(self) -> EffectReader:
        await ensure_topics(KafkaSettings(bootstrap_servers=self._bootstrap_servers), self._topics)
        await self._consumer.start()
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _read(self) -> None:
        while True:
            batch = await self._consumer.getmany(timeout_ms=100)
            seen = time.monotonic()
            for records in batch.values():
                for record in records:
                    self._note(record, seen)

    def _note(self, record: ConsumerRecord, seen: float) -> None:
        """First sighting only: at-least-once delivery may repeat a record, the effect was visible the first time."""
        ce_type = dict(record.headers or ()).get("ce_type", b"").decode()
        if ce_type == PairCreated.ce_type:
            message = decode(record.headers, record.value)
            pair = message.event
            self.pairs.setdefault(
                pair.pair_id,
                PairSeen(
                    pair.mentor.participant_id, pair.mentee.participant_id, Sighting.of(record, message.time, seen)
                ),
            )
        elif ce_type == SessionScheduled.ce_type:
            message = decode(record.headers, record.value)
            if message.event.kind == "kickoff":
                self.kickoffs.setdefault(
                    message.event.pair_id, KickoffSeen(message.id, Sighting.of(record, message.time, seen))
                )
        elif ce_type == NotificationSent.ce_type:
            sent = decode(record.headers, record.value).event
            self.dispatched.setdefault((sent.participant_id, sent.cause_event_id), monotonic_of(sent.sent_at))


@dataclass(frozen=True)
class Published:
    """When each enrolment went to the producer, and how far the pacing fell behind its schedule."""

    at: dict[UUID, float]
    max_lag: float

    @property
    def pairs_per_second(self) -> float:
        stamps = sorted(self.at.values())
        span = stamps[-1] - stamps[0]
        return (len(stamps) - 1) / span / 2 if span > 0 else math.nan


def enrolments_of_couples(count: int, run: str) -> list[ParticipantEnrolled]:
    """`count` fitting couples, each mentor just before their mentee, with e-mail addresses of this run only."""
    enrolments = []
    for index in range(count):
        for person in mentor_and_mentee(program_id=PROGRAM, index=index):
            address = person.profile.email.replace("@", f".{run}@")
            enrolments.append(
                person.model_copy(update={"profile": person.profile.model_copy(update={"email": address})})
            )
    return enrolments


async def publish_paced(
    producer: AIOKafkaProducer, prefix: str, enrolments: list[ParticipantEnrolled], pairs_per_second: float
) -> Published:
    """Each enrolment at its own instant, evenly spaced, so arrivals are a fixed rate rather than a burst.

    Deliveries are awaited only at the end, so a slow acknowledgement never delays the next send.
    """
    interval = 1 / (2 * pairs_per_second)
    start = time.monotonic() + 0.05
    stamps: dict[UUID, float] = {}
    deliveries = []
    max_lag = 0.0
    for index, enrolment in enumerate(enrolments):
        due = start + index * interval
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        message = envelope(enrolment)
        stamps[enrolment.participant_id] = time.monotonic()
        max_lag = max(max_lag, stamps[enrolment.participant_id] - due)
        deliveries.append(
            await producer.send(
                enrolment.stream.topic(prefix),
                value=message.body(),
                key=message.subject.encode(),
                headers=message.headers(),
            )
        )
    await asyncio.gather(*deliveries)
    return Published(stamps, max_lag)


@dataclass(frozen=True)
class Timeline:
    """One pair: when its later enrolment was published and when each effect became visible (None: not yet)."""

    enrolled: float
    effects: dict[str, float | None]
    marks: dict[str, float | None]
    """Instants inside Flipside on the way to the effects (`STAGES`)."""

    @property
    def complete(self) -> bool:
        return all(at is not None for at in self.effects.values())

    def after(self, start: str | None, end: str) -> float | None:
        """Seconds from `start` (None: the later enrolment) to `end`, each an effect or a mark; None if one is missing."""
        instants = self.effects | self.marks
        begin = self.enrolled if start is None else instants[start]
        return None if begin is None or instants[end] is None else instants[end] - begin


def timelines(
    reader: EffectReader, sink: TimedSmtpSink, published: Published, addresses: dict[UUID, str]
) -> list[Timeline]:
    """Every pair formed of people published in `published`, whoever matching paired with whom."""
    found = []
    for pair_id, pair in reader.pairs.items():
        if pair.mentor_id not in published.at or pair.mentee_id not in published.at:
            continue
        people = (pair.mentor_id, pair.mentee_id)
        mails = {
            kind: [sink.arrived(addresses[person], kind) for person in people]
            for kind in ("email_paired", "email_kickoff")
        }
        kickoff = reader.kickoffs.get(pair_id)
        dispatched = [reader.dispatched.get((person, kickoff.event_id)) for person in people] if kickoff else [None]
        found.append(
            Timeline(
                enrolled=max(published.at[pair.mentor_id], published.at[pair.mentee_id]),
                effects={
                    "pair_created": pair.sighting.seen,
                    "session_scheduled": kickoff.sighting.seen if kickoff else None,
                    **{kind: latest(stamps) for kind, stamps in mails.items()},
                },
                marks={
                    "pair_emitted": pair.sighting.emitted,
                    "pair_relayed": pair.sighting.relayed,
                    "kickoff_emitted": kickoff.sighting.emitted if kickoff else None,
                    "kickoff_relayed": kickoff.sighting.relayed if kickoff else None,
                    "kickoff_dispatched": latest(dispatched),
                },
            )
        )
    return found


def latest(stamps: list[float | None]) -> float | None:
    return None if None in stamps else max(stamps)


async def settle(
    reader: EffectReader,
    sink: TimedSmtpSink,
    published: Published,
    addresses: dict[UUID, str],
    expected: int,
    timeout: float,
) -> list[Timeline]:
    """Wait until `expected` pairs have every effect, or `timeout` has passed; return the complete ones."""
    deadline = time.monotonic() + timeout
    while True:
        done = [t for t in timelines(reader, sink, published, addresses) if t.complete]
        if len(done) >= expected or time.monotonic() > deadline:
            return done
        await asyncio.sleep(0.05)


def nearest_rank(values: Iterable[float], share: float) -> float:
    """The usual latency percentile: a value actually observed, at rank ceil(share x n)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(
    done: list[Timeline], published: Published, expected: int, pairs_per_second: float, seconds: float
) -> dict[str, float]:
    """One figure a key, flat, for results/latest.json; the settings read here are the ones the services inherited."""
    settings = NotificationSettings(**dev_signing_secrets())  # the settings every service has, and notifications' own
    result = {
        "steady_pairs_per_second_target": pairs_per_second,
        "steady_pairs_per_second_achieved": published.pairs_per_second,
        "steady_seconds": seconds,
        "steady_pairs": expected,
        "steady_pairs_incomplete": expected - len(done),
        "steady_publish_max_lag_ms": published.max_lag * 1000,
        "steady_target_p99_ms": TARGET_P99_MS,
        "steady_outbox_poll_seconds": settings.outbox_poll_seconds,
        "steady_consumer_batch_wait_ms": settings.consumer_batch_wait_ms,
        "steady_notifications_poll_seconds": settings.dispatch_poll_seconds,
    }
    spans = {effect: (None, effect) for effect in EFFECTS} | {
        name: (start, end) for name, (_, start, end) in (HOPS | STAGES).items()
    }
    for name, (start, end) in spans.items():
        latencies = [span * 1000 for t in done if (span := t.after(start, end)) is not None]
        if not latencies:
            continue
        result |= {
            f"steady_{name}_p50_ms": nearest_rank(latencies, 0.50),
            f"steady_{name}_p99_ms": nearest_rank(latencies, 0.99),
            f"steady_{name}_max_ms": max(latencies),
        }
    return result


async def _measure(
    bootstrap_servers: str, prefix: str, sink: TimedSmtpSink, pairs_per_second: float, seconds: float
) -> dict[str, float]:
    run, count = uuid4().hex[:6], max(1, round(pairs_per_second * seconds))
    warm_up, measured = enrolments_of_couples(1, f"warm{run}"), enrolments_of_couples(count, run)
    addresses = {person.participant_id: person.profile.email for person in warm_up + measured}
    producer = reliable_producer(KafkaSettings(bootstrap_servers=bootstrap_servers), "flipside-bench-steady")
    await producer.start()
    try:
        async with EffectReader(bootstrap_servers, prefix) as reader:
            warmed = await publish_paced(producer, prefix, warm_up, pairs_per_second)
            if not await settle(reader, sink, warmed, addresses, 1, WARM_UP_SECONDS):
                raise TimeoutError(f"the warm-up couple did not get through the chain in {WARM_UP_SECONDS:.0f}s")
            published = await publish_paced(producer, prefix, measured, pairs_per_second)
            done = await settle(reader, sink, published, addresses, count, DRAIN_SECONDS)
    finally:
        await producer.stop()
    if not done:
        raise TimeoutError(f"no pair got through the chain within {DRAIN_SECONDS:.0f}s of the last publish")
    return summarise(done, published, count, pairs_per_second, seconds)


def measure(
    stack: LocalStack, logs: Path, pairs_per_second: float = PAIRS_PER_SECOND, seconds: float = SECONDS
) -> dict[str, float]:
    """All four services in a database and topics of their own, with a fresh SMTP server, on `stack`."""
    sandbox = Sandbox.on(stack)
    sink = TimedSmtpSink().start()
    platform = Platform(stack.bootstrap_servers, sandbox.database_url, sandbox.topic_prefix, logs, sink.port)
    try:
        platform.start()
        configure_program(platform["matching"].url, PROGRAM)
        figures = asyncio.run(_measure(stack.bootstrap_servers, sandbox.topic_prefix, sink, pairs_per_second, seconds))
        return figures | handler_means(platform)
    finally:
        platform.stop()
        sink.stop()


CHAIN_HANDLERS = {
    "matching": (ParticipantEnrolled,),
    "scheduling": (PairCreated,),
    "notifications": (PairCreated, SessionScheduled),
}
"""The transactions on a kickoff e-mail's way, whose mean time each service's /metrics gives."""


def handler_means(platform: Platform) -> dict[str, float]:
    """Each chain handler's mean time from decoding its record to its transaction's commit (`flipside_handler_seconds`),
    over the whole run: the share of a stage that is the service's own transaction."""
    means = {}
    for service, event_types in CHAIN_HANDLERS.items():
        exposition = httpx.get(f"{platform[service].url}/metrics", timeout=10).text
        totals: dict[tuple[str, str], float] = {}
        for family in text_string_to_metric_families(exposition):
            if family.name == "flipside_handler_seconds":
                for sample in family.samples:
                    if sample.name.endswith(("_sum", "_count")):
                        totals[sample.labels["event_type"], sample.name.rsplit("_", 1)[1]] = sample.value
        for event_type in event_types:
            count = totals.get((event_type.ce_type, "count"), 0)
            if count:
                key = f"steady_handler_{service}_{event_type.__name__}_mean_ms"
                means[key] = totals[event_type.ce_type, "sum"] / count * 1000
    return means


def rounded(figures: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 2 if key.endswith("_seconds") else 1) for key, value in figures.items()}


def table(figures: dict[str, float]) -> str:
    target = figures["steady_target_p99_ms"]
    lines = [
        f"Steady state, {figures['steady_pairs']:,.0f} pairs at {figures['steady_pairs_per_second_achieved']:.2f} pairs/s"
        f" (target {figures['steady_pairs_per_second_target']:g}, sends at most {figures['steady_publish_max_lag_ms']:.0f} ms late)"
        f" for {figures['steady_seconds']:g} s, {figures['steady_pairs_incomplete']:,.0f} incomplete; outbox poll {figures['steady_outbox_poll_seconds']:g} s,"
        f" notifications poll {figures['steady_notifications_poll_seconds']:g} s,"
        f" consumer batch wait {figures['steady_consumer_batch_wait_ms']:g} ms:",
        f"| from the later enrolment published to | p50 ms | p99 ms | max ms | p99 < {target:g} ms |",
        "| --- | ---: | ---: | ---: | :---: |",
    ]
    for name, label in EFFECTS.items():
        p50, p99, top = (figures[f"steady_{name}_{figure}_ms"] for figure in ("p50", "p99", "max"))
        lines.append(f"| {label} | {p50:,.0f} | {p99:,.0f} | {top:,.0f} | {'yes' if p99 < target else 'no'} |")
    for heading, spans in (("hop", HOPS), ("where a kickoff e-mail's time goes", STAGES)):
        lines += ["", f"| {heading} | p50 ms | p99 ms | max ms |", "| --- | ---: | ---: | ---: |"]
        for name, (label, _, _) in spans.items():
            if f"steady_{name}_p50_ms" in figures:
                p50, p99, top = (figures[f"steady_{name}_{figure}_ms"] for figure in ("p50", "p99", "max"))
                lines.append(f"| {label} | {p50:,.0f} | {p99:,.0f} | {top:,.0f} |")
    handlers = [
        f"{service} {event_type.__name__} {figures[key]:.1f} ms"
        for service, event_types in CHAIN_HANDLERS.items()
        for event_type in event_types
        if (key := f"steady_handler_{service}_{event_type.__name__}_mean_ms") in figures
    ]
    lines += ["", "Mean handler transaction (decode to commit): " + ", ".join(handlers) + "."]
    return "\n".join(lines)


def main() -> int:
    pairs_per_second = float(sys.argv[1]) if len(sys.argv) > 1 else PAIRS_PER_SECOND
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else SECONDS
    with stack_of_its_own() as (stack, logs):
        figures = measure(stack, logs, pairs_per_second, seconds)
    write_sections({"steady_state": rounded(figures), "steady_state_measured_at": datetime.now(UTC).isoformat()})
    print(table(figures))
    print(f"\nwritten to {RESULTS} (steady_state)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
