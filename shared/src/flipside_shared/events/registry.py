"""CloudEvents type -> event class: how a consumer knows what a message is."""

from __future__ import annotations

from .base import Event, Stream
from .exports import EXPORTS, PersonalDataExported, PersonalDataExportRequested
from .feedback import (
    FEEDBACK,
    FeedbackRequested,
    FeedbackRequestedV1,
    FeedbackSubmitted,
    GoalAchieved,
    GoalProgressed,
    GoalSet,
    PairAtRisk,
    PairHealthChanged,
    RecognitionAwarded,
)
from .notifications import NOTIFICATIONS, NotificationFailed, NotificationSent, NotificationSentV1
from .pairs import PAIRS, PairAccepted, PairCompleted, PairCreated, PairDeclined, PairDissolved, PairProposed
from .participants import (
    PARTICIPANTS,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantUnmatched,
    ParticipantUpdated,
    ParticipantWithdrawn,
)
from .programs import (
    PROGRAMS,
    MatchRunRequested,
    ProgramCancelled,
    ProgramCompleted,
    ProgramDefined,
    ProgramEnrolmentClosed,
    ProgramOpened,
    ProgramStarted,
)
from .sessions import (
    SESSIONS,
    CheckInDue,
    ReminderDue,
    SchedulingFailed,
    SessionCancellationRequested,
    SessionCancelled,
    SessionCancelledV1,
    SessionRescheduled,
    SessionRescheduledV1,
    SessionRescheduleRequested,
    SessionScheduled,
    SessionScheduledV1,
)

STREAMS: tuple[Stream, ...] = (PARTICIPANTS, PROGRAMS, PAIRS, SESSIONS, FEEDBACK, NOTIFICATIONS, EXPORTS)

EVENT_TYPES: dict[str, type[Event]] = {
    cls.ce_type: cls
    for cls in (
        ParticipantEnrolled,
        ParticipantUpdated,
        ParticipantErased,
        ParticipantUnmatched,
        ParticipantWithdrawn,
        MatchRunRequested,
        ProgramDefined,
        ProgramOpened,
        ProgramEnrolmentClosed,
        ProgramStarted,
        ProgramCompleted,
        ProgramCancelled,
        PairCreated,
        PairDissolved,
        PairCompleted,
        PairProposed,
        PairAccepted,
        PairDeclined,
        SessionScheduled,
        SessionScheduledV1,
        ReminderDue,
        CheckInDue,
        SchedulingFailed,
        SessionCancelled,
        SessionCancelledV1,
        SessionRescheduled,
        SessionRescheduledV1,
        SessionRescheduleRequested,
        SessionCancellationRequested,
        FeedbackRequested,
        FeedbackRequestedV1,
        FeedbackSubmitted,
        GoalSet,
        GoalProgressed,
        GoalAchieved,
        PairHealthChanged,
        PairAtRisk,
        RecognitionAwarded,
        NotificationSent,
        NotificationSentV1,
        NotificationFailed,
        PersonalDataExportRequested,
        PersonalDataExported,
    )
}


# The streams that systems outside Flipside may send some events of, each on its own inbound topic.
INBOUND_STREAMS: tuple[Stream, ...] = tuple(
    stream for stream in STREAMS if any(t.inbound_sources for t in EVENT_TYPES.values() if t.stream == stream)
)

# What Flipside's services publish, which other systems may subscribe to as webhooks: what outside systems send
# (survey answers, session commands) stays with the service it is for, and so do one person's own words and scores
# (private events), whoever sent them; notifications' own would announce deliveries in a loop of deliveries.
SUBSCRIBABLE_EVENT_TYPES: list[str] = sorted(
    ce_type
    for ce_type, event_type in EVENT_TYPES.items()
    if event_type.sources and event_type.stream != NOTIFICATIONS and not event_type.private
)


class UnknownEventType(LookupError):
    """A message whose `ce_type` names no event type or version Flipside knows."""


def event_class(ce_type: str) -> type[Event]:
    try:
        return EVENT_TYPES[ce_type]
    except KeyError:
        raise UnknownEventType(f"unknown event type or version {ce_type!r}") from None
