"""Notifications at the mail relay: e-mails the running service delivers per second, against a raw
aiosmtplib loop sending messages of the same shape to the same server over as many SMTP sessions, in the same run.

- **raw loop**: as many SMTP sessions as the service sends over (its `FLIPSIDE_SMTP_CONNECTIONS`), opened before
  the clock starts, each sending its share of pre-built messages back to back; timed until the server has received
  the last. The least any sender pays per message: one SMTP transaction on loopback. Measured alone (no service
  running), it is also what the server itself takes at least; once more over one session, for comparison.
- **service**: the notifications process, its rate limit lifted so the limit is not what is measured,
  first told who the recipients are (`ParticipantEnrolled`, waited for until all are recorded), then fed
  `ReminderDue` for them two by two, as scheduling publishes them per pair; timed from the first reminder
  published until the server has received the last e-mail, so every one was consumed, recorded as owed,
  claimed by the dispatcher, rendered and accepted by the relay.

One server for all steps: `smtp_counter.CountingSink` (aiosmtpd on loopback, in a process of its own, parsing
nothing), counting the messages and the SMTP sessions each step's messages came over; the one-session raw loop
says what it takes at least. The service process's peak memory is read before it stops.
Also runnable alone: `python -m benchmarks.notifications [messages]`.
"""

from __future__ import annotations

import asyncio
import sys
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
from flipside_devstack.stack import LocalStack
from flipside_notifications.settings import NotificationSettings
from flipside_shared.events import ReminderDue

from .memory import peak_rss_of
from .progress import wait_for
from .results import RESULTS, write_sections
from .smtp_counter import CountingSink
from .stacks import stack_of_its_own

MESSAGES = 2000
# The service's own number of SMTP sessions (`FLIPSIDE_SMTP_CONNECTIONS` unset); the raw loop uses as many.
SMTP_SESSIONS: int = NotificationSettings.model_fields["smtp_connections"].default
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


def received_all(sink: CountingSink, count: int) -> Callable[[], Awaitable[bool]]:
    async def predicate() -> bool:
        return sink.count() >= count

    return predicate


async def raw_messages_per_second(sink: CountingSink, count: int, sessions: int) -> tuple[float, int]:
    """Messages per second over `sessions` SMTP sessions sending their shares at once; and the sessions counted."""
    mark = sink.count()
    messages = [reminder_email(index) for index in range(count)]
    clients = [aiosmtplib.SMTP(hostname="127.0.0.1", port=sink.port) for _ in range(sessions)]
    for client in clients:
        await client.connect()

    async def send_share(client: aiosmtplib.SMTP, share: list[EmailMessage]) -> None:
        for message in share:
            await client.send_message(message)

    try:
        started = time.monotonic()
        await asyncio.gather(*(send_share(client, messages[n::sessions]) for n, client in enumerate(clients)))
        await wait_for(received_all(sink, mark + count))
        return count / (time.monotonic() - started), sink.sessions_since(mark)
    finally:
        for client in clients:
            await client.quit()


async def raw_alone_messages_per_second(count: int, sessions: int = 1) -> float:
    """The raw loop into a server of its own, for benchmarks whose own server is of another kind."""
    sink = CountingSink()
    sink.start()
    try:
        rate, _ = await raw_messages_per_second(sink, count, sessions)
        return rate
    finally:
        sink.stop()


async def delivered_messages_per_second(
    sink: CountingSink, sandbox: Sandbox, logs: Path, count: int
) -> dict[str, float]:
    """The service's e-mails per second, the SMTP sessions they came over and the process's peak memory."""
    mark = sink.count()
    env = sandbox.env(
        FLIPSIDE_SMTP_HOST="127.0.0.1",
        FLIPSIDE_SMTP_PORT=str(sink.port),
        FLIPSIDE_SMTP_MAX_PER_SECOND="100000",
        FLIPSIDE_SMTP_CONNECTIONS=str(SMTP_SESSIONS),
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
        await wait_for(received_all(sink, mark + count), timeout=300)
        return {
            "notifications_smtp_delivered_messages_per_second": count / (time.monotonic() - started),
            "notifications_smtp_delivered_sessions": sink.sessions_since(mark),
            "notifications_peak_rss_mib": peak_rss_of(service),
        }
    except TimeoutError:
        # Most likely the service, not the benchmark: say how far it got and what it logged.
        raise TimeoutError(
            f"{sink.count() - mark} of {count} e-mails received; {service.name}'s log ends:\n{service.log_tail()}"
        ) from None
    finally:
        await conn.close()
        service.stop()


async def _measure(sandbox: Sandbox, logs: Path, count: int) -> dict[str, float]:
    sink = CountingSink()
    sink.start()
    try:
        one, _ = await raw_messages_per_second(sink, count, sessions=1)
        raw, raw_sessions = await raw_messages_per_second(sink, count, sessions=SMTP_SESSIONS)
        delivered = await delivered_messages_per_second(sink, sandbox, logs, count)
    finally:
        sink.stop()
    return {
        "notifications_smtp_messages": count,
        "notifications_smtp_sessions": SMTP_SESSIONS,
        "notifications_smtp_raw_one_session_messages_per_second": one,
        "notifications_smtp_raw_messages_per_second": raw,
        "notifications_smtp_raw_sessions": raw_sessions,
        **delivered,
        "notifications_smtp_ratio": delivered["notifications_smtp_delivered_messages_per_second"] / raw,
    }


def measure(stack: LocalStack, logs: Path, count: int = MESSAGES) -> dict[str, float]:
    return asyncio.run(_measure(Sandbox.on(stack), logs, count))


def rounded(figures: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 3 if key.endswith("_ratio") else 1) for key, value in figures.items()}


def table(figures: dict[str, float]) -> str:
    raw = figures["notifications_smtp_raw_messages_per_second"]
    sessions = figures["notifications_smtp_sessions"]
    rows = [
        (f"raw aiosmtplib loop, {sessions:.0f} sessions", raw),
        (
            "raw aiosmtplib loop, 1 session (for comparison)",
            figures["notifications_smtp_raw_one_session_messages_per_second"],
        ),
        (
            f"notifications service ({figures['notifications_smtp_delivered_sessions']:.0f} sessions used, "
            f"peak RSS {figures['notifications_peak_rss_mib']:,.0f} MiB)",
            figures["notifications_smtp_delivered_messages_per_second"],
        ),
    ]
    lines = [
        f"Notifications, {figures['notifications_smtp_messages']:,.0f} e-mails to one counting SMTP server (its own process):",
        "| step | messages/s | vs raw SMTP loop |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {label} | {value:,.0f} | {value / raw:.0%} |" for label, value in rows]
    return "\n".join(lines)


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else MESSAGES
    with stack_of_its_own() as (stack, logs):
        figures = measure(stack, logs, count)
    write_sections({"notifications": rounded(figures)})
    print(table(figures))
    print(f"\nwritten to {RESULTS} (notifications)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
