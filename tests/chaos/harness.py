"""A numbered cohort through all four services while a fault strikes, and the account of every number.

Each run starts the four services in a sandbox of their own with a fresh SMTP server, publishes
`ENROLMENTS` numbered enrolments (`mentor_and_mentee`: every mentor fits every mentee) in a burst
and follows them to their effects: one pair per person, one kickoff per pair, its check-in, two
feedback requests, a recognition, and the e-mails of each. Scheduling's clock runs a simulated day
per second, so kickoffs happen and check-ins fall due during the run; a program of one week books
no later session, and no reminders are asked for (a reminder overdue after an outage is dropped by
design, so none could be counted on).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import httpx
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families

from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.fixtures import Sandbox
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.platform import Platform
from flipside_devstack.programs import configure_program, configure_schedule
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.smtp import SmtpSink
from flipside_devstack.waiting import wait_for_rows
from flipside_shared.envelope import decode
from flipside_shared.events import (
    STREAMS,
    CheckInDue,
    FeedbackRequested,
    PairCreated,
    PairHealthChanged,
    RecognitionAwarded,
    SessionScheduled,
)
from flipside_shared.registration import registered_services

ENROLMENTS = int(os.environ.get("FLIPSIDE_CHAOS_ENROLMENTS", "200"))
SEED = int(os.environ.get("FLIPSIDE_CHAOS_SEED") or random.SystemRandom().randrange(1_000_000))
# From the fault to every effect visible, on a shared 2-core machine: a fixed allowance for
# restarts and rebalances, and the time the whole cohort takes to flow through without a fault.
RECOVERY_BOUND_SECONDS = 120 + 0.15 * ENROLMENTS
# A whole test: four services started, the cohort up to its fault, recovery, the account.
TEST_TIMEOUT_SECONDS = 300 + 2 * RECOVERY_BOUND_SECONDS
SIMULATED_SECONDS_PER_SECOND = 86_400
# What each person is told by e-mail: the template of each delivery.
EMAIL_KINDS = frozenset({"welcome", "paired", "session_scheduled", "feedback_requested", "recognition"})
TOPICS = ("pairs", "sessions", "feedback")
# The services a cohort's events pass through, each faulted in turn. The portal handles only erasures, which
# a cohort never sends: it has no stream to be cut in the middle of.
SERVICES = tuple(name for name in registered_services() if name != "portal")

PLATFORM_ENV = {
    "FLIPSIDE_SCHEDULING_REMINDER_MINUTES_BEFORE": "[]",
    "FLIPSIDE_SMTP_MAX_PER_SECOND": "100000",  # the mail relay's pace is not what is tested
}


def rng_for(test_name: str) -> random.Random:
    """Each test's own random moments, the same for the same seed whatever else runs."""
    return random.Random(f"{SEED}:{test_name}")


