"""`flipside`: the operator's command line, with the same FLIPSIDE_* settings as the services.

flipside dlq list SERVICE [--limit N]          what was dead-lettered, and why
flipside dlq inspect SERVICE PARTITION OFFSET  one dead letter: headers and body
flipside dlq replay SERVICE PARTITION OFFSET   send it back to its original topic, as it was
flipside outbox [list] [--service SERVICE]     events not yet published, the oldest's age, and parked rows
flipside outbox retry --service SERVICE ID...  re-queue parked rows (or --all, of one service or every one)
flipside lag SERVICE                           how far the service's consumer group is behind
flipside migrate SERVICE                       apply the service's pending migrations
flipside seed-demo [--size N] [--matching-url URL] [--token T]  enrol a demo cohort (junior mentors, senior mentees)
flipside token --role admin|program_lead|participant [--program P] [--participant ID]
                                               a token of `make up`'s development issuer
flipside erase PARTICIPANT_ID                  the right to erasure, across every service
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from flipside_shared.deadletter import dead_letter_topic
from flipside_shared.envelope import Envelope
from flipside_shared.events import Event, ParticipantErased
from flipside_shared.events.sources import OPERATOR
from flipside_shared.kafka import client_options, publish_envelopes, reliable_producer
from flipside_shared.migrations import migrate
from flipside_shared.outbox import parked_rows, requeue_parked
from flipside_shared.preflight import ConfigurationError, fail, load_settings
from flipside_shared.registration import ServiceRegistration, registered_services
from flipside_shared.settings import ServiceSettings

from .demo_cohort import LADDER, PROGRAM, cohort

CLIENT_ID = "flipside-cli"


async def dead_letters(settings: ServiceSettings, service: str) -> list:
    """Every record of the service's dead-letter topic, read without joining a group."""
    topic = dead_letter_topic(settings.topic_prefix, service)
    partitions = [TopicPartition(topic, p) for p in await _partitions(settings, topic)]
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(**client_options(settings.kafka), enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def _partitions(settings: ServiceSettings, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(**client_options(settings.kafka))
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return [] if description["error_code"] else [p["partition"] for p in description["partitions"]]


def _headers(record) -> dict[str, str]:
    return {name: value.decode("utf-8", "replace") for name, value in record.headers or ()}


async def dlq_list(settings: ServiceSettings, service: str, limit: int) -> None:
    records = await dead_letters(settings, service)
    print(f"{len(records)} dead letters in {dead_letter_topic(settings.topic_prefix, service)}")
    for record in records[-limit:]:
        h = _headers(record)
        print(
            f"partition {record.partition} offset {record.offset}: {h.get('ce_type', '?')} from "
            f"{h.get('dlq_original_topic')}[{h.get('dlq_original_partition')}]@{h.get('dlq_original_offset')} "
            f"at {h.get('dlq_failed_at')}: {h.get('dlq_reason')}"
        )


async def _one(settings: ServiceSettings, service: str, partition: int, offset: int):
    for record in await dead_letters(settings, service):
        if (record.partition, record.offset) == (partition, offset):
            return record
    raise ConfigurationError(f"no dead letter at partition {partition} offset {offset}")


async def dlq_inspect(settings: ServiceSettings, service: str, partition: int, offset: int) -> None:
    record = await _one(settings, service, partition, offset)
    print(json.dumps({"key": (record.key or b"").decode("utf-8", "replace"), "headers": _headers(record)}, indent=2))
    print((record.value or b"").decode("utf-8", "replace"))


async def dlq_replay(settings: ServiceSettings, service: str, partition: int, offset: int) -> None:
    """The original record, original headers (event id included) and key, back on its topic."""
    record = await _one(settings, service, partition, offset)
    original = [(n, v) for n, v in record.headers or () if not n.startswith("dlq_")]
    topic = _headers(record)["dlq_original_topic"]
    producer = reliable_producer(settings.kafka, CLIENT_ID)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=record.value, key=record.key, headers=original)
    finally:
        await producer.stop()
    print(f"replayed partition {partition} offset {offset} to {topic}")


class NotParked(Exception):
    """Rows an operator named that are not parked: nothing was re-queued."""


async def outbox(settings: ServiceSettings, services: list[str]) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        for service in services:
            if not await _has_outbox(conn, service):
                print(f"{service}: no outbox in this database")
                continue
            await _outbox_report(conn, service)
    finally:
        await conn.close()


async def _has_outbox(conn: asyncpg.Connection, service: str) -> bool:
    """Whether the service has an outbox in this database; one from before parking must be migrated first."""
    if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f'"{service}".outbox'):
        return False
    if not await conn.fetchval(
        "SELECT EXISTS (SELECT FROM information_schema.columns"
        " WHERE table_schema = $1 AND table_name = 'outbox' AND column_name = 'parked_at')",
        service,
    ):
        raise ConfigurationError(f"{service}'s outbox predates parking: run `flipside migrate {service}`")
    return True


