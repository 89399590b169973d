"""The Scheduler's process with no broker and no database: a unit of work without a connection, over an
in-memory repository with the few methods booking a kickoff uses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

from flipside_devstack.factories import office_hours, pair_created
from flipside_devstack.fake_units import fake_unit_of_work
from flipside_devstack.kafka_io import envelope
from flipside_scheduling.domain.booking import Booked
from flipside_scheduling.domain.calendar import Attendee
from flipside_scheduling.domain.policy import ProgramSchedule, SchedulingPolicy
from flipside_scheduling.domain.series import Series
from flipside_scheduling.handlers import Scheduler
from flipside_scheduling.repository import Calendar, NewSession
from flipside_shared.clock import FixedClock
from flipside_shared.events import PairMember, SchedulingFailed, SessionScheduled

MONDAY_MORNING = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


class InMemorySchedulingRepository:
    def __init__(self) -> None:
        self.attendees: dict[UUID, Attendee] = {}
        self.sessions: dict[tuple[UUID, int], Booked] = {}
        self.series: dict[UUID, Series] = {}

    async def lock_participants(self, *participant_ids: UUID) -> None:
        pass

    async def pairs_with_session(self, pair_ids: Iterable[UUID], occurrence: int) -> set[UUID]:
        return {pair_id for pair_id in pair_ids if (pair_id, occurrence) in self.sessions}

    async def schedules_of(self, program_ids: Iterable[str]) -> dict[str, ProgramSchedule]:
        return {program_id: ProgramSchedule() for program_id in program_ids}

    async def calendars(self, participant_ids: Iterable[UUID], now: datetime) -> dict[UUID, Calendar]:
        return {participant_id: Calendar() for participant_id in participant_ids}

    async def feed_generations(self, participant_ids: Iterable[UUID]) -> dict[UUID, int]:
        return dict.fromkeys(participant_ids, 0)

    async def save_attendees(self, attendees: Sequence[Attendee]) -> None:
        self.attendees |= {attendee.participant_id: attendee for attendee in attendees}

    async def start_many_series(self, started: Sequence[tuple[UUID, str, Series]]) -> None:
        self.series |= {pair_id: series for pair_id, _, series in started}

    async def add_sessions(self, sessions: Sequence[NewSession]) -> None:
        self.sessions |= {(session.pair_id, session.occurrence): session.booked for session in sessions}


def scheduler() -> Scheduler:
    return Scheduler(FixedClock(MONDAY_MORNING), SchedulingPolicy())


async def test_a_new_pair_gets_its_kickoff_booked_and_announced():
    repository = InMemorySchedulingRepository()
    pair = pair_created(matched_at=MONDAY_MORNING)
    uow = fake_unit_of_work(repository, causes=[envelope(pair)])

    await scheduler().pairs_created(uow, [pair])

    [announced] = [envelope.event for envelope in uow.emitted]
    assert isinstance(announced, SessionScheduled)
    assert (announced.pair_id, announced.kind, announced.occurrence) == (pair.pair_id, "kickoff", 0)
    assert announced.starts_at == repository.sessions[pair.pair_id, 0].starts_at
    assert announced.starts_at >= MONDAY_MORNING + SchedulingPolicy().min_notice
    assert pair.pair_id in repository.series, "the series goes on from the kickoff"
    assert set(repository.attendees) == {pair.mentor.participant_id, pair.mentee.participant_id}


async def test_a_pair_announced_twice_is_booked_once():
    repository = InMemorySchedulingRepository()
    pair = pair_created(matched_at=MONDAY_MORNING)
    await scheduler().pairs_created(fake_unit_of_work(repository, causes=[envelope(pair)]), [pair])

    again = fake_unit_of_work(repository, causes=[envelope(pair)])
    await scheduler().pairs_created(again, [pair])

    assert again.emitted == []
    assert list(repository.sessions) == [(pair.pair_id, 0)]


async def test_a_pair_with_no_common_hours_is_told_why_instead_of_booked():
    repository = InMemorySchedulingRepository()
    early = office_hours(start=6, end=7)
    pair = pair_created(
        matched_at=MONDAY_MORNING,
        mentor=PairMember(participant_id=uuid4(), time_zone="Europe/Berlin", working_hours=early),
        mentee=PairMember(participant_id=uuid4(), time_zone="Asia/Tokyo", working_hours=early),
    )
    uow = fake_unit_of_work(repository, causes=[envelope(pair)])

    await scheduler().pairs_created(uow, [pair])

    [refused] = [envelope.event for envelope in uow.emitted]
    assert isinstance(refused, SchedulingFailed)
    assert refused.pair_id == pair.pair_id and refused.reason
    assert repository.sessions == {} and repository.series == {}


async def test_pairs_sharing_a_mentor_in_one_batch_are_booked_one_after_the_other():
    repository = InMemorySchedulingRepository()
    first = pair_created(matched_at=MONDAY_MORNING)
    second = pair_created(matched_at=MONDAY_MORNING, mentor=first.mentor)
    uow = fake_unit_of_work(repository, causes=[envelope(first), envelope(second)])

    await scheduler().pairs_created(uow, [first, second])

    announced = [envelope.event for envelope in uow.emitted]
    assert [(event.pair_id, type(event)) for event in announced] == [
        (first.pair_id, SessionScheduled),
        (second.pair_id, SessionScheduled),
    ]
    one, other = repository.sessions[first.pair_id, 0], repository.sessions[second.pair_id, 0]
    assert one.ends_at <= other.starts_at, "the second pair sees the time the first took"
    assert [envelope.causation_id for envelope in uow.emitted] == [envelope.id for envelope in uow.causes.values()]
