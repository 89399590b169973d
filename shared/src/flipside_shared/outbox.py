"""Transactional outbox: events are rows written with the state they describe.

`write_outbox` runs in the caller's transaction. `OutboxRelay` is the only
publisher of a service's events. Per-key order holds with several replicas
because only one relay of a service is active at a time: the one holding a
Postgres advisory lock on its own connection. The others stand by and take over
when that connection dies. Rows are published in id order; rows of one key are
written under that aggregate's row lock, so their ids follow commit order.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer

from .envelope import Envelope, Tombstone
from .metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_SECONDS, OUTBOX_PUBLISHED, RELAY_LEADER
from .retry import Backoff, is_transient

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


class OutboxRelay:
    def __init__(
        self,
        database_url: str,
        schema: str,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        keep_sent_seconds: float = 3600.0,
    ) -> None:
        self._database_url = database_url
        self._schema = schema
        self._producer = producer
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
            while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", f"flipside-outbox-relay:{self._schema}"):
                if self._stopping:
                    return
                await asyncio.sleep(self._poll_seconds * 4)
            RELAY_LEADER.set(1)
            log.info("outbox relay leading", schema=self._schema)
            await conn.add_listener(f"{self._schema}_outbox", self._on_notify)
            while not self._stopping:
                # Cleared before the round reads, so a NOTIFY during the round is not lost: the rest after it ends at once.
                self._wake.clear()
                published = await self.publish_pending(conn)
                if published < self._batch_size:
                    await self._idle(conn)
        finally:
            RELAY_LEADER.set(0)
            await conn.close(timeout=2)

    async def publish_pending(self, conn: asyncpg.Connection) -> int:
        """Publish one batch of unsent rows in id order and mark them sent; return how many."""
        rows = await conn.fetch(
            "SELECT id, topic, key, headers::text AS headers, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1",
            self._batch_size,
        )
        if not rows:
            return 0
        deliveries = [
            await self._producer.send(
                row["topic"],
                value=row["payload"],
                key=row["key"].encode(),
                headers=[(name, value.encode()) for name, value in json.loads(row["headers"])],
            )
            for row in rows
        ]
        await asyncio.gather(*deliveries)
        # A crash here republishes these rows on restart: consumers' inboxes absorb the duplicates.
        await conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", [row["id"] for row in rows])
        OUTBOX_PUBLISHED.inc(len(rows))
        return len(rows)

    async def _idle(self, conn: asyncpg.Connection) -> None:
        backlog = await conn.fetchrow(
            "SELECT count(*) AS rows, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest"
            " FROM outbox WHERE sent_at IS NULL"
        )
        OUTBOX_BACKLOG.set(backlog["rows"])
        OUTBOX_OLDEST_SECONDS.set(float(backlog["oldest"]))
        await conn.execute(
            "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)", self._keep_sent_seconds
        )
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
        except TimeoutError:
            pass

    def _on_notify(self, *_: object) -> None:
        self._wake.set()
