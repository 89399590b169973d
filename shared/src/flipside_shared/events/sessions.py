"""The `sessions` stream: meetings of a pair and their timers.

Keyed by pair id, not session id: the schedule of a pair is the aggregate, so
every session of one pair, its reminders and its check-ins stay in order in one
partition. The session id is the CloudEvents subject.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from ..text import Few, Identifier, Text, Url
from . import sources as source
from .base import Event, Stream, StrictModel

SESSIONS = Stream(name="sessions", key_field="pair_id")

SessionKind = Literal["kickoff", "check_in"]


class SessionAttendee(StrictModel):
    """An attendee of `SessionScheduled` and `SessionRescheduled` version 2: no feed address, only which generation of
    it is current (a number, no credential), so the address notifications makes for them is one scheduling opens."""

    participant_id: UUID
    time_zone: Identifier
    local_start: datetime = Field(description="Start in the attendee's own time zone, with its offset.")
    feed_generation: int = Field(
        default=0,
        ge=0,
        description="The attendee's current generation of calendar feed address (a rotation adds 1).",
    )


class AttendeeTime(StrictModel):
    """An attendee in the deprecated version 1 of `SessionScheduled` and `SessionRescheduled`."""

    participant_id: UUID
    time_zone: Identifier
    local_start: datetime = Field(description="Start in the attendee's own time zone, with its offset.")
    calendar_feed_url: Url | None = Field(
        default=None,
        description="The attendee's own calendar feed (its token is the credential: personal, do not share).",
    )


class SessionScheduled(Event):
    """A session is booked. Version 2 carries no calendar-feed address: it is its owner's credential, so
    notifications makes it for their e-mail alone."""

    ce_type = "flipside.session.scheduled.v2"
    stream = SESSIONS
    sources = (source.SCHEDULING,)

    session_id: UUID
    pair_id: UUID
    program_id: Identifier
    kind: SessionKind
    starts_at: datetime = Field(description="UTC")
    duration_minutes: int = Field(gt=0)
    mentor: SessionAttendee
    mentee: SessionAttendee
    occurrence: int = Field(default=0, ge=0, description="0 for the kickoff, then 1, 2... along the program's cadence.")


class SessionScheduledV1(Event):
    """Deprecated by `flipside.session.scheduled.v2` and no longer published: it carried each attendee's feed address.
    Still read, so sessions announced before the change are told all the same."""

    ce_type = "flipside.session.scheduled.v1"
    stream = SESSIONS
    sources = (source.SCHEDULING,)

    session_id: UUID
    pair_id: UUID
    program_id: Identifier
    kind: SessionKind
    starts_at: datetime = Field(description="UTC")
    duration_minutes: int = Field(gt=0)
    mentor: AttendeeTime
    mentee: AttendeeTime
    occurrence: int = Field(default=0, ge=0, description="0 for the kickoff, then 1, 2... along the program's cadence.")


class ReminderDue(Event):
    ce_type = "flipside.session.reminder-due.v1"
    stream = SESSIONS
    sources = (source.SCHEDULING,)

    session_id: UUID
    pair_id: UUID
    participant_ids: Few[UUID]
    starts_at: datetime
    minutes_before: int


class CheckInDue(Event):
    ce_type = "flipside.session.check-in-due.v1"
    stream = SESSIONS
    sources = (source.SCHEDULING,)

    session_id: UUID
    pair_id: UUID
    program_id: Identifier
    mentor_id: UUID
    mentee_id: UUID
    session_started_at: datetime


class SchedulingFailed(Event):
    """No time could be found: for a kickoff (matching and admins should act), for one session of the
    series (it is skipped, the series goes on), or for a reschedule that was asked for (nothing changed)."""

    ce_type = "flipside.session.scheduling-failed.v1"
    stream = SESSIONS
    sources = (source.SCHEDULING,)

    pair_id: UUID
    program_id: Identifier
    reason: Text
    session_id: UUID | None = Field(
        default=None, description="The session a refused reschedule or cancellation was about."
    )


CancellationReason = Literal[
    "pair_dissolved",
    "participant_erased",
    "participant_withdrawn",
    "requested",
    "participant_unavailable",
]


class SessionCancelled(Event):
    """A booked session will not take place: its pair ended, one of the two left or was erased, someone
    cancelled it, or an absence left no time for it.

    Calendars that received the invitation cancel it by its UID (the session id) and `sequence`.
    Version 2 adds the reasons after `participant_erased`, `requested_by` and `sequence`.
    """

    ce_type = "flipside.session.cancelled.v2"
    stream = SESSIONS
    sources = (source.SCHEDULING,)

    session_id: UUID
    pair_id: UUID
    program_id: Identifier
    kind: SessionKind
    starts_at: datetime
    duration_minutes: int
    participant_ids: Few[UUID] = Field(description="Who to tell: the attendees still enrolled.")
    reason: CancellationReason
    requested_by: UUID | None = Field(default=None, description="Who asked, when the reason is `requested`.")
    sequence: int = Field(
        ge=1, description="iCalendar SEQUENCE of this change: above every earlier one of the session."
    )
    cancelled_at: datetime

    def as_v1(self) -> SessionCancelledV1 | None:
        """The same cancellation for subscribers of version 1, when its reason existed there."""
        if self.reason not in ("pair_dissolved", "participant_erased"):
            return None
        return SessionCancelledV1(**self.model_dump(exclude={"requested_by", "sequence"}))


class SessionCancelledV1(Event):
    """Deprecated by `flipside.session.cancelled.v2`, and still published beside it for the two reasons
    version 1 knows, so subscribers written against it keep working while they move to version 2."""

    ce_type = "flipside.session.cancelled.v1"
    stream = SESSIONS
    sources = (source.SCHEDULING,)

    session_id: UUID
    pair_id: UUID
    program_id: Identifier
    kind: Identifier
    starts_at: datetime
    duration_minutes: int
    participant_ids: Few[UUID] = Field(description="Who to tell: the attendees still enrolled.")
    reason: Literal["pair_dissolved", "participant_erased"]
    cancelled_at: datetime


class SessionRescheduled(Event):
    """A booked session moved: someone asked, or an absence overlapped it. Same session id (the calendar UID),
    a higher `sequence`, so calendar apps move the entry instead of adding one. Version 2 carries no calendar-feed
    address, as `SessionScheduled` version 2."""

    ce_type = "flipside.session.rescheduled.v2"
    stream = SESSIONS
    sources = (source.SCHEDULING,)

    session_id: UUID
    pair_id: UUID
    program_id: Identifier
    kind: SessionKind
    previous_starts_at: datetime = Field(description="UTC")
    starts_at: datetime = Field(description="UTC")
    duration_minutes: int = Field(gt=0)
    mentor: SessionAttendee
    mentee: SessionAttendee
    reason: Literal["requested", "participant_unavailable"]
    requested_by: UUID | None = None
    sequence: int = Field(ge=1, description="iCalendar SEQUENCE of this change.")


class SessionRescheduledV1(Event):
    """Deprecated by `flipside.session.rescheduled.v2` and no longer published: it carried each attendee's feed
    address. Still read, so moves announced before the change are told all the same."""

    ce_type = "flipside.session.rescheduled.v1"
    stream = SESSIONS
    sources = (source.SCHEDULING,)

    session_id: UUID
    pair_id: UUID
    program_id: Identifier
    kind: SessionKind
    previous_starts_at: datetime = Field(description="UTC")
    starts_at: datetime = Field(description="UTC")
    duration_minutes: int = Field(gt=0)
    mentor: AttendeeTime
    mentee: AttendeeTime
    reason: Literal["requested", "participant_unavailable"]
    requested_by: UUID | None = None
    sequence: int = Field(ge=1, description="iCalendar SEQUENCE of this change.")


class SessionRescheduleRequested(Event):
    """A command: move a session. Without `starts_at`, to the earliest other slot both can meet.
    Refused (`SchedulingFailed` with the session id) when the time is past, outside someone's working
    hours or absence-free time, taken, or over a monthly time budget."""

    ce_type = "flipside.session.reschedule-requested.v1"
    stream = SESSIONS
    sources = ()
    inbound_sources = (source.CALENDAR,)

    session_id: UUID
    pair_id: UUID
    starts_at: datetime | None = Field(
        default=None, description="UTC (any offset is accepted); none: the earliest other slot."
    )
    requested_by: UUID | None = None
    requested_at: datetime


class SessionCancellationRequested(Event):
    """A command: this one session will not take place (the series goes on with the next one)."""

    ce_type = "flipside.session.cancellation-requested.v1"
    stream = SESSIONS
    sources = ()
    inbound_sources = (source.CALENDAR,)

    session_id: UUID
    pair_id: UUID
    requested_by: UUID | None = None
    requested_at: datetime
