"""The Scheduler's process with no broker and no database: a unit of work without a connection, over an
in-memory repository with the few methods booking a kickoff uses."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from flipside_devstack.factories import office_hours, pair_created
from flipside_devstack.fake_units import fake_unit_of_work
from flipside_scheduling.domain.booking import Booked
from flipside_scheduling.domain.calendar import Attendee, Availability
from flipside_scheduling.domain.policy import ProgramSchedule, SchedulingPolicy
from flipside_scheduling.domain.series import Series
from flipside_scheduling.domain.timers import TimerPlan
from flipside_scheduling.handlers import Scheduler
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

    async def has_session(self, pair_id: UUID, occurrence: int) -> bool:
        return (pair_id, occurrence) in self.sessions

    async def save_attendee(self, attendee: Attendee) -> None:
        self.attendees[attendee.participant_id] = attendee

    async def schedule_of(self, program_id: str) -> ProgramSchedule:
        return ProgramSchedule()

    async def availability(self, attendee: Attendee, now: datetime) -> Availability:
        return Availability.of(attendee)

    async def start_series(self, pair_id: UUID, program_id: str, series: Series) -> None:
        self.series[pair_id] = series

    async def add_session(
        self,
        session_id: UUID,
        pair_id: UUID,
        program_id: str,
        occurrence: int,
        booked: Booked,
        mentor: Attendee,
        mentee: Attendee,
        timers: list[TimerPlan],
        correlation_id: UUID | None,
    ) -> None:
        self.sessions[pair_id, occurrence] = booked

    async def feed_generation(self, participant_id: UUID) -> int:
        return 0


def scheduler() -> Scheduler:
    return Scheduler(FixedClock(MONDAY_MORNING), SchedulingPolicy())


async def test_a_new_pair_gets_its_kickoff_booked_and_announced():
    repository = InMemorySchedulingRepository()
    uow = fake_unit_of_work(repository)
    pair = pair_created(matched_at=MONDAY_MORNING)

    await scheduler().pair_created(uow, pair)

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
    await scheduler().pair_created(fake_unit_of_work(repository), pair)

    again = fake_unit_of_work(repository)
    await scheduler().pair_created(again, pair)

    assert again.emitted == []
    assert list(repository.sessions) == [(pair.pair_id, 0)]


async def test_a_pair_with_no_common_hours_is_told_why_instead_of_booked():
    repository = InMemorySchedulingRepository()
    uow = fake_unit_of_work(repository)
    early = office_hours(start=6, end=7)
    pair = pair_created(
        matched_at=MONDAY_MORNING,
        mentor=PairMember(participant_id=uuid4(), time_zone="Europe/Berlin", working_hours=early),
        mentee=PairMember(participant_id=uuid4(), time_zone="Asia/Tokyo", working_hours=early),
    )

    await scheduler().pair_created(uow, pair)

    [refused] = [envelope.event for envelope in uow.emitted]
    assert isinstance(refused, SchedulingFailed)
    assert refused.pair_id == pair.pair_id and refused.reason
    assert repository.sessions == {} and repository.series == {}