@dataclass
class Ledger:
    """What the topics and the mailbox show so far, built record by record."""

    records_read: int = 0
    # The reader's own group can lose its member under load and read a partition again: a record is its position.
    positions_seen: set = field(default_factory=set)  # (topic, partition, offset)
    copies: Counter = field(default_factory=Counter)  # event id -> records carrying it
    pair_of: dict[UUID, tuple[UUID, UUID]] = field(default_factory=dict)
    pairs_of_person: defaultdict = field(default_factory=lambda: defaultdict(set))
    kickoffs: defaultdict = field(default_factory=lambda: defaultdict(set))  # pair -> SessionScheduled ids
    kickoff_session: dict[UUID, UUID] = field(default_factory=dict)  # session -> pair
    check_ins: defaultdict = field(default_factory=lambda: defaultdict(set))  # session -> CheckInDue ids
    requests: defaultdict = field(default_factory=lambda: defaultdict(set))  # (session, role) -> FeedbackRequested ids
    recognitions: defaultdict = field(default_factory=lambda: defaultdict(set))  # pair -> kickoff_held ids
    judged: set = field(default_factory=set)  # pairs whose health feedback has judged at least once
    positions: defaultdict = field(
        default_factory=lambda: defaultdict(list)
    )  # (topic, key) -> [(partition, offset, type)]
    emails_read: int = 0
    mails_by_id: Counter = field(default_factory=Counter)  # Message-ID -> copies received
    message_ids_of: defaultdict = field(default_factory=lambda: defaultdict(set))  # address -> Message-IDs

    def take_records(self, records: list) -> None:
        for record in records[self.records_read :]:
            self._take(record)
        self.records_read = len(records)

    def _take(self, record) -> None:
        position = (record.topic, record.partition, record.offset)
        if position in self.positions_seen:
            return
        self.positions_seen.add(position)
        e = decode(record.headers, record.value)
        first = e.id not in self.copies
        self.copies[e.id] += 1
        self.positions[(record.topic, record.key)].append((record.partition, record.offset, e.type))
        if not first:
            return  # a republished event: its effect is counted once
        event = e.event
        match event:
            case PairCreated():
                members = (event.mentor.participant_id, event.mentee.participant_id)
                self.pair_of[event.pair_id] = members
                for person in members:
                    self.pairs_of_person[person].add(event.pair_id)
            case SessionScheduled(kind="kickoff"):
                self.kickoffs[event.pair_id].add(e.id)
                self.kickoff_session[event.session_id] = event.pair_id
            case CheckInDue():
                self.check_ins[event.session_id].add(e.id)
            case FeedbackRequested():
                self.requests[(event.session_id, event.role)].add(e.id)
            case RecognitionAwarded(milestone="kickoff_held"):
                self.recognitions[event.pair_id].add(e.id)
            case PairHealthChanged():
                self.judged.add(event.pair_id)

    def take_mail(self, messages: list) -> None:
        for message in messages[self.emails_read :]:
            self.mails_by_id[message["Message-ID"]] += 1
            self.message_ids_of[message["To"]].add(message["Message-ID"])
        self.emails_read = len(messages)

    def complete(self, people: dict[UUID, str]) -> bool:
        """Every effect of every number visible (duplicates are judged afterwards)."""
        couples = len(people) // 2
        return (
            len(self.pairs_of_person) >= len(people)
            and len(self.kickoffs) >= couples
            and len(self.check_ins) >= couples
            and len(self.requests) >= 2 * couples
            and len(self.recognitions) >= couples
            and len(self.judged) >= couples
            and all(len(self.message_ids_of.get(address, ())) >= len(EMAIL_KINDS) for address in people.values())
        )


@dataclass
class Account:
    """The verdict on one run: what is missing, what shows twice, what was only repeated harmlessly."""

    lost: dict[str, int]
    duplicated: dict[str, int]
    raw_email_repeats: int
    republished_records: int
    events: int
    disordered: list[str]

    @property
    def total_lost(self) -> int:
        return sum(self.lost.values())

    @property
    def total_duplicated(self) -> int:
        return sum(self.duplicated.values())


def account(ledger: Ledger, people: dict[UUID, str], email_kinds: dict[str, tuple[str, str]]) -> Account:
    """Count every expected effect against what was seen; `email_kinds` maps a Message-ID to (address, kind)."""
    check_in_sessions = set(ledger.kickoff_session)
    per_kind: defaultdict = defaultdict(set)
    for message_id in ledger.mails_by_id:
        address, kind = email_kinds.get(message_id, ("unknown", "unknown"))
        per_kind[(address, kind)].add(message_id)
    expected_mail = {(address, kind) for address in people.values() for kind in EMAIL_KINDS}
    lost = {
        "people without a pair": sum(1 for person in people if not ledger.pairs_of_person.get(person)),
        "pairs without a kickoff": sum(1 for pair in ledger.pair_of if not ledger.kickoffs.get(pair)),
        "kickoffs without a check-in": sum(1 for session in check_in_sessions if not ledger.check_ins.get(session)),
        "feedback requests missing": sum(
            1
            for session in check_in_sessions
            for role in ("mentor", "mentee")
            if not ledger.requests.get((session, role))
        ),
        "pairs without recognition": sum(1 for pair in ledger.pair_of if not ledger.recognitions.get(pair)),
        "pairs never judged for health": sum(1 for pair in ledger.pair_of if pair not in ledger.judged),
        "e-mails missing": len(expected_mail - set(per_kind)),
    }
    duplicated = {
        "people in a second pair": sum(len(pairs) - 1 for pairs in ledger.pairs_of_person.values()),
        "second kickoffs": sum(len(ids) - 1 for ids in ledger.kickoffs.values()),
        "second check-ins": sum(len(ids) - 1 for ids in ledger.check_ins.values()),
        "second feedback requests": sum(len(ids) - 1 for ids in ledger.requests.values()),
        "second recognitions": sum(len(ids) - 1 for ids in ledger.recognitions.values()),
        "second e-mails (new Message-ID)": sum(len(ids) - 1 for ids in per_kind.values()),
        "e-mails nobody was owed": sum(len(ids) for key, ids in per_kind.items() if key not in expected_mail),
        "pairs of strangers": sum(1 for members in ledger.pair_of.values() if not set(members) <= set(people)),
    }
    return Account(
        lost=lost,
        duplicated=duplicated,
        raw_email_repeats=sum(ledger.mails_by_id.values()) - len(ledger.mails_by_id),
        republished_records=sum(ledger.copies.values()) - len(ledger.copies),
        events=len(ledger.copies),
        disordered=out_of_order(ledger),
    )


