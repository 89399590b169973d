"""The broker and database every integration test, the demo and `make up` run against.

A real Kafka broker and a real PostgreSQL, started here on loopback, unless
`KAFKA_BOOTSTRAP_SERVERS` / `FLIPSIDE_DATABASE_URL` (or `DATABASE_URL`) name ones
that already run: then those are used and nothing is started.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TypeVar

from .kafka import LocalKafka
from .postgres import LocalPostgres

Server = TypeVar("Server")


class LocalStack:
    def __init__(self, base_dir: Path | None = None) -> None:
        self.base_dir = base_dir or Path(tempfile.mkdtemp(prefix="flipside-stack-"))
        external_kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("FLIPSIDE_KAFKA_BOOTSTRAP_SERVERS")
        external_db = os.environ.get("FLIPSIDE_DATABASE_URL") or os.environ.get("DATABASE_URL")
        self.kafka = None if external_kafka else LocalKafka(self.base_dir / "kafka")
        self.postgres = None if external_db else LocalPostgres()
        self.bootstrap_servers = external_kafka or _started(self.kafka).bootstrap_servers
        self.database_url = external_db or _started(self.postgres).url

    def start(self) -> LocalStack:
        if self.postgres:
            self.postgres.start()
        if self.kafka:
            self.kafka.start()
        return self

    def stop(self) -> None:
        """Stop what this stack started and delete its files."""
        if self.kafka:
            self.kafka.stop()
        if self.postgres:
            self.postgres.remove()
        shutil.rmtree(self.base_dir, ignore_errors=True)


def _started(server: Server | None) -> Server:
    # None only where an external server was named, which the caller asked first.
    assert server is not None
    return server
