"""Flipside's public events and the registry from CloudEvents type to model."""

from .base import Event, Stream
from .feedback import FEEDBACK, FeedbackRequested
from .notifications import NOTIFICATIONS, NotificationSent
from .pairs import PAIRS, PairAccepted, PairCreated, PairDeclined, PairDissolved, PairMember, PairProposed
from .participants import (
    PARTICIPANTS,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantProfile,
    ParticipantUnmatched,
    ParticipantUpdated,
    WorkingHours,
)
from .programs import PROGRAMS, MatchRunRequested
from .registry import EVENT_TYPES, STREAMS, UnknownEventType, event_class
from .sessions import SESSIONS, AttendeeTime, CheckInDue, ReminderDue, SchedulingFailed, SessionCancelled, SessionScheduled

__all__ = [
    "EVENT_TYPES",
    "FEEDBACK",
    "NOTIFICATIONS",
    "PAIRS",
    "PARTICIPANTS",
    "PROGRAMS",
    "SESSIONS",
    "STREAMS",
    "AttendeeTime",
    "CheckInDue",
    "Event",
    "FeedbackRequested",
    "MatchRunRequested",
    "NotificationSent",
    "PairAccepted",
    "PairCreated",
    "PairDeclined",
    "PairDissolved",
    "PairMember",
    "PairProposed",
    "ParticipantEnrolled",
    "ParticipantErased",
    "ParticipantProfile",
    "ParticipantUnmatched",
    "ParticipantUpdated",
    "ReminderDue",
    "SchedulingFailed",
    "SessionCancelled",
    "SessionScheduled",
    "Stream",
    "UnknownEventType",
    "WorkingHours",
    "event_class",
]