# The order each key's events must first appear in on its topic.
CAUSAL_ORDER = {
    "flipside.session.scheduled.v1": 0,
    "flipside.session.check-in-due.v1": 1,
}


def out_of_order(ledger: Ledger) -> list[str]:
    """Keys whose records span partitions, or whose first events of each type break the causal order."""
    problems = []
    for (topic, key), positions in ledger.positions.items():
        if len({partition for partition, _, _ in positions}) > 1:
            problems.append(f"{topic} key {key!r} in several partitions")
        offsets = [offset for _, offset, _ in positions]
        if offsets != sorted(offsets):
            problems.append(f"{topic} key {key!r} read out of offset order")
        firsts: dict[str, int] = {}
        for _, offset, ce_type in positions:
            firsts.setdefault(ce_type, offset)
        ranked = sorted((offset, CAUSAL_ORDER[t]) for t, offset in firsts.items() if t in CAUSAL_ORDER)
        if [rank for _, rank in ranked] != sorted(rank for _, rank in ranked):
            problems.append(f"{topic} key {key!r}: a check-in before its kickoff")
    return problems


class CohortRun:
    """One chaos run: its sandbox, mailbox, services, cohort, and the clock of its fault."""

    def __init__(self, stack, log_dir: Path, test_name: str) -> None:
        self.stack = stack
        self.test_name = test_name
        self.log_dir = log_dir
        self.rng = rng_for(test_name)
        self.sandbox = Sandbox.on(stack)
        self.smtp = SmtpSink().start()
        self.platform = Platform(
            self.sandbox.bootstrap_servers,
            self.sandbox.database_url,
            self.sandbox.topic_prefix,
            log_dir,
            self.smtp.port,
            clock_rate=SIMULATED_SECONDS_PER_SECOND,
            extra_env=PLATFORM_ENV,
        ).start()
        self.program_id = f"chaos-{uuid4().hex[:8]}"
        configure_program(self.platform["matching"].url, self.program_id)
        configure_schedule(self.platform["scheduling"].url, self.program_id, length_weeks=1)
        self.cohort = [e for index in range(ENROLMENTS // 2) for e in mentor_and_mentee(self.program_id, index)]
        self.people = {e.participant_id: e.profile.email for e in self.cohort}
        self.replicas: list[ServiceProcess] = []
        self.ledger = Ledger()
        self.fault_at: float | None = None
        self.started_at = time.monotonic()
        self.completed_at: float | None = None
        self._published = 0
        self._reader: TopicReader | None = None
        self._watch: asyncio.Task | None = None
        self.result: dict | None = None

    async def begin(self, share: float = 1.0) -> None:
        """Start following the topics, then publish a share of the cohort (all of it unless told) in one burst."""
        prefix = self.sandbox.topic_prefix
        self._reader = TopicReader(self.sandbox.bootstrap_servers, [f"{prefix}{topic}" for topic in TOPICS])
        await self._reader.__aenter__()
        self._watch = asyncio.create_task(self._reader.read_until(self._complete, timeout=24 * 3600))
        # A welcome names the program: notifications learns it from the programs topic before anyone enrols.
        conn = await asyncpg.connect(self.sandbox.database_url)
        try:
            await wait_for_rows(conn, "SELECT 1 FROM notifications.programs WHERE program_id = $1", self.program_id)
        finally:
            await conn.close()
        self.started_at = time.monotonic()
        self._published = 2 * int(share * len(self.cohort) / 2)  # whole couples
        await publish(self.sandbox.bootstrap_servers, prefix, [envelope(e) for e in self.cohort[: self._published]])

    async def publish_rest(self) -> None:
        """Publish what `begin` kept back, in one burst."""
        rest = self.cohort[self._published :]
        self._published = len(self.cohort)
        await publish(self.sandbox.bootstrap_servers, self.sandbox.topic_prefix, [envelope(e) for e in rest])

    def _complete(self, records: list) -> bool:
        self.ledger.take_records(records)
        self.ledger.take_mail(self.smtp.received())
        if self.completed_at is None and self.ledger.complete(self.people):
            self.completed_at = time.monotonic()
        return self.completed_at is not None

    def fault(self) -> None:
        """Mark the moment a fault is injected: recovery is timed from the last one."""
        self.fault_at = time.monotonic()

    async def progress(self, service: str) -> int:
        """How far a service has got: events it handled (its inbox), or e-mails delivered for notifications."""
        if service == "notifications":
            return len(self.smtp.received())
        conn = await asyncpg.connect(self.sandbox.database_url)
        try:
            return await conn.fetchval(f'SELECT count(*) FROM "{service}".inbox')
        finally:
            await conn.close()

    async def when_progressed(self, service: str, low: float, high: float) -> int:
        """Wait until `service` has done a seeded share in [low, high) of the cohort's size; return the mark."""
        mark = self.rng.randint(int(low * ENROLMENTS), max(int(low * ENROLMENTS), int(high * ENROLMENTS) - 1))
        deadline = time.monotonic() + RECOVERY_BOUND_SECONDS
        while (done := await self.progress(service)) < mark:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service} got to {done} of {mark} in {RECOVERY_BOUND_SECONDS:.0f}s")
            await asyncio.sleep(0.05)
        return mark

    async def restart(self, service: ServiceProcess) -> None:
        await asyncio.to_thread(service.start)

    async def add_replica(self, name: str) -> ServiceProcess:
        """Another process of `name`, same consumer group, database and topics, on a port of its own."""
        replica = ServiceProcess(name, self.platform[name].env, self.log_dir)
        self.replicas.append(replica)
        await asyncio.to_thread(replica.start)
        return replica

    async def stable_group_size(self, service: str, at_least: int = 1) -> int:
        """Members of `service`'s consumer group (one per process and stream) once the group is stable with `at_least`."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.sandbox.bootstrap_servers)
        await admin.start()
        try:
            deadline = time.monotonic() + RECOVERY_BOUND_SECONDS
            while True:
                [response] = await admin.describe_consumer_groups([f"{self.sandbox.topic_prefix}{service}"])
                [(_, _, state, _, _, members, *_)] = response.groups
                if state == "Stable" and len(members) >= at_least:
                    return len(members)
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{service}'s group stayed {state} with {len(members)} members, {at_least} expected"
                    )
                await asyncio.sleep(0.2)
        finally:
            await admin.close()

    def events_counted(self, process: ServiceProcess, outcome: str) -> Counter:
        """Records a running process consumed with `outcome` (handled, duplicate...) since it started, by type, from /metrics."""
        text = httpx.get(f"{process.url}/metrics", timeout=10).text
        return Counter(
            {
                sample.labels["event_type"]: int(sample.value)
                for family in text_string_to_metric_families(text)
                for sample in family.samples
                if sample.name == "flipside_events_total" and sample.labels.get("outcome") == outcome and sample.value
            }
        )

    async def handled_beyond_commit(self, service: str) -> list[str]:
        """Records `service` handled (in its inbox) at or past its group's committed offset: a restart would meet them again."""
        prefix = self.sandbox.topic_prefix
        topics = [stream.topic(prefix) for stream in STREAMS]
        async with TopicReader(self.sandbox.bootstrap_servers, topics) as reader:
            await reader.drain(3)
            where = {
                UUID(dict(r.headers)["ce_id"].decode()): (r.topic, r.partition, r.offset)
                for r in reader.records
                if "ce_id" in dict(r.headers or ())
            }
        admin = AIOKafkaAdminClient(bootstrap_servers=self.sandbox.bootstrap_servers)
        await admin.start()
        try:
            committed = {
                (tp.topic, tp.partition): meta.offset
                for tp, meta in (await admin.list_consumer_group_offsets(f"{prefix}{service}")).items()
            }
        finally:
            await admin.close()
        conn = await asyncpg.connect(self.sandbox.database_url)
        try:
            handled = [row["event_id"] for row in await conn.fetch(f'SELECT event_id FROM "{service}".inbox')]
        finally:
            await conn.close()
        return [
            f"{topic}[{partition}]@{offset}"
            for event_id in handled
            if (found := where.get(event_id)) is not None
            for topic, partition, offset in [found]
            if offset >= committed.get((topic, partition), 0)
        ]

    async def settle(self, fault: str, injected_by: str) -> Account:
        """Wait for every effect (within the bound), let duplicates show, account, record the result."""
        assert self.fault_at is not None, "the test marks when its fault struck"
        remaining = RECOVERY_BOUND_SECONDS - (time.monotonic() - self.fault_at)
        try:
            await asyncio.wait_for(asyncio.shield(self._watch), timeout=max(remaining, 1))
        except TimeoutError:
            self._watch.cancel()  # the account below says what is missing
            await asyncio.gather(self._watch, return_exceptions=True)
        await self._reader.drain(3)  # room for a late duplicate to arrive
        self._complete(self._reader.records)
        self.ledger.take_mail(self.smtp.received())
        verdict = account(self.ledger, self.people, await self._email_kinds())
        # A small cohort can be through before a late fault strikes: then there was nothing left to recover.
        recovery = None if self.completed_at is None else max(0.0, self.completed_at - self.fault_at)
        self.result = {
            "test": self.test_name,
            "fault": fault,
            "injected_by": injected_by,
            "seed": SEED,
            "runs": 1,
            "enrolments": ENROLMENTS,
            "events": verdict.events,
            "emails": sum(self.ledger.mails_by_id.values()),
            "lost": verdict.total_lost,
            "duplicated": verdict.total_duplicated,
            "raw_email_repeats": verdict.raw_email_repeats,
            "republished_records": verdict.republished_records,
            "recovery_seconds": None if recovery is None else round(recovery, 1),
            "recovery_bound_seconds": round(RECOVERY_BOUND_SECONDS),
            "run_seconds": round(time.monotonic() - self.started_at, 1),
        }
        print(f"\nchaos seed {SEED}: {self.result}")
        assert verdict.total_lost == 0, f"lost: {verdict.lost}"
        assert verdict.total_duplicated == 0, f"duplicated: {verdict.duplicated}"
        assert verdict.disordered == [], verdict.disordered[:10]
        await self._assert_stored_once()
        assert recovery is not None and recovery < RECOVERY_BOUND_SECONDS
        return verdict

    async def _email_kinds(self) -> dict[str, tuple[str, str]]:
        """Message-ID -> (address, template), from notifications' delivery log (a Message-ID is its delivery id)."""
        conn = await asyncpg.connect(self.sandbox.database_url)
        try:
            rows = await conn.fetch(
                "SELECT delivery_id, template, recipient_id FROM notifications.deliveries WHERE channel = 'email'"
            )
        finally:
            await conn.close()
        return {
            f"<{row['delivery_id']}@flipside>": (self.people.get(row["recipient_id"], "unknown"), row["template"])
            for row in rows
        }

    async def _assert_stored_once(self) -> None:
        """The services' own tables agree with the topics: one row per pair, kickoff and request."""
        couples = ENROLMENTS // 2
        conn = await asyncpg.connect(self.sandbox.database_url)
        try:
            active = await conn.fetch(
                "SELECT active_pairs, count(*) AS people FROM matching.participants WHERE program_id = $1 GROUP BY 1",
                self.program_id,
            )
            assert {row["active_pairs"]: row["people"] for row in active} == {1: ENROLMENTS}
            assert (
                await conn.fetchval("SELECT count(*) FROM matching.pairs WHERE program_id = $1", self.program_id)
                == couples
            )
            assert (
                await conn.fetchval("SELECT count(*) FROM scheduling.sessions WHERE program_id = $1", self.program_id)
                == couples
            )
            assert await conn.fetchval("SELECT count(*) FROM feedback.feedback_requests") == ENROLMENTS
        finally:
            await conn.close()

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        if self._reader is not None:
            await self._reader.__aexit__(None, None, None)
        processes = [*self.replicas, *self.platform.services.values(), self.platform.oidc_issuer]
        await asyncio.gather(*(asyncio.to_thread(process.stop) for process in processes))
        self.smtp.stop()
