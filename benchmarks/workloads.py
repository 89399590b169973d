"""What each service is fed in the benchmark: events of the type it consumes, all valid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from flipside_devstack.factories import mentor_and_mentee, pair_created
from flipside_shared.events import CheckInDue, Event, FeedbackRequested, Stream
from flipside_shared.events.feedback import FEEDBACK
from flipside_shared.events.pairs import PAIRS
from flipside_shared.events.participants import PARTICIPANTS
from flipside_shared.events.sessions import SESSIONS


@dataclass(frozen=True)
class Workload:
    stream: Stream
    make: Callable[[int], Event]

    def events(self, count: int) -> list[Event]:
        return [self.make(index) for index in range(count)]


def _enrolment(index: int) -> Event:
    mentor, mentee = mentor_and_mentee(program_id="bench", index=index // 2)
    return mentor if index % 2 == 0 else mentee


def _cohort_enrolment(index: int) -> Event:
    """The same people, for a program that waits for its match run: what an intake stores without matching anyone."""
    mentor, mentee = mentor_and_mentee(program_id=COHORT_PROGRAM, index=index // 2)
    return mentor if index % 2 == 0 else mentee


def _check_in(_: int) -> Event:
    return CheckInDue(
        session_id=uuid4(),
        pair_id=uuid4(),
        program_id="bench",
        mentor_id=uuid4(),
        mentee_id=uuid4(),
        session_started_at=datetime.now(UTC),
    )


def _feedback_requested(_: int) -> Event:
    return FeedbackRequested(
        request_id=uuid4(),
        pair_id=uuid4(),
        session_id=uuid4(),
        participant_id=uuid4(),
        role="mentor",
        expires_at=datetime.now(UTC) + timedelta(days=14),
    )


COHORT_PROGRAM = "bench-cohort"

# Matching's intake again, for a cohort program: its set-based path (a rolling program matches each newcomer).
COHORT_ENROLMENTS = Workload(PARTICIPANTS, _cohort_enrolment)

WORKLOADS: dict[str, Workload] = {
    "matching": Workload(PARTICIPANTS, _enrolment),
    "scheduling": Workload(PAIRS, lambda _: pair_created()),
    "feedback": Workload(SESSIONS, _check_in),
    "notifications": Workload(FEEDBACK, _feedback_requested),
}
