"""Scheduling's HTTP edge: a program's rhythm, moving and cancelling sessions, absences, a pair's
sessions, and a participant's token-protected calendar feed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi import Path as PathParameter
from icalendar import Calendar
from icalendar import Event as CalendarEntry
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from flipside_shared.auth.rules import (
    PairPeople,
    acting_as,
    authenticated,
    path_uuid,
    require_lead,
    require_pair_member,
    require_self,
)
from flipside_shared.auth.tokens import Principal
from flipside_shared.dependencies import units as units_of
from flipside_shared.events import Event
from flipside_shared.rate_limit import limit_per_person
from flipside_shared.signed_tokens import InvalidToken

from .dependencies import SchedulerDependency, Settings, Units
from .domain.calendar import Absence
from .domain.feeds import FeedKey, feed_key
from .domain.policy import ProgramSchedule
from .handlers import Refused, SchedulingUnit, UnknownSession

router = APIRouter()

ProgramId = PathParameter(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="As enrolment names it.")


async def _people_of_session(request: Request) -> PairPeople | None:
    async with units_of(request).reading() as repository:
        session = await repository.session(path_uuid(request, "session_id"))
    return None if session is None else PairPeople((session.mentor_id, session.mentee_id))


async def _people_of_pair(request: Request) -> PairPeople | None:
    async with units_of(request).reading() as repository:
        members = await repository.attendees_of_pair(path_uuid(request, "pair_id"))
    return PairPeople(members) if members else None


MemberOfSession = Annotated[Principal, Depends(require_pair_member(_people_of_session))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RescheduleRequest(Strict):
    starts_at: AwareDatetime | None = Field(
        default=None,
        description="The new start, with its offset; none: the earliest other slot both can meet.",
    )
    requested_by: UUID | None = None


class CancellationRequest(Strict):
    requested_by: UUID | None = None


class AbsenceDays(Strict):
    first_day: date
    last_day: date

    @model_validator(mode="after")
    def _in_order(self) -> AbsenceDays:
        if self.last_day < self.first_day:
            raise ValueError(f"last_day {self.last_day} is before first_day {self.first_day}")
        return self


class Absences(Strict):
    absences: list[AbsenceDays] = Field(
        max_length=100, description="Days away in the participant's own calendar, inclusive."
    )

    @model_validator(mode="after")
    def _distinct_starts(self) -> Absences:
        starts = [a.first_day for a in self.absences]
        if len(starts) != len(set(starts)):
            raise ValueError("two absences start on the same day: merge them")
        return self


@router.put("/programs/{program_id}/schedule", dependencies=[Depends(require_lead())])
async def configure_schedule(schedule: ProgramSchedule, units: Units, program_id: str = ProgramId) -> ProgramSchedule:
    """Set how often a program's pairs meet and for how long; it applies to pairs whose kickoff is booked afterwards."""
    async with units.begin() as uow:
        await uow.repository.save_schedule(program_id, schedule)
    return schedule


@router.get("/programs/{program_id}/schedule", dependencies=[Depends(authenticated)])
async def program_schedule(units: Units, program_id: str = ProgramId) -> ProgramSchedule:
    async with units.reading() as repository:
        return await repository.schedule_of(program_id)


@router.post("/sessions/{session_id}/reschedule", dependencies=[Depends(limit_per_person("session moves"))])
async def reschedule(
    session_id: UUID,
    body: RescheduleRequest,
    units: Units,
    scheduler: SchedulerDependency,
    principal: MemberOfSession,
) -> dict[str, Any]:
    """Move a session (the same session and calendar entry). 409 with the reason when it cannot move there."""
    requested_by = _requester(principal, body.requested_by)
    return await _command(units, lambda uow: scheduler.reschedule(uow, session_id, body.starts_at, requested_by))


@router.post("/sessions/{session_id}/cancel")
async def cancel(
    session_id: UUID,
    body: CancellationRequest,
    units: Units,
    scheduler: SchedulerDependency,
    principal: MemberOfSession,
) -> dict[str, Any]:
    """Cancel one session; the pair's series goes on with the next one."""
    requested_by = _requester(principal, body.requested_by)
    return await _command(units, lambda uow: scheduler.cancel(uow, session_id, requested_by))


def _requester(principal: Principal, requested_by: UUID | None) -> UUID | None:
    """Who asked: the one the body names, who must be the caller, or else the calling participant."""
    if requested_by is None:
        return principal.participant_id
    acting_as(principal, requested_by)
    return requested_by


@router.put(
    "/participants/{participant_id}/absences",
    dependencies=[Depends(require_self()), Depends(limit_per_person("absence changes"))],
)
async def set_absences(
    participant_id: UUID, body: Absences, units: Units, scheduler: SchedulerDependency
) -> dict[str, Any]:
    """Replace someone's days away; sessions on them move to the earliest other slot (or are cancelled when none is left)."""
    absences = [Absence(a.first_day, a.last_day) for a in body.absences]
    async with units.begin() as uow:
        changes = await scheduler.set_absences(uow, participant_id, absences)
    return {
        "absences": [a.model_dump(mode="json") for a in body.absences],
        "sessions_changed": [change.model_dump(mode="json") for change in changes],
    }


