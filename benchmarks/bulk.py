"""Bulk: a whole company enrolled at once, as an enterprise does once a year, through all four services.

`N` enrolments of a synthetic company (`flipside_shared.synthetic`: departments with reporting trees, a grade
pyramid, ten offices) are published to Kafka in one burst into a cohort program. Once matching holds them all,
the program lead requests the match run (`POST /programs/{id}/runs`, as they would); matching publishes its
pairs and the reasons of everyone left unmatched; scheduling books each pair's kickoff in both calendars;
notifications e-mails each person their partner and their kickoff, and each unmatched person why, to an SMTP
server on loopback. Feedback reads the same streams, as it would in production.

Timed from the first enrolment handed to the producer until every service has read every record of its
streams, every outbox is empty, no e-mail is pending and the SMTP server has received every e-mail sent.
Each stage is stamped when its last effect is committed (progress polled in the services' tables and consumer
groups every 0.2 s):

- **matching intake**: every enrolment stored (publish start to the last participant row);
- **match run**: the lead's request to the run recorded with all its pairs (one transaction);
- **pairs published**: the run recorded to matching's outbox emptied (every `PairCreated` on its topic);
- **scheduling**: the run recorded to every pair's kickoff booked (its group past the last pair);
- **kickoffs published**: the run recorded to every pair handled and scheduling's outbox emptied (every kickoff
  `SessionScheduled` on its topic): with the pairs published, the end of the run's events, held to
  `TARGET_SECONDS` from the first enrolment; the e-mails come after, reported apart;
- **notifications**: the run recorded to the last e-mail received.

The stages overlap (notifications e-mails pairs while scheduling books kickoffs), so each service's
throughput is its own work over its own stage. Each service's peak resident set is read before it stops.
`scale_out` runs the same bulk again with a second process
of one service. Also runnable alone: `python -m benchmarks.bulk [enrolments] [service to scale out]`; with
`--scaled-only` after them, only the run with two processes, added beside the 1-process figures already in
the results (a run of the same size, named by its own `measured_at`); with `--events-only`, one run of one process
each, ended once every pair and kickoff is on its topic (the target's part, for sizes whose e-mails would take most
of an hour), written as the section `bulk_events`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from flipside_devstack.auth import lead_headers
from flipside_devstack.fixtures import Sandbox, unique_prefix
from flipside_devstack.kafka_io import envelope
from flipside_devstack.platform import Platform
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.stack import LocalStack
from flipside_shared.events import STREAMS, PairCreated
from flipside_shared.kafka import reliable_producer
from flipside_shared.registration import registered_services
from flipside_shared.settings import KafkaSettings
from flipside_shared.synthetic import LADDER, enrolments
from flipside_shared.topics import ensure_topics

from . import notifications, profile
from .memory import peak_rss_of
from .progress import wait_for
from .results import RESULTS, recorded, write_sections
from .smtp_counter import CountingSink
from .stacks import stack_of_its_own

ENROLMENTS = 100_000
TARGET_SECONDS = 120.0  # first enrolment to the last PairCreated and kickoff SessionScheduled on their topics
PROGRAM = "bulk"
POLL_SECONDS = 0.2
TIMEOUT_SECONDS = 3600.0


async def _until(predicate) -> None:
    await wait_for(predicate, TIMEOUT_SECONDS, POLL_SECONDS)


@dataclass
class Progress:
    """What the services' tables say, polled: counts, and when each stage was first seen complete."""

    started: float
    stamps: dict[str, float] = field(default_factory=dict)

    def stamp(self, stage: str, done: bool) -> None:
        if done and stage not in self.stamps:
            self.stamps[stage] = time.monotonic() - self.started
            print(f"bulk: {stage} done at {self.stamps[stage]:.1f} s", file=sys.stderr, flush=True)


async def publish_burst(kafka: KafkaSettings, prefix: str, size: int) -> tuple[float, int]:
    """Publish `size` enrolments as fast as the producer takes them; return when the first was handed over and how many."""
    records = [
        (e.event.stream.topic(prefix), e.body(), e.subject.encode(), e.headers())
        for e in (envelope(event) for event in enrolments(size, PROGRAM, seed=2026))
    ]
    producer = reliable_producer(kafka, "bulk-benchmark")
    await producer.start()
    try:
        started = time.monotonic()
        deliveries = [
            await producer.send(topic, value=body, key=key, headers=headers) for topic, body, key, headers in records
        ]
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    return started, len(records)


