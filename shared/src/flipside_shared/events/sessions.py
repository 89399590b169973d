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

from .base import Event, StrictModel, Stream

SESSIONS = Stream(name="sessions", key_field="pair_id")

SessionKind = Literal["kickoff", "check_in"]


class AttendeeTime(StrictModel):
    participant_id: UUID
    time_zone: str
    local_start: datetime = Field(description="Start in the attendee's own time zone, with its offset.")
    calendar_feed_url: str | None = Field(
        default=None, description="The attendee's own calendar feed (its token is the credential: personal, do not share).",
    )


class SessionScheduled(Event):
    ce_type = "flipside.session.scheduled.v1"
    stream = SESSIONS

    session_id: UUID
    pair_id: UUID
    program_id: str
    kind: SessionKind
    starts_at: datetime = Field(description="UTC")
    duration_minutes: int = Field(gt=0)
    mentor: AttendeeTime
    mentee: AttendeeTime


class ReminderDue(Event):
    ce_type = "flipside.session.reminder-due.v1"
    stream = SESSIONS

    session_id: UUID
    pair_id: UUID
    participant_ids: list[UUID]
    starts_at: datetime
    minutes_before: int


class CheckInDue(Event):
    ce_type = "flipside.session.check-in-due.v1"
    stream = SESSIONS

    session_id: UUID
    pair_id: UUID
    program_id: str
    mentor_id: UUID
    mentee_id: UUID
    session_started_at: datetime


class SchedulingFailed(Event):
    ce_type = "flipside.session.scheduling-failed.v1"
    stream = SESSIONS

    pair_id: UUID
    program_id: str
    reason: str


class SessionCancelled(Event):
    """A booked session will not take place: its pair ended, or one of the two was erased.

    Calendars that received the invitation cancel it by its UID (the session id).
    """

    ce_type = "flipside.session.cancelled.v1"
    stream = SESSIONS

    session_id: UUID
    pair_id: UUID
    program_id: str
    kind: str
    starts_at: datetime
    duration_minutes: int
    participant_ids: list[UUID] = Field(description="Who to tell: the attendees still enrolled.")
    reason: Literal["pair_dissolved", "participant_erased"]
    cancelled_at: datetime
