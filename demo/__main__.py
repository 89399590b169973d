"""`make demo`: a cohort of about 40 participants through all four services, on a local stack.

Starts Kafka, PostgreSQL, an SMTP server and the four services; creates the program (its
grade ladder, rules and weights); enrols half the cohort over HTTP and half over Kafka; shows a
dry run, then runs the cohort match (enrolment as an admin, runs and the audit as the program's lead,
with tokens of a development signing key the services are configured to trust); waits for pairs, kickoffs, check-ins, feedback requests and
e-mails; prints what happened and the fairness audit. Then it names a few of the cohort (two pairs), the program's lead
and an admin, whom the development OpenID issuer lets anyone sign in to the portal as, prints the portal's address
and keeps everything running until Ctrl-C; `python -m demo --no-stay` (or FLIPSIDE_DEMO_STAY=0) stops everything it
started right after the report. Scheduling runs on an accelerated clock (six simulated hours per real second) so that
kickoffs happen and check-ins come due within seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import httpx

from flipside_devstack.auth import admin_headers, lead_headers
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.people import local_stack_people, write_people
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
    ParticipantEnrolled,
    ParticipantUnmatched,
    SchedulingFailed,
)

from .report import print_fairness, print_report, unique
from .sign_in import demo_people, print_sign_in

SIMULATED_SECONDS_PER_SECOND = 21_600  # six simulated hours per real second
TIMEOUT_SECONDS = 180


async def run_cohort(
    platform: Platform, bootstrap_servers: str, prefix: str, smtp: SmtpSink
) -> tuple[list[ParticipantEnrolled], list[PairCreated]]:
    """The cohort through the services, and the pairs it made."""
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
            pairs = unique(reader.events(PairCreated))
        print_fairness((await client.get(f"/programs/{PROGRAM}/fairness")).json())
    return people, pairs


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


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--no-stay",
        action="store_true",
        help="stop right after the report (also FLIPSIDE_DEMO_STAY=0): for tests and CI",
    )
    stay = not parser.parse_args(arguments).no_stay and os.environ.get("FLIPSIDE_DEMO_STAY", "1") != "0"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="flipside-demo-") as workdir:
        people_file = write_people(Path(workdir) / "people.json", local_stack_people(PROGRAM))
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
            people=people_file,
        )
        try:
            print(
                f"local stack up: Kafka {stack.bootstrap_servers}, PostgreSQL {stack.database_url}, SMTP 127.0.0.1:{smtp.port}"
            )
            platform.start()
            print("services up: " + ", ".join(f"{name} {service.url}" for name, service in platform.services.items()))
            people, pairs = asyncio.run(run_cohort(platform, stack.bootstrap_servers, prefix, smtp))
            if stay:
                # The issuer reads its people file again when it changes: the demo's people can sign in from now on.
                sign_in_as = demo_people(PROGRAM, people, pairs)
                write_people(people_file, sign_in_as)
                print_sign_in(platform, sign_in_as)
                _wait_for_interrupt()
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


def _wait_for_interrupt() -> None:
    """Until Ctrl-C, or SIGTERM, which must stop the processes it started too rather than leave them behind."""
    print("Everything keeps running until you press Ctrl-C.")
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        signal.pause()
    except KeyboardInterrupt:
        print("\nstopping...")


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