class Watch:
    """Polls the sandbox's database and consumer groups for how far the bulk has got."""

    def __init__(
        self, sandbox: Sandbox, conn: asyncpg.Connection, admin: AIOKafkaAdminClient, ends: AIOKafkaConsumer
    ) -> None:
        self._sandbox = sandbox
        self._conn = conn
        self._admin = admin
        self._ends = ends
        self._partitions: dict[str, list[TopicPartition]] = {}

    async def enrolled(self) -> int:
        return await self._conn.fetchval("SELECT count(*) FROM matching.participants WHERE program_id = $1", PROGRAM)

    async def run(self) -> asyncpg.Record | None:
        return await self._conn.fetchrow("SELECT paired, unmatched FROM matching.runs WHERE program_id = $1", PROGRAM)

    async def pairs_scheduled(self) -> int:
        """Pairs scheduling has handled (booked, or found no time for): one inbox row each."""
        return await self._conn.fetchval(
            "SELECT count(*) FROM scheduling.inbox WHERE event_type = $1", PairCreated.ce_type
        )

    async def kickoffs(self) -> int:
        return await self._conn.fetchval("SELECT count(*) FROM scheduling.sessions WHERE kind = 'kickoff'")

    async def emails(self) -> asyncpg.Record:
        return await self._conn.fetchrow(
            "SELECT count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'pending') AS pending"
            " FROM notifications.deliveries WHERE channel = 'email'"
        )

    async def outbox_empty(self, service: str) -> bool:
        return not await self._conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {service}.outbox WHERE sent_at IS NULL)")

    async def outboxes_empty(self) -> bool:
        return all([await self.outbox_empty(service) for service in registered_services()])

    async def caught_up(self, service: str, streams: list[str]) -> bool:
        """Whether `service`'s group has committed every record published so far on `streams`."""
        if service not in self._partitions:  # asked of the broker once: the consumer's cached metadata can be empty
            described = await self._admin.describe_topics(
                [f"{self._sandbox.topic_prefix}{stream}" for stream in streams]
            )
            self._partitions[service] = [
                TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]
            ]
        ends = await self._ends.end_offsets(self._partitions[service])
        offsets = await self._admin.list_consumer_group_offsets(f"{self._sandbox.topic_prefix}{service}")
        return all(tp in offsets and offsets[tp].offset >= end for tp, end in ends.items() if end > 0)


CONSUMES = {  # the streams each service reads
    "matching": ["participants", "programs", "pairs", "feedback"],
    "scheduling": ["participants", "pairs", "sessions"],
    "feedback": ["participants", "pairs", "sessions", "feedback"],
    "notifications": [s.name for s in STREAMS if s.name != "notifications"],
}


async def _bulk(
    sandbox: Sandbox, platform: Platform, sink: CountingSink, size: int, events_only: bool = False
) -> dict[str, float]:
    kafka = KafkaSettings(bootstrap_servers=sandbox.bootstrap_servers)
    configure_program(platform["matching"].url, PROGRAM, grades=LADDER, start="cohort_run")
    conn = await asyncpg.connect(sandbox.database_url)
    admin = AIOKafkaAdminClient(bootstrap_servers=sandbox.bootstrap_servers)
    ends = AIOKafkaConsumer(bootstrap_servers=sandbox.bootstrap_servers)
    await admin.start()
    await ends.start()
    try:
        watch = Watch(sandbox, conn, admin, ends)
        started, published = await publish_burst(kafka, sandbox.topic_prefix, size)
        progress = Progress(started)
        progress.stamp("published", True)

        async def all_enrolled() -> bool:
            return await watch.enrolled() == published

        await _until(all_enrolled)
        progress.stamp("matching_intake", True)
        requested = time.monotonic() - started
        response = httpx.post(
            f"{platform['matching'].url}/programs/{PROGRAM}/runs", headers=lead_headers(PROGRAM), timeout=30
        )
        response.raise_for_status()
        await _until(watch.run)
        progress.stamp("match_run", True)
        run = await watch.run()

        async def everything_done() -> bool:
            progress.stamp("pairs_published", await watch.outbox_empty("matching"))
            scheduled = await watch.pairs_scheduled() == run["paired"]
            progress.stamp("scheduling", scheduled)
            progress.stamp("kickoffs_published", scheduled and await watch.outbox_empty("scheduling"))
            if events_only:
                return {"pairs_published", "kickoffs_published"} <= progress.stamps.keys()
            emails = await watch.emails()
            return (
                emails["pending"] == 0
                and sink.count() >= emails["sent"] > 0
                and await watch.outboxes_empty()
                and all([await watch.caught_up(service, streams) for service, streams in CONSUMES.items()])
            )

        await _until(everything_done)
        emails = await watch.emails()
        events = {
            "enrolments": published,
            "pairs": run["paired"],
            "unmatched": run["unmatched"],
            "kickoffs": await watch.kickoffs(),
            "publish_seconds": progress.stamps["published"],
            "matching_intake_seconds": progress.stamps["matching_intake"],
            "matching_enrolments_per_second": published / progress.stamps["matching_intake"],
            "match_run_seconds": progress.stamps["match_run"] - requested,
            "pairs_published_seconds": progress.stamps["pairs_published"] - progress.stamps["match_run"],
            "kickoffs_published_seconds": progress.stamps["kickoffs_published"] - progress.stamps["match_run"],
            "events_seconds": max(progress.stamps["pairs_published"], progress.stamps["kickoffs_published"]),
            "scheduling_seconds": progress.stamps["scheduling"] - progress.stamps["match_run"],
            "scheduling_pairs_per_second": run["paired"]
            / (progress.stamps["scheduling"] - progress.stamps["match_run"]),
        }
        if events_only:
            # The e-mails go on being sent, as they were all along: what was sent and what waited by then.
            return {**events, "emails_sent_by_then": emails["sent"], "emails_pending_by_then": emails["pending"]}
        finished = sink.last_at() - started
        return {
            **events,
            "emails": emails["sent"],
            "emails_received": sink.count(),
            "total_seconds": max(finished, time.monotonic() - started - POLL_SECONDS),
            "notifications_seconds": finished - progress.stamps["match_run"],
            "notifications_emails_per_second": emails["sent"] / (finished - progress.stamps["match_run"]),
        }
    finally:
        await ends.stop()
        await admin.close()
        await conn.close()


