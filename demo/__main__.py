"""`make demo`: a cohort of about 40 participants through all four services, on a local stack.

Starts Kafka, PostgreSQL, an SMTP server and the four services; creates the program (its
grade ladder, rules and weights); enrols half the cohort over HTTP and half over Kafka; shows a
dry run, then runs the cohort match (enrolment as an admin, runs and the audit as the program's lead,
with tokens of a development signing key the services are configured to trust); waits for pairs, kickoffs, check-ins, feedback requests and
e-mails; prints what happened and the fairness audit; stops everything it started. Scheduling runs on an accelerated clock
(six simulated hours per real second) so that kickoffs happen and check-ins come due within seconds.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import httpx

from flipside_devstack.auth import admin_headers, lead_headers
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.platform import Platform
from flipside_devstack.programs import configure_program
from flipside_devstack.smtp import SmtpSink
from flipside_devstack.stack import LocalStack
from flipside_operations.demo_cohort import LADDER, PROGRAM, cohort
from flipside_shared.events import (
    CheckInDue,
    FeedbackRequested,
    NotificationSent,
    PairCreated,
    ParticipantUnmatched,
    SchedulingFailed,
)

from .report import print_fairness, print_report

SIMULATED_SECONDS_PER_SECOND = 21_600  # six simulated hours per real second
TIMEOUT_SECONDS = 180


async def run_cohort(platform: Platform, bootstrap_servers: str, prefix: str, smtp: SmtpSink) -> None:
    people = cohort()
    # A cohort program: enrolments wait for one global match run. An hour a day in common at least,
    # so that every pair can really meet.
    configure_program(platform["matching"].url, PROGRAM, grades=LADDER, start="cohort_run", min_overlap_minutes=300)
    by_http, by_kafka = people[::2][:10] + people[1::2][:10], people[::2][10:] + people[1::2][10:]
    async with httpx.AsyncClient(base_url=platform["matching"].url, timeout=10, headers=admin_headers()) as client:
        for enrolment in by_http:
            body = {**enrolment.profile.model_dump(mode="json"), "participant_id": str(enrolment.participant_id)}
            (await client.post("/participants", json=body)).raise_for_status()
    await publish(bootstrap_servers, prefix, [envelope(enrolment) for enrolment in by_kafka])
    print(f"enrolled {len(by_http)} participants over HTTP and {len(by_kafka)} over Kafka")

    async with httpx.AsyncClient(
        base_url=platform["matching"].url, timeout=30, headers=lead_headers(PROGRAM)
    ) as client:
        proposal = await _dry_run_once_all_enrolled(client, len(people))
        stats = proposal["statistics"]
        print(
            f"dry run: {stats['pairs']} pairs proposed, {stats['unmatched']} left unmatched, "
            f"mean score {stats['mean_score']}; nothing published. Running the match..."
        )
        (await client.post(f"/programs/{PROGRAM}/runs")).raise_for_status()

        topics = [f"{prefix}{name}" for name in ("participants", "pairs", "sessions", "feedback", "notifications")]
        async with TopicReader(bootstrap_servers, topics) as reader:

            def settled(_records: object) -> bool:
                pairs = reader_count(PairCreated)
                failed = reader_count(SchedulingFailed)
                return (
                    pairs == stats["pairs"]
                    and reader_count(ParticipantUnmatched) == stats["unmatched"]
                    and reader_count(CheckInDue) + failed == pairs
                    and reader_count(FeedbackRequested) == 2 * (pairs - failed)
                    and reader_count(NotificationSent) >= reader_count(FeedbackRequested)
                    and _feedback_mails(smtp) >= reader_count(FeedbackRequested)
                )

            def reader_count(event_type: type) -> int:
                return len({e.id for e in reader.events(event_type)})

            await reader.read_until(settled, timeout=TIMEOUT_SECONDS)
            print_report(people, reader, smtp)
        print_fairness((await client.get(f"/programs/{PROGRAM}/fairness")).json())


async def _dry_run_once_all_enrolled(client: httpx.AsyncClient, expected: int) -> dict:
    """Enrolments over Kafka arrive in their own time: ask for a dry run until it sees everyone."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        response = await client.post(f"/programs/{PROGRAM}/runs", params={"dry_run": "true"})
        response.raise_for_status()
        proposal = response.json()
        if proposal["statistics"]["participants"] == expected or time.monotonic() > deadline:
            return proposal
        await asyncio.sleep(0.5)


def _feedback_mails(smtp: SmtpSink) -> int:
    return sum(1 for message in smtp.received() if "/surveys/" in message.get_body(("plain",)).get_content())


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="flipside-demo-") as workdir:
        stack = LocalStack(Path(workdir) / "stack")
        stack.start()
        smtp = SmtpSink().start()
        prefix = f"demo{uuid4().hex[:6]}."
        platform = Platform(
            stack.bootstrap_servers,
            stack.database_url,
            prefix,
            Path(workdir) / "logs",
            smtp.port,
            clock_rate=SIMULATED_SECONDS_PER_SECOND,
        )
        try:
            print(
                f"local stack up: Kafka {stack.bootstrap_servers}, PostgreSQL {stack.database_url}, SMTP 127.0.0.1:{smtp.port}"
            )
            platform.start()
            print("services up: " + ", ".join(f"{name} {service.url}" for name, service in platform.services.items()))
            asyncio.run(run_cohort(platform, stack.bootstrap_servers, prefix, smtp))
        except Exception:
            for name, service in platform.services.items():
                print(f"--- {name} log tail ---\n{service.log_tail()}", file=sys.stderr)
            raise
        finally:
            platform.stop()
            smtp.stop()
            stack.stop()
    print(f"demo finished in {time.monotonic() - started:.0f}s; everything it started is stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
