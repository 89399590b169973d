"""From a program event to the messages it owes people."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from flipside_shared.events import (
    AttendeeTime,
    Event,
    FeedbackRequested,
    FeedbackRequestedV1,
    PairAtRisk,
    PairCreated,
    PairDeclined,
    PairDissolved,
    PairProposed,
    ParticipantEnrolled,
    ParticipantUnmatched,
    ParticipantWithdrawn,
    ProgramCancelled,
    ProgramCompleted,
    RecognitionAwarded,
    ReminderDue,
    SchedulingFailed,
    SessionAttendee,
    SessionCancelled,
    SessionRescheduled,
    SessionRescheduledV1,
    SessionScheduled,
    SessionScheduledV1,
)

from .programs import ACTIVITIES, PairMembers, Program, digest_id, meeting_url

LEAVING = ("withdrawn", "left_company")
"""PairDissolved's reasons that mean one side left the program."""


@dataclass(frozen=True)
class MessageDue:
    recipient_id: UUID
    template: str
    context: dict[str, Any]


class PersonalLinks(Protocol):
    """Links for one person's eyes, signed with the key of the service that opens them; events never carry them."""

    def survey_url(self, request_id: UUID, expires_at: datetime) -> str: ...

    def calendar_feed_url(self, participant_id: UUID, generation: int) -> str: ...


@dataclass(frozen=True)
class Known:
    """What notifications knew when the event came, as far as the event's messages depend on it: the program it
    is about, the pair it names, and whether an enrolment is of someone new here."""

    program: Program | None = None
    pair: PairMembers | None = None
    newly_enrolled: bool = False
    enrolled: frozenset[UUID] = frozenset()
    """Of the pair's members, those still enrolled (not withdrawn): loaded for a pair that ended."""


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


def messages_for(event: Event, links: PersonalLinks, known: Known = Known()) -> list[MessageDue]:
    match event:
        case ParticipantEnrolled() if known.newly_enrolled and known.program is not None:
            # Once per person: an enrolment sent again (by HR, say) is not a second welcome. A program not known
            # here (defined before programs announced themselves) has no name or leads to welcome anyone with.
            return [MessageDue(event.participant_id, "welcome", {"program_name": known.program.name})]
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
            ] + _to_leads(known, "lead_pair_at_risk", {"pair_id": str(event.pair_id)})
        case SchedulingFailed():
            return _to_leads(known, "lead_scheduling_failed", {"pair_id": str(event.pair_id), "reason": event.reason})
        case PairDeclined() if known.pair is not None:
            return _proposal_ended(event, known.pair)
        case PairDissolved() if known.pair is not None:
            return [
                MessageDue(
                    member,
                    "pair_dissolved",
                    {
                        "reason": event.reason,
                        "rematch": event.rematch,
                        "partner_id": str(known.pair.partner_of(member)),
                        "pair_id": str(event.pair_id),
                    },
                )
                for member in (known.pair.mentor_id, known.pair.mentee_id)
                # Who left is not told their pair ended because someone left.
                if event.reason not in LEAVING or member in known.enrolled
            ]
        case ProgramCompleted() | ProgramCancelled() if known.program is not None:
            closing = {"program_name": event.program.name, "cancelled": isinstance(event, ProgramCancelled)}
            return [MessageDue(member, "program_closing", closing) for member in known.program.member_ids]
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
                        "meeting_url": meeting_url(
                            known.program.meeting_url_template if known.program else None,
                            event.pair_id,
                            event.session_id,
                        ),
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
                    _request_template(event),
                    {
                        "survey_url": links.survey_url(event.request_id, event.expires_at),
                        "expires_at": event.expires_at.isoformat(),
                        "role": event.role,
                    },
                )
            ]
    return []


def _request_template(event: FeedbackRequested | FeedbackRequestedV1) -> str:
    """A check-in asks about a session; the closing self-assessment, once the program is over, has its own words."""
    if isinstance(event, FeedbackRequested) and event.kind == "closing_self_assessment":
        return "closing_self_assessment_requested"
    return "feedback_requested"


def _to_leads(known: Known, template: str, context: dict[str, Any]) -> list[MessageDue]:
    """The program's own notice to each of its leads; none while the program is not known here."""
    if known.program is None:
        return []
    about = {"program_id": known.program.program_id, "program_name": known.program.name, **context}
    return [MessageDue(lead, template, about) for lead in known.program.lead_ids]


def _proposal_ended(event: PairDeclined, pair: PairMembers) -> list[MessageDue]:
    """Who picked the partner hears that it came to nothing; when the rules no longer allow the pair, the side
    that was asked hears it too, since their answer is no longer wanted."""
    if pair.proposed_by is None:
        return []
    told = (
        [pair.proposed_by]
        if event.reason != "no_longer_possible"
        else [pair.proposed_by, pair.partner_of(pair.proposed_by)]
    )
    return [
        MessageDue(
            member,
            "proposal_ended",
            {"reason": event.reason, "partner_id": str(pair.partner_of(member)), "pair_id": str(event.pair_id)},
        )
        for member in told
    ]


def unmatched_summary(program: Program, run_id: UUID, unmatched: int, tally: list[tuple[str, int]]) -> list[MessageDue]:
    """One summary of a match run's unmatched for each of the program's leads."""
    return _to_leads(
        Known(program=program),
        "lead_unmatched_summary",
        {"run_id": str(run_id), "unmatched": unmatched, "reasons": [[reason, count] for reason, count in tally]},
    )


def activity_of(event: Event, known: Known) -> tuple[str, str] | None:
    """(program id, what happened) when the event is one a program's weekly digest counts."""
    match event:
        case ParticipantEnrolled() if known.newly_enrolled:
            return event.profile.program_id, "enrolled"
        case ParticipantWithdrawn():
            return event.program_id, "withdrawn"
        case PairCreated():
            return event.program_id, "paired"
        case ParticipantUnmatched():
            return event.program_id, "unmatched"
        case SessionScheduled() | SessionScheduledV1():
            return event.program_id, "sessions_booked"
        case SchedulingFailed():
            return event.program_id, "scheduling_failed"
        case PairAtRisk():
            return event.program_id, "at_risk"
        case PairDissolved():
            return event.program_id, "dissolved"
    return None


def weekly_digest(program: Program, week: date, counts: dict[str, int]) -> tuple[UUID, list[MessageDue]]:
    """The program's digest of one week for each of its leads, and the id it is owed under."""
    listed = [[what, counts[what]] for what in ACTIVITIES if counts.get(what)]
    return digest_id(program.program_id, week), _to_leads(
        Known(program=program), "lead_weekly_digest", {"week": week.isoformat(), "counts": listed}
    )
