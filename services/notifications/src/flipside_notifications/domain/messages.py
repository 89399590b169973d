"""From a program event to the messages it owes people."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from flipside_shared.events import (
    AttendeeTime,
    Event,
    FeedbackRequested,
    FeedbackRequestedV1,
    PairAtRisk,
    PairCreated,
    PairProposed,
    ParticipantUnmatched,
    RecognitionAwarded,
    ReminderDue,
    SessionAttendee,
    SessionCancelled,
    SessionRescheduled,
    SessionRescheduledV1,
    SessionScheduled,
    SessionScheduledV1,
)


@dataclass(frozen=True)
class MessageDue:
    recipient_id: UUID
    template: str
    context: dict[str, Any]


class PersonalLinks(Protocol):
    """Links for one person's eyes, signed with the key of the service that opens them; events never carry them."""

    def survey_url(self, request_id: UUID, expires_at: datetime) -> str: ...

    def calendar_feed_url(self, participant_id: UUID, generation: int) -> str: ...


def feed_generation(attendee: SessionAttendee | AttendeeTime) -> int:
    """Which generation of feed address to make for the attendee: the one a version 2 event says is current; for a
    version 1 event, the one its carried address was made for (a token's payload is signed, not secret), else 0."""
    if isinstance(attendee, SessionAttendee):
        return attendee.feed_generation
    token = (attendee.calendar_feed_url or "").rsplit("/", 1)[-1].removesuffix(".ics").split(".")[0]
    try:
        payload = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return 0
    return int.from_bytes(payload[16:], "big") if len(payload) == 20 else 0


def messages_for(event: Event, links: PersonalLinks) -> list[MessageDue]:
    match event:
        case PairCreated():
            return [
                MessageDue(
                    member.participant_id,
                    "paired",
                    {
                        "role": role,
                        "partner_id": str(partner.participant_id),
                        "score": event.score,
                        "reasons": event.reasons,
                        "pair_id": str(event.pair_id),
                    },
                )
                for role, member, partner in (
                    ("mentor", event.mentor, event.mentee),
                    ("mentee", event.mentee, event.mentor),
                )
            ]
        case PairProposed():
            # The side that was asked; the one who picked knows already.
            asked, role = (
                (event.mentor_id, "mentor") if event.proposed_by == event.mentee_id else (event.mentee_id, "mentee")
            )
            return [
                MessageDue(
                    asked,
                    "proposal",
                    {
                        "role": role,
                        "partner_id": str(event.proposed_by),
                        "reasons": event.reasons,
                        "expires_at": event.expires_at.isoformat(),
                        "pair_id": str(event.pair_id),
                    },
                )
            ]
        case PairAtRisk():
            # No reasons: between two people, signals drawn from check-ins would tell one how the other answered.
            return [
                MessageDue(member, "at_risk", {"partner_id": str(partner), "pair_id": str(event.pair_id)})
                for member, partner in ((event.mentor_id, event.mentee_id), (event.mentee_id, event.mentor_id))
            ]
        case ParticipantUnmatched():
            return [MessageDue(event.participant_id, "unmatched", {"reasons": event.reasons})]
        case SessionScheduled() | SessionScheduledV1():
            return [
                MessageDue(
                    attendee.participant_id,
                    "session_scheduled",
                    {
                        "session_id": str(event.session_id),
                        "kind": event.kind,
                        "starts_at": event.starts_at.isoformat(),
                        "duration_minutes": event.duration_minutes,
                        "partner_id": str(partner.participant_id),
                        "calendar_feed_url": links.calendar_feed_url(
                            attendee.participant_id, feed_generation(attendee)
                        ),
                        "sequence": 0,
                    },
                )
                for attendee, partner in ((event.mentor, event.mentee), (event.mentee, event.mentor))
            ]
        case SessionRescheduled() | SessionRescheduledV1():
            return [
                MessageDue(
                    attendee.participant_id,
                    "session_rescheduled",
                    {
                        "session_id": str(event.session_id),
                        "kind": event.kind,
                        "starts_at": event.starts_at.isoformat(),
                        "previous_starts_at": event.previous_starts_at.isoformat(),
                        "duration_minutes": event.duration_minutes,
                        "partner_id": str(partner.participant_id),
                        "reason": event.reason,
                        "sequence": event.sequence,
                        "calendar_feed_url": links.calendar_feed_url(
                            attendee.participant_id, feed_generation(attendee)
                        ),
                    },
                )
                for attendee, partner in ((event.mentor, event.mentee), (event.mentee, event.mentor))
            ]
        case SessionCancelled():
            return [
                MessageDue(
                    participant_id,
                    "session_cancelled",
                    {
                        "session_id": str(event.session_id),
                        "kind": event.kind,
                        "starts_at": event.starts_at.isoformat(),
                        "duration_minutes": event.duration_minutes,
                        "reason": event.reason,
                        "sequence": event.sequence,
                        **(
                            {"partner_id": str(others[0])}
                            if (others := [p for p in event.participant_ids if p != participant_id])
                            else {}
                        ),
                    },
                )
                for participant_id in event.participant_ids
            ]
        case ReminderDue():
            return [
                MessageDue(
                    participant_id,
                    "reminder",
                    {
                        "session_id": str(event.session_id),
                        "starts_at": event.starts_at.isoformat(),
                        "minutes_before": event.minutes_before,
                    },
                )
                for participant_id in event.participant_ids
            ]
        case RecognitionAwarded():
            return [
                MessageDue(
                    participant_id,
                    "recognition",
                    {
                        "milestone": event.milestone,
                        "pair_id": str(event.pair_id),
                        **(
                            {"partner_id": str(others[0])}
                            if (others := [p for p in event.participant_ids if p != participant_id])
                            else {}
                        ),
                    },
                )
                for participant_id in event.participant_ids
            ]
        case FeedbackRequested() | FeedbackRequestedV1():
            return [
                MessageDue(
                    event.participant_id,
                    "feedback_requested",
                    {
                        "survey_url": links.survey_url(event.request_id, event.expires_at),
                        "expires_at": event.expires_at.isoformat(),
                        "role": event.role,
                    },
                )
            ]
    return []