async def _outbox_report(conn: asyncpg.Connection, service: str) -> None:
    waiting = await conn.fetch(
        f"SELECT topic, count(*) AS unsent, extract(epoch FROM now() - min(created_at)) AS oldest"
        f' FROM "{service}".outbox WHERE sent_at IS NULL AND parked_at IS NULL GROUP BY topic ORDER BY topic'
    )
    parked = await parked_rows(conn, service)
    if not waiting:
        print(f"{service}: outbox empty, everything published" + (", but for parked rows" if parked else ""))
    for row in waiting:
        print(f"{service}: {row['unsent']} unsent for {row['topic']}, oldest {float(row['oldest']):.1f}s")
    if parked:
        print(f"{service}: {len(parked)} parked, never retried until `flipside outbox retry`:")
    for row in parked:
        print(
            f"  id {row['id']} event {row['event_id']} {row['event_type'] or '?'} to {row['topic']} key {row['key']}"
            f" {row['size'] or 0} bytes, parked {row['parked_at'].isoformat(timespec='seconds')}: {row['park_reason']}"
        )


async def outbox_retry(settings: ServiceSettings, services: list[str], ids: list[int] | None) -> None:
    """Re-queue parked rows: all in one transaction, none if any id named is not a parked row."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        for service in services:
            if not await _has_outbox(conn, service):
                if ids:
                    raise NotParked(f"{service} has no outbox in this database: nothing re-queued")
                print(f"{service}: no outbox in this database")
                continue
            async with conn.transaction():
                requeued = await requeue_parked(conn, service, ids)
                if missing := sorted(set(ids or ()) - set(requeued)):
                    raise NotParked(f"{service} has no parked row {', '.join(map(str, missing))}: nothing re-queued")
            print(
                f"{service}: re-queued {len(requeued)} parked rows"
                + (f" ({', '.join(map(str, requeued))})" if requeued else "")
            )
    finally:
        await conn.close()


async def lag(settings: ServiceSettings, service: str) -> None:
    group = settings.group_id(service)
    admin = AIOKafkaAdminClient(**client_options(settings.kafka))
    consumer = AIOKafkaConsumer(**client_options(settings.kafka))
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        ends = await consumer.end_offsets(list(committed)) if committed else {}
    finally:
        await consumer.stop()
        await admin.close()
    if not committed:
        print(f"{group}: no committed offsets yet")
    for tp in sorted(committed, key=lambda tp: (tp.topic, tp.partition)):
        print(f"{group} {tp.topic}[{tp.partition}]: behind by {ends[tp] - committed[tp].offset}")


async def run_migrations(settings: ServiceSettings, service: ServiceRegistration) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        applied = await migrate(conn, service.name, service.migrations)
    finally:
        await conn.close()
    print(f"{service.name}: applied {', '.join(applied)}" if applied else f"{service.name}: schema up to date")


async def _publish(settings: ServiceSettings, events: Sequence[Event]) -> None:
    envelopes = [Envelope.caused_by(None, event, OPERATOR) for event in events]
    await publish_envelopes(settings.kafka, settings.topic_prefix, envelopes, CLIENT_ID)


async def seed_demo(settings: ServiceSettings, size: int, matching_url: str, token: str | None) -> None:
    if not token:
        raise ConfigurationError(
            "seed-demo creates the demo program as an admin: pass --token or set FLIPSIDE_API_TOKEN"
        )
    people = cohort(size)
    async with httpx.AsyncClient(
        base_url=matching_url, timeout=10, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        try:
            if (await client.get(f"/programs/{PROGRAM}")).status_code == 404:
                (await client.put(f"/programs/{PROGRAM}", json={"grades": LADDER})).raise_for_status()
        except httpx.HTTPError as error:
            raise ConfigurationError(
                f"matching at {matching_url} could not create program {PROGRAM}: {error}"
            ) from error
    await _publish(settings, people)
    print(f"enrolled {len(people)} demo participants in program {people[0].profile.program_id}")


def dev_token(state_dir: Path, role: str, programs: list[str], participant: UUID | None) -> str:
    # The development stack is a dev-only package: an operator's installation has no issuer of `make up` to ask.
    try:
        from flipside_devstack.auth import dev_issuer_in
    except ImportError:
        raise SystemExit(
            "flipside: token needs the development stack (flipside-devstack), which `make install` installs"
        ) from None
    issuer = dev_issuer_in(state_dir)
    if issuer is None:
        raise SystemExit(f"flipside: no development issuer in {state_dir}: start the stack with `make up` first")
    if role == "participant":
        if participant is None:
            raise SystemExit("flipside: a participant's token needs --participant ID")
        return issuer.participant_token(participant)
    if role == "program_lead":
        if not programs:
            raise SystemExit("flipside: a program lead's token needs --program (one or more)")
        return issuer.lead_token(*programs)
    return issuer.admin_token()


async def erase(settings: ServiceSettings, participant_id: UUID) -> None:
    await _publish(settings, [ParticipantErased(participant_id=participant_id, erased_at=datetime.now(UTC))])
    print(f"erasure of {participant_id} requested from every service")


def command_line(services: tuple[str, ...]) -> argparse.ArgumentParser:
    """Every command; those about one service take the name of any of `services`."""
    parser = argparse.ArgumentParser(
        prog="flipside", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    dlq = commands.add_parser("dlq").add_subparsers(dest="action", required=True)
    listing = dlq.add_parser("list")
    listing.add_argument("service", choices=services)
    listing.add_argument("--limit", type=int, default=50)
    for action in ("inspect", "replay"):
        one = dlq.add_parser(action)
        one.add_argument("service", choices=services)
        one.add_argument("partition", type=int)
        one.add_argument("offset", type=int)
    for command in ("lag", "migrate"):
        commands.add_parser(command).add_argument("service", choices=services)
    outbox_command = commands.add_parser("outbox", help="what waits in each service's outbox, and its parked rows")
    outbox_command.add_argument("--service", choices=services, help="this service only")
    outbox_actions = outbox_command.add_subparsers(dest="action")
    # SUPPRESS: `outbox --service S list` keeps S instead of the subcommand's default.
    outbox_actions.add_parser("list").add_argument("--service", choices=services, default=argparse.SUPPRESS)
    retry = outbox_actions.add_parser("retry", help="re-queue parked rows at their place, for the relay to try again")
    retry.add_argument("--service", choices=services, default=argparse.SUPPRESS)
    retry.add_argument("--all", action="store_true", help="every parked row (of --service, or of every service)")
    retry.add_argument("ids", type=int, nargs="*", metavar="ID", help="outbox ids, as `flipside outbox` lists them")
    seed = commands.add_parser("seed-demo")
    seed.add_argument("--size", type=int, default=40)
    seed.add_argument(
        "--matching-url",
        default=os.environ.get("FLIPSIDE_MATCHING_URL", "http://127.0.0.1:8001"),
        help="matching's HTTP API, where the demo program is created if missing",
    )
    seed.add_argument(
        "--token", default=os.environ.get("FLIPSIDE_API_TOKEN"), help="an admin's bearer token for matching's API"
    )
    commands.add_parser("erase").add_argument("participant_id", type=UUID)
    token = commands.add_parser(
        "token", help="print a bearer token of the development issuer `make up` runs the services with"
    )
    token.add_argument("--role", choices=["admin", "program_lead", "participant"], required=True)
    token.add_argument(
        "--program", action="append", default=[], help="a program a program_lead leads (repeat for more)"
    )
    token.add_argument("--participant", type=UUID, help="the participant a participant's token is")
    token.add_argument("--state-dir", type=Path, default=Path(".run/stack"), help="where `make up` keeps its state")
    return parser


def main(argv: list[str] | None = None) -> None:
    registrations = registered_services()
    arguments = command_line(tuple(registrations)).parse_args(argv)
    if arguments.command == "token":
        print(dev_token(arguments.state_dir, arguments.role, arguments.program, arguments.participant))
        return
    try:
        settings = load_settings(ServiceSettings)
        match arguments.command, getattr(arguments, "action", None):
            case "dlq", "list":
                work = dlq_list(settings, arguments.service, arguments.limit)
            case "dlq", "inspect":
                work = dlq_inspect(settings, arguments.service, arguments.partition, arguments.offset)
            case "dlq", "replay":
                work = dlq_replay(settings, arguments.service, arguments.partition, arguments.offset)
            case "outbox", "retry":
                work = outbox_retry(settings, *_retry_target(arguments, tuple(registrations)))
            case "outbox", _:
                work = outbox(settings, [arguments.service] if arguments.service else list(registrations))
            case "lag", _:
                work = lag(settings, arguments.service)
            case "migrate", _:
                work = run_migrations(settings, registrations[arguments.service])
            case "seed-demo", _:
                work = seed_demo(settings, arguments.size, arguments.matching_url, arguments.token)
            case "erase", _:
                work = erase(settings, arguments.participant_id)
        asyncio.run(work)
    except ConfigurationError as error:
        fail(error)
    except NotParked as error:
        raise SystemExit(f"flipside: {error}") from None


def _retry_target(arguments: argparse.Namespace, every_service: tuple[str, ...]) -> tuple[list[str], list[int] | None]:
    """The services and ids `outbox retry` acts on; ids belong to one service's outbox."""
    if arguments.all == bool(arguments.ids):
        raise ConfigurationError("outbox retry takes outbox ids or --all, not both and not neither")
    if arguments.ids and not arguments.service:
        raise ConfigurationError("outbox ids are per service: name it with --service")
    services = [arguments.service] if arguments.service else list(every_service)
    return services, (arguments.ids or None)


if __name__ == "__main__":
    main()
