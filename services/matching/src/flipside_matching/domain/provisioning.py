"""What a record from an HR system (a SCIM user, a row of an imported file) does to a participant's enrolment."""

from __future__ import annotations

from typing import Literal

from flipside_shared.events import ParticipantProfile

from .refusals import Conflict

Standing = Literal["waiting", "enrolled", "withdrawn"]
"""Where a provisioned person stands: provisioned inactive and never enrolled, enrolled, or withdrawn for good."""

Step = Literal["enrol", "update", "withdraw", "nothing"]


def next_step(
    standing: Standing | None, active: bool, before: ParticipantProfile | None, after: ParticipantProfile
) -> Step:
    """The one event a changed record means. `standing` is None for someone new; `before` is the profile last sent.

    Someone provisioned inactive waits without being enrolled; deactivating someone enrolled withdraws them, and a
    withdrawn participant id never takes part again (as in every other way of leaving)."""
    if standing is None or standing == "waiting":
        return "enrol" if active else "nothing"
    if standing == "withdrawn":
        if active:
            raise Conflict("this person was deactivated and withdrawn; a withdrawn participant cannot take part again")
        return "nothing"
    if not active:
        return "withdraw"
    return "nothing" if before == after else "update"


def standing_after(standing: Standing | None, step: Step) -> Standing:
    if step == "enrol":
        return "enrolled"
    if step == "withdraw":
        return "withdrawn"
    return standing or "waiting"