@router.get("/participants/{participant_id}/absences", dependencies=[Depends(require_self())])
async def absences(participant_id: UUID, units: Units) -> dict[str, Any]:
    async with units.reading() as repository:
        found = await repository.absences(participant_id)
    return {"absences": [{"first_day": a.first_day.isoformat(), "last_day": a.last_day.isoformat()} for a in found]}


@router.get("/pairs/{pair_id}/sessions", dependencies=[Depends(require_pair_member(_people_of_pair))])
async def pair_sessions(pair_id: UUID, units: Units) -> list[dict[str, Any]]:
    async with units.reading() as repository:
        return [dict(row) for row in await repository.sessions_of_pair(pair_id)]


@router.get("/participants/{participant_id}/sessions", dependencies=[Depends(require_self())])
async def participant_sessions(participant_id: UUID, units: Units) -> list[dict[str, Any]]:
    """The participant's sessions across their pairs, soonest first, past and cancelled ones included."""
    async with units.reading() as repository:
        return [dict(row) for row in await repository.sessions_across_pairs(participant_id)]


@router.get("/sessions/{session_id}/slots")
async def session_slots(
    session_id: UUID,
    units: Units,
    scheduler: SchedulerDependency,
    _: MemberOfSession,
    count: Annotated[int, Query(ge=1, le=20, description="How many slots at most.")] = 6,
) -> list[dict[str, Any]]:
    """Free times both people can meet, earliest first and not overlapping, that a move of this session would
    accept (their working hours and zones, holidays, absences, other sessions, budgets, minimum notice).
    409 with the reason for a session that can no longer move."""
    async with units.reading() as repository:
        try:
            outcome = await scheduler.free_slots(repository, session_id, count)
        except UnknownSession as error:
            raise HTTPException(404, str(error)) from None
    if isinstance(outcome, Refused):
        raise HTTPException(409, outcome.reason)
    return [{"starts_at": slot.starts_at, "ends_at": slot.ends_at} for slot in outcome]


@router.get("/calendars/{token}.ics")
async def calendar_feed(token: str, units: Units, settings: Settings) -> Response:
    """A participant's iCalendar feed, for calendar apps to subscribe to; the token in the address is the
    credential (it comes in each session e-mail to its owner only; calendar apps cannot send a bearer token). Session ids are stable UIDs and SEQUENCE counts changes,
    so moves and cancellations replace entries."""
    try:
        key = feed_key(token, settings.feed_secret.get_secret_value().encode())
    except InvalidToken:
        raise HTTPException(403, "not a valid calendar address") from None
    async with units.reading() as repository:
        if key.generation != await repository.feed_generation(key.participant_id):
            # A rotated (revoked) address is answered as a forged one: it tells nothing about its owner.
            raise HTTPException(403, "not a valid calendar address")
        sessions = await repository.sessions_of_participant(key.participant_id)
    calendar = Calendar()
    calendar.add("prodid", "-//Flipside//reverse mentoring//EN")
    calendar.add("version", "2.0")
    for session in sessions:
        entry = CalendarEntry()
        entry.add("uid", f"{session['session_id']}@flipside")
        entry.add("summary", f"Flipside {session['kind'].replace('_', '-')}")
        entry.add("dtstart", session["starts_at"])
        entry.add("dtend", session["starts_at"] + timedelta(minutes=session["duration_minutes"]))
        entry.add("dtstamp", session["starts_at"])
        entry.add("sequence", session["sequence"])
        entry.add("status", "CONFIRMED" if session["status"] == "scheduled" else "CANCELLED")
        calendar.add_component(entry)
    return Response(calendar.to_ical(), media_type="text/calendar")


@router.post("/participants/{participant_id}/calendar-feed/rotate")
async def rotate_calendar_feed(
    participant_id: UUID,
    units: Units,
    settings: Settings,
    principal: Annotated[Principal, Depends(require_self())],
) -> dict[str, Any]:
    """Revoke the participant's calendar feed address (its old address answers 403 from now on). The participant
    gets the new address in the answer and in their next session e-mail; an admin revoking it does not see it."""
    async with units.begin() as uow:
        generation = await uow.repository.rotate_feed(participant_id)
    own = principal.participant_id == participant_id
    return {
        "participant_id": participant_id,
        "calendar_feed_url": settings.feed_url(FeedKey(participant_id, generation)) if own else None,
    }


async def _command(units: Units, command: Callable[[SchedulingUnit], Awaitable[Event | Refused]]) -> dict[str, Any]:
    """A command on one session in its own unit of work: 404 for an unknown session, 409 with the reason
    when refused (nothing changed), else the event it published."""
    async with units.begin() as uow:
        try:
            outcome = await command(uow)
        except UnknownSession as error:
            raise HTTPException(404, str(error)) from None
    if isinstance(outcome, Refused):
        raise HTTPException(409, outcome.reason)
    return outcome.model_dump(mode="json")
