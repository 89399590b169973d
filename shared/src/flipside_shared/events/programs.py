"""The `programs` stream: what happens to a program as a whole, keyed by program id."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from ..text import Few, Identifier, Name, Text, Url
from . import sources as source
from .base import Event, Stream, StrictModel
from .participants import Email

PROGRAMS = Stream(name="programs", key_field="program_id")


class MatchRunRequested(Event):
    """Pair everyone in the program who still has room, with the globally best assignment."""

    ce_type = "flipside.program.match-run-requested.v1"
    stream = PROGRAMS
    sources = (source.MATCHING,)

    program_id: Identifier = Field(min_length=1)
    run_id: UUID
    requested_at: datetime
    replace_unlocked: bool = Field(
        default=False,
        description="Rerun: active pairs not locked may be replaced by better ones (PairDissolved with reason rerun).",
    )


ProgramStatus = Literal["draft", "open", "matching", "running", "completed", "cancelled"]
"""draft -> open (enrolment) -> matching -> running -> completed; any status before completed may turn cancelled."""

MeetingKind = Literal["teams", "zoom", "meet", "room"]


class ProgramContact(StrictModel):
    """A lead or an executive sponsor of the program: who the program's own notices go to."""

    subject: Identifier = Field(
        min_length=1, description="Their subject at the identity provider: the claim a signed-in lead or sponsor has."
    )
    display_name: Name = Field(min_length=1)
    email: Email
    locale: str = Field(default="en", max_length=5, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")


class MeetingLink(StrictModel):
    """Where a pair meets: the program's Teams, Zoom or Meet link, or a room per pair."""

    kind: MeetingKind
    url_template: Url = Field(
        min_length=1,
        pattern=r"^https://",
        description="An https URL; `{pair_id}` and `{session_id}` in it are replaced by the pair's and session's ids.",
    )


class ProgramDetails(StrictModel):
    """What a program is, as its lead describes it: carried whole by every lifecycle event."""

    name: Name = Field(min_length=1)
    description: Text = ""
    objectives: Few[Text] = Field(
        default_factory=list, description="What the organisation wants from the program, measured in the insights."
    )
    enrolment_opens_at: datetime | None = None
    enrolment_closes_at: datetime | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    leads: Few[ProgramContact] = Field(default_factory=list)
    sponsors: Few[ProgramContact] = Field(
        default_factory=list, description="Executive sponsors: they see the program's aggregate results, nothing else."
    )
    meeting_link: MeetingLink | None = None
    previous_cohort: Identifier | None = Field(
        default=None,
        description="The program this cohort follows: its policy is reused and no pair of it is made again.",
    )


class _ProgramLifecycle(Event):
    stream = PROGRAMS
    sources = (source.MATCHING,)

    program_id: Identifier = Field(min_length=1)
    status: ProgramStatus
    program: ProgramDetails
    occurred_at: datetime


class ProgramDefined(_ProgramLifecycle):
    """A program was created or its details changed (in any status but completed and cancelled)."""

    ce_type = "flipside.program.defined.v1"


class ProgramOpened(_ProgramLifecycle):
    """Enrolment is open: people may enrol until `enrolment_closes_at`."""

    ce_type = "flipside.program.opened.v1"


class ProgramEnrolmentClosed(_ProgramLifecycle):
    """Enrolment is closed and the cohort is being matched."""

    ce_type = "flipside.program.enrolment-closed.v1"


class ProgramStarted(_ProgramLifecycle):
    """The program runs: pairs meet."""

    ce_type = "flipside.program.started.v1"


class ProgramCompleted(_ProgramLifecycle):
    """The program ended: every active pair is completed (`PairCompleted`), both sides get the closing
    self-assessment, graduates are recognised and the lead gets the closing report."""

    ce_type = "flipside.program.completed.v1"


class ProgramCancelled(_ProgramLifecycle):
    """The program stopped before its end: every active pair is completed, no closing report."""

    ce_type = "flipside.program.cancelled.v1"
