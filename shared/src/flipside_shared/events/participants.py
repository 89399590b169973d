"""The `participants` stream: enrolment and profile of each participant, keyed by participant id.

No protected attribute (age, gender, ethnicity, religion, disability...) exists
in these models: "junior" comes from grade and tenure, never from age.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from ..text import Few, Identifier, Name, OneLine, Text
from ..time_zones import zone_named
from . import sources as source
from .base import Event, Stream, StrictModel

PARTICIPANTS = Stream(name="participants", key_field="participant_id")

Role = Literal["mentor", "mentee", "either"]

Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), OneLine]


def _local_time_schema(schema: dict[str, Any]) -> None:
    """A time of day on the person's own clock, which their profile's zone (and its daylight saving) places. JSON Schema's
    "format": "time" is RFC 3339's and requires an offset, which Flipside neither sends nor accepts: a pattern says it."""
    del schema["format"]
    schema["pattern"] = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
    schema["maxLength"] = len("HH:MM:SS.ffffff")
    schema["description"] = "Local time of day in the profile's time zone, without offset: HH:MM or HH:MM:SS."


class WorkingHours(StrictModel):
    """Hours one person works on one weekday (0 = Monday), in their own time zone."""

    weekday: int = Field(ge=0, le=6)
    start: time = Field(json_schema_extra=_local_time_schema)
    end: time = Field(json_schema_extra=_local_time_schema)

    @field_validator("start", "end")
    @classmethod
    def _without_offset(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError(
                "a time on the person's own clock takes no UTC offset (their time zone gives it): HH:MM or HH:MM:SS"
            )
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class Skill(StrictModel):
    name: Name = Field(min_length=1)
    level: int = Field(default=3, ge=1, le=5)


class LearningGoal(StrictModel):
    name: Name = Field(min_length=1)
    priority: int = Field(default=3, ge=1, le=5)


class CommunicationStyle(StrictModel):
    rhythm: Literal["weekly", "fortnightly", "monthly"] = "fortnightly"
    mode: Literal["synchronous", "written", "mixed"] = "synchronous"
    formality: Literal["casual", "formal"] = "casual"
    channel: Literal["video", "in_person", "chat", "email"] = "video"


class ParticipantProfile(StrictModel):
    """What a participant tells the program about themselves."""

    program_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    display_name: Name = Field(min_length=1)
    email: Email
    locale: str = Field(default="en", max_length=5, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    role: Role
    grade: int = Field(ge=0, le=30, description="Seniority on the program's ladder; higher is more senior.")
    tenure_months: int = Field(default=0, ge=0)
    department: Name = Field(min_length=1)
    manager_id: UUID | None = None
    reporting_chain: list[UUID] = Field(
        default_factory=list,
        max_length=30,
        description="Managers above the direct manager, nearest first, where the HR system knows them.",
    )
    country: str | None = Field(
        default=None, max_length=2, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, for public holidays."
    )
    time_zone: Identifier
    working_hours: Few[WorkingHours] = Field(min_length=1)
    languages: Few[Name] = Field(min_length=1)
    skills: Few[Skill] = Field(default_factory=list)
    goals: Few[LearningGoal] = Field(default_factory=list)
    interests: Few[Name] = Field(default_factory=list)
    communication: CommunicationStyle = Field(default_factory=CommunicationStyle)
    capacity: int = Field(default=1, ge=1, le=3, description="Mentees a mentor takes at most.")
    hours_per_month: int = Field(default=4, ge=1, le=40)
    exclusions: Few[UUID] = Field(default_factory=list, description="People not to be paired with.")

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            zone_named(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value


class ParticipantErased(Event):
    """The participant's right to erasure: every service removes or anonymises their personal data."""

    ce_type = "flipside.participant.erased.v1"
    stream = PARTICIPANTS
    sources = (source.MATCHING,)
    inbound_sources = (source.HR, source.OPERATOR)

    participant_id: UUID
    erased_at: datetime


class ParticipantWithdrawn(Event):
    """The participant leaves the program (their data stays until erased): no new partner, no more sessions."""

    ce_type = "flipside.participant.withdrawn.v1"
    stream = PARTICIPANTS
    sources = (source.MATCHING,)
    inbound_sources = (source.HR,)

    participant_id: UUID
    program_id: Identifier
    withdrawn_at: datetime


class ParticipantEnrolled(Event):
    ce_type = "flipside.participant.enrolled.v1"
    stream = PARTICIPANTS
    sources = (source.MATCHING,)
    inbound_sources = (source.HR, source.OPERATOR)

    participant_id: UUID
    profile: ParticipantProfile
    agreement_version: int | None = Field(
        None,
        ge=1,
        description="The version of the program's ground rules and confidentiality agreement the person accepted"
        " when enrolling; required once the program has one, none for a program without.",
    )


class ParticipantUnmatched(Event):
    """A match run left this participant without a partner, or rolling matching found that no one enrolled could be
    their partner under the program's hard rules; and why, so they and the program lead can act."""

    ce_type = "flipside.participant.unmatched.v1"
    stream = PARTICIPANTS
    sources = (source.MATCHING,)

    participant_id: UUID
    program_id: Identifier
    run_id: UUID = Field(
        description="The match run; for rolling matching, the id of the enrolment or profile update it was deciding on."
    )
    reasons: Few[Text] = Field(min_length=1)


class ParticipantUpdated(Event):
    """A participant's profile changed (new skills, goals, hours, capacity...): the whole profile as it now is."""

    ce_type = "flipside.participant.updated.v1"
    stream = PARTICIPANTS
    sources = (source.MATCHING,)
    inbound_sources = (source.HR,)

    participant_id: UUID
    profile: ParticipantProfile
