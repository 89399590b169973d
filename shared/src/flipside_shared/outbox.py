"""Transactional outbox: events are rows written with the state they describe.

`write_outbox` runs in the caller's transaction. `OutboxRelay` is the only
publisher of a service's events, with a producer of its own. Per-key order holds
with several replicas because only one relay of a service is active at a time:
the one holding a Postgres advisory lock on its own connection. The others stand
by and take over when that connection dies. Rows are published in id order; rows
of one key are written under that aggregate's row lock, so their ids follow
commit order.

A row the broker will never take (larger than the producer or the topic allows,
a topic refused, illegal or gone) is parked: marked with the reason, never
retried on its own, and the relay goes on with the rows after it. Any other
failure retries the round. Later rows of the same key are published all the
same: holding them would hold every later event of that aggregate, an erasure's
included, behind one that may never leave. The parked row is then the one gap in
its key's order, counted in `flipside_outbox_parked` and listed by
`flipside outbox`; `flipside outbox retry` puts it back at its place in id order,
so it arrives after the rows that went on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Sequence

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata

from .envelope import Envelope, Tombstone
from .metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_SECONDS,
    OUTBOX_PARKED,
    OUTBOX_PARKINGS,
    OUTBOX_PUBLISHED,
    RELAY_LEADER,
)
from .retry import TOPIC_REFUSALS, Backoff, is_refusal, is_transient

log = structlog.get_logger(__name__)


async def write_outbox(conn: asyncpg.Connection, envelopes: Sequence[Envelope | Tombstone], topic_prefix: str) -> None:
    if not envelopes:
        return
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, headers, payload)"
        " SELECT event_id, topic, key, headers::jsonb, payload"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[])"
        " AS batch (event_id, topic, key, headers, payload)",
        [e.id for e in envelopes],
        [e.topic(topic_prefix) for e in envelopes],
        [e.subject for e in envelopes],
        [json.dumps([[name, value.decode()] for name, value in e.headers()]) for e in envelopes],
        [e.body() for e in envelopes],
    )


async def parked_rows(conn: asyncpg.Connection, schema: str) -> list[asyncpg.Record]:
    """The schema's parked rows, oldest first, with what an operator needs and no payload."""
    return await conn.fetch(
        "SELECT id, event_id, topic, key, octet_length(payload) AS size, parked_at, park_reason,"
        " (SELECT header->>1 FROM jsonb_array_elements(headers) AS header WHERE header->>0 = 'ce_type') AS event_type"
        f' FROM "{schema}".outbox WHERE parked_at IS NOT NULL ORDER BY id'
    )


async def requeue_parked(conn: asyncpg.Connection, schema: str, ids: Sequence[int] | None) -> list[int]:
    """Clear the park of `ids` (every parked row if None); return the ids re-queued.

    They keep their ids, so the relay takes them before any row written after them.
    """
    requeued = await conn.fetch(
        f'UPDATE "{schema}".outbox SET parked_at = NULL, park_reason = NULL'
        " WHERE parked_at IS NOT NULL AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[])) RETURNING id",
        ids,
    )
    await conn.execute("SELECT pg_notify($1, '')", f"{schema}_outbox")
    return sorted(row["id"] for row in requeued)


