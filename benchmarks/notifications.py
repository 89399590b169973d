"""Notifications at the mail relay: e-mails the running service delivers per second, against a raw
aiosmtplib loop sending messages of the same shape to the same kind of server, in the same run.

- **raw loop**: one SMTP connection, opened before the clock starts, sending pre-built messages back to
  back; timed until the server has received the last. The least any sender pays per message: one SMTP
  transaction on loopback.
- **service**: the notifications process, its rate limit lifted so the limit is not what is measured,
  first told who the recipients are (`ParticipantEnrolled`, waited for until all are recorded), then fed
  `ReminderDue` for them two by two, as scheduling publishes them per pair; timed from the first reminder
  published until the server has received the last e-mail, so every one was consumed, recorded as owed,
  claimed by the dispatcher, rendered and accepted by the relay.

Both servers are `SmtpSink`s (aiosmtpd on loopback, on a thread of this process), a fresh one per step.
Also runnable alone: `python -m benchmarks.notifications [messages]`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from uuid import uuid4

import aiosmtplib
import asyncpg

from flipside_devstack.factories import enrolled
from flipside_devstack.fixtures import Sandbox
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.smtp import SmtpSink
from flipside_devstack.stack import LocalStack
from flipside_shared.events import ReminderDue

from .progress import wait_for

MESSAGES = 2000
SENDER = "flipside@example.com"


def reminder_email(index: int) -> EmailMessage:
    """A message shaped as the service's reminder: its headers, a text part and an HTML alternative."""
    starts = "Tuesday 2026-12-01, 14:00 (Europe/Berlin)"
    message = EmailMessage()
    message["From"] = formataddr(("Flipside", SENDER))
    message["To"] = f"participant{index}@example.com"
    message["Subject"] = f"Reminder: mentoring session {starts}"
    message["Message-ID"] = f"<{uuid4()}@flipside>"
    unsubscribe = "http://127.0.0.1:8004/unsubscribe/Hc2PGtVNSvKbvB9Ty5ZeBHJlbWluZGVycw.4yF0Q2Bm7GbJ9xv1rT3m4pQw8cK2eN5sU6hA7dL0oZ"
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(
        f"Hello Participant {index},\n\na reminder that your mentoring session starts {starts}.\n\n--\n"
        f"Flipside reverse mentoring. No more reminders: {unsubscribe}"
    )
    message.add_alternative(
        f"<p>Hello Participant {index},</p>\n<p>a reminder that your mentoring session starts <strong>{starts}</strong>.</p>",
        subtype="html",
    )
    return message


def received_all(sink: SmtpSink, count: int) -> Callable[[], Awaitable[bool]]:
    async def predicate() -> bool:
        return len(sink.received()) >= count

    return predicate


async def raw_messages_per_second(count: int) -> float:
    sink = SmtpSink().start()
    messages = [reminder_email(index) for index in range(count)]
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=sink.port)
    await client.connect()
    try:
        started = time.monotonic()
        for message in messages:
            await client.send_message(message)
        await wait_for(received_all(sink, count))
        return count / (time.monotonic() - started)
    finally:
        await client.quit()
        sink.stop()


async def delivered_messages_per_second(sandbox: Sandbox, logs: Path, count: int) -> float:
    sink = SmtpSink().start()
    env = sandbox.env(
        FLIPSIDE_SMTP_HOST="127.0.0.1",
        FLIPSIDE_SMTP_PORT=str(sink.port),
        FLIPSIDE_SMTP_MAX_PER_SECOND="100000",
        FLIPSIDE_NOTIFICATIONS_POLL_SECONDS="0.05",
    )
    service = ServiceProcess("notifications", env, logs).start()
    conn = await asyncpg.connect(sandbox.database_url)

    async def recipients_recorded() -> bool:
        return await conn.fetchval("SELECT count(*) FROM notifications.recipients") >= count

    try:
        run = uuid4().hex[:6]
        people = [
            enrolled(program_id="bench", display_name=f"Participant {n}", email=f"participant{n}.{run}@example.com")
            for n in range(count)
        ]
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(person) for person in people])
        await wait_for(recipients_recorded, timeout=120)
        starts_at = datetime.now(UTC) + timedelta(hours=1)
        reminders = [
            envelope(
                ReminderDue(
                    session_id=uuid4(),
                    pair_id=uuid4(),
                    participant_ids=[p.participant_id for p in people[n : n + 2]],
                    starts_at=starts_at,
                    minutes_before=60,
                )
            )
            for n in range(0, count, 2)
        ]
        started = time.monotonic()
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, reminders)
        await wait_for(received_all(sink, count), timeout=300)
        return count / (time.monotonic() - started)
    except TimeoutError:
        # Most likely the service, not the benchmark: say how far it got and what it logged.
        raise TimeoutError(
            f"{len(sink.received())} of {count} e-mails received; {service.name}'s log ends:\n{service.log_tail()}"
        ) from None
    finally:
        await conn.close()
        service.stop()
        sink.stop()


async def _measure(sandbox: Sandbox, logs: Path, count: int) -> dict[str, float]:
    raw = await raw_messages_per_second(count)
    delivered = await delivered_messages_per_second(sandbox, logs, count)
    return {
        "notifications_smtp_messages": count,
        "notifications_smtp_raw_messages_per_second": raw,
        "notifications_smtp_delivered_messages_per_second": delivered,
        "notifications_smtp_ratio": delivered / raw,
    }


def measure(stack: LocalStack, logs: Path, count: int = MESSAGES) -> dict[str, float]:
    return asyncio.run(_measure(Sandbox.on(stack), logs, count))


def table(figures: dict[str, float]) -> str:
    raw = figures["notifications_smtp_raw_messages_per_second"]
    rows = [
        ("raw aiosmtplib loop, one connection", raw),
        ("notifications service", figures["notifications_smtp_delivered_messages_per_second"]),
    ]
    lines = [
        f"Notifications, {figures['notifications_smtp_messages']:,.0f} e-mails to a local SMTP server:",
        "| step | messages/s | vs raw SMTP loop |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {label} | {value:,.0f} | {value / raw:.0%} |" for label, value in rows]
    return "\n".join(lines)


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else MESSAGES
    with tempfile.TemporaryDirectory(prefix="flipside-bench-") as workdir:
        stack = LocalStack(Path(workdir) / "stack").start()
        try:
            figures = measure(stack, Path(workdir) / "logs", count)
        finally:
            stack.stop()
    print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
