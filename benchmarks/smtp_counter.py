"""An SMTP server in a process of its own that only counts what it receives, for the e-mail benchmark: it parses no
message and shares no interpreter lock with the senders it times, so it is not what limits them."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.sharedctypes
import time
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from flipside_devstack.ports import free_port


class _Counter:
    def __init__(self, count: Any, last_at: Any) -> None:
        self.count = count
        self.last_at = last_at
        self.arrivals: list[tuple[str, str]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.arrivals.append((str(session.peer), envelope.rcpt_tos[0]))
        self.last_at.value = time.monotonic()  # the clock is the machine's, so the parent reads it as its own
        self.count.value += 1  # this thread is its only writer
        return "250 OK"


def _serve(port: int, count: Any, last_at: Any, orders: multiprocessing.connection.Connection) -> None:
    counter = _Counter(count, last_at)
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    orders.send("ready")
    while (order := orders.recv()) != "stop":
        if order == "arrivals":
            orders.send(list(counter.arrivals))
    controller.stop()


class CountingSink:
    """Counts the messages received (read without asking the process) and tells, when asked, each one's SMTP
    session (client address and port) and envelope recipient."""

    def __init__(self) -> None:
        self.port = free_port()
        context = multiprocessing.get_context("forkserver")
        self._count = context.Value("l", 0, lock=False)
        self._last_at = context.Value("d", 0.0, lock=False)
        self._orders, theirs = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(self.port, self._count, self._last_at, theirs), daemon=True
        )

    def start(self) -> CountingSink:
        self._process.start()
        if not self._orders.poll(60) or self._orders.recv() != "ready":
            raise RuntimeError("the SMTP counter did not start")
        return self

    def stop(self) -> None:
        self._orders.send("stop")
        self._process.join(10)

    def __enter__(self) -> CountingSink:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def count(self) -> int:
        return int(self._count.value)

    def last_at(self) -> float:
        """When the last message arrived, on this process's `time.monotonic()` clock."""
        return float(self._last_at.value)

    def arrivals(self) -> list[tuple[str, str]]:
        """(session, recipient) of every message received, in order."""
        self._orders.send("arrivals")
        arrivals: list[tuple[str, str]] = self._orders.recv()
        return arrivals

    def sessions_since(self, mark: int) -> int:
        """How many SMTP sessions the messages received after the first `mark` came over."""
        return len({session for session, _ in self.arrivals()[mark:]})
