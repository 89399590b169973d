"""Valid example events for tests and the demo; override any field."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from uuid import UUID, uuid4

from flipside_shared.events import PairCreated, PairMember, ParticipantEnrolled, ParticipantProfile, WorkingHours


def office_hours(start: int = 9, end: int = 17) -> list[WorkingHours]:
    return [WorkingHours(weekday=day, start=time(start), end=time(end)) for day in range(5)]


def profile(**overrides: Any) -> ParticipantProfile:
    fields: dict[str, Any] = {
        "program_id": "pilot",
        "display_name": "Alex Example",
        "email": "alex@example.com",
        "role": "mentor",
        "grade": 2,
        "department": "Engineering",
        "time_zone": "Europe/Berlin",
        "country": "DE",
        "working_hours": office_hours(),
        "languages": ["en"],
        "skills": [{"name": "TikTok", "level": 4}],
        "goals": [{"name": "strategy", "priority": 4}],
    }
    fields.update(overrides)
    return ParticipantProfile.model_validate(fields)


def enrolled(participant_id: UUID | None = None, **overrides: Any) -> ParticipantEnrolled:
    return ParticipantEnrolled(participant_id=participant_id or uuid4(), profile=profile(**overrides))


def mentor_and_mentee(program_id: str = "pilot", index: int = 0) -> tuple[ParticipantEnrolled, ParticipantEnrolled]:
    """A junior mentor and a senior mentee who fit each other."""
    mentor = enrolled(
        program_id=program_id,
        role="mentor",
        grade=2,
        display_name=f"Mentor {index}",
        email=f"mentor{index}@example.com",
        skills=[{"name": "TikTok"}],
        goals=[{"name": "strategy"}],
    )
    mentee = enrolled(
        program_id=program_id,
        role="mentee",
        grade=8,
        display_name=f"Mentee {index}",
        email=f"mentee{index}@example.com",
        department="Finance",
        time_zone="America/New_York",
        country="US",
        skills=[{"name": "strategy"}],
        goals=[{"name": "TikTok"}],
    )
    return mentor, mentee


def pair_between(mentor: ParticipantEnrolled, mentee: ParticipantEnrolled, **overrides: Any) -> PairCreated:
    """A pair of two enrolled people, in their own time zones."""
    pair = pair_created(**overrides)
    return pair.model_copy(
        update={
            "mentor": pair.mentor.model_copy(
                update={"participant_id": mentor.participant_id, "time_zone": mentor.profile.time_zone}
            ),
            "mentee": pair.mentee.model_copy(
                update={"participant_id": mentee.participant_id, "time_zone": mentee.profile.time_zone}
            ),
        }
    )


def pair_created(**overrides: Any) -> PairCreated:
    fields: dict[str, Any] = {
        "pair_id": uuid4(),
        "program_id": "pilot",
        "mentor": PairMember(
            participant_id=uuid4(), time_zone="Europe/Berlin", working_hours=office_hours(), country="DE"
        ),
        "mentee": PairMember(
            participant_id=uuid4(), time_zone="America/New_York", working_hours=office_hours(), country="US"
        ),
        "score": 2.5,
        "reasons": ["mentor teaches TikTok"],
        "matched_at": datetime.now(UTC),
    }
    fields.update(overrides)
    return PairCreated(**fields)
