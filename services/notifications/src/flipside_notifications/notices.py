"""Notifications' use-cases: learn from each event about people, programs and pairs, then owe the messages it
calls for, in the consumer's one transaction; and tell a program's leads who a match run left unmatched."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TypeAlias
from uuid import UUID

from flipside_shared.envelope import Envelope
from flipside_shared.events import (
    CheckInDue,
    Event,
    FeedbackRequested,
    FeedbackRequestedV1,
    GoalAchieved,
    GoalProgressed,
    GoalSet,
    MatchRunRequested,
    PairAccepted,
    PairAtRisk,
    PairCompleted,
    PairCreated,
    PairDeclined,
    PairDissolved,
    PairHealthChanged,
    PairProposed,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantUnmatched,
    ParticipantUpdated,
    ParticipantWithdrawn,
    ProgramCancelled,
    ProgramCompleted,
    ProgramDefined,
    ProgramEnrolmentClosed,
    ProgramOpened,
    ProgramStarted,
    RecognitionAwarded,
    ReminderDue,
    SchedulingFailed,
    SessionCancelled,
    SessionCancelledV1,
    SessionRescheduled,
    SessionRescheduledV1,
    SessionScheduled,
    SessionScheduledV1,
)
from flipside_shared.unit_of_work import UnitOfWork

from .conversation_guides import areas_of, learn_areas, with_conversation_guides
from .domain.messages import (
    Known,
    MessageDue,
    PersonalLinks,
    activity_of,
    messages_for,
    unmatched_summary,
    weekly_digest,
)
from .domain.programs import PairMembers, reasons_tally, week_of
from .repository import NotificationsRepository

NotificationsUnit: TypeAlias = UnitOfWork[NotificationsRepository]
"""A unit of work on notifications' schema: what the handler and the dispatcher's rounds run in."""


async def owe_messages(
    repository: NotificationsRepository,
    event_id: UUID,
    correlation_id: UUID | None,
    messages: list[MessageDue],
) -> None:
    """One delivery per message and channel its recipient has chosen (e-mail until they choose)."""
    await owe_messages_of(repository, [(event_id, correlation_id, messages)])


async def owe_messages_of(
    repository: NotificationsRepository, owed: list[tuple[UUID, UUID | None, list[MessageDue]]]
) -> None:
    """`owe_messages` for each (event id, correlation id, messages), in one query for channels and one statement."""
    chosen = await repository.channels_of(sorted({m.recipient_id for _, _, messages in owed for m in messages}))
    await repository.add_deliveries(
        [
            (event_id, correlation_id, m, channel)
            for event_id, correlation_id, messages in owed
            for m in messages
            for channel in chosen.get(m.recipient_id, ["email"])
        ]
    )


TAKEN_IN_RUNS: tuple[type[Event], ...] = (
    PairCreated,
    SessionScheduled,
    FeedbackRequested,
    CheckInDue,
    FeedbackRequestedV1,
    GoalAchieved,
    GoalProgressed,
    GoalSet,
    MatchRunRequested,
    PairAccepted,
    PairCompleted,
    PairHealthChanged,
    RecognitionAwarded,
    ReminderDue,
    SessionCancelled,
    SessionCancelledV1,
    SessionRescheduled,
    SessionRescheduledV1,
)
"""The events `take_many` takes a run at a time: those that owe deliveries in the bulk of a run (pairs, sessions,
feedback requests), and those notifications keeps nothing of, which owe at most their messages and webhook copies.
Every other event teaches something its own messages or the next event's need (`_learn`): taken one at a time."""


def _cause(uow: NotificationsUnit, event: Event) -> Envelope:
    """The consumed event that carries `event`: what is owed is keyed by its id and chain."""
    try:
        cause = uow.caused_by(event).cause
    except ValueError:
        cause = None  # handed to a unit of no consumed event at all
    if cause is None:
        raise ValueError(f"{event.ce_type} reached notifications without the consumed event that carries it")
    return cause