def measure(
    stack: LocalStack, logs: Path, size: int = ENROLMENTS, scaled: str | None = None, events_only: bool = False
) -> dict:
    """One bulk run on a sandbox of its own, each service sampled by py-spy; with `scaled`, that service
    runs a second process (the first one is sampled). With `events_only`, the run ends once every pair and kickoff
    is on its topic: the target's part, for sizes whose e-mails would take far longer."""
    sandbox = Sandbox.on(stack)
    with CountingSink() as sink:
        platform = Platform(
            sandbox.bootstrap_servers,
            sandbox.database_url,
            sandbox.topic_prefix,
            logs,
            sink.port,
            extra_env={"FLIPSIDE_SMTP_MAX_PER_SECOND": "100000"},  # a relay's own pace is its deployment's setting
        )
        extra = ServiceProcess(scaled, platform[scaled].env, logs) if scaled else None
        samplers: dict[str, profile.Sampler] = {}
        try:
            platform.start()
            if extra:
                extra.start()
            samplers = {
                name: profile.Sampler(service.pid, logs / f"profile-{name}-{service.port}.txt")
                for name, service in platform.services.items()
            }
            figures = asyncio.run(_bulk(sandbox, platform, sink, size, events_only))
            figures.update(
                {f"peak_rss_mib_{name}": peak_rss_of(service) for name, service in platform.services.items()}
            )
            if extra:
                figures[f"peak_rss_mib_{scaled}_second_process"] = peak_rss_of(extra)
            if not events_only:
                print(
                    table({f"2 processes of {scaled}" if scaled else "1 process each": figures}),
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            for sampler in samplers.values():
                sampler.stop()
            if extra:
                extra.stop()
            platform.stop()
    return {**figures, "profile": {name: profile.summarise(sampler.output) for name, sampler in samplers.items()}}


def slowest(figures: dict[str, float]) -> str:
    """The service whose own stage took longest."""
    stages = {
        "matching": figures["matching_intake_seconds"] + figures["match_run_seconds"],
        "scheduling": figures["scheduling_seconds"],
        "notifications": figures["notifications_seconds"],
    }
    return max(stages, key=stages.__getitem__)


def table(runs: dict[str, dict[str, float]]) -> str:
    lines = [
        f"| run | enrolments | pairs | kickoffs | pairs and kickoffs published s (target {TARGET_SECONDS:.0f}) | e-mails"
        " | all e-mailed s | matching intake/s | match run s | scheduling pairs/s | notifications e-mails/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, f in runs.items():
        lines.append(
            f"| {name} | {f['enrolments']:,.0f} | {f['pairs']:,.0f} | {f['kickoffs']:,.0f} | {f['events_seconds']:,.1f}"
            f" | {f['emails']:,.0f} | {f['total_seconds']:,.1f} | {f['matching_enrolments_per_second']:,.0f} | {f['match_run_seconds']:,.1f}"
            f" | {f['scheduling_pairs_per_second']:,.0f} | {f['notifications_emails_per_second']:,.0f} |"
        )
    return "\n".join(lines)


async def raw_publish_per_second(stack: LocalStack, size: int) -> float:
    """The baseline of the burst: the same enrolments published with nothing else running."""
    prefix = unique_prefix()
    kafka = KafkaSettings(bootstrap_servers=stack.bootstrap_servers)
    await ensure_topics(kafka, [f"{prefix}participants"])
    started, published = await publish_burst(kafka, prefix, size)
    return published / (time.monotonic() - started)


def measure_all(stack: LocalStack, logs: Path, size: int, scaled: str | None = None) -> dict:
    """Baselines, the bulk with one process of each service, then again with two of the slowest (or `scaled`).

    One key per figure: `<figure>_1_process` and `<figure>_2_<service>` beside `baseline_<figure>`."""
    figures: dict = {
        "enrolments": size,
        "target_seconds": TARGET_SECONDS,
        "baseline_publish_enrolments_per_second": asyncio.run(raw_publish_per_second(stack, size)),
        "baseline_smtp_emails_per_second": asyncio.run(notifications.raw_alone_messages_per_second(2000)),
    }
    one = measure(stack, logs, size)
    scaled = scaled or slowest(one)
    two = measure(stack, logs, size, scaled)
    for run, found in (("1_process", one), (f"2_{scaled}", two)):
        figures.update({f"{key}_{run}": value for key, value in found.items() if key != "profile"})
    figures["scaled_out"] = scaled
    figures["profile_1_process"] = one["profile"]
    figures[f"profile_2_{scaled}"] = two["profile"]
    return figures


def measure_scaled_out(stack: LocalStack, logs: Path, size: int, scaled: str) -> dict:
    """Only the run with two processes of `scaled`: its keys as `measure_all` names them."""
    two = measure(stack, logs, size, scaled)
    return {
        **{f"{key}_2_{scaled}": value for key, value in two.items() if key != "profile"},
        "scaled_out": scaled,
        f"profile_2_{scaled}": two["profile"],
        f"measured_at_2_{scaled}": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def rounded(figures: dict) -> dict:
    return {key: round(value, 1) if isinstance(value, float) else value for key, value in figures.items()}


def table_of(figures: dict) -> str:
    """The markdown table of `measure_all`'s figures."""
    runs = {}
    for run in ("1_process", f"2_{figures['scaled_out']}"):
        runs[run.replace("_", " ")] = {
            "enrolments": figures["enrolments"],
            **{key.removesuffix(f"_{run}"): value for key, value in figures.items() if key.endswith(f"_{run}")},
        }
    return table(runs)


def main() -> int:
    flags = {"--scaled-only", "--events-only"}
    args = [arg for arg in sys.argv[1:] if arg not in flags]
    size = int(args[0]) if args else ENROLMENTS
    scaled = args[1] if len(args) > 1 else None
    results = recorded()
    scaled_only = "--scaled-only" in sys.argv
    if scaled_only and (scaled is None or results.get("bulk", {}).get("enrolments") != size):
        print(
            f"--scaled-only needs a service to scale out and a 1-process bulk run of {size:,} in {RESULTS}",
            file=sys.stderr,
        )
        return 2
    if "--events-only" in sys.argv:
        return events_only(size)
    with stack_of_its_own() as (stack, logs):
        if scaled_only:
            figures = {**results["bulk"], **measure_scaled_out(stack, logs, size, scaled)}
            figures.pop("scale_out_run", None)
        else:
            figures = measure_all(stack, logs, size, scaled)
    return reported("bulk", rounded(figures), table_of(figures), figures["profile_1_process"])


def events_only(size: int) -> int:
    """`python -m benchmarks.bulk [enrolments] --events-only`: one run, one process of each service, ended once every
    pair and kickoff is on its topic; written as the section `bulk_events`, beside the whole bulk of `bulk`."""
    with stack_of_its_own() as (stack, logs):
        figures = measure(stack, logs, size, events_only=True)
    measured = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target_seconds": TARGET_SECONDS,
        **{key: value for key, value in figures.items() if key != "profile"},
    }
    return reported("bulk_events", rounded(measured), events_table(measured), figures["profile"])


def reported(section: str, figures: dict, table: str, profiles: dict[str, dict]) -> int:
    """`figures` written as `section` of the results, and printed: their table, then where each service's CPU went."""
    write_sections({section: figures})
    print(table)
    print(profile.table(profiles))
    print(profile.top_frames_table(profiles))
    print(f"\nwritten to {RESULTS} ({section})")
    return 0


def events_table(f: dict) -> str:
    return "\n".join(
        [
            f"| enrolments | pairs | kickoffs | pairs and kickoffs published s (target {TARGET_SECONDS:.0f})"
            " | matching intake/s | match run s | scheduling pairs/s | e-mails sent by then | peak RSS matching MiB |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {f['enrolments']:,.0f} | {f['pairs']:,.0f} | {f['kickoffs']:,.0f} | {f['events_seconds']:,.1f}"
            f" | {f['matching_enrolments_per_second']:,.0f} | {f['match_run_seconds']:,.1f}"
            f" | {f['scheduling_pairs_per_second']:,.0f} | {f['emails_sent_by_then']:,.0f}"
            f" | {f['peak_rss_mib_matching']:,.0f} |",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
