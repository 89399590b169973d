"""Flipside's public events and the registry from CloudEvents type to model."""

from .base import Event, Stream
from .feedback import FEEDBACK, FeedbackRequested
from .notifications import NOTIFICATIONS, NotificationFailed, NotificationSent, NotificationSentV1
from .pairs import PAIRS, PairAccepted, PairCreated, PairDeclined, PairDissolved, PairMember, PairProposed
from .participants import (
    PARTICIPANTS,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantProfile,
    ParticipantUnmatched,
    ParticipantUpdated,
    ParticipantWithdrawn,
    WorkingHours,
)
from .programs import PROGRAMS, MatchRunRequested
from .registry import EVENT_TYPES, STREAMS, UnknownEventType, event_class
from .sessions import (
    SESSIONS,
    AttendeeTime,
    CheckInDue,
    ReminderDue,
    SchedulingFailed,
    SessionCancellationRequested,
    SessionCancelled,
    SessionCancelledV1,
    SessionRescheduled,
    SessionRescheduleRequested,
    SessionScheduled,
)

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
    "NotificationFailed",
    "NotificationSent",
    "NotificationSentV1",
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
    "ParticipantWithdrawn",
    "ReminderDue",
    "SchedulingFailed",
    "SessionCancellationRequested",
    "SessionCancelled",
    "SessionCancelledV1",
    "SessionRescheduleRequested",
    "SessionRescheduled",
    "SessionScheduled",
    "Stream",
    "UnknownEventType",
    "WorkingHours",
    "event_class",
]
