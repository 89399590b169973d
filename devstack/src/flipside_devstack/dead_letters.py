"""A dead-letter topic kept in memory, for tests of the consumer that need no broker to see what it refused and why."""

from __future__ import annotations

from aiokafka import ConsumerRecord


class RecordedDeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[ConsumerRecord, str]] = []

    async def send(self, record: ConsumerRecord, reason: str) -> None:
        self.sent.append((record, reason))

    @property
    def reasons(self) -> list[str]:
        return [reason for _, reason in self.sent]