class Notices:
    def __init__(self, links: PersonalLinks) -> None:
        self._links = links

    async def take(self, uow: NotificationsUnit, event: Event) -> None:
        """Learn what the event tells, owe the messages it calls for and the copies webhook subscribers want."""
        cause = _cause(uow, event)
        repository = uow.repository
        known = await self._learn(repository, event)
        await learn_areas(repository, event)
        await self._owe(repository, [(cause, event, known)])

    async def take_many(self, uow: NotificationsUnit, events: Sequence[Event]) -> None:
        """`take` for a run of the events `TAKEN_IN_RUNS` names: what they tell is stored, and what they owe, with a
        statement per table for them all."""
        causes = [_cause(uow, e) for e in events]
        repository = uow.repository
        await repository.remember_pairs(
            [
                (e.pair_id, e.program_id, PairMembers(e.mentor.participant_id, e.mentee.participant_id))
                for e in events
                if isinstance(e, PairCreated)
            ]
        )
        scheduled = sorted({e.program_id for e in events if isinstance(e, SessionScheduled)})
        programs = await repository.programs_of(scheduled) if scheduled else {}
        await self._owe(
            repository,
            [
                (
                    cause,
                    e,
                    Known(program=programs.get(e.program_id)) if isinstance(e, SessionScheduled) else Known(),
                )
                for cause, e in zip(causes, events, strict=True)
            ],
        )

    async def enrol_many(self, uow: NotificationsUnit, events: Sequence[ParticipantEnrolled]) -> None:
        """`take` for a run of enrolments, a statement per table for them all: each person is welcomed once, by the
        first of their enrolments in the run, when they are new here, as one at a time would."""
        causes = [_cause(uow, e) for e in events]
        repository = uow.repository
        new = await repository.save_recipients([(e.participant_id, e.profile) for e in events])
        await repository.conversations.remember_areas_of([(e.participant_id, areas_of(e.profile)) for e in events])
        programs = await repository.programs_of(sorted({e.profile.program_id for e in events}))
        welcomed: set[UUID] = set()
        taken: list[tuple[Envelope, Event, Known]] = []
        for cause, event in zip(causes, events, strict=True):
            newly = event.participant_id in new and event.participant_id not in welcomed
            welcomed.add(event.participant_id)
            taken.append((cause, event, Known(program=programs.get(event.profile.program_id), newly_enrolled=newly)))
        await self._owe(repository, taken)

    async def _owe(self, repository: NotificationsRepository, taken: list[tuple[Envelope, Event, Known]]) -> None:
        """Count each event in its program's week, owe its messages and its webhook copies; each keyed by the
        consumed event's id and chain."""
        activities: Counter[tuple[str, str, date]] = Counter()
        for cause, event, known in taken:
            if (activity := activity_of(event, known)) is not None:
                activities[(*activity, week_of(cause.time))] += 1
        guided = await with_conversation_guides(
            repository, [(event, messages_for(event, self._links, known)) for _, event, known in taken]
        )
        owed = [
            (cause.id, cause.correlation_id, messages)
            for (cause, _, _), messages in zip(taken, guided, strict=True)
            if messages
        ]
        await repository.count_activities(dict(activities))
        if owed:
            await owe_messages_of(repository, owed)
        # Most events have no subscriber: asking first spares writing out and sending a copy of each for nobody.
        subscribed = await repository.subscribed_types(sorted({cause.type for cause, _, _ in taken}))
        copied = [
            (cause.id, cause.correlation_id, cause.type, cause.structured())
            for cause, _, _ in taken
            if cause.type in subscribed
        ]
        if copied:
            await repository.owe_webhooks_of(copied)

    async def summarise_quiet_runs(self, uow: NotificationsUnit, now: datetime, quiet: timedelta, limit: int) -> int:
        """Each match run nobody was added to for `quiet` owes its program's leads one summary of its unmatched,
        keyed by the run's id (so it is owed once, whichever replica takes the run); how many runs were taken."""
        runs = await uow.repository.take_quiet_runs(now - quiet, limit)
        for run_id, program_id, reasons in runs:
            program = await uow.repository.program(program_id)
            if program is not None:
                summary = unmatched_summary(program, run_id, len(reasons), reasons_tally(reasons))
                await owe_messages(uow.repository, run_id, None, summary)
        return len(runs)

    async def digest_ended_weeks(self, uow: NotificationsUnit, now: datetime, quiet: timedelta, limit: int) -> int:
        """Each program's week that has ended, once nothing was counted in it for `quiet` (events published late
        in the week may still be on their way), owes its leads one digest of what happened in it, keyed by the
        program and week (so it is owed once); a week in which nothing happened owes none. How many were taken."""
        weeks = await uow.repository.take_ended_weeks(week_of(now), now - quiet, limit)
        for program_id, week, counts in weeks:
            program = await uow.repository.program(program_id)
            if program is not None:
                digest, messages = weekly_digest(program, week, counts)
                await owe_messages(uow.repository, digest, None, messages)
        return len(weeks)

    async def _learn(self, repository: NotificationsRepository, event: Event) -> Known:
        """Store what the event tells about people, programs and pairs; return what its messages need to know."""
        match event:
            case ParticipantUpdated():
                await repository.update_recipient(event.participant_id, event.profile)
            case ParticipantWithdrawn():
                await repository.withdraw(event.participant_id, event.program_id)
            case ParticipantErased():
                await repository.forget(event.participant_id)
            case ParticipantUnmatched():
                await repository.note_unmatched(event.run_id, event.participant_id, event.program_id, event.reasons)
            case ProgramCompleted() | ProgramCancelled():
                await repository.save_program(event.program_id, event.status, event.program, event.occurred_at)
                return Known(program=await repository.program(event.program_id, with_members=True))
            case ProgramDefined() | ProgramOpened() | ProgramEnrolmentClosed() | ProgramStarted():
                await repository.save_program(event.program_id, event.status, event.program, event.occurred_at)
            case PairProposed():
                await repository.remember_pair(
                    event.pair_id, event.program_id, PairMembers(event.mentor_id, event.mentee_id, event.proposed_by)
                )
            case PairCreated():
                await repository.remember_pair(
                    event.pair_id,
                    event.program_id,
                    PairMembers(event.mentor.participant_id, event.mentee.participant_id),
                )
            case PairDeclined():
                return Known(pair=await repository.pair_members(event.pair_id))
            case PairDissolved():
                pair = await repository.pair_members(event.pair_id)
                members = [pair.mentor_id, pair.mentee_id] if pair else []
                return Known(pair=pair, enrolled=await repository.enrolled_among(members))
            case PairAtRisk() | SchedulingFailed() | SessionScheduled() | SessionScheduledV1():
                return Known(program=await repository.program(event.program_id))
        return Known()