class OutboxRelay:
    def __init__(
        self,
        database_url: str,
        schema: str,
        new_producer: Callable[[], AIOKafkaProducer],
        *,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        keep_sent_seconds: float = 3600.0,
    ) -> None:
        self._database_url = database_url
        self._schema = schema
        self._new_producer = new_producer
        self._producer: AIOKafkaProducer | None = None
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._keep_sent_seconds = keep_sent_seconds
        self._wake = asyncio.Event()
        self._stopping = False

    def stop(self) -> None:
        """Make `run` return once the round under way, if any, has published and marked its rows."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Relay until stopped: stand by until leader, then publish; reconnect on failures."""
        backoff = Backoff()
        while not self._stopping:
            try:
                await self._lead_when_possible()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not is_transient(error):
                    log.exception("outbox relay failed", schema=self._schema)
                await backoff.sleep(error)

    async def _lead_when_possible(self) -> None:
        conn = await asyncpg.connect(self._database_url, server_settings={"search_path": self._schema})
        try:
            while not await conn.fetchval(
                "SELECT pg_try_advisory_lock(hashtext($1))", f"flipside-outbox-relay:{self._schema}"
            ):
                if self._stopping:
                    return
                await asyncio.sleep(self._poll_seconds * 4)
            RELAY_LEADER.set(1)
            log.info("outbox relay leading", schema=self._schema)
            await self._renew_producer()
            await conn.add_listener(f"{self._schema}_outbox", self._on_notify)
            while not self._stopping:
                # Cleared before the round reads, so a NOTIFY during the round is not lost: the rest after it ends at once.
                self._wake.clear()
                published = await self.publish_pending(conn)
                if published < self._batch_size:
                    await self._idle(conn)
        finally:
            RELAY_LEADER.set(0)
            await self._stop_producer()
            await conn.close(timeout=2)

    async def publish_pending(self, conn: asyncpg.Connection) -> int:
        """Publish one batch of waiting rows in id order, mark them sent or parked; return how many.

        A failure that is not a refusal of its record (broker unreachable, timeouts) ends the round
        with nothing marked, so the whole batch is tried again after a backoff.
        """
        rows = await conn.fetch(
            "SELECT id, event_id, topic, key, headers::text AS headers, payload FROM outbox"
            " WHERE sent_at IS NULL AND parked_at IS NULL ORDER BY id LIMIT $1",
            self._batch_size,
        )
        if not rows:
            return 0
        refused = await self._publish(rows)
        # A crash here republishes these rows on restart: consumers' inboxes absorb the duplicates.
        # One statement marks each row sent, or parked with its reason: one round trip, all or nothing.
        await conn.execute(
            "UPDATE outbox SET sent_at = CASE WHEN marked.reason IS NULL THEN now() END,"
            " parked_at = CASE WHEN marked.reason IS NOT NULL THEN now() END, park_reason = marked.reason"
            " FROM unnest($1::bigint[], $2::text[]) AS marked (id, reason) WHERE outbox.id = marked.id",
            [row["id"] for row in rows],
            [refused.get(row["id"]) for row in rows],
        )
        for row in rows:
            if row["id"] in refused:
                log.error(
                    "outbox row parked: the broker will not take it",
                    schema=self._schema,
                    outbox_id=row["id"],
                    event_id=str(row["event_id"]),
                    topic=row["topic"],
                    key=row["key"],
                    reason=refused[row["id"]],
                )
        OUTBOX_PUBLISHED.inc(len(rows) - len(refused))
        OUTBOX_PARKINGS.inc(len(refused))
        return len(rows)

    async def _publish(self, rows: Sequence[asyncpg.Record]) -> dict[int, str]:
        """Send `rows` and wait for the broker; return why, by row id, it refused some for good."""
        refused: dict[int, str] = {}
        # A topic refused once is not asked again this round: each ask can wait out the metadata timeout.
        refused_topics: dict[str, str] = {}
        deliveries: list[tuple[asyncpg.Record, asyncio.Future[RecordMetadata]]] = []
        for row in rows:
            if row["topic"] in refused_topics:
                refused[row["id"]] = refused_topics[row["topic"]]
                continue
            try:
                deliveries.append((row, await self._send(row)))
            except Exception as error:
                if not is_refusal(error):
                    raise
                refused[row["id"]] = _reason(error)
                if isinstance(error, TOPIC_REFUSALS):
                    refused_topics[row["topic"]] = refused[row["id"]]
        outcomes = await asyncio.gather(*(delivery for _, delivery in deliveries), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not is_refusal(outcome):
                raise outcome
        # The broker refuses a whole producer batch for one record in it: each record of a refused
        # batch is sent again alone, in id order, so only the one at fault is parked. They come after
        # the batches that followed theirs this round: the price of a topic's limit below the producer's.
        refused_batches = [
            row for (row, _), outcome in zip(deliveries, outcomes, strict=True) if isinstance(outcome, BaseException)
        ]
        if refused_batches:
            await self._renew_producer()
        for row in refused_batches:
            try:
                await (await self._send(row))
            except Exception as error:
                if not is_refusal(error):
                    raise
                refused[row["id"]] = _reason(error)
                await self._renew_producer()
        return refused

    async def _renew_producer(self) -> None:
        """Start a new producer in place of the current one, if any.

        A refused batch leaves a gap in the idempotent producer's sequence numbers of its partition,
        and the broker refuses whatever that producer sends there after it (OutOfOrderSequenceNumber);
        a new producer starts its sequences afresh.
        """
        await self._stop_producer()
        self._producer = self._new_producer()
        await self._producer.start()

    async def _stop_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def _send(self, row: asyncpg.Record) -> asyncio.Future[RecordMetadata]:
        if self._producer is None:
            raise RuntimeError("the relay sends only while its producer runs")
        delivery: asyncio.Future[RecordMetadata] = await self._producer.send(
            row["topic"],
            value=row["payload"],
            key=row["key"].encode(),
            headers=[(name, value.encode()) for name, value in json.loads(row["headers"])],
        )
        return delivery

    async def _idle(self, conn: asyncpg.Connection) -> None:
        # Parked rows are counted apart: they wait for an operator, not for the relay.
        [backlog] = await conn.fetch(
            "SELECT count(*) FILTER (WHERE parked_at IS NULL) AS waiting, count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,"
            " coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE parked_at IS NULL)), 0) AS oldest"
            " FROM outbox WHERE sent_at IS NULL"
        )
        OUTBOX_BACKLOG.set(backlog["waiting"])
        OUTBOX_OLDEST_SECONDS.set(float(backlog["oldest"]))
        OUTBOX_PARKED.set(backlog["parked"])
        # A parked row has no sent_at (a constraint of the table), so this never deletes one.
        await conn.execute(
            "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)", self._keep_sent_seconds
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()


def _reason(refusal: BaseException) -> str:
    """What the broker or producer said, kept short: the error names its kind and, when known, the size."""
    return str(refusal)[:500]
